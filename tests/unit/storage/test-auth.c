/*
 * tests/unit/storage/test-auth.c: WWW-Authenticate challenges, token
 * answers, and auth.json read and written as podman does, in a temporary
 * HOME and XDG_RUNTIME_DIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "storage/auth.h"
#include "util/berr.h"
#include "util/cleanup.h"

static char last_error[1024];

static const char *
challenge_err(const char *s, size_t len)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct auth_challenge *c = NULL;
        size_t n = 99;
        int r;

        r = auth_challenges_parse(s, len, &c, &n, &err);
        if (r >= 0) {
                auth_challenges_free(c, n);
                return "(parsed)";
        }
        if (r != -EINVAL || c || n != 99)
                return "(wrong return)";
        (void)snprintf(last_error, sizeof(last_error), "%s", err->msg);
        return last_error;
}

static void
test_challenge_docker_hub(void)
{
        const char h[] = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker."
                         "io\",scope=\"repository:library/busybox:pull\"";
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct auth_challenge *c = NULL;
        size_t n = 0;

        check(auth_challenges_parse(h, strlen(h), &c, &n, &err) == 0);
        check(n == 1);
        if (n != 1)
                return;
        check_str(c[0].scheme, "Bearer");
        check(c[0].token68 == NULL && c[0].n_params == 3);
        check_str(auth_challenge_param(&c[0], "realm"), "https://auth.docker.io/token");
        check_str(auth_challenge_param(&c[0], "service"), "registry.docker.io");
        check_str(auth_challenge_param(&c[0], "SCOPE"), "repository:library/busybox:pull");
        check(auth_challenge_param(&c[0], "error") == NULL);
        check(auth_challenge_find(c, n, "bearer") == &c[0]);
        check(auth_challenge_find(c, n, "basic") == NULL);
        auth_challenges_free(c, n);
}

static void
test_challenge_forms(void)
{
        struct auth_challenge *c = NULL;
        size_t n = 0;
        const char *h;

        /* basic auth, as the distribution registry's htpasswd mode sends it; a raw line's CR LF */
        h = "Basic realm=\"Registry Realm\"\r\n";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0 && n == 1);
        check_str(c[0].scheme, "Basic");
        check_str(auth_challenge_param(&c[0], "realm"), "Registry Realm");
        auth_challenges_free(c, n);

        /* several challenges, odd spacing, empty list elements, case */
        h = "  basic   REALM = \"a\" ,, , Bearer realm=\"https://x/token\" ,service=x.io,"
            "scope=\"repository:a/b:pull,push\",  Negotiate  ,Newauth abc==, Basic realm=b";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0);
        check(n == 5);
        if (n == 5) {
                check_str(c[0].scheme, "basic");
                check_str(c[0].params[0].name, "REALM");
                check_str(auth_challenge_param(&c[0], "realm"), "a");
                check_str(c[1].scheme, "Bearer");
                check(c[1].n_params == 3);
                check_str(auth_challenge_param(&c[1], "service"), "x.io");
                check_str(auth_challenge_param(&c[1], "scope"), "repository:a/b:pull,push");
                check_str(c[2].scheme, "Negotiate");
                check(c[2].n_params == 0 && c[2].token68 == NULL);
                check_str(c[3].scheme, "Newauth");
                check_str(c[3].token68, "abc==");
                check(c[3].n_params == 0);
                check_str(auth_challenge_param(&c[4], "realm"), "b");
                check(auth_challenge_find(c, n, "BASIC") == &c[0]);
                check(auth_challenge_find(c, n, "newauth") == &c[3]);
        }
        auth_challenges_free(c, n);

        /* quoted-pair escapes, an empty value, tabs, an error from GHCR */
        h = "Bearer realm=\"a\\\"b\\\\c\\d\",\tservice=\"\",error=\"insufficient_scope\"";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0 && n == 1);
        check_str(auth_challenge_param(&c[0], "realm"), "a\"b\\cd");
        check_str(auth_challenge_param(&c[0], "service"), "");
        check_str(auth_challenge_param(&c[0], "error"), "insufficient_scope");
        auth_challenges_free(c, n);

        /* a token68 that ends the header, a scheme alone */
        h = "Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu/+~_.-==";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0 && n == 1);
        check_str(c[0].token68, "YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu/+~_.-==");
        auth_challenges_free(c, n);
        h = "Basic";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0 && n == 1);
        check(c[0].n_params == 0 && c[0].token68 == NULL);
        auth_challenges_free(c, n);
        /* "realm=" with no value reads as the token68 "realm=" (the grammar's only reading) */
        h = "Bearer realm=";
        check(auth_challenges_parse(h, strlen(h), &c, &n, NULL) == 0 && n == 1);
        check_str(c[0].token68, "realm=");
        auth_challenges_free(c, n);
}

