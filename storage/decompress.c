/*
 * storage/decompress.c: a layer blob as uncompressed bytes. We decompress
 * ourselves (zlib, libzstd) rather than through libarchive's filters so
 * that both digests come out of the one pass: the blob's over the bytes as
 * read, the diff-id over the tar as produced, trailing bytes included.
 */
#include "decompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "util/berr.h"
#include "util/cleanup.h"

#define LAYER_BUF_SIZE (128U * 1024U)

struct layer_stream {
        int fd;
        enum layer_compression compression;
        struct digester *in_digest;  /* the blob: every byte read from fd */
        struct digester *out_digest; /* the tar; unused when uncompressed (same bytes) */
        uint64_t bytes_in, bytes_out, max_out;
        bool ranged; /* read with pread() from in_offset, in_left bytes */
        uint64_t in_offset, in_left;
        layer_stream_tap tap;
        void *tap_userdata;

        uint8_t *in; /* read from fd: [in_pos, in_len) not yet consumed */
        size_t in_len, in_pos;
        bool in_eof;
        uint8_t *out;

        bool failed;  /* a read failed: the decompressor state is not to be trusted */
        bool raw;     /* drained without decompressing: no diff-id */
        bool pending; /* the last call filled out: the decompressor may hold more */

        z_stream z;
        bool z_ready;
        bool member;           /* inside a gzip member */
        unsigned long members; /* gzip members begun */

        ZSTD_DStream *zs;
        size_t zhint; /* ZSTD_decompressStream()'s last return: 0 at a frame's end */
};

