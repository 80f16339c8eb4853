/*
 * runtime/probe.h: Kubernetes container probes, run by the pod monitor.
 *
 * Two parts:
 * - runners (probe.c, probe-grpc.c): one probe (exec, httpGet, tcpSocket,
 *   grpc) run once, within its timeout, in a worker process the monitor
 *   forks, so that the
 *   monitor's poll() loop goes on writing logs meanwhile and whatever a
 *   container sends is parsed outside the monitor;
 * - the scheduler (probe-sched.c): when each of a container's startup,
 *   liveness and readiness probes is due, and what a run of results means
 *   (started, ready, to be restarted), as kubelet's prober decides it.
 *
 * The monitor is a static binary linked with libc alone: nothing here uses
 * another library. All times are CLOCK_MONOTONIC nanoseconds.
 *
 * How the monitor drives them from its poll() loop:
 *
 *     probe_sched_init(&s, timings, &err);        once
 *     probe_sched_start(&s, now);                 each time the container starts
 *     loop:
 *         while ((t = probe_sched_due(&s, now)) >= 0)
 *                 probe_start(&action[t], netns_fd, probe_sched_timeout_ns(&s, t), &run[t], &err)
 *                 (a failed start: probe_sched_result(&s, t, PROBE_ERROR, now))
 *         poll: the container's output, signalfd, and probe_run_fd(run[t]) of
 *               each run (POLLIN), with the timeout
 *               probe_poll_timeout_ms(min(probe_sched_next_deadline(&s, now),
 *                                         probe_run_deadline(run[t]) ...), now)
 *         for each run: if probe_run_collect(run[t], now, &out) == 1:
 *                 run[t] = probe_run_free(run[t]);
 *                 ev = probe_sched_result(&s, t, out.result, now);
 *                 PROBE_SCHED_RESTART: kill the container (the startup or
 *                   liveness probe failed: out.msg says why), then
 *                   restartPolicy and back-off as for any exit (backoff.h);
 *                 PROBE_SCHED_READY_CHANGED: record probe_sched_ready(&s).
 *     when the container exits: free the runs in flight, probe_sched_stop(&s).
 *
 * The workers are children of the monitor, which may reap them with
 * waitpid(-1, ...) as it reaps everything else: their results come through a
 * pipe, not their exit status, and probe_run_free() copes with a worker
 * reaped already.
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct berr;

/* ------------------------------------------------------------------ runners */

enum probe_result {
        PROBE_SUCCESS,
        PROBE_FAILURE, /* timeouts included, as kubelet counts them */
        PROBE_ERROR,   /* the probe could not be run; kubelet drops such a result */
        _PROBE_RESULT_MAX,
        _PROBE_RESULT_INVALID = -EINVAL,
};

enum probe_kind {
        PROBE_EXEC,
        PROBE_HTTP_GET,
        PROBE_TCP_SOCKET,
        PROBE_GRPC,
        _PROBE_KIND_MAX,
        _PROBE_KIND_INVALID = -EINVAL,
};

struct probe_http_header {
        const char *name; /* an HTTP token: letters, digits, !#$%&'*+-.^_`|~ */
        const char *value;
};

/*
 * What one probe does; the monitor fills it in from the container's spec.
 * Nothing here is copied: it must live until probe_start() returns.
 */
struct probe_action {
        enum probe_kind kind;

        /*
         * exec: argv[0] is executed as a path, without a PATH search, with
         * envp (NULL: an empty environment); the monitor passes
         * `berth exec ID cmd...`. stdin is /dev/null; stdout and stderr,
         * together, become the message (their first bytes). label names the
         * command in messages (`command "label" timed out`); NULL: argv
         * joined with spaces.
         */
        char *const *argv;
        char *const *envp;
        const char *label;

        /*
         * httpGet, tcpSocket, grpc: host is a numeric IPv4 or IPv6 address;
         * names are refused (the monitor has no resolver). NULL or "":
         * 127.0.0.1, where kubelet uses the pod IP: inside the pod's network
         * namespace the loopback address reaches the same listeners, those
         * bound to the pod IP or to any address (not one bound to the pod
         * IP alone: give host then). port: 1-65535 (the caller resolves a
         * named port to its containerPort).
         */
        const char *host;
        uint16_t port;

