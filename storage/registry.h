/*
 * storage/registry.h: the OCI distribution API of one registry, over
 * libcurl: manifests, blobs in parallel (the multi interface), the
 * anonymous-token and basic authentication flows, retries.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;
struct registry;

struct registry_opts {
        bool tls_verify;  /* false: no certificate check, and plain HTTP when HTTPS fails */
        const char *user; /* credentials, or NULL */
        const char *password;
};

int registry_new(const char *host, const struct registry_opts *opts, struct registry **ret,
                 struct berr **err);
struct registry *registry_free(struct registry *r);

static inline void
registry_freep(struct registry **r)
{
        *r = registry_free(*r);
}

/* Whether the registry takes the credentials given to registry_new(). */
int registry_check_login(struct registry *r, struct berr **err);

/* The accepted manifest media types, for the Accept header. */
extern const char *const registry_manifest_types[];

/*
 * GET /v2/REPO/manifests/REF. The body is NUL-terminated (not counted in
 * ret_len); content type as the registry said it (may be NULL).
 */
int registry_get_manifest(struct registry *r, const char *repo, const char *ref, char **ret_body,
                          size_t *ret_len, char **ret_content_type, struct berr **err);

/* GET a small blob (an image config) into memory, at most max bytes, digest checked. */
int registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
                      char **ret_body, size_t *ret_len, struct berr **err);

struct blob_fetch {
        const char *digest;
        uint64_t size; /* expected, from the manifest */
        int fd;        /* bytes go here (a pipe to the extractor); not closed */
        uint64_t done; /* bytes written so far */
        bool finished;
        int result;  /* 0 or -errno once finished */
        char *error; /* the message when result < 0 (malloc'd) */
};

typedef void (*blob_progress_fn)(void *userdata, const struct blob_fetch *blobs, size_t n);

/*
 * Fetch every blob, at most max_parallel at once, each written to its fd as
 * it arrives. Broken transfers are resumed (Range) or retried with back-off.
 * Returns 0 when all finished well, else the first failure (each blob's own
 * result says which). on_finish is called once per blob as soon as it is
 * done (the caller closes the fd there, so its reader sees EOF).
 */
int registry_fetch_blobs(struct registry *r, const char *repo, struct blob_fetch *blobs, size_t n,
                         int max_parallel, blob_progress_fn progress,
                         void (*on_finish)(void *userdata, struct blob_fetch *b), void *userdata,
                         struct berr **err);
