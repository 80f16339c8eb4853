/* tests/unit/kube/test-yaml.c: the YAML reader, read as Kubernetes reads YAML */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/yaml.h"
#include "util/berr.h"

/* The first document of text, as compact JSON ("" for an empty one). */
static char *
first_doc(const char *text, struct ydoc **ret_doc)
{
        struct yreader *r = NULL;
        struct berr *err = NULL;
        struct ydoc *d = NULL;
        char *out = NULL;

        if (yreader_new(text, strlen(text), "t.yaml", &r, &err) < 0 ||
            yreader_next(r, &d, &err) != 1) {
                out = strdup(err ? err->msg : "(no document)");
        } else {
                out = d->root ? json_dumps(d->root, JSON_COMPACT) : strdup("");
        }
        if (ret_doc)
                *ret_doc = d;
        else
                ydoc_free(d);
        berr_free(err);
        yreader_free(r);
        return out;
}

static void
check_doc(const char *text, const char *want)
{
        char *got = first_doc(text, NULL);
        check_str(got, want);
        free(got);
}

static void
check_plain(const char *scalar, const char *want)
{
        json_t *v = yaml_resolve_plain(scalar, strlen(scalar));
        char *got = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("(error)");
        check_str(got, want);
        free(got);
        json_decref(v);
}

static void
test_yaml11_booleans(void)
{
        static const char *const t[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                        "True", "TRUE", "on",  "On",  "ON"};
        static const char *const f[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                        "False", "FALSE", "off", "Off", "OFF"};

        for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
                check_plain(t[i], "true");
        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
                check_plain(f[i], "false");
        check_plain("yES", "\"yES\"");
        check_plain("tRUE", "\"tRUE\"");
        check_plain("onion", "\"onion\"");
}

static void
test_nulls(void)
{
        check_plain("", "null");
        check_plain("~", "null");
        check_plain("null", "null");
        check_plain("Null", "null");
        check_plain("NULL", "null");
        check_plain("nULL", "\"nULL\"");
}

static void
test_integers_as_go_reads_them(void)
{
        check_plain("0", "0");
        check_plain("42", "42");
        check_plain("-7", "-7");
        check_plain("+5", "5");
        check_plain("0644", "420"); /* YAML 1.1 octal: file modes */
        check_plain("0o644", "420");
        check_plain("0x1F", "31");
        check_plain("0b101", "5");
        check_plain("1_000_000", "1000000");
        check_plain("9223372036854775807", "9223372036854775807");
        check_plain("-9223372036854775808", "-9223372036854775808");
        check_plain("08", "8"); /* not octal, so a float that is whole */
        check_plain("0x", "\"0x\"");
        check_plain("12abc", "\"12abc\"");
        check_plain("1.2.3", "\"1.2.3\"");
        check_plain("-", "\"-\"");
}

static void
test_floats(void)
{
        check_plain("1e3", "1000");
        check_plain("1.0", "1");
        check_plain("0.5", "0.5");
        check_plain(".5", "0.5");
        check_plain("-1.5e-1", "-0.14999999999999999");
        check_plain("1.", "1");
        check_plain(".", "\".\"");
        check_plain("1e", "\"1e\"");
        check_plain("500m", "\"500m\"");
        check_plain("1Gi", "\"1Gi\"");
}

static void
test_nan_and_inf_are_refused(void)
{
        check_plain(".nan", "(error)");
        check_plain(".inf", "(error)");
        check_plain("-.Inf", "(error)");
        check_plain(".nAn", "\".nAn\"");
}

static void
test_quoted_and_tagged_scalars_stay_strings(void)
{
        check_doc("a: \"yes\"\nb: '0644'\nc: !!str 12\nd: ! true\n",
                  "{\"a\":\"yes\",\"b\":\"0644\",\"c\":\"12\",\"d\":\"true\"}");
        check_doc("a: !!int \"12\"\n", "{\"a\":12}");
        check_doc("a: |\n  line one\n  line two\nb: >\n  folded\n  text\n",
                  "{\"a\":\"line one\\nline two\\n\",\"b\":\"folded text\\n\"}");
}

