/*
 * kube/object.c: documents into objects. A document is one object, or a
 * List of them; apiVersion and kind pick the field table, everything else
 * is the engine's. Unknown kinds are skipped, not failed: a manifest
 * directory of a real application holds Services and Ingresses too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "types.h"
#include "util/berr.h"
#include "util/cleanup.h"

struct kube_doc_private {
        struct ydoc *ydoc;
        struct karena *arena;
        char *file;
};

struct kube_reader {
        struct yreader *y;
        struct kube_opts opts;
};

struct kind_info {
        const char *kind;
        const char *api_version;
        enum kube_kind id;
        const struct ktype *type;
};

static const struct kind_info kinds[] = {
        {"Pod", "v1", KUBE_POD, &ktype_pod},
        {"Deployment", "apps/v1", KUBE_DEPLOYMENT, &ktype_deployment},
        {"ConfigMap", "v1", KUBE_CONFIGMAP, &ktype_configmap},
        {"Secret", "v1", KUBE_SECRET, &ktype_secret},
        {"PersistentVolumeClaim", "v1", KUBE_PVC, &ktype_pvc},
};

/* next in line: skipped with a word that they are coming */
static const char *const planned_kinds[] = {"Service", "Job", "DaemonSet"};

const char *
kube_kind_name(enum kube_kind k)
{
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (kinds[i].id == k)
                        return kinds[i].kind;
        return NULL;
}

struct kube_doc *
kube_doc_free(struct kube_doc *d)
{
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_diags; i++) {
                free(d->diags[i].path);
                free(d->diags[i].msg);
        }
        free(d->diags);
        free(d->objects);
        free(d->skipped);
        if (d->priv) {
                ydoc_free(d->priv->ydoc);
                karena_free(d->priv->arena);
                free(d->priv->file);
                free(d->priv);
        }
        free(d);
        return NULL;
}

struct kube_reader *
kube_reader_free(struct kube_reader *r)
{
        if (r) {
                yreader_free(r->y);
                free(r);
        }
        return NULL;
}

static int
reader_wrap(struct yreader *y, const struct kube_opts *opts, struct kube_reader **ret,
            struct berr **err)
{
        struct kube_reader *r = calloc(1, sizeof(*r));

        if (!r) {
                yreader_free(y);
                return berr(err, ENOMEM, "%s", yreader_name(y));
        }
        r->y = y;
        if (opts)
                r->opts = *opts;
        *ret = r;
        return 0;
}

int
kube_reader_open(const char *path, const struct kube_opts *opts, struct kube_reader **ret,
                 struct berr **err)
{
        struct yreader *y = NULL;
        int k = yreader_new_file(path, &y, err);

        if (k < 0)
                return k;
        return reader_wrap(y, opts, ret, err);
}

int
kube_reader_open_buffer(const char *buf, size_t len, const char *name, const struct kube_opts *opts,
                        struct kube_reader **ret, struct berr **err)
{
        struct yreader *y = NULL;
        int k = yreader_new(buf, len, name, &y, err);

        if (k < 0)
                return k;
        return reader_wrap(y, opts, ret, err);
}

static const char *
string_field(const json_t *obj, const char *key)
{
        const json_t *v = json_object_get(obj, key);
        return json_is_string(v) ? json_string_value(v) : NULL;
}

static void
add_skipped(struct kctx *c, const struct knode *n, const char *api_version, const char *kind)
{
        struct kube_doc *d = c->out;
        struct kube_skipped *s = reallocarray(d->skipped, d->n_skipped + 1, sizeof(*s));
        const json_t *md = json_object_get(n->v, "metadata");
        struct ypos pos = knode_pos(c, n, false);

        if (!s) {
                c->oom = true;
                return;
        }
        d->skipped = s;
        s[d->n_skipped++] = (struct kube_skipped){
                .api_version = api_version,
                .kind = kind,
                .name = string_field(md, "name"),
                .namespace_ = string_field(md, "namespace"),
                .loc = {.file = c->file, .line = pos.line, .col = pos.col},
        };
}

