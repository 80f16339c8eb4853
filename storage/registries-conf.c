/*
 * storage/registries-conf.c: containers-registries.conf(5), read by
 * util/toml.c's strict reader of the TOML subset these files use. What the
 * syntax does not refuse and this file does (duplicate keys, a table defined
 * twice, unknown keys and tables, wrong types) is an error naming
 * file:line:col too.
 *
 * What the settings mean, how files merge and how prefixes match follow
 * containers/image's pkg/sysregistriesv2, so berth and podman read one file
 * the same way.
 */
#include "registries-conf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reference.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/quote.h"
#include "util/toml.h"

/* registries.conf files are a few KiB; this only stops a runaway read */
#define CONF_SIZE_MAX ((size_t)4 << 20)
/* a key or name longer than this is cut in messages */
#define QUOTE_MAX 200

static void
strv_free(char **v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

static void
mirror_done(struct registry_mirror *m)
{
        free(m->location);
        free(m->pull_from_mirror);
}

static void
entry_done(struct registry_entry *e)
{
        free(e->prefix);
        free(e->location);
        for (size_t i = 0; i < e->n_mirrors; i++)
                mirror_done(&e->mirrors[i]);
        free(e->mirrors);
        memset(e, 0, sizeof(*e));
}

static void
alias_done(struct registry_alias *a)
{
        free(a->name);
        free(a->value);
}

void
registries_conf_clear(struct registries_conf *conf)
{
        strv_free(conf->search, conf->n_search);
        for (size_t i = 0; i < conf->n_registries; i++)
                entry_done(&conf->registries[i]);
        free(conf->registries);
        free(conf->short_name_mode);
        for (size_t i = 0; i < conf->n_aliases; i++)
                alias_done(&conf->aliases[i]);
        free(conf->aliases);
        memset(conf, 0, sizeof(*conf));
}

static char *
quoted(const char *s)
{
        return quote_escape(s, QUOTE_MAX);
}

enum table {
        TABLE_ROOT,
        TABLE_ALIASES,
        TABLE_REGISTRIES, /* v1: [registries] itself, which holds only tables */
        TABLE_V1_SEARCH,
        TABLE_V1_INSECURE,
        TABLE_V1_BLOCK,
        TABLE_REGISTRY,
        TABLE_MIRROR,
        _TABLE_MAX,
};

static const char *const table_names[_TABLE_MAX] = {
        [TABLE_ROOT] = "the top level",
        [TABLE_ALIASES] = "[aliases]",
        [TABLE_REGISTRIES] = "[registries]",
        [TABLE_V1_SEARCH] = "[registries.search]",
        [TABLE_V1_INSECURE] = "[registries.insecure]",
        [TABLE_V1_BLOCK] = "[registries.block]",
        [TABLE_REGISTRY] = "[[registry]]",
        [TABLE_MIRROR] = "[[registry.mirror]]",
};

/* The keys each table knows, by index (a bit in reader.seen); NULL-terminated. */
enum {
        ROOT_SEARCH,
        ROOT_SHORT_NAME_MODE,
        ROOT_CREDENTIAL_HELPERS,
        ROOT_LAYER_STORE_AUTH_HELPER,
};
static const char *const root_keys[] = {"unqualified-search-registries", "short-name-mode",
                                        "credential-helpers", "additional-layer-store-auth-helper",
                                        NULL};
enum {
        REG_PREFIX,
        REG_LOCATION,
        REG_INSECURE,
        REG_BLOCKED,
        REG_MIRROR_BY_DIGEST_ONLY,
        REG_PULL_FROM_MIRROR,
};
static const char *const registry_keys[] = {
        "prefix",           "location", "insecure", "blocked", "mirror-by-digest-only",
        "pull-from-mirror", NULL};
enum {
        MIRROR_LOCATION,
        MIRROR_INSECURE,
        MIRROR_PULL_FROM_MIRROR,
};
static const char *const mirror_keys[] = {"location", "insecure", "pull-from-mirror", NULL};
static const char *const v1_keys[] = {"registries", NULL};
static const char *const no_keys[] = {NULL};

/* a v1 [registries.NAME] list: search, insecure, block */
struct v1_list {
        bool set;
        size_t off; /* of its key */
        struct toml_item *items;
        size_t n;
};

/* One file being read, and what it says before it is merged. */
struct reader {
        struct toml_src src;
        bool force_v2; /* a drop-in: the v1 format is refused */
        struct berr **err;

        enum table table;
        size_t table_off; /* its header */
        unsigned seen;    /* keys given in the current table */
        unsigned defined; /* single [tables] defined so far, a bit per enum table */

        struct registries_conf c;
        bool search_set; /* even [] replaces the search list of earlier files */
        size_t *reg_off; /* each registry's header (or v1 item), parallel to c.registries */
        struct v1_list v1[3];
        size_t v1_off, v2_off; /* first v1 list, first v2 setting; SIZE_MAX: none */
};

static void
reader_done(struct reader *rd)
{
        registries_conf_clear(&rd->c);
        free(rd->reg_off);
        for (size_t i = 0; i < ELEMENTSOF(rd->v1); i++) {
                for (size_t j = 0; j < rd->v1[i].n; j++)
                        free(rd->v1[i].items[j].s);
                free(rd->v1[i].items);
        }
}

static int rd_fail(struct reader *rd, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* berr() at "name:line:col: " of offset off */
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

static bool
streq_ptr(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

/* ---- what the keys mean ---- */

static int
key_index(const char *const *keys, const char *key)
{
        for (int i = 0; keys[i]; i++)
                if (strcmp(keys[i], key) == 0)
                        return i;
        return -1;
}

static const char *const *
table_keys(enum table t)
{
        switch (t) {
        case TABLE_ROOT:
                return root_keys;
        case TABLE_REGISTRY:
                return registry_keys;
        case TABLE_MIRROR:
                return mirror_keys;
        case TABLE_V1_SEARCH:
        case TABLE_V1_INSECURE:
        case TABLE_V1_BLOCK:
                return v1_keys;
        default:
                return no_keys;
        }
}

static int
want_type(struct reader *rd, const char *key, const struct toml_value *v, enum toml_type type)
{
        if (v->type == type)
                return 0;
        return rd_fail(rd, v->off, "%s: expected %s", key, toml_type_name(type));
}

/*
 * containers/image's parseLocation: trailing '/' dropped, URL schemes
 * refused; berth also checks the host part, which a pull would trip on later.
 * "" stays "" (unset).
 */
static int
check_location(struct reader *rd, const char *key, char *s, size_t off)
{
        _cleanup_free_ char *q = NULL;
        size_t n = strlen(s);
        const char *slash;
        bool scheme;

        while (n > 0 && s[n - 1] == '/')
                s[--n] = '\0';
        if (n == 0)
                return 0;
        scheme = strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
        slash = strchr(s, '/');
        if (!scheme && image_ref_registry_valid(s, slash ? (size_t)(slash - s) : n))
                return 0;
        q = quoted(s);
        if (!q)
                return rd_oom(rd);
        if (scheme)
                return rd_fail(rd, off, "%s \"%s\": URL schemes are not supported", key, q);
        return rd_fail(rd, off, "%s \"%s\": not a registry host[:port][/path]", key, q);
}

/* "*.example.com": a DNS name after "*.", no port, path, tag or digest */
static int
check_wildcard(struct reader *rd, const char *s, size_t off)
{
        _cleanup_free_ char *q = NULL;

        if (!image_ref_registry_valid(s + 2, strlen(s + 2)) || strpbrk(s, "/@:[")) {
                q = quoted(s);
                if (!q)
                        return rd_oom(rd);
                return rd_fail(rd, off,
                               "prefix \"%s\": a wildcard prefix must look like *.example.com", q);
        }
        return 0;
}

static bool
is_wildcard(const char *prefix)
{
        return strncmp(prefix, "*.", 2) == 0;
}

static void
note_v2(struct reader *rd, size_t off)
{
        if (rd->v2_off == SIZE_MAX)
                rd->v2_off = off;
}

static int
assign_search(struct reader *rd, struct toml_value *v)
{
        char **search;
        int r;

        r = want_type(rd, "unqualified-search-registries", v, TOML_ARRAY);
        if (r < 0)
                return r;
        search = calloc(v->n_items + 1, sizeof(*search));
        if (!search)
                return rd_oom(rd);
        for (size_t i = 0; i < v->n_items; i++) {
                _cleanup_free_ char *q = NULL;
                char *s = v->items[i].s;
                size_t n = strlen(s);

                while (n > 0 && s[n - 1] == '/')
                        s[--n] = '\0';
                /* host[:port] only: a search registry is not a prefix or a namespace */
                if (!image_ref_registry_valid(s, n)) {
                        strv_free(search, i);
                        q = quoted(s);
                        if (!q)
                                return rd_oom(rd);
                        return rd_fail(rd, v->items[i].off,
                                       "unqualified-search-registries: \"%s\" is not a registry "
                                       "host[:port]",
                                       q);
                }
                search[i] = TAKE_PTR(v->items[i].s);
        }
        rd->c.search = search;
        rd->c.n_search = v->n_items;
        rd->search_set = true;
        return 0;
}

static int
assign_root(struct reader *rd, int k, struct toml_value *v)
{
        int r;

        switch (k) {
        case ROOT_SEARCH:
                return assign_search(rd, v);
        case ROOT_SHORT_NAME_MODE:
                r = want_type(rd, "short-name-mode", v, TOML_STRING);
                if (r < 0)
                        return r;
                if (strcmp(v->str, "enforcing") != 0 && strcmp(v->str, "permissive") != 0 &&
                    strcmp(v->str, "disabled") != 0) {
                        _cleanup_free_ char *q = quoted(v->str);

                        if (!q)
                                return rd_oom(rd);
                        return rd_fail(rd, v->off,
                                       "short-name-mode \"%s\": expected \"enforcing\", "
                                       "\"permissive\" or \"disabled\"",
                                       q);
                }
                rd->c.short_name_mode = TAKE_PTR(v->str);
                return 0;
        case ROOT_CREDENTIAL_HELPERS:
                /* berth reads auth.json itself; helpers are accepted so the file stays valid */
                return want_type(rd, "credential-helpers", v, TOML_ARRAY);
        default:
                return want_type(rd, "additional-layer-store-auth-helper", v, TOML_STRING);
        }
}

static int
assign_registry(struct reader *rd, int k, struct toml_value *v)
{
        struct registry_entry *e = &rd->c.registries[rd->c.n_registries - 1];
        const char *key = registry_keys[k];
        int r;

        switch (k) {
        case REG_PREFIX:
        case REG_LOCATION:
                r = want_type(rd, key, v, TOML_STRING);
                if (r < 0)
                        return r;
                if (k == REG_PREFIX && is_wildcard(v->str))
                        r = check_wildcard(rd, v->str, v->off);
                else
                        r = check_location(rd, key, v->str, v->off);
                if (r < 0)
                        return r;
                if (k == REG_PREFIX)
                        e->prefix = TAKE_PTR(v->str);
                else
                        e->location = TAKE_PTR(v->str);
                return 0;
        case REG_INSECURE:
        case REG_BLOCKED:
        case REG_MIRROR_BY_DIGEST_ONLY:
                r = want_type(rd, key, v, TOML_BOOL);
                if (r < 0)
                        return r;
                if (k == REG_INSECURE)
                        e->insecure = v->b;
                else if (k == REG_BLOCKED)
                        e->blocked = v->b;
                else
                        e->mirror_by_digest_only = v->b;
                return 0;
        default:
                return rd_fail(rd, v->off,
                               "pull-from-mirror: only a [[registry.mirror]] can have it");
        }
}

static int
assign_mirror(struct reader *rd, int k, struct toml_value *v)
{
        struct registry_entry *e = &rd->c.registries[rd->c.n_registries - 1];
        struct registry_mirror *m = &e->mirrors[e->n_mirrors - 1];
        const char *key = mirror_keys[k];
        int r;

        switch (k) {
        case MIRROR_LOCATION:
                r = want_type(rd, key, v, TOML_STRING);
                if (r == 0)
                        r = check_location(rd, key, v->str, v->off);
                if (r < 0)
                        return r;
                m->location = TAKE_PTR(v->str);
                return 0;
        case MIRROR_INSECURE:
                r = want_type(rd, key, v, TOML_BOOL);
                if (r < 0)
                        return r;
                m->insecure = v->b;
                return 0;
        default:
                r = want_type(rd, key, v, TOML_STRING);
                if (r < 0)
                        return r;
                if (strcmp(v->str, "all") != 0 && strcmp(v->str, "digest-only") != 0 &&
                    strcmp(v->str, "tag-only") != 0) {
                        _cleanup_free_ char *q = quoted(v->str);

                        if (!q)
                                return rd_oom(rd);
                        return rd_fail(rd, v->off,
                                       "pull-from-mirror \"%s\": expected \"all\", "
                                       "\"digest-only\" or \"tag-only\"",
                                       q);
                }
                /* the registry's keys all come before its first mirror table */
                if (e->mirror_by_digest_only)
                        return rd_fail(rd, v->off,
                                       "pull-from-mirror cannot be combined with the "
                                       "registry's mirror-by-digest-only");
                m->pull_from_mirror = TAKE_PTR(v->str);
                return 0;
        }
}

/* what containers/image's validateShortName and parseShortNameValue require */
static int
assign_alias(struct reader *rd, const char *key, size_t key_off, struct toml_value *v)
{
        _cleanup_(image_ref_freep) struct image_ref *ref = NULL;
        _cleanup_(berr_freep) struct berr *perr = NULL;
        _cleanup_free_ char *q = quoted(key), *value = NULL;
        struct registry_alias *aliases;
        const char *slash;
        int r;

        if (!q)
                return rd_oom(rd);
        for (size_t i = 0; i < rd->c.n_aliases; i++)
                if (strcmp(rd->c.aliases[i].name, key) == 0)
                        return rd_fail(rd, key_off, "duplicate key \"%s\"", q);
        r = want_type(rd, q, v, TOML_STRING);
        if (r < 0)
                return r;

        r = image_ref_parse(key, &ref, &perr);
        if (r == -ENOMEM)
                return rd_oom(rd);
        if (r < 0)
                return rd_fail(rd, key_off, "alias %s", perr->msg);
        if (!ref->short_name)
                return rd_fail(rd, key_off,
                               "alias \"%s\": must be a short name, without a registry", q);
        if (strpbrk(key, ":@"))
                return rd_fail(rd, key_off, "alias \"%s\": must not have a tag or digest", q);
        ref = image_ref_free(ref);

        /* "" resets an alias of an earlier file */
        if (*v->str) {
                r = image_ref_parse(v->str, &ref, &perr);
                if (r == -ENOMEM)
                        return rd_oom(rd);
                if (r < 0)
                        return rd_fail(rd, v->off, "alias \"%s\": %s", q, perr->msg);
                slash = strrchr(v->str, '/');
                if (ref->short_name)
                        return rd_fail(rd, v->off, "alias \"%s\": the value must name a registry",
                                       q);
                if (ref->digest || (slash && strchr(slash, ':')))
                        return rd_fail(rd, v->off,
                                       "alias \"%s\": the value must not have a tag or digest", q);
                value = image_ref_familiar(ref);
        } else {
                value = strdup("");
        }
        if (!value)
                return rd_oom(rd);

        aliases = reallocarray(rd->c.aliases, rd->c.n_aliases + 1, sizeof(*aliases));
        if (!aliases)
                return rd_oom(rd);
        rd->c.aliases = aliases;
        aliases[rd->c.n_aliases].name = strdup(key);
        if (!aliases[rd->c.n_aliases].name)
                return rd_oom(rd);
        aliases[rd->c.n_aliases++].value = TAKE_PTR(value);
        return 0;
}

static int
assign(struct reader *rd, const char *key, size_t key_off, struct toml_value *v)
{
        _cleanup_free_ char *q = NULL;
        const char *const *keys;
        int k;

        if (rd->table == TABLE_ALIASES)
                return assign_alias(rd, key, key_off, v);

        keys = table_keys(rd->table);
        k = key_index(keys, key);
        if (k < 0 || (rd->seen & (1u << k))) {
                q = quoted(key);
                if (!q)
                        return rd_oom(rd);
        }
        if (k < 0) {
                /* a top-level key written after a table belongs to that table */
                bool misplaced = rd->table != TABLE_ROOT && key_index(root_keys, key) >= 0;

                return rd_fail(rd, key_off, "unknown key \"%s\" in %s%s", q, table_names[rd->table],
                               misplaced ? " (top-level keys must come before the first table)"
                                         : "");
        }
        if (rd->seen & (1u << k))
                return rd_fail(rd, key_off, "duplicate key \"%s\"", q);
        rd->seen |= 1u << k;

        switch (rd->table) {
        case TABLE_ROOT:
                note_v2(rd, key_off);
                return assign_root(rd, k, v);
        case TABLE_REGISTRY:
                return assign_registry(rd, k, v);
        case TABLE_MIRROR:
                return assign_mirror(rd, k, v);
        default: {
                struct v1_list *l = &rd->v1[rd->table - TABLE_V1_SEARCH];
                int r = want_type(rd, "registries", v, TOML_ARRAY);

                if (r < 0)
                        return r;
                l->set = true;
                l->off = key_off;
                l->items = TAKE_PTR(v->items);
                l->n = v->n_items;
                v->n_items = 0;
                if (rd->v1_off == SIZE_MAX)
                        rd->v1_off = key_off;
                return 0;
        }
        }
}

/* A [[registry]] is complete: prefix and location settled, as postProcessRegistries does. */
static int
close_registry(struct reader *rd)
{
        struct registry_entry *e = &rd->c.registries[rd->c.n_registries - 1];
        size_t off = rd->reg_off[rd->c.n_registries - 1];

        /* "" is how a TOML file leaves a string unset */
        if (e->location && !*e->location) {
                free(e->location);
                e->location = NULL;
        }
        if (e->prefix && !*e->prefix) {
                free(e->prefix);
                e->prefix = NULL;
        }
        if (!e->location) {
                if (!e->prefix)
                        return rd_fail(rd, off, "[[registry]] needs a location or a prefix");
                if (!is_wildcard(e->prefix))
                        return rd_fail(rd, off,
                                       "[[registry]] without a location needs a wildcard prefix "
                                       "(*.example.com)");
                return 0;
        }
        if (!e->prefix) {
                e->prefix = strdup(e->location);
                if (!e->prefix)
                        return rd_oom(rd);
        }
        return 0;
}

static int
close_table(struct reader *rd, bool next_is_mirror)
{
        if (rd->table == TABLE_MIRROR) {
                struct registry_entry *e = &rd->c.registries[rd->c.n_registries - 1];
                struct registry_mirror *m = &e->mirrors[e->n_mirrors - 1];

                if (!m->location || !*m->location)
                        return rd_fail(rd, rd->table_off, "[[registry.mirror]] needs a location");
        }
        if ((rd->table == TABLE_REGISTRY || rd->table == TABLE_MIRROR) && !next_is_mirror)
                return close_registry(rd);
        return 0;
}

static int
open_registry(struct reader *rd, size_t off)
{
        struct registry_entry *regs;
        size_t *offs;

        regs = reallocarray(rd->c.registries, rd->c.n_registries + 1, sizeof(*regs));
        if (!regs)
                return rd_oom(rd);
        rd->c.registries = regs;
        offs = reallocarray(rd->reg_off, rd->c.n_registries + 1, sizeof(*offs));
        if (!offs)
                return rd_oom(rd);
        rd->reg_off = offs;
        memset(&regs[rd->c.n_registries], 0, sizeof(*regs));
        offs[rd->c.n_registries++] = off;
        return 0;
}

static int
open_mirror(struct reader *rd, size_t off)
{
        struct registry_entry *e;
        struct registry_mirror *m;

        if (rd->c.n_registries == 0 || (rd->table != TABLE_REGISTRY && rd->table != TABLE_MIRROR))
                return rd_fail(rd, off, "[[registry.mirror]] must follow a [[registry]]");
        e = &rd->c.registries[rd->c.n_registries - 1];
        m = reallocarray(e->mirrors, e->n_mirrors + 1, sizeof(*m));
        if (!m)
                return rd_oom(rd);
        e->mirrors = m;
        memset(&m[e->n_mirrors++], 0, sizeof(*m));
        return 0;
}

/* an unknown table header of more keys than this is not quoted back */
#define HEADER_KEYS_QUOTED_MAX 4

static int
unknown_table(struct reader *rd, size_t off, bool array, char *const *keys, size_t n)
{
        _cleanup_free_ char *joined = NULL, *q = NULL;

        if (n > HEADER_KEYS_QUOTED_MAX)
                return rd_fail(rd, off, "unknown table");
        joined = toml_keys_join(keys, n);
        if (!joined)
                return rd_oom(rd);
        q = quoted(joined);
        if (!q)
                return rd_oom(rd);
        return rd_fail(rd, off, "unknown table %s%s%s", array ? "[[" : "[", q, array ? "]]" : "]");
}

/* [a.b] or [[a.b]], read whole by util/toml.c */
static int
on_table(void *userdata, char *const *keys, size_t n, bool array, size_t off, struct berr **err)
{
        struct reader *rd = userdata;
        enum table t = _TABLE_MAX;
        int r = 0;

        if (!array && n == 1 && streq_ptr(keys[0], "aliases"))
                t = TABLE_ALIASES;
        else if (!array && n == 1 && streq_ptr(keys[0], "registries"))
                t = TABLE_REGISTRIES;
        else if (!array && n == 2 && streq_ptr(keys[0], "registries"))
                t = streq_ptr(keys[1], "search")     ? TABLE_V1_SEARCH
                    : streq_ptr(keys[1], "insecure") ? TABLE_V1_INSECURE
                    : streq_ptr(keys[1], "block")    ? TABLE_V1_BLOCK
                                                     : _TABLE_MAX;
        else if (array && n == 1 && streq_ptr(keys[0], "registry"))
                t = TABLE_REGISTRY;
        else if (array && n == 2 && streq_ptr(keys[0], "registry") && streq_ptr(keys[1], "mirror"))
                t = TABLE_MIRROR;

        if (t == _TABLE_MAX) {
                if (streq_ptr(keys[0], "registry") && n <= 2 &&
                    (n == 1 || streq_ptr(keys[1], "mirror")))
                        return rd_fail(rd, off, "%s is an array of tables: write it [[%s]]",
                                       n == 1 ? "registry" : "registry.mirror",
                                       n == 1 ? "registry" : "registry.mirror");
                if (array && n == 1 &&
                    (streq_ptr(keys[0], "aliases") || streq_ptr(keys[0], "registries")))
                        return rd_fail(rd, off, "%s is a table: write it [%s]", keys[0], keys[0]);
                return unknown_table(rd, off, array, keys, n);
        }

        r = close_table(rd, t == TABLE_MIRROR);
        if (r < 0)
                return r;
        if (t != TABLE_REGISTRY && t != TABLE_MIRROR) {
                if (rd->defined & (1u << t))
                        return rd_fail(rd, off, "table %s is defined twice", table_names[t]);
                rd->defined |= 1u << t;
        }
        if (t == TABLE_ALIASES || t == TABLE_REGISTRY)
                note_v2(rd, off);
        if (t == TABLE_REGISTRY)
                r = open_registry(rd, off);
        else if (t == TABLE_MIRROR)
                r = open_mirror(rd, off);
        if (r < 0)
                return r;
        rd->table = t;
        rd->table_off = off;
        rd->seen = 0;
        return 0;
}

static int
on_keyval(void *userdata, const char *key, size_t key_off, struct toml_value *v, struct berr **err)
{
        return assign(userdata, key, key_off, v);
}

/* ---- one file, start to end ---- */

/* v1 lists become [[registry]] entries, as containers/image's ConvertToV2 does */
static int
convert_v1(struct reader *rd)
{
        struct v1_list *search = &rd->v1[0], *insecure = &rd->v1[1], *block = &rd->v1[2];
        struct v1_list *lists[] = {block, insecure};
        int r;

        if (rd->force_v2)
                return rd_fail(rd, rd->v1_off,
                               "a drop-in file must use the v2 format, not [registries.*]");
        if (rd->v2_off != SIZE_MAX)
                return rd_fail(rd, rd->v1_off > rd->v2_off ? rd->v1_off : rd->v2_off,
                               "the v1 format ([registries.*]) and v2 settings cannot be mixed "
                               "in one file");
        if (search->set) {
                struct toml_value v = {.type = TOML_ARRAY, .n_items = search->n};

                v.items = TAKE_PTR(search->items);
                search->n = 0;
                r = assign_search(rd, &v);
                toml_value_done(&v);
                if (r < 0)
                        return r;
        }
        for (size_t l = 0; l < ELEMENTSOF(lists); l++) {
                for (size_t i = 0; i < lists[l]->n; i++) {
                        struct toml_item *it = &lists[l]->items[i];
                        struct registry_entry *e = NULL;

                        r = check_location(rd, "registries", it->s, it->off);
                        if (r < 0)
                                return r;
                        if (!*it->s)
                                return rd_fail(rd, it->off, "registries: empty registry name");
                        for (size_t j = 0; j < rd->c.n_registries && !e; j++)
                                if (strcmp(rd->c.registries[j].location, it->s) == 0)
                                        e = &rd->c.registries[j];
                        if (!e) {
                                r = open_registry(rd, it->off);
                                if (r < 0)
                                        return r;
                                e = &rd->c.registries[rd->c.n_registries - 1];
                                e->location = strdup(it->s);
                                e->prefix = strdup(it->s);
                                if (!e->location || !e->prefix)
                                        return rd_oom(rd);
                        }
                        if (lists[l] == block)
                                e->blocked = true;
                        else
                                e->insecure = true;
                }
        }
        return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
        return strcmp(((const struct registry_entry *)a)->prefix,
                      ((const struct registry_entry *)b)->prefix);
}

/*
 * One location named twice must agree on insecure and blocked; then the
 * first entry of each prefix wins and the rest are dropped, as
 * containers/image does within one file.
 */
static int
settle_registries(struct reader *rd)
{
        struct registries_conf *c = &rd->c;
        size_t n = 0;

        for (size_t i = 0; i < c->n_registries; i++) {
                const struct registry_entry *e = &c->registries[i];
                const char *key_i = e->location ? e->location : e->prefix;

                for (size_t j = 0; j < i; j++) {
                        const struct registry_entry *o = &c->registries[j];
                        const char *key_j = o->location ? o->location : o->prefix;
                        _cleanup_free_ char *q = NULL;

                        if (strcmp(key_i, key_j) != 0 ||
                            (o->insecure == e->insecure && o->blocked == e->blocked))
                                continue;
                        q = quoted(key_i);
                        if (!q)
                                return rd_oom(rd);
                        return rd_fail(rd, rd->reg_off[i],
                                       "registry \"%s\" is defined again with a different "
                                       "\"%s\" setting",
                                       q, o->insecure != e->insecure ? "insecure" : "blocked");
                }
        }
        for (size_t i = 0; i < c->n_registries; i++) {
                bool dup = false;

                for (size_t j = 0; j < n && !dup; j++)
                        dup = strcmp(c->registries[j].prefix, c->registries[i].prefix) == 0;
                if (dup) {
                        entry_done(&c->registries[i]);
                        continue;
                }
                c->registries[n++] = c->registries[i];
        }
        c->n_registries = n;
        if (n > 1)
                qsort(c->registries, n, sizeof(*c->registries), entry_cmp);
        return 0;
}

static int
read_file(struct reader *rd)
{
        static const struct toml_handler handler = {.table = on_table, .keyval = on_keyval};
        int r;

        r = toml_parse(&rd->src, &handler, rd, rd->err);
        if (r < 0)
                return r;
        r = close_table(rd, false);
        if (r < 0)
                return r;
        if (rd->v1_off != SIZE_MAX) {
                r = convert_v1(rd);
                if (r < 0)
                        return r;
        }
        return settle_registries(rd);
}

static int
alias_cmp(const void *a, const void *b)
{
        return strcmp(((const struct registry_alias *)a)->name,
                      ((const struct registry_alias *)b)->name);
}

/*
 * Move what the file says into conf. All memory is taken first, so a failure
 * leaves conf as it was.
 */
static int
merge(struct registries_conf *conf, struct reader *rd)
{
        struct registries_conf *f = &rd->c;
        _cleanup_free_ struct registry_entry *regs = NULL;
        _cleanup_free_ struct registry_alias *aliases = NULL;
        size_t n_regs = conf->n_registries, n_aliases = conf->n_aliases;

        regs = calloc(conf->n_registries + f->n_registries + 1, sizeof(*regs));
        aliases = calloc(conf->n_aliases + f->n_aliases + 1, sizeof(*aliases));
        if (!regs || !aliases)
                return rd_oom(rd);

        if (n_regs)
                memcpy(regs, conf->registries, n_regs * sizeof(*regs));
        for (size_t i = 0; i < f->n_registries; i++) {
                size_t j = 0;

                while (j < n_regs && strcmp(regs[j].prefix, f->registries[i].prefix) != 0)
                        j++;
                if (j < n_regs)
                        entry_done(&regs[j]);
                else
                        n_regs++;
                regs[j] = f->registries[i];
        }
        if (n_regs > 1)
                qsort(regs, n_regs, sizeof(*regs), entry_cmp);
        free(conf->registries);
        conf->registries = TAKE_PTR(regs);
        conf->n_registries = n_regs;
        free(f->registries);
        f->registries = NULL;
        f->n_registries = 0;

        if (n_aliases)
                memcpy(aliases, conf->aliases, n_aliases * sizeof(*aliases));
        for (size_t i = 0; i < f->n_aliases; i++) {
                struct registry_alias *a = &f->aliases[i];
                size_t j = 0;

                while (j < n_aliases && strcmp(aliases[j].name, a->name) != 0)
                        j++;
                if (j < n_aliases) {
                        alias_done(&aliases[j]);
                        aliases[j] = aliases[--n_aliases];
                }
                if (*a->value)
                        aliases[n_aliases++] = *a;
                else
                        alias_done(a);
        }
        if (n_aliases > 1)
                qsort(aliases, n_aliases, sizeof(*aliases), alias_cmp);
        free(conf->aliases);
        conf->aliases = TAKE_PTR(aliases);
        conf->n_aliases = n_aliases;
        free(f->aliases);
        f->aliases = NULL;
        f->n_aliases = 0;

        if (rd->search_set) {
                strv_free(conf->search, conf->n_search);
                conf->search = TAKE_PTR(f->search);
                conf->n_search = f->n_search;
                f->n_search = 0;
        }
        if (f->short_name_mode) {
                free(conf->short_name_mode);
                conf->short_name_mode = TAKE_PTR(f->short_name_mode);
        }
        return 0;
}

static int
parse_one(struct registries_conf *conf, const char *buf, size_t len, const char *name,
          bool force_v2, struct berr **err)
{
        struct reader rd = {
                .src = {.buf = buf, .len = len, .name = name},
                .force_v2 = force_v2,
                .err = err,
                .v1_off = SIZE_MAX,
                .v2_off = SIZE_MAX,
        };
        int r;

        r = read_file(&rd);
        if (r == 0)
                r = merge(conf, &rd);
        reader_done(&rd);
        return r;
}

int
registries_conf_parse(struct registries_conf *conf, const char *buf, size_t len, const char *name,
                      struct berr **err)
{
        return parse_one(conf, buf, len, name, false, err);
}

/* ---- finding things ---- */

/* containers/image's refMatchingPrefix, but see the ':' below */
static bool
prefix_matches(const char *ref, const char *prefix)
{
        size_t n = strlen(prefix);
        char c;

        if (is_wildcard(prefix)) {
                const char *hit = strstr(ref, prefix + 1);

                /* the match must be in the host, the part before the first '/' */
                if (!hit || memchr(ref, '/', (size_t)(hit - ref)))
                        return false;
                c = hit[n - 1];
                return c == '\0' || c == ':' || c == '/' || c == '@';
        }
        if (n == 0 || strncmp(ref, prefix, n) != 0)
                return false;
        c = ref[n];
        if (c == '\0' || c == '/' || c == '@')
                return true;
        /*
         * After a bare host a ':' starts a port: "example.com" must not match
         * "example.com:5000/x" (containers/image matches it, and says not to
         * rely on that). After a path it starts a tag.
         */
        return c == ':' && strchr(prefix, '/');
}

const struct registry_entry *
registries_conf_find(const struct registries_conf *conf, const char *ref_string)
{
        const struct registry_entry *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < conf->n_registries; i++) {
                const struct registry_entry *e = &conf->registries[i];
                size_t n = strlen(e->prefix);

                if (n > best_len && prefix_matches(ref_string, e->prefix)) {
                        best = e;
                        best_len = n;
                }
        }
        return best;
}

const char *
registries_conf_alias(const struct registries_conf *conf, const char *name)
{
        for (size_t i = 0; i < conf->n_aliases; i++)
                if (strcmp(conf->aliases[i].name, name) == 0)
                        return conf->aliases[i].value;
        return NULL;
}

/* ---- the files podman reads ---- */

/* The whole of dirfd/path; -ENOENT as it is, other failures as berr. */
static int
slurp(int dirfd, const char *path, const char *name, char **ret, size_t *ret_len, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? -ENOENT : berr(err, errno, "open %s", name);
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s", name);
        if (S_ISDIR(st.st_mode))
                return berr(err, EISDIR, "read %s", name);
        r = fs_read_all(fd, CONF_SIZE_MAX, ret, ret_len);
        return r < 0 ? berr(err, -r, "read %s", name) : 0;
}

static int
load_file(struct registries_conf *conf, int dirfd, const char *path, const char *name, bool drop_in,
          bool must_exist, struct berr **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        r = slurp(dirfd, path, name, &buf, &len, err);
        if (r == -ENOENT && !must_exist)
                return 0;
        if (r == -ENOENT)
                return berr(err, ENOENT, "open %s", name);
        if (r < 0)
                return r;
        return parse_one(conf, buf ? buf : "", len, name, drop_in, err);
}

static int
cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
is_conf_name(const char *n)
{
        size_t len = strlen(n);

        return len >= 5 && strcmp(n + len - 5, ".conf") == 0;
}

/* Every *.conf (not a directory) in dir, in byte order; a missing dir is empty. */
static int
load_dir(struct registries_conf *conf, const char *dir, struct berr **err)
{
        _cleanup_(closedirp_) DIR *d = NULL;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int fd, r = 0;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT || errno == ENOTDIR ? 0 : berr(err, errno, "open %s", dir);
        d = fdopendir(fd);
        if (!d) {
                r = berr(err, errno, "open %s", dir);
                (void)close(fd);
                return r;
        }

        for (;;) {
                struct stat st;
                char **nn;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno)
                                r = berr(err, errno, "read %s", dir);
                        break;
                }
                if (!is_conf_name(de->d_name) || de->d_type == DT_DIR)
                        continue;
                if (de->d_type != DT_REG &&
                    (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || S_ISDIR(st.st_mode)))
                        continue;
                nn = reallocarray(names, n + 1, sizeof(*names));
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        names = nn ? nn : names;
                        r = berr(err, ENOMEM, "read %s", dir);
                        break;
                }
                names = nn;
                n++;
        }
        if (r == 0 && n > 1)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; r == 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        r = berr(err, ENOMEM, "read %s", dir);
                        break;
                }
                /* a file removed since the listing is skipped, like a missing one */
                r = load_file(conf, dirfd(d), names[i], path, true, false, err);
        }
        strv_free(names, n);
        return r;
}

