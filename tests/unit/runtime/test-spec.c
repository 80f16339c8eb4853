/*
 * tests/unit/runtime/test-spec.c: config.json as spec_build writes it. The
 * default container is compared field by field with what podman 4.3
 * writes (less the differences spec.h lists); the rest checks one rule
 * each. The last test hands a spec to runc and reads what the container
 * saw (skipped where runc is missing).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "runtime/spec.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define ERR_MAX 512

/* A temp dir with a rootfs holding /etc/passwd and /etc/group. */
struct fixture {
        char dir[64];
        char root[96];
};

static void
write_file(const char *path, const char *content, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        size_t n = strlen(content);

        if (fd < 0 || write(fd, content, n) != (ssize_t)n || close(fd) < 0)
                abort();
}

static void
fixture_setup(struct fixture *f)
{
        char path[256];

        (void)snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-spec-XXXXXX");
        if (!mkdtemp(f->dir))
                abort();
        (void)snprintf(f->root, sizeof(f->root), "%s/rootfs", f->dir);
        (void)snprintf(path, sizeof(path), "%s/etc", f->root);
        if (mkdir(f->root, 0755) < 0 || mkdir(path, 0755) < 0)
                abort();
        (void)snprintf(path, sizeof(path), "%s/etc/passwd", f->root);
        write_file(path,
                   "root:x:0:0:root:/root:/bin/sh\n"
                   "alice:x:1000:1000::/home/alice:/bin/sh\n",
                   0644);
        (void)snprintf(path, sizeof(path), "%s/etc/group", f->root);
        write_file(path, "root:x:0:\nwheel:x:10:alice\nalice:x:1000:\n", 0644);
}

static void
fixture_done(struct fixture *f)
{
        (void)rm_rf_at(AT_FDCWD, f->dir);
}

/* JSON written with ' for " (easier to read in C) */
static json_t *
J(const char *text)
{
        _cleanup_free_ char *s = strdup(text);
        json_error_t e;
        json_t *j;

        if (!s)
                abort();
        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        j = json_loads(s, JSON_DECODE_ANY, &e);
        if (!j) {
                fprintf(stderr, "bad test JSON: %s: %s\n", e.text, s);
                abort();
        }
        return j;
}

/* obj.a.b.c (object keys only) */
static json_t *
get(const json_t *j, const char *path)
{
        char buf[256], *save = NULL;

        (void)snprintf(buf, sizeof(buf), "%s", path);
        for (char *k = strtok_r(buf, ".", &save); k && j; k = strtok_r(NULL, ".", &save))
                j = json_object_get(j, k);
        return (json_t *)j;
}

/* Whether j equals the JSON text want (' for "); prints both when not. */
static bool
same(const json_t *j, const char *want)
{
        json_t *w = J(want);
        bool ok = json_equal(j, w);

        if (!ok) {
                char *a = j ? json_dumps(j, JSON_COMPACT) : NULL;
                char *b = json_dumps(w, JSON_COMPACT);

                fprintf(stderr, "    got:  %s\n    want: %s\n", a ? a : "(null)", b ? b : "");
                free(a);
                free(b);
        }
        json_decref(w);
        return ok;
}

/* The spec for o, or an empty object (with a failed check) when it fails. */
static json_t *
build(const struct spec_opts *o)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        json_t *spec = NULL;

        if (spec_build(o, &spec, &err) < 0) {
                fprintf(stderr, "    spec_build: %s\n", err ? err->msg : "(no message)");
                check(!"spec_build failed");
                return json_object();
        }
        return spec;
}

/* The message spec_build fails with ("" when it did not fail: a failed check). */
static const char *
build_err(const struct spec_opts *o, char buf[ERR_MAX])
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        json_t *spec = (json_t *)0x1;

        buf[0] = '\0';
        if (spec_build(o, &spec, &err) >= 0) {
                json_decref(spec);
                check(!"spec_build should have failed");
                return buf;
        }
        check(spec == (json_t *)0x1);
        (void)snprintf(buf, ERR_MAX, "%s", err && err->msg ? err->msg : "");
        return buf;
}

/* podman's default rlimits, capped at this process' hard limits */
static json_t *
default_rlimits(void)
{
        struct rlimit rl;
        uint64_t nofile = 1048576, nproc = 0;
        FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
        json_t *a = json_array();

        if (f && fscanf(f, "%" SCNu64, &nproc) != 1)
                nproc = 0;
        if (f)
                (void)fclose(f);
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
            rl.rlim_max < nofile)
                nofile = rl.rlim_max;
        if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
            rl.rlim_max < nproc)
                nproc = rl.rlim_max;
        json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "type", "RLIMIT_NOFILE", "hard",
                                           (json_int_t)nofile, "soft", (json_int_t)nofile));
        if (nproc)
                json_array_append_new(a, json_pack("{s:s,s:I,s:I}", "type", "RLIMIT_NPROC", "hard",
                                                   (json_int_t)nproc, "soft", (json_int_t)nproc));
        return a;
}

static const char *const all_cap_names[] = {
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

static bool
host_has_cap(int cap)
{
        return prctl(PR_CAPBSET_READ, (unsigned long)cap, 0UL, 0UL, 0UL) == 1;
}

/* The caps of this process' bounding set, sorted by name, as JSON. */
static json_t *
host_caps(void)
{
        const char *names[64];
        size_t n = 0;
        json_t *a = json_array();

        for (size_t i = 0; i < ELEMENTSOF(all_cap_names); i++)
                if (host_has_cap((int)i))
                        names[n++] = all_cap_names[i];
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                        const char *t = names[j];

                        names[j] = names[j - 1];
                        names[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++)
                json_array_append_new(a, json_string(names[i]));
        return a;
}

/* the destinations of s's mounts, comma-separated */
static void
destinations(const json_t *s, char *buf, size_t size)
{
        size_t i, o = 0;
        json_t *m;

        buf[0] = '\0';
        json_array_foreach (get(s, "mounts"), i, m) {
                o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? "," : "",
                                      json_string_value(json_object_get(m, "destination")));
                if (o >= size)
                        break;
        }
}

static const json_t *
mount_at(const json_t *s, const char *dest)
{
        size_t i;
        json_t *m;

        json_array_foreach (get(s, "mounts"), i, m) {
                if (streq(json_string_value(json_object_get(m, "destination")), dest))
                        return m;
        }
        return NULL;
}

#define DEFAULT_CAPS                                                                             \
        "['CAP_CHOWN','CAP_DAC_OVERRIDE','CAP_FOWNER','CAP_FSETID','CAP_KILL',"                  \
        "'CAP_NET_BIND_SERVICE','CAP_SETFCAP','CAP_SETGID','CAP_SETPCAP','CAP_SETUID','CAP_SYS_" \
        "CHROOT']"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void
