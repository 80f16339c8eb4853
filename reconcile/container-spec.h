/*
 * reconcile/container-spec.h: a decoded Kubernetes container (kube/kube.h)
 * turned into what berth's container runtime needs, the way the kubelet
 * turns it into a CRI request: its environment, $(VAR) expansion of command
 * and args, resource limits and CPU weights, the merged security context,
 * and the image pull decision. Private to reconcile/ (`kube play` calls it).
 *
 * Pure logic: nothing here touches the file system or starts a process.
 * ConfigMaps and Secrets come from the caller through struct cspec_lookup,
 * facts about the pod and its node through struct cspec_pod_info.
 *
 * Where the kubelet and `podman kube play` differ, berth does what the
 * kubelet does, except where a default is the runtime's to choose: an
 * unset seccompProfile means the default profile, as in podman (see
 * cspec_security_build()).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube/kube.h"

struct berr;

/* ---------------------------------------------------------------- env (env.c) */

/* What the downward API (fieldRef, resourceFieldRef) reads of the pod and its node. */
struct cspec_pod_info {
        const struct kube_meta *meta;     /* name, namespace ("default" when NULL), labels... */
        const char *uid;                  /* metadata.uid; NULL: "" */
        const char *node_name;            /* spec.nodeName; NULL: "" */
        const char *service_account_name; /* spec.serviceAccountName; NULL: "" */
        const char *const *host_ips;      /* status.hostIPs; status.hostIP is the first */
        size_t n_host_ips;
        const char *const *pod_ips; /* status.podIPs; status.podIP is the first */
        size_t n_pod_ips;
        /* resourceFieldRef.containerName is looked up here; NULL: only the container itself */
        const struct kube_pod_spec *spec;
        /* the node's allocatable, which stands in for a limit a container does not set; 0: none */
        uint64_t node_cpus;              /* whole CPUs */
        uint64_t node_memory;            /* bytes */
        uint64_t node_ephemeral_storage; /* bytes */
};

/*
 * ConfigMaps and Secrets by name, in the pod's namespace: the caller looks
 * in the manifests being played, then in stored objects. Each returns 1 and
 * sets *ret (borrowed: it must stay valid until cspec_env_build() returns),
 * 0 when there is none by that name, or < 0 with err set when the lookup
 * itself failed. A NULL function finds nothing.
 */
struct cspec_lookup {
        int (*configmap)(void *userdata, const char *namespace_, const char *name,
                         const struct kube_configmap **ret, struct berr **err);
        int (*secret)(void *userdata, const char *namespace_, const char *name,
                      const struct kube_secret **ret, struct berr **err);
        void *userdata;
};

/*
 * The container's environment as the kubelet builds it (makeEnvironmentVariables):
 *
 * - envFrom first, in order: every key of the ConfigMap's data (binaryData
 *   is not used) or the Secret's data, with the prefix. Keys that are not
 *   environment variable names by the kubelet's classic rule
 *   ([-._a-zA-Z][-._a-zA-Z0-9]*, not "." and not starting with "..") are
 *   skipped, and each source that had some adds the kubelet's warning to
 *   *ret_warnings: "Keys [1a, b c] from the EnvFrom configMap default/cm
 *   were skipped since they are considered invalid environment variable
 *   names." (The newest kubelet source keeps every key, since env names
 *   may be any printable ASCII but '='; berth keeps the stricter rule.)
 * - then env, in order. A non-empty value has $(VAR) expanded against the
 *   variables defined so far (cspec_expand()); otherwise valueFrom is
 *   resolved: configMapKeyRef and secretKeyRef (errors, as the kubelet
 *   words them: `configmap "cm" not found`, `couldn't find key k in
 *   ConfigMap default/cm`, `secret "s" not found`, `couldn't find key k in
 *   Secret default/s`; with optional: true a missing object or key leaves
 *   the variable as it was, unset when nothing defined it before), fieldRef
 *   and resourceFieldRef (cspec_env_resource_value()).
 *
 * A name defined twice keeps the place of its first definition and the
 * value of its last. A Secret value holding a NUL byte is an error: no
 * environment can carry it. *ret_env: "NAME=VALUE" strings; *ret_warnings:
 * messages, possibly none; both NULL-terminated (util/strv.h), owned by the
 * caller, and set only on success.
 */
int cspec_env_build(const struct kube_container *c, const struct cspec_pod_info *pod,
                    const struct cspec_lookup *lookup, char ***ret_env, char ***ret_warnings,
                    struct berr **err);

/*
 * The value of a resourceFieldRef for container c of the pod, as the
 * kubelet's downward API gives it: limits.cpu and requests.cpu in units of
 * the divisor's millicores, rounded up (a 250m limit with divisor 1 is
 * "1"), memory, ephemeral-storage and hugepages-* in units of the divisor's
 * bytes, rounded up; a zero or absent divisor is 1. A cpu, memory or
 * ephemeral-storage limit that is not set (or is 0) is the node's
 * allocatable from pod (0 when that is 0 too); a request that is not set
 * is its limit as written, else 0. containerName, when given, names the
 * container to read (in pod->spec: app containers, then init containers,
 * whose limits the kubelet does not default). *ret: malloc'd decimal.
 */
