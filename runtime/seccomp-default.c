/*
 * runtime/seccomp-default.c: podman's default seccomp profile, as
 * containers/common 0.50 (podman 4.3) ships it in seccomp.json, held as C
 * tables so that berth reads no file for it. The shape of that profile:
 *
 * - a syscall no rule names fails with ENOSYS, not EPERM, so that programs
 *   probing for new syscalls (glibc's clone3, statx...) fall back to the
 *   old ones instead of giving up;
 * - a list of syscalls is allowed to every container, including mount,
 *   unshare and the like: podman leaves those to the capabilities, which
 *   the kernel checks anyway;
 * - a short list fails with EPERM whatever the capabilities (kexec, swap,
 *   vm86, userfaultfd...);
 * - some syscalls are allowed only with the capability that makes them
 *   useful and fail with EPERM without it (bpf and sethostname with
 *   CAP_SYS_ADMIN, chroot with CAP_SYS_CHROOT...);
 * - personality(2) may only switch to the Linux personas, or query;
 * - socket(2) may not open a netlink audit socket without CAP_AUDIT_WRITE;
 * - a few syscalls that exist only on some machines are allowed there.
 *
 * Rules keep podman's order: libseccomp keeps the first of two rules that
 * name the same syscall without arguments, so the order is behaviour
 * (setns is both on the allowed list and gated by CAP_SYS_ADMIN; being
 * allowed first, it stays allowed, as under podman with crun or runc).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "runtime/seccomp.h"
#include "util/berr.h"
#include "util/cleanup.h"

/*
 * Refused with EPERM whatever the capabilities. (The lists are packed by
 * hand, in podman's alphabetical order, so they compare line by line.)
 */
/* clang-format off */
static const char *const refused[] = {
        "bdflush", "io_pgetevents", "kexec_file_load", "kexec_load", "migrate_pages", "move_pages",
        "nfsservctl", "nice", "oldfstat", "oldlstat", "oldolduname", "oldstat", "olduname",
        "pciconfig_iobase", "pciconfig_read", "pciconfig_write", "sgetmask", "ssetmask",
        "swapcontext", "swapoff", "swapon", "sysfs", "uselib", "userfaultfd", "ustat", "vm86",
        "vm86old", "vmsplice",
};
/* clang-format on */

/* Allowed to every container */
/* clang-format off */
static const char *const allowed[] = {
        "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk",
        "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime",
        "clock_adjtime64", "clock_getres", "clock_getres_time64", "clock_gettime",
        "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "clone", "clone3", "close",
        "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create",
        "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
        "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group",
        "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark",
        "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64",
        "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsconfig",
        "fsetxattr", "fsmount", "fsopen", "fspick", "fstat", "fstat64", "fstatat64", "fstatfs",
        "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futimesat",
        "get_mempolicy", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents",
        "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
        "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid",
        "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid",
        "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid",
        "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
        "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_setup",
        "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "keyctl", "kill",
        "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
        "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr",
        "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "mbind", "membarrier",
        "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
        "mlock2", "mlockall", "mmap", "mmap2", "mount", "mount_setattr", "move_mount", "mprotect",
        "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64",
        "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv",
        "msgsnd", "msync", "munlock", "munlockall", "munmap", "name_to_handle_at", "nanosleep",
        "newfstatat", "open", "open_tree", "openat", "openat2", "pause", "pidfd_getfd",
        "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pivot_root", "pkey_alloc", "pkey_free",
        "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
        "prlimit64", "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6",
        "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead",
        "readdir", "readlink", "readlinkat", "readv", "reboot", "recv", "recvfrom", "recvmmsg",
        "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat",
        "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
        "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
        "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max",
        "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam",
        "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64",
        "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
        "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
        "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy",
        "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32",
        "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
        "setns", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
        "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt",
        "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
        "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending", "sigprocmask",
        "sigreturn", "sigsuspend", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs",
        "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "syscall",
        "sysinfo", "syslog", "tee", "tgkill", "time", "timer_create", "timer_delete",
        "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64",
        "timerfd", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
        "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask",
        "umount", "umount2", "uname", "unlink", "unlinkat", "unshare", "utime", "utimensat",
        "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev",
};
/* clang-format on */

/*
 * The personas personality(2) may set: PER_LINUX, PER_LINUX with
 * UNAME26, PER_LINUX32, PER_LINUX32 with UNAME26, and 0xffffffff, which
 * changes nothing and returns the current one. The others (READ_IMPLIES_EXEC,
 * ADDR_NO_RANDOMIZE...) would weaken the container's own defences.
 */
