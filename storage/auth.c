/*
 * storage/auth.c: WWW-Authenticate challenges, token answers and podman's
 * auth.json. Challenges and tokens come from the network; the auth file
 * holds passwords, so it is written as podman writes it (0600, atomically)
 * and a password never appears in a message.
 */
#include "storage/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/rfc3339.h"
#include "util/base64.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* More than any registry sends; bounds the duplicate-name check. */
#define AUTH_CHALLENGES_MAX 64
#define AUTH_PARAMS_MAX 64
/* An auth file is a few kilobytes; this bounds what a stray path makes berth read. */
#define AUTH_FILE_SIZE_MAX (UINT64_C(16) << 20)

static void
jsonp_free(json_t **j)
{
        if (*j)
                json_decref(*j);
}

static void
strvp_free(char ***v)
{
        if (*v)
                for (char **p = *v; *p; p++)
                        free(*p);
        free(*v);
}

/* ---- WWW-Authenticate (RFC 7235 section 4.1, with RFC 7230's list and token rules) ---- */

struct lexer {
        const char *s;
        size_t len, pos;
        struct berr **err;
};

static bool
is_tchar(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool
is_t68char(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("-._~+/", c));
}

static bool
at_end(const struct lexer *l)
{
        return l->pos >= l->len;
}

static unsigned char
peek(const struct lexer *l)
{
        return at_end(l) ? 0 : (unsigned char)l->s[l->pos];
}

static size_t
skip_ows(struct lexer *l)
{
        size_t n = 0;

        while (!at_end(l) && (l->s[l->pos] == ' ' || l->s[l->pos] == '\t')) {
                l->pos++;
                n++;
        }
        return n;
}

static size_t
scan_token(struct lexer *l)
{
        size_t start = l->pos;

        while (!at_end(l) && is_tchar((unsigned char)l->s[l->pos]))
                l->pos++;
        return l->pos - start;
}

static int
lex_fail(const struct lexer *l, const char *what)
{
        (void)berr(l->err, 0, "WWW-Authenticate: %s at byte %zu", what, l->pos);
        return -EINVAL; /* berr()'s, spelled out for the analyzer */
}

static int
lex_oom(const struct lexer *l)
{
        (void)berr(l->err, ENOMEM, "WWW-Authenticate");
        return -ENOMEM;
}

/* A quoted-string at l->pos into *ret, its quoted-pairs undone */
static int
scan_quoted(struct lexer *l, char **ret)
{
        _cleanup_free_ char *v = NULL;
        size_t n = 0;

        l->pos++; /* the opening quote */
        v = malloc(l->len - l->pos + 1);
        if (!v)
                return lex_oom(l);
        for (;;) {
                unsigned char c;

                if (at_end(l))
                        return lex_fail(l, "unterminated quoted string");
                c = (unsigned char)l->s[l->pos];
                if (c == '"')
                        break;
                if (c == '\\') {
                        l->pos++;
                        if (at_end(l))
                                return lex_fail(l, "unterminated quoted string");
                        c = (unsigned char)l->s[l->pos];
                }
                /* qdtext and quoted-pair: HTAB, SP, VCHAR, obs-text; no other controls */
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return lex_fail(l, "control character in quoted string");
                v[n++] = (char)c;
                l->pos++;
        }
        l->pos++;
        v[n] = '\0';
        *ret = TAKE_PTR(v);
        return 0;
}

/*
 * An auth-param at l->pos: 1 and *ret filled when there is one, 0 with
 * l->pos unchanged when what follows is not one (a token68, or the next
 * challenge's scheme), < 0 on a broken one.
 */
