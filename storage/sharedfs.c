/*
 * storage/sharedfs.c: what a directory is stored on (statfs, statx,
 * /proc/self/mountinfo), and whether a store's path can be trusted.
 */
#include "sharedfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* mountinfo grows with every mount; a machine with a million mounts is not berth's */
#define MOUNTINFO_MAX ((size_t)256 << 20)

void
sharedfs_mount_done(struct sharedfs_mount *m)
{
        free(m->root);
        free(m->mount_point);
        free(m->options);
        free(m->fstype);
        free(m->source);
        free(m->super_options);
        memset(m, 0, sizeof(*m));
}

void
sharedfs_info_done(struct sharedfs_info *info)
{
        free(info->path);
        free(info->fstype);
        free(info->source);
        free(info->mount_point);
        free(info->kind);
        memset(info, 0, sizeof(*info));
}

/* ---- mountinfo ---- */

static bool
is_octal(char c)
{
        return c >= '0' && c <= '7';
}

/* s[0..n) with \NNN escapes undone; -EINVAL for one that makes a NUL byte */
static int
unescape(const char *s, size_t n, char **ret)
{
        _cleanup_free_ char *out = malloc(n + 1);
        size_t o = 0;

        if (!out)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && n - i > 3 && is_octal(s[i + 1]) && is_octal(s[i + 2]) &&
                    is_octal(s[i + 3]) && s[i + 1] <= '3') {
                        char c = (char)((s[i + 1] - '0') << 6 | (s[i + 2] - '0') << 3 |
                                        (s[i + 3] - '0'));

                        if (c == '\0')
                                return -EINVAL;
                        out[o++] = c;
                        i += 3;
                        continue;
                }
                out[o++] = s[i];
        }
        out[o] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* a decimal number of s[0..n) that fits an unsigned, no sign */
static bool
parse_uint(const char *s, size_t n, unsigned *ret)
{
        unsigned long v = 0;

        if (n == 0 || n > 10)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        if (v > UINT_MAX)
                return false;
        *ret = (unsigned)v;
        return true;
}

struct token {
        const char *s;
        size_t n;
};

/* The fields of a mountinfo line: one space between each, as the kernel writes them. */
#define FIELDS_MAX 64

int
sharedfs_mountinfo_parse_line(const char *line, size_t len, struct sharedfs_mount *ret)
{
        struct sharedfs_mount m = {};
        struct token t[FIELDS_MAX];
        size_t nt = 0, start = 0, sep = 0;
        const char *colon;
        int r;

        if (len > 0 && line[len - 1] == '\n')
                len--;
        if (len == 0 || memchr(line, '\0', len) || memchr(line, '\n', len))
                return -EINVAL;
        for (size_t i = 0; i <= len; i++) {
                if (i < len && line[i] != ' ')
                        continue;
                if (nt == FIELDS_MAX)
                        return -EINVAL;
                t[nt].s = line + start;
                t[nt++].n = i - start;
                start = i + 1;
        }

        /* 6 fields, optional ones ("shared:1"), "-", fstype, source, super options */
        for (size_t i = 6; i < nt && !sep; i++)
                if (t[i].n == 1 && t[i].s[0] == '-')
                        sep = i;
        if (!sep || nt < sep + 3 || nt > sep + 4)
                return -EINVAL;
        /* only the source may be empty */
        for (size_t i = 0; i <= sep + 1; i++)
                if (t[i].n == 0)
                        return -EINVAL;
        if (!parse_uint(t[0].s, t[0].n, &m.mount_id) || !parse_uint(t[1].s, t[1].n, &m.parent_id))
                return -EINVAL;
        colon = memchr(t[2].s, ':', t[2].n);
        if (!colon || !parse_uint(t[2].s, (size_t)(colon - t[2].s), &m.dev_major) ||
            !parse_uint(colon + 1, t[2].n - (size_t)(colon - t[2].s) - 1, &m.dev_minor))
                return -EINVAL;
        if (t[4].s[0] != '/')
                return -EINVAL;

        r = unescape(t[3].s, t[3].n, &m.root);
        if (r == 0)
                r = unescape(t[4].s, t[4].n, &m.mount_point);
        if (r == 0)
                r = unescape(t[5].s, t[5].n, &m.options);
        if (r == 0)
                r = unescape(t[sep + 1].s, t[sep + 1].n, &m.fstype);
        if (r == 0)
                r = unescape(t[sep + 2].s, t[sep + 2].n, &m.source);
        if (r == 0)
                r = nt == sep + 4 ? unescape(t[sep + 3].s, t[sep + 3].n, &m.super_options)
                                  : unescape("", 0, &m.super_options);
        if (r < 0) {
                sharedfs_mount_done(&m);
                return r;
        }
        *ret = m;
        return 0;
}

