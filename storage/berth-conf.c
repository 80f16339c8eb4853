/*
 * storage/berth-conf.c: berth.conf, read with util/toml.c. A file is read
 * into a scratch copy and merged only when all of it is valid, so a broken
 * user file never leaves half its settings behind.
 */
#include "berth-conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/quote.h"
#include "util/toml.h"

/* berth.conf is a few lines; this only stops a runaway read */
#define CONF_SIZE_MAX ((size_t)1 << 20)
/* a key or value longer than this is cut in messages */
#define QUOTE_MAX 200

enum key {
        KEY_SHARED_STORE,
        KEY_SHARED_BASE_LAYERS,
        KEY_SHARED_LAYER_FORMAT,
        _KEY_MAX,
};

static const char *const storage_keys[_KEY_MAX] = {
        [KEY_SHARED_STORE] = "shared_store",
        [KEY_SHARED_BASE_LAYERS] = "shared_base_layers",
        [KEY_SHARED_LAYER_FORMAT] = "shared_layer_format",
};

static const char *const shared_layers_names[_BERTH_SHARED_LAYERS_MAX] = {
        [BERTH_SHARED_LAYERS_UNSET] = "unset",
        [BERTH_SHARED_LAYERS_OFF] = "false",
        [BERTH_SHARED_LAYERS_ON] = "true",
        [BERTH_SHARED_LAYERS_REQUIRED] = "required",
};

static const char *const layer_format_names[_BERTH_LAYER_FORMAT_MAX] = {
        [BERTH_LAYER_FORMAT_UNSET] = "unset",
        [BERTH_LAYER_FORMAT_DIR] = "dir",
        [BERTH_LAYER_FORMAT_EROFS] = "erofs",
};

const char *
berth_shared_layers_to_string(enum berth_shared_layers v)
{
        return v >= 0 && v < _BERTH_SHARED_LAYERS_MAX ? shared_layers_names[v] : NULL;
}

enum berth_shared_layers
berth_shared_layers_from_string(const char *s)
{
        if (!s)
                return _BERTH_SHARED_LAYERS_INVALID;
        if (!*s)
                return BERTH_SHARED_LAYERS_ON;
        for (int i = BERTH_SHARED_LAYERS_OFF; i < _BERTH_SHARED_LAYERS_MAX; i++)
                if (strcmp(s, shared_layers_names[i]) == 0)
                        return (enum berth_shared_layers)i;
        return _BERTH_SHARED_LAYERS_INVALID;
}

const char *
berth_layer_format_to_string(enum berth_layer_format v)
{
        return v >= 0 && v < _BERTH_LAYER_FORMAT_MAX ? layer_format_names[v] : NULL;
}

enum berth_layer_format
berth_layer_format_from_string(const char *s)
{
        for (int i = BERTH_LAYER_FORMAT_DIR; s && i < _BERTH_LAYER_FORMAT_MAX; i++)
                if (strcmp(s, layer_format_names[i]) == 0)
                        return (enum berth_layer_format)i;
        return _BERTH_LAYER_FORMAT_INVALID;
}

void
berth_conf_done(struct berth_conf *conf)
{
        free(conf->shared_store);
        free(conf->shared_store_from);
        free(conf->shared_base_layers_from);
        free(conf->shared_layer_format_from);
        memset(conf, 0, sizeof(*conf));
}

/* ---- one file ---- */

enum table {
        TABLE_ROOT,
        TABLE_STORAGE,
};

struct reader {
        struct toml_src src;
        struct berr **err;
        enum table table;
        bool storage_defined;
        unsigned seen;          /* keys given, a bit per enum key */
        struct berth_conf conf; /* what this file says */
};

