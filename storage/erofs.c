/*
 * storage/erofs.c: layers as EROFS images: built by mkfs.erofs (an argv,
 * never a shell), checked by reading the superblock, mounted read-only
 * through a loop device or from the file itself.
 *
 * Why these mkfs.erofs options (erofs-utils 1.5, Debian 12, and later):
 * - no -z: file data stays uncompressed, so a read is a read of the
 *   image's blocks, with nothing to decompress; small files are inlined
 *   beside their inode (mkfs.erofs's default for uncompressed data), one
 *   read for both. EROFS_BUILD_LZ4 trades that for smaller images.
 * - no --all-root, --force-uid/gid: a layer's owners are the image's.
 * - no -T: it sets every file's mtime to the given time. Instead
 *   SOURCE_DATE_EPOCH fixes the image's creation time, and mkfs.erofs
 *   then only clamps mtimes later than it; the end of the year 9999
 *   clamps nothing real. But it compares unsigned, so an mtime before
 *   1970 would be clamped too: a tree that has one is built without
 *   SOURCE_DATE_EPOCH (every mtime exact, the image not reproducible).
 *   --preserve-mtime keeps each file's own mtime (extended inodes) even
 *   on versions whose default drops it.
 * - -U: a UUID derived from the image's name, not a random one, so the
 *   same layer gives the same bytes on every node (two nodes publishing
 *   it at once write identical files), and every layer has its own
 *   (overlayfs turns index/nfs_export off when two lowers share a UUID).
 * - xattrs: mkfs.erofs's defaults keep all of them, trusted.* included.
 */
#include "erofs.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <libgen.h>
#include <linux/loop.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define MKFS_EROFS "mkfs.erofs"
#define MKFS_PACKAGE "erofs-utils"
/* when $PATH is unset: what a login shell of root would have */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* 9999-12-31T23:59:59Z: the image's creation time; mkfs.erofs clamps later mtimes to it */
#define EPOCH_MAX 253402300799LL
#define SOURCE_DATE_EPOCH "SOURCE_DATE_EPOCH=253402300799"
/* how much of mkfs.erofs's output is kept for a message */
#define MKFS_OUTPUT_MAX (64U << 10)
#define MKFS_MESSAGE_MAX 300

#define EROFS_FEATURE_COMPAT_SB_CHKSUM 0x00000001U
#define EROFS_FEATURE_INCOMPAT_48BIT 0x00000080U
#define EROFS_BLKSZBITS_MIN 9
#define EROFS_BLKSZBITS_MAX 16
#define EROFS_SUPER_SIZE 128

/* the superblock's fields: byte offsets from EROFS_SUPER_OFFSET */
#define SB_MAGIC 0
#define SB_CHECKSUM 4
#define SB_FEATURE_COMPAT 8
#define SB_BLKSZBITS 12
#define SB_ROOT_NID_OR_BLOCKS_HI 14
#define SB_INOS 16
#define SB_BLOCKS_LO 36
#define SB_UUID 48
#define SB_FEATURE_INCOMPAT 80
#define SB_EXTRA_DEVICES 86

/* LOOP_CTL_GET_FREE and LOOP_CONFIGURE losing a race to another process: try again */
#define LOOP_TRIES 64

static uint16_t
le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
le64(const uint8_t *p)
{
        return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/*
 * CRC-32C (Castagnoli, reflected), without the final inversion: what the
 * kernel's crc32c(~0, ...) computes over the superblock.
 */
static uint32_t
crc32c(uint32_t crc, const uint8_t *p, size_t len)
{
        uint32_t table[256];

        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;

                for (int k = 0; k < 8; k++)
                        c = c & 1 ? (c >> 1) ^ 0x82F63B78U : c >> 1;
                table[i] = c;
        }
        for (size_t i = 0; i < len; i++)
                crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
        return crc;
}

int
erofs_super_parse(const void *buf, size_t len, uint64_t file_size, struct erofs_super_info *ret,
                  struct berr **err)
{
        const uint8_t *sb = (const uint8_t *)buf + EROFS_SUPER_OFFSET;
        struct erofs_super_info info = {.file_size = file_size};
        unsigned bits;
        size_t crc_len;

