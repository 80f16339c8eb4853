/* runtime/cgroup-devices.c: a container's device allow-list, as v1 lines or a v2 eBPF program */
#include "cgroup-devices.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"

#define WHERE "linux.resources.devices"

/* the kernel's device numbers: 12 bits of major, 20 of minor; a BPF immediate holds both */
#define DEV_MAJOR_MAX 0xfffU
#define DEV_MINOR_MAX 0xfffffU

static int
rule_number(const json_t *entry, const char *key, size_t i, int64_t max, int64_t *ret,
            struct berr **err)
{
        const json_t *v = json_object_get(entry, key);

        *ret = -1;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < -1 || json_integer_value(v) > max)
                return berr(err, 0, WHERE "[%zu].%s: expected -1 (any) or a number up to %" PRId64,
                            i, key, max);
        *ret = (int64_t)json_integer_value(v);
        return 0;
}

int
cgroup_device_rule_parse(const json_t *entry, size_t i, struct cgroup_device_rule *ret,
                         struct berr **err)
{
        struct cgroup_device_rule rule = {.type = 'a', .access = CGROUP_DEV_ALL};
        const json_t *allow = json_object_get(entry, "allow"),
                     *type = json_object_get(entry, "type"),
                     *access = json_object_get(entry, "access");
        int r;

        if (!json_is_object(entry))
                return berr(err, 0, WHERE "[%zu]: expected an object", i);
        if (!json_is_boolean(allow))
                return berr(err, 0, WHERE "[%zu].allow: expected true or false", i);
        rule.allow = json_is_true(allow);
        if (type && !json_is_null(type)) {
                const char *t = json_string_value(type);

                if (!t || strlen(t) != 1 || !strchr("acb", t[0]))
                        return berr(err, 0, WHERE "[%zu].type: expected \"a\", \"c\" or \"b\"", i);
                rule.type = t[0];
        }
        r = rule_number(entry, "major", i, DEV_MAJOR_MAX, &rule.major, err);
        if (r == 0)
                r = rule_number(entry, "minor", i, DEV_MINOR_MAX, &rule.minor, err);
        if (r < 0)
                return r;
        if (access && !json_is_null(access)) {
                const char *a = json_string_value(access);

                rule.access = 0;
                for (; a && *a; a++) {
                        const char *at = strchr("mrw", *a);

                        if (!at)
                                break;
                        rule.access |= 1U << (unsigned)(at - "mrw");
                }
                if (!a || *a || !rule.access)
                        return berr(err, 0, WHERE "[%zu].access: expected letters of \"rwm\"", i);
        }
        *ret = rule;
        return 0;
}

static bool
rule_is_all(const struct cgroup_device_rule *rule)
{
        return rule->type == 'a' && rule->major < 0 && rule->minor < 0 &&
               rule->access == CGROUP_DEV_ALL;
}

int
cgroup_devices_check(const json_t *devices, struct berr **err)
{
        bool restricts = false;
        size_t i;
        const json_t *e;

        if (!devices || json_is_null(devices))
                return 0;
        if (!json_is_array(devices))
                return berr(err, 0, WHERE ": expected an array");
        json_array_foreach (devices, i, e) {
                struct cgroup_device_rule rule = {0};
                int r = cgroup_device_rule_parse(e, i, &rule, err);

                if (r < 0)
                        return r;
                /* an allow-all rule lifts what came before it; a deny restricts */
                if (rule.allow && rule_is_all(&rule))
                        restricts = false;
                else if (!rule.allow)
                        restricts = true;
        }
        return restricts ? 1 : 0;
}

