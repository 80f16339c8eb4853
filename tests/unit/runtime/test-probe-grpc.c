/*
 * tests/unit/runtime/test-probe-grpc.c: the grpc probe. Its request and
 * its response parser on hand-built HTTP/2 frames; the client against
 * scripted servers (a child of this test, in its network namespace) that
 * check what it sends and how it answers SETTINGS and PING; and against a
 * real gRPC server, tests/lib/grpc-health.py (python3-grpcio), run in a
 * network namespace of its own (skipped without python3's grpc).
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

#define FAILED "error: health rpc probe failed: rpc error: "

/* ------------------------------------------------------------ frames */

/* the bytes a made-up server sends */
struct frames {
        uint8_t b[PROBE_GRPC_READ_MAX + 64];
        size_t len;
};

static void
add(struct frames *f, const void *p, size_t n)
{
        if (f->len + n > sizeof(f->b))
                abort();
        if (n == 0)
                return;
        memcpy(f->b + f->len, p, n);
        f->len += n;
}

static void
frame(struct frames *f, uint8_t type, uint8_t flags, uint32_t stream, const void *p, size_t n)
{
        uint8_t h[9] = {(uint8_t)(n >> 16),
                        (uint8_t)(n >> 8),
                        (uint8_t)n,
                        type,
                        flags,
                        (uint8_t)(stream >> 24),
                        (uint8_t)(stream >> 16),
                        (uint8_t)(stream >> 8),
                        (uint8_t)stream};

        add(f, h, sizeof(h));
        add(f, p, n);
}

enum {
        DATA,
        HEADERS,
        PRIORITY,
        RST_STREAM,
        SETTINGS,
        PUSH_PROMISE,
        PING,
        GOAWAY,
        WINDOW_UPDATE,
        CONTINUATION
};
#define END_STREAM 0x1
#define ACK 0x1
#define END_HEADERS 0x4
#define PADDED 0x8

/* a server's SETTINGS: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 65535 */
static void
settings(struct frames *f)
{
        static const uint8_t s[] = {0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff};

        frame(f, SETTINGS, 0, 0, s, sizeof(s));
}

/* response headers (their block is never decoded: ":status 200", indexed) */
static void
headers(struct frames *f, uint8_t flags)
{
        static const uint8_t block[] = {0x88};

        frame(f, HEADERS, (uint8_t)(flags | END_HEADERS), 1, block, sizeof(block));
}

/* a gRPC message of n bytes of p, in one DATA frame of stream 1 */
static void
message(struct frames *f, const void *p, size_t n, uint8_t flags)
{
        uint8_t m[5 + 64] = {0, (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8),
                             (uint8_t)n};

        if (n > 64)
                abort();
        memcpy(m + 5, p, n);
        frame(f, DATA, flags, 1, m, 5 + n);
}

static void
be32_put(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* SETTINGS, HEADERS, the message of a status (p, n), trailers */
static void
response(struct frames *f, const void *p, size_t n)
{
        settings(f);
        frame(f, SETTINGS, ACK, 0, NULL, 0);
        headers(f, 0);
        message(f, p, n, 0);
        headers(f, END_STREAM);
}

static int
parse(const struct frames *f, struct probe_grpc_response *r)
{
        return probe_grpc_parse(f->b, f->len, r);
}

/* what probe_grpc_outcome() makes of f: 1 (decided, *o) or 0 */
static int
outcome_of(const struct frames *f, bool eof, struct probe_outcome *o)
{
        struct probe_grpc_response r;

        return probe_grpc_outcome(f->b, f->len, eof, &r, o);
}

static void
check_outcome(const struct frames *f, enum probe_result want, const char *msg)
{
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};

        check(outcome_of(f, false, &o) == 1);
        check(o.result == want);
        check_str(o.msg, msg);
}

static void
check_bad(const struct frames *f, const char *what)
{
        struct probe_grpc_response r;
        char msg[PROBE_MSG_MAX];

        check(parse(f, &r) == -EBADMSG);
        check_str(r.what, what);
        snprintf(msg, sizeof(msg), FAILED "code = Internal desc = %s", what);
        check_outcome(f, PROBE_FAILURE, msg);
}

/* ----------------------------------------------------------- the request */

/* a HPACK literal without indexing, with a literal name, neither Huffman-coded */
static bool
literal(const uint8_t *p, size_t n, size_t *pos, const char *name, const char *value)
{
        const char *s[2] = {name, value};

        if (*pos >= n || p[(*pos)++] != 0x00)
                return false;
        for (int i = 0; i < 2; i++) {
                size_t len = strlen(s[i]);

                /* short strings: a 7-bit length, H clear */
                if (len >= 127 || *pos + 1 + len > n || p[*pos] != len ||
                    memcmp(p + *pos + 1, s[i], len) != 0)
                        return false;
                *pos += 1 + len;
        }
        return true;
}

