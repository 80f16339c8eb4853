/* runtime/cgroup.c: cgroup v1, v2 and hybrid machines: detect, create, limit, enter, kill, remove
 */
#include "cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-devices.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* cgroup files are small, but cgroup.procs of a busy cgroup is not: a bound all the same */
#define CGROUP_FILE_MAX (16U << 20)

/* The kernel's range for cpu.cfs_period_us and its floor for cpu.cfs_quota_us. */
#define CPU_PERIOD_MIN 1000U
#define CPU_PERIOD_MAX 1000000U
#define CPU_PERIOD_DEFAULT 100000U
#define CPU_QUOTA_MIN 1000

/* cpu.shares outside this range is clamped by the kernel; cpu.weight spans 1..10000 */
#define CPU_SHARES_MIN 2U
#define CPU_SHARES_MAX 262144U

#define BIT(c) (1U << (unsigned)(c))

/* v2 controllers berth enables when the tree has them, limits or not: usage and OOM events */
#define V2_ALWAYS (BIT(CGROUP_MEMORY) | BIT(CGROUP_PIDS))

/*
 * v1 hierarchies a new cgroup is made in, limits or not: memory (usage, OOM
 * kills), cpu and cpuacct (usage), pids (usage) and freezer (kill without
 * escape). Each mkdir and rmdir in a v1 hierarchy takes the kernel's global
 * cgroup_mutex, so the others (cpuset, blkio, devices, net_cls, perf_event,
 * hugetlb, rdma, misc...) get one only when a limit needs them; berth sets
 * nothing there, and a process left in its parent's cgroup of those
 * hierarchies is limited as before.
 */
#define V1_ALWAYS                                                                        \
        (BIT(CGROUP_MEMORY) | BIT(CGROUP_CPU) | BIT(CGROUP_CPUACCT) | BIT(CGROUP_PIDS) | \
         BIT(CGROUP_FREEZER))

/* Every controller, for opening a cgroup that runc or an older berth may have made anywhere. */
#define V1_ALL (BIT(_CGROUP_CONTROLLER_MAX) - 1U)

static const char *const controller_names[_CGROUP_CONTROLLER_MAX] = {
        [CGROUP_CPU] = "cpu",           [CGROUP_CPUACCT] = "cpuacct",
        [CGROUP_CPUSET] = "cpuset",     [CGROUP_MEMORY] = "memory",
        [CGROUP_PIDS] = "pids",         [CGROUP_FREEZER] = "freezer",
        [CGROUP_DEVICES] = "devices",   [CGROUP_BLKIO] = "blkio",
        [CGROUP_HUGETLB] = "hugetlb",   [CGROUP_NET_CLS] = "net_cls",
        [CGROUP_NET_PRIO] = "net_prio", [CGROUP_PERF_EVENT] = "perf_event",
        [CGROUP_RDMA] = "rdma",         [CGROUP_MISC] = "misc",
};

static const char *const mode_names[_CGROUP_MODE_MAX] = {
        [CGROUP_V1] = "v1",
        [CGROUP_V2] = "v2",
        [CGROUP_HYBRID] = "hybrid",
};

/* One hierarchy the cgroup lives in. */
struct cgroup_dir {
        char *mount;   /* the hierarchy's mount point */
        char *path;    /* mount/rel */
        unsigned ctrl; /* v1: BIT() of each controller of this hierarchy; 0 for the unified tree */
        bool unified;
};

struct cgroup {
        enum cgroup_mode mode;
        char *rel; /* "berth/pod-abc/ctr-def" */
        struct cgroup_dir dirs[_CGROUP_CONTROLLER_MAX + 1];
        size_t n_dirs;
};

const char *
cgroup_controller_to_string(enum cgroup_controller c)
{
        if (c < 0 || c >= _CGROUP_CONTROLLER_MAX)
                return NULL;
        return controller_names[c];
}

enum cgroup_controller
cgroup_controller_from_string(const char *s)
{
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                if (strcmp(s, controller_names[c]) == 0)
                        return (enum cgroup_controller)c;
        return _CGROUP_CONTROLLER_INVALID;
}

const char *
cgroup_mode_to_string(enum cgroup_mode m)
{
        if (m < 0 || m >= _CGROUP_MODE_MAX)
                return NULL;
        return mode_names[m];
}

/* Sleep ms milliseconds (an interruption only shortens one round of a polling loop). */
static void
sleep_ms(unsigned ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

        (void)nanosleep(&ts, NULL);
}

/* Whether tok (n bytes) is one of the words of list, words split by any of seps. */
static bool
word_in(const char *list, const char *tok, size_t n, const char *seps)
{
        const char *p = list;

        while (*p) {
                size_t len;

                p += strspn(p, seps);
                len = strcspn(p, seps);
                if (len == n && memcmp(p, tok, n) == 0)
                        return true;
                p += len;
        }
        return false;
}

/* Whether word is one of the comma-separated entries of list (len bytes, not NUL-terminated). */
static bool
list_has(const char *list, size_t len, const char *word)
{
        size_t wlen = strlen(word);

        for (const char *p = list, *end = list + len; p <= end;) {
                const char *comma = memchr(p, ',', (size_t)(end - p));
                const char *stop = comma ? comma : end;

                if ((size_t)(stop - p) == wlen && memcmp(p, word, wlen) == 0)
                        return true;
                p = stop + 1;
        }
        return false;
}

/* ---- mountinfo ---- */

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void
unescape_octal(char *s)
{
        char *w = s;

        for (const char *r = s; *r;) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
                        r += 4;
                } else {
                        *w++ = *r++;
                }
        }
        *w = '\0';
}

void
cgroup_system_done(struct cgroup_system *sys)
{
        free(sys->unified);
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                free(sys->v1[c]);
        memset(sys, 0, sizeof(*sys));
}

/*
 * One line of mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [TAGS...] -
 * FSTYPE SOURCE SUPEROPTS". Lines that are not cgroup mounts, or not in that
 * shape, are passed over: the kernel writes this file, a line it adds in a
 * later version must not stop berth.
 */
