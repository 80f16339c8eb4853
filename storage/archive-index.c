/*
 * storage/archive-index.c: the members of an outer archive, found by
 * walking its headers with pread() (no extraction: layers are read from
 * where they lie), and docker-archive's manifest.json.
 */
#include "archive.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tar-header.h"
#include "util/berr.h"
#include "util/cleanup.h"

/* pax and GNU long-name data larger than this is refused */
#define ARCHIVE_META_MAX (UINT64_C(1) << 20)
/* links followed to reach a file */
#define ARCHIVE_LINKS_MAX 16

/* what pax and GNU headers said about the member to come */
struct pending {
        char *path, *link;
        bool size_set;
        uint64_t size;
};

static void
pending_clear(struct pending *p)
{
        free(p->path);
        free(p->link);
        *p = (struct pending){0};
}

static int
pread_all(int fd, void *buf, size_t len, uint64_t off, struct berr **err)
{
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pread(fd, p, len, (off_t)off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read the archive");
                if (n == 0)
                        return berr(err, 0, "archive: cut short at byte %llu",
                                    (unsigned long long)off);
                p += n;
                len -= (size_t)n;
                off += (uint64_t)n;
        }
        return 0;
}

static int
pax_key(void *userdata, const char *key, size_t key_len, const char *value, size_t value_len)
{
        struct pending *p = userdata;
        char **to = NULL;

        if (key_len == 4 && memcmp(key, "path", 4) == 0)
                to = &p->path;
        else if (key_len == 8 && memcmp(key, "linkpath", 8) == 0)
                to = &p->link;
        else if (key_len == 4 && memcmp(key, "size", 4) == 0) {
                if (!tar_pax_number(value, value_len, &p->size))
                        return -EBADMSG;
                p->size_set = true;
                return 0;
        }
        if (!to)
                return 0;
        free(*to);
        *to = strndup(value, value_len);
        return *to ? 0 : -ENOMEM;
}

static int
cmp_members(const void *a, const void *b)
{
        const struct archive_member *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        /* equal names: the one later in the archive (larger offset) first, and it stays */
        if (c != 0)
                return c;
        return x->offset < y->offset ? 1 : x->offset > y->offset ? -1 : 0;
}

static void
member_clear(struct archive_member *m)
{
        free(m->name);
        free(m->link);
}

struct archive_index *
archive_index_free(struct archive_index *idx)
{
        if (!idx)
                return NULL;
        for (size_t i = 0; i < idx->n; i++)
                member_clear(&idx->members[i]);
        free(idx->members);
        free(idx);
        return NULL;
}

static int
add_member(struct archive_index *idx, size_t *alloc, struct archive_member *m, struct berr **err)
{
        if (idx->n == ARCHIVE_MEMBERS_MAX)
                return berr(err, 0, "archive: more than %u members", ARCHIVE_MEMBERS_MAX);
        if (idx->n == *alloc) {
                size_t n = *alloc ? *alloc * 2 : 64;
                struct archive_member *v = reallocarray(idx->members, n, sizeof(*v));

                if (!v)
                        return berr(err, ENOMEM, "archive index");
                idx->members = v;
                *alloc = n;
        }
        idx->members[idx->n++] = *m;
        *m = (struct archive_member){0};
        return 0;
}

