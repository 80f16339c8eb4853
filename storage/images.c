/* storage/images.c: image records: listing, finding, naming, removing, disk use */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reference.h"
#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

void
storage_image_clear(struct storage_image *img)
{
        for (size_t i = 0; i < img->n_names; i++)
                free(img->names[i]);
        for (size_t i = 0; i < img->n_layers; i++)
                free(img->layers[i]);
        free(img->names);
        free(img->layers);
        free(img->id);
        free(img->digest);
        *img = (struct storage_image){0};
}

void
storage_images_free(struct storage_image *imgs, size_t n)
{
        for (size_t i = 0; i < n; i++)
                storage_image_clear(&imgs[i]);
        free(imgs);
}

static char **
strings_of(const json_t *arr, size_t *ret_n)
{
        size_t n = json_array_size(arr), i;
        char **v = calloc(n ? n : 1, sizeof(*v));
        json_t *e;

        if (!v)
                return NULL;
        json_array_foreach (arr, i, e) {
                v[i] = strdup(json_is_string(e) ? json_string_value(e) : "");
                if (!v[i]) {
                        while (i-- > 0)
                                free(v[i]);
                        free(v);
                        return NULL;
                }
        }
        *ret_n = n;
        return v;
}

static int
image_from_record(const json_t *rec, struct storage_image *img)
{
        *img = (struct storage_image){0};
        img->id = strdup(json_string_value(json_object_get(rec, "id")) ?: "");
        img->digest = strdup(json_string_value(json_object_get(rec, "digest")) ?: "");
        img->created = json_integer_value(json_object_get(rec, "created"));
        img->size = (uint64_t)json_integer_value(json_object_get(rec, "size"));
        img->names = strings_of(json_object_get(rec, "names"), &img->n_names);
        img->layers = strings_of(json_object_get(rec, "layers"), &img->n_layers);
        if (!img->id || !img->digest || !img->names || !img->layers) {
                storage_image_clear(img);
                return -ENOMEM;
        }
        return 0;
}

static int
read_record(struct storage *s, const char *id, json_t **ret, struct berr **err)
{
        _cleanup_free_ char *p = NULL;

        if (asprintf(&p, "images/%s/image.json", id) < 0)
                return berr(err, ENOMEM, "image");
        return store_read_json(s->root_fd, p, ret, err);
}

/* Every image id (directory names under images/). */
static int
image_ids(struct storage *s, char ***ret, size_t *ret_n, struct berr **err)
{
        _cleanup_close_ int fd = openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char **ids = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;

        if (fd < 0)
                return berr(err, errno, "open %s/images", s->root);
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return berr(err, errno, "read %s/images", s->root);
        while ((de = readdir(d))) {
                char **nv;
                if (strlen(de->d_name) != 64)
                        continue;
                nv = realloc(ids, (n + 1) * sizeof(*ids));
                if (!nv || !(nv[n] = strdup(de->d_name))) {
                        free(nv ? nv : ids);
                        closedir(d);
                        return berr(err, ENOMEM, "images");
                }
                ids = nv;
                n++;
        }
        closedir(d);
        *ret = ids;
        *ret_n = n;
        return 0;
}

static void
ids_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static int
cmp_created(const void *a, const void *b)
{
        const struct storage_image *x = a, *y = b;
        return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->id, y->id);
}

int
storage_images(struct storage *s, struct storage_image **ret, size_t *ret_n, struct berr **err)
{
        char **ids = NULL;
        size_t n = 0, k = 0;
        struct storage_image *imgs;
        int r = image_ids(s, &ids, &n, err);

        if (r < 0)
                return r;
        imgs = calloc(n ? n : 1, sizeof(*imgs));
        if (!imgs) {
                ids_free(ids, n);
                return berr(err, ENOMEM, "images");
        }
        for (size_t i = 0; i < n; i++) {
                json_t *rec = NULL;
                if (read_record(s, ids[i], &rec, NULL) < 0)
                        continue; /* being written or removed right now */
                r = image_from_record(rec, &imgs[k]);
                json_decref(rec);
                if (r < 0) {
                        ids_free(ids, n);
                        storage_images_free(imgs, k);
                        return berr(err, ENOMEM, "images");
                }
                k++;
        }
        ids_free(ids, n);
        qsort(imgs, k, sizeof(*imgs), cmp_created);
        *ret = imgs;
        *ret_n = k;
        return 0;
}

