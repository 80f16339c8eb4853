/* kube/types-pod.c: PodSpec, Pod and PodTemplateSpec, and the rules across containers */
#include <inttypes.h>
#include <string.h>

#include "names.h"
#include "types.h"

static const char *const restart_policies[] = {"Always", "OnFailure", "Never", NULL};
static const char *const dns_policies[] = {"ClusterFirst", "ClusterFirstWithHostNet", "Default",
                                           "None", NULL};

#define DNS_MAX_NAMESERVERS 3
#define DNS_MAX_SEARCHES 32
#define DNS_MAX_SEARCH_CHARS 2048

/* ------------------------------------------------------------ DNS, host aliases */

static const struct kfield dns_option_fields[] = {
        KFIELD(struct kube_dns_option, "name", KF_STRING, name, .required = true, .nonempty = true),
        KFIELD(struct kube_dns_option, "value", KF_STRING, value),
        KEND,
};

static const struct ktype ktype_dns_option = {
        .name = "PodDNSConfigOption",
        .size = sizeof(struct kube_dns_option),
        .fields = dns_option_fields,
};

static const char *
check_search(const char *s)
{
        /* a trailing dot (an absolute name) is allowed */
        size_t n = strlen(s);
        char buf[256];

        if (n > 0 && n < sizeof(buf) && s[n - 1] == '.') {
                memcpy(buf, s, n - 1);
                buf[n - 1] = '\0';
                return kube_check_dns1123_subdomain(buf);
        }
        return kube_check_dns1123_subdomain(s);
}

static void
validate_dns_config(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_dns_config *d = obj;
        struct knode x;
        size_t chars = 0;

        if (d->n_nameservers > DNS_MAX_NAMESERVERS)
                kerror(c, knode_key(&x, n, "nameservers"),
                       "%zu nameservers are too many, expected at "
                       "most %d",
                       d->n_nameservers, DNS_MAX_NAMESERVERS);
        if (d->n_searches > DNS_MAX_SEARCHES)
                kerror(c, knode_key(&x, n, "searches"),
                       "%zu search domains are too many, expected "
                       "at most %d",
                       d->n_searches, DNS_MAX_SEARCHES);
        for (size_t i = 0; i < d->n_searches; i++)
                chars += strlen(d->searches[i]) + (i ? 1 : 0);
        if (chars > DNS_MAX_SEARCH_CHARS)
                kerror(c, knode_key(&x, n, "searches"),
                       "%zu characters in all are too many, expected at most %d", chars,
                       DNS_MAX_SEARCH_CHARS);
}

static const struct kfield dns_config_fields[] = {
        KLIST(struct kube_dns_config, "nameservers", KF_STRINGS, nameservers,
              .check = kube_check_ip),
        KLIST(struct kube_dns_config, "searches", KF_STRINGS, searches, .check = check_search),
        KLIST(struct kube_dns_config, "options", KF_ARRAY, options, .type = &ktype_dns_option),
        KEND,
};

static const struct ktype ktype_dns_config = {
        .name = "PodDNSConfig",
        .size = sizeof(struct kube_dns_config),
        .fields = dns_config_fields,
        .validate = validate_dns_config,
};

static const struct kfield host_alias_fields[] = {
        KFIELD(struct kube_host_alias, "ip", KF_STRING, ip, .required = true,
               .check = kube_check_ip),
        KLIST(struct kube_host_alias, "hostnames", KF_STRINGS, hostnames,
              .check = kube_check_dns1123_subdomain),
        KEND,
};

static const struct ktype ktype_host_alias = {
        .name = "HostAlias",
        .size = sizeof(struct kube_host_alias),
        .fields = host_alias_fields,
};

/* ------------------------------------------------------------ rules across containers */

struct each_container {
        struct kube_container *ct;
        const char *list; /* "containers" or "initContainers" */
        size_t idx;
};

