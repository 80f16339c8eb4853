/* util/strv.h: NULL-terminated arrays of malloc'd strings */
#pragma once

#include <stddef.h>

/* Free every string and the array; NULL is fine. Returns NULL. */
char **strv_free(char **v);

static inline void
strv_freep(char ***v)
{
        *v = strv_free(*v);
}

/* The number of strings before the NULL; 0 for NULL. */
size_t strv_length(char *const *v);

/* A deep copy (NULL gives an empty array); NULL when out of memory. */
char **strv_copy(char *const *v);

/*
 * Append s (taken over: freed on failure too) to *v, which may be NULL.
 * 0, or -ENOMEM.
 */
int strv_push(char ***v, char *s);
