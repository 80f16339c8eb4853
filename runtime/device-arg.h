/*
 * runtime/device-arg.h: podman's --device HOST[:CONTAINER][:PERMISSIONS]
 * (private to runtime/): a host device node given to a container, made in
 * its /dev with the host node's numbers and mode, and allowed in its
 * cgroup for the permissions given ("rwm" when none).
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