static size_t
all_containers(struct kube_pod_spec *s, struct each_container *out, size_t max)
{
        size_t k = 0;

        for (size_t i = 0; i < s->n_init_containers && k < max; i++)
                out[k++] = (struct each_container){&s->init_containers[i], "initContainers", i};
        for (size_t i = 0; i < s->n_containers && k < max; i++)
                out[k++] = (struct each_container){&s->containers[i], "containers", i};
        return k;
}

static const struct knode *
container_node(struct knode *buf, struct knode *list, const struct knode *spec,
               const struct each_container *e)
{
        return knode_idx(buf, knode_key(list, spec, e->list), e->idx);
}

static void
check_names_unique(struct kctx *c, const struct knode *n, const struct each_container *all,
                   size_t k)
{
        for (size_t i = 0; i < k; i++) {
                for (size_t j = 0; j < i; j++) {
                        struct knode l, e, x;
                        if (!all[i].ct->name || !all[j].ct->name ||
                            strcmp(all[i].ct->name, all[j].ct->name) != 0)
                                continue;
                        kerror(c, knode_key(&x, container_node(&e, &l, n, &all[i]), "name"),
                               "\"%s\" is already the name of spec.%s[%zu], expected a unique name",
                               all[i].ct->name, all[j].list, all[j].idx);
                        break;
                }
        }
}

static void
volume_names(const struct kube_pod_spec *s, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < s->n_volumes && len < size; i++) {
                int k = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                 s->volumes[i].name ? s->volumes[i].name : "");
                if (k < 0)
                        break;
                len += (size_t)k;
        }
}

static bool
has_volume(const struct kube_pod_spec *s, const char *name)
{
        for (size_t i = 0; i < s->n_volumes; i++)
                if (s->volumes[i].name && strcmp(s->volumes[i].name, name) == 0)
                        return true;
        return false;
}

static bool
has_container(struct each_container *all, size_t k, const char *name)
{
        for (size_t i = 0; i < k; i++)
                if (all[i].ct->name && strcmp(all[i].ct->name, name) == 0)
                        return true;
        return false;
}

static void
check_mounts_and_refs(struct kctx *c, const struct knode *n, struct kube_pod_spec *s,
                      struct each_container *all, size_t k)
{
        char names[512];

        volume_names(s, names, sizeof(names));
        for (size_t i = 0; i < k; i++) {
                struct kube_container *ct = all[i].ct;
                struct knode l, cn, m, mi, vf, rf, x;

                container_node(&cn, &l, n, &all[i]);
                knode_key(&m, &cn, "volumeMounts");
                for (size_t j = 0; j < ct->n_volume_mounts; j++) {
                        const char *name = ct->volume_mounts[j].name;
                        if (!name || !name[0] || has_volume(s, name))
                                continue;
                        knode_key(&x, knode_idx(&mi, &m, j), "name");
                        if (s->n_volumes)
                                kerror(c, &x,
                                       "no volume named \"%s\", expected one of spec.volumes: %s",
                                       name, names);
                        else
                                kerror(c, &x,
                                       "no volume named \"%s\", expected a volume of that "
                                       "name in spec.volumes",
                                       name);
                }
                knode_key(&m, &cn, "env");
                for (size_t j = 0; j < ct->n_env; j++) {
                        const struct kube_env_source *src = ct->env[j].value_from;
                        const char *cname;
                        if (!src || !src->resource_field_ref)
                                continue;
                        cname = src->resource_field_ref->container_name;
                        if (!cname || !cname[0] || has_container(all, k, cname))
                                continue;
                        knode_idx(&mi, &m, j);
                        kerror(c,
                               knode_key(&x,
                                         knode_key(&rf, knode_key(&vf, &mi, "valueFrom"),
                                                   "resourceFieldRef"),
                                         "containerName"),
                               "no container named \"%s\" in this pod, expected one of its "
                               "containers",
                               cname);
                }
        }
}

static void
check_ports(struct kctx *c, const struct knode *n, struct kube_pod_spec *s,
            struct each_container *all, size_t k)
{
        /* host ports are one machine's: no two may claim the same port, protocol and address */
        struct seen {
                const struct kube_port *p;
                const struct each_container *e;
                size_t idx;
        } seen[256];
        size_t n_seen = 0;

