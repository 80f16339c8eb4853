/*
 * tests/unit/storage/test-erofs.c: layers as EROFS images, for real: a
 * tree with every kind of entry a layer holds is built with mkfs.erofs,
 * mounted (from the file and through loop devices), and compared entry by
 * entry with its source; an overlay over the mount shows its whiteouts and
 * opaque directories at work. Needs root, mkfs.erofs (erofs-utils), EROFS
 * in the kernel and loop devices; tests say SKIP without them. The
 * superblock reader's own tests run everywhere.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "storage/erofs.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define LOOP_MAJOR 7
#define BIG_SIZE (1U << 20)
#define XATTR_LIST_MAX_ 65536

/* a test's temp dir: src/ (the layer), out/ (images), mnt/, mnt2/, lower/, ovl/ */
struct env {
        char root[64];
        char src[96], out[96], img[128], mnt[96], mnt2[96], lower[96], ovl[96];
};

static const char *
skip_reason(void)
{
        static const char *const dirs[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
        const char *path = getenv("PATH");
        _cleanup_fclose_ FILE *f = NULL;
        char line[128];
        bool erofs = false, mkfs = false;

        if (geteuid() != 0)
                return "needs root (mounts, owners, device nodes, trusted.* xattrs)";
        for (const char *p = path; p && *p && !mkfs;) {
                const char *end = strchrnul(p, ':');
                char cand[PATH_MAX];

                (void)snprintf(cand, sizeof(cand), "%.*s/mkfs.erofs", (int)(end - p), p);
                mkfs = access(cand, X_OK) == 0;
                p = *end ? end + 1 : end;
        }
        for (size_t i = 0; !path && i < ELEMENTSOF(dirs) && !mkfs; i++) {
                char cand[PATH_MAX];

                (void)snprintf(cand, sizeof(cand), "%s/mkfs.erofs", dirs[i]);
                mkfs = access(cand, X_OK) == 0;
        }
        if (!mkfs)
                return "no mkfs.erofs in $PATH (Debian package erofs-utils)";
        f = fopen("/proc/filesystems", "re");
        while (f && fgets(line, sizeof(line), f))
                if (strstr(line, "\terofs\n"))
                        erofs = true;
        if (!erofs)
                return "the kernel has no EROFS";
        if (access("/dev/loop-control", R_OK | W_OK) != 0)
                return "no loop devices (/dev/loop-control)";
        return NULL;
}

static void
write_file(const char *path, const void *buf, size_t len, mode_t mode)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        check(fd >= 0);
        if (fd >= 0)
                check(write(fd, buf, len) == (ssize_t)len);
}

static char *
read_file(const char *path, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        struct stat st;
        char *buf;

        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return NULL;
        if (read(fd, buf, (size_t)st.st_size) != st.st_size) {
                free(buf);
                return NULL;
        }
        buf[st.st_size] = '\0';
        if (ret_len)
                *ret_len = (size_t)st.st_size;
        return buf;
}

static void
env_setup(struct env *e)
{
        snprintf(e->root, sizeof(e->root), "/tmp/berth-test-erofs-XXXXXX");
        if (!mkdtemp(e->root))
                abort();
        snprintf(e->src, sizeof(e->src), "%s/src", e->root);
        snprintf(e->out, sizeof(e->out), "%s/out", e->root);
        snprintf(e->img, sizeof(e->img), "%s/out/layer.erofs", e->root);
        snprintf(e->mnt, sizeof(e->mnt), "%s/mnt", e->root);
        snprintf(e->mnt2, sizeof(e->mnt2), "%s/mnt2", e->root);
        snprintf(e->lower, sizeof(e->lower), "%s/lower", e->root);
        snprintf(e->ovl, sizeof(e->ovl), "%s/ovl", e->root);
        if (mkdir(e->out, 0755) < 0 || mkdir(e->mnt, 0755) < 0 || mkdir(e->mnt2, 0755) < 0 ||
            mkdir(e->lower, 0755) < 0 || mkdir(e->ovl, 0755) < 0)
                abort();
}

/* unmount what a failed test may have left (nothing is followed into a mount), then remove */
static void
env_done(struct env *e)
{
        (void)umount2(e->ovl, MNT_DETACH);
        (void)umount2(e->mnt, MNT_DETACH);
        (void)umount2(e->mnt2, MNT_DETACH);
        check(rm_rf_at(AT_FDCWD, e->root) == 0);
}

static void
set_time(const char *path, time_t sec, long nsec)
{
        struct timespec ts[2] = {{sec, nsec}, {sec, nsec}};

        check(utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) == 0);
}

/*
 * The layer: regular files (contents, empty, 1 MiB, compressible), a
 * symlink, a hard link pair, a 0750 directory of 1000:1000, a setuid
 * file, a fifo, a device, a whiteout, an opaque directory, user.* xattrs,
 * mtimes with nanoseconds. Every time is set, so two calls make the same
 * tree.
 */
