/* runtime/container-paths.c: where a container's files are, and whether its process lives */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"

#ifndef BERTH_LIBEXECDIR
#define BERTH_LIBEXECDIR "/usr/local/libexec/berth"
#endif

void
container_paths_clear(struct container_paths *p)
{
        free(p->dir);
        free(p->userdata);
        free(p->config);
        free(p->log);
        free(p->exit);
        free(p->upper);
        free(p->work);
        free(p->run);
        free(p->rootfs);
        memset(p, 0, sizeof(*p));
}

int
container_paths(struct storage *s, const struct berth_ctx *ctx, const char *id,
                struct container_paths *ret, struct berr **err)
{
        struct container_paths p = {0};
        int r;

        r = storage_container_dir(s, id, &p.dir, err);
        if (r < 0)
                return r;
        if (asprintf(&p.userdata, "%s/userdata", p.dir) < 0 ||
            asprintf(&p.config, "%s/config.json", p.userdata) < 0 ||
            asprintf(&p.log, "%s/ctr.log", p.userdata) < 0 ||
            asprintf(&p.exit, "%s/exit", p.userdata) < 0 ||
            asprintf(&p.upper, "%s/upper", p.dir) < 0 || asprintf(&p.work, "%s/work", p.dir) < 0 ||
            asprintf(&p.run, "%s/containers/%s", ctx->runroot, id) < 0 ||
            asprintf(&p.rootfs, "%s/rootfs", p.run) < 0) {
                container_paths_clear(&p);
                return berr(err, ENOMEM, "container paths");
        }
        *ret = p;
        return 0;
}

unsigned long long
container_pid_start(pid_t pid)
{
        char path[64], buf[1024];
        _cleanup_close_ int fd = -EBADF;
        unsigned long long start = 0;
        ssize_t n;
        char *p;

        if (pid <= 0)
                return 0;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        /* the command name may hold spaces and parentheses: count from the last ')' */
        p = strrchr(buf, ')');
        if (!p)
                return 0;
        p++;
        /* a zombie has exited: only its parent has not looked yet */
        if (p[0] == ' ' && (p[1] == 'Z' || p[1] == 'X'))
                return 0;
        for (int field = 3; field < 22 && p; field++)
                p = strchr(p + 1, ' ');
        if (!p || sscanf(p, " %llu", &start) != 1)
                return 0;
        return start;
}

bool
container_alive(const json_t *rec)
{
        return container_process_alive(rec, "pid", "pidStart");
}

bool
container_process_alive(const json_t *rec, const char *pid_field, const char *start_field)
{
        json_int_t pid = json_integer_value(json_object_get(rec, pid_field));
        json_int_t start = json_integer_value(json_object_get(rec, start_field));

        if (pid <= 0)
                return false;
        return (json_int_t)container_pid_start((pid_t)pid) == start;
}

char *
container_helper_path(const char *name, const char *env_name)
{
        const char *env = getenv(env_name);
        char self[PATH_MAX], *slash, *p = NULL;
        ssize_t n;

        if (env && env[0])
                return strdup(env);
        /* beside berth itself (a build tree), then where make install puts it */
        n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0) {
                self[n] = '\0';
                slash = strrchr(self, '/');
                if (slash) {
                        *slash = '\0';
                        if (asprintf(&p, "%s/%s", self, name) >= 0 && access(p, X_OK) == 0)
                                return p;
                        free(p);
                }
        }
        return asprintf(&p, "%s/%s", BERTH_LIBEXECDIR, name) < 0 ? NULL : p;
}

char *
container_monitor_path(void)
{
        return container_helper_path("berth-monitor", "BERTH_MONITOR");
}
