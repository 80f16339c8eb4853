/*
 * tests/unit/runtime/test-seccomp.c: seccomp profiles and filters. The
 * default profile is checked rule by rule, against podman's own
 * seccomp.json when it is installed, and for real: filters are loaded in
 * forked children, which make the syscalls and report what the kernel
 * answered. Profile files are written to a temp dir and read back; their
 * errors are checked word for word.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "runtime/seccomp.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define PODMAN_PROFILE "/usr/share/containers/seccomp.json"

/* podman 4.3's default_capabilities (containers.conf) */
static const char *const podman_caps[] = {
        "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
        "CAP_KILL",    "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
        "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT",
};

/* every capability of Linux 6.x */
static const char *const all_caps[] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

static json_t *
profile_default(const char *const *caps, size_t n)
{
        struct berr *err = NULL;
        json_t *p = NULL;

        if (seccomp_profile_default(caps, n, &p, &err) < 0) {
                fprintf(stderr, "  default profile: %s\n", err ? err->msg : "?");
                berr_free(err);
                return NULL;
        }
        return p;
}

static bool
names_has(const json_t *names, const char *name)
{
        const json_t *e;
        size_t i;

        json_array_foreach (names, i, e)
                if (json_is_string(e) && strcmp(json_string_value(e), name) == 0)
                        return true;
        return false;
}

/*
 * The action of the first rule naming name without arguments (the one
 * libseccomp keeps), "" when none does; its errnoRet in *ret_errno (-1: none).
 */
static const char *
action_of(const json_t *profile, const char *name, long *ret_errno)
{
        const json_t *rule;
        size_t i;

        *ret_errno = -1;
        json_array_foreach (json_object_get(profile, "syscalls"), i, rule) {
                const json_t *e = json_object_get(rule, "errnoRet");

                if (json_object_get(rule, "args") ||
                    !names_has(json_object_get(rule, "names"), name))
                        continue;
                *ret_errno = e ? (long)json_integer_value(e) : -1;
                return json_string_value(json_object_get(rule, "action"));
        }
        return "";
}

static bool
allowed(const json_t *profile, const char *name)
{
        long e;

        return streq(action_of(profile, name, &e), "SCMP_ACT_ALLOW");
}

static bool
refused_with(const json_t *profile, const char *name, long want)
{
        long e;

        return streq(action_of(profile, name, &e), "SCMP_ACT_ERRNO") && e == want;
}

/* how many rules name name with arguments */
static size_t
arg_rules(const json_t *profile, const char *name)
{
        const json_t *rule;
        size_t i, n = 0;

        json_array_foreach (json_object_get(profile, "syscalls"), i, rule)
                if (json_object_get(rule, "args") &&
                    names_has(json_object_get(rule, "names"), name))
                        n++;
        return n;
}

static void
test_default_shape(void)
{
        json_t *p = profile_default(podman_caps, ELEMENTSOF(podman_caps));
        const char *native, *native_short;
        long e;

        check(p != NULL);
        if (!p)
                return;
        seccomp_native_arch(&native, &native_short);
        check_str(json_string_value(json_object_get(p, "defaultAction")), "SCMP_ACT_ERRNO");
        /* ENOSYS, so that glibc falls back from syscalls a container may not use */
        check(json_integer_value(json_object_get(p, "defaultErrnoRet")) == ENOSYS);
        check(native != NULL);
        if (native && streq(native, "SCMP_ARCH_X86_64")) {
                const json_t *a = json_object_get(p, "architectures");

                check(json_array_size(a) == 3);
                check_str(json_string_value(json_array_get(a, 0)), "SCMP_ARCH_X86_64");
                check_str(json_string_value(json_array_get(a, 1)), "SCMP_ARCH_X86");
                check_str(json_string_value(json_array_get(a, 2)), "SCMP_ARCH_X32");
                check(allowed(p, "arch_prctl") && allowed(p, "modify_ldt"));
                check(!allowed(p, "set_tls") && !allowed(p, "s390_runtime_instr"));
        }
        check(allowed(p, "read") && allowed(p, "write") && allowed(p, "execve"));
        check(allowed(p, "clone") && allowed(p, "clone3") && allowed(p, "openat2"));
        /* podman leaves these to the capabilities: the kernel refuses them without */
        check(allowed(p, "mount") && allowed(p, "unshare") && allowed(p, "pivot_root"));
        check(refused_with(p, "kexec_load", EPERM) && refused_with(p, "userfaultfd", EPERM));
        check(refused_with(p, "vmsplice", EPERM) && refused_with(p, "swapon", EPERM));
        /* gated on capabilities the default set lacks */
        check(refused_with(p, "sethostname", EPERM) && refused_with(p, "bpf", EPERM));
        check(refused_with(p, "init_module", EPERM) && refused_with(p, "acct", EPERM));
        check(refused_with(p, "settimeofday", EPERM) && refused_with(p, "vhangup", EPERM));
        check(refused_with(p, "open_by_handle_at", EPERM) && refused_with(p, "iopl", EPERM));
        /* and on one it has */
        check(allowed(p, "chroot"));
        /* named nowhere: the default action */
        check(streq(action_of(p, "add_key", &e), "") && streq(action_of(p, "keyctl_x", &e), ""));
        /* personality: five personas; socket: the audit rules */
        check(arg_rules(p, "personality") == 5 && !allowed(p, "personality"));
        check(arg_rules(p, "socket") == 3 && !allowed(p, "socket"));
        json_decref(p);
}

