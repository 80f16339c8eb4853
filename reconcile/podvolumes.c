/*
 * reconcile/podvolumes.c: a pod's volumes on this machine, after the
 * kubelet's volume plugins (pkg/volume/{emptydir,hostpath,configmap,secret,
 * downwardapi,projected}) and its makeMounts() for subPaths.
 */
#include "podvolumes.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "storage/kubeobjects.h"
#include "storage/volumes.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define SUBPATHS ".subpaths"
#define DATA_LINK "..data"
#define DATA_TMP "..data_tmp"
/* the kubelet's atomic writer: maxPathLength, maxFileNameLength */
#define PAYLOAD_PATH_MAX 4096
#define PAYLOAD_NAME_MAX 255
/* SecretVolumeSourceDefaultMode is 0644; berth keeps secrets to their owner */
#define SECRET_MODE 0400
#define FILE_MODE 0644
/* the top of a tmpfs volume: as the atomic writer's own directories, not tmpfs' 1777 */
#define API_TMPFS_MODE 0755
#define NO_OWNER ((uid_t)-1)
/* volume_linux.go: rwMask, roMask, execMask */
#define FSGROUP_RW 0660
#define FSGROUP_RO 0440
#define FSGROUP_X 0110
/* how deep an fsGroup walk goes in a volume that already has files (a re-setup) */
#define OWNERSHIP_DEPTH_MAX 64
/* umount2() of one place, for mounts stacked there by repeated setups */
#define UMOUNT_TRIES 64
#define PVC_LABEL "io.berth.pvc"

/* ---------------------------------------------------------------- state */

/* A file of an atomic-writer volume. */
struct file {
        char *path; /* relative, clean */
        unsigned char *data;
        size_t len;
        mode_t mode;
        bool secret; /* a Secret's value: owned by the volume's secret owner (secret_owner()) */
};

struct payload {
        struct file *files;
        size_t n, cap;
};

/* A volume once made: where it is on the host. */
struct vol {
        const struct kube_volume *v;
        char *root;     /* absolute host path */
        bool read_only; /* every mount of it (API data volumes, readOnly claims) */
};

struct setup {
        const struct podvolumes_opts *o;
        const char *dir; /* o->dir without a trailing '/' */
        const char *ns;  /* the pod's namespace */
        int dirfd;       /* o->dir */
        int64_t node_memory, node_cpu_millis;
        struct vol *vols;
        size_t n_vols;
};

static void
payload_clear(struct payload *pl)
{
        for (size_t i = 0; i < pl->n; i++) {
                free(pl->files[i].path);
                free(pl->files[i].data);
        }
        free(pl->files);
        *pl = (struct payload){0};
}

/* ---------------------------------------------------------------- small helpers */

static const char *
str_or_empty(const char *s)
{
        return s ? s : "";
}

static const char *
namespace_of(const struct kube_meta *m)
{
        return m && m->namespace_ && m->namespace_[0] ? m->namespace_ : "default";
}

static int
openat2_beneath(int dirfd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (unsigned long long)flags | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
        };
        int fd;

        /* EAGAIN: a rename elsewhere raced the lookup */
        for (int i = 0; i < 16; i++) {
                fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
                if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
                        break;
        }
        return fd;
}

/* mkdir -p, each new directory with mode; 1 when the last one was made here, 0 when it was there.
 */
static int
mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = strdup(path);
        int made = 0;

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                if (s[-1] != '/') {
                        char c = *s;

                        *s = '\0';
                        made = mkdir(p, mode) == 0;
                        if (!made && errno != EEXIST)
                                return -errno;
                        /* the mode exactly, whatever the umask */
                        if (made && chmod(p, mode) < 0)
                                return -errno;
                        *s = c;
                }
                if (*s == '\0')
                        break;
        }
        return made;
}

/* The host's memory (node allocatable memory, as berth sees it). */
static int64_t
host_memory(void)
{
        struct sysinfo si;

        if (sysinfo(&si) < 0)
                return 0;
        return (int64_t)si.totalram * (int64_t)si.mem_unit;
}

static const struct kube_qty *
resource_find(const struct kube_resource *r, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (r[i].name && strcmp(r[i].name, name) == 0 && r[i].qty.text)
                        return &r[i].qty;
        return NULL;
}

static int64_t
memory_limit(const struct kube_container *c)
{
        const struct kube_qty *q =
                c->resources ? resource_find(c->resources->limits, c->resources->n_limits, "memory")
                             : NULL;

        return q ? kube_quantity_value(&q->q) : 0;
}

/*
 * The pod's memory limit as the kubelet's ResourceConfigForPod() has it:
 * only when every container declares one, the sum of the containers' or
 * the largest init container's, whichever is more. 0: none.
 */
static int64_t
pod_memory_limit(const struct kube_pod_spec *spec)
{
        int64_t sum = 0;

        for (size_t i = 0; i < spec->n_containers; i++) {
                int64_t l = memory_limit(&spec->containers[i]);

                if (l <= 0)
                        return 0;
                sum = sum > INT64_MAX - l ? INT64_MAX : sum + l;
        }
        for (size_t i = 0; i < spec->n_init_containers; i++) {
                int64_t l = memory_limit(&spec->init_containers[i]);

                if (l > sum)
                        sum = l;
        }
        return sum;
}

/*
 * The size of a memory-backed volume: calculateEmptyDirMemorySize(). The
 * machine's memory, or the pod's limit when below it, or sizeLimit when
 * above zero and below that.
 */
static int64_t
memory_size(const struct setup *s, const struct kube_qty *size_limit)
{
        int64_t size = s->node_memory, pod = pod_memory_limit(s->o->spec);

        if (pod > 0 && pod <= size)
                size = pod;
        if (size_limit && size_limit->text) {
                int64_t l = kube_quantity_value(&size_limit->q);

                if (l > 0 && l <= size)
                        size = l;
        }
        return size;
}

/* Whether dirfd/name is a mount point: on another device than its parent (tmpfs always is). */
static int
is_mount_point(int dirfd, const char *name)
{
        struct stat st, parent;

        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || fstat(dirfd, &parent) < 0)
                return -errno;
        return st.st_dev != parent.st_dev;
}

/*
 * A tmpfs of size bytes on o->dir/name (its top directory mode, 0: tmpfs'
 * own 1777), unless one is there already. Something else mounted there is
 * an error: a volume asked to be in memory is never left on a disk.
 */
static int
mount_tmpfs(struct setup *s, const char *name, int64_t size, mode_t mode, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        char target[64], opts[64];
        struct statfs sfs;
        int r, len = 0;

        r = is_mount_point(s->dirfd, name);
        if (r < 0)
                return berr(err, -r, "stat %s/%s", s->dir, name);
        fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open %s/%s", s->dir, name);
        if (r > 0) {
                if (fstatfs(fd, &sfs) < 0)
                        return berr(err, errno, "statfs %s/%s", s->dir, name);
                if (sfs.f_type != TMPFS_MAGIC)
                        return berr(err, 0,
                                    "%s/%s: another file system is mounted there, expected "
                                    "a tmpfs",
                                    s->dir, name);
                return 0;
        }
        snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
        opts[0] = '\0';
        if (size > 0)
                len = snprintf(opts, sizeof(opts), "size=%lld", (long long)size);
        if (mode)
                snprintf(opts + len, sizeof(opts) - (size_t)len, "%smode=%04o", len ? "," : "",
                         (unsigned)mode);
        if (mount("tmpfs", target, "tmpfs", 0, opts[0] ? opts : NULL) < 0)
                return berr(err, errno, "mount a tmpfs on %s/%s", s->dir, name);
        return 0;
}

/* An emptyDir's directory, as setupDir() leaves it: 0777 whatever the umask. */
static int
make_volume_dir(struct setup *s, const char *name, struct berr **err)
{
        struct stat st;

        if (mkdirat(s->dirfd, name, 0777) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/%s", s->dir, name);
        if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "stat %s/%s", s->dir, name);
        if (!S_ISDIR(st.st_mode))
                return berr(err, ENOTDIR, "%s/%s", s->dir, name);
        if ((st.st_mode & 0777) != 0777 && fchmodat(s->dirfd, name, 0777, 0) < 0)
                return berr(err, errno, "chmod %s/%s", s->dir, name);
        return 0;
}

