/*
 * runtime/container-ops.c: stop, kill, rm, wait, ps, inspect and logs.
 * Signals go through a pidfd opened on the recorded pid after checking
 * its start time, so a pid the kernel has given to another process since
 * is never signalled.
 *
 * A stop, rm or kill by the user is never undone by the restart policy:
 * each leaves userdata/stop-requested before it signals anything, and the
 * monitor (berth-monitor, then `berth internal restart`) looks for it
 * before it starts the container again.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "container.h"
#include "crilog.h"
#include "probe.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/fs.h"

int
runtime_signal_from_name(const char *name)
{
        static const struct {
                const char *name;
                int sig;
        } table[] = {
                {"HUP", SIGHUP},       {"INT", SIGINT},   {"QUIT", SIGQUIT},   {"ILL", SIGILL},
                {"TRAP", SIGTRAP},     {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},
                {"KILL", SIGKILL},     {"USR1", SIGUSR1}, {"SEGV", SIGSEGV},   {"USR2", SIGUSR2},
                {"PIPE", SIGPIPE},     {"ALRM", SIGALRM}, {"TERM", SIGTERM},   {"CHLD", SIGCHLD},
                {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},   {"TTIN", SIGTTIN},
                {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},   {"XFSZ", SIGXFSZ},
                {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
                {"PWR", SIGPWR},       {"SYS", SIGSYS},
        };
        char *end;
        long n;

        if (!name || !name[0])
                return -1;
        n = strtol(name, &end, 10);
        if (*end == '\0')
                return n > 0 && n < NSIG ? (int)n : -1;
        if (strncasecmp(name, "SIG", 3) == 0)
                name += 3;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (strcasecmp(table[i].name, name) == 0)
                        return table[i].sig;
        return -1;
}

static int
pidfd_of(const json_t *rec, const char *field)
{
        json_int_t pid = json_integer_value(json_object_get(rec, field));
        int fd;

        if (pid <= 0)
                return -ESRCH;
        fd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
        if (fd < 0)
                return -errno;
        /* opened, then checked: the pidfd holds on to the process we checked */
        if (!container_process_alive(rec, field,
                                     strcmp(field, "pid") == 0 ? "pidStart" : "monitorStart")) {
                (void)close(fd);
                return -ESRCH;
        }
        return fd;
}

/* wait until fd (a pidfd) says its process exited, up to ms (< 0: for ever) */
static bool
wait_pidfd(int fd, int ms)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r;

        do
                r = poll(&p, 1, ms);
        while (r < 0 && errno == EINTR);
        return r > 0;
}

/*
 * Bring a record up to date with the processes:
 * - "creating" whose creator is gone: a create that died half-way; it is
 *   removed (*rec becomes NULL);
 * - "running" with an exit file: the container exited and its monitor is
 *   finishing; the record is shown exited (the monitor writes it so soon);
 * - "running" with neither the container nor its monitor alive: the monitor
 *   died (kill -9, a reboot); its cleanup is run here, once;
 * - "restarting" whose monitor (then `berth internal restart`) died: the
 *   same cleanup.
 */
