/* storage/store.c: opening the store, its lock, atomic records, leftovers of crashes */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "registries-conf.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

/* records are small; a larger one is not berth's */
#define STORE_JSON_MAX (64u << 20)

static const char *const store_dirs[] = {"layers", "images", "tmp", "locks"};

int
store_write_file(int dirfd, const char *name, const void *buf, size_t len, struct berr **err)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *p = buf;

        if (asprintf(&tmp, ".%s.tmp.%d", name, (int)getpid()) < 0)
                return berr(err, ENOMEM, "%s", name);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return berr(err, errno, "create %s", tmp);
        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        (void)unlinkat(dirfd, tmp, 0);
                        return berr(err, e, "write %s", name);
                }
                p += n;
                len -= (size_t)n;
        }
        if (fsync(fd) < 0) {
                int e = errno;
                (void)unlinkat(dirfd, tmp, 0);
                return berr(err, e, "fsync %s", name);
        }
        if (renameat(dirfd, tmp, dirfd, name) < 0) {
                int e = errno;
                (void)unlinkat(dirfd, tmp, 0);
                return berr(err, e, "rename %s", name);
        }
        /* the rename itself must reach the disk before anyone relies on it */
        if (fsync(dirfd) < 0 && errno != EINVAL && errno != EBADF)
                return berr(err, errno, "fsync the directory of %s", name);
        return 0;
}

int
store_write_json(int dirfd, const char *name, const json_t *j, struct berr **err)
{
        _cleanup_free_ char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

        if (!text)
                return berr(err, ENOMEM, "%s", name);
        return store_write_file(dirfd, name, text, strlen(text), err);
}

int
store_read_json(int dirfd, const char *name, json_t **ret, struct berr **err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        json_error_t je;
        json_t *j;
        int r;

        if (fd < 0)
                return errno == ENOENT ? -ENOENT : berr(err, errno, "open %s", name);
        /* whole, then parsed: jansson's own fd reader reads one byte per read(2) */
        r = fs_read_all(fd, STORE_JSON_MAX, &buf, &len);
        if (r == -EFBIG)
                return berr(err, EFBIG, "%s: larger than %u bytes", name, STORE_JSON_MAX);
        if (r < 0)
                return berr(err, -r, "read %s", name);
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!j)
                return berr(err, 0, "%s:%d:%d: %s", name, je.line, je.column, je.text);
        *ret = j;
        return 0;
}

int
store_lock(struct storage *s, struct berr **err)
{
        while (flock(s->lock_fd, LOCK_EX) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "lock the store %s", s->root);
        return 0;
}

void
store_unlock(struct storage *s)
{
        (void)flock(s->lock_fd, LOCK_UN);
}

int
store_tmpdir(struct storage *s, const char *prefix, char **ret_name, int *ret_dir_fd,
             int *ret_lock_fd, struct berr **err)
{
        _cleanup_free_ char *name = NULL, *path = NULL, *lock = NULL;
        _cleanup_close_ int tmp_fd = -EBADF, lock_fd = -EBADF, dir_fd = -EBADF;

        tmp_fd = openat(s->root_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tmp_fd < 0)
                return berr(err, errno, "open %s/tmp", s->root);
        if (asprintf(&path, "%s/tmp/%s-XXXXXX", s->root, prefix) < 0)
                return berr(err, ENOMEM, "tmp");
        if (!mkdtemp(path))
                return berr(err, errno, "create a directory in %s/tmp", s->root);
        name = strdup(strrchr(path, '/') + 1);
        if (!name || asprintf(&lock, "%s.lock", name) < 0)
                return berr(err, ENOMEM, "tmp");
        lock_fd = openat(tmp_fd, lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
                int e = errno;
                (void)rm_rf_at(tmp_fd, name);
                return berr(err, e, "lock %s", lock);
        }
        dir_fd = openat(tmp_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dir_fd < 0)
                return berr(err, errno, "open %s", path);
        *ret_name = TAKE_PTR(name);
        *ret_dir_fd = TAKE_FD(dir_fd);
        *ret_lock_fd = TAKE_FD(lock_fd);
        return 0;
}

