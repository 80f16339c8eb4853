/*
 * tests/unit/storage/test-extract.c: layers built in memory with
 * libarchive's writer, extracted into a temp dir, the tree checked with
 * fstatat/readlinkat/getxattr. Each test's temp dir has the layer in
 * "layer/" and a sentinel dir "outside/" beside it: a hostile tar must
 * leave both untouched. Ownership, device nodes and trusted.* xattrs need
 * root; those tests say SKIP otherwise.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "storage/decompress.h"
#include "storage/extract.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

#define WHAT "test layer"
#define TAR_MAX (16U << 20)

/* a tar being written into memory */
struct tarb {
        struct archive *a;
        char *buf;
        size_t used;
};

enum { F_NONE, F_GZIP, F_ZSTD };

/* pax_restricted (what Go writes: pax headers only where ustar falls short), or full pax */
static struct tarb *
tb_new_format(int filter, bool restricted)
{
        struct tarb *t = calloc(1, sizeof(*t));

        if (!t)
                abort();
        t->buf = malloc(TAR_MAX);
        t->a = archive_write_new();
        if (!t->buf || !t->a)
                abort();
        if (restricted)
                archive_write_set_format_pax_restricted(t->a);
        else
                archive_write_set_format_pax(t->a);
        if (filter == F_GZIP)
                archive_write_add_filter_gzip(t->a);
        else if (filter == F_ZSTD)
                archive_write_add_filter_zstd(t->a);
        else
                archive_write_add_filter_none(t->a);
        /* no padding to 10 KiB records: the tests know every byte */
        archive_write_set_bytes_in_last_block(t->a, 1);
        if (archive_write_open_memory(t->a, t->buf, TAR_MAX, &t->used) != ARCHIVE_OK)
                abort();
        return t;
}

static struct tarb *
tb_new(int filter)
{
        return tb_new_format(filter, true);
}

static struct archive_entry *
tb_entry(const char *path, mode_t type, mode_t perm)
{
        struct archive_entry *e = archive_entry_new();

        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, perm);
        archive_entry_set_uid(e, geteuid());
        archive_entry_set_gid(e, getegid());
        archive_entry_set_mtime(e, 1700000000, 0);
        return e;
}

/* write e (and data), then free e */
static void
tb_add(struct tarb *t, struct archive_entry *e, const void *data, size_t len)
{
        if (archive_write_header(t->a, e) < ARCHIVE_WARN) {
                fprintf(stderr, "archive_write_header: %s\n", archive_error_string(t->a));
                abort();
        }
        if (len > 0 && archive_write_data(t->a, data, len) != (la_ssize_t)len)
                abort();
        archive_entry_free(e);
}

static void
tb_file(struct tarb *t, const char *path, const char *content)
{
        struct archive_entry *e = tb_entry(path, AE_IFREG, 0644);

        archive_entry_set_size(e, (la_int64_t)strlen(content));
        tb_add(t, e, content, strlen(content));
}

static void
tb_dir(struct tarb *t, const char *path, mode_t perm)
{
        tb_add(t, tb_entry(path, AE_IFDIR, perm), NULL, 0);
}

static void
tb_symlink(struct tarb *t, const char *path, const char *target)
{
        struct archive_entry *e = tb_entry(path, AE_IFLNK, 0777);

        archive_entry_set_symlink(e, target);
        tb_add(t, e, NULL, 0);
}

static void
tb_hardlink(struct tarb *t, const char *path, const char *target)
{
        struct archive_entry *e = tb_entry(path, AE_IFREG, 0644);

        archive_entry_set_hardlink(e, target);
        archive_entry_set_size(e, 0);
        tb_add(t, e, NULL, 0);
}

static void
tb_dev(struct tarb *t, const char *path, mode_t type, dev_t rdev)
{
        struct archive_entry *e = tb_entry(path, type, 0600);

        archive_entry_set_rdev(e, rdev);
        tb_add(t, e, NULL, 0);
}

/* finish: the bytes are t->buf[0, t->used) */
static void
tb_close(struct tarb *t)
{
        if (archive_write_close(t->a) != ARCHIVE_OK)
                abort();
}

static void
tb_free(struct tarb *t)
{
        if (!t)
                return;
        archive_write_free(t->a);
        free(t->buf);
        free(t);
}

static void
tb_freep(struct tarb **t)
{
        tb_free(*t);
        *t = NULL;
}

/* a temp dir with layer/ (where layers go) and outside/ (must stay empty) */
struct tmp {
        char top[64];
        int topfd, layerfd;
};

static struct tmp
tmp_new(void)
{
        struct tmp t = {.top = "/tmp/berth-test-extract-XXXXXX"};

        if (!mkdtemp(t.top))
                abort();
        t.topfd = open(t.top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t.topfd < 0 || mkdirat(t.topfd, "layer", 0755) < 0 ||
            mkdirat(t.topfd, "outside", 0755) < 0)
                abort();
        t.layerfd = openat(t.topfd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t.layerfd < 0)
                abort();
        return t;
}