static void
test_challenge_malformed(void)
{
        static const struct {
                const char *h, *msg;
        } cases[] = {
                {"", "WWW-Authenticate: no challenge"},
                {" , ,", "WWW-Authenticate: no challenge"},
                {"\r\n", "WWW-Authenticate: no challenge"},
                {"=x", "WWW-Authenticate: expected an auth scheme at byte 0"},
                {"\"Bearer\"", "WWW-Authenticate: expected an auth scheme at byte 0"},
                {"Bearer realm=\"x", "WWW-Authenticate: unterminated quoted string at byte 15"},
                {"Bearer realm=\"x\\", "WWW-Authenticate: unterminated quoted string at byte 16"},
                {"Bearer realm=x y", "WWW-Authenticate: expected ',' at byte 15"},
                {"Bearer realm=\"a\", realm=\"b\"",
                 "WWW-Authenticate: parameter named twice in one challenge at byte 27"},
                {"Bearer realm=\"a\",REALM=b",
                 "WWW-Authenticate: parameter named twice in one challenge at byte 24"},
                {"Bearer,realm=\"x\"",
                 "WWW-Authenticate: expected a space after the auth scheme at byte 12"},
                {"Bearer realm=\"a\x01\"",
                 "WWW-Authenticate: control character in quoted string at byte 15"},
                {"Bearer realm=\"a\nb\"",
                 "WWW-Authenticate: control character in quoted string at byte 15"},
                {"Bearer \"x\"", "WWW-Authenticate: expected a token68 or parameters at byte 7"},
                {"Basic abc== def", "WWW-Authenticate: expected ',' after the token68 at byte 12"},
                {"Bearer a=b, c=", "WWW-Authenticate: expected a parameter value at byte 12"},
                {"Bearer a=b, c=,", "WWW-Authenticate: expected a parameter value at byte 12"},
                {"Bearer a=b;c=d", "WWW-Authenticate: expected ',' at byte 10"},
                {"Basic\x7f", "WWW-Authenticate: expected a space after the auth scheme at byte 5"},
        };
        char many[64 * 7 + 16];
        size_t len = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_str(challenge_err(cases[i].h, strlen(cases[i].h)), cases[i].msg);
        /* a NUL is not the end of the header */
        check_str(challenge_err("Basic\0 realm=x", 14),
                  "WWW-Authenticate: expected a space after the auth scheme at byte 5");
        for (int i = 0; i < 64; i++)
                len += (size_t)snprintf(many + len, sizeof(many) - len, "Basic, ");
        check_str(challenge_err(many, strlen(many)), "(parsed)");
        (void)snprintf(many + len, sizeof(many) - len, "Basic");
        check_str(challenge_err(many, strlen(many)),
                  "WWW-Authenticate: too many challenges at byte 448");
}

static const char *
token_err(const char *json)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct auth_token *t = NULL;

        if (auth_token_parse(json, strlen(json), &t, &err) >= 0) {
                auth_token_free(t);
                return "(parsed)";
        }
        (void)snprintf(last_error, sizeof(last_error), "%s", err->msg);
        return last_error;
}