void
store_tmpdir_remove(struct storage *s, const char *name)
{
        _cleanup_close_ int tmp_fd = openat(s->root_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *lock = NULL;

        if (tmp_fd < 0)
                return;
        (void)rm_rf_at(tmp_fd, name);
        if (asprintf(&lock, "%s.lock", name) >= 0)
                (void)unlinkat(tmp_fd, lock, 0);
}

/* a shared store's tmp entries older than this are leftovers of a crashed node */
#define SHARED_LEFTOVER_AGE_S (24 * 60 * 60)

/*
 * A shared store's cross-node lock files of layers that are in place: what
 * a node killed between the rename and the unlink left (no one waits on
 * them: a layer in place is never locked again).
 */
static void
clean_node_locks(struct storage *s)
{
        _cleanup_close_ int fd = openat(s->root_fd, "locks", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(dup(fd));
        if (!d)
                return;
        while ((de = readdir(d))) {
                char chain[DIGEST_SHA256_HEX + 1];
                size_t n = strlen(de->d_name);

                if (n != DIGEST_SHA256_HEX + 5 ||
                    strcmp(de->d_name + DIGEST_SHA256_HEX, ".node") != 0)
                        continue;
                memcpy(chain, de->d_name, DIGEST_SHA256_HEX);
                chain[DIGEST_SHA256_HEX] = '\0';
                if (store_has_layer(s, chain))
                        (void)unlinkat(fd, de->d_name, 0);
        }
        closedir(d);
}

/* What a crashed or killed run left in tmp/: anything whose lock nobody holds. */
static void
clean_leftovers(struct storage *s)
{
        _cleanup_close_ int tmp_fd = openat(s->root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;

        if (tmp_fd < 0)
                return;
        d = fdopendir(dup(tmp_fd));
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *lock = NULL;
                _cleanup_close_ int lock_fd = -EBADF;
                size_t n = strlen(de->d_name);

                if (de->d_name[0] == '.' || (n > 5 && strcmp(de->d_name + n - 5, ".lock") == 0))
                        continue;
                if (asprintf(&lock, "%s.lock", de->d_name) < 0)
                        break;
                lock_fd = openat(tmp_fd, lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
                if (lock_fd >= 0 && flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
                        continue; /* a live pull is working there */
                /*
                 * A shared store's flock says nothing of other nodes: their
                 * work in progress looks free. Only what is a day old goes.
                 */
                if (s->opts.shared_root) {
                        struct stat st;
                        if (fstatat(tmp_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                            time(NULL) - st.st_mtime < SHARED_LEFTOVER_AGE_S)
                                continue;
                }
                (void)rm_rf_at(tmp_fd, de->d_name);
                (void)unlinkat(tmp_fd, lock, 0);
        }
        closedir(d);
}

static bool
read_only_errno(int e)
{
        return e == EROFS || e == EACCES || e == EPERM;
}

int
storage_open(const struct storage_opts *opts, struct storage **ret, struct berr **err)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        struct stat st;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return berr(err, ENOMEM, "store");
        s->root_fd = s->lock_fd = -EBADF;
        s->opts = *opts;
        s->root = strdup(opts->root);
        if (!s->root)
                return berr(err, ENOMEM, "store");
        /* its parents too, as podman makes them (0755: they are not the store's) */
        for (char *sl = strchr(s->root + 1, '/'); sl; sl = strchr(sl + 1, '/')) {
                *sl = '\0';
                if (mkdir(s->root, 0755) < 0 && errno != EEXIST) {
                        int e = errno;
                        *sl = '/';
                        return berr(err, e, "create the store %s", s->root);
                }
                *sl = '/';
        }
        if (mkdir(s->root, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create the store %s", s->root);
        s->root_fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0)
                return berr(err, errno, "open the store %s", s->root);
        if (fstat(s->root_fd, &st) < 0)
                return berr(err, errno, "stat the store %s", s->root);
        /* others could plant layers that every container then runs */
        if (st.st_mode & 0022)
                return berr(err, 0,
                            "the store %s is writable by others (mode %04o), expected "
                            "it writable by its owner only",
                            s->root, st.st_mode & 07777);
        for (size_t i = 0; i < ELEMENTSOF(store_dirs); i++)
                if (mkdirat(s->root_fd, store_dirs[i], 0700) < 0 && errno != EEXIST &&
                    !(opts->shared_root && read_only_errno(errno)))
                        return berr(err, errno, "create %s/%s", s->root, store_dirs[i]);
        s->lock_fd = openat(s->root_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        /* a shared store this node may only read: its layers are used, nothing is written */
        if (s->lock_fd < 0 && opts->shared_root && read_only_errno(errno))
                s->lock_fd = openat(s->root_fd, ".lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (s->lock_fd < 0)
                return berr(err, errno, "open %s/.lock", s->root);

        r = store_lock(s, err);
        if (r < 0)
                return r;
        clean_leftovers(s);
        if (opts->shared_root)
                clean_node_locks(s);
        store_clean_record_leftovers(s);
        store_unlock(s);
        r = store_open_shared(s, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

int
store_registries(struct storage *s, struct berr **err)
{
        struct registries_conf *conf;
        int r;

        if (s->conf)
                return 0;
        conf = calloc(1, sizeof(*conf));
        if (!conf)
                return berr(err, ENOMEM, "registries.conf");
        r = registries_conf_load(conf, "", err);
        if (r < 0) {
                registries_conf_clear(conf);
                free(conf);
                return r;
        }
        s->conf = conf;
        return 0;
}

int
storage_after_fork(struct storage *s, struct berr **err)
{
        int fd = openat(s->root_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

        /* a shared store this node may only read, as storage_open() opens it */
        if (fd < 0 && s->opts.shared_root && read_only_errno(errno))
                fd = openat(s->root_fd, ".lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berr(err, errno, "open %s/.lock", s->root);
        if (s->lock_fd >= 0)
                (void)close(s->lock_fd);
        s->lock_fd = fd;
        return s->shared ? storage_after_fork(s->shared, err) : 0;
}

static struct storage *
copy_unlocked(const struct storage *s)
{
        struct storage *c = malloc(sizeof(*c));

        if (!c)
                return NULL;
        *c = *s;
        c->lock_fd = -1;
        if (s->shared) {
                c->shared = copy_unlocked(s->shared);
                if (!c->shared) {
                        free(c);
                        return NULL;
                }
                c->shared->node = c;
        }
        return c;
}

struct storage *
storage_child_copy(const struct storage *s, struct berr **err)
{
        struct storage *c;

        /*
         * Ours are copies of s's files: one kept open here would keep a lock
         * s holds after s's process is killed, and this child, waiting for
         * the lock through its own file, would wait for ever.
         */
        if (s->lock_fd >= 0)
                (void)close(s->lock_fd);
        if (s->shared && s->shared->lock_fd >= 0)
                (void)close(s->shared->lock_fd);
        c = copy_unlocked(s);
        if (!c) {
                (void)berr(err, ENOMEM, "store");
                return NULL;
        }
        if (storage_after_fork(c, err) < 0) {
                free(c->shared);
                free(c);
                return NULL;
        }
        return c;
}

struct storage *
storage_close(struct storage *s)
{
        if (!s)
                return NULL;
        s->shared = storage_close(s->shared);
        if (s->conf) {
                registries_conf_clear(s->conf);
                free(s->conf);
        }
        if (s->lock_fd >= 0)
                (void)close(s->lock_fd);
        if (s->root_fd >= 0)
                (void)close(s->root_fd);
        free(s->root);
        free(s);
        return NULL;
}

bool
store_has_layer(struct storage *s, const char *chain_hex)
{
        _cleanup_free_ char *p = NULL;
        struct stat st;

        if (asprintf(&p, "layers/%s/layer.json", chain_hex) < 0)
                return false;
        return fstatat(s->root_fd, p, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
layer_lock(struct storage *s, const char *chain_hex, int how, int *ret_fd, struct berr **err)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&p, "locks/%s", chain_hex) < 0)
                return berr(err, ENOMEM, "layer lock");
        fd = openat(s->root_fd, p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berr(err, errno, "open %s/%s", s->root, p);
        while (flock(fd, how) < 0) {
                if (errno == EWOULDBLOCK && (how & LOCK_NB))
                        return -EWOULDBLOCK;
                if (errno != EINTR)
                        return berr(err, errno, "lock %s/%s", s->root, p);
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int
store_layer_lock(struct storage *s, const char *chain_hex, int *ret_fd, struct berr **err)
{
        return layer_lock(s, chain_hex, LOCK_EX, ret_fd, err);
}

int
store_layer_lock_shared(struct storage *s, const char *chain_hex, int *ret_fd, struct berr **err)
{
        return layer_lock(s, chain_hex, LOCK_SH, ret_fd, err);
}

int
store_layer_trylock(struct storage *s, const char *chain_hex, int *ret_fd)
{
        return layer_lock(s, chain_hex, LOCK_EX | LOCK_NB, ret_fd, NULL);
}

uint64_t
store_tree_size(int dir_fd)
{
        _cleanup_close_ int fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        uint64_t total = 0;
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return 0;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub =
                                openat(dirfd(d), de->d_name,
                                       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (sub >= 0)
                                total += store_tree_size(sub);
                } else if (S_ISREG(st.st_mode) && st.st_nlink == 1) {
                        total += (uint64_t)st.st_size;
                } else if (S_ISREG(st.st_mode)) {
                        /* a hard-linked file: its share, so the links add up to its size once */
                        total += (uint64_t)st.st_size / st.st_nlink;
                }
        }
        closedir(d);
        return total;
}
