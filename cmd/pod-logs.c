/*
 * cmd/pod-logs.c: berth pod logs, the output of a pod's containers as
 * podman's `pod logs` prints it: with more than one container, each line
 * starts with the short ID (or, with --names, the name) of the container
 * that wrote it.
 *
 * runtime_logs() prints one container's log on berth's own stdout and
 * stderr. For several, each runs in a child of its own whose stdout and
 * stderr are pipes to this process, which puts the prefix before each
 * line: in turn, container after container, or with --follow all at once,
 * lines going out as they come.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/pod.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* An unfinished line longer than this goes out in pieces */
#define LINE_MAX_KEPT (1U << 20)

struct member {
        char *id, *name;
};

struct members {
        struct member *v;
        size_t n;
};

static void
members_clear(struct members *m)
{
        for (size_t i = 0; m->v && i < m->n; i++) {
                free(m->v[i].id);
                free(m->v[i].name);
        }
        free(m->v);
        m->v = NULL;
        m->n = 0;
}

/*
 * The pod's containers, init containers first, each with its ID and name
 * (those whose record is gone are left out).
 */
static int
pod_members(struct storage *s, struct berth_ctx *ctx, const char *what, struct members *ret,
            struct berr **err)
{
        static const char *const keys[] = {"initContainers", "containers"};
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(members_clear) struct members m = {0};
        int r = runtime_pod_find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        m.v = calloc(json_array_size(json_object_get(rec, keys[0])) +
                             json_array_size(json_object_get(rec, keys[1])) + 1,
                     sizeof(*m.v));
        if (!m.v)
                return berr(err, ENOMEM, "pod");
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const json_t *c;
                size_t i;

                json_array_foreach (json_object_get(rec, keys[k]), i, c) {
                        _cleanup_(json_decrefp) json_t *info = NULL;
                        const char *id, *name;

                        if (!json_is_string(c) ||
                            runtime_inspect(s, ctx, json_string_value(c), &info, NULL) < 0)
                                continue;
                        id = json_string_value(json_object_get(info, "id"));
                        name = json_string_value(json_object_get(info, "name"));
                        m.v[m.n].id = strdup(id ? id : json_string_value(c));
                        m.v[m.n].name = strdup(name ? name : "");
                        m.n++;
                        if (!m.v[m.n - 1].id || !m.v[m.n - 1].name)
                                return berr(err, ENOMEM, "pod");
                }
        }
        ret->n = m.n;
        ret->v = TAKE_PTR(m.v);
        return 0;
}

/* The member named what (a name, else a unique ID prefix): its index; -ENOENT */
static int
find_member(const struct members *m, const char *what, size_t *ret)
{
        size_t len = strlen(what), hits = 0, at = 0;

        for (size_t i = 0; i < m->n; i++)
                if (strcmp(m->v[i].name, what) == 0) {
                        *ret = i;
                        return 0;
                }
        for (size_t i = 0; i < m->n; i++)
                if (len > 0 && strncmp(m->v[i].id, what, len) == 0) {
                        at = i;
                        hits++;
                }
        if (hits != 1)
                return -ENOENT;
        *ret = at;
        return 0;
}

static int
write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t w = write(fd, buf, len);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                buf += w;
                len -= (size_t)w;
        }
        return 0;
}

/* One of a child's two outputs: the read end of its pipe and what it left of a line */
struct stream {
        int fd;  /* -EBADF once at its end */
        int out; /* where its lines go: STDOUT_FILENO or STDERR_FILENO */
        char *line;
        size_t len;
};

struct reader {
        pid_t pid;
        const char *prefix;
        struct stream st[2];
};

/* prefix, then len bytes of text, then a newline when nl */
static int
emit(const struct reader *rd, const struct stream *st, const char *text, size_t len, bool nl)
{
        size_t plen = strlen(rd->prefix);
        _cleanup_free_ char *buf = malloc(plen + len + 1);

        if (!buf)
                return -ENOMEM;
        memcpy(buf, rd->prefix, plen);
        memcpy(buf + plen, text, len);
        if (nl)
                buf[plen + len] = '\n';
        return write_all(st->out, buf, plen + len + (nl ? 1 : 0));
}

