/*
 * storage/sharedfs.h: what a directory is stored on, and whether berth may
 * trust it as a shared layer store (private to storage/, and to cmd/'s
 * `system info`).
 *
 * Shared base layers live on cluster storage: NFS, Lustre, GPFS (IBM
 * Storage Scale), CephFS, BeeGFS, CIFS/SMB, GlusterFS, and network file
 * systems in user space (sshfs, ceph-fuse, s3fs, rclone, ...). berth tells
 * them apart from statfs(2)'s f_type and the mount's line in
 * /proc/self/mountinfo. The parsing and the classification are pure
 * functions, apart from the system calls, so tests and the fuzzer can
 * drive them with any text.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

/* statfs(2) f_type values (linux/magic.h, and the vendors' own for the rest) */
#define SHAREDFS_NFS_MAGIC 0x6969u
#define SHAREDFS_SMB_MAGIC 0x517bu /* smbfs, before cifs */
#define SHAREDFS_CIFS_MAGIC 0xff534d42u
#define SHAREDFS_SMB2_MAGIC 0xfe534d42u
#define SHAREDFS_LUSTRE_MAGIC 0x0bd00bd0u
#define SHAREDFS_GPFS_MAGIC 0x47504653u
#define SHAREDFS_CEPH_MAGIC 0x00c36400u
#define SHAREDFS_BEEGFS_MAGIC 0x19830326u
#define SHAREDFS_AFS_MAGIC 0x5346414fu  /* OpenAFS */
#define SHAREDFS_KAFS_MAGIC 0x6b414653u /* the kernel's AFS client */
#define SHAREDFS_CODA_MAGIC 0x73757245u
#define SHAREDFS_GFS2_MAGIC 0x01161970u
#define SHAREDFS_OCFS2_MAGIC 0x7461636fu
#define SHAREDFS_PANFS_MAGIC 0xaad7aaeau
#define SHAREDFS_ORANGEFS_MAGIC 0x20030528u
#define SHAREDFS_FUSE_MAGIC 0x65735546u
#define SHAREDFS_V9FS_MAGIC 0x01021997u
#define SHAREDFS_VIRTIOFS_MAGIC SHAREDFS_FUSE_MAGIC /* virtiofs is FUSE underneath */
#define SHAREDFS_OVERLAY_MAGIC 0x794c7630u
#define SHAREDFS_TMPFS_MAGIC 0x01021994u
#define SHAREDFS_RAMFS_MAGIC 0x858458f6u
#define SHAREDFS_EXT4_MAGIC 0xef53u /* ext2, ext3 and ext4 alike */
#define SHAREDFS_XFS_MAGIC 0x58465342u
#define SHAREDFS_BTRFS_MAGIC 0x9123683eu
#define SHAREDFS_ZFS_MAGIC 0x2fc12fc1u
#define SHAREDFS_F2FS_MAGIC 0xf2f52010u
#define SHAREDFS_BCACHEFS_MAGIC 0xca451a4eu
#define SHAREDFS_SQUASHFS_MAGIC 0x73717368u
#define SHAREDFS_EROFS_MAGIC 0xe0f5e1e2u
#define SHAREDFS_CGROUP2_MAGIC 0x63677270u

/* One line of /proc/self/mountinfo (proc(5)), with its octal escapes undone. */
struct sharedfs_mount {
        unsigned mount_id, parent_id;
        unsigned dev_major, dev_minor;
        char *root;        /* the directory of the file system mounted here: "/", "/export" */
        char *mount_point; /* absolute */
        char *options;     /* per-mount: "rw,relatime" */
        char *fstype;      /* "nfs4", "fuse.sshfs", "ext4" */
        char *source;      /* "server:/export", "root@host:/dir", "/dev/sda1", "none"; may be "" */
        char *super_options; /* per file system; "" when the line has none */
};

/* Free what m holds and zero it; a zeroed one is fine. */
void sharedfs_mount_done(struct sharedfs_mount *m);

/*
 * Parse one mountinfo line (len bytes, no newline needed; a trailing one is
 * ignored) into *ret, which must be zeroed. \NNN octal escapes (the kernel
 * writes space, tab, newline and backslash so) are undone; a backslash not
 * followed by three octal digits stays as it is, as libmount reads it.
 * -EINVAL for a line that is not a mountinfo line (*ret untouched), or -ENOMEM.
 */
int sharedfs_mountinfo_parse_line(const char *line, size_t len, struct sharedfs_mount *ret);

/*
 * The mount path is on, in the text of a mountinfo file: the line whose
 * mount ID is mnt_id when mnt_id is not 0 (statx's STATX_MNT_ID, which
 * is exact), else the line whose mount point is the longest prefix of path
 * (an absolute path without "." or ".." or symlinks: a realpath()) on a
 * '/' boundary, the later line winning between equal mount points (it is
 * mounted on top). Lines that do not parse are skipped. 0 and *ret filled
 * (zeroed before); -ENOENT when no line fits; -ENOMEM.
 */
