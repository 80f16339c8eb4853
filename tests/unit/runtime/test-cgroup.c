/*
 * tests/unit/runtime/test-cgroup.c: cgroups for real on this machine (create,
 * limits read back, enter, OOM, pids.max, kill, destroy) and the v1 and v2
 * file formats on plain directories. Every cgroup made here is below
 * berth-test-PID in each hierarchy, removed at the end whatever happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "runtime/cgroup.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define MiB (1024LL * 1024)

/* the machine's cgroups, and whether the real tests can run (NULL: they can) */
static struct cgroup_system sys;
static const char *real_skip;
static char top[64]; /* berth-test-PID */

/* ---- helpers ---- */

static char *
slurp(const char *dir, const char *name)
{
        char path[4096];
        static char buf[8192];
        int fd;
        ssize_t n;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof(buf) - 1);
        (void)close(fd);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return buf;
}

/* dir/name's content without its trailing newline */
static char *
slurp_line(const char *dir, const char *name)
{
        char *s = slurp(dir, name);

        if (s)
                s[strcspn(s, "\n")] = '\0';
        return s;
}

static void
put(const char *dir, const char *name, const char *content)
{
        char path[4096];
        int fd;

        (void)snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        check(fd >= 0);
        if (fd < 0)
                return;
        check(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
        (void)close(fd);
}

static bool
exists(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0;
}

static void
sleep_ms(unsigned ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

        (void)nanosleep(&ts, NULL);
}

/* Reap every child (and orphan: we are a subreaper) for up to 5 s; how many were reaped. */
static int
reap_all(void)
{
        int n = 0;

        for (int i = 0; i < 500;) {
                int st;
                pid_t p = waitpid(-1, &st, WNOHANG);

                if (p > 0) {
                        n++;
                        continue;
                }
                if (p < 0 && errno == ECHILD)
                        break;
                sleep_ms(10);
                i++;
        }
        return n;
}

/* wait for pid (5 s at most); its status, or -1 */
static int
wait_child(pid_t pid)
{
        for (int i = 0; i < 1000; i++) {
                int st;
                pid_t p = waitpid(pid, &st, WNOHANG);

                if (p == pid)
                        return st;
                if (p < 0)
                        return -1;
                sleep_ms(10);
        }
        return -1;
}

static bool
has_pid(const pid_t *pids, size_t n, pid_t pid)
{
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* "berth-test-PID/name" */
static const char *
sub(const char *name)
{
        static char buf[256];

        (void)snprintf(buf, sizeof(buf), "%s/%s", top, name);
        return buf;
}

/* A directory of the real machine: mount/berth-test-PID/name. */
static const char *
real_dir(const char *mount, const char *name)
{
        static char buf[4096];

        (void)snprintf(buf, sizeof(buf), "%s/%s", mount, sub(name));
        return buf;
}

/* Kill what is left in and remove top in every hierarchy, unified tree included. */
static void
cleanup_top(const struct cgroup_system *s)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;

        if (cgroup_open(s, top, &cg, &err) < 0)
                return;
        (void)cgroup_kill_all(cg, SIGKILL, &err);
        (void)reap_all();
        if (cgroup_destroy(cg, &err) < 0)
                fprintf(stderr, "  cleanup: %s\n", err->msg);
}

/*
 * A child that joins cg through cgroup_join_fds(), runs body, then waits
 * to be killed. Every process body makes may say it is there by writing a
 * byte to ready_fd (the child writes its own after body). Returns the
 * child's pid once want bytes came, or minus its pid when they did not
 * (body failed, or the child died).
 */
static pid_t
spawn_in(struct cgroup *cg, int (*body)(int ready_fd), size_t want)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ int *fds = NULL;
        struct pollfd pfd = {.events = POLLIN};
        size_t n = 0, got = 0;
        int p[2];
        pid_t pid;

        if (cgroup_enter_fds(cg, &fds, &n, &err) < 0 || pipe2(p, O_CLOEXEC) < 0)
                return -1;
        pfd.fd = p[0];
        pid = fork();
        if (pid == 0) {
                int code;

                if (cgroup_join_fds(fds, n) < 0)
                        _exit(120);
                code = body ? body(p[1]) : 0;
                if (code != 0)
                        _exit(code);
                (void)write(p[1], "x", 1);
                for (;;)
                        pause();
        }
        for (size_t i = 0; i < n; i++)
                (void)close(fds[i]);
        (void)close(p[1]);
        /* 10 s at most: a test that goes wrong fails, it does not hang */
        while (pid > 0 && got < want && poll(&pfd, 1, 10000) == 1) {
                char buf[16];
                ssize_t r = read(p[0], buf, sizeof(buf));

                if (r <= 0)
                        break;
                got += (size_t)r;
        }
        (void)close(p[0]);
        return got == want ? pid : -pid;
}

/* ---- detection ---- */