static const struct {
        const char *type;
        enum layer_compression compression;
} media_types[] = {
        {"application/vnd.oci.image.layer.v1.tar", LAYER_UNCOMPRESSED},
        {"application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP},
        {"application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar", LAYER_UNCOMPRESSED},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", LAYER_GZIP},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", LAYER_ZSTD},
        {"application/vnd.docker.image.rootfs.diff.tar", LAYER_UNCOMPRESSED},
        {"application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP},
        {"application/vnd.docker.image.rootfs.diff.tar.zstd", LAYER_ZSTD},
        {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", LAYER_GZIP},
};

enum layer_compression
layer_compression_from_media_type(const char *media_type)
{
        if (!media_type)
                return _LAYER_COMPRESSION_INVALID;
        /* RFC 6838: media types compare without regard to case */
        for (size_t i = 0; i < ELEMENTSOF(media_types); i++)
                if (strcasecmp(media_type, media_types[i].type) == 0)
                        return media_types[i].compression;
        return _LAYER_COMPRESSION_INVALID;
}

const char *
layer_compression_to_string(enum layer_compression c)
{
        static const char *const names[_LAYER_COMPRESSION_MAX] = {
                [LAYER_DETECT] = "detect",
                [LAYER_UNCOMPRESSED] = "none",
                [LAYER_GZIP] = "gzip",
                [LAYER_ZSTD] = "zstd",
        };

        if (c < 0 || c >= _LAYER_COMPRESSION_MAX)
                return NULL;
        return names[c];
}

/* Append what fd has to s->in (reset when all of it was consumed); hash it. */
static int
read_in(struct layer_stream *s, struct berr **err)
{
        ssize_t n;

        if (s->in_pos == s->in_len)
                s->in_pos = s->in_len = 0;
        if (s->in_eof || s->in_len == LAYER_BUF_SIZE)
                return 0;
        if (s->ranged && s->in_left == 0) {
                s->in_eof = true;
                return 0;
        }
        if (s->ranged) {
                size_t want = LAYER_BUF_SIZE - s->in_len;

                if (want > s->in_left)
                        want = (size_t)s->in_left;
                do
                        n = pread(s->fd, s->in + s->in_len, want, (off_t)s->in_offset);
                while (n < 0 && errno == EINTR);
                /* the file ends before the range does: the member is cut short */
                if (n == 0) {
                        s->failed = true;
                        return berr(err, 0, "unexpected end of file: %llu bytes missing",
                                    (unsigned long long)s->in_left);
                }
                if (n > 0) {
                        s->in_offset += (uint64_t)n;
                        s->in_left -= (uint64_t)n;
                }
        } else {
                do
                        n = read(s->fd, s->in + s->in_len, LAYER_BUF_SIZE - s->in_len);
                while (n < 0 && errno == EINTR);
        }
        if (n < 0) {
                s->failed = true;
                return berr(err, errno, "read layer blob");
        }
        if (n == 0) {
                s->in_eof = true;
                return 0;
        }
        if (digester_update(s->in_digest, s->in + s->in_len, (size_t)n) < 0) {
                s->failed = true;
                return berr(err, EIO, "sha256");
        }
        s->in_len += (size_t)n;
        s->bytes_in += (uint64_t)n;
        return 0;
}

static enum layer_compression
detect(const uint8_t *b, size_t n)
{
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return LAYER_GZIP;
        if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                return LAYER_ZSTD;
        /* a zstd skippable frame (magic 0x184D2A5?, little-endian) may come first */
        if (n >= 4 && (b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18)
                return LAYER_ZSTD;
        return LAYER_UNCOMPRESSED;
}

static int
stream_new(int fd, bool ranged, uint64_t offset, uint64_t length, enum layer_compression c,
           uint64_t max_out, struct layer_stream **ret, struct berr **err)
{
        _cleanup_(layer_stream_freep) struct layer_stream *s = NULL;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return berr(err, ENOMEM, "layer stream");
        s->fd = fd;
        s->max_out = max_out;
        s->ranged = ranged;
        s->in_offset = offset;
        s->in_left = length;
        s->in = malloc(LAYER_BUF_SIZE);
        s->out = malloc(LAYER_BUF_SIZE);
        s->in_digest = digester_new();
        s->out_digest = digester_new();
        if (!s->in || !s->out || !s->in_digest || !s->out_digest)
                return berr(err, ENOMEM, "layer stream");

        if (c == LAYER_DETECT || c == _LAYER_COMPRESSION_INVALID) {
                /* a pipe may hand out fewer bytes than the magic has */
                while (s->in_len < 4 && !s->in_eof) {
                        r = read_in(s, err);
                        if (r < 0)
                                return r;
                }
                c = detect(s->in, s->in_len);
        }
        if (c < 0 || c >= _LAYER_COMPRESSION_MAX)
                return berr(err, EINVAL, "unknown layer compression %d", (int)c);
        s->compression = c;

        if (c == LAYER_GZIP) {
                /* 16 + MAX_WBITS: gzip only, no zlib or raw deflate */
                if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK)
                        return berr(err, ENOMEM, "gzip: %s", s->z.msg ? s->z.msg : "init");
                s->z_ready = true;
        } else if (c == LAYER_ZSTD) {
                s->zs = ZSTD_createDStream();
                if (!s->zs)
                        return berr(err, ENOMEM, "zstd");
                s->zhint = 1; /* no frame yet: EOF now would be a truncated stream */
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int
layer_stream_new(int fd, enum layer_compression c, uint64_t max_out, struct layer_stream **ret,
                 struct berr **err)
{
        return stream_new(fd, false, 0, 0, c, max_out, ret, err);
}

int
layer_stream_new_range(int fd, uint64_t offset, uint64_t length, enum layer_compression c,
                       uint64_t max_out, struct layer_stream **ret, struct berr **err)
{
        if (offset > INT64_MAX || length > INT64_MAX - offset)
                return berr(err, EOVERFLOW, "layer stream: range out of bounds");
        return stream_new(fd, true, offset, length, c, max_out, ret, err);
}

void
layer_stream_set_tap(struct layer_stream *s, layer_stream_tap fn, void *userdata)
{
        s->tap = fn;
        s->tap_userdata = userdata;
}

struct layer_stream *
layer_stream_free(struct layer_stream *s)
{
        if (!s)
                return NULL;
        if (s->z_ready)
                (void)inflateEnd(&s->z);
        ZSTD_freeDStream(s->zs);
        digester_free(s->in_digest);
        digester_free(s->out_digest);
        free(s->in);
        free(s->out);
        free(s);
        return NULL;
}

enum layer_compression
layer_stream_compression(const struct layer_stream *s)
{
        return s->compression;
}

/* Account for len bytes of tar produced into s->out. */
static int
produced(struct layer_stream *s, size_t len, struct berr **err)
{
        if (s->max_out > 0 && len > s->max_out - s->bytes_out) {
                s->failed = true;
                return berr(err, 0, "layer is larger than %llu bytes uncompressed",
                            (unsigned long long)s->max_out);
        }
        s->bytes_out += len;
        if (s->compression != LAYER_UNCOMPRESSED && len > 0 &&
            digester_update(s->out_digest, s->out, len) < 0) {
                s->failed = true;
                return berr(err, EIO, "sha256");
        }
        return 0;
}

static int
gzip_read(struct layer_stream *s, size_t *ret_len, struct berr **err)
{
        for (;;) {
                size_t n;
                int r, zr;

                if (s->in_pos == s->in_len && !s->pending) {
                        r = read_in(s, err);
                        if (r < 0)
                                return r;
                        if (s->in_pos == s->in_len) {
                                if (s->member || s->members == 0) {
                                        s->failed = true;
                                        return berr(err, 0, "gzip: unexpected end of stream");
                                }
                                *ret_len = 0;
                                return 0;
                        }
                }
                if (!s->member) {
                        /* gzip allows members one after the other (pigz, cat a.gz b.gz) */
                        if (s->members > 0 && inflateReset(&s->z) != Z_OK) {
                                s->failed = true;
                                return berr(err, 0, "gzip: reset");
                        }
                        s->member = true;
                        s->members++;
                }
                s->z.next_in = s->in + s->in_pos;
                s->z.avail_in = (uInt)(s->in_len - s->in_pos);
                s->z.next_out = s->out;
                s->z.avail_out = LAYER_BUF_SIZE;
                zr = inflate(&s->z, Z_NO_FLUSH);
                s->in_pos = s->in_len - s->z.avail_in;
                n = LAYER_BUF_SIZE - s->z.avail_out;
                s->pending = s->z.avail_out == 0;
                if (zr == Z_STREAM_END) {
                        s->member = false;
                        s->pending = false;
                } else if (zr == Z_BUF_ERROR) {
                        s->pending = false; /* it needs input */
                } else if (zr != Z_OK) {
                        s->failed = true;
                        return berr(err, 0, "gzip: %s", s->z.msg ? s->z.msg : "invalid data");
                }
                if (n > 0) {
                        r = produced(s, n, err);
                        if (r < 0)
                                return r;
                        *ret_len = n;
                        return 0;
                }
        }
}

static int
zstd_read(struct layer_stream *s, size_t *ret_len, struct berr **err)
{
        for (;;) {
                ZSTD_inBuffer in;
                ZSTD_outBuffer out = {.dst = s->out, .size = LAYER_BUF_SIZE};
                size_t zr;
                int r;

                if (s->in_pos == s->in_len && !s->pending) {
                        r = read_in(s, err);
                        if (r < 0)
                                return r;
                        if (s->in_pos == s->in_len) {
                                if (s->zhint != 0) {
                                        s->failed = true;
                                        return berr(err, 0, "zstd: unexpected end of stream");
                                }
                                *ret_len = 0;
                                return 0;
                        }
                }
                in = (ZSTD_inBuffer){.src = s->in, .size = s->in_len, .pos = s->in_pos};
                /* frames one after the other are decoded on: zstd allows that */
                zr = ZSTD_decompressStream(s->zs, &out, &in);
                s->in_pos = in.pos;
                if (ZSTD_isError(zr)) {
                        s->failed = true;
                        return berr(err, 0, "zstd: %s", ZSTD_getErrorName(zr));
                }
                s->zhint = zr;
                s->pending = out.pos == out.size;
                if (out.pos > 0) {
                        r = produced(s, out.pos, err);
                        if (r < 0)
                                return r;
                        *ret_len = out.pos;
                        return 0;
                }
        }
}

int
layer_stream_read(struct layer_stream *s, const void **ret_buf, size_t *ret_len, struct berr **err)
{
        size_t n = 0;
        int r;

        if (s->failed || s->raw)
                return berr(err, EIO, "layer stream already failed");
        switch (s->compression) {
        case LAYER_GZIP:
                r = gzip_read(s, &n, err);
                if (r < 0)
                        return r;
                *ret_buf = s->out;
                break;
        case LAYER_ZSTD:
                r = zstd_read(s, &n, err);
                if (r < 0)
                        return r;
                *ret_buf = s->out;
                break;
        default:
                if (s->in_pos == s->in_len) {
                        r = read_in(s, err);
                        if (r < 0)
                                return r;
                }
                n = s->in_len - s->in_pos;
                r = produced(s, n, err);
                if (r < 0)
                        return r;
                *ret_buf = s->in + s->in_pos;
                s->in_pos = s->in_len;
                break;
        }
        if (s->tap && n > 0) {
                r = s->tap(s->tap_userdata, *ret_buf, n, err);
                if (r < 0) {
                        s->failed = true;
                        return r;
                }
        }
        *ret_len = n;
        return 0;
}

int
layer_stream_drain(struct layer_stream *s, struct berr **err)
{
        for (;;) {
                const void *buf;
                size_t n = 0;
                int r = layer_stream_read(s, &buf, &n, err);

                if (r < 0)
                        return r;
                if (n == 0)
                        return 0;
        }
}

int
layer_stream_drain_raw(struct layer_stream *s, struct berr **err)
{
        s->raw = true;
        while (!s->in_eof) {
                int r;

                s->in_pos = s->in_len; /* hashed when read: only the count matters now */
                r = read_in(s, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int
layer_stream_finish(struct layer_stream *s, char digest[DIGEST_STRING_MAX],
                    char diff_id[DIGEST_STRING_MAX], uint64_t *ret_in, uint64_t *ret_out)
{
        if (!s->in_eof || (s->failed && !s->raw))
                return -EINVAL;
        if (diff_id && s->raw)
                return -EINVAL;
        if (digester_final(s->in_digest, digest) < 0)
                return -EIO;
        if (diff_id) {
                if (s->compression == LAYER_UNCOMPRESSED)
                        memcpy(diff_id, digest, DIGEST_STRING_MAX);
                else if (digester_final(s->out_digest, diff_id) < 0)
                        return -EIO;
        }
        if (ret_in)
                *ret_in = s->bytes_in;
        if (ret_out)
                *ret_out = s->bytes_out;
        return 0;
}
