/* tests/unit/util/test-toml.c: the TOML subset reader, event by event */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/toml.h"

/* What the handlers saw, one line per event: "[a.b]@1:1", "key=value@2:1" */
struct record {
        const struct toml_src *src;
        char text[4096];
        size_t len;
        const char *fail_on; /* a key whose keyval handler fails */
        char *taken;         /* a string a handler took over */
};

static void add(struct record *rec, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct record *rec, const char *fmt, ...)
{
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(rec->text + rec->len, sizeof(rec->text) - rec->len, fmt, ap);
        va_end(ap);
        if (n > 0 && (size_t)n < sizeof(rec->text) - rec->len)
                rec->len += (size_t)n;
}

static int
on_table(void *userdata, char *const *keys, size_t n, bool array, size_t off, struct berr **err)
{
        struct record *rec = userdata;
        unsigned line, col;

        toml_locate(rec->src, off, &line, &col);
        add(rec, "%s", array ? "[[" : "[");
        for (size_t i = 0; i < n; i++)
                add(rec, "%s%s", i ? "." : "", keys[i]);
        add(rec, "%s@%u:%u\n", array ? "]]" : "]", line, col);
        return 0;
}

static int
on_keyval(void *userdata, const char *key, size_t key_off, struct toml_value *v, struct berr **err)
{
        struct record *rec = userdata;
        unsigned line, col, vline, vcol;

        if (rec->fail_on && strcmp(key, rec->fail_on) == 0)
                return toml_fail(err, rec->src, v->off, "%s: expected %s", key,
                                 toml_type_name(TOML_BOOL));
        toml_locate(rec->src, key_off, &line, &col);
        toml_locate(rec->src, v->off, &vline, &vcol);
        switch (v->type) {
        case TOML_STRING:
                add(rec, "%s=\"%s\"", key, v->str);
                if (strcmp(key, "take") == 0) {
                        free(rec->taken);
                        rec->taken = TAKE_PTR(v->str);
                }
                break;
        case TOML_BOOL:
                add(rec, "%s=%s", key, v->b ? "true" : "false");
                break;
        case TOML_INT:
                add(rec, "%s=%lld", key, (long long)v->i);
                break;
        default:
                add(rec, "%s=[", key);
                for (size_t i = 0; i < v->n_items; i++)
                        add(rec, "%s\"%s\"", i ? "," : "", v->items[i].s);
                add(rec, "]");
                break;
        }
        add(rec, "@%u:%u/%u:%u\n", line, col, vline, vcol);
        return 0;
}

static const struct toml_handler handler = {.table = on_table, .keyval = on_keyval};

/* parse text as file "f"; the events into rec->text */
static int
parse(struct record *rec, const char *text, size_t len, struct berr **err)
{
        static struct toml_src src;

        src = (struct toml_src){.buf = text, .len = len, .name = "f"};
        rec->src = &src;
        return toml_parse(&src, &handler, rec, err);
}

static void
test_values(void)
{
        static const char t[] = "# a comment\n"
                                "s = \"a\\tb\\u00e9\\U0001F600\\\"\" # after\n"
                                "l = 'C:\\no\\escape'\n"
                                "\"quoted key\" = true\n"
                                "'lit' = false\n"
                                "i = -1_000\n"
                                "h = 0xff\n"
                                "a = [ 'x', \"y\", # c\n"
                                "  'z', ]\n"
                                "e = []\n"
                                "\n"
                                "[ storage ]\n"
                                "k = 'v'\n"
                                "[[a . \"b c\"]]\n";
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, strlen(t), &err) == 0);
        check(!err);
        check_str(rec.text, "s=\"a\tb\xc3\xa9\xf0\x9f\x98\x80\"\"@2:1/2:5\n"
                            "l=\"C:\\no\\escape\"@3:1/3:5\n"
                            "quoted key=true@4:1/4:16\n"
                            "lit=false@5:1/5:9\n"
                            "i=-1000@6:1/6:5\n"
                            "h=255@7:1/7:5\n"
                            "a=[\"x\",\"y\",\"z\"]@8:1/8:5\n"
                            "e=[]@10:1/10:5\n"
                            "[storage]@12:1\n"
                            "k=\"v\"@13:1/13:5\n"
                            "[[a.b c]]@14:1\n");
}

/* CRLF line ends and a byte order mark, which is no column */
static void
test_crlf_bom(void)
{
        static const char t[] = "\xef\xbb\xbfx = 1\r\n[t]\r\ny = 'a'";
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, strlen(t), &err) == 0);
        check_str(rec.text, "x=1@1:1/1:5\n[t]@2:1\ny=\"a\"@3:1/3:5\n");
}

static void
test_empty(void)
{
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, "", 0, &err) == 0);
        check(parse(&rec, "\n\n  # only a comment\n", 20, &err) == 0);
        check_str(rec.text, "");
}

struct bad {
        const char *text;
        const char *msg;
};

