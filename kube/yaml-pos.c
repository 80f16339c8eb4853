/*
 * kube/yaml-pos.c: the position side table of a document. Entries are keyed
 * by (parent node, key) rather than by the node itself: jansson shares one
 * true, false and null, so a node's address does not say where it stood.
 * A key is kept as its 64-bit hash; two keys of one mapping colliding would
 * only misplace a message.
 */
#include "yaml-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t
ypos_key_hash(const char *key, size_t len)
{
        uint64_t h = 1469598103934665603ULL; /* FNV-1a */

        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)key[i];
                h *= 1099511628211ULL;
        }
        return h | (1ULL << 63); /* never equal to an array index */
}

static size_t
slot_of(const void *parent, uint64_t key, size_t mask)
{
        uint64_t h = (uint64_t)(uintptr_t)parent * 0x9E3779B97F4A7C15ULL;

        h ^= key + 0x632BE59BD9B4E019ULL + (h << 6) + (h >> 2);
        h ^= h >> 29;
        return (size_t)h & mask;
}

static int
ypos_grow(struct ydoc *d)
{
        size_t n = d->n_tab ? d->n_tab * 2 : 256;
        struct ypos_entry *tab = calloc(n, sizeof(*tab));

        if (!tab)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_tab; i++) {
                const struct ypos_entry *e = &d->tab[i];
                size_t s;

                if (!e->parent)
                        continue;
                for (s = slot_of(e->parent, e->key, n - 1); tab[s].parent; s = (s + 1) & (n - 1))
                        ;
                tab[s] = *e;
        }
        free(d->tab);
        d->tab = tab;
        d->n_tab = n;
        return 0;
}

int
ypos_put(struct ydoc *d, const void *parent, uint64_t key, struct ypos val, struct ypos k)
{
        size_t s;

        if ((d->n_used + 1) * 4 > d->n_tab * 3 && ypos_grow(d) < 0)
                return -ENOMEM;
        for (s = slot_of(parent, key, d->n_tab - 1); d->tab[s].parent; s = (s + 1) & (d->n_tab - 1))
                if (d->tab[s].parent == parent && d->tab[s].key == key)
                        break;
        if (!d->tab[s].parent)
                d->n_used++;
        d->tab[s] = (struct ypos_entry){.parent = parent, .key = key, .val = val, .key_pos = k};
        return 0;
}

const struct ypos_entry *
ypos_get(const struct ydoc *d, const void *parent, uint64_t key)
{
        if (!d->n_tab)
                return NULL;
        for (size_t s = slot_of(parent, key, d->n_tab - 1); d->tab[s].parent;
             s = (s + 1) & (d->n_tab - 1))
                if (d->tab[s].parent == parent && d->tab[s].key == key)
                        return &d->tab[s];
        return NULL;
}

bool
ydoc_pos(const struct ydoc *d, const json_t *parent, const char *key, size_t idx,
         struct ypos *ret_val, struct ypos *ret_key)
{
        const struct ypos_entry *e;

        if (!parent) {
                if (ret_val)
                        *ret_val = d->pos;
                if (ret_key)
                        *ret_key = d->pos;
                return true;
        }
        e = ypos_get(d, parent, key ? ypos_key_hash(key, strlen(key)) : (uint64_t)idx);
        if (!e)
                return false;
        if (ret_val)
                *ret_val = e->val;
        if (ret_key)
                *ret_key = e->key_pos;
        return true;
}