static void
make_tree(const char *src)
{
        char p[256], p2[256];
        _cleanup_free_ char *big = malloc(BIG_SIZE);
        uint32_t x = 12345;

        check(big != NULL);
        if (!big)
                return;
        for (size_t i = 0; i < BIG_SIZE; i++) {
                x = x * 1103515245U + 12345U;
                big[i] = (char)(x >> 16);
        }
        check(mkdir(src, 0755) == 0);
#define P(name) (snprintf(p, sizeof(p), "%s/%s", src, name), p)
        write_file(P("hello"), "hello, layer\n", 13, 0644);
        check(setxattr(p, "user.color", "blue", 4, 0) == 0);
        check(setxattr(p, "user.empty", "", 0, 0) == 0);
        write_file(P("empty"), "", 0, 0600);
        write_file(P("big"), big, BIG_SIZE, 0644);
        memset(big, 'a', 256 << 10);
        write_file(P("text"), big, 256 << 10, 0644);
        check(symlink("hello", P("link")) == 0);
        check(symlink("/etc/nowhere/../passwd", P("abs-link")) == 0);
        write_file(P("hard1"), "two names\n", 10, 0640);
        snprintf(p2, sizeof(p2), "%s/hard2", src);
        check(link(P("hard1"), p2) == 0);
        check(mkdir(P("d750"), 0750) == 0);
        check(chmod(p, 0750) == 0);
        check(chown(p, 1000, 1000) == 0);
        write_file(P("d750/inner"), "inner\n", 6, 0600);
        check(chown(p, 1000, 1000) == 0);
        write_file(P("suid"), "#!/bin/true\n", 12, 0755);
        check(chmod(p, 04755) == 0);
        check(mkfifo(P("fifo"), 0644) == 0);
        check(mknod(P("null"), S_IFCHR | 0666, makedev(1, 3)) == 0);
        check(mknod(P("wh"), S_IFCHR, makedev(0, 0)) == 0);
        check(mkdir(P("opq"), 0755) == 0);
        check(setxattr(p, "trusted.overlay.opaque", "y", 1, 0) == 0);
        write_file(P("opq/kept"), "kept\n", 5, 0644);
        check(mkdir(P("sub"), 0755) == 0);
        check(mkdir(P("sub/deeper"), 0700) == 0);
        write_file(P("sub/deeper/file"), "deep\n", 5, 0644);
        check(lchown(P("sub/deeper/file"), 4242, 4343) == 0);
        check(setxattr(p, "user.note", "deep down", 9, 0) == 0);

        set_time(P("hello"), 981173106, 123456789);
        set_time(P("empty"), 0, 0);
        set_time(P("big"), 1700000000, 999999999);
        set_time(P("text"), 1700000001, 1);
        set_time(P("link"), 1600000000, 5);
        set_time(P("abs-link"), 1600000001, 0);
        set_time(P("hard1"), 1500000000, 42);
        set_time(P("d750/inner"), 1400000000, 0);
        set_time(P("suid"), 1300000000, 0);
        set_time(P("fifo"), 1200000000, 7);
        set_time(P("null"), 1200000001, 0);
        set_time(P("wh"), 1200000002, 0);
        set_time(P("opq/kept"), 1100000000, 0);
        set_time(P("sub/deeper/file"), 1000000000, 0);
        set_time(P("sub/deeper"), 1000000001, 0);
        set_time(P("sub"), 1000000002, 0);
        set_time(P("opq"), 1000000003, 0);
        set_time(P("d750"), 1000000004, 0);
        set_time(src, 1000000005, 0);
#undef P
}

/* the entry's xattrs as "name=value\n" lines, sorted: both sides list them in their own order */
static int
cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *
xattrs_of(const char *path)
{
        _cleanup_free_ char *names = malloc(XATTR_LIST_MAX_);
        char *list[64], *out;
        size_t n = 0, len = 0;
        ssize_t sz;

        if (!names)
                return NULL;
        sz = llistxattr(path, names, XATTR_LIST_MAX_);
        if (sz < 0)
                return NULL;
        for (char *s = names; s < names + sz && n < ELEMENTSOF(list); s += strlen(s) + 1) {
                char val[1024];
                ssize_t vl = lgetxattr(path, s, val, sizeof(val) - 1);

                if (vl < 0)
                        vl = 0;
                val[vl] = '\0';
                if (asprintf(&list[n], "%s=%s\n", s, val) < 0)
                        return NULL;
                len += strlen(list[n++]);
        }
        qsort(list, n, sizeof(*list), cmp_str);
        out = calloc(1, len + 1);
        len = 0;
        for (size_t i = 0; i < n; i++) {
                size_t l = strlen(list[i]);

                if (out)
                        memcpy(out + len, list[i], l);
                len += l;
                free(list[i]);
        }
        return out;
}

/*
 * Compare src/rel with mnt/rel and everything below: type, mode, owner,
 * size, mtime, device number, content, link target, xattrs. Returns the
 * number of entries compared.
 */