int cspec_env_resource_value(const struct kube_resource_field_ref *ref,
                             const struct kube_container *c, const struct cspec_pod_info *pod,
                             char **ret, struct berr **err);

/*
 * The image's environment with the container's over it: image_env's
 * variables first, in their order, each taking the container's value
 * where env defines it, then env's other variables in their order; a name
 * repeated within one list keeps its first place and its last value. An
 * image entry without '=' is kept as it is unless env defines the name.
 * *ret: NULL-terminated, owned by the caller. Either list may be NULL.
 */
int cspec_env_merge(char *const *image_env, char *const *env, char ***ret, struct berr **err);

/*
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion):
 * "$(NAME)" is NAME's value in env ("NAME=VALUE" strings; the last wins)
 * and stays as written when env has no NAME; "$$" is "$"; a "$" before
 * anything else, "$(" without ")" and a final "$" stay as they are.
 * *ret: malloc'd. 0, or -ENOMEM.
 */
int cspec_expand(const char *in, char *const *env, char **ret);

/*
 * Command and args with $(VAR) expanded against env (what cspec_env_build()
 * returned, not the image's), as the kubelet's ExpandContainerCommandAndArgs
 * does. *ret_command / *ret_args: NULL-terminated, or NULL when the
 * container has no command / no args (the image's then apply).
 */
int cspec_expand_command(const struct kube_container *c, char *const *env, char ***ret_command,
                         char ***ret_args, struct berr **err);

/* ---------------------------------------------------------------- resources (resources.c) */

/*
 * One container's or one pod's resources, for the runtime's cgroups.
 * Hugepages and extended resources are not in it.
 */
struct cspec_resources {
        int64_t memory_limit;       /* bytes; 0: no limit */
        int64_t memory_request;     /* bytes; 0: none */
        int64_t cpu_limit_millis;   /* 1000 = one CPU; 0: no limit */
        int64_t cpu_request_millis; /* 0: none */
        uint64_t cpu_shares;        /* cgroup v1 cpu.shares: cspec_cpu_shares(cpu_request_millis),
                                     * or of the limit for a container whose request is 0 */
        uint64_t cpu_weight;        /* cgroup v2 cpu.weight: cspec_cpu_weight(cpu_shares) */
};

/*
 * The quantity a container's resources give name ("cpu", "memory"...) in
 * limits (limit true) or requests; NULL when it is not there. A request
 * that is not there is its limit, as the API server defaults it.
 */
const struct kube_quantity *cspec_resource_get(const struct kube_resources *r, bool limit,
                                               const char *name);

/*
 * A container's limits and requests: memory in bytes (a fraction rounded
 * up, Quantity.Value()), CPU in millicores (rounded up, MilliValue()); a
 * zero limit is no limit, as for the kubelet. c->resources may be NULL.
 */
void cspec_resources_container(const struct kube_container *c, struct cspec_resources *ret);

/*
 * The pod's totals, as the kubelet sizes the pod's cgroup (PodRequests,
 * PodLimits, ResourceConfigForPod): the sum over app containers, against
 * the largest need of any one init container, whichever is larger; a
 * sidecar (an init container with restartPolicy Always) counts with the
 * app containers and adds to every init container after it. A CPU or
 * memory limit missing (or 0) on any container, init containers included,
 * means the pod has no limit for it. Sums saturate at INT64_MAX.
 */
void cspec_resources_pod(const struct kube_pod_spec *spec, struct cspec_resources *ret);

/*
 * Kubernetes' MilliCPUToShares: millis * 1024 / 1000 within [2, 262144]; 2
 * for no request (the kubelet's BestEffort share; a caller that wants the
 * kernel's default for "no request" checks cpu_request_millis == 0).
 */
uint64_t cspec_cpu_shares(int64_t millis);

/*
 * runc's conversion of cgroup v1 shares to cgroup v2 weight: 1 + ((shares -
 * 2) * 9999) / 262142, shares held to [2, 262144] first; 0 (unset) is 0.
 */
uint64_t cspec_cpu_weight(uint64_t shares);

/* ---------------------------------------------------------------- security (security.c) */

enum cspec_seccomp {
        CSPEC_SECCOMP_DEFAULT,    /* the runtime's default profile */
        CSPEC_SECCOMP_UNCONFINED, /* no filter */
        CSPEC_SECCOMP_LOCALHOST,  /* the profile in seccomp_profile */
        _CSPEC_SECCOMP_MAX,
        _CSPEC_SECCOMP_INVALID = -EINVAL,
};