static bool
is_hex(const char *s)
{
        for (; *s; s++)
                if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
                        return false;
        return true;
}

/* The canonical name of what, when it parses as a reference. */
static char *
canonical_name(const char *what)
{
        struct image_ref *ref = NULL;
        char *name = NULL;

        if (image_ref_parse(what, &ref, NULL) < 0)
                return NULL;
        name = image_ref_string(ref);
        image_ref_free(ref);
        return name;
}

static bool
name_matches(const char *have, const char *want, const char *want_canonical)
{
        size_t n;

        if (strcmp(have, want) == 0 || (want_canonical && strcmp(have, want_canonical) == 0))
                return true;
        /* a short name matches on a path boundary, as podman's lookup does */
        n = strlen(want_canonical ? want_canonical : want);
        (void)n;
        if (!strchr(want, '/') || !strchr(want, '.')) {
                size_t hl = strlen(have), wl = strlen(want);
                if (hl > wl && strcmp(have + hl - wl, want) == 0 && have[hl - wl - 1] == '/')
                        return true;
                /* "busybox" finds "docker.io/library/busybox:latest" */
                if (!strchr(want, ':') && !strchr(want, '@')) {
                        _cleanup_free_ char *tagged = NULL;
                        if (asprintf(&tagged, "%s:latest", want) >= 0) {
                                size_t tl = strlen(tagged);
                                if (hl > tl && strcmp(have + hl - tl, tagged) == 0 &&
                                    have[hl - tl - 1] == '/')
                                        return true;
                        }
                }
        }
        return false;
}

int
store_image_lookup(struct storage *s, const char *what, struct storage_image *ret, char **ret_name,
                   struct berr **err)
{
        _cleanup_free_ char *canonical = canonical_name(what);
        struct storage_image *imgs = NULL, *hit = NULL;
        const char *hit_name = NULL;
        size_t n = 0, hits = 0;
        size_t wl = strlen(what);
        int r;

        r = storage_images(s, &imgs, &n, err);
        if (r < 0)
                return r;
        /* names first: a name that looks like hex is still a name */
        for (size_t i = 0; i < n && !hit; i++)
                for (size_t k = 0; k < imgs[i].n_names; k++)
                        if (name_matches(imgs[i].names[k], what, canonical)) {
                                hit = &imgs[i];
                                hit_name = imgs[i].names[k];
                                hits = 1;
                                break;
                        }
        if (!hit && wl >= 3 && wl <= 64 && is_hex(what))
                for (size_t i = 0; i < n; i++)
                        if (strncmp(imgs[i].id, what, wl) == 0) {
                                hit = &imgs[i];
                                hits++;
                        }
        if (!hit && strncmp(what, "sha256:", 7) == 0)
                for (size_t i = 0; i < n; i++)
                        if (strcmp(imgs[i].id, what + 7) == 0 || strcmp(imgs[i].digest, what) == 0)
                                hit = &imgs[i], hits = 1;
        if (hits > 1) {
                storage_images_free(imgs, n);
                return berr(err, EINVAL,
                            "%s: the ID prefix matches %zu images, expected one "
                            "(give more digits)",
                            what, hits);
        }
        if (!hit) {
                storage_images_free(imgs, n);
                return berr(err, ENOENT, "%s: image not known", what);
        }
        if (ret_name) {
                *ret_name = NULL;
                if (hit_name && !(*ret_name = strdup(hit_name))) {
                        storage_images_free(imgs, n);
                        return berr(err, ENOMEM, "images");
                }
        }
        *ret = *hit;
        *hit = (struct storage_image){0};
        storage_images_free(imgs, n);
        return 0;
}

int
storage_image_find(struct storage *s, const char *what, struct storage_image *ret,
                   struct berr **err)
{
        return store_image_lookup(s, what, ret, NULL, err);
}

json_t *
storage_image_shared_layers(struct storage *s, const struct storage_image *img)
{
        json_t *shared = json_array();

        for (size_t i = 0; shared && s->shared && i < img->n_layers; i++)
                if (!store_has_layer(s, img->layers[i]) &&
                    store_shared_has_layer(s, img->layers[i]))
                        json_array_append_new(shared, json_string(img->layers[i]));
        return shared;
}

