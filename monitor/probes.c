/*
 * monitor/probes.c: the monitor's probe driver (see probes.h). Each probe
 * and hook runs in a worker process (runtime/probe.c, probe-grpc.c) whose
 * result comes back through a pipe the monitor polls; the scheduler
 * (runtime/probe-sched.c) says when each probe is due and what its results
 * mean. What the monitor makes of them goes to files berth reads: the
 * readiness to ready_file, the last failure to probe_file, and why the
 * container was killed to the exit file (probes_why()).
 */
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/backoff.h"
#include "util/berr.h"

#define NSEC_PER_SEC BACKOFF_NSEC_PER_SEC
/* kubelet gives postStart no time limit: a day stands for none */
#define POST_START_TIMEOUT_NS (86400 * NSEC_PER_SEC)
/* kubelet leaves the stop signal at least this long after a preStop hook */
#define MIN_GRACE_AFTER_HOOK_NS (2 * NSEC_PER_SEC)

/* berth exec's environment: berth finds the OCI runtimes on PATH */
static char *const exec_env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NULL};

static const char *const handler_names[_PROBES_HANDLER_MAX] = {
        [PROBE_STARTUP] = "startup",     [PROBE_LIVENESS] = "liveness",
        [PROBE_READINESS] = "readiness", [PROBES_POST_START] = "postStart",
        [PROBES_PRE_STOP] = "preStop",
};

void
probes_init(struct probes *p)
{
        *p = (struct probes){.current = -1, .netns_fd = -1, .ready = -1, .pid = -1};
}

/* "8080" or "8080,::1": the port, and the host after the comma (NULL: none) */
static int
parse_port_host(const char *arg, uint16_t *ret_port, const char **ret_host)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno != 0 || end == arg || v < 1 || v > 65535 || (*end != '\0' && *end != ','))
                return -EINVAL;
        *ret_port = (uint16_t)v;
        *ret_host = *end == ',' ? end + 1 : NULL;
        return 0;
}

/* "0,10,1,1,3": the five numbers of a probe's timing */
static int
parse_timing(const char *arg, struct probe_timing *t)
{
        int32_t *f[] = {&t->initial_delay_seconds, &t->period_seconds, &t->timeout_seconds,
                        &t->success_threshold, &t->failure_threshold};
        const char *s = arg;

        for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
                char *end;
                long v;

                errno = 0;
                v = strtol(s, &end, 10);
                if (errno != 0 || end == s || v < 0 || v > INT32_MAX)
                        return -EINVAL;
                if (*end != (i + 1 < sizeof(f) / sizeof(f[0]) ? ',' : '\0'))
                        return -EINVAL;
                *f[i] = (int32_t)v;
                s = end + 1;
        }
        t->set = true;
        return 0;
}

/* the handler the options that follow fill in */
static int
open_handler(struct probes *p, int which, struct berr **err)
{
        if (p->h[which].set)
                return berr(err, 0, "%s given twice", handler_names[which]);
        p->h[which].set = true;
        p->current = which;
        return 0;
}

static int
set_kind(struct probes *p, const char *opt, enum probe_kind kind, bool sleep, struct berr **err)
{
        struct probes_handler_spec *h;

        if (p->current < 0)
                return berr(err, 0, "--%s: no --probe, --post-start or --pre-stop before it", opt);
        h = &p->h[p->current];
        if (h->has_kind && (h->sleep != sleep || h->action.kind != kind))
                return berr(err, 0, "--%s: %s has an action already", opt,
                            handler_names[p->current]);
        if (sleep && p->current < _PROBE_TYPE_MAX)
                return berr(err, 0, "--sleep: only hooks sleep, not the %s probe",
                            handler_names[p->current]);
        /* Kubernetes' LifecycleHandler has no grpc */
        if (kind == PROBE_GRPC && p->current >= _PROBE_TYPE_MAX)
                return berr(err, 0, "--grpc: only probes call grpc, not the %s hook",
                            handler_names[p->current]);
        h->has_kind = true;
        h->sleep = sleep;
        h->action.kind = kind;
        return 0;
}

