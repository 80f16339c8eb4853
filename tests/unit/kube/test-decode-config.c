/* tests/unit/kube/test-decode-config.c: ConfigMap and Secret rules, through the reader */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "kube/names.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "x.yaml"
#include "kube-test.h"

static const struct kube_bytes *
bytes_get(const struct kube_bytes *b, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (streq(b[i].key, key))
                        return &b[i];
        return NULL;
}

/* whether key holds exactly the bytes of want */
static bool
bytes_are(const struct kube_bytes *b, size_t n, const char *key, const char *want)
{
        const struct kube_bytes *e = bytes_get(b, n, key);

        return e && e->len == strlen(want) && memcmp(e->data, want, e->len) == 0 &&
               e->data[e->len] == '\0';
}

/*
 * "path: msg" of a "file:line:col: path: msg": for values written in
 * quotes, whose column the YAML reader may give at the quote or inside it.
 */
static const char *
path_msg(const char *s)
{
        const char *sp = strchr(s, ' ');

        return sp ? sp + 1 : s;
}

/* ------------------------------------------------------------ ConfigMap */

#define CM "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n"

static void
test_configmap_valid(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(CM "data:\n"
                                                                     "  a.txt: hello\n"
                                                                     "  APP_MODE: prod\n"
                                                                     "binaryData:\n"
                                                                     "  logo.png: aGVsbG8=\n"
                                                                     "  empty: \"\"\n"
                                                                     "immutable: true\n",
                                                                  KUBE_CONFIGMAP);
        const struct kube_configmap *cm;

        if (!d)
                return;
        cm = d->objects[0].configmap;
        check_str(cm->meta.name, "cfg");
        check_str(cm->meta.namespace_, "default");
        check(cm->n_data == 2);
        if (cm->n_data == 2) {
                check_str(cm->data[0].key, "a.txt");
                check_str(cm->data[0].value, "hello");
                check_str(cm->data[1].key, "APP_MODE");
                check_str(cm->data[1].value, "prod");
        }
        check(cm->n_binary_data == 2);
        check(bytes_are(cm->binary_data, cm->n_binary_data, "logo.png", "hello"));
        check(bytes_are(cm->binary_data, cm->n_binary_data, "empty", ""));
        check(cm->immutable);
}

static void
test_configmap_empty(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(CM, KUBE_CONFIGMAP);

        if (!d)
                return;
        check(d->objects[0].configmap->n_data == 0);
        check(d->objects[0].configmap->n_binary_data == 0);
        check(!d->objects[0].configmap->immutable);
}

static void
test_configmap_binary_newlines(void)
{
        /* Go's StdEncoding skips line breaks, as base64 -w 76 writes them */
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                CM "binaryData:\n  b: |\n    aGVs\n    bG8g\n    d29y\n    bGQ=\n  none:\n",
                KUBE_CONFIGMAP);
        const struct kube_configmap *cm;

        if (!d)
                return;
        cm = d->objects[0].configmap;
        check(bytes_are(cm->binary_data, cm->n_binary_data, "b", "hello world"));
        /* null is an empty value, as Go decodes it into a []byte */
        check(bytes_are(cm->binary_data, cm->n_binary_data, "none", ""));
}

static void
test_configmap_value_boolean(void)
{
        char buf[1024];

        check_str(only_error(CM "data:\n  enabled: true\n", buf, sizeof(buf)),
                  "x.yaml:6:12: data[enabled]: found boolean true, expected a string (unquoted "
                  "yes, no, on, off, true and false are booleans in YAML: quote the value)");
        check_str(only_error(CM "data:\n  debug: yes\n", buf, sizeof(buf)),
                  "x.yaml:6:10: data[debug]: found boolean true, expected a string (unquoted "
                  "yes, no, on, off, true and false are booleans in YAML: quote the value)");
}

static void
test_configmap_value_number(void)
{
        char buf[1024];

        check_str(only_error(CM "data:\n  port: 8080\n", buf, sizeof(buf)),
                  "x.yaml:6:9: data[port]: found number 8080, expected a string (quote the "
                  "value)");
}

static void
test_configmap_key_invalid(void)
{
        char buf[1024], want[1024];

        snprintf(want, sizeof(want), "x.yaml:6:3: data[a/b]: key \"a/b\" is not valid, expected %s",
                 kube_check_config_key("a/b"));
        check_str(only_error(CM "data:\n  a/b: x\n", buf, sizeof(buf)), want);
        snprintf(want, sizeof(want),
                 "x.yaml:6:3: binaryData[..x]: key \"..x\" is not valid, expected %s",
                 kube_check_config_key("..x"));
        check_str(only_error(CM "binaryData:\n  ..x: eA==\n", buf, sizeof(buf)), want);
}

