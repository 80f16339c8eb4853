/* tests/unit/reconcile/test-env.c: a container's environment as the kubelet builds it */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "kube/quantity.h"
#include "reconcile/container-spec.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* ------------------------------------------------------------ fixtures */

/* What the lookup callbacks see: objects by name, and calls counted. */
struct store {
        const struct kube_configmap *const *cms;
        size_t n_cms;
        const struct kube_secret *const *secrets;
        size_t n_secrets;
        const char *fail_on; /* a name whose lookup fails */
        char last_namespace[64];
};

static int
lookup_cm(void *userdata, const char *ns, const char *name, const struct kube_configmap **ret,
          struct berr **err)
{
        struct store *s = userdata;

        snprintf(s->last_namespace, sizeof(s->last_namespace), "%s", ns);
        if (s->fail_on && strcmp(name, s->fail_on) == 0)
                return berr(err, EIO, "read stored configmap %s", name);
        for (size_t i = 0; i < s->n_cms; i++)
                if (strcmp(s->cms[i]->meta.name, name) == 0) {
                        *ret = s->cms[i];
                        return 1;
                }
        return 0;
}

static int
lookup_secret(void *userdata, const char *ns, const char *name, const struct kube_secret **ret,
              struct berr **err)
{
        struct store *s = userdata;

        snprintf(s->last_namespace, sizeof(s->last_namespace), "%s", ns);
        if (s->fail_on && strcmp(name, s->fail_on) == 0)
                return berr(err, EIO, "read stored secret %s", name);
        for (size_t i = 0; i < s->n_secrets; i++)
                if (strcmp(s->secrets[i]->meta.name, name) == 0) {
                        *ret = s->secrets[i];
                        return 1;
                }
        return 0;
}

static struct kube_kv cm_app_data[] = {
        {"MODE", "prod"}, {"LEVEL", "3"}, {"1BAD", "x"}, {"dotted.name", "ok"}, {"..dots", "no"},
};
static const struct kube_configmap cm_app = {
        .meta = {.name = "app", .namespace_ = "default"},
        .data = cm_app_data,
        .n_data = ELEMENTSOF(cm_app_data),
        .binary_data = (struct kube_bytes[]){{"BIN", (const unsigned char *)"b", 1}},
        .n_binary_data = 1,
};

static struct kube_kv cm_over_data[] = {
        {"LEVEL", "9"},
        {"EXTRA", "e"},
};
static const struct kube_configmap cm_over = {
        .meta = {.name = "over", .namespace_ = "default"},
        .data = cm_over_data,
        .n_data = ELEMENTSOF(cm_over_data),
};

static struct kube_bytes sec_db_data[] = {
        {"password", (const unsigned char *)"s3cret", 6},
        {"user", (const unsigned char *)"admin", 5},
        {"9lives", (const unsigned char *)"cat", 3},
        {"nul", (const unsigned char *)"a\0b", 3},
};
static const struct kube_secret sec_db = {
        .meta = {.name = "db", .namespace_ = "default"},
        .data = sec_db_data,
        .n_data = 3, /* "nul" only where a test asks for it */
};
static const struct kube_secret sec_db_nul = {
        .meta = {.name = "dbnul", .namespace_ = "default"},
        .data = sec_db_data,
        .n_data = 4,
};

static const struct kube_configmap *const all_cms[] = {&cm_app, &cm_over};
static const struct kube_secret *const all_secrets[] = {&sec_db, &sec_db_nul};

static struct store
store_all(void)
{
        return (struct store){.cms = all_cms,
                              .n_cms = ELEMENTSOF(all_cms),
                              .secrets = all_secrets,
                              .n_secrets = ELEMENTSOF(all_secrets)};
}

static struct kube_kv pod_labels[] = {{"app", "web"}, {"tier", "front"}};
static struct kube_kv pod_annotations[] = {{"example.com/owner", "team-a"}};
static const struct kube_meta pod_meta = {
        .name = "web-1",
        .namespace_ = "default",
        .labels = pod_labels,
        .n_labels = ELEMENTSOF(pod_labels),
        .annotations = pod_annotations,
        .n_annotations = ELEMENTSOF(pod_annotations),
};
static const char *const host_ips[] = {"192.168.1.5", "fd00::5"};
static const char *const pod_ips[] = {"10.88.0.7", "fd10::7"};

static struct cspec_pod_info
pod_info(void)
{
        return (struct cspec_pod_info){
                .meta = &pod_meta,
                .uid = "0d7c4f0e-1111-2222-3333-444455556666",
                .node_name = "node-a",
                .service_account_name = "default",
                .host_ips = host_ips,
                .n_host_ips = 2,
                .pod_ips = pod_ips,
                .n_pod_ips = 2,
                .node_cpus = 8,
                .node_memory = 16ULL << 30,
                .node_ephemeral_storage = 100ULL << 30,
        };
}

/* the value of name in env, or NULL */
static const char *
get(char *const *env, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; env && env[i]; i++)
                if (strncmp(env[i], name, n) == 0 && env[i][n] == '=')
                        return env[i] + n + 1;
        return NULL;
}

