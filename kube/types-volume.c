/*
 * kube/types-volume.c: pod volumes (core/v1 Volume) with
 * pkg/apis/core/validation's validateVolumeSource() and friends, for the
 * sources one machine can provide. The others are named in an error rather
 * than passed over, since a pod without its volume is not the pod asked for.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "types.h"
#include "util/cleanup.h"

#define MODE_MAX 0777
/* SetDefaults_ConfigMapVolumeSource() and the like: 0644 */
#define MODE_DEFAULT 0644
/*
 * Kubernetes' SetDefaults_SecretVolumeSource() says 0644 too; berth keeps a
 * secret volume's files to their owner, whom reconcile/podvolumes.c makes
 * the pod's runAsUser so that a non-root container still reads them.
 */
#define SECRET_MODE_DEFAULT 0400

#define SOURCES \
        "emptyDir, hostPath, configMap, secret, persistentVolumeClaim, downwardAPI or projected"

/* fileModeErrorMsg: "must be a number between 0 and 0777 (octal), both inclusive" */
static void
check_mode(struct kctx *c, const struct knode *n, const char *key, const struct kube_opt_int *mode)
{
        struct knode m;

        if (!mode->set || (mode->v >= 0 && mode->v <= MODE_MAX))
                return;
        kerror(c, knode_key(&m, n, key),
               "%" PRId64 " is out of range, expected 0-511 (0777 in octal; YAML reads a leading "
               "0 as octal, as in 0644)",
               mode->v);
}

static void
default_mode(struct kube_opt_int *mode, int64_t dflt)
{
        if (!mode->set)
                *mode = (struct kube_opt_int){.set = true, .v = dflt};
}

/* ------------------------------------------------------------ items */

static void
validate_key_to_path(struct kctx *c, const struct knode *n, void *obj)
{
        check_mode(c, n, "mode", &((struct kube_key_to_path *)obj)->mode);
}

/*
 * validateKeyToPath() checks the key for presence only; a key no ConfigMap
 * or Secret can hold is a typo that would otherwise surface at start time.
 */
static const struct kfield key_to_path_fields[] = {
        KFIELD(struct kube_key_to_path, "key", KF_STRING, key, .required = true, .nonempty = true,
               .check = kube_check_config_key),
        KFIELD(struct kube_key_to_path, "path", KF_STRING, path, .required = true,
               .check = kube_check_item_path),
        KFIELD(struct kube_key_to_path, "mode", KF_OPT_INT, mode),
        KEND,
};

static const struct ktype ktype_key_to_path = {
        .name = "KeyToPath",
        .size = sizeof(struct kube_key_to_path),
        .fields = key_to_path_fields,
        .validate = validate_key_to_path,
};

/* validVolumeDownwardAPIFieldPathExpressions, and the subscripted label and annotation maps */
static const char *const volume_field_paths[] = {
        "metadata.name",   "metadata.namespace",   "metadata.uid",
        "metadata.labels", "metadata.annotations", NULL,
};

#define VOLUME_FIELD_PATHS                                                   \
        "metadata.name, metadata.namespace, metadata.uid, metadata.labels, " \
        "metadata.annotations, metadata.labels['KEY'] or metadata.annotations['KEY']"