        for (size_t i = 0; i < k; i++) {
                struct kube_container *ct = all[i].ct;
                struct knode l, cn, ports, pi, x;

                container_node(&cn, &l, n, &all[i]);
                knode_key(&ports, &cn, "ports");
                for (size_t j = 0; j < ct->n_ports; j++) {
                        const struct kube_port *p = &ct->ports[j];

                        if (s->host_network && p->host_port && p->host_port != p->container_port)
                                kerror(c, knode_key(&x, knode_idx(&pi, &ports, j), "hostPort"),
                                       "%" PRId64 " differs from containerPort %" PRId64
                                       ", expected them equal with hostNetwork",
                                       p->host_port, p->container_port);
                        if (!p->host_port)
                                continue;
                        for (size_t q = 0; q < n_seen; q++) {
                                const struct kube_port *o = seen[q].p;
                                if (o->host_port == p->host_port &&
                                    strcmp(o->protocol ? o->protocol : "TCP",
                                           p->protocol ? p->protocol : "TCP") == 0 &&
                                    strcmp(o->host_ip ? o->host_ip : "",
                                           p->host_ip ? p->host_ip : "") == 0) {
                                        kerror(c,
                                               knode_key(&x, knode_idx(&pi, &ports, j), "hostPort"),
                                               "%" PRId64 "/%s is already published by "
                                               "spec.%s[%zu].ports[%zu], expected a free host port",
                                               p->host_port, p->protocol ? p->protocol : "TCP",
                                               seen[q].e->list, seen[q].e->idx, seen[q].idx);
                                        break;
                                }
                        }
                        if (n_seen < ELEMENTSOF(seen))
                                seen[n_seen++] = (struct seen){p, &all[i], j};
                }
        }
}

/*
 * Rules where the pod's securityContext and a container's meet: the kubelet
 * refuses a container that runs as root under runAsNonRoot, wherever either
 * was said (a clash within one securityContext is reported there).
 */
static void
check_security_across(struct kctx *c, const struct knode *n, struct kube_pod_spec *s,
                      struct each_container *all, size_t k)
{
        const struct kube_pod_security_context *p = s->security_context;

        for (size_t i = 0; i < k; i++) {
                const struct kube_security_context *sc = all[i].ct->security_context;
                struct kube_opt_int user = {0};
                struct kube_opt_bool non_root = {0};
                struct knode l, cn, scn, x;

                if (p) {
                        user = p->run_as_user;
                        non_root = p->run_as_non_root;
                }
                if (sc && sc->run_as_user.set)
                        user = sc->run_as_user;
                if (sc && sc->run_as_non_root.set)
                        non_root = sc->run_as_non_root;
                container_node(&cn, &l, n, &all[i]);
                if (user.set && user.v == 0 && non_root.set && non_root.v &&
                    (sc && sc->run_as_user.set) != (sc && sc->run_as_non_root.set))
                        kerror(c, knode_key(&x, &cn, "securityContext"),
                               "runs as user 0 under runAsNonRoot (from the pod's and the "
                               "container's securityContext), expected a non-zero runAsUser: "
                               "the kubelet refuses to start it");
                if (sc && sc->proc_mount && strcmp(sc->proc_mount, "Unmasked") == 0 &&
                    !(s->host_users.set && !s->host_users.v))
                        kerror(c,
                               knode_key(&x, knode_key(&scn, &cn, "securityContext"), "procMount"),
                               "Unmasked needs a user namespace, expected spec.hostUsers: false");
        }
        if (p) {
                struct knode sn, sy, si, x;

                knode_key(&sy, knode_key(&sn, n, "securityContext"), "sysctls");
                for (size_t i = 0; i < p->n_sysctls; i++) {
                        const char *name = p->sysctls[i].name;
                        bool net, ipc;

                        if (!name)
                                continue;
                        net = strncmp(name, "net.", 4) == 0;
                        ipc = strncmp(name, "kernel.shm", 10) == 0 ||
                              strncmp(name, "kernel.msg", 10) == 0 ||
                              strcmp(name, "kernel.sem") == 0 ||
                              strncmp(name, "fs.mqueue.", 10) == 0;
                        if ((net && s->host_network) || (ipc && s->host_ipc))
                                kerror(c, knode_key(&x, knode_idx(&si, &sy, i), "name"),
                                       "\"%s\" would change the host's %s namespace, expected no "
                                       "%s sysctls with %s",
                                       name, net ? "network" : "IPC", net ? "net.*" : "IPC",
                                       net ? "hostNetwork" : "hostIPC");
                }
        }
}

