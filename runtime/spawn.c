/*
 * runtime/spawn.c: creating the container's first process (built-in
 * executor, or an OCI runtime) in the process that is about to become its
 * monitor, and `berth internal cleanup ID`, which the monitor becomes
 * after the exit: the OOM count, the cgroup, the runtime's state, the
 * record.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "cgroup.h"
#include "container.h"
#include "executor.h"
#include "oci.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/fs.h"

static int
spawn_builtin(const struct berth_ctx *ctx, const struct oci_config *c, pid_t *ret_pid,
              int *ret_console, struct berr **err)
{
        _cleanup_free_ char *seccomp_cache = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_system sys = {0};
        struct executor_result res = {.pid = -1, .pidfd = -EBADF, .console_fd = -EBADF};
        /* the caller has put the container's standard files on 0, 1 and 2 */
        struct executor_opts o = {.stdio = {0, 1, 2}, .console = true};
        _cleanup_free_ int *cg_fds = NULL;
        size_t n_cg_fds = 0;
        int r;

        if (asprintf(&seccomp_cache, "%s/seccomp", ctx->runroot) < 0)
                return berr(err, ENOMEM, "seccomp cache path");
        o.seccomp_cache = seccomp_cache;
        r = cgroup_detect(&sys, err);
        if (r < 0)
                return r;
        if (c->cgroups_path) {
                struct cgroup_limits lim = CGROUP_LIMITS_NONE;
                r = cgroup_limits_from_spec(c->resources, &lim, err);
                if (r == 0)
                        r = cgroup_create(&sys, c->cgroups_path, &lim, &cg, err);
                /* the container enters it itself: executor_opts.cgroup_fds */
                if (r == 0)
                        r = cgroup_enter_fds(cg, &cg_fds, &n_cg_fds, err);
                if (r < 0) {
                        if (cg)
                                (void)cgroup_destroy(cg, NULL);
                        cgroup_system_done(&sys);
                        return r;
                }
        }
        o.cgroup_fds = cg_fds;
        o.n_cgroup_fds = n_cg_fds;
        o.cgroup_v2 = sys.mode == CGROUP_V2;
        r = executor_spawn(c, &o, &res, err);
        for (size_t i = 0; i < n_cg_fds; i++)
                (void)close(cg_fds[i]);
        cgroup_system_done(&sys);
        if (r < 0) {
                if (cg)
                        (void)cgroup_destroy(cg, NULL);
                return r;
        }
        (void)close(res.pidfd);
        *ret_pid = res.pid;
        *ret_console = res.console_fd;
        return 0;
}

/*
 * Run argv (an OCI runtime) with our standard files; what it says on
 * stderr comes back in the error when it fails. Not for `create`, whose
 * container inherits the runtime's standard files (a pipe of ours would
 * never see its end): that one logs to a file instead (run_create()).
 */
static int
run_argv(char *const *argv, struct berr **err)
{
        char msg[2048];
        size_t len = 0;
        int pfd[2], st;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                (void)close(pfd[0]);
                (void)close(pfd[1]);
                return berr(err, errno, "fork");
        }
        if (pid == 0) {
                if (dup2(pfd[1], STDERR_FILENO) < 0)
                        _exit(127);
                execvp(argv[0], argv);
                fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        (void)close(pfd[1]);
        for (;;) {
                ssize_t n = read(pfd[0], msg + len, sizeof(msg) - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == sizeof(msg) - 1) /* the rest is not kept, only drained */
                        len = 0;
        }
        (void)close(pfd[0]);
        msg[len] = '\0';
        while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                msg[--len] = '\0';
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "wait for %s", argv[0]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                const char *last = strrchr(msg, '\n');

                return berr(err, 0, "%s %s failed (exit status %d)%s%s", argv[0], argv[3],
                            WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), len ? ": " : "",
                            last ? last + 1 : msg);
        }
        return 0;
}

