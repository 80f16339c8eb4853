/* storage/image-record.c: an image's record, as pull and load write it */
#include "image-record.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "manifest.h"
#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"

static bool
in_names(const struct image_record *rec, const char *name)
{
        for (size_t i = 0; i < rec->n_names; i++)
                if (strcmp(rec->names[i], name) == 0)
                        return true;
        return false;
}

/* rec's names leave every other image that has them (caller holds the store lock) */
static void
take_names(struct storage *s, const char *id, const struct image_record *rec)
{
        struct storage_image *imgs = NULL;
        size_t n = 0;

        if (rec->n_names == 0 || storage_images(s, &imgs, &n, NULL) < 0)
                return;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                _cleanup_(json_decrefp) json_t *orec = NULL;
                json_t *onames, *kept;
                size_t k;
                json_t *e;

                if (strcmp(imgs[i].id, id) == 0)
                        continue;
                if (asprintf(&p, "images/%s/image.json", imgs[i].id) < 0 ||
                    store_read_json(s->root_fd, p, &orec, NULL) < 0)
                        continue;
                onames = json_object_get(orec, "names");
                kept = json_array();
                if (!kept)
                        continue;
                json_array_foreach (onames, k, e)
                        if (!json_is_string(e) || !in_names(rec, json_string_value(e)))
                                json_array_append(kept, e);
                if (json_array_size(kept) != json_array_size(onames)) {
                        _cleanup_close_ int ofd = -EBADF;
                        json_object_set_new(orec, "names", kept);
                        p[strlen(p) - strlen("/image.json")] = '\0';
                        ofd = openat(s->root_fd, p,
                                     O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (ofd >= 0)
                                (void)store_write_json(ofd, "image.json", orec, NULL);
                } else {
                        json_decref(kept);
                }
        }
        storage_images_free(imgs, n);
}

static int
write_locked(struct storage *s, const struct image_record *rec, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *j = NULL, *old = NULL;
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const struct image_config *config = rec->config;
        const char *id = digest_hex(config->digest);
        char platform[PLATFORM_STRING_MAX];
        json_t *names, *layers;
        int r;

        if (asprintf(&dir, "images/%s", id) < 0)
                return berr(err, ENOMEM, "image");
        if (mkdirat(s->root_fd, dir, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/%s", s->root, dir);
        dfd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return berr(err, errno, "open %s/%s", s->root, dir);
        /* the exact bytes, so the digests stay checkable and `save` can write them again */
        r = store_write_file(dfd, "manifest", rec->manifest, rec->manifest_len, err);
        if (r == 0)
                r = store_write_file(dfd, "config", config->raw, config->raw_len, err);
        if (r < 0)
                return r;

        take_names(s, id, rec);

        names = json_array();
        layers = json_array();
        if (!names || !layers) {
                json_decref(names);
                json_decref(layers);
                return berr(err, ENOMEM, "image record");
        }
        if (store_read_json(dfd, "image.json", &old, NULL) == 0) {
                size_t k;
                json_t *e;
                json_array_foreach (json_object_get(old, "names"), k, e)
                        if (json_is_string(e) && !in_names(rec, json_string_value(e)))
                                json_array_append(names, e);
        }
        for (size_t i = 0; i < rec->n_names; i++)
                json_array_append_new(names, json_string(rec->names[i]));
        for (size_t i = 0; i < rec->n_layers; i++)
                json_array_append_new(layers, json_string(digest_hex(rec->chains[i])));
        platform_format(&config->platform, platform);
        j = json_pack("{s:s, s:o, s:s, s:I, s:I, s:o, s:s, s:s, s:s, s:I}", "id", id, "names",
                      names, "digest", rec->manifest_digest, "created",
                      (json_int_t)config->created_sec, "size", (json_int_t)rec->size, "layers",
                      layers, "platform", platform, "manifestMediaType", rec->manifest_media_type,
                      "configDigest", config->digest, "pulled", (json_int_t)time(NULL));
        if (!j)
                return berr(err, ENOMEM, "image record");
        return store_write_json(dfd, "image.json", j, err);
}

int
image_record_write(struct storage *s, const struct image_record *rec, struct berr **err)
{
        int r = store_lock(s, err);

        if (r < 0)
                return r;
        r = write_locked(s, rec, err);
        store_unlock(s);
        return r;
}