static void
test_request(void)
{
        static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
        static const uint8_t settings_frame[] = {0, 0, 6, SETTINGS, 0, 0, 0, 0,
                                                 0, 0, 2, 0,        0, 0, 0};
        uint8_t buf[8192], *h, *d;
        char big[PROBE_GRPC_SERVICE_MAX + 2];
        size_t pos = 0, hlen;
        ssize_t n;

        n = probe_grpc_request("127.0.0.1:50051", "not-serving", buf, sizeof(buf));
        check(n > 0);
        if (n <= 0)
                return;
        check(memcmp(buf, preface, 24) == 0);
        check(memcmp(buf + 24, settings_frame, sizeof(settings_frame)) == 0);
        /* HEADERS of stream 1, END_HEADERS alone */
        h = buf + 24 + sizeof(settings_frame);
        hlen = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
        check(h[3] == HEADERS && h[4] == END_HEADERS);
        check(h[5] == 0 && h[6] == 0 && h[7] == 0 && h[8] == 1);
        check(literal(h + 9, hlen, &pos, ":method", "POST"));
        check(literal(h + 9, hlen, &pos, ":scheme", "http"));
        check(literal(h + 9, hlen, &pos, ":path", "/grpc.health.v1.Health/Check"));
        check(literal(h + 9, hlen, &pos, ":authority", "127.0.0.1:50051"));
        check(literal(h + 9, hlen, &pos, "content-type", "application/grpc"));
        check(literal(h + 9, hlen, &pos, "te", "trailers"));
        check(literal(h + 9, hlen, &pos, "user-agent", "kube-probe/1.30"));
        check(pos == hlen);
        /* DATA of stream 1 ending it: uncompressed, 13 bytes: field 1, 11 bytes */
        d = h + 9 + hlen;
        check(d + 9 + 18 == buf + n);
        check(memcmp(d, "\x00\x00\x12\x00\x01\x00\x00\x00\x01", 9) == 0);
        check(memcmp(d + 9, "\x00\x00\x00\x00\x0d\x0a\x0bnot-serving", 18) == 0);

        /* no service: the empty message */
        n = probe_grpc_request("[::1]:1", NULL, buf, sizeof(buf));
        check(n > 14);
        if (n > 14)
                check(memcmp(buf + n - 14, "\x00\x00\x05\x00\x01\x00\x00\x00\x01\x00\0\0\0\0",
                             14) == 0);
        check(probe_grpc_request("[::1]:1", "", buf, sizeof(buf)) == n);

        /* a long service: a varint of two bytes */
        memset(big, 'a', sizeof(big));
        big[200] = '\0';
        n = probe_grpc_request("127.0.0.1:1", big, buf, sizeof(buf));
        check(n > 0 && memcmp(buf + n - 203 - 5, "\x00\x00\x00\x00\xcb\x0a\xc8\x01", 8) == 0);
        /* too long, or no room */
        big[200] = 'a';
        big[sizeof(big) - 1] = '\0';
        check(probe_grpc_request("127.0.0.1:1", big, buf, sizeof(buf)) == -E2BIG);
        check(probe_grpc_request("127.0.0.1:1", "x", buf, 40) == -E2BIG);
}

static void
test_action_check(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL, *err2 = NULL, *err3 = NULL;
        char big[PROBE_GRPC_SERVICE_MAX + 2];
        struct probe_action a = {.kind = PROBE_GRPC};

        check(probe_action_check(&a, &err) == -EINVAL);
        check(err && streq(err->msg, "grpc probe: port 0 is out of range, expected 1-65535"));
        a.port = 50051;
        a.host = "localhost";
        check(probe_action_check(&a, &err2) == -EINVAL);
        check(err2 && streq(err2->msg, "grpc probe: host \"localhost\" is not an IP address "
                                       "(berth-monitor resolves no names)"));
        a.host = "::1";
        check(probe_action_check(&a, NULL) == 0);
        memset(big, 's', sizeof(big));
        big[sizeof(big) - 1] = '\0';
        a.service = big;
        check(probe_action_check(&a, &err3) == -EINVAL);
        check(err3 && streq(err3->msg, "grpc probe: the service name is longer than 4096 bytes"));
        big[PROBE_GRPC_SERVICE_MAX] = '\0';
        check(probe_action_check(&a, NULL) == 0);
}

static void
test_go_duration(void)
{
        static const struct {
                int64_t ns;
                const char *s;
        } cases[] = {
                {0, "0s"},        {999, "999ns"},      {1500, "1.5\xc2\xb5s"},
                {MS(1), "1ms"},   {1500000, "1.5ms"},  {MS(500), "500ms"},
                {S(1), "1s"},     {MS(1500), "1.5s"},  {S(60), "1m0s"},
                {S(90), "1m30s"}, {S(3600), "1h0m0s"}, {S(3725) + 1, "1h2m5.000000001s"},
                {-S(2), "-2s"},
        };
        char buf[48];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                probe_go_duration(cases[i].ns, buf, sizeof(buf));
                check_str(buf, cases[i].s);
        }
        probe_go_duration(S(90), buf, 3);
        check_str(buf, "1m");
}

