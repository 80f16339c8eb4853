/*
 * runtime/executor.h: the built-in executor (private to runtime/). It
 * creates a container from a checked config.json (runtime/oci.h) the way
 * an OCI runtime does, without running one: namespaces, the overlay root,
 * mounts, devices, pivot_root, masked paths, sysctls, rlimits, user and
 * groups, capabilities, no_new_privs, seccomp, execve.
 *
 * The container's first process is a child of the caller, who reaps it
 * (the per-pod monitor). Every step the child takes is checked; the first
 * that fails is reported back through a socket, named ("mount /proc: ..."),
 * and the child exits 127 without running anything of the image.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "oci.h"

struct berr;

struct executor_opts {
        /* the container's stdin, stdout, stderr (a terminal's replica for all three when terminal)
         */
        int stdio[3];
        /*
         * Called in the parent once the child exists and before it goes on:
         * put it in its cgroup. Returns 0 or < 0 (the child is killed).
         */
        int (*place)(void *userdata, pid_t pid, struct berr **err);
        void *userdata;
        /*
         * Instead of place: the cgroup.procs files (cgroup_enter_fds()) that
         * the child writes itself into before it goes on. With nothing left
         * for the parent to do before the child's exec, the child shares the
         * parent's memory until then (CLONE_VM | CLONE_VFORK, the parent
         * waits): no copy of our address space for a process that execs, no
         * copy-on-write faults after. Not with a PID namespace to join.
         */
        const int *cgroup_fds;
        size_t n_cgroup_fds;
        /* mounts of type "cgroup": the host's cgroup version 2 only (no v1 hierarchies) */
        bool cgroup_v2;
        /*
         * `exec`: every namespace is joined (the paths are the container's),
         * nothing is mounted, and the process stays in the caller's session
         * (it shares the caller's terminal, if any) instead of starting one.
         */
        bool exec;
        /*
         * With the spec's terminal: make it in the container's devpts and
         * hand its master back (executor_result.console_fd), instead of
         * taking stdio[0] as the terminal.
         */
        bool console;
        /* where compiled seccomp filters are kept (seccomp_filter_build_cached); NULL: none */
        const char *seccomp_cache;
};

struct executor_result {
        pid_t pid;
        int pidfd;      /* owned by the caller */
        int console_fd; /* the terminal's master (executor_opts.console), or -1; the caller's */
};

/*
 * Create and start the container c describes. Joining another process's
 * PID namespace (a pod's) makes the caller a child subreaper: the
 * container's first process is then its grandchild, re-parented to it.
 * Must be called while the caller runs a single thread.
 */
int executor_spawn(const struct oci_config *c, const struct executor_opts *o,
                   struct executor_result *ret, struct berr **err);

/*
 * The child's side: set up everything, then exec. Never returns. orphan:
 * its parent exits on purpose (it joined a PID namespace for it).
 */
_Noreturn void executor_child(const struct oci_config *c, const struct executor_opts *o,
                              int sync_fd, bool orphan);

/* Reported by the child through sync_fd, then it exits 127. */
void executor_fail(int sync_fd, int errnum, const char *fmt, ...)
        __attribute__((noreturn, format(printf, 3, 4)));

/* runtime/rootfs.c: the child's mounts, up to and including pivot_root, then the masks */
int rootfs_prepare(const struct oci_config *c, const struct executor_opts *o, int sync_fd);
int rootfs_finish(const struct oci_config *c, int sync_fd);
/* Whether the spec mounts something on dest (of that type; NULL: any) */
bool rootfs_has_mount(const struct oci_config *c, const char *dest, const char *type);
