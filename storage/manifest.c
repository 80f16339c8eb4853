/*
 * storage/manifest.c: manifests, indexes and image configs from a
 * registry. All of it is outside input: types are checked field by field
 * (unknown fields are ignored, as the image spec asks), and a string from
 * the document reaches a message only quoted, its control bytes escaped, so
 * a registry cannot write to the user's terminal through berth's errors.
 */
#include "storage/manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "storage/rfc3339.h"
#include "util/base64.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/strv.h"

/* A field path such as "manifests[12].platform.os.features[3]" */
#define FIELD_PATH_MAX 256
/* A string of the document in a message: 64 bytes shown, each at most 4 when escaped */
#define QUOTED_MAX (64 * 4 + 8)

static void
jsonp_free(json_t **j)
{
        if (*j)
                json_decref(*j);
}

static const char *const kind_media_types[_MANIFEST_KIND_MAX] = {
        [MANIFEST_OCI] = MEDIA_TYPE_OCI_MANIFEST,
        [MANIFEST_OCI_INDEX] = MEDIA_TYPE_OCI_INDEX,
        [MANIFEST_DOCKER] = MEDIA_TYPE_DOCKER_MANIFEST,
        [MANIFEST_DOCKER_LIST] = MEDIA_TYPE_DOCKER_LIST,
};

static const char *const kind_names[_MANIFEST_KIND_MAX] = {
        [MANIFEST_OCI] = "OCI image manifest",
        [MANIFEST_OCI_INDEX] = "OCI image index",
        [MANIFEST_DOCKER] = "Docker manifest",
        [MANIFEST_DOCKER_LIST] = "Docker manifest list",
};

const char *
manifest_kind_media_type(enum manifest_kind k)
{
        return k >= 0 && k < _MANIFEST_KIND_MAX ? kind_media_types[k] : NULL;
}

bool
manifest_kind_is_index(enum manifest_kind k)
{
        return k == MANIFEST_OCI_INDEX || k == MANIFEST_DOCKER_LIST;
}

static enum manifest_kind
kind_from_media_type(const char *s)
{
        for (int k = 0; k < _MANIFEST_KIND_MAX; k++)
                if (strcmp(s, kind_media_types[k]) == 0)
                        return (enum manifest_kind)k;
        return _MANIFEST_KIND_INVALID;
}

static bool
is_schema1(const char *media_type)
{
        return strcmp(media_type, "application/vnd.docker.distribution.manifest.v1+json") == 0 ||
               strcmp(media_type, "application/vnd.docker.distribution.manifest.v1+prettyjws") == 0;
}

/* s for a message into buf, its first 64 bytes, control bytes and non-ASCII as \xNN */
static const char *
escape(const char *s, char buf[QUOTED_MAX], bool quotes)
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0, i;

        if (quotes)
                buf[o++] = '\'';
        for (i = 0; i < 64 && s[i]; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch < 0x20 || ch >= 0x7f || (quotes && ch == '\'')) {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hex[ch >> 4];
                        buf[o++] = hex[ch & 15];
                } else {
                        buf[o++] = (char)ch;
                }
        }
        if (s[i]) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        if (quotes)
                buf[o++] = '\'';
        buf[o] = '\0';
        return buf;
}

/* s quoted for a message: 'abc\x1b...' */
static const char *
quote(const char *s, char buf[QUOTED_MAX])
{
        return escape(s, buf, true);
}

static const char *
type_name(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a number with a fraction or exponent";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
        default:
                return "null";
        }
}

/* What is being parsed, for the messages */
struct pctx {
        const char *doc; /* "OCI image manifest" */
        struct berr **err;
};

static int fail_msg(const struct pctx *c, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * fail_msg()'s value, spelled out: the analyzer follows no variadic call,
 * and would otherwise take every error path for a success.
 */
#define fail(c, path, ...) (fail_msg((c), (path), __VA_ARGS__) == -ENOMEM ? -ENOMEM : -EINVAL)

/* "DOC: PATH: MESSAGE", or "DOC: MESSAGE" for the whole document; -EINVAL or -ENOMEM */
static int
fail_msg(const struct pctx *c, const char *path, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                (void)berr(c->err, ENOMEM, "%s", c->doc);
                return -ENOMEM;
        }
        if (path && *path)
                (void)berr(c->err, 0, "%s: %s: %s", c->doc, path, msg);
        else
                (void)berr(c->err, 0, "%s: %s", c->doc, msg);
        return -EINVAL;
}

static int
oom(const struct pctx *c)
{
        (void)berr(c->err, ENOMEM, "%s", c->doc);
        return -ENOMEM;
}

static void
path_key(char buf[FIELD_PATH_MAX], const char *parent, const char *key)
{
        if (parent && *parent)
                (void)snprintf(buf, FIELD_PATH_MAX, "%.200s.%.40s", parent, key);
        else
                (void)snprintf(buf, FIELD_PATH_MAX, "%.200s", key);
}

static void
path_index(char buf[FIELD_PATH_MAX], const char *parent, size_t i)
{
        (void)snprintf(buf, FIELD_PATH_MAX, "%.200s[%zu]", parent, i);
}

static void
kv_free(struct manifest_kv *kv, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(kv[i].key);
                free(kv[i].value);
        }
        free(kv);
}

/*
 * obj[key] as *ret (borrowed from obj). Absent, or null where not
 * required (Go's decoder leaves the field empty for null, and Docker
 * writes null for empty fields), is *ret = NULL.
 */
static int
get_member(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           json_type type, bool required, json_t **ret)
{
        char path[FIELD_PATH_MAX];
        json_t *v = json_object_get(obj, key);

        *ret = NULL;
        if (!v || (json_is_null(v) && !required)) {
                if (!required)
                        return 0;
                path_key(path, parent, key);
                return fail(c, path, "missing");
        }
        if (json_typeof(v) != type) {
                path_key(path, parent, key);
                return fail(c, path, "expected %s, got %s",
                            type == JSON_OBJECT   ? "an object"
                            : type == JSON_ARRAY  ? "an array"
                            : type == JSON_STRING ? "a string"
                                                  : "an integer",
                            type_name(v));
        }
        *ret = v;
        return 0;
}

static int
get_string(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           bool required, const char **ret)
{
        json_t *v;
        int r = get_member(c, obj, parent, key, JSON_STRING, required, &v);

        if (r < 0)
                return r;
        *ret = v ? json_string_value(v) : NULL;
        if (required && !*ret) /* get_member() made sure; said again for the analyzer */
                return fail(c, parent, "%s: missing", key);
        return 0;
}

