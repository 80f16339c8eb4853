/*
 * tests/unit/runtime/test-probe.c: the probe scheduler on made-up times,
 * the HTTP response parser on made-up bytes, and the runners for real:
 * exec probes run commands, httpGet and tcpSocket probes reach a small
 * server that a child runs in a network namespace of its own (unshare, lo
 * brought up with SIOCSIFFLAGS), entered through /proc/PID/ns/net.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "runtime/backoff.h"
#include "runtime/probe.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define S(x) ((int64_t)(x)*BACKOFF_NSEC_PER_SEC)
#define MS(x) ((int64_t)(x)*1000000)

/* ------------------------------------------------------------- scheduler */

static const struct probe_timing none[_PROBE_TYPE_MAX] = {{0}};

static void
test_sched_defaults(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_timing t[_PROBE_TYPE_MAX] = {[PROBE_LIVENESS] = {.set = true}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, &err) == 0);
        check(s.p[PROBE_LIVENESS].t.period_seconds == 10);
        check(s.p[PROBE_LIVENESS].t.timeout_seconds == 1);
        check(s.p[PROBE_LIVENESS].t.success_threshold == 1);
        check(s.p[PROBE_LIVENESS].t.failure_threshold == 3);
        check(s.p[PROBE_LIVENESS].t.initial_delay_seconds == 0);
        check(probe_sched_timeout_ns(&s, PROBE_LIVENESS) == S(1));
        check(probe_sched_timeout_ns(&s, _PROBE_TYPE_INVALID) == 0);
        /* stopped: nothing is due before the container starts */
        check(probe_sched_next_deadline(&s, S(5)) == INT64_MAX);
        check(probe_sched_due(&s, S(5)) == _PROBE_TYPE_INVALID);
        check_str(probe_type_to_string(PROBE_LIVENESS), "Liveness");
        check(probe_type_to_string(_PROBE_TYPE_MAX) == NULL);
}

static void
test_sched_invalid(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL;
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_LIVENESS] = {.set = true, .success_threshold = 2}};
        struct probe_timing u[_PROBE_TYPE_MAX] = {
                [PROBE_READINESS] = {.set = true, .period_seconds = -1}};
        struct probe_sched s = {.ready = true};

        check(probe_sched_init(&s, t, &err) == -EINVAL);
        check(err && streq(err->msg, "Liveness probe: successThreshold must be 1, not 2"));
        check(probe_sched_init(&s, u, &err2) == -EINVAL);
        check(err2 && streq(err2->msg, "Readiness probe: a negative time or threshold"));
        /* s is left as it was */
        check(s.ready);
}

static void
test_sched_no_probes(void)
{
        struct probe_sched s;

        check(probe_sched_init(&s, none, NULL) == 0);
        check(!probe_sched_ready(&s) && !probe_sched_started(&s));
        /* ready once running */
        check(probe_sched_start(&s, S(100)) == (PROBE_SCHED_STARTED | PROBE_SCHED_READY_CHANGED));
        check(probe_sched_ready(&s) && probe_sched_started(&s));
        check(probe_sched_next_deadline(&s, S(100)) == INT64_MAX);
        check(probe_sched_due(&s, S(1000)) == _PROBE_TYPE_INVALID);
        check(probe_sched_stop(&s) == PROBE_SCHED_READY_CHANGED);
        check(!probe_sched_ready(&s));
        check(probe_sched_stop(&s) == 0);
}

static void
test_sched_liveness_period(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_LIVENESS] = {.set = true, .initial_delay_seconds = 5}};
        struct probe_sched s;
        unsigned ev;

        check(probe_sched_init(&s, t, NULL) == 0);
        /* no readiness probe: ready at once; liveness does not hold it back */
        ev = probe_sched_start(&s, S(100));
        check(ev == (PROBE_SCHED_STARTED | PROBE_SCHED_READY_CHANGED));
        check(probe_sched_next_deadline(&s, S(100)) == S(105));
        check(probe_sched_next_deadline(&s, S(200)) == S(200)); /* overdue: now */
        check(probe_sched_due(&s, S(104)) == _PROBE_TYPE_INVALID);
        check(probe_sched_due(&s, S(105)) == PROBE_LIVENESS);
        /* running: not handed out again, not waited for */
        check(probe_sched_due(&s, S(105)) == _PROBE_TYPE_INVALID);
        check(probe_sched_next_deadline(&s, S(105)) == INT64_MAX);
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_SUCCESS, S(106)) == 0);
        check(probe_sched_next_deadline(&s, S(106)) == S(115));
        /* a result for a probe that is not running is ignored */
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_FAILURE, S(107)) == 0);
        check(probe_sched_result(&s, PROBE_READINESS, PROBE_FAILURE, S(107)) == 0);
        check(probe_sched_result(&s, _PROBE_TYPE_INVALID, PROBE_FAILURE, S(107)) == 0);
}

/* hand out t at now and give it result r; the events */
static unsigned
probe_once(struct probe_sched *s, enum probe_type t, enum probe_result r, int64_t now)
{
        if (probe_sched_due(s, now) != t)
                return 0x8000;
        return probe_sched_result(s, t, r, now);
}

static void
test_sched_liveness_threshold(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_LIVENESS] = {.set = true, .period_seconds = 10, .failure_threshold = 3}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        (void)probe_sched_start(&s, 0);
        /* a success between failures starts the count again */
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(0)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(10)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_SUCCESS, S(20)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(30)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(40)) == 0);
        /* an error neither counts nor breaks the run */
        check(probe_once(&s, PROBE_LIVENESS, PROBE_ERROR, S(50)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(60)) == PROBE_SCHED_RESTART);
        /* on hold until the container starts again */
        check(probe_sched_next_deadline(&s, S(60)) == INT64_MAX);
        check(probe_sched_due(&s, S(1000)) == _PROBE_TYPE_INVALID);
        check(probe_sched_ready(&s));
        check(probe_sched_stop(&s) == PROBE_SCHED_READY_CHANGED);
        check(probe_sched_start(&s, S(2000)) == (PROBE_SCHED_STARTED | PROBE_SCHED_READY_CHANGED));
        /* counting starts afresh */
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(2000)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(2010)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(2020)) == PROBE_SCHED_RESTART);
}

