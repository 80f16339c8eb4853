/* tests/unit/kube/test-decode-deployment.c: Deployment defaults and rules, through the reader */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "x.yaml"
#include "kube-test.h"

#define HEAD "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
#define TEMPLATE              \
        "  template:\n"       \
        "    metadata:\n"     \
        "      labels:\n"     \
        "        app: web\n"  \
        "    spec:\n"         \
        "      containers:\n" \
        "      - name: web\n" \
        "        image: nginx:1.25\n"
#define SELECTOR "  selector:\n    matchLabels:\n      app: web\n"

static void
test_defaults(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "spec:\n" SELECTOR TEMPLATE, KUBE_DEPLOYMENT);
        const struct kube_deployment *dep;
        const struct kube_rolling_update *ru;

        if (!d)
                return;
        dep = d->objects[0].deployment;
        check_str(dep->meta.name, "web");
        check_str(dep->meta.namespace_, "default");
        check(dep->spec.replicas == 1);
        check(dep->spec.revision_history_limit == 10);
        check(dep->spec.progress_deadline_seconds == 600);
        check(dep->spec.min_ready_seconds == 0);
        check(!dep->spec.paused);
        check_str(dep->spec.strategy.type, "RollingUpdate");
        ru = dep->spec.strategy.rolling_update;
        check(ru != NULL);
        if (ru) {
                check(ru->max_surge.set && ru->max_surge.is_string);
                check_str(ru->max_surge.s, "25%");
                check(ru->max_unavailable.set && ru->max_unavailable.is_string);
                check_str(ru->max_unavailable.s, "25%");
        }
        check(dep->spec.selector != NULL);
        if (dep->spec.selector) {
                check(dep->spec.selector->n_match_labels == 1);
                check_str(dep->spec.selector->match_labels[0].key, "app");
                check_str(dep->spec.selector->match_labels[0].value, "web");
        }
        check(dep->spec.template_.meta.n_labels == 1);
        check_str(dep->spec.template_.spec.restart_policy, "Always");
        check(dep->spec.template_.spec.n_containers == 1);
        if (dep->spec.template_.spec.n_containers == 1)
                check_str(dep->spec.template_.spec.containers[0].image, "nginx:1.25");
}

static void
test_explicit_values(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "spec:\n"
                                "  replicas: 3\n"
                                "  minReadySeconds: 5\n"
                                "  revisionHistoryLimit: 0\n"
                                "  progressDeadlineSeconds: 30\n"
                                "  paused: true\n"
                                "  strategy:\n"
                                "    type: RollingUpdate\n"
                                "    rollingUpdate:\n"
                                "      maxSurge: 1\n"
                                "      maxUnavailable: 0\n" SELECTOR TEMPLATE,
                           KUBE_DEPLOYMENT);
        const struct kube_deployment_spec *s;

        if (!d)
                return;
        s = &d->objects[0].deployment->spec;
        check(s->replicas == 3);
        check(s->min_ready_seconds == 5);
        check(s->revision_history_limit == 0);
        check(s->progress_deadline_seconds == 30);
        check(s->paused);
        check(s->strategy.rolling_update != NULL);
        if (s->strategy.rolling_update) {
                const struct kube_rolling_update *ru = s->strategy.rolling_update;
                check(ru->max_surge.set && !ru->max_surge.is_string && ru->max_surge.i == 1);
                check(ru->max_unavailable.set && !ru->max_unavailable.is_string &&
                      ru->max_unavailable.i == 0);
        }
}

static void
test_replicas_zero(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "spec:\n  replicas: 0\n" SELECTOR TEMPLATE, KUBE_DEPLOYMENT);

        if (d)
                check(d->objects[0].deployment->spec.replicas == 0);
}

static void
test_one_default_of_two(void)
{
        /* only the missing one is defaulted: maxSurge 0 with maxUnavailable 25% is fine */
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                HEAD
                "spec:\n  strategy:\n    rollingUpdate:\n      maxSurge: 0\n" SELECTOR TEMPLATE,
                KUBE_DEPLOYMENT);
        const struct kube_rolling_update *ru;

        if (!d)
                return;
        ru = d->objects[0].deployment->spec.strategy.rolling_update;
        check(ru != NULL);
        if (!ru)
                return;
        check(!ru->max_surge.is_string && ru->max_surge.i == 0);
        check_str(ru->max_unavailable.s, "25%");
}

