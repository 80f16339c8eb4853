/* kube/types-meta.c: ObjectMeta and label selectors */
#include <string.h>

#include "names.h"
#include "types.h"

#define ANNOTATIONS_MAX (256 * 1024) /* Kubernetes' TotalAnnotationSizeLimitB */

static void
validate_meta(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_meta *m = obj;
        size_t total = 0;

        for (size_t i = 0; i < m->n_annotations; i++)
                total += strlen(m->annotations[i].key) + strlen(m->annotations[i].value);
        if (total > ANNOTATIONS_MAX) {
                struct knode a;
                kerror(c, knode_key(&a, n, "annotations"),
                       "%zu bytes in all are too long, expected at most %d", total,
                       ANNOTATIONS_MAX);
        }
}

static const struct kfield meta_fields[] = {
        KFIELD(struct kube_meta, "name", KF_STRING, name, .check = kube_check_dns1123_subdomain),
        KFIELD(struct kube_meta, "generateName", KF_STRING, generate_name),
        KFIELD(struct kube_meta, "namespace", KF_STRING, namespace_,
               .check = kube_check_dns1123_label),
        KLIST(struct kube_meta, "labels", KF_STRMAP, labels, .check = kube_check_qualified_name,
              .check_value = kube_check_label_value),
        KLIST(struct kube_meta, "annotations", KF_STRMAP, annotations,
              .check = kube_check_qualified_name),
        /* set by an API server; present in `kubectl get -o yaml` output */
        KSILENT("uid"),
        KSILENT("resourceVersion"),
        KSILENT("generation"),
        KSILENT("creationTimestamp"),
        KSILENT("deletionTimestamp"),
        KSILENT("deletionGracePeriodSeconds"),
        KSILENT("selfLink"),
        KSILENT("managedFields"),
        KSILENT("ownerReferences"),
        KSILENT("finalizers"),
        KEND,
};

const struct ktype ktype_meta = {
        .name = "ObjectMeta",
        .size = sizeof(struct kube_meta),
        .fields = meta_fields,
        .validate = validate_meta,
};

/* ------------------------------------------------------------ selectors */

static const char *const selector_ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};

static void
validate_requirement(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_label_requirement *r = obj;
        struct knode v;
        bool with_values;

        if (!r->op)
                return;
        with_values = strcmp(r->op, "In") == 0 || strcmp(r->op, "NotIn") == 0;
        knode_key(&v, n, "values");
        if (with_values && r->n_values == 0)
                kerror(c, &v, "missing, expected at least one value for operator %s", r->op);
        else if (!with_values && r->n_values > 0)
                kerror(c, &v, "found %zu values, expected none for operator %s", r->n_values,
                       r->op);
}

static const struct kfield requirement_fields[] = {
        KFIELD(struct kube_label_requirement, "key", KF_STRING, key, .required = true,
               .check = kube_check_qualified_name),
        KFIELD(struct kube_label_requirement, "operator", KF_STRING, op, .required = true,
               .enums = selector_ops),
        KLIST(struct kube_label_requirement, "values", KF_STRINGS, values,
              .check = kube_check_label_value),
        KEND,
};

static const struct ktype ktype_requirement = {
        .name = "LabelSelectorRequirement",
        .size = sizeof(struct kube_label_requirement),
        .fields = requirement_fields,
        .validate = validate_requirement,
};

static const struct kfield selector_fields[] = {
        KLIST(struct kube_label_selector, "matchLabels", KF_STRMAP, match_labels,
              .check = kube_check_qualified_name, .check_value = kube_check_label_value),
        KLIST(struct kube_label_selector, "matchExpressions", KF_ARRAY, match_expressions,
              .type = &ktype_requirement),
        KEND,
};

const struct ktype ktype_label_selector = {
        .name = "LabelSelector",
        .size = sizeof(struct kube_label_selector),
        .fields = selector_fields,
};

static const char *
label_get(const struct kube_kv *labels, size_t n, const char *key)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(labels[i].key, key) == 0)
                        return labels[i].value;
        return NULL;
}

bool
klabel_selector_matches(const struct kube_label_selector *sel, const struct kube_kv *labels,
                        size_t n_labels)
{
        for (size_t i = 0; i < sel->n_match_labels; i++) {
                const char *v = label_get(labels, n_labels, sel->match_labels[i].key);
                if (!v || strcmp(v, sel->match_labels[i].value) != 0)
                        return false;
        }
        for (size_t i = 0; i < sel->n_match_expressions; i++) {
                const struct kube_label_requirement *r = &sel->match_expressions[i];
                const char *v;
                bool in = false;

                if (!r->key || !r->op)
                        continue;
                v = label_get(labels, n_labels, r->key);
                for (size_t j = 0; v && j < r->n_values; j++)
                        in = in || strcmp(v, r->values[j]) == 0;
                if ((strcmp(r->op, "In") == 0 && !in) || (strcmp(r->op, "NotIn") == 0 && in) ||
                    (strcmp(r->op, "Exists") == 0 && !v) ||
                    (strcmp(r->op, "DoesNotExist") == 0 && v))
                        return false;
        }
        return true;
}

void
kcheck_object_meta(struct kctx *c, const struct knode *n, struct kube_meta *m)
{
        struct knode md, name;

        knode_key(&md, n, "metadata");
        if (!md.v) {
                kerror(c, &md, "missing, expected a mapping with at least a name");
        } else if (!m->name && !m->generate_name && json_is_object(md.v)) {
                kerror(c, knode_key(&name, &md, "name"), "missing, expected a string");
        }
        if (!m->namespace_)
                m->namespace_ = "default";
}
