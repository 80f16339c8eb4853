/*
 * tests/fuzz/fuzz-archive-index.c: archives from outside, as `berth load`
 * reads them before any layer: the outer tar indexed in place
 * (archive_index_build()), then manifest.json (docker-archive) or
 * index.json (oci-archive) read with their limits and parsed, and every
 * member they name looked up, links followed. Inputs that do not index are
 * parsed as a manifest.json too, so the JSON side gets mutated directly.
 *
 * The same bytes also go through the tar-split recorder (tar-split.h), fed
 * in pieces of odd sizes, and are rebuilt against an empty directory: a
 * rebuild that succeeds named no file, so it must give back the input
 * exactly; one that fails must say the layer does not match (-EBADMSG).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/archive.h"
#include "storage/manifest.h"
#include "storage/tar-split.h"
#include "util/berr.h"
#include "util/digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a lookup either finds a regular member inside the file or says why not */
static void
find(const struct archive_index *idx, const char *name, uint64_t file_size)
{
        const struct archive_member *m = NULL;
        struct berr *err = NULL;

        if (archive_index_find(idx, name, &m, &err) < 0) {
                if (!err || !err->msg)
                        abort();
        } else if (!m || m->type != '0' || m->offset > file_size ||
                   m->size > file_size - m->offset) {
                abort();
        }
        berr_free(err);
}

static void
docker(const struct archive_index *idx, int fd, uint64_t file_size)
{
        struct docker_archive_item *items = NULL;
        struct berr *err = NULL;
        char *buf = NULL;
        size_t len = 0, n = 0;

        if (archive_index_read(idx, fd, "manifest.json", ARCHIVE_JSON_MAX, &buf, &len, &err) < 0)
                goto out;
        if (docker_archive_manifest_parse(buf, len, &items, &n, &err) < 0)
                goto out;
        for (size_t i = 0; i < n; i++) {
                find(idx, items[i].config, file_size);
                for (size_t k = 0; k < items[i].n_layers; k++)
                        find(idx, items[i].layers[k], file_size);
        }
out:
        if (err && !err->msg)
                abort();
        docker_archive_items_free(items, n);
        berr_free(err);
        free(buf);
}

static void
oci(const struct archive_index *idx, int fd, uint64_t file_size)
{
        struct manifest *m = NULL;
        struct berr *err = NULL;
        char *buf = NULL;
        size_t len = 0;

        if (archive_index_read(idx, fd, "index.json", ARCHIVE_JSON_MAX, &buf, &len, &err) < 0)
                goto out;
        if (manifest_parse(buf, len, MEDIA_TYPE_OCI_INDEX, &m, &err) < 0 || !m->index)
                goto out;
        for (size_t i = 0; i < m->index->n_manifests; i++) {
                char path[sizeof("blobs/sha256/") + DIGEST_SHA256_HEX];

                snprintf(path, sizeof(path), "blobs/sha256/%s",
                         digest_hex(m->index->manifests[i].desc.digest));
                find(idx, path, file_size);
        }
out:
        if (err && !err->msg)
                abort();
        manifest_free(m);
        berr_free(err);
        free(buf);
}

struct out {
        uint8_t *buf;
        size_t len, alloc;
};

static int
out_sink(void *userdata, const void *buf, size_t len, struct berr **err)
{
        struct out *o = userdata;

        if (o->len + len > o->alloc) {
                size_t n = (o->len + len) * 2;
                uint8_t *b = realloc(o->buf, n);

                if (!b)
                        return berr(err, ENOMEM, "out");
                o->buf = b;
                o->alloc = n;
        }
        memcpy(o->buf + o->len, buf, len);
        o->len += len;
        return 0;
}

/* a directory with nothing in it, ever: made, opened, removed (kept for the process) */
static int
empty_dir(void)
{
        static int fd = -1;
        char path[] = "/tmp/berth-fuzz-archive-XXXXXX";

        if (fd >= 0)
                return fd;
        if (!mkdtemp(path))
                abort();
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || rmdir(path) < 0)
                abort();
        return fd;
}

static void
tar_split(const uint8_t *data, size_t size)
{
        struct tar_split_writer *w = NULL;
        struct berr *err = NULL;
        struct out o = {0};
        size_t off = 0, step = 1 + (size > 0 ? data[0] % 700 : 0);
        int ts = memfd_create("fuzz-tar-split", MFD_CLOEXEC), r;

        if (ts < 0 || tar_split_writer_new(ts, &w, &err) < 0)
                abort();
        while (off < size) {
                size_t n = size - off < step ? size - off : step;

                if (tar_split_writer_feed(w, data + off, n, &err) < 0)
                        abort();
                off += n;
                step = step * 7 % 1021 + 1;
        }
        if (tar_split_writer_finish(w, &err) < 0)
                abort();
        tar_split_writer_free(w);
        if (lseek(ts, 0, SEEK_SET) != 0)
                abort();
        r = tar_split_rebuild(ts, empty_dir(), out_sink, &o, NULL, &err);
        if (r == 0 && (o.len != size || (size > 0 && memcmp(o.buf, data, size) != 0)))
                abort(); /* a recording of verbatim bytes only gives them back */
        if (r < 0 && (r != -EBADMSG || !err || !err->msg))
                abort();
        berr_free(err);
        free(o.buf);
        (void)close(ts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct archive_index *idx = NULL;
        struct berr *err = NULL;
        int fd;

        tar_split(data, size);
        fd = memfd_create("fuzz-archive", MFD_CLOEXEC);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
                abort();
        if (archive_index_build(fd, &idx, &err) < 0) {
                struct docker_archive_item *items = NULL;
                size_t n = 0;

                if (!err || !err->msg)
                        abort(); /* a failure always says why */
                err = berr_free(err);
                if (docker_archive_manifest_parse((const char *)data, size, &items, &n, &err) < 0 &&
                    (!err || !err->msg))
                        abort();
                docker_archive_items_free(items, n);
                berr_free(err);
                (void)close(fd);
                return 0;
        }
        /* sorted, each name once */
        for (size_t i = 1; i < idx->n; i++)
                if (strcmp(idx->members[i - 1].name, idx->members[i].name) >= 0)
                        abort();
        docker(idx, fd, size);
        oci(idx, fd, size);
        archive_index_free(idx);
        (void)close(fd);
        return 0;
}
