/*
 * tests/unit/reconcile/test-podvolumes.c: a pod's volumes made for real in
 * a temp dir (root: tmpfs and bind mounts are real mounts, checked with
 * statfs and /proc/self/mountinfo): emptyDir on disk and in memory with
 * its size, every hostPath type (a real unix socket, /dev/null, a block
 * device node), the atomic writer's layout and its update, modes under a
 * umask of 077, ConfigMaps and Secrets from the play or the store,
 * optional sources, the downward API's formats, projected volumes, claims
 * as named volumes, subPaths and the symlinks that would lead out of a
 * volume. Each test unmounts and removes all it made, whatever happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "kube/kube.h"
#include "reconcile/podvolumes.h"
#include "storage/kubeobjects.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define MiB (1024 * 1024)

struct env {
        char base[64];
        char store[128];
        char pod[128];  /* the pod's volume directory (made by podvolumes_setup) */
        char host[128]; /* for hostPath volumes */
        struct storage *s;
        int64_t node_memory, node_cpu_millis;
};

/* ---------------------------------------------------------------- helpers */

/* mountinfo's octal escapes (\040 for a space) undone in place */
static void
unescape(char *s)
{
        char *o = s;

        for (; *s; s++, o++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] && s[3]) {
                        *o = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *o = *s;
                }
        }
        *o = '\0';
}

/* The mount points at or below prefix, as many times as they are stacked; into out if given. */
static int
mounts_under(const char *prefix, char out[][256], int max)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        size_t n = strlen(prefix);
        int count = 0;

        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f)) {
                char mp[2048];

                if (sscanf(line, "%*s %*s %*s %*s %2047s", mp) != 1)
                        continue;
                unescape(mp);
                if (strncmp(mp, prefix, n) != 0 || (mp[n] != '\0' && mp[n] != '/'))
                        continue;
                if (out && count < max)
                        snprintf(out[count], 256, "%.255s", mp);
                count++;
        }
        fclose(f);
        return count;
}

static bool
env_open(struct env *e)
{
        struct storage_opts o = {.tls_verify = -1};
        struct berr *err = NULL;

        memset(e, 0, sizeof(*e));
        snprintf(e->base, sizeof(e->base), "/tmp/berth-test-podvol-XXXXXX");
        if (!mkdtemp(e->base)) {
                e->base[0] = '\0';
                return false;
        }
        snprintf(e->store, sizeof(e->store), "%s/store", e->base);
        snprintf(e->pod, sizeof(e->pod), "%s/pods/p1/volumes", e->base);
        snprintf(e->host, sizeof(e->host), "%s/host", e->base);
        if (mkdir(e->host, 0755) < 0)
                return false;
        o.root = e->store;
        if (storage_open(&o, &e->s, &err) < 0) {
                berr_free(err);
                return false;
        }
        return true;
}

/* Whatever the test left: teardown, then any mount still below base, then the files. */
static void
env_close(struct env *e)
{
        struct berr *err = NULL;
        char left[64][256];

        e->s = storage_close(e->s);
        if (e->base[0] != '/')
                return;
        check(podvolumes_teardown(e->pod, &err) == 0);
        if (err)
                fprintf(stderr, "  teardown: %s\n", err->msg);
        err = berr_free(err);
        check(mounts_under(e->base, NULL, 0) == 0);
        for (int tries = 0; tries < 8; tries++) {
                int n = mounts_under(e->base, left, 64);

                if (n <= 0)
                        break;
                for (int i = (n > 64 ? 64 : n) - 1; i >= 0; i--)
                        (void)umount2(left[i], MNT_DETACH);
        }
        check(rm_rf_at(AT_FDCWD, e->base) == 0);
}

static struct kube_meta pod_meta = {.name = "web", .namespace_ = "default"};

static int
setup_with(struct env *e, const struct kube_meta *meta, const struct kube_pod_spec *spec,
           const struct kube_configmap *const *cms, size_t n_cms,
           const struct kube_secret *const *secs, size_t n_secs, struct podvolumes **pv,
           struct berr **err)
{
        struct podvolumes_opts o = {
                .dir = e->pod,
                .pod_uid = "0b1c2d3e-uid",
                .meta = meta ? meta : &pod_meta,
                .spec = spec,
                .configmaps = cms,
                .n_configmaps = n_cms,
                .secrets = secs,
                .n_secrets = n_secs,
                .store = e->s,
                .node_cpu_millis = e->node_cpu_millis,
                .node_memory = e->node_memory,
        };

        return podvolumes_setup(&o, pv, err);
}

static int
setup_spec(struct env *e, const struct kube_pod_spec *spec, struct podvolumes **pv,
           struct berr **err)
{
        return setup_with(e, NULL, spec, NULL, 0, NULL, 0, pv, err);
}

static struct kube_qty
qty(const char *text)
{
        struct kube_qty q = {.text = text};

        if (kube_quantity_parse(text, &q.q) < 0)
                abort();
        return q;
}

static char *
path_in(const struct env *e, const char *rel)
{
        static char buf[4][1024];
        static int k;

        k = (k + 1) % 4;
        snprintf(buf[k], sizeof(buf[k]), "%s/%s", e->pod, rel);
        return buf[k];
}

