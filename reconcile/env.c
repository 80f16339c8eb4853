/*
 * reconcile/env.c: a container's environment, built the way the kubelet
 * builds it (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables), and
 * Kubernetes' $(VAR) expansion.
 *
 * Variables live in an insertion-ordered list with a hash index beside it:
 * an envFrom of a large ConfigMap followed by many env entries would be
 * quadratic with a plain search.
 */
#include "container-spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/quantity.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* ------------------------------------------------------------ a growing string */

struct sbuf {
        char *s;
        size_t len, cap;
        bool failed;
};

static void
sbuf_add(struct sbuf *b, const char *p, size_t n)
{
        if (b->failed)
                return;
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 64;
                char *s;

                while (cap < b->len + n + 1)
                        cap *= 2;
                s = realloc(b->s, cap);
                if (!s) {
                        b->failed = true;
                        return;
                }
                b->s = s;
                b->cap = cap;
        }
        memcpy(b->s + b->len, p, n);
        b->len += n;
        b->s[b->len] = '\0';
}

static void
sbuf_adds(struct sbuf *b, const char *s)
{
        sbuf_add(b, s, strlen(s));
}

/* The string (malloc'd, "" when nothing was added), or NULL when memory ran out. */
static char *
sbuf_take(struct sbuf *b)
{
        if (b->failed) {
                free(b->s);
                b->s = NULL;
                return NULL;
        }
        if (!b->s)
                return strdup("");
        return TAKE_PTR(b->s);
}

/* ------------------------------------------------------------ variables */

struct var {
        char *name;
        char *value; /* NULL: an image entry without '=' */
};

struct vars {
        struct var *v;
        size_t n, cap;
        size_t *slots; /* open addressing: index + 1, 0 for a free slot */
        size_t n_slots;
};

static uint64_t
hash_name(const char *s, size_t n)
{
        uint64_t h = UINT64_C(14695981039346656037); /* FNV-1a */

        for (size_t i = 0; i < n; i++) {
                h ^= (unsigned char)s[i];
                h *= UINT64_C(1099511628211);
        }
        return h;
}

static void
vars_done(struct vars *vs)
{
        for (size_t i = 0; i < vs->n; i++) {
                free(vs->v[i].name);
                free(vs->v[i].value);
        }
        free(vs->v);
        free(vs->slots);
        *vs = (struct vars){0};
}

/* The variable named s[0..n), or NULL. */
static struct var *
vars_find(const struct vars *vs, const char *s, size_t n)
{
        size_t mask, i;

        if (!vs->n_slots)
                return NULL;
        mask = vs->n_slots - 1;
        for (i = hash_name(s, n) & mask; vs->slots[i]; i = (i + 1) & mask) {
                struct var *v = &vs->v[vs->slots[i] - 1];
                if (strncmp(v->name, s, n) == 0 && v->name[n] == '\0')
                        return v;
        }
        return NULL;
}

static void
vars_index(size_t *slots, size_t n_slots, const char *name, size_t k)
{
        size_t mask = n_slots - 1, i = hash_name(name, strlen(name)) & mask;

        while (slots[i])
                i = (i + 1) & mask;
        slots[i] = k + 1;
}

/* A new index of n_slots (a power of two) for what vs holds. */
static int
vars_reindex(struct vars *vs, size_t n_slots)
{
        size_t *slots = calloc(n_slots, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t k = 0; k < vs->n; k++)
                vars_index(slots, n_slots, vs->v[k].name, k);
        free(vs->slots);
        vs->slots = slots;
        vs->n_slots = n_slots;
        return 0;
}

/*
 * Set name (n bytes) to value (taken over, even on failure; may be NULL):
 * a new name goes last, a known one keeps its place.
 */