/* env joined with '|', for checking order: "A=1|B=2" (static buffer) */
static const char *
joined(char *const *env)
{
        static char buf[4096];
        size_t k = 0;

        buf[0] = '\0';
        for (size_t i = 0; env && env[i]; i++)
                k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "|" : "", env[i]);
        return buf;
}

/* Build the environment of c; 0 or the error, whose message goes to *msg (static copy). */
static int
build(const struct kube_container *c, struct store *st, char ***env, char ***warnings,
      const char **msg)
{
        static char buf[512];
        struct cspec_pod_info pod = pod_info();
        struct cspec_lookup lk = {.configmap = lookup_cm, .secret = lookup_secret, .userdata = st};
        _cleanup_(berr_freep) struct berr *err = NULL;
        int r;

        *env = *warnings = NULL;
        r = cspec_env_build(c, &pod, &lk, env, warnings, &err);
        snprintf(buf, sizeof(buf), "%s", err ? err->msg : "(no error)");
        *msg = buf;
        return r;
}

#define ENV(n, v)                         \
        {                                 \
                .name = (n), .value = (v) \
        }
#define ENV_FROM(n, src)                                              \
        {                                                             \
                .name = (n), .value_from = (struct kube_env_source[]) \
                {                                                     \
                        src                                           \
                }                                                     \
        }
#define CM_KEY(nm, k)                                         \
        {                                                     \
                .config_map_key_ref = (struct kube_key_ref[]) \
                {                                             \
                        {                                     \
                                .name = (nm), .key = (k)      \
                        }                                     \
                }                                             \
        }
#define CM_KEY_OPT(nm, k)                                                                       \
        {                                                                                       \
                .config_map_key_ref = (struct kube_key_ref[])                                   \
                {                                                                               \
                        {                                                                       \
                                .name = (nm), .key = (k), .optional = {.set = true, .v = true } \
                        }                                                                       \
                }                                                                               \
        }
#define SEC_KEY(nm, k)                                    \
        {                                                 \
                .secret_key_ref = (struct kube_key_ref[]) \
                {                                         \
                        {                                 \
                                .name = (nm), .key = (k)  \
                        }                                 \
                }                                         \
        }
#define SEC_KEY_OPT(nm, k)                                                                      \
        {                                                                                       \
                .secret_key_ref = (struct kube_key_ref[])                                       \
                {                                                                               \
                        {                                                                       \
                                .name = (nm), .key = (k), .optional = {.set = true, .v = true } \
                        }                                                                       \
                }                                                                               \
        }
#define FIELD(p)                                                       \
        {                                                              \
                .field_ref = (struct kube_field_ref[])                 \
                {                                                      \
                        {                                              \
                                .api_version = "v1", .field_path = (p) \
                        }                                              \
                }                                                      \
        }

/* ------------------------------------------------------------ envFrom */

static void
test_env_from_order_prefix_and_override(void)
{
        struct kube_env_from from[] = {
                {.config_map_ref = (struct kube_local_ref[]){{.name = "app"}}},
                {.prefix = "DB_", .secret_ref = (struct kube_local_ref[]){{.name = "db"}}},
                {.config_map_ref = (struct kube_local_ref[]){{.name = "over"}}},
        };
        struct kube_env env[] = {ENV("MODE", "dev"), ENV("NEW", "n")};
        struct kube_container c = {.name = "app",
                                   .env_from = from,
                                   .n_env_from = ELEMENTSOF(from),
                                   .env = env,
                                   .n_env = ELEMENTSOF(env)};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        /* first definition keeps its place; the later value wins */
        check_str(joined(e), "MODE=dev|LEVEL=9|dotted.name=ok|DB_password=s3cret|DB_user=admin|"
                             "DB_9lives=cat|EXTRA=e|NEW=n");
        check(!get(e, "BIN")); /* binaryData is not used for env */
        check_str(st.last_namespace, "default");
        check(w && strv_length(w) == 1);
        check_str(w ? w[0] : NULL, "Keys [..dots, 1BAD] from the EnvFrom configMap default/app "
                                   "were skipped since they are considered invalid environment "
                                   "variable names.");
}

static void
test_env_from_invalid_secret_keys(void)
{
        struct kube_env_from from[] = {
                {.secret_ref = (struct kube_local_ref[]){{.name = "db"}}},
        };
        struct kube_container c = {.name = "app", .env_from = from, .n_env_from = 1};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(joined(e), "password=s3cret|user=admin");
        check(w && strv_length(w) == 1);
        check_str(w ? w[0] : NULL, "Keys [9lives] from the EnvFrom secret default/db were skipped "
                                   "since they are considered invalid environment variable "
                                   "names.");
}

