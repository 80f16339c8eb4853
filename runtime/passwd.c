/*
 * runtime/passwd.c: a container's "user[:group]" resolved from its own
 * /etc/passwd and /etc/group, the way runc's libcontainer/user (which
 * podman uses) reads them. The files are the image's: a symlink
 * /etc/passwd -> /etc/shadow, or -> ../../../host/etc/passwd, must resolve
 * inside the rootfs as it would in the container, never on the host.
 */
#include "passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/quote.h"

#define SYMLINKS_MAX 40 /* what the kernel follows before ELOOP */
#define QUOTE_MAX 128

void
passwd_user_done(struct passwd_user *u)
{
        if (!u)
                return;
        free(u->name);
        free(u->home);
        free(u->groups);
        *u = (struct passwd_user){0};
}

/* Whether fd is the directory root (same inode): ".." stops there. */
static bool
same_inode(int fd, const struct stat *root)
{
        struct stat st;

        return fstat(fd, &st) == 0 && st.st_dev == root->st_dev && st.st_ino == root->st_ino;
}

/*
 * The rest of a path after a symlink: target, then what was left after
 * the link's element (rest, may be ""). malloc'd, or NULL.
 */
static char *
splice_link(const char *target, const char *rest)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s", target, rest) < 0)
                return NULL;
        return s;
}

/*
 * openat2's RESOLVE_IN_ROOT done in user space: one element at a time,
 * O_NOFOLLOW, symlinks read and resolved against rootfd. Each directory
 * is held open, so renaming one of them cannot move the walk elsewhere.
 */
static int
open_walk(int rootfd, const char *path, int flags)
{
        _cleanup_free_ char *todo = strdup(path);
        _cleanup_close_ int cur = -EBADF;
        struct stat root_st;
        unsigned links = 0;
        const char *p;

        if (!todo)
                return -ENOMEM;
        if (fstat(rootfd, &root_st) < 0)
                return -errno;
        cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0)
                return -errno;
        p = todo;
        for (;;) {
                char name[NAME_MAX + 1], target[PATH_MAX];
                _cleanup_close_ int fd = -EBADF;
                const char *end, *rest;
                struct stat st;
                size_t n;
                ssize_t tn;

                while (*p == '/')
                        p++;
                if (!*p) { /* the path ends at a directory */
                        int r = openat(cur, ".", flags | O_CLOEXEC);

                        return r < 0 ? -errno : r;
                }
                end = strchrnul(p, '/');
                n = (size_t)(end - p);
                if (n > NAME_MAX)
                        return -ENAMETOOLONG;
                memcpy(name, p, n);
                name[n] = '\0';
                rest = end;
                while (*rest == '/')
                        rest++;
                if (strcmp(name, ".") == 0) {
                        p = rest;
                        continue;
                }
                if (strcmp(name, "..") == 0) {
                        if (!same_inode(cur, &root_st)) {
                                fd = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (fd < 0)
                                        return -errno;
                                closep(&cur);
                                cur = TAKE_FD(fd);
                        }
                        p = rest;
                        continue;
                }
                fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode)) {
                        char *spliced;

                        if (++links > SYMLINKS_MAX)
                                return -ELOOP;
                        tn = readlinkat(fd, "", target, sizeof(target));
                        if (tn < 0)
                                return -errno;
                        if ((size_t)tn >= sizeof(target))
                                return -ENAMETOOLONG;
                        target[tn] = '\0';
                        if (target[0] == '/') {
                                int r = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

                                if (r < 0)
                                        return -errno;
                                closep(&cur);
                                cur = r;
                        }
                        spliced = splice_link(target, rest);
                        if (!spliced)
                                return -ENOMEM;
                        free(todo);
                        todo = spliced;
                        p = todo;
                        continue;
                }
                if (!*rest) {
                        /* O_NOFOLLOW: had it become a symlink since, this fails */
                        int r = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC);

                        return r < 0 ? -errno : r;
                }
                if (!S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                closep(&cur);
                cur = TAKE_FD(fd);
                p = rest;
        }
}