static void
test_recreate(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                HEAD "spec:\n  strategy:\n    type: Recreate\n" SELECTOR TEMPLATE, KUBE_DEPLOYMENT);

        if (!d)
                return;
        check_str(d->objects[0].deployment->spec.strategy.type, "Recreate");
        check(d->objects[0].deployment->spec.strategy.rolling_update == NULL);
}

static void
test_match_expressions(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(HEAD "spec:\n"
                                "  selector:\n"
                                "    matchExpressions:\n"
                                "    - {key: app, operator: In, values: [web, api]}\n"
                                "    - {key: tier, operator: DoesNotExist}\n" TEMPLATE,
                           KUBE_DEPLOYMENT);

        if (d)
                check(d->objects[0].deployment->spec.selector->n_match_expressions == 2);
}

static void
test_spec_missing(void)
{
        char buf[1024];

        check_str(only_error(HEAD, buf, sizeof(buf)),
                  "x.yaml:1:1: spec: missing, expected a mapping");
}

static void
test_replicas_negative(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  replicas: -1\n" SELECTOR TEMPLATE, buf, sizeof(buf)),
                  "x.yaml:6:13: spec.replicas: -1 is out of range, expected 0 or more");
}

static void
test_selector_missing(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n" TEMPLATE, buf, sizeof(buf)),
                  "x.yaml:6:3: spec.selector: missing, expected a mapping");
}

static void
test_selector_empty(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  selector: {}\n" TEMPLATE, buf, sizeof(buf)),
                  "x.yaml:6:13: spec.selector: is empty, expected matchLabels or "
                  "matchExpressions that pick the Deployment's pods");
        check_str(only_error(HEAD "spec:\n  selector:\n    matchLabels: {}\n" TEMPLATE, buf,
                             sizeof(buf)),
                  "x.yaml:7:5: spec.selector: is empty, expected matchLabels or "
                  "matchExpressions that pick the Deployment's pods");
}

static void
test_selector_mismatch(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  selector:\n    matchLabels:\n      app: api\n" TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:7:5: spec.selector: does not match spec.template.metadata.labels, "
                  "expected every matchLabels entry and matchExpressions requirement to hold "
                  "for the template's labels");
        check_str(only_error(HEAD "spec:\n"
                                  "  selector:\n"
                                  "    matchExpressions:\n"
                                  "    - {key: app, operator: NotIn, values: [web]}\n" TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:7:5: spec.selector: does not match spec.template.metadata.labels, "
                  "expected every matchLabels entry and matchExpressions requirement to hold "
                  "for the template's labels");
}

static void
test_selector_mismatch_no_labels(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n" SELECTOR "  template:\n"
                                  "    spec:\n"
                                  "      containers:\n"
                                  "      - name: web\n"
                                  "        image: nginx\n",
                             buf, sizeof(buf)),
                  "x.yaml:7:5: spec.selector: does not match spec.template.metadata.labels, "
                  "expected every matchLabels entry and matchExpressions requirement to hold "
                  "for the template's labels");
}

static void
test_invalid_selector_not_matched(void)
{
        char buf[1024];

        /* the selector's own error, and no second one about the template */
        check_str(only_error(HEAD "spec:\n"
                                  "  selector:\n"
                                  "    matchExpressions:\n"
                                  "    - {key: app, operator: In}\n" TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:8:7: spec.selector.matchExpressions[0].values: missing, expected at "
                  "least one value for operator In");
}

static void
test_template_missing(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n" SELECTOR, buf, sizeof(buf)),
                  "x.yaml:6:3: spec.template: missing, expected a mapping");
}

static void
test_restart_policy(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n" SELECTOR TEMPLATE "      restartPolicy: Never\n", buf,
                             sizeof(buf)),
                  "x.yaml:17:22: spec.template.spec.restartPolicy: \"Never\" is not allowed in a "
                  "Deployment, expected Always (a Deployment keeps its pods running)");
}