static int
mountinfo_line(char *line, struct cgroup_system *sys)
{
        char *field[5], *fstype, *superopts, *save = NULL, *tok;
        int n = 0;

        for (tok = strtok_r(line, " ", &save); tok && n < 5; tok = strtok_r(NULL, " ", &save))
                field[n++] = tok;
        if (n < 5)
                return 0;
        /* optional tags up to the lone "-" */
        while (tok && strcmp(tok, "-") != 0)
                tok = strtok_r(NULL, " ", &save);
        if (!tok)
                return 0;
        fstype = strtok_r(NULL, " ", &save);
        if (!fstype || !strtok_r(NULL, " ", &save))
                return 0;
        superopts = strtok_r(NULL, " ", &save);
        if (!superopts)
                return 0;
        unescape_octal(field[4]);
        if (field[4][0] != '/')
                return 0;

        if (strcmp(fstype, "cgroup2") == 0) {
                /* the first wins: a later one is a bind mount of the same tree */
                if (!sys->unified) {
                        sys->unified = strdup(field[4]);
                        if (!sys->unified)
                                return -ENOMEM;
                }
                return 0;
        }
        if (strcmp(fstype, "cgroup") != 0)
                return 0;
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                if (sys->v1[c] ||
                    !word_in(superopts, controller_names[c], strlen(controller_names[c]), ","))
                        continue;
                sys->v1[c] = strdup(field[4]);
                if (!sys->v1[c])
                        return -ENOMEM;
        }
        return 0;
}

int
cgroup_detect_mountinfo(const char *mountinfo, struct cgroup_system *ret, struct berr **err)
{
        struct cgroup_system sys = {0};
        _cleanup_free_ char *copy = strdup(mountinfo);
        char *save = NULL;
        bool any_v1 = false;

        if (!copy)
                return berr(err, ENOMEM, "mountinfo");
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                if (mountinfo_line(line, &sys) < 0) {
                        cgroup_system_done(&sys);
                        return berr(err, ENOMEM, "mountinfo");
                }
        }
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                any_v1 = any_v1 || sys.v1[c];
        if (any_v1)
                sys.mode = sys.unified ? CGROUP_HYBRID : CGROUP_V1;
        else if (sys.unified)
                sys.mode = CGROUP_V2;
        else
                return berr(err, ENOENT, "no cgroup file system is mounted (mountinfo)");
        *ret = sys;
        return 0;
}

/* Read a whole file (NUL-terminated) into *ret; -errno. */
static int
read_text(const char *path, char **ret)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        char *buf = NULL;
        int r;

        r = fd < 0 ? -errno : fs_read_all(fd, CGROUP_FILE_MAX, &buf, NULL);
        if (r != 0 || !buf)
                return r < 0 ? r : -EIO;
        *ret = buf;
        return 0;
}

int
cgroup_detect(struct cgroup_system *ret, struct berr **err)
{
        _cleanup_free_ char *text = NULL;
        int r;

        r = read_text("/proc/self/mountinfo", &text);
        if (r < 0)
                return berr(err, -r, "read /proc/self/mountinfo");
        return cgroup_detect_mountinfo(text, ret, err);
}

/* ---- files of a cgroup ---- */

static int
read_at(const char *dir, const char *name, char **ret)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return read_text(path, ret);
}

/*
 * Write value to dir/name in one write(), as cgroup files want it. O_TRUNC
 * does nothing to a cgroup file, and keeps a plain file (a test's) exact.
 */
static int
write_at(const char *dir, const char *name, const char *value)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);
        ssize_t n;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        return (size_t)n == len ? 0 : -EIO;
}

static int
write_limit(const char *dir, const char *name, const char *value, struct berr **err)
{
        int r = write_at(dir, name, value);

        if (r < 0)
                return berr(err, -r, "write '%s' to %s/%s", value, dir, name);
        return 0;
}

static int
write_limit_u64(const char *dir, const char *name, uint64_t v, struct berr **err)
{
        char buf[32];

        (void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return write_limit(dir, name, buf, err);
}

/* The first number of s, which may be followed by a newline; -EINVAL for anything else. */
static int
parse_u64(const char *s, uint64_t *ret)
{
        char *end = NULL;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0)
                return -errno;
        if (*end != '\0' && *end != '\n')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int
read_u64_at(const char *dir, const char *name, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_at(dir, name, &text);

        return r < 0 ? r : parse_u64(text, ret);
}

/* The value of "key N" in a flat keyed file (memory.events, cpu.stat, memory.oom_control). */
static int
keyed_u64(const char *text, const char *key, uint64_t *ret)
{
        size_t klen = strlen(key);

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n');

                if ((size_t)(eol - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == ' ') {
                        _cleanup_free_ char *line =
                                strndup(p + klen + 1, (size_t)(eol - p) - klen - 1);

                        if (!line)
                                return -ENOMEM;
                        return parse_u64(line, ret);
                }
                p = *eol ? eol + 1 : eol;
        }
        return -ENOENT;
}

static int
keyed_u64_at(const char *dir, const char *name, const char *key, uint64_t *ret)
{
        _cleanup_free_ char *text = NULL;
        int r = read_at(dir, name, &text);

        return r < 0 ? r : keyed_u64(text, key, ret);
}

/* ---- struct cgroup ---- */

/* "/berth//pod/" -> "berth/pod"; "", "/", "." and ".." elements are refused. */
static int
normalize_path(const char *path, char **ret, struct berr **err)
{
        _cleanup_free_ char *out = malloc(strlen(path) + 1);
        size_t len = 0;

        if (!out)
                return berr(err, ENOMEM, "cgroup path");
        for (const char *p = path; *p;) {
                size_t n;

                p += strspn(p, "/");
                n = strcspn(p, "/");
                if (n == 0)
                        break;
                if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return berr(err, 0, "cgroup path '%s': '.' and '..' are not allowed", path);
                for (size_t i = 0; i < n; i++)
                        /* /proc/PID/cgroup is one line per hierarchy: no newline in a name */
                        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
                                return berr(err, 0,
                                            "cgroup path '%s': control characters are not allowed",
                                            path);
                if (len > 0)
                        out[len++] = '/';
                memcpy(out + len, p, n);
                len += n;
                p += n;
        }
        if (len == 0)
                return berr(err, 0, "cgroup path '%s' names no cgroup below the root", path);
        out[len] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

struct cgroup *
cgroup_free(struct cgroup *cg)
{
        if (!cg)
                return NULL;
        for (size_t i = 0; i < cg->n_dirs; i++) {
                free(cg->dirs[i].mount);
                free(cg->dirs[i].path);
        }
        free(cg->rel);
        free(cg);
        return NULL;
}

const char *
cgroup_path(const struct cgroup *cg)
{
        return cg->rel;
}

static int
add_dir(struct cgroup *cg, const char *mount, unsigned ctrl, bool unified)
{
        struct cgroup_dir *d;

        /* co-mounted controllers (cpu,cpuacct) share one directory */
        for (size_t i = 0; !unified && i < cg->n_dirs; i++) {
                if (!cg->dirs[i].unified && strcmp(cg->dirs[i].mount, mount) == 0) {
                        cg->dirs[i].ctrl |= ctrl;
                        return 0;
                }
        }
        d = &cg->dirs[cg->n_dirs];
        d->mount = strdup(mount);
        if (!d->mount || asprintf(&d->path, "%s/%s", mount, cg->rel) < 0) {
                free(d->mount);
                d->mount = NULL;
                return -ENOMEM;
        }
        d->ctrl = ctrl;
        d->unified = unified;
        cg->n_dirs++;
        return 0;
}

/*
 * Whether v1 controller c is one of want, or shares its hierarchy with one
 * (co-mounted "cpu,cpuacct": one directory serves both).
 */
static bool
v1_wanted(const struct cgroup_system *sys, int c, unsigned want)
{
        if (want & BIT(c))
                return true;
        for (int o = 0; o < _CGROUP_CONTROLLER_MAX; o++)
                if ((want & BIT(o)) && sys->v1[o] && strcmp(sys->v1[o], sys->v1[c]) == 0)
                        return true;
        return false;
}

/*
 * Every directory the cgroup path has on this machine in the v1
 * hierarchies of want (and the unified tree), whether it exists or not;
 * NULL with *ret_r set on failure.
 */
static struct cgroup *
cgroup_plan(const struct cgroup_system *sys, const char *path, unsigned want, int *ret_r,
            struct berr **err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = calloc(1, sizeof(*cg));

        if (!cg) {
                *ret_r = berr(err, ENOMEM, "cgroup");
                return NULL;
        }
        if (sys->mode < 0 || sys->mode >= _CGROUP_MODE_MAX) {
                *ret_r = berr(err, 0, "cgroup mode %d is not valid", (int)sys->mode);
                return NULL;
        }
        cg->mode = sys->mode;
        *ret_r = normalize_path(path, &cg->rel, err);
        if (*ret_r < 0)
                return NULL;
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX && sys->mode != CGROUP_V2; c++) {
                if (!sys->v1[c] || !v1_wanted(sys, c, want))
                        continue;
                if (add_dir(cg, sys->v1[c], BIT(c), false) < 0) {
                        *ret_r = berr(err, ENOMEM, "cgroup");
                        return NULL;
                }
        }
        if (sys->mode != CGROUP_V1 && sys->unified && add_dir(cg, sys->unified, 0, true) < 0) {
                *ret_r = berr(err, ENOMEM, "cgroup");
                return NULL;
        }
        if (cg->n_dirs == 0) {
                *ret_r = berr(err, ENOENT, "no cgroup hierarchy is mounted for %s mode",
                              mode_names[sys->mode]);
                return NULL;
        }
        *ret_r = 0;
        return TAKE_PTR(cg);
}

static void
drop_dir(struct cgroup *cg, size_t i)
{
        free(cg->dirs[i].mount);
        free(cg->dirs[i].path);
        memmove(&cg->dirs[i], &cg->dirs[i + 1], (cg->n_dirs - i - 1) * sizeof(cg->dirs[0]));
        cg->n_dirs--;
}

/* The v1 directory of controller c; NULL when none. */
static const struct cgroup_dir *
v1_dir(const struct cgroup *cg, enum cgroup_controller c)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cg->dirs[i].ctrl & BIT(c))
                        return &cg->dirs[i];
        return NULL;
}