test_default_exact(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image, *spec, *want;

        fixture_setup(&f);
        image = J("{'Cmd':['/bin/sh']}");
        o.rootfs = f.root;
        o.image_config = image;
        o.hostname = "web";
        o.hosts_path = "/run/berth/c1/hosts";
        o.hostname_path = "/run/berth/c1/hostname";
        o.resolv_conf_path = "/run/berth/c1/resolv.conf";
        o.cgroups_path = "/berth/web-app";
        spec = build(&o);
        want = J("{'ociVersion':'1.1.0',"
                 "'process':{'user':{'uid':0,'gid':0,'umask':18},"
                 "  'args':['/bin/sh'],"
                 "  'env':['PATH=" DEFAULT_PATH "','container=berth','HOME=/root','HOSTNAME=web'],"
                 "  'cwd':'/',"
                 "  'capabilities':{'bounding':" DEFAULT_CAPS ",'effective':" DEFAULT_CAPS
                 "    ,'permitted':" DEFAULT_CAPS "},"
                 "  'rlimits':[],"
                 "  'noNewPrivileges':true},"
                 "'root':{'path':'ROOT'},"
                 "'hostname':'web',"
                 "'mounts':["
                 " {'destination':'/proc','type':'proc','source':'proc',"
                 "  'options':['nosuid','noexec','nodev']},"
                 " {'destination':'/dev','type':'tmpfs','source':'tmpfs',"
                 "  'options':['nosuid','noexec','strictatime','mode=755','size=65536k']},"
                 " {'destination':'/sys','type':'sysfs','source':'sysfs',"
                 "  'options':['nosuid','noexec','nodev','ro']},"
                 " {'destination':'/dev/pts','type':'devpts','source':'devpts',"
                 "  "
                 "'options':['nosuid','noexec','newinstance','ptmxmode=0666','mode=0620','gid=5']},"
                 " {'destination':'/dev/mqueue','type':'mqueue','source':'mqueue',"
                 "  'options':['nosuid','noexec','nodev']},"
                 " {'destination':'/etc/resolv.conf','type':'bind',"
                 "  'source':'/run/berth/c1/resolv.conf','options':['bind','rprivate']},"
                 " {'destination':'/etc/hosts','type':'bind','source':'/run/berth/c1/hosts',"
                 "  'options':['bind','rprivate']},"
                 " {'destination':'/dev/shm','type':'tmpfs','source':'shm',"
                 "  'options':['nosuid','noexec','nodev','mode=1777','size=65536k']},"
                 " {'destination':'/etc/hostname','type':'bind','source':'/run/berth/c1/hostname',"
                 "  'options':['bind','rprivate']},"
                 " {'destination':'/sys/fs/cgroup','type':'cgroup','source':'cgroup',"
                 "  'options':['rprivate','nosuid','noexec','nodev','relatime','ro']}],"
                 "'annotations':{'org.opencontainers.image.stopSignal':'15'},"
                 "'linux':{"
                 " 'resources':{'devices':[{'allow':false,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':1,'minor':3,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':1,'minor':5,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':1,'minor':7,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':1,'minor':8,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':1,'minor':9,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':5,'minor':0,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':5,'minor':1,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':5,'minor':2,'access':'rwm'},"
                 "  {'allow':true,'type':'c','major':136,'access':'rwm'}]},"
                 " 'cgroupsPath':'/berth/web-app',"
                 " 'namespaces':[{'type':'pid'},{'type':'network'},{'type':'ipc'},{'type':'uts'},"
                 "  {'type':'mount'},{'type':'cgroup'}],"
                 " 'maskedPaths':['/proc/acpi','/proc/kcore','/proc/keys','/proc/latency_stats',"
                 "  '/proc/timer_list','/proc/timer_stats','/proc/sched_debug','/proc/scsi',"
                 "  '/sys/firmware','/sys/fs/selinux','/sys/dev/block'],"
                 " 'readonlyPaths':['/proc/asound','/proc/bus','/proc/fs','/proc/irq','/proc/sys',"
                 "  '/proc/sysrq-trigger']}}");
        json_object_set_new(get(want, "process"), "rlimits", default_rlimits());
        json_object_set_new(get(want, "root"), "path", json_string(f.root));
        check(json_equal(spec, want));
        if (!json_equal(spec, want)) {
                /* say which top-level field differs */
                const char *k;
                json_t *v;

                json_object_foreach (want, k, v) {
                        _cleanup_free_ char *a = json_dumps(json_object_get(spec, k), JSON_COMPACT);
                        _cleanup_free_ char *b = json_dumps(v, JSON_COMPACT);

                        if (!json_equal(v, json_object_get(spec, k)))
                                fprintf(stderr, "    %s:\n    got:  %s\n    want: %s\n", k,
                                        a ? a : "(none)", b ? b : "");
                }
        }
        /* the key order podman writes (jansson keeps insertion order) */
        {
                const char *order[] = {"ociVersion", "process",     "root", "hostname",
                                       "mounts",     "annotations", "linux"};
                size_t i = 0;
                const char *k;
                json_t *v;

                json_object_foreach (spec, k, v) {
                        check(i < ELEMENTSOF(order) && streq(k, order[i]));
                        i++;
                }
        }
        json_decref(want);
        json_decref(spec);
        json_decref(image);
        fixture_done(&f);
}

static void
test_command_args(void)
{
        const char *const cmd[] = {"/cmd", "x"}, *const args[] = {"a1", "a 2"};
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *both = J("{'Entrypoint':['/ep','e1'],'Cmd':['c1','c2']}");
        json_t *cmd_only = J("{'Entrypoint':null,'Cmd':['c1']}");
        json_t *none = J("{'Env':['A=1']}");
        json_t *bad1 = J("{'Cmd':'/bin/sh'}"), *bad2 = J("{'Entrypoint':['/x',1]}");
        char e[ERR_MAX];
        json_t *s;
        const struct {
                const json_t *image;
                bool command, args;
                const char *want;
        } table[] = {
                /* Kubernetes' table: neither, command only, args only, both */
                {both, false, false, "['/ep','e1','c1','c2']"},
                {both, true, false, "['/cmd','x']"},
                {both, false, true, "['/ep','e1','a1','a 2']"},
                {both, true, true, "['/cmd','x','a1','a 2']"},
                {cmd_only, false, false, "['c1']"},
                {cmd_only, false, true, "['a1','a 2']"},
                {none, true, false, "['/cmd','x']"},
                {NULL, false, true, "['a1','a 2']"},
        };

        fixture_setup(&f);
        o.rootfs = f.root;
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                o.image_config = table[i].image;
                o.command = table[i].command ? cmd : NULL;
                o.n_command = table[i].command ? 2 : 0;
                o.args = table[i].args ? args : NULL;
                o.n_args = table[i].args ? 2 : 0;
                s = build(&o);
                check(same(get(s, "process.args"), table[i].want));
                json_decref(s);
        }
        o.command = o.args = NULL;
        o.n_command = o.n_args = 0;
        o.image_config = none;
        check_str(build_err(&o, e),
                  "no command: the image has no Entrypoint or Cmd and none was given");
        o.image_config = NULL;
        check_str(build_err(&o, e),
                  "no command: the image has no Entrypoint or Cmd and none was given");
        o.image_config = bad1;
        check_str(build_err(&o, e), "image config: Cmd: expected an array of strings");
        o.image_config = bad2;
        check_str(build_err(&o, e), "image config: Entrypoint[1]: expected a string");
        json_decref(both);
        json_decref(cmd_only);
        json_decref(none);
        json_decref(bad1);
        json_decref(bad2);
        fixture_done(&f);
}

static bool
expands(const char *in, const char *want)
{
        char *const env[] = {"A=1",       "B=two words",  "EMPTY=", "A=latest",
                             "PATH=/bin", "SELF=$(SELF)", "UTF=é"};
        _cleanup_free_ char *got = NULL;

        if (spec_expand(in, env, ELEMENTSOF(env), &got) != 0)
                return false;
        if (strcmp(got, want) != 0) {
                fprintf(stderr, "    expand \"%s\": got \"%s\", want \"%s\"\n", in, got, want);
                return false;
        }
        return true;
}

