/*
 * storage/image-record.h: an image's record in the store, written the same
 * way by pull and load (private to storage/): ROOT/images/<id>/ holds the
 * manifest and the config as their exact bytes, and image.json.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"

struct berr;
struct image_config;
struct storage;

struct image_record {
        const void *manifest; /* the bytes, exactly */
        size_t manifest_len;
        const char *manifest_digest;     /* "sha256:…" of them */
        const char *manifest_media_type; /* MEDIA_TYPE_* */
        const struct image_config *config;
        char (*chains)[DIGEST_STRING_MAX]; /* chain ids, base first */
        size_t n_layers;
        uint64_t size;            /* bytes of the layers, unpacked */
        const char *const *names; /* names to give it (taken from any image that has them) */
        size_t n_names;
};

/*
 * Write the record of rec->config's image (its id: the config's digest),
 * under the store lock. The names it had stay; each of rec->names is
 * added, and taken from whatever other image had it (a name belongs to one
 * image).
 */
int image_record_write(struct storage *s, const struct image_record *rec, struct berr **err);