static int
dup_string(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           bool required, char **ret)
{
        const char *s;
        int r = get_string(c, obj, parent, key, required, &s);

        if (r < 0)
                return r;
        if (s && !(*ret = strdup(s)))
                return oom(c);
        return 0;
}

/* An array of strings as a NULL-terminated vector; absent or null: NULL, 0 */
static int
get_strv(const struct pctx *c, const json_t *obj, const char *parent, const char *key, char ***ret,
         size_t *ret_n)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX];
        char **v = NULL;
        json_t *a;
        size_t n;
        int r;

        r = get_member(c, obj, parent, key, JSON_ARRAY, false, &a);
        if (r < 0 || !a)
                return r;
        path_key(path, parent, key);
        n = json_array_size(a);
        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return oom(c);
        for (size_t i = 0; i < n; i++) {
                const json_t *e = json_array_get(a, i);

                if (!json_is_string(e)) {
                        path_index(item, path, i);
                        strv_free(v);
                        return fail(c, item, "expected a string, got %s", type_name(e));
                }
                v[i] = strdup(json_string_value(e));
                if (!v[i]) {
                        strv_free(v);
                        return oom(c);
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* An object of strings (annotations, labels) as pairs, in the document's order */
static int
get_kv(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
       struct manifest_kv **ret, size_t *ret_n)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX + QUOTED_MAX], q[QUOTED_MAX];
        struct manifest_kv *kv;
        const char *k;
        json_t *o, *v;
        size_t n = 0;
        int r;

        r = get_member(c, obj, parent, key, JSON_OBJECT, false, &o);
        if (r < 0 || !o)
                return r;
        path_key(path, parent, key);
        kv = calloc(json_object_size(o) + 1, sizeof(*kv));
        if (!kv)
                return oom(c);
        json_object_foreach (o, k, v) {
                if (!json_is_string(v)) {
                        (void)snprintf(item, sizeof(item), "%.200s[%s]", path, quote(k, q));
                        kv_free(kv, n);
                        return fail(c, item, "expected a string, got %s", type_name(v));
                }
                kv[n].key = strdup(k);
                kv[n].value = strdup(json_string_value(v));
                n++;
                if (!kv[n - 1].key || !kv[n - 1].value) {
                        kv_free(kv, n);
                        return oom(c);
                }
        }
        *ret = kv;
        *ret_n = n;
        return 0;
}

/*
 * RFC 6838 names as the image spec's descriptor.md constrains them:
 * type "/" subtype, each [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}.
 */
static bool
media_type_valid(const char *s)
{
        static const char extra[] = "!#$&^_.+-";
        int part = 0;
        size_t n = 0;

        for (; *s; s++) {
                if (*s == '/') {
                        if (part || n == 0)
                                return false;
                        part = 1;
                        n = 0;
                        continue;
                }
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || (n > 0 && strchr(extra, *s))))
                        return false;
                if (++n > 127)
                        return false;
        }
        return part == 1 && n > 0;
}

static int
get_media_type(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
               bool required, const char **ret)
{
        char path[FIELD_PATH_MAX], q[QUOTED_MAX];
        const char *s;
        int r = get_string(c, obj, parent, key, required, &s);

        if (r < 0)
                return r;
        if (s && !media_type_valid(s)) {
                path_key(path, parent, key);
                return fail(c, path, "%s is not a media type", quote(s, q));
        }
        *ret = s;
        return 0;
}

static void
descriptor_done(struct descriptor *d)
{
        free(d->media_type);
        free(d->artifact_type);
        strv_free(d->urls);
        kv_free(d->annotations, d->n_annotations);
        *d = (struct descriptor){0};
}

const char *
descriptor_annotation(const struct descriptor *d, const char *key)
{
        for (size_t i = 0; i < d->n_annotations; i++)
                if (strcmp(d->annotations[i].key, key) == 0)
                        return d->annotations[i].value;
        return NULL;
}

/* A URL, as far as a message needs it: printable ASCII, no spaces */
static bool
url_printable(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s >= 0x7f)
                        return false;
        return true;
}

/* The embedded data of an OCI 1.1 descriptor must be the blob it describes. */
static int
check_data(const struct pctx *c, const char *path, const char *data, const struct descriptor *d)
{
        _cleanup_free_ unsigned char *bytes = NULL;
        char got[DIGEST_STRING_MAX];
        size_t n;

        if (base64_decode(data, strlen(data), &bytes, &n) < 0)
                return fail(c, path, "not base64");
        if (n != d->size)
                return fail(c, path, "%zu bytes, but size says %" PRIu64, n, d->size);
        if (digest_buffer(bytes, n, got) < 0)
                return oom(c);
        if (strcmp(got, d->digest) != 0)
                return fail(c, path, "the bytes have digest %s, not %s", got, d->digest);
        return 0;
}

static int
parse_descriptor(const struct pctx *c, const json_t *v, const char *path, struct descriptor *ret)
{
        struct descriptor d = {0};
        char sub[FIELD_PATH_MAX], q[QUOTED_MAX];
        const char *s;
        json_t *size;
        json_int_t n;
        int r;

        if (!json_is_object(v))
                return fail(c, path, "expected an object, got %s", type_name(v));

        r = get_media_type(c, v, path, "mediaType", true, &s);
        if (r < 0)
                return r;
        d.media_type = strdup(s);
        if (!d.media_type)
                return oom(c);

        r = get_string(c, v, path, "digest", true, &s);
        if (r < 0)
                goto fail;
        if (!digest_valid(s)) {
                path_key(sub, path, "digest");
                r = fail(c, sub, "%s is not a sha256 digest", quote(s, q));
                goto fail;
        }
        memcpy(d.digest, s, DIGEST_STRING_MAX);

        r = get_member(c, v, path, "size", JSON_INTEGER, true, &size);
        if (r < 0)
                goto fail;
        n = json_integer_value(size);
        if (n < 0 || (uint64_t)n > DESCRIPTOR_SIZE_MAX) {
                path_key(sub, path, "size");
                r = fail(c, sub, "%" JSON_INTEGER_FORMAT " is out of range (0 to 2^53)", n);
                goto fail;
        }
        d.size = (uint64_t)n;

        r = get_media_type(c, v, path, "artifactType", false, &s);
        if (r < 0)
                goto fail;
        if (s && !(d.artifact_type = strdup(s))) {
                r = oom(c);
                goto fail;
        }

        r = get_strv(c, v, path, "urls", &d.urls, &d.n_urls);
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < d.n_urls; i++)
                if (!url_printable(d.urls[i])) {
                        char item[FIELD_PATH_MAX];

                        path_key(sub, path, "urls");
                        path_index(item, sub, i);
                        r = fail(c, item, "%s is not a URL", quote(d.urls[i], q));
                        goto fail;
                }

        r = get_kv(c, v, path, "annotations", &d.annotations, &d.n_annotations);
        if (r < 0)
                goto fail;

        r = get_string(c, v, path, "data", false, &s);
        if (r < 0)
                goto fail;
        if (s) {
                path_key(sub, path, "data");
                r = check_data(c, sub, s, &d);
                if (r < 0)
                        goto fail;
        }

        *ret = d;
        return 0;
