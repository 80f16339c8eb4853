/*
 * storage/volumes.c: named local volumes (podman's `volume` model).
 *
 *   ROOT/volumes/<name>/_data/        the mount point, 0755
 *   ROOT/volumes/<name>/volume.json   the record, written atomically
 *   ROOT/volumes/.removing-<name>-<pid>  a removal under way (or cut short)
 *
 * A new volume is built in a ROOT/tmp directory (store_tmpdir(): a crash
 * leaves it to the next storage_open()) and renamed to its name with
 * RENAME_NOREPLACE under the store lock, so it appears whole or not at all
 * and two creates of one name cannot both win.
 */
#include "volumes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define VOLUME_NAME_MAX 255
#define REMOVING_PREFIX ".removing-"

void
volume_clear(struct volume *v)
{
        if (!v)
                return;
        free(v->name);
        free(v->driver);
        free(v->mountpoint);
        free(v->created_at);
        json_decref(v->labels);
        json_decref(v->options);
        *v = (struct volume){0};
}

bool
volume_name_valid(const char *name)
{
        size_t n;

        if (!name)
                return false;
        for (n = 0; name[n]; n++) {
                char c = name[n];
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

                if (!alnum && (n == 0 || (c != '_' && c != '.' && c != '-')))
                        return false;
        }
        return n > 0 && n <= VOLUME_NAME_MAX;
}

static int
check_name(const char *name, struct berr **err)
{
        if (volume_name_valid(name))
                return 0;
        if (name && strlen(name) > VOLUME_NAME_MAX)
                return berr(err, 0, "invalid volume name \"%.64s...\": longer than %d bytes", name,
                            VOLUME_NAME_MAX);
        /* podman's message */
        return berr(err, 0,
                    "invalid volume name \"%s\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: "
                    "invalid argument",
                    name ? name : "");
}

/*
 * Now as Go's time.Time marshals to JSON (RFC 3339 with nanoseconds, the
 * fraction's trailing zeros dropped, the local offset or "Z"): what podman
 * writes as CreatedAt.
 */
static int
time_text(char *buf, size_t size)
{
        struct timespec now;
        struct tm tm;
        char frac[24] = "";
        long off;
        int len;

        if (clock_gettime(CLOCK_REALTIME, &now) < 0 || !localtime_r(&now.tv_sec, &tm))
                return -errno;
        if (now.tv_nsec > 0) {
                snprintf(frac, sizeof(frac), ".%09ld", now.tv_nsec);
                for (len = (int)strlen(frac); frac[len - 1] == '0'; len--)
                        frac[len - 1] = '\0';
        }
        len = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
                       tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
        if (len < 0 || (size_t)len >= size)
                return -ENOSPC;
        off = tm.tm_gmtoff;
        if (off == 0)
                snprintf(buf + len, size - (size_t)len, "Z");
        else
                snprintf(buf + len, size - (size_t)len, "%c%02ld:%02ld", off < 0 ? '-' : '+',
                         labs(off) / 3600, labs(off) % 3600 / 60);
        return 0;
}

