/*
 * storage/archive-write.c: the outer tar of `save`, streamed. Headers are
 * the ustar ones Go's archive/tar makes for podman's docker-archive writer
 * (tar.FileInfoHeader of a 0444 file, owner 0, time 0), so archives of the
 * same image come out the same; a member too large for ustar's size field
 * gets a pax header, as Go gives it.
 */
#include "archive.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tar-header.h"
#include "util/berr.h"

/* the largest size ustar's 11 octal digits hold */
#define USTAR_SIZE_MAX UINT64_C(077777777777)

static const uint8_t zeros[TAR_BLOCK];

int
archive_out_write(struct archive_out *o, const void *buf, size_t len, struct berr **err)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = write(o->fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "write the archive");
                p += n;
                len -= (size_t)n;
                o->written += (uint64_t)n;
        }
        return 0;
}

int
archive_out_pad(struct archive_out *o, uint64_t size, struct berr **err)
{
        return archive_out_write(o, zeros, (size_t)tar_padding(size), err);
}

/* octal, zero-padded to n - 1 digits, then a NUL: Go's formatOctal */
static void
octal(uint8_t *field, size_t n, uint64_t v)
{
        char buf[32];

        snprintf(buf, sizeof(buf), "%0*llo", (int)(n - 1), (unsigned long long)v);
        memcpy(field, buf, n - 1);
        field[n - 1] = '\0';
}

static int
header(struct archive_out *o, const char *name, char type, uint64_t mode, uint64_t size,
       const char *link, struct berr **err)
{
        static const uint8_t magic[8] = {'u', 's', 't', 'a', 'r', '\0', '0', '0'};
        uint8_t h[TAR_BLOCK] = {0};
        uint64_t sum = 0;

        if (strlen(name) > 100 || (link && strlen(link) > 100))
                return berr(err, ENAMETOOLONG, "archive member '%s'", name);
        /* 100 bytes each, NUL-terminated only when shorter */
        strncpy((char *)h, name, 100);
        octal(h + 100, 8, mode);
        octal(h + 108, 8, 0);
        octal(h + 116, 8, 0);
        octal(h + 124, 12, size);
        octal(h + 136, 12, 0);
        h[156] = (uint8_t)type;
        if (link)
                strncpy((char *)h + 157, link, 100);
        memcpy(h + 257, magic, sizeof(magic));
        octal(h + 329, 8, 0);
        octal(h + 337, 8, 0);
        memset(h + 148, ' ', 8);
        for (size_t i = 0; i < TAR_BLOCK; i++)
                sum += h[i];
        /* six digits, a NUL, and the space that was there */
        octal(h + 148, 7, sum);
        return archive_out_write(o, h, sizeof(h), err);
}

int
archive_out_file(struct archive_out *o, const char *name, uint64_t size, struct berr **err)
{
        if (size > USTAR_SIZE_MAX) {
                /* "%d size=%llu\n", its length counting itself */
                char rec[64], pax_name[101];
                const char *slash = strrchr(name, '/');
                size_t len = 0;
                int r;

                for (size_t guess = 16; guess != len;) {
                        len = guess;
                        guess = (size_t)snprintf(rec, sizeof(rec), "%zu size=%llu\n", len,
                                                 (unsigned long long)size);
                }
                /* Go names it dir/PaxHeaders.0/base */
                snprintf(pax_name, sizeof(pax_name), "%.*s%sPaxHeaders.0/%s",
                         slash ? (int)(slash - name) : 0, name, slash ? "/" : "",
                         slash ? slash + 1 : name);
                r = header(o, pax_name, 'x', 0, len, NULL, err);
                if (r >= 0)
                        r = archive_out_write(o, rec, len, err);
                if (r >= 0)
                        r = archive_out_pad(o, len, err);
                if (r < 0)
                        return r;
                return header(o, name, '0', 0444, 0, NULL, err);
        }
        return header(o, name, '0', 0444, size, NULL, err);
}

int
archive_out_bytes(struct archive_out *o, const char *name, const void *buf, size_t len,
                  struct berr **err)
{
        int r = archive_out_file(o, name, len, err);

        if (r >= 0)
                r = archive_out_write(o, buf, len, err);
        if (r >= 0)
                r = archive_out_pad(o, len, err);
        return r;
}

int
archive_out_symlink(struct archive_out *o, const char *name, const char *target, struct berr **err)
{
        return header(o, name, '2', 0, 0, target, err);
}

int
archive_out_dir(struct archive_out *o, const char *name, struct berr **err)
{
        return header(o, name, '5', 0755, 0, NULL, err);
}

int
archive_out_finish(struct archive_out *o, struct berr **err)
{
        int r = archive_out_write(o, zeros, TAR_BLOCK, err);

        if (r >= 0)
                r = archive_out_write(o, zeros, TAR_BLOCK, err);
        return r;
}