static void
test_env_from_missing(void)
{
        struct kube_env_from cm[] = {{.config_map_ref = (struct kube_local_ref[]){{.name = "cm"}}}};
        struct kube_env_from sec[] = {{.secret_ref = (struct kube_local_ref[]){{.name = "s"}}}};
        struct kube_env_from opt[] = {
                {.config_map_ref =
                         (struct kube_local_ref[]){{.name = "cm", .optional = {true, true}}}},
                {.secret_ref = (struct kube_local_ref[]){{.name = "s", .optional = {true, true}}}},
                {.config_map_ref = (struct kube_local_ref[]){{.name = "over"}}},
        };
        struct kube_container c = {.name = "app", .env_from = cm, .n_env_from = 1};
        struct store st = store_all();
        char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == -EINVAL);
        check_str(msg, "configmap \"cm\" not found");
        check(!e && !w);

        c.env_from = sec;
        check(build(&c, &st, &e, &w, &msg) == -EINVAL);
        check_str(msg, "secret \"s\" not found");

        /* optional: nothing from them, no error */
        c.env_from = opt;
        c.n_env_from = ELEMENTSOF(opt);
        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(joined(e), "LEVEL=9|EXTRA=e");
        check(w && !w[0]);
        strv_free(e);
        strv_free(w);
}

