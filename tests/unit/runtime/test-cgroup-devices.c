/*
 * tests/unit/runtime/test-cgroup-devices.c: the device allow-list. The rules
 * read from a spec, their v1 lines, and for real on this machine: a
 * process in a cgroup made with berth's rules opens /dev/null but not
 * /dev/zero's neighbour /dev/mem (v1 devices hierarchy, or the eBPF program
 * on a v2 machine), and the eBPF program alone on the unified tree, with
 * partial access and a later rule overriding an earlier one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "runtime/cgroup-devices.h"
#include "runtime/cgroup.h"
#include "util/berr.h"
#include "util/cleanup.h"

static json_t *
rules(const char *text)
{
        json_error_t e;
        json_t *j = json_loads(text, 0, &e);

        if (!j)
                fprintf(stderr, "  bad test JSON: %s\n", e.text);
        return j;
}

/* berth's rules for a container: nothing, then what every container has */
static const char default_rules[] =
        "[{\"allow\":false,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
        "{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}]";

static void
test_parse(void)
{
        static const struct {
                const char *entry, *error;
        } bad[] = {
                {"{\"type\":\"c\"}", "linux.resources.devices[0].allow: expected true or false"},
                {"{\"allow\":true,\"type\":\"x\"}",
                 "linux.resources.devices[0].type: expected \"a\", \"c\" or \"b\""},
                {"{\"allow\":true,\"access\":\"rx\"}",
                 "linux.resources.devices[0].access: expected letters of \"rwm\""},
                {"{\"allow\":true,\"access\":\"\"}",
                 "linux.resources.devices[0].access: expected letters of \"rwm\""},
                {"{\"allow\":true,\"major\":4096}",
                 "linux.resources.devices[0].major: expected -1 (any) or a number up to 4095"},
                {"{\"allow\":true,\"minor\":-2}",
                 "linux.resources.devices[0].minor: expected -1 (any) or a number up to 1048575"},
                {"[]", "linux.resources.devices[0]: expected an object"},
        };
        struct cgroup_device_rule rule;
        char line[64];

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *j = rules(bad[i].entry);

                check(cgroup_device_rule_parse(j, 0, &rule, &err) < 0);
                check_str(err ? err->msg : NULL, bad[i].error);
                json_decref(j);
        }

        json_t *j = rules("{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"mr\"}");
        check(cgroup_device_rule_parse(j, 0, &rule, NULL) == 0);
        check(rule.allow && rule.type == 'b' && rule.major == 8 && rule.minor == -1);
        check(rule.access == (CGROUP_DEV_MKNOD | CGROUP_DEV_READ));
        cgroup_device_rule_v1(&rule, line);
        check_str(line, "b 8:* rm");
        json_decref(j);

        j = rules("{\"allow\":false}");
        check(cgroup_device_rule_parse(j, 0, &rule, NULL) == 0);
        cgroup_device_rule_v1(&rule, line);
        check_str(line, "a *:* rwm");
        check(!rule.allow);
        json_decref(j);
}

static void
test_check(void)
{
        static const struct {
                const char *rules;
                int want;
        } cases[] = {
                {"[]", 0},
                {"[{\"allow\":true,\"access\":\"rwm\"}]", 0}, /* privileged */
                {default_rules, 1},
                {"[{\"allow\":false},{\"allow\":true}]", 0}, /* the last lifts all */
                {"[{\"allow\":true},{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":1}]", 1},
        };
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(cgroup_devices_check(NULL, NULL) == 0);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_t *j = rules(cases[i].rules);

                check(cgroup_devices_check(j, NULL) == cases[i].want);
                json_decref(j);
        }
        json_t *j = rules("{}");
        check(cgroup_devices_check(j, &err) < 0);
        check_str(err ? err->msg : NULL, "linux.resources.devices: expected an array");
        json_decref(j);
}

