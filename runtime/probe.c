/*
 * runtime/probe.c: running one Kubernetes probe (exec, httpGet,
 * tcpSocket; grpc with probe-grpc.c) for the pod monitor.
 *
 * Each run happens in a worker process forked from the monitor:
 * - the monitor's loop does not stop while a probe waits on its timeout
 *   (it goes on reading the container's output);
 * - the worker can enter the container's network namespace (setns) while
 *   the monitor stays in its own;
 * - what the container sends back (an HTTP response, a command's output) is
 *   parsed there, so a parser bug costs a worker, not the monitor;
 * - an exec probe's exit status reaches the worker, not the monitor, whose
 *   loop reaps every child it has with waitpid(-1).
 * The worker writes one struct probe_outcome to a pipe (less than PIPE_BUF:
 * one atomic write) and exits. It keeps the probe's timeout itself; the
 * monitor gives it a second more before it kills it.
 *
 * Messages follow kubelet's (Go's net/http and net errors), so that what
 * berth reports reads like what `kubectl describe pod` shows.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "probe.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/utf8.h"

#define NSEC_PER_MSEC INT64_C(1000000)
/* how long the monitor waits past the timeout for a worker's answer */
#define WORKER_GRACE_NS BACKOFF_NSEC_PER_SEC
/* "127.0.0.1:8080", "[ffff:...:ffff]:65535" */
#define HOSTPORT_MAX PROBE_HOSTPORT_MAX
_Static_assert(HOSTPORT_MAX >= INET6_ADDRSTRLEN + 8, "PROBE_HOSTPORT_MAX is too small");
/* the request target, after escaping */
#define TARGET_MAX 4096U
/* the whole request */
#define REQUEST_MAX 16384U
/* "http://" HOSTPORT TARGET, as messages show it */
#define URL_MAX (8 + HOSTPORT_MAX + TARGET_MAX)
/* Go's text for a request that ran out of time (http.Client.Timeout) */
#define TIMEOUT_TEXT "context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
/* a command as messages name it */
#define LABEL_MAX 128U
/* bytes of a response line a message quotes */
#define QUOTE_MAX 48U
/* 1xx heads skipped before a final one (Go's max1xxResponses) */
#define INTERIM_MAX 5
/* what an exec probe drains of its command's output after the command exited */
#define DRAIN_MAX (64U * 1024U)

struct probe_run {
        pid_t pid;
        int pidfd; /* -EBADF: the kernel has no pidfd_open (before 5.3) */
        int fd;    /* read end of the worker's pipe */
        int64_t deadline_ns;
        bool done;
        struct probe_outcome out;
};

int64_t
probe_now_ns(void)
{
        struct timespec t;

        /* CLOCK_MONOTONIC cannot fail with a valid pointer */
        (void)clock_gettime(CLOCK_MONOTONIC, &t);
        return backoff_ns_from_timespec(&t);
}

/* ---- messages ---- */

/* The length of the UTF-8 sequence a lead byte starts, 0 for a byte that starts none. */
static size_t
utf8_seq_len(unsigned char c)
{
        if (c >= 0xc2 && c <= 0xdf)
                return 2;
        if (c >= 0xe0 && c <= 0xef)
                return 3;
        if (c >= 0xf0 && c <= 0xf4)
                return 4;
        return 0;
}

/*
 * Make s fit for a log line or an event: control bytes and runs of white
 * space become one space, invalid UTF-8 becomes '?', a sequence cut short
 * at the end (snprintf truncation) goes, the ends are trimmed.
 */
static void
msg_clean(char *s)
{
        size_t n = strlen(s), out = 0;
        bool space = false;

        for (size_t i = 0; i < n;) {
                unsigned char c = (unsigned char)s[i];
                size_t k;

                if (c < 0x20 || c == 0x7f || c == ' ') {
                        space = out > 0;
                        i++;
                        continue;
                }
                if (space) {
                        s[out++] = ' ';
                        space = false;
                }
                if (c < 0x80) {
                        s[out++] = (char)c;
                        i++;
                        continue;
                }
                k = utf8_seq_len(c);
                if (k > 0 && i + k > n)
                        break; /* cut short */
                if (k == 0 || utf8_invalid_at(s + i, k) != k) {
                        s[out++] = '?';
                        i++;
                        continue;
                }
                memmove(s + out, s + i, k);
                out += k;
                i += k;
        }
        s[out] = '\0';
}

static void __attribute__((format(printf, 3, 0)))
voutcome(struct probe_outcome *o, enum probe_result r, const char *fmt, va_list ap)
{
        o->result = r;
        (void)vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
        msg_clean(o->msg);
}

static void __attribute__((format(printf, 3, 4)))
outcome(struct probe_outcome *o, enum probe_result r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        voutcome(o, r, fmt, ap);
        va_end(ap);
}