static int
scan_param(struct lexer *l, struct auth_param *ret)
{
        _cleanup_free_ char *name = NULL, *value = NULL;
        size_t start = l->pos, n, vstart;
        int r;

        n = scan_token(l);
        if (n == 0)
                goto not_param;
        (void)skip_ows(l);
        if (peek(l) != '=')
                goto not_param;
        l->pos++;
        (void)skip_ows(l);
        if (peek(l) == '"') {
                r = scan_quoted(l, &value);
                if (r < 0)
                        return r;
        } else {
                vstart = l->pos;
                if (scan_token(l) == 0)
                        goto not_param; /* "abc==": a token68 */
                value = strndup(l->s + vstart, l->pos - vstart);
                if (!value)
                        return lex_oom(l);
        }
        name = strndup(l->s + start, n);
        if (!name)
                return lex_oom(l);
        ret->name = TAKE_PTR(name);
        ret->value = TAKE_PTR(value);
        return 1;
not_param:
        l->pos = start;
        return 0;
}

/* Whether an auth-param (token BWS "=") starts at l->pos, rather than a new challenge */
static bool
param_ahead(struct lexer *l)
{
        size_t start = l->pos;
        bool yes;

        yes = scan_token(l) > 0;
        (void)skip_ows(l);
        yes = yes && peek(l) == '=';
        l->pos = start;
        return yes;
}

static void
challenge_done(struct auth_challenge *c)
{
        free(c->scheme);
        free(c->token68);
        for (size_t i = 0; i < c->n_params; i++) {
                free(c->params[i].name);
                free(c->params[i].value);
        }
        free(c->params);
}

void
auth_challenges_free(struct auth_challenge *c, size_t n)
{
        for (size_t i = 0; i < n; i++)
                challenge_done(&c[i]);
        free(c);
}

static int
add_param(struct lexer *l, struct auth_challenge *c, struct auth_param *p)
{
        for (size_t i = 0; i < c->n_params; i++)
                if (strcasecmp(c->params[i].name, p->name) == 0) {
                        free(p->name);
                        free(p->value);
                        return lex_fail(l, "parameter named twice in one challenge");
                }
        if (c->n_params == AUTH_PARAMS_MAX) {
                free(p->name);
                free(p->value);
                return lex_fail(l, "too many parameters");
        }
        c->params[c->n_params++] = *p;
        return 0;
}

/* The part of a challenge after its scheme and the space: a token68 or auth-params */
static int
scan_challenge_body(struct lexer *l, struct auth_challenge *c)
{
        struct auth_param p = {NULL, NULL};
        size_t start;
        int r;

        c->params = calloc(AUTH_PARAMS_MAX, sizeof(*c->params));
        if (!c->params)
                return lex_oom(l);
        r = scan_param(l, &p);
        if (r < 0)
                return r;
        if (r == 0) {
                start = l->pos;
                while (!at_end(l) && is_t68char((unsigned char)l->s[l->pos]))
                        l->pos++;
                if (l->pos == start)
                        return lex_fail(l, "expected a token68 or parameters");
                while (peek(l) == '=')
                        l->pos++;
                c->token68 = strndup(l->s + start, l->pos - start);
                if (!c->token68)
                        return lex_oom(l);
                (void)skip_ows(l);
                if (!at_end(l) && peek(l) != ',')
                        return lex_fail(l, "expected ',' after the token68");
                return 0;
        }
        r = add_param(l, c, &p);
        if (r < 0)
                return r;
        for (;;) {
                size_t save;

                (void)skip_ows(l);
                if (at_end(l))
                        return 0;
                if (peek(l) != ',')
                        return lex_fail(l, "expected ','");
                /* a comma ends a parameter or the whole challenge: look past empty elements */
                save = l->pos;
                while (peek(l) == ',' || peek(l) == ' ' || peek(l) == '\t')
                        l->pos++;
                if (at_end(l))
                        return 0;
                if (!param_ahead(l)) {
                        l->pos = save;
                        return 0;
                }
                r = scan_param(l, &p);
                if (r < 0)
                        return r;
                if (r == 0)
                        return lex_fail(l, "expected a parameter value");
                r = add_param(l, c, &p);
                if (r < 0)
                        return r;
        }
}

