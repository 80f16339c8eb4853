/*
 * storage/auth.h: registry authentication: WWW-Authenticate challenges
 * (RFC 7235), the token endpoint's answer (the distribution token spec),
 * and podman's auth.json (containers-auth.json(5)), read and written.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

struct auth_param {
        char *name; /* as sent; names compare case-insensitively */
        char *value;
};

struct auth_challenge {
        char *scheme;  /* as sent ("Bearer"); schemes compare case-insensitively */
        char *token68; /* NULL unless the challenge is "Scheme token68" */
        struct auth_param *params;
        size_t n_params;
};

/*
 * Parse the value of a WWW-Authenticate header, buf[0..len): one or more
 * challenges, "Bearer realm=\"https://auth.docker.io/token\",service=...,
 * Basic realm=...". A trailing CR LF (a raw header line) is ignored. A
 * parameter named twice in one challenge is an error (RFC 7235 2.2). On
 * success *ret (an array of *ret_n challenges) is the caller's, to
 * auth_challenges_free().
 */
int auth_challenges_parse(const char *buf, size_t len, struct auth_challenge **ret, size_t *ret_n,
                          struct berr **err);

void auth_challenges_free(struct auth_challenge *c, size_t n);

/* The value of parameter name (any case) of c, NULL when c has none. */
const char *auth_challenge_param(const struct auth_challenge *c, const char *name);

/* The first of c[0..n) with this scheme (any case), NULL when none. */
const struct auth_challenge *auth_challenge_find(const struct auth_challenge *c, size_t n,
                                                 const char *scheme);

/* A token endpoint answers at most this much (containers/image reads no more). */
#define AUTH_TOKEN_RESPONSE_MAX (UINT64_C(1) << 20)
/* A token said to live shorter lives this long (the distribution token spec's default). */
#define AUTH_TOKEN_MIN_LIFETIME 60

struct auth_token {
        char *token;         /* "token", else "access_token": visible ASCII only */
        uint64_t expires_in; /* seconds, at least AUTH_TOKEN_MIN_LIFETIME */
        bool has_issued_at;
        int64_t issued_at; /* seconds since the epoch, when has_issued_at */
};

/* Parse the JSON a token endpoint answers with. */
int auth_token_parse(const void *buf, size_t len, struct auth_token **ret, struct berr **err);

/* When t stops being valid: issued_at (now when the answer had none) + expires_in. */
int64_t auth_token_expiry(const struct auth_token *t, int64_t now);

struct auth_token *auth_token_free(struct auth_token *t);

static inline void
auth_token_freep(struct auth_token **t)
{
        *t = auth_token_free(*t);
}

/*
 * The auth file podman writes (berth login writes the same):
 * $REGISTRY_AUTH_FILE, else $DOCKER_CONFIG/config.json (as podman does),
 * else as root /run/containers/0/auth.json, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/UID/auth.json.
 * NULL when out of memory.
 */
char *auth_file_default_path(void);

/* The same for a given uid (the tests run as root and want the user's paths). */
char *auth_file_default_path_for(uid_t uid);

/*
 * The files credentials are read from, in order, NULL-terminated: when
 * $REGISTRY_AUTH_FILE or $DOCKER_CONFIG is set, that one file (podman
 * reads only a file the user named); else the default path above, then
 * $XDG_CONFIG_HOME/containers/auth.json ($HOME/.config/...), then
 * $HOME/.docker/config.json. (Docker's pre-2015 ~/.dockercfg is not read.)
 */
int auth_file_search_path(uid_t uid, char ***ret, struct berr **err);

/*
 * Credentials for registry ("quay.io", "localhost:5000") and repository
 * ("team/app", may be NULL) from path_or_null (--authfile: it must exist),
 * or else from the search path of the effective uid (missing files are
 * skipped). In each file the most specific key wins: "quay.io/team/app",
 * "quay.io/team", "quay.io", then URL forms ("https://quay.io/v1/") and
 * docker.io's legacy names (index.docker.io, registry-1.docker.io); the
 * first file with an entry wins. Returns 1 with *ret_user and
 * *ret_password (the caller's) set, 0 with both NULL when there are none.
 * A credential helper for the registry (credHelpers, or credsStore with an
 * empty entry) is an error: berth does not run them.
 */
int auth_file_lookup(const char *path_or_null, const char *registry, const char *repository,
                     char **ret_user, char **ret_password, struct berr **err);

/* auth_file_lookup() over the given files (NULL-terminated); missing ones are skipped. */
int auth_file_lookup_paths(char *const *paths, const char *registry, const char *repository,
                           char **ret_user, char **ret_password, struct berr **err);

/*
 * Set the credentials of key ("quay.io", "quay.io/team", or a URL, which
 * counts as its host: "https://index.docker.io/v1/" is "docker.io") in the
 * auth file at path, keeping every other key and field. The file is
 * replaced atomically (a 0600 temp file beside it, fsync, rename); missing
 * directories are made 0700.
 */
int auth_file_store(const char *path, const char *key, const char *user, const char *password,
                    struct berr **err);

/*
 * Remove key from the auth file at path (for a registry key, its legacy
 * spellings too). Returns 1 when something was removed, 0 when the file
 * had no such entry (the file is then left as it was).
 */
int auth_file_remove(const char *path, const char *key, struct berr **err);
