/*
 * storage/decompress.h: a layer blob as a stream of uncompressed bytes,
 * hashed on both sides as it goes (private to storage/). Memory is bounded:
 * two 128 KiB buffers and the decompressor's state (zstd's window is capped
 * at its default limit, 128 MiB, for hostile frames).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "extract.h"
#include "util/digest.h"

struct layer_stream;

/*
 * Read from fd (not owned), compressed as c (LAYER_DETECT or
 * _LAYER_COMPRESSION_INVALID: look at the first bytes). max_out: refuse
 * more uncompressed bytes than this, 0 for no limit.
 */
int layer_stream_new(int fd, enum layer_compression c, uint64_t max_out, struct layer_stream **ret,
                     struct berr **err);

/*
 * The same, reading only bytes [offset, offset + length) of fd (a file,
 * read with pread(): fd's own offset stays), as if they were all of it:
 * a member of an archive.
 */
int layer_stream_new_range(int fd, uint64_t offset, uint64_t length, enum layer_compression c,
                           uint64_t max_out, struct layer_stream **ret, struct berr **err);
struct layer_stream *layer_stream_free(struct layer_stream *s);

static inline void
layer_stream_freep(struct layer_stream **s)
{
        *s = layer_stream_free(*s);
}

/*
 * The next uncompressed bytes: *ret_buf stays valid until the next call.
 * *ret_len is 0 at the end of the stream. Returns 0 or < 0 (the stream is
 * then unusable, but for layer_stream_drain_raw()).
 */
int layer_stream_read(struct layer_stream *s, const void **ret_buf, size_t *ret_len,
                      struct berr **err);

/*
 * Have fn(userdata, buf, len, err) see every uncompressed byte, in order,
 * as layer_stream_read() hands it out (a tar-split recorder). A tap that
 * fails fails the read. Set it before the first read.
 */
typedef int (*layer_stream_tap)(void *userdata, const void *buf, size_t len, struct berr **err);
void layer_stream_set_tap(struct layer_stream *s, layer_stream_tap fn, void *userdata);

/* Read, decompress and hash everything left. */
int layer_stream_drain(struct layer_stream *s, struct berr **err);

/*
 * After a failure: read and hash what is left of fd without decompressing,
 * so that the blob's digest can tell whether the blob was at fault.
 */
int layer_stream_drain_raw(struct layer_stream *s, struct berr **err);

/* The compression in use (after detection). */
enum layer_compression layer_stream_compression(const struct layer_stream *s);

/*
 * At the end of the stream: the digest of the bytes read and of the bytes
 * produced (diff_id may be NULL: after layer_stream_drain_raw() it is not
 * known), and their counts.
 */
int layer_stream_finish(struct layer_stream *s, char digest[DIGEST_STRING_MAX],
                        char diff_id[DIGEST_STRING_MAX], uint64_t *ret_in, uint64_t *ret_out);