static const struct cgroup_dir *
unified_dir(const struct cgroup *cg)
{
        for (size_t i = 0; i < cg->n_dirs; i++)
                if (cg->dirs[i].unified)
                        return &cg->dirs[i];
        return NULL;
}

/* Where the processes are listed: the unified tree, else freezer, pids, memory, any. */
static const struct cgroup_dir *
tracking_dir(const struct cgroup *cg)
{
        const struct cgroup_dir *d = unified_dir(cg);

        if (!d)
                d = v1_dir(cg, CGROUP_FREEZER);
        if (!d)
                d = v1_dir(cg, CGROUP_PIDS);
        if (!d)
                d = v1_dir(cg, CGROUP_MEMORY);
        return d ? d : &cg->dirs[0];
}

int
cgroup_open(const struct cgroup_system *sys, const char *path, struct cgroup **ret,
            struct berr **err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        int r;

        cg = cgroup_plan(sys, path, V1_ALL, &r, err);
        if (!cg)
                return r;
        for (size_t i = cg->n_dirs; i-- > 0;) {
                struct stat st;

                if (stat(cg->dirs[i].path, &st) == 0 && S_ISDIR(st.st_mode))
                        continue;
                if (errno != ENOENT && errno != ENOTDIR)
                        return berr(err, errno, "cgroup %s", cg->dirs[i].path);
                drop_dir(cg, i);
        }
        if (cg->n_dirs == 0)
                return berr(err, ENOENT, "cgroup %s", cg->rel);
        *ret = TAKE_PTR(cg);
        return 0;
}

/* ---- creating ---- */

/* The directories one cgroup_create() made, removed again if it fails. */
struct made {
        char *path[(_CGROUP_CONTROLLER_MAX + 1) * 64];
        size_t n;
};

static void
made_undo(struct made *m, bool remove)
{
        while (m->n > 0) {
                char *p = m->path[--m->n];

                if (remove)
                        (void)rmdir(p);
                free(p);
        }
}

/* The v1 controllers or v2 controllers that lim needs, as BIT()s. */
static unsigned
limits_need(const struct cgroup_limits *lim)
{
        unsigned need = 0;

        if (!lim)
                return 0;
        if (lim->memory_max >= 0 || lim->memory_swap_max >= 0)
                need |= BIT(CGROUP_MEMORY);
        if (lim->cpu_quota >= 0 || lim->cpu_period > 0 || lim->cpu_shares > 0)
                need |= BIT(CGROUP_CPU);
        if (lim->cpuset_cpus || lim->cpuset_mems)
                need |= BIT(CGROUP_CPUSET);
        if (lim->pids_max >= 0)
                need |= BIT(CGROUP_PIDS);
        return need;
}

/* "cpu memory" (or "+cpu +memory", a test's plain file) as BIT()s */
static unsigned
controller_set(const char *text)
{
        unsigned set = 0;

        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                char plus[32];

                (void)snprintf(plus, sizeof(plus), "+%s", controller_names[c]);
                if (word_in(text, controller_names[c], strlen(controller_names[c]), " \n") ||
                    word_in(text, plus, strlen(plus), " \n"))
                        set |= BIT(c);
        }
        return set;
}

/*
 * v2: enable in dir's subtree_control the controllers its children need
 * (need), and those of V2_ALWAYS the tree has; a needed one that dir's
 * cgroup.controllers lacks is an error.
 */
