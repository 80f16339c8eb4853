/*
 * storage/load.c: images into the store from a docker-archive or an
 * oci-archive. The outer tar is indexed in place (a pipe or a compressed
 * archive is first copied, uncompressed, under ROOT/tmp), its JSON read
 * with limits, and each layer the store lacks goes the way a pulled one
 * does (layer-commit.h): extracted straight from its bytes in the archive,
 * digests checked, tar-split recorded, renamed into place.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive-load.h"
#include "archive.h"
#include "decompress.h"
#include "extract.h"
#include "image-record.h"
#include "layer-commit.h"
#include "manifest.h"
#include "reference.h"
#include "store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define OCI_REF_NAME "org.opencontainers.image.ref.name"
#define CONTAINERD_NAME "io.containerd.image.name"
/* what podman's docker-archive source says its (uncompressed) layers are */
#define MEDIA_TYPE_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SPOOL_BUF (128U * 1024U)

struct load {
        struct storage *s;
        int fd; /* the archive: a file, uncompressed */
        char *spool_name;
        int spool_fd, spool_lock_fd;
        struct archive_index *idx;
        struct platform want;
        char **out; /* what to print, one per name */
        size_t n_out;
};

static void
load_done(struct load *ld)
{
        if (ld->fd >= 0)
                (void)close(ld->fd);
        if (ld->spool_fd >= 0)
                (void)close(ld->spool_fd);
        if (ld->spool_name)
                store_tmpdir_remove(ld->s, ld->spool_name);
        if (ld->spool_lock_fd >= 0)
                (void)close(ld->spool_lock_fd);
        free(ld->spool_name);
        archive_index_free(ld->idx);
        platform_done(&ld->want);
        for (size_t i = 0; i < ld->n_out; i++)
                free(ld->out[i]);
        free(ld->out);
}

static int
write_all(int fd, const void *buf, size_t len, struct berr **err)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "write the archive's copy");
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static bool
compressed(const uint8_t *b, ssize_t n)
{
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
                return true;
        return n >= 4 && ((b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd) ||
                          ((b[0] & 0xf0) == 0x50 && b[1] == 0x2a && b[2] == 0x4d && b[3] == 0x18));
}

/*
 * The archive as a file to index and read in place: fd itself (a dup)
 * when it is an uncompressed file read from its start; otherwise a copy,
 * uncompressed, in a tmp directory of the store.
 */
static int
open_archive(struct load *ld, int fd, struct berr **err)
{
        _cleanup_(layer_stream_freep) struct layer_stream *ls = NULL;
        struct stat st;
        uint8_t magic[4];
        int r;

        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat the archive");
        if (S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_CUR) == 0) {
                ssize_t n;

                do
                        n = pread(fd, magic, sizeof(magic), 0);
                while (n < 0 && errno == EINTR);
                if (n < 0)
                        return berr(err, errno, "read the archive");
                if (!compressed(magic, n)) {
                        ld->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
                        if (ld->fd < 0)
                                return berr(err, errno, "dup");
                        return 0;
                }
        }
        r = store_tmpdir(ld->s, "load", &ld->spool_name, &ld->spool_fd, &ld->spool_lock_fd, err);
        if (r < 0)
                return r;
        ld->fd = openat(ld->spool_fd, "archive", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (ld->fd < 0)
                return berr(err, errno, "create a copy of the archive in %s/tmp", ld->s->root);
        /* gzip, zstd or plain: the layer stream tells them apart and decompresses */
        r = layer_stream_new(fd, LAYER_DETECT, 0, &ls, err);
        while (r >= 0) {
                const void *buf;
                size_t len = 0;

                r = layer_stream_read(ls, &buf, &len, err);
                if (r < 0 || len == 0)
                        break;
                r = write_all(ld->fd, buf, len, err);
        }
        if (r < 0)
                return berr_wrap(err, "read the archive");
        return 0;
}

