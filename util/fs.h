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
