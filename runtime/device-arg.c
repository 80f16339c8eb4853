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

/* Append d, whose path is text (taken: freed with the list) */
static int
device_list_push(struct device_list *list, const struct spec_device *d, char *text,
                 struct berr **err)
{
        struct spec_device *v = reallocarray(list->v, list->n + 1, sizeof(*v));
        char **t;

        if (!v) {
                free(text);
                return berr(err, ENOMEM, "devices");
        }
        list->v = v;
        t = reallocarray(list->text, list->n + 2, sizeof(*t));
        if (!t) {
                free(text);
                return berr(err, ENOMEM, "devices");
        }
        list->text = t;
        t[list->n] = text;
        t[list->n + 1] = NULL;
        v[list->n] = *d;
        list->n++;
        return 0;
}

static int
host_device_push(struct device_list *list, const char *path, const struct stat *st,
                 struct berr **err)
{
        char *text = strdup(path);
        struct spec_device d = {
                .path = text,
                .type = S_ISBLK(st->st_mode) ? 'b' : 'c',
                .major = major(st->st_rdev),
                .minor = minor(st->st_rdev),
                .file_mode = st->st_mode & 07777,
                .uid = st->st_uid,
                .gid = st->st_gid,
        };

        if (!text)
                return berr(err, ENOMEM, "devices");
        return device_list_push(list, &d, text, err);
}

int
device_list_add_arg(struct device_list *list, const char *arg, struct berr **err)
{
        struct spec_device d;
        char *text = NULL;
        int r = device_arg_parse(arg, &d, &text, err);

        return r < 0 ? r : device_list_push(list, &d, text, err);
}

static int
walk_devices(int dirfd, const char *path, int depth, struct device_list *d, struct berr **err)
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
                        r = host_device_push(d, child, &st, err);
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
devices_of_host(const char *dir, struct device_list *list, struct berr **err)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return berr(err, errno, "open %s", dir);
        return walk_devices(fd, "/dev", 0, list, err);
}

void
device_list_done(struct device_list *list)
{
        strv_free(list->text);
        free(list->v);
        *list = (struct device_list){0};
}
