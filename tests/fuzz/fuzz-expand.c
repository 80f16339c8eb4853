/*
 * tests/fuzz/fuzz-expand.c: Kubernetes' $(VAR) expansion of env values,
 * command and args from manifests. The input's first line is "NAME=VALUE"
 * pairs separated by ';' (the env), the rest is expanded. The result must
 * be what a plain re-implementation of the Go code gives.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the Go code, transcribed as directly as C allows (bytes kept as bytes) */
static char *
reference(const char *in, char *const *env, size_t n)
{
        size_t len = strlen(in), o = 0;
        char *out = malloc(len * 64 + 1024); /* values are bounded by the input's size */

        if (!out)
                abort();
        for (size_t cur = 0; cur < len; cur++) {
                if (in[cur] == '$' && cur + 1 < len) {
                        const char *rest = in + cur + 1;
                        size_t advance = 1;

                        if (rest[0] == '$') {
                                out[o++] = '$';
                        } else if (rest[0] == '(') {
                                size_t i = 1;

                                while (rest[i] && rest[i] != ')')
                                        i++;
                                if (rest[i] == ')') {
                                        const char *val = NULL;

                                        for (size_t k = n; k > 0 && !val; k--)
                                                if (strncmp(env[k - 1], rest + 1, i - 1) == 0 &&
                                                    env[k - 1][i - 1] == '=')
                                                        val = env[k - 1] + i;
                                        if (val) {
                                                memcpy(out + o, val, strlen(val));
                                                o += strlen(val);
                                        } else {
                                                memcpy(out + o, in + cur, i + 2);
                                                o += i + 2;
                                        }
                                        advance = i + 1;
                                } else {
                                        out[o++] = '$';
                                        out[o++] = '(';
                                }
                        } else {
                                out[o++] = '$';
                                out[o++] = rest[0];
                        }
                        cur += advance;
                } else {
                        out[o++] = in[cur];
                }
        }
        out[o] = '\0';
        return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text, *nl, *in, *got = NULL, *want, *env[16], *save = NULL;
        size_t n = 0;

        if (size > 4096)
                return 0;
        text = strndup((const char *)data, size);
        if (!text)
                abort();
        nl = strchr(text, '\n');
        in = nl ? nl + 1 : text;
        if (nl) {
                *nl = '\0';
                for (char *e = strtok_r(text, ";", &save); e && n < 16;
                     e = strtok_r(NULL, ";", &save))
                        if (strchr(e, '=') && strlen(e) <= 60)
                                env[n++] = e;
        }
        if (spec_expand(in, env, n, &got) != 0)
                abort();
        want = reference(in, env, n);
        if (strcmp(got, want) != 0)
                abort();
        free(got);
        free(want);
        free(text);
        return 0;
}