        if (file_size < EROFS_SUPER_OFFSET + EROFS_SUPER_SIZE)
                return berr(err, 0, "not an EROFS image: %llu bytes, too short",
                            (unsigned long long)file_size);
        if (len < EROFS_SUPER_OFFSET + EROFS_SUPER_SIZE || len > file_size)
                return berr(err, 0,
                            "the first %zu bytes of a file of %llu cannot hold its superblock", len,
                            (unsigned long long)file_size);
        if (le32(sb + SB_MAGIC) != EROFS_SUPER_MAGIC_V1)
                return berr(err, 0, "not an EROFS image: no EROFS magic at byte %d",
                            EROFS_SUPER_OFFSET);
        bits = sb[SB_BLKSZBITS];
        if (bits < EROFS_BLKSZBITS_MIN || bits > EROFS_BLKSZBITS_MAX)
                return berr(err, 0, "EROFS image with a block size of 2^%u bytes: not supported",
                            bits);
        info.block_size = 1U << bits;
        info.feature_compat = le32(sb + SB_FEATURE_COMPAT);
        info.feature_incompat = le32(sb + SB_FEATURE_INCOMPAT);

        /*
         * The checksum covers the rest of the superblock's block, from byte
         * 1024 on, with the checksum field as 0 (a block of 1 KiB or less:
         * one block's worth, as the kernel reads it).
         */
        if (info.feature_compat & EROFS_FEATURE_COMPAT_SB_CHKSUM) {
                uint8_t zero[4] = {0};
                uint32_t want = le32(sb + SB_CHECKSUM), got;

                crc_len = info.block_size > EROFS_SUPER_OFFSET
                                  ? info.block_size - EROFS_SUPER_OFFSET
                                  : info.block_size;
                if (len < EROFS_SUPER_OFFSET + crc_len)
                        return berr(err, 0,
                                    "EROFS image truncated: %llu bytes, its superblock's block "
                                    "ends at %zu",
                                    (unsigned long long)file_size, EROFS_SUPER_OFFSET + crc_len);
                got = crc32c(0xFFFFFFFFU, sb, SB_CHECKSUM);
                got = crc32c(got, zero, sizeof(zero));
                got = crc32c(got, sb + SB_CHECKSUM + 4, crc_len - SB_CHECKSUM - 4);
                if (got != want)
                        return berr(err, 0,
                                    "EROFS superblock checksum mismatch: 0x%08x, expected 0x%08x",
                                    got, want);
        }

        /* with 48-bit block addresses the root nid's place holds the count's high bits */
        info.blocks = le32(sb + SB_BLOCKS_LO);
        if (info.feature_incompat & EROFS_FEATURE_INCOMPAT_48BIT)
                info.blocks |= (uint64_t)le16(sb + SB_ROOT_NID_OR_BLOCKS_HI) << 32;
        if (info.blocks == 0)
                return berr(err, 0, "EROFS superblock counts 0 blocks");
        if (info.blocks > file_size >> bits)
                return berr(err, 0, "EROFS image truncated: %llu bytes, its superblock counts %llu",
                            (unsigned long long)file_size, (unsigned long long)info.blocks << bits);
        if (le16(sb + SB_EXTRA_DEVICES) != 0)
                return berr(err, 0,
                            "EROFS image needs %u more devices: berth mounts single-file images "
                            "only",
                            le16(sb + SB_EXTRA_DEVICES));
        info.inodes = le64(sb + SB_INOS);
        memcpy(info.uuid, sb + SB_UUID, sizeof(info.uuid));
        if (ret)
                *ret = info;
        return 0;
}

