/* kube/types-container.c: Container and what it holds: env, ports, mounts, resources */
#include <inttypes.h>
#include <string.h>

#include "names.h"
#include "types.h"

static const char *const protocols[] = {"TCP", "UDP", "SCTP", NULL};
static const char *const pull_policies[] = {"Always", "IfNotPresent", "Never", NULL};
static const char *const message_policies[] = {"File", "FallbackToLogsOnError", NULL};
static const char *const propagations[] = {"None", "HostToContainer", "Bidirectional", NULL};
static const char *const rro_modes[] = {"Disabled", "IfPossible", "Enabled", NULL};

/* ------------------------------------------------------------ env */

static const struct kfield key_ref_fields[] = {
        KFIELD(struct kube_key_ref, "name", KF_STRING, name, .required = true, .nonempty = true),
        KFIELD(struct kube_key_ref, "key", KF_STRING, key, .required = true,
               .check = kube_check_config_key),
        KFIELD(struct kube_key_ref, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_key_ref = {
        .name = "KeySelector",
        .size = sizeof(struct kube_key_ref),
        .fields = key_ref_fields,
};

/* The fieldPaths Kubernetes lets an env var read; volumes allow fewer (types-volume.c). */
static const char *const env_field_paths[] = {"metadata.name",
                                              "metadata.namespace",
                                              "metadata.uid",
                                              "spec.nodeName",
                                              "spec.serviceAccountName",
                                              "status.hostIP",
                                              "status.hostIPs",
                                              "status.podIP",
                                              "status.podIPs",
                                              NULL};

static bool
field_path_is_map_entry(const char *p)
{
        const char *rest = NULL;
        size_t n;

        if (strncmp(p, "metadata.labels['", 17) == 0)
                rest = p + 17;
        else if (strncmp(p, "metadata.annotations['", 22) == 0)
                rest = p + 22;
        if (!rest)
                return false;
        n = strlen(rest);
        return n > 2 && strcmp(rest + n - 2, "']") == 0;
}

static void
validate_field_ref(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_field_ref *f = obj;
        struct knode x;

        if (f->api_version && strcmp(f->api_version, "v1") != 0)
                kerror(c, knode_key(&x, n, "apiVersion"), "\"%s\" is not valid, expected v1",
                       f->api_version);
        if (!f->api_version)
                f->api_version = "v1";
}

static const struct kfield field_ref_fields[] = {
        KFIELD(struct kube_field_ref, "apiVersion", KF_STRING, api_version),
        KFIELD(struct kube_field_ref, "fieldPath", KF_STRING, field_path, .required = true,
               .nonempty = true),
        KEND,
};

const struct ktype ktype_field_ref = {
        .name = "ObjectFieldSelector",
        .size = sizeof(struct kube_field_ref),
        .fields = field_ref_fields,
        .validate = validate_field_ref,
};

static const char *const resource_refs[] = {"limits.cpu",
                                            "limits.memory",
                                            "limits.ephemeral-storage",
                                            "requests.cpu",
                                            "requests.memory",
                                            "requests.ephemeral-storage",
                                            NULL};
static const char *const cpu_divisors[] = {"1m", "1", NULL};
static const char *const memory_divisors[] = {"1",   "1k",  "1M",  "1G",  "1T",  "1P",  "1E",
                                              "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei", NULL};

static void
validate_resource_field_ref(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_resource_field_ref *r = obj;
        const char *const *divisors;
        struct knode x;
        bool hugepages;

        if (!r->resource)
                return;
        hugepages = strncmp(r->resource, "limits.hugepages-", 17) == 0 ||
                    strncmp(r->resource, "requests.hugepages-", 19) == 0;
        if (!hugepages)
                kcheck_string_enum(c, knode_key(&x, n, "resource"), r->resource, resource_refs);
        if (!r->divisor.text) {
                kube_quantity_parse("1", &r->divisor.q);
                r->divisor.text = "1";
                return;
        }
        divisors = strstr(r->resource, ".cpu") ? cpu_divisors : memory_divisors;
        for (size_t i = 0; divisors[i]; i++) {
                struct kube_quantity q;
                if (kube_quantity_parse(divisors[i], &q) == 0 &&
                    kube_quantity_cmp(&q, &r->divisor.q) == 0)
                        return;
        }
        kerror(c, knode_key(&x, n, "divisor"), "%s is not valid for %s, expected %s",
               r->divisor.text, r->resource,
               divisors == cpu_divisors ? "1m or 1" : "1 or a power of 1k or 1Ki");
}

static const struct kfield resource_field_ref_fields[] = {
        KFIELD(struct kube_resource_field_ref, "containerName", KF_STRING, container_name),
        KFIELD(struct kube_resource_field_ref, "resource", KF_STRING, resource, .required = true,
               .nonempty = true),
        KFIELD(struct kube_resource_field_ref, "divisor", KF_QTY, divisor),
        KEND,
};

const struct ktype ktype_resource_field_ref = {
        .name = "ResourceFieldSelector",
        .size = sizeof(struct kube_resource_field_ref),
        .fields = resource_field_ref_fields,
        .validate = validate_resource_field_ref,
};

static void
validate_env_source(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_env_source *s = obj;
        const char *set[4];
        size_t k = 0;
        struct knode x, fr;

        if (s->config_map_key_ref)
                set[k++] = "configMapKeyRef";
        if (s->secret_key_ref)
                set[k++] = "secretKeyRef";
        if (s->field_ref)
                set[k++] = "fieldRef";
        if (s->resource_field_ref)
                set[k++] = "resourceFieldRef";
        if (k == 0)
                kerror(c, n,
                       "no source, expected one of configMapKeyRef, secretKeyRef, fieldRef or "
                       "resourceFieldRef");
        else if (k > 1)
                kerror(c, n, "found %zu sources (%s, %s%s%s), expected exactly one", k, set[0],
                       set[1], k > 2 ? ", " : "", k > 2 ? set[2] : "");
        if (s->field_ref && s->field_ref->field_path) {
                const char *p = s->field_ref->field_path;
                bool ok = field_path_is_map_entry(p);
                for (size_t i = 0; !ok && env_field_paths[i]; i++)
                        ok = strcmp(p, env_field_paths[i]) == 0;
                if (!ok)
                        kerror(c, knode_key(&x, knode_key(&fr, n, "fieldRef"), "fieldPath"),
                               "\"%s\" is not supported, expected metadata.name, "
                               "metadata.namespace, metadata.uid, metadata.labels['KEY'], "
                               "metadata.annotations['KEY'], spec.nodeName, "
                               "spec.serviceAccountName, status.hostIP(s) or status.podIP(s)",
                               p);
        }
}

static const struct kfield env_source_fields[] = {
        KFIELD(struct kube_env_source, "configMapKeyRef", KF_OBJECT, config_map_key_ref,
               .type = &ktype_key_ref),
        KFIELD(struct kube_env_source, "secretKeyRef", KF_OBJECT, secret_key_ref,
               .type = &ktype_key_ref),
        KFIELD(struct kube_env_source, "fieldRef", KF_OBJECT, field_ref, .type = &ktype_field_ref),
        KFIELD(struct kube_env_source, "resourceFieldRef", KF_OBJECT, resource_field_ref,
               .type = &ktype_resource_field_ref),
        KEND,
};

static const struct ktype ktype_env_source = {
        .name = "EnvVarSource",
        .size = sizeof(struct kube_env_source),
        .fields = env_source_fields,
        .validate = validate_env_source,
};

static void
validate_env(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_env *e = obj;
        struct knode x;

        if (e->value && e->value[0] && e->value_from)
                kerror(c, knode_key(&x, n, "valueFrom"),
                       "is set together with value, expected one or the other");
}

static const struct kfield env_fields[] = {
        KFIELD(struct kube_env, "name", KF_STRING, name, .required = true,
               .check = kube_check_env_var_name),
        KFIELD(struct kube_env, "value", KF_STRING, value),
        KFIELD(struct kube_env, "valueFrom", KF_OBJECT, value_from, .type = &ktype_env_source),
        KEND,
};

static const struct ktype ktype_env = {
        .name = "EnvVar",
        .size = sizeof(struct kube_env),
        .fields = env_fields,
        .validate = validate_env,
};

static const struct kfield local_ref_fields[] = {
        KFIELD(struct kube_local_ref, "name", KF_STRING, name, .required = true, .nonempty = true),
        KFIELD(struct kube_local_ref, "optional", KF_OPT_BOOL, optional),
        KEND,
};

static const struct ktype ktype_local_ref = {
        .name = "EnvFromSource reference",
        .size = sizeof(struct kube_local_ref),
        .fields = local_ref_fields,
};

static void
validate_env_from(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_env_from *e = obj;
        struct knode x;
        const char *why;

        if (!e->config_map_ref && !e->secret_ref)
                kerror(c, n, "no source, expected one of configMapRef or secretRef");
        else if (e->config_map_ref && e->secret_ref)
                kerror(c, n, "found 2 sources (configMapRef, secretRef), expected exactly one");
        if (e->prefix && e->prefix[0] && (why = kube_check_env_var_name(e->prefix)))
                kerror(c, knode_key(&x, n, "prefix"), "\"%s\" is not valid, expected %s", e->prefix,
                       why);
}

static const struct kfield env_from_fields[] = {
        KFIELD(struct kube_env_from, "prefix", KF_STRING, prefix),
        KFIELD(struct kube_env_from, "configMapRef", KF_OBJECT, config_map_ref,
               .type = &ktype_local_ref),
        KFIELD(struct kube_env_from, "secretRef", KF_OBJECT, secret_ref, .type = &ktype_local_ref),
        KEND,
};

static const struct ktype ktype_env_from = {
        .name = "EnvFromSource",
        .size = sizeof(struct kube_env_from),
        .fields = env_from_fields,
        .validate = validate_env_from,
};

/* ------------------------------------------------------------ ports, mounts */

static void
validate_port(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_port *p = obj;

        if (!p->protocol || !p->protocol[0])
                p->protocol = "TCP";
}

static const struct kfield port_fields[] = {
        KFIELD(struct kube_port, "name", KF_STRING, name, .check = kube_check_iana_svc_name),
        KFIELD(struct kube_port, "containerPort", KF_INT, container_port, .required = true,
               .min = 1, .max = 65535),
        KFIELD(struct kube_port, "hostPort", KF_INT, host_port, .min = 0, .max = 65535),
        KFIELD(struct kube_port, "protocol", KF_STRING, protocol, .enums = protocols),
        KFIELD(struct kube_port, "hostIP", KF_STRING, host_ip, .check = kube_check_ip),
        KEND,
};

static const struct ktype ktype_port = {
        .name = "ContainerPort",
        .size = sizeof(struct kube_port),
        .fields = port_fields,
        .validate = validate_port,
};

static void
validate_mount(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_volume_mount *m = obj;
        struct knode x;

        if (m->sub_path && m->sub_path[0] && m->sub_path_expr && m->sub_path_expr[0])
                kerror(c, knode_key(&x, n, "subPathExpr"),
                       "is set together with subPath, expected one or the other");
        if (m->mount_propagation && strcmp(m->mount_propagation, "Bidirectional") == 0 &&
            m->read_only)
                kerror(c, knode_key(&x, n, "mountPropagation"),
                       "Bidirectional on a readOnly mount is not valid, expected None or "
                       "HostToContainer");
}

static const char *
check_sub_path(const char *s)
{
        return s[0] ? kube_check_relative_path(s) : NULL;
}

static const struct kfield mount_fields[] = {
        KFIELD(struct kube_volume_mount, "name", KF_STRING, name, .required = true,
               .nonempty = true),
        KFIELD(struct kube_volume_mount, "mountPath", KF_STRING, mount_path, .required = true,
               .check = kube_check_absolute_path),
        KFIELD(struct kube_volume_mount, "subPath", KF_STRING, sub_path, .check = check_sub_path),
        KFIELD(struct kube_volume_mount, "subPathExpr", KF_STRING, sub_path_expr),
        KFIELD(struct kube_volume_mount, "readOnly", KF_BOOL, read_only),
        KFIELD(struct kube_volume_mount, "mountPropagation", KF_STRING, mount_propagation,
               .enums = propagations),
        KFIELD(struct kube_volume_mount, "recursiveReadOnly", KF_STRING, recursive_read_only,
               .enums = rro_modes),
        KEND,
};

static const struct ktype ktype_mount = {
        .name = "VolumeMount",
        .size = sizeof(struct kube_volume_mount),
        .fields = mount_fields,
        .validate = validate_mount,
};

/* ------------------------------------------------------------ resources */

static bool
resource_is_standard(const char *name)
{
        return strcmp(name, "cpu") == 0 || strcmp(name, "memory") == 0 ||
               strcmp(name, "ephemeral-storage") == 0 || strncmp(name, "hugepages-", 10) == 0;
}

static struct kube_resource *
resource_find(struct kube_resource *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i].name, name) == 0)
                        return &list[i];
        return NULL;
}

