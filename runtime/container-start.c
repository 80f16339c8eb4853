/*
 * runtime/container-start.c: `berth start`. A detached child of ours (a
 * session of its own, so that no terminal signal reaches it; it outlives
 * us, re-parented when we exit) creates the container and writes the
 * running state into the record, then execs berth-monitor: no second berth
 * has to start, and the record never says "running" after the exit is
 * recorded. One fork, not two: each fork copies berth's address space, and
 * a start waits for it.
 *
 * The monitor reads no JSON: what it needs of the record (the restart
 * policy, probes and lifecycle hooks, the stop signal) goes on its command
 * line, built here (monitor/probes.h says how probes are spelled there).
 * `berth internal restart` starts a container again through here too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/strv.h"
#include "util/vmchild.h"

#define STATUS_MAX 4096

/*
 * A start under way: the monitor's process (our child until we exit), its
 * status pipe, and what it starts from, kept until it has exec'd.
 */
struct runtime_starting {
        pid_t pid;     /* once the thread that starts it has been joined */
        int errnum;    /* why it could not be started (pid < 0) */
        int status_fd; /* where the monitor says "P<pid>" or "E<message>" */
        int write_fd;  /* the pipe's other end, for the monitor */
        char *monitor; /* its executable */
        pid_t parent;  /* berth: the monitor's process dies with it until it execs */
        pthread_t thread;
        bool threaded;
        struct storage *s;
        const struct berth_ctx *ctx;
        json_t *rec, *spec;
        struct container_paths p;
        char **extra; /* the record's options for berth-monitor */
};

/*
 * Files of the monitor in the container's userdata: "stop-requested" (berth
 * stop, rm and kill create it: no restart then; container-ops.c, spawn.c),
 * "ready" (its readiness) and "probe" (its last probe failure).
 */
#define STOP_FILE "stop-requested"
#define READY_FILE "ready"
#define PROBE_FILE "probe"
/* the monitor's process runs all that creates the container: the stack a main thread gets */
#define MONITOR_STACK (8UL << 20)
/* the thread that starts it only waits for it (room for a sanitizer's frames too) */
#define THREAD_STACK (256UL << 10)

static int __attribute__((format(printf, 2, 3))) pushf(char ***v, const char *fmt, ...)
{
        char *s = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&s, fmt, ap);
        va_end(ap);
        return strv_push(v, n < 0 ? NULL : s);
}

/* a port as a Probe has it: a number (the caller resolved a named one) */
static int
probe_port(const json_t *h, const char *what, struct berr **err)
{
        const json_t *port = json_object_get(h, "port");
        json_int_t v = -1;

        if (json_is_integer(port))
                v = json_integer_value(port);
        else if (json_is_string(port) && json_string_value(port)[0] &&
                 strspn(json_string_value(port), "0123456789") == strlen(json_string_value(port)))
                v = strtol(json_string_value(port), NULL, 10);
        if (v < 1 || v > 65535)
                return berr(err, 0, "%s: port %s: expected a number from 1 to 65535", what,
                            json_is_string(port) ? json_string_value(port) : "missing");
        return (int)v;
}

/* PORT[,HOST] */
static int
push_port_host(char ***v, const json_t *h, const char *what, struct berr **err)
{
        const char *host = json_string_value(json_object_get(h, "host"));
        int port = probe_port(h, what, err);

        if (port < 0)
                return port;
        if (host && strchr(host, ','))
                return berr(err, 0, "%s: host \"%s\" is not an IP address", what, host);
        return host && host[0] ? pushf(v, "%d,%s", port, host) : pushf(v, "%d", port);
}

/*
 * The monitor's options for one Kubernetes handler (a Probe's or a
 * LifecycleHandler's action): exec, httpGet, tcpSocket, grpc (probes),
 * sleep (hooks).
 */
