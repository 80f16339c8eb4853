/*
 * tests/unit/storage/test-tar-split.c: tars of every shape (libarchive's
 * pax, ustar, GNU and v7 writers, and headers made by hand) extracted with
 * layer_extract_fd() recording their tar-split, then rebuilt from the
 * recording and the extracted directory: the bytes must come back exactly,
 * trailing bytes after the end-of-archive marker included. A layer whose
 * directory no longer holds what was recorded must say so (-EBADMSG), or
 * rebuild to other bytes (which save catches by the diff id).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "storage/extract.h"
#include "storage/tar-split.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

#define TAR_MAX (32U << 20)

enum { FMT_PAX, FMT_PAX_RESTRICTED, FMT_USTAR, FMT_GNU, FMT_V7 };

/* a tar being written into memory */
struct tarb {
        struct archive *a;
        uint8_t *buf;
        size_t used;
};

static struct tarb *
tb_new(int format, bool gzip)
{
        struct tarb *t = calloc(1, sizeof(*t));

        if (!t)
                abort();
        t->buf = malloc(TAR_MAX);
        t->a = archive_write_new();
        if (!t->buf || !t->a)
                abort();
        switch (format) {
        case FMT_PAX:
                archive_write_set_format_pax(t->a);
                break;
        case FMT_PAX_RESTRICTED:
                archive_write_set_format_pax_restricted(t->a);
                break;
        case FMT_USTAR:
                archive_write_set_format_ustar(t->a);
                break;
        case FMT_GNU:
                archive_write_set_format_gnutar(t->a);
                break;
        default:
                archive_write_set_format_v7tar(t->a);
                break;
        }
        if (gzip)
                archive_write_add_filter_gzip(t->a);
        else
                archive_write_add_filter_none(t->a);
        if (archive_write_open_memory(t->a, t->buf, TAR_MAX, &t->used) != ARCHIVE_OK)
                abort();
        return t;
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
        archive_entry_set_mtime(e, 1700000000, 123456789);
        return e;
}

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
tb_dir(struct tarb *t, const char *path)
{
        tb_add(t, tb_entry(path, AE_IFDIR, 0755), NULL, 0);
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
tb_close(struct tarb *t)
{
        if (archive_write_close(t->a) != ARCHIVE_OK)
                abort();
}

static void
tb_freep(struct tarb **tp)
{
        struct tarb *t = *tp;

        if (!t)
                return;
        archive_write_free(t->a);
        free(t->buf);
        free(t);
        *tp = NULL;
}

/* a temp dir with layer/ (where layers go) */
struct tmp {
        char top[64];
        int topfd, layerfd;
};

static struct tmp
tmp_new(void)
{
        struct tmp t = {.top = "/tmp/berth-test-tar-split-XXXXXX"};

        if (!mkdtemp(t.top))
                abort();
        t.topfd = open(t.top, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t.topfd < 0 || mkdirat(t.topfd, "layer", 0755) < 0)
                abort();
        t.layerfd = openat(t.topfd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t.layerfd < 0)
                abort();
        return t;
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
        int fd = memfd_create("blob", MFD_CLOEXEC);

        if (fd < 0 || (len > 0 && write(fd, buf, len) != (ssize_t)len) ||
            lseek(fd, 0, SEEK_SET) != 0)
                abort();
        return fd;
}

/* the rebuilt bytes, in memory */
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

/*
 * Extract blob (the layer as a registry has it) recording a tar-split
 * into *ret_ts_fd (rewound), in t's layer/; 0 or < 0.
 */
static int
extract_recording(struct tmp *t, const void *blob, size_t len, int *ret_ts_fd, struct berr **err)
{
        _cleanup_close_ int fd = memfd_of(blob, len);
        int ts_fd = memfd_create("tar-split", MFD_CLOEXEC);
        struct tar_split_writer *w = NULL;
        struct extract_opts o = {.what = "test layer"};
        int r;

        if (ts_fd < 0)
                abort();
        r = tar_split_writer_new(ts_fd, &w, err);
        if (r == 0) {
                o.tar_split = w;
                r = layer_extract_fd(fd, t->layerfd, &o, err);
        }
        tar_split_writer_free(w);
        if (lseek(ts_fd, 0, SEEK_SET) != 0)
                abort();
        *ret_ts_fd = ts_fd;
        return r;
}

static int
rebuild(int ts_fd, int diff_fd, struct out *o, struct berr **err)
{
        uint64_t size = 0;
        int r;

        if (lseek(ts_fd, 0, SEEK_SET) != 0)
                abort();
        o->len = 0;
        r = tar_split_rebuild(ts_fd, diff_fd, out_sink, o, &size, err);
        if (r == 0)
                check(size == o->len);
        return r;
}

/* tar (uncompressed, the diff) in, recorded while extracting blob (tar or its gzip), out again */
static void
check_round_trip(const uint8_t *tar, size_t tar_len, const uint8_t *blob, size_t blob_len)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF;
        struct out o = {0};
        struct tmp t = tmp_new();

        check(extract_recording(&t, blob, blob_len, &ts_fd, &err) == 0);
        if (err)
                fprintf(stderr, "  extract: %s\n", err->msg);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == 0);
        if (err)
                fprintf(stderr, "  rebuild: %s\n", err->msg);
        check(o.len == tar_len);
        check(o.len == tar_len && (tar_len == 0 || memcmp(o.buf, tar, tar_len) == 0));
        free(o.buf);
        tmp_free(&t);
}

