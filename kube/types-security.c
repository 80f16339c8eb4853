/*
 * kube/types-security.c: SecurityContext (containers) and PodSecurityContext,
 * with pkg/apis/core/validation's ValidateSecurityContext() and
 * validatePodSpecSecurityContext(), and the kubelet's refusal of a root
 * user under runAsNonRoot.
 */
#include <inttypes.h>
#include <string.h>

#include "names.h"
#include "types.h"

/* validation.IsValidUserID(), IsValidGroupID(): 0 to 2^31-1 */
#define ID_FIELD(T, jname, member) KFIELD(T, jname, KF_OPT_INT, member, .min = 0, .max = INT32_MAX)

/* ------------------------------------------------------------ parts */

static const struct kfield capabilities_fields[] = {
        KLIST(struct kube_capabilities, "add", KF_STRINGS, add, .check = kube_check_capability),
        KLIST(struct kube_capabilities, "drop", KF_STRINGS, drop, .check = kube_check_capability),
        KEND,
};

static const struct ktype ktype_capabilities = {
        .name = "Capabilities",
        .size = sizeof(struct kube_capabilities),
        .fields = capabilities_fields,
};

/* validateSeccompProfileField() */
static void
validate_seccomp_profile(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_seccomp_profile *p = obj;
        struct knode lp;
        bool localhost = p->type && strcmp(p->type, "Localhost") == 0;

        knode_key(&lp, n, "localhostProfile");
        if (localhost && !p->localhost_profile && (!lp.v || json_is_null(lp.v)))
                kerror(c, &lp,
                       "missing, expected the profile's path, relative to the seccomp profile "
                       "directory, when type is Localhost");
        else if (p->type && !localhost && p->localhost_profile)
                kerror(c, &lp,
                       "\"%s\" is set with type %s, expected localhostProfile only with "
                       "type Localhost",
                       p->localhost_profile, p->type);
}

static const char *const seccomp_types[] = {"RuntimeDefault", "Unconfined", "Localhost", NULL};

static const struct kfield seccomp_profile_fields[] = {
        KFIELD(struct kube_seccomp_profile, "type", KF_STRING, type, .required = true,
               .enums = seccomp_types),
        /* validateLocalDescendingPath(): the kubelet joins it to its seccomp directory */
        KFIELD(struct kube_seccomp_profile, "localhostProfile", KF_STRING, localhost_profile,
               .check = kube_check_relative_path),
        KEND,
};

static const struct ktype ktype_seccomp_profile = {
        .name = "SeccompProfile",
        .size = sizeof(struct kube_seccomp_profile),
        .fields = seccomp_profile_fields,
        .validate = validate_seccomp_profile,
};

/* Kubernetes leaves the labels' syntax to the runtime and the SELinux policy. */
static const struct kfield selinux_options_fields[] = {
        KFIELD(struct kube_selinux_options, "user", KF_STRING, user),
        KFIELD(struct kube_selinux_options, "role", KF_STRING, role),
        KFIELD(struct kube_selinux_options, "type", KF_STRING, type),
        KFIELD(struct kube_selinux_options, "level", KF_STRING, level),
        KEND,
};

static const struct ktype ktype_selinux_options = {
        .name = "SELinuxOptions",
        .size = sizeof(struct kube_selinux_options),
        .fields = selinux_options_fields,
};

#define APPARMOR_WHY "berth does not load AppArmor profiles"
#define WINDOWS_WHY "berth runs Linux containers only"

/*
 * The kubelet's verifyRunAsNonRoot(): the API server takes uid 0 with
 * runAsNonRoot, but the container then never starts
 * (CreateContainerConfigError), so refuse it up front.
 */
static void
check_non_root(struct kctx *c, const struct knode *n, const struct kube_opt_int *run_as_user,
               const struct kube_opt_bool *run_as_non_root)
{
        struct knode u;

        if (run_as_user->set && run_as_user->v == 0 && run_as_non_root->set && run_as_non_root->v)
                kerror(c, knode_key(&u, n, "runAsUser"),
                       "0 is root while runAsNonRoot is true, which the kubelet refuses to start, "
                       "expected a non-zero user id");
}

/* ------------------------------------------------------------ containers */

static bool
is_sys_admin(const char *cap)
{
        /* Kubernetes compares with "CAP_SYS_ADMIN" only; podman reads "SYS_ADMIN" the same. */
        return strcmp(cap, "CAP_SYS_ADMIN") == 0 || strcmp(cap, "SYS_ADMIN") == 0;
}

static void
validate_security_context(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_security_context *sc = obj;
        struct knode x, caps, add;

        check_non_root(c, n, &sc->run_as_user, &sc->run_as_non_root);
        /*
         * allowPrivilegeEscalation: false sets no_new_privs, which a
         * privileged container or one with CAP_SYS_ADMIN could undo.
         */
        if (!sc->allow_privilege_escalation.set || sc->allow_privilege_escalation.v)
                return;
        if (sc->privileged.set && sc->privileged.v)
                kerror(c, knode_key(&x, n, "allowPrivilegeEscalation"),
                       "false is not allowed with privileged true (a privileged container can "
                       "always gain privileges), expected true or no value");
        if (!sc->capabilities)
                return;
        knode_key(&add, knode_key(&caps, n, "capabilities"), "add");
        for (size_t i = 0; i < sc->capabilities->n_add; i++)
                if (is_sys_admin(sc->capabilities->add[i]))
                        kerror(c, knode_idx(&x, &add, i),
                               "\"%s\" is not allowed with allowPrivilegeEscalation false (it "
                               "can regain privileges), expected allowPrivilegeEscalation true or "
                               "no %s",
                               sc->capabilities->add[i], sc->capabilities->add[i]);
}

