/*
 * storage/extract.c: one layer tar into a directory, safely. Every entry is
 * made relative to the layer's directory fd, and its parent is reached one
 * element at a time with O_NOFOLLOW: a symlink the tar made earlier is
 * never followed, so `a -> /etc` then `a/passwd` is refused, not written
 * to the host. (openat2's RESOLVE_BENEATH would also do, but the walk says
 * which element was the symlink, and works on every kernel.)
 */
#include "extract.h"
#include "archive-load.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "decompress.h"
#include "tar-split.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META_PREFIX ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"
#define ESC_MAX 512

struct dir_time {
        char *path;
        struct timespec ts[2];
};

struct extract {
        const struct extract_opts *opts;
        int rootfd; /* the layer's directory, opened for reading */
        /*
         * The directory the last entry went into, kept open: tars list a
         * directory's entries together, so most entries need no walk. It
         * stays valid: entries only ever replace names below it.
         */
        char *cache_path; /* "" for the root */
        int cache_fd;     /* -EBADF when it is the root */
        /* directories' times, set at the end: adding entries changes them */
        struct dir_time *dirs;
        size_t n_dirs, alloc_dirs;
        struct layer_stream *stream;
        struct berr *stream_err; /* why the read callback failed */
        bool stream_failed;      /* and that error was reported: it is not an entry's */
        const void *first;       /* read before libarchive was opened */
        size_t first_len;
};

struct meta {
        uid_t uid;
        gid_t gid;
        mode_t perm;
        struct timespec ts[2]; /* atime, mtime */
};

static void
archive_read_freep(struct archive **a)
{
        if (*a)
                (void)archive_read_free(*a);
}

static bool
streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static bool
startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * The first n bytes of s (or up to its end), for a message: the tar names
 * its own entries, so control bytes are written \xNN (nothing in it may
 * drive the terminal) and the length is capped.
 */
static const char *
esc(char buf[ESC_MAX], const char *s, size_t n)
{
        size_t o = 0;

        if (!s)
                return "(none)";
        for (size_t i = 0; i < n && s[i]; i++) {
                unsigned char c = (unsigned char)s[i];

                if (o + 8 >= ESC_MAX) {
                        memcpy(buf + o, "...", 4);
                        return buf;
                }
                if (c < 0x20 || c == 0x7f || c == '\\')
                        o += (size_t)snprintf(buf + o, ESC_MAX - o, "\\x%02x", c);
                else
                        buf[o++] = (char)c;
        }
        buf[o] = '\0';
        return buf;
}

/* Move a failure into *err (the innermost one wins) and return its code. */
static int
take_err(struct berr **err, struct berr **from)
{
        int r = berr_code(*from);

        if (err && !*err)
                *err = TAKE_PTR(*from);
        else
                *from = berr_free(*from);
        return r;
}

/* libarchive failed: our read callback's error if it was that, else libarchive's message. */
static int
archive_fail(struct extract *x, struct archive *a, struct berr **err)
{
        const char *msg = archive_error_string(a);

        if (x->stream_err) {
                x->stream_failed = true;
                return take_err(err, &x->stream_err);
        }
        return berr(err, 0, "tar: %s", msg ? msg : "unknown error");
}

static la_ssize_t
read_cb(struct archive *a, void *data, const void **buf)
{
        struct extract *x = data;
        size_t n = 0;

        if (x->first) {
                *buf = x->first;
                n = x->first_len;
                x->first = NULL;
                return (la_ssize_t)n;
        }
        if (layer_stream_read(x->stream, buf, &n, &x->stream_err) < 0) {
                archive_set_error(a, EIO, "layer stream failed");
                return -1;
        }
        return (la_ssize_t)n;
}

/*
 * raw as a path relative to the layer: leading "/" dropped (Docker treats
 * absolute names as relative to the root), empty and "." elements
 * dropped, ".." refused. "" is the root itself.
 */
static int
clean_path(const char *raw, char **ret, struct berr **err)
{
        _cleanup_free_ char *out = malloc(strlen(raw) + 1);
        const char *p = raw;
        size_t o = 0;

        /* (explicit -errno returns: callers use *ret when this returns >= 0) */
        if (!out) {
                (void)berr(err, ENOMEM, "path");
                return -ENOMEM;
        }
        while (*p) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);

                if (n == 2 && p[0] == '.' && p[1] == '.') {
                        (void)berr(err, 0, "path element '..' would leave the layer");
                        return -EINVAL;
                }
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *end ? end + 1 : end;
        }
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/*
 * The directory at path (clean, relative to the layer, "" for the root),
 * walked one element at a time without following symlinks, each missing
 * one made (0755, as Docker makes implied parents) when create is set.
 * Returns an fd valid until the next call (not to be closed), or -errno
 * with *ret_upto the length of the prefix that failed: -ELOOP when it is a
 * symlink, -ENOTDIR when it is something else.
 */
