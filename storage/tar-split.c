/*
 * storage/tar-split.c: recording a layer's tar as it streams, and
 * rebuilding it. The recorder is a small tar header walker fed the
 * uncompressed stream in pieces of any size (a state machine: nothing is
 * read twice, memory stays bounded); its output goes through zstd to the
 * file. It needs to agree with libarchive (what extracts the layer) only
 * on the entries it turns into references: anything else stays verbatim,
 * and save hashes the rebuilt stream against the diff id anyway.
 */
#include "tar-split.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <zstd.h>

#include "tar-header.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define TS_MAGIC "BERTHTS1"
#define TS_MAGIC_LEN 8
#define REC_RAW 0x01
#define REC_FILE 0x02
#define REC_END 0x03

#define BLOCK TAR_BLOCK
/* verbatim bytes are written out in records of at most this */
#define RAW_CHUNK (16U * 1024U)
/* the compressed side's buffers: a recording is mostly headers, small */
#define Z_BUF (16U * 1024U)
/* pax extended headers and GNU long names are read up to this; larger ones stay verbatim */
#define META_MAX (1U << 20)
#define IO_BUF (128U * 1024U)
/* the longest path a recording may name (its meta data was at most META_MAX) */
#define PATH_LEN_MAX META_MAX

enum walk_state {
        WALK_HEADER, /* collecting a 512-byte header block */
        WALK_META,   /* the data of a pax 'x' or GNU 'L' header: kept, and parsed */
        WALK_DATA,   /* an entry's data, kept verbatim */
        WALK_FILE,   /* a regular file's contents: recorded as a reference */
        WALK_PAD,    /* the padding to the next block, kept verbatim */
        WALK_RAW,    /* the end-of-archive marker was seen, or the walker gave up */
};

struct tar_split_writer {
        int fd;
        ZSTD_CStream *zc;
        uint8_t *zout; /* compressed bytes not yet written */

        enum walk_state state;
        uint8_t hdr[BLOCK];
        size_t hdr_len;
        uint64_t left; /* bytes left of the data or padding at hand */
        uint64_t pad;  /* padding that follows the data at hand */

        char meta_type; /* 'x' or 'L' while in WALK_META */
        uint8_t *meta;
        size_t meta_len, meta_alloc;

        /* what pax and GNU headers said about the entry to come */
        char *pax_path;
        bool pax_size_set;
        uint64_t pax_size;
        bool pax_sparse;
        char *long_name;

        uint8_t *raw; /* verbatim bytes not yet recorded */
        size_t raw_len;
        uint64_t total;
        bool finished;
};

/* ------------------------------------------------------------ output */

static int
write_all(int fd, const void *buf, size_t len, struct berr **err)
{
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "write tar-split");
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int
z_run(struct tar_split_writer *w, const void *buf, size_t len, ZSTD_EndDirective end,
      struct berr **err)
{
        ZSTD_inBuffer in = {.src = buf, .size = len};

        for (;;) {
                ZSTD_outBuffer out = {.dst = w->zout, .size = Z_BUF};
                size_t left = ZSTD_compressStream2(w->zc, &out, &in, end);
                int r;

                if (ZSTD_isError(left))
                        return berr(err, 0, "tar-split: zstd: %s", ZSTD_getErrorName(left));
                if (out.pos > 0) {
                        r = write_all(w->fd, w->zout, out.pos, err);
                        if (r < 0)
                                return r;
                }
                if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
                        return 0;
        }
}

static int
emit(struct tar_split_writer *w, const void *buf, size_t len, struct berr **err)
{
        return z_run(w, buf, len, ZSTD_e_continue, err);
}

static size_t
varint(uint8_t out[10], uint64_t v)
{
        size_t n = 0;

        do {
                out[n] = (uint8_t)(v & 0x7f);
                v >>= 7;
                if (v)
                        out[n] |= 0x80;
                n++;
        } while (v);
        return n;
}