static void
check_tar_round_trip(struct tarb *tb)
{
        tb_close(tb);
        check_round_trip(tb->buf, tb->used, tb->buf, tb->used);
}

static const char long_name[] =
        "dir/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
        "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc/file";

/* what every format below holds: files, links, empty files, long names */
static void
add_tree(struct tarb *tb, bool long_names)
{
        struct archive_entry *e;

        tb_dir(tb, "etc");
        tb_file(tb, "etc/hostname", "host\n");
        tb_file(tb, "etc/empty", "");
        tb_file(tb, "./etc/dotted", "dot slash");
        tb_file(tb, "/etc/absolute", "leading slash");
        tb_symlink(tb, "etc/localtime", "/usr/share/zoneinfo/UTC");
        tb_hardlink(tb, "etc/hostname.bak", "etc/hostname");
        tb_dir(tb, "big");
        e = tb_entry("big/blocks", AE_IFREG, 0600);
        {
                /* a whole number of blocks: no padding after it */
                static char data[8192];

                memset(data, 'z', sizeof(data));
                archive_entry_set_size(e, sizeof(data));
                tb_add(tb, e, data, sizeof(data));
        }
        tb_file(tb, "big/odd", "511 bytes would be padded; this is shorter");
        if (long_names) {
                tb_dir(tb, "dir");
                tb_file(tb, long_name, "deep down");
                tb_hardlink(tb, "dir/hl", long_name);
                tb_symlink(tb, "dir/sl", long_name);
        }
        tb_file(tb, "caf\xc3\xa9", "utf-8 name");
}

static void
test_pax(void)
{
        /* full pax: a pax header on every entry (nanosecond times) */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX, false);
        struct archive_entry *e;

        add_tree(tb, true);
        e = tb_entry("xattr", AE_IFREG, 0644);
        archive_entry_set_size(e, 3);
        archive_entry_xattr_add_entry(e, "user.note", "hello", 5);
        tb_add(tb, e, "abc", 3);
        check_tar_round_trip(tb);
}

static void
test_pax_restricted(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);

        add_tree(tb, true);
        check_tar_round_trip(tb);
}

static void
test_ustar_prefix(void)
{
        /* names of 100-255 bytes go into ustar's prefix field */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_USTAR, false);

        add_tree(tb, false);
        tb_dir(tb, "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp");
        tb_file(tb,
                "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp/"
                "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
                "in the prefix");
        check_tar_round_trip(tb);
}

static void
test_gnu_long_names(void)
{
        /* GNU tar: 'L' and 'K' entries for long names and long link targets */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_GNU, false);

        add_tree(tb, true);
        check_tar_round_trip(tb);
}

static void
test_v7(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_V7, false);

        add_tree(tb, false);
        check_tar_round_trip(tb);
}

static void
test_sparse(void)
{
        /* pax GNU.sparse.*: the data is the sparse map and regions, kept verbatim */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX, false);
        _cleanup_free_ char *data = calloc(1, 1 << 20);
        struct archive_entry *e;

        if (!data)
                abort();
        memset(data + 65536, 'A', 4096);
        memset(data + 524288, 'B', 4096);
        e = tb_entry("sparse", AE_IFREG, 0644);
        archive_entry_set_size(e, 1 << 20);
        archive_entry_sparse_add_entry(e, 65536, 4096);
        archive_entry_sparse_add_entry(e, 524288, 4096);
        tb_add(tb, e, data, 1 << 20);
        tb_file(tb, "after", "the file after a sparse one");
        check_tar_round_trip(tb);
}

static void
test_trailing_bytes(void)
{
        /* the default 10 KiB record padding, then bytes after the tar's end */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);

        add_tree(tb, false);
        tb_close(tb);
        check(tb->used >= 1024 && tb->used % 512 == 0);
        memset(tb->buf + tb->used, 0, 4096);
        memcpy(tb->buf + tb->used + 4096, "trailing garbage", 16);
        tb->used += 4096 + 16;
        check_round_trip(tb->buf, tb->used, tb->buf, tb->used);
}

