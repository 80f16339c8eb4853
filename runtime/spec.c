/*
 * runtime/spec.c: the OCI config.json of a container. The reference is
 * what podman 4.3 writes (podman create + init, and podman kube play) on
 * a rootful host; where Kubernetes and podman differ, Kubernetes' rules
 * win (command/args, $(VAR), CPU shares) since berth runs pods. runc 1.1
 * reads the result, so nothing in it may be a field runc refuses.
 */
#include "spec.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "passwd.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/quote.h"
#include "util/utf8.h"

#define QUOTE_MAX 128
#define RLIMIT_DEFAULT 1048576 /* podman's RLimitDefaultValue */
#define UMASK_DEFAULT 0022

/* Capabilities by number, as <linux/capability.h> numbers them. */
static const char *const cap_names[] = {
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

#define CAP(n) (UINT64_C(1) << (n))
/* podman 4.3's default_capabilities (containers.conf) */
static const uint64_t caps_default =
        CAP(0) /* CHOWN */ | CAP(1) /* DAC_OVERRIDE */ | CAP(3) /* FOWNER */ | CAP(4) /* FSETID */ |
        CAP(5) /* KILL */ | CAP(10) /* NET_BIND_SERVICE */ | CAP(31) /* SETFCAP */ |
        CAP(6) /* SETGID */ | CAP(8) /* SETPCAP */ | CAP(7) /* SETUID */ | CAP(18) /* SYS_CHROOT */;

static const char *const rlimit_names[] = {
        "RLIMIT_CPU",      "RLIMIT_FSIZE", "RLIMIT_DATA",   "RLIMIT_STACK",
        "RLIMIT_CORE",     "RLIMIT_RSS",   "RLIMIT_NPROC",  "RLIMIT_NOFILE",
        "RLIMIT_MEMLOCK",  "RLIMIT_AS",    "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING",
        "RLIMIT_MSGQUEUE", "RLIMIT_NICE",  "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
};

static const char *const signal_names[] = {
        [SIGHUP] = "HUP",   [SIGINT] = "INT",       [SIGQUIT] = "QUIT", [SIGILL] = "ILL",
        [SIGTRAP] = "TRAP", [SIGABRT] = "ABRT",     [SIGBUS] = "BUS",   [SIGFPE] = "FPE",
        [SIGKILL] = "KILL", [SIGUSR1] = "USR1",     [SIGSEGV] = "SEGV", [SIGUSR2] = "USR2",
        [SIGPIPE] = "PIPE", [SIGALRM] = "ALRM",     [SIGTERM] = "TERM", [SIGSTKFLT] = "STKFLT",
        [SIGCHLD] = "CHLD", [SIGCONT] = "CONT",     [SIGSTOP] = "STOP", [SIGTSTP] = "TSTP",
        [SIGTTIN] = "TTIN", [SIGTTOU] = "TTOU",     [SIGURG] = "URG",   [SIGXCPU] = "XCPU",
        [SIGXFSZ] = "XFSZ", [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
        [SIGIO] = "IO",     [SIGPWR] = "PWR",       [SIGSYS] = "SYS",
};

static const char *const ns_names[_SPEC_NS_TYPE_MAX] = {
        [SPEC_NS_PID] = "pid",   [SPEC_NS_NETWORK] = "network", [SPEC_NS_IPC] = "ipc",
        [SPEC_NS_UTS] = "uts",   [SPEC_NS_MOUNT] = "mount",     [SPEC_NS_CGROUP] = "cgroup",
        [SPEC_NS_USER] = "user",
};

static const char *const propagations[] = {
        "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
};

/* podman's (and runc's spec template's) lists */
static const char *const masked_paths[] = {
        "/proc/acpi",       "/proc/kcore",       "/proc/keys",        "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
        "/sys/firmware",    "/sys/fs/selinux",   "/sys/dev/block",    NULL,
};
static const char *const readonly_paths[] = {
        "/proc/asound", "/proc/bus",           "/proc/fs", "/proc/irq",
        "/proc/sys",    "/proc/sysrq-trigger", NULL,
};

/* The standard devices every runtime creates, allowed in the device cgroup. */
static const struct {
        int64_t major, minor; /* minor -1: all */
} std_devices[] = {
        {1, 3} /* null */,    {1, 5} /* zero */,    {1, 7} /* full */,
        {1, 8} /* random */,  {1, 9} /* urandom */, {5, 0} /* tty */,
        {5, 1} /* console */, {5, 2} /* ptmx */,    {136, -1} /* pts */,
};

/* A NULL-terminated array of malloc'd strings and its length. */
struct strv {
        char **v;
        size_t n;
};

static void
strv_done(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv){0};
}

/* Append s (taken: freed on failure). */
static int
strv_push(struct strv *s, char *str)
{
        char **v;

        if (!str)
                return -ENOMEM;
        v = reallocarray(s->v, s->n + 2, sizeof(*v));
        if (!v) {
                free(str);
                return -ENOMEM;
        }
        s->v = v;
        s->v[s->n++] = str;
        s->v[s->n] = NULL;
        return 0;
}

/* The index of NAME= in env (the last one), or -1. */
static ssize_t
env_find(char *const *env, size_t n, const char *name, size_t len)
{
        for (size_t i = n; i > 0; i--)
                if (strncmp(env[i - 1], name, len) == 0 && env[i - 1][len] == '=')
                        return (ssize_t)(i - 1);
        return -1;
}

/* Set NAME=value: in place where NAME is already, else at the end. */
static int
env_set(struct strv *env, const char *name, size_t len, const char *value)
{
        char *s = NULL;
        ssize_t i;

        if (asprintf(&s, "%.*s=%s", (int)len, name, value ? value : "") < 0)
                return -ENOMEM;
        i = env_find(env->v, env->n, name, len);
        if (i < 0)
                return strv_push(env, s);
        free(env->v[i]);
        env->v[i] = s;
        return 0;
}

int
spec_expand(const char *in, char *const *env, size_t n_env, char **ret)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = strlen(in), checkpoint = 0, size = 0;
        _cleanup_fclose_ FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t cur = 0; cur < len; cur++) {
                const char *close;
                ssize_t i;

                if (in[cur] != '$' || cur + 1 >= len)
                        continue;
                (void)fwrite(in + checkpoint, 1, cur - checkpoint, f);
                if (in[cur + 1] == '$') {
                        /* "$$": an escaped "$" */
                        (void)fputc('$', f);
                        cur += 1;
                } else if (in[cur + 1] == '(' && (close = strchr(in + cur + 2, ')'))) {
                        size_t nlen = (size_t)(close - (in + cur + 2));

                        i = env_find(env, n_env, in + cur + 2, nlen);
                        if (i >= 0)
                                (void)fputs(env[i] + nlen + 1, f);
                        else
                                (void)fwrite(in + cur, 1, nlen + 3, f);
                        cur += nlen + 2;
                } else {
                        /*
                         * "$(" with no ")", or "$x": kept. (Go's code writes
                         * the byte after "$" as a rune, which mangles UTF-8;
                         * its byte is kept here.)
                         */
                        (void)fwrite(in + cur, 1, 2, f);
                        cur += 1;
                }
                checkpoint = cur + 1;
        }
        (void)fwrite(in + checkpoint, 1, len - checkpoint, f);
        if (fflush(f) != 0 || ferror(f))
                return -ENOMEM;
        fclosep(&f); /* buf is complete once the stream is closed */
        f = NULL;
        *ret = TAKE_PTR(buf);
        return 0;
}

uint64_t
spec_cpu_shares(int64_t millis)
{
        int64_t shares;

        if (millis <= 0)
                return 2;
        if (millis > INT64_MAX / 1024)
                return 262144;
        shares = millis * 1024 / 1000;
        if (shares < 2)
                return 2;
        if (shares > 262144)
                return 262144;
        return (uint64_t)shares;
}