void
probe_outcome_set(struct probe_outcome *o, enum probe_result r, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        voutcome(o, r, fmt, ap);
        va_end(ap);
}

const char *
probe_strerror(int errnum, char buf[64])
{
#ifdef __GLIBC__
        const char *s = strerrordesc_np(errnum);
#else
        /* musl's strerror() is not translated: the same English text */
        const char *s = strerror(errnum);
#endif

        if (!s) {
                (void)snprintf(buf, 64, "errno %d", errnum);
                return buf;
        }
        (void)snprintf(buf, 64, "%s", s);
        if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
                buf[0] = (char)(buf[0] - 'A' + 'a');
        return buf;
}

/* n bytes of s as Go's %q would write them, at most QUOTE_MAX of them, in dst (NUL-terminated) */
static void
quote(char *dst, size_t cap, const char *s, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        size_t out = 0, take = n;

        if (take > QUOTE_MAX)
                take = QUOTE_MAX;
        for (size_t i = 0; i < take && out + 5 < cap; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '"' || c == '\\') {
                        dst[out++] = '\\';
                        dst[out++] = (char)c;
                } else if (c >= 0x20 && c < 0x7f) {
                        dst[out++] = (char)c;
                } else {
                        dst[out++] = '\\';
                        dst[out++] = 'x';
                        dst[out++] = hex[c >> 4];
                        dst[out++] = hex[c & 15];
                }
        }
        if (take < n && out + 4 < cap) {
                memcpy(dst + out, "...", 3);
                out += 3;
        }
        dst[out] = '\0';
}

/* ---- checking an action ---- */

static bool
is_tchar(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool
is_token(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!is_tchar((unsigned char)*s))
                        return false;
        return true;
}

/* a header value: HTAB, visible ASCII, space, and bytes >= 0x80 (RFC 9110 obs-text) */
static bool
is_field_value(const char *s)
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return false;
        }
        return true;
}

struct addr {
        struct sockaddr_storage ss;
        socklen_t len;
        char hostport[HOSTPORT_MAX]; /* Go's net.JoinHostPort(host, port) */
};

static int
parse_addr(const char *host, uint16_t port, struct addr *ret)
{
        struct sockaddr_in *in = (struct sockaddr_in *)&ret->ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ret->ss;

        if (!host || !*host)
                host = "127.0.0.1";
        memset(ret, 0, sizeof(*ret));
        if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(port);
                ret->len = sizeof(*in);
                (void)snprintf(ret->hostport, sizeof(ret->hostport), "%s:%u", host, (unsigned)port);
                return 0;
        }
        if (strlen(host) < INET6_ADDRSTRLEN && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(port);
                ret->len = sizeof(*in6);
                (void)snprintf(ret->hostport, sizeof(ret->hostport), "[%s]:%u", host,
                               (unsigned)port);
                return 0;
        }
        return -EINVAL;
}

static const char *const kind_names[_PROBE_KIND_MAX] = {
        [PROBE_EXEC] = "exec",
        [PROBE_HTTP_GET] = "httpGet",
        [PROBE_TCP_SOCKET] = "tcpSocket",
        [PROBE_GRPC] = "grpc",
};

static int
check_net(const struct probe_action *a, struct berr **err)
{
        struct addr ad;

        if (a->port == 0)
                return berr(err, 0, "%s probe: port 0 is out of range, expected 1-65535",
                            kind_names[a->kind]);
        if (parse_addr(a->host, a->port, &ad) < 0)
                return berr(err, 0,
                            "%s probe: host \"%s\" is not an IP address (berth-monitor resolves "
                            "no names)",
                            kind_names[a->kind], a->host);
        return 0;
}

static int
check_http(const struct probe_action *a, struct berr **err)
{
        if (a->scheme && *a->scheme && strcasecmp(a->scheme, "HTTP") != 0) {
                if (strcasecmp(a->scheme, "HTTPS") == 0)
                        return berr(err, EOPNOTSUPP,
                                    "httpGet probe: scheme HTTPS: berth-monitor has no TLS");
                return berr(err, 0, "httpGet probe: scheme \"%s\" is not valid, expected HTTP",
                            a->scheme);
        }
        if (a->n_headers > 0 && !a->headers)
                return berr(err, 0, "httpGet probe: headers missing");
        for (size_t i = 0; i < a->n_headers; i++) {
                const struct probe_http_header *h = &a->headers[i];

                if (!h->name || !is_token(h->name))
                        return berr(err, 0,
                                    "httpGet probe: httpHeaders[%zu].name \"%s\" is not a valid "
                                    "header name",
                                    i, h->name ? h->name : "");
                if (h->value && !is_field_value(h->value))
                        return berr(err, 0,
                                    "httpGet probe: httpHeaders[%zu].value holds a control "
                                    "character",
                                    i);
        }
        return check_net(a, err);
}

