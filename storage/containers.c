/*
 * storage/containers.c: container and pod records and their directories.
 *
 *   ROOT/containers/<id>/container.json   the record (written atomically)
 *   ROOT/containers/<id>/upper, work      the overlay's writable layer
 *   ROOT/containers/<id>/userdata/        config.json, hosts, resolv.conf, logs
 *   ROOT/pods/<id>/pod.json               a pod's record
 *   ROOT/pods/<id>/volumes/, etc/         its volumes, its hosts files
 *
 * A record is written with state "creating" before anything else is made
 * for it, so a crash leaves a record the next run can find and clean up;
 * a crash between the mkdir of its directory and that first record leaves
 * a directory with no record, which the next opening of the store removes.
 * Changes to records take the store lock; readers never wait.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define ID_HEX 64

/* What differs between the kinds of record kept here */
struct kind {
        const char *dir;        /* under ROOT */
        const char *file;       /* the record's, in its directory */
        const char *what;       /* for messages */
        const char *subdirs[3]; /* made with the record */
};

static const struct kind containers = {
        "containers", "container.json", "container", {"upper", "work", "userdata"}};
static const struct kind pods = {"pods", "pod.json", "pod", {"volumes", "etc", NULL}};

/*
 * Write a container record. durable: fsync'ed as store_write_json() does,
 * for what must survive a power loss (a container that was created). The
 * run state (running, exited) need not: after a crash the machine runs
 * nothing anyway, and the next berth command works out the truth from the
 * processes; the rename alone keeps each record whole for readers.
 */