fail:
        descriptor_done(&d);
        return r;
}

static int
parse_subject(const struct pctx *c, const json_t *doc, struct descriptor **ret)
{
        _cleanup_free_ struct descriptor *d = NULL;
        json_t *v;
        int r;

        r = get_member(c, doc, "", "subject", JSON_OBJECT, false, &v);
        if (r < 0 || !v)
                return r;
        d = calloc(1, sizeof(*d));
        if (!d)
                return oom(c);
        r = parse_descriptor(c, v, "subject", d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(d);
        return 0;
}

static const struct layer_type {
        const char *media_type;
        enum layer_compression compression;
        bool foreign;
} layer_types[] = {
        {"application/vnd.oci.image.layer.v1.tar", LAYER_UNCOMPRESSED, false},
        {"application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP, false},
        {"application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD, false},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_UNCOMPRESSED, true},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP, true},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD, true},
        {"application/vnd.docker.image.rootfs.diff.tar", LAYER_UNCOMPRESSED, false},
        {"application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP, false},
        {"application/vnd.docker.image.rootfs.foreign.diff.tar", LAYER_UNCOMPRESSED, true},
        {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP, true},
};

static const struct layer_type *
layer_type_find(const char *media_type)
{
        for (size_t i = 0; i < ELEMENTSOF(layer_types); i++)
                if (strcmp(layer_types[i].media_type, media_type) == 0)
                        return &layer_types[i];
        return NULL;
}

int
image_layer_unavailable(const struct image_layer *l, struct berr **err)
{
        char q[QUOTED_MAX];

        if (!l->foreign || l->desc.n_urls == 0)
                return berr(err, 0, "layer %s is not in the registry", l->desc.digest);
        return berr(err, 0,
                    "layer %s is a foreign layer the registry does not have, and berth does "
                    "not fetch layers from the urls a manifest names (%s%s)",
                    l->desc.digest, quote(l->desc.urls[0], q), l->desc.n_urls > 1 ? ", ..." : "");
}

static int
parse_layers(const struct pctx *c, const json_t *doc, struct image_manifest *m)
{
        char path[FIELD_PATH_MAX], sub[FIELD_PATH_MAX], q[QUOTED_MAX];
        json_t *a, *e;
        size_t i;
        int r;

        r = get_member(c, doc, "", "layers", JSON_ARRAY, true, &a);
        if (r < 0)
                return r;
        m->layers = calloc(json_array_size(a) + 1, sizeof(*m->layers));
        if (!m->layers)
                return oom(c);
        json_array_foreach (a, i, e) {
                struct image_layer *l = &m->layers[i];
                const struct layer_type *t;

                path_index(path, "layers", i);
                r = parse_descriptor(c, e, path, &l->desc);
                if (r < 0)
                        return r;
                m->n_layers++;
                /*
                 * Both families in both kinds of manifest: tools have written
                 * Docker layer types into OCI manifests, and containerd and
                 * podman pull those.
                 */
                t = layer_type_find(l->desc.media_type);
                if (!t) {
                        path_key(sub, path, "mediaType");
                        return fail(c, sub, "%s is not a layer type berth can unpack",
                                    quote(l->desc.media_type, q));
                }
                l->compression = t->compression;
                l->foreign = t->foreign;
        }
        return 0;
}

static void
image_manifest_free(struct image_manifest *m)
{
        if (!m)
                return;
        descriptor_done(&m->config);
        for (size_t i = 0; i < m->n_layers; i++)
                descriptor_done(&m->layers[i].desc);
        free(m->layers);
        free(m->artifact_type);
        if (m->subject)
                descriptor_done(m->subject);
        free(m->subject);
        kv_free(m->annotations, m->n_annotations);
        free(m);
}

static int
parse_image_manifest(const struct pctx *c, const json_t *doc, struct image_manifest **ret)
{
        struct image_manifest *m;
        char q[QUOTED_MAX];
        const char *s;
        json_t *v;
        int r;

        m = calloc(1, sizeof(*m));
        if (!m)
                return oom(c);
        r = get_member(c, doc, "", "config", JSON_OBJECT, true, &v);
        if (r < 0)
                goto fail;
        r = parse_descriptor(c, v, "config", &m->config);
        if (r < 0)
                goto fail;
        if (strcmp(m->config.media_type, MEDIA_TYPE_OCI_CONFIG) != 0 &&
            strcmp(m->config.media_type, MEDIA_TYPE_DOCKER_CONFIG) != 0) {
                /* an OCI artifact (a Helm chart, a signature): not something to run */
                r = fail(c, "config.mediaType", "%s is not an image config: not a container image",
                         quote(m->config.media_type, q));
                goto fail;
        }
        r = parse_layers(c, doc, m);
        if (r < 0)
                goto fail;
        r = get_media_type(c, doc, "", "artifactType", false, &s);
        if (r < 0)
                goto fail;
        if (s && !(m->artifact_type = strdup(s))) {
                r = oom(c);
                goto fail;
        }
        r = parse_subject(c, doc, &m->subject);
        if (r < 0)
                goto fail;
        r = get_kv(c, doc, "", "annotations", &m->annotations, &m->n_annotations);
        if (r < 0)
                goto fail;
        *ret = m;
        return 0;
fail:
        image_manifest_free(m);
        return r;
}

void
platform_done(struct platform *p)
{
        p->os_features = strv_free(p->os_features);
}

/* GOOS/GOARCH names and variants: letters, digits, "._+-" */
static bool
platform_name_valid(const char *s, bool empty_ok)
{
        size_t n = strlen(s);

        if (n >= PLATFORM_NAME_MAX || (n == 0 && !empty_ok))
                return false;
        return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-") == n;
}

static int
platform_field(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
               bool required, char out[PLATFORM_NAME_MAX])
{
        char path[FIELD_PATH_MAX], q[QUOTED_MAX];
        const char *s;
        int r = get_string(c, obj, parent, key, required, &s);

        if (r < 0 || !s)
                return r;
        if (!platform_name_valid(s, !required)) {
                path_key(path, parent, key);
                if (!*s)
                        return fail(c, path, "empty");
                return fail(c, path, "%s is not a platform name", quote(s, q));
        }
        memcpy(out, s, strlen(s) + 1); /* platform_name_valid() checked the length */
        return 0;
}

/*
 * The platform fields of obj: "architecture", "os", ... at the top of an
 * image config, in "platform" of an index entry.
 */
static int
parse_platform(const struct pctx *c, const json_t *obj, const char *path, struct platform *ret)
{
        struct platform p = {.os_features = NULL};
        size_t n = 0;
        int r;

        r = platform_field(c, obj, path, "architecture", true, p.architecture);
        if (r < 0)
                return r;
        r = platform_field(c, obj, path, "os", true, p.os);
        if (r < 0)
                return r;
        r = platform_field(c, obj, path, "variant", false, p.variant);
        if (r < 0)
                return r;
        r = platform_field(c, obj, path, "os.version", false, p.os_version);
        if (r < 0)
                return r;
        r = get_strv(c, obj, path, "os.features", &p.os_features, &n);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

static void
image_index_free(struct image_index *idx)
{
        if (!idx)
                return;
        for (size_t i = 0; i < idx->n_manifests; i++) {
                descriptor_done(&idx->manifests[i].desc);
                platform_done(&idx->manifests[i].platform);
        }
        free(idx->manifests);
        free(idx->artifact_type);
        if (idx->subject)
                descriptor_done(idx->subject);
        free(idx->subject);
        kv_free(idx->annotations, idx->n_annotations);
        free(idx->ref);
        free(idx);
}

static int
parse_index(const struct pctx *c, const json_t *doc, struct image_index **ret)
{
        char path[FIELD_PATH_MAX], sub[FIELD_PATH_MAX];
        struct image_index *idx;
        const char *s;
        json_t *a, *e, *p;
        size_t i;
        int r;

        idx = calloc(1, sizeof(*idx));
        if (!idx)
                return oom(c);
        r = get_member(c, doc, "", "manifests", JSON_ARRAY, true, &a);
        if (r < 0)
                goto fail;
        idx->manifests = calloc(json_array_size(a) + 1, sizeof(*idx->manifests));
        if (!idx->manifests) {
                r = oom(c);
                goto fail;
        }
        json_array_foreach (a, i, e) {
                struct index_entry *ent = &idx->manifests[i];

                path_index(path, "manifests", i);
                r = parse_descriptor(c, e, path, &ent->desc);
                if (r < 0)
                        goto fail;
                idx->n_manifests++;
                r = get_member(c, e, path, "platform", JSON_OBJECT, false, &p);
                if (r < 0)
                        goto fail;
                if (p) {
                        path_key(sub, path, "platform");
                        r = parse_platform(c, p, sub, &ent->platform);
                        if (r < 0)
                                goto fail;
                        ent->has_platform = true;
                }
        }
        r = get_media_type(c, doc, "", "artifactType", false, &s);
        if (r < 0)
                goto fail;
        if (s && !(idx->artifact_type = strdup(s))) {
                r = oom(c);
                goto fail;
        }
        r = parse_subject(c, doc, &idx->subject);
        if (r < 0)
                goto fail;
        r = get_kv(c, doc, "", "annotations", &idx->annotations, &idx->n_annotations);
        if (r < 0)
                goto fail;
        *ret = idx;
        return 0;
fail:
        image_index_free(idx);
        return r;
}

/* The media type of a Content-Type header: parameters and spaces off, lowercased. */
static int
content_type_media_type(const char *ct, char **ret)
{
        size_t n;
        char *s;

        ct += strspn(ct, " \t");
        n = strcspn(ct, ";");
        while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
                n--;
        s = strndup(ct, n);
        if (!s)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if (*p >= 'A' && *p <= 'Z')
                        *p = (char)(*p - 'A' + 'a');
        *ret = s;
        return 0;
}

/* Content types that say nothing about the document: the fields decide. */
static bool
content_type_generic(const char *mt)
{
        return !*mt || strcmp(mt, "application/json") == 0 || strcmp(mt, "text/plain") == 0 ||
               strcmp(mt, "application/octet-stream") == 0;
}

#define SCHEMA1_MESSAGE                                                                \
        "Docker schema 1 manifests are not supported (deprecated since Docker 1.10): " \
        "push the image again with a current client"

static int
decide_kind(const struct pctx *c, const json_t *doc, const char *content_type,
            enum manifest_kind *ret)
{
        _cleanup_free_ char *ct = NULL;
        enum manifest_kind ct_kind = _MANIFEST_KIND_INVALID, doc_kind = _MANIFEST_KIND_INVALID;
        char q[QUOTED_MAX];
        const char *mt = NULL;
        json_t *sv;
        int r;

        if (content_type) {
                if (content_type_media_type(content_type, &ct) < 0)
                        return oom(c);
                if (is_schema1(ct))
                        return fail(c, NULL, SCHEMA1_MESSAGE);
                if (!content_type_generic(ct)) {
                        ct_kind = kind_from_media_type(ct);
                        if (ct_kind < 0)
                                return fail(c, NULL,
                                            "the registry sent Content-Type %s, which is not an "
                                            "image manifest or index",
                                            quote(ct, q));
                }
        }

        r = get_member(c, doc, "", "schemaVersion", JSON_INTEGER, false, &sv);
        if (r < 0)
                return r;
        if (!sv)
                return fail(c, "schemaVersion", "missing");
        if (json_integer_value(sv) == 1)
                return fail(c, NULL, SCHEMA1_MESSAGE);
        if (json_integer_value(sv) != 2)
                return fail(c, "schemaVersion", "%" JSON_INTEGER_FORMAT ", expected 2",
                            json_integer_value(sv));

        r = get_media_type(c, doc, "", "mediaType", false, &mt);
        if (r < 0)
                return r;
        if (mt) {
                if (is_schema1(mt))
                        return fail(c, NULL, SCHEMA1_MESSAGE);
                doc_kind = kind_from_media_type(mt);
                if (doc_kind < 0)
                        return fail(c, "mediaType", "%s is not an image manifest or index",
                                    quote(mt, q));
        }

        if (ct_kind >= 0 && doc_kind >= 0 && ct_kind != doc_kind)
                return fail(c, NULL,
                            "the registry sent Content-Type %s for a document whose mediaType "
                            "is %s",
                            kind_media_types[ct_kind], kind_media_types[doc_kind]);
        /* OCI made mediaType optional; Docker's formats always carry it */
        if (doc_kind < 0 && (ct_kind == MANIFEST_DOCKER || ct_kind == MANIFEST_DOCKER_LIST))
                return fail(c, "mediaType", "missing, and %s requires it", kind_names[ct_kind]);
        if (doc_kind >= 0)
                *ret = doc_kind;
        else if (ct_kind >= 0)
                *ret = ct_kind;
        else if (json_object_get(doc, "manifests"))
                /* containers/image's GuessMIMEType: OCI documents may leave mediaType out */
                *ret = MANIFEST_OCI_INDEX;
        else if (json_object_get(doc, "config") || json_object_get(doc, "layers"))
                *ret = MANIFEST_OCI;
        else
                return fail(c, NULL,
                            "no mediaType, no telling Content-Type, and neither config nor "
                            "manifests: not an image manifest or index");
        return 0;
}

int
manifest_parse(const void *buf, size_t len, const char *content_type, struct manifest **ret,
               struct berr **err)
{
        _cleanup_(jsonp_free) json_t *doc = NULL;
        _cleanup_(manifest_freep) struct manifest *m = NULL;
        struct pctx c = {.doc = "manifest", .err = err};
        char text[QUOTED_MAX];
        json_error_t jerr;
        int r;

        if (len > MANIFEST_SIZE_MAX)
                return fail(&c, NULL, "%zu bytes, more than the 4 MiB a registry may serve", len);
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                /* jansson's text can quote the input: escape it as any other */
                return fail(&c, NULL, "invalid JSON at line %d column %d: %s", jerr.line,
                            jerr.column, escape(jerr.text, text, false));
        if (!json_is_object(doc))
                return fail(&c, NULL, "expected a JSON object, got %s", type_name(doc));

        m = calloc(1, sizeof(*m));
        if (!m)
                return oom(&c);
        r = decide_kind(&c, doc, content_type, &m->kind);
        if (r < 0)
                return r;
        c.doc = kind_names[m->kind];

        /* A document that could be read as either kind is refused (image-spec, and c/image). */
        if (manifest_kind_is_index(m->kind)) {
                if (json_object_get(doc, "config") || json_object_get(doc, "layers"))
                        return fail(&c, NULL,
                                    "has config or layers as an image manifest does: ambiguous");
                r = parse_index(&c, doc, &m->index);
        } else {
                if (json_object_get(doc, "manifests"))
                        return fail(&c, NULL, "has manifests as an index does: ambiguous");
                r = parse_image_manifest(&c, doc, &m->image);
        }
        if (r < 0)
                return r;

        m->raw = malloc(len + 1);
        if (!m->raw)
                return oom(&c);
        memcpy(m->raw, buf, len);
        m->raw[len] = '\0';
        m->raw_len = len;
        if (digest_buffer(buf, len, m->digest) < 0)
                return oom(&c);
        *ret = TAKE_PTR(m);
        return 0;
}

int
manifest_check_digest(const struct manifest *m, const char *want, struct berr **err)
{
        char q[QUOTED_MAX];

        if (!digest_valid(want))
                return berr(err, 0, "%s is not a sha256 digest", quote(want, q));
        if (strcmp(m->digest, want) != 0)
                return berr(err, 0, "the registry sent a manifest with digest %s for %s", m->digest,
                            want);
        return 0;
}

struct manifest *
manifest_free(struct manifest *m)
{
        if (m) {
                image_manifest_free(m->image);
                image_index_free(m->index);
                free(m->raw);
                free(m);
        }
        return NULL;
}

/* ---- platforms ---- */

void
platform_format(const struct platform *p, char buf[PLATFORM_STRING_MAX])
{
        (void)snprintf(buf, PLATFORM_STRING_MAX, "%s/%s%s%s", p->os, p->architecture,
                       p->variant[0] ? "/" : "", p->variant);
}

static void
set_name(char out[PLATFORM_NAME_MAX], const char *s)
{
        (void)snprintf(out, PLATFORM_NAME_MAX, "%s", s);
}

static void
lower_copy(char out[PLATFORM_NAME_MAX], const char *s)
{
        size_t i;

        for (i = 0; i < PLATFORM_NAME_MAX - 1 && s[i]; i++)
                out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
        out[i] = '\0';
}

int
platform_parse(const char *s, struct platform *ret, struct berr **err)
{
        char parts[3][PLATFORM_NAME_MAX] = {{0}};
        char q[QUOTED_MAX];
        const char *p = s;
        int n = 0;

        for (;;) {
                size_t len = strcspn(p, "/");
                char part[PLATFORM_NAME_MAX];

                if (n == 3 || len == 0 || len >= PLATFORM_NAME_MAX)
                        goto invalid;
                memcpy(part, p, len);
                part[len] = '\0';
                if (!platform_name_valid(part, false))
                        goto invalid;
                lower_copy(parts[n++], part);
                if (!p[len])
                        break;
                p += len + 1;
        }
        if (n < 2)
                goto invalid;
        *ret = (struct platform){.os_features = NULL};
        memcpy(ret->os, parts[0], sizeof(ret->os));
        memcpy(ret->architecture, parts[1], sizeof(ret->architecture));
        memcpy(ret->variant, parts[2], sizeof(ret->variant));
        return 0;
invalid:
        return berr(err, 0, "platform %s: expected os/arch or os/arch/variant (linux/arm64/v8)",
                    quote(s, q));
}

void
platform_host(struct platform *ret)
{
        static const struct {
                const char *machine, *arch, *variant;
        } arches[] = {
                {"x86_64", "amd64", ""},
                {"amd64", "amd64", ""},
                {"i386", "386", ""},
                {"i486", "386", ""},
                {"i586", "386", ""},
                {"i686", "386", ""},
                {"aarch64", "arm64", "v8"},
                {"arm64", "arm64", "v8"},
                {"ppc64le", "ppc64le", ""},
                {"ppc64", "ppc64", ""},
                {"s390x", "s390x", ""},
                {"riscv64", "riscv64", ""},
                {"loongarch64", "loong64", ""},
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                {"mips64", "mips64le", ""},
                {"mips", "mipsle", ""},
#else
                {"mips64", "mips64", ""},
                {"mips", "mips", ""},
#endif
        };
        struct utsname u;

        *ret = (struct platform){.os_features = NULL};
        set_name(ret->os, "linux");
        if (uname(&u) < 0) {
                /* uname() of a valid buffer does not fail; say what was built then */
                (void)snprintf(u.machine, sizeof(u.machine), "%s",
#if defined(__x86_64__)
                               "x86_64"
#elif defined(__aarch64__)
                               "aarch64"
#elif defined(__arm__)
                               "armv7l"
#elif defined(__i386__)
                               "i686"
#else
                               "unknown"
#endif
                );
        }
        for (size_t i = 0; i < ELEMENTSOF(arches); i++)
                if (strcmp(u.machine, arches[i].machine) == 0) {
                        set_name(ret->architecture, arches[i].arch);
                        set_name(ret->variant, arches[i].variant);
                        return;
                }
        if (strncmp(u.machine, "arm", 3) == 0) {
                /* armv5tel, armv6l, armv7l, armv8l (a 32-bit kernel on ARMv8): the variant is there
                 */
                set_name(ret->architecture, "arm");
                if (strncmp(u.machine, "armv", 4) == 0 && u.machine[4] >= '5' &&
                    u.machine[4] <= '8')
                        (void)snprintf(ret->variant, sizeof(ret->variant), "v%c", u.machine[4]);
                else
                        set_name(ret->variant, "v7");
                return;
        }
        lower_copy(ret->architecture, u.machine);
}

/* A platform as containerd's platforms.Normalize() has it, plus the default variants. */
struct norm {
        char os[PLATFORM_NAME_MAX];
        char arch[PLATFORM_NAME_MAX];
        char variant[PLATFORM_NAME_MAX];
};

static void
normalize(const struct platform *p, struct norm *n)
{
        const char *v;

        lower_copy(n->os, p->os);
        lower_copy(n->arch, p->architecture);
        lower_copy(n->variant, p->variant);
        v = n->variant;

        if (strcmp(n->arch, "i386") == 0 || strcmp(n->arch, "386") == 0) {
                set_name(n->arch, "386");
                n->variant[0] = '\0';
        } else if (strcmp(n->arch, "x86_64") == 0 || strcmp(n->arch, "x86-64") == 0 ||
                   strcmp(n->arch, "amd64") == 0) {
                set_name(n->arch, "amd64");
                if (strcmp(v, "v1") == 0)
                        n->variant[0] = '\0';
        } else if (strcmp(n->arch, "aarch64") == 0 || strcmp(n->arch, "arm64") == 0) {
                set_name(n->arch, "arm64");
                if (!*v || strcmp(v, "8") == 0 || strcmp(v, "v8.0") == 0)
                        set_name(n->variant, "v8");
                else if (strcmp(v, "9") == 0 || strcmp(v, "v9.0") == 0)
                        set_name(n->variant, "v9");
        } else if (strcmp(n->arch, "armhf") == 0) {
                set_name(n->arch, "arm");
                set_name(n->variant, "v7");
        } else if (strcmp(n->arch, "armel") == 0) {
                set_name(n->arch, "arm");
                set_name(n->variant, "v6");
        } else if (strcmp(n->arch, "arm") == 0) {
                if (!*v || strcmp(v, "7") == 0)
                        set_name(n->variant, "v7");
                else if (strcmp(v, "5") == 0 || strcmp(v, "6") == 0 || strcmp(v, "8") == 0)
                        (void)snprintf(n->variant, sizeof(n->variant), "v%c", v[0]);
        }
}

/* N of "vN" (1 to 99), or -1 */
static int
variant_number(const char *v)
{
        if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
                return -1;
        if (!v[2])
                return v[1] - '0';
        if (v[2] >= '0' && v[2] <= '9' && !v[3])
                return (v[1] - '0') * 10 + (v[2] - '0');
        return -1;
}

#define VARIANTS_MAX 16

/*
 * The variants an image may have to run on want, best first (containerd's
 * platformVector, within one architecture): arm vN runs v(N-1) down to v5,
 * arm64 vN down to v8, amd64 vN (x86-64-vN levels) down to baseline.
 */
static size_t
wanted_variants(const struct norm *want, char out[VARIANTS_MAX][PLATFORM_NAME_MAX])
{
        int n = variant_number(want->variant), low = 0;
        size_t k = 0;

        if (strcmp(want->arch, "arm") == 0)
                low = 5;
        else if (strcmp(want->arch, "arm64") == 0)
                low = 8;
        else if (strcmp(want->arch, "amd64") == 0)
                low = 2;
        if (low == 0 || n < low || n - low + 2 > VARIANTS_MAX) {
                set_name(out[k++], want->variant);
                return k;
        }
        for (int i = n; i >= low; i--)
                (void)snprintf(out[k++], PLATFORM_NAME_MAX, "v%d", i);
        if (strcmp(want->arch, "amd64") == 0)
                out[k++][0] = '\0'; /* plain amd64 is x86-64-v1 */
        return k;
}

static bool
entry_choosable(const struct index_entry *e)
{
        /* BuildKit's attestation manifests say unknown/unknown */
        return e->has_platform && strcmp(e->platform.os, "unknown") != 0 &&
               strcmp(e->platform.architecture, "unknown") != 0;
}

int
manifest_index_choose(const struct image_index *idx, const struct platform *want,
                      const struct index_entry **ret, struct berr **err)
{
        char variants[VARIANTS_MAX][PLATFORM_NAME_MAX], s[PLATFORM_STRING_MAX];
        const struct platform *listed[32];
        _cleanup_free_ char *list = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct norm w;
        size_t n_variants, list_len = 0, shown = 0;

        normalize(want, &w);
        n_variants = wanted_variants(&w, variants);
        for (size_t v = 0; v < n_variants; v++)
                for (size_t i = 0; i < idx->n_manifests; i++) {
                        const struct index_entry *e = &idx->manifests[i];
                        struct norm n;

                        if (!entry_choosable(e))
                                continue;
                        normalize(&e->platform, &n);
                        if (strcmp(n.os, w.os) == 0 && strcmp(n.arch, w.arch) == 0 &&
                            strcmp(n.variant, variants[v]) == 0) {
                                *ret = e;
                                return 0;
                        }
                }

        /*
         * What the index has, each platform once, in its order; the first
         * few only: an index of 4 MiB would make a message nobody reads,
         * and comparing each entry with all before it would take long.
         */
        f = open_memstream(&list, &list_len);
        if (!f)
                return berr(err, ENOMEM, "platform list");
        for (size_t i = 0; i < idx->n_manifests; i++) {
                const struct index_entry *e = &idx->manifests[i];
                bool seen = false;

                if (!entry_choosable(e))
                        continue;
                for (size_t j = 0; j < shown && !seen; j++)
                        seen = strcmp(listed[j]->os, e->platform.os) == 0 &&
                               strcmp(listed[j]->architecture, e->platform.architecture) == 0 &&
                               strcmp(listed[j]->variant, e->platform.variant) == 0;
                if (seen)
                        continue;
                if (shown == ELEMENTSOF(listed)) {
                        (void)fputs(", ...", f);
                        break;
                }
                listed[shown] = &e->platform;
                platform_format(&e->platform, s);
                (void)fprintf(f, "%s%s", shown++ ? ", " : "", s);
        }
        if (fclose(TAKE_PTR(f)) != 0)
                return berr(err, ENOMEM, "platform list");

        platform_format(want, s);
        return berr(err, 0, "no image for %s%s%s, the index %s%s", s, idx->ref ? " in " : "",
                    idx->ref ? idx->ref : "", shown ? "has " : "names no platforms",
                    shown ? list : "");
}

/* ---- image config ---- */

static void
history_free(struct image_history *h, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(h[i].created);
                free(h[i].created_by);
                free(h[i].author);
                free(h[i].comment);
        }
        free(h);
}

struct image_config *
image_config_free(struct image_config *c)
{
        if (!c)
                return NULL;
        free(c->raw);
        free(c->media_type);
        platform_done(&c->platform);
        free(c->created);
        free(c->author);
        free(c->user);
        strv_free(c->env);
        strv_free(c->entrypoint);
        strv_free(c->cmd);
        free(c->working_dir);
        kv_free(c->labels, c->n_labels);
        free(c->exposed_ports);
        strv_free(c->volumes);
        free(c->stop_signal);
        strv_free(c->diff_ids);
        history_free(c->history, c->n_history);
        free(c);
        return NULL;
}

static int
parse_created(const struct pctx *c, const json_t *obj, const char *parent, char **ret,
              int64_t *ret_sec)
{
        char path[FIELD_PATH_MAX], q[QUOTED_MAX];
        const char *s;
        int r = get_string(c, obj, parent, "created", false, &s);

        if (r < 0 || !s)
                return r;
        /* Go reads it into a time.Time: anything else fails there too */
        if (rfc3339_parse(s, ret_sec) < 0) {
                path_key(path, parent, "created");
                return fail(c, path, "%s is not an RFC 3339 time", quote(s, q));
        }
        *ret = strdup(s);
        return *ret ? 0 : oom(c);
}

/* "80/tcp", "53/udp", "8080" (tcp), as Docker's nat.ParsePort reads the keys */
static int
parse_port(const char *key, struct image_port *ret)
{
        const char *slash = strchr(key, '/');
        const char *proto = slash ? slash + 1 : "tcp";
        size_t digits = slash ? (size_t)(slash - key) : strlen(key);
        unsigned long port = 0;

        if (digits == 0 || digits > 5 || strspn(key, "0123456789") != digits)
                return -EINVAL;
        for (size_t i = 0; i < digits; i++)
                port = port * 10 + (unsigned long)(key[i] - '0');
        if (port == 0 || port > 65535)
                return -EINVAL;
        if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "sctp") != 0)
                return -EINVAL;
        ret->port = (uint16_t)port;
        (void)snprintf(ret->protocol, sizeof(ret->protocol), "%s", proto);
        return 0;
}

/* An object used as a set ({"80/tcp": {}}): its keys */
static int
get_set(const struct pctx *c, const json_t *obj, const char *parent, const char *key, json_t **ret)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX + QUOTED_MAX], q[QUOTED_MAX];
        const char *k;
        json_t *o, *v;
        int r;

        r = get_member(c, obj, parent, key, JSON_OBJECT, false, &o);
        if (r < 0 || !o)
                return r;
        path_key(path, parent, key);
        json_object_foreach (o, k, v) {
                if (!json_is_object(v)) {
                        (void)snprintf(item, sizeof(item), "%.200s[%s]", path, quote(k, q));
                        return fail(c, item, "expected an object, got %s", type_name(v));
                }
        }
        *ret = o;
        return 0;
}

