/*
 * runtime/probe-grpc.c: the grpc probe, one call of
 * grpc.health.v1.Health/Check as kubelet makes it: over cleartext HTTP/2
 * with prior knowledge (h2c; kubelet's grpc probes have no TLS), from
 * inside the container's network namespace.
 *
 * The monitor links libc alone, so the little of HTTP/2, HPACK, gRPC and
 * protobuf this needs is written here by hand:
 * - the request is built whole and sent at once (the client may send its
 *   first frames before it has read the server's SETTINGS; the defaults
 *   hold until then, and the request is far below them);
 * - header fields go as HPACK literals, neither indexed nor Huffman-coded:
 *   every decoder must take those, and no encoder state is needed;
 * - the response's headers are not decoded at all (HPACK would need the
 *   Huffman table and the dynamic table): the gRPC message in the DATA
 *   frames decides. A stream that ends without one is a failure whatever
 *   its grpc-status says (the trailers-only response of an error status;
 *   OK with no message is an error for a unary call too), so that status
 *   is never needed.
 * The bytes the server sends are parsed from the start each time more
 * arrive (probe_grpc_parse() is a pure function over them, for the tests
 * and the fuzzer); at most PROBE_GRPC_READ_MAX of them are read.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "util/cleanup.h"

/* RFC 9113 3.4: what a client sends first */
#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define PREFACE_LEN (sizeof(PREFACE) - 1)

#define FRAME_HEADER_LEN 9U
/* SETTINGS_MAX_FRAME_SIZE's initial value: the client announces no other */
#define FRAME_MAX 16384U
/* the request: preface, SETTINGS, HEADERS (the authority is short), DATA (the service) */
#define REQUEST_MAX (PREFACE_LEN + 4 * FRAME_HEADER_LEN + 6 + 512 + 5 + 8 + PROBE_GRPC_SERVICE_MAX)

enum {
        FRAME_DATA = 0x0,
        FRAME_HEADERS = 0x1,
        FRAME_PRIORITY = 0x2,
        FRAME_RST_STREAM = 0x3,
        FRAME_SETTINGS = 0x4,
        FRAME_PUSH_PROMISE = 0x5,
        FRAME_PING = 0x6,
        FRAME_GOAWAY = 0x7,
        FRAME_WINDOW_UPDATE = 0x8,
        FRAME_CONTINUATION = 0x9,
};

enum {
        FLAG_END_STREAM = 0x1,
        FLAG_ACK = 0x1,
        FLAG_END_HEADERS = 0x4,
        FLAG_PADDED = 0x8,
        FLAG_PRIORITY = 0x20,
};

#define SETTINGS_ENABLE_PUSH 0x2
/* the client's one stream */
#define STREAM_ID 1U

/* what the failures of the call say first (kubelet's words) */
#define RPC_FAILED "error: health rpc probe failed: rpc error: "

/* ---- the request ---- */

struct wbuf {
        uint8_t *buf;
        size_t len, cap;
        bool overflow;
};

static void
put(struct wbuf *b, const void *p, size_t n)
{
        if (b->overflow || n > b->cap - b->len) {
                b->overflow = true;
                return;
        }
        memcpy(b->buf + b->len, p, n);
        b->len += n;
}

static void
put_byte(struct wbuf *b, uint8_t c)
{
        put(b, &c, 1);
}

static void
put_be32(struct wbuf *b, uint32_t v)
{
        uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

        put(b, p, sizeof(p));
}

