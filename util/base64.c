/*
 * util/base64.c: one decoder for both entry points; with out NULL it only
 * counts, so validating a large Secret costs no memory.
 */
#include "util/base64.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

static int
sextet(unsigned char c)
{
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

static bool
is_newline(char c)
{
        return c == '\n' || c == '\r';
}

static size_t
skip_newlines(const char *in, size_t len, size_t i)
{
        while (i < len && is_newline(in[i]))
                i++;
        return i;
}

/*
 * Go's decodeQuantum(), over the whole input: quanta of four characters,
 * the last of which may end in "==" (two characters of data) or "=" (three),
 * and nothing but newlines after that.
 */
static int
decode(const char *in, size_t len, unsigned char *out, size_t *ret_len)
{
        uint32_t acc = 0;
        size_t i = 0, n = 0;
        unsigned j = 0; /* characters of the current quantum */

        for (; i < len; i++) {
                int v;

                if (is_newline(in[i]))
                        continue;
                if (in[i] == '=')
                        break;
                v = sextet((unsigned char)in[i]);
                if (v < 0)
                        return -EINVAL;
                acc = acc << 6 | (uint32_t)v;
                if (++j < 4)
                        continue;
                if (out) {
                        out[n] = (unsigned char)(acc >> 16);
                        out[n + 1] = (unsigned char)(acc >> 8);
                        out[n + 2] = (unsigned char)acc;
                }
                n += 3;
                acc = 0;
                j = 0;
        }

        if (i == len) {
                /* StdEncoding pads: a partial quantum without '=' is an error */
                if (j != 0)
                        return -EINVAL;
                *ret_len = n;
                return 0;
        }

        /* in[i] is '=': it may end a quantum of 3 characters, or start "==" after 2 */
        if (j < 2)
                return -EINVAL;
        i++;
        if (j == 2) {
                i = skip_newlines(in, len, i);
                if (i == len || in[i] != '=')
                        return -EINVAL;
                i++;
        }
        if (skip_newlines(in, len, i) != len)
                return -EINVAL;

        /* the low bits left over are dropped, not checked (StdEncoding is not Strict()) */
        if (j == 2) {
                if (out)
                        out[n] = (unsigned char)(acc >> 4);
                n += 1;
        } else {
                if (out) {
                        out[n] = (unsigned char)(acc >> 10);
                        out[n + 1] = (unsigned char)(acc >> 2);
                }
                n += 2;
        }
        *ret_len = n;
        return 0;
}

int
base64_decoded_check(const char *in, size_t len, size_t *ret_len)
{
        size_t n;
        int r;

        r = decode(in, len, NULL, &n);
        if (r < 0)
                return r;
        if (ret_len)
                *ret_len = n;
        return 0;
}

int
base64_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len)
{
        unsigned char *buf;
        size_t n;
        int r;

        /*
         * Validate first, then decode into a buffer of the exact size: a
         * Secret's bad base64 costs no allocation, and nothing can fail
         * once the buffer is ours.
         */
        r = decode(in, len, NULL, &n);
        if (r < 0)
                return r;
        buf = malloc(n + 1);
        if (!buf)
                return -ENOMEM;
        (void)decode(in, len, buf, &n);
        buf[n] = '\0';
        *ret = buf;
        *ret_len = n;
        return 0;
}

char *
base64_encode(const void *in, size_t len)
{
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = in;
        char *out, *o;

        if (len > (SIZE_MAX - 1) / 4 * 3)
                return NULL;
        out = malloc((len + 2) / 3 * 4 + 1);
        if (!out)
                return NULL;
        o = out;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t)p[i] << 16;
                size_t left = len - i;

                if (left > 1)
                        v |= (uint32_t)p[i + 1] << 8;
                if (left > 2)
                        v |= p[i + 2];
                *o++ = alphabet[(v >> 18) & 63];
                *o++ = alphabet[(v >> 12) & 63];
                *o++ = left > 1 ? alphabet[(v >> 6) & 63] : '=';
                *o++ = left > 2 ? alphabet[v & 63] : '=';
        }
        *o = '\0';
        return out;
}