static void
test_restart_policy_always(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load_valid(
                HEAD "spec:\n" SELECTOR TEMPLATE "      restartPolicy: Always\n", KUBE_DEPLOYMENT);

        if (d)
                check_str(d->objects[0].deployment->spec.template_.spec.restart_policy, "Always");
}

static void
test_active_deadline(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n" SELECTOR TEMPLATE "      activeDeadlineSeconds: 30\n",
                             buf, sizeof(buf)),
                  "x.yaml:17:30: spec.template.spec.activeDeadlineSeconds: 30 is not allowed in a "
                  "Deployment, expected no activeDeadlineSeconds (a Deployment keeps its pods "
                  "running)");
}

static void
test_strategy_type(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  strategy:\n    type: BlueGreen\n" SELECTOR TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:7:11: spec.strategy.type: \"BlueGreen\" is not valid, expected "
                  "RollingUpdate or Recreate");
}

static void
test_recreate_with_rolling_update(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n"
                                  "  strategy:\n"
                                  "    type: Recreate\n"
                                  "    rollingUpdate:\n"
                                  "      maxSurge: 1\n" SELECTOR TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:9:7: spec.strategy.rollingUpdate: may not be specified when strategy "
                  "type is Recreate");
}

#define ROLLING(surge, unavail)            \
        HEAD "spec:\n"                     \
             "  strategy:\n"               \
             "    rollingUpdate:\n"        \
             "      maxSurge: " surge "\n" \
             "      maxUnavailable: " unavail "\n" SELECTOR TEMPLATE

static void
test_max_surge_negative(void)
{
        char buf[1024];

        check_str(only_error(ROLLING("-1", "1"), buf, sizeof(buf)),
                  "x.yaml:8:17: spec.strategy.rollingUpdate.maxSurge: -1 is out of range, "
                  "expected 0 or more or a percentage such as 25%");
        check_str(only_error(ROLLING("3000000000", "1"), buf, sizeof(buf)),
                  "x.yaml:8:17: spec.strategy.rollingUpdate.maxSurge: 3000000000 is out of range, "
                  "expected a 32-bit integer");
}

static void
test_max_surge_not_percent(void)
{
        char buf[1024];

        check_str(only_error(ROLLING("25 %", "1"), buf, sizeof(buf)),
                  "x.yaml:8:17: spec.strategy.rollingUpdate.maxSurge: \"25 %\" is not valid, "
                  "expected a whole number or a percentage such as 25%");
        check_str(strchr(only_error(ROLLING("\"25\"", "1"), buf, sizeof(buf)), ' '),
                  " spec.strategy.rollingUpdate.maxSurge: \"25\" is not valid, expected a whole "
                  "number or a percentage such as 25%");
        check_str(only_error(ROLLING("2.5%", "1"), buf, sizeof(buf)),
                  "x.yaml:8:17: spec.strategy.rollingUpdate.maxSurge: \"2.5%\" is not valid, "
                  "expected a whole number or a percentage such as 25%");
}

static void
test_max_surge_type(void)
{
        char buf[1024];

        check_str(only_error(ROLLING("true", "1"), buf, sizeof(buf)),
                  "x.yaml:8:17: spec.strategy.rollingUpdate.maxSurge: found boolean true, "
                  "expected a number or a string");
}

static void
test_max_unavailable_over_100(void)
{
        char buf[1024];

        check_str(only_error(ROLLING("1", "150%"), buf, sizeof(buf)),
                  "x.yaml:9:23: spec.strategy.rollingUpdate.maxUnavailable: \"150%\" is more than "
                  "100%, expected at most 100%");
}

static void
test_max_surge_over_100(void)
{
        /* a Deployment may surge past 100%; only maxUnavailable is capped */
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load_valid(ROLLING("200%", "100%"), KUBE_DEPLOYMENT);

        if (d)
                check_str(d->objects[0].deployment->spec.strategy.rolling_update->max_surge.s,
                          "200%");
}