static void
put_frame_header(struct wbuf *b, size_t len, uint8_t type, uint8_t flags, uint32_t stream)
{
        uint8_t p[FRAME_HEADER_LEN] = {(uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len,
                                       type, flags};

        p[5] = (uint8_t)(stream >> 24);
        p[6] = (uint8_t)(stream >> 16);
        p[7] = (uint8_t)(stream >> 8);
        p[8] = (uint8_t)stream;
        put(b, p, sizeof(p));
}

/* RFC 7541 5.1: v with an N-bit prefix, first holding the bits above the prefix */
static void
hpack_int(struct wbuf *b, uint8_t first, unsigned prefix_bits, size_t v)
{
        size_t max = (1U << prefix_bits) - 1;

        if (v < max) {
                put_byte(b, (uint8_t)(first | v));
                return;
        }
        put_byte(b, (uint8_t)(first | max));
        v -= max;
        while (v >= 128) {
                put_byte(b, (uint8_t)(0x80 | (v & 0x7f)));
                v >>= 7;
        }
        put_byte(b, (uint8_t)v);
}

/* RFC 7541 5.2: a string literal, not Huffman-coded */
static void
hpack_str(struct wbuf *b, const char *s)
{
        size_t n = strlen(s);

        hpack_int(b, 0x00, 7, n);
        put(b, s, n);
}

/* RFC 7541 6.2.2: a literal header field without indexing, with a literal name */
static void
hpack_field(struct wbuf *b, const char *name, const char *value)
{
        put_byte(b, 0x00);
        hpack_str(b, name);
        hpack_str(b, value);
}

/* protobuf: an unsigned varint */
static void
pb_varint(struct wbuf *b, uint64_t v)
{
        while (v >= 0x80) {
                put_byte(b, (uint8_t)(0x80 | (v & 0x7f)));
                v >>= 7;
        }
        put_byte(b, (uint8_t)v);
}

ssize_t
probe_grpc_request(const char *authority, const char *service, uint8_t *buf, size_t cap)
{
        uint8_t block[FRAME_MAX], msg[PROBE_GRPC_SERVICE_MAX + 16];
        struct wbuf b = {.buf = buf, .cap = cap};
        struct wbuf h = {.buf = block, .cap = sizeof(block)};
        struct wbuf m = {.buf = msg, .cap = sizeof(msg)};
        size_t slen = service ? strlen(service) : 0;

        if (slen > PROBE_GRPC_SERVICE_MAX)
                return -E2BIG;
        put(&b, PREFACE, PREFACE_LEN);

        /* SETTINGS: no server push; the rest keeps its initial value */
        put_frame_header(&b, 6, FRAME_SETTINGS, 0, 0);
        put_byte(&b, 0);
        put_byte(&b, SETTINGS_ENABLE_PUSH);
        put_be32(&b, 0);

        /* HEADERS: pseudo-header fields first (RFC 9113 8.3), names in lower case */
        hpack_field(&h, ":method", "POST");
        hpack_field(&h, ":scheme", "http");
        hpack_field(&h, ":path", "/grpc.health.v1.Health/Check");
        hpack_field(&h, ":authority", authority);
        hpack_field(&h, "content-type", "application/grpc");
        hpack_field(&h, "te", "trailers");
        hpack_field(&h, "user-agent", PROBE_USER_AGENT);
        if (h.overflow)
                return -E2BIG;
        put_frame_header(&b, h.len, FRAME_HEADERS, FLAG_END_HEADERS, STREAM_ID);
        put(&b, block, h.len);

        /* HealthCheckRequest { string service = 1; }: an empty string is not sent (proto3) */
        if (slen > 0) {
                pb_varint(&m, (1U << 3) | 2U);
                pb_varint(&m, slen);
                put(&m, service, slen);
        }
        /* the gRPC message: not compressed, its length, big-endian */
        put_frame_header(&b, 5 + m.len, FRAME_DATA, FLAG_END_STREAM, STREAM_ID);
        put_byte(&b, 0);
        put_be32(&b, (uint32_t)m.len);
        put(&b, msg, m.len);
        if (b.overflow || m.overflow)
                return -E2BIG;
        return (ssize_t)b.len;
}

/* ---- the response ---- */

static uint32_t
be24(const uint8_t *p)
{
        return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t
be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
bad(struct probe_grpc_response *r, const char *what)
{
        r->what = what;
        return -EBADMSG;
}

/* a protobuf varint at m[*pos...n]: 0, or -EBADMSG when cut short or longer than 10 bytes */
static int
pb_read_varint(const uint8_t *m, size_t n, size_t *pos, uint64_t *ret)
{
        uint64_t v = 0;

        for (unsigned i = 0; i < 10; i++) {
                uint8_t c;

                if (*pos >= n)
                        return -EBADMSG;
                c = m[(*pos)++];
                v |= (uint64_t)(c & 0x7f) << (7 * i);
                if (!(c & 0x80)) {
                        *ret = v;
                        return 0;
                }
        }
        return -EBADMSG;
}

/*
 * HealthCheckResponse { ServingStatus status = 1; }, as Go's protobuf
 * decodes it: fields it does not know are skipped, the last status wins, a
 * status of another wire type is an unknown field, none is UNKNOWN (0).
 */
static int
decode_health(const uint8_t *m, size_t n, int32_t *ret_status)
{
        int32_t status = PROBE_GRPC_UNKNOWN;
        size_t pos = 0;

        while (pos < n) {
                uint64_t key, v;

                if (pb_read_varint(m, n, &pos, &key) < 0 || (key >> 3) == 0 ||
                    key >> 3 > UINT32_C(0x1fffffff))
                        return -EBADMSG;
                switch (key & 7) {
                case 0: /* varint */
                        if (pb_read_varint(m, n, &pos, &v) < 0)
                                return -EBADMSG;
                        if (key >> 3 == 1)
                                status = (int32_t)(uint32_t)v; /* an enum is an int32 */
                        break;
                case 1: /* 64-bit */
                        if (n - pos < 8)
                                return -EBADMSG;
                        pos += 8;
                        break;
                case 2: /* length-delimited */
                        if (pb_read_varint(m, n, &pos, &v) < 0 || v > n - pos)
                                return -EBADMSG;
                        pos += (size_t)v;
                        break;
                case 5: /* 32-bit */
                        if (n - pos < 4)
                                return -EBADMSG;
                        pos += 4;
                        break;
                default: /* groups (3, 4) are not in proto3; 6 and 7 are no wire types */
                        return -EBADMSG;
                }
        }
        *ret_status = status;
        return 0;
}

/*
 * The gRPC message, once msg holds all of it: 1 when it is in and decoded
 * (*status), 0 when more is needed, -EBADMSG.
 */
static int
take_message(const uint8_t *msg, size_t len, struct probe_grpc_response *ret)
{
        uint32_t mlen;

        if (len < 5)
                return 0;
        /* no grpc-encoding was offered: the server may not compress (gRPC's PROTOCOL-HTTP2) */
        if (msg[0] != 0)
                return bad(ret,
                           "grpc: the server compressed its response, which was not asked for");
        mlen = be32(msg + 1);
        if (mlen > PROBE_GRPC_READ_MAX)
                return bad(ret, "grpc: the response message is larger than 16384 bytes");
        if (len - 5 < mlen)
                return 0;
        if (len - 5 > mlen)
                return bad(ret, "grpc: the server sent more than one response message");
        if (decode_health(msg + 5, mlen, &ret->status) < 0)
                return bad(ret, "grpc: failed to unmarshal the received message: not a "
                                "HealthCheckResponse");
        ret->end = PROBE_GRPC_RESPONSE;
        return 1;
}

int
probe_grpc_parse(const uint8_t *buf, size_t len, struct probe_grpc_response *ret)
{
        /* the message's bytes, gathered from its DATA frames (no more than is read) */
        uint8_t msg[PROBE_GRPC_READ_MAX];
        bool headers = false, continuation = false;
        uint32_t continuation_stream = 0;
        size_t pos = 0, msg_len = 0;

        *ret = (struct probe_grpc_response){.end = _PROBE_GRPC_END_INVALID};
        if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0)
                return bad(ret, "the server answered in HTTP/1, not HTTP/2");
        while (len - pos >= FRAME_HEADER_LEN) {
                const uint8_t *f = buf + pos, *p = f + FRAME_HEADER_LEN;
                uint32_t flen = be24(f), stream = be32(f + 5) & UINT32_C(0x7fffffff);
                uint8_t type = f[3], flags = f[4];
                int r;

                /* what the frame header alone shows wrong is wrong at once */
                if (flen > FRAME_MAX)
                        return bad(ret, "http2: a frame is larger than 16384 bytes");
                /* RFC 9113 3.4: the server's preface is a SETTINGS frame */
                if (pos == 0 && (type != FRAME_SETTINGS || (flags & FLAG_ACK)))
                        return bad(ret, "http2: the server did not start with SETTINGS");
                /* RFC 9113 6.10: nothing between a header block's frames */
                if (continuation && (type != FRAME_CONTINUATION || stream != continuation_stream))
                        return bad(ret, "http2: a header block was interrupted");
                if (len - pos - FRAME_HEADER_LEN < flen)
                        return -EAGAIN; /* the rest of the frame is still to come */
                pos += FRAME_HEADER_LEN + flen;

                switch (type) {
                case FRAME_DATA: {
                        uint32_t pad = 0, skip = 0;

                        if (stream == 0)
                                return bad(ret, "http2: DATA on stream 0");
                        if (stream != STREAM_ID)
                                break;
                        if (!headers)
                                return bad(ret, "http2: DATA before the response's HEADERS");
                        if (flags & FLAG_PADDED) {
                                if (flen < 1)
                                        return bad(ret, "http2: a padded frame without padding");
                                pad = p[0];
                                skip = 1;
                                if (pad > flen - 1)
                                        return bad(ret, "http2: more padding than frame");
                        }
                        if (flen - skip - pad > sizeof(msg) - msg_len)
                                return bad(ret, "grpc: the response message is larger than "
                                                "16384 bytes");
                        memcpy(msg + msg_len, p + skip, flen - skip - pad);
                        msg_len += flen - skip - pad;
                        r = take_message(msg, msg_len, ret);
                        if (r != 0)
                                return r < 0 ? r : 0;
                        if (flags & FLAG_END_STREAM)
                                return bad(ret, msg_len == 0 ? "grpc: the server sent no message"
                                                             : "grpc: the response message was "
                                                               "cut short");
                        break;
                }
                case FRAME_HEADERS:
                        if (stream == 0)
                                return bad(ret, "http2: HEADERS on stream 0");
                        if (!(flags & FLAG_END_HEADERS)) {
                                continuation = true;
                                continuation_stream = stream;
                        }
                        if (stream != STREAM_ID)
                                break;
                        headers = true;
                        /* trailers: after no message (an error status), or part of one */
                        if (flags & FLAG_END_STREAM) {
                                if (msg_len > 0)
                                        return bad(ret, "grpc: the response message was cut short");
                                ret->end = PROBE_GRPC_NO_RESPONSE;
                                return 0;
                        }
                        break;
                case FRAME_CONTINUATION:
                        if (!continuation)
                                return bad(ret, "http2: CONTINUATION without HEADERS");
                        if (flags & FLAG_END_HEADERS)
                                continuation = false;
                        break;
                case FRAME_RST_STREAM:
                        if (stream == 0 || flen != 4)
                                return bad(ret, "http2: a malformed RST_STREAM frame");
                        if (stream != STREAM_ID)
                                break;
                        ret->end = PROBE_GRPC_RESET;
                        ret->error_code = be32(p);
                        return 0;
                case FRAME_SETTINGS:
                        if (stream != 0 || (flags & FLAG_ACK ? flen != 0 : flen % 6 != 0))
                                return bad(ret, "http2: a malformed SETTINGS frame");
                        if (!(flags & FLAG_ACK))
                                ret->settings++;
                        break;
                case FRAME_PUSH_PROMISE:
                        return bad(ret, "http2: the server pushed a stream, which the client "
                                        "had disabled");
                case FRAME_PING:
                        if (stream != 0 || flen != 8)
                                return bad(ret, "http2: a malformed PING frame");
                        if (flags & FLAG_ACK)
                                break;
                        if (ret->pings < PROBE_GRPC_PINGS_MAX)
                                ret->ping_at[ret->pings] = (size_t)(p - buf);
                        ret->pings++;
                        break;
                case FRAME_GOAWAY:
                        if (stream != 0 || flen < 8)
                                return bad(ret, "http2: a malformed GOAWAY frame");
                        /* a graceful one that takes the call in: the answer still comes */
                        if ((be32(p) & UINT32_C(0x7fffffff)) >= STREAM_ID && be32(p + 4) == 0)
                                break;
                        ret->end = PROBE_GRPC_GOAWAY;
                        ret->error_code = be32(p + 4);
                        return 0;
                case FRAME_WINDOW_UPDATE:
                        if (flen != 4)
                                return bad(ret, "http2: a malformed WINDOW_UPDATE frame");
                        break;
                default: /* PRIORITY, and types unknown: RFC 9113 5.5 says to skip them */
                        break;
                }
        }
        return -EAGAIN;
}

/* Go's http2.ErrCode.String() */
static void
h2_error_name(uint32_t code, char *buf, size_t cap)
{
        static const char *const names[] = {
                "NO_ERROR",
                "PROTOCOL_ERROR",
                "INTERNAL_ERROR",
                "FLOW_CONTROL_ERROR",
                "SETTINGS_TIMEOUT",
                "STREAM_CLOSED",
                "FRAME_SIZE_ERROR",
                "REFUSED_STREAM",
                "CANCEL",
                "COMPRESSION_ERROR",
                "CONNECT_ERROR",
                "ENHANCE_YOUR_CALM",
                "INADEQUATE_SECURITY",
                "HTTP_1_1_REQUIRED",
        };

        if (code < sizeof(names) / sizeof(names[0]))
                (void)snprintf(buf, cap, "%s", names[code]);
        else
                (void)snprintf(buf, cap, "unknown error code 0x%x", (unsigned)code);
}

/* the gRPC code grpc-go gives a stream reset with an HTTP/2 error code */
static const char *
reset_grpc_code(uint32_t code)
{
        switch (code) {
        case 0x3: /* FLOW_CONTROL_ERROR */
        case 0xb: /* ENHANCE_YOUR_CALM */
                return "ResourceExhausted";
        case 0x7: /* REFUSED_STREAM */
                return "Unavailable";
        case 0x8: /* CANCEL */
                return "Canceled";
        case 0xc: /* INADEQUATE_SECURITY */
                return "PermissionDenied";
        default:
                return "Internal";
        }
}

/* HealthCheckResponse.ServingStatus as Go's String() says it: its name, or its number */
static void
status_name(int32_t status, char *buf, size_t cap)
{
        static const char *const names[] = {"UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"};

        if (status >= 0 && (size_t)status < sizeof(names) / sizeof(names[0]))
                (void)snprintf(buf, cap, "%s", names[status]);
        else
                (void)snprintf(buf, cap, "%d", (int)status);
}

int
probe_grpc_outcome(const uint8_t *buf, size_t len, bool eof, struct probe_grpc_response *resp,
                   struct probe_outcome *ret)
{
        char name[48];
        int r;

        if (len > PROBE_GRPC_READ_MAX)
                len = PROBE_GRPC_READ_MAX;
        r = probe_grpc_parse(buf, len, resp);
        if (r == -EBADMSG) {
                probe_outcome_set(ret, PROBE_FAILURE, RPC_FAILED "code = Internal desc = %s",
                                  resp->what);
                return 1;
        }
        if (r == 0) {
                switch (resp->end) {
                case PROBE_GRPC_RESPONSE:
                        if (resp->status == PROBE_GRPC_SERVING) {
                                probe_outcome_set(ret, PROBE_SUCCESS, "%s", "");
                                break;
                        }
                        status_name(resp->status, name, sizeof(name));
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          "service unhealthy (responded with \"%s\")", name);
                        break;
                case PROBE_GRPC_RESET:
                        h2_error_name(resp->error_code, name, sizeof(name));
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          RPC_FAILED "code = %s desc = stream terminated by "
                                                     "RST_STREAM with error code: %s",
                                          reset_grpc_code(resp->error_code), name);
                        break;
                case PROBE_GRPC_GOAWAY:
                        h2_error_name(resp->error_code, name, sizeof(name));
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          RPC_FAILED "code = Unavailable desc = the server sent "
                                                     "GOAWAY with error code: %s",
                                          name);
                        break;
                default:
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          RPC_FAILED "the server closed the stream without a "
                                                     "response");
                        break;
                }
                return 1;
        }
        if (len >= PROBE_GRPC_READ_MAX) {
                probe_outcome_set(ret, PROBE_FAILURE,
                                  RPC_FAILED "code = ResourceExhausted desc = no response in the "
                                             "first %u bytes the server sent",
                                  PROBE_GRPC_READ_MAX);
                return 1;
        }
        if (!eof)
                return 0;
        probe_outcome_set(ret, PROBE_FAILURE,
                          RPC_FAILED "code = Unavailable desc = error reading from server: %s",
                          len == 0 ? "EOF" : "unexpected EOF");
        return 1;
}

