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
        bool interactive;      /* attached: the caller's standard input (and terminal, with tty) */
};

/* podman's default --pids-limit */
#define RUNTIME_PIDS_LIMIT 2048

int runtime_create(struct storage *s, const struct berth_ctx *ctx,
                   const struct runtime_create_opts *o, char **ret_id, struct berr **err);

/* Start a created or exited container; returns once it runs (or failed to). */
int runtime_start(struct storage *s, const struct berth_ctx *ctx, const char *what,
                  struct berr **err);

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
