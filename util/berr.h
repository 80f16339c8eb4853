/* util/berr.h: the error type every fallible berth function fills in */
#pragma once

#include <stdarg.h>

struct berr {
        int errnum; /* 0 when the message says it all */
        char *msg;  /* includes strerror(errnum) when errnum != 0 */
};

/*
 * Set *err (when err is not NULL and *err is still NULL: the innermost
 * failure wins) and return -errnum, or -EINVAL when errnum is 0.
 */
int berr(struct berr **err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prefix "PREFIX: " to the message in *err; returns its -errno (or -EINVAL). */
int berr_wrap(struct berr **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The negative errno *err carries. */
int berr_code(const struct berr *err);

struct berr *berr_free(struct berr *err);

static inline void
berr_freep(struct berr **err)
{
        *err = berr_free(*err);
}