/* the current handler, which must be one of that kind (PROBE_HTTP_GET: --http-get) */
static struct probes_handler_spec *
kind_handler(struct probes *p, enum probe_kind kind, const char *opt, struct berr **err)
{
        struct probes_handler_spec *h = p->current >= 0 ? &p->h[p->current] : NULL;

        if (!h || !h->has_kind || h->sleep || h->action.kind != kind) {
                (void)berr(err, 0, "--%s: no --%s before it", opt,
                           kind == PROBE_GRPC ? "grpc" : "http-get");
                return NULL;
        }
        return h;
}

static struct probes_handler_spec *
http_handler(struct probes *p, const char *opt, struct berr **err)
{
        return kind_handler(p, PROBE_HTTP_GET, opt, err);
}

static int
add_header(struct probes_handler_spec *h, const char *arg, struct berr **err)
{
        const char *colon = strchr(arg, ':');
        struct probe_http_header *v;
        char *name;

        if (!colon)
                return berr(err, 0, "--http-header %s: expected NAME:VALUE", arg);
        name = strndup(arg, (size_t)(colon - arg));
        v = realloc(h->headers, (h->n_headers + 1) * sizeof(*v));
        if (!name || !v) {
                free(name);
                if (v)
                        h->headers = v;
                return berr(err, ENOMEM, "--http-header");
        }
        h->headers = v;
        h->headers[h->n_headers++] = (struct probe_http_header){.name = name, .value = colon + 1};
        return 0;
}

int
probes_option(struct probes *p, int opt, const char *arg, struct berr **err)
{
        struct probes_handler_spec *h;
        int r;

        switch (opt) {
        case PROBES_OPT_PROBE: {
                const char *colon = strchr(arg, ':');
                struct probe_timing t = {0};
                int type = -1;

                for (int i = 0; colon && i < _PROBE_TYPE_MAX; i++)
                        if (strlen(handler_names[i]) == (size_t)(colon - arg) &&
                            strncmp(arg, handler_names[i], (size_t)(colon - arg)) == 0)
                                type = i;
                if (type < 0 || parse_timing(colon + 1, &t) < 0)
                        return berr(err, 0,
                                    "--probe %s: expected startup|liveness|readiness:DELAY,PERIOD,"
                                    "TIMEOUT,SUCCESS,FAILURE",
                                    arg);
                r = open_handler(p, type, err);
                if (r < 0)
                        return r;
                p->timing[type] = t;
                return 0;
        }
        case PROBES_OPT_POST_START:
                return open_handler(p, PROBES_POST_START, err);
        case PROBES_OPT_PRE_STOP:
                return open_handler(p, PROBES_PRE_STOP, err);
        case PROBES_OPT_EXEC: {
                const char **v;

                r = set_kind(p, "exec", PROBE_EXEC, false, err);
                if (r < 0)
                        return r;
                h = &p->h[p->current];
                v = realloc(h->cmd, (h->n_cmd + 1) * sizeof(*v));
                if (!v)
                        return berr(err, ENOMEM, "--exec");
                h->cmd = v;
                h->cmd[h->n_cmd++] = arg;
                return 0;
        }
        case PROBES_OPT_HTTP_GET:
        case PROBES_OPT_TCP_SOCKET: {
                bool http = opt == PROBES_OPT_HTTP_GET;

                r = set_kind(p, http ? "http-get" : "tcp-socket",
                             http ? PROBE_HTTP_GET : PROBE_TCP_SOCKET, false, err);
                if (r < 0)
                        return r;
                h = &p->h[p->current];
                if (parse_port_host(arg, &h->action.port, &h->action.host) < 0)
                        return berr(err, 0, "--%s %s: expected PORT[,HOST]",
                                    http ? "http-get" : "tcp-socket", arg);
                return 0;
        }
        case PROBES_OPT_GRPC:
                r = set_kind(p, "grpc", PROBE_GRPC, false, err);
                if (r < 0)
                        return r;
                h = &p->h[p->current];
                if (parse_port_host(arg, &h->action.port, &h->action.host) < 0)
                        return berr(err, 0, "--grpc %s: expected PORT[,HOST]", arg);
                return 0;
        case PROBES_OPT_GRPC_SERVICE:
                h = kind_handler(p, PROBE_GRPC, "grpc-service", err);
                if (!h)
                        return -EINVAL;
                h->action.service = arg;
                return 0;
        case PROBES_OPT_HTTP_PATH:
                h = http_handler(p, "http-path", err);
                if (!h)
                        return -EINVAL;
                h->action.path = arg;
                return 0;
        case PROBES_OPT_HTTP_SCHEME:
                h = http_handler(p, "http-scheme", err);
                if (!h)
                        return -EINVAL;
                h->action.scheme = arg;
                return 0;
        case PROBES_OPT_HTTP_HEADER:
                h = http_handler(p, "http-header", err);
                return h ? add_header(h, arg, err) : -EINVAL;
        case PROBES_OPT_SLEEP: {
                char *end;
                long v;

                r = set_kind(p, "sleep", PROBE_EXEC, true, err);
                if (r < 0)
                        return r;
                errno = 0;
                v = strtol(arg, &end, 10);
                if (errno != 0 || end == arg || *end || v < 0 || v > 86400)
                        return berr(err, 0, "--sleep %s: expected seconds", arg);
                p->h[p->current].sleep_ns = (int64_t)v * NSEC_PER_SEC;
                return 0;
        }
        default:
                return berr(err, 0, "probe option %d unknown", opt);
        }
}