/* ----------------------------------------------------------- the response */

static void
test_serving(void)
{
        struct frames f = {0};
        struct probe_grpc_response r;

        response(&f, "\x08\x01", 2);
        check(parse(&f, &r) == 0);
        check(r.end == PROBE_GRPC_RESPONSE);
        check(r.status == PROBE_GRPC_SERVING);
        check(r.settings == 1 && r.pings == 0);
        check_outcome(&f, PROBE_SUCCESS, "");
}

static void
test_not_serving(void)
{
        static const struct {
                const char *m;
                size_t n;
                const char *name;
        } cases[] = {
                {"\x08\x02", 2, "NOT_SERVING"},
                {"\x08\x03", 2, "SERVICE_UNKNOWN"},
                {"\x08\x00", 2, "UNKNOWN"},
                {"", 0, "UNKNOWN"},                     /* proto3: a status of 0 is not sent */
                {"\x08\x07", 2, "7"},                   /* a value of no name: Go's String() */
                {"\x08\xff\xff\xff\xff\x0f", 6, "-1"},  /* an enum is an int32 */
                {"\x08\x01\x08\x02", 4, "NOT_SERVING"}, /* the last one wins */
                /* unknown fields of each wire type are skipped */
                {"\x11\x01\x02\x03\x04\x05\x06\x07\x08\x1a\x01z\x25\x01\x02\x03\x04\x08\x02", 19,
                 "NOT_SERVING"},
                /* a status of another wire type is an unknown field */
                {"\x0a\x01\x01", 3, "UNKNOWN"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct frames f = {0};
                char msg[128];

                response(&f, cases[i].m, cases[i].n);
                snprintf(msg, sizeof(msg), "service unhealthy (responded with \"%s\")",
                         cases[i].name);
                check_outcome(&f, PROBE_FAILURE, msg);
        }
}

/* every prefix of a good response wants more; its last byte decides */
static void
test_split_reads(void)
{
        struct frames f = {0};
        struct probe_grpc_response r;
        struct probe_outcome o;
        size_t end;

        settings(&f);
        headers(&f, 0);
        message(&f, "\x08\x01", 2, 0);
        end = f.len;
        headers(&f, END_STREAM); /* trailers, after the decision */
        for (size_t k = 0; k < end; k++) {
                struct frames g = {0};

                add(&g, f.b, k);
                check(parse(&g, &r) == -EAGAIN);
                check(outcome_of(&g, false, &o) == 0);
                /* the server closed the connection there */
                check(outcome_of(&g, true, &o) == 1);
                check(o.result == PROBE_FAILURE);
                check_str(o.msg, k == 0 ? FAILED "code = Unavailable desc = error reading from "
                                                 "server: EOF"
                                        : FAILED "code = Unavailable desc = error reading from "
                                                 "server: unexpected EOF");
                /* the SETTINGS frame counts once it is in whole */
                check(r.settings == (k >= 9 + 12 ? 1U : 0U));
        }
        for (size_t k = end; k <= f.len; k++) {
                struct frames g = {0};

                add(&g, f.b, k);
                check(parse(&g, &r) == 0 && r.status == PROBE_GRPC_SERVING);
        }
}

/* what may come between the frames that count */
static void
test_other_frames(void)
{
        static const uint8_t ping[8] = "pingpong", wu[4] = {0, 0, 0x10, 0};
        static const uint8_t prio[5] = {0, 0, 0, 0, 16}, odd[3] = {1, 2, 3};
        static const uint8_t goaway[8] = {0, 0, 0, 1, 0, 0, 0, 0};
        uint8_t m1[3] = {0, 0, 0}, m2[7] = {2, 0, 2, 0x08, 0x02, 0xee, 0xee};
        struct frames f = {0};
        struct probe_grpc_response r;

        settings(&f);
        frame(&f, PING, 0, 0, ping, sizeof(ping));
        frame(&f, WINDOW_UPDATE, 0, 0, wu, sizeof(wu));
        frame(&f, PRIORITY, 0, 1, prio, sizeof(prio));
        frame(&f, 0xfa, 0xff, 0, odd, sizeof(odd)); /* a type of no meaning */
        /* a header block in two frames */
        frame(&f, HEADERS, 0, 1, "\x88", 1);
        frame(&f, CONTINUATION, END_HEADERS, 1, "\x5f", 1);
        settings(&f);
        frame(&f, PING, ACK, 0, ping, sizeof(ping));
        /* frames of another stream are no business of the call's */
        frame(&f, DATA, END_STREAM, 3, "xyz", 3);
        frame(&f, RST_STREAM, 0, 3, "\0\0\0\x02", 4);
        /* a GOAWAY that takes stream 1 in: its answer still comes */
        frame(&f, GOAWAY, 0, 0, goaway, sizeof(goaway));
        /* the message in two DATA frames, the second one padded */
        frame(&f, DATA, 0, 1, m1, sizeof(m1));
        frame(&f, PING, 0, 0, "PINGPONG", 8);
        frame(&f, DATA, PADDED, 1, m2, sizeof(m2));
        check(parse(&f, &r) == 0);
        check(r.end == PROBE_GRPC_RESPONSE && r.status == PROBE_GRPC_NOT_SERVING);
        check(r.settings == 2);
        check(r.pings == 2);
        check(r.ping_at[0] == 9 + 12 + 9);
        check(memcmp(f.b + r.ping_at[0], "pingpong", 8) == 0);
        check(memcmp(f.b + r.ping_at[1], "PINGPONG", 8) == 0);
        check_outcome(&f, PROBE_FAILURE, "service unhealthy (responded with \"NOT_SERVING\")");
}

static void
test_trailers_only(void)
{
        struct frames f = {0};
        struct probe_grpc_response r;

        settings(&f);
        headers(&f, END_STREAM);
        check(parse(&f, &r) == 0);
        check(r.end == PROBE_GRPC_NO_RESPONSE);
        check_outcome(&f, PROBE_FAILURE, FAILED "the server closed the stream without a response");
        /* headers, then trailers, and nothing between */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        headers(&f, END_STREAM);
        check(parse(&f, &r) == 0 && r.end == PROBE_GRPC_NO_RESPONSE);
        /* the end in a header block of two frames */
        f = (struct frames){0};
        settings(&f);
        frame(&f, HEADERS, END_STREAM, 1, "\x88", 1);
        check(parse(&f, &r) == 0 && r.end == PROBE_GRPC_NO_RESPONSE);
}

static void
test_reset_goaway(void)
{
        static const struct {
                uint32_t code;
                const char *msg;
        } resets[] = {
                {2, "code = Internal desc = stream terminated by RST_STREAM with error code: "
                    "INTERNAL_ERROR"},
                {8, "code = Canceled desc = stream terminated by RST_STREAM with error code: "
                    "CANCEL"},
                {7, "code = Unavailable desc = stream terminated by RST_STREAM with error code: "
                    "REFUSED_STREAM"},
                {0x42, "code = Internal desc = stream terminated by RST_STREAM with error code: "
                       "unknown error code 0x42"},
        };
        uint8_t g[12] = {0, 0, 0, 0};
        struct frames f;
        struct probe_grpc_response r;

        for (size_t i = 0; i < sizeof(resets) / sizeof(resets[0]); i++) {
                uint8_t code[4];
                char msg[PROBE_MSG_MAX];

                be32_put(code, resets[i].code);
                f = (struct frames){0};
                settings(&f);
                headers(&f, 0);
                frame(&f, RST_STREAM, 0, 1, code, 4);
                check(parse(&f, &r) == 0);
                check(r.end == PROBE_GRPC_RESET && r.error_code == resets[i].code);
                snprintf(msg, sizeof(msg), FAILED "%s", resets[i].msg);
                check_outcome(&f, PROBE_FAILURE, msg);
        }

        /* GOAWAY before the call was taken in; one with an error: the call is lost */
        f = (struct frames){0};
        settings(&f);
        be32_put(g + 4, 0);
        frame(&f, GOAWAY, 0, 0, g, sizeof(g)); /* with debug data */
        check(parse(&f, &r) == 0);
        check(r.end == PROBE_GRPC_GOAWAY && r.error_code == 0);
        check_outcome(&f, PROBE_FAILURE,
                      FAILED "code = Unavailable desc = the server sent GOAWAY with error code: "
                             "NO_ERROR");
        f = (struct frames){0};
        settings(&f);
        be32_put(g, 1);
        be32_put(g + 4, 1);
        frame(&f, GOAWAY, 0, 0, g, 8);
        check(parse(&f, &r) == 0);
        check(r.end == PROBE_GRPC_GOAWAY && r.error_code == 1);
}

static void
test_truncated(void)
{
        struct frames f = {0};
        struct probe_outcome o;

        /* the stream ends inside the message: in its DATA frame, or by trailers */
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, END_STREAM, 1, "\0\0\0\0\x02\x08", 6);
        check_bad(&f, "grpc: the response message was cut short");
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, 0, 1, "\0\0\0\0\x02\x08", 6);
        headers(&f, END_STREAM);
        check_bad(&f, "grpc: the response message was cut short");
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, END_STREAM, 1, NULL, 0);
        check_bad(&f, "grpc: the server sent no message");
        /* a message that is no HealthCheckResponse: a varint cut short, a group */
        f = (struct frames){0};
        response(&f, "\x08\x80", 2);
        check_bad(&f, "grpc: failed to unmarshal the received message: not a HealthCheckResponse");
        f = (struct frames){0};
        response(&f, "\x0b\x0c", 2);
        check_bad(&f, "grpc: failed to unmarshal the received message: not a HealthCheckResponse");
        f = (struct frames){0};
        response(&f, "\x12\x05\x61\x62", 4);
        check_bad(&f, "grpc: failed to unmarshal the received message: not a HealthCheckResponse");
        /* cut off in a frame, then closed */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        f.len -= 1;
        check(outcome_of(&f, true, &o) == 1);
        check_str(o.msg,
                  FAILED "code = Unavailable desc = error reading from server: unexpected EOF");
}