static void
validate_resources(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_resources *r = obj;
        struct knode reqs, lims, x;
        size_t missing = 0;

        knode_key(&reqs, n, "requests");
        knode_key(&lims, n, "limits");
        for (size_t i = 0; i < r->n_requests; i++) {
                struct kube_resource *req = &r->requests[i];
                struct kube_resource *lim = resource_find(r->limits, r->n_limits, req->name);

                if (!req->qty.text)
                        continue;
                knode_map_key(&x, &reqs, req->name);
                if (!resource_is_standard(req->name)) {
                        /* extended resources (GPUs...) cannot be overcommitted */
                        if (!kube_quantity_is_integer(&req->qty.q))
                                kerror(c, &x,
                                       "%s is not a whole number, expected whole units of %s",
                                       req->qty.text, req->name);
                        else if (!lim || !lim->qty.text)
                                kerror(c, &x,
                                       "has no limit, expected limits[%s] equal to the "
                                       "request",
                                       req->name);
                        else if (kube_quantity_cmp(&req->qty.q, &lim->qty.q) != 0)
                                kerror(c, &x, "%s differs from limits[%s] %s, expected them equal",
                                       req->qty.text, req->name, lim->qty.text);
                        continue;
                }
                if (lim && lim->qty.text && kube_quantity_cmp(&req->qty.q, &lim->qty.q) > 0)
                        kerror(c, &x, "%s is more than limits[%s] %s, expected at most the limit",
                               req->qty.text, req->name, lim->qty.text);
        }
        for (size_t i = 0; i < r->n_limits; i++) {
                const struct kube_resource *lim = &r->limits[i];

                if (!lim->qty.text)
                        continue;
                if (!resource_find(r->requests, r->n_requests, lim->name)) {
                        missing++;
                        if (!resource_is_standard(lim->name) &&
                            !kube_quantity_is_integer(&lim->qty.q))
                                kerror(c, knode_map_key(&x, &lims, lim->name),
                                       "%s is not a whole number, expected whole units of %s",
                                       lim->qty.text, lim->name);
                }
        }
        if (missing > 0) {
                /* Kubernetes defaults a missing request to its limit */
                struct kube_resource *all = kalloc_array(c, r->n_requests + missing, sizeof(*all));
                size_t count = r->n_requests;

                if (!all)
                        return;
                if (count)
                        memcpy(all, r->requests, count * sizeof(*all));
                for (size_t i = 0; i < r->n_limits; i++)
                        if (r->limits[i].qty.text &&
                            !resource_find(r->requests, r->n_requests, r->limits[i].name))
                                all[count++] = r->limits[i];
                r->requests = all;
                r->n_requests = count;
        }
}

