/* tests/unit/runtime/test-crilog.c: CRI logs written byte for byte, read back as podman does */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "runtime/crilog.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* 2026-11-22T10:00:00Z */
#define T0 1795341600

static struct timespec
at(time_t sec, long nsec)
{
        return (struct timespec){.tv_sec = T0 + sec, .tv_nsec = nsec};
}

/* A fresh directory; *path is removed by the caller with rm_rf_at(). */
static int
tmpdir(char path[64])
{
        snprintf(path, 64, "/tmp/berth-test-crilog-XXXXXX");
        if (!mkdtemp(path))
                return -1;
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* strcat() that stays within cap bytes */
static void
append_str(char *dst, size_t cap, const char *src)
{
        size_t n = strlen(dst), m = strlen(src);

        if (n + m >= cap)
                m = cap - n - 1;
        memcpy(dst + n, src, m);
        dst[n + m] = '\0';
}

/* The whole file as a string, or NULL */
static char *
slurp_fd(int fd)
{
        size_t len = 0, cap = 4096;
        char *buf = malloc(cap + 1);
        ssize_t n;

        if (!buf)
                return NULL;
        while ((n = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
                len += (size_t)n;
                if (len == cap) {
                        char *nb = realloc(buf, cap * 2 + 1);

                        if (!nb) {
                                free(buf);
                                return NULL;
                        }
                        buf = nb;
                        cap *= 2;
                }
        }
        buf[len] = '\0';
        return buf;
}

static char *
slurp(int dirfd, const char *name)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

        return fd < 0 ? NULL : slurp_fd(fd);
}

static bool
put_file(int dirfd, const char *name, const char *content)
{
        _cleanup_close_ int fd =
                openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        size_t len = strlen(content);

        return fd >= 0 && write(fd, content, len) == (ssize_t)len;
}

static bool
exists(int dirfd, const char *name)
{
        struct stat st;

        return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* crilog_read() into a string; *ret_r gets its return value */
static char *
read_log(int dirfd, const char *name, const struct crilog_read_opts *o, int *ret_r)
{
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        struct berr *err = NULL;
        int r;

        if (out < 0)
                return NULL;
        r = crilog_read(dirfd, name, o, out, &err);
        if (ret_r)
                *ret_r = r;
        if (r < 0 && err)
                fprintf(stderr, "  crilog_read: %s\n", err->msg);
        berr_free(err);
        return slurp_fd(out);
}

/* ---- the writer ---- */

static void
test_write_full_line(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct timespec t = at(0, 123456789);
        char dir[64];
        int dfd = tmpdir(dir);
        _cleanup_close_ int again = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        check(dfd >= 0 && again >= 0);
        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "hello\n", 6, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, "oops\n", 5, &t, NULL) == 0);
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:00.123456789Z stdout F hello\n"
                                             "2026-11-22T10:00:00.123456789Z stderr F oops\n");
        check(fstatat(dfd, "c.log", &st, 0) == 0 && (st.st_mode & 07777) == 0640);
        /* the writer keeps no fd of the caller's */
        check(close(dfd) == 0);
        t = at(1, 0);
        check(crilog_write(l, CRILOG_STDOUT, "after\n", 6, &t, NULL) == 0);
        free(got);
        check_str(got = slurp(again, "c.log"), "2026-11-22T10:00:00.123456789Z stdout F hello\n"
                                               "2026-11-22T10:00:00.123456789Z stderr F oops\n"
                                               "2026-11-22T10:00:01.000000000Z stdout F after\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_several_lines(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct timespec t = at(59, 5);
        const char in[] = "a\nbb\n\nccc with  spaces\n";
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, in, strlen(in), &t, NULL) == 0);
        check_str(got = slurp(dfd, "c.log"),
                  "2026-11-22T10:00:59.000000005Z stdout F a\n"
                  "2026-11-22T10:00:59.000000005Z stdout F bb\n"
                  "2026-11-22T10:00:59.000000005Z stdout F \n"
                  "2026-11-22T10:00:59.000000005Z stdout F ccc with  spaces\n");
        /* more records than one writev batch holds */
        {
                char many[100 * 2];
                _cleanup_free_ char *all = NULL;
                size_t lines = 0;

                for (int i = 0; i < 100; i++) {
                        many[2 * i] = (char)('a' + i % 26);
                        many[2 * i + 1] = '\n';
                }
                check(crilog_write(l, CRILOG_STDERR, many, sizeof(many), &t, NULL) == 0);
                all = slurp(dfd, "c.log");
                for (const char *p = all; p && (p = strstr(p, " stderr F ")); p++)
                        lines++;
                check(lines == 100);
                check(all &&
                      strstr(all, "stderr F v\n2026-11-22T10:00:59.000000005Z stderr F w\n"));
        }
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_split_over_writes(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct timespec t1 = at(1, 0), t2 = at(2, 0), t3 = at(3, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "hel", 3, &t1, NULL) == 0);
        check_str(got = slurp(dfd, "c.log"), "");
        check(crilog_write(l, CRILOG_STDOUT, "lo\nwor", 6, &t2, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "ld\n", 3, &t3, NULL) == 0);
        free(got);
        /* a line takes the time of the write that ends it */
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:02.000000000Z stdout F hello\n"
                                             "2026-11-22T10:00:03.000000000Z stdout F world\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_long_line(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct crilog_opts o = {.line_max = 8};
        struct timespec t = at(0, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", &o, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "abcdefghijklmnopqrst\n", 21, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "12345678\n", 9, &t, NULL) == 0);
        /* buffered 4, then 8 more: a P of 8 bytes, 4 wait */
        check(crilog_write(l, CRILOG_STDOUT, "1234", 4, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "56789abc", 8, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "\n", 1, &t, NULL) == 0);
        /* exactly line_max waiting, then its newline: one F */
        check(crilog_write(l, CRILOG_STDOUT, "ABCDEFGH", 8, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "\n", 1, &t, NULL) == 0);
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:00.000000000Z stdout P abcdefgh\n"
                                             "2026-11-22T10:00:00.000000000Z stdout P ijklmnop\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F qrst\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F 12345678\n"
                                             "2026-11-22T10:00:00.000000000Z stdout P 12345678\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F 9abc\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F ABCDEFGH\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_default_line_max(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL, *line = malloc(40000);
        struct timespec t = at(0, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        const char *p;

        check(line != NULL);
        if (!line)
                return;
        memset(line, 'x', 40000);
        line[39999] = '\n';
        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, line, 40000, &t, NULL) == 0);
        got = slurp(dfd, "c.log");
        /* 16384 + 16384 + 7231 */
        check(got && strlen(got) == 3 * 40 + 39999 + 3);
        p = got ? strchr(got, '\n') : NULL;
        check(p && p - got == 40 + 16384 && got[38] == 'P');
        p = p ? strchr(p + 1, '\n') : NULL;
        check(p && p[39] == 'F');
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_interleaved(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct timespec t1 = at(1, 0), t2 = at(2, 0), t3 = at(3, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "out1 ", 5, &t1, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, "err1\nerr", 8, &t2, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "more\n", 5, &t3, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, "2\n", 2, &t3, NULL) == 0);
        check(crilog_write(l, 7, "x\n", 2, &t3, NULL) == -EINVAL);
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:02.000000000Z stderr F err1\n"
                                             "2026-11-22T10:00:03.000000000Z stdout F out1 more\n"
                                             "2026-11-22T10:00:03.000000000Z stderr F err2\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_final_partial(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct timespec t1 = at(1, 0), t2 = at(2, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "prompt> ", 8, &t1, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, "x\ny", 3, &t1, NULL) == 0);
        /* as conmon writes output that ends without a newline: P, no F after */
        check(crilog_flush_stream(l, CRILOG_STDERR, &t2, NULL) == 0);
        check(crilog_flush(l, &t2, NULL) == 0);
        check(crilog_flush(l, &t2, NULL) == 0); /* nothing left */
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:01.000000000Z stderr F x\n"
                                             "2026-11-22T10:00:02.000000000Z stderr P y\n"
                                             "2026-11-22T10:00:02.000000000Z stdout P prompt> \n");
        /* crilog_free() writes nothing */
        check(crilog_write(l, CRILOG_STDOUT, "lost", 4, &t2, NULL) == 0);
        l = crilog_free(l);
        free(got);
        check(got = slurp(dfd, "c.log"));
        check(got && !strstr(got, "lost"));
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_rotation(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *a = NULL, *b = NULL, *c = NULL;
        /* each record is 47 bytes: two fit in 100 */
        struct crilog_opts o = {.max_size = 100, .max_files = 3};
        struct timespec t = at(0, 0);
        const char in[] = "line-1\nline-2\nline-3\nline-4\nline-5\nline-6\nline-7\n";
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", &o, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, in, strlen(in), &t, NULL) == 0);
        check_str(a = slurp(dfd, "c.log"), "2026-11-22T10:00:00.000000000Z stdout F line-7\n");
        check_str(b = slurp(dfd, "c.log.1"), "2026-11-22T10:00:00.000000000Z stdout F line-5\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F line-6\n");
        check_str(c = slurp(dfd, "c.log.2"), "2026-11-22T10:00:00.000000000Z stdout F line-3\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F line-4\n");
        check(!exists(dfd, "c.log.3"));
        /* a writer opened later goes on where the file is */
        l = crilog_free(l);
        check(crilog_open(dfd, "c.log", &o, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "line-8\nline-9\n", 14, &t, NULL) == 0);
        free(a);
        free(b);
        check_str(a = slurp(dfd, "c.log"), "2026-11-22T10:00:00.000000000Z stdout F line-9\n");
        check_str(b = slurp(dfd, "c.log.1"), "2026-11-22T10:00:00.000000000Z stdout F line-7\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F line-8\n");
        /* a record larger than max_size gets a file to itself */
        check(crilog_write(
                      l, CRILOG_STDOUT,
                      "0123456789012345678901234567890123456789012345678901234567890123456789\n",
                      71, &t, NULL) == 0);
        free(a);
        check(a = slurp(dfd, "c.log"));
        check(a && strlen(a) == 40 + 71);
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_write_rotation_single_file(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *a = NULL;
        struct crilog_opts o = {.max_size = 100, .max_files = 1};
        struct timespec t = at(0, 0);
        _cleanup_close_ int keep = -EBADF;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "c.log", &o, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "line-1\nline-2\n", 14, &t, NULL) == 0);
        keep = openat(dfd, "c.log", O_RDONLY | O_CLOEXEC);
        check(crilog_write(l, CRILOG_STDOUT, "line-3\n", 7, &t, NULL) == 0);
        check_str(a = slurp(dfd, "c.log"), "2026-11-22T10:00:00.000000000Z stdout F line-3\n");
        check(!exists(dfd, "c.log.1") && !exists(dfd, ".c.log.new"));
        /* replaced, not truncated: a reader holding the old file reads it whole */
        free(a);
        check(keep >= 0 && (a = slurp_fd(keep)) && strlen(a) == 94);
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_open(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        _cleanup_free_ char *got = NULL;
        struct crilog_opts big = {.line_max = CRILOG_LINE_MAX_LIMIT + 1};
        struct timespec t = at(0, 0), bad = {.tv_sec = 0, .tv_nsec = 1000000000};
        struct berr *err = NULL;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(crilog_open(dfd, "a/b", NULL, &l, &err) == -EINVAL && l == NULL);
        check_str(err ? err->msg : NULL, "log name 'a/b' is not a file name");
        err = berr_free(err);
        check(crilog_open(dfd, "", NULL, &l, NULL) == -EINVAL);
        check(crilog_open(dfd, "..", NULL, &l, NULL) == -EINVAL);
        check(crilog_open(dfd, "c.log", &big, &l, NULL) == -EINVAL);
        check(mkdirat(dfd, "d", 0700) == 0);
        check(crilog_open(dfd, "d", NULL, &l, NULL) < 0 && l == NULL);
        check(symlinkat("c.log", dfd, "link") == 0);
        check(crilog_open(dfd, "link", NULL, &l, NULL) == -ELOOP);

        /* a file its writer left in the middle of a record */
        check(put_file(dfd, "c.log", "2026-11-22T10:00:00.000000000Z stdout F cut sh"));
        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "next\n", 5, &t, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "x\n", 2, &bad, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "log c.log: time out of range");
        err = berr_free(err);
        check_str(got = slurp(dfd, "c.log"), "2026-11-22T10:00:00.000000000Z stdout F cut sh\n"
                                             "2026-11-22T10:00:00.000000000Z stdout F next\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

/* ---- parsing ---- */

static void
test_parse_line(void)
{
        struct crilog_record r, keep = {.text = "untouched"};
        const char *line;

        line = "2026-11-22T10:00:00.123456789Z stdout F hello  world\n";
        check(crilog_parse_line(line, strlen(line), &r) == 0);
        check(r.time.tv_sec == T0 && r.time.tv_nsec == 123456789 && r.utc_offset == 0);
        check(r.stream == CRILOG_STDOUT && !r.partial);
        check(r.text_len == 12 && memcmp(r.text, "hello  world", 12) == 0);

        line = "2026-11-22T12:30:00.5+02:30 stderr P piece";
        check(crilog_parse_line(line, strlen(line), &r) == 0);
        check(r.time.tv_sec == T0 && r.time.tv_nsec == 500000000 && r.utc_offset == 9000);
        check(r.stream == CRILOG_STDERR && r.partial && r.text_len == 5);

        line = "2026-11-22T09:00:00-01:00 stdout F:x:y tagged";
        check(crilog_parse_line(line, strlen(line), &r) == 0);
        check(r.time.tv_sec == T0 && r.utc_offset == -3600 && !r.partial && r.text_len == 6);

        /* an empty line: with the space, and without */
        line = "2026-11-22T10:00:00Z stdout F \n";
        check(crilog_parse_line(line, strlen(line), &r) == 0 && r.text_len == 0);
        line = "2026-11-22T10:00:00Z stdout F";
        check(crilog_parse_line(line, strlen(line), &r) == 0 && r.text_len == 0);

        r = keep;
        static const char *const bad[] = {
                "",
                "hello",
                "2026-11-22T10:00:00Z stdout",
                "2026-11-22T10:00:00Z stdout ",
                "2026-11-22T10:00:00Z stdin F x",
                "2026-11-22T10:00:00Z stdoutF x",
                "2026-11-22T10:00:00Z stdout X x",
                "2026-11-22T10:00:00Z stdout FF x",
                "2026-11-22T10:00:00Z stdout :F x",
                "2026-11-22T10:00:00 stdout F no zone",
                "2026-11-22T10:00:00.1234567890Z stdout F ten digits",
                "2026-11-22T10:00:00.Z stdout F no digits",
                "2026-11-22T10:00:60Z stdout F leap second",
                "2026-02-29T10:00:00Z stdout F not a leap year",
                "2026-11-22T24:00:00Z stdout F",
                "2026-11-22 10:00:00Z stdout F",
                "2026-11-22T10:00:00+2:00 stdout F",
                " 2026-11-22T10:00:00Z stdout F x",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (crilog_parse_line(bad[i], strlen(bad[i]), &r) != -EINVAL) {
                        fprintf(stderr, "  parsed: %s\n", bad[i]);
                        check(false);
                }
        }
        check(r.text == keep.text);
        line = "2024-02-29T10:00:00Z stdout F leap";
        check(crilog_parse_line(line, strlen(line), &r) == 0);
}

static bool
parses_to(const char *s, struct timespec now, time_t sec, long nsec)
{
        struct timespec t = {0};

        return crilog_parse_time(s, now, &t, NULL) == 0 && t.tv_sec == sec && t.tv_nsec == nsec;
}

static void
test_parse_time(void)
{
        struct timespec now = at(0, 0), now2 = at(0, 100000000), t = {.tv_sec = 42};
        struct berr *err = NULL;

        check(parses_to("2026-11-22T10:00:00Z", now, T0, 0));
        check(parses_to("2026-11-22T10:00:00.000000001Z", now, T0, 1));
        check(parses_to("2026-11-22T10:00:00.5+02:00", now, T0 - 7200, 500000000));
        check(parses_to("2026-11-22T10:00:00", now, T0, 0));
        check(parses_to("2026-11-22T10:00:00.25", now, T0, 250000000));
        check(parses_to("2026-11-22", now, T0 - 36000, 0));
        check(parses_to("2026-11-22+01:00", now, T0 - 36000 - 3600, 0));
        check(parses_to("2026-11-22Z", now, T0 - 36000, 0));
        check(parses_to("1700000000", now, 1700000000, 0));
        check(parses_to("1700000000.25", now, 1700000000, 250000000));
        check(parses_to("10m", now, T0 - 600, 0));
        check(parses_to("1h30m", now, T0 - 5400, 0));
        check(parses_to("5s", now, T0 - 5, 0));
        check(parses_to("1.5h", now, T0 - 5400, 0));
        check(parses_to("2h45m30.5s", now, T0 - 9931, 500000000));
        check(parses_to("300ms", now2, T0 - 1, 800000000));
        check(parses_to("1us", now2, T0, 99999000));
        check(parses_to("1\xc2\xb5s", now2, T0, 99999000));
        check(parses_to("-10m", now, T0 + 600, 0));
        check(parses_to("+10m", now, T0 - 600, 0));
        check(parses_to("0s", now, T0, 0));
        /* a number alone is Unix seconds, as Go's ParseFloat reads it first */
        check(parses_to("0", now, 0, 0));
        check(parses_to("1700000000.", now, 1700000000, 0));

        static const char *const bad[] = {
                "",
                "yesterday",
                "10x",
                "1h-5m",
                "h",
                "1.h5",
                ".",
                "-",
                "10 m",
                "2026-13-01",
                "2026-11-22T",
                "2026-11-22T10:00Z",
                "1e9",
                "99999999999999999999h",
                "3000000h",
                "-1",
                "2026-11-22 ",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (crilog_parse_time(bad[i], now, &t, NULL) != -EINVAL) {
                        fprintf(stderr, "  parsed: %s\n", bad[i]);
                        check(false);
                }
        }
        check(t.tv_sec == 42 && t.tv_nsec == 0);
        check(crilog_parse_time("soon", now, &t, &err) == -EINVAL);
        check_str(err ? err->msg : NULL,
                  "'soon' is not a time (2026-11-22T10:00:00Z, 2026-11-22, Unix seconds) or a "
                  "duration (10m, 1h30m)");
        berr_free(err);
}

/* ---- the reader ---- */

static const char sample[] = "2026-11-22T10:00:01.000000000Z stdout F one\n"
                             "2026-11-22T10:00:02.000000000Z stderr P err-\n"
                             "2026-11-22T10:00:03.000000000Z stdout F two\n"
                             "garbage line\n"
                             "2026-11-22T10:00:04.000000000Z stderr F two\n"
                             "2026-11-22T10:00:05.000000000Z stdout P thr\n"
                             "2026-11-22T10:00:06.000000000Z stdout P e\n"
                             "2026-11-22T10:00:07.000000000Z stdout F e\n"
                             "2026-11-22T12:00:08.000000000+02:00 stdout F four\n"
                             "2026-11-22T10:00:09.000000000Z stdout F half a rec";

static void
check_read(int dfd, const struct crilog_read_opts *o, const char *want, int line)
{
        _cleanup_free_ char *got = NULL;
        int r = 1;

        got = read_log(dfd, "c.log", o, &r);
        if (r != 0 || !got || strcmp(got, want) != 0) {
                fprintf(stderr, "  line %d: r=%d\n    got:  %s\n    want: %s\n", line, r,
                        got ? got : "(null)", want);
                check(false);
        }
}

#define CHECK_READ(dfd, o, want) check_read(dfd, o, want, __LINE__)

static void
test_read(void)
{
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(put_file(dfd, "c.log", sample));
        CHECK_READ(dfd, &o, "one\ntwo\nerr-two\nthree\nfour\n");
        o.timestamps = true;
        CHECK_READ(dfd, &o,
                   "2026-11-22T10:00:01.000000000Z one\n"
                   "2026-11-22T10:00:03.000000000Z two\n"
                   "2026-11-22T10:00:04.000000000Z err-two\n"
                   "2026-11-22T10:00:07.000000000Z three\n"
                   "2026-11-22T12:00:08.000000000+02:00 four\n");
        o.timestamps = false;

        /* tail: the last lines by where they end; a line takes its earlier pieces along */
        o.tail = 0;
        CHECK_READ(dfd, &o, "");
        o.tail = 1;
        CHECK_READ(dfd, &o, "four\n");
        o.tail = 2;
        CHECK_READ(dfd, &o, "three\nfour\n");
        o.tail = 3;
        CHECK_READ(dfd, &o, "err-two\nthree\nfour\n");
        o.tail = 4;
        CHECK_READ(dfd, &o, "two\nerr-two\nthree\nfour\n");
        o.tail = 100;
        CHECK_READ(dfd, &o, "one\ntwo\nerr-two\nthree\nfour\n");

        /* streams */
        o.tail = -1;
        o.streams = 1U << CRILOG_STDERR;
        CHECK_READ(dfd, &o, "err-two\n");
        o.streams = 1U << CRILOG_STDOUT;
        o.tail = 2;
        CHECK_READ(dfd, &o, "three\nfour\n");
        o.tail = 4;
        CHECK_READ(dfd, &o, "one\ntwo\nthree\nfour\n");
        o.streams = 0;
        o.tail = -1;

        /* since and until leave their bound out, as podman does */
        o.since = at(4, 0);
        CHECK_READ(dfd, &o, "three\nfour\n");
        o.since = at(3, 500000000);
        CHECK_READ(dfd, &o, "err-two\nthree\nfour\n");
        o.tail = 1;
        CHECK_READ(dfd, &o, "four\n");
        o.tail = -1;
        o.since = (struct timespec){0};
        o.until = at(4, 0);
        CHECK_READ(dfd, &o, "one\ntwo\n");
        /* tail counts the lines since/until keep */
        o.tail = 1;
        CHECK_READ(dfd, &o, "two\n");
        o.until = at(8, 1);
        o.since = at(1, 0);
        o.tail = 3;
        CHECK_READ(dfd, &o, "err-two\nthree\nfour\n");
        o.tail = 10;
        CHECK_READ(dfd, &o, "two\nerr-two\nthree\nfour\n");

        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_read_stderr_fd(void)
{
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        _cleanup_close_ int errfd = memfd_create("err", MFD_CLOEXEC);
        _cleanup_free_ char *a = NULL, *b = NULL;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(put_file(dfd, "c.log", sample));
        o.stderr_fd = errfd;
        check(crilog_read(dfd, "c.log", &o, out, NULL) == 0);
        check_str(a = slurp_fd(out), "one\ntwo\nthree\nfour\n");
        check_str(b = slurp_fd(errfd), "err-two\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_read_unfinished(void)
{
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);

        check(put_file(dfd, "c.log",
                       "2026-11-22T10:00:01.000000000Z stdout F one\n"
                       "2026-11-22T10:00:02.000000000Z stderr P warn\n"
                       "2026-11-22T10:00:03.000000000Z stdout F two\n"
                       "2026-11-22T10:00:04.000000000Z stdout P pro\n"
                       "2026-11-22T10:00:05.000000000Z stdout P mpt> \n"));
        /* as podman: printed without a newline, at the end */
        CHECK_READ(dfd, &o, "one\ntwo\nprompt> warn");
        o.timestamps = true;
        o.tail = 1;
        CHECK_READ(dfd, &o, "2026-11-22T10:00:05.000000000Z prompt> ");
        o.timestamps = false;
        o.tail = 2;
        CHECK_READ(dfd, &o, "two\nprompt> ");
        o.tail = 3;
        CHECK_READ(dfd, &o, "two\nprompt> warn");
        o.until = at(5, 0);
        o.tail = -1;
        CHECK_READ(dfd, &o, "one\ntwo\nwarn");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_read_rotated(void)
{
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        struct berr *err = NULL;
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);

        check(crilog_read(dfd, "c.log", &o, out, &err) == -ENOENT);
        check_str(err ? err->msg : NULL, "open log c.log: No such file or directory");
        berr_free(err);

        check(put_file(dfd, "c.log.2",
                       "2026-11-22T10:00:01.000000000Z stdout F one\n"
                       "2026-11-22T10:00:02.000000000Z stdout F two\n"));
        check(put_file(dfd, "c.log.1",
                       "2026-11-22T10:00:03.000000000Z stdout F three\n"
                       "2026-11-22T10:00:04.000000000Z stderr P fo\n"));
        check(put_file(dfd, "c.log",
                       "2026-11-22T10:00:05.000000000Z stdout F five\n"
                       "2026-11-22T10:00:06.000000000Z stderr F ur\n"));
        /* not rotated files of this log */
        check(put_file(dfd, "c.log.01", "2026-11-22T10:00:00.000000000Z stdout F no\n"));
        check(put_file(dfd, "c.log.x", "2026-11-22T10:00:00.000000000Z stdout F no\n"));
        check(put_file(dfd, "c.logs.1", "2026-11-22T10:00:00.000000000Z stdout F no\n"));
        CHECK_READ(dfd, &o, "one\ntwo\nthree\nfive\nfour\n");
        o.tail = 1;
        CHECK_READ(dfd, &o, "four\n");
        o.tail = 2;
        CHECK_READ(dfd, &o, "five\nfour\n");
        o.tail = 3;
        CHECK_READ(dfd, &o, "three\nfive\nfour\n");
        o.tail = 4;
        CHECK_READ(dfd, &o, "two\nthree\nfive\nfour\n");
        /* NAME missing (between the renames of a rotation): the rest is read */
        check(unlinkat(dfd, "c.log", 0) == 0);
        o.tail = -1;
        CHECK_READ(dfd, &o, "one\ntwo\nthree\nfo");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static void
test_read_big(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        _cleanup_free_ char *junk = malloc(200000), *got = NULL;
        struct timespec t = at(0, 0);
        char dir[64], line[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        int r = 1;

        check(junk != NULL);
        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        for (int i = 0; i < 30000; i++) {
                int n = snprintf(line, sizeof(line), "line %d\n", i);

                t.tv_nsec = i;
                check(crilog_write(l, i % 7 ? CRILOG_STDOUT : CRILOG_STDERR, line, (size_t)n, &t,
                                   NULL) == 0);
        }
        o.tail = 3;
        CHECK_READ(dfd, &o, "line 29997\nline 29998\nline 29999\n");
        o.streams = 1U << CRILOG_STDERR;
        CHECK_READ(dfd, &o, "line 29981\nline 29988\nline 29995\n");
        o.streams = 0;

        /* a line longer than any record, newline or not, is skipped */
        memset(junk, 'j', 200000);
        for (int i = 0; i < 3; i++) {
                _cleanup_close_ int fd = openat(dfd, "c.log", O_WRONLY | O_APPEND | O_CLOEXEC);
                int n = snprintf(line, sizeof(line),
                                 "2026-11-22T10:00:01.000000000Z stdout F end %d\n", i);

                check(fd >= 0 && write(fd, "2026-11-22T10:00:01Z stdout F ", 30) == 30);
                check(write(fd, junk, 200000) == 200000 && write(fd, "\n", 1) == 1);
                check(write(fd, line, (size_t)n) == n);
        }
        o.tail = 4;
        CHECK_READ(dfd, &o, "line 29999\nend 0\nend 1\nend 2\n");
        o.tail = -1;
        got = read_log(dfd, "c.log", &o, &r);
        check(r == 0 && got && strlen(got) > 30000 * 6 && !strchr(got, 'j'));
        check(got && strstr(got, "line 29999\nend 0\nend 1\nend 2\n"));
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

/* A line longer than the reader holds (1 MiB): printed as it is read, whole all the same. */
static void
test_read_huge_line(void)
{
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        size_t n = 1536 * 1024 + 7;
        _cleanup_free_ char *big = malloc(n + 1), *got = NULL, *want = malloc(2 * n + 64);
        struct timespec t1 = at(1, 0), t2 = at(2, 0);
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        int r = 1;

        check(big && want);
        if (!big || !want)
                return;
        for (size_t i = 0; i < n; i++)
                big[i] = (char)('a' + i % 26);
        big[n] = '\n';
        check(crilog_open(dfd, "c.log", NULL, &l, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, "short\n", 6, &t1, NULL) == 0);
        check(crilog_write(l, CRILOG_STDOUT, big, n + 1, &t2, NULL) == 0);
        check(crilog_write(l, CRILOG_STDERR, big, n, &t2, NULL) == 0);
        check(crilog_flush(l, &t2, NULL) == 0);
        o.tail = 2;
        o.timestamps = true;
        got = read_log(dfd, "c.log", &o, &r);
        memcpy(want, "2026-11-22T10:00:02.000000000Z ", 31);
        memcpy(want + 31, big, n + 1);
        memcpy(want + 31 + n + 1, "2026-11-22T10:00:02.000000000Z ", 31);
        memcpy(want + 31 + n + 1 + 31, big, n);
        want[31 + n + 1 + 31 + n] = '\0';
        check(r == 0 && got && strcmp(got, want) == 0);
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

/* A stream's pieces far apart: the other stream wrote a lot in between. */
static void
test_read_far_pieces(void)
{
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        char dir[64], line[80];
        _cleanup_close_ int dfd = tmpdir(dir);
        _cleanup_close_ int fd = -EBADF;
        bool ok = true;

        check(put_file(dfd, "c.log", "2026-11-22T10:00:00.000000000Z stderr P head-\n"));
        fd = openat(dfd, "c.log", O_WRONLY | O_APPEND | O_CLOEXEC);
        for (int i = 0; i < 2000; i++) {
                int n = snprintf(line, sizeof(line),
                                 "2026-11-22T10:00:01.000000000Z stdout F %06d\n", i);

                ok = ok && write(fd, line, (size_t)n) == n;
        }
        ok = ok && write(fd, "2026-11-22T10:00:02.000000000Z stderr F tail\n", 45) == 45;
        check(ok);
        o.tail = 1;
        CHECK_READ(dfd, &o, "head-tail\n");
        o.tail = 2;
        CHECK_READ(dfd, &o, "001999\nhead-tail\n");
        o.streams = 1U << CRILOG_STDERR;
        CHECK_READ(dfd, &o, "head-tail\n");
        o.streams = 0;

        /* more than 1 MiB apart: tail stops looking, and prints the line from what it found */
        for (int i = 0; i < 30000; i++) {
                int n = snprintf(line, sizeof(line),
                                 "2026-11-22T10:00:03.000000000Z stdout F %06d\n", i);

                ok = ok && write(fd, line, (size_t)n) == n;
        }
        ok = ok && write(fd, "2026-11-22T10:00:04.000000000Z stderr P new-\n", 45) == 45;
        for (int i = 0; i < 30000; i++) {
                int n = snprintf(line, sizeof(line),
                                 "2026-11-22T10:00:05.000000000Z stdout F %06d\n", i);

                ok = ok && write(fd, line, (size_t)n) == n;
        }
        ok = ok && write(fd, "2026-11-22T10:00:06.000000000Z stderr F end\n", 44) == 44;
        check(ok);
        o.tail = 1;
        CHECK_READ(dfd, &o, "end\n");
        o.tail = -1;
        o.streams = 1U << CRILOG_STDERR;
        CHECK_READ(dfd, &o, "head-tail\nnew-end\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

/*
 * The reader against a plain model of it: random logs (both streams, P
 * pieces, lines split over rotated files, garbage, a record cut short at
 * the end), every line of the model put together forwards, then the last N
 * of those since/until and streams keep.
 */
struct model_line {
        int stream;
        uint64_t end;
        char stamp[40];
        struct timespec time;
        char text[512];
        bool finished;
};

struct rng {
        uint64_t s;
};

static unsigned
rnd(struct rng *g, unsigned n)
{
        g->s = g->s * 6364136223846793005ULL + 1442695040888963407ULL;
        return (unsigned)((g->s >> 33) % n);
}

static size_t
model_lines(const char *log, size_t len, struct model_line *lines)
{
        struct model_line cur[2] = {0};
        bool active[2] = {false, false};
        size_t n = 0;
        const char *p = log, *end = log + len, *nl;

        while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
                struct crilog_record r;

                if (crilog_parse_line(p, (size_t)(nl - p), &r) == 0) {
                        struct model_line *c = &cur[r.stream];

                        if (!active[r.stream]) {
                                memset(c, 0, sizeof(*c));
                                c->stream = r.stream;
                                active[r.stream] = true;
                        }
                        strncat(c->text, r.text, r.text_len);
                        c->end = (uint64_t)(p - log);
                        c->time = r.time;
                        snprintf(c->stamp, sizeof(c->stamp), "%.*s", (int)strcspn(p, " "), p);
                        if (!r.partial) {
                                c->finished = true;
                                lines[n++] = *c;
                                active[r.stream] = false;
                        }
                }
                p = nl + 1;
        }
        for (int s = 0; s < 2; s++)
                if (active[s])
                        lines[n++] = cur[s];
        return n;
}

static bool
model_in(const struct crilog_read_opts *o, const struct model_line *m)
{
        const struct timespec *t = &m->time;

        if (o->streams && !(o->streams & (1U << m->stream)))
                return false;
        if ((o->since.tv_sec || o->since.tv_nsec) &&
            (t->tv_sec < o->since.tv_sec ||
             (t->tv_sec == o->since.tv_sec && t->tv_nsec <= o->since.tv_nsec)))
                return false;
        if ((o->until.tv_sec || o->until.tv_nsec) &&
            (t->tv_sec > o->until.tv_sec ||
             (t->tv_sec == o->until.tv_sec && t->tv_nsec >= o->until.tv_nsec)))
                return false;
        return true;
}

static char *
model_read(const char *log, size_t len, const struct crilog_read_opts *o)
{
        struct model_line *lines = calloc(len / 10 + 4, sizeof(*lines));
        size_t n = lines ? model_lines(log, len, lines) : 0, kept = 0, min_end_at = 0;
        size_t out_cap = len * 2 + 64;
        char *out = calloc(1, out_cap);

        if (!lines || !out) {
                free(lines);
                free(out);
                return NULL;
        }
        for (size_t i = 0; i < n; i++)
                kept += model_in(o, &lines[i]);
        /* the tail-th line from the end, in order of where lines end */
        if (o->tail >= 0 && (size_t)o->tail < kept) {
                size_t skip = kept - (size_t)o->tail;
                uint64_t *ends = calloc(kept + 1, sizeof(*ends));
                size_t k = 0;

                for (size_t i = 0; ends && i < n; i++)
                        if (model_in(o, &lines[i]))
                                ends[k++] = lines[i].end;
                /* finished lines come in end order; unfinished ones end last in their stream */
                for (size_t i = 0; ends && i < k; i++)
                        for (size_t j = i + 1; j < k; j++)
                                if (ends[j] < ends[i]) {
                                        uint64_t x = ends[i];
                                        ends[i] = ends[j];
                                        ends[j] = x;
                                }
                min_end_at = ends ? (size_t)ends[skip] : 0;
                free(ends);
        }
        for (size_t i = 0; i < n; i++) {
                if (!model_in(o, &lines[i]) || (o->tail >= 0 && lines[i].end < min_end_at))
                        continue;
                if (o->tail == 0)
                        continue;
                if (o->timestamps) {
                        append_str(out, out_cap, lines[i].stamp);
                        append_str(out, out_cap, " ");
                }
                append_str(out, out_cap, lines[i].text);
                if (lines[i].finished)
                        append_str(out, out_cap, "\n");
        }
        free(lines);
        return out;
}

static void
test_read_model(void)
{
        struct rng g = {.s = 12345};
        size_t cap = 64 * 1024;
        _cleanup_free_ char *log = malloc(cap);
        int failures = 0;

        check(log != NULL);
        for (int round = 0; log && round < 300 && failures < 3; round++) {
                char dir[64];
                _cleanup_close_ int dfd = tmpdir(dir);
                size_t len = 0, cuts[2], nrec = 1 + rnd(&g, 60);
                size_t bounds[64];

                for (size_t i = 0; i < nrec; i++) {
                        char stamp[64], text[16];
                        unsigned tl = rnd(&g, 6);

                        bounds[i] = len;
                        if (rnd(&g, 15) == 0) {
                                len += (size_t)snprintf(log + len, cap - len, "junk %u\n",
                                                        rnd(&g, 9));
                                continue;
                        }
                        if (rnd(&g, 5) == 0)
                                snprintf(stamp, sizeof(stamp),
                                         "2026-11-22T11:00:%02u.000000000+01:00",
                                         (unsigned)(i / 2));
                        else
                                snprintf(stamp, sizeof(stamp), "2026-11-22T10:00:%02u.000000000Z",
                                         (unsigned)(i / 2));
                        for (unsigned k = 0; k < tl; k++)
                                text[k] = (char)('a' + rnd(&g, 26));
                        text[tl] = '\0';
                        len += (size_t)snprintf(log + len, cap - len, "%s %s %c %s\n", stamp,
                                                rnd(&g, 2) ? "stdout" : "stderr",
                                                rnd(&g, 3) == 0 ? 'P' : 'F', text);
                }
                bounds[nrec] = len;
                /* where c.log.2 ends and c.log.1 ends, at record boundaries */
                cuts[0] = bounds[rnd(&g, (unsigned)nrec + 1)];
                cuts[1] = bounds[rnd(&g, (unsigned)nrec + 1)];
                if (cuts[1] < cuts[0]) {
                        size_t x = cuts[0];
                        cuts[0] = cuts[1];
                        cuts[1] = x;
                }
                {
                        char *a = strndup(log, cuts[0]),
                             *b = strndup(log + cuts[0], cuts[1] - cuts[0]);
                        char *c = strndup(log + cuts[1], len - cuts[1]);

                        check(a && b && c);
                        if (a && *a)
                                check(put_file(dfd, "c.log.2", a));
                        if (b && *b)
                                check(put_file(dfd, "c.log.1", b));
                        check(c && put_file(dfd, "c.log", c));
                        free(a);
                        free(b);
                        free(c);
                }
                if (rnd(&g, 4) == 0) {
                        /* a record still being written: not read */
                        _cleanup_close_ int fd =
                                openat(dfd, "c.log", O_WRONLY | O_APPEND | O_CLOEXEC);

                        check(fd >= 0 && write(fd, "2026-11-22T10:00:00Z stdout F cu", 32) == 32);
                }
                for (int k = 0; k < 12; k++) {
                        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
                        _cleanup_free_ char *got = NULL, *want = NULL;
                        int r = 1;

                        o.tail = (int64_t)rnd(&g, 12) - 1;
                        o.timestamps = rnd(&g, 2);
                        o.streams = rnd(&g, 4);
                        if (rnd(&g, 3) == 0)
                                o.since = at((time_t)rnd(&g, 30), rnd(&g, 2) ? 0 : 500000000);
                        if (rnd(&g, 3) == 0)
                                o.until = at((time_t)rnd(&g, 32), 0);
                        got = read_log(dfd, "c.log", &o, &r);
                        want = model_read(log, len, &o);
                        if (r != 0 || !got || !want || strcmp(got, want) != 0) {
                                fprintf(stderr,
                                        "  round %d: tail %lld streams %u since %lld until %lld\n"
                                        "    got:  %s\n    want: %s\n    log:\n%.*s\n",
                                        round, (long long)o.tail, o.streams,
                                        (long long)o.since.tv_sec, (long long)o.until.tv_sec,
                                        got ? got : "(null)", want ? want : "(null)", (int)len,
                                        log);
                                failures++;
                                check(false);
                                break;
                        }
                }
                check(rm_rf_at(AT_FDCWD, dir) == 0);
        }
}

/* ---- follow ---- */

static bool
stop_now(void *userdata)
{
        int *calls = userdata;

        return ++*calls >= 1;
}

static void
test_follow_stop(void)
{
        struct crilog_follow_opts o = CRILOG_FOLLOW_OPTS_INIT;
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        _cleanup_free_ char *got = NULL;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        int calls = 0;

        check(put_file(dfd, "c.log", sample));
        o.stop = stop_now;
        o.userdata = &calls;
        o.read.tail = 2;
        check(crilog_follow(dfd, "c.log", &o, out, NULL) == 0);
        check(calls == 1);
        check_str(got = slurp_fd(out), "three\nfour\n");

        /* until passed: stops by itself */
        check(put_file(dfd, "old.log",
                       "2020-01-01T00:00:01Z stdout F one\n"
                       "2020-01-01T00:00:03Z stdout F two\n"));
        o = (struct crilog_follow_opts)CRILOG_FOLLOW_OPTS_INIT;
        o.read.until = (struct timespec){.tv_sec = 1577836802}; /* 2020-01-01T00:00:02Z */
        check(ftruncate(out, 0) == 0 && lseek(out, 0, SEEK_SET) == 0);
        check(crilog_follow(dfd, "old.log", &o, out, NULL) == 0);
        free(got);
        check_str(got = slurp_fd(out), "one\n");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static bool
append(int dirfd, const char *name, const char *content)
{
        _cleanup_close_ int fd =
                openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        size_t len = strlen(content);

        return fd >= 0 && write(fd, content, len) == (ssize_t)len;
}

struct script {
        int dirfd;
        int step;
        bool ok;
};

/* Each wake-up of crilog_follow() plays the writer's next step; then it stops. */
static bool
rotating_writer(void *userdata)
{
        struct script *sc = userdata;
        int d = sc->dirfd;

        switch (sc->step++) {
        case 0:
                sc->ok = append(d, "c.log", "2026-11-22T10:00:02Z stdout F b\n") &&
                         append(d, "c.log", "2026-11-22T10:00:02Z stderr P half ");
                return false;
        case 1:
                /* two rotations between two looks: the middle file is read too */
                sc->ok = sc->ok && append(d, "c.log", "one\n2026-11-22T10:00:03Z stdout F c\n") &&
                         renameat(d, "c.log", d, "c.log.1") == 0 &&
                         append(d, "c.log", "2026-11-22T10:00:04Z stdout F d\n") &&
                         renameat(d, "c.log.1", d, "c.log.2") == 0 &&
                         renameat(d, "c.log", d, "c.log.1") == 0 &&
                         append(d, "c.log", "2026-11-22T10:00:05Z stdout F e\n");
                return false;
        case 2:
                /* a rotation half done: NAME renamed, the new one not there yet */
                sc->ok = sc->ok && renameat(d, "c.log.1", d, "c.log.2") == 0 &&
                         renameat(d, "c.log", d, "c.log.1") == 0;
                return false;
        case 3:
                sc->ok = sc->ok && append(d, "c.log", "2026-11-22T10:00:06Z stdout P f\n");
                return false;
        case 4:
                /* NAME replaced (max_files 1): the older files are not read again */
                sc->ok = sc->ok && append(d, ".new", "2026-11-22T10:00:07Z stdout F g\n") &&
                         renameat(d, ".new", d, "c.log") == 0;
                return false;
        case 5:
                /* three rotations with two files kept: the file followed is gone */
                sc->ok = sc->ok && append(d, "c.log", "2026-11-22T10:00:08Z stdout F i\n");
                for (int i = 0; i < 3 && sc->ok; i++) {
                        char rec[64];

                        snprintf(rec, sizeof(rec), "2026-11-22T10:00:09Z stdout F %c\n", 'j' + i);
                        sc->ok = renameat(d, "c.log.1", d, "c.log.2") == 0 &&
                                 renameat(d, "c.log", d, "c.log.1") == 0 && append(d, "c.log", rec);
                }
                return false;
        default:
                sc->ok = sc->ok && append(d, "c.log", "2026-11-22T10:00:10Z stdout P h\n");
                return true;
        }
}

static void
test_follow_rotations(void)
{
        struct crilog_follow_opts o = CRILOG_FOLLOW_OPTS_INIT;
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        _cleanup_free_ char *got = NULL;
        char dir[64];
        _cleanup_close_ int dfd = tmpdir(dir);
        struct script sc = {.dirfd = dfd};

        check(put_file(dfd, "c.log", "2026-11-22T10:00:01Z stdout F a\n"));
        o.stop = rotating_writer;
        o.userdata = &sc;
        o.read.timestamps = true;
        check(crilog_follow(dfd, "c.log", &o, out, NULL) == 0);
        check(sc.ok && sc.step == 7);
        check_str(got = slurp_fd(out), "2026-11-22T10:00:01.000000000Z a\n"
                                       "2026-11-22T10:00:02.000000000Z b\n"
                                       "2026-11-22T10:00:03.000000000Z c\n"
                                       "2026-11-22T10:00:04.000000000Z d\n"
                                       "2026-11-22T10:00:05.000000000Z e\n"
                                       "2026-11-22T10:00:07.000000000Z fg\n"
                                       "2026-11-22T10:00:08.000000000Z i\n"
                                       "2026-11-22T10:00:09.000000000Z j\n"
                                       "2026-11-22T10:00:09.000000000Z k\n"
                                       "2026-11-22T10:00:09.000000000Z l\n"
                                       "2026-11-22T10:00:10.000000000Z h"
                                       "2026-11-22T10:00:02.000000000Z half one");
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

static int
pidfd_open_(pid_t pid)
{
        return (int)syscall(SYS_pidfd_open, pid, 0);
}

/*
 * The child: a pod monitor that logs 40 lines, a few ms apart, rotating
 * every 4; it keeps enough files that a follower slowed down by a loaded
 * machine still finds every line.
 */
static void
writer_child(int dfd, int ready)
{
        struct crilog_opts o = {.max_size = 200, .max_files = 16};
        struct crilog *l = NULL;
        struct timespec t = at(0, 0);
        char line[32];

        if (crilog_open(dfd, "c.log", &o, &l, NULL) < 0)
                _exit(1);
        if (crilog_write(l, CRILOG_STDOUT, "line-0\n", 7, &t, NULL) < 0)
                _exit(1);
        if (write(ready, "x", 1) != 1)
                _exit(1);
        (void)close(ready);
        usleep(100 * 1000);
        for (int i = 1; i < 40; i++) {
                int n = snprintf(line, sizeof(line), "line-%d\n", i);

                t.tv_sec++;
                /* stderr's line comes in two writes around a rotation */
                if (i == 20 && crilog_write(l, CRILOG_STDERR, "err-", 4, &t, NULL) < 0)
                        _exit(1);
                if (crilog_write(l, CRILOG_STDOUT, line, (size_t)n, &t, NULL) < 0)
                        _exit(1);
                if (i == 22 && crilog_write(l, CRILOG_STDERR, "late\n", 5, &t, NULL) < 0)
                        _exit(1);
                usleep(5 * 1000);
        }
        if (crilog_write(l, CRILOG_STDOUT, "bye> ", 5, &t, NULL) < 0 ||
            crilog_flush(l, &t, NULL) < 0)
                _exit(1);
        crilog_free(l);
        _exit(0);
}

static void
test_follow_writer(void)
{
        struct crilog_follow_opts o = CRILOG_FOLLOW_OPTS_INIT;
        _cleanup_close_ int out = memfd_create("out", MFD_CLOEXEC);
        _cleanup_close_ int pidfd = -EBADF;
        _cleanup_free_ char *got = NULL;
        char want[1024] = "", dir[64], c;
        _cleanup_close_ int dfd = tmpdir(dir);
        struct berr *err = NULL;
        int ready[2], status = -1;
        pid_t pid;

        check(pipe2(ready, O_CLOEXEC) == 0);
        pid = fork();
        if (pid == 0) {
                (void)close(ready[0]);
                writer_child(dfd, ready[1]);
        }
        check(pid > 0);
        (void)close(ready[1]);
        check(read(ready[0], &c, 1) == 1);
        (void)close(ready[0]);
        pidfd = pidfd_open_(pid);
        if (pidfd < 0) {
                check_skip("no pidfd_open");
                (void)waitpid(pid, &status, 0);
                (void)rm_rf_at(AT_FDCWD, dir);
                return;
        }
        /* until the monitor (here: the writer) exits */
        o.stop_fd = pidfd;
        o.read.timestamps = false;
        check(crilog_follow(dfd, "c.log", &o, out, &err) == 0);
        if (err)
                fprintf(stderr, "  crilog_follow: %s\n", err->msg);
        berr_free(err);
        check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
        for (int i = 0; i < 40; i++) {
                char line[32];

                snprintf(line, sizeof(line), "line-%d\n", i);
                append_str(want, sizeof(want), line);
                if (i == 22)
                        append_str(want, sizeof(want), "err-late\n");
        }
        append_str(want, sizeof(want), "bye> ");
        check_str(got = slurp_fd(out), want);
        check(exists(dfd, "c.log.10") && !exists(dfd, "c.log.11"));
        check(rm_rf_at(AT_FDCWD, dir) == 0);
}

int
main(void)
{
        (void)umask(022);
        (void)signal(SIGPIPE, SIG_IGN);
        RUN(test_write_full_line);
        RUN(test_write_several_lines);
        RUN(test_write_split_over_writes);
        RUN(test_write_long_line);
        RUN(test_write_default_line_max);
        RUN(test_write_interleaved);
        RUN(test_write_final_partial);
        RUN(test_write_rotation);
        RUN(test_write_rotation_single_file);
        RUN(test_open);
        RUN(test_parse_line);
        RUN(test_parse_time);
        RUN(test_read);
        RUN(test_read_stderr_fd);
        RUN(test_read_unfinished);
        RUN(test_read_rotated);
        RUN(test_read_big);
        RUN(test_read_far_pieces);
        RUN(test_read_huge_line);
        RUN(test_read_model);
        RUN(test_follow_stop);
        RUN(test_follow_writer);
        RUN(test_follow_rotations);
        return check_done();
}
