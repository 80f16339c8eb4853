/*
 * tests/fuzz/fuzz-cgroup.c: the text the cgroup module reads: a mountinfo
 * file, a /proc/PID/cgroup file, and an OCI spec's linux.resources (from a
 * bundle a user may hand to berth). The same bytes go to all three; what
 * parses must hold together, what does not must say why.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cgroup.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_path(const char *p)
{
        if (p && (p[0] != '/' || strchr(p, '\n')))
                abort();
}

static void
fuzz_mountinfo(const char *text)
{
        struct cgroup_system sys = {0};
        struct berr *err = NULL;
        bool any_v1 = false;

        if (cgroup_detect_mountinfo(text, &sys, &err) < 0) {
                if (!err || !err->msg)
                        abort();
                berr_free(err);
                return;
        }
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                check_path(sys.v1[c]);
                any_v1 = any_v1 || sys.v1[c];
        }
        check_path(sys.unified);
        if ((sys.mode == CGROUP_V2) != (!any_v1 && sys.unified))
                abort();
        if ((sys.mode == CGROUP_HYBRID) != (any_v1 && sys.unified))
                abort();
        if ((sys.mode == CGROUP_V1) != (any_v1 && !sys.unified))
                abort();
        cgroup_system_done(&sys);
}

static void
fuzz_proc(const char *text)
{
        static const char *const controllers[] = {NULL, "memory", "cpu", "cpuacct", "name=systemd"};

        for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]); i++) {
                struct berr *err = NULL;
                char *path = NULL;
                int r = cgroup_proc_parse(text, controllers[i], &path, &err);

                if (r == 0) {
                        check_path(path);
                        if (!path || err)
                                abort();
                } else if (r == -ENOENT) {
                        if (path || err)
                                abort();
                } else if (r != -EINVAL || path || !err || !err->msg) {
                        abort();
                }
                free(path);
                berr_free(err);
        }
}

static void
fuzz_spec(const uint8_t *data, size_t size)
{
        json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        struct berr *err = NULL;

        if (!j)
                return;
        if (cgroup_limits_from_spec(j, &lim, &err) == 0) {
                if (err)
                        abort();
                if (lim.memory_max < -1 || lim.memory_swap_max < -1 || lim.pids_max < -1)
                        abort();
                if (lim.memory_swap_max >= 0 &&
                    (lim.memory_max < 0 || lim.memory_swap_max < lim.memory_max))
                        abort();
                if (lim.cpu_quota != -1 && lim.cpu_quota < 1000)
                        abort();
                if (lim.cpu_period != 0 && (lim.cpu_period < 1000 || lim.cpu_period > 1000000))
                        abort();
                if (cgroup_shares_to_weight(lim.cpu_shares) > 10000)
                        abort();
                if ((lim.cpuset_cpus && !*lim.cpuset_cpus) ||
                    (lim.cpuset_mems && !*lim.cpuset_mems))
                        abort();
        } else if (!err || !err->msg || strncmp(err->msg, "linux.resources", 15) != 0) {
                abort();
        }
        berr_free(err);
        json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = strndup((const char *)data, size);

        if (!text)
                return 0;
        fuzz_mountinfo(text);
        fuzz_proc(text);
        free(text);
        fuzz_spec(data, size);
        return 0;
}
