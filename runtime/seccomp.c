/*
 * runtime/seccomp.c: seccomp profiles from users' files, and the BPF
 * filters the built-in executor loads. A profile file is outside input:
 * every field is type-checked, and its strings reach a message only
 * escaped. Files come in two shapes: the OCI runtime spec's linux.seccomp
 * object, and the Docker/podman profile, a superset of it (archMap,
 * "name", includes/excludes). Both are read by one decoder, and what comes
 * out is always the OCI object, the Docker parts resolved the way podman
 * resolves them (containers/common's setupSeccomp). Unknown fields are
 * ignored, as Go's decoder ignores them.
 */
#include "runtime/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/quote.h"

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* A field path such as "syscalls[12].includes.arches[3]" */
#define FIELD_PATH_MAX 256
/* Bytes of a document's string shown in a message */
#define QUOTE_MAX 64
/* What the kernel takes in one filter (BPF_MAXINSNS) */
#define FILTER_INSNS_MAX 4096
/* seccomp's syscalls have six arguments */
#define SYSCALL_ARGS 6
/* errnoRet: the kernel returns at most MAX_ERRNO; SECCOMP_RET_DATA has 16 bits for a tracer */
#define ERRNO_MAX 4095
#define TRACE_DATA_MAX 65535

struct seccomp_filter {
        struct sock_filter *insns;
        unsigned short len;
        unsigned int flags; /* SECCOMP_FILTER_FLAG_*, for seccomp(2) */
};

/*
 * The architectures of the OCI spec. lib: libseccomp's name for it;
 * short_name: what includes/excludes "arches" say (podman matches them
 * against libseccomp-golang's ScmpArch.String(), which are these).
 */
