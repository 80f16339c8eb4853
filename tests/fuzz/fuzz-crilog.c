/*
 * tests/fuzz/fuzz-crilog.c: container logs hold what containers print, and
 * other tools (conmon, kubelet) write them too. Each line of the input is
 * parsed as a record (what parses must write back and parse to the same
 * record); the input is read as a log file, split into NAME.1 and NAME at a
 * place its first byte picks, with the options its second byte picks; and it
 * is parsed as a --since value. For one stream, what tail N prints must be
 * the end of what the whole log prints.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "runtime/crilog.h"
#include "util/berr.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the fuzzer's scratch directory, made once, removed at exit */
static char scratch[64];
static int scratch_fd = -1;

static void
remove_scratch(void)
{
        if (scratch[0])
                (void)rm_rf_at(AT_FDCWD, scratch);
}

static int
scratch_dir(void)
{
        if (scratch_fd >= 0)
                return scratch_fd;
        strcpy(scratch, "/tmp/berth-fuzz-crilog-XXXXXX");
        if (!mkdtemp(scratch))
                abort();
        scratch_fd = open(scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (scratch_fd < 0)
                abort();
        atexit(remove_scratch);
        return scratch_fd;
}

static void
put(int dirfd, const char *name, const uint8_t *p, size_t n)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        if (fd < 0 || (n > 0 && write(fd, p, n) != (ssize_t)n))
                abort();
        (void)close(fd);
}

static void
check_record(const char *line, size_t len)
{
        struct crilog_record r, again;
        const char *sp = memchr(line, ' ', len);
        size_t stamp_len, n;
        char *buf;

        if (crilog_parse_line(line, len, &r) != 0)
                return;
        if (!sp || (r.stream != CRILOG_STDOUT && r.stream != CRILOG_STDERR) || r.time.tv_nsec < 0 ||
            r.time.tv_nsec >= 1000000000 || r.text < line || r.text + r.text_len > line + len)
                abort();
        /* written back as the writer writes records: one tag, one space each */
        stamp_len = (size_t)(sp - line);
        buf = malloc(stamp_len + 10 + r.text_len);
        if (!buf)
                abort();
        memcpy(buf, line, stamp_len);
        memcpy(buf + stamp_len, r.stream == CRILOG_STDOUT ? " stdout " : " stderr ", 8);
        buf[stamp_len + 8] = r.partial ? 'P' : 'F';
        buf[stamp_len + 9] = ' ';
        memcpy(buf + stamp_len + 10, r.text, r.text_len);
        n = stamp_len + 10 + r.text_len;
        if (crilog_parse_line(buf, n, &again) != 0 || again.time.tv_sec != r.time.tv_sec ||
            again.time.tv_nsec != r.time.tv_nsec || again.utc_offset != r.utc_offset ||
            again.stream != r.stream || again.partial != r.partial ||
            again.text_len != r.text_len || memcmp(again.text, r.text, r.text_len) != 0)
                abort();
        free(buf);
}

/* where stderr lines go when apart */
static int
err_fd(void)
{
        static int fd = -1;

        if (fd < 0)
                fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                abort();
        return fd;
}

/* What crilog_read() prints, as a string of *ret_len bytes */
static char *
read_out(int dirfd, const struct crilog_read_opts *o, size_t *ret_len)
{
        int out = memfd_create("out", MFD_CLOEXEC);
        struct berr *err = NULL;
        char *buf;
        off_t n;

        if (out < 0)
                abort();
        if (crilog_read(dirfd, "c.log", o, out, &err) != 0)
                abort(); /* the files are there: nothing in them is an error */
        n = lseek(out, 0, SEEK_END);
        buf = malloc((size_t)n + 1);
        if (!buf || pread(out, buf, (size_t)n, 0) != n)
                abort();
        buf[n] = '\0';
        *ret_len = (size_t)n;
        (void)close(out);
        berr_free(err);
        return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct timespec now = {.tv_sec = 1795341600}, t;
        struct crilog_read_opts o = CRILOG_READ_OPTS_INIT;
        const char *p, *end, *nl;
        size_t cut = 0, all_len, part_len;
        char *s, *all, *part;
        int dfd;

        /* each line as a record */
        p = (const char *)data;
        end = p + size;
        for (; p < end; p = nl + 1) {
                nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        nl = end;
                check_record(p, (size_t)(nl - p));
        }

        /* as a --since value */
        s = strndup((const char *)data, size);
        if (!s)
                return 0;
        if (crilog_parse_time(s, now, &t, NULL) == 0 && (t.tv_nsec < 0 || t.tv_nsec >= 1000000000))
                abort();
        free(s);

        /* as a log and its rotated predecessor */
        dfd = scratch_dir();
        if (size > 0)
                cut = (size_t)data[0] * size / 256;
        (void)unlinkat(dfd, "c.log.1", 0);
        if (cut > 0)
                put(dfd, "c.log.1", data, cut);
        put(dfd, "c.log", data + cut, size - cut);

        /* options from the first bytes; one stream, so that tail N is the end of all */
        if (size > 1) {
                o.timestamps = data[1] & 1;
                if (data[1] & 2)
                        o.since = now;
                o.streams = 1U + ((data[1] >> 2) & 1U);
                o.tail = (data[1] >> 3) % 8;
        }
        all = read_out(dfd,
                       &(struct crilog_read_opts){.timestamps = o.timestamps,
                                                  .since = o.since,
                                                  .tail = -1,
                                                  .streams = o.streams,
                                                  .stderr_fd = -1},
                       &all_len);
        part = read_out(dfd, &o, &part_len);
        if (part_len > all_len || memcmp(part, all + all_len - part_len, part_len) != 0)
                abort();
        free(part);
        free(all);
        /* both streams, stderr apart */
        o.streams = 0;
        o.tail = -1;
        o.stderr_fd = err_fd();
        free(read_out(dfd, &o, &all_len));
        return 0;
}