/* The pod's and the container's securityContext merged, the container's winning. */
struct cspec_security {
        bool run_as_user_set, run_as_group_set;
        int64_t run_as_user, run_as_group;
        /* the process's extra groups, as the kubelet hands them on: fsGroup, then
         * supplementalGroups */
        int64_t *supplemental_groups;
        size_t n_supplemental_groups;
        bool fs_group_set;
        int64_t fs_group; /* also the group that owns the pod's volumes */
        bool run_as_non_root;
        bool privileged;
        bool read_only_root_filesystem;
        bool no_new_privs; /* allowPrivilegeEscalation: false */
        char **cap_add;    /* "CAP_NET_ADMIN" or "ALL"; NULL-terminated, never NULL */
        char **cap_drop;   /* the same */
        enum cspec_seccomp seccomp;
        char *seccomp_profile; /* CSPEC_SECCOMP_LOCALHOST: the profile's file */
        char **sysctls;        /* the pod's, "name=value", NULL-terminated, never NULL */
        bool proc_unmasked;    /* procMount: Unmasked */
        char *selinux_user, *selinux_role, *selinux_type, *selinux_level; /* NULL: not set */
};

/*
 * Merge pod (may be NULL) and ctr (may be NULL) into *ret, which is zeroed
 * first. runAsUser, runAsGroup, runAsNonRoot, seccompProfile and
 * seLinuxOptions come from the container when it sets them, else from the
 * pod; the rest belong to one side only. Capability names are written the
 * way the runtime wants them: "NET_ADMIN", "net_admin" and "CAP_NET_ADMIN"
 * are "CAP_NET_ADMIN", "all" is "ALL"; an unknown name is an error;
 * repeats are dropped.
 *
 * Defaults, where Kubernetes leaves them to the runtime (podman 4.3's
 * `kube play` checked on a pod: its OCI spec has no noNewPrivileges unless
 * allowPrivilegeEscalation is false, which is also the kubelet's rule, and
 * always its default seccomp profile):
 * - allowPrivilegeEscalation unset: no_new_privs off (kubelet and podman).
 * - seccompProfile unset on both: CSPEC_SECCOMP_DEFAULT (podman; the
 *   kubelet's own default is Unconfined). RuntimeDefault is DEFAULT,
 *   Unconfined is UNCONFINED, Localhost is seccomp_root joined with
 *   localhostProfile, which must be a relative path without "..".
 * - privileged: UNCONFINED whatever the profile (podman, containerd).
 * On failure *ret holds nothing to free.
 */
int cspec_security_build(const struct kube_pod_security_context *pod,
                         const struct kube_security_context *ctr, const char *seccomp_root,
                         struct cspec_security *ret, struct berr **err);

/* Free what s holds and zero it; a zeroed one is fine. */
void cspec_security_done(struct cspec_security *s);

/*
 * The kubelet's runAsNonRoot check (verifyRunAsNonRoot), with image_user
 * the image's User ("1000", "1000:1000", "app", "" or NULL for root).
 * Nothing to check unless run_as_non_root. Errors, as the kubelet words
 * them: "container's runAsUser breaks non-root policy" (runAsUser 0),
 * "container has runAsNonRoot and image will run as root", "container has
 * runAsNonRoot and image has non-numeric user (app), cannot verify user is
 * non-root", and for a uid outside 0..2147483647 "container has
 * runAsNonRoot and image has an invalid user id (-1). (Must be
 * 1-(2147483647)): must be between 0 and 2147483647, inclusive".
 */
int cspec_security_check_non_root(const struct cspec_security *s, const char *image_user,
                                  struct berr **err);

/* ---------------------------------------------------------------- pull policy (pullpolicy.c) */

enum cspec_pull_policy {
        CSPEC_PULL_ALWAYS,
        CSPEC_PULL_IF_NOT_PRESENT,
        CSPEC_PULL_NEVER,
        _CSPEC_PULL_POLICY_MAX,
        _CSPEC_PULL_POLICY_INVALID = -EINVAL,
};

enum cspec_pull_action {
        CSPEC_PULL_USE_LOCAL, /* run the image in the store */
        CSPEC_PULL_FETCH,     /* pull it first */
        _CSPEC_PULL_ACTION_MAX,
        _CSPEC_PULL_ACTION_INVALID = -EINVAL,
};

/* "Always", "IfNotPresent", "Never"; NULL when out of range. */
const char *cspec_pull_policy_to_string(enum cspec_pull_policy p);
/* The policy named s (exact case); _CSPEC_PULL_POLICY_INVALID when unknown. */
enum cspec_pull_policy cspec_pull_policy_from_string(const char *s);

/*
 * The policy Kubernetes gives a container that names none: Always when the
 * image's tag is "latest", or when it has neither tag nor digest; else
 * IfNotPresent ("busybox@sha256:..." and "busybox:1.36" are IfNotPresent,
 * "busybox" and "busybox:latest@sha256:..." are Always).
 */
enum cspec_pull_policy cspec_pull_policy_default(const char *image);

/*
 * What to do about image with policy (NULL or "": the default above) when
 * the store has it (present) or not: the kubelet's shouldPullImage. Never
 * with the image absent is an error worded as the kubelet's: `Container
 * image "busybox:latest" is not present with pull policy of Never` (":latest"
 * added to an image with neither tag nor digest, as the kubelet does). An
 * unknown policy is an error too.
 */
int cspec_pull_decide(const char *image, const char *policy, bool present,
                      enum cspec_pull_action *ret, struct berr **err);
