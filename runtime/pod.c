/*
 * runtime/pod.c: pods. A pod is a record (storage: ROOT/pods/<id>), a
 * sandbox and its containers. The sandbox is berth-pause, started in new
 * network, IPC and UTS namespaces (and PID, when the pod shares one),
 * which are bind-mounted on RUNROOT/pods/<id>/ns/{net,ipc,uts,pid}: the
 * containers' specs name those files, so they stay valid when the pod is
 * stopped and started again, and netavark can tear the network down from
 * the file even when berth-pause is gone. The pod's /etc/hosts, hostname
 * and resolv.conf are in ROOT/pods/<id>/etc, shared by its containers.
 *
 * A record is written with state "creating" before anything is made; a
 * pod whose creator died meanwhile is cleaned up by the next command, as
 * a pod whose berth-pause died is stopped (network and mounts undone).
 * berth-pause runs in the cgroup <cgroupParent>/infra, named in the record
 * before it is started, so that one whose pid never reached the record
 * (its creator killed in between) is found and killed all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "network.h"
#include "reconcile/podvolumes.h"
#include "runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/fs.h"
#include "util/strv.h"
#include "util/vmchild.h"

static const char *const ns_names[] = {"net", "ipc", "uts", "pid"};

/* RUNROOT/pods/<id>/ns */
static char *
ns_dir(const struct berth_ctx *ctx, const char *id)
{
        char *p = NULL;

        return asprintf(&p, "%s/pods/%s/ns", ctx->runroot, id) < 0 ? NULL : p;
}

static int
mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                                return -errno;
                        *p = '/';
                }
        return mkdir(copy, mode) < 0 && errno != EEXIST ? -errno : 0;
}

/* The namespace files of a pod unmounted and removed (what is not there is fine) */
static void
ns_unmount(const struct berth_ctx *ctx, const char *id)
{
        _cleanup_free_ char *dir = ns_dir(ctx, id), *pod = NULL;

        if (!dir)
                return;
        for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
                _cleanup_free_ char *f = NULL;

                if (asprintf(&f, "%s/%s", dir, ns_names[i]) < 0)
                        continue;
                (void)umount2(f, MNT_DETACH);
                (void)unlink(f);
        }
        (void)rmdir(dir);
        if (asprintf(&pod, "%s/pods/%s", ctx->runroot, id) >= 0)
                (void)rmdir(pod);
}

static bool
rec_bool(const json_t *rec, const char *key)
{
        return json_is_true(json_object_get(rec, key));
}

static const char *
rec_str(const json_t *rec, const char *key)
{
        return json_string_value(json_object_get(rec, key));
}

/* Whether the pod's berth-pause runs (its pid with the start time recorded) */
static bool
infra_alive(const json_t *rec)
{
        return container_process_alive(rec, "infraPid", "infraStart");
}

static bool
own_network(const json_t *rec)
{
        const char *net = rec_str(rec, "network");

        return !rec_bool(rec, "hostNetwork") && !(net && strcmp(net, "none") == 0);
}

/* The network attachment of the pod (what setup was given; teardown needs the same) */
static int
network_attach_of(const json_t *rec, const char *netns, struct network_port **ret_ports,
                  struct network_attach *a)
{
        const json_t *ports = json_object_get(rec, "ports"), *p;
        struct network_port *np = NULL;
        size_t i;

        if (json_array_size(ports) > 0 && !(np = calloc(json_array_size(ports), sizeof(*np))))
                return -ENOMEM;
        for (i = 0; np && i < json_array_size(ports); i++) {
                p = json_array_get(ports, i);
                np[i].host_port = (uint16_t)json_integer_value(json_object_get(p, "hostPort"));
                np[i].container_port =
                        (uint16_t)json_integer_value(json_object_get(p, "containerPort"));
                np[i].protocol = rec_str(p, "protocol");
                np[i].host_ip = rec_str(p, "hostIP");
        }
        *a = (struct network_attach){
                .container_id = rec_str(rec, "id"),
                .container_name = rec_str(rec, "name"),
                .netns_path = netns,
                .ports = np,
                .n_ports = json_array_size(ports),
        };
        *ret_ports = np;
        return 0;
}

/* What the two processes that start berth-pause need, on the stack of berth's */
struct infra_spawn {
        const char *pause, *hostname;
        int flags;    /* the namespaces to unshare */
        int pid_fd;   /* where the first says berth-pause's pid */
        pid_t parent; /* berth */
        const int *cg_fds;
        size_t n_cg_fds;
};

/* the stack of each of the two: they make system calls only */
#define INFRA_STACK (64UL * 1024)

/* The second: berth-pause itself */
static int
infra_exec(void *arg)
{
        const struct infra_spawn *a = arg;
        char *const argv[] = {(char *)a->pause, NULL};
        char *const envp[] = {NULL};

        execve(a->pause, argv, envp);
        _exit(127);
}

/*
 * The first: in the pod's infra cgroup and a session of its own, it
 * unshares the pod's namespaces and starts berth-pause in them, which init
 * (or the pid namespace) then reaps. Both share berth's memory and berth
 * waits meanwhile (CLONE_VM | CLONE_VFORK): no copy of berth's page tables,
 * and no copy-on-write faults in berth afterwards, as a fork would cost.
 * So: system calls only, no malloc, nothing written but the stack.
 */
