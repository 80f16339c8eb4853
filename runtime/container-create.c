/*
 * runtime/container-create.c: `berth create`. The record first (state
 * "creating"), then the files: /etc/hosts, /etc/hostname, resolv.conf and
 * the bundle's config.json. User and group names resolve in the image's
 * own /etc/passwd and /etc/group, read from its layers as the overlay
 * would merge them, so nothing needs mounting yet. A failure removes
 * everything made so far.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "device-arg.h"
#include "oci.h"
#include "runtime.h"
#include "seccomp.h"
#include "spec.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"
#include "util/strv.h"

#define SPEC_MAX (16u << 20)

/* podman's way: adjective_surname, here from lists of berth's own */
static char *
make_name(void)
{
        static const char *const left[] = {
                "brave", "calm",  "eager", "fond",  "gentle", "happy", "jolly",  "keen",
                "lucid", "merry", "nifty", "proud", "quiet",  "sharp", "tender", "vivid",
        };
        static const char *const right[] = {
                "anchor", "beacon", "cutter",  "dinghy", "ferry", "galley", "harbor", "jetty",
                "keel",   "lagoon", "mooring", "pier",   "quay",  "rudder", "skiff",  "tug",
        };
        unsigned char r[3] = {0};
        char *name;

        if (getrandom(r, sizeof(r), 0) < 0)
                return NULL;
        if (asprintf(&name, "%s_%s%u", left[r[0] % ELEMENTSOF(left)],
                     right[r[1] % ELEMENTSOF(right)], (unsigned)r[2] % 100) < 0)
                return NULL;
        return name;
}

static bool
valid_name(const char *n)
{
        /* podman's: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
        if (!n[0] || !((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z') ||
                       (n[0] >= '0' && n[0] <= '9')))
                return false;
        for (const char *p = n; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
                        return false;
        return strlen(n) <= 253;
}

static int
write_text(const char *dir, const char *name, const char *text, struct berr **err)
{
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(text);

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return berr(err, ENOMEM, "%s", name);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return berr(err, errno, "create %s", p);
        if (write(fd, text, len) != (ssize_t)len)
                return berr(err, errno, "write %s", p);
        return 0;
}

int
container_write_etc(const char *dir, const char *hosts, const char *hostname, bool host_network,
                    struct berr **err)
{
        _cleanup_free_ char *hn = NULL, *resolv = NULL;
        _cleanup_close_ int fd = -EBADF;
        char buf[8192];
        ssize_t n;
        int r;

        if (asprintf(&hn, "%s\n", hostname) < 0)
                return berr(err, ENOMEM, "hosts");
        r = write_text(dir, "hosts", hosts, err);
        if (r == 0)
                r = write_text(dir, "hostname", hn, err);
        if (r < 0)
                return r;
        /* the host's resolver, as podman copies it; none when the host has none */
        fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
        n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
        buf[n > 0 ? n : 0] = '\0';
        if (!host_network) {
                /* a resolver on the host's loopback is not reachable from the container's */
                char *out = malloc(strlen(buf) + 1), *w = out, *line, *save = NULL;
                if (out) {
                        *w = '\0';
                        for (line = strtok_r(buf, "\n", &save); line;
                             line = strtok_r(NULL, "\n", &save)) {
                                if (strncmp(line, "nameserver 127.", 15) == 0 ||
                                    strncmp(line, "nameserver ::1", 14) == 0)
                                        continue;
                                w = stpcpy(stpcpy(w, line), "\n");
                        }
                }
                resolv = out;
        } else {
                resolv = strdup(buf);
        }
        if (!resolv)
                return berr(err, ENOMEM, "resolv.conf");
        return write_text(dir, "resolv.conf", resolv, err);
}

/* hosts, hostname and resolv.conf of the container, in its userdata */
static int
write_etc_files(const struct container_paths *p, const char *hostname, const char *network,
                struct berr **err)
{
        _cleanup_free_ char *hosts = NULL;

        if (asprintf(&hosts,
                     "127.0.0.1\tlocalhost localhost.localdomain localhost4 "
                     "localhost4.localdomain4\n"
                     "::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"
                     "127.0.1.1\t%s\n",
                     hostname) < 0)
                return berr(err, ENOMEM, "hosts");
        return container_write_etc(p->userdata, hosts, hostname, strcmp(network, "host") == 0, err);
}