static int
refresh(struct storage *s, const struct berth_ctx *ctx, json_t **rec, struct berr **err)
{
        const char *state = json_string_value(json_object_get(*rec, "state"));
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_(json_decrefp) json_t *ex = NULL;
        _cleanup_free_ char *id = NULL;
        _cleanup_close_ int mfd = -EBADF;
        int r;

        if (!state || (strcmp(state, "running") != 0 && strcmp(state, "creating") != 0 &&
                       strcmp(state, "restarting") != 0))
                return 0;
        id = strdup(json_string_value(json_object_get(*rec, "id")));
        if (!id)
                return berr(err, ENOMEM, "container");
        /* waiting to restart: `berth internal restart` (the monitor's pid) must still be there */
        if (strcmp(state, "restarting") == 0 &&
            container_process_alive(*rec, "monitorPid", "monitorStart"))
                return 0;
        if (strcmp(state, "creating") == 0) {
                if (container_process_alive(*rec, "creatorPid", "creatorStart"))
                        return 0;
                r = container_paths(s, ctx, id, &p, err);
                if (r < 0)
                        return r;
                (void)rmdir(p.rootfs);
                (void)rm_rf_at(AT_FDCWD, p.run);
                r = storage_container_remove(s, id, err);
                json_decref(*rec);
                *rec = NULL;
                return r;
        }
        mfd = pidfd_of(*rec, "monitorPid");
        if (mfd >= 0 || container_alive(*rec)) {
                r = container_paths(s, ctx, id, &p, err);
                if (r == 0 && (ex = json_load_file(p.exit, 0, NULL))) {
                        json_object_update(*rec, ex);
                        json_object_set_new(*rec, "state", json_string("exited"));
                        json_object_set_new(*rec, "pid", json_integer(0));
                }
                return 0;
        }
        r = runtime_internal_cleanup(s, ctx, id, false, err);
        if (r < 0)
                return r;
        json_decref(*rec);
        *rec = NULL;
        r = storage_container_find(s, id, rec, err);
        return r == -ENOENT ? 0 : r;
}

static int
find(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **rec,
     struct berr **err)
{
        int r = storage_container_find(s, what, rec, err);

        if (r == 0)
                r = refresh(s, ctx, rec, err);
        if (r == 0 && !*rec)
                r = berr(err, ENOENT, "no container with name or ID \"%s\" found", what);
        return r;
}

int
container_find(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **rec,
               struct berr **err)
{
        return find(s, ctx, what, rec, err);
}

static bool
has_state(const json_t *rec, const char *want)
{
        const char *state = json_string_value(json_object_get(rec, "state"));
        return state && strcmp(state, want) == 0;
}

static bool
is_running(const json_t *rec)
{
        return has_state(rec, "running");
}

static bool
is_restarting(const json_t *rec)
{
        return has_state(rec, "restarting");
}

/*
 * The mark that a stop was asked for (userdata/stop-requested, read by the
 * monitor and `berth internal restart` in spawn.c), left before any signal.
 */
static int
mark_stop(struct storage *s, const struct berth_ctx *ctx, const json_t *rec, struct berr **err)
{
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/stop-requested", p.userdata) < 0)
                return berr(err, ENOMEM, "stop");
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != ENOENT) /* ENOENT: the container went meanwhile */
                return berr(err, errno, "create %s", path);
        return 0;
}

/* wait for the monitor to record the exit (it exits right after) */
static int
wait_monitor(struct storage *s, const char *id, int ms, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_close_ int mfd = -EBADF;
        int r = storage_container_find(s, id, &rec, err);

        if (r < 0)
                return r;
        mfd = pidfd_of(rec, "monitorPid");
        if (mfd < 0)
                return 0;
        if (!wait_pidfd(mfd, ms))
                return berr(err, ETIMEDOUT, "container %s: its monitor did not finish", id);
        return 0;
}

int
runtime_kill(struct storage *s, const struct berth_ctx *ctx, const char *what, int sig,
             struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r = find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        fd = is_running(rec) ? pidfd_of(rec, "pid") : -ESRCH;
        if (fd < 0)
                return berr(err, 0, "can only kill running containers. %s is in state %s", what,
                            json_string_value(json_object_get(rec, "state")));
        /* as podman: a container killed by the user is not restarted */
        r = mark_stop(s, ctx, rec, err);
        if (r < 0)
                return r;
        if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
                return berr(err, errno, "signal container %s", what);
        return 0;
}

/* A Kubernetes port: a number (the caller resolved a named one). 0 when it is none. */
static uint16_t
hook_port(const json_t *h)
{
        const json_t *port = json_object_get(h, "port");
        long v = 0;

        if (json_is_integer(port))
                v = (long)json_integer_value(port);
        else if (json_is_string(port))
                v = strtol(json_string_value(port), NULL, 10);
        return v > 0 && v <= 65535 ? (uint16_t)v : 0;
}