static const struct kfield resources_fields[] = {
        KLIST(struct kube_resources, "limits", KF_QTYMAP, limits,
              .check = kube_check_extended_resource),
        KLIST(struct kube_resources, "requests", KF_QTYMAP, requests,
              .check = kube_check_extended_resource),
        KIGNORED("claims", "dynamic resource claims need a cluster's resource drivers"),
        KEND,
};

const struct ktype ktype_resources = {
        .name = "ResourceRequirements",
        .size = sizeof(struct kube_resources),
        .fields = resources_fields,
        .validate = validate_resources,
};

/* ------------------------------------------------------------ container */

/* Kubernetes' default: Always for :latest or an untagged image, else IfNotPresent. */
static const char *
default_pull_policy(const char *image)
{
        const char *slash = strrchr(image, '/');
        const char *name = slash ? slash + 1 : image;
        const char *colon = strchr(name, ':');

        if (strchr(name, '@'))
                return "IfNotPresent";
        if (!colon || strcmp(colon, ":latest") == 0)
                return "Always";
        return "IfNotPresent";
}

static void
validate_container_common(struct kctx *c, const struct knode *n, struct kube_container *ct,
                          bool init)
{
        struct knode x, y, list;
        struct ypos pos = knode_pos(c, n, false);

        ct->loc = (struct kube_loc){.file = c->file, .line = pos.line, .col = pos.col};
        if (ct->image) {
                size_t len = strlen(ct->image);
                if (len == 0)
                        kerror(c, knode_key(&x, n, "image"),
                               "is empty, expected an image "
                               "reference such as "
                               "docker.io/library/busybox:1.36");
                else if (ct->image[0] == ' ' || ct->image[len - 1] == ' ' ||
                         strpbrk(ct->image, "\t\n"))
                        kerror(c, knode_key(&x, n, "image"),
                               "\"%s\" has leading or trailing whitespace, expected an image "
                               "reference",
                               ct->image);
                if (!ct->image_pull_policy || !ct->image_pull_policy[0])
                        ct->image_pull_policy = default_pull_policy(ct->image);
        }
        if (!ct->termination_message_path || !ct->termination_message_path[0])
                ct->termination_message_path = "/dev/termination-log";
        if (!ct->termination_message_policy || !ct->termination_message_policy[0])
                ct->termination_message_policy = "File";

        /* port names and mount paths are unique within a container */
        for (size_t i = 0; i < ct->n_ports; i++)
                for (size_t j = 0; j < i; j++)
                        if (ct->ports[i].name && ct->ports[j].name &&
                            strcmp(ct->ports[i].name, ct->ports[j].name) == 0)
                                kerror(c,
                                       knode_key(&y, knode_idx(&x, knode_key(&list, n, "ports"), i),
                                                 "name"),
                                       "\"%s\" is already the name of ports[%zu], expected a "
                                       "unique name",
                                       ct->ports[i].name, j);
        for (size_t i = 0; i < ct->n_volume_mounts; i++)
                for (size_t j = 0; j < i; j++)
                        if (ct->volume_mounts[i].mount_path && ct->volume_mounts[j].mount_path &&
                            strcmp(ct->volume_mounts[i].mount_path,
                                   ct->volume_mounts[j].mount_path) == 0)
                                kerror(c,
                                       knode_key(&y,
                                                 knode_idx(&x, knode_key(&list, n, "volumeMounts"),
                                                           i),
                                                 "mountPath"),
                                       "\"%s\" is already mounted by volumeMounts[%zu], expected a "
                                       "unique path",
                                       ct->volume_mounts[i].mount_path, j);

        if (ct->restart_policy) {
                if (!init)
                        kerror(c, knode_key(&x, n, "restartPolicy"),
                               "is set on a container, expected it only on initContainers "
                               "(Always makes a sidecar)");
                else if (strcmp(ct->restart_policy, "Always") != 0)
                        kerror(c, knode_key(&x, n, "restartPolicy"),
                               "\"%s\" is not valid, expected Always", ct->restart_policy);
        }
        if (init && !(ct->restart_policy && strcmp(ct->restart_policy, "Always") == 0)) {
                /* only sidecars (restartPolicy: Always) may have probes and hooks */
                static const char *const only_sidecar[] = {"livenessProbe", "readinessProbe",
                                                           "startupProbe", "lifecycle"};
                for (size_t i = 0; i < ELEMENTSOF(only_sidecar); i++)
                        if (knode_key(&x, n, only_sidecar[i])->v)
                                kerror(c, &x,
                                       "is set on an init container, expected it only on "
                                       "containers or on sidecars (restartPolicy: Always)");
        }
        for (size_t i = 0; i < ct->n_volume_mounts; i++) {
                const char *prop = ct->volume_mounts[i].mount_propagation;
                struct knode ms, mi;
                bool privileged = ct->security_context && ct->security_context->privileged.set &&
                                  ct->security_context->privileged.v;

                if (prop && strcmp(prop, "Bidirectional") == 0 && !privileged)
                        kerror(c,
                               knode_key(&x, knode_idx(&mi, knode_key(&ms, n, "volumeMounts"), i),
                                         "mountPropagation"),
                               "Bidirectional needs a privileged container, expected None or "
                               "HostToContainer, or securityContext.privileged: true");
        }
        kcheck_probe_roles(c, n, ct);
}

