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
                if (r == 0)
                        r = check_format(s->shared, &e);
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

bool
store_shared_has_layer(struct storage *s, const char *chain_hex)
{
        return s->shared && store_has_layer(s->shared, chain_hex);
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
        if (mkdir(mnt, 0755) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", mnt);
        lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0)
                return berr(err, errno, "open %s", lock);
        while (flock(lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "lock %s", lock);
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
        if (!s->opts.shared_dirs_only) {
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

/*
 * Each layer of image id in the shared store also as
 * layers/<chain>/<chain>.erofs (the name gives each image its own UUID).
 * mkfs.erofs needs a file system that does what a disk does (network file
 * systems refuse some of it): the image is made in the local store's tmp/,
 * then copied in.
 */
static int
publish_erofs(struct storage *s, const char *id, struct berr **err)
{
        struct storage *shared = s->shared;
        struct storage_image img = {0};
        int r = storage_image_find(shared, id, &img, err);

        for (size_t i = 0; r == 0 && i < img.n_layers; i++) {
                _cleanup_free_ char *src = NULL, *dir = NULL, *name = NULL, *tmp_name = NULL,
                                    *local = NULL;
                _cleanup_close_ int dirfd = -EBADF, tmp_fd = -EBADF, tmp_lock = -EBADF;
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
                /* another node's (the same bytes: the images are reproducible) */
                if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                r = store_tmpdir(s, "erofs", &tmp_name, &tmp_fd, &tmp_lock, err);
                if (r < 0)
                        break;
                if (asprintf(&local, "%s/tmp/%s/%s", s->root, tmp_name, name) < 0)
                        r = berr(err, ENOMEM, "erofs");
                /* a tree on a file system without xattrs has none to keep */
                if (r == 0)
                        r = erofs_build(src, local,
                                        llistxattr(src, NULL, 0) < 0 &&
                                                        (errno == EOPNOTSUPP || errno == ENOTSUP)
                                                ? EROFS_BUILD_NO_XATTRS
                                                : 0,
                                        err);
                if (r == 0)
                        r = copy_in(local, dirfd, dir, name, err);
                store_tmpdir_remove(s, tmp_name);
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
        return storage_pull(s, name, ret_id, err);
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
