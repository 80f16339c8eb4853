/* tests/unit/kube/test-decode-security.c: security contexts through the public reader */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "pod.yaml"
#include "kube-test.h"

/* Lines 1-9; what a test adds starts on line 10, at column 7 in the container's securityContext. */
#define POD KT_POD_ONE_CONTAINER "    securityContext:\n"

/* Lines 1-6; what a test adds starts on line 7, at column 5 in the pod's securityContext. */
#define POD_SC             \
        "apiVersion: v1\n" \
        "kind: Pod\n"      \
        "metadata:\n"      \
        "  name: web\n"    \
        "spec:\n"          \
        "  securityContext:\n"
#define CONTAINERS        \
        "  containers:\n" \
        "  - name: app\n" \
        "    image: nginx\n"

/* the first warning's message, or "(no warning)" */
static const char *
first_warning(const struct kube_doc *d, enum kube_diag_kind kind)
{
        for (size_t i = 0; i < d->n_diags; i++)
                if (d->diags[i].severity == KUBE_WARNING && d->diags[i].kind == kind)
                        return d->diags[i].msg;
        return "(no warning)";
}

/* ------------------------------------------------------------ containers */

static void
test_container_valid(void)
{
        static const char y[] = POD "      runAsUser: 1000\n"
                                    "      runAsGroup: 2000\n"
                                    "      runAsNonRoot: true\n"
                                    "      privileged: false\n"
                                    "      capabilities:\n"
                                    "        add: [NET_BIND_SERVICE, CAP_CHOWN]\n"
                                    "        drop: [ALL]\n"
                                    "      readOnlyRootFilesystem: true\n"
                                    "      allowPrivilegeEscalation: false\n"
                                    "      seccompProfile:\n"
                                    "        type: Localhost\n"
                                    "        localhostProfile: profiles/web.json\n"
                                    "      seLinuxOptions:\n"
                                    "        level: s0:c123,c456\n"
                                    "      procMount: Default\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_security_context *sc = container(d)->security_context;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(d->n_diags == 0);
        check(sc != NULL);
        if (!sc)
                return;
        check(sc->run_as_user.set && sc->run_as_user.v == 1000);
        check(sc->run_as_group.set && sc->run_as_group.v == 2000);
        check(sc->run_as_non_root.set && sc->run_as_non_root.v);
        check(sc->privileged.set && !sc->privileged.v);
        check(sc->read_only_root_filesystem.set && sc->read_only_root_filesystem.v);
        check(sc->allow_privilege_escalation.set && !sc->allow_privilege_escalation.v);
        check(sc->capabilities && sc->capabilities->n_add == 2 && sc->capabilities->n_drop == 1);
        if (sc->capabilities && sc->capabilities->n_add == 2 && sc->capabilities->n_drop == 1) {
                check_str(sc->capabilities->add[0], "NET_BIND_SERVICE");
                check_str(sc->capabilities->add[1], "CAP_CHOWN");
                check_str(sc->capabilities->drop[0], "ALL");
        }
        check(sc->seccomp_profile != NULL);
        if (sc->seccomp_profile) {
                check_str(sc->seccomp_profile->type, "Localhost");
                check_str(sc->seccomp_profile->localhost_profile, "profiles/web.json");
        }
        check(sc->se_linux_options && sc->se_linux_options->user == NULL);
        if (sc->se_linux_options)
                check_str(sc->se_linux_options->level, "s0:c123,c456");
        check_str(sc->proc_mount, "Default");
}

static void
test_container_unset(void)
{
        static const char y[] = POD "      readOnlyRootFilesystem: true\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_security_context *sc = container(d)->security_context;

        check(d->n_errors == 0);
        check(sc && !sc->run_as_user.set && !sc->run_as_non_root.set && !sc->privileged.set);
        check(sc && !sc->allow_privilege_escalation.set && !sc->capabilities);
        check(sc && !sc->seccomp_profile && !sc->proc_mount);
}

static void
test_run_as_user_negative(void)
{
        check_error(POD "      runAsUser: -1\n",
                    "pod.yaml:10:18: spec.containers[0].securityContext.runAsUser: -1 is out of "
                    "range, expected 0 or more");
}

static void
test_run_as_group_too_big(void)
{
        check_error(POD "      runAsGroup: 4294967295\n",
                    "pod.yaml:10:19: spec.containers[0].securityContext.runAsGroup: 4294967295 is "
                    "out of range, expected 0-2147483647");
}

