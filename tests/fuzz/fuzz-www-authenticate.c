/*
 * tests/fuzz/fuzz-www-authenticate.c: what an auth server says: a
 * WWW-Authenticate header value, and (the same bytes) a token endpoint's
 * JSON answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "storage/auth.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct auth_challenge *c = NULL;
        struct auth_token *t = NULL;
        struct berr *err = NULL;
        size_t n = 0;

        if (auth_challenges_parse((const char *)data, size, &c, &n, &err) == 0) {
                if (n == 0)
                        abort();
                for (size_t i = 0; i < n; i++) {
                        if (!c[i].scheme || !*c[i].scheme)
                                abort();
                        if (c[i].token68 && c[i].n_params)
                                abort();
                        /* names are unique in a challenge: each finds its own value */
                        for (size_t k = 0; k < c[i].n_params; k++)
                                if (auth_challenge_param(&c[i], c[i].params[k].name) !=
                                    c[i].params[k].value)
                                        abort();
                        if (auth_challenge_find(c, n, c[i].scheme) == NULL)
                                abort();
                }
                auth_challenges_free(c, n);
        } else if (!err || !err->msg || c) {
                abort();
        }
        err = berr_free(err);

        if (auth_token_parse(data, size, &t, &err) == 0) {
                if (!t->token || !*t->token || t->expires_in < AUTH_TOKEN_MIN_LIFETIME ||
                    strpbrk(t->token, " \r\n\t"))
                        abort();
                (void)auth_token_expiry(t, 0);
                auth_token_free(t);
        } else if (!err || !err->msg || t) {
                abort();
        }
        berr_free(err);
        return 0;
}