static void
test_sched_readiness(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {[PROBE_READINESS] = {.set = true,
                                                                       .period_seconds = 5,
                                                                       .success_threshold = 2,
                                                                       .failure_threshold = 2}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        /* started, but not ready until the readiness probe says so */
        check(probe_sched_start(&s, 0) == PROBE_SCHED_STARTED);
        check(!probe_sched_ready(&s));
        check(probe_once(&s, PROBE_READINESS, PROBE_SUCCESS, S(0)) == 0);
        check(!probe_sched_ready(&s));
        check(probe_once(&s, PROBE_READINESS, PROBE_SUCCESS, S(5)) == PROBE_SCHED_READY_CHANGED);
        check(probe_sched_ready(&s));
        check(probe_once(&s, PROBE_READINESS, PROBE_SUCCESS, S(10)) == 0);
        check(probe_once(&s, PROBE_READINESS, PROBE_FAILURE, S(15)) == 0);
        check(probe_sched_ready(&s));
        check(probe_once(&s, PROBE_READINESS, PROBE_FAILURE, S(20)) == PROBE_SCHED_READY_CHANGED);
        check(!probe_sched_ready(&s));
        /* readiness never asks for a restart */
        check(probe_once(&s, PROBE_READINESS, PROBE_FAILURE, S(25)) == 0);
        check(probe_once(&s, PROBE_READINESS, PROBE_FAILURE, S(30)) == 0);
        check(probe_sched_next_deadline(&s, S(30)) == S(35));
        check(probe_once(&s, PROBE_READINESS, PROBE_SUCCESS, S(35)) == 0);
        check(probe_once(&s, PROBE_READINESS, PROBE_SUCCESS, S(40)) == PROBE_SCHED_READY_CHANGED);
}

static void
test_sched_startup_gates(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_STARTUP] = {.set = true, .period_seconds = 2, .failure_threshold = 30},
                [PROBE_LIVENESS] = {.set = true, .initial_delay_seconds = 1, .period_seconds = 10},
                [PROBE_READINESS] = {.set = true, .period_seconds = 3},
        };
        struct probe_sched s;
        unsigned ev;

        check(probe_sched_init(&s, t, NULL) == 0);
        check(probe_sched_start(&s, S(100)) == 0);
        check(!probe_sched_started(&s) && !probe_sched_ready(&s));
        /* only the startup probe runs */
        check(probe_sched_next_deadline(&s, S(100)) == S(100));
        check(probe_sched_due(&s, S(100)) == PROBE_STARTUP);
        check(probe_sched_due(&s, S(100)) == _PROBE_TYPE_INVALID);
        check(probe_sched_result(&s, PROBE_STARTUP, PROBE_FAILURE, S(100)) == 0);
        check(probe_sched_next_deadline(&s, S(100)) == S(102));
        check(probe_sched_due(&s, S(113)) == PROBE_STARTUP);
        ev = probe_sched_result(&s, PROBE_STARTUP, PROBE_SUCCESS, S(113));
        check(ev == PROBE_SCHED_STARTED);
        check(probe_sched_started(&s) && !probe_sched_ready(&s));
        /* readiness at once, liveness at its next tick (101 + 10k), startup no more */
        check(probe_sched_due(&s, S(113)) == PROBE_READINESS);
        check(probe_sched_due(&s, S(113)) == _PROBE_TYPE_INVALID);
        check(probe_sched_next_deadline(&s, S(113)) == S(121));
        check(probe_sched_result(&s, PROBE_READINESS, PROBE_SUCCESS, S(113)) ==
              PROBE_SCHED_READY_CHANGED);
        check(probe_sched_ready(&s));
        /* readiness ticks on from its start: 100 + 3k */
        check(probe_sched_next_deadline(&s, S(113)) == S(115));
        check(probe_sched_due(&s, S(121)) == PROBE_READINESS); /* due since 115 */
        check(probe_sched_due(&s, S(121)) == PROBE_LIVENESS);
        check(probe_sched_due(&s, S(121)) == _PROBE_TYPE_INVALID);
}

static void
test_sched_startup_fails(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_STARTUP] = {.set = true, .period_seconds = 1, .failure_threshold = 2},
                [PROBE_LIVENESS] = {.set = true},
        };
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        check(probe_sched_start(&s, 0) == 0);
        check(probe_once(&s, PROBE_STARTUP, PROBE_FAILURE, S(0)) == 0);
        check(probe_once(&s, PROBE_STARTUP, PROBE_FAILURE, S(1)) ==
              (PROBE_SCHED_RESTART | PROBE_SCHED_STARTUP_FAILED));
        check(!probe_sched_started(&s));
        check(probe_sched_due(&s, S(100)) == _PROBE_TYPE_INVALID);
        /* a restart: the startup probe runs again from the new start */
        (void)probe_sched_stop(&s);
        check(probe_sched_start(&s, S(200)) == 0);
        check(probe_sched_due(&s, S(200)) == PROBE_STARTUP);
}

static void
test_sched_startup_without_readiness(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {[PROBE_STARTUP] = {.set = true}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        check(probe_sched_start(&s, 0) == 0);
        check(!probe_sched_ready(&s));
        check(probe_once(&s, PROBE_STARTUP, PROBE_SUCCESS, S(0)) ==
              (PROBE_SCHED_STARTED | PROBE_SCHED_READY_CHANGED));
        check(probe_sched_ready(&s));
        /* nothing runs any more */
        check(probe_sched_next_deadline(&s, S(1)) == INT64_MAX);
}

static void
test_sched_late(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_LIVENESS] = {.set = true, .period_seconds = 10, .timeout_seconds = 30}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        (void)probe_sched_start(&s, 0);
        /* the loop was 55 s late: one run now, then the tick after now (60), none made up */
        check(probe_sched_due(&s, S(55)) == PROBE_LIVENESS);
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_SUCCESS, S(56)) == 0);
        check(probe_sched_next_deadline(&s, S(56)) == S(60));
        /* a run longer than the period (timeout 30 s): due again once it is back */
        check(probe_sched_due(&s, S(60)) == PROBE_LIVENESS);
        check(probe_sched_next_deadline(&s, S(85)) == INT64_MAX);
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_SUCCESS, S(85)) == 0);
        check(probe_sched_next_deadline(&s, S(85)) == S(85));
        check(probe_sched_due(&s, S(85)) == PROBE_LIVENESS);
        check(probe_sched_next_deadline(&s, S(85)) == INT64_MAX);
        check(s.p[PROBE_LIVENESS].next_ns == S(90));
}

