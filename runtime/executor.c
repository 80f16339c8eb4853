/*
 * runtime/executor.c: the built-in executor, parent side, and the child's
 * steps after the file system: sysctls, rlimits, user, capabilities,
 * no_new_privs, seccomp, execve.
 *
 * Parent and child talk over a SOCK_SEQPACKET pair: the child waits for
 * "go" (sent once the parent has put it in its cgroup; or it enters its
 * cgroup itself, executor_opts.cgroup_fds), and says nothing more when all
 * goes well: its end is close-on-exec, so a successful execve is an end of
 * file for the parent. A failure is one message, the step and its error,
 * before the child exits 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cgroup.h"
#include "executor.h"
#include "seccomp.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/vmchild.h"

#define MSG_MAX 1024
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

enum { MSG_GO = 'G', MSG_PID = 'P', MSG_ERROR = 'E', MSG_CONSOLE = 'T' };

static const int ns_flags[_OCI_NS_MAX] = {
        [OCI_NS_USER] = CLONE_NEWUSER,     [OCI_NS_MOUNT] = CLONE_NEWNS,
        [OCI_NS_PID] = CLONE_NEWPID,       [OCI_NS_IPC] = CLONE_NEWIPC,
        [OCI_NS_UTS] = CLONE_NEWUTS,       [OCI_NS_NET] = CLONE_NEWNET,
        [OCI_NS_CGROUP] = CLONE_NEWCGROUP, [OCI_NS_TIME] = CLONE_NEWTIME,
};

void
executor_fail(int sync_fd, int errnum, const char *fmt, ...)
{
        char msg[MSG_MAX];
        va_list ap;
        int n;

        msg[0] = MSG_ERROR;
        va_start(ap, fmt);
        n = vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n + 1 < sizeof(msg) && errnum)
                n += snprintf(msg + 1 + n, sizeof(msg) - 1 - (size_t)n, ": %s", strerror(errnum));
        n = n < 0 ? 1 : (size_t)n + 1 >= sizeof(msg) ? (int)sizeof(msg) - 1 : n + 1;
        (void)!write(sync_fd, msg, (size_t)n);
        _exit(127);
}

static const char *
env_get(char *const *env, const char *name)
{
        size_t n = strlen(name);

        for (; env && *env; env++)
                if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
                        return *env + n + 1;
        return NULL;
}

/*
 * The program to run: args[0] itself when it has a slash, else the first
 * executable of that name along the container's PATH (as execvp would
 * search it, with the container's environment, not ours).
 */
static char *
find_program(const struct oci_config *c, int sync_fd)
{
        const char *name = c->args[0], *path = env_get(c->env, "PATH");
        _cleanup_free_ char *copy = NULL;
        char *save = NULL, *dir;
        int last_errno = ENOENT;

        if (strchr(name, '/'))
                return strdup(name);
        copy = strdup(path ? path : DEFAULT_PATH);
        if (!copy)
                executor_fail(sync_fd, ENOMEM, "look up %s", name);
        for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
                char *full;
                struct stat st;

                if (asprintf(&full, "%s/%s", dir[0] ? dir : ".", name) < 0)
                        executor_fail(sync_fd, ENOMEM, "look up %s", name);
                if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
                        if (access(full, X_OK) == 0)
                                return full;
                        last_errno = EACCES;
                }
                free(full);
        }
        executor_fail(sync_fd, last_errno, "executable file `%s` not found in $PATH", name);
}

static void
write_proc(const char *path, const char *value, int sync_fd)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        size_t n = strlen(value);

        if (fd < 0 || write(fd, value, n) != (ssize_t)n)
                executor_fail(sync_fd, errno, "write %s to %s", value, path);
}

static int
last_cap(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        char buf[16] = {0};

        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
                return CAP_LAST_CAP;
        return atoi(buf);
}

