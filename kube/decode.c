/*
 * kube/decode.c: the engine behind every field table. It knows JSON types,
 * ranges, enums and name rules; the tables know Kubernetes.
 */
#include "decode.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "quantity.h"
#include "util/cleanup.h"

/* ------------------------------------------------------------ arena */

struct karena {
        struct karena *next;
        size_t used, size;
        max_align_t data[];
};

void *
kalloc(struct kctx *c, size_t size)
{
        struct karena *a = c->arena;
        void *p;

        size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
        if (!a || a->size - a->used < size) {
                size_t chunk = size > 16384 ? size : 16384;
                a = calloc(1, sizeof(*a) + chunk);
                if (!a) {
                        c->oom = true;
                        return NULL;
                }
                a->size = chunk;
                a->next = c->arena;
                c->arena = a;
        }
        p = (char *)a->data + a->used;
        a->used += size;
        return p;
}

void *
kalloc_array(struct kctx *c, size_t n, size_t size)
{
        if (size && n > SIZE_MAX / size) {
                c->oom = true;
                return NULL;
        }
        return kalloc(c, n * size > 0 ? n * size : 1);
}

void
karena_free(struct karena *a)
{
        while (a) {
                struct karena *next = a->next;
                free(a);
                a = next;
        }
}

/* ------------------------------------------------------------ nodes */

const struct knode *
knode_key(struct knode *ret, const struct knode *n, const char *key)
{
        *ret = (struct knode){.up = n, .key = key, .parent = n->v};
        ret->v = json_is_object(n->v) ? json_object_get(n->v, key) : NULL;
        return ret;
}

const struct knode *
knode_map_key(struct knode *ret, const struct knode *n, const char *key)
{
        knode_key(ret, n, key);
        ret->map_key = true;
        return ret;
}

const struct knode *
knode_idx(struct knode *ret, const struct knode *n, size_t idx)
{
        *ret = (struct knode){.up = n, .idx = idx, .parent = n->v};
        ret->v = json_is_array(n->v) ? json_array_get(n->v, idx) : NULL;
        return ret;
}

struct ypos
knode_pos(const struct kctx *c, const struct knode *n, bool at_key)
{
        struct ypos val, key;

        for (; n; n = n->up, at_key = false) {
                if (!n->up)
                        return c->doc->pos;
                if (n->parent && ydoc_pos(c->doc, n->parent, n->key, n->idx, &val, &key))
                        return at_key ? key : val;
        }
        return (struct ypos){0, 0};
}

const char *
knode_path(const struct knode *n, char *buf, size_t size)
{
        const struct knode *chain[128] = {NULL};
        size_t depth = 0, len = 0;

        for (; n && n->up; n = n->up)
                if (depth < ELEMENTSOF(chain))
                        chain[depth++] = n;
        buf[0] = '\0';
        while (depth-- > 0 && len < size) {
                const struct knode *e = chain[depth];
                int k;

                if (e->map_key)
                        k = snprintf(buf + len, size - len, "[%s]", e->key);
                else if (e->key)
                        k = snprintf(buf + len, size - len, "%s%s", len ? "." : "", e->key);
                else
                        k = snprintf(buf + len, size - len, "[%zu]", e->idx);
                if (k < 0)
                        break;
                len += (size_t)k;
        }
        return buf;
}

/* ------------------------------------------------------------ diagnostics */

void
kdiag(struct kctx *c, enum kube_severity sev, enum kube_diag_kind kind, const struct knode *n,
      bool at_key, const char *topic, const char *fmt, va_list ap)
{
        struct kube_doc *out = c->out;
        struct kube_diag *d;
        struct ypos pos = knode_pos(c, n, at_key);
        char path[1024];
        char *msg = NULL;

        d = reallocarray(out->diags, out->n_diags + 1, sizeof(*d));
        if (!d) {
                c->oom = true;
                return;
        }
        out->diags = d;
        if (vasprintf(&msg, fmt, ap) < 0) {
                c->oom = true;
                return;
        }
        d = &out->diags[out->n_diags];
        *d = (struct kube_diag){
                .severity = sev,
                .kind = kind,
                .loc = {.file = c->file, .line = pos.line, .col = pos.col},
                .path = strdup(knode_path(n, path, sizeof(path))),
                .msg = msg,
                .topic = topic,
        };
        if (!d->path) {
                free(msg);
                c->oom = true;
                return;
        }
        out->n_diags++;
        if (sev == KUBE_ERROR) {
                out->n_errors++;
                c->errors++;
        }
}