static void
test_expand(void)
{
        check(expands("", ""));
        check(expands("plain text", "plain text"));
        check(expands("$(A)", "latest")); /* the last A wins */
        check(expands("<$(B)>", "<two words>"));
        check(expands("$(A)$(B)", "latesttwo words"));
        check(expands("$(EMPTY)", ""));
        check(expands("x$(EMPTY)y", "xy"));
        check(expands("$(NOPE)", "$(NOPE)"));
        check(expands("a $(NOPE) b $(A)", "a $(NOPE) b latest"));
        check(expands("$$(A)", "$(A)"));
        check(expands("$$$(A)", "$latest"));
        check(expands("$$$$", "$$"));
        check(expands("$$", "$"));
        check(expands("$", "$"));
        check(expands("end$", "end$"));
        check(expands("$x", "$x"));
        check(expands("$1$(A)", "$1latest"));
        check(expands("$(A", "$(A"));
        check(expands("$(", "$("));
        check(expands("$()", "$()"));
        check(expands("$(A$(B))", "$(A$(B))"));
        check(expands("$($(A))", "$($(A))"));
        check(expands("(A) $ (A)", "(A) $ (A)"));
        check(expands("$(SELF)", "$(SELF)")); /* values are not expanded again */
        check(expands("$(UTF)$é", "é$é"));    /* a byte after "$" is kept as it is */
        check(expands("$(a)", "$(a)"));       /* names are case-sensitive */
}

static void
test_env(void)
{
        const struct spec_env env[] = {
                {"FOO", "over", false},
                {"A", "1", false},
                {"B", "$(A)-$(FOO)-$(PATH)", false}, /* the image's PATH is not the container's */
                {"A", "2", false},                   /* replaces A where it was */
                {"C", "$(A)", false},
                {"D", "$(A)", true}, /* envFrom / valueFrom: not expanded */
                {"E", "$$(A)", false},
                {"F", NULL, false},
        };
        const char *const cmd[] = {"/bin/echo", "$(A)", "$(B)", "$(PATH)", "$(D)"};
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh'],"
                          " 'Env':['PATH=/opt/bin:/bin','FOO=bar','NOEQUALS','=x','HOME=/img']}");
        json_t *s;
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.env = env;
        o.n_env = ELEMENTSOF(env);
        o.tty = true;
        o.hostname = "h";
        o.command = cmd;
        o.n_command = ELEMENTSOF(cmd);
        s = build(&o);
        check(same(get(s, "process.env"),
                   "['PATH=/opt/bin:/bin','container=berth','FOO=over','HOME=/img','A=2',"
                   "'B=1-over-$(PATH)','C=2','D=$(A)','E=$(A)','F=','TERM=xterm','HOSTNAME=h']"));
        check(same(get(s, "process.args"), "['/bin/echo','2','1-over-$(PATH)','$(PATH)','$(A)']"));
        check(same(get(s, "process.terminal"), "true"));
        check(!get(s, "process.consoleSize"));
        json_decref(s);

        /* the container's own container=, TERM and HOSTNAME win; a console size */
        {
                const struct spec_env env2[] = {{"container", "podman", false},
                                                {"TERM", "vt100", false},
                                                {"HOSTNAME", "mine", false}};

                o.env = env2;
                o.n_env = ELEMENTSOF(env2);
                o.console_width = 80;
                o.console_height = 25;
                o.image_config = NULL;
                s = build(&o);
                check(same(get(s, "process.env"), "['PATH=" DEFAULT_PATH "','container=podman',"
                                                  "'TERM=vt100','HOSTNAME=mine','HOME=/root']"));
                check(same(get(s, "process.consoleSize"), "{'height':25,'width':80}"));
                json_decref(s);
        }
        /* no tty: no TERM */
        o.tty = false;
        o.env = NULL;
        o.n_env = 0;
        s = build(&o);
        check(same(get(s, "process.env"),
                   "['PATH=" DEFAULT_PATH "','container=berth','HOME=/root','HOSTNAME=h']"));
        check(!get(s, "process.terminal"));
        json_decref(s);
        {
                const struct spec_env bad[] = {{"A=B", "x", false}};
                const struct spec_env empty[] = {{"", "x", false}};

                o.env = bad;
                o.n_env = 1;
                check_str(build_err(&o, e), "env[0]: invalid name \"A=B\"");
                o.env = empty;
                check_str(build_err(&o, e), "env[0]: invalid name \"\"");
        }
        json_decref(image);
        fixture_done(&f);
}

static void
test_user(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"),
               *image_alice = J("{'Cmd':['/bin/sh'],'User':'alice'}");
        const uint32_t u1000 = 1000, g44 = 44, g7 = 7, extra[] = {44, 10};
        char e[ERR_MAX], want[ERR_MAX];
        json_t *s;

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;

        o.user = "alice";
        s = build(&o);
        check(same(get(s, "process.user"),
                   "{'uid':1000,'gid':1000,'umask':18,'additionalGids':[1000,10]}"));
        check(same(json_array_get(get(s, "process.env"), 2), "'HOME=/home/alice'"));
        /* a user that is not root: capabilities only in the bounding set */
        check(same(get(s, "process.capabilities"), "{'bounding':" DEFAULT_CAPS "}"));
        json_decref(s);

        /* the image's user */
        o.user = NULL;
        o.image_config = image_alice;
        s = build(&o);
        check(same(get(s, "process.user"),
                   "{'uid':1000,'gid':1000,'umask':18,'additionalGids':[1000,10]}"));
        json_decref(s);

        /* runAsUser, supplementalGroups: primary, added, then /etc/group (each once) */
        o.image_config = image;
        o.run_as_user = &u1000;
        o.supplemental_groups = extra;
        o.n_supplemental_groups = ELEMENTSOF(extra);
        s = build(&o);
        check(same(get(s, "process.user"),
                   "{'uid':1000,'gid':1000,'umask':18,'additionalGids':[1000,44,10]}"));
        json_decref(s);

        /* runAsGroup: no /etc/group lookup */
        o.supplemental_groups = NULL;
        o.n_supplemental_groups = 0;
        o.run_as_group = &g44;
        s = build(&o);
        check(same(get(s, "process.user"),
                   "{'uid':1000,'gid':44,'umask':18,'additionalGids':[44]}"));
        json_decref(s);

        /* runAsGroup alone, image without a user: root with that group */
        o.run_as_user = NULL;
        o.run_as_group = &g7;
        s = build(&o);
        check(same(get(s, "process.user"), "{'uid':0,'gid':7,'umask':18,'additionalGids':[7]}"));
        json_decref(s);

        /* a uid without an entry: gid 0, no HOME */
        o.run_as_group = NULL;
        o.user = "5000";
        s = build(&o);
        check(same(get(s, "process.user"), "{'uid':5000,'gid':0,'umask':18,'additionalGids':[0]}"));
        check(same(get(s, "process.env"), "['PATH=" DEFAULT_PATH "','container=berth']"));
        json_decref(s);

        /* nobody named: root, no additionalGids */
        o.user = NULL;
        s = build(&o);
        check(same(get(s, "process.user"), "{'uid':0,'gid':0,'umask':18}"));
        json_decref(s);

        o.user = "bob";
        (void)snprintf(want, sizeof(want), "user \"bob\" not found in %s/etc/passwd", f.root);
        check_str(build_err(&o, e), want);
        json_decref(image);
        json_decref(image_alice);
        fixture_done(&f);
}

static void
test_workdir(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh'],'WorkingDir':'/srv'}"), *s;
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        s = build(&o);
        check(same(get(s, "process.cwd"), "'/srv'"));
        json_decref(s);
        o.working_dir = "/work";
        s = build(&o);
        check(same(get(s, "process.cwd"), "'/work'"));
        json_decref(s);
        o.working_dir = "rel";
        check_str(build_err(&o, e), "working directory \"rel\" is not an absolute path");
        o.working_dir = NULL;
        o.rootfs = "relative/rootfs";
        check_str(build_err(&o, e), "rootfs \"relative/rootfs\" is not an absolute path");
        json_decref(image);
        fixture_done(&f);
}