static int
handler_options(char ***v, const json_t *h, const char *what, bool hook, struct berr **err)
{
        const json_t *exec = json_object_get(h, "exec"), *http = json_object_get(h, "httpGet");
        const json_t *tcp = json_object_get(h, "tcpSocket"), *sleep = json_object_get(h, "sleep");
        const json_t *grpc = json_object_get(h, "grpc");
        const json_t *e;
        size_t i;
        int r = 0;

        if (json_is_object(exec)) {
                const json_t *cmd = json_object_get(exec, "command");

                if (json_array_size(cmd) == 0)
                        return berr(err, 0, "%s: exec: no command", what);
                json_array_foreach (cmd, i, e) {
                        if (!json_is_string(e))
                                return berr(err, 0, "%s: exec: command[%zu] is not a string", what,
                                            i);
                        if (r == 0)
                                r = strv_push(v, strdup("--exec"));
                        if (r == 0)
                                r = strv_push(v, strdup(json_string_value(e)));
                }
        } else if (json_is_object(http)) {
                const char *path = json_string_value(json_object_get(http, "path"));
                const char *scheme = json_string_value(json_object_get(http, "scheme"));

                r = strv_push(v, strdup("--http-get"));
                if (r == 0)
                        r = push_port_host(v, http, what, err);
                if (r == 0 && path && path[0]) {
                        r = strv_push(v, strdup("--http-path"));
                        if (r == 0)
                                r = strv_push(v, strdup(path));
                }
                if (r == 0 && scheme && scheme[0]) {
                        r = strv_push(v, strdup("--http-scheme"));
                        if (r == 0)
                                r = strv_push(v, strdup(scheme));
                }
                json_array_foreach (json_object_get(http, "httpHeaders"), i, e) {
                        const char *name = json_string_value(json_object_get(e, "name"));
                        const char *value = json_string_value(json_object_get(e, "value"));

                        if (r < 0)
                                break;
                        if (!name || strchr(name, ':'))
                                return berr(err, 0, "%s: httpHeaders[%zu]: a name is needed", what,
                                            i);
                        r = strv_push(v, strdup("--http-header"));
                        if (r == 0)
                                r = pushf(v, "%s:%s", name, value ? value : "");
                }
        } else if (json_is_object(tcp)) {
                r = strv_push(v, strdup("--tcp-socket"));
                if (r == 0)
                        r = push_port_host(v, tcp, what, err);
        } else if (hook && json_is_object(sleep)) {
                json_int_t sec = json_integer_value(json_object_get(sleep, "seconds"));

                if (sec < 0 || sec > 86400)
                        return berr(err, 0, "%s: sleep: %lld seconds is out of range", what,
                                    (long long)sec);
                r = strv_push(v, strdup("--sleep"));
                if (r == 0)
                        r = pushf(v, "%lld", (long long)sec);
        } else if (!hook && json_is_object(grpc)) {
                /* GRPCAction: port and service; the monitor calls 127.0.0.1 in the pod */
                const char *service = json_string_value(json_object_get(grpc, "service"));

                r = strv_push(v, strdup("--grpc"));
                if (r == 0)
                        r = push_port_host(v, grpc, what, err);
                if (r == 0 && service && service[0]) {
                        r = strv_push(v, strdup("--grpc-service"));
                        if (r == 0)
                                r = strv_push(v, strdup(service));
                }
        } else {
                return berr(err, 0, "%s: expected exec, httpGet, tcpSocket%s", what,
                            hook ? " or sleep" : " or grpc");
        }
        return r == -ENOMEM ? berr(err, ENOMEM, "%s", what) : r;
}

static int
probe_field(const json_t *pr, const char *name)
{
        json_int_t v = json_integer_value(json_object_get(pr, name));

        return v < 0 ? -1 : v > INT32_MAX ? INT32_MAX : (int)v;
}

