/*
 * tests/unit/storage/test-kubeobjects.c: ConfigMaps and Secrets kept in a
 * store made in a temp dir: the files as Kubernetes objects (base64 where
 * binary), their modes, loading them back byte for byte, listing, removal,
 * names that are not Kubernetes names, files that are not such objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "storage/kubeobjects.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

struct fixture {
        char dir[64];
        struct storage *s;
};

static bool
fixture_open(struct fixture *f)
{
        struct berr *err = NULL;
        struct storage_opts o = {.tls_verify = -1};

        snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-kubeobj-XXXXXX");
        f->s = NULL;
        if (!mkdtemp(f->dir))
                return false;
        o.root = f->dir;
        if (storage_open(&o, &f->s, &err) < 0) {
                berr_free(err);
                return false;
        }
        return true;
}

static void
fixture_close(struct fixture *f)
{
        f->s = storage_close(f->s);
        if (f->dir[0] == '/')
                check(rm_rf_at(AT_FDCWD, f->dir) == 0);
}

static mode_t
mode_of(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0 ? st.st_mode & 07777 : 0;
}

static const unsigned char bin[] = {0x00, 0xff, 0x10, 0x00, 'x'};

static struct kube_kv cm_labels[] = {{"app", "web"}};
static struct kube_kv cm_data[] = {{"a.conf", "line1\nline2\n"}, {"empty", ""}};
static struct kube_bytes cm_bin[] = {{"blob", bin, sizeof(bin)}};

static const struct kube_configmap cm = {
        .meta = {.name = "web-config", .namespace_ = "prod", .labels = cm_labels, .n_labels = 1},
        .data = cm_data,
        .n_data = 2,
        .binary_data = cm_bin,
        .n_binary_data = 1,
        .immutable = true,
};

static struct kube_bytes sec_data[] = {{"password", (const unsigned char *)"hunter2", 7},
                                       {"key", bin, sizeof(bin)}};

static const struct kube_secret sec = {
        .meta = {.name = "db", .namespace_ = NULL},
        .data = sec_data,
        .n_data = 2,
};

static void
test_configmap_roundtrip(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct kubeobj *o = NULL;
        char path[256];
        json_t *doc;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        check(kubeobj_save_configmap(f.s, &cm, &err) == 0);
        check(err == NULL);
        snprintf(path, sizeof(path), "%s/kube/prod/configmaps/web-config.json", f.dir);
        check(mode_of(path) == 0644);
        /* the file is the object as Kubernetes writes it */
        doc = json_load_file(path, 0, NULL);
        check(doc != NULL);
        check_str(json_string_value(json_object_get(doc, "apiVersion")), "v1");
        check_str(json_string_value(json_object_get(doc, "kind")), "ConfigMap");
        check_str(json_string_value(json_object_get(json_object_get(doc, "metadata"), "namespace")),
                  "prod");
        check_str(json_string_value(json_object_get(json_object_get(doc, "data"), "a.conf")),
                  "line1\nline2\n");
        check_str(json_string_value(json_object_get(json_object_get(doc, "binaryData"), "blob")),
                  "AP8QAHg=");
        check(json_is_true(json_object_get(doc, "immutable")));
        json_decref(doc);

        check(kubeobj_load(f.s, KUBEOBJ_CONFIGMAP, "prod", "web-config", &o, &err) == 0);
        check(err == NULL);
        if (o) {
                const struct kube_configmap *c = &o->configmap;

                check(o->kind == KUBEOBJ_CONFIGMAP);
                check_str(c->meta.name, "web-config");
                check_str(c->meta.namespace_, "prod");
                check(c->meta.n_labels == 1 && streq(c->meta.labels[0].key, "app") &&
                      streq(c->meta.labels[0].value, "web"));
                check(c->n_data == 2);
                check(c->n_data == 2 && streq(c->data[0].key, "a.conf") &&
                      streq(c->data[0].value, "line1\nline2\n") && streq(c->data[1].key, "empty") &&
                      streq(c->data[1].value, ""));
                check(c->n_binary_data == 1 && streq(c->binary_data[0].key, "blob") &&
                      c->binary_data[0].len == sizeof(bin) &&
                      memcmp(c->binary_data[0].data, bin, sizeof(bin)) == 0);
                check(c->immutable);
        }
        o = kubeobj_free(o);

        /* in another namespace: not there */
        check(kubeobj_load(f.s, KUBEOBJ_CONFIGMAP, "default", "web-config", &o, &err) == -ENOENT);
        check(err == NULL && o == NULL);
        /* nor as a Secret */
        check(kubeobj_load(f.s, KUBEOBJ_SECRET, "prod", "web-config", &o, &err) == -ENOENT);
        check(err == NULL);
        fixture_close(&f);
}