int64_t
spec_cpu_quota(int64_t millis, uint64_t period)
{
        int64_t quota;

        if (millis <= 0)
                return 0;
        if (period == 0)
                period = SPEC_CPU_PERIOD;
        if (period > INT64_MAX / 1000 || millis > INT64_MAX / (int64_t)period)
                return INT64_MAX / 1000;
        quota = millis * (int64_t)period / 1000;
        return quota < 1000 ? 1000 : quota;
}

const char *
spec_cap_name(const char *name)
{
        char up[64];
        size_t n = 0;
        const char *p = name;

        if (strncasecmp(p, "CAP_", 4) == 0)
                p += 4;
        if (strcasecmp(p, "ALL") == 0)
                return "ALL";
        memcpy(up, "CAP_", 4);
        n = 4;
        for (; *p; p++) {
                if (n + 1 >= sizeof(up))
                        return NULL;
                up[n++] = (char)toupper((unsigned char)*p);
        }
        up[n] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (strcmp(cap_names[i], up) == 0)
                        return cap_names[i];
        return NULL;
}

/* What this process may hand on: its own bounding set, as far as berth has names for it. */
static uint64_t
caps_host(void)
{
        uint64_t m = 0;

        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0UL, 0UL, 0UL) == 1)
                        m |= CAP(i);
        return m;
}

/* One build: the options, the error, and what the steps share. */
struct build {
        const struct spec_opts *o;
        struct berr **err;
        int rootfd;
        int *layer_fds; /* o->layers opened, or NULL */
        struct passwd_user user;
        bool user_given;  /* a user came from the options or the image */
        struct strv kenv; /* the container's own env, for $(VAR) */
        struct strv env;  /* the process' env */
        enum spec_ns_mode ns[_SPEC_NS_TYPE_MAX];
};

static int
oom(struct build *b)
{
        return berr(b->err, ENOMEM, "spec");
}

/* s as a JSON string; NULL (with *err set) when s is not UTF-8 or memory ran out */
static json_t *
jstr(struct build *b, const char *s, const char *what)
{
        json_t *j = json_string(s);
        _cleanup_free_ char *prefix = NULL, *q = NULL;
        size_t bad;

        if (j)
                return j;
        bad = utf8_invalid_at(s, strlen(s));
        if (bad == strlen(s)) {
                (void)oom(b);
                return NULL;
        }
        /* what came before the bad byte says which string it was */
        prefix = strndup(s, bad);
        q = prefix ? quote_escape(prefix, QUOTE_MAX) : NULL;
        (void)berr(b->err, EILSEQ, "%s is not valid UTF-8 after \"%s\"", what, q ? q : "");
        return NULL;
}

/* obj[key] = v (taken); v NULL: a failure already reported, or out of memory */
static int
jset(struct build *b, json_t *obj, const char *key, json_t *v)
{
        if (!v)
                return *b->err ? berr_code(*b->err) : oom(b);
        if (json_object_set_new(obj, key, v) < 0)
                return oom(b);
        return 0;
}

static int
jpush(struct build *b, json_t *arr, json_t *v)
{
        if (!v)
                return *b->err ? berr_code(*b->err) : oom(b);
        if (json_array_append_new(arr, v) < 0)
                return oom(b);
        return 0;
}

static int
jset_str(struct build *b, json_t *obj, const char *key, const char *s, const char *what)
{
        return jset(b, obj, key, jstr(b, s, what));
}

