/* tests/unit/reconcile/test-security.c: pod and container securityContext merged; runAsNonRoot */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "reconcile/container-spec.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define ROOT "/var/lib/berth/seccomp"

static void
security_donep(struct cspec_security *s)
{
        cspec_security_done(s);
}

/* strv joined with ',' (static buffer) */
static const char *
joined(char *const *v)
{
        static char buf[1024];
        size_t k = 0;

        buf[0] = '\0';
        for (size_t i = 0; v && v[i]; i++)
                k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? "," : "", v[i]);
        return buf;
}

/* build into *s; the error message (static copy) or "(no error)" */
static const char *
build(const struct kube_pod_security_context *pod, const struct kube_security_context *ctr,
      const char *root, struct cspec_security *s, int *ret)
{
        static char buf[512];
        _cleanup_(berr_freep) struct berr *err = NULL;

        *ret = cspec_security_build(pod, ctr, root, s, &err);
        snprintf(buf, sizeof(buf), "%s", err ? err->msg : "(no error)");
        return buf;
}

static void
test_defaults(void)
{
        _cleanup_(security_donep) struct cspec_security s = {0};
        int r;

        build(NULL, NULL, ROOT, &s, &r);
        check(r == 0);
        check(!s.run_as_user_set && !s.run_as_group_set && !s.fs_group_set);
        check(!s.run_as_non_root && !s.privileged && !s.read_only_root_filesystem);
        /* allowPrivilegeEscalation unset: no no_new_privs (kubelet and podman kube play) */
        check(!s.no_new_privs);
        /* seccompProfile unset: the default profile (podman), not Unconfined (kubelet) */
        check(s.seccomp == CSPEC_SECCOMP_DEFAULT && !s.seccomp_profile);
        check(s.cap_add && !s.cap_add[0] && s.cap_drop && !s.cap_drop[0]);
        check(s.sysctls && !s.sysctls[0]);
        check(s.n_supplemental_groups == 0 && !s.supplemental_groups);
        check(!s.proc_unmasked && !s.selinux_type);
}

static void
test_pod_and_container_merge(void)
{
        struct kube_selinux_options pod_se = {.type = "pod_t", .level = "s0:c1"};
        struct kube_selinux_options ctr_se = {.level = "s0:c2"};
        struct kube_pod_security_context pod = {
                .run_as_user = {true, 1000},
                .run_as_group = {true, 3000},
                .run_as_non_root = {true, true},
                .fs_group = {true, 2000},
                .supplemental_groups = (int64_t[]){4000, 5000},
                .n_supplemental_groups = 2,
                .sysctls = (struct kube_sysctl[]){{"net.ipv4.ip_unprivileged_port_start", "0"},
                                                  {"kernel.shm_rmid_forced", "1"}},
                .n_sysctls = 2,
                .se_linux_options = &pod_se,
        };
        struct kube_security_context ctr = {
                .run_as_user = {true, 2000},
                .run_as_non_root = {true, false},
                .se_linux_options = &ctr_se,
        };
        _cleanup_(security_donep) struct cspec_security s = {0}, p = {0};
        int r;

        build(&pod, &ctr, ROOT, &s, &r);
        check(r == 0);
        check(s.run_as_user_set && s.run_as_user == 2000);   /* the container's */
        check(s.run_as_group_set && s.run_as_group == 3000); /* the pod's */
        check(!s.run_as_non_root);                           /* the container's false */
        check(s.fs_group_set && s.fs_group == 2000);
        /* fsGroup first, then supplementalGroups */
        check(s.n_supplemental_groups == 3);
        check(s.n_supplemental_groups == 3 && s.supplemental_groups[0] == 2000 &&
              s.supplemental_groups[1] == 4000 && s.supplemental_groups[2] == 5000);
        check_str(joined(s.sysctls),
                  "net.ipv4.ip_unprivileged_port_start=0,kernel.shm_rmid_forced=1");
        /* seLinuxOptions are taken whole from one side */
        check(!s.selinux_type);
        check_str(s.selinux_level, "s0:c2");

        /* the pod's alone */
        build(&pod, NULL, ROOT, &p, &r);
        check(r == 0);
        check(p.run_as_user == 1000 && p.run_as_non_root);
        check_str(p.selinux_type, "pod_t");
        check_str(p.selinux_level, "s0:c1");
}

