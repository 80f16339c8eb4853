/*
 * kube/types-config.c: ConfigMap and Secret (v1), with the rules of
 * pkg/apis/core/validation (ValidateConfigMap, ValidateSecret) and the
 * Secret conversion that merges stringData into data.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "types.h"
#include "util/base64.h"
#include "util/cleanup.h"

/* core.MaxSecretSize, which ConfigMaps share: what etcd takes in one value, with room */
#define MAX_DATA_SIZE (1024 * 1024)

static void kerror_key(struct kctx *c, const struct knode *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* An error at the key of map entry n rather than at its value. */
static void
kerror_key(struct kctx *c, const struct knode *n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        kdiag(c, KUBE_ERROR, KUBE_DIAG_RULE, n, true, NULL, fmt, ap);
        va_end(ap);
}

static const char *
type_hint(const json_t *v)
{
        if (json_is_boolean(v))
                return " (unquoted yes, no, on, off, true and false are booleans in YAML: quote "
                       "the value)";
        if (json_is_number(v))
                return " (quote the value)";
        return "";
}

static void
check_key(struct kctx *c, const struct knode *e)
{
        const char *why = kube_check_config_key(e->key);

        if (why)
                kerror_key(c, e, "key \"%s\" is not valid, expected %s", e->key, why);
}

static const struct kube_bytes *
bytes_find(const struct kube_bytes *b, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(b[i].key, key) == 0)
                        return &b[i];
        return NULL;
}

/*
 * One value of binaryData or Secret data at e: base64 as Go's
 * StdEncoding reads a []byte, decoded into memory of the document. Null
 * is an empty value, as Go's decoder leaves a nil slice. False when the
 * value is not valid (reported).
 */
static bool
decode_base64_value(struct kctx *c, const struct knode *e, struct kube_bytes *ret)
{
        _cleanup_free_ unsigned char *buf = NULL;
        const char *s;
        unsigned char *data;
        size_t len = 0, slen;
        int r;

        if (json_is_null(e->v)) {
                ret->data = (const unsigned char *)"";
                ret->len = 0;
                return true;
        }
        if (!json_is_string(e->v)) {
                char found[128];

                kerror(c, e, "found %s, expected a base64 string%s",
                       kfound(e->v, found, sizeof(found)), type_hint(e->v));
                return false;
        }
        s = json_string_value(e->v);
        slen = json_string_length(e->v);
        r = base64_decode(s, slen, &buf, &len);
        if (r == -ENOMEM) {
                c->oom = true;
                return false;
        }
        if (r < 0) {
                kerror(c, e,
                       "\"%.*s%s\" is not valid base64, expected standard base64 with = padding",
                       (int)(slen > 40 ? 40 : slen), s, slen > 40 ? "..." : "");
                return false;
        }
        data = kalloc(c, len + 1);
        if (!data)
                return false;
        memcpy(data, buf, len);
        data[len] = '\0';
        ret->data = data;
        ret->len = len;
        return true;
}

/*
 * The map of base64 values at n (binaryData, Secret data), keys checked as
 * ConfigMap keys. *ret_n counts the entries; those not valid keep an empty
 * value, so later rules still see the key.
 */
static struct kube_bytes *
decode_bytes_map(struct kctx *c, const struct knode *n, size_t *ret_n)
{
        struct kube_bytes *items;
        const char *key;
        json_t *val;
        size_t i = 0;

        *ret_n = 0;
        if (!n->v || json_is_null(n->v))
                return NULL;
        if (!json_is_object(n->v)) {
                char found[128];

                kerror(c, n, "found %s, expected a mapping", kfound(n->v, found, sizeof(found)));
                return NULL;
        }
        if (json_object_size(n->v) == 0)
                return NULL;
        items = kalloc_array(c, json_object_size(n->v), sizeof(*items));
        if (!items)
                return NULL;
        json_object_foreach (n->v, key, val) {
                struct knode e;

                knode_map_key(&e, n, key);
                check_key(c, &e);
                items[i].key = key;
                if (!decode_base64_value(c, &e, &items[i])) {
                        if (c->oom)
                                return NULL;
                        items[i].data = (const unsigned char *)"";
                        items[i].len = 0;
                }
                i++;
        }
        *ret_n = i;
        return items;
}

/* ------------------------------------------------------------ ConfigMap */

