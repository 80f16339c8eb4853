/* kube/yaml-private.h: shared by the files of the YAML reader */
#pragma once

#include "yaml.h"

struct ypos_entry {
        const void *parent; /* NULL: free slot */
        uint64_t key;       /* array index, or ypos_key_hash() of an object key */
        struct ypos val, key_pos;
};

uint64_t ypos_key_hash(const char *key, size_t len);
int ypos_put(struct ydoc *d, const void *parent, uint64_t key, struct ypos val, struct ypos k);
const struct ypos_entry *ypos_get(const struct ydoc *d, const void *parent, uint64_t key);