static void
test_run_as_root_non_root(void)
{
        check_error(POD "      runAsNonRoot: true\n"
                        "      runAsUser: 0\n",
                    "pod.yaml:11:18: spec.containers[0].securityContext.runAsUser: 0 is root while "
                    "runAsNonRoot is true, which the kubelet refuses to start, expected a non-zero "
                    "user id");
}

static void
test_run_as_root_allowed(void)
{
        static const char y[] = POD "      runAsNonRoot: false\n"
                                    "      runAsUser: 0\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
}

static void
test_capability_invalid(void)
{
        check_error(POD "      capabilities:\n"
                        "        add: [NET_ADMIN, net_raw]\n",
                    "pod.yaml:11:26: spec.containers[0].securityContext.capabilities.add[1]: "
                    "\"net_raw\" is not valid, expected a Linux capability name in uppercase, such "
                    "as NET_ADMIN or CAP_NET_ADMIN, or ALL");
        check_error(POD "      capabilities:\n"
                        "        drop: [CAP_TIME_TRAVEL]\n",
                    "pod.yaml:11:16: spec.containers[0].securityContext.capabilities.drop[0]: "
                    "\"CAP_TIME_TRAVEL\" is not valid, expected a Linux capability name such as "
                    "NET_ADMIN or CAP_NET_ADMIN, or ALL");
}

static void
test_privileged_no_escalation(void)
{
        check_error(POD "      privileged: true\n"
                        "      allowPrivilegeEscalation: false\n",
                    "pod.yaml:11:33: spec.containers[0].securityContext.allowPrivilegeEscalation: "
                    "false is not allowed with privileged true (a privileged container can always "
                    "gain privileges), expected true or no value");
}

static void
test_sys_admin_no_escalation(void)
{
        check_error(POD "      allowPrivilegeEscalation: false\n"
                        "      capabilities:\n"
                        "        add:\n"
                        "        - CAP_SYS_ADMIN\n",
                    "pod.yaml:13:11: spec.containers[0].securityContext.capabilities.add[0]: "
                    "\"CAP_SYS_ADMIN\" is not allowed with allowPrivilegeEscalation false (it can "
                    "regain privileges), expected allowPrivilegeEscalation true or no "
                    "CAP_SYS_ADMIN");
        /* podman takes the name without CAP_ the same way */
        check_error(POD "      allowPrivilegeEscalation: false\n"
                        "      capabilities:\n"
                        "        add: [CHOWN, SYS_ADMIN]\n",
                    "pod.yaml:12:22: spec.containers[0].securityContext.capabilities.add[1]: "
                    "\"SYS_ADMIN\" is not allowed with allowPrivilegeEscalation false (it can "
                    "regain privileges), expected allowPrivilegeEscalation true or no SYS_ADMIN");
}

static void
test_sys_admin_with_escalation(void)
{
        static const char y[] = POD "      allowPrivilegeEscalation: true\n"
                                    "      privileged: true\n"
                                    "      capabilities:\n"
                                    "        add: [SYS_ADMIN]\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
}

static void
test_proc_mount(void)
{
        check_error(POD "      procMount: Masked\n",
                    "pod.yaml:10:18: spec.containers[0].securityContext.procMount: \"Masked\" is "
                    "not valid, expected Default or Unmasked");
}

static void
test_seccomp_type_missing(void)
{
        check_error(POD "      seccompProfile:\n"
                        "        localhostProfile: a.json\n",
                    "pod.yaml:11:9: spec.containers[0].securityContext.seccompProfile.type: "
                    "missing, expected a string");
}

static void
test_seccomp_type_invalid(void)
{
        check_error(POD "      seccompProfile:\n"
                        "        type: docker/default\n",
                    "pod.yaml:11:15: spec.containers[0].securityContext.seccompProfile.type: "
                    "\"docker/default\" is not valid, expected RuntimeDefault, Unconfined or "
                    "Localhost");
}

static void
test_seccomp_localhost_missing(void)
{
        check_error(POD "      seccompProfile:\n"
                        "        type: Localhost\n",
                    "pod.yaml:11:9: "
                    "spec.containers[0].securityContext.seccompProfile.localhostProfile: missing, "
                    "expected the profile's path, relative to the seccomp profile directory, when "
                    "type is Localhost");
}

static void
test_seccomp_localhost_not_localhost(void)
{
        check_error(POD "      seccompProfile:\n"
                        "        type: RuntimeDefault\n"
                        "        localhostProfile: a.json\n",
                    "pod.yaml:12:27: "
                    "spec.containers[0].securityContext.seccompProfile.localhostProfile: "
                    "\"a.json\" is set with type RuntimeDefault, expected localhostProfile only "
                    "with type Localhost");
}