        /*
         * httpGet: scheme NULL or "HTTP"; "HTTPS" is refused (-EOPNOTSUPP:
         * the monitor links no TLS library). path NULL or "": "/"; it may
         * carry a ?query; bytes that may not stand in a request line are
         * %-escaped, a #fragment is not sent. headers are sent as given
         * after berth's own: Host (host:port; a Host header replaces it),
         * User-Agent "kube-probe/1.30" and an Accept of any type (each
         * unless given; an empty Accept sends none, as kubelet does),
         * Connection: close.
         */
        const char *scheme;
        const char *path;
        const struct probe_http_header *headers;
        size_t n_headers;

        /*
         * grpc: the service asked about in grpc.health.v1.Health/Check (NULL
         * or "": the server as a whole), at most PROBE_GRPC_SERVICE_MAX bytes.
         * The call goes over cleartext HTTP/2 (h2c with prior knowledge), as
         * kubelet makes it: there is no TLS for grpc probes either.
         */
        const char *service;
};

/* A result's message: what kubelet would put in the probe's event, cut to fit. */
#define PROBE_MSG_MAX 256

struct probe_outcome {
        enum probe_result result;
        char msg[PROBE_MSG_MAX]; /* NUL-terminated, printable: UTF-8 kept, controls are spaces */
};

/* How much of an HTTP response is read (kubelet reads 10 KiB of a body). */
#define PROBE_HTTP_READ_MAX (10U * 1024U)

/* The User-Agent of HTTP probes, kubelet's for Kubernetes 1.30. */
#define PROBE_USER_AGENT "kube-probe/1.30"

/*
 * Check an action before it is run: a kind in range, exec with an argv,
 * httpGet/tcpSocket/grpc with a port and a numeric host, HTTP headers
 * without CR, LF or other controls, a grpc service of at most
 * PROBE_GRPC_SERVICE_MAX bytes. Returns 0, -EINVAL, or -EOPNOTSUPP for an HTTPS
 * httpGet; *err says what. probe_start() checks the same, so the monitor
 * can check its probes once when it starts and report them.
 */
int probe_action_check(const struct probe_action *a, struct berr **err);

struct probe_run;

/*
 * Start running a probe in a worker process (forked here; no exec for
 * httpGet, tcpSocket and grpc). netns_fd: an open /proc/PID/ns/net of the
 * container, which the worker enters (setns) to connect; negative: the
 * monitor's own network namespace (hostNetwork pods). The monitor itself
 * never changes namespace. Unused by exec, which runs whatever argv says.
 * timeout_ns: the probe's whole time (connect, request and response;
 * command), at least 1 ms. The worker keeps the timeout itself: a command
 * still running then is killed, with its process group (SIGKILL), and
 * counts as a failure, as kubelet counts it.
 *
 * Returns 0 and *ret (free with probe_run_free()), or -errno: an action
 * probe_action_check() refuses, or pipe/fork failing.
 */
int probe_start(const struct probe_action *a, int netns_fd, int64_t timeout_ns,
                struct probe_run **ret, struct berr **err);

/* The fd to poll (POLLIN) for the result; the run owns it. */
int probe_run_fd(const struct probe_run *run);

/*
 * When probe_run_collect() gives up on a worker that says nothing: the
 * probe's timeout and a second of grace after its start (the worker keeps
 * the timeout itself, so this is a backstop).
 */
int64_t probe_run_deadline(const struct probe_run *run);

/*
 * Take the result once probe_run_fd() polls readable or hung up, or once
 * probe_run_deadline() has passed: returns 1 and fills *ret (a worker that
 * died without a result is PROBE_ERROR; one killed at the deadline is
 * PROBE_FAILURE), or 0 when the result has not come yet and the deadline is
 * still ahead of now. Once it has returned 1 it returns the same again.
 */
int probe_run_collect(struct probe_run *run, int64_t now, struct probe_outcome *ret);

/*
 * Kill the worker if it still runs (a command it runs is killed by the
 * kernel then: parent-death signal) and reap it unless the caller has
 * already, close the fd, free. NULL is fine; returns NULL.
 */
struct probe_run *probe_run_free(struct probe_run *run);

static inline void
probe_run_freep(struct probe_run **run)
{
        *run = probe_run_free(*run);
}

/*
 * Run a probe and wait for its result: probe_start(), poll, collect, free.
 * Returns 0 and *ret, or what probe_start() returns.
 */
int probe_run(const struct probe_action *a, int netns_fd, int64_t timeout_ns,
              struct probe_outcome *ret, struct berr **err);

/* What probe_http_parse() finds. */
struct probe_http_head {
        int status;       /* the status code: with 0, and with -EAGAIN once the status line is in */
        size_t head_len;  /* 0: bytes up to and with the blank line ending the head */
        const char *what; /* -EBADMSG: what is wrong, as Go's net/http says it */
        const char *line; /* -EBADMSG: the part at fault (in buf, not NUL-terminated) */
        size_t line_len;
};