static void
test_sched_stale_result(void)
{
        struct probe_timing t[_PROBE_TYPE_MAX] = {
                [PROBE_LIVENESS] = {.set = true, .failure_threshold = 1}};
        struct probe_sched s;

        check(probe_sched_init(&s, t, NULL) == 0);
        (void)probe_sched_start(&s, 0);
        check(probe_sched_due(&s, 0) == PROBE_LIVENESS);
        /* the container exits while the probe runs: its result is dropped */
        (void)probe_sched_stop(&s);
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_FAILURE, S(1)) == 0);
        (void)probe_sched_start(&s, S(2));
        check(probe_sched_result(&s, PROBE_LIVENESS, PROBE_FAILURE, S(2)) == 0);
        check(probe_once(&s, PROBE_LIVENESS, PROBE_FAILURE, S(2)) == PROBE_SCHED_RESTART);
}

static void
test_poll_timeout(void)
{
        check(probe_poll_timeout_ms(INT64_MAX, 0) == -1);
        check(probe_poll_timeout_ms(S(1), S(2)) == 0);
        check(probe_poll_timeout_ms(S(1), S(1)) == 0);
        check(probe_poll_timeout_ms(S(1) + 1, S(1)) == 1);
        check(probe_poll_timeout_ms(MS(1500), 0) == 1500);
        check(probe_poll_timeout_ms(INT64_MAX - 1, 0) == INT32_MAX);
        check(probe_poll_timeout_ms(INT64_MAX - 1, INT64_MIN) == INT32_MAX);
}

/* ------------------------------------------------------------ HTTP parser */

static int
parse(const char *s, struct probe_http_head *h)
{
        return probe_http_parse(s, strlen(s), h);
}

static void
test_http_parse(void)
{
        struct probe_http_head h;
        const char *s;

        check(parse("HTTP/1.1 200 OK\r\n\r\n", &h) == 0);
        check(h.status == 200 && h.head_len == 19);
        /* bare LF, no reason phrase, more after the head */
        check(parse("HTTP/1.0 302\nLocation: /x\n\nbody", &h) == 0);
        check(h.status == 302 && h.head_len == 27);
        check(parse("HTTP/1.1 000 zero\r\n\r\n", &h) == 0 && h.status == 0);
        /* headers Go takes: an empty name is skipped, folded lines, obs-text */
        s = "HTTP/1.1 204 No Content\r\n: odd\r\nX-A: 1\r\n  folded\r\nX-B: caf\xc3\xa9\t\r\n\r\n";
        check(parse(s, &h) == 0 && h.status == 204 && h.head_len == strlen(s));

        /* not yet */
        check(parse("", &h) == -EAGAIN && h.status == 0);
        check(parse("HTTP/1.1 200 O", &h) == -EAGAIN && h.status == 0);
        check(parse("HTTP/1.1 503 Busy\r\nRetry-Af", &h) == -EAGAIN && h.status == 503);
        check(parse("HTTP/1.1 200 OK\r\nA: b\r\n", &h) == -EAGAIN && h.status == 200);

        /* interim heads are skipped; 101 is final */
        s = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            "HTTP/1.1 404 Not Found\r\n\r\n";
        check(parse(s, &h) == 0 && h.status == 404 && h.head_len == strlen(s));
        check(parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2", &h) == -EAGAIN && h.status == 0);
        check(parse("HTTP/1.1 101 Switching Protocols\r\n\r\n", &h) == 0 && h.status == 101);
        check(parse("HTTP/1.1 199 Odd\r\n\r\n", &h) == -EAGAIN && h.status == 0);
}

static void
check_bad(const char *s, const char *what, const char *line)
{
        struct probe_http_head h;

        check(parse(s, &h) == -EBADMSG);
        if (!h.what || !streq(h.what, what))
                fprintf(stderr, "    input: %s\n", s);
        check_str(h.what, what);
        if (line) {
                check(h.line && h.line_len == strlen(line) &&
                      memcmp(h.line, line, h.line_len) == 0);
        } else {
                check(h.line == NULL);
        }
}

static void
test_http_parse_bad(void)
{
        /* Go reads the word after the first space as the code */
        check_bad("hello there\r\n\r\n", "malformed HTTP status code", "there");
        check_bad("garbage\n", "malformed HTTP response", "garbage");
        check_bad("\r\n", "malformed HTTP response", "");
        check_bad("HTTP/1.1 20 OK\r\n", "malformed HTTP status code", "20");
        check_bad("HTTP/1.1 2x0 OK\r\n", "malformed HTTP status code", "2x0");
        check_bad("HTTP/1.1 2000\r\n", "malformed HTTP status code", "2000");
        check_bad("HTTP/1.1 \r\n", "malformed HTTP status code", "");
        check_bad("HTTP/11 200 OK\r\n", "malformed HTTP version", "HTTP/11");
        check_bad("ICY 200 OK\r\n", "malformed HTTP version", "ICY");
        check_bad("http/1.1 200 OK\r\n", "malformed HTTP version", "http/1.1");
        check_bad("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed MIME header line",
                  "Bad Name: x");
        check_bad("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "malformed MIME header line", "NoColon");
        check_bad("HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n", "malformed MIME header line",
                  "X: a\x01z");
        check_bad("HTTP/1.1 200 OK\r\n folded\r\n\r\n", "malformed MIME header initial line",
                  " folded");
        check_bad("HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
                  "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n",
                  "too many 1xx informational responses", NULL);
}

#define URL "http://127.0.0.1:8080/healthz"

/* the bytes of s at dst, without its NUL */
static void
put(char *dst, const char *s)
{
        for (; *s; s++)
                *dst++ = *s;
}

static void
check_outcome(const char *resp, bool eof, enum probe_result r, const char *msg)
{
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};

        check(probe_http_outcome(URL, resp, strlen(resp), eof, &o) == 1);
        check(o.result == r);
        check_str(o.msg, msg);
}

static void
test_http_outcome(void)
{
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};
        _cleanup_free_ char *big = malloc(PROBE_HTTP_READ_MAX);

        check_outcome("HTTP/1.1 200 OK\r\n\r\n", false, PROBE_SUCCESS, "");
        check_outcome("HTTP/1.1 301 Moved\r\nLocation: /\r\n\r\n", false, PROBE_SUCCESS, "");
        check_outcome("HTTP/1.1 399 ?\r\n\r\n", false, PROBE_SUCCESS, "");
        check_outcome("HTTP/1.1 101 Switching\r\n\r\n", false, PROBE_FAILURE,
                      "HTTP probe failed with statuscode: 101");
        check_outcome("HTTP/1.1 400 Bad\r\n\r\n", false, PROBE_FAILURE,
                      "HTTP probe failed with statuscode: 400");
        check_outcome("HTTP/1.1 500 Oops\r\n\r\n", true, PROBE_FAILURE,
                      "HTTP probe failed with statuscode: 500");
        check_outcome("", true, PROBE_FAILURE, "Get \"" URL "\": EOF");
        check_outcome("HTTP/1.1 200 OK\r\n", true, PROBE_FAILURE,
                      "Get \"" URL "\": unexpected EOF");
        check_outcome("he\"l\\lo\x01\xff\r\n", false, PROBE_FAILURE,
                      "Get \"" URL "\": malformed HTTP response \"he\\\"l\\\\lo\\x01\\xff\"");
        check_outcome("0123456789012345678901234567890123456789012345678901234567890123\n", false,
                      PROBE_FAILURE,
                      "Get \"" URL "\": malformed HTTP response "
                      "\"012345678901234567890123456789012345678901234567...\"");
        check_outcome("HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n"
                      "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 A\r\n\r\n",
                      false, PROBE_FAILURE,
                      "Get \"" URL "\": net/http: too many 1xx informational responses");
        /* more to come */
        check(probe_http_outcome(URL, "HTTP/1.1 200 OK\r\n", 17, false, &o) == 0);
        check(o.result == _PROBE_RESULT_INVALID);

        /* 10 KiB and no end of the head: the status line decides */
        check(big != NULL);
        if (!big)
                return;
        memset(big, 'a', PROBE_HTTP_READ_MAX);
        put(big, "HTTP/1.1 204 OK\r\nX: ");
        check(probe_http_outcome(URL, big, PROBE_HTTP_READ_MAX, false, &o) == 1);
        check(o.result == PROBE_SUCCESS);
        put(big, "HTTP/1.1 418 OK\r\nX: ");
        check(probe_http_outcome(URL, big, PROBE_HTTP_READ_MAX, false, &o) == 1);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "HTTP probe failed with statuscode: 418");
        put(big, "HTTP/1.1 204 OK aaaa");
        check(probe_http_outcome(URL, big, PROBE_HTTP_READ_MAX, false, &o) == 1);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "Get \"" URL "\": the status line is longer than 10240 bytes");
}