static void
test_seccomp_localhost_absolute(void)
{
        check_error(POD "      seccompProfile:\n"
                        "        type: Localhost\n"
                        "        localhostProfile: /etc/seccomp/a.json\n",
                    "pod.yaml:12:27: "
                    "spec.containers[0].securityContext.seccompProfile.localhostProfile: "
                    "\"/etc/seccomp/a.json\" is not valid, expected a relative path, not starting "
                    "with '/'");
        check_error(POD "      seccompProfile:\n"
                        "        type: Localhost\n"
                        "        localhostProfile: ../a.json\n",
                    "pod.yaml:12:27: "
                    "spec.containers[0].securityContext.seccompProfile.localhostProfile: "
                    "\"../a.json\" is not valid, expected a relative path without '..' elements");
}

static void
test_container_ignored(void)
{
        static const char y[] = POD "      appArmorProfile:\n"
                                    "        type: RuntimeDefault\n"
                                    "      windowsOptions:\n"
                                    "        runAsUserName: ContainerUser\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        size_t ignored = 0;

        check(d->n_errors == 0);
        for (size_t i = 0; i < d->n_diags; i++) {
                const struct kube_diag *g = &d->diags[i];

                if (g->kind != KUBE_DIAG_IGNORED)
                        continue;
                ignored++;
                if (strcmp(g->path, "spec.containers[0].securityContext.appArmorProfile") == 0) {
                        check(g->loc.line == 10 && g->loc.col == 7);
                        check_str(g->msg, "ignored: berth does not load AppArmor profiles");
                } else {
                        check_str(g->path, "spec.containers[0].securityContext.windowsOptions");
                        check_str(g->msg, "ignored: berth runs Linux containers only");
                }
        }
        check(ignored == 2);
}

/* ------------------------------------------------------------ pods */

static void
test_pod_valid(void)
{
        static const char y[] = POD_SC "    runAsUser: 1000\n"
                                       "    runAsGroup: 1000\n"
                                       "    runAsNonRoot: true\n"
                                       "    fsGroup: 2000\n"
                                       "    fsGroupChangePolicy: OnRootMismatch\n"
                                       "    supplementalGroups: [4000, 0]\n"
                                       "    supplementalGroupsPolicy: Strict\n"
                                       "    sysctls:\n"
                                       "    - name: net.core.somaxconn\n"
                                       "      value: \"1024\"\n"
                                       "    - name: kernel/shm_rmid_forced\n"
                                       "      value: \"1\"\n"
                                       "    seccompProfile:\n"
                                       "      type: RuntimeDefault\n"
                                       "    seLinuxOptions:\n"
                                       "      type: spc_t\n" CONTAINERS;
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_pod_security_context *sc = d->objects[0].pod->spec.security_context;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(d->n_diags == 0);
        check(sc != NULL);
        if (!sc)
                return;
        check(sc->run_as_user.set && sc->run_as_user.v == 1000);
        check(sc->run_as_group.set && sc->run_as_group.v == 1000);
        check(sc->run_as_non_root.set && sc->run_as_non_root.v);
        check(sc->fs_group.set && sc->fs_group.v == 2000);
        check_str(sc->fs_group_change_policy, "OnRootMismatch");
        check(sc->n_supplemental_groups == 2);
        if (sc->n_supplemental_groups == 2)
                check(sc->supplemental_groups[0] == 4000 && sc->supplemental_groups[1] == 0);
        check(sc->n_sysctls == 2);
        if (sc->n_sysctls == 2) {
                check_str(sc->sysctls[0].name, "net.core.somaxconn");
                check_str(sc->sysctls[0].value, "1024");
                check_str(sc->sysctls[1].name, "kernel/shm_rmid_forced");
                check_str(sc->sysctls[1].value, "1");
        }
        check(sc->seccomp_profile && !sc->seccomp_profile->localhost_profile);
        if (sc->seccomp_profile)
                check_str(sc->seccomp_profile->type, "RuntimeDefault");
        check(sc->se_linux_options != NULL);
        if (sc->se_linux_options)
                check_str(sc->se_linux_options->type, "spc_t");
}

static void
test_pod_fs_group(void)
{
        check_error(POD_SC "    fsGroup: -5\n" CONTAINERS,
                    "pod.yaml:7:14: spec.securityContext.fsGroup: -5 is out of range, expected 0 "
                    "or more");
}

static void
test_pod_fs_group_change_policy(void)
{
        check_error(POD_SC "    fsGroupChangePolicy: Never\n" CONTAINERS,
                    "pod.yaml:7:26: spec.securityContext.fsGroupChangePolicy: \"Never\" is not "
                    "valid, expected OnRootMismatch or Always");
}