static int
compare_tree(const char *src, const char *mnt, const char *rel)
{
        char a[PATH_MAX], b[PATH_MAX];
        struct stat sa, sb;
        int n = 1;

        snprintf(a, sizeof(a), "%s%s%s", src, *rel ? "/" : "", rel);
        snprintf(b, sizeof(b), "%s%s%s", mnt, *rel ? "/" : "", rel);
        if (lstat(a, &sa) < 0 || lstat(b, &sb) < 0) {
                fprintf(stderr, "  missing: %s\n", rel);
                check(!"entry missing");
                return n;
        }
        if (sa.st_mode != sb.st_mode || sa.st_uid != sb.st_uid || sa.st_gid != sb.st_gid ||
            sa.st_mtim.tv_sec != sb.st_mtim.tv_sec || sa.st_mtim.tv_nsec != sb.st_mtim.tv_nsec ||
            sa.st_rdev != sb.st_rdev || (!S_ISDIR(sa.st_mode) && sa.st_size != sb.st_size) ||
            sa.st_nlink != sb.st_nlink) {
                fprintf(stderr,
                        "  %s: mode %o/%o uid %u/%u gid %u/%u mtime %lld.%09ld/%lld.%09ld size "
                        "%lld/%lld nlink %lu/%lu\n",
                        rel, sa.st_mode, sb.st_mode, sa.st_uid, sb.st_uid, sa.st_gid, sb.st_gid,
                        (long long)sa.st_mtim.tv_sec, sa.st_mtim.tv_nsec,
                        (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec, (long long)sa.st_size,
                        (long long)sb.st_size, (unsigned long)sa.st_nlink,
                        (unsigned long)sb.st_nlink);
                check(!"stat differs");
        }
        {
                _cleanup_free_ char *xa = xattrs_of(a), *xb = xattrs_of(b);

                check(xa && xb);
                if (xa && xb && strcmp(xa, xb) != 0) {
                        fprintf(stderr, "  %s: xattrs\n%s---\n%s", rel, xa, xb);
                        check(!"xattrs differ");
                }
        }
        if (S_ISREG(sa.st_mode)) {
                size_t la = 0, lb = 0;
                _cleanup_free_ char *ca = read_file(a, &la), *cb = read_file(b, &lb);

                check(ca && cb && la == lb && memcmp(ca, cb, la) == 0);
        } else if (S_ISLNK(sa.st_mode)) {
                char ta[PATH_MAX] = "", tb[PATH_MAX] = "";

                check(readlink(a, ta, sizeof(ta) - 1) > 0);
                check(readlink(b, tb, sizeof(tb) - 1) > 0);
                check_str(tb, ta);
        } else if (S_ISDIR(sa.st_mode)) {
                _cleanup_(closedirp_) DIR *d = opendir(a);
                struct dirent *de;
                int in_src = 0, in_mnt = 0;

                check(d != NULL);
                while (d && (de = readdir(d))) {
                        char sub[PATH_MAX];

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name);
                        n += compare_tree(src, mnt, sub);
                        in_src++;
                }
                closedirp_(&d);
                d = opendir(b);
                check(d != NULL);
                while (d && (de = readdir(d)))
                        if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                                in_mnt++;
                check(in_src == in_mnt);
        }
        return n;
}

/* make_tree()'s entries, the root included */
#define TREE_ENTRIES 20