static int
add_out(struct load *ld, const char *name, struct berr **err)
{
        char **v = reallocarray(ld->out, ld->n_out + 1, sizeof(*v));

        if (!v)
                return berr(err, ENOMEM, "load");
        ld->out = v;
        v[ld->n_out] = strdup(name);
        if (!v[ld->n_out])
                return berr(err, ENOMEM, "load");
        ld->n_out++;
        return 0;
}

/* ------------------------------------------------------------ names */

/* A RepoTags entry, read as Docker reads it: "busybox:1" is docker.io/library/busybox:1. */
static int
docker_name(const char *raw, char **ret, struct berr **err)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        int r = image_ref_parse(raw, &ref, err);

        if (r < 0)
                return berr_wrap(err, "manifest.json: RepoTags");
        if (ref->digest)
                return berr(err, 0, "manifest.json: RepoTags: \"%s\" is not a tag", raw);
        *ret = image_ref_string(ref);
        return *ret ? 0 : berr(err, ENOMEM, "load");
}

/*
 * A name from an OCI index, as podman's NormalizeName takes it: a name
 * whose first part is no registry (no '.' or ':', not localhost) is put
 * under localhost/, so a bare tag "1.0" is "localhost/1.0:latest"; no tag
 * means :latest; a tag and a digest keep the digest only.
 */
static int
oci_name(const char *raw, char **ret, struct berr **err)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        _cleanup_free_ char *full = NULL;
        const char *slash = strchr(raw, '/');
        size_t first = slash ? (size_t)(slash - raw) : 0;
        bool registry = slash && (memchr(raw, '.', first) || memchr(raw, ':', first) ||
                                  (first == 9 && strncmp(raw, "localhost", 9) == 0));
        int r;

        if (asprintf(&full, "%s%s", registry ? "" : "localhost/", raw) < 0)
                return berr(err, ENOMEM, "load");
        r = image_ref_parse(full, &ref, err);
        if (r < 0)
                return r;
        if (ref->digest && ref->tag) {
                free(ref->tag);
                ref->tag = NULL;
        }
        *ret = image_ref_string(ref);
        return *ret ? 0 : berr(err, ENOMEM, "load");
}

/* ------------------------------------------------------------ one image */

/* An image as the archive has it: what both formats come down to. */
struct load_image {
        const char *what; /* for messages: a name, or the config's member */
        const void *manifest;
        size_t manifest_len;
        const char *manifest_digest;
        const char *manifest_media_type;
        const struct image_config *config;
        const struct archive_member **blobs; /* one per layer */
        const char *const *digests;          /* each layer's blob digest, NULL: not known */
        const char *const *media_types;
        char **names;
        size_t n_names;
};

static void
report_blob(struct load *ld, const char *digest, uint64_t size, bool exists)
{
        const struct storage_events *ev = &ld->s->opts.events;
        struct storage_blob_progress p = {
                .digest = digest, .done = size, .size = size, .finished = true, .exists = exists};

        if (ev->blobs)
                ev->blobs(ev->userdata, &p, 1);
}

/*
 * The layers the store lacks, from the archive, each into place as it is
 * verified. commits[] keeps their locks until the image record names them
 * (so no rmi prunes them in between); sizes[] gets their unpacked sizes.
 */
static int
commit_layers(struct load *ld, const struct load_image *li, char (*chains)[DIGEST_STRING_MAX],
              struct layer_commit *commits, uint64_t *sizes, struct berr **err)
{
        const struct image_config *config = li->config;

