/*
 * util/digest.c: SHA-256 through OpenSSL's EVP: a maintained implementation.
 *
 * libcrypto is dlopen()ed on the first digest instead of linked: mapping
 * and relocating it costs every start of berth about a millisecond, and
 * `berth run`, `ps` or a container's cleanup never take a digest. The
 * table of its entry points is process-wide by nature (as the loader's own
 * state is), filled once under pthread_once.
 */
#include "digest.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRYPTO_SONAME "libcrypto.so.3"

/* every libcrypto function used: X(return type, name, parameters) */
#define CRYPTO_FUNCTIONS(X)                                                     \
        X(EVP_MD_CTX *, EVP_MD_CTX_new, (void))                                 \
        X(void, EVP_MD_CTX_free, (EVP_MD_CTX * c))                              \
        X(const EVP_MD *, EVP_sha256, (void))                                   \
        X(int, EVP_DigestInit_ex, (EVP_MD_CTX * c, const EVP_MD *t, ENGINE *e)) \
        X(int, EVP_DigestUpdate, (EVP_MD_CTX * c, const void *d, size_t n))     \
        X(int, EVP_DigestFinal_ex, (EVP_MD_CTX * c, unsigned char *md, unsigned int *s))

struct crypto_lib {
        bool loaded;
#define X(ret, name, params) ret(*name) params;
        CRYPTO_FUNCTIONS(X)
#undef X
};

static struct crypto_lib lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
load(void)
{
        void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);

        if (!h)
                return;
#define X(ret, name, params)                            \
        if (!(*(void **)&lib.name = dlsym(h, #name))) { \
                dlclose(h);                             \
                return;                                 \
        }
        CRYPTO_FUNCTIONS(X)
#undef X
        lib.loaded = true;
}

static bool
crypto_loaded(void)
{
        (void)pthread_once(&lib_once, load);
        return lib.loaded;
}

#define EVP_MD_CTX_new lib.EVP_MD_CTX_new
#define EVP_MD_CTX_free lib.EVP_MD_CTX_free
#define EVP_sha256 lib.EVP_sha256
#define EVP_DigestInit_ex lib.EVP_DigestInit_ex
#define EVP_DigestUpdate lib.EVP_DigestUpdate
#define EVP_DigestFinal_ex lib.EVP_DigestFinal_ex

struct digester {
        EVP_MD_CTX *ctx;
};

struct digester *
digester_new(void)
{
        struct digester *d = NULL;

        if (!crypto_loaded() || !(d = calloc(1, sizeof(*d))))
                return NULL;
        d->ctx = EVP_MD_CTX_new();
        if (!d->ctx || EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
                return digester_free(d);
        return d;
}

int
digester_update(struct digester *d, const void *buf, size_t len)
{
        return EVP_DigestUpdate(d->ctx, buf, len) == 1 ? 0 : -EIO;
}

int
digester_final(struct digester *d, char out[DIGEST_STRING_MAX])
{
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;

        if (EVP_DigestFinal_ex(d->ctx, md, &n) != 1 || n != 32)
                return -EIO;
        {
                char hex[2 * 32 + 1];
                for (unsigned int i = 0; i < n; i++)
                        snprintf(hex + 2 * i, 3, "%02x", md[i]);
                snprintf(out, DIGEST_STRING_MAX, "sha256:%s", hex);
        }
        if (EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1)
                return -EIO;
        return 0;
}

struct digester *
digester_free(struct digester *d)
{
        if (d) {
                EVP_MD_CTX_free(d->ctx);
                free(d);
        }
        return NULL;
}

int
digest_buffer(const void *buf, size_t len, char out[DIGEST_STRING_MAX])
{
        struct digester *d = digester_new();
        int r;

        if (!d)
                return -ENOMEM;
        r = digester_update(d, buf, len);
        if (r == 0)
                r = digester_final(d, out);
        digester_free(d);
        return r;
}

bool
digest_valid(const char *s)
{
        if (!s || strncmp(s, "sha256:", 7) != 0)
                return false;
        s += 7;
        for (size_t i = 0; i < DIGEST_SHA256_HEX; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return s[DIGEST_SHA256_HEX] == '\0';
}

const char *
digest_hex(const char *digest)
{
        return digest + 7;
}