/* An array of strings, from a NULL-terminated list. */
static json_t *
jstrv(struct build *b, const char *const *v, const char *what)
{
        json_t *a = json_array();

        if (!a)
                return NULL;
        for (; *v; v++)
                if (jpush(b, a, jstr(b, *v, what)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

static const char *
quoted(char buf[QUOTE_MAX * 4 + 4], const char *s)
{
        _cleanup_free_ char *e = quote_escape(s ? s : "", QUOTE_MAX);

        if (!e)
                return "";
        (void)snprintf(buf, QUOTE_MAX * 4 + 4, "%s", e);
        return buf;
}

/* ---- the image's config ---- */

/* cfg[key]: an array of strings, NULL when absent or null. */
static int
image_strv(struct build *b, const char *key, const json_t **ret)
{
        const json_t *v = b->o->image_config ? json_object_get(b->o->image_config, key) : NULL;
        size_t i;
        json_t *e;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return berr(b->err, 0, "image config: %s: expected an array of strings", key);
        json_array_foreach (v, i, e) {
                if (!json_is_string(e))
                        return berr(b->err, 0, "image config: %s[%zu]: expected a string", key, i);
        }
        *ret = v;
        return 0;
}

/* cfg[key]: a string, NULL when absent, null or "". */
static int
image_str(struct build *b, const char *key, const char **ret)
{
        const json_t *v = b->o->image_config ? json_object_get(b->o->image_config, key) : NULL;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_string(v))
                return berr(b->err, 0, "image config: %s: expected a string", key);
        if (*json_string_value(v))
                *ret = json_string_value(v);
        return 0;
}

/* ---- process ---- */

static int
build_env(struct build *b)
{
        const struct spec_opts *o = b->o;
        const json_t *image_env = NULL, *e;
        char qb[QUOTE_MAX * 4 + 4];
        size_t i;
        int r;

        r = image_strv(b, "Env", &image_env);
        if (r < 0)
                return r;
        /* the container's env, each value expanded with the entries before it */
        for (i = 0; i < o->n_env; i++) {
                const struct spec_env *v = &o->env[i];
                _cleanup_free_ char *val = NULL;

                if (!v->name || !*v->name || strchr(v->name, '='))
                        return berr(b->err, 0, "env[%zu]: invalid name \"%s\"", i,
                                    quoted(qb, v->name));
                if (v->literal)
                        val = strdup(v->value ? v->value : "");
                else if (spec_expand(v->value ? v->value : "", b->kenv.v, b->kenv.n, &val) < 0)
                        val = NULL;
                if (!val || env_set(&b->kenv, v->name, strlen(v->name), val) < 0)
                        return oom(b);
        }

        if (env_set(&b->env, "PATH", 4, SPEC_DEFAULT_PATH) < 0 ||
            env_set(&b->env, "container", 9, "berth") < 0)
                return oom(b);
        json_array_foreach (image_env, i, e) {
                const char *s = json_string_value(e), *eq = strchr(s, '=');

                /* "NAME" alone or "=x" is no variable: runc would refuse it */
                if (!eq || eq == s)
                        continue;
                if (env_set(&b->env, s, (size_t)(eq - s), eq + 1) < 0)
                        return oom(b);
        }
        for (i = 0; i < b->kenv.n; i++) {
                const char *s = b->kenv.v[i], *eq = strchr(s, '=');

                if (env_set(&b->env, s, (size_t)(eq - s), eq + 1) < 0)
                        return oom(b);
        }
        if (o->tty && env_find(b->env.v, b->env.n, "TERM", 4) < 0 &&
            env_set(&b->env, "TERM", 4, "xterm") < 0)
                return oom(b);
        if (b->user.home && *b->user.home && env_find(b->env.v, b->env.n, "HOME", 4) < 0 &&
            env_set(&b->env, "HOME", 4, b->user.home) < 0)
                return oom(b);
        if (o->hostname && env_find(b->env.v, b->env.n, "HOSTNAME", 8) < 0 &&
            env_set(&b->env, "HOSTNAME", 8, o->hostname) < 0)
                return oom(b);
        return 0;
}

/* Append Kubernetes' command or args, $(VAR)-expanded with the container's env. */
static int
push_expanded(struct build *b, struct strv *argv, const char *const *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char *s = NULL;

                if (!v[i] ||
                    (b->o->literal_args ? !(s = strdup(v[i]))
                                        : spec_expand(v[i], b->kenv.v, b->kenv.n, &s) < 0) ||
                    strv_push(argv, s) < 0)
                        return v[i] ? oom(b) : berr(b->err, 0, "command: a NULL argument");
        }
        return 0;
}

static int
push_image(struct build *b, struct strv *argv, const json_t *a)
{
        size_t i;
        json_t *e;

        json_array_foreach (a, i, e) {
                if (strv_push(argv, strdup(json_string_value(e))) < 0)
                        return oom(b);
        }
        return 0;
}

/*
 * Kubernetes' rules: command replaces Entrypoint and drops Cmd; args
 * replace Cmd; neither: Entrypoint then Cmd.
 */
static int
build_args(struct build *b, json_t *process)
{
        _cleanup_(strv_done) struct strv argv = {0};
        const json_t *entrypoint = NULL, *cmd = NULL;
        const struct spec_opts *o = b->o;
        json_t *a;
        int r;

        r = image_strv(b, "Entrypoint", &entrypoint);
        if (r >= 0)
                r = image_strv(b, "Cmd", &cmd);
        if (r < 0)
                return r;
        if (o->n_command > 0)
                r = push_expanded(b, &argv, o->command, o->n_command);
        else
                r = push_image(b, &argv, entrypoint);
        if (r >= 0 && o->n_args > 0)
                r = push_expanded(b, &argv, o->args, o->n_args);
        else if (r >= 0 && o->n_command == 0)
                r = push_image(b, &argv, cmd);
        if (r < 0)
                return r;
        if (argv.n == 0)
                return berr(b->err, 0,
                            "no command: the image has no Entrypoint or Cmd and none was given");
        a = jstrv(b, (const char *const *)argv.v, "argument");
        return jset(b, process, "args", a);
}

/* The user as "user[:group]" from the options, the image, runAsUser and runAsGroup. */
static int
user_spec(struct build *b, char **ret)
{
        const struct spec_opts *o = b->o;
        const char *base = o->user, *colon;
        _cleanup_free_ char *user = NULL, *group = NULL;
        char *s = NULL;
        int r;

        if (!base || !*base) {
                r = image_str(b, "User", &base);
                if (r < 0)
                        return r;
        }
        if (!base)
                base = "";
        colon = strchr(base, ':');
        user = colon ? strndup(base, (size_t)(colon - base)) : strdup(base);
        group = colon ? strdup(colon + 1) : NULL;
        if (!user || (colon && !group))
                return oom(b);
        if (o->run_as_user) {
                free(user);
                user = NULL;
                if (asprintf(&user, "%" PRIu32, *o->run_as_user) < 0)
                        return oom(b);
                /* the group comes from runAsGroup or the passwd entry, not the image */
                free(group);
                group = NULL;
        }
        if (o->run_as_group) {
                free(group);
                group = NULL;
                if (asprintf(&group, "%" PRIu32, *o->run_as_group) < 0)
                        return oom(b);
        }
        if (group && !*user) {
                free(user);
                user = strdup("0");
                if (!user)
                        return oom(b);
        }
        b->user_given = *user || group;
        if (asprintf(&s, "%s%s%s", user, group ? ":" : "", group ? group : "") < 0)
                return oom(b);
        *ret = s;
        return 0;
}

static int
gid_push(json_t *a, uint32_t gid)
{
        size_t i;
        json_t *e;

        json_array_foreach (a, i, e) {
                if ((uint32_t)json_integer_value(e) == gid)
                        return 0;
        }
        return json_array_append_new(a, json_integer(gid));
}

static int
build_user(struct build *b, json_t *process)
{
        _cleanup_free_ char *spec = NULL;
        json_t *u, *gids;
        int r;

        r = user_spec(b, &spec);
        if (r < 0)
                return r;
        if (b->layer_fds)
                r = passwd_resolve_layers(b->layer_fds, b->o->n_layers, b->o->rootfs, spec,
                                          &b->user, b->err);
        else
                r = passwd_resolve(b->rootfd, b->o->rootfs, spec, false, &b->user, b->err);
        if (r < 0)
                return r;
        u = json_pack("{s:I, s:I, s:i}", "uid", (json_int_t)b->user.uid, "gid",
                      (json_int_t)b->user.gid, "umask", UMASK_DEFAULT);
        r = jset(b, process, "user", u);
        if (r < 0)
                return r;
        gids = json_array();
        if (!gids)
                return oom(b);
        /* podman's order: the primary group (for an explicit user), added groups, /etc/group */
        if (b->user_given && gid_push(gids, b->user.gid) < 0)
                goto nomem;
        for (size_t i = 0; i < b->o->n_supplemental_groups; i++)
                if (gid_push(gids, b->o->supplemental_groups[i]) < 0)
                        goto nomem;
        for (size_t i = 0; i < b->user.n_groups; i++)
                if (gid_push(gids, b->user.groups[i]) < 0)
                        goto nomem;
        if (json_array_size(gids) == 0) {
                json_decref(gids);
                return 0;
        }
        return jset(b, u, "additionalGids", gids);
nomem:
        json_decref(gids);
        return oom(b);
}

static int
cwd(struct build *b, const char **ret)
{
        const char *dir = b->o->working_dir;
        char qb[QUOTE_MAX * 4 + 4];
        int r;

        if (!dir || !*dir) {
                r = image_str(b, "WorkingDir", &dir);
                if (r < 0)
                        return r;
        }
        if (!dir)
                dir = "/";
        if (dir[0] != '/')
                return berr(b->err, 0, "working directory \"%s\" is not an absolute path",
                            quoted(qb, dir));
        *ret = dir;
        return 0;
}

/* A mask of caps as an array of names, sorted as podman sorts them; *empty when it has none. */
static json_t *
caps_json(struct build *b, uint64_t m, bool *empty)
{
        const char *names[ELEMENTSOF(cap_names)];
        size_t n = 0;
        json_t *a;

        for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                if (m & CAP(i))
                        names[n++] = cap_names[i];
        *empty = n == 0;
        for (size_t i = 1; i < n; i++) /* insertion sort: 41 names at most */
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        const char *t = names[j];

                        names[j] = names[j - 1];
                        names[j - 1] = t;
                }
        a = json_array();
        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_string(names[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        if (!a)
                (void)oom(b);
        return a;
}

static int
cap_parse(struct build *b, const char *const *v, size_t n, const char *what, uint64_t *mask,
          bool *all)
{
        char qb[QUOTE_MAX * 4 + 4];

        *mask = 0;
        *all = false;
        for (size_t i = 0; i < n; i++) {
                const char *c = v[i] ? spec_cap_name(v[i]) : NULL;

                if (!c)
                        return berr(b->err, 0, "%s: unknown capability \"%s\"", what,
                                    quoted(qb, v[i]));
                if (strcmp(c, "ALL") == 0) {
                        *all = true;
                        continue;
                }
                for (size_t k = 0; k < ELEMENTSOF(cap_names); k++)
                        if (cap_names[k] == c)
                                *mask |= CAP(k);
        }
        return 0;
}

static int
set_caps(struct build *b, json_t *caps, const char *key, uint64_t m)
{
        bool empty;
        json_t *a = caps_json(b, m, &empty);

        if (!a)
                return oom(b);
        if (empty) {
                json_decref(a);
                return 0;
        }
        return jset(b, caps, key, a);
}

/*
 * podman's MergeCapabilities: drop ALL keeps only what is added, add ALL
 * is this process' bounding set less what is dropped, else the default
 * set less the drops plus the adds. A user other than root gets only what
 * was added explicitly (effective, permitted, inheritable and ambient).
 * Privileged: everything this process has; add and drop are ignored, as
 * the kubelet ignores them.
 */
static int
build_caps(struct build *b, json_t *process)
{
        const struct spec_opts *o = b->o;
        uint64_t host = caps_host(), add, drop, bounding, user;
        bool add_all, drop_all;
        json_t *caps;
        int r;

        r = cap_parse(b, o->cap_add, o->n_cap_add, "cap_add", &add, &add_all);
        if (r >= 0)
                r = cap_parse(b, o->cap_drop, o->n_cap_drop, "cap_drop", &drop, &drop_all);
        if (r < 0)
                return r;
        if (o->privileged) {
                bounding = host;
        } else if (add_all && drop_all) {
                return berr(b->err, 0, "capabilities: ALL cannot be both added and dropped");
        } else if (drop_all) {
                bounding = add;
        } else if (add_all) {
                bounding = host & ~drop;
        } else {
                for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                        if (add & drop & CAP(i))
                                return berr(b->err, 0,
                                            "capability %s cannot be both added and dropped",
                                            cap_names[i]);
                bounding = (caps_default & ~drop) | add;
        }
        if (!o->privileged && (add & ~host)) {
                for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
                        if (add & ~host & CAP(i))
                                return berr(b->err, EPERM,
                                            "capability %s cannot be added: berth does not have it",
                                            cap_names[i]);
        }
        user = (add_all ? host : add) & bounding;

        caps = json_object();
        r = jset(b, process, "capabilities", caps);
        if (r < 0)
                return r;
        r = set_caps(b, caps, "bounding", bounding);
        if (r >= 0 && b->user.uid == 0) {
                r = set_caps(b, caps, "effective", bounding);
                if (r >= 0)
                        r = set_caps(b, caps, "permitted", bounding);
        } else if (r >= 0) {
                static const char *const keys[] = {"effective", "inheritable", "permitted",
                                                   "ambient"};

                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(keys); i++)
                        r = set_caps(b, caps, keys[i], user);
        }
        return r;
}

/* "RLIMIT_NOFILE" from "RLIMIT_NOFILE" or "nofile" (any case); NULL when unknown */
static const char *
rlimit_name(const char *s)
{
        if (strncasecmp(s, "RLIMIT_", 7) == 0)
                s += 7;
        for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
                if (strcasecmp(rlimit_names[i] + 7, s) == 0)
                        return rlimit_names[i];
        return NULL;
}

static uint64_t
hard_limit(int resource, uint64_t want)
{
        struct rlimit rl;

        if (getrlimit(resource, &rl) < 0)
                return want;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
                return rl.rlim_max;
        return want;
}

/* The kernel's pid_max (podman's default RLIMIT_NPROC), 0 when unknown. */
static uint64_t
pid_max(void)
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/pid_max", O_RDONLY | O_CLOEXEC);
        char buf[32];
        ssize_t n;

        if (fd < 0)
                return 0;
        n = read(fd, buf, sizeof(buf) - 1);
        if (n <= 0)
                return 0;
        buf[n] = '\0';
        return strtoull(buf, NULL, 10);
}