static int
parse_container_config(const struct pctx *c, const json_t *doc, struct image_config *ic)
{
        char path[FIELD_PATH_MAX + QUOTED_MAX], q[QUOTED_MAX];
        const char *k;
        json_t *cc, *o, *v;
        size_t i = 0;
        int r;

        r = get_member(c, doc, "", "config", JSON_OBJECT, false, &cc);
        if (r < 0 || !cc)
                return r;
        r = dup_string(c, cc, "config", "User", false, &ic->user);
        if (r < 0)
                return r;
        r = get_strv(c, cc, "config", "Env", &ic->env, &ic->n_env);
        if (r < 0)
                return r;
        r = get_strv(c, cc, "config", "Entrypoint", &ic->entrypoint, &ic->n_entrypoint);
        if (r < 0)
                return r;
        r = get_strv(c, cc, "config", "Cmd", &ic->cmd, &ic->n_cmd);
        if (r < 0)
                return r;
        r = dup_string(c, cc, "config", "WorkingDir", false, &ic->working_dir);
        if (r < 0)
                return r;
        r = get_kv(c, cc, "config", "Labels", &ic->labels, &ic->n_labels);
        if (r < 0)
                return r;
        r = dup_string(c, cc, "config", "StopSignal", false, &ic->stop_signal);
        if (r < 0)
                return r;

        o = NULL;
        r = get_set(c, cc, "config", "ExposedPorts", &o);
        if (r < 0)
                return r;
        if (o) {
                ic->exposed_ports = calloc(json_object_size(o) + 1, sizeof(*ic->exposed_ports));
                if (!ic->exposed_ports)
                        return oom(c);
                json_object_foreach (o, k, v) {
                        if (parse_port(k, &ic->exposed_ports[i]) < 0) {
                                (void)snprintf(path, sizeof(path), "config.ExposedPorts[%s]",
                                               quote(k, q));
                                return fail(c, path, "not port/protocol (80/tcp, 53/udp)");
                        }
                        ic->n_exposed_ports = ++i;
                }
        }

        o = NULL;
        r = get_set(c, cc, "config", "Volumes", &o);
        if (r < 0)
                return r;
        if (o) {
                ic->volumes = calloc(json_object_size(o) + 1, sizeof(*ic->volumes));
                if (!ic->volumes)
                        return oom(c);
                i = 0;
                json_object_foreach (o, k, v) {
                        ic->volumes[i] = strdup(k);
                        if (!ic->volumes[i])
                                return oom(c);
                        ic->n_volumes = ++i;
                }
        }
        return 0;
}