static bool
is_mountpoint(const char *path)
{
        char parent[PATH_MAX];
        struct stat a, b;

        snprintf(parent, sizeof(parent), "%s/..", path);
        return stat(path, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* a sysfs attribute's value (its size says 4096 whatever it holds), or NULL */
static char *
read_sysfs(const char *path)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        char *buf = calloc(1, 4097);
        ssize_t n;

        if (fd < 0 || !buf) {
                free(buf);
                return NULL;
        }
        n = read(fd, buf, 4096);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* /sys/dev/block/MAJ:MIN/loop/backing_file of the device mounted on path, or "" */
static void
loop_backing_path(dev_t dev, char out[PATH_MAX])
{
        snprintf(out, PATH_MAX, "/sys/dev/block/%u:%u/loop/backing_file", major(dev), minor(dev));
}

/* whether the loop device's backing file is gone, waiting up to 2 s for the kernel */
static bool
loop_freed(const char *backing)
{
        for (int i = 0; i < 200; i++) {
                if (access(backing, F_OK) < 0 && errno == ENOENT)
                        return true;
                usleep(10000);
        }
        return false;
}

static void
test_build_and_mount(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        struct erofs_super_info info = {0};
        struct statvfs sv;
        struct stat h1 = {0}, h2 = {0}, st = {0};
        char p1[PATH_MAX], p2[PATH_MAX];
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(erofs_probe(e.img, &info, &err) == 0);
        check(stat(e.img, &st) == 0 && (st.st_mode & 07777) == 0644);
        check(info.file_size == (uint64_t)st.st_size);
        check(info.block_size == 4096);
        check(info.blocks * info.block_size <= info.file_size);
        check(info.blocks * info.block_size > BIG_SIZE + (256 << 10));
        check(info.inodes == TREE_ENTRIES - 1); /* the hard link pair is one inode */

        check(erofs_mount(e.img, e.mnt, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(is_mountpoint(e.mnt));
        check(compare_tree(e.src, e.mnt, "") == TREE_ENTRIES);
        /* the hard link pair shares one inode in the image too */
        snprintf(p1, sizeof(p1), "%s/hard1", e.mnt);
        snprintf(p2, sizeof(p2), "%s/hard2", e.mnt);
        check(lstat(p1, &h1) == 0 && lstat(p2, &h2) == 0);
        check(h1.st_ino == h2.st_ino && h1.st_nlink == 2);
        check(statvfs(e.mnt, &sv) == 0);
        check((sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV)) ==
              (ST_RDONLY | ST_NOSUID | ST_NODEV));
        /* read-only, whatever the modes say */
        snprintf(p1, sizeof(p1), "%s/new", e.mnt);
        check(open(p1, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EROFS);
        check(erofs_umount(e.mnt, &err) == 0);
        check(!is_mountpoint(e.mnt));
        check(err == NULL);
        env_done(&e);
}

static void
test_mount_loop_frees_device(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        char backing[PATH_MAX], p[PATH_MAX];
        struct stat st;
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_mount_loop(e.img, e.mnt, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(stat(e.mnt, &st) == 0 && major(st.st_dev) == LOOP_MAJOR);
        loop_backing_path(st.st_dev, backing);
        {
                _cleanup_free_ char *b = read_sysfs(backing);
                char ro[PATH_MAX], ac[PATH_MAX];
                _cleanup_free_ char *rov = NULL, *acv = NULL;

                check(b && strncmp(b, e.img, strlen(e.img)) == 0 && b[strlen(e.img)] == '\n');
                snprintf(ro, sizeof(ro), "/sys/dev/block/%u:%u/ro", major(st.st_dev),
                         minor(st.st_dev));
                snprintf(ac, sizeof(ac), "/sys/dev/block/%u:%u/loop/autoclear", major(st.st_dev),
                         minor(st.st_dev));
                rov = read_sysfs(ro);
                acv = read_sysfs(ac);
                check(rov && streq(rov, "1\n"));
                check(acv && streq(acv, "1\n"));
        }
        check(compare_tree(e.src, e.mnt, "") == TREE_ENTRIES);
        /* the same image twice at once: two loop devices, each freed with its mount */
        check(erofs_mount_loop(e.img, e.mnt2, &err) == 0);
        snprintf(p, sizeof(p), "%s/sub/deeper/file", e.mnt2);
        {
                _cleanup_free_ char *c = read_file(p, NULL);
                struct stat st2;

                check(c && streq(c, "deep\n"));
                check(stat(e.mnt2, &st2) == 0 && st2.st_dev != st.st_dev);
        }
        check(erofs_umount(e.mnt, &err) == 0);
        check(loop_freed(backing));
        check(erofs_umount(e.mnt2, &err) == 0);
        check(err == NULL);
        env_done(&e);
}

/* a loop device first: it reads ahead */
static void
test_mount_prefers_loop(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        char backing[PATH_MAX];
        struct stat st = {0};
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_mount(e.img, e.mnt, &err) == 0);
        check(stat(e.mnt, &st) == 0 && major(st.st_dev) == LOOP_MAJOR);
        loop_backing_path(st.st_dev, backing);
        check(erofs_umount(e.mnt, &err) == 0);
        check(loop_freed(backing));
        check(err == NULL);
        env_done(&e);
}

/* whether mountinfo has path mounted from source, as erofs */
static bool
mounted_from(const char *path, const char *source)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *want = NULL;
        char line[4096];
        bool found = false;

        if (!f || asprintf(&want, " - erofs %s ", source) < 0)
                return false;
        while (fgets(line, sizeof(line), f)) {
                char *mp = strchr(line, '/');

                /* the 5th field is the mount point; the 4th (root) is "/" too */
                mp = mp ? strchr(mp, ' ') : NULL;
                if (mp && strncmp(mp + 1, path, strlen(path)) == 0 && mp[1 + strlen(path)] == ' ' &&
                    strstr(line, want))
                        found = true;
        }
        return found;
}

/* straight from the file (Linux 6.12 on): no loop device, the image is the mount's source */
static void
test_mount_file(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        struct stat st = {0};
        struct env e = {0};
        int r;

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        r = erofs_mount_file(e.img, e.mnt, &err);
        if (r == -ENOTBLK) {
                check_skip("this kernel mounts EROFS from block devices only (before 6.12)");
                env_done(&e);
                return;
        }
        check(r == 0);
        check(stat(e.mnt, &st) == 0 && major(st.st_dev) == 0);
        check(mounted_from(e.mnt, e.img));
        check(compare_tree(e.src, e.mnt, "") == TREE_ENTRIES);
        check(erofs_umount(e.mnt, &err) == 0);
        check(!is_mountpoint(e.mnt));
        check(err == NULL);
        env_done(&e);
}

/*
 * With no loop device to be had (here: /dev/loop-control is /dev/null, in
 * a mount namespace of a child's own), erofs_mount() mounts the file
 * itself; a kernel that cannot says what the loop device said.
 */
static void
test_mount_without_loop_devices(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        struct env e = {0};
        pid_t pid;
        int st = -1;

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        pid = fork();
        if (pid == 0) {
                struct berr *cerr = NULL;
                struct stat mst;
                int r;

                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("/dev/null", "/dev/loop-control", NULL, MS_BIND, NULL) < 0)
                        _exit(2);
                r = erofs_mount(e.img, e.mnt, &cerr);
                if (r == -ENOTBLK)
                        _exit(cerr && strstr(cerr->msg, ": find a free loop device: ") ? 10 : 3);
                if (r < 0) {
                        fprintf(stderr, "  %s\n", cerr ? cerr->msg : "?");
                        _exit(4);
                }
                if (stat(e.mnt, &mst) < 0 || major(mst.st_dev) != 0 || !mounted_from(e.mnt, e.img))
                        _exit(5);
                _exit(erofs_umount(e.mnt, &cerr) == 0 ? 0 : 6);
        }
        check(pid > 0);
        check(pid > 0 && waitpid(pid, &st, 0) == pid);
        check(WIFEXITED(st) && (WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 10));
        if (WIFEXITED(st) && WEXITSTATUS(st) == 10)
                check_skip("this kernel mounts EROFS from block devices only (before 6.12)");
        check(!is_mountpoint(e.mnt));
        check(err == NULL);
        env_done(&e);
}

/* N processes mount the same image through loop devices at once: each gets its own */
static void
test_concurrent_loop_mounts(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        enum { N = 4 };
        pid_t pids[N];
        int go[2];
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(pipe2(go, O_CLOEXEC) == 0);
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        char mp[128], f[PATH_MAX], c;
                        struct berr *cerr = NULL;
                        int r;

                        (void)close(go[1]);
                        snprintf(mp, sizeof(mp), "%s/m%d", e.root, i);
                        if (mkdir(mp, 0755) < 0 || read(go[0], &c, 1) != 0)
                                _exit(2);
                        r = erofs_mount_loop(e.img, mp, &cerr);
                        if (r < 0) {
                                fprintf(stderr, "  child %d: %s\n", i, cerr->msg);
                                _exit(3);
                        }
                        snprintf(f, sizeof(f), "%s/hello", mp);
                        {
                                _cleanup_free_ char *s = read_file(f, NULL);

                                r = s && streq(s, "hello, layer\n") ? 0 : 4;
                        }
                        if (erofs_umount(mp, &cerr) < 0)
                                r = 5;
                        _exit(r);
                }
                check(pids[i] > 0);
        }
        (void)close(go[0]);
        (void)close(go[1]); /* all start now */
        for (int i = 0; i < N; i++) {
                int st = -1;

                if (pids[i] <= 0)
                        continue;
                check(waitpid(pids[i], &st, 0) == pids[i]);
                check(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        check(err == NULL);
        env_done(&e);
}

/*
 * lowerdir = the erofs mount over a plain lower directory: the image's
 * whiteout hides the lower "wh", its opaque "opq" hides everything the
 * lower has in "opq", the rest of the lower shows through.
 */
static void
test_overlay_whiteout_opaque(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        _cleanup_free_ char *opts = NULL;
        char p[PATH_MAX];
        struct stat st;
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_mount(e.img, e.mnt, &err) == 0);
#define L(name) (snprintf(p, sizeof(p), "%s/%s", e.lower, name), p)
#define O(name) (snprintf(p, sizeof(p), "%s/%s", e.ovl, name), p)
        write_file(L("wh"), "hidden by the whiteout\n", 23, 0644);
        check(mkdir(L("opq"), 0755) == 0);
        write_file(L("opq/old"), "hidden by the opaque dir\n", 25, 0644);
        check(mkdir(L("sub"), 0755) == 0);
        write_file(L("sub/from-lower"), "merged\n", 7, 0644);
        write_file(L("only-lower"), "shows through\n", 14, 0644);
        check(asprintf(&opts, "lowerdir=%s:%s", e.mnt, e.lower) > 0);
        check(mount("overlay", e.ovl, "overlay", MS_RDONLY, opts) == 0);

        check(lstat(O("wh"), &st) < 0 && errno == ENOENT);
        check(lstat(O("opq/old"), &st) < 0 && errno == ENOENT);
        check(lstat(O("opq/kept"), &st) == 0 && S_ISREG(st.st_mode));
        check(lstat(O("only-lower"), &st) == 0);
        check(lstat(O("sub/from-lower"), &st) == 0);
        check(lstat(O("sub/deeper/file"), &st) == 0);
        check(lstat(O("hello"), &st) == 0 && st.st_size == 13);
        {
                _cleanup_(closedirp_) DIR *d = opendir(O("opq"));
                struct dirent *de;
                int n = 0;

                check(d != NULL);
                while (d && (de = readdir(d)))
                        if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                                check(streq(de->d_name, "kept"));
                                n++;
                        }
                check(n == 1);
        }
        {
                _cleanup_(closedirp_) DIR *d = opendir(e.ovl);
                struct dirent *de;

                check(d != NULL);
                while (d && (de = readdir(d)))
                        check(!streq(de->d_name, "wh"));
        }
        /* the opaque xattr and the whiteout are overlay's own: they do not show */
        check(lgetxattr(O("opq"), "trusted.overlay.opaque", NULL, 0) < 0);
#undef L
#undef O
        check(umount2(e.ovl, 0) == 0);
        check(erofs_umount(e.mnt, &err) == 0);
        check(err == NULL);
        env_done(&e);
}

