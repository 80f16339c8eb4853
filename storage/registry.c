/*
 * storage/registry.c: talking to one registry. The flow registries share
 * (Docker Hub, quay.io, GHCR, distribution): GET /v2/ says whether and how
 * to authenticate; a Bearer challenge names a token service that hands out
 * a token for "repository:NAME:pull" (anonymously, or with credentials);
 * Basic takes the credentials on every request.
 */
#include "registry.h"
#include "curl-load.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "util/base64.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"

#define MANIFEST_MAX (4u << 20) /* the distribution spec's own limit */
#define ATTEMPTS 5

const char *const registry_manifest_types[] = {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        NULL,
};

struct registry {
        char *host;
        const char *scheme; /* "https" or "http", once /v2/ answered */
        bool tls_verify;
        char *user, *password;
        /* how /v2/ asked us to authenticate */
        bool basic;
        char *realm, *service;
        /* the bearer token and the repository it is for */
        char *token, *token_repo;
        CURLSH *share;
        pthread_mutex_t lock; /* the token, while blob workers run */
};

/* ------------------------------------------------------------ one response */

struct response {
        long status;
        char *body;
        size_t len, max;
        char *content_type;
        char *www_authenticate;
        long retry_after;
};

static void
response_clear(struct response *resp)
{
        free(resp->body);
        free(resp->content_type);
        free(resp->www_authenticate);
        *resp = (struct response){0};
}

static char *
header_value(const char *line, size_t len, const char *name)
{
        size_t n = strlen(name);
        const char *v, *end = line + len;

        if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
                return NULL;
        v = line + n + 1;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
                end--;
        return strndup(v, (size_t)(end - v));
}

static size_t
on_header(char *buf, size_t size, size_t n, void *userdata)
{
        struct response *resp = userdata;
        size_t len = size * n;
        char *v;

        /* a redirect or 100-continue starts a new response: keep only the last one's headers */
        if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
                free(resp->content_type);
                free(resp->www_authenticate);
                resp->content_type = resp->www_authenticate = NULL;
                resp->retry_after = 0;
        }
        if ((v = header_value(buf, len, "Content-Type"))) {
                free(resp->content_type);
                resp->content_type = v;
        } else if ((v = header_value(buf, len, "WWW-Authenticate"))) {
                free(resp->www_authenticate);
                resp->www_authenticate = v;
        } else if ((v = header_value(buf, len, "Retry-After"))) {
                resp->retry_after = strtol(v, NULL, 10);
                free(v);
        }
        return len;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *userdata)
{
        struct response *resp = userdata;
        size_t len = size * n;
        char *nb;

        if (resp->len + len > resp->max)
                return 0; /* too large: curl fails the transfer with CURLE_WRITE_ERROR */
        nb = realloc(resp->body, resp->len + len + 1);
        if (!nb)
                return 0;
        resp->body = nb;
        memcpy(resp->body + resp->len, buf, len);
        resp->len += len;
        resp->body[resp->len] = '\0';
        return len;
}

static CURL *
easy_new(struct registry *r, const char *url, struct curl_slist *headers)
{
        CURL *c = curl_easy_init();

        if (!c)
                return NULL;
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_SHARE, r->share);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "berth/" BERTH_VERSION);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
        /* a stalled transfer (under 1 KiB/s for a minute) is broken: retry it */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        if (!r->tls_verify) {
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
                curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        return c;
}

/* Headers for a request to repo: Authorization as the registry asked. Adds to list. */
static struct curl_slist *
auth_headers(struct registry *r, struct curl_slist *list)
{
        _cleanup_free_ char *h = NULL;

        if (r->token) {
                if (asprintf(&h, "Authorization: Bearer %s", r->token) < 0)
                        return NULL;
        } else if (r->basic && r->user) {
                _cleanup_free_ char *pair = NULL, *enc = NULL;
                if (asprintf(&pair, "%s:%s", r->user, r->password ? r->password : "") < 0)
                        return NULL;
                enc = base64_encode(pair, strlen(pair));
                if (!enc || asprintf(&h, "Authorization: Basic %s", enc) < 0)
                        return NULL;
        } else {
                return list;
        }
        return curl_slist_append(list, h);
}

