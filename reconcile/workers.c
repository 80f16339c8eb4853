/*
 * reconcile/workers.c: the items of a plan (the pods of a Deployment, the
 * pods to take down) run in forked workers, so one pod's wait on netavark
 * or on a stop does not hold up the others. Processes, not threads: what
 * runs an item (storage, runtime) keeps per-process state (flocks, signal
 * masks, cwd-free *at() calls, children it waits for) that threads would
 * share. Each worker sends its results as JSON lines over its own pipe; the
 * parent reads every pipe to its end before it waits for the workers, so a
 * worker never blocks on a full pipe.
 */
#include "workers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define WORKERS_MAX 16
#define LINE_MAX_BYTES (1U << 20)

size_t
workers_default(size_t n)
{
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        size_t w = cpus > 0 ? (size_t)cpus * 2 : 2;

        if (w > WORKERS_MAX)
                w = WORKERS_MAX;
        return w < n ? w : n;
}

void
workers_results_free(struct workers_result *r, size_t n)
{
        for (size_t i = 0; r && i < n; i++) {
                json_decref(r[i].out);
                free(r[i].message);
        }
        free(r);
}

static void
run_one(size_t i, void *userdata, workers_fn fn, struct workers_result *res)
{
        struct berr *e = NULL;
        json_t *out = NULL;

        if (fn(i, userdata, &out, &e) < 0) {
                res->errnum = e && e->errnum ? e->errnum : EIO;
                res->message = strdup(e && e->msg ? e->msg : "failed");
        }
        res->out = out;
        berr_free(e);
}

/* A worker: items k, k+nw, k+2nw...; never returns */
static _Noreturn void
worker(size_t k, size_t nw, size_t n, workers_init_fn init, workers_fn fn, void *userdata, int fd,
       pid_t parent)
{
        struct berr *e = NULL;
        int status = 0;

        /*
         * A worker is part of its parent's command: when that is killed (kill
         * -9 of a play), the workers go too, and what they leave half made is
         * what the command itself would have left, for the next run to clean.
         */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);

        if (init && init(userdata, &e) < 0) {
                /* every item of this worker fails with the same message */
                for (size_t i = k; i < n; i += nw) {
                        _cleanup_free_ char *line = NULL;
                        json_t *j = json_pack("{s:I, s:i, s:s}", "i", (json_int_t)i, "errno",
                                              e->errnum ? e->errnum : EIO, "message", e->msg);
                        line = j ? json_dumps(j, JSON_COMPACT) : NULL;
                        json_decref(j);
                        if (line && fs_write_all(fd, line, strlen(line)) == 0)
                                (void)fs_write_all(fd, "\n", 1);
                }
                _exit(2);
        }
        for (size_t i = k; i < n; i += nw) {
                struct workers_result res = {0};
                _cleanup_free_ char *line = NULL;
                json_t *j;

                run_one(i, userdata, fn, &res);
                j = json_pack("{s:I, s:i}", "i", (json_int_t)i, "errno", res.errnum);
                if (j && res.out)
                        json_object_set(j, "out", res.out);
                if (j && res.message)
                        json_object_set_new(j, "message", json_string(res.message));
                line = j ? json_dumps(j, JSON_COMPACT) : NULL;
                json_decref(j);
                json_decref(res.out);
                free(res.message);
                if (!line || fs_write_all(fd, line, strlen(line)) < 0 ||
                    fs_write_all(fd, "\n", 1) < 0)
                        status = 1;
        }
        (void)fflush(stdout);
        (void)fflush(stderr);
        _exit(status);
}

struct pipe_in {
        int fd;
        char *buf;
        size_t len;
};

/* Take the complete lines of in->buf into results */
static void
take_lines(struct pipe_in *in, struct workers_result *res, size_t n)
{
        char *start = in->buf, *nl;

        while ((nl = memchr(start, '\n', in->len - (size_t)(start - in->buf)))) {
                json_t *j = json_loadb(start, (size_t)(nl - start), 0, NULL);
                json_int_t i = json_integer_value(json_object_get(j, "i"));

                if (j && i >= 0 && (size_t)i < n && !res[i].out && !res[i].message &&
                    res[i].errnum == -1) {
                        const char *msg = json_string_value(json_object_get(j, "message"));

                        res[i].errnum = (int)json_integer_value(json_object_get(j, "errno"));
                        res[i].out = json_incref(json_object_get(j, "out"));
                        res[i].message = msg ? strdup(msg) : NULL;
                }
                json_decref(j);
                start = nl + 1;
        }
        in->len -= (size_t)(start - in->buf);
        memmove(in->buf, start, in->len);
}

