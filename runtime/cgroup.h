/*
 * runtime/cgroup.h: control groups for containers and pods (private to
 * runtime/). The machine's layout is read from mountinfo, never assumed:
 * cgroup v1 (a hierarchy per controller, some co-mounted), cgroup v2 (one
 * unified tree) or a hybrid of both, where limits go to the v1 controllers
 * and the unified tree (which has no controllers then) tracks the processes.
 *
 * A cgroup is named by a path relative to the root of every hierarchy,
 * "berth/pod-abc/ctr-def"; the OCI cgroupsPath form "/berth/..." means the
 * same. Every function takes its mount points from a struct cgroup_system,
 * so tests can point them at plain directories.
 */
#pragma once

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

enum cgroup_mode {
        CGROUP_V1,     /* controllers in v1 hierarchies, no unified tree */
        CGROUP_V2,     /* one unified tree with the controllers */
        CGROUP_HYBRID, /* v1 controllers, and a v2 tree without them */
        _CGROUP_MODE_MAX,
        _CGROUP_MODE_INVALID = -EINVAL,
};

enum cgroup_controller {
        CGROUP_CPU,
        CGROUP_CPUACCT,
        CGROUP_CPUSET,
        CGROUP_MEMORY,
        CGROUP_PIDS,
        CGROUP_FREEZER,
        CGROUP_DEVICES,
        CGROUP_BLKIO,
        CGROUP_HUGETLB,
        CGROUP_NET_CLS,
        CGROUP_NET_PRIO,
        CGROUP_PERF_EVENT,
        CGROUP_RDMA,
        CGROUP_MISC,
        _CGROUP_CONTROLLER_MAX,
        _CGROUP_CONTROLLER_INVALID = -EINVAL,
};

struct cgroup_system {
        enum cgroup_mode mode;
        char *unified;                    /* mount point of the v2 tree; NULL when none */
        char *v1[_CGROUP_CONTROLLER_MAX]; /* mount point of each v1 controller; NULL: none */
};

/* "memory" for CGROUP_MEMORY; NULL when out of range. */
const char *cgroup_controller_to_string(enum cgroup_controller c);
/* CGROUP_MEMORY for "memory"; _CGROUP_CONTROLLER_INVALID when unknown. */
enum cgroup_controller cgroup_controller_from_string(const char *s);
/* "v1", "v2", "hybrid"; NULL when out of range. */
const char *cgroup_mode_to_string(enum cgroup_mode m);

/*
 * Read /proc/self/mountinfo into *ret: the mode, the unified mount and the
 * mount point of each v1 controller. Free with cgroup_system_done().
 */
int cgroup_detect(struct cgroup_system *ret, struct berr **err);
/* The same from the text of a mountinfo file (tests, fuzzing). */
int cgroup_detect_mountinfo(const char *mountinfo, struct cgroup_system *ret, struct berr **err);
/* Free what *sys holds and zero it (NULL strings); takes a zeroed one. */
void cgroup_system_done(struct cgroup_system *sys);

/* Limits; a field at its "none" value is left as the kernel has it. */
struct cgroup_limits {
        int64_t memory_max;      /* bytes; -1: none */
        int64_t memory_swap_max; /* memory + swap, in bytes, as OCI's memory.swap; -1: none */
        int64_t cpu_quota;       /* microseconds per period; -1: none */
        uint64_t cpu_period;     /* microseconds; 0: unset (the kernel's 100000) */
        uint64_t cpu_shares;     /* v1 shares; 0: unset; v2 gets cgroup_shares_to_weight() */
        int64_t pids_max;        /* -1: none */
        const char *cpuset_cpus, *cpuset_mems; /* "0-3,8"; NULL: the parent's */
        const json_t *devices; /* linux.resources.devices that restrict; NULL: every device */
};

#define CGROUP_LIMITS_NONE                                                                \
        {                                                                                 \
                .memory_max = -1, .memory_swap_max = -1, .cpu_quota = -1, .pids_max = -1, \
        }

/*
 * Read an OCI spec's linux.resources (NULL: no limits) into *ret: memory
 * limit and swap, cpu quota, period, shares, cpus and mems, pids limit,
 * the device rules (runtime/cgroup-devices.h). Other members (blockIO...)
 * are not looked at. A wrong type or value is an error naming the field
 * ("linux.resources.memory.limit: expected an integer"). The cpuset
 * strings and the device rules point into linux_resources.
 */
int cgroup_limits_from_spec(const json_t *linux_resources, struct cgroup_limits *ret,
                            struct berr **err);

/*
 * cgroup v1 cpu.shares to v2 cpu.weight, as runc and crun convert it:
 * 1 + ((shares - 2) * 9999) / 262142, shares clamped to 2..262144 first
 * (the kernel's range); 0 (unset) gives 0.
 */
uint64_t cgroup_shares_to_weight(uint64_t shares);

struct cgroup;