static const uint64_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

/* Syscalls allowed on some machines only (arches: the names of includes/excludes) */
static const struct {
        const char *arches[4];
        const char *names[8];
} arch_rules[] = {
        {{"ppc64le"}, {"sync_file_range2"}},
        {{"arm", "arm64"},
         {"arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls",
          "sync_file_range2"}},
        {{"amd64", "x32"}, {"arch_prctl"}},
        {{"amd64", "x32", "x86"}, {"modify_ldt"}},
        {{"s390", "s390x"}, {"s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr"}},
};

/* Allowed with the capability, refused with EPERM without it */
static const struct {
        const char *cap;
        const char *names[9];
} cap_rules[] = {
        {"CAP_DAC_READ_SEARCH", {"open_by_handle_at"}},
        {"CAP_SYS_ADMIN",
         {"bpf", "fanotify_init", "lookup_dcookie", "perf_event_open", "quotactl", "setdomainname",
          "sethostname", "setns"}},
        {"CAP_SYS_CHROOT", {"chroot"}},
        {"CAP_SYS_MODULE", {"delete_module", "finit_module", "init_module", "query_module"}},
        {"CAP_SYS_PACCT", {"acct"}},
        {"CAP_SYS_PTRACE", {"kcmp", "process_madvise"}},
        {"CAP_SYS_RAWIO", {"ioperm", "iopl"}},
        {"CAP_SYS_TIME", {"clock_settime", "clock_settime64", "settimeofday", "stime"}},
        {"CAP_SYS_TTY_CONFIG", {"vhangup"}},
};

/*
 * The architectures a filter covers on each machine: its own, and those
 * whose programs its kernel also runs (32-bit x86 and x32 on x86-64...).
 * On a machine not listed the filter covers the machine's own only.
 */