void
cgroup_device_rule_v1(const struct cgroup_device_rule *rule, char buf[64])
{
        char major[24] = "*", minor[24] = "*", access[4];
        size_t n = 0;

        if (rule->major >= 0)
                (void)snprintf(major, sizeof(major), "%" PRId64, rule->major);
        if (rule->minor >= 0)
                (void)snprintf(minor, sizeof(minor), "%" PRId64, rule->minor);
        if (rule->access & CGROUP_DEV_READ)
                access[n++] = 'r';
        if (rule->access & CGROUP_DEV_WRITE)
                access[n++] = 'w';
        if (rule->access & CGROUP_DEV_MKNOD)
                access[n++] = 'm';
        access[n] = '\0';
        (void)snprintf(buf, 64, "%c %s:%s %s", rule->type, major, minor, access);
}

/* ---- eBPF ---- */

static struct bpf_insn
insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        return (struct bpf_insn){
                .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/*
 * Registers the program keeps: R2 the device type (BPF_DEVCG_DEV_*), R3
 * the access asked for (BPF_DEVCG_ACC_*), R4 the major, R5 the minor; R6
 * is scratch. R1 is the context, struct bpf_cgroup_dev_ctx.
 */
enum { R0, R1, R2, R3, R4, R5, R6 };

#define PROLOGUE_LEN 6
#define RULE_LEN_MAX 8

static size_t
prologue(struct bpf_insn *p)
{
        p[0] = insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1,
                    offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
        p[1] = insn(BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
        p[2] = insn(BPF_LDX | BPF_MEM | BPF_W, R3, R1,
                    offsetof(struct bpf_cgroup_dev_ctx, access_type), 0);
        p[3] = insn(BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 16);
        p[4] = insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, offsetof(struct bpf_cgroup_dev_ctx, major),
                    0);
        p[5] = insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, offsetof(struct bpf_cgroup_dev_ctx, minor),
                    0);
        return PROLOGUE_LEN;
}

/*
 * One rule: tests that jump past it when the device does not match, then
 * "return allow". An allow rule matches only an access it wholly grants;
 * a deny rule matches any access it names.
 */
static size_t
rule_block(const struct cgroup_device_rule *rule, struct bpf_insn *p)
{
        struct bpf_insn tests[4][2];
        size_t n_tests = 0, len[4] = {0}, n = 0, total = 2;

        if (rule->type != 'a') {
                tests[n_tests][0] =
                        insn(BPF_JMP | BPF_JNE | BPF_K, R2, 0, 0,
                             rule->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
                len[n_tests++] = 1;
        }
        if (rule->access != CGROUP_DEV_ALL) {
                tests[n_tests][0] = insn(BPF_ALU64 | BPF_MOV | BPF_X, R6, R3, 0, 0);
                if (rule->allow) {
                        tests[n_tests][1] = insn(BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0,
                                                 (int32_t)(~rule->access & CGROUP_DEV_ALL));
                        /* the JNE below: some access asked for is not granted */
                } else {
                        tests[n_tests][1] =
                                insn(BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0, (int32_t)rule->access);
                }
                len[n_tests++] = 2;
        }
        if (rule->major >= 0) {
                tests[n_tests][0] = insn(BPF_JMP | BPF_JNE | BPF_K, R4, 0, 0, (int32_t)rule->major);
                len[n_tests++] = 1;
        }
        if (rule->minor >= 0) {
                tests[n_tests][0] = insn(BPF_JMP | BPF_JNE | BPF_K, R5, 0, 0, (int32_t)rule->minor);
                len[n_tests++] = 1;
        }
        for (size_t t = 0; t < n_tests; t++)
                total += len[t] + (len[t] == 2 ? 1 : 0);
        for (size_t t = 0; t < n_tests; t++) {
                if (len[t] == 2) {
                        p[n++] = tests[t][0];
                        p[n++] = tests[t][1];
                        /* allow: jump away when R6 != 0; deny: when R6 == 0 */
                        p[n] = insn(BPF_JMP | (rule->allow ? BPF_JNE : BPF_JEQ) | BPF_K, R6, 0, 0,
                                    0);
                } else {
                        p[n] = tests[t][0];
                }
                n++;
                p[n - 1].off = (int16_t)(total - n);
        }
        p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, rule->allow ? 1 : 0);
        p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        return n;
}