static void
test_lookup_failure_and_no_lookup(void)
{
        struct kube_env_from from[] = {
                {.config_map_ref = (struct kube_local_ref[]){{.name = "app"}}},
        };
        struct kube_env env[] = {ENV_FROM("S", SEC_KEY("broken", "k"))};
        struct kube_container c = {.name = "app", .env_from = from, .n_env_from = 1};
        struct store st = store_all();
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct cspec_pod_info pod = pod_info();
        char **e = NULL, **w = NULL;
        const char *msg;

        st.fail_on = "app";
        check(build(&c, &st, &e, &w, &msg) == -EIO);
        check_str(msg, "read stored configmap app: Input/output error");

        c.n_env_from = 0;
        c.env = env;
        c.n_env = 1;
        st.fail_on = "broken";
        check(build(&c, &st, &e, &w, &msg) == -EIO);
        check_str(msg, "read stored secret broken: Input/output error");

        /* no lookup at all: nothing is found */
        check(cspec_env_build(&c, &pod, NULL, &e, &w, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "secret \"broken\" not found");
}

/* ------------------------------------------------------------ env and $(VAR) */

static void
test_env_expansion_order(void)
{
        struct kube_env_from from[] = {
                {.config_map_ref = (struct kube_local_ref[]){{.name = "over"}}},
        };
        struct kube_env env[] = {
                ENV("A", "a"),
                ENV("B", "$(A)-$(C)-$(LEVEL)"), /* C is not defined yet */
                ENV("C", "c"),
                ENV("A", "$(A)$(A)"), /* the earlier A */
                ENV("D", "$$(A) $$$(A) $(A $(UNKNOWN) $"),
                ENV("E", ""),
                ENV("F", "$(E)|$(D)"),
        };
        struct kube_container c = {.name = "app",
                                   .env_from = from,
                                   .n_env_from = 1,
                                   .env = env,
                                   .n_env = ELEMENTSOF(env)};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(get(e, "A"), "aa");
        check_str(get(e, "B"), "a-$(C)-9");
        check_str(get(e, "D"), "$(A) $aa $(A $(UNKNOWN) $");
        check_str(get(e, "E"), "");
        /* a value is expanded once: D's "$(A)" text is not expanded again */
        check_str(get(e, "F"), "|$(A) $aa $(A $(UNKNOWN) $");
        check_str(joined(e), "LEVEL=9|EXTRA=e|A=aa|B=a-$(C)-9|C=c|D=$(A) $aa $(A $(UNKNOWN) $|E=|"
                             "F=|$(A) $aa $(A $(UNKNOWN) $");
}

/* The cases of Kubernetes' expansion tests (third_party/forked/golang/expansion). */
static void
test_expand_cases(void)
{
        char *ctx[] = {"VAR_A=A", "VAR_B=B", "VAR_C=C", "VAR_REF=$(VAR_A)", "VAR_EMPTY=", NULL};
        static const char *const cases[][2] = {
                {"$(VAR_A)", "A"},
                {"$(VAR_A)-$(VAR_A)", "A-A"},
                {"$(VAR_A)-1", "A-1"},
                {"___$(VAR_B)___", "___B___"},
                {"___$(VAR_C)", "___C"},
                {"$(VAR_A)_$(VAR_B)_$(VAR_C)", "A_B_C"},
                {"$$(VAR_B)_$(VAR_A)", "$(VAR_B)_A"},
                {"$$(VAR_A)_$$(VAR_B)", "$(VAR_A)_$(VAR_B)"},
                {"f000-$$VAR_A", "f000-$VAR_A"},
                {"foo\\$(VAR_C)bar", "foo\\Cbar"},
                {"foo\\\\$(VAR_C)bar", "foo\\\\Cbar"},
                {"foo\\\\\\\\$(VAR_A)bar", "foo\\\\\\\\Abar"},
                {"$(VAR_A$(VAR_B))", "$(VAR_A$(VAR_B))"},
                {"$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)"},
                {"$(VAR_REF)", "$(VAR_A)"},
                {"%%$(VAR_REF)--$(VAR_REF)%%", "%%$(VAR_A)--$(VAR_A)%%"},
                {"foo$(VAR_EMPTY)bar", "foobar"},
                {"foo$(VAR_Awhoops!", "foo$(VAR_Awhoops!"},
                {"f00__(VAR_A)__", "f00__(VAR_A)__"},
                {"$?_boo_$!", "$?_boo_$!"},
                {"$VAR_A", "$VAR_A"},
                {"$(VAR_DNE)", "$(VAR_DNE)"},
                {"$$$$$$(BIG_MONEY)", "$$$(BIG_MONEY)"},
                {"$$$$$$(VAR_A)", "$$$(VAR_A)"},
                {"$$$$$$$(GOOD_ODDS)", "$$$$(GOOD_ODDS)"},
                {"$$$$$$$(VAR_A)", "$$$A"},
                {"$VAR_A)", "$VAR_A)"},
                {"${VAR_A}", "${VAR_A}"},
                {"$(VAR_B)_______$(A", "B_______$(A"},
                {"$(VAR_C)_______$(", "C_______$("},
                {"$(VAR_A)foobarzab$", "Afoobarzab$"},
                {"foo-\\$(VAR_A", "foo-\\$(VAR_A"},
                {"--$($($($($--", "--$($($($($--"},
                {"$($($($($--foo$(", "$($($($($--foo$("},
                {"foo0--$($($($(", "foo0--$($($($("},
                {"$(foo$$var)", "$(foo$$var)"},
                {"\n", "\n"},
                {"", ""},
                {"$", "$"},
                {"$()", "$()"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *out = NULL;

                check(cspec_expand(cases[i][0], ctx, &out) == 0);
                check_str(out, cases[i][1]);
        }
}

static void
test_expand_env_edge(void)
{
        char *env[] = {"A=1", "A=2", "NOVALUE", "EQ=x=y", NULL};
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;

        /* the last A wins; an entry without '=' is not a variable */
        check(cspec_expand("$(A)$(NOVALUE)$(EQ)", env, &a) == 0);
        check_str(a, "2$(NOVALUE)x=y");
        check(cspec_expand("$(A)", NULL, &b) == 0);
        check_str(b, "$(A)");
        check(cspec_expand("plain", env, &c) == 0);
        check_str(c, "plain");
}

static void
test_expand_command(void)
{
        const char *cmd[] = {"/bin/$(SHELL_NAME)", "-c"};
        const char *args[] = {"echo $(GREETING) $$(GREETING) $(MISSING)", "$(GREETING)"};
        struct kube_container c = {
                .name = "app", .command = cmd, .n_command = 2, .args = args, .n_args = 2};
        char *env[] = {"SHELL_NAME=sh", "GREETING=hi there", NULL};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **command = NULL, **arguments = NULL;
        char **none1 = (char **)"x", **none2 = (char **)"y";

        check(cspec_expand_command(&c, env, &command, &arguments, &err) == 0);
        check(strv_length(command) == 2 && strv_length(arguments) == 2);
        check_str(command ? command[0] : NULL, "/bin/sh");
        check_str(command ? command[1] : NULL, "-c");
        check_str(arguments ? arguments[0] : NULL, "echo hi there $(GREETING) $(MISSING)");
        check_str(arguments ? arguments[1] : NULL, "hi there");

        /* none given: NULL, so the image's apply */
        c.n_command = c.n_args = 0;
        check(cspec_expand_command(&c, env, &none1, &none2, &err) == 0);
        check(none1 == NULL && none2 == NULL);
}

/* ------------------------------------------------------------ valueFrom: ConfigMap and Secret */

static void
test_key_refs(void)
{
        struct kube_env env[] = {
                ENV_FROM("MODE", CM_KEY("app", "MODE")),
                ENV_FROM("PASS", SEC_KEY("db", "password")),
                ENV("LINE", "$(MODE):$(PASS)"),
        };
        struct kube_container c = {.name = "app", .env = env, .n_env = ELEMENTSOF(env)};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(joined(e), "MODE=prod|PASS=s3cret|LINE=prod:s3cret");
}

static void
test_key_ref_errors(void)
{
        struct {
                struct kube_env_source src;
                const char *msg;
        } cases[] = {
                {CM_KEY("cm", "k"), "configmap \"cm\" not found"},
                {CM_KEY("app", "k"), "couldn't find key k in ConfigMap default/app"},
                /* binaryData keys are not found, as for the kubelet */
                {CM_KEY("app", "BIN"), "couldn't find key BIN in ConfigMap default/app"},
                {SEC_KEY("s", "k"), "secret \"s\" not found"},
                {SEC_KEY("db", "k"), "couldn't find key k in Secret default/db"},
                {SEC_KEY("dbnul", "nul"), "key nul in Secret default/dbnul holds a NUL byte, which "
                                          "an environment variable cannot"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct kube_env env[] = {{.name = "X", .value_from = &cases[i].src}};
                struct kube_container c = {.name = "app", .env = env, .n_env = 1};
                struct store st = store_all();
                char **e = NULL, **w = NULL;
                const char *msg;

                check(build(&c, &st, &e, &w, &msg) == -EINVAL);
                check_str(msg, cases[i].msg);
                check(!e && !w);
        }
}

static void
test_key_ref_optional(void)
{
        struct kube_env env[] = {
                ENV("KEEP", "before"),
                ENV_FROM("KEEP", CM_KEY_OPT("cm", "k")),   /* no ConfigMap: KEEP stays */
                ENV_FROM("GONE1", CM_KEY_OPT("app", "k")), /* no key: never set */
                ENV_FROM("GONE2", SEC_KEY_OPT("s", "k")),  /* no Secret */
                ENV_FROM("GONE3", SEC_KEY_OPT("db", "k")), /* no key */
                ENV_FROM("OK", SEC_KEY_OPT("db", "user")), /* there: used */
                ENV("REF", "$(GONE1)"),                    /* stays as written */
        };
        struct kube_container c = {.name = "app", .env = env, .n_env = ELEMENTSOF(env)};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(joined(e), "KEEP=before|OK=admin|REF=$(GONE1)");
}

/* ------------------------------------------------------------ valueFrom: fieldRef */

static void
test_field_refs(void)
{
        struct kube_env env[] = {
                ENV_FROM("NAME", FIELD("metadata.name")),
                ENV_FROM("NS", FIELD("metadata.namespace")),
                ENV_FROM("UID", FIELD("metadata.uid")),
                ENV_FROM("APP", FIELD("metadata.labels['app']")),
                ENV_FROM("NOLABEL", FIELD("metadata.labels['nope']")),
                ENV_FROM("OWNER", FIELD("metadata.annotations['example.com/owner']")),
                ENV_FROM("NODE", FIELD("spec.nodeName")),
                ENV_FROM("SA", FIELD("spec.serviceAccountName")),
                ENV_FROM("HOST_IP", FIELD("status.hostIP")),
                ENV_FROM("HOST_IPS", FIELD("status.hostIPs")),
                ENV_FROM("POD_IP", FIELD("status.podIP")),
                ENV_FROM("POD_IPS", FIELD("status.podIPs")),
                ENV("URL", "http://$(POD_IP):80/$(NAME)"),
        };
        struct kube_container c = {.name = "app", .env = env, .n_env = ELEMENTSOF(env)};
        struct store st = store_all();
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check_str(get(e, "NAME"), "web-1");
        check_str(get(e, "NS"), "default");
        check_str(get(e, "UID"), "0d7c4f0e-1111-2222-3333-444455556666");
        check_str(get(e, "APP"), "web");
        check_str(get(e, "NOLABEL"), "");
        check_str(get(e, "OWNER"), "team-a");
        check_str(get(e, "NODE"), "node-a");
        check_str(get(e, "SA"), "default");
        check_str(get(e, "HOST_IP"), "192.168.1.5");
        check_str(get(e, "HOST_IPS"), "192.168.1.5,fd00::5");
        check_str(get(e, "POD_IP"), "10.88.0.7");
        check_str(get(e, "POD_IPS"), "10.88.0.7,fd10::7");
        check_str(get(e, "URL"), "http://10.88.0.7:80/web-1");
}

static void
test_field_ref_empty_pod_and_errors(void)
{
        struct kube_env env[] = {
                ENV_FROM("NS", FIELD("metadata.namespace")),
                ENV_FROM("IP", FIELD("status.podIP")),
                ENV_FROM("IPS", FIELD("status.podIPs")),
                ENV_FROM("UID", FIELD("metadata.uid")),
        };
        struct kube_container c = {.name = "app", .env = env, .n_env = ELEMENTSOF(env)};
        struct cspec_pod_info pod = {0}; /* nothing known */
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        static const char *const bad[][3] = {
                {"v2", "metadata.name", "unsupported pod version: v2"},
                {"v1", "spec.restartPolicy", "field label not supported: spec.restartPolicy"},
                {"v1", "metadata.name['x']",
                 "field label does not support subscript: metadata.name['x']"},
        };

        check(cspec_env_build(&c, &pod, NULL, &e, &w, &err) == 0);
        check_str(joined(e), "NS=default|IP=|IPS=|UID=");

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct kube_env one[] = {
                        {.name = "X",
                         .value_from =
                                 (struct kube_env_source[]){
                                         {.field_ref =
                                                  (struct kube_field_ref[]){
                                                          {.api_version = bad[i][0],
                                                           .field_path = bad[i][1]}}}}},
                };
                struct kube_container c1 = {.name = "app", .env = one, .n_env = 1};
                _cleanup_(berr_freep) struct berr *e1 = NULL;
                char **x = NULL, **y = NULL;

                check(cspec_env_build(&c1, &pod, NULL, &x, &y, &e1) == -EINVAL);
                check_str(e1 ? e1->msg : NULL, bad[i][2]);
        }
}

/* ------------------------------------------------------------ valueFrom: resourceFieldRef */

static struct kube_resource_field_ref
rref(const char *container, const char *resource, const char *divisor)
{
        struct kube_resource_field_ref r = {.container_name = container, .resource = resource};

        if (divisor) {
                r.divisor.text = divisor;
                if (kube_quantity_parse(divisor, &r.divisor.q) < 0)
                        abort();
        }
        return r;
}

static struct kube_resource
res(const char *name, const char *qty)
{
        struct kube_resource r = {.name = name, .qty = {.text = qty}};

        if (kube_quantity_parse(qty, &r.qty.q) < 0)
                abort();
        return r;
}

/* resourceFieldRef of c into a static buffer: the value, or "error: MSG" */
static const char *
resource_value(const struct kube_container *c, const struct cspec_pod_info *pod,
               struct kube_resource_field_ref ref)
{
        static char buf[256];
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *v = NULL;

        if (cspec_env_resource_value(&ref, c, pod, &v, &err) < 0)
                snprintf(buf, sizeof(buf), "error: %s", err ? err->msg : "?");
        else
                snprintf(buf, sizeof(buf), "%s", v);
        return buf;
}

static void
test_resource_field_refs(void)
{
        struct kube_resource lim[] = {res("cpu", "250m"), res("memory", "64Mi"),
                                      res("hugepages-2Mi", "4Mi")};
        struct kube_resource req[] = {res("cpu", "100m")};
        struct kube_resources r = {.limits = lim, .n_limits = 3, .requests = req, .n_requests = 1};
        struct kube_container c = {.name = "app", .resources = &r};
        struct cspec_pod_info pod = pod_info();

        check_str(resource_value(&c, &pod, rref(NULL, "limits.cpu", "1")), "1");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.cpu", NULL)), "1");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.cpu", "1m")), "250");
        check_str(resource_value(&c, &pod, rref(NULL, "requests.cpu", "1m")), "100");
        check_str(resource_value(&c, &pod, rref(NULL, "requests.cpu", "1")), "1");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.memory", NULL)), "67108864");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.memory", "1Mi")), "64");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.memory", "1M")), "68");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.memory", "1Gi")), "1");
        /* a request that is not there is its limit */
        check_str(resource_value(&c, &pod, rref(NULL, "requests.memory", "1Mi")), "64");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.hugepages-2Mi", "1Mi")), "4");
        check_str(resource_value(&c, &pod, rref(NULL, "requests.hugepages-1Gi", NULL)), "0");
        /* no limit: the node's allocatable; no request and no limit: 0 */
        check_str(resource_value(&c, &pod, rref(NULL, "limits.ephemeral-storage", "1Gi")), "100");
        check_str(resource_value(&c, &pod, rref(NULL, "requests.ephemeral-storage", NULL)), "0");
        /* a zero divisor is 1 */
        check_str(resource_value(&c, &pod, rref(NULL, "limits.memory", "0")), "67108864");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.gpu", NULL)),
                  "error: unsupported container resource : limits.gpu");
        check_str(resource_value(&c, &pod, rref(NULL, "cpu", NULL)),
                  "error: unsupported container resource : cpu");
        check_str(resource_value(&c, &pod, rref(NULL, "limits.hugepages-", NULL)),
                  "error: unsupported container resource : limits.hugepages-");
}

