/*
 * util/toml.c: the TOML subset of util/toml.h, read in one pass over the
 * buffer. Errors point at the character that is wrong, so a user can fix a
 * file from the message alone.
 */
#include "toml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/utf8.h"

/* One parse: the text, where it is, and what to call. */
struct reader {
        const struct toml_src *src;
        size_t pos;
        const struct toml_handler *h;
        void *userdata;
        struct berr **err;
};

void
toml_value_done(struct toml_value *v)
{
        free(v->str);
        for (size_t i = 0; i < v->n_items; i++)
                free(v->items[i].s);
        free(v->items);
        memset(v, 0, sizeof(*v));
}

char *
toml_keys_join(char *const *keys, size_t n_keys)
{
        size_t len = 0, o = 0;
        char *s;

        for (size_t i = 0; i < n_keys; i++)
                len += strlen(keys[i]) + 1;
        s = malloc(len + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n_keys; i++) {
                size_t n = strlen(keys[i]);

                if (i > 0)
                        s[o++] = '.';
                memcpy(s + o, keys[i], n);
                o += n;
        }
        s[o] = '\0';
        return s;
}

const char *
toml_type_name(enum toml_type t)
{
        static const char *const names[_TOML_TYPE_MAX] = {
                [TOML_STRING] = "a string",
                [TOML_BOOL] = "true or false",
                [TOML_INT] = "an integer",
                [TOML_ARRAY] = "an array of strings",
        };

        return t >= 0 && t < _TOML_TYPE_MAX ? names[t] : "a value";
}

void
toml_locate(const struct toml_src *src, size_t off, unsigned *ret_line, unsigned *ret_col)
{
        unsigned line = 1, col = 1;
        size_t i = 0;

        if (src->len >= 3 && memcmp(src->buf, "\xef\xbb\xbf", 3) == 0)
                i = 3; /* a byte order mark is no column */
        for (; i < off && i < src->len; i++) {
                unsigned char c = (unsigned char)src->buf[i];

                if (c == '\n') {
                        line++;
                        col = 1;
                } else if ((c & 0xc0) != 0x80) {
                        col++; /* UTF-8 continuation bytes belong to the character before */
                }
        }
        *ret_line = line;
        *ret_col = col;
}

int
toml_failv(struct berr **err, const struct toml_src *src, size_t off, const char *fmt, va_list ap)
{
        _cleanup_free_ char *what = NULL;
        unsigned line, col;

        if (vasprintf(&what, fmt, ap) < 0) {
                what = NULL;
                return berr(err, ENOMEM, "%s", src->name);
        }
        toml_locate(src, off, &line, &col);
        return berr(err, 0, "%s:%u:%u: %s", src->name, line, col, what);
}

int
toml_fail(struct berr **err, const struct toml_src *src, size_t off, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = toml_failv(err, src, off, fmt, ap);
        va_end(ap);
        return r;
}