/* user, groups and capabilities: the bounding set first, then the ids, then the sets */
static void
set_identity(const struct oci_config *c, int sync_fd)
{
        int top = last_cap();
        cap_t caps;

        for (int i = 0; i <= top && i < 64; i++)
                if (!(c->caps.bounding & (UINT64_C(1) << i)) &&
                    prctl(PR_CAPBSET_DROP, i, 0, 0, 0) < 0 && errno != EINVAL)
                        executor_fail(sync_fd, errno, "drop capability %d from the bounding set",
                                      i);
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                executor_fail(sync_fd, errno, "keep capabilities across setuid");
        if (setgroups(c->n_groups, c->groups) < 0)
                executor_fail(sync_fd, errno, "set the supplementary groups");
        if (setresgid(c->gid, c->gid, c->gid) < 0)
                executor_fail(sync_fd, errno, "set the group id %u", (unsigned)c->gid);
        if (setresuid(c->uid, c->uid, c->uid) < 0)
                executor_fail(sync_fd, errno, "set the user id %u", (unsigned)c->uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                executor_fail(sync_fd, errno, "reset keep-capabilities");

        caps = cap_init();
        if (!caps)
                executor_fail(sync_fd, errno, "set capabilities");
        for (int i = 0; i <= top && i < 64; i++) {
                cap_value_t v = i;
                uint64_t bit = UINT64_C(1) << i;
                if ((c->caps.effective & bit) && cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_SET))
                        executor_fail(sync_fd, errno, "set capabilities");
                if ((c->caps.permitted & bit) && cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_SET))
                        executor_fail(sync_fd, errno, "set capabilities");
                if ((c->caps.inheritable & bit) &&
                    cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_SET))
                        executor_fail(sync_fd, errno, "set capabilities");
        }
        if (cap_set_proc(caps) < 0)
                executor_fail(sync_fd, errno, "set capabilities");
        (void)cap_free(caps);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                executor_fail(sync_fd, errno, "clear the ambient capabilities");
        for (int i = 0; i <= top && i < 64; i++)
                if ((c->caps.ambient & (UINT64_C(1) << i)) &&
                    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, i, 0, 0) < 0)
                        executor_fail(sync_fd, errno, "raise ambient capability %d", i);
}

static void
join_namespaces(const struct oci_config *c, int sync_fd)
{
        /* opened first: the paths are the host's, and joining the mount namespace changes them */
        static const enum oci_ns_type order[] = {OCI_NS_NET, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_CGROUP,
                                                 OCI_NS_MOUNT};
        int fds[ELEMENTSOF(order)];

        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                const struct oci_ns *ns = &c->ns[order[i]];
                fds[i] = -1;
                if (!ns->enabled || !ns->path)
                        continue;
                fds[i] = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fds[i] < 0)
                        executor_fail(sync_fd, errno, "open the namespace %s", ns->path);
        }
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                if (fds[i] < 0)
                        continue;
                if (setns(fds[i], ns_flags[order[i]]) < 0)
                        executor_fail(sync_fd, errno, "join the namespace %s",
                                      c->ns[order[i]].path);
                (void)close(fds[i]);
        }
}

static void
write_sysctls(const struct oci_config *c, int sync_fd)
{
        for (size_t i = 0; i < c->n_sysctls; i++) {
                char path[512];
                size_t n = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", c->sysctls[i].key);
                if (n >= sizeof(path))
                        executor_fail(sync_fd, ENAMETOOLONG, "sysctl %s", c->sysctls[i].key);
                for (char *p = path + strlen("/proc/sys/"); *p; p++)
                        if (*p == '.')
                                *p = '/';
                write_proc(path, c->sysctls[i].value, sync_fd);
        }
}

/*
 * The SELinux label the program runs with (process.selinuxLabel): the
 * kernel's own interface, what libselinux's setexeccon() writes. Where
 * SELinux is off there is nothing to label, and a label in the spec is an
 * error rather than silently dropped.
 */
static void
set_exec_label(const char *label, int sync_fd)
{
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(label);

        if (access("/sys/fs/selinux/enforce", F_OK) < 0)
                executor_fail(sync_fd, 0,
                              "process.selinuxLabel \"%s\": SELinux is not enabled on this machine",
                              label);
        fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, label, n) != (ssize_t)n)
                executor_fail(sync_fd, errno, "set the SELinux label %s", label);
}

/* a new network namespace has a loopback device, down: as every runtime does, bring it up */
static void
loopback_up(int sync_fd)
{
        _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        struct ifreq ifr = {0};

        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                executor_fail(sync_fd, errno, "bring the loopback device up");
        ifr.ifr_flags |= IFF_UP;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                executor_fail(sync_fd, errno, "bring the loopback device up");
}

/*
 * The environment, with HOME=/ when it has no HOME, as runc adds it at
 * exec (a user without a passwd entry: the spec has none).
 */
static char **
env_with_home(char **env)
{
        size_t n = 0;
        char **out;

        for (; env && env[n]; n++)
                if (strncmp(env[n], "HOME=", 5) == 0)
                        return env;
        out = calloc(n + 2, sizeof(*out));
        if (!out)
                return env;
        for (size_t i = 0; i < n; i++)
                out[i] = env[i];
        out[n] = (char *)"HOME=/";
        return out;
}