static int
push_rlimit(struct build *b, json_t *a, const char *type, uint64_t soft, uint64_t hard)
{
        return jpush(b, a,
                     json_pack("{s:s, s:I, s:I}", "type", type, "hard", (json_int_t)hard, "soft",
                               (json_int_t)soft));
}

/*
 * The caller's rlimits, then podman's defaults for the types it left out:
 * RLIMIT_NOFILE 1048576 and RLIMIT_NPROC pid_max, both no higher than this
 * process' own hard limits (raising them needs CAP_SYS_RESOURCE, which
 * berth may not have: runc would fail).
 */
static int
build_rlimits(struct build *b, json_t *process)
{
        const struct spec_opts *o = b->o;
        bool have_nofile = false, have_nproc = false;
        char qb[QUOTE_MAX * 4 + 4];
        json_t *a = json_array();
        uint64_t v;
        int r;

        r = jset(b, process, "rlimits", a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < o->n_rlimits; i++) {
                const struct spec_rlimit *l = &o->rlimits[i];
                const char *type = l->type ? rlimit_name(l->type) : NULL;

                if (!type)
                        return berr(b->err, 0, "rlimits[%zu]: unknown type \"%s\"", i,
                                    quoted(qb, l->type));
                if (l->soft > l->hard)
                        return berr(b->err, 0,
                                    "rlimit %s: soft limit %" PRIu64
                                    " is above the hard limit %" PRIu64,
                                    type, l->soft, l->hard);
                if (l->hard > INT64_MAX)
                        return berr(b->err, 0, "rlimit %s: %" PRIu64 " is too large", type,
                                    l->hard);
                for (size_t k = 0; k < i; k++)
                        if (rlimit_name(o->rlimits[k].type) == type)
                                return berr(b->err, 0, "rlimit %s: given twice", type);
                have_nofile |= strcmp(type, "RLIMIT_NOFILE") == 0;
                have_nproc |= strcmp(type, "RLIMIT_NPROC") == 0;
                r = push_rlimit(b, a, type, l->soft, l->hard);
                if (r < 0)
                        return r;
        }
        if (!have_nofile) {
                v = hard_limit(RLIMIT_NOFILE, RLIMIT_DEFAULT);
                r = push_rlimit(b, a, "RLIMIT_NOFILE", v, v);
                if (r < 0)
                        return r;
        }
        v = pid_max();
        if (!have_nproc && v > 0) {
                v = hard_limit(RLIMIT_NPROC, v);
                r = push_rlimit(b, a, "RLIMIT_NPROC", v, v);
        }
        return r;
}

static int
build_process(struct build *b, json_t *spec)
{
        const struct spec_opts *o = b->o;
        json_t *process = json_object(), *env;
        const char *dir = "/";
        int r;

        r = jset(b, spec, "process", process);
        if (r < 0)
                return r;
        if (o->tty) {
                r = jset(b, process, "terminal", json_true());
                if (r >= 0 && o->console_width && o->console_height)
                        r = jset(b, process, "consoleSize",
                                 json_pack("{s:i, s:i}", "height", (int)o->console_height, "width",
                                           (int)o->console_width));
                if (r < 0)
                        return r;
        }
        r = build_user(b, process);
        if (r >= 0)
                r = build_env(b);
        if (r >= 0)
                r = build_args(b, process);
        if (r < 0)
                return r;
        env = jstrv(b, (const char *const *)b->env.v, "environment variable");
        r = jset(b, process, "env", env);
        if (r >= 0)
                r = cwd(b, &dir);
        if (r >= 0)
                r = jset_str(b, process, "cwd", dir, "working directory");
        if (r >= 0)
                r = build_caps(b, process);
        if (r >= 0)
                r = build_rlimits(b, process);
        if (r >= 0 && !o->allow_privilege_escalation && !o->privileged)
                r = jset(b, process, "noNewPrivileges", json_true());
        if (r >= 0 && o->oom_score_adj) {
                if (*o->oom_score_adj < -1000 || *o->oom_score_adj > 1000)
                        return berr(b->err, 0,
                                    "oomScoreAdj %d is out of range, expected -1000 to 1000",
                                    *o->oom_score_adj);
                r = jset(b, process, "oomScoreAdj", json_integer(*o->oom_score_adj));
        }
        if (r >= 0 && o->selinux_process_label)
                r = jset_str(b, process, "selinuxLabel", o->selinux_process_label, "SELinux label");
        return r;
}

/* ---- mounts ---- */

/*
 * A mount destination made canonical: absolute, "." and empty elements
 * dropped, no ".." (runc would resolve it inside the rootfs, but what the
 * user meant is unclear), not "/" itself.
 */
