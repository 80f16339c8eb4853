/*
 * tests/fuzz/fuzz-manifest.c: bytes from a registry read as a manifest or
 * an index under each Content-Type, and as an image config under both
 * config media types; what parses goes through platform choice and the
 * config check. The kept raw bytes and their digest must be the input's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/manifest.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const content_types[] = {
        NULL,
        "application/json",
        MEDIA_TYPE_OCI_MANIFEST,
        MEDIA_TYPE_OCI_INDEX,
        MEDIA_TYPE_DOCKER_MANIFEST,
        "application/vnd.docker.distribution.manifest.list.v2+json; charset=utf-8",
};

static const char *const platforms[] = {
        "linux/amd64",    "linux/arm/v7",  "linux/arm64",
        "linux/amd64/v3", "windows/amd64", "linux/386",
};

static void
use_index(struct image_index *idx)
{
        for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++) {
                const struct index_entry *e = NULL;
                struct berr *err = NULL;
                struct platform p;

                if (platform_parse(platforms[i], &p, NULL) < 0)
                        abort();
                if (manifest_index_choose(idx, &p, &e, &err) == 0) {
                        if (e < idx->manifests || e >= idx->manifests + idx->n_manifests ||
                            !e->has_platform)
                                abort();
                } else if (!err || !err->msg) {
                        abort();
                }
                berr_free(err);
        }
        /* with a reference in the message too */
        idx->ref = strdup("docker.io/library/busybox:1.36");
        {
                const struct index_entry *e = NULL;
                struct berr *err = NULL;
                struct platform p;

                platform_host(&p);
                (void)manifest_index_choose(idx, &p, &e, &err);
                berr_free(err);
                platform_done(&p);
        }
}

static void
use_image(const struct image_manifest *im, const uint8_t *data, size_t size)
{
        for (size_t i = 0; i < im->n_layers; i++) {
                struct berr *err = NULL;

                if (image_layer_unavailable(&im->layers[i], &err) >= 0)
                        abort();
                berr_free(err);
        }
        for (int k = 0; k < 2; k++) {
                struct image_config *c = NULL;
                struct berr *err = NULL;

                if (image_config_parse(data, size,
                                       k ? MEDIA_TYPE_DOCKER_CONFIG : MEDIA_TYPE_OCI_CONFIG, &c,
                                       &err) == 0)
                        (void)manifest_check_config(im, c, NULL);
                image_config_free(c);
                berr_free(err);
        }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s;

        for (size_t i = 0; i < sizeof(content_types) / sizeof(content_types[0]); i++) {
                struct manifest *m = NULL;
                struct berr *err = NULL;

                if (manifest_parse(data, size, content_types[i], &m, &err) == 0) {
                        if (m->raw_len != size || memcmp(m->raw, data, size) != 0 ||
                            manifest_check_digest(m, m->digest, NULL) != 0)
                                abort();
                        if (m->index)
                                use_index(m->index);
                        if (m->image)
                                use_image(m->image, data, size);
                } else if (!err || !err->msg || m) {
                        abort();
                }
                manifest_free(m);
                berr_free(err);
        }
        for (int k = 0; k < 2; k++) {
                struct image_config *c = NULL;
                struct berr *err = NULL;

                if (image_config_parse(data, size,
                                       k ? MEDIA_TYPE_DOCKER_CONFIG : MEDIA_TYPE_OCI_CONFIG, &c,
                                       &err) == 0) {
                        if (c->raw_len != size || memcmp(c->raw, data, size) != 0 || !c->diff_ids ||
                            c->diff_ids[c->n_diff_ids])
                                abort();
                } else if (!err || !err->msg || c) {
                        abort();
                }
                image_config_free(c);
                berr_free(err);
        }

        /* the same bytes as a --platform value */
        if (size < 256 && (s = malloc(size + 1))) {
                struct platform p;

                memcpy(s, data, size);
                s[size] = '\0';
                if (platform_parse(s, &p, NULL) == 0)
                        platform_done(&p);
                free(s);
        }
        return 0;
}