static const struct {
        const char *arch;
        const char *subs[3];
} arch_map[] = {
        {"SCMP_ARCH_X86_64", {"SCMP_ARCH_X86", "SCMP_ARCH_X32"}},
        {"SCMP_ARCH_AARCH64", {"SCMP_ARCH_ARM"}},
        {"SCMP_ARCH_MIPS64", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64N32"}},
        {"SCMP_ARCH_MIPS64N32", {"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64"}},
        {"SCMP_ARCH_MIPSEL64", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64N32"}},
        {"SCMP_ARCH_MIPSEL64N32", {"SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64"}},
        {"SCMP_ARCH_S390X", {"SCMP_ARCH_S390"}},
};

/* netlink audit, which socket(2) refuses without CAP_AUDIT_WRITE */
#define AF_NETLINK_ 16
#define NETLINK_AUDIT_ 9

/* One argument comparison, in the OCI form */
static json_t *
arg_new(unsigned int index, uint64_t value, const char *op)
{
        return json_pack("{s:I,s:I,s:I,s:s}", "index", (json_int_t)index, "value",
                         (json_int_t)value, "valueTwo", (json_int_t)0, "op", op);
}

/*
 * Append {names, action, errnoRet, args} to calls; names: n of them, or up
 * to a NULL when n is SIZE_MAX; errno_ret < 0: none; args: stolen, or NULL.
 */
static int
add(json_t *calls, const char *const *names, size_t n, const char *action, int errno_ret,
    json_t *args)
{
        _cleanup_(json_decrefp) json_t *owned_args = args;
        _cleanup_(json_decrefp) json_t *rule = NULL, *a = json_array();

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; i < n && names[i]; i++)
                if (json_array_append_new(a, json_string(names[i])) < 0)
                        return -ENOMEM;
        rule = json_pack("{s:O,s:s}", "names", a, "action", action);
        if (!rule)
                return -ENOMEM;
        if (errno_ret >= 0 && json_object_set_new(rule, "errnoRet", json_integer(errno_ret)) < 0)
                return -ENOMEM;
        if (owned_args && json_object_set(rule, "args", owned_args) < 0)
                return -ENOMEM;
        return json_array_append(calls, rule) < 0 ? -ENOMEM : 0;
}

static bool
arch_listed(const char *const *arches, size_t n, const char *arch)
{
        for (size_t i = 0; i < n && arches[i]; i++)
                if (arch && strcmp(arches[i], arch) == 0)
                        return true;
        return false;
}

static int
add_rules(json_t *calls, const char *const *caps, size_t n_caps, const char *arch_short)
{
        const char *one[1] = {"personality"};
        json_t *args[3];
        bool audit = seccomp_caps_have(caps, n_caps, "CAP_AUDIT_WRITE");
        int r;

        r = add(calls, refused, ELEMENTSOF(refused), "SCMP_ACT_ERRNO", EPERM, NULL);
        if (r < 0)
                return r;
        r = add(calls, allowed, ELEMENTSOF(allowed), "SCMP_ACT_ALLOW", -1, NULL);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(personas); i++) {
                json_t *persona = json_pack("[o]", arg_new(0, personas[i], "SCMP_CMP_EQ"));

                /* never the rule without its arguments: that would allow every persona */
                if (!persona)
                        return -ENOMEM;
                r = add(calls, one, 1, "SCMP_ACT_ALLOW", -1, persona);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(arch_rules); i++) {
                if (!arch_listed(arch_rules[i].arches, ELEMENTSOF(arch_rules[i].arches),
                                 arch_short))
                        continue;
                r = add(calls, arch_rules[i].names, ELEMENTSOF(arch_rules[i].names),
                        "SCMP_ACT_ALLOW", -1, NULL);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ELEMENTSOF(cap_rules); i++) {
                bool have = seccomp_caps_have(caps, n_caps, cap_rules[i].cap);

                r = add(calls, cap_rules[i].names, ELEMENTSOF(cap_rules[i].names),
                        have ? "SCMP_ACT_ALLOW" : "SCMP_ACT_ERRNO", have ? -1 : EPERM, NULL);
                if (r < 0)
                        return r;
        }
        one[0] = "socket";
        if (audit)
                return add(calls, one, 1, "SCMP_ACT_ALLOW", -1, NULL);
        /*
         * EINVAL for (AF_NETLINK, NETLINK_AUDIT), which libaudit takes for a
         * kernel without audit, so that login or sudo carry on without it;
         * any other pair is allowed: the protocol is not NETLINK_AUDIT, or
         * the family is not AF_NETLINK.
         */
        args[0] = json_pack("[o,o]", arg_new(0, AF_NETLINK_, "SCMP_CMP_EQ"),
                            arg_new(2, NETLINK_AUDIT_, "SCMP_CMP_EQ"));
        args[1] = json_pack("[o]", arg_new(2, NETLINK_AUDIT_, "SCMP_CMP_NE"));
        args[2] = json_pack("[o]", arg_new(0, AF_NETLINK_, "SCMP_CMP_NE"));
        if (!args[0] || !args[1] || !args[2]) {
                for (size_t i = 0; i < ELEMENTSOF(args); i++)
                        json_decref(args[i]);
                return -ENOMEM;
        }
        /* add() takes the arguments it is given; those of rules not added are dropped here */
        for (size_t i = 0; i < ELEMENTSOF(args); i++) {
                if (r < 0)
                        json_decref(args[i]);
                else
                        r = add(calls, one, 1, i == 0 ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW",
                                i == 0 ? EINVAL : -1, args[i]);
        }
        return r;
}

int
seccomp_profile_default(const char *const *caps, size_t n_caps, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *p = NULL, *arches = json_array(), *calls = json_array();
        const char *native, *native_short;

        if (!arches || !calls)
                return berr(err, ENOMEM, "default seccomp profile");
        seccomp_native_arch(&native, &native_short);
        for (size_t i = 0; native && i < ELEMENTSOF(arch_map); i++) {
                if (strcmp(arch_map[i].arch, native) != 0)
                        continue;
                if (json_array_append_new(arches, json_string(native)) < 0)
                        return berr(err, ENOMEM, "default seccomp profile");
                for (size_t k = 0; k < ELEMENTSOF(arch_map[i].subs) && arch_map[i].subs[k]; k++)
                        if (json_array_append_new(arches, json_string(arch_map[i].subs[k])) < 0)
                                return berr(err, ENOMEM, "default seccomp profile");
        }
        if (add_rules(calls, caps, n_caps, native_short) < 0)
                return berr(err, ENOMEM, "default seccomp profile");
        p = json_pack("{s:s,s:i}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", ENOSYS);
        if (!p)
                return berr(err, ENOMEM, "default seccomp profile");
        if (json_array_size(arches) > 0 && json_object_set(p, "architectures", arches) < 0)
                return berr(err, ENOMEM, "default seccomp profile");
        if (json_object_set(p, "syscalls", calls) < 0)
                return berr(err, ENOMEM, "default seccomp profile");
        *ret = TAKE_PTR(p);
        return 0;
}
