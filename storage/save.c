/*
 * storage/save.c: images out of the store as a docker-archive or an
 * oci-archive, streamed. Each layer is first rebuilt once from its
 * tar-split and hashed: only when that gives its diff id is it written as
 * the original tar (a second rebuild, into the archive), so a bad rebuild
 * never reaches the stream; otherwise a fresh tar of its files goes
 * instead, and the image gets a new config, hence a new id.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "archive-load.h"
#include "archive.h"
#include "layer-tar.h"
#include "manifest.h"
#include "reference.h"
#include "store.h"
#include "tar-split.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define OCI_LAYOUT "{\"imageLayoutVersion\": \"1.0.0\"}"
#define OCI_REF_NAME "org.opencontainers.image.ref.name"
#define MEDIA_TYPE_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

struct save_layer {
        char chain_hex[DIGEST_SHA256_HEX + 1];
        char diff_id[DIGEST_STRING_MAX];     /* as the config says */
        char out_diff_id[DIGEST_STRING_MAX]; /* of the tar the archive holds */
        uint64_t size;                       /* of that tar */
        bool fresh;                          /* a new tar of its files, not the original */
        char *why;                           /* why it is fresh */
        int lock_fd;                         /* shared, while saving: no prune removes it */
};

struct save_image {
        char *id; /* 64 hex, as in the store */
        char *what;
        char **tags; /* "registry/repo:tag" */
        size_t n_tags;
        char *config; /* the bytes the archive holds (rewritten when a layer is fresh) */
        size_t config_len;
        char config_digest[DIGEST_STRING_MAX];
        size_t *layers; /* indexes into save.layers, base first */
        size_t n_layers;
};

struct save {
        struct storage *s;
        struct save_image *images;
        size_t n_images;
        struct save_layer *layers;
        size_t n_layers;
        struct archive_out out;
        char **written; /* out diff ids already in the archive */
        size_t n_written;
};

enum storage_archive_format
storage_archive_format_from_string(const char *s)
{
        if (strcmp(s, "docker-archive") == 0)
                return STORAGE_ARCHIVE_DOCKER;
        if (strcmp(s, "oci-archive") == 0)
                return STORAGE_ARCHIVE_OCI;
        return _STORAGE_ARCHIVE_FORMAT_INVALID;
}

static void
save_done(struct save *sv)
{
        for (size_t i = 0; i < sv->n_images; i++) {
                struct save_image *im = &sv->images[i];

                free(im->id);
                free(im->what);
                for (size_t k = 0; k < im->n_tags; k++)
                        free(im->tags[k]);
                free(im->tags);
                free(im->config);
                free(im->layers);
        }
        free(sv->images);
        for (size_t i = 0; i < sv->n_layers; i++) {
                free(sv->layers[i].why);
                if (sv->layers[i].lock_fd >= 0)
                        (void)close(sv->layers[i].lock_fd);
        }
        free(sv->layers);
        for (size_t i = 0; i < sv->n_written; i++)
                free(sv->written[i]);
        free(sv->written);
}

static void warn(struct save *sv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct save *sv, const char *fmt, ...)
{
        const struct storage_events *ev = &sv->s->opts.events;
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (!ev->warning)
                return;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r >= 0)
                ev->warning(ev->userdata, msg);
}

/* ------------------------------------------------------------ what to save */

static int
add_tag(struct save_image *im, const char *tag, struct berr **err)
{
        char **v;

        for (size_t i = 0; i < im->n_tags; i++)
                if (strcmp(im->tags[i], tag) == 0)
                        return 0;
        v = reallocarray(im->tags, im->n_tags + 1, sizeof(*v));
        if (!v)
                return berr(err, ENOMEM, "save");
        im->tags = v;
        v[im->n_tags] = strdup(tag);
        if (!v[im->n_tags])
                return berr(err, ENOMEM, "save");
        im->n_tags++;
        return 0;
}

/* A name that can be a tag: a reference with a tag (not a digest only). */
static bool
taggable(const char *name)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;

        return image_ref_parse(name, &ref, NULL) == 0 && ref->tag && !ref->digest;
}

static int
find_layer(struct save *sv, const char *chain_hex, const char *diff_id, size_t *ret,
           struct berr **err)
{
        struct save_layer *v;