/* ---- messages ---- */

/* v / unit, and its fraction without trailing zeros ("1.5"); digits: log10(unit) */
static int
go_fraction(char *buf, size_t cap, int64_t v, int64_t unit, int digits)
{
        int64_t frac = v % unit;

        if (frac == 0)
                return snprintf(buf, cap, "%lld", (long long)(v / unit));
        while (frac % 10 == 0) {
                frac /= 10;
                digits--;
        }
        return snprintf(buf, cap, "%lld.%0*lld", (long long)(v / unit), digits, (long long)frac);
}

void
probe_go_duration(int64_t ns, char *buf, size_t cap)
{
        const int64_t s = INT64_C(1000000000);
        int n = 0;

        if (cap == 0)
                return;
        buf[0] = '\0';
        if (ns < 0) {
                /* no probe has a negative time; Go writes a minus sign */
                (void)snprintf(buf, cap, "-");
                probe_go_duration(ns == INT64_MIN ? INT64_MAX : -ns, buf + 1, cap - 1);
                return;
        }
        if (ns == 0) {
                (void)snprintf(buf, cap, "0s");
        } else if (ns < 1000) {
                (void)snprintf(buf, cap, "%lldns", (long long)ns);
        } else if (ns < 1000000) {
                n = go_fraction(buf, cap, ns, 1000, 3);
                if (n >= 0 && (size_t)n < cap)
                        (void)snprintf(buf + n, cap - (size_t)n, "\xc2\xb5s");
        } else if (ns < s) {
                n = go_fraction(buf, cap, ns, 1000000, 6);
                if (n >= 0 && (size_t)n < cap)
                        (void)snprintf(buf + n, cap - (size_t)n, "ms");
        } else {
                int64_t h = ns / (3600 * s), m = ns / (60 * s) % 60;

                if (h > 0)
                        n = snprintf(buf, cap, "%lldh%lldm", (long long)h, (long long)m);
                else if (m > 0)
                        n = snprintf(buf, cap, "%lldm", (long long)m);
                if (n >= 0 && (size_t)n < cap) {
                        int k = go_fraction(buf + n, cap - (size_t)n, ns % (60 * s), s, 9);

                        if (k >= 0 && (size_t)n + (size_t)k < cap)
                                (void)snprintf(buf + n + k, cap - (size_t)n - (size_t)k, "s");
                }
        }
}

