/* kube/types.h: the field tables of the Kubernetes types berth reads (see decode.h) */
#pragma once

#include "decode.h"
#include "quantity.h"
#include "util/cleanup.h"

/* types-meta.c */
extern const struct ktype ktype_meta;
extern const struct ktype ktype_label_selector;
/* call from a validate hook: matchLabels/matchExpressions select these labels? */
bool klabel_selector_matches(const struct kube_label_selector *sel, const struct kube_kv *labels,
                             size_t n_labels);

/* types-container.c */
extern const struct ktype ktype_container;
extern const struct ktype ktype_init_container;
extern const struct ktype ktype_resources;
extern const struct ktype ktype_field_ref;
extern const struct ktype ktype_resource_field_ref;

/* types-probe.c */
extern const struct ktype ktype_probe; /* livenessProbe, readinessProbe, startupProbe */
extern const struct ktype ktype_lifecycle;

/* types-security.c */
extern const struct ktype ktype_security_context;     /* container */
extern const struct ktype ktype_pod_security_context; /* pod */

/* types-volume.c */
extern const struct ktype ktype_volume;

/* types-pod.c */
extern const struct ktype ktype_pod;
extern const struct ktype ktype_pod_spec;
extern const struct ktype ktype_pod_template;

/* types-deployment.c */
extern const struct ktype ktype_deployment;

/* types-config.c */
extern const struct ktype ktype_configmap;
extern const struct ktype ktype_secret;

/* types-pvc.c */
extern const struct ktype ktype_pvc;

/* types-meta.c: metadata of a top-level object at n: a name, and the default namespace */
void kcheck_object_meta(struct kctx *c, const struct knode *n, struct kube_meta *m);

/* types-probe.c: rules that depend on the container (named ports, liveness success threshold) */
void kcheck_probe_roles(struct kctx *c, const struct knode *container_node,
                        const struct kube_container *ct);
