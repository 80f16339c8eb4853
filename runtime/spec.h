/*
 * runtime/spec.h: the OCI runtime-spec config.json of one container
 * (private to runtime/). berth's executor reads it, and runc or crun take
 * the same bundle, so it is what podman 4.3 gives a container by default,
 * with Kubernetes' process rules (command/args, env, $(VAR)) on top.
 * Every field of spec_opts but rootfs is optional: a zeroed struct is
 * podman's default container.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

#define SPEC_OCI_VERSION "1.1.0"
#define SPEC_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SPEC_CPU_PERIOD 100000 /* microseconds, as the kubelet and podman use */

enum spec_ns_type {
        SPEC_NS_PID,
        SPEC_NS_NETWORK,
        SPEC_NS_IPC,
        SPEC_NS_UTS,
        SPEC_NS_MOUNT,
        SPEC_NS_CGROUP,
        SPEC_NS_USER,
        _SPEC_NS_TYPE_MAX,
        _SPEC_NS_TYPE_INVALID = -EINVAL,
};

enum spec_ns_mode {
        SPEC_NS_DEFAULT, /* a new one, but for the user namespace: the host's */
        SPEC_NS_NEW,
        SPEC_NS_HOST, /* the host's: left out of the spec */
        SPEC_NS_JOIN, /* the one at path (/proc/PID/ns/net: a pod's infra process) */
        _SPEC_NS_MODE_MAX,
        _SPEC_NS_MODE_INVALID = -EINVAL,
};

struct spec_ns {
        enum spec_ns_mode mode;
        const char *path; /* for SPEC_NS_JOIN: absolute */
};

/* An annotation or a sysctl. */
struct spec_kv {
        const char *key, *value;
};

struct spec_env {
        const char *name;
        const char *value; /* NULL: "" */
        /*
         * Taken as it is, without $(VAR) expansion: the kubelet expands only
         * env[].value, not what envFrom or valueFrom bring in.
         */
        bool literal;
};

struct spec_mount {
        const char *destination; /* absolute, no ".." element */
        const char *source;      /* a bind mount's: an absolute host path */
        const char *type;        /* NULL or "bind": a bind mount; else a file system type */
        const char *data;        /* more options for other types: "size=64m,mode=1777" */
        /* NULL: rprivate; else private, slave, shared, unbindable, each also with "r" */
        const char *propagation;
        bool recursive; /* rbind */
        bool readonly, nosuid, nodev, noexec;
};

/* An rlimit: type "RLIMIT_NOFILE" (or "nofile", as podman's --ulimit). */
struct spec_rlimit {
        const char *type;
        uint64_t soft, hard;
};

/* A device node to create, and to allow in the device cgroup. */
struct spec_device {
        const char *path; /* under /dev */
        char type;        /* 'c', 'b', 'p' or 'u' */
        int64_t major, minor;
        uint32_t file_mode; /* permission bits; 0: 0666 */
        uint32_t uid, gid;
        const char *access; /* the cgroup's: letters of "rwm"; NULL: "rwm" */
};

struct spec_idmap {
        uint32_t container_id, host_id, size;
};

/* linux.resources; zero: not set */
struct spec_resources {
        int64_t memory_limit;       /* bytes */
        int64_t memory_reservation; /* bytes (the memory request) */
        int64_t memory_swap;        /* memory + swap bytes; -1: unlimited */
        int64_t cpu_limit_millis;   /* Kubernetes' CPU limit: CFS quota over cpu_period */
        int64_t cpu_request_millis; /* Kubernetes' CPU request: cpu shares */
        uint64_t cpu_period;        /* 0: SPEC_CPU_PERIOD */
        int64_t pids_limit;         /* -1: unlimited */
        const char *cpuset_cpus, *cpuset_mems;
};

struct spec_opts {
        const char *rootfs; /* required: root.path */
        /*
         * The image's layer directories, topmost first: when given, the
         * user is looked up in them (passwd_resolve_layers()) and rootfs
         * need not be mounted yet.
         */
        const char *const *layers;
        size_t n_layers;
        bool readonly_rootfs;
        bool readonly_tmpfs; /* with readonly_rootfs: tmpfs on /run, /tmp, /var/tmp (podman run) */
        const struct spec_kv *annotations;
        size_t n_annotations;

