/* tests/unit/storage/test-sharedfs.c: mountinfo lines, file system kinds, trusted store paths */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"
#include "storage/sharedfs.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int
parse(const char *line, struct sharedfs_mount *m)
{
        return sharedfs_mountinfo_parse_line(line, strlen(line), m);
}

static void
test_parse_line(void)
{
        struct sharedfs_mount m = {};

        check(parse("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root "
                    "rw,errors=continue\n",
                    &m) == 0);
        check(m.mount_id == 36 && m.parent_id == 35 && m.dev_major == 98 && m.dev_minor == 0);
        check_str(m.root, "/mnt1");
        check_str(m.mount_point, "/mnt/parent");
        check_str(m.options, "rw,noatime");
        check_str(m.fstype, "ext3");
        check_str(m.source, "/dev/root");
        check_str(m.super_options, "rw,errors=continue");
        sharedfs_mount_done(&m);

        /* no optional fields; a network source */
        check(parse("66 26 0:56 / /srv/shared rw,nosuid,nodev,relatime - fuse.sshfs "
                    "root@127.0.0.1:/export rw,user_id=0,group_id=0,allow_other",
                    &m) == 0);
        check_str(m.fstype, "fuse.sshfs");
        check_str(m.source, "root@127.0.0.1:/export");
        sharedfs_mount_done(&m);

        /* several optional fields, and a root that is no path (nsfs) */
        check(parse("49 26 0:4 net:[4026532178] /run/netns/a rw shared:3 master:2 propagate_from:1 "
                    "- nsfs nsfs rw",
                    &m) == 0);
        check_str(m.root, "net:[4026532178]");
        check_str(m.fstype, "nsfs");
        sharedfs_mount_done(&m);
}

static void
test_parse_escapes(void)
{
        struct sharedfs_mount m = {};

        check(parse("1 0 0:1 / /mnt/a\\040b\\011c\\134d rw - nfs4 srv:/x\\040y rw", &m) == 0);
        check_str(m.mount_point, "/mnt/a b\tc\\d");
        check_str(m.source, "srv:/x y");
        sharedfs_mount_done(&m);

        /* a backslash without three octal digits stays (libmount does the same) */
        check(parse("1 0 0:1 / /a\\x\\12\\9999 rw - ext4 /dev/x rw", &m) == 0);
        check_str(m.mount_point, "/a\\x\\12\\9999");
        sharedfs_mount_done(&m);

        /* "\400" is not a byte; "\000" would end the string early */
        check(parse("1 0 0:1 / /a\\400 rw - ext4 /dev/x rw", &m) == 0);
        check_str(m.mount_point, "/a\\400");
        sharedfs_mount_done(&m);
        check(parse("1 0 0:1 / /a\\000b rw - ext4 /dev/x rw", &m) == -EINVAL);
        check(!m.mount_point);
}

static void
test_parse_odd(void)
{
        struct sharedfs_mount m = {};

        /* no super options; an empty source */
        check(parse("1 0 0:1 / /a rw - tmpfs tmpfs", &m) == 0);
        check_str(m.super_options, "");
        sharedfs_mount_done(&m);
        check(parse("1 0 0:1 / /a rw - tmpfs  rw", &m) == 0);
        check_str(m.source, "");
        check_str(m.super_options, "rw");
        sharedfs_mount_done(&m);

        static const char *const bad[] = {
                "",
                "\n",
                "1 0 0:1 / /a rw tmpfs tmpfs rw",         /* no "-" */
                "1 0 0:1 / /a - tmpfs tmpfs rw",          /* too few fields before "-" */
                "1 0 0:1 / /a rw -",                      /* nothing after "-" */
                "1 0 0:1 / /a rw - tmpfs",                /* no source */
                "1 0 0:1 / /a rw - tmpfs x rw extra",     /* one too many */
                "x 0 0:1 / /a rw - tmpfs x rw",           /* not a number */
                "1 0 01 / /a rw - tmpfs x rw",            /* no major:minor */
                "1 0 0:1 / a rw - tmpfs x rw",            /* a relative mount point */
                "99999999999 0 0:1 / /a rw - tmpfs x rw", /* too large */
                "1 0 0:1 / /a rw -  x rw",                /* an empty type */
                "1  0 0:1 / /a rw - tmpfs x rw",          /* an empty field */
                "1 0 0:1 / /a rw - tmpfs x rw\n2 0 0:1 / /b rw - t x rw", /* two lines */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                check(parse(bad[i], &m) == -EINVAL);
                check(!m.mount_point && !m.fstype);
        }
        /* a NUL inside the line */
        check(sharedfs_mountinfo_parse_line("1 0 0:1 / /a\0b rw - t x rw", 25, &m) == -EINVAL);
}

