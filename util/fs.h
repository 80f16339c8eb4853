/* util/fs.h: file-system helpers that never follow a symlink */
#pragma once

#include <stddef.h>

/*
 * Remove dirfd/name and, when it is a directory, everything below it.
 * Symlinks are removed, never followed; the walk stays on what it finds
 * under dirfd/name. (name is meant to be one element; leading elements of
 * a path, if any, are resolved as usual: they are the caller's to trust.
 * "", "." and ".." are -EINVAL.) Directories without write or search permission for
 * their owner get it first (a rootless store is not root). A tree of any
 * depth is removed with a bounded number of open fds. Returns 0, -ENOENT
 * when dirfd/name does not exist, or another -errno.
 */
int rm_rf_at(int dirfd, const char *name);

/* Write all len bytes of buf to fd, again after EINTR and short writes: 0 or -errno. */
int fs_write_all(int fd, const void *buf, size_t len);

/*
 * Read fd to its end into *ret (malloc'd, NUL-terminated; its length in
 * *ret_len when not NULL), again after EINTR. More than max bytes is
 * -EFBIG (the bound on what a file of outside input may cost); else 0,
 * -ENOMEM or the read's -errno. The buffer grows as it fills: a file's size
 * may change under the reader, the bound may not.
 */
int fs_read_all(int fd, size_t max, char **ret, size_t *ret_len);