        /*
         * The image: the "config" object of its OCI image config
         * (Entrypoint, Cmd, Env, WorkingDir, User, StopSignal), or NULL.
         */
        const json_t *image_config;

        /* Kubernetes' command replaces Entrypoint and drops Cmd; args replace Cmd */
        const char *const *command;
        size_t n_command;
        const char *const *args;
        size_t n_args;
        const struct spec_env *env;
        size_t n_env;
        const char *working_dir; /* NULL: the image's, else "/" */
        bool tty;
        /* command and args taken as they are (podman run), not $(VAR)-expanded (Kubernetes) */
        bool literal_args;
        unsigned console_width, console_height; /* with tty; 0: not set */

        /*
         * "uid[:gid]" or "name[:group]" (NULL: the image's User, else root),
         * names looked up in the rootfs' /etc/passwd and /etc/group; then
         * Kubernetes' runAsUser and runAsGroup (NULL: not given) replace
         * either part.
         */
        const char *user;
        const uint32_t *run_as_user, *run_as_group;
        const uint32_t *supplemental_groups;
        size_t n_supplemental_groups;

        const char *hostname; /* also $HOSTNAME; NULL: none */
        struct spec_ns ns[_SPEC_NS_TYPE_MAX];
        const struct spec_idmap *uid_mappings, *gid_mappings; /* for a new user namespace */
        size_t n_uid_mappings, n_gid_mappings;

        /* host files bind-mounted on /etc/hosts, /etc/hostname, /etc/resolv.conf; NULL: none */
        const char *hosts_path, *hostname_path, *resolv_conf_path;
        const char *shm_path; /* a pod's /dev/shm directory to bind; NULL: a tmpfs */
        const struct spec_mount *mounts;
        size_t n_mounts;

        bool privileged;
        const char *const *cap_add; /* "NET_ADMIN", "CAP_NET_ADMIN", "net_admin", "ALL" */
        size_t n_cap_add;
        const char *const *cap_drop;
        size_t n_cap_drop;
        bool allow_privilege_escalation; /* false: noNewPrivileges (Kubernetes' field) */
        const json_t *seccomp;           /* linux.seccomp as it is (referenced); NULL: none */
        const char *selinux_process_label, *selinux_mount_label;
        const int *oom_score_adj;
        const struct spec_rlimit *rlimits; /* replace the defaults of their type */
        size_t n_rlimits;
        const struct spec_kv *sysctls;
        size_t n_sysctls;
        const struct spec_device *devices;
        size_t n_devices;

        struct spec_resources resources;
        const char *cgroups_path;
};

/*
 * Build the config.json of a container from o into *ret (a new object).
 * What podman 4.3 writes, with these differences kept on purpose:
 * Kubernetes' $(VAR) expansion and command/args rules, env
 * "container=berth", TERM=xterm only with a tty, explicit device cgroup
 * rules for the standard devices, a new cgroup namespace by default, no
 * /run/.containerenv, and no pids limit, swap limit or ping_group_range
 * unless asked (what podman's kube play writes). On failure *ret is untouched and *err says which
 * field was wrong.
 */
int spec_build(const struct spec_opts *o, json_t **ret, struct berr **err);

/*
 * Kubernetes' $(VAR) expansion (k8s.io/kubernetes/third_party/forked/
 * golang/expansion): "$(NAME)" becomes NAME's value from env ("NAME=VALUE"
 * strings, the last NAME wins) and stays as it is when NAME is not there;
 * "$$" is "$"; any other "$" stays. *ret: malloc'd. Returns 0 or -ENOMEM.
 */
int spec_expand(const char *in, char *const *env, size_t n_env, char **ret);

/* Kubernetes' MilliCPUToShares: millis * 1024 / 1000, within [2, 262144]. */
uint64_t spec_cpu_shares(int64_t millis);

/* Kubernetes' MilliCPUToQuota: millis * period / 1000, at least 1000; 0 for 0. */
int64_t spec_cpu_quota(int64_t millis, uint64_t period);

/*
 * A capability name as the spec writes it ("CAP_NET_ADMIN") from "net_admin",
 * "NET_ADMIN" or "cap_net_admin"; "ALL" stays "ALL". NULL when unknown.
 * Returns a static string.
 */
const char *spec_cap_name(const char *name);