void
kerror(struct kctx *c, const struct knode *n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        kdiag(c, KUBE_ERROR, KUBE_DIAG_RULE, n, false, NULL, fmt, ap);
        va_end(ap);
}

void
kwarn(struct kctx *c, const struct knode *n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        kdiag(c, KUBE_WARNING, KUBE_DIAG_RULE, n, false, NULL, fmt, ap);
        va_end(ap);
}

static void kdiag_at(struct kctx *c, enum kube_severity sev, enum kube_diag_kind kind,
                     const struct knode *n, bool at_key, const char *topic, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));

static void
kdiag_at(struct kctx *c, enum kube_severity sev, enum kube_diag_kind kind, const struct knode *n,
         bool at_key, const char *topic, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        kdiag(c, sev, kind, n, at_key, topic, fmt, ap);
        va_end(ap);
}

const char *
kfound(const json_t *v, char *buf, size_t size)
{
        if (!v)
                return "nothing";
        switch (json_typeof(v)) {
        case JSON_STRING: {
                size_t len = json_string_length(v);
                snprintf(buf, size, "string \"%.*s%s\"", (int)(len > 40 ? 40 : len),
                         json_string_value(v), len > 40 ? "..." : "");
                return buf;
        }
        case JSON_INTEGER:
                snprintf(buf, size, "number %" JSON_INTEGER_FORMAT, json_integer_value(v));
                return buf;
        case JSON_REAL:
                snprintf(buf, size, "number %g", json_real_value(v));
                return buf;
        case JSON_TRUE:
                return "boolean true";
        case JSON_FALSE:
                return "boolean false";
        case JSON_NULL:
                return "null";
        case JSON_OBJECT:
                return "a mapping";
        case JSON_ARRAY:
                return "a list";
        }
        return "something else";
}

static void
type_error(struct kctx *c, const struct knode *n, const char *expected)
{
        char buf[128];
        const char *hint = "";

        if (strcmp(expected, "a string") == 0) {
                if (json_is_boolean(n->v))
                        hint = " (unquoted yes, no, on, off, true and false are booleans in YAML: "
                               "quote the value)";
                else if (json_is_number(n->v))
                        hint = " (quote the value)";
        }
        kerror(c, n, "found %s, expected %s%s", kfound(n->v, buf, sizeof(buf)), expected, hint);
}

/* ------------------------------------------------------------ scalars */

static const char *
enum_list(const char *const *enums, char *buf, size_t size)
{
        size_t len = 0, n = 0;

        while (enums[n])
                n++;
        buf[0] = '\0';
        for (size_t i = 0; i < n && len < size; i++) {
                int k = snprintf(buf + len, size - len, "%s%s",
                                 i == 0       ? ""
                                 : i + 1 == n ? " or "
                                              : ", ",
                                 enums[i]);
                if (k < 0)
                        break;
                len += (size_t)k;
        }
        return buf;
}

void
kcheck_string_enum(struct kctx *c, const struct knode *n, const char *v, const char *const *enums)
{
        char buf[512];

        for (size_t i = 0; enums[i]; i++)
                if (strcmp(v, enums[i]) == 0)
                        return;
        kerror(c, n, "\"%s\" is not valid, expected %s", v, enum_list(enums, buf, sizeof(buf)));
}

static const char *
decode_string(struct kctx *c, const struct knode *n, const struct kfield *f, kcheck_fn check)
{
        const char *s, *why;

        if (!json_is_string(n->v)) {
                type_error(c, n, "a string");
                return NULL;
        }
        s = json_string_value(n->v);
        if (strlen(s) != json_string_length(n->v)) {
                kerror(c, n, "contains a NUL character, expected text");
                return NULL;
        }
        if (f && f->nonempty && s[0] == '\0') {
                kerror(c, n, "is empty, expected a value");
                return s;
        }
        if (f && f->enums && !(s[0] == '\0' && !f->required))
                kcheck_string_enum(c, n, s, f->enums);
        if (check && (why = check(s)))
                kerror(c, n, "\"%s\" is not valid, expected %s", s, why);
        return s;
}