/* what a preStop hook runs, for probe_run() */
struct hook {
        struct probe_action a;
        char **argv;
        struct probe_http_header *headers;
        char self[PATH_MAX];
        int64_t sleep_ns; /* a sleep action: no run */
        bool sleep;
};

static void
hook_clear(struct hook *h)
{
        free(h->argv);
        free(h->headers);
}

/* hook h from a LifecycleHandler (exec through `berth exec`, httpGet, tcpSocket, sleep) */
static int
hook_from_json(const struct berth_ctx *ctx, const char *id, const json_t *j, struct hook *h,
               struct berr **err)
{
        const json_t *exec = json_object_get(j, "exec"), *http = json_object_get(j, "httpGet");
        const json_t *tcp = json_object_get(j, "tcpSocket"), *sleep = json_object_get(j, "sleep");
        const json_t *cmd = json_object_get(exec, "command"), *e;
        size_t i, n = json_array_size(cmd);
        ssize_t len;

        if (json_is_object(sleep)) {
                h->sleep = true;
                h->sleep_ns = (int64_t)json_integer_value(json_object_get(sleep, "seconds")) *
                              BACKOFF_NSEC_PER_SEC;
                return 0;
        }
        if (json_is_object(exec)) {
                const char *head[] = {h->self,      "--root", ctx->root, "--runroot",
                                      ctx->runroot, "exec",   id};

                len = readlink("/proc/self/exe", h->self, sizeof(h->self) - 1);
                if (len <= 0)
                        return berr(err, errno, "find berth's own executable");
                h->self[len] = '\0';
                h->argv = calloc(ELEMENTSOF(head) + n + 1, sizeof(*h->argv));
                if (!h->argv)
                        return berr(err, ENOMEM, "preStop hook");
                for (i = 0; i < ELEMENTSOF(head); i++)
                        h->argv[i] = (char *)head[i];
                json_array_foreach (cmd, i, e) {
                        if (!json_is_string(e))
                                return berr(err, 0, "preStop hook: command[%zu] is not a string",
                                            i);
                        h->argv[ELEMENTSOF(head) + i] = (char *)json_string_value(e);
                }
                h->a.kind = PROBE_EXEC;
                h->a.argv = h->argv;
        } else if (json_is_object(http)) {
                const json_t *hdrs = json_object_get(http, "httpHeaders");

                h->a.kind = PROBE_HTTP_GET;
                h->a.port = hook_port(http);
                h->a.host = json_string_value(json_object_get(http, "host"));
                h->a.path = json_string_value(json_object_get(http, "path"));
                h->a.scheme = json_string_value(json_object_get(http, "scheme"));
                h->headers = calloc(json_array_size(hdrs) + 1, sizeof(*h->headers));
                if (!h->headers)
                        return berr(err, ENOMEM, "preStop hook");
                json_array_foreach (hdrs, i, e) {
                        h->headers[i].name = json_string_value(json_object_get(e, "name"));
                        h->headers[i].value = json_string_value(json_object_get(e, "value"));
                }
                h->a.headers = h->headers;
                h->a.n_headers = json_array_size(hdrs);
        } else if (json_is_object(tcp)) {
                h->a.kind = PROBE_TCP_SOCKET;
                h->a.port = hook_port(tcp);
                h->a.host = json_string_value(json_object_get(tcp, "host"));
        } else {
                return berr(err, 0, "preStop hook: expected exec, httpGet, tcpSocket or sleep");
        }
        return probe_action_check(&h->a, err);
}

static int64_t
mono_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return backoff_ns_from_timespec(&t);
}

/*
 * The container's preStop hook, run as kubelet runs it before the stop
 * signal, within timeout seconds; its process is pidfd. Its failure does not
 * keep the container from stopping (kubelet goes on too): it is printed.
 */