/* The last line of the runtime's log file, for an error message */
static void
last_log_line(const char *path, char *out, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char buf[4096];
        ssize_t n;
        off_t end;
        char *line;

        out[0] = '\0';
        if (fd < 0 || (end = lseek(fd, 0, SEEK_END)) < 0)
                return;
        n = pread(fd, buf, sizeof(buf) - 1,
                  end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
        if (n <= 0)
                return;
        buf[n] = '\0';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                buf[--n] = '\0';
        line = strrchr(buf, '\n');
        line = line ? line + 1 : buf;
        n = (ssize_t)strnlen(line, size - 1);
        memcpy(out, line, (size_t)n);
        out[n] = '\0';
}

/* `RUNTIME create`: its own error log in the run dir, read back when it fails */
static int
run_create(char **argv, const char *log_path, struct berr **err)
{
        pid_t pid;
        int st;

        (void)unlink(log_path);
        pid = fork();
        if (pid < 0)
                return berr(err, errno, "fork");
        if (pid == 0) {
                execvp(argv[0], argv);
                fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "wait for %s", argv[0]);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                char line[1024];

                last_log_line(log_path, line, sizeof(line));
                return berr(err, 0, "%s create failed (exit status %d)%s%s", argv[0],
                            WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                            line[0] ? ": " : "", line);
        }
        return 0;
}

/*
 * A socket for the OCI runtime's --console-socket, at run/console.sock:
 * the runtime connects and sends the terminal's master over it. Its path
 * goes through /proc/PID/fd of the run directory held open here (in
 * *dir_fd), so that a long run directory still fits sun_path.
 */
static int
console_socket(const struct container_paths *p, int *dir_fd, char **ret_path, struct berr **err)
{
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        *dir_fd = open(p->run, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*dir_fd < 0 || fd < 0)
                return berr(err, errno, "console socket in %s", p->run);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/%d/fd/%d/console.sock", (int)getpid(),
                 *dir_fd);
        (void)unlinkat(*dir_fd, "console.sock", 0);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                return berr(err, errno, "console socket in %s", p->run);
        *ret_path = strdup(sa.sun_path);
        if (!*ret_path)
                return berr(err, ENOMEM, "console socket");
        return TAKE_FD(fd);
}

/* The terminal's master that the runtime sent (it has, once `create` returned) */
static int
console_receive(int listen_fd, struct berr **err)
{
        _cleanup_close_ int conn = -EBADF;
        char byte[256];
        struct iovec iov = {.iov_base = byte, .iov_len = sizeof(byte)};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *cm;
        int fd = -EBADF;

        conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (conn < 0)
                return berr(err, errno, "the runtime sent no terminal");
        if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
                return berr(err, errno, "receive the terminal");
        cm = CMSG_FIRSTHDR(&msg);
        if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
            cm->cmsg_len == CMSG_LEN(sizeof(int)))
                memcpy(&fd, CMSG_DATA(cm), sizeof(int));
        return fd >= 0 ? fd : berr(err, EPROTO, "the runtime sent no terminal");
}

static int
spawn_oci(const struct berth_ctx *ctx, const struct container_paths *p, const char *runtime,
          const char *id, const struct oci_config *c, pid_t *ret_pid, int *ret_console,
          struct berr **err)
{
        _cleanup_free_ char *state = NULL, *pidfile = NULL, *console = NULL, *log = NULL;
        char *create[] = {
                (char *)runtime,     "--root",     NULL, "--log",    NULL, "create", "--bundle",
                (char *)p->userdata, "--pid-file", NULL, (char *)id, NULL, NULL,     NULL};
        char *start[] = {(char *)runtime, "--root", NULL, "start", (char *)id, NULL};
        char buf[32] = {0};
        _cleanup_close_ int fd = -EBADF, console_fd = -EBADF, run_fd = -EBADF;
        int r;

