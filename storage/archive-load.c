/*
 * storage/archive-load.c: libarchive, loaded when a layer or an archive is
 * first read or written.
 *
 * libarchive brings libxml2, ICU, libstdc++, liblzma, libbz2, liblz4,
 * libacl and nettle with it, and the dynamic loader maps and relocates them
 * all at every start of berth, though only pulls, load and save use it. So
 * berth is not linked with it: these functions, named as libarchive's own,
 * dlopen() it on first use and call through (as storage/curl-load.c does
 * for libcurl). The table of the loaded library's entry points is
 * process-wide by nature, filled once under pthread_once.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "archive-load.h"
#include "util/berr.h"

#define ARCHIVE_SONAME "libarchive.so.13"

/* every libarchive function berth calls: X(return type, name, parameter types) */
#define ARCHIVE_FUNCTIONS(X)                                                                       \
        X(time_t, archive_entry_atime, (struct archive_entry *))                                   \
        X(int, archive_entry_atime_is_set, (struct archive_entry *))                               \
        X(long, archive_entry_atime_nsec, (struct archive_entry *))                                \
        X(void, archive_entry_copy_hardlink, (struct archive_entry *, const char *))               \
        X(void, archive_entry_copy_pathname, (struct archive_entry *, const char *))               \
        X(void, archive_entry_copy_symlink, (struct archive_entry *, const char *))                \
        X(__LA_MODE_T, archive_entry_filetype, (struct archive_entry *))                           \
        X(void, archive_entry_free, (struct archive_entry *))                                      \
        X(la_int64_t, archive_entry_gid, (struct archive_entry *))                                 \
        X(const char *, archive_entry_hardlink, (struct archive_entry *))                          \
        X(time_t, archive_entry_mtime, (struct archive_entry *))                                   \
        X(long, archive_entry_mtime_nsec, (struct archive_entry *))                                \
        X(struct archive_entry *, archive_entry_new, (void))                                       \
        X(const char *, archive_entry_pathname, (struct archive_entry *))                          \
        X(__LA_MODE_T, archive_entry_perm, (struct archive_entry *))                               \
        X(dev_t, archive_entry_rdev, (struct archive_entry *))                                     \
        X(void, archive_entry_set_filetype, (struct archive_entry *, unsigned int))                \
        X(void, archive_entry_set_gid, (struct archive_entry *, la_int64_t))                       \
        X(void, archive_entry_set_hardlink, (struct archive_entry *, const char *))                \
        X(void, archive_entry_set_mode, (struct archive_entry *, __LA_MODE_T))                     \
        X(void, archive_entry_set_mtime, (struct archive_entry *, time_t, long))                   \
        X(void, archive_entry_set_pathname, (struct archive_entry *, const char *))                \
        X(void, archive_entry_set_perm, (struct archive_entry *, __LA_MODE_T))                     \
        X(void, archive_entry_set_rdev, (struct archive_entry *, dev_t))                           \
        X(void, archive_entry_set_size, (struct archive_entry *, la_int64_t))                      \
        X(void, archive_entry_set_symlink, (struct archive_entry *, const char *))                 \
        X(void, archive_entry_set_uid, (struct archive_entry *, la_int64_t))                       \
        X(la_int64_t, archive_entry_size, (struct archive_entry *))                                \
        X(int, archive_entry_size_is_set, (struct archive_entry *))                                \
        X(void, archive_entry_sparse_add_entry, (struct archive_entry *, la_int64_t, la_int64_t))  \
        X(const char *, archive_entry_symlink, (struct archive_entry *))                           \
        X(la_int64_t, archive_entry_uid, (struct archive_entry *))                                 \
        X(void, archive_entry_xattr_add_entry,                                                     \
          (struct archive_entry *, const char *, const void *, size_t))                            \
        X(int, archive_entry_xattr_next,                                                           \
          (struct archive_entry *, const char **, const void **, size_t *))                        \
        X(int, archive_entry_xattr_reset, (struct archive_entry *))                                \
        X(const char *, archive_error_string, (struct archive *))                                  \
        X(int, archive_read_data_block, (struct archive *, const void **, size_t *, la_int64_t *)) \
        X(int, archive_read_free, (struct archive *))                                              \
        X(struct archive *, archive_read_new, (void))                                              \
        X(int, archive_read_next_header, (struct archive *, struct archive_entry **))              \
        X(int, archive_read_open,                                                                  \
          (struct archive *, void *, archive_open_callback *, archive_read_callback *,             \
           archive_close_callback *))                                                              \
        X(int, archive_read_support_format_tar, (struct archive *))                                \
        X(void, archive_set_error, (struct archive *, int, const char *, ...))                     \
        X(int, archive_write_add_filter_gzip, (struct archive *))                                  \
        X(int, archive_write_add_filter_none, (struct archive *))                                  \
        X(int, archive_write_add_filter_zstd, (struct archive *))                                  \
        X(int, archive_write_close, (struct archive *))                                            \
        X(la_ssize_t, archive_write_data, (struct archive *, const void *, size_t))                \
        X(int, archive_write_free, (struct archive *))                                             \
        X(int, archive_write_header, (struct archive *, struct archive_entry *))                   \
        X(struct archive *, archive_write_new, (void))                                             \
        X(int, archive_write_open,                                                                 \
          (struct archive *, void *, archive_open_callback *, archive_write_callback *,            \
           archive_close_callback *))                                                              \
        X(int, archive_write_open_memory, (struct archive *, void *, size_t, size_t *))            \
        X(int, archive_write_set_bytes_in_last_block, (struct archive *, int))                     \
        X(int, archive_write_set_format_gnutar, (struct archive *))                                \
        X(int, archive_write_set_format_pax, (struct archive *))                                   \
        X(int, archive_write_set_format_pax_restricted, (struct archive *))                        \
        X(int, archive_write_set_format_ustar, (struct archive *))                                 \
        X(int, archive_write_set_format_v7tar, (struct archive *))

