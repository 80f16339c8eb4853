/*
 * runtime/backoff.h: what the pod monitor does when a container exits: the
 * pod's restartPolicy says whether it starts again, and Kubernetes'
 * CrashLoopBackOff says when.
 *
 * kubelet restarts a container that exits for the first time at once, then
 * waits 10 s before the next restart, doubling the wait after each exit up
 * to 300 s; a container that ran 10 minutes before it exited counts as
 * exiting for the first time again (the Kubernetes documentation, "Container
 * restarts", Pod Lifecycle). berth does the same.
 *
 * Pure functions over timestamps in nanoseconds (any one clock; the monitor
 * uses CLOCK_MONOTONIC), so they can be tested without sleeping. The monitor
 * links these objects statically with libc alone: nothing here needs more.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define BACKOFF_NSEC_PER_SEC INT64_C(1000000000)
/* the wait before the second restart */
#define BACKOFF_INITIAL_NS (10 * BACKOFF_NSEC_PER_SEC)
/* the longest wait (kubelet's MaxContainerBackOff) */
#define BACKOFF_MAX_NS (300 * BACKOFF_NSEC_PER_SEC)
/* a run this long resets the back-off (kubelet: twice the longest wait) */
#define BACKOFF_RESET_NS (600 * BACKOFF_NSEC_PER_SEC)

enum restart_policy {
        RESTART_ALWAYS,
        RESTART_ON_FAILURE,
        RESTART_NEVER,
        _RESTART_POLICY_MAX,
        _RESTART_POLICY_INVALID = -EINVAL,
};

/*
 * The policy a pod's spec.restartPolicy names: "Always", "OnFailure" or
 * "Never", spelled as Kubernetes spells them; NULL or "" is Always (the API's
 * default). Anything else is _RESTART_POLICY_INVALID.
 */
enum restart_policy restart_policy_from_string(const char *s);

/* "Always", "OnFailure", "Never"; NULL for a value out of range. */
const char *restart_policy_to_string(enum restart_policy p);

/*
 * Whether a container that ended with wait_status (as waitpid(2) reports it)
 * starts again: Always restarts after any exit, OnFailure after a non-zero
 * exit status or death by a signal (a liveness kill included), Never never.
 * An out-of-range policy restarts nothing.
 */
bool restart_policy_should_restart(enum restart_policy p, int wait_status);

/* One container's back-off; zero-initialized (BACKOFF_INIT) before its first exit. */
struct backoff {
        int64_t next_ns; /* the wait the next exit gets; 0: restart at once */
        unsigned exits;  /* exits since the last reset */
};

#define BACKOFF_INIT \
        {            \
                0    \
        }

/*
 * The container ran from started_ns to exited_ns and is to be restarted:
 * the time to wait before that (0 at the first exit and after a run of
 * BACKOFF_RESET_NS or longer; then BACKOFF_INITIAL_NS, doubling to
 * BACKOFF_MAX_NS). b is advanced for the exit after this one. A clock that
 * went backwards counts as a run of zero length.
 */
int64_t backoff_next(struct backoff *b, int64_t started_ns, int64_t exited_ns);

/* Forget past exits: the next one restarts at once. */
void backoff_reset(struct backoff *b);

/* t in nanoseconds */
static inline int64_t
backoff_ns_from_timespec(const struct timespec *t)
{
        return (int64_t)t->tv_sec * BACKOFF_NSEC_PER_SEC + (int64_t)t->tv_nsec;
}