        if (asprintf(&state, "%s/runtime", ctx->runroot) < 0 ||
            asprintf(&pidfile, "%s/pid", p->run) < 0 ||
            asprintf(&log, "%s/runtime.log", p->run) < 0)
                return berr(err, ENOMEM, "spawn");
        create[2] = start[2] = state;
        create[4] = log;
        create[9] = pidfile;
        if (c->terminal) {
                console_fd = console_socket(p, &run_fd, &console, err);
                if (console_fd < 0)
                        return console_fd;
                /* the options go before the container's ID */
                create[10] = "--console-socket";
                create[11] = console;
                create[12] = (char *)id;
        }
        /* an OCI runtime wants the root file system mounted where root.path says */
        if (c->overlay && mount("overlay", c->root_path, "overlay", 0, c->overlay) < 0)
                return berr(err, errno, "mount the root overlay on %s", c->root_path);
        r = run_create(create, log, err);
        if (r == 0 && console_fd >= 0) {
                r = console_receive(console_fd, err);
                if (r >= 0) {
                        *ret_console = r;
                        r = 0;
                }
                (void)unlinkat(run_fd, "console.sock", 0);
        }
        if (r == 0)
                r = run_argv(start, err);
        if (r < 0) {
                if (*ret_console >= 0)
                        (void)close(*ret_console);
                *ret_console = -EBADF;
                char *del[] = {(char *)runtime, "--root",   state, "delete",
                               "--force",       (char *)id, NULL};
                (void)run_argv(del, NULL);
                if (c->overlay)
                        (void)umount2(c->root_path, MNT_DETACH);
                return r;
        }
        fd = open(pidfile, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
                return berr(err, errno, "read %s", pidfile);
        *ret_pid = (pid_t)atoi(buf);
        return *ret_pid > 0 ? 0 : berr(err, 0, "%s: not a PID", pidfile);
}

/* A container made for a record that is gone: it, its cgroup, its runtime state, its mount. */
static void
undo_spawn(const struct berth_ctx *ctx, const struct container_paths *p, const char *runtime,
           const char *id, const struct oci_config *c, pid_t pid)
{
        struct cgroup_system sys = {0};

        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
        if (c->cgroups_path && cgroup_detect(&sys, NULL) == 0) {
                _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
                if (cgroup_open(&sys, c->cgroups_path, &cg, NULL) == 0) {
                        (void)cgroup_kill_all(cg, SIGKILL, NULL);
                        (void)cgroup_destroy(cg, NULL);
                }
                cgroup_system_done(&sys);
        }
        if (runtime && runtime[0]) {
                _cleanup_free_ char *state = NULL;
                char *del[] = {(char *)runtime, "--root",   NULL, "delete",
                               "--force",       (char *)id, NULL};
                if (asprintf(&state, "%s/runtime", ctx->runroot) >= 0) {
                        del[2] = state;
                        (void)run_argv(del, NULL);
                }
                (void)umount2(p->rootfs, MNT_DETACH);
        }
        (void)rmdir(p->rootfs);
        (void)rm_rf_at(AT_FDCWD, p->run);
}

int
container_spawn(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
                const json_t *given_spec, const struct container_paths *p, pid_t *ret_pid,
                int *ret_console, struct berr **err)
{
        _cleanup_close_ int console = -EBADF;
        _cleanup_(json_decrefp) json_t *spec = json_incref((json_t *)given_spec), *changes = NULL;
        const char *id = json_string_value(json_object_get(rec, "id"));
        struct oci_config c = {0};
        struct timespec now;
        json_error_t je;
        const char *runtime;
        pid_t pid = -1;
        int r;

        if (!spec)
                spec = json_load_file(p->config, JSON_REJECT_DUPLICATES, &je);
        if (!spec)
                return berr(err, 0, "%s:%d: %s", p->config, je.line, je.text);
        r = oci_config_read(spec, p->userdata, p->config, &c, err);
        if (r < 0)
                return r;
        runtime = json_string_value(json_object_get(rec, "runtime"));
        if (runtime && runtime[0])
                r = spawn_oci(ctx, p, runtime, id, &c, &pid, &console, err);
        else
                r = spawn_builtin(ctx, &c, &pid, &console, err);
        if (r < 0) {
                oci_config_clear(&c);
                return r;
        }

        /* recorded before the monitor runs: its cleanup comes after this */
        clock_gettime(CLOCK_REALTIME, &now);
        changes = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "state", "running", "pid",
                            (json_int_t)pid, "pidStart", (json_int_t)container_pid_start(pid),
                            "monitorPid", (json_int_t)getpid(), "monitorStart",
                            (json_int_t)container_pid_start(getpid()), "startedAt",
                            (json_int_t)now.tv_sec * 1000000000 + now.tv_nsec);
        r = changes ? storage_container_update(s, id, changes, false, err)
                    : berr(err, ENOMEM, "record");
        if (r < 0) {
                /* the record went meanwhile (rm of a container being started): undo it all */
                undo_spawn(ctx, p, runtime, id, &c, pid);
                oci_config_clear(&c);
                return r;
        }
        oci_config_clear(&c);
        *ret_pid = pid;
        *ret_console = TAKE_FD(console);
        return 0;
}

