/*
 * storage/storage.h: images, as berth keeps them. A content-addressed store
 * under the root directory:
 *
 *   ROOT/layers/<chain-id hex>/diff/    an extracted layer (an overlay lowerdir)
 *   ROOT/layers/<chain-id hex>/layer.json
 *   ROOT/images/<image id hex>/image.json, manifest, config
 *   ROOT/tmp/                          work in progress, renamed into place
 *
 * A layer or image appears under its final name only once it is complete
 * and verified (rename), so a crash leaves nothing a later run would use;
 * the next run removes what is left in tmp/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;
struct storage;

/* What a pull reports as it goes, for the command line to show. */
struct storage_blob_progress {
        const char *digest;
        uint64_t done, size;
        bool finished;
        bool exists; /* already in the store: nothing to fetch */
};

struct storage_events {
        void (*trying)(void *userdata, const char *ref); /* each name a short name resolves to */
        void (*blobs)(void *userdata, const struct storage_blob_progress *b, size_t n);
        void (*config)(void *userdata, const char *digest);
        void (*writing)(void *userdata);
        void *userdata;
};

struct storage_opts {
        const char *root;      /* the store */
        const char *platform;  /* "os/arch[/variant]", NULL: this machine's */
        int tls_verify;        /* 1 verify, 0 do not (and allow plain HTTP), -1 registries.conf */
        int max_parallel;      /* layers fetched at once; 0: 3 */
        const char *auth_file; /* NULL: podman's default places */
        const char *creds;     /* "user:password" or NULL */
        struct storage_events events; /* all optional */
};

int storage_open(const struct storage_opts *opts, struct storage **ret, struct berr **err);
struct storage *storage_close(struct storage *s);

static inline void
storage_closep(struct storage **s)
{
        *s = storage_close(*s);
}

/* Pull name (a reference as a user writes it) and return the image id (64 hex, malloc'd). */
int storage_pull(struct storage *s, const char *name, char **ret_id, struct berr **err);

struct storage_image {
        char *id;     /* 64 hex: the config's digest */
        char **names; /* "docker.io/library/busybox:1.36", ... */
        size_t n_names;
        char *digest;    /* the manifest's digest */
        int64_t created; /* seconds since the epoch, from the config; 0 when unknown */
        uint64_t size;   /* bytes of its layers, unpacked */
        char **layers;   /* chain ids, base first */
        size_t n_layers;
};

void storage_image_clear(struct storage_image *img);

/* Every image, newest first. */
int storage_images(struct storage *s, struct storage_image **ret, size_t *ret_n, struct berr **err);
void storage_images_free(struct storage_image *imgs, size_t n);

/* An image by id, id prefix (at least 3 hex digits) or name. */
int storage_image_find(struct storage *s, const char *what, struct storage_image *ret,
                       struct berr **err);

/* The image record as JSON text (manifest, config and names), for `image inspect`. */
int storage_image_inspect(struct storage *s, const char *what, char **ret_json, struct berr **err);

/*
 * Remove a name, or the image when it has no name left (force: every name).
 * Layers no image uses any more are removed too. Returns the ids removed.
 */
int storage_image_remove(struct storage *s, const char *what, bool force, char ***ret_ids,
                         size_t *ret_n, struct berr **err);

struct storage_df {
        size_t images, layers;
        uint64_t images_bytes, layers_bytes;
};

int storage_df(struct storage *s, struct storage_df *ret, struct berr **err);

/*
 * Check user and password against registry (a host[:port]), then keep them
 * in the auth file (opts->auth_file, else podman's default place).
 */
int storage_login(const struct storage_opts *opts, const char *registry, const char *user,
                  const char *password, struct berr **err);
/* Forget the credentials of registry; NULL: of every registry. 0 when there were none. */
int storage_logout(const struct storage_opts *opts, const char *registry, struct berr **err);