static void
test_caps(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s, *host = host_caps();
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        if (host_has_cap(12) && host_has_cap(13)) {
                const char *const add[] = {"net_admin", "Cap_Net_Raw"};
                const char *const drop[] = {"KILL", "CAP_CHOWN"};
                const char *const want = "['CAP_DAC_OVERRIDE','CAP_FOWNER','CAP_FSETID',"
                                         "'CAP_NET_ADMIN','CAP_NET_BIND_SERVICE','CAP_NET_RAW',"
                                         "'CAP_SETFCAP','CAP_SETGID','CAP_SETPCAP','CAP_SETUID',"
                                         "'CAP_SYS_CHROOT']";

                o.cap_add = add;
                o.n_cap_add = 2;
                o.cap_drop = drop;
                o.n_cap_drop = 2;
                s = build(&o);
                check(same(get(s, "process.capabilities.bounding"), want));
                check(same(get(s, "process.capabilities.effective"), want));
                check(same(get(s, "process.capabilities.permitted"), want));
                check(!get(s, "process.capabilities.inheritable"));
                check(!get(s, "process.capabilities.ambient"));
                json_decref(s);
        } else {
                check_skip("CAP_NET_ADMIN or CAP_NET_RAW is not in this process' bounding set");
        }
        {
                const char *const add[] = {"chown"}, *const drop[] = {"all"};

                o.cap_add = add;
                o.n_cap_add = 1;
                o.cap_drop = drop;
                o.n_cap_drop = 1;
                s = build(&o);
                check(same(get(s, "process.capabilities"),
                           "{'bounding':['CAP_CHOWN'],'effective':['CAP_CHOWN'],"
                           "'permitted':['CAP_CHOWN']}"));
                json_decref(s);
                o.n_cap_add = 0;
                s = build(&o);
                check(same(get(s, "process.capabilities"), "{}"));
                json_decref(s);
        }
        {
                const char *const add[] = {"ALL"}, *const drop[] = {"ALL"},
                                  *const kill[] = {"KILL"};

                o.cap_add = add;
                o.n_cap_add = 1;
                o.n_cap_drop = 0;
                s = build(&o);
                check(json_equal(get(s, "process.capabilities.bounding"), host));
                check(json_equal(get(s, "process.capabilities.effective"), host));
                json_decref(s);
                /* add ALL, drop one */
                o.cap_drop = kill;
                o.n_cap_drop = 1;
                s = build(&o);
                check(json_array_size(get(s, "process.capabilities.bounding")) + 1 ==
                      json_array_size(host));
                {
                        _cleanup_free_ char *d =
                                json_dumps(get(s, "process.capabilities.bounding"), 0);

                        check(d && !strstr(d, "KILL"));
                }
                json_decref(s);
                o.cap_drop = drop;
                check_str(build_err(&o, e), "capabilities: ALL cannot be both added and dropped");
        }
        {
                const char *const kill[] = {"kill"}, *const bad[] = {"CAP_FOO"};

                o.cap_add = kill;
                o.n_cap_add = 1;
                o.cap_drop = kill;
                o.n_cap_drop = 1;
                check_str(build_err(&o, e), "capability CAP_KILL cannot be both added and dropped");
                o.cap_add = bad;
                o.n_cap_drop = 0;
                check_str(build_err(&o, e), "cap_add: unknown capability \"CAP_FOO\"");
                o.cap_drop = bad;
                o.n_cap_add = 0;
                o.n_cap_drop = 1;
                check_str(build_err(&o, e), "cap_drop: unknown capability \"CAP_FOO\"");
        }
        /* not root: only what was added, in all four sets; the bounding set as for root */
        {
                const char *const add[] = {"NET_BIND_SERVICE", "SETUID"};

                o.user = "1000";
                o.cap_add = add;
                o.n_cap_add = 2;
                o.n_cap_drop = 0;
                s = build(&o);
                check(same(get(s, "process.capabilities"),
                           "{'bounding':" DEFAULT_CAPS ","
                           " 'effective':['CAP_NET_BIND_SERVICE','CAP_SETUID'],"
                           " 'inheritable':['CAP_NET_BIND_SERVICE','CAP_SETUID'],"
                           " 'permitted':['CAP_NET_BIND_SERVICE','CAP_SETUID'],"
                           " 'ambient':['CAP_NET_BIND_SERVICE','CAP_SETUID']}"));
                json_decref(s);
                o.user = NULL;
        }
        /* a capability this process does not have cannot be handed on */
        for (int c = 0; c < (int)ELEMENTSOF(all_cap_names); c++) {
                const char *const add[] = {all_cap_names[c]};
                char want[128];

                if (host_has_cap(c))
                        continue;
                o.cap_add = add;
                o.n_cap_add = 1;
                (void)snprintf(want, sizeof(want),
                               "capability %s cannot be added: berth does not have it: %s",
                               all_cap_names[c], strerror(EPERM));
                check_str(build_err(&o, e), want);
                break;
        }
        check_str(spec_cap_name("net_admin"), "CAP_NET_ADMIN");
        check_str(spec_cap_name("CAP_SYS_ADMIN"), "CAP_SYS_ADMIN");
        check_str(spec_cap_name("cap_checkpoint_restore"), "CAP_CHECKPOINT_RESTORE");
        check_str(spec_cap_name("all"), "ALL");
        check_str(spec_cap_name("CAP_ALL"), "ALL");
        check(!spec_cap_name("CAP_"));
        check(!spec_cap_name(""));
        check(!spec_cap_name("NET_ADMINX"));
        check(!spec_cap_name("CAP_CAP_CHOWN"));
        json_decref(host);
        json_decref(image);
        fixture_done(&f);
}

static void
test_privileged(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s, *host = host_caps();
        json_t *seccomp = J("{'defaultAction':'SCMP_ACT_ERRNO'}");
        const char *const drop[] = {"ALL"};

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.privileged = true;
        o.seccomp = seccomp;
        o.cap_drop = drop; /* ignored, as the kubelet ignores it */
        o.n_cap_drop = 1;
        s = build(&o);
        check(json_equal(get(s, "process.capabilities.bounding"), host));
        check(json_equal(get(s, "process.capabilities.effective"), host));
        check(json_equal(get(s, "process.capabilities.permitted"), host));
        check(!get(s, "process.noNewPrivileges"));
        check(!get(s, "linux.seccomp"));
        check(!get(s, "linux.maskedPaths"));
        check(!get(s, "linux.readonlyPaths"));
        check(same(get(s, "linux.resources.devices"), "[{'allow':true,'access':'rwm'}]"));
        check(same(mount_at(s, "/sys"), "{'destination':'/sys','type':'sysfs','source':'sysfs',"
                                        " 'options':['rprivate','nosuid','noexec','nodev','rw']}"));
        check(same(mount_at(s, "/sys/fs/cgroup"),
                   "{'destination':'/sys/fs/cgroup','type':'cgroup','source':'cgroup',"
                   " 'options':['rprivate','nosuid','noexec','nodev','relatime','rw']}"));
        json_decref(s);
        json_decref(seccomp);
        json_decref(host);
        json_decref(image);
        fixture_done(&f);
}

