/*
 * runtime/runtime.h: containers, as `berth run`, `create`, `start`,
 * `stop`, `rm`, `ps`, `logs`, `exec` and `inspect` see them.
 *
 * A container is a record in the store (storage.h), an OCI bundle
 * (userdata/config.json) written at create, and, while it runs, a
 * berth-monitor process that owns its output and records its exit. The
 * built-in executor creates it by default; --runtime runc|crun|PATH hands
 * the same bundle to that OCI runtime.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct berr;
struct berth_ctx;
struct storage;

/* A mount of a pod's volume into one of its containers (kube play) */
struct runtime_mount {
        const char *source;      /* a host path: bind-mounted */
        const char *destination; /* absolute, in the container */
        bool read_only;
        const char *propagation; /* NULL: rprivate */
};

/* What makes a container part of a pod (kube play); see runtime_pod_create() */
struct runtime_pod_member {
        const char *pod_id;
        /* Kubernetes' securityContext, resolved (reconcile/container-spec.h) */
        const uint32_t *run_as_user, *run_as_group;
        const uint32_t *supplemental_groups;
        size_t n_supplemental_groups;
        bool no_new_privs;          /* allowPrivilegeEscalation: false */
        char **sysctls;             /* "name=value", NULL-terminated (the pod's) */
        int64_t cpu_request_millis; /* cpu shares */
        int64_t memory_request;     /* bytes */
        const struct runtime_mount *mounts;
        size_t n_mounts;
        bool init; /* an init container: run to completion before the others */
};

struct runtime_create_opts {
        const char *name;  /* NULL: one is made up, as podman does */
        const char *image; /* a name or ID of an image in the store */
        char **entrypoint; /* --entrypoint (Kubernetes' command), NULL-terminated; NULL: the image's
                            */
        char **args;       /* after the image (Kubernetes' args); NULL: the image's Cmd */
        char **env;        /* NAME=VALUE..., NULL-terminated */
        const char *workdir, *user, *hostname;
        bool tty, privileged, read_only, auto_remove;
        char **cap_add, **cap_drop; /* NULL-terminated */
        const char *seccomp;        /* NULL: the default profile; "unconfined"; a file */
        const char *network;        /* "private" (default: loopback only), "none", "host" */
        char **volumes;             /* -v SRC:DST[:ro|rw,...], NULL-terminated */
        char **devices;             /* --device HOST[:CONTAINER][:PERMISSIONS], NULL-terminated */
        char **labels;              /* KEY=VALUE */
        int64_t memory;             /* bytes, 0: no limit */
        int64_t cpu_millis;         /* 1000 = one CPU, 0: no limit */
        int64_t pids_limit;         /* 0: RUNTIME_PIDS_LIMIT (podman's default), -1: none */
        const char *cpuset_cpus;
        const char *runtime; /* NULL: built-in; "runc", "crun" or a path */
        const char *stop_signal;
        int stop_timeout;      /* seconds; < 0: 10 */
        uint64_t log_max_size; /* bytes; 0: no rotation */
        bool attached;         /* the caller waits for it and cleans up after it (runtime_wait) */
        /*
         * Pods: Kubernetes' restartPolicy ("Always", "OnFailure", "Never";
         * NULL: the container is not restarted, as `berth run`), its probes
         * ({"startup"|"liveness"|"readiness": a Kubernetes Probe object, field
         * names as Kubernetes writes them}) and lifecycle ({"postStart",
         * "preStop": a Kubernetes LifecycleHandler}); both NULL when none.
         * Kept in the record for the monitor.
         */
        const char *restart_policy;
        const json_t *probes, *lifecycle;
        /*
         * A container of a pod: the pod's namespaces, /etc/hosts, cgroup;
         * env, entrypoint and args are then final (expanded as kubelet
         * does), and network is the pod's. Its record is made durable by
         * runtime_pod_add_containers(). NULL: a container of its own.
         */
        const struct runtime_pod_member *pod;
        bool interactive; /* attached: the caller's standard input (and terminal, with tty) */
        /*
         * Not NULL: the spec written to the bundle's config.json comes back
         * here (a reference of the caller's), for runtime_start_begin(),
         * which then does not read it back.
         */
        json_t **ret_spec;
        /* Not NULL: what this create may share with the caller's other creates */
        struct runtime_create_memo *memo;
};

