/*
 * kube/types-deployment.c: Deployment (apps/v1), with the defaults of
 * pkg/apis/apps/v1/defaults.go and the rules of pkg/apis/apps/validation
 * (ValidateDeploymentSpec, ValidatePodTemplateSpecForReplicaSet,
 * ValidateDeploymentStrategy, ValidateRollingUpdateDeployment).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "types.h"

#define DEFAULT_REPLICAS 1
#define DEFAULT_REVISION_HISTORY_LIMIT 10
#define DEFAULT_PROGRESS_DEADLINE_SECONDS 600
#define DEFAULT_MAX_SURGE "25%"
#define DEFAULT_MAX_UNAVAILABLE "25%"

static const char *const strategy_types[] = {"RollingUpdate", "Recreate", NULL};

/* Present and not null: Go's decoder leaves a null pointer field unset, so defaults apply. */
static bool
given(const struct knode *x)
{
        return x->v && !json_is_null(x->v);
}

/* ------------------------------------------------------------ strategy */

static const struct kfield rolling_update_fields[] = {
        KFIELD(struct kube_rolling_update, "maxSurge", KF_INT_OR_STRING, max_surge),
        KFIELD(struct kube_rolling_update, "maxUnavailable", KF_INT_OR_STRING, max_unavailable),
        KEND,
};

static const struct ktype ktype_rolling_update = {
        .name = "RollingUpdateDeployment",
        .size = sizeof(struct kube_rolling_update),
        .fields = rolling_update_fields,
};

static const struct kfield strategy_fields[] = {
        KFIELD(struct kube_deployment_strategy, "type", KF_STRING, type, .enums = strategy_types),
        KFIELD(struct kube_deployment_strategy, "rollingUpdate", KF_OBJECT, rolling_update,
               .type = &ktype_rolling_update),
        KEND,
};

static const struct ktype ktype_strategy = {
        .name = "DeploymentStrategy",
        .size = sizeof(struct kube_deployment_strategy),
        .fields = strategy_fields,
};

static const char *
int_or_string_text(const struct kube_int_or_string *v, char *buf, size_t size)
{
        if (v->is_string)
                snprintf(buf, size, "\"%s\"", v->s);
        else
                snprintf(buf, size, "%" PRId64, v->i);
        return buf;
}

/*
 * validation.IsValidPercent(): [0-9]+%, read as strconv.Atoi() reads the
 * digits (saturating, as Atoi returns the limit with its range error).
 * -1 when s is not a percentage.
 */
static int64_t
percent_value(const char *s)
{
        int64_t v = 0;
        size_t i = 0;

        for (; s[i] >= '0' && s[i] <= '9'; i++)
                v = v > (INT64_MAX - 9) / 10 ? INT64_MAX : v * 10 + (s[i] - '0');
        if (i == 0 || s[i] != '%' || s[i + 1] != '\0')
                return -1;
        return v;
}

/*
 * maxSurge or maxUnavailable at n: ValidatePositiveIntOrPercent(), plus
 * IsNotMoreThan100Percent() for maxUnavailable. Returns the number
 * getIntOrPercentValue() sees, or -1 when the value is not valid (reported).
 */
static int64_t
check_int_or_percent(struct kctx *c, const struct knode *n, const struct kube_int_or_string *v,
                     bool at_most_100)
{
        int64_t p;

        if (!v->is_string) {
                if (v->i < 0) {
                        kerror(c, n,
                               "%" PRId64 " is out of range, expected 0 or more or a percentage "
                               "such as 25%%",
                               v->i);
                        return -1;
                }
                /* intstr keeps an int32: a larger number does not even decode */
                if (v->i > INT32_MAX) {
                        kerror(c, n, "%" PRId64 " is out of range, expected a 32-bit integer",
                               v->i);
                        return -1;
                }
                return v->i;
        }
        p = percent_value(v->s);
        if (p < 0) {
                kerror(c, n,
                       "\"%s\" is not valid, expected a whole number or a percentage such as 25%%",
                       v->s);
                return -1;
        }
        if (at_most_100 && p > 100)
                kerror(c, n, "\"%s\" is more than 100%%, expected at most 100%%", v->s);
        return p;
}