int
auth_challenges_parse(const char *buf, size_t len, struct auth_challenge **ret, size_t *ret_n,
                      struct berr **err)
{
        struct lexer l = {.s = buf, .len = len, .err = err};
        struct auth_challenge *cs;
        size_t n = 0, slen;
        int r = 0;

        if (l.len > 0 && l.s[l.len - 1] == '\n')
                l.len--;
        if (l.len > 0 && l.s[l.len - 1] == '\r')
                l.len--;
        cs = calloc(AUTH_CHALLENGES_MAX, sizeof(*cs));
        if (!cs)
                return berr(err, ENOMEM, "WWW-Authenticate");
        for (;;) {
                struct auth_challenge *c;

                /* 1#challenge: empty list elements are allowed around the commas */
                while (peek(&l) == ',' || peek(&l) == ' ' || peek(&l) == '\t')
                        l.pos++;
                if (at_end(&l))
                        break;
                if (n == AUTH_CHALLENGES_MAX) {
                        r = lex_fail(&l, "too many challenges");
                        goto fail;
                }
                c = &cs[n];
                slen = scan_token(&l);
                if (slen == 0) {
                        r = lex_fail(&l, "expected an auth scheme");
                        goto fail;
                }
                n++;
                c->scheme = strndup(l.s + l.pos - slen, slen);
                if (!c->scheme) {
                        r = lex_oom(&l);
                        goto fail;
                }
                if (at_end(&l) || peek(&l) == ',')
                        continue;
                if (skip_ows(&l) == 0) {
                        r = lex_fail(&l, "expected a space after the auth scheme");
                        goto fail;
                }
                if (at_end(&l) || peek(&l) == ',')
                        continue;
                r = scan_challenge_body(&l, c);
                if (r < 0)
                        goto fail;
        }
        if (n == 0) {
                (void)berr(err, 0, "WWW-Authenticate: no challenge");
                r = -EINVAL;
                goto fail;
        }
        *ret = cs;
        *ret_n = n;
        return 0;
fail:
        auth_challenges_free(cs, n);
        return r;
}

const char *
auth_challenge_param(const struct auth_challenge *c, const char *name)
{
        for (size_t i = 0; i < c->n_params; i++)
                if (strcasecmp(c->params[i].name, name) == 0)
                        return c->params[i].value;
        return NULL;
}

const struct auth_challenge *
auth_challenge_find(const struct auth_challenge *c, size_t n, const char *scheme)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(c[i].scheme, scheme) == 0)
                        return &c[i];
        return NULL;
}

/* ---- the token endpoint ---- */

struct auth_token *
auth_token_free(struct auth_token *t)
{
        if (t) {
                free(t->token);
                free(t);
        }
        return NULL;
}

/* The token goes into "Authorization: Bearer <token>": no byte may end or fold the header. */
static bool
token_printable(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s >= 0x7f)
                        return false;
        return true;
}

static int
token_string(const json_t *doc, const char *key, const char **ret, struct berr **err)
{
        json_t *v = json_object_get(doc, key);

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return berr(err, 0, "token response: %s: expected a string", key);
        *ret = json_string_value(v);
        return 0;
}