static int
parse_rootfs(const struct pctx *c, const json_t *doc, struct image_config *ic)
{
        char path[FIELD_PATH_MAX], q[QUOTED_MAX];
        const char *type;
        json_t *rootfs, *ids;
        int r;

        r = get_member(c, doc, "", "rootfs", JSON_OBJECT, true, &rootfs);
        if (r < 0)
                return r;
        r = get_string(c, rootfs, "rootfs", "type", true, &type);
        if (r < 0)
                return r;
        if (strcmp(type, "layers") != 0)
                return fail(c, "rootfs.type", "%s, expected 'layers'", quote(type, q));
        r = get_member(c, rootfs, "rootfs", "diff_ids", JSON_ARRAY, true, &ids);
        if (r < 0)
                return r;
        r = get_strv(c, rootfs, "rootfs", "diff_ids", &ic->diff_ids, &ic->n_diff_ids);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ic->n_diff_ids; i++)
                if (!digest_valid(ic->diff_ids[i])) {
                        path_index(path, "rootfs.diff_ids", i);
                        return fail(c, path, "%s is not a sha256 digest",
                                    quote(ic->diff_ids[i], q));
                }
        return 0;
}

static int
parse_history(const struct pctx *c, const json_t *doc, struct image_config *ic)
{
        char path[FIELD_PATH_MAX];
        json_t *a, *e, *b;
        int64_t sec;
        size_t i;
        int r;

        r = get_member(c, doc, "", "history", JSON_ARRAY, false, &a);
        if (r < 0 || !a)
                return r;
        ic->history = calloc(json_array_size(a) + 1, sizeof(*ic->history));
        if (!ic->history)
                return oom(c);
        json_array_foreach (a, i, e) {
                struct image_history *h = &ic->history[i];

                path_index(path, "history", i);
                if (!json_is_object(e))
                        return fail(c, path, "expected an object, got %s", type_name(e));
                ic->n_history = i + 1;
                r = parse_created(c, e, path, &h->created, &sec);
                if (r < 0)
                        return r;
                r = dup_string(c, e, path, "created_by", false, &h->created_by);
                if (r < 0)
                        return r;
                r = dup_string(c, e, path, "author", false, &h->author);
                if (r < 0)
                        return r;
                r = dup_string(c, e, path, "comment", false, &h->comment);
                if (r < 0)
                        return r;
                b = json_object_get(e, "empty_layer");
                if (b && !json_is_boolean(b) && !json_is_null(b)) {
                        char sub[FIELD_PATH_MAX];

                        path_key(sub, path, "empty_layer");
                        return fail(c, sub, "expected a boolean, got %s", type_name(b));
                }
                h->empty_layer = json_is_true(b);
        }
        return 0;
}

