/*
 * tests/fuzz/fuzz-tar.c: layer blobs from outside: arbitrary bytes (the
 * compression detected from them) through layer_extract_fd() into a fresh
 * temp dir, removed after with rm_rf_at(). The layer goes to TOP/layer
 * beside an empty TOP/outside: anything that lands beside them or in
 * outside/ is an escape, and aborts (a crash libFuzzer keeps). Odd sizes
 * extract rootless; half the uncompressed inputs get their header
 * checksums fixed first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/extract.h"
#include "util/berr.h"
#include "util/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A tar number field: octal, or base-256 when its first byte has 0x80. */
static uint64_t
tar_number(const uint8_t *f, size_t n)
{
        uint64_t v = 0;

        if (f[0] & 0x80) {
                for (size_t i = 1; i < n; i++)
                        v = v << 8 | f[i];
                return v;
        }
        for (size_t i = 0; i < n && f[i] >= '0' && f[i] <= '7'; i++)
                v = v * 8 + (uint64_t)(f[i] - '0');
        return v;
}

/*
 * Give every header of an uncompressed tar a right checksum: a mutated
 * header would otherwise stop at libarchive's checksum test ("Damaged tar
 * archive") and never reach the extraction rules. Headers are found the
 * way a reader finds them: each is followed by its size in data blocks.
 */
static void
fix_checksums(uint8_t *b, size_t size)
{
        for (size_t off = 0; off + 512 <= size;) {
                uint8_t *h = b + off;
                uint64_t sum = 0, data;

                memset(h + 148, ' ', 8);
                for (size_t i = 0; i < 512; i++)
                        sum += h[i];
                snprintf((char *)h + 148, 8, "%06o", (unsigned)(sum & 0777777));
                data = tar_number(h + 124, 12);
                if (data > size)
                        break;
                off += 512 + (size_t)((data + 511) / 512 * 512);
        }
}

/* gzip or zstd magic (as layer_extract_fd() detects): not a tar to fix up */
static bool
compressed(const uint8_t *d, size_t n)
{
        if (n >= 2 && d[0] == 0x1f && d[1] == 0x8b)
                return true;
        return n >= 4 && ((d[0] == 0x28 && d[1] == 0xb5 && d[2] == 0x2f && d[3] == 0xfd) ||
                          ((d[0] & 0xf0) == 0x50 && d[1] == 0x2a && d[2] == 0x4d && d[3] == 0x18));
}

/* entries in dirfd/name, but . and .. */
static size_t
count_entries(int dirfd, const char *name)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct dirent *de;
        size_t n = 0;
        DIR *d;

        if (fd < 0)
                abort();
        d = fdopendir(fd);
        if (!d)
                abort();
        while ((de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        closedir(d);
        return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* tmpfs when there is one: thousands of runs a second make and remove trees */
        char top[] = "/dev/shm/berth-fuzz-tar-XXXXXX";
        char top_tmp[] = "/tmp/berth-fuzz-tar-XXXXXX";
        struct extract_opts opts = {
                .what = "fuzz",
                .rootless = size % 2 == 1,
                /* a small blob may expand a lot: keep each run quick */
                .max_bytes_out = 16U << 20,
        };
        struct berr *err = NULL;
        char *dir = mkdtemp(top);
        int topfd, layerfd, fd;

        if (!dir)
                dir = mkdtemp(top_tmp);
        if (!dir)
                abort();
        topfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (topfd < 0 || mkdirat(topfd, "layer", 0755) < 0 || mkdirat(topfd, "outside", 0755) < 0)
                abort();
        layerfd = openat(topfd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        fd = memfd_create("fuzz-tar", MFD_CLOEXEC);
        if (layerfd < 0 || fd < 0)
                abort();
        if (size > 0 && size % 4 < 2 && !compressed(data, size)) {
                /* half the uncompressed inputs: right checksums */
                uint8_t *copy = malloc(size);

                if (!copy)
                        abort();
                memcpy(copy, data, size);
                fix_checksums(copy, size);
                if (write(fd, copy, size) != (ssize_t)size)
                        abort();
                free(copy);
        } else if (size > 0 && write(fd, data, size) != (ssize_t)size) {
                abort();
        }
        if (lseek(fd, 0, SEEK_SET) != 0)
                abort();

        if (layer_extract_fd(fd, layerfd, &opts, &err) < 0 && (!err || !err->msg))
                abort(); /* a failure always says why */
        berr_free(err);
        (void)close(fd);
        (void)close(layerfd);

        if (count_entries(topfd, ".") != 2 || count_entries(topfd, "outside") != 0) {
                fprintf(stderr, "fuzz-tar: something landed outside the layer in %s\n", dir);
                abort();
        }
        (void)close(topfd);
        if (rm_rf_at(AT_FDCWD, dir) < 0) {
                fprintf(stderr, "fuzz-tar: could not remove %s\n", dir);
                abort();
        }
        return 0;
}