static int
infra_setup(void *arg)
{
        const struct infra_spawn *a = arg;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        pid_t child;

        /*
         * berth killed from here on: this process goes with it, and
         * berth-pause, once started, is in the pod's infra cgroup, where the
         * next command finds it even before its pid is recorded.
         */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != a->parent ||
            cgroup_join_fds(a->cg_fds, a->n_cg_fds) < 0)
                _exit(1);
        if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
            setsid() < 0 || unshare(a->flags) < 0)
                _exit(1);
        if (a->hostname && sethostname(a->hostname, strlen(a->hostname)) < 0)
                _exit(1);
        if (a->flags & CLONE_NEWNET) {
                struct ifreq ifr = {.ifr_name = "lo"};
                int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

                if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
                        _exit(1);
                ifr.ifr_flags |= IFF_UP;
                if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
                        _exit(1);
                (void)close(fd);
        }
        /* berth-pause: re-parented to init once we exit (and PID 1 of a new PID ns) */
        child = vmchild_run(infra_exec, (void *)a, 0, INFRA_STACK);
        if (child < 0)
                _exit(1);
        _exit(write(a->pid_fd, &child, sizeof(child)) == (ssize_t)sizeof(child) ? 0 : 1);
}

/*
 * berth-pause in new namespaces, detached (a session of its own, re-parented
 * to init); its pid.
 */
static int
spawn_infra(const json_t *rec, const int *cg_fds, size_t n_cg_fds, pid_t *ret_pid,
            struct berr **err)
{
        _cleanup_free_ char *pause = container_helper_path("berth-pause", "BERTH_PAUSE");
        bool new_pid = rec_bool(rec, "sharePid") && !rec_bool(rec, "hostPID");
        struct infra_spawn a = {
                .hostname = rec_str(rec, "hostname"),
                .flags = CLONE_NEWUTS | CLONE_NEWIPC,
                .parent = getpid(),
                .cg_fds = cg_fds,
                .n_cg_fds = n_cg_fds,
        };
        int pfd[2], st;
        pid_t pid, got = -1;

        if (!pause)
                return berr(err, ENOMEM, "berth-pause");
        if (access(pause, X_OK) < 0)
                return berr(err, errno, "the pod's sandbox program %s", pause);
        a.pause = pause;
        if (!rec_bool(rec, "hostNetwork"))
                a.flags |= CLONE_NEWNET;
        if (rec_bool(rec, "hostIPC"))
                a.flags &= ~CLONE_NEWIPC;
        if (new_pid)
                a.flags |= CLONE_NEWPID;
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        a.pid_fd = pfd[1];
        /* back here once the first has exited: berth-pause runs by then, or failed */
        pid = vmchild_run(infra_setup, &a, 0, INFRA_STACK);
        if (pid < 0) {
                int e = errno;
                (void)close(pfd[0]);
                (void)close(pfd[1]);
                return berr(err, e, "start the pod's sandbox");
        }
        (void)close(pfd[1]);
        if (read(pfd[0], &got, sizeof(got)) != (ssize_t)sizeof(got))
                got = -1;
        (void)close(pfd[0]);
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        if (got <= 0)
                return berr(err, EIO, "start the pod's sandbox (new namespaces for it)");
        *ret_pid = got;
        return 0;
}

/* /proc/PID/ns/X bind-mounted on RUNROOT/pods/<id>/ns/X for each namespace the pod has */
static int
ns_mount(const struct berth_ctx *ctx, const json_t *rec, pid_t pid, struct berr **err)
{
        const char *id = rec_str(rec, "id");
        _cleanup_free_ char *dir = ns_dir(ctx, id);
        const bool want[] = {!rec_bool(rec, "hostNetwork"), !rec_bool(rec, "hostIPC"), true,
                             rec_bool(rec, "sharePid") && !rec_bool(rec, "hostPID")};
        int r;

        if (!dir)
                return berr(err, ENOMEM, "pod");
        r = mkdir_p(dir, 0700);
        if (r < 0)
                return berr(err, -r, "create %s", dir);
        for (size_t i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
                _cleanup_free_ char *src = NULL, *dst = NULL;
                _cleanup_close_ int fd = -EBADF;

                if (!want[i])
                        continue;
                if (asprintf(&src, "/proc/%d/ns/%s", (int)pid, ns_names[i]) < 0 ||
                    asprintf(&dst, "%s/%s", dir, ns_names[i]) < 0)
                        return berr(err, ENOMEM, "pod");
                fd = open(dst, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0400);
                if (fd < 0)
                        return berr(err, errno, "create %s", dst);
                if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
                        return berr(err, errno, "bind %s on %s", src, dst);
        }
        return 0;
}

/* The pod's /etc/hosts: localhost, the pod's address and names, hostAliases (as kubelet) */
static char *
hosts_text(const json_t *rec, const char *ip)
{
        const char *hostname = rec_str(rec, "hostname");
        const json_t *aliases = json_object_get(rec, "hostAliases"), *a;
        char *text = NULL;
        size_t len = 0, i;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return NULL;
        fprintf(f, "# Kubernetes-managed hosts file (berth).\n"
                   "127.0.0.1\tlocalhost\n"
                   "::1\tlocalhost ip6-localhost ip6-loopback\n"
                   "fe00::0\tip6-localnet\n"
                   "fe00::0\tip6-mcastprefix\n"
                   "fe00::1\tip6-allnodes\n"
                   "fe00::2\tip6-allrouters\n");
        fprintf(f, "%s\t%s\n", ip && ip[0] ? ip : "127.0.1.1", hostname);
        if (json_array_size(aliases) > 0)
                fprintf(f, "\n# Entries added by HostAliases.\n");
        json_array_foreach (aliases, i, a) {
                const json_t *n;
                size_t k;

                fprintf(f, "%s", rec_str(a, "ip") ? rec_str(a, "ip") : "");
                json_array_foreach (json_object_get(a, "hostnames"), k, n) {
                        fprintf(f, "\t%s", json_string_value(n));
                }
                fprintf(f, "\n");
        }
        if (fclose(f) != 0) {
                free(text);
                return NULL;
        }
        return text;
}

static int
etc_dir(struct storage *s, const char *id, char **ret, struct berr **err)
{
        _cleanup_free_ char *dir = NULL;
        int r = storage_pod_dir(s, id, &dir, err);

        if (r < 0)
                return r;
        if (asprintf(ret, "%s/etc", dir) < 0)
                return berr(err, ENOMEM, "pod");
        return 0;
}

