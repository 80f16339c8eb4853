/* storage/tar-header.c: tar header fields, as tar readers take them */
#include "tar-header.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

bool
tar_number(const uint8_t *f, size_t n, uint64_t *ret)
{
        uint64_t v = 0;
        size_t i = 0;

        if (f[0] & 0x80) {
                /* base-256, big-endian; 0xff starts a negative number */
                if (f[0] & 0x40)
                        return false;
                v = f[0] & 0x3f;
                for (i = 1; i < n; i++) {
                        if (v >> 56)
                                return false;
                        v = v << 8 | f[i];
                }
                *ret = v;
                return true;
        }
        while (i < n && f[i] == ' ')
                i++;
        for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
                if (v >> 60)
                        return false;
                v = v * 8 + (uint64_t)(f[i] - '0');
        }
        for (; i < n; i++)
                if (f[i] != ' ' && f[i] != '\0')
                        return false;
        *ret = v;
        return true;
}

bool
tar_checksum_ok(const uint8_t h[TAR_BLOCK])
{
        uint64_t want = 0, u = 0;
        int64_t s = 0;

        if (!tar_number(h + 148, 8, &want))
                return false;
        for (size_t i = 0; i < TAR_BLOCK; i++) {
                uint8_t c = (i >= 148 && i < 156) ? ' ' : h[i];

                u += c;
                s += (int8_t)c;
        }
        return want == u || (int64_t)want == s;
}

bool
tar_block_is_zero(const uint8_t h[TAR_BLOCK])
{
        for (size_t i = 0; i < TAR_BLOCK; i++)
                if (h[i])
                        return false;
        return true;
}

char *
tar_header_name(const uint8_t h[TAR_BLOCK])
{
        char *s = NULL;

        if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != '\0') {
                if (asprintf(&s, "%.155s/%.100s", (const char *)h + 345, (const char *)h) < 0)
                        return NULL;
                return s;
        }
        return strndup((const char *)h, 100);
}

char *
tar_header_linkname(const uint8_t h[TAR_BLOCK])
{
        return strndup((const char *)h + 157, 100);
}

int
tar_pax_parse(const char *buf, size_t len,
              int (*fn)(void *userdata, const char *key, size_t key_len, const char *value,
                        size_t value_len),
              void *userdata)
{
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *rec = p, *eq, *rec_end;
                uint64_t n = 0;
                int r;

                /* GNU tar pads the data with NULs */
                if (*p == '\0')
                        break;
                while (p < end && *p >= '0' && *p <= '9' && n <= len)
                        n = n * 10 + (uint64_t)(*p++ - '0');
                if (p >= end || *p != ' ' || n == 0 || n > (uint64_t)(end - rec))
                        return -EBADMSG;
                rec_end = rec + n;
                if (rec_end[-1] != '\n' || rec_end <= p + 1)
                        return -EBADMSG;
                p++;
                eq = memchr(p, '=', (size_t)(rec_end - 1 - p));
                if (!eq || eq == p)
                        return -EBADMSG;
                r = fn(userdata, p, (size_t)(eq - p), eq + 1, (size_t)(rec_end - 1 - (eq + 1)));
                if (r < 0)
                        return r;
                p = rec_end;
        }
        return 0;
}

bool
tar_pax_number(const char *value, size_t len, uint64_t *ret)
{
        uint64_t v = 0;

        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (value[i] < '0' || value[i] > '9' || v > (UINT64_MAX - 9) / 10)
                        return false;
                v = v * 10 + (uint64_t)(value[i] - '0');
        }
        *ret = v;
        return true;
}

char *
tar_clean_path(const char *raw, bool *ret_enomem)
{
        _cleanup_free_ char *out = malloc(strlen(raw) + 1);
        const char *p = raw;
        size_t o = 0;

        if (ret_enomem)
                *ret_enomem = !out;
        if (!out)
                return NULL;
        while (*p) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return NULL;
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (o > 0)
                                out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *end ? end + 1 : end;
        }
        out[o] = '\0';
        return TAKE_PTR(out);
}
