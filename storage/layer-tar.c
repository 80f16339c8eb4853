/*
 * storage/layer-tar.c: a fresh, reproducible tar of a layer's directory
 * (libarchive's pax writer), whiteouts turned back into the OCI form.
 */
#include "layer-tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"
#define COPY_BUF (128U * 1024U)
#define XATTR_LIST_MAX_BYTES (64U * 1024U)
/* directories deeper than this are refused: each level holds an fd */
#define DEPTH_MAX 512

struct link_seen {
        dev_t dev;
        ino_t ino;
        char *path;
};

struct tar_writer {
        struct archive *a;
        tar_split_sink sink;
        void *userdata;
        struct berr *sink_err; /* why the sink refused, for after libarchive gives up */
        struct link_seen *links;
        size_t n_links, alloc_links;
        uint8_t *buf;
};

static void
archive_write_freep(struct archive **a)
{
        if (*a)
                (void)archive_write_free(*a);
}

static void
archive_entry_freep(struct archive_entry **e)
{
        if (*e)
                archive_entry_free(*e);
}

static la_ssize_t
write_cb(struct archive *a, void *userdata, const void *buf, size_t len)
{
        struct tar_writer *w = userdata;

        if (w->sink(w->userdata, buf, len, &w->sink_err) < 0) {
                archive_set_error(a, EIO, "the archive's writer stopped");
                return -1;
        }
        return (la_ssize_t)len;
}

/* libarchive failed: the sink's own error if it was that */
static int
archive_fail(struct tar_writer *w, const char *path, struct berr **err)
{
        const char *msg = archive_error_string(w->a);

        if (w->sink_err) {
                int r = berr_code(w->sink_err);

                if (err && !*err)
                        *err = TAKE_PTR(w->sink_err);
                return r;
        }
        return berr(err, 0, "tar '%s': %s", path, msg ? msg : "unknown error");
}