static void
test_security(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh'],'StopSignal':'SIGKILL'}"), *s;
        json_t *seccomp = J("{'defaultAction':'SCMP_ACT_ERRNO','syscalls':[]}");
        const int adj = -500, bad_adj = 1001;
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.allow_privilege_escalation = true;
        o.seccomp = seccomp;
        o.selinux_process_label = "system_u:system_r:container_t:s0:c1,c2";
        o.selinux_mount_label = "system_u:object_r:container_file_t:s0:c1,c2";
        o.oom_score_adj = &adj;
        s = build(&o);
        check(!get(s, "process.noNewPrivileges"));
        check(json_equal(get(s, "linux.seccomp"), seccomp));
        check(get(s, "linux.seccomp") != seccomp); /* a copy */
        check(same(get(s, "process.selinuxLabel"), "'system_u:system_r:container_t:s0:c1,c2'"));
        check(same(get(s, "linux.mountLabel"), "'system_u:object_r:container_file_t:s0:c1,c2'"));
        check(same(get(s, "process.oomScoreAdj"), "-500"));
        check(same(get(s, "annotations"), "{'org.opencontainers.image.stopSignal':'9'}"));
        json_decref(s);
        o.oom_score_adj = &bad_adj;
        check_str(build_err(&o, e), "oomScoreAdj 1001 is out of range, expected -1000 to 1000");
        o.oom_score_adj = NULL;
        {
                static const struct {
                        const char *sig, *want;
                } sigs[] = {{"TERM", "15"},       {"sigusr1", "10"}, {"2", "2"},
                            {"SIGRTMIN+3", "37"}, {"RTMAX", "64"},   {"SIGRTMAX-1", "63"}};
                const struct spec_kv ann[] = {{"io.berth.pod", "web"},
                                              {"org.opencontainers.image.stopSignal", "3"}};

                for (size_t i = 0; i < ELEMENTSOF(sigs); i++) {
                        json_t *img = json_pack("{s:[s], s:s}", "Cmd", "/bin/sh", "StopSignal",
                                                sigs[i].sig);
                        char want[128];

                        o.image_config = img;
                        s = build(&o);
                        (void)snprintf(want, sizeof(want),
                                       "{'org.opencontainers.image.stopSignal':'%s'}",
                                       sigs[i].want);
                        check(same(get(s, "annotations"), want));
                        json_decref(s);
                        json_decref(img);
                }
                /* the caller's annotations, which win */
                o.image_config = image;
                o.annotations = ann;
                o.n_annotations = ELEMENTSOF(ann);
                s = build(&o);
                check(same(get(s, "annotations"),
                           "{'org.opencontainers.image.stopSignal':'3','io.berth.pod':'web'}"));
                json_decref(s);
                o.annotations = NULL;
                o.n_annotations = 0;
        }
        {
                json_t *img = J("{'Cmd':['/bin/sh'],'StopSignal':'SIGBOGUS'}");

                o.image_config = img;
                check_str(build_err(&o, e),
                          "image config: StopSignal \"SIGBOGUS\" is not a signal");
                json_decref(img);
        }
        json_decref(seccomp);
        json_decref(image);
        fixture_done(&f);
}

static void
test_resources(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s;
        char e[ERR_MAX];

        check(spec_cpu_shares(0) == 2);
        check(spec_cpu_shares(1) == 2);
        check(spec_cpu_shares(2) == 2);
        check(spec_cpu_shares(3) == 3);
        check(spec_cpu_shares(250) == 256);
        check(spec_cpu_shares(1000) == 1024);
        check(spec_cpu_shares(256000) == 262144);
        check(spec_cpu_shares(INT64_MAX) == 262144);
        check(spec_cpu_quota(0, 100000) == 0);
        check(spec_cpu_quota(1, 100000) == 1000); /* at least 1 ms */
        check(spec_cpu_quota(500, 0) == 50000);
        check(spec_cpu_quota(1500, 100000) == 150000);
        check(spec_cpu_quota(1500, 50000) == 75000);

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.resources.memory_limit = 100 << 20;
        o.resources.memory_reservation = 50 << 20;
        o.resources.cpu_limit_millis = 500;
        o.resources.cpu_request_millis = 250;
        o.resources.cpuset_cpus = "0-1";
        o.resources.cpuset_mems = "0";
        o.resources.pids_limit = 100;
        s = build(&o);
        check(same(get(s, "linux.resources.memory"), "{'limit':104857600,'reservation':52428800}"));
        check(same(get(s, "linux.resources.cpu"),
                   "{'shares':256,'quota':50000,'period':100000,'cpus':'0-1','mems':'0'}"));
        check(same(get(s, "linux.resources.pids"), "{'limit':100}"));
        json_decref(s);

        o.resources = (struct spec_resources){.memory_limit = 1 << 20,
                                              .memory_swap = -1,
                                              .cpu_limit_millis = 2000,
                                              .cpu_period = 50000,
                                              .pids_limit = -1};
        s = build(&o);
        check(same(get(s, "linux.resources.memory"), "{'limit':1048576,'swap':-1}"));
        check(same(get(s, "linux.resources.cpu"), "{'quota':100000,'period':50000}"));
        check(same(get(s, "linux.resources.pids"), "{'limit':-1}"));
        json_decref(s);

        o.resources = (struct spec_resources){.memory_limit = 2 << 20, .memory_swap = 1 << 20};
        check_str(build_err(&o, e), "memory: swap limit 1048576 is below the memory limit 2097152 "
                                    "(it counts memory and swap together)");
        o.resources = (struct spec_resources){.cpu_limit_millis = -1};
        check_str(build_err(&o, e), "cpu: a negative amount");
        o.resources = (struct spec_resources){.cpu_period = 10};
        check_str(build_err(&o, e), "cpu period 10 is out of range, expected 1000 to 1000000");
        json_decref(image);
        fixture_done(&f);
}

