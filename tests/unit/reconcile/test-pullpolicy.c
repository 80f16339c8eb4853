/* tests/unit/reconcile/test-pullpolicy.c: imagePullPolicy defaults and the pull decision */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "reconcile/container-spec.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define DIGEST "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define BUSYBOX_DIGEST \
        "busybox@sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void
test_names(void)
{
        check_str(cspec_pull_policy_to_string(CSPEC_PULL_ALWAYS), "Always");
        check_str(cspec_pull_policy_to_string(CSPEC_PULL_IF_NOT_PRESENT), "IfNotPresent");
        check_str(cspec_pull_policy_to_string(CSPEC_PULL_NEVER), "Never");
        check(cspec_pull_policy_to_string(_CSPEC_PULL_POLICY_MAX) == NULL);
        check(cspec_pull_policy_to_string(_CSPEC_PULL_POLICY_INVALID) == NULL);
        check(cspec_pull_policy_from_string("Always") == CSPEC_PULL_ALWAYS);
        check(cspec_pull_policy_from_string("IfNotPresent") == CSPEC_PULL_IF_NOT_PRESENT);
        check(cspec_pull_policy_from_string("Never") == CSPEC_PULL_NEVER);
        /* exact case, as the API server validates it */
        check(cspec_pull_policy_from_string("always") == _CSPEC_PULL_POLICY_INVALID);
        check(cspec_pull_policy_from_string("") == _CSPEC_PULL_POLICY_INVALID);
        check(cspec_pull_policy_from_string(NULL) == _CSPEC_PULL_POLICY_INVALID);
}

static void
test_default_policy(void)
{
        static const struct {
                const char *image;
                enum cspec_pull_policy want;
        } cases[] = {
                {"busybox", CSPEC_PULL_ALWAYS},
                {"busybox:latest", CSPEC_PULL_ALWAYS},
                {"docker.io/library/busybox", CSPEC_PULL_ALWAYS},
                {"localhost:5000/busybox", CSPEC_PULL_ALWAYS}, /* a port is not a tag */
                {"localhost:5000/team/app:latest", CSPEC_PULL_ALWAYS},
                {"busybox:1.36", CSPEC_PULL_IF_NOT_PRESENT},
                {"localhost:5000/busybox:1.36", CSPEC_PULL_IF_NOT_PRESENT},
                {"busybox:latest-musl", CSPEC_PULL_IF_NOT_PRESENT},
                {"busybox:Latest", CSPEC_PULL_IF_NOT_PRESENT},
                {"busybox@" DIGEST, CSPEC_PULL_IF_NOT_PRESENT},
                {"localhost:5000/busybox@" DIGEST, CSPEC_PULL_IF_NOT_PRESENT},
                {"busybox:1.36@" DIGEST, CSPEC_PULL_IF_NOT_PRESENT},
                /* the tag decides even beside a digest, as in SetDefaults_Container */
                {"busybox:latest@" DIGEST, CSPEC_PULL_ALWAYS},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                enum cspec_pull_policy got = cspec_pull_policy_default(cases[i].image);
                if (got != cases[i].want)
                        fprintf(stderr, "  %s: got %s\n", cases[i].image,
                                cspec_pull_policy_to_string(got));
                check(got == cases[i].want);
        }
}

/* the decision for (image, policy, present): "fetch", "local" or "error: MSG" (static) */
static const char *
decide(const char *image, const char *policy, bool present)
{
        static char buf[512];
        _cleanup_(berr_freep) struct berr *err = NULL;
        enum cspec_pull_action a = _CSPEC_PULL_ACTION_INVALID;
        int r = cspec_pull_decide(image, policy, present, &a, &err);

        if (r < 0)
                snprintf(buf, sizeof(buf), "error %d: %s", r, err ? err->msg : "?");
        else
                snprintf(buf, sizeof(buf), "%s",
                         a == CSPEC_PULL_FETCH       ? "fetch"
                         : a == CSPEC_PULL_USE_LOCAL ? "local"
                                                     : "?");
        return buf;
}

static void
test_decide(void)
{
        /* Always pulls, present or not */
        check_str(decide("busybox:1.36", "Always", true), "fetch");
        check_str(decide("busybox:1.36", "Always", false), "fetch");
        /* IfNotPresent pulls what is missing */
        check_str(decide("busybox:latest", "IfNotPresent", true), "local");
        check_str(decide("busybox:latest", "IfNotPresent", false), "fetch");
        /* Never uses what is there */
        check_str(decide("busybox:1.36", "Never", true), "local");
        check_str(decide("busybox:1.36", "Never", false),
                  "error -22: Container image \"busybox:1.36\" is not present with pull policy of "
                  "Never");
        /* the kubelet's message names the image with its default tag */
        check_str(decide("busybox", "Never", false),
                  "error -22: Container image \"busybox:latest\" is not present with pull policy "
                  "of Never");
        check_str(decide("localhost:5000/busybox", "Never", false),
                  "error -22: Container image \"localhost:5000/busybox:latest\" is not present "
                  "with pull policy of Never");
        check_str(decide("busybox@" DIGEST, "Never", false),
                  "error -22: Container image \"busybox@" DIGEST
                  "\" is not present with pull policy of Never");
        /* no policy: the default for the image */
        check_str(decide("busybox", NULL, true), "fetch");
        check_str(decide("busybox", "", true), "fetch");
        check_str(decide("busybox:1.36", NULL, true), "local");
        check_str(decide("busybox:1.36", NULL, false), "fetch");
        check_str(decide("busybox:1.36", "Sometimes", true),
                  "error -22: imagePullPolicy \"Sometimes\" is not valid, expected Always, "
                  "IfNotPresent or Never");
}

/* The decoder's own default agrees with this one. */
static void
test_decoder_default_agrees(void)
{
        static const char *const images[] = {"busybox", "busybox:1.36", "busybox:latest",
                                             "localhost:5000/busybox", BUSYBOX_DIGEST};

        for (size_t i = 0; i < ELEMENTSOF(images); i++) {
                char y[512];
                _cleanup_(kube_reader_freep) struct kube_reader *rd = NULL;
                _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
                _cleanup_(berr_freep) struct berr *err = NULL;
                struct kube_opts opts = {0};
                const char *policy;

                snprintf(y, sizeof(y),
                         "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
                         "  - {name: a, image: \"%s\"}\n",
                         images[i]);
                check(kube_reader_open_buffer(y, strlen(y), "p.yaml", &opts, &rd, &err) == 0);
                check(kube_reader_next(rd, &d, &err) == 1);
                if (!d || d->n_objects != 1) {
                        check(!"the pod reads");
                        continue;
                }
                policy = d->objects[0].pod->spec.containers[0].image_pull_policy;
                check_str(policy,
                          cspec_pull_policy_to_string(cspec_pull_policy_default(images[i])));
        }
}

int
main(void)
{
        RUN(test_names);
        RUN(test_default_policy);
        RUN(test_decide);
        RUN(test_decoder_default_agrees);
        return check_done();
}
