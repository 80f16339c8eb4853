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

#include <errno.h>
#include <jansson.h>
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
        /* something the user should know that is not a failure (save: "the image ID changes") */
        void (*warning)(void *userdata, const char *message);
        void *userdata;
};

/* Shared base layers: layers of a shared store used in place (storage/shared.c) */
enum storage_shared {
        STORAGE_SHARED_OFF,
        STORAGE_SHARED_ON,       /* when the shared store can be used; else a warning */
        STORAGE_SHARED_REQUIRED, /* else an error */
};

struct storage_opts {
        const char *root;      /* the store */
        const char *platform;  /* "os/arch[/variant]", NULL: this machine's */
        int tls_verify;        /* 1 verify, 0 do not (and allow plain HTTP), -1 registries.conf */
        int max_parallel;      /* layers fetched at once; 0: 3 */
        const char *auth_file; /* NULL: podman's default places */
        const char *creds;     /* "user:password" or NULL */
        struct storage_events events; /* all optional */
        const char *shared_store;     /* the shared layer store's directory, or NULL */
        enum storage_shared shared_layers;
        /*
         * Layers as EROFS images: pull --shared makes layers/<chain>/<chain>.erofs
         * beside each diff/, and nodes loop-mount those instead of reading the
         * directories (one file: no metadata round trip per file). Off: the
         * directories only.
         */
        bool shared_dirs_only;
        /*
         * This store is itself a shared layer store: other nodes work in it,
         * so layers are locked with lock files (not flock alone) and only old
         * leftovers are removed.
         */
        bool shared_root;
};

int storage_open(const struct storage_opts *opts, struct storage **ret, struct berr **err);
struct storage *storage_close(struct storage *s);
/*
 * In a forked child that goes on using s: a lock file of its own. The store
 * lock is an flock, held through an open file; a child sharing its
 * parent's would hold the lock whenever the parent does.
 */
int storage_after_fork(struct storage *s, struct berr **err);
/*
 * For a child that shares our memory (util/vmchild.h) and goes on using
 * the store: a copy of s with a lock file of its own, s left as it is. The
 * child's copies of s's lock files are closed: a lock s holds is s's
 * alone, and is gone when s's process dies. The copy shares s's strings
 * and is never closed: the child ends in exec or _exit. NULL with *err.
 */
struct storage *storage_child_copy(const struct storage *s, struct berr **err);

static inline void
storage_closep(struct storage **s)
{
        *s = storage_close(*s);
}

/*
 * The bytes of image_id's layers (unpacked) that are copies on this node's
 * disk, and those used in place from the shared store. 0 or -errno.
 */
int storage_image_layer_bytes(struct storage *s, const char *image_id, uint64_t *ret_local,
                              uint64_t *ret_shared);
/*
 * Remove the layers of the local store no image uses (a pull or load that
 * was cut short, or a removal that could not take a layer's lock): their
 * chain IDs (NULL-terminated, malloc'd) and the bytes freed.
 */
int storage_prune(struct storage *s, char ***ret_removed, uint64_t *ret_bytes, struct berr **err);
/*
 * Remove from the shared layer store the layers no node's reference and
 * none of the store's own images name (and that are an hour old, and not
 * being brought in): their chain IDs (NULL-terminated, malloc'd) and the
 * bytes freed.
 */
int storage_shared_prune(struct storage *s, char ***ret_removed, uint64_t *ret_bytes,
                         struct berr **err);
/*
 * Unmount the shared store's EROFS images mounted on this node
 * (ROOT/shared-mounts/<chain>) that no container uses, running or stopped
 * (a stopped one starts again on the same lowerdirs); with
 * keep_image_layers, also those a local image still names. A busy mount is
 * left mounted, silently. *ret: their chain IDs (NULL-terminated,
 * malloc'd; NULL when none). Needs no shared store open: the mounts are
 * the node's.
 */
int storage_shared_unmount_unused(struct storage *s, bool keep_image_layers, char ***ret,
                                  struct berr **err);

/* A node whose references (refs/<id>/ on the shared store) keep shared layers from a prune */
struct storage_shared_node {
        char *id;        /* 32 hex: digest of its host name and its store's path */
        char *host;      /* what its records say; NULL when none could be read */
        char *root;      /* its local store's path */
        size_t images;   /* its reference records: one per image using shared layers */
        int64_t written; /* when its newest record was written (seconds since the epoch) */
        bool self;       /* this node */
};

/* This node's reference name on a shared store (32 hex, malloc'd). */
int storage_shared_node_id(struct storage *s, char **ret, struct berr **err);
/* The nodes that have references on s's shared store, oldest record first. */
int storage_shared_nodes(struct storage *s, struct storage_shared_node **ret, size_t *ret_n,
                         struct berr **err);
void storage_shared_nodes_free(struct storage_shared_node *nodes, size_t n);
/*
 * Forget a node that is gone: remove refs/<id>/ from the shared store, so
 * that a prune no longer keeps the layers only it used. node: its ID or a
 * unique prefix of it (*ret_id: the whole ID, malloc'd). This node's own
 * references are refused (they go with its images: berth rmi).
 */
int storage_shared_forget_node(struct storage *s, const char *node, char **ret_id,
                               struct berr **err);

/*
 * Pull name into the shared layer store (which s must be using), then into
 * s, whose pull then finds every layer there and copies none.
 */