/* --probe TYPE:DELAY,PERIOD,TIMEOUT,SUCCESS,FAILURE and its action, for each probe */
static int
probe_options(char ***v, const json_t *probes, struct berr **err)
{
        static const char *const types[] = {"startup", "liveness", "readiness"};
        int r;

        for (size_t i = 0; i < ELEMENTSOF(types); i++) {
                const json_t *pr = json_object_get(probes, types[i]);
                char what[32];
                int f[5];

                if (!json_is_object(pr))
                        continue;
                f[0] = probe_field(pr, "initialDelaySeconds");
                f[1] = probe_field(pr, "periodSeconds");
                f[2] = probe_field(pr, "timeoutSeconds");
                f[3] = probe_field(pr, "successThreshold");
                f[4] = probe_field(pr, "failureThreshold");
                snprintf(what, sizeof(what), "%s probe", types[i]);
                for (size_t k = 0; k < ELEMENTSOF(f); k++)
                        if (f[k] < 0)
                                return berr(err, 0, "%s: a negative time or threshold", what);
                r = strv_push(v, strdup("--probe"));
                if (r == 0)
                        r = pushf(v, "%s:%d,%d,%d,%d,%d", types[i], f[0], f[1], f[2], f[3], f[4]);
                if (r < 0)
                        return berr(err, ENOMEM, "%s", what);
                r = handler_options(v, pr, what, false, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * What the monitor needs of the record besides its fds: the restart
 * policy (not for a container removed at its exit, or one whose caller
 * waits for it), its files, the stop signal and grace period that a
 * liveness kill uses, the probes and the hooks.
 */
static int
monitor_options(const json_t *rec, const struct container_paths *p, char ***ret, struct berr **err)
{
        _cleanup_(strv_freep) char **v = NULL;
        const char *policy = json_string_value(json_object_get(rec, "restartPolicy"));
        const json_t *lifecycle = json_object_get(rec, "lifecycle");
        int sig = runtime_signal_from_name(json_string_value(json_object_get(rec, "stopSignal")));
        int r = 0;

        if (policy && policy[0] && !json_is_true(json_object_get(rec, "autoRemove")) &&
            !json_is_true(json_object_get(rec, "attached"))) {
                if (strcmp(policy, "Always") != 0 && strcmp(policy, "OnFailure") != 0 &&
                    strcmp(policy, "Never") != 0)
                        return berr(err, 0,
                                    "restartPolicy \"%s\" is not valid, expected Always, OnFailure "
                                    "or Never",
                                    policy);
                r = pushf(&v, "--restart-policy=%s", policy);
                if (r == 0)
                        r = pushf(&v, "--restart-count=%lld",
                                  (long long)json_integer_value(
                                          json_object_get(rec, "restartRetries")));
                if (r == 0)
                        r = pushf(
                                &v, "--restart-max=%lld",
                                (long long)json_integer_value(json_object_get(rec, "restartMax")));
        }
        if (r == 0)
                r = pushf(&v, "--stop-file=%s/" STOP_FILE, p->userdata);
        if (r == 0)
                r = pushf(&v, "--ready-file=%s/" READY_FILE, p->userdata);
        if (r == 0)
                r = pushf(&v, "--probe-file=%s/" PROBE_FILE, p->userdata);
        if (r == 0)
                r = pushf(&v, "--stop-signal=%d", sig > 0 ? sig : SIGTERM);
        if (r == 0)
                r = pushf(&v, "--stop-timeout=%lld",
                          (long long)json_integer_value(json_object_get(rec, "stopTimeout")));
        if (r < 0)
                return berr(err, ENOMEM, "monitor options");
        r = probe_options(&v, json_object_get(rec, "probes"), err);
        if (r < 0)
                return r;
        if (json_is_object(json_object_get(lifecycle, "postStart"))) {
                r = strv_push(&v, strdup("--post-start"));
                if (r == 0)
                        r = handler_options(&v, json_object_get(lifecycle, "postStart"),
                                            "postStart hook", true, err);
                if (r < 0)
                        return r == -ENOMEM ? berr(err, ENOMEM, "postStart") : r;
        }
        if (json_is_object(json_object_get(lifecycle, "preStop"))) {
                r = strv_push(&v, strdup("--pre-stop"));
                if (r == 0)
                        r = handler_options(&v, json_object_get(lifecycle, "preStop"),
                                            "preStop hook", true, err);
                if (r < 0)
                        return r == -ENOMEM ? berr(err, ENOMEM, "preStop") : r;
        }
        *ret = TAKE_PTR(v);
        return 0;
}

/*
 * The container's standard files on 0, 1, 2; *out_fd and *err_fd: what the
 * monitor reads. With a terminal the container makes its own (its master
 * comes back from container_spawn()): nothing here but /dev/null. An
 * attached interactive run without one hands our standard input on.
 */
static int
open_output(bool tty, bool keep_stdin, int *out_fd, int *err_fd)
{
        int out[2], errp[2], null = open("/dev/null", O_RDWR | O_CLOEXEC);

        if (null < 0)
                return -errno;
        if (tty) {
                if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        return -errno;
                *out_fd = *err_fd = -1;
        } else {
                if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0)
                        return -errno;
                if ((!keep_stdin && dup2(null, 0) < 0) || dup2(out[1], 1) < 0 ||
                    dup2(errp[1], 2) < 0)
                        return -errno;
                (void)close(out[1]);
                (void)close(errp[1]);
                *out_fd = out[0];
                *err_fd = errp[0];
        }
        (void)close(null);
        return 0;
}

static _Noreturn void
fail_to(int fd, const char *msg)
{
        (void)!write(fd, "E", 1);
        (void)!write(fd, msg, strlen(msg));
        _exit(1);
}

/*
 * The monitor's process: detached (a session of its own; re-parented to
 * init when berth exits), a child subreaper; it creates the container as
 * its own child, records it, then becomes berth-monitor (exec keeps the
 * child and the subreaper flag). "P<pid>" on the status pipe says the
 * container runs: said here, once it is recorded, so that berth goes on
 * while berth-monitor starts; with a terminal berth-monitor says it, once
 * its attach socket is there for the caller. Until the exec it dies with
 * berth (parent): a berth killed -9 leaves no container still being made
 * behind it, to be recorded after the next command has cleaned up.
 */
static _Noreturn void
become_monitor(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
               const json_t *spec, const struct container_paths *p, const char *monitor,
               char *const *extra, int status_fd, pid_t parent)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char self[PATH_MAX], pidnum[16], outnum[16], errnum[16], statusnum[16], maxsize[32];
        const char *id = json_string_value(json_object_get(rec, "id"));
        bool tty = json_is_true(json_object_get(rec, "tty"));
        int out_fd = -1, err_fd = -1, console = -1, null, r;
        sigset_t none;
        ssize_t n;
        pid_t pid;

        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        /* the signal comes when the thread that made us ends: it waits until the exec */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
                _exit(1);
        if (setsid() < 0)
                fail_to(status_fd, "start a session for the monitor");
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 || chdir("/") < 0)
                fail_to(status_fd, "set up the monitor");
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n <= 0)
                fail_to(status_fd, "find berth's own executable");
        self[n] = '\0';
        r = open_output(tty,
                        json_is_true(json_object_get(rec, "interactive")) &&
                                json_is_true(json_object_get(rec, "attached")),
                        &out_fd, &err_fd);
        if (r < 0)
                fail_to(status_fd, "set up the container's output");
        if (container_spawn(s, ctx, rec, spec, p, &pid, &console, &err) < 0)
                fail_to(status_fd, err && err->msg ? err->msg : "create the container");
        if (tty && console < 0) {
                (void)kill(pid, SIGKILL);
                fail_to(status_fd, "the container has no terminal");
        }
        if (tty)
                out_fd = console;

        /* the container holds its ends now; ours go */
        null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                fail_to(status_fd, "set up the monitor");
        /* berth-monitor keeps what it is handed below, and nothing our caller left open */
        (void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
        if (fcntl(out_fd, F_SETFD, 0) < 0 || (err_fd >= 0 && fcntl(err_fd, F_SETFD, 0) < 0) ||
            (tty && fcntl(status_fd, F_SETFD, 0) < 0))
                fail_to(status_fd, "set up the monitor");
        snprintf(pidnum, sizeof(pidnum), "%d", (int)pid);
        snprintf(outnum, sizeof(outnum), "%d", out_fd);
        snprintf(errnum, sizeof(errnum), "%d", err_fd);
        snprintf(statusnum, sizeof(statusnum), "%d", tty ? status_fd : -1);
        snprintf(maxsize, sizeof(maxsize), "%lld",
                 (long long)json_integer_value(json_object_get(rec, "logMaxSize")));
        {
                const char *base[] = {monitor,      "--id",           id,        "--pid",
                                      pidnum,       "--stdout-fd",    outnum,    "--stderr-fd",
                                      errnum,       "--status-fd",    statusnum, "--log",
                                      p->log,       "--exit-file",    p->exit,   "--berth",
                                      self,         "--root",         ctx->root, "--runroot",
                                      ctx->runroot, "--log-max-size", maxsize,   "--log-max-files",
                                      "2"};
                size_t na = ELEMENTSOF(base), n_extra = strv_length(extra);
                /* the base, up to 4 more of ours, the record's options, NULL */
                const char **argv = calloc(na + 4 + n_extra + 1, sizeof(*argv));

                if (argv) {
                        for (size_t i = 0; i < na; i++)
                                argv[i] = base[i];
                        /* an attached run cleans up after its container itself */
                        if (json_is_true(json_object_get(rec, "attached")))
                                argv[na++] = "--no-cleanup";
                        /* a terminal: reached through the monitor's socket in the run dir */
                        if (tty) {
                                argv[na++] = "--attach-dir";
                                argv[na++] = p->run;
                        }
                        /* the caller attaches at once: nothing is read before it is there */
                        if (tty && json_is_true(json_object_get(rec, "attached")))
                                argv[na++] = "--wait-attach";
                        for (size_t i = 0; extra && i < n_extra; i++)
                                argv[na++] = extra[i];
                        argv[na] = NULL;
                        if (!tty) {
                                char msg[16];
                                int len = snprintf(msg, sizeof(msg), "P%d", (int)pid);
                                /* the log is there for a caller who follows it at once */
                                int log = open(p->log,
                                               O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC |
                                                       O_NOFOLLOW | O_NOCTTY,
                                               0640);

                                if (log < 0) {
                                        (void)kill(pid, SIGKILL);
                                        fail_to(status_fd, "create the container's log");
                                }
                                (void)close(log);
                                /* the pipe's end closes with the exec (close-on-exec) */
                                if (write(status_fd, msg, (size_t)len) != len) {
                                        (void)kill(pid, SIGKILL);
                                        _exit(1);
                                }
                        }
                        /* recorded: berth-monitor outlives berth */
                        if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0) {
                                (void)kill(pid, SIGKILL);
                                fail_to(status_fd, "set up the monitor");
                        }
                        execv(monitor, (char *const *)argv);
                }
                (void)kill(pid, SIGKILL);
                fail_to(status_fd, argv ? "run the monitor" : "run the monitor: out of memory");
        }
}