/* Whether mount point mp holds path: "/" holds all, "/a" holds "/a" and "/a/b", not "/ab". */
static bool
mount_holds(const char *mp, const char *path)
{
        size_t n = strlen(mp);

        while (n > 1 && mp[n - 1] == '/')
                n--;
        if (n == 1 && mp[0] == '/')
                return path[0] == '/';
        return strncmp(mp, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
sharedfs_mountinfo_find(const char *text, size_t len, const char *path, uint64_t mnt_id,
                        struct sharedfs_mount *ret)
{
        struct sharedfs_mount best = {};
        size_t best_len = 0, pos = 0;
        bool found = false;

        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
                struct sharedfs_mount m = {};
                int r = sharedfs_mountinfo_parse_line(text + pos, n, &m);

                pos += n + 1;
                if (r == -ENOMEM) {
                        sharedfs_mount_done(&best);
                        return r;
                }
                if (r < 0)
                        continue;
                if (mnt_id != 0 && m.mount_id == mnt_id) {
                        /* exact: no prefix can beat it */
                        sharedfs_mount_done(&best);
                        *ret = m;
                        return 0;
                }
                if (mount_holds(m.mount_point, path) && strlen(m.mount_point) >= best_len) {
                        sharedfs_mount_done(&best);
                        best_len = strlen(m.mount_point);
                        best = m;
                        found = true;
                        continue;
                }
                sharedfs_mount_done(&m);
        }
        if (!found)
                return -ENOENT;
        *ret = best;
        return 0;
}

/* ---- what a file system is ---- */

struct fs_name {
        const char *name; /* a mountinfo type, or a FUSE subtype */
        const char *kind;
        bool network;
};

/* kernel file systems, by mountinfo type */
static const struct fs_name kernel_fs[] = {
        {"nfs", "NFS", true},
        {"nfs4", "NFS", true},
        {"lustre", "Lustre", true},
        {"gpfs", "GPFS", true},
        {"ceph", "CephFS", true},
        {"beegfs", "BeeGFS", true},
        {"cifs", "CIFS/SMB", true},
        {"smb3", "CIFS/SMB", true},
        {"smbfs", "CIFS/SMB", true},
        {"afs", "AFS", true},
        {"openafs", "AFS", true},
        {"coda", "Coda", true},
        {"gfs2", "GFS2", true},
        {"ocfs2", "OCFS2", true},
        {"panfs", "PanFS", true},
        {"orangefs", "OrangeFS", true},
        {"pvfs2", "OrangeFS", true},
        {"9p", "9P (host share)", false},
        {"virtiofs", "virtiofs (host share)", false},
};

/* FUSE subtypes ("fuse.NAME") that reach another machine */
static const struct fs_name fuse_fs[] = {
        {"sshfs", "sshfs (FUSE)", true},
        {"ceph-fuse", "CephFS (FUSE)", true},
        {"ceph", "CephFS (FUSE)", true},
        {"glusterfs", "GlusterFS", true},
        {"s3fs", "s3fs (FUSE)", true},
        {"rclone", "rclone (FUSE)", true},
        {"gcsfuse", "gcsfuse (FUSE)", true},
        {"goofys", "goofys (FUSE)", true},
        {"juicefs", "JuiceFS (FUSE)", true},
        {"cvmfs", "CernVM-FS (FUSE)", true},
        {"cvmfs2", "CernVM-FS (FUSE)", true},
        {"mountpoint-s3", "Mountpoint for S3 (FUSE)", true},
        {"blobfuse", "blobfuse (FUSE)", true},
        {"blobfuse2", "blobfuse (FUSE)", true},
        {"lustre", "Lustre (FUSE)", true},
        {"beegfs", "BeeGFS (FUSE)", true},
        {"mfs", "MooseFS (FUSE)", true},
        {"lizardfs", "LizardFS (FUSE)", true},
        {"seaweedfs", "SeaweedFS (FUSE)", true},
        {"xtreemfs", "XtreemFS (FUSE)", true},
        {"alluxio-fuse", "Alluxio (FUSE)", true},
        {"davfs", "WebDAV (FUSE)", true},
        {"webdav", "WebDAV (FUSE)", true},
        {"curlftpfs", "FTP (FUSE)", true},
        {"gdrivefs", "Google Drive (FUSE)", true},
};

struct fs_magic {
        uint64_t magic;
        const char *kind;
        bool network;
};

/* f_type alone, when mountinfo has no line for the directory */
static const struct fs_magic magics[] = {
        {SHAREDFS_NFS_MAGIC, "NFS", true},
        {SHAREDFS_SMB_MAGIC, "CIFS/SMB", true},
        {SHAREDFS_CIFS_MAGIC, "CIFS/SMB", true},
        {SHAREDFS_SMB2_MAGIC, "CIFS/SMB", true},
        {SHAREDFS_LUSTRE_MAGIC, "Lustre", true},
        {SHAREDFS_GPFS_MAGIC, "GPFS", true},
        {SHAREDFS_CEPH_MAGIC, "CephFS", true},
        {SHAREDFS_BEEGFS_MAGIC, "BeeGFS", true},
        {SHAREDFS_AFS_MAGIC, "AFS", true},
        {SHAREDFS_KAFS_MAGIC, "AFS", true},
        {SHAREDFS_CODA_MAGIC, "Coda", true},
        {SHAREDFS_GFS2_MAGIC, "GFS2", true},
        {SHAREDFS_OCFS2_MAGIC, "OCFS2", true},
        {SHAREDFS_PANFS_MAGIC, "PanFS", true},
        {SHAREDFS_ORANGEFS_MAGIC, "OrangeFS", true},
        {SHAREDFS_FUSE_MAGIC, "FUSE", false},
        {SHAREDFS_V9FS_MAGIC, "9P (host share)", false},
        {SHAREDFS_OVERLAY_MAGIC, "local (overlay)", false},
        {SHAREDFS_TMPFS_MAGIC, "local (tmpfs)", false},
        {SHAREDFS_RAMFS_MAGIC, "local (ramfs)", false},
        {SHAREDFS_EXT4_MAGIC, "local (ext2/3/4)", false},
        {SHAREDFS_XFS_MAGIC, "local (xfs)", false},
        {SHAREDFS_BTRFS_MAGIC, "local (btrfs)", false},
        {SHAREDFS_ZFS_MAGIC, "local (zfs)", false},
        {SHAREDFS_F2FS_MAGIC, "local (f2fs)", false},
        {SHAREDFS_BCACHEFS_MAGIC, "local (bcachefs)", false},
        {SHAREDFS_SQUASHFS_MAGIC, "local (squashfs)", false},
        {SHAREDFS_EROFS_MAGIC, "local (erofs)", false},
        {SHAREDFS_CGROUP2_MAGIC, "local (cgroup2)", false},
};

static const struct fs_name *
find_name(const struct fs_name *table, size_t n, const char *name, size_t len)
{
        for (size_t i = 0; i < n; i++)
                if (strlen(table[i].name) == len && strncmp(table[i].name, name, len) == 0)
                        return &table[i];
        return NULL;
}

static const struct fs_magic *
find_magic(uint64_t f_type)
{
        for (size_t i = 0; i < ELEMENTSOF(magics); i++)
                if (magics[i].magic == f_type)
                        return &magics[i];
        return NULL;
}

/* kind and network from the mountinfo type; false when there is none */
static int
classify_fstype(const char *fstype, const char *source, char **ret_kind, bool *ret_network)
{
        const struct fs_name *f;
        const char *sub = NULL;
        size_t sub_len = 0;

        if (!fstype || !*fstype)
                return 0;
        f = find_name(kernel_fs, ELEMENTSOF(kernel_fs), fstype, strlen(fstype));
        if (f) {
                *ret_network = f->network;
                *ret_kind = strdup(f->kind);
                return *ret_kind ? 1 : -ENOMEM;
        }
        if (strncmp(fstype, "fuse.", 5) == 0 && fstype[5]) {
                sub = fstype + 5;
                sub_len = strlen(sub);
        } else if (strcmp(fstype, "fuse") == 0 && source && strchr(source, '#')) {
                /* FUSE 2 without subtype support wrote "sshfs#user@host:/dir" */
                sub = source;
                sub_len = (size_t)(strchr(source, '#') - source);
        }
        if (sub && sub_len > 0) {
                f = find_name(fuse_fs, ELEMENTSOF(fuse_fs), sub, sub_len);
                *ret_network = f && f->network;
                if (f)
                        *ret_kind = strdup(f->kind);
                else if (asprintf(ret_kind, "FUSE (%.*s)", (int)sub_len, sub) < 0)
                        *ret_kind = NULL;
                return *ret_kind ? 1 : -ENOMEM;
        }
        *ret_network = false;
        if (strcmp(fstype, "fuse") == 0 || strcmp(fstype, "fuseblk") == 0)
                *ret_kind = strdup(strcmp(fstype, "fuse") == 0 ? "FUSE" : "FUSE (block device)");
        else if (asprintf(ret_kind, "local (%s)", fstype) < 0)
                *ret_kind = NULL;
        return *ret_kind ? 1 : -ENOMEM;
}

int
sharedfs_classify(uint64_t f_type, const char *fstype, const char *source, char **ret_kind,
                  bool *ret_network)
{
        const struct fs_magic *m = find_magic(f_type);
        _cleanup_free_ char *kind = NULL;
        bool network = false;
        int r;

        r = classify_fstype(fstype, source, &kind, &network);
        if (r < 0)
                return r;
        /* f_type cannot be wrong about a network file system; a prefix match can */
        if (m && m->network && !network) {
                free(kind);
                kind = NULL;
                r = 0;
        }
        if (r == 0) {
                network = m && m->network;
                if (m)
                        kind = strdup(m->kind);
                else if (asprintf(&kind, "unknown (0x%llx)", (unsigned long long)f_type) < 0)
                        kind = NULL;
                if (!kind)
                        return -ENOMEM;
        }
        *ret_kind = TAKE_PTR(kind);
        *ret_network = network;
        return 0;
}

/* ---- the system calls ---- */

/* The whole of /proc/self/mountinfo (it is generated as it is read: no size beforehand). */
static int
read_mountinfo(char **ret, size_t *ret_len, struct berr **err)
{
        _cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return berr(err, errno, "open /proc/self/mountinfo");
        r = fs_read_all(fd, MOUNTINFO_MAX, ret, ret_len);
        return r < 0 ? berr(err, -r, "read /proc/self/mountinfo") : 0;
}

int
sharedfs_detect(const char *path, struct sharedfs_info *out, struct berr **err)
{
        _cleanup_(sharedfs_info_done) struct sharedfs_info info = {};
        _cleanup_(sharedfs_mount_done) struct sharedfs_mount m = {};
        _cleanup_free_ char *mountinfo = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t mountinfo_len = 0;
        uint64_t mnt_id = 0;
        struct statfs sfs;
        struct statvfs svfs;
        struct statx stx;
        int r;

        info.path = realpath(path, NULL);
        if (!info.path)
                return berr(err, errno, "%s", path);
        fd = open(info.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open %s", info.path);
        if (fstatfs(fd, &sfs) < 0)
                return berr(err, errno, "statfs %s", info.path);
        info.f_type = (uint64_t)(unsigned long)sfs.f_type;
        if (fstatvfs(fd, &svfs) < 0)
                return berr(err, errno, "statvfs %s", info.path);
        /* access() asks the server on NFS: root squash and ACLs count */
        info.read_only =
                (svfs.f_flag & ST_RDONLY) || faccessat(AT_FDCWD, info.path, W_OK, AT_EACCESS) < 0;
        /* STATX_MNT_ID (Linux 5.8) names the mount exactly; older kernels leave it unset */
        if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) == 0 &&
            (stx.stx_mask & STATX_MNT_ID))
                mnt_id = stx.stx_mnt_id;

        r = read_mountinfo(&mountinfo, &mountinfo_len, err);
        if (r < 0)
                return r;
        r = sharedfs_mountinfo_find(mountinfo, mountinfo_len, info.path, mnt_id, &m);
        if (r == -ENOMEM)
                return berr(err, ENOMEM, "%s", info.path);
        if (r == 0) {
                info.fstype = TAKE_PTR(m.fstype);
                info.source = TAKE_PTR(m.source);
                info.mount_point = TAKE_PTR(m.mount_point);
        }
        r = sharedfs_classify(info.f_type, info.fstype, info.source, &info.kind, &info.network);
        if (r < 0)
                return berr(err, -r, "%s", info.path);
        *out = info;
        memset(&info, 0, sizeof(info));
        return 0;
}

