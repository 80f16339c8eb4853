/*
 * kube/decode.h: the table-driven decoder. Each Kubernetes type is a
 * struct ktype: its fields (JSON name, kind, where it goes in the C struct,
 * the rule its value must meet) and a hook for rules across fields. The
 * engine walks the JSON tree, fills the C struct, reports unknown fields,
 * wrong types and broken rules with file:line:col and the field path, and
 * never stops at the first problem.
 */
#pragma once

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "kube.h"
#include "yaml.h"

struct kctx;

/* Where a value stands: linked up the stack, formatted into a path only for a message. */
struct knode {
        const struct knode *up;
        const char *key; /* object member name; NULL for an array element or the root */
        size_t idx;
        const json_t *parent; /* NULL at the root */
        json_t *v;            /* NULL when the field is absent */
        bool map_key;         /* a key of a map (labels, data): printed as [key] */
};

enum kfield_kind {
        KF_STRING,        /* const char * */
        KF_BOOL,          /* bool */
        KF_OPT_BOOL,      /* struct kube_opt_bool */
        KF_INT,           /* int64_t */
        KF_OPT_INT,       /* struct kube_opt_int */
        KF_STRINGS,       /* const char **, size_t n_ */
        KF_INTS,          /* int64_t *, size_t n_ */
        KF_STRMAP,        /* struct kube_kv *, size_t n_ */
        KF_QTY,           /* struct kube_qty (a quantity as string or number) */
        KF_QTYMAP,        /* struct kube_resource *, size_t n_ */
        KF_INT_OR_STRING, /* struct kube_int_or_string */
        KF_OBJECT,        /* T * (allocated), with .type */
        KF_INLINE,        /* T embedded in the struct, with .type */
        KF_ARRAY,         /* T *, size_t n_, with .type */
        KF_IGNORED,       /* accepted, reported once as not honoured on one machine */
        KF_SILENT,        /* accepted without a word: status, uid, managedFields... */
};

/* A name rule from names.h: NULL when s is fine, else what was expected. */
typedef const char *(*kcheck_fn)(const char *s);

struct kfield {
        const char *name;
        enum kfield_kind kind;
        size_t off;   /* of the value (or items pointer) in the C struct */
        size_t off_n; /* KF_STRINGS, KF_INTS, KF_STRMAP, KF_QTYMAP, KF_ARRAY: of the count */
        const struct ktype *type;
        bool required;
        bool nonempty;            /* strings and lists: present but empty is an error too */
        int64_t min, max;         /* KF_INT, KF_OPT_INT, KF_INTS: when min < max */
        const char *const *enums; /* KF_STRING: the accepted values, NULL-terminated */
        kcheck_fn check;          /* KF_STRING, KF_STRINGS, KF_STRMAP keys */
        kcheck_fn check_value;    /* KF_STRMAP values */
        const char *why;          /* KF_IGNORED: why it is not honoured */
};

struct ktype {
        const char *name;
        size_t size;
        const struct kfield *fields;
        /* rules across fields, run after the fields are decoded (n->v is an object) */
        void (*validate)(struct kctx *c, const struct knode *n, void *obj);
};

/* Field table entries, e.g. KSTRING(struct kube_port, "protocol", protocol, .enums = protocols) */
#define KFIELD(T, jname, kind_, member, ...)                                              \
        {                                                                                 \
                .name = (jname), .kind = (kind_), .off = offsetof(T, member), __VA_ARGS__ \
        }
#define KLIST(T, jname, kind_, member, ...)                                   \
        {                                                                     \
                .name = (jname), .kind = (kind_), .off = offsetof(T, member), \
                .off_n = offsetof(T, n_##member), __VA_ARGS__                 \
        }
#define KIGNORED(jname, why_)                                      \
        {                                                          \
                .name = (jname), .kind = KF_IGNORED, .why = (why_) \
        }
#define KSILENT(jname)                             \
        {                                          \
                .name = (jname), .kind = KF_SILENT \
        }
#define KEND                 \
        {                    \
                .name = NULL \
        }

/* ------------------------------------------------------------ the context */

struct kctx {
        const char *file;
        const struct ydoc *doc;
        const struct kube_opts *opts;
        struct kube_doc *out; /* diagnostics go here */
        size_t errors;        /* errors reported so far (all objects of the document) */
        bool oom;
        struct karena *arena;
};

/* Zeroed memory that lives as long as the document. NULL (and c->oom) when out of memory. */
void *kalloc(struct kctx *c, size_t size);
void *kalloc_array(struct kctx *c, size_t n, size_t size);
void karena_free(struct karena *a);

/* Report at node n (or at its key when at_key). The path is n's. */
void kerror(struct kctx *c, const struct knode *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void kwarn(struct kctx *c, const struct knode *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void kdiag(struct kctx *c, enum kube_severity sev, enum kube_diag_kind kind, const struct knode *n,
           bool at_key, const char *topic, const char *fmt, va_list ap)
        __attribute__((format(printf, 7, 0)));

/* Children of n: fill *ret and return it (ret->v NULL when absent). */
const struct knode *knode_key(struct knode *ret, const struct knode *n, const char *key);
const struct knode *knode_idx(struct knode *ret, const struct knode *n, size_t idx);
const struct knode *knode_map_key(struct knode *ret, const struct knode *n, const char *key);

/* Where n stands; when n is absent, where its nearest present ancestor does. */
struct ypos knode_pos(const struct kctx *c, const struct knode *n, bool at_key);
/* "spec.containers[0].image" into buf. */
const char *knode_path(const struct knode *n, char *buf, size_t size);

/* "a string", "number 5", "boolean true (YAML 1.1 reads unquoted yes/no/on/off so)"... */
const char *kfound(const json_t *v, char *buf, size_t size);

/* Decode object n of type t into obj (t->size bytes, zeroed). */
void kdecode_object(struct kctx *c, const struct knode *n, const struct ktype *t, void *obj);

/* Shared rules used by several types. */
void kcheck_string_enum(struct kctx *c, const struct knode *n, const char *v,
                        const char *const *enums);