int
storage_image_inspect(struct storage *s, const char *what, char **ret_json, struct berr **err)
{
        struct storage_image img;
        json_t *rec = NULL;
        char *text;
        int r = storage_image_find(s, what, &img, err);

        if (r < 0)
                return r;
        r = read_record(s, img.id, &rec, err);
        if (r == 0 && s->shared) {
                json_object_set_new(rec, "SharedLayers", storage_image_shared_layers(s, &img));
                json_object_set_new(rec, "SharedStore", json_string(s->shared->root));
        }
        storage_image_clear(&img);
        if (r < 0)
                return r;
        text = json_dumps(rec, JSON_INDENT(4) | JSON_SORT_KEYS);
        json_decref(rec);
        if (!text)
                return berr(err, ENOMEM, "inspect");
        *ret_json = text;
        return 0;
}

/*
 * Layers no image record names any more: removed (caller holds the store
 * lock); their chain IDs appended to *removed and their bytes added to
 * *bytes when those are not NULL.
 */
static void
prune_layers(struct storage *s, char ***removed, uint64_t *bytes)
{
        _cleanup_close_ int fd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct storage_image *imgs = NULL;
        size_t n = 0;
        struct dirent *de;
        struct stat st;
        DIR *d;

        /*
         * Never in a shared layer store (berth --root SHARED rmi): other
         * nodes' containers may stand on a layer no image record of the
         * store names any more.
         */
        if (s->opts.shared_root || fstatat(s->root_fd, STORE_SHARED_FORMAT_FILE, &st, 0) == 0)
                return;
        if (fd < 0 || storage_images(s, &imgs, &n, NULL) < 0)
                return;
        d = fdopendir(dup(fd));
        if (!d) {
                storage_images_free(imgs, n);
                return;
        }
        while ((de = readdir(d))) {
                bool used = false;
                if (strlen(de->d_name) != 64)
                        continue;
                for (size_t i = 0; i < n && !used; i++)
                        for (size_t k = 0; k < imgs[i].n_layers && !used; k++)
                                used = strcmp(imgs[i].layers[k], de->d_name) == 0;
                if (!used) {
                        int lock_fd = -EBADF;
                        /*
                         * not while a pull or load is bringing it in (its record
                         * comes next) or a save reads it; nor wait for them: they
                         * take the store lock we hold. A later prune removes it.
                         */
                        if (store_layer_trylock(s, de->d_name, &lock_fd) == 0) {
                                _cleanup_free_ char *p = NULL;
                                json_t *rec = NULL;

                                if (bytes && asprintf(&p, "%s/layer.json", de->d_name) >= 0 &&
                                    store_read_json(fd, p, &rec, NULL) == 0)
                                        *bytes += (uint64_t)json_integer_value(
                                                json_object_get(rec, "size"));
                                json_decref(rec);
                                if (rm_rf_at(fd, de->d_name) == 0 && removed)
                                        (void)strv_push(removed, strdup(de->d_name));
                                (void)close(lock_fd);
                        }
                }
        }
        closedir(d);
        storage_images_free(imgs, n);
}