/*
 * What the creates of one command share: the default seccomp profile made
 * for a set of capabilities (a pod's containers mostly have the same one),
 * handed to each spec by reference. Zeroed to start; cleared by
 * runtime_create_memo_clear().
 */
struct runtime_create_memo {
        char *caps; /* the capabilities the profile was made for, joined by ',' */
        json_t *profile;
};
void runtime_create_memo_clear(struct runtime_create_memo *m);

/* ---------------------------------------------------------------- pods */

struct runtime_port {
        uint16_t host_port, container_port;
        const char *protocol; /* "tcp" (NULL), "udp", "sctp" */
        const char *host_ip;  /* NULL: all */
};

struct runtime_host_alias {
        const char *ip;
        char **hostnames; /* NULL-terminated */
};

struct runtime_pod_opts {
        const char *name;       /* unique among pods */
        const char *namespace_; /* Kubernetes' (for fieldRef and kube down); NULL: "default" */
        const char *hostname;   /* NULL: the name */
        bool host_network, host_pid, host_ipc;
        bool share_pid;      /* shareProcessNamespace: berth-pause is PID 1 of them all */
        const char *network; /* "bridge" (NULL: netavark, podman's network), "none", "host" */
        const struct runtime_port *ports;
        size_t n_ports;
        const struct runtime_host_alias *host_aliases;
        size_t n_host_aliases;
        char **labels;      /* KEY=VALUE */
        char **annotations; /* KEY=VALUE */
        const char *restart_policy;
        int64_t memory_limit, cpu_limit_millis; /* the pod cgroup's (0: none) */
        /* where the pod came from, for kube down: "Pod/NAME" or "Deployment/NAME" */
        const char *kube_owner;
};

/*
 * Create a pod and start its sandbox: a record, berth-pause holding the
 * pod's network, IPC and UTS namespaces (and PID, with share_pid),
 * bind-mounted under RUNROOT/pods/ID/ns so that its containers name them
 * by path, the network (netavark: an address, the published ports), the
 * pod's /etc/hosts, /etc/hostname, resolv.conf, and its cgroup. A failure
 * undoes it all. *ret_id: the pod's ID.
 */
int runtime_pod_create(struct storage *s, const struct berth_ctx *ctx,
                       const struct runtime_pod_opts *o, char **ret_id, struct berr **err);
/*
 * Start a created or stopped pod: its sandbox again, then its init
 * containers one after another, each to its end, then its other containers
 * side by side (those that run already are left alone). The record says
 * "started" from then on.
 */
int runtime_pod_start(struct storage *s, const struct berth_ctx *ctx, const char *what,
                      struct berr **err);
/*
 * Stop its containers (timeout as runtime_stop), then the sandbox (network
 * torn down). As kubelet: the containers with a preStop hook run their
 * hooks side by side (each in a child process), each followed by its stop
 * signal; the others get their signal at once; all within the grace period.
 */
int runtime_pod_stop(struct storage *s, const struct berth_ctx *ctx, const char *what, int timeout,
                     struct berr **err);
/*
 * Remove a pod and its containers. A pod with a container (or init
 * container) that runs only with force (stopped first); without, -EBUSY
 * and podman's message naming each such container. A pod whose sandbox
 * alone runs is removed. -ENOENT: "no pod with name or ID WHAT found: no
 * such pod".
 */
int runtime_pod_remove(struct storage *s, const struct berth_ctx *ctx, const char *what, bool force,
                       int timeout, struct berr **err);