static void
test_pod_supplemental_groups(void)
{
        check_error(POD_SC "    supplementalGroups: [10, -1]\n" CONTAINERS,
                    "pod.yaml:7:30: spec.securityContext.supplementalGroups[1]: -1 is out of "
                    "range, expected 0 or more");
}

static void
test_pod_supplemental_groups_policy(void)
{
        check_error(POD_SC "    supplementalGroupsPolicy: Loose\n" CONTAINERS,
                    "pod.yaml:7:31: spec.securityContext.supplementalGroupsPolicy: \"Loose\" is "
                    "not valid, expected Merge or Strict");
        check_error(POD_SC "    supplementalGroupsPolicy: [Merge]\n" CONTAINERS,
                    "pod.yaml:7:31: spec.securityContext.supplementalGroupsPolicy: found a list, "
                    "expected a string");
}

static void
test_pod_sysctl_name(void)
{
        check_error(POD_SC "    sysctls:\n"
                           "    - name: net..core\n"
                           "      value: \"1\"\n" CONTAINERS,
                    "pod.yaml:8:13: spec.securityContext.sysctls[0].name: \"net..core\" is not "
                    "valid, expected a sysctl name: at most 253 characters, parts of lowercase "
                    "letters, digits, '-' and '_' starting and ending with a letter or digit, "
                    "joined by '.' or '/' (e.g. 'net.ipv4.ip_forward')");
}

static void
test_pod_sysctl_duplicate(void)
{
        check_error(POD_SC "    sysctls:\n"
                           "    - name: net.core.somaxconn\n"
                           "      value: \"1024\"\n"
                           "    - name: net.core.somaxconn\n"
                           "      value: \"4096\"\n" CONTAINERS,
                    "pod.yaml:10:13: spec.securityContext.sysctls[1].name: \"net.core.somaxconn\" "
                    "is already set by sysctls[0], expected each sysctl once");
}

static void
test_pod_sysctl_value_missing(void)
{
        check_error(POD_SC "    sysctls:\n"
                           "    - name: net.core.somaxconn\n" CONTAINERS,
                    "pod.yaml:8:7: spec.securityContext.sysctls[0].value: missing, expected a "
                    "string");
}

static void
test_pod_run_as_root_non_root(void)
{
        check_error(POD_SC "    runAsUser: 0\n"
                           "    runAsNonRoot: true\n" CONTAINERS,
                    "pod.yaml:7:16: spec.securityContext.runAsUser: 0 is root while runAsNonRoot "
                    "is true, which the kubelet refuses to start, expected a non-zero user id");
}

static void
test_pod_seccomp(void)
{
        check_error(POD_SC "    seccompProfile:\n"
                           "      type: Localhost\n" CONTAINERS,
                    "pod.yaml:8:7: spec.securityContext.seccompProfile.localhostProfile: missing, "
                    "expected the profile's path, relative to the seccomp profile directory, when "
                    "type is Localhost");
}

static void
test_pod_ignored(void)
{
        static const char y[] = POD_SC "    seLinuxChangePolicy: MountOption\n" CONTAINERS;
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);

        check(d->n_errors == 0);
        check_str(first_warning(d, KUBE_DIAG_IGNORED),
                  "ignored: berth does not choose how volumes are relabelled for SELinux");
}

int
main(void)
{
        RUN(test_container_valid);
        RUN(test_container_unset);
        RUN(test_run_as_user_negative);
        RUN(test_run_as_group_too_big);
        RUN(test_run_as_root_non_root);
        RUN(test_run_as_root_allowed);
        RUN(test_capability_invalid);
        RUN(test_privileged_no_escalation);
        RUN(test_sys_admin_no_escalation);
        RUN(test_sys_admin_with_escalation);
        RUN(test_proc_mount);
        RUN(test_seccomp_type_missing);
        RUN(test_seccomp_type_invalid);
        RUN(test_seccomp_localhost_missing);
        RUN(test_seccomp_localhost_not_localhost);
        RUN(test_seccomp_localhost_absolute);
        RUN(test_container_ignored);
        RUN(test_pod_valid);
        RUN(test_pod_fs_group);
        RUN(test_pod_fs_group_change_policy);
        RUN(test_pod_supplemental_groups);
        RUN(test_pod_supplemental_groups_policy);
        RUN(test_pod_sysctl_name);
        RUN(test_pod_sysctl_duplicate);
        RUN(test_pod_sysctl_value_missing);
        RUN(test_pod_run_as_root_non_root);
        RUN(test_pod_seccomp);
        RUN(test_pod_ignored);
        return check_done();
}