static int
dir_open(struct extract *x, const char *path, bool create, size_t *ret_upto)
{
        _cleanup_close_ int owned = -EBADF;
        size_t clen = strlen(x->cache_path);
        const char *rest = path;
        char *new_path;
        int cur = x->rootfd;

        if (streq(path, x->cache_path))
                return x->cache_fd >= 0 ? x->cache_fd : x->rootfd;
        if (clen > 0 && strncmp(path, x->cache_path, clen) == 0 && path[clen] == '/') {
                cur = x->cache_fd;
                rest = path + clen + 1;
        }
        while (*rest) {
                const char *end = strchrnul(rest, '/');
                size_t n = (size_t)(end - rest);
                char name[NAME_MAX + 1];
                int fd;

                *ret_upto = (size_t)(end - path);
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, rest, n);
                name[n] = '\0';
                fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT && create) {
                        if (mkdirat(cur, name, 0755) < 0 && errno != EEXIST)
                                return -errno;
                        fd = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        /* 0755 whatever the umask: the container's users must get through */
                        if (fd >= 0 && fchmod(fd, 0755) < 0) {
                                int r = -errno;
                                (void)close(fd);
                                return r;
                        }
                }
                if (fd < 0) {
                        struct stat st;

                        if (errno != ENOTDIR && errno != ELOOP)
                                return -errno;
                        /* O_NOFOLLOW|O_DIRECTORY says ENOTDIR for a symlink too */
                        if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                            S_ISLNK(st.st_mode))
                                return -ELOOP;
                        return -ENOTDIR;
                }
                closep(&owned);
                owned = fd;
                cur = fd;
                rest = *end ? end + 1 : end;
        }
        new_path = strdup(path);
        if (!new_path)
                return -ENOMEM;
        if (x->cache_fd >= 0)
                (void)close(x->cache_fd);
        free(x->cache_path);
        x->cache_path = new_path;
        x->cache_fd = TAKE_FD(owned);
        return x->cache_fd >= 0 ? x->cache_fd : x->rootfd;
}

static int
walk_error(const char *path, size_t upto, int r, struct berr **err)
{
        char b[ESC_MAX];

        switch (r) {
        case -ELOOP:
                return berr(err, 0, "'%s' is a symlink: refusing to follow it", esc(b, path, upto));
        case -ENOTDIR:
                return berr(err, 0, "'%s' is not a directory", esc(b, path, upto));
        default:
                return berr(err, -r, "open directory '%s'", esc(b, path, upto));
        }
}

/* The parent directory of an entry, made when missing. */
static int
parent_open(struct extract *x, const char *parent, struct berr **err)
{
        size_t upto = 0;
        int fd = dir_open(x, parent, true, &upto);

        if (fd < 0)
                return walk_error(parent, upto, fd, err);
        return fd;
}

/*
 * Clear the way for a new entry at pfd/name: whatever is there goes (a
 * directory with its content, as in Docker: the tar says the name is now
 * something else), unless both are directories, which merge. Returns 1
 * when a directory stays, 0 when the name is free.
 */
static int
make_room(int pfd, const char *name, bool dir, struct berr **err)
{
        struct stat st;
        int r;

        if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return 0;
                return berr(err, errno, "stat what it replaces");
        }
        if (S_ISDIR(st.st_mode)) {
                if (dir)
                        return 1;
                r = rm_rf_at(pfd, name);
                if (r < 0 && r != -ENOENT)
                        return berr(err, -r, "remove the directory it replaces");
                return 0;
        }
        if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
                return berr(err, errno, "remove what it replaces");
        return 0;
}

