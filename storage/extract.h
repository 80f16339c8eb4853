/*
 * storage/extract.h: one image layer, from its blob to a directory (private
 * to storage/). The blob is read once, as a stream: its digest and its
 * uncompressed digest (the config's diff-id) are computed while it is
 * decompressed and extracted, so a pull needs no second pass over the bytes.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

struct berr;
struct tar_split_writer;

/*
 * How a layer blob is compressed. LAYER_DETECT (zero, so a zeroed
 * extract_opts detects) and _LAYER_COMPRESSION_INVALID both mean: look at
 * the magic bytes (gzip 1f 8b, zstd 28 b5 2f fd or a skippable frame,
 * anything else is a tar).
 */
enum layer_compression {
        LAYER_DETECT,
        LAYER_UNCOMPRESSED,
        LAYER_GZIP,
        LAYER_ZSTD,
        _LAYER_COMPRESSION_MAX,
        _LAYER_COMPRESSION_INVALID = -EINVAL,
};

/*
 * The compression a layer media type names: OCI's ...layer.v1.tar,
 * ...tar+gzip, ...tar+zstd (also the deprecated nondistributable ones) and
 * Docker's ...rootfs.diff.tar.gzip, ...rootfs.foreign.diff.tar.gzip (and
 * .diff.tar, .diff.tar.zstd). Anything else (NULL, encrypted layers,
 * unknown types) is _LAYER_COMPRESSION_INVALID.
 */
enum layer_compression layer_compression_from_media_type(const char *media_type);

/* "none", "gzip", "zstd", "detect"; NULL when c is out of range. */
const char *layer_compression_to_string(enum layer_compression c);

struct extract_opts {
        /* for messages, e.g. "docker.io/library/busybox:1.36 layer sha256:3f4e…"; NULL: "layer" */
        const char *what;
        const char *expect_digest;  /* "sha256:…" of the blob as read, or NULL */
        const char *expect_diff_id; /* "sha256:…" of the uncompressed tar, or NULL */
        enum layer_compression compression;
        /*
         * Refuse block and character devices (an unprivileged user may not
         * make them; 0/0 character devices, overlay whiteouts, stay allowed).
         */
        bool rootless;
        uint64_t max_bytes_out;  /* refuse a layer larger than this uncompressed; 0: no limit */
        uint64_t *ret_bytes_in;  /* optional: bytes read from fd */
        uint64_t *ret_bytes_out; /* optional: bytes of the uncompressed tar */
        /*
         * Optional: record the uncompressed tar's tar-split as it streams
         * (tar-split.h), finished when the whole stream was read.
         */
        struct tar_split_writer *tar_split;
        /*
         * The blob is bytes [in_offset, in_offset + in_length) of fd, a
         * file read with pread() (a member of an archive), not all of fd.
         */
        bool in_range;
        uint64_t in_offset, in_length;
};

/*
 * Read a layer blob from fd (a file or a pipe, read to EOF, or the range
 * opts names; not closed) and
 * extract it into dirfd, an empty directory (O_PATH is enough; not
 * closed). opts may be NULL (detect, no digests checked).
 *
 * Entries are created relative to dirfd and never through a symlink:
 * leading "/" and "./" are dropped (as Docker does), a ".." element is
 * refused, a parent that is a symlink or not a directory is refused, hard
 * links must name something this layer already made. Ownership, modes
 * (setuid too), times, security.capability and user.* xattrs, sparse files,
 * hard links, device nodes and fifos are kept; other xattrs are skipped
 * (security.selinux, system.*, trusted.*: they belong to the host), and
 * overlayfs' own (trusted.overlay.*, user.overlay.*) are refused. Names are
 * the tar's bytes as they are (what Docker makes of them too): libarchive
 * leaves them so in the C locale, which berth never leaves (no
 * setlocale()). OCI whiteouts become overlayfs ones:
 * ".wh.NAME" a 0/0 character device NAME (skipped when this layer itself
 * has NAME: a whiteout only hides lower layers), ".wh..wh..opq" the xattr
 * trusted.overlay.opaque=y on its directory. Docker's AUFS metadata
 * (".wh..wh.*" at the top, but the opaque marker) is skipped.
 *
 * The tar ends at its end-of-archive marker; the rest of the stream is read
 * and hashed too, since the digests cover it. A digest, or the diff-id,
 * that does not match is an error ("digest mismatch: got sha256:…,
 * expected sha256:…"); a tar or decompression error on a blob whose digest
 * does not match reports the digest mismatch (the blob is what is wrong).
 *
 * Returns 0, or < 0 with *err naming opts->what, the entry and the rule it
 * broke. On failure dirfd holds a partial layer: the caller removes the
 * directory (rm_rf_at()) and must never use it.
 */
int layer_extract_fd(int fd, int dirfd, const struct extract_opts *opts, struct berr **err);
