/*
 * util/toml.h: a small strict reader of the TOML subset berth's
 * configuration files use (berth.conf, containers-registries.conf(5)); no
 * C TOML library is packaged in Debian. The subset: comments, key = value
 * with basic and literal strings, booleans, integers and arrays of strings,
 * [tables], [[arrays.of.tables]], bare and quoted keys. Anything else
 * (multi-line strings, floats, dates and times, inline tables, arrays of
 * anything but strings, dotted keys) is an error naming "name:line:col".
 *
 * The reader does not build a tree: it calls a handler for each table
 * header and each key = value, in file order, so the caller decides what a
 * key means and where it may stand, and says so at the key's own position.
 * Duplicate keys and tables defined twice are the caller's to refuse: only
 * it knows which tables are arrays.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

enum toml_type {
        TOML_STRING,
        TOML_BOOL,
        TOML_INT,
        TOML_ARRAY, /* of strings: the only arrays in the subset */
        _TOML_TYPE_MAX,
        _TOML_TYPE_INVALID = -22,
};

/* A string of an array, and where it stands in the file. */
struct toml_item {
        char *s;
        size_t off;
};

/* One value. A handler may take its strings (TAKE_PTR); the reader frees what is left. */
struct toml_value {
        enum toml_type type;
        size_t off;              /* byte offset of its first character */
        char *str;               /* TOML_STRING: never NULL, may hold no NUL but its end */
        bool b;                  /* TOML_BOOL */
        int64_t i;               /* TOML_INT */
        struct toml_item *items; /* TOML_ARRAY */
        size_t n_items;
};

/* A file's text and the name its messages give it. */
struct toml_src {
        const char *buf;
        size_t len;
        const char *name;
};

/*
 * What toml_parse() calls; either may be NULL (that part of the file is
 * then accepted and ignored). A handler returns 0, or a negative errno
 * after filling err (toml_fail()), which stops the reading.
 */
struct toml_handler {
        /*
         * A table header "[a.b]" (array false) or "[[a.b]]" (array true):
         * keys[0..n_keys) are its unquoted keys (n_keys >= 1), off is where
         * its '[' stands. Called once the whole header line has been read.
         */
        int (*table)(void *userdata, char *const *keys, size_t n_keys, bool array, size_t off,
                     struct berr **err);
        /* "key = value": key unquoted, key_off where it stands; after the whole line was read. */
        int (*keyval)(void *userdata, const char *key, size_t key_off, struct toml_value *v,
                      struct berr **err);
};

/*
 * Read src (valid UTF-8, a byte order mark allowed) from start to end,
 * calling h with userdata. Returns 0, or the first failure: a syntax error
 * as "name:line:col: what" (-EINVAL), -ENOMEM, or what a handler returned.
 */
int toml_parse(const struct toml_src *src, const struct toml_handler *h, void *userdata,
               struct berr **err);

/*
 * berr() with "name:line:col: " of byte offset off in src before the
 * message; returns -EINVAL (or -ENOMEM when the message cannot be made).
 */
int toml_fail(struct berr **err, const struct toml_src *src, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int toml_failv(struct berr **err, const struct toml_src *src, size_t off, const char *fmt,
               va_list ap) __attribute__((format(printf, 4, 0)));

/* Line and column (1-based; columns count characters, not bytes) of byte offset off. */
void toml_locate(const struct toml_src *src, size_t off, unsigned *ret_line, unsigned *ret_col);

/* What a value of type t is called in messages: "a string", "true or false", ... */
const char *toml_type_name(enum toml_type t);

/* A table header's keys joined with '.', "a.b", for messages; malloc'd, NULL when out of memory. */
char *toml_keys_join(char *const *keys, size_t n_keys);

/* Free what v still holds and zero it. */
void toml_value_done(struct toml_value *v);
