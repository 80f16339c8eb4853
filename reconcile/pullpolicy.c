/*
 * reconcile/pullpolicy.c: imagePullPolicy, defaulted as the API server
 * defaults it (SetDefaults_Container) and applied as the kubelet applies
 * it (pkg/kubelet/images: shouldPullImage, EnsureImageExists).
 */
#include "container-spec.h"

#include <stdlib.h>
#include <string.h>

#include "util/berr.h"

static const char *const policy_names[_CSPEC_PULL_POLICY_MAX] = {
        [CSPEC_PULL_ALWAYS] = "Always",
        [CSPEC_PULL_IF_NOT_PRESENT] = "IfNotPresent",
        [CSPEC_PULL_NEVER] = "Never",
};

const char *
cspec_pull_policy_to_string(enum cspec_pull_policy p)
{
        if (p < 0 || p >= _CSPEC_PULL_POLICY_MAX)
                return NULL;
        return policy_names[p];
}

enum cspec_pull_policy
cspec_pull_policy_from_string(const char *s)
{
        for (int i = 0; s && i < _CSPEC_PULL_POLICY_MAX; i++)
                if (strcmp(s, policy_names[i]) == 0)
                        return (enum cspec_pull_policy)i;
        return _CSPEC_PULL_POLICY_INVALID;
}

/*
 * The tag (NULL when none; *ret_len its length) and whether there is a
 * digest, as ParseImageName() splits "name[:tag][@digest]": the digest
 * follows the first '@', the tag the last ':' after the last '/' before it
 * (so "localhost:5000/busybox" has no tag).
 */
static const char *
split_ref(const char *image, size_t *ret_len, bool *ret_digest)
{
        const char *at = strchr(image, '@');
        size_t n = at ? (size_t)(at - image) : strlen(image);
        const char *tag = NULL;

        *ret_digest = at && at[1];
        for (size_t i = n; i > 0; i--) {
                if (image[i - 1] == '/')
                        break;
                if (image[i - 1] == ':') {
                        tag = image + i;
                        break;
                }
        }
        *ret_len = tag ? (size_t)(image + n - tag) : 0;
        return tag;
}

enum cspec_pull_policy
cspec_pull_policy_default(const char *image)
{
        size_t len;
        bool digest;
        const char *tag = split_ref(image ? image : "", &len, &digest);

        if (tag && len == 6 && strncmp(tag, "latest", 6) == 0)
                return CSPEC_PULL_ALWAYS;
        /* ParseImageName() makes the tag "latest" when there is neither */
        if (!tag && !digest)
                return CSPEC_PULL_ALWAYS;
        return CSPEC_PULL_IF_NOT_PRESENT;
}

int
cspec_pull_decide(const char *image, const char *policy, bool present, enum cspec_pull_action *ret,
                  struct berr **err)
{
        enum cspec_pull_policy p;
        size_t len;
        bool digest;

        if (!image)
                image = "";
        p = policy && policy[0] ? cspec_pull_policy_from_string(policy)
                                : cspec_pull_policy_default(image);
        switch (p) {
        case CSPEC_PULL_ALWAYS:
                *ret = CSPEC_PULL_FETCH;
                return 0;
        case CSPEC_PULL_IF_NOT_PRESENT:
                *ret = present ? CSPEC_PULL_USE_LOCAL : CSPEC_PULL_FETCH;
                return 0;
        case CSPEC_PULL_NEVER:
                if (present) {
                        *ret = CSPEC_PULL_USE_LOCAL;
                        return 0;
                }
                /* applyDefaultImageTag(): the name the kubelet prints has its default tag */
                return berr(err, 0,
                            "Container image \"%s%s\" is not present with pull policy of Never",
                            image, !split_ref(image, &len, &digest) && !digest ? ":latest" : "");
        default:
                return berr(err, 0,
                            "imagePullPolicy \"%s\" is not valid, expected Always, IfNotPresent "
                            "or Never",
                            policy);
        }
}