int
auth_token_parse(const void *buf, size_t len, struct auth_token **ret, struct berr **err)
{
        _cleanup_(jsonp_free) json_t *doc = NULL;
        _cleanup_(auth_token_freep) struct auth_token *t = NULL;
        const char *token, *access, *issued;
        json_error_t jerr;
        json_t *v;
        int r;

        if (len > AUTH_TOKEN_RESPONSE_MAX)
                return berr(err, 0, "token response: %zu bytes, more than the 1 MiB berth reads",
                            len);
        doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!doc)
                /* jansson's text would quote the answer, and it holds a token: leave it out */
                return berr(err, 0, "token response: invalid JSON at line %d column %d", jerr.line,
                            jerr.column);
        if (!json_is_object(doc))
                return berr(err, 0, "token response: expected a JSON object");

        r = token_string(doc, "token", &token, err);
        if (r < 0)
                return r;
        r = token_string(doc, "access_token", &access, err);
        if (r < 0)
                return r;
        /* Docker's and containers/image's order: token, else the OAuth 2 name */
        if (!token || !*token)
                token = access;
        if (!token || !*token)
                return berr(err, 0, "token response: neither token nor access_token");
        if (!token_printable(token))
                return berr(err, 0,
                            "token response: the token has bytes an HTTP header cannot carry");

        t = calloc(1, sizeof(*t));
        if (!t)
                return berr(err, ENOMEM, "token response");
        t->token = strdup(token);
        if (!t->token)
                return berr(err, ENOMEM, "token response");

        t->expires_in = AUTH_TOKEN_MIN_LIFETIME;
        v = json_object_get(doc, "expires_in");
        if (v && !json_is_null(v)) {
                if (!json_is_integer(v))
                        return berr(err, 0, "token response: expires_in: expected an integer");
                if (json_integer_value(v) > AUTH_TOKEN_MIN_LIFETIME)
                        t->expires_in = (uint64_t)json_integer_value(v);
        }

        r = token_string(doc, "issued_at", &issued, err);
        if (r < 0)
                return r;
        if (issued) {
                if (rfc3339_parse(issued, &t->issued_at) < 0)
                        return berr(err, 0, "token response: issued_at: not an RFC 3339 time");
                t->has_issued_at = true;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

int64_t
auth_token_expiry(const struct auth_token *t, int64_t now)
{
        int64_t from = t->has_issued_at ? t->issued_at : now;

        if (t->expires_in > (uint64_t)INT64_MAX || from > INT64_MAX - (int64_t)t->expires_in)
                return INT64_MAX;
        return from + (int64_t)t->expires_in;
}

/* ---- auth.json ---- */

/* berr()'s value spelled out: the analyzer follows no variadic call */
static int
nomem(struct berr **err, const char *what)
{
        (void)berr(err, ENOMEM, "%s", what);
        return -ENOMEM;
}

static const char *
env_nonempty(const char *name)
{
        const char *v = getenv(name);

        return v && *v ? v : NULL;
}

char *
auth_file_default_path_for(uid_t uid)
{
        const char *v;
        char *p = NULL;

        if ((v = env_nonempty("REGISTRY_AUTH_FILE")))
                return strdup(v);
        /* containers/common's GetDefaultAuthFile: podman login writes there too */
        if ((v = env_nonempty("DOCKER_CONFIG")))
                return asprintf(&p, "%s/config.json", v) < 0 ? NULL : p;
        if (uid == 0)
                return strdup("/run/containers/0/auth.json");
        if ((v = env_nonempty("XDG_RUNTIME_DIR")))
                return asprintf(&p, "%s/containers/auth.json", v) < 0 ? NULL : p;
        return asprintf(&p, "/run/containers/%u/auth.json", (unsigned)uid) < 0 ? NULL : p;
}

char *
auth_file_default_path(void)
{
        return auth_file_default_path_for(geteuid());
}

int
auth_file_search_path(uid_t uid, char ***ret, struct berr **err)
{
        _cleanup_(strvp_free) char **v = calloc(4, sizeof(char *));
        const char *home = env_nonempty("HOME"), *cfg = env_nonempty("XDG_CONFIG_HOME");
        size_t n = 0;

        if (!v)
                return nomem(err, "auth file paths");
        v[n] = auth_file_default_path_for(uid);
        if (!v[n++])
                return nomem(err, "auth file paths");
        if (!env_nonempty("REGISTRY_AUTH_FILE") && !env_nonempty("DOCKER_CONFIG")) {
                char *p = NULL;

                if ((cfg || home) && asprintf(&p, "%s%s/containers/auth.json", cfg ? cfg : home,
                                              cfg ? "" : "/.config") < 0)
                        return nomem(err, "auth file paths");
                if (p)
                        v[n++] = TAKE_PTR(p);
                if (home && asprintf(&p, "%s/.docker/config.json", home) < 0)
                        return nomem(err, "auth file paths");
                v[n] = p;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/*
 * The auth file at path as a JSON object into *ret; 0 with *ret NULL when
 * the file does not exist. An empty file is an empty object (podman too).
 */
static int
auth_file_read(const char *path, json_t **ret, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        json_error_t jerr;
        struct stat st;
        json_t *j;

        *ret = NULL;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                if (errno == ENOENT)
                        return 0;
                return berr(err, errno, "open %s", path);
        }
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return berr(err, 0, "%s: not a regular file", path);
        if ((uint64_t)st.st_size > AUTH_FILE_SIZE_MAX)
                return berr(err, 0, "%s: larger than 16 MiB, not an auth file", path);
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return berr(err, ENOMEM, "%s", path);
        while (len < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return berr(err, errno, "read %s", path);
                if (k == 0)
                        break; /* it shrank: parse what there is */
                len += (size_t)k;
        }
        buf[len] = '\0';
        if (strspn(buf, " \t\r\n") == len) {
                j = json_object();
                if (!j)
                        return berr(err, ENOMEM, "%s", path);
                *ret = j;
                return 0;
        }
        /* a password may sit next to the error: say where, not what */
        j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!j)
                return berr(err, 0, "%s: invalid JSON at line %d column %d", path, jerr.line,
                            jerr.column);
        if (!json_is_object(j)) {
                json_decref(j);
                return berr(err, 0, "%s: expected a JSON object", path);
        }
        *ret = j;
        return 0;
}

/* docker.io's other names, as containers/image's normalizeRegistry() knows them */
static const char *
registry_canonical(const char *host)
{
        if (strcmp(host, "index.docker.io") == 0 || strcmp(host, "registry-1.docker.io") == 0)
                return "docker.io";
        return host;
}

/*
 * The registry an auths key stands for when it is not an exact match:
 * URL keys ("https://index.docker.io/v1/") are their host; a plain key is
 * itself (a namespaced key "quay.io/team" matches only exactly).
 */
static char *
key_registry(const char *key)
{
        const char *s = key;
        size_t n;

        if (strncmp(s, "https://", 8) == 0)
                s += 8;
        else if (strncmp(s, "http://", 7) == 0)
                s += 7;
        else
                return strdup(registry_canonical(key));
        n = strcspn(s, "/");
        {
                _cleanup_free_ char *host = strndup(s, n);

                if (!host)
                        return NULL;
                return strdup(registry_canonical(host));
        }
}

static int
decode_auth(const char *path, const char *key, const char *auth, char **ret_user,
            char **ret_password, struct berr **err)
{
        _cleanup_free_ unsigned char *raw = NULL;
        _cleanup_free_ char *user = NULL, *password = NULL;
        size_t n;
        char *colon;

        if (base64_decode(auth, strlen(auth), &raw, &n) < 0)
                return berr(err, 0, "%s: auths[\"%s\"].auth: not base64", path, key);
        /* Old Docker versions padded the password with NULs; podman trims them too. */
        while (n > 0 && raw[n - 1] == '\0')
                n--;
        if (memchr(raw, '\0', n))
                return berr(err, 0, "%s: auths[\"%s\"].auth: a NUL byte in the credentials", path,
                            key);
        raw[n] = '\0';
        colon = strchr((char *)raw, ':');
        if (!colon)
                return berr(err, 0, "%s: auths[\"%s\"].auth: not user:password", path, key);
        *colon = '\0';
        user = strdup((char *)raw);
        password = strdup(colon + 1);
        explicit_bzero(raw, n);
        if (!user || !password)
                return berr(err, ENOMEM, "%s", path);
        *ret_user = TAKE_PTR(user);
        *ret_password = TAKE_PTR(password);
        return 1;
}

/* The keys to try exactly, most specific first: registry/a/b, registry/a, registry */
static char **
exact_keys(const char *registry, const char *repository)
{
        _cleanup_free_ char *full = NULL;
        size_t n = 1, k = 0;
        char **v;

        if (repository && *repository) {
                if (asprintf(&full, "%s/%s", registry, repository) < 0)
                        return NULL;
        } else {
                full = strdup(registry);
                if (!full)
                        return NULL;
        }
        for (const char *p = full; *p; p++)
                n += *p == '/';
        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t len = strlen(full);;) {
                v[k] = strndup(full, len);
                if (!v[k]) {
                        strvp_free(&v);
                        return NULL;
                }
                k++;
                while (len > strlen(registry) && full[len - 1] != '/')
                        len--;
                if (len <= strlen(registry))
                        break;
                len--; /* the slash */
        }
        return v;
}