static void
test_resource_field_ref_allocatable(void)
{
        struct kube_resource zero[] = {res("memory", "0")};
        struct kube_resources r0 = {.limits = zero, .n_limits = 1};
        struct kube_container bare = {.name = "bare"};
        struct kube_container zeroed = {.name = "z", .resources = &r0};
        struct cspec_pod_info pod = pod_info();

        check_str(resource_value(&bare, &pod, rref(NULL, "limits.cpu", NULL)), "8");
        check_str(resource_value(&bare, &pod, rref(NULL, "limits.cpu", "1m")), "8000");
        check_str(resource_value(&bare, &pod, rref(NULL, "limits.memory", "1Gi")), "16");
        check_str(resource_value(&bare, &pod, rref(NULL, "requests.cpu", NULL)), "0");
        /* a zero limit is no limit */
        check_str(resource_value(&zeroed, &pod, rref(NULL, "limits.memory", "1Gi")), "16");
        /* allocatable unknown: 0 */
        pod.node_cpus = 0;
        check_str(resource_value(&bare, &pod, rref(NULL, "limits.cpu", NULL)), "0");
}

static void
test_resource_field_ref_container_name(void)
{
        struct kube_resource lim_b[] = {res("memory", "1Gi")};
        struct kube_resources rb = {.limits = lim_b, .n_limits = 1};
        struct kube_container app[] = {{.name = "a"}, {.name = "b", .resources = &rb}};
        struct kube_container init[] = {{.name = "setup"}};
        struct kube_pod_spec spec = {.containers = app,
                                     .n_containers = 2,
                                     .init_containers = init,
                                     .n_init_containers = 1};
        struct cspec_pod_info pod = pod_info();
        struct kube_env env[] = {
                {.name = "B_MEM",
                 .value_from = (struct kube_env_source[]){
                         {.resource_field_ref = (struct kube_resource_field_ref[]){
                                  {.container_name = "b", .resource = "limits.memory"}}}}}};
        struct cspec_lookup lk = {0};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;

        pod.spec = &spec;
        app[0].env = env;
        app[0].n_env = 1;
        check_str(resource_value(&app[0], &pod, rref("b", "limits.memory", "1Mi")), "1024");
        check_str(resource_value(&app[1], &pod, rref("a", "limits.cpu", NULL)), "8");
        /* the kubelet does not give init containers the node's allocatable */
        check_str(resource_value(&app[0], &pod, rref("setup", "limits.cpu", NULL)), "0");
        check_str(resource_value(&app[0], &pod, rref("nope", "limits.cpu", NULL)),
                  "error: container nope not found");

        /* through the env of container a */
        check(cspec_env_build(&app[0], &pod, &lk, &e, &w, &err) == 0);
        check_str(get(e, "B_MEM"), "1073741824");

        pod.spec = NULL;
        check_str(resource_value(&app[0], &pod, rref("b", "limits.cpu", NULL)),
                  "error: container b not found");
}

