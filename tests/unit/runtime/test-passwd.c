/*
 * tests/unit/runtime/test-passwd.c: users and groups resolved in a temp
 * rootfs. Beside the rootfs lies "outside/" with its own passwd file, the
 * host a hostile image would reach for: symlinks to it, relative or
 * absolute, must resolve inside the rootfs (with openat2 and with the
 * fallback walk both).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "check.h"
#include "runtime/passwd.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define PASSWD                                     \
        "root:x:0:0:root:/root:/bin/sh\n"          \
        "# a comment\n"                            \
        "+nis::0:0:::\n"                           \
        "broken:x:notanumber:0::/:/bin/sh\n"       \
        "short:x\n"                                \
        "alice:x:1000:1000::/home/alice:/bin/sh\n" \
        "alice:x:1001:1001::/elsewhere:/bin/sh\n"  \
        "nohome:x:1002:1002\n"                     \
        "bigid:x:4294967294:7::/big:/bin/sh"
#define GROUP                        \
        "root:x:0:\n"                \
        "bin:x:1:root,daemon\n"      \
        "wheel:x:10:bob,alice\n"     \
        "alice:x:1000:\n"            \
        "audio:x:29:alicex,xalice\n" \
        "users:x:100:alice\n"        \
        "dup:x:10:alice\n"

struct tmp {
        char dir[64];
        char root[96];
        int rootfd;
};

static void
write_file(const char *dir, const char *rel, const char *content)
{
        char path[512];
        FILE *f;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
        f = fopen(path, "we");
        if (!f)
                abort();
        (void)fputs(content, f);
        if (fclose(f) != 0)
                abort();
}

static void
make_dir(const char *dir, const char *rel)
{
        char path[512];

        (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
        if (mkdir(path, 0755) < 0 && errno != EEXIST)
                abort();
}

static void
make_link(const char *dir, const char *rel, const char *target)
{
        char path[512];

        (void)snprintf(path, sizeof(path), "%s/%s", dir, rel);
        if (symlink(target, path) < 0)
                abort();
}

/* dir/ with rootfs/ (rootfs/etc/ made) and outside/passwd holding user "evil" */
static void
tmp_setup(struct tmp *t)
{
        (void)snprintf(t->dir, sizeof(t->dir), "/tmp/berth-test-passwd-XXXXXX");
        if (!mkdtemp(t->dir))
                abort();
        (void)snprintf(t->root, sizeof(t->root), "%s/rootfs", t->dir);
        make_dir(t->dir, "rootfs");
        make_dir(t->dir, "rootfs/etc");
        make_dir(t->dir, "outside");
        write_file(t->dir, "outside/passwd", "evil:x:666:666::/evil:/bin/sh\n");
        write_file(t->dir, "outside/group", "evil:x:666:alice\n");
        t->rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (t->rootfd < 0)
                abort();
}

static void
tmp_done(struct tmp *t)
{
        (void)close(t->rootfd);
        (void)rm_rf_at(AT_FDCWD, t->dir);
}

static void
tmp_standard(struct tmp *t)
{
        tmp_setup(t);
        write_file(t->root, "etc/passwd", PASSWD);
        write_file(t->root, "etc/group", GROUP);
}