/* One file: 1 and the credentials, 0 when it has none for registry, < 0 on errors */
static int
lookup_file(const char *path, json_t *doc, const char *registry, const char *repository,
            char **ret_user, char **ret_password, struct berr **err)
{
        _cleanup_(strvp_free) char **keys = NULL;
        json_t *auths, *helpers, *store, *entry = NULL, *auth;
        const char *key = NULL, *k;
        json_t *v;

        helpers = json_object_get(doc, "credHelpers");
        if (json_is_object(helpers)) {
                json_object_foreach (helpers, k, v) {
                        _cleanup_free_ char *reg = key_registry(k);

                        if (!reg)
                                return berr(err, ENOMEM, "%s", path);
                        if (strcmp(reg, registry) == 0)
                                return berr(err, 0,
                                            "%s: credHelpers names a credential helper for %s: "
                                            "berth does not run credential helpers, log in "
                                            "with berth login",
                                            path, registry);
                }
        }

        auths = json_object_get(doc, "auths");
        if (!auths || json_is_null(auths))
                return 0;
        if (!json_is_object(auths))
                return berr(err, 0, "%s: auths: expected an object", path);

        keys = exact_keys(registry, repository);
        if (!keys)
                return berr(err, ENOMEM, "%s", path);
        for (size_t i = 0; keys[i] && !entry; i++)
                if ((entry = json_object_get(auths, keys[i])))
                        key = keys[i];
        if (!entry)
                json_object_foreach (auths, k, v) {
                        _cleanup_free_ char *reg = key_registry(k);

                        if (!reg)
                                return berr(err, ENOMEM, "%s", path);
                        if (strcmp(reg, registry) == 0) {
                                entry = v;
                                key = k;
                                break;
                        }
                }
        if (!entry)
                return 0;
        if (!json_is_object(entry))
                return berr(err, 0, "%s: auths[\"%s\"]: expected an object", path, key);
        auth = json_object_get(entry, "auth");
        if (auth && !json_is_null(auth) && !json_is_string(auth))
                return berr(err, 0, "%s: auths[\"%s\"].auth: expected a string", path, key);
        if (!auth || !json_is_string(auth) || !*json_string_value(auth)) {
                /* Docker leaves an empty entry where its credsStore holds the password */
                store = json_object_get(doc, "credsStore");
                if (json_is_string(store))
                        return berr(err, 0,
                                    "%s: credsStore keeps the credentials for %s: berth does "
                                    "not run credential helpers, log in with berth login",
                                    path, registry);
                return 0;
        }
        return decode_auth(path, key, json_string_value(auth), ret_user, ret_password, err);
}