int
storage_image_remove(struct storage *s, const char *what, bool force, char ***ret_ids,
                     size_t *ret_n, struct berr **err)
{
        _cleanup_free_ char *canonical = canonical_name(what);
        _cleanup_(json_decrefp) json_t *rec = NULL;
        struct storage_image img = {0};
        json_t *names, *kept;
        size_t i;
        json_t *e;
        int r;

        r = store_lock(s, err);
        if (r < 0)
                return r;
        r = storage_image_find(s, what, &img, err);
        if (r < 0)
                goto out;
        r = read_record(s, img.id, &rec, err);
        if (r < 0)
                goto out_img;
        names = json_object_get(rec, "names");
        kept = json_array();
        if (!kept) {
                r = berr(err, ENOMEM, "rmi");
                goto out_img;
        }
        json_array_foreach (names, i, e) {
                const char *nm = json_string_value(e);
                if (!nm || name_matches(nm, what, canonical))
                        continue;
                json_array_append(kept, e);
        }
        if (!force && json_array_size(kept) > 0 && json_array_size(kept) < json_array_size(names)) {
                /* only the name goes: the image keeps its others */
                _cleanup_free_ char *dir = NULL;
                _cleanup_close_ int dfd = -EBADF;
                json_object_set_new(rec, "names", kept);
                if (asprintf(&dir, "images/%s", img.id) < 0) {
                        r = berr(err, ENOMEM, "rmi");
                        goto out_img;
                }
                dfd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (dfd < 0) {
                        r = berr(err, errno, "open %s", dir);
                        goto out_img;
                }
                r = store_write_json(dfd, "image.json", rec, err);
                if (r == 0) {
                        *ret_ids = NULL;
                        *ret_n = 0;
                }
                goto out_img;
        }
        json_decref(kept);
        {
                _cleanup_free_ char *user = NULL;
                if (storage_image_in_use(s, img.id, &user)) {
                        r = berr(err, EBUSY,
                                 "image used by container %s: remove the container first", user);
                        goto out_img;
                }
        }
        {
                _cleanup_close_ int ifd =
                        openat(s->root_fd, "images", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                char **ids = calloc(1, sizeof(*ids));
                if (ifd < 0 || !ids) {
                        free(ids);
                        r = berr(err, errno ? errno : ENOMEM, "rmi");
                        goto out_img;
                }
                r = rm_rf_at(ifd, img.id);
                if (r < 0) {
                        free(ids);
                        r = berr(err, -r, "remove image %s", img.id);
                        goto out_img;
                }
                (void)store_shared_ref_update(s, img.id, true);
                ids[0] = TAKE_PTR(img.id);
                *ret_ids = ids;
                *ret_n = 1;
        }
        prune_layers(s, NULL, NULL);
        r = 0;
out_img:
        storage_image_clear(&img);
out:
        store_unlock(s);
        return r;
}

int
storage_df(struct storage *s, struct storage_df *ret, struct berr **err)
{
        _cleanup_close_ int fd = openat(s->root_fd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct storage_image *imgs = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d;
        int r;

        *ret = (struct storage_df){0};
        r = storage_images(s, &imgs, &n, err);
        if (r < 0)
                return r;
        ret->images = n;
        for (size_t i = 0; i < n; i++)
                ret->images_bytes += imgs[i].size;
        /* the layers used in place: each once, however many images share it */
        for (size_t i = 0; s->shared && i < n; i++)
                for (size_t k = 0; k < imgs[i].n_layers; k++) {
                        const char *chain = imgs[i].layers[k];
                        _cleanup_free_ char *p = NULL;
                        bool seen = false;
                        json_t *rec = NULL;

                        if (store_has_layer(s, chain) || !store_shared_has_layer(s, chain))
                                continue;
                        for (size_t a = 0; a <= i && !seen; a++)
                                for (size_t b = 0; b < imgs[a].n_layers && !seen; b++)
                                        seen = (a < i || b < k) &&
                                               strcmp(imgs[a].layers[b], chain) == 0;
                        if (seen || asprintf(&p, "layers/%s/layer.json", chain) < 0)
                                continue;
                        ret->shared_layers++;
                        if (store_read_json(s->shared->root_fd, p, &rec, NULL) == 0)
                                ret->shared_bytes +=
                                        (uint64_t)json_integer_value(json_object_get(rec, "size"));
                        json_decref(rec);
                }
        storage_images_free(imgs, n);
        if (fd < 0)
                return berr(err, errno, "open %s/layers", s->root);
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return berr(err, errno, "read %s/layers", s->root);
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                json_t *rec = NULL;
                if (strlen(de->d_name) != 64 || asprintf(&p, "%s/layer.json", de->d_name) < 0)
                        continue;
                if (store_read_json(dirfd(d), p, &rec, NULL) < 0)
                        continue;
                ret->layers++;
                ret->layers_bytes += (uint64_t)json_integer_value(json_object_get(rec, "size"));
                json_decref(rec);
        }
        closedir(d);
        return 0;
}

int
storage_prune(struct storage *s, char ***ret_removed, uint64_t *ret_bytes, struct berr **err)
{
        char **removed = NULL;
        uint64_t bytes = 0;
        int r = store_lock(s, err);

        if (r < 0)
                return r;
        prune_layers(s, &removed, &bytes);
        store_unlock(s);
        *ret_removed = removed;
        *ret_bytes = bytes;
        return 0;
}