static int rd_fail(struct reader *rd, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
rd_fail(struct reader *rd, size_t off, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = toml_failv(rd->err, rd->src, off, fmt, ap);
        va_end(ap);
        return r;
}

static int
rd_oom(struct reader *rd)
{
        return berr(rd->err, ENOMEM, "%s", rd->src->name);
}

static bool
at_end(const struct reader *rd)
{
        return rd->pos >= rd->src->len;
}

static char
cur(const struct reader *rd)
{
        return at_end(rd) ? '\0' : rd->src->buf[rd->pos];
}

static bool
looking_at(const struct reader *rd, const char *s)
{
        size_t n = strlen(s), len = rd->src->len;

        return rd->pos <= len && len - rd->pos >= n && memcmp(rd->src->buf + rd->pos, s, n) == 0;
}

static void
skip_ws(struct reader *rd)
{
        while (!at_end(rd) && (cur(rd) == ' ' || cur(rd) == '\t'))
                rd->pos++;
}

/* TOML: no control character but tab in a comment or a string */
static bool
is_control(unsigned char c)
{
        return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* a comment from '#' to the end of its line (the newline is left) */
static int
skip_comment(struct reader *rd)
{
        while (!at_end(rd) && cur(rd) != '\n' && cur(rd) != '\r') {
                if (is_control((unsigned char)cur(rd)))
                        return rd_fail(rd, rd->pos, "control character 0x%02x in a comment",
                                       (unsigned char)cur(rd));
                rd->pos++;
        }
        return 0;
}

/* a newline, "\n" or "\r\n"; false (pos unmoved) when there is none */
static bool
take_newline(struct reader *rd)
{
        if (cur(rd) == '\n') {
                rd->pos++;
                return true;
        }
        if (looking_at(rd, "\r\n")) {
                rd->pos += 2;
                return true;
        }
        return false;
}

/* what may follow a value or header: spaces, a comment, then a newline or the end */
static int
end_of_line(struct reader *rd)
{
        int r;

        skip_ws(rd);
        if (cur(rd) == '#') {
                r = skip_comment(rd);
                if (r < 0)
                        return r;
        }
        if (at_end(rd) || take_newline(rd))
                return 0;
        if (cur(rd) == '\r')
                return rd_fail(rd, rd->pos, "a carriage return must be followed by a newline");
        return rd_fail(rd, rd->pos, "expected the end of the line");
}

/* inside an array: spaces, newlines and comments */
static int
skip_blank(struct reader *rd)
{
        int r;

        for (;;) {
                skip_ws(rd);
                if (cur(rd) == '#') {
                        r = skip_comment(rd);
                        if (r < 0)
                                return r;
                }
                if (!take_newline(rd))
                        break;
        }
        if (cur(rd) == '\r')
                return rd_fail(rd, rd->pos, "a carriage return must be followed by a newline");
        return 0;
}

struct sbuf {
        char *s;
        size_t len, cap;
};

static int
sbuf_put(struct sbuf *b, const char *s, size_t n)
{
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 32;
                char *ns;

                while (cap < b->len + n + 1)
                        cap *= 2;
                ns = realloc(b->s, cap);
                if (!ns)
                        return -ENOMEM;
                b->s = ns;
                b->cap = cap;
        }
        memcpy(b->s + b->len, s, n);
        b->len += n;
        b->s[b->len] = '\0';
        return 0;
}

static int
hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* \uXXXX or \UXXXXXXXX at pos (after the backslash), into b as UTF-8 */
static int
unicode_escape(struct reader *rd, size_t esc_off, size_t digits, struct sbuf *b)
{
        uint32_t cp = 0;
        char u[4];
        size_t n;

        for (size_t i = 0; i < digits; i++) {
                int h = hex_value(cur(rd));

                if (h < 0)
                        return rd_fail(rd, esc_off, "\\%c needs %zu hexadecimal digits",
                                       digits == 4 ? 'u' : 'U', digits);
                cp = cp << 4 | (uint32_t)h;
                rd->pos++;
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return rd_fail(rd, esc_off, "\\%c escape of U+%04X: not a Unicode scalar value",
                               digits == 4 ? 'u' : 'U', (unsigned)cp);
        /* a C string ends at the first NUL: it would cut the value short */
        if (cp == 0)
                return rd_fail(rd, esc_off, "a NUL character is not allowed");
        if (cp < 0x80) {
                u[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                u[0] = (char)(0xc0 | cp >> 6);
                u[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                u[0] = (char)(0xe0 | cp >> 12);
                u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                u[0] = (char)(0xf0 | cp >> 18);
                u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
                u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
                u[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        return sbuf_put(b, u, n) < 0 ? rd_oom(rd) : 0;
}

/* the character a one-letter escape stands for; 0 for none */
static char
simple_escape(char e)
{
        switch (e) {
        case 'b':
                return '\b';
        case 't':
                return '\t';
        case 'n':
                return '\n';
        case 'f':
                return '\f';
        case 'r':
                return '\r';
        case '"':
                return '"';
        case '\\':
                return '\\';
        default:
                return 0;
        }
}

/* A "basic" or 'literal' string at pos, on one line. */
static int
parse_string(struct reader *rd, char **ret)
{
        struct sbuf b = {};
        size_t start = rd->pos;
        char quote = cur(rd);
        int r = 0;

        if ((quote == '"' && looking_at(rd, "\"\"\"")) || (quote == '\'' && looking_at(rd, "'''")))
                return rd_fail(rd, start, "multi-line strings are not supported");
        rd->pos++;
        if (sbuf_put(&b, "", 0) < 0)
                return rd_oom(rd);
        for (;;) {
                unsigned char c = (unsigned char)cur(rd);
                size_t esc;
                char e;

                if (at_end(rd) || c == '\n' || c == '\r') {
                        r = rd_fail(rd, start, "unterminated string");
                        break;
                }
                if (c == (unsigned char)quote) {
                        rd->pos++;
                        break;
                }
                if (is_control(c)) {
                        r = rd_fail(rd, rd->pos, "control character 0x%02x in a string", c);
                        break;
                }
                if (c != '\\' || quote == '\'') {
                        rd->pos++;
                        if (sbuf_put(&b, (const char *)&c, 1) < 0) {
                                r = rd_oom(rd);
                                break;
                        }
                        continue;
                }
                esc = rd->pos++;
                e = cur(rd);
                rd->pos++;
                if (e == 'u' || e == 'U') {
                        r = unicode_escape(rd, esc, e == 'u' ? 4 : 8, &b);
                } else if (simple_escape(e)) {
                        char s = simple_escape(e);

                        r = sbuf_put(&b, &s, 1) < 0 ? rd_oom(rd) : 0;
                } else {
                        rd->pos = esc; /* an escape at the end of the input is not past it */
                        r = rd_fail(rd, esc, "invalid escape sequence in a string");
                }
                if (r < 0)
                        break;
        }
        if (r < 0) {
                free(b.s);
                return r;
        }
        *ret = b.s;
        return 0;
}

static bool
is_bare_key_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

/* A bare or quoted key at pos. */
static int
parse_key(struct reader *rd, char **ret)
{
        size_t start = rd->pos;

        if (cur(rd) == '"' || cur(rd) == '\'')
                return parse_string(rd, ret);
        while (!at_end(rd) && is_bare_key_char(cur(rd)))
                rd->pos++;
        if (rd->pos == start)
                return rd_fail(rd, start, "expected a key");
        *ret = strndup(rd->src->buf + start, rd->pos - start);
        return *ret ? 0 : rd_oom(rd);
}

static bool
is_number_char(char c)
{
        return is_bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* [+-]?(0|[1-9](_?[0-9])*), or 0x, 0o, 0b with digits of the base and '_' between */
static int
parse_integer(struct reader *rd, const char *t, size_t n, size_t off, int64_t *ret)
{
        unsigned base = 10;
        bool neg = false, any = false, after_digit = false;
        uint64_t v = 0, limit;
        size_t i = 0;

        if (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o' || t[1] == 'b')) {
                base = t[1] == 'x' ? 16 : t[1] == 'o' ? 8 : 2;
                i = 2;
        } else if (t[0] == '+' || t[0] == '-') {
                neg = t[0] == '-';
                i = 1;
        }
        if (base == 10 && n - i > 1 && t[i] == '0')
                return rd_fail(rd, off, "leading zeros are not allowed in an integer");
        limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (; i < n; i++) {
                int d = hex_value(t[i]);

                if (t[i] == '_' && after_digit && i + 1 < n) {
                        after_digit = false;
                        continue;
                }
                if (d < 0 || (unsigned)d >= base)
                        return rd_fail(rd, off, "invalid number");
                if (v > (limit - (uint64_t)d) / base)
                        return rd_fail(rd, off, "integer out of range");
                v = v * base + (uint64_t)d;
                any = after_digit = true;
        }
        if (!any || !after_digit)
                return rd_fail(rd, off, "invalid number");
        *ret = neg ? (int64_t)(0 - v) : (int64_t)v;
        return 0;
}

/* 1979-05-27, 07:32:00, 1979-05-27T07:32:00Z */
static bool
looks_like_date(const char *t, size_t n)
{
        if (memchr(t, ':', n))
                return true;
        if (n < 5 || t[4] != '-')
                return false;
        for (size_t i = 0; i < 4; i++)
                if (t[i] < '0' || t[i] > '9')
                        return false;
        return true;
}

/* A number-like token: integers are values; floats and dates are not in the subset. */
static int
parse_number(struct reader *rd, struct toml_value *v)
{
        size_t start = rd->pos, n;
        const char *t = rd->src->buf + start;
        const char *u;

        while (!at_end(rd) && is_number_char(cur(rd)))
                rd->pos++;
        n = rd->pos - start;
        if (looks_like_date(t, n))
                return rd_fail(rd, start, "dates and times are not supported");
        u = (t[0] == '+' || t[0] == '-') ? t + 1 : t;
        if ((size_t)(t + n - u) == 3 && (memcmp(u, "inf", 3) == 0 || memcmp(u, "nan", 3) == 0))
                return rd_fail(rd, start, "floats are not supported");
        if (!(n > 2 && t[0] == '0' && t[1] == 'x') &&
            (memchr(t, '.', n) || memchr(t, 'e', n) || memchr(t, 'E', n)))
                return rd_fail(rd, start, "floats are not supported");
        v->type = TOML_INT;
        return parse_integer(rd, t, n, start, &v->i);
}

/* A value other than an array at pos. */
static int
parse_scalar(struct reader *rd, struct toml_value *v)
{
        char c = cur(rd);

        v->off = rd->pos;
        if (c == '"' || c == '\'') {
                v->type = TOML_STRING;
                return parse_string(rd, &v->str);
        }
        if (looking_at(rd, "true") || looking_at(rd, "false")) {
                size_t n = looking_at(rd, "true") ? 4 : 5;

                if (rd->pos + n >= rd->src->len || !is_number_char(rd->src->buf[rd->pos + n])) {
                        v->type = TOML_BOOL;
                        v->b = n == 4;
                        rd->pos += n;
                        return 0;
                }
        }
        if ((c >= '0' && c <= '9') || c == '+' || c == '-' || looking_at(rd, "inf") ||
            looking_at(rd, "nan"))
                return parse_number(rd, v);
        if (c == '{')
                return rd_fail(rd, rd->pos, "inline tables are not supported");
        if (c == '[')
                return rd_fail(rd, rd->pos, "arrays of arrays are not supported");
        return rd_fail(rd, rd->pos, "expected a value");
}

/* [ "a", 'b', ] over any number of lines, comments between */
static int
parse_array(struct reader *rd, struct toml_value *v)
{
        size_t start = rd->pos;
        int r;

        v->type = TOML_ARRAY;
        v->off = start;
        rd->pos++;
        for (;;) {
                struct toml_value item = {};
                struct toml_item *items;

                r = skip_blank(rd);
                if (r < 0)
                        return r;
                if (at_end(rd))
                        return rd_fail(rd, start, "unterminated array");
                if (cur(rd) == ']') {
                        rd->pos++;
                        return 0;
                }
                r = parse_scalar(rd, &item);
                if (r < 0) {
                        toml_value_done(&item);
                        return r;
                }
                if (item.type != TOML_STRING) {
                        size_t off = item.off;

                        toml_value_done(&item);
                        return rd_fail(rd, off, "only arrays of strings are supported");
                }
                items = reallocarray(v->items, v->n_items + 1, sizeof(*items));
                if (!items) {
                        toml_value_done(&item);
                        return rd_oom(rd);
                }
                v->items = items;
                v->items[v->n_items].off = item.off;
                v->items[v->n_items++].s = TAKE_PTR(item.str);
                r = skip_blank(rd);
                if (r < 0)
                        return r;
                if (cur(rd) == ',') {
                        rd->pos++;
                        continue;
                }
                if (cur(rd) == ']') {
                        rd->pos++;
                        return 0;
                }
                if (at_end(rd))
                        return rd_fail(rd, start, "unterminated array");
                return rd_fail(rd, rd->pos, "expected ',' or ']' in an array");
        }
}

static int
parse_value(struct reader *rd, struct toml_value *v)
{
        if (at_end(rd) || cur(rd) == '\n' || cur(rd) == '\r' || cur(rd) == '#')
                return rd_fail(rd, rd->pos, "expected a value after '='");
        if (cur(rd) == '[')
                return parse_array(rd, v);
        return parse_scalar(rd, v);
}

static void
keys_free(char **keys, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(keys[i]);
        free(keys);
}

/* [a.b] or [[a.b]] */
static int
parse_header(struct reader *rd)
{
        char **keys = NULL;
        size_t off = rd->pos, n = 0, cap = 0;
        bool array = looking_at(rd, "[[");
        int r = 0;

        rd->pos += array ? 2 : 1;
        for (;;) {
                if (n == cap) {
                        /* doubling: a header of a million keys is no quadratic copy */
                        char **nk = reallocarray(keys, cap ? cap * 2 : 4, sizeof(*keys));

                        if (!nk) {
                                r = rd_oom(rd);
                                goto out;
                        }
                        keys = nk;
                        cap = cap ? cap * 2 : 4;
                }
                skip_ws(rd);
                r = parse_key(rd, &keys[n]);
                if (r < 0)
                        goto out;
                n++;
                skip_ws(rd);
                if (cur(rd) != '.')
                        break;
                rd->pos++;
        }
        if (!looking_at(rd, array ? "]]" : "]")) {
                r = rd_fail(rd, rd->pos, "expected '%s' to close the table header",
                            array ? "]]" : "]");
                goto out;
        }
        rd->pos += array ? 2 : 1;
        r = end_of_line(rd);
        if (r == 0 && rd->h->table)
                r = rd->h->table(rd->userdata, keys, n, array, off, rd->err);
out:
        keys_free(keys, n);
        return r;
}

static int
parse_keyval(struct reader *rd)
{
        _cleanup_free_ char *key = NULL;
        struct toml_value v = {};
        size_t key_off = rd->pos;
        int r;

        r = parse_key(rd, &key);
        if (r < 0)
                return r;
        skip_ws(rd);
        if (cur(rd) == '.')
                return rd_fail(rd, rd->pos, "dotted keys are not supported");
        if (cur(rd) != '=')
                return rd_fail(rd, rd->pos, "expected '=' after the key");
        rd->pos++;
        skip_ws(rd);
        r = parse_value(rd, &v);
        if (r == 0)
                r = end_of_line(rd);
        if (r == 0 && rd->h->keyval)
                r = rd->h->keyval(rd->userdata, key, key_off, &v, rd->err);
        toml_value_done(&v);
        return r;
}

int
toml_parse(const struct toml_src *src, const struct toml_handler *h, void *userdata,
           struct berr **err)
{
        struct reader rd = {.src = src, .h = h, .userdata = userdata, .err = err};
        size_t bad = utf8_invalid_at(src->buf, src->len);
        int r;

        if (bad < src->len)
                return rd_fail(&rd, bad, "not valid UTF-8");
        if (looking_at(&rd, "\xef\xbb\xbf"))
                rd.pos = 3;
        while (!at_end(&rd)) {
                skip_ws(&rd);
                if (at_end(&rd))
                        break;
                switch (cur(&rd)) {
                case '#':
                case '\n':
                case '\r':
                        r = end_of_line(&rd);
                        break;
                case '[':
                        r = parse_header(&rd);
                        break;
                default:
                        r = parse_keyval(&rd);
                        break;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}