static bool
decode_int(struct kctx *c, const struct knode *n, const struct kfield *f, int64_t *ret)
{
        int64_t v, lo = INT32_MIN, hi = INT32_MAX;

        if (json_is_real(n->v)) {
                kerror(c, n, "found number %g, expected a whole number", json_real_value(n->v));
                return false;
        }
        if (!json_is_integer(n->v)) {
                type_error(c, n, "a whole number");
                return false;
        }
        v = json_integer_value(n->v);
        if (f->min < f->max) {
                lo = f->min;
                hi = f->max;
        }
        if (v < lo || v > hi) {
                if (v < lo && (hi == INT32_MAX || hi == INT64_MAX) && lo > INT32_MIN)
                        kerror(c, n, "%" PRId64 " is out of range, expected %" PRId64 " or more", v,
                               lo);
                else if (hi == INT32_MAX && lo == INT32_MIN)
                        kerror(c, n, "%" PRId64 " is out of range, expected a 32-bit integer", v);
                else
                        kerror(c, n, "%" PRId64 " is out of range, expected %" PRId64 "-%" PRId64,
                               v, lo, hi);
                return false;
        }
        *ret = v;
        return true;
}

static bool
decode_bool(struct kctx *c, const struct knode *n, bool *ret)
{
        if (!json_is_boolean(n->v)) {
                type_error(c, n, "true or false");
                return false;
        }
        *ret = json_is_true(n->v);
        return true;
}

/* A number as Kubernetes writes it back as a quantity: integers as they are, reals shortest. */
static const char *
number_text(struct kctx *c, const json_t *v, char *buf, size_t size)
{
        if (json_is_integer(v)) {
                snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        } else {
                double d = json_real_value(v);
                for (int prec = 1; prec <= 17; prec++) {
                        snprintf(buf, size, "%.*g", prec, d);
                        if (strtod(buf, NULL) == d)
                                break;
                }
        }
        return buf;
}

static char *
kstrdup(struct kctx *c, const char *s)
{
        size_t len = strlen(s) + 1;
        char *p = kalloc(c, len);

        if (p)
                memcpy(p, s, len);
        return p;
}

static void
decode_qty(struct kctx *c, const struct knode *n, struct kube_qty *ret)
{
        char buf[64];
        const char *text;

        if (json_is_number(n->v))
                text = kstrdup(c, number_text(c, n->v, buf, sizeof(buf)));
        else if (json_is_string(n->v))
                text = json_string_value(n->v);
        else {
                type_error(c, n, "a quantity such as 500m, 128Mi or 2");
                return;
        }
        if (!text)
                return;
        if (kube_quantity_parse(text, &ret->q) < 0) {
                kerror(c, n,
                       "\"%s\" is not a quantity, expected a number with an optional suffix "
                       "such as 500m, 128Mi, 1G or 1e3",
                       text);
                return;
        }
        ret->text = text;
}

/* ------------------------------------------------------------ unknown fields */

static size_t
edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b), row[64];

        if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                row[j] = j;
        for (size_t i = 1; i <= la; i++) {
                size_t diag = row[0];
                row[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
                        if (up + 1 < best)
                                best = up + 1;
                        if (row[j - 1] + 1 < best)
                                best = row[j - 1] + 1;
                        diag = up;
                        row[j] = best;
                }
        }
        return row[lb];
}

static const char *
suggest(const struct ktype *t, const char *key)
{
        const char *best = NULL;
        size_t best_d = 3;

        for (const struct kfield *f = t->fields; f->name; f++) {
                size_t d;
                if (strcasecmp(f->name, key) == 0)
                        return f->name;
                d = edit_distance(f->name, key);
                if (d < best_d && strlen(key) > 3) {
                        best = f->name;
                        best_d = d;
                }
        }
        return best;
}