/* The cgroup berth-pause runs in, below the pod's: "/berth/pod-ID/infra" (malloc'd) */
static char *
infra_cgroup_path(const json_t *rec)
{
        const char *parent = rec_str(rec, "cgroupParent");
        char *p = NULL;

        if (!parent)
                return NULL;
        return asprintf(&p, "%s/infra", parent) < 0 ? NULL : p;
}

/*
 * The pod's infra cgroup made, and its cgroup.procs files opened for the
 * child that becomes berth-pause (*ret_fds NULL when the pod has no cgroup).
 */
static int
infra_cgroup_open(const json_t *rec, int **ret_fds, size_t *ret_n, struct berr **err)
{
        _cleanup_free_ char *path = infra_cgroup_path(rec);
        struct cgroup_system sys = {0};
        struct cgroup *cg = NULL;
        int r;

        *ret_fds = NULL;
        *ret_n = 0;
        if (!path)
                return rec_str(rec, "cgroupParent") ? berr(err, ENOMEM, "pod") : 0;
        r = cgroup_detect(&sys, err);
        if (r < 0)
                return r;
        r = cgroup_create(&sys, path, NULL, &cg, err);
        if (r == 0)
                r = cgroup_enter_fds(cg, ret_fds, ret_n, err);
        cgroup_free(cg);
        cgroup_system_done(&sys);
        return r;
}

/* Whatever runs in the pod's infra cgroup killed, and the cgroup removed */
static void
infra_cgroup_kill(const json_t *rec)
{
        _cleanup_free_ char *path = infra_cgroup_path(rec);
        struct cgroup_system sys = {0};
        struct cgroup *cg = NULL;

        if (!path || cgroup_detect(&sys, NULL) < 0)
                return;
        if (cgroup_open(&sys, path, &cg, NULL) == 0) {
                (void)cgroup_kill_all(cg, SIGKILL, NULL);
                (void)cgroup_destroy(cg, NULL);
                cgroup_free(cg);
        }
        cgroup_system_done(&sys);
}