int
probe_action_check(const struct probe_action *a, struct berr **err)
{
        switch (a->kind) {
        case PROBE_EXEC:
                if (!a->argv || !a->argv[0] || !*a->argv[0])
                        return berr(err, 0, "exec probe: no command");
                return 0;
        case PROBE_HTTP_GET:
                return check_http(a, err);
        case PROBE_TCP_SOCKET:
                return check_net(a, err);
        case PROBE_GRPC:
                if (a->service && strlen(a->service) > PROBE_GRPC_SERVICE_MAX)
                        return berr(err, 0, "grpc probe: the service name is longer than %u bytes",
                                    PROBE_GRPC_SERVICE_MAX);
                return check_net(a, err);
        default:
                return berr(err, 0, "probe: kind %d is not exec, httpGet, tcpSocket or grpc",
                            (int)a->kind);
        }
}

/* ---- the worker: waiting, connecting ---- */

int
probe_wait_fd(int fd, short events, int64_t deadline)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int64_t now = probe_now_ns();
                int n;

                if (now >= deadline)
                        return 0;
                n = poll(&p, 1, probe_poll_timeout_ms(deadline, now));
                if (n > 0)
                        return 1;
                if (n < 0 && errno != EINTR)
                        return -errno;
        }
}

/*
 * A TCP connection to ad made before deadline. Returns the fd, or -errno
 * (-ETIMEDOUT at the deadline) with *ret_op the step that failed, as Go's
 * net.OpError names it ("socket", "connect").
 */