static void
test_default_caps(void)
{
        const char *const admin[] = {"CAP_SYS_ADMIN", "cap_audit_write", "SYS_TIME"};
        json_t *p = profile_default(admin, ELEMENTSOF(admin));
        json_t *none = profile_default(NULL, 0);

        check(p != NULL && none != NULL);
        if (!p || !none)
                goto out;
        check(allowed(p, "sethostname") && allowed(p, "bpf") && allowed(p, "setns"));
        check(allowed(p, "perf_event_open") && allowed(p, "quotactl"));
        check(!refused_with(p, "bpf", EPERM));
        /* with CAP_AUDIT_WRITE (any spelling) socket is allowed whole */
        check(allowed(p, "socket") && arg_rules(p, "socket") == 0);
        check(allowed(p, "settimeofday") && allowed(p, "clock_settime"));
        /* CAP_SYS_CHROOT was not given this time */
        check(refused_with(p, "chroot", EPERM));
        check(refused_with(none, "chroot", EPERM) && refused_with(none, "sethostname", EPERM));
        /* setns stays allowed without CAP_SYS_ADMIN: podman lists it allowed first */
        check(allowed(none, "setns"));
out:
        json_decref(p);
        json_decref(none);
}

static int
strp_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every (name, action, errnoRet, args) of a profile, and its architectures, sorted */
static json_t *
normalized(const json_t *profile)
{
        json_t *out = json_array(), *sorted = json_array(), *rule, *name;
        size_t i, k, n;
        char **v;

        json_array_foreach (json_object_get(profile, "syscalls"), i, rule) {
                json_t *e = json_object_get(rule, "errnoRet"),
                       *args = json_object_get(rule, "args");
                char *a = args ? json_dumps(args, JSON_COMPACT | JSON_SORT_KEYS) : strdup("[]");

                json_array_foreach (json_object_get(rule, "names"), k, name) {
                        char *s = NULL;

                        if (asprintf(&s, "%s %s %lld %s", json_string_value(name),
                                     json_string_value(json_object_get(rule, "action")),
                                     e ? (long long)json_integer_value(e) : -1LL, a) < 0)
                                abort();
                        json_array_append_new(out, json_string(s));
                        free(s);
                }
                free(a);
        }
        n = json_array_size(out);
        v = calloc(n + 1, sizeof(*v));
        if (!v)
                abort();
        for (i = 0; i < n; i++)
                v[i] = (char *)json_string_value(json_array_get(out, i));
        qsort(v, n, sizeof(*v), strp_cmp);
        for (i = 0; i < n; i++)
                if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
                        json_array_append_new(sorted, json_string(v[i]));
        json_array_append(sorted, json_object_get(profile, "architectures"));
        free(v);
        json_decref(out);
        return sorted;
}

/* names with an unconditional SCMP_ACT_ALLOW rule, sorted */
static json_t *
allowed_names(const json_t *profile)
{
        json_t *out = json_array();
        const json_t *rule, *names;
        size_t i, k;

        json_array_foreach (json_object_get(profile, "syscalls"), i, rule) {
                if (json_object_get(rule, "args") ||
                    !streq(json_string_value(json_object_get(rule, "action")), "SCMP_ACT_ALLOW"))
                        continue;
                names = json_object_get(rule, "names");
                for (k = 0; k < json_array_size(names); k++)
                        json_array_append(out, json_array_get(names, k));
        }
        return out;
}

static bool
same_name_sets(const json_t *a, const json_t *b)
{
        const json_t *e;
        size_t i;

        json_array_foreach (a, i, e)
                if (!names_has(b, json_string_value(e)))
                        return false;
        json_array_foreach (b, i, e)
                if (!names_has(a, json_string_value(e)))
                        return false;
        return true;
}