/* a truncated image, random bytes, a short file, a damaged superblock, a symlink, a directory */
static void
test_probe_refuses(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        _cleanup_free_ char *img = NULL, *want = NULL;
        char path[PATH_MAX];
        size_t len = 0;
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        img = read_file(e.img, &len);
        check(img && len > 8192);
        if (!img) {
                env_done(&e);
                return;
        }

        snprintf(path, sizeof(path), "%s/truncated.erofs", e.out);
        write_file(path, img, len / 2, 0644);
        check(erofs_probe(path, NULL, &err) == -EINVAL);
        check(asprintf(&want, "%s: EROFS image truncated: %zu bytes, its superblock counts %zu",
                       path, len / 2, len) > 0);
        check(err && want && streq(err->msg, want));
        err = berr_free(err);
        /* refused before the kernel sees it: nothing is mounted */
        check(erofs_mount(path, e.mnt, &err) == -EINVAL);
        check(!is_mountpoint(e.mnt));
        err = berr_free(err);
        check(erofs_mount_loop(path, e.mnt, &err) == -EINVAL);
        check(!is_mountpoint(e.mnt));
        err = berr_free(err);

        /* random bytes: no magic */
        {
                _cleanup_free_ char *rnd = malloc(8192);
                uint32_t x = 99;

                check(rnd != NULL);
                for (size_t i = 0; rnd && i < 8192; i++) {
                        x = x * 1664525U + 1013904223U;
                        rnd[i] = (char)(x >> 24);
                }
                snprintf(path, sizeof(path), "%s/random", e.out);
                if (rnd)
                        write_file(path, rnd, 8192, 0644);
                check(erofs_probe(path, NULL, &err) == -EINVAL);
                free(want);
                check(asprintf(&want, "%s: not an EROFS image: no EROFS magic at byte 1024", path) >
                      0);
                check(err && want && streq(err->msg, want));
                err = berr_free(err);
        }

        snprintf(path, sizeof(path), "%s/short", e.out);
        write_file(path, img, 1100, 0644);
        check(erofs_probe(path, NULL, &err) == -EINVAL);
        free(want);
        check(asprintf(&want, "%s: not an EROFS image: 1100 bytes, too short", path) > 0);
        check(err && want && streq(err->msg, want));
        err = berr_free(err);

        /* one byte of the superblock's volume name changed: its checksum tells */
        img[1024 + 64] ^= 0x5a;
        snprintf(path, sizeof(path), "%s/damaged.erofs", e.out);
        write_file(path, img, len, 0644);
        check(erofs_probe(path, NULL, &err) == -EINVAL);
        check(err && strstr(err->msg, ": EROFS superblock checksum mismatch: 0x"));
        err = berr_free(err);

        snprintf(path, sizeof(path), "%s/link.erofs", e.out);
        check(symlink(e.img, path) == 0);
        check(erofs_probe(path, NULL, &err) == -ELOOP);
        err = berr_free(err);

        check(erofs_probe(e.out, NULL, &err) == -EINVAL);
        free(want);
        check(asprintf(&want, "%s: not a regular file", e.out) > 0);
        check(err && want && streq(err->msg, want));
        err = berr_free(err);

        check(erofs_probe(e.img, NULL, &err) == 0);
        env_done(&e);
}