int
cgroup_devices_bpf_build(const json_t *devices, struct bpf_insn **ret, size_t *ret_n,
                         struct berr **err)
{
        size_t n_rules = json_is_array(devices) ? json_array_size(devices) : 0, n = 0;
        bool ended = false;
        _cleanup_free_ struct bpf_insn *p =
                calloc(PROLOGUE_LEN + n_rules * RULE_LEN_MAX + 2, sizeof(*p));

        if (!p)
                return berr(err, ENOMEM, "device rules");
        n += prologue(p);
        /* the last rule that matches decides: test them from the end */
        for (size_t i = n_rules; i-- > 0 && !ended;) {
                struct cgroup_device_rule rule = {0};
                size_t len;
                int r = cgroup_device_rule_parse(json_array_get(devices, i), i, &rule, err);

                if (r < 0)
                        return r;
                len = rule_block(&rule, p + n);
                n += len;
                /* a rule without tests matches everything: the verifier refuses dead code after it
                 */
                ended = len == 2;
        }
        if (!ended) {
                p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
                p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        }
        *ret = TAKE_PTR(p);
        *ret_n = n;
        return 0;
}

static int
sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int
prog_load(const struct bpf_insn *p, size_t n, const char *dir, struct berr **err)
{
        static const char license[] = "Apache-2.0";
        union bpf_attr attr;
        char log[4096] = "";
        int fd;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uint64_t)(uintptr_t)p;
        attr.insn_cnt = (uint32_t)n;
        attr.license = (uint64_t)(uintptr_t)license;
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0)
                return fd;
        /* again with the verifier's log, for the error */
        if (errno == EINVAL || errno == EACCES) {
                attr.log_level = 1;
                attr.log_buf = (uint64_t)(uintptr_t)log;
                attr.log_size = sizeof(log);
                (void)sys_bpf(BPF_PROG_LOAD, &attr);
                errno = EINVAL;
        }
        return berr(err, errno, "load the device filter of cgroup %s%s%.*s", dir,
                    log[0] ? ": " : "", (int)strcspn(log, "\n"), log);
}

/* the programs attached to the cgroup itself (not its parents'): up to 64 IDs */
static int
prog_query(int cg_fd, uint32_t ids[64], uint32_t *ret_n)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)cg_fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = 64;
        if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
                return -errno;
        *ret_n = attr.query.prog_cnt < 64 ? attr.query.prog_cnt : 64;
        return 0;
}

static int
prog_detach(int cg_fd, uint32_t id)
{
        union bpf_attr attr;
        _cleanup_close_ int fd = -EBADF;

        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cg_fd;
        attr.attach_bpf_fd = (uint32_t)fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

int
cgroup_devices_bpf_attach(const char *dir, const json_t *devices, struct berr **err)
{
        _cleanup_free_ struct bpf_insn *p = NULL;
        _cleanup_close_ int cg_fd = -EBADF, prog_fd = -EBADF;
        uint32_t old[64];
        uint32_t n_old = 0;
        union bpf_attr attr;
        size_t n = 0;
        int r;

        r = cgroup_devices_bpf_build(devices, &p, &n, err);
        if (r < 0)
                return r;
        cg_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (cg_fd < 0)
                return berr(err, errno, "open cgroup %s", dir);
        r = prog_query(cg_fd, old, &n_old);
        if (r < 0)
                return berr(err, -r, "list the device filters of cgroup %s", dir);
        prog_fd = prog_load(p, n, dir, err);
        if (prog_fd < 0)
                return prog_fd;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cg_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return berr(err, errno, "attach the device filter to cgroup %s", dir);
        for (uint32_t i = 0; i < n_old; i++) {
                r = prog_detach(cg_fd, old[i]);
                if (r < 0)
                        return berr(err, -r, "detach an earlier device filter of cgroup %s", dir);
        }
        return 0;
}