static void
skip_kind(struct kctx *c, const struct knode *n, const char *api_version, const char *kind)
{
        struct knode k;
        bool planned = false;

        for (size_t i = 0; i < ELEMENTSOF(planned_kinds); i++)
                planned = planned || strcmp(kind, planned_kinds[i]) == 0;
        knode_key(&k, n, "kind");
        if (planned)
                kwarn(c, &k,
                      "%s is not supported yet, skipped (Service, Job and DaemonSet are next "
                      "in line)",
                      kind);
        else
                kwarn(c, &k,
                      "%s is not supported, skipped (berth runs Pod, Deployment, ConfigMap, "
                      "Secret and PersistentVolumeClaim)",
                      kind);
        /* mark it as a skip, not a rule, so callers can tell */
        c->out->diags[c->out->n_diags - 1].kind = KUBE_DIAG_SKIPPED;
        add_skipped(c, n, api_version, kind);
}

static void decode_node(struct kctx *c, const struct knode *n, bool in_list);

static void
decode_list_kind(struct kctx *c, const struct knode *n)
{
        struct knode items, item;

        knode_key(&items, n, "items");
        if (!items.v || json_is_null(items.v))
                return;
        if (!json_is_array(items.v)) {
                char buf[64];
                kerror(c, &items, "found %s, expected a list of objects",
                       kfound(items.v, buf, sizeof(buf)));
                return;
        }
        for (size_t i = 0; i < json_array_size(items.v); i++)
                decode_node(c, knode_idx(&item, &items, i), true);
}

static void
decode_node(struct kctx *c, const struct knode *n, bool in_list)
{
        struct kube_doc *d = c->out;
        const char *kind, *api_version;
        const struct kind_info *ki = NULL;
        struct knode k, a;
        struct kube_object *o;
        struct ypos pos;
        size_t errors_before = c->errors;
        void *typed;

        if (!n->v)
                return; /* an empty document whose problems the YAML reader reported */
        if (!json_is_object(n->v)) {
                char buf[64];
                kerror(c, n,
                       "found %s, expected a Kubernetes object (a mapping with apiVersion and "
                       "kind)",
                       kfound(n->v, buf, sizeof(buf)));
                return;
        }
        knode_key(&k, n, "kind");
        knode_key(&a, n, "apiVersion");
        kind = string_field(n->v, "kind");
        api_version = string_field(n->v, "apiVersion");
        if (!k.v || !kind) {
                char buf[64];
                if (!k.v)
                        kerror(c, &k,
                               "missing, expected the object's kind, such as Pod or "
                               "Deployment");
                else
                        kerror(c, &k, "found %s, expected a string", kfound(k.v, buf, sizeof(buf)));
                return;
        }
        if (!a.v || !api_version) {
                char buf[64];
                if (!a.v)
                        kerror(c, &a, "missing, expected the API version of %s, such as v1", kind);
                else
                        kerror(c, &a, "found %s, expected a string", kfound(a.v, buf, sizeof(buf)));
                return;
        }
        if (!in_list && strcmp(kind, "List") == 0 && strcmp(api_version, "v1") == 0) {
                decode_list_kind(c, n);
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (strcmp(kinds[i].kind, kind) == 0)
                        ki = &kinds[i];
        if (!ki) {
                skip_kind(c, n, api_version, kind);
                return;
        }
        if (strcmp(ki->api_version, api_version) != 0) {
                kerror(c, &a, "\"%s\" is not valid for a %s, expected %s", api_version, kind,
                       ki->api_version);
                return;
        }

        typed = kalloc(c, ki->type->size);
        o = reallocarray(d->objects, d->n_objects + 1, sizeof(*o));
        if (!typed || !o) {
                c->oom = true;
                return;
        }
        d->objects = o;
        o = &d->objects[d->n_objects++];
        pos = knode_pos(c, n, false);
        *o = (struct kube_object){
                .kind = ki->id,
                .api_version = api_version,
                .loc = {.file = c->file, .line = pos.line, .col = pos.col},
                .meta = typed, /* every top-level struct starts with its kube_meta */
                .pod = typed,
        };
        kdecode_object(c, n, ki->type, typed);
        o->valid = c->errors == errors_before;
}

static int
build_doc(struct kube_reader *r, struct ydoc *y, struct kube_doc **ret, struct berr **err)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
        struct knode root = {0};
        struct kctx c = {0};

        d = calloc(1, sizeof(*d));
        if (!d || !(d->priv = calloc(1, sizeof(*d->priv)))) {
                ydoc_free(y);
                return berr(err, ENOMEM, "%s", yreader_name(r->y));
        }
        d->priv->ydoc = y;
        d->priv->file = strdup(yreader_name(r->y));
        if (!d->priv->file)
                return berr(err, ENOMEM, "%s", yreader_name(r->y));

        c = (struct kctx){.file = d->priv->file, .doc = y, .opts = &r->opts, .out = d};
        root.v = y->root;

        /* what the YAML reader found wrong (duplicate keys...) comes first */
        for (size_t i = 0; i < y->n_errors; i++) {
                struct kube_diag *nd = reallocarray(d->diags, d->n_diags + 1, sizeof(*nd));
                char *path = strdup(y->errors[i].path ? y->errors[i].path : "");
                char *msg = strdup(y->errors[i].msg ? y->errors[i].msg : "");

                if (!nd || !path || !msg) {
                        free(path);
                        free(msg);
                        if (nd)
                                d->diags = nd;
                        return berr(err, ENOMEM, "%s", c.file);
                }
                d->diags = nd;
                nd[d->n_diags++] = (struct kube_diag){
                        .severity = KUBE_ERROR,
                        .kind = KUBE_DIAG_RULE,
                        .loc = {c.file, y->errors[i].pos.line, y->errors[i].pos.col},
                        .path = path,
                        .msg = msg,
                };
                d->n_errors++;
        }
        decode_node(&c, &root, false);
        d->priv->arena = c.arena;
        if (c.oom)
                return berr(err, ENOMEM, "%s", c.file);
        if (y->n_errors)
                for (size_t i = 0; i < d->n_objects; i++)
                        d->objects[i].valid = false;
        *ret = TAKE_PTR(d);
        return 0;
}