static int
dial(const struct addr *ad, int64_t deadline, const char **ret_op)
{
        _cleanup_close_ int fd = -EBADF;
        socklen_t len = sizeof(int);
        int r, soerr = 0;

        *ret_op = "socket";
        fd = socket(ad->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        *ret_op = "connect";
        if (connect(fd, (const struct sockaddr *)&ad->ss, ad->len) == 0)
                return TAKE_FD(fd);
        if (errno != EINPROGRESS && errno != EINTR)
                return -errno;
        r = probe_wait_fd(fd, POLLOUT, deadline);
        if (r <= 0)
                return r == 0 ? -ETIMEDOUT : r;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
                return -errno;
        if (soerr != 0)
                return -soerr;
        return TAKE_FD(fd);
}

/* Go's dial error, "dial tcp 127.0.0.1:8080: connect: connection refused" */
static void
dial_error(char *buf, size_t cap, const struct addr *ad, const char *op, int r)
{
        char e[64];

        if (r == -ETIMEDOUT)
                (void)snprintf(buf, cap, "dial tcp %s: i/o timeout", ad->hostport);
        else
                (void)snprintf(buf, cap, "dial tcp %s: %s: %s", ad->hostport, op,
                               probe_strerror(-r, e));
}

int
probe_connect(const char *host, uint16_t port, int64_t deadline, char hostport[PROBE_HOSTPORT_MAX],
              char *why, size_t why_cap)
{
        const char *op = NULL;
        struct addr ad;
        int fd;

        hostport[0] = '\0';
        if (parse_addr(host, port, &ad) < 0) {
                (void)snprintf(why, why_cap, "host \"%s\" is not an IP address", host);
                return -EINVAL;
        }
        memcpy(hostport, ad.hostport, sizeof(ad.hostport));
        fd = dial(&ad, deadline, &op);
        if (fd < 0)
                dial_error(why, why_cap, &ad, op, fd);
        return fd;
}

static void
run_tcp(const struct probe_action *a, int64_t deadline, struct probe_outcome *o)
{
        char why[PROBE_MSG_MAX];
        const char *op = NULL;
        struct addr ad;
        int fd;

        if (parse_addr(a->host, a->port, &ad) < 0) {
                outcome(o, PROBE_ERROR, "tcpSocket probe: host is not an IP address");
                return;
        }
        fd = dial(&ad, deadline, &op);
        if (fd < 0) {
                dial_error(why, sizeof(why), &ad, op, fd);
                outcome(o, PROBE_FAILURE, "%s", why);
                return;
        }
        (void)close(fd);
        outcome(o, PROBE_SUCCESS, "%s", "");
}

/* ---- httpGet ---- */

struct strbuf {
        char *buf;
        size_t len, cap;
        bool overflow;
};

static void
sb_add(struct strbuf *b, const char *s, size_t n)
{
        if (b->overflow || n >= b->cap - b->len) {
                b->overflow = true;
                return;
        }
        memcpy(b->buf + b->len, s, n);
        b->len += n;
        b->buf[b->len] = '\0';
}

static void
sb_str(struct strbuf *b, const char *s)
{
        sb_add(b, s, strlen(s));
}

/*
 * The request target for path: "/" when empty, a '/' in front when it has
 * none, the #fragment dropped, and bytes that may not stand in a request
 * line %-escaped (a '%' already there is taken as an escape and kept).
 */
static int
build_target(const char *path, struct strbuf *b)
{
        static const char hex[] = "0123456789ABCDEF";

        if (!path || *path != '/')
                sb_add(b, "/", 1);
        for (const char *p = path ? path : ""; *p && *p != '#'; p++) {
                unsigned char c = (unsigned char)*p;

                if (c <= 0x20 || c >= 0x7f || strchr("\"<>\\^`{|}", c)) {
                        char e[3] = {'%', hex[c >> 4], hex[c & 15]};

                        sb_add(b, e, 3);
                } else {
                        sb_add(b, p, 1);
                }
        }
        return b->overflow ? -E2BIG : 0;
}

/* the first header named name (case does not matter), or NULL */
static const struct probe_http_header *
find_header(const struct probe_action *a, const char *name)
{
        for (size_t i = 0; i < a->n_headers; i++)
                if (strcasecmp(a->headers[i].name, name) == 0)
                        return &a->headers[i];
        return NULL;
}

/*
 * The request, as kubelet's prober sends it (pkg/probe/http/request.go):
 * its Host, User-Agent and Accept unless the spec gives them, no
 * keep-alive.
 */
static int
build_request(const struct probe_action *a, const struct addr *ad, const char *target,
              struct strbuf *b)
{
        const struct probe_http_header *host = find_header(a, "Host");
        const struct probe_http_header *ua = find_header(a, "User-Agent");
        const struct probe_http_header *accept = find_header(a, "Accept");

        sb_str(b, "GET ");
        sb_str(b, target);
        sb_str(b, " HTTP/1.1\r\nHost: ");
        sb_str(b, host && host->value && *host->value ? host->value : ad->hostport);
        sb_str(b, "\r\n");
        /* Go writes the first User-Agent given, none when that is empty */
        if (!ua || (ua->value && *ua->value)) {
                sb_str(b, "User-Agent: ");
                sb_str(b, ua ? ua->value : PROBE_USER_AGENT);
                sb_str(b, "\r\n");
        }
        if (!accept)
                sb_str(b, "Accept: */*\r\n");
        for (size_t i = 0; i < a->n_headers; i++) {
                const struct probe_http_header *h = &a->headers[i];

                if (strcasecmp(h->name, "Host") == 0 || strcasecmp(h->name, "User-Agent") == 0)
                        continue;
                /* an Accept whose first value is empty removes them all */
                if (strcasecmp(h->name, "Accept") == 0 && (!accept->value || !*accept->value))
                        continue;
                sb_str(b, h->name);
                sb_str(b, ": ");
                sb_str(b, h->value ? h->value : "");
                sb_str(b, "\r\n");
        }
        sb_str(b, "Connection: close\r\n\r\n");
        return b->overflow ? -E2BIG : 0;
}

int
probe_send_all(int fd, const void *data, size_t len, int64_t deadline)
{
        const char *buf = data;

        while (len > 0) {
                ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
                int r;

                if (n >= 0) {
                        buf += n;
                        len -= (size_t)n;
                        continue;
                }
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return -errno;
                r = probe_wait_fd(fd, POLLOUT, deadline);
                if (r <= 0)
                        return r == 0 ? -ETIMEDOUT : r;
        }
        return 0;
}

static void
run_http(const struct probe_action *a, int64_t deadline, struct probe_outcome *o)
{
        _cleanup_free_ char *req = malloc(REQUEST_MAX), *target = malloc(TARGET_MAX);
        _cleanup_free_ char *resp = malloc(PROBE_HTTP_READ_MAX);
        _cleanup_close_ int fd = -EBADF;
        struct strbuf rb = {.buf = req, .cap = REQUEST_MAX};
        struct strbuf tb = {.buf = target, .cap = TARGET_MAX};
        char url[URL_MAX], why[PROBE_MSG_MAX], e[64];
        const char *op = NULL;
        struct addr ad;
        size_t len = 0;
        int r, write_err;

        if (!req || !target || !resp) {
                outcome(o, PROBE_ERROR, "httpGet probe: out of memory");
                return;
        }
        if (parse_addr(a->host, a->port, &ad) < 0) {
                outcome(o, PROBE_ERROR, "httpGet probe: host is not an IP address");
                return;
        }
        if (build_target(a->path, &tb) < 0 || build_request(a, &ad, target, &rb) < 0) {
                outcome(o, PROBE_ERROR, "httpGet probe: the request is longer than %u bytes",
                        REQUEST_MAX);
                return;
        }
        (void)snprintf(url, sizeof(url), "http://%s%s", ad.hostport, target);

        fd = dial(&ad, deadline, &op);
        if (fd < 0) {
                dial_error(why, sizeof(why), &ad, op, fd);
                outcome(o, PROBE_FAILURE, "Get \"%s\": %s", url, why);
                return;
        }
        r = probe_send_all(fd, req, rb.len, deadline);
        if (r == -ETIMEDOUT) {
                outcome(o, PROBE_FAILURE, "Get \"%s\": %s", url, TIMEOUT_TEXT);
                return;
        }
        /* a server may answer and close before it read the request: read what it sent */
        write_err = r < 0 ? -r : 0;
        for (;;) {
                ssize_t n;

                r = probe_wait_fd(fd, POLLIN, deadline);
                if (r == 0) {
                        outcome(o, PROBE_FAILURE, "Get \"%s\": %s", url, TIMEOUT_TEXT);
                        return;
                }
                if (r < 0) {
                        outcome(o, PROBE_ERROR, "Get \"%s\": poll: %s", url, probe_strerror(-r, e));
                        return;
                }
                n = recv(fd, resp + len, PROBE_HTTP_READ_MAX - len, 0);
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (n <= 0 && len == 0 && write_err != 0) {
                        outcome(o, PROBE_FAILURE, "Get \"%s\": write tcp %s: write: %s", url,
                                ad.hostport, probe_strerror(write_err, e));
                        return;
                }
                if (n < 0) {
                        outcome(o, PROBE_FAILURE, "Get \"%s\": read tcp %s: read: %s", url,
                                ad.hostport, probe_strerror(errno, e));
                        return;
                }
                len += (size_t)n;
                /* it decides at the latest when the buffer is full: recv() never gets 0 bytes */
                if (probe_http_outcome(url, resp, len, n == 0, o) == 1)
                        return;
        }
}

/* ---- HTTP responses ---- */

/* The line at buf[pos...]: its length without CR LF, and where the next one starts; false: no LF
 * yet. */
static bool
next_line(const char *buf, size_t len, size_t pos, size_t *ret_n, size_t *ret_next)
{
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n;

        if (!nl)
                return false;
        n = (size_t)(nl - (buf + pos));
        if (n > 0 && buf[pos + n - 1] == '\r')
                n--;
        *ret_n = n;
        *ret_next = (size_t)(nl - buf) + 1;
        return true;
}

static int
bad(struct probe_http_head *h, const char *what, const char *line, size_t n)
{
        h->what = what;
        h->line = line;
        h->line_len = n;
        return -EBADMSG;
}

/* "HTTP/1.1 200 OK": Go's ReadResponse checks, in its order */
static int
parse_status_line(const char *line, size_t n, struct probe_http_head *h)
{
        const char *sp = memchr(line, ' ', n), *code, *end = line + n;
        size_t clen;

        if (!sp)
                return bad(h, "malformed HTTP response", line, n);
        code = sp + 1;
        while (code < end && *code == ' ')
                code++;
        clen = (size_t)(end - code);
        if (memchr(code, ' ', clen))
                clen = (size_t)((const char *)memchr(code, ' ', clen) - code);
        if (clen != 3 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' ||
            code[2] < '0' || code[2] > '9')
                return bad(h, "malformed HTTP status code", code, clen);
        if (sp - line != 8 || memcmp(line, "HTTP/", 5) != 0 || line[5] < '0' || line[5] > '9' ||
            line[6] != '.' || line[7] < '0' || line[7] > '9')
                return bad(h, "malformed HTTP version", line, (size_t)(sp - line));
        h->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
        return 0;
}

/* "Name: value", as Go's textproto.ReadMIMEHeader takes it */
static int
parse_header_line(const char *line, size_t n, struct probe_http_head *h)
{
        const char *colon = memchr(line, ':', n);

        if (!colon)
                return bad(h, "malformed MIME header line", line, n);
        for (const char *p = line; p < colon; p++)
                if (!is_tchar((unsigned char)*p))
                        return bad(h, "malformed MIME header line", line, n);
        for (const char *p = colon + 1; p < line + n; p++) {
                unsigned char c = (unsigned char)*p;

                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return bad(h, "malformed MIME header line", line, n);
        }
        return 0;
}

int
probe_http_parse(const char *buf, size_t len, struct probe_http_head *ret)
{
        size_t pos = 0, n, next;
        int interim = 0, r;

        *ret = (struct probe_http_head){0};
        for (;;) {
                bool first = true;

                ret->status = 0;
                if (!next_line(buf, len, pos, &n, &next))
                        return -EAGAIN;
                r = parse_status_line(buf + pos, n, ret);
                if (r < 0)
                        return r;
                pos = next;
                for (;;) {
                        if (!next_line(buf, len, pos, &n, &next))
                                return -EAGAIN;
                        if (n == 0)
                                break;
                        if (buf[pos] == ' ' || buf[pos] == '\t') {
                                /* a continuation (obs-fold): not before the first header */
                                if (first)
                                        return bad(ret, "malformed MIME header initial line",
                                                   buf + pos, n);
                        } else {
                                r = parse_header_line(buf + pos, n, ret);
                                if (r < 0)
                                        return r;
                        }
                        first = false;
                        pos = next;
                }
                pos = next;
                /* 1xx heads but 101 (a switch, final) are interim: the real one follows */
                if (ret->status >= 100 && ret->status <= 199 && ret->status != 101) {
                        if (++interim > INTERIM_MAX)
                                return bad(ret, "too many 1xx informational responses", NULL, 0);
                        continue;
                }
                ret->head_len = pos;
                return 0;
        }
}

static void
status_outcome(int status, struct probe_outcome *o)
{
        /* kubelet: 200 <= status < 400 (pkg/probe/http/http.go) */
        if (status >= 200 && status < 400)
                outcome(o, PROBE_SUCCESS, "%s", "");
        else
                outcome(o, PROBE_FAILURE, "HTTP probe failed with statuscode: %d", status);
}

int
probe_http_outcome(const char *url, const char *buf, size_t len, bool eof,
                   struct probe_outcome *ret)
{
        struct probe_http_head h;
        char q[QUOTE_MAX * 4 + 8];
        int r;

        if (len > PROBE_HTTP_READ_MAX)
                len = PROBE_HTTP_READ_MAX;
        r = probe_http_parse(buf, len, &h);
        if (r == 0) {
                status_outcome(h.status, ret);
                return 1;
        }
        if (r == -EBADMSG) {
                quote(q, sizeof(q), h.line, h.line_len);
                if (!h.line)
                        outcome(ret, PROBE_FAILURE, "Get \"%s\": net/http: %s", url, h.what);
                else
                        outcome(ret, PROBE_FAILURE, "Get \"%s\": %s \"%s\"", url, h.what, q);
                return 1;
        }
        if (len >= PROBE_HTTP_READ_MAX) {
                /* no more is read: the status line decides, if it is in */
                if (h.status > 0)
                        status_outcome(h.status, ret);
                else
                        outcome(ret, PROBE_FAILURE,
                                "Get \"%s\": the status line is longer than %u bytes", url,
                                PROBE_HTTP_READ_MAX);
                return 1;
        }
        if (!eof)
                return 0;
        outcome(ret, PROBE_FAILURE, "Get \"%s\": %s", url, len == 0 ? "EOF" : "unexpected EOF");
        return 1;
}

/* ---- exec ---- */

/* argv joined with spaces, cut at LABEL_MAX */
static void
make_label(const struct probe_action *a, char label[LABEL_MAX])
{
        struct strbuf b = {.buf = label, .cap = LABEL_MAX};

        label[0] = '\0';
        if (a->label) {
                (void)snprintf(label, LABEL_MAX, "%s", a->label);
                return;
        }
        for (size_t i = 0; a->argv[i]; i++) {
                if (i > 0)
                        sb_add(&b, " ", 1);
                sb_str(&b, a->argv[i]);
        }
}

/* fd moved to fd target, without O_CLOEXEC */
static int
move_fd(int fd, int target)
{
        if (dup2(fd, target) < 0)
                return -errno;
        return 0;
}

/* The command's process: a process group of its own, default signals, then exec. */
static void __attribute__((noreturn))
exec_child(const struct probe_action *a, int out_fd, pid_t worker)
{
        static char *const no_env[] = {NULL};
        sigset_t none;
        int null_fd, fd;

        /* a signal the monitor ignores (SIGPIPE, SIGHUP) would stay ignored across exec */
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)signal(sig, SIG_DFL);
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0 || setpgid(0, 0) < 0)
                _exit(127);
        /* dies with the worker: a worker killed at the monitor's deadline leaves nothing */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != worker)
                _exit(127);
        /* out of the way of 0, 1 and 2 first: the pipe may sit on one of them */
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
        if (null_fd < 0 || fd < 0)
                _exit(127);
        if (null_fd < 3) {
                int moved = fcntl(null_fd, F_DUPFD_CLOEXEC, 3);

                if (moved < 0)
                        _exit(127);
                null_fd = moved;
        }
        if (move_fd(null_fd, 0) < 0 || move_fd(fd, 1) < 0 || move_fd(fd, 2) < 0)
                _exit(127);
        /* the monitor's fds (container output, log) are not the command's business */
        if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
                for (int i = 3; i < 1024; i++)
                        (void)close(i);
        execve(a->argv[0], a->argv, a->envp ? a->envp : no_env);
        dprintf(2, "exec %s: %s\n", a->argv[0], strerror(errno));
        _exit(127);
}