static const struct arch_name {
        const char *oci, *lib, *short_name;
} arch_names[] = {
        {"SCMP_ARCH_X86", "x86", "x86"},
        {"SCMP_ARCH_X86_64", "x86_64", "amd64"},
        {"SCMP_ARCH_X32", "x32", "x32"},
        {"SCMP_ARCH_ARM", "arm", "arm"},
        {"SCMP_ARCH_AARCH64", "aarch64", "arm64"},
        {"SCMP_ARCH_MIPS", "mips", "mips"},
        {"SCMP_ARCH_MIPS64", "mips64", "mips64"},
        {"SCMP_ARCH_MIPS64N32", "mips64n32", "mips64n32"},
        {"SCMP_ARCH_MIPSEL", "mipsel", "mipsel"},
        {"SCMP_ARCH_MIPSEL64", "mipsel64", "mipsel64"},
        {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", "mipsel64n32"},
        {"SCMP_ARCH_PPC", "ppc", "ppc"},
        {"SCMP_ARCH_PPC64", "ppc64", "ppc64"},
        {"SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le"},
        {"SCMP_ARCH_S390", "s390", "s390"},
        {"SCMP_ARCH_S390X", "s390x", "s390x"},
        {"SCMP_ARCH_PARISC", "parisc", "parisc"},
        {"SCMP_ARCH_PARISC64", "parisc64", "parisc64"},
        {"SCMP_ARCH_RISCV64", "riscv64", "riscv64"},
        {"SCMP_ARCH_LOONGARCH64", "loongarch64", "loong64"},
        {"SCMP_ARCH_M68K", "m68k", "m68k"},
        {"SCMP_ARCH_SH", "sh", "sh"},
        {"SCMP_ARCH_SHEB", "sheb", "sheb"},
};

enum action {
        ACTION_KILL,
        ACTION_KILL_PROCESS,
        ACTION_KILL_THREAD,
        ACTION_TRAP,
        ACTION_ERRNO,
        ACTION_TRACE,
        ACTION_ALLOW,
        ACTION_LOG,
        ACTION_NOTIFY,
        _ACTION_MAX,
        _ACTION_INVALID = -EINVAL,
};

static const char *const action_names[_ACTION_MAX] = {
        [ACTION_KILL] = "SCMP_ACT_KILL",
        [ACTION_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [ACTION_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [ACTION_TRAP] = "SCMP_ACT_TRAP",
        [ACTION_ERRNO] = "SCMP_ACT_ERRNO",
        [ACTION_TRACE] = "SCMP_ACT_TRACE",
        [ACTION_ALLOW] = "SCMP_ACT_ALLOW",
        [ACTION_LOG] = "SCMP_ACT_LOG",
        [ACTION_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[] = {
        "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
        "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const enum scmp_compare op_values[] = {
        SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,        SCMP_CMP_EQ,
        SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ,
};

static const char *const flag_names[] = {
        "SECCOMP_FILTER_FLAG_TSYNC",
        "SECCOMP_FILTER_FLAG_LOG",
        "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

static const unsigned long flag_values[] = {
        SECCOMP_FILTER_FLAG_TSYNC,
        SECCOMP_FILTER_FLAG_LOG,
        SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
};

/* One argument comparison of a rule */
struct arg {
        unsigned int index;
        uint64_t value, value_two;
        int op; /* into op_names */
};

/* One entry of "syscalls", checked */
struct rule {
        const json_t *names; /* the array of "names"; NULL when "name" gives the one name */
        const char *name;
        enum action action;
        bool has_errno;
        uint32_t errno_ret;
        struct arg *args;
        size_t n_args;
};

static void
rule_done(struct rule *r)
{
        free(r->args);
}

/* The top level of a profile, checked */
struct profile {
        enum action default_action;
        bool has_default_errno;
        uint32_t default_errno;
        const json_t *architectures, *arch_map, *flags, *syscalls;
        const char *listener_path, *listener_metadata;
        unsigned int flag_bits;
};

/* What is being read, for the messages */
struct pctx {
        const char *doc; /* the file name, or "seccomp profile" */
        struct berr **err;
};

static int fail_msg(const struct pctx *c, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* fail_msg()'s value spelled out, so the analyzer sees every error path fail */
#define fail(c, path, ...) (fail_msg((c), (path), __VA_ARGS__) == -ENOMEM ? -ENOMEM : -EINVAL)

/* "DOC: PATH: MESSAGE", or "DOC: MESSAGE" for the whole document; -EINVAL or -ENOMEM */
static int
fail_msg(const struct pctx *c, const char *path, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                (void)berr(c->err, ENOMEM, "%s", c->doc);
                return -ENOMEM;
        }
        if (path && *path)
                (void)berr(c->err, 0, "%s: %s: %s", c->doc, path, msg);
        else
                (void)berr(c->err, 0, "%s: %s", c->doc, msg);
        return -EINVAL;
}

static int
oom(const struct pctx *c)
{
        (void)berr(c->err, ENOMEM, "%s", c->doc);
        return -ENOMEM;
}

static void
path_key(char buf[FIELD_PATH_MAX], const char *parent, const char *key)
{
        if (parent && *parent)
                (void)snprintf(buf, FIELD_PATH_MAX, "%.200s.%.40s", parent, key);
        else
                (void)snprintf(buf, FIELD_PATH_MAX, "%.200s", key);
}

static void
path_index(char buf[FIELD_PATH_MAX], const char *parent, size_t i)
{
        (void)snprintf(buf, FIELD_PATH_MAX, "%.200s[%zu]", parent, i);
}

static const char *
type_name(const json_t *v)
{
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
                return "an integer";
        case JSON_REAL:
                return "a number with a fraction or exponent";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a boolean";
        case JSON_NULL:
        default:
                return "null";
        }
}

static const char *
wanted_name(json_type type)
{
        switch (type) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        default:
                return "an integer";
        }
}

/* "PATH: \"VALUE\" is not valid, expected WHAT", VALUE escaped */
static int
fail_value(const struct pctx *c, const char *path, const char *value, const char *what)
{
        _cleanup_free_ char *q = quote_escape(value, QUOTE_MAX);

        if (!q)
                return oom(c);
        return fail(c, path, "\"%s\" is not valid, expected %s", q, what);
}

/*
 * obj[key] as *ret (borrowed), of the type wanted. Absent, and null (Go's
 * decoder leaves the field empty for it), are *ret = NULL, or an error
 * when required.
 */
static int
get_member(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           json_type type, bool required, const json_t **ret)
{
        char path[FIELD_PATH_MAX];
        const json_t *v = json_object_get(obj, key);

        *ret = NULL;
        if (!v || json_is_null(v)) {
                if (!required)
                        return 0;
                path_key(path, parent, key);
                return fail(c, path, "missing, expected %s", wanted_name(type));
        }
        if (json_typeof(v) != type) {
                path_key(path, parent, key);
                return fail(c, path, "expected %s, got %s", wanted_name(type), type_name(v));
        }
        *ret = v;
        return 0;
}

static int
get_string(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           bool required, const char **ret)
{
        const json_t *v;
        int r = get_member(c, obj, parent, key, JSON_STRING, required, &v);

        if (r < 0)
                return r;
        *ret = v ? json_string_value(v) : NULL;
        return 0;
}

/* obj[key], an integer 0-max (max at most INT64_MAX); *ret_has says whether it is there */
static int
get_uint(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
         bool required, uint64_t max, bool *ret_has, uint64_t *ret)
{
        char path[FIELD_PATH_MAX];
        const json_t *v;
        json_int_t i;
        int r = get_member(c, obj, parent, key, JSON_INTEGER, required, &v);

        if (r < 0)
                return r;
        *ret_has = v != NULL;
        *ret = 0;
        if (!v)
                return 0;
        i = json_integer_value(v);
        if (i < 0 || (uint64_t)i > max) {
                path_key(path, parent, key);
                return fail(c, path, "%" PRId64 " is out of range, expected 0-%" PRIu64, (int64_t)i,
                            max);
        }
        *ret = (uint64_t)i;
        return 0;
}

/* The index of s in names[n], or -1 */
static int
lookup(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return (int)i;
        return -1;
}

/* obj[key], one of names[n] ("expected one of ...": what) as its index; absent: -1 */
static int
get_enum(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
         bool required, const char *const *names, size_t n, const char *what, int *ret)
{
        char path[FIELD_PATH_MAX];
        const char *s;
        int r = get_string(c, obj, parent, key, required, &s), i;

        if (r < 0)
                return r;
        *ret = -1;
        if (!s)
                return 0;
        i = lookup(names, n, s);
        if (i < 0) {
                path_key(path, parent, key);
                return fail_value(c, path, s, what);
        }
        *ret = i;
        return 0;
}

static int
get_action(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           enum action *ret)
{
        char path[FIELD_PATH_MAX];
        int i, r;

        r = get_enum(c, obj, parent, key, true, action_names, _ACTION_MAX,
                     "SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
                     "SCMP_ACT_KILL_THREAD, SCMP_ACT_LOG, SCMP_ACT_NOTIFY, SCMP_ACT_TRACE or "
                     "SCMP_ACT_TRAP",
                     &i);
        if (r < 0)
                return r;
        if (i < 0) { /* get_enum() made sure; said again for the analyzer */
                path_key(path, parent, key);
                return fail(c, path, "missing, expected a string");
        }
        *ret = (enum action)i;
        return 0;
}

/*
 * obj[key], the errno of an SCMP_ACT_ERRNO action or the message of an
 * SCMP_ACT_TRACE one. The spec has a runtime fail when another action
 * comes with one.
 */
static int
get_errno_ret(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
              enum action action, bool *ret_has, uint32_t *ret)
{
        char path[FIELD_PATH_MAX];
        uint64_t v;
        bool has;
        int r;

        if (action != ACTION_ERRNO && action != ACTION_TRACE) {
                const json_t *j = json_object_get(obj, key);

                *ret_has = false;
                *ret = 0;
                if (!j || json_is_null(j))
                        return 0;
                path_key(path, parent, key);
                return fail(c, path, "%s takes none, only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do",
                            action_names[action]);
        }
        r = get_uint(c, obj, parent, key, false,
                     action == ACTION_ERRNO ? ERRNO_MAX : TRACE_DATA_MAX, &has, &v);
        if (r < 0)
                return r;
        *ret_has = has;
        *ret = (uint32_t)v;
        return 0;
}

/* An array of strings at obj[key] (absent: NULL); none of them empty when nonempty is set */
static int
get_strings(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
            bool nonempty, const json_t **ret)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX];
        const json_t *a, *e;
        size_t i;
        int r;

        r = get_member(c, obj, parent, key, JSON_ARRAY, false, &a);
        if (r < 0)
                return r;
        *ret = a;
        if (!a)
                return 0;
        path_key(path, parent, key);
        json_array_foreach (a, i, e) {
                path_index(item, path, i);
                if (!json_is_string(e))
                        return fail(c, item, "expected a string, got %s", type_name(e));
                if (nonempty && json_string_length(e) == 0)
                        return fail(c, item, "empty, expected a name");
        }
        return 0;
}

static const struct arch_name *
arch_by_oci(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(arch_names); i++)
                if (strcmp(arch_names[i].oci, s) == 0)
                        return &arch_names[i];
        return NULL;
}

/* obj[key], an array of OCI architecture names */
static int
get_arches(const struct pctx *c, const json_t *obj, const char *parent, const char *key,
           const json_t **ret)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX];
        const json_t *e;
        size_t i;
        int r = get_strings(c, obj, parent, key, false, ret);

        if (r < 0 || !*ret)
                return r;
        path_key(path, parent, key);
        json_array_foreach (*ret, i, e) {
                if (!arch_by_oci(json_string_value(e))) {
                        path_index(item, path, i);
                        return fail_value(c, item, json_string_value(e),
                                          "an architecture such as SCMP_ARCH_X86_64");
                }
        }
        return 0;
}