/* ROOT/volumes, made when missing. */
static int
volumes_dir(struct storage *s, int *ret_fd, struct berr **err)
{
        int fd;

        if (mkdirat(s->root_fd, "volumes", 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/volumes", s->root);
        fd = openat(s->root_fd, "volumes", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berr(err, errno, "open %s/volumes", s->root);
        *ret_fd = fd;
        return 0;
}

static char *
dup_string(const json_t *j, const char *key)
{
        const char *v = json_string_value(json_object_get(j, key));

        return strdup(v ? v : "");
}

/* An object of strings from a record, a copy; an empty object when absent or not one. */
static json_t *
string_map(const json_t *j)
{
        json_t *out = json_object(), *v;
        const char *k;

        if (!out || !json_is_object(j))
                return out;
        json_object_foreach ((json_t *)j, k, v)
                if (json_is_string(v) && json_object_set(out, k, v) < 0) {
                        json_decref(out);
                        return NULL;
                }
        return out;
}

/* Read the record of name in ROOT/volumes (vfd); -ENOENT when there is no such volume. */
static int
volume_read(struct storage *s, int vfd, const char *name, struct volume *ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *path = NULL;
        struct volume v = {0};
        const char *recname;
        int r;

        if (asprintf(&path, "%s/volume.json", name) < 0)
                return berr(err, ENOMEM, "volume %s", name);
        r = store_read_json(vfd, path, &rec, err);
        if (r == -ENOENT || r == -ENOTDIR)
                return -ENOENT;
        if (r < 0)
                return r;
        recname = json_string_value(json_object_get(rec, "name"));
        if (!json_is_object(rec) || !recname || strcmp(recname, name) != 0)
                return berr(err, 0, "%s/volumes/%s/volume.json: not the record of volume %s",
                            s->root, name, name);
        v.name = strdup(name);
        v.driver = dup_string(rec, "driver");
        v.mountpoint = dup_string(rec, "mountpoint");
        v.created_at = dup_string(rec, "createdAt");
        v.labels = string_map(json_object_get(rec, "labels"));
        v.options = string_map(json_object_get(rec, "options"));
        if (!v.name || !v.driver || !v.mountpoint || !v.created_at || !v.labels || !v.options) {
                volume_clear(&v);
                return berr(err, ENOMEM, "volume %s", name);
        }
        *ret = v;
        return 0;
}

static int
no_such_volume(const char *name, struct berr **err)
{
        (void)berr(err, 0, "no volume with name \"%s\" found: no such volume", name);
        return -ENOENT;
}

int
volume_find(struct storage *s, const char *name, struct volume *ret, struct berr **err)
{
        _cleanup_close_ int vfd = -EBADF;
        int r;

        r = check_name(name, err);
        if (r < 0)
                return r;
        r = volumes_dir(s, &vfd, err);
        if (r < 0)
                return r;
        r = volume_read(s, vfd, name, ret, err);
        if (r == -ENOENT)
                return no_such_volume(name, err);
        return r;
}

/* A labels object, checked: strings only. */
static int
labels_copy(const json_t *labels, json_t **ret, struct berr **err)
{
        json_t *out = json_object(), *v;
        const char *k;

        if (!out)
                return berr(err, ENOMEM, "volume labels");
        if (labels && !json_is_object(labels)) {
                json_decref(out);
                return berr(err, EINVAL, "volume labels: expected an object");
        }
        json_object_foreach ((json_t *)labels, k, v) {
                if (!json_is_string(v)) {
                        json_decref(out);
                        return berr(err, EINVAL, "volume label %s: expected a string", k);
                }
                if (json_object_set(out, k, v) < 0) {
                        json_decref(out);
                        return berr(err, ENOMEM, "volume labels");
                }
        }
        *ret = out;
        return 0;
}

static int
already_exists(const char *name, struct berr **err)
{
        (void)berr(err, 0, "volume with name %s already exists: volume already exists", name);
        return -EEXIST;
}

/* Build the volume in a ROOT/tmp directory, then rename it to ROOT/volumes/name (store locked). */
static int
volume_make(struct storage *s, int vfd, const char *name, json_t *labels, struct berr **err)
{
        _cleanup_free_ char *tmpname = NULL, *mountpoint = NULL;
        _cleanup_close_ int dfd = -EBADF, lockfd = -EBADF, tmpfd = -EBADF;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        char created[64];
        int r;

        if (asprintf(&mountpoint, "%s/volumes/%s/_data", s->root, name) < 0)
                return berr(err, ENOMEM, "volume %s", name);
        r = time_text(created, sizeof(created));
        if (r < 0)
                return berr(err, -r, "volume %s: the time", name);
        rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:{}}", "name", name, "driver", "local",
                        "mountpoint", mountpoint, "createdAt", created, "labels", labels,
                        "options");
        if (!rec)
                return berr(err, ENOMEM, "volume %s", name);
        r = store_tmpdir(s, "volume", &tmpname, &dfd, &lockfd, err);
        if (r < 0)
                return r;
        /* 0755 whatever the umask: containers running as any user reach their files */
        if (mkdirat(dfd, "_data", 0755) < 0 || fchmodat(dfd, "_data", 0755, 0) < 0) {
                r = berr(err, errno, "create the data directory of volume %s", name);
                goto out;
        }
        r = store_write_json(dfd, "volume.json", rec, err);
        if (r < 0)
                goto out;
        tmpfd = openat(s->root_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (tmpfd < 0) {
                r = berr(err, errno, "open %s/tmp", s->root);
                goto out;
        }
        if (renameat2(tmpfd, tmpname, vfd, name, RENAME_NOREPLACE) < 0) {
                r = errno == EEXIST || errno == ENOTEMPTY
                            ? already_exists(name, err)
                            : berr(err, errno, "move volume %s into %s/volumes", name, s->root);
                goto out;
        }
        if (fsync(vfd) < 0 && errno != EINVAL)
                r = berr(err, errno, "fsync %s/volumes", s->root);
out:
        /* after the rename only the lock file is left to remove */
        store_tmpdir_remove(s, tmpname);
        return r;
}

int
volume_create(struct storage *s, const char *name, const json_t *labels, unsigned flags,
              struct volume *ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *copy = NULL;
        _cleanup_close_ int vfd = -EBADF;
        struct volume v = {0};
        int r, made = 0;

        r = check_name(name, err);
        if (r < 0)
                return r;
        r = labels_copy(labels, &copy, err);
        if (r < 0)
                return r;
        r = volumes_dir(s, &vfd, err);
        if (r < 0)
                return r;
        r = store_lock(s, err);
        if (r < 0)
                return r;
        r = volume_read(s, vfd, name, &v, err);
        if (r == -ENOENT) {
                r = volume_make(s, vfd, name, copy, err);
                made = r == 0;
                if (r == 0)
                        r = volume_read(s, vfd, name, &v, err);
                if (r == -ENOENT)
                        r = berr(err, ENOENT, "volume %s vanished once made", name);
        } else if (r == 0 && !(flags & VOLUME_CREATE_IGNORE)) {
                r = already_exists(name, err);
        }
        store_unlock(s);
        if (r < 0) {
                volume_clear(&v);
                return r;
        }
        if (ret)
                *ret = v;
        else
                volume_clear(&v);
        return made ? 0 : 1;
}

static int
volume_json(const struct volume *v, json_t **ret, struct berr **err)
{
        json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:O}", "Name", v->name, "Driver",
                              v->driver, "Mountpoint", v->mountpoint, "CreatedAt", v->created_at,
                              "Labels", v->labels, "Scope", "local", "Options", v->options);

        if (!o)
                return berr(err, ENOMEM, "volume %s", v->name);
        *ret = o;
        return 0;
}

