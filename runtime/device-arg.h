/*
 * runtime/device-arg.h: the host's device nodes a container is given
 * (private to runtime/): podman's --device HOST[:CONTAINER][:PERMISSIONS],
 * made in its /dev with the host node's numbers and mode, and allowed in
 * its cgroup for the permissions given ("rwm" when none); and every device
 * of the host for a privileged container, as podman and the kubelet do.
 */
#pragma once

#include "spec.h"

struct berr;

/*
 * Parse arg and look at the host's node (stat, following symlinks as
 * podman does: /dev/disk/by-id/...): a character or block device, else an
 * error naming arg. The container path defaults to the host path; both
 * must be absolute; PERMISSIONS is letters of "rwm". *ret's path and
 * access point into *ret_text (malloc'd, for the caller to free).
 */
int device_arg_parse(const char *arg, struct spec_device *ret, char **ret_text, struct berr **err);

/* Devices for a container: the nodes, and the text their paths point into. */
struct device_list {
        struct spec_device *v;
        size_t n;
        char **text;
};

/* Append the device of a --device argument (device_arg_parse()). */
int device_list_add_arg(struct device_list *list, const char *arg, struct berr **err);

/*
 * Append every character and block device under dir ("/dev"; named
 * /dev/REL for the container whatever dir is), for a privileged container:
 * walked a few levels deep without following symlinks, leaving out what a
 * container has of its own (pts/, shm/, mqueue/, the console, ptmx, tty and
 * the standard devices, which it keeps with their usual modes). Unreadable
 * directories are skipped.
 */
int devices_of_host(const char *dir, struct device_list *list, struct berr **err);

/* Free what list holds and zero it. */
void device_list_done(struct device_list *list);