int
auth_file_lookup_paths(char *const *paths, const char *registry, const char *repository,
                       char **ret_user, char **ret_password, struct berr **err)
{
        const char *reg = registry_canonical(registry);

        for (size_t i = 0; paths[i]; i++) {
                _cleanup_(jsonp_free) json_t *doc = NULL;
                int r;

                r = auth_file_read(paths[i], &doc, err);
                if (r < 0)
                        return r;
                if (!doc)
                        continue;
                r = lookup_file(paths[i], doc, reg, repository, ret_user, ret_password, err);
                if (r != 0)
                        return r;
        }
        *ret_user = NULL;
        *ret_password = NULL;
        return 0;
}

int
auth_file_lookup(const char *path_or_null, const char *registry, const char *repository,
                 char **ret_user, char **ret_password, struct berr **err)
{
        _cleanup_(strvp_free) char **paths = NULL;
        int r;

        if (path_or_null) {
                char *one[] = {(char *)path_or_null, NULL};

                /* --authfile names a file: that it is missing is worth saying (podman does) */
                if (access(path_or_null, F_OK) < 0)
                        return berr(err, errno, "credential file %s is not accessible",
                                    path_or_null);
                return auth_file_lookup_paths(one, registry, repository, ret_user, ret_password,
                                              err);
        }
        r = auth_file_search_path(geteuid(), &paths, err);
        if (r < 0)
                return r;
        return auth_file_lookup_paths(paths, registry, repository, ret_user, ret_password, err);
}