/*
 * Parse the head of an HTTP/1.x response, the first len bytes read of it:
 * a status line "HTTP/d.d ddd[ reason]" and header lines "name: value"
 * (obs-fold continuation lines allowed), each ended by LF or CRLF, up to an
 * empty line. Interim 1xx heads but 101 are skipped, as Go's client skips
 * them (up to 5). Returns 0 when a whole final head is in buf, -EAGAIN when
 * buf is a valid start of one, -EBADMSG when it cannot be (ret->what and
 * ret->line say why); ret is filled in every case.
 */
int probe_http_parse(const char *buf, size_t len, struct probe_http_head *ret);

/*
 * What an httpGet probe concludes from the first len bytes of a response
 * (len <= PROBE_HTTP_READ_MAX), url naming the request in messages (Go's
 * `Get "URL": ...`). eof: the server closed the connection after them.
 * Returns 1 and *ret when the bytes decide it: success for a status of 200
 * to 399 (a redirect is not followed: kubelet follows those to the same
 * host only and takes a 3xx it does not follow as success), failure for any
 * other status, a malformed head, or a connection closed before the head
 * ended. A head longer than PROBE_HTTP_READ_MAX is judged by its status
 * line. Returns 0 when more bytes are needed.
 */
int probe_http_outcome(const char *url, const char *buf, size_t len, bool eof,
                       struct probe_outcome *ret);

/* ---------------------------------------------------------------- grpc */

/* How long a grpc probe's service may be (it goes in one HTTP/2 DATA frame). */
#define PROBE_GRPC_SERVICE_MAX 4096U

/* How much of the server's side of the connection a grpc probe reads. */
#define PROBE_GRPC_READ_MAX (16U * 1024U)

/* PING frames whose payload probe_grpc_parse() keeps, to be answered */
#define PROBE_GRPC_PINGS_MAX 4U

/* HealthCheckResponse.ServingStatus */
enum {
        PROBE_GRPC_UNKNOWN = 0,
        PROBE_GRPC_SERVING = 1,
        PROBE_GRPC_NOT_SERVING = 2,
        PROBE_GRPC_SERVICE_UNKNOWN = 3,
};

/* How the server ended the call, as probe_grpc_parse() finds it. */
enum probe_grpc_end {
        PROBE_GRPC_RESPONSE,    /* a HealthCheckResponse came: status */
        PROBE_GRPC_NO_RESPONSE, /* the stream ended without one (trailers only: an error) */
        PROBE_GRPC_RESET,       /* RST_STREAM on the call's stream: error_code */
        PROBE_GRPC_GOAWAY,      /* GOAWAY leaving the call unanswered: error_code */
        _PROBE_GRPC_END_MAX,
        _PROBE_GRPC_END_INVALID = -EINVAL,
};

/* What probe_grpc_parse() finds in the bytes a server sent. */
struct probe_grpc_response {
        enum probe_grpc_end end; /* with 0 */
        int32_t status;          /* PROBE_GRPC_RESPONSE: HealthCheckResponse.status */
        uint32_t error_code;     /* PROBE_GRPC_RESET, PROBE_GRPC_GOAWAY: HTTP/2's */
        const char *what;        /* -EBADMSG: what is wrong (a static string) */
        /* in every case, what the client owes the server: */
        uint32_t settings;                    /* SETTINGS frames but ACKs: each wants an ACK */
        uint32_t pings;                       /* PING frames but ACKs: each wants an ACK */
        size_t ping_at[PROBE_GRPC_PINGS_MAX]; /* the first ones' 8 bytes: buf + ping_at[i] */
};

/*
 * The request of a grpc probe, all the client sends at once: the HTTP/2
 * client preface, a SETTINGS frame (server push off), a HEADERS frame for
 * stream 1 (HPACK literals, neither indexed nor Huffman-coded: :method
 * POST, :scheme http, :path /grpc.health.v1.Health/Check, :authority,
 * content-type application/grpc, te trailers, user-agent PROBE_USER_AGENT)
 * and a DATA frame ending the stream with the HealthCheckRequest (service
 * NULL or "": the empty message). authority: "host:port". Writes it to
 * buf (cap bytes) and returns its length, or -E2BIG.
 */
ssize_t probe_grpc_request(const char *authority, const char *service, uint8_t *buf, size_t cap);