static int
entry_meta(struct archive_entry *e, struct meta *m, struct berr **err)
{
        int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);

        /* (uid_t)-1 means "leave it" to chown(): not an owner a tar can ask for */
        if (uid < 0 || uid >= UINT32_MAX)
                return berr(err, 0, "invalid uid %lld", (long long)uid);
        if (gid < 0 || gid >= UINT32_MAX)
                return berr(err, 0, "invalid gid %lld", (long long)gid);
        m->uid = (uid_t)uid;
        m->gid = (gid_t)gid;
        m->perm = archive_entry_perm(e) & 07777;
        m->ts[1].tv_sec = archive_entry_mtime(e);
        m->ts[1].tv_nsec = archive_entry_mtime_nsec(e);
        if (m->ts[1].tv_nsec < 0 || m->ts[1].tv_nsec >= 1000000000)
                m->ts[1].tv_nsec = 0;
        m->ts[0] = m->ts[1];
        if (archive_entry_atime_is_set(e)) {
                m->ts[0].tv_sec = archive_entry_atime(e);
                m->ts[0].tv_nsec = archive_entry_atime_nsec(e);
                if (m->ts[0].tv_nsec < 0 || m->ts[0].tv_nsec >= 1000000000)
                        m->ts[0].tv_nsec = 0;
        }
        return 0;
}

/*
 * Which xattrs a layer may carry: file capabilities and user.*. Others
 * belong to the host (security.selinux labels, system.* ACLs and such,
 * trusted.*) and are skipped, but overlayfs' own (trusted.overlay.*, and
 * user.overlay.* that a rootless "userxattr" mount reads) would let the
 * tar speak for overlayfs (opaque, redirect, metacopy): refused.
 */
static int
xattr_wanted(const char *name, struct berr **err)
{
        char b[ESC_MAX];

        if (startswith(name, "trusted.overlay.") || startswith(name, "user.overlay."))
                return berr(err, 0, "xattr '%s' is reserved for overlayfs", esc(b, name, SIZE_MAX));
        return startswith(name, "user.") || streq(name, "security.capability");
}

static int
check_xattrs(struct archive_entry *e, struct berr **err)
{
        const char *name;
        const void *value;
        size_t size;

        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                int r = xattr_wanted(name ? name : "", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * Only on regular files and directories: user.* xattrs are not allowed on
 * anything else, and a capability means nothing there.
 */
static int
set_xattrs(int fd, struct archive_entry *e, struct berr **err)
{
        const char *name;
        const void *value;
        size_t size;
        char b[ESC_MAX];

        if (archive_entry_xattr_reset(e) == 0)
                return 0;
        while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
                int r = xattr_wanted(name ? name : "", err);

                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                if (fsetxattr(fd, name, value ? value : "", size, 0) < 0)
                        return berr(err, errno, "set xattr '%s'", esc(b, name, SIZE_MAX));
        }
        return 0;
}

static int
set_owner_mode(int fd, const struct meta *m, struct berr **err)
{
        if (fchown(fd, m->uid, m->gid) < 0)
                return berr(err, errno, "chown to %u:%u", (unsigned)m->uid, (unsigned)m->gid);
        /* after chown, which clears setuid and setgid */
        if (fchmod(fd, m->perm) < 0)
                return berr(err, errno, "chmod to %04o", (unsigned)m->perm);
        return 0;
}

static int
defer_dir_times(struct extract *x, const char *path, const struct meta *m, struct berr **err)
{
        struct dir_time *d;

        if (x->n_dirs == x->alloc_dirs) {
                size_t n = x->alloc_dirs ? x->alloc_dirs * 2 : 64;

                d = reallocarray(x->dirs, n, sizeof(*d));
                if (!d)
                        return berr(err, ENOMEM, "directory list");
                x->dirs = d;
                x->alloc_dirs = n;
        }
        d = &x->dirs[x->n_dirs];
        d->path = strdup(path);
        if (!d->path)
                return berr(err, ENOMEM, "directory list");
        d->ts[0] = m->ts[0];
        d->ts[1] = m->ts[1];
        x->n_dirs++;
        return 0;
}

static int
set_dir_times(struct extract *x, struct berr **err)
{
        char b[ESC_MAX];

        for (size_t i = 0; i < x->n_dirs; i++) {
                const struct dir_time *d = &x->dirs[i];
                size_t upto = 0;
                int fd = dir_open(x, d->path, false, &upto);

                /* a later entry of the layer replaced it */
                if (fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP)
                        continue;
                if (fd < 0)
                        return walk_error(d->path, upto, fd, err);
                if (futimens(fd, d->ts) < 0)
                        return berr(err, errno, "set the times of '%s'", esc(b, d->path, SIZE_MAX));
        }
        return 0;
}

static int
write_data(struct archive *a, struct extract *x, int fd, struct archive_entry *e, struct berr **err)
{
        int64_t end = 0;

        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &len, &off);

                if (r == ARCHIVE_EOF)
                        break;
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                        return archive_fail(x, a, err);
                if (off < 0)
                        return berr(err, 0, "tar: negative data offset");
                /* pwrite at the block's offset: a sparse file's gaps stay holes */
                while (len > 0) {
                        ssize_t n = pwrite(fd, buf, len, off);

                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return berr(err, errno, "write");
                        buf = (const char *)buf + n;
                        len -= (size_t)n;
                        off += n;
                }
                if (off > end)
                        end = off;
        }
        /* a sparse file may end in a hole */
        if (archive_entry_size_is_set(e) && archive_entry_size(e) > end &&
            ftruncate(fd, archive_entry_size(e)) < 0)
                return berr(err, errno, "truncate to %lld bytes", (long long)archive_entry_size(e));
        return 0;
}