static int
clean_destination(struct build *b, const char *in, char **ret)
{
        _cleanup_free_ char *out = malloc(strlen(in) + 2);
        char qb[QUOTE_MAX * 4 + 4];
        size_t o = 0;
        const char *p = in;

        if (!out)
                return oom(b);
        if (in[0] != '/')
                return berr(b->err, 0, "mount destination \"%s\" is not an absolute path",
                            quoted(qb, in));
        while (*p) {
                const char *end = strchrnul(p, '/');
                size_t n = (size_t)(end - p);

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return berr(b->err, 0, "mount destination \"%s\" has a \"..\" element",
                                    quoted(qb, in));
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        out[o++] = '/';
                        memcpy(out + o, p, n);
                        o += n;
                }
                p = *end ? end + 1 : end;
        }
        out[o] = '\0';
        if (o == 0)
                return berr(b->err, 0, "mount destination \"%s\" is the root", quoted(qb, in));
        *ret = TAKE_PTR(out);
        return 0;
}

static json_t *
mount_new(struct build *b, const char *dest, const char *type, const char *source,
          const char *const *options)
{
        json_t *m = json_object(), *opts = options ? jstrv(b, options, "mount option") : NULL;

        if (!m || (options && !opts) ||
            jset_str(b, m, "destination", dest, "mount destination") < 0 ||
            jset_str(b, m, "type", type, "mount type") < 0 ||
            jset_str(b, m, "source", source, "mount source") < 0 ||
            (opts && json_object_set(m, "options", opts) < 0)) {
                json_decref(opts);
                json_decref(m);
                return NULL;
        }
        json_decref(opts);
        return m;
}

static int
push_mount(struct build *b, json_t *mounts, const char *dest, const char *type, const char *source,
           const char *const *options)
{
        return jpush(b, mounts, mount_new(b, dest, type, source, options));
}

/* A host file bound onto dest (/etc/hosts…), read-only with a read-only rootfs, as podman. */
static int
push_etc_bind(struct build *b, json_t *mounts, const char *dest, const char *source)
{
        static const char *const rw[] = {"bind", "rprivate", NULL};
        static const char *const ro[] = {"bind",   "rprivate", "ro", "nosuid",
                                         "noexec", "nodev",    NULL};
        char qb[QUOTE_MAX * 4 + 4];

        if (!source)
                return 0;
        if (source[0] != '/')
                return berr(b->err, 0, "%s: source \"%s\" is not an absolute path", dest,
                            quoted(qb, source));
        return push_mount(b, mounts, dest, "bind", source, b->o->readonly_rootfs ? ro : rw);
}

static int
build_default_mounts(struct build *b, json_t *mounts)
{
        static const char *const proc[] = {"nosuid", "noexec", "nodev", NULL};
        static const char *const dev[] = {"nosuid",   "noexec",      "strictatime",
                                          "mode=755", "size=65536k", NULL};
        static const char *const sys_ro[] = {"nosuid", "noexec", "nodev", "ro", NULL};
        static const char *const sys_rw[] = {"rprivate", "nosuid", "noexec", "nodev", "rw", NULL};
        static const char *const sys_bind_ro[] = {"rprivate", "nosuid", "noexec", "nodev",
                                                  "ro",       "rbind",  NULL};
        static const char *const sys_bind_rw[] = {"rprivate", "nosuid", "noexec", "nodev",
                                                  "rw",       "rbind",  NULL};
        static const char *const pts[] = {"nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                          "mode=0620", "gid=5",  NULL};
        static const char *const mqueue[] = {"nosuid", "noexec", "nodev", NULL};
        static const char *const shm[] = {"nosuid",    "noexec",      "nodev",
                                          "mode=1777", "size=65536k", NULL};
        static const char *const shm_bind[] = {"bind",   "rprivate", "nosuid",
                                               "noexec", "nodev",    NULL};
        static const char *const cg_ro[] = {"rprivate", "nosuid", "noexec", "nodev",
                                            "relatime", "ro",     NULL};
        static const char *const cg_rw[] = {"rprivate", "nosuid", "noexec", "nodev",
                                            "relatime", "rw",     NULL};
        static const char *const tmp[] = {"rw", "rprivate", "nosuid", "nodev", "tmpcopyup", NULL};
        const struct spec_opts *o = b->o;
        char qb[QUOTE_MAX * 4 + 4];
        int r;

        r = push_mount(b, mounts, "/proc", "proc", "proc", proc);
        if (r >= 0)
                r = push_mount(b, mounts, "/dev", "tmpfs", "tmpfs", dev);
        /*
         * A user namespace may not mount sysfs for a network namespace it
         * does not own (the host's): podman binds the host's /sys then.
         */
        if (r >= 0 && b->ns[SPEC_NS_USER] != SPEC_NS_HOST && b->ns[SPEC_NS_NETWORK] == SPEC_NS_HOST)
                r = push_mount(b, mounts, "/sys", "bind", "/sys",
                               o->privileged ? sys_bind_rw : sys_bind_ro);
        else if (r >= 0)
                r = push_mount(b, mounts, "/sys", "sysfs", "sysfs",
                               o->privileged ? sys_rw : sys_ro);
        if (r >= 0)
                r = push_mount(b, mounts, "/dev/pts", "devpts", "devpts", pts);
        if (r >= 0)
                r = push_mount(b, mounts, "/dev/mqueue", "mqueue", "mqueue", mqueue);
        if (r >= 0)
                r = push_etc_bind(b, mounts, "/etc/resolv.conf", o->resolv_conf_path);
        if (r >= 0)
                r = push_etc_bind(b, mounts, "/etc/hosts", o->hosts_path);
        if (r >= 0 && o->shm_path && o->shm_path[0] != '/')
                return berr(b->err, 0, "/dev/shm: source \"%s\" is not an absolute path",
                            quoted(qb, o->shm_path));
        if (r >= 0 && o->shm_path)
                r = push_mount(b, mounts, "/dev/shm", "bind", o->shm_path, shm_bind);
        else if (r >= 0 && b->ns[SPEC_NS_IPC] == SPEC_NS_HOST)
                r = push_mount(b, mounts, "/dev/shm", "bind", "/dev/shm", shm_bind);
        else if (r >= 0)
                r = push_mount(b, mounts, "/dev/shm", "tmpfs", "shm", shm);
        if (r >= 0)
                r = push_etc_bind(b, mounts, "/etc/hostname", o->hostname_path);
        if (r >= 0)
                r = push_mount(b, mounts, "/sys/fs/cgroup", "cgroup", "cgroup",
                               o->privileged ? cg_rw : cg_ro);
        if (o->readonly_rootfs && o->readonly_tmpfs) {
                static const char *const dirs[] = {"/run", "/tmp", "/var/tmp"};

                for (size_t i = 0; r >= 0 && i < ELEMENTSOF(dirs); i++)
                        r = push_mount(b, mounts, dirs[i], "tmpfs", "tmpfs", tmp);
        }
        return r;
}

static bool
propagation_valid(const char *p)
{
        for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
                if (strcmp(propagations[i], p) == 0)
                        return true;
        return false;
}

/* A user mount as the spec writes it: dest is its clean destination. */
static json_t *
user_mount(struct build *b, const struct spec_mount *m, const char *dest)
{
        _cleanup_(strv_done) struct strv opts = {0};
        const bool bind = !m->type || strcmp(m->type, "bind") == 0;
        char qb[QUOTE_MAX * 4 + 4];
        int r = 0;

        if (bind && (!m->source || m->source[0] != '/')) {
                (void)berr(b->err, 0, "mount %s: source \"%s\" is not an absolute path", dest,
                           quoted(qb, m->source));
                return NULL;
        }
        if (!bind && !*m->type) {
                (void)berr(b->err, 0, "mount %s: empty type", dest);
                return NULL;
        }
        if (m->propagation && !propagation_valid(m->propagation)) {
                (void)berr(b->err, 0,
                           "mount %s: propagation \"%s\" is not valid, expected private, slave, "
                           "shared or unbindable (or with \"r\")",
                           dest, quoted(qb, m->propagation));
                return NULL;
        }
        if (bind)
                r = strv_push(&opts, strdup(m->recursive ? "rbind" : "bind"));
        if (r >= 0 && m->readonly)
                r = strv_push(&opts, strdup("ro"));
        if (r >= 0 && m->nosuid)
                r = strv_push(&opts, strdup("nosuid"));
        if (r >= 0 && m->nodev)
                r = strv_push(&opts, strdup("nodev"));
        if (r >= 0 && m->noexec)
                r = strv_push(&opts, strdup("noexec"));
        for (const char *p = !bind && m->data ? m->data : ""; r >= 0 && *p;) {
                const char *end = strchrnul(p, ',');

                if (end > p)
                        r = strv_push(&opts, strndup(p, (size_t)(end - p)));
                p = *end ? end + 1 : end;
        }
        if (r >= 0 && (bind || m->propagation))
                r = strv_push(&opts, strdup(m->propagation ? m->propagation : "rprivate"));
        if (r < 0) {
                (void)oom(b);
                return NULL;
        }
        return mount_new(b, dest, bind ? "bind" : m->type,
                         m->source && *m->source ? m->source : m->type,
                         opts.v ? (const char *const *)opts.v : (const char *const[]){NULL});
}

static size_t
depth(const char *path)
{
        size_t n = 0;

        for (const char *p = path; *p; p++)
                if (*p == '/' && p[1] && p[1] != '/')
                        n++;
        return n;
}

/*
 * Stable sort by depth: a parent (fewer elements) is mounted before what
 * goes below it; at the same depth the order stays (podman's defaults first).
 */
static int
sort_mounts(struct build *b, json_t *mounts)
{
        size_t n = json_array_size(mounts);
        _cleanup_free_ json_t **v = calloc(n ? n : 1, sizeof(*v));
        _cleanup_free_ size_t *d = calloc(n ? n : 1, sizeof(*d));

        if (!v || !d)
                return oom(b);
        for (size_t i = 0; i < n; i++) {
                v[i] = json_incref(json_array_get(mounts, i));
                d[i] = depth(json_string_value(json_object_get(v[i], "destination")));
        }
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && d[j - 1] > d[j]; j--) {
                        json_t *t = v[j];
                        size_t td = d[j];

                        v[j] = v[j - 1];
                        d[j] = d[j - 1];
                        v[j - 1] = t;
                        d[j - 1] = td;
                }
        json_array_clear(mounts);
        for (size_t i = 0; i < n; i++)
                if (json_array_append_new(mounts, v[i]) < 0) {
                        for (size_t k = i + 1; k < n; k++)
                                json_decref(v[k]);
                        return oom(b);
                }
        return 0;
}

