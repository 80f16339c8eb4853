/*
 * storage/berth-conf.h: berth's own configuration file, berth.conf (TOML,
 * read by util/toml.c), for the settings of the shared layer store:
 *
 *     [storage]
 *     shared_store = "/cluster/berth"   # an absolute path; "" unsets it
 *     shared_base_layers = true         # true, false or "required"
 *     shared_layer_format = "erofs"     # "dir" or "erofs"
 *
 * The keys live in the [storage] table only (room for other tables later;
 * a key at the top level is an error that says where it belongs). Unknown
 * keys and tables, a key given twice, a table given twice and values of
 * the wrong type are errors as "FILE:LINE:COL: key: expected ...".
 *
 * Where settings come from, strongest first: a command-line flag,
 * $BERTH_SHARED_STORE, the user's file ($XDG_CONFIG_HOME/berth/berth.conf,
 * else ~/.config/berth/berth.conf), the system's (/etc/berth/berth.conf).
 * berth_conf_load() reads the two files, each key of the user's replacing
 * the system's; berth_conf_apply_env() and berth_conf_set() put the
 * environment and the flags on top.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;

#define BERTH_CONF_SYSTEM_PATH "/etc/berth/berth.conf"

enum berth_shared_layers {
        BERTH_SHARED_LAYERS_UNSET, /* not configured: off */
        BERTH_SHARED_LAYERS_OFF,
        BERTH_SHARED_LAYERS_ON,       /* use the shared store, fall back to local copies */
        BERTH_SHARED_LAYERS_REQUIRED, /* no fallback: an error instead */
        _BERTH_SHARED_LAYERS_MAX,
        _BERTH_SHARED_LAYERS_INVALID = -EINVAL,
};

enum berth_layer_format {
        BERTH_LAYER_FORMAT_UNSET, /* not configured: berth chooses */
        BERTH_LAYER_FORMAT_DIR,   /* a layer is a directory tree */
        BERTH_LAYER_FORMAT_EROFS, /* a layer is also one EROFS image file */
        _BERTH_LAYER_FORMAT_MAX,
        _BERTH_LAYER_FORMAT_INVALID = -EINVAL,
};

/*
 * All zero is "nothing configured"; berth_conf_done() makes it so again.
 * Each *_from says where the value came from, for messages: "FILE:LINE",
 * "BERTH_SHARED_STORE", or what berth_conf_set() was given ("--shared-store").
 */
struct berth_conf {
        char *shared_store; /* absolute; NULL: none */
        char *shared_store_from;
        enum berth_shared_layers shared_base_layers;
        char *shared_base_layers_from;
        enum berth_layer_format shared_layer_format;
        char *shared_layer_format_from;
};

/* Free what conf holds and zero it. */
void berth_conf_done(struct berth_conf *conf);

/*
 * Read one file's text (name is for messages and *_from) into conf, each
 * key given replacing the value conf had. On error conf is unchanged.
 */
int berth_conf_parse(struct berth_conf *conf, const char *buf, size_t len, const char *name,
                     struct berr **err);

/*
 * The user's berth.conf: $XDG_CONFIG_HOME/berth/berth.conf when
 * XDG_CONFIG_HOME is absolute, else $HOME/.config/berth/berth.conf;
 * *ret = NULL when neither is set. 0 or -ENOMEM.
 */
int berth_conf_user_path(char **ret);

/*
 * Read system_path and then user_path into conf (which should be zeroed).
 * NULL means the default place (BERTH_CONF_SYSTEM_PATH, berth_conf_user_path());
 * "" means none. A file that does not exist is skipped; one that cannot
 * be read, or does not parse, is an error, and conf is then zeroed.
 */
int berth_conf_load(struct berth_conf *conf, const char *system_path, const char *user_path,
                    struct berr **err);

/*
 * $BERTH_SHARED_STORE, when set and not empty, replaces conf's shared
 * store (it must be an absolute path). Call it after berth_conf_load()
 * and before applying flags.
 */
int berth_conf_apply_env(struct berth_conf *conf, struct berr **err);

/*
 * Set key ("shared_store", "shared_base_layers", "shared_layer_format") to
 * value as a command line gives it (a path; "true", "false", "required";
 * "dir", "erofs"), recording that it came from "from" ("--shared-store"),
 * which also starts an error's message. On error conf is unchanged.
 */
int berth_conf_set(struct berth_conf *conf, const char *key, const char *value, const char *from,
                   struct berr **err);

/*
 * A flag's value: "true", "false", "required" (and "" for a bare
 * --shared-base-layers: true); _BERTH_SHARED_LAYERS_INVALID otherwise.
 */
enum berth_shared_layers berth_shared_layers_from_string(const char *s);
/* "false", "true", "required"; "unset" for UNSET; NULL when out of range. */
const char *berth_shared_layers_to_string(enum berth_shared_layers v);

/* "dir", "erofs"; _BERTH_LAYER_FORMAT_INVALID otherwise. */
enum berth_layer_format berth_layer_format_from_string(const char *s);
/* "dir", "erofs"; "unset" for UNSET; NULL when out of range. */
const char *berth_layer_format_to_string(enum berth_layer_format v);