/* lowerdir (top layer first), upperdir and workdir */
static int
overlay_options(struct storage *s, const char *image_id, const struct container_paths *p,
                char **ret, char ***ret_layers, struct berr **err)
{
        _cleanup_(strv_freep) char **dirs = NULL;
        _cleanup_free_ char **top_first = NULL;
        size_t n = 0, len;
        char *opts, *w;
        int r;

        r = storage_image_layer_dirs(s, image_id, &dirs, &n, err);
        if (r < 0)
                return r;
        if (n == 0)
                return berr(err, 0, "image %.12s has no layers", image_id);
        len = strlen("lowerdir=,upperdir=,workdir=") + strlen(p->upper) + strlen(p->work) + 1;
        for (size_t i = 0; i < n; i++)
                len += strlen(dirs[i]) + 1;
        /* the option syntax has no escapes */
        if (strpbrk(p->upper, ",:") || strpbrk(dirs[0], ",:"))
                return berr(err, 0,
                            "the store %s holds ',' or ':', which overlay options cannot carry",
                            storage_root(s));
        opts = malloc(len);
        if (!opts)
                return berr(err, ENOMEM, "overlay");
        w = stpcpy(opts, "lowerdir=");
        for (size_t i = n; i-- > 0;) {
                w = stpcpy(w, dirs[i]);
                if (i > 0)
                        *w++ = ':';
        }
        sprintf(w, ",upperdir=%s,workdir=%s", p->upper, p->work);
        /* the same directories, topmost first, for the spec's user lookup */
        top_first = calloc(n + 1, sizeof(*top_first));
        if (!top_first) {
                free(opts);
                return berr(err, ENOMEM, "overlay");
        }
        for (size_t i = 0; i < n; i++)
                top_first[i] = dirs[n - 1 - i];
        free(dirs);
        dirs = NULL;
        *ret_layers = TAKE_PTR(top_first);
        *ret = opts;
        return 0;
}

static int
parse_volume(const char *v, struct spec_mount *m, char **ret_src, char **ret_dst, struct berr **err)
{
        _cleanup_free_ char *copy = strdup(v);
        char *src, *dst, *opts, *save = NULL, *o;

        if (!copy)
                return berr(err, ENOMEM, "volume");
        src = copy;
        dst = strchr(src, ':');
        if (!dst)
                return berr(err, 0,
                            "--volume %s: expected SOURCE:DESTINATION[:OPTIONS] (berth has no "
                            "anonymous volumes)",
                            v);
        *dst++ = '\0';
        opts = strchr(dst, ':');
        if (opts)
                *opts++ = '\0';
        if (src[0] != '/')
                return berr(err, 0,
                            "--volume %s: the source must be an absolute path (named volumes come "
                            "with kube play)",
                            v);
        if (dst[0] != '/')
                return berr(err, 0, "--volume %s: the destination must be an absolute path", v);
        memset(m, 0, sizeof(*m));
        m->type = "bind";
        m->recursive = true;
        for (o = opts ? strtok_r(opts, ",", &save) : NULL; o; o = strtok_r(NULL, ",", &save)) {
                if (strcmp(o, "ro") == 0)
                        m->readonly = true;
                else if (strcmp(o, "rw") == 0)
                        m->readonly = false;
                else if (strcmp(o, "nosuid") == 0)
                        m->nosuid = true;
                else if (strcmp(o, "nodev") == 0)
                        m->nodev = true;
                else if (strcmp(o, "noexec") == 0)
                        m->noexec = true;
                else if (strcmp(o, "bind") == 0)
                        m->recursive = false;
                else if (strcmp(o, "rbind") == 0)
                        m->recursive = true;
                else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0)
                        ; /* SELinux relabelling: nothing to do where SELinux is off */
                else
                        return berr(err, 0, "--volume %s: unknown option \"%s\"", v, o);
        }
        *ret_src = strdup(src);
        *ret_dst = strdup(dst);
        if (!*ret_src || !*ret_dst)
                return berr(err, ENOMEM, "volume");
        m->source = *ret_src;
        m->destination = *ret_dst;
        return 0;
}

