/*
 * tests/fuzz/fuzz-tar.c: layer blobs from outside: arbitrary bytes (the
 * compression detected from them) through layer_extract_fd() into a fresh
 * temp dir, removed after with rm_rf_at(). The layer goes to TOP/layer
 * beside an empty TOP/outside: anything that lands beside them or in
 * outside/ is an escape, and aborts (a crash libFuzzer keeps).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
        if (size > 0 && write(fd, data, size) != (ssize_t)size)
                abort();
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
