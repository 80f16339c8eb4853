/* util/digest.c: SHA-256 through OpenSSL's EVP: a maintained implementation */
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct digester {
        EVP_MD_CTX *ctx;
};

struct digester *
digester_new(void)
{
        struct digester *d = calloc(1, sizeof(*d));

        if (!d)
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