static void
test_default_matches_podman(void)
{
        const struct {
                const char *const *caps;
                size_t n;
        } sets[] = {
                {podman_caps, ELEMENTSOF(podman_caps)},
                {all_caps, ELEMENTSOF(all_caps)},
                {NULL, 0},
        };

        if (access(PODMAN_PROFILE, R_OK) < 0) {
                check_skip(PODMAN_PROFILE " is not installed");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(sets); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *ours = profile_default(sets[i].caps, sets[i].n), *theirs = NULL;
                json_t *n1, *n2, *a1, *a2;

                check(seccomp_profile_read(PODMAN_PROFILE, sets[i].caps, sets[i].n, &theirs,
                                           &err) == 0);
                if (err)
                        fprintf(stderr, "  %s\n", err->msg);
                if (!ours || !theirs) {
                        json_decref(ours);
                        json_decref(theirs);
                        continue;
                }
                a1 = allowed_names(ours);
                a2 = allowed_names(theirs);
                check(json_array_size(a1) > 350);
                check(same_name_sets(a1, a2));
                n1 = normalized(ours);
                n2 = normalized(theirs);
                check(json_equal(n1, n2));
                if (!json_equal(n1, n2)) {
                        char *s1 = json_dumps(n1, 0), *s2 = json_dumps(n2, 0);

                        fprintf(stderr, "  caps set %zu:\n  ours:   %.2000s\n  podman: %.2000s\n",
                                i, s1, s2);
                        free(s1);
                        free(s2);
                }
                check_str(json_string_value(json_object_get(theirs, "defaultAction")),
                          "SCMP_ACT_ERRNO");
                check(json_equal(json_object_get(theirs, "defaultErrnoRet"),
                                 json_object_get(ours, "defaultErrnoRet")));
                json_decref(a1);
                json_decref(a2);
                json_decref(n1);
                json_decref(n2);
                json_decref(ours);
                json_decref(theirs);
        }
}

/*
 * Run fn in a child under filter f (after no_new_privs, as the executor
 * does). Returns the child's wait status; fn returns how many of its
 * checks failed, and says which on stderr.
 */
static int
run_filtered(struct seccomp_filter *f, int (*fn)(void))
{
        int status = 0;
        pid_t pid;

        fflush(stdout);
        fflush(stderr);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                if (seccomp_filter_load(f, NULL) < 0)
                        _exit(101);
                _exit(fn());
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return status;
}

#define child_check(expr)                                                                      \
        do {                                                                                   \
                if (!(expr)) {                                                                 \
                        fprintf(stderr, "  child: %s:%d: %s (errno %d)\n", __FILE__, __LINE__, \
                                #expr, errno);                                                 \
                        failed++;                                                              \
                }                                                                              \
        } while (0)

/* syscall(...) failed with e */
#define fails_with(call, e) ((call) == -1 && errno == (e))

/* longer than a host name may be (64): the kernel's EINVAL, where it is let through */
static const char long_name[1000];

static bool
status_says_filtered(void)
{
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        return strstr(buf, "\nSeccomp:\t2\n") != NULL;
}

static int
child_default(void)
{
        int failed = 0, p[2], s;
        char c = 'x';

        child_check(status_says_filtered());
        child_check(getpid() > 1);
        child_check(pipe2(p, O_CLOEXEC) == 0 && write(p[1], "y", 1) == 1 &&
                    read(p[0], &c, 1) == 1 && c == 'y');
        child_check(fails_with(syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM));
        child_check(fails_with(syscall(SYS_userfaultfd, 0), EPERM));
        /* not on any list: the default errno */
        child_check(fails_with(syscall(SYS_add_key, NULL, NULL, NULL, 0, 0), ENOSYS));
        /* too long a name is EINVAL when allowed: EPERM here is the filter's */
        child_check(fails_with(sethostname(long_name, sizeof(long_name)), EPERM));
        child_check(fails_with(syscall(SYS_clock_settime, -1, NULL), EPERM));
        child_check(fails_with(syscall(SYS_bpf, -1, NULL, 0), EPERM));
        /* CAP_SYS_CHROOT is in the default set: the kernel answers */
        child_check(fails_with(chroot("/nonexistent-berth-seccomp"), ENOENT));
        /* mount and unshare are the capabilities' business, not the filter's */
        child_check(fails_with(mount(NULL, "/nonexistent-berth-seccomp", NULL, MS_REMOUNT, NULL),
                               ENOENT));
        child_check(unshare(0) == 0);
        /* personality: the query and PER_LINUX, nothing else */
        child_check(personality(0xffffffff) != -1);
        child_check(personality(PER_LINUX) != -1);
        child_check(fails_with(personality(READ_IMPLIES_EXEC), ENOSYS));
        /* socket: netlink audit refused with EINVAL, the rest allowed */
        child_check(fails_with(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT), EINVAL));
        s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        child_check(s >= 0);
        if (s >= 0)
                close(s);
        s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        child_check(s >= 0);
        if (s >= 0)
                close(s);
#ifdef __x86_64__
        {
                unsigned long fs = 0;

                child_check(syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fs) == 0);
        }