/*
 * The container's terminal, made in its own devpts (so that it is
 * /dev/pts/0 in there, as with runc and crun): the replica becomes the
 * standard files and the controlling terminal, the master goes to our
 * parent (the monitor-to-be) through the sync socket.
 */
static void
make_console(const struct oci_config *c, int sync_fd)
{
        _cleanup_close_ int master = -EBADF, replica = -EBADF;
        char m = MSG_CONSOLE;
        struct iovec iov = {.iov_base = &m, .iov_len = 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u = {0};
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0)
                executor_fail(sync_fd, errno, "open /dev/ptmx");
        if (unlockpt(master) < 0)
                executor_fail(sync_fd, errno, "unlock the terminal");
        replica = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (replica < 0)
                executor_fail(sync_fd, errno, "open the terminal's replica");
        /* the process' own, as a login would leave it */
        if (fchown(replica, c->uid, (gid_t)-1) < 0)
                executor_fail(sync_fd, errno, "chown the terminal");
        /* and the container's console, where /dev is the container's own */
        if (rootfs_has_mount(c, "/dev", NULL)) {
                unsigned int n;
                char source[32];
                _cleanup_close_ int fd =
                        open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

                if (fd < 0 || ioctl(master, TIOCGPTN, &n) < 0)
                        executor_fail(sync_fd, errno, "create /dev/console");
                snprintf(source, sizeof(source), "/dev/pts/%u", n);
                if (mount(source, "/dev/console", NULL, MS_BIND, NULL) < 0)
                        executor_fail(sync_fd, errno, "bind the terminal on /dev/console");
        }
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &master, sizeof(int));
        if (sendmsg(sync_fd, &msg, MSG_NOSIGNAL) != 1)
                executor_fail(sync_fd, errno, "send the terminal");
        for (int i = 0; i < 3; i++)
                if (dup2(replica, i) < 0)
                        executor_fail(sync_fd, errno, "set up the terminal");
        if (ioctl(0, TIOCSCTTY, 0) < 0)
                executor_fail(sync_fd, errno, "take the terminal");
}

