/* util/digest.h: SHA-256 digests as OCI writes them ("sha256:<64 hex>") */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define DIGEST_SHA256_HEX 64
#define DIGEST_STRING_MAX (sizeof("sha256:") - 1 + DIGEST_SHA256_HEX + 1)

struct digester; /* a running SHA-256 (OpenSSL EVP) */

struct digester *digester_new(void);
int digester_update(struct digester *d, const void *buf, size_t len);
/* "sha256:<hex>" into out (DIGEST_STRING_MAX bytes); the digester can be reused after. */
int digester_final(struct digester *d, char out[DIGEST_STRING_MAX]);
struct digester *digester_free(struct digester *d);

static inline void
digester_freep(struct digester **d)
{
        *d = digester_free(*d);
}

/* The digest of a buffer, "sha256:<hex>". */
int digest_buffer(const void *buf, size_t len, char out[DIGEST_STRING_MAX]);

/*
 * Whether s is a digest berth can check: "sha256:" and 64 lowercase hex
 * digits. (Other algorithms of the OCI grammar are refused, not guessed at.)
 */
bool digest_valid(const char *s);

/* The 64 hex digits of a valid digest (the part after "sha256:"). */
const char *digest_hex(const char *digest);