/* count the entries of dir */
static int
count_entries(const char *dir)
{
        _cleanup_(closedirp_) DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        while (d && (de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return d ? n : -1;
}

/* a fake mkfs.erofs running script (a test fixture: berth itself never runs a shell) */
static void
fake_mkfs(const char *bindir, const char *script)
{
        char p[PATH_MAX];
        _cleanup_free_ char *s = NULL;

        (void)mkdir(bindir, 0755);
        snprintf(p, sizeof(p), "%s/mkfs.erofs", bindir);
        check(asprintf(&s, "#!/bin/sh\n%s\n", script) > 0);
        if (s)
                write_file(p, s, strlen(s), 0755);
}

/*
 * A build that fails at any point, mkfs.erofs's own failure or a crash,
 * leaves nothing under the image's name (an image already there stays as
 * it was) and no temp file.
 */
static void
test_build_failures_leave_nothing(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        _cleanup_free_ char *old_path = NULL, *want = NULL, *bindir = NULL;
        const char *path_env;
        char p[PATH_MAX];
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        path_env = getenv("PATH");
        check(path_env != NULL);
        old_path = strdup(path_env ? path_env : "/usr/bin:/bin");
        if (!old_path) {
                check(!"out of memory");
                env_done(&e);
                return;
        }

        /* no such source: said before mkfs.erofs runs */
        snprintf(p, sizeof(p), "%s/nonexistent", e.root);
        check(erofs_build(p, e.img, 0, &err) == -ENOENT);
        check(asprintf(&want, "EROFS image %s: source %s: No such file or directory", e.img, p) >
              0);
        check(err && want && streq(err->msg, want));
        err = berr_free(err);
        check(count_entries(e.out) == 0);

        snprintf(p, sizeof(p), "%s/hello", e.src);
        check(erofs_build(p, e.img, 0, &err) == -ENOTDIR);
        err = berr_free(err);
        check(count_entries(e.out) == 0);

        check(erofs_build(e.src, e.img, 0x80, &err) == -EINVAL);
        err = berr_free(err);

        /* an image already there is replaced only by a whole new one */
        write_file(e.img, "old image", 9, 0644);
        check(asprintf(&bindir, "%s/bin", e.root) > 0);
        check(setenv("PATH", bindir, 1) == 0);

        /* no mkfs.erofs at all */
        check(erofs_build(e.src, e.img, 0, &err) == -ENOENT);
        check(err && streq(err->msg, "mkfs.erofs is not in $PATH (install the erofs-utils "
                                     "package): No such file or directory"));
        err = berr_free(err);

        /* killed halfway through writing (what a crash or the OOM killer does) */
        fake_mkfs(bindir, "shift 4; printf 'half an image' > \"$1\"; kill -9 $$");
        check(erofs_build(e.src, e.img, 0, &err) == -EINVAL);
        check(err && strstr(err->msg, "mkfs.erofs killed by signal 9"));
        err = berr_free(err);

        /* its own failure: its error line is in the message */
        fake_mkfs(bindir, "echo 'mkfs.erofs 1.5'; echo '<E> erofs: disk on fire' >&2; "
                          "echo 'usage: [options] FILE DIRECTORY' >&2; exit 1");
        check(erofs_build(e.src, e.img, 0, &err) == -EINVAL);
        free(want);
        check(asprintf(&want,
                       "EROFS image %s from %s: mkfs.erofs failed (exit status 1): <E> erofs: "
                       "disk on fire",
                       e.img, e.src) > 0);
        check(err && want && streq(err->msg, want));
        err = berr_free(err);

        /* exit status 0 and garbage: the image is checked anyway */
        fake_mkfs(bindir, "shift 4; /usr/bin/head -c 8192 /dev/zero > \"$1\"");
        check(erofs_build(e.src, e.img, 0, &err) == -EINVAL);
        check(err && strstr(err->msg, "mkfs.erofs wrote a bad image: ") &&
              strstr(err->msg, "not an EROFS image: no EROFS magic at byte 1024"));
        err = berr_free(err);

        check(setenv("PATH", old_path, 1) == 0);
        {
                _cleanup_free_ char *c = read_file(e.img, NULL);

                check(c && streq(c, "old image"));
        }
        check(count_entries(e.out) == 1);

        /* and a real build replaces it */
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_probe(e.img, NULL, &err) == 0);
        check(count_entries(e.out) == 1);
        check(err == NULL);
        env_done(&e);
}

/* the same tree gives the same bytes, built anywhere, any time; names give UUIDs */
static void
test_reproducible(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        _cleanup_free_ char *a = NULL, *b = NULL;
        struct erofs_super_info ia = {0}, ib = {0}, ic = {0};
        char src2[128], dir2[128], img2[PATH_MAX], img3[PATH_MAX];
        size_t la = 0, lb = 0;
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        snprintf(src2, sizeof(src2), "%s/src2", e.root);
        make_tree(src2);
        snprintf(dir2, sizeof(dir2), "%s/out2", e.root);
        check(mkdir(dir2, 0755) == 0);
        snprintf(img2, sizeof(img2), "%s/layer.erofs", dir2);
        snprintf(img3, sizeof(img3), "%s/other.erofs", dir2);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_build(src2, img2, 0, &err) == 0);
        check(erofs_build(src2, img3, 0, &err) == 0);
        a = read_file(e.img, &la);
        b = read_file(img2, &lb);
        check(a && b && la == lb && memcmp(a, b, la) == 0);
        check(erofs_probe(e.img, &ia, &err) == 0);
        check(erofs_probe(img2, &ib, &err) == 0);
        check(erofs_probe(img3, &ic, &err) == 0);
        check(memcmp(ia.uuid, ib.uuid, 16) == 0);
        check(memcmp(ia.uuid, ic.uuid, 16) != 0);
        check((ia.uuid[6] & 0xf0) == 0x80 && (ia.uuid[8] & 0xc0) == 0x80);
        check(err == NULL);
        env_done(&e);
}