static void
test_both_zero(void)
{
        char buf[1024];

        check_str(only_error(ROLLING("0", "0"), buf, sizeof(buf)),
                  "x.yaml:9:23: spec.strategy.rollingUpdate.maxUnavailable: 0 is not allowed "
                  "when maxSurge is 0, expected maxSurge or maxUnavailable above 0");
        check_str(only_error(ROLLING("0%", "0%"), buf, sizeof(buf)),
                  "x.yaml:9:23: spec.strategy.rollingUpdate.maxUnavailable: \"0%\" is not allowed "
                  "when maxSurge is \"0%\", expected maxSurge or maxUnavailable above 0");
}

static void
test_min_ready_negative(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  minReadySeconds: -5\n" SELECTOR TEMPLATE, buf,
                             sizeof(buf)),
                  "x.yaml:6:20: spec.minReadySeconds: -5 is out of range, expected 0 or more");
}

static void
test_revision_history_negative(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  revisionHistoryLimit: -1\n" SELECTOR TEMPLATE, buf,
                             sizeof(buf)),
                  "x.yaml:6:25: spec.revisionHistoryLimit: -1 is out of range, expected 0 or "
                  "more");
}

static void
test_progress_deadline_negative(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n  progressDeadlineSeconds: -1\n" SELECTOR TEMPLATE, buf,
                             sizeof(buf)),
                  "x.yaml:6:28: spec.progressDeadlineSeconds: -1 is out of range, expected 0 or "
                  "more");
}

static void
test_progress_deadline_not_above_min_ready(void)
{
        char buf[1024];

        check_str(only_error(HEAD "spec:\n"
                                  "  minReadySeconds: 30\n"
                                  "  progressDeadlineSeconds: 30\n" SELECTOR TEMPLATE,
                             buf, sizeof(buf)),
                  "x.yaml:7:28: spec.progressDeadlineSeconds: 30 is not more than "
                  "minReadySeconds (30), expected a longer deadline than minReadySeconds");
}

static void
test_progress_deadline_default_not_above_min_ready(void)
{
        char buf[1024];

        /* the default 600 is checked too, as the API server defaults before it validates */
        check_str(only_error(HEAD "spec:\n  minReadySeconds: 600\n" SELECTOR TEMPLATE, buf,
                             sizeof(buf)),
                  "x.yaml:6:3: spec.progressDeadlineSeconds: 600 (the default) is not more than "
                  "minReadySeconds (600), expected progressDeadlineSeconds set above "
                  "minReadySeconds");
}

static void
test_unknown_spec_field(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                load(HEAD "spec:\n  replica: 2\n" SELECTOR TEMPLATE);

        check(d != NULL);
        if (!d)
                return;
        check(d->n_errors == 0);
        check(d->n_diags == 1);
        if (d->n_diags == 1) {
                check(d->diags[0].severity == KUBE_WARNING);
                check_str(d->diags[0].msg, "unknown field \"replica\" in DeploymentSpec, did you "
                                           "mean \"replicas\"?");
        }
}

int
main(void)
{
        RUN(test_defaults);
        RUN(test_explicit_values);
        RUN(test_replicas_zero);
        RUN(test_one_default_of_two);
        RUN(test_recreate);
        RUN(test_match_expressions);
        RUN(test_spec_missing);
        RUN(test_replicas_negative);
        RUN(test_selector_missing);
        RUN(test_selector_empty);
        RUN(test_selector_mismatch);
        RUN(test_selector_mismatch_no_labels);
        RUN(test_invalid_selector_not_matched);
        RUN(test_template_missing);
        RUN(test_restart_policy);
        RUN(test_restart_policy_always);
        RUN(test_active_deadline);
        RUN(test_strategy_type);
        RUN(test_recreate_with_rolling_update);
        RUN(test_max_surge_negative);
        RUN(test_max_surge_not_percent);
        RUN(test_max_surge_type);
        RUN(test_max_unavailable_over_100);
        RUN(test_max_surge_over_100);
        RUN(test_both_zero);
        RUN(test_min_ready_negative);
        RUN(test_revision_history_negative);
        RUN(test_progress_deadline_negative);
        RUN(test_progress_deadline_not_above_min_ready);
        RUN(test_progress_deadline_default_not_above_min_ready);
        RUN(test_unknown_spec_field);
        return check_done();
}