/* validateObjectFieldSelector() with the volume's list (env vars may read more) */
static void
check_volume_field_path(struct kctx *c, const struct knode *ref, const char *p)
{
        const char *open = strstr(p, "['");
        size_t len = strlen(p);
        struct knode fp;
        char key[512];
        const char *why;

        knode_key(&fp, ref, "fieldPath");
        if (!open || len < 4 || strcmp(p + len - 2, "']") != 0) {
                for (size_t i = 0; volume_field_paths[i]; i++)
                        if (strcmp(p, volume_field_paths[i]) == 0)
                                return;
                kerror(c, &fp, "\"%s\" is not supported in a volume, expected " VOLUME_FIELD_PATHS,
                       p);
                return;
        }
        if (!((open - p == 15 && strncmp(p, "metadata.labels", 15) == 0) ||
              (open - p == 20 && strncmp(p, "metadata.annotations", 20) == 0))) {
                kerror(c, &fp, "\"%s\" is not supported in a volume, expected " VOLUME_FIELD_PATHS,
                       p);
                return;
        }
        /* fieldpath.SplitMaybeSubscriptedPath(): the key lies between [' and '] */
        snprintf(key, sizeof(key), "%.*s", (int)(p + len - 2 - (open + 2)), open + 2);
        /* annotation keys are matched without case */
        if (open - p == 20)
                for (char *k = key; *k; k++)
                        *k = (char)tolower((unsigned char)*k);
        why = kube_check_qualified_name(key);
        if (why)
                kerror(c, &fp, "\"%s\" is not valid, expected a key that is %s", p, why);
}

static void
validate_downward_item(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_downward_item *d = obj;
        json_t *f = json_object_get(n->v, "fieldRef"),
               *r = json_object_get(n->v, "resourceFieldRef");
        bool has_f = f && !json_is_null(f), has_r = r && !json_is_null(r);
        struct knode ref, name;

        if (!has_f && !has_r)
                kerror(c, n, "no source, expected one of fieldRef or resourceFieldRef");
        else if (has_f && has_r)
                kerror(c, n,
                       "found 2 sources (fieldRef, resourceFieldRef), expected exactly one "
                       "of fieldRef or resourceFieldRef");
        if (d->field_ref && d->field_ref->field_path && d->field_ref->field_path[0])
                check_volume_field_path(c, knode_key(&ref, n, "fieldRef"),
                                        d->field_ref->field_path);
        /* validateContainerResourceFieldSelector(volume = true): no container to default to */
        if (d->resource_field_ref &&
            (!d->resource_field_ref->container_name || !d->resource_field_ref->container_name[0]))
                kerror(c, knode_key(&name, knode_key(&ref, n, "resourceFieldRef"), "containerName"),
                       "missing, expected the name of one of the pod's containers (required in "
                       "a volume)");
        check_mode(c, n, "mode", &d->mode);
}

static const struct kfield downward_item_fields[] = {
        KFIELD(struct kube_downward_item, "path", KF_STRING, path, .required = true,
               .check = kube_check_item_path),
        KFIELD(struct kube_downward_item, "fieldRef", KF_OBJECT, field_ref,
               .type = &ktype_field_ref),
        KFIELD(struct kube_downward_item, "resourceFieldRef", KF_OBJECT, resource_field_ref,
               .type = &ktype_resource_field_ref),
        KFIELD(struct kube_downward_item, "mode", KF_OPT_INT, mode),
        KEND,
};

static const struct ktype ktype_downward_item = {
        .name = "DownwardAPIVolumeFile",
        .size = sizeof(struct kube_downward_item),
        .fields = downward_item_fields,
        .validate = validate_downward_item,
};

/* ------------------------------------------------------------ sources */

static const char *
check_medium(const char *s)
{
        struct kube_quantity q;

        if (!s[0] || strcmp(s, "Memory") == 0 || strcmp(s, "HugePages") == 0)
                return NULL;
        /* StorageMediumHugePagesPrefix: a page size, as in hugepages-2Mi resources */
        if (strncmp(s, "HugePages-", 10) == 0 && kube_quantity_parse(s + 10, &q) == 0 &&
            !q.negative && q.mant)
                return NULL;
        return "\"\" (the node's disk), Memory (a tmpfs), HugePages or HugePages-<size> such as "
               "HugePages-2Mi";
}