void
executor_child(const struct oci_config *c, const struct executor_opts *o, int sync_fd, bool orphan)
{
        _cleanup_free_ char *program = NULL;
        struct seccomp_filter *filter = NULL;
        struct berr *err = NULL;
        bool new_cgroupns = false;
        char go = 0;

        /*
         * The parent dies: so do we (before we exec; the container itself is
         * the monitor's). Not for an orphan by design, whose parent was only
         * there to join a PID namespace.
         */
        if (!orphan && prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                executor_fail(sync_fd, errno, "set the parent-death signal");
        if (!o->place) {
                int r = cgroup_join_fds(o->cgroup_fds, o->n_cgroup_fds);

                if (r < 0)
                        executor_fail(sync_fd, -r, "enter the container's cgroup");
        } else if (read(sync_fd, &go, 1) != 1 || go != MSG_GO) {
                _exit(127);
        }
        /*
         * The seccomp filter is compiled (or read from the cache) while the
         * host's file system is still ours and we may allocate freely.
         */
        if (c->seccomp &&
            seccomp_filter_build_cached(c->seccomp, o->seccomp_cache, &filter, &err) < 0)
                executor_fail(sync_fd, 0, "seccomp: %s", err && err->msg ? err->msg : "failed");
        for (int i = 0; i < 3; i++)
                if (o->stdio[i] != i && dup2(o->stdio[i], i) < 0)
                        executor_fail(sync_fd, errno, "set up standard file %d", i);
        if (!o->exec && setsid() < 0)
                executor_fail(sync_fd, errno, "start a session");
        if (!o->exec && c->terminal && !o->console && ioctl(0, TIOCSCTTY, 0) < 0)
                executor_fail(sync_fd, errno, "take the terminal");

        join_namespaces(c, sync_fd);
        if (o->exec)
                goto process;
        new_cgroupns = c->ns[OCI_NS_CGROUP].enabled && !c->ns[OCI_NS_CGROUP].path;
        /*
         * A new cgroup namespace once in the cgroup, so that it is the
         * namespace's root: before the mounts with cgroup v2 (a cgroup2 mount
         * shows the namespace's root), after them with v1, whose hierarchies
         * are bind-mounted from the host's at this cgroup (rootfs.c).
         */
        if (new_cgroupns && o->cgroup_v2 && unshare(CLONE_NEWCGROUP) < 0)
                executor_fail(sync_fd, errno, "create the cgroup namespace");
        if (c->ns[OCI_NS_NET].enabled && !c->ns[OCI_NS_NET].path)
                loopback_up(sync_fd);
        if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
                executor_fail(sync_fd, errno, "set the host name %s", c->hostname);

        if (c->ns[OCI_NS_MOUNT].enabled) {
                rootfs_prepare(c, o, sync_fd);
                /* before /proc/sys becomes read-only */
                write_sysctls(c, sync_fd);
                rootfs_finish(c, sync_fd);
                if (c->terminal && o->console)
                        make_console(c, sync_fd);
        } else if (chroot(c->root_path) < 0 || chdir("/") < 0) {
                executor_fail(sync_fd, errno, "enter the root %s", c->root_path);
        }
        if (new_cgroupns && !o->cgroup_v2 && unshare(CLONE_NEWCGROUP) < 0)
                executor_fail(sync_fd, errno, "create the cgroup namespace");

process:
        if (c->has_oom_score_adj) {
                char v[16];
                snprintf(v, sizeof(v), "%d", c->oom_score_adj);
                write_proc("/proc/self/oom_score_adj", v, sync_fd);
        }
        for (size_t i = 0; i < c->n_rlimits; i++)
                if (setrlimit(c->rlimits[i].resource, &c->rlimits[i].limit) < 0)
                        executor_fail(sync_fd, errno, "set resource limit %d to %llu/%llu",
                                      c->rlimits[i].resource,
                                      (unsigned long long)c->rlimits[i].limit.rlim_cur,
                                      (unsigned long long)c->rlimits[i].limit.rlim_max);
        if (c->has_umask)
                umask(c->umask);

        /*
         * Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a
         * filter: then it goes in before the capabilities are dropped (as
         * runc does), and what follows must be what it allows (it is).
         */
        if (filter && !c->no_new_privs && seccomp_filter_load(filter, &err) < 0)
                executor_fail(sync_fd, 0, "seccomp: %s", err && err->msg ? err->msg : "failed");
        set_identity(c, sync_fd);
        if (chdir(c->cwd) < 0)
                executor_fail(sync_fd, errno, "chdir to the working directory %s", c->cwd);
        program = find_program(c, sync_fd);
        if (c->selinux_label)
                set_exec_label(c->selinux_label, sync_fd);
        if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                executor_fail(sync_fd, errno, "set no_new_privs");
        if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                executor_fail(sync_fd, errno, "close inherited files");
        if (filter && c->no_new_privs && seccomp_filter_load(filter, &err) < 0)
                executor_fail(sync_fd, 0, "seccomp: %s", err && err->msg ? err->msg : "failed");
        /* from here on the container is its monitor's, whatever becomes of our parent */
        if (!orphan && prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                executor_fail(sync_fd, errno, "reset the parent-death signal");
        execve(program, c->args, env_with_home(c->env));
        executor_fail(sync_fd, errno, "exec %s", c->args[0]);
}

/* a fork that can create namespaces: the child runs on a copy of our stack, as after fork() */
static pid_t
clone_flags(int flags)
{
        return (pid_t)syscall(SYS_clone, (unsigned long)flags | SIGCHLD, 0, 0, 0, 0);
}

/* The child's stack while it shares our memory: what a main thread gets by default */
#define VM_CHILD_STACK (8UL << 20)

struct vm_child {
        const struct oci_config *c;
        const struct executor_opts *o;
        int sync_fd, parent_fd;
};

static int
vm_child_main(void *arg)
{
        const struct vm_child *a = arg;

        (void)close(a->parent_fd);
        executor_child(a->c, a->o, a->sync_fd, false);
}

/* A message from the child; a file it passes along goes to *ret_fd (when not NULL) */
static int
read_msg_fd(int fd, char *buf, size_t size, int *ret_fd)
{
        struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *cm;
        ssize_t n;

        do
                n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
                    cm->cmsg_len == CMSG_LEN(sizeof(int))) {
                        int got;

                        memcpy(&got, CMSG_DATA(cm), sizeof(int));
                        if (ret_fd && *ret_fd < 0)
                                *ret_fd = got;
                        else
                                (void)close(got);
                }
        return (int)n;
}

static int
read_msg(int fd, char *buf, size_t size)
{
        return read_msg_fd(fd, buf, size, NULL);
}

int
executor_spawn(const struct oci_config *c, const struct executor_opts *o,
               struct executor_result *ret, struct berr **err)
{
        int sp[2], flags = 0, r;
        _cleanup_close_ int parent_fd = -EBADF, pid_ns = -EBADF;
        char msg[MSG_MAX];
        pid_t pid, stage1 = 0;

        if (c->ns[OCI_NS_USER].enabled || c->ns[OCI_NS_TIME].enabled)
                return berr(err, EOPNOTSUPP,
                            "user and time namespaces are not supported by the built-in executor "
                            "(use --runtime runc)");
        /* new namespaces come with the clone; the cgroup one once the child is in its cgroup */
        for (int i = 0; i < _OCI_NS_MAX; i++)
                if (c->ns[i].enabled && !c->ns[i].path && i != OCI_NS_CGROUP)
                        flags |= ns_flags[i];
        if (c->ns[OCI_NS_PID].enabled && c->ns[OCI_NS_PID].path) {
                pid_ns = open(c->ns[OCI_NS_PID].path, O_RDONLY | O_CLOEXEC);
                if (pid_ns < 0)
                        return berr(err, errno, "open the PID namespace %s",
                                    c->ns[OCI_NS_PID].path);
                if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                        return berr(err, errno, "become a child subreaper");
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
                return berr(err, errno, "create the sync socket");
        parent_fd = sp[0];

        if (pid_ns >= 0) {
                /* the PID namespace is chosen for children: an intermediate process joins it */
                stage1 = fork();
                if (stage1 < 0) {
                        (void)close(sp[1]);
                        return berr(err, errno, "fork");
                }
                if (stage1 == 0) {
                        char m[1 + sizeof(pid_t)];
                        (void)close(sp[0]);
                        if (setns(pid_ns, CLONE_NEWPID) < 0)
                                executor_fail(sp[1], errno, "join the PID namespace %s",
                                              c->ns[OCI_NS_PID].path);
                        pid = clone_flags(flags);
                        if (pid < 0)
                                executor_fail(sp[1], errno, "create the namespaces");
                        if (pid == 0)
                                executor_child(c, o, sp[1], true);
                        m[0] = MSG_PID;
                        memcpy(m + 1, &pid, sizeof(pid));
                        _exit(write(sp[1], m, sizeof(m)) == (ssize_t)sizeof(m) ? 0 : 1);
                }
                pid = -1;
        } else if (!o->place) {
                struct vm_child a = {.c = c, .o = o, .sync_fd = sp[1], .parent_fd = sp[0]};

                pid = vmchild_run(vm_child_main, &a, flags, VM_CHILD_STACK);
                if (pid < 0) {
                        r = -errno;
                        (void)close(sp[1]);
                        return berr(err, -r, "create the namespaces");
                }
        } else {
                pid = clone_flags(flags);
                if (pid < 0) {
                        r = -errno;
                        (void)close(sp[1]);
                        return berr(err, -r, "create the namespaces");
                }
                if (pid == 0) {
                        (void)close(sp[0]);
                        executor_child(c, o, sp[1], false);
                }
        }
        (void)close(sp[1]);

        if (stage1 > 0) {
                int status;
                r = read_msg(parent_fd, msg, sizeof(msg));
                (void)waitpid(stage1, &status, 0);
                if (r < 0)
                        return berr(err, -r, "read from the container");
                if (r > 0 && msg[0] == MSG_ERROR)
                        return berr(err, 0, "%s", msg + 1);
                if (r != 1 + (int)sizeof(pid_t) || msg[0] != MSG_PID)
                        return berr(err, EPROTO, "the container's first process did not start");
                memcpy(&pid, msg + 1, sizeof(pid));
        }

        ret->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (ret->pidfd < 0) {
                r = berr(err, errno, "pidfd_open");
                goto kill;
        }
        if (o->place) {
                r = o->place(o->userdata, pid, err);
                if (r < 0)
                        goto kill;
                msg[0] = MSG_GO;
                if (send(parent_fd, msg, 1, MSG_NOSIGNAL) != 1) {
                        r = berr(err, errno, "start the container");
                        goto kill;
                }
        }
        /* the terminal, when the child makes one, then nothing (it exec'd) or an error */
        r = read_msg_fd(parent_fd, msg, sizeof(msg), &ret->console_fd);
        if (r == 1 && msg[0] == MSG_CONSOLE && ret->console_fd >= 0)
                r = read_msg(parent_fd, msg, sizeof(msg));
        if (r < 0) {
                r = berr(err, -r, "read from the container");
                goto kill;
        }
        if (r > 0) {
                r = berr(err, 0, "%s", msg[0] == MSG_ERROR ? msg + 1 : "unexpected message");
                goto kill;
        }
        ret->pid = pid;
        return 0;
kill:
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
        if (ret->pidfd >= 0)
                (void)close(ret->pidfd);
        ret->pidfd = -EBADF;
        if (ret->console_fd >= 0)
                (void)close(ret->console_fd);
        ret->console_fd = -EBADF;
        return r;
}