static void
test_configmap_binary_not_base64(void)
{
        char buf[1024];

        check_str(only_error(CM "binaryData:\n  b: abc!\n", buf, sizeof(buf)),
                  "x.yaml:6:6: binaryData[b]: \"abc!\" is not valid base64, expected standard "
                  "base64 with = padding");
        /* padding is required */
        check_str(only_error(CM "binaryData:\n  b: aGVsbG8\n", buf, sizeof(buf)),
                  "x.yaml:6:6: binaryData[b]: \"aGVsbG8\" is not valid base64, expected "
                  "standard base64 with = padding");
}

static void
test_configmap_binary_not_string(void)
{
        char buf[1024];

        check_str(only_error(CM "binaryData:\n  b: 5\n", buf, sizeof(buf)),
                  "x.yaml:6:6: binaryData[b]: found number 5, expected a base64 string (quote "
                  "the value)");
        check_str(only_error(CM "binaryData: [a]\n", buf, sizeof(buf)),
                  "x.yaml:5:13: binaryData: found a list, expected a mapping");
}

static void
test_configmap_key_in_both(void)
{
        char buf[1024];

        check_str(only_error(CM "data:\n  k: v\nbinaryData:\n  k: dg==\n", buf, sizeof(buf)),
                  "x.yaml:6:3: data[k]: key \"k\" is also in binaryData, expected each key in "
                  "only one of data and binaryData");
}

/* n times 'x', NUL-terminated */
static char *
repeat_x(size_t n)
{
        char *s = malloc(n + 1);

        if (s) {
                memset(s, 'x', n);
                s[n] = '\0';
        }
        return s;
}

/* A ConfigMap with a data value of n bytes (and binaryData "b" of one byte when with_binary). */
static char *
configmap_of_size(size_t n, bool with_binary)
{
        const char head[] = CM "data:\n  big: ";
        const char tail[] = "\nbinaryData:\n  b: eA==\n";
        char *xs = repeat_x(n), *y = NULL;

        if (!xs || asprintf(&y, "%s%s%s", head, xs, with_binary ? tail : "\n") < 0)
                y = NULL;
        free(xs);
        return y;
}

static void
test_configmap_too_long(void)
{
        _cleanup_free_ char *at_limit = configmap_of_size(1048575, true);
        _cleanup_free_ char *over = configmap_of_size(1048576, true);
        _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
        char buf[1024];

        check(at_limit && over);
        if (!at_limit || !over)
                return;
        d = load_valid(at_limit, KUBE_CONFIGMAP);
        check(d != NULL);
        /* what counts is data and binaryData together, and only the values */
        check_str(only_error(over, buf, sizeof(buf)),
                  "x.yaml:1:1: 1048577 bytes of data and binaryData in all are too long, expected "
                  "at most 1048576");
}

/* ------------------------------------------------------------ Secret */

#define SECRET "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"

static void
test_secret_valid(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(SECRET "data:\n"
                                                                         "  a: YQ==\n"
                                                                         "  b: Yg==\n"
                                                                         "stringData:\n"
                                                                         "  b: B\n"
                                                                         "  c: C\n"
                                                                         "immutable: true\n",
                                                                  KUBE_SECRET);
        const struct kube_secret *s;

        if (!d)
                return;
        s = d->objects[0].secret;
        check_str(s->type, "Opaque");
        check(s->immutable);
        check(s->n_data == 3);
        check(bytes_are(s->data, s->n_data, "a", "a"));
        /* stringData wins over data */
        check(bytes_are(s->data, s->n_data, "b", "B"));
        check(bytes_are(s->data, s->n_data, "c", "C"));
}

static void
test_secret_binary(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(SECRET "data:\n  k: \"AP8A\\nYQ==\"\n", KUBE_SECRET);
        static const unsigned char want[] = {0x00, 0xff, 0x00, 'a'};
        const struct kube_bytes *b;

        if (!d)
                return;
        b = bytes_get(d->objects[0].secret->data, d->objects[0].secret->n_data, "k");
        check(b != NULL);
        if (b) {
                check(b->len == sizeof(want));
                check(memcmp(b->data, want, sizeof(want)) == 0);
        }
}

static void
test_secret_custom_type(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(SECRET "type: example.com/token\n", KUBE_SECRET);

        if (d) {
                check_str(d->objects[0].secret->type, "example.com/token");
                check(d->objects[0].secret->n_data == 0);
        }
}

static void
test_secret_not_base64(void)
{
        char buf[1024];

        check_str(only_error(SECRET "data:\n  a: abc!\n", buf, sizeof(buf)),
                  "x.yaml:6:6: data[a]: \"abc!\" is not valid base64, expected standard base64 "
                  "with = padding");
        check_str(only_error(SECRET "data:\n  a: YQ\n", buf, sizeof(buf)),
                  "x.yaml:6:6: data[a]: \"YQ\" is not valid base64, expected standard base64 "
                  "with = padding");
}

