/* reconcile/manifests.h: the manifests of a play, read whole (private to reconcile/) */
#pragma once

#include <stddef.h>

#include "kube/kube.h"

struct berr;

struct manifests {
        struct kube_doc **docs; /* they own what the objects point to */
        size_t n_docs;
        struct kube_object **objects; /* every object of every document, in order */
        size_t n_objects;
};

/*
 * Read every manifest of paths (files; directories: their *.yaml, *.yml and
 * *.json, sorted, below; "-": standard input). Errors in the manifests are
 * printed on stderr as FILE:LINE:COL: FIELD: MESSAGE, and make it fail as
 * a whole (-EINVAL), having printed them all.
 */
int manifests_read(char *const *paths, size_t n, struct manifests *ret, struct berr **err);
void manifests_free(struct manifests *m);
