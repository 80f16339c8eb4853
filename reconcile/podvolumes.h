/*
 * reconcile/podvolumes.h: a pod's volumes made real on this machine, and the
 * mounts each of its containers gets, the way the kubelet makes them.
 *
 * Under the pod's volume directory (the caller's, e.g. ROOT/pods/<id>/volumes):
 *
 *   <volume>/              emptyDir, configMap, secret, downwardAPI, projected
 *   .subpaths/<volume>/<container>/<n>   bind mounts of resolved subPaths
 *
 * hostPath volumes stay where they are (after the kubelet's type check) and
 * persistentVolumeClaim volumes are named volumes of the store
 * (storage/volumes.h), made on first use with the label io.berth.pvc=1.
 *
 * - emptyDir: a directory, 0777 as the kubelet makes it; medium Memory: a
 *   tmpfs there of size= the sizeLimit (or the pod's memory limit, or the
 *   machine's memory, whichever the kubelet would take). HugePages media are
 *   refused.
 * - configMap, secret, downwardAPI, projected: files written as the
 *   kubelet's atomic writer writes them: a "..<timestamp>" directory holding
 *   the files, a "..data" symlink to it, and for each top-level name a
 *   symlink NAME -> ..data/NAME, so that a later podvolumes_setup() swaps
 *   "..data" in one rename. secret, downwardAPI and projected volumes live
 *   on a tmpfs, as in Kubernetes (their values never touch a disk), always
 *   (a volume found mounted with anything else is an error), its top
 *   directory 0755 as the writer's own. These four are always mounted
 *   read-only, as the kubelet mounts them.
 * - Secret files are 0400 unless the volume gives a defaultMode or an item
 *   its mode, which are taken exactly (Kubernetes makes them 0644): the
 *   values are for the container's user. kube/ fills in 0400 for a secret
 *   volume without defaultMode; an unset one (a struct made by hand, the
 *   secret sources of a projected volume with no defaultMode) gets 0400
 *   here as well. The files of a Secret (in a secret volume or a projected
 *   one) are owned by the runAsUser of the containers that mount the volume
 *   (their own or the pod's; the pod's when they differ), so that a
 *   container that does not run as root reads them; root's when none is
 *   known.
 * - The pod's securityContext.fsGroup is applied as the kubelet applies it
 *   (group-owned, g+r, g+w for emptyDir, setgid directories) to emptyDir,
 *   configMap, secret, downwardAPI and projected volumes: a secret file
 *   then is group fsGroup and 0440 (0400 plus g+r).
 *
 * Calling podvolumes_setup() again for the same directory updates it: what
 * exists is kept (an emptyDir's files, its tmpfs), atomic-writer volumes get
 * their new contents swapped in, subPath binds are made afresh.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"

struct berr;
struct storage;

struct podvolumes_opts {
        const char *dir;              /* the pod's volume directory; made (0700) when missing */
        const char *pod_uid;          /* metadata.uid, for the downward API */
        const struct kube_meta *meta; /* the pod's name, namespace, labels, annotations */
        const struct kube_pod_spec *spec;
        /* the ConfigMaps and Secrets of the play; others are looked up in store (kubeobjects.h) */
        const struct kube_configmap *const *configmaps;
        size_t n_configmaps;
        const struct kube_secret *const *secrets;
        size_t n_secrets;
        struct storage *store;   /* kept objects and PVC volumes; NULL: neither */
        int64_t node_cpu_millis; /* the machine's CPU for limits.cpu; 0: the online CPUs */
        int64_t node_memory;     /* bytes, for limits.memory and tmpfs sizes; 0: MemTotal */
};

struct podvolumes_mount {
        char *source;      /* an absolute host path */
        char *destination; /* the volumeMount's mountPath */
        bool read_only;
        /* for the OCI spec: "rbind", "ro" or "rw", and the propagation (rprivate, rslave for
         * HostToContainer, rshared for Bidirectional); NULL-terminated */
        char **options;
};

struct podvolumes_container {
        const char *name; /* borrowed from the spec */
        bool init;
        struct podvolumes_mount *mounts; /* in the order of its volumeMounts */
        size_t n_mounts;
};

struct podvolumes {
        char *dir;
        struct podvolumes_container *containers; /* init containers, then containers */
        size_t n_containers;
};

/*
 * Make every volume of o->spec under o->dir and work out each container's
 * mounts. Errors are the kubelet's where it has one, after the volume's
 * name: `volume "cfg": configmap "x" not found`, `volume "cfg": configmap
 * references non-existent config key: k`, `volume "h": hostPath type check
 * failed: /x is not a directory`. A missing ConfigMap, Secret or key of an
 * optional source is no error (the file is left out). subPathExpr is
 * refused. When the call made o->dir and fails, it tears the directory
 * down again; a directory that was there is left as the failure left it.
 */
int podvolumes_setup(const struct podvolumes_opts *o, struct podvolumes **ret, struct berr **err);

/* The mounts of the container name; NULL when the pod has none of that name. */
const struct podvolumes_container *podvolumes_container(const struct podvolumes *pv,
                                                        const char *name);

struct podvolumes *podvolumes_free(struct podvolumes *pv);

static inline void
podvolumes_freep(struct podvolumes **pv)
{
        *pv = podvolumes_free(*pv);
}

/*
 * Unmount every tmpfs and subPath bind under dir (lazily: a container
 * still holding one does not stop it) and remove dir. 0 when dir does not
 * exist; nothing is removed when something cannot be unmounted.
 */
int podvolumes_teardown(const char *dir, struct berr **err);