static int
read_exit(const struct container_paths *p, json_t **ret)
{
        json_error_t je;

        *ret = json_load_file(p->exit, 0, &je);
        return *ret ? 0 : -ENOENT;
}

/*
 * What is left of an exited container but its files: what it started and
 * left in its cgroup (none, when it had its own PID namespace), the cgroup
 * (read for its OOM kills first), the OCI runtime's state and its root
 * mount. Returns the OOM kills the cgroup counted.
 */
static uint64_t
release(const struct berth_ctx *ctx, const json_t *rec, const struct container_paths *p)
{
        const char *runtime = json_string_value(json_object_get(rec, "runtime"));
        const char *cgpath = json_string_value(json_object_get(rec, "cgroupPath"));
        struct cgroup_system sys = {0};
        uint64_t ooms = 0;

        if (cgpath && cgroup_detect(&sys, NULL) == 0) {
                _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
                if (cgroup_open(&sys, cgpath, &cg, NULL) == 0) {
                        _cleanup_free_ pid_t *left = NULL;
                        size_t n_left = 0;

                        (void)cgroup_oom_kills(cg, &ooms);
                        if (cgroup_pids(cg, &left, &n_left, NULL) < 0 || n_left > 0)
                                (void)cgroup_kill_all(cg, SIGKILL, NULL);
                        if (!runtime || !runtime[0])
                                (void)cgroup_destroy(cg, NULL);
                }
                cgroup_system_done(&sys);
        }
        if (runtime && runtime[0]) {
                _cleanup_free_ char *state = NULL;
                char *del[] = {(char *)runtime,
                               "--root",
                               NULL,
                               "delete",
                               "--force",
                               (char *)json_string_value(json_object_get(rec, "id")),
                               NULL};
                if (asprintf(&state, "%s/runtime", ctx->runroot) >= 0) {
                        del[2] = state;
                        (void)run_argv(del, NULL);
                }
                (void)umount2(p->rootfs, MNT_DETACH);
        }
        return ooms;
}

void
container_release_created(const struct berth_ctx *ctx, const json_t *rec,
                          const struct container_paths *p)
{
        const char *cgpath = json_string_value(json_object_get(rec, "cgroupPath"));
        struct cgroup_system sys = {0};
        const char *runtime = json_string_value(json_object_get(rec, "runtime"));
        struct cgroup *cg = NULL;
        bool made = false;

        if (cgpath && cgroup_detect(&sys, NULL) == 0) {
                made = cgroup_open(&sys, cgpath, &cg, NULL) == 0;
                cgroup_free(cg);
                cgroup_system_done(&sys);
        }
        if (made) {
                (void)release(ctx, rec, p);
                return;
        }
        /* no cgroup: the start never came that far, but for an OCI runtime's root mount */
        if (runtime && runtime[0])
                (void)umount2(p->rootfs, MNT_DETACH);
}