static const struct bad bad[] = {
        {"x = 1.5\n", "f:1:5: floats are not supported"},
        {"x = 1979-05-27\n", "f:1:5: dates and times are not supported"},
        {"x = {a = 1}\n", "f:1:5: inline tables are not supported"},
        {"x = [[1]]\n", "f:1:6: arrays of arrays are not supported"},
        {"x = [1]\n", "f:1:6: only arrays of strings are supported"},
        {"x = \"\"\"a\"\"\"\n", "f:1:5: multi-line strings are not supported"},
        {"a.b = 'x'\n", "f:1:2: dotted keys are not supported"},
        {"x = yes\n", "f:1:5: expected a value"},
        {"x =\n", "f:1:4: expected a value after '='"},
        {"x 'y'\n", "f:1:3: expected '=' after the key"},
        {"= 'y'\n", "f:1:1: expected a key"},
        {"x = 'a' 'b'\n", "f:1:9: expected the end of the line"},
        {"x = \"abc\n", "f:1:5: unterminated string"},
        {"x = \"a\\qb\"\n", "f:1:7: invalid escape sequence in a string"},
        {"x = \"\\u0000\"\n", "f:1:6: a NUL character is not allowed"},
        {"x = 'a'\ry = 'b'\n", "f:1:8: a carriage return must be followed by a newline"},
        {"# caf\xc3\xa9\n\xff\n", "f:2:1: not valid UTF-8"},
        {"[a\n", "f:1:3: expected ']' to close the table header"},
        {"[[a]\n", "f:1:4: expected ']]' to close the table header"},
        {"[a.]\n", "f:1:4: expected a key"},
        {"x = 01\n", "f:1:5: leading zeros are not allowed in an integer"},
        {"x = 9223372036854775808\n", "f:1:5: integer out of range"},
        {"x = [ 'a'\n", "f:1:5: unterminated array"},
};

static void
test_errors(void)
{
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct record rec = {};
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(parse(&rec, bad[i].text, strlen(bad[i].text), &err) == -EINVAL);
                check_str(err ? err->msg : NULL, bad[i].msg);
        }
}

/* the events before an error are seen; nothing after it */
static void
test_error_stops(void)
{
        static const char t[] = "a = 1\nb = 1.5\nc = 2\n";
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, strlen(t), &err) == -EINVAL);
        check_str(rec.text, "a=1@1:1/1:5\n");
}

/* a handler's failure ends the parse, with its message and code */
static void
test_handler_fails(void)
{
        static const char t[] = "a = 'x'\nb = 'y'\nc = 'z'\n";
        struct record rec = {.fail_on = "b"};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, strlen(t), &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "f:2:5: b: expected true or false");
        check_str(rec.text, "a=\"x\"@1:1/1:5\n");
}

/* a handler may keep a value's string; the reader frees only what is left */
static void
test_take(void)
{
        static const char t[] = "take = 'mine'\nother = 'freed'\n";
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, strlen(t), &err) == 0);
        check_str(rec.taken, "mine");
        free(rec.taken);
}

/* no handlers: the file is only checked */
static void
test_no_handlers(void)
{
        static const struct toml_handler none = {};
        static const char ok[] = "[a]\nx = 1\n", no[] = "[a]\nx = 1.0\n";
        struct toml_src src = {.buf = ok, .len = strlen(ok), .name = "n"};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(toml_parse(&src, &none, NULL, &err) == 0);
        src.buf = no;
        src.len = strlen(no);
        check(toml_parse(&src, &none, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "n:2:5: floats are not supported");
}

/* a NUL byte inside the buffer is a control character, not the end of the text */
static void
test_nul(void)
{
        static const char t[] = "x = 'a\0b'\n";
        struct record rec = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&rec, t, sizeof(t) - 1, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "f:1:7: control character 0x00 in a string");
}

static void
test_locate(void)
{
        static const char t[] = "ab\n\xc3\xa9x\n";
        struct toml_src src = {.buf = t, .len = strlen(t), .name = "l"};
        unsigned line, col;

        toml_locate(&src, 0, &line, &col);
        check(line == 1 && col == 1);
        toml_locate(&src, 3, &line, &col);
        check(line == 2 && col == 1);
        toml_locate(&src, 5, &line, &col); /* after a two-byte character: column 2 */
        check(line == 2 && col == 2);
        toml_locate(&src, 1000, &line, &col); /* past the end: the end */
        check(line == 3 && col == 1);
        check_str(toml_type_name(TOML_ARRAY), "an array of strings");
        check_str(toml_type_name(_TOML_TYPE_INVALID), "a value");
}

int
main(void)
{
        RUN(test_values);
        RUN(test_crlf_bom);
        RUN(test_empty);
        RUN(test_errors);
        RUN(test_error_stops);
        RUN(test_handler_fails);
        RUN(test_take);
        RUN(test_no_handlers);
        RUN(test_nul);
        RUN(test_locate);
        return check_done();
}