/* keep what fits of n bytes of output */
static void
keep_output(char *out, size_t *len, const char *buf, size_t n)
{
        size_t room = PROBE_MSG_MAX - 1 - *len;

        if (n > room)
                n = room;
        memcpy(out + *len, buf, n);
        *len += n;
        out[*len] = '\0';
}

/* Read what fd has now; false at EOF or an error. */
static bool
read_output(int fd, char *out, size_t *len, size_t limit)
{
        char buf[4096];
        size_t total = 0;

        while (total < limit) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN;
                if (n == 0)
                        return false;
                keep_output(out, len, buf, (size_t)n);
                total += (size_t)n;
        }
        return true;
}

static void
run_exec(const struct probe_action *a, int64_t deadline, struct probe_outcome *o)
{
        _cleanup_close_ int sfd = -EBADF, rfd = -EBADF, wfd = -EBADF;
        char label[LABEL_MAX], out[PROBE_MSG_MAX] = "";
        size_t out_len = 0;
        bool exited = false, timed_out = false;
        pid_t self = getpid(), pid;
        sigset_t mask;
        int p[2], st = 0;

        make_label(a, label);
        /* SIGCHLD ignored would reap the command before waitpid() sees its status */
        (void)signal(SIGCHLD, SIG_DFL);
        /* the command's exit wakes poll() through a signalfd */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
                outcome(o, PROBE_ERROR, "exec probe: signalfd: %s", strerror(errno));
                return;
        }
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
                outcome(o, PROBE_ERROR, "exec probe: pipe: %s", strerror(errno));
                return;
        }
        rfd = p[0];
        wfd = p[1];
        pid = fork();
        if (pid < 0) {
                outcome(o, PROBE_ERROR, "exec probe: fork: %s", strerror(errno));
                return;
        }
        if (pid == 0)
                exec_child(a, wfd, self);
        (void)setpgid(pid, pid); /* also here: the kill at the timeout must find the group */
        (void)close(TAKE_FD(wfd));

        while (!exited) {
                struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN},
                                       {.fd = rfd, .events = POLLIN}};
                int64_t now = probe_now_ns();
                pid_t w = waitpid(pid, &st, WNOHANG);

                if (w == pid || (w < 0 && errno != EINTR)) {
                        exited = w == pid;
                        break;
                }
                if (now >= deadline) {
                        timed_out = true;
                        break;
                }
                if (poll(pf, rfd >= 0 ? 2 : 1, probe_poll_timeout_ms(deadline, now)) < 0 &&
                    errno != EINTR)
                        break;
                if (pf[0].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                                ;
                }
                if (rfd >= 0 && pf[1].revents && !read_output(rfd, out, &out_len, DRAIN_MAX))
                        (void)close(TAKE_FD(rfd));
        }
        if (!exited) {
                /* the command and what it started in its group */
                (void)kill(-pid, SIGKILL);
                (void)kill(pid, SIGKILL);
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                        ;
        }
        /* what the command wrote before it exited; not waiting for EOF: its children may hold the
         * pipe */
        if (rfd >= 0)
                (void)read_output(rfd, out, &out_len, DRAIN_MAX);

        if (timed_out)
                outcome(o, PROBE_FAILURE, "command \"%s\" timed out", label);
        else if (!exited)
                outcome(o, PROBE_ERROR, "exec probe: wait for \"%s\": %s", label, strerror(errno));
        else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                outcome(o, PROBE_SUCCESS, "%s", out);
        else if (out_len > 0)
                outcome(o, PROBE_FAILURE, "%s", out);
        else if (WIFEXITED(st))
                outcome(o, PROBE_FAILURE, "command \"%s\" exited with status %d", label,
                        WEXITSTATUS(st));
        else
                outcome(o, PROBE_FAILURE, "command \"%s\" was killed by signal %d", label,
                        WTERMSIG(st));
        if (o->result == PROBE_FAILURE && !o->msg[0])
                outcome(o, PROBE_FAILURE, "command \"%s\" failed", label);
}