static void
run_pre_stop(const struct berth_ctx *ctx, const json_t *rec, int pidfd, int timeout)
{
        const json_t *j = json_object_get(json_object_get(rec, "lifecycle"), "preStop");
        const char *name = json_string_value(json_object_get(rec, "name"));
        _cleanup_(hook_clear) struct hook h = {0};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int netns = -EBADF;
        struct probe_outcome out = {0};
        char path[64];

        if (!json_is_object(j) || timeout <= 0)
                return;
        if (hook_from_json(ctx, json_string_value(json_object_get(rec, "id")), j, &h, &err) < 0) {
                fprintf(stderr, "berth: container %s: %s\n", name, err->msg);
                return;
        }
        if (h.sleep) {
                int64_t ns = h.sleep_ns < (int64_t)timeout * BACKOFF_NSEC_PER_SEC
                                     ? h.sleep_ns
                                     : (int64_t)timeout * BACKOFF_NSEC_PER_SEC;
                /* the container may end sooner: no use sleeping on */
                (void)wait_pidfd(pidfd, probe_poll_timeout_ms(mono_ns() + ns, mono_ns()));
                return;
        }
        if (h.a.kind != PROBE_EXEC) {
                snprintf(path, sizeof(path), "/proc/%lld/ns/net",
                         (long long)json_integer_value(json_object_get(rec, "pid")));
                netns = open(path, O_RDONLY | O_CLOEXEC);
                if (netns < 0 || !container_alive(rec))
                        return;
        }
        if (probe_run(&h.a, netns, (int64_t)timeout * BACKOFF_NSEC_PER_SEC, &out, &err) < 0)
                fprintf(stderr, "berth: container %s: preStop hook: %s\n", name, err->msg);
        else if (out.result != PROBE_SUCCESS)
                fprintf(stderr, "berth: container %s: preStop hook failed: %s\n", name, out.msg);
}

int
runtime_stop(struct storage *s, const struct berth_ctx *ctx, const char *what, int timeout,
             struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_close_ int fd = -EBADF, mfd = -EBADF;
        _cleanup_free_ char *id = NULL;
        int64_t start = mono_ns(), left_ns;
        int sig, r;

        /* the mark first: a monitor about to restart the container sees it */
        r = storage_container_find(s, what, &rec, err);
        if (r == 0)
                r = mark_stop(s, ctx, rec, err);
        if (r == 0)
                r = refresh(s, ctx, &rec, err);
        if (r == 0 && !rec)
                r = berr(err, ENOENT, "no container with name or ID \"%s\" found", what);
        if (r < 0)
                return r;
        id = strdup(json_string_value(json_object_get(rec, "id")));
        if (!id)
                return berr(err, ENOMEM, "stop");
        if (is_restarting(rec)) {
                /* no container, a back-off: `berth internal restart` ends at once */
                mfd = pidfd_of(rec, "monitorPid");
                if (mfd >= 0)
                        (void)syscall(SYS_pidfd_send_signal, mfd, SIGTERM, NULL, 0);
                return wait_monitor(s, id, 15000, err);
        }
        if (!is_running(rec))
                /* an exit recorded, its monitor maybe finishing: let it finish */
                return wait_monitor(s, id, 15000, err);
        if (timeout < 0)
                timeout = (int)json_integer_value(json_object_get(rec, "stopTimeout"));
        sig = runtime_signal_from_name(json_string_value(json_object_get(rec, "stopSignal")));
        if (sig < 0)
                sig = SIGTERM;
        fd = pidfd_of(rec, "pid");
        if (fd >= 0) {
                int ms;

                /* kubelet: preStop within the grace period, then at least 2 s for the signal */
                run_pre_stop(ctx, rec, fd, timeout);
                left_ns = (int64_t)timeout * BACKOFF_NSEC_PER_SEC - (mono_ns() - start);
                if (timeout > 0 && left_ns < 2 * BACKOFF_NSEC_PER_SEC &&
                    json_is_object(json_object_get(json_object_get(rec, "lifecycle"), "preStop")))
                        left_ns = 2 * BACKOFF_NSEC_PER_SEC;
                ms = left_ns > 0 ? probe_poll_timeout_ms(mono_ns() + left_ns, mono_ns()) : 0;
                if (timeout > 0 && syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 &&
                    errno != ESRCH)
                        return berr(err, errno, "signal container %s", what);
                if (timeout == 0 || !wait_pidfd(fd, ms)) {
                        if (timeout > 0)
                                fprintf(stderr,
                                        "berth: StopSignal %d failed to stop container %s in %d "
                                        "seconds, resorting to SIGKILL\n",
                                        sig, json_string_value(json_object_get(rec, "name")),
                                        timeout);
                        if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0 &&
                            errno != ESRCH)
                                return berr(err, errno, "kill container %s", what);
                        (void)wait_pidfd(fd, 10000);
                }
        }
        return wait_monitor(s, id, 15000, err);
}