static int
get_args(const struct pctx *c, const json_t *obj, const char *parent, struct arg **ret,
         size_t *ret_n)
{
        char path[FIELD_PATH_MAX], item[FIELD_PATH_MAX];
        _cleanup_free_ struct arg *args = NULL;
        const json_t *a, *e;
        size_t i;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = get_member(c, obj, parent, "args", JSON_ARRAY, false, &a);
        if (r < 0 || !a || json_array_size(a) == 0)
                return r;
        path_key(path, parent, "args");
        args = calloc(json_array_size(a), sizeof(*args));
        if (!args)
                return oom(c);
        json_array_foreach (a, i, e) {
                uint64_t index;
                bool has;

                path_index(item, path, i);
                if (!json_is_object(e))
                        return fail(c, item, "expected an object, got %s", type_name(e));
                r = get_uint(c, e, item, "index", true, SYSCALL_ARGS - 1, &has, &index);
                if (r < 0)
                        return r;
                args[i].index = (unsigned int)index;
                /* value and valueTwo: 0 when absent, as Go's decoder leaves them */
                r = get_uint(c, e, item, "value", false, INT64_MAX, &has, &args[i].value);
                if (r < 0)
                        return r;
                r = get_uint(c, e, item, "valueTwo", false, INT64_MAX, &has, &args[i].value_two);
                if (r < 0)
                        return r;
                r = get_enum(c, e, item, "op", true, op_names, ELEMENTSOF(op_names),
                             "SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_GE, "
                             "SCMP_CMP_GT or SCMP_CMP_MASKED_EQ",
                             &args[i].op);
                if (r < 0)
                        return r;
        }
        *ret_n = json_array_size(a);
        *ret = TAKE_PTR(args);
        return 0;
}

/* What a rule of the Docker form may have and the OCI form may not */
static const char *const docker_only[] = {"includes", "excludes"};

