/*
 * reconcile/security.c: the pod's and the container's securityContext
 * merged into what the runtime applies (the kubelet's
 * DetermineEffectiveSecurityContext and determineEffectiveSecurityContext),
 * and the kubelet's runAsNonRoot check.
 */
#include "container-spec.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kube/names.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* Kubernetes' IsValidUserID(): 0 to MaxInt32 */
#define USER_ID_MAX INT64_C(2147483647)

/* "CAP_X" for "X", "x", "CAP_X" or "cap_x"; "ALL" for any case of "all"; NULL when unknown */
static char *
cap_canonical(const char *name)
{
        const char *cap = kube_capability_name(name);
        char *out;

        if (strcasecmp(name, "ALL") == 0)
                return strdup("ALL");
        if (!cap) {
                errno = EINVAL;
                return NULL;
        }
        return asprintf(&out, "CAP_%s", cap) < 0 ? NULL : out;
}

/* names into *ret: canonical, repeats dropped, NULL-terminated */
static int
caps_list(const char *const *names, size_t n, const char *field, char ***ret, struct berr **err)
{
        _cleanup_(strv_freep) char **out = calloc(n + 1, sizeof(*out));
        size_t k = 0;

        if (!out)
                return berr(err, ENOMEM, "capabilities");
        for (size_t i = 0; i < n; i++) {
                bool seen = false;
                char *c;

                errno = 0;
                c = cap_canonical(names[i]);
                if (!c) {
                        if (errno == EINVAL)
                                return berr(err, 0, "capabilities.%s: unknown capability \"%s\"",
                                            field, names[i]);
                        return berr(err, ENOMEM, "capabilities");
                }
                for (size_t j = 0; j < k && !seen; j++)
                        seen = strcmp(out[j], c) == 0;
                if (seen)
                        free(c);
                else
                        out[k++] = c;
        }
        *ret = TAKE_PTR(out);
        return 0;
}

/*
 * seccomp_root joined with a Localhost profile the way filepath.Join()
 * cleans it ("a//./b.json" is "a/b.json"), refusing what would leave the
 * root: an absolute path or a ".." part.
 */
static int
localhost_profile(const char *root, const char *profile, char **ret, struct berr **err)
{
        _cleanup_free_ char *out = NULL;
        size_t rlen, len, k;
        const char *p;

        if (!profile || !profile[0])
                return berr(err, 0,
                            "localhostProfile must be set if seccompProfile type is "
                            "Localhost.");
        if (!root || !root[0])
                return berr(err, 0, "seccomp profile %s: no profile root to look in", profile);
        if (profile[0] == '/')
                return berr(err, 0,
                            "seccompProfile.localhostProfile \"%s\": expected a relative path",
                            profile);
        rlen = strlen(root);
        while (rlen > 1 && root[rlen - 1] == '/')
                rlen--;
        len = rlen + strlen(profile) + 2;
        out = malloc(len);
        if (!out)
                return berr(err, ENOMEM, "seccomp profile path");
        memcpy(out, root, rlen);
        k = rlen;
        for (p = profile; *p;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return berr(err, 0,
                                    "seccompProfile.localhostProfile \"%s\": expected a path "
                                    "without '..'",
                                    profile);
                if (n > 0 && !(n == 1 && p[0] == '.')) {
                        if (k == 0 || out[k - 1] != '/')
                                out[k++] = '/';
                        memcpy(out + k, p, n);
                        k += n;
                }
                p += n;
                while (*p == '/')
                        p++;
        }
        out[k] = '\0';
        if (k == rlen)
                return berr(err, 0, "seccompProfile.localhostProfile \"%s\": expected a file name",
                            profile);
        *ret = TAKE_PTR(out);
        return 0;
}

static int
seccomp_from(const struct kube_seccomp_profile *sp, const char *root, struct cspec_security *s,
             struct berr **err)
{
        const char *type = sp->type ? sp->type : "";

        if (strcmp(type, "RuntimeDefault") == 0) {
                s->seccomp = CSPEC_SECCOMP_DEFAULT;
                return 0;
        }
        if (strcmp(type, "Unconfined") == 0) {
                s->seccomp = CSPEC_SECCOMP_UNCONFINED;
                return 0;
        }
        if (strcmp(type, "Localhost") == 0) {
                s->seccomp = CSPEC_SECCOMP_LOCALHOST;
                return localhost_profile(root, sp->localhost_profile, &s->seccomp_profile, err);
        }
        return berr(err, 0,
                    "seccompProfile.type \"%s\" is not valid, expected RuntimeDefault, "
                    "Unconfined or Localhost",
                    type);
}

