/*
 * storage/layer-tar.h: a fresh tar of an extracted layer (private to
 * storage/), for `save` when the layer's original tar cannot be rebuilt
 * (a layer stored before tar-split existed, or a tar that named a path
 * twice). It is a new tar, so a new diff id.
 */
#pragma once

#include "tar-split.h" /* tar_split_sink */

struct berr;

/*
 * Write the tree under diff_fd (a layer's diff/) as a pax tar to sink:
 * entries sorted by name, so the same tree always gives the same bytes;
 * owners, modes, times (seconds), hard links, symlinks, devices, fifos,
 * security.capability and user.* xattrs kept; overlayfs' whiteouts (0/0
 * character devices) back to ".wh.NAME" files and opaque directories
 * (trusted.overlay.opaque=y) to a ".wh..wh..opq" file inside them, as the
 * OCI image spec writes them. Nothing is followed through a symlink.
 */
int layer_tar_write(int diff_fd, tar_split_sink sink, void *userdata, struct berr **err);