/* syscalls[i] at path; docker: "name" is allowed beside "names". r->args is the caller's. */
static int
get_rule(const struct pctx *c, const json_t *obj, const char *path, bool docker, struct rule *r)
{
        char sub[FIELD_PATH_MAX];
        int k;

        *r = (struct rule){0};
        if (!json_is_object(obj))
                return fail(c, path, "expected an object, got %s", type_name(obj));
        k = get_strings(c, obj, path, "names", true, &r->names);
        if (k < 0)
                return k;
        if (docker) {
                k = get_string(c, obj, path, "name", false, &r->name);
                if (k < 0)
                        return k;
                if (r->name && !*r->name)
                        r->name = NULL;
        }
        if (r->names && json_array_size(r->names) == 0)
                r->names = NULL;
        if (r->name && r->names)
                return fail(c, path, "both name and names given, expected one of them");
        if (!r->name && !r->names) {
                path_key(sub, path, "names");
                return fail(c, sub, "missing, expected an array of syscall names");
        }
        /*
         * A Docker profile handed over unread would have its conditions
         * ignored, and rules meant for CAP_SYS_ADMIN alone applied to all.
         */
        for (size_t i = 0; !docker && i < ELEMENTSOF(docker_only); i++) {
                const json_t *x = json_object_get(obj, docker_only[i]);

                if (x && !json_is_null(x) && !(json_is_object(x) && json_object_size(x) == 0)) {
                        path_key(sub, path, docker_only[i]);
                        return fail(c, sub,
                                    "not in the OCI form, expected a Docker profile to be "
                                    "read for the container's capabilities first");
                }
        }
        k = get_action(c, obj, path, "action", &r->action);
        if (k < 0)
                return k;
        k = get_errno_ret(c, obj, path, "errnoRet", r->action, &r->has_errno, &r->errno_ret);
        if (k < 0)
                return k;
        return get_args(c, obj, path, &r->args, &r->n_args);
}