/* Defaults for RollingUpdate (or no type), then ValidateDeploymentStrategy(). */
static void
check_strategy(struct kctx *c, const struct knode *spec, struct kube_deployment_strategy *st)
{
        struct knode sn, ru, surge, unavail;
        struct kube_rolling_update *r;
        int64_t s, u;

        knode_key(&sn, spec, "strategy");
        knode_key(&ru, &sn, "rollingUpdate");
        if (!st->type || st->type[0] == '\0')
                st->type = "RollingUpdate";
        if (strcmp(st->type, "Recreate") == 0) {
                if (st->rolling_update)
                        kerror(c, &ru, "may not be specified when strategy type is Recreate");
                return;
        }
        if (strcmp(st->type, "RollingUpdate") != 0)
                return; /* the enum check has said so */

        if (!st->rolling_update) {
                st->rolling_update = kalloc(c, sizeof(*st->rolling_update));
                if (!st->rolling_update)
                        return;
        }
        r = st->rolling_update;
        if (!r->max_surge.set)
                r->max_surge = (struct kube_int_or_string){
                        .set = true, .is_string = true, .s = DEFAULT_MAX_SURGE};
        if (!r->max_unavailable.set)
                r->max_unavailable = (struct kube_int_or_string){
                        .set = true, .is_string = true, .s = DEFAULT_MAX_UNAVAILABLE};

        knode_key(&surge, &ru, "maxSurge");
        knode_key(&unavail, &ru, "maxUnavailable");
        s = check_int_or_percent(c, &surge, &r->max_surge, false);
        u = check_int_or_percent(c, &unavail, &r->max_unavailable, true);
        /* with neither, a rollout could never replace a pod */
        if (s == 0 && u == 0) {
                char ubuf[64], sbuf[64];

                kerror(c, &unavail,
                       "%s is not allowed when maxSurge is %s, expected maxSurge or "
                       "maxUnavailable above 0",
                       int_or_string_text(&r->max_unavailable, ubuf, sizeof(ubuf)),
                       int_or_string_text(&r->max_surge, sbuf, sizeof(sbuf)));
        }
}

/* ------------------------------------------------------------ spec */

/*
 * Whether metav1.LabelSelectorAsSelector() takes sel. When it does not, the
 * selector's own errors are reported and Kubernetes skips the match with the
 * template; so do we, rather than add a confusing second error.
 */
static bool
selector_is_valid(const struct kube_label_selector *sel)
{
        for (size_t i = 0; i < sel->n_match_labels; i++)
                if (kube_check_qualified_name(sel->match_labels[i].key) ||
                    kube_check_label_value(sel->match_labels[i].value))
                        return false;
        for (size_t i = 0; i < sel->n_match_expressions; i++) {
                const struct kube_label_requirement *r = &sel->match_expressions[i];

                if (!r->key || !r->op || kube_check_qualified_name(r->key))
                        return false;
                if (strcmp(r->op, "In") == 0 || strcmp(r->op, "NotIn") == 0) {
                        if (r->n_values == 0)
                                return false;
                } else if (strcmp(r->op, "Exists") == 0 || strcmp(r->op, "DoesNotExist") == 0) {
                        if (r->n_values > 0)
                                return false;
                } else {
                        return false;
                }
                for (size_t j = 0; j < r->n_values; j++)
                        if (kube_check_label_value(r->values[j]))
                                return false;
        }
        return true;
}

static void
check_selector(struct kctx *c, const struct knode *spec, struct kube_deployment_spec *s)
{
        const struct kube_label_selector *sel = s->selector;
        const struct kube_meta *tm = &s->template_.meta;
        struct knode x, t;

        knode_key(&x, spec, "selector");
        if (!sel)
                return; /* missing or not a mapping: reported */
        if (sel->n_match_labels + sel->n_match_expressions == 0) {
                kerror(c, &x,
                       "is empty, expected matchLabels or matchExpressions that pick the "
                       "Deployment's pods");
                return;
        }
        if (!json_is_object(knode_key(&t, spec, "template")->v) || !selector_is_valid(sel))
                return;
        /* the Deployment finds its pods by these labels: it would never see its own */
        if (!klabel_selector_matches(sel, tm->labels, tm->n_labels))
                kerror(c, &x,
                       "does not match spec.template.metadata.labels, expected every "
                       "matchLabels entry and matchExpressions requirement to hold for the "
                       "template's labels");
}