static void
test_secret_roundtrip(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct kubeobj *o = NULL;
        char path[256];
        json_t *doc;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        /* a umask that would leave a file readable by others is not what decides */
        umask(0);
        check(kubeobj_save_secret(f.s, &sec, &err) == 0);
        umask(022);
        check(err == NULL);
        snprintf(path, sizeof(path), "%s/kube/default/secrets/db.json", f.dir);
        check(mode_of(path) == 0600);
        snprintf(path, sizeof(path), "%s/kube/default/secrets", f.dir);
        check(mode_of(path) == 0700);
        snprintf(path, sizeof(path), "%s/kube/default/secrets/db.json", f.dir);
        doc = json_load_file(path, 0, NULL);
        check(doc != NULL);
        check_str(json_string_value(json_object_get(doc, "kind")), "Secret");
        check_str(json_string_value(json_object_get(doc, "type")), "Opaque");
        check_str(json_string_value(json_object_get(json_object_get(doc, "data"), "password")),
                  "aHVudGVyMg==");
        check(json_object_get(doc, "immutable") == NULL);
        json_decref(doc);

        check(kubeobj_load(f.s, KUBEOBJ_SECRET, "default", "db", &o, &err) == 0);
        if (o) {
                check(o->kind == KUBEOBJ_SECRET);
                check_str(o->secret.type, "Opaque");
                check_str(o->secret.meta.namespace_, "default");
                check(o->secret.n_data == 2);
                check(o->secret.n_data == 2 && streq(o->secret.data[0].key, "key") &&
                      o->secret.data[0].len == sizeof(bin) &&
                      memcmp(o->secret.data[0].data, bin, sizeof(bin)) == 0);
                check(o->secret.n_data == 2 && streq(o->secret.data[1].key, "password") &&
                      o->secret.data[1].len == 7 &&
                      memcmp(o->secret.data[1].data, "hunter2", 8) == 0);
        }
        o = kubeobj_free(o);

        /* saved again with other data: replaced */
        {
                struct kube_bytes d[] = {{"token", (const unsigned char *)"t", 1}};
                struct kube_secret s2 = {.meta = {.name = "db"},
                                         .type = "kubernetes.io/basic-auth",
                                         .data = d,
                                         .n_data = 1};

                check(kubeobj_save_secret(f.s, &s2, &err) == 0);
                check(kubeobj_load(f.s, KUBEOBJ_SECRET, "default", "db", &o, &err) == 0);
                check(o && o->secret.n_data == 1 && streq(o->secret.data[0].key, "token"));
                check(o && streq(o->secret.type, "kubernetes.io/basic-auth"));
                o = kubeobj_free(o);
        }
        fixture_close(&f);
}

static void
test_list_remove(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        char **names = NULL;
        size_t n = 0;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        /* nothing kept yet: empty lists, not errors */
        check(kubeobj_list(f.s, KUBEOBJ_CONFIGMAP, "default", &names, &n, &err) == 0);
        check(n == 0 && names && !names[0]);
        names = strv_free(names);
        check(kubeobj_list(f.s, KUBEOBJ_CONFIGMAP, NULL, &names, &n, &err) == 0);
        check(n == 0 && names && !names[0]);
        names = strv_free(names);

        {
                struct kube_configmap a = {.meta = {.name = "zz", .namespace_ = "default"}};
                struct kube_configmap b = {.meta = {.name = "aa.b", .namespace_ = "default"}};
                struct kube_configmap c = {.meta = {.name = "mm", .namespace_ = "other"}};

                check(kubeobj_save_configmap(f.s, &a, &err) == 0);
                check(kubeobj_save_configmap(f.s, &b, &err) == 0);
                check(kubeobj_save_configmap(f.s, &c, &err) == 0);
                check(kubeobj_save_secret(f.s, &sec, &err) == 0);
        }
        check(kubeobj_list(f.s, KUBEOBJ_CONFIGMAP, "default", &names, &n, &err) == 0);
        check(n == 2 && streq(names[0], "aa.b") && streq(names[1], "zz") && !names[2]);
        names = strv_free(names);
        check(kubeobj_list(f.s, KUBEOBJ_CONFIGMAP, NULL, &names, &n, &err) == 0);
        check(n == 3 && streq(names[0], "default/aa.b") && streq(names[1], "default/zz") &&
              streq(names[2], "other/mm"));
        names = strv_free(names);
        check(kubeobj_list(f.s, KUBEOBJ_SECRET, NULL, &names, &n, &err) == 0);
        check(n == 1 && streq(names[0], "default/db"));
        names = strv_free(names);

        check(kubeobj_remove(f.s, KUBEOBJ_CONFIGMAP, "default", "zz", &err) == 0);
        check(kubeobj_remove(f.s, KUBEOBJ_CONFIGMAP, "default", "zz", &err) == -ENOENT);
        check(kubeobj_remove(f.s, KUBEOBJ_CONFIGMAP, "nowhere", "zz", &err) == -ENOENT);
        check(err == NULL);
        check(kubeobj_list(f.s, KUBEOBJ_CONFIGMAP, "default", &names, &n, &err) == 0);
        check(n == 1 && streq(names[0], "aa.b"));
        names = strv_free(names);
        fixture_close(&f);
}