static const char *const proc_mounts[] = {"Default", "Unmasked", NULL};

static const struct kfield security_context_fields[] = {
        ID_FIELD(struct kube_security_context, "runAsUser", run_as_user),
        ID_FIELD(struct kube_security_context, "runAsGroup", run_as_group),
        KFIELD(struct kube_security_context, "runAsNonRoot", KF_OPT_BOOL, run_as_non_root),
        KFIELD(struct kube_security_context, "privileged", KF_OPT_BOOL, privileged),
        KFIELD(struct kube_security_context, "capabilities", KF_OBJECT, capabilities,
               .type = &ktype_capabilities),
        KFIELD(struct kube_security_context, "readOnlyRootFilesystem", KF_OPT_BOOL,
               read_only_root_filesystem),
        KFIELD(struct kube_security_context, "allowPrivilegeEscalation", KF_OPT_BOOL,
               allow_privilege_escalation),
        KFIELD(struct kube_security_context, "seccompProfile", KF_OBJECT, seccomp_profile,
               .type = &ktype_seccomp_profile),
        KFIELD(struct kube_security_context, "seLinuxOptions", KF_OBJECT, se_linux_options,
               .type = &ktype_selinux_options),
        KFIELD(struct kube_security_context, "procMount", KF_STRING, proc_mount,
               .enums = proc_mounts),
        KIGNORED("appArmorProfile", APPARMOR_WHY),
        KIGNORED("windowsOptions", WINDOWS_WHY),
        KEND,
};

const struct ktype ktype_security_context = {
        .name = "SecurityContext",
        .size = sizeof(struct kube_security_context),
        .fields = security_context_fields,
        .validate = validate_security_context,
};

/* ------------------------------------------------------------ pods */

static const struct kfield sysctl_fields[] = {
        KFIELD(struct kube_sysctl, "name", KF_STRING, name, .required = true,
               .check = kube_check_sysctl_name),
        KFIELD(struct kube_sysctl, "value", KF_STRING, value, .required = true),
        KEND,
};

static const struct ktype ktype_sysctl = {
        .name = "Sysctl",
        .size = sizeof(struct kube_sysctl),
        .fields = sysctl_fields,
};

static const char *const fs_group_change_policies[] = {"OnRootMismatch", "Always", NULL};
static const char *const supplemental_groups_policies[] = {"Merge", "Strict", NULL};

/* By hand: struct kube_pod_security_context has no member for it (yet) */
static void
check_supplemental_groups_policy(struct kctx *c, const struct knode *n)
{
        if (!n->v || json_is_null(n->v))
                return;
        if (json_is_string(n->v)) {
                kcheck_string_enum(c, n, json_string_value(n->v), supplemental_groups_policies);
        } else {
                char buf[128];

                kerror(c, n, "found %s, expected a string", kfound(n->v, buf, sizeof(buf)));
        }
}

static void
validate_pod_security_context(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_pod_security_context *sc = obj;
        struct knode list, item, name;

        check_non_root(c, n, &sc->run_as_user, &sc->run_as_non_root);
        check_supplemental_groups_policy(c, knode_key(&item, n, "supplementalGroupsPolicy"));
        /* validateSysctls(): one value per name; the runtime would keep only one of them */
        knode_key(&list, n, "sysctls");
        for (size_t i = 0; i < sc->n_sysctls; i++) {
                if (!sc->sysctls[i].name)
                        continue;
                for (size_t j = 0; j < i; j++) {
                        if (!sc->sysctls[j].name ||
                            strcmp(sc->sysctls[i].name, sc->sysctls[j].name) != 0)
                                continue;
                        kerror(c, knode_key(&name, knode_idx(&item, &list, i), "name"),
                               "\"%s\" is already set by sysctls[%zu], expected each sysctl once",
                               sc->sysctls[i].name, j);
                        break;
                }
        }
}

static const struct kfield pod_security_context_fields[] = {
        ID_FIELD(struct kube_pod_security_context, "runAsUser", run_as_user),
        ID_FIELD(struct kube_pod_security_context, "runAsGroup", run_as_group),
        KFIELD(struct kube_pod_security_context, "runAsNonRoot", KF_OPT_BOOL, run_as_non_root),
        ID_FIELD(struct kube_pod_security_context, "fsGroup", fs_group),
        KFIELD(struct kube_pod_security_context, "fsGroupChangePolicy", KF_STRING,
               fs_group_change_policy, .enums = fs_group_change_policies),
        KLIST(struct kube_pod_security_context, "supplementalGroups", KF_INTS, supplemental_groups,
              .min = 0, .max = INT32_MAX),
        /* no member in struct kube_pod_security_context yet: checked in the hook */
        KSILENT("supplementalGroupsPolicy"),
        KLIST(struct kube_pod_security_context, "sysctls", KF_ARRAY, sysctls,
              .type = &ktype_sysctl),
        KFIELD(struct kube_pod_security_context, "seccompProfile", KF_OBJECT, seccomp_profile,
               .type = &ktype_seccomp_profile),
        KFIELD(struct kube_pod_security_context, "seLinuxOptions", KF_OBJECT, se_linux_options,
               .type = &ktype_selinux_options),
        KIGNORED("appArmorProfile", APPARMOR_WHY),
        KIGNORED("windowsOptions", WINDOWS_WHY),
        KIGNORED("seLinuxChangePolicy",
                 "berth does not choose how volumes are relabelled for SELinux"),
        KEND,
};

const struct ktype ktype_pod_security_context = {
        .name = "PodSecurityContext",
        .size = sizeof(struct kube_pod_security_context),
        .fields = pod_security_context_fields,
        .validate = validate_pod_security_context,
};