/* an mtime before 1970 is kept too (mkfs.erofs would clamp it as it clamps future ones) */
static void
test_mtime_before_1970(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        char p[PATH_MAX];
        struct stat st = {0};
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        snprintf(p, sizeof(p), "%s/sub/deeper/file", e.src);
        set_time(p, -315619200, 250); /* 1960-01-01 */
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_mount(e.img, e.mnt, &err) == 0);
        check(compare_tree(e.src, e.mnt, "") == TREE_ENTRIES);
        snprintf(p, sizeof(p), "%s/sub/deeper/file", e.mnt);
        check(lstat(p, &st) == 0 && st.st_mtim.tv_sec == -315619200 && st.st_mtim.tv_nsec == 250);
        check(erofs_umount(e.mnt, &err) == 0);
        check(err == NULL);
        env_done(&e);
}

static void
test_lz4(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *skip = skip_reason();
        struct erofs_super_info plain = {0}, lz4 = {0};
        char img2[PATH_MAX];
        struct env e = {0};

        if (skip) {
                check_skip(skip);
                return;
        }
        env_setup(&e);
        make_tree(e.src);
        snprintf(img2, sizeof(img2), "%s/lz4.erofs", e.out);
        check(erofs_build(e.src, e.img, 0, &err) == 0);
        check(erofs_build(e.src, img2, EROFS_BUILD_LZ4, &err) == 0);
        check(erofs_probe(e.img, &plain, &err) == 0);
        check(erofs_probe(img2, &lz4, &err) == 0);
        /* 256 KiB of one letter shrinks to almost nothing */
        check(lz4.blocks + (200 << 10) / 4096 < plain.blocks);
        check(erofs_mount(img2, e.mnt, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(compare_tree(e.src, e.mnt, "") == TREE_ENTRIES);
        check(erofs_umount(e.mnt, &err) == 0);
        check(err == NULL);
        env_done(&e);
}

static void
test_umount_not_mounted(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char dir[] = "/tmp/berth-test-erofs-XXXXXX";
        _cleanup_free_ char *want = NULL;

        check(mkdtemp(dir) != NULL);
        check(erofs_umount(dir, &err) < 0);
        check(asprintf(&want, "unmount %s: %s", dir,
                       geteuid() == 0 ? "Invalid argument" : "Operation not permitted") > 0);
        check(err && want && streq(err->msg, want));
        check(rmdir(dir) == 0);
}

/* a superblock made by hand: 4 KiB blocks, no checksum */
static void
put_le32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
}

static void
make_super(uint8_t *buf, size_t len, uint32_t blocks)
{
        uint8_t *sb = buf + EROFS_SUPER_OFFSET;

        memset(buf, 0, len);
        put_le32(sb, EROFS_SUPER_MAGIC_V1);
        sb[12] = 12;
        put_le32(sb + 36, blocks);
        put_le32(sb + 16, 3);
}

static void
test_super_parse(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct erofs_super_info info = {0};
        uint8_t buf[8192];

        make_super(buf, sizeof(buf), 2);
        check(erofs_super_parse(buf, sizeof(buf), 8192, &info, &err) == 0);
        check(info.block_size == 4096 && info.blocks == 2 && info.inodes == 3);
        check(info.file_size == 8192);
        /* larger files are fine (padding), shorter ones are not */
        check(erofs_super_parse(buf, sizeof(buf), 1 << 20, &info, &err) == 0);
        check(erofs_super_parse(buf, 4096, 4096, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS image truncated: 4096 bytes, its superblock counts "
                                     "8192"));
        err = berr_free(err);

        /* 48-bit block counts: the high bits where the root nid was */
        buf[EROFS_SUPER_OFFSET + 80] = 0x80;
        buf[EROFS_SUPER_OFFSET + 14] = 1;
        check(erofs_super_parse(buf, sizeof(buf), 8192, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS image truncated: 8192 bytes, its superblock counts "
                                     "17592186052608"));
        err = berr_free(err);
        check(erofs_super_parse(buf, sizeof(buf), UINT64_MAX, &info, &err) == 0);
        check(info.blocks == (1ULL << 32) + 2);

        make_super(buf, sizeof(buf), 0);
        check(erofs_super_parse(buf, sizeof(buf), 8192, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS superblock counts 0 blocks"));
        err = berr_free(err);

        make_super(buf, sizeof(buf), 1);
        buf[EROFS_SUPER_OFFSET + 12] = 17;
        check(erofs_super_parse(buf, sizeof(buf), 8192, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS image with a block size of 2^17 bytes: not supported"));
        err = berr_free(err);

        make_super(buf, sizeof(buf), 1);
        buf[EROFS_SUPER_OFFSET + 86] = 2;
        check(erofs_super_parse(buf, sizeof(buf), 8192, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS image needs 2 more devices: berth mounts "
                                     "single-file images only"));
        err = berr_free(err);

        /* a checksum asked for, but the block it covers is cut short */
        make_super(buf, sizeof(buf), 1);
        buf[EROFS_SUPER_OFFSET + 8] = 1;
        check(erofs_super_parse(buf, 2048, 2048, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "EROFS image truncated: 2048 bytes, its superblock's block "
                                     "ends at 4096"));
        err = berr_free(err);
        check(erofs_super_parse(buf, sizeof(buf), 8192, NULL, &err) == -EINVAL);
        check(err && strstr(err->msg, "EROFS superblock checksum mismatch: 0x"));
        err = berr_free(err);

        check(erofs_super_parse(buf, 100, 100, NULL, &err) == -EINVAL);
        check(err && streq(err->msg, "not an EROFS image: 100 bytes, too short"));
}

int
main(void)
{
        RUN(test_super_parse);
        RUN(test_umount_not_mounted);
        RUN(test_build_and_mount);
        RUN(test_mount_loop_frees_device);
        RUN(test_mount_prefers_loop);
        RUN(test_mount_file);
        RUN(test_mount_without_loop_devices);
        RUN(test_concurrent_loop_mounts);
        RUN(test_overlay_whiteout_opaque);
        RUN(test_probe_refuses);
        RUN(test_build_failures_leave_nothing);
        RUN(test_reproducible);
        RUN(test_mtime_before_1970);
        RUN(test_lz4);
        return check_done();
}
