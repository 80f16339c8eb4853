/* tests/unit/runtime/test-oci.c: config.json as the built-in executor reads it */
#include <errno.h>
#include <jansson.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>

#include "check.h"
#include "runtime/oci.h"
#include "util/berr.h"

static const char *const good =
        "{\"ociVersion\": \"1.1.0\","
        " \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
        " \"hostname\": \"box\","
        " \"annotations\": {\"io.berth.rootfs.overlay\": \"lowerdir=/l,upperdir=/u,workdir=/w\"},"
        " \"process\": {\"terminal\": false, \"args\": [\"sh\", \"-c\", \"true\"],"
        "   \"env\": [\"PATH=/bin\"], \"cwd\": \"/\","
        "   \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18, \"additionalGids\": [10, 20]},"
        "   \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\", \"CAP_NO_SUCH\"],"
        "                      \"effective\": [\"CAP_KILL\"]},"
        "   \"noNewPrivileges\": true,"
        "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 512}],"
        "   \"oomScoreAdj\": 100},"
        " \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\","
        "               \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
        "              {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
        "               \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
        "              {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"data\","
        "               \"options\": [\"rbind\", \"ro\", \"rprivate\"]},"
        "              {\"destination\": \"/run\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
        "               \"options\": [\"rw\", \"tmpcopyup\"]}],"
        " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"},"
        "             {\"type\": \"uts\"}, {\"type\": \"network\", \"path\": \"/proc/1/ns/net\"}],"
        "   \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": "
        "229}],"
        "   \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
        "   \"sysctl\": {\"net.ipv4.ping_group_range\": \"0 0\"},"
        "   \"cgroupsPath\": \"/berth/x\","
        "   \"resources\": {\"memory\": {\"limit\": 1048576}},"
        "   \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\"}}}";

static void
test_reads_a_whole_spec(void)
{
        json_t *j = json_loads(good, 0, NULL);
        struct oci_config c;
        struct berr *err = NULL;

        check(j);
        check(oci_config_read(j, "/bundle", "config.json", &c, &err) == 0);
        check(!err);
        check_str(c.root_path, "/bundle/rootfs");
        check(c.root_readonly);
        check_str(c.overlay, "lowerdir=/l,upperdir=/u,workdir=/w");
        check_str(c.hostname, "box");
        check_str(c.args[0], "sh");
        check(c.args[3] == NULL);
        check_str(c.env[0], "PATH=/bin");
        check(c.uid == 1000 && c.gid == 100 && c.has_umask && c.umask == 022);
        check(c.n_groups == 2 && c.groups[0] == 10 && c.groups[1] == 20);
        /* a capability libcap does not know is left out, as runc does */
        check(c.caps.bounding == ((1ULL << 0) | (1ULL << 5)));
        check(c.caps.effective == (1ULL << 5));
        check(c.no_new_privs);
        check(c.n_rlimits == 1 && c.rlimits[0].resource == RLIMIT_NOFILE &&
              c.rlimits[0].limit.rlim_cur == 512 && c.rlimits[0].limit.rlim_max == 1024);
        check(c.has_oom_score_adj && c.oom_score_adj == 100);
        check(c.n_mounts == 4);
        check(c.mounts[0].flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV) && !c.mounts[0].data);
        check_str(c.mounts[1].data, "mode=755,size=65536k");
        check(c.mounts[1].flags & MS_STRICTATIME);
        check(c.mounts[2].bind && c.mounts[2].recursive && (c.mounts[2].flags & MS_RDONLY));
        check_str(c.mounts[2].source, "/bundle/data");
        check(c.mounts[2].propagation == (MS_PRIVATE | MS_REC));
        check(c.mounts[3].tmpcopyup && !c.mounts[3].data);
        check(c.ns[OCI_NS_PID].enabled && !c.ns[OCI_NS_PID].path);
        check_str(c.ns[OCI_NS_NET].path, "/proc/1/ns/net");
        check(!c.ns[OCI_NS_IPC].enabled);
        check(c.n_devices == 1 && c.devices[0].dev == makedev(10, 229) &&
              c.devices[0].mode == 0666);
        check_str(c.masked_paths[0], "/proc/kcore");
        check_str(c.readonly_paths[0], "/proc/sys");
        check(c.n_sysctls == 1);
        check_str(c.sysctls[0].key, "net.ipv4.ping_group_range");
        check_str(c.cgroups_path, "/berth/x");
        check(json_is_object(c.resources) && json_is_object(c.seccomp));
        check(c.rootfs_propagation == (MS_SLAVE | MS_REC));
        oci_config_clear(&c);
        json_decref(j);
}

