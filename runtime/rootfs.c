/*
 * runtime/rootfs.c: the container's file system, built inside its own
 * mount namespace: the overlay root, the spec's mounts, /dev, pivot_root,
 * then masked and read-only paths. Runs in the container's first process
 * before execve: every failure goes to executor_fail(), which names the
 * step. Destinations are resolved inside the root (RESOLVE_IN_ROOT), so a
 * symlink in an image cannot send a mount outside it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "executor.h"
#include "util/cleanup.h"

#define FD_PATH_MAX 32

static int
openat2_in(int dirfd, const char *path, int flags, unsigned long long resolve)
{
        struct open_how how = {.flags = (unsigned long long)flags | O_CLOEXEC, .resolve = resolve};
        int fd;

        do
                fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
        while (fd < 0 && errno == EAGAIN);
        return fd;
}

static void
fd_path(int fd, char buf[FD_PATH_MAX])
{
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/*
 * The O_PATH fd of path inside root (root_fd), made when missing: the
 * directories on the way, and the last element as a directory (dir) or an
 * empty file. Symlinks on the way resolve inside root.
 */
static int
mkpath_in_root(int root_fd, const char *path, bool dir)
{
        _cleanup_free_ char *copy = strdup(path);
        char *p, *slash;
        int fd;

        if (!copy)
                return -ENOMEM;
        fd = openat2_in(root_fd, path, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (fd >= 0 || errno != ENOENT)
                return fd >= 0 ? fd : -errno;

        /* make each missing element, from the top */
        p = copy;
        while (*p == '/')
                p++;
        for (;;) {
                _cleanup_close_ int parent = -EBADF;
                bool last;

                slash = strchr(p, '/');
                last = !slash || slash[strspn(slash, "/")] == '\0';
                if (slash)
                        *slash = '\0';
                fd = openat2_in(root_fd, copy, O_PATH, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
                if (fd < 0 && errno != ENOENT)
                        return -errno;
                if (fd < 0) {
                        const char *name = strrchr(copy, '/');
                        char *cut = (char *)name;

                        name = name ? name + 1 : copy;
                        if (cut && cut != copy) {
                                *cut = '\0';
                                parent = openat2_in(root_fd, copy, O_PATH | O_DIRECTORY,
                                                    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
                                *cut = '/';
                        } else {
                                parent = openat2_in(root_fd, "/", O_PATH | O_DIRECTORY,
                                                    RESOLVE_IN_ROOT);
                        }
                        if (parent < 0)
                                return -errno;
                        if (!last || dir) {
                                if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST)
                                        return -errno;
                        } else {
                                int f = openat(parent, name,
                                               O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                               0644);
                                if (f < 0 && errno != EEXIST)
                                        return -errno;
                                if (f >= 0)
                                        (void)close(f);
                        }
                        fd = openat2_in(root_fd, copy, O_PATH,
                                        RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
                        if (fd < 0)
                                return -errno;
                }
                if (last)
                        return fd;
                (void)close(fd);
                *slash = '/';
                p = slash + 1;
                while (*p == '/')
                        p++;
        }
}

/* the flags a bind remount must keep (the kernel refuses to drop locked ones) */
static unsigned long
kept_flags(const char *path)
{
        struct statvfs sv;
        unsigned long f = 0;

        if (statvfs(path, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_NOSUID)
                f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV)
                f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                f |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME)
                f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME)
                f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME)
                f |= MS_RELATIME;
        return f;
}