/*
 * Parse the first len bytes a server sent on a grpc probe's connection:
 * HTTP/2 frames (the first one SETTINGS, none over 16384 bytes, each taken
 * only once all of it is in), up to the end of stream 1. DATA of stream 1
 * carries the gRPC message (a flag byte, which must be 0, a 4-byte length,
 * a HealthCheckResponse). WINDOW_UPDATE, PRIORITY, frames of other streams
 * and of unknown types are skipped. Returns 0 when the call ended (ret->end
 * says how), -EAGAIN when buf is a valid start, -EBADMSG when it cannot be
 * (ret->what says why: not HTTP/2, a malformed frame or message); the
 * SETTINGS and PING frames to answer are counted in every case.
 */
int probe_grpc_parse(const uint8_t *buf, size_t len, struct probe_grpc_response *ret);

/*
 * What a grpc probe concludes from the first len bytes a server sent
 * (len <= PROBE_GRPC_READ_MAX; eof: the server closed the connection
 * after them), in kubelet's words: success for SERVING; failure for any
 * other status ("service unhealthy (responded with "NOT_SERVING")"), a
 * stream reset or ended without a response, a malformed response, a
 * connection closed before the response, or PROBE_GRPC_READ_MAX bytes read
 * without one. Returns 1 and *ret when the bytes decide it, 0 when more are
 * needed; *resp is probe_grpc_parse()'s in both cases.
 */
int probe_grpc_outcome(const uint8_t *buf, size_t len, bool eof, struct probe_grpc_response *resp,
                       struct probe_outcome *ret);

/*
 * Go's time.Duration.String() of ns (kubelet's "%v" of a timeout: "1s",
 * "1m30s", "500ms") into buf.
 */
void probe_go_duration(int64_t ns, char *buf, size_t cap);

/*
 * A grpc probe run in the worker, already in the container's network
 * namespace: connect, send probe_grpc_request(), answer the server's
 * SETTINGS and PING, read until probe_grpc_outcome() decides, all before
 * deadline (timeout_ns after the start: for messages).
 */
void probe_grpc_run(const struct probe_action *a, int64_t deadline, int64_t timeout_ns,
                    struct probe_outcome *ret);

/* ------------------------------------ the runners' shared parts (probe.c) */

/* "127.0.0.1:8080", "[ffff:...:ffff]:65535" and a NUL */
#define PROBE_HOSTPORT_MAX 56

/* CLOCK_MONOTONIC in nanoseconds */
int64_t probe_now_ns(void);

/*
 * Set *o to r and the message fmt formats, cut to fit, made printable
 * (runs of controls and spaces become one space, invalid UTF-8 '?').
 */