/* ---- writing ---- */

/*
 * The key as podman's login stores it: a URL becomes its host[:port]
 * (docker.io's legacy hosts docker.io), a key with a path must be a
 * registry and a repository path, no tag, digest or stray characters.
 */
static int
normalize_key(const char *key, char **ret, struct berr **err)
{
        _cleanup_free_ char *k = NULL;
        const char *s = key, *slash;
        size_t n;

        if (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0) {
                s += s[4] == 's' ? 8 : 7;
                k = strndup(s, strcspn(s, "/"));
        } else {
                k = strdup(s);
        }
        if (!k)
                return nomem(err, "auth key");
        n = strlen(k);
        if (n == 0 || k[0] == '/' || k[n - 1] == '/' || strstr(k, "//") ||
            strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:/") != n) {
                (void)berr(err, 0, "'%s' is not a registry or registry/namespace key", key);
                return -EINVAL;
        }
        slash = strchr(k, '/');
        /* a colon past the host is a tag: credentials belong to repositories, not tags */
        if (slash && strchr(slash, ':')) {
                (void)berr(err, 0, "'%s' names a tag: keys are registry[/namespace]", key);
                return -EINVAL;
        }
        if (!slash) {
                const char *c = registry_canonical(k);

                if (c != k) {
                        free(k);
                        k = strdup(c);
                        if (!k)
                                return nomem(err, "auth key");
                }
        }
        *ret = TAKE_PTR(k);
        return 0;
}