/* ---- trusting a store's path ---- */

int
sharedfs_check_dir(const char *store, const char *dir, uid_t owner, mode_t mode, bool is_store,
                   bool rootless, uid_t uid, struct berr **err)
{
        const char *who = (mode & S_IWGRP) && (mode & S_IWOTH) ? "group and others"
                          : (mode & S_IWGRP)                   ? "group"
                                                               : "others";
        bool owner_ok = owner == 0 || (rootless && owner == uid);

        if (!S_ISDIR(mode))
                return berr(err, ENOTDIR, "shared store %s: %s", store, dir);
        if (!owner_ok) {
                if (rootless && uid != 0)
                        return berr(err, 0,
                                    "shared store %s: %s is owned by uid %u, not by root or uid "
                                    "%u: refused, as others could change the layers",
                                    store, dir, (unsigned)owner, (unsigned)uid);
                return berr(err, 0,
                            "shared store %s: %s is owned by uid %u, not by root: refused, as "
                            "others could change the layers",
                            store, dir, (unsigned)owner);
        }
        if (!(mode & (S_IWGRP | S_IWOTH)))
                return 0;
        /* sticky: others may add entries, never rename or remove the trusted one */
        if (!is_store && (mode & S_ISVTX))
                return 0;
        return berr(err, 0,
                    "shared store %s: %s is writable by %s (mode %04o): refused, as others could "
                    "change the layers",
                    store, dir, who, (unsigned)(mode & 07777));
}