/* Undo the sandbox: network, berth-pause, namespace files. Best effort, idempotent. */
static void
sandbox_stop(struct storage *s, const struct berth_ctx *ctx, const json_t *rec)
{
        const char *id = rec_str(rec, "id");
        _cleanup_free_ char *dir = ns_dir(ctx, id), *netns = NULL;
        _cleanup_free_ struct network_port *ports = NULL;
        struct network_attach a;

        if (own_network(rec) && dir && asprintf(&netns, "%s/net", dir) >= 0 &&
            network_attach_of(rec, netns, &ports, &a) == 0)
                (void)network_teardown(storage_root(s), &a, NULL);
        if (infra_alive(rec)) {
                pid_t pid = (pid_t)json_integer_value(json_object_get(rec, "infraPid"));
                int fd = (int)syscall(SYS_pidfd_open, pid, 0);

                /* opened, then checked again: the pidfd holds on to the process we checked */
                if (fd >= 0 && infra_alive(rec)) {
                        (void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
                        struct timespec t = {0, 2000000};
                        for (int i = 0; i < 500 && infra_alive(rec); i++)
                                nanosleep(&t, NULL);
                }
                if (fd >= 0)
                        (void)close(fd);
        }
        /* a berth-pause whose pid was never recorded (its creator was killed) too */
        infra_cgroup_kill(rec);
        ns_unmount(ctx, id);
}

/* Start the sandbox of the pod rec: berth-pause, namespace files, network, etc files */
static int
sandbox_start(struct storage *s, const struct berth_ctx *ctx, const json_t *rec, struct berr **err)
{
        const char *id = rec_str(rec, "id");
        _cleanup_(json_decrefp) json_t *changes = NULL;
        _cleanup_free_ char *dir = ns_dir(ctx, id), *netns = NULL, *etc = NULL, *hosts = NULL;
        _cleanup_free_ struct network_port *ports = NULL;
        struct network_result net = {0};
        bool own = own_network(rec);
        _cleanup_free_ int *cg_fds = NULL;
        size_t n_cg_fds = 0;
        pid_t pid = -1;
        int r;

        if (!dir)
                return berr(err, ENOMEM, "pod");
        r = infra_cgroup_open(rec, &cg_fds, &n_cg_fds, err);
        if (r == 0)
                r = spawn_infra(rec, cg_fds, n_cg_fds, &pid, err);
        for (size_t i = 0; i < n_cg_fds; i++)
                (void)close(cg_fds[i]);
        if (r < 0) {
                infra_cgroup_kill(rec);
                return r;
        }
        changes = json_pack("{s:s, s:I, s:I}", "state", "running", "infraPid", (json_int_t)pid,
                            "infraStart", (json_int_t)container_pid_start(pid));
        if (!changes)
                return berr(err, ENOMEM, "pod");
        /*
         * Recorded at once when the network comes next, so that a failure
         * there can undo it (as can the next command); else with the rest,
         * below: until then the infra cgroup finds berth-pause.
         */
        r = own ? storage_pod_update(s, id, changes, false, err) : 0;
        if (r == 0)
                r = ns_mount(ctx, rec, pid, err);
        if (r == 0 && own) {
                struct network_attach a;

                if (asprintf(&netns, "%s/net", dir) < 0 ||
                    network_attach_of(rec, netns, &ports, &a) < 0)
                        r = berr(err, ENOMEM, "pod");
                else
                        r = network_setup(storage_root(s), &a, &net, err);
        }
        if (r == 0)
                r = etc_dir(s, id, &etc, err);
        if (r == 0 && !(hosts = hosts_text(rec, net.ip)))
                r = berr(err, ENOMEM, "hosts");
        if (r == 0)
                r = container_write_etc(etc, hosts, rec_str(rec, "hostname"),
                                        rec_bool(rec, "hostNetwork"), err);
        if (r == 0) {
                json_t *more = json_pack("{s:s, s:s}", "ip", net.ip, "gateway", net.gateway);

                if (more && !own)
                        (void)json_object_update(more, changes);
                r = more ? storage_pod_update(s, id, more, false, err) : berr(err, ENOMEM, "pod");
                json_decref(more);
        }
        if (r < 0) {
                _cleanup_(json_decrefp) json_t *now = NULL;
                if (storage_pod_find(s, id, &now, NULL) == 0)
                        sandbox_stop(s, ctx, now);
        }
        return r;
}

static json_t *
strv_to_object(char **kv)
{
        json_t *o = json_object();

        for (char **p = kv; o && p && *p; p++) {
                char *eq = strchr(*p, '=');
                _cleanup_free_ char *k = strndup(*p, eq ? (size_t)(eq - *p) : strlen(*p));

                if (k)
                        json_object_set_new(o, k, json_string(eq ? eq + 1 : ""));
        }
        return o;
}

int
runtime_pod_create(struct storage *s, const struct berth_ctx *ctx, const struct runtime_pod_opts *o,
                   char **ret_id, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *now = NULL;
        _cleanup_free_ char *id = NULL, *cgpath = NULL;
        json_t *ports, *aliases;
        char new_id[65];
        int r;

        if (!o->name || !o->name[0])
                return berr(err, EINVAL, "a pod needs a name");
        ports = json_array();
        aliases = json_array();
        for (size_t i = 0; ports && i < o->n_ports; i++)
                json_array_append_new(ports,
                                      json_pack("{s:i, s:i, s:s, s:s?}", "hostPort",
                                                (int)o->ports[i].host_port, "containerPort",
                                                (int)o->ports[i].container_port, "protocol",
                                                o->ports[i].protocol ? o->ports[i].protocol : "tcp",
                                                "hostIP", o->ports[i].host_ip));
        for (size_t i = 0; aliases && i < o->n_host_aliases; i++) {
                json_t *names = json_array();
                for (char **n = o->host_aliases[i].hostnames; names && n && *n; n++)
                        json_array_append_new(names, json_string(*n));
                json_array_append_new(aliases,
                                      json_pack("{s:s, s:o}", "ip", o->host_aliases[i].ip ?: "",
                                                "hostnames", names ? names : json_array()));
        }
        rec = json_pack(
                "{s:s, s:s, s:s, s:b, s:b, s:b, s:b, s:s, s:o, s:o, s:o, s:o, s:s?, "
                "s:s?, s:[], s:[], s:I, s:I}",
                "name", o->name, "namespace", o->namespace_ ? o->namespace_ : "default", "hostname",
                o->hostname ? o->hostname : o->name, "hostNetwork", o->host_network, "hostPID",
                o->host_pid, "hostIPC", o->host_ipc, "sharePid", o->share_pid, "network",
                o->host_network ? "host"
                : o->network    ? o->network
                                : "bridge",
                "ports", ports ? ports : json_array(), "hostAliases",
                aliases ? aliases : json_array(), "labels", strv_to_object(o->labels),
                "annotations", strv_to_object(o->annotations), "restartPolicy", o->restart_policy,
                "kubeOwner", o->kube_owner, "containers", "initContainers", "memoryLimit",
                (json_int_t)o->memory_limit, "cpuLimitMillis", (json_int_t)o->cpu_limit_millis);
        if (!rec)
                return berr(err, ENOMEM, "pod record");
        json_object_set_new(rec, "creatorPid", json_integer(getpid()));
        json_object_set_new(rec, "creatorStart",
                            json_integer((json_int_t)container_pid_start(getpid())));
        /* the cgroup named in the first write: what a crash leaves, the next command removes */
        r = storage_new_id(new_id, err);
        if (r < 0)
                return r;
        if (asprintf(&cgpath, "/berth/pod-%s", new_id) < 0)
                return berr(err, ENOMEM, "pod");
        json_object_set_new(rec, "id", json_string(new_id));
        json_object_set_new(rec, "cgroupParent", json_string(cgpath));
        r = storage_pod_create(s, rec, &id, err);
        if (r < 0)
                return r;
        /* the pod's cgroup with its limits (its containers' cgroups go below it) */
        if (o->memory_limit > 0 || o->cpu_limit_millis > 0) {
                struct cgroup_system sys = {0};
                struct cgroup_limits lim = CGROUP_LIMITS_NONE;
                struct cgroup *cg = NULL;

                if (o->memory_limit > 0)
                        lim.memory_max = o->memory_limit;
                if (o->cpu_limit_millis > 0) {
                        lim.cpu_period = 100000;
                        lim.cpu_quota = o->cpu_limit_millis * 100;
                }
                r = cgroup_detect(&sys, err);
                if (r == 0) {
                        r = cgroup_create(&sys, cgpath, &lim, &cg, err);
                        cgroup_system_done(&sys);
                        cgroup_free(cg);
                }
                if (r < 0)
                        goto fail;
        }
        r = sandbox_start(s, ctx, rec, err);
        if (r < 0)
                goto fail;
        *ret_id = TAKE_PTR(id);
        return 0;
fail:
        (void)runtime_pod_remove(s, ctx, id, true, 0, NULL);
        return r;
}

/* The pod's state: its record's, brought up to date with what runs */
static int
refresh(struct storage *s, const struct berth_ctx *ctx, json_t **rec, struct berr **err)
{
        const char *state = rec_str(*rec, "state");
        _cleanup_free_ char *id = strdup(rec_str(*rec, "id") ?: "");

        if (!id)
                return berr(err, ENOMEM, "pod");
        if (state && strcmp(state, "creating") == 0 &&
            !container_process_alive(*rec, "creatorPid", "creatorStart")) {
                /* a create that died half-way */
                (void)runtime_pod_remove(s, ctx, id, true, 0, NULL);
                json_decref(*rec);
                *rec = NULL;
                return 0;
        }
        if (state && strcmp(state, "running") == 0 && !infra_alive(*rec)) {
                json_t *c = json_pack("{s:s}", "state", "stopped");

                sandbox_stop(s, ctx, *rec);
                if (c)
                        (void)storage_pod_update(s, id, c, false, NULL);
                json_decref(c);
                json_object_set_new(*rec, "state", json_string("stopped"));
        }
        return 0;
}

/* podman's words for a pod that is not there (not the store's, which name a record); -ENOENT */
static int
no_such_pod(const char *what, struct berr **err)
{
        (void)berr(err, 0, "no pod with name or ID %s found: no such pod", what);
        return -ENOENT;
}

/*
 * storage_pod_find(), with podman's message when there is no such pod: the
 * store's own error is set aside so that it does not win over that one.
 */
static int
find_record(struct storage *s, const char *what, json_t **ret, struct berr **err)
{
        _cleanup_(berr_freep) struct berr *inner = NULL;
        int r = storage_pod_find(s, what, ret, &inner);

        if (r == -ENOENT)
                return no_such_pod(what, err);
        if (r < 0 && err && !*err)
                *err = TAKE_PTR(inner);
        return r;
}

int
runtime_pod_find(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **ret,
                 struct berr **err)
{
        int r = find_record(s, what, ret, err);

        if (r == 0)
                r = refresh(s, ctx, ret, err);
        if (r == 0 && !*ret)
                r = no_such_pod(what, err);
        return r;
}

/*
 * The pod's new containers added to its record: first their own records
 * (written by runtime_create without an fsync) made durable, one after
 * another at the end (the first fsync commits the file system's journal for
 * all of them, the others find little left to do), then the pod's in one
 * durable write; so a power loss never leaves the pod listing a container
 * that is not there. A kill before this leaves containers the pod does not
 * list, which runtime_pod_remove finds by their "pod" field.
 */
int
runtime_pod_add_containers(struct storage *s, const char *pod_id, char *const *init_ids,
                           char *const *ids, bool started, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *changes = json_object();
        const char *keys[] = {"initContainers", "containers"};
        char *const *add[] = {init_ids, ids};
        int r = find_record(s, pod_id, &rec, err);

        if (r < 0)
                return r;
        if (!changes)
                return berr(err, ENOMEM, "pod");
        for (size_t k = 0; k < 2; k++) {
                r = storage_containers_sync(s, add[k], err);
                if (r < 0)
                        return r;
        }
        for (size_t k = 0; k < 2; k++) {
                json_t *list = json_deep_copy(json_object_get(rec, keys[k]));

                if (!list || json_object_set_new(changes, keys[k], list) < 0)
                        return berr(err, ENOMEM, "pod");
                for (char *const *id = add[k]; id && *id; id++)
                        if (json_array_append_new(list, json_string(*id)) < 0)
                                return berr(err, ENOMEM, "pod");
        }
        if (started && json_object_set_new(changes, "started", json_true()) < 0)
                return berr(err, ENOMEM, "pod");
        return storage_pod_update(s, pod_id, changes, true, err);
}

char *
runtime_pod_volumes_dir(struct storage *s, const char *pod_id)
{
        _cleanup_free_ char *dir = NULL;
        char *p = NULL;

        if (storage_pod_dir(s, pod_id, &dir, NULL) < 0)
                return NULL;
        return asprintf(&p, "%s/volumes", dir) < 0 ? NULL : p;
}

/* A container that runs, or waits to run again (restartPolicy's back-off): stop it to end it */
static bool
state_active(const char *st)
{
        return st && (strcmp(st, "running") == 0 || strcmp(st, "restarting") == 0);
}

/* A container's state as runtime_inspect works it out; NULL when it is gone */
static char *
container_state(struct storage *s, const struct berth_ctx *ctx, const char *id, int *ret_code)
{
        _cleanup_(json_decrefp) json_t *c = NULL;
        const char *st;

        if (runtime_inspect(s, ctx, id, &c, NULL) < 0)
                return NULL;
        st = json_string_value(json_object_get(c, "state"));
        if (ret_code)
                *ret_code = (int)json_integer_value(json_object_get(c, "exitCode"));
        return strdup(st ? st : "unknown");
}

/*
 * The name an init container has in its pod's manifest: its own name less
 * the "POD-" that kube play puts before it (malloc'd; NULL when it is gone).
 */
static char *
init_name(struct storage *s, const struct berth_ctx *ctx, const json_t *rec, const char *cid)
{
        _cleanup_(json_decrefp) json_t *c = NULL;
        const char *name, *pod = rec_str(rec, "name");
        size_t n = pod ? strlen(pod) : 0;

        if (runtime_inspect(s, ctx, cid, &c, NULL) < 0)
                return NULL;
        name = json_string_value(json_object_get(c, "name"));
        if (!name)
                return NULL;
        if (n > 0 && strncmp(name, pod, n) == 0 && name[n] == '-' && name[n + 1])
                name += n + 1;
        return strdup(name);
}

/*
 * Start the containers ids (those not running yet) side by side: each
 * one's monitor is forked before the first is waited for, so that their
 * namespaces, mounts and execs overlap. Every start begun is waited for;
 * the first failure in the list's order is the error.
 */
static int
start_side_by_side(struct storage *s, const struct berth_ctx *ctx, const json_t *ids,
                   struct berr **err)
{
        size_t n = json_array_size(ids), i;
        _cleanup_free_ struct runtime_starting **st = calloc(n ? n : 1, sizeof(*st));
        const json_t *c;
        int r = 0;

        if (!st)
                return berr(err, ENOMEM, "pod");
        json_array_foreach (ids, i, c) {
                const char *cid = json_string_value(c);
                _cleanup_free_ char *state = container_state(s, ctx, cid, NULL);

                if (!state || state_active(state))
                        continue;
                r = runtime_start_begin(s, ctx, cid, NULL, &st[i], err);
                if (r < 0)
                        break;
        }
        for (i = 0; i < n; i++) {
                int q = runtime_start_finish(st[i], r < 0 ? NULL : err);

                if (q < 0 && r >= 0)
                        r = q;
        }
        return r < 0 ? r : 0;
}

int
runtime_pod_start(struct storage *s, const struct berth_ctx *ctx, const char *what,
                  struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        const json_t *c;
        const char *state;
        size_t i;
        int r = runtime_pod_find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        state = rec_str(rec, "state");
        if (!state || strcmp(state, "running") != 0) {
                r = sandbox_start(s, ctx, rec, err);
                if (r < 0)
                        return r;
        }
        /* a pod that was started is no longer "Created" (pod_status), even with no container */
        if (!rec_bool(rec, "started")) {
                _cleanup_(json_decrefp) json_t *ch = json_pack("{s:b}", "started", true);

                r = ch ? storage_pod_update(s, rec_str(rec, "id"), ch, false, err)
                       : berr(err, ENOMEM, "pod");
                if (r < 0)
                        return r;
        }
        /* init containers in order, each to its end; then the others */
        json_array_foreach (json_object_get(rec, "initContainers"), i, c) {
                const char *cid = json_string_value(c);
                _cleanup_free_ char *st = container_state(s, ctx, cid, NULL);
                int code = 0;

                if (st) {
                        /* one that runs already (a start under way) is waited for all the same */
                        r = state_active(st) ? 0 : runtime_start(s, ctx, cid, err);
                        if (r == 0)
                                r = runtime_wait(s, ctx, cid, &code, err);
                        if (r < 0)
                                return r;
                        if (code != 0) {
                                _cleanup_free_ char *name = init_name(s, ctx, rec, cid);

                                return berr(err, 0,
                                            "init container %s of pod %s failed (exit code %d)",
                                            name ? name : cid, rec_str(rec, "name"), code);
                        }
                }
        }
        return start_side_by_side(s, ctx, json_object_get(rec, "containers"), err);
}

/* Whether the container (its inspect) has a preStop hook */
static bool
has_pre_stop(const json_t *info)
{
        return json_is_object(json_object_get(json_object_get(info, "lifecycle"), "preStop"));
}

/* A child that stops one container of a pod: runtime_stop(), its preStop hook first */
struct stopper {
        pid_t pid;
        int fd; /* the read end of a pipe: the child's error message, if it fails */
        char *cid;
};

/*
 * runtime_stop(cid) in a child process, so that the preStop hooks of a
 * pod's containers run side by side, as kubelet runs them: each container
 * its own hook, then its stop signal, all within the grace period. The
 * child takes the store lock through a file of its own.
 */
static int
stopper_start(struct storage *s, const struct berth_ctx *ctx, const char *cid, int timeout,
              struct stopper *ret, struct berr **err)
{
        _cleanup_free_ char *copy = strdup(cid);
        int pfd[2];
        pid_t pid;

        if (!copy)
                return berr(err, ENOMEM, "pod");
        if (pipe2(pfd, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        pid = fork();
        if (pid < 0) {
                int e = errno;

                (void)close(pfd[0]);
                (void)close(pfd[1]);
                return berr(err, e, "fork");
        }
        if (pid == 0) {
                struct berr *cerr = NULL;
                int r;

                (void)close(pfd[0]);
                r = storage_after_fork(s, &cerr);
                if (r == 0)
                        r = runtime_stop(s, ctx, cid, timeout, &cerr);
                if (r < 0 && cerr && cerr->msg)
                        (void)!write(pfd[1], cerr->msg, strlen(cerr->msg));
                _exit(r < 0 ? 1 : 0);
        }
        (void)close(pfd[1]);
        *ret = (struct stopper){.pid = pid, .fd = pfd[0], .cid = TAKE_PTR(copy)};
        return 0;
}

/* Wait for the stopper to end; its failure in *err. */
static int
stopper_wait(struct stopper *st, struct berr **err)
{
        _cleanup_free_ char *cid = TAKE_PTR(st->cid);
        char msg[1024];
        size_t len = 0;
        int status;

        /* its message, until the pipe closes (the child has ended, or is about to) */
        while (len < sizeof(msg) - 1) {
                ssize_t n = read(st->fd, msg + len, sizeof(msg) - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        msg[len] = '\0';
        (void)close(st->fd);
        st->fd = -EBADF;
        while (waitpid(st->pid, &status, 0) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "wait for the stop of container %s", cid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (len > 0)
                return berr(err, 0, "%s", msg);
        return berr(err, 0, "stop container %s: its process ended with status %d", cid, status);
}

int
runtime_pod_stop(struct storage *s, const struct berth_ctx *ctx, const char *what, int timeout,
                 struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ struct stopper *kids = NULL;
        const json_t *c, *ctrs;
        size_t i, n_kids = 0;
        int r = runtime_pod_find(s, ctx, what, &rec, err), status = 0;
        struct timespec start;

        if (r < 0)
                return r;
        ctrs = json_object_get(rec, "containers");
        kids = calloc(json_array_size(ctrs) + 1, sizeof(*kids));
        if (!kids)
                return berr(err, ENOMEM, "pod");
        /*
         * All at once, as kubelet: those with a preStop hook each in a child
         * of its own (the hook, then the stop signal), the others their stop
         * signal here, then each waited for.
         */
        json_array_foreach (ctrs, i, c) {
                _cleanup_(json_decrefp) json_t *info = NULL;
                const char *cid = json_string_value(c);
                int t = timeout;

                if (runtime_inspect(s, ctx, cid, &info, NULL) < 0 ||
                    !state_active(rec_str(info, "state")) || !has_pre_stop(info))
                        continue;
                if (t < 0)
                        t = (int)json_integer_value(json_object_get(info, "stopTimeout"));
                if (stopper_start(s, ctx, cid, t, &kids[n_kids], NULL) == 0) {
                        n_kids++;
                        continue;
                }
                /* no child to be had (no memory, no process): here, then, in turn */
                if (runtime_stop(s, ctx, cid, t, status ? NULL : err) < 0)
                        status = -EIO;
        }
        json_array_foreach (ctrs, i, c) {
                _cleanup_(json_decrefp) json_t *info = NULL;
                const char *sig;

                if (runtime_inspect(s, ctx, json_string_value(c), &info, NULL) < 0 ||
                    has_pre_stop(info) || !state_active(rec_str(info, "state")))
                        continue;
                sig = json_string_value(json_object_get(info, "stopSignal"));
                (void)runtime_kill(s, ctx, json_string_value(c),
                                   sig && runtime_signal_from_name(sig) > 0
                                           ? runtime_signal_from_name(sig)
                                           : SIGTERM,
                                   NULL);
        }
        clock_gettime(CLOCK_MONOTONIC, &start);
        json_array_foreach (ctrs, i, c) {
                _cleanup_(json_decrefp) json_t *info = NULL;
                struct timespec now;
                int t = timeout, spent;

                if (runtime_inspect(s, ctx, json_string_value(c), &info, NULL) < 0 ||
                    has_pre_stop(info) || !state_active(rec_str(info, "state")))
                        continue;
                if (t < 0)
                        t = (int)json_integer_value(json_object_get(info, "stopTimeout"));
                /* the grace period runs for all of them since the signals went out */
                clock_gettime(CLOCK_MONOTONIC, &now);
                spent = (int)(((now.tv_sec - start.tv_sec) * 1000 +
                               (now.tv_nsec - start.tv_nsec) / 1000000 + 500) /
                              1000);
                t = t > spent ? t - spent : 0;
                if (runtime_stop(s, ctx, json_string_value(c), t, status ? NULL : err) < 0)
                        status = -EIO;
        }
        for (i = 0; i < n_kids; i++)
                if (stopper_wait(&kids[i], status ? NULL : err) < 0)
                        status = -EIO;
        json_array_foreach (json_object_get(rec, "initContainers"), i, c) {
                _cleanup_free_ char *st = container_state(s, ctx, json_string_value(c), NULL);

                if (state_active(st))
                        (void)runtime_stop(s, ctx, json_string_value(c), timeout, NULL);
        }
        sandbox_stop(s, ctx, rec);
        {
                json_t *ch = json_pack("{s:s}", "state", "stopped");
                if (ch)
                        (void)storage_pod_update(s, rec_str(rec, "id"), ch, false, NULL);
                json_decref(ch);
        }
        return status;
}

/* Whether a container of the pod (an init container too) runs */
static bool
pod_has_running(struct storage *s, const struct berth_ctx *ctx, const json_t *rec)
{
        const char *keys[] = {"containers", "initContainers"};

        for (size_t k = 0; k < 2; k++) {
                const json_t *c;
                size_t i;

                json_array_foreach (json_object_get(rec, keys[k]), i, c) {
                        _cleanup_free_ char *st =
                                container_state(s, ctx, json_string_value(c), NULL);

                        if (state_active(st))
                                return true;
                }
        }
        return false;
}

/*
 * Without force, a pod whose containers (init containers too) run is left
 * alone, with podman's error: its multierror list, one line per container
 * that runs ("1 error occurred:\n\t* removing container C from pod P:
 * cannot remove container C as it is running - ...", a blank line after).
 * The sandbox does not count: a pod that holds nothing but it is removed.
 */
static int
check_removable(struct storage *s, const struct berth_ctx *ctx, const json_t *rec,
                struct berr **err)
{
        const char *keys[] = {"initContainers", "containers"};
        _cleanup_free_ char *list = NULL;
        size_t len = 0, n = 0;
        FILE *f = open_memstream(&list, &len);

        if (!f)
                return berr(err, ENOMEM, "pod");
        for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                const json_t *c;
                size_t i;

                json_array_foreach (json_object_get(rec, keys[k]), i, c) {
                        const char *cid = json_string_value(c);
                        _cleanup_free_ char *st = container_state(s, ctx, cid, NULL);

                        if (!state_active(st))
                                continue;
                        fprintf(f,
                                "\t* removing container %s from pod %s: cannot remove container "
                                "%s as it is %s - running or paused containers cannot be removed "
                                "without force: container state improper\n",
                                cid, rec_str(rec, "id"), cid, st);
                        n++;
                }
        }
        if (fclose(f) != 0)
                return berr(err, ENOMEM, "pod");
        if (n == 0)
                return 0;
        (void)berr(err, 0, "%zu error%s occurred:\n%s\n", n, n == 1 ? "" : "s", list);
        return -EBUSY;
}

int
runtime_pod_remove(struct storage *s, const struct berth_ctx *ctx, const char *what, bool force,
                   int timeout, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *vols = NULL, *id = NULL;
        const char *keys[] = {"containers", "initContainers"};
        struct cgroup_system sys = {0};
        int r = find_record(s, what, &rec, err);

        if (r < 0)
                return r;
        id = strdup(rec_str(rec, "id"));
        if (!id)
                return berr(err, ENOMEM, "pod");
        if (!force) {
                r = check_removable(s, ctx, rec, err);
                if (r < 0)
                        return r;
        }
        /* its containers stopped together, as kubelet does, rather than one after another */
        if (pod_has_running(s, ctx, rec))
                (void)runtime_pod_stop(s, ctx, id, timeout, NULL);
        for (size_t k = 0; k < 2; k++) {
                const json_t *c;
                size_t i;

                json_array_foreach (json_object_get(rec, keys[k]), i, c)
                        (void)runtime_remove(s, ctx, json_string_value(c), true, timeout, NULL);
        }
        /*
         * and those made for it that its record does not list yet: a play
         * killed between a container's creation and its addition to the pod
         */
        {
                _cleanup_(json_decrefp) json_t *all = NULL;
                const json_t *c;
                size_t i;

                if (storage_containers(s, &all, NULL) == 0)
                        json_array_foreach (all, i, c) {
                                const char *pod = json_string_value(json_object_get(c, "pod"));
                                const char *cid = json_string_value(json_object_get(c, "id"));

                                if (pod && cid && strcmp(pod, id) == 0)
                                        (void)runtime_remove(s, ctx, cid, true, timeout, NULL);
                        }
        }
        sandbox_stop(s, ctx, rec);
        vols = runtime_pod_volumes_dir(s, id);
        if (vols)
                (void)podvolumes_teardown(vols, NULL);
        if (rec_str(rec, "cgroupParent") && cgroup_detect(&sys, NULL) == 0) {
                struct cgroup *cg = NULL;

                /* what is still in it was started for the pod and never recorded: a play killed */
                if (cgroup_open(&sys, rec_str(rec, "cgroupParent"), &cg, NULL) == 0) {
                        (void)cgroup_kill_all(cg, SIGKILL, NULL);
                        (void)cgroup_destroy(cg, NULL);
                        cgroup_free(cg);
                }
                cgroup_system_done(&sys);
        }
        return storage_pod_remove(s, id, err);
}

/*
 * podman pod ps' status from the states of the containers (init containers
 * left out, as podman leaves them out) and of the sandbox, which counts as
 * podman's infra container: "Created" while it runs but nothing was
 * started yet (a pod just made by `berth pod create`, or kube play
 * --start=false), as podman's infra container is created and not started
 * until the pod is.
 */
static const char *
pod_status(const json_t *rec, size_t n, size_t running, size_t exited, size_t created)
{
        const char *state = rec_str(rec, "state");
        bool sandbox = state && strcmp(state, "running") == 0;

        if (state && strcmp(state, "creating") == 0)
                return "Created";
        if (sandbox && !rec_bool(rec, "started") && created == n)
                return "Created";
        running += sandbox;
        exited += !sandbox;
        n++;
        if (running == n)
                return "Running";
        if (running > 0)
                return "Degraded";
        if (exited == n)
                return "Exited";
        return exited > 0 ? "Stopped" : "Created";
}

/*
 * The pod's record with "status" and "containerStates" [{id, name, state,
 * init}] added: its init containers, then its containers.
 */
static int
summarize(struct storage *s, const struct berth_ctx *ctx, json_t *rec)
{
        const char *keys[] = {"initContainers", "containers"};
        json_t *states = json_array();
        size_t running = 0, exited = 0, created = 0, n = 0, i;
        const json_t *c;

        if (!states)
                return -ENOMEM;
        for (size_t k = 0; k < ELEMENTSOF(keys); k++)
                json_array_foreach (json_object_get(rec, keys[k]), i, c) {
                        _cleanup_(json_decrefp) json_t *info = NULL;
                        const char *st = "unknown", *name = "";
                        bool init = k == 0;

                        if (runtime_inspect(s, ctx, json_string_value(c), &info, NULL) == 0) {
                                st = json_string_value(json_object_get(info, "state")) ?: "unknown";
                                name = json_string_value(json_object_get(info, "name")) ?: "";
                        }
                        if (json_array_append_new(states,
                                                  json_pack("{s:O, s:s, s:s, s:b}", "id", c, "name",
                                                            name, "state", st, "init", init)) < 0) {
                                json_decref(states);
                                return -ENOMEM;
                        }
                        if (init)
                                continue;
                        n++;
                        running += strcmp(st, "running") == 0;
                        exited += strcmp(st, "exited") == 0;
                        created += strcmp(st, "created") == 0;
                }
        json_object_set_new(rec, "containerStates", states);
        json_object_set_new(rec, "status",
                            json_string(pod_status(rec, n, running, exited, created)));
        return 0;
}

int
runtime_pod_list(struct storage *s, const struct berth_ctx *ctx, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL, *out = json_array();
        json_t *p;
        size_t i;
        int r = storage_pods(s, &all, err);

        if (r < 0)
                return r;
        if (!out)
                return berr(err, ENOMEM, "pods");
        json_array_foreach (all, i, p) {
                json_t *rec = json_incref(p);

                if (refresh(s, ctx, &rec, NULL) < 0 || !rec) {
                        json_decref(rec);
                        continue;
                }
                if (summarize(s, ctx, rec) < 0) {
                        json_decref(rec);
                        return berr(err, ENOMEM, "pods");
                }
                json_array_append_new(out, rec);
        }
        *ret = TAKE_PTR(out);
        return 0;
}

int
runtime_pod_inspect(struct storage *s, const struct berth_ctx *ctx, const char *what, json_t **ret,
                    struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        int r = runtime_pod_find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        if (summarize(s, ctx, rec) < 0)
                return berr(err, ENOMEM, "pod");
        *ret = json_pack(
                "{s:O, s:O, s:O, s:O, s:O, s:O?, s:O, s:{s:O, s:O, s:O}, s:O, s:O, s:O, s:O}", "Id",
                json_object_get(rec, "id"), "Name", json_object_get(rec, "name"), "Namespace",
                json_object_get(rec, "namespace"), "Created", json_object_get(rec, "created"),
                "State", json_object_get(rec, "status"), "Hostname",
                json_object_get(rec, "hostname"), "Labels", json_object_get(rec, "labels"),
                "InfraConfig", "HostNetwork", json_object_get(rec, "hostNetwork"), "PortBindings",
                json_object_get(rec, "ports"), "IP", json_object_get(rec, "ip") ?: json_string(""),
                "CgroupParent", json_object_get(rec, "cgroupParent"), "Containers",
                json_object_get(rec, "containerStates"), "InitContainers",
                json_object_get(rec, "initContainers"), "Annotations",
                json_object_get(rec, "annotations"));
        return *ret ? 0 : berr(err, ENOMEM, "pod");
}