/* Read the data of a pax or GNU long-name header (size bytes at off) into a string. */
static int
read_meta(int fd, uint64_t off, uint64_t size, char **ret, struct berr **err)
{
        _cleanup_free_ char *buf = NULL;
        int r;

        if (size > ARCHIVE_META_MAX)
                return berr(err, 0, "archive: an extended header of %llu bytes",
                            (unsigned long long)size);
        buf = malloc(size + 1);
        if (!buf)
                return berr(err, ENOMEM, "archive index");
        r = pread_all(fd, buf, size, off, err);
        if (r < 0)
                return r;
        buf[size] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

int
archive_index_build(int fd, struct archive_index **ret, struct berr **err)
{
        _cleanup_(archive_index_freep) struct archive_index *idx = calloc(1, sizeof(*idx));
        struct pending pend = {0};
        uint64_t off = 0, file_size;
        size_t alloc = 0, k = 0;
        struct stat st;
        int r = 0;

        if (!idx)
                return berr(err, ENOMEM, "archive index");
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat the archive");
        file_size = (uint64_t)st.st_size;
        for (;;) {
                uint8_t h[TAR_BLOCK];
                struct archive_member m = {0};
                _cleanup_free_ char *raw = NULL, *meta = NULL;
                uint64_t size = 0;
                char type;
                bool enomem = false;

                /* a tar may end without its marker (Go's readers take that too) */
                if (off == file_size)
                        break;
                r = pread_all(fd, h, TAR_BLOCK, off, err);
                if (r < 0)
                        break;
                if (tar_block_is_zero(h))
                        break;
                if (!tar_checksum_ok(h) || !tar_number(h + 124, 12, &size)) {
                        r = berr(err, 0, "archive: damaged header at byte %llu",
                                 (unsigned long long)off);
                        break;
                }
                type = (char)h[156];
                off += TAR_BLOCK;
                if (type != 'x' && type != 'L' && type != 'K' && type != 'g' && pend.size_set)
                        size = pend.size;
                if (size > file_size || off > file_size - size) {
                        r = berr(err, 0, "archive: a member's data passes the end of the file");
                        break;
                }
                if (type == 'x' || type == 'L' || type == 'K') {
                        r = read_meta(fd, off, size, &meta, err);
                        if (r < 0 || !meta)
                                break;
                        if (type == 'x') {
                                r = tar_pax_parse(meta, size, pax_key, &pend);
                                if (r < 0) {
                                        r = r == -ENOMEM
                                                    ? berr(err, ENOMEM, "archive index")
                                                    : berr(err, 0, "archive: damaged pax header");
                                        break;
                                }
                        } else {
                                char **to = type == 'L' ? &pend.path : &pend.link;

                                free(*to);
                                *to = strdup(meta);
                                if (!*to) {
                                        r = berr(err, ENOMEM, "archive index");
                                        break;
                                }
                        }
                        off += size + tar_padding(size);
                        continue;
                }
                off += size + tar_padding(size);
                if (type == 'g')
                        continue;
                raw = pend.path ? strdup(pend.path) : tar_header_name(h);
                if (!raw) {
                        r = berr(err, ENOMEM, "archive index");
                        break;
                }
                m.name = tar_clean_path(raw, &enomem);
                if (!m.name) {
                        r = enomem ? berr(err, ENOMEM, "archive index")
                                   : berr(err, 0, "archive: member '%.200s': '..' is not allowed",
                                          raw);
                        break;
                }
                m.type = type == '\0' || type == '7' ? '0' : type;
                m.offset = off - size - tar_padding(size);
                m.size = size;
                if (m.type == '1' || m.type == '2') {
                        m.link = pend.link ? strdup(pend.link) : tar_header_linkname(h);
                        if (!m.link) {
                                member_clear(&m);
                                r = berr(err, ENOMEM, "archive index");
                                break;
                        }
                }
                pending_clear(&pend);
                /* directories, devices and the like say nothing an image needs */
                if (!*m.name || (m.type != '0' && m.type != '1' && m.type != '2')) {
                        member_clear(&m);
                        continue;
                }
                r = add_member(idx, &alloc, &m, err);
                if (r < 0) {
                        member_clear(&m);
                        break;
                }
        }
        pending_clear(&pend);
        if (r < 0)
                return r;
        /* sorted, then a name once: the last of its members in the archive, as tar extracts */
        if (idx->n > 0)
                qsort(idx->members, idx->n, sizeof(*idx->members), cmp_members);
        for (size_t i = 0; i < idx->n; i++) {
                if (k > 0 && strcmp(idx->members[k - 1].name, idx->members[i].name) == 0) {
                        member_clear(&idx->members[i]);
                        continue;
                }
                idx->members[k++] = idx->members[i];
        }
        idx->n = k;
        *ret = TAKE_PTR(idx);
        return 0;
}

static const struct archive_member *
lookup(const struct archive_index *idx, const char *name)
{
        size_t lo = 0, hi = idx->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(name, idx->members[mid].name);

                if (c == 0)
                        return &idx->members[mid];
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

bool
archive_index_has(const struct archive_index *idx, const char *name)
{
        _cleanup_free_ char *clean = tar_clean_path(name, NULL);

        return clean && lookup(idx, clean);
}

/*
 * path with "." and ".." resolved by name, as a link inside the archive is
 * read: NULL with *ret_escapes when ".." would climb above the top, NULL
 * alone when memory ran out.
 */
static char *
resolve_dots(const char *path, bool *ret_escapes)
{
        _cleanup_free_ char *out = malloc(strlen(path) + 1);
        const char *q = path;
        size_t o = 0;

        *ret_escapes = false;
        if (!out)
                return NULL;
        while (*q) {
                const char *end = strchrnul(q, '/');
                size_t n = (size_t)(end - q);

                if (n == 2 && q[0] == '.' && q[1] == '.') {
                        char *slash;

                        if (o == 0) {
                                *ret_escapes = true;
                                return NULL;
                        }
                        slash = memrchr(out, '/', o);
                        o = slash ? (size_t)(slash - out) : 0;
                } else if (n > 0 && !(n == 1 && q[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, q, n);
                        o += n;
                }
                q = *end ? end + 1 : end;
        }
        out[o] = '\0';
        return TAKE_PTR(out);
}

int
archive_index_find(const struct archive_index *idx, const char *name,
                   const struct archive_member **ret, struct berr **err)
{
        _cleanup_free_ char *cur = NULL;
        bool enomem = false;

        cur = tar_clean_path(name, &enomem);
        if (!cur)
                return enomem ? berr(err, ENOMEM, "archive")
                              : berr(err, 0, "archive: '%.200s': '..' is not allowed", name);
        for (int hops = 0; hops <= ARCHIVE_LINKS_MAX; hops++) {
                const struct archive_member *m = lookup(idx, cur);
                _cleanup_free_ char *joined = NULL;
                bool escapes = false;
                char *next;

                if (!m)
                        return berr(err, ENOENT, "archive: no member '%.200s'", cur);
                if (m->type == '0') {
                        *ret = m;
                        return 0;
                }
                if (m->type == '2') {
                        /* relative to the link's own directory, as the archive's writer meant it */
                        const char *slash = strrchr(m->name, '/');

                        if (asprintf(&joined, "%.*s/%s", slash ? (int)(slash - m->name) : 0,
                                     m->name, m->link) < 0)
                                return berr(err, ENOMEM, "archive");
                } else {
                        joined = strdup(m->link);
                        if (!joined)
                                return berr(err, ENOMEM, "archive");
                }
                /* ".." may step back within the archive, not out of it */
                next = resolve_dots(joined, &escapes);
                if (!next && escapes)
                        return berr(err, 0, "archive: link '%.200s' leaves the archive", m->name);
                if (!next)
                        return berr(err, ENOMEM, "archive");
                free(cur);
                cur = next;
        }
        return berr(err, ELOOP, "archive: '%.200s': too many links", name);
}

int
archive_index_read(const struct archive_index *idx, int fd, const char *name, uint64_t max,
                   char **ret_buf, size_t *ret_len, struct berr **err)
{
        _cleanup_free_ char *buf = NULL;
        const struct archive_member *m = NULL;
        int r = archive_index_find(idx, name, &m, err);

        if (r < 0 || !m)
                return r < 0 ? r : -ENOENT;
        if (m->size > max)
                return berr(err, EFBIG, "archive: '%.200s' is larger than %llu bytes", m->name,
                            (unsigned long long)max);
        buf = malloc(m->size + 1);
        if (!buf)
                return berr(err, ENOMEM, "archive");
        r = pread_all(fd, buf, m->size, m->offset, err);
        if (r < 0)
                return r;
        buf[m->size] = '\0';
        *ret_buf = TAKE_PTR(buf);
        *ret_len = m->size;
        return 0;
}

/* ------------------------------------------------------------ manifest.json */

void
docker_archive_items_free(struct docker_archive_item *items, size_t n)
{
        for (size_t i = 0; items && i < n; i++) {
                free(items[i].config);
                for (size_t k = 0; k < items[i].n_repo_tags; k++)
                        free(items[i].repo_tags[k]);
                free(items[i].repo_tags);
                for (size_t k = 0; k < items[i].n_layers; k++)
                        free(items[i].layers[k]);
                free(items[i].layers);
        }
        free(items);
}

/* A JSON array of strings (null or absent: none, when null_ok) into a malloc'd vector. */
static int
strings(const json_t *a, bool null_ok, const char *what, size_t i, char ***ret, size_t *ret_n,
        struct berr **err)
{
        char **v;
        size_t n, k;
        json_t *e;
        int r;

        if (null_ok && (!a || json_is_null(a))) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (!json_is_array(a))
                return berr(err, 0, "manifest.json: [%zu].%s: expected an array of strings", i,
                            what);
        n = json_array_size(a);
        v = calloc(n ? n : 1, sizeof(*v));
        if (!v)
                return berr(err, ENOMEM, "manifest.json");
        json_array_foreach (a, k, e) {
                if (!json_is_string(e)) {
                        r = berr(err, 0, "manifest.json: [%zu].%s[%zu]: expected a string", i, what,
                                 k);
                        goto fail;
                }
                v[k] = strdup(json_string_value(e));
                if (!v[k]) {
                        r = berr(err, ENOMEM, "manifest.json");
                        goto fail;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
fail:
        for (size_t x = 0; x < n; x++)
                free(v[x]);
        free(v);
        return r;
}

int
docker_archive_manifest_parse(const char *buf, size_t len, struct docker_archive_item **ret,
                              size_t *ret_n, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *j = NULL;
        struct docker_archive_item *items = NULL;
        json_error_t je;
        size_t n, i;
        json_t *e;
        int r;

        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
        if (!j)
                return berr(err, 0, "manifest.json:%d:%d: %s", je.line, je.column, je.text);
        if (!json_is_array(j))
                return berr(err, 0, "manifest.json: expected an array of images");
        n = json_array_size(j);
        if (n == 0)
                return berr(err, 0, "manifest.json: no images");
        items = calloc(n, sizeof(*items));
        if (!items)
                return berr(err, ENOMEM, "manifest.json");
        json_array_foreach (j, i, e) {
                json_t *config = json_object_get(e, "Config");

                if (!json_is_object(e)) {
                        r = berr(err, 0, "manifest.json: [%zu]: expected an object", i);
                        goto fail;
                }
                if (!json_is_string(config) || !*json_string_value(config)) {
                        r = berr(err, 0, "manifest.json: [%zu].Config: expected a string", i);
                        goto fail;
                }
                items[i].config = strdup(json_string_value(config));
                if (!items[i].config) {
                        r = berr(err, ENOMEM, "manifest.json");
                        goto fail;
                }
                r = strings(json_object_get(e, "RepoTags"), true, "RepoTags", i,
                            &items[i].repo_tags, &items[i].n_repo_tags, err);
                if (r < 0)
                        goto fail;
                r = strings(json_object_get(e, "Layers"), false, "Layers", i, &items[i].layers,
                            &items[i].n_layers, err);
                if (r < 0)
                        goto fail;
        }
        *ret = items;
        *ret_n = n;
        return 0;
fail:
        docker_archive_items_free(items, n);
        return r;
}
