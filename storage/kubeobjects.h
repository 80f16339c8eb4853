/*
 * storage/kubeobjects.h: the ConfigMaps and Secrets of earlier plays, kept
 * so that a later play (or a pod restarted without its manifest) can
 * reference them:
 *
 *   ROOT/kube/<namespace>/configmaps/<name>.json   0644
 *   ROOT/kube/<namespace>/secrets/<name>.json      0600
 *
 * Each file is the object as Kubernetes writes it (apiVersion, kind,
 * metadata, data, binaryData, type, immutable), binary values in base64,
 * so `kubectl apply -f` takes it as it is. Files are written atomically
 * (temp file, fsync, rename) under the store lock; readers never wait.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stddef.h>

#include "kube/kube.h"

struct berr;
struct storage;

enum kubeobj_kind {
        KUBEOBJ_CONFIGMAP,
        KUBEOBJ_SECRET,
        _KUBEOBJ_KIND_MAX,
        _KUBEOBJ_KIND_INVALID = -EINVAL,
};

/*
 * A loaded object. configmap or secret (as kind says) is filled in the way
 * kube/ fills them in, so code that takes the objects of a play takes these
 * too; every string and array in it is owned by this struct and lives until
 * kubeobj_free().
 */
struct kubeobj {
        enum kubeobj_kind kind;
        union {
                struct kube_configmap configmap;
                struct kube_secret secret;
        };
        json_t *doc; /* the file as read: the strings above point into it */
};

struct kubeobj *kubeobj_free(struct kubeobj *o);

static inline void
kubeobj_freep(struct kubeobj **o)
{
        *o = kubeobj_free(*o);
}

/* Keep cm (its namespace and name from cm->meta), replacing what was kept under its name. */
int kubeobj_save_configmap(struct storage *s, const struct kube_configmap *cm, struct berr **err);
/* The same for a Secret, written 0600. */
int kubeobj_save_secret(struct storage *s, const struct kube_secret *sec, struct berr **err);

/*
 * The object kind namespace_/name as kept. -ENOENT (with *err untouched)
 * when none is kept; a file that is not such an object is an error that
 * names it.
 */
int kubeobj_load(struct storage *s, enum kubeobj_kind kind, const char *namespace_,
                 const char *name, struct kubeobj **ret, struct berr **err);

/* Forget the object; -ENOENT (with *err untouched) when none is kept. */
int kubeobj_remove(struct storage *s, enum kubeobj_kind kind, const char *namespace_,
                   const char *name, struct berr **err);

/*
 * The names of the objects of kind kept in namespace_, sorted; namespace_
 * NULL: in every namespace, as "NAMESPACE/NAME". *ret is NULL-terminated
 * and malloc'd (util/strv.h), *ret_n (may be NULL) its length.
 */
int kubeobj_list(struct storage *s, enum kubeobj_kind kind, const char *namespace_, char ***ret,
                 size_t *ret_n, struct berr **err);