static void
test_bpf_build(void)
{
        _cleanup_free_ struct bpf_insn *p = NULL;
        json_t *j = rules(default_rules);
        size_t n = 0;

        check(cgroup_devices_bpf_build(j, &p, &n, NULL) == 0);
        /* 6 to load the context; the 136:* rule 2 tests + 2; 1:3 3 + 2; deny-all 2, the end */
        check(n == 6 + 4 + 5 + 2);
        if (p && n == 17) {
                check(p[n - 1].code == (BPF_JMP | BPF_EXIT));
                check(p[n - 2].imm == 0); /* the first rule: refused */
                /* the last rule is tested first: type char, major 136, jumping past its block */
                check(p[6].code == (BPF_JMP | BPF_JNE | BPF_K) && p[6].imm == BPF_DEVCG_DEV_CHAR);
                check(p[6].off == 3 && p[7].imm == 136 && p[7].off == 2);
                check(p[8].imm == 1 && p[9].code == (BPF_JMP | BPF_EXIT));
        }
        json_decref(j);
}

/* ---- for real ---- */

/*
 * In a child put in the cgroup by enter(), the opens of paths[i] with
 * flags[i]: bit i of the result set when it succeeded; -1 when the child
 * failed otherwise.
 */
static int
opens_in(int (*enter)(void *), void *arg, const char *const *paths, const int *flags, size_t n)
{
        pid_t pid = fork();
        int st;

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int bits = 0;

                if (enter(arg) < 0)
                        _exit(255);
                for (size_t i = 0; i < n; i++) {
                        int fd = open(paths[i], flags[i] | O_CLOEXEC);

                        if (fd >= 0) {
                                bits |= 1 << i;
                                (void)close(fd);
                        } else if (errno != EPERM) {
                                _exit(254);
                        }
                }
                _exit(bits);
        }
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) >= 254)
                return -1;
        return WEXITSTATUS(st);
}

static int
enter_cgroup(void *cg)
{
        return cgroup_enter(cg, 0, NULL);
}

/* device nodes of our own in a temp dir: /dev of a sandbox may lack some */
static char devdir[64];

static int
make_nodes(void)
{
        static const struct {
                const char *name;
                unsigned major, minor;
        } nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}};

        (void)snprintf(devdir, sizeof(devdir), "/tmp/berth-test-dev-%d", (int)getpid());
        if (mkdir(devdir, 0700) < 0)
                return -1;
        for (size_t i = 0; i < 3; i++) {
                char path[128];

                (void)snprintf(path, sizeof(path), "%s/%s", devdir, nodes[i].name);
                if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0)
                        return -1;
        }
        return 0;
}

static void
remove_nodes(void)
{
        static const char *const names[] = {"null", "zero", "full"};

        for (size_t i = 0; i < 3; i++) {
                char path[128];

                (void)snprintf(path, sizeof(path), "%s/%s", devdir, names[i]);
                (void)unlink(path);
        }
        (void)rmdir(devdir);
}

static void
test_create_with_rules(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        struct cgroup_system sys = {0};
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        char path[64], null[128], zero[128];
        json_t *res = rules("{\"devices\":"
                            "[{\"allow\":false,\"access\":\"rwm\"},"
                            "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
                            "\"access\":\"rwm\"}]}");

        if (geteuid() != 0 || cgroup_detect(&sys, &err) < 0 || make_nodes() < 0) {
                check_skip("needs root, cgroups and mknod");
                json_decref(res);
                cgroup_system_done(&sys);
                return;
        }
        (void)snprintf(path, sizeof(path), "berth-test-devices-%d", (int)getpid());
        (void)snprintf(null, sizeof(null), "%s/null", devdir);
        (void)snprintf(zero, sizeof(zero), "%s/zero", devdir);
        check(cgroup_limits_from_spec(res, &lim, &err) == 0);
        check(lim.devices != NULL);
        if (cgroup_create(&sys, path, &lim, &cg, &err) < 0) {
                fprintf(stderr, "  %s\n", err->msg);
                check(false);
        } else {
                const char *paths[] = {null, zero, null};
                const int flags[] = {O_RDWR, O_RDONLY, O_WRONLY};

                /* /dev/null both ways; /dev/zero refused */
                check(opens_in(enter_cgroup, cg, paths, flags, 3) == 0x5);
                if (sys.mode != CGROUP_V2 && sys.v1[CGROUP_DEVICES]) {
                        char list[4096];
                        char *s = NULL;

                        (void)snprintf(list, sizeof(list), "%s/%s/devices.list",
                                       sys.v1[CGROUP_DEVICES], path);
                        FILE *f = fopen(list, "re");
                        size_t len = 0;
                        check(f && getdelim(&s, &len, '\0', f) > 0);
                        check_str(s, "c 1:3 rwm\n");
                        free(s);
                        if (f)
                                (void)fclose(f);
                }
                check(cgroup_destroy(cg, &err) == 0);
        }
        remove_nodes();
        json_decref(res);
        cgroup_system_done(&sys);
}