static void
test_container_only_fields(void)
{
        struct kube_security_context ctr = {
                .privileged = {true, false},
                .read_only_root_filesystem = {true, true},
                .allow_privilege_escalation = {true, false},
                .proc_mount = "Unmasked",
        };
        _cleanup_(security_donep) struct cspec_security a = {0}, b = {0}, c = {0};
        int r;

        build(NULL, &ctr, ROOT, &a, &r);
        check(r == 0);
        check(!a.privileged && a.read_only_root_filesystem && a.no_new_privs && a.proc_unmasked);

        ctr.allow_privilege_escalation.v = true;
        ctr.proc_mount = "Default";
        build(NULL, &ctr, ROOT, &b, &r);
        check(r == 0);
        check(!b.no_new_privs && !b.proc_unmasked);

        ctr.proc_mount = "Masked";
        check_str(build(NULL, &ctr, ROOT, &c, &r),
                  "procMount \"Masked\" is not valid, expected Default or Unmasked");
        check(r == -EINVAL);
}

/* The error of a container adding add and dropping drop (one name each; NULL: none). */
static const char *
cap_error(const char *add, const char *drop, struct cspec_security *s)
{
        struct kube_capabilities caps = {
                .add = &add, .n_add = add ? 1 : 0, .drop = &drop, .n_drop = drop ? 1 : 0};
        struct kube_security_context ctr = {.capabilities = &caps};
        int r;
        const char *msg = build(NULL, &ctr, ROOT, s, &r);

        return r == -EINVAL ? msg : "(not -EINVAL)";
}

static void
test_capabilities(void)
{
        const char *add[] = {"NET_ADMIN", "cap_sys_time", "CAP_NET_ADMIN",
                             "Net_Raw",   "all",          "CHECKPOINT_RESTORE"};
        const char *drop[] = {"ALL", "chown"};
        struct kube_capabilities caps = {.add = add, .n_add = 6, .drop = drop, .n_drop = 2};
        struct kube_security_context ctr = {.capabilities = &caps};
        _cleanup_(security_donep) struct cspec_security s = {0}, bad = {0};
        const char *unknown = "NET_FOO";
        int r;

        build(NULL, &ctr, ROOT, &s, &r);
        check(r == 0);
        check_str(joined(s.cap_add), "CAP_NET_ADMIN,CAP_SYS_TIME,CAP_NET_RAW,ALL,"
                                     "CAP_CHECKPOINT_RESTORE");
        check_str(joined(s.cap_drop), "ALL,CAP_CHOWN");

        /* nothing left to free on failure */
        check_str(cap_error(NULL, unknown, &bad), "capabilities.drop: unknown capability "
                                                  "\"NET_FOO\"");
        check(!bad.cap_add && !bad.cap_drop && !bad.sysctls);
        check_str(cap_error(unknown, NULL, &bad), "capabilities.add: unknown capability "
                                                  "\"NET_FOO\"");
        check_str(cap_error("CAP_", NULL, &bad), "capabilities.add: unknown capability "
                                                 "\"CAP_\"");
}

