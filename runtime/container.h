/* runtime/container.h: where a container's files are (private to runtime/) */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct berr;
struct berth_ctx;
struct storage;

struct container_paths {
        char *dir;      /* ROOT/containers/<id> */
        char *userdata; /* dir/userdata: the bundle */
        char *config;   /* userdata/config.json */
        char *log;      /* userdata/ctr.log */
        char *exit;     /* userdata/exit: written by the monitor */
        char *upper, *work;
        char *run;    /* RUNROOT/containers/<id> */
        char *rootfs; /* run/rootfs */
};

int container_paths(struct storage *s, const struct berth_ctx *ctx, const char *id,
                    struct container_paths *ret, struct berr **err);
void container_paths_clear(struct container_paths *p);

/* The start time of pid (field 22 of /proc/PID/stat), 0 when it is gone. */
unsigned long long container_pid_start(pid_t pid);

/*
 * Whether the record's process still runs: its pid exists with the start
 * time recorded (so a reused pid is not taken for it).
 */
bool container_alive(const json_t *rec);
/* The same for any pid and start time the record keeps ("monitorPid", "monitorStart"). */
bool container_process_alive(const json_t *rec, const char *pid_field, const char *start_field);

/* The monitor's berth-monitor executable. */
char *container_monitor_path(void);
/*
 * One of berth's helper executables (berth-monitor, berth-pause): $env_name,
 * else beside berth itself, else in BERTH_LIBEXECDIR. malloc'd.
 */
char *container_helper_path(const char *name, const char *env_name);

/*
 * Create the container's first process from its bundle, with our own
 * standard files as its own, and record it running (with us as its
 * monitor). With the spec's terminal, the container gets one of its own
 * instead and *ret_console is its master (else -1). The caller then
 * becomes berth-monitor. spec: the bundle's config.json already read (or
 * as written), NULL to read it.
 */
int container_spawn(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
                    const json_t *spec, const struct container_paths *p, pid_t *ret_pid,
                    int *ret_console, struct berr **err);

/*
 * What a start cut short (its monitor killed before it recorded the
 * container) may have left of the created container rec: processes in its
 * cgroup, killed, the cgroup, the OCI runtime's state and root mount.
 * Nothing to do costs a look for the cgroup (and an umount2 for an OCI
 * runtime's container).
 */
void container_release_created(const struct berth_ctx *ctx, const json_t *rec,
                               const struct container_paths *p);

/*
 * The record of the container named or numbered what, its state brought
 * up to date (an exit the monitor recorded; a dead monitor's cleanup).
 */
int container_find(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **rec,
                   struct berr **err);

/*
 * dir/hosts (the text hosts), dir/hostname and dir/resolv.conf (the
 * host's, without loopback resolvers unless host_network), for a container
 * or a pod to bind-mount.
 */
int container_write_etc(const char *dir, const char *hosts, const char *hostname, bool host_network,
                        struct berr **err);