/* ---------------------------------------------------------------- actions */

static void
check_refused(const struct probe_action *a, int code, const char *msg)
{
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL;
        struct probe_run *run = NULL;

        check(probe_action_check(a, &err) == code);
        check(err && streq(err->msg, msg));
        if (err && !streq(err->msg, msg))
                fprintf(stderr, "    got: %s\n", err->msg);
        check(probe_start(a, -1, S(1), &run, &err2) == code);
        check(run == NULL);
}

static void
test_action_check(void)
{
        static char *const argv[] = {"/bin/true", NULL};
        static const struct probe_http_header crlf[] = {{"X-A", "1\r\nX-B: 2"}};
        static const struct probe_http_header space[] = {{"X A", "1"}};
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_run *run = NULL;
        struct probe_action a;

        a = (struct probe_action){.kind = PROBE_HTTP_GET, .port = 80, .scheme = "HTTPS"};
        check_refused(&a, -EOPNOTSUPP,
                      "httpGet probe: scheme HTTPS: berth-monitor has no TLS: Operation not "
                      "supported");
        a = (struct probe_action){.kind = PROBE_HTTP_GET, .port = 80, .scheme = "FTP"};
        check_refused(&a, -EINVAL, "httpGet probe: scheme \"FTP\" is not valid, expected HTTP");
        a = (struct probe_action){.kind = PROBE_TCP_SOCKET, .port = 80, .host = "localhost"};
        check_refused(&a, -EINVAL,
                      "tcpSocket probe: host \"localhost\" is not an IP address (berth-monitor "
                      "resolves no names)");
        a = (struct probe_action){.kind = PROBE_TCP_SOCKET, .port = 80, .host = "[::1]"};
        check_refused(&a, -EINVAL,
                      "tcpSocket probe: host \"[::1]\" is not an IP address (berth-monitor "
                      "resolves no names)");
        a = (struct probe_action){.kind = PROBE_TCP_SOCKET};
        check_refused(&a, -EINVAL, "tcpSocket probe: port 0 is out of range, expected 1-65535");
        a = (struct probe_action){
                .kind = PROBE_HTTP_GET, .port = 80, .headers = crlf, .n_headers = 1};
        check_refused(&a, -EINVAL, "httpGet probe: httpHeaders[0].value holds a control character");
        a = (struct probe_action){
                .kind = PROBE_HTTP_GET, .port = 80, .headers = space, .n_headers = 1};
        check_refused(&a, -EINVAL,
                      "httpGet probe: httpHeaders[0].name \"X A\" is not a valid header name");
        a = (struct probe_action){.kind = PROBE_EXEC};
        check_refused(&a, -EINVAL, "exec probe: no command");
        a = (struct probe_action){.kind = _PROBE_KIND_MAX};
        check_refused(&a, -EINVAL, "probe: kind 4 is not exec, httpGet, tcpSocket or grpc");

        /* what is fine */
        a = (struct probe_action){
                .kind = PROBE_HTTP_GET, .port = 8080, .scheme = "http", .host = "fd00::1"};
        check(probe_action_check(&a, NULL) == 0);
        a = (struct probe_action){.kind = PROBE_EXEC, .argv = argv};
        check(probe_action_check(&a, NULL) == 0);
        check(probe_start(&a, -1, 999999, &run, &err) == -EINVAL);
        check(err && streq(err->msg, "exec probe: a timeout of 999999 ns is too short"));
}