int
passwd_open_in_root(int rootfd, const char *path, bool walk)
{
        const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
        struct open_how how = {
                .flags = flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = -1;

        if (walk)
                return open_walk(rootfd, path, flags);
        for (int i = 0; i < 16; i++) { /* EAGAIN: a rename raced the lookup */
                fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
                if (fd >= 0 || (errno != EINTR && errno != EAGAIN))
                        break;
        }
        if (fd >= 0)
                return fd;
        if (errno == ENOSYS || errno == EPERM) /* no openat2, or a seccomp filter refuses it */
                return open_walk(rootfd, path, flags);
        return -errno;
}

/* Whether the directory dirfd/name of a layer is opaque: it hides what the layers below hold */
static bool
layer_dir_opaque(int fd)
{
        char v[2];

        return fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

static void
close_all(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0) {
                        (void)close(fds[i]);
                        fds[i] = -EBADF;
                }
}

/* Every layer's root as the current directory of a lookup */
static int
layers_reset(const int *layers, int *cur, size_t n)
{
        close_all(cur, n);
        for (size_t i = 0; i < n; i++) {
                cur[i] = fcntl(layers[i], F_DUPFD_CLOEXEC, 3);
                if (cur[i] < 0)
                        return -errno;
        }
        return 0;
}

/*
 * Enter directory name of the layer top (the topmost that has it): the
 * layers below top take part while theirs is a directory too, up to the
 * first opaque one, as overlayfs merges them.
 */
static int
layers_enter(int *cur, size_t n, size_t top, const char *name)
{
        bool hidden = false;

        for (size_t i = 0; i < n; i++) {
                int fd = -EBADF;

                if (i < top || cur[i] < 0 || hidden) {
                        if (cur[i] >= 0)
                                (void)close(cur[i]);
                        cur[i] = -EBADF;
                        continue;
                }
                fd = openat(cur[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && i == top)
                        return -errno;
                /* a whiteout, a file or nothing: the layers below are hidden from here on */
                if (fd < 0 || layer_dir_opaque(fd))
                        hidden = true;
                (void)close(cur[i]);
                cur[i] = fd;
        }
        return 0;
}

int
passwd_open_in_layers(const int *layers, size_t n, const char *path)
{
        const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC;
        _cleanup_free_ int *cur = NULL;
        _cleanup_free_ char *todo = strdup(path), *done = strdup("");
        unsigned links = 0;
        const char *p;
        int r;

        if (!todo || !done || n == 0 || !(cur = malloc(n * sizeof(*cur))))
                return n == 0 ? -ENOENT : -ENOMEM;
        for (size_t i = 0; i < n; i++)
                cur[i] = -EBADF;
        r = layers_reset(layers, cur, n);
        p = todo;
        while (r >= 0) {
                char name[NAME_MAX + 1], target[PATH_MAX];
                const char *end, *rest;
                struct stat st;
                size_t len, top = n;
                char *next = NULL;

                while (*p == '/')
                        p++;
                if (!*p) {
                        r = -EISDIR; /* only files are looked up here */
                        break;
                }
                end = strchrnul(p, '/');
                len = (size_t)(end - p);
                if (len > NAME_MAX) {
                        r = -ENAMETOOLONG;
                        break;
                }
                memcpy(name, p, len);
                name[len] = '\0';
                rest = end;
                while (*rest == '/')
                        rest++;
                if (strcmp(name, ".") == 0) {
                        p = rest;
                        continue;
                }
                if (strcmp(name, "..") == 0) {
                        /* done has no symlinks: walk it again from the root, one up */
                        char *slash = strrchr(done, '/');

                        if (slash)
                                *slash = '\0';
                        if (asprintf(&next, "%s/%s", done, rest) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        done[0] = '\0';
                        goto restart;
                }
                for (size_t i = 0; i < n && top == n; i++)
                        if (cur[i] >= 0 && fstatat(cur[i], name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                top = i;
                if (top == n || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))) {
                        r = -ENOENT;
                        break;
                }
                if (S_ISLNK(st.st_mode)) {
                        ssize_t tn;

                        if (++links > SYMLINKS_MAX) {
                                r = -ELOOP;
                                break;
                        }
                        tn = readlinkat(cur[top], name, target, sizeof(target));
                        if (tn < 0 || (size_t)tn >= sizeof(target)) {
                                r = tn < 0 ? -errno : -ENAMETOOLONG;
                                break;
                        }
                        target[tn] = '\0';
                        if (target[0] == '/') {
                                next = splice_link(target, rest);
                                done[0] = '\0';
                        } else if (asprintf(&next, "%s/%s/%s", done, target, rest) < 0) {
                                next = NULL;
                        }
                        if (!next) {
                                r = -ENOMEM;
                                break;
                        }
                        done[0] = '\0';
                        goto restart;
                }
                if (!*rest && S_ISDIR(st.st_mode)) {
                        r = -EISDIR;
                        break;
                }
                if (!*rest) {
                        r = openat(cur[top], name, flags);
                        r = r < 0 ? -errno : r;
                        break;
                }
                if (!S_ISDIR(st.st_mode)) {
                        r = -ENOTDIR;
                        break;
                }
                r = layers_enter(cur, n, top, name);
                if (r >= 0) {
                        char *d = NULL;

                        if (asprintf(&d, "%s/%s", done, name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        free(done);
                        done = d;
                }
                p = rest;
                continue;
        restart:
                free(todo);
                todo = next;
                p = todo;
                r = layers_reset(layers, cur, n);
        }
        close_all(cur, n);
        return r;
}

int
passwd_parse_id(const char *s, uint32_t *ret)
{
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                v = v * 10 + (uint64_t)(*p - '0');
                if (v > UINT32_MAX - 1)
                        return -EINVAL;
        }
        *ret = (uint32_t)v;
        return 0;
}

/* Cut line at ':' into at most max fields; returns how many there were. */
static size_t
split_fields(char *line, char **fields, size_t max)
{
        size_t n = 0;

        while (n < max) {
                char *c = strchr(line, ':');

                fields[n++] = line;
                if (!c)
                        break;
                *c = '\0';
                line = c + 1;
        }
        return n;
}

/* Lines that are no entry: empty, comments, NIS compat ("+name", "-name") */
static bool
skip_line(const char *line)
{
        return !*line || *line == '#' || *line == '+' || *line == '-';
}

bool
passwd_parse_line(char *line, struct passwd_entry *ret)
{
        char *f[7] = {0};
        size_t n;

        if (skip_line(line))
                return false;
        n = split_fields(line, f, 7);
        if (n < 4 || !*f[0])
                return false;
        if (passwd_parse_id(f[2], &ret->uid) < 0 || passwd_parse_id(f[3], &ret->gid) < 0)
                return false;
        ret->name = f[0];
        ret->home = n >= 6 ? f[5] : "";
        return true;
}

bool
group_parse_line(char *line, struct group_entry *ret)
{
        char *f[4] = {0};
        size_t n;

        if (skip_line(line))
                return false;
        n = split_fields(line, f, 4);
        if (n < 3 || !*f[0])
                return false;
        if (passwd_parse_id(f[2], &ret->gid) < 0)
                return false;
        ret->name = f[0];
        ret->members = n >= 4 ? f[3] : NULL;
        return true;
}

bool
group_has_member(const char *members, const char *user)
{
        size_t len = strlen(user);

        if (!members || !len)
                return false;
        for (const char *p = members;;) {
                const char *end = strchrnul(p, ',');

                if ((size_t)(end - p) == len && memcmp(p, user, len) == 0)
                        return true;
                if (!*end)
                        return false;
                p = end + 1;
        }
}

/*
 * ROOTFS/etc/NAME read whole, NUL-terminated. -ENOENT (with *err left
 * alone) when there is none; the caller decides whether that matters.
 */
/* Where /etc/passwd and /etc/group are looked up: a root directory, or an image's layers */
struct etc_root {
        int rootfd;
        const int *layers;
        size_t n_layers;
        bool walk;
};

static int
read_etc(const struct etc_root *root, const char *rootfs, const char *file, char **ret,
         struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = root->layers ? passwd_open_in_layers(root->layers, root->n_layers, file)
                          : passwd_open_in_root(root->rootfd, file, root->walk);
        if (fd == -ENOENT)
                return -ENOENT;
        if (fd < 0)
                return berr(err, -fd, "open %s%s", rootfs, file);
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s%s", rootfs, file);
        if (!S_ISREG(st.st_mode))
                return berr(err, 0, "%s%s is not a regular file", rootfs, file);
        if ((uint64_t)st.st_size > PASSWD_FILE_MAX)
                return berr(err, EFBIG, "%s%s is larger than %u bytes", rootfs, file,
                            PASSWD_FILE_MAX);
        /* read to EOF: the size may change under us, the bound may not */
        r = fs_read_all(fd, PASSWD_FILE_MAX, ret, NULL);
        if (r == -EFBIG)
                return berr(err, EFBIG, "%s%s is larger than %u bytes", rootfs, file,
                            PASSWD_FILE_MAX);
        return r < 0 ? berr(err, -r, "read %s%s", rootfs, file) : 0;
}

/* The next line of *pos (cut at '\n'), or NULL at the end. */
static char *
next_line(char **pos)
{
        char *line = *pos, *nl;

        if (!line || !*line)
                return NULL;
        nl = strchr(line, '\n');
        if (nl) {
                *nl = '\0';
                *pos = nl + 1;
        } else {
                *pos = line + strlen(line);
        }
        return line;
}

/* Find the passwd entry of name (by_name) or of uid; fill u's uid, gid, name, home. */
static int
find_user(char *buf, const char *name, uint32_t uid, struct passwd_user *u)
{
        char *pos = buf, *line;

        while ((line = next_line(&pos))) {
                struct passwd_entry e;

                if (!passwd_parse_line(line, &e))
                        continue;
                if (name ? strcmp(e.name, name) != 0 : e.uid != uid)
                        continue;
                u->name = strdup(e.name);
                u->home = strdup(e.home);
                if (!u->name || !u->home)
                        return -ENOMEM;
                u->uid = e.uid;
                u->gid = e.gid;
                return 1;
        }
        return 0;
}

static int
find_group(char *buf, const char *name, uint32_t *ret_gid)
{
        char *pos = buf, *line;

        while ((line = next_line(&pos))) {
                struct group_entry e;

                if (group_parse_line(line, &e) && strcmp(e.name, name) == 0) {
                        *ret_gid = e.gid;
                        return 1;
                }
        }
        return 0;
}

static int
add_gid(struct passwd_user *u, uint32_t gid)
{
        uint32_t *g;

        for (size_t i = 0; i < u->n_groups; i++)
                if (u->groups[i] == gid)
                        return 0;
        g = reallocarray(u->groups, u->n_groups + 1, sizeof(*g));
        if (!g)
                return -ENOMEM;
        u->groups = g;
        u->groups[u->n_groups++] = gid;
        return 0;
}

static int
find_memberships(char *buf, const char *user, struct passwd_user *u)
{
        char *pos = buf, *line;

        while ((line = next_line(&pos))) {
                struct group_entry e;

                if (group_parse_line(line, &e) && group_has_member(e.members, user) &&
                    add_gid(u, e.gid) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static int
resolve_in(const struct etc_root *root, const char *rootfs, const char *spec,
           struct passwd_user *ret, struct berr **err)
{
        _cleanup_(passwd_user_done) struct passwd_user u = {0};
        _cleanup_free_ char *copy = strdup(spec ? spec : "");
        _cleanup_free_ char *passwd = NULL, *group = NULL, *q = NULL;
        char *user, *grp;
        uint32_t id;
        int r;

        if (!copy)
                return berr(err, ENOMEM, "user");
        user = copy;
        grp = strchr(copy, ':');
        if (grp)
                *grp++ = '\0';
        q = quote_escape(spec ? spec : "", QUOTE_MAX);
        if (!q)
                return berr(err, ENOMEM, "user");
        if ((grp && (!*grp || !*user)) || strchr(user, '\n') || (grp && strchr(grp, '\n')))
                return berr(err, 0, "invalid user \"%s\": expected user[:group]", q);
        if (!*user)
                user = (char *)"0";

        r = read_etc(root, rootfs, "/etc/passwd", &passwd, err);
        if (r < 0 && r != -ENOENT)
                return r;
        if (passwd_parse_id(user, &id) == 0) {
                u.uid = id;
                r = passwd ? find_user(passwd, NULL, id, &u) : 0;
        } else {
                _cleanup_free_ char *qu = quote_escape(user, QUOTE_MAX);

                if (!qu)
                        return berr(err, ENOMEM, "user");
                r = passwd ? find_user(passwd, user, 0, &u) : 0;
                if (r == 0)
                        return berr(err, 0, "user \"%s\" not found in %s/etc/passwd", qu, rootfs);
        }
        if (r < 0)
                return berr(err, -r, "user \"%s\"", q);

        if (grp || u.name) {
                r = read_etc(root, rootfs, "/etc/group", &group, err);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        if (grp && passwd_parse_id(grp, &id) == 0) {
                u.gid = id;
        } else if (grp) {
                _cleanup_free_ char *qg = quote_escape(grp, QUOTE_MAX);

                if (!qg)
                        return berr(err, ENOMEM, "user");
                if (!group || find_group(group, grp, &u.gid) <= 0)
                        return berr(err, 0, "group \"%s\" not found in %s/etc/group", qg, rootfs);
        } else if (u.name && group && find_memberships(group, u.name, &u) < 0) {
                return berr(err, ENOMEM, "user \"%s\"", q);
        }
        *ret = u;
        u = (struct passwd_user){0};
        return 0;
}

int
passwd_resolve(int rootfd, const char *rootfs, const char *spec, bool walk, struct passwd_user *ret,
               struct berr **err)
{
        const struct etc_root root = {.rootfd = rootfd, .walk = walk};

        return resolve_in(&root, rootfs, spec, ret, err);
}

int
passwd_resolve_layers(const int *layers, size_t n_layers, const char *rootfs, const char *spec,
                      struct passwd_user *ret, struct berr **err)
{
        const struct etc_root root = {.rootfd = -EBADF, .layers = layers, .n_layers = n_layers};

        return resolve_in(&root, rootfs, spec, ret, err);
}