struct archive_lib {
        void *handle;
        char error[256];
#define X(ret, name, params) ret(*name) params;
        ARCHIVE_FUNCTIONS(X)
#undef X
};

static struct archive_lib lib;
static pthread_once_t lib_once = PTHREAD_ONCE_INIT;

static void
load(void)
{
        void *h = dlopen(ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);

        if (!h) {
                snprintf(lib.error, sizeof(lib.error), "%s", dlerror());
                return;
        }
#define X(ret, name, params)                                                                \
        if (!(*(void **)&lib.name = dlsym(h, #name))) {                                     \
                snprintf(lib.error, sizeof(lib.error), "%s: no %s", ARCHIVE_SONAME, #name); \
                dlclose(h);                                                                 \
                return;                                                                     \
        }
        ARCHIVE_FUNCTIONS(X)
#undef X
        lib.handle = h;
}

int
archive_load(struct berr **err)
{
        (void)pthread_once(&lib_once, load);
        if (!lib.handle)
                return berr(err, 0, "cannot load %s (install libarchive13): %s", ARCHIVE_SONAME,
                            lib.error);
        return 0;
}

static const struct archive_lib *
get(void)
{
        if (archive_load(NULL) < 0) {
                fprintf(stderr, "berth: cannot load %s: %s\n", ARCHIVE_SONAME, lib.error);
                abort();
        }
        return &lib;
}

time_t
archive_entry_atime(struct archive_entry *a0)
{
        return get()->archive_entry_atime(a0);
}

int
archive_entry_atime_is_set(struct archive_entry *a0)
{
        return get()->archive_entry_atime_is_set(a0);
}

long
archive_entry_atime_nsec(struct archive_entry *a0)
{
        return get()->archive_entry_atime_nsec(a0);
}

void
archive_entry_copy_hardlink(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_copy_hardlink(a0, a1);
}

void
archive_entry_copy_pathname(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_copy_pathname(a0, a1);
}

void
archive_entry_copy_symlink(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_copy_symlink(a0, a1);
}

__LA_MODE_T
archive_entry_filetype(struct archive_entry *a0)
{
        return get()->archive_entry_filetype(a0);
}

void
archive_entry_free(struct archive_entry *a0)
{
        get()->archive_entry_free(a0);
}

la_int64_t
archive_entry_gid(struct archive_entry *a0)
{
        return get()->archive_entry_gid(a0);
}

const char *
archive_entry_hardlink(struct archive_entry *a0)
{
        return get()->archive_entry_hardlink(a0);
}

time_t
archive_entry_mtime(struct archive_entry *a0)
{
        return get()->archive_entry_mtime(a0);
}

long
archive_entry_mtime_nsec(struct archive_entry *a0)
{
        return get()->archive_entry_mtime_nsec(a0);
}

struct archive_entry *
archive_entry_new(void)
{
        return get()->archive_entry_new();
}

const char *
archive_entry_pathname(struct archive_entry *a0)
{
        return get()->archive_entry_pathname(a0);
}

__LA_MODE_T
archive_entry_perm(struct archive_entry *a0)
{
        return get()->archive_entry_perm(a0);
}

dev_t
archive_entry_rdev(struct archive_entry *a0)
{
        return get()->archive_entry_rdev(a0);
}

void
archive_entry_set_filetype(struct archive_entry *a0, unsigned int a1)
{
        get()->archive_entry_set_filetype(a0, a1);
}

void
archive_entry_set_gid(struct archive_entry *a0, la_int64_t a1)
{
        get()->archive_entry_set_gid(a0, a1);
}

void
archive_entry_set_hardlink(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_set_hardlink(a0, a1);
}

void
archive_entry_set_mode(struct archive_entry *a0, __LA_MODE_T a1)
{
        get()->archive_entry_set_mode(a0, a1);
}

void
archive_entry_set_mtime(struct archive_entry *a0, time_t a1, long a2)
{
        get()->archive_entry_set_mtime(a0, a1, a2);
}

void
archive_entry_set_pathname(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_set_pathname(a0, a1);
}

void
archive_entry_set_perm(struct archive_entry *a0, __LA_MODE_T a1)
{
        get()->archive_entry_set_perm(a0, a1);
}

void
archive_entry_set_rdev(struct archive_entry *a0, dev_t a1)
{
        get()->archive_entry_set_rdev(a0, a1);
}

void
archive_entry_set_size(struct archive_entry *a0, la_int64_t a1)
{
        get()->archive_entry_set_size(a0, a1);
}

void
archive_entry_set_symlink(struct archive_entry *a0, const char *a1)
{
        get()->archive_entry_set_symlink(a0, a1);
}

void
archive_entry_set_uid(struct archive_entry *a0, la_int64_t a1)
{
        get()->archive_entry_set_uid(a0, a1);
}

la_int64_t
archive_entry_size(struct archive_entry *a0)
{
        return get()->archive_entry_size(a0);
}

int
archive_entry_size_is_set(struct archive_entry *a0)
{
        return get()->archive_entry_size_is_set(a0);
}

void
archive_entry_sparse_add_entry(struct archive_entry *a0, la_int64_t a1, la_int64_t a2)
{
        get()->archive_entry_sparse_add_entry(a0, a1, a2);
}

const char *
archive_entry_symlink(struct archive_entry *a0)
{
        return get()->archive_entry_symlink(a0);
}

la_int64_t
archive_entry_uid(struct archive_entry *a0)
{
        return get()->archive_entry_uid(a0);
}

void
archive_entry_xattr_add_entry(struct archive_entry *a0, const char *a1, const void *a2, size_t a3)
{
        get()->archive_entry_xattr_add_entry(a0, a1, a2, a3);
}

int
archive_entry_xattr_next(struct archive_entry *a0, const char **a1, const void **a2, size_t *a3)
{
        return get()->archive_entry_xattr_next(a0, a1, a2, a3);
}

int
archive_entry_xattr_reset(struct archive_entry *a0)
{
        return get()->archive_entry_xattr_reset(a0);
}

const char *
archive_error_string(struct archive *a0)
{
        return get()->archive_error_string(a0);
}

int
archive_read_data_block(struct archive *a0, const void **a1, size_t *a2, la_int64_t *a3)
{
        return get()->archive_read_data_block(a0, a1, a2, a3);
}

int
archive_read_free(struct archive *a0)
{
        return get()->archive_read_free(a0);
}

struct archive *
archive_read_new(void)
{
        return get()->archive_read_new();
}

int
archive_read_next_header(struct archive *a0, struct archive_entry **a1)
{
        return get()->archive_read_next_header(a0, a1);
}

int
archive_read_open(struct archive *a0, void *a1, archive_open_callback *a2,
                  archive_read_callback *a3, archive_close_callback *a4)
{
        return get()->archive_read_open(a0, a1, a2, a3, a4);
}

int
archive_read_support_format_tar(struct archive *a0)
{
        return get()->archive_read_support_format_tar(a0);
}

int
archive_write_add_filter_gzip(struct archive *a0)
{
        return get()->archive_write_add_filter_gzip(a0);
}

int
archive_write_add_filter_none(struct archive *a0)
{
        return get()->archive_write_add_filter_none(a0);
}

int
archive_write_add_filter_zstd(struct archive *a0)
{
        return get()->archive_write_add_filter_zstd(a0);
}

int
archive_write_close(struct archive *a0)
{
        return get()->archive_write_close(a0);
}

la_ssize_t
archive_write_data(struct archive *a0, const void *a1, size_t a2)
{
        return get()->archive_write_data(a0, a1, a2);
}

int
archive_write_free(struct archive *a0)
{
        return get()->archive_write_free(a0);
}

int
archive_write_header(struct archive *a0, struct archive_entry *a1)
{
        return get()->archive_write_header(a0, a1);
}

struct archive *
archive_write_new(void)
{
        return get()->archive_write_new();
}

int
archive_write_open(struct archive *a0, void *a1, archive_open_callback *a2,
                   archive_write_callback *a3, archive_close_callback *a4)
{
        return get()->archive_write_open(a0, a1, a2, a3, a4);
}

int
archive_write_open_memory(struct archive *a0, void *a1, size_t a2, size_t *a3)
{
        return get()->archive_write_open_memory(a0, a1, a2, a3);
}

int
archive_write_set_bytes_in_last_block(struct archive *a0, int a1)
{
        return get()->archive_write_set_bytes_in_last_block(a0, a1);
}

int
archive_write_set_format_gnutar(struct archive *a0)
{
        return get()->archive_write_set_format_gnutar(a0);
}

int
archive_write_set_format_pax(struct archive *a0)
{
        return get()->archive_write_set_format_pax(a0);
}

int
archive_write_set_format_pax_restricted(struct archive *a0)
{
        return get()->archive_write_set_format_pax_restricted(a0);
}

int
archive_write_set_format_ustar(struct archive *a0)
{
        return get()->archive_write_set_format_ustar(a0);
}

int
archive_write_set_format_v7tar(struct archive *a0)
{
        return get()->archive_write_set_format_v7tar(a0);
}

/* variadic: formatted here, passed on as one string */
void
archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        get()->archive_set_error(a, err, "%s", msg);
}