/* ---- the worker process ---- */

static void
write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                p += n;
                len -= (size_t)n;
        }
}

static void __attribute__((noreturn))
worker(const struct probe_action *a, int netns_fd, int64_t deadline, int64_t timeout_ns, int out_fd,
       pid_t parent)
{
        struct probe_outcome o = {.result = PROBE_ERROR};

        /* a monitor that dies takes its probes along */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        if (a->kind == PROBE_EXEC) {
                run_exec(a, deadline, &o);
        } else if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) < 0) {
                outcome(&o, PROBE_ERROR, "%s probe: enter the container's network namespace: %s",
                        kind_names[a->kind], strerror(errno));
        } else if (a->kind == PROBE_HTTP_GET) {
                run_http(a, deadline, &o);
        } else if (a->kind == PROBE_GRPC) {
                probe_grpc_run(a, deadline, timeout_ns, &o);
        } else {
                run_tcp(a, deadline, &o);
        }
        write_all(out_fd, &o, sizeof(o));
        _exit(0);
}

int
probe_start(const struct probe_action *a, int netns_fd, int64_t timeout_ns, struct probe_run **ret,
            struct berr **err)
{
        _cleanup_free_ struct probe_run *run = NULL;
        _cleanup_close_ int rfd = -EBADF, wfd = -EBADF;
        pid_t parent = getpid(), pid;
        int64_t start, deadline;
        int p[2], r;

