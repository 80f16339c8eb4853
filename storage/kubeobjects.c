/*
 * storage/kubeobjects.c: ConfigMaps and Secrets kept between plays, one
 * JSON file each under ROOT/kube/<namespace>/<configmaps|secrets>/.
 */
#include "kubeobjects.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util/base64.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* DNS-1123: a label is at most 63 bytes, a subdomain 253 */
#define NAMESPACE_MAX 63
#define NAME_MAX_LEN 253

static const struct {
        const char *kind;   /* as in the object */
        const char *plural; /* the directory, as the API's resource */
        const char *word;   /* in messages */
        mode_t mode;
} kinds[] = {
        [KUBEOBJ_CONFIGMAP] = {"ConfigMap", "configmaps", "configmap", 0644},
        /* a Secret's values are for its pods only */
        [KUBEOBJ_SECRET] = {"Secret", "secrets", "secret", 0600},
};

static bool
alnum_lower(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * A DNS-1123 label (dots false) or subdomain (dots true), as Kubernetes
 * requires of namespaces and of these objects' names. Checked here too, as
 * the names become file names: no '/', no leading '.', never "." or "..".
 */
static bool
dns_name(const char *s, bool dots, size_t max)
{
        size_t n = strlen(s);

        if (n == 0 || n > max || !alnum_lower(s[0]) || !alnum_lower(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!alnum_lower(s[i]) && s[i] != '-' && !(dots && s[i] == '.'))
                        return false;
        return true;
}

static int
check_names(enum kubeobj_kind kind, const char *namespace_, const char *name, struct berr **err)
{
        if ((unsigned)kind >= _KUBEOBJ_KIND_MAX)
                return berr(err, EINVAL, "not a kind of object berth keeps");
        if (namespace_ && !dns_name(namespace_, false, NAMESPACE_MAX))
                return berr(err, 0,
                            "%s namespace \"%s\": not valid, expected a DNS-1123 label (lower "
                            "case letters, digits and '-', at most 63)",
                            kinds[kind].word, namespace_);
        if (name && !dns_name(name, true, NAME_MAX_LEN))
                return berr(err, 0,
                            "%s name \"%s\": not valid, expected a DNS-1123 subdomain (lower "
                            "case letters, digits, '-' and '.', at most 253)",
                            kinds[kind].word, name);
        return 0;
}

/* dirfd/name, a directory, opened (made 0700 first when create). */
static int
open_dir(int dirfd, const char *name, bool create)
{
        int fd;

        if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? -errno : fd;
}

/* ROOT/kube/<namespace>/<plural>; -ENOENT when missing and not create. */
static int
kind_dir(struct storage *s, enum kubeobj_kind kind, const char *namespace_, bool create,
         int *ret_fd, struct berr **err)
{
        _cleanup_close_ int kfd = -EBADF, nfd = -EBADF;
        int fd;

        fd = kfd = open_dir(s->root_fd, "kube", create);
        if (fd >= 0)
                fd = nfd = open_dir(kfd, namespace_, create);
        if (fd >= 0)
                fd = open_dir(nfd, kinds[kind].plural, create);
        if (fd == -ENOENT && !create)
                return -ENOENT;
        if (fd < 0)
                return berr(err, -fd, "open %s/kube/%s/%s", s->root, namespace_,
                            kinds[kind].plural);
        *ret_fd = fd;
        return 0;
}

/* Write text to dirfd/name with mode, atomically and durably. */
static int
write_atomic(int dirfd, const char *name, const char *text, mode_t mode, struct berr **err)
{
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);
        const char *p = text;

        if (asprintf(&tmp, ".%s.tmp.%d", name, (int)getpid()) < 0)
                return berr(err, ENOMEM, "%s", name);
        (void)unlinkat(dirfd, tmp, 0);
        /* created with its final mode, so a secret is never readable by others */
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return berr(err, errno, "create %s", tmp);
        if (fchmod(fd, mode) < 0)
                goto fail;
        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        goto fail;
                p += n;
                len -= (size_t)n;
        }
        if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
                goto fail;
        if (fsync(dirfd) < 0 && errno != EINVAL)
                return berr(err, errno, "fsync the directory of %s", name);
        return 0;
fail : {
        int e = errno;

        (void)unlinkat(dirfd, tmp, 0);
        return berr(err, e, "write %s", name);
}
}