int
runtime_wait(struct storage *s, const struct berth_ctx *ctx, const char *what, int *ret_exit_code,
             struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *id = NULL;
        int r = find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        id = strdup(json_string_value(json_object_get(rec, "id")));
        if (!id)
                return berr(err, ENOMEM, "wait");
        /* the exit file says it first; the monitor's pidfd wakes us when it is gone */
        while (is_running(rec)) {
                _cleanup_close_ int mfd = pidfd_of(rec, "monitorPid");
                if (mfd >= 0)
                        (void)wait_pidfd(mfd, 20);
                json_decref(rec);
                rec = NULL;
                r = find(s, ctx, id, &rec, err);
                if (r < 0)
                        return r;
        }
        /* an attached run cleans up after its container itself: its monitor leaves that to it */
        if (json_is_true(json_object_get(rec, "attached"))) {
                r = runtime_internal_cleanup(s, ctx, id, false, err);
                if (r < 0)
                        return r;
        }
        *ret_exit_code = (int)json_integer_value(json_object_get(rec, "exitCode"));
        return 0;
}

int
runtime_remove(struct storage *s, const struct berth_ctx *ctx, const char *what, bool force,
               int timeout, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        const char *id;
        int r = find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        id = json_string_value(json_object_get(rec, "id"));
        if (is_running(rec) || is_restarting(rec)) {
                if (!force)
                        return berr(err, 0,
                                    "cannot remove container %s as it is %s - running "
                                    "containers cannot be removed without force",
                                    what, is_running(rec) ? "running" : "restarting");
                r = runtime_stop(s, ctx, id, timeout, err);
                if (r < 0)
                        return r;
        }
        r = container_paths(s, ctx, id, &p, err);
        if (r < 0)
                return r;
        if (has_state(rec, "created"))
                container_release_created(ctx, rec, &p);
        (void)rmdir(p.rootfs);
        (void)rm_rf_at(AT_FDCWD, p.run);
        return storage_container_remove(s, id, err);
}

static int
cmp_created(const void *a, const void *b)
{
        json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "created"));
        json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "created"));
        return x < y ? 1 : x > y ? -1 : 0;
}

int
runtime_list(struct storage *s, const struct berth_ctx *ctx, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL, *out = NULL;
        _cleanup_free_ json_t **v = NULL;
        json_t *c;
        size_t i, n;
        int r;

        r = storage_containers(s, &all, err);
        if (r < 0)
                return r;
        n = json_array_size(all);
        v = calloc(n + 1, sizeof(*v));
        out = json_array();
        if (!v || !out)
                return berr(err, ENOMEM, "ps");
        json_array_foreach (all, i, c) {
                json_t *rec = json_incref(c);
                if (refresh(s, ctx, &rec, NULL) < 0 || !rec) {
                        json_decref(rec);
                        continue;
                }
                v[i] = rec;
        }
        qsort(v, n, sizeof(*v), cmp_created);
        for (i = 0; i < n; i++)
                if (v[i])
                        json_array_append_new(out, v[i]);
        *ret = TAKE_PTR(out);
        return 0;
}