int sharedfs_mountinfo_find(const char *text, size_t len, const char *path, uint64_t mnt_id,
                            struct sharedfs_mount *ret);

/*
 * What a file system is, for people and for berth: kind ("NFS", "Lustre",
 * "GPFS", "CephFS", "BeeGFS", "CIFS/SMB", "GlusterFS", "sshfs (FUSE)",
 * "FUSE (name)", "local (ext4)", ...) into *ret_kind (malloc'd), and
 * whether it is a network file system shared between machines into
 * *ret_network.
 *
 * fstype and source come from mountinfo and may be NULL; f_type is
 * statfs's (0: unknown). The mountinfo type names the file system best
 * ("nfs4", "fuse.sshfs"); f_type is the fallback, and wins when it is a
 * network file system's and the mountinfo type is not (a mountinfo line
 * matched by prefix can be the wrong one; f_type never is).
 *
 * Network: nfs, nfs4, lustre, gpfs, ceph, beegfs, cifs, smb3, smbfs, afs,
 * coda, gfs2, ocfs2, panfs, orangefs/pvfs2, and FUSE mounts of these
 * subtypes (fuse.NAME; for an old plain "fuse" mount the NAME of a source
 * "NAME#..."): sshfs, ceph-fuse, ceph, glusterfs, s3fs, rclone, gcsfuse,
 * goofys, juicefs, cvmfs, cvmfs2, mountpoint-s3, blobfuse, blobfuse2,
 * lustre, beegfs, mfs (MooseFS, LizardFS), lizardfs, seaweedfs, xtreemfs,
 * alluxio-fuse, davfs, webdav, curlftpfs, gdrivefs. Everything else (9p
 * and virtiofs too: they share a host's files with one VM, not a
 * cluster's) is local. 0, or -ENOMEM.
 */
int sharedfs_classify(uint64_t f_type, const char *fstype, const char *source, char **ret_kind,
                      bool *ret_network);

/* What sharedfs_detect() found. */
struct sharedfs_info {
        char *path;        /* the directory's realpath */
        uint64_t f_type;   /* statfs(2) */
        char *fstype;      /* mountinfo's type, "nfs4"; NULL when no line was found */
        char *source;      /* mountinfo's source, "server:/export"; NULL likewise */
        char *mount_point; /* the mount the directory is on; NULL likewise */
        char *kind;        /* sharedfs_classify()'s */
        bool network;      /* likewise */
        bool read_only;    /* a read-only mount, or no write permission for this process */
};

/* Free what info holds and zero it; a zeroed one is fine. */
void sharedfs_info_done(struct sharedfs_info *info);

/*
 * Find what the directory path is stored on (see struct sharedfs_info):
 * realpath(3), statfs(2), statvfs's ST_RDONLY and access(W_OK) for
 * read_only, statx(2)'s mount ID (when the kernel has it) and
 * /proc/self/mountinfo. *out must be zeroed; on failure it stays so.
 * Errors name path.
 */
int sharedfs_detect(const char *path, struct sharedfs_info *out, struct berr **err);

/*
 * Whether a store directory may be trusted, after sshd's StrictModes: path
 * and each directory above it up to '/' must be owned by root, or, when
 * rootless, by root or uid, and must not be writable by group or others.
 * One exception, which sshd does not make: a directory above the store
 * that is writable by others but sticky, with a trusted owner (/tmp, an
 * HPC cluster's /scratch: mode 1777, root's) is allowed: the sticky bit
 * keeps others from renaming or removing the trusted entry in it, which is
 * the attack the rule is there for. The store itself may never be writable
 * by group or others, sticky or not.
 * The path is walked as the kernel resolves it, one element at a time
 * with O_NOFOLLOW from '/' (a relative path from the working directory),
 * and every directory entered is checked: the ones that hold a symlink on
 * the way too, since whoever can write there can point the link elsewhere;
 * a symlink itself must have a trusted owner (in a sticky directory its
 * owner can replace it).
 * 0 when trusted; otherwise an error naming the store and the offending
 * directory with its owner or mode (-EINVAL), or why the walk failed.
 */
int sharedfs_check_owner(const char *path, bool rootless, uid_t uid, struct berr **err);

/*
 * The pure half of sharedfs_check_owner(): whether a directory dir (for
 * messages) of owner owner and mode mode may be part of the store's path;
 * is_store: it is the store itself, not a directory above it.
 */
int sharedfs_check_dir(const char *store, const char *dir, uid_t owner, mode_t mode, bool is_store,
                       bool rootless, uid_t uid, struct berr **err);