static int
v2_enable(const char *dir, unsigned need, struct berr **err)
{
        _cleanup_free_ char *avail_text = NULL, *enabled_text = NULL;
        unsigned avail, want;
        char buf[256] = "";
        size_t len = 0;
        int r;

        r = read_at(dir, "cgroup.controllers", &avail_text);
        if (r < 0)
                return berr(err, -r, "read %s/cgroup.controllers", dir);
        avail = controller_set(avail_text);
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++) {
                if ((need & BIT(c)) && !(avail & BIT(c))) {
                        avail_text[strcspn(avail_text, "\n")] = '\0';
                        return berr(err, 0,
                                    "cgroup v2 controller %s is not available in %s "
                                    "(cgroup.controllers: \"%s\")",
                                    controller_names[c], dir, avail_text);
                }
        }
        r = read_at(dir, "cgroup.subtree_control", &enabled_text);
        if (r < 0)
                return berr(err, -r, "read %s/cgroup.subtree_control", dir);
        want = (need | V2_ALWAYS) & avail & ~controller_set(enabled_text);
        if (want == 0)
                return 0;
        for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                if (want & BIT(c))
                        len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s+%s",
                                                len ? " " : "", controller_names[c]);
        r = write_at(dir, "cgroup.subtree_control", buf);
        if (r == -EBUSY)
                return berr(err, EBUSY,
                            "enable %s in %s/cgroup.subtree_control: the cgroup holds "
                            "processes itself (cgroup v2 lets only leaves hold them)",
                            buf, dir);
        if (r < 0)
                return berr(err, -r, "enable %s in %s/cgroup.subtree_control", buf, dir);
        return 0;
}