/* a file of at most a few hundred bytes, NUL-terminated */
static int
read_small(const char *path, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char buf[1024];
        ssize_t n;

        if (fd < 0)
                return -errno;
        do
                n = read(fd, buf, sizeof(buf) - 1);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

int
runtime_set_restart_max(struct storage *s, const struct berth_ctx *ctx, const char *what, int max,
                        struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *changes = NULL;
        int r;

        if (max < 0)
                return berr(err, 0, "the most restarts must not be negative, not %d", max);
        r = storage_container_find(s, what, &rec, err);
        if (r < 0)
                return r;
        changes = json_pack("{s:I}", "restartMax", (json_int_t)max);
        if (!changes)
                return berr(err, ENOMEM, "record");
        return storage_container_update(s, json_string_value(json_object_get(rec, "id")), changes,
                                        true, err);
}

int
runtime_inspect(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **ret,
                struct berr **err)
{
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        json_t *rec = NULL, *spec;
        int r = find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0) {
                json_decref(rec);
                return r;
        }
        spec = json_load_file(p.config, 0, NULL);
        if (spec)
                json_object_set_new(rec, "spec", spec);
        /* the monitor's word on readiness, while it runs; the last probe failure */
        {
                _cleanup_free_ char *ready = NULL, *probe = NULL, *text = NULL;
                bool is_ready = false;

                if (asprintf(&ready, "%s/ready", p.userdata) >= 0 && is_running(rec) &&
                    read_small(ready, &text) == 0 && text)
                        is_ready = strcmp(text, "true\n") == 0;
                json_object_set_new(rec, "ready", json_boolean(is_ready));
                free(text);
                text = NULL;
                if (asprintf(&probe, "%s/probe", p.userdata) >= 0 &&
                    read_small(probe, &text) == 0 && text) {
                        text[strcspn(text, "\n")] = '\0';
                        json_object_set_new(rec, "probeFailure", json_string(text));
                }
        }
        if (!json_object_get(rec, "restartCount"))
                json_object_set_new(rec, "restartCount", json_integer(0));
        json_object_set_new(rec, "logPath", json_string(p.log));
        json_object_set_new(rec, "bundle", json_string(p.userdata));
        json_object_set_new(rec, "configPath", json_string(p.config));
        *ret = rec;
        return 0;
}

struct follow_stop {
        const struct runtime_logs_opts *o;
        const char *exit_path;
};

/* following ends when the caller says so, or when the exit file appears (the log is whole then) */
static bool
follow_stop(void *userdata)
{
        struct follow_stop *f = userdata;

        if (f->o->stop && f->o->stop(f->o->userdata))
                return true;
        return access(f->exit_path, F_OK) == 0;
}

int
runtime_logs(struct storage *s, const struct berth_ctx *ctx, const char *what,
             const struct runtime_logs_opts *o, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_close_ int dfd = -EBADF, mfd = -EBADF;
        struct crilog_follow_opts fo = CRILOG_FOLLOW_OPTS_INIT;
        int r = find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        dfd = open(p.userdata, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return berr(err, errno, "open %s", p.userdata);
        fo.read.timestamps = o->timestamps;
        fo.read.since = o->since;
        fo.read.until = o->until;
        fo.read.tail = o->tail;
        fo.read.stderr_fd = STDERR_FILENO;
        if (o->follow && is_running(rec)) {
                struct follow_stop fs = {.o = o, .exit_path = p.exit};
                mfd = pidfd_of(rec, "monitorPid");
                if (mfd >= 0) {
                        fo.stop_fd = mfd;
                        fo.stop = follow_stop;
                        fo.userdata = &fs;
                        r = crilog_follow(dfd, "ctr.log", &fo, STDOUT_FILENO, err);
                        return r == -ENOENT ? 0 : r;
                }
        }
        r = crilog_read(dfd, "ctr.log", &fo.read, STDOUT_FILENO, err);
        return r == -ENOENT ? 0 : r;
}

int
runtime_parse_time(const char *s, struct timespec now, struct timespec *ret)
{
        return crilog_parse_time(s, now, ret, NULL);
}