/* ------------------------------------------------------------------- exec */

static int64_t
mono(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return backoff_ns_from_timespec(&t);
}

/* run argv as an exec probe; the outcome, the time it took in *ret_ns */
static struct probe_outcome
run_exec(char *const *argv, char *const *envp, const char *label, int64_t timeout, int64_t *ret_ns)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_action a = {.kind = PROBE_EXEC, .argv = argv, .envp = envp, .label = label};
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};
        int64_t t0 = mono();

        check(probe_run(&a, -1, timeout, &o, &err) == 0);
        if (err)
                fprintf(stderr, "    %s\n", err->msg);
        if (ret_ns)
                *ret_ns = mono() - t0;
        return o;
}

static void
test_exec_true_false(void)
{
        char *const t[] = {"/bin/true", NULL}, *const f[] = {"/bin/false", NULL};
        struct probe_outcome o;

        o = run_exec(t, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "");
        o = run_exec(f, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "command \"/bin/false\" exited with status 1");
}

static void
test_exec_timeout(void)
{
        char *const argv[] = {"/bin/sleep", "5", NULL};
        struct probe_outcome o;
        int64_t took = 0;

        o = run_exec(argv, NULL, "sleep 5", S(1), &took);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "command \"sleep 5\" timed out");
        check(took >= S(1) && took < MS(1900));
}

