/*
 * monitor/probes.h: the monitor's probe driver. A container's startup,
 * liveness and readiness probes and its postStart and preStop hooks, run
 * from the monitor's poll() loop with the runners and the scheduler of
 * runtime/probe.h; the container killed (preStop, its stop signal, SIGKILL
 * after the grace period) when a probe or postStart says so, as kubelet
 * kills it. The monitor then restarts it, or not, as its restartPolicy says.
 *
 * berth passes the probes on the monitor's command line (the monitor reads
 * no JSON), one handler after another:
 *
 *   --probe TYPE:DELAY,PERIOD,TIMEOUT,SUCCESS,FAILURE   startup, liveness or readiness
 *   --post-start | --pre-stop                           a lifecycle hook
 * then what the handler does, for the handler named last:
 *   --exec ARG (once per word of the command), or
 *   --http-get PORT[,HOST] [--http-path PATH] [--http-scheme S] [--http-header NAME:VALUE]...,
 *   --tcp-socket PORT[,HOST],
 *   --grpc PORT[,HOST] [--grpc-service NAME] (probes only), or
 *   --sleep SECONDS (hooks only).
 * An exec handler runs `berth --root R --runroot RR exec ID ARG...`.
 */
#pragma once

#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/probe.h"

struct berr;

/* The handlers: the three probes (enum probe_type), then the two hooks. */
enum probes_handler {
        PROBES_POST_START = _PROBE_TYPE_MAX,
        PROBES_PRE_STOP,
        _PROBES_HANDLER_MAX,
};

/* getopt_long values of the options above (above any character) */
enum {
        PROBES_OPT_PROBE = 0x100,
        PROBES_OPT_POST_START,
        PROBES_OPT_PRE_STOP,
        PROBES_OPT_EXEC,
        PROBES_OPT_HTTP_GET,
        PROBES_OPT_HTTP_PATH,
        PROBES_OPT_HTTP_SCHEME,
        PROBES_OPT_HTTP_HEADER,
        PROBES_OPT_TCP_SOCKET,
        PROBES_OPT_SLEEP,
        PROBES_OPT_GRPC,
        PROBES_OPT_GRPC_SERVICE,
        _PROBES_OPT_END,
};

/* The monitor's getopt_long table takes these. */
#define PROBES_LONG_OPTIONS                                                         \
        {"probe", required_argument, NULL, PROBES_OPT_PROBE},                       \
                {"post-start", no_argument, NULL, PROBES_OPT_POST_START},           \
                {"pre-stop", no_argument, NULL, PROBES_OPT_PRE_STOP},               \
                {"exec", required_argument, NULL, PROBES_OPT_EXEC},                 \
                {"http-get", required_argument, NULL, PROBES_OPT_HTTP_GET},         \
                {"http-path", required_argument, NULL, PROBES_OPT_HTTP_PATH},       \
                {"http-scheme", required_argument, NULL, PROBES_OPT_HTTP_SCHEME},   \
                {"http-header", required_argument, NULL, PROBES_OPT_HTTP_HEADER},   \
                {"tcp-socket", required_argument, NULL, PROBES_OPT_TCP_SOCKET},     \
                {"grpc", required_argument, NULL, PROBES_OPT_GRPC},                 \
                {"grpc-service", required_argument, NULL, PROBES_OPT_GRPC_SERVICE}, \
        {                                                                           \
                "sleep", required_argument, NULL, PROBES_OPT_SLEEP                  \
        }

/* One handler as the command line gave it, and what it runs. */
struct probes_handler_spec {
        bool set;      /* the container has it */
        bool has_kind; /* exec, httpGet, tcpSocket, grpc or sleep was given */
        bool sleep;    /* a sleep hook: no run, a wait */
        int64_t sleep_ns;
        const char **cmd; /* exec: the command in the container (the strings are argv's) */
        size_t n_cmd;
        struct probe_http_header *headers;
        size_t n_headers;
        struct probe_action action; /* what probe_start() gets */
        char **argv;                /* exec: berth ... exec ID cmd... */
        char *label;                /* exec: the command, joined with spaces */
};

