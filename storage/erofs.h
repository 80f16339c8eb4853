/*
 * storage/erofs.h: an extracted layer as one EROFS image file (private to
 * storage/), for the shared layer store: one file per layer instead of
 * thousands is what the metadata servers of NFS, Lustre and GPFS need.
 * The image is built from the layer's directory with Debian's mkfs.erofs
 * (erofs-utils), mounted read-only (through a loop device, else straight
 * from the file where the kernel can, 6.12 on) and stacked as an overlay
 * lowerdir. The layer's overlayfs layout goes into the image as it
 * is: whiteouts stay 0/0 character devices, opaque directories keep
 * trusted.overlay.opaque=y, and the overlay over the mount reads them.
 * Mounting needs root (EROFS cannot be mounted in a user namespace).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct berr;

/* The superblock's magic, at byte 1024 of the image. */
#define EROFS_SUPER_MAGIC_V1 0xE0F5E1E2U
#define EROFS_SUPER_OFFSET 1024
/* The most of the image's start erofs_super_parse() looks at: the superblock's whole block. */
#define EROFS_SUPER_READ_MAX (EROFS_SUPER_OFFSET + (1U << 16))

/* What an image's superblock says, and the file's size. */
struct erofs_super_info {
        uint64_t file_size;        /* bytes of the file */
        uint32_t block_size;       /* bytes, 512 to 64 KiB */
        uint64_t blocks;           /* blocks of the image: block_size * blocks <= file_size */
        uint64_t inodes;           /* inodes in use */
        uint32_t feature_compat;   /* EROFS_FEATURE_COMPAT_* bits */
        uint32_t feature_incompat; /* EROFS_FEATURE_INCOMPAT_* bits (the kernel checks them) */
        uint8_t uuid[16];
};

/* erofs_build() flags */
enum {
        /*
         * Compress file data with LZ4 (high-compression level: slower to
         * build, as fast to read), in 4 KiB clusters, with file tails packed
         * beside their inodes. Smaller images; needs Linux 5.17 or newer.
         */
        EROFS_BUILD_LZ4 = 1 << 0,
        /*
         * Read no xattrs (mkfs.erofs -x -1): for a tree on a file system
         * that has none to give (sshfs: listxattr is EOPNOTSUPP), which
         * mkfs.erofs would otherwise refuse.
         */
        EROFS_BUILD_NO_XATTRS = 1 << 1,
};

/*
 * Build dst_file, an EROFS image of the tree under src_dir, with
 * mkfs.erofs (found on $PATH; missing, the error names the erofs-utils
 * package). Owners, modes (setuid too), mtimes (to the nanosecond),
 * xattrs (trusted.* included: overlayfs' opaque marker), hard links,
 * symlinks, device nodes and fifos are kept. File data is stored
 * uncompressed unless flags has EROFS_BUILD_LZ4: reading a file is then
 * reading its blocks, nothing to decompress, and a small file's data sits
 * beside its inode (one read for both). The same tree gives the same bytes
 * on any node, whenever it is built: the image's creation time is fixed
 * and its UUID derived from dst_file's name (each layer's own UUID, so
 * overlayfs never sees two lower layers with one UUID). A tree with an
 * mtime before 1970 or after the year 9999 is the exception: its mtimes
 * are kept all the same, and its image carries the time it was built.
 *
 * mkfs.erofs writes into ".NAME.tmp-XXXXXX" beside dst_file (created with
 * O_EXCL, mode 0644), which is checked (erofs_probe()), fsynced and renamed
 * over dst_file: a crash or a failure never leaves a partial image under
 * dst_file's name. The temp file is removed on failure; after a crash it
 * stays for the store's cleanup to remove. Returns 0 or < 0 with *err set
 * (mkfs.erofs's own last words in it when it failed).
 */
int erofs_build(const char *src_dir, const char *dst_file, unsigned flags, struct berr **err);

/*
 * Check that image is an EROFS image whole enough to mount: a regular
 * file (not followed when a symlink) with the EROFS magic, a block size of
 * 512 bytes to 64 KiB, a superblock whose checksum (when it has one)
 * matches, no extra devices, and at least as many bytes as its superblock
 * counts. A half-written, truncated or foreign file is refused. ret may be
 * NULL; it is filled only on success.
 */
int erofs_probe(const char *image, struct erofs_super_info *ret, struct berr **err);

/*
 * erofs_probe() on buf, the first len bytes of an image of file_size
 * bytes (EROFS_SUPER_READ_MAX are enough, fewer when the file is shorter).
 * Reads nothing else; for the fuzzer and for callers that read the bytes
 * themselves.
 */
int erofs_super_parse(const void *buf, size_t len, uint64_t file_size, struct erofs_super_info *ret,
                      struct berr **err);

/*
 * Mount image (probed first) read-only on mountpoint, an existing
 * directory, through a loop device (erofs_mount_loop()); when no loop
 * device can be had (none in this container, none free, not allowed),
 * straight from the file where the kernel can (erofs_mount_file()). The
 * mount is also nosuid and nodev: the mountpoint is a path on the host,
 * and a layer's setuid binaries and device nodes must not work there. An
 * overlay stacked on it applies its own mount's flags, so they still work
 * inside a container whose root allows them.
 *
 * Loop first because it reads faster: the kernel reads ahead on the
 * device, while EROFS mounted from a file reads its metadata one block at
 * a time (1,000 small files from a cold cache: ten times as long on a
 * local disk, no faster on sshfs).
 */
int erofs_mount(const char *image, const char *mountpoint, struct berr **err);

/*
 * erofs_mount() through a loop device always: a free one
 * (/dev/loop-control), configured read-only and autoclear in one step
 * (LOOP_CONFIGURE; LOOP_SET_FD and LOOP_SET_STATUS64 on kernels before
 * 5.8), the image's fd bound to it, so what is mounted is the file that
 * was probed. Another process that takes the same device first makes it
 * try the next free one. The loop device is freed by the kernel when the
 * mount goes (autoclear); nothing else holds it.
 */
int erofs_mount_loop(const char *image, const char *mountpoint, struct berr **err);

/*
 * erofs_mount() straight from the file, no loop device: Linux 6.12 and
 * later (CONFIG_EROFS_FS_BACKED_BY_FILE); before, -ENOTBLK. The mount's
 * source in /proc/self/mountinfo is the image's path. One page cache
 * instead of two, but slower cold reads (see erofs_mount()).
 */
int erofs_mount_file(const char *image, const char *mountpoint, struct berr **err);

/*
 * Unmount what erofs_mount() mounted on mountpoint (not followed when a
 * symlink). Its loop device, if it has one, is freed when the last user of
 * the file system goes: now, unless an overlay or another mount namespace
 * still holds it.
 */
int erofs_umount(const char *mountpoint, struct berr **err);