static void
unknown_field(struct kctx *c, const struct knode *n, const struct ktype *t)
{
        enum kube_severity sev = c->opts && c->opts->strict ? KUBE_ERROR : KUBE_WARNING;
        const char *s = suggest(t, n->key);

        if (s)
                kdiag_at(c, sev, KUBE_DIAG_UNKNOWN_FIELD, n, true, NULL,
                         "unknown field \"%s\" in %s, did you mean \"%s\"?", n->key, t->name, s);
        else
                kdiag_at(c, sev, KUBE_DIAG_UNKNOWN_FIELD, n, true, NULL,
                         "unknown field \"%s\" in %s", n->key, t->name);
}

/* ------------------------------------------------------------ lists and maps */

static void *
decode_list(struct kctx *c, const struct knode *n, const struct kfield *f, size_t elem,
            size_t *ret_n)
{
        size_t count;
        char *items;

        if (!json_is_array(n->v)) {
                type_error(c, n, "a list");
                return NULL;
        }
        count = json_array_size(n->v);
        if (count == 0) {
                if (f->nonempty)
                        kerror(c, n, "is empty, expected at least one item");
                return NULL;
        }
        items = kalloc_array(c, count, elem);
        if (!items)
                return NULL;
        for (size_t i = 0; i < count; i++) {
                struct knode e;
                void *slot = items + i * elem;

                knode_idx(&e, n, i);
                switch (f->kind) {
                case KF_STRINGS:
                        /* callers may read every item: a bad one is "" */
                        *(const char **)slot = "";
                        if (json_is_null(e.v)) {
                                kerror(c, &e, "found null, expected a string");
                                break;
                        }
                        *(const char **)slot = decode_string(c, &e, NULL, f->check);
                        if (!*(const char **)slot)
                                *(const char **)slot = "";
                        break;
                case KF_INTS:
                        decode_int(c, &e, f, slot);
                        break;
                case KF_ARRAY:
                        if (!json_is_object(e.v)) {
                                type_error(c, &e, "a mapping");
                                break;
                        }
                        kdecode_object(c, &e, f->type, slot);
                        break;
                default:
                        break;
                }
        }
        *ret_n = count;
        return items;
}

static void
decode_map(struct kctx *c, const struct knode *n, const struct kfield *f, void *base)
{
        bool qty = f->kind == KF_QTYMAP;
        size_t elem = qty ? sizeof(struct kube_resource) : sizeof(struct kube_kv);
        size_t count, i = 0;
        const char *key;
        json_t *val;
        char *items;

        if (!json_is_object(n->v)) {
                type_error(c, n, "a mapping");
                return;
        }
        count = json_object_size(n->v);
        if (count == 0)
                return;
        items = kalloc_array(c, count, elem);
        if (!items)
                return;
        json_object_foreach (n->v, key, val) {
                struct knode e;
                const char *why;

                knode_map_key(&e, n, key);
                if (f->check && (why = f->check(key)))
                        kdiag_at(c, KUBE_ERROR, KUBE_DIAG_RULE, &e, true, NULL,
                                 "key \"%s\" is not valid, expected %s", key, why);
                if (qty) {
                        struct kube_resource *r = (struct kube_resource *)(items + i * elem);
                        r->name = key;
                        decode_qty(c, &e, &r->qty);
                        if (r->qty.text && r->qty.q.negative && !kube_quantity_is_zero(&r->qty.q))
                                kerror(c, &e, "%s is negative, expected 0 or more", r->qty.text);
                } else {
                        struct kube_kv *kv = (struct kube_kv *)(items + i * elem);
                        kv->key = key;
                        kv->value = decode_string(c, &e, NULL, f->check_value);
                        if (!kv->value)
                                kv->value = "";
                }
                i++;
        }
        *(void **)((char *)base + f->off) = items;
        *(size_t *)((char *)base + f->off_n) = count;
}

/* ------------------------------------------------------------ objects */