/* v1 cpuset: a new cgroup has empty cpus and mems, and no task can join it until they are set. */
static int
cpuset_inherit(const char *parent, const char *dir, struct berr **err)
{
        static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *mine = NULL, *theirs = NULL;
                int r;

                r = read_at(dir, files[i], &mine);
                if (r < 0)
                        return berr(err, -r, "read %s/%s", dir, files[i]);
                if (mine[strspn(mine, " \n")] != '\0')
                        continue;
                r = read_at(parent, files[i], &theirs);
                if (r < 0)
                        return berr(err, -r, "read %s/%s", parent, files[i]);
                r = write_limit(dir, files[i], theirs, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * mkdir every level of d's path below its mount, from the top. v2 (limits
 * go there): controllers enabled on the way down. v1 cpuset: cpus and mems
 * copied down.
 */
static int
make_levels(const struct cgroup_dir *d, const char *rel, bool v2_limits, unsigned need,
            struct made *made, struct berr **err)
{
        _cleanup_free_ char *parent = strdup(d->mount);
        int r;

        if (!parent)
                return berr(err, ENOMEM, "cgroup");
        for (const char *p = rel;;) {
                _cleanup_free_ char *dir = NULL;
                const char *slash = strchr(p, '/');
                size_t n = slash ? (size_t)(slash - rel) : strlen(rel);

                if (v2_limits) {
                        r = v2_enable(parent, need, err);
                        if (r < 0)
                                return r;
                }
                if (asprintf(&dir, "%s/%.*s", d->mount, (int)n, rel) < 0)
                        return berr(err, ENOMEM, "cgroup");
                if (made->n == ELEMENTSOF(made->path))
                        return berr(err, ENAMETOOLONG, "cgroup path %s: too deep", rel);
                if (mkdir(dir, 0755) == 0) {
                        made->path[made->n] = strdup(dir);
                        if (!made->path[made->n]) {
                                (void)rmdir(dir);
                                return berr(err, ENOMEM, "cgroup");
                        }
                        made->n++;
                } else if (errno != EEXIST) {
                        return berr(err, errno, "create cgroup %s", dir);
                }
                if (d->ctrl & BIT(CGROUP_CPUSET)) {
                        r = cpuset_inherit(parent, dir, err);
                        if (r < 0)
                                return r;
                }
                if (!slash)
                        return 0;
                free(parent);
                parent = TAKE_PTR(dir);
                p = slash + 1;
        }
}

/* v1 memory and memory+swap: the kernel wants memsw >= memory at every step. */
static int
v1_memory(const char *dir, const struct cgroup_limits *lim, struct berr **err)
{
        _cleanup_free_ char *memsw = NULL;
        bool have_memsw, swap_first = false;
        uint64_t cur = 0;
        int r;

        if (asprintf(&memsw, "%s/memory.memsw.limit_in_bytes", dir) < 0)
                return berr(err, ENOMEM, "cgroup");
        /* without swap accounting (swapaccount=0) there is no memsw file: no swap limit to set */
        have_memsw = lim->memory_swap_max >= 0 && access(memsw, F_OK) == 0;
        if (have_memsw) {
                r = read_u64_at(dir, "memory.limit_in_bytes", &cur);
                if (r < 0)
                        return berr(err, -r, "read %s/memory.limit_in_bytes", dir);
                swap_first = cur <= (uint64_t)lim->memory_swap_max;
        }
        if (have_memsw && swap_first) {
                r = write_limit_u64(dir, "memory.memsw.limit_in_bytes",
                                    (uint64_t)lim->memory_swap_max, err);
                if (r < 0)
                        return r;
        }
        if (lim->memory_max >= 0) {
                r = write_limit_u64(dir, "memory.limit_in_bytes", (uint64_t)lim->memory_max, err);
                if (r < 0)
                        return r;
        }
        if (have_memsw && !swap_first)
                return write_limit_u64(dir, "memory.memsw.limit_in_bytes",
                                       (uint64_t)lim->memory_swap_max, err);
        return 0;
}

static int
write_v1_limits(const struct cgroup *cg, const struct cgroup_limits *lim, struct berr **err)
{
        const struct cgroup_dir *d;
        int r;

        d = v1_dir(cg, CGROUP_MEMORY);
        if (d && (lim->memory_max >= 0 || lim->memory_swap_max >= 0)) {
                r = v1_memory(d->path, lim, err);
                if (r < 0)
                        return r;
        }
        d = v1_dir(cg, CGROUP_CPU);
        if (d && lim->cpu_period > 0) {
                r = write_limit_u64(d->path, "cpu.cfs_period_us", lim->cpu_period, err);
                if (r < 0)
                        return r;
        }
        if (d && lim->cpu_quota >= 0) {
                r = write_limit_u64(d->path, "cpu.cfs_quota_us", (uint64_t)lim->cpu_quota, err);
                if (r < 0)
                        return r;
        }
        if (d && lim->cpu_shares > 0) {
                r = write_limit_u64(d->path, "cpu.shares", lim->cpu_shares, err);
                if (r < 0)
                        return r;
        }
        d = v1_dir(cg, CGROUP_PIDS);
        if (d && lim->pids_max >= 0) {
                r = write_limit_u64(d->path, "pids.max", (uint64_t)lim->pids_max, err);
                if (r < 0)
                        return r;
        }
        d = v1_dir(cg, CGROUP_CPUSET);
        if (d && lim->cpuset_cpus) {
                r = write_limit(d->path, "cpuset.cpus", lim->cpuset_cpus, err);
                if (r < 0)
                        return r;
        }
        if (d && lim->cpuset_mems)
                return write_limit(d->path, "cpuset.mems", lim->cpuset_mems, err);
        return 0;
}

/*
 * The device allow-list: v1 lines into devices.deny and devices.allow in
 * the rules' order, else an eBPF program on the unified tree's cgroup.
 */
static int
write_devices(const struct cgroup *cg, const json_t *devices, struct berr **err)
{
        const struct cgroup_dir *d = cg->mode == CGROUP_V2 ? NULL : v1_dir(cg, CGROUP_DEVICES);
        size_t i;
        const json_t *e;

        if (!d && unified_dir(cg))
                return cgroup_devices_bpf_attach(unified_dir(cg)->path, devices, err);
        if (!d)
                return berr(err, 0,
                            "cgroup %s: no devices controller and no cgroup v2 tree for "
                            "the device allow-list",
                            cg->rel);
        json_array_foreach (devices, i, e) {
                struct cgroup_device_rule rule = {0};
                char line[64];
                int r = cgroup_device_rule_parse(e, i, &rule, err);

                if (r < 0)
                        return r;
                cgroup_device_rule_v1(&rule, line);
                r = write_limit(d->path, rule.allow ? "devices.allow" : "devices.deny", line, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int
write_v2_limits(const char *dir, const struct cgroup_limits *lim, struct berr **err)
{
        char buf[64];
        int r;

        if (lim->memory_max >= 0) {
                r = write_limit_u64(dir, "memory.max", (uint64_t)lim->memory_max, err);
                if (r < 0)
                        return r;
        }
        /* OCI's swap is memory + swap (v1's memsw); v2's memory.swap.max is the swap alone */
        if (lim->memory_swap_max >= 0) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/memory.swap.max", dir) < 0)
                        return berr(err, ENOMEM, "cgroup");
                if (access(path, F_OK) == 0) {
                        r = write_limit_u64(dir, "memory.swap.max",
                                            (uint64_t)(lim->memory_swap_max - lim->memory_max),
                                            err);
                        if (r < 0)
                                return r;
                }
        }
        if (lim->cpu_quota >= 0 || lim->cpu_period > 0) {
                uint64_t period = lim->cpu_period > 0 ? lim->cpu_period : CPU_PERIOD_DEFAULT;

                if (lim->cpu_quota >= 0)
                        (void)snprintf(buf, sizeof(buf), "%" PRId64 " %" PRIu64, lim->cpu_quota,
                                       period);
                else
                        (void)snprintf(buf, sizeof(buf), "max %" PRIu64, period);
                r = write_limit(dir, "cpu.max", buf, err);
                if (r < 0)
                        return r;
        }
        if (lim->cpu_shares > 0) {
                r = write_limit_u64(dir, "cpu.weight", cgroup_shares_to_weight(lim->cpu_shares),
                                    err);
                if (r < 0)
                        return r;
        }
        if (lim->pids_max >= 0) {
                r = write_limit_u64(dir, "pids.max", (uint64_t)lim->pids_max, err);
                if (r < 0)
                        return r;
        }
        if (lim->cpuset_cpus) {
                r = write_limit(dir, "cpuset.cpus", lim->cpuset_cpus, err);
                if (r < 0)
                        return r;
        }
        if (lim->cpuset_mems)
                return write_limit(dir, "cpuset.mems", lim->cpuset_mems, err);
        return 0;
}

/* Limits that make no sense whatever the machine; the kernel checks the rest. */
static int
limits_check(const struct cgroup_limits *lim, struct berr **err)
{
        if (lim->memory_swap_max >= 0 && lim->memory_max < 0)
                return berr(err, 0, "a memory+swap limit needs a memory limit");
        if (lim->memory_swap_max >= 0 && lim->memory_swap_max < lim->memory_max)
                return berr(err, 0,
                            "memory+swap limit %" PRId64 " is less than memory limit %" PRId64,
                            lim->memory_swap_max, lim->memory_max);
        return 0;
}

int
cgroup_create(const struct cgroup_system *sys, const char *path, const struct cgroup_limits *lim,
              struct cgroup **ret, struct berr **err)
{
        _cleanup_(cgroup_freep) struct cgroup *cg = NULL;
        _cleanup_free_ struct made *made = calloc(1, sizeof(*made));
        const struct berr *err_before = err ? *err : NULL;
        unsigned need = limits_need(lim);
        /* devices is no v2 controller: v2 filters devices with an eBPF program */
        unsigned v1_need = need | (lim && lim->devices ? BIT(CGROUP_DEVICES) : 0U);
        int r;

        if (!made)
                return berr(err, ENOMEM, "cgroup");
        if (lim) {
                r = limits_check(lim, err);
                if (r < 0)
                        return r;
        }
        cg = cgroup_plan(sys, path, V1_ALWAYS | v1_need, &r, err);
        if (!cg)
                return r;
        if (cg->mode != CGROUP_V2) {
                for (int c = 0; c < _CGROUP_CONTROLLER_MAX; c++)
                        if ((need & BIT(c)) && !v1_dir(cg, (enum cgroup_controller)c))
                                return berr(err, 0, "cgroup v1 controller %s is not mounted",
                                            controller_names[c]);
        }
        for (size_t i = 0; i < cg->n_dirs;) {
                size_t before = made->n;
                bool v2_limits = cg->dirs[i].unified && cg->mode == CGROUP_V2;

                r = make_levels(&cg->dirs[i], cg->rel, v2_limits, need, made, err);
                if (r >= 0) {
                        i++;
                        continue;
                }
                /* hybrid: the unified tree only tracks processes; one we cannot write is skipped */
                if (!cg->dirs[i].unified || cg->mode != CGROUP_HYBRID ||
                    (r != -EROFS && r != -EACCES && r != -EPERM))
                        goto fail;
                while (made->n > before) {
                        made->n--;
                        (void)rmdir(made->path[made->n]);
                        free(made->path[made->n]);
                }
                if (err && *err != err_before)
                        *err = berr_free(*err);
                drop_dir(cg, i);
        }
        if (lim && cg->mode == CGROUP_V2)
                r = write_v2_limits(unified_dir(cg)->path, lim, err);
        else if (lim)
                r = write_v1_limits(cg, lim, err);
        if (r >= 0 && lim && lim->devices)
                r = write_devices(cg, lim->devices, err);
        if (r < 0)
                goto fail;
        made_undo(made, false);
        if (ret)
                *ret = TAKE_PTR(cg);
        return 0;
fail:
        made_undo(made, true);
        return r;
}

/* ---- processes ---- */

int
cgroup_enter(struct cgroup *cg, pid_t pid, struct berr **err)
{
        char buf[32];

        (void)snprintf(buf, sizeof(buf), "%d", (int)pid);
        for (size_t i = 0; i < cg->n_dirs; i++) {
                int r = write_at(cg->dirs[i].path, "cgroup.procs", buf);

                if (r < 0)
                        return berr(err, -r, "move process %d into cgroup %s", (int)pid,
                                    cg->dirs[i].path);
        }
        return 0;
}

int
cgroup_enter_fds(struct cgroup *cg, int **ret_fds, size_t *ret_n, struct berr **err)
{
        _cleanup_free_ int *fds = calloc(cg->n_dirs, sizeof(int));
        size_t n = 0;

        if (!fds)
                return berr(err, ENOMEM, "cgroup");
        for (; n < cg->n_dirs; n++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/cgroup.procs", cg->dirs[n].path) < 0)
                        errno = ENOMEM;
                else
                        fds[n] = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
                if (!path || fds[n] < 0) {
                        int e = errno;

                        for (size_t i = 0; i < n; i++)
                                (void)close(fds[i]);
                        return berr(err, e, "open %s/cgroup.procs", cg->dirs[n].path);
                }
        }
        *ret_fds = TAKE_PTR(fds);
        *ret_n = n;
        return 0;
}

int
cgroup_join_fds(const int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                ssize_t w;

                do
                        w = write(fds[i], "0", 1);
                while (w < 0 && errno == EINTR);
                if (w < 0)
                        return -errno;
        }
        return 0;
}

int
cgroup_oom_kills(struct cgroup *cg, uint64_t *ret)
{
        const struct cgroup_dir *d;
        _cleanup_free_ char *text = NULL;
        uint64_t failcnt = 0, under = 0;
        int r;

        if (cg->mode == CGROUP_V2) {
                d = unified_dir(cg);
                return d ? keyed_u64_at(d->path, "memory.events", "oom_kill", ret) : -ENOENT;
        }
        d = v1_dir(cg, CGROUP_MEMORY);
        if (!d)
                return -ENOENT;
        r = read_at(d->path, "memory.oom_control", &text);
        if (r < 0)
                return r;
        r = keyed_u64(text, "oom_kill", ret);
        if (r != -ENOENT)
                return r;
        /* before Linux 4.13 there is no count: the limit was hit and the cgroup was under OOM */
        r = keyed_u64(text, "under_oom", &under);
        if (r < 0)
                return r;
        r = read_u64_at(d->path, "memory.failcnt", &failcnt);
        if (r < 0)
                return r;
        *ret = failcnt > 0 && under > 0 ? 1 : 0;
        return 0;
}

struct pid_list {
        pid_t *v;
        size_t n, alloc;
};

/* The pids of dir's cgroup.procs and of every cgroup below it, appended to l. */
static int
collect_pids(const char *dir, struct pid_list *l, unsigned depth, struct berr **err)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_(closedirp_) DIR *d = NULL;
        struct dirent *de;
        int r;

        r = read_at(dir, "cgroup.procs", &text);
        if (r == -ENOENT && depth > 0)
                return 0; /* removed while we walked */
        if (r < 0)
                return berr(err, -r, "read %s/cgroup.procs", dir);
        for (char *p = text, *end; *p; p = end) {
                long v;

                errno = 0;
                v = strtol(p, &end, 10);
                if (end == p || errno != 0 || v <= 0 || v > INT_MAX || (*end && *end != '\n'))
                        return berr(err, 0, "%s/cgroup.procs: not a list of processes", dir);
                if (*end)
                        end++;
                if (l->n == l->alloc) {
                        size_t na = l->alloc ? l->alloc * 2 : 16;
                        pid_t *nv = reallocarray(l->v, na, sizeof(pid_t));

                        if (!nv)
                                return berr(err, ENOMEM, "cgroup");
                        l->v = nv;
                        l->alloc = na;
                }
                l->v[l->n++] = (pid_t)v;
        }
        d = opendir(dir);
        if (!d && errno == ENOENT && depth > 0)
                return 0;
        if (!d)
                return berr(err, errno, "open %s", dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return berr(err, ENOMEM, "cgroup");
                r = collect_pids(sub, l, depth + 1, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int
cgroup_pids(struct cgroup *cg, pid_t **ret, size_t *ret_n, struct berr **err)
{
        struct pid_list l = {0};
        int r;

        r = collect_pids(tracking_dir(cg)->path, &l, 0, err);
        if (r < 0) {
                free(l.v);
                return r;
        }
        *ret = l.v;
        *ret_n = l.n;
        return 0;
}

/* Freezing, for a signal to reach every process of a cgroup that may be forking. */
enum freezer {
        FREEZER_NONE,
        FREEZER_V1,
        FREEZER_V2,
};

/* Freeze (or thaw) dir, and wait up to a second for the kernel to say it is done. */
static int
freeze(enum freezer kind, const char *dir, bool frozen)
{
        int r;

        if (kind == FREEZER_NONE)
                return 0;
        if (kind == FREEZER_V2)
                r = write_at(dir, "cgroup.freeze", frozen ? "1" : "0");
        else
                r = write_at(dir, "freezer.state", frozen ? "FROZEN" : "THAWED");
        if (r < 0 || !frozen)
                return r;
        for (int i = 0; i < 1000; i++) {
                _cleanup_free_ char *text = NULL;
                uint64_t v = 0;

                if (kind == FREEZER_V2) {
                        r = keyed_u64_at(dir, "cgroup.events", "frozen", &v);
                        if (r < 0 || v == 1)
                                return r;
                } else {
                        r = read_at(dir, "freezer.state", &text);
                        if (r < 0 || strncmp(text, "FROZEN", 6) == 0)
                                return r;
                }
                sleep_ms(1);
        }
        /* a task in uninterruptible sleep holds it up: signal what is there anyway */
        return 0;
}

/* Through cgroup.kill (Linux 5.14): 1 when done, 0 when the tree has none. */
static int
kill_v2(const struct cgroup_dir *u, struct berr **err)
{
        int r = write_at(u->path, "cgroup.kill", "1");

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return berr(err, -r, "write 1 to %s/cgroup.kill", u->path);
        return 1;
}

int
cgroup_kill_all(struct cgroup *cg, int sig, struct berr **err)
{
        const struct cgroup_dir *track = tracking_dir(cg), *fz = NULL;
        enum freezer kind = FREEZER_NONE;
        bool used_kill = false;
        int r;

        if (sig == SIGKILL && track->unified) {
                r = kill_v2(track, err);
                if (r < 0)
                        return r;
                used_kill = r > 0;
        }
        if (track->unified) {
                kind = FREEZER_V2;
                fz = track;
        } else if ((fz = v1_dir(cg, CGROUP_FREEZER))) {
                kind = FREEZER_V1;
        }
        /* about 5 s: 500 rounds of 10 ms */
        for (int round = 0; round < 500; round++) {
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0;
                bool frozen = false;

                if (!used_kill) {
                        r = freeze(kind, fz ? fz->path : NULL, true);
                        frozen = r >= 0 && kind != FREEZER_NONE;
                }
                r = cgroup_pids(cg, &pids, &n, err);
                if (r >= 0 && !used_kill) {
                        for (size_t i = 0; i < n; i++)
                                if (kill(pids[i], sig) < 0 && errno != ESRCH) {
                                        r = berr(err, errno, "signal process %d of cgroup %s",
                                                 (int)pids[i], cg->rel);
                                        break;
                                }
                }
                if (frozen)
                        (void)freeze(kind, fz->path, false);
                if (r < 0)
                        return r;
                if (n == 0 || sig != SIGKILL)
                        return 0;
                sleep_ms(10);
        }
        return berr(err, EBUSY, "processes of cgroup %s outlive SIGKILL", cg->rel);
}

/* ---- removing ---- */

/* rmdir dir and every cgroup below it, deepest first. */
static int
remove_tree(const char *dir, struct berr **err)
{
        _cleanup_(closedirp_) DIR *d = opendir(dir);
        struct dirent *de;
        int r;

        if (!d && errno == ENOENT)
                return 0;
        if (!d)
                return berr(err, errno, "open cgroup %s", dir);
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL;

                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s/%s", dir, de->d_name) < 0)
                        return berr(err, ENOMEM, "cgroup");
                r = remove_tree(sub, err);
                if (r < 0)
                        return r;
        }
        /* a process killed a moment ago may still be on its way out: about 2 s */
        for (int i = 0;; i++) {
                if (rmdir(dir) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || i == 200)
                        return berr(err, errno, "remove cgroup %s", dir);
                sleep_ms(10);
        }
}

int
cgroup_destroy(struct cgroup *cg, struct berr **err)
{
        int ret = 0;

        /* every hierarchy is tried: one that fails must not leak the others */
        for (size_t i = 0; i < cg->n_dirs; i++) {
                int r = remove_tree(cg->dirs[i].path, err);

                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

/* ---- usage ---- */

int
cgroup_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berr **err)
{
        struct cgroup_stats s = {CGROUP_STAT_UNKNOWN, CGROUP_STAT_UNKNOWN, CGROUP_STAT_UNKNOWN};
        const struct cgroup_dir *d, *u = unified_dir(cg);
        uint64_t usec = 0;
        int r;

        if (cg->mode == CGROUP_V2 && u) {
                r = read_u64_at(u->path, "memory.current", &s.memory_bytes);
                if (r < 0 && r != -ENOENT)
                        return berr(err, -r, "read %s/memory.current", u->path);
                r = read_u64_at(u->path, "pids.current", &s.pids);
                if (r < 0 && r != -ENOENT)
                        return berr(err, -r, "read %s/pids.current", u->path);
        } else {
                d = v1_dir(cg, CGROUP_MEMORY);
                r = d ? read_u64_at(d->path, "memory.usage_in_bytes", &s.memory_bytes) : 0;
                if (r < 0)
                        return berr(err, -r, "read %s/memory.usage_in_bytes", d->path);
                d = v1_dir(cg, CGROUP_PIDS);
                r = d ? read_u64_at(d->path, "pids.current", &s.pids) : 0;
                if (r < 0)
                        return berr(err, -r, "read %s/pids.current", d->path);
                d = v1_dir(cg, CGROUP_CPUACCT);
                r = d ? read_u64_at(d->path, "cpuacct.usage", &s.cpu_usage_ns) : 0;
                if (r < 0)
                        return berr(err, -r, "read %s/cpuacct.usage", d->path);
        }
        /* cpu.stat's usage_usec needs no controller: a hybrid's unified tree has it too */
        if (s.cpu_usage_ns == CGROUP_STAT_UNKNOWN && u) {
                r = keyed_u64_at(u->path, "cpu.stat", "usage_usec", &usec);
                if (r < 0 && r != -ENOENT)
                        return berr(err, -r, "read %s/cpu.stat", u->path);
                if (r >= 0)
                        s.cpu_usage_ns = usec > CGROUP_STAT_UNKNOWN / 1000 ? CGROUP_STAT_UNKNOWN - 1
                                                                           : usec * 1000;
        }
        *ret = s;
        return 0;
}

/* ---- OCI linux.resources ---- */

uint64_t
cgroup_shares_to_weight(uint64_t shares)
{
        if (shares == 0)
                return 0;
        if (shares < CPU_SHARES_MIN)
                shares = CPU_SHARES_MIN;
        if (shares > CPU_SHARES_MAX)
                shares = CPU_SHARES_MAX;
        return 1 + ((shares - 2) * 9999) / 262142;
}

/* obj.key as an object: 1, 0 when absent or null, or an error naming where.key */
static int
spec_object(const json_t *obj, const char *key, const char *where, const json_t **ret,
            struct berr **err)
{
        const json_t *v = obj ? json_object_get(obj, key) : NULL;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_object(v))
                return berr(err, 0, "%s.%s: expected an object", where, key);
        *ret = v;
        return 1;
}

/* obj.key as an integer: 1, 0 when absent or null */
static int
spec_int(const json_t *obj, const char *key, const char *where, int64_t *ret, struct berr **err)
{
        const json_t *v = obj ? json_object_get(obj, key) : NULL;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_integer(v))
                return berr(err, 0, "%s.%s: expected an integer", where, key);
        *ret = (int64_t)json_integer_value(v);
        return 1;
}

static int
spec_uint(const json_t *obj, const char *key, const char *where, uint64_t *ret, struct berr **err)
{
        int64_t v = 0;
        int r = spec_int(obj, key, where, &v, err);

        if (r <= 0)
                return r;
        if (v < 0)
                return berr(err, 0, "%s.%s: %" PRId64 " is negative, expected 0 or more", where,
                            key, v);
        *ret = (uint64_t)v;
        return 1;
}

static int
spec_string(const json_t *obj, const char *key, const char *where, const char **ret,
            struct berr **err)
{
        const json_t *v = obj ? json_object_get(obj, key) : NULL;

        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return berr(err, 0, "%s.%s: expected a string", where, key);
        /* "" is what Go writes for "not set" */
        *ret = json_string_length(v) > 0 ? json_string_value(v) : NULL;
        return 1;
}

/* A signed limit where -1 (and 0, Go's "unset") mean none. */
static int
spec_limit(const json_t *obj, const char *key, const char *where, int64_t *ret, struct berr **err)
{
        int64_t v = 0;
        int r = spec_int(obj, key, where, &v, err);

        if (r <= 0)
                return r;
        if (v < -1)
                return berr(err, 0, "%s.%s: %" PRId64 " is not valid, expected -1 or more", where,
                            key, v);
        *ret = v > 0 ? v : -1;
        return 1;
}

static int
spec_memory(const json_t *res, struct cgroup_limits *lim, struct berr **err)
{
        static const char where[] = "linux.resources.memory";
        const json_t *mem = NULL;
        int r;

        r = spec_object(res, "memory", "linux.resources", &mem, err);
        if (r <= 0)
                return r;
        r = spec_limit(mem, "limit", where, &lim->memory_max, err);
        if (r < 0)
                return r;
        r = spec_limit(mem, "swap", where, &lim->memory_swap_max, err);
        if (r < 0)
                return r;
        if (lim->memory_swap_max >= 0 && lim->memory_max < 0)
                return berr(err, 0, "%s.swap: a swap limit needs memory.limit", where);
        if (lim->memory_swap_max >= 0 && lim->memory_swap_max < lim->memory_max)
                return berr(err, 0,
                            "%s.swap: %" PRId64 " is less than memory.limit %" PRId64
                            " (swap counts memory and swap together)",
                            where, lim->memory_swap_max, lim->memory_max);
        return 0;
}

static int
spec_cpu(const json_t *res, struct cgroup_limits *lim, struct berr **err)
{
        static const char where[] = "linux.resources.cpu";
        const json_t *cpu = NULL;
        int r;

        r = spec_object(res, "cpu", "linux.resources", &cpu, err);
        if (r <= 0)
                return r;
        r = spec_uint(cpu, "shares", where, &lim->cpu_shares, err);
        if (r < 0)
                return r;
        r = spec_limit(cpu, "quota", where, &lim->cpu_quota, err);
        if (r < 0)
                return r;
        if (lim->cpu_quota >= 0 && lim->cpu_quota < CPU_QUOTA_MIN)
                return berr(err, 0, "%s.quota: %" PRId64 " is less than %d microseconds", where,
                            lim->cpu_quota, CPU_QUOTA_MIN);
        r = spec_uint(cpu, "period", where, &lim->cpu_period, err);
        if (r < 0)
                return r;
        if (lim->cpu_period > 0 &&
            (lim->cpu_period < CPU_PERIOD_MIN || lim->cpu_period > CPU_PERIOD_MAX))
                return berr(err, 0, "%s.period: %" PRIu64 " is out of range, expected %u-%u", where,
                            lim->cpu_period, CPU_PERIOD_MIN, CPU_PERIOD_MAX);
        r = spec_string(cpu, "cpus", where, &lim->cpuset_cpus, err);
        if (r < 0)
                return r;
        r = spec_string(cpu, "mems", where, &lim->cpuset_mems, err);
        return r < 0 ? r : 0;
}

int
cgroup_limits_from_spec(const json_t *linux_resources, struct cgroup_limits *ret, struct berr **err)
{
        struct cgroup_limits lim = CGROUP_LIMITS_NONE;
        const json_t *pids = NULL;
        int r;

        if (linux_resources && !json_is_null(linux_resources)) {
                if (!json_is_object(linux_resources))
                        return berr(err, 0, "linux.resources: expected an object");
                r = spec_memory(linux_resources, &lim, err);
                if (r < 0)
                        return r;
                r = spec_cpu(linux_resources, &lim, err);
                if (r < 0)
                        return r;
                r = spec_object(linux_resources, "pids", "linux.resources", &pids, err);
                if (r < 0)
                        return r;
                r = spec_limit(pids, "limit", "linux.resources.pids", &lim.pids_max, err);
                if (r < 0)
                        return r;
                r = cgroup_devices_check(json_object_get(linux_resources, "devices"), err);
                if (r < 0)
                        return r;
                if (r > 0)
                        lim.devices = json_object_get(linux_resources, "devices");
        }
        *ret = lim;
        return 0;
}

/* ---- /proc/PID/cgroup ---- */

int
cgroup_proc_parse(const char *text, const char *controller, char **ret, struct berr **err)
{
        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n'), *c1, *c2;
                const char *next = *eol ? eol + 1 : eol;
                bool match;

                if (eol == p) { /* an empty line, the last one's newline */
                        p = next;
                        continue;
                }
                /* "ID:CONTROLLERS:PATH"; the path itself may hold ':' */
                c1 = memchr(p, ':', (size_t)(eol - p));
                c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;
                if (!c1 || !c2 || c1 == p || strspn(p, "0123456789") != (size_t)(c1 - p) ||
                    c2 + 1 == eol || c2[1] != '/')
                        return berr(err, 0,
                                    "/proc/PID/cgroup: line %.*s is not ID:CONTROLLERS:PATH",
                                    (int)(eol - p), p);
                if (controller)
                        match = list_has(c1 + 1, (size_t)(c2 - c1 - 1), controller);
                else
                        match = c2 == c1 + 1 && c1 - p == 1 && p[0] == '0';
                if (match) {
                        char *s = strndup(c2 + 1, (size_t)(eol - c2 - 1));

                        if (!s)
                                return berr(err, ENOMEM, "cgroup");
                        *ret = s;
                        return 0;
                }
                p = next;
        }
        return -ENOENT;
}

int
cgroup_pid_path(pid_t pid, const char *controller, char **ret, struct berr **err)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        int r;

        if (pid == 0)
                path = strdup("/proc/self/cgroup");
        else if (asprintf(&path, "/proc/%d/cgroup", (int)pid) < 0)
                path = NULL;
        if (!path)
                return berr(err, ENOMEM, "cgroup");
        r = read_text(path, &text);
        if (r < 0 || !text)
                return berr(err, -r, "read %s", path);
        r = cgroup_proc_parse(text, controller, ret, err);
        if (r == -ENOENT)
                return berr(err, ENOENT, "%s has no %s%s line", path,
                            controller ? controller : "0::", controller ? " controller" : "");
        return r;
}