static void
validate_empty_dir(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_empty_dir *e = obj;
        struct knode s;

        /* zero is never negative in struct kube_quantity, so "-0" passes, as in Kubernetes */
        if (e->size_limit.text && e->size_limit.q.negative)
                kerror(c, knode_key(&s, n, "sizeLimit"), "%s is negative, expected 0 or more",
                       e->size_limit.text);
        if (!e->medium)
                e->medium = "";
}

static const struct kfield empty_dir_fields[] = {
        KFIELD(struct kube_empty_dir, "medium", KF_STRING, medium, .check = check_medium),
        KFIELD(struct kube_empty_dir, "sizeLimit", KF_QTY, size_limit),
        KEND,
};

static const struct ktype ktype_empty_dir = {
        .name = "EmptyDirVolumeSource",
        .size = sizeof(struct kube_empty_dir),
        .fields = empty_dir_fields,
        .validate = validate_empty_dir,
};

static void
validate_host_path(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_host_path *h = obj;

        if (!h->type)
                h->type = "";
}

/* supportedHostPathTypes; "" (HostPathUnset) is taken by the engine as not given */
static const char *const host_path_types[] = {
        "DirectoryOrCreate", "Directory",   "FileOrCreate", "File", "Socket",
        "CharDevice",        "BlockDevice", NULL,
};

/*
 * Kubernetes only refuses ".." in the path; a relative one fails in the
 * kubelet, and berth would resolve it against its own working directory.
 */
static const struct kfield host_path_fields[] = {
        KFIELD(struct kube_host_path, "path", KF_STRING, path, .required = true,
               .check = kube_check_absolute_path),
        KFIELD(struct kube_host_path, "type", KF_STRING, type, .enums = host_path_types),
        KEND,
};

static const struct ktype ktype_host_path = {
        .name = "HostPathVolumeSource",
        .size = sizeof(struct kube_host_path),
        .fields = host_path_fields,
        .validate = validate_host_path,
};

static void
validate_config_map(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_config_map_volume *v = obj;

        check_mode(c, n, "defaultMode", &v->default_mode);
        default_mode(&v->default_mode, MODE_DEFAULT);
}