void probe_outcome_set(struct probe_outcome *o, enum probe_result r, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* strerror(errnum) the way Go's syscall errors read ("connection refused"), in buf */
const char *probe_strerror(int errnum, char buf[64]);

/*
 * A TCP connection to host (an action's host: NULL or "" is 127.0.0.1) and
 * port, made before deadline, as the tcpSocket and httpGet probes make it.
 * hostport gets Go's net.JoinHostPort(host, port) ("" for a host that is
 * no IP address). Returns the fd (non-blocking, close-on-exec), or -errno
 * (-ETIMEDOUT at the deadline, -EINVAL for such a host) with why: Go's
 * dial error ("dial tcp 127.0.0.1:8080: connect: connection refused").
 */
int probe_connect(const char *host, uint16_t port, int64_t deadline,
                  char hostport[PROBE_HOSTPORT_MAX], char *why, size_t why_cap);

/* Poll fd for events until deadline: 1 ready, 0 at the deadline, -errno. */
int probe_wait_fd(int fd, short events, int64_t deadline);

/* Send all of buf on the non-blocking socket fd before deadline: 0, -ETIMEDOUT, -errno. */
int probe_send_all(int fd, const void *buf, size_t len, int64_t deadline);

/* ---------------------------------------------------------------- scheduler */

enum probe_type {
        PROBE_STARTUP,
        PROBE_LIVENESS,
        PROBE_READINESS,
        _PROBE_TYPE_MAX,
        _PROBE_TYPE_INVALID = -EINVAL,
};

/* "Startup", "Liveness", "Readiness" (kubelet's event text: "Liveness probe failed: ..."). */
const char *probe_type_to_string(enum probe_type t);

/*
 * A probe's timing, the fields of a Kubernetes Probe; 0 stands for the
 * API's default (the minimum of each but initialDelaySeconds is 1).
 */
struct probe_timing {
        bool set;                      /* the container has this probe */
        int32_t initial_delay_seconds; /* 0 */
        int32_t period_seconds;        /* 10 */
        int32_t timeout_seconds;       /* 1 */
        int32_t success_threshold;     /* 1; must be 1 for liveness and startup */
        int32_t failure_threshold;     /* 3 */
};

/* One probe's state. */
struct probe_sched_probe {
        struct probe_timing t; /* defaults filled in */
        int64_t first_ns;      /* start + initial delay: ticks fall on first + k * period */
        int64_t next_ns;       /* the tick it runs at next */
        bool running;          /* handed out by probe_sched_due(), no result yet */
        enum probe_result last;
        int32_t run; /* results in a row equal to last */
};

/*
 * One container's probes. Caller-allocated; read it through the functions
 * below. Until the container has started (the startup probe succeeded, or
 * there is none), only the startup probe runs; then liveness and readiness
 * run, the startup probe no more. Ready: started, and the readiness probe
 * succeeded successThreshold times in a row since it last failed
 * failureThreshold times in a row (or there is no readiness probe).
 */
struct probe_sched {
        struct probe_sched_probe p[_PROBE_TYPE_MAX];
        bool running; /* between probe_sched_start() and probe_sched_stop() */
        bool started; /* the startup probe succeeded, or there is none */
        bool ready;
        bool on_hold; /* a restart was asked for: nothing runs until the next start */
};

/* What a call changed (a bit mask). */
enum {
        PROBE_SCHED_READY_CHANGED = 1U << 0,  /* probe_sched_ready() changed */
        PROBE_SCHED_STARTED = 1U << 1,        /* the startup probe succeeded, or there is none */
        PROBE_SCHED_RESTART = 1U << 2,        /* liveness or startup failed failureThreshold
                                                 times in a row: kill the container */
        PROBE_SCHED_STARTUP_FAILED = 1U << 3, /* with PROBE_SCHED_RESTART: it was the startup
                                                 probe (kubelet: "Startup probe failed") */
};

/*
 * Set up s for the probes of t (indexed by enum probe_type), stopped. 0 in
 * a field takes the default. Returns 0, or -EINVAL (a negative field, a
 * liveness or startup successThreshold other than 1) with *err.
 */
int probe_sched_init(struct probe_sched *s, const struct probe_timing t[_PROBE_TYPE_MAX],
                     struct berr **err);

/*
 * The container (re)started at now: every probe starts afresh, due at now +
 * initialDelaySeconds, then every periodSeconds. Returns the events of a
 * container without a startup probe (PROBE_SCHED_STARTED, and
 * PROBE_SCHED_READY_CHANGED without a readiness probe either).
 */
unsigned probe_sched_start(struct probe_sched *s, int64_t now);

/*
 * The container exited (or is being killed): nothing is due any more, not
 * ready. Results of runs still in flight are ignored from now on: free them.
 * Returns PROBE_SCHED_READY_CHANGED when it was ready.
 */
unsigned probe_sched_stop(struct probe_sched *s);

/*
 * When a probe is due next: the earliest tick of a probe that may run and
 * is not running, never before now; INT64_MAX when none will be (stopped,
 * on hold, or every probe running).
 */
int64_t probe_sched_next_deadline(const struct probe_sched *s, int64_t now);

/*
 * A probe due at now, marked running (its next tick is set: the first one
 * after now); call again for the next one. _PROBE_TYPE_INVALID when none is
 * due. Ticks missed while the caller was late are skipped, not made up.
 */
enum probe_type probe_sched_due(struct probe_sched *s, int64_t now);

/* The timeout of probe t in nanoseconds. */
int64_t probe_sched_timeout_ns(const struct probe_sched *s, enum probe_type t);

/*
 * The result of running probe t (handed out by probe_sched_due()) at now.
 * PROBE_ERROR is dropped, as kubelet drops it: it neither counts nor breaks
 * a run of results. A result for a probe that is not running (the
 * container restarted meanwhile) is ignored. Returns the events.
 */
unsigned probe_sched_result(struct probe_sched *s, enum probe_type t, enum probe_result r,
                            int64_t now);

/* Whether the container is ready (Ready condition, Service endpoints). */
bool probe_sched_ready(const struct probe_sched *s);

/* Whether the container has started (containerStatuses[].started). */
bool probe_sched_started(const struct probe_sched *s);

/*
 * A poll() timeout in milliseconds from now to deadline, rounded up (a
 * poll that wakes early would spin); 0 when it has passed, -1 for
 * INT64_MAX, at most INT32_MAX.
 */
int probe_poll_timeout_ms(int64_t deadline, int64_t now);