static int
monitor_main(void *arg)
{
        const struct runtime_starting *st = arg;
        _cleanup_(berr_freep) struct berr *e = NULL;
        struct storage *s;

        (void)close(st->status_fd);
        s = storage_child_copy(st->s, &e);
        if (!s)
                fail_to(st->write_fd, e && e->msg ? e->msg : "open the store's lock");
        become_monitor(s, st->ctx, st->rec, st->spec, &st->p, st->monitor, st->extra, st->write_fd,
                       st->parent);
}

static void *
monitor_thread(void *arg)
{
        struct runtime_starting *st = arg;

        st->pid = vmchild_run(monitor_main, st, 0, MONITOR_STACK);
        st->errnum = st->pid < 0 ? errno : 0;
        return NULL;
}

static void
starting_free(struct runtime_starting *st)
{
        if (st->status_fd >= 0)
                (void)close(st->status_fd);
        if (st->write_fd >= 0)
                (void)close(st->write_fd);
        free(st->monitor);
        json_decref(st->rec);
        json_decref(st->spec);
        container_paths_clear(&st->p);
        strv_free(st->extra);
        free(st);
}

/*
 * Start the monitor's process for rec (p is taken over); *ret says where
 * to wait for it. It shares berth's memory until it becomes berth-monitor
 * (util/vmchild.h): neither copies the other's pages. A thread of ours
 * waits for it meanwhile, so that the caller goes on (with the next
 * container, made while this one starts); the process is what the thread
 * does, on its own stack, with its own files, signal mask and session,
 * and with the thread's share of the heap. It takes the store's lock
 * through a file of its own (storage_child_copy): the monitors of a pod's
 * containers update their records under the lock side by side. When no
 * thread can be had, the start is done here, and the caller waits.
 */
