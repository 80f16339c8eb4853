/*
 * storage/volumes.h: named local volumes, the way podman keeps them
 * (`podman volume`), under the store's root:
 *
 *   ROOT/volumes/<name>/_data/        what containers mount (the mount point)
 *   ROOT/volumes/<name>/volume.json   name, driver ("local"), mountpoint,
 *                                     createdAt, labels, options
 *
 * A volume is made whole in ROOT/tmp and renamed into place, so a crash
 * leaves no half-made volume under its name (the next storage_open() clears
 * ROOT/tmp). A removal renames the volume away first, under the store lock,
 * then deletes it. Changes take the store lock; readers never wait.
 *
 * Which containers use a volume is not the store's business: the caller
 * says, through struct volume_users.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct storage;

struct volume {
        char *name;
        char *driver;     /* "local" */
        char *mountpoint; /* ROOT/volumes/<name>/_data */
        char *created_at; /* RFC 3339 with nanoseconds and the local offset, as podman's */
        json_t *labels;   /* an object of strings; never NULL once filled in */
        json_t *options;  /* an object of strings; never NULL once filled in */
};

/* Free what v holds and zero it; a zeroed struct is fine. */
void volume_clear(struct volume *v);

/* Whether name is a volume name podman takes: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 255 bytes. */
bool volume_name_valid(const char *name);

/* volume_create() flags */
#define VOLUME_CREATE_IGNORE (1u << 0) /* an existing volume of that name is no error */

/*
 * Create the volume name with labels (an object of strings; NULL: none).
 * Returns 0 when it was made, 1 when it existed and flags has
 * VOLUME_CREATE_IGNORE (it is left as it is), -EEXIST when it existed
 * otherwise ("volume with name NAME already exists: volume already
 * exists", podman's words), -EINVAL for a name podman would refuse. ret
 * (may be NULL) gets the volume, made or found.
 */
int volume_create(struct storage *s, const char *name, const json_t *labels, unsigned flags,
                  struct volume *ret, struct berr **err);

/* The volume name; -ENOENT: "no volume with name "NAME" found: no such volume". */
int volume_find(struct storage *s, const char *name, struct volume *ret, struct berr **err);

/*
 * Every volume, sorted by name, as `podman volume ls --format json` prints
 * them: an array of {Name, Driver, Mountpoint, CreatedAt, Labels, Scope
 * ("local"), Options}. A volume whose record cannot be read is left out.
 */
int volume_list(struct storage *s, json_t **ret, struct berr **err);

/* One volume as `podman volume inspect` shows it (an object, the shape of volume_list()'s). */
int volume_inspect(struct storage *s, const char *name, json_t **ret, struct berr **err);

/*
 * Who uses a volume: in_use returns > 0 when something does and then sets
 * *ret_users (malloc'd, for the message: container names or IDs), 0 when
 * nothing does, or -errno with *err set.
 */
struct volume_users {
        int (*in_use)(void *userdata, const struct volume *v, char **ret_users, struct berr **err);
        void *userdata;
};

/*
 * Remove the volume name and its data. A volume in use (users may be
 * NULL: nothing uses any) is refused with -EBUSY ("volume NAME is being
 * used by the following container(s): WHO: volume is being used") unless
 * force. The check is made before the store lock is taken (the callback
 * may need the lock itself), so a container created in between is not
 * seen.
 */
int volume_remove(struct storage *s, const char *name, bool force, const struct volume_users *users,
                  struct berr **err);

/*
 * Remove every volume nothing uses; *ret_names (NULL-terminated, malloc'd,
 * may be NULL) are the names removed, *ret_n how many (may be NULL).
 */
int volume_prune(struct storage *s, const struct volume_users *users, char ***ret_names,
                 size_t *ret_n, struct berr **err);