#endif
        return failed;
}

static int
child_default_admin(void)
{
        int failed = 0;

        child_check(status_says_filtered());
        /* allowed now: the kernel refuses the length itself */
        child_check(fails_with(sethostname(long_name, sizeof(long_name)), EINVAL));
        child_check(fails_with(syscall(SYS_bpf, -1, NULL, 0), EINVAL));
        child_check(fails_with(syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM));
        return failed;
}

static struct seccomp_filter *
filter_from(const json_t *p)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct seccomp_filter *f = NULL;

        if (seccomp_filter_build(p, &f, &err) < 0)
                fprintf(stderr, "  build: %s\n", err ? err->msg : "?");
        return f;
}

static void
test_filter_default(void)
{
        const char *const admin[] = {"CAP_SYS_ADMIN"};
        json_t *p = profile_default(podman_caps, ELEMENTSOF(podman_caps));
        json_t *pa = profile_default(admin, 1);
        struct seccomp_filter *f = p ? filter_from(p) : NULL;
        struct seccomp_filter *fa = pa ? filter_from(pa) : NULL;
        int st;

        check(f != NULL && fa != NULL);
        if (f && fa) {
                check(seccomp_filter_size(f) > 100 && seccomp_filter_size(f) <= 4096);
                st = run_filtered(f, child_default);
                check(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                /* the kernel checks CAP_SYS_ADMIN before the length: root only */
                if (geteuid() == 0) {
                        st = run_filtered(fa, child_default_admin);
                        check(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                } else {
                        check_skip("the CAP_SYS_ADMIN half needs root");
                }
        }
        /* the filter stays usable: a second child loads it too */
        if (f) {
                st = run_filtered(f, child_default);
                check(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        seccomp_filter_free(f);
        seccomp_filter_free(fa);
        json_decref(p);
        json_decref(pa);
}

static json_t *
parse(const char *text, const char *const *caps, size_t n, struct berr **err)
{
        json_t *p = NULL;

        if (seccomp_profile_parse("p.json", text, strlen(text), caps, n, &p, err) < 0)
                return NULL;
        return p;
}

static int
child_actions(void)
{
        int failed = 0;

        child_check(status_says_filtered());
        /* (glibc's getppid() takes no error: it would return -77) */
        child_check(fails_with(syscall(SYS_getppid), 77));
        /* SCMP_ACT_ERRNO without errnoRet: EPERM */
        child_check(fails_with(getsid(0), EPERM));
        /* MASKED_EQ: (mode & 0700) == 0700 */
        child_check(fails_with(syscall(SYS_umask, 0777), EACCES));
        child_check(syscall(SYS_umask, 022) != -1);
        /* two comparisons of one argument: either matches */
        child_check(fails_with(dup(100), 71) && fails_with(dup(101), 71));
        child_check(fails_with(dup(102), EBADF));
        /* two arguments: both must match */
        child_check(fails_with(lseek(999, 0, SEEK_END), 75));
        child_check(fails_with(lseek(999, 0, SEEK_SET), EBADF));
        /* SCMP_ACT_LOG runs the syscall */
        child_check(getuid() == getuid());
        /* SCMP_ACT_TRACE without a tracer: ENOSYS */
        child_check(fails_with(getpgid(0), ENOSYS));
        return failed;
}

static int
child_getppid(void)
{
        (void)getppid();
        return 0;
}

static void
test_filter_actions(void)
{
        static const char text[] =
                "{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", "
                "\"SCMP_ARCH_AARCH64\","
                " \"SCMP_ARCH_LOONGARCH64\"],"
                " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],"
                " \"syscalls\": ["
                " {\"names\": [\"getppid\", \"no_such_syscall_berth\"], \"action\": "
                "\"SCMP_ACT_ERRNO\", \"errnoRet\": 77},"
                " {\"names\": [\"getsid\"], \"action\": \"SCMP_ACT_ERRNO\"},"
                " {\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13,"
                "  \"args\": [{\"index\": 0, \"value\": 448, \"valueTwo\": 448, \"op\": "
                "\"SCMP_CMP_MASKED_EQ\"}]},"
                " {\"names\": [\"dup\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 71,"
                "  \"args\": [{\"index\": 0, \"value\": 100, \"op\": \"SCMP_CMP_EQ\"},"
                "            {\"index\": 0, \"value\": 101, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"lseek\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 75,"
                "  \"args\": [{\"index\": 0, \"value\": 999, \"op\": \"SCMP_CMP_EQ\"},"
                "            {\"index\": 2, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
                " {\"names\": [\"getuid\"], \"action\": \"SCMP_ACT_LOG\"},"
                " {\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"},"
                " {\"names\": [\"getpgid\"], \"action\": \"SCMP_ACT_TRACE\", \"errnoRet\": 5}"
                "]}";
        static const char *const killers[] = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD",
                                              "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP"};
        _cleanup_(berr_freep) struct berr *err = NULL;
        json_t *p = parse(text, NULL, 0, &err);
        struct seccomp_filter *f = p ? filter_from(p) : NULL;
        int st;

        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(f != NULL);
        if (f) {
                st = run_filtered(f, child_actions);
                check(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        seccomp_filter_free(f);
        json_decref(p);

        /* each of these ends the child with SIGSYS */
        for (size_t i = 0; i < ELEMENTSOF(killers); i++) {
                char *t = NULL;

                if (asprintf(&t,
                             "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
                             "[\"getppid\"], \"action\": \"%s\"}]}",
                             killers[i]) < 0)
                        abort();
                p = parse(t, NULL, 0, NULL);
                f = p ? filter_from(p) : NULL;
                check(f != NULL);
                if (f) {
                        st = run_filtered(f, child_getppid);
                        check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
                }
                seccomp_filter_free(f);
                json_decref(p);
                free(t);
        }
}

static void
test_build_errors(void)
{
        struct {
                const char *profile, *msg;
        } cases[] = {
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getpid\"], "
                 "\"action\": \"SCMP_ACT_NOTIFY\"}]}",
                 "seccomp profile: syscalls[0]: SCMP_ACT_NOTIFY is not supported, berth has no "
                 "seccomp listener"},
                {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}",
                 "seccomp profile: defaultAction: SCMP_ACT_NOTIFY is not supported, berth has no "
                 "seccomp listener"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"getpid\", "
                 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
                 "seccomp profile: syscalls[0].names: expected an array, got a string"},
                /* the OCI object has no "name": that is the Docker form's */
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"getpid\", "
                 "\"action\": \"SCMP_ACT_ERRNO\"}]}",
                 "seccomp profile: syscalls[0].names: missing, expected an array of syscall names"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"x86_64\"]}",
                 "seccomp profile: architectures[0]: \"x86_64\" is not valid, expected an "
                 "architecture such as SCMP_ARCH_X86_64"},
                {"[1]", "seccomp profile: expected a JSON object, got an array"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"bpf\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}]}",
                 "seccomp profile: syscalls[0].includes: not in the OCI form, expected a Docker "
                 "profile to be read for the container's capabilities first"},
        };
        /* the OCI object from seccomp_filter_build's point of view: JSON written by anyone */
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct seccomp_filter *f = NULL;
                json_t *j = json_loads(cases[i].profile, 0, NULL);

                check(j != NULL);
                check(seccomp_filter_build(j, &f, &err) == -EINVAL);
                check(f == NULL);
                check_str(err ? err->msg : NULL, cases[i].msg);
                json_decref(j);
        }
}