static void
test_detect_mountinfo(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct cgroup_system s = {0};
        const char *v2 =
                "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                "30 22 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
                "31 22 0:27 / /proc rw - proc proc rw\n";
        const char *v1 =
                "25 22 0:23 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
                "26 25 0:24 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
                "27 25 0:25 / /sys/fs/cgroup/cpu,cpuacct rw shared:7 - cgroup cgroup "
                "rw,cpu,cpuacct\n"
                "28 25 0:26 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                "29 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
                "rw,net_cls,net_prio\n"
                "garbage\n"
                "30 25 0:28 / /sys/fs/cgroup/pids\\040x rw - cgroup cgroup rw,pids\n";
        const char *hybrid = "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
                             "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                             "35 30 0:32 / /mnt/memory rw - cgroup cgroup rw,memory\n";

        check(cgroup_detect_mountinfo(v2, &s, &err) == 0);
        check(s.mode == CGROUP_V2);
        check_str(s.unified, "/sys/fs/cgroup");
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                check(s.v1[c] == NULL);
        cgroup_system_done(&s);

        check(cgroup_detect_mountinfo(v1, &s, &err) == 0);
        check(s.mode == CGROUP_V1);
        check(s.unified == NULL);
        check_str(s.v1[CGROUP_CPU], "/sys/fs/cgroup/cpu,cpuacct");
        check_str(s.v1[CGROUP_CPUACCT], "/sys/fs/cgroup/cpu,cpuacct");
        check_str(s.v1[CGROUP_MEMORY], "/sys/fs/cgroup/memory");
        check_str(s.v1[CGROUP_NET_PRIO], "/sys/fs/cgroup/net_cls,net_prio");
        check_str(s.v1[CGROUP_PIDS], "/sys/fs/cgroup/pids x");
        check(s.v1[CGROUP_CPUSET] == NULL && s.v1[CGROUP_FREEZER] == NULL);
        cgroup_system_done(&s);
        check(s.v1[CGROUP_MEMORY] == NULL);

        check(cgroup_detect_mountinfo(hybrid, &s, &err) == 0);
        check(s.mode == CGROUP_HYBRID);
        check_str(s.unified, "/sys/fs/cgroup/unified");
        check_str(s.v1[CGROUP_MEMORY], "/sys/fs/cgroup/memory"); /* the first mount */
        cgroup_system_done(&s);

        check(cgroup_detect_mountinfo("31 22 0:27 / /proc rw - proc proc rw\n", &s, &err) ==
              -ENOENT);
        check(err && strstr(err->msg, "no cgroup file system is mounted") != NULL);

        check_str(cgroup_mode_to_string(CGROUP_HYBRID), "hybrid");
        check(cgroup_mode_to_string(_CGROUP_MODE_MAX) == NULL);
        check_str(cgroup_controller_to_string(CGROUP_PERF_EVENT), "perf_event");
        check(cgroup_controller_from_string("pids") == CGROUP_PIDS);
        check(cgroup_controller_from_string("name=systemd") == _CGROUP_CONTROLLER_INVALID);
}

/* What /proc/cgroups says: v1 hierarchies (column 2 != 0) of enabled controllers. */
static void
test_detect_here(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_fclose_ FILE *f = fopen("/proc/cgroups", "re");
        char line[256];
        bool any_v1 = false;
        struct cgroup_system s = {0};

        check(cgroup_detect(&s, &err) == 0);
        check(f != NULL);
        while (f && fgets(line, sizeof(line), f)) {
                char name[64];
                int hier, num, enabled;
                enum cgroup_controller c;

                if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &enabled) != 4)
                        continue;
                c = cgroup_controller_from_string(name);
                if (hier == 0 || !enabled || c < 0)
                        continue;
                any_v1 = true;
                check(s.v1[c] != NULL);
        }
        if (any_v1)
                check(s.mode == (s.unified ? CGROUP_HYBRID : CGROUP_V1));
        else
                check(s.mode == CGROUP_V2 && s.unified != NULL);
        /* this machine: v1 controllers under /sys/fs/cgroup, a v2 tree at .../unified */
        if (s.mode == CGROUP_HYBRID) {
                check_str(s.v1[CGROUP_MEMORY], "/sys/fs/cgroup/memory");
                check(s.v1[CGROUP_CPU] && s.v1[CGROUP_PIDS] && s.v1[CGROUP_CPUSET]);
                check_str(s.unified, "/sys/fs/cgroup/unified");
        }
        cgroup_system_done(&s);
}

/* ---- /proc/PID/cgroup ---- */

static void
test_proc_parse(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *hybrid = "9:name=systemd:/\n"
                             "4:memory:/berth/pod:a\n"
                             "2:cpu,cpuacct:/x\n"
                             "0::/berth/pod\n";
        char *s = NULL;

        check(cgroup_proc_parse(hybrid, "memory", &s, &err) == 0);
        check_str(s, "/berth/pod:a");
        free(s);
        s = NULL;
        check(cgroup_proc_parse(hybrid, "cpuacct", &s, &err) == 0);
        check_str(s, "/x");
        free(s);
        s = NULL;
        check(cgroup_proc_parse(hybrid, "name=systemd", &s, &err) == 0);
        check_str(s, "/");
        free(s);
        s = NULL;
        check(cgroup_proc_parse(hybrid, NULL, &s, &err) == 0);
        check_str(s, "/berth/pod");
        free(s);
        s = NULL;
        check(cgroup_proc_parse(hybrid, "pids", &s, &err) == -ENOENT);
        check(cgroup_proc_parse(hybrid, "cpu,", &s, &err) == -ENOENT);
        check(cgroup_proc_parse("0::/only\n", "memory", &s, &err) == -ENOENT);
        check(cgroup_proc_parse("1:memory:/a\n", NULL, &s, &err) == -ENOENT);
        check(s == NULL && err == NULL);

        check(cgroup_proc_parse("0::/ok\nmemory:/a\n", NULL, &s, &err) == 0);
        free(s);
        s = NULL;
        check(cgroup_proc_parse("memory:/a\n0::/\n", NULL, &s, &err) == -EINVAL);
        check(err &&
              streq(err->msg, "/proc/PID/cgroup: line memory:/a is not ID:CONTROLLERS:PATH"));
        err = berr_free(err);
        check(cgroup_proc_parse("x1::/a\n", NULL, &s, &err) == -EINVAL);
        err = berr_free(err);
        check(cgroup_proc_parse("0::\n", NULL, &s, &err) == -EINVAL);
        check(s == NULL);

        /* this process, from the file */
        check(cgroup_pid_path(0, NULL, &s, &err) == 0 || sys.mode == CGROUP_V1);
        check(s == NULL || s[0] == '/');
        free(s);
}