static const char mountinfo[] = "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
                                "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                                "this line is no mountinfo line\n"
                                "40 26 0:40 / /mnt rw - xfs /dev/sdb rw\n"
                                "41 40 0:41 / /mnt/shared rw - nfs4 srv:/export rw\n"
                                "42 40 0:42 / /mnt/sharedx rw - ext4 /dev/sdc rw\n"
                                "43 41 0:43 / /mnt/shared/over rw - tmpfs tmpfs rw\n"
                                "44 41 0:44 / /mnt/shared/over rw - fuse.sshfs u@h:/d rw\n"
                                "45 26 0:45 / /trailing/ rw - lustre 10.0.0.1@tcp:/fs rw";

static const char *
find(const char *path, uint64_t mnt_id)
{
        static char fstype[64];
        struct sharedfs_mount m = {};

        if (sharedfs_mountinfo_find(mountinfo, strlen(mountinfo), path, mnt_id, &m) < 0)
                return "none";
        snprintf(fstype, sizeof(fstype), "%s", m.fstype);
        sharedfs_mount_done(&m);
        return fstype;
}

static void
test_find(void)
{
        check_str(find("/", 0), "ext4");
        check_str(find("/etc/passwd", 0), "ext4");
        check_str(find("/mnt", 0), "xfs");
        check_str(find("/mnt/shared", 0), "nfs4");
        check_str(find("/mnt/shared/layers/x", 0), "nfs4");
        /* a prefix only on a '/' boundary */
        check_str(find("/mnt/sharedx/y", 0), "ext4");
        check_str(find("/mnt/sharedy", 0), "xfs");
        /* of two mounts at one point, the later is on top */
        check_str(find("/mnt/shared/over/a", 0), "fuse.sshfs");
        check_str(find("/trailing/x", 0), "lustre");
        check_str(find("/trailingx", 0), "ext4");
        /* a mount ID is exact, whatever the path says */
        check_str(find("/mnt/shared/over/a", 43), "tmpfs");
        check_str(find("/mnt/shared", 21), "proc");
        /* an ID that is not there: the prefix decides */
        check_str(find("/mnt/shared", 999), "nfs4");
}

static void
test_find_none(void)
{
        struct sharedfs_mount m = {};
        static const char t[] = "40 26 0:40 / /mnt rw - xfs /dev/sdb rw\n";

        check(sharedfs_mountinfo_find(t, strlen(t), "/srv", 0, &m) == -ENOENT);
        check(sharedfs_mountinfo_find("", 0, "/", 0, &m) == -ENOENT);
        check(!m.fstype);
}

struct kind_case {
        uint64_t f_type;
        const char *fstype, *source;
        const char *kind;
        bool network;
};

