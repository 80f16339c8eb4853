/*
 * storage/shared.c: the shared layer store, a second store on cluster
 * storage (NFS, Lustre, GPFS, CephFS, sshfs...) that every node mounts.
 * It has the local store's layout (layers/<chain id>/{diff,layer.json,
 * tar-split.zst}, images/...) plus a format file, so any node reads what
 * any other wrote. With shared base layers on, a layer the shared store
 * has is used in place as an overlay lowerdir: a pull fetches nothing for
 * it and the local store keeps no copy.
 *
 * When the shared store cannot be used (not configured as a directory,
 * missing, unreadable, or on a local file system, where sharing would only
 * hide a second copy), berth says why once and copies layers locally as
 * always; with shared base layers "required" that is an error instead. A
 * store others can write to is refused outright, as sshd's StrictModes
 * refuses a writable home: whoever can write there chooses what every
 * container on every node runs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "storage/erofs.h"
#include "storage/sharedfs.h"
#include "storage/storage.h"
#include "storage/store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"
#include "util/strv.h"

#define SHARED_FORMAT_FILE STORE_SHARED_FORMAT_FILE
#define EROFS_MAGIC_FS 0xE0F5E1E2U /* statfs(2) f_type of an EROFS mount */
#define SHARED_FORMAT "berth shared layer store, format 1\n"