static char *
dump(const json_t *j)
{
        return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static void
test_docker_format(void)
{
        const char *native, *nshort;
        char *text = NULL, *want = NULL, *want_admin = NULL;
        const char *const admin[] = {"sys_admin"};
        static const char want_fmt[] =
                "{\"architectures\":[\"%s\",\"SCMP_ARCH_X86\"],\"defaultAction\":\"SCMP_ACT_"
                "ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\","
                "\"names\":[\"read\"]},%s\"names\":[\"bpf\"]},{\"action\":\"SCMP_ACT_ALLOW\","
                "\"names\":[\"arch_prctl\"]},{\"action\":\"SCMP_ACT_ALLOW\",\"names\":["
                "\"openat2\"]},{\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"names\":["
                "\"clone3\"]},{\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":"
                "\"SCMP_CMP_EQ\",\"value\":8,\"valueTwo\":0}],\"names\":[\"personality\"]}]}";

        seccomp_native_arch(&native, &nshort);
        check(native != NULL);
        if (!native)
                return;
        if (asprintf(&text,
                     "{\n"
                     "  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
                     "  \"defaultErrnoRet\": 38,\n"
                     "  \"defaultErrno\": \"ENOSYS\",\n"
                     "  \"archMap\": [\n"
                     "    {\"architecture\": \"SCMP_ARCH_S390X\", \"subArchitectures\": "
                     "[\"SCMP_ARCH_S390\"]},\n"
                     "    {\"architecture\": \"%s\", \"subArchitectures\": [\"SCMP_ARCH_X86\"]}\n"
                     "  ],\n"
                     "  \"syscalls\": [\n"
                     "    {\"name\": \"read\", \"action\": \"SCMP_ACT_ALLOW\", \"comment\": "
                     "\"x\"},\n"
                     "    {\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
                     "{\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
                     "    {\"names\": [\"bpf\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, "
                     "\"errno\": \"EPERM\", \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},\n"
                     "    {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", "
                     "\"includes\": {\"arches\": [\"%s\"]}},\n"
                     "    {\"names\": [\"modify_ldt\"], \"action\": \"SCMP_ACT_ALLOW\", "
                     "\"excludes\": {\"arches\": [\"%s\"]}},\n"
                     "    {\"names\": [\"openat2\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": "
                     "{\"minKernel\": \"1.0\"}},\n"
                     "    {\"names\": [\"futex_waitv\"], \"action\": \"SCMP_ACT_ALLOW\", "
                     "\"includes\": {\"minKernel\": \"999.0\"}},\n"
                     "    {\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": "
                     "38, \"excludes\": {\"minKernel\": \"999.0\"}},\n"
                     "    {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": "
                     "[{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"}], \"includes\": {}, "
                     "\"excludes\": null}\n"
                     "  ]\n"
                     "}\n",
                     native, nshort, nshort) < 0)
                abort();
        /* bpf: refused without CAP_SYS_ADMIN, allowed with it */
        if (asprintf(&want, want_fmt, native, "{\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,") <
                    0 ||
            asprintf(&want_admin, want_fmt, native, "{\"action\":\"SCMP_ACT_ALLOW\",") < 0)
                abort();
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = parse(text, NULL, 0, &err), *pa = parse(text, admin, 1, NULL);
                char *got = p ? dump(p) : NULL, *got_admin = pa ? dump(pa) : NULL;
                struct seccomp_filter *f = p ? filter_from(p) : NULL;

                if (err)
                        fprintf(stderr, "  %s\n", err->msg);
                check_str(got, want);
                check_str(got_admin, want_admin);
                /* what comes out reads back unchanged, and compiles */
                if (got) {
                        json_t *again = parse(got, NULL, 0, NULL);

                        check(again && json_equal(again, p));
                        json_decref(again);
                }
                check(f != NULL);
                seccomp_filter_free(f);
                free(got);
                free(got_admin);
                json_decref(p);
                json_decref(pa);
        }
        free(text);
        free(want);
        free(want_admin);
}