/* ------------------------------------------------------------ merge with the image's */

static void
test_merge_image_env(void)
{
        char *image[] = {"PATH=/usr/bin:/bin", "LANG=C", "DUP=1", "BARE", "DUP=2",
                         "HOME=/root",         NULL};
        char *ctr[] = {"LANG=C.UTF-8", "NEW=x", "BARE=now", "NEW=y", NULL};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **out = NULL, **only_image = NULL, **only_ctr = NULL,
                                   **none = NULL;

        check(cspec_env_merge(image, ctr, &out, &err) == 0);
        check_str(joined(out), "PATH=/usr/bin:/bin|LANG=C.UTF-8|DUP=2|BARE=now|HOME=/root|NEW=y");

        check(cspec_env_merge(image, NULL, &only_image, &err) == 0);
        check_str(joined(only_image), "PATH=/usr/bin:/bin|LANG=C|DUP=2|BARE|HOME=/root");
        check(cspec_env_merge(NULL, ctr, &only_ctr, &err) == 0);
        check_str(joined(only_ctr), "LANG=C.UTF-8|NEW=y|BARE=now");
        check(cspec_env_merge(NULL, NULL, &none, &err) == 0);
        check(none && !none[0]);
}

/* ------------------------------------------------------------ scale */

/* A ConfigMap of many keys, overridden by many env entries: the index must hold up. */
static void
test_many_variables(void)
{
        enum { N = 20000 };
        struct kube_kv *data = calloc(N, sizeof(*data));
        struct kube_env *env = calloc(N, sizeof(*env));
        char(*names)[16] = calloc(N, sizeof(*names));
        char(*vals)[16] = calloc(N, sizeof(*vals));
        struct kube_configmap big = {.meta = {.name = "big"}};
        const struct kube_configmap *cms[] = {&big};
        struct store st = {.cms = cms, .n_cms = 1};
        struct kube_env_from from[] = {
                {.config_map_ref = (struct kube_local_ref[]){{.name = "big"}}}};
        struct kube_container c = {.name = "app", .env_from = from, .n_env_from = 1};
        _cleanup_(strv_freep) char **e = NULL, **w = NULL;
        const char *msg;

        if (!data || !env || !names || !vals)
                abort();
        for (size_t i = 0; i < N; i++) {
                snprintf(names[i], sizeof(names[i]), "K%zu", i);
                snprintf(vals[i], sizeof(vals[i]), "v%zu", i);
                data[i] = (struct kube_kv){names[i], vals[i]};
                /* every other key again, from env, referring to the next key */
                env[i] = (struct kube_env){.name = names[(i * 2) % N], .value = "$(K1)+"};
        }
        big.data = data;
        big.n_data = N;
        c.env = env;
        c.n_env = N;

        check(build(&c, &st, &e, &w, &msg) == 0);
        check(strv_length(e) == N);
        check_str(e ? e[N - 1] : NULL, "K19999=v19999");
        check_str(get(e, "K3"), "v3");
        check_str(get(e, "K2"), "v1+");
        free(data);
        free(env);
        free(names);
        free(vals);
}