static void
test_oversized(void)
{
        static const uint8_t big_len[9] = {0, 0x40, 0x01, DATA, 0, 0, 0, 0, 1};
        struct frames f = {0};
        struct probe_grpc_response r;
        struct probe_outcome o;
        uint8_t pad[4096] = {0};

        /* a frame over SETTINGS_MAX_FRAME_SIZE, even before its payload is in */
        settings(&f);
        headers(&f, 0);
        add(&f, big_len, sizeof(big_len));
        check_bad(&f, "http2: a frame is larger than 16384 bytes");
        /* a gRPC message larger than what is read */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, 0, 1, "\0\x01\0\0\0\x08", 6);
        check_bad(&f, "grpc: the response message is larger than 16384 bytes");
        /* more than one message */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, 0, 1, "\0\0\0\0\x02\x08\x01\0", 8);
        check_bad(&f, "grpc: the server sent more than one response message");
        /* 16 KiB of frames that are allowed, and no answer: no more is read */
        f = (struct frames){0};
        settings(&f);
        while (f.len + 9 + sizeof(pad) <= PROBE_GRPC_READ_MAX)
                frame(&f, 0xfa, 0, 0, pad, sizeof(pad));
        frame(&f, 0xfa, 0, 0, pad, PROBE_GRPC_READ_MAX - f.len - 9);
        check(f.len == PROBE_GRPC_READ_MAX);
        check(parse(&f, &r) == -EAGAIN);
        check(outcome_of(&f, false, &o) == 1);
        check_str(o.msg, FAILED "code = ResourceExhausted desc = no response in the first 16384 "
                                "bytes the server sent");
        /* a frame that would not fit in them */
        f = (struct frames){0};
        settings(&f);
        frame(&f, 0xfa, 0, 0, pad, sizeof(pad));
        f.len = 9 + 12 + 9 + 100;
        check(outcome_of(&f, false, &o) == 0);
}