static const struct kind_case kinds[] = {
        {SHAREDFS_NFS_MAGIC, "nfs4", "srv:/export", "NFS", true},
        {SHAREDFS_NFS_MAGIC, "nfs", "srv:/export", "NFS", true},
        {SHAREDFS_LUSTRE_MAGIC, "lustre", "10.0.0.1@o2ib:/scratch", "Lustre", true},
        {SHAREDFS_GPFS_MAGIC, "gpfs", "gpfs0", "GPFS", true},
        {SHAREDFS_CEPH_MAGIC, "ceph", "10.0.0.1:6789:/", "CephFS", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.ceph-fuse", "ceph-fuse", "CephFS (FUSE)", true},
        {SHAREDFS_BEEGFS_MAGIC, "beegfs", "beegfs_nodev", "BeeGFS", true},
        {SHAREDFS_CIFS_MAGIC, "cifs", "//srv/share", "CIFS/SMB", true},
        {SHAREDFS_SMB2_MAGIC, "smb3", "//srv/share", "CIFS/SMB", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.glusterfs", "srv:/vol", "GlusterFS", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.sshfs", "u@h:/d", "sshfs (FUSE)", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.s3fs", "s3fs", "s3fs (FUSE)", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.rclone", "remote:", "rclone (FUSE)", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.juicefs", "redis://h/1", "JuiceFS (FUSE)", true},
        {SHAREDFS_FUSE_MAGIC, "fuse.cvmfs2", "cvmfs2", "CernVM-FS (FUSE)", true},
        /* FUSE 2 without a subtype: the program's name before '#' */
        {SHAREDFS_FUSE_MAGIC, "fuse", "sshfs#u@h:/d", "sshfs (FUSE)", true},
        {SHAREDFS_FUSE_MAGIC, "fuse", "something", "FUSE", false},
        {SHAREDFS_FUSE_MAGIC, "fuse.lxcfs", "lxcfs", "FUSE (lxcfs)", false},
        {SHAREDFS_FUSE_MAGIC, "fuse.fuse-overlayfs", "x", "FUSE (fuse-overlayfs)", false},
        {SHAREDFS_FUSE_MAGIC, "fuseblk", "/dev/sdb1", "FUSE (block device)", false},
        {SHAREDFS_V9FS_MAGIC, "9p", "hostshare", "9P (host share)", false},
        {SHAREDFS_EXT4_MAGIC, "ext4", "/dev/vda", "local (ext4)", false},
        {SHAREDFS_XFS_MAGIC, "xfs", "/dev/sdb", "local (xfs)", false},
        {SHAREDFS_TMPFS_MAGIC, "tmpfs", "tmpfs", "local (tmpfs)", false},
        {SHAREDFS_OVERLAY_MAGIC, "overlay", "overlay", "local (overlay)", false},
        /* no mountinfo line: f_type alone */
        {SHAREDFS_NFS_MAGIC, NULL, NULL, "NFS", true},
        {SHAREDFS_GPFS_MAGIC, NULL, NULL, "GPFS", true},
        {SHAREDFS_BEEGFS_MAGIC, NULL, NULL, "BeeGFS", true},
        {SHAREDFS_FUSE_MAGIC, NULL, NULL, "FUSE", false},
        {SHAREDFS_EXT4_MAGIC, NULL, NULL, "local (ext2/3/4)", false},
        {SHAREDFS_BTRFS_MAGIC, "", NULL, "local (btrfs)", false},
        {0x1234, NULL, NULL, "unknown (0x1234)", false},
        /* a network f_type wins over a mountinfo line that says otherwise */
        {SHAREDFS_LUSTRE_MAGIC, "ext4", "/dev/vda", "Lustre", true},
        /* an unknown f_type: mountinfo names it */
        {0x1234, "nfs4", "srv:/", "NFS", true},
};

static void
test_classify(void)
{
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++) {
                _cleanup_free_ char *kind = NULL;
                bool network = !kinds[i].network;

                check(sharedfs_classify(kinds[i].f_type, kinds[i].fstype, kinds[i].source, &kind,
                                        &network) == 0);
                check_str(kind, kinds[i].kind);
                if (network != kinds[i].network)
                        fprintf(stderr, "  %s: network %d\n", kinds[i].kind, network);
                check(network == kinds[i].network);
        }
}

static const char *
dir_error(uid_t owner, mode_t mode, bool is_store, bool rootless, uid_t uid)
{
        static char msg[512];
        struct berr *err = NULL;

        if (sharedfs_check_dir("/s", "/s/d", owner, mode, is_store, rootless, uid, &err) == 0)
                return "ok";
        snprintf(msg, sizeof(msg), "%s", err ? err->msg : "(no message)");
        berr_free(err);
        return msg;
}

static void
test_check_dir(void)
{
        check_str(dir_error(0, S_IFDIR | 0755, true, false, 0), "ok");
        check_str(dir_error(0, S_IFDIR | 0700, true, true, 1000), "ok");
        check_str(dir_error(1000, S_IFDIR | 0755, true, true, 1000), "ok");
        check_str(dir_error(1000, S_IFDIR | 0755, true, false, 0),
                  "shared store /s: /s/d is owned by uid 1000, not by root: refused, as others "
                  "could change the layers");
        check_str(dir_error(1001, S_IFDIR | 0755, false, true, 1000),
                  "shared store /s: /s/d is owned by uid 1001, not by root or uid 1000: refused, "
                  "as others could change the layers");
        check_str(dir_error(0, S_IFDIR | 0775, true, false, 0),
                  "shared store /s: /s/d is writable by group (mode 0775): refused, as others "
                  "could change the layers");
        check_str(dir_error(0, S_IFDIR | 0757, false, false, 0),
                  "shared store /s: /s/d is writable by others (mode 0757): refused, as others "
                  "could change the layers");
        check_str(dir_error(0, S_IFDIR | 0777, false, false, 0),
                  "shared store /s: /s/d is writable by group and others (mode 0777): refused, "
                  "as others could change the layers");
        /* sticky above the store, like /tmp: allowed; the store itself: never */
        check_str(dir_error(0, S_IFDIR | 01777, false, false, 0), "ok");
        check_str(dir_error(0, S_IFDIR | 01777, true, false, 0),
                  "shared store /s: /s/d is writable by group and others (mode 1777): refused, "
                  "as others could change the layers");
        /* a sticky directory owned by someone else is still someone else's */
        check_str(dir_error(1001, S_IFDIR | 01777, false, false, 0),
                  "shared store /s: /s/d is owned by uid 1001, not by root: refused, as others "
                  "could change the layers");
        check_str(dir_error(0, S_IFREG | 0644, true, false, 0),
                  "shared store /s: /s/d: Not a directory");
}

/* a temp dir below a directory of mode 0755, so only what a test changes is wrong */
static char *
make_base(void)
{
        char tmpl[] = "/tmp/berth-test-sharedfs.XXXXXX";
        char *d = mkdtemp(tmpl);

        if (!d || chmod(d, 0755) < 0)
                return NULL;
        return strdup(d);
}

static void
remove_base(const char *base)
{
        (void)rm_rf_at(AT_FDCWD, base);
}

static void
test_check_owner(void)
{
        _cleanup_free_ char *base = make_base(), *store = NULL, *link = NULL, *want = NULL;

        if (geteuid() != 0) {
                check_skip("needs root (chown)");
                return;
        }
        check(base);
        if (!base)
                return;
        check(asprintf(&store, "%s/store", base) > 0);
        check(asprintf(&link, "%s/link", base) > 0);
        check(mkdir(store, 0755) == 0);
        check(symlink("store", link) == 0);

        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(sharedfs_check_owner(store, false, 0, &err) == 0);
                check(sharedfs_check_owner(link, false, 0, &err) == 0);
                check(!err);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(chmod(store, 0775) == 0);
                check(sharedfs_check_owner(link, false, 0, &err) == -EINVAL);
                check(asprintf(&want,
                               "shared store %s: %s is writable by group (mode 0775): refused, as "
                               "others could change the layers",
                               link, store) > 0);
                check_str(err ? err->msg : NULL, want);
                free(want);
                want = NULL;
                check(chmod(store, 0755) == 0);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* a parent that anyone can write to, without the sticky bit */
                check(chmod(base, 0777) == 0);
                check(sharedfs_check_owner(store, false, 0, &err) == -EINVAL);
                check(asprintf(&want,
                               "shared store %s: %s is writable by group and others (mode 0777): "
                               "refused, as others could change the layers",
                               store, base) > 0);
                check_str(err ? err->msg : NULL, want);
                free(want);
                want = NULL;
                check(chmod(base, 01777) == 0);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(sharedfs_check_owner(store, false, 0, &err) == 0);
                check(chmod(base, 0755) == 0);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* someone else's store: refused as root, fine for that user rootless */
                check(chown(store, 4242, 4242) == 0);
                check(sharedfs_check_owner(store, true, 4242, &err) == 0);
                check(sharedfs_check_owner(store, true, 4243, &err) == -EINVAL);
                check(err && strstr(err->msg, "is owned by uid 4242, not by root or uid 4243"));
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(sharedfs_check_owner(store, false, 0, &err) == -EINVAL);
                check(err && strstr(err->msg, "is owned by uid 4242, not by root:"));
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(rmdir(store) == 0);
                check(sharedfs_check_owner(store, false, 0, &err) == -ENOENT);
                check(err && strstr(err->msg, "No such file or directory"));
        }
        remove_base(base);
}