static int
enter_dir(void *dir)
{
        char path[4096];
        int fd, r;

        (void)snprintf(path, sizeof(path), "%s/cgroup.procs", (const char *)dir);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        r = write(fd, "0", 1) == 1 ? 0 : -1;
        (void)close(fd);
        return r;
}

static int
attached(const char *dir)
{
        union bpf_attr attr;
        uint32_t ids[8] = {0};
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = 8;
        if (fd < 0 || syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
                attr.query.prog_cnt = 0;
        if (fd >= 0)
                (void)close(fd);
        return (int)attr.query.prog_cnt;
}

static void
test_bpf_for_real(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct cgroup_system sys = {0};
        char dir[4096], null[128], zero[128], full[128];
        json_t *j;

        if (geteuid() != 0 || cgroup_detect(&sys, &err) < 0 || !sys.unified) {
                check_skip("needs root and a cgroup v2 tree");
                cgroup_system_done(&sys);
                return;
        }
        (void)snprintf(dir, sizeof(dir), "%s/berth-test-bpf-%d", sys.unified, (int)getpid());
        cgroup_system_done(&sys);
        if (mkdir(dir, 0755) < 0 || make_nodes() < 0) {
                check_skip("the cgroup v2 tree is not writable here");
                (void)rmdir(dir);
                return;
        }
        (void)snprintf(null, sizeof(null), "%s/null", devdir);
        (void)snprintf(zero, sizeof(zero), "%s/zero", devdir);
        (void)snprintf(full, sizeof(full), "%s/full", devdir);

        /* zero read-only, full with mknod only; the deny of null's writes comes last */
        j = rules("[{\"allow\":false},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"},"
                  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"m\"},"
                  "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"w\"}]");
        if (cgroup_devices_bpf_attach(dir, j, &err) < 0) {
                fprintf(stderr, "  %s\n", err->msg);
                check(false);
        } else {
                const char *paths[] = {null, null, zero, zero, full, null};
                const int flags[] = {O_RDONLY, O_WRONLY, O_RDONLY, O_RDWR, O_RDONLY, O_RDWR};

                check(opens_in(enter_dir, dir, paths, flags, 6) == 0x5);
                check(attached(dir) == 1);
        }
        json_decref(j);

        /* attached again (a container started again): the new program replaces the old */
        j = rules("[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1}]");
        if (cgroup_devices_bpf_attach(dir, j, &err) < 0) {
                fprintf(stderr, "  %s\n", err->msg);
                check(false);
        } else {
                const char *paths[] = {null, zero, full};
                const int flags[] = {O_RDWR, O_RDWR, O_RDWR};

                check(opens_in(enter_dir, dir, paths, flags, 3) == 0x7);
                check(attached(dir) == 1);
        }
        json_decref(j);
        remove_nodes();
        check(rmdir(dir) == 0);
}

int
main(void)
{
        RUN(test_parse);
        RUN(test_check);
        RUN(test_bpf_build);
        RUN(test_create_with_rules);
        RUN(test_bpf_for_real);
        return check_done();
}
