/*
 * storage/tar-split.h: what it takes to write a layer's tar again, byte
 * for byte, from its extracted directory (private to storage/). As a layer
 * streams in, every byte of its uncompressed tar is kept but the contents
 * of plain regular files, which are kept as references instead (the path
 * and the size: the bytes are in diff/ already). `save` rebuilds the tar
 * from that and diff/, so the layer keeps its diff id and the image its id
 * (the idea of containers/storage's tar-split, in a format of berth's own).
 *
 * The file is zstd-compressed; inside, after the magic "BERTHTS1",
 * records of one type byte and LEB128 numbers:
 *
 *   0x01 len bytes        bytes of the tar, verbatim
 *   0x02 len path size    size bytes: the file diff/path (a clean relative path)
 *   0x03 total            the end: the tar was total bytes
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct berr;

#define TAR_SPLIT_FILE "tar-split.zst"

struct tar_split_writer;

/* Record into fd (not owned, not closed), from its current offset. */
int tar_split_writer_new(int fd, struct tar_split_writer **ret, struct berr **err);

/*
 * The next bytes of the uncompressed tar, in pieces of any size. Headers
 * are walked as a tar reader walks them (512-byte blocks; ustar name and
 * prefix, pax "path", "size" and GNU.sparse.* keys, GNU 'L' long names);
 * only the contents of plain regular files ('0', '\0', '7', not sparse,
 * with a path that stays in the layer) become references. Anything the
 * walker does not understand, and everything from the end-of-archive
 * marker on, is kept verbatim: the recording is always exact, at worst
 * larger. Fails only on I/O and memory.
 */
int tar_split_writer_feed(struct tar_split_writer *w, const void *buf, size_t len,
                          struct berr **err);

/* tar_split_writer_feed() in the shape of a layer_stream_tap (decompress.h) */
int tar_split_tap(void *writer, const void *buf, size_t len, struct berr **err);

/* The end of the stream: the last records, flushed to the fd. */
int tar_split_writer_finish(struct tar_split_writer *w, struct berr **err);

struct tar_split_writer *tar_split_writer_free(struct tar_split_writer *w);

static inline void
tar_split_writer_freep(struct tar_split_writer **w)
{
        *w = tar_split_writer_free(*w);
}

/* Where the rebuilt tar goes: len bytes at buf. Returns 0 or < 0 to stop. */
typedef int (*tar_split_sink)(void *userdata, const void *buf, size_t len, struct berr **err);

/*
 * Rebuild the tar recorded in fd (read from its current offset) with the
 * file contents read from beneath diff_fd (openat2 RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS, or an O_NOFOLLOW walk where there is no openat2),
 * handing every piece to sink in order. *ret_size (optional): the bytes
 * handed out.
 *
 * -EBADMSG when diff/ does not hold what was recorded (a file missing, not
 * a regular file, or of another size), or the recording is damaged: the
 * caller then writes a fresh tar instead. Other errors are the sink's, or
 * I/O. The bytes of a file are not checked here: the caller hashes the
 * whole stream against the diff id.
 */
int tar_split_rebuild(int fd, int diff_fd, tar_split_sink sink, void *userdata, uint64_t *ret_size,
                      struct berr **err);
