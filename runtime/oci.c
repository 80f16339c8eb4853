/* runtime/oci.c: config.json, read and checked for the built-in executor */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "oci.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

static const char *const ns_names[_OCI_NS_MAX] = {
        [OCI_NS_USER] = "user",     [OCI_NS_MOUNT] = "mount", [OCI_NS_PID] = "pid",
        [OCI_NS_IPC] = "ipc",       [OCI_NS_UTS] = "uts",     [OCI_NS_NET] = "network",
        [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

void
oci_config_clear(struct oci_config *c)
{
        free(c->root_path);
        free(c->overlay);
        free(c->hostname);
        strv_free(c->args);
        strv_free(c->env);
        free(c->cwd);
        free(c->groups);
        free(c->rlimits);
        free(c->selinux_label);
        for (int i = 0; i < _OCI_NS_MAX; i++)
                free(c->ns[i].path);
        for (size_t i = 0; i < c->n_mounts; i++) {
                free(c->mounts[i].destination);
                free(c->mounts[i].type);
                free(c->mounts[i].source);
                free(c->mounts[i].data);
        }
        free(c->mounts);
        for (size_t i = 0; i < c->n_devices; i++)
                free(c->devices[i].path);
        free(c->devices);
        strv_free(c->masked_paths);
        strv_free(c->readonly_paths);
        for (size_t i = 0; i < c->n_sysctls; i++) {
                free(c->sysctls[i].key);
                free(c->sysctls[i].value);
        }
        free(c->sysctls);
        free(c->cgroups_path);
        free(c->mount_label);
        json_decref(c->resources);
        json_decref(c->seccomp);
        json_decref(c->annotations);
        memset(c, 0, sizeof(*c));
}

int
oci_cap_from_name(const char *name)
{
        char lower[64];
        cap_value_t v;
        size_t i;

        for (i = 0; i < sizeof(lower) - 1 && name[i]; i++)
                lower[i] = (char)tolower((unsigned char)name[i]);
        lower[i] = '\0';
        if (name[i] || strncmp(lower, "cap_", 4) != 0)
                return -1;
        if (cap_from_name(lower, &v) < 0 || v < 0 || v > 63)
                return -1;
        return (int)v;
}

int
oci_rlimit_from_name(const char *name)
{
        static const struct {
                const char *name;
                int resource;
        } table[] = {
                {"RLIMIT_AS", RLIMIT_AS},
                {"RLIMIT_CORE", RLIMIT_CORE},
                {"RLIMIT_CPU", RLIMIT_CPU},
                {"RLIMIT_DATA", RLIMIT_DATA},
                {"RLIMIT_FSIZE", RLIMIT_FSIZE},
                {"RLIMIT_LOCKS", RLIMIT_LOCKS},
                {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
                {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
                {"RLIMIT_NICE", RLIMIT_NICE},
                {"RLIMIT_NOFILE", RLIMIT_NOFILE},
                {"RLIMIT_NPROC", RLIMIT_NPROC},
                {"RLIMIT_RSS", RLIMIT_RSS},
                {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
                {"RLIMIT_RTTIME", RLIMIT_RTTIME},
                {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
                {"RLIMIT_STACK", RLIMIT_STACK},
        };
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
                if (strcmp(table[i].name, name) == 0)
                        return table[i].resource;
        return -1;
}

int
oci_mount_options(const json_t *options, struct oci_mount *m, struct berr **err)
{
        static const struct {
                const char *name;
                bool clear;
                unsigned long flag;
        } flags[] = {
                {"ro", false, MS_RDONLY},
                {"rw", true, MS_RDONLY},
                {"nosuid", false, MS_NOSUID},
                {"suid", true, MS_NOSUID},
                {"nodev", false, MS_NODEV},
                {"dev", true, MS_NODEV},
                {"noexec", false, MS_NOEXEC},
                {"exec", true, MS_NOEXEC},
                {"sync", false, MS_SYNCHRONOUS},
                {"async", true, MS_SYNCHRONOUS},
                {"dirsync", false, MS_DIRSYNC},
                {"remount", false, MS_REMOUNT},
                {"mand", false, MS_MANDLOCK},
                {"nomand", true, MS_MANDLOCK},
                {"atime", true, MS_NOATIME},
                {"noatime", false, MS_NOATIME},
                {"diratime", true, MS_NODIRATIME},
                {"nodiratime", false, MS_NODIRATIME},
                {"relatime", false, MS_RELATIME},
                {"norelatime", true, MS_RELATIME},
                {"strictatime", false, MS_STRICTATIME},
                {"nostrictatime", true, MS_STRICTATIME},
        };
        static const struct {
                const char *name;
                unsigned long flag;
        } props[] = {
                {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
                {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
                {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
                {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
        };
        size_t i;
        json_t *o;

        json_array_foreach (options, i, o) {
                const char *s = json_string_value(o);
                bool done = false;

                if (!s)
                        return berr(err, EINVAL, "options[%zu]: expected a string", i);
                if (strcmp(s, "tmpcopyup") == 0) {
                        m->tmpcopyup = true;
                        continue;
                }
                if (strcmp(s, "bind") == 0 || strcmp(s, "rbind") == 0) {
                        m->bind = true;
                        m->recursive = m->recursive || s[0] == 'r';
                        continue;
                }
                for (size_t k = 0; k < sizeof(flags) / sizeof(flags[0]) && !done; k++) {
                        if (strcmp(flags[k].name, s) != 0)
                                continue;
                        if (flags[k].clear) {
                                m->flags &= ~flags[k].flag;
                                m->clear_flags |= flags[k].flag;
                        } else {
                                m->flags |= flags[k].flag;
                                m->clear_flags &= ~flags[k].flag;
                        }
                        done = true;
                }
                for (size_t k = 0; k < sizeof(props) / sizeof(props[0]) && !done; k++) {
                        if (strcmp(props[k].name, s) != 0)
                                continue;
                        m->propagation = props[k].flag;
                        done = true;
                }
                if (done)
                        continue;
                /* the rest is for the file system to parse */
                if (strchr(s, ','))
                        return berr(err, EINVAL, "options[%zu]: \"%s\" holds a comma", i, s);
                if (m->data) {
                        char *d;
                        if (asprintf(&d, "%s,%s", m->data, s) < 0)
                                return -ENOMEM;
                        free(m->data);
                        m->data = d;
                } else if (!(m->data = strdup(s))) {
                        return -ENOMEM;
                }
        }
        return 0;
}

static int
get_string(const json_t *o, const char *key, bool required, char **ret, const char *where,
           struct berr **err)
{
        const json_t *v = json_object_get(o, key);

        *ret = NULL;
        if (!v) {
                if (required)
                        return berr(err, EINVAL, "%s.%s: missing", where, key);
                return 0;
        }
        if (!json_is_string(v))
                return berr(err, EINVAL, "%s.%s: expected a string", where, key);
        *ret = strdup(json_string_value(v));
        return *ret ? 0 : -ENOMEM;
}

static int
get_strv(const json_t *o, const char *key, char ***ret, const char *where, struct berr **err)
{
        const json_t *v = json_object_get(o, key), *e;
        char **out;
        size_t i;

        *ret = NULL;
        if (!v || json_is_null(v))
                return 0;
        if (!json_is_array(v))
                return berr(err, EINVAL, "%s.%s: expected a list of strings", where, key);
        out = calloc(json_array_size(v) + 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        json_array_foreach (v, i, e) {
                if (!json_is_string(e)) {
                        strv_free(out);
                        return berr(err, EINVAL, "%s.%s[%zu]: expected a string", where, key, i);
                }
                if (!(out[i] = strdup(json_string_value(e)))) {
                        strv_free(out);
                        return -ENOMEM;
                }
        }
        *ret = out;
        return 0;
}

static int
get_uint(const json_t *o, const char *key, uint64_t max, uint64_t *ret, const char *where,
         struct berr **err)
{
        const json_t *v = json_object_get(o, key);

        if (!v)
                return 0;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            (uint64_t)json_integer_value(v) > max)
                return berr(err, EINVAL, "%s.%s: expected an integer from 0 to %llu", where, key,
                            (unsigned long long)max);
        *ret = (uint64_t)json_integer_value(v);
        return 0;
}

static int
read_caps(const json_t *caps, struct oci_caps *out, struct berr **err)
{
        static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                           "ambient"};
        uint64_t *masks[] = {&out->bounding, &out->effective, &out->inheritable, &out->permitted,
                             &out->ambient};

        memset(out, 0, sizeof(*out));
        if (!caps)
                return 0;
        if (!json_is_object(caps))
                return berr(err, EINVAL, "process.capabilities: expected an object");
        for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
                const json_t *list = json_object_get(caps, sets[s]), *e;
                size_t i;

                if (!list)
                        continue;
                if (!json_is_array(list))
                        return berr(err, EINVAL, "process.capabilities.%s: expected a list",
                                    sets[s]);
                json_array_foreach (list, i, e) {
                        int c = json_is_string(e) ? oci_cap_from_name(json_string_value(e)) : -1;
                        /* a capability this kernel or libcap does not know is left out, as runc
                         * does */
                        if (!json_is_string(e))
                                return berr(err, EINVAL,
                                            "process.capabilities.%s[%zu]: expected a string",
                                            sets[s], i);
                        if (c >= 0)
                                *masks[s] |= UINT64_C(1) << c;
                }
        }
        return 0;
}

static int
read_process(const json_t *p, struct oci_config *c, struct berr **err)
{
        const json_t *user, *v, *e;
        uint64_t n;
        size_t i;
        int r;

        if (!json_is_object(p))
                return berr(err, EINVAL, "process: expected an object");
        c->terminal = json_is_true(json_object_get(p, "terminal"));
        r = get_strv(p, "args", &c->args, "process", err);
        if (r < 0)
                return r;
        if (!c->args || !c->args[0])
                return berr(err, EINVAL, "process.args: expected at least the program to run");
        r = get_strv(p, "env", &c->env, "process", err);
        if (r == 0 && !c->env && !(c->env = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r == 0)
                r = get_string(p, "cwd", true, &c->cwd, "process", err);
        if (r < 0)
                return r;
        if (!c->cwd || c->cwd[0] != '/')
                return berr(err, EINVAL, "process.cwd: \"%s\" is not an absolute path", c->cwd);

        user = json_object_get(p, "user");
        if (user) {
                n = 0;
                r = get_uint(user, "uid", UINT32_MAX - 1, &n, "process.user", err);
                c->uid = (uid_t)n;
                n = 0;
                if (r == 0)
                        r = get_uint(user, "gid", UINT32_MAX - 1, &n, "process.user", err);
                c->gid = (gid_t)n;
                if (r == 0 && json_object_get(user, "umask")) {
                        n = 0;
                        r = get_uint(user, "umask", 0777, &n, "process.user", err);
                        c->umask = (mode_t)n;
                        c->has_umask = true;
                }
                if (r < 0)
                        return r;
                v = json_object_get(user, "additionalGids");
                if (json_is_array(v) && json_array_size(v) > 0) {
                        c->groups = calloc(json_array_size(v), sizeof(gid_t));
                        if (!c->groups)
                                return -ENOMEM;
                        json_array_foreach (v, i, e) {
                                if (!json_is_integer(e) || json_integer_value(e) < 0 ||
                                    json_integer_value(e) >= UINT32_MAX)
                                        return berr(err, EINVAL,
                                                    "process.user.additionalGids[%zu]: expected a "
                                                    "group id",
                                                    i);
                                c->groups[c->n_groups++] = (gid_t)json_integer_value(e);
                        }
                } else if (v && !json_is_array(v)) {
                        return berr(err, EINVAL,
                                    "process.user.additionalGids: expected a list of group ids");
                }
        }

        r = read_caps(json_object_get(p, "capabilities"), &c->caps, err);
        if (r < 0)
                return r;
        c->no_new_privs = json_is_true(json_object_get(p, "noNewPrivileges"));

        v = json_object_get(p, "rlimits");
        if (v && !json_is_array(v))
                return berr(err, EINVAL, "process.rlimits: expected a list");
        if (json_array_size(v) > 0) {
                c->rlimits = calloc(json_array_size(v), sizeof(*c->rlimits));
                if (!c->rlimits)
                        return -ENOMEM;
        }
        json_array_foreach (v, i, e) {
                const char *type = json_string_value(json_object_get(e, "type"));
                struct oci_rlimit *rl = c->rlimits ? &c->rlimits[c->n_rlimits] : NULL;
                uint64_t hard = 0, soft = 0;
                char where[48];

                snprintf(where, sizeof(where), "process.rlimits[%zu]", i);
                if (!rl)
                        return -ENOMEM;
                rl->resource = type ? oci_rlimit_from_name(type) : -1;
                if (rl->resource < 0)
                        return berr(err, EINVAL, "%s.type: \"%s\" is not a resource limit", where,
                                    type ? type : "");
                r = get_uint(e, "hard", UINT64_MAX, &hard, where, err);
                if (r == 0)
                        r = get_uint(e, "soft", UINT64_MAX, &soft, where, err);
                if (r < 0)
                        return r;
                if (soft > hard)
                        return berr(err, EINVAL, "%s: soft limit %llu is above the hard limit %llu",
                                    where, (unsigned long long)soft, (unsigned long long)hard);
                rl->limit.rlim_cur = soft;
                rl->limit.rlim_max = hard;
                c->n_rlimits++;
        }
        v = json_object_get(p, "oomScoreAdj");
        if (v) {
                if (!json_is_integer(v) || json_integer_value(v) < -1000 ||
                    json_integer_value(v) > 1000)
                        return berr(err, EINVAL, "process.oomScoreAdj: expected -1000 to 1000");
                c->oom_score_adj = (int)json_integer_value(v);
                c->has_oom_score_adj = true;
        }
        return get_string(p, "selinuxLabel", false, &c->selinux_label, "process", err);
}

/* absolute, and no ".." element: where a mount or a masked path may go */
static bool
path_is_safe(const char *p)
{
        const char *s = p;

        if (!p || p[0] != '/')
                return false;
        while (*s) {
                const char *e = strchrnul(s, '/');
                if (e - s == 2 && s[0] == '.' && s[1] == '.')
                        return false;
                s = *e ? e + 1 : e;
        }
        return true;
}

static int
read_mounts(const json_t *list, const char *bundle, struct oci_config *c, struct berr **err)
{
        const json_t *e;
        size_t i;
        int r;

        if (!list)
                return 0;
        if (!json_is_array(list))
                return berr(err, EINVAL, "mounts: expected a list");
        c->mounts = calloc(json_array_size(list) + 1, sizeof(*c->mounts));
        if (!c->mounts)
                return -ENOMEM;
        json_array_foreach (list, i, e) {
                struct oci_mount *m = &c->mounts[c->n_mounts++];
                const json_t *opts;
                char where[48];

                snprintf(where, sizeof(where), "mounts[%zu]", i);
                if (!json_is_object(e))
                        return berr(err, EINVAL, "%s: expected an object", where);
                r = get_string(e, "destination", true, &m->destination, where, err);
                if (r == 0)
                        r = get_string(e, "type", false, &m->type, where, err);
                if (r == 0)
                        r = get_string(e, "source", false, &m->source, where, err);
                if (r < 0)
                        return r;
                if (!path_is_safe(m->destination))
                        return berr(
                                err, EINVAL,
                                "%s.destination: \"%s\" must be an absolute path without \"..\"",
                                where, m->destination);
                opts = json_object_get(e, "options");
                if (opts && !json_is_array(opts))
                        return berr(err, EINVAL, "%s.options: expected a list of strings", where);
                r = oci_mount_options(opts, m, err);
                if (r < 0)
                        return berr_wrap(err, "%s", where);
                if (m->type && strcmp(m->type, "bind") == 0)
                        m->bind = true;
                if (m->bind && !m->source)
                        return berr(err, EINVAL, "%s.source: a bind mount needs a source", where);
                if (m->bind && m->source[0] != '/') {
                        char *abs;
                        if (asprintf(&abs, "%s/%s", bundle, m->source) < 0)
                                return -ENOMEM;
                        free(m->source);
                        m->source = abs;
                }
                if (!m->bind && !m->type)
                        return berr(err, EINVAL, "%s.type: missing (and the mount is not a bind)",
                                    where);
        }
        return 0;
}

static int
read_namespaces(const json_t *list, struct oci_config *c, struct berr **err)
{
        const json_t *e;
        size_t i;
        int r;

        if (list && !json_is_array(list))
                return berr(err, EINVAL, "linux.namespaces: expected a list");
        json_array_foreach (list, i, e) {
                const char *type = json_string_value(json_object_get(e, "type"));
                char where[40];
                int k;

                snprintf(where, sizeof(where), "linux.namespaces[%zu]", i);
                for (k = 0; k < _OCI_NS_MAX; k++)
                        if (type && strcmp(type, ns_names[k]) == 0)
                                break;
                if (k == _OCI_NS_MAX)
                        return berr(err, EINVAL, "%s.type: \"%s\" is not a namespace type", where,
                                    type ? type : "");
                if (c->ns[k].enabled)
                        return berr(err, EINVAL, "%s: namespace \"%s\" listed twice", where, type);
                c->ns[k].enabled = true;
                r = get_string(e, "path", false, &c->ns[k].path, where, err);
                if (r < 0)
                        return r;
                if (c->ns[k].path && c->ns[k].path[0] != '/')
                        return berr(err, EINVAL, "%s.path: \"%s\" is not an absolute path", where,
                                    c->ns[k].path);
        }
        return 0;
}

static int
read_devices(const json_t *list, struct oci_config *c, struct berr **err)
{
        const json_t *e;
        size_t i;
        int r;

        if (!list)
                return 0;
        if (!json_is_array(list))
                return berr(err, EINVAL, "linux.devices: expected a list");
        c->devices = calloc(json_array_size(list) + 1, sizeof(*c->devices));
        if (!c->devices)
                return -ENOMEM;
        json_array_foreach (list, i, e) {
                struct oci_device *d = &c->devices[c->n_devices++];
                const char *type = json_string_value(json_object_get(e, "type"));
                uint64_t major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
                char where[48];

                snprintf(where, sizeof(where), "linux.devices[%zu]", i);
                r = get_string(e, "path", true, &d->path, where, err);
                if (r < 0)
                        return r;
                if (!path_is_safe(d->path) || strncmp(d->path, "/dev/", 5) != 0)
                        return berr(err, EINVAL, "%s.path: \"%s\" is not a path under /dev", where,
                                    d->path);
                if (!type || strlen(type) != 1 || !strchr("cbpu", type[0]))
                        return berr(err, EINVAL, "%s.type: expected c, b, u or p", where);
                d->type = type[0] == 'u' ? 'c' : type[0];
                r = get_uint(e, "major", 4095, &major, where, err);
                if (r == 0)
                        r = get_uint(e, "minor", 1048575, &minor, where, err);
                if (r == 0)
                        r = get_uint(e, "fileMode", 07777, &mode, where, err);
                if (r == 0)
                        r = get_uint(e, "uid", UINT32_MAX - 1, &uid, where, err);
                if (r == 0)
                        r = get_uint(e, "gid", UINT32_MAX - 1, &gid, where, err);
                if (r < 0)
                        return r;
                d->dev = makedev(major, minor);
                d->mode = (mode_t)mode;
                d->uid = (uid_t)uid;
                d->gid = (gid_t)gid;
        }
        return 0;
}

static int
read_linux(const json_t *l, struct oci_config *c, struct berr **err)
{
        const json_t *v;
        const char *key;
        json_t *val;
        int r;

        c->rootfs_propagation = MS_SLAVE | MS_REC;
        if (!l)
                return 0;
        if (!json_is_object(l))
                return berr(err, EINVAL, "linux: expected an object");
        r = read_namespaces(json_object_get(l, "namespaces"), c, err);
        if (r == 0)
                r = read_devices(json_object_get(l, "devices"), c, err);
        if (r == 0)
                r = get_strv(l, "maskedPaths", &c->masked_paths, "linux", err);
        if (r == 0)
                r = get_strv(l, "readonlyPaths", &c->readonly_paths, "linux", err);
        if (r == 0)
                r = get_string(l, "cgroupsPath", false, &c->cgroups_path, "linux", err);
        if (r == 0)
                r = get_string(l, "mountLabel", false, &c->mount_label, "linux", err);
        if (r < 0)
                return r;
        for (char **p = c->masked_paths; p && *p; p++)
                if (!path_is_safe(*p))
                        return berr(err, EINVAL, "linux.maskedPaths: \"%s\" is not a safe path",
                                    *p);
        for (char **p = c->readonly_paths; p && *p; p++)
                if (!path_is_safe(*p))
                        return berr(err, EINVAL, "linux.readonlyPaths: \"%s\" is not a safe path",
                                    *p);

        v = json_object_get(l, "rootfsPropagation");
        if (v) {
                struct oci_mount m = {0};
                json_t *one = json_pack("[O]", v);
                if (!json_is_string(v))
                        r = berr(err, EINVAL, "linux.rootfsPropagation: expected a string");
                else
                        r = oci_mount_options(one, &m, err);
                json_decref(one);
                free(m.data);
                if (r < 0)
                        return r;
                if (!m.propagation)
                        return berr(err, EINVAL,
                                    "linux.rootfsPropagation: \"%s\" is not a propagation type",
                                    json_string_value(v));
                c->rootfs_propagation = m.propagation | MS_REC;
        }

        v = json_object_get(l, "sysctl");
        if (v && !json_is_object(v))
                return berr(err, EINVAL, "linux.sysctl: expected an object");
        if (json_object_size(v) > 0 &&
            !(c->sysctls = calloc(json_object_size(v), sizeof(*c->sysctls))))
                return -ENOMEM;
        json_object_foreach ((json_t *)v, key, val) {
                struct oci_sysctl *s = c->sysctls ? &c->sysctls[c->n_sysctls] : NULL;
                if (!s)
                        return -ENOMEM;
                if (!json_is_string(val))
                        return berr(err, EINVAL, "linux.sysctl.%s: expected a string", key);
                if (!key[0] || strstr(key, "..") || key[0] == '.' || key[0] == '/' ||
                    strchr(key, '/'))
                        return berr(err, EINVAL, "linux.sysctl: \"%s\" is not a sysctl name", key);
                s->key = strdup(key);
                s->value = strdup(json_string_value(val));
                c->n_sysctls++;
                if (!s->key || !s->value)
                        return -ENOMEM;
        }

        v = json_object_get(l, "resources");
        if (v && !json_is_object(v))
                return berr(err, EINVAL, "linux.resources: expected an object");
        c->resources = json_incref((json_t *)v);
        v = json_object_get(l, "seccomp");
        if (v && !json_is_object(v))
                return berr(err, EINVAL, "linux.seccomp: expected an object");
        c->seccomp = json_incref((json_t *)v);
        return 0;
}

int
oci_config_read(const json_t *spec, const char *bundle, const char *what, struct oci_config *ret,
                struct berr **err)
{
        struct oci_config c = {0};
        const json_t *root, *v;
        int r;

        if (!json_is_object(spec)) {
                r = berr(err, EINVAL, "expected a JSON object");
                goto fail;
        }
        root = json_object_get(spec, "root");
        if (!json_is_object(root)) {
                r = berr(err, EINVAL, "root: expected an object with a path");
                goto fail;
        }
        r = get_string(root, "path", true, &c.root_path, "root", err);
        if (r < 0 || !c.root_path)
                goto fail;
        if (c.root_path[0] != '/') {
                char *abs;
                if (asprintf(&abs, "%s/%s", bundle, c.root_path) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                free(c.root_path);
                c.root_path = abs;
        }
        c.root_readonly = json_is_true(json_object_get(root, "readonly"));
        r = get_string(spec, "hostname", false, &c.hostname, "", err);
        if (r < 0)
                goto fail;
        r = read_process(json_object_get(spec, "process"), &c, err);
        if (r < 0)
                goto fail;
        r = read_mounts(json_object_get(spec, "mounts"), bundle, &c, err);
        if (r < 0)
                goto fail;
        r = read_linux(json_object_get(spec, "linux"), &c, err);
        if (r < 0)
                goto fail;
        v = json_object_get(spec, "annotations");
        if (v && !json_is_object(v)) {
                r = berr(err, EINVAL, "annotations: expected an object");
                goto fail;
        }
        c.annotations = json_incref((json_t *)v);
        v = json_object_get(v, OCI_ANNOTATION_OVERLAY);
        if (v) {
                if (!json_is_string(v)) {
                        r = berr(err, EINVAL, "annotations.%s: expected a string",
                                 OCI_ANNOTATION_OVERLAY);
                        goto fail;
                }
                c.overlay = strdup(json_string_value(v));
                if (!c.overlay) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        if (c.hostname && !c.ns[OCI_NS_UTS].enabled) {
                r = berr(err, EINVAL, "hostname: set, but the container has no UTS namespace");
                goto fail;
        }
        *ret = c;
        return 0;
fail:
        oci_config_clear(&c);
        (void)berr_wrap(err, "%s", what);
        return r < 0 ? r : -EINVAL;
}