static int rd_fail(struct reader *rd, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
rd_fail(struct reader *rd, size_t off, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = toml_failv(rd->err, &rd->src, off, fmt, ap);
        va_end(ap);
        return r;
}

static int
rd_oom(struct reader *rd)
{
        return berr(rd->err, ENOMEM, "%s", rd->src.name);
}

static int
key_index(const char *key)
{
        for (int i = 0; i < _KEY_MAX; i++)
                if (strcmp(storage_keys[i], key) == 0)
                        return i;
        return -1;
}

static int
on_table(void *userdata, char *const *keys, size_t n, bool array, size_t off, struct berr **err)
{
        struct reader *rd = userdata;
        _cleanup_free_ char *joined = NULL, *q = NULL;

        if (n == 1 && strcmp(keys[0], "storage") == 0) {
                if (array)
                        return rd_fail(rd, off, "storage is a table: write it [storage]");
                if (rd->storage_defined)
                        return rd_fail(rd, off, "table [storage] is defined twice");
                rd->storage_defined = true;
                rd->table = TABLE_STORAGE;
                return 0;
        }
        joined = toml_keys_join(keys, n);
        if (!joined)
                return rd_oom(rd);
        q = quote_escape(joined, QUOTE_MAX);
        if (!q)
                return rd_oom(rd);
        return rd_fail(rd, off, "unknown table %s%s%s", array ? "[[" : "[", q, array ? "]]" : "]");
}

/* "FILE:LINE" of offset off, for *_from */
static int
origin(struct reader *rd, size_t off, char **ret)
{
        unsigned line, col;

        toml_locate(&rd->src, off, &line, &col);
        if (asprintf(ret, "%s:%u", rd->src.name, line) < 0) {
                *ret = NULL;
                return rd_oom(rd);
        }
        return 0;
}

static int
want_type(struct reader *rd, const char *key, const struct toml_value *v, enum toml_type type)
{
        if (v->type == type)
                return 0;
        return rd_fail(rd, v->off, "%s: expected %s", key, toml_type_name(type));
}

static int
assign_store(struct reader *rd, const char *key, struct toml_value *v)
{
        _cleanup_free_ char *q = NULL;
        int r;

        r = want_type(rd, key, v, TOML_STRING);
        if (r < 0)
                return r;
        if (*v->str && v->str[0] != '/') {
                q = quote_escape(v->str, QUOTE_MAX);
                if (!q)
                        return rd_oom(rd);
                return rd_fail(rd, v->off, "%s \"%s\": expected an absolute path", key, q);
        }
        /* "" unsets what an earlier file set */
        rd->conf.shared_store = *v->str ? TAKE_PTR(v->str) : NULL;
        return 0;
}

static int
assign_layers(struct reader *rd, const char *key, struct toml_value *v)
{
        if (v->type == TOML_BOOL) {
                rd->conf.shared_base_layers =
                        v->b ? BERTH_SHARED_LAYERS_ON : BERTH_SHARED_LAYERS_OFF;
                return 0;
        }
        if (v->type == TOML_STRING && strcmp(v->str, "required") == 0) {
                rd->conf.shared_base_layers = BERTH_SHARED_LAYERS_REQUIRED;
                return 0;
        }
        return rd_fail(rd, v->off, "%s: expected true, false or \"required\"", key);
}

static int
assign_format(struct reader *rd, const char *key, struct toml_value *v)
{
        _cleanup_free_ char *q = NULL;
        enum berth_layer_format f;
        int r;

        r = want_type(rd, key, v, TOML_STRING);
        if (r < 0)
                return r;
        f = berth_layer_format_from_string(v->str);
        if (f < 0) {
                q = quote_escape(v->str, QUOTE_MAX);
                if (!q)
                        return rd_oom(rd);
                return rd_fail(rd, v->off, "%s \"%s\": expected \"dir\" or \"erofs\"", key, q);
        }
        rd->conf.shared_layer_format = f;
        return 0;
}

static int
on_keyval(void *userdata, const char *key, size_t key_off, struct toml_value *v, struct berr **err)
{
        struct reader *rd = userdata;
        _cleanup_free_ char *q = NULL;
        char **from;
        int k = key_index(key), r;

        if (k < 0 || rd->table == TABLE_ROOT) {
                q = quote_escape(key, QUOTE_MAX);
                if (!q)
                        return rd_oom(rd);
        }
        if (k < 0)
                return rd_fail(rd, key_off, "unknown key \"%s\" in %s", q,
                               rd->table == TABLE_ROOT ? "the top level" : "[storage]");
        if (rd->table == TABLE_ROOT)
                return rd_fail(rd, key_off, "%s: expected in the [storage] table", q);
        if (rd->seen & (1u << k))
                return rd_fail(rd, key_off, "duplicate key \"%s\"", key);
        rd->seen |= 1u << k;

        switch (k) {
        case KEY_SHARED_STORE:
                r = assign_store(rd, key, v);
                from = &rd->conf.shared_store_from;
                break;
        case KEY_SHARED_BASE_LAYERS:
                r = assign_layers(rd, key, v);
                from = &rd->conf.shared_base_layers_from;
                break;
        default:
                r = assign_format(rd, key, v);
                from = &rd->conf.shared_layer_format_from;
                break;
        }
        if (r < 0)
                return r;
        return origin(rd, key_off, from);
}

/* Move what the file set into conf; nothing can fail here. */
static void
merge(struct berth_conf *conf, struct reader *rd)
{
        struct berth_conf *f = &rd->conf;

        if (rd->seen & (1u << KEY_SHARED_STORE)) {
                free(conf->shared_store);
                free(conf->shared_store_from);
                conf->shared_store = TAKE_PTR(f->shared_store);
                conf->shared_store_from = TAKE_PTR(f->shared_store_from);
        }
        if (rd->seen & (1u << KEY_SHARED_BASE_LAYERS)) {
                free(conf->shared_base_layers_from);
                conf->shared_base_layers = f->shared_base_layers;
                conf->shared_base_layers_from = TAKE_PTR(f->shared_base_layers_from);
        }
        if (rd->seen & (1u << KEY_SHARED_LAYER_FORMAT)) {
                free(conf->shared_layer_format_from);
                conf->shared_layer_format = f->shared_layer_format;
                conf->shared_layer_format_from = TAKE_PTR(f->shared_layer_format_from);
        }
}

int
berth_conf_parse(struct berth_conf *conf, const char *buf, size_t len, const char *name,
                 struct berr **err)
{
        static const struct toml_handler handler = {.table = on_table, .keyval = on_keyval};
        struct reader rd = {
                .src = {.buf = buf, .len = len, .name = name},
                .err = err,
        };
        int r;

        r = toml_parse(&rd.src, &handler, &rd, err);
        if (r == 0)
                merge(conf, &rd);
        berth_conf_done(&rd.conf);
        return r;
}

/* ---- the files ---- */

/* The whole of path; -ENOENT as it is (a missing file is no error), the rest as berr. */
static int
slurp(const char *path, char **ret, size_t *ret_len, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : berr(err, errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s", path);
        if (S_ISDIR(st.st_mode))
                return berr(err, EISDIR, "read %s", path);
        r = fs_read_all(fd, CONF_SIZE_MAX, ret, ret_len);
        return r < 0 ? berr(err, -r, "read %s", path) : 0;
}

static int
load_file(struct berth_conf *conf, const char *path, struct berr **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = slurp(path, &buf, &len, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        return berth_conf_parse(conf, buf, len, path, err);
}

int
berth_conf_user_path(char **ret)
{
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        int r = 0;

        *ret = NULL;
        /* the XDG base directory spec: a relative path is to be ignored */
        if (xdg && xdg[0] == '/')
                r = asprintf(ret, "%s/berth/berth.conf", xdg);
        else if (home && home[0] == '/')
                r = asprintf(ret, "%s/.config/berth/berth.conf", home);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int
berth_conf_load(struct berth_conf *conf, const char *system_path, const char *user_path,
                struct berr **err)
{
        _cleanup_free_ char *user_default = NULL;
        int r;

        if (!system_path)
                system_path = BERTH_CONF_SYSTEM_PATH;
        if (!user_path) {
                if (berth_conf_user_path(&user_default) < 0)
                        return berr(err, ENOMEM, "berth.conf");
                user_path = user_default ? user_default : "";
        }
        r = *system_path ? load_file(conf, system_path, err) : 0;
        if (r == 0 && *user_path)
                r = load_file(conf, user_path, err);
        if (r < 0)
                berth_conf_done(conf);
        return r;
}

/* ---- the environment and flags ---- */

int
berth_conf_set(struct berth_conf *conf, const char *key, const char *value, const char *from,
               struct berr **err)
{
        _cleanup_free_ char *q = quote_escape(value, QUOTE_MAX), *f = strdup(from);
        int k = key_index(key);

        if (!q || !f)
                return berr(err, ENOMEM, "%s", from);
        switch (k) {
        case KEY_SHARED_STORE:
                if (*value && value[0] != '/')
                        return berr(err, 0, "%s: \"%s\": expected an absolute path", from, q);
                if (*value) {
                        char *v = strdup(value);

                        if (!v)
                                return berr(err, ENOMEM, "%s", from);
                        free(conf->shared_store);
                        conf->shared_store = v;
                } else {
                        free(conf->shared_store);
                        conf->shared_store = NULL;
                }
                free(conf->shared_store_from);
                conf->shared_store_from = TAKE_PTR(f);
                return 0;
        case KEY_SHARED_BASE_LAYERS: {
                enum berth_shared_layers v = berth_shared_layers_from_string(value);

                if (v < 0)
                        return berr(err, 0, "%s: \"%s\": expected true, false or required", from,
                                    q);
                conf->shared_base_layers = v;
                free(conf->shared_base_layers_from);
                conf->shared_base_layers_from = TAKE_PTR(f);
                return 0;
        }
        case KEY_SHARED_LAYER_FORMAT: {
                enum berth_layer_format v = berth_layer_format_from_string(value);

                if (v < 0)
                        return berr(err, 0, "%s: \"%s\": expected dir or erofs", from, q);
                conf->shared_layer_format = v;
                free(conf->shared_layer_format_from);
                conf->shared_layer_format_from = TAKE_PTR(f);
                return 0;
        }
        default:
                return berr(err, EINVAL, "%s: unknown setting %s", from, key);
        }
}

int
berth_conf_apply_env(struct berth_conf *conf, struct berr **err)
{
        const char *v = getenv("BERTH_SHARED_STORE");

        if (!v || !*v)
                return 0;
        return berth_conf_set(conf, "shared_store", v, "BERTH_SHARED_STORE", err);
}
