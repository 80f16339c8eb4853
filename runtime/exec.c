/*
 * runtime/exec.c: `berth exec`. The container's own config.json says what
 * the process gets (capabilities, seccomp, no_new_privs, user, env); the
 * built-in executor joins the running container's namespaces and cgroup
 * and runs the program with berth's own standard files, so `exec -it`
 * works on the caller's terminal with nothing in between.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "executor.h"
#include "oci.h"
#include "passwd.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/strv.h"

static const char *const ns_files[_OCI_NS_MAX] = {
        [OCI_NS_USER] = "user",     [OCI_NS_MOUNT] = "mnt", [OCI_NS_PID] = "pid",
        [OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",   [OCI_NS_NET] = "net",
        [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

/* the container's environment, with add's NAME=VALUE replacing the same names */
static char **
merge_env(char **base, char *const *add)
{
        size_t n = 0, k = 0;
        char **out;

        while (base && base[n])
                n++;
        while (add && add[k])
                k++;
        out = calloc(n + k + 1, sizeof(*out));
        if (!out)
                return NULL;
        n = 0;
        for (char **b = base; b && *b; b++) {
                size_t len = strcspn(*b, "=");
                bool replaced = false;
                for (size_t i = 0; add && add[i] && !replaced; i++)
                        replaced = strncmp(add[i], *b, len) == 0 && add[i][len] == '=';
                if (!replaced)
                        out[n++] = *b;
                else
                        free(*b);
        }
        free(base);
        for (size_t i = 0; i < k; i++)
                if (!(out[n++] = strdup(add[i]))) {
                        strv_free(out);
                        return NULL;
                }
        return out;
}

struct exec_place {
        struct cgroup *cg;
};

static int
exec_place(void *userdata, pid_t pid, struct berr **err)
{
        struct exec_place *p = userdata;

        return p->cg ? cgroup_enter(p->cg, pid, err) : 0;
}

static int
set_user(struct oci_config *c, pid_t pid, const char *user, struct berr **err)
{
        char root[64];
        _cleanup_close_ int rootfd = -EBADF;
        struct passwd_user u = {0};
        int r;

        snprintf(root, sizeof(root), "/proc/%d/root", (int)pid);
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berr(err, errno, "open the container's root %s", root);
        r = passwd_resolve(rootfd, root, user, false, &u, err);
        if (r < 0)
                return r;
        c->uid = u.uid;
        c->gid = u.gid;
        free(c->groups);
        c->groups = NULL;
        c->n_groups = 0;
        if (u.n_groups > 0) {
                c->groups = calloc(u.n_groups, sizeof(gid_t));
                if (!c->groups) {
                        passwd_user_done(&u);
                        return berr(err, ENOMEM, "groups");
                }
                for (size_t i = 0; i < u.n_groups; i++)
                        c->groups[c->n_groups++] = u.groups[i];
        }
        /* a non-root user keeps the bounding set but gets no effective capabilities */
        if (c->uid != 0)
                c->caps.effective = c->caps.permitted = c->caps.ambient = 0;
        passwd_user_done(&u);
        return 0;
}

int
runtime_exec(struct storage *s, const struct berth_ctx *ctx, const char *what,
             const struct runtime_exec_opts *o, int *ret_exit_code, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *spec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_system sys = {0};
        struct oci_config c = {0};
        struct executor_opts eo = {.stdio = {0, 1, 2}, .exec = true};
        struct executor_result res = {.pid = -1, .pidfd = -EBADF};
        struct exec_place place = {0};
        _cleanup_close_ int null = -EBADF;
        _cleanup_free_ char *seccomp_cache = NULL;
        const char *state;
        json_error_t je;
        pid_t pid;
        int r, st;

        if (!o->argv || !o->argv[0])
                return berr(err, 0, "exec: no command given");
        r = storage_container_find(s, what, &rec, err);
        if (r < 0)
                return r;
        state = json_string_value(json_object_get(rec, "state"));
        if (!state || strcmp(state, "running") != 0 || !container_alive(rec))
                return berr(err, 0,
                            "can only create exec sessions on running containers: container %s "
                            "is not running",
                            what);
        pid = (pid_t)json_integer_value(json_object_get(rec, "pid"));
        r = container_paths(s, ctx, json_string_value(json_object_get(rec, "id")), &p, err);
        if (r < 0)
                return r;
        spec = json_load_file(p.config, JSON_REJECT_DUPLICATES, &je);
        if (!spec)
                return berr(err, 0, "%s:%d: %s", p.config, je.line, je.text);
        r = oci_config_read(spec, p.userdata, p.config, &c, err);
        if (r < 0)
                return r;

        if (asprintf(&seccomp_cache, "%s/seccomp", ctx->runroot) >= 0)
                eo.seccomp_cache = seccomp_cache;
        /* the process: the one asked for, in the container's namespaces */
        strv_free(c.args);
        c.args = strv_copy(o->argv);
        c.env = merge_env(c.env, o->env);
        if (!c.args || !c.env) {
                r = berr(err, ENOMEM, "exec");
                goto out;
        }
        if (o->workdir) {
                free(c.cwd);
                c.cwd = strdup(o->workdir);
        }
        c.terminal = false;
        if (o->user) {
                r = set_user(&c, pid, o->user, err);
                if (r < 0)
                        goto out;
        }
        if (o->privileged) {
                c.caps.bounding = c.caps.effective = c.caps.permitted = ~UINT64_C(0);
                json_decref(c.seccomp);
                c.seccomp = NULL;
        }
        for (int i = 0; i < _OCI_NS_MAX; i++) {
                if (!c.ns[i].enabled)
                        continue;
                free(c.ns[i].path);
                if (asprintf(&c.ns[i].path, "/proc/%d/ns/%s", (int)pid, ns_files[i]) < 0) {
                        c.ns[i].path = NULL;
                        r = berr(err, ENOMEM, "exec");
                        goto out;
                }
        }
        if (c.cgroups_path && cgroup_detect(&sys, NULL) == 0) {
                (void)cgroup_open(&sys, c.cgroups_path, &cg, NULL);
                cgroup_system_done(&sys);
        }
        place.cg = cg;
        eo.place = exec_place;
        eo.userdata = &place;
        if (!o->interactive) {
                null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null < 0) {
                        r = berr(err, errno, "open /dev/null");
                        goto out;
                }
                eo.stdio[0] = null;
        }
        r = executor_spawn(&c, &eo, &res, err);
        if (r < 0)
                goto out;
        (void)close(res.pidfd);
        if (o->detach) {
                *ret_exit_code = 0;
                goto out;
        }
        /* the terminal's ^C reaches the program: it decides, we report */
        (void)signal(SIGINT, SIG_IGN);
        (void)signal(SIGQUIT, SIG_IGN);
        while (waitpid(res.pid, &st, 0) < 0)
                if (errno != EINTR) {
                        r = berr(err, errno, "wait for the exec'd process");
                        goto out;
                }
        *ret_exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r = 0;
out:
        oci_config_clear(&c);
        return r;
}