static void
test_malformed(void)
{
        static const char http1[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        struct frames f = {0};

        add(&f, http1, sizeof(http1) - 1);
        check_bad(&f, "the server answered in HTTP/1, not HTTP/2");
        /* the server's preface is a SETTINGS frame */
        f = (struct frames){0};
        headers(&f, 0);
        check_bad(&f, "http2: the server did not start with SETTINGS");
        f = (struct frames){0};
        frame(&f, SETTINGS, ACK, 0, NULL, 0);
        check_bad(&f, "http2: the server did not start with SETTINGS");
        /* its frame header says so: the rest of the frame is not waited for */
        f = (struct frames){0};
        headers(&f, 0);
        f.len = 9;
        check_bad(&f, "http2: the server did not start with SETTINGS");
        f = (struct frames){0};
        frame(&f, SETTINGS, 0, 0, "\0\x03\0\0", 4);
        check_bad(&f, "http2: a malformed SETTINGS frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, SETTINGS, ACK, 0, "\0\x03\0\0\0\0", 6);
        check_bad(&f, "http2: a malformed SETTINGS frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, PING, 0, 0, "short", 5);
        check_bad(&f, "http2: a malformed PING frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, RST_STREAM, 0, 1, "\0\0", 2);
        check_bad(&f, "http2: a malformed RST_STREAM frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, GOAWAY, 0, 0, "\0\0\0\0", 4);
        check_bad(&f, "http2: a malformed GOAWAY frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, WINDOW_UPDATE, 0, 1, "\0\0", 2);
        check_bad(&f, "http2: a malformed WINDOW_UPDATE frame");
        f = (struct frames){0};
        settings(&f);
        frame(&f, PUSH_PROMISE, END_HEADERS, 1, "\0\0\0\x02\x88", 5);
        check_bad(&f, "http2: the server pushed a stream, which the client had disabled");
        /* DATA before HEADERS, or on stream 0 */
        f = (struct frames){0};
        settings(&f);
        message(&f, "\x08\x01", 2, 0);
        check_bad(&f, "http2: DATA before the response's HEADERS");
        f = (struct frames){0};
        settings(&f);
        frame(&f, DATA, 0, 0, "x", 1);
        check_bad(&f, "http2: DATA on stream 0");
        f = (struct frames){0};
        settings(&f);
        frame(&f, HEADERS, END_HEADERS, 0, "\x88", 1);
        check_bad(&f, "http2: HEADERS on stream 0");
        /* padding: longer than the frame, or a padded frame with no room for its length */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, PADDED, 1, "\x05\0\0", 3);
        check_bad(&f, "http2: more padding than frame");
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, PADDED, 1, NULL, 0);
        check_bad(&f, "http2: a padded frame without padding");
        /* header blocks: interrupted, or a CONTINUATION of nothing */
        f = (struct frames){0};
        settings(&f);
        frame(&f, HEADERS, 0, 1, "\x88", 1);
        frame(&f, PING, 0, 0, "pingpong", 8);
        check_bad(&f, "http2: a header block was interrupted");
        f = (struct frames){0};
        settings(&f);
        frame(&f, HEADERS, 0, 1, "\x88", 1);
        frame(&f, CONTINUATION, END_HEADERS, 3, "\x88", 1);
        check_bad(&f, "http2: a header block was interrupted");
        f = (struct frames){0};
        settings(&f);
        frame(&f, CONTINUATION, END_HEADERS, 1, "\x88", 1);
        check_bad(&f, "http2: CONTINUATION without HEADERS");
        /* a compressed message, which was not asked for */
        f = (struct frames){0};
        settings(&f);
        headers(&f, 0);
        frame(&f, DATA, 0, 1, "\x01\0\0\0\x02\x08\x01", 7);
        check_bad(&f, "grpc: the server compressed its response, which was not asked for");
}

/* ------------------------------------------------ scripted servers */

static int64_t
mono(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return backoff_ns_from_timespec(&t);
}

/* a listener on 127.0.0.1, a port of the kernel's choice */
static int
listen_any(uint16_t *ret_port)
{
        struct sockaddr_in in = {.sin_family = AF_INET};
        socklen_t len = sizeof(in);
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -1;
        in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(fd, 4) < 0 ||
            getsockname(fd, (struct sockaddr *)&in, &len) < 0) {
                (void)close(fd);
                return -1;
        }
        *ret_port = ntohs(in.sin_port);
        return fd;
}

/* read exactly n bytes, or fail */
static bool
read_n(int fd, void *buf, size_t n)
{
        uint8_t *p = buf;

        while (n > 0) {
                ssize_t k = read(fd, p, n);

                if (k <= 0)
                        return false;
                p += k;
                n -= (size_t)k;
        }
        return true;
}

/* one frame from the client: header and payload (at most cap bytes) */
static bool
read_frame(int fd, uint8_t h[9], uint8_t *payload, size_t cap, size_t *ret_len)
{
        size_t n;

        if (!read_n(fd, h, 9))
                return false;
        n = (size_t)h[0] << 16 | (size_t)h[1] << 8 | h[2];
        if (n > cap || !read_n(fd, payload, n))
                return false;
        *ret_len = n;
        return true;
}

enum script {
        SCRIPT_ACKS,   /* SETTINGS and PING, the answer only once both are acknowledged */
        SCRIPT_HTTP1,  /* an HTTP/1.1 server */
        SCRIPT_CLOSE,  /* a connection closed at once */
        SCRIPT_SILENT, /* a server that says nothing */
};

/*
 * The child's server: takes one connection and plays the script. For
 * SCRIPT_ACKS the request must be what probe_grpc_request() makes, byte
 * for byte: else the answer is NOT_SERVING.
 */
static void __attribute__((noreturn)) script_main(int l, enum script s, const char *authority)
{
        static const char http1[] = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n";
        uint8_t want[1024], got[1024], h[9], p[64];
        struct frames f = {0};
        bool settings_ack = false, ping_ack = false, same;
        ssize_t want_len = probe_grpc_request(authority, "svc", want, sizeof(want));
        size_t n;
        int c;

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
                _exit(1);
        if (s == SCRIPT_CLOSE)
                _exit(0);
        if (s == SCRIPT_SILENT) {
                sleep(10);
                _exit(0);
        }
        if (s == SCRIPT_HTTP1) {
                (void)write(c, http1, sizeof(http1) - 1);
                _exit(0);
        }
        same = want_len > 0 && read_n(c, got, (size_t)want_len) &&
               memcmp(got, want, (size_t)want_len) == 0;
        settings(&f);
        frame(&f, PING, 0, 0, "pingpong", 8);
        (void)write(c, f.b, f.len);
        while (!settings_ack || !ping_ack) {
                if (!read_frame(c, h, p, sizeof(p), &n))
                        _exit(1);
                if (h[3] == SETTINGS && h[4] == ACK && n == 0)
                        settings_ack = true;
                if (h[3] == PING && h[4] == ACK && n == 8 && memcmp(p, "pingpong", 8) == 0)
                        ping_ack = true;
        }
        f.len = 0;
        headers(&f, 0);
        message(&f, same ? "\x08\x01" : "\x08\x02", 2, 0);
        headers(&f, END_STREAM);
        (void)write(c, f.b, f.len);
        /* the client closes first */
        (void)read(c, got, sizeof(got));
        _exit(0);
}

static struct probe_outcome
run_script(enum script s, const char *service, int64_t timeout, int64_t *ret_ns)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};
        struct probe_action a = {.kind = PROBE_GRPC, .service = service};
        char authority[32];
        int l, st;
        int64_t t0;
        pid_t pid;

        l = listen_any(&a.port);
        check(l >= 0);
        if (l < 0)
                return o;
        snprintf(authority, sizeof(authority), "127.0.0.1:%u", (unsigned)a.port);
        pid = fork();
        if (pid == 0)
                script_main(l, s, authority);
        (void)close(l);
        t0 = mono();
        check(probe_run(&a, -1, timeout, &o, &err) == 0);
        if (ret_ns)
                *ret_ns = mono() - t0;
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, &st, 0);
        return o;
}

