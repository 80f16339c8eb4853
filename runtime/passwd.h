/*
 * runtime/passwd.h: a container's user, resolved from the container's own
 * /etc/passwd and /etc/group (private to runtime/). The files belong to the
 * image: they are opened inside the rootfs (a symlink in them resolves
 * against the rootfs, never the host), must be regular files and are read
 * up to PASSWD_FILE_MAX bytes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

#define PASSWD_FILE_MAX (4U << 20)

/* What a "user[:group]" names inside a container. */
struct passwd_user {
        uint32_t uid, gid;
        char *name; /* the user's passwd entry's name; NULL when the user has none */
        char *home; /* its home directory; NULL likewise */
        /*
         * The groups whose member list in /etc/group names the user, in file
         * order, without duplicates: only when the user came without a group
         * (as runc and podman add them) and has a passwd entry.
         */
        uint32_t *groups;
        size_t n_groups;
};

void passwd_user_done(struct passwd_user *u);

/*
 * Open path (relative to rootfd, or absolute: both mean inside it) for
 * reading, resolving every element inside the directory rootfd the way
 * chroot would: "..", absolute symlinks and symlinks that climb out all
 * stay inside rootfd. openat2(RESOLVE_IN_ROOT) does it, else (no openat2,
 * or walk is set) a walk that opens one element at a time with O_NOFOLLOW
 * and follows symlinks itself (40 at most, then -ELOOP). O_NONBLOCK, so a
 * fifo cannot block: the caller checks what it got. Returns the fd or
 * -errno.
 */
int passwd_open_in_root(int rootfd, const char *path, bool walk);

/*
 * Open path for reading as the overlay of the layer directories layers
 * (n of them, the topmost first) would show it, without mounting it: the
 * topmost layer holding an element wins, a whiteout (a 0/0 character
 * device) hides it, directories merge down to the first opaque one
 * (trusted.overlay.opaque), symlinks resolve inside the merged root as in
 * passwd_open_in_root(). Regular files only (a directory: -EISDIR).
 * Returns the fd or -errno.
 */
int passwd_open_in_layers(const int *layers, size_t n, const char *path);

/*
 * One passwd line's fields, for a parsed line; false for lines that are
 * not entries (comments, NIS "+"/"-" lines, lines without 7 fields or with
 * a uid or gid that is not a number up to 4294967294).
 */
struct passwd_entry {
        const char *name, *home; /* point into the line (which the parser cuts at ':') */
        uint32_t uid, gid;
};
bool passwd_parse_line(char *line, struct passwd_entry *ret);

struct group_entry {
        const char *name;
        char *members; /* "a,b,c", cut in place by group_has_member() */
        uint32_t gid;
};
bool group_parse_line(char *line, struct group_entry *ret);
/* Whether the comma-separated list members names user. */
bool group_has_member(const char *members, const char *user);

/*
 * A decimal uid or gid as runc reads one: digits only, at most 4294967294
 * (4294967295 is the kernel's "no id"). Returns 0 or -EINVAL.
 */
int passwd_parse_id(const char *s, uint32_t *ret);

/*
 * Resolve spec, "user[:group]" (each a name or a number; "" or NULL: root),
 * in the rootfs rootfd (rootfs: its path, for messages). A name must be in
 * the rootfs' /etc/passwd (or /etc/group): otherwise an error naming it and
 * the file ("user \"bob\" not found in ROOTFS/etc/passwd"). A number needs
 * no entry: without one the gid is 0 and there is no name or home, as in
 * podman. walk: see passwd_open_in_root(). On failure *ret is untouched.
 */
int passwd_resolve(int rootfd, const char *rootfs, const char *spec, bool walk,
                   struct passwd_user *ret, struct berr **err);

/*
 * passwd_resolve() in the image whose layer directories are layers (the
 * topmost first; see passwd_open_in_layers()): a container's user before
 * its root is mounted. rootfs names the root in messages.
 */
int passwd_resolve_layers(const int *layers, size_t n_layers, const char *rootfs, const char *spec,
                          struct passwd_user *ret, struct berr **err);