/* ---- the client ---- */

/* the ACKs the server is owed for what resp counts, past those sent already */
static void
send_acks(int fd, const uint8_t *buf, const struct probe_grpc_response *resp, uint32_t *settings,
          uint32_t *pings, int64_t deadline)
{
        for (; *settings < resp->settings; (*settings)++) {
                static const uint8_t ack[FRAME_HEADER_LEN] = {0, 0, 0, FRAME_SETTINGS, FLAG_ACK};

                /* a server that stopped reading: its answer, or its silence, decides */
                (void)probe_send_all(fd, ack, sizeof(ack), deadline);
        }
        for (; *pings < resp->pings && *pings < PROBE_GRPC_PINGS_MAX; (*pings)++) {
                uint8_t ack[FRAME_HEADER_LEN + 8] = {0, 0, 8, FRAME_PING, FLAG_ACK};

                memcpy(ack + FRAME_HEADER_LEN, buf + resp->ping_at[*pings], 8);
                (void)probe_send_all(fd, ack, sizeof(ack), deadline);
        }
}

void
probe_grpc_run(const struct probe_action *a, int64_t deadline, int64_t timeout_ns,
               struct probe_outcome *ret)
{
        _cleanup_free_ uint8_t *req = malloc(REQUEST_MAX), *resp = malloc(PROBE_GRPC_READ_MAX);
        _cleanup_close_ int fd = -EBADF;
        char hostport[PROBE_HOSTPORT_MAX], why[PROBE_MSG_MAX], timeout[32], e[64];
        struct probe_grpc_response parsed = {0};
        uint32_t settings_acked = 0, pings_acked = 0;
        size_t len = 0;
        ssize_t req_len;
        int r, write_err;

