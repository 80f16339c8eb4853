/*
 * kube/yaml-read.c: libfyaml events straight into jansson trees, one
 * document at a time, so memory follows the largest document rather than
 * the whole stream. No libfyaml document is built: the events carry the
 * marks we keep for messages.
 */
#include "yaml-private.h"

#include <errno.h>
#include <fcntl.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/utf8.h"

/* Aliases may expand a document this much past its own size (go-yaml refuses such bombs too). */
#define YAML_ALIAS_BUDGET 1000000

struct anchor {
        json_t *node;
        uint64_t expanded;
};

struct frame {
        json_t *node;
        bool is_map;
        bool have_key;
        bool key_is_merge;
        char *key;
        struct ypos key_pos;
        size_t idx;
        char *anchor;
        uint64_t expanded;
        struct ypos pos;
        json_t *merges;    /* array of merge sources, or NULL */
        json_t *merge_pos; /* parallel: [line, col] of each */
};

struct yreader {
        char *name;
        char *buf;
        struct fy_diag *diag;
        struct fy_parser *fyp;
        bool done;

        /* the document being built */
        struct ydoc *doc;
        struct frame *stack;
        size_t depth, alloc;
        json_t *anchors; /* name -> index into anchor_list */
        struct anchor *anchor_list;
        size_t n_anchors, alloc_anchors;
        uint64_t alias_expanded, nodes;
};

static struct ypos
mark_pos(const struct fy_mark *m)
{
        if (!m)
                return (struct ypos){0, 0};
        return (struct ypos){(uint32_t)m->line + 1, (uint32_t)m->column + 1};
}

/*
 * Block collections have no token of their own to mark where they start:
 * use the first child's position (see place_value), or the anchor's.
 */
static struct ypos
event_pos(struct fy_event *fye)
{
        struct fy_token *t = fy_event_get_token(fye);
        struct ypos p = mark_pos(t ? fy_token_start_mark(t) : NULL);

        if (p.line == 0 && fye->type == FYET_MAPPING_START && fye->mapping_start.anchor)
                p = mark_pos(fy_token_start_mark(fye->mapping_start.anchor));
        if (p.line == 0 && fye->type == FYET_SEQUENCE_START && fye->sequence_start.anchor)
                p = mark_pos(fy_token_start_mark(fye->sequence_start.anchor));
        return p;
}

static char *
frame_path(const struct yreader *r)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        for (size_t i = 0; i < r->depth; i++) {
                const struct frame *fr = &r->stack[i];
                if (fr->is_map && fr->have_key && !fr->key_is_merge)
                        fprintf(f, "%s%s", len || ftell(f) ? "." : "", fr->key);
                else if (!fr->is_map)
                        fprintf(f, "[%zu]", fr->idx);
        }
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