int
image_config_parse(const void *buf, size_t len, const char *media_type, struct image_config **ret,
                   struct berr **err)
{
        _cleanup_(jsonp_free) json_t *doc = NULL;
        _cleanup_(image_config_freep) struct image_config *ic = NULL;
        struct pctx c = {.doc = "image config", .err = err};
        char q[QUOTED_MAX];
        json_error_t jerr;
        int r;

        if (!media_type || (strcmp(media_type, MEDIA_TYPE_OCI_CONFIG) != 0 &&
                            strcmp(media_type, MEDIA_TYPE_DOCKER_CONFIG) != 0))
                return fail(&c, NULL, "media type %s is not an image config",
                            quote(media_type ? media_type : "", q));
        if (len > IMAGE_CONFIG_SIZE_MAX)
                return fail(&c, NULL, "%zu bytes, more than the 4 MiB berth reads", len);
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                return fail(&c, NULL, "invalid JSON at line %d column %d: %s", jerr.line,
                            jerr.column, escape(jerr.text, q, false));
        if (!json_is_object(doc))
                return fail(&c, NULL, "expected a JSON object, got %s", type_name(doc));

        ic = calloc(1, sizeof(*ic));
        if (!ic)
                return oom(&c);
        ic->media_type = strdup(media_type);
        if (!ic->media_type)
                return oom(&c);
        r = parse_platform(&c, doc, "", &ic->platform);
        if (r < 0)
                return r;
        r = parse_created(&c, doc, "", &ic->created, &ic->created_sec);
        if (r < 0)
                return r;
        r = dup_string(&c, doc, "", "author", false, &ic->author);
        if (r < 0)
                return r;
        r = parse_container_config(&c, doc, ic);
        if (r < 0)
                return r;
        r = parse_rootfs(&c, doc, ic);
        if (r < 0)
                return r;
        r = parse_history(&c, doc, ic);
        if (r < 0)
                return r;

        ic->raw = malloc(len + 1);
        if (!ic->raw)
                return oom(&c);
        memcpy(ic->raw, buf, len);
        ic->raw[len] = '\0';
        ic->raw_len = len;
        if (digest_buffer(buf, len, ic->digest) < 0)
                return oom(&c);
        *ret = TAKE_PTR(ic);
        return 0;
}

int
manifest_check_config(const struct image_manifest *m, const struct image_config *config,
                      struct berr **err)
{
        if (strcmp(config->digest, m->config.digest) != 0)
                return berr(err, 0, "image config: digest %s, but the manifest names %s",
                            config->digest, m->config.digest);
        if (config->raw_len != m->config.size)
                return berr(err, 0, "image config: %zu bytes, but the manifest says %" PRIu64,
                            config->raw_len, m->config.size);
        if (config->n_diff_ids != m->n_layers)
                return berr(err, 0,
                            "image config: rootfs.diff_ids lists %zu layers but the manifest has "
                            "%zu",
                            config->n_diff_ids, m->n_layers);
        return 0;
}