/* Write the format file, or check the one another node wrote */
static int
check_format(struct storage *shared, struct berr **err)
{
        char buf[128];
        int e;
        _cleanup_close_ int fd = openat(shared->root_fd, SHARED_FORMAT_FILE,
                                        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        ssize_t n;

        if (fd >= 0) {
                size_t len = strlen(SHARED_FORMAT);
                if (write(fd, SHARED_FORMAT, len) != (ssize_t)len || fsync(fd) < 0)
                        return berr(err, errno ? errno : EIO, "write %s/%s", shared->root,
                                    SHARED_FORMAT_FILE);
                return 0;
        }
        /* there already (sshfs says EPERM, not EEXIST, for another mount's file) */
        e = errno;
        fd = openat(shared->root_fd, SHARED_FORMAT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berr(err, errno == ENOENT ? e : errno, "create %s/%s", shared->root,
                            SHARED_FORMAT_FILE);
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return berr(err, errno, "read %s/%s", shared->root, SHARED_FORMAT_FILE);
        buf[n] = '\0';
        /* a node that is still writing it: the file is short for a moment */
        if (n > 0 && strcmp(buf, SHARED_FORMAT) != 0 && strncmp(buf, SHARED_FORMAT, (size_t)n) != 0)
                return berr(err, 0,
                            "the shared store %s has a format this berth does not know (%s "
                            "says \"%.*s\"), expected \"%.*s\"",
                            shared->root, SHARED_FORMAT_FILE, (int)strcspn(buf, "\n"), buf,
                            (int)strlen(SHARED_FORMAT) - 1, SHARED_FORMAT);
        return 0;
}

/* Why the shared store cannot be used (0), or a refusal (-errno) */
static int
usable(const char *path, char **ret_why, struct berr **err)
{
        _cleanup_(sharedfs_info_done) struct sharedfs_info info = {0};
        struct berr *e = NULL;
        int r;

        if (sharedfs_detect(path, &info, &e) < 0) {
                r = asprintf(ret_why, "%s", e->msg);
                berr_free(e);
                return r < 0 ? berr(err, ENOMEM, "shared store") : 0;
        }
        if (!info.network) {
                if (asprintf(ret_why, "the shared store %s is on %s, not on shared storage", path,
                             info.kind ? info.kind : "a local file system") < 0)
                        return berr(err, ENOMEM, "shared store");
                return 0;
        }
        return sharedfs_check_owner(path, geteuid() != 0, geteuid(), err);
}

int
store_open_shared(struct storage *s, struct berr **err)
{
        const struct storage_opts *o = &s->opts;
        /* the same registries, credentials and progress; no shared store of its own */
        struct storage_opts so = {
                .root = o->shared_store,
                .platform = o->platform,
                .tls_verify = o->tls_verify,
                .max_parallel = o->max_parallel,
                .auth_file = o->auth_file,
                .creds = o->creds,
                .events = o->events,
                .shared_root = true,
        };
        _cleanup_free_ char *why = NULL;
        struct berr *e = NULL;
        int r;

        if (o->shared_layers == STORAGE_SHARED_OFF)
                return 0;
        if (!o->shared_store) {
                why = strdup("no shared store is configured (--shared-store, BERTH_SHARED_STORE "
                             "or shared_store in berth.conf)");
                if (!why)
                        return berr(err, ENOMEM, "shared store");
        } else {
                r = usable(o->shared_store, &why, err);
                if (r < 0)
                        return r;
        }
        if (!why) {
                r = storage_open(&so, &s->shared, &e);
                if (r == 0) {
                        s->shared->node = s;
                        r = check_format(s->shared, &e);
                }
                if (r < 0) {
                        s->shared = storage_close(s->shared);
                        if (asprintf(&why, "%s", e->msg) < 0)
                                why = NULL;
                        berr_free(e);
                        if (!why)
                                return berr(err, ENOMEM, "shared store");
                }
        }
        if (!why)
                return 0;
        if (o->shared_layers == STORAGE_SHARED_REQUIRED)
                return berr(err, 0, "shared base layers are required, but %s", why);
        if (o->events.warning) {
                _cleanup_free_ char *msg = NULL;
                if (asprintf(&msg, "shared base layers: %s; layers are copied to the local store",
                             why) < 0)
                        return berr(err, ENOMEM, "shared store");
                o->events.warning(o->events.userdata, msg);
        } else {
                fprintf(stderr,
                        "berth: warning: shared base layers: %s; layers are copied to the local "
                        "store\n",
                        why);
        }
        return 0;
}

/* One line for the user: through the warning event when there is one */
static void
say(struct storage *s, const char *msg)
{
        if (s->opts.events.warning)
                s->opts.events.warning(s->opts.events.userdata, msg);
        else
                fprintf(stderr, "berth: warning: %s\n", msg);
}

/*
 * Whether this node mounts the shared store's EROFS images: EROFS cannot
 * be mounted in a user namespace, so a rootless berth never tries (its
 * overlays take the layer directories, nodev by the kernel's rule for
 * mounts made in a user namespace).
 */
static bool
mounts_erofs(const struct storage *s)
{
        return !s->opts.shared_dirs_only && geteuid() == 0;
}

bool
store_shared_layer_erofs_only(struct storage *shared, const char *chain_hex)
{
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (asprintf(&p, "layers/%s/diff", chain_hex) < 0)
                return false;
        return fstatat(shared->root_fd, p, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT &&
               store_has_layer(shared, chain_hex);
}

bool
store_shared_has_layer(struct storage *s, const char *chain_hex)
{
        return s->shared && store_has_layer(s->shared, chain_hex) &&
               (mounts_erofs(s) || !store_shared_layer_erofs_only(s->shared, chain_hex));
}

/*
 * The shared layer's EROFS image mounted on this node: read-only, at
 * ROOT/shared-mounts/<chain> of the local store, once for every container
 * of the node (under a local lock; it stays mounted). 1 with *ret that
 * mount point, 0 when the shared store has no image of the layer.
 */
static int
erofs_layer(struct storage *s, const char *chain_hex, char **ret, struct berr **err)
{
        _cleanup_free_ char *rel = NULL, *image = NULL, *mnt = NULL, *lock = NULL;
        _cleanup_close_ int fd = -EBADF, lock_fd = -EBADF;
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        struct statfs sf;
        struct stat st;
        int r;

        if (asprintf(&rel, "layers/%s/%s.erofs", chain_hex, chain_hex) < 0 ||
            asprintf(&image, "%s/%s", s->shared->root, rel) < 0 ||
            asprintf(&mnt, "%s/shared-mounts/%s", s->root, chain_hex) < 0 ||
            asprintf(&lock, "%s/shared-mounts/%s.lock", s->root, chain_hex) < 0)
                return berr(err, ENOMEM, "layer");
        fd = (int)syscall(SYS_openat2, s->shared->root_fd, rel, &how, sizeof(how));
        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0 || fstat(fd, &st) < 0)
                return berr(err, errno, "layer %s in the shared store %s", chain_hex,
                            s->shared->root);
        if (!S_ISREG(st.st_mode))
                return berr(err, EINVAL, "%s: not a regular file", image);
        if (mkdirat(s->root_fd, "shared-mounts", 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/shared-mounts", s->root);
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return berr(err, errno, "open %s", lock);
        while (flock(lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "lock %s", lock);
        /* under the lock: an unmount (storage_shared_unmount_unused()) removes it */
        if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", mnt);
        if (statfs(mnt, &sf) < 0)
                return berr(err, errno, "statfs %s", mnt);
        if ((uint32_t)sf.f_type != EROFS_MAGIC_FS) {
                r = erofs_probe(image, NULL, err);
                if (r == 0)
                        r = erofs_mount(image, mnt, err);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(mnt);
        return 1;
}

int
store_shared_layer_dir(struct storage *s, const char *chain_hex, char **ret, struct berr **err)
{
        _cleanup_free_ char *rel = NULL, *path = NULL;
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        if (!s->shared)
                return berr(err, ENOENT, "layer %s: no shared store", chain_hex);
        if (mounts_erofs(s)) {
                int r = erofs_layer(s, chain_hex, ret, err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        if (asprintf(&rel, "layers/%s/diff", chain_hex) < 0 ||
            asprintf(&path, "%s/%s", s->shared->root, rel) < 0)
                return berr(err, ENOMEM, "layer");
        /* never a symlink on the way: the path must stay inside the shared store */
        fd = (int)syscall(SYS_openat2, s->shared->root_fd, rel, &how, sizeof(how));
        if (fd < 0)
                return berr(err, errno, "layer %s in the shared store %s", chain_hex,
                            s->shared->root);
        (void)close(fd);
        *ret = TAKE_PTR(path);
        return 0;
}

int
store_shared_use_layer(struct storage *s, const char *chain_hex, struct berr **err)
{
        _cleanup_(berr_freep) struct berr *e = NULL;
        _cleanup_free_ char *mnt = NULL, *msg = NULL;
        const char *why;
        int r;

        if (!s->shared || !store_has_layer(s->shared, chain_hex))
                return 0;
        if (!store_shared_layer_erofs_only(s->shared, chain_hex))
                return 1;
        if (s->opts.shared_dirs_only) {
                why = "this node uses --shared-layer-format dir";
        } else if (geteuid() != 0) {
                why = "EROFS images are mounted by root only";
        } else {
                /* mounted now (it stays for the containers): a failure is known before a run */
                r = erofs_layer(s, chain_hex, &mnt, &e);
                if (r > 0)
                        return 1;
                why = e ? e->msg : "its EROFS image is missing";
        }
        if (s->opts.shared_layers == STORAGE_SHARED_REQUIRED)
                return berr(err, 0,
                            "shared base layers are required, but layer %.12s is in the shared "
                            "store %s only as an EROFS image, and %s",
                            chain_hex, s->shared->root, why);
        if (asprintf(&msg,
                     "shared base layers: layer %.12s is in the shared store only as an EROFS "
                     "image, and %s; it is copied to the local store",
                     chain_hex, why) < 0)
                return berr(err, ENOMEM, "layer");
        say(s, msg);
        return 0;
}

bool
store_shared_holds_overlay(struct storage *shared, int dirfd)
{
        static const char wh[] = ".berth-probe-whiteout", opq[] = ".berth-probe-opaque";
        _cleanup_close_ int fd = -EBADF;
        bool ok;

        if (shared->holds_overlay != 0)
                return shared->holds_overlay > 0;
        (void)unlinkat(dirfd, wh, 0);
        (void)unlinkat(dirfd, opq, AT_REMOVEDIR);
        ok = mknodat(dirfd, wh, S_IFCHR | 0600, makedev(0, 0)) == 0;
        (void)unlinkat(dirfd, wh, 0);
        if (ok && mkdirat(dirfd, opq, 0700) == 0) {
                fd = openat(dirfd, opq, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                ok = fd >= 0 && fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) == 0;
                (void)unlinkat(dirfd, opq, AT_REMOVEDIR);
        } else {
                ok = false;
        }
        shared->holds_overlay = ok ? 1 : -1;
        return ok;
}

/* Copy the file from into dir/name: a temp file beside it, fsync, rename */
static int
copy_in(const char *from, int dirfd, const char *dir, const char *name, struct berr **err)
{
        _cleanup_close_ int in = open(from, O_RDONLY | O_CLOEXEC), out = -EBADF;
        _cleanup_free_ char *tmp = NULL;
        char buf[1 << 16];
        ssize_t n;

        if (in < 0)
                return berr(err, errno, "open %s", from);
        if (asprintf(&tmp, ".%s.tmp-%ld", name, (long)getpid()) < 0)
                return berr(err, ENOMEM, "copy");
        (void)unlinkat(dirfd, tmp, 0); /* a dead run's of this process ID */
        out = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (out < 0)
                return berr(err, errno, "create %s/%s", dir, tmp);
        while ((n = read(in, buf, sizeof(buf))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 || fs_write_all(out, buf, (size_t)n) < 0) {
                        int r = berr(err, errno ? errno : EIO, "write %s/%s", dir, tmp);
                        (void)unlinkat(dirfd, tmp, 0);
                        return r;
                }
        }
        if (fsync(out) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
                int r = berr(err, errno, "put %s/%s in place", dir, name);
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        return 0;
}

int
store_shared_put_erofs(struct storage *node, const char *src_dir, int dirfd, const char *dir,
                       const char *chain_hex, struct berr **err)
{
        _cleanup_free_ char *name = NULL, *tmp_name = NULL, *local = NULL;
        _cleanup_close_ int tmp_fd = -EBADF, tmp_lock = -EBADF;
        int r;

        if (asprintf(&name, "%s.erofs", chain_hex) < 0)
                return berr(err, ENOMEM, "erofs");
        r = store_tmpdir(node, "erofs", &tmp_name, &tmp_fd, &tmp_lock, err);
        if (r < 0)
                return r;
        if (asprintf(&local, "%s/tmp/%s/%s", node->root, tmp_name, name) < 0)
                r = berr(err, ENOMEM, "erofs");
        /* a tree on a file system without xattrs has none to keep */
        if (r == 0)
                r = erofs_build(src_dir, local,
                                llistxattr(src_dir, NULL, 0) < 0 &&
                                                (errno == EOPNOTSUPP || errno == ENOTSUP)
                                        ? EROFS_BUILD_NO_XATTRS
                                        : 0,
                                err);
        if (r == 0)
                r = copy_in(local, dirfd, dir, name, err);
        store_tmpdir_remove(node, tmp_name);
        return r;
}

/*
 * Each layer of image id in the shared store also as
 * layers/<chain>/<chain>.erofs (the name gives each image its own UUID).
 */
static int
publish_erofs(struct storage *s, const char *id, struct berr **err)
{
        struct storage *shared = s->shared;
        struct storage_image img = {0};
        int r = storage_image_find(shared, id, &img, err);

        for (size_t i = 0; r == 0 && i < img.n_layers; i++) {
                _cleanup_free_ char *src = NULL, *dir = NULL, *name = NULL;
                _cleanup_close_ int dirfd = -EBADF;
                struct stat st;

                if (asprintf(&src, "%s/layers/%s/diff", shared->root, img.layers[i]) < 0 ||
                    asprintf(&dir, "%s/layers/%s", shared->root, img.layers[i]) < 0 ||
                    asprintf(&name, "%s.erofs", img.layers[i]) < 0) {
                        r = berr(err, ENOMEM, "erofs");
                        break;
                }
                dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (dirfd < 0) {
                        r = berr(err, errno, "open %s", dir);
                        break;
                }
                /* another node's (the same bytes: the images are reproducible), or EROFS-only */
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                r = store_shared_put_erofs(s, src, dirfd, dir, img.layers[i], err);
                if (r < 0)
                        (void)berr_wrap(err, "layer %s as an EROFS image", img.layers[i]);
        }
        storage_image_clear(&img);
        return r;
}

int
storage_pull_shared(struct storage *s, const char *name, char **ret_id, struct berr **err)
{
        _cleanup_free_ char *id = NULL;
        enum storage_shared mode;
        int r;

        if (!s->shared)
                return berr(err, 0, "no shared layer store is in use (--shared-store)");
        r = storage_pull(s->shared, name, &id, err);
        if (r < 0)
                return berr_wrap(err, "into the shared store %s", s->shared->root);
        if (!s->opts.shared_dirs_only) {
                r = publish_erofs(s, id, err);
                if (r < 0)
                        return r;
        }
        /*
         * The shared store is required to publish, not to use: a layer it
         * has only as an EROFS image that this node cannot mount is copied
         * here, saying so, as on any node with shared base layers on.
         */
        mode = s->opts.shared_layers;
        s->opts.shared_layers = STORAGE_SHARED_ON;
        r = storage_pull(s, name, ret_id, err);
        s->opts.shared_layers = mode;
        return r;
}

/* ---- cross-node layer locks ---- */

/*
 * A lock that holds across the nodes of a cluster: flock is local to a
 * node on many network file systems (and ignored by some), so whoever
 * creates locks/<chain>.node with O_EXCL holds the layer. The file says
 * who: "HOST PID BOOT-ID". A lock of this host whose process is gone, or
 * left from an earlier boot, is stale at once; another host's after
 * SHARED_LOCK_STALE_S without a change. A stale lock is renamed away (one
 * taker wins the rename) and the creation tried again. Losing a lock to
 * staleness costs at most a second download: the layer's rename into
 * place is the last word (see layer_commit_finish).
 */
#define SHARED_LOCK_STALE_S (30 * 60)
#define SHARED_LOCK_POLL_MS 100

static void
boot_id(char *buf, size_t size)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

        buf[n > 0 ? (size_t)n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
}

static bool
lock_stale(int dirfd, const char *name)
{
        char buf[512], host[256], me[256], boot[64], my_boot[64];
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        long pid = 0;
        ssize_t n;

        if (fd < 0 || fstat(fd, &st) < 0)
                return false; /* gone: the next creation attempt says */
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return false;
        buf[n] = '\0';
        if (gethostname(me, sizeof(me)) < 0)
                me[0] = '\0';
        me[sizeof(me) - 1] = '\0';
        boot_id(my_boot, sizeof(my_boot));
        if (sscanf(buf, "%255s %ld %63s", host, &pid, boot) == 3 && strcmp(host, me) == 0)
                return strcmp(boot, my_boot) != 0 || pid <= 0 ||
                       (kill((pid_t)pid, 0) < 0 && errno == ESRCH);
        /* another node's (or unreadable): by age */
        return time(NULL) - st.st_mtime > SHARED_LOCK_STALE_S;
}

int
store_node_lock(struct storage *s, const char *chain_hex,
                bool (*done)(struct storage *, const char *), char **ret_name, struct berr **err)
{
        _cleanup_free_ char *name = NULL;
        _cleanup_close_ int dirfd = -EBADF;
        char me[256], boot[64], line[400];

        if (asprintf(&name, "%s.node", chain_hex) < 0)
                return berr(err, ENOMEM, "lock");
        if (mkdirat(s->root_fd, "locks", 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/locks", s->root);
        dirfd = openat(s->root_fd, "locks", O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dirfd < 0)
                return berr(err, errno, "open %s/locks", s->root);
        if (gethostname(me, sizeof(me)) < 0)
                snprintf(me, sizeof(me), "unknown");
        me[sizeof(me) - 1] = '\0';
        boot_id(boot, sizeof(boot));
        snprintf(line, sizeof(line), "%s %ld %s\n", me, (long)getpid(), boot[0] ? boot : "-");
        for (;;) {
                int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                0644);

                if (fd >= 0) {
                        ssize_t k = write(fd, line, strlen(line));
                        int e = k == (ssize_t)strlen(line) ? 0 : (k < 0 ? errno : EIO);

                        (void)close(fd);
                        if (e != 0) {
                                (void)unlinkat(dirfd, name, 0);
                                return berr(err, e, "write the lock %s/locks/%s", s->root, name);
                        }
                        *ret_name = TAKE_PTR(name);
                        return 0;
                }
                if (errno != EEXIST) {
                        /* sshfs says EPERM where another mount's file is in the way */
                        int e = errno;
                        struct stat st;

                        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                                return berr(err, e, "create the lock %s/locks/%s", s->root, name);
                }
                /* held: by a live one, wait for its layer; by a dead one, take it over */
                if (done && done(s, chain_hex)) {
                        *ret_name = NULL;
                        return 0;
                }
                if (lock_stale(dirfd, name)) {
                        _cleanup_free_ char *away = NULL;
                        if (asprintf(&away, "%s.stale-%ld", name, (long)getpid()) < 0)
                                return berr(err, ENOMEM, "lock");
                        if (renameat(dirfd, name, dirfd, away) == 0)
                                (void)unlinkat(dirfd, away, 0);
                        continue;
                }
                (void)poll(NULL, 0, SHARED_LOCK_POLL_MS);
        }
}

void
store_node_unlock(struct storage *s, const char *name)
{
        _cleanup_free_ char *p = NULL;

        if (name && asprintf(&p, "locks/%s", name) >= 0)
                (void)unlinkat(s->root_fd, p, 0);
}

/* ---- per-node references, and pruning the shared store ---- */

/*
 * Each node says which shared layers its images use:
 * refs/<node>/<image id>.json on the shared store, {"host", "root",
 * "image", "layers"}. The node is its host name and its local store's
 * path (several stores on one host are several nodes). A prune of the
 * shared store keeps every layer a reference or one of the store's own
 * images names.
 */
#define SHARED_PRUNE_MIN_AGE_S (60 * 60)

static int
node_name(struct storage *s, char out[33], char **ret_host, char **ret_root)
{
        char host[256], digest[DIGEST_STRING_MAX];
        _cleanup_free_ char *root = realpath(s->root, NULL), *text = NULL;
        const char *hex;

        if (gethostname(host, sizeof(host)) < 0)
                snprintf(host, sizeof(host), "unknown");
        host[sizeof(host) - 1] = '\0';
        if (!root || asprintf(&text, "%s\n%s", host, root) < 0 ||
            digest_buffer(text, strlen(text), digest) < 0)
                return -ENOMEM;
        hex = digest_hex(digest);
        snprintf(out, 33, "%.32s", hex);
        if (ret_host && !(*ret_host = strdup(host)))
                return -ENOMEM;
        if (ret_root)
                *ret_root = TAKE_PTR(root);
        return 0;
}

int
store_shared_ref_update(struct storage *s, const char *image_id, bool removed)
{
        _cleanup_free_ char *host = NULL, *root = NULL, *dir = NULL, *file = NULL;
        _cleanup_(json_decrefp) json_t *layers = json_array(), *rec = NULL;
        _cleanup_close_ int dfd = -EBADF;
        struct storage_image img = {0};
        char node[33];

        if (!s->shared || !layers || node_name(s, node, &host, &root) < 0)
                return 0;
        if (asprintf(&dir, "refs/%s", node) < 0 || asprintf(&file, "%s.json", image_id) < 0)
                return -ENOMEM;
        if (!removed && storage_image_find(s, image_id, &img, NULL) == 0) {
                for (size_t i = 0; i < img.n_layers; i++)
                        if (!store_has_layer(s, img.layers[i]) &&
                            store_shared_has_layer(s, img.layers[i]))
                                json_array_append_new(layers, json_string(img.layers[i]));
                storage_image_clear(&img);
        }
        if (json_array_size(layers) == 0) {
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s", dir, file) >= 0)
                        (void)unlinkat(s->shared->root_fd, path, 0);
                return 0;
        }
        if ((mkdirat(s->shared->root_fd, "refs", 0755) < 0 && errno != EEXIST) ||
            (mkdirat(s->shared->root_fd, dir, 0755) < 0 && errno != EEXIST))
                return -errno;
        dfd = openat(s->shared->root_fd, dir, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return -errno;
        rec = json_pack("{s:s, s:s, s:s, s:O}", "host", host, "root", root, "image", image_id,
                        "layers", layers);
        return rec ? store_write_json(dfd, file, rec, NULL) : -ENOMEM;
}

/* The layers every node's references and the store's own images name */
static int
referenced_layers(struct storage *shared, json_t *set, struct berr **err)
{
        _cleanup_close_ int fd =
                openat(shared->root_fd, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct storage_image *imgs = NULL;
        size_t n = 0;
        struct dirent *node;
        DIR *d;
        int r = storage_images(shared, &imgs, &n, err);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < imgs[i].n_layers; k++)
                        json_object_set_new(set, imgs[i].layers[k], json_true());
        storage_images_free(imgs, n);
        if (fd < 0)
                return errno == ENOENT ? 0 : berr(err, errno, "open %s/refs", shared->root);
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return berr(err, errno, "read %s/refs", shared->root);
        while ((node = readdir(d))) {
                _cleanup_close_ int nfd = -EBADF;
                struct dirent *ref;
                DIR *nd;

                if (node->d_name[0] == '.')
                        continue;
                nfd = openat(dirfd(d), node->d_name,
                             O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                nd = nfd >= 0 ? fdopendir(TAKE_FD(nfd)) : NULL;
                if (!nd) {
                        /* unreadable: nothing may go */
                        closedir(d);
                        return berr(err, errno, "read %s/refs/%s", shared->root, node->d_name);
                }
                while ((ref = readdir(nd))) {
                        json_t *rec = NULL, *l;
                        size_t i;

                        if (ref->d_name[0] == '.' ||
                            store_read_json(dirfd(nd), ref->d_name, &rec, NULL) < 0)
                                continue;
                        json_array_foreach (json_object_get(rec, "layers"), i, l)
                                if (json_is_string(l))
                                        json_object_set_new(set, json_string_value(l), json_true());
                        json_decref(rec);
                }
                closedir(nd);
        }
        closedir(d);
        return 0;
}

int
storage_shared_prune(struct storage *s, char ***ret_removed, uint64_t *ret_bytes, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *keep = json_object();
        _cleanup_close_ int fd = -EBADF;
        struct storage *shared = s->shared;
        char **removed = NULL;
        uint64_t bytes = 0;
        struct dirent *de;
        DIR *d;
        int r;

        if (!shared)
                return berr(err, 0, "no shared layer store is in use (--shared-store)");
        if (!keep)
                return berr(err, ENOMEM, "prune");
        r = store_lock(shared, err);
        if (r < 0)
                return r;
        r = referenced_layers(shared, keep, err);
        fd = r < 0 ? -EBADF : openat(shared->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        d = fd >= 0 ? fdopendir(dup(fd)) : NULL;
        while (d && (de = readdir(d))) {
                _cleanup_free_ char *rec_path = NULL, *away = NULL, *lock = NULL;
                json_t *rec = NULL;
                struct stat st;

                if (strlen(de->d_name) != DIGEST_SHA256_HEX || json_object_get(keep, de->d_name))
                        continue;
                /* young: a node may be recording its reference right now */
                if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    time(NULL) - st.st_mtime < SHARED_PRUNE_MIN_AGE_S)
                        continue;
                /* being brought in (a node's lock file) */
                if (asprintf(&lock, "locks/%s.node", de->d_name) < 0 ||
                    fstatat(shared->root_fd, lock, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (asprintf(&rec_path, "%s/layer.json", de->d_name) < 0 ||
                    asprintf(&away, "tmp/pruned-%s", de->d_name) < 0)
                        break;
                if (store_read_json(fd, rec_path, &rec, NULL) == 0)
                        bytes += (uint64_t)json_integer_value(json_object_get(rec, "size"));
                json_decref(rec);
                /* out of layers/ in one step, then removed at leisure */
                if (renameat(fd, de->d_name, shared->root_fd, away) < 0)
                        continue;
                (void)rm_rf_at(shared->root_fd, away);
                if (strv_push(&removed, strdup(de->d_name)) < 0)
                        break;
        }
        if (d)
                closedir(d);
        store_unlock(shared);
        if (r < 0) {
                strv_free(removed);
                return r;
        }
        *ret_removed = removed;
        *ret_bytes = bytes;
        return 0;
}

int
storage_image_layer_bytes(struct storage *s, const char *image_id, uint64_t *ret_local,
                          uint64_t *ret_shared)
{
        struct storage_image img = {0};
        int r;

        *ret_local = *ret_shared = 0;
        if (!image_id)
                return -EINVAL;
        r = storage_image_find(s, image_id, &img, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < img.n_layers; i++) {
                _cleanup_free_ char *p = NULL;
                bool local = store_has_layer(s, img.layers[i]);
                struct storage *in = local ? s : s->shared;
                json_t *rec = NULL;

                if (!local && !store_shared_has_layer(s, img.layers[i]))
                        continue;
                if (asprintf(&p, "layers/%s/layer.json", img.layers[i]) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (store_read_json(in->root_fd, p, &rec, NULL) == 0)
                        *(local ? ret_local : ret_shared) +=
                                (uint64_t)json_integer_value(json_object_get(rec, "size"));
                json_decref(rec);
        }
        storage_image_clear(&img);
        return r;
}

/* ---- unmounting the EROFS images no container uses ---- */

/* Add the layers of image id (of s) to set */
static void
image_layers_into(struct storage *s, const char *id, json_t *set)
{
        struct storage_image img = {0};

        if (!id || storage_image_find(s, id, &img, NULL) < 0)
                return;
        for (size_t i = 0; i < img.n_layers; i++)
                json_object_set_new(set, img.layers[i], json_true());
        storage_image_clear(&img);
}

/*
 * Unmount ROOT/shared-mounts/<chain> under the lock erofs_layer() mounts
 * it under, and remove the mount point: a container created meanwhile
 * with it as a lowerdir then fails to mount its root, rather than stand
 * on an empty directory. 1 when unmounted, 0 when busy or not mounted.
 */
static int
unmount_layer(struct storage *s, int dirfd, const char *chain_hex)
{
        _cleanup_free_ char *mnt = NULL, *lock = NULL;
        _cleanup_close_ int lock_fd = -EBADF;
        struct statfs sf;

        if (asprintf(&mnt, "%s/shared-mounts/%s", s->root, chain_hex) < 0 ||
            asprintf(&lock, "%s.lock", chain_hex) < 0)
                return -ENOMEM;
        lock_fd = openat(dirfd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return -errno;
        while (flock(lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        if (statfs(mnt, &sf) < 0)
                return -errno;
        if ((uint32_t)sf.f_type != EROFS_MAGIC_FS)
                return 0;
        if (erofs_umount(mnt, NULL) < 0)
                return 0; /* EBUSY: in use (another mount namespace's overlay): stays */
        (void)unlinkat(dirfd, chain_hex, AT_REMOVEDIR);
        return 1;
}

int
storage_shared_unmount_unused(struct storage *s, bool keep_image_layers, char ***ret,
                              struct berr **err)
{
        _cleanup_(json_decrefp) json_t *keep = json_object(), *all = NULL;
        _cleanup_close_ int fd = -EBADF;
        char **done = NULL;
        struct dirent *de;
        json_t *c;
        size_t i;
        DIR *d;
        int r;

        *ret = NULL;
        if (!keep)
                return berr(err, ENOMEM, "unmount");
        fd = openat(s->root_fd, "shared-mounts", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : berr(err, errno, "open %s/shared-mounts", s->root);
        /* every container's, in whatever state: their overlays name these mount points */
        r = storage_containers(s, &all, err);
        if (r < 0)
                return r;
        json_array_foreach (all, i, c) {
                image_layers_into(s, json_string_value(json_object_get(c, "imageId")), keep);
        }
        if (keep_image_layers) {
                struct storage_image *imgs = NULL;
                size_t n = 0;

                r = storage_images(s, &imgs, &n, err);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < n; k++)
                        for (size_t l = 0; l < imgs[k].n_layers; l++)
                                json_object_set_new(keep, imgs[k].layers[l], json_true());
                storage_images_free(imgs, n);
        }
        d = fdopendir(dup(fd));
        if (!d)
                return berr(err, errno, "read %s/shared-mounts", s->root);
        while ((de = readdir(d))) {
                if (strlen(de->d_name) != DIGEST_SHA256_HEX || json_object_get(keep, de->d_name))
                        continue;
                r = unmount_layer(s, fd, de->d_name);
                if (r > 0 && strv_push(&done, strdup(de->d_name)) < 0) {
                        closedir(d);
                        strv_free(done);
                        return berr(err, ENOMEM, "unmount");
                }
        }
        closedir(d);
        *ret = done;
        return 0;
}

/* ---- the nodes that have references ---- */

int
storage_shared_node_id(struct storage *s, char **ret, struct berr **err)
{
        char node[33];

        if (node_name(s, node, NULL, NULL) < 0)
                return berr(err, errno ? errno : ENOMEM, "the node name of %s", s->root);
        *ret = strdup(node);
        return *ret ? 0 : berr(err, ENOMEM, "node name");
}

void
storage_shared_nodes_free(struct storage_shared_node *nodes, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(nodes[i].id);
                free(nodes[i].host);
                free(nodes[i].root);
        }
        free(nodes);
}

/* One node's directory refs/<id>: its host and root from a record, its count and newest time */
static int
read_node(int refs_fd, const char *id, struct storage_shared_node *ret)
{
        _cleanup_close_ int fd =
                openat(refs_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        struct dirent *de;
        DIR *d;

        *ret = (struct storage_shared_node){.id = strdup(id)};
        if (!ret->id)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                json_t *rec = NULL;
                struct stat st;

                if (de->d_name[0] == '.' ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    !S_ISREG(st.st_mode))
                        continue;
                ret->images++;
                if (st.st_mtime > ret->written)
                        ret->written = st.st_mtime;
                if (!ret->host && store_read_json(dirfd(d), de->d_name, &rec, NULL) == 0) {
                        const char *h = json_string_value(json_object_get(rec, "host"));
                        const char *r = json_string_value(json_object_get(rec, "root"));

                        ret->host = h ? strdup(h) : NULL;
                        ret->root = r ? strdup(r) : NULL;
                }
                json_decref(rec);
        }
        closedir(d);
        return 0;
}

static int
node_cmp(const void *a, const void *b)
{
        const struct storage_shared_node *x = a, *y = b;

        return x->written < y->written ? -1 : x->written > y->written ? 1 : strcmp(x->id, y->id);
}

int
storage_shared_nodes(struct storage *s, struct storage_shared_node **ret, size_t *ret_n,
                     struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct storage_shared_node *nodes = NULL;
        char self[33];
        size_t n = 0;
        struct dirent *de;
        DIR *d;

        if (!s->shared)
                return berr(err, 0, "no shared layer store is in use (--shared-store)");
        if (node_name(s, self, NULL, NULL) < 0)
                self[0] = '\0';
        *ret = NULL;
        *ret_n = 0;
        fd = openat(s->shared->root_fd, "refs", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return errno == ENOENT ? 0 : berr(err, errno, "open %s/refs", s->shared->root);
        d = fdopendir(dup(fd));
        if (!d)
                return berr(err, errno, "read %s/refs", s->shared->root);
        while ((de = readdir(d))) {
                struct storage_shared_node *more;
                int r;

                if (de->d_name[0] == '.')
                        continue;
                more = realloc(nodes, (n + 1) * sizeof(*nodes));
                if (!more) {
                        closedir(d);
                        storage_shared_nodes_free(nodes, n);
                        return berr(err, ENOMEM, "nodes");
                }
                nodes = more;
                r = read_node(fd, de->d_name, &nodes[n]);
                if (r < 0) {
                        closedir(d);
                        storage_shared_nodes_free(nodes, n + 1);
                        return berr(err, -r, "read %s/refs/%s", s->shared->root, de->d_name);
                }
                nodes[n].self = strcmp(de->d_name, self) == 0;
                /* an empty directory keeps nothing */
                if (nodes[n].images == 0) {
                        free(nodes[n].id);
                        free(nodes[n].host);
                        free(nodes[n].root);
                        continue;
                }
                n++;
        }
        closedir(d);
        if (n > 1)
                qsort(nodes, n, sizeof(*nodes), node_cmp);
        *ret = nodes;
        *ret_n = n;
        return 0;
}

int
storage_shared_forget_node(struct storage *s, const char *node, char **ret_id, struct berr **err)
{
        _cleanup_free_ char *from = NULL, *away = NULL, *id = NULL;
        struct storage_shared_node *nodes = NULL;
        size_t n = 0, hits = 0, len = strlen(node);
        const struct storage_shared_node *hit = NULL;
        int r;

        if (len == 0 || strspn(node, "0123456789abcdef") != len)
                return berr(err, 0,
                            "\"%s\" is not a node ID (hex, as system prune --shared lists them)",
                            node);
        r = storage_shared_nodes(s, &nodes, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (strncmp(nodes[i].id, node, len) == 0) {
                        hit = &nodes[i];
                        hits++;
                }
        if (hits == 1 && hit->self)
                r = berr(err, 0,
                         "node %s is this node (%s:%s): its references go with its images "
                         "(berth rmi), not with --forget-node",
                         hit->id, hit->host ? hit->host : "?", hit->root ? hit->root : "?");
        else if (hits == 1 && !(id = strdup(hit->id)))
                r = berr(err, ENOMEM, "forget");
        else if (hits != 1)
                r = berr(err, hits ? 0 : ENOENT, "node %s: %s in %s/refs", node,
                         hits ? "more than one node has that prefix" : "no such node",
                         s->shared->root);
        storage_shared_nodes_free(nodes, n);
        if (r < 0)
                return r;
        r = store_lock(s->shared, err);
        if (r < 0)
                return r;
        /* out of refs/ in one step, as a prune removes a layer */
        if (asprintf(&from, "refs/%s", id) < 0 ||
            asprintf(&away, "tmp/forgotten-%s-%ld", id, (long)getpid()) < 0)
                r = berr(err, ENOMEM, "forget");
        else if (renameat(s->shared->root_fd, from, s->shared->root_fd, away) < 0)
                r = berr(err, errno, "forget node %s: rename %s/%s", id, s->shared->root, from);
        else
                (void)rm_rf_at(s->shared->root_fd, away);
        store_unlock(s->shared);
        if (r < 0)
                return r;
        *ret_id = TAKE_PTR(id);
        return 0;
}