static void
test_secret_long_value_cut(void)
{
        char buf[1024];

        check_str(only_error(SECRET "data:\n  a: 0123456789012345678901234567890123456789!\n", buf,
                             sizeof(buf)),
                  "x.yaml:6:6: data[a]: \"0123456789012345678901234567890123456789...\" is not "
                  "valid base64, expected standard base64 with = padding");
}

static void
test_secret_data_not_string(void)
{
        char buf[1024];

        check_str(only_error(SECRET "data:\n  a: true\n", buf, sizeof(buf)),
                  "x.yaml:6:6: data[a]: found boolean true, expected a base64 string (unquoted "
                  "yes, no, on, off, true and false are booleans in YAML: quote the value)");
        check_str(only_error(SECRET "data: abc\n", buf, sizeof(buf)),
                  "x.yaml:5:7: data: found string \"abc\", expected a mapping");
}

static void
test_secret_string_data_not_string(void)
{
        char buf[1024];

        check_str(only_error(SECRET "stringData:\n  port: 5432\n", buf, sizeof(buf)),
                  "x.yaml:6:9: stringData[port]: found number 5432, expected a string (quote the "
                  "value)");
}

static void
test_secret_key_invalid(void)
{
        char buf[1024], want[1024];

        snprintf(want, sizeof(want), "x.yaml:6:3: data[a b]: key \"a b\" is not valid, expected %s",
                 kube_check_config_key("a b"));
        check_str(only_error(SECRET "data:\n  a b: YQ==\n", buf, sizeof(buf)), want);
        snprintf(want, sizeof(want),
                 "x.yaml:6:3: stringData[..]: key \"..\" is not valid, expected %s",
                 kube_check_config_key(".."));
        check_str(only_error(SECRET "stringData:\n  ..: x\n", buf, sizeof(buf)), want);
        /* one error for a key in both */
        snprintf(want, sizeof(want), "x.yaml:6:3: data[a b]: key \"a b\" is not valid, expected %s",
                 kube_check_config_key("a b"));
        check_str(
                only_error(SECRET "data:\n  a b: YQ==\nstringData:\n  a b: x\n", buf, sizeof(buf)),
                want);
}

/* A Secret with data "a" of 1 byte and stringData "big" of n bytes. */
static char *
secret_of_size(size_t n)
{
        const char head[] = SECRET "data:\n  a: YQ==\nstringData:\n  big: ";
        char *xs = repeat_x(n), *y = NULL;

        if (!xs || asprintf(&y, "%s%s\n", head, xs) < 0)
                y = NULL;
        free(xs);
        return y;
}

static void
test_secret_too_long(void)
{
        _cleanup_free_ char *at_limit = secret_of_size(1048575);
        _cleanup_free_ char *over = secret_of_size(1048576);
        _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
        char buf[1024];

        check(at_limit && over);
        if (!at_limit || !over)
                return;
        d = load_valid(at_limit, KUBE_SECRET);
        check(d != NULL);
        check_str(only_error(over, buf, sizeof(buf)),
                  "x.yaml:6:3: data: 1048577 bytes in all are too long, expected at most 1048576 "
                  "(stringData included)");
}

static void
test_secret_dockerconfigjson(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                SECRET
                "type: kubernetes.io/dockerconfigjson\n"
                "stringData:\n"
                "  .dockerconfigjson: '{\"auths\": {\"r.example\": {\"auth\": \"dTpw\"}}}'\n",
                KUBE_SECRET);
        char buf[1024];

        if (d)
                check_str(d->objects[0].secret->type, "kubernetes.io/dockerconfigjson");
        check_str(only_error(SECRET "type: kubernetes.io/dockerconfigjson\ndata:\n  x: YQ==\n", buf,
                             sizeof(buf)),
                  "x.yaml:7:3: data[.dockerconfigjson]: missing, expected a value in data or "
                  "stringData for type kubernetes.io/dockerconfigjson");
        /* base64 of "[1]" */
        check_str(only_error(SECRET "type: kubernetes.io/dockerconfigjson\n"
                                    "data:\n"
                                    "  .dockerconfigjson: WzFd\n",
                             buf, sizeof(buf)),
                  "x.yaml:7:22: data[.dockerconfigjson]: is a JSON array, expected a JSON object "
                  "for type kubernetes.io/dockerconfigjson");
}

static void
test_secret_dockerconfigjson_not_json(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load(SECRET "type: kubernetes.io/dockerconfigjson\n"
                            "stringData:\n"
                            "  .dockerconfigjson: '{\"auths\": '\n");
        char buf[1024];

        check(d != NULL);
        check(d && d->n_errors == 1);
        first_error(d, buf, sizeof(buf));
        /* the parser's own words in the middle vary with the jansson version */
        check(strncmp(path_msg(buf), "stringData[.dockerconfigjson]: is not valid JSON (",
                      strlen("stringData[.dockerconfigjson]: is not valid JSON (")) == 0);
        check(strstr(buf, "), expected a JSON object for type kubernetes.io/dockerconfigjson"));
}