        for (size_t i = 0; i < config->n_diff_ids; i++) {
                struct layer_commit *c = &commits[i];
                const struct archive_member *b = li->blobs ? li->blobs[i] : NULL;
                const char *digest = li->digests[i] ? li->digests[i] : config->diff_ids[i];
                _cleanup_free_ char *what = NULL;
                struct extract_opts eo = {
                        .expect_digest = li->digests[i],
                        .expect_diff_id = config->diff_ids[i],
                        .compression = li->media_types[i] ? layer_compression_from_media_type(
                                                                    li->media_types[i])
                                                          : LAYER_DETECT,
                        .in_range = true,
                };
                int r;

                if (!b)
                        return berr(err, EINVAL, "%s: layer %zu not found", li->what, i);
                eo.in_offset = b->offset;
                eo.in_length = b->size;
                r = layer_commit_begin(ld->s, digest_hex(chains[i]), c, err);
                if (r < 0)
                        return r;
                if (c->exists) {
                        sizes[i] = layer_sizes(ld->s, &chains[i], 1);
                        report_blob(ld, digest, b->size, true);
                        continue;
                }
                if (asprintf(&what, "%s layer %s", li->what, digest) < 0)
                        return berr(err, ENOMEM, "load");
                eo.what = what;
                r = layer_commit_extract(c, ld->fd, &eo, err);
                if (r < 0)
                        return r;
                r = layer_commit_finish(c, digest, config->diff_ids[i],
                                        li->media_types[i] ? li->media_types[i]
                                                           : MEDIA_TYPE_DOCKER_LAYER,
                                        b->size, err);
                if (r < 0)
                        return r;
                sizes[i] = c->unpacked;
                report_blob(ld, digest, b->size, false);
        }
        return 0;
}

/* The manifest podman's docker-archive source makes up: schema2, the layers by diff id. */
static char *
docker_manifest(const struct image_config *config, const uint64_t *sizes)
{
        _cleanup_(json_decrefp) json_t *m = NULL;
        json_t *layers = json_array();

        if (!layers)
                return NULL;
        m = json_pack("{s:i, s:s, s:{s:s, s:I, s:s}, s:o}", "schemaVersion", 2, "mediaType",
                      MEDIA_TYPE_DOCKER_MANIFEST, "config", "mediaType", MEDIA_TYPE_DOCKER_CONFIG,
                      "size", (json_int_t)config->raw_len, "digest", config->digest, "layers",
                      layers);
        if (!m)
                return NULL;
        for (size_t i = 0; i < config->n_diff_ids; i++)
                if (json_array_append_new(layers, json_pack("{s:s, s:I, s:s}", "mediaType",
                                                            MEDIA_TYPE_DOCKER_LAYER, "size",
                                                            (json_int_t)sizes[i], "digest",
                                                            config->diff_ids[i])) < 0)
                        return NULL;
        return json_dumps(m, JSON_COMPACT);
}

static int
load_image(struct load *ld, const struct load_image *li, struct berr **err)
{
        const struct image_config *config = li->config;
        const struct storage_events *ev = &ld->s->opts.events;
        size_t n = config->n_diff_ids;
        _cleanup_free_ char(*chains)[DIGEST_STRING_MAX] = calloc(n ? n : 1, sizeof(*chains));
        _cleanup_free_ struct layer_commit *commits = calloc(n ? n : 1, sizeof(*commits));
        _cleanup_free_ uint64_t *sizes = calloc(n ? n : 1, sizeof(*sizes));
        _cleanup_free_ char *made = NULL;
        char made_digest[DIGEST_STRING_MAX];
        struct image_record rec = {
                .manifest = li->manifest,
                .manifest_len = li->manifest_len,
                .manifest_digest = li->manifest_digest,
                .manifest_media_type = li->manifest_media_type,
                .config = config,
                .n_layers = n,
                .names = (const char *const *)li->names,
                .n_names = li->n_names,
        };
        int r;

        if (!chains || !commits || !sizes)
                return berr(err, ENOMEM, "load");
        for (size_t i = 0; i < n; i++)
                commits[i] = (struct layer_commit)LAYER_COMMIT_INIT;
        if (layer_chain_ids(config->diff_ids, n, chains) < 0) {
                r = berr(err, ENOMEM, "chain ids");
                goto out;
        }
        r = commit_layers(ld, li, chains, commits, sizes, err);
        if (r < 0)
                goto out;
        if (ev->config)
                ev->config(ev->userdata, config->digest);
        if (!rec.manifest) {
                made = docker_manifest(config, sizes);
                if (!made || digest_buffer(made, strlen(made), made_digest) < 0) {
                        r = berr(err, ENOMEM, "load");
                        goto out;
                }
                rec.manifest = made;
                rec.manifest_len = strlen(made);
                rec.manifest_digest = made_digest;
                rec.manifest_media_type = MEDIA_TYPE_DOCKER_MANIFEST;
        }
        if (ev->writing)
                ev->writing(ev->userdata);
        rec.chains = chains;
        for (size_t i = 0; i < n; i++)
                rec.size += sizes[i];
        r = image_record_write(ld->s, &rec, err);
        if (r < 0)
                goto out;
        if (li->n_names == 0) {
                _cleanup_free_ char *id = NULL;

                if (asprintf(&id, "sha256:%s", digest_hex(config->digest)) < 0)
                        r = berr(err, ENOMEM, "load");
                else
                        r = add_out(ld, id, err);
        }
        for (size_t i = 0; r >= 0 && i < li->n_names; i++)
                r = add_out(ld, li->names[i], err);
out:
        for (size_t i = 0; i < n; i++)
                layer_commit_done(&commits[i]);
        return r;
}