/*
 * Every pod's record with its state worked out: "status" (podman's:
 * Created, Running, Degraded, Stopped, Exited; init containers do not
 * count, and a pod whose sandbox runs but that was never started and has
 * no container started is Created) and "containerStates", the summaries
 * {id, name, state, init} of its init containers, then its containers.
 */
int runtime_pod_list(struct storage *s, const struct berth_ctx *ctx, json_t **ret,
                     struct berr **err);
/* podman pod inspect's shape */
int runtime_pod_inspect(struct storage *s, const struct berth_ctx *ctx, const char *what,
                        json_t **ret, struct berr **err);
/*
 * The pod's record (name, ID or ID prefix); -ENOENT when there is none,
 * with podman's "no pod with name or ID WHAT found: no such pod".
 */
int runtime_pod_find(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **ret,
                     struct berr **err);
/*
 * Add created containers to the pod's record (kube play, after
 * runtime_create of them all): init_ids and ids (NULL-ended, either may be
 * NULL) go after the init containers and containers the record lists. The
 * records runtime_create wrote for a pod's containers, not fsynced, are
 * made durable first (an fsync each), then the pod's record in one durable
 * write. started: the caller starts every container itself (a pod without
 * init containers): the record says the pod was started in the same
 * write, as runtime_pod_start() would.
 */
int runtime_pod_add_containers(struct storage *s, const char *pod_id, char *const *init_ids,
                               char *const *ids, bool started, struct berr **err);
/* The directory kept for the pod's volumes: ROOT/pods/ID/volumes (malloc'd). */
char *runtime_pod_volumes_dir(struct storage *s, const char *pod_id);

/* podman's default --pids-limit */
#define RUNTIME_PIDS_LIMIT 2048

int runtime_create(struct storage *s, const struct berth_ctx *ctx,
                   const struct runtime_create_opts *o, char **ret_id, struct berr **err);

/* Start a created or exited container; returns once it runs (or failed to). */
int runtime_start(struct storage *s, const struct berth_ctx *ctx, const char *what,
                  struct berr **err);
/*
 * runtime_start() in two halves, so that the caller goes on (with the next
 * container's creation, or its start) while the container starts: begin
 * starts the container's monitor, which creates and records the container
 * in a process that shares the caller's memory until it execs
 * berth-monitor (util/vmchild.h), from a thread of its own; it returns 1
 * with *ret, or 0 when the container runs already (*ret NULL), or -errno.
 * finish waits until the monitor says the container runs (with a terminal,
 * berth-monitor says it once its attach socket is there) and frees st
 * (NULL: nothing to wait for); 0, or -errno with the monitor's reason (err
 * may be NULL). Each begun start must be finished before the caller
 * exits, or forks. spec: the bundle's config.json as runtime_create()
 * wrote it (ret_spec), or NULL to read it; st keeps a reference to it.
 */
struct runtime_starting;
int runtime_start_begin(struct storage *s, const struct berth_ctx *ctx, const char *what,
                        const json_t *spec, struct runtime_starting **ret, struct berr **err);
int runtime_start_finish(struct runtime_starting *st, struct berr **err);

/*
 * Send the stop signal, wait up to timeout seconds (< 0: the container's
 * own), then SIGKILL; returns once the container's exit is recorded.
 */
int runtime_stop(struct storage *s, const struct berth_ctx *ctx, const char *what, int timeout,
                 struct berr **err);
int runtime_kill(struct storage *s, const struct berth_ctx *ctx, const char *what, int sig,
                 struct berr **err);
/* Remove a container; a running one only with force (stopped first, timeout as runtime_stop). */
int runtime_remove(struct storage *s, const struct berth_ctx *ctx, const char *what, bool force,
                   int timeout, struct berr **err);
/* Wait for the container to exit; its exit code. */
int runtime_wait(struct storage *s, const struct berth_ctx *ctx, const char *what,
                 int *ret_exit_code, struct berr **err);