/*
 * Create the cgroup at path in every hierarchy it needs and write lim
 * (NULL: no limits). v1: the hierarchies of memory, cpu, cpuacct, pids and
 * freezer, and of the controllers lim needs (cpuset: its cpus and mems
 * copied from the parent at each new level, so tasks can join), plus the
 * unified tree on a hybrid machine when it is writable; a process that
 * enters it stays in its parent's cgroup of the other hierarchies.
 * v2: the directory, with the controllers that lim needs enabled in the
 * subtree_control of every level above it (memory and pids too, when the
 * machine has them); a controller the tree lacks is an error naming it,
 * and nothing is left behind. Existing directories are fine. A swap limit
 * is skipped where the kernel does not account swap (no memsw or
 * memory.swap.max file). Device rules go to the v1 devices hierarchy
 * (made for them) or, where there is none, to an eBPF program on the
 * unified tree's cgroup; neither there is an error. v2's rule that only leaves hold processes is
 * the caller's: put a pod's own processes in a child of the pod's cgroup,
 * not in the pod's cgroup itself.
 */
int cgroup_create(const struct cgroup_system *sys, const char *path,
                  const struct cgroup_limits *lim, struct cgroup **ret, struct berr **err);

/*
 * An existing cgroup: the hierarchies where path exists, of every mounted
 * controller (an OCI runtime makes its cgroups in all); -ENOENT when none.
 */
int cgroup_open(const struct cgroup_system *sys, const char *path, struct cgroup **ret,
                struct berr **err);

/* Move pid (0: the caller) into the cgroup in every hierarchy. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct berr **err);

/*
 * For a child between fork and exec: the cgroup.procs files of every
 * hierarchy, opened O_WRONLY | O_CLOEXEC, in *ret_fds (n in *ret_n; the
 * caller closes them and frees the array). The child then calls
 * cgroup_join_fds(), which neither allocates nor takes locks. (On pure v2,
 * clone3() with CLONE_INTO_CGROUP does the same at creation.)
 */
int cgroup_enter_fds(struct cgroup *cg, int **ret_fds, size_t *ret_n, struct berr **err);
/* Write "0" into each fd (async-signal-safe); 0 or the first -errno. */
int cgroup_join_fds(const int *fds, size_t n);

/*
 * OOM kills in the cgroup so far, for the monitor's OOMKilled: v2
 * memory.events oom_kill; v1 memory.oom_control's oom_kill line, or, on
 * kernels without it, 1 when memory.failcnt > 0 and under_oom is set.
 * -ENOENT when the cgroup has no memory controller.
 */
int cgroup_oom_kills(struct cgroup *cg, uint64_t *ret);

/*
 * The processes in the cgroup and the cgroups below it, from the unified
 * tree when the cgroup is in one, else from the freezer (or pids, memory)
 * hierarchy. *ret is malloc()ed (NULL when *ret_n is 0).
 */
int cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berr **err);

/*
 * Send sig to every process in the cgroup and below. SIGKILL through
 * cgroup.kill where the unified tree has it; otherwise the cgroup is
 * frozen (v2 cgroup.freeze, else v1 freezer), each process signalled,
 * then thawed (a cgroup frozen before is thawed too), so a forking
 * process cannot escape. SIGKILL is repeated until the cgroup is empty
 * (-EBUSY after about 5 seconds); other signals are sent once.
 */
int cgroup_kill_all(struct cgroup *cg, int sig, struct berr **err);

/*
 * Remove the cgroup and the cgroups below it (deepest first) from every
 * hierarchy, retrying for a while on EBUSY (processes that are still
 * exiting). Gone already is fine. The cgroups above it stay.
 */
int cgroup_destroy(struct cgroup *cg, struct berr **err);

#define CGROUP_STAT_UNKNOWN UINT64_MAX

struct cgroup_stats {
        uint64_t memory_bytes; /* v1 memory.usage_in_bytes, v2 memory.current */
        uint64_t cpu_usage_ns; /* v1 cpuacct.usage, v2 cpu.stat usage_usec * 1000 */
        uint64_t pids;         /* pids.current */
};

/* What the cgroup uses now; a figure no controller gives is CGROUP_STAT_UNKNOWN. */
int cgroup_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berr **err);

/* The cgroup's path as given, normalized ("berth/pod-abc/ctr-def"). */
const char *cgroup_path(const struct cgroup *cg);

struct cgroup *cgroup_free(struct cgroup *cg);

static inline void
cgroup_freep(struct cgroup **cg)
{
        *cg = cgroup_free(*cg);
}

/*
 * The cgroup a process is in, from the text of /proc/PID/cgroup: the v1
 * line whose controller list names controller ("memory", or "name=systemd"),
 * or, with controller NULL, the unified "0::" line. *ret is malloc()ed
 * ("/berth/pod-abc"); -ENOENT when no line matches, -EINVAL when the text
 * is not in that format.
 */
int cgroup_proc_parse(const char *text, const char *controller, char **ret, struct berr **err);
/* The same, read from /proc/PID/cgroup (pid 0: the caller). */
int cgroup_pid_path(pid_t pid, const char *controller, char **ret, struct berr **err);