/* nothing but layer/ and outside/ in the temp dir, and outside/ as it was */
static bool
tmp_nothing_outside(struct tmp *t, size_t outside_entries)
{
        DIR *d = opendir(t->top);
        struct dirent *de;
        size_t n = 0, m = 0;
        char path[128];

        if (!d)
                return false;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        snprintf(path, sizeof(path), "%s/outside", t->top);
        d = opendir(path);
        if (!d)
                return false;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        m++;
        closedir(d);
        return n == 2 && m == outside_entries;
}

static void
tmp_free(struct tmp *t)
{
        (void)close(t->layerfd);
        (void)close(t->topfd);
        check(rm_rf_at(AT_FDCWD, t->top) == 0);
}

static int
memfd_of(const void *buf, size_t len)
{
        int fd = memfd_create("layer", MFD_CLOEXEC);

        if (fd < 0 || write(fd, buf, len) != (ssize_t)len || lseek(fd, 0, SEEK_SET) != 0)
                abort();
        return fd;
}

/* extract buf into t's layer/ through a memfd */
static int
extract(struct tmp *t, const void *buf, size_t len, const struct extract_opts *o, struct berr **err)
{
        _cleanup_close_ int fd = memfd_of(buf, len);

        return layer_extract_fd(fd, t->layerfd, o, err);
}

/* extract a hostile tar: it must fail with msg and leave nothing outside */
static void
check_refused(struct tarb *tb, bool rootless, const char *msg)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct extract_opts o = {.what = WHAT, .rootless = rootless};
        struct tmp t;

        tb_close(tb);
        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &o, &err) < 0);
        check_str(err ? err->msg : NULL, msg);
        check(tmp_nothing_outside(&t, 0));
        tmp_free(&t);
}

static bool
is_root(void)
{
        return geteuid() == 0;
}

static void
test_media_types(void)
{
        check(layer_compression_from_media_type("application/vnd.oci.image.layer.v1.tar") ==
              LAYER_UNCOMPRESSED);
        check(layer_compression_from_media_type("application/vnd.oci.image.layer.v1.tar+gzip") ==
              LAYER_GZIP);
        check(layer_compression_from_media_type("application/vnd.oci.image.layer.v1.tar+zstd") ==
              LAYER_ZSTD);
        check(layer_compression_from_media_type(
                      "application/vnd.docker.image.rootfs.diff.tar.gzip") == LAYER_GZIP);
        check(layer_compression_from_media_type(
                      "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip") == LAYER_GZIP);
        check(layer_compression_from_media_type(
                      "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd") ==
              LAYER_ZSTD);
        check(layer_compression_from_media_type(
                      "application/vnd.oci.image.layer.v1.tar+gzip+encrypted") ==
              _LAYER_COMPRESSION_INVALID);
        check(layer_compression_from_media_type("application/json") == _LAYER_COMPRESSION_INVALID);
        check(layer_compression_from_media_type(NULL) == _LAYER_COMPRESSION_INVALID);
        check_str(layer_compression_to_string(LAYER_ZSTD), "zstd");
        check(layer_compression_to_string(_LAYER_COMPRESSION_INVALID) == NULL);
}