static int doc_error(struct yreader *r, struct ypos pos, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
doc_error(struct yreader *r, struct ypos pos, const char *fmt, ...)
{
        struct ydoc *d = r->doc;
        struct yerror *e;
        char *msg = NULL;
        va_list ap;
        int k;

        e = reallocarray(d->errors, d->n_errors + 1, sizeof(*d->errors));
        if (!e)
                return -ENOMEM;
        d->errors = e;
        va_start(ap, fmt);
        k = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        e[d->n_errors] = (struct yerror){.pos = pos, .path = frame_path(r), .msg = msg};
        d->n_errors++;
        return 0;
}

static void
frame_clear(struct frame *f)
{
        json_decref(f->node);
        json_decref(f->merges);
        json_decref(f->merge_pos);
        free(f->key);
        free(f->anchor);
        *f = (struct frame){0};
}

static void
reader_reset_doc(struct yreader *r)
{
        while (r->depth > 0)
                frame_clear(&r->stack[--r->depth]);
        json_decref(r->anchors);
        r->anchors = NULL;
        for (size_t i = 0; i < r->n_anchors; i++)
                json_decref(r->anchor_list[i].node);
        r->n_anchors = 0;
        r->alias_expanded = 0;
        r->nodes = 0;
        r->doc = ydoc_free(r->doc);
}

struct ydoc *
ydoc_free(struct ydoc *d)
{
        if (!d)
                return NULL;
        json_decref(d->root);
        free(d->tab);
        for (size_t i = 0; i < d->n_errors; i++) {
                free(d->errors[i].path);
                free(d->errors[i].msg);
        }
        free(d->errors);
        free(d);
        return NULL;
}

struct yreader *
yreader_free(struct yreader *r)
{
        if (!r)
                return NULL;
        reader_reset_doc(r);
        free(r->stack);
        free(r->anchor_list);
        if (r->fyp)
                fy_parser_destroy(r->fyp);
        if (r->diag)
                fy_diag_destroy(r->diag);
        free(r->buf);
        free(r->name);
        free(r);
        return NULL;
}

const char *
yreader_name(const struct yreader *r)
{
        return r->name;
}

static bool
has_suffix(const char *s, const char *suffix)
{
        size_t n = strlen(s), m = strlen(suffix);
        return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Takes buf (malloc'd, len bytes). */
static int
reader_new_owned(char *buf, size_t len, const char *name, struct yreader **ret, struct berr **err)
{
        _cleanup_(yreader_freep) struct yreader *r = NULL;
        struct fy_diag_cfg dcfg;
        struct fy_parse_cfg cfg = {0};
        size_t bad;

        r = calloc(1, sizeof(*r));
        if (!r) {
                free(buf);
                return berr(err, ENOMEM, "%s", name);
        }
        r->buf = buf;
        r->name = strdup(name);
        if (!r->name)
                return berr(err, ENOMEM, "%s", name);

        /*
         * Kubernetes reads UTF-8 only, and libfyaml 0.7 can loop forever on
         * some invalid bytes (in a directive): refuse them before parsing.
         */
        bad = utf8_invalid_at(r->buf, len);
        if (bad < len) {
                uint32_t line = 1, col = 1;

                for (size_t i = 0; i < bad; i++) {
                        if (r->buf[i] == '\n') {
                                line++;
                                col = 1;
                        } else if (((unsigned char)r->buf[i] & 0xc0) != 0x80) {
                                col++;
                        }
                }
                return berr(err, 0, "%s:%u:%u: invalid UTF-8 (byte 0x%02x), expected UTF-8 text",
                            name, line, col, (unsigned char)r->buf[bad]);
        }

        fy_diag_cfg_default(&dcfg);
        dcfg.fp = NULL;
        dcfg.colorize = false;
        r->diag = fy_diag_create(&dcfg);
        if (!r->diag)
                return berr(err, ENOMEM, "%s: YAML diagnostics", name);
        fy_diag_set_collect_errors(r->diag, true);

        cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_AUTO |
                    (has_suffix(name, ".json") ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE);
        cfg.diag = r->diag;
        r->fyp = fy_parser_create(&cfg);
        if (!r->fyp)
                return berr(err, ENOMEM, "%s: YAML parser", name);
        if (fy_parser_set_string(r->fyp, r->buf, len) != 0)
                return berr(err, EINVAL, "%s: YAML parser input", name);
        *ret = TAKE_PTR(r);
        return 0;
}

int
yreader_new(const char *buf, size_t len, const char *name, struct yreader **ret, struct berr **err)
{
        char *copy = malloc(len + 1);

        if (!copy)
                return berr(err, ENOMEM, "%s", name);
        memcpy(copy, buf, len);
        copy[len] = '\0';
        return reader_new_owned(copy, len, name, ret, err);
}

/*
 * A manifest is read whole before it is parsed: up to 64 MiB (the API
 * server takes 3 MiB per request), so that a wrong file or an endless
 * stream is an error, not all of the machine's memory.
 */
#define YAML_MAX_BYTES (64ULL << 20)
#define TOO_BIG "more than 64 MiB: too big for a manifest"

static int
read_all(int fd, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, alloc = 0;
        struct stat st;

        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                if ((uint64_t)st.st_size > YAML_MAX_BYTES)
                        return -EFBIG;
                alloc = (size_t)st.st_size + 1;
        }
        for (;;) {
                ssize_t n;

                if (len > YAML_MAX_BYTES)
                        return -EFBIG;

                if (!buf || len + 1 >= alloc) {
                        size_t na = !buf && alloc ? alloc + 1 : alloc ? alloc * 2 : 65536;
                        char *nb = realloc(buf, na);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        alloc = na;
                }
                n = read(fd, buf + len, alloc - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        if (!buf && !(buf = malloc(1)))
                return -ENOMEM;
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

int
yreader_new_file(const char *path, struct yreader **ret, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        char *buf = NULL;
        size_t len = 0;
        int r;

        if (strcmp(path, "-") == 0) {
                r = read_all(STDIN_FILENO, &buf, &len);
                if (r == -EFBIG)
                        return berr(err, 0, "<stdin>: " TOO_BIG);
                if (r < 0)
                        return berr(err, -r, "read standard input");
                return reader_new_owned(buf, len, "<stdin>", ret, err);
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berr(err, errno, "%s", path);
        r = read_all(fd, &buf, &len);
        if (r == -EFBIG)
                return berr(err, 0, "%s: " TOO_BIG, path);
        if (r < 0)
                return berr(err, -r, "%s", path);
        return reader_new_owned(buf, len, path, ret, err);
}

static int
push_frame(struct yreader *r, json_t *node, bool is_map, struct ypos pos, struct fy_token *anchor)
{
        struct frame *f;

        if (r->depth == r->alloc) {
                size_t na = r->alloc ? r->alloc * 2 : 16;
                struct frame *ns = reallocarray(r->stack, na, sizeof(*ns));
                if (!ns) {
                        json_decref(node);
                        return -ENOMEM;
                }
                r->stack = ns;
                r->alloc = na;
        }
        f = &r->stack[r->depth++];
        *f = (struct frame){.node = node, .is_map = is_map, .pos = pos};
        if (anchor) {
                size_t len;
                const char *t = fy_token_get_text(anchor, &len);
                f->anchor = strndup(t ? t : "", t ? len : 0);
                if (!f->anchor)
                        return -ENOMEM;
        }
        return 0;
}

static int
anchor_define(struct yreader *r, const char *name, size_t len, json_t *node, uint64_t expanded)
{
        _cleanup_free_ char *key = strndup(name, len);
        struct anchor *a;

        if (!key)
                return -ENOMEM;
        if (!r->anchors && !(r->anchors = json_object()))
                return -ENOMEM;
        if (r->n_anchors == r->alloc_anchors) {
                size_t na = r->alloc_anchors ? r->alloc_anchors * 2 : 8;
                a = reallocarray(r->anchor_list, na, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                r->anchor_list = a;
                r->alloc_anchors = na;
        }
        r->anchor_list[r->n_anchors] = (struct anchor){json_incref(node), expanded};
        if (json_object_set_new(r->anchors, key, json_integer((json_int_t)r->n_anchors)) < 0)
                return -ENOMEM;
        r->n_anchors++;
        return 0;
}

static const struct anchor *
anchor_find(const struct yreader *r, const char *name, size_t len)
{
        _cleanup_free_ char *key = strndup(name, len);
        json_t *i;

        if (!key || !r->anchors)
                return NULL;
        i = json_object_get(r->anchors, key);
        return i ? &r->anchor_list[json_integer_value(i)] : NULL;
}

/* A key as sigs.k8s.io/yaml turns it into a JSON object key. NULL when it cannot be one. */
static char *
key_text(json_t *v)
{
        char *s = NULL;

        switch (json_typeof(v)) {
        case JSON_STRING:
                return strndup(json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
                if (asprintf(&s, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) < 0)
                        return NULL;
                return s;
        case JSON_REAL:
                if (asprintf(&s, "%g", json_real_value(v)) < 0)
                        return NULL;
                return s;
        case JSON_TRUE:
                return strdup("true");
        case JSON_FALSE:
                return strdup("false");
        default:
                return NULL;
        }
}

/* Give a finished value (steals v) to the container on top of the stack, or make it the root. */
static int
place_value(struct yreader *r, json_t *v, struct ypos pos, uint64_t expanded, bool plain_merge_key)
{
        struct frame *f;

        if (r->depth == 0) {
                json_decref(r->doc->root);
                r->doc->root = json_is_null(v) ? NULL : v;
                if (json_is_null(v))
                        json_decref(v);
                r->doc->pos = pos;
                return 0;
        }
        f = &r->stack[r->depth - 1];
        f->expanded += expanded;
        if (pos.line == 0) /* an empty value ("key:" and nothing) has no mark of its own */
                pos = f->is_map && f->have_key ? f->key_pos : f->pos;
        if (f->pos.line == 0)
                f->pos = pos;

        if (!f->is_map) {
                if (json_array_append_new(f->node, v) < 0)
                        return -ENOMEM;
                if (ypos_put(r->doc, f->node, f->idx, pos, pos) < 0)
                        return -ENOMEM;
                f->idx++;
                return 0;
        }

        if (!f->have_key) {
                f->key = key_text(v);
                json_decref(v);
                f->key_is_merge = plain_merge_key;
                f->key_pos = pos;
                f->have_key = true;
                if (!f->key) {
                        f->key = strdup("?");
                        if (!f->key)
                                return -ENOMEM;
                        return doc_error(r, pos,
                                         "a mapping key must be a string, number or "
                                         "boolean");
                }
                return 0;
        }

        if (f->key_is_merge) {
                bool ok = json_is_object(v);
                size_t i;
                json_t *e;

                if (json_is_array(v)) {
                        ok = true;
                        json_array_foreach (v, i, e)
                                ok = ok && json_is_object(e);
                }
                if (!ok) {
                        json_decref(v);
                        f->key_is_merge = false;
                        doc_error(r, pos, "a merge key (<<) takes a mapping or a list of mappings");
                } else {
                        if ((!f->merges && !(f->merges = json_array())) ||
                            json_array_append_new(f->merges, v) < 0)
                                return -ENOMEM;
                }
        } else if (json_object_get(f->node, f->key)) {
                struct ypos first = {0, 0};
                const struct ypos_entry *e =
                        ypos_get(r->doc, f->node, ypos_key_hash(f->key, strlen(f->key)));

                if (e)
                        first = e->key_pos;
                json_decref(v);
                if (doc_error(r, f->key_pos, "duplicate key \"%s\", first defined at line %u",
                              f->key, first.line) < 0)
                        return -ENOMEM;
        } else {
                if (json_object_set_new(f->node, f->key, v) < 0)
                        return -ENOMEM;
                if (ypos_put(r->doc, f->node, ypos_key_hash(f->key, strlen(f->key)), pos,
                             f->key_pos) < 0)
                        return -ENOMEM;
        }
        free(f->key);
        f->key = NULL;
        f->have_key = false;
        f->key_is_merge = false;
        return 0;
}

/* Merge keys: keys written in the mapping win, then earlier merge sources over later ones. */
static int
apply_merges(struct yreader *r, struct frame *f)
{
        size_t i, j;
        json_t *src, *e;

        json_array_foreach (f->merges, i, src) {
                json_t *list = json_is_array(src) ? src : NULL;
                size_t n = list ? json_array_size(list) : 1;

                for (j = 0; j < n; j++) {
                        const char *key;
                        json_t *val;

                        e = list ? json_array_get(list, j) : src;
                        json_object_foreach (e, key, val) {
                                const struct ypos_entry *pe;
                                uint64_t h;

                                if (json_object_get(f->node, key))
                                        continue;
                                if (json_object_set(f->node, key, val) < 0)
                                        return -ENOMEM;
                                h = ypos_key_hash(key, strlen(key));
                                pe = ypos_get(r->doc, e, h);
                                if (pe && ypos_put(r->doc, f->node, h, pe->val, pe->key_pos) < 0)
                                        return -ENOMEM;
                        }
                }
        }
        return 0;
}

static int
end_frame(struct yreader *r)
{
        struct frame f = r->stack[--r->depth];
        json_t *node = f.node;
        struct ypos pos = f.pos;
        uint64_t expanded = f.expanded + 1;
        int k = 0;

        if (f.is_map && f.have_key) /* cannot happen with a well-formed event stream */
                k = doc_error(r, f.key_pos, "key \"%s\" has no value", f.key);
        if (k == 0 && f.merges)
                k = apply_merges(r, &f);
        if (k == 0 && f.anchor)
                k = anchor_define(r, f.anchor, strlen(f.anchor), node, expanded);
        f.node = NULL;
        frame_clear(&f);
        if (k < 0) {
                json_decref(node);
                return k;
        }
        return place_value(r, node, pos, expanded, false);
}

static bool
tag_is(struct fy_token *tag, const char *want)
{
        size_t len;
        const char *t;

        if (!tag)
                return false;
        t = fy_token_get_text(tag, &len);
        return t && len == strlen(want) && memcmp(t, want, len) == 0;
}

static json_t *
scalar_value(struct yreader *r, struct fy_event *fye, struct ypos pos, bool *ret_merge)
{
        struct fy_token *tok = fye->scalar.value, *tag = fye->scalar.tag;
        enum fy_scalar_style style = fy_token_scalar_style(tok);
        size_t len = 0;
        const char *text = fy_token_get_text(tok, &len);
        bool plain = style == FYSS_PLAIN;
        json_t *v;

        *ret_merge = false;
        if (!text) {
                text = "";
                len = 0;
        }
        if (tag && (tag_is(tag, "tag:yaml.org,2002:str") || tag_is(tag, "!") ||
                    tag_is(tag, "tag:yaml.org,2002:binary")))
                plain = false;
        else if (tag && !plain &&
                 (tag_is(tag, "tag:yaml.org,2002:int") || tag_is(tag, "tag:yaml.org,2002:float") ||
                  tag_is(tag, "tag:yaml.org,2002:bool") || tag_is(tag, "tag:yaml.org,2002:null")))
                plain = true;

        if (!plain) {
                v = json_stringn(text, len);
                if (!v)
                        doc_error(r, pos, "the text is not valid UTF-8");
                return v ? v : json_string("");
        }
        if (len == 2 && text[0] == '<' && text[1] == '<' && !tag)
                *ret_merge = true;
        errno = 0;
        v = yaml_resolve_plain(text, len);
        if (!v && errno == ERANGE) {
                doc_error(r, pos, "%.*s cannot be represented in JSON", (int)len, text);
                return json_null();
        }
        if (!v) {
                doc_error(r, pos, "the text is not valid UTF-8");
                return json_string("");
        }
        return v;
}

static int
syntax_error(struct yreader *r, struct berr **err)
{
        void *iter = NULL;
        struct fy_diag_error *e;
        const char *msg = "invalid YAML";
        int line = 0, col = 0;

        /* the first collected error is the cause; later ones follow from it */
        e = fy_diag_errors_iterate(r->diag, &iter);
        if (e) {
                msg = e->msg;
                line = e->line;
                col = e->column;
        }
        r->done = true;
        /* libfyaml's collected positions are already 1-based */
        return berr(err, 0, "%s:%d:%d: %s", r->name, line, col, msg);
}

static int
handle_event(struct yreader *r, struct fy_event *fye)
{
        struct ypos pos = event_pos(fye);
        struct fy_token *anchor = NULL;
        bool merge = false;
        json_t *v;
        int k;

        switch (fye->type) {
        case FYET_SCALAR: {
                enum fy_scalar_style style = fy_token_scalar_style(fye->scalar.value);

                /* the mark is the text's; messages point at the opening quote */
                if ((style == FYSS_SINGLE_QUOTED || style == FYSS_DOUBLE_QUOTED) && pos.col > 1)
                        pos.col--;
                r->nodes++;
                anchor = fye->scalar.anchor;
                v = scalar_value(r, fye, pos, &merge);
                if (!v)
                        return -ENOMEM;
                if (anchor) {
                        size_t len;
                        const char *t = fy_token_get_text(anchor, &len);
                        k = anchor_define(r, t ? t : "", t ? len : 0, v, 1);
                        if (k < 0) {
                                json_decref(v);
                                return k;
                        }
                }
                return place_value(r, v, pos, 1, merge);
        }
        case FYET_ALIAS: {
                size_t len;
                const char *t = fy_token_get_text(fye->alias.anchor, &len);
                const struct anchor *a = anchor_find(r, t ? t : "", t ? len : 0);

                r->nodes++;
                if (!a) {
                        doc_error(r, pos, "unknown anchor \"%.*s\"", (int)len, t ? t : "");
                        return place_value(r, json_null(), pos, 1, false);
                }
                r->alias_expanded += a->expanded;
                if (r->alias_expanded > YAML_ALIAS_BUDGET && r->alias_expanded > 10 * r->nodes) {
                        r->done = true;
                        return -E2BIG;
                }
                return place_value(r, json_incref(a->node), pos, a->expanded, false);
        }
        case FYET_MAPPING_START:
                r->nodes++;
                v = json_object();
                if (!v)
                        return -ENOMEM;
                return push_frame(r, v, true, pos, fye->mapping_start.anchor);
        case FYET_SEQUENCE_START:
                r->nodes++;
                v = json_array();
                if (!v)
                        return -ENOMEM;
                return push_frame(r, v, false, pos, fye->sequence_start.anchor);
        case FYET_MAPPING_END:
        case FYET_SEQUENCE_END:
                if (r->depth == 0)
                        return -EINVAL;
                return end_frame(r);
        default:
                return 0;
        }
}

int
yreader_next(struct yreader *r, struct ydoc **ret_doc, struct berr **err)
{
        struct fy_event *fye;
        int k;

        while (!r->done) {
                fye = fy_parser_parse(r->fyp);
                if (!fye) {
                        if (fy_parser_get_stream_error(r->fyp)) {
                                reader_reset_doc(r);
                                return syntax_error(r, err);
                        }
                        r->done = true;
                        break;
                }
                switch (fye->type) {
                case FYET_DOCUMENT_START:
                        reader_reset_doc(r);
                        r->doc = calloc(1, sizeof(*r->doc));
                        k = r->doc ? 0 : -ENOMEM;
                        break;
                case FYET_DOCUMENT_END:
                        k = 1;
                        break;
                case FYET_STREAM_END:
                        r->done = true;
                        k = 0;
                        break;
                default:
                        k = r->doc ? handle_event(r, fye) : 0;
                        break;
                }
                fy_parser_event_free(r->fyp, fye);
                if (k == -E2BIG) {
                        reader_reset_doc(r);
                        return berr(err, 0,
                                    "%s: the document expands to too many nodes through aliases",
                                    r->name);
                }
                if (k < 0) {
                        reader_reset_doc(r);
                        r->done = true;
                        return berr(err, -k, "%s", r->name);
                }
                if (k == 1) {
                        *ret_doc = r->doc;
                        r->doc = NULL;
                        reader_reset_doc(r);
                        return 1;
                }
        }
        return 0;
}