/* erofs_probe() on an open file; what = its name for messages */
static int
probe_fd(int fd, const char *what, struct erofs_super_info *ret, struct berr **err)
{
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t want, got = 0;
        int r;

        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s", what);
        if (!S_ISREG(st.st_mode))
                return berr(err, 0, "%s: not a regular file", what);
        want = (uint64_t)st.st_size < EROFS_SUPER_READ_MAX ? (size_t)st.st_size
                                                           : EROFS_SUPER_READ_MAX;
        buf = malloc(want ? want : 1);
        if (!buf)
                return berr(err, ENOMEM, "%s", what);
        while (got < want) {
                ssize_t n = pread(fd, buf + got, want - got, (off_t)got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read %s", what);
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        r = erofs_super_parse(buf, got, (uint64_t)st.st_size, ret, err);
        if (r < 0)
                return berr_wrap(err, "%s", what);
        return 0;
}

static int
open_image(const char *image, struct berr **err)
{
        int fd = open(image, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

        if (fd < 0)
                return berr(err, errno, "open EROFS image %s", image);
        return fd;
}

int
erofs_probe(const char *image, struct erofs_super_info *ret, struct berr **err)
{
        _cleanup_close_ int fd = open_image(image, err);

        if (fd < 0)
                return fd;
        return probe_fd(fd, image, ret, err);
}

/* The first directory of path_env (absolute ones only) holding an executable mkfs.erofs. */
static int
find_mkfs(const char *path_env, char **ret, struct berr **err)
{
        const char *p, *end;

        if (!path_env)
                path_env = DEFAULT_PATH;
        for (p = path_env; *p; p = *end ? end + 1 : end) {
                _cleanup_free_ char *cand = NULL;
                struct stat st;

                end = strchrnul(p, ':');
                /* an empty or relative element means the current directory: not for root */
                if (end == p || *p != '/')
                        continue;
                if (asprintf(&cand, "%.*s/" MKFS_EROFS, (int)(end - p), p) < 0)
                        return berr(err, ENOMEM, "find " MKFS_EROFS);
                if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
        }
        return berr(err, ENOENT,
                    MKFS_EROFS " is not in $PATH (install the " MKFS_PACKAGE " package)");
}

/* "xxxxxxxx-xxxx-8xxx-axxx-xxxxxxxxxxxx": 122 bits of SHA-256(name), as an RFC 9562 v8 UUID */
static int
uuid_for_name(const char *name, char out[37])
{
        char digest[DIGEST_STRING_MAX];
        uint8_t u[16];
        const char *hex;
        int r;

        r = digest_buffer(name, strlen(name), digest);
        if (r < 0)
                return r;
        hex = digest_hex(digest);
        for (int i = 0; i < 16; i++) {
                unsigned v;

                if (sscanf(hex + 2 * i, "%2x", &v) != 1)
                        return -EINVAL;
                u[i] = (uint8_t)v;
        }
        u[6] = (uint8_t)((u[6] & 0x0f) | 0x80);
        u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
        (void)snprintf(out, 37,
                       "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
                       u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
                       u[13], u[14], u[15]);
        return 0;
}

/*
 * What mkfs.erofs said last, for a message: its last error line ("<E>
 * ..."), else its last line; control bytes as \xNN, at most
 * MKFS_MESSAGE_MAX bytes. Empty when it said nothing.
 */
static void
last_words(int fd, char out[MKFS_MESSAGE_MAX + 8])
{
        _cleanup_free_ char *buf = NULL;
        const char *line = NULL, *p;
        size_t line_len = 0, o = 0;
        struct stat st;
        off_t from;
        ssize_t n;

        out[0] = '\0';
        if (fstat(fd, &st) < 0 || st.st_size <= 0)
                return;
        from = st.st_size > (off_t)MKFS_OUTPUT_MAX ? st.st_size - (off_t)MKFS_OUTPUT_MAX : 0;
        buf = malloc(MKFS_OUTPUT_MAX + 1);
        if (!buf)
                return;
        do
                n = pread(fd, buf, MKFS_OUTPUT_MAX, from);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                return;
        buf[n] = '\0';
        for (p = buf; p < buf + n;) {
                const char *end = memchr(p, '\n', (size_t)(buf + n - p));
                size_t l = end ? (size_t)(end - p) : (size_t)(buf + n - p);
                bool is_error = l >= 3 && strncmp(p, "<E>", 3) == 0;

                /* an error line wins over any later line; among errors, the last */
                if (l > 0 && (is_error || !line || strncmp(line, "<E>", 3) != 0)) {
                        line = p;
                        line_len = l;
                }
                p += l + 1;
        }
        for (size_t i = 0; line && i < line_len && o < MKFS_MESSAGE_MAX; i++) {
                unsigned char c = (unsigned char)line[i];

                if (c < 0x20 || c == 0x7f)
                        o += (size_t)snprintf(out + o, MKFS_MESSAGE_MAX + 8 - o, "\\x%02x", c);
                else
                        out[o++] = (char)c;
        }
        out[o] = '\0';
}

/* Run argv (argv[0] the program's path) with envp, its output kept in a memfd; 0 when it exits 0.
 */
static int
run_mkfs(char *const argv[], char *const envp[], struct berr **err)
{
        _cleanup_close_ int out = -EBADF;
        char words[MKFS_MESSAGE_MAX + 8];
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        pid_t pid;
        int r, st;

        out = memfd_create("berth-mkfs-erofs", MFD_CLOEXEC);
        if (out < 0)
                return berr(err, errno, MKFS_EROFS ": memfd_create");
        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return berr(err, r, MKFS_EROFS ": spawn");
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return berr(err, r, MKFS_EROFS ": spawn");
        }
        /* the caller may block or ignore signals (a signalfd, SIGPIPE); mkfs.erofs gets defaults */
        sigemptyset(&none);
        sigemptyset(&dfl);
        for (int s = 1; s < 32; s++)
                if (s != SIGKILL && s != SIGSTOP)
                        sigaddset(&dfl, s);
        if ((r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
            (r = posix_spawn_file_actions_adddup2(&fa, out, 1)) != 0 ||
            (r = posix_spawn_file_actions_adddup2(&fa, out, 2)) != 0 ||
            (r = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
            (r = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0 ||
            (r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) !=
                    0)
                r = berr(err, r, MKFS_EROFS ": spawn");
        else if ((r = posix_spawn(&pid, argv[0], &fa, &attr, argv, envp)) != 0)
                r = berr(err, r, "run %s", argv[0]);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return r < 0 ? r : -r;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "wait for " MKFS_EROFS);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 0;
        last_words(out, words);
        if (WIFSIGNALED(st))
                return berr(err, 0, MKFS_EROFS " killed by signal %d%s%s", WTERMSIG(st),
                            words[0] ? ": " : "", words);
        return berr(err, 0, MKFS_EROFS " failed (exit status %d)%s%s", WEXITSTATUS(st),
                    words[0] ? ": " : "", words);
}

/*
 * Whether an entry under dir (never followed through a symlink) has an
 * mtime SOURCE_DATE_EPOCH would change: mkfs.erofs compares mtimes with
 * it as unsigned numbers, so one before 1970 is "later" too. What cannot
 * be read is left for mkfs.erofs to report.
 */
static bool
has_mtime_out_of_range(const char *dir)
{
        char *paths[] = {(char *)dir, NULL};
        FTS *fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
        FTSENT *ent;
        bool found = false;

        if (!fts)
                return false;
        while (!found && (ent = fts_read(fts)))
                if (ent->fts_statp && ent->fts_info != FTS_NS && ent->fts_info != FTS_ERR &&
                    ent->fts_info != FTS_DP &&
                    (ent->fts_statp->st_mtime < 0 || ent->fts_statp->st_mtime > EPOCH_MAX))
                        found = true;
        (void)fts_close(fts);
        return found;
}

/* dirname and basename of path, as new strings */
static int
split_path(const char *path, char **ret_dir, char **ret_base)
{
        _cleanup_free_ char *a = strdup(path), *b = strdup(path);
        char *dir, *base;

        if (!a || !b)
                return -ENOMEM;
        dir = strdup(dirname(a));
        base = strdup(basename(b));
        if (!dir || !base) {
                free(dir);
                free(base);
                return -ENOMEM;
        }
        *ret_dir = dir;
        *ret_base = base;
        return 0;
}

int
erofs_build(const char *src_dir, const char *dst_file, unsigned flags, struct berr **err)
{
        _cleanup_free_ char *bin = NULL, *dir = NULL, *base = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF, dir_fd = -EBADF;
        char uuid[37];
        char *envp[] = {(char *)"LC_ALL=C", (char *)SOURCE_DATE_EPOCH, NULL};
        struct stat st;
        int r;

        if (flags & ~(unsigned)(EROFS_BUILD_LZ4 | EROFS_BUILD_NO_XATTRS))
                return berr(err, EINVAL, "EROFS image %s: unknown flags 0x%x", dst_file, flags);
        /* said by berth, not as mkfs.erofs's usage text */
        if (stat(src_dir, &st) < 0)
                return berr(err, errno, "EROFS image %s: source %s", dst_file, src_dir);
        if (!S_ISDIR(st.st_mode))
                return berr(err, ENOTDIR, "EROFS image %s: source %s", dst_file, src_dir);
        r = find_mkfs(getenv("PATH"), &bin, err);
        if (r < 0)
                return r;
        /* such mtimes are kept exactly, at the cost of an image that carries its build time */
        if (has_mtime_out_of_range(src_dir))
                envp[1] = NULL;
        if (split_path(dst_file, &dir, &base) < 0 ||
            asprintf(&tmp, "%s/.%s.tmp-XXXXXX", dir, base) < 0)
                return berr(err, ENOMEM, "EROFS image %s", dst_file);
        r = uuid_for_name(base, uuid);
        if (r < 0)
                return berr(err, -r, "EROFS image %s: its UUID", dst_file);
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return berr(err, errno, "EROFS image %s: open %s", dst_file, dir);

        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "EROFS image %s: create a temp file in %s", dst_file, dir);
        /* layers are readable by all, as the store's layer directories are */
        if (fchmod(fd, 0644) < 0) {
                r = berr(err, errno, "EROFS image %s: chmod %s", dst_file, tmp);
                goto fail;
        }
        {
                char *argv_plain[] = {bin,
                                      (char *)"--quiet",
                                      (char *)"--preserve-mtime",
                                      (char *)"-U",
                                      uuid,
                                      tmp,
                                      (char *)src_dir,
                                      NULL};
                char *argv_no_xattrs[] = {bin,
                                          (char *)"--quiet",
                                          (char *)"--preserve-mtime",
                                          (char *)"-x",
                                          (char *)"-1",
                                          (char *)"-U",
                                          uuid,
                                          tmp,
                                          (char *)src_dir,
                                          NULL};
                char *argv_lz4[] = {bin,
                                    (char *)"--quiet",
                                    (char *)"--preserve-mtime",
                                    (char *)"-U",
                                    uuid,
                                    (char *)"-zlz4hc",
                                    (char *)"-Eztailpacking",
                                    tmp,
                                    (char *)src_dir,
                                    NULL};

                r = run_mkfs(flags & EROFS_BUILD_LZ4         ? argv_lz4
                             : flags & EROFS_BUILD_NO_XATTRS ? argv_no_xattrs
                                                             : argv_plain,
                             envp, err);
        }
        if (r < 0) {
                (void)berr_wrap(err, "EROFS image %s from %s", dst_file, src_dir);
                goto fail;
        }
        /* what mkfs.erofs wrote must be whole, whatever its exit status said */
        r = probe_fd(fd, tmp, NULL, err);
        if (r < 0) {
                (void)berr_wrap(err, "EROFS image %s: " MKFS_EROFS " wrote a bad image", dst_file);
                goto fail;
        }
        if (fsync(fd) < 0) {
                r = berr(err, errno, "EROFS image %s: fsync", dst_file);
                goto fail;
        }
        if (rename(tmp, dst_file) < 0) {
                r = berr(err, errno, "EROFS image %s: rename %s", dst_file, tmp);
                goto fail;
        }
        /* the rename must reach the disk before anyone relies on the image */
        if (fsync(dir_fd) < 0 && errno != EINVAL && errno != EBADF)
                return berr(err, errno, "EROFS image %s: fsync %s", dst_file, dir);
        return 0;
fail:
        (void)unlink(tmp);
        return r;
}

/*
 * Bind fd (the image, open read-only) to a free loop device, read-only and
 * autoclear; *ret_dev is its path, *ret_loop_fd an fd of it, open.
 */
static int
loop_attach(int fd, const char *image, char **ret_dev, int *ret_loop_fd, struct berr **err)
{
        _cleanup_close_ int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        struct loop_config cfg = {
                .fd = (uint32_t)fd,
                .info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR,
        };
        bool have_configure = true;

        if (ctl < 0)
                return berr(err, errno, "open /dev/loop-control");
        (void)snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", image);

        for (int i = 0; i < LOOP_TRIES; i++) {
                _cleanup_free_ char *dev = NULL;
                _cleanup_close_ int lfd = -EBADF;
                int n = ioctl(ctl, LOOP_CTL_GET_FREE);

                if (n < 0)
                        return berr(err, errno, "find a free loop device");
                if (asprintf(&dev, "/dev/loop%d", n) < 0)
                        return berr(err, ENOMEM, "loop device");
                /* read-only: the kernel makes the device read-only for it too */
                lfd = open(dev, O_RDONLY | O_CLOEXEC);
                if (lfd < 0 && errno == ENOENT)
                        continue; /* removed (LOOP_CTL_REMOVE) since: take another */
                if (lfd < 0)
                        return berr(err, errno, "open %s", dev);

                if (have_configure) {
                        if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
                                *ret_dev = TAKE_PTR(dev);
                                *ret_loop_fd = TAKE_FD(lfd);
                                return 0;
                        }
                        if (errno == EBUSY)
                                continue; /* another process took it first */
                        if (errno != EINVAL && errno != ENOTTY)
                                return berr(err, errno, "%s: configure it for %s", dev, image);
                        /* before Linux 5.8: no LOOP_CONFIGURE */
                        have_configure = false;
                }
                if (ioctl(lfd, LOOP_SET_FD, fd) < 0) {
                        if (errno == EBUSY)
                                continue;
                        return berr(err, errno, "%s: bind it to %s", dev, image);
                }
                /* read-only already, from the fds' modes; the status adds autoclear */
                if (ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) < 0) {
                        int e = errno;

                        (void)ioctl(lfd, LOOP_CLR_FD, 0);
                        return berr(err, e, "%s: set its status for %s", dev, image);
                }
                *ret_dev = TAKE_PTR(dev);
                *ret_loop_fd = TAKE_FD(lfd);
                return 0;
        }
        return berr(err, EBUSY, "no free loop device for %s after %d tries", image, LOOP_TRIES);
}

#define EROFS_MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV)

/* Move a failure into *err (the innermost one wins) and return its code. */
static int
take_err(struct berr **err, struct berr **from)
{
        int r = berr_code(*from);

        if (err && !*err)
                *err = TAKE_PTR(*from);
        else
                *from = berr_free(*from);
        return r;
}

/*
 * Mount fd (image, probed) through a loop device. *ret_no_device (when
 * not NULL) tells a failure to get a loop device from a mount that failed.
 */
static int
mount_loop_fd(int fd, const char *image, const char *mountpoint, bool *ret_no_device,
              struct berr **err)
{
        _cleanup_free_ char *dev = NULL;
        _cleanup_close_ int lfd = -EBADF;
        int r;

        r = loop_attach(fd, image, &dev, &lfd, err);
        if (r < 0) {
                if (ret_no_device)
                        *ret_no_device = true;
                return berr_wrap(err, "mount %s on %s", image, mountpoint);
        }
        /*
         * The loop device is autoclear: when lfd closes below, the mount is
         * what holds it, and its umount frees it; when the mount fails,
         * closing lfd frees it now.
         */
        if (mount(dev, mountpoint, "erofs", EROFS_MOUNT_FLAGS, NULL) < 0)
                return berr(err, errno, "mount %s (%s) on %s", image, dev, mountpoint);
        return 0;
}

/* open and probe image; the fd, or < 0 */
static int
open_probed(const char *image, struct berr **err)
{
        _cleanup_close_ int fd = open_image(image, err);
        int r;

        if (fd < 0)
                return fd;
        r = probe_fd(fd, image, NULL, err);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int
erofs_mount_loop(const char *image, const char *mountpoint, struct berr **err)
{
        _cleanup_close_ int fd = open_probed(image, err);

        if (fd < 0)
                return fd;
        return mount_loop_fd(fd, image, mountpoint, NULL, err);
}

int
erofs_mount_file(const char *image, const char *mountpoint, struct berr **err)
{
        _cleanup_close_ int fd = open_probed(image, err);

        if (fd < 0)
                return fd;
        if (mount(image, mountpoint, "erofs", EROFS_MOUNT_FLAGS, NULL) < 0)
                return berr(err, errno, "mount %s on %s from the file itself", image, mountpoint);
        return 0;
}

int
erofs_mount(const char *image, const char *mountpoint, struct berr **err)
{
        _cleanup_(berr_freep) struct berr *loop_err = NULL;
        _cleanup_close_ int fd = open_probed(image, err);
        bool no_device = false;
        int r;

        if (fd < 0)
                return fd;
        /*
         * A loop device first: the kernel reads ahead on it (128 KiB), and
         * a layer's small files sit close together in its image. Mounted
         * from the file itself (Linux 6.12 on), EROFS reads its metadata a
         * block at a time, synchronously: reading 1,000 small files from a
         * cold cache took 10 times as long on a local disk, and no less on
         * sshfs.
         */
        r = mount_loop_fd(fd, image, mountpoint, &no_device, &loop_err);
        if (r == 0)
                return 0;
        if (!no_device)
                return take_err(err, &loop_err);
        /* no loop device to be had (none in this container, or not allowed): the file itself */
        if (mount(image, mountpoint, "erofs", EROFS_MOUNT_FLAGS, NULL) == 0)
                return 0;
        /* before Linux 6.12 the source must be a block device: what the loop device said matters */
        if (errno == ENOTBLK)
                return take_err(err, &loop_err);
        return berr(err, errno, "mount %s on %s from the file itself (%s)", image, mountpoint,
                    loop_err->msg);
}

int
erofs_umount(const char *mountpoint, struct berr **err)
{
        if (umount2(mountpoint, UMOUNT_NOFOLLOW) < 0)
                return berr(err, errno, "unmount %s", mountpoint);
        return 0;
}