static void
test_keys_become_strings(void)
{
        /* the way sigs.k8s.io/yaml turns keys into JSON: "on:" is the key "true" */
        check_doc("on: 1\n80: http\n1.5: x\nno: 2\n",
                  "{\"true\":1,\"80\":\"http\",\"1.5\":\"x\",\"false\":2}");
}

static void
test_anchors_aliases_and_merge_keys(void)
{
        check_doc("base: &b {a: 1, b: 2}\nuse: *b\n",
                  "{\"base\":{\"a\":1,\"b\":2},\"use\":{\"a\":1,\"b\":2}}");
        /* keys written in the mapping win over merged ones, wherever they stand */
        check_doc("base: &b {a: 1, b: 2}\nm:\n  b: 3\n  <<: *b\n",
                  "{\"base\":{\"a\":1,\"b\":2},\"m\":{\"b\":3,\"a\":1}}");
        /* earlier merge sources win over later ones */
        check_doc("p: &p {a: 1}\nq: &q {a: 2, c: 3}\nm:\n  <<: [*p, *q]\n",
                  "{\"p\":{\"a\":1},\"q\":{\"a\":2,\"c\":3},\"m\":{\"a\":1,\"c\":3}}");
        check_doc("s: &s hello\nt: *s\n", "{\"s\":\"hello\",\"t\":\"hello\"}");
        /* a quoted "<<" is an ordinary key */
        check_doc("\"<<\": 1\n", "{\"<<\":1}");
}

static void
test_multi_document_stream(void)
{
        const char *text = "---\na: 1\n---\n---\nb: 2\n...\n";
        struct yreader *r = NULL;
        struct berr *err = NULL;
        struct ydoc *d = NULL;
        int n = 0, empty = 0;

        check(yreader_new(text, strlen(text), "t.yaml", &r, &err) == 0);
        while (r && yreader_next(r, &d, &err) == 1) {
                n++;
                empty += d->root == NULL;
                d = ydoc_free(d);
        }
        check(n == 3);
        check(empty == 1);
        check(err == NULL);
        yreader_free(r);
}

static void
test_positions_of_values_and_keys(void)
{
        struct ydoc *d = NULL;
        char *s =
                first_doc("kind: Pod\nspec:\n  containers:\n  - name: \"web\"\n    image: x\n", &d);
        json_t *spec, *list, *c0;
        struct ypos v, k;

        free(s);
        check(d != NULL);
        if (!d)
                return;
        check(d->pos.line == 1 && d->pos.col == 1);
        check(ydoc_pos(d, d->root, "kind", 0, &v, &k));
        check(v.line == 1 && v.col == 7 && k.line == 1 && k.col == 1);
        spec = json_object_get(d->root, "spec");
        list = json_object_get(spec, "containers");
        c0 = json_array_get(list, 0);
        check(ydoc_pos(d, spec, "containers", 0, &v, &k));
        check(k.line == 3 && k.col == 3);
        check(ydoc_pos(d, list, NULL, 0, &v, NULL));
        check(v.line == 4 && v.col == 5);
        check(ydoc_pos(d, c0, "name", 0, &v, &k));
        check(v.line == 4 && v.col == 11); /* the opening quote */
        check(ydoc_pos(d, c0, "image", 0, &v, &k));
        check(v.line == 5 && v.col == 12);
        check(!ydoc_pos(d, c0, "nope", 0, &v, &k));
        ydoc_free(d);
}

static void
test_empty_value_takes_its_keys_position(void)
{
        struct ydoc *d = NULL;
        char *s = first_doc("a: 1\nempty:\n", &d);
        struct ypos v = {0, 0};

        free(s);
        check(d && ydoc_pos(d, d->root, "empty", 0, &v, NULL));
        check(v.line == 2 && v.col == 1);
        ydoc_free(d);
}

static void
test_duplicate_keys_are_errors(void)
{
        struct ydoc *d = NULL;
        char *s = first_doc("metadata:\n  name: a\n  name: b\n", &d);

        check_str(s, "{\"metadata\":{\"name\":\"a\"}}");
        free(s);
        check(d && d->n_errors == 1);
        if (d && d->n_errors == 1) {
                check_str(d->errors[0].msg, "duplicate key \"name\", first defined at line 2");
                check_str(d->errors[0].path, "metadata.name");
                check(d->errors[0].pos.line == 3 && d->errors[0].pos.col == 3);
        }
        ydoc_free(d);
        /* after conversion, "yes" and "true" are the same key */
        d = NULL;
        s = first_doc("yes: 1\ntrue: 2\n", &d);
        free(s);
        check(d && d->n_errors == 1);
        ydoc_free(d);
}