/* ------------------------------------------------------------ through the reader */

static const char manifests[] = "apiVersion: v1\n"
                                "kind: ConfigMap\n"
                                "metadata: {name: settings}\n"
                                "data:\n"
                                "  LOG_LEVEL: debug\n"
                                "  port: \"8080\"\n"
                                "---\n"
                                "apiVersion: v1\n"
                                "kind: Secret\n"
                                "metadata: {name: creds}\n"
                                "data:\n"
                                "  token: c2VjcmV0LXRva2Vu\n" /* secret-token */
                                "stringData:\n"
                                "  user: alice\n"
                                "---\n"
                                "apiVersion: v1\n"
                                "kind: Pod\n"
                                "metadata:\n"
                                "  name: web\n"
                                "  labels: {app: web}\n"
                                "spec:\n"
                                "  containers:\n"
                                "  - name: app\n"
                                "    image: busybox:1.36\n"
                                "    command: [sh, -c, 'echo $(GREETING)']\n"
                                "    resources:\n"
                                "      limits: {cpu: 1500m, memory: 128Mi}\n"
                                "    envFrom:\n"
                                "    - configMapRef: {name: settings}\n"
                                "      prefix: CFG_\n"
                                "    env:\n"
                                "    - name: TOKEN\n"
                                "      valueFrom:\n"
                                "        secretKeyRef: {name: creds, key: token}\n"
                                "    - name: USER\n"
                                "      valueFrom:\n"
                                "        secretKeyRef: {name: creds, key: user}\n"
                                "    - name: GREETING\n"
                                "      value: hello $(USER) on $(CFG_port)\n"
                                "    - name: APP\n"
                                "      valueFrom:\n"
                                "        fieldRef: {fieldPath: \"metadata.labels['app']\"}\n"
                                "    - name: CPUS\n"
                                "      valueFrom:\n"
                                "        resourceFieldRef: {resource: limits.cpu}\n"
                                "    - name: MEM_MI\n"
                                "      valueFrom:\n"
                                "        resourceFieldRef: {resource: requests.memory, divisor: "
                                "1Mi}\n";

