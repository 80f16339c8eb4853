/*
 * kube/types-pvc.c: PersistentVolumeClaim (v1), with the rules of
 * ValidatePersistentVolumeClaimSpec() in pkg/apis/core/validation.
 */
#include <string.h>

#include "names.h"
#include "types.h"

static const char *const volume_modes[] = {"Filesystem", "Block", NULL};

static const char *
check_access_mode(const char *s)
{
        static const char *const modes[] = {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany",
                                            "ReadWriteOncePod"};

        for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
                if (strcmp(s, modes[i]) == 0)
                        return NULL;
        return "ReadWriteOnce, ReadOnlyMany, ReadWriteMany or ReadWriteOncePod";
}

/*
 * VolumeResourceRequirements: not the container's ResourceRequirements,
 * whose keys are cpu, memory and extended resources, and which holds
 * requests to limits. A claim asks for "storage", and Kubernetes checks
 * nothing here but that (below) and that the quantities parse.
 */
static const struct kfield pvc_resources_fields[] = {
        KLIST(struct kube_resources, "limits", KF_QTYMAP, limits),
        KLIST(struct kube_resources, "requests", KF_QTYMAP, requests),
        KEND,
};

static const struct ktype ktype_pvc_resources = {
        .name = "VolumeResourceRequirements",
        .size = sizeof(struct kube_resources),
        .fields = pvc_resources_fields,
};

static void
check_storage(struct kctx *c, const struct knode *spec, const struct kube_resources *r)
{
        const struct kube_quantity zero = {0};
        const struct kube_resource *storage = NULL;
        struct knode res, req, x;

        knode_key(&res, spec, "resources");
        knode_key(&req, &res, "requests");
        knode_map_key(&x, &req, "storage");
        for (size_t i = 0; i < r->n_requests; i++)
                if (strcmp(r->requests[i].name, "storage") == 0)
                        storage = &r->requests[i];
        if (!storage) {
                kerror(c, &x, "missing, expected the size of the claim, such as 1Gi");
                return;
        }
        /* not a quantity, or negative: said already */
        if (!storage->qty.text || storage->qty.q.negative)
                return;
        if (kube_quantity_cmp(&storage->qty.q, &zero) <= 0)
                kerror(c, &x, "%s is zero, expected the size of the claim, such as 1Gi",
                       storage->qty.text);
}

static void
validate_pvc_spec(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_pvc_spec *s = obj;
        bool rwop = false, other = false;
        struct knode x;
        const char *why;

        for (size_t i = 0; i < s->n_access_modes; i++) {
                const char *m = s->access_modes[i];

                if (strcmp(m, "ReadWriteOncePod") == 0)
                        rwop = true;
                else if (!check_access_mode(m))
                        other = true;
        }
        /* a volume one pod holds cannot also be shared */
        if (rwop && other)
                kerror(c, knode_key(&x, n, "accessModes"),
                       "ReadWriteOncePod is combined with other access modes, expected "
                       "ReadWriteOncePod alone");

        check_storage(c, n, &s->resources);

        /* "" asks for no class at all, which is valid */
        if (s->storage_class_name && s->storage_class_name[0] &&
            (why = kube_check_dns1123_subdomain(s->storage_class_name)))
                kerror(c, knode_key(&x, n, "storageClassName"), "\"%s\" is not valid, expected %s",
                       s->storage_class_name, why);

        /* the enum check lets "" by; Kubernetes defaults only an absent mode */
        if (s->volume_mode && s->volume_mode[0] == '\0')
                kerror(c, knode_key(&x, n, "volumeMode"),
                       "\"\" is not valid, expected Filesystem or Block");
        if (!s->volume_mode)
                s->volume_mode = "Filesystem";
}

static const struct kfield pvc_spec_fields[] = {
        KLIST(struct kube_pvc_spec, "accessModes", KF_STRINGS, access_modes, .required = true,
              .nonempty = true, .check = check_access_mode),
        KFIELD(struct kube_pvc_spec, "resources", KF_INLINE, resources,
               .type = &ktype_pvc_resources),
        KFIELD(struct kube_pvc_spec, "storageClassName", KF_STRING, storage_class_name),
        KFIELD(struct kube_pvc_spec, "volumeMode", KF_STRING, volume_mode, .enums = volume_modes),
        KFIELD(struct kube_pvc_spec, "volumeName", KF_STRING, volume_name),
        KFIELD(struct kube_pvc_spec, "selector", KF_OBJECT, selector,
               .type = &ktype_label_selector),
        KIGNORED("dataSource", "berth creates claims empty; it cannot fill one from a snapshot "
                               "or another claim"),
        KIGNORED("dataSourceRef", "berth creates claims empty; it cannot fill one from a "
                                  "snapshot, another claim or a volume populator"),
        KIGNORED("volumeAttributesClassName",
                 "berth's volumes are local directories, without a CSI driver to tune them"),
        KEND,
};

static const struct ktype ktype_pvc_spec = {
        .name = "PersistentVolumeClaimSpec",
        .size = sizeof(struct kube_pvc_spec),
        .fields = pvc_spec_fields,
        .validate = validate_pvc_spec,
};

/* ------------------------------------------------------------ PersistentVolumeClaim */

static void
validate_pvc(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_pvc *p = obj;

        kcheck_object_meta(c, n, &p->meta);
}

static const struct kfield pvc_fields[] = {
        KSILENT("apiVersion"),
        KSILENT("kind"),
        KFIELD(struct kube_pvc, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        KFIELD(struct kube_pvc, "spec", KF_INLINE, spec, .type = &ktype_pvc_spec, .required = true),
        KSILENT("status"),
        KEND,
};

const struct ktype ktype_pvc = {
        .name = "PersistentVolumeClaim",
        .size = sizeof(struct kube_pvc),
        .fields = pvc_fields,
        .validate = validate_pvc,
};