/* RUNROOT/containers/<id>/rootfs, where the root is mounted (in the container's namespace) */
static int
make_run_dirs(const struct berth_ctx *ctx, const struct container_paths *p, struct berr **err)
{
        _cleanup_free_ char *containers = NULL;

        if (asprintf(&containers, "%s/containers", ctx->runroot) < 0)
                return berr(err, ENOMEM, "runroot");
        if (mkdir(ctx->runroot, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", ctx->runroot);
        if (mkdir(containers, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", containers);
        if (mkdir(p->run, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", p->run);
        if (mkdir(p->rootfs, 0755) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", p->rootfs);
        return 0;
}

struct build {
        const struct runtime_create_opts *o;
        const struct container_paths *p;
        const char *overlay, *hostname, *id, *cgroups_path;
        char *const *layers; /* the image's layer directories, topmost first */
        const json_t *pod;   /* the pod's record, for a container of a pod */
        const char *ns_dir;  /* RUNROOT/pods/<id>/ns, the pod's namespaces */
        const char *pod_etc; /* ROOT/pods/<id>/etc: its hosts, hostname, resolv.conf */
        json_t *image_config;
        json_t *seccomp_file; /* --security-opt seccomp=FILE, read before the fork */
};

/* The capabilities the spec gives the process, as names, for the seccomp profile. */
static const char **
spec_caps(const json_t *spec, size_t *ret_n)
{
        const json_t *list = json_object_get(
                json_object_get(json_object_get(spec, "process"), "capabilities"), "bounding");
        const char **v = calloc(json_array_size(list) + 1, sizeof(*v));
        const json_t *e;
        size_t i;

        if (!v)
                return NULL;
        json_array_foreach (list, i, e)
                v[i] = json_string_value(e);
        *ret_n = json_array_size(list);
        return v;
}

/*
 * What a container of a pod takes from it: the pod's namespaces (joined
 * through the files berth-pause's are bind-mounted on), its volumes, its
 * sysctls, Kubernetes' user, groups and no_new_privs, the requests. The
 * hostname is the pod's (its UTS namespace), so none is set here.
 */
static int
pod_spec(const struct build *b, struct spec_opts *so, struct spec_mount **ret_mounts,
         struct spec_kv **ret_sysctls, char ***ret_ns, struct berr **err)
{
        const struct runtime_pod_member *m = b->o->pod;
        static const struct {
                enum spec_ns_type type;
                const char *file, *host_flag;
        } nss[] = {
                {SPEC_NS_NETWORK, "net", "hostNetwork"},
                {SPEC_NS_IPC, "ipc", "hostIPC"},
                {SPEC_NS_UTS, "uts", NULL},
                {SPEC_NS_PID, "pid", "hostPID"},
        };
        size_t n_sysctls = strv_length(m->sysctls);
        const size_t n_ns = sizeof(nss) / sizeof(nss[0]);
        /* the strings made here, freed by the caller: namespace paths, then sysctl names */
        char **paths = calloc(n_ns + n_sysctls + 1, sizeof(char *));
        size_t k = 0; /* paths used, without gaps (strv_free stops at the first NULL) */

        if (!paths)
                return berr(err, ENOMEM, "spec");
        *ret_ns = paths;
        for (size_t i = 0; i < n_ns; i++) {
                if (nss[i].host_flag && json_is_true(json_object_get(b->pod, nss[i].host_flag))) {
                        so->ns[nss[i].type].mode = SPEC_NS_HOST;
                        continue;
                }
                /* a PID namespace of the pod's only when it shares one */
                if (nss[i].type == SPEC_NS_PID &&
                    !json_is_true(json_object_get(b->pod, "sharePid")))
                        continue;
                if (asprintf(&paths[k], "%s/%s", b->ns_dir, nss[i].file) < 0)
                        return berr(err, ENOMEM, "spec");
                so->ns[nss[i].type].mode = SPEC_NS_JOIN;
                so->ns[nss[i].type].path = paths[k++];
        }
        so->hostname = NULL;
        so->literal_args = true; /* kube play expanded them, as kubelet does */
        so->run_as_user = m->run_as_user;
        so->run_as_group = m->run_as_group;
        so->supplemental_groups = m->supplemental_groups;
        so->n_supplemental_groups = m->n_supplemental_groups;
        so->allow_privilege_escalation = !m->no_new_privs;
        so->resources.cpu_request_millis = m->cpu_request_millis;
        so->resources.memory_reservation = m->memory_request;
        if (m->n_mounts > 0) {
                struct spec_mount *mounts = calloc(m->n_mounts, sizeof(*mounts));

                if (!mounts)
                        return berr(err, ENOMEM, "spec");
                for (size_t i = 0; i < m->n_mounts; i++) {
                        mounts[i].source = m->mounts[i].source;
                        mounts[i].destination = m->mounts[i].destination;
                        mounts[i].type = "bind";
                        mounts[i].recursive = true;
                        mounts[i].readonly = m->mounts[i].read_only;
                        mounts[i].propagation = m->mounts[i].propagation;
                }
                *ret_mounts = mounts;
        }
        if (n_sysctls > 0) {
                struct spec_kv *kv = calloc(n_sysctls, sizeof(*kv));

                if (!kv)
                        return berr(err, ENOMEM, "spec");
                for (size_t i = 0; i < n_sysctls; i++) {
                        char *eq = strchr(m->sysctls[i], '=');
                        if (!eq)
                                return berr(err, EINVAL, "sysctl %s: expected name=value",
                                            m->sysctls[i]);
                        paths[k] = strndup(m->sysctls[i], (size_t)(eq - m->sysctls[i]));
                        if (!paths[k])
                                return berr(err, ENOMEM, "spec");
                        kv[i].key = paths[k++];
                        kv[i].value = eq + 1;
                }
                so->sysctls = kv;
                so->n_sysctls = n_sysctls;
                *ret_sysctls = kv;
        }
        return 0;
}

void
runtime_create_memo_clear(struct runtime_create_memo *m)
{
        free(m->caps);
        json_decref(m->profile);
        *m = (struct runtime_create_memo){0};
}

/* The default seccomp profile for caps: memo's when it was made for the same ones */
static int
default_profile(struct runtime_create_memo *memo, const char *const *caps, size_t n_caps,
                json_t **ret, struct berr **err)
{
        _cleanup_free_ char *key = NULL;
        size_t len = 1;
        char *w;
        int r;

        if (!memo)
                return seccomp_profile_default(caps, n_caps, ret, err);
        for (size_t i = 0; i < n_caps; i++)
                len += (caps[i] ? strlen(caps[i]) : 0) + 1;
        key = w = malloc(len);
        if (!key)
                return berr(err, ENOMEM, "seccomp");
        for (size_t i = 0; i < n_caps; i++) {
                size_t n = caps[i] ? strlen(caps[i]) : 0;

                if (n)
                        memcpy(w, caps[i], n);
                w[n] = ',';
                w += n + 1;
        }
        *w = '\0';
        if (memo->profile && strcmp(memo->caps, key) == 0) {
                *ret = json_incref(memo->profile);
                return 0;
        }
        r = seccomp_profile_default(caps, n_caps, ret, err);
        if (r < 0)
                return r;
        runtime_create_memo_clear(memo);
        memo->caps = TAKE_PTR(key);
        memo->profile = json_incref(*ret);
        return 0;
}

static int
build_spec(const struct build *b, json_t **ret, struct berr **err)
{
        const struct runtime_create_opts *o = b->o;
        struct spec_opts so = {0};
        struct spec_kv ann[] = {{OCI_ANNOTATION_OVERLAY, b->overlay}};
        const struct spec_kv ping_sysctl[] = {{"net.ipv4.ping_group_range", "0 0"}};
        _cleanup_free_ struct spec_env *env = NULL;
        _cleanup_free_ struct spec_mount *mounts = NULL;
        _cleanup_(strv_freep) char **vsrc = NULL, **vdst = NULL, **envs = strv_copy(o->env);
        _cleanup_(json_decrefp) json_t *spec = NULL;
        _cleanup_free_ char *hosts = NULL, *hostname = NULL, *resolv = NULL;
        _cleanup_free_ struct spec_mount *pod_mounts = NULL;
        _cleanup_free_ struct spec_kv *pod_sysctls = NULL;
        _cleanup_(strv_freep) char **pod_ns = NULL;
        _cleanup_(device_list_done) struct device_list devices = {0};
        size_t n_env = strv_length(o->env), n_vol = strv_length(o->volumes);
        int r;

        if (n_env > 0 && !envs)
                return berr(err, ENOMEM, "env");
        so.rootfs = b->p->rootfs;
        so.layers = (const char *const *)b->layers;
        so.n_layers = strv_length(b->layers);
        so.readonly_rootfs = o->read_only;
        so.readonly_tmpfs = o->read_only;
        so.annotations = ann;
        so.n_annotations = 1;
        so.image_config = json_object_get(b->image_config, "config");
        so.command = (const char *const *)o->entrypoint;
        so.n_command = strv_length(o->entrypoint);
        so.args = (const char *const *)o->args;
        so.n_args = strv_length(o->args);
        so.literal_args = true;
        if (n_env > 0 && !(env = calloc(n_env, sizeof(*env))))
                return berr(err, ENOMEM, "env");
        for (size_t i = 0; i < n_env; i++) {
                char *eq = strchr(envs[i], '=');
                if (!eq)
                        return berr(err, 0, "--env %s: expected NAME=VALUE", o->env[i]);
                *eq = '\0';
                env[i].name = envs[i];
                env[i].value = eq + 1;
                env[i].literal = true;
        }
        so.env = env;
        so.n_env = n_env;
        so.working_dir = o->workdir;
        so.tty = o->tty;
        so.user = o->user;
        so.hostname = b->hostname;
        if (b->pod) {
                r = pod_spec(b, &so, &pod_mounts, &pod_sysctls, &pod_ns, err);
                if (r < 0)
                        return r;
        } else if (o->network && strcmp(o->network, "host") == 0) {
                so.ns[SPEC_NS_NETWORK].mode = SPEC_NS_HOST;
        } else {
                /* podman's default: ping without CAP_NET_RAW, in the container's own network */
                so.sysctls = ping_sysctl;
                so.n_sysctls = 1;
        }
        if (asprintf(&hosts, "%s/hosts", b->pod_etc ? b->pod_etc : b->p->userdata) < 0 ||
            asprintf(&hostname, "%s/hostname", b->pod_etc ? b->pod_etc : b->p->userdata) < 0 ||
            asprintf(&resolv, "%s/resolv.conf", b->pod_etc ? b->pod_etc : b->p->userdata) < 0)
                return berr(err, ENOMEM, "spec");
        so.hosts_path = hosts;
        so.hostname_path = hostname;
        so.resolv_conf_path = resolv;
        if (n_vol > 0) {
                mounts = calloc(n_vol, sizeof(*mounts));
                vsrc = calloc(n_vol + 1, sizeof(*vsrc));
                vdst = calloc(n_vol + 1, sizeof(*vdst));
                if (!mounts || !vsrc || !vdst)
                        return berr(err, ENOMEM, "volumes");
        }
        for (size_t i = 0; i < n_vol; i++) {
                r = parse_volume(o->volumes[i], &mounts[i], &vsrc[i], &vdst[i], err);
                if (r < 0)
                        return r;
        }
        so.mounts = b->pod ? pod_mounts : mounts;
        so.n_mounts = b->pod ? o->pod->n_mounts : n_vol;
        /* a privileged container has the host's devices, as with podman and the kubelet */
        r = o->privileged ? devices_of_host("/dev", &devices, err) : 0;
        for (char **d = o->devices; r >= 0 && d && *d; d++)
                r = device_list_add_arg(&devices, *d, err);
        if (r < 0)
                return r;
        so.devices = devices.v;
        so.n_devices = devices.n;
        so.privileged = o->privileged;
        so.cap_add = (const char *const *)o->cap_add;
        so.n_cap_add = strv_length(o->cap_add);
        so.cap_drop = (const char *const *)o->cap_drop;
        so.n_cap_drop = strv_length(o->cap_drop);
        so.resources.memory_limit = o->memory;
        so.resources.cpu_limit_millis = o->cpu_millis;
        so.resources.pids_limit = o->pids_limit > 0    ? o->pids_limit
                                  : o->pids_limit == 0 ? RUNTIME_PIDS_LIMIT
                                                       : 0;
        so.resources.cpuset_cpus = o->cpuset_cpus;
        so.cgroups_path = b->cgroups_path;

        r = spec_build(&so, &spec, err);
        if (r < 0)
                return r;
        /* seccomp last: the default profile depends on the capabilities the spec gives */
        if (!o->privileged && !(o->seccomp && strcmp(o->seccomp, "unconfined") == 0)) {
                json_t *profile = NULL;
                size_t n_caps = 0;
                _cleanup_free_ const char **caps = spec_caps(spec, &n_caps);

                if (!caps)
                        return berr(err, ENOMEM, "seccomp");
                if (b->seccomp_file)
                        profile = json_incref(b->seccomp_file);
                else
                        r = default_profile(o->memo, caps, n_caps, &profile, err);
                if (r < 0)
                        return r;
                json_object_set_new(json_object_get(spec, "linux"), "seccomp", profile);
        }
        *ret = TAKE_PTR(spec);
        return 0;
}

int
runtime_create(struct storage *s, const struct berth_ctx *ctx, const struct runtime_create_opts *o,
               char **ret_id, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *image_config = NULL, *spec = NULL,
                                       *seccomp_file = NULL, *changes = NULL, *cmd = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_(strv_freep) char **layers = NULL;
        _cleanup_(json_decrefp) json_t *pod = NULL;
        _cleanup_free_ char *pod_ns = NULL, *pod_etc = NULL;
        _cleanup_free_ char *name = NULL, *id = NULL, *overlay = NULL, *cgpath = NULL,
                            *hostname = NULL;
        struct storage_image img = {0};
        struct build b = {0};
        const char *network = o->network ? o->network : "private";
        json_t *labels;
        int r;

        if (o->name && !valid_name(o->name))
                return berr(err, 0, "container name \"%s\": expected [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                            o->name);
        if (strcmp(network, "private") != 0 && strcmp(network, "none") != 0 &&
            strcmp(network, "host") != 0)
                return berr(err, 0,
                            "--network %s: expected none, host or private (bridge networks come "
                            "with pods)",
                            network);
        if (o->runtime && o->runtime[0] && strcmp(o->runtime, "runc") != 0 &&
            strcmp(o->runtime, "crun") != 0 && access(o->runtime, X_OK) < 0)
                return berr(err, errno,
                            "--runtime %s: expected runc, crun or the path of an OCI "
                            "runtime",
                            o->runtime);
        if (o->seccomp && strcmp(o->seccomp, "unconfined") != 0) {
                r = seccomp_profile_read(o->seccomp, NULL, 0, &seccomp_file, err);
                if (r < 0)
                        return r;
        }
        r = storage_image_find(s, o->image, &img, err);
        if (r < 0)
                return r;
        r = storage_image_config(s, img.id, &image_config, err);
        if (r < 0)
                goto out_img;

        name = o->name ? strdup(o->name) : make_name();
        labels = json_object();
        for (char **l = o->labels; l && *l; l++) {
                char *eq = strchr(*l, '=');
                _cleanup_free_ char *k = strndup(*l, eq ? (size_t)(eq - *l) : strlen(*l));
                if (k)
                        json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
        }
        rec = json_pack("{s:s?, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:o}", "name", name,
                        "imageId", img.id, "imageName", img.n_names > 0 ? img.names[0] : img.id,
                        "runtime", o->runtime ? o->runtime : "", "tty", o->tty, "autoRemove",
                        o->auto_remove, "stopSignal", o->stop_signal ? o->stop_signal : "",
                        "stopTimeout", (json_int_t)(o->stop_timeout < 0 ? 10 : o->stop_timeout),
                        "logMaxSize", (json_int_t)o->log_max_size, "labels", labels);
        if (!rec || !name) {
                r = berr(err, ENOMEM, "container record");
                goto out_img;
        }
        json_object_set_new(rec, "attached", json_boolean(o->attached));
        if (o->pod) {
                json_object_set_new(rec, "pod", json_string(o->pod->pod_id));
                json_object_set_new(rec, "init", json_boolean(o->pod->init));
        }
        if (o->restart_policy)
                json_object_set_new(rec, "restartPolicy", json_string(o->restart_policy));
        if (o->probes)
                json_object_set_new(rec, "probes", json_deep_copy(o->probes));
        if (o->lifecycle)
                json_object_set_new(rec, "lifecycle", json_deep_copy(o->lifecycle));
        json_object_set_new(rec, "interactive", json_boolean(o->interactive));
        /* who is creating it: a record whose creator died is a create that failed */
        json_object_set_new(rec, "creatorPid", json_integer(getpid()));
        json_object_set_new(rec, "creatorStart",
                            json_integer((json_int_t)container_pid_start(getpid())));
        r = storage_container_create(s, rec, &id, err);
        if (r < 0)
                goto out_img;

        r = container_paths(s, ctx, id, &p, err);
        if (r < 0)
                goto fail;
        if (o->pod) {
                _cleanup_free_ char *pdir = NULL;

                r = storage_pod_find(s, o->pod->pod_id, &pod, err);
                if (r == 0)
                        r = storage_pod_dir(s, json_string_value(json_object_get(pod, "id")), &pdir,
                                            err);
                if (r < 0)
                        goto fail;
                if (asprintf(&cgpath, "%s/%s",
                             json_string_value(json_object_get(pod, "cgroupParent")), id) < 0 ||
                    asprintf(&pod_ns, "%s/pods/%s/ns", ctx->runroot,
                             json_string_value(json_object_get(pod, "id"))) < 0 ||
                    asprintf(&pod_etc, "%s/etc", pdir) < 0 ||
                    !(hostname =
                              strdup(json_string_value(json_object_get(pod, "hostname")) ?: id))) {
                        r = berr(err, ENOMEM, "container");
                        goto fail;
                }
                network = "pod";
        } else if (asprintf(&cgpath, "/berth/%s", id) < 0 ||
                   !(hostname = o->hostname ? strdup(o->hostname) : strndup(id, 12))) {
                r = berr(err, ENOMEM, "container");
                goto fail;
        }
        r = make_run_dirs(ctx, &p, err);
        if (r < 0)
                goto fail;
        r = o->pod ? 0 : write_etc_files(&p, hostname, network, err);
        if (r < 0)
                goto fail;
        r = overlay_options(s, img.id, &p, &overlay, &layers, err);
        if (r < 0)
                goto fail;

        b.o = o;
        b.p = &p;
        b.overlay = overlay;
        b.layers = layers;
        b.hostname = hostname;
        b.id = id;
        b.cgroups_path = cgpath;
        b.pod = pod;
        b.ns_dir = pod_ns;
        b.pod_etc = pod_etc;
        b.image_config = image_config;
        b.seccomp_file = seccomp_file;
        r = build_spec(&b, &spec, err);
        if (r < 0)
                goto fail;
        {
                _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2) | JSON_SORT_KEYS);
                r = text ? write_text(p.userdata, "config.json", text, err)
                         : berr(err, ENOMEM, "write %s", p.config);
                if (r < 0)
                        goto fail;
        }
        cmd = json_deep_copy(json_object_get(json_object_get(spec, "process"), "args"));
        changes = json_pack("{s:s, s:s, s:o, s:s}", "state", "created", "cgroupPath", cgpath,
                            "command", cmd ? json_incref(cmd) : json_array(), "network", network);
        if (changes && !o->stop_signal) {
                /* the image's StopSignal, as the spec's annotation has it */
                const char *sig =
                        json_string_value(json_object_get(json_object_get(spec, "annotations"),
                                                          "org.opencontainers.image.stopSignal"));
                if (sig)
                        json_object_set_new(changes, "stopSignal", json_string(sig));
        }
        /*
         * Durable, but not here for a container run in the foreground (it lives
         * as long as the caller waits) nor for a pod's (runtime_pod_add_containers
         * makes all of a pod's new records durable at once, before the pod's
         * record names them).
         */
        r = changes ? storage_container_update(s, id, changes, !o->attached && !o->pod, err)
                    : berr(err, ENOMEM, "record");
        if (r < 0)
                goto fail;
        if (o->ret_spec)
                *o->ret_spec = TAKE_PTR(spec);
        *ret_id = TAKE_PTR(id);
        storage_image_clear(&img);
        return 0;
fail:
        if (p.run)
                (void)rmdir(p.rootfs), (void)rmdir(p.run);
        (void)storage_container_remove(s, id, NULL);
out_img:
        storage_image_clear(&img);
        return r;
}