static void
test_token(void)
{
        const char hub[] = "{\"token\":\"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig\","
                           "\"access_token\":\"other\",\"expires_in\":300,"
                           "\"issued_at\":\"2024-05-01T12:00:00.123456Z\"}";
        const char oauth[] = "{\"access_token\":\"xyz\",\"refresh_token\":\"r\"}";
        const char fallback[] = "{\"token\":\"\",\"access_token\":\"b\",\"expires_in\":10}";
        const char negative[] = "{\"token\":\"a\",\"expires_in\":-5,\"issued_at\":null}";
        struct auth_token *t = NULL;

        check(auth_token_parse(hub, strlen(hub), &t, NULL) == 0);
        if (t) {
                check_str(t->token, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.sig");
                check(t->expires_in == 300);
                check(t->has_issued_at && t->issued_at == 1714564800);
                check(auth_token_expiry(t, 5) == 1714564800 + 300);
        }
        t = auth_token_free(t);

        check(auth_token_parse(oauth, strlen(oauth), &t, NULL) == 0);
        if (t) {
                check_str(t->token, "xyz");
                check(t->expires_in == AUTH_TOKEN_MIN_LIFETIME && !t->has_issued_at);
                check(auth_token_expiry(t, 1000) == 1060);
        }
        t = auth_token_free(t);

        /* an empty token falls back to access_token; short lives are made 60 s */
        check(auth_token_parse(fallback, strlen(fallback), &t, NULL) == 0);
        if (t) {
                check_str(t->token, "b");
                check(t->expires_in == 60);
        }
        t = auth_token_free(t);
        check(auth_token_parse(negative, strlen(negative), &t, NULL) == 0);
        check(t && t->expires_in == 60 && !t->has_issued_at);
        t = auth_token_free(t);
}

static void
test_token_errors(void)
{
        static const struct {
                const char *json, *msg;
        } cases[] = {
                {"", "token response: invalid JSON at line 1 column 0"},
                {"{\"token\":\"secret", "token response: invalid JSON at line 1 column 16"},
                {"[\"x\"]", "token response: expected a JSON object"},
                {"{}", "token response: neither token nor access_token"},
                {"{\"token\":\"\"}", "token response: neither token nor access_token"},
                {"{\"token\":5}", "token response: token: expected a string"},
                {"{\"access_token\":[]}", "token response: access_token: expected a string"},
                {"{\"token\":\"a b\"}",
                 "token response: the token has bytes an HTTP header cannot carry"},
                {"{\"token\":\"a\\r\\nX-Evil: 1\"}",
                 "token response: the token has bytes an HTTP header cannot carry"},
                {"{\"token\":\"caf\\u00e9\"}",
                 "token response: the token has bytes an HTTP header cannot carry"},
                {"{\"token\":\"a\",\"expires_in\":\"300\"}",
                 "token response: expires_in: expected an integer"},
                {"{\"token\":\"a\",\"expires_in\":1.5}",
                 "token response: expires_in: expected an integer"},
                {"{\"token\":\"a\",\"issued_at\":\"yesterday\"}",
                 "token response: issued_at: not an RFC 3339 time"},
                {"{\"token\":\"a\",\"issued_at\":5}",
                 "token response: issued_at: expected a string"},
                {"{\"token\":\"a\",\"token\":\"b\"}",
                 "token response: invalid JSON at line 1 column 20"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_str(token_err(cases[i].json), cases[i].msg);
}

/* ---- auth.json, in a temporary directory ---- */

static char tmpdir[64];

static void
path_in(char *buf, size_t size, const char *rel)
{
        (void)snprintf(buf, size, "%s/%s", tmpdir, rel);
}

static void
write_text(const char *rel, const char *text)
{
        char p[256], dir[256];
        char *slash;
        FILE *f;

        path_in(p, sizeof(p), rel);
        (void)snprintf(dir, sizeof(dir), "%s", p);
        for (slash = strchr(dir + strlen(tmpdir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                (void)mkdir(dir, 0700);
                *slash = '/';
        }
        f = fopen(p, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void
remove_tree(const char *path)
{
        struct stat st;
        DIR *d;
        struct dirent *de;

        if (lstat(path, &st) < 0)
                return;
        if (S_ISDIR(st.st_mode) && (d = opendir(path))) {
                while ((de = readdir(d))) {
                        char sub[512];

                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        (void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
                        remove_tree(sub);
                }
                closedir(d);
                (void)rmdir(path);
        } else {
                (void)unlink(path);
        }
}

static void
fresh_env(void)
{
        char p[256];

        remove_tree(tmpdir);
        (void)mkdir(tmpdir, 0700);
        path_in(p, sizeof(p), "home");
        (void)mkdir(p, 0700);
        setenv("HOME", p, 1);
        path_in(p, sizeof(p), "run");
        (void)mkdir(p, 0700);
        setenv("XDG_RUNTIME_DIR", p, 1);
        unsetenv("REGISTRY_AUTH_FILE");
        unsetenv("DOCKER_CONFIG");
        unsetenv("XDG_CONFIG_HOME");
}

/* The user and password found for registry/repository with the search path of uid 1000 */
static const char *
lookup(const char *registry, const char *repository)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char **paths = NULL, *user = NULL, *password = NULL;
        int r;

        if (auth_file_search_path(1000, &paths, NULL) < 0)
                return "(no paths)";
        r = auth_file_lookup_paths(paths, registry, repository, &user, &password, &err);
        for (char **p = paths; *p; p++)
                free(*p);
        free(paths);
        if (r < 0)
                (void)snprintf(last_error, sizeof(last_error), "error: %s", err->msg);
        else if (r == 0)
                (void)snprintf(last_error, sizeof(last_error), "(none%s)",
                               user || password ? ", but set" : "");
        else
                (void)snprintf(last_error, sizeof(last_error), "%s:%s", user, password);
        free(user);
        free(password);
        return last_error;
}

/* {"auths":{"KEY":{"auth":base64("user:pass")}}} lines, for the fixtures */
#define B64_ALICE "YWxpY2U6c2VjcmV0" /* alice:secret */
#define B64_BOB "Ym9iOmh1bnRlcjI="   /* bob:hunter2 */
#define B64_CAROL "Y2Fyb2w6YTpiOmM=" /* carol:a:b:c */
#define B64_DAVE "ZGF2ZTpwdw=="      /* dave:pw */
#define B64_EVE "ZXZlOnB3AAA="       /* eve:pw\0\0 */

static void
test_default_paths(void)
{
        char want[256], *p;

        fresh_env();
        p = auth_file_default_path_for(1000);
        path_in(want, sizeof(want), "run/containers/auth.json");
        check_str(p, want);
        free(p);
        p = auth_file_default_path_for(0);
        check_str(p, "/run/containers/0/auth.json");
        free(p);
        unsetenv("XDG_RUNTIME_DIR");
        p = auth_file_default_path_for(1000);
        check_str(p, "/run/containers/1000/auth.json");
        free(p);
        setenv("DOCKER_CONFIG", "/etc/dc", 1);
        p = auth_file_default_path_for(1000);
        check_str(p, "/etc/dc/config.json");
        free(p);
        setenv("REGISTRY_AUTH_FILE", "/tmp/mine.json", 1);
        p = auth_file_default_path_for(0);
        check_str(p, "/tmp/mine.json");
        free(p);
        p = auth_file_default_path();
        check_str(p, "/tmp/mine.json");
        free(p);
}

static void
test_search_path(void)
{
        char **v = NULL, want[256];
        size_t n = 0;

        fresh_env();
        check(auth_file_search_path(1000, &v, NULL) == 0);
        for (n = 0; v && v[n]; n++)
                ;
        check(n == 3);
        if (n == 3) {
                path_in(want, sizeof(want), "run/containers/auth.json");
                check_str(v[0], want);
                path_in(want, sizeof(want), "home/.config/containers/auth.json");
                check_str(v[1], want);
                path_in(want, sizeof(want), "home/.docker/config.json");
                check_str(v[2], want);
        }
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);

        setenv("XDG_CONFIG_HOME", "/cfg", 1);
        check(auth_file_search_path(0, &v, NULL) == 0);
        check(v && v[0] && v[1] && v[2] && !v[3]);
        if (v && v[0] && v[1]) {
                check_str(v[0], "/run/containers/0/auth.json");
                check_str(v[1], "/cfg/containers/auth.json");
        }
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);

        /* a file the user named is the only one read */
        setenv("REGISTRY_AUTH_FILE", "/tmp/mine.json", 1);
        check(auth_file_search_path(1000, &v, NULL) == 0);
        check(v && v[0] && !v[1]);
        if (v && v[0])
                check_str(v[0], "/tmp/mine.json");
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static void
test_lookup_precedence(void)
{
        fresh_env();
        check_str(lookup("quay.io", "a/b"), "(none)");
        write_text("home/.docker/config.json", "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_BOB "\"},"
                                               "\"ghcr.io\":{\"auth\":\"" B64_DAVE "\"}}}");
        check_str(lookup("quay.io", "a/b"), "bob:hunter2");
        write_text("home/.config/containers/auth.json",
                   "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_CAROL "\"}}}");
        check_str(lookup("quay.io", "a/b"), "carol:a:b:c");
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_ALICE "\"}}}");
        check_str(lookup("quay.io", "a/b"), "alice:secret");
        /* the first file with an entry wins, registry by registry */
        check_str(lookup("ghcr.io", "x"), "dave:pw");
        check_str(lookup("docker.io", "library/busybox"), "(none)");
}

static void
test_lookup_most_specific(void)
{
        fresh_env();
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_ALICE "\"},"
                   "\"quay.io/team/app\":{\"auth\":\"" B64_CAROL "\"},"
                   "\"quay.io/team\":{\"auth\":\"" B64_BOB "\"},"
                   "\"localhost:5000/a\":{\"auth\":\"" B64_DAVE "\"}}}");
        check_str(lookup("quay.io", "team/app"), "carol:a:b:c");
        check_str(lookup("quay.io", "team/app/sub"), "carol:a:b:c");
        check_str(lookup("quay.io", "team/other"), "bob:hunter2");
        check_str(lookup("quay.io", "team"), "bob:hunter2");
        check_str(lookup("quay.io", "teamx/app"), "alice:secret");
        check_str(lookup("quay.io", NULL), "alice:secret");
        check_str(lookup("localhost:5000", "a/b"), "dave:pw");
        check_str(lookup("localhost:5000", "b"), "(none)");
        check_str(lookup("localhost", "a"), "(none)");
}

static void
test_lookup_legacy_docker_io(void)
{
        fresh_env();
        /* what docker login writes */
        write_text("home/.docker/config.json",
                   "{\n\t\"auths\": {\n\t\t\"https://index.docker.io/v1/\": {\n\t\t\t\"auth\": "
                   "\"" B64_BOB "\"\n\t\t},\n\t\t\"https://quay.io\": {\"auth\": \"" B64_DAVE
                   "\"}\n\t}\n}\n");
        check_str(lookup("docker.io", "library/busybox"), "bob:hunter2");
        check_str(lookup("index.docker.io", "library/busybox"), "bob:hunter2");
        check_str(lookup("registry-1.docker.io", NULL), "bob:hunter2");
        check_str(lookup("quay.io", "x/y"), "dave:pw");

        /* an exact key beats a URL key; the other legacy spellings match too */
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" B64_ALICE "\"},"
                   "\"docker.io\":{\"auth\":\"" B64_CAROL "\"}}}");
        check_str(lookup("docker.io", "library/busybox"), "carol:a:b:c");
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"registry-1.docker.io\":{\"auth\":\"" B64_ALICE "\"}}}");
        check_str(lookup("docker.io", "library/busybox"), "alice:secret");
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"index.docker.io\":{\"auth\":\"" B64_EVE "\"}}}");
        /* old Docker padded passwords with NULs */
        check_str(lookup("docker.io", "x"), "eve:pw");
}

static void
test_lookup_helpers_and_errors(void)
{
        char p[256], want[512];

        fresh_env();
        path_in(p, sizeof(p), "home/.docker/config.json");
        write_text(
                "home/.docker/config.json",
                "{\"credHelpers\":{\"gcr.io\":\"gcloud\",\"123.dkr.ecr.us-east-1.amazonaws.com\":"
                "\"ecr-login\"},\"auths\":{\"gcr.io\":{\"auth\":\"" B64_BOB "\"}}}");
        (void)snprintf(want, sizeof(want),
                       "error: %s: credHelpers names a credential helper for gcr.io: berth does "
                       "not run credential helpers, log in with berth login",
                       p);
        check_str(lookup("gcr.io", "proj/img"), want);
        check_str(lookup("quay.io", "proj/img"), "(none)");

        /* Docker Desktop: credsStore, and an empty entry for each registry it holds */
        write_text("home/.docker/config.json",
                   "{\"auths\":{\"https://index.docker.io/v1/\":{}},\"credsStore\":\"desktop\","
                   "\"currentContext\":\"desktop-linux\"}");
        (void)snprintf(want, sizeof(want),
                       "error: %s: credsStore keeps the credentials for docker.io: berth does not "
                       "run credential helpers, log in with berth login",
                       p);
        check_str(lookup("docker.io", "library/busybox"), want);
        check_str(lookup("quay.io", "a"), "(none)");
        /* an empty entry without a helper is no credentials, and the search goes on */
        write_text("home/.docker/config.json", "{\"auths\":{\"quay.io\":{}}}");
        check_str(lookup("quay.io", "a"), "(none)");

        write_text("home/.docker/config.json", "{\"auths\":{\"quay.io\":{\"auth\":\"%%%\"}}}");
        (void)snprintf(want, sizeof(want), "error: %s: auths[\"quay.io\"].auth: not base64", p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json",
                   "{\"auths\":{\"quay.io\":{\"auth\":\"bm9jb2xvbg==\"}}}"); /* nocolon */
        (void)snprintf(want, sizeof(want), "error: %s: auths[\"quay.io\"].auth: not user:password",
                       p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json", "{\"auths\":{\"quay.io\":{\"auth\":7}}}");
        (void)snprintf(want, sizeof(want), "error: %s: auths[\"quay.io\"].auth: expected a string",
                       p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json", "{\"auths\":[]}");
        (void)snprintf(want, sizeof(want), "error: %s: auths: expected an object", p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json", "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_BOB "\"");
        (void)snprintf(want, sizeof(want), "error: %s: invalid JSON at line 1 column 46", p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json", "[]");
        (void)snprintf(want, sizeof(want), "error: %s: expected a JSON object", p);
        check_str(lookup("quay.io", "a"), want);
        write_text("home/.docker/config.json", " \n");
        check_str(lookup("quay.io", "a"), "(none)");
}

static void
test_lookup_explicit_file(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char p[256], want[512], *user = NULL, *password = NULL;

        fresh_env();
        path_in(p, sizeof(p), "mine.json");
        check(auth_file_lookup(p, "quay.io", "a", &user, &password, &err) == -ENOENT);
        (void)snprintf(want, sizeof(want),
                       "credential file %s is not accessible: No such file or directory", p);
        check_str(err ? err->msg : NULL, want);
        check(!user && !password);
        write_text("mine.json", "{\"auths\":{\"quay.io\":{\"auth\":\"" B64_ALICE "\"}}}");
        check(auth_file_lookup(p, "quay.io", "a", &user, &password, NULL) == 1);
        check_str(user, "alice");
        check_str(password, "secret");
        free(user);
        free(password);
        /* $REGISTRY_AUTH_FILE: the one file read */
        setenv("REGISTRY_AUTH_FILE", p, 1);
        write_text("home/.docker/config.json",
                   "{\"auths\":{\"ghcr.io\":{\"auth\":\"" B64_BOB "\"}}}");
        check_str(lookup("quay.io", "a"), "alice:secret");
        check_str(lookup("ghcr.io", "a"), "(none)");
}

static json_t *
load(const char *rel)
{
        char p[256];

        path_in(p, sizeof(p), rel);
        return json_load_file(p, 0, NULL);
}

static unsigned
mode_of(const char *rel)
{
        char p[256];
        struct stat st;

        path_in(p, sizeof(p), rel);
        return stat(p, &st) == 0 ? (unsigned)(st.st_mode & 07777) : 0;
}

static size_t
entries_in(const char *rel)
{
        char p[256];
        size_t n = 0;
        DIR *d;

        path_in(p, sizeof(p), rel);
        d = opendir(p);
        if (!d)
                return 0;
        while (readdir(d))
                n++;
        closedir(d);
        return n - 2;
}

static void
test_store_creates(void)
{
        char p[256];
        json_t *j;

        fresh_env();
        path_in(p, sizeof(p), "run/containers/auth.json");
        check(auth_file_store(p, "quay.io", "alice", "secret", NULL) == 0);
        check(mode_of("run/containers") == 0700);
        check(mode_of("run/containers/auth.json") == 0600);
        check(entries_in("run/containers") == 1); /* no temp file left behind */
        j = load("run/containers/auth.json");
        check(j != NULL);
        check_str(json_string_value(json_object_get(
                          json_object_get(json_object_get(j, "auths"), "quay.io"), "auth")),
                  B64_ALICE);
        json_decref(j);
        check_str(lookup("quay.io", "x"), "alice:secret");

        /* deeper missing directories; a password with colons and odd bytes round-trips */
        path_in(p, sizeof(p), "a/b/c/auth.json");
        check(auth_file_store(p, "localhost:5000/team", "u", "p:w\"\\\x01é", NULL) == 0);
        check(mode_of("a") == 0700 && mode_of("a/b/c") == 0700);
        setenv("REGISTRY_AUTH_FILE", p, 1);
        check_str(lookup("localhost:5000", "team/app"), "u:p:w\"\\\x01é");
}

static void
test_store_keeps_the_rest(void)
{
        char p[256];
        json_t *j, *a, *want;

        fresh_env();
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"a.io\":{\"auth\":\"" B64_BOB "\",\"email\":\"x@y\"},"
                   "\"quay.io\":{\"auth\":\"" B64_DAVE "\",\"identitytoken\":\"stale\"}},"
                   "\"unknown\":{\"x\":[1,2,\"three\"]},\"credHelpers\":{\"gcr.io\":\"gcloud\"},"
                   "\"HttpHeaders\":{\"User-Agent\":\"Docker-Client\"}}");
        check(chmod(tmpdir, 0700) == 0);
        path_in(p, sizeof(p), "run/containers/auth.json");
        check(chmod(p, 0644) == 0);
        check(auth_file_store(p, "quay.io", "alice", "secret", NULL) == 0);
        check(auth_file_store(p, "https://index.docker.io/v1/", "carol", "a:b:c", NULL) == 0);
        check(mode_of("run/containers/auth.json") == 0600);
        j = load("run/containers/auth.json");
        check(j != NULL);
        a = json_object_get(j, "auths");
        check(json_object_size(a) == 3);
        check_str(json_string_value(json_object_get(json_object_get(a, "a.io"), "email")), "x@y");
        check_str(json_string_value(json_object_get(json_object_get(a, "a.io"), "auth")), B64_BOB);
        /* the entry logged in again is replaced whole: no stale identitytoken */
        check(json_object_size(json_object_get(a, "quay.io")) == 1);
        check_str(json_string_value(json_object_get(json_object_get(a, "docker.io"), "auth")),
                  B64_CAROL);
        want = json_pack("{s:[i,i,s]}", "x", 1, 2, "three");
        check(json_equal(json_object_get(j, "unknown"), want));
        json_decref(want);
        check_str(json_string_value(json_object_get(json_object_get(j, "credHelpers"), "gcr.io")),
                  "gcloud");
        check_str(
                json_string_value(json_object_get(json_object_get(j, "HttpHeaders"), "User-Agent")),
                "Docker-Client");
        json_decref(j);
        check_str(lookup("quay.io", "x"), "alice:secret");
        check_str(lookup("docker.io", "library/x"), "carol:a:b:c");
}

static void
test_remove(void)
{
        char p[256];
        json_t *j, *a;

        fresh_env();
        write_text("run/containers/auth.json",
                   "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" B64_BOB "\"},"
                   "\"docker.io\":{\"auth\":\"" B64_ALICE "\"},"
                   "\"docker.io/library\":{\"auth\":\"" B64_DAVE "\"},"
                   "\"quay.io\":{\"auth\":\"" B64_DAVE "\"},"
                   "\"quay.io/team\":{\"auth\":\"" B64_CAROL "\"}},\"keep\":true}");
        path_in(p, sizeof(p), "run/containers/auth.json");
        check(auth_file_remove(p, "quay.io/team", NULL) == 1);
        check_str(lookup("quay.io", "team/app"), "dave:pw");
        check(auth_file_remove(p, "quay.io/team", NULL) == 0);
        check(auth_file_remove(p, "ghcr.io", NULL) == 0);
        /* a registry's logout takes its legacy spellings along, not its namespaces */
        check(auth_file_remove(p, "docker.io", NULL) == 1);
        check(mode_of("run/containers/auth.json") == 0600);
        j = load("run/containers/auth.json");
        a = json_object_get(j, "auths");
        check(json_object_size(a) == 2);
        check(json_object_get(a, "docker.io/library") != NULL);
        check(json_object_get(a, "quay.io") != NULL);
        check(json_is_true(json_object_get(j, "keep")));
        json_decref(j);
        check_str(lookup("docker.io", "other/x"), "(none)");
        check_str(lookup("docker.io", "library/x"), "dave:pw");
        /* a missing file has nothing to remove */
        path_in(p, sizeof(p), "nothing.json");
        check(auth_file_remove(p, "quay.io", NULL) == 0);
        check(mode_of("nothing.json") == 0);
}

static void
test_store_refuses(void)
{
        static const struct {
                const char *key, *user, *msg;
        } cases[] = {
                {"", "u", "'' is not a registry or registry/namespace key"},
                {"quay.io/", "u", "'quay.io/' is not a registry or registry/namespace key"},
                {"quay.io//a", "u", "'quay.io//a' is not a registry or registry/namespace key"},
                {"quay io", "u", "'quay io' is not a registry or registry/namespace key"},
                {"quay.io/a@sha256:00", "u",
                 "'quay.io/a@sha256:00' is not a registry or registry/namespace key"},
                {"quay.io/app:latest", "u",
                 "'quay.io/app:latest' names a tag: keys are "
                 "registry[/namespace]"},
                {"quay.io", "", "empty user name"},
                {"quay.io", "a:b", "a user name cannot contain ':'"},
        };
        char p[256];

        fresh_env();
        path_in(p, sizeof(p), "auth.json");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(auth_file_store(p, cases[i].key, cases[i].user, "pw", &err) == -EINVAL);
                check_str(err ? err->msg : NULL, cases[i].msg);
        }
        check(mode_of("auth.json") == 0);

        /* a file berth cannot read is left alone */
        write_text("auth.json", "{\"auths\":");
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                char want[512];

                check(auth_file_store(p, "quay.io", "u", "pw", &err) == -EINVAL);
                (void)snprintf(want, sizeof(want), "%s: invalid JSON at line 1 column 9", p);
                check_str(err ? err->msg : NULL, want);
        }
        /* an empty file is an empty auth file */
        write_text("auth.json", "");
        check(auth_file_store(p, "quay.io", "u", "pw", NULL) == 0);
        setenv("REGISTRY_AUTH_FILE", p, 1);
        check_str(lookup("quay.io", "x"), "u:pw");
}

int
main(void)
{
        int r;

        (void)snprintf(tmpdir, sizeof(tmpdir), "/tmp/berth-test-auth-%ld", (long)getpid());
        RUN(test_challenge_docker_hub);
        RUN(test_challenge_forms);
        RUN(test_challenge_malformed);
        RUN(test_token);
        RUN(test_token_errors);
        RUN(test_default_paths);
        RUN(test_search_path);
        RUN(test_lookup_precedence);
        RUN(test_lookup_most_specific);
        RUN(test_lookup_legacy_docker_io);
        RUN(test_lookup_helpers_and_errors);
        RUN(test_lookup_explicit_file);
        RUN(test_store_creates);
        RUN(test_store_keeps_the_rest);
        RUN(test_remove);
        RUN(test_store_refuses);
        r = check_done();
        remove_tree(tmpdir);
        return r;
}