static void
strv_free(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

/* ------------------------------------------------------------ docker-archive */

static int
load_docker_item(struct load *ld, const struct docker_archive_item *item, struct berr **err)
{
        _cleanup_(image_config_freep) struct image_config *config = NULL;
        _cleanup_free_ char *cbuf = NULL;
        _cleanup_free_ const struct archive_member **blobs = NULL;
        _cleanup_free_ const char **digests = NULL, **types = NULL;
        char **names = NULL;
        size_t clen = 0, n_names = 0;
        struct load_image li = {.what = item->config};
        int r;

        r = archive_index_read(ld->idx, ld->fd, item->config, IMAGE_CONFIG_SIZE_MAX, &cbuf, &clen,
                               err);
        if (r < 0)
                return r;
        r = image_config_parse(cbuf, clen, MEDIA_TYPE_DOCKER_CONFIG, &config, err);
        if (r < 0)
                return berr_wrap(err, "%s", item->config);
        if (config->n_diff_ids != item->n_layers)
                return berr(err, 0, "%s: %zu layers in manifest.json, %zu diff ids in the config",
                            item->config, item->n_layers, config->n_diff_ids);
        blobs = calloc(item->n_layers ? item->n_layers : 1, sizeof(*blobs));
        digests = calloc(item->n_layers ? item->n_layers : 1, sizeof(*digests));
        types = calloc(item->n_layers ? item->n_layers : 1, sizeof(*types));
        names = calloc(item->n_repo_tags ? item->n_repo_tags : 1, sizeof(*names));
        if (!blobs || !digests || !types || !names) {
                free(names);
                return berr(err, ENOMEM, "load");
        }
        for (size_t i = 0; i < item->n_repo_tags && r >= 0; i++) {
                r = docker_name(item->repo_tags[i], &names[n_names], err);
                if (r >= 0)
                        n_names++;
        }
        for (size_t i = 0; i < item->n_layers && r >= 0; i++)
                r = archive_index_find(ld->idx, item->layers[i], &blobs[i], err);
        if (r >= 0) {
                li.what = n_names > 0 ? names[0] : item->config;
                li.config = config;
                li.blobs = blobs;
                li.digests = digests; /* the blobs may be compressed: only the diff ids are known */
                li.media_types = types;
                li.names = names;
                li.n_names = n_names;
                r = load_image(ld, &li, err);
        }
        strv_free(names, n_names);
        return r;
}

static int
load_docker(struct load *ld, struct berr **err)
{
        struct docker_archive_item *items = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, n = 0;
        int r;

        r = archive_index_read(ld->idx, ld->fd, "manifest.json", ARCHIVE_JSON_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = docker_archive_manifest_parse(buf, len, &items, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = load_docker_item(ld, &items[i], err);
        docker_archive_items_free(items, n);
        return r;
}

/* ------------------------------------------------------------ oci-archive */

static char *
blob_path(const char *digest)
{
        char *p = NULL;

        if (!digest_valid(digest) || asprintf(&p, "blobs/sha256/%s", digest_hex(digest)) < 0)
                return NULL;
        return p;
}

/* Read the blob digest names, at most max bytes, and check it is that digest. */
static int
read_blob(struct load *ld, const char *digest, uint64_t max, char **ret, size_t *ret_len,
          struct berr **err)
{
        _cleanup_free_ char *path = blob_path(digest), *buf = NULL;
        char got[DIGEST_STRING_MAX];
        size_t len = 0;
        int r;

        if (!path)
                return berr(err, 0, "index.json: '%s' is not a sha256 digest", digest);
        r = archive_index_read(ld->idx, ld->fd, path, max, &buf, &len, err);
        if (r < 0)
                return r;
        if (digest_buffer(buf, len, got) < 0)
                return berr(err, EIO, "sha256");
        if (strcmp(got, digest) != 0)
                return berr(err, 0, "%s: digest mismatch: got %s", path, got);
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}

static int
load_oci_entry(struct load *ld, const struct index_entry *entry, size_t i, struct berr **err)
{
        _cleanup_(manifest_freep) struct manifest *m = NULL, *top = NULL;
        _cleanup_(image_config_freep) struct image_config *config = NULL;
        _cleanup_free_ char *body = NULL, *cbody = NULL, *name = NULL, *idtext = NULL;
        _cleanup_free_ const struct archive_member **blobs = NULL;
        _cleanup_free_ const char **digests = NULL, **types = NULL;
        const char *raw_name = descriptor_annotation(&entry->desc, CONTAINERD_NAME);
        size_t len = 0, clen = 0;
        struct load_image li = {0};
        int r;

        if (!raw_name)
                raw_name = descriptor_annotation(&entry->desc, OCI_REF_NAME);
        if (raw_name && *raw_name) {
                r = oci_name(raw_name, &name, err);
                if (r < 0)
                        return berr_wrap(err, "index.json: manifests[%zu]: the name \"%s\"", i,
                                         raw_name);
        }
        r = read_blob(ld, entry->desc.digest, MANIFEST_SIZE_MAX, &body, &len, err);
        if (r < 0)
                return r;
        r = manifest_parse(body, len, entry->desc.media_type, &top, err);
        if (r < 0)
                return berr_wrap(err, "index.json: manifests[%zu]", i);
        if (top->index) {
                /* an image index in the archive: this machine's platform, as a pull chooses */
                const struct index_entry *chosen = NULL;

                top->index->ref = strdup(name ? name : entry->desc.digest);
                r = manifest_index_choose(top->index, &ld->want, &chosen, err);
                if (r < 0)
                        return r;
                free(body);
                body = NULL;
                r = read_blob(ld, chosen->desc.digest, MANIFEST_SIZE_MAX, &body, &len, err);
                if (r < 0)
                        return r;
                r = manifest_parse(body, len, chosen->desc.media_type, &m, err);
                if (r < 0)
                        return berr_wrap(err, "index.json: manifests[%zu]", i);
                if (!m->image)
                        return berr(err, 0,
                                    "index.json: manifests[%zu]: an index within an index, "
                                    "expected an image manifest",
                                    i);
        } else {
                m = TAKE_PTR(top);
        }
        r = read_blob(ld, m->image->config.digest, IMAGE_CONFIG_SIZE_MAX, &cbody, &clen, err);
        if (r < 0)
                return r;
        r = image_config_parse(cbody, clen, m->image->config.media_type, &config, err);
        if (r < 0)
                return berr_wrap(err, "index.json: manifests[%zu]: config", i);
        r = manifest_check_config(m->image, config, err);
        if (r < 0)
                return berr_wrap(err, "index.json: manifests[%zu]", i);
        blobs = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*blobs));
        digests = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*digests));
        types = calloc(m->image->n_layers ? m->image->n_layers : 1, sizeof(*types));
        if (!blobs || !digests || !types)
                return berr(err, ENOMEM, "load");
        for (size_t k = 0; k < m->image->n_layers; k++) {
                const struct descriptor *d = &m->image->layers[k].desc;
                _cleanup_free_ char *path = blob_path(d->digest);

                if (!path)
                        return berr(err, ENOMEM, "load");
                r = archive_index_find(ld->idx, path, &blobs[k], err);
                if (r < 0)
                        return r;
                digests[k] = d->digest;
                types[k] = d->media_type;
        }
        if (!name && asprintf(&idtext, "sha256:%s", digest_hex(config->digest)) < 0)
                return berr(err, ENOMEM, "load");
        li = (struct load_image){
                .what = name ? name : idtext,
                .manifest = m->raw,
                .manifest_len = m->raw_len,
                .manifest_digest = m->digest,
                .manifest_media_type = manifest_kind_media_type(m->kind),
                .config = config,
                .blobs = blobs,
                .digests = digests,
                .media_types = types,
                .names = name ? &name : NULL,
                .n_names = name ? 1 : 0,
        };
        return load_image(ld, &li, err);
}