/* Index of the mount at dest in mounts, or -1. */
static ssize_t
mount_find(const json_t *mounts, const char *dest)
{
        size_t i;
        json_t *m;

        json_array_foreach (mounts, i, m) {
                if (strcmp(json_string_value(json_object_get(m, "destination")), dest) == 0)
                        return (ssize_t)i;
        }
        return -1;
}

static int
build_mounts(struct build *b, json_t *spec)
{
        const struct spec_opts *o = b->o;
        json_t *mounts = json_array(), *user = json_array();
        int r;

        if (!user) {
                json_decref(mounts);
                return oom(b);
        }
        r = jset(b, spec, "mounts", mounts);
        if (r >= 0)
                r = build_default_mounts(b, mounts);
        for (size_t i = 0; r >= 0 && i < o->n_mounts; i++) {
                _cleanup_free_ char *dest = NULL;
                ssize_t k;

                if (!o->mounts[i].destination) {
                        r = berr(b->err, 0, "mounts[%zu]: no destination", i);
                        break;
                }
                r = clean_destination(b, o->mounts[i].destination, &dest);
                if (r < 0)
                        break;
                if (mount_find(user, dest) >= 0) {
                        r = berr(b->err, 0, "mount destination %s is given twice", dest);
                        break;
                }
                r = jpush(b, user, user_mount(b, &o->mounts[i], dest));
                if (r < 0)
                        break;
                /* a user mount replaces the default one at its destination */
                k = mount_find(mounts, dest);
                if (k >= 0 && json_array_remove(mounts, (size_t)k) < 0)
                        r = oom(b);
        }
        if (r >= 0 && json_array_extend(mounts, user) < 0)
                r = oom(b);
        json_decref(user);
        if (r >= 0)
                r = sort_mounts(b, mounts);
        return r;
}

/* ---- linux ---- */

static int
build_namespaces(struct build *b, json_t *lx)
{
        const struct spec_opts *o = b->o;
        json_t *a = json_array();
        int r;

        r = jset(b, lx, "namespaces", a);
        for (int t = 0; r >= 0 && t < _SPEC_NS_TYPE_MAX; t++) {
                char qb[QUOTE_MAX * 4 + 4];
                json_t *ns;

                if (b->ns[t] == SPEC_NS_HOST)
                        continue;
                ns = json_pack("{s:s}", "type", ns_names[t]);
                r = jpush(b, a, ns);
                if (r < 0 || b->ns[t] != SPEC_NS_JOIN)
                        continue;
                if (!o->ns[t].path || o->ns[t].path[0] != '/')
                        return berr(b->err, 0, "%s namespace: path \"%s\" is not an absolute path",
                                    ns_names[t], quoted(qb, o->ns[t].path));
                r = jset_str(b, ns, "path", o->ns[t].path, "namespace path");
        }
        return r;
}