static int
extract_file(struct extract *x, struct archive *a, struct archive_entry *e, int pfd,
             const char *name, const struct meta *m, struct berr **err)
{
        /* 0600 until the content and owner are in place; O_EXCL: never into an old inode */
        const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        _cleanup_close_ int fd = openat(pfd, name, flags, 0600);
        int r;

        if (fd < 0 && errno == EEXIST) {
                r = make_room(pfd, name, false, err);
                if (r < 0)
                        return r;
                fd = openat(pfd, name, flags, 0600);
        }
        if (fd < 0)
                return berr(err, errno, "create");
        r = write_data(a, x, fd, e, err);
        if (r < 0)
                return r;
        r = set_owner_mode(fd, m, err);
        if (r < 0)
                return r;
        /* after the writes and chown, which both drop security.capability */
        r = set_xattrs(fd, e, err);
        if (r < 0)
                return r;
        if (futimens(fd, m->ts) < 0)
                return berr(err, errno, "set times");
        return 0;
}

static int
dir_meta(struct extract *x, int fd, const char *path, struct archive_entry *e, const struct meta *m,
         struct berr **err)
{
        int r = set_owner_mode(fd, m, err);

        if (r < 0)
                return r;
        r = set_xattrs(fd, e, err);
        if (r < 0)
                return r;
        return defer_dir_times(x, path, m, err);
}

static int
extract_dir(struct extract *x, struct archive_entry *e, int pfd, const char *path, const char *name,
            const struct meta *m, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (mkdirat(pfd, name, 0700) < 0) {
                if (errno != EEXIST)
                        return berr(err, errno, "mkdir");
                /* a directory already there (an earlier entry, or implied) takes the new metadata
                 */
                r = make_room(pfd, name, true, err);
                if (r < 0)
                        return r;
                if (r == 0 && mkdirat(pfd, name, 0700) < 0)
                        return berr(err, errno, "mkdir");
        }
        fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open the directory");
        return dir_meta(x, fd, path, e, m, err);
}

static int
extract_symlink(struct archive_entry *e, int pfd, const char *name, const struct meta *m,
                struct berr **err)
{
        /* any target: it is only ever followed later, inside the container's root */
        const char *target = archive_entry_symlink(e);
        int r;

