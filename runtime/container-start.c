/*
 * runtime/container-start.c: `berth start`. A detached child of ours (a
 * double fork and a session of its own, so it outlives us and no terminal
 * signal reaches it) creates the container and writes the running state
 * into the record, then execs berth-monitor: no second berth has to start,
 * and the record never says "running" after the exit is recorded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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

#define STATUS_MAX 4096

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
 * The monitor's process: detached (a session of its own, re-parented to
 * init), a child subreaper; it creates the container as its own child,
 * records it, then becomes berth-monitor (exec keeps the child and the
 * subreaper flag), which says "P<pid>" on the status pipe.
 */
static _Noreturn void
become_monitor(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
               const struct container_paths *p, const char *monitor, int status_fd)
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
        if (setsid() < 0)
                fail_to(status_fd, "start a session for the monitor");
        pid = fork();
        if (pid != 0)
                _exit(pid < 0 ? 1 : 0);
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
        if (container_spawn(s, ctx, rec, p, &pid, &console, &err) < 0)
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
        if (fcntl(out_fd, F_SETFD, 0) < 0 || (err_fd >= 0 && fcntl(err_fd, F_SETFD, 0) < 0) ||
            fcntl(status_fd, F_SETFD, 0) < 0)
                fail_to(status_fd, "set up the monitor");
        snprintf(pidnum, sizeof(pidnum), "%d", (int)pid);
        snprintf(outnum, sizeof(outnum), "%d", out_fd);
        snprintf(errnum, sizeof(errnum), "%d", err_fd);
        snprintf(statusnum, sizeof(statusnum), "%d", status_fd);
        snprintf(maxsize, sizeof(maxsize), "%lld",
                 (long long)json_integer_value(json_object_get(rec, "logMaxSize")));
        {
                const char *argv[32] = {
                        monitor,      "--id",           id,        "--pid",
                        pidnum,       "--stdout-fd",    outnum,    "--stderr-fd",
                        errnum,       "--status-fd",    statusnum, "--log",
                        p->log,       "--exit-file",    p->exit,   "--berth",
                        self,         "--root",         ctx->root, "--runroot",
                        ctx->runroot, "--log-max-size", maxsize,   "--log-max-files",
                        "2"};
                size_t na = 25;

                /* an attached run cleans up after its container itself */
                if (json_is_true(json_object_get(rec, "attached")))
                        argv[na++] = "--no-cleanup";
                /* a terminal is reached through the monitor's attach socket, in the run dir */
                if (tty) {
                        argv[na++] = "--attach-dir";
                        argv[na++] = p->run;
                }
                /* the caller attaches at once: nothing is read before it is there */
                if (tty && json_is_true(json_object_get(rec, "attached")))
                        argv[na++] = "--wait-attach";
                argv[na] = NULL;
                execv(monitor, (char *const *)argv);
        }
        (void)kill(pid, SIGKILL);
        fail_to(status_fd, "run the monitor");
}

static int
launch_monitor(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
               const struct container_paths *p, struct berr **err)
{
        _cleanup_free_ char *monitor = container_monitor_path();
        char msg[STATUS_MAX];
        int sp[2], st;
        ssize_t n, got = 0;
        pid_t pid;

        if (!monitor)
                return berr(err, ENOMEM, "monitor");
        if (access(monitor, X_OK) < 0)
                return berr(err, errno, "the monitor %s", monitor);
        if (pipe2(sp, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                (void)close(sp[0]);
                (void)close(sp[1]);
                return berr(err, errno, "fork");
        }
        if (pid == 0) {
                (void)close(sp[0]);
                become_monitor(s, ctx, rec, p, monitor, sp[1]);
        }
        (void)close(sp[1]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        while (got < (ssize_t)sizeof(msg) - 1 &&
               ((n = read(sp[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0 ||
                (n < 0 && errno == EINTR)))
                got += n > 0 ? n : 0;
        (void)close(sp[0]);
        msg[got] = '\0';
        if (got > 1 && msg[0] == 'P')
                return 0;
        if (got > 1 && msg[0] == 'E')
                return berr(err, 0, "%s", msg + 1);
        return berr(err, EIO, "the monitor %s did not start the container", monitor);
}

int
runtime_start(struct storage *s, const struct berth_ctx *ctx, const char *what, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        const char *state;
        int r;

        r = storage_container_find(s, what, &rec, err);
        if (r < 0)
                return r;
        state = json_string_value(json_object_get(rec, "state"));
        if (state && strcmp(state, "running") == 0 && container_alive(rec))
                return 0; /* podman start of a running container: nothing to do */
        if (!state || (strcmp(state, "created") != 0 && strcmp(state, "exited") != 0 &&
                       strcmp(state, "running") != 0))
                return berr(err, 0, "container %s is %s, expected created or exited", what,
                            state ? state : "in no known state");
        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        if (unlink(p.exit) < 0 && errno != ENOENT)
                return berr(err, errno, "remove %s", p.exit);
        return launch_monitor(s, ctx, rec, &p, err);
}