static int
strdup_opt(const char *in, char **ret)
{
        if (!in || !in[0])
                return 0;
        *ret = strdup(in);
        return *ret ? 0 : -ENOMEM;
}

static int
groups_from(const struct kube_pod_security_context *pod, struct cspec_security *s,
            struct berr **err)
{
        size_t n = pod->n_supplemental_groups + (pod->fs_group.set ? 1 : 0), k = 0;

        if (n == 0)
                return 0;
        s->supplemental_groups = calloc(n, sizeof(*s->supplemental_groups));
        if (!s->supplemental_groups)
                return berr(err, ENOMEM, "supplemental groups");
        /* determineEffectiveSecurityContext: fsGroup first, then supplementalGroups */
        if (pod->fs_group.set)
                s->supplemental_groups[k++] = pod->fs_group.v;
        for (size_t i = 0; i < pod->n_supplemental_groups; i++)
                s->supplemental_groups[k++] = pod->supplemental_groups[i];
        s->n_supplemental_groups = k;
        return 0;
}

static int
sysctls_from(const struct kube_pod_security_context *pod, struct cspec_security *s,
             struct berr **err)
{
        size_t n = pod ? pod->n_sysctls : 0;

        s->sysctls = calloc(n + 1, sizeof(*s->sysctls));
        if (!s->sysctls)
                return berr(err, ENOMEM, "sysctls");
        for (size_t i = 0; i < n; i++) {
                const struct kube_sysctl *sc = &pod->sysctls[i];

                if (asprintf(&s->sysctls[i], "%s=%s", sc->name ? sc->name : "",
                             sc->value ? sc->value : "") < 0) {
                        s->sysctls[i] = NULL;
                        return berr(err, ENOMEM, "sysctls");
                }
        }
        return 0;
}

static int
build(const struct kube_pod_security_context *pod, const struct kube_security_context *ctr,
      const char *seccomp_root, struct cspec_security *s, struct berr **err)
{
        const struct kube_seccomp_profile *sp = NULL;
        const struct kube_selinux_options *se = NULL;
        static const char *const none[] = {NULL};
        const struct kube_capabilities *caps = ctr ? ctr->capabilities : NULL;
        int r;

        /* the fields a pod's securityContext lends its containers */
        if (ctr && ctr->run_as_user.set) {
                s->run_as_user_set = true;
                s->run_as_user = ctr->run_as_user.v;
        } else if (pod && pod->run_as_user.set) {
                s->run_as_user_set = true;
                s->run_as_user = pod->run_as_user.v;
        }
        if (ctr && ctr->run_as_group.set) {
                s->run_as_group_set = true;
                s->run_as_group = ctr->run_as_group.v;
        } else if (pod && pod->run_as_group.set) {
                s->run_as_group_set = true;
                s->run_as_group = pod->run_as_group.v;
        }
        if (ctr && ctr->run_as_non_root.set)
                s->run_as_non_root = ctr->run_as_non_root.v;
        else if (pod && pod->run_as_non_root.set)
                s->run_as_non_root = pod->run_as_non_root.v;
        sp = ctr && ctr->seccomp_profile ? ctr->seccomp_profile : pod ? pod->seccomp_profile : NULL;
        se = ctr && ctr->se_linux_options ? ctr->se_linux_options
             : pod                        ? pod->se_linux_options
                                          : NULL;

        /* the pod's alone */
        if (pod) {
                s->fs_group_set = pod->fs_group.set;
                s->fs_group = pod->fs_group.v;
                r = groups_from(pod, s, err);
                if (r < 0)
                        return r;
        }
        r = sysctls_from(pod, s, err);
        if (r < 0)
                return r;

        /* the container's alone */
        if (ctr) {
                s->privileged = ctr->privileged.set && ctr->privileged.v;
                s->read_only_root_filesystem =
                        ctr->read_only_root_filesystem.set && ctr->read_only_root_filesystem.v;
                /* AddNoNewPrivileges(): only an explicit false sets it (podman 4.3 agrees) */
                s->no_new_privs =
                        ctr->allow_privilege_escalation.set && !ctr->allow_privilege_escalation.v;
                if (ctr->proc_mount && ctr->proc_mount[0]) {
                        if (strcmp(ctr->proc_mount, "Unmasked") == 0)
                                s->proc_unmasked = true;
                        else if (strcmp(ctr->proc_mount, "Default") != 0)
                                return berr(err, 0,
                                            "procMount \"%s\" is not valid, expected Default or "
                                            "Unmasked",
                                            ctr->proc_mount);
                }
        }
        r = caps_list(caps ? caps->add : none, caps ? caps->n_add : 0, "add", &s->cap_add, err);
        if (r < 0)
                return r;
        r = caps_list(caps ? caps->drop : none, caps ? caps->n_drop : 0, "drop", &s->cap_drop, err);
        if (r < 0)
                return r;

        /* podman's default when neither side names a profile; privileged runs without one */
        s->seccomp = CSPEC_SECCOMP_DEFAULT;
        if (sp) {
                r = seccomp_from(sp, seccomp_root, s, err);
                if (r < 0)
                        return r;
        }
        if (s->privileged) {
                s->seccomp = CSPEC_SECCOMP_UNCONFINED;
                free(s->seccomp_profile);
                s->seccomp_profile = NULL;
        }

        if (se && (strdup_opt(se->user, &s->selinux_user) < 0 ||
                   strdup_opt(se->role, &s->selinux_role) < 0 ||
                   strdup_opt(se->type, &s->selinux_type) < 0 ||
                   strdup_opt(se->level, &s->selinux_level) < 0))
                return berr(err, ENOMEM, "SELinux options");
        return 0;
}