static void
test_seccomp(void)
{
        struct kube_seccomp_profile unconfined = {.type = "Unconfined"};
        struct kube_seccomp_profile runtime = {.type = "RuntimeDefault"};
        struct kube_seccomp_profile local = {.type = "Localhost",
                                             .localhost_profile = "profiles//./audit.json"};
        struct kube_pod_security_context pod = {.seccomp_profile = &unconfined};
        struct kube_security_context ctr = {0};
        _cleanup_(security_donep) struct cspec_security a = {0}, b = {0}, c = {0}, d = {0}, e = {0};
        int r;

        /* the pod's profile when the container has none */
        build(&pod, &ctr, ROOT, &a, &r);
        check(r == 0 && a.seccomp == CSPEC_SECCOMP_UNCONFINED && !a.seccomp_profile);

        ctr.seccomp_profile = &runtime;
        build(&pod, &ctr, ROOT, &b, &r);
        check(r == 0 && b.seccomp == CSPEC_SECCOMP_DEFAULT);

        ctr.seccomp_profile = &local;
        build(&pod, &ctr, ROOT "/", &c, &r);
        check(r == 0 && c.seccomp == CSPEC_SECCOMP_LOCALHOST);
        check_str(c.seccomp_profile, ROOT "/profiles/audit.json");

        build(&pod, &ctr, "/", &d, &r);
        check(r == 0);
        check_str(d.seccomp_profile, "/profiles/audit.json");

        /* privileged runs without a filter, whatever the profile */
        ctr.privileged = (struct kube_opt_bool){true, true};
        build(&pod, &ctr, ROOT, &e, &r);
        check(r == 0 && e.privileged && e.seccomp == CSPEC_SECCOMP_UNCONFINED &&
              !e.seccomp_profile);
}