int
runtime_internal_cleanup(struct storage *s, const struct berth_ctx *ctx, const char *id,
                         bool from_monitor, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *ex = NULL, *changes = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        const char *state;
        uint64_t ooms;
        int r;

        r = storage_container_find(s, id, &rec, err);
        if (r == 0)
                r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        if (from_monitor && json_is_true(json_object_get(rec, "attached")))
                return 0;
        /* done already (by an attached run, or a command that found the monitor dead) */
        state = json_string_value(json_object_get(rec, "state"));
        if (state && strcmp(state, "exited") == 0)
                return 0;
        ooms = release(ctx, rec, &p);

        changes = json_object();
        if (!changes)
                return berr(err, ENOMEM, "record");
        if (read_exit(&p, &ex) == 0) {
                json_object_set(changes, "exitCode", json_object_get(ex, "exitCode"));
                json_object_set(changes, "signal", json_object_get(ex, "signal"));
                json_object_set(changes, "finishedAt", json_object_get(ex, "finishedAt"));
                if (json_is_string(json_object_get(ex, "probeFailure")))
                        json_object_set(changes, "lastProbeFailure",
                                        json_object_get(ex, "probeFailure"));
        } else {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                json_object_set_new(
                        changes, "finishedAt",
                        json_integer((json_int_t)now.tv_sec * 1000000000 + now.tv_nsec));
        }
        /* a container that waited to restart: the OOM kills were counted then */
        if (!state || strcmp(state, "restarting") != 0)
                json_object_set_new(changes, "oomKilled", json_boolean(ooms > 0));
        json_object_set_new(changes, "state", json_string("exited"));
        json_object_set_new(changes, "pid", json_integer(0));
        json_object_set_new(changes, "monitorPid", json_integer(0));
        r = storage_container_update(s, json_string_value(json_object_get(rec, "id")), changes,
                                     false, err);
        if (r == 0 && json_is_true(json_object_get(rec, "autoRemove"))) {
                if (p.rootfs)
                        (void)rmdir(p.rootfs);
                if (p.run)
                        (void)rm_rf_at(AT_FDCWD, p.run);
                r = storage_container_remove(s, json_string_value(json_object_get(rec, "id")), err);
        }
        return r;
}

/* userdata/stop-requested: berth stop, rm and kill leave it before they signal (container-ops.c) */
static bool
stop_requested(const struct container_paths *p)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/stop-requested", p->userdata) < 0)
                return true; /* out of memory: not starting anything is the safe way out */
        return access(path, F_OK) == 0;
}

static int64_t
realtime_ns(void)
{
        struct timespec now;

        clock_gettime(CLOCK_REALTIME, &now);
        return backoff_ns_from_timespec(&now);
}

/*
 * Wait ns, or less when SIGTERM, SIGINT or SIGHUP (blocked by the caller)
 * comes and a stop was asked for. Returns whether a stop was asked for.
 */
static bool
back_off(const struct container_paths *p, const sigset_t *wake, int64_t ns)
{
        struct timespec now, end;

        clock_gettime(CLOCK_MONOTONIC, &end);
        end.tv_sec += (time_t)(ns / BACKOFF_NSEC_PER_SEC);
        end.tv_nsec += (long)(ns % BACKOFF_NSEC_PER_SEC);
        if (end.tv_nsec >= 1000000000L) {
                end.tv_sec++;
                end.tv_nsec -= 1000000000L;
        }
        for (;;) {
                struct timespec left;

                if (stop_requested(p))
                        return true;
                clock_gettime(CLOCK_MONOTONIC, &now);
                left.tv_sec = end.tv_sec - now.tv_sec;
                left.tv_nsec = end.tv_nsec - now.tv_nsec;
                if (left.tv_nsec < 0) {
                        left.tv_sec--;
                        left.tv_nsec += 1000000000L;
                }
                if (left.tv_sec < 0)
                        return false;
                /* a signal without a stop asked for (a stray kill): the wait goes on */
                if (sigtimedwait(wake, NULL, &left) < 0 && errno != EINTR && errno != EAGAIN)
                        return stop_requested(p);
        }
}

/* The record's end while it waited to restart: what cleanup would have written, as it is already.
 */
static int
restart_abandoned(struct storage *s, const char *id, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *changes =
                json_pack("{s:s, s:I, s:I}", "state", "exited", "pid", (json_int_t)0, "monitorPid",
                          (json_int_t)0);

        if (!changes)
                return berr(err, ENOMEM, "record");
        return storage_container_update(s, id, changes, false, err);
}