static void
validate_pod_spec(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_pod_spec *s = obj;
        struct each_container all[512];
        size_t k = all_containers(s, all, ELEMENTSOF(all));
        struct knode x, y, vols;

        if (!s->restart_policy || !s->restart_policy[0])
                s->restart_policy = "Always";
        if (!s->dns_policy || !s->dns_policy[0])
                s->dns_policy = "ClusterFirst";
        if (!knode_key(&x, n, "terminationGracePeriodSeconds")->v || json_is_null(x.v))
                s->termination_grace_period_seconds = 30;

        check_names_unique(c, n, all, k);
        for (size_t i = 0; i < s->n_volumes; i++)
                for (size_t j = 0; j < i; j++)
                        if (s->volumes[i].name && s->volumes[j].name &&
                            strcmp(s->volumes[i].name, s->volumes[j].name) == 0) {
                                kerror(c,
                                       knode_key(&y,
                                                 knode_idx(&x, knode_key(&vols, n, "volumes"), i),
                                                 "name"),
                                       "\"%s\" is already the name of spec.volumes[%zu], expected "
                                       "a unique name",
                                       s->volumes[i].name, j);
                                break;
                        }
        check_mounts_and_refs(c, n, s, all, k);
        check_ports(c, n, s, all, k);
        check_security_across(c, n, s, all, k);

        if (strcmp(s->dns_policy, "None") == 0 && !s->dns_config)
                kerror(c, knode_key(&x, n, "dnsConfig"),
                       "missing, expected nameservers to use with dnsPolicy None");
        else if (strcmp(s->dns_policy, "None") == 0 && s->dns_config->n_nameservers == 0)
                kerror(c, knode_key(&x, knode_key(&y, n, "dnsConfig"), "nameservers"),
                       "missing, expected at least one nameserver with dnsPolicy None");
        if (s->share_process_namespace.set && s->share_process_namespace.v && s->host_pid)
                kerror(c, knode_key(&x, n, "shareProcessNamespace"),
                       "is true together with hostPID, expected one or the other");
}