static void
test_gzip(void)
{
        /* recorded from the uncompressed stream: the rebuild is the tar, not the blob */
        _cleanup_(tb_freep) struct tarb *plain = tb_new(FMT_PAX_RESTRICTED, false);
        _cleanup_(tb_freep) struct tarb *gz = tb_new(FMT_PAX_RESTRICTED, true);

        add_tree(plain, true);
        add_tree(gz, true);
        tb_close(plain);
        tb_close(gz);
        check(gz->used != plain->used);
        check_round_trip(plain->buf, plain->used, gz->buf, gz->used);
}

static void
test_contents_are_references(void)
{
        /* 256 KiB of random bytes: the recording holds their path and size, not them */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF;
        _cleanup_free_ uint8_t *data = malloc(256 << 10);
        struct archive_entry *e;
        struct out o = {0};
        struct stat st;
        struct tmp t = tmp_new();

        if (!data)
                abort();
        for (size_t i = 0; i < 256 << 10; i++)
                data[i] = (uint8_t)(i * 2654435761u >> 13);
        e = tb_entry("random", AE_IFREG, 0644);
        archive_entry_set_size(e, 256 << 10);
        tb_add(tb, e, data, 256 << 10);
        tb_close(tb);
        check(extract_recording(&t, tb->buf, tb->used, &ts_fd, &err) == 0);
        check(fstat(ts_fd, &st) == 0 && st.st_size < 4096);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == 0);
        check(o.len == tb->used && memcmp(o.buf, tb->buf, tb->used) == 0);
        free(o.buf);
        tmp_free(&t);
}

static void
test_empty_layer(void)
{
        check_round_trip((const uint8_t *)"", 0, (const uint8_t *)"", 0);
}

/* a header block by hand: name, type, size field as given, checksum made right */
static void
raw_header(uint8_t *h, const char *name, char type, const uint8_t *size_field)
{
        static const uint8_t magic[8] = {'u', 's', 't', 'a', 'r', '\0', '0', '0'};
        unsigned sum = 0;

        memset(h, 0, 512);
        snprintf((char *)h, 100, "%s", name);
        memcpy(h + 100, "0000644", 8);
        memcpy(h + 108, "0000000", 8);
        memcpy(h + 116, "0000000", 8);
        memcpy(h + 124, size_field, 12);
        memcpy(h + 136, "14712345670", 12);
        h[156] = (uint8_t)type;
        memcpy(h + 257, magic, sizeof(magic));
        memset(h + 148, ' ', 8);
        for (int i = 0; i < 512; i++)
                sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum);
}

static void
test_pax_size_and_base256(void)
{
        /*
         * A pax "size" overrides the header's (its field says 0 here), and
         * a base-256 size field: both must be read as tar readers read them.
         */
        static const char pax[] = "12 size=300\n18 path=pax/named\n";
        uint8_t tar[512 * 12] = {0};
        uint8_t field[12] = {0};
        size_t o = 0;

        snprintf((char *)field, 12, "%011o", (unsigned)strlen(pax));
        raw_header(tar + o, "PaxHeaders/x", 'x', field);
        o += 512;
        memcpy(tar + o, pax, sizeof(pax) - 1);
        o += 512;
        memcpy(field, "00000000000", 12);
        raw_header(tar + o, "ignored-name", '0', field);
        o += 512;
        memset(tar + o, 'p', 300);
        o += 512;
        memset(field, 0, 12);
        field[0] = 0x80;
        field[11] = 200;
        raw_header(tar + o, "base256", '0', field);
        o += 512;
        memset(tar + o, 'b', 200);
        o += 512;
        o += 1024; /* the end-of-archive marker */
        check_round_trip(tar, o, tar, o);
}

static void
test_byte_by_byte(void)
{
        /* the walker takes the stream in pieces of any size: one byte at a time here */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_GNU, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF, ts2 = memfd_create("ts2", MFD_CLOEXEC);
        struct tar_split_writer *w = NULL;
        struct out o = {0};
        struct tmp t = tmp_new();

        add_tree(tb, true);
        tb_close(tb);
        check(extract_recording(&t, tb->buf, tb->used, &ts_fd, &err) == 0);
        check(ts2 >= 0 && tar_split_writer_new(ts2, &w, &err) == 0);
        for (size_t i = 0; w && i < tb->used; i++)
                check(tar_split_writer_feed(w, tb->buf + i, 1, &err) == 0);
        check(w && tar_split_writer_finish(w, &err) == 0);
        tar_split_writer_free(w);
        check(rebuild(ts2, t.layerfd, &o, &err) == 0);
        check(o.len == tb->used && memcmp(o.buf, tb->buf, tb->used) == 0);
        free(o.buf);
        tmp_free(&t);
}