int storage_pull_shared(struct storage *s, const char *name, char **ret_id, struct berr **err);
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

/*
 * The layers of img this node uses in place from the shared store (not on
 * its disk): a JSON array of their chain IDs (empty without a shared store).
 * NULL when out of memory.
 */
json_t *storage_image_shared_layers(struct storage *s, const struct storage_image *img);

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
        uint64_t images_bytes, layers_bytes; /* layers: on this node's disk */
        /* layers the images use in place from the shared store: not on this disk */
        size_t shared_layers;
        uint64_t shared_bytes;
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

/*
 * Containers: one record each (JSON, written atomically) and the
 * directories of its writable layer (upper, work) and userdata. Records are
 * JSON objects whose fields the runtime owns; the store adds "id",
 * "created" (nanoseconds since the epoch) and "state": "creating" on create.
 */
/* Every container record (a JSON array). */
int storage_containers(struct storage *s, json_t **ret, struct berr **err);
/* A container by name, ID or unique ID prefix. */
int storage_container_find(struct storage *s, const char *what, json_t **ret, struct berr **err);
/*
 * Create the record rec (its "name" must be free) and the directories;
 * returns the ID: rec's "id" when it has one (from storage_new_id(), for
 * a record that names things after its ID from its first write), else a
 * new one.
 */
int storage_container_create(struct storage *s, json_t *rec, char **ret_id, struct berr **err);
/* A new random record ID, 64 hex digits. */
int storage_new_id(char out[65], struct berr **err);
/*
 * Merge changes into the record of id, under the store lock; durable: on
 * the disk before returning (else atomic for readers only: run states).
 */
int storage_container_update(struct storage *s, const char *id, const json_t *changes, bool durable,
                             struct berr **err);
/*
 * Make the records of ids (NULL-terminated; NULL: none), written without
 * durable, durable: each record and its directory fsynced, then the
 * containers directory once.
 */
int storage_containers_sync(struct storage *s, char *const *ids, struct berr **err);
/* ROOT/containers/<id> (malloc'd). */
int storage_container_dir(struct storage *s, const char *id, char **ret, struct berr **err);
/* Remove the record and every file of the container. */
int storage_container_remove(struct storage *s, const char *id, struct berr **err);
/* Whether a container uses image_id (and which, malloc'd, when ret_container). */
bool storage_image_in_use(struct storage *s, const char *image_id, char **ret_container);
/* The diff directories of an image's layers, base first (NULL-terminated, malloc'd). */
int storage_image_layer_dirs(struct storage *s, const char *image_id, char ***ret, size_t *ret_n,
                             struct berr **err);
/* The store's root directory. */
const char *storage_root(const struct storage *s);

/*
 * Pod records, kept as container records are: ROOT/pods/<id>/pod.json,
 * with volumes/ and etc/ beside it. Created in state "creating".
 */
int storage_pods(struct storage *s, json_t **ret, struct berr **err);
int storage_pod_find(struct storage *s, const char *what, json_t **ret, struct berr **err);
int storage_pod_create(struct storage *s, json_t *rec, char **ret_id, struct berr **err);
int storage_pod_update(struct storage *s, const char *id, const json_t *changes, bool durable,
                       struct berr **err);
int storage_pod_dir(struct storage *s, const char *id, char **ret, struct berr **err);
int storage_pod_remove(struct storage *s, const char *id, struct berr **err);
/* The image's OCI config (the whole document, as pulled). */
int storage_image_config(struct storage *s, const char *image_id, json_t **ret, struct berr **err);

enum storage_archive_format {
        STORAGE_ARCHIVE_DOCKER, /* docker-archive: what `docker save` and `podman save` write */
        STORAGE_ARCHIVE_OCI,    /* oci-archive: an OCI image layout in a tar */
        _STORAGE_ARCHIVE_FORMAT_MAX,
        _STORAGE_ARCHIVE_FORMAT_INVALID = -EINVAL,
};

/* "docker-archive" or "oci-archive"; _STORAGE_ARCHIVE_FORMAT_INVALID for anything else. */
enum storage_archive_format storage_archive_format_from_string(const char *s);

/*
 * Write images (names, ids or id prefixes, as for storage_image_find())
 * to out_fd as one archive, streamed as it is made (a pipe is fine).
 * Layers go as the exact tars they came as, rebuilt from the layer and its
 * tar-split, so the image keeps its id; a layer that cannot be rebuilt (no
 * tar-split, or a tar that named a path twice) goes as a fresh tar with a
 * new diff id and its image with a new config and id, which the warning
 * event reports. docker-archive takes several images (their names as
 * RepoTags, when named by name); oci-archive one (org.opencontainers.
 * image.ref.name). Layers are uncompressed, as podman writes them.
 */
int storage_save(struct storage *s, char *const *images, size_t n_images,
                 enum storage_archive_format format, int out_fd, struct berr **err);

/*
 * Load the images of a docker-archive (Docker's old layout or its OCI one
 * of Docker 25) or an oci-archive read from fd (a file, or a pipe, which
 * is copied under ROOT/tmp first; gzip and zstd archives too), told apart
 * by content. Each layer the store lacks is checked against its digests
 * and stored as a pull stores it. *ret_names: what podman's load prints
 * after "Loaded image: ", the names given ("sha256:<id>" for an image
 * without one), malloc'd.
 */
int storage_load(struct storage *s, int fd, char ***ret_names, size_t *ret_n, struct berr **err);