static const struct kfield pod_spec_fields[] = {
        KLIST(struct kube_pod_spec, "containers", KF_ARRAY, containers, .type = &ktype_container,
              .required = true, .nonempty = true),
        KLIST(struct kube_pod_spec, "initContainers", KF_ARRAY, init_containers,
              .type = &ktype_init_container),
        KLIST(struct kube_pod_spec, "volumes", KF_ARRAY, volumes, .type = &ktype_volume),
        KFIELD(struct kube_pod_spec, "restartPolicy", KF_STRING, restart_policy,
               .enums = restart_policies),
        KFIELD(struct kube_pod_spec, "terminationGracePeriodSeconds", KF_INT,
               termination_grace_period_seconds, .min = 0, .max = INT64_MAX),
        KFIELD(struct kube_pod_spec, "activeDeadlineSeconds", KF_OPT_INT, active_deadline_seconds,
               .min = 1, .max = INT64_MAX),
        KFIELD(struct kube_pod_spec, "dnsPolicy", KF_STRING, dns_policy, .enums = dns_policies),
        KFIELD(struct kube_pod_spec, "dnsConfig", KF_OBJECT, dns_config, .type = &ktype_dns_config),
        KFIELD(struct kube_pod_spec, "hostNetwork", KF_BOOL, host_network),
        KFIELD(struct kube_pod_spec, "hostPID", KF_BOOL, host_pid),
        KFIELD(struct kube_pod_spec, "hostIPC", KF_BOOL, host_ipc),
        KFIELD(struct kube_pod_spec, "shareProcessNamespace", KF_OPT_BOOL, share_process_namespace),
        KFIELD(struct kube_pod_spec, "hostname", KF_STRING, hostname,
               .check = kube_check_dns1123_label),
        KFIELD(struct kube_pod_spec, "subdomain", KF_STRING, subdomain,
               .check = kube_check_dns1123_label),
        KFIELD(struct kube_pod_spec, "setHostnameAsFQDN", KF_BOOL, set_hostname_as_fqdn),
        KLIST(struct kube_pod_spec, "hostAliases", KF_ARRAY, host_aliases,
              .type = &ktype_host_alias),
        KFIELD(struct kube_pod_spec, "securityContext", KF_OBJECT, security_context,
               .type = &ktype_pod_security_context),
        KFIELD(struct kube_pod_spec, "hostUsers", KF_OPT_BOOL, host_users),
        KIGNORED("nodeSelector", "berth runs pods on this machine"),
        KIGNORED("nodeName", "berth runs pods on this machine"),
        KIGNORED("affinity", "berth runs pods on this machine"),
        KIGNORED("tolerations", "berth runs pods on this machine"),
        KIGNORED("topologySpreadConstraints", "berth runs pods on this machine"),
        KIGNORED("schedulerName", "berth runs pods on this machine"),
        KIGNORED("schedulingGates", "berth runs pods on this machine"),
        KIGNORED("priorityClassName", "berth does not preempt pods"),
        KIGNORED("priority", "berth does not preempt pods"),
        KIGNORED("preemptionPolicy", "berth does not preempt pods"),
        KIGNORED("serviceAccountName", "there is no API server to give a service account token"),
        KIGNORED("serviceAccount", "there is no API server to give a service account token"),
        KIGNORED("automountServiceAccountToken",
                 "there is no API server to give a service account token"),
        KIGNORED("imagePullSecrets", "berth pulls with the credentials of `berth login`"),
        KIGNORED("runtimeClassName", "choose the OCI runtime with --runtime"),
        KIGNORED("overhead", "berth does not account pod overhead"),
        KIGNORED("readinessGates", "there are no controllers to set pod conditions"),
        KIGNORED("enableServiceLinks", "there are no Services to link"),
        KIGNORED("os", "berth runs Linux pods"),
        KIGNORED("resourceClaims", "dynamic resource claims need a cluster's resource drivers"),
        KIGNORED("ephemeralContainers", "use `berth exec` to debug a running pod"),
        KIGNORED("resources", "pod-level resources are not applied; set them per container"),
        KEND,
};

const struct ktype ktype_pod_spec = {
        .name = "PodSpec",
        .size = sizeof(struct kube_pod_spec),
        .fields = pod_spec_fields,
        .validate = validate_pod_spec,
};

/* ------------------------------------------------------------ Pod, PodTemplateSpec */

static void
validate_pod(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_pod *p = obj;

        kcheck_object_meta(c, n, &p->meta);
}

static const struct kfield pod_fields[] = {
        KSILENT("apiVersion"),
        KSILENT("kind"),
        KFIELD(struct kube_pod, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        KFIELD(struct kube_pod, "spec", KF_INLINE, spec, .type = &ktype_pod_spec, .required = true),
        KSILENT("status"),
        KEND,
};

const struct ktype ktype_pod = {
        .name = "Pod",
        .size = sizeof(struct kube_pod),
        .fields = pod_fields,
        .validate = validate_pod,
};

static const struct kfield pod_template_fields[] = {
        KFIELD(struct kube_pod_template, "metadata", KF_INLINE, meta, .type = &ktype_meta),
        KFIELD(struct kube_pod_template, "spec", KF_INLINE, spec, .type = &ktype_pod_spec,
               .required = true),
        KEND,
};

const struct ktype ktype_pod_template = {
        .name = "PodTemplateSpec",
        .size = sizeof(struct kube_pod_template),
        .fields = pod_template_fields,
};