/* exec: `berth --root R --runroot RR exec ID cmd...`, named by cmd alone */
static int
build_exec(struct probes_handler_spec *h, const struct probes_config *c, struct berr **err)
{
        const char *head[] = {c->berth, "--root", c->root, "--runroot", c->runroot, "exec", c->id};
        size_t n_head = sizeof(head) / sizeof(head[0]), len = 1;
        char *w;

        h->argv = calloc(n_head + h->n_cmd + 1, sizeof(*h->argv));
        if (!h->argv)
                return berr(err, ENOMEM, "exec handler");
        for (size_t i = 0; i < n_head; i++)
                h->argv[i] = (char *)head[i];
        for (size_t i = 0; i < h->n_cmd; i++) {
                h->argv[n_head + i] = (char *)h->cmd[i];
                len += strlen(h->cmd[i]) + 1;
        }
        h->label = malloc(len);
        if (!h->label)
                return berr(err, ENOMEM, "exec handler");
        w = h->label;
        *w = '\0';
        for (size_t i = 0; i < h->n_cmd; i++)
                w = stpcpy(stpcpy(w, i ? " " : ""), h->cmd[i]);
        h->action.argv = h->argv;
        h->action.envp = exec_env;
        h->action.label = h->label;
        return 0;
}

int
probes_prepare(struct probes *p, const struct probes_config *c, struct berr **err)
{
        int r;

        p->ready_file = c->ready_file;
        p->probe_file = c->probe_file;
        p->stop_signal = c->stop_signal > 0 ? c->stop_signal : SIGTERM;
        p->grace_s = c->grace_s >= 0 ? c->grace_s : 0;
        for (int i = 0; i < _PROBES_HANDLER_MAX; i++) {
                struct probes_handler_spec *h = &p->h[i];

                if (!h->set)
                        continue;
                if (!h->has_kind)
                        return berr(err, 0,
                                    "%s: no --exec, --http-get, --tcp-socket, --grpc or --sleep",
                                    handler_names[i]);
                if (h->sleep)
                        continue;
                if (h->action.kind == PROBE_EXEC) {
                        if (h->n_cmd == 0)
                                return berr(err, 0, "%s: exec: no command", handler_names[i]);
                        r = build_exec(h, c, err);
                        if (r < 0)
                                return r;
                } else {
                        p->need_netns = true;
                        h->action.headers = h->headers;
                        h->action.n_headers = h->n_headers;
                }
                r = probe_action_check(&h->action, err);
                if (r < 0)
                        return berr_wrap(err, "%s", handler_names[i]);
        }
        return probe_sched_init(&p->sched, p->timing, err);
}

