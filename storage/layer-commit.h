/*
 * storage/layer-commit.h: one layer into the store, the way pull and load
 * both bring it (private to storage/): under the layer's lock, extracted
 * into a directory of ROOT/tmp with its tar-split beside it, its record
 * written, then renamed to ROOT/layers/<chain id hex>. Until the rename
 * nothing is under the final name; a crash leaves a tmp entry that the
 * next run removes.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/digest.h"

struct berr;
struct extract_opts;
struct storage;

struct layer_commit {
        struct storage *s;
        char chain_hex[DIGEST_SHA256_HEX + 1];
        bool exists;     /* the store has it: nothing to do */
        bool committed;  /* moved into place */
        int lock_fd;     /* the layer's lock (locks/<chain>) */
        char *node_lock; /* a shared store's cross-node lock (locks/<chain>.node), or NULL */
        char *tmp_name;  /* ROOT/tmp/<tmp_name>, its lock held through tmp_lock_fd */
        int tmp_fd, tmp_lock_fd;
        uint64_t unpacked; /* bytes of the uncompressed tar */
        /*
         * A shared store whose file system may not hold the layer as a
         * directory (overlay whiteouts, opaque directories, device nodes):
         * the blob is kept in the node's tmp/ while it is extracted, so that
         * it can be extracted again there when the shared store refuses it.
         */
        bool spool;
        bool erofs_only; /* kept in the shared store as its EROFS image only, no diff/ */
};

/* A layer_commit with nothing open, for layer_commit_done() to take at any point. */
#define LAYER_COMMIT_INIT                                                  \
        {                                                                  \
                .lock_fd = -EBADF, .tmp_fd = -EBADF, .tmp_lock_fd = -EBADF \
        }

/*
 * Chain ids (OCI image spec: the first is the first diff id, then the
 * digest of "<previous chain id> <diff id>") of n diff ids into out.
 * Returns 0 or -ENOMEM.
 */
int layer_chain_ids(char *const *diff_ids, size_t n, char (*out)[DIGEST_STRING_MAX]);

/*
 * Start bringing layer chain_hex in: when the store has it, c->exists is
 * set and that is all; else its lock is taken (waiting for a pull or load
 * bringing the same layer: c->exists when that one finished it) and a tmp
 * directory made. c must be LAYER_COMMIT_INIT.
 */
int layer_commit_begin(struct storage *s, const char *chain_hex, struct layer_commit *c,
                       struct berr **err);

/*
 * Extract the blob read from fd (per *eo: digests, compression, range)
 * into the tmp directory's diff/, recording its tar-split beside it. Sets
 * c->unpacked. eo->tar_split is c's own: leave it NULL. Safe to run on a
 * thread of its own, one per layer_commit.
 *
 * Into a shared store whose file system refuses an entry (a whiteout, an
 * opaque directory, a device node: EPERM, EOPNOTSUPP), the layer is
 * extracted again in the node's tmp/ and kept as <chain>.erofs alone
 * (c->erofs_only), which every node mounts in place.
 */
int layer_commit_extract(struct layer_commit *c, int fd, const struct extract_opts *eo,
                         struct berr **err);

/*
 * Write layer.json (digest: the blob as it came, its media type and size)
 * and rename the tmp directory into place.
 */
int layer_commit_finish(struct layer_commit *c, const char *digest, const char *diff_id,
                        const char *media_type, uint64_t compressed_size, struct berr **err);

/* Close what c holds; remove its tmp directory (when not committed) and lock file. */
void layer_commit_done(struct layer_commit *c);

/* The bytes of the given layers, unpacked, from their records (0 for those without). */
uint64_t layer_sizes(struct storage *s, char (*chains)[DIGEST_STRING_MAX], size_t n);
