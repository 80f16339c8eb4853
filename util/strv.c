/* util/strv.c: NULL-terminated arrays of malloc'd strings */
#include "strv.h"
#include <errno.h>

#include <stdlib.h>
#include <string.h>

char **
strv_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
        return NULL;
}

size_t
strv_length(char *const *v)
{
        size_t n = 0;

        while (v && v[n])
                n++;
        return n;
}

char **
strv_copy(char *const *v)
{
        size_t n = strv_length(v);
        char **out = calloc(n + 1, sizeof(*out));

        for (size_t i = 0; out && i < n; i++)
                if (!(out[i] = strdup(v[i])))
                        return strv_free(out);
        return out;
}

int
strv_push(char ***v, char *s)
{
        size_t n = strv_length(*v);
        char **nv;

        if (!s)
                return -ENOMEM;
        nv = reallocarray(*v, n + 2, sizeof(*nv));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        nv[n] = s;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}
