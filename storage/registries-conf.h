/*
 * storage/registries-conf.h: containers-registries.conf(5), the file podman,
 * skopeo and buildah read for search registries, per-registry settings and
 * short-name aliases; v2 format, and v1 for old files. Private to storage/.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct berr;

struct registry_mirror {
        char *location;         /* "mirror.example.com:5000/library" */
        bool insecure;          /* plain HTTP or unverified TLS allowed */
        char *pull_from_mirror; /* "all", "digest-only", "tag-only", or NULL (all) */
};

struct registry_entry {
        char *prefix;   /* what references are matched against; the location when not given */
        char *location; /* where to pull from; NULL only for a "*.example.com" prefix,
                         * meaning the matched host itself */
        bool insecure;
        bool blocked;
        bool mirror_by_digest_only;
        struct registry_mirror *mirrors; /* tried in order, before location */
        size_t n_mirrors;
};

struct registry_alias {
        char *name;  /* a short name as typed: "busybox", "ubi8/ubi" */
        char *value; /* its normalized full name: "docker.io/library/busybox" */
};

/* All zero is an empty configuration; registries_conf_clear() makes it so again. */
struct registries_conf {
        char **search; /* unqualified-search-registries, host[:port] each, in order */
        size_t n_search;
        struct registry_entry *registries; /* sorted by prefix, each prefix once */
        size_t n_registries;
        char *short_name_mode;          /* "enforcing", "permissive", "disabled", or NULL (unset) */
        struct registry_alias *aliases; /* sorted by name, each name once */
        size_t n_aliases;
};

/*
 * Read one file's text (name is for messages) and merge it into conf the way
 * containers/image merges drop-ins: a file's unqualified-search-registries
 * (even []) replaces the list so far, its short-name-mode replaces the mode,
 * its [[registry]] tables replace those with the same prefix, its aliases
 * replace those of the same name ("" removes one). Within one file the first
 * [[registry]] of a prefix wins. Errors name "name:line:col"; on error conf
 * is unchanged.
 */
int registries_conf_parse(struct registries_conf *conf, const char *buf, size_t len,
                          const char *name, struct berr **err);

/*
 * Read the configuration as podman would, into conf (which should be empty):
 * $CONTAINERS_REGISTRIES_CONF alone when set (it must exist); otherwise the
 * user's file ($XDG_CONFIG_HOME or ~/.config, /containers/registries.conf)
 * when it exists, else ROOT/etc/containers/registries.conf; then the *.conf
 * drop-ins in byte order, of ROOT/etc/containers/registries.conf.d (only
 * when the user's file is not used) and then of the user's registries.conf.d.
 * Drop-ins must use the v2 format. Missing files and directories are skipped.
 * root is "" or a prefix for the /etc paths (tests).
 */
int registries_conf_load(struct registries_conf *conf, const char *root, struct berr **err);

/*
 * The entry whose prefix matches ref_string ("host[:port]/path[:tag][@digest]",
 * as image_ref_string() writes it) on a boundary ('/', ':' of a tag, '@', or
 * the end), the longest prefix winning; "*.example.com" matches any host
 * under example.com. NULL when none matches.
 */
const struct registry_entry *registries_conf_find(const struct registries_conf *conf,
                                                  const char *ref_string);

/* The alias for a short name as typed ("busybox"), or NULL. */
const char *registries_conf_alias(const struct registries_conf *conf, const char *name);

void registries_conf_clear(struct registries_conf *conf);
