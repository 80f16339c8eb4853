/* util/quote.c: escaping outside text for messages */
#include "quote.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
quote_escape(const char *s, size_t max)
{
        size_t n = strlen(s), o = 0;
        char *q;

        if (max > (SIZE_MAX - 8) / 4)
                return NULL;
        q = malloc(max * 4 + 4);
        if (!q)
                return NULL;
        for (size_t i = 0; i < n && i < max; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '"' || c == '\\') {
                        q[o++] = '\\';
                        q[o++] = (char)c;
                } else if (c < 0x20 || c == 0x7f) {
                        o += (size_t)snprintf(q + o, 5, "\\x%02x", c);
                } else {
                        q[o++] = (char)c;
                }
        }
        if (n > max)
                o += (size_t)snprintf(q + o, 4, "...");
        q[o] = '\0';
        return q;
}