/* the spec with one thing changed (a JSON merge of patch) must fail with want in the message */
static bool
refused(const char *patch_path, const char *value, const char *want)
{
        json_t *j = json_loads(good, 0, NULL), *v = json_loads(value, JSON_DECODE_ANY, NULL);
        char *path = strdup(patch_path), *save = NULL, *k, *next;
        json_t *o = j;
        struct oci_config c;
        struct berr *err = NULL;
        bool ok;

        for (k = strtok_r(path, ".", &save); (next = strtok_r(NULL, ".", &save)); k = next)
                o = json_object_get(o, k);
        if (json_is_null(v))
                json_object_del(o, k);
        else
                json_object_set(o, k, v);
        ok = oci_config_read(j, "/b", "config.json", &c, &err) < 0 && err &&
             strstr(err->msg, want) && strncmp(err->msg, "config.json: ", 13) == 0;
        if (!ok)
                fprintf(stderr, "  %s=%s: %s\n", patch_path, value, err ? err->msg : "accepted");
        berr_free(err);
        json_decref(v);
        json_decref(j);
        free(path);
        return ok;
}

static void
test_refuses_bad_fields(void)
{
        check(refused("root", "null", "root: expected an object with a path"));
        check(refused("process.args", "[]", "process.args: expected at least the program"));
        check(refused("process.args", "[1]", "process.args[0]: expected a string"));
        check(refused("process.cwd", "\"tmp\"", "is not an absolute path"));
        check(refused("process.cwd", "null", "process.cwd: missing"));
        check(refused("process.user", "{\"uid\": -1}", "process.user.uid: expected an integer"));
        check(refused("process.rlimits", "[{\"type\": \"RLIMIT_NOPE\", \"hard\": 1, \"soft\": 1}]",
                      "is not a resource limit"));
        check(refused("process.rlimits",
                      "[{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1, \"soft\": 2}]",
                      "soft limit 2 is above the hard limit 1"));
        check(refused("process.oomScoreAdj", "1001", "expected -1000 to 1000"));
        check(refused("mounts", "[{\"destination\": \"../etc\", \"type\": \"tmpfs\"}]",
                      "must be an absolute path without"));
        check(refused("mounts", "[{\"destination\": \"/a/../b\", \"type\": \"tmpfs\"}]",
                      "must be an absolute path without"));
        check(refused("mounts", "[{\"destination\": \"/a\", \"type\": \"bind\"}]",
                      "a bind mount needs a source"));
        check(refused("mounts", "[{\"destination\": \"/a\"}]", "type: missing"));
        check(refused("mounts",
                      "[{\"destination\": \"/a\", \"type\": \"tmpfs\", \"options\": [\"a,b\"]}]",
                      "holds a comma"));
        check(refused("linux.namespaces", "[{\"type\": \"pid\"}, {\"type\": \"pid\"}]",
                      "listed twice"));
        check(refused("linux.namespaces", "[{\"type\": \"nope\"}]", "is not a namespace type"));
        check(refused("linux.namespaces", "[{\"type\": \"uts\", \"path\": \"x\"}]",
                      "is not an absolute path"));
        check(refused("linux.maskedPaths", "[\"/proc/../etc\"]", "is not a safe path"));
        check(refused("linux.sysctl", "{\"../../etc/x\": \"1\"}", "is not a sysctl name"));
        check(refused("linux.devices", "[{\"path\": \"/etc/passwd\", \"type\": \"c\"}]",
                      "is not a path under /dev"));
        check(refused("linux.rootfsPropagation", "\"sideways\"", "is not a propagation type"));
        check(refused("linux.namespaces", "[{\"type\": \"pid\"}]",
                      "hostname: set, but the container has no UTS namespace"));
}

static void
test_names(void)
{
        check(oci_cap_from_name("CAP_SYS_ADMIN") == 21);
        check(oci_cap_from_name("cap_chown") == 0);
        check(oci_cap_from_name("SYS_ADMIN") == -1);
        check(oci_cap_from_name("CAP_NOPE") == -1);
        check(oci_rlimit_from_name("RLIMIT_NPROC") == RLIMIT_NPROC);
        check(oci_rlimit_from_name("NOFILE") == -1);
}

static void
test_mount_options(void)
{
        struct oci_mount m = {0};
        json_t *o = json_loads("[\"ro\", \"rw\", \"nosuid\", \"suid\", \"noexec\", \"rshared\", "
                               "\"size=1m\", \"mode=700\"]",
                               0, NULL);

        check(oci_mount_options(o, &m, NULL) == 0);
        /* the last of two opposites wins */
        check(!(m.flags & MS_RDONLY) && (m.clear_flags & MS_RDONLY));
        check(!(m.flags & MS_NOSUID) && (m.flags & MS_NOEXEC));
        check(m.propagation == (MS_SHARED | MS_REC));
        check_str(m.data, "size=1m,mode=700");
        free(m.data);
        json_decref(o);
}

int
main(void)
{
        RUN(test_reads_a_whole_spec);
        RUN(test_refuses_bad_fields);
        RUN(test_names);
        RUN(test_mount_options);
        return check_done();
}
