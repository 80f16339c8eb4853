/* runtime/device-arg.c: --device HOST[:CONTAINER][:PERMISSIONS] */
#include "device-arg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

static bool
is_permissions(const char *s)
{
        return s[0] && strspn(s, "rwm") == strlen(s);
}

int
device_arg_parse(const char *arg, struct spec_device *ret, char **ret_text, struct berr **err)
{
        _cleanup_free_ char *text = strdup(arg);
        char *host, *ctr = NULL, *perms = NULL, *colon;
        struct stat st;

        if (!text)
                return berr(err, ENOMEM, "--device");
        host = text;
        colon = strchr(host, ':');
        if (colon) {
                *colon = '\0';
                ctr = colon + 1;
                colon = strchr(ctr, ':');
                if (colon) {
                        *colon = '\0';
                        perms = colon + 1;
                } else if (is_permissions(ctr)) { /* HOST:PERMISSIONS, as podman reads it */
                        perms = ctr;
                        ctr = NULL;
                }
        }
        if (host[0] != '/' || (ctr && ctr[0] != '/'))
                return berr(err, 0, "--device %s: expected an absolute HOST[:CONTAINER] path", arg);
        if (perms && !is_permissions(perms))
                return berr(err, 0, "--device %s: permissions %s: expected letters of \"rwm\"", arg,
                            perms);
        if (stat(host, &st) < 0)
                return berr(err, errno, "--device %s", host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return berr(err, 0, "--device %s: not a character or block device", host);
        *ret = (struct spec_device){
                .path = ctr ? ctr : host,
                .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
                .major = major(st.st_rdev),
                .minor = minor(st.st_rdev),
                .file_mode = st.st_mode & 07777,
                .access = perms,
        };
        *ret_text = TAKE_PTR(text);
        return 0;
}

/* deep enough for /dev/dri/by-path, /dev/snd, /dev/net/tun, /dev/nvidia-caps */
#define HOST_DEV_DEPTH 3

static bool
host_dev_skipped(const char *rel)
{
        static const char *const skip[] = {
                "pts",  "shm",   "mqueue", "console", "ptmx",      "tty",
                "null", "zero",  "full",   "random",  "urandom",   "fd",
                "core", "stdin", "stdout", "stderr",  "hugepages",
        };

        for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
                if (strcmp(rel, skip[i]) == 0)
                        return true;
        return false;
}

static int
host_devices_add(struct host_devices *d, const char *path, const struct stat *st, struct berr **err)
{
        struct spec_device *v = reallocarray(d->v, d->n + 1, sizeof(*v));
        char **p;

        if (!v)
                return berr(err, ENOMEM, "devices");
        d->v = v;
        p = reallocarray(d->paths, d->n + 2, sizeof(*p));
        if (!p)
                return berr(err, ENOMEM, "devices");
        d->paths = p;
        p[d->n] = strdup(path);
        p[d->n + 1] = NULL;
        if (!p[d->n])
                return berr(err, ENOMEM, "devices");
        v[d->n] = (struct spec_device){
                .path = p[d->n],
                .type = S_ISBLK(st->st_mode) ? 'b' : 'c',
                .major = major(st->st_rdev),
                .minor = minor(st->st_rdev),
                .file_mode = st->st_mode & 07777,
                .uid = st->st_uid,
                .gid = st->st_gid,
        };
        d->n++;
        return 0;
}

static int
walk_devices(int dirfd, const char *path, int depth, struct host_devices *d, struct berr **err)
{
        DIR *dir = fdopendir(dirfd);
        struct dirent *de;
        int r = 0;

        if (!dir) {
                (void)close(dirfd);
                return 0;
        }
        while (r == 0 && (de = readdir(dir))) {
                _cleanup_free_ char *child = NULL;
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    (depth == 0 && host_dev_skipped(de->d_name)))
                        continue;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (asprintf(&child, "%s/%s", path, de->d_name) < 0)
                        r = berr(err, ENOMEM, "devices");
                else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                        r = host_devices_add(d, child, &st, err);
                else if (S_ISDIR(st.st_mode) && depth + 1 < HOST_DEV_DEPTH) {
                        int fd = openat(dirfd, de->d_name,
                                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        if (fd >= 0)
                                r = walk_devices(fd, child, depth + 1, d, err);
                }
        }
        (void)closedir(dir);
        return r;
}

int
devices_of_host(const char *dir, struct host_devices *ret, struct berr **err)
{
        struct host_devices d = {0};
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (fd < 0)
                return berr(err, errno, "open %s", dir);
        r = walk_devices(fd, "/dev", 0, &d, err);
        if (r < 0) {
                host_devices_done(&d);
                return r;
        }
        *ret = d;
        return 0;
}

void
host_devices_done(struct host_devices *d)
{
        strv_free(d->paths);
        free(d->v);
        *d = (struct host_devices){0};
}