static void
test_tree(void)
{
        /* full pax: it keeps nanoseconds */
        _cleanup_(tb_freep) struct tarb *tb = tb_new_format(F_NONE, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct archive_entry *e;
        struct stat st, st2;
        char link[64];
        ssize_t n;
        struct tmp t;

        e = tb_entry("./", AE_IFDIR, 0751);
        archive_entry_set_mtime(e, 1600000000, 0);
        tb_add(tb, e, NULL, 0);
        e = tb_entry("/etc/", AE_IFDIR, 0755);
        archive_entry_set_mtime(e, 1500000000, 250000000);
        tb_add(tb, e, NULL, 0);
        e = tb_entry("./etc/hostname", AE_IFREG, 0640);
        archive_entry_set_size(e, 5);
        archive_entry_set_mtime(e, 1400000000, 123456789);
        tb_add(tb, e, "host\n", 5);
        tb_symlink(tb, "etc/localtime", "/usr/share/zoneinfo/UTC");
        tb_hardlink(tb, "etc/hostname.bak", "/etc/hostname");
        tb_dir(tb, "tmp", 01777);
        tb_file(tb, "deep/er/still/file", "implied parents");
        tb_file(tb, "caf\xc3\xa9", "utf-8 name");
        tb_file(tb, "a//b/./c", "messy path");
        tb_file(tb,
                "x/"
                "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                "yyyyy"
                "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy/long",
                "pax path");
        tb_close(tb);

        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check(err == NULL);

        check(fstat(t.layerfd, &st) == 0 && (st.st_mode & 07777) == 0751);
        check(st.st_mtim.tv_sec == 1600000000);
        check(fstatat(t.layerfd, "etc", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
        /* set after its content was made */
        check(st.st_mtim.tv_sec == 1500000000 && st.st_mtim.tv_nsec == 250000000);
        check(fstatat(t.layerfd, "etc/hostname", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640 && st.st_size == 5);
        check(st.st_mtim.tv_sec == 1400000000 && st.st_mtim.tv_nsec == 123456789);
        check(st.st_nlink == 2);
        check(fstatat(t.layerfd, "etc/hostname.bak", &st2, AT_SYMLINK_NOFOLLOW) == 0);
        check(st2.st_ino == st.st_ino);
        n = readlinkat(t.layerfd, "etc/localtime", link, sizeof(link) - 1);
        check(n == (ssize_t)strlen("/usr/share/zoneinfo/UTC"));
        link[n > 0 ? n : 0] = '\0';
        check_str(link, "/usr/share/zoneinfo/UTC");
        check(fstatat(t.layerfd, "etc/localtime", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISLNK(st.st_mode) && st.st_mtim.tv_sec == 1700000000);
        check(fstatat(t.layerfd, "tmp", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777);
        check(fstatat(t.layerfd, "deep/er", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755);
        check(fstatat(t.layerfd, "deep/er/still/file", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(fstatat(t.layerfd, "caf\xc3\xa9", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(fstatat(t.layerfd, "a/b/c", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size == 10);
        check(fstatat(t.layerfd,
                      "x/yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                      "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy/long",
                      &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(tmp_nothing_outside(&t, 0));
        tmp_free(&t);
}

static void
test_owner_mode_xattrs(void)
{
        /* vfs_cap_data v2, effective, permitted cap_net_bind_service */
        static const unsigned char cap[20] = {0x01, 0, 0, 0x02, 0, 0x04};
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_GZIP);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct archive_entry *e;
        unsigned char got[64];
        struct stat st;
        struct tmp t;

        if (!is_root()) {
                check_skip("needs root (chown, security.capability)");
                return;
        }
        e = tb_entry("bin/ping", AE_IFREG, 04755);
        archive_entry_set_uid(e, 1000);
        archive_entry_set_gid(e, 1000);
        archive_entry_set_size(e, 4);
        archive_entry_xattr_add_entry(e, "security.capability", cap, sizeof(cap));
        archive_entry_xattr_add_entry(e, "user.note", "hello", 5);
        archive_entry_xattr_add_entry(e, "security.selinux", "system_u:object_r:bin_t:s0", 26);
        tb_add(tb, e, "ping", 4);
        e = tb_entry("srv", AE_IFDIR, 02775);
        archive_entry_set_uid(e, 1000);
        archive_entry_set_gid(e, 2000);
        archive_entry_xattr_add_entry(e, "user.dir", "d", 1);
        tb_add(tb, e, NULL, 0);
        e = tb_entry("srv/link", AE_IFLNK, 0777);
        archive_entry_set_symlink(e, "nowhere");
        archive_entry_set_uid(e, 1001);
        archive_entry_set_gid(e, 1002);
        tb_add(tb, e, NULL, 0);
        tb_close(tb);

        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check(err == NULL);
        check(fstatat(t.layerfd, "bin/ping", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(st.st_uid == 1000 && st.st_gid == 1000);
        check((st.st_mode & 07777) == 04755); /* setuid survives the chown */
        {
                char path[128];

                snprintf(path, sizeof(path), "%s/layer/bin/ping", t.top);
                check(lgetxattr(path, "security.capability", got, sizeof(got)) == sizeof(cap));
                check(memcmp(got, cap, sizeof(cap)) == 0);
                check(lgetxattr(path, "user.note", got, sizeof(got)) == 5);
                check(memcmp(got, "hello", 5) == 0);
                check(lgetxattr(path, "security.selinux", got, sizeof(got)) < 0 ||
                      memcmp(got, "system_u:object_r:bin_t", 23) != 0);
                snprintf(path, sizeof(path), "%s/layer/srv", t.top);
                check(lgetxattr(path, "user.dir", got, sizeof(got)) == 1);
        }
        check(fstatat(t.layerfd, "srv", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(st.st_uid == 1000 && st.st_gid == 2000 && (st.st_mode & 07777) == 02775);
        check(fstatat(t.layerfd, "srv/link", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISLNK(st.st_mode) && st.st_uid == 1001 && st.st_gid == 1002);
        tmp_free(&t);
}

static void
test_sparse(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_ZSTD);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct archive_entry *e;
        _cleanup_free_ char *data = calloc(1, 8 << 20);
        char got[4096];
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        struct tmp t;

        memset(data + (1 << 20), 'A', 4096);
        memset(data + (5 << 20), 'B', 4096);
        e = tb_entry("sparse", AE_IFREG, 0644);
        archive_entry_set_size(e, 8 << 20);
        archive_entry_sparse_add_entry(e, 1 << 20, 4096);
        archive_entry_sparse_add_entry(e, 5 << 20, 4096);
        /* the writer takes the whole file and keeps the regions' bytes */
        tb_add(tb, e, data, 8 << 20);
        tb_close(tb);

        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check(err == NULL);
        check(fstatat(t.layerfd, "sparse", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(st.st_size == 8 << 20);
        check(st.st_blocks * 512 < 1 << 20);
        fd = openat(t.layerfd, "sparse", O_RDONLY | O_CLOEXEC);
        check(fd >= 0);
        check(pread(fd, got, 4096, 1 << 20) == 4096 && got[0] == 'A' && got[4095] == 'A');
        check(pread(fd, got, 4096, 5 << 20) == 4096 && got[0] == 'B' && got[4095] == 'B');
        check(pread(fd, got, 16, 0) == 16 && got[0] == 0 && got[15] == 0);
        check(pread(fd, got, 16, (8 << 20) - 16) == 16 && got[0] == 0 && got[15] == 0);
        tmp_free(&t);
}

/* one tar, compressed each way, extracted with its compression named and detected */
static void
test_compressions(void)
{
        const int filters[] = {F_NONE, F_GZIP, F_ZSTD};
        const enum layer_compression named[] = {LAYER_UNCOMPRESSED, LAYER_GZIP, LAYER_ZSTD};

        for (size_t i = 0; i < ELEMENTSOF(filters); i++)
                for (int detect = 0; detect < 3; detect++) {
                        _cleanup_(tb_freep) struct tarb *tb = tb_new(filters[i]);
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        struct extract_opts o = {.what = WHAT};
                        struct stat st;
                        struct tmp t;

                        o.compression = detect == 0   ? named[i]
                                        : detect == 1 ? LAYER_DETECT
                                                      : _LAYER_COMPRESSION_INVALID;
                        tb_file(tb, "hello", "hello world");
                        tb_close(tb);
                        t = tmp_new();
                        check(extract(&t, tb->buf, tb->used, &o, &err) == 0);
                        check(err == NULL);
                        check(fstatat(t.layerfd, "hello", &st, 0) == 0 && st.st_size == 11);
                        tmp_free(&t);
                }
}

/* gzip the buffer as members split at the given offsets */
static size_t
gzip_members(const void *in, size_t len, const size_t *cuts, size_t n_cuts, unsigned char *out,
             size_t cap)
{
        size_t o = 0, start = 0;

        for (size_t i = 0; i <= n_cuts; i++) {
                size_t end = i < n_cuts ? cuts[i] : len;
                z_stream z = {0};

                if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                        abort();
                z.next_in = (unsigned char *)in + start;
                z.avail_in = (uInt)(end - start);
                z.next_out = out + o;
                z.avail_out = (uInt)(cap - o);
                if (deflate(&z, Z_FINISH) != Z_STREAM_END)
                        abort();
                o = cap - z.avail_out;
                deflateEnd(&z);
                start = end;
        }
        return o;
}

static size_t
zstd_frames(const void *in, size_t len, size_t cut, unsigned char *out, size_t cap)
{
        size_t a = ZSTD_compress(out, cap, in, cut, 3);
        size_t b = ZSTD_compress(out + a, cap - a, (const char *)in + cut, len - cut, 3);

        if (ZSTD_isError(a) || ZSTD_isError(b))
                abort();
        return a + b;
}

static void
test_concatenated_and_digests(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_NONE);
        _cleanup_free_ unsigned char *tar = NULL, *blob = NULL;
        char digest[DIGEST_STRING_MAX], diff_id[DIGEST_STRING_MAX];
        size_t tar_len, blob_len;
        char big[100000];

        for (size_t i = 0; i < sizeof(big); i++)
                big[i] = (char)('a' + (i * 7919 % 26));
        big[sizeof(big) - 1] = '\0';
        tb_file(tb, "one", "first");
        tb_file(tb, "big", big);
        tb_file(tb, "two", "second");
        tb_close(tb);
        /* bytes after the end-of-archive marker count in the diff-id too */
        tar = malloc(tb->used + 600);
        blob = malloc(2 * (tb->used + 600) + 1024);
        if (!tar || !blob)
                abort();
        memcpy(tar, tb->buf, tb->used);
        memset(tar + tb->used, 0, 512);
        memcpy(tar + tb->used + 512, "trailing junk", 13);
        tar_len = tb->used + 525;
        check(digest_buffer(tar, tar_len, diff_id) == 0);

        for (int kind = 0; kind < 2; kind++) {
                const size_t cuts[] = {700, 50000, 50001};
                uint64_t in = 0, out = 0;
                struct stat st;
                struct tmp t;

                if (kind == 0)
                        blob_len = gzip_members(tar, tar_len, cuts, ELEMENTSOF(cuts), blob,
                                                2 * tar_len + 1024);
                else
                        blob_len = zstd_frames(tar, tar_len, 1000, blob, 2 * tar_len + 1024);
                check(digest_buffer(blob, blob_len, digest) == 0);

                /* right digests */
                {
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        struct extract_opts o = {.what = WHAT,
                                                 .expect_digest = digest,
                                                 .expect_diff_id = diff_id,
                                                 .ret_bytes_in = &in,
                                                 .ret_bytes_out = &out};

                        t = tmp_new();
                        check(extract(&t, blob, blob_len, &o, &err) == 0);
                        check_str(err ? err->msg : "ok", "ok");
                        check(in == blob_len && out == tar_len);
                        check(fstatat(t.layerfd, "two", &st, 0) == 0 && st.st_size == 6);
                        check(fstatat(t.layerfd, "big", &st, 0) == 0 &&
                              st.st_size == sizeof(big) - 1);
                        tmp_free(&t);
                }
                /* wrong digest, wrong diff-id */
                {
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        const char *bad = "sha256:0000000000000000000000000000000000000000000000"
                                          "000000000000000000";
                        struct extract_opts o = {.what = WHAT, .expect_digest = bad};
                        char want[256];

                        t = tmp_new();
                        check(extract(&t, blob, blob_len, &o, &err) < 0);
                        snprintf(want, sizeof(want), WHAT ": digest mismatch: got %s, expected %s",
                                 digest, bad);
                        check_str(err ? err->msg : NULL, want);
                        err = berr_free(err);
                        o = (struct extract_opts){.what = WHAT, .expect_diff_id = bad};
                        check(extract(&t, blob, blob_len, &o, &err) < 0);
                        snprintf(want, sizeof(want), WHAT ": diff-id mismatch: got %s, expected %s",
                                 diff_id, bad);
                        check_str(err ? err->msg : NULL, want);
                        err = berr_free(err);
                        /* the diff-id is not the blob's digest */
                        o = (struct extract_opts){.what = WHAT, .expect_digest = diff_id};
                        check(extract(&t, blob, blob_len, &o, &err) < 0);
                        err = berr_free(err);
                        o = (struct extract_opts){.what = WHAT, .expect_digest = "sha256:abc"};
                        check(extract(&t, blob, blob_len, &o, &err) == -EINVAL);
                        check_str(err ? err->msg : NULL, WHAT ": invalid digest 'sha256:abc'");
                        tmp_free(&t);
                }
                /* a truncated blob: the digest says it is the blob, not the tar */
                {
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        struct extract_opts o = {.what = WHAT};
                        char cut[DIGEST_STRING_MAX], want[256];

                        t = tmp_new();
                        check(extract(&t, blob, blob_len / 2, &o, &err) < 0);
                        check_str(err ? err->msg : NULL,
                                  kind == 0 ? WHAT ": gzip: unexpected end of stream"
                                            : WHAT ": zstd: unexpected end of stream");
                        /* (the stream's error, not the entry's that was being read) */
                        err = berr_free(err);
                        o.expect_digest = digest;
                        check(digest_buffer(blob, blob_len / 2, cut) == 0);
                        check(extract(&t, blob, blob_len / 2, &o, &err) < 0);
                        snprintf(want, sizeof(want), WHAT ": digest mismatch: got %s, expected %s",
                                 cut, digest);
                        check_str(err ? err->msg : NULL, want);
                        tmp_free(&t);
                }
        }
}

static void
test_bad_streams(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_GZIP);
        struct tmp t;

        tb_file(tb, "f", "some content that is long enough to matter");
        tb_close(tb);
        t = tmp_new();
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* an empty blob is an empty layer */
                check(extract(&t, "", 0, NULL, &err) == 0);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct extract_opts o = {.what = WHAT, .compression = LAYER_GZIP};

                check(extract(&t, "", 0, &o, &err) < 0);
                check_str(err ? err->msg : NULL, WHAT ": gzip: unexpected end of stream");
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct extract_opts o = {.what = WHAT};

                const char *text = "this is not a tar file, not at all";

                check(extract(&t, text, strlen(text), &o, &err) < 0);
                check_str(err ? err->msg : NULL, WHAT ": tar: Unrecognized archive format");
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct extract_opts o = {.what = WHAT};
                _cleanup_free_ char *junk = malloc(tb->used + 4);

                /* gzip members may follow each other, but nothing else may follow */
                memcpy(junk, tb->buf, tb->used);
                memcpy(junk + tb->used, "junk", 4);
                check(extract(&t, junk, tb->used + 4, &o, &err) < 0);
                check_str(err ? err->msg : NULL, WHAT ": gzip: incorrect header check");
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct extract_opts o = {.what = WHAT, .compression = LAYER_ZSTD};

                check(extract(&t, tb->buf, tb->used, &o, &err) < 0);
                check_str(err ? err->msg : NULL, WHAT ": zstd: Unknown frame descriptor");
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct extract_opts o = {.what = WHAT, .max_bytes_out = 1024};

                check(extract(&t, tb->buf, tb->used, &o, &err) < 0);
                check_str(err ? err->msg : NULL,
                          WHAT ": layer is larger than 1024 bytes uncompressed");
        }
        check(tmp_nothing_outside(&t, 0));
        tmp_free(&t);
}

struct writer {
        int fd;
        const char *buf;
        size_t len;
};

static void *
write_all(void *p)
{
        struct writer *w = p;

        for (size_t o = 0; o < w->len;) {
                /* small writes: the reader sees short reads */
                size_t chunk = w->len - o < 3000 ? w->len - o : 3000;
                ssize_t n = write(w->fd, w->buf + o, chunk);

                if (n <= 0)
                        break;
                o += (size_t)n;
        }
        (void)close(w->fd);
        return NULL;
}

static void
test_pipe(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_GZIP);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *data = malloc(3 << 20);
        char digest[DIGEST_STRING_MAX];
        struct extract_opts o = {.what = WHAT};
        struct archive_entry *e;
        struct writer w;
        pthread_t th;
        int p[2];
        struct stat st;
        struct tmp t;

        for (size_t i = 0; i < 3 << 20; i++)
                data[i] = (char)(i * 2654435761U >> 13);
        e = tb_entry("big", AE_IFREG, 0644);
        archive_entry_set_size(e, 3 << 20);
        tb_add(tb, e, data, 3 << 20);
        tb_close(tb);
        check(digest_buffer(tb->buf, tb->used, digest) == 0);
        o.expect_digest = digest;

        t = tmp_new();
        check(pipe2(p, O_CLOEXEC) == 0);
        w = (struct writer){.fd = p[1], .buf = tb->buf, .len = tb->used};
        check(pthread_create(&th, NULL, write_all, &w) == 0);
        check(layer_extract_fd(p[0], t.layerfd, &o, &err) == 0);
        check_str(err ? err->msg : "ok", "ok");
        pthread_join(th, NULL);
        (void)close(p[0]);
        check(fstatat(t.layerfd, "big", &st, 0) == 0 && st.st_size == 3 << 20);
        {
                _cleanup_close_ int fd = openat(t.layerfd, "big", O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *got = malloc(3 << 20);

                check(read(fd, got, 3 << 20) == 3 << 20 && memcmp(got, data, 3 << 20) == 0);
        }
        tmp_free(&t);
}

static void
test_replace(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_NONE);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct archive_entry *e;
        struct stat st;
        char buf[32];
        struct tmp t;

        tb_file(tb, "x", "file first");
        tb_dir(tb, "x", 0700); /* a file becomes a directory */
        tb_file(tb, "y/inside/deep", "1");
        tb_file(tb, "y", "now a file"); /* a directory (not empty) becomes a file */
        /* a symlink becomes a file: the file replaces it, never writes through it */
        tb_symlink(tb, "s", "../outside/target");
        tb_file(tb, "s", "plain");
        tb_dir(tb, "d", 0700);
        tb_file(tb, "d/kept", "kept");
        e = tb_entry("d", AE_IFDIR, 0750); /* the same directory again: metadata only */
        archive_entry_set_mtime(e, 1234567890, 0);
        tb_add(tb, e, NULL, 0);
        tb_file(tb, "f", "old");
        tb_file(tb, "f", "new!");
        tb_hardlink(tb, "f", "d/kept"); /* and a hard link replaces a file */
        tb_close(tb);

        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check_str(err ? err->msg : "ok", "ok");
        check(fstatat(t.layerfd, "x", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
        check(fstatat(t.layerfd, "y", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
        check(fstatat(t.layerfd, "s", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
        check(fstatat(t.layerfd, "d", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check((st.st_mode & 07777) == 0750 && st.st_mtim.tv_sec == 1234567890);
        check(fstatat(t.layerfd, "d/kept", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_nlink == 2);
        {
                _cleanup_close_ int fd = openat(t.layerfd, "f", O_RDONLY | O_CLOEXEC);

                check(read(fd, buf, sizeof(buf)) == 4 && memcmp(buf, "kept", 4) == 0);
        }
        check(tmp_nothing_outside(&t, 0));
        tmp_free(&t);
}

static void
test_whiteouts(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_GZIP);
        _cleanup_(berr_freep) struct berr *err = NULL;
        char path[128], got[8];
        struct stat st;
        struct tmp t;

        if (!is_root()) {
                check_skip("needs root (trusted.overlay.opaque)");
                return;
        }
        tb_dir(tb, "d", 0755);
        tb_file(tb, "d/.wh.gone", "");
        tb_file(tb, "d/keep", "this layer has it");
        tb_file(tb, "d/.wh.keep", ""); /* hides lower layers only: keep stays */
        tb_dir(tb, "o", 0755);
        tb_file(tb, "o/.wh..wh..opq", "");
        tb_file(tb, "o/new", "in the opaque dir");
        tb_file(tb, "implied/.wh..wh..opq", "");
        tb_file(tb, ".wh.rootfile", "");
        tb_file(tb, ".wh..wh.plnk/1234", "AUFS hard link store: skipped");
        tb_close(tb);

        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check_str(err ? err->msg : "ok", "ok");
        check(fstatat(t.layerfd, "d/gone", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
        check(fstatat(t.layerfd, "d/.wh.gone", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
        check(fstatat(t.layerfd, "d/keep", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode));
        check(fstatat(t.layerfd, "rootfile", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISCHR(st.st_mode));
        check(fstatat(t.layerfd, ".wh..wh.plnk", &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT);
        snprintf(path, sizeof(path), "%s/layer/o", t.top);
        check(lgetxattr(path, "trusted.overlay.opaque", got, sizeof(got)) == 1 && got[0] == 'y');
        check(fstatat(t.layerfd, "o/new", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(fstatat(t.layerfd, "o/.wh..wh..opq", &st, AT_SYMLINK_NOFOLLOW) < 0);
        snprintf(path, sizeof(path), "%s/layer/implied", t.top);
        check(lgetxattr(path, "trusted.overlay.opaque", got, sizeof(got)) == 1 && got[0] == 'y');
        snprintf(path, sizeof(path), "%s/layer/d", t.top);
        check(lgetxattr(path, "trusted.overlay.opaque", got, sizeof(got)) < 0);
        tmp_free(&t);
}

static void
test_devices(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(F_NONE);
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct stat st;
        struct tmp t;

        if (!is_root()) {
                check_skip("needs root (mknod)");
                return;
        }
        tb_dev(tb, "dev/null", AE_IFCHR, makedev(1, 3));
        tb_dev(tb, "dev/loop0", AE_IFBLK, makedev(7, 0));
        tb_dev(tb, "run/fifo", AE_IFIFO, 0);
        tb_close(tb);
        t = tmp_new();
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) == 0);
        check_str(err ? err->msg : "ok", "ok");
        check(fstatat(t.layerfd, "dev/null", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3) && (st.st_mode & 0777) == 0600);
        check(fstatat(t.layerfd, "dev/loop0", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(S_ISBLK(st.st_mode) && st.st_rdev == makedev(7, 0));
        check(fstatat(t.layerfd, "run/fifo", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
              S_ISFIFO(st.st_mode));
        tmp_free(&t);
}

static void
test_hostile(void)
{
        char msg[512], name[128];
        struct tarb *tb;

        tb = tb_new(F_NONE);
        tb_file(tb, "../evil", "x");
        check_refused(tb, false, WHAT ": entry '../evil': path element '..' would leave the layer");
        tb_free(tb);

        tb = tb_new(F_GZIP);
        tb_file(tb, "ok", "fine");
        tb_file(tb, "a/../../evil", "x");
        check_refused(tb, false,
                      WHAT ": entry 'a/../../evil': path element '..' would leave the layer");
        tb_free(tb);

        tb = tb_new(F_NONE);
        tb_dir(tb, "..", 0755);
        check_refused(tb, false, WHAT ": entry '../': path element '..' would leave the layer");
        tb_free(tb);

        tb = tb_new(F_NONE);
        tb_symlink(tb, "a", "/etc");
        tb_file(tb, "a/passwd", "root::0:0::/:/bin/sh\n");
        check_refused(tb, false,
                      WHAT ": entry 'a/passwd': 'a' is a symlink: refusing to follow it");
        tb_free(tb);

        /* a symlink to the sentinel dir, and one to / */
        for (int i = 0; i < 2; i++) {
                tb = tb_new(F_ZSTD);
                tb_dir(tb, "x", 0755);
                tb_symlink(tb, "x/a", i == 0 ? "../../outside" : "../../../../../../..");
                snprintf(name, sizeof(name), "x/a/berth-test-escape-%d", (int)getpid());
                tb_file(tb, name, "x");
                snprintf(msg, sizeof(msg),
                         WHAT ": entry '%s': 'x/a' is a symlink: refusing to follow it", name);
                check_refused(tb, false, msg);
                tb_free(tb);
                snprintf(name, sizeof(name), "/berth-test-escape-%d", (int)getpid());
                check(access(name, F_OK) < 0);
        }

        /* a whiteout or opaque marker through a symlinked parent */
        tb = tb_new(F_NONE);
        tb_symlink(tb, "a", "../outside");
        tb_file(tb, "a/.wh.passwd", "");
        check_refused(tb, false,
                      WHAT ": entry 'a/.wh.passwd': 'a' is a symlink: refusing to follow it");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_symlink(tb, "a", "../outside");
        tb_file(tb, "a/.wh..wh..opq", "");
        check_refused(tb, false,
                      WHAT ": entry 'a/.wh..wh..opq': 'a' is a symlink: refusing to follow it");
        tb_free(tb);

        /* a file as a parent */
        tb = tb_new(F_NONE);
        tb_file(tb, "f", "a file");
        tb_file(tb, "f/g", "x");
        check_refused(tb, false, WHAT ": entry 'f/g': 'f' is not a directory");
        tb_free(tb);

        /* hard links out of the layer */
        tb = tb_new(F_NONE);
        tb_hardlink(tb, "h", "../outside/secret");
        check_refused(tb, false,
                      WHAT ": entry 'h': hard link target '../outside/secret': path element '..' "
                           "would leave the layer");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_hardlink(tb, "h", "/etc/passwd");
        check_refused(tb, false,
                      WHAT ": entry 'h': hard link target 'etc/passwd' does not exist in this "
                           "layer");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_symlink(tb, "etc", "/etc");
        tb_hardlink(tb, "h", "/etc/passwd");
        check_refused(tb, false,
                      WHAT ": entry 'h': hard link target 'etc/passwd': 'etc' is a symlink: "
                           "refusing to follow it");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_dir(tb, "d", 0755);
        tb_hardlink(tb, "h", "d");
        check_refused(tb, false, WHAT ": entry 'h': hard link target 'd' is a directory");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_file(tb, "h", "x");
        tb_hardlink(tb, "./h", "h");
        check_refused(tb, false, WHAT ": entry './h': hard link to itself");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_hardlink(tb, "h", "/");
        check_refused(tb, false, WHAT ": entry 'h': hard link to the layer's root directory");
        tb_free(tb);

        /* the root replaced */
        tb = tb_new(F_NONE);
        tb_symlink(tb, ".", "/etc");
        check_refused(tb, false, WHAT ": entry '.': would replace the layer's root directory");
        tb_free(tb);

        /* device nodes, rootless */
        tb = tb_new(F_NONE);
        tb_dev(tb, "dev/sda", AE_IFBLK, makedev(8, 0));
        check_refused(tb, true,
                      WHAT ": entry 'dev/sda': device nodes are refused in rootless mode");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_dev(tb, "dev/mem", AE_IFCHR, makedev(1, 1));
        check_refused(tb, true,
                      WHAT ": entry 'dev/mem': device nodes are refused in rootless mode");
        tb_free(tb);

        /* whiteout tricks */
        tb = tb_new(F_NONE);
        tb_file(tb, "d/.wh...", "");
        check_refused(tb, false, WHAT ": entry 'd/.wh...': invalid whiteout '.wh...'");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_file(tb, ".wh..", "");
        check_refused(tb, false, WHAT ": entry '.wh..': invalid whiteout '.wh..'");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_file(tb, "d/.wh.", "");
        check_refused(tb, false, WHAT ": entry 'd/.wh.': invalid whiteout '.wh.'");
        tb_free(tb);
        tb = tb_new(F_NONE);
        tb_file(tb, ".wh.x/../../evil", "");
        check_refused(tb, false,
                      WHAT ": entry '.wh.x/../../evil': path element '..' would leave the layer");
        tb_free(tb);

        /* overlayfs' own xattrs from the tar */
        tb = tb_new(F_NONE);
        {
                struct archive_entry *e = tb_entry("d", AE_IFDIR, 0755);

                archive_entry_xattr_add_entry(e, "trusted.overlay.redirect", "/etc", 4);
                tb_add(tb, e, NULL, 0);
        }
        check_refused(tb, false,
                      WHAT ": entry 'd/': xattr 'trusted.overlay.redirect' is reserved for "
                           "overlayfs");
        tb_free(tb);
        tb = tb_new(F_NONE);
        {
                struct archive_entry *e = tb_entry("f", AE_IFREG, 0644);

                archive_entry_xattr_add_entry(e, "user.overlay.metacopy", "", 0);
                tb_add(tb, e, NULL, 0);
        }
        check_refused(tb, false,
                      WHAT ": entry 'f': xattr 'user.overlay.metacopy' is reserved for "
                           "overlayfs");
        tb_free(tb);

        /* the terminal sees no escape sequences from entry names */
        tb = tb_new(F_NONE);
        tb_file(tb, "\x1b[31mred/../x", "");
        check_refused(tb, false,
                      WHAT ": entry '\\x1b[31mred/../x': path element '..' would leave the layer");
        tb_free(tb);
}

static void
test_hostile_sentinel_intact(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct tarb *tb = tb_new(F_NONE);
        struct stat st;
        struct tmp t;

        t = tmp_new();
        check(mkdirat(t.topfd, "outside/dir", 0755) == 0);
        {
                _cleanup_close_ int fd =
                        openat(t.topfd, "outside/secret", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                check(fd >= 0 && write(fd, "secret", 6) == 6);
        }
        /* each of these, followed, would change outside/ */
        tb_symlink(tb, "l", "../outside/secret");
        tb_symlink(tb, "ld", "../outside/dir");
        tb_file(tb, "l", "overwritten?"); /* replaces the symlink */
        tb_hardlink(tb, "h", "l");
        tb_file(tb, "ld/new", "x");
        tb_close(tb);
        check(extract(&t, tb->buf, tb->used, &(struct extract_opts){.what = WHAT}, &err) < 0);
        check_str(err ? err->msg : NULL,
                  WHAT ": entry 'ld/new': 'ld' is a symlink: refusing to follow it");
        check(fstatat(t.topfd, "outside/secret", &st, AT_SYMLINK_NOFOLLOW) == 0);
        check(st.st_size == 6 && st.st_nlink == 1);
        check(tmp_nothing_outside(&t, 2));
        tmp_free(&t);
        tb_free(tb);
}

int
main(void)
{
        RUN(test_media_types);
        RUN(test_tree);
        RUN(test_owner_mode_xattrs);
        RUN(test_sparse);
        RUN(test_compressions);
        RUN(test_concatenated_and_digests);
        RUN(test_bad_streams);
        RUN(test_pipe);
        RUN(test_replace);
        RUN(test_whiteouts);
        RUN(test_devices);
        RUN(test_hostile);
        RUN(test_hostile_sentinel_intact);
        return check_done();
}