static void
test_client_acks(void)
{
        struct probe_outcome o = run_script(SCRIPT_ACKS, "svc", S(5), NULL);

        check(o.result == PROBE_SUCCESS);
        check_str(o.msg, "");
}

static void
test_client_broken_servers(void)
{
        struct probe_outcome o;
        int64_t took = 0;
        char msg[PROBE_MSG_MAX];
        uint16_t port = 0;
        int l;

        o = run_script(SCRIPT_HTTP1, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, FAILED "code = Internal desc = the server answered in HTTP/1, not HTTP/2");
        o = run_script(SCRIPT_CLOSE, NULL, S(5), NULL);
        check(o.result == PROBE_FAILURE);
        /* closed before or after the request was in: EOF, or a reset */
        check(streq(o.msg, FAILED "code = Unavailable desc = error reading from server: EOF") ||
              strstr(o.msg, "connection reset by peer") != NULL);
        o = run_script(SCRIPT_SILENT, NULL, MS(1500), &took);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "timeout: health rpc did not complete within 1.5s");
        check(took >= MS(1500) && took < MS(2400));

        /* nothing listens: kubelet's words, and why */
        l = listen_any(&port);
        check(l >= 0);
        (void)close(l);
        {
                struct probe_action a = {.kind = PROBE_GRPC, .port = port};

                check(probe_run(&a, -1, S(1), &o, NULL) == 0);
        }
        snprintf(msg, sizeof(msg),
                 "timeout: failed to connect service \"127.0.0.1:%u\" within 1s: dial tcp "
                 "127.0.0.1:%u: connect: connection refused",
                 (unsigned)port, (unsigned)port);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, msg);
}