        if (!target || !*target)
                return berr(err, 0, "symlink without a target");
        if (symlinkat(target, pfd, name) < 0) {
                if (errno != EEXIST)
                        return berr(err, errno, "symlink");
                r = make_room(pfd, name, false, err);
                if (r < 0)
                        return r;
                if (symlinkat(target, pfd, name) < 0)
                        return berr(err, errno, "symlink");
        }
        if (fchownat(pfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "chown to %u:%u", (unsigned)m->uid, (unsigned)m->gid);
        if (utimensat(pfd, name, m->ts, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "set times");
        return 0;
}

static int
extract_special(struct extract *x, struct archive_entry *e, int pfd, const char *name,
                const struct meta *m, struct berr **err)
{
        mode_t type = archive_entry_filetype(e);
        dev_t rdev = type == AE_IFIFO ? 0 : archive_entry_rdev(e);

        if (x->opts->rootless && (type == AE_IFBLK || (type == AE_IFCHR && rdev != 0)))
                return berr(err, 0, "device nodes are refused in rootless mode");
        if (mknodat(pfd, name, type | 0600, rdev) < 0) {
                int r;

                if (errno != EEXIST)
                        return berr(err, errno, "mknod");
                r = make_room(pfd, name, false, err);
                if (r < 0)
                        return r;
                if (mknodat(pfd, name, type | 0600, rdev) < 0)
                        return berr(err, errno, "mknod");
        }
        if (fchownat(pfd, name, m->uid, m->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "chown to %u:%u", (unsigned)m->uid, (unsigned)m->gid);
        /*
         * fchmodat() follows a symlink, but pfd/name is the node mknodat()
         * just made, in a directory only this extraction writes to; opening
         * it for an fd would open a fifo or a device.
         */
        if (fchmodat(pfd, name, m->perm, 0) < 0)
                return berr(err, errno, "chmod to %04o", (unsigned)m->perm);
        if (utimensat(pfd, name, m->ts, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "set times");
        return 0;
}

/*
 * A hard link: the target is resolved the way entries are (no "..", no
 * symlinked parent) and must be something this layer already made. Its
 * metadata is the target's: the inode is shared.
 */
static int
extract_hardlink(struct extract *x, const char *path, const char *parent, const char *name,
                 const char *raw_target, struct berr **err)
{
        _cleanup_free_ char *target = NULL, *tparent = NULL;
        _cleanup_close_ int tfd = -EBADF;
        const char *tname, *slash;
        char b[ESC_MAX];
        struct stat st;
        size_t upto = 0;
        int pfd, r;

        r = clean_path(raw_target, &target, err);
        if (r < 0)
                return berr_wrap(err, "hard link target '%s'", esc(b, raw_target, SIZE_MAX));
        if (!*target)
                return berr(err, 0, "hard link to the layer's root directory");
        if (streq(target, path))
                return berr(err, 0, "hard link to itself");
        slash = strrchr(target, '/');
        tparent = slash ? strndup(target, (size_t)(slash - target)) : strdup("");
        if (!tparent)
                return berr(err, ENOMEM, "hard link");
        tname = slash ? slash + 1 : target;

        r = dir_open(x, tparent, false, &upto);
        if (r == -ENOENT)
                return berr(err, 0, "hard link target '%s' does not exist in this layer",
                            esc(b, target, SIZE_MAX));
        if (r < 0) {
                walk_error(tparent, upto, r, err);
                return berr_wrap(err, "hard link target '%s'", esc(b, target, SIZE_MAX));
        }
        /* dir_open() hands out its cache: the entry's own parent comes next */
        tfd = fcntl(r, F_DUPFD_CLOEXEC, 3);
        if (tfd < 0)
                return berr(err, errno, "dup");

        pfd = parent_open(x, parent, err);
        if (pfd < 0)
                return pfd;
        r = make_room(pfd, name, false, err);
        if (r < 0)
                return r;
        if (fstatat(tfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                if (errno == ENOENT)
                        return berr(err, 0, "hard link target '%s' does not exist in this layer",
                                    esc(b, target, SIZE_MAX));
                return berr(err, errno, "hard link target '%s'", esc(b, target, SIZE_MAX));
        }
        if (S_ISDIR(st.st_mode))
                return berr(err, 0, "hard link target '%s' is a directory",
                            esc(b, target, SIZE_MAX));
        /* no AT_SYMLINK_FOLLOW: a symlink target is linked itself, never what it points to */
        if (linkat(tfd, tname, pfd, name, 0) < 0)
                return berr(err, errno, "hard link to '%s'", esc(b, target, SIZE_MAX));
        return 0;
}

/*
 * OCI whiteouts, as overlayfs wants them: ".wh..wh..opq" marks its
 * directory opaque, ".wh.NAME" becomes a 0/0 character device NAME.
 */
static int
extract_whiteout(struct extract *x, const char *parent, const char *name, struct berr **err)
{
        const char *hidden = name + strlen(WHITEOUT_PREFIX);
        char b[ESC_MAX];
        struct stat st;
        int pfd;

        if (streq(name, WHITEOUT_OPAQUE)) {
                pfd = parent_open(x, parent, err);
                if (pfd < 0)
                        return pfd;
                /* pfd is an O_DIRECTORY|O_NOFOLLOW fd: nothing here follows a link */
                if (fsetxattr(pfd, OVERLAY_OPAQUE_XATTR, "y", 1, 0) < 0)
                        return berr(err, errno, "set " OVERLAY_OPAQUE_XATTR);
                return 0;
        }
        if (!*hidden || streq(hidden, ".") || streq(hidden, ".."))
                return berr(err, 0, "invalid whiteout '%s'", esc(b, name, SIZE_MAX));
        pfd = parent_open(x, parent, err);
        if (pfd < 0)
                return pfd;
        /*
         * A whiteout hides lower layers only (image-spec, layer.md): when
         * this layer has the name too, it stays, and it hides them already.
         */
        if (fstatat(pfd, hidden, &st, AT_SYMLINK_NOFOLLOW) == 0)
                return 0;
        if (errno != ENOENT)
                return berr(err, errno, "stat '%s'", esc(b, hidden, SIZE_MAX));
        if (mknodat(pfd, hidden, S_IFCHR, makedev(0, 0)) < 0)
                return berr(err, errno, "make whiteout '%s'", esc(b, hidden, SIZE_MAX));
        return 0;
}

static int
extract_entry(struct extract *x, struct archive *a, struct archive_entry *e, struct berr **err)
{
        const char *raw = archive_entry_pathname(e), *name, *slash, *hardlink;
        _cleanup_free_ char *path = NULL, *parent = NULL;
        mode_t type = archive_entry_filetype(e);
        struct meta m = {0};
        int pfd, r;

        if (!raw)
                return berr(err, 0, "entry without a path");
        r = clean_path(raw, &path, err);
        if (r < 0)
                return r;
        /*
         * Docker's AUFS metadata (.wh..wh.plnk, .wh..wh.aufs) at the top:
         * skipped, as Docker skips it; the opaque marker is the exception.
         */
        if (startswith(path, WHITEOUT_META_PREFIX) && !streq(path, WHITEOUT_OPAQUE))
                return 0;
        r = check_xattrs(e, err);
        if (r < 0)
                return r;
        r = entry_meta(e, &m, err);
        if (r < 0)
                return r;
        hardlink = archive_entry_hardlink(e);

        if (!*path) {
                if (hardlink || type != AE_IFDIR)
                        return berr(err, 0, "would replace the layer's root directory");
                return dir_meta(x, x->rootfd, path, e, &m, err);
        }
        slash = strrchr(path, '/');
        parent = slash ? strndup(path, (size_t)(slash - path)) : strdup("");
        if (!parent)
                return berr(err, ENOMEM, "path");
        name = slash ? slash + 1 : path;

        if (startswith(name, WHITEOUT_PREFIX))
                return extract_whiteout(x, parent, name, err);
        if (hardlink)
                return extract_hardlink(x, path, parent, name, hardlink, err);

        pfd = parent_open(x, parent, err);
        if (pfd < 0)
                return pfd;
        switch (type) {
        case AE_IFREG:
                return extract_file(x, a, e, pfd, name, &m, err);
        case AE_IFDIR:
                return extract_dir(x, e, pfd, path, name, &m, err);
        case AE_IFLNK:
                return extract_symlink(e, pfd, name, &m, err);
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO:
                return extract_special(x, e, pfd, name, &m, err);
        default:
                return berr(err, 0, "unsupported entry type 0%o", (unsigned)type);
        }
}

static int
extract_tar(struct extract *x, struct berr **err)
{
        _cleanup_(archive_read_freep) struct archive *a = NULL;
        char b[ESC_MAX];
        int r;

        r = layer_stream_read(x->stream, &x->first, &x->first_len, err);
        if (r < 0)
                return r;
        /* no bytes at all: an empty layer, as Go's tar reader (Docker's) sees it */
        if (x->first_len == 0)
                return 0;
        a = archive_read_new();
        if (!a)
                return berr(err, ENOMEM, "tar reader");
        /* tar only, with no filters: the stream is decompressed (and hashed) already */
        if (archive_read_support_format_tar(a) != ARCHIVE_OK)
                return archive_fail(x, a, err);
        if (archive_read_open(a, x, NULL, read_cb, NULL) != ARCHIVE_OK)
                return archive_fail(x, a, err);
        for (;;) {
                struct archive_entry *e;

                r = archive_read_next_header(a, &e);
                if (r == ARCHIVE_EOF)
                        return 0;
                /* ARCHIVE_RETRY is a damaged header: a layer is either right or refused */
                if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
                        return archive_fail(x, a, err);
                r = extract_entry(x, a, e, err);
                if (r < 0 && x->stream_failed)
                        return r;
                if (r < 0)
                        return berr_wrap(err, "entry '%s'",
                                         esc(b, archive_entry_pathname(e), SIZE_MAX));
        }
}

/*
 * After a failure: read the rest of the blob raw and tell whether its
 * digest is wrong, in which case the blob (a broken download), not the
 * tar, is what to report.
 */
static bool
blob_mismatch(struct extract *x, const char *expect, char digest[DIGEST_STRING_MAX])
{
        struct berr *ignored = NULL;
        bool bad = false;

        if (!x->stream || !expect)
                return false;
        if (layer_stream_drain_raw(x->stream, &ignored) >= 0 &&
            layer_stream_finish(x->stream, digest, NULL, NULL, NULL) >= 0)
                bad = !streq(digest, expect);
        berr_free(ignored);
        return bad;
}

static void
extract_done(struct extract *x)
{
        for (size_t i = 0; i < x->n_dirs; i++)
                free(x->dirs[i].path);
        free(x->dirs);
        if (x->cache_fd >= 0)
                (void)close(x->cache_fd);
        free(x->cache_path);
        x->stream = layer_stream_free(x->stream);
        x->stream_err = berr_free(x->stream_err);
}

int
layer_extract_fd(int fd, int dirfd, const struct extract_opts *opts, struct berr **err)
{
        static const struct extract_opts defaults = {.compression = LAYER_DETECT};
        _cleanup_(berr_freep) struct berr *e = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        char digest[DIGEST_STRING_MAX] = "", diff_id[DIGEST_STRING_MAX] = "";
        struct extract x = {.cache_fd = -EBADF};
        uint64_t in = 0, out = 0;
        bool finished = false;
        const char *what;
        int r;

        opts = opts ? opts : &defaults;
        what = opts->what ? opts->what : "layer";
        r = archive_load(err);
        if (r < 0)
                return r;
        if (opts->expect_digest && !digest_valid(opts->expect_digest))
                return berr(err, 0, "%s: invalid digest '%s'", what, opts->expect_digest);
        if (opts->expect_diff_id && !digest_valid(opts->expect_diff_id))
                return berr(err, 0, "%s: invalid diff-id '%s'", what, opts->expect_diff_id);
        /* dirfd may be O_PATH; fsetxattr() on the root needs a real fd */
        rootfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berr(err, errno, "%s: open the layer directory", what);

        x.opts = opts;
        x.rootfd = rootfd;
        x.cache_path = strdup("");
        if (!x.cache_path)
                return berr(err, ENOMEM, "%s", what);
        if (opts->in_range)
                r = layer_stream_new_range(fd, opts->in_offset, opts->in_length, opts->compression,
                                           opts->max_bytes_out, &x.stream, &e);
        else
                r = layer_stream_new(fd, opts->compression, opts->max_bytes_out, &x.stream, &e);
        if (r >= 0 && opts->tar_split)
                layer_stream_set_tap(x.stream, tar_split_tap, opts->tar_split);
        if (r >= 0)
                r = extract_tar(&x, &e);
        if (r >= 0)
                r = set_dir_times(&x, &e);
        /* the digests cover what follows the tar's end too */
        if (r >= 0)
                r = layer_stream_drain(x.stream, &e);
        if (r >= 0 && opts->tar_split)
                r = tar_split_writer_finish(opts->tar_split, &e);
        if (r >= 0) {
                finished = true;
                r = layer_stream_finish(x.stream, digest, diff_id, &in, &out);
                if (r < 0)
                        r = berr(&e, -r, "sha256");
        }
        if (r < 0 && !finished && blob_mismatch(&x, opts->expect_digest, digest)) {
                e = berr_free(e);
                r = berr(&e, 0, "digest mismatch: got %s, expected %s", digest,
                         opts->expect_digest);
        }
        if (r >= 0 && opts->expect_digest && !streq(digest, opts->expect_digest))
                r = berr(&e, 0, "digest mismatch: got %s, expected %s", digest,
                         opts->expect_digest);
        if (r >= 0 && opts->expect_diff_id && !streq(diff_id, opts->expect_diff_id))
                r = berr(&e, 0, "diff-id mismatch: got %s, expected %s", diff_id,
                         opts->expect_diff_id);
        extract_done(&x);
        if (r < 0) {
                berr_wrap(&e, "%s", what);
                return take_err(err, &e);
        }
        if (opts->ret_bytes_in)
                *opts->ret_bytes_in = in;
        if (opts->ret_bytes_out)
                *opts->ret_bytes_out = out;
        return 0;
}
