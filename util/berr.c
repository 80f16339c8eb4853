/* util/berr.c: error values with messages, wrapped on the way up */
#include "berr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
berr_code(const struct berr *err)
{
        if (!err || err->errnum == 0)
                return -EINVAL;
        return -err->errnum;
}

int
berr(struct berr **err, int errnum, const char *fmt, ...)
{
        char *msg = NULL, *full = NULL;
        struct berr *e;
        va_list ap;
        int r;

        if (errnum < 0)
                errnum = -errnum;
        if (!err || *err)
                return errnum ? -errnum : -EINVAL;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                msg = NULL;
        if (msg && errnum) {
                if (asprintf(&full, "%s: %s", msg, strerror(errnum)) < 0)
                        full = NULL;
                free(msg);
                msg = full;
        }

        e = calloc(1, sizeof(*e));
        if (!e) {
                free(msg);
                return errnum ? -errnum : -EINVAL;
        }
        e->errnum = errnum;
        e->msg = msg ? msg : strdup("out of memory");
        *err = e;
        return errnum ? -errnum : -EINVAL;
}

int
berr_wrap(struct berr **err, const char *fmt, ...)
{
        char *prefix = NULL, *full = NULL;
        va_list ap;
        int r;

        if (!err || !*err)
                return -EINVAL;
        va_start(ap, fmt);
        r = vasprintf(&prefix, fmt, ap);
        va_end(ap);
        if (r >= 0 && asprintf(&full, "%s: %s", prefix, (*err)->msg ? (*err)->msg : "") >= 0) {
                free((*err)->msg);
                (*err)->msg = full;
        }
        if (r >= 0)
                free(prefix);
        return berr_code(*err);
}

struct berr *
berr_free(struct berr *err)
{
        if (err) {
                free(err->msg);
                free(err);
        }
        return NULL;
}
