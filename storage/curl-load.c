/*
 * storage/curl-load.c: libcurl, loaded when a registry is first talked to.
 *
 * libcurl brings some twenty libraries with it (TLS, HTTP/2, IDN, LDAP,
 * Kerberos...), and the dynamic loader maps and relocates all of them at
 * every start of berth: tens of milliseconds for `berth run`, `ps` or the
 * cleanup after a container, which never use the network. So berth is not
 * linked with it: these functions, named as libcurl's own, dlopen() it on
 * first use and call through. The one table of the loaded library's entry
 * points is process-wide by nature (as the loader's own state is), filled
 * once under pthread_once.
 */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "curl-load.h"
#include "util/berr.h"

#define CURL_SONAME "libcurl.so.4"

/* every libcurl function berth calls: X(return type, name, parameters) */
#define CURL_FUNCTIONS(X)                                                                   \
        X(CURL *, curl_easy_init, (void))                                                   \
        X(void, curl_easy_cleanup, (CURL * h))                                              \
        X(CURLcode, curl_easy_perform, (CURL * h))                                          \
        X(const char *, curl_easy_strerror, (CURLcode c))                                   \
        X(char *, curl_easy_escape, (CURL * h, const char *s, int len))                     \
        X(void, curl_free, (void *p))                                                       \
        X(CURLM *, curl_multi_init, (void))                                                 \
        X(CURLMcode, curl_multi_cleanup, (CURLM * m))                                       \
        X(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL * h))                          \
        X(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL * h))                       \
        X(CURLMcode, curl_multi_perform, (CURLM * m, int *running))                         \
        X(CURLMcode, curl_multi_poll,                                                       \
          (CURLM * m, struct curl_waitfd * extra, unsigned n, int timeout_ms, int *numfds)) \
        X(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left))                          \
        X(CURLSH *, curl_share_init, (void))                                                \
        X(CURLSHcode, curl_share_cleanup, (CURLSH * sh))                                    \
        X(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s))   \
        X(void, curl_slist_free_all, (struct curl_slist * l))                               \
        X(CURLcode, curl_easy_setopt, (CURL * h, CURLoption o, ...))                        \
        X(CURLcode, curl_easy_getinfo, (CURL * h, CURLINFO i, ...))                         \
        X(CURLSHcode, curl_share_setopt, (CURLSH * sh, CURLSHoption o, ...))

struct curl_lib {
        void *handle;
        char error[256];
#define X(ret, name, params) ret(*name) params;
        CURL_FUNCTIONS(X)
#undef X
};

static struct curl_lib lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
load(void)
{
        void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);

        if (!h) {
                snprintf(lib.error, sizeof(lib.error), "%s", dlerror());
                return;
        }
#define X(ret, name, params)                                                             \
        if (!(*(void **)&lib.name = dlsym(h, #name))) {                                  \
                snprintf(lib.error, sizeof(lib.error), "%s: no %s", CURL_SONAME, #name); \
                dlclose(h);                                                              \
                return;                                                                  \
        }
        CURL_FUNCTIONS(X)
#undef X
        lib.handle = h;
}

int
curl_load(struct berr **err)
{
        (void)pthread_once(&lib_once, load);
        if (!lib.handle)
                return berr(err, 0, "cannot load %s (install libcurl4): %s", CURL_SONAME,
                            lib.error);
        return 0;
}

/* Every caller went through curl_load() first: a wrapper reached without it is a bug. */
static const struct curl_lib *
get(void)
{
        if (curl_load(NULL) < 0) {
                fprintf(stderr, "berth: cannot load %s: %s\n", CURL_SONAME, lib.error);
                abort();
        }
        return &lib;
}

CURL *
curl_easy_init(void)
{
        return get()->curl_easy_init();
}

void
curl_easy_cleanup(CURL *h)
{
        get()->curl_easy_cleanup(h);
}

CURLcode
curl_easy_perform(CURL *h)
{
        return get()->curl_easy_perform(h);
}

const char *
curl_easy_strerror(CURLcode c)
{
        return get()->curl_easy_strerror(c);
}

char *
curl_easy_escape(CURL *h, const char *s, int len)
{
        return get()->curl_easy_escape(h, s, len);
}

void
curl_free(void *p)
{
        get()->curl_free(p);
}

CURLM *
curl_multi_init(void)
{
        return get()->curl_multi_init();
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
        return get()->curl_multi_cleanup(m);
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *h)
{
        return get()->curl_multi_add_handle(m, h);
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *h)
{
        return get()->curl_multi_remove_handle(m, h);
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
        return get()->curl_multi_perform(m, running);
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned n, int timeout_ms, int *numfds)
{
        return get()->curl_multi_poll(m, extra, n, timeout_ms, numfds);
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
        return get()->curl_multi_info_read(m, left);
}

CURLSH *
curl_share_init(void)
{
        return get()->curl_share_init();
}

CURLSHcode
curl_share_cleanup(CURLSH *sh)
{
        return get()->curl_share_cleanup(sh);
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
        return get()->curl_slist_append(l, s);
}

void
curl_slist_free_all(struct curl_slist *l)
{
        get()->curl_slist_free_all(l);
}

/*
 * The variadic ones: the option's number says its argument's type (curl.h:
 * longs below 10000, pointers from 10000 and 20000, curl_off_t from 30000,
 * blobs from 40000).
 */
CURLcode
curl_easy_setopt(CURL *h, CURLoption o, ...)
{
        const struct curl_lib *l = get();
        CURLcode r;
        va_list ap;

        va_start(ap, o);
        if (o < CURLOPTTYPE_OBJECTPOINT) {
                long v = va_arg(ap, long);
                r = l->curl_easy_setopt(h, o, v);
        } else if (o >= CURLOPTTYPE_OFF_T && o < CURLOPTTYPE_BLOB) {
                curl_off_t v = va_arg(ap, curl_off_t);
                r = l->curl_easy_setopt(h, o, v);
        } else {
                void *v = va_arg(ap, void *);
                r = l->curl_easy_setopt(h, o, v);
        }
        va_end(ap);
        return r;
}

CURLcode
curl_easy_getinfo(CURL *h, CURLINFO i, ...)
{
        const struct curl_lib *l = get();
        CURLcode r;
        va_list ap;

        va_start(ap, i);
        r = l->curl_easy_getinfo(h, i, va_arg(ap, void *));
        va_end(ap);
        return r;
}

CURLSHcode
curl_share_setopt(CURLSH *sh, CURLSHoption o, ...)
{
        const struct curl_lib *l = get();
        CURLSHcode r;
        va_list ap;

        va_start(ap, o);
        if (o == CURLSHOPT_SHARE || o == CURLSHOPT_UNSHARE) {
                int v = va_arg(ap, int);
                r = l->curl_share_setopt(sh, o, v);
        } else {
                void *v = va_arg(ap, void *);
                r = l->curl_share_setopt(sh, o, v);
        }
        va_end(ap);
        return r;
}