/*
 * Every container's record with its state worked out ("created",
 * "running", "exited", "stopping"...), newest first. A record whose
 * monitor died without a word is reported "exited" (and fixed).
 */
int runtime_list(struct storage *s, const struct berth_ctx *ctx, json_t **ret, struct berr **err);
int runtime_inspect(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **ret,
                    struct berr **err);

struct runtime_logs_opts {
        bool follow, timestamps;
        struct timespec since, until; /* {0, 0}: none */
        int64_t tail;                 /* -1: all */
        /* with follow: asked at each wake-up (at least every 250 ms); true stops */
        bool (*stop)(void *userdata);
        void *userdata;
};

int runtime_logs(struct storage *s, const struct berth_ctx *ctx, const char *what,
                 const struct runtime_logs_opts *o, struct berr **err);

struct runtime_exec_opts {
        char **argv; /* NULL-terminated */
        char **env;  /* added to the container's */
        const char *user, *workdir;
        bool tty, interactive, privileged;
        bool detach;
};

/* Run a program in a running container; its exit code. */
int runtime_exec(struct storage *s, const struct berth_ctx *ctx, const char *what,
                 const struct runtime_exec_opts *o, int *ret_exit_code, struct berr **err);

struct runtime_attach_opts {
        bool stdin_;             /* pass standard input on (a terminal of ours goes raw) */
        const char *detach_keys; /* NULL: "ctrl-p,ctrl-q" as podman; "": none */
        bool sig_proxy;          /* SIGINT, SIGTERM, SIGHUP, SIGQUIT passed on to the container */
};

/*
 * Attach to the terminal of a running container made with --tty: its
 * output to ours, our input and window size to it. Returns 0 when the
 * container's terminal closed (it exited), 1 when the detach keys were
 * typed (the container runs on).
 */
int runtime_attach(struct storage *s, const struct berth_ctx *ctx, const char *what,
                   const struct runtime_attach_opts *o, struct berr **err);

/* "ctrl-p,ctrl-q" -> "\x10\x11" (at most size - 1 bytes), as podman reads --detach-keys */
int runtime_parse_detach_keys(const char *spec, char *ret, size_t size);

/*
 * After the container exited: its cgroup (and OOM count), the OCI runtime's
 * state, the record. What the monitor becomes (`berth internal cleanup ID`,
 * from_monitor; it leaves an attached run's container to that run), and
 * what any berth command does for a container whose monitor died.
 */
int runtime_internal_cleanup(struct storage *s, const struct berth_ctx *ctx, const char *id,
                             bool from_monitor, struct berr **err);

/* A --since/--until value, as podman reads it (RFC 3339, Unix seconds, a duration ago). */
int runtime_parse_time(const char *s, struct timespec now, struct timespec *ret);

/* "SIGTERM", "TERM", "15" -> 15; -1 when unknown */
int runtime_signal_from_name(const char *name);

/*
 * `berth internal restart ID`: what the monitor becomes when the
 * container's restart policy starts it again. The old container's cgroup
 * and runtime state go (its writable layer and log stay), the record says
 * "restarting" with its lastState, the back-off passes (CrashLoopBackOff:
 * at once, then 10 s doubling to 300 s), then the container starts as
 * runtime_start() starts it, its restartCount one more. A stop asked for
 * meanwhile (runtime_stop, runtime_remove, runtime_kill: they leave a mark
 * first, then signal this process) ends it at once, the record "exited".
 */
int runtime_internal_restart(struct storage *s, const struct berth_ctx *ctx, const char *id,
                             struct berr **err);

/*
 * podman's --restart on-failure:N: the container is restarted at most max
 * times in a row (0: no limit) after a start by the user. Set between
 * runtime_create() and runtime_start().
 */
int runtime_set_restart_max(struct storage *s, const struct berth_ctx *ctx, const char *what,
                            int max, struct berr **err);