static void
test_bad_names(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct kubeobj *o = NULL;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        {
                struct kube_configmap up = {.meta = {.name = "../../etc/x"}};
                struct kube_configmap caps = {.meta = {.name = "Web"}};
                struct kube_configmap dotted_ns = {.meta = {.name = "a", .namespace_ = "a.b"}};
                struct kube_configmap none = {.meta = {.name = NULL}};

                check(kubeobj_save_configmap(f.s, &up, &err) == -EINVAL);
                check(err && streq(err->msg,
                                   "configmap name \"../../etc/x\": not valid, expected a DNS-1123 "
                                   "subdomain (lower case letters, digits, '-' and '.', at most "
                                   "253)"));
                err = berr_free(err);
                check(kubeobj_save_configmap(f.s, &caps, &err) == -EINVAL);
                err = berr_free(err);
                check(kubeobj_save_configmap(f.s, &dotted_ns, &err) == -EINVAL);
                check(err && streq(err->msg, "configmap namespace \"a.b\": not valid, expected a "
                                             "DNS-1123 label (lower case letters, digits and '-', "
                                             "at most 63)"));
                err = berr_free(err);
                check(kubeobj_save_configmap(f.s, &none, &err) == -EINVAL);
                err = berr_free(err);
        }
        check(kubeobj_load(f.s, KUBEOBJ_SECRET, "default", "..", &o, &err) == -EINVAL);
        err = berr_free(err);
        check(kubeobj_load(f.s, (enum kubeobj_kind)7, "default", "a", &o, &err) == -EINVAL);
        err = berr_free(err);
        check(kubeobj_remove(f.s, KUBEOBJ_SECRET, "de/fault", "a", &err) == -EINVAL);
        err = berr_free(err);
        fixture_close(&f);
}

/* A file that is not the object it should be is an error naming it. */
static void
test_bad_files(void)
{
        static const struct {
                const char *text, *msg;
        } cases[] = {
                {"{\"kind\": \"Secret\", \"metadata\": {\"name\": \"c\"}}",
                 "kind: expected ConfigMap"},
                {"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"d\"}}",
                 "metadata.name: expected \"c\""},
                {"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}, \"data\": {\"k\": 1}}",
                 "data.k: expected a string"},
                {"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\"}, \"binaryData\": "
                 "{\"k\": \"@@\"}}",
                 "binaryData.k: expected a base64 string"},
                {"{\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"c\", \"labels\": []}}",
                 "metadata.labels: expected an object"},
        };
        struct fixture f = {0};
        struct berr *err = NULL;
        struct kubeobj *o = NULL;
        char path[256], want[512];

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        {
                struct kube_configmap c = {.meta = {.name = "c"}};

                check(kubeobj_save_configmap(f.s, &c, &err) == 0);
        }
        snprintf(path, sizeof(path), "%s/kube/default/configmaps/c.json", f.dir);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                FILE *fp = fopen(path, "we");

                check(fp != NULL);
                if (!fp)
                        continue;
                fputs(cases[i].text, fp);
                fclose(fp);
                check(kubeobj_load(f.s, KUBEOBJ_CONFIGMAP, "default", "c", &o, &err) == -EINVAL);
                check(o == NULL);
                snprintf(want, sizeof(want), "%s: %s", path, cases[i].msg);
                check_str(err ? err->msg : NULL, want);
                err = berr_free(err);
        }
        /* a symlink in place of the file is not followed */
        check(unlink(path) == 0 && symlink("/etc/passwd", path) == 0);
        check(kubeobj_load(f.s, KUBEOBJ_CONFIGMAP, "default", "c", &o, &err) < 0);
        check(o == NULL);
        err = berr_free(err);
        fixture_close(&f);
}

int
main(void)
{
        RUN(test_configmap_roundtrip);
        RUN(test_secret_roundtrip);
        RUN(test_list_remove);
        RUN(test_bad_names);
        RUN(test_bad_files);
        return check_done();
}