static void
test_mounts(void)
{
        const struct spec_mount mounts[] = {
                {.destination = "/data/sub",
                 .source = "/srv/sub",
                 .recursive = true,
                 .readonly = true},
                {.destination = "/data",
                 .type = "tmpfs",
                 .data = "size=64m,,mode=1777",
                 .nosuid = true,
                 .nodev = true},
                {.destination = "/etc/hosts",
                 .source = "/my/hosts",
                 .type = "bind",
                 .propagation = "rslave"},
                {.destination = "/dev/shm/", .source = "/pod/shm", .noexec = true},
                {.destination = "/a/./b//c", .source = "/x", .propagation = "rshared"},
        };
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s;
        char e[ERR_MAX], d[1024];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.hosts_path = "/run/h";
        o.hostname_path = "/run/hn";
        o.resolv_conf_path = "/run/r";
        o.mounts = mounts;
        o.n_mounts = ELEMENTSOF(mounts);
        s = build(&o);
        destinations(s, d, sizeof(d));
        /* parents first; defaults replaced where a mount names their destination */
        check_str(d, "/proc,/dev,/sys,/data,/dev/pts,/dev/mqueue,/etc/resolv.conf,/etc/hostname,"
                     "/data/sub,/etc/hosts,/dev/shm,/sys/fs/cgroup,/a/b/c");
        check(same(mount_at(s, "/data/sub"),
                   "{'destination':'/data/sub','type':'bind',"
                   "'source':'/srv/sub','options':['rbind','ro','rprivate']}"));
        check(same(mount_at(s, "/data"), "{'destination':'/data','type':'tmpfs','source':'tmpfs',"
                                         "'options':['nosuid','nodev','size=64m','mode=1777']}"));
        check(same(mount_at(s, "/etc/hosts"), "{'destination':'/etc/hosts','type':'bind',"
                                              "'source':'/my/hosts','options':['bind','rslave']}"));
        check(same(mount_at(s, "/dev/shm"),
                   "{'destination':'/dev/shm','type':'bind',"
                   "'source':'/pod/shm','options':['bind','noexec','rprivate']}"));
        check(same(mount_at(s, "/a/b/c"), "{'destination':'/a/b/c','type':'bind','source':'/x',"
                                          "'options':['bind','rshared']}"));
        json_decref(s);

        {
                static const struct {
                        const char *dest, *source, *propagation, *want;
                } bad[] = {
                        {"relative/x", "/s", NULL,
                         "mount destination \"relative/x\" is not an absolute path"},
                        {"", "/s", NULL, "mount destination \"\" is not an absolute path"},
                        {"/a/../etc", "/s", NULL,
                         "mount destination \"/a/../etc\" has a \"..\" element"},
                        {"/..", "/s", NULL, "mount destination \"/..\" has a \"..\" element"},
                        {"/", "/s", NULL, "mount destination \"/\" is the root"},
                        {"//./", "/s", NULL, "mount destination \"//./\" is the root"},
                        {"/x", "rel", NULL, "mount /x: source \"rel\" is not an absolute path"},
                        {"/x", NULL, NULL, "mount /x: source \"\" is not an absolute path"},
                        {"/x", "/s", "sideways",
                         "mount /x: propagation \"sideways\" is not valid, expected private, "
                         "slave, "
                         "shared or unbindable (or with \"r\")"},
                };

                for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                        const struct spec_mount m = {.destination = bad[i].dest,
                                                     .source = bad[i].source,
                                                     .propagation = bad[i].propagation};

                        o.mounts = &m;
                        o.n_mounts = 1;
                        check_str(build_err(&o, e), bad[i].want);
                }
        }
        {
                const struct spec_mount twice[] = {{.destination = "/x", .source = "/a"},
                                                   {.destination = "/x/", .source = "/b"}};

                o.mounts = twice;
                o.n_mounts = 2;
                check_str(build_err(&o, e), "mount destination /x is given twice");
        }
        o.mounts = NULL;
        o.n_mounts = 0;
        o.hosts_path = "relative";
        check_str(build_err(&o, e), "/etc/hosts: source \"relative\" is not an absolute path");
        json_decref(image);
        fixture_done(&f);
}

static void
test_readonly(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s;
        char d[1024];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.readonly_rootfs = true;
        o.hosts_path = "/run/h";
        s = build(&o);
        check(same(get(s, "root.readonly"), "true"));
        check(same(mount_at(s, "/etc/hosts"),
                   "{'destination':'/etc/hosts','type':'bind','source':'/run/h',"
                   " 'options':['bind','rprivate','ro','nosuid','noexec','nodev']}"));
        check(!mount_at(s, "/tmp")); /* kube play: no tmpfs */
        json_decref(s);
        o.readonly_tmpfs = true; /* podman run --read-only */
        s = build(&o);
        destinations(s, d, sizeof(d));
        check_str(d, "/proc,/dev,/sys,/run,/tmp,/dev/pts,/dev/mqueue,/etc/hosts,/dev/shm,"
                     "/var/tmp,/sys/fs/cgroup");
        check(same(mount_at(s, "/var/tmp"),
                   "{'destination':'/var/tmp','type':'tmpfs','source':'tmpfs',"
                   " 'options':['rw','rprivate','nosuid','nodev','tmpcopyup']}"));
        json_decref(s);
        json_decref(image);
        fixture_done(&f);
}

static void
test_namespaces(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s;
        const struct spec_idmap map[] = {{0, 100000, 65536}};
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.hostname = "pod";
        o.ns[SPEC_NS_NETWORK] = (struct spec_ns){SPEC_NS_JOIN, "/proc/123/ns/net"};
        o.ns[SPEC_NS_IPC] = (struct spec_ns){SPEC_NS_JOIN, "/proc/123/ns/ipc"};
        o.ns[SPEC_NS_UTS].mode = SPEC_NS_HOST;
        o.ns[SPEC_NS_CGROUP].mode = SPEC_NS_HOST;
        o.ns[SPEC_NS_PID].mode = SPEC_NS_NEW;
        s = build(&o);
        check(same(get(s, "linux.namespaces"),
                   "[{'type':'pid'},{'type':'network','path':'/proc/123/ns/net'},"
                   " {'type':'ipc','path':'/proc/123/ns/ipc'},{'type':'mount'}]"));
        /* runc refuses a hostname without a UTS namespace of the container's own */
        check(!get(s, "hostname"));
        check(same(get(s, "process.env"),
                   "['PATH=" DEFAULT_PATH "','container=berth','HOME=/root','HOSTNAME=pod']"));
        json_decref(s);

        /* a user namespace: mappings; with the host network, /sys is bound */
        o.ns[SPEC_NS_USER].mode = SPEC_NS_NEW;
        check_str(build_err(&o, e), "a new user namespace needs uid and gid mappings");
        o.uid_mappings = o.gid_mappings = map;
        o.n_uid_mappings = o.n_gid_mappings = 1;
        o.ns[SPEC_NS_NETWORK].mode = SPEC_NS_HOST;
        s = build(&o);
        check(same(get(s, "linux.uidMappings"),
                   "[{'containerID':0,'hostID':100000,'size':65536}]"));
        check(same(get(s, "linux.gidMappings"),
                   "[{'containerID':0,'hostID':100000,'size':65536}]"));
        check(same(json_array_get(get(s, "linux.namespaces"), 3), "{'type':'user'}"));
        check(same(mount_at(s, "/sys"),
                   "{'destination':'/sys','type':'bind','source':'/sys',"
                   "'options':['rprivate','nosuid','noexec','nodev','ro','rbind']}"));
        json_decref(s);

        o.ns[SPEC_NS_USER].mode = SPEC_NS_DEFAULT;
        o.ns[SPEC_NS_IPC] = (struct spec_ns){SPEC_NS_JOIN, "proc/1/ns/ipc"};
        check_str(build_err(&o, e),
                  "ipc namespace: path \"proc/1/ns/ipc\" is not an absolute path");
        o.ns[SPEC_NS_IPC] = (struct spec_ns){SPEC_NS_JOIN, NULL};
        check_str(build_err(&o, e), "ipc namespace: path \"\" is not an absolute path");
        o.ns[SPEC_NS_IPC] = (struct spec_ns){(enum spec_ns_mode)9, NULL};
        check_str(build_err(&o, e), "ipc namespace: invalid mode 9");

        /* the host's IPC namespace: the host's /dev/shm, as podman */
        o.ns[SPEC_NS_IPC] = (struct spec_ns){SPEC_NS_HOST, NULL};
        s = build(&o);
        check(same(mount_at(s, "/dev/shm"),
                   "{'destination':'/dev/shm','type':'bind','source':'/dev/shm',"
                   " 'options':['bind','rprivate','nosuid','noexec','nodev']}"));
        json_decref(s);
        json_decref(image);
        fixture_done(&f);
}