static void
validate_container(struct kctx *c, const struct knode *n, void *obj)
{
        validate_container_common(c, n, obj, false);
}

static void
validate_init_container(struct kctx *c, const struct knode *n, void *obj)
{
        validate_container_common(c, n, obj, true);
}

#define CONTAINER_FIELDS                                                                        \
        KFIELD(struct kube_container, "name", KF_STRING, name, .required = true,                \
               .check = kube_check_dns1123_label),                                              \
                KFIELD(struct kube_container, "image", KF_STRING, image, .required = true),     \
                KLIST(struct kube_container, "command", KF_STRINGS, command),                   \
                KLIST(struct kube_container, "args", KF_STRINGS, args),                         \
                KFIELD(struct kube_container, "workingDir", KF_STRING, working_dir),            \
                KLIST(struct kube_container, "env", KF_ARRAY, env, .type = &ktype_env),         \
                KLIST(struct kube_container, "envFrom", KF_ARRAY, env_from,                     \
                      .type = &ktype_env_from),                                                 \
                KLIST(struct kube_container, "ports", KF_ARRAY, ports, .type = &ktype_port),    \
                KLIST(struct kube_container, "volumeMounts", KF_ARRAY, volume_mounts,           \
                      .type = &ktype_mount),                                                    \
                KFIELD(struct kube_container, "resources", KF_OBJECT, resources,                \
                       .type = &ktype_resources),                                               \
                KFIELD(struct kube_container, "livenessProbe", KF_OBJECT, liveness_probe,       \
                       .type = &ktype_probe),                                                   \
                KFIELD(struct kube_container, "readinessProbe", KF_OBJECT, readiness_probe,     \
                       .type = &ktype_probe),                                                   \
                KFIELD(struct kube_container, "startupProbe", KF_OBJECT, startup_probe,         \
                       .type = &ktype_probe),                                                   \
                KFIELD(struct kube_container, "lifecycle", KF_OBJECT, lifecycle,                \
                       .type = &ktype_lifecycle),                                               \
                KFIELD(struct kube_container, "terminationMessagePath", KF_STRING,              \
                       termination_message_path),                                               \
                KFIELD(struct kube_container, "terminationMessagePolicy", KF_STRING,            \
                       termination_message_policy, .enums = message_policies),                  \
                KFIELD(struct kube_container, "imagePullPolicy", KF_STRING, image_pull_policy,  \
                       .enums = pull_policies),                                                 \
                KFIELD(struct kube_container, "securityContext", KF_OBJECT, security_context,   \
                       .type = &ktype_security_context),                                        \
                KFIELD(struct kube_container, "tty", KF_BOOL, tty),                             \
                KFIELD(struct kube_container, "stdin", KF_BOOL, stdin_),                        \
                KFIELD(struct kube_container, "stdinOnce", KF_BOOL, stdin_once),                \
                KFIELD(struct kube_container, "restartPolicy", KF_STRING, restart_policy),      \
                KIGNORED("volumeDevices", "raw block devices from a cluster's volumes are not " \
                                          "attached on one machine"),                           \
                KIGNORED("resizePolicy", "berth restarts a pod to change its resources"), KEND

static const struct kfield container_fields[] = {CONTAINER_FIELDS};

const struct ktype ktype_container = {
        .name = "Container",
        .size = sizeof(struct kube_container),
        .fields = container_fields,
        .validate = validate_container,
};

const struct ktype ktype_init_container = {
        .name = "Container",
        .size = sizeof(struct kube_container),
        .fields = container_fields,
        .validate = validate_init_container,
};