/* ---------------------------------------------------------------- fsGroup */

/* changeFilePermission(): group fsGroup, the mask's bits added (and setgid on directories). */
static int
own_entry(int dirfd, const char *name, const struct stat *st, gid_t gid, bool readonly)
{
        mode_t mask = readonly ? FSGROUP_RO : FSGROUP_RW;

        if (fchownat(dirfd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (S_ISLNK(st->st_mode))
                return 0;
        if (S_ISDIR(st->st_mode))
                mask |= S_ISGID | FSGROUP_X;
        if (fchmodat(dirfd, name, (st->st_mode & 07777) | mask, 0) < 0)
                return -errno;
        return 0;
}

static int
own_tree(int fd, gid_t gid, bool readonly, unsigned depth)
{
        _cleanup_close_ int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (dfd < 0)
                return -errno;
        d = fdopendir(dfd);
        if (!d)
                return -errno;
        (void)TAKE_FD(dfd);
        while (r >= 0 && (de = readdir(d))) {
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = -errno;
                        break;
                }
                r = own_entry(dirfd(d), de->d_name, &st, gid, readonly);
                if (r >= 0 && S_ISDIR(st.st_mode) && depth < OWNERSHIP_DEPTH_MAX) {
                        _cleanup_close_ int sub =
                                openat(dirfd(d), de->d_name,
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : own_tree(sub, gid, readonly, depth + 1);
                }
        }
        closedir(d);
        return r;
}

/*
 * SetVolumeOwnership(): the pod's fsGroup on o->dir/name and all below it.
 * OnRootMismatch: nothing when the top already has the group and the bits.
 */
static int
apply_fs_group(struct setup *s, const char *name, bool readonly, struct berr **err)
{
        const struct kube_pod_security_context *sc = s->o->spec->security_context;
        _cleanup_close_ int fd = -EBADF;
        mode_t want = (readonly ? FSGROUP_RO : FSGROUP_RW) | S_ISGID | FSGROUP_X;
        struct stat st;
        gid_t gid;
        int r;

        if (!sc || !sc->fs_group.set)
                return 0;
        gid = (gid_t)sc->fs_group.v;
        fd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return berr(err, errno, "open %s/%s", s->dir, name);
        if (sc->fs_group_change_policy &&
            strcmp(sc->fs_group_change_policy, "OnRootMismatch") == 0 && st.st_gid == gid &&
            (st.st_mode & want) == want)
                return 0;
        r = own_entry(s->dirfd, name, &st, gid, readonly);
        if (r >= 0)
                r = own_tree(fd, gid, readonly, 0);
        if (r < 0)
                return berr(err, -r, "set the group of %s/%s to fsGroup %u", s->dir, name,
                            (unsigned)gid);
        return 0;
}

/* ---------------------------------------------------------------- payloads */

/*
 * filepath.Clean() of a relative path, then the atomic writer's
 * validatePath(): relative, no "..", at most 4096 bytes and 255 per name,
 * not starting with ".." (the writer's own names).
 */
static int
clean_payload_path(const char *in, char **ret, struct berr **err)
{
        _cleanup_free_ char *out = NULL;
        size_t len = 0, n = strlen(in);
        const char *p = in;

        if (!*in)
                return berr(err, 0, "invalid path: must not be empty: \"\"");
        if (in[0] == '/')
                return berr(err, 0, "invalid path: must be relative path: %s", in);
        if (n > PAYLOAD_PATH_MAX)
                return berr(err, 0, "invalid path: must be less than or equal to %d characters",
                            PAYLOAD_PATH_MAX);
        out = malloc(n + 1);
        if (!out)
                return berr(err, ENOMEM, "path");
        while (*p) {
                const char *end = strchrnul(p, '/');
                size_t el = (size_t)(end - p);

                if (el == 2 && p[0] == '.' && p[1] == '.')
                        return berr(err, 0, "invalid path: must not contain '..': %s", in);
                if (el > PAYLOAD_NAME_MAX)
                        return berr(err, 0,
                                    "invalid path: filenames must be less than or equal to %d "
                                    "characters",
                                    PAYLOAD_NAME_MAX);
                if (el > 0 && !(el == 1 && p[0] == '.')) {
                        if (len > 0)
                                out[len++] = '/';
                        memcpy(out + len, p, el);
                        len += el;
                }
                p = *end ? end + 1 : end;
        }
        out[len] = '\0';
        if (len == 0)
                return berr(err, 0, "invalid path: must not be empty: \"%s\"", in);
        if (out[0] == '.' && out[1] == '.')
                return berr(err, 0, "invalid path: must not start with '..': %s", in);
        *ret = TAKE_PTR(out);
        return 0;
}

/* Add (or replace: the later one wins, as in the kubelet's map) the file path. */
static int
payload_add(struct payload *pl, const char *path, const void *data, size_t len, mode_t mode,
            bool secret, struct berr **err)
{
        _cleanup_free_ char *clean = NULL;
        unsigned char *copy;
        struct file *f = NULL;
        int r;

        r = clean_payload_path(path, &clean, err);
        if (r < 0 || !clean)
                return r < 0 ? r : -ENOMEM;
        copy = malloc(len + 1);
        if (!copy)
                return berr(err, ENOMEM, "%s", path);
        if (len)
                memcpy(copy, data, len);
        copy[len] = '\0';
        for (size_t i = 0; i < pl->n && !f; i++)
                if (strcmp(pl->files[i].path, clean) == 0)
                        f = &pl->files[i];
        if (f) {
                free(f->data);
                free(f->path);
        } else {
                if (pl->n == pl->cap) {
                        size_t cap = pl->cap ? pl->cap * 2 : 8;
                        struct file *nf = realloc(pl->files, cap * sizeof(*nf));

                        if (!nf) {
                                free(copy);
                                return berr(err, ENOMEM, "%s", path);
                        }
                        pl->files = nf;
                        pl->cap = cap;
                }
                f = &pl->files[pl->n++];
        }
        *f = (struct file){
                .path = TAKE_PTR(clean), .data = copy, .len = len, .mode = mode, .secret = secret};
        return 0;
}

static mode_t
mode_or(const struct kube_opt_int *m, mode_t dflt)
{
        return m && m->set ? (mode_t)(m->v & 07777) : dflt;
}

/* ---------------------------------------------------------------- ConfigMaps and Secrets */

static const struct kube_configmap *
find_configmap(struct setup *s, const char *name, struct kubeobj **owned, struct berr **err)
{
        int r;

        for (size_t i = 0; i < s->o->n_configmaps; i++) {
                const struct kube_configmap *cm = s->o->configmaps[i];

                if (cm && cm->meta.name && strcmp(cm->meta.name, name) == 0 &&
                    strcmp(namespace_of(&cm->meta), s->ns) == 0)
                        return cm;
        }
        if (!s->o->store)
                return NULL;
        r = kubeobj_load(s->o->store, KUBEOBJ_CONFIGMAP, s->ns, name, owned, err);
        return r < 0 ? NULL : &(*owned)->configmap;
}

static const struct kube_secret *
find_secret(struct setup *s, const char *name, struct kubeobj **owned, struct berr **err)
{
        int r;

        for (size_t i = 0; i < s->o->n_secrets; i++) {
                const struct kube_secret *sec = s->o->secrets[i];

                if (sec && sec->meta.name && strcmp(sec->meta.name, name) == 0 &&
                    strcmp(namespace_of(&sec->meta), s->ns) == 0)
                        return sec;
        }
        if (!s->o->store)
                return NULL;
        r = kubeobj_load(s->o->store, KUBEOBJ_SECRET, s->ns, name, owned, err);
        return r < 0 ? NULL : &(*owned)->secret;
}

/* A key of a ConfigMap: data, then binaryData, as MakePayload() looks. false: none. */
static bool
configmap_key(const struct kube_configmap *cm, const char *key, const void **data, size_t *len)
{
        for (size_t i = 0; i < cm->n_data; i++)
                if (strcmp(cm->data[i].key, key) == 0) {
                        *data = str_or_empty(cm->data[i].value);
                        *len = strlen(*data);
                        return true;
                }
        for (size_t i = 0; i < cm->n_binary_data; i++)
                if (strcmp(cm->binary_data[i].key, key) == 0) {
                        *data = cm->binary_data[i].data;
                        *len = cm->binary_data[i].len;
                        return true;
                }
        return false;
}

/* configmap.MakePayload(): every key, or the items. */
static int
configmap_payload(struct setup *s, const struct kube_config_map_volume *src, mode_t dflt,
                  struct payload *pl, struct berr **err)
{
        _cleanup_(kubeobj_freep) struct kubeobj *owned = NULL;
        const struct kube_configmap *cm;
        bool optional = src->optional.set && src->optional.v;
        struct berr *lerr = NULL;
        int r;

        cm = find_configmap(s, src->name, &owned, &lerr);
        if (lerr) {
                /* a kept file that cannot be read: its own message */
                r = berr(err, 0, "%s", lerr->msg);
                berr_free(lerr);
                return r;
        }
        if (!cm) {
                if (optional)
                        return 0;
                (void)berr(err, 0, "configmap \"%s\" not found", src->name);
                return -ENOENT;
        }
        if (src->n_items == 0) {
                for (size_t i = 0; i < cm->n_data; i++) {
                        const char *v = str_or_empty(cm->data[i].value);

                        r = payload_add(pl, cm->data[i].key, v, strlen(v), dflt, false, err);
                        if (r < 0)
                                return r;
                }
                for (size_t i = 0; i < cm->n_binary_data; i++) {
                        r = payload_add(pl, cm->binary_data[i].key, cm->binary_data[i].data,
                                        cm->binary_data[i].len, dflt, false, err);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        for (size_t i = 0; i < src->n_items; i++) {
                const struct kube_key_to_path *it = &src->items[i];
                const void *data = NULL;
                size_t len = 0;

                if (!configmap_key(cm, it->key, &data, &len)) {
                        if (optional)
                                continue;
                        (void)berr(err, 0, "configmap references non-existent config key: %s",
                                   it->key);
                        return -ENOENT;
                }
                r = payload_add(pl, it->path, data, len, mode_or(&it->mode, dflt), false, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* secret.MakePayload(). */
static int
secret_payload(struct setup *s, const struct kube_secret_volume *src, mode_t dflt,
               struct payload *pl, struct berr **err)
{
        _cleanup_(kubeobj_freep) struct kubeobj *owned = NULL;
        const struct kube_secret *sec;
        bool optional = src->optional.set && src->optional.v;
        struct berr *lerr = NULL;
        int r;

        sec = find_secret(s, src->secret_name, &owned, &lerr);
        if (lerr) {
                r = berr(err, 0, "%s", lerr->msg);
                berr_free(lerr);
                return r;
        }
        if (!sec) {
                if (optional)
                        return 0;
                (void)berr(err, 0, "secret \"%s\" not found", src->secret_name);
                return -ENOENT;
        }
        if (src->n_items == 0) {
                for (size_t i = 0; i < sec->n_data; i++) {
                        r = payload_add(pl, sec->data[i].key, sec->data[i].data, sec->data[i].len,
                                        dflt, true, err);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        for (size_t i = 0; i < src->n_items; i++) {
                const struct kube_key_to_path *it = &src->items[i];
                const struct kube_bytes *b = NULL;

                for (size_t k = 0; k < sec->n_data && !b; k++)
                        if (strcmp(sec->data[k].key, it->key) == 0)
                                b = &sec->data[k];
                if (!b) {
                        if (optional)
                                continue;
                        (void)berr(err, 0, "secret references non-existent secret key: %s",
                                   it->key);
                        return -ENOENT;
                }
                r = payload_add(pl, it->path, b->data, b->len, mode_or(&it->mode, dflt), true, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------- the downward API */

/*
 * Go's utf8.DecodeRuneInString(): the rune at s and its width; anything
 * that is not a valid sequence (overlong, surrogate, past U+10FFFF, cut
 * short) is U+FFFD of width 1.
 */
static uint32_t
decode_rune(const unsigned char *s, size_t n, size_t *width)
{
        unsigned char lo = 0x80, hi = 0xBF;
        size_t need;
        uint32_t r;

        *width = 1;
        if (s[0] < 0x80)
                return s[0];
        if (s[0] >= 0xC2 && s[0] <= 0xDF) {
                need = 1;
                r = s[0] & 0x1F;
        } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
                need = 2;
                r = s[0] & 0x0F;
                if (s[0] == 0xE0)
                        lo = 0xA0;
                else if (s[0] == 0xED)
                        hi = 0x9F;
        } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
                need = 3;
                r = s[0] & 0x07;
                if (s[0] == 0xF0)
                        lo = 0x90;
                else if (s[0] == 0xF4)
                        hi = 0x8F;
        } else {
                return 0xFFFD;
        }
        if (n < need + 1 || s[1] < lo || s[1] > hi)
                return 0xFFFD;
        for (size_t i = 1; i <= need; i++) {
                if (s[i] < 0x80 || s[i] > 0xBF)
                        return 0xFFFD;
                r = (r << 6) | (s[i] & 0x3F);
        }
        *width = need + 1;
        return r;
}

/*
 * strconv.IsPrint(), for what label and annotation values hold: ASCII
 * exactly; beyond it the C1 controls, the spaces other than ' ', the
 * common format characters and private use are not printable. (Code points
 * Unicode has not assigned are taken as printable, where Go would escape
 * them: berth carries no Unicode tables.)
 */
static bool
go_is_print(uint32_t r)
{
        static const uint32_t not_print[][2] = {
                {0x0080, 0x00A0},   {0x00AD, 0x00AD},   {0x0600, 0x0605},    {0x061C, 0x061C},
                {0x06DD, 0x06DD},   {0x070F, 0x070F},   {0x1680, 0x1680},    {0x180E, 0x180E},
                {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x2064},    {0x2066, 0x206F},
                {0x3000, 0x3000},   {0xD800, 0xF8FF},   {0xFEFF, 0xFEFF},    {0xFFF9, 0xFFFB},
                {0xFFFE, 0xFFFF},   {0x110BD, 0x110BD}, {0x1BCA0, 0x1BCA3},  {0x1D173, 0x1D17A},
                {0xE0001, 0xE0001}, {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
        };

        if (r < 0x80)
                return r >= 0x20 && r < 0x7F;
        for (size_t i = 0; i < ELEMENTSOF(not_print); i++)
                if (r >= not_print[i][0] && r <= not_print[i][1])
                        return false;
        return true;
}

/* The letter of Go's one-letter escape for r (\a, \b, \f, \n, \r, \t, \v), or 0. */
static char
escape_letter(uint32_t r)
{
        switch (r) {
        case '\a':
                return 'a';
        case '\b':
                return 'b';
        case '\f':
                return 'f';
        case '\n':
                return 'n';
        case '\r':
                return 'r';
        case '\t':
                return 't';
        case '\v':
                return 'v';
        default:
                return 0;
        }
}

/* strconv.Quote(s) onto f: what %q makes of a Go string. */
static void
go_quote(FILE *f, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = (const unsigned char *)s;
        size_t n = strlen(s);

        fputc('"', f);
        while (n > 0) {
                size_t w;
                uint32_t r = decode_rune(p, n, &w);

                if (r == 0xFFFD && w == 1) {
                        fprintf(f, "\\x%c%c", hex[p[0] >> 4], hex[p[0] & 0xF]);
                } else if (r == '"' || r == '\\') {
                        fprintf(f, "\\%c", (char)r);
                } else if (go_is_print(r)) {
                        fwrite(p, 1, w, f);
                } else if (escape_letter(r)) {
                        fprintf(f, "\\%c", escape_letter(r));
                } else if (r < ' ' || r == 0x7F) {
                        fprintf(f, "\\x%c%c", hex[r >> 4], hex[r & 0xF]);
                } else if (r < 0x10000) {
                        fprintf(f, "\\u%04x", (unsigned)r);
                } else {
                        fprintf(f, "\\U%08x", (unsigned)r);
                }
                p += w;
                n -= w;
        }
        fputc('"', f);
}

static int
cmp_kv(const void *a, const void *b)
{
        return strcmp((*(const struct kube_kv *const *)a)->key,
                      (*(const struct kube_kv *const *)b)->key);
}

/* fieldpath.FormatMap(): key="value" lines, keys sorted, no newline after the last. */
static int
format_map(const struct kube_kv *kv, size_t n, char **ret)
{
        _cleanup_free_ const struct kube_kv **sorted = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        if (n > 0) {
                sorted = calloc(n, sizeof(*sorted));
                if (!sorted)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        sorted[i] = &kv[i];
                qsort(sorted, n, sizeof(*sorted), cmp_kv);
        }
        f = open_memstream(&buf, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                fprintf(f, "%s%s=", i ? "\n" : "", sorted[i]->key);
                go_quote(f, str_or_empty(sorted[i]->value));
        }
        if (fclose(f) != 0 || !buf) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static const char *
kv_get(const struct kube_kv *kv, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(kv[i].key, key) == 0)
                        return str_or_empty(kv[i].value);
        return "";
}

/* fieldpath.ExtractFieldPathAsString() for what a volume may read. */
static int
field_value(struct setup *s, const char *path, char **ret, struct berr **err)
{
        const struct kube_meta *m = s->o->meta;
        const char *open = strstr(path, "['");
        size_t len = strlen(path);
        const char *v = NULL;

        if (open && len >= 4 && strcmp(path + len - 2, "']") == 0) {
                _cleanup_free_ char *key = strndup(open + 2, (size_t)(path + len - 2 - (open + 2)));
                size_t plen = (size_t)(open - path);

                if (!key)
                        return berr(err, ENOMEM, "%s", path);
                if (plen == 20 && strncmp(path, "metadata.annotations", 20) == 0)
                        v = kv_get(m->annotations, m->n_annotations, key);
                else if (plen == 15 && strncmp(path, "metadata.labels", 15) == 0)
                        v = kv_get(m->labels, m->n_labels, key);
                else
                        return berr(err, 0, "fieldPath \"%s\" does not support subscript", path);
        } else if (strcmp(path, "metadata.annotations") == 0) {
                if (format_map(m->annotations, m->n_annotations, ret) < 0)
                        return berr(err, ENOMEM, "%s", path);
                return 0;
        } else if (strcmp(path, "metadata.labels") == 0) {
                if (format_map(m->labels, m->n_labels, ret) < 0)
                        return berr(err, ENOMEM, "%s", path);
                return 0;
        } else if (strcmp(path, "metadata.name") == 0) {
                v = str_or_empty(m->name);
        } else if (strcmp(path, "metadata.namespace") == 0) {
                v = s->ns;
        } else if (strcmp(path, "metadata.uid") == 0) {
                v = str_or_empty(s->o->pod_uid);
        } else {
                return berr(err, 0, "unsupported fieldPath: %s", path);
        }
        *ret = strdup(v);
        return *ret ? 0 : berr(err, ENOMEM, "%s", path);
}

static const struct kube_container *
find_container(const struct kube_pod_spec *spec, const char *name)
{
        for (size_t i = 0; i < spec->n_containers; i++)
                if (strcmp(spec->containers[i].name, name) == 0)
                        return &spec->containers[i];
        for (size_t i = 0; i < spec->n_init_containers; i++)
                if (strcmp(spec->init_containers[i].name, name) == 0)
                        return &spec->init_containers[i];
        return NULL;
}

/* The machine's disk for limits.ephemeral-storage: the file system of the pod's directory. */
static int64_t
node_storage(struct setup *s)
{
        struct statvfs sv;

        if (fstatvfs(s->dirfd, &sv) < 0)
                return 0;
        return (int64_t)sv.f_blocks * (int64_t)sv.f_frsize;
}

static int64_t
ceil_div(int64_t a, int64_t b)
{
        if (b <= 0)
                b = 1;
        if (a <= 0)
                return a / b;
        return a / b + (a % b != 0);
}

/*
 * ExtractResourceValueByContainerNameAndNodeAllocatable(): a container's
 * limit or request over the divisor, rounded up; a missing (or zero) limit
 * of cpu, memory or ephemeral-storage is the machine's.
 */
static int
resource_value(struct setup *s, const struct kube_resource_field_ref *ref, char **ret,
               struct berr **err)
{
        const char *res = str_or_empty(ref->resource), *name;
        const struct kube_container *c;
        const struct kube_resources *rs;
        const struct kube_qty *q = NULL;
        bool limits, cpu;
        int64_t v, div = 1;

        c = find_container(s->o->spec, str_or_empty(ref->container_name));
        if (!c)
                return berr(err, 0, "container %s not found", str_or_empty(ref->container_name));
        rs = c->resources;
        if (strncmp(res, "limits.", 7) == 0) {
                limits = true;
                name = res + 7;
        } else if (strncmp(res, "requests.", 9) == 0) {
                limits = false;
                name = res + 9;
        } else {
                return berr(err, 0, "unsupported container resource : %s", res);
        }
        if (!(strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
              strcmp(name, "ephemeral-storage") == 0 || strncmp(name, "hugepages-", 10) == 0))
                return berr(err, 0, "unsupported container resource : %s", res);
        cpu = strcmp(name, "cpu") == 0;
        if (rs && limits)
                q = resource_find(rs->limits, rs->n_limits, name);
        /* a request not given is the limit given (the API server's defaulting) */
        if (rs && !limits)
                q = resource_find(rs->requests, rs->n_requests, name)
                            ?: resource_find(rs->limits, rs->n_limits, name);
        v = q ? (cpu ? kube_quantity_milli(&q->q) : kube_quantity_value(&q->q)) : 0;
        if (limits && v == 0 && strncmp(name, "hugepages-", 10) != 0)
                v = cpu                           ? s->node_cpu_millis
                    : strcmp(name, "memory") == 0 ? s->node_memory
                                                  : node_storage(s);
        if (ref->divisor.text && ref->divisor.q.mant != 0)
                div = cpu ? kube_quantity_milli(&ref->divisor.q)
                          : kube_quantity_value(&ref->divisor.q);
        else if (cpu)
                div = 1000;
        if (asprintf(ret, "%lld", (long long)ceil_div(v, div)) < 0)
                return berr(err, ENOMEM, "%s", res);
        return 0;
}

/* downwardapi.CollectData(). */
static int
downward_payload(struct setup *s, const struct kube_downward_api *api, mode_t dflt,
                 struct payload *pl, struct berr **err)
{
        for (size_t i = 0; i < api->n_items; i++) {
                const struct kube_downward_item *it = &api->items[i];
                _cleanup_free_ char *v = NULL;
                int r;

                if (it->field_ref)
                        r = field_value(s, str_or_empty(it->field_ref->field_path), &v, err);
                else if (it->resource_field_ref)
                        r = resource_value(s, it->resource_field_ref, &v, err);
                else
                        r = berr(err, 0, "%s: neither fieldRef nor resourceFieldRef",
                                 str_or_empty(it->path));
                if (r < 0 || !v)
                        return r < 0 ? r : berr(err, ENOMEM, "%s", str_or_empty(it->path));
                r = payload_add(pl, str_or_empty(it->path), v, strlen(v), mode_or(&it->mode, dflt),
                                false, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------- the atomic writer */

/* dirfd/path's parent directories (made 0755 as needed), opened; *ret_base is the last name. */
static int
open_parent(int dirfd, const char *path, int *ret_fd, const char **ret_base)
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        const char *p = path;

        if (fd < 0)
                return -errno;
        for (;;) {
                const char *slash = strchr(p, '/');
                char name[PAYLOAD_NAME_MAX + 1];
                int next;

                if (!slash)
                        break;
                snprintf(name, sizeof(name), "%.*s", (int)(slash - p), p);
                if (mkdirat(fd, name, 0755) == 0) {
                        if (fchmodat(fd, name, 0755, 0) < 0)
                                return -errno;
                } else if (errno != EEXIST) {
                        return -errno;
                }
                next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return -errno;
                (void)close(fd);
                fd = next;
                p = slash + 1;
        }
        *ret_fd = TAKE_FD(fd);
        *ret_base = p;
        return 0;
}

/* f under dirfd; a Secret's value owned by owner (NO_OWNER: root's, as written) */
static int
write_file(int dirfd, const struct file *f, uid_t owner)
{
        _cleanup_close_ int pfd = -EBADF, fd = -EBADF;
        const unsigned char *p = f->data;
        const char *base = NULL;
        size_t left = f->len;
        int r;

        r = open_parent(dirfd, f->path, &pfd, &base);
        if (r < 0 || !base)
                return r < 0 ? r : -EIO;
        fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (left > 0) {
                ssize_t n = write(fd, p, left);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                left -= (size_t)n;
        }
        if (f->secret && owner != NO_OWNER && fchown(fd, owner, (gid_t)-1) < 0)
                return -errno;
        /* the mode exactly, whatever the umask (the writer's os.Chmod()) */
        if (fchmod(fd, f->mode) < 0)
                return -errno;
        return 0;
}

/* "..2006_01_02_15_04_05.<random>", as os.MkdirTemp() names the writer's directories. */
static int
make_ts_dir(int vfd, char *name, size_t size)
{
        struct timespec now;
        struct tm tm;

        if (clock_gettime(CLOCK_REALTIME, &now) < 0 || !gmtime_r(&now.tv_sec, &tm))
                return -errno;
        for (int tries = 0; tries < 100; tries++) {
                uint32_t rnd;
                size_t len = strftime(name, size, "..%Y_%m_%d_%H_%M_%S.", &tm);

                if (len == 0 || getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                        return -EIO;
                snprintf(name + len, size - len, "%u", (unsigned)rnd);
                if (mkdirat(vfd, name, 0755) == 0)
                        return fchmodat(vfd, name, 0755, 0) < 0 ? -errno : 0;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* The top-level names of the payload (each once). */
static bool
top_has(const struct payload *pl, const char *name)
{
        size_t n = strlen(name);

        for (size_t i = 0; i < pl->n; i++)
                if (strncmp(pl->files[i].path, name, n) == 0 &&
                    (pl->files[i].path[n] == '\0' || pl->files[i].path[n] == '/'))
                        return true;
        return false;
}

/* Remove symlinks into ..data that the new payload no longer has (removeUserVisiblePaths()). */
static int
remove_stale(int vfd, const struct payload *pl)
{
        _cleanup_close_ int fd = openat(vfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        (void)TAKE_FD(fd);
        while ((de = readdir(d))) {
                char target[PATH_MAX];
                ssize_t n;

                if (strncmp(de->d_name, "..", 2) == 0 || strcmp(de->d_name, ".") == 0 ||
                    top_has(pl, de->d_name))
                        continue;
                n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue; /* not a symlink: not the writer's */
                target[n] = '\0';
                if (strncmp(target, DATA_LINK "/", strlen(DATA_LINK) + 1) != 0)
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
                        r = -errno;
                        break;
                }
        }
        closedir(d);
        return r;
}

/*
 * The kubelet's AtomicWriter.Write() into o->dir/name: the files in a new
 * "..<timestamp>" directory (a Secret's values owned by owner), the
 * fsGroup, "..data" swapped to it in one
 * rename, the user-visible symlinks, then what the old contents had and
 * the new lack removed, and the old directory.
 */
static int
atomic_write(struct setup *s, const char *name, const struct payload *pl, uid_t owner,
             struct berr **err)
{
        _cleanup_close_ int vfd = -EBADF, tfd = -EBADF;
        char old[PATH_MAX] = "", ts[128];
        ssize_t n;
        int r;

        vfd = openat(s->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (vfd < 0)
                return berr(err, errno, "open %s/%s", s->dir, name);
        n = readlinkat(vfd, DATA_LINK, old, sizeof(old) - 1);
        if (n >= 0)
                old[n] = '\0';
        else
                old[0] = '\0';
        r = make_ts_dir(vfd, ts, sizeof(ts));
        if (r < 0)
                return berr(err, -r, "create a directory in %s/%s", s->dir, name);
        tfd = openat(vfd, ts, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0) {
                r = berr(err, errno, "open %s/%s/%s", s->dir, name, ts);
                goto fail;
        }
        for (size_t i = 0; i < pl->n; i++) {
                r = write_file(tfd, &pl->files[i], owner);
                if (r < 0) {
                        r = berr(err, -r, "write %s/%s/%s/%s", s->dir, name, ts, pl->files[i].path);
                        goto fail;
                }
        }
        r = apply_fs_group(s, name, true, err);
        if (r < 0)
                goto fail;
        (void)unlinkat(vfd, DATA_TMP, 0);
        if (symlinkat(ts, vfd, DATA_TMP) < 0 || renameat(vfd, DATA_TMP, vfd, DATA_LINK) < 0) {
                r = berr(err, errno, "point %s/%s/" DATA_LINK " to %s", s->dir, name, ts);
                (void)unlinkat(vfd, DATA_TMP, 0);
                goto fail;
        }
        for (size_t i = 0; i < pl->n; i++) {
                const char *path = pl->files[i].path;
                size_t len = strcspn(path, "/");
                _cleanup_free_ char *top = strndup(path, len), *link = NULL;
                struct stat st;

                if (!top || asprintf(&link, DATA_LINK "/%s", top) < 0)
                        return berr(err, ENOMEM, "%s", path);
                if (fstatat(vfd, top, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if (errno != ENOENT || symlinkat(link, vfd, top) < 0)
                        return berr(err, errno, "create %s/%s/%s", s->dir, name, top);
        }
        r = remove_stale(vfd, pl);
        if (r < 0)
                return berr(err, -r, "remove old files of %s/%s", s->dir, name);
        /* only a directory the writer named: "..", then the timestamp's year */
        if (strcmp(old, ts) != 0 && strncmp(old, "..", 2) == 0 && old[2] >= '0' && old[2] <= '9' &&
            !strchr(old, '/')) {
                r = rm_rf_at(vfd, old);
                if (r < 0 && r != -ENOENT)
                        return berr(err, -r, "remove %s/%s/%s", s->dir, name, old);
        }
        return 0;
fail:
        (void)rm_rf_at(vfd, ts);
        return r;
}

/* ---------------------------------------------------------------- volumes */

/* hostPath's checkTypeInternal(), with makeDir() and makeFile(). */
static int
host_path_check(const struct kube_host_path *h, struct berr **err)
{
        const char *type = str_or_empty(h->type), *path = h->path;
        struct stat st;
        bool exists;

        if (!*type)
                return 0;
        exists = stat(path, &st) == 0;
        if (!exists && errno != ENOENT)
                return berr(err, errno, "stat %s", path);
        if (strcmp(type, "DirectoryOrCreate") == 0) {
                if (!exists) {
                        /* os.MkdirAll(path, 0755), each directory 0755 whatever the umask */
                        int r = mkdir_p(path, 0755);

                        if (r < 0)
                                return berr(err, -r, "mkdir %s", path);
                        if (r > 0 && chmod(path, 0755) < 0)
                                return berr(err, errno, "chmod %s", path);
                        return 0;
                }
                type = "Directory";
        } else if (strcmp(type, "FileOrCreate") == 0) {
                if (!exists) {
                        /* the parent must exist: os.OpenFile(path, O_CREATE, 0644) */
                        int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);

                        if (fd < 0)
                                return berr(err, errno, "open %s", path);
                        if (fchmod(fd, 0644) < 0) {
                                int e = errno;

                                (void)close(fd);
                                return berr(err, e, "chmod %s", path);
                        }
                        (void)close(fd);
                        return 0;
                }
                type = "File";
        }
        if (strcmp(type, "Directory") == 0) {
                if (!exists || !S_ISDIR(st.st_mode))
                        return berr(err, 0, "hostPath type check failed: %s is not a directory",
                                    path);
        } else if (strcmp(type, "File") == 0) {
                if (!exists || !S_ISREG(st.st_mode))
                        return berr(err, 0, "hostPath type check failed: %s is not a file", path);
        } else if (strcmp(type, "Socket") == 0) {
                if (!exists || !S_ISSOCK(st.st_mode))
                        return berr(err, 0, "hostPath type check failed: %s is not a socket file",
                                    path);
        } else if (strcmp(type, "CharDevice") == 0) {
                if (!exists || !S_ISCHR(st.st_mode))
                        return berr(err, 0,
                                    "hostPath type check failed: %s is not a character device",
                                    path);
        } else if (strcmp(type, "BlockDevice") == 0) {
                if (!exists || !S_ISBLK(st.st_mode))
                        return berr(err, 0, "hostPath type check failed: %s is not a block device",
                                    path);
        } else {
                return berr(err, 0, "%s is an invalid volume type", type);
        }
        return 0;
}

/* The files of an API data volume (configMap, secret, downwardAPI, projected). */
static int
api_payload(struct setup *s, const struct kube_volume *v, struct payload *pl, struct berr **err)
{
        int r = 0;

        if (v->config_map)
                return configmap_payload(s, v->config_map,
                                         mode_or(&v->config_map->default_mode, FILE_MODE), pl, err);
        if (v->secret)
                return secret_payload(s, v->secret, mode_or(&v->secret->default_mode, SECRET_MODE),
                                      pl, err);
        if (v->downward_api)
                return downward_payload(s, v->downward_api,
                                        mode_or(&v->downward_api->default_mode, FILE_MODE), pl,
                                        err);
        /* projected: each source with the volume's defaultMode (a source has none of its own) */
        for (size_t i = 0; r >= 0 && i < v->projected->n_sources; i++) {
                const struct kube_projection *p = &v->projected->sources[i];
                const struct kube_opt_int *dm = &v->projected->default_mode;

                if (p->config_map)
                        r = configmap_payload(s, p->config_map, mode_or(dm, FILE_MODE), pl, err);
                if (r >= 0 && p->secret)
                        r = secret_payload(s, p->secret, mode_or(dm, SECRET_MODE), pl, err);
                if (r >= 0 && p->downward_api)
                        r = downward_payload(s, p->downward_api, mode_or(dm, FILE_MODE), pl, err);
        }
        return r;
}

/*
 * The runAsUser of the containers (init containers too) that mount the
 * volume name: each one's own, or else the pod's. When those known all
 * agree, that one (the kubelet's FsUserFrom(), for one volume; a container
 * with none runs as its image says, and cannot be helped); when they
 * differ, the pod's; NO_OWNER when there is none.
 */
static uid_t
volume_user(const struct kube_pod_spec *spec, const char *name)
{
        const struct kube_pod_security_context *psc = spec->security_context;
        const struct kube_opt_int *pod = psc && psc->run_as_user.set ? &psc->run_as_user : NULL;
        const struct kube_opt_int *found = NULL;
        bool differ = false;

        for (int pass = 0; pass < 2; pass++) {
                const struct kube_container *cs = pass ? spec->containers : spec->init_containers;
                size_t n = pass ? spec->n_containers : spec->n_init_containers;

                for (size_t i = 0; i < n; i++) {
                        const struct kube_security_context *sc = cs[i].security_context;
                        const struct kube_opt_int *u =
                                sc && sc->run_as_user.set ? &sc->run_as_user : pod;
                        bool mounts = false;

                        for (size_t k = 0; k < cs[i].n_volume_mounts && !mounts; k++)
                                mounts = cs[i].volume_mounts[k].name &&
                                         strcmp(cs[i].volume_mounts[k].name, name) == 0;
                        if (!mounts || !u)
                                continue;
                        if (found && found->v != u->v)
                                differ = true;
                        found = u;
                }
        }
        if (found && !differ)
                return (uid_t)found->v;
        return pod ? (uid_t)pod->v : NO_OWNER;
}

/*
 * The kubelet wraps secret, downwardAPI and projected volumes in a memory
 * emptyDir: their values never reach a disk. Its top is 0755 (again on a
 * later setup: the fsGroup bits are added afresh), as the writer's
 * directories below: readable by a container that does not run as root,
 * writable by root alone.
 */
static int
make_tmpfs_volume(struct setup *s, const char *name, struct berr **err)
{
        struct stat st;
        int r;

        if (mkdirat(s->dirfd, name, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/%s", s->dir, name);
        if (fstatat(s->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berr(err, errno, "stat %s/%s", s->dir, name);
        if (!S_ISDIR(st.st_mode))
                return berr(err, ENOTDIR, "%s/%s", s->dir, name);
        r = mount_tmpfs(s, name, memory_size(s, NULL), API_TMPFS_MODE, err);
        if (r < 0)
                return r;
        if (fchmodat(s->dirfd, name, API_TMPFS_MODE, 0) < 0)
                return berr(err, errno, "chmod %s/%s", s->dir, name);
        return 0;
}

static int
make_api_volume(struct setup *s, const struct kube_volume *v, struct berr **err)
{
        _cleanup_(payload_clear) struct payload pl = {0};
        int r;

        /* the values first: a missing ConfigMap makes nothing */
        r = api_payload(s, v, &pl, err);
        if (r < 0)
                return r;
        r = v->config_map ? make_volume_dir(s, v->name, err) : make_tmpfs_volume(s, v->name, err);
        if (r < 0)
                return r;
        return atomic_write(s, v->name, &pl, volume_user(s->o->spec, v->name), err);
}

static int
make_volume(struct setup *s, struct vol *vol, struct berr **err)
{
        const struct kube_volume *v = vol->v;
        int r;

        if (v->host_path) {
                if (!v->host_path->path || v->host_path->path[0] != '/')
                        return berr(err, 0, "hostPath \"%s\" is not an absolute path",
                                    str_or_empty(v->host_path->path));
                r = host_path_check(v->host_path, err);
                if (r < 0)
                        return r;
                vol->root = strdup(v->host_path->path);
                return vol->root ? 0 : berr(err, ENOMEM, "volume");
        }
        if (v->persistent_volume_claim) {
                _cleanup_(json_decrefp) json_t *labels = json_pack("{s:s}", PVC_LABEL, "1");
                struct volume nv = {0};

                if (!s->o->store)
                        return berr(err, 0, "persistentVolumeClaim \"%s\": no store to keep it in",
                                    str_or_empty(v->persistent_volume_claim->claim_name));
                if (!labels)
                        return berr(err, ENOMEM, "volume");
                r = volume_create(s->o->store, v->persistent_volume_claim->claim_name, labels,
                                  VOLUME_CREATE_IGNORE, &nv, err);
                if (r < 0)
                        return r;
                vol->root = TAKE_PTR(nv.mountpoint);
                vol->read_only = v->persistent_volume_claim->read_only;
                volume_clear(&nv);
                return 0;
        }
        if (asprintf(&vol->root, "%s/%s", s->dir, v->name) < 0) {
                vol->root = NULL;
                return berr(err, ENOMEM, "volume");
        }
        if (v->empty_dir) {
                const char *medium = str_or_empty(v->empty_dir->medium);

                if (strncmp(medium, "HugePages", 9) == 0)
                        return berr(err, 0,
                                    "emptyDir medium %s is not supported by berth, expected \"\" "
                                    "or Memory",
                                    medium);
                r = make_volume_dir(s, v->name, err);
                if (r >= 0 && strcmp(medium, "Memory") == 0)
                        r = mount_tmpfs(s, v->name, memory_size(s, &v->empty_dir->size_limit), 0,
                                        err);
                if (r >= 0)
                        r = apply_fs_group(s, v->name, false, err);
                return r;
        }
        if (v->config_map || v->secret || v->downward_api || v->projected) {
                vol->read_only = true;
                return make_api_volume(s, v, err);
        }
        return berr(err, 0, "no volume source berth knows");
}

/* ---------------------------------------------------------------- subPaths */

/*
 * sub (relative, no "..") opened beneath vfd, without openat2: element by
 * element, refusing every symlink, since the walk cannot tell where one
 * leads. Made as directories with mode where missing (create).
 */
static int
open_beneath_walk(int vfd, const char *sub, bool create, mode_t mode)
{
        _cleanup_close_ int fd = openat(vfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *copy = strdup(sub);
        char *save = NULL;

        if (fd < 0)
                return -errno;
        if (!copy)
                return -ENOMEM;
        for (char *el = strtok_r(copy, "/", &save); el; el = strtok_r(NULL, "/", &save)) {
                int next;

                if (strcmp(el, ".") == 0)
                        continue;
                next = openat(fd, el, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0 && errno == ENOENT && create) {
                        if (mkdirat(fd, el, mode) < 0 && errno != EEXIST)
                                return -errno;
                        next = openat(fd, el, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                }
                if (next < 0)
                        return -errno;
                (void)close(fd);
                fd = next;
                {
                        struct stat st;

                        if (fstat(fd, &st) < 0)
                                return -errno;
                        if (S_ISLNK(st.st_mode))
                                return -EXDEV;
                }
        }
        return TAKE_FD(fd);
}

/* parent (O_PATH)/name made a directory with mode exactly (set through an fd: it may be swapped).
 */
static int
make_dir_at(int parent, const char *name, mode_t mode)
{
        _cleanup_close_ int pdir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int made = -EBADF;

        if (pdir < 0)
                return -errno;
        if (mkdirat(pdir, name, mode) < 0 && errno != EEXIST)
                return -errno;
        made = openat(pdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (made < 0 || fchmod(made, mode) < 0)
                return -errno;
        return 0;
}

/*
 * sub opened (O_PATH) beneath the volume vfd: symlinks resolve, but never to
 * outside it (RESOLVE_BENEATH; -EXDEV when they would). Missing elements
 * are made as directories with mode (the kubelet's SafeMakeDir()).
 */
static int
open_subpath(int vfd, const char *sub, mode_t mode)
{
        _cleanup_free_ char *prefix = NULL;
        int fd, r;

        fd = openat2_beneath(vfd, sub, O_PATH);
        if (fd >= 0 || (errno != ENOENT && errno != ENOSYS))
                return fd >= 0 ? fd : -errno;
        if (errno == ENOSYS)
                return open_beneath_walk(vfd, sub, true, mode);
        prefix = strdup(sub);
        if (!prefix)
                return -ENOMEM;
        /* element by element: each parent resolved beneath the volume, then the next made */
        for (char *p = prefix;; p++) {
                char c = *p;
                _cleanup_close_ int parent = -EBADF;
                char *slash;
                const char *last;

                if (c != '/' && c != '\0')
                        continue;
                *p = '\0';
                fd = openat2_beneath(vfd, prefix, O_PATH);
                if (fd >= 0) {
                        (void)close(fd);
                } else if (errno != ENOENT) {
                        return -errno;
                } else {
                        slash = strrchr(prefix, '/');
                        if (slash) {
                                *slash = '\0';
                                parent = openat2_beneath(vfd, prefix, O_PATH | O_DIRECTORY);
                                *slash = '/';
                                last = slash + 1;
                        } else {
                                parent = fcntl(vfd, F_DUPFD_CLOEXEC, 3);
                                last = prefix;
                        }
                        if (parent < 0)
                                return -errno;
                        r = make_dir_at(parent, last, mode);
                        if (r < 0)
                                return r;
                }
                *p = c;
                if (c == '\0')
                        break;
        }
        fd = openat2_beneath(vfd, sub, O_PATH);
        return fd >= 0 ? fd : -errno;
}

/* Unmount what is mounted at path, however many times. */
static int
umount_all(const char *path)
{
        for (int i = 0; i < UMOUNT_TRIES; i++)
                if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
                        return errno == EINVAL || errno == ENOENT ? 0 : -errno;
        return -EBUSY;
}

static bool
has_dotdot(const char *path)
{
        for (const char *p = path; *p;) {
                const char *end = strchrnul(p, '/');

                if (end - p == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                p = *end ? end + 1 : end;
        }
        return false;
}

static int
subpath_error(const struct kube_container *c, const struct kube_volume_mount *vm, int errnum,
              const char *what, struct berr **err)
{
        return berr(err, errnum, "container \"%s\": volumeMount \"%s\": subPath \"%s\"%s", c->name,
                    vm->name, vm->sub_path, what);
}

/*
 * vm->sub_path of vol, bind-mounted (from the fd it resolved to, so nothing
 * can swap it meanwhile) at o->dir/.subpaths/<volume>/<container>/<index>,
 * which is the mount's source.
 */
static int
subpath_source(struct setup *s, const struct vol *vol, const struct kube_container *c, size_t index,
               const struct kube_volume_mount *vm, char **ret, struct berr **err)
{
        _cleanup_free_ char *rel = NULL, *target = NULL;
        _cleanup_close_ int vfd = -EBADF, fd = -EBADF;
        struct stat vst, st;
        char src[64];
        int r;

        if (vm->sub_path[0] == '/')
                return subpath_error(c, vm, 0, " is absolute, expected a relative path", err);
        if (has_dotdot(vm->sub_path))
                return subpath_error(c, vm, 0, " has a \"..\" element", err);
        vfd = open(vol->root, O_PATH | O_CLOEXEC);
        if (vfd < 0 || fstat(vfd, &vst) < 0)
                return berr(err, errno, "open %s", vol->root);
        if (!S_ISDIR(vst.st_mode))
                return subpath_error(c, vm, 0, ": the volume is not a directory", err);
        fd = open_subpath(vfd, vm->sub_path, vst.st_mode & 07777);
        if (fd == -EXDEV || fd == -ELOOP)
                return subpath_error(c, vm, 0, " leads outside the volume", err);
        if (fd < 0)
                return subpath_error(c, vm, -fd, "", err);
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat the subPath %s", vm->sub_path);
        if (asprintf(&rel, SUBPATHS "/%s/%s", vol->v->name, c->name) < 0 ||
            asprintf(&target, "%s/%s/%zu", s->dir, rel, index) < 0)
                return berr(err, ENOMEM, "subPath");
        r = mkdirat(s->dirfd, SUBPATHS, 0700) < 0 && errno != EEXIST ? -errno : 0;
        if (r >= 0) {
                _cleanup_free_ char *full = NULL;

                if (asprintf(&full, "%s/%s", s->dir, rel) < 0)
                        return berr(err, ENOMEM, "subPath");
                r = mkdir_p(full, 0700);
        }
        if (r < 0)
                return berr(err, -r, "create %s/%s", s->dir, rel);
        r = umount_all(target);
        if (r < 0)
                return berr(err, -r, "unmount %s", target);
        (void)rm_rf_at(AT_FDCWD, target);
        if (S_ISDIR(st.st_mode)) {
                if (mkdir(target, 0700) < 0)
                        return berr(err, errno, "create %s", target);
        } else {
                int tfd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

                if (tfd < 0)
                        return berr(err, errno, "create %s", target);
                (void)close(tfd);
        }
        snprintf(src, sizeof(src), "/proc/self/fd/%d", fd);
        if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
                return berr(err, errno, "bind %s/%s at %s", vol->root, vm->sub_path, target);
        *ret = TAKE_PTR(target);
        return 0;
}

/* ---------------------------------------------------------------- mounts */

static const char *
propagation(const char *p)
{
        if (p && strcmp(p, "HostToContainer") == 0)
                return "rslave";
        if (p && strcmp(p, "Bidirectional") == 0)
                return "rshared";
        return "rprivate";
}

static void
mount_clear(struct podvolumes_mount *m)
{
        free(m->source);
        free(m->destination);
        strv_free(m->options);
}

static int
container_mounts(struct setup *s, const struct kube_container *c, bool init,
                 struct podvolumes_container *ret, struct berr **err)
{
        ret->name = c->name;
        ret->init = init;
        if (c->n_volume_mounts == 0)
                return 0;
        ret->mounts = calloc(c->n_volume_mounts, sizeof(*ret->mounts));
        if (!ret->mounts)
                return berr(err, ENOMEM, "mounts");
        for (size_t i = 0; i < c->n_volume_mounts; i++) {
                const struct kube_volume_mount *vm = &c->volume_mounts[i];
                struct podvolumes_mount *m = &ret->mounts[i];
                const struct vol *vol = NULL;
                int r;

                for (size_t k = 0; k < s->n_vols && !vol; k++)
                        if (strcmp(s->vols[k].v->name, vm->name) == 0)
                                vol = &s->vols[k];
                if (!vol)
                        return berr(err, 0,
                                    "container \"%s\": volumeMount \"%s\": the pod has no volume "
                                    "of that name",
                                    c->name, vm->name);
                if (vm->sub_path_expr && vm->sub_path_expr[0])
                        return berr(err, 0,
                                    "container \"%s\": volumeMount \"%s\": subPathExpr is not "
                                    "supported by berth, expected subPath",
                                    c->name, vm->name);
                ret->n_mounts = i + 1;
                if (vm->sub_path && vm->sub_path[0]) {
                        r = subpath_source(s, vol, c, i, vm, &m->source, err);
                        if (r < 0)
                                return r;
                } else {
                        m->source = strdup(vol->root);
                }
                m->destination = strdup(str_or_empty(vm->mount_path));
                m->read_only = vm->read_only || vol->read_only;
                m->options = calloc(4, sizeof(*m->options));
                if (!m->source || !m->destination || !m->options)
                        return berr(err, ENOMEM, "mounts");
                m->options[0] = strdup("rbind");
                m->options[1] = strdup(m->read_only ? "ro" : "rw");
                m->options[2] = strdup(propagation(vm->mount_propagation));
                if (!m->options[0] || !m->options[1] || !m->options[2])
                        return berr(err, ENOMEM, "mounts");
        }
        return 0;
}

struct podvolumes *
podvolumes_free(struct podvolumes *pv)
{
        if (!pv)
                return NULL;
        for (size_t i = 0; i < pv->n_containers; i++) {
                for (size_t k = 0; k < pv->containers[i].n_mounts; k++)
                        mount_clear(&pv->containers[i].mounts[k]);
                free(pv->containers[i].mounts);
        }
        free(pv->containers);
        free(pv->dir);
        free(pv);
        return NULL;
}

const struct podvolumes_container *
podvolumes_container(const struct podvolumes *pv, const char *name)
{
        for (size_t i = 0; pv && i < pv->n_containers; i++)
                if (strcmp(pv->containers[i].name, name) == 0)
                        return &pv->containers[i];
        return NULL;
}

static int
setup(struct setup *s, struct podvolumes *pv, struct berr **err)
{
        const struct kube_pod_spec *spec = s->o->spec;
        size_t n = 0;
        int r;

        s->vols = calloc(spec->n_volumes + 1, sizeof(*s->vols));
        pv->containers =
                calloc(spec->n_init_containers + spec->n_containers + 1, sizeof(*pv->containers));
        if (!s->vols || !pv->containers)
                return berr(err, ENOMEM, "volumes");
        for (size_t i = 0; i < spec->n_volumes; i++) {
                const struct kube_volume *v = &spec->volumes[i];

                if (!v->name || !v->name[0] || strchr(v->name, '/') || v->name[0] == '.')
                        return berr(err, 0, "volume \"%s\": not a valid name",
                                    str_or_empty(v->name));
                s->vols[i].v = v;
                s->n_vols = i + 1;
                r = make_volume(s, &s->vols[i], err);
                if (r < 0) {
                        (void)berr_wrap(err, "volume \"%s\"", v->name);
                        return r;
                }
        }
        for (size_t i = 0; i < spec->n_init_containers; i++) {
                pv->n_containers = ++n;
                r = container_mounts(s, &spec->init_containers[i], true, &pv->containers[n - 1],
                                     err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < spec->n_containers; i++) {
                pv->n_containers = ++n;
                r = container_mounts(s, &spec->containers[i], false, &pv->containers[n - 1], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int
podvolumes_setup(const struct podvolumes_opts *o, struct podvolumes **ret, struct berr **err)
{
        _cleanup_(podvolumes_freep) struct podvolumes *pv = NULL;
        _cleanup_close_ int dirfd = -EBADF;
        struct setup s = {.o = o};
        long cpus;
        int r, made;

        if (!o->dir || o->dir[0] != '/' || !o->spec || !o->meta)
                return berr(err, EINVAL,
                            "pod volumes: expected an absolute directory, a spec "
                            "and metadata");
        s.ns = namespace_of(o->meta);
        s.node_memory = o->node_memory > 0 ? o->node_memory : host_memory();
        cpus = sysconf(_SC_NPROCESSORS_ONLN);
        s.node_cpu_millis =
                o->node_cpu_millis > 0 ? o->node_cpu_millis : (int64_t)(cpus > 0 ? cpus : 1) * 1000;
        pv = calloc(1, sizeof(*pv));
        if (!pv || !(pv->dir = strdup(o->dir)))
                return berr(err, ENOMEM, "pod volumes");
        for (size_t n = strlen(pv->dir); n > 1 && pv->dir[n - 1] == '/'; n--)
                pv->dir[n - 1] = '\0';
        s.dir = pv->dir;
        made = mkdir_p(s.dir, 0700);
        if (made < 0)
                return berr(err, -made, "create %s", s.dir);
        dirfd = open(s.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return berr(err, errno, "open %s", s.dir);
        s.dirfd = dirfd;
        r = setup(&s, pv, err);
        for (size_t i = 0; i < s.n_vols; i++)
                free(s.vols[i].root);
        free(s.vols);
        if (r < 0) {
                if (made)
                        (void)podvolumes_teardown(s.dir, NULL);
                return r;
        }
        *ret = TAKE_PTR(pv);
        return 0;
}

/* ---------------------------------------------------------------- teardown */

/* Unmount everything at dir/name and, below .subpaths, at each leaf (depth: levels left). */
static int
unmount_below(const char *dir, int dfd, unsigned depth)
{
        _cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;
        DIR *d;
        int r = 0;

        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        (void)TAKE_FD(fd);
        while (r >= 0 && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    S_ISLNK(st.st_mode))
                        continue;
                if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                r = umount_all(path);
                if (r >= 0 && depth > 0 && S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub =
                                openat(dirfd(d), de->d_name,
                                       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                        r = sub < 0 ? -errno : unmount_below(path, sub, depth - 1);
                }
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

int
podvolumes_teardown(const char *dir, struct berr **err)
{
        _cleanup_close_ int dfd = -EBADF, sfd = -EBADF;
        _cleanup_free_ char *sub = NULL;
        int r;

        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : berr(err, errno, "open %s", dir);
        /* the subPath binds first: .subpaths/<volume>/<container>/<index> */
        sfd = openat(dfd, SUBPATHS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sfd >= 0) {
                if (asprintf(&sub, "%s/" SUBPATHS, dir) < 0)
                        return berr(err, ENOMEM, "%s", dir);
                r = unmount_below(sub, sfd, 2);
                if (r < 0)
                        return berr(err, -r, "unmount the subPaths under %s", sub);
        }
        r = unmount_below(dir, dfd, 0);
        if (r < 0)
                return berr(err, -r, "unmount the volumes under %s", dir);
        r = rm_rf_at(AT_FDCWD, dir);
        if (r < 0 && r != -ENOENT)
                return berr(err, -r, "remove %s", dir);
        return 0;
}