static void
test_secret_dockercfg(void)
{
        char buf[1024];

        check_str(only_error(SECRET "type: kubernetes.io/dockercfg\n", buf, sizeof(buf)),
                  "x.yaml:1:1: data[.dockercfg]: missing, expected a value in data or stringData "
                  "for type kubernetes.io/dockercfg");
        check_str(path_msg(only_error(SECRET "type: kubernetes.io/dockercfg\n"
                                             "stringData:\n"
                                             "  .dockercfg: '\"x\"'\n",
                                      buf, sizeof(buf))),
                  "stringData[.dockercfg]: is a JSON string, expected a JSON object for type "
                  "kubernetes.io/dockercfg");
}

static void
test_secret_basic_auth(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(SECRET "type: kubernetes.io/basic-auth\nstringData:\n  password: \"\"\n",
                           KUBE_SECRET);
        char buf[1024];

        (void)d;
        check_str(only_error(SECRET "type: kubernetes.io/basic-auth\ndata:\n  user: YQ==\n", buf,
                             sizeof(buf)),
                  "x.yaml:7:3: data: has neither username nor password, expected at least one of "
                  "them for type kubernetes.io/basic-auth");
}

static void
test_secret_ssh_auth(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                SECRET "type: kubernetes.io/ssh-auth\nstringData:\n  ssh-privatekey: k\n",
                KUBE_SECRET);
        char buf[1024];

        (void)d;
        check_str(path_msg(only_error(SECRET "type: kubernetes.io/ssh-auth\n"
                                             "data:\n"
                                             "  ssh-privatekey: \"\"\n",
                                      buf, sizeof(buf))),
                  "data[ssh-privatekey]: is empty, expected a value for type "
                  "kubernetes.io/ssh-auth");
}

static void
test_secret_tls(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                SECRET "type: kubernetes.io/tls\ndata:\n  tls.crt: Yw==\n  tls.key: aw==\n",
                KUBE_SECRET);
        char buf[1024];

        if (d)
                check(bytes_are(d->objects[0].secret->data, d->objects[0].secret->n_data, "tls.key",
                                "k"));
        check_str(only_error(SECRET "type: kubernetes.io/tls\ndata:\n  tls.crt: Yw==\n", buf,
                             sizeof(buf)),
                  "x.yaml:7:3: data[tls.key]: missing, expected a value in data or stringData "
                  "for type kubernetes.io/tls");
}

static void
test_secret_service_account_token(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n"
                           "    kubernetes.io/service-account.name: build\n"
                           "type: kubernetes.io/service-account-token\n",
                           KUBE_SECRET);
        char buf[1024];

        (void)d;
        check_str(only_error("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  annotations:\n"
                             "    note: x\n"
                             "type: kubernetes.io/service-account-token\n",
                             buf, sizeof(buf)),
                  "x.yaml:6:5: metadata.annotations[kubernetes.io/service-account.name]: missing, "
                  "expected the name of the service account for type "
                  "kubernetes.io/service-account-token");
        /* without annotations the position is metadata's (4:3) once knode_pos() skips absent
         * parents */
        check_str(path_msg(only_error(SECRET "type: kubernetes.io/service-account-token\n", buf,
                                      sizeof(buf))),
                  "metadata.annotations[kubernetes.io/service-account.name]: missing, expected the "
                  "name of the service account for type kubernetes.io/service-account-token");
}

int
main(void)
{
        RUN(test_configmap_valid);
        RUN(test_configmap_empty);
        RUN(test_configmap_binary_newlines);
        RUN(test_configmap_value_boolean);
        RUN(test_configmap_value_number);
        RUN(test_configmap_key_invalid);
        RUN(test_configmap_binary_not_base64);
        RUN(test_configmap_binary_not_string);
        RUN(test_configmap_key_in_both);
        RUN(test_configmap_too_long);
        RUN(test_secret_valid);
        RUN(test_secret_binary);
        RUN(test_secret_custom_type);
        RUN(test_secret_not_base64);
        RUN(test_secret_long_value_cut);
        RUN(test_secret_data_not_string);
        RUN(test_secret_string_data_not_string);
        RUN(test_secret_key_invalid);
        RUN(test_secret_too_long);
        RUN(test_secret_dockerconfigjson);
        RUN(test_secret_dockerconfigjson_not_json);
        RUN(test_secret_dockercfg);
        RUN(test_secret_basic_auth);
        RUN(test_secret_ssh_auth);
        RUN(test_secret_tls);
        RUN(test_secret_service_account_token);
        return check_done();
}