static void
test_sysctls(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s;
        const struct spec_kv ok[] = {
                {"net.ipv4.ip_unprivileged_port_start", "0"},
                {"net/ipv4/conf/eth0.100/forwarding", "1"},
                {"kernel.shm_rmid_forced", "1"},
                {"kernel.msgmax", "8192"},
                {"kernel.sem", "250 32000 32 128"},
                {"fs.mqueue.msg_max", "20"},
        };
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.sysctls = ok;
        o.n_sysctls = ELEMENTSOF(ok);
        s = build(&o);
        check(same(get(s, "linux.sysctl"),
                   "{'net.ipv4.ip_unprivileged_port_start':'0',"
                   " 'net.ipv4.conf.eth0/100.forwarding':'1','kernel.shm_rmid_forced':'1',"
                   " 'kernel.msgmax':'8192','kernel.sem':'250 32000 32 "
                   "128','fs.mqueue.msg_max':'20'}"));
        json_decref(s);
        {
                const struct spec_kv vm[] = {{"vm.swappiness", "10"}};
                const struct spec_kv semx[] = {{"kernel.semx", "1"}};
                const struct spec_kv host[] = {{"kernel.hostname", "x"}};

                o.sysctls = vm;
                o.n_sysctls = 1;
                check_str(build_err(&o, e),
                          "sysctl \"vm.swappiness\" is not namespaced: only net.*, kernel.shm*, "
                          "kernel.msg*, kernel.sem and fs.mqueue.* can be set");
                o.sysctls = semx;
                check(strstr(build_err(&o, e), "is not namespaced"));
                o.sysctls = host;
                check(strstr(build_err(&o, e), "is not namespaced"));
        }
        o.sysctls = ok;
        o.n_sysctls = 1;
        o.ns[SPEC_NS_NETWORK].mode = SPEC_NS_HOST;
        check_str(build_err(&o, e), "sysctl net.ipv4.ip_unprivileged_port_start: the container "
                                    "uses the host's network namespace");
        o.ns[SPEC_NS_NETWORK].mode = SPEC_NS_DEFAULT;
        o.sysctls = ok + 5;
        o.ns[SPEC_NS_IPC].mode = SPEC_NS_HOST;
        check_str(build_err(&o, e),
                  "sysctl fs.mqueue.msg_max: the container uses the host's IPC namespace");
        json_decref(image);
        fixture_done(&f);
}

static void
test_rlimits(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s, *def = default_rlimits();
        const struct spec_rlimit mine[] = {{"nofile", 100, 200}, {"RLIMIT_CORE", 0, 0}};
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.rlimits = mine;
        o.n_rlimits = ELEMENTSOF(mine);
        s = build(&o);
        /* the caller's replace the default of their type, the others stay */
        check(same(json_array_get(get(s, "process.rlimits"), 0),
                   "{'type':'RLIMIT_NOFILE','hard':200,'soft':100}"));
        check(same(json_array_get(get(s, "process.rlimits"), 1),
                   "{'type':'RLIMIT_CORE','hard':0,'soft':0}"));
        check(json_equal(json_array_get(get(s, "process.rlimits"), 2), json_array_get(def, 1)));
        check(json_array_size(get(s, "process.rlimits")) == 1 + json_array_size(def));
        json_decref(s);
        {
                const struct spec_rlimit bad[] = {{"nofiles", 1, 1}};
                const struct spec_rlimit inv[] = {{"nproc", 2, 1}};
                const struct spec_rlimit twice[] = {{"nproc", 1, 1}, {"RLIMIT_NPROC", 1, 1}};

                o.rlimits = bad;
                o.n_rlimits = 1;
                check_str(build_err(&o, e), "rlimits[0]: unknown type \"nofiles\"");
                o.rlimits = inv;
                check_str(build_err(&o, e),
                          "rlimit RLIMIT_NPROC: soft limit 2 is above the hard limit 1");
                o.rlimits = twice;
                o.n_rlimits = 2;
                check_str(build_err(&o, e), "rlimit RLIMIT_NPROC: given twice");
        }
        json_decref(def);
        json_decref(image);
        fixture_done(&f);
}

static void
test_devices(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        json_t *image = J("{'Cmd':['/bin/sh']}"), *s, *rules;
        /* the runtime makes the node in the container's cgroup: 'm' is added to "r" */
        const struct spec_device dev[] = {{"/dev/fuse", 'c', 10, 229, 0, 0, 0, NULL},
                                          {"/dev/sda", 'b', 8, 0, 0640, 0, 6, "r"}};
        char e[ERR_MAX];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.devices = dev;
        o.n_devices = 2;
        s = build(&o);
        check(same(get(s, "linux.devices"),
                   "[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,'uid':0,"
                   "  'gid':0},"
                   " {'path':'/dev/sda','type':'b','major':8,'minor':0,'fileMode':416,'uid':0,"
                   "  'gid':6}]"));
        rules = get(s, "linux.resources.devices");
        check(json_array_size(rules) == 12);
        check(same(json_array_get(rules, 10),
                   "{'allow':true,'type':'c','major':10,'minor':229,'access':'rwm'}"));
        check(same(json_array_get(rules, 11),
                   "{'allow':true,'type':'b','major':8,'minor':0,'access':'rm'}"));
        json_decref(s);
        {
                const struct spec_device bad[] = {{"/etc/x", 'c', 1, 1, 0, 0, 0, NULL}};

                o.devices = bad;
                o.n_devices = 1;
                check_str(build_err(&o, e), "device /etc/x is not under /dev");
        }
        json_decref(image);
        fixture_done(&f);
}

static void
test_utf8(void)
{
        struct fixture f = {0};
        struct spec_opts o = {0};
        const struct spec_env env[] = {{"BAD", "\xff\xfe", false}};
        json_t *image = J("{'Cmd':['/bin/sh']}");
        char e[ERR_MAX], want[128];

        fixture_setup(&f);
        o.rootfs = f.root;
        o.image_config = image;
        o.env = env;
        o.n_env = 1;
        (void)snprintf(want, sizeof(want),
                       "environment variable is not valid UTF-8 after \"BAD=\": %s",
                       strerror(EILSEQ));
        check_str(build_err(&o, e), want);
        json_decref(image);
        fixture_done(&f);
}

/* ---- runc ---- */

static bool
have_runc(void)
{
        const char *path = getenv("PATH");
        char buf[4096], *save = NULL;

        (void)snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
        for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                char p[4200];

                (void)snprintf(p, sizeof(p), "%s/runc", d);
                if (access(p, X_OK) == 0)
                        return true;
        }
        return false;
}

/* Run argv with stdout and stderr into out (up to size); its exit status, or -1. */
static int
run(char *const argv[], char *out, size_t size)
{
        int pfd[2], status;
        size_t len = 0;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -1;
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 ||
                    dup2(pfd[1], 2) < 0)
                        _exit(127);
                execvp(argv[0], argv);
                _exit(127);
        }
        (void)close(pfd[1]);
        for (;;) {
                ssize_t n = read(pfd[0], out + len, size - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len >= size - 1)
                        break;
        }
        out[len] = '\0';
        (void)close(pfd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* A rootfs of busybox-static: /bin/busybox, /bin/sh, and the files the mounts need. */
static bool
busybox_rootfs(const struct fixture *f)
{
        char path[256], buf[65536];
        int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC), out;
        ssize_t n;

        if (in < 0)
                return false;
        (void)snprintf(path, sizeof(path), "%s/bin", f->root);
        if (mkdir(path, 0755) < 0)
                abort();
        (void)snprintf(path, sizeof(path), "%s/bin/busybox", f->root);
        out = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        if (out < 0)
                abort();
        while ((n = read(in, buf, sizeof(buf))) > 0)
                if (write(out, buf, (size_t)n) != n)
                        abort();
        (void)close(in);
        (void)close(out);
        (void)snprintf(path, sizeof(path), "%s/bin/sh", f->root);
        if (symlink("busybox", path) < 0)
                abort();
        (void)snprintf(path, sizeof(path), "%s/hosts", f->dir);
        write_file(path, "127.0.0.1 localhost\n", 0644);
        (void)snprintf(path, sizeof(path), "%s/hostname", f->dir);
        write_file(path, "berth-test\n", 0644);
        (void)snprintf(path, sizeof(path), "%s/resolv.conf", f->dir);
        write_file(path, "nameserver 127.0.0.1\n", 0644);
        (void)snprintf(path, sizeof(path), "%s/bundle", f->dir);
        if (mkdir(path, 0700) < 0)
                abort();
        return true;
}