static int
read_all(struct pipe_in *ins, size_t nw, struct workers_result *res, size_t n)
{
        size_t open = nw;

        while (open > 0) {
                struct pollfd pfd[WORKERS_MAX];
                size_t map[WORKERS_MAX], m = 0;

                for (size_t k = 0; k < nw; k++)
                        if (ins[k].fd >= 0) {
                                pfd[m] = (struct pollfd){.fd = ins[k].fd, .events = POLLIN};
                                map[m++] = k;
                        }
                if (poll(pfd, m, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                for (size_t q = 0; q < m; q++) {
                        struct pipe_in *in = &ins[map[q]];
                        char chunk[4096];
                        ssize_t k;

                        if (!(pfd[q].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        k = read(in->fd, chunk, sizeof(chunk));
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k > 0 && in->len + (size_t)k <= LINE_MAX_BYTES) {
                                char *nb = realloc(in->buf, in->len + (size_t)k);
                                if (!nb)
                                        return -ENOMEM;
                                in->buf = nb;
                                memcpy(in->buf + in->len, chunk, (size_t)k);
                                in->len += (size_t)k;
                                take_lines(in, res, n);
                                continue;
                        }
                        /* the end, an error, or a line too long to be one of ours */
                        (void)close(in->fd);
                        in->fd = -EBADF;
                        open--;
                }
        }
        return 0;
}

int
workers_run(size_t n, size_t max_workers, workers_init_fn init, workers_fn fn, void *userdata,
            struct workers_result **ret, struct berr **err)
{
        struct workers_result *res = calloc(n ? n : 1, sizeof(*res));
        struct pipe_in ins[WORKERS_MAX];
        pid_t pids[WORKERS_MAX];
        size_t nw = max_workers < n ? max_workers : n;
        int r = 0;

        if (!res)
                return berr(err, ENOMEM, "workers");
        if (nw > WORKERS_MAX)
                nw = WORKERS_MAX;
        if (nw <= 1) {
                for (size_t i = 0; i < n; i++)
                        run_one(i, userdata, fn, &res[i]);
                *ret = res;
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                res[i].errnum = -1; /* not heard of yet */
        for (size_t k = 0; k < nw; k++) {
                ins[k] = (struct pipe_in){.fd = -EBADF};
                pids[k] = -1;
        }
        (void)fflush(stdout);
        (void)fflush(stderr);
        for (size_t k = 0; k < nw; k++) {
                pid_t self = getpid();
                int fds[2];

                if (pipe2(fds, O_CLOEXEC) < 0) {
                        r = berr(err, errno, "workers: pipe");
                        break;
                }
                pids[k] = fork();
                if (pids[k] < 0) {
                        r = berr(err, errno, "workers: fork");
                        (void)close(fds[0]);
                        (void)close(fds[1]);
                        break;
                }
                if (pids[k] == 0) {
                        for (size_t q = 0; q < k; q++)
                                (void)close(ins[q].fd);
                        (void)close(fds[0]);
                        worker(k, nw, n, init, fn, userdata, fds[1], self);
                }
                (void)close(fds[1]);
                ins[k].fd = fds[0];
        }
        /* when not all could start, those that did run their items anyway: read and wait */
        {
                int rr = read_all(ins, nw, res, n);
                if (rr < 0 && r == 0)
                        r = berr(err, -rr, "workers: read the results");
        }
        for (size_t k = 0; k < nw; k++) {
                int status;

                if (ins[k].fd >= 0)
                        (void)close(ins[k].fd);
                free(ins[k].buf);
                if (pids[k] <= 0)
                        continue;
                while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
                        ;
        }
        for (size_t i = 0; i < n; i++)
                if (res[i].errnum == -1) {
                        res[i].errnum = EIO;
                        if (asprintf(&res[i].message,
                                     "the worker for item %zu exited before it said how it went",
                                     i) < 0)
                                res[i].message = NULL;
                }
        if (r < 0) {
                workers_results_free(res, n);
                return r;
        }
        *ret = res;
        return 0;
}