int
runtime_internal_restart(struct storage *s, const struct berth_ctx *ctx, const char *what,
                         struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *ex = NULL, *changes = NULL, *last = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_free_ char *id = NULL;
        struct backoff b = BACKOFF_INIT;
        int64_t started, finished, delay, restart_at;
        json_int_t exit_code, count;
        const char *reason;
        uint64_t ooms;
        sigset_t wake;
        int r;

        /* berth stop signals us once it left its mark: the signal must wait for sigtimedwait() */
        sigemptyset(&wake);
        sigaddset(&wake, SIGTERM);
        sigaddset(&wake, SIGINT);
        sigaddset(&wake, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &wake, NULL) < 0)
                return berr(err, errno, "block signals");
        r = storage_container_find(s, what, &rec, err);
        if (r < 0)
                return r;
        id = strdup(json_string_value(json_object_get(rec, "id")));
        if (!id)
                return berr(err, ENOMEM, "restart");
        r = container_paths(s, ctx, id, &p, err);
        if (r < 0)
                return r;
        /* asked to stop meanwhile, or nothing to go on: the usual end */
        if (stop_requested(&p) || read_exit(&p, &ex) < 0 ||
            json_is_true(json_object_get(rec, "autoRemove")))
                return runtime_internal_cleanup(s, ctx, id, true, err);

        ooms = release(ctx, rec, &p);
        exit_code = json_integer_value(json_object_get(ex, "exitCode"));
        started = (int64_t)json_integer_value(json_object_get(rec, "startedAt"));
        finished = (int64_t)json_integer_value(json_object_get(ex, "finishedAt"));
        reason = ooms > 0 ? "OOMKilled" : exit_code == 0 ? "Completed" : "Error";
        b.next_ns = (int64_t)json_integer_value(json_object_get(rec, "restartBackoffNs"));
        delay = backoff_next(&b, started, finished);
        restart_at = realtime_ns() + delay;
        /* as kubelet's containerStatuses[].lastState.terminated has it */
        last = json_pack("{s:I, s:O?, s:s, s:I, s:I}", "exitCode", exit_code, "signal",
                         json_object_get(ex, "signal"), "reason", reason, "startedAt",
                         (json_int_t)started, "finishedAt", (json_int_t)finished);
        changes = json_pack("{s:s, s:I, s:I, s:O?, s:I, s:b, s:O, s:I, s:I}", "state", "restarting",
                            "pid", (json_int_t)0, "exitCode", exit_code, "signal",
                            json_object_get(ex, "signal"), "finishedAt", (json_int_t)finished,
                            "oomKilled", ooms > 0, "lastState", last, "restartBackoffNs",
                            (json_int_t)b.next_ns, "restartAt", (json_int_t)restart_at);
        if (!last || !changes)
                return berr(err, ENOMEM, "record");
        if (json_is_string(json_object_get(ex, "probeFailure")))
                json_object_set(changes, "lastProbeFailure", json_object_get(ex, "probeFailure"));
        /* the record stays ours (monitorPid is this process, exec keeps it): berth stop finds us */
        r = storage_container_update(s, id, changes, false, err);
        if (r < 0)
                return r == -ENOENT ? 0 : r; /* removed meanwhile: nothing to restart */

        for (;;) {
                _cleanup_(berr_freep) struct berr *serr = NULL;
                _cleanup_(json_decrefp) json_t *now = NULL, *bump = NULL;

                if (back_off(&p, &wake, delay))
                        return restart_abandoned(s, id, err);
                r = storage_container_find(s, id, &now, err);
                if (r < 0)
                        return r == -ENOENT ? 0 : r;
                count = json_integer_value(json_object_get(now, "restartCount"));
                bump = json_pack("{s:I, s:I}", "restartCount", count + 1, "restartRetries",
                                 json_integer_value(json_object_get(now, "restartRetries")) + 1);
                r = bump ? storage_container_update(s, id, bump, false, err)
                         : berr(err, ENOMEM, "record");
                if (r < 0)
                        return r == -ENOENT ? 0 : r;
                r = runtime_start(s, ctx, id, &serr);
                if (r == 0)
                        break;
                /* it could not start (kubelet: CreateContainerError): again after a back-off */
                delay = backoff_next(&b, realtime_ns(), realtime_ns());
                restart_at = realtime_ns() + delay;
                json_decref(bump);
                bump = json_pack("{s:s, s:I, s:I}", "error", serr && serr->msg ? serr->msg : "",
                                 "restartBackoffNs", (json_int_t)b.next_ns, "restartAt",
                                 (json_int_t)restart_at);
                if (bump)
                        (void)storage_container_update(s, id, bump, false, NULL);
        }
        /* a stop that came while it started: it is stopped now, as asked */
        if (stop_requested(&p))
                return runtime_stop(s, ctx, id, -1, err);
        return 0;
}