/* Build o's spec into DIR/bundle/config.json, run it with runc, output into out. */
static int
runc_run(const struct fixture *f, const struct spec_opts *o, const char *id, char *out, size_t size)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char bundle[256], config[300], state[256];
        char del_out[4096];
        json_t *spec = NULL;
        int rc;

        (void)snprintf(bundle, sizeof(bundle), "%s/bundle", f->dir);
        (void)snprintf(config, sizeof(config), "%s/config.json", bundle);
        (void)snprintf(state, sizeof(state), "%s/state", f->dir);
        if (spec_build(o, &spec, &err) < 0) {
                fprintf(stderr, "    spec_build: %s\n", err ? err->msg : "");
                return -1;
        }
        if (json_dump_file(spec, config, JSON_INDENT(2)) < 0)
                abort();
        json_decref(spec);
        {
                char *const argv[] = {"runc",     "--root", state,      "run",
                                      "--bundle", bundle,   (char *)id, NULL};

                rc = run(argv, out, size);
        }
        {
                char *const argv[] = {"runc",    "--root",   state, "delete",
                                      "--force", (char *)id, NULL};

                (void)run(argv, del_out, sizeof(del_out));
        }
        return rc;
}

/* the line of /proc/self/status that starts with key, as the container printed it */
static bool
has_line(const char *out, const char *line)
{
        size_t n = strlen(line);

        for (const char *p = out; (p = strstr(p, line)); p += n)
                if ((p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
                        return true;
        return false;
}

static void
test_runc(void)
{
        const char *const cmd[] = {
                "/bin/sh", "-c",
                "id; grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status; hostname; "
                "echo nofile=$(ulimit -n); echo env=$GREETING; pwd; cat /etc/hosts; "
                "awk '$5 == \"/proc/sys\" { split($6, o, \",\"); print \"procsys=\" o[1] } "
                "$5 == \"/proc/keys\" { print \"keys=masked\" }' /proc/self/mountinfo"};
        const struct spec_env env[] = {{"NAME", "berth", false},
                                       {"GREETING", "hello $(NAME)", false}};
        json_t *seccomp =
                J("{'defaultAction':'SCMP_ACT_ALLOW',"
                  " 'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'],"
                  " 'syscalls':[{'names':['mknod','mknodat'],'action':'SCMP_ACT_ERRNO'}]}");
        const uint32_t alice = 1000;
        const char *const add[] = {"NET_BIND_SERVICE"};
        struct fixture f = {0};
        struct spec_opts o = {0};
        char out[16384], id[64], line[128], hosts[256], hostname[256], resolv[256];
        json_t *def = default_rlimits();
        int rc;

        if (!have_runc()) {
                check_skip("runc is not installed");
                json_decref(seccomp);
                json_decref(def);
                return;
        }
        if (geteuid() != 0) {
                check_skip("runc needs root here");
                json_decref(seccomp);
                json_decref(def);
                return;
        }
        fixture_setup(&f);
        if (!busybox_rootfs(&f)) {
                check_skip("no /bin/busybox (busybox-static)");
                fixture_done(&f);
                json_decref(seccomp);
                json_decref(def);
                return;
        }
        (void)snprintf(hosts, sizeof(hosts), "%s/hosts", f.dir);
        (void)snprintf(hostname, sizeof(hostname), "%s/hostname", f.dir);
        (void)snprintf(resolv, sizeof(resolv), "%s/resolv.conf", f.dir);
        o.hosts_path = hosts;
        o.hostname_path = hostname;
        o.resolv_conf_path = resolv;
        o.rootfs = f.root;
        o.command = cmd;
        o.n_command = ELEMENTSOF(cmd);
        o.env = env;
        o.n_env = ELEMENTSOF(env);
        o.hostname = "berth-test";
        o.working_dir = "/etc";
        o.seccomp = seccomp;
        (void)snprintf(id, sizeof(id), "berth-test-spec-%d", (int)getpid());
        o.cgroups_path = NULL;

        rc = runc_run(&f, &o, id, out, sizeof(out));
        check(rc == 0);
        if (rc != 0)
                fprintf(stderr, "    runc said:\n%s\n", out);
        check(has_line(out, "uid=0(root) gid=0(root)"));
        check(has_line(out, "CapEff:\t00000000800405fb")); /* podman's 11 */
        check(has_line(out, "CapBnd:\t00000000800405fb"));
        check(has_line(out, "NoNewPrivs:\t1"));
        check(has_line(out, "Seccomp:\t2"));
        check(has_line(out, "berth-test"));
        check(has_line(out, "env=hello berth"));
        check(has_line(out, "/etc"));
        check(has_line(out, "127.0.0.1 localhost"));
        check(has_line(out, "procsys=ro"));
        check(has_line(out, "keys=masked"));
        (void)snprintf(line, sizeof(line), "nofile=%" JSON_INTEGER_FORMAT,
                       json_integer_value(json_object_get(json_array_get(def, 0), "hard")));
        check(has_line(out, line));

        /* alice, with one capability added: hers in CapEff; no seccomp, privileges may rise */
        o.run_as_user = &alice;
        o.cap_add = add;
        o.n_cap_add = 1;
        o.seccomp = NULL;
        o.allow_privilege_escalation = true;
        rc = runc_run(&f, &o, id, out, sizeof(out));
        check(rc == 0);
        if (rc != 0)
                fprintf(stderr, "    runc said:\n%s\n", out);
        check(has_line(out, "uid=1000(alice) gid=1000(alice) groups=10(wheel),1000(alice)"));
        check(has_line(out, "CapEff:\t0000000000000400"));
        check(has_line(out, "NoNewPrivs:\t0"));
        check(has_line(out, "Seccomp:\t0"));

        /* privileged: every capability berth has, no seccomp, nothing masked */
        o.run_as_user = NULL;
        o.n_cap_add = 0;
        o.allow_privilege_escalation = false;
        o.seccomp = seccomp;
        o.privileged = true;
        rc = runc_run(&f, &o, id, out, sizeof(out));
        check(rc == 0);
        if (rc != 0)
                fprintf(stderr, "    runc said:\n%s\n", out);
        {
                uint64_t mask = 0;

                for (int c = 0; c < 64; c++)
                        if (host_has_cap(c))
                                mask |= UINT64_C(1) << c;
                (void)snprintf(line, sizeof(line), "CapEff:\t%016" PRIx64, mask);
                check(has_line(out, line));
        }
        check(has_line(out, "Seccomp:\t0"));
        check(has_line(out, "NoNewPrivs:\t0"));
        check(!strstr(out, "procsys="));
        check(!strstr(out, "keys="));
        json_decref(seccomp);
        json_decref(def);
        fixture_done(&f);
}

int
main(void)
{
        RUN(test_default_exact);
        RUN(test_command_args);
        RUN(test_expand);
        RUN(test_env);
        RUN(test_user);
        RUN(test_workdir);
        RUN(test_caps);
        RUN(test_privileged);
        RUN(test_security);
        RUN(test_resources);
        RUN(test_mounts);
        RUN(test_readonly);
        RUN(test_namespaces);
        RUN(test_sysctls);
        RUN(test_rlimits);
        RUN(test_devices);
        RUN(test_utf8);
        RUN(test_runc);
        return check_done();
}