int
cspec_security_build(const struct kube_pod_security_context *pod,
                     const struct kube_security_context *ctr, const char *seccomp_root,
                     struct cspec_security *ret, struct berr **err)
{
        int r;

        *ret = (struct cspec_security){0};
        r = build(pod, ctr, seccomp_root, ret, err);
        if (r < 0)
                cspec_security_done(ret);
        return r;
}

void
cspec_security_done(struct cspec_security *s)
{
        free(s->supplemental_groups);
        strv_free(s->cap_add);
        strv_free(s->cap_drop);
        free(s->seccomp_profile);
        strv_free(s->sysctls);
        free(s->selinux_user);
        free(s->selinux_role);
        free(s->selinux_type);
        free(s->selinux_level);
        *s = (struct cspec_security){0};
}

/*
 * getUserFromImageUser(): the part before ':' is a uid when it reads as a
 * base-10 int64 (strconv.ParseInt: an optional sign, digits), else a name.
 */
static bool
parse_uid(const char *s, size_t n, int64_t *ret)
{
        bool negative = false;
        uint64_t v = 0, max;
        size_t i = 0;

        if (n > 0 && (s[0] == '+' || s[0] == '-')) {
                negative = s[0] == '-';
                i = 1;
        }
        if (i == n)
                return false;
        max = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (; i < n; i++) {
                unsigned d;

                if (s[i] < '0' || s[i] > '9')
                        return false;
                d = (unsigned)(s[i] - '0');
                if (v > (max - d) / 10)
                        return false;
                v = v * 10 + d;
        }
        *ret = negative ? (int64_t)(0 - v) : (int64_t)v;
        return true;
}

int
cspec_security_check_non_root(const struct cspec_security *s, const char *image_user,
                              struct berr **err)
{
        const char *user = image_user ? image_user : "";
        size_t n = strcspn(user, ":");
        int64_t uid = 0;

        if (!s->run_as_non_root)
                return 0;
        if (s->run_as_user_set) {
                if (s->run_as_user == 0)
                        return berr(err, 0, "container's runAsUser breaks non-root policy");
                return 0;
        }
        /* getImageUser(): no user at all is root */
        if (n > 0 && !parse_uid(user, n, &uid))
                return berr(err, 0,
                            "container has runAsNonRoot and image has non-numeric user (%.*s), "
                            "cannot verify user is non-root",
                            (int)n, user);
        if (uid == 0)
                return berr(err, 0, "container has runAsNonRoot and image will run as root");
        if (uid < 0 || uid > USER_ID_MAX)
                return berr(err, 0,
                            "container has runAsNonRoot and image has an invalid user id "
                            "(%" PRId64 "). (Must be 1-(%" PRId64 ")): must be between 0 and "
                            "%" PRId64 ", inclusive",
                            uid, USER_ID_MAX, USER_ID_MAX);
        return 0;
}