static void
decode_field(struct kctx *c, const struct knode *n, const struct kfield *f, void *base)
{
        void *slot = (char *)base + f->off;

        switch (f->kind) {
        case KF_STRING:
                *(const char **)slot = decode_string(c, n, f, f->check);
                break;
        case KF_BOOL:
                decode_bool(c, n, slot);
                break;
        case KF_OPT_BOOL: {
                struct kube_opt_bool *b = slot;
                b->set = decode_bool(c, n, &b->v);
                break;
        }
        case KF_INT:
                decode_int(c, n, f, slot);
                break;
        case KF_OPT_INT: {
                struct kube_opt_int *i = slot;
                i->set = decode_int(c, n, f, &i->v);
                break;
        }
        case KF_STRINGS:
                *(void **)slot =
                        decode_list(c, n, f, sizeof(char *), (size_t *)((char *)base + f->off_n));
                break;
        case KF_INTS:
                *(void **)slot =
                        decode_list(c, n, f, sizeof(int64_t), (size_t *)((char *)base + f->off_n));
                break;
        case KF_ARRAY:
                *(void **)slot =
                        decode_list(c, n, f, f->type->size, (size_t *)((char *)base + f->off_n));
                break;
        case KF_STRMAP:
        case KF_QTYMAP:
                decode_map(c, n, f, base);
                break;
        case KF_QTY:
                decode_qty(c, n, slot);
                break;
        case KF_INT_OR_STRING: {
                struct kube_int_or_string *is = slot;
                if (json_is_integer(n->v)) {
                        *is = (struct kube_int_or_string){.set = true,
                                                          .i = json_integer_value(n->v)};
                } else if (json_is_string(n->v)) {
                        *is = (struct kube_int_or_string){
                                .set = true, .is_string = true, .s = json_string_value(n->v)};
                } else {
                        type_error(c, n, "a number or a string");
                }
                break;
        }
        case KF_OBJECT: {
                void *sub;
                if (!json_is_object(n->v)) {
                        type_error(c, n, "a mapping");
                        break;
                }
                sub = kalloc(c, f->type->size);
                if (!sub)
                        break;
                kdecode_object(c, n, f->type, sub);
                *(void **)slot = sub;
                break;
        }
        case KF_INLINE:
                if (!json_is_object(n->v)) {
                        type_error(c, n, "a mapping");
                        break;
                }
                kdecode_object(c, n, f->type, slot);
                break;
        case KF_IGNORED:
                kdiag_at(c, KUBE_WARNING, KUBE_DIAG_IGNORED, n, true, f->name, "ignored: %s",
                         f->why ? f->why : "berth runs pods on one machine");
                break;
        case KF_SILENT:
                break;
        }
}

static const struct kfield *
field_find(const struct ktype *t, const char *key)
{
        for (const struct kfield *f = t->fields; f->name; f++)
                if (strcmp(f->name, key) == 0)
                        return f;
        return NULL;
}

static const char *
expected_of(const struct kfield *f)
{
        switch (f->kind) {
        case KF_STRING:
                return "a string";
        case KF_BOOL:
        case KF_OPT_BOOL:
                return "true or false";
        case KF_INT:
        case KF_OPT_INT:
                return "a whole number";
        case KF_STRINGS:
        case KF_INTS:
        case KF_ARRAY:
                return "a list";
        case KF_QTY:
                return "a quantity";
        case KF_INT_OR_STRING:
                return "a number or a string";
        default:
                return "a mapping";
        }
}

void
kdecode_object(struct kctx *c, const struct knode *n, const struct ktype *t, void *obj)
{
        const char *key;
        json_t *val;

        if (!json_is_object(n->v)) {
                type_error(c, n, "a mapping");
                return;
        }
        json_object_foreach (n->v, key, val) {
                const struct kfield *f = field_find(t, key);
                struct knode child;

                knode_key(&child, n, key);
                if (!f) {
                        unknown_field(c, &child, t);
                        continue;
                }
                if (json_is_null(val))
                        continue; /* null is absent, as Go's JSON decoder reads it */
                decode_field(c, &child, f, obj);
        }
        for (const struct kfield *f = t->fields; f->name; f++) {
                struct knode child;

                if (!f->required)
                        continue;
                knode_key(&child, n, f->name);
                if (!child.v || json_is_null(child.v))
                        kerror(c, &child, "missing, expected %s", expected_of(f));
        }
        if (t->validate && !c->oom)
                t->validate(c, n, obj);
}