static mode_t
mode_of(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static mode_t
lmode_of(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0 ? st.st_mode : 0;
}

/* The file's content (NUL-terminated, static); NULL when unreadable. */
static const char *
content(const char *path, size_t *len)
{
        static char buf[8192];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        if (len)
                *len = (size_t)n;
        return buf;
}

static const char *
link_of(const char *path)
{
        static char buf[2][512];
        static int k;
        ssize_t n;

        k = (k + 1) % 2;
        n = readlink(path, buf[k], sizeof(buf[k]) - 1);
        if (n < 0)
                return NULL;
        buf[k][n] = '\0';
        return buf[k];
}

/* The size of the tmpfs at path in bytes; -1 when it is not a tmpfs. */
static long long
tmpfs_size(const char *path)
{
        struct statfs sf;

        if (statfs(path, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
                return -1;
        return (long long)sf.f_blocks * (long long)sf.f_bsize;
}

static bool
is_ts_name(const char *s)
{
        unsigned y, mo, d, h, mi, se;
        char rest[64];

        return s &&
               sscanf(s, "..%4u_%2u_%2u_%2u_%2u_%2u.%63s", &y, &mo, &d, &h, &mi, &se, rest) == 7 &&
               strspn(rest, "0123456789") == strlen(rest) && y >= 2024;
}

static bool
opts_are(char **opts, const char *a, const char *b, const char *c)
{
        return opts && opts[0] && opts[1] && opts[2] && !opts[3] && streq(opts[0], a) &&
               streq(opts[1], b) && streq(opts[2], c);
}

/* ---------------------------------------------------------------- emptyDir */

static void
test_empty_dir(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_empty_dir ed = {.medium = ""};
        struct kube_volume vols[] = {{.name = "scratch", .empty_dir = &ed}};
        struct kube_volume_mount vms[] = {
                {.name = "scratch", .mount_path = "/scratch"},
                {.name = "scratch",
                 .mount_path = "/ro",
                 .read_only = true,
                 .mount_propagation = "HostToContainer"},
        };
        struct kube_volume_mount ivm[] = {
                {.name = "scratch", .mount_path = "/init", .mount_propagation = "Bidirectional"}};
        struct kube_container ics[] = {
                {.name = "prep", .volume_mounts = ivm, .n_volume_mounts = 1}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 2},
                                      {.name = "bare"}};
        struct kube_pod_spec spec = {.containers = cs,
                                     .n_containers = 2,
                                     .init_containers = ics,
                                     .n_init_containers = 1,
                                     .volumes = vols,
                                     .n_volumes = 1};
        const struct podvolumes_container *c;

        check(env_open(&e));
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(mode_of(e.pod) == 0700);
        check(S_ISDIR(lmode_of(path_in(&e, "scratch"))));
        /* 0777 under a umask of 077, as the kubelet's setupDir() */
        check(mode_of(path_in(&e, "scratch")) == 0777);
        check(tmpfs_size(path_in(&e, "scratch")) < 0);
        check(pv && pv->n_containers == 3);
        if (pv && pv->n_containers == 3) {
                check(pv->containers[0].init && streq(pv->containers[0].name, "prep"));
                check(!pv->containers[1].init && streq(pv->containers[1].name, "app"));
                check(pv->containers[2].n_mounts == 0);
                c = podvolumes_container(pv, "app");
                check(c == &pv->containers[1]);
                check(podvolumes_container(pv, "nope") == NULL);
                check(c->n_mounts == 2);
                check_str(c->mounts[0].source, path_in(&e, "scratch"));
                check_str(c->mounts[0].destination, "/scratch");
                check(!c->mounts[0].read_only);
                check(opts_are(c->mounts[0].options, "rbind", "rw", "rprivate"));
                check(c->mounts[1].read_only);
                check(opts_are(c->mounts[1].options, "rbind", "ro", "rslave"));
                check(opts_are(pv->containers[0].mounts[0].options, "rbind", "rw", "rshared"));
        }
        pv = podvolumes_free(pv);

        /* the directory given with a trailing '/': the same paths */
        {
                char slash[200];
                struct podvolumes_opts o = {.dir = slash, .meta = &pod_meta, .spec = &spec};

                snprintf(slash, sizeof(slash), "%s/", e.pod);
                check(podvolumes_setup(&o, &pv, &err) == 0);
                check(pv && streq(pv->dir, e.pod));
                check(pv && pv->n_containers == 3 &&
                      streq(pv->containers[1].mounts[0].source, path_in(&e, "scratch")));
                pv = podvolumes_free(pv);
        }
        /* a second setup keeps what the first one's containers wrote */
        {
                char f[600];
                int fd;

                snprintf(f, sizeof(f), "%s/kept", path_in(&e, "scratch"));
                fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                check(fd >= 0);
                if (fd >= 0)
                        close(fd);
                check(setup_spec(&e, &spec, &pv, &err) == 0);
                check(access(f, F_OK) == 0);
                pv = podvolumes_free(pv);
        }
        env_close(&e);
}

static void
test_empty_dir_memory(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_empty_dir small = {.medium = "Memory", .size_limit = qty("2Mi")};
        struct kube_empty_dir nolimit = {.medium = "Memory"};
        struct kube_empty_dir big = {.medium = "Memory", .size_limit = qty("8Mi")};
        struct kube_volume vols[] = {{.name = "small", .empty_dir = &small},
                                     {.name = "nolimit", .empty_dir = &nolimit},
                                     {.name = "big", .empty_dir = &big}};
        struct kube_resource lim[] = {{.name = "memory", .qty = qty("3Mi")}};
        struct kube_resources res = {.limits = lim, .n_limits = 1};
        struct kube_container cs[] = {{.name = "app", .resources = &res}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 3};

        check(env_open(&e));
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* sizeLimit; else the pod's limit; a sizeLimit above the pod's limit is not taken */
        check(tmpfs_size(path_in(&e, "small")) == 2 * MiB);
        check(tmpfs_size(path_in(&e, "nolimit")) == 3 * MiB);
        check(tmpfs_size(path_in(&e, "big")) == 3 * MiB);
        check(mounts_under(path_in(&e, "small"), NULL, 0) == 1);
        pv = podvolumes_free(pv);
        /* again: the tmpfs (and what is in it) stays, nothing is stacked on it */
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        check(mounts_under(path_in(&e, "small"), NULL, 0) == 1);
        pv = podvolumes_free(pv);
        check(podvolumes_teardown(e.pod, &err) == 0);
        check(mounts_under(e.base, NULL, 0) == 0);
        check(access(e.pod, F_OK) < 0 && errno == ENOENT);

        /* no container limit: the machine's memory is the cap */
        cs[0].resources = NULL;
        e.node_memory = 5 * MiB;
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        check(tmpfs_size(path_in(&e, "small")) == 2 * MiB);
        check(tmpfs_size(path_in(&e, "nolimit")) == 5 * MiB);
        check(tmpfs_size(path_in(&e, "big")) == 5 * MiB);
        pv = podvolumes_free(pv);
        check(podvolumes_teardown(e.pod, &err) == 0);

        /* HugePages is refused, and the directory this call made is gone again */
        {
                struct kube_empty_dir hp = {.medium = "HugePages-2Mi"};
                struct kube_volume hv[] = {{.name = "small", .empty_dir = &small},
                                           {.name = "h", .empty_dir = &hp}};
                struct kube_pod_spec hs = {.volumes = hv, .n_volumes = 2};

                check(setup_spec(&e, &hs, &pv, &err) == -EINVAL);
                check_str(err ? err->msg : NULL,
                          "volume \"h\": emptyDir medium HugePages-2Mi is not supported by berth, "
                          "expected \"\" or Memory");
                err = berr_free(err);
                check(pv == NULL);
                check(mounts_under(e.base, NULL, 0) == 0);
                check(access(e.pod, F_OK) < 0 && errno == ENOENT);
        }
        env_close(&e);
}

/* ---------------------------------------------------------------- hostPath */

/* Set up a pod with one hostPath volume "h" (path, type); the error message or NULL. */
static int
host_path_setup(struct env *e, const char *path, const char *type, char *msg, size_t size)
{
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_host_path hp = {.path = path, .type = type};
        struct kube_volume vols[] = {{.name = "h", .host_path = &hp}};
        struct kube_volume_mount vms[] = {{.name = "h", .mount_path = "/h"}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 1}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 1};
        int r = setup_spec(e, &spec, &pv, &err);

        snprintf(msg, size, "%s", err ? err->msg : "");
        if (r == 0) {
                check(pv && pv->containers[0].n_mounts == 1 &&
                      streq(pv->containers[0].mounts[0].source, path));
        }
        berr_free(err);
        podvolumes_free(pv);
        check(podvolumes_teardown(e->pod, NULL) == 0);
        return r;
}

static void
test_host_path_types(void)
{
        struct env e = {0};
        char file[256], dir[256], sock[256], blk[256], missing[256], nested[256], msg[1024],
                want[1024];
        int fd;

        check(env_open(&e));
        snprintf(file, sizeof(file), "%s/file", e.host);
        snprintf(dir, sizeof(dir), "%s/dir", e.host);
        snprintf(sock, sizeof(sock), "%s/sock", e.host);
        snprintf(blk, sizeof(blk), "%s/blk", e.host);
        snprintf(missing, sizeof(missing), "%s/missing", e.host);
        snprintf(nested, sizeof(nested), "%s/new/a/b", e.host);
        fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        check(fd >= 0);
        if (fd >= 0)
                close(fd);
        check(mkdir(dir, 0700) == 0);
        /* a real unix socket, bound */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        check(fd >= 0);
        {
                struct sockaddr_un sa = {.sun_family = AF_UNIX};

                snprintf(sa.sun_path, sizeof(sa.sun_path), "%.107s", sock);
                check(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
        }
        check(mknod(blk, S_IFBLK | 0600, makedev(7, 250)) == 0);

        /* "": nothing checked, not even that it exists */
        check(host_path_setup(&e, missing, "", msg, sizeof(msg)) == 0);
        check(access(missing, F_OK) < 0);

        check(host_path_setup(&e, dir, "Directory", msg, sizeof(msg)) == 0);
        check(host_path_setup(&e, file, "Directory", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want),
                 "volume \"h\": hostPath type check failed: %s is not a directory", file);
        check_str(msg, want);
        check(host_path_setup(&e, missing, "Directory", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want),
                 "volume \"h\": hostPath type check failed: %s is not a directory", missing);
        check_str(msg, want);

        /* DirectoryOrCreate: every missing directory made, 0755 under a umask of 077 */
        check(host_path_setup(&e, nested, "DirectoryOrCreate", msg, sizeof(msg)) == 0);
        check(mode_of(nested) == 0755);
        {
                char parent[256];

                snprintf(parent, sizeof(parent), "%s/new", e.host);
                check(mode_of(parent) == 0755);
        }
        check(host_path_setup(&e, dir, "DirectoryOrCreate", msg, sizeof(msg)) == 0);
        check(mode_of(dir) == 0700); /* an existing one is left as it is */
        check(host_path_setup(&e, file, "DirectoryOrCreate", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want),
                 "volume \"h\": hostPath type check failed: %s is not a directory", file);
        check_str(msg, want);

        check(host_path_setup(&e, file, "File", msg, sizeof(msg)) == 0);
        check(host_path_setup(&e, dir, "File", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want), "volume \"h\": hostPath type check failed: %s is not a file",
                 dir);
        check_str(msg, want);
        check(host_path_setup(&e, sock, "File", msg, sizeof(msg)) == -EINVAL);

        /* FileOrCreate: 0644 under a umask of 077; the parent must exist */
        {
                char made[256], orphan[256];

                snprintf(made, sizeof(made), "%s/made.txt", e.host);
                snprintf(orphan, sizeof(orphan), "%s/nodir/made.txt", e.host);
                check(host_path_setup(&e, made, "FileOrCreate", msg, sizeof(msg)) == 0);
                check(S_ISREG(lmode_of(made)) && mode_of(made) == 0644);
                check(host_path_setup(&e, orphan, "FileOrCreate", msg, sizeof(msg)) == -ENOENT);
                snprintf(want, sizeof(want), "volume \"h\": open %s: No such file or directory",
                         orphan);
                check_str(msg, want);
                check(host_path_setup(&e, dir, "FileOrCreate", msg, sizeof(msg)) == -EINVAL);
                snprintf(want, sizeof(want),
                         "volume \"h\": hostPath type check failed: %s is not a file", dir);
                check_str(msg, want);
        }

        check(host_path_setup(&e, sock, "Socket", msg, sizeof(msg)) == 0);
        check(host_path_setup(&e, file, "Socket", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want),
                 "volume \"h\": hostPath type check failed: %s is not a socket file", file);
        check_str(msg, want);

        check(host_path_setup(&e, "/dev/null", "CharDevice", msg, sizeof(msg)) == 0);
        check(host_path_setup(&e, blk, "CharDevice", msg, sizeof(msg)) == -EINVAL);
        snprintf(want, sizeof(want),
                 "volume \"h\": hostPath type check failed: %s is not a character device", blk);
        check_str(msg, want);

        check(host_path_setup(&e, blk, "BlockDevice", msg, sizeof(msg)) == 0);
        check(host_path_setup(&e, "/dev/null", "BlockDevice", msg, sizeof(msg)) == -EINVAL);
        check_str(msg, "volume \"h\": hostPath type check failed: /dev/null is not a block device");

        check(host_path_setup(&e, dir, "Whatever", msg, sizeof(msg)) == -EINVAL);
        check_str(msg, "volume \"h\": Whatever is an invalid volume type");

        if (fd >= 0)
                close(fd);
        env_close(&e);
}

/* ---------------------------------------------------------------- configMap */

static const unsigned char logo[] = {0x89, 'P', 'N', 'G', 0x00, 0x01};

static void
test_configmap_atomic_writer(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_kv data[] = {{"app.conf", "x=1\n"}, {"other", "o"}};
        struct kube_bytes bin[] = {{"logo.bin", logo, sizeof(logo)}};
        struct kube_configmap cm = {.meta = {.name = "web", .namespace_ = "default"},
                                    .data = data,
                                    .n_data = 2,
                                    .binary_data = bin,
                                    .n_binary_data = 1};
        const struct kube_configmap *cms[] = {&cm};
        struct kube_config_map_volume all = {.name = "web"};
        struct kube_key_to_path items[] = {
                {.key = "app.conf", .path = "conf/./app.conf", .mode = {true, 0600}},
                {.key = "logo.bin", .path = "logo"},
        };
        struct kube_config_map_volume some = {
                .name = "web", .items = items, .n_items = 2, .default_mode = {true, 0640}};
        struct kube_volume vols[] = {{.name = "cfg", .config_map = &all},
                                     {.name = "cfg2", .config_map = &some}};
        struct kube_volume_mount vms[] = {{.name = "cfg", .mount_path = "/etc/cfg"}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 1}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 2};
        char ts1[256] = "", ts2[256] = "";
        const char *t;
        size_t len = 0;

        check(env_open(&e));
        check(setup_with(&e, NULL, &spec, cms, 1, NULL, 0, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* a directory on the disk (not a tmpfs), 0777 as the kubelet's wrapped emptyDir */
        check(mode_of(path_in(&e, "cfg")) == 0777);
        check(tmpfs_size(path_in(&e, "cfg")) < 0);
        /* ..data -> ..<timestamp>, a 0755 directory; each key -> ..data/key */
        t = link_of(path_in(&e, "cfg/..data"));
        check(is_ts_name(t));
        snprintf(ts1, sizeof(ts1), "%s", t ? t : "");
        {
                char p[600];

                snprintf(p, sizeof(p), "cfg/%s", ts1);
                check(S_ISDIR(lmode_of(path_in(&e, p))) && mode_of(path_in(&e, p)) == 0755);
        }
        check_str(link_of(path_in(&e, "cfg/app.conf")), "..data/app.conf");
        check_str(link_of(path_in(&e, "cfg/other")), "..data/other");
        check_str(link_of(path_in(&e, "cfg/logo.bin")), "..data/logo.bin");
        check_str(content(path_in(&e, "cfg/app.conf"), NULL), "x=1\n");
        check(mode_of(path_in(&e, "cfg/app.conf")) == 0644);
        t = content(path_in(&e, "cfg/logo.bin"), &len);
        check(t && len == sizeof(logo) && memcmp(t, logo, sizeof(logo)) == 0);
        check(S_ISREG(lmode_of(path_in(&e, "cfg/..data/other"))));
        /* mounted read-only whatever the volumeMount says */
        check(pv && pv->containers[0].mounts[0].read_only);
        check(pv && opts_are(pv->containers[0].mounts[0].options, "rbind", "ro", "rprivate"));

        /* items: paths (cleaned), their modes, the volume's defaultMode, nothing else */
        check_str(link_of(path_in(&e, "cfg2/conf")), "..data/conf");
        check_str(content(path_in(&e, "cfg2/conf/app.conf"), NULL), "x=1\n");
        check(mode_of(path_in(&e, "cfg2/conf/app.conf")) == 0600);
        check(mode_of(path_in(&e, "cfg2/..data/conf")) == 0755);
        check(mode_of(path_in(&e, "cfg2/logo")) == 0640);
        check(access(path_in(&e, "cfg2/other"), F_OK) < 0);
        check(access(path_in(&e, "cfg2/app.conf"), F_OK) < 0);
        pv = podvolumes_free(pv);

        /* an update: ..data swapped to a new directory, the old one and a dropped key gone */
        data[0].value = "x=2\n";
        cm.n_data = 1;
        check(setup_with(&e, NULL, &spec, cms, 1, NULL, 0, &pv, &err) == 0);
        t = link_of(path_in(&e, "cfg/..data"));
        check(is_ts_name(t));
        snprintf(ts2, sizeof(ts2), "%s", t ? t : "");
        check(strcmp(ts1, ts2) != 0);
        {
                char p[600];

                snprintf(p, sizeof(p), "cfg/%s", ts1);
                check(access(path_in(&e, p), F_OK) < 0 && errno == ENOENT);
        }
        check_str(content(path_in(&e, "cfg/app.conf"), NULL), "x=2\n");
        check(lmode_of(path_in(&e, "cfg/other")) == 0);
        check(access(path_in(&e, "cfg/..data_tmp"), F_OK) < 0);
        pv = podvolumes_free(pv);
        env_close(&e);
}

/* ---------------------------------------------------------------- secret */

static void
test_secret(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_bytes data[] = {{"password", (const unsigned char *)"pw", 2},
                                    {"tls.key", logo, sizeof(logo)}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = data, .n_data = 2};
        const struct kube_secret *secs[] = {&sec};
        struct kube_key_to_path items[] = {{.key = "password", .path = "pw", .mode = {true, 0600}},
                                           {.key = "tls.key", .path = "key"}};
        struct kube_secret_volume plain = {.secret_name = "db"};
        struct kube_secret_volume moded = {.secret_name = "db", .default_mode = {true, 0440}};
        struct kube_secret_volume picked = {.secret_name = "db", .items = items, .n_items = 2};
        struct kube_volume vols[] = {{.name = "s1", .secret = &plain},
                                     {.name = "s2", .secret = &moded},
                                     {.name = "s3", .secret = &picked}};
        struct kube_volume_mount vms[] = {{.name = "s1", .mount_path = "/s"}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 1}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 3};
        size_t len = 0;
        const char *t;

        check(env_open(&e));
        e.node_memory = 16 * MiB;
        check(setup_with(&e, NULL, &spec, NULL, 0, secs, 1, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* on a tmpfs, of the machine's memory (no limits), its top 0755 (not tmpfs' 1777) */
        check(tmpfs_size(path_in(&e, "s1")) == 16 * MiB);
        check(tmpfs_size(path_in(&e, "s3")) == 16 * MiB);
        check(mode_of(path_in(&e, "s1")) == 0755);
        check(mode_of(path_in(&e, "s1/..data")) == 0755);
        {
                /* no runAsUser anywhere: root's, as written */
                struct stat st;

                check(stat(path_in(&e, "s1/password"), &st) == 0 && st.st_uid == 0 &&
                      st.st_gid == 0);
        }
        /* 0400 unless a defaultMode says otherwise */
        check_str(content(path_in(&e, "s1/password"), NULL), "pw");
        check(mode_of(path_in(&e, "s1/password")) == 0400);
        t = content(path_in(&e, "s1/tls.key"), &len);
        check(t && len == sizeof(logo) && memcmp(t, logo, sizeof(logo)) == 0);
        check(mode_of(path_in(&e, "s1/tls.key")) == 0400);
        check(mode_of(path_in(&e, "s2/password")) == 0440);
        check(mode_of(path_in(&e, "s3/pw")) == 0600);
        check(mode_of(path_in(&e, "s3/key")) == 0400);
        check(access(path_in(&e, "s3/password"), F_OK) < 0);
        check_str(link_of(path_in(&e, "s3/pw")), "..data/pw");
        check(pv && pv->containers[0].mounts[0].read_only);
        pv = podvolumes_free(pv);
        env_close(&e);
}

static void
test_fs_group(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_bytes data[] = {{"password", (const unsigned char *)"pw", 2}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = data, .n_data = 1};
        const struct kube_secret *secs[] = {&sec};
        struct kube_secret_volume sv = {.secret_name = "db"};
        struct kube_empty_dir ed = {.medium = ""};
        struct kube_volume vols[] = {{.name = "s", .secret = &sv}, {.name = "e", .empty_dir = &ed}};
        struct kube_pod_security_context psc = {.fs_group = {true, 4321}};
        struct kube_pod_spec spec = {.volumes = vols, .n_volumes = 2, .security_context = &psc};
        struct stat st;

        check(env_open(&e));
        check(setup_with(&e, NULL, &spec, NULL, 0, secs, 1, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* read-only volume: files g+r (0400 becomes 0440), directories setgid g+rx */
        check(stat(path_in(&e, "s/password"), &st) == 0 && st.st_gid == 4321 &&
              (st.st_mode & 07777) == 0440);
        check(stat(path_in(&e, "s/..data"), &st) == 0 && st.st_gid == 4321 &&
              (st.st_mode & 07777) == 02755);
        /* emptyDir: the group may write */
        check(stat(path_in(&e, "e"), &st) == 0 && st.st_gid == 4321 &&
              (st.st_mode & 07777) == 02777);
        pv = podvolumes_free(pv);
        env_close(&e);
}

/* The owner and group of path, as "UID:GID"; "?" when it is not there */
static const char *
owner_of(const char *path)
{
        static char buf[64];
        struct stat st;

        if (stat(path, &st) < 0)
                return "?";
        snprintf(buf, sizeof(buf), "%u:%u", (unsigned)st.st_uid, (unsigned)st.st_gid);
        return buf;
}

/* A Secret's files belong to the user its containers run as, so that a non-root one reads them */
/* One field changed between two setups of the same spec */
static void
set_int(struct kube_opt_int *o, bool set, int64_t v)
{
        *o = (struct kube_opt_int){set, v};
}

static void
test_secret_owner(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_bytes data[] = {{"password", (const unsigned char *)"pw", 2}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = data, .n_data = 1};
        const struct kube_secret *secs[] = {&sec};
        struct kube_kv cdata[] = {{"app.conf", "c"}};
        struct kube_configmap cm = {.meta = {.name = "web"}, .data = cdata, .n_data = 1};
        const struct kube_configmap *cms[] = {&cm};
        struct kube_key_to_path items[] = {{.key = "password", .path = "pw", .mode = {true, 0600}}};
        struct kube_secret_volume plain = {.secret_name = "db"};
        struct kube_secret_volume moded = {.secret_name = "db", .default_mode = {true, 0444}};
        struct kube_secret_volume picked = {.secret_name = "db", .items = items, .n_items = 1};
        struct kube_config_map_volume pcm = {.name = "web"};
        struct kube_secret_volume psec = {.secret_name = "db"};
        struct kube_projection sources[] = {{.config_map = &pcm}, {.secret = &psec}};
        struct kube_projected proj = {.sources = sources, .n_sources = 2};
        struct kube_volume vols[] = {{.name = "s", .secret = &plain},
                                     {.name = "m", .secret = &moded},
                                     {.name = "i", .secret = &picked},
                                     {.name = "p", .projected = &proj},
                                     {.name = "other", .secret = &plain}};
        struct kube_volume_mount vms[] = {{.name = "s", .mount_path = "/s"},
                                          {.name = "m", .mount_path = "/m"},
                                          {.name = "i", .mount_path = "/i"},
                                          {.name = "p", .mount_path = "/p"}};
        struct kube_volume_mount other_vms[] = {{.name = "other", .mount_path = "/o"}};
        struct kube_security_context sc_app = {0}, sc_side = {0},
                                     sc_other = {.run_as_user = {true, 7}};
        struct kube_container cs[] = {
                {.name = "app",
                 .volume_mounts = vms,
                 .n_volume_mounts = 4,
                 .security_context = &sc_app},
                {.name = "side",
                 .volume_mounts = vms,
                 .n_volume_mounts = 1,
                 .security_context = &sc_side},
                /* mounts none of the volumes above: its user does not count for them */
                {.name = "other",
                 .volume_mounts = other_vms,
                 .n_volume_mounts = 1,
                 .security_context = &sc_other}};
        struct kube_pod_security_context psc = {.run_as_user = {true, 1000}};
        struct kube_pod_spec spec = {.containers = cs,
                                     .n_containers = 3,
                                     .volumes = vols,
                                     .n_volumes = 5,
                                     .security_context = &psc};

        check(env_open(&e));
        /* the pod's runAsUser: the files are its user's, still 0400 */
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        err = berr_free(err);
        check_str(owner_of(path_in(&e, "s/password")), "1000:0");
        check(mode_of(path_in(&e, "s/password")) == 0400);
        /* explicit modes exactly, the owner all the same */
        check(mode_of(path_in(&e, "m/password")) == 0444);
        check_str(owner_of(path_in(&e, "m/password")), "1000:0");
        check(mode_of(path_in(&e, "i/pw")) == 0600);
        check_str(owner_of(path_in(&e, "i/pw")), "1000:0");
        /* a projected volume: the Secret's file is the user's, the ConfigMap's stays root's */
        check_str(owner_of(path_in(&e, "p/password")), "1000:0");
        check(mode_of(path_in(&e, "p/password")) == 0400);
        check_str(owner_of(path_in(&e, "p/app.conf")), "0:0");
        /* the directories stay root's, 0755: readable, not writable */
        check_str(owner_of(path_in(&e, "s/..data")), "0:0");
        check(mode_of(path_in(&e, "s")) == 0755);
        /* a volume only "other" mounts: that container's user (7), not the pod's */
        check_str(owner_of(path_in(&e, "other/password")), "7:0");
        pv = podvolumes_free(pv);

        /* the containers that mount it agree on a user of their own: theirs */
        set_int(&sc_app.run_as_user, true, 2000);
        set_int(&sc_side.run_as_user, true, 2000);
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        err = berr_free(err);
        check_str(owner_of(path_in(&e, "s/password")), "2000:0");
        /* "m" is mounted by app alone */
        check_str(owner_of(path_in(&e, "m/password")), "2000:0");
        pv = podvolumes_free(pv);

        /* they differ: the pod's */
        set_int(&sc_side.run_as_user, true, 3000);
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        err = berr_free(err);
        check_str(owner_of(path_in(&e, "s/password")), "1000:0");
        check_str(owner_of(path_in(&e, "m/password")), "2000:0");
        pv = podvolumes_free(pv);

        /* they differ and the pod has none: root's */
        set_int(&psc.run_as_user, false, 0);
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        err = berr_free(err);
        check_str(owner_of(path_in(&e, "s/password")), "0:0");
        pv = podvolumes_free(pv);

        /* with fsGroup: its group, and g+r (0400 becomes 0440); an explicit 0600 too (0640) */
        set_int(&psc.run_as_user, true, 1000);
        set_int(&sc_app.run_as_user, false, 0);
        set_int(&sc_side.run_as_user, false, 0);
        set_int(&psc.fs_group, true, 4321);
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        err = berr_free(err);
        check_str(owner_of(path_in(&e, "s/password")), "1000:4321");
        check(mode_of(path_in(&e, "s/password")) == 0440);
        check(mode_of(path_in(&e, "i/pw")) == 0640);
        check(mode_of(path_in(&e, "s")) == 02755);
        pv = podvolumes_free(pv);
        env_close(&e);
}

/* A secret volume is a tmpfs or nothing: another file system found there is an error */
static void
test_secret_never_on_disk(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_bytes data[] = {{"password", (const unsigned char *)"pw", 2}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = data, .n_data = 1};
        const struct kube_secret *secs[] = {&sec};
        struct kube_secret_volume sv = {.secret_name = "db"};
        struct kube_volume vols[] = {{.name = "s", .secret = &sv}};
        struct kube_pod_spec spec = {.volumes = vols, .n_volumes = 1};
        char dir[600];

        check(env_open(&e));
        /* the pod's volume directory, as an earlier setup would have left it */
        snprintf(dir, sizeof(dir), "%s/pods", e.base);
        check(mkdir(dir, 0700) == 0);
        snprintf(dir, sizeof(dir), "%s/pods/p1", e.base);
        check(mkdir(dir, 0700) == 0);
        check(mkdir(e.pod, 0700) == 0);
        snprintf(dir, sizeof(dir), "%s", path_in(&e, "s"));
        check(mkdir(dir, 0777) == 0);
        /* ramfs: memory too, but not what berth makes, and not limited in size */
        if (mount("ramfs", dir, "ramfs", 0, NULL) < 0) {
                check_skip("no ramfs to mount");
                env_close(&e);
                return;
        }
        check(setup_with(&e, NULL, &spec, NULL, 0, secs, 1, &pv, &err) < 0);
        check(err && strstr(err->msg, "another file system is mounted there, expected a tmpfs"));
        err = berr_free(err);
        check(access(path_in(&e, "s/password"), F_OK) < 0);
        pv = podvolumes_free(pv);
        (void)umount2(dir, MNT_DETACH);
        env_close(&e);
}

/* ---------------------------------------------------------------- missing objects and keys */

static int
missing_case(struct env *e, struct kube_volume *v, const struct kube_configmap *cm,
             const struct kube_secret *sec, char *msg, size_t size)
{
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_pod_spec spec = {.volumes = v, .n_volumes = 1};
        const struct kube_configmap *cms[] = {cm};
        const struct kube_secret *secs[] = {sec};
        int r = setup_with(e, NULL, &spec, cms, cm ? 1 : 0, secs, sec ? 1 : 0, &pv, &err);

        snprintf(msg, size, "%s", err ? err->msg : "");
        berr_free(err);
        podvolumes_free(pv);
        return r;
}

static void
test_missing(void)
{
        struct env e = {0};
        struct kube_kv data[] = {{"k", "v"}};
        struct kube_configmap cm = {.meta = {.name = "web"}, .data = data, .n_data = 1};
        struct kube_bytes sdata[] = {{"k", (const unsigned char *)"v", 1}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = sdata, .n_data = 1};
        struct kube_key_to_path items[] = {{.key = "k", .path = "k"},
                                           {.key = "missing", .path = "m"}};
        char msg[512];

        check(env_open(&e));
        {
                struct kube_config_map_volume src = {.name = "nope"};
                struct kube_volume v = {.name = "cfg", .config_map = &src};

                check(missing_case(&e, &v, &cm, NULL, msg, sizeof(msg)) == -ENOENT);
                check_str(msg, "volume \"cfg\": configmap \"nope\" not found");
                /* what the failed call made is gone */
                check(access(e.pod, F_OK) < 0 && errno == ENOENT);

                src.optional = (struct kube_opt_bool){true, true};
                check(missing_case(&e, &v, &cm, NULL, msg, sizeof(msg)) == 0);
                /* an empty volume, still written the writer's way */
                check(is_ts_name(link_of(path_in(&e, "cfg/..data"))));
                check(podvolumes_teardown(e.pod, NULL) == 0);
        }
        {
                struct kube_config_map_volume src = {.name = "web", .items = items, .n_items = 2};
                struct kube_volume v = {.name = "cfg", .config_map = &src};

                check(missing_case(&e, &v, &cm, NULL, msg, sizeof(msg)) == -ENOENT);
                check_str(msg, "volume \"cfg\": configmap references non-existent config key: "
                               "missing");
                src.optional = (struct kube_opt_bool){true, true};
                check(missing_case(&e, &v, &cm, NULL, msg, sizeof(msg)) == 0);
                check_str(content(path_in(&e, "cfg/k"), NULL), "v");
                check(access(path_in(&e, "cfg/m"), F_OK) < 0);
                check(podvolumes_teardown(e.pod, NULL) == 0);
        }
        {
                struct kube_secret_volume src = {.secret_name = "nope"};
                struct kube_volume v = {.name = "s", .secret = &src};

                check(missing_case(&e, &v, NULL, &sec, msg, sizeof(msg)) == -ENOENT);
                check_str(msg, "volume \"s\": secret \"nope\" not found");
                check(mounts_under(e.base, NULL, 0) == 0);
                src.optional = (struct kube_opt_bool){true, true};
                check(missing_case(&e, &v, NULL, &sec, msg, sizeof(msg)) == 0);
                check(podvolumes_teardown(e.pod, NULL) == 0);
        }
        {
                struct kube_secret_volume src = {.secret_name = "db", .items = items, .n_items = 2};
                struct kube_secret_volume no = src, yes = src;
                struct kube_volume v = {.name = "s", .secret = &src};
                struct kube_volume vno = {.name = "s", .secret = &no};
                struct kube_volume vyes = {.name = "s", .secret = &yes};

                no.optional = (struct kube_opt_bool){true, false};
                yes.optional = (struct kube_opt_bool){true, true};
                check(missing_case(&e, &v, NULL, &sec, msg, sizeof(msg)) == -ENOENT);
                check_str(msg, "volume \"s\": secret references non-existent secret key: missing");
                check(missing_case(&e, &vno, NULL, &sec, msg, sizeof(msg)) == -ENOENT);
                check(missing_case(&e, &vyes, NULL, &sec, msg, sizeof(msg)) == 0);
                check_str(content(path_in(&e, "s/k"), NULL), "v");
                check(podvolumes_teardown(e.pod, NULL) == 0);
        }
        /* a ConfigMap of another namespace is not this pod's */
        {
                struct kube_configmap other = cm;
                struct kube_config_map_volume src = {.name = "web"};
                struct kube_volume v = {.name = "cfg", .config_map = &src};

                other.meta.namespace_ = "other";
                check(missing_case(&e, &v, &other, NULL, msg, sizeof(msg)) == -ENOENT);
                check_str(msg, "volume \"cfg\": configmap \"web\" not found");
        }
        env_close(&e);
}

/* Objects not in the play come from the store; the play's own win over kept ones. */
static void
test_store_fallback(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_kv kept_data[] = {{"k", "kept"}};
        struct kube_configmap kept = {
                .meta = {.name = "web", .namespace_ = "default"}, .data = kept_data, .n_data = 1};
        struct kube_bytes sdata[] = {{"token", (const unsigned char *)"t0k", 3}};
        struct kube_secret ksec = {.meta = {.name = "db"}, .data = sdata, .n_data = 1};
        struct kube_kv play_data[] = {{"k", "play"}};
        struct kube_configmap play = {
                .meta = {.name = "web", .namespace_ = "default"}, .data = play_data, .n_data = 1};
        const struct kube_configmap *cms[] = {&play};
        struct kube_config_map_volume src = {.name = "web"};
        struct kube_secret_volume ssrc = {.secret_name = "db"};
        struct kube_volume vols[] = {{.name = "cfg", .config_map = &src},
                                     {.name = "s", .secret = &ssrc}};
        struct kube_pod_spec spec = {.volumes = vols, .n_volumes = 2};

        check(env_open(&e));
        check(kubeobj_save_configmap(e.s, &kept, &err) == 0);
        check(kubeobj_save_secret(e.s, &ksec, &err) == 0);
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check_str(content(path_in(&e, "cfg/k"), NULL), "kept");
        check_str(content(path_in(&e, "s/token"), NULL), "t0k");
        pv = podvolumes_free(pv);
        check(setup_with(&e, NULL, &spec, cms, 1, NULL, 0, &pv, &err) == 0);
        check_str(content(path_in(&e, "cfg/k"), NULL), "play");
        pv = podvolumes_free(pv);
        env_close(&e);
}

/* ---------------------------------------------------------------- downwardAPI */

/* The pod of base with one downwardAPI volume "info" of item: setup fails with want. */
static void
downward_error(struct env *e, const struct kube_meta *meta, const struct kube_pod_spec *base,
               struct kube_downward_item *item, const char *want)
{
        struct kube_downward_api api = {.items = item, .n_items = 1};
        struct kube_volume v = {.name = "info", .downward_api = &api};
        struct kube_pod_spec spec = *base;
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;

        spec.volumes = &v;
        spec.n_volumes = 1;
        check(setup_with(e, meta, &spec, NULL, 0, NULL, 0, &pv, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, want);
        check(pv == NULL);
        berr_free(err);
}

static void
test_downward_api(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_kv labels[] = {{"tier", "front"}, {"app", "web"}};
        struct kube_kv notes[] = {{"note", "say \"hi\"\n\ttab\\"},
                                  {"uni", "\xc3\xa9\x01\xff\xc2\xa0\x7f"},
                                  {"zero", ""}};
        struct kube_meta meta = {.name = "web",
                                 .namespace_ = "prod",
                                 .labels = labels,
                                 .n_labels = 2,
                                 .annotations = notes,
                                 .n_annotations = 3};
        struct kube_field_ref f_name = {.field_path = "metadata.name"},
                              f_ns = {.field_path = "metadata.namespace"},
                              f_uid = {.field_path = "metadata.uid"},
                              f_labels = {.field_path = "metadata.labels"},
                              f_notes = {.field_path = "metadata.annotations"},
                              f_tier = {.field_path = "metadata.labels['tier']"},
                              f_none = {.field_path = "metadata.annotations['none']"};
        struct kube_resource_field_ref
                r_cpu_m = {.container_name = "app", .resource = "limits.cpu", .divisor = qty("1m")},
                r_cpu = {.container_name = "app", .resource = "limits.cpu"},
                r_cpu_node = {.container_name = "side", .resource = "limits.cpu"},
                r_mem = {.container_name = "app",
                         .resource = "limits.memory",
                         .divisor = qty("1Mi")},
                r_mem_req = {.container_name = "app", .resource = "requests.memory"},
                r_cpu_req = {.container_name = "side", .resource = "requests.cpu"},
                r_mem_node = {.container_name = "side",
                              .resource = "limits.memory",
                              .divisor = qty("1Mi")};
        struct kube_downward_item items[] = {
                {.path = "name", .field_ref = &f_name},
                {.path = "ns", .field_ref = &f_ns, .mode = {true, 0600}},
                {.path = "uid", .field_ref = &f_uid},
                {.path = "labels", .field_ref = &f_labels},
                {.path = "annotations", .field_ref = &f_notes},
                {.path = "meta/tier", .field_ref = &f_tier},
                {.path = "none", .field_ref = &f_none},
                {.path = "cpu_m", .resource_field_ref = &r_cpu_m},
                {.path = "cpu", .resource_field_ref = &r_cpu},
                {.path = "cpu_node", .resource_field_ref = &r_cpu_node},
                {.path = "mem", .resource_field_ref = &r_mem},
                {.path = "mem_req", .resource_field_ref = &r_mem_req},
                {.path = "cpu_req", .resource_field_ref = &r_cpu_req},
                {.path = "mem_node", .resource_field_ref = &r_mem_node},
        };
        struct kube_downward_api api = {.items = items, .n_items = ELEMENTSOF(items)};
        struct kube_volume vols[] = {{.name = "info", .downward_api = &api}};
        struct kube_resource lim[] = {{.name = "cpu", .qty = qty("500m")},
                                      {.name = "memory", .qty = qty("64Mi")}};
        struct kube_resources res = {.limits = lim, .n_limits = 2};
        struct kube_container cs[] = {{.name = "app", .resources = &res}};
        struct kube_container ics[] = {{.name = "side"}};
        struct kube_pod_spec spec = {.containers = cs,
                                     .n_containers = 1,
                                     .init_containers = ics,
                                     .n_init_containers = 1,
                                     .volumes = vols,
                                     .n_volumes = 1};

        check(env_open(&e));
        e.node_cpu_millis = 4000;
        e.node_memory = 1024 * MiB;
        check(setup_with(&e, &meta, &spec, NULL, 0, NULL, 0, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(tmpfs_size(path_in(&e, "info")) > 0);
        check_str(content(path_in(&e, "info/name"), NULL), "web");
        check_str(content(path_in(&e, "info/ns"), NULL), "prod");
        check(mode_of(path_in(&e, "info/ns")) == 0600);
        check(mode_of(path_in(&e, "info/name")) == 0644);
        check_str(content(path_in(&e, "info/uid"), NULL), "0b1c2d3e-uid");
        /* fieldpath.FormatMap(): sorted, %q-quoted, no final newline */
        check_str(content(path_in(&e, "info/labels"), NULL), "app=\"web\"\ntier=\"front\"");
        check_str(content(path_in(&e, "info/annotations"), NULL),
                  "note=\"say \\\"hi\\\"\\n\\ttab\\\\\"\n"
                  "uni=\"\xc3\xa9\\x01\\xff\\u00a0\\x7f\"\n"
                  "zero=\"\"");
        check_str(content(path_in(&e, "info/meta/tier"), NULL), "front");
        check_str(content(path_in(&e, "info/none"), NULL), "");
        check_str(link_of(path_in(&e, "info/meta")), "..data/meta");
        check_str(content(path_in(&e, "info/cpu_m"), NULL), "500");
        check_str(content(path_in(&e, "info/cpu"), NULL), "1");
        check_str(content(path_in(&e, "info/cpu_node"), NULL), "4");
        check_str(content(path_in(&e, "info/mem"), NULL), "64");
        check_str(content(path_in(&e, "info/mem_req"), NULL), "67108864");
        check_str(content(path_in(&e, "info/cpu_req"), NULL), "0");
        check_str(content(path_in(&e, "info/mem_node"), NULL), "1024");
        pv = podvolumes_free(pv);
        check(podvolumes_teardown(e.pod, &err) == 0);

        /* what the kubelet refuses */
        {
                struct kube_resource_field_ref bad_c = {.container_name = "nope",
                                                        .resource = "limits.cpu"};
                struct kube_resource_field_ref bad_r = {.container_name = "app",
                                                        .resource = "limits.gpu"};
                struct kube_field_ref bad_f = {.field_path = "spec.nodeName"};
                struct kube_downward_item one = {.path = "x", .resource_field_ref = &bad_c};
                struct kube_downward_item two = {.path = "x", .resource_field_ref = &bad_r};
                struct kube_downward_item three = {.path = "x", .field_ref = &bad_f};

                downward_error(&e, &meta, &spec, &one, "volume \"info\": container nope not found");
                downward_error(&e, &meta, &spec, &two,
                               "volume \"info\": unsupported container resource : limits.gpu");
                downward_error(&e, &meta, &spec, &three,
                               "volume \"info\": unsupported fieldPath: spec.nodeName");
                check(mounts_under(e.base, NULL, 0) == 0);
        }
        env_close(&e);
}

/* ---------------------------------------------------------------- projected */

static void
test_projected(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_kv data[] = {{"app.conf", "c"}};
        struct kube_configmap cm = {.meta = {.name = "web"}, .data = data, .n_data = 1};
        struct kube_bytes sdata[] = {{"password", (const unsigned char *)"pw", 2}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = sdata, .n_data = 1};
        const struct kube_configmap *cms[] = {&cm};
        const struct kube_secret *secs[] = {&sec};
        struct kube_key_to_path items[] = {{.key = "app.conf", .path = "cfg/app.conf"}};
        struct kube_config_map_volume pcm = {.name = "web", .items = items, .n_items = 1};
        struct kube_secret_volume psec = {.secret_name = "db"};
        struct kube_secret_volume pgone = {.secret_name = "gone", .optional = {true, true}};
        struct kube_field_ref fname = {.field_path = "metadata.name"};
        struct kube_downward_item ditems[] = {{.path = "podname", .field_ref = &fname}};
        struct kube_downward_api pda = {.items = ditems, .n_items = 1};
        struct kube_projection sources[] = {{.config_map = &pcm},
                                            {.secret = &psec},
                                            {.downward_api = &pda},
                                            {.secret = &pgone}};
        struct kube_projected proj = {.sources = sources, .n_sources = 4};
        struct kube_volume vols[] = {{.name = "all", .projected = &proj}};
        struct kube_volume_mount vms[] = {{.name = "all", .mount_path = "/all"}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 1}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 1};

        check(env_open(&e));
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(tmpfs_size(path_in(&e, "all")) > 0);
        check_str(content(path_in(&e, "all/cfg/app.conf"), NULL), "c");
        check(mode_of(path_in(&e, "all/cfg/app.conf")) == 0644);
        check_str(content(path_in(&e, "all/password"), NULL), "pw");
        check(mode_of(path_in(&e, "all/password")) == 0400);
        check_str(content(path_in(&e, "all/podname"), NULL), "web");
        check(mode_of(path_in(&e, "all/podname")) == 0644);
        check(pv && pv->containers[0].mounts[0].read_only);
        pv = podvolumes_free(pv);

        /* the volume's defaultMode is every source's */
        proj.default_mode = (struct kube_opt_int){true, 0640};
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == 0);
        check(mode_of(path_in(&e, "all/cfg/app.conf")) == 0640);
        check(mode_of(path_in(&e, "all/password")) == 0640);
        check(mode_of(path_in(&e, "all/podname")) == 0640);
        pv = podvolumes_free(pv);

        /* a source that is missing and not optional fails the volume */
        pgone.optional.v = false;
        check(setup_with(&e, NULL, &spec, cms, 1, secs, 1, &pv, &err) == -ENOENT);
        check_str(err ? err->msg : NULL, "volume \"all\": secret \"gone\" not found");
        err = berr_free(err);
        env_close(&e);
}

/* ---------------------------------------------------------------- persistentVolumeClaim */

static void
test_pvc(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_pvc_volume rw = {.claim_name = "pg-data"};
        struct kube_pvc_volume ro = {.claim_name = "shared", .read_only = true};
        struct kube_volume vols[] = {{.name = "data", .persistent_volume_claim = &rw},
                                     {.name = "shared", .persistent_volume_claim = &ro}};
        struct kube_volume_mount vms[] = {{.name = "data", .mount_path = "/var/lib/pg"},
                                          {.name = "shared", .mount_path = "/shared"}};
        struct kube_container cs[] = {{.name = "db", .volume_mounts = vms, .n_volume_mounts = 2}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 2};
        struct volume v = {0};

        check(env_open(&e));
        check(setup_spec(&e, &spec, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(volume_find(e.s, "pg-data", &v, &err) == 0);
        check_str(json_string_value(json_object_get(v.labels, "io.berth.pvc")), "1");
        if (pv && pv->n_containers == 1 && pv->containers[0].n_mounts == 2) {
                check_str(pv->containers[0].mounts[0].source, v.mountpoint);
                check(!pv->containers[0].mounts[0].read_only);
                check(pv->containers[0].mounts[1].read_only);
                check(opts_are(pv->containers[0].mounts[1].options, "rbind", "ro", "rprivate"));
        } else {
                check(!"two mounts");
        }
        volume_clear(&v);
        pv = podvolumes_free(pv);
        /* the claim's data outlives the pod; the next pod finds it */
        check(podvolumes_teardown(e.pod, &err) == 0);
        {
                char f[600];
                int fd;

                check(volume_find(e.s, "pg-data", &v, &err) == 0);
                snprintf(f, sizeof(f), "%s/PG_VERSION",
                         v.mountpoint ? v.mountpoint : "/nonexistent");
                fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                check(fd >= 0);
                if (fd >= 0)
                        close(fd);
                check(setup_spec(&e, &spec, &pv, &err) == 0);
                check(access(f, F_OK) == 0);
                volume_clear(&v);
                pv = podvolumes_free(pv);
        }
        /* with no store there is nowhere to keep it */
        {
                struct storage *s = e.s;

                e.s = NULL;
                check(podvolumes_teardown(e.pod, NULL) == 0);
                check(setup_spec(&e, &spec, &pv, &err) == -EINVAL);
                check_str(err ? err->msg : NULL,
                          "volume \"data\": persistentVolumeClaim \"pg-data\": no store to keep "
                          "it in");
                err = berr_free(err);
                e.s = s;
        }
        env_close(&e);
}

/* ---------------------------------------------------------------- subPath */

static int
subpath_case(struct env *e, struct kube_volume *vols, size_t n_vols, struct kube_volume_mount *vm,
             size_t n_vm, struct podvolumes **pv, char *msg, size_t size)
{
        struct berr *err = NULL;
        struct kube_container cs[] = {
                {.name = "app", .volume_mounts = vm, .n_volume_mounts = n_vm}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = n_vols};
        int r = setup_spec(e, &spec, pv, &err);

        snprintf(msg, size, "%s", err ? err->msg : "");
        berr_free(err);
        return r;
}

static void
test_subpath(void)
{
        struct env e = {0};
        struct podvolumes *pv = NULL;
        char vol[256], outside[256], p[600], msg[1024];
        struct kube_host_path hp = {.path = vol, .type = "Directory"};
        struct kube_empty_dir ed = {.medium = ""};
        struct kube_volume vols[] = {{.name = "v", .host_path = &hp},
                                     {.name = "scratch", .empty_dir = &ed}};
        struct kube_volume_mount good[] = {
                {.name = "v", .mount_path = "/a", .sub_path = "in"},
                {.name = "v", .mount_path = "/b", .sub_path = "in/f", .read_only = true},
                {.name = "v", .mount_path = "/c", .sub_path = "link-in/f"},
                {.name = "v", .mount_path = "/d", .sub_path = "new/deep"},
                {.name = "scratch", .mount_path = "/e", .sub_path = "cache"},
        };
        int fd;

        check(env_open(&e));
        snprintf(vol, sizeof(vol), "%s/vol", e.host);
        snprintf(outside, sizeof(outside), "%s/outside", e.host);
        check(mkdir(vol, 0750) == 0 && chmod(vol, 0750) == 0 && mkdir(outside, 0700) == 0);
        snprintf(p, sizeof(p), "%s/in", vol);
        check(mkdir(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/in/f", vol);
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        check(fd >= 0 && write(fd, "hello", 5) == 5);
        if (fd >= 0)
                close(fd);
        snprintf(p, sizeof(p), "%s/secret", outside);
        fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
        snprintf(p, sizeof(p), "%s/link-in", vol);
        check(symlink("in", p) == 0);
        snprintf(p, sizeof(p), "%s/esc-abs", vol);
        check(symlink(outside, p) == 0);
        snprintf(p, sizeof(p), "%s/esc-rel", vol);
        check(symlink("../outside", p) == 0);

        check(subpath_case(&e, vols, 2, good, ELEMENTSOF(good), &pv, msg, sizeof(msg)) == 0);
        if (msg[0])
                fprintf(stderr, "  %s\n", msg);
        if (pv && pv->containers[0].n_mounts == ELEMENTSOF(good)) {
                const struct podvolumes_mount *m = pv->containers[0].mounts;

                /* bind mounts of what was resolved, under .subpaths/<volume>/<container>/<n> */
                check_str(m[0].source, path_in(&e, ".subpaths/v/app/0"));
                check(mounts_under(m[0].source, NULL, 0) == 1);
                snprintf(p, sizeof(p), "%s/f", m[0].source);
                check_str(content(p, NULL), "hello");
                /* the same directory: what is written there is in the volume */
                snprintf(p, sizeof(p), "%s/written", m[0].source);
                fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
                check(fd >= 0);
                if (fd >= 0)
                        close(fd);
                snprintf(p, sizeof(p), "%s/in/written", vol);
                check(access(p, F_OK) == 0);
                /* a file subPath is a file bind */
                check(S_ISREG(lmode_of(m[1].source)));
                check_str(content(m[1].source, NULL), "hello");
                check(m[1].read_only);
                /* a symlink that stays inside resolves */
                check_str(content(m[2].source, NULL), "hello");
                /* missing directories are made, with the volume's mode */
                snprintf(p, sizeof(p), "%s/new/deep", vol);
                check(S_ISDIR(lmode_of(p)) && mode_of(p) == 0750);
                snprintf(p, sizeof(p), "%s/new", vol);
                check(mode_of(p) == 0750);
                check_str(m[4].source, path_in(&e, ".subpaths/scratch/app/4"));
                check(S_ISDIR(lmode_of(path_in(&e, "scratch/cache"))));
        } else {
                check(!"five mounts");
        }
        pv = podvolumes_free(pv);
        /* set up again: the binds are made afresh, not stacked */
        check(subpath_case(&e, vols, 2, good, ELEMENTSOF(good), &pv, msg, sizeof(msg)) == 0);
        check(mounts_under(path_in(&e, ".subpaths/v/app/0"), NULL, 0) == 1);
        pv = podvolumes_free(pv);
        check(podvolumes_teardown(e.pod, NULL) == 0);
        check(mounts_under(e.base, NULL, 0) == 0);

        /* every way out is refused, and nothing is made outside */
        {
                static const char *const escapes[] = {"esc-abs", "esc-abs/secret", "esc-rel",
                                                      "esc-rel/secret", "esc-rel/newdir/x"};

                for (size_t i = 0; i < ELEMENTSOF(escapes); i++) {
                        struct kube_volume_mount bad[] = {
                                {.name = "v", .mount_path = "/x", .sub_path = escapes[i]}};
                        char want[512];

                        check(subpath_case(&e, vols, 1, bad, 1, &pv, msg, sizeof(msg)) == -EINVAL);
                        snprintf(want, sizeof(want),
                                 "container \"app\": volumeMount \"v\": subPath \"%s\" leads "
                                 "outside the volume",
                                 escapes[i]);
                        check_str(msg, want);
                        check(pv == NULL);
                        check(mounts_under(e.base, NULL, 0) == 0);
                }
                snprintf(p, sizeof(p), "%s/newdir", outside);
                check(access(p, F_OK) < 0 && errno == ENOENT);
        }
        {
                struct kube_volume_mount bad[] = {
                        {.name = "v", .mount_path = "/x", .sub_path = "a/../.."}};

                check(subpath_case(&e, vols, 1, bad, 1, &pv, msg, sizeof(msg)) == -EINVAL);
                check_str(msg, "container \"app\": volumeMount \"v\": subPath \"a/../..\" has a "
                               "\"..\" element");
        }
        {
                struct kube_volume_mount bad[] = {
                        {.name = "v", .mount_path = "/x", .sub_path_expr = "$(POD_NAME)"}};

                check(subpath_case(&e, vols, 1, bad, 1, &pv, msg, sizeof(msg)) == -EINVAL);
                check_str(msg, "container \"app\": volumeMount \"v\": subPathExpr is not supported "
                               "by berth, expected subPath");
        }
        {
                struct kube_volume_mount bad[] = {{.name = "nope", .mount_path = "/x"}};

                check(subpath_case(&e, vols, 1, bad, 1, &pv, msg, sizeof(msg)) == -EINVAL);
                check_str(msg, "container \"app\": volumeMount \"nope\": the pod has no volume of "
                               "that name");
        }
        check(access(e.pod, F_OK) < 0 && errno == ENOENT);
        env_close(&e);
}

/* ---------------------------------------------------------------- teardown */

static void
test_teardown(void)
{
        struct env e = {0};
        struct berr *err = NULL;
        struct podvolumes *pv = NULL;
        struct kube_bytes sdata[] = {{"k", (const unsigned char *)"v", 1}};
        struct kube_secret sec = {.meta = {.name = "db"}, .data = sdata, .n_data = 1};
        const struct kube_secret *secs[] = {&sec};
        struct kube_secret_volume sv = {.secret_name = "db"};
        struct kube_empty_dir mem = {.medium = "Memory", .size_limit = qty("1Mi")};
        struct kube_volume vols[] = {{.name = "s", .secret = &sv},
                                     {.name = "m", .empty_dir = &mem}};
        struct kube_volume_mount vms[] = {{.name = "s", .mount_path = "/k", .sub_path = "k"},
                                          {.name = "m", .mount_path = "/m", .sub_path = "d"}};
        struct kube_container cs[] = {{.name = "app", .volume_mounts = vms, .n_volume_mounts = 2}};
        struct kube_pod_spec spec = {
                .containers = cs, .n_containers = 1, .volumes = vols, .n_volumes = 2};

        check(env_open(&e));
        check(setup_with(&e, NULL, &spec, NULL, 0, secs, 1, &pv, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* two tmpfs, two subPath binds */
        check(mounts_under(e.pod, NULL, 0) == 4);
        pv = podvolumes_free(pv);
        check(podvolumes_teardown(e.pod, &err) == 0);
        check(err == NULL);
        check(mounts_under(e.base, NULL, 0) == 0);
        check(access(e.pod, F_OK) < 0 && errno == ENOENT);
        /* and again, with nothing there */
        check(podvolumes_teardown(e.pod, &err) == 0);
        env_close(&e);
}

int
main(void)
{
        char probe[] = "/tmp/berth-test-podvol-probe-XXXXXX";
        int can_mount = 0;

        /* root, and allowed to mount (not so in every container) */
        if (geteuid() == 0 && mkdtemp(probe)) {
                can_mount = mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0;
                if (can_mount)
                        (void)umount2(probe, MNT_DETACH);
                (void)rmdir(probe);
        }
        if (!can_mount) {
                printf("SKIP test-podvolumes: mounting needs root with CAP_SYS_ADMIN\n");
                return 0;
        }
        /* every mode below must be made explicitly, not left to the umask */
        umask(077);
        RUN(test_empty_dir);
        RUN(test_empty_dir_memory);
        RUN(test_host_path_types);
        RUN(test_configmap_atomic_writer);
        RUN(test_secret);
        RUN(test_fs_group);
        RUN(test_secret_owner);
        RUN(test_secret_never_on_disk);
        RUN(test_missing);
        RUN(test_store_fallback);
        RUN(test_downward_api);
        RUN(test_projected);
        RUN(test_pvc);
        RUN(test_subpath);
        RUN(test_teardown);
        return check_done();
}
