/*
 * kube/yaml.h: YAML (and JSON) streams read the way Kubernetes reads them
 * (sigs.k8s.io/yaml): one jansson tree per document, YAML 1.1 scalars,
 * aliases and merge keys resolved, duplicate keys refused. A side table
 * keeps where every value (and every key) stood in the file.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

struct ypos {
        uint32_t line, col; /* 1-based; 0 when unknown */
};

struct yerror {
        struct ypos pos;
        char *path; /* field path, "" at the root */
        char *msg;
};

struct ypos_entry;

struct ydoc {
        json_t *root;           /* NULL for an empty document */
        struct ypos pos;        /* where the root node starts */
        struct ypos_entry *tab; /* open addressing, n_tab slots (a power of two) */
        size_t n_tab, n_used;
        struct yerror *errors; /* problems that make the document invalid */
        size_t n_errors;
};

struct yreader;

/*
 * name is what messages call the input (the path as the user gave it).
 * The reader keeps its own copy of buf.
 */
int yreader_new(const char *buf, size_t len, const char *name, struct yreader **ret,
                struct berr **err);
int yreader_new_file(const char *path, struct yreader **ret, struct berr **err);

/*
 * The next document: 1 with *ret_doc, 0 at the end of the stream, < 0 on a
 * syntax error, with "name:line:col: message" in *err. A syntax error ends
 * the stream.
 */
int yreader_next(struct yreader *r, struct ydoc **ret_doc, struct berr **err);
const char *yreader_name(const struct yreader *r);
struct yreader *yreader_free(struct yreader *r);

struct ydoc *ydoc_free(struct ydoc *d);

/*
 * Where the value of parent[key] (objects) or parent[idx] (arrays) stands;
 * also where its key stands when ret_key is not NULL. parent NULL asks for
 * the root. False when the table has no entry.
 */
bool ydoc_pos(const struct ydoc *d, const json_t *parent, const char *key, size_t idx,
              struct ypos *ret_val, struct ypos *ret_key);

/* Exposed for tests: the YAML 1.1 reading of a plain scalar, as a new reference. */
json_t *yaml_resolve_plain(const char *s, size_t len);

static inline void
ydoc_freep(struct ydoc **d)
{
        *d = ydoc_free(*d);
}

static inline void
yreader_freep(struct yreader **r)
{
        *r = yreader_free(*r);
}