static int
record_write(const struct kind *k, int cfd, const json_t *rec, bool durable, struct berr **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        char tmp[64];
        size_t len;

        if (durable)
                return store_write_json(cfd, k->file, rec, err);
        text = json_dumps(rec, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text)
                return berr(err, ENOMEM, "%s record", k->what);
        len = strlen(text);
        snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", k->file, (int)getpid());
        fd = openat(cfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return berr(err, errno, "create %s", tmp);
        if (write(fd, text, len) != (ssize_t)len || renameat(cfd, tmp, cfd, k->file) < 0) {
                int e = errno ? errno : EIO;
                (void)unlinkat(cfd, tmp, 0);
                return berr(err, e, "write the %s record", k->what);
        }
        return 0;
}

static int
kind_dir(struct storage *s, const struct kind *k, int *ret_fd, struct berr **err)
{
        int fd;

        if (mkdirat(s->root_fd, k->dir, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/%s", s->root, k->dir);
        fd = openat(s->root_fd, k->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return berr(err, errno, "open %s/%s", s->root, k->dir);
        *ret_fd = fd;
        return 0;
}

static bool
is_id(const char *s)
{
        size_t n = 0;

        for (; s[n]; n++)
                if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
                        return false;
        return n == ID_HEX;
}

static int
records_list(struct storage *s, const struct kind *k, json_t **ret, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_(json_decrefp) json_t *all = json_array();
        struct dirent *de;
        DIR *d;
        int r;

        if (!all)
                return berr(err, ENOMEM, "%s records", k->what);
        r = kind_dir(s, k, &fd, err);
        if (r < 0)
                return r;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return berr(err, errno, "read %s/%s", s->root, k->dir);
        while ((de = readdir(d))) {
                _cleanup_close_ int cfd = -EBADF;
                json_t *rec = NULL;

                if (!is_id(de->d_name))
                        continue;
                cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (cfd < 0 || store_read_json(cfd, k->file, &rec, NULL) < 0)
                        continue;
                if (!json_is_object(rec)) {
                        json_decref(rec);
                        continue;
                }
                json_array_append_new(all, rec);
        }
        closedir(d);
        *ret = TAKE_PTR(all);
        return 0;
}

int
storage_containers(struct storage *s, json_t **ret, struct berr **err)
{
        return records_list(s, &containers, ret, err);
}

static int
record_find(struct storage *s, const struct kind *k, const char *what, json_t **ret,
            struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        json_t *hit = NULL, *c;
        size_t i, hits = 0, wl = strlen(what);
        int r;

        r = records_list(s, k, &all, err);
        if (r < 0)
                return r;
        /* a name first, then an id or a unique id prefix, as podman looks them up */
        json_array_foreach (all, i, c)
                if (json_is_string(json_object_get(c, "name")) &&
                    strcmp(json_string_value(json_object_get(c, "name")), what) == 0) {
                        *ret = json_incref(c);
                        return 0;
                }
        json_array_foreach (all, i, c) {
                const char *id = json_string_value(json_object_get(c, "id"));
                if (id && wl > 0 && strncmp(id, what, wl) == 0) {
                        hit = c;
                        hits++;
                }
        }
        if (hits > 1)
                return berr(err, EINVAL, "%s: the ID prefix matches %zu %ss, expected one", what,
                            hits, k->what);
        if (!hit)
                return berr(err, ENOENT, "no %s with name or ID \"%s\" found", k->what, what);
        *ret = json_incref(hit);
        return 0;
}

int
storage_container_find(struct storage *s, const char *what, json_t **ret, struct berr **err)
{
        return record_find(s, &containers, what, ret, err);
}

static int
record_fd(struct storage *s, const struct kind *k, const char *id, int *ret, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        int cfd, r;

        if (!is_id(id))
                return berr(err, EINVAL, "%s: not a %s ID", id, k->what);
        r = kind_dir(s, k, &fd, err);
        if (r < 0)
                return r;
        cfd = openat(fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (cfd < 0)
                return berr(err, errno, "open the %s %s", k->what, id);
        *ret = cfd;
        return 0;
}

int
storage_new_id(char out[ID_HEX + 1], struct berr **err)
{
        unsigned char raw[ID_HEX / 2];

        if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
                return berr(err, errno, "make an ID");
        for (size_t i = 0; i < sizeof(raw); i++)
                snprintf(out + 2 * i, 3, "%02x", raw[i]);
        return 0;
}

static int
record_create(struct storage *s, const struct kind *k, json_t *rec, char **ret_id,
              struct berr **err)
{
        _cleanup_close_ int fd = -EBADF, cfd = -EBADF;
        _cleanup_(json_decrefp) json_t *all = NULL;
        const char *name = json_string_value(json_object_get(rec, "name"));
        const char *given = json_string_value(json_object_get(rec, "id"));
        char id[ID_HEX + 1];
        struct timespec now;
        json_t *c;
        size_t i;
        int r;

        if (!name)
                return berr(err, EINVAL, "%s record without a name", k->what);
        if (given && !is_id(given))
                return berr(err, EINVAL, "%s: not a %s ID", given, k->what);
        if (given)
                memcpy(id, given, sizeof(id));
        else if ((r = storage_new_id(id, err)) < 0)
                return r;
        r = kind_dir(s, k, &fd, err);
        if (r < 0)
                return r;
        r = store_lock(s, err);
        if (r < 0)
                return r;
        r = records_list(s, k, &all, err);
        if (r < 0)
                goto out;
        json_array_foreach (all, i, c)
                if (json_is_string(json_object_get(c, "name")) &&
                    strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
                        r = berr(err, EEXIST,
                                 "the %s name \"%s\" is already in use by %.12s. You have "
                                 "to remove that %s to be able to reuse that name",
                                 k->what, name, json_string_value(json_object_get(c, "id")),
                                 k->what);
                        goto out;
                }
        if (mkdirat(fd, id, 0700) < 0) {
                r = berr(err, errno, "create %s/%s/%s", s->root, k->dir, id);
                goto out;
        }
        cfd = openat(fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (cfd < 0) {
                r = berr(err, errno, "open %s/%s/%s", s->root, k->dir, id);
                goto out;
        }
        clock_gettime(CLOCK_REALTIME, &now);
        json_object_set_new(rec, "id", json_string(id));
        json_object_set_new(rec, "created",
                            json_integer((json_int_t)now.tv_sec * 1000000000 + now.tv_nsec));
        json_object_set_new(rec, "state", json_string("creating"));
        r = record_write(k, cfd, rec, false, err);
        if (r < 0)
                goto out;
        for (i = 0; i < sizeof(k->subdirs) / sizeof(k->subdirs[0]) && k->subdirs[i]; i++)
                if (mkdirat(cfd, k->subdirs[i], strcmp(k->subdirs[i], "upper") == 0 ? 0755 : 0700) <
                            0 &&
                    errno != EEXIST) {
                        r = berr(err, errno, "create the directories of %s %s", k->what, id);
                        goto out;
                }
        *ret_id = strdup(id);
        if (!*ret_id)
                r = berr(err, ENOMEM, "%s", k->what);
out:
        store_unlock(s);
        return r;
}

int
storage_container_create(struct storage *s, json_t *rec, char **ret_id, struct berr **err)
{
        return record_create(s, &containers, rec, ret_id, err);
}

static int
record_update(struct storage *s, const struct kind *k, const char *id, const json_t *changes,
              bool durable, struct berr **err)
{
        _cleanup_close_ int cfd = -EBADF;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        int r;

        r = record_fd(s, k, id, &cfd, err);
        if (r < 0)
                return r;
        r = store_lock(s, err);
        if (r < 0)
                return r;
        r = store_read_json(cfd, k->file, &rec, err);
        if (r == -ENOENT)
                r = berr(err, ENOENT, "%s %s: no record", k->what, id);
        if (r == 0 && json_object_update(rec, (json_t *)changes) < 0)
                r = berr(err, ENOMEM, "%s %s", k->what, id);
        if (r == 0)
                r = record_write(k, cfd, rec, durable, err);
        store_unlock(s);
        return r;
}

int
storage_containers_sync(struct storage *s, char *const *ids, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!ids || !*ids)
                return 0;
        r = kind_dir(s, &containers, &fd, err);
        if (r < 0)
                return r;
        /*
         * Every record's writeback started first: the file system then
         * allocates them all in its running transaction, and the first
         * fsync commits them together (one fsync after another would each
         * commit the journal for one record's data).
         */
        for (int pass = 0; pass < 2; pass++)
                for (char *const *id = ids; *id; id++) {
                        _cleanup_close_ int cfd =
                                openat(fd, *id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        _cleanup_close_ int rfd = -EBADF;

                        if (cfd < 0)
                                return berr(err, errno, "open %s/containers/%s", s->root, *id);
                        rfd = openat(cfd, containers.file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                        if (rfd >= 0 && pass == 0)
                                (void)sync_file_range(rfd, 0, 0, SYNC_FILE_RANGE_WRITE);
                        else if (rfd < 0 || fsync(rfd) < 0 || fsync(cfd) < 0)
                                return berr(err, errno, "flush %s/containers/%s", s->root, *id);
                }
        if (fsync(fd) < 0)
                return berr(err, errno, "flush %s/containers", s->root);
        return 0;
}

int
storage_container_update(struct storage *s, const char *id, const json_t *changes, bool durable,
                         struct berr **err)
{
        return record_update(s, &containers, id, changes, durable, err);
}

static int
record_dir(struct storage *s, const struct kind *k, const char *id, char **ret, struct berr **err)
{
        if (!is_id(id))
                return berr(err, EINVAL, "%s: not a %s ID", id, k->what);
        if (asprintf(ret, "%s/%s/%s", s->root, k->dir, id) < 0)
                return berr(err, ENOMEM, "%s", k->what);
        return 0;
}

int
storage_container_dir(struct storage *s, const char *id, char **ret, struct berr **err)
{
        return record_dir(s, &containers, id, ret, err);
}

static int
record_remove(struct storage *s, const struct kind *k, const char *id, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *dead = NULL;
        int r;

        if (!is_id(id))
                return berr(err, EINVAL, "%s: not a %s ID", id, k->what);
        r = kind_dir(s, k, &fd, err);
        if (r < 0)
                return r;
        /* renamed first, so a crash half-way leaves no record that looks whole */
        if (asprintf(&dead, ".removing-%s", id) < 0)
                return berr(err, ENOMEM, "%s", k->what);
        r = store_lock(s, err);
        if (r < 0)
                return r;
        if (renameat(fd, id, fd, dead) < 0 && errno != ENOENT)
                r = berr(err, errno, "remove the %s %s", k->what, id);
        store_unlock(s);
        if (r < 0)
                return r;
        r = rm_rf_at(fd, dead);
        if (r < 0 && r != -ENOENT)
                return berr(err, -r, "remove %s/%s/%s", s->root, k->dir, id);
        return 0;
}

int
storage_container_remove(struct storage *s, const char *id, struct berr **err)
{
        return record_remove(s, &containers, id, err);
}

int
storage_pods(struct storage *s, json_t **ret, struct berr **err)
{
        return records_list(s, &pods, ret, err);
}

int
storage_pod_find(struct storage *s, const char *what, json_t **ret, struct berr **err)
{
        return record_find(s, &pods, what, ret, err);
}

int
storage_pod_create(struct storage *s, json_t *rec, char **ret_id, struct berr **err)
{
        return record_create(s, &pods, rec, ret_id, err);
}

int
storage_pod_update(struct storage *s, const char *id, const json_t *changes, bool durable,
                   struct berr **err)
{
        return record_update(s, &pods, id, changes, durable, err);
}

int
storage_pod_dir(struct storage *s, const char *id, char **ret, struct berr **err)
{
        return record_dir(s, &pods, id, ret, err);
}

int
storage_pod_remove(struct storage *s, const char *id, struct berr **err)
{
        return record_remove(s, &pods, id, err);
}

bool
storage_image_in_use(struct storage *s, const char *image_id, char **ret_container)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        json_t *c;
        size_t i;

        if (storage_containers(s, &all, NULL) < 0)
                return false;
        json_array_foreach (all, i, c) {
                const char *img = json_string_value(json_object_get(c, "imageId"));
                if (img && strcmp(img, image_id) == 0) {
                        if (ret_container)
                                *ret_container =
                                        strdup(json_string_value(json_object_get(c, "name")) ?: "");
                        return true;
                }
        }
        return false;
}

int
storage_image_layer_dirs(struct storage *s, const char *image_id, char ***ret, size_t *ret_n,
                         struct berr **err)
{
        struct storage_image img;
        char **dirs;
        int r;

        r = storage_image_find(s, image_id, &img, err);
        if (r < 0)
                return r;
        dirs = calloc(img.n_layers + 1, sizeof(*dirs));
        if (!dirs) {
                storage_image_clear(&img);
                return berr(err, ENOMEM, "layers");
        }
        for (size_t i = 0; i < img.n_layers; i++) {
                struct stat st;

                /* a local copy first; else the shared store's, in place */
                r = 0;
                if (!store_has_layer(s, img.layers[i]) && store_shared_has_layer(s, img.layers[i]))
                        r = store_shared_layer_dir(s, img.layers[i], &dirs[i], err);
                else if (asprintf(&dirs[i], "%s/layers/%s/diff", s->root, img.layers[i]) < 0 ||
                         stat(dirs[i], &st) < 0)
                        r = berr(err, errno ? errno : ENOMEM, "layer %s of image %.12s",
                                 img.layers[i], img.id);
                if (r < 0) {
                        for (size_t k = 0; k <= i; k++)
                                free(dirs[k]);
                        free(dirs);
                        storage_image_clear(&img);
                        return r;
                }
        }
        *ret_n = img.n_layers;
        *ret = dirs;
        storage_image_clear(&img);
        return 0;
}

/*
 * Leftovers of one kind a crash left (caller holds the store lock): removals
 * renamed aside but not finished, and directories of creates killed between
 * their mkdir and their first record. Both steps of a create happen under the
 * store lock, so a record-less directory seen here is never one in progress.
 * Nothing else of a record-less container or pod can exist: its rootfs,
 * cgroups, namespace files and processes are all made after the record that
 * names them, and their cleanup is driven by that record.
 */
static void
clean_leftovers_of(struct storage *s, const struct kind *k)
{
        _cleanup_close_ int fd =
                openat(s->root_fd, k->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return;
        d = fdopendir(fd);
        if (!d)
                return;
        (void)TAKE_FD(fd); /* the DIR owns it now */
        while ((de = readdir(d))) {
                struct stat st;
                char rec[300];

                if (strncmp(de->d_name, ".removing-", 10) == 0) {
                        (void)rm_rf_at(dirfd(d), de->d_name);
                        continue;
                }
                if (!is_id(de->d_name))
                        continue;
                snprintf(rec, sizeof(rec), "%.64s/%s", de->d_name, k->file);
                if (fstatat(dirfd(d), rec, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
                        (void)rm_rf_at(dirfd(d), de->d_name);
        }
        closedir(d);
}

/* Leftovers of containers and pods a crash left (caller holds the store lock). */
void
store_clean_record_leftovers(struct storage *s)
{
        clean_leftovers_of(s, &containers);
        clean_leftovers_of(s, &pods);
}

const char *
storage_root(const struct storage *s)
{
        return s->root;
}

int
storage_image_config(struct storage *s, const char *image_id, json_t **ret, struct berr **err)
{
        _cleanup_free_ char *p = NULL;
        int r;

        if (!is_id(image_id))
                return berr(err, EINVAL, "%s: not an image ID", image_id);
        if (asprintf(&p, "images/%s/config", image_id) < 0)
                return berr(err, ENOMEM, "image config");
        r = store_read_json(s->root_fd, p, ret, err);
        if (r == -ENOENT)
                return berr(err, ENOENT, "image %.12s has no config", image_id);
        return r;
}