/* ValidatePodTemplateSpecForReplicaSet(): what a pod of a Deployment may not be. */
static void
check_template(struct kctx *c, const struct knode *spec, struct kube_deployment_spec *s)
{
        const struct kube_pod_spec *ps = &s->template_.spec;
        struct knode t, ts, x;
        const char *rp = ps->restart_policy;

        knode_key(&t, spec, "template");
        knode_key(&ts, &t, "spec");
        if (!json_is_object(ts.v))
                return;
        /* OnFailure and Never only; anything else failed the pod spec's own check */
        if (rp && (strcmp(rp, "OnFailure") == 0 || strcmp(rp, "Never") == 0))
                kerror(c, knode_key(&x, &ts, "restartPolicy"),
                       "\"%s\" is not allowed in a Deployment, expected Always (a Deployment "
                       "keeps its pods running)",
                       rp);
        if (ps->active_deadline_seconds.set)
                kerror(c, knode_key(&x, &ts, "activeDeadlineSeconds"),
                       "%" PRId64 " is not allowed in a Deployment, expected no "
                       "activeDeadlineSeconds (a Deployment keeps its pods running)",
                       ps->active_deadline_seconds.v);
}

static void
validate_spec(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_deployment_spec *s = obj;
        struct knode x, pd;
        bool pd_given;

        if (!given(knode_key(&x, n, "replicas")))
                s->replicas = DEFAULT_REPLICAS;
        if (!given(knode_key(&x, n, "revisionHistoryLimit")))
                s->revision_history_limit = DEFAULT_REVISION_HISTORY_LIMIT;
        pd_given = given(knode_key(&pd, n, "progressDeadlineSeconds"));
        if (!pd_given)
                s->progress_deadline_seconds = DEFAULT_PROGRESS_DEADLINE_SECONDS;

        check_selector(c, n, s);
        check_template(c, n, s);
        check_strategy(c, n, &s->strategy);

        /*
         * Defaults come before validation in the API server, so a
         * minReadySeconds of 600 or more needs a longer deadline written out.
         */
        if (pd_given && (!json_is_integer(pd.v) || json_integer_value(pd.v) < 0 ||
                         json_integer_value(pd.v) > INT32_MAX))
                return; /* reported by the field's own check */
        if (s->progress_deadline_seconds <= s->min_ready_seconds) {
                if (pd_given)
                        kerror(c, &pd,
                               "%" PRId64 " is not more than minReadySeconds (%" PRId64
                               "), expected a longer deadline than minReadySeconds",
                               s->progress_deadline_seconds, s->min_ready_seconds);
                else
                        kerror(c, &pd,
                               "%" PRId64
                               " (the default) is not more than minReadySeconds (%" PRId64
                               "), expected progressDeadlineSeconds set above minReadySeconds",
                               s->progress_deadline_seconds, s->min_ready_seconds);
        }
}

static const struct kfield spec_fields[] = {
        KFIELD(struct kube_deployment_spec, "replicas", KF_INT, replicas, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_deployment_spec, "selector", KF_OBJECT, selector,
               .type = &ktype_label_selector, .required = true),
        KFIELD(struct kube_deployment_spec, "template", KF_INLINE, template_,
               .type = &ktype_pod_template, .required = true),
        KFIELD(struct kube_deployment_spec, "strategy", KF_INLINE, strategy,
               .type = &ktype_strategy),
        KFIELD(struct kube_deployment_spec, "minReadySeconds", KF_INT, min_ready_seconds, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_deployment_spec, "revisionHistoryLimit", KF_INT, revision_history_limit,
               .min = 0, .max = INT32_MAX),
        KFIELD(struct kube_deployment_spec, "progressDeadlineSeconds", KF_INT,
               progress_deadline_seconds, .min = 0, .max = INT32_MAX),
        KFIELD(struct kube_deployment_spec, "paused", KF_BOOL, paused),
        KEND,
};

static const struct ktype ktype_deployment_spec = {
        .name = "DeploymentSpec",
        .size = sizeof(struct kube_deployment_spec),
        .fields = spec_fields,
        .validate = validate_spec,
};

/* ------------------------------------------------------------ Deployment */

static void
validate_deployment(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_deployment *d = obj;

        kcheck_object_meta(c, n, &d->meta);
}

static const struct kfield deployment_fields[] = {
        KSILENT("apiVersion"),
        KSILENT("kind"),
        KFIELD(struct kube_deployment, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        KFIELD(struct kube_deployment, "spec", KF_INLINE, spec, .type = &ktype_deployment_spec,
               .required = true),
        KSILENT("status"),
        KEND,
};

const struct ktype ktype_deployment = {
        .name = "Deployment",
        .size = sizeof(struct kube_deployment),
        .fields = deployment_fields,
        .validate = validate_deployment,
};