struct docs {
        struct kube_doc *d[3];
};

static int
docs_cm(void *userdata, const char *ns, const char *name, const struct kube_configmap **ret,
        struct berr **err)
{
        struct docs *ds = userdata;

        for (size_t i = 0; i < 3; i++) {
                const struct kube_object *o = &ds->d[i]->objects[0];
                if (o->kind == KUBE_CONFIGMAP && strcmp(o->meta->name, name) == 0 &&
                    strcmp(o->meta->namespace_, ns) == 0) {
                        *ret = o->configmap;
                        return 1;
                }
        }
        return 0;
}

static int
docs_secret(void *userdata, const char *ns, const char *name, const struct kube_secret **ret,
            struct berr **err)
{
        struct docs *ds = userdata;

        for (size_t i = 0; i < 3; i++) {
                const struct kube_object *o = &ds->d[i]->objects[0];
                if (o->kind == KUBE_SECRET && strcmp(o->meta->name, name) == 0 &&
                    strcmp(o->meta->namespace_, ns) == 0) {
                        *ret = o->secret;
                        return 1;
                }
        }
        return 0;
}

static void
test_from_manifests(void)
{
        _cleanup_(kube_reader_freep) struct kube_reader *rd = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **e = NULL, **w = NULL, **command = NULL, **args = NULL;
        struct kube_opts opts = {0};
        struct docs ds = {0};
        const struct kube_pod *pod;
        struct cspec_pod_info info = pod_info();
        struct cspec_lookup lk = {.configmap = docs_cm, .secret = docs_secret, .userdata = &ds};

        check(kube_reader_open_buffer(manifests, strlen(manifests), "play.yaml", &opts, &rd,
                                      &err) == 0);
        for (size_t i = 0; i < 3; i++)
                if (kube_reader_next(rd, &ds.d[i], &err) != 1 || ds.d[i]->n_objects != 1 ||
                    ds.d[i]->n_errors != 0) {
                        check(!"the manifests read cleanly");
                        goto out;
                }
        pod = ds.d[2]->objects[0].pod;
        info.meta = &pod->meta;
        info.spec = &pod->spec;

        check(cspec_env_build(&pod->spec.containers[0], &info, &lk, &e, &w, &err) == 0);
        check_str(joined(e), "CFG_LOG_LEVEL=debug|CFG_port=8080|TOKEN=secret-token|USER=alice|"
                             "GREETING=hello alice on 8080|APP=web|CPUS=2|MEM_MI=128");
        check(w && !w[0]);
        check(cspec_expand_command(&pod->spec.containers[0], e, &command, &args, &err) == 0);
        check_str(command ? command[2] : NULL, "echo hello alice on 8080");
        check(args == NULL);
out:
        for (size_t i = 0; i < 3; i++)
                kube_doc_free(ds.d[i]);
}

int
main(void)
{
        RUN(test_env_from_order_prefix_and_override);
        RUN(test_env_from_invalid_secret_keys);
        RUN(test_env_from_missing);
        RUN(test_lookup_failure_and_no_lookup);
        RUN(test_env_expansion_order);
        RUN(test_expand_cases);
        RUN(test_expand_env_edge);
        RUN(test_expand_command);
        RUN(test_key_refs);
        RUN(test_key_ref_errors);
        RUN(test_key_ref_optional);
        RUN(test_field_refs);
        RUN(test_field_ref_empty_pod_and_errors);
        RUN(test_resource_field_refs);
        RUN(test_resource_field_ref_allocatable);
        RUN(test_resource_field_ref_container_name);
        RUN(test_merge_image_env);
        RUN(test_many_variables);
        RUN(test_from_manifests);
        return check_done();
}