static void
validate_configmap(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_configmap *cm = obj;
        struct knode data, bin, e;
        uint64_t total = 0;

        kcheck_object_meta(c, n, &cm->meta);
        knode_key(&data, n, "data");
        knode_key(&bin, n, "binaryData");
        cm->binary_data = decode_bytes_map(c, &bin, &cm->n_binary_data);
        if (c->oom)
                return;
        for (size_t i = 0; i < cm->n_data; i++) {
                /* both would become the same file in a volume */
                if (bytes_find(cm->binary_data, cm->n_binary_data, cm->data[i].key))
                        kerror_key(c, knode_map_key(&e, &data, cm->data[i].key),
                                   "key \"%s\" is also in binaryData, expected each key in only "
                                   "one of data and binaryData",
                                   cm->data[i].key);
                total += strlen(cm->data[i].value);
        }
        for (size_t i = 0; i < cm->n_binary_data; i++)
                total += cm->binary_data[i].len;
        if (total > MAX_DATA_SIZE)
                kerror(c, n,
                       "%" PRIu64 " bytes of data and binaryData in all are too long, expected at "
                       "most %d",
                       total, MAX_DATA_SIZE);
}

static const struct kfield configmap_fields[] = {
        KSILENT("apiVersion"),
        KSILENT("kind"),
        KFIELD(struct kube_configmap, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        KLIST(struct kube_configmap, "data", KF_STRMAP, data, .check = kube_check_config_key),
        /* base64 values: decoded by validate_configmap() */
        KSILENT("binaryData"),
        KFIELD(struct kube_configmap, "immutable", KF_BOOL, immutable),
        KEND,
};

const struct ktype ktype_configmap = {
        .name = "ConfigMap",
        .size = sizeof(struct kube_configmap),
        .fields = configmap_fields,
        .validate = validate_configmap,
};

/* ------------------------------------------------------------ Secret */

/*
 * Where a merged key came from: stringData wins, as in the conversion, so
 * an error about its value points there.
 */
static const struct knode *
secret_value_node(struct knode *ret, const struct knode *data, const struct knode *string_data,
                  const char *key)
{
        if (json_is_object(string_data->v) && json_object_get(string_data->v, key))
                return knode_map_key(ret, string_data, key);
        return knode_map_key(ret, data, key);
}

/*
 * stringData merged over data, as Convert_v1_Secret_To_core_Secret() does
 * before any rule runs: a key in both takes the stringData value.
 */
static void
merge_string_data(struct kctx *c, const struct knode *sd, struct kube_secret *s)
{
        struct kube_bytes *all;
        const char *key;
        json_t *val;
        char found[128];

        if (!sd->v || json_is_null(sd->v))
                return;
        if (!json_is_object(sd->v)) {
                kerror(c, sd, "found %s, expected a mapping", kfound(sd->v, found, sizeof(found)));
                return;
        }
        if (json_object_size(sd->v) == 0)
                return;
        all = kalloc_array(c, s->n_data + json_object_size(sd->v), sizeof(*all));
        if (!all)
                return;
        if (s->n_data)
                memcpy(all, s->data, s->n_data * sizeof(*all));
        json_object_foreach (sd->v, key, val) {
                struct kube_bytes *b = (struct kube_bytes *)bytes_find(all, s->n_data, key);
                struct knode e;

                knode_map_key(&e, sd, key);
                if (!b) {
                        /* a key also in data was checked there */
                        check_key(c, &e);
                        b = &all[s->n_data++];
                        b->key = key;
                }
                if (!json_is_string(val)) {
                        kerror(c, &e, "found %s, expected a string%s",
                               kfound(val, found, sizeof(found)), type_hint(val));
                        b->data = (const unsigned char *)"";
                        b->len = 0;
                        continue;
                }
                b->data = (const unsigned char *)json_string_value(val);
                b->len = json_string_length(val);
        }
        s->data = all;
}

/* What a typed Secret must hold; service-account-token is checked on its own. */
struct secret_rule {
        const char *type;
        const char *keys[2];
        bool any;      /* one of keys is enough (basic-auth) */
        bool nonempty; /* the key's value may not be empty (ssh-auth) */
        bool json;     /* the value must be a JSON object (docker configs) */
};

static const struct secret_rule secret_rules[] = {
        {.type = "kubernetes.io/dockercfg", .keys = {".dockercfg"}, .json = true},
        {.type = "kubernetes.io/dockerconfigjson", .keys = {".dockerconfigjson"}, .json = true},
        {.type = "kubernetes.io/basic-auth", .keys = {"username", "password"}, .any = true},
        {.type = "kubernetes.io/ssh-auth", .keys = {"ssh-privatekey"}, .nonempty = true},
        {.type = "kubernetes.io/tls", .keys = {"tls.crt", "tls.key"}},
};

static void
check_secret_json(struct kctx *c, const struct knode *e, const struct kube_bytes *b,
                  const char *type)
{
        json_error_t jerr;
        json_t *j;

        /* Go's json.Unmarshal() into a map: any JSON parses, only an object fits */
        j = json_loadb((const char *)b->data, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!j) {
                kerror(c, e,
                       "is not valid JSON (%s at line %d column %d), expected a JSON object "
                       "for type %s",
                       jerr.text, jerr.line, jerr.column, type);
                return;
        }
        if (!json_is_object(j))
                kerror(c, e, "is a JSON %s, expected a JSON object for type %s",
                       json_is_array(j)    ? "array"
                       : json_is_string(j) ? "string"
                       : json_is_number(j) ? "number"
                       : json_is_null(j)   ? "null"
                                           : "boolean",
                       type);
        json_decref(j);
}

static void
check_secret_type(struct kctx *c, const struct knode *n, const struct kube_secret *s)
{
        const struct secret_rule *rule = NULL;
        struct knode data, sd, md, ann, e;

        knode_key(&data, n, "data");
        knode_key(&sd, n, "stringData");
        if (strcmp(s->type, "kubernetes.io/service-account-token") == 0) {
                const char *name = NULL;

                for (size_t i = 0; i < s->meta.n_annotations; i++)
                        if (strcmp(s->meta.annotations[i].key,
                                   "kubernetes.io/service-account.name") == 0)
                                name = s->meta.annotations[i].value;
                if (!name || !name[0]) {
                        knode_key(&md, n, "metadata");
                        knode_key(&ann, &md, "annotations");
                        kerror(c, knode_map_key(&e, &ann, "kubernetes.io/service-account.name"),
                               "missing, expected the name of the service account for type %s",
                               s->type);
                }
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(secret_rules); i++)
                if (strcmp(s->type, secret_rules[i].type) == 0)
                        rule = &secret_rules[i];
        if (!rule)
                return; /* Opaque, or a type of the user's own: anything goes */

        if (rule->any) {
                if (!bytes_find(s->data, s->n_data, rule->keys[0]) &&
                    !bytes_find(s->data, s->n_data, rule->keys[1]))
                        kerror(c, &data,
                               "has neither %s nor %s, expected at least one of them for type %s",
                               rule->keys[0], rule->keys[1], s->type);
                return;
        }
        for (size_t k = 0; k < ELEMENTSOF(rule->keys) && rule->keys[k]; k++) {
                const char *key = rule->keys[k];
                const struct kube_bytes *b = bytes_find(s->data, s->n_data, key);

                secret_value_node(&e, &data, &sd, key);
                if (!b)
                        kerror(c, &e, "missing, expected a value in data or stringData for type %s",
                               s->type);
                else if (rule->nonempty && b->len == 0)
                        kerror(c, &e, "is empty, expected a value for type %s", s->type);
                else if (rule->json)
                        check_secret_json(c, &e, b, s->type);
        }
}

static void
validate_secret(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_secret *s = obj;
        struct knode data, sd;
        uint64_t total = 0;

        kcheck_object_meta(c, n, &s->meta);
        if (!s->type || !s->type[0])
                s->type = "Opaque";
        knode_key(&data, n, "data");
        knode_key(&sd, n, "stringData");
        s->data = decode_bytes_map(c, &data, &s->n_data);
        if (c->oom)
                return;
        merge_string_data(c, &sd, s);
        if (c->oom)
                return;
        for (size_t i = 0; i < s->n_data; i++)
                total += s->data[i].len;
        if (total > MAX_DATA_SIZE)
                kerror(c, &data,
                       "%" PRIu64 " bytes in all are too long, expected at most %d (stringData "
                       "included)",
                       total, MAX_DATA_SIZE);
        check_secret_type(c, n, s);
}

static const struct kfield secret_fields[] = {
        KSILENT("apiVersion"),
        KSILENT("kind"),
        KFIELD(struct kube_secret, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        /* any string: Kubernetes holds only its own types to a shape */
        KFIELD(struct kube_secret, "type", KF_STRING, type),
        /* base64 values, and plain ones merged over them: decoded by validate_secret() */
        KSILENT("data"),
        KSILENT("stringData"),
        KFIELD(struct kube_secret, "immutable", KF_BOOL, immutable),
        KEND,
};

const struct ktype ktype_secret = {
        .name = "Secret",
        .size = sizeof(struct kube_secret),
        .fields = secret_fields,
        .validate = validate_secret,
};