        r = probe_action_check(a, err);
        if (r < 0)
                return r;
        if (timeout_ns < NSEC_PER_MSEC)
                return berr(err, 0, "%s probe: a timeout of %lld ns is too short",
                            kind_names[a->kind], (long long)timeout_ns);
        run = calloc(1, sizeof(*run));
        if (!run)
                return berr(err, ENOMEM, "probe");
        /* non-blocking: the monitor reads when poll says so; the worker's one write fits */
        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return berr(err, errno, "%s probe: pipe", kind_names[a->kind]);
        rfd = p[0];
        wfd = p[1];
        start = probe_now_ns();
        deadline = timeout_ns > INT64_MAX - start ? INT64_MAX : start + timeout_ns;
        pid = fork();
        if (pid < 0)
                return berr(err, errno, "%s probe: fork", kind_names[a->kind]);
        if (pid == 0) {
                (void)close(rfd);
                worker(a, netns_fd, deadline, timeout_ns, wfd, parent);
        }
        run->pid = pid;
        /* before the caller's loop can reap it: the pidfd keeps it ours to kill */
        run->pidfd = (int)syscall(SYS_pidfd_open, pid, 0U);
        if (run->pidfd < 0)
                run->pidfd = -EBADF;
        run->fd = TAKE_FD(rfd);
        run->deadline_ns =
                deadline > INT64_MAX - WORKER_GRACE_NS ? INT64_MAX : deadline + WORKER_GRACE_NS;
        *ret = TAKE_PTR(run);
        return 0;
}