/* a command that starts more in its group: the kill at the timeout takes them all */
static void
test_exec_timeout_kills_group(void)
{
        char path[] = "/tmp/berth-test-probe-XXXXXX", script[256], buf[32] = "";
        char *const argv[] = {"/bin/sh", "-c", script, NULL};
        struct probe_outcome o;
        pid_t bg = 0, w;
        int fd, st = 0;

        fd = mkstemp(path);
        check(fd >= 0);
        if (fd < 0)
                return;
        (void)close(fd);
        /* the orphaned sleep comes to us: we can see how it ended */
        check(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
        snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", path);
        o = run_exec(argv, NULL, NULL, MS(500), NULL);
        check(o.result == PROBE_FAILURE);
        check(strstr(o.msg, "timed out") != NULL);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        check(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0);
        if (fd >= 0)
                (void)close(fd);
        bg = (pid_t)atoi(buf);
        check(bg > 0);
        if (bg > 0) {
                do
                        w = waitpid(bg, &st, 0);
                while (w < 0 && errno == EINTR);
                check(w == bg && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        }
        (void)prctl(PR_SET_CHILD_SUBREAPER, 0);
        (void)unlink(path);
}

static void
test_exec_output(void)
{
        char *const fail[] = {"/bin/sh", "-c", "echo 'not ok:'; echo '  disk full' >&2; exit 3",
                              NULL};
        char *const ok[] = {"/bin/sh", "-c", "printf 'caf\\303\\251\\tis\\377 open\\n'", NULL};
        char *const lots[] = {"/bin/sh", "-c",
                              "i=0; while [ $i -lt 2000 ]; do echo "
                              "0123456789; i=$((i+1)); done; exit 1",
                              NULL};
        struct probe_outcome o;

        o = run_exec(fail, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "not ok: disk full");
        /* UTF-8 kept, a bad byte shown as '?', controls as spaces */
        o = run_exec(ok, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "caf\xc3\xa9 is? open");
        /* much more output than a message holds: read on, keep the start */
        o = run_exec(lots, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check(strncmp(o.msg, "0123456789 0123456789 ", 22) == 0);
        check(strlen(o.msg) < PROBE_MSG_MAX);
}

static void
test_exec_environment(void)
{
        char *const argv[] = {"/bin/sh", "-c", "test \"$FOO\" = bar && test -z \"$HOME\"", NULL};
        char *const env[] = {"FOO=bar", NULL};
        /* stdin is /dev/null: read gets EOF at once, it does not wait */
        char *const in[] = {"/bin/sh", "-c", "read x", NULL};
        char *const fds[] = {"/bin/sh", "-c", "test ! -e /proc/self/fd/3", NULL};
        char *const missing[] = {"/nonexistent/probe", NULL};
        struct probe_outcome o;
        int64_t took = 0;
        int keep;

        o = run_exec(argv, env, NULL, S(5), NULL);
        check(o.result == PROBE_SUCCESS);
        o = run_exec(argv, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        o = run_exec(in, NULL, NULL, S(5), &took);
        check(o.result == PROBE_FAILURE && took < S(2));
        /* no fd of ours reaches the command */
        keep = open("/dev/null", O_RDONLY); /* without O_CLOEXEC, on purpose */
        check(keep >= 0);
        o = run_exec(fds, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_SUCCESS);
        if (keep >= 0)
                (void)close(keep);
        o = run_exec(missing, NULL, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "exec /nonexistent/probe: No such file or directory");
}

/* the monitor ignores SIGPIPE; the command gets the default back */
static void
test_exec_signals_reset(void)
{
        char *const argv[] = {"/bin/sh", "-c", "kill -PIPE $$; exit 0", NULL};
        struct probe_outcome o;
        struct sigaction old, ign = {.sa_handler = SIG_IGN};

        check(sigaction(SIGPIPE, &ign, &old) == 0);
        o = run_exec(argv, NULL, "kill -PIPE", S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "command \"kill -PIPE\" was killed by signal 13");
        (void)sigaction(SIGPIPE, &old, NULL);
}

/*
 * As the monitor runs them: SIGCHLD blocked, and a loop that reaps every
 * child with waitpid(-1) before it collects. The exit status still comes
 * through.
 */
static void
test_exec_reaped_by_caller(void)
{
        char *const f[] = {"/bin/sh", "-c", "exit 3", NULL};
        char *const t[] = {"/bin/true", NULL};
        struct probe_action a[2] = {{.kind = PROBE_EXEC, .argv = f},
                                    {.kind = PROBE_EXEC, .argv = t}};
        struct probe_run *run[2] = {NULL, NULL};
        struct probe_outcome o[2] = {{.result = _PROBE_RESULT_INVALID},
                                     {.result = _PROBE_RESULT_INVALID}};
        bool got[2] = {false, false};
        sigset_t mask, old;
        int reaped = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        check(sigprocmask(SIG_BLOCK, &mask, &old) == 0);
        for (int i = 0; i < 2; i++)
                check(probe_start(&a[i], -1, S(5), &run[i], NULL) == 0);
        while ((!got[0] || !got[1]) && run[0] && run[1]) {
                struct pollfd p[2] = {{.fd = probe_run_fd(run[0]), .events = POLLIN},
                                      {.fd = probe_run_fd(run[1]), .events = POLLIN}};
                int64_t now = mono();
                int st;

                check(poll(p, 2, 100) >= 0);
                /* the worker is gone before its result is read */
                usleep(20000);
                while (waitpid(-1, &st, WNOHANG) > 0)
                        reaped++;
                for (int i = 0; i < 2; i++)
                        if (!got[i] && probe_run_collect(run[i], now, &o[i]) == 1)
                                got[i] = true;
        }
        check(reaped >= 1);
        check(o[0].result == PROBE_FAILURE);
        check_str(o[0].msg, "command \"/bin/sh -c exit 3\" exited with status 3");
        check(o[1].result == PROBE_SUCCESS);
        for (int i = 0; i < 2; i++)
                run[i] = probe_run_free(run[i]); /* the workers are reaped already: no hang */
        check(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
}

/* ---------------------------------------------------------- network probes */

#define HTTP_PORT 8080
#define TCP_PORT 9090
#define CLOSED_PORT 9091

static struct {
        pid_t pid;
        int nsfd;
        bool ipv6;
        const char *skip;
} srv = {.nsfd = -EBADF};

static int
lo_up(void)
{
        struct ifreq ifr = {0};
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

        if (fd < 0)
                return -1;
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
                ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
                r = ioctl(fd, SIOCSIFFLAGS, &ifr);
        }
        (void)close(fd);
        return r;
}

static int
listen_on(int family, const char *ip, uint16_t port)
{
        struct sockaddr_storage ss = {0};
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
        socklen_t len;

        if (fd < 0)
                return -1;
        if (family == AF_INET) {
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                inet_pton(AF_INET, ip, &in->sin_addr);
                len = sizeof(*in);
        } else {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                inet_pton(AF_INET6, ip, &in6->sin6_addr);
                len = sizeof(*in6);
                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        }
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0) {
                (void)close(fd);
                return -1;
        }
        return fd;
}

static void
send_str(int fd, const char *s)
{
        (void)send(fd, s, strlen(s), MSG_NOSIGNAL);
}

static bool
has(const char *req, const char *line)
{
        return strstr(req, line) != NULL;
}

/* Answer one request by its path; true: keep the connection open, unanswered. */
static bool
serve(int c)
{
        struct timeval tv = {.tv_sec = 2};
        char req[8192], path[256] = "";
        size_t len = 0;

        (void)setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        while (len < sizeof(req) - 1) {
                ssize_t n = recv(c, req + len, sizeof(req) - 1 - len, 0);

                if (n <= 0)
                        break;
                len += (size_t)n;
                req[len] = '\0';
                if (strstr(req, "\r\n\r\n"))
                        break;
        }
        req[len] = '\0';
        if (sscanf(req, "GET %255s HTTP/1.1\r\n", path) != 1)
                return false;
        if (streq(path, "/hang"))
                return true;
        if (streq(path, "/200")) {
                send_str(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        } else if (streq(path, "/301")) {
                send_str(c, "HTTP/1.1 301 Moved Permanently\r\nLocation: /200\r\n\r\n");
        } else if (streq(path, "/404")) {
                send_str(c, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        } else if (streq(path, "/500")) {
                send_str(c, "HTTP/1.1 500 Internal Server Error\r\n\r\n");
        } else if (streq(path, "/garbage")) {
                send_str(c, "SSH-2.0-OpenSSH_9.2\r\n");
        } else if (streq(path, "/half")) {
                send_str(c, "HTTP/1.1 200 OK\r\nContent-");
        } else if (streq(path, "/continue")) {
                send_str(c, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
        } else if (streq(path, "/big")) {
                char pad[1024];

                memset(pad, 'a', sizeof(pad));
                put(pad, "X-Pad: ");
                put(pad + sizeof(pad) - 2, "\r\n");
                send_str(c, "HTTP/1.1 202 Accepted\r\n");
                for (int i = 0; i < 20; i++)
                        (void)send(c, pad, sizeof(pad), MSG_NOSIGNAL);
                send_str(c, "\r\n");
        } else if (streq(path, "/headers")) {
                bool good = has(req, "\r\nHost: 127.0.0.1:8080\r\n") &&
                            has(req, "\r\nUser-Agent: kube-probe/1.30\r\n") &&
                            has(req, "\r\nAccept: */*\r\n") && has(req, "\r\nX-Probe: yes\r\n") &&
                            has(req, "\r\nConnection: close\r\n");

                send_str(c, good ? "HTTP/1.1 200 OK\r\n\r\n" : "HTTP/1.1 418 Teapot\r\n\r\n");
        } else if (streq(path, "/override")) {
                bool good = has(req, "\r\nHost: example.com\r\n") &&
                            has(req, "\r\nUser-Agent: mine\r\n") && !has(req, "kube-probe") &&
                            !has(req, "Accept");

                send_str(c, good ? "HTTP/1.1 200 OK\r\n\r\n" : "HTTP/1.1 418 Teapot\r\n\r\n");
        } else if (streq(path, "/a%20b%22c?q=1%202")) {
                send_str(c, "HTTP/1.1 200 OK\r\n\r\n");
        } else if (streq(path, "/v6")) {
                send_str(c, has(req, "\r\nHost: [::1]:8080\r\n") ? "HTTP/1.1 200 OK\r\n\r\n"
                                                                 : "HTTP/1.1 418 Teapot\r\n\r\n");
        } else if (streq(path, "/close")) {
                /* nothing */
        } else {
                send_str(c, "HTTP/1.1 400 Bad Request\r\n\r\n");
        }
        return false;
}

static void __attribute__((noreturn)) server_main(int ready_fd)
{
        int l[3], held = 0;
        char ok;

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
                (void)write(ready_fd, "E", 1);
                _exit(1);
        }
        l[0] = listen_on(AF_INET, "127.0.0.1", HTTP_PORT);
        l[1] = listen_on(AF_INET, "127.0.0.1", TCP_PORT);
        l[2] = listen_on(AF_INET6, "::1", HTTP_PORT);
        if (l[0] < 0 || l[1] < 0) {
                (void)write(ready_fd, "E", 1);
                _exit(1);
        }
        ok = l[2] >= 0 ? '6' : '4';
        (void)write(ready_fd, &ok, 1);
        (void)close(ready_fd);
        for (;;) {
                struct pollfd p[3] = {{.fd = l[0], .events = POLLIN},
                                      {.fd = l[1], .events = POLLIN},
                                      {.fd = l[2], .events = POLLIN}};

                if (poll(p, 3, -1) < 0)
                        continue;
                for (int i = 0; i < 3; i++) {
                        int c;

                        if (!(p[i].revents & POLLIN))
                                continue;
                        c = accept4(l[i], NULL, NULL, SOCK_CLOEXEC);
                        if (c < 0)
                                continue;
                        /* tcpSocket: the connection is the answer; a held one stays open */
                        if (i != 1 && serve(c) && held < 64)
                                held++;
                        else
                                (void)close(c);
                }
        }
}

static void
server_start(void)
{
        char path[64], ok = 0;
        int p[2];

        if (geteuid() != 0) {
                srv.skip = "needs root (unshare CLONE_NEWNET)";
                return;
        }
        if (pipe2(p, O_CLOEXEC) < 0) {
                srv.skip = "pipe failed";
                return;
        }
        srv.pid = fork();
        if (srv.pid == 0) {
                (void)close(p[0]);
                server_main(p[1]);
        }
        (void)close(p[1]);
        if (srv.pid < 0 || read(p[0], &ok, 1) != 1 || ok == 'E') {
                srv.skip = "no network namespace for the test server";
                (void)close(p[0]);
                return;
        }
        (void)close(p[0]);
        srv.ipv6 = ok == '6';
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)srv.pid);
        srv.nsfd = open(path, O_RDONLY | O_CLOEXEC);
        if (srv.nsfd < 0)
                srv.skip = "cannot open the server's network namespace";
}

static void
server_stop(void)
{
        int st;

        if (srv.nsfd >= 0)
                (void)close(srv.nsfd);
        if (srv.pid > 0) {
                (void)kill(srv.pid, SIGKILL);
                (void)waitpid(srv.pid, &st, 0);
        }
}

static ino_t
own_netns(void)
{
        struct stat st;

        return stat("/proc/self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static struct probe_outcome
run_net(const struct probe_action *a, int64_t timeout, int64_t *ret_ns)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};
        ino_t before = own_netns();
        int64_t t0 = mono();

        check(probe_run(a, srv.nsfd, timeout, &o, &err) == 0);
        if (err)
                fprintf(stderr, "    %s\n", err->msg);
        if (ret_ns)
                *ret_ns = mono() - t0;
        /* the probe ran in the server's namespace, never in ours */
        check(before != 0 && own_netns() == before);
        return o;
}

static struct probe_outcome
http_get(const char *path, int64_t timeout, int64_t *ret_ns)
{
        struct probe_action a = {.kind = PROBE_HTTP_GET, .port = HTTP_PORT, .path = path};

        return run_net(&a, timeout, ret_ns);
}

static void
check_http(const char *path, enum probe_result r, const char *msg)
{
        struct probe_outcome o = http_get(path, S(5), NULL);

        check(o.result == r);
        check_str(o.msg, msg);
}

static void
test_tcp(void)
{
        struct probe_action a = {.kind = PROBE_TCP_SOCKET, .port = TCP_PORT};
        struct probe_outcome o;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "");
        a.host = "127.0.0.1";
        check(run_net(&a, S(2), NULL).result == PROBE_SUCCESS);
        a.port = CLOSED_PORT;
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "dial tcp 127.0.0.1:9091: connect: connection refused");
        /* the namespace has lo alone */
        a.host = "10.1.2.3";
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "dial tcp 10.1.2.3:9091: connect: network is unreachable");
        a = (struct probe_action){.kind = PROBE_TCP_SOCKET, .port = HTTP_PORT, .host = "::1"};
        if (srv.ipv6) {
                check(run_net(&a, S(2), NULL).result == PROBE_SUCCESS);
                a.port = CLOSED_PORT;
                o = run_net(&a, S(2), NULL);
                check_str(o.msg, "dial tcp [::1]:9091: connect: connection refused");
        }
}