/* a symlink is followed only from a trusted directory: whoever can write there can repoint it */
static void
test_check_owner_symlinks(void)
{
        _cleanup_free_ char *base = make_base(), *store = NULL, *evil = NULL, *evil_link = NULL;
        _cleanup_free_ char *abs_link = NULL, *loop = NULL, *dots = NULL, *want = NULL;

        if (geteuid() != 0) {
                check_skip("needs root (the owner of base)");
                return;
        }
        check(base);
        if (!base)
                return;
        check(asprintf(&store, "%s/store", base) > 0);
        check(asprintf(&evil, "%s/evil", base) > 0);
        check(asprintf(&evil_link, "%s/evil/link", base) > 0);
        check(asprintf(&abs_link, "%s/abs", base) > 0);
        check(asprintf(&loop, "%s/loop", base) > 0);
        check(asprintf(&dots, "%s/./evil/../store/.", base) > 0);
        check(mkdir(store, 0755) == 0);
        check(mkdir(evil, 0755) == 0);
        check(chmod(evil, 0777) == 0);
        check(symlink("../store", evil_link) == 0);
        check(symlink(store, abs_link) == 0);
        check(symlink("loop", loop) == 0);

        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* the target is fine, the directory holding the link is not */
                check(sharedfs_check_owner(evil_link, false, 0, &err) == -EINVAL);
                check(asprintf(&want,
                               "shared store %s: %s is writable by group and others (mode 0777): "
                               "refused, as others could change the layers",
                               evil_link, evil) > 0);
                check_str(err ? err->msg : NULL, want);
                free(want);
                want = NULL;
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* an absolute link in a trusted directory; "." and ".." on the way */
                check(sharedfs_check_owner(abs_link, false, 0, &err) == 0);
                check(!err);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* ".." out of the untrusted directory: it was entered, so it is refused */
                check(sharedfs_check_owner(dots, false, 0, &err) == -EINVAL);
                check(err && strstr(err->msg, "/evil is writable by group and others"));
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(chmod(evil, 0755) == 0);
                check(sharedfs_check_owner(dots, false, 0, &err) == 0);
                check(sharedfs_check_owner(evil_link, false, 0, &err) == 0);
                check(!err);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* a link someone else owns, as they could make one in /tmp */
                check(lchown(abs_link, 4242, 4242) == 0);
                check(sharedfs_check_owner(abs_link, false, 0, &err) == -EINVAL);
                check(asprintf(&want,
                               "shared store %s: the symlink %s is owned by uid 4242: refused, as "
                               "its owner could point it elsewhere",
                               abs_link, abs_link) > 0);
                check_str(err ? err->msg : NULL, want);
                free(want);
                want = NULL;
                check(lchown(abs_link, 0, 0) == 0);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(sharedfs_check_owner(loop, false, 0, &err) == -ELOOP);
                check(err && strstr(err->msg, "Too many levels of symbolic links"));
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* the store itself is checked as the store, through the link too */
                check(chmod(store, 01777) == 0);
                check(sharedfs_check_owner(abs_link, false, 0, &err) == -EINVAL);
                check(err &&
                      strstr(err->msg, "/store is writable by group and others (mode 1777)"));
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *cwd = getcwd(NULL, 0);

                /* a relative path is from the working directory */
                check(chmod(store, 0755) == 0);
                check(cwd && chdir(base) == 0);
                check(sharedfs_check_owner("store", false, 0, &err) == 0);
                check(sharedfs_check_owner("nothing", false, 0, &err) == -ENOENT);
                check(cwd && chdir(cwd) == 0);
        }
        remove_base(base);
}