enum probes_phase {
        PROBES_IDLE,          /* the container has not started, or has exited */
        PROBES_POST_STARTING, /* postStart runs: no probe yet */
        PROBES_PROBING,
        PROBES_PRE_STOPPING, /* being killed: preStop runs */
        PROBES_STOPPING,     /* being killed: the stop signal was sent, SIGKILL at kill_at */
        PROBES_KILLED,       /* SIGKILL was sent */
};

struct probes {
        struct probes_handler_spec h[_PROBES_HANDLER_MAX];
        struct probe_timing timing[_PROBE_TYPE_MAX];
        struct probe_sched sched;
        struct probe_run *run[_PROBES_HANDLER_MAX]; /* in flight */
        int current;                                /* the handler options apply to; -1: none */

        /* set by probes_prepare() */
        const char *ready_file, *probe_file;
        int stop_signal, grace_s;
        bool need_netns;

        pid_t pid;
        int netns_fd;
        enum probes_phase phase;
        int64_t hook_end;             /* a sleep hook ends, a run hook is given up */
        int64_t grace_end;            /* the kill's grace period ends */
        int64_t kill_at;              /* SIGKILL then */
        int ready;                    /* as last written to ready_file; -1: not yet */
        char why[PROBE_MSG_MAX + 64]; /* why the container was killed; "" when it was not */
        bool probe_kill;              /* by its liveness or startup probe */
};

/* An empty set: no probe, no hook. */
void probes_init(struct probes *p);

/* One of the options above (opt: its PROBES_OPT_* value). 0, or -EINVAL with *err. */
int probes_option(struct probes *p, int opt, const char *arg, struct berr **err);

struct probes_config {
        const char *berth, *root, *runroot, *id; /* for exec: berth --root R --runroot RR exec ID */
        const char *ready_file; /* "true" or "false" written there whenever readiness changes */
        const char *probe_file; /* the last probe failure, a line as kubelet's event says it */
        int stop_signal;        /* what kills the container gently */
        int grace_s;            /* then SIGKILL after this long (terminationGracePeriodSeconds) */
};

/*
 * Once every option is in: each handler's action built and checked, the
 * scheduler set up. The strings of c must live as long as p. 0, or -errno
 * with *err (a handler without an action, an action probe_action_check()
 * refuses, a probe timing the scheduler refuses).
 */
int probes_prepare(struct probes *p, const struct probes_config *c, struct berr **err);

/* Whether the container has any probe or hook. */
bool probes_any(const struct probes *p);

/*
 * The container (pid, our child) started at now: postStart runs, then the
 * probes (ready is written: "true" at once for a container without startup
 * and readiness probes).
 */
void probes_begin(struct probes *p, pid_t pid, int64_t now);

/* The fds of the runs in flight, to poll for POLLIN, into fds; how many. */
size_t probes_pollfds(const struct probes *p, struct pollfd *fds, size_t max);

/* When probes_work() must run next (CLOCK_MONOTONIC ns; INT64_MAX: only when an fd says so). */
int64_t probes_deadline(const struct probes *p, int64_t now);

/* At each wake-up: results taken, probes due started, the kill carried on. */
void probes_work(struct probes *p, int64_t now);

/* The container exited: runs in flight dropped, "false" written to the ready file. */
void probes_end(struct probes *p);

/* Why the monitor killed the container ("Liveness probe failed: ..."); "" when it did not. */
const char *probes_why(const struct probes *p);

/*
 * Whether its liveness or startup probe had the container killed: kubelet
 * restarts it then whatever its exit status, unless restartPolicy is Never.
 */
bool probes_failed(const struct probes *p);

/* Everything freed (runs in flight killed); p is empty again. */
void probes_done(struct probes *p);
