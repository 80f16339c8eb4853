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
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

struct place {
        struct cgroup *cg;
};

static int
place_in_cgroup(void *userdata, pid_t pid, struct berr **err)
{
        struct place *p = userdata;

        return p->cg ? cgroup_enter(p->cg, pid, err) : 0;
}

static int
spawn_builtin(const struct berth_ctx *ctx, const struct oci_config *c, pid_t *ret_pid,
              struct berr **err)
{
        _cleanup_free_ char *seccomp_cache = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_system sys = {0};
        struct executor_result res = {.pid = -1, .pidfd = -EBADF};
        /* the caller has put the container's standard files on 0, 1 and 2 */
        struct executor_opts o = {.stdio = {0, 1, 2}};
        struct place p = {0};
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
                if (r < 0) {
                        cgroup_system_done(&sys);
                        return r;
                }
        }
        p.cg = cg;
        o.place = place_in_cgroup;
        o.userdata = &p;
        o.cgroup_v2 = sys.mode == CGROUP_V2;
        r = executor_spawn(c, &o, &res, err);
        cgroup_system_done(&sys);
        if (r < 0) {
                if (cg)
                        (void)cgroup_destroy(cg, NULL);
                return r;
        }
        (void)close(res.pidfd);
        *ret_pid = res.pid;
        return 0;
}

/* run argv (an OCI runtime) with our standard files; its exit status */
static int
run_argv(char *const *argv, struct berr **err)
{
        pid_t pid = fork();
        int st;

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
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return berr(err, EIO, "%s %s failed (exit status %d)", argv[0], argv[3],
                            WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        return 0;
}

static int
spawn_oci(const struct berth_ctx *ctx, const struct container_paths *p, const char *runtime,
          const char *id, const struct oci_config *c, pid_t *ret_pid, struct berr **err)
{
        _cleanup_free_ char *state = NULL, *pidfile = NULL;
        char *create[] = {(char *)runtime,     "--root",     NULL, "create",   "--bundle",
                          (char *)p->userdata, "--pid-file", NULL, (char *)id, NULL};
        char *start[] = {(char *)runtime, "--root", NULL, "start", (char *)id, NULL};
        char buf[32] = {0};
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (asprintf(&state, "%s/runtime", ctx->runroot) < 0 ||
            asprintf(&pidfile, "%s/pid", p->run) < 0)
                return berr(err, ENOMEM, "spawn");
        create[2] = start[2] = state;
        create[7] = pidfile;
        /* an OCI runtime wants the root file system mounted where root.path says */
        if (c->overlay && mount("overlay", c->root_path, "overlay", 0, c->overlay) < 0)
                return berr(err, errno, "mount the root overlay on %s", c->root_path);
        r = run_argv(create, err);
        if (r == 0)
                r = run_argv(start, err);
        if (r < 0) {
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
                const struct container_paths *p, pid_t *ret_pid, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *spec = NULL, *changes = NULL;
        const char *id = json_string_value(json_object_get(rec, "id"));
        struct oci_config c = {0};
        struct timespec now;
        json_error_t je;
        const char *runtime;
        pid_t pid = -1;
        int r;

        spec = json_load_file(p->config, JSON_REJECT_DUPLICATES, &je);
        if (!spec)
                return berr(err, 0, "%s:%d: %s", p->config, je.line, je.text);
        r = oci_config_read(spec, p->userdata, p->config, &c, err);
        if (r < 0)
                return r;
        /*
         * An attached interactive run hands the caller's terminal on: it is
         * the caller session's, not one the container may take as its own
         */
        if (json_is_true(json_object_get(rec, "interactive")) &&
            json_is_true(json_object_get(rec, "attached")))
                c.terminal = false;
        runtime = json_string_value(json_object_get(rec, "runtime"));
        if (runtime && runtime[0])
                r = spawn_oci(ctx, p, runtime, id, &c, &pid, err);
        else
                r = spawn_builtin(ctx, &c, &pid, err);
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
        return 0;
}

static int
read_exit(const struct container_paths *p, json_t **ret)
{
        json_error_t je;

        *ret = json_load_file(p->exit, 0, &je);
        return *ret ? 0 : -ENOENT;
}

int
runtime_internal_cleanup(struct storage *s, const struct berth_ctx *ctx, const char *id,
                         bool from_monitor, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *ex = NULL, *changes = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        const char *runtime, *cgpath;
        struct cgroup_system sys = {0};
        uint64_t ooms = 0;
        int r;

        r = storage_container_find(s, id, &rec, err);
        if (r == 0)
                r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        if (from_monitor && json_is_true(json_object_get(rec, "attached")))
                return 0;
        /* done already (by an attached run, or a command that found the monitor dead) */
        if (json_is_string(json_object_get(rec, "state")) &&
            strcmp(json_string_value(json_object_get(rec, "state")), "exited") == 0)
                return 0;
        runtime = json_string_value(json_object_get(rec, "runtime"));
        cgpath = json_string_value(json_object_get(rec, "cgroupPath"));
        if (cgpath && cgroup_detect(&sys, NULL) == 0) {
                _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
                if (cgroup_open(&sys, cgpath, &cg, NULL) == 0) {
                        _cleanup_free_ pid_t *left = NULL;
                        size_t n_left = 0;

                        (void)cgroup_oom_kills(cg, &ooms);
                        /* what the container started and left behind (none, when it had its own PID
                         * namespace) */
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
                (void)umount2(p.rootfs, MNT_DETACH);
        }

        changes = json_object();
        if (read_exit(&p, &ex) == 0) {
                json_object_set(changes, "exitCode", json_object_get(ex, "exitCode"));
                json_object_set(changes, "signal", json_object_get(ex, "signal"));
                json_object_set(changes, "finishedAt", json_object_get(ex, "finishedAt"));
        } else {
                struct timespec now;
                clock_gettime(CLOCK_REALTIME, &now);
                json_object_set_new(
                        changes, "finishedAt",
                        json_integer((json_int_t)now.tv_sec * 1000000000 + now.tv_nsec));
        }
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