/* $XDG_CONFIG_HOME/containers, else ~/.config/containers; NULL (no error) when neither is set */
static int
user_dir(char **ret)
{
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        int r = 0;

        *ret = NULL;
        /* the XDG base directory spec: a relative path is to be ignored */
        if (xdg && xdg[0] == '/')
                r = asprintf(ret, "%s/containers", xdg);
        else if (home && home[0] == '/')
                r = asprintf(ret, "%s/.config/containers", home);
        if (r < 0) {
                *ret = NULL;
                return -ENOMEM;
        }
        return 0;
}

int
registries_conf_load(struct registries_conf *conf, const char *root, struct berr **err)
{
        const char *env = getenv("CONTAINERS_REGISTRIES_CONF");
        _cleanup_free_ char *udir = NULL, *ufile = NULL, *ufile_d = NULL;
        _cleanup_free_ char *sys = NULL, *sys_d = NULL;
        bool use_user_file = false;
        int r;

        /* one file, all of it: what tests and one-off runs set */
        if (env && *env)
                return load_file(conf, AT_FDCWD, env, env, false, true, err);

        if (user_dir(&udir) < 0)
                return berr(err, ENOMEM, "registries.conf");
        if (udir && (asprintf(&ufile, "%s/registries.conf", udir) < 0 ||
                     asprintf(&ufile_d, "%s/registries.conf.d", udir) < 0)) {
                ufile = ufile_d = NULL;
                return berr(err, ENOMEM, "registries.conf");
        }
        if (asprintf(&sys, "%s/etc/containers/registries.conf", root ? root : "") < 0 ||
            asprintf(&sys_d, "%s/etc/containers/registries.conf.d", root ? root : "") < 0) {
                sys = sys_d = NULL;
                return berr(err, ENOMEM, "registries.conf");
        }

        /*
         * containers/image: the user's registries.conf, when there is one,
         * stands instead of the system's, and the system's drop-ins with it.
         */
        use_user_file = ufile && faccessat(AT_FDCWD, ufile, F_OK, AT_EACCESS) == 0;
        r = load_file(conf, AT_FDCWD, use_user_file ? ufile : sys, use_user_file ? ufile : sys,
                      false, false, err);
        if (r < 0)
                return r;
        if (!use_user_file) {
                r = load_dir(conf, sys_d, err);
                if (r < 0)
                        return r;
        }
        if (ufile_d) {
                r = load_dir(conf, ufile_d, err);
                if (r < 0)
                        return r;
        }
        return 0;
}
