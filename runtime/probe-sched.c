/*
 * runtime/probe-sched.c: when a container's probes run and what their
 * results mean, after kubelet's prober (pkg/kubelet/prober/worker.go):
 * a result counts once it comes thresholds times in a row, errors are
 * dropped, the startup probe gates the others, and a liveness or startup
 * failure puts every probe on hold until the container starts again.
 * Pure logic over the caller's clock.
 */
#include <limits.h>
#include <stdint.h>

#include "backoff.h"
#include "probe.h"
#include "util/berr.h"

static const char *const type_names[_PROBE_TYPE_MAX] = {
        [PROBE_STARTUP] = "Startup",
        [PROBE_LIVENESS] = "Liveness",
        [PROBE_READINESS] = "Readiness",
};

const char *
probe_type_to_string(enum probe_type t)
{
        if (t < 0 || t >= _PROBE_TYPE_MAX)
                return NULL;
        return type_names[t];
}

static int32_t
or_default(int32_t v, int32_t def)
{
        return v == 0 ? def : v;
}

int
probe_sched_init(struct probe_sched *s, const struct probe_timing t[_PROBE_TYPE_MAX],
                 struct berr **err)
{
        struct probe_sched n = {0};

        for (int i = 0; i < _PROBE_TYPE_MAX; i++) {
                const struct probe_timing *in = &t[i];
                struct probe_sched_probe *p = &n.p[i];

                p->last = _PROBE_RESULT_INVALID;
                if (!in->set)
                        continue;
                if (in->initial_delay_seconds < 0 || in->period_seconds < 0 ||
                    in->timeout_seconds < 0 || in->success_threshold < 0 ||
                    in->failure_threshold < 0)
                        return berr(err, 0, "%s probe: a negative time or threshold",
                                    type_names[i]);
                p->t = (struct probe_timing){
                        .set = true,
                        .initial_delay_seconds = in->initial_delay_seconds,
                        .period_seconds = or_default(in->period_seconds, 10),
                        .timeout_seconds = or_default(in->timeout_seconds, 1),
                        .success_threshold = or_default(in->success_threshold, 1),
                        .failure_threshold = or_default(in->failure_threshold, 3),
                };
                if (i != PROBE_READINESS && p->t.success_threshold != 1)
                        return berr(err, 0, "%s probe: successThreshold must be 1, not %d",
                                    type_names[i], (int)p->t.success_threshold);
        }
        *s = n;
        return 0;
}

static int64_t
seconds(int32_t s)
{
        return (int64_t)s * BACKOFF_NSEC_PER_SEC;
}

/* The first tick of p at or after t. */
static int64_t
tick_from(const struct probe_sched_probe *p, int64_t t)
{
        int64_t period = seconds(p->t.period_seconds);

        if (t <= p->first_ns)
                return p->first_ns;
        return p->first_ns + (t - p->first_ns + period - 1) / period * period;
}

/* p may be handed out: the container runs, no restart pending, the gate open */
static bool
may_run(const struct probe_sched *s, enum probe_type t)
{
        const struct probe_sched_probe *p = &s->p[t];

        if (!s->running || s->on_hold || !p->t.set || p->running)
                return false;
        return t == PROBE_STARTUP ? !s->started : s->started;
}

unsigned
probe_sched_start(struct probe_sched *s, int64_t now)
{
        bool was_ready = s->ready;
        unsigned ev = 0;

        for (int i = 0; i < _PROBE_TYPE_MAX; i++) {
                struct probe_sched_probe *p = &s->p[i];

                p->first_ns = now + seconds(p->t.initial_delay_seconds);
                p->next_ns = p->first_ns;
                p->running = false;
                p->last = _PROBE_RESULT_INVALID;
                p->run = 0;
        }
        s->running = true;
        s->on_hold = false;
        s->started = !s->p[PROBE_STARTUP].t.set;
        s->ready = s->started && !s->p[PROBE_READINESS].t.set;
        if (s->started)
                ev |= PROBE_SCHED_STARTED;
        if (s->ready != was_ready)
                ev |= PROBE_SCHED_READY_CHANGED;
        return ev;
}

unsigned
probe_sched_stop(struct probe_sched *s)
{
        bool was_ready = s->ready;

        for (int i = 0; i < _PROBE_TYPE_MAX; i++)
                s->p[i].running = false;
        s->running = false;
        s->started = false;
        s->ready = false;
        return was_ready ? PROBE_SCHED_READY_CHANGED : 0;
}