int
kube_reader_next(struct kube_reader *r, struct kube_doc **ret_doc, struct berr **err)
{
        for (;;) {
                struct ydoc *y = NULL;
                int k = yreader_next(r->y, &y, err);

                if (k <= 0)
                        return k;
                if (!y->root && y->n_errors == 0) {
                        ydoc_free(y); /* an empty document, as between two '---' */
                        continue;
                }
                k = build_doc(r, y, ret_doc, err);
                return k < 0 ? k : 1;
        }
}

/* ------------------------------------------------------------ names across documents */

struct kube_names {
        json_t *seen; /* "Kind/namespace/name" -> [file, line, col] */
};

struct kube_names *
kube_names_new(void)
{
        struct kube_names *s = calloc(1, sizeof(*s));

        if (s && !(s->seen = json_object())) {
                free(s);
                return NULL;
        }
        return s;
}

struct kube_names *
kube_names_free(struct kube_names *s)
{
        if (s) {
                json_decref(s->seen);
                free(s);
        }
        return NULL;
}

int
kube_names_add(struct kube_names *s, const struct kube_object *o, struct kube_loc *ret_first)
{
        _cleanup_free_ char *key = NULL;
        json_t *prev;

        if (!o->meta || !o->meta->name)
                return 0;
        if (asprintf(&key, "%s/%s/%s", kube_kind_name(o->kind),
                     o->meta->namespace_ ? o->meta->namespace_ : "default", o->meta->name) < 0)
                return -ENOMEM;
        prev = json_object_get(s->seen, key);
        if (prev) {
                *ret_first = (struct kube_loc){
                        .file = json_string_value(json_array_get(prev, 0)),
                        .line = (uint32_t)json_integer_value(json_array_get(prev, 1)),
                        .col = (uint32_t)json_integer_value(json_array_get(prev, 2)),
                };
                return 1;
        }
        if (json_object_set_new(
                    s->seen, key,
                    json_pack("[sii]", o->loc.file, (int)o->loc.line, (int)o->loc.col)) < 0)
                return -ENOMEM;
        return 0;
}