static void
test_changed_layer(void)
{
        /* diff/ no longer what was recorded: a file gone, another of another size */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF;
        struct out o = {0};
        struct tmp t = tmp_new();
        int fd;

        add_tree(tb, false);
        tb_close(tb);
        check(extract_recording(&t, tb->buf, tb->used, &ts_fd, &err) == 0);
        check(unlinkat(t.layerfd, "etc/dotted", 0) == 0);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == -EBADMSG);
        check(err && strstr(err->msg, "etc/dotted"));
        err = berr_free(err);

        fd = openat(t.layerfd, "etc/dotted", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        check(fd >= 0 && write(fd, "dot slash!", 10) == 10);
        (void)close(fd);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == -EBADMSG);
        check(err && strstr(err->msg, "no longer the file"));
        err = berr_free(err);

        /* a symlink where the file was is never followed */
        check(unlinkat(t.layerfd, "etc/dotted", 0) == 0);
        check(symlinkat("hostname", t.layerfd, "etc/dotted") == 0);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == -EBADMSG);
        err = berr_free(err);
        free(o.buf);
        tmp_free(&t);
}

static void
test_same_path_twice(void)
{
        /*
         * The second etc/f replaces the first in diff/: the rebuild gives
         * other bytes than the tar (same size here), which save catches by
         * the diff id and answers with a fresh tar.
         */
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF;
        char a[DIGEST_STRING_MAX], b[DIGEST_STRING_MAX];
        struct out o = {0};
        struct tmp t = tmp_new();

        tb_dir(tb, "etc");
        tb_file(tb, "etc/f", "first");
        tb_file(tb, "etc/f", "later");
        tb_close(tb);
        check(extract_recording(&t, tb->buf, tb->used, &ts_fd, &err) == 0);
        check(rebuild(ts_fd, t.layerfd, &o, &err) == 0);
        check(o.len == tb->used);
        check(digest_buffer(tb->buf, tb->used, a) == 0 && digest_buffer(o.buf, o.len, b) == 0);
        check(!streq(a, b));
        free(o.buf);
        tmp_free(&t);
}

/* 0 when the round trip works and a symlinked parent is refused; run with or without openat2 */
static int
symlink_parent_refused(void)
{
        _cleanup_(tb_freep) struct tarb *tb = tb_new(FMT_PAX_RESTRICTED, false);
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int ts_fd = -EBADF;
        struct out o = {0};
        struct tmp t = tmp_new();
        int bad = 0;

        add_tree(tb, true);
        tb_close(tb);
        bad |= extract_recording(&t, tb->buf, tb->used, &ts_fd, &err) != 0;
        bad |= rebuild(ts_fd, t.layerfd, &o, &err) != 0;
        bad |= o.len != tb->used || memcmp(o.buf, tb->buf, tb->used) != 0;
        /* etc/ now a symlink to a copy of itself: same bytes there, but never read through it */
        bad |= renameat(t.layerfd, "etc", t.layerfd, "etc2") != 0;
        bad |= symlinkat("etc2", t.layerfd, "etc") != 0;
        bad |= rebuild(ts_fd, t.layerfd, &o, &err) != -EBADMSG;
        free(o.buf);
        tmp_free(&t);
        return bad;
}

static void
test_symlinked_parent(void)
{
        check(symlink_parent_refused() == 0);
}

static void
test_without_openat2(void)
{
        /* kernels before 5.6 (or a seccomp filter) have no openat2: the O_NOFOLLOW walk */
        pid_t pid = fork();
        int status = 0;

        if (pid == 0) {
                scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

                if (!ctx ||
                    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) < 0 ||
                    seccomp_load(ctx) < 0)
                        _exit(2);
                seccomp_release(ctx);
                _exit(symlink_parent_refused());
        }
        check(pid > 0);
        check(waitpid(pid, &status, 0) == pid);
        check(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void
test_damaged_recording(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int fd = memfd_of("not zstd at all", 15);
        struct out o = {0};
        struct tmp t = tmp_new();

        check(rebuild(fd, t.layerfd, &o, &err) == -EBADMSG);
        check(err && strstr(err->msg, "tar-split"));
        free(o.buf);
        tmp_free(&t);
}

int
main(void)
{
        RUN(test_pax);
        RUN(test_pax_restricted);
        RUN(test_ustar_prefix);
        RUN(test_gnu_long_names);
        RUN(test_v7);
        RUN(test_sparse);
        RUN(test_trailing_bytes);
        RUN(test_gzip);
        RUN(test_contents_are_references);
        RUN(test_empty_layer);
        RUN(test_pax_size_and_base256);
        RUN(test_byte_by_byte);
        RUN(test_changed_layer);
        RUN(test_same_path_twice);
        RUN(test_symlinked_parent);
        RUN(test_without_openat2);
        RUN(test_damaged_recording);
        return check_done();
}
