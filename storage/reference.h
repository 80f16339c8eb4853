/*
 * storage/reference.h: image references ("busybox", "quay.io/a/b:1.0",
 * "name@sha256:…"), read the way Docker and podman read them
 * (distribution/reference's "normalized named" grammar). Private to storage/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct berr;

/* Docker's limit on "registry/repository" (NameTotalLengthMax) */
#define IMAGE_REF_NAME_MAX 255
/* a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127} */
#define IMAGE_REF_TAG_MAX 128

struct image_ref {
        char *registry;       /* "docker.io", "127.0.0.1:5000", "[::1]:5000", "localhost" */
        char *repository;     /* "library/busybox", "a/b" */
        char *tag;            /* NULL when only a digest was given, "latest" when neither was */
        char *digest;         /* "sha256:<64 hex>", or NULL */
        bool short_name;      /* no registry was given: registry is "docker.io" until the
                               * search list picks one (image_ref_with_registry) */
        bool implied_library; /* "library/" was added by normalization, not typed: a
                               * registry other than docker.io does not get it */
};

/*
 * Parse s. Errors name the reference and what is wrong with it, e.g.
 * "\"Busybox\": the repository name must be lowercase". *ret is set only on
 * success; the caller frees it with image_ref_free().
 */
int image_ref_parse(const char *s, struct image_ref **ret, struct berr **err);

/*
 * short_ref qualified with registry (a search registry, "host[:port]"), as
 * podman builds its candidates: "library/" is added for docker.io only,
 * tag and digest are kept. NULL when registry is not a valid host[:port]
 * that reads back as one (with a '.' or ':', or "localhost"; podman would
 * make "myregistry/busybox" docker.io/myregistry/busybox), when the name would
 * pass IMAGE_REF_NAME_MAX, or when memory runs out.
 */
struct image_ref *image_ref_with_registry(const struct image_ref *short_ref, const char *registry);

/*
 * "registry/repository[:tag][@digest]", the canonical form:
 * "docker.io/library/busybox:1.36" (malloc'd, NULL: ENOMEM).
 */
char *image_ref_string(const struct image_ref *r);

/*
 * "registry/repository", the REPOSITORY column of `berth images` as podman
 * shows it: "docker.io/library/busybox" (malloc'd, NULL: ENOMEM).
 */
char *image_ref_familiar(const struct image_ref *r);

/* Whether s[0..n) is a registry: host[:port], host a DNS name, IPv4 or [IPv6]. */
bool image_ref_registry_valid(const char *s, size_t n);

struct image_ref *image_ref_free(struct image_ref *r);

static inline void
image_ref_freep(struct image_ref **r)
{
        *r = image_ref_free(*r);
}
