/* util/fs.c: file-system helpers that never follow a symlink */
#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

/*
 * Directories deeper than this below the one being removed are moved up to
 * it (a rename inside the tree) instead of being descended into, so that a
 * hostile tree thousands of levels deep costs passes, not open fds: each
 * level of the descent holds one.
 */
#define RM_RF_MAX_DEPTH 32U

struct rm_rf {
        int topfd;            /* the directory rm_rf_at() was asked to remove */
        unsigned long moved;  /* directories moved up to topfd in this pass */
        unsigned long serial; /* for their temporary names */
};

static int rm_dir_at(struct rm_rf *rm, int dirfd, const char *name, unsigned depth);

static bool
dot_or_dotdot(const char *s)
{
        return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

/* Open dirfd/name, a directory, to remove its entries: it needs r, w and x for us. */
static int
open_for_removal(int dirfd, const char *name)
{
        struct stat st;
        int fd;

        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == EACCES) {
                /*
                 * Not root: the owner may still give itself the bits back.
                 * AT_SYMLINK_NOFOLLOW makes glibc refuse a symlink here.
                 */
                if (fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                int r = -errno;
                (void)close(fd);
                return r;
        }
        if ((st.st_mode & 0700) != 0700 && fchmod(fd, (st.st_mode & 07777) | 0700) < 0) {
                int r = -errno;
                (void)close(fd);
                return r;
        }
        return fd;
}

/* Move the directory fd/name up to the top directory, under a name nothing there has. */
static int
move_up(struct rm_rf *rm, int fd, const char *name)
{
        char tmp[64];

        for (int tries = 0; tries < 1000; tries++) {
                (void)snprintf(tmp, sizeof(tmp), ".rm-rf-%lu", rm->serial++);
                if (renameat2(fd, name, rm->topfd, tmp, RENAME_NOREPLACE) >= 0) {
                        rm->moved++;
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* Remove every entry of the directory d, which is depth levels below the top. */
static int
rm_children(struct rm_rf *rm, DIR *d, unsigned depth)
{
        int fd = dirfd(d);

        rewinddir(d);
        for (;;) {
                struct dirent *de;
                bool is_dir;
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0)
                                return -errno;
                        return 0;
                }
                if (dot_or_dotdot(de->d_name))
                        continue;
                is_dir = de->d_type == DT_DIR;
                if (de->d_type == DT_UNKNOWN) {
                        struct stat st;

                        if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                                if (errno == ENOENT)
                                        continue;
                                return -errno;
                        }
                        is_dir = S_ISDIR(st.st_mode);
                }
                if (!is_dir) {
                        if (unlinkat(fd, de->d_name, 0) >= 0 || errno == ENOENT)
                                continue;
                        if (errno != EISDIR)
                                return -errno;
                }
                if (depth + 1 >= RM_RF_MAX_DEPTH)
                        r = move_up(rm, fd, de->d_name);
                else
                        r = rm_dir_at(rm, fd, de->d_name, depth + 1);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
}

static int
rm_dir_at(struct rm_rf *rm, int dirfd, const char *name, unsigned depth)
{
        _cleanup_(closedirp_) DIR *d = NULL;
        int fd, r, retries = 0;

        fd = open_for_removal(dirfd, name);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                (void)close(fd);
                return r;
        }
        if (depth == 0)
                rm->topfd = fd;
        for (;;) {
                if (depth == 0)
                        rm->moved = 0;
                r = rm_children(rm, d, depth);
                if (r < 0)
                        return r;
                /* what was moved up may have landed behind readdir's position: another pass */
                if (depth == 0 && rm->moved > 0)
                        continue;
                if (unlinkat(dirfd, name, AT_REMOVEDIR) >= 0)
                        return 0;
                /* readdir need not return entries that appeared while it ran: look again */
                if (errno != ENOTEMPTY || ++retries > 8)
                        return -errno;
        }
}

int
rm_rf_at(int dirfd, const char *name)
{
        struct rm_rf rm = {.topfd = -EBADF};
        struct stat st;

        /* "." would empty dirfd, then fail to remove it */
        if (!*name || dot_or_dotdot(name))
                return -EINVAL;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
        return rm_dir_at(&rm, dirfd, name, 0);
}

int
fs_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t k = write(fd, p, len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -EIO;
                p += k;
                len -= (size_t)k;
        }
        return 0;
}

int
fs_read_all(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - len < 2) {
                        /* room for the terminating NUL and one byte past max */
                        size_t want = cap ? cap * 2 : 8192;
                        char *nb;

                        if (cap > max + 1)
                                return -EFBIG;
                        if (want > max + 2)
                                want = max + 2;
                        nb = realloc(buf, want);
                        if (!nb)
                                return -ENOMEM;
                        buf = nb;
                        cap = want;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max)
                        return -EFBIG;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}
