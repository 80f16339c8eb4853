/* storage/layer-commit.c: one layer into the store, shared by pull and load */
#include "layer-commit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract.h"
#include "store.h"
#include "tar-split.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

int
layer_chain_ids(char *const *diff_ids, size_t n, char (*out)[DIGEST_STRING_MAX])
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *text = NULL;
                int r;

                if (i == 0) {
                        snprintf(out[0], DIGEST_STRING_MAX, "%s", diff_ids[0]);
                        continue;
                }
                if (asprintf(&text, "%s %s", out[i - 1], diff_ids[i]) < 0)
                        return -ENOMEM;
                r = digest_buffer(text, strlen(text), out[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int
layer_commit_begin(struct storage *s, const char *chain_hex, struct layer_commit *c,
                   struct berr **err)
{
        int r;

        c->s = s;
        if (chain_hex != c->chain_hex)
                snprintf(c->chain_hex, sizeof(c->chain_hex), "%s", chain_hex);
        /* in the local store, or in the shared one to be used in place */
        if (store_has_layer(s, chain_hex)) {
                c->exists = true;
                return 0;
        }
        r = store_shared_use_layer(s, chain_hex, err);
        if (r < 0)
                return r;
        if (r > 0) {
                c->exists = true;
                return 0;
        }
        r = store_layer_lock(s, chain_hex, &c->lock_fd, err);
        if (r < 0)
                return r;
        /* on a shared store, other nodes too: a lock file made with O_EXCL */
        if (s->opts.shared_root && !store_has_layer(s, chain_hex)) {
                r = store_node_lock(s, chain_hex, store_has_layer, &c->node_lock, err);
                if (r < 0)
                        return r;
        }
        if (store_has_layer(s, chain_hex)) {
                /* another pull or load (or node) brought it while we waited */
                c->exists = true;
                (void)close(c->lock_fd);
                c->lock_fd = -EBADF;
                store_node_unlock(s, c->node_lock);
                free(c->node_lock);
                c->node_lock = NULL;
                return 0;
        }
        r = store_tmpdir(s, "layer", &c->tmp_name, &c->tmp_fd, &c->tmp_lock_fd, err);
        if (r < 0)
                return r;
        /* asked here, before the extracting threads start: they only read the answer */
        c->spool = s->opts.shared_root && s->node && !store_shared_holds_overlay(s, c->tmp_fd);
        return 0;
}

/* Extract fd into parent_fd/diff, with c's tar-split (made afresh) in c's tmp directory */
static int
extract_to(struct layer_commit *c, int fd, const struct extract_opts *eo, int parent_fd,
           struct berr **err)
{
        _cleanup_(tar_split_writer_freep) struct tar_split_writer *ts = NULL;
        _cleanup_close_ int diff_fd = -EBADF, ts_fd = -EBADF;
        struct extract_opts o = *eo;
        const char *what = eo->what ? eo->what : "layer";
        int r;

        if (mkdirat(parent_fd, "diff", 0755) < 0)
                return berr(err, errno, "%s: create diff", what);
        diff_fd = openat(parent_fd, "diff", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (diff_fd < 0)
                return berr(err, errno, "%s: open diff", what);
        (void)unlinkat(c->tmp_fd, TAR_SPLIT_FILE, 0);
        ts_fd = openat(c->tmp_fd, TAR_SPLIT_FILE,
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (ts_fd < 0)
                return berr(err, errno, "%s: create %s", what, TAR_SPLIT_FILE);
        r = tar_split_writer_new(ts_fd, &ts, err);
        if (r < 0)
                return berr_wrap(err, "%s", what);
        o.tar_split = ts;
        o.ret_bytes_out = &c->unpacked;
        r = layer_extract_fd(fd, diff_fd, &o, err);
        if (r < 0)
                return r;
        if (eo->ret_bytes_out)
                *eo->ret_bytes_out = c->unpacked;
        /* on the disk before the layer is renamed into place, as its record is */
        if (fsync(ts_fd) < 0)
                return berr(err, errno, "%s: fsync %s", what, TAR_SPLIT_FILE);
        return 0;
}

/* Copy what is left of in to the file out */
static int
spool_copy(int in, int out)
{
        char buf[1 << 16];

        for (;;) {
                ssize_t n = read(in, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                if (fs_write_all(out, buf, (size_t)n) < 0)
                        return -errno;
        }
}

/* What a file system says of an entry it cannot hold (sshfs: mknod EPERM, xattrs EOPNOTSUPP) */
static bool
cannot_hold(int r)
{
        return r == -EPERM || r == -EOPNOTSUPP; /* ENOTSUP is EOPNOTSUPP on Linux */
}

/*
 * layer_commit_extract() into a shared store that may refuse the layer:
 * the blob kept in the node's tmp/ (unless it is a range of a file, read
 * again as it is), extracted into the shared tmp directory; when that
 * fails for want of what the file system cannot hold, extracted again in
 * the node's tmp/ and turned into <chain>.erofs in the shared one.
 */
static int
extract_spooled(struct layer_commit *c, int fd, const struct extract_opts *eo, struct berr **err)
{
        struct storage *node = c->s->node;
        _cleanup_(berr_freep) struct berr *first = NULL;
        _cleanup_free_ char *name = NULL, *diff = NULL, *dir = NULL;
        _cleanup_close_ int dir_fd = -EBADF, lock_fd = -EBADF, blob = -EBADF;
        struct extract_opts o = *eo;
        const char *what = eo->what ? eo->what : "layer";
        int in = fd, r;

        r = store_tmpdir(node, "spool", &name, &dir_fd, &lock_fd, err);
        if (r < 0)
                return r;
        if (!eo->in_range) {
                blob = openat(dir_fd, "blob", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                              0600);
                if (blob < 0) {
                        r = berr(err, errno, "%s: create %s/tmp/%s/blob", what, node->root, name);
                        goto out;
                }
                r = spool_copy(fd, blob);
                if (r < 0 || lseek(blob, 0, SEEK_SET) < 0) {
                        r = berr(err, r < 0 ? -r : errno, "%s: keep the blob in %s/tmp/%s", what,
                                 node->root, name);
                        goto out;
                }
                in = blob;
        }
        r = extract_to(c, in, &o, c->tmp_fd, &first);
        if (r == 0 || !cannot_hold(r)) {
                if (r < 0 && err && !*err)
                        *err = TAKE_PTR(first);
                goto out;
        }
        /* the shared store keeps nothing of it but its EROFS image */
        (void)rm_rf_at(c->tmp_fd, "diff");
        if (!eo->in_range && lseek(blob, 0, SEEK_SET) < 0) {
                r = berr(err, errno, "%s: rewind the blob", what);
                goto out;
        }
        r = extract_to(c, in, &o, dir_fd, err);
        if (r < 0)
                goto out;
        if (asprintf(&diff, "%s/tmp/%s/diff", node->root, name) < 0 ||
            asprintf(&dir, "%s/tmp/%s", c->s->root, c->tmp_name) < 0) {
                r = berr(err, ENOMEM, "%s", what);
                goto out;
        }
        r = store_shared_put_erofs(node, diff, c->tmp_fd, dir, c->chain_hex, err);
        if (r < 0) {
                (void)berr_wrap(err, "%s: the shared store %s cannot hold it as a directory (%s)",
                                what, c->s->root, first ? first->msg : "");
                goto out;
        }
        c->erofs_only = true;
out:
        store_tmpdir_remove(node, name);
        return r;
}

int
layer_commit_extract(struct layer_commit *c, int fd, const struct extract_opts *eo,
                     struct berr **err)
{
        const char *what = eo->what ? eo->what : "layer";

        if (c->tmp_fd < 0)
                return berr(err, EINVAL, "%s: no temporary directory", what);
        if (c->spool)
                return extract_spooled(c, fd, eo, err);
        return extract_to(c, fd, eo, c->tmp_fd, err);
}

int
layer_commit_finish(struct layer_commit *c, const char *digest, const char *diff_id,
                    const char *media_type, uint64_t compressed_size, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *from = NULL, *to = NULL;
        int r;

        if (c->exists || c->committed)
                return 0;
        rec = json_pack("{s:s, s:s, s:s, s:I, s:I}", "digest", digest, "diffID", diff_id,
                        "mediaType", media_type ? media_type : "", "compressedSize",
                        (json_int_t)compressed_size, "size", (json_int_t)c->unpacked);
        if (!rec || (c->erofs_only && json_object_set_new(rec, "erofsOnly", json_true()) < 0))
                return berr(err, ENOMEM, "layer record");
        r = store_write_json(c->tmp_fd, "layer.json", rec, err);
        if (r < 0)
                return r;
        if (asprintf(&from, "tmp/%s", c->tmp_name) < 0 ||
            asprintf(&to, "layers/%s", c->chain_hex) < 0)
                return berr(err, ENOMEM, "layer");
        if (renameat(c->s->root_fd, from, c->s->root_fd, to) < 0) {
                /*
                 * On a shared store a node whose lock went stale may have
                 * finished first: its layer is the same bytes, ours goes.
                 */
                if ((errno == ENOTEMPTY || errno == EEXIST) && c->s->opts.shared_root &&
                    store_has_layer(c->s, c->chain_hex)) {
                        c->exists = true;
                        return 0;
                }
                return berr(err, errno, "move layer %s into place", c->chain_hex);
        }
        c->committed = true;
        return 0;
}

void
layer_commit_done(struct layer_commit *c)
{
        if (c->tmp_fd >= 0)
                (void)close(c->tmp_fd);
        if (c->tmp_name && !c->committed)
                store_tmpdir_remove(c->s, c->tmp_name);
        if (c->tmp_name && c->committed) {
                /* the directory left tmp/ by its rename: its lock file is what remains */
                _cleanup_free_ char *lock = NULL;

                if (asprintf(&lock, "tmp/%s.lock", c->tmp_name) >= 0)
                        (void)unlinkat(c->s->root_fd, lock, 0);
        }
        if (c->tmp_lock_fd >= 0)
                (void)close(c->tmp_lock_fd);
        if (c->lock_fd >= 0)
                (void)close(c->lock_fd);
        if (c->node_lock) {
                store_node_unlock(c->s, c->node_lock);
                free(c->node_lock);
                c->node_lock = NULL;
        }
        free(c->tmp_name);
        c->tmp_name = NULL;
        c->tmp_fd = c->tmp_lock_fd = c->lock_fd = -EBADF;
}

uint64_t
layer_sizes(struct storage *s, char (*chains)[DIGEST_STRING_MAX], size_t n)
{
        uint64_t size = 0;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *lp = NULL;
                json_t *rec = NULL;

                if (asprintf(&lp, "layers/%s/layer.json", digest_hex(chains[i])) >= 0 &&
                    store_read_json(s->root_fd, lp, &rec, NULL) == 0) {
                        size += (uint64_t)json_integer_value(json_object_get(rec, "size"));
                        json_decref(rec);
                }
        }
        return size;
}