static void
test_netns_entered(void)
{
        struct probe_action a = {.kind = PROBE_TCP_SOCKET, .port = TCP_PORT};
        _cleanup_close_ int bad = -EBADF;
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        /* a namespace fd that is no namespace: an error, not a failure */
        bad = open("/dev/null", O_RDONLY | O_CLOEXEC);
        check(bad >= 0);
        check(probe_run(&a, bad, S(2), &o, NULL) == 0);
        check(o.result == PROBE_ERROR);
        check_str(o.msg, "tcpSocket probe: enter the container's network namespace: Invalid "
                         "argument");
        /* the same probe reaches the server only through its namespace */
        check(run_net(&a, S(2), NULL).result == PROBE_SUCCESS);
}

static void
test_http_status(void)
{
        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        check_http("/200", PROBE_SUCCESS, "");
        check_http("/301", PROBE_SUCCESS, "");
        check_http("/404", PROBE_FAILURE, "HTTP probe failed with statuscode: 404");
        check_http("/500", PROBE_FAILURE, "HTTP probe failed with statuscode: 500");
        check_http("/continue", PROBE_SUCCESS, "");
        /* the head goes on past 10 KiB: its status line decides */
        check_http("/big", PROBE_SUCCESS, "");
}

static void
test_http_broken(void)
{
        struct probe_action a = {.kind = PROBE_HTTP_GET, .port = CLOSED_PORT, .path = "/x"};
        struct probe_outcome o;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        check_http("/garbage", PROBE_FAILURE,
                   "Get \"http://127.0.0.1:8080/garbage\": malformed HTTP response "
                   "\"SSH-2.0-OpenSSH_9.2\"");
        check_http("/half", PROBE_FAILURE, "Get \"http://127.0.0.1:8080/half\": unexpected EOF");
        check_http("/close", PROBE_FAILURE, "Get \"http://127.0.0.1:8080/close\": EOF");
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "Get \"http://127.0.0.1:9091/x\": dial tcp 127.0.0.1:9091: connect: "
                         "connection refused");
}