static void
test_detect_local(void)
{
        _cleanup_free_ char *base = make_base();
        _cleanup_(sharedfs_info_done) struct sharedfs_info info = {};
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct statfs sfs;

        check(base);
        if (!base)
                return;
        check(sharedfs_detect(base, &info, &err) == 0);
        check(statfs(base, &sfs) == 0);
        check(info.f_type == (uint64_t)(unsigned long)sfs.f_type);
        check_str(info.path, base);
        check(info.mount_point && info.fstype && info.kind);
        /* this machine's /tmp is a local disk, unless a site runs the tests on a share */
        if (info.kind && !info.network)
                check(strncmp(info.kind, "local (", 7) == 0);
        check(info.read_only == (access(base, W_OK) != 0));
        remove_base(base);
}

static void
test_detect_missing(void)
{
        struct sharedfs_info info = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(sharedfs_detect("/nonexistent/berth/store", &info, &err) == -ENOENT);
        check_str(err ? err->msg : NULL, "/nonexistent/berth/store: No such file or directory");
        check(!info.path && !info.kind);
}

/* a real mount, at a path with a space (escaped as \040 in mountinfo), read-only */
static void
test_detect_tmpfs(void)
{
        _cleanup_free_ char *base = make_base(), *mnt = NULL, *sub = NULL;
        _cleanup_(sharedfs_info_done) struct sharedfs_info info = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(base);
        if (!base)
                return;
        check(asprintf(&mnt, "%s/a dir", base) > 0);
        check(asprintf(&sub, "%s/sub", mnt) > 0);
        check(mkdir(mnt, 0755) == 0);
        /* a mount namespace of its own: a failed test leaves no mount behind */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("berth-test", mnt, "tmpfs", 0, "mode=0755") < 0) {
                check_skip("cannot mount tmpfs here");
                remove_base(base);
                return;
        }
        check(mkdir(sub, 0755) == 0);
        check(mount(NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0);

        check(sharedfs_detect(sub, &info, &err) == 0);
        check(info.f_type == SHAREDFS_TMPFS_MAGIC);
        check_str(info.fstype, "tmpfs");
        check_str(info.source, "berth-test");
        check_str(info.mount_point, mnt);
        check_str(info.kind, "local (tmpfs)");
        check(!info.network);
        check(info.read_only);

        check(umount2(mnt, MNT_DETACH) == 0);
        remove_base(base);
}

int
main(void)
{
        RUN(test_parse_line);
        RUN(test_parse_escapes);
        RUN(test_parse_odd);
        RUN(test_find);
        RUN(test_find_none);
        RUN(test_classify);
        RUN(test_check_dir);
        RUN(test_check_owner);
        RUN(test_check_owner_symlinks);
        RUN(test_detect_local);
        RUN(test_detect_missing);
        RUN(test_detect_tmpfs);
        return check_done();
}