/* ---- OCI resources ---- */

static void
test_shares_to_weight(void)
{
        check(cgroup_shares_to_weight(0) == 0);
        check(cgroup_shares_to_weight(1) == 1);
        check(cgroup_shares_to_weight(2) == 1);
        check(cgroup_shares_to_weight(512) == 20);
        check(cgroup_shares_to_weight(1024) == 39);
        check(cgroup_shares_to_weight(262144) == 10000);
        check(cgroup_shares_to_weight(1000000) == 10000);
}

/* the error cgroup_limits_from_spec() gives for JSON text */
static void
check_spec_error(const char *json, const char *want)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        json_t *j = json_loads(json, JSON_DECODE_ANY, NULL);

        check(j != NULL);
        lim.pids_max = 12345;
        check(cgroup_limits_from_spec(j, &lim, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, want);
        check(lim.pids_max == 12345); /* untouched on failure */
        json_decref(j);
}

static void
test_limits_from_spec(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct cgroup_limits lim;
        json_t *j = json_loads("{\"memory\": {\"limit\": 67108864, \"swap\": 100663296,"
                               " \"swappiness\": 0},"
                               " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000,"
                               " \"cpus\": \"0-1\", \"mems\": \"0\"},"
                               " \"pids\": {\"limit\": 5}, \"devices\": []}",
                               0, NULL);

        check(j != NULL);
        check(cgroup_limits_from_spec(j, &lim, &err) == 0);
        check(lim.memory_max == 64 * MiB && lim.memory_swap_max == 96 * MiB);
        check(lim.cpu_shares == 1024 && lim.cpu_quota == 50000 && lim.cpu_period == 100000);
        check(lim.pids_max == 5);
        check_str(lim.cpuset_cpus, "0-1");
        check_str(lim.cpuset_mems, "0");
        json_decref(j);

        /* nothing, -1 and Go's zero values: no limits */
        check(cgroup_limits_from_spec(NULL, &lim, &err) == 0);
        check(lim.memory_max == -1 && lim.memory_swap_max == -1 && lim.cpu_quota == -1);
        check(lim.cpu_period == 0 && lim.cpu_shares == 0 && lim.pids_max == -1);
        check(lim.cpuset_cpus == NULL && lim.cpuset_mems == NULL);
        j = json_loads("{\"memory\": {\"limit\": -1, \"swap\": 0}, \"cpu\": {\"quota\": -1,"
                       " \"cpus\": \"\", \"shares\": null}, \"pids\": {\"limit\": 0}}",
                       0, NULL);
        check(cgroup_limits_from_spec(j, &lim, &err) == 0);
        check(lim.memory_max == -1 && lim.memory_swap_max == -1 && lim.cpu_quota == -1);
        check(lim.pids_max == -1 && lim.cpuset_cpus == NULL && lim.cpu_shares == 0);
        json_decref(j);
        check(err == NULL);

        check_spec_error("[]", "linux.resources: expected an object");
        check_spec_error("{\"memory\": 5}", "linux.resources.memory: expected an object");
        check_spec_error("{\"memory\": {\"limit\": \"1Gi\"}}",
                         "linux.resources.memory.limit: expected an integer");
        check_spec_error("{\"memory\": {\"limit\": 1.5}}",
                         "linux.resources.memory.limit: expected an integer");
        check_spec_error("{\"memory\": {\"limit\": 100, \"swap\": true}}",
                         "linux.resources.memory.swap: expected an integer");
        check_spec_error("{\"memory\": {\"limit\": -2}}",
                         "linux.resources.memory.limit: -2 is not valid, expected -1 or more");
        check_spec_error("{\"memory\": {\"limit\": 200, \"swap\": 100}}",
                         "linux.resources.memory.swap: 100 is less than memory.limit 200 (swap "
                         "counts memory and swap together)");
        check_spec_error("{\"memory\": {\"swap\": 100}}",
                         "linux.resources.memory.swap: a swap limit needs memory.limit");
        check_spec_error("{\"cpu\": []}", "linux.resources.cpu: expected an object");
        check_spec_error("{\"cpu\": {\"shares\": -5}}",
                         "linux.resources.cpu.shares: -5 is negative, expected 0 or more");
        check_spec_error("{\"cpu\": {\"shares\": \"1024\"}}",
                         "linux.resources.cpu.shares: expected an integer");
        check_spec_error("{\"cpu\": {\"quota\": 500}}",
                         "linux.resources.cpu.quota: 500 is less than 1000 microseconds");
        check_spec_error("{\"cpu\": {\"period\": 10}}",
                         "linux.resources.cpu.period: 10 is out of range, expected 1000-1000000");
        check_spec_error("{\"cpu\": {\"cpus\": 3}}", "linux.resources.cpu.cpus: expected a string");
        check_spec_error("{\"cpu\": {\"mems\": [0]}}",
                         "linux.resources.cpu.mems: expected a string");
        check_spec_error("{\"pids\": {\"limit\": \"5\"}}",
                         "linux.resources.pids.limit: expected an integer");
        check_spec_error("{\"pids\": 5}", "linux.resources.pids: expected an object");
}

