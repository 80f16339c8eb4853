/* tests/unit/util/test-fs.c: rm_rf_at() removes trees, never what their symlinks point to */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "util/cleanup.h"
#include "util/fs.h"

static void
test_rm_rf(void)
{
        char top[] = "/tmp/berth-test-fs-XXXXXX";
        _cleanup_close_ int topfd = -EBADF;
        struct stat st;
        int fd;

        check(mkdtemp(top) != NULL);
        topfd = open(top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        check(topfd >= 0);
        check(mkdirat(topfd, "tree", 0755) == 0 && mkdirat(topfd, "outside", 0755) == 0);
        check(mkdirat(topfd, "outside/keep", 0755) == 0);

        /* deeper than the fds a recursion could hold (the limit is lowered below) */
        fd = openat(topfd, "tree", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < 150 && fd >= 0; i++) {
                char name[32];
                int next;

                check(mkdirat(fd, "d", 0700) == 0);
                snprintf(name, sizeof(name), "f%d", i);
                (void)close(openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
                if (i % 50 == 0)
                        check(symlinkat("/", fd, "root") == 0);
                next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                (void)close(fd);
                fd = next;
        }
        check(fd >= 0);
        /* removed, not followed */
        check(symlinkat("../../outside", fd, "escape") == 0);
        /* no permissions: given back first (the owner may) */
        check(mkdirat(fd, "locked", 0) == 0);
        check(mkdirat(fd, "locked/inner", 0) == 0 || errno == EACCES);
        (void)close(fd);

        {
                struct rlimit old, low = {.rlim_cur = 64};

                check(getrlimit(RLIMIT_NOFILE, &old) == 0);
                low.rlim_max = old.rlim_max;
                check(setrlimit(RLIMIT_NOFILE, &low) == 0);
                check(rm_rf_at(topfd, "tree") == 0);
                check(setrlimit(RLIMIT_NOFILE, &old) == 0);
        }
        check(fstatat(topfd, "tree", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
        check(fstatat(topfd, "outside/keep", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(rm_rf_at(topfd, "tree") == -ENOENT);

        /* a symlink itself: removed, its target stays */
        check(symlinkat("outside", topfd, "link") == 0);
        check(rm_rf_at(topfd, "link") == 0);
        check(fstatat(topfd, "outside/keep", &st, AT_SYMLINK_NOFOLLOW) == 0);
        /* a file */
        (void)close(openat(topfd, "file", O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        check(rm_rf_at(topfd, "file") == 0);

        check(rm_rf_at(topfd, ".") == -EINVAL && rm_rf_at(topfd, "..") == -EINVAL);
        check(rm_rf_at(topfd, "") == -EINVAL);
        check(fstatat(topfd, "outside/keep", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(rm_rf_at(AT_FDCWD, top) == 0);
        check(access(top, F_OK) < 0);
}

/* a pipe's read end after writing n bytes of 'x' (a file whose size no stat tells) */
static int
pipe_of(size_t n)
{
        int p[2];
        char buf[4096];

        if (pipe2(p, O_CLOEXEC) < 0)
                return -1;
        if (fcntl(p[1], F_SETPIPE_SZ, 1 << 20) < 0 && n > 65536) {
                (void)close(p[0]);
                (void)close(p[1]);
                return -1;
        }
        memset(buf, 'x', sizeof(buf));
        for (size_t done = 0; done < n;) {
                size_t k = n - done < sizeof(buf) ? n - done : sizeof(buf);
                ssize_t w = write(p[1], buf, k);

                if (w <= 0)
                        break;
                done += (size_t)w;
        }
        (void)close(p[1]);
        return p[0];
}

static void
test_read_all(void)
{
        static const struct {
                size_t n, max;
                int want;
        } cases[] = {
                {0, 10, 0},           {5, 10, 0},        {10, 10, 0},
                {11, 10, -EFBIG},     {20000, 30000, 0}, {20000, 19999, -EFBIG},
                {100000, 1 << 20, 0}, {1, 0, -EFBIG},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_close_ int fd = pipe_of(cases[i].n);
                _cleanup_free_ char *buf = NULL;
                size_t len = 12345;
                int r;

                check(fd >= 0);
                if (fd < 0)
                        continue;
                r = fs_read_all(fd, cases[i].max, &buf, &len);
                check(r == cases[i].want);
                if (r == 0) {
                        check(len == cases[i].n);
                        check(buf && buf[len] == '\0' && strspn(buf, "x") == len);
                } else {
                        check(!buf);
                }
        }
}

int
main(void)
{
        RUN(test_rm_rf);
        RUN(test_read_all);
        return check_done();
}