bool
probes_any(const struct probes *p)
{
        for (int i = 0; i < _PROBES_HANDLER_MAX; i++)
                if (p->h[i].set)
                        return true;
        return false;
}

/* path replaced by text, whole or not at all: berth reads it at any time */
static void
write_file(const char *path, const char *text)
{
        char tmp[4096];
        size_t len = strlen(text);
        ssize_t n;
        int fd;

        if (!path || snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return;
        do
                n = write(fd, text, len);
        while (n < 0 && errno == EINTR);
        if (close(fd) == 0 && n == (ssize_t)len)
                (void)rename(tmp, path);
        else
                (void)unlink(tmp);
}

static void
update_ready(struct probes *p)
{
        int ready = probe_sched_ready(&p->sched) ? 1 : 0;

        if (ready == p->ready)
                return;
        p->ready = ready;
        write_file(p->ready_file, ready ? "true\n" : "false\n");
}

/* a failure, as kubelet's event says it ("Liveness probe failed: ...") */
static void
record_failure(struct probes *p, const char *what, const char *msg)
{
        char line[PROBE_MSG_MAX + 64];

        (void)snprintf(line, sizeof(line), "%s failed: %s\n", what, msg);
        write_file(p->probe_file, line);
}

static void
drop_run(struct probes *p, int i)
{
        p->run[i] = probe_run_free(p->run[i]);
}

static void send_stop(struct probes *p, int64_t now);
static void start_kill(struct probes *p, int64_t now, const char *why);

/* Start handler i's run (probes: due now; hooks: their time). 0, or -1 when it could not start. */
static int
start_run(struct probes *p, int i, int64_t timeout_ns)
{
        struct probes_handler_spec *h = &p->h[i];
        struct berr *err = NULL;
        int r;

        drop_run(p, i);
        if (h->action.kind != PROBE_EXEC && p->netns_fd < 0)
                return -1; /* never from the monitor's own network: it is not the container's */
        r = probe_start(&h->action, h->action.kind == PROBE_EXEC ? -1 : p->netns_fd, timeout_ns,
                        &p->run[i], &err);
        if (r < 0 && p->probe_file) {
                char what[64];

                (void)snprintf(what, sizeof(what), "%s %s", handler_names[i],
                               i < _PROBE_TYPE_MAX ? "probe" : "hook");
                record_failure(p, what, err && err->msg ? err->msg : "could not start");
        }
        berr_free(err);
        return r < 0 ? -1 : 0;
}

static void
handle_events(struct probes *p, enum probe_type t, unsigned ev, const char *msg, int64_t now)
{
        if (ev & PROBE_SCHED_READY_CHANGED)
                update_ready(p);
        if (ev & PROBE_SCHED_RESTART) {
                char why[PROBE_MSG_MAX + 64];

                (void)snprintf(why, sizeof(why), "%s probe failed: %s", probe_type_to_string(t),
                               msg);
                if (p->phase == PROBES_PROBING)
                        p->probe_kill = true;
                start_kill(p, now, why);
        }
}

static void
start_probing(struct probes *p, int64_t now)
{
        p->phase = PROBES_PROBING;
        handle_events(p, _PROBE_TYPE_INVALID, probe_sched_start(&p->sched, now), "", now);
}

void
probes_begin(struct probes *p, pid_t pid, int64_t now)
{
        struct probes_handler_spec *post = &p->h[PROBES_POST_START];
        char path[64];

        p->pid = pid;
        p->why[0] = '\0';
        p->probe_kill = false;
        if (p->need_netns) {
                (void)snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
                p->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
        }
        if (!post->set) {
                start_probing(p, now);
                update_ready(p);
                return;
        }
        p->phase = PROBES_POST_STARTING;
        update_ready(p); /* not ready until postStart is done */
        if (post->sleep)
                p->hook_end = now + post->sleep_ns;
        else if (start_run(p, PROBES_POST_START, POST_START_TIMEOUT_NS) < 0)
                start_kill(p, now, "PostStartHook failed: it could not be run");
}

/* SIGKILL; the grace period is over */
static void
kill_hard(struct probes *p)
{
        (void)kill(p->pid, SIGKILL);
        p->phase = PROBES_KILLED;
}

/* the stop signal (preStop is done), then SIGKILL at kill_at */
static void
send_stop(struct probes *p, int64_t now)
{
        bool after_hook = p->phase == PROBES_PRE_STOPPING && p->h[PROBES_PRE_STOP].set;

        drop_run(p, PROBES_PRE_STOP);
        if (p->grace_s == 0) {
                kill_hard(p);
                return;
        }
        (void)kill(p->pid, p->stop_signal);
        p->phase = PROBES_STOPPING;
        p->kill_at = p->grace_end;
        if (after_hook && p->kill_at < now + MIN_GRACE_AFTER_HOOK_NS)
                p->kill_at = now + MIN_GRACE_AFTER_HOOK_NS;
}

/*
 * Kill the container as kubelet does after a failed liveness or startup
 * probe or postStart hook: probes stop (it is not ready any more), preStop
 * runs, then the stop signal, then SIGKILL once the grace period is over.
 */
static void
start_kill(struct probes *p, int64_t now, const char *why)
{
        struct probes_handler_spec *pre = &p->h[PROBES_PRE_STOP];
        char line[sizeof(p->why) + 1];

        if (p->phase >= PROBES_PRE_STOPPING || p->phase == PROBES_IDLE)
                return;
        (void)snprintf(p->why, sizeof(p->why), "%s", why);
        (void)snprintf(line, sizeof(line), "%s\n", why);
        write_file(p->probe_file, line);
        for (int i = 0; i < PROBES_PRE_STOP; i++)
                drop_run(p, i);
        (void)probe_sched_stop(&p->sched);
        update_ready(p);
        p->grace_end = now + (int64_t)p->grace_s * NSEC_PER_SEC;
        p->phase = PROBES_PRE_STOPPING;
        if (!pre->set || p->grace_s == 0) {
                send_stop(p, now);
                return;
        }
        if (pre->sleep) {
                p->hook_end = now + pre->sleep_ns;
                return;
        }
        p->hook_end = p->grace_end;
        if (start_run(p, PROBES_PRE_STOP, p->grace_end - now) < 0)
                send_stop(p, now);
}

size_t
probes_pollfds(const struct probes *p, struct pollfd *fds, size_t max)
{
        size_t n = 0;

        for (int i = 0; i < _PROBES_HANDLER_MAX && n < max; i++)
                if (p->run[i])
                        fds[n++] = (struct pollfd){.fd = probe_run_fd(p->run[i]), .events = POLLIN};
        return n;
}

static int64_t
min64(int64_t a, int64_t b)
{
        return a < b ? a : b;
}

int64_t
probes_deadline(const struct probes *p, int64_t now)
{
        int64_t next = INT64_MAX;

        for (int i = 0; i < _PROBES_HANDLER_MAX; i++)
                if (p->run[i])
                        next = min64(next, probe_run_deadline(p->run[i]));
        switch (p->phase) {
        case PROBES_POST_STARTING:
                if (p->h[PROBES_POST_START].sleep)
                        next = min64(next, p->hook_end);
                break;
        case PROBES_PROBING:
                next = min64(next, probe_sched_next_deadline(&p->sched, now));
                break;
        case PROBES_PRE_STOPPING:
                next = min64(next, min64(p->hook_end, p->grace_end));
                break;
        case PROBES_STOPPING:
                next = min64(next, p->kill_at);
                break;
        default:
                break;
        }
        return next;
}

/* a result of handler i came */
static void
take_result(struct probes *p, int i, const struct probe_outcome *out, int64_t now)
{
        if (i < _PROBE_TYPE_MAX) {
                enum probe_type t = (enum probe_type)i;
                unsigned ev;

                if (p->phase != PROBES_PROBING)
                        return;
                if (out->result == PROBE_FAILURE) {
                        char what[32];

                        (void)snprintf(what, sizeof(what), "%s probe", probe_type_to_string(t));
                        record_failure(p, what, out->msg);
                }
                ev = probe_sched_result(&p->sched, t, out->result, now);
                handle_events(p, t, ev, out->msg, now);
        } else if (i == PROBES_POST_START && p->phase == PROBES_POST_STARTING) {
                char why[PROBE_MSG_MAX + 64];

                if (out->result == PROBE_SUCCESS) {
                        start_probing(p, now);
                        return;
                }
                (void)snprintf(why, sizeof(why), "PostStartHook failed: %s", out->msg);
                start_kill(p, now, why);
        } else if (i == PROBES_PRE_STOP && p->phase == PROBES_PRE_STOPPING) {
                send_stop(p, now);
        }
}

void
probes_work(struct probes *p, int64_t now)
{
        enum probe_type t;

        for (int i = 0; i < _PROBES_HANDLER_MAX; i++) {
                struct probe_outcome out;

                if (!p->run[i] || probe_run_collect(p->run[i], now, &out) != 1)
                        continue;
                drop_run(p, i);
                take_result(p, i, &out, now);
        }
        switch (p->phase) {
        case PROBES_POST_STARTING:
                if (p->h[PROBES_POST_START].sleep && now >= p->hook_end)
                        start_probing(p, now);
                break;
        case PROBES_PRE_STOPPING:
                if ((p->h[PROBES_PRE_STOP].sleep && now >= p->hook_end) || now >= p->grace_end)
                        send_stop(p, now);
                break;
        default:
                break;
        }
        if (p->phase == PROBES_STOPPING && now >= p->kill_at)
                kill_hard(p);
        while (p->phase == PROBES_PROBING && (t = probe_sched_due(&p->sched, now)) >= 0)
                if (start_run(p, t, probe_sched_timeout_ns(&p->sched, t)) < 0)
                        handle_events(p, t, probe_sched_result(&p->sched, t, PROBE_ERROR, now), "",
                                      now);
}

void
probes_end(struct probes *p)
{
        for (int i = 0; i < _PROBES_HANDLER_MAX; i++)
                drop_run(p, i);
        (void)probe_sched_stop(&p->sched);
        if (p->phase != PROBES_IDLE)
                update_ready(p);
        p->phase = PROBES_IDLE;
        if (p->netns_fd >= 0)
                (void)close(p->netns_fd);
        p->netns_fd = -1;
}

const char *
probes_why(const struct probes *p)
{
        return p->why;
}

bool
probes_failed(const struct probes *p)
{
        return p->probe_kill;
}

void
probes_done(struct probes *p)
{
        probes_end(p);
        for (int i = 0; i < _PROBES_HANDLER_MAX; i++) {
                struct probes_handler_spec *h = &p->h[i];

                for (size_t k = 0; k < h->n_headers; k++)
                        free((char *)h->headers[k].name);
                free(h->headers);
                free(h->cmd);
                free(h->argv);
                free(h->label);
        }
        probes_init(p);
}