static int
mkdir_parents(const char *path, struct berr **err)
{
        _cleanup_free_ char *p = strdup(path);
        char *s;

        if (!p)
                return berr(err, ENOMEM, "%s", path);
        s = strrchr(p, '/');
        if (!s || s == p)
                return 0;
        *s = '\0';
        for (char *c = p + 1; *c; c++) {
                if (*c != '/')
                        continue;
                *c = '\0';
                if (mkdir(p, 0700) < 0 && errno != EEXIST)
                        return berr(err, errno, "create %s", p);
                *c = '/';
        }
        if (mkdir(p, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", p);
        return 0;
}

/*
 * doc to path: a 0600 temp file in the same directory, fsync, rename over
 * path, fsync the directory, so a crash leaves the old file or the new one.
 */
static int
auth_file_write(const char *path, const json_t *doc, struct berr **err)
{
        _cleanup_free_ char *text = NULL, *tmp = NULL, *dir = NULL;
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;
        const char *slash;
        int r;

        r = mkdir_parents(path, err);
        if (r < 0)
                return r;
        text = json_dumps(doc, JSON_INDENT(8));
        if (!text)
                return berr(err, ENOMEM, "%s", path);
        slash = strrchr(path, '/');
        dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
        if (!dir || asprintf(&tmp, "%s/.%s.XXXXXX", dir, slash ? slash + 1 : path) < 0) {
                tmp = NULL;
                return berr(err, ENOMEM, "%s", path);
        }
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "create a temporary file beside %s", path);
        /* mkostemp() makes it 0600 less the umask; the mode is the point, so say it */
        if (fchmod(fd, 0600) < 0) {
                r = berr(err, errno, "chmod %s", tmp);
                goto fail;
        }
        r = fs_write_all(fd, text, strlen(text));
        if (r == 0)
                r = fs_write_all(fd, "\n", 1);
        if (r < 0) {
                r = berr(err, -r, "write %s", tmp);
                goto fail;
        }
        if (fsync(fd) < 0) {
                r = berr(err, errno, "fsync %s", tmp);
                goto fail;
        }
        if (rename(tmp, path) < 0) {
                r = berr(err, errno, "rename %s to %s", tmp, path);
                goto fail;
        }
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
                return berr(err, errno, "fsync %s", dir);
        return 0;
fail:
        (void)unlink(tmp);
        return r;
}

/* The auths object of doc, made when missing */
static int
auths_of(const char *path, json_t *doc, bool create, json_t **ret, struct berr **err)
{
        json_t *a = json_object_get(doc, "auths");

        if ((!a || json_is_null(a)) && create) {
                a = json_object();
                if (!a || json_object_set_new(doc, "auths", a) < 0)
                        return berr(err, ENOMEM, "%s", path);
        }
        if (a && !json_is_null(a) && !json_is_object(a))
                return berr(err, 0, "%s: auths: expected an object", path);
        *ret = json_is_object(a) ? a : NULL;
        return 0;
}

int
auth_file_store(const char *path, const char *key, const char *user, const char *password,
                struct berr **err)
{
        _cleanup_(jsonp_free) json_t *doc = NULL;
        _cleanup_free_ char *k = NULL, *pair = NULL, *b64 = NULL;
        json_t *auths, *entry;
        int r;

        r = normalize_key(key, &k, err);
        if (r < 0)
                return r;
        if (!*user)
                return berr(err, 0, "empty user name");
        /* "user:password" splits at the first colon */
        if (strchr(user, ':'))
                return berr(err, 0, "a user name cannot contain ':'");
        r = auth_file_read(path, &doc, err);
        if (r < 0)
                return r;
        if (!doc && !(doc = json_object()))
                return berr(err, ENOMEM, "%s", path);
        r = auths_of(path, doc, true, &auths, err);
        if (r < 0)
                return r;
        if (asprintf(&pair, "%s:%s", user, password) < 0) {
                pair = NULL;
                return berr(err, ENOMEM, "%s", path);
        }
        b64 = base64_encode(pair, strlen(pair));
        explicit_bzero(pair, strlen(pair));
        if (!b64)
                return berr(err, ENOMEM, "%s", path);
        /* A new entry, as podman writes it: a stale identitytoken must not outlive a login. */
        entry = json_pack("{s:s}", "auth", b64);
        explicit_bzero(b64, strlen(b64));
        if (!entry || json_object_set_new(auths, k, entry) < 0)
                return berr(err, ENOMEM, "%s", path);
        return auth_file_write(path, doc, err);
}

int
auth_file_remove(const char *path, const char *key, struct berr **err)
{
        _cleanup_(jsonp_free) json_t *doc = NULL;
        _cleanup_free_ char *k = NULL;
        json_t *auths = NULL, *v;
        const char *name;
        void *tmp;
        int r, removed = 0;

        r = normalize_key(key, &k, err);
        if (r < 0)
                return r;
        r = auth_file_read(path, &doc, err);
        if (r < 0 || !doc)
                return r;
        r = auths_of(path, doc, false, &auths, err);
        if (r < 0 || !auths)
                return r;
        json_object_foreach_safe(auths, tmp, name, v)
        {
                bool match = name && strcmp(name, k) == 0;

                /* logging out of a registry logs out of its URL and legacy keys too */
                if (!match && name && !strchr(k, '/')) {
                        _cleanup_free_ char *reg = key_registry(name);

                        if (!reg)
                                return berr(err, ENOMEM, "%s", path);
                        match = strcmp(reg, k) == 0;
                }
                if (match) {
                        (void)json_object_del(auths, name);
                        removed = 1;
                }
        }
        if (!removed)
                return 0;
        r = auth_file_write(path, doc, err);
        return r < 0 ? r : 1;
}