/* What was read from st: whole lines out, the rest kept */
static int
take(struct reader *rd, struct stream *st, const char *data, size_t n)
{
        char *nl, *start;
        char *line = realloc(st->line, st->len + n + 1);
        int r;

        if (!line)
                return -ENOMEM;
        st->line = line;
        memcpy(line + st->len, data, n);
        st->len += n;
        start = line;
        while ((nl = memchr(start, '\n', st->len - (size_t)(start - line)))) {
                r = emit(rd, st, start, (size_t)(nl - start), true);
                if (r < 0)
                        return r;
                start = nl + 1;
        }
        st->len -= (size_t)(start - line);
        memmove(line, start, st->len);
        if (st->len >= LINE_MAX_KEPT) {
                r = emit(rd, st, line, st->len, false);
                st->len = 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

static void
reader_close(struct reader *rd)
{
        for (size_t k = 0; k < 2; k++) {
                if (rd->st[k].fd >= 0)
                        (void)close(rd->st[k].fd);
                rd->st[k].fd = -EBADF;
                free(rd->st[k].line);
                rd->st[k].line = NULL;
        }
}

/*
 * The child: the container's log, on pipes. Errors go to berth's stderr
 * (err_fd) as berth prints them; the exit status says how it went.
 */
static _Noreturn void
child(struct storage *s, struct berth_ctx *ctx, const char *id, const struct runtime_logs_opts *lo,
      pid_t parent, int out, int errp)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        int err_fd;

        /* a follower outlives nothing: it goes when berth does */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                _exit(EXIT_POD_FAILED);
        err_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        if (err_fd < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(errp, STDERR_FILENO) < 0)
                _exit(EXIT_POD_FAILED);
        if (runtime_logs(s, ctx, id, lo, &err) < 0) {
                dprintf(err_fd, "Error: %s\n", err && err->msg ? err->msg : "logs");
                _exit(EXIT_POD_FAILED);
        }
        _exit(0);
}

static int
spawn(struct storage *s, struct berth_ctx *ctx, const char *id, const struct runtime_logs_opts *lo,
      struct reader *rd, struct berr **err)
{
        int out[2], errp[2];
        pid_t parent = getpid(), pid;

        if (pipe2(out, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        if (pipe2(errp, O_CLOEXEC) < 0) {
                int e = errno;
                (void)close(out[0]);
                (void)close(out[1]);
                return berr(err, e, "pipe");
        }
        /* nothing buffered here may come out twice */
        (void)fflush(stdout);
        (void)fflush(stderr);
        pid = fork();
        if (pid < 0) {
                int e = errno;
                (void)close(out[0]);
                (void)close(out[1]);
                (void)close(errp[0]);
                (void)close(errp[1]);
                return berr(err, e, "fork");
        }
        if (pid == 0)
                child(s, ctx, id, lo, parent, out[1], errp[1]);
        (void)close(out[1]);
        (void)close(errp[1]);
        rd->pid = pid;
        rd->st[0] = (struct stream){.fd = out[0], .out = STDOUT_FILENO};
        rd->st[1] = (struct stream){.fd = errp[0], .out = STDERR_FILENO};
        return 0;
}

/*
 * Copy the readers' lines out, prefixed, until every stream has ended;
 * then reap the children. Returns 0, EXIT_POD_FAILED when a child failed,
 * or -errno when berth's own output failed (a reader that went away).
 */
static int
pump(struct reader *rds, size_t n)
{
        _cleanup_free_ struct pollfd *pfd = calloc(2 * n + 1, sizeof(*pfd));
        _cleanup_free_ char *buf = malloc(65536);
        int status = 0, r = 0;

        if (!pfd || !buf)
                r = -ENOMEM;
        while (r == 0) {
                bool open_any = false;
                size_t k = 0;

                for (size_t i = 0; i < n; i++)
                        for (size_t j = 0; j < 2; j++)
                                pfd[k++] = (struct pollfd){.fd = rds[i].st[j].fd, .events = POLLIN};
                for (size_t i = 0; i < k; i++)
                        open_any = open_any || pfd[i].fd >= 0;
                if (!open_any)
                        break;
                if (poll(pfd, k, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        r = -errno;
                        break;
                }
                for (size_t i = 0; i < k && r == 0; i++) {
                        struct reader *rd = &rds[i / 2];
                        struct stream *st = &rd->st[i % 2];
                        ssize_t got;

                        if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        got = read(st->fd, buf, 65536);
                        if (got < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (got > 0) {
                                r = take(rd, st, buf, (size_t)got);
                                continue;
                        }
                        /* the end: an unfinished last line goes out as it is, as podman does */
                        if (st->len > 0)
                                r = emit(rd, st, st->line, st->len, false);
                        st->len = 0;
                        (void)close(st->fd);
                        st->fd = -EBADF;
                }
        }
        for (size_t i = 0; i < n; i++) {
                pid_t got;
                int ws = 0;

                if (r < 0)
                        (void)kill(rds[i].pid, SIGTERM);
                reader_close(&rds[i]);
                do
                        got = waitpid(rds[i].pid, &ws, 0);
                while (got < 0 && errno == EINTR);
                if (got < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
                        status = EXIT_POD_FAILED;
        }
        return r < 0 ? r : status;
}

/*
 * Start a child for each of the n members from m (their readers: rds), copy
 * their lines out until they end. Returns 0, EXIT_POD_FAILED, or -EPIPE when
 * berth's reader went away.
 */
static int
run_batch(struct storage *s, struct berth_ctx *ctx, const struct member *m, struct reader *rds,
          size_t n, const struct runtime_logs_opts *lo)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        size_t started = 0;
        int r, status = 0;

        while (started < n && spawn(s, ctx, m[started].id, lo, &rds[started], &err) == 0)
                started++;
        r = pump(rds, started);
        if (started < n) {
                fprintf(stderr, "Error: %s\n", err ? err->msg : "logs");
                status = EXIT_POD_FAILED;
        }
        if (r == -EPIPE)
                return r;
        if (r < 0) {
                fprintf(stderr, "Error: write the logs: %s\n", strerror(-r));
                return EXIT_POD_FAILED;
        }
        return r > 0 ? r : status;
}

/* Several containers: each line after its container's short ID (or name) and a space */
static int
logs_of_several(struct storage *s, struct berth_ctx *ctx, const struct members *m,
                const struct runtime_logs_opts *lo, bool names)
{
        _cleanup_free_ struct reader *rds = calloc(m->n + 1, sizeof(*rds));
        _cleanup_(strv_freep) char **prefixes = calloc(m->n + 1, sizeof(*prefixes));
        int status = 0;

        if (!rds || !prefixes) {
                fprintf(stderr, "Error: out of memory\n");
                return EXIT_POD_FAILED;
        }
        for (size_t i = 0; i < m->n; i++) {
                if (asprintf(&prefixes[i], "%.*s ", names ? (int)strlen(m->v[i].name) : 12,
                             names ? m->v[i].name : m->v[i].id) < 0) {
                        prefixes[i] = NULL;
                        fprintf(stderr, "Error: out of memory\n");
                        return EXIT_POD_FAILED;
                }
                rds[i] = (struct reader){
                        .prefix = prefixes[i],
                        .st = {{.fd = -EBADF}, {.fd = -EBADF}},
                };
        }
        /* with --follow all at once, else in turn */
        if (lo->follow) {
                int r = run_batch(s, ctx, m->v, rds, m->n, lo);

                return r == -EPIPE ? 0 : r;
        }
        for (size_t i = 0; i < m->n; i++) {
                int r = run_batch(s, ctx, m->v + i, rds + i, 1, lo);

                if (r == -EPIPE)
                        break;
                if (r > 0)
                        status = r;
        }
        return status;
}

static void
logs_help(void)
{
        printf("Usage: berth pod logs [options] POD\n\n"
               "Print the output of a pod's containers (stdout and stderr), init\n"
               "containers first. With more than one container, each line starts with the\n"
               "short ID of the container that wrote it.\n\n"
               "Options:\n"
               "  -c, --container CTR  only this container of the pod (name or ID)\n"
               "  -f, --follow         keep printing output as it comes, until the\n"
               "                       containers exit\n"
               "  -n, --names          start lines with container names, not IDs\n"
               "  -t, --timestamps     print each line's time\n"
               "      --since TIME     only lines after TIME (RFC 3339, Unix seconds, or a\n"
               "                       duration such as 10m)\n"
               "      --until TIME     only lines before TIME\n"
               "      --tail N         only the last N lines of each container\n"
               "  -l, --latest         the newest pod\n"
               "  -h, --help           show this help\n");
}

enum {
        OPT_SINCE = 256,
        OPT_UNTIL,
        OPT_TAIL,
};

int
cmd_pod_logs(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"container", required_argument, NULL, 'c'},
                {"follow", no_argument, NULL, 'f'},
                {"names", no_argument, NULL, 'n'},
                {"timestamps", no_argument, NULL, 't'},
                {"since", required_argument, NULL, OPT_SINCE},
                {"until", required_argument, NULL, OPT_UNTIL},
                {"tail", required_argument, NULL, OPT_TAIL},
                {"latest", no_argument, NULL, 'l'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *newest = NULL;
        _cleanup_(members_clear) struct members m = {0};
        struct runtime_logs_opts lo = {.tail = -1};
        const char *container = NULL, *pod;
        bool names = false, latest = false;
        size_t pick = 0;
        struct timespec now;
        int c, r;

        (void)clock_gettime(CLOCK_REALTIME, &now);
        optind = 1;
        while ((c = getopt_long(argc, argv, "c:fntlh", options, NULL)) != -1) {
                switch (c) {
                case 'c':
                        container = optarg;
                        break;
                case 'f':
                        lo.follow = true;
                        break;
                case 'n':
                        names = true;
                        break;
                case 't':
                        lo.timestamps = true;
                        break;
                case OPT_SINCE:
                case OPT_UNTIL:
                        if (runtime_parse_time(optarg, now,
                                               c == OPT_SINCE ? &lo.since : &lo.until) < 0)
                                return cmd_usage_error("pod logs",
                                                       "--%s \"%s\": expected a time (RFC 3339, "
                                                       "Unix seconds) or a duration (10m, 1h30m)",
                                                       c == OPT_SINCE ? "since" : "until", optarg);
                        break;
                case OPT_TAIL: {
                        char *end;
                        long long v = strtoll(optarg, &end, 10);

                        if (end == optarg || *end || v < -1)
                                return cmd_usage_error("pod logs",
                                                       "--tail \"%s\": expected a number of lines",
                                                       optarg);
                        lo.tail = v;
                        break;
                }
                case 'l':
                        latest = true;
                        break;
                case 'h':
                        logs_help();
                        return 0;
                default:
                        return cmd_usage_error("pod logs", "see the options above");
                }
        }
        if (latest ? optind != argc : optind != argc - 1)
                return cmd_usage_error("pod logs", latest ? "--latest and pods cannot be used "
                                                            "together"
                                                          : "expected one pod name or ID");
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        if (latest && pod_latest(s, ctx, &newest, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_POD_FAILED;
        }
        pod = latest ? newest : argv[optind];
        r = pod_members(s, ctx, pod, &m, &err);
        if (r < 0)
                return pod_print_find_error(pod, r, err);
        if (container && find_member(&m, container, &pick) < 0) {
                fprintf(stderr, "Error: container %s is not in pod %s: no such container\n",
                        container, pod);
                return EXIT_POD_FAILED;
        }
        if (m.n == 0)
                return 0;
        /* one container: its log as `berth logs` prints it, no prefix (podman's too) */
        if (container || m.n == 1) {
                if (runtime_logs(s, ctx, m.v[pick].id, &lo, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        return EXIT_POD_FAILED;
                }
                return 0;
        }
        return logs_of_several(s, ctx, &m, &lo, names);
}