static int
emit_varint(struct tar_split_writer *w, uint64_t v, struct berr **err)
{
        uint8_t b[10];

        return emit(w, b, varint(b, v), err);
}

static int
flush_raw(struct tar_split_writer *w, struct berr **err)
{
        uint8_t type = REC_RAW;
        int r;

        if (w->raw_len == 0)
                return 0;
        r = emit(w, &type, 1, err);
        if (r >= 0)
                r = emit_varint(w, w->raw_len, err);
        if (r >= 0)
                r = emit(w, w->raw, w->raw_len, err);
        w->raw_len = 0;
        return r;
}

static int
keep(struct tar_split_writer *w, const uint8_t *p, size_t len, struct berr **err)
{
        while (len > 0) {
                size_t n = RAW_CHUNK - w->raw_len;
                int r;

                if (n > len)
                        n = len;
                memcpy(w->raw + w->raw_len, p, n);
                w->raw_len += n;
                p += n;
                len -= n;
                if (w->raw_len == RAW_CHUNK) {
                        r = flush_raw(w, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int
emit_file(struct tar_split_writer *w, const char *path, uint64_t size, struct berr **err)
{
        uint8_t type = REC_FILE;
        size_t n = strlen(path);
        int r = flush_raw(w, err);

        if (r >= 0)
                r = emit(w, &type, 1, err);
        if (r >= 0)
                r = emit_varint(w, n, err);
        if (r >= 0)
                r = emit(w, path, n, err);
        if (r >= 0)
                r = emit_varint(w, size, err);
        return r;
}

/* ------------------------------------------------------------ the walker */

static void
forget_entry(struct tar_split_writer *w)
{
        free(w->pax_path);
        free(w->long_name);
        w->pax_path = w->long_name = NULL;
        w->pax_size_set = w->pax_sparse = false;
        w->pax_size = 0;
}

/* From here on everything is kept verbatim. */
static void
give_up(struct tar_split_writer *w)
{
        w->state = WALK_RAW;
        forget_entry(w);
}

/*
 * path as the extractor makes it relative to the layer: "/", "." and empty
 * elements dropped. NULL (the entry is kept verbatim) when it names no
 * file the layer can hold: ".." anywhere, the root, a name ending in "/"
 * that readers take for a directory. *ret_enomem when memory ran out.
 */
static char *
file_path(const char *raw, bool *ret_enomem)
{
        char *p;

        *ret_enomem = false;
        if (!*raw || raw[strlen(raw) - 1] == '/')
                return NULL;
        p = tar_clean_path(raw, ret_enomem);
        if (p && !*p) {
                free(p);
                return NULL;
        }
        return p;
}

/* The entry's name: pax "path", else a GNU long name, else the ustar name (and prefix). */
static char *
entry_name(struct tar_split_writer *w)
{
        if (w->pax_path)
                return strdup(w->pax_path);
        if (w->long_name)
                return strdup(w->long_name);
        return tar_header_name(w->hdr);
}

static bool
startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int meta_done(struct tar_split_writer *w, struct berr **err);

/* A header block is complete. */
static int
header(struct tar_split_writer *w, struct berr **err)
{
        const uint8_t *h = w->hdr;
        uint64_t size = 0;
        char type = (char)h[156];
        _cleanup_free_ char *raw_name = NULL, *path = NULL;
        const char *base;
        bool enomem = false;

        if (tar_block_is_zero(h)) {
                /* the end-of-archive marker: readers stop here, the rest stays as it is */
                give_up(w);
                return 0;
        }
        if (!tar_checksum_ok(h) || !tar_number(h + 124, 12, &size)) {
                give_up(w);
                return 0;
        }
        w->pad = tar_padding(size);
        if (type == 'x' || type == 'L') {
                if (size > META_MAX) {
                        give_up(w);
                        return 0;
                }
                if (size > w->meta_alloc) {
                        uint8_t *m = realloc(w->meta, (size_t)size);

                        if (!m)
                                return berr(err, ENOMEM, "tar-split");
                        w->meta = m;
                        w->meta_alloc = (size_t)size;
                }
                w->meta_type = type;
                w->meta_len = 0;
                w->left = size;
                w->state = WALK_META;
                if (size == 0)
                        return meta_done(w, err);
                return 0;
        }
        if (type == 'g' || type == 'K') {
                /* global pax records, a GNU long link name: kept, and they leave the entry's alone
                 */
                w->left = size;
                w->state = size > 0 ? WALK_DATA : WALK_HEADER;
                return 0;
        }
        if (w->pax_size_set)
                size = w->pax_size;
        w->left = size;
        w->pad = tar_padding(size);
        w->state = WALK_DATA;

        if ((type == '0' || type == '\0' || type == '7') && !w->pax_sparse && size > 0) {
                raw_name = entry_name(w);
                if (!raw_name)
                        return berr(err, ENOMEM, "tar-split");
                path = file_path(raw_name, &enomem);
                if (enomem)
                        return berr(err, ENOMEM, "tar-split");
                base = path ? strrchr(path, '/') : NULL;
                base = base ? base + 1 : path;
                /* whiteouts and AUFS metadata do not land in diff/ as files */
                if (path && !startswith(base, ".wh.")) {
                        int r = emit_file(w, path, size, err);

                        if (r < 0)
                                return r;
                        w->state = WALK_FILE;
                }
        }
        forget_entry(w);
        if (size == 0) {
                w->left = w->pad; /* 0 */
                w->state = WALK_HEADER;
        }
        return 0;
}

/* The pax keys the walker needs: path, size and GNU.sparse.*. */
static int
pax_key(void *userdata, const char *key, size_t key_len, const char *value, size_t value_len)
{
        struct tar_split_writer *w = userdata;

        if (key_len == 4 && memcmp(key, "path", 4) == 0) {
                free(w->pax_path);
                w->pax_path = strndup(value, value_len);
                if (!w->pax_path)
                        return -ENOMEM;
        } else if (key_len == 4 && memcmp(key, "size", 4) == 0) {
                if (!tar_pax_number(value, value_len, &w->pax_size))
                        return -EBADMSG;
                w->pax_size_set = true;
        } else if (key_len > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
                w->pax_sparse = true;
        }
        return 0;
}

static int
meta_done(struct tar_split_writer *w, struct berr **err)
{
        int r = 0;

        if (w->meta_type == 'x') {
                r = tar_pax_parse((const char *)w->meta, w->meta_len, pax_key, w);
                if (r == -EBADMSG) {
                        /* what a reader makes of it is not ours to guess */
                        give_up(w);
                        return 0;
                }
                if (r < 0)
                        r = berr(err, -r, "tar-split");
        } else {
                free(w->long_name);
                w->long_name = strndup((const char *)w->meta, w->meta_len);
                if (!w->long_name)
                        r = berr(err, ENOMEM, "tar-split");
        }
        w->meta_len = 0;
        if (r < 0)
                return r;
        w->left = w->pad;
        w->state = w->pad ? WALK_PAD : WALK_HEADER;
        return 0;
}

int
tar_split_writer_feed(struct tar_split_writer *w, const void *buf, size_t len, struct berr **err)
{
        const uint8_t *p = buf;
        int r = 0;

        if (w->finished)
                return berr(err, EINVAL, "tar-split: fed after the end");
        w->total += len;
        while (len > 0 && r >= 0) {
                size_t n = len;

                if (w->state == WALK_HEADER)
                        n = BLOCK - w->hdr_len;
                else if (w->state != WALK_RAW && w->left < n)
                        n = (size_t)w->left;
                if (n > len)
                        n = len;

                switch (w->state) {
                case WALK_HEADER:
                        memcpy(w->hdr + w->hdr_len, p, n);
                        w->hdr_len += n;
                        r = keep(w, p, n, err);
                        if (r >= 0 && w->hdr_len == BLOCK) {
                                w->hdr_len = 0;
                                r = header(w, err);
                        }
                        break;
                case WALK_META:
                        memcpy(w->meta + w->meta_len, p, n);
                        w->meta_len += n;
                        w->left -= n;
                        r = keep(w, p, n, err);
                        if (r >= 0 && w->left == 0)
                                r = meta_done(w, err);
                        break;
                case WALK_FILE:
                        /* the bytes are in diff/: only their count is kept */
                        w->left -= n;
                        if (w->left == 0) {
                                w->left = w->pad;
                                w->state = w->pad ? WALK_PAD : WALK_HEADER;
                        }
                        break;
                case WALK_DATA:
                        w->left -= n;
                        r = keep(w, p, n, err);
                        if (w->left == 0) {
                                w->left = w->pad;
                                w->state = w->pad ? WALK_PAD : WALK_HEADER;
                        }
                        break;
                case WALK_PAD:
                        w->left -= n;
                        r = keep(w, p, n, err);
                        if (w->left == 0)
                                w->state = WALK_HEADER;
                        break;
                case WALK_RAW:
                        r = keep(w, p, n, err);
                        break;
                }
                p += n;
                len -= n;
        }
        return r < 0 ? r : 0;
}

int
tar_split_tap(void *writer, const void *buf, size_t len, struct berr **err)
{
        return tar_split_writer_feed(writer, buf, len, err);
}

int
tar_split_writer_new(int fd, struct tar_split_writer **ret, struct berr **err)
{
        _cleanup_(tar_split_writer_freep) struct tar_split_writer *w = NULL;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return berr(err, ENOMEM, "tar-split");
        w->fd = fd;
        w->zc = ZSTD_createCStream();
        w->zout = malloc(Z_BUF);
        w->raw = malloc(RAW_CHUNK);
        if (!w->zc || !w->zout || !w->raw)
                return berr(err, ENOMEM, "tar-split");
        /*
         * A small window: what repeats in a recording (headers, padding) is
         * close by, and a reader then needs little memory too.
         */
        if (ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_compressionLevel, 1)) ||
            ZSTD_isError(ZSTD_CCtx_setParameter(w->zc, ZSTD_c_windowLog, 17)))
                return berr(err, EINVAL, "tar-split: zstd parameters");
        r = emit(w, TS_MAGIC, TS_MAGIC_LEN, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

int
tar_split_writer_finish(struct tar_split_writer *w, struct berr **err)
{
        uint8_t type = REC_END;
        int r;

        if (w->finished)
                return 0;
        r = flush_raw(w, err);
        if (r >= 0)
                r = emit(w, &type, 1, err);
        if (r >= 0)
                r = emit_varint(w, w->total, err);
        if (r >= 0)
                r = z_run(w, NULL, 0, ZSTD_e_end, err);
        if (r < 0)
                return r;
        w->finished = true;
        return 0;
}

struct tar_split_writer *
tar_split_writer_free(struct tar_split_writer *w)
{
        if (!w)
                return NULL;
        ZSTD_freeCStream(w->zc);
        forget_entry(w);
        free(w->zout);
        free(w->raw);
        free(w->meta);
        free(w);
        return NULL;
}

/* ------------------------------------------------------------ the rebuild */

struct reader {
        int fd;
        ZSTD_DStream *zd;
        uint8_t *in;
        size_t in_len, in_pos;
        bool in_eof;
        uint8_t *out;
        size_t out_len, out_pos;
        size_t zhint; /* 0 at the end of a frame */
};

static void
reader_done(struct reader *r)
{
        ZSTD_freeDStream(r->zd);
        free(r->in);
        free(r->out);
}

static int
damaged(struct berr **err, const char *why)
{
        (void)berr(err, 0, "tar-split: %s", why);
        return -EBADMSG;
}

/* Refill r->out; 0 with r->out_len == 0 at the end of the recording. */
static int
refill(struct reader *r, struct berr **err)
{
        r->out_len = r->out_pos = 0;
        for (;;) {
                ZSTD_outBuffer out = {.dst = r->out, .size = Z_BUF};
                ZSTD_inBuffer in;
                size_t z;

                if (r->in_pos == r->in_len && !r->in_eof) {
                        ssize_t n;

                        do
                                n = read(r->fd, r->in, Z_BUF);
                        while (n < 0 && errno == EINTR);
                        if (n < 0)
                                return berr(err, errno, "read tar-split");
                        r->in_len = (size_t)n;
                        r->in_pos = 0;
                        r->in_eof = n == 0;
                }
                if (r->in_pos == r->in_len && r->in_eof) {
                        if (r->zhint != 0)
                                return damaged(err, "cut short");
                        return 0;
                }
                in = (ZSTD_inBuffer){.src = r->in, .size = r->in_len, .pos = r->in_pos};
                z = ZSTD_decompressStream(r->zd, &out, &in);
                r->in_pos = in.pos;
                if (ZSTD_isError(z))
                        return damaged(err, ZSTD_getErrorName(z));
                r->zhint = z;
                if (out.pos > 0) {
                        r->out_len = out.pos;
                        return 0;
                }
        }
}

/* The next n bytes of the recording, in pieces: to sink, or into buf when sink is NULL. */
static int
take(struct reader *r, uint8_t *buf, uint64_t n, tar_split_sink sink, void *userdata,
     struct berr **err)
{
        while (n > 0) {
                size_t k;
                int q;

                if (r->out_pos == r->out_len) {
                        q = refill(r, err);
                        if (q < 0)
                                return q;
                        if (r->out_len == 0)
                                return damaged(err, "cut short");
                }
                k = r->out_len - r->out_pos;
                if (k > n)
                        k = (size_t)n;
                if (sink) {
                        q = sink(userdata, r->out + r->out_pos, k, err);
                        if (q < 0)
                                return q;
                } else {
                        memcpy(buf, r->out + r->out_pos, k);
                        buf += k;
                }
                r->out_pos += k;
                n -= k;
        }
        return 0;
}

static int
take_varint(struct reader *r, uint64_t *ret, struct berr **err)
{
        uint64_t v = 0;

        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t b;
                int q = take(r, &b, 1, NULL, NULL, err);

                if (q < 0)
                        return q;
                v |= (uint64_t)(b & 0x7f) << shift;
                if (!(b & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return damaged(err, "a number too long");
}

/* O_NOFOLLOW one element at a time, for kernels without openat2 */
static int
open_walk(int dirfd, const char *path)
{
        _cleanup_close_ int cur = -EBADF;
        const char *p = path;

        for (;;) {
                const char *slash = strchr(p, '/');
                _cleanup_free_ char *name = slash ? strndup(p, (size_t)(slash - p)) : strdup(p);
                int fd;

                if (!name)
                        return -ENOMEM;
                if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                        return -EXDEV;
                if (!slash) {
                        fd = openat(cur >= 0 ? cur : dirfd, name,
                                    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                        return fd < 0 ? -errno : fd;
                }
                fd = openat(cur >= 0 ? cur : dirfd, name,
                            O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                closep(&cur);
                cur = fd;
                p = slash + 1;
        }
}

/*
 * path beneath dirfd, never through a symlink. O_NONBLOCK: a fifo left
 * where a file was recorded must not block the open (fstat then tells).
 */
static int
open_beneath(int dirfd, const char *path)
{
        struct open_how how = {
                .flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int fd = -1;

        for (int i = 0; i < 16; i++) {
                fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                if (fd >= 0 || (errno != EINTR && errno != EAGAIN))
                        break;
        }
        if (fd >= 0)
                return fd;
        if (errno == ENOSYS || errno == EPERM) /* no openat2, or a seccomp filter that refuses it */
                return open_walk(dirfd, path);
        return -errno;
}

static int
copy_file(int diff_fd, const char *path, uint64_t size, uint8_t *buf, tar_split_sink sink,
          void *userdata, struct berr **err)
{
        _cleanup_close_ int fd = open_beneath(diff_fd, path);
        struct stat st;

        if (fd == -ENOMEM)
                return berr(err, ENOMEM, "tar-split");
        if (fd < 0) {
                (void)berr(err, -fd, "tar-split: '%s' is not in the layer", path);
                return -EBADMSG;
        }
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat '%s'", path);
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
                (void)berr(err, 0, "tar-split: '%s' is no longer the file of %llu bytes recorded",
                           path, (unsigned long long)size);
                return -EBADMSG;
        }
        while (size > 0) {
                size_t want = size < IO_BUF ? (size_t)size : IO_BUF;
                ssize_t n = read(fd, buf, want);
                int r;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read '%s'", path);
                if (n == 0) {
                        (void)berr(err, 0, "tar-split: '%s' is shorter than recorded", path);
                        return -EBADMSG;
                }
                r = sink(userdata, buf, (size_t)n, err);
                if (r < 0)
                        return r;
                size -= (uint64_t)n;
        }
        return 0;
}

struct counting {
        tar_split_sink sink;
        void *userdata;
        uint64_t total;
};

static int
count_sink(void *userdata, const void *buf, size_t len, struct berr **err)
{
        struct counting *c = userdata;

        c->total += len;
        return c->sink(c->userdata, buf, len, err);
}

int
tar_split_rebuild(int fd, int diff_fd, tar_split_sink sink, void *userdata, uint64_t *ret_size,
                  struct berr **err)
{
        struct reader r = {.fd = fd};
        struct counting c = {.sink = sink, .userdata = userdata};
        _cleanup_free_ uint8_t *buf = NULL; /* for file contents, when there are any */
        _cleanup_free_ char *path = NULL;
        uint8_t magic[TS_MAGIC_LEN];
        int q;

        r.zd = ZSTD_createDStream();
        r.in = malloc(Z_BUF);
        r.out = malloc(Z_BUF);
        r.zhint = 1;
        if (!r.zd || !r.in || !r.out) {
                reader_done(&r);
                return berr(err, ENOMEM, "tar-split");
        }
        q = take(&r, magic, TS_MAGIC_LEN, NULL, NULL, err);
        if (q >= 0 && memcmp(magic, TS_MAGIC, TS_MAGIC_LEN) != 0)
                q = damaged(err, "not a berth tar-split");
        while (q >= 0) {
                uint64_t len = 0, size = 0;
                uint8_t type;

                q = take(&r, &type, 1, NULL, NULL, err);
                if (q < 0)
                        break;
                if (type == REC_END) {
                        q = take_varint(&r, &size, err);
                        if (q >= 0 && size != c.total)
                                q = damaged(err, "the total does not add up");
                        break;
                }
                q = take_varint(&r, &len, err);
                if (q < 0)
                        break;
                if (type == REC_RAW) {
                        q = take(&r, NULL, len, count_sink, &c, err);
                        continue;
                }
                if (type != REC_FILE) {
                        q = damaged(err, "unknown record");
                        break;
                }
                if (len == 0 || len > PATH_LEN_MAX) {
                        q = damaged(err, "bad path length");
                        break;
                }
                free(path);
                path = malloc(len + 1);
                if (!path) {
                        q = berr(err, ENOMEM, "tar-split");
                        break;
                }
                q = take(&r, (uint8_t *)path, len, NULL, NULL, err);
                if (q >= 0)
                        q = take_varint(&r, &size, err);
                if (q < 0)
                        break;
                path[len] = '\0';
                if (strlen(path) != len) {
                        q = damaged(err, "a path with a NUL");
                        break;
                }
                if (!buf && !(buf = malloc(IO_BUF))) {
                        q = berr(err, ENOMEM, "tar-split");
                        break;
                }
                q = copy_file(diff_fd, path, size, buf, count_sink, &c, err);
        }
        reader_done(&r);
        if (q < 0)
                return q;
        if (ret_size)
                *ret_size = c.total;
        return 0;
}