/* The top level; docker: archMap is allowed */
static int
get_profile(const struct pctx *c, const json_t *root, bool docker, struct profile *p)
{
        char path[FIELD_PATH_MAX];
        const json_t *e;
        size_t i;
        int r;

        *p = (struct profile){0};
        if (!json_is_object(root))
                return fail(c, NULL, "expected a JSON object, got %s", type_name(root));
        r = get_action(c, root, NULL, "defaultAction", &p->default_action);
        if (r < 0)
                return r;
        r = get_errno_ret(c, root, NULL, "defaultErrnoRet", p->default_action,
                          &p->has_default_errno, &p->default_errno);
        if (r < 0)
                return r;
        r = get_arches(c, root, NULL, "architectures", &p->architectures);
        if (r < 0)
                return r;
        if (docker) {
                r = get_member(c, root, NULL, "archMap", JSON_ARRAY, false, &p->arch_map);
                if (r < 0)
                        return r;
                json_array_foreach (p->arch_map, i, e) {
                        const json_t *subs;
                        const char *arch;
                        char item[FIELD_PATH_MAX];

                        path_index(path, "archMap", i);
                        if (!json_is_object(e))
                                return fail(c, path, "expected an object, got %s", type_name(e));
                        r = get_string(c, e, path, "architecture", true, &arch);
                        if (r < 0)
                                return r;
                        if (!arch_by_oci(arch)) {
                                path_key(item, path, "architecture");
                                return fail_value(c, item, arch,
                                                  "an architecture such as SCMP_ARCH_X86_64");
                        }
                        r = get_arches(c, e, path, "subArchitectures", &subs);
                        if (r < 0)
                                return r;
                }
                if (json_array_size(p->architectures) > 0 && json_array_size(p->arch_map) > 0)
                        return fail(c, NULL,
                                    "both architectures and archMap given, expected one of them");
        }
        r = get_strings(c, root, NULL, "flags", false, &p->flags);
        if (r < 0)
                return r;
        json_array_foreach (p->flags, i, e) {
                int f = lookup(flag_names, ELEMENTSOF(flag_names), json_string_value(e));

                if (f < 0) {
                        path_index(path, "flags", i);
                        return fail_value(c, path, json_string_value(e),
                                          "SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
                                          "SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
                                          "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
                }
                p->flag_bits |= (unsigned int)flag_values[f];
        }
        r = get_string(c, root, NULL, "listenerPath", false, &p->listener_path);
        if (r < 0)
                return r;
        r = get_string(c, root, NULL, "listenerMetadata", false, &p->listener_metadata);
        if (r < 0)
                return r;
        return get_member(c, root, NULL, "syscalls", JSON_ARRAY, false, &p->syscalls);
}

void
seccomp_native_arch(const char **ret_oci, const char **ret_short)
{
        uint32_t native = seccomp_arch_native();

        *ret_oci = *ret_short = NULL;
        for (size_t i = 0; i < ELEMENTSOF(arch_names); i++) {
                if (seccomp_arch_resolve_name(arch_names[i].lib) == native) {
                        *ret_oci = arch_names[i].oci;
                        *ret_short = arch_names[i].short_name;
                        return;
                }
        }
}

/* A capability name without its "CAP_" prefix */
static const char *
cap_bare(const char *s)
{
        return strncasecmp(s, "CAP_", 4) == 0 ? s + 4 : s;
}

bool
seccomp_caps_have(const char *const *caps, size_t n_caps, const char *cap)
{
        for (size_t i = 0; i < n_caps; i++)
                if (strcasecmp(cap_bare(caps[i]), cap_bare(cap)) == 0)
                        return true;
        return false;
}

/* A kernel version, major.minor */
struct kver {
        unsigned int major, minor;
};

/* "5.8" (more after a further '.' or '-' with end_ok) */
static bool
kver_parse(const char *s, bool end_ok, struct kver *ret)
{
        unsigned long v[2];

        for (int i = 0; i < 2; i++) {
                char *end;

                if (*s < '0' || *s > '9')
                        return false;
                errno = 0;
                v[i] = strtoul(s, &end, 10);
                if (errno || v[i] > UINT32_MAX)
                        return false;
                s = end;
                if (i == 0 && *s++ != '.')
                        return false;
        }
        if (*s && !(end_ok && (*s == '.' || *s == '-' || *s == '+')))
                return false;
        ret->major = (unsigned int)v[0];
        ret->minor = (unsigned int)v[1];
        return true;
}

static bool
kver_at_least(const struct kver *running, const struct kver *min)
{
        return running->major > min->major ||
               (running->major == min->major && running->minor >= min->minor);
}

/* What includes/excludes are matched against */
struct target {
        const char *const *caps;
        size_t n_caps;
        const char *arch_short; /* NULL: not known */
        struct kver kernel;
};

/*
 * includes or excludes of a rule at path: *ret_match says whether each of
 * its conditions holds (includes: all caps, the arch among arches, the
 * kernel at least minKernel); empty is a match for includes.
 */
static int
get_condition(const struct pctx *c, const json_t *rule, const char *path, const char *key,
              const struct target *t, bool includes, bool *ret_match)
{
        char sub[FIELD_PATH_MAX], item[FIELD_PATH_MAX];
        const json_t *o, *caps, *arches, *e;
        const char *min_s;
        bool match = includes;
        size_t i;
        int r;

        *ret_match = false;
        r = get_member(c, rule, path, key, JSON_OBJECT, false, &o);
        if (r < 0)
                return r;
        if (!o) {
                *ret_match = includes;
                return 0;
        }
        path_key(sub, path, key);
        r = get_strings(c, o, sub, "caps", true, &caps);
        if (r < 0)
                return r;
        r = get_strings(c, o, sub, "arches", true, &arches);
        if (r < 0)
                return r;
        r = get_string(c, o, sub, "minKernel", false, &min_s);
        if (r < 0)
                return r;
        /* includes: every cap must be held; excludes: any held cap excludes */
        json_array_foreach (caps, i, e) {
                bool have = seccomp_caps_have(t->caps, t->n_caps, json_string_value(e));

                if (includes && !have)
                        match = false;
                if (!includes && have)
                        match = true;
        }
        if (json_array_size(arches) > 0) {
                bool here = false;

                json_array_foreach (arches, i, e)
                        here = here ||
                               (t->arch_short && strcmp(json_string_value(e), t->arch_short) == 0);
                if (includes && !here)
                        match = false;
                if (!includes && here)
                        match = true;
        }
        if (min_s && *min_s) {
                struct kver min;

                if (!kver_parse(min_s, false, &min)) {
                        path_key(item, sub, "minKernel");
                        return fail_value(c, item, min_s, "a kernel version such as \"5.8\"");
                }
                if (includes && !kver_at_least(&t->kernel, &min))
                        match = false;
                if (!includes && kver_at_least(&t->kernel, &min))
                        match = true;
        }
        *ret_match = match;
        return 0;
}

/* The OCI form of rule r: {names, action, errnoRet, args} */
static int
rule_to_json(const struct pctx *c, const struct rule *r, json_t **ret)
{
        _cleanup_(json_decrefp) json_t *o = json_object(), *names = NULL, *args = NULL;

        if (!o)
                return oom(c);
        if (r->names)
                names = json_deep_copy(r->names);
        else
                names = json_pack("[s]", r->name);
        if (!names || json_object_set(o, "names", names) < 0 ||
            json_object_set_new(o, "action", json_string(action_names[r->action])) < 0)
                return oom(c);
        if (r->has_errno && json_object_set_new(o, "errnoRet", json_integer(r->errno_ret)) < 0)
                return oom(c);
        if (r->n_args > 0) {
                args = json_array();
                if (!args || json_object_set(o, "args", args) < 0)
                        return oom(c);
        }
        for (size_t i = 0; i < r->n_args; i++) {
                const struct arg *a = &r->args[i];

                if (json_array_append_new(
                            args, json_pack("{s:I,s:I,s:I,s:s}", "index", (json_int_t)a->index,
                                            "value", (json_int_t)a->value, "valueTwo",
                                            (json_int_t)a->value_two, "op", op_names[a->op])) < 0)
                        return oom(c);
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* The architectures of archMap's entry for this machine, and its sub-architectures */
static int
arch_map_resolve(const struct pctx *c, const json_t *arch_map, json_t *out)
{
        const char *native, *native_short;
        const json_t *e, *subs, *s;
        size_t i, k;

        seccomp_native_arch(&native, &native_short);
        if (!native)
                return 0;
        json_array_foreach (arch_map, i, e) {
                if (strcmp(json_string_value(json_object_get(e, "architecture")), native) != 0)
                        continue;
                if (json_array_append_new(out, json_string(native)) < 0)
                        return oom(c);
                subs = json_object_get(e, "subArchitectures");
                json_array_foreach (subs, k, s)
                        if (json_array_append(out, (json_t *)s) < 0)
                                return oom(c);
                break;
        }
        return 0;
}

static int
convert(const struct pctx *c, const json_t *root, const struct target *t, json_t **ret)
{
        _cleanup_(json_decrefp) json_t *out = json_object(), *arches = json_array(),
                                       *calls = json_array();
        char path[FIELD_PATH_MAX];
        struct profile p;
        const json_t *e;
        size_t i;
        int r;

        if (!out || !arches || !calls)
                return oom(c);
        r = get_profile(c, root, true, &p);
        if (r < 0)
                return r;
        if (json_object_set_new(out, "defaultAction", json_string(action_names[p.default_action])) <
            0)
                return oom(c);
        if (p.has_default_errno &&
            json_object_set_new(out, "defaultErrnoRet", json_integer(p.default_errno)) < 0)
                return oom(c);
        json_array_foreach (p.architectures, i, e)
                if (json_array_append(arches, (json_t *)e) < 0)
                        return oom(c);
        r = arch_map_resolve(c, p.arch_map, arches);
        if (r < 0)
                return r;
        if (json_array_size(arches) > 0 && json_object_set(out, "architectures", arches) < 0)
                return oom(c);
        if (p.flags && json_object_set_new(out, "flags", json_deep_copy(p.flags)) < 0)
                return oom(c);
        if (p.listener_path &&
            json_object_set_new(out, "listenerPath", json_string(p.listener_path)) < 0)
                return oom(c);
        if (p.listener_metadata &&
            json_object_set_new(out, "listenerMetadata", json_string(p.listener_metadata)) < 0)
                return oom(c);

        json_array_foreach (p.syscalls, i, e) {
                _cleanup_(json_decrefp) json_t *o = NULL;
                _cleanup_(rule_done) struct rule rule = {0};
                bool included, excluded;

                path_index(path, "syscalls", i);
                r = get_rule(c, e, path, true, &rule);
                if (r < 0)
                        return r;
                r = get_condition(c, e, path, "includes", t, true, &included);
                if (r < 0)
                        return r;
                r = get_condition(c, e, path, "excludes", t, false, &excluded);
                if (r < 0)
                        return r;
                if (!included || excluded)
                        continue;
                r = rule_to_json(c, &rule, &o);
                if (r < 0)
                        return r;
                if (json_array_append(calls, o) < 0)
                        return oom(c);
        }
        if (json_object_set(out, "syscalls", calls) < 0)
                return oom(c);
        *ret = TAKE_PTR(out);
        return 0;
}

int
seccomp_profile_parse(const char *name, const char *buf, size_t len, const char *const *caps,
                      size_t n_caps, json_t **ret, struct berr **err)
{
        struct pctx c = {.doc = name, .err = err};
        struct target t = {.caps = caps, .n_caps = n_caps};
        _cleanup_(json_decrefp) json_t *root = NULL;
        const char *native;
        struct utsname u;
        json_error_t jerr;

        if (len > SECCOMP_PROFILE_MAX)
                return berr(err, EFBIG, "%s: more than %d bytes", name, SECCOMP_PROFILE_MAX);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
                /* jansson quotes the document's bytes near the error: no control bytes */
                for (char *s = jerr.text; *s; s++)
                        if ((unsigned char)*s < 0x20 || *s == 0x7f)
                                *s = '?';
                return berr(err, 0, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
        }
        seccomp_native_arch(&native, &t.arch_short);
        /* a kernel whose version cannot be read counts as 0.0, older than any minKernel */
        if (uname(&u) < 0 || !kver_parse(u.release, true, &t.kernel))
                t.kernel = (struct kver){0};
        return convert(&c, root, &t, ret);
}

int
seccomp_profile_read(const char *path, const char *const *caps, size_t n_caps, json_t **ret,
                     struct berr **err)
{
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return berr(err, errno, "open seccomp profile %s", path);
        r = fs_read_all(fd, SECCOMP_PROFILE_MAX, &buf, &len);
        if (r == -EFBIG)
                return berr(err, EFBIG, "%s: more than %d bytes", path, SECCOMP_PROFILE_MAX);
        if (r < 0)
                return berr(err, -r, "read %s", path);
        return seccomp_profile_parse(path, buf, len, caps, n_caps, ret, err);
}

static uint32_t
action_value(enum action a, bool has_errno, uint32_t errno_ret)
{
        /* errnoRet absent: EPERM, as the runtime spec says */
        uint32_t e = has_errno ? errno_ret : EPERM;

        switch (a) {
        case ACTION_KILL:
                return SCMP_ACT_KILL;
        case ACTION_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case ACTION_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case ACTION_TRAP:
                return SCMP_ACT_TRAP;
        case ACTION_ERRNO:
                return SCMP_ACT_ERRNO(e);
        case ACTION_TRACE:
                return SCMP_ACT_TRACE(e);
        case ACTION_LOG:
                return SCMP_ACT_LOG;
        case ACTION_ALLOW:
        default:
                return SCMP_ACT_ALLOW;
        }
}

static void
seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* Add the rule at path, one per name, to ctx (whose default action is def) */
static int
add_rule(const struct pctx *c, scmp_filter_ctx ctx, uint32_t def, const struct rule *r,
         const char *path)
{
        struct scmp_arg_cmp cmp[SYSCALL_ARGS];
        uint32_t act = action_value(r->action, r->has_errno, r->errno_ret);
        bool same_index = false;
        size_t n_names = r->names ? json_array_size(r->names) : 1;
        unsigned int seen = 0;

        if (r->action == ACTION_NOTIFY)
                return fail(c, path,
                            "SCMP_ACT_NOTIFY is not supported, berth has no seccomp "
                            "listener");
        /* libseccomp refuses a rule that would do what the default does: nothing to add */
        if (act == def)
                return 0;
        /*
         * libseccomp takes one comparison per argument in a rule. Two on the
         * same argument become a rule each, as runc makes them: the syscall
         * matches when any of them does.
         */
        for (size_t i = 0; i < r->n_args; i++) {
                if (seen & (1U << r->args[i].index))
                        same_index = true;
                seen |= 1U << r->args[i].index;
        }
        for (size_t k = 0; k < n_names; k++) {
                const char *name =
                        r->names ? json_string_value(json_array_get(r->names, k)) : r->name;
                int nr = seccomp_syscall_resolve_name(name), e = 0;

                /* not a syscall of any architecture this libseccomp knows */
                if (nr == __NR_SCMP_ERROR)
                        continue;
                if (same_index) {
                        for (size_t i = 0; i < r->n_args && e == 0; i++) {
                                const struct arg *a = &r->args[i];

                                cmp[0] = (struct scmp_arg_cmp){a->index, op_values[a->op], a->value,
                                                               a->value_two};
                                e = seccomp_rule_add_array(ctx, act, nr, 1, cmp);
                        }
                } else {
                        for (size_t i = 0; i < r->n_args; i++) {
                                const struct arg *a = &r->args[i];

                                cmp[i] = (struct scmp_arg_cmp){a->index, op_values[a->op], a->value,
                                                               a->value_two};
                        }
                        e = seccomp_rule_add_array(ctx, act, nr, (unsigned int)r->n_args, cmp);
                }
                if (e < 0) {
                        _cleanup_free_ char *q = quote_escape(name, QUOTE_MAX);

                        if (!q)
                                return oom(c);
                        return fail(c, path, "rule for \"%s\" refused by libseccomp: %s", q,
                                    strerror(-e));
                }
        }
        return 0;
}

/* The BPF program of ctx, through a memfd: libseccomp 2.5 exports to a file descriptor */
static int
export_bpf(const struct pctx *c, scmp_filter_ctx ctx, struct seccomp_filter *f)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        size_t n, done = 0;
        int e;

        fd = memfd_create("berth-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return berr(c->err, errno, "%s: memfd for the BPF program", c->doc);
        e = seccomp_export_bpf(ctx, fd);
        if (e < 0)
                return berr(c->err, -e, "%s: export the BPF program", c->doc);
        if (fstat(fd, &st) < 0)
                return berr(c->err, errno, "%s: stat the BPF program", c->doc);
        n = (size_t)st.st_size / sizeof(struct sock_filter);
        if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter) != 0)
                return berr(c->err, EIO, "%s: libseccomp exported %jd bytes of BPF", c->doc,
                            (intmax_t)st.st_size);
        if (n > FILTER_INSNS_MAX)
                return fail(c, NULL, "the filter has %zu instructions, the kernel takes at most %d",
                            n, FILTER_INSNS_MAX);
        f->insns = calloc(n, sizeof(struct sock_filter));
        if (!f->insns)
                return oom(c);
        while (done < (size_t)st.st_size) {
                ssize_t k =
                        pread(fd, (char *)f->insns + done, (size_t)st.st_size - done, (off_t)done);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return berr(c->err, errno, "%s: read the BPF program", c->doc);
                if (k == 0)
                        return berr(c->err, EIO, "%s: BPF program cut short", c->doc);
                done += (size_t)k;
        }
        f->len = (unsigned short)n;
        return 0;
}

int
seccomp_filter_build(const json_t *oci_seccomp, struct seccomp_filter **ret, struct berr **err)
{
        struct pctx c = {.doc = "seccomp profile", .err = err};
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(seccomp_filter_freep) struct seccomp_filter *f = NULL;
        char path[FIELD_PATH_MAX];
        struct profile p;
        const json_t *e;
        uint32_t def;
        size_t i;
        int r;

        r = get_profile(&c, oci_seccomp, false, &p);
        if (r < 0)
                return r;
        if (p.default_action == ACTION_NOTIFY)
                return fail(&c, "defaultAction",
                            "SCMP_ACT_NOTIFY is not supported, berth has no seccomp listener");
        def = action_value(p.default_action, p.has_default_errno, p.default_errno);
        ctx = seccomp_init(def);
        if (!ctx)
                return berr(err, ENOMEM, "seccomp profile: libseccomp context");
        /*
         * A binary search over the syscall numbers instead of a linear walk:
         * every syscall of the container runs the filter, and the default
         * profile names some 400. (A libseccomp without it keeps the walk.)
         */
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        json_array_foreach (p.architectures, i, e) {
                uint32_t token = seccomp_arch_resolve_name(arch_by_oci(json_string_value(e))->lib);

                /* an architecture this libseccomp does not know cannot run here either */
                if (token == 0)
                        continue;
                r = seccomp_arch_add(ctx, token);
                if (r < 0 && r != -EEXIST) {
                        path_index(path, "architectures", i);
                        return fail(&c, path, "refused by libseccomp: %s", strerror(-r));
                }
        }
        json_array_foreach (p.syscalls, i, e) {
                _cleanup_(rule_done) struct rule rule = {0};

                path_index(path, "syscalls", i);
                r = get_rule(&c, e, path, false, &rule);
                if (r < 0)
                        return r;
                r = add_rule(&c, ctx, def, &rule, path);
                if (r < 0)
                        return r;
        }

        f = calloc(1, sizeof(*f));
        if (!f)
                return oom(&c);
        f->flags = p.flag_bits;
        r = export_bpf(&c, ctx, f);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(f);
        return 0;
}

/*
 * The compiled-filter cache: one file per profile, named for a hash of the
 * profile's JSON (keys sorted), libseccomp's version and this machine's
 * architecture; in it a magic, the seccomp(2) flags, the instruction
 * count, the instructions and that key text itself, compared whole on
 * reading (so the hash need not be a cryptographic one, and OpenSSL need
 * not start). Compiling podman's default profile takes libseccomp some
 * 15 ms, more than the rest of a container's start.
 */
#define CACHE_MAGIC "BRTHBPF2"

struct cache_header {
        char magic[8];
        uint32_t flags;
        uint32_t len;      /* instructions */
        uint64_t key_size; /* bytes of key text after them */
};

/* The key text: what a filter is compiled from */
static char *
cache_key(const json_t *oci_seccomp)
{
        const struct scmp_version *v = seccomp_version();
        _cleanup_free_ char *dump = NULL;
        const char *arch = NULL, *arch_short = NULL;
        char *key = NULL;

        seccomp_native_arch(&arch, &arch_short);
        dump = json_dumps(oci_seccomp, JSON_COMPACT | JSON_SORT_KEYS);
        if (!dump || asprintf(&key, "%u.%u.%u %s %s", v ? v->major : 0, v ? v->minor : 0,
                              v ? v->micro : 0, arch ? arch : "-", dump) < 0)
                return NULL;
        return key;
}

/* FNV-1a, 64 bits, as 16 hex digits: a file name */
static void
cache_name(const char *key, char out[17])
{
        uint64_t h = 0xcbf29ce484222325ULL;

        for (const unsigned char *p = (const unsigned char *)key; *p; p++)
                h = (h ^ *p) * 0x100000001b3ULL;
        snprintf(out, 17, "%016" PRIx64, h);
}

/* The cached filter in dirfd/name: 1 and *ret, 0 when there is none (or it is not this one) */
static int
cache_read(int dirfd, const char *name, const char *key, struct seccomp_filter **ret)
{
        _cleanup_(seccomp_filter_freep) struct seccomp_filter *f = NULL;
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *stored = NULL;
        size_t size, key_size = strlen(key);
        struct cache_header h;
        struct stat st;

        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
                return 0;
        if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
            memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0 || h.len == 0 ||
            h.len > FILTER_INSNS_MAX || h.key_size != key_size)
                return 0;
        size = (size_t)h.len * sizeof(struct sock_filter);
        if ((uint64_t)st.st_size != sizeof(h) + size + key_size)
                return 0;
        f = calloc(1, sizeof(*f));
        stored = malloc(key_size);
        if (!f || !stored || !(f->insns = malloc(size)))
                return -ENOMEM;
        if (pread(fd, f->insns, size, sizeof(h)) != (ssize_t)size ||
            pread(fd, stored, key_size, (off_t)(sizeof(h) + size)) != (ssize_t)key_size ||
            memcmp(stored, key, key_size) != 0)
                return 0;
        f->len = (unsigned short)h.len;
        f->flags = h.flags;
        *ret = TAKE_PTR(f);
        return 1;
}