static json_t *
idmaps(const struct spec_idmap *m, size_t n)
{
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++)
                if (json_array_append_new(a, json_pack("{s:I, s:I, s:I}", "containerID",
                                                       (json_int_t)m[i].container_id, "hostID",
                                                       (json_int_t)m[i].host_id, "size",
                                                       (json_int_t)m[i].size)) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/*
 * Kubernetes' namespaced sysctls (what runc also accepts): net.*,
 * kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*; a name may be written
 * with "/" (net/ipv4/ip_forward), as Kubernetes allows.
 */
static int
build_sysctls(struct build *b, json_t *lx)
{
        const struct spec_opts *o = b->o;
        json_t *obj;
        int r;

        if (o->n_sysctls == 0)
                return 0;
        obj = json_object();
        r = jset(b, lx, "sysctl", obj);
        for (size_t i = 0; r >= 0 && i < o->n_sysctls; i++) {
                _cleanup_free_ char *name = o->sysctls[i].key ? strdup(o->sysctls[i].key) : NULL;
                char qb[QUOTE_MAX * 4 + 4];
                bool net, ipc;

                if (!o->sysctls[i].key)
                        return berr(b->err, 0, "sysctls[%zu]: no name", i);
                if (!name)
                        return oom(b);
                if (strchr(name, '/'))
                        for (char *p = name; *p; p++)
                                *p = *p == '/' ? '.' : *p == '.' ? '/' : *p;
                net = strncmp(name, "net.", 4) == 0;
                ipc = strncmp(name, "kernel.shm", 10) == 0 ||
                      strncmp(name, "kernel.msg", 10) == 0 || strcmp(name, "kernel.sem") == 0 ||
                      strncmp(name, "fs.mqueue.", 10) == 0;
                if (!net && !ipc)
                        return berr(b->err, 0,
                                    "sysctl \"%s\" is not namespaced: only net.*, kernel.shm*, "
                                    "kernel.msg*, kernel.sem and fs.mqueue.* can be set",
                                    quoted(qb, name));
                if (net && b->ns[SPEC_NS_NETWORK] == SPEC_NS_HOST)
                        return berr(b->err, 0,
                                    "sysctl %s: the container uses the host's network namespace",
                                    quoted(qb, name));
                if (ipc && b->ns[SPEC_NS_IPC] == SPEC_NS_HOST)
                        return berr(b->err, 0,
                                    "sysctl %s: the container uses the host's IPC namespace",
                                    quoted(qb, name));
                r = jset_str(b, obj, name, o->sysctls[i].value ? o->sysctls[i].value : "",
                             "sysctl value");
        }
        return r;
}

static int
device_rule(struct build *b, json_t *rules, char type, int64_t major, int64_t minor,
            const char *access)
{
        char t[2] = {type, '\0'};
        json_t *d = json_pack("{s:b, s:s, s:I}", "allow", 1, "type", t, "major", (json_int_t)major);

        if (d && minor >= 0 && json_object_set_new(d, "minor", json_integer(minor)) < 0) {
                json_decref(d);
                d = NULL;
        }
        if (d && json_object_set_new(d, "access", json_string(access ? access : "rwm")) < 0) {
                json_decref(d);
                d = NULL;
        }
        return jpush(b, rules, d);
}

static int
build_devices(struct build *b, json_t *lx, json_t *rules)
{
        const struct spec_opts *o = b->o;
        json_t *a;
        int r;

        if (o->n_devices == 0)
                return 0;
        a = json_array();
        r = jset(b, lx, "devices", a);
        for (size_t i = 0; r >= 0 && i < o->n_devices; i++) {
                const struct spec_device *d = &o->devices[i];
                _cleanup_free_ char *path = NULL;
                char qb[QUOTE_MAX * 4 + 4], t[2] = {d->type, '\0'};
                json_t *j;

                if (!d->path)
                        return berr(b->err, 0, "devices[%zu]: no path", i);
                r = clean_destination(b, d->path, &path);
                if (r < 0)
                        return r;
                if (strncmp(path, "/dev/", 5) != 0)
                        return berr(b->err, 0, "device %s is not under /dev", quoted(qb, path));
                if (!d->type || !strchr("cbpu", d->type))
                        return berr(b->err, 0, "device %s: type is not c, b, u or p", path);
                if (d->type != 'p' && (d->major < 0 || d->minor < 0))
                        return berr(b->err, 0, "device %s: no major and minor number", path);
                j = json_pack("{s:s, s:s}", "path", path, "type", t);
                r = jpush(b, a, j);
                if (r >= 0 && d->type != 'p')
                        r = jset(b, j, "major", json_integer(d->major));
                if (r >= 0 && d->type != 'p')
                        r = jset(b, j, "minor", json_integer(d->minor));
                if (r >= 0)
                        r = jset(b, j, "fileMode",
                                 json_integer(d->file_mode ? d->file_mode & 07777 : 0666));
                if (r >= 0)
                        r = jset(b, j, "uid", json_integer(d->uid));
                if (r >= 0)
                        r = jset(b, j, "gid", json_integer(d->gid));
                /* 'm' too: the runtime makes the node inside the container's cgroup */
                if (r >= 0 && d->type != 'p' && d->access && !strchr(d->access, 'm')) {
                        char access[8];

                        (void)snprintf(access, sizeof(access), "%.3sm", d->access);
                        r = device_rule(b, rules, d->type == 'u' ? 'c' : d->type, d->major,
                                        d->minor, access);
                } else if (r >= 0 && d->type != 'p') {
                        r = device_rule(b, rules, d->type == 'u' ? 'c' : d->type, d->major,
                                        d->minor, d->access);
                }
        }
        return r;
}

static int
build_resources(struct build *b, json_t *lx, json_t **ret_rules)
{
        const struct spec_resources *res = &b->o->resources;
        json_t *resources = json_object(), *rules = json_array(), *mem = NULL, *cpu = NULL;
        int r;

        if (!rules) {
                json_decref(resources);
                return oom(b);
        }
        r = jset(b, lx, "resources", resources);
        if (r >= 0)
                r = jset(b, resources, "devices", rules);
        if (r < 0)
                return r;
        *ret_rules = rules;
        /* deny everything, then allow the devices every container has (privileged: all) */
        r = jpush(b, rules,
                  json_pack("{s:b, s:s}", "allow", b->o->privileged ? 1 : 0, "access", "rwm"));
        for (size_t i = 0; r >= 0 && !b->o->privileged && i < ELEMENTSOF(std_devices); i++)
                r = device_rule(b, rules, 'c', std_devices[i].major, std_devices[i].minor, NULL);
        if (r < 0)
                return r;

        if (res->memory_limit < 0 || res->memory_reservation < 0 || res->memory_swap < -1)
                return berr(b->err, 0, "memory: a negative limit");
        if (res->memory_swap > 0 && res->memory_limit > 0 && res->memory_swap < res->memory_limit)
                return berr(b->err, 0,
                            "memory: swap limit %" PRId64 " is below the memory limit %" PRId64
                            " (it counts memory and swap together)",
                            res->memory_swap, res->memory_limit);
        if (res->memory_limit || res->memory_reservation || res->memory_swap) {
                mem = json_object();
                r = jset(b, resources, "memory", mem);
        }
        if (r >= 0 && res->memory_limit)
                r = jset(b, mem, "limit", json_integer(res->memory_limit));
        if (r >= 0 && res->memory_reservation)
                r = jset(b, mem, "reservation", json_integer(res->memory_reservation));
        if (r >= 0 && res->memory_swap)
                r = jset(b, mem, "swap", json_integer(res->memory_swap));
        if (r < 0)
                return r;

        if (res->cpu_limit_millis < 0 || res->cpu_request_millis < 0)
                return berr(b->err, 0, "cpu: a negative amount");
        if (res->cpu_period && (res->cpu_period < 1000 || res->cpu_period > 1000000))
                return berr(b->err, 0,
                            "cpu period %" PRIu64 " is out of range, expected 1000 to 1000000",
                            res->cpu_period);
        if (res->cpu_limit_millis || res->cpu_request_millis || res->cpuset_cpus ||
            res->cpuset_mems) {
                cpu = json_object();
                r = jset(b, resources, "cpu", cpu);
        }
        if (r >= 0 && res->cpu_request_millis)
                r = jset(b, cpu, "shares",
                         json_integer((json_int_t)spec_cpu_shares(res->cpu_request_millis)));
        if (r >= 0 && res->cpu_limit_millis)
                r = jset(b, cpu, "quota",
                         json_integer(spec_cpu_quota(res->cpu_limit_millis, res->cpu_period)));
        if (r >= 0 && res->cpu_limit_millis)
                r = jset(b, cpu, "period",
                         json_integer(res->cpu_period ? (json_int_t)res->cpu_period
                                                      : SPEC_CPU_PERIOD));
        if (r >= 0 && res->cpuset_cpus)
                r = jset_str(b, cpu, "cpus", res->cpuset_cpus, "cpuset");
        if (r >= 0 && res->cpuset_mems)
                r = jset_str(b, cpu, "mems", res->cpuset_mems, "cpuset");
        if (r < 0)
                return r;

        if (res->pids_limit < -1)
                return berr(b->err, 0, "pids limit %" PRId64 " is not valid", res->pids_limit);
        if (res->pids_limit)
                r = jset(b, resources, "pids",
                         json_pack("{s:I}", "limit", (json_int_t)res->pids_limit));
        return r;
}

static int
build_linux(struct build *b, json_t *spec)
{
        const struct spec_opts *o = b->o;
        json_t *lx = json_object(), *rules = NULL;
        int r;

        r = jset(b, spec, "linux", lx);
        if (r < 0)
                return r;
        if (b->ns[SPEC_NS_USER] == SPEC_NS_NEW) {
                if (o->n_uid_mappings == 0 || o->n_gid_mappings == 0)
                        return berr(b->err, 0, "a new user namespace needs uid and gid mappings");
                r = jset(b, lx, "uidMappings", idmaps(o->uid_mappings, o->n_uid_mappings));
                if (r >= 0)
                        r = jset(b, lx, "gidMappings", idmaps(o->gid_mappings, o->n_gid_mappings));
                if (r < 0)
                        return r;
        }
        r = build_sysctls(b, lx);
        if (r >= 0)
                r = build_resources(b, lx, &rules);
        if (r >= 0 && o->cgroups_path)
                r = jset_str(b, lx, "cgroupsPath", o->cgroups_path, "cgroups path");
        if (r >= 0)
                r = build_namespaces(b, lx);
        if (r >= 0)
                r = build_devices(b, lx, rules);
        if (r >= 0 && o->seccomp && !o->privileged) {
                if (!json_is_object(o->seccomp))
                        return berr(b->err, 0, "seccomp: expected an object");
                r = jset(b, lx, "seccomp", json_deep_copy(o->seccomp));
        }
        if (r >= 0 && !o->privileged) {
                r = jset(b, lx, "maskedPaths", jstrv(b, masked_paths, "path"));
                if (r >= 0)
                        r = jset(b, lx, "readonlyPaths", jstrv(b, readonly_paths, "path"));
        }
        if (r >= 0 && o->selinux_mount_label)
                r = jset_str(b, lx, "mountLabel", o->selinux_mount_label, "SELinux label");
        return r;
}

/* ---- annotations ---- */

/* An image's StopSignal ("SIGTERM", "TERM", "15", "SIGRTMIN+3") as a number; -1 if none. */
static int
signal_parse(const char *s)
{
        char *end;
        long n;

        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        if (*s >= '0' && *s <= '9') {
                errno = 0;
                n = strtol(s, &end, 10);
                return !*end && errno == 0 && n >= 1 && n <= SIGRTMAX ? (int)n : -1;
        }
        for (size_t i = 0; i < ELEMENTSOF(signal_names); i++)
                if (signal_names[i] && strcasecmp(signal_names[i], s) == 0)
                        return (int)i;
        if (strncasecmp(s, "RTMIN", 5) == 0 || strncasecmp(s, "RTMAX", 5) == 0) {
                bool min = strncasecmp(s, "RTMIN", 5) == 0;
                int base = min ? SIGRTMIN : SIGRTMAX;

                s += 5;
                if (!*s)
                        return base;
                if (*s != (min ? '+' : '-') || s[1] < '0' || s[1] > '9')
                        return -1;
                errno = 0;
                n = strtol(s + 1, &end, 10);
                if (*end || errno || n > SIGRTMAX - SIGRTMIN)
                        return -1;
                return min ? base + (int)n : base - (int)n;
        }
        return -1;
}

static int
build_annotations(struct build *b, json_t *spec)
{
        const struct spec_opts *o = b->o;
        json_t *a = json_object();
        const char *stop = NULL;
        char num[16], qb[QUOTE_MAX * 4 + 4];
        int r, sig = SIGTERM;

        r = jset(b, spec, "annotations", a);
        if (r >= 0)
                r = image_str(b, "StopSignal", &stop);
        if (r < 0)
                return r;
        if (stop) {
                sig = signal_parse(stop);
                if (sig < 0)
                        return berr(b->err, 0, "image config: StopSignal \"%s\" is not a signal",
                                    quoted(qb, stop));
        }
        /* what podman writes: the monitor sends it to stop the container */
        (void)snprintf(num, sizeof(num), "%d", sig);
        r = jset(b, a, "org.opencontainers.image.stopSignal", json_string(num));
        for (size_t i = 0; r >= 0 && i < o->n_annotations; i++) {
                if (!o->annotations[i].key || !*o->annotations[i].key)
                        return berr(b->err, 0, "annotations[%zu]: no key", i);
                if (utf8_invalid_at(o->annotations[i].key, strlen(o->annotations[i].key)) !=
                    strlen(o->annotations[i].key))
                        return berr(b->err, EILSEQ, "annotation \"%s\" is not valid UTF-8",
                                    quoted(qb, o->annotations[i].key));
                r = jset_str(b, a, o->annotations[i].key,
                             o->annotations[i].value ? o->annotations[i].value : "",
                             "annotation value");
        }
        return r;
}

static void
close_fds(int *fds, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        (void)close(fds[i]);
}

int
spec_build(const struct spec_opts *o, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *spec = NULL;
        _cleanup_close_ int rootfd = -EBADF;
        _cleanup_(berr_freep) struct berr *local = NULL;
        struct build b = {.o = o, .err = err ? err : &local, .rootfd = -EBADF};
        _cleanup_free_ int *layer_fds = NULL;
        char qb[QUOTE_MAX * 4 + 4];
        json_t *root;
        int r;

        if (!o || !o->rootfs || o->rootfs[0] != '/')
                return berr(err, 0, "rootfs \"%s\" is not an absolute path",
                            quoted(qb, o ? o->rootfs : NULL));
        for (int t = 0; t < _SPEC_NS_TYPE_MAX; t++) {
                enum spec_ns_mode m = o->ns[t].mode;

                if ((int)m < 0 || m >= _SPEC_NS_MODE_MAX)
                        return berr(err, 0, "%s namespace: invalid mode %d", ns_names[t], (int)m);
                b.ns[t] = m != SPEC_NS_DEFAULT ? m : t == SPEC_NS_USER ? SPEC_NS_HOST : SPEC_NS_NEW;
        }
        if (o->n_layers > 0) {
                layer_fds = calloc(o->n_layers, sizeof(*layer_fds));
                if (!layer_fds)
                        return berr(err, ENOMEM, "spec");
                for (size_t i = 0; i < o->n_layers; i++)
                        layer_fds[i] = -EBADF;
                for (size_t i = 0; i < o->n_layers; i++) {
                        layer_fds[i] = open(o->layers[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
                        if (layer_fds[i] < 0) {
                                r = berr(err, errno, "open layer %s", o->layers[i]);
                                close_fds(layer_fds, o->n_layers);
                                return r;
                        }
                }
                b.layer_fds = layer_fds;
        } else {
                rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (rootfd < 0)
                        return berr(err, errno, "open rootfs %s", o->rootfs);
                b.rootfd = rootfd;
        }

        spec = json_object();
        if (!spec)
                return berr(err, ENOMEM, "spec");
        r = jset_str(&b, spec, "ociVersion", SPEC_OCI_VERSION, "version");
        if (r >= 0)
                r = build_process(&b, spec);
        if (r >= 0) {
                root = json_object();
                r = jset(&b, spec, "root", root);
                if (r >= 0)
                        r = jset_str(&b, root, "path", o->rootfs, "rootfs");
                if (r >= 0 && o->readonly_rootfs)
                        r = jset(&b, root, "readonly", json_true());
        }
        if (r >= 0 && o->hostname && b.ns[SPEC_NS_UTS] != SPEC_NS_HOST)
                r = jset_str(&b, spec, "hostname", o->hostname, "hostname");
        if (r >= 0)
                r = build_mounts(&b, spec);
        if (r >= 0)
                r = build_annotations(&b, spec);
        if (r >= 0)
                r = build_linux(&b, spec);
        passwd_user_done(&b.user);
        if (layer_fds)
                close_fds(layer_fds, o->n_layers);
        strv_done(&b.env);
        strv_done(&b.kenv);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(spec);
        return 0;
}