static int
vars_set(struct vars *vs, const char *name, size_t n, char *value)
{
        _cleanup_free_ char *val = value;
        struct var *v = vars_find(vs, name, n);
        char *copy;

        if (v) {
                free(v->value);
                v->value = TAKE_PTR(val);
                return 0;
        }
        if (vs->n == vs->cap) {
                size_t cap = vs->cap ? vs->cap * 2 : 16;
                struct var *nv = reallocarray(vs->v, cap, sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                vs->v = nv;
                vs->cap = cap;
        }
        /* keep the index at most half full, so probes stay short */
        if ((vs->n + 1) * 2 > vs->n_slots) {
                int r = vars_reindex(vs, vs->n_slots ? vs->n_slots * 2 : 32);
                if (r < 0)
                        return r;
        }
        copy = strndup(name, n);
        if (!copy)
                return -ENOMEM;
        vs->v[vs->n] = (struct var){.name = copy, .value = TAKE_PTR(val)};
        vars_index(vs->slots, vs->n_slots, copy, vs->n);
        vs->n++;
        return 0;
}

/* "NAME=VALUE" for every variable, in order; NULL when out of memory. */
static char **
vars_strv(const struct vars *vs)
{
        _cleanup_(strv_freep) char **out = calloc(vs->n + 1, sizeof(*out));

        if (!out)
                return NULL;
        for (size_t i = 0; i < vs->n; i++) {
                const struct var *v = &vs->v[i];
                int r = v->value ? asprintf(&out[i], "%s=%s", v->name, v->value)
                                 : asprintf(&out[i], "%s", v->name);
                if (r < 0) {
                        out[i] = NULL;
                        return NULL;
                }
        }
        return TAKE_PTR(out);
}

/* Load "NAME=VALUE" strings; a later NAME wins. */
static int
vars_load(struct vars *vs, char *const *env)
{
        for (size_t i = 0; env && env[i]; i++) {
                const char *eq = strchr(env[i], '=');
                char *value = NULL;
                int r;

                if (eq && !(value = strdup(eq + 1)))
                        return -ENOMEM;
                r = vars_set(vs, env[i], eq ? (size_t)(eq - env[i]) : strlen(env[i]), value);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------ expansion */

/*
 * The expansion of in, names looked up in vs. The scan follows
 * expansion.Expand() byte for byte, so its corner cases ("$$$(A)", "$(",
 * "$(A$(B))") come out the same.
 */
static char *
expand(const char *in, const struct vars *vs)
{
        struct sbuf b = {0};
        size_t len = strlen(in), checkpoint = 0;

        for (size_t cursor = 0; cursor < len; cursor++) {
                size_t advance = 1;

                if (in[cursor] != '$' || cursor + 1 >= len)
                        continue;
                sbuf_add(&b, in + checkpoint, cursor - checkpoint);
                if (in[cursor + 1] == '$') {
                        sbuf_adds(&b, "$"); /* "$$" is an escaped "$" */
                } else if (in[cursor + 1] == '(') {
                        const char *close = strchr(in + cursor + 2, ')');

                        if (close) {
                                const char *name = in + cursor + 2;
                                size_t n = (size_t)(close - name);
                                const struct var *v = vars_find(vs, name, n);

                                if (v && v->value) {
                                        sbuf_adds(&b, v->value);
                                } else {
                                        /* unknown: left as written */
                                        sbuf_add(&b, in + cursor, n + 3);
                                }
                                advance = n + 2;
                        } else {
                                /* "$(" that never closes stays, and scanning goes on after it */
                                sbuf_adds(&b, "$(");
                        }
                } else {
                        /* "$" before anything else stays, with that byte */
                        sbuf_add(&b, in + cursor, 2);
                }
                cursor += advance;
                checkpoint = cursor + 1;
        }
        if (checkpoint < len)
                sbuf_add(&b, in + checkpoint, len - checkpoint);
        return sbuf_take(&b);
}

int
cspec_expand(const char *in, char *const *env, char **ret)
{
        _cleanup_(vars_done) struct vars vs = {0};
        char *out;

        if (vars_load(&vs, env) < 0)
                return -ENOMEM;
        out = expand(in, &vs);
        if (!out)
                return -ENOMEM;
        *ret = out;
        return 0;
}

static int
expand_list(const char *const *in, size_t n, const struct vars *vs, char ***ret)
{
        _cleanup_(strv_freep) char **out = NULL;

        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        out = calloc(n + 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(out[i] = expand(in[i], vs)))
                        return -ENOMEM;
        *ret = TAKE_PTR(out);
        return 0;
}

int
cspec_expand_command(const struct kube_container *c, char *const *env, char ***ret_command,
                     char ***ret_args, struct berr **err)
{
        _cleanup_(vars_done) struct vars vs = {0};
        _cleanup_(strv_freep) char **command = NULL, **args = NULL;

        if (vars_load(&vs, env) < 0 || expand_list(c->command, c->n_command, &vs, &command) < 0 ||
            expand_list(c->args, c->n_args, &vs, &args) < 0)
                return berr(err, ENOMEM, "expand command of container %s", c->name);
        *ret_command = TAKE_PTR(command);
        *ret_args = TAKE_PTR(args);
        return 0;
}

int
cspec_env_merge(char *const *image_env, char *const *env, char ***ret, struct berr **err)
{
        _cleanup_(vars_done) struct vars vs = {0};
        char **out;

        if (vars_load(&vs, image_env) < 0 || vars_load(&vs, env) < 0 || !(out = vars_strv(&vs)))
                return berr(err, ENOMEM, "merge environment");
        *ret = out;
        return 0;
}

/* ------------------------------------------------------------ the downward API */

static const char *
str_or_empty(const char *s)
{
        return s ? s : "";
}

static const char *
pod_namespace(const struct cspec_pod_info *pod)
{
        return pod->meta && pod->meta->namespace_ ? pod->meta->namespace_ : "default";
}

/* whether s[0..n) is word */
static bool
same(const char *s, size_t n, const char *word)
{
        return strlen(word) == n && strncmp(s, word, n) == 0;
}

static const char *
kv_get(const struct kube_kv *kv, size_t n, const char *key, size_t key_len)
{
        for (size_t i = 0; i < n; i++)
                if (kv[i].key && same(key, key_len, kv[i].key))
                        return kv[i].value;
        return NULL;
}

static char *
join_ips(const char *const *ips, size_t n)
{
        struct sbuf b = {0};

        for (size_t i = 0; i < n; i++) {
                if (i)
                        sbuf_adds(&b, ",");
                sbuf_adds(&b, ips[i]);
        }
        return sbuf_take(&b);
}

/*
 * fieldRef, as the kubelet's podFieldSelectorRuntimeValue() and
 * fieldpath.ExtractFieldPathAsString() read it: a missing label or
 * annotation is "".
 */
static int
field_value(const struct kube_field_ref *ref, const struct cspec_pod_info *pod, char **ret,
            struct berr **err)
{
        const char *p = ref->field_path ? ref->field_path : "";
        const struct kube_meta *m = pod->meta;
        const char *v = NULL, *key = NULL;
        size_t plen = strlen(p), key_len = 0;
        char *out;

        if (ref->api_version && ref->api_version[0] && strcmp(ref->api_version, "v1") != 0)
                return berr(err, 0, "unsupported pod version: %s", ref->api_version);

        /* metadata.labels['KEY'] and metadata.annotations['KEY'] (SplitMaybeSubscriptedPath) */
        if (plen > 2 && strcmp(p + plen - 2, "']") == 0) {
                const char *open = strstr(p, "['");
                if (open && open > p && open + 2 <= p + plen - 2) {
                        size_t head = (size_t)(open - p);

                        key = open + 2;
                        key_len = (size_t)(p + plen - 2 - key);
                        if (same(p, head, "metadata.labels"))
                                v = m ? kv_get(m->labels, m->n_labels, key, key_len) : NULL;
                        else if (same(p, head, "metadata.annotations"))
                                v = m ? kv_get(m->annotations, m->n_annotations, key, key_len)
                                      : NULL;
                        else
                                return berr(err, 0, "field label does not support subscript: %s",
                                            p);
                        out = strdup(str_or_empty(v));
                        goto done;
                }
        }

        if (strcmp(p, "metadata.name") == 0)
                v = m ? m->name : NULL;
        else if (strcmp(p, "metadata.namespace") == 0)
                v = pod_namespace(pod);
        else if (strcmp(p, "metadata.uid") == 0)
                v = pod->uid;
        else if (strcmp(p, "spec.nodeName") == 0)
                v = pod->node_name;
        else if (strcmp(p, "spec.serviceAccountName") == 0)
                v = pod->service_account_name;
        else if (strcmp(p, "status.hostIP") == 0)
                v = pod->n_host_ips ? pod->host_ips[0] : NULL;
        else if (strcmp(p, "status.podIP") == 0)
                v = pod->n_pod_ips ? pod->pod_ips[0] : NULL;
        else if (strcmp(p, "status.hostIPs") == 0) {
                out = join_ips(pod->host_ips, pod->n_host_ips);
                goto done;
        } else if (strcmp(p, "status.podIPs") == 0) {
                out = join_ips(pod->pod_ips, pod->n_pod_ips);
                goto done;
        } else
                return berr(err, 0, "field label not supported: %s", p);
        out = strdup(str_or_empty(v));
done:
        if (!out)
                return berr(err, ENOMEM, "env fieldRef %s", p);
        *ret = out;
        return 0;
}

/* ceil(a / b) for b > 0, as math.Ceil(float64(a) / float64(b)) without the float */
static int64_t
div_up(int64_t a, int64_t b)
{
        int64_t q = a / b;

        if (a % b != 0 && a > 0)
                q++;
        return q;
}

static const struct kube_container *
find_container(const struct kube_pod_spec *spec, const char *name, bool *ret_init)
{
        for (size_t i = 0; spec && i < spec->n_containers; i++)
                if (spec->containers[i].name && strcmp(spec->containers[i].name, name) == 0) {
                        *ret_init = false;
                        return &spec->containers[i];
                }
        for (size_t i = 0; spec && i < spec->n_init_containers; i++)
                if (spec->init_containers[i].name &&
                    strcmp(spec->init_containers[i].name, name) == 0) {
                        *ret_init = true;
                        return &spec->init_containers[i];
                }
        return NULL;
}

/* resourceFieldRef.resource, split: limit or request, and the resource's name */
static int
parse_resource_ref(const char *s, bool *ret_limit, const char **ret_name)
{
        static const char *const fixed[] = {"cpu", "memory", "ephemeral-storage", NULL};
        const char *name;
        bool limit;

        if (strncmp(s, "limits.", 7) == 0) {
                limit = true;
                name = s + 7;
        } else if (strncmp(s, "requests.", 9) == 0) {
                limit = false;
                name = s + 9;
        } else {
                return -EINVAL;
        }
        for (size_t i = 0; fixed[i]; i++)
                if (strcmp(name, fixed[i]) == 0)
                        goto ok;
        /* IsHugePageResourceName: "hugepages-" and a size */
        if (strncmp(name, "hugepages-", 10) != 0 || !name[10])
                return -EINVAL;
ok:
        *ret_limit = limit;
        *ret_name = name;
        return 0;
}

int
cspec_env_resource_value(const struct kube_resource_field_ref *ref, const struct kube_container *c,
                         const struct cspec_pod_info *pod, char **ret, struct berr **err)
{
        const char *res = ref->resource ? ref->resource : "";
        const struct kube_quantity *q = NULL;
        const struct kube_quantity *d = ref->divisor.text ? &ref->divisor.q : NULL;
        const char *name = NULL;
        bool limit = false, init = false, cpu;
        int64_t v = 0, div;

        if (ref->container_name && ref->container_name[0]) {
                c = find_container(pod->spec, ref->container_name, &init);
                if (!c)
                        return berr(err, 0, "container %s not found", ref->container_name);
        }
        if (parse_resource_ref(res, &limit, &name) < 0)
                return berr(err, 0, "unsupported container resource : %s", res);
        cpu = strcmp(name, "cpu") == 0;

        q = c->resources ? cspec_resource_get(c->resources, limit, name) : NULL;
        if (q && !kube_quantity_is_zero(q))
                v = cpu ? kube_quantity_milli(q) : kube_quantity_value(q);
        else if (limit && !init) {
                /* MergeContainerResourceLimits: the node's allocatable (hugepages excluded) */
                uint64_t alloc = 0;

                if (cpu)
                        alloc = pod->node_cpus > (uint64_t)INT64_MAX / 1000 ? (uint64_t)INT64_MAX
                                                                            : pod->node_cpus * 1000;
                else if (strcmp(name, "memory") == 0)
                        alloc = pod->node_memory;
                else if (strcmp(name, "ephemeral-storage") == 0)
                        alloc = pod->node_ephemeral_storage;
                v = alloc > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)alloc;
        }

        /* a zero divisor is 1, as ExtractContainerResourceValue has it */
        div = 1;
        if (d && !kube_quantity_is_zero(d))
                div = cpu ? kube_quantity_milli(d) : kube_quantity_value(d);
        else if (cpu)
                div = 1000;
        if (div <= 0)
                return berr(err, 0, "resourceFieldRef %s: divisor must be positive", res);

        if (asprintf(ret, "%" PRId64, div_up(v, div)) < 0)
                return berr(err, ENOMEM, "resourceFieldRef %s", res);
        return 0;
}

/* ------------------------------------------------------------ building the environment */

/* Kubernetes' classic IsEnvVarName: [-._a-zA-Z][-._a-zA-Z0-9]*, not "." or "..*" */
static bool
env_name_valid(const char *s)
{
        if (!s[0] || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (const char *p = s; *p; p++) {
                char ch = *p;
                bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                          (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_';
                if (!ok)
                        return false;
        }
        return strcmp(s, ".") != 0 && strncmp(s, "..", 2) != 0;
}

struct env_build {
        const struct kube_container *c;
        const struct cspec_pod_info *pod;
        const struct cspec_lookup *lookup;
        struct vars vars;
        char **warnings;
        size_t n_warnings;
        struct berr **err;
};

static int
warn_add(struct env_build *b, char *msg)
{
        char **w;

        if (!msg)
                return -ENOMEM;
        w = reallocarray(b->warnings, b->n_warnings + 2, sizeof(*w));
        if (!w) {
                free(msg);
                return -ENOMEM;
        }
        b->warnings = w;
        w[b->n_warnings++] = msg;
        w[b->n_warnings] = NULL;
        return 0;
}

static int
cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A value from a Secret as a C string: NUL inside cannot go into an environment. */
static int
secret_value(const struct kube_bytes *kb, const char *ns, const char *secret, char **ret,
             struct berr **err)
{
        char *s;

        if (kb->data && memchr(kb->data, '\0', kb->len))
                return berr(err, 0,
                            "key %s in Secret %s/%s holds a NUL byte, which an environment "
                            "variable cannot",
                            kb->key, ns, secret);
        s = strndup(kb->data ? (const char *)kb->data : "", kb->len);
        if (!s)
                return berr(err, ENOMEM, "environment from Secret %s/%s", ns, secret);
        *ret = s;
        return 0;
}

static int
get_configmap(struct env_build *b, const char *name, const struct kube_configmap **ret)
{
        if (!b->lookup || !b->lookup->configmap)
                return 0;
        return b->lookup->configmap(b->lookup->userdata, pod_namespace(b->pod), name, ret, b->err);
}

static int
get_secret(struct env_build *b, const char *name, const struct kube_secret **ret)
{
        if (!b->lookup || !b->lookup->secret)
                return 0;
        return b->lookup->secret(b->lookup->userdata, pod_namespace(b->pod), name, ret, b->err);
}

/*
 * One key of an envFrom source: set it, or remember it as invalid. The
 * value is taken over.
 */
static int
env_from_key(struct env_build *b, const char *prefix, const char *key, char *value, char ***invalid,
             size_t *n_invalid)
{
        _cleanup_free_ char *val = value, *name = NULL;
        char **inv;

        if (asprintf(&name, "%s%s", prefix, key) < 0) {
                name = NULL;
                return -ENOMEM;
        }
        if (env_name_valid(name))
                return vars_set(&b->vars, name, strlen(name), TAKE_PTR(val));
        inv = reallocarray(*invalid, *n_invalid + 1, sizeof(*inv));
        if (!inv)
                return -ENOMEM;
        *invalid = inv;
        inv[(*n_invalid)++] = TAKE_PTR(name);
        return 0;
}

static int
env_from(struct env_build *b, const struct kube_env_from *ef)
{
        const char *ns = pod_namespace(b->pod), *prefix = ef->prefix ? ef->prefix : "";
        const struct kube_local_ref *ref = ef->config_map_ref ? ef->config_map_ref : ef->secret_ref;
        bool is_cm = ef->config_map_ref != NULL;
        char **invalid = NULL;
        size_t n_invalid = 0;
        struct sbuf keys = {0};
        char *msg = NULL;
        int r = 0;

        if (!ref)
                return 0;
        if (is_cm) {
                const struct kube_configmap *cm = NULL;

                r = get_configmap(b, ref->name, &cm);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if (ref->optional.set && ref->optional.v)
                                return 0;
                        return berr(b->err, 0, "configmap \"%s\" not found", ref->name);
                }
                for (size_t i = 0; r >= 0 && i < cm->n_data; i++) {
                        char *v = strdup(str_or_empty(cm->data[i].value));
                        r = v ? env_from_key(b, prefix, cm->data[i].key, v, &invalid, &n_invalid)
                              : -ENOMEM;
                }
        } else {
                const struct kube_secret *s = NULL;

                r = get_secret(b, ref->name, &s);
                if (r < 0)
                        return r;
                if (r == 0) {
                        if (ref->optional.set && ref->optional.v)
                                return 0;
                        return berr(b->err, 0, "secret \"%s\" not found", ref->name);
                }
                for (size_t i = 0; r >= 0 && i < s->n_data; i++) {
                        char *v = NULL;

                        r = secret_value(&s->data[i], ns, ref->name, &v, b->err);
                        if (r >= 0)
                                r = env_from_key(b, prefix, s->data[i].key, v, &invalid,
                                                 &n_invalid);
                }
        }

        if (r >= 0 && n_invalid > 0) {
                /* the kubelet's InvalidEnvironmentVariableNames event */
                qsort(invalid, n_invalid, sizeof(*invalid), cmp_str);
                for (size_t i = 0; i < n_invalid; i++) {
                        if (i)
                                sbuf_adds(&keys, ", ");
                        sbuf_adds(&keys, invalid[i]);
                }
                if (keys.failed ||
                    asprintf(&msg,
                             "Keys [%s] from the EnvFrom %s %s/%s were skipped since they are "
                             "considered invalid environment variable names.",
                             keys.s ? keys.s : "", is_cm ? "configMap" : "secret", ns,
                             ref->name) < 0)
                        r = -ENOMEM;
                else
                        r = warn_add(b, msg);
        }
        for (size_t i = 0; i < n_invalid; i++)
                free(invalid[i]);
        free(invalid);
        free(keys.s);
        if (r == -ENOMEM)
                return berr(b->err, ENOMEM, "environment from %s %s",
                            is_cm ? "ConfigMap" : "Secret", ref->name);
        return r < 0 ? r : 0;
}

/*
 * The value of env entry e into *ret (malloc'd): 1, or 0 when an optional
 * source is missing and the variable stays as it was.
 */
static int
env_value(struct env_build *b, const struct kube_env *e, char **ret)
{
        const struct kube_env_source *src = e->value_from;
        const char *ns = pod_namespace(b->pod);
        int r;

        if ((e->value && e->value[0]) || !src) {
                char *v = expand(e->value ? e->value : "", &b->vars);
                if (!v)
                        return berr(b->err, ENOMEM, "env %s", e->name);
                *ret = v;
                return 1;
        }
        if (src->field_ref) {
                r = field_value(src->field_ref, b->pod, ret, b->err);
                return r < 0 ? r : 1;
        }
        if (src->resource_field_ref) {
                r = cspec_env_resource_value(src->resource_field_ref, b->c, b->pod, ret, b->err);
                return r < 0 ? r : 1;
        }
        if (src->config_map_key_ref) {
                const struct kube_key_ref *k = src->config_map_key_ref;
                bool optional = k->optional.set && k->optional.v;
                const struct kube_configmap *cm = NULL;

                r = get_configmap(b, k->name, &cm);
                if (r < 0)
                        return r;
                if (r == 0)
                        return optional ? 0
                                        : berr(b->err, 0, "configmap \"%s\" not found", k->name);
                for (size_t i = 0; i < cm->n_data; i++)
                        if (strcmp(cm->data[i].key, k->key) == 0) {
                                *ret = strdup(str_or_empty(cm->data[i].value));
                                if (!*ret)
                                        return berr(b->err, ENOMEM, "env %s", e->name);
                                return 1;
                        }
                return optional ? 0
                                : berr(b->err, 0, "couldn't find key %s in ConfigMap %s/%s", k->key,
                                       ns, k->name);
        }
        if (src->secret_key_ref) {
                const struct kube_key_ref *k = src->secret_key_ref;
                bool optional = k->optional.set && k->optional.v;
                const struct kube_secret *s = NULL;

                r = get_secret(b, k->name, &s);
                if (r < 0)
                        return r;
                if (r == 0)
                        return optional ? 0 : berr(b->err, 0, "secret \"%s\" not found", k->name);
                for (size_t i = 0; i < s->n_data; i++)
                        if (strcmp(s->data[i].key, k->key) == 0) {
                                r = secret_value(&s->data[i], ns, k->name, ret, b->err);
                                return r < 0 ? r : 1;
                        }
                return optional ? 0
                                : berr(b->err, 0, "couldn't find key %s in Secret %s/%s", k->key,
                                       ns, k->name);
        }
        /* a valueFrom with no source: the kubelet leaves the value "" */
        *ret = strdup("");
        if (!*ret)
                return berr(b->err, ENOMEM, "env %s", e->name);
        return 1;
}

int
cspec_env_build(const struct kube_container *c, const struct cspec_pod_info *pod,
                const struct cspec_lookup *lookup, char ***ret_env, char ***ret_warnings,
                struct berr **err)
{
        struct env_build b = {.c = c, .pod = pod, .lookup = lookup, .err = err};
        _cleanup_(strv_freep) char **env = NULL, **warnings = NULL;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < c->n_env_from; i++)
                r = env_from(&b, &c->env_from[i]);
        for (size_t i = 0; r >= 0 && i < c->n_env; i++) {
                const struct kube_env *e = &c->env[i];
                char *v = NULL;

                r = env_value(&b, e, &v);
                if (r > 0 && vars_set(&b.vars, e->name, strlen(e->name), v) < 0)
                        r = berr(err, ENOMEM, "env %s", e->name);
        }
        if (r >= 0) {
                env = vars_strv(&b.vars);
                warnings = b.warnings ? TAKE_PTR(b.warnings) : calloc(1, sizeof(char *));
                if (!env || !warnings)
                        r = berr(err, ENOMEM, "environment of container %s", c->name);
        }
        vars_done(&b.vars);
        strv_free(b.warnings);
        if (r < 0)
                return r;
        *ret_env = TAKE_PTR(env);
        *ret_warnings = TAKE_PTR(warnings);
        return 0;
}