static int
launch_monitor(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
               const json_t *spec, struct container_paths *p, struct runtime_starting **ret,
               struct berr **err)
{
        struct runtime_starting *st = calloc(1, sizeof(*st));
        pthread_attr_t attr;
        sigset_t all, old;
        int sp[2], r;

        if (!st)
                return berr(err, ENOMEM, "monitor");
        st->status_fd = st->write_fd = -1;
        st->parent = getpid();
        st->s = s;
        st->ctx = ctx;
        st->rec = json_incref((json_t *)rec);
        st->spec = json_incref((json_t *)spec);
        st->p = *p;
        memset(p, 0, sizeof(*p));
        st->monitor = container_monitor_path();
        if (!st->monitor) {
                r = berr(err, ENOMEM, "monitor");
                goto fail;
        }
        if (access(st->monitor, X_OK) < 0) {
                r = berr(err, errno, "the monitor %s", st->monitor);
                goto fail;
        }
        /* before the child: a record the monitor could not take fails here, with its reason */
        r = monitor_options(rec, &st->p, &st->extra, err);
        if (r < 0)
                goto fail;
        if (pipe2(sp, O_CLOEXEC) < 0) {
                r = berr(err, errno, "pipe");
                goto fail;
        }
        st->status_fd = sp[0];
        st->write_fd = sp[1];
        /* no signal of ours goes to the thread, nor to the child through it */
        sigfillset(&all);
        st->threaded = pthread_attr_init(&attr) == 0;
        if (st->threaded) {
                (void)pthread_attr_setstacksize(&attr, THREAD_STACK);
                (void)pthread_sigmask(SIG_SETMASK, &all, &old);
                st->threaded = pthread_create(&st->thread, &attr, monitor_thread, st) == 0;
                (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
                (void)pthread_attr_destroy(&attr);
        }
        if (!st->threaded)
                (void)monitor_thread(st);
        *ret = st;
        return 1;
fail:
        starting_free(st);
        return r;
}

int
runtime_start_finish(struct runtime_starting *st, struct berr **err)
{
        char msg[STATUS_MAX];
        ssize_t n, got = 0;
        int r;

        if (!st)
                return 0;
        if (st->threaded)
                (void)pthread_join(st->thread, NULL);
        /* the child has its end, or has ended: ours goes, so that its end is the pipe's */
        (void)close(st->write_fd);
        st->write_fd = -1;
        if (st->pid < 0) {
                r = berr(err, st->errnum, "start the monitor");
                starting_free(st);
                return r;
        }
        /*
         * "P<pid>" comes in one write: enough (the monitor may still be on
         * its way to berth-monitor). An error comes in two, then the end.
         */
        while (got < (ssize_t)sizeof(msg) - 1 && !(got > 1 && msg[0] == 'P') &&
               ((n = read(st->status_fd, msg + got, sizeof(msg) - 1 - (size_t)got)) > 0 ||
                (n < 0 && errno == EINTR)))
                got += n > 0 ? n : 0;
        msg[got] = '\0';
        /* the monitor is our child until we exit: one that failed goes now */
        (void)waitpid(st->pid, NULL, WNOHANG);
        if (got > 1 && msg[0] == 'P')
                r = 0;
        else if (got > 1 && msg[0] == 'E')
                r = berr(err, 0, "%s", msg + 1);
        else
                r = berr(err, EIO, "the monitor %s did not start the container", st->monitor);
        starting_free(st);
        return r;
}

/* Whether this process is the record's monitor: `berth internal restart` starting it again. */
static bool
is_restarter(const json_t *rec)
{
        return json_integer_value(json_object_get(rec, "monitorPid")) == (json_int_t)getpid() &&
               container_process_alive(rec, "monitorPid", "monitorStart");
}

int
runtime_start_begin(struct storage *s, const struct berth_ctx *ctx, const char *what,
                    const json_t *spec, struct runtime_starting **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_free_ char *stop_file = NULL;
        const char *state;
        bool restart = false;
        int r;

        r = storage_container_find(s, what, &rec, err);
        if (r < 0)
                return r;
        state = json_string_value(json_object_get(rec, "state"));
        if (state && strcmp(state, "running") == 0 && container_alive(rec))
                return 0; /* podman start of a running container: nothing to do */
        if (state && strcmp(state, "restarting") == 0) {
                /* it starts again by itself once its back-off is over */
                if (!is_restarter(rec) &&
                    container_process_alive(rec, "monitorPid", "monitorStart"))
                        return 0;
                restart = is_restarter(rec);
        }
        if (!state || (strcmp(state, "created") != 0 && strcmp(state, "exited") != 0 &&
                       strcmp(state, "running") != 0 && strcmp(state, "restarting") != 0))
                return berr(err, 0, "container %s is %s, expected created or exited", what,
                            state ? state : "in no known state");
        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        if (unlink(p.exit) < 0 && errno != ENOENT)
                return berr(err, errno, "remove %s", p.exit);
        if (!restart) {
                /*
                 * Started by the user: an earlier stop no longer holds, and the
                 * restart policy counts its restarts and back-off afresh.
                 */
                _cleanup_(json_decrefp) json_t *changes =
                        json_pack("{s:I, s:I}", "restartRetries", (json_int_t)0, "restartBackoffNs",
                                  (json_int_t)0);

                if (asprintf(&stop_file, "%s/" STOP_FILE, p.userdata) < 0)
                        return berr(err, ENOMEM, "start");
                if (unlink(stop_file) < 0 && errno != ENOENT)
                        return berr(err, errno, "remove %s", stop_file);
                if (json_integer_value(json_object_get(rec, "restartRetries")) != 0 ||
                    json_integer_value(json_object_get(rec, "restartBackoffNs")) != 0) {
                        r = changes ? storage_container_update(
                                              s, json_string_value(json_object_get(rec, "id")),
                                              changes, false, err)
                                    : berr(err, ENOMEM, "start");
                        if (r < 0)
                                return r;
                        json_object_update(rec, changes);
                }
        }
        return launch_monitor(s, ctx, rec, spec, &p, ret, err);
}

int
runtime_start(struct storage *s, const struct berth_ctx *ctx, const char *what, struct berr **err)
{
        struct runtime_starting *st = NULL;
        int r = runtime_start_begin(s, ctx, what, NULL, &st, err);

        return r <= 0 ? r : runtime_start_finish(st, err);
}