/* the overlay: with the new mount API, one lowerdir+ per layer (no page-size limit) */
static void
mount_overlay(const char *options, const char *target, int sync_fd)
{
        _cleanup_free_ char *copy = strdup(options);
        _cleanup_close_ int fs = -EBADF, mnt = -EBADF;
        char *save = NULL, *opt;

        if (!copy)
                executor_fail(sync_fd, ENOMEM, "mount the root overlay");
        fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
        if (fs < 0)
                goto old_api;
        for (opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
                char *eq = strchr(opt, '=');
                int r;

                if (eq)
                        *eq = '\0';
                if (eq && strcmp(opt, "lowerdir") == 0) {
                        char *s2 = NULL, *dir;
                        for (dir = strtok_r(eq + 1, ":", &s2); dir;
                             dir = strtok_r(NULL, ":", &s2)) {
                                r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+",
                                                 dir, 0);
                                if (r < 0 && errno == EINVAL)
                                        goto old_api; /* a kernel before 6.8 */
                                if (r < 0)
                                        executor_fail(sync_fd, errno,
                                                      "mount the root overlay: lower layer %s",
                                                      dir);
                        }
                        continue;
                }
                r = eq ? (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, opt, eq + 1, 0)
                       : (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
                if (r < 0)
                        executor_fail(sync_fd, errno, "mount the root overlay: option %s", opt);
        }
        if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                executor_fail(sync_fd, errno, "mount the root overlay");
        mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
        if (mnt < 0)
                executor_fail(sync_fd, errno, "mount the root overlay");
        if (syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                executor_fail(sync_fd, errno, "mount the root overlay on %s", target);
        return;
old_api:
        if (mount("overlay", target, "overlay", 0, options) < 0)
                executor_fail(sync_fd, errno, "mount the root overlay on %s", target);
}

/* Whether the comma-separated list opts holds item (a whole item) */
static bool
opts_have(const char *opts, const char *item)
{
        size_t n = strlen(item);

        for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                if (strncmp(p, item, n) == 0 &&
                    (p[n] == ',' || p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
                        return true;
        return false;
}

/*
 * The directory of the host's v1 hierarchy ctrls ("memory", "cpu,cpuacct",
 * "name=systemd") that holds cgroup path, from the mountinfo text: a
 * mount of it whose root is path or above it. NULL when none (malloc'd).
 */
static char *
cgroup_v1_source(const char *mountinfo, const char *ctrls, const char *path)
{
        for (const char *l = mountinfo; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                char root[512], point[512], type[32], super[512];
                const char *dash = strstr(l, " - ");
                char *c, *save = NULL, *list = NULL;
                size_t rl;
                bool all = true;

                if (!dash || dash > strchrnul(l, '\n') ||
                    sscanf(l, "%*s %*s %*s %511s %511s", root, point) != 2 ||
                    sscanf(dash, " - %31s %*s %511s", type, super) != 2 ||
                    strcmp(type, "cgroup") != 0 || strchr(point, '\\') || strchr(root, '\\'))
                        continue;
                list = strdup(ctrls);
                for (c = list ? strtok_r(list, ",", &save) : NULL; c;
                     c = strtok_r(NULL, ",", &save))
                        all = all && opts_have(super, c);
                free(list);
                rl = strcmp(root, "/") == 0 ? 0 : strlen(root);
                if (!all || strncmp(path, root, rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))
                        continue;
                char *src = NULL;

                if (asprintf(&src, "%s%s", point, path + rl) < 0)
                        return NULL;
                return src;
        }
        return NULL;
}

/*
 * cgroup v1: a tmpfs with each of this process's hierarchies, bind-mounted
 * from the host's at this process's cgroup (what a cgroup namespace made
 * after the mounts shows as its root; a bind is much cheaper than mounting
 * a v1 hierarchy, which takes the kernel's cgroup mutex and drains every
 * offline cgroup), read-only as asked. A hierarchy the host has not
 * mounted is mounted (as the namespace shows it).
 */
static void
mount_cgroup_v1(int root_fd, const struct oci_mount *m, const char *target, int sync_fd)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        _cleanup_free_ char *mountinfo = NULL;
        unsigned long ro = m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        char line[512];

        if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
                executor_fail(sync_fd, errno, "mount %s", m->destination);
        if (!f)
                executor_fail(sync_fd, errno, "read /proc/self/cgroup");
        {
                _cleanup_fclose_ FILE *mi = fopen("/proc/self/mountinfo", "re");
                size_t size = 0;

                if (!mi || getdelim(&mountinfo, &size, '\0', mi) < 0)
                        executor_fail(sync_fd, errno, "read /proc/self/mountinfo");
        }
        while (fgets(line, sizeof(line), f)) {
                char *ctrl = strchr(line, ':'), *end, *name, *data;
                _cleanup_free_ char *dest = NULL, *src = NULL;
                _cleanup_close_ int fd = -EBADF;
                char p[FD_PATH_MAX];

                if (!ctrl || !(end = strchr(++ctrl, ':')) || end == ctrl)
                        continue; /* the v2 line ("0::/...") has no controllers */
                *end = '\0';
                end[1 + strcspn(end + 1, "\n")] = '\0';
                name = strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl;
                if (asprintf(&dest, "%s/%s", m->destination, name) < 0)
                        executor_fail(sync_fd, ENOMEM, "mount %s", m->destination);
                fd = mkpath_in_root(root_fd, dest, true);
                if (fd < 0)
                        executor_fail(sync_fd, -fd, "create %s", dest);
                fd_path(fd, p);
                src = cgroup_v1_source(mountinfo, ctrl, end + 1);
                if (src) {
                        _cleanup_close_ int now_fd = -EBADF;
                        char now[FD_PATH_MAX];

                        if (mount(src, p, NULL, MS_BIND, NULL) < 0)
                                executor_fail(sync_fd, errno, "bind mount %s on %s", src, dest);
                        /* the remount goes to the new mount: reopen what is now there */
                        now_fd = openat2_in(root_fd, dest, O_PATH, RESOLVE_IN_ROOT);
                        if (now_fd < 0)
                                executor_fail(sync_fd, errno, "open %s", dest);
                        fd_path(now_fd, now);
                        if (mount(NULL, now, NULL, MS_REMOUNT | MS_BIND | ro, NULL) < 0)
                                executor_fail(sync_fd, errno, "make %s read-only", dest);
                } else {
                        data = ctrl;
                        if (name != ctrl && asprintf(&data, "none,%s", ctrl) < 0)
                                executor_fail(sync_fd, ENOMEM, "mount %s", dest);
                        if (mount("cgroup", p, "cgroup", m->flags & ~MS_REMOUNT, data) < 0)
                                executor_fail(sync_fd, errno, "mount %s", dest);
                        if (data != ctrl)
                                free(data);
                }
                /* "cpu,cpuacct" is also reached as cpu and cpuacct */
                if (strchr(name, ',')) {
                        _cleanup_close_ int dfd = openat2_in(root_fd, m->destination,
                                                             O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT);
                        char *s = NULL, *one;
                        _cleanup_free_ char *names = strdup(name);
                        if (dfd < 0 || !names)
                                executor_fail(sync_fd, errno, "open %s", m->destination);
                        for (one = strtok_r(names, ",", &s); one; one = strtok_r(NULL, ",", &s))
                                if (symlinkat(name, dfd, one) < 0 && errno != EEXIST)
                                        executor_fail(sync_fd, errno, "link %s/%s", m->destination,
                                                      one);
                }
        }
        if (m->flags & MS_RDONLY) {
                /* the remount goes to the tmpfs: reopen what is now there */
                _cleanup_close_ int nfd =
                        openat2_in(root_fd, m->destination, O_PATH, RESOLVE_IN_ROOT);
                char now[FD_PATH_MAX];

                if (nfd < 0)
                        executor_fail(sync_fd, errno, "open %s", m->destination);
                fd_path(nfd, now);
                if (mount(NULL, now, NULL,
                          MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                          "mode=755") < 0)
                        executor_fail(sync_fd, errno, "make %s read-only", m->destination);
        }
}

/*
 * Copy the tree under from into to (both directories): files, directories,
 * symlinks, with owners, modes and times; other kinds are skipped. For
 * tmpcopyup, so small trees only (/run, /tmp of an image): depth-limited.
 */
static int
copy_tree(int from, int to, int depth)
{
        _cleanup_close_ int dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 3);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (depth > 32)
                return -(errno = ELOOP);
        if (dup_fd < 0)
                return -errno;
        d = fdopendir(dup_fd);
        if (!d)
                return -errno;
        (void)TAKE_FD(dup_fd); /* the DIR owns it now */
        while (r == 0 && (de = readdir(d))) {
                struct stat st;
                struct timespec ts[2];

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                ts[0] = st.st_atim;
                ts[1] = st.st_mtim;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sf = -EBADF, tf = -EBADF;
                        if (mkdirat(to, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST)
                                r = -errno;
                        sf = r == 0 ? openat(dirfd(d), de->d_name,
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                    : -EBADF;
                        tf = r == 0 ? openat(to, de->d_name,
                                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                                    : -EBADF;
                        if (r == 0 && (sf < 0 || tf < 0))
                                r = -errno;
                        if (r == 0)
                                r = copy_tree(sf, tf, depth + 1);
                } else if (S_ISLNK(st.st_mode)) {
                        char target[4096];
                        ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                        if (n < 0)
                                r = -errno;
                        else {
                                target[n] = '\0';
                                if (symlinkat(target, to, de->d_name) < 0 && errno != EEXIST)
                                        r = -errno;
                        }
                } else if (S_ISREG(st.st_mode)) {
                        _cleanup_close_ int sf =
                                openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
                        _cleanup_close_ int tf =
                                openat(to, de->d_name,
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                       st.st_mode & 07777);
                        char buf[65536];
                        ssize_t n;
                        if (sf < 0 || tf < 0)
                                r = -errno;
                        while (r == 0 && (n = read(sf, buf, sizeof(buf))) > 0)
                                if (write(tf, buf, (size_t)n) != n)
                                        r = -EIO;
                } else {
                        continue;
                }
                if (r == 0 &&
                    (fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                     (!S_ISLNK(st.st_mode) &&
                      fchmodat(to, de->d_name, st.st_mode & 07777, 0) < 0) ||
                     utimensat(to, de->d_name, ts, AT_SYMLINK_NOFOLLOW) < 0))
                        r = -errno;
        }
        closedir(d);
        return r;
}

static void
do_mount(int root_fd, const struct oci_mount *m, const struct executor_opts *o,
         const char *mount_label, int sync_fd)
{
        _cleanup_close_ int fd = -EBADF;
        char target[FD_PATH_MAX];
        bool file = false;

        if (m->bind) {
                struct stat st;
                if (stat(m->source, &st) < 0)
                        executor_fail(sync_fd, errno, "bind mount %s: source %s", m->destination,
                                      m->source);
                file = !S_ISDIR(st.st_mode);
        }
        fd = mkpath_in_root(root_fd, m->destination, !file);
        if (fd < 0)
                executor_fail(sync_fd, -fd, "create the mount point %s", m->destination);
        fd_path(fd, target);

        if (m->bind) {
                unsigned long flags = MS_BIND | (m->recursive ? MS_REC : 0);
                if (mount(m->source, target, NULL, flags, NULL) < 0)
                        executor_fail(sync_fd, errno, "bind mount %s on %s", m->source,
                                      m->destination);
                if (m->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME)) {
                        /* the remount goes to the new mount: reopen what is now there */
                        _cleanup_close_ int nfd =
                                openat2_in(root_fd, m->destination, O_PATH, RESOLVE_IN_ROOT);
                        char now[FD_PATH_MAX];
                        if (nfd < 0)
                                executor_fail(sync_fd, errno, "open %s", m->destination);
                        fd_path(nfd, now);
                        if (mount(NULL, now, NULL,
                                  MS_REMOUNT | MS_BIND | (m->recursive ? MS_REC : 0) |
                                          (m->flags & ~MS_REMOUNT) | kept_flags(now),
                                  NULL) < 0)
                                executor_fail(sync_fd, errno, "remount %s with its options",
                                              m->destination);
                }
        } else if (strcmp(m->type, "cgroup") == 0 && !o->cgroup_v2) {
                mount_cgroup_v1(root_fd, m, target, sync_fd);
        } else {
                const char *type = strcmp(m->type, "cgroup") == 0 ? "cgroup2" : m->type;
                const char *source = m->source ? m->source : type;
                _cleanup_free_ char *labelled = NULL;
                const char *data = m->data;

                /* file systems berth makes carry the container's SELinux label (linux.mountLabel)
                 */
                if (mount_label && (strcmp(type, "tmpfs") == 0 || strcmp(type, "mqueue") == 0 ||
                                    strcmp(type, "devpts") == 0)) {
                        if (asprintf(&labelled, "%s%scontext=\"%s\"", data ? data : "",
                                     data ? "," : "", mount_label) < 0)
                                executor_fail(sync_fd, ENOMEM, "mount %s", m->destination);
                        data = labelled;
                }
                /* opened before the mount hides it: what tmpcopyup copies */
                _cleanup_close_ int below =
                        m->tmpcopyup ? openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -EBADF;
                if (mount(source, target, type, m->flags & ~MS_REMOUNT, data) < 0)
                        executor_fail(sync_fd, errno, "mount %s (%s)", m->destination, type);
                if (below >= 0) {
                        _cleanup_close_ int top = openat2_in(
                                root_fd, m->destination, O_RDONLY | O_DIRECTORY, RESOLVE_IN_ROOT);
                        if (top < 0 || copy_tree(below, top, 0) < 0)
                                executor_fail(sync_fd, errno, "copy the image's %s into its tmpfs",
                                              m->destination);
                }
        }
        if (m->propagation) {
                _cleanup_close_ int nfd =
                        openat2_in(root_fd, m->destination, O_PATH, RESOLVE_IN_ROOT);
                char now[FD_PATH_MAX];
                if (nfd < 0)
                        executor_fail(sync_fd, errno, "open %s", m->destination);
                fd_path(nfd, now);
                if (mount(NULL, now, NULL, m->propagation, NULL) < 0)
                        executor_fail(sync_fd, errno, "set the propagation of %s", m->destination);
        }
}

/* the device nodes every container has, and those the spec adds */
static void
make_devices(int root_fd, const struct oci_config *c, int sync_fd)
{
        static const struct {
                const char *name;
                unsigned major, minor;
        } std[] = {
                {"null", 1, 3}, {"zero", 1, 5},   {"full", 1, 7},
                {"tty", 5, 0},  {"random", 1, 8}, {"urandom", 1, 9},
        };
        static const struct {
                const char *name, *target;
        } links[] = {
                {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
                {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
                {"ptmx", "pts/ptmx"},
        };
        _cleanup_close_ int dev = openat2_in(root_fd, "/dev", O_PATH | O_DIRECTORY,
                                             RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);

        if (dev < 0)
                executor_fail(sync_fd, errno, "open /dev");
        for (size_t i = 0; i < sizeof(std) / sizeof(std[0]); i++) {
                if (mknodat(dev, std[i].name, S_IFCHR | 0666, makedev(std[i].major, std[i].minor)) <
                            0 &&
                    errno != EEXIST)
                        executor_fail(sync_fd, errno, "create /dev/%s", std[i].name);
                /* mknod's mode goes through the umask */
                if (fchmodat(dev, std[i].name, 0666, 0) < 0)
                        executor_fail(sync_fd, errno, "chmod /dev/%s", std[i].name);
        }
        for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
                if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
                        executor_fail(sync_fd, errno, "create /dev/%s", links[i].name);
        for (size_t i = 0; i < c->n_devices; i++) {
                const struct oci_device *d = &c->devices[i];
                _cleanup_close_ int fd = -EBADF, parent = -EBADF;
                _cleanup_free_ char *dir = strdup(d->path);
                char *slash = dir ? strrchr(dir, '/') : NULL;
                mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;

                if (!slash)
                        executor_fail(sync_fd, ENOMEM, "create %s", d->path);
                *slash = '\0';
                parent = mkpath_in_root(root_fd, dir, true);
                if (parent < 0)
                        executor_fail(sync_fd, -parent, "create %s", dir);
                /* an O_PATH fd: reopen as a directory to create in it */
                fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 ||
                    (mknodat(fd, slash + 1, type | d->mode, d->dev) < 0 && errno != EEXIST))
                        executor_fail(sync_fd, errno, "create %s", d->path);
                if (fchmodat(fd, slash + 1, d->mode, 0) < 0 ||
                    fchownat(fd, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
                        executor_fail(sync_fd, errno, "set the owner and mode of %s", d->path);
        }
}

bool
rootfs_has_mount(const struct oci_config *c, const char *dest, const char *type)
{
        for (size_t i = 0; i < c->n_mounts; i++)
                if (strcmp(c->mounts[i].destination, dest) == 0 &&
                    (!type || (c->mounts[i].type && strcmp(c->mounts[i].type, type) == 0)))
                        return true;
        return false;
}

int
rootfs_prepare(const struct oci_config *c, const struct executor_opts *o, int sync_fd)
{
        _cleanup_close_ int root_fd = -EBADF;

        /* nothing mounted here may reach the host, and the host's mounts still reach us */
        if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0)
                executor_fail(sync_fd, errno, "make the mount namespace private");
        if (c->overlay)
                mount_overlay(c->overlay, c->root_path, sync_fd);
        else if (mount(c->root_path, c->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
                executor_fail(sync_fd, errno, "bind mount the root %s", c->root_path);
        /* pivot_root refuses a root whose parent mount is shared */
        if (mount(NULL, c->root_path, NULL, MS_PRIVATE, NULL) < 0)
                executor_fail(sync_fd, errno, "make the root mount private");

        root_fd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                executor_fail(sync_fd, errno, "open the root %s", c->root_path);
        for (size_t i = 0; i < c->n_mounts; i++)
                do_mount(root_fd, &c->mounts[i], o, c->mount_label, sync_fd);
        if (rootfs_has_mount(c, "/dev", "tmpfs"))
                make_devices(root_fd, c, sync_fd);
        if (c->terminal && !o->console && rootfs_has_mount(c, "/dev", NULL)) {
                /* the terminal is the container's console */
                _cleanup_close_ int fd = mkpath_in_root(root_fd, "/dev/console", false);
                char target[FD_PATH_MAX], source[256];
                if (fd < 0)
                        executor_fail(sync_fd, -fd, "create /dev/console");
                fd_path(fd, target);
                /*
                 * By its path: the terminal's fd belongs to the mount namespace
                 * it was opened in, which the kernel refuses as a bind source
                 */
                if (ttyname_r(0, source, sizeof(source)) != 0)
                        executor_fail(sync_fd, errno, "find the terminal's name");
                if (mount(source, target, NULL, MS_BIND, NULL) < 0)
                        executor_fail(sync_fd, errno, "bind the terminal on /dev/console");
        }

        if (fchdir(root_fd) < 0)
                executor_fail(sync_fd, errno, "enter the root");
        /* the old root stacks under the new one, then goes away */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                executor_fail(sync_fd, errno, "pivot_root to %s", c->root_path);
        if (umount2(".", MNT_DETACH) < 0)
                executor_fail(sync_fd, errno, "detach the old root");
        if (chdir("/") < 0)
                executor_fail(sync_fd, errno, "chdir /");
        return 0;
}

int
rootfs_finish(const struct oci_config *c, int sync_fd)
{
        for (char **p = c->masked_paths; p && *p; p++) {
                _cleanup_close_ int fd = openat2_in(AT_FDCWD, *p, O_PATH, RESOLVE_IN_ROOT);
                char target[FD_PATH_MAX];
                struct stat st;

                if (fd < 0 && errno == ENOENT)
                        continue;
                if (fd < 0 || fstat(fd, &st) < 0)
                        executor_fail(sync_fd, errno, "mask %s", *p);
                fd_path(fd, target);
                if (S_ISDIR(st.st_mode)) {
                        if (mount("tmpfs", target, "tmpfs", MS_RDONLY, NULL) < 0)
                                executor_fail(sync_fd, errno, "mask %s", *p);
                } else if (mount("/dev/null", target, NULL, MS_BIND, NULL) < 0) {
                        executor_fail(sync_fd, errno, "mask %s", *p);
                }
        }
        for (char **p = c->readonly_paths; p && *p; p++) {
                _cleanup_close_ int fd = openat2_in(AT_FDCWD, *p, O_PATH, RESOLVE_IN_ROOT);
                char target[FD_PATH_MAX];
                int nfd;

                if (fd < 0 && errno == ENOENT)
                        continue;
                if (fd < 0)
                        executor_fail(sync_fd, errno, "make %s read-only", *p);
                fd_path(fd, target);
                if (mount(target, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                        executor_fail(sync_fd, errno, "make %s read-only", *p);
                nfd = openat2_in(AT_FDCWD, *p, O_PATH, RESOLVE_IN_ROOT);
                if (nfd < 0)
                        executor_fail(sync_fd, errno, "make %s read-only", *p);
                fd_path(nfd, target);
                if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags(target),
                          NULL) < 0) {
                        (void)close(nfd);
                        executor_fail(sync_fd, errno, "make %s read-only", *p);
                }
                (void)close(nfd);
        }
        if (c->root_readonly &&
            mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | kept_flags("/"), NULL) < 0)
                executor_fail(sync_fd, errno, "make the root read-only");
        return 0;
}