static void
test_seccomp_errors(void)
{
        static const char *const cases[][3] = {
                {"Localhost", NULL,
                 "localhostProfile must be set if seccompProfile type is "
                 "Localhost."},
                {"Localhost", "",
                 "localhostProfile must be set if seccompProfile type is "
                 "Localhost."},
                {"Localhost", "../escape.json",
                 "seccompProfile.localhostProfile \"../escape.json\": expected a path without "
                 "'..'"},
                {"Localhost", "a/../../b.json",
                 "seccompProfile.localhostProfile \"a/../../b.json\": expected a path without "
                 "'..'"},
                {"Localhost", "/etc/profile.json",
                 "seccompProfile.localhostProfile \"/etc/profile.json\": expected a relative "
                 "path"},
                {"Localhost", "./",
                 "seccompProfile.localhostProfile \"./\": expected a file "
                 "name"},
                {"Default", NULL,
                 "seccompProfile.type \"Default\" is not valid, expected "
                 "RuntimeDefault, Unconfined or Localhost"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct kube_seccomp_profile sp = {.type = cases[i][0],
                                                  .localhost_profile = cases[i][1]};
                struct kube_security_context ctr = {.seccomp_profile = &sp};
                struct cspec_security s;
                int r;

                check_str(build(NULL, &ctr, ROOT, &s, &r), cases[i][2]);
                check(r == -EINVAL);
                check(!s.cap_add && !s.seccomp_profile);
        }

        {
                struct kube_seccomp_profile sp = {.type = "Localhost",
                                                  .localhost_profile = "a.json"};
                struct kube_security_context ctr = {.seccomp_profile = &sp};
                struct cspec_security s;
                int r;

                check_str(build(NULL, &ctr, NULL, &s, &r),
                          "seccomp profile a.json: no profile root to look in");
                check(r == -EINVAL);
        }
}

/* ------------------------------------------------------------ runAsNonRoot */

static const char *
non_root(const struct cspec_security *s, const char *image_user)
{
        static char buf[512];
        _cleanup_(berr_freep) struct berr *err = NULL;
        int r = cspec_security_check_non_root(s, image_user, &err);

        if (r == 0)
                return "ok";
        snprintf(buf, sizeof(buf), "%d %s", r, err ? err->msg : "?");
        return buf;
}

static void
test_run_as_non_root(void)
{
        struct cspec_security off = {0};
        struct cspec_security on = {.run_as_non_root = true};
        struct cspec_security uid0 = {.run_as_non_root = true, .run_as_user_set = true};
        struct cspec_security uid5 = {
                .run_as_non_root = true, .run_as_user_set = true, .run_as_user = 5};
        static const char *const images[][2] = {
                {NULL, "-22 container has runAsNonRoot and image will run as root"},
                {"", "-22 container has runAsNonRoot and image will run as root"},
                {"0", "-22 container has runAsNonRoot and image will run as root"},
                {"0:1000", "-22 container has runAsNonRoot and image will run as root"},
                {":1000", "-22 container has runAsNonRoot and image will run as root"},
                {"00", "-22 container has runAsNonRoot and image will run as root"},
                {"1000", "ok"},
                {"1000:0", "ok"},
                {"+7", "ok"},
                {"2147483647", "ok"},
                {"app", "-22 container has runAsNonRoot and image has non-numeric user (app), "
                        "cannot verify user is non-root"},
                {"app:grp", "-22 container has runAsNonRoot and image has non-numeric user "
                            "(app), cannot verify user is non-root"},
                {"root", "-22 container has runAsNonRoot and image has non-numeric user (root), "
                         "cannot verify user is non-root"},
                /* past int64: strconv.ParseInt fails, so it is a name */
                {"99999999999999999999", "-22 container has runAsNonRoot and image has "
                                         "non-numeric user (99999999999999999999), cannot "
                                         "verify user is non-root"},
                {"-1", "-22 container has runAsNonRoot and image has an invalid user id (-1). "
                       "(Must be 1-(2147483647)): must be between 0 and 2147483647, inclusive"},
                {"2147483648", "-22 container has runAsNonRoot and image has an invalid user id "
                               "(2147483648). (Must be 1-(2147483647)): must be between 0 and "
                               "2147483647, inclusive"},
        };

        for (size_t i = 0; i < ELEMENTSOF(images); i++) {
                check_str(non_root(&on, images[i][0]), images[i][1]);
                /* without runAsNonRoot nothing is checked */
                check_str(non_root(&off, images[i][0]), "ok");
                /* runAsUser decides, whatever the image says */
                check_str(non_root(&uid5, images[i][0]), "ok");
                check_str(non_root(&uid0, images[i][0]),
                          "-22 container's runAsUser breaks non-root policy");
        }
}

/* ------------------------------------------------------------ through the reader */

static void
test_from_manifest(void)
{
        static const char y[] = "apiVersion: v1\n"
                                "kind: Pod\n"
                                "metadata: {name: web}\n"
                                "spec:\n"
                                "  securityContext:\n"
                                "    runAsUser: 1000\n"
                                "    runAsNonRoot: true\n"
                                "    fsGroup: 2000\n"
                                "    seccompProfile: {type: RuntimeDefault}\n"
                                "  containers:\n"
                                "  - name: app\n"
                                "    image: busybox:1.36\n"
                                "    securityContext:\n"
                                "      allowPrivilegeEscalation: false\n"
                                "      readOnlyRootFilesystem: true\n"
                                "      capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}\n";
        _cleanup_(kube_reader_freep) struct kube_reader *rd = NULL;
        _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(security_donep) struct cspec_security s = {0};
        struct kube_opts opts = {0};
        const struct kube_pod *pod;

        check(kube_reader_open_buffer(y, strlen(y), "pod.yaml", &opts, &rd, &err) == 0);
        check(kube_reader_next(rd, &d, &err) == 1);
        if (!d || d->n_objects != 1 || d->n_errors) {
                check(!"the pod reads cleanly");
                return;
        }
        pod = d->objects[0].pod;
        check(cspec_security_build(pod->spec.security_context,
                                   pod->spec.containers[0].security_context, ROOT, &s, &err) == 0);
        check(s.run_as_user == 1000 && s.run_as_non_root && s.no_new_privs);
        check(s.read_only_root_filesystem && s.seccomp == CSPEC_SECCOMP_DEFAULT);
        check(s.n_supplemental_groups == 1 && s.supplemental_groups[0] == 2000);
        check_str(joined(s.cap_add), "CAP_NET_BIND_SERVICE");
        check_str(joined(s.cap_drop), "ALL");
        check(cspec_security_check_non_root(&s, "", &err) == 0);
}

int
main(void)
{
        RUN(test_defaults);
        RUN(test_pod_and_container_merge);
        RUN(test_container_only_fields);
        RUN(test_capabilities);
        RUN(test_seccomp);
        RUN(test_seccomp_errors);
        RUN(test_run_as_non_root);
        RUN(test_from_manifest);
        return check_done();
}
