/* util/cleanup.h: scope-bound cleanup, after systemd's _cleanup_ helpers */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void
freep(void *p)
{
        free(*(void **)p);
}

static inline void
closep(int *fd)
{
        /* close() is not retried on EINTR: Linux releases the fd even then. */
        if (*fd >= 0)
                (void)close(*fd);
}

static inline void
fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _tp = (p); \
                (p) = NULL;              \
                _tp;                     \
        })

#define TAKE_FD(fd)             \
        ({                      \
                int _tf = (fd); \
                (fd) = -EBADF;  \
                _tf;            \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#include <dirent.h>

static inline void
closedirp_(DIR **d)
{
        if (*d)
                (void)closedir(*d);
}