        for (size_t i = 0; i < sv->n_layers; i++)
                if (strcmp(sv->layers[i].chain_hex, chain_hex) == 0) {
                        *ret = i;
                        return 0;
                }
        v = reallocarray(sv->layers, sv->n_layers + 1, sizeof(*v));
        if (!v)
                return berr(err, ENOMEM, "save");
        sv->layers = v;
        v = &sv->layers[sv->n_layers];
        *v = (struct save_layer){.lock_fd = -EBADF};
        snprintf(v->chain_hex, sizeof(v->chain_hex), "%s", chain_hex);
        snprintf(v->diff_id, sizeof(v->diff_id), "%s", diff_id);
        *ret = sv->n_layers++;
        return 0;
}

/* dirfd/path, at most max bytes, into a malloc'd NUL-terminated buffer */
static int
read_small(int dirfd, const char *path, uint64_t max, char **ret, size_t *ret_len,
           struct berr **err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct stat st;

        if (fd < 0)
                return berr(err, errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s", path);
        if ((uint64_t)st.st_size > max)
                return berr(err, EFBIG, "%s is larger than %llu bytes", path,
                            (unsigned long long)max);
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return berr(err, ENOMEM, "read %s", path);
        while (len < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read %s", path);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

/* The record's manifest and config: the config's bytes and its diff ids. */
static int
read_image(struct save *sv, struct save_image *im, const struct storage_image *img,
           struct berr **err)
{
        _cleanup_(manifest_freep) struct manifest *m = NULL;
        _cleanup_(image_config_freep) struct image_config *config = NULL;
        _cleanup_free_ char *mp = NULL, *cp = NULL, *mbuf = NULL;
        char chains[1][DIGEST_STRING_MAX];
        size_t mlen = 0;
        int r;

        if (asprintf(&mp, "images/%s/manifest", im->id) < 0 ||
            asprintf(&cp, "images/%s/config", im->id) < 0)
                return berr(err, ENOMEM, "save");
        r = read_small(sv->s->root_fd, mp, MANIFEST_SIZE_MAX, &mbuf, &mlen, err);
        if (r >= 0)
                r = read_small(sv->s->root_fd, cp, IMAGE_CONFIG_SIZE_MAX, &im->config,
                               &im->config_len, err);
        if (r < 0)
                return berr_wrap(err, "%s: the image record", im->what);
        r = manifest_parse(mbuf, mlen, NULL, &m, err);
        if (r < 0)
                return berr_wrap(err, "%s: the stored manifest", im->what);
        if (!m->image)
                return berr(err, 0, "%s: the stored manifest is an index", im->what);
        r = image_config_parse(im->config, im->config_len, m->image->config.media_type, &config,
                               err);
        if (r < 0)
                return berr_wrap(err, "%s: the stored config", im->what);
        if (strcmp(digest_hex(config->digest), im->id) != 0)
                return berr(err, 0, "%s: the stored config is not the image's (%s)", im->what,
                            config->digest);
        if (config->n_diff_ids != img->n_layers)
                return berr(err, 0, "%s: %zu layers in the record, %zu diff ids in the config",
                            im->what, img->n_layers, config->n_diff_ids);
        snprintf(im->config_digest, sizeof(im->config_digest), "%s", config->digest);
        im->layers = calloc(img->n_layers ? img->n_layers : 1, sizeof(*im->layers));
        if (!im->layers)
                return berr(err, ENOMEM, "save");
        for (size_t i = 0; i < img->n_layers; i++) {
                /* the chain ids the record names must be the config's */
                if (i == 0)
                        snprintf(chains[0], sizeof(chains[0]), "%s", config->diff_ids[0]);
                else {
                        _cleanup_free_ char *text = NULL;

                        if (asprintf(&text, "%s %s", chains[0], config->diff_ids[i]) < 0 ||
                            digest_buffer(text, strlen(text), chains[0]) < 0)
                                return berr(err, ENOMEM, "save");
                }
                if (strcmp(digest_hex(chains[0]), img->layers[i]) != 0)
                        return berr(err, 0, "%s: layer %zu of the record is not the config's",
                                    im->what, i);
                r = find_layer(sv, img->layers[i], config->diff_ids[i], &im->layers[i], err);
                if (r < 0)
                        return r;
        }
        im->n_layers = img->n_layers;
        return 0;
}

static int
resolve(struct save *sv, char *const *what, size_t n, bool tags, struct berr **err)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = NULL;
                struct storage_image img = {0};
                struct save_image *im = NULL;
                int r;

                r = store_image_lookup(sv->s, what[i], &img, &name, err);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < sv->n_images && !im; k++)
                        if (strcmp(sv->images[k].id, img.id) == 0)
                                im = &sv->images[k];
                if (!im) {
                        struct save_image *v =
                                reallocarray(sv->images, sv->n_images + 1, sizeof(*v));

                        if (!v) {
                                storage_image_clear(&img);
                                return berr(err, ENOMEM, "save");
                        }
                        sv->images = v;
                        im = &sv->images[sv->n_images++];
                        *im = (struct save_image){.id = strdup(img.id), .what = strdup(what[i])};
                        if (!im->id || !im->what) {
                                storage_image_clear(&img);
                                return berr(err, ENOMEM, "save");
                        }
                        r = read_image(sv, im, &img, err);
                        if (r < 0) {
                                storage_image_clear(&img);
                                return r;
                        }
                }
                storage_image_clear(&img);
                /* named by name: that name goes with it (podman's rule); by id: none */
                if (tags && name && taggable(name)) {
                        r = add_tag(im, name, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* ------------------------------------------------------------ the layers */

struct hash_sink {
        struct digester *d;
        uint64_t n;
};

static int
hash_sink(void *userdata, const void *buf, size_t len, struct berr **err)
{
        struct hash_sink *h = userdata;

        if (digester_update(h->d, buf, len) < 0)
                return berr(err, EIO, "sha256");
        h->n += len;
        return 0;
}

/* hashed on the way into the archive, to see it is what was planned */
struct out_sink {
        struct archive_out *out;
        struct hash_sink hash;
};

static int
out_sink(void *userdata, const void *buf, size_t len, struct berr **err)
{
        struct out_sink *o = userdata;
        int r = hash_sink(&o->hash, buf, len, err);

        if (r < 0)
                return r;
        return archive_out_write(o->out, buf, len, err);
}

/*
 * A layer this node uses in place from the shared store: its files where
 * containers see them (the diff directory, or the mounted EROFS image), its
 * tar-split from the shared store, reached without a symlink.
 */
static int
open_shared_layer(struct save *sv, const struct save_layer *l, int *ret_diff, int *ret_ts,
                  struct berr **err)
{
        _cleanup_free_ char *dir = NULL, *tp = NULL;
        _cleanup_close_ int dfd = -EBADF;
        struct open_how how = {
                .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        int r = store_shared_layer_dir(sv->s, l->chain_hex, &dir, err);

        if (r < 0)
                return berr_wrap(err, "layer %s", l->diff_id);
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0)
                return berr(err, errno, "layer %s: open %s", l->diff_id, dir);
        if (ret_ts) {
                if (asprintf(&tp, "layers/%s/" TAR_SPLIT_FILE, l->chain_hex) < 0)
                        return berr(err, ENOMEM, "save");
                *ret_ts = (int)syscall(SYS_openat2, sv->s->shared->root_fd, tp, &how, sizeof(how));
                if (*ret_ts < 0 && errno != ENOENT)
                        return berr(err, errno, "layer %s: open %s/%s", l->diff_id,
                                    sv->s->shared->root, tp);
                if (*ret_ts < 0)
                        *ret_ts = -ENOENT;
        }
        *ret_diff = TAKE_FD(dfd);
        return 0;
}

static int
open_layer(struct save *sv, const struct save_layer *l, int *ret_diff, int *ret_ts,
           struct berr **err)
{
        _cleanup_free_ char *dp = NULL, *tp = NULL;
        _cleanup_close_ int dfd = -EBADF;

        if (asprintf(&dp, "layers/%s/diff", l->chain_hex) < 0 ||
            asprintf(&tp, "layers/%s/" TAR_SPLIT_FILE, l->chain_hex) < 0)
                return berr(err, ENOMEM, "save");
        dfd = openat(sv->s->root_fd, dp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (dfd < 0 && errno == ENOENT && store_shared_has_layer(sv->s, l->chain_hex))
                return open_shared_layer(sv, l, ret_diff, ret_ts, err);
        if (dfd < 0)
                return berr(err, errno, "layer %s: open %s/%s", l->diff_id, sv->s->root, dp);
        if (ret_ts) {
                *ret_ts = openat(sv->s->root_fd, tp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                if (*ret_ts < 0 && errno != ENOENT)
                        return berr(err, errno, "layer %s: open %s/%s", l->diff_id, sv->s->root,
                                    tp);
                if (*ret_ts < 0)
                        *ret_ts = -ENOENT;
        }
        *ret_diff = TAKE_FD(dfd);
        return 0;
}

/*
 * How layer l goes into the archive: its original tar when the tar-split
 * rebuilds it (the diff id matches), else a fresh tar; either way its size
 * and digest, found by writing it once into a hash.
 */
static int
plan_layer(struct save *sv, struct save_layer *l, struct berr **err)
{
        _cleanup_(digester_freep) struct digester *d = digester_new();
        _cleanup_close_ int dfd = -EBADF, tfd = -EBADF;
        struct hash_sink h = {.d = d};
        char got[DIGEST_STRING_MAX];
        int r;

        if (!d)
                return berr(err, ENOMEM, "sha256");
        r = store_layer_lock_shared(sv->s, l->chain_hex, &l->lock_fd, err);
        if (r < 0)
                return r;
        r = open_layer(sv, l, &dfd, &tfd, err);
        if (r < 0)
                return r;
        if (tfd >= 0) {
                struct berr *why = NULL;

                r = tar_split_rebuild(tfd, dfd, hash_sink, &h, &l->size, &why);
                if (r == 0 && digester_final(d, got) < 0)
                        r = berr(&why, EIO, "sha256");
                if (r == 0 && strcmp(got, l->diff_id) == 0) {
                        snprintf(l->out_diff_id, sizeof(l->out_diff_id), "%s", got);
                        berr_free(why);
                        return 0;
                }
                if (r < 0 && r != -EBADMSG) {
                        if (err && !*err)
                                *err = why;
                        else
                                berr_free(why);
                        return berr_wrap(err, "layer %s", l->diff_id);
                }
                if (r == 0)
                        l->why = strdup("its files no longer make the tar it came as");
                else
                        l->why = strdup(why && why->msg ? why->msg : "tar-split");
                berr_free(why);
        } else {
                l->why = strdup("the store has no tar-split of it");
        }
        if (!l->why)
                return berr(err, ENOMEM, "save");
        /* a new tar of its files: same files, another diff id (hashed afresh) */
        l->fresh = true;
        digester_free(d);
        d = h.d = digester_new();
        h.n = 0;
        if (!d)
                return berr(err, ENOMEM, "sha256");
        r = layer_tar_write(dfd, hash_sink, &h, err);
        if (r < 0)
                return berr_wrap(err, "layer %s", l->diff_id);
        if (digester_final(d, l->out_diff_id) < 0)
                return berr(err, EIO, "sha256");
        l->size = h.n;
        return 0;
}

/* A config with other diff ids is another image: its bytes and digest. */
static int
rewrite_config(struct save *sv, struct save_image *im, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        json_t *rootfs, *ids;
        json_error_t je;
        char *text;

        j = json_loadb(im->config, im->config_len, 0, &je);
        rootfs = json_object_get(j, "rootfs");
        if (!j || !json_is_object(rootfs))
                return berr(err, 0, "%s: the config has no rootfs", im->what);
        ids = json_array();
        if (!ids)
                return berr(err, ENOMEM, "save");
        for (size_t i = 0; i < im->n_layers; i++)
                json_array_append_new(ids, json_string(sv->layers[im->layers[i]].out_diff_id));
        if (json_object_set_new(rootfs, "diff_ids", ids) < 0)
                return berr(err, ENOMEM, "save");
        text = json_dumps(j, JSON_COMPACT);
        if (!text)
                return berr(err, ENOMEM, "save");
        free(im->config);
        im->config = text;
        im->config_len = strlen(text);
        if (digest_buffer(im->config, im->config_len, im->config_digest) < 0)
                return berr(err, EIO, "sha256");
        return 0;
}

static int
plan(struct save *sv, struct berr **err)
{
        for (size_t i = 0; i < sv->n_layers; i++) {
                int r = plan_layer(sv, &sv->layers[i], err);

                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < sv->n_images; i++) {
                struct save_image *im = &sv->images[i];
                const struct save_layer *fresh = NULL;
                int r;

                for (size_t k = 0; sv->layers && k < im->n_layers && !fresh; k++)
                        if (sv->layers[im->layers[k]].fresh)
                                fresh = &sv->layers[im->layers[k]];
                if (!fresh)
                        continue;
                r = rewrite_config(sv, im, err);
                if (r < 0)
                        return r;
                warn(sv,
                     "%s: the image ID changes to %s: layer %s cannot be saved as the tar it came "
                     "as (%s), a new tar of its files is saved instead",
                     im->what, digest_hex(im->config_digest), fresh->diff_id, fresh->why);
        }
        return 0;
}

static bool
already_written(struct save *sv, const char *diff_id)
{
        for (size_t i = 0; i < sv->n_written; i++)
                if (strcmp(sv->written[i], diff_id) == 0)
                        return true;
        return false;
}

static int
mark_written(struct save *sv, const char *diff_id, struct berr **err)
{
        char **v = reallocarray(sv->written, sv->n_written + 1, sizeof(*v));

        if (!v)
                return berr(err, ENOMEM, "save");
        sv->written = v;
        v[sv->n_written] = strdup(diff_id);
        if (!v[sv->n_written])
                return berr(err, ENOMEM, "save");
        sv->n_written++;
        return 0;
}

/* Layer l as member name: header, the tar streamed in, padding. */
static int
write_layer(struct save *sv, const struct save_layer *l, const char *name, struct berr **err)
{
        _cleanup_(digester_freep) struct digester *d = digester_new();
        _cleanup_close_ int dfd = -EBADF, tfd = -EBADF;
        struct out_sink o = {.out = &sv->out, .hash = {.d = d}};
        const struct storage_events *ev = &sv->s->opts.events;
        char got[DIGEST_STRING_MAX];
        int r;

        if (!d)
                return berr(err, ENOMEM, "sha256");
        r = open_layer(sv, l, &dfd, l->fresh ? NULL : &tfd, err);
        if (r < 0)
                return r;
        r = archive_out_file(&sv->out, name, l->size, err);
        if (r < 0)
                return r;
        if (l->fresh)
                r = layer_tar_write(dfd, out_sink, &o, err);
        else
                r = tar_split_rebuild(tfd, dfd, out_sink, &o, NULL, err);
        if (r < 0)
                return berr_wrap(err, "layer %s", l->diff_id);
        if (digester_final(d, got) < 0)
                return berr(err, EIO, "sha256");
        /* the archive is broken now: say so, do not end it as if it were whole */
        if (o.hash.n != l->size || strcmp(got, l->out_diff_id) != 0)
                return berr(err, 0, "layer %s changed while it was saved", l->diff_id);
        r = archive_out_pad(&sv->out, l->size, err);
        if (r < 0)
                return r;
        if (ev->blobs) {
                struct storage_blob_progress p = {.digest = l->out_diff_id,
                                                  .done = l->size,
                                                  .size = l->size,
                                                  .finished = true};
                ev->blobs(ev->userdata, &p, 1);
        }
        return 0;
}

static void
report_config(struct save *sv, const struct save_image *im)
{
        const struct storage_events *ev = &sv->s->opts.events;

        if (ev->config)
                ev->config(ev->userdata, im->config_digest);
}

/* ------------------------------------------------------------ docker-archive */

/*
 * Go's json.Marshal escapes <, > and & in strings (and U+2028, U+2029);
 * jansson does not. The legacy ids are digests of Go's bytes.
 */
static char *
go_escape(const char *s)
{
        size_t n = 0;
        char *out, *o;

        for (const char *p = s; *p; p++)
                n += (*p == '<' || *p == '>' || *p == '&') ? 6 : 1;
        out = malloc(n + 1);
        if (!out)
                return NULL;
        o = out;
        for (const char *p = s; *p; p++) {
                if (*p == '<' || *p == '>' || *p == '&')
                        o += sprintf(o, "\\u%04x", (unsigned)(unsigned char)*p);
                else if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
                         ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
                        o += sprintf(o, "\\u20%02x", (unsigned char)p[2] == 0xa8 ? 0x28 : 0x29);
                        p += 2;
                } else
                        *o++ = *p;
        }
        *o = '\0';
        return out;
}

/*
 * The legacy "json" of one layer, as containers/image writes it: keys in
 * order; the top layer carries parts of the image config. id_key is
 * "layer_id" (for the digest that makes the id) or "id".
 */
static char *
legacy_json(const json_t *config, bool top, const char *id_key, const char *id, const char *parent)
{
        static const char *const before[] = {"architecture",     "config",  "container",
                                             "container_config", "created", "docker_version"};
        _cleanup_(json_decrefp) json_t *j = json_object();
        _cleanup_free_ char *text = NULL;

        if (!j)
                return NULL;
        for (size_t i = 0; top && i < ELEMENTSOF(before); i++) {
                json_t *v = json_object_get(config, before[i]);
                json_object_set_new(j, before[i], v ? json_incref(v) : json_null());
        }
        json_object_set_new(j, id_key, json_string(id));
        if (top) {
                json_t *v = json_object_get(config, "os");
                json_object_set_new(j, "os", v ? json_incref(v) : json_null());
        }
        if (parent)
                json_object_set_new(j, "parent", json_string(parent));
        text = json_dumps(j, JSON_COMPACT);
        if (!text)
                return NULL;
        return go_escape(text);
}

struct docker_state {
        json_t *manifest;     /* manifest.json */
        json_t *repositories; /* repositories */
        char **legacy;        /* legacy ids already written */
        size_t n_legacy;
};

static int
write_legacy(struct save *sv, struct docker_state *ds, const struct save_image *im,
             struct berr **err)
{
        _cleanup_(json_decrefp) json_t *config = json_loadb(im->config, im->config_len, 0, NULL);
        char chain[DIGEST_STRING_MAX] = "", last[DIGEST_SHA256_HEX + 1] = "";
        int r;

        if (!config)
                return berr(err, 0, "%s: the config is not JSON", im->what);
        for (size_t i = 0; i < im->n_layers; i++) {
                const struct save_layer *l = &sv->layers[im->layers[i]];
                bool top = i + 1 == im->n_layers, seen = false;
                _cleanup_free_ char *for_id = NULL, *json = NULL, *name = NULL, *target = NULL;
                char id[DIGEST_STRING_MAX];

                if (i == 0) {
                        snprintf(chain, sizeof(chain), "%s", l->out_diff_id);
                } else {
                        _cleanup_free_ char *text = NULL;

                        if (asprintf(&text, "%s %s", chain, l->out_diff_id) < 0)
                                return berr(err, ENOMEM, "save");
                        if (digest_buffer(text, strlen(text), chain) < 0)
                                return berr(err, EIO, "sha256");
                }
                for_id = legacy_json(config, top, "layer_id", chain, *last ? last : NULL);
                if (!for_id || digest_buffer(for_id, strlen(for_id), id) < 0)
                        return berr(err, ENOMEM, "save");
                json = legacy_json(config, top, "id", digest_hex(id), *last ? last : NULL);
                if (!json)
                        return berr(err, ENOMEM, "save");
                snprintf(last, sizeof(last), "%s", digest_hex(id));
                for (size_t k = 0; k < ds->n_legacy && !seen; k++)
                        seen = strcmp(ds->legacy[k], last) == 0;
                if (seen)
                        continue;
                if (asprintf(&name, "%s/layer.tar", last) < 0 ||
                    asprintf(&target, "../%s.tar", digest_hex(l->out_diff_id)) < 0)
                        return berr(err, ENOMEM, "save");
                r = archive_out_symlink(&sv->out, name, target, err);
                free(name);
                name = NULL;
                if (r >= 0 && asprintf(&name, "%s/VERSION", last) < 0)
                        r = berr(err, ENOMEM, "save");
                if (r >= 0)
                        r = archive_out_bytes(&sv->out, name, "1.0", 3, err);
                free(name);
                name = NULL;
                if (r >= 0 && asprintf(&name, "%s/json", last) < 0)
                        r = berr(err, ENOMEM, "save");
                if (r >= 0)
                        r = archive_out_bytes(&sv->out, name, json, strlen(json), err);
                if (r < 0)
                        return r;
                {
                        char **v = reallocarray(ds->legacy, ds->n_legacy + 1, sizeof(*v));

                        if (!v)
                                return berr(err, ENOMEM, "save");
                        ds->legacy = v;
                        v[ds->n_legacy] = strdup(last);
                        if (!v[ds->n_legacy])
                                return berr(err, ENOMEM, "save");
                        ds->n_legacy++;
                }
        }
        /* repositories: {"name": {"tag": the top layer's legacy id}} */
        for (size_t k = 0; *last && k < im->n_tags; k++) {
                const char *t = im->tags[k], *slash = strrchr(t, '/'), *colon;
                _cleanup_free_ char *repo = NULL;
                json_t *tags;

                colon = strrchr(slash ? slash : t, ':');
                if (!colon)
                        continue;
                repo = strndup(t, (size_t)(colon - t));
                if (!repo)
                        return berr(err, ENOMEM, "save");
                tags = json_object_get(ds->repositories, repo);
                if (!tags) {
                        tags = json_object();
                        if (!tags || json_object_set_new(ds->repositories, repo, tags) < 0)
                                return berr(err, ENOMEM, "save");
                }
                if (json_object_set_new(tags, colon + 1, json_string(last)) < 0)
                        return berr(err, ENOMEM, "save");
        }
        return 0;
}

static int
write_docker_image(struct save *sv, struct docker_state *ds, const struct save_image *im,
                   struct berr **err)
{
        _cleanup_free_ char *config_name = NULL;
        json_t *item, *layers, *tags;
        int r;

        layers = json_array();
        tags = json_array();
        if (asprintf(&config_name, "%s.json", digest_hex(im->config_digest)) < 0 || !layers ||
            !tags) {
                json_decref(layers);
                json_decref(tags);
                return berr(err, ENOMEM, "save");
        }
        for (size_t i = 0; i < im->n_tags; i++)
                json_array_append_new(tags, json_string(im->tags[i]));
        item = json_pack("{s:s, s:o, s:o}", "Config", config_name, "RepoTags", tags, "Layers",
                         layers);
        if (!item || json_array_append_new(ds->manifest, item) < 0)
                return berr(err, ENOMEM, "save");
        for (size_t i = 0; i < im->n_layers; i++) {
                const struct save_layer *l = &sv->layers[im->layers[i]];
                _cleanup_free_ char *name = NULL;

                if (asprintf(&name, "%s.tar", digest_hex(l->out_diff_id)) < 0 ||
                    json_array_append_new(layers, json_string(name)) < 0)
                        return berr(err, ENOMEM, "save");
                if (already_written(sv, l->out_diff_id))
                        continue;
                r = write_layer(sv, l, name, err);
                if (r >= 0)
                        r = mark_written(sv, l->out_diff_id, err);
                if (r < 0)
                        return r;
        }
        r = archive_out_bytes(&sv->out, config_name, im->config, im->config_len, err);
        if (r < 0)
                return r;
        report_config(sv, im);
        return write_legacy(sv, ds, im, err);
}

static int
write_docker(struct save *sv, struct berr **err)
{
        struct docker_state ds = {.manifest = json_array(), .repositories = json_object()};
        const struct storage_events *ev = &sv->s->opts.events;
        _cleanup_free_ char *manifest = NULL, *repositories = NULL;
        int r = 0;

        if (!ds.manifest || !ds.repositories)
                r = berr(err, ENOMEM, "save");
        for (size_t i = 0; r >= 0 && i < sv->n_images; i++) {
                /* a config written already (two names of one image): merged by resolve() */
                r = write_docker_image(sv, &ds, &sv->images[i], err);
        }
        if (r >= 0 && ev->writing)
                ev->writing(ev->userdata);
        if (r >= 0) {
                manifest = json_dumps(ds.manifest, JSON_COMPACT);
                repositories = json_dumps(ds.repositories, JSON_COMPACT | JSON_SORT_KEYS);
        }
        if (r >= 0 && (!manifest || !repositories))
                r = berr(err, ENOMEM, "save");
        if (r >= 0 && manifest)
                r = archive_out_bytes(&sv->out, "manifest.json", manifest, strlen(manifest), err);
        if (r >= 0 && repositories)
                r = archive_out_bytes(&sv->out, "repositories", repositories, strlen(repositories),
                                      err);
        json_decref(ds.manifest);
        json_decref(ds.repositories);
        for (size_t i = 0; i < ds.n_legacy; i++)
                free(ds.legacy[i]);
        free(ds.legacy);
        return r;
}

/* ------------------------------------------------------------ oci-archive */

static int
write_blob(struct save *sv, const char *digest, const void *buf, size_t len, struct berr **err)
{
        _cleanup_free_ char *name = NULL;

        if (asprintf(&name, "blobs/sha256/%s", digest_hex(digest)) < 0)
                return berr(err, ENOMEM, "save");
        return archive_out_bytes(&sv->out, name, buf, len, err);
}

static int
write_oci(struct save *sv, struct berr **err)
{
        const struct save_image *im = sv->images;
        const struct storage_events *ev = &sv->s->opts.events;
        _cleanup_(json_decrefp) json_t *manifest = NULL, *index = NULL;
        _cleanup_free_ char *mtext = NULL, *itext = NULL;
        char mdigest[DIGEST_STRING_MAX];
        json_t *layers, *desc;
        int r;

        if (!im || sv->n_images != 1)
                return berr(err, EINVAL, "an oci-archive holds one image");
        r = archive_out_bytes(&sv->out, "oci-layout", OCI_LAYOUT, strlen(OCI_LAYOUT), err);
        if (r >= 0)
                r = archive_out_dir(&sv->out, "blobs/", err);
        if (r >= 0)
                r = archive_out_dir(&sv->out, "blobs/sha256/", err);
        if (r < 0)
                return r;
        layers = json_array();
        if (!layers)
                return berr(err, ENOMEM, "save");
        manifest = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
                             MEDIA_TYPE_OCI_MANIFEST, "config", "mediaType", MEDIA_TYPE_OCI_CONFIG,
                             "digest", im->config_digest, "size", (json_int_t)im->config_len,
                             "layers", layers);
        if (!manifest)
                return berr(err, ENOMEM, "save");
        for (size_t i = 0; i < im->n_layers; i++) {
                const struct save_layer *l = &sv->layers[im->layers[i]];
                _cleanup_free_ char *name = NULL;

                if (json_array_append_new(layers,
                                          json_pack("{s:s, s:s, s:I}", "mediaType",
                                                    MEDIA_TYPE_OCI_LAYER, "digest", l->out_diff_id,
                                                    "size", (json_int_t)l->size)) < 0)
                        return berr(err, ENOMEM, "save");
                if (already_written(sv, l->out_diff_id))
                        continue;
                if (asprintf(&name, "blobs/sha256/%s", digest_hex(l->out_diff_id)) < 0)
                        return berr(err, ENOMEM, "save");
                r = write_layer(sv, l, name, err);
                if (r >= 0)
                        r = mark_written(sv, l->out_diff_id, err);
                if (r < 0)
                        return r;
        }
        r = write_blob(sv, im->config_digest, im->config, im->config_len, err);
        if (r < 0)
                return r;
        report_config(sv, im);
        if (ev->writing)
                ev->writing(ev->userdata);
        mtext = json_dumps(manifest, JSON_COMPACT);
        if (!mtext || digest_buffer(mtext, strlen(mtext), mdigest) < 0)
                return berr(err, ENOMEM, "save");
        r = write_blob(sv, mdigest, mtext, strlen(mtext), err);
        if (r < 0)
                return r;
        desc = json_pack("{s:s, s:s, s:I}", "mediaType", MEDIA_TYPE_OCI_MANIFEST, "digest", mdigest,
                         "size", (json_int_t)strlen(mtext));
        if (desc && im->n_tags > 0)
                json_object_set_new(desc, "annotations",
                                    json_pack("{s:s}", OCI_REF_NAME, im->tags[0]));
        index = json_pack("{s:i, s:[o]}", "schemaVersion", 2, "manifests", desc);
        if (!index)
                return berr(err, ENOMEM, "save");
        itext = json_dumps(index, JSON_COMPACT);
        if (!itext)
                return berr(err, ENOMEM, "save");
        return archive_out_bytes(&sv->out, "index.json", itext, strlen(itext), err);
}

int
storage_save(struct storage *s, char *const *images, size_t n_images,
             enum storage_archive_format format, int out_fd, struct berr **err)
{
        struct save sv = {.s = s, .out = {.fd = out_fd}};
        int r;

        if (n_images == 0)
                return berr(err, EINVAL, "save: no image given");
        r = archive_load(err);
        if (r < 0)
                return r;
        if (format != STORAGE_ARCHIVE_DOCKER && format != STORAGE_ARCHIVE_OCI)
                return berr(err, EINVAL, "save: unknown archive format %d", (int)format);
        r = resolve(&sv, images, n_images, true, err);
        if (r >= 0 && format == STORAGE_ARCHIVE_OCI && sv.n_images > 1)
                r = berr(err, 0,
                         "an oci-archive holds one image, %zu were given: use docker-archive for "
                         "several",
                         sv.n_images);
        if (r >= 0)
                r = plan(&sv, err);
        if (r >= 0)
                r = format == STORAGE_ARCHIVE_DOCKER ? write_docker(&sv, err) : write_oci(&sv, err);
        if (r >= 0)
                r = archive_out_finish(&sv.out, err);
        save_done(&sv);
        return r;
}