static json_t *
kv_object(const struct kube_kv *kv, size_t n)
{
        json_t *o = json_object();

        for (size_t i = 0; o && i < n; i++)
                if (json_object_set_new(o, kv[i].key, json_string(kv[i].value ? kv[i].value : "")) <
                    0) {
                        json_decref(o);
                        return NULL;
                }
        return o;
}

static json_t *
bytes_object(const struct kube_bytes *b, size_t n)
{
        json_t *o = json_object();

        for (size_t i = 0; o && i < n; i++) {
                _cleanup_free_ char *enc =
                        base64_encode(b[i].data ? b[i].data : (void *)"", b[i].len);

                if (!enc || json_object_set_new(o, b[i].key, json_string(enc)) < 0) {
                        json_decref(o);
                        return NULL;
                }
        }
        return o;
}

/* Set key to v (stolen) in o; false when out of memory. */
static bool
set_new(json_t *o, const char *key, json_t *v)
{
        return o && v && json_object_set_new(o, key, v) == 0;
}

static json_t *
object_new(enum kubeobj_kind kind, const struct kube_meta *m, const char *namespace_)
{
        json_t *o = json_pack("{s:s, s:s}", "apiVersion", "v1", "kind", kinds[kind].kind);
        json_t *meta = json_pack("{s:s, s:s}", "name", m->name, "namespace", namespace_);

        if (!o || !meta) {
                json_decref(o);
                json_decref(meta);
                return NULL;
        }
        if ((m->n_labels && !set_new(meta, "labels", kv_object(m->labels, m->n_labels))) ||
            (m->n_annotations &&
             !set_new(meta, "annotations", kv_object(m->annotations, m->n_annotations))) ||
            !set_new(o, "metadata", meta)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static int
save(struct storage *s, enum kubeobj_kind kind, const struct kube_meta *m, json_t *obj,
     struct berr **err)
{
        _cleanup_free_ char *text = NULL, *file = NULL;
        _cleanup_close_ int dfd = -EBADF;
        const char *ns = m->namespace_ && m->namespace_[0] ? m->namespace_ : "default";
        int r;

        if (!obj)
                return berr(err, ENOMEM, "%s %s", kinds[kind].word, m->name ? m->name : "");
        if (!m->name)
                return berr(err, EINVAL, "%s without a name", kinds[kind].word);
        r = check_names(kind, ns, m->name, err);
        if (r < 0)
                return r;
        text = json_dumps(obj, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!text || asprintf(&file, "%s.json", m->name) < 0)
                return berr(err, ENOMEM, "%s %s", kinds[kind].word, m->name);
        r = store_lock(s, err);
        if (r < 0)
                return r;
        r = kind_dir(s, kind, ns, true, &dfd, err);
        if (r >= 0)
                r = write_atomic(dfd, file, text, kinds[kind].mode, err);
        store_unlock(s);
        return r;
}

int
kubeobj_save_configmap(struct storage *s, const struct kube_configmap *cm, struct berr **err)
{
        const char *ns =
                cm->meta.namespace_ && cm->meta.namespace_[0] ? cm->meta.namespace_ : "default";
        _cleanup_(json_decrefp) json_t *o = NULL;

        if (!cm->meta.name)
                return berr(err, EINVAL, "configmap without a name");
        o = object_new(KUBEOBJ_CONFIGMAP, &cm->meta, ns);
        if (o && cm->n_data && !set_new(o, "data", kv_object(cm->data, cm->n_data)))
                o = (json_decref(o), NULL);
        if (o && cm->n_binary_data &&
            !set_new(o, "binaryData", bytes_object(cm->binary_data, cm->n_binary_data)))
                o = (json_decref(o), NULL);
        if (o && cm->immutable && !set_new(o, "immutable", json_true()))
                o = (json_decref(o), NULL);
        return save(s, KUBEOBJ_CONFIGMAP, &cm->meta, o, err);
}

int
kubeobj_save_secret(struct storage *s, const struct kube_secret *sec, struct berr **err)
{
        const char *ns =
                sec->meta.namespace_ && sec->meta.namespace_[0] ? sec->meta.namespace_ : "default";
        _cleanup_(json_decrefp) json_t *o = NULL;

        if (!sec->meta.name)
                return berr(err, EINVAL, "secret without a name");
        o = object_new(KUBEOBJ_SECRET, &sec->meta, ns);
        if (o && !set_new(o, "type", json_string(sec->type && sec->type[0] ? sec->type : "Opaque")))
                o = (json_decref(o), NULL);
        if (o && sec->n_data && !set_new(o, "data", bytes_object(sec->data, sec->n_data)))
                o = (json_decref(o), NULL);
        if (o && sec->immutable && !set_new(o, "immutable", json_true()))
                o = (json_decref(o), NULL);
        return save(s, KUBEOBJ_SECRET, &sec->meta, o, err);
}

static void
bytes_free(struct kube_bytes *b, size_t n)
{
        for (size_t i = 0; b && i < n; i++)
                free((void *)b[i].data);
        free(b);
}

struct kubeobj *
kubeobj_free(struct kubeobj *o)
{
        struct kube_meta *m;

        if (!o)
                return NULL;
        m = o->kind == KUBEOBJ_SECRET ? &o->secret.meta : &o->configmap.meta;
        free(m->labels);
        free(m->annotations);
        if (o->kind == KUBEOBJ_SECRET) {
                bytes_free(o->secret.data, o->secret.n_data);
        } else {
                free(o->configmap.data);
                bytes_free(o->configmap.binary_data, o->configmap.n_binary_data);
        }
        json_decref(o->doc);
        free(o);
        return NULL;
}

/* What load() works with: the file's name for messages, and the error. */
struct reader {
        const char *file;
        struct berr **err;
};

/* An object of strings at key as kube_kv pairs borrowing from the document; absent: none. */
static int
read_kv(const struct reader *rd, const json_t *parent, const char *path, const char *key,
        struct kube_kv **ret, size_t *ret_n)
{
        const json_t *o = json_object_get(parent, key);
        struct kube_kv *kv;
        const char *k;
        json_t *v;
        size_t n = 0;

        if (!o || json_is_null(o))
                return 0;
        if (!json_is_object(o))
                return berr(rd->err, 0, "%s: %s%s: expected an object", rd->file, path, key);
        kv = calloc(json_object_size(o) + 1, sizeof(*kv));
        if (!kv)
                return berr(rd->err, ENOMEM, "%s", rd->file);
        json_object_foreach ((json_t *)o, k, v) {
                if (!json_is_string(v)) {
                        free(kv);
                        return berr(rd->err, 0, "%s: %s%s.%s: expected a string", rd->file, path,
                                    key, k);
                }
                kv[n].key = k;
                kv[n++].value = json_string_value(v);
        }
        *ret = kv;
        *ret_n = n;
        return 0;
}

/* An object of base64 strings at key, decoded. */
static int
read_bytes(const struct reader *rd, const json_t *parent, const char *key, struct kube_bytes **ret,
           size_t *ret_n)
{
        const json_t *o = json_object_get(parent, key);
        struct kube_bytes *b;
        const char *k;
        json_t *v;
        size_t n = 0;

        if (!o || json_is_null(o))
                return 0;
        if (!json_is_object(o))
                return berr(rd->err, 0, "%s: %s: expected an object", rd->file, key);
        b = calloc(json_object_size(o) + 1, sizeof(*b));
        if (!b)
                return berr(rd->err, ENOMEM, "%s", rd->file);
        json_object_foreach ((json_t *)o, k, v) {
                unsigned char *data = NULL;
                size_t len = 0;
                const char *text = json_string_value(v);

                if (!text || base64_decode(text, json_string_length(v), &data, &len) < 0) {
                        bytes_free(b, n);
                        return berr(rd->err, 0, "%s: %s.%s: expected a base64 string", rd->file,
                                    key, k);
                }
                b[n].key = k;
                b[n].data = data;
                b[n++].len = len;
        }
        *ret = b;
        *ret_n = n;
        return 0;
}

static int
read_object(const struct reader *rd, enum kubeobj_kind kind, const char *namespace_,
            const char *name, struct kubeobj *o)
{
        const json_t *doc = o->doc, *meta = json_object_get(doc, "metadata");
        struct kube_meta *m = kind == KUBEOBJ_SECRET ? &o->secret.meta : &o->configmap.meta;
        const char *k = json_string_value(json_object_get(doc, "kind"));
        const char *mname = json_string_value(json_object_get(meta, "name"));
        const json_t *imm = json_object_get(doc, "immutable");
        int r;

        if (!json_is_object(doc) || !k || strcmp(k, kinds[kind].kind) != 0)
                return berr(rd->err, 0, "%s: kind: expected %s", rd->file, kinds[kind].kind);
        if (!json_is_object(meta) || !mname || strcmp(mname, name) != 0)
                return berr(rd->err, 0, "%s: metadata.name: expected \"%s\"", rd->file, name);
        if (imm && !json_is_boolean(imm))
                return berr(rd->err, 0, "%s: immutable: expected a boolean", rd->file);
        m->name = mname;
        m->namespace_ = namespace_;
        /* the namespace from the path, which is what it is kept under; the document's agrees */
        if (json_is_string(json_object_get(meta, "namespace")))
                m->namespace_ = json_string_value(json_object_get(meta, "namespace"));
        r = read_kv(rd, meta, "metadata.", "labels", &m->labels, &m->n_labels);
        if (r >= 0)
                r = read_kv(rd, meta, "metadata.", "annotations", &m->annotations,
                            &m->n_annotations);
        if (r < 0)
                return r;
        if (kind == KUBEOBJ_CONFIGMAP) {
                o->configmap.immutable = json_is_true(imm);
                r = read_kv(rd, doc, "", "data", &o->configmap.data, &o->configmap.n_data);
                if (r >= 0)
                        r = read_bytes(rd, doc, "binaryData", &o->configmap.binary_data,
                                       &o->configmap.n_binary_data);
                return r;
        }
        o->secret.immutable = json_is_true(imm);
        o->secret.type = json_string_value(json_object_get(doc, "type"));
        if (!o->secret.type)
                o->secret.type = "Opaque";
        return read_bytes(rd, doc, "data", &o->secret.data, &o->secret.n_data);
}

int
kubeobj_load(struct storage *s, enum kubeobj_kind kind, const char *namespace_, const char *name,
             struct kubeobj **ret, struct berr **err)
{
        _cleanup_(kubeobj_freep) struct kubeobj *o = NULL;
        _cleanup_free_ char *file = NULL, *path = NULL;
        _cleanup_close_ int dfd = -EBADF;
        struct reader rd = {.err = err};
        int r;

        r = check_names(kind, namespace_, name, err);
        if (r < 0)
                return r;
        if (!namespace_ || !name)
                return berr(err, EINVAL, "%s: expected a namespace and a name", kinds[kind].word);
        r = kind_dir(s, kind, namespace_, false, &dfd, err);
        if (r < 0)
                return r;
        if (asprintf(&file, "%s.json", name) < 0 ||
            asprintf(&path, "%s/kube/%s/%s/%s", s->root, namespace_, kinds[kind].plural, file) < 0)
                return berr(err, ENOMEM, "%s %s", kinds[kind].word, name);
        o = calloc(1, sizeof(*o));
        if (!o)
                return berr(err, ENOMEM, "%s %s", kinds[kind].word, name);
        o->kind = kind;
        r = store_read_json(dfd, file, &o->doc, err);
        if (r == -ENOENT)
                return -ENOENT;
        if (r < 0)
                return r;
        rd.file = path;
        r = read_object(&rd, kind, namespace_, name, o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int
kubeobj_remove(struct storage *s, enum kubeobj_kind kind, const char *namespace_, const char *name,
               struct berr **err)
{
        _cleanup_free_ char *file = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        r = check_names(kind, namespace_, name, err);
        if (r < 0)
                return r;
        if (!namespace_ || !name)
                return berr(err, EINVAL, "%s: expected a namespace and a name", kinds[kind].word);
        r = kind_dir(s, kind, namespace_, false, &dfd, err);
        if (r < 0)
                return r;
        if (asprintf(&file, "%s.json", name) < 0)
                return berr(err, ENOMEM, "%s %s", kinds[kind].word, name);
        r = store_lock(s, err);
        if (r < 0)
                return r;
        if (unlinkat(dfd, file, 0) < 0)
                r = errno == ENOENT ? -ENOENT
                                    : berr(err, errno, "remove %s/kube/%s/%s/%s", s->root,
                                           namespace_, kinds[kind].plural, file);
        store_unlock(s);
        return r;
}

/* Append the names of the objects in dirfd (files NAME.json) to *v, prefixed with prefix. */
static int
list_dir(int dirfd, const char *prefix, char ***v, size_t *n, size_t *cap)
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        (void)TAKE_FD(fd);
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                char *name = NULL;

                if (len <= 5 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
                        continue;
                if (*n + 2 > *cap) {
                        size_t c = *cap ? *cap * 2 : 16;
                        char **nv = realloc(*v, c * sizeof(*nv));

                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        *v = nv;
                        *cap = c;
                }
                if (asprintf(&name, "%s%.*s", prefix, (int)(len - 5), de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                (*v)[(*n)++] = name;
                (*v)[*n] = NULL;
        }
        closedir(d);
        return r;
}

static int
cmp_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int
kubeobj_list(struct storage *s, enum kubeobj_kind kind, const char *namespace_, char ***ret,
             size_t *ret_n, struct berr **err)
{
        _cleanup_(strv_freep) char **v = NULL;
        size_t n = 0, cap = 0;
        int r;

        r = check_names(kind, namespace_, NULL, err);
        if (r < 0)
                return r;
        if (namespace_) {
                _cleanup_close_ int dfd = -EBADF;

                r = kind_dir(s, kind, namespace_, false, &dfd, err);
                if (r < 0 && r != -ENOENT)
                        return r;
                if (r >= 0) {
                        r = list_dir(dfd, "", &v, &n, &cap);
                        if (r < 0)
                                return berr(err, -r, "list %s/kube/%s/%s", s->root, namespace_,
                                            kinds[kind].plural);
                }
        } else {
                _cleanup_close_ int kfd = open_dir(s->root_fd, "kube", false);
                struct dirent *de;
                DIR *d;

                if (kfd < 0 && kfd != -ENOENT)
                        return berr(err, -kfd, "open %s/kube", s->root);
                d = kfd >= 0 ? fdopendir(kfd) : NULL;
                if (kfd >= 0 && !d)
                        return berr(err, errno, "read %s/kube", s->root);
                if (d)
                        (void)TAKE_FD(kfd);
                while (d && (de = readdir(d))) {
                        _cleanup_close_ int dfd = -EBADF;
                        _cleanup_free_ char *prefix = NULL;

                        if (!dns_name(de->d_name, false, NAMESPACE_MAX))
                                continue;
                        r = kind_dir(s, kind, de->d_name, false, &dfd, NULL);
                        if (r < 0)
                                continue;
                        if (asprintf(&prefix, "%s/", de->d_name) < 0) {
                                closedir(d);
                                return berr(err, ENOMEM, "list");
                        }
                        r = list_dir(dfd, prefix, &v, &n, &cap);
                        if (r < 0) {
                                closedir(d);
                                return berr(err, -r, "list %s/kube/%s/%s", s->root, de->d_name,
                                            kinds[kind].plural);
                        }
                }
                if (d)
                        closedir(d);
        }
        if (!v) {
                v = calloc(1, sizeof(*v));
                if (!v)
                        return berr(err, ENOMEM, "list");
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), cmp_strings);
        if (ret_n)
                *ret_n = n;
        *ret = TAKE_PTR(v);
        return 0;
}
