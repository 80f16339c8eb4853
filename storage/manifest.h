/*
 * storage/manifest.h: what a registry sends about an image, parsed strictly:
 * OCI image manifests and indexes, Docker schema2 manifests and manifest
 * lists, image configs, and the choice of one platform from an index.
 *
 * Every structure here owns all it points to; the x_free() functions take
 * NULL and return NULL. Messages name the document and the field:
 * "image manifest: layers[1].digest: 'sha256:12' is not a sha256 digest".
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "extract.h" /* enum layer_compression */
#include "util/digest.h"

struct berr;

#define MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MEDIA_TYPE_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MEDIA_TYPE_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MEDIA_TYPE_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"

/* The Accept header of a manifest request: every kind manifest_parse() reads. */
#define MANIFEST_ACCEPT                                                               \
        MEDIA_TYPE_OCI_INDEX ", " MEDIA_TYPE_OCI_MANIFEST ", " MEDIA_TYPE_DOCKER_LIST \
                             ", " MEDIA_TYPE_DOCKER_MANIFEST

/*
 * Registries cap manifests at 4 MiB (distribution spec, "Pushing
 * Manifests"); containers/image reads no more of a manifest or a config.
 */
#define MANIFEST_SIZE_MAX (UINT64_C(4) << 20)
#define IMAGE_CONFIG_SIZE_MAX (UINT64_C(4) << 20)

/* Sizes are JSON numbers: past 2^53 a double, and so most readers, loses the bytes. */
#define DESCRIPTOR_SIZE_MAX (UINT64_C(1) << 53)

enum manifest_kind {
        MANIFEST_OCI,         /* MEDIA_TYPE_OCI_MANIFEST */
        MANIFEST_OCI_INDEX,   /* MEDIA_TYPE_OCI_INDEX */
        MANIFEST_DOCKER,      /* MEDIA_TYPE_DOCKER_MANIFEST */
        MANIFEST_DOCKER_LIST, /* MEDIA_TYPE_DOCKER_LIST */
        _MANIFEST_KIND_MAX,
        _MANIFEST_KIND_INVALID = -EINVAL,
};

const char *manifest_kind_media_type(enum manifest_kind k);
bool manifest_kind_is_index(enum manifest_kind k);

/* A key and a value: annotations, labels. */
struct manifest_kv {
        char *key;
        char *value;
};

/* An OCI descriptor (image-spec descriptor.md); platform is in struct index_entry. */
struct descriptor {
        char *media_type;
        char digest[DIGEST_STRING_MAX];
        uint64_t size;
        char *artifact_type; /* NULL when absent */
        char **urls;         /* NULL-terminated, NULL when absent; never fetched from */
        size_t n_urls;
        struct manifest_kv *annotations;
        size_t n_annotations;
};

/* NULL when d has no such annotation. */
const char *descriptor_annotation(const struct descriptor *d, const char *key);

/*
 * os, architecture and variant: GOOS/GOARCH names as the documents write
 * them (platform_parse() and platform_host() write them the same way). Short
 * names, so they live in the struct: platform_host() cannot fail.
 */
#define PLATFORM_NAME_MAX 64 /* with the NUL */
/* "os/architecture/variant" */
#define PLATFORM_STRING_MAX (3 * PLATFORM_NAME_MAX)

struct platform {
        char os[PLATFORM_NAME_MAX];
        char architecture[PLATFORM_NAME_MAX];
        char variant[PLATFORM_NAME_MAX];    /* "" when none */
        char os_version[PLATFORM_NAME_MAX]; /* "" when none */
        char **os_features;                 /* NULL-terminated, NULL when none; owned */
};

/* Free what p owns (os_features); p itself may be on the stack. */
void platform_done(struct platform *p);

/*
 * --platform: "os/arch" or "os/arch/variant", each part letters, digits and
 * "._-", stored lowercased as given (matching normalizes). On failure *ret is
 * untouched.
 */
int platform_parse(const char *s, struct platform *ret, struct berr **err);

/*
 * The machine berth runs on, in GOOS/GOARCH names from uname(2): x86_64 is
 * amd64, aarch64 is arm64/v8, armv6l is arm/v6 (ARM's variant is in the
 * machine name; arm/v7 when it says nothing), i686 is 386.
 */
void platform_host(struct platform *ret);

/* "linux/arm64/v8" (no variant: "linux/amd64") into buf. */
void platform_format(const struct platform *p, char buf[PLATFORM_STRING_MAX]);

struct image_layer {
        struct descriptor desc;
        enum layer_compression compression;
        /*
         * Foreign (Docker) or non-distributable (OCI) layers, such as Windows
         * base layers: the manifest may name urls elsewhere. berth fetches
         * them from the registry only, as with any layer.
         */
        bool foreign;
};

/*
 * The error for a foreign layer the registry does not have: berth does not
 * fetch from the urls a manifest names (anyone who can push a manifest could
 * point berth at any host). Always returns a negative errno.
 */
int image_layer_unavailable(const struct image_layer *l, struct berr **err);