/* whether what is left of a path names nothing more: only '/' and "." */
static bool
only_dots(const char *s)
{
        for (;;) {
                s += strspn(s, "/");
                if (*s == '\0')
                        return true;
                if (s[0] != '.' || (s[1] != '/' && s[1] != '\0'))
                        return false;
                s++;
        }
}

/* A symlink's target, read through its O_PATH fd (Linux keeps targets under PATH_MAX); NULL and
 * errno. */
static char *
read_link(int fd)
{
        _cleanup_free_ char *buf = malloc(PATH_MAX + 1);
        ssize_t n;

        if (!buf)
                return NULL;
        n = readlinkat(fd, "", buf, PATH_MAX + 1);
        if (n < 0)
                return NULL;
        if (n > PATH_MAX) {
                errno = ENAMETOOLONG;
                return NULL;
        }
        buf[n] = '\0';
        return TAKE_PTR(buf);
}

/* a path's last element off: "/a/b" to "/a", "/a" to "" (the root) */
static void
strip_last(char *phys)
{
        char *slash = strrchr(phys, '/');

        if (slash)
                *slash = '\0';
}

/* POSIX allows 8; Linux follows 40 */
#define SYMLINKS_MAX 40

int
sharedfs_check_owner(const char *path, bool rootless, uid_t uid, struct berr **err)
{
        _cleanup_free_ char *todo = NULL, *phys = NULL, *cwd = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t phys_cap, links = 0;
        const char *rest;
        struct stat st;
        int r;

        if (!*path)
                return berr(err, ENOENT, "shared store \"\"");
        if (path[0] != '/') {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return berr(err, errno, "shared store %s: getcwd", path);
        }
        if (asprintf(&todo, "%s/%s", cwd ? cwd : "", path) < 0) {
                todo = NULL;
                return berr(err, ENOMEM, "shared store %s", path);
        }
        /* where the walk is, without symlinks: never longer than PATH_MAX by the kernel's rules */
        phys_cap = PATH_MAX + 1;
        phys = calloc(phys_cap, 1);
        if (!phys)
                return berr(err, ENOMEM, "shared store %s", path);

        /*
         * Walk the path as the kernel would, but one element at a time
         * with O_NOFOLLOW, checking every directory entered: those that hold
         * a symlink on the way too, as whoever can write there can point
         * the link elsewhere.
         */
        fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open /");
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat /");
        r = sharedfs_check_dir(path, "/", st.st_uid, st.st_mode, only_dots(todo), rootless, uid,
                               err);
        if (r < 0)
                return r;
        rest = todo;
        for (;;) {
                _cleanup_free_ char *comp = NULL;
                size_t n;
                int next;

                rest += strspn(rest, "/");
                if (*rest == '\0')
                        break;
                n = strcspn(rest, "/");
                comp = strndup(rest, n);
                if (!comp)
                        return berr(err, ENOMEM, "shared store %s", path);
                rest += n;
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        next = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                        strip_last(phys);
                } else {
                        next = openat(fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return berr(err, errno, "shared store %s: %s/%s", path, phys, comp);
                if (fstat(next, &st) < 0) {
                        r = berr(err, errno, "shared store %s: stat %s/%s", path, phys, comp);
                        (void)close(next);
                        return r;
                }

                if (S_ISLNK(st.st_mode)) {
                        _cleanup_free_ char *target = NULL, *more = NULL;

                        /* in a sticky directory, whoever made the link may replace it */
                        if (st.st_uid != 0 && !(rootless && st.st_uid == uid)) {
                                (void)close(next);
                                return berr(err, 0,
                                            "shared store %s: the symlink %s/%s is owned by uid "
                                            "%u: refused, as its owner could point it elsewhere",
                                            path, phys, comp, (unsigned)st.st_uid);
                        }
                        target = read_link(next);
                        r = errno;
                        (void)close(next);
                        if (!target)
                                return berr(err, r, "shared store %s: readlink %s/%s", path, phys,
                                            comp);
                        if (++links > SYMLINKS_MAX)
                                return berr(err, ELOOP, "shared store %s", path);
                        /* the link's target, then what was left after the link */
                        if (asprintf(&more, "%s/%s", target, rest) < 0) {
                                more = NULL;
                                return berr(err, ENOMEM, "shared store %s", path);
                        }
                        free(todo);
                        todo = TAKE_PTR(more);
                        rest = todo;
                        /* relative: on from fd, the directory that holds the link */
                        if (target[0] == '/') {
                                (void)close(fd);
                                fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                                if (fd < 0)
                                        return berr(err, errno, "open /");
                                phys[0] = '\0';
                        }
                        continue;
                }
                (void)close(fd);
                fd = next;
                if (strcmp(comp, "..") != 0) {
                        size_t len = strlen(phys);

                        if (len + 1 + n >= phys_cap)
                                return berr(err, ENAMETOOLONG, "shared store %s", path);
                        phys[len] = '/';
                        memcpy(phys + len + 1, comp, n + 1);
                }
                r = sharedfs_check_dir(path, *phys ? phys : "/", st.st_uid, st.st_mode,
                                       only_dots(rest), rootless, uid, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