/* ---- file formats on plain directories ---- */

static void
test_v2_files(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        char root[] = "/tmp/berth-test-cgroup-XXXXXX", pod[256], ctr[256];
        struct cgroup_system s = {.mode = CGROUP_V2};
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        struct cgroup_stats st = {0};
        uint64_t oom = 0;
        size_t n = 0;

        check(mkdtemp(root) != NULL);
        s.unified = root;
        (void)snprintf(pod, sizeof(pod), "%s/pod", root);
        (void)snprintf(ctr, sizeof(ctr), "%s/pod/ctr", root);
        check(mkdir(pod, 0755) == 0 && mkdir(ctr, 0755) == 0);
        /* what the kernel shows: a child's cgroup.controllers is its parent's subtree_control */
        put(root, "cgroup.controllers", "cpuset cpu io memory pids\n");
        put(root, "cgroup.subtree_control", "");
        put(pod, "cgroup.controllers", "cpuset cpu io memory pids\n");
        put(pod, "cgroup.subtree_control", "memory\n");
        put(ctr, "memory.max", "max\n");
        put(ctr, "memory.swap.max", "max\n");
        put(ctr, "cpu.max", "max 100000\n");
        put(ctr, "cpu.weight", "100\n");
        put(ctr, "pids.max", "max\n");
        put(ctr, "cpuset.cpus", "");
        put(ctr, "cpuset.mems", "");
        put(ctr, "memory.events", "low 0\nhigh 0\nmax 7\noom 2\noom_kill 2\noom_group_kill 0\n");
        put(ctr, "memory.current", "1234\n");
        put(ctr, "cpu.stat", "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\n");
        put(ctr, "pids.current", "3\n");
        put(ctr, "cgroup.procs", "10\n20\n");

        lim.memory_max = 64 * MiB;
        lim.memory_swap_max = 96 * MiB;
        lim.cpu_quota = 50000;
        lim.cpu_period = 100000;
        lim.cpu_shares = 1024;
        lim.pids_max = 5;
        lim.cpuset_cpus = "0-1";
        lim.cpuset_mems = "0";
        check(cgroup_create(&s, "/pod//ctr/", &lim, &cg, &err) == 0);
        check(err == NULL);
        check_str(cg ? cgroup_path(cg) : NULL, "pod/ctr");
        check_str(slurp(root, "cgroup.subtree_control"), "+cpu +cpuset +memory +pids");
        check_str(slurp(pod, "cgroup.subtree_control"), "+cpu +cpuset +pids");
        check_str(slurp(ctr, "memory.max"), "67108864");
        check_str(slurp(ctr, "memory.swap.max"), "33554432"); /* swap alone: 96 - 64 MiB */
        check_str(slurp(ctr, "cpu.max"), "50000 100000");
        check_str(slurp(ctr, "cpu.weight"), "39");
        check_str(slurp(ctr, "pids.max"), "5");
        check_str(slurp(ctr, "cpuset.cpus"), "0-1");
        check_str(slurp(ctr, "cpuset.mems"), "0");
        check(cg && cgroup_oom_kills(cg, &oom) == 0 && oom == 2);
        check(cg && cgroup_stats(cg, &st, &err) == 0);
        check(st.memory_bytes == 1234 && st.cpu_usage_ns == 5000000 && st.pids == 3);
        check(cg && cgroup_pids(cg, &pids, &n, &err) == 0);
        check(n == 2 && pids && pids[0] == 10 && pids[1] == 20);
        cg = cgroup_free(cg);

        /* only what is set is written: a period alone, and nothing else */
        put(ctr, "pids.max", "untouched");
        lim = (struct cgroup_limits)CGROUP_LIMITS_NONE;
        lim.cpu_period = 200000;
        check(cgroup_create(&s, "pod/ctr", &lim, NULL, &err) == 0);
        check_str(slurp(ctr, "cpu.max"), "max 200000");
        check_str(slurp(ctr, "pids.max"), "untouched");

        /* a memory limit where the tree has no memory controller: an error, nothing made */
        put(root, "cgroup.controllers", "cpu io\n");
        lim = (struct cgroup_limits)CGROUP_LIMITS_NONE;
        lim.memory_max = 16 * MiB;
        check(cgroup_create(&s, "pod2/ctr", &lim, &cg, &err) == -EINVAL);
        if (err) {
                char want[512];

                (void)snprintf(want, sizeof(want),
                               "cgroup v2 controller memory is not available in %s "
                               "(cgroup.controllers: \"cpu io\")",
                               root);
                check_str(err->msg, want);
        }
        check(cg == NULL);
        (void)snprintf(pod, sizeof(pod), "%s/pod2", root);
        check(!exists(pod));
        err = berr_free(err);

        /* limits that cannot be */
        lim = (struct cgroup_limits)CGROUP_LIMITS_NONE;
        lim.memory_swap_max = 16 * MiB;
        check(cgroup_create(&s, "pod3", &lim, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "a memory+swap limit needs a memory limit");
        err = berr_free(err);
        check(cgroup_create(&s, "a/../b", NULL, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "cgroup path 'a/../b': '.' and '..' are not allowed");
        err = berr_free(err);
        check(cgroup_create(&s, "a/b\nc", NULL, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL,
                  "cgroup path 'a/b\nc': control characters are not allowed");
        err = berr_free(err);
        check(cgroup_create(&s, "//", NULL, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "cgroup path '//' names no cgroup below the root");
        err = berr_free(err);
        check(cgroup_open(&s, "nope", &cg, &err) == -ENOENT && cg == NULL);
        check_str(err ? err->msg : NULL, "cgroup nope: No such file or directory");

        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_v1_files(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        char root[] = "/tmp/berth-test-cgroup-XXXXXX", mem[256], cpu[256], cpuset[256], pids[256],
             d[512];
        struct cgroup_system s = {.mode = CGROUP_V1};
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        struct cgroup_stats st = {0};
        uint64_t oom = 99;

        check(mkdtemp(root) != NULL);
        (void)snprintf(mem, sizeof(mem), "%s/memory", root);
        (void)snprintf(cpu, sizeof(cpu), "%s/cpu,cpuacct", root);
        (void)snprintf(cpuset, sizeof(cpuset), "%s/cpuset", root);
        (void)snprintf(pids, sizeof(pids), "%s/pids", root);
        check(mkdir(mem, 0755) == 0 && mkdir(cpu, 0755) == 0);
        check(mkdir(cpuset, 0755) == 0 && mkdir(pids, 0755) == 0);
        s.v1[CGROUP_MEMORY] = mem;
        s.v1[CGROUP_CPU] = s.v1[CGROUP_CPUACCT] = cpu; /* co-mounted: one directory */
        s.v1[CGROUP_CPUSET] = cpuset;
        s.v1[CGROUP_PIDS] = pids;

        (void)snprintf(d, sizeof(d), "%s/x", mem);
        check(mkdir(d, 0755) == 0);
        put(d, "memory.limit_in_bytes", "9223372036854771712\n");
        put(d, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
        put(d, "memory.oom_control", "oom_kill_disable 0\nunder_oom 1\n");
        put(d, "memory.failcnt", "3\n");
        put(d, "memory.usage_in_bytes", "4096\n");
        put(cpuset, "cpuset.cpus", "0-3\n");
        put(cpuset, "cpuset.mems", "0\n");
        (void)snprintf(d, sizeof(d), "%s/x", cpuset);
        check(mkdir(d, 0755) == 0);
        put(d, "cpuset.cpus", "\n");
        put(d, "cpuset.mems", "");
        (void)snprintf(d, sizeof(d), "%s/x", cpu);
        check(mkdir(d, 0755) == 0);
        put(d, "cpu.cfs_period_us", "100000\n");
        put(d, "cpu.cfs_quota_us", "-1\n");
        put(d, "cpu.shares", "1024\n");
        put(d, "cpuacct.usage", "777\n");
        (void)snprintf(d, sizeof(d), "%s/x", pids);
        check(mkdir(d, 0755) == 0);
        put(d, "pids.max", "max\n");
        put(d, "pids.current", "1\n");

        lim.memory_max = 16 * MiB;
        lim.memory_swap_max = 32 * MiB;
        lim.cpu_quota = 25000;
        lim.cpu_period = 50000;
        lim.cpu_shares = 512;
        lim.pids_max = 7;
        check(cgroup_create(&s, "x", &lim, &cg, &err) == 0);
        check(err == NULL);
        (void)snprintf(d, sizeof(d), "%s/x", mem);
        check_str(slurp(d, "memory.limit_in_bytes"), "16777216");
        check_str(slurp(d, "memory.memsw.limit_in_bytes"), "33554432");
        (void)snprintf(d, sizeof(d), "%s/x", cpu);
        check_str(slurp(d, "cpu.cfs_quota_us"), "25000");
        check_str(slurp(d, "cpu.cfs_period_us"), "50000");
        check_str(slurp(d, "cpu.shares"), "512");
        (void)snprintf(d, sizeof(d), "%s/x", pids);
        check_str(slurp(d, "pids.max"), "7");
        /* no cpuset limit: the cpuset hierarchy is left alone */
        (void)snprintf(d, sizeof(d), "%s/x", cpuset);
        check_str(slurp(d, "cpuset.cpus"), "\n");
        check_str(slurp(d, "cpuset.mems"), "");

        /* no oom_kill line (Linux < 4.13): failcnt and under_oom say one */
        check(cg && cgroup_oom_kills(cg, &oom) == 0 && oom == 1);
        check(cg && cgroup_stats(cg, &st, &err) == 0);
        check(st.memory_bytes == 4096 && st.cpu_usage_ns == 777 && st.pids == 1);
        cg = cgroup_free(cg);

        /* a cpuset limit: cpus written, mems copied from the parent so that tasks can join */
        (void)snprintf(d, sizeof(d), "%s/z", cpuset);
        check(mkdir(d, 0755) == 0);
        put(d, "cpuset.cpus", "\n");
        put(d, "cpuset.mems", "");
        lim = (struct cgroup_limits)CGROUP_LIMITS_NONE;
        lim.cpuset_cpus = "1";
        check(cgroup_create(&s, "z", &lim, NULL, &err) == 0);
        check_str(slurp(d, "cpuset.cpus"), "1");
        check_str(slurp(d, "cpuset.mems"), "0\n");

        /* a controller that is not mounted */
        s.v1[CGROUP_PIDS] = NULL;
        lim = (struct cgroup_limits)CGROUP_LIMITS_NONE;
        lim.pids_max = 3;
        check(cgroup_create(&s, "y", &lim, NULL, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "cgroup v1 controller pids is not mounted");
        (void)snprintf(d, sizeof(d), "%s/y", mem);
        check(!exists(d));

        check(rm_rf_at(AT_FDCWD, root) == 0);
}

/* ---- the real machine ---- */

static bool
real_ok(void)
{
        if (real_skip)
                check_skip(real_skip);
        return real_skip == NULL;
}

static void
test_create_limits(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        _cleanup_free_ char *root_cpus = NULL;
        const char *d;

        if (!real_ok())
                return;
        lim.memory_max = 64 * MiB;
        lim.memory_swap_max = 96 * MiB;
        lim.cpu_quota = 50000;
        lim.cpu_period = 100000;
        lim.cpu_shares = 512;
        lim.pids_max = 50;
        lim.cpuset_cpus = "0";
        lim.cpuset_mems = "0";
        check(cgroup_create(&sys, sub("a"), &lim, &cg, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* again: what exists is fine */
        check(cgroup_create(&sys, sub("a"), &lim, NULL, &err) == 0);
        if (!cg)
                return;
        if (sys.mode != CGROUP_V2) {
                d = real_dir(sys.v1[CGROUP_MEMORY], "a");
                check_str(slurp_line(d, "memory.limit_in_bytes"), "67108864");
                if (slurp(d, "memory.memsw.limit_in_bytes"))
                        check_str(slurp_line(d, "memory.memsw.limit_in_bytes"), "100663296");
                d = real_dir(sys.v1[CGROUP_CPU], "a");
                check_str(slurp_line(d, "cpu.cfs_quota_us"), "50000");
                check_str(slurp_line(d, "cpu.cfs_period_us"), "100000");
                check_str(slurp_line(d, "cpu.shares"), "512");
                check_str(slurp_line(real_dir(sys.v1[CGROUP_PIDS], "a"), "pids.max"), "50");
                d = real_dir(sys.v1[CGROUP_CPUSET], "a");
                check_str(slurp_line(d, "cpuset.cpus"), "0");
                check_str(slurp_line(d, "cpuset.mems"), "0");
                /* the level above got its parent's cpus, or nothing could join below it */
                root_cpus = strdup(slurp_line(sys.v1[CGROUP_CPUSET], "cpuset.cpus"));
                check_str(slurp_line(real_dir(sys.v1[CGROUP_CPUSET], ""), "cpuset.cpus"),
                          root_cpus);
                /* memory, cpu, cpuacct, pids, freezer and the cpuset a limit asks for */
                for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                        if (c == CGROUP_MEMORY || c == CGROUP_CPU || c == CGROUP_CPUACCT ||
                            c == CGROUP_PIDS || c == CGROUP_FREEZER || c == CGROUP_CPUSET)
                                check(!sys.v1[c] || exists(real_dir(sys.v1[c], "a")));
                /* no cgroup where no limit needs one (each mkdir takes the kernel's lock) */
                check(!sys.v1[CGROUP_BLKIO] || !exists(real_dir(sys.v1[CGROUP_BLKIO], "a")));
                check(!sys.v1[CGROUP_DEVICES] || !exists(real_dir(sys.v1[CGROUP_DEVICES], "a")));
        } else {
                d = real_dir(sys.unified, "a");
                check_str(slurp_line(d, "memory.max"), "67108864");
                check_str(slurp_line(d, "cpu.max"), "50000 100000");
                check_str(slurp_line(d, "cpu.weight"), "20");
                check_str(slurp_line(d, "pids.max"), "50");
        }
        if (sys.mode == CGROUP_HYBRID)
                check(exists(real_dir(sys.unified, "a")));

        check(cgroup_destroy(cg, &err) == 0);
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                check(!sys.v1[c] || !exists(real_dir(sys.v1[c], "a")));
        check(!sys.unified || !exists(real_dir(sys.unified, "a")));
        /* the level above stays */
        check(!sys.v1[CGROUP_MEMORY] || exists(real_dir(sys.v1[CGROUP_MEMORY], "")));
}

static void
test_enter(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL, *again = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_free_ char *path = NULL;
        size_t n = 0;
        pid_t pid, pid2;
        char want[512];

        if (!real_ok())
                return;
        check(cgroup_create(&sys, sub("enter"), NULL, &cg, &err) == 0);
        if (!cg)
                return;
        pid = fork();
        if (pid == 0) {
                for (;;)
                        pause();
        }
        check(pid > 0);
        check(cgroup_enter(cg, pid, &err) == 0);
        pid2 = spawn_in(cg, NULL, 1); /* through cgroup_join_fds() */
        check(pid2 > 0);

        check(cgroup_pids(cg, &pids, &n, &err) == 0);
        check(n == 2 && has_pid(pids, n, pid) && has_pid(pids, n, pid2));
        (void)snprintf(want, sizeof(want), "/%s", sub("enter"));
        if (sys.mode != CGROUP_V2) {
                check(cgroup_pid_path(pid, "memory", &path, &err) == 0);
                check_str(path, want);
                free(path);
                path = NULL;
                check(cgroup_pid_path(pid2, "pids", &path, &err) == 0);
                check_str(path, want);
                free(path);
                path = NULL;
                /* no cpuset limit: the process stays in its parent's cpuset cgroup */
                if (sys.v1[CGROUP_CPUSET]) {
                        check(cgroup_pid_path(pid2, "cpuset", &path, &err) == 0);
                        check(path && strcmp(path, want) != 0);
                }
                free(path);
                path = NULL;
                (void)snprintf(want, sizeof(want), "%d\n", (int)pid);
                check(strstr(slurp(real_dir(sys.v1[CGROUP_MEMORY], "enter"), "cgroup.procs"),
                             want) != NULL);
                (void)snprintf(want, sizeof(want), "/%s", sub("enter"));
        }
        if (sys.unified) {
                check(cgroup_pid_path(pid, NULL, &path, &err) == 0);
                check_str(path, want);
        }
        /* the same, found again by name */
        check(cgroup_open(&sys, sub("enter"), &again, &err) == 0);
        free(pids);
        pids = NULL;
        check(again && cgroup_pids(again, &pids, &n, &err) == 0 && n == 2);

        check(cgroup_kill_all(cg, SIGKILL, &err) == 0);
        check(WIFSIGNALED(wait_child(pid)));
        check(WIFSIGNALED(wait_child(pid2)));
        check(cgroup_destroy(cg, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
}

/* a process, its three children and their three children, all waiting */
static int
make_tree(int ready_fd)
{
        for (int i = 0; i < 3; i++) {
                pid_t p = fork();

                if (p < 0)
                        return 10;
                if (p == 0) {
                        if (fork() == 0)
                                (void)write(ready_fd, "g", 1);
                        else
                                (void)write(ready_fd, "c", 1);
                        (void)close(ready_fd);
                        for (;;)
                                pause();
                }
        }
        return 0;
}

/* kill_all over a tree of processes, with sig, on s (the machine's, or a v1 or v2 view) */
static void
kill_tree(const struct cgroup_system *s, const char *name, int sig)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        pid_t pid;

        check(cgroup_create(s, sub(name), NULL, &cg, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        if (!cg)
                return;
        pid = spawn_in(cg, make_tree, 7);
        check(pid > 0);
        check(cgroup_pids(cg, &pids, &n, &err) == 0 && n == 7);
        free(pids);
        pids = NULL;
        check(cgroup_kill_all(cg, sig, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        if (sig != SIGKILL) /* only SIGKILL waits for the end */
                for (int i = 0; i < 200 && cgroup_pids(cg, &pids, &n, &err) == 0 && n > 0; i++) {
                        free(pids);
                        pids = NULL;
                        sleep_ms(10);
                }
        free(pids);
        pids = NULL;
        check(cgroup_pids(cg, &pids, &n, &err) == 0 && n == 0);
        if (pid > 0)
                check(WIFSIGNALED(wait_child(pid)));
        check(reap_all() == 6);
        check(cgroup_destroy(cg, &err) == 0);
}

static void
test_kill_all(void)
{
        struct cgroup_system v1 = {0};

        if (!real_ok())
                return;
        /* the machine as it is: cgroup.kill where the unified tree has it */
        kill_tree(&sys, "kill", SIGKILL);
        kill_tree(&sys, "term", SIGTERM);
        if (sys.mode == CGROUP_V2)
                return;
        /* the v1 hierarchies alone: freezer, signal, thaw */
        v1 = sys;
        v1.mode = CGROUP_V1;
        v1.unified = NULL;
        if (!v1.v1[CGROUP_FREEZER])
                fprintf(stderr, "  no freezer: signalled unfrozen\n");
        kill_tree(&v1, "kill-v1", SIGKILL);
        kill_tree(&v1, "term-v1", SIGTERM);
}

/* touch 64 MiB, page by page: a 16 MiB limit kills it */
static int
hog(int ready_fd)
{
        size_t len = 64 * MiB;
        volatile char *p =
                mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

        if (p == MAP_FAILED)
                return 11;
        for (size_t i = 0; i < len; i += 4096)
                p[i] = 1;
        return 12; /* survived */
}

static void
test_oom(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        uint64_t kills = 0;
        pid_t pid;
        int st;

        if (!real_ok())
                return;
        lim.memory_max = 16 * MiB;
        lim.memory_swap_max = 16 * MiB; /* no swap either */
        check(cgroup_create(&sys, sub("oom"), &lim, &cg, &err) == 0);
        if (!cg)
                return;
        check(cgroup_oom_kills(cg, &kills) == 0 && kills == 0);
        pid = spawn_in(cg, hog, 1);
        check(pid < 0); /* it never said it was ready */
        st = wait_child(pid < 0 ? -pid : pid);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 12) {
                check_skip("the kernel let 64 MiB through a 16 MiB limit (no OOM kill)");
        } else {
                check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
                check(cgroup_oom_kills(cg, &kills) == 0 && kills >= 1);
        }
        check(cgroup_destroy(cg, &err) == 0);
}

/* fork until the kernel refuses: the exit code is how many were made, 100 + errno otherwise */
static int
forker(int ready_fd)
{
        int made = 0;

        for (; made < 20; made++) {
                pid_t p = fork();

                if (p == 0) {
                        (void)close(ready_fd);
                        for (;;)
                                pause();
                }
                if (p < 0)
                        return errno == EAGAIN ? 30 + made : 100 + errno;
        }
        return 99;
}

static void
test_pids_max(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        pid_t pid;
        int st;

        if (!real_ok())
                return;
        lim.pids_max = 5;
        check(cgroup_create(&sys, sub("pids"), &lim, &cg, &err) == 0);
        if (!cg)
                return;
        pid = spawn_in(cg, forker, 1);
        check(pid < 0);
        st = wait_child(pid < 0 ? -pid : pid);
        /* the forker and four more are five: the fifth fork fails with EAGAIN */
        check(WIFEXITED(st) && WEXITSTATUS(st) == 34);
        check(cgroup_kill_all(cg, SIGKILL, &err) == 0);
        check(reap_all() == 4);
        check(cgroup_destroy(cg, &err) == 0);
}

static int
busy(int ready_fd)
{
        size_t len = 8 * MiB;
        volatile char *p =
                mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        struct timespec t0, t;

        if (p == MAP_FAILED)
                return 11;
        for (size_t i = 0; i < len; i += 4096)
                p[i] = 1;
        (void)clock_gettime(CLOCK_MONOTONIC, &t0);
        do
                (void)clock_gettime(CLOCK_MONOTONIC, &t);
        while ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) < 30000000L);
        return 0;
}

static void
test_stats(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_stats st = {0};
        pid_t pid;

        if (!real_ok())
                return;
        check(cgroup_create(&sys, sub("stats"), NULL, &cg, &err) == 0);
        if (!cg)
                return;
        pid = spawn_in(cg, busy, 1);
        check(pid > 0);
        check(cgroup_stats(cg, &st, &err) == 0);
        check(st.memory_bytes != CGROUP_STAT_UNKNOWN && st.memory_bytes >= 4 * MiB);
        check(st.cpu_usage_ns != CGROUP_STAT_UNKNOWN && st.cpu_usage_ns >= 10000000);
        check(st.pids == 1);
        check(cgroup_kill_all(cg, SIGKILL, &err) == 0);
        (void)reap_all();
        check(cgroup_destroy(cg, &err) == 0);
}

/* The cgroup v2 code on this machine's unified tree, which has no controllers when hybrid. */
static void
test_unified_tree(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_system v2 = {.mode = CGROUP_V2};
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        _cleanup_free_ char *path = NULL;
        uint64_t kills = 0;
        char want[512];
        pid_t pid;

        if (!real_ok())
                return;
        if (!sys.unified) {
                check_skip("no cgroup v2 tree on this machine");
                return;
        }
        v2.unified = sys.unified;
        check(cgroup_create(&v2, sub("v2"), NULL, &cg, &err) == 0);
        if (!cg)
                return;
        pid = spawn_in(cg, NULL, 1);
        check(pid > 0);
        check(cgroup_pid_path(pid, NULL, &path, &err) == 0);
        (void)snprintf(want, sizeof(want), "/%s", sub("v2"));
        check_str(path, want);
        check(cgroup_oom_kills(cg, &kills) == (sys.mode == CGROUP_V2 ? 0 : -ENOENT));
        check(cgroup_kill_all(cg, SIGKILL, &err) == 0);
        check(WIFSIGNALED(wait_child(pid)));
        check(cgroup_destroy(cg, &err) == 0);
        check(!exists(real_dir(sys.unified, "v2")));
        cg = cgroup_free(cg);

        if (sys.mode == CGROUP_V2)
                return; /* it has the controllers */
        lim.memory_max = 16 * MiB;
        check(cgroup_create(&v2, sub("v2-mem"), &lim, &cg, &err) == -EINVAL);
        /* the v1 hierarchies hold memory; what the tree has is the rest (hugetlb, say) */
        (void)snprintf(want, sizeof(want),
                       "cgroup v2 controller memory is not available in %s "
                       "(cgroup.controllers: \"%s\")",
                       sys.unified, slurp_line(sys.unified, "cgroup.controllers"));
        check_str(err ? err->msg : NULL, want);
        check(cg == NULL && !exists(real_dir(sys.unified, "v2-mem")));
}

int
main(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        int r;

        (void)snprintf(top, sizeof(top), "berth-test-%d", (int)getpid());
        /* orphans of the tests' process trees come back here to be reaped */
        (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
        if (cgroup_detect(&sys, &err) < 0)
                real_skip = "no cgroup file system";
        else if (geteuid() != 0)
                real_skip = "not root: cgroups cannot be created";
        else {
                char probe[4096];
                const char *m = sys.unified;

                for (int c = 0; c < _CGROUP_CONTROLLER_MAX && sys.mode != CGROUP_V2; c++)
                        if (sys.v1[c])
                                m = sys.v1[c];
                (void)snprintf(probe, sizeof(probe), "%s/%s-probe", m, top);
                if (mkdir(probe, 0755) < 0)
                        real_skip = "the cgroup file system is not writable here";
                else
                        (void)rmdir(probe);
        }

        RUN(test_detect_mountinfo);
        RUN(test_detect_here);
        RUN(test_proc_parse);
        RUN(test_shares_to_weight);
        RUN(test_limits_from_spec);
        RUN(test_v2_files);
        RUN(test_v1_files);
        RUN(test_create_limits);
        RUN(test_enter);
        RUN(test_kill_all);
        RUN(test_oom);
        RUN(test_pids_max);
        RUN(test_stats);
        RUN(test_unified_tree);

        if (!real_skip) {
                cleanup_top(&sys);
                for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                        if (sys.v1[c] && exists(real_dir(sys.v1[c], "")))
                                fprintf(stderr, "  left behind: %s\n", real_dir(sys.v1[c], ""));
                if (sys.unified && exists(real_dir(sys.unified, "")))
                        fprintf(stderr, "  left behind: %s\n", real_dir(sys.unified, ""));
        }
        cgroup_system_done(&sys);
        r = check_done();
        return r;
}