int
probe_run_fd(const struct probe_run *run)
{
        return run->fd;
}

int64_t
probe_run_deadline(const struct probe_run *run)
{
        return run->deadline_ns;
}

static void
kill_worker(struct probe_run *run)
{
        if (run->pidfd >= 0)
                (void)syscall(SYS_pidfd_send_signal, run->pidfd, SIGKILL, NULL, 0U);
        else if (!run->done)
                (void)kill(run->pid, SIGKILL);
}

int
probe_run_collect(struct probe_run *run, int64_t now, struct probe_outcome *ret)
{
        struct probe_outcome o;
        ssize_t n;

        if (run->done) {
                *ret = run->out;
                return 1;
        }
        do
                n = read(run->fd, &o, sizeof(o));
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)sizeof(o) && o.result >= 0 && o.result < _PROBE_RESULT_MAX) {
                o.msg[sizeof(o.msg) - 1] = '\0';
                run->out = o;
        } else if (n >= 0) {
                outcome(&run->out, PROBE_ERROR, "probe: the worker exited without a result");
        } else if (errno != EAGAIN) {
                outcome(&run->out, PROBE_ERROR, "probe: read the result: %s", strerror(errno));
        } else if (now < run->deadline_ns) {
                return 0;
        } else {
                kill_worker(run);
                outcome(&run->out, PROBE_FAILURE, "probe: the worker did not answer in time");
        }
        run->done = true;
        *ret = run->out;
        return 1;
}

struct probe_run *
probe_run_free(struct probe_run *run)
{
        siginfo_t si;

        if (!run)
                return NULL;
        kill_worker(run);
        /* ECHILD: the caller's loop reaped it already */
        if (run->pidfd >= 0) {
                while (waitid((idtype_t)P_PIDFD, (id_t)run->pidfd, &si, WEXITED) < 0 &&
                       errno == EINTR)
                        ;
                (void)close(run->pidfd);
        } else {
                while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        if (run->fd >= 0)
                (void)close(run->fd);
        free(run);
        return NULL;
}

int
probe_run(const struct probe_action *a, int netns_fd, int64_t timeout_ns, struct probe_outcome *ret,
          struct berr **err)
{
        _cleanup_(probe_run_freep) struct probe_run *run = NULL;
        int r;

        r = probe_start(a, netns_fd, timeout_ns, &run, err);
        if (r < 0 || !run)
                return r < 0 ? r : -EINVAL;
        for (;;) {
                struct pollfd p = {.fd = run->fd, .events = POLLIN};
                int64_t now = probe_now_ns();

                if (probe_run_collect(run, now, ret) == 1)
                        return 0;
                if (poll(&p, 1, probe_poll_timeout_ms(run->deadline_ns, now)) < 0 && errno != EINTR)
                        return berr(err, errno, "%s probe: poll", kind_names[a->kind]);
        }
}