static int
load_oci(struct load *ld, struct berr **err)
{
        _cleanup_(manifest_freep) struct manifest *index = NULL;
        _cleanup_(json_decrefp) json_t *layout = NULL;
        _cleanup_free_ char *buf = NULL, *lbuf = NULL;
        size_t len = 0, llen = 0;
        json_error_t je;
        int r;

        r = archive_index_read(ld->idx, ld->fd, "oci-layout", ARCHIVE_JSON_MAX, &lbuf, &llen, err);
        if (r < 0)
                return r;
        layout = json_loadb(lbuf, llen, 0, &je);
        if (!json_is_string(json_object_get(layout, "imageLayoutVersion")))
                return berr(err, 0, "oci-layout: expected {\"imageLayoutVersion\": \"1.0.0\"}");
        r = archive_index_read(ld->idx, ld->fd, "index.json", ARCHIVE_JSON_MAX, &buf, &len, err);
        if (r < 0)
                return r;
        r = manifest_parse(buf, len, MEDIA_TYPE_OCI_INDEX, &index, err);
        if (r < 0)
                return berr_wrap(err, "index.json");
        if (!index->index)
                return berr(err, 0, "index.json: expected an image index");
        if (index->index->n_manifests == 0)
                return berr(err, 0, "index.json: no images");
        for (size_t i = 0; i < index->index->n_manifests; i++) {
                r = load_oci_entry(ld, &index->index->manifests[i], i, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int
storage_load(struct storage *s, int fd, char ***ret_names, size_t *ret_n, struct berr **err)
{
        struct load ld = {.s = s, .fd = -EBADF, .spool_fd = -EBADF, .spool_lock_fd = -EBADF};
        int r;

        r = archive_load(err);
        if (r < 0)
                return r;

        if (s->opts.platform) {
                r = platform_parse(s->opts.platform, &ld.want, err);
                if (r < 0)
                        return r;
        } else {
                platform_host(&ld.want);
        }
        r = open_archive(&ld, fd, err);
        if (r >= 0)
                r = archive_index_build(ld.fd, &ld.idx, err);
        if (r >= 0) {
                /* Docker 25 writes both: its index.json is the fuller account, as podman reads it
                 */
                if (archive_index_has(ld.idx, "index.json") &&
                    archive_index_has(ld.idx, "oci-layout"))
                        r = load_oci(&ld, err);
                else if (archive_index_has(ld.idx, "manifest.json"))
                        r = load_docker(&ld, err);
                else
                        r = berr(err, 0,
                                 "not a docker-archive or an oci-archive: no manifest.json, and "
                                 "no index.json with an oci-layout");
        }
        if (r >= 0) {
                *ret_names = TAKE_PTR(ld.out);
                *ret_n = ld.n_out;
                ld.n_out = 0;
        }
        load_done(&ld);
        return r;
}