static void
test_oci_format(void)
{
        static const char text[] =
                "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"architectures\":[\"SCMP_ARCH_"
                "X86_64\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_"
                "ALLOW\"],\"listenerPath\":\"/run/l.sock\",\"listenerMetadata\":\"m\",\"syscalls\":"
                "[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":["
                "\"kill\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":65535,\"args\":[{\"index\":5,"
                "\"value\":9223372036854775807,\"valueTwo\":1,\"op\":\"SCMP_CMP_GE\"}]}]}";
        _cleanup_(berr_freep) struct berr *err = NULL;
        json_t *p = parse(text, NULL, 0, &err), *in = json_loads(text, 0, NULL);
        struct seccomp_filter *f = NULL;

        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(p && in && json_equal(p, in));
        check(p && seccomp_filter_build(p, &f, NULL) == 0 && seccomp_filter_size(f) > 0);
        seccomp_filter_free(f);
        json_decref(p);
        json_decref(in);
}

static void
test_parse_errors(void)
{
        static const struct {
                const char *text, *msg;
        } cases[] = {
                {"[]", "p.json: expected a JSON object, got an array"},
                {"{}", "p.json: defaultAction: missing, expected a string"},
                {"{\"defaultAction\": 3}",
                 "p.json: defaultAction: expected a string, got an integer"},
                {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
                 "p.json: defaultAction: \"SCMP_ACT_FOO\" is not valid, expected SCMP_ACT_ALLOW, "
                 "SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
                 "SCMP_ACT_LOG, SCMP_ACT_NOTIFY, SCMP_ACT_TRACE or SCMP_ACT_TRAP"},
                {"{\"defaultAction\": \"SCMP_ACT_\\u001b[2J\"}",
                 "p.json: defaultAction: \"SCMP_ACT_\\x1b[2J\" is not valid, expected "
                 "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
                 "SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_NOTIFY, SCMP_ACT_TRACE or "
                 "SCMP_ACT_TRAP"},
                {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
                 "p.json: defaultErrnoRet: SCMP_ACT_ALLOW takes none, only SCMP_ACT_ERRNO and "
                 "SCMP_ACT_TRACE do"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 4096}",
                 "p.json: defaultErrnoRet: 4096 is out of range, expected 0-4095"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": -1}",
                 "p.json: defaultErrnoRet: -1 is out of range, expected 0-4095"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1.5}",
                 "p.json: defaultErrnoRet: expected an integer, got a number with a fraction or "
                 "exponent"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86\"], "
                 "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
                 "p.json: both architectures and archMap given, expected one of them"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{\"architecture\": "
                 "\"SCMP_ARCH_X86_64\", \"subArchitectures\": [\"SCMP_ARCH_i386\"]}]}",
                 "p.json: archMap[0].subArchitectures[0]: \"SCMP_ARCH_i386\" is not valid, "
                 "expected an architecture such as SCMP_ARCH_X86_64"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"archMap\": [{}]}",
                 "p.json: archMap[0].architecture: missing, expected a string"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"flags\": [\"TSYNC\"]}",
                 "p.json: flags[0]: \"TSYNC\" is not valid, expected SECCOMP_FILTER_FLAG_TSYNC, "
                 "SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
                 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": {}}",
                 "p.json: syscalls: expected an array, got an object"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [7]}",
                 "p.json: syscalls[0]: expected an object, got an integer"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"action\": "
                 "\"SCMP_ACT_ALLOW\"}]}",
                 "p.json: syscalls[0].names: missing, expected an array of syscall names"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"name\": \"read\", "
                 "\"names\": [\"write\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                 "p.json: syscalls[0]: both name and names given, expected one of them"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\", "
                 "\"\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
                 "p.json: syscalls[0].names[1]: empty, expected a name"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"]}]}",
                 "p.json: syscalls[0].action: missing, expected a string"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{}, {\"names\": "
                 "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
                 "p.json: syscalls[0].names: missing, expected an array of syscall names"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}]}",
                 "p.json: syscalls[0].errnoRet: SCMP_ACT_ALLOW takes none, only SCMP_ACT_ERRNO and "
                 "SCMP_ACT_TRACE do"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"x\"], \"action\": "
                 "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 1, \"op\": "
                 "\"SCMP_CMP_EQ\"}]}]}",
                 "p.json: syscalls[1].args[0].index: 6 is out of range, expected 0-5"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1}]}]}",
                 "p.json: syscalls[0].args[0].op: missing, expected a string"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, "
                 "\"op\": \"SCMP_CMP_EQ\"}]}]}",
                 "p.json: syscalls[0].args[0].value: -1 is out of range, expected "
                 "0-9223372036854775807"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"op\": "
                 "\"SCMP_CMP_EQUAL\"}]}]}",
                 "p.json: syscalls[0].args[0].op: \"SCMP_CMP_EQUAL\" is not valid, expected "
                 "SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, SCMP_CMP_GT "
                 "or SCMP_CMP_MASKED_EQ"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": \"CAP_SYS_ADMIN\"}}]}",
                 "p.json: syscalls[0].includes.caps: expected an array, got a string"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"5\"}}]}",
                 "p.json: syscalls[0].excludes.minKernel: \"5\" is not valid, expected a kernel "
                 "version such as \"5.8\""},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"x\"], "
                 "\"action\": \"SCMP_ACT_ALLOW\", \"includes\": []}]}",
                 "p.json: syscalls[0].includes: expected an object, got an array"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"defaultAction\": \"SCMP_ACT_ALLOW\"}",
                 "p.json:2:16: duplicate object key near '\"defaultAction\"'"},
                {"{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n \"syscalls\": [\n",
                 "p.json:3:0: ']' expected near end of file"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = (json_t *)0x1;

                check(seccomp_profile_parse("p.json", cases[i].text, strlen(cases[i].text), NULL, 0,
                                            &p, &err) == -EINVAL);
                check(p == (json_t *)0x1);
                check_str(err ? err->msg : NULL, cases[i].msg);
        }
}