static void
test_bad_keys_and_merges(void)
{
        struct ydoc *d = NULL;
        char *s = first_doc("? [a, b]\n: 1\n", &d);

        free(s);
        check(d && d->n_errors == 1);
        if (d && d->n_errors)
                check_str(d->errors[0].msg, "a mapping key must be a string, number or boolean");
        ydoc_free(d);
        d = NULL;
        s = first_doc("m:\n  <<: 5\n", &d);
        free(s);
        check(d && d->n_errors == 1);
        if (d && d->n_errors)
                check_str(d->errors[0].msg,
                          "a merge key (<<) takes a mapping or a list of mappings");
        ydoc_free(d);
}

static void
test_unknown_anchor(void)
{
        struct ydoc *d = NULL;
        char *s = first_doc("a: *nope\n", &d);

        free(s);
        check(d == NULL || d->n_errors == 1);
        ydoc_free(d);
}

static void
test_alias_bomb_is_refused(void)
{
        /* nine levels of ten aliases: a billion nodes if expanded */
        char text[4096];
        size_t len = 0;
        char *s;

        len += (size_t)snprintf(text + len, sizeof(text) - len,
                                "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 9; i++)
                len += (size_t)snprintf(
                        text + len, sizeof(text) - len,
                        "l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, "
                        "*l%d, *l%d]\n",
                        i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
        s = first_doc(text, NULL);
        check_str(s, "t.yaml: the document expands to too many nodes through aliases");
        free(s);
}

static void
test_syntax_error_names_the_position(void)
{
        char *s = first_doc("a: [1, 2\nb: 3\n", NULL);

        check(strncmp(s, "t.yaml:", 7) == 0);
        check(strchr(s + 7, ':') != NULL);
        free(s);
        s = first_doc("a: b\n\tc: d\n", NULL);
        check(strncmp(s, "t.yaml:1:4: ", 12) == 0);
        free(s);
}

static void
test_json_input(void)
{
        struct yreader *r = NULL;
        struct berr *err = NULL;
        struct ydoc *d = NULL;
        const char *text = "{\"a\": [1, 2.5, true, null, \"x\\u00e9\"], \"b\": {}}";
        char *s;

        check(yreader_new(text, strlen(text), "t.json", &r, &err) == 0);
        check(r && yreader_next(r, &d, &err) == 1);
        s = d && d->root ? json_dumps(d->root, JSON_COMPACT) : NULL;
        check_str(s, "{\"a\":[1,2.5,true,null,\"x\xc3\xa9\"],\"b\":{}}");
        free(s);
        ydoc_free(d);
        yreader_free(r);
        berr_free(err);
}

static void
test_invalid_utf8_is_refused_with_its_position(void)
{
        char *s = first_doc("a: b\nc: d\xa3"
                            "e\n",
                            NULL);

        check_str(s, "t.yaml:2:5: invalid UTF-8 (byte 0xa3), expected UTF-8 text");
        free(s);
}

int
main(void)
{
        RUN(test_invalid_utf8_is_refused_with_its_position);
        RUN(test_yaml11_booleans);
        RUN(test_nulls);
        RUN(test_integers_as_go_reads_them);
        RUN(test_floats);
        RUN(test_nan_and_inf_are_refused);
        RUN(test_quoted_and_tagged_scalars_stay_strings);
        RUN(test_keys_become_strings);
        RUN(test_anchors_aliases_and_merge_keys);
        RUN(test_multi_document_stream);
        RUN(test_positions_of_values_and_keys);
        RUN(test_empty_value_takes_its_keys_position);
        RUN(test_duplicate_keys_are_errors);
        RUN(test_bad_keys_and_merges);
        RUN(test_unknown_anchor);
        RUN(test_alias_bomb_is_refused);
        RUN(test_syntax_error_names_the_position);
        RUN(test_json_input);
        return check_done();
}
