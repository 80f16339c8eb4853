/* storage/store.h: the store's layout, its lock and its records (private to storage/) */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "storage.h"

struct registries_conf;

struct storage {
        struct storage_opts opts;
        char *root;
        int root_fd;                  /* O_PATH of the root */
        int lock_fd;                  /* ROOT/.lock, flock()ed for changes to image records */
        struct registries_conf *conf; /* NULL until a pull needs it: store_registries() */
        struct storage *shared; /* the shared layer store in use, or NULL (storage/shared.c) */
        /*
         * Of a shared store: the node's local store that opened it, whose
         * tmp/ takes the layers the shared file system cannot hold as a
         * directory (NULL when opened on its own, berth --root SHARED).
         */
        struct storage *node;
        /* Of a shared store: whether its file system holds overlay whiteouts (1), not (-1), unknown
         * (0) */
        int holds_overlay;
};

/*
 * Write JSON to dirfd/name atomically: a temp file beside it, fsync, rename,
 * then fsync of the directory, so a reader sees the old record or the new
 * one, never a part.
 */
int store_write_json(int dirfd, const char *name, const json_t *j, struct berr **err);
/*
 * s->conf: registries.conf and its .d files, read the first time a pull
 * needs them (the commands that only use what the store holds do not);
 * 0 or -errno.
 */
int store_registries(struct storage *s, struct berr **err);
int store_write_file(int dirfd, const char *name, const void *buf, size_t len, struct berr **err);
/* Read dirfd/name as JSON; -ENOENT when it does not exist. */
int store_read_json(int dirfd, const char *name, json_t **ret, struct berr **err);

/*
 * Open the shared layer store of s->opts when shared base layers are on:
 * s->shared, or NULL with a warning saying why (-errno instead when they
 * are required, or when the store is writable by others).
 */
int store_open_shared(struct storage *s, struct berr **err);
/*
 * Whether s uses a shared store that has the layer chain_hex, in a form
 * this node can use in place: an EROFS-only layer (see
 * store_shared_layer_erofs_only()) counts only where this node mounts
 * EROFS images (root, --shared-layer-format erofs).
 */
bool store_shared_has_layer(struct storage *s, const char *chain_hex);
/*
 * Whether layer chain_hex of shared (a shared store) is kept only as its
 * EROFS image: layers/<chain>/{layer.json, <chain>.erofs}, no diff/ (a
 * layer whose whiteouts, opaque directories or device nodes the shared
 * file system cannot hold; "erofsOnly": true in its layer.json).
 */
bool store_shared_layer_erofs_only(struct storage *shared, const char *chain_hex);
/*
 * For a pull into s: 1 when the shared store's layer chain_hex is used in
 * place (nothing to fetch), 0 when it is to be copied to the local store:
 * the shared store lacks it, or has it only as an EROFS image that this
 * node cannot mount (--shared-layer-format dir, not root, or the mount
 * failed: one warning line says so). With shared base layers "required"
 * that fallback is an error instead (-errno).
 */
int store_shared_use_layer(struct storage *s, const char *chain_hex, struct berr **err);
/*
 * Whether the file system of shared (a shared store) holds overlay
 * whiteouts (0/0 character devices) and trusted.overlay.* xattrs: tried
 * once per process in dirfd, a directory of the store's tmp/ (nothing is
 * left there). sshfs and many NFS, Lustre or CIFS setups do not.
 */
bool store_shared_holds_overlay(struct storage *shared, int dirfd);
/*
 * Build src_dir (a layer's tree on this node's disk) as an EROFS image in
 * the node store's tmp/, then copy it into dirfd (dir: its path, for
 * messages) of the shared store as <chain_hex>.erofs: a temp file beside
 * it, fsynced, renamed. Made locally because mkfs.erofs needs what a disk
 * does (network file systems refuse some of it).
 */
int store_shared_put_erofs(struct storage *node, const char *src_dir, int dirfd, const char *dir,
                           const char *chain_hex, struct berr **err);
/*
 * The lowerdir of the shared store's layer chain_hex (malloc'd): its EROFS
 * image mounted at ROOT/shared-mounts/<chain> (mounted now if need be;
 * root and --shared-layer-format erofs only), else its diff directory,
 * checked to be a directory reached without a symlink from the store's
 * root. A rootless berth never mounts: its overlays, made in a user
 * namespace, are nodev by the kernel's rule.
 */
int store_shared_layer_dir(struct storage *s, const char *chain_hex, char **ret, struct berr **err);

/*
 * A layer lock that holds across nodes (storage/shared.c): locks/<chain>.node
 * created with O_EXCL, stale ones taken over. While another holds it, done()
 * is asked whether the layer arrived: then *ret_name is NULL and nothing is
 * held. Else *ret_name names the lock for store_node_unlock().
 */
int store_node_lock(struct storage *s, const char *chain_hex,
                    bool (*done)(struct storage *, const char *), char **ret_name,
                    struct berr **err);
void store_node_unlock(struct storage *s, const char *name);

/* The file that makes a directory a shared layer store (storage/shared.c) */
#define STORE_SHARED_FORMAT_FILE "berth-shared-store"

/*
 * Record (or, removed, forget) on the shared store which of its layers
 * image_id of this node uses: refs/<node>/<image id>.json, kept by
 * storage_shared_prune(). 0 when there is no shared store, -errno when it
 * could not be written (a read-only store).
 */
int store_shared_ref_update(struct storage *s, const char *image_id, bool removed);

/* Take or drop the store lock (exclusive). */
int store_lock(struct storage *s, struct berr **err);
void store_unlock(struct storage *s);

/*
 * A directory under ROOT/tmp for work in progress, with a lock held on it
 * for as long as *ret_lock_fd is open: a later run removes only tmp entries
 * whose lock it can take (their process is gone).
 */
int store_tmpdir(struct storage *s, const char *prefix, char **ret_name, int *ret_dir_fd,
                 int *ret_lock_fd, struct berr **err);
/* Remove ROOT/tmp/name and its lock file. */
void store_tmpdir_remove(struct storage *s, const char *name);

/* Whether layer chain id (64 hex) is in the store. */
bool store_has_layer(struct storage *s, const char *chain_hex);

/* Per-layer lock, so that concurrent pulls fetch a shared layer once. Blocks. */
int store_layer_lock(struct storage *s, const char *chain_hex, int *ret_fd, struct berr **err);
/* The same lock, shared: a layer being read (save), which nothing may remove meanwhile. Blocks. */
int store_layer_lock_shared(struct storage *s, const char *chain_hex, int *ret_fd,
                            struct berr **err);
/*
 * The exclusive lock if nobody holds the layer's lock (-EWOULDBLOCK when
 * someone does: a pull or load bringing it in, a save reading it).
 */
int store_layer_trylock(struct storage *s, const char *chain_hex, int *ret_fd);

/*
 * storage_image_find(), also saying which of the image's names what
 * matched: *ret_name (malloc'd) is that name, or NULL when what was an id
 * or a digest.
 */
int store_image_lookup(struct storage *s, const char *what, struct storage_image *ret,
                       char **ret_name, struct berr **err);

/* Sum of the regular files' sizes under dirfd (hard links counted once per layer). */
uint64_t store_tree_size(int dir_fd);

/*
 * Remove what a crash left of container and pod creates and removals (a
 * directory without its record, one renamed aside); caller holds the store lock.
 */
void store_clean_record_leftovers(struct storage *s);