static int
cmp_names(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

static int
not_dots(const struct dirent *d)
{
        return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static int
cmp_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* security.capability and user.* (but overlayfs' own), in name order */
static int
add_xattrs(int fd, const char *path, struct archive_entry *e, struct berr **err)
{
        _cleanup_free_ char *list = NULL;
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        ssize_t len = flistxattr(fd, NULL, 0);

        if (len < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
                return 0;
        if (len < 0)
                return berr(err, errno, "list the xattrs of '%s'", path);
        if (len == 0)
                return 0;
        if ((size_t)len > XATTR_LIST_MAX_BYTES)
                return berr(err, E2BIG, "the xattrs of '%s'", path);
        list = malloc((size_t)len);
        names = calloc((size_t)len, sizeof(*names));
        if (!list || !names)
                return berr(err, ENOMEM, "xattrs");
        len = flistxattr(fd, list, (size_t)len);
        if (len < 0)
                return berr(err, errno, "list the xattrs of '%s'", path);
        for (char *p = list; p < list + len; p += strlen(p) + 1)
                if (strcmp(p, "security.capability") == 0 ||
                    (strncmp(p, "user.", 5) == 0 && strncmp(p, "user.overlay.", 13) != 0))
                        names[n++] = p;
        qsort(names, n, sizeof(*names), cmp_strings);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *value = NULL;
                ssize_t vlen = fgetxattr(fd, names[i], NULL, 0);

                if (vlen < 0 && errno == ENODATA)
                        continue;
                if (vlen < 0)
                        return berr(err, errno, "read xattr %s of '%s'", names[i], path);
                value = malloc(vlen > 0 ? (size_t)vlen : 1);
                if (!value)
                        return berr(err, ENOMEM, "xattrs");
                vlen = fgetxattr(fd, names[i], value, (size_t)vlen);
                if (vlen < 0)
                        return berr(err, errno, "read xattr %s of '%s'", names[i], path);
                archive_entry_xattr_add_entry(e, names[i], value, (size_t)vlen);
        }
        return 0;
}

static struct archive_entry *
entry_of(const char *path, const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();

        if (!e)
                return NULL;
        archive_entry_copy_pathname(e, path);
        archive_entry_set_mode(e, st->st_mode);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        /* seconds: the pax writer then needs no header for the times */
        archive_entry_set_mtime(e, st->st_mtim.tv_sec, 0);
        return e;
}

static int
write_header(struct tar_writer *w, struct archive_entry *e, const char *path, struct berr **err)
{
        if (archive_write_header(w->a, e) < ARCHIVE_WARN)
                return archive_fail(w, path, err);
        return 0;
}

/* A hard link to an inode already written: its first path, else NULL (and it is remembered). */
static int
hardlink_of(struct tar_writer *w, const struct stat *st, const char *path, const char **ret,
            struct berr **err)
{
        struct link_seen *l;

        *ret = NULL;
        if (st->st_nlink < 2)
                return 0;
        for (size_t i = 0; i < w->n_links; i++)
                if (w->links[i].dev == st->st_dev && w->links[i].ino == st->st_ino) {
                        *ret = w->links[i].path;
                        return 0;
                }
        if (w->n_links == w->alloc_links) {
                size_t n = w->alloc_links ? w->alloc_links * 2 : 64;

                l = reallocarray(w->links, n, sizeof(*l));
                if (!l)
                        return berr(err, ENOMEM, "hard links");
                w->links = l;
                w->alloc_links = n;
        }
        l = &w->links[w->n_links];
        l->path = strdup(path);
        if (!l->path)
                return berr(err, ENOMEM, "hard links");
        l->dev = st->st_dev;
        l->ino = st->st_ino;
        w->n_links++;
        return 0;
}

static int
write_file(struct tar_writer *w, int dfd, const char *name, const char *path, const struct stat *st,
           struct berr **err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = entry_of(path, st);
        _cleanup_close_ int fd = -EBADF;
        const char *first = NULL;
        uint64_t left = (uint64_t)st->st_size;
        int r;

        if (!e)
                return berr(err, ENOMEM, "tar entry");
        r = hardlink_of(w, st, path, &first, err);
        if (r < 0)
                return r;
        if (first) {
                archive_entry_set_size(e, 0);
                archive_entry_copy_hardlink(e, first);
                return write_header(w, e, path, err);
        }
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open '%s'", path);
        archive_entry_set_size(e, st->st_size);
        r = add_xattrs(fd, path, e, err);
        if (r < 0)
                return r;
        r = write_header(w, e, path, err);
        if (r < 0)
                return r;
        while (left > 0) {
                ssize_t n = read(fd, w->buf, left < COPY_BUF ? (size_t)left : COPY_BUF);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read '%s'", path);
                if (n == 0)
                        return berr(err, 0, "'%s' changed while it was read", path);
                if (archive_write_data(w->a, w->buf, (size_t)n) != n)
                        return archive_fail(w, path, err);
                left -= (uint64_t)n;
        }
        return 0;
}

/* an empty regular file: a whiteout in the OCI form */
static int
write_marker(struct tar_writer *w, const char *path, const struct stat *st, struct berr **err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = entry_of(path, st);

        if (!e)
                return berr(err, ENOMEM, "tar entry");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_size(e, 0);
        return write_header(w, e, path, err);
}

static int walk(struct tar_writer *w, int dfd, const char *prefix, unsigned depth,
                struct berr **err);

static char *
join(const char *prefix, const char *name)
{
        char *p = NULL;

        if (!*prefix)
                return strdup(name);
        if (asprintf(&p, "%s/%s", prefix, name) < 0)
                return NULL;
        return p;
}

static int
write_dir(struct tar_writer *w, int dfd, const char *name, const char *path, const struct stat *st,
          unsigned depth, struct berr **err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = entry_of(path, st);
        _cleanup_close_ int fd = -EBADF;
        char opaque[2];
        ssize_t n;
        int r;

        if (!e)
                return berr(err, ENOMEM, "tar entry");
        if (depth >= DEPTH_MAX)
                return berr(err, ELOOP, "'%s': directories nested too deep", path);
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open '%s'", path);
        r = add_xattrs(fd, path, e, err);
        if (r < 0)
                return r;
        r = write_header(w, e, path, err);
        if (r < 0)
                return r;
        n = fgetxattr(fd, OVERLAY_OPAQUE_XATTR, opaque, sizeof(opaque));
        if (n == 1 && opaque[0] == 'y') {
                _cleanup_free_ char *marker = join(path, WHITEOUT_OPAQUE);

                if (!marker)
                        return berr(err, ENOMEM, "path");
                r = write_marker(w, marker, st, err);
                if (r < 0)
                        return r;
        }
        return walk(w, fd, path, depth + 1, err);
}

static int
write_other(struct tar_writer *w, int dfd, const char *name, const char *path,
            const struct stat *st, struct berr **err)
{
        _cleanup_(archive_entry_freep) struct archive_entry *e = entry_of(path, st);
        const char *first = NULL;
        int r;

        if (!e)
                return berr(err, ENOMEM, "tar entry");
        r = hardlink_of(w, st, path, &first, err);
        if (r < 0)
                return r;
        if (first) {
                archive_entry_copy_hardlink(e, first);
                archive_entry_set_size(e, 0);
                return write_header(w, e, path, err);
        }
        if (S_ISLNK(st->st_mode)) {
                char target[PATH_MAX + 1];
                ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);

                if (n < 0)
                        return berr(err, errno, "read the link '%s'", path);
                target[n] = '\0';
                archive_entry_copy_symlink(e, target);
        } else {
                archive_entry_set_rdev(e, st->st_rdev);
        }
        return write_header(w, e, path, err);
}

static int
walk(struct tar_writer *w, int dfd, const char *prefix, unsigned depth, struct berr **err)
{
        struct dirent **list = NULL;
        int n = scandirat(dfd, ".", &list, not_dots, cmp_names);
        int r = 0;

        if (n < 0)
                return berr(err, errno, "read the directory '%s'", *prefix ? prefix : ".");
        for (int i = 0; i < n; i++) {
                const char *name = list[i]->d_name;
                _cleanup_free_ char *path = r < 0 ? NULL : join(prefix, name);
                struct stat st;

                if (r < 0)
                        continue; /* only freeing now */
                if (!path) {
                        r = berr(err, ENOMEM, "path");
                        continue;
                }
                if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = berr(err, errno, "stat '%s'", path);
                        continue;
                }
                if (S_ISDIR(st.st_mode)) {
                        r = write_dir(w, dfd, name, path, &st, depth, err);
                } else if (S_ISREG(st.st_mode)) {
                        r = write_file(w, dfd, name, path, &st, err);
                } else if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                        /* an overlay whiteout hides NAME below: the OCI form is .wh.NAME */
                        _cleanup_free_ char *wh = NULL;

                        if (asprintf(&wh, "%s%s%s%s", prefix, *prefix ? "/" : "", WHITEOUT_PREFIX,
                                     name) < 0)
                                r = berr(err, ENOMEM, "path");
                        else
                                r = write_marker(w, wh, &st, err);
                } else if (S_ISLNK(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ||
                           S_ISFIFO(st.st_mode)) {
                        r = write_other(w, dfd, name, path, &st, err);
                }
                /* sockets are no part of an image */
        }
        for (int i = 0; i < n; i++)
                free(list[i]);
        free(list);
        return r;
}

int
layer_tar_write(int diff_fd, tar_split_sink sink, void *userdata, struct berr **err)
{
        _cleanup_(archive_write_freep) struct archive *a = archive_write_new();
        _cleanup_close_ int root = -EBADF;
        struct tar_writer w = {.sink = sink, .userdata = userdata};
        int r;

        if (!a)
                return berr(err, ENOMEM, "tar writer");
        w.a = a;
        w.buf = malloc(COPY_BUF);
        if (!w.buf)
                return berr(err, ENOMEM, "tar writer");
        root = openat(diff_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (root < 0) {
                r = berr(err, errno, "open the layer directory");
                goto out;
        }
        /* pax where ustar falls short (long names, big ids, xattrs), as Go's writer does */
        if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_add_filter_none(a) != ARCHIVE_OK ||
            archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
            archive_write_open(a, &w, NULL, write_cb, NULL) != ARCHIVE_OK) {
                r = archive_fail(&w, ".", err);
                goto out;
        }
        r = walk(&w, root, "", 0, err);
        if (r >= 0 && archive_write_close(a) != ARCHIVE_OK)
                r = archive_fail(&w, ".", err);
out:
        for (size_t i = 0; i < w.n_links; i++)
                free(w.links[i].path);
        free(w.links);
        free(w.buf);
        berr_free(w.sink_err);
        return r;
}