static void
test_http_timeout(void)
{
        struct probe_outcome o;
        int64_t took = 0;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        o = http_get("/hang", S(1), &took);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "Get \"http://127.0.0.1:8080/hang\": context deadline exceeded "
                         "(Client.Timeout exceeded while awaiting headers)");
        check(took >= S(1) && took < MS(1900));
}

static void
test_http_request(void)
{
        static const struct probe_http_header h1[] = {{"X-Probe", "yes"}};
        static const struct probe_http_header h2[] = {
                {"Host", "example.com"}, {"user-agent", "mine"}, {"Accept", ""}, {"accept", "x"}};
        struct probe_action a = {.kind = PROBE_HTTP_GET,
                                 .port = HTTP_PORT,
                                 .path = "/headers",
                                 .headers = h1,
                                 .n_headers = 1};
        struct probe_outcome o;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "");
        a.path = "/override";
        a.headers = h2;
        a.n_headers = 4;
        a.scheme = "HTTP";
        o = run_net(&a, S(2), NULL);
        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "");
        /* escaped as a request line needs; no leading slash; the fragment stays home */
        check_http("a b\"c?q=1 2#frag", PROBE_SUCCESS, "");
        /* an empty path asks for / (the server says 400 to it) */
        check_http("", PROBE_FAILURE, "HTTP probe failed with statuscode: 400");
        if (srv.ipv6) {
                a = (struct probe_action){
                        .kind = PROBE_HTTP_GET, .port = HTTP_PORT, .host = "::1", .path = "/v6"};
                check(run_net(&a, S(2), NULL).result == PROBE_SUCCESS);
        }
}

/* several probes at once, as the monitor's loop runs them */
static void
test_async(void)
{
        char *const argv[] = {"/bin/true", NULL};
        struct probe_action a[3] = {
                {.kind = PROBE_HTTP_GET, .port = HTTP_PORT, .path = "/hang"},
                {.kind = PROBE_EXEC, .argv = argv},
                {.kind = PROBE_TCP_SOCKET, .port = TCP_PORT},
        };
        struct probe_run *run[3] = {NULL, NULL, NULL};
        struct probe_outcome o[3];
        bool got[3] = {false, false, false};
        int64_t t0 = mono(), deadline;
        int left = 3;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        for (int i = 0; i < 3; i++)
                check(probe_start(&a[i], srv.nsfd, MS(700), &run[i], NULL) == 0);
        if (!run[0] || !run[1] || !run[2])
                goto out;
        /* the monitor's backstop: the timeout and a second */
        deadline = probe_run_deadline(run[0]);
        check(deadline > t0 + MS(1700) && deadline < mono() + MS(1700));
        while (left > 0 && mono() - t0 < S(5)) {
                struct pollfd p[3];
                int64_t now = mono(), next = INT64_MAX;

                for (int i = 0; i < 3; i++) {
                        p[i] = (struct pollfd){.fd = got[i] ? -1 : probe_run_fd(run[i]),
                                               .events = POLLIN};
                        if (!got[i] && probe_run_deadline(run[i]) < next)
                                next = probe_run_deadline(run[i]);
                }
                check(poll(p, 3, probe_poll_timeout_ms(next, now)) >= 0);
                now = mono();
                for (int i = 0; i < 3; i++)
                        if (!got[i] && (p[i].revents || now >= probe_run_deadline(run[i])) &&
                            probe_run_collect(run[i], now, &o[i]) == 1) {
                                got[i] = true;
                                left--;
                        }
        }
        check(left == 0);
        check(got[1] && got[2] && o[1].result == PROBE_SUCCESS && o[2].result == PROBE_SUCCESS);
        check(got[0] && o[0].result == PROBE_FAILURE);
        check(strstr(o[0].msg, "context deadline exceeded") != NULL);
        /* collect again: the same answer */
        check(probe_run_collect(run[0], mono(), &o[1]) == 1 && o[1].result == PROBE_FAILURE);
out:
        for (int i = 0; i < 3; i++)
                run[i] = probe_run_free(run[i]);
}

/* freeing a run in flight kills its worker at once */
static void
test_free_in_flight(void)
{
        char *const argv[] = {"/bin/sleep", "30", NULL};
        struct probe_action a[2] = {
                {.kind = PROBE_HTTP_GET, .port = HTTP_PORT, .path = "/hang"},
                {.kind = PROBE_EXEC, .argv = argv},
        };

        for (int i = 0; i < 2; i++) {
                struct probe_run *run = NULL;
                int64_t t0 = mono();

                if (i == 0 && srv.skip)
                        continue;
                check(probe_start(&a[i], srv.nsfd, S(30), &run, NULL) == 0);
                usleep(100000);
                run = probe_run_free(run);
                check(run == NULL);
                check(mono() - t0 < S(2));
        }
        /* the worker's command died with it: no child of ours is left */
        usleep(100000);
        check(waitpid(-1, NULL, WNOHANG) <= 0);
}

int
main(void)
{
        RUN(test_sched_defaults);
        RUN(test_sched_invalid);
        RUN(test_sched_no_probes);
        RUN(test_sched_liveness_period);
        RUN(test_sched_liveness_threshold);
        RUN(test_sched_readiness);
        RUN(test_sched_startup_gates);
        RUN(test_sched_startup_fails);
        RUN(test_sched_startup_without_readiness);
        RUN(test_sched_late);
        RUN(test_sched_stale_result);
        RUN(test_poll_timeout);
        RUN(test_http_parse);
        RUN(test_http_parse_bad);
        RUN(test_http_outcome);
        RUN(test_action_check);
        RUN(test_exec_true_false);
        RUN(test_exec_timeout);
        RUN(test_exec_timeout_kills_group);
        RUN(test_exec_output);
        RUN(test_exec_environment);
        RUN(test_exec_signals_reset);
        /* before the server starts: it reaps every child */
        RUN(test_exec_reaped_by_caller);
        server_start();
        RUN(test_tcp);
        RUN(test_netns_entered);
        RUN(test_http_status);
        RUN(test_http_broken);
        RUN(test_http_timeout);
        RUN(test_http_request);
        RUN(test_async);
        RUN(test_free_in_flight);
        server_stop();
        return check_done();
}