static int
write_file(const char *dir, const char *name, const char *data, size_t len, char **ret_path)
{
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(ret_path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = open(*ret_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        for (size_t done = 0; done < len;) {
                ssize_t n = write(fd, data + done, len - done);

                if (n < 0)
                        return -errno;
                done += (size_t)n;
        }
        return 0;
}

static void
test_read_file(void)
{
        char dir[] = "/tmp/berth-test-seccomp-XXXXXX";
        char *good = NULL, *big = NULL, *bad = NULL, *exact = NULL, *missing = NULL, *want = NULL;
        static const char text[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
                                   "[{\"name\": \"getppid\", \"action\": \"SCMP_ACT_ERRNO\"}]}";
        char *buf = malloc(SECCOMP_PROFILE_MAX + 1);

        check(buf != NULL && mkdtemp(dir) != NULL);
        if (!buf)
                return;
        check(write_file(dir, "good.json", text, strlen(text), &good) == 0);
        check(write_file(dir, "bad.json", "{\"defaultAction\": 1}", 20, &bad) == 0);
        /* a profile padded with spaces to exactly the limit, and one byte past it */
        memset(buf, ' ', SECCOMP_PROFILE_MAX + 1);
        memcpy(buf, text, strlen(text));
        check(write_file(dir, "exact.json", buf, SECCOMP_PROFILE_MAX, &exact) == 0);
        check(write_file(dir, "big.json", buf, SECCOMP_PROFILE_MAX + 1, &big) == 0);
        if (asprintf(&missing, "%s/missing.json", dir) < 0)
                abort();

        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = NULL;
                char *s;

                check(seccomp_profile_read(good, NULL, 0, &p, &err) == 0);
                s = p ? dump(p) : NULL;
                check_str(s, "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":"
                             "\"SCMP_ACT_ERRNO\",\"names\":[\"getppid\"]}]}");
                free(s);
                json_decref(p);
                p = NULL;
                check(seccomp_profile_read(exact, NULL, 0, &p, &err) == 0 && p);
                json_decref(p);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = NULL;

                check(seccomp_profile_read(big, NULL, 0, &p, &err) == -EFBIG && !p);
                if (asprintf(&want, "%s: more than 1048576 bytes: %s", big, strerror(EFBIG)) < 0)
                        abort();
                check_str(err ? err->msg : NULL, want);
                free(want);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = NULL;

                check(seccomp_profile_read(bad, NULL, 0, &p, &err) == -EINVAL && !p);
                if (asprintf(&want, "%s: defaultAction: expected a string, got an integer", bad) <
                    0)
                        abort();
                check_str(err ? err->msg : NULL, want);
                free(want);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = NULL;

                check(seccomp_profile_read(missing, NULL, 0, &p, &err) == -ENOENT && !p);
                if (asprintf(&want, "open seccomp profile %s: %s", missing, strerror(ENOENT)) < 0)
                        abort();
                check_str(err ? err->msg : NULL, want);
                free(want);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *p = NULL;

                /* a directory reads as an error, not as an empty profile */
                check(seccomp_profile_read(dir, NULL, 0, &p, &err) == -EISDIR && !p);
        }
        check(rm_rf_at(AT_FDCWD, dir) == 0);
        free(good);
        free(big);
        free(bad);
        free(exact);
        free(missing);
        free(buf);
}

static void
test_caps_have(void)
{
        const char *const caps[] = {"CAP_SYS_ADMIN", "net_raw"};

        check(seccomp_caps_have(caps, 2, "CAP_SYS_ADMIN"));
        check(seccomp_caps_have(caps, 2, "sys_admin"));
        check(seccomp_caps_have(caps, 2, "CAP_NET_RAW"));
        check(!seccomp_caps_have(caps, 2, "CAP_SYS"));
        check(!seccomp_caps_have(caps, 2, "CAP_NET_ADMIN"));
        check(!seccomp_caps_have(NULL, 0, "CAP_SYS_ADMIN"));
}

int
main(void)
{
        RUN(test_caps_have);
        RUN(test_default_shape);
        RUN(test_default_caps);
        RUN(test_default_matches_podman);
        RUN(test_filter_default);
        RUN(test_filter_actions);
        RUN(test_build_errors);
        RUN(test_docker_format);
        RUN(test_oci_format);
        RUN(test_parse_errors);
        RUN(test_read_file);
        return check_done();
}