static const struct kfield config_map_fields[] = {
        KFIELD(struct kube_config_map_volume, "name", KF_STRING, name, .required = true,
               .nonempty = true),
        KLIST(struct kube_config_map_volume, "items", KF_ARRAY, items, .type = &ktype_key_to_path),
        KFIELD(struct kube_config_map_volume, "defaultMode", KF_OPT_INT, default_mode),
        KFIELD(struct kube_config_map_volume, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_config_map_volume = {
        .name = "ConfigMapVolumeSource",
        .size = sizeof(struct kube_config_map_volume),
        .fields = config_map_fields,
        .validate = validate_config_map,
};

static void
validate_secret(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_secret_volume *v = obj;

        check_mode(c, n, "defaultMode", &v->default_mode);
        default_mode(&v->default_mode, SECRET_MODE_DEFAULT);
}

static const struct kfield secret_fields[] = {
        KFIELD(struct kube_secret_volume, "secretName", KF_STRING, secret_name, .required = true,
               .nonempty = true),
        KLIST(struct kube_secret_volume, "items", KF_ARRAY, items, .type = &ktype_key_to_path),
        KFIELD(struct kube_secret_volume, "defaultMode", KF_OPT_INT, default_mode),
        KFIELD(struct kube_secret_volume, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_secret_volume = {
        .name = "SecretVolumeSource",
        .size = sizeof(struct kube_secret_volume),
        .fields = secret_fields,
        .validate = validate_secret,
};

static const struct kfield pvc_fields[] = {
        KFIELD(struct kube_pvc_volume, "claimName", KF_STRING, claim_name, .required = true,
               .nonempty = true),
        KFIELD(struct kube_pvc_volume, "readOnly", KF_BOOL, read_only),
        KEND,
};

static const struct ktype ktype_pvc_volume = {
        .name = "PersistentVolumeClaimVolumeSource",
        .size = sizeof(struct kube_pvc_volume),
        .fields = pvc_fields,
};

static void
validate_downward_api(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_downward_api *v = obj;

        check_mode(c, n, "defaultMode", &v->default_mode);
        default_mode(&v->default_mode, MODE_DEFAULT);
}

static const struct kfield downward_api_fields[] = {
        KLIST(struct kube_downward_api, "items", KF_ARRAY, items, .type = &ktype_downward_item),
        KFIELD(struct kube_downward_api, "defaultMode", KF_OPT_INT, default_mode),
        KEND,
};

static const struct ktype ktype_downward_api = {
        .name = "DownwardAPIVolumeSource",
        .size = sizeof(struct kube_downward_api),
        .fields = downward_api_fields,
        .validate = validate_downward_api,
};

/* ------------------------------------------------------------ projected */

/* The projections have no defaultMode of their own: the projected volume's applies. */
static const struct kfield config_map_projection_fields[] = {
        KFIELD(struct kube_config_map_volume, "name", KF_STRING, name, .required = true,
               .nonempty = true),
        KLIST(struct kube_config_map_volume, "items", KF_ARRAY, items, .type = &ktype_key_to_path),
        KFIELD(struct kube_config_map_volume, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_config_map_projection = {
        .name = "ConfigMapProjection",
        .size = sizeof(struct kube_config_map_volume),
        .fields = config_map_projection_fields,
};

static const struct kfield secret_projection_fields[] = {
        KFIELD(struct kube_secret_volume, "name", KF_STRING, secret_name, .required = true,
               .nonempty = true),
        KLIST(struct kube_secret_volume, "items", KF_ARRAY, items, .type = &ktype_key_to_path),
        KFIELD(struct kube_secret_volume, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_secret_projection = {
        .name = "SecretProjection",
        .size = sizeof(struct kube_secret_volume),
        .fields = secret_projection_fields,
};

static const struct kfield downward_api_projection_fields[] = {
        KLIST(struct kube_downward_api, "items", KF_ARRAY, items, .type = &ktype_downward_item),
        KEND,
};

static const struct ktype ktype_downward_api_projection = {
        .name = "DownwardAPIProjection",
        .size = sizeof(struct kube_downward_api),
        .fields = downward_api_projection_fields,
};

static const char *const projection_sources[] = {
        "configMap",          "secret",         "downwardAPI", "serviceAccountToken",
        "clusterTrustBundle", "podCertificate", NULL,
};

/* Counted from the document, so a source of the wrong type is reported once. */
static size_t
count_present(const struct knode *n, const char *const *keys, char *found, size_t size)
{
        size_t count = 0, len = 0;

        found[0] = '\0';
        for (size_t i = 0; keys[i]; i++) {
                json_t *v = json_object_get(n->v, keys[i]);
                int k;

                if (!v || json_is_null(v))
                        continue;
                k = snprintf(found + len, size - len, "%s%s", count ? ", " : "", keys[i]);
                if (k > 0 && (size_t)k < size - len)
                        len += (size_t)k;
                count++;
        }
        return count;
}

/* validateProjectionSources(): "may not specify more than 1 volume type per source" */
static void
validate_projection(struct kctx *c, const struct knode *n, void *obj)
{
        char found[160];
        size_t count = count_present(n, projection_sources, found, sizeof(found));

        if (count > 1)
                kerror(c, n,
                       "found %zu sources (%s), expected at most one of configMap, secret, "
                       "downwardAPI, serviceAccountToken or clusterTrustBundle",
                       count, found);
}

#define NO_API_SERVER(what) "berth has no API server to " what

static const struct kfield projection_fields[] = {
        KFIELD(struct kube_projection, "configMap", KF_OBJECT, config_map,
               .type = &ktype_config_map_projection),
        KFIELD(struct kube_projection, "secret", KF_OBJECT, secret,
               .type = &ktype_secret_projection),
        KFIELD(struct kube_projection, "downwardAPI", KF_OBJECT, downward_api,
               .type = &ktype_downward_api_projection),
        KIGNORED("serviceAccountToken", NO_API_SERVER("issue service account tokens")),
        KIGNORED("clusterTrustBundle", NO_API_SERVER("read ClusterTrustBundles from")),
        KIGNORED("podCertificate", NO_API_SERVER("issue pod certificates")),
        KEND,
};

static const struct ktype ktype_projection = {
        .name = "VolumeProjection",
        .size = sizeof(struct kube_projection),
        .fields = projection_fields,
        .validate = validate_projection,
};

static void
validate_projected(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_projected *v = obj;

        check_mode(c, n, "defaultMode", &v->default_mode);
        default_mode(&v->default_mode, MODE_DEFAULT);
}

static const struct kfield projected_fields[] = {
        KLIST(struct kube_projected, "sources", KF_ARRAY, sources, .type = &ktype_projection),
        KFIELD(struct kube_projected, "defaultMode", KF_OPT_INT, default_mode),
        KEND,
};

static const struct ktype ktype_projected = {
        .name = "ProjectedVolumeSource",
        .size = sizeof(struct kube_projected),
        .fields = projected_fields,
        .validate = validate_projected,
};

/* ------------------------------------------------------------ item paths */

/*
 * Two items writing one file: Kubernetes refuses it across the sources of
 * a projected volume ("conflicting duplicate paths"); within one source the
 * kubelet's atomic writer would silently keep one of them, so berth refuses
 * that too.
 */
struct path_seen {
        const char *path;
        char where[96];
};

struct path_set {
        struct path_seen *seen;
        size_t n, size;
};

static void
paths_add(struct kctx *c, struct path_set *set, const struct knode *items, const void *base,
          size_t n_items, size_t stride, size_t off, const char *prefix)
{
        for (size_t i = 0; i < n_items; i++) {
                const char *p = *(const char *const *)((const char *)base + i * stride + off);
                struct knode item, pn;
                bool dup = false;

                if (!p || !p[0] || set->n >= set->size)
                        continue;
                for (size_t j = 0; j < set->n && !dup; j++) {
                        if (strcmp(set->seen[j].path, p) != 0)
                                continue;
                        kerror(c, knode_key(&pn, knode_idx(&item, items, i), "path"),
                               "\"%s\" is already the path of %s, expected each path once in a "
                               "volume",
                               p, set->seen[j].where);
                        dup = true;
                }
                if (dup)
                        continue;
                set->seen[set->n].path = p;
                snprintf(set->seen[set->n].where, sizeof(set->seen[set->n].where), "%sitems[%zu]",
                         prefix, i);
                set->n++;
        }
}

#define PATHS_ADD(c, set, items_node, arr, n_arr, T, prefix) \
        paths_add((c), (set), (items_node), (arr), (n_arr), sizeof(T), offsetof(T, path), (prefix))

static size_t
projected_items(const struct kube_projected *p)
{
        size_t n = 0;

        for (size_t i = 0; i < p->n_sources; i++) {
                const struct kube_projection *s = &p->sources[i];

                n += s->config_map ? s->config_map->n_items : 0;
                n += s->secret ? s->secret->n_items : 0;
                n += s->downward_api ? s->downward_api->n_items : 0;
        }
        return n;
}

static void
check_item_paths(struct kctx *c, const struct knode *n, const struct kube_volume *v)
{
        struct path_set set = {0};
        struct knode src, items, list, elem, sub;
        char prefix[64];

        if (v->config_map)
                set.size = v->config_map->n_items;
        else if (v->secret)
                set.size = v->secret->n_items;
        else if (v->downward_api)
                set.size = v->downward_api->n_items;
        else if (v->projected)
                set.size = projected_items(v->projected);
        if (set.size < 2)
                return;
        set.seen = kalloc_array(c, set.size, sizeof(*set.seen));
        if (!set.seen)
                return;
        if (v->config_map) {
                knode_key(&items, knode_key(&src, n, "configMap"), "items");
                PATHS_ADD(c, &set, &items, v->config_map->items, v->config_map->n_items,
                          struct kube_key_to_path, "");
        } else if (v->secret) {
                knode_key(&items, knode_key(&src, n, "secret"), "items");
                PATHS_ADD(c, &set, &items, v->secret->items, v->secret->n_items,
                          struct kube_key_to_path, "");
        } else if (v->downward_api) {
                knode_key(&items, knode_key(&src, n, "downwardAPI"), "items");
                PATHS_ADD(c, &set, &items, v->downward_api->items, v->downward_api->n_items,
                          struct kube_downward_item, "");
        } else if (v->projected) {
                knode_key(&list, knode_key(&src, n, "projected"), "sources");
                for (size_t i = 0; i < v->projected->n_sources; i++) {
                        const struct kube_projection *s = &v->projected->sources[i];

                        knode_idx(&elem, &list, i);
                        if (s->config_map) {
                                snprintf(prefix, sizeof(prefix), "sources[%zu].configMap.", i);
                                knode_key(&items, knode_key(&sub, &elem, "configMap"), "items");
                                PATHS_ADD(c, &set, &items, s->config_map->items,
                                          s->config_map->n_items, struct kube_key_to_path, prefix);
                        }
                        if (s->secret) {
                                snprintf(prefix, sizeof(prefix), "sources[%zu].secret.", i);
                                knode_key(&items, knode_key(&sub, &elem, "secret"), "items");
                                PATHS_ADD(c, &set, &items, s->secret->items, s->secret->n_items,
                                          struct kube_key_to_path, prefix);
                        }
                        if (s->downward_api) {
                                snprintf(prefix, sizeof(prefix), "sources[%zu].downwardAPI.", i);
                                knode_key(&items, knode_key(&sub, &elem, "downwardAPI"), "items");
                                PATHS_ADD(c, &set, &items, s->downward_api->items,
                                          s->downward_api->n_items, struct kube_downward_item,
                                          prefix);
                        }
                }
        }
}

/* ------------------------------------------------------------ volumes */

/* An error at n's key: the source's name is what is wrong, not what follows it. */
static void kerror_at_key(struct kctx *c, const struct knode *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void
kerror_at_key(struct kctx *c, const struct knode *n, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        kdiag(c, KUBE_ERROR, KUBE_DIAG_RULE, n, true, NULL, fmt, ap);
        va_end(ap);
}

static const char *const supported_sources[] = {
        "emptyDir",    "hostPath",  "configMap", "secret", "persistentVolumeClaim",
        "downwardAPI", "projected", NULL,
};

/* The rest of core/v1 VolumeSource, each with what to do instead where there is something. */
static const struct {
        const char *name;
        const char *hint;
} unsupported_sources[] = {
        {"awsElasticBlockStore", ""},
        {"azureDisk", ""},
        {"azureFile", ""},
        {"cephfs", " (mount it on the host and use hostPath)"},
        {"cinder", ""},
        {"csi", ""},
        {"ephemeral", " (use a persistentVolumeClaim, or an emptyDir)"},
        {"fc", " (mount it on the host and use hostPath)"},
        {"flexVolume", ""},
        {"flocker", ""},
        {"gcePersistentDisk", ""},
        {"gitRepo", " (clone the repository into an emptyDir from an init container)"},
        {"glusterfs", " (mount it on the host and use hostPath)"},
        {"image", ""},
        {"iscsi", " (mount it on the host and use hostPath)"},
        {"nfs", " (mount it on the host and use hostPath)"},
        {"photonPersistentDisk", ""},
        {"portworxVolume", ""},
        {"quobyte", ""},
        {"rbd", " (mount it on the host and use hostPath)"},
        {"scaleIO", ""},
        {"storageos", ""},
        {"vsphereVolume", ""},
};

static void
validate_volume(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_volume *v = obj;
        struct ypos pos = knode_pos(c, n, false);
        char found[512];
        size_t count, len;

        v->loc = (struct kube_loc){.file = c->file, .line = pos.line, .col = pos.col};

        count = count_present(n, supported_sources, found, sizeof(found));
        len = strlen(found);
        for (size_t i = 0; i < ELEMENTSOF(unsupported_sources); i++) {
                struct knode s;
                int k;

                knode_key(&s, n, unsupported_sources[i].name);
                if (!s.v || json_is_null(s.v))
                        continue;
                kerror_at_key(
                        c, &s,
                        "volume source \"%s\" is not supported by berth, expected one of " SOURCES
                        "%s",
                        unsupported_sources[i].name, unsupported_sources[i].hint);
                k = snprintf(found + len, sizeof(found) - len, "%s%s", count ? ", " : "",
                             unsupported_sources[i].name);
                if (k > 0 && (size_t)k < sizeof(found) - len)
                        len += (size_t)k;
                count++;
        }
        if (count > 1) {
                kerror(c, n, "found %zu sources (%s), expected exactly one of " SOURCES, count,
                       found);
        } else if (count == 0) {
                /* "emptyDir:" with nothing after it is null in YAML, not an empty mapping */
                for (size_t i = 0; supported_sources[i]; i++) {
                        struct knode s;

                        knode_key(&s, n, supported_sources[i]);
                        if (json_is_null(s.v)) {
                                kerror_at_key(c, &s,
                                              "found null, expected a mapping (write %s: {} for "
                                              "one with no settings)",
                                              supported_sources[i]);
                                return;
                        }
                }
                kerror(c, n, "no source, expected one of " SOURCES);
        }
        check_item_paths(c, n, v);
}

#define VOLUME_SOURCE(jname, member, t) \
        KFIELD(struct kube_volume, jname, KF_OBJECT, member, .type = (t))

static const struct kfield volume_fields[] = {
        KFIELD(struct kube_volume, "name", KF_STRING, name, .required = true,
               .check = kube_check_dns1123_label),
        VOLUME_SOURCE("emptyDir", empty_dir, &ktype_empty_dir),
        VOLUME_SOURCE("hostPath", host_path, &ktype_host_path),
        VOLUME_SOURCE("configMap", config_map, &ktype_config_map_volume),
        VOLUME_SOURCE("secret", secret, &ktype_secret_volume),
        VOLUME_SOURCE("persistentVolumeClaim", persistent_volume_claim, &ktype_pvc_volume),
        VOLUME_SOURCE("downwardAPI", downward_api, &ktype_downward_api),
        VOLUME_SOURCE("projected", projected, &ktype_projected),
        /* reported by validate_volume(), which names each of them */
        KSILENT("awsElasticBlockStore"),
        KSILENT("azureDisk"),
        KSILENT("azureFile"),
        KSILENT("cephfs"),
        KSILENT("cinder"),
        KSILENT("csi"),
        KSILENT("ephemeral"),
        KSILENT("fc"),
        KSILENT("flexVolume"),
        KSILENT("flocker"),
        KSILENT("gcePersistentDisk"),
        KSILENT("gitRepo"),
        KSILENT("glusterfs"),
        KSILENT("image"),
        KSILENT("iscsi"),
        KSILENT("nfs"),
        KSILENT("photonPersistentDisk"),
        KSILENT("portworxVolume"),
        KSILENT("quobyte"),
        KSILENT("rbd"),
        KSILENT("scaleIO"),
        KSILENT("storageos"),
        KSILENT("vsphereVolume"),
        KEND,
};

const struct ktype ktype_volume = {
        .name = "Volume",
        .size = sizeof(struct kube_volume),
        .fields = volume_fields,
        .validate = validate_volume,
};