/* An OCI image manifest or a Docker schema2 manifest */
struct image_manifest {
        struct descriptor config; /* media type: MEDIA_TYPE_OCI_CONFIG or _DOCKER_CONFIG */
        struct image_layer *layers;
        size_t n_layers;
        char *artifact_type;        /* NULL when absent */
        struct descriptor *subject; /* NULL when absent */
        struct manifest_kv *annotations;
        size_t n_annotations;
};

struct index_entry {
        struct descriptor desc;
        bool has_platform;
        struct platform platform;
};

/* An OCI image index or a Docker manifest list */
struct image_index {
        struct index_entry *manifests;
        size_t n_manifests;
        char *artifact_type;
        struct descriptor *subject;
        struct manifest_kv *annotations;
        size_t n_annotations;
        /*
         * What was pulled ("docker.io/library/busybox:1.36"), for the
         * message of manifest_index_choose(): the caller sets it (owned,
         * freed with the index); NULL says "the index".
         */
        char *ref;
};

struct manifest {
        enum manifest_kind kind;
        unsigned char *raw; /* the bytes exactly as received, NUL-terminated */
        size_t raw_len;
        char digest[DIGEST_STRING_MAX]; /* of raw */
        struct image_manifest *image;   /* kind MANIFEST_OCI or MANIFEST_DOCKER */
        struct image_index *index;      /* kind MANIFEST_OCI_INDEX or MANIFEST_DOCKER_LIST */
};

/*
 * Parse buf[0..len) as the registry sent it with content_type (the
 * Content-Type header, parameters allowed; NULL or a generic type such as
 * "application/json" when it said nothing useful). The kind comes from
 * content_type and the document's mediaType, which must agree; without
 * either it is told from the fields, as containers/image does. Schema 1 is
 * refused. On success *ret is the caller's, to manifest_free().
 */
int manifest_parse(const void *buf, size_t len, const char *content_type, struct manifest **ret,
                   struct berr **err);

/*
 * A pull by digest: the digest of the exact bytes received must be the one
 * asked for (a registry could serve any document under any name).
 */
int manifest_check_digest(const struct manifest *m, const char *want, struct berr **err);

struct manifest *manifest_free(struct manifest *m);

static inline void
manifest_freep(struct manifest **m)
{
        *m = manifest_free(*m);
}

/*
 * The entry of idx for the platform want, as podman chooses (containerd's
 * platform matching): os must match, architecture must match after
 * normalization (x86_64 is amd64, aarch64 arm64, armhf arm/v7, armel arm/v6,
 * i386 386), variants: arm64 means arm64/v8, arm means arm/v7; a wanted arm
 * vN also takes v(N-1) down to v5 and amd64 vN takes v(N-1) down to plain
 * amd64, each in that order of preference, the index's order breaking ties.
 * Entries without a platform and unknown/unknown ones (attestations) are
 * never chosen. *ret points into idx.
 */
int manifest_index_choose(const struct image_index *idx, const struct platform *want,
                          const struct index_entry **ret, struct berr **err);

struct image_history {
        char *created; /* NULL when absent */
        char *created_by;
        char *author;
        char *comment;
        bool empty_layer;
};

struct image_port {
        uint16_t port;
        char protocol[8]; /* "tcp", "udp", "sctp" */
};

/* An image config (OCI image-spec config.md; Docker's container.image.v1 is the same shape) */
struct image_config {
        unsigned char *raw; /* the bytes, NUL-terminated */
        size_t raw_len;
        char digest[DIGEST_STRING_MAX];
        char *media_type;
        struct platform platform; /* architecture, os, variant, os.version, os.features */
        char *created;            /* NULL when absent */
        int64_t created_sec;      /* seconds since the epoch, when created is set */
        char *author;

        /* config: the defaults of a container; NULL / 0 when absent */
        char *user;
        char **env; /* NULL-terminated, "NAME=value" */
        size_t n_env;
        char **entrypoint;
        size_t n_entrypoint;
        char **cmd;
        size_t n_cmd;
        char *working_dir;
        struct manifest_kv *labels;
        size_t n_labels;
        struct image_port *exposed_ports;
        size_t n_exposed_ports;
        char **volumes;
        size_t n_volumes;
        char *stop_signal;

        char **diff_ids; /* rootfs.diff_ids, NULL-terminated */
        size_t n_diff_ids;
        struct image_history *history;
        size_t n_history;
};

/*
 * Parse an image config blob served with media_type (the manifest's
 * config.mediaType): MEDIA_TYPE_OCI_CONFIG or MEDIA_TYPE_DOCKER_CONFIG.
 */
int image_config_parse(const void *buf, size_t len, const char *media_type,
                       struct image_config **ret, struct berr **err);

/*
 * Whether config belongs to m: the bytes are the ones m's config descriptor
 * names (digest and size), and there is one diff_id per layer.
 */
int manifest_check_config(const struct image_manifest *m, const struct image_config *config,
                          struct berr **err);

struct image_config *image_config_free(struct image_config *c);

static inline void
image_config_freep(struct image_config **c)
{
        *c = image_config_free(*c);
}