int64_t
probe_sched_next_deadline(const struct probe_sched *s, int64_t now)
{
        int64_t next = INT64_MAX;

        for (int i = 0; i < _PROBE_TYPE_MAX; i++)
                if (may_run(s, (enum probe_type)i) && s->p[i].next_ns < next)
                        next = s->p[i].next_ns;
        return next < now ? now : next;
}

enum probe_type
probe_sched_due(struct probe_sched *s, int64_t now)
{
        enum probe_type best = _PROBE_TYPE_INVALID;
        struct probe_sched_probe *p;

        for (int i = 0; i < _PROBE_TYPE_MAX; i++)
                if (may_run(s, (enum probe_type)i) && s->p[i].next_ns <= now &&
                    (best < 0 || s->p[i].next_ns < s->p[best].next_ns))
                        best = (enum probe_type)i;
        if (best < 0)
                return best;
        p = &s->p[best];
        p->running = true;
        /* like a Go ticker: ticks missed meanwhile are dropped, not made up */
        p->next_ns = tick_from(p, now + 1);
        return best;
}

int64_t
probe_sched_timeout_ns(const struct probe_sched *s, enum probe_type t)
{
        if (t < 0 || t >= _PROBE_TYPE_MAX)
                return 0;
        return seconds(s->p[t].t.timeout_seconds);
}

/* The startup probe succeeded: liveness and readiness may run. */
static unsigned
sched_started(struct probe_sched *s, int64_t now)
{
        struct probe_sched_probe *live = &s->p[PROBE_LIVENESS], *ready = &s->p[PROBE_READINESS];
        unsigned ev = PROBE_SCHED_STARTED;

        s->started = true;
        /* the liveness ticker went on meanwhile: its next tick */
        live->next_ns = tick_from(live, now);
        /*
         * kubelet triggers the readiness probe at once when a started
         * container is not ready yet (prober_manager.go, UpdatePodStatus);
         * the initial delay still holds.
         */
        ready->next_ns = now > ready->first_ns ? now : ready->first_ns;
        if (!ready->t.set) {
                s->ready = true;
                ev |= PROBE_SCHED_READY_CHANGED;
        }
        return ev;
}

unsigned
probe_sched_result(struct probe_sched *s, enum probe_type t, enum probe_result r, int64_t now)
{
        struct probe_sched_probe *p;

        if (t < 0 || t >= _PROBE_TYPE_MAX)
                return 0;
        p = &s->p[t];
        if (!p->running || !s->running)
                return 0;
        p->running = false;
        if (r != PROBE_SUCCESS && r != PROBE_FAILURE)
                return 0;
        if (r == p->last) {
                if (p->run < INT32_MAX)
                        p->run++;
        } else {
                p->last = r;
                p->run = 1;
        }
        if ((r == PROBE_FAILURE && p->run < p->t.failure_threshold) ||
            (r == PROBE_SUCCESS && p->run < p->t.success_threshold))
                return 0;

        if (t == PROBE_READINESS) {
                bool ready = r == PROBE_SUCCESS;

                if (ready == s->ready)
                        return 0;
                s->ready = ready;
                return PROBE_SCHED_READY_CHANGED;
        }
        if (r == PROBE_SUCCESS)
                return t == PROBE_STARTUP ? sched_started(s, now) : 0;
        /*
         * The container is to be killed: kubelet stops probing it until a
         * new one runs (worker.go "onHold"), so no probe runs against a
         * container that is stopping.
         */
        s->on_hold = true;
        p->run = 0;
        return PROBE_SCHED_RESTART | (t == PROBE_STARTUP ? PROBE_SCHED_STARTUP_FAILED : 0);
}

bool
probe_sched_ready(const struct probe_sched *s)
{
        return s->ready;
}

bool
probe_sched_started(const struct probe_sched *s)
{
        return s->started;
}

int
probe_poll_timeout_ms(int64_t deadline, int64_t now)
{
        int64_t d, ms;

        if (deadline == INT64_MAX)
                return -1;
        if (deadline <= now)
                return 0;
        if (__builtin_sub_overflow(deadline, now, &d))
                return INT32_MAX;
        ms = d / 1000000 + (d % 1000000 != 0);
        return ms > INT32_MAX ? INT32_MAX : (int)ms;
}