        if (!req || !resp) {
                probe_outcome_set(ret, PROBE_ERROR, "grpc probe: out of memory");
                return;
        }
        probe_go_duration(timeout_ns, timeout, sizeof(timeout));
        fd = probe_connect(a->host, a->port, deadline, hostport, why, sizeof(why));
        if (fd == -EINVAL && !hostport[0]) {
                probe_outcome_set(ret, PROBE_ERROR, "grpc probe: %s", why);
                return;
        }
        /*
         * kubelet's client dials again until the timeout, so that every
         * failed connection reads "timeout: failed to connect ..." there; the
         * monitor fails at once, with kubelet's words and the cause.
         */
        if (fd == -ETIMEDOUT) {
                probe_outcome_set(ret, PROBE_FAILURE,
                                  "timeout: failed to connect service \"%s\" within %s: context "
                                  "deadline exceeded",
                                  hostport, timeout);
                return;
        }
        if (fd < 0) {
                probe_outcome_set(ret, PROBE_FAILURE,
                                  "timeout: failed to connect service \"%s\" within %s: %s",
                                  hostport, timeout, why);
                return;
        }
        req_len = probe_grpc_request(hostport, a->service, req, REQUEST_MAX);
        if (req_len < 0) {
                probe_outcome_set(ret, PROBE_ERROR, "grpc probe: the request is too long");
                return;
        }
        r = probe_send_all(fd, req, (size_t)req_len, deadline);
        if (r == -ETIMEDOUT) {
                probe_outcome_set(ret, PROBE_FAILURE,
                                  "timeout: health rpc did not complete within %s", timeout);
                return;
        }
        /* a server may answer (GOAWAY, say) and close before it read it all: read what it sent */
        write_err = r < 0 ? -r : 0;
        for (;;) {
                ssize_t n;

                r = probe_wait_fd(fd, POLLIN, deadline);
                if (r == 0) {
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          "timeout: health rpc did not complete within %s",
                                          timeout);
                        return;
                }
                if (r < 0) {
                        probe_outcome_set(ret, PROBE_ERROR, "grpc probe: poll: %s",
                                          probe_strerror(-r, e));
                        return;
                }
                n = recv(fd, resp + len, PROBE_GRPC_READ_MAX - len, 0);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n <= 0 && len == 0 && write_err != 0) {
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          RPC_FAILED "code = Unavailable desc = connection error: "
                                                     "write tcp %s: write: %s",
                                          hostport, probe_strerror(write_err, e));
                        return;
                }
                if (n < 0) {
                        probe_outcome_set(ret, PROBE_FAILURE,
                                          RPC_FAILED "code = Unavailable desc = error reading from "
                                                     "server: read tcp %s: read: %s",
                                          hostport, probe_strerror(errno, e));
                        return;
                }
                len += (size_t)n;
                /* it decides at the latest when the buffer is full: recv() never gets 0 bytes */
                if (probe_grpc_outcome(resp, len, n == 0, &parsed, ret) == 1)
                        return;
                if (write_err == 0)
                        send_acks(fd, resp, &parsed, &settings_acked, &pings_acked, deadline);
        }
}