int
volume_inspect(struct storage *s, const char *name, json_t **ret, struct berr **err)
{
        _cleanup_(volume_clear) struct volume v = {0};
        int r;

        r = volume_find(s, name, &v, err);
        if (r < 0)
                return r;
        return volume_json(&v, ret, err);
}

static int
cmp_names(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in ROOT/volumes, sorted (the dot entries of removals left out). */
static int
volume_names(struct storage *s, int vfd, char ***ret, size_t *ret_n, struct berr **err)
{
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0, cap = 0;
        struct dirent *de;
        DIR *d;

        fd = openat(vfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open %s/volumes", s->root);
        d = fdopendir(fd);
        if (!d)
                return berr(err, errno, "read %s/volumes", s->root);
        (void)TAKE_FD(fd);
        while ((de = readdir(d))) {
                if (!volume_name_valid(de->d_name))
                        continue;
                if (n + 2 > cap) {
                        char **nn;

                        cap = cap ? cap * 2 : 16;
                        nn = realloc(names, cap * sizeof(*nn));
                        if (!nn) {
                                closedir(d);
                                return berr(err, ENOMEM, "volumes");
                        }
                        names = nn;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        closedir(d);
                        return berr(err, ENOMEM, "volumes");
                }
                names[++n] = NULL;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof(*names), cmp_names);
        if (!names) {
                names = calloc(1, sizeof(*names));
                if (!names)
                        return berr(err, ENOMEM, "volumes");
        }
        *ret = TAKE_PTR(names);
        *ret_n = n;
        return 0;
}

int
volume_list(struct storage *s, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = json_array();
        _cleanup_(strv_freep) char **names = NULL;
        _cleanup_close_ int vfd = -EBADF;
        size_t n = 0;
        int r;

        if (!all)
                return berr(err, ENOMEM, "volumes");
        r = volumes_dir(s, &vfd, err);
        if (r < 0)
                return r;
        r = volume_names(s, vfd, &names, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                _cleanup_(volume_clear) struct volume v = {0};
                json_t *o = NULL;

                /* one broken record does not hide the others */
                if (volume_read(s, vfd, names[i], &v, NULL) < 0)
                        continue;
                r = volume_json(&v, &o, err);
                if (r < 0)
                        return r;
                if (json_array_append_new(all, o) < 0)
                        return berr(err, ENOMEM, "volumes");
        }
        *ret = TAKE_PTR(all);
        return 0;
}

/* Delete what removals by processes now gone left behind (the store lock is held). */
static void
sweep_removals(int vfd)
{
        _cleanup_close_ int fd = openat(vfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        (void)TAKE_FD(fd);
        while ((de = readdir(d))) {
                const char *dash;
                long pid;

                if (strncmp(de->d_name, REMOVING_PREFIX, strlen(REMOVING_PREFIX)) != 0)
                        continue;
                dash = strrchr(de->d_name, '-');
                pid = dash ? strtol(dash + 1, NULL, 10) : 0;
                /* a live remover is deleting it right now */
                if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM))
                        continue;
                (void)rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
}

/* Ask users whether v is used; 0 free, -EBUSY used (with podman's message), or -errno. */
static int
check_unused(const struct volume_users *users, const struct volume *v, struct berr **err)
{
        _cleanup_free_ char *who = NULL;
        int r;

        if (!users || !users->in_use)
                return 0;
        r = users->in_use(users->userdata, v, &who, err);
        if (r < 0)
                return r;
        if (r == 0)
                return 0;
        (void)berr(err, 0,
                   "volume %s is being used by the following container(s): %s: volume is being "
                   "used",
                   v->name, who ? who : "");
        return -EBUSY;
}

/* Rename ROOT/volumes/name away and delete it. */
static int
volume_delete(struct storage *s, int vfd, const char *name, struct berr **err)
{
        _cleanup_free_ char *dead = NULL;
        int r;

        if (asprintf(&dead, REMOVING_PREFIX "%s-%d", name, (int)getpid()) < 0)
                return berr(err, ENOMEM, "volume %s", name);
        r = store_lock(s, err);
        if (r < 0)
                return r;
        sweep_removals(vfd);
        if (renameat(vfd, name, vfd, dead) < 0)
                r = errno == ENOENT ? no_such_volume(name, err)
                                    : berr(err, errno, "remove volume %s", name);
        store_unlock(s);
        if (r < 0)
                return r;
        r = rm_rf_at(vfd, dead);
        if (r < 0 && r != -ENOENT)
                return berr(err, -r, "remove %s/volumes/%s", s->root, dead);
        return 0;
}

int
volume_remove(struct storage *s, const char *name, bool force, const struct volume_users *users,
              struct berr **err)
{
        _cleanup_(volume_clear) struct volume v = {0};
        _cleanup_close_ int vfd = -EBADF;
        int r;

        r = check_name(name, err);
        if (r < 0)
                return r;
        r = volumes_dir(s, &vfd, err);
        if (r < 0)
                return r;
        r = volume_read(s, vfd, name, &v, err);
        if (r == -ENOENT)
                return no_such_volume(name, err);
        if (r < 0)
                return r;
        if (!force) {
                r = check_unused(users, &v, err);
                if (r < 0)
                        return r;
        }
        return volume_delete(s, vfd, name, err);
}

int
volume_prune(struct storage *s, const struct volume_users *users, char ***ret_names, size_t *ret_n,
             struct berr **err)
{
        _cleanup_(strv_freep) char **names = NULL, **removed = NULL;
        _cleanup_close_ int vfd = -EBADF;
        size_t n = 0, k = 0;
        int r;

        r = volumes_dir(s, &vfd, err);
        if (r < 0)
                return r;
        r = volume_names(s, vfd, &names, &n, err);
        if (r < 0)
                return r;
        removed = calloc(n + 1, sizeof(*removed));
        if (!removed)
                return berr(err, ENOMEM, "volumes");
        for (size_t i = 0; i < n; i++) {
                _cleanup_(volume_clear) struct volume v = {0};
                _cleanup_(berr_freep) struct berr *busy = NULL;

                /* gone meanwhile, or a record that cannot be read: not for prune to judge */
                if (volume_read(s, vfd, names[i], &v, NULL) < 0)
                        continue;
                r = check_unused(users, &v, &busy);
                if (r == -EBUSY)
                        continue;
                if (r < 0) {
                        (void)berr(err, 0, "%s", busy ? busy->msg : "volume in use?");
                        return r;
                }
                r = volume_delete(s, vfd, names[i], err);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                removed[k] = strdup(names[i]);
                if (!removed[k++])
                        return berr(err, ENOMEM, "volumes");
        }
        if (ret_n)
                *ret_n = k;
        if (ret_names)
                *ret_names = TAKE_PTR(removed);
        return 0;
}