static bool
retryable(CURLcode cc, long status)
{
        if (cc != CURLE_OK)
                return cc == CURLE_COULDNT_CONNECT || cc == CURLE_RECV_ERROR ||
                       cc == CURLE_SEND_ERROR || cc == CURLE_PARTIAL_FILE ||
                       cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_GOT_NOTHING ||
                       cc == CURLE_HTTP2 || cc == CURLE_HTTP2_STREAM;
        return status == 429 || status == 408 || (status >= 500 && status <= 599);
}

/* 0.5 s, 1 s, 2 s, 4 s... */
static long
backoff_ms(int attempt)
{
        return attempt >= 6 ? 32000L : 500L << attempt;
}

static void
backoff(int attempt, long retry_after)
{
        /* 0.5 s, 1 s, 2 s, 4 s; a registry's Retry-After wins when it asks for more (capped) */
        long ms = backoff_ms(attempt);

        if (retry_after > 0 && retry_after * 1000 > ms)
                ms = retry_after > 30 ? 30000 : retry_after * 1000;
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* One GET into memory, with retries. */
static int
get_once(struct registry *r, const char *url, const char *accept, size_t max, struct response *resp,
         struct berr **err)
{
        for (int attempt = 0;; attempt++) {
                struct curl_slist *headers = NULL;
                _cleanup_free_ char *acc = NULL;
                CURL *c;
                CURLcode cc;

                response_clear(resp);
                resp->max = max;
                if (accept && asprintf(&acc, "Accept: %s", accept) >= 0)
                        headers = curl_slist_append(headers, acc);
                headers = auth_headers(r, headers);
                c = easy_new(r, url, headers);
                if (!c) {
                        curl_slist_free_all(headers);
                        return berr(err, ENOMEM, "%s", url);
                }
                curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
                curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
                curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
                curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
                cc = curl_easy_perform(c);
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
                curl_easy_cleanup(c);
                curl_slist_free_all(headers);
                if (cc == CURLE_WRITE_ERROR && resp->len + 1 > max)
                        return berr(err, 0, "%s: the response is larger than %zu bytes", url, max);
                if (attempt + 1 < ATTEMPTS && retryable(cc, resp->status)) {
                        backoff(attempt, resp->retry_after);
                        continue;
                }
                if (cc != CURLE_OK)
                        return berr(err, 0, "%s: %s", url, curl_easy_strerror(cc));
                return 0;
        }
}

/* ------------------------------------------------------------ authentication */

static int
fetch_token(struct registry *r, const char *repo, struct berr **err)
{
        _cleanup_free_ char *url = NULL, *scope = NULL;
        _cleanup_(auth_token_freep) struct auth_token *token = NULL;
        char *escaped_scope = NULL, *escaped_service = NULL;
        struct response resp = {0};
        CURL *esc = curl_easy_init();
        char *saved_token = r->token;
        int k;

        if (!esc)
                return berr(err, ENOMEM, "token");
        /* no repository: a login check, which asks for no scope at all */
        if (repo && asprintf(&scope, "repository:%s:pull", repo) < 0) {
                curl_easy_cleanup(esc);
                return berr(err, ENOMEM, "token");
        }
        escaped_scope = scope ? curl_easy_escape(esc, scope, 0) : NULL;
        escaped_service = r->service ? curl_easy_escape(esc, r->service, 0) : NULL;
        curl_easy_cleanup(esc);
        k = asprintf(&url, "%s%s%s%s%s%s", r->realm, strchr(r->realm, '?') ? "&" : "?",
                     escaped_service ? "service=" : "", escaped_service ? escaped_service : "",
                     escaped_scope ? "&scope=" : "", escaped_scope ? escaped_scope : "");
        curl_free(escaped_scope);
        curl_free(escaped_service);
        if (k < 0 || (scope && !escaped_scope))
                return berr(err, ENOMEM, "token");

        /* the token service takes the credentials as Basic, whatever /v2/ said */
        r->token = NULL;
        r->basic = r->user != NULL;
        k = get_once(r, url, "application/json", 1 << 20, &resp, err);
        r->basic = false;
        r->token = saved_token;
        if (k < 0) {
                response_clear(&resp);
                return berr_wrap(err, "token for %s", repo ? repo : r->host);
        }
        if (resp.status == 401 || resp.status == 403) {
                response_clear(&resp);
                return berr(err, EACCES, "%s: the token service refused %s%s", r->host,
                            r->user ? "these credentials" : "an anonymous pull",
                            r->user ? "" : " (berth login, or --creds)");
        }
        if (resp.status != 200) {
                long st = resp.status;
                response_clear(&resp);
                return berr(err, 0, "%s: the token service answered %ld", r->host, st);
        }
        k = auth_token_parse(resp.body, resp.len, &token, err);
        response_clear(&resp);
        if (k < 0)
                return berr_wrap(err, "%s: token", r->host);
        free(r->token);
        free(r->token_repo);
        r->token = TAKE_PTR(token->token);
        r->token_repo = repo ? strdup(repo) : NULL;
        return 0;
}

/* What GET /v2/ said: no auth, Basic, or a Bearer token service. */
static int
learn_challenge(struct registry *r, const char *header, struct berr **err)
{
        struct auth_challenge *list = NULL;
        const struct auth_challenge *bearer, *basic;
        size_t n = 0;
        int k = auth_challenges_parse(header, strlen(header), &list, &n, err);

        if (k < 0)
                return berr_wrap(err, "%s: WWW-Authenticate", r->host);
        bearer = auth_challenge_find(list, n, "Bearer");
        basic = auth_challenge_find(list, n, "Basic");
        if (bearer && auth_challenge_param(bearer, "realm")) {
                const char *service = auth_challenge_param(bearer, "service");
                free(r->realm);
                free(r->service);
                r->realm = strdup(auth_challenge_param(bearer, "realm"));
                r->service = service ? strdup(service) : NULL;
                r->basic = false;
        } else if (basic) {
                r->basic = true;
        }
        auth_challenges_free(list, n);
        if (!r->realm && !r->basic)
                return berr(err, 0, "%s: asks for an authentication berth does not know: %s",
                            r->host, header);
        return 0;
}

static int
ping(struct registry *r, struct berr **err)
{
        static const char *const schemes[] = {"https", "http"};
        _cleanup_(berr_freep) struct berr *first = NULL;
        struct response resp = {0};
        int k = 0;

        for (size_t i = 0; i < (r->tls_verify ? 1u : 2u); i++) {
                _cleanup_free_ char *url = NULL;
                struct berr *e = NULL;

                if (asprintf(&url, "%s://%s/v2/", schemes[i], r->host) < 0)
                        return berr(err, ENOMEM, "%s", r->host);
                k = get_once(r, url, NULL, 1 << 16, &resp, &e);
                if (k < 0) {
                        if (!first)
                                first = e;
                        else
                                berr_free(e);
                        continue;
                }
                r->scheme = schemes[i];
                break;
        }
        if (!r->scheme) {
                response_clear(&resp);
                if (err && !*err && first) {
                        *err = TAKE_PTR(first);
                        return berr_wrap(err, "%s: the registry does not answer", r->host);
                }
                return k < 0 ? k : -EIO;
        }
        if (resp.status == 401 && resp.www_authenticate)
                k = learn_challenge(r, resp.www_authenticate, err);
        else if (resp.status != 200)
                k = berr(err, 0, "%s: GET /v2/ answered %ld, expected 200 or 401", r->host,
                         resp.status);
        response_clear(&resp);
        return k;
}

static int
authorize(struct registry *r, const char *repo, bool renew, struct berr **err)
{
        if (!r->realm)
                return 0;
        if (!renew && r->token && r->token_repo && strcmp(r->token_repo, repo) == 0)
                return 0;
        return fetch_token(r, repo, err);
}

int
registry_new(const char *host, const struct registry_opts *opts, struct registry **ret,
             struct berr **err)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        int k;

        k = curl_load(err);
        if (k < 0)
                return k;
        r = calloc(1, sizeof(*r));
        if (!r)
                return berr(err, ENOMEM, "%s", host);
        r->host = strdup(host);
        r->tls_verify = opts->tls_verify;
        r->user = opts->user ? strdup(opts->user) : NULL;
        r->password = opts->password ? strdup(opts->password) : NULL;
        r->share = curl_share_init();
        pthread_mutex_init(&r->lock, NULL);
        if (!r->host || !r->share)
                return berr(err, ENOMEM, "%s", host);
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
        curl_share_setopt(r->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
        k = ping(r, err);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

struct registry *
registry_free(struct registry *r)
{
        if (!r)
                return NULL;
        if (r->share)
                curl_share_cleanup(r->share);
        pthread_mutex_destroy(&r->lock);
        free(r->host);
        free(r->user);
        if (r->password) {
                explicit_bzero(r->password, strlen(r->password));
                free(r->password);
        }
        free(r->realm);
        free(r->service);
        free(r->token);
        free(r->token_repo);
        free(r);
        return NULL;
}

/* ------------------------------------------------------------ manifests, small blobs */

static int
get_authorized(struct registry *r, const char *repo, const char *path, const char *accept,
               size_t max, struct response *resp, struct berr **err)
{
        _cleanup_free_ char *url = NULL;
        int k;

        if (asprintf(&url, "%s://%s/v2/%s/%s", r->scheme, r->host, repo, path) < 0)
                return berr(err, ENOMEM, "%s", r->host);
        for (int pass = 0; pass < 2; pass++) {
                k = authorize(r, repo, pass > 0, err);
                if (k < 0)
                        return k;
                k = get_once(r, url, accept, max, resp, err);
                if (k < 0)
                        return k;
                /* a token can expire between two requests: renew it once */
                if (resp->status != 401 || !r->realm)
                        break;
        }
        return 0;
}

static int
status_error(struct registry *r, const char *repo, const char *what, const struct response *resp,
             struct berr **err)
{
        switch (resp->status) {
        case 401:
        case 403:
                return berr(err, EACCES, "%s/%s: %s: access denied%s", r->host, repo, what,
                            r->user ? "" : " (berth login, or --creds)");
        case 404:
                return berr(err, ENOENT, "%s/%s: %s: not found", r->host, repo, what);
        default:
                return berr(err, EIO, "%s/%s: %s: the registry answered %ld", r->host, repo, what,
                            resp->status);
        }
}

int
registry_get_manifest(struct registry *r, const char *repo, const char *ref, char **ret_body,
                      size_t *ret_len, char **ret_content_type, struct berr **err)
{
        _cleanup_free_ char *path = NULL, *accept = NULL;
        struct response resp = {0};
        int k;

        if (asprintf(&path, "manifests/%s", ref) < 0 ||
            asprintf(&accept, "%s, %s, %s, %s", registry_manifest_types[0],
                     registry_manifest_types[1], registry_manifest_types[2],
                     registry_manifest_types[3]) < 0)
                return berr(err, ENOMEM, "manifest");
        k = get_authorized(r, repo, path, accept, MANIFEST_MAX, &resp, err);
        if (k < 0)
                return k;
        if (resp.status != 200) {
                k = status_error(r, repo, ref, &resp, err);
                response_clear(&resp);
                return k;
        }
        if (!resp.body && !(resp.body = strdup("")))
                return berr(err, ENOMEM, "manifest");
        *ret_body = TAKE_PTR(resp.body);
        *ret_len = resp.len;
        *ret_content_type = TAKE_PTR(resp.content_type);
        response_clear(&resp);
        return 0;
}

int
registry_get_blob(struct registry *r, const char *repo, const char *digest, size_t max,
                  char **ret_body, size_t *ret_len, struct berr **err)
{
        _cleanup_free_ char *path = NULL;
        struct response resp = {0};
        char got[DIGEST_STRING_MAX];
        int k;

        if (asprintf(&path, "blobs/%s", digest) < 0)
                return berr(err, ENOMEM, "blob");
        k = get_authorized(r, repo, path, NULL, max, &resp, err);
        if (k < 0)
                return k;
        if (resp.status != 200) {
                k = status_error(r, repo, digest, &resp, err);
                response_clear(&resp);
                return k;
        }
        k = digest_buffer(resp.body ? resp.body : "", resp.len, got);
        if (k < 0 || strcmp(got, digest) != 0) {
                response_clear(&resp);
                return berr(err, EBADMSG, "%s/%s: blob %s: digest mismatch: got %s", r->host, repo,
                            digest, k < 0 ? "nothing" : got);
        }
        if (!resp.body && !(resp.body = strdup("")))
                return berr(err, ENOMEM, "blob");
        *ret_body = TAKE_PTR(resp.body);
        *ret_len = resp.len;
        response_clear(&resp);
        return 0;
}

/* ------------------------------------------------------------ blobs in parallel */

struct transfer {
        struct registry *r;
        struct blob_fetch *b;
        CURL *easy;
        struct curl_slist *headers;
        struct response resp; /* headers, and the body of an error */
        uint64_t skip;        /* bytes to drop: a server that ignored our Range */
        int attempts;
        bool active, reported;
        bool done_flag; /* set (atomically) by the worker when b->finished is final */
        struct timespec retry_at;
};

static size_t
on_blob_data(char *buf, size_t size, size_t n, void *userdata)
{
        struct transfer *t = userdata;
        size_t len = size * n, off = 0;
        long status = 0;

        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200 && status != 206) {
                /* an error page: keep a little of it for the message */
                t->resp.max = 4096;
                (void)on_body(buf, size, n, &t->resp);
                return len;
        }
        if (status == 200 && t->skip > 0) {
                uint64_t drop = t->skip < len ? t->skip : len;
                t->skip -= drop;
                off = (size_t)drop;
        }
        while (off < len) {
                ssize_t w = write(t->b->fd, buf + off, len - off);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return 0; /* the extractor is gone (it failed): stop this transfer */
                off += (size_t)w;
                __atomic_fetch_add(&t->b->done, (uint64_t)w, __ATOMIC_RELAXED);
        }
        return len;
}

static int
transfer_start(CURLM *multi, struct transfer *t, const char *repo)
{
        struct registry *r = t->r;
        _cleanup_free_ char *url = NULL, *range = NULL;

        response_clear(&t->resp);
        if (asprintf(&url, "%s://%s/v2/%s/blobs/%s", r->scheme, r->host, repo, t->b->digest) < 0)
                return -ENOMEM;
        curl_slist_free_all(t->headers);
        t->headers = auth_headers(r, NULL);
        if (t->b->done > 0) {
                /* resume where the broken transfer stopped */
                if (asprintf(&range, "Range: bytes=%llu-", (unsigned long long)t->b->done) < 0)
                        return -ENOMEM;
                t->headers = curl_slist_append(t->headers, range);
                t->skip = t->b->done; /* dropped only if the server answers 200 */
        }
        t->easy = easy_new(r, url, t->headers);
        if (!t->easy)
                return -ENOMEM;
        /* each worker thread keeps its own connections: the share has no locks */
        curl_easy_setopt(t->easy, CURLOPT_SHARE, NULL);
        curl_easy_setopt(t->easy, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(t->easy, CURLOPT_HEADERDATA, &t->resp);
        /* big reads: each costs a write into the extractor's pipe and a wake-up on its side */
        curl_easy_setopt(t->easy, CURLOPT_BUFFERSIZE, 1L << 20);
        curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_blob_data);
        curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
        curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
        if (curl_multi_add_handle(multi, t->easy) != CURLM_OK)
                return -ENOMEM;
        t->active = true;
        return 0;
}

static void blob_fail(struct transfer *t, int result, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
blob_fail(struct transfer *t, int result, const char *fmt, ...)
{
        va_list ap;

        __atomic_store_n(&t->b->finished, true, __ATOMIC_RELEASE);
        t->b->result = result;
        va_start(ap, fmt);
        if (vasprintf(&t->b->error, fmt, ap) < 0)
                t->b->error = NULL;
        va_end(ap);
}

static bool
time_reached(const struct timespec *at)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return now.tv_sec > at->tv_sec || (now.tv_sec == at->tv_sec && now.tv_nsec >= at->tv_nsec);
}

/* A finished transfer: done, retry later, or failed for good. */
static void
transfer_done(struct registry *r, const char *repo, struct transfer *t, CURLcode cc)
{
        long status = 0;

        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
        t->active = false;
        if (cc == CURLE_OK && (status == 200 || status == 206)) {
                if (t->b->size && t->b->done != t->b->size)
                        blob_fail(t, -EBADMSG, "%s/%s: blob %s: got %llu bytes, expected %llu",
                                  r->host, repo, t->b->digest, (unsigned long long)t->b->done,
                                  (unsigned long long)t->b->size);
                else
                        __atomic_store_n(&t->b->finished, true, __ATOMIC_RELEASE);
                return;
        }
        if (cc == CURLE_WRITE_ERROR && (status == 200 || status == 206)) {
                blob_fail(t, -EPIPE, "%s/%s: blob %s: the layer was refused while it arrived",
                          r->host, repo, t->b->digest);
                return;
        }
        if (status == 401 && r->realm && t->attempts < ATTEMPTS) {
                struct berr *e = NULL;
                t->attempts++;
                if (authorize(r, repo, true, &e) < 0) {
                        blob_fail(t, berr_code(e), "%s", e->msg);
                        berr_free(e);
                }
                clock_gettime(CLOCK_MONOTONIC, &t->retry_at);
                return;
        }
        if (t->attempts + 1 < ATTEMPTS && retryable(cc, status)) {
                long ms = backoff_ms(t->attempts);
                if (t->resp.retry_after > 0 && t->resp.retry_after * 1000 > ms)
                        ms = t->resp.retry_after > 30 ? 30000 : t->resp.retry_after * 1000;
                t->attempts++;
                clock_gettime(CLOCK_MONOTONIC, &t->retry_at);
                t->retry_at.tv_sec += ms / 1000;
                t->retry_at.tv_nsec += (ms % 1000) * 1000000L;
                if (t->retry_at.tv_nsec >= 1000000000L) {
                        t->retry_at.tv_sec++;
                        t->retry_at.tv_nsec -= 1000000000L;
                }
                return;
        }
        if (cc != CURLE_OK)
                blob_fail(t, -EIO, "%s/%s: blob %s: %s", r->host, repo, t->b->digest,
                          curl_easy_strerror(cc));
        else if (status == 404)
                blob_fail(t, -ENOENT, "%s/%s: blob %s: not found", r->host, repo, t->b->digest);
        else
                blob_fail(t, status == 401 || status == 403 ? -EACCES : -EIO,
                          "%s/%s: blob %s: the registry answered %ld", r->host, repo, t->b->digest,
                          status);
}

/*
 * One thread per transfer, each with a multi handle of its own: a transfer
 * writes into its extractor's pipe and blocks while that pipe is full, and
 * only that transfer waits. (One multi loop for all of them stalls every
 * download behind the slowest extractor.)
 */
struct blob_workers {
        struct registry *r;
        const char *repo;
        struct transfer *ts;
        size_t n, next;
        pthread_mutex_t lock; /* next */
};

static void
run_transfer(struct blob_workers *w, struct transfer *t)
{
        CURLM *multi = curl_multi_init();

        if (!multi) {
                blob_fail(t, -ENOMEM, "out of memory");
                return;
        }
        while (!t->b->finished) {
                int running = 1, left;
                CURLMsg *msg;
                int k;

                while (!time_reached(&t->retry_at)) {
                        struct timespec ts = {0, 50 * 1000000L};
                        nanosleep(&ts, NULL);
                }
                pthread_mutex_lock(&w->r->lock);
                k = transfer_start(multi, t, w->repo);
                pthread_mutex_unlock(&w->r->lock);
                if (k < 0) {
                        blob_fail(t, -ENOMEM, "out of memory");
                        break;
                }
                while (running) {
                        if (curl_multi_perform(multi, &running) != CURLM_OK)
                                break;
                        if (running)
                                curl_multi_poll(multi, NULL, 0, 1000, NULL);
                }
                while ((msg = curl_multi_info_read(multi, &left))) {
                        if (msg->msg != CURLMSG_DONE)
                                continue;
                        curl_multi_remove_handle(multi, msg->easy_handle);
                        pthread_mutex_lock(&w->r->lock);
                        transfer_done(w->r, w->repo, t, msg->data.result);
                        pthread_mutex_unlock(&w->r->lock);
                }
                if (t->active) { /* no message: the multi handle failed */
                        curl_multi_remove_handle(multi, t->easy);
                        t->active = false;
                        blob_fail(t, -EIO, "%s/%s: blob %s: the transfer stopped", w->r->host,
                                  w->repo, t->b->digest);
                }
                curl_easy_cleanup(t->easy);
                t->easy = NULL;
        }
        curl_multi_cleanup(multi);
        __atomic_store_n(&t->done_flag, true, __ATOMIC_RELEASE);
}

static void *
blob_worker(void *arg)
{
        struct blob_workers *w = arg;

        for (;;) {
                size_t i;

                pthread_mutex_lock(&w->lock);
                i = w->next < w->n ? w->next++ : w->n;
                pthread_mutex_unlock(&w->lock);
                if (i >= w->n)
                        return NULL;
                run_transfer(w, &w->ts[i]);
        }
}

int
registry_fetch_blobs(struct registry *r, const char *repo, struct blob_fetch *blobs, size_t n,
                     int max_parallel, blob_progress_fn progress,
                     void (*on_finish)(void *userdata, struct blob_fetch *b), void *userdata,
                     struct berr **err)
{
        _cleanup_free_ struct transfer *ts = calloc(n ? n : 1, sizeof(*ts));
        _cleanup_free_ pthread_t *threads = NULL;
        struct blob_workers w = {.r = r, .repo = repo, .n = n};
        size_t n_threads = 0, finished = 0;
        int k, first_fail = -1;

        if (!ts)
                return berr(err, ENOMEM, "blobs");
        k = authorize(r, repo, false, err);
        if (k < 0)
                return k;
        for (size_t i = 0; i < n; i++) {
                ts[i] = (struct transfer){.r = r, .b = &blobs[i]};
                clock_gettime(CLOCK_MONOTONIC, &ts[i].retry_at);
        }
        w.ts = ts;
        pthread_mutex_init(&w.lock, NULL);
        threads = calloc((size_t)max_parallel, sizeof(*threads));
        if (!threads) {
                pthread_mutex_destroy(&w.lock);
                return berr(err, ENOMEM, "blobs");
        }
        for (int i = 0; i < max_parallel && (size_t)i < n; i++) {
                if (pthread_create(&threads[n_threads], NULL, blob_worker, &w) != 0)
                        break;
                n_threads++;
        }
        if (n_threads == 0 && n > 0)
                blob_worker(&w); /* no thread could start: do it here, one by one */

        while (finished < n) {
                for (size_t i = 0; i < n; i++) {
                        struct transfer *t = &ts[i];

                        if (t->reported || !__atomic_load_n(&t->done_flag, __ATOMIC_ACQUIRE))
                                continue;
                        t->reported = true;
                        finished++;
                        if (t->b->result < 0 && first_fail < 0)
                                first_fail = (int)i;
                        /* the extractor sees the end of its stream now */
                        if (on_finish)
                                on_finish(userdata, t->b);
                }
                if (progress)
                        progress(userdata, blobs, n);
                if (finished < n) {
                        struct timespec tick = {0, 100 * 1000000L};
                        nanosleep(&tick, NULL);
                }
        }
        for (size_t i = 0; i < n_threads; i++)
                pthread_join(threads[i], NULL);
        pthread_mutex_destroy(&w.lock);
        for (size_t i = 0; i < n; i++) {
                curl_slist_free_all(ts[i].headers);
                response_clear(&ts[i].resp);
        }
        if (first_fail >= 0)
                return berr(err, -blobs[first_fail].result, "%s",
                            blobs[first_fail].error ? blobs[first_fail].error : "blob");
        return 0;
}

int
registry_check_login(struct registry *r, struct berr **err)
{
        _cleanup_free_ char *url = NULL;
        struct response resp = {0};
        int k;

        if (r->realm)
                return fetch_token(r, NULL, err);
        if (!r->basic)
                return 0; /* the registry asks for nothing: any credentials do */
        if (asprintf(&url, "%s://%s/v2/", r->scheme, r->host) < 0)
                return berr(err, ENOMEM, "%s", r->host);
        k = get_once(r, url, NULL, 1 << 16, &resp, err);
        if (k == 0 && resp.status != 200)
                k = berr(err, EACCES, "%s: the registry refused these credentials (%ld)", r->host,
                         resp.status);
        response_clear(&resp);
        return k;
}