/* ------------------------------------------------ a real gRPC server */

#define GRPC_PORT 50051

static struct {
        pid_t pid;
        int nsfd;
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

static const char *
python(void)
{
        const char *p = getenv("BERTH_PYTHON");

        if (p && *p)
                return p;
        return access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

/* the server, in a network namespace of its own, its stdout on out_fd */
static void __attribute__((noreturn)) python_main(int out_fd)
{
        char port[16];

        (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0)
                _exit(2);
        if (dup2(out_fd, 1) < 0)
                _exit(2);
        snprintf(port, sizeof(port), "%d", GRPC_PORT);
        execlp(python(), python(), "tests/lib/grpc-health.py", port, (char *)NULL);
        _exit(2);
}

static void
server_start(void)
{
        char line[64] = "", path[64];
        size_t len = 0;
        int p[2], st;

        if (geteuid() != 0) {
                srv.skip = "needs root (unshare CLONE_NEWNET)";
                return;
        }
        if (access("tests/lib/grpc-health.py", R_OK) < 0) {
                srv.skip = "tests/lib/grpc-health.py not found (run from the repository root)";
                return;
        }
        if (pipe2(p, O_CLOEXEC) < 0) {
                srv.skip = "pipe failed";
                return;
        }
        srv.pid = fork();
        if (srv.pid == 0) {
                (void)close(p[0]);
                python_main(p[1]);
        }
        (void)close(p[1]);
        /* "ready" once it listens; importing grpc takes a moment */
        while (srv.pid > 0 && len < sizeof(line) - 1 && !strchr(line, '\n')) {
                struct pollfd pf = {.fd = p[0], .events = POLLIN};
                ssize_t n;

                if (poll(&pf, 1, 20000) <= 0)
                        break;
                n = read(p[0], line + len, sizeof(line) - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t)n;
                line[len] = '\0';
        }
        (void)close(p[0]);
        if (srv.pid < 0 || !streq(line, "ready\n")) {
                if (srv.pid > 0) {
                        (void)kill(srv.pid, SIGKILL);
                        (void)waitpid(srv.pid, &st, 0);
                        srv.skip = WIFEXITED(st) && WEXITSTATUS(st) == 77
                                           ? "python3 grpc is not importable (python3-grpcio)"
                                           : "the gRPC test server did not start";
                        srv.pid = 0;
                } else {
                        srv.skip = "fork failed";
                }
                return;
        }
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

static struct probe_outcome
grpc_probe(const char *service, uint16_t port, int64_t timeout, int64_t *ret_ns)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct probe_action a = {.kind = PROBE_GRPC, .port = port, .service = service};
        struct probe_outcome o = {.result = _PROBE_RESULT_INVALID};
        int64_t t0 = mono();

        check(probe_run(&a, srv.nsfd, timeout, &o, &err) == 0);
        if (err)
                fprintf(stderr, "    %s\n", err->msg);
        if (ret_ns)
                *ret_ns = mono() - t0;
        return o;
}

static void
check_grpc(const char *service, enum probe_result r, const char *msg)
{
        struct probe_outcome o = grpc_probe(service, GRPC_PORT, S(5), NULL);

        if (o.result != r || !streq(o.msg, msg))
                fprintf(stderr, "    service \"%s\"\n", service ? service : "(null)");
        check(o.result == r);
        check_str(o.msg, msg);
}

static void
test_real_server(void)
{
        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        check_grpc(NULL, PROBE_SUCCESS, "");
        check_grpc("serving", PROBE_SUCCESS, "");
        check_grpc("padded", PROBE_SUCCESS, "");
        /* the server saw kubelet's user agent */
        check_grpc("user-agent", PROBE_SUCCESS, "");
        check_grpc("not-serving", PROBE_FAILURE,
                   "service unhealthy (responded with \"NOT_SERVING\")");
        check_grpc("unknown-status", PROBE_FAILURE, "service unhealthy (responded with \"7\")");
        check_grpc("empty", PROBE_FAILURE, "service unhealthy (responded with \"UNKNOWN\")");
        /* grpc's NOT_FOUND, in a trailers-only response */
        check_grpc("missing", PROBE_FAILURE,
                   FAILED "the server closed the stream without a response");
}

static void
test_real_server_timeouts(void)
{
        struct probe_outcome o;
        int64_t took = 0;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        o = grpc_probe("slow", GRPC_PORT, S(1), &took);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "timeout: health rpc did not complete within 1s");
        check(took >= S(1) && took < MS(1900));
        /* the port is the server's in its namespace alone */
        o = grpc_probe(NULL, GRPC_PORT + 1, S(1), NULL);
        check(o.result == PROBE_FAILURE);
        check_str(o.msg, "timeout: failed to connect service \"127.0.0.1:50052\" within 1s: dial "
                         "tcp 127.0.0.1:50052: connect: connection refused");
        /* a host with no route from there: the connection fails, and says so */
        {
                struct probe_action a = {.kind = PROBE_GRPC, .port = GRPC_PORT, .host = "10.1.2.3"};

                check(probe_run(&a, srv.nsfd, S(1), &o, NULL) == 0);
                check_str(o.msg, "timeout: failed to connect service \"10.1.2.3:50051\" within "
                                 "1s: dial tcp 10.1.2.3:50051: connect: network is unreachable");
        }
        /* a server busy with a slow call still answers the next */
        check_grpc("serving", PROBE_SUCCESS, "");
}

/* several at once, as the monitor runs its probes */
static void
test_real_server_parallel(void)
{
        struct probe_action a[4] = {
                {.kind = PROBE_GRPC, .port = GRPC_PORT},
                {.kind = PROBE_GRPC, .port = GRPC_PORT, .service = "not-serving"},
                {.kind = PROBE_GRPC, .port = GRPC_PORT, .service = "serving"},
                {.kind = PROBE_GRPC, .port = GRPC_PORT, .service = "missing"},
        };
        struct probe_run *run[4] = {NULL, NULL, NULL, NULL};
        struct probe_outcome o[4];
        bool got[4] = {false, false, false, false};
        int64_t deadline = mono() + S(10);
        int left = 4;

        if (srv.skip) {
                check_skip(srv.skip);
                return;
        }
        for (int i = 0; i < 4; i++)
                check(probe_start(&a[i], srv.nsfd, S(5), &run[i], NULL) == 0);
        while (left > 0 && mono() < deadline) {
                struct pollfd p[4];
                nfds_t n = 0;

                for (int i = 0; i < 4; i++)
                        if (run[i] && !got[i])
                                p[n++] = (struct pollfd){.fd = probe_run_fd(run[i]),
                                                         .events = POLLIN};
                (void)poll(p, n, 200);
                for (int i = 0; i < 4; i++)
                        if (run[i] && !got[i] && probe_run_collect(run[i], mono(), &o[i]) == 1) {
                                got[i] = true;
                                left--;
                        }
        }
        check(left == 0);
        check(got[0] && o[0].result == PROBE_SUCCESS);
        check(got[1] && o[1].result == PROBE_FAILURE);
        check(got[2] && o[2].result == PROBE_SUCCESS);
        check(got[3] && o[3].result == PROBE_FAILURE);
        for (int i = 0; i < 4; i++)
                run[i] = probe_run_free(run[i]);
}

int
main(void)
{
        /* a server's early close must not kill the test */
        (void)signal(SIGPIPE, SIG_IGN);
        RUN(test_request);
        RUN(test_action_check);
        RUN(test_go_duration);
        RUN(test_serving);
        RUN(test_not_serving);
        RUN(test_split_reads);
        RUN(test_other_frames);
        RUN(test_trailers_only);
        RUN(test_reset_goaway);
        RUN(test_truncated);
        RUN(test_oversized);
        RUN(test_malformed);
        RUN(test_client_acks);
        RUN(test_client_broken_servers);
        server_start();
        RUN(test_real_server);
        RUN(test_real_server_timeouts);
        RUN(test_real_server_parallel);
        server_stop();
        return check_done();
}