/* Best effort: a cache that cannot be written only costs the next start a compile */
static void
cache_write(int dirfd, const char *name, const char *key, const struct seccomp_filter *f)
{
        struct cache_header h = {.flags = f->flags, .len = f->len, .key_size = strlen(key)};
        size_t size = (size_t)f->len * sizeof(struct sock_filter);
        char tmp[64];
        _cleanup_close_ int fd = -EBADF;

        memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
        snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        if (write(fd, &h, sizeof(h)) != (ssize_t)sizeof(h) ||
            write(fd, f->insns, size) != (ssize_t)size ||
            write(fd, key, h.key_size) != (ssize_t)h.key_size ||
            renameat(dirfd, tmp, dirfd, name) < 0)
                (void)unlinkat(dirfd, tmp, 0);
}

int
seccomp_filter_build_cached(const json_t *oci_seccomp, const char *cache_dir,
                            struct seccomp_filter **ret, struct berr **err)
{
        _cleanup_(seccomp_filter_freep) struct seccomp_filter *f = NULL;
        _cleanup_close_ int dirfd = -EBADF;
        _cleanup_free_ char *key = NULL;
        char name[17];
        struct stat st;
        int r;

        if (!cache_dir)
                return seccomp_filter_build(oci_seccomp, ret, err);
        key = cache_key(oci_seccomp);
        if (!key)
                return berr(err, ENOMEM, "seccomp filter cache");
        cache_name(key, name);
        if (mkdir(cache_dir, 0700) < 0 && errno != EEXIST)
                return seccomp_filter_build(oci_seccomp, ret, err);
        dirfd = open(cache_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        /* only a directory no one else can write into is trusted with filters */
        if (dirfd < 0 || fstat(dirfd, &st) < 0 || st.st_uid != geteuid() ||
            (st.st_mode & 0022) != 0)
                return seccomp_filter_build(oci_seccomp, ret, err);
        r = cache_read(dirfd, name, key, ret);
        if (r != 0)
                return r < 0 ? berr(err, -r, "seccomp filter cache") : 0;
        r = seccomp_filter_build(oci_seccomp, &f, err);
        if (r < 0)
                return r;
        if (f)
                cache_write(dirfd, name, key, f);
        *ret = TAKE_PTR(f);
        return 0;
}

int
seccomp_filter_load(struct seccomp_filter *f, struct berr **err)
{
        struct sock_fprog prog = {.len = f->len, .filter = f->insns};
        long r;

        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->flags, &prog);
        /* kernels before 3.17 have only the prctl, which takes no flags */
        if (r < 0 && errno == ENOSYS && f->flags == 0)
                r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
        if (r > 0) /* TSYNC: the id of a thread that could not take the filter */
                return berr(err, EBUSY, "load seccomp filter: thread %ld", r);
        if (r < 0 && errno == EACCES)
                return berr(err, EACCES, "load seccomp filter (no_new_privs not set)");
        if (r < 0)
                return berr(err, errno, "load seccomp filter");
        return 0;
}

size_t
seccomp_filter_size(const struct seccomp_filter *f)
{
        return f ? f->len : 0;
}

struct seccomp_filter *
seccomp_filter_free(struct seccomp_filter *f)
{
        if (f) {
                free(f->insns);
                free(f);
        }
        return NULL;
}