static bool
groups_are(const struct passwd_user *u, const uint32_t *want, size_t n)
{
        if (u->n_groups != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (u->groups[i] != want[i])
                        return false;
        return true;
}

static void
test_parse_id(void)
{
        uint32_t v = 77;

        check(passwd_parse_id("0", &v) == 0 && v == 0);
        check(passwd_parse_id("1000", &v) == 0 && v == 1000);
        check(passwd_parse_id("4294967294", &v) == 0 && v == 4294967294U);
        v = 77;
        check(passwd_parse_id("4294967295", &v) == -EINVAL);
        check(passwd_parse_id("99999999999999999999999", &v) == -EINVAL);
        check(passwd_parse_id("", &v) == -EINVAL);
        check(passwd_parse_id("-1", &v) == -EINVAL);
        check(passwd_parse_id("+1", &v) == -EINVAL);
        check(passwd_parse_id("12a", &v) == -EINVAL);
        check(passwd_parse_id(" 1", &v) == -EINVAL);
        check(v == 77);
}

static void
test_parse_lines(void)
{
        struct passwd_entry p;
        struct group_entry g;
        char l1[] = "alice:x:1000:100:Alice:/home/alice:/bin/sh";
        char l2[] = "nohome:x:5:6";
        char l3[] = "x:x:5";
        char l4[] = ":x:5:6::/:/bin/sh";
        char l5[] = "-alice:x:5:6::/:/bin/sh";
        char l6[] = "a:x:5:six::/:/bin/sh";
        char g1[] = "wheel:x:10:a,b";
        char g2[] = "nomembers:x:11";
        char g3[] = "bad:x:eleven:a";

        check(passwd_parse_line(l1, &p));
        check_str(p.name, "alice");
        check_str(p.home, "/home/alice");
        check(p.uid == 1000 && p.gid == 100);
        check(passwd_parse_line(l2, &p) && p.uid == 5 && p.gid == 6);
        check_str(p.home, "");
        check(!passwd_parse_line(l3, &p));
        check(!passwd_parse_line(l4, &p));
        check(!passwd_parse_line(l5, &p));
        check(!passwd_parse_line(l6, &p));
        check(group_parse_line(g1, &g) && g.gid == 10);
        check_str(g.name, "wheel");
        check_str(g.members, "a,b");
        check(group_parse_line(g2, &g) && g.gid == 11 && !g.members);
        check(!group_parse_line(g3, &g));

        check(group_has_member("a,b,c", "b"));
        check(group_has_member("a,b,c", "a"));
        check(group_has_member("a,b,c", "c"));
        check(group_has_member("alice", "alice"));
        check(!group_has_member("alice", "alic"));
        check(!group_has_member("xalice,alicex", "alice"));
        check(!group_has_member("", "alice"));
        check(!group_has_member(NULL, "alice"));
        check(!group_has_member("a,,b", ""));
}

static void
test_by_name(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct passwd_user u = {0};
        const uint32_t want[] = {10, 100};
        struct tmp t = {0};

        tmp_standard(&t);
        /* the first entry of a name wins; memberships in file order, each gid once */
        check(passwd_resolve(t.rootfd, t.root, "alice", false, &u, &err) == 0);
        check(u.uid == 1000 && u.gid == 1000);
        check_str(u.name, "alice");
        check_str(u.home, "/home/alice");
        check(groups_are(&u, want, 2));
        passwd_user_done(&u);

        check(passwd_resolve(t.rootfd, t.root, "root", false, &u, &err) == 0);
        check(u.uid == 0 && u.gid == 0 && u.n_groups == 1 && u.groups[0] == 1);
        check_str(u.home, "/root");
        passwd_user_done(&u);

        /* an entry without home: "" */
        check(passwd_resolve(t.rootfd, t.root, "nohome", false, &u, &err) == 0);
        check(u.uid == 1002 && u.gid == 1002 && u.home && !*u.home);
        passwd_user_done(&u);
        check(!err);
        tmp_done(&t);
}

static void
test_by_number(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct passwd_user u = {0};
        const uint32_t want[] = {10, 100};
        struct tmp t = {0};

        tmp_standard(&t);
        /* a uid with an entry takes its gid, name, home and groups */
        check(passwd_resolve(t.rootfd, t.root, "1000", false, &u, &err) == 0);
        check(u.uid == 1000 && u.gid == 1000);
        check_str(u.name, "alice");
        check(groups_are(&u, want, 2));
        passwd_user_done(&u);

        /* without an entry: gid 0, no name, no groups */
        check(passwd_resolve(t.rootfd, t.root, "5000", false, &u, &err) == 0);
        check(u.uid == 5000 && u.gid == 0 && !u.name && !u.home && u.n_groups == 0);
        passwd_user_done(&u);

        check(passwd_resolve(t.rootfd, t.root, "4294967294", false, &u, &err) == 0);
        check(u.uid == 4294967294U && u.gid == 7);
        passwd_user_done(&u);

        /* NULL and "" are root */
        check(passwd_resolve(t.rootfd, t.root, NULL, false, &u, &err) == 0);
        check(u.uid == 0 && u.gid == 0);
        check_str(u.name, "root");
        passwd_user_done(&u);
        check(passwd_resolve(t.rootfd, t.root, "", false, &u, &err) == 0 && u.uid == 0);
        passwd_user_done(&u);
        check(!err);
        tmp_done(&t);
}

static void
test_with_group(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct passwd_user u = {0};
        struct tmp t = {0};

        tmp_standard(&t);
        /* a group given: no memberships added (podman, runc) */
        check(passwd_resolve(t.rootfd, t.root, "alice:wheel", false, &u, &err) == 0);
        check(u.uid == 1000 && u.gid == 10 && u.n_groups == 0);
        passwd_user_done(&u);
        check(passwd_resolve(t.rootfd, t.root, "alice:44", false, &u, &err) == 0);
        check(u.uid == 1000 && u.gid == 44 && u.n_groups == 0);
        passwd_user_done(&u);
        check(passwd_resolve(t.rootfd, t.root, "5000:7", false, &u, &err) == 0);
        check(u.uid == 5000 && u.gid == 7);
        passwd_user_done(&u);
        check(passwd_resolve(t.rootfd, t.root, "1000:users", false, &u, &err) == 0);
        check(u.uid == 1000 && u.gid == 100);
        passwd_user_done(&u);
        check(!err);
        tmp_done(&t);
}

static void
test_unknown(void)
{
        _cleanup_(berr_freep) struct berr *e1 = NULL, *e2 = NULL, *e3 = NULL, *e4 = NULL;
        struct passwd_user u = {.uid = 4242};
        char want[256];
        struct tmp t = {0};

        tmp_standard(&t);
        check(passwd_resolve(t.rootfd, t.root, "bob", false, &u, &e1) == -EINVAL);
        (void)snprintf(want, sizeof(want), "user \"bob\" not found in %s/etc/passwd", t.root);
        check_str(e1 ? e1->msg : NULL, want);
        check(passwd_resolve(t.rootfd, t.root, "alice:staff", false, &u, &e2) == -EINVAL);
        (void)snprintf(want, sizeof(want), "group \"staff\" not found in %s/etc/group", t.root);
        check_str(e2 ? e2->msg : NULL, want);
        check(passwd_resolve(t.rootfd, t.root, "alice:", false, &u, &e3) == -EINVAL);
        check_str(e3 ? e3->msg : NULL, "invalid user \"alice:\": expected user[:group]");
        /* control bytes in a name are escaped in the message */
        check(passwd_resolve(t.rootfd, t.root, "b\x1b[2Jb", false, &u, &e4) == -EINVAL);
        (void)snprintf(want, sizeof(want), "user \"b\\x1b[2Jb\" not found in %s/etc/passwd",
                       t.root);
        check_str(e4 ? e4->msg : NULL, want);
        check(u.uid == 4242 && !u.name);
        tmp_done(&t);
}

static void
test_no_files(void)
{
        _cleanup_(berr_freep) struct berr *e1 = NULL, *e2 = NULL;
        struct passwd_user u = {0};
        char want[256];
        struct tmp t = {0};

        tmp_setup(&t);
        check(passwd_resolve(t.rootfd, t.root, "0", false, &u, &e1) == 0);
        check(u.uid == 0 && u.gid == 0 && !u.name);
        passwd_user_done(&u);
        check(passwd_resolve(t.rootfd, t.root, "1000:7", false, &u, &e1) == 0);
        check(u.uid == 1000 && u.gid == 7);
        passwd_user_done(&u);
        check(!e1);
        check(passwd_resolve(t.rootfd, t.root, "alice", false, &u, &e1) == -EINVAL);
        (void)snprintf(want, sizeof(want), "user \"alice\" not found in %s/etc/passwd", t.root);
        check_str(e1 ? e1->msg : NULL, want);
        check(passwd_resolve(t.rootfd, t.root, "0:wheel", false, &u, &e2) == -EINVAL);
        (void)snprintf(want, sizeof(want), "group \"wheel\" not found in %s/etc/group", t.root);
        check_str(e2 ? e2->msg : NULL, want);
        tmp_done(&t);
}

/* With a hostile /etc/passwd: "evil" (outside/passwd) must never be found. */
static void
hostile(const char *link_path, const char *target, bool walk)
{
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL;
        struct passwd_user u = {0};
        char real_target[512];
        struct tmp t = {0};

        tmp_setup(&t);
        /* "@" stands for the temp dir's absolute path */
        if (target[0] == '@')
                (void)snprintf(real_target, sizeof(real_target), "%s%s", t.dir, target + 1);
        else
                (void)snprintf(real_target, sizeof(real_target), "%s", target);
        make_link(t.root, link_path, real_target);
        check(passwd_resolve(t.rootfd, t.root, "evil", walk, &u, &err) < 0);
        check(err && strstr(err->msg, "not found in"));
        /* and a number still resolves, with nothing read from outside */
        check(passwd_resolve(t.rootfd, t.root, "666", walk, &u, &err2) == 0);
        check(u.uid == 666 && u.gid == 0 && !u.name);
        passwd_user_done(&u);
        tmp_done(&t);
}

static void
test_hostile_symlinks(void)
{
        for (int walk = 0; walk < 2; walk++) {
                hostile("etc/passwd", "../../outside/passwd", walk);
                hostile("etc/passwd", "../../../../../../../outside/passwd", walk);
                hostile("etc/passwd", "@/outside/passwd", walk);
                /* /etc itself a link out */
                {
                        struct tmp t = {0};
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        struct passwd_user u = {0};
                        char target[128];

                        tmp_setup(&t);
                        (void)snprintf(target, sizeof(target), "%s/etc", t.root);
                        (void)rmdir(target);
                        make_link(t.root, "etc", "../outside");
                        check(passwd_resolve(t.rootfd, t.root, "evil", walk, &u, &err) < 0);
                        tmp_done(&t);
                }
        }
}

static void
test_symlinks_inside(void)
{
        for (int walk = 0; walk < 2; walk++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct passwd_user u = {0};
                struct tmp t = {0};

                tmp_setup(&t);
                make_dir(t.root, "lib");
                make_dir(t.root, "lib/real");
                write_file(t.root, "lib/real/passwd", "carol:x:77:78::/c:/bin/sh\n");
                write_file(t.root, "lib/real/group", "staff:x:50:carol\n");
                /* absolute (resolved in the rootfs) and relative links, chained */
                make_link(t.root, "lib/via", "/lib/real");
                make_link(t.root, "etc/passwd", "/lib/via/passwd");
                make_link(t.root, "etc/group", "../lib/./via/../real/group");
                check(passwd_resolve(t.rootfd, t.root, "carol", walk, &u, &err) == 0);
                check(u.uid == 77 && u.gid == 78 && u.n_groups == 1 && u.groups[0] == 50);
                passwd_user_done(&u);
                check(!err);
                tmp_done(&t);
        }
}

static void
test_open_in_root(void)
{
        for (int walk = 0; walk < 2; walk++) {
                struct tmp t = {0};
                int fd;

                tmp_standard(&t);
                /* ".." at the root stays at the root */
                fd = passwd_open_in_root(t.rootfd, "../../../etc/passwd", walk);
                check(fd >= 0);
                if (fd >= 0)
                        (void)close(fd);
                fd = passwd_open_in_root(t.rootfd, "/etc//./passwd", walk);
                check(fd >= 0);
                if (fd >= 0)
                        (void)close(fd);
                check(passwd_open_in_root(t.rootfd, "etc/nothere", walk) == -ENOENT);
                check(passwd_open_in_root(t.rootfd, "etc/passwd/x", walk) == -ENOTDIR);
                make_link(t.root, "etc/loop", "loop");
                check(passwd_open_in_root(t.rootfd, "etc/loop", walk) == -ELOOP);
                /* /proc/self/... magic links are refused, not followed to the host */
                make_link(t.root, "etc/magic", "/proc/self/root/etc/passwd");
                check(passwd_open_in_root(t.rootfd, "etc/magic", walk) < 0);
                tmp_done(&t);
        }
}

static void
test_not_regular(void)
{
        _cleanup_(berr_freep) struct berr *e1 = NULL, *e2 = NULL;
        struct passwd_user u = {0};
        char path[256], want[300];
        struct tmp t = {0};
        int fd;

        tmp_setup(&t);
        /* a fifo must not block the open */
        (void)snprintf(path, sizeof(path), "%s/etc/passwd", t.root);
        check(mkfifo(path, 0644) == 0);
        check(passwd_resolve(t.rootfd, t.root, "alice", false, &u, &e1) == -EINVAL);
        (void)snprintf(want, sizeof(want), "%s/etc/passwd is not a regular file", t.root);
        check_str(e1 ? e1->msg : NULL, want);
        check(unlink(path) == 0);

        /* larger than the bound: refused, not read */
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        check(fd >= 0 && ftruncate(fd, (off_t)PASSWD_FILE_MAX + 1) == 0);
        if (fd >= 0)
                (void)close(fd);
        check(passwd_resolve(t.rootfd, t.root, "0", false, &u, &e2) == -EFBIG);
        check(e2 && strstr(e2->msg, "is larger than"));
        tmp_done(&t);
}

/* The contents of what fd reads, NUL-terminated, in buf */
static const char *
read_all(int fd, char *buf, size_t size)
{
        ssize_t n = read(fd, buf, size - 1);

        buf[n > 0 ? n : 0] = '\0';
        return buf;
}

static int
open_layers_str(const int *fds, size_t n, const char *path, char *buf, size_t size)
{
        int fd = passwd_open_in_layers(fds, n, path);

        if (fd < 0)
                return fd;
        read_all(fd, buf, size);
        (void)close(fd);
        return 0;
}

/*
 * Three layers, top first: "top", "mid", "base". What the overlay would
 * show: the topmost file wins, whiteouts hide, opaque directories stop
 * the merge, symlinks resolve across layers and never out of the root.
 */
static void
test_open_in_layers(void)
{
        const char *names[] = {"top", "mid", "base"};
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct passwd_user u = {0};
        char buf[256], path[512];
        struct tmp t = {0};
        int fds[3];

        tmp_setup(&t);
        for (size_t i = 0; i < 3; i++) {
                make_dir(t.dir, names[i]);
                (void)snprintf(path, sizeof(path), "%s/%s", names[i], "etc");
                make_dir(t.dir, path);
        }
        write_file(t.dir, "base/etc/passwd", "base:x:1:1::/base:/bin/sh\n");
        write_file(t.dir, "mid/etc/passwd", "mid:x:2:2::/mid:/bin/sh\n");
        write_file(t.dir, "base/etc/group", "g:x:5:mid\n");
        write_file(t.dir, "base/etc/only-base", "only base\n");
        write_file(t.dir, "base/etc/gone", "gone\n");
        /* a whiteout in the top layer hides base's etc/gone */
        (void)snprintf(path, sizeof(path), "%s/top/etc/gone", t.dir);
        check(mknod(path, S_IFCHR, 0) == 0);
        /* an opaque directory in mid hides base's opq/ */
        make_dir(t.dir, "base/opq");
        write_file(t.dir, "base/opq/hidden", "hidden\n");
        make_dir(t.dir, "mid/opq");
        write_file(t.dir, "mid/opq/seen", "seen\n");
        (void)snprintf(path, sizeof(path), "%s/mid/opq", t.dir);
        check(setxattr(path, "trusted.overlay.opaque", "y", 1, 0) == 0);
        /* a symlink in top to a file only base holds, and one that climbs out */
        make_link(t.dir, "top/etc/link", "../etc/./only-base");
        make_link(t.dir, "top/etc/escape", "../../../../outside/passwd");
        for (size_t i = 0; i < 3; i++) {
                (void)snprintf(path, sizeof(path), "%s/%s", t.dir, names[i]);
                fds[i] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
                check(fds[i] >= 0);
        }

        check(open_layers_str(fds, 3, "/etc/passwd", buf, sizeof(buf)) == 0);
        check_str(buf, "mid:x:2:2::/mid:/bin/sh\n");
        check(open_layers_str(fds, 3, "etc/only-base", buf, sizeof(buf)) == 0);
        check_str(buf, "only base\n");
        check(passwd_open_in_layers(fds, 3, "/etc/gone") == -ENOENT);
        check(open_layers_str(fds + 1, 2, "/etc/gone", buf, sizeof(buf)) == 0);
        check_str(buf, "gone\n");
        check(open_layers_str(fds, 3, "/opq/seen", buf, sizeof(buf)) == 0);
        check_str(buf, "seen\n");
        check(passwd_open_in_layers(fds, 3, "/opq/hidden") == -ENOENT);
        check(open_layers_str(fds, 3, "/etc/link", buf, sizeof(buf)) == 0);
        check_str(buf, "only base\n");
        check(passwd_open_in_layers(fds, 3, "/etc/escape") == -ENOENT);
        check(open_layers_str(fds, 3, "/opq/../../etc/passwd", buf, sizeof(buf)) == 0);
        check_str(buf, "mid:x:2:2::/mid:/bin/sh\n");
        check(passwd_open_in_layers(fds, 3, "/etc") == -EISDIR);
        check(passwd_open_in_layers(fds, 3, "/etc/passwd/x") == -ENOTDIR);

        /* the user, through the layers: mid's passwd and base's group */
        check(passwd_resolve_layers(fds, 3, "/r", "mid", &u, &err) == 0);
        check(u.uid == 2 && u.gid == 2 && u.home && strcmp(u.home, "/mid") == 0);
        check(u.n_groups == 1 && u.groups[0] == 5);
        passwd_user_done(&u);
        check(passwd_resolve_layers(fds, 3, "/r", "base", &u, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "user \"base\" not found in /r/etc/passwd");
        for (size_t i = 0; i < 3; i++)
                (void)close(fds[i]);
        tmp_done(&t);
}

int
main(void)
{
        RUN(test_parse_id);
        RUN(test_parse_lines);
        RUN(test_by_name);
        RUN(test_by_number);
        RUN(test_with_group);
        RUN(test_unknown);
        RUN(test_no_files);
        RUN(test_hostile_symlinks);
        RUN(test_symlinks_inside);
        RUN(test_open_in_root);
        RUN(test_not_regular);
        RUN(test_open_in_layers);
        return check_done();
}
