/*
 * reconcile/play.c: `berth kube play` and `berth kube down`. See
 * reconcile.h. Each container of a pod is what the kubelet would make of
 * its spec (reconcile/container-spec.h: env, command, resources,
 * securityContext, pull policy), named as podman names it: POD-CONTAINER.
 */
#include "reconcile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container-spec.h"
#include "manifests.h"
#include "podvolumes.h"
#include "runtime/runtime.h"
#include "storage/kubeobjects.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"
#include "workers.h"

/* A pod the manifests want */
struct want {
        char *name;
        const struct kube_meta *meta;       /* the Pod's, or the Deployment's template */
        const struct kube_meta *owner_meta; /* the Deployment's (labels added) */
        const struct kube_pod_spec *spec;
        const char *owner_kind; /* "Pod" or "Deployment" */
        /*
         * What the pod's own metadata is (the downward API reads it): meta
         * with the pod's name, in its owner's namespace. A Deployment's
         * template has neither.
         */
        struct kube_meta pod_meta;
};

struct play {
        struct storage *s;
        const struct berth_ctx *ctx;
        const struct reconcile_play_opts *o;
        struct manifests m;
        const struct kube_configmap **cms;
        size_t n_cms;
        const struct kube_secret **secrets;
        size_t n_secrets;
        struct kubeobj **kept; /* loaded from the store for lookups: freed at the end */
        size_t n_kept;
        struct want *wants;
        size_t n_wants;
        char **ensured; /* images pulled or found by this play: not looked at again */
};

static void say(const struct play *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(const struct play *p, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        if (p->o && p->o->say)
                p->o->say(p->o->userdata, buf);
        else
                fprintf(stderr, "%s\n", buf);
}

static void
play_done(struct play *p)
{
        for (size_t i = 0; i < p->n_kept; i++)
                kubeobj_free(p->kept[i]);
        free(p->kept);
        for (size_t i = 0; i < p->n_wants; i++)
                free(p->wants[i].name);
        free(p->wants);
        strv_free(p->ensured);
        free(p->cms);
        free(p->secrets);
        manifests_free(&p->m);
}

static int
want_add(struct play *p, char *name, const struct kube_meta *meta, const struct kube_meta *owner,
         const struct kube_pod_spec *spec, const char *kind)
{
        struct want *nw = reallocarray(p->wants, p->n_wants + 1, sizeof(*nw));

        if (!name || !nw) {
                free(name);
                return -ENOMEM;
        }
        p->wants = nw;
        p->wants[p->n_wants] = (struct want){name, meta, owner, spec, kind, *meta};
        p->wants[p->n_wants].pod_meta.name = name;
        if (owner)
                p->wants[p->n_wants].pod_meta.namespace_ = owner->namespace_;
        p->n_wants++;
        return 0;
}

/* Sort the manifests' objects: what is kept, what is made */
static int
collect(struct play *p, struct berr **err)
{
        for (size_t i = 0; i < p->m.n_objects; i++) {
                const struct kube_object *ob = p->m.objects[i];
                int r = 0;

                switch (ob->kind) {
                case KUBE_CONFIGMAP: {
                        const struct kube_configmap **n =
                                reallocarray(p->cms, p->n_cms + 1, sizeof(*n));
                        if (!n)
                                return berr(err, ENOMEM, "play");
                        p->cms = n;
                        p->cms[p->n_cms++] = ob->configmap;
                        break;
                }
                case KUBE_SECRET: {
                        const struct kube_secret **n =
                                reallocarray(p->secrets, p->n_secrets + 1, sizeof(*n));
                        if (!n)
                                return berr(err, ENOMEM, "play");
                        p->secrets = n;
                        p->secrets[p->n_secrets++] = ob->secret;
                        break;
                }
                case KUBE_POD:
                        r = want_add(p, strdup(ob->pod->meta.name), &ob->pod->meta, NULL,
                                     &ob->pod->spec, "Pod");
                        break;
                case KUBE_DEPLOYMENT: {
                        const struct kube_deployment *d = ob->deployment;

                        for (int64_t k = 0; r == 0 && k < d->spec.replicas; k++) {
                                char *name = NULL;
                                if (asprintf(&name, "%s-pod-%" PRId64, d->meta.name, k) < 0)
                                        name = NULL;
                                r = want_add(p, name, &d->spec.template_.meta, &d->meta,
                                             &d->spec.template_.spec, "Deployment");
                        }
                        break;
                }
                default:
                        break;
                }
                if (r < 0)
                        return berr(err, -r, "play");
        }
        return 0;
}

static bool
has_claims(const struct play *p)
{
        for (size_t i = 0; i < p->m.n_objects; i++)
                if (p->m.objects[i]->kind == KUBE_PVC)
                        return true;
        return false;
}

/* ---------------------------------------------------------------- lookups */

static int
find_configmap(void *userdata, const char *ns, const char *name, const struct kube_configmap **ret,
               struct berr **err)
{
        struct play *p = userdata;
        struct kubeobj *o = NULL;
        struct kubeobj **n;
        int r;

        for (size_t i = 0; i < p->n_cms; i++)
                if (strcmp(p->cms[i]->meta.name, name) == 0 &&
                    strcmp(p->cms[i]->meta.namespace_, ns) == 0) {
                        *ret = p->cms[i];
                        return 1;
                }
        r = kubeobj_load(p->s, KUBEOBJ_CONFIGMAP, ns, name, &o, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        n = reallocarray(p->kept, p->n_kept + 1, sizeof(*n));
        if (!n) {
                kubeobj_free(o);
                return berr(err, ENOMEM, "configmap");
        }
        p->kept = n;
        p->kept[p->n_kept++] = o;
        *ret = &o->configmap;
        return 1;
}

static int
find_secret(void *userdata, const char *ns, const char *name, const struct kube_secret **ret,
            struct berr **err)
{
        struct play *p = userdata;
        struct kubeobj *o = NULL;
        struct kubeobj **n;
        int r;

        for (size_t i = 0; i < p->n_secrets; i++)
                if (strcmp(p->secrets[i]->meta.name, name) == 0 &&
                    strcmp(p->secrets[i]->meta.namespace_, ns) == 0) {
                        *ret = p->secrets[i];
                        return 1;
                }
        r = kubeobj_load(p->s, KUBEOBJ_SECRET, ns, name, &o, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        n = reallocarray(p->kept, p->n_kept + 1, sizeof(*n));
        if (!n) {
                kubeobj_free(o);
                return berr(err, ENOMEM, "secret");
        }
        p->kept = n;
        p->kept[p->n_kept++] = o;
        *ret = &o->secret;
        return 1;
}

/* ---------------------------------------------------------------- containers */

/* A probe's port: a number, or the name of one of the container's ports (0: none such) */
static json_int_t
port_of(const struct kube_container *c, const struct kube_int_or_string *p)
{
        if (!p->is_string)
                return (json_int_t)p->i;
        for (size_t i = 0; p->s && i < c->n_ports; i++)
                if (c->ports[i].name && strcmp(c->ports[i].name, p->s) == 0)
                        return (json_int_t)c->ports[i].container_port;
        return 0;
}

/* A Kubernetes probe or handler, as the monitor reads it from the record */
static json_t *
action_json(const struct kube_container *c, const struct kube_exec_action *ex,
            const struct kube_http_get *hg, const struct kube_tcp_socket *ts)
{
        json_t *j = json_object();

        if (!j)
                return NULL;
        if (ex) {
                json_t *cmd = json_array();
                for (size_t i = 0; cmd && i < ex->n_command; i++)
                        json_array_append_new(cmd, json_string(ex->command[i]));
                json_object_set_new(j, "exec", json_pack("{s:o}", "command", cmd));
        }
        if (hg) {
                json_t *h = json_array();
                for (size_t i = 0; h && i < hg->n_http_headers; i++)
                        json_array_append_new(h, json_pack("{s:s, s:s}", "name",
                                                           hg->http_headers[i].name, "value",
                                                           hg->http_headers[i].value));
                json_object_set_new(j, "httpGet",
                                    json_pack("{s:s, s:I, s:s?, s:s, s:o}", "path",
                                              hg->path ? hg->path : "/", "port",
                                              port_of(c, &hg->port), "host", hg->host, "scheme",
                                              hg->scheme ? hg->scheme : "HTTP", "httpHeaders", h));
        }
        if (ts)
                json_object_set_new(
                        j, "tcpSocket",
                        json_pack("{s:I, s:s?}", "port", port_of(c, &ts->port), "host", ts->host));
        return j;
}

static json_t *
probes_json(const struct kube_container *c)
{
        const struct {
                const char *name;
                const struct kube_probe *p;
        } all[] = {{"startup", c->startup_probe},
                   {"liveness", c->liveness_probe},
                   {"readiness", c->readiness_probe}};
        json_t *j = NULL;

        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                const struct kube_probe *p = all[i].p;
                json_t *pj;

                if (!p)
                        continue;
                if (!j && !(j = json_object()))
                        return NULL;
                pj = action_json(c, p->exec, p->http_get, p->tcp_socket);
                if (!pj)
                        continue;
                /* GRPCAction: a probe's alone (hooks have none); its port is a number */
                if (p->grpc)
                        json_object_set_new(pj, "grpc",
                                            json_pack("{s:I, s:s?}", "port",
                                                      (json_int_t)p->grpc->port, "service",
                                                      p->grpc->service));
                json_object_set_new(pj, "initialDelaySeconds",
                                    json_integer(p->initial_delay_seconds));
                json_object_set_new(pj, "periodSeconds", json_integer(p->period_seconds));
                json_object_set_new(pj, "timeoutSeconds", json_integer(p->timeout_seconds));
                json_object_set_new(pj, "successThreshold", json_integer(p->success_threshold));
                json_object_set_new(pj, "failureThreshold", json_integer(p->failure_threshold));
                json_object_set_new(j, all[i].name, pj);
        }
        return j;
}

static json_t *
lifecycle_json(const struct kube_container *c)
{
        const struct kube_lifecycle *l = c->lifecycle;
        const struct kube_handler *hs[] = {l ? l->post_start : NULL, l ? l->pre_stop : NULL};
        const char *names[] = {"postStart", "preStop"};
        json_t *j = NULL;

        for (size_t i = 0; i < 2; i++) {
                json_t *h;

                if (!hs[i])
                        continue;
                if (!j && !(j = json_object()))
                        return NULL;
                h = action_json(c, hs[i]->exec, hs[i]->http_get, hs[i]->tcp_socket);
                if (h && hs[i]->sleep)
                        json_object_set_new(
                                h, "sleep",
                                json_pack("{s:I}", "seconds", (json_int_t)hs[i]->sleep->seconds));
                if (h)
                        json_object_set_new(j, names[i], h);
        }
        return j;
}

/* Make sure the image is there as its pull policy says */
static bool strv_has(char *const *v, const char *s);

static int
ensure_image(struct play *p, const struct kube_container *c, struct berr **err)
{
        struct storage_image img = {0};
        enum cspec_pull_action act;
        _cleanup_free_ char *id = NULL;
        bool present;
        int r;

        /* once per image and play: a Deployment's pods need not ask again (nor pull again) */
        if (strv_has(p->ensured, c->image))
                return 0;
        present = storage_image_find(p->s, c->image, &img, NULL) == 0;
        storage_image_clear(&img);
        r = cspec_pull_decide(c->image, c->image_pull_policy, present, &act, err);
        if (r == 0 && act != CSPEC_PULL_USE_LOCAL) {
                say(p, "Trying to pull %s...", c->image);
                r = storage_pull(p->s, c->image, &id, err);
        }
        if (r == 0 && strv_push(&p->ensured, strdup(c->image)) < 0)
                return berr(err, ENOMEM, "pull");
        return r;
}

/* The image's User, for the runAsNonRoot check */
static char *
image_user(struct play *p, const char *image)
{
        struct storage_image img = {0};
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        char *user = NULL;

        if (storage_image_find(p->s, image, &img, NULL) == 0 &&
            storage_image_config(p->s, img.id, &cfg, NULL) == 0)
                user = strdup(
                        json_string_value(json_object_get(json_object_get(cfg, "config"), "User"))
                                ?: "");
        storage_image_clear(&img);
        return user;
}

struct made {
        const char *pod_id, *pod_name, *pod_ip;
        const struct want *w;
        const struct podvolumes *pv;
        struct runtime_create_memo *memo; /* shared by the pod's containers */
};

static int
create_container(struct play *p, const struct made *md, const struct kube_container *c, bool init,
                 char **ret_id, json_t **ret_spec, struct berr **err)
{
        const struct kube_pod_spec *spec = md->w->spec;
        _cleanup_(strv_freep) char **env = NULL, **warnings = NULL, **command = NULL, **args = NULL,
                                   **full_env = NULL;
        _cleanup_(cspec_security_done) struct cspec_security sec = {0};
        _cleanup_(json_decrefp) json_t *probes = NULL, *lifecycle = NULL;
        _cleanup_free_ char *name = NULL, *user = NULL, *host_env = NULL, *seccomp = NULL;
        _cleanup_free_ uint32_t *groups = NULL;
        _cleanup_free_ struct runtime_mount *mounts = NULL;
        const char *pod_ips[] = {md->pod_ip};
        struct cspec_pod_info info = {
                .meta = &md->w->pod_meta,
                .uid = md->pod_id,
                .pod_ips = pod_ips,
                .n_pod_ips = md->pod_ip && md->pod_ip[0] ? 1 : 0,
                .spec = spec,
        };
        struct cspec_lookup lookup = {find_configmap, find_secret, p};
        struct cspec_resources res = {0};
        struct runtime_pod_member member = {.pod_id = md->pod_id, .init = init};
        struct runtime_create_opts co = {0};
        const struct podvolumes_container *pvc = podvolumes_container(md->pv, c->name);
        uint32_t uid, gid;
        int r;

        r = ensure_image(p, c, err);
        if (r < 0)
                return r;
        r = cspec_env_build(c, &info, &lookup, &env, &warnings, err);
        if (r < 0)
                return r;
        for (char **w = warnings; w && *w; w++)
                say(p, "Warning: %s", *w);
        /* as podman's kube play: HOSTNAME is the pod's, unless the container sets its own */
        if (asprintf(&host_env, "HOSTNAME=%s",
                     md->w->spec->hostname ? md->w->spec->hostname : md->pod_name) < 0)
                return berr(err, ENOMEM, "env");
        {
                char *const first[] = {host_env, NULL};
                r = cspec_env_merge(first, env, &full_env, err);
                if (r < 0)
                        return r;
        }
        r = cspec_expand_command(c, env, &command, &args, err);
        if (r < 0)
                return r;
        r = cspec_security_build(spec->security_context, c->security_context, NULL, &sec, err);
        if (r < 0)
                return r;
        user = image_user(p, c->image);
        r = cspec_security_check_non_root(&sec, user, err);
        if (r < 0)
                return r;
        cspec_resources_container(c, &res);

        if (asprintf(&name, "%s-%s", md->pod_name, c->name) < 0)
                return berr(err, ENOMEM, "container");
        if (sec.run_as_user_set) {
                uid = (uint32_t)sec.run_as_user;
                member.run_as_user = &uid;
        }
        if (sec.run_as_group_set) {
                gid = (uint32_t)sec.run_as_group;
                member.run_as_group = &gid;
        }
        if (sec.n_supplemental_groups > 0) {
                groups = calloc(sec.n_supplemental_groups, sizeof(*groups));
                if (!groups)
                        return berr(err, ENOMEM, "container");
                for (size_t i = 0; i < sec.n_supplemental_groups; i++)
                        groups[i] = (uint32_t)sec.supplemental_groups[i];
                member.supplemental_groups = groups;
                member.n_supplemental_groups = sec.n_supplemental_groups;
        }
        member.no_new_privs = sec.no_new_privs;
        member.sysctls = sec.sysctls;
        member.cpu_request_millis = res.cpu_request_millis;
        member.memory_request = res.memory_request;
        if (pvc && pvc->n_mounts > 0) {
                mounts = calloc(pvc->n_mounts, sizeof(*mounts));
                if (!mounts)
                        return berr(err, ENOMEM, "container");
                for (size_t i = 0; i < pvc->n_mounts; i++) {
                        const struct podvolumes_mount *pm = &pvc->mounts[i];

                        mounts[i].source = pm->source;
                        mounts[i].destination = pm->destination;
                        mounts[i].read_only = pm->read_only;
                        for (char **op = pm->options; op && *op; op++)
                                if (strcmp(*op, "rslave") == 0 || strcmp(*op, "rshared") == 0)
                                        mounts[i].propagation = *op;
                }
                member.mounts = mounts;
                member.n_mounts = pvc->n_mounts;
        }
        probes = init ? NULL : probes_json(c);
        lifecycle = init ? NULL : lifecycle_json(c);

        co.name = name;
        co.image = c->image;
        co.entrypoint = command;
        co.args = args;
        co.env = full_env;
        co.workdir = c->working_dir;
        co.tty = c->tty;
        co.privileged = sec.privileged;
        co.read_only = sec.read_only_root_filesystem;
        co.cap_add = sec.cap_add;
        co.cap_drop = sec.cap_drop;
        if (sec.seccomp == CSPEC_SECCOMP_UNCONFINED)
                co.seccomp = "unconfined";
        else if (sec.seccomp == CSPEC_SECCOMP_LOCALHOST)
                co.seccomp = sec.seccomp_profile;
        co.memory = res.memory_limit;
        co.cpu_millis = res.cpu_limit_millis;
        co.stop_timeout = (int)spec->termination_grace_period_seconds;
        co.stop_signal = c->lifecycle ? c->lifecycle->stop_signal : NULL;
        co.restart_policy = init ? NULL : spec->restart_policy;
        co.probes = probes;
        co.lifecycle = lifecycle;
        co.pod = &member;
        co.ret_spec = ret_spec;
        co.memo = md->memo;
        return runtime_create(p->s, p->ctx, &co, ret_id, err);
}

/* ---------------------------------------------------------------- pods */

static int
pod_opts(struct play *p, const struct want *w, struct runtime_pod_opts *po,
         struct runtime_port **ret_ports, struct runtime_host_alias **ret_aliases,
         char ***ret_labels, char ***ret_annotations, struct berr **err)
{
        const struct kube_pod_spec *spec = w->spec;
        struct runtime_port *ports = NULL;
        struct runtime_host_alias *aliases = NULL;
        struct cspec_resources res = {0};
        size_t n_ports = 0;
        char **labels = NULL, **ann = NULL;

        for (size_t i = 0; i < spec->n_containers; i++)
                for (size_t k = 0; k < spec->containers[i].n_ports; k++) {
                        const struct kube_port *kp = &spec->containers[i].ports[k];
                        struct runtime_port *np;

                        if (kp->host_port <= 0)
                                continue;
                        np = reallocarray(ports, n_ports + 1, sizeof(*np));
                        if (!np) {
                                free(ports);
                                return berr(err, ENOMEM, "pod");
                        }
                        ports = np;
                        ports[n_ports++] = (struct runtime_port){
                                .host_port = (uint16_t)kp->host_port,
                                .container_port = (uint16_t)kp->container_port,
                                .protocol = kp->protocol && strcmp(kp->protocol, "UDP") == 0 ? "udp"
                                            : kp->protocol && strcmp(kp->protocol, "SCTP") == 0
                                                    ? "sctp"
                                                    : "tcp",
                                .host_ip = kp->host_ip,
                        };
                }
        *ret_ports = ports;
        if (spec->n_host_aliases > 0) {
                aliases = calloc(spec->n_host_aliases, sizeof(*aliases));
                if (!aliases)
                        return berr(err, ENOMEM, "pod");
                for (size_t i = 0; i < spec->n_host_aliases; i++) {
                        aliases[i].ip = spec->host_aliases[i].ip;
                        aliases[i].hostnames = strv_copy((char **)spec->host_aliases[i].hostnames);
                }
        }
        *ret_aliases = aliases;
        /* the template's labels, then the Deployment's own (podman adds them too) */
        for (size_t pass = 0; pass < 2; pass++) {
                const struct kube_meta *m = pass == 0 ? w->meta : w->owner_meta;

                for (size_t i = 0; m && i < m->n_labels; i++) {
                        char *kv = NULL;
                        if (asprintf(&kv, "%s=%s", m->labels[i].key, m->labels[i].value) < 0)
                                kv = NULL;
                        if (strv_push(&labels, kv) < 0) {
                                strv_free(labels);
                                return berr(err, ENOMEM, "pod");
                        }
                }
        }
        for (size_t i = 0; w->meta && i < w->meta->n_annotations; i++) {
                char *kv = NULL;
                if (asprintf(&kv, "%s=%s", w->meta->annotations[i].key,
                             w->meta->annotations[i].value) < 0)
                        kv = NULL;
                if (strv_push(&ann, kv) < 0) {
                        strv_free(labels);
                        strv_free(ann);
                        return berr(err, ENOMEM, "pod");
                }
        }
        *ret_labels = labels;
        *ret_annotations = ann;
        cspec_resources_pod(spec, &res);
        *po = (struct runtime_pod_opts){
                .name = w->name,
                .namespace_ = w->pod_meta.namespace_,
                .hostname = spec->hostname ? spec->hostname : w->name,
                .host_network =
                        spec->host_network || (p->o->network && strcmp(p->o->network, "host") == 0),
                .host_pid = spec->host_pid,
                .host_ipc = spec->host_ipc,
                .share_pid = spec->share_process_namespace.set && spec->share_process_namespace.v,
                .network = p->o->network,
                .ports = ports,
                .n_ports = n_ports,
                .host_aliases = aliases,
                .n_host_aliases = spec->n_host_aliases,
                .labels = labels,
                .annotations = ann,
                .restart_policy = spec->restart_policy,
                .memory_limit = res.memory_limit,
                .cpu_limit_millis = res.cpu_limit_millis,
        };
        return 0;
}

static int
make_pod(struct play *p, const struct want *w, json_t *report, struct berr **err)
{
        _cleanup_free_ struct runtime_port *ports = NULL;
        _cleanup_free_ struct runtime_host_alias *aliases = NULL;
        _cleanup_(strv_freep) char **labels = NULL, **ann = NULL;
        _cleanup_(podvolumes_freep) struct podvolumes *pv = NULL;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_free_ char *id = NULL, *vdir = NULL, *owner = NULL;
        _cleanup_(strv_freep) char **init_ids = NULL, **ids = NULL;
        struct runtime_starting **starting = NULL;
        json_t *ctrs = json_array(), *inits = json_array();
        bool early = false;
        struct runtime_pod_opts po;
        struct podvolumes_opts vo = {0};
        _cleanup_(runtime_create_memo_clear) struct runtime_create_memo memo = {0};
        struct made md = {.w = w, .memo = &memo};
        int r;

        if (!ctrs || !inits) {
                json_decref(ctrs);
                json_decref(inits);
                return berr(err, ENOMEM, "pod");
        }
        r = pod_opts(p, w, &po, &ports, &aliases, &labels, &ann, err);
        if (r < 0)
                goto out;
        if (asprintf(&owner, "%s/%s", w->owner_kind,
                     w->owner_meta ? w->owner_meta->name : w->meta->name) < 0) {
                r = berr(err, ENOMEM, "pod");
                goto out;
        }
        po.kube_owner = owner;
        r = runtime_pod_create(p->s, p->ctx, &po, &id, err);
        if (aliases)
                for (size_t i = 0; i < po.n_host_aliases; i++)
                        strv_free(aliases[i].hostnames);
        if (r < 0) {
                (void)berr_wrap(err, "pod %s", w->name);
                goto out;
        }
        /* what the rest can undo by removing it: the pod is in the report from here on */
        json_array_append_new(json_object_get(report, "pods"),
                              json_pack("{s:s, s:s, s:O, s:O}", "id", id, "name", w->name,
                                        "containers", ctrs, "initContainers", inits));
        r = runtime_pod_find(p->s, p->ctx, id, &rec, err);
        if (r < 0)
                goto out;
        vdir = runtime_pod_volumes_dir(p->s, id);
        vo.dir = vdir;
        vo.pod_uid = id;
        vo.meta = &w->pod_meta;
        vo.spec = w->spec;
        vo.configmaps = p->cms;
        vo.n_configmaps = p->n_cms;
        vo.secrets = p->secrets;
        vo.n_secrets = p->n_secrets;
        vo.store = p->s;
        r = vdir ? podvolumes_setup(&vo, &pv, err) : berr(err, ENOMEM, "pod");
        if (r < 0) {
                (void)berr_wrap(err, "pod %s", w->name);
                goto out;
        }
        md.pod_id = id;
        md.pod_name = w->name;
        md.pod_ip = json_string_value(json_object_get(rec, "ip"));
        md.pv = pv;
        /*
         * Each container's record durable as it is made, the pod's list of
         * them in one write. With no init container to wait for, each one
         * starts as soon as it is made, while the next is made.
         */
        early = p->o->start && w->spec->n_init_containers == 0;
        if (early && !(starting = calloc(w->spec->n_containers + 1, sizeof(*starting)))) {
                r = berr(err, ENOMEM, "pod %s", w->name);
                goto out;
        }
        for (size_t pass = 0; pass < 2; pass++) {
                const struct kube_container *cs =
                        pass == 0 ? w->spec->init_containers : w->spec->containers;
                size_t n = pass == 0 ? w->spec->n_init_containers : w->spec->n_containers;

                for (size_t i = 0; i < n; i++) {
                        _cleanup_(json_decrefp) json_t *spec = NULL;
                        char *cid = NULL;

                        r = create_container(p, &md, &cs[i], pass == 0, &cid, early ? &spec : NULL,
                                             err);
                        if (r < 0) {
                                (void)berr_wrap(err, "pod %s: %scontainer %s", w->name,
                                                pass == 0 ? "init " : "", cs[i].name);
                                goto out;
                        }
                        json_array_append_new(pass == 0 ? inits : ctrs, json_string(cid));
                        if (strv_push(pass == 0 ? &init_ids : &ids, cid) < 0) {
                                r = berr(err, ENOMEM, "pod %s", w->name);
                                goto out;
                        }
                        if (early) {
                                r = runtime_start_begin(p->s, p->ctx, cid, spec, &starting[i], err);
                                if (r < 0) {
                                        (void)berr_wrap(err, "pod %s: container %s", w->name,
                                                        cs[i].name);
                                        goto out;
                                }
                        }
                }
        }
        r = runtime_pod_add_containers(p->s, id, init_ids, ids, early, err);
out:
        /* every start begun is waited for, failed or not; the first failure is the error */
        for (size_t i = 0; starting && i < w->spec->n_containers; i++) {
                int q = runtime_start_finish(starting[i], r < 0 ? NULL : err);

                if (q < 0 && r >= 0) {
                        r = q;
                        (void)berr_wrap(err, "pod %s: container %s", w->name,
                                        w->spec->containers[i].name);
                }
        }
        /*
         * The rest: init containers in order, the others; the pod marked
         * started. Started early, every container was waited for above and
         * the pod's record says so already.
         */
        if (r >= 0 && p->o->start && !early)
                r = runtime_pod_start(p->s, p->ctx, id, err);
        free(starting);
        json_decref(ctrs);
        json_decref(inits);
        return r < 0 ? r : 0;
}

/* ------------------------------------------------------- in parallel */

/* A worker's own handle on the store's lock */
static int
worker_init(void *userdata, struct berr **err)
{
        struct play *p = userdata;

        return storage_after_fork(p->s, err);
}

/* Worker item: make pod i; out: its report entry, also when it failed half made */
static int
worker_make_pod(size_t i, void *userdata, json_t **out, struct berr **err)
{
        struct play *p = userdata;
        _cleanup_(json_decrefp) json_t *rep = json_pack("{s:[]}", "pods");
        int r;

        if (!rep)
                return berr(err, ENOMEM, "pod");
        r = make_pod(p, &p->wants[i], rep, err);
        *out = json_incref(json_array_get(json_object_get(rep, "pods"), 0));
        return r;
}

/* The images of every pod, pulled where they must be, before the workers start */
static int
ensure_images(struct play *p, struct berr **err)
{
        for (size_t i = 0; i < p->n_wants; i++)
                for (size_t pass = 0; pass < 2; pass++) {
                        const struct kube_pod_spec *spec = p->wants[i].spec;
                        const struct kube_container *cs =
                                pass == 0 ? spec->init_containers : spec->containers;
                        size_t n = pass == 0 ? spec->n_init_containers : spec->n_containers;

                        for (size_t k = 0; k < n; k++) {
                                int r = ensure_image(p, &cs[k], err);
                                if (r < 0)
                                        return berr_wrap(err, "pod %s: container %s",
                                                         p->wants[i].name, cs[k].name);
                        }
                }
        return 0;
}

/*
 * Every pod the manifests want, several at once: each pod's own steps stay
 * in order (sandbox, network, volumes, init containers, containers), while
 * the pods of a Deployment do not wait for one another. The report lists
 * them in the manifests' order; the first failure in that order is the
 * error, and every pod made, failed or not, is in the report to be undone.
 */
static int
make_pods(struct play *p, json_t *report, struct berr **err)
{
        struct workers_result *res = NULL;
        int r;

        if (p->n_wants <= 1) {
                for (size_t i = 0; i < p->n_wants; i++) {
                        r = make_pod(p, &p->wants[i], report, err);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        r = ensure_images(p, err);
        if (r < 0)
                return r;
        r = workers_run(p->n_wants, workers_default(p->n_wants), worker_init, worker_make_pod, p,
                        &res, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p->n_wants; i++) {
                if (res[i].out)
                        json_array_append(json_object_get(report, "pods"), res[i].out);
                if (res[i].errnum != 0 && r == 0)
                        r = berr(err, res[i].errnum == EIO ? 0 : res[i].errnum, "%s",
                                 res[i].message ? res[i].message : "failed");
        }
        workers_results_free(res, p->n_wants);
        return r;
}

struct removal {
        struct storage *s;
        const struct berth_ctx *ctx;
        char **ids;
        int timeout; /* for runtime_pod_remove: -1 each pod's grace period */
};

static int
removal_init(void *userdata, struct berr **err)
{
        struct removal *rm = userdata;

        return storage_after_fork(rm->s, err);
}

static int
removal_item(size_t i, void *userdata, json_t **out, struct berr **err)
{
        struct removal *rm = userdata;
        int r = runtime_pod_remove(rm->s, rm->ctx, rm->ids[i], true, rm->timeout, err);

        if (r == 0)
                *out = json_string(rm->ids[i]);
        return r;
}

/*
 * Stop and remove the pods ids, several at once: each pod's containers get
 * their signal (and preStop hooks) together, and the pods do not wait for
 * one another's grace periods (timeout: seconds to wait for each pod's
 * containers, -1 their own grace periods). The IDs removed are appended to removed
 * (when not NULL); the first failure is the error, the others are still
 * tried.
 */
static int
remove_pods(struct storage *s, const struct berth_ctx *ctx, char **ids, int timeout,
            json_t *removed, struct berr **err)
{
        struct removal rm = {s, ctx, ids, timeout};
        struct workers_result *res = NULL;
        size_t n = 0;
        int r;

        while (ids && ids[n])
                n++;
        if (n == 0)
                return 0;
        r = workers_run(n, workers_default(n), removal_init, removal_item, &rm, &res, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (res[i].out && removed)
                        json_array_append(removed, res[i].out);
                if (res[i].errnum != 0 && r == 0)
                        r = berr(err, res[i].errnum == EIO ? 0 : res[i].errnum, "%s",
                                 res[i].message ? res[i].message : "failed");
        }
        workers_results_free(res, n);
        return r;
}

/* The claims' volumes, made when missing */
static int
make_volumes(struct play *p, json_t *report, struct berr **err)
{
        for (size_t i = 0; i < p->m.n_objects; i++) {
                const struct kube_object *ob = p->m.objects[i];
                _cleanup_(json_decrefp) json_t *labels = NULL;
                struct volume v = {0};
                int r;

                if (ob->kind != KUBE_PVC)
                        continue;
                labels = json_pack("{s:s}", "io.berth.pvc", "1");
                r = volume_create(p->s, ob->pvc->meta.name, labels, VOLUME_CREATE_IGNORE, &v, err);
                volume_clear(&v);
                if (r < 0)
                        return r;
                if (r == 0)
                        json_array_append_new(json_object_get(report, "volumes"),
                                              json_string(ob->pvc->meta.name));
        }
        return 0;
}

/* ConfigMaps and Secrets, kept for the plays to come */
static int
keep_objects(struct play *p, struct berr **err)
{
        for (size_t i = 0; i < p->n_cms; i++) {
                int r = kubeobj_save_configmap(p->s, p->cms[i], err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < p->n_secrets; i++) {
                int r = kubeobj_save_secret(p->s, p->secrets[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool
strv_has(char *const *v, const char *s)
{
        for (; v && *v; v++)
                if (strcmp(*v, s) == 0)
                        return true;
        return false;
}

/*
 * The IDs of the pods a Deployment of the manifests made before, whatever
 * its replicas were then (kubeOwner "Deployment/NAME", in its namespace),
 * appended to ids.
 */
static int
owned_pods(struct play *p, const struct kube_deployment *d, char ***ids, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        _cleanup_free_ char *owner = NULL;
        const json_t *rec;
        size_t i;
        int r = storage_pods(p->s, &all, err);

        if (r < 0)
                return r;
        if (asprintf(&owner, "Deployment/%s", d->meta.name) < 0)
                return berr(err, ENOMEM, "pods");
        json_array_foreach (all, i, rec) {
                const char *o = json_string_value(json_object_get(rec, "kubeOwner"));
                const char *ns = json_string_value(json_object_get(rec, "namespace"));
                const char *id = json_string_value(json_object_get(rec, "id"));

                if (!o || !id || strcmp(o, owner) != 0 ||
                    strcmp(ns ? ns : "default",
                           d->meta.namespace_ ? d->meta.namespace_ : "default") != 0 ||
                    strv_has(*ids, id))
                        continue;
                if (strv_push(ids, strdup(id)) < 0)
                        return berr(err, ENOMEM, "pods");
        }
        return 0;
}

/*
 * The IDs of the pods that are there now of those the manifests make: by
 * name, and every pod of their Deployments (*ret NULL-terminated).
 */
static int
existing_pods(struct play *p, char ***ret, struct berr **err)
{
        _cleanup_(strv_freep) char **ids = NULL;
        int r;

        for (size_t i = 0; i < p->n_wants; i++) {
                _cleanup_(json_decrefp) json_t *pod = NULL;
                const char *id;

                if (runtime_pod_find(p->s, p->ctx, p->wants[i].name, &pod, NULL) < 0)
                        continue; /* not there */
                id = json_string_value(json_object_get(pod, "id"));
                if (id && !strv_has(ids, id) && strv_push(&ids, strdup(id)) < 0)
                        return berr(err, ENOMEM, "pods");
        }
        for (size_t i = 0; i < p->m.n_objects; i++)
                if (p->m.objects[i]->kind == KUBE_DEPLOYMENT) {
                        r = owned_pods(p, p->m.objects[i]->deployment, &ids, err);
                        if (r < 0)
                                return r;
                }
        *ret = TAKE_PTR(ids);
        return 0;
}

/* Two objects of the manifests that make a pod of the same name */
static int
check_names(const struct play *p, struct berr **err)
{
        for (size_t i = 0; i < p->n_wants; i++)
                for (size_t k = 0; k < i; k++)
                        if (strcmp(p->wants[i].name, p->wants[k].name) == 0)
                                return berr(err, 0,
                                            "the manifests make two pods named \"%s\" (%s %s "
                                            "and %s %s)",
                                            p->wants[i].name, p->wants[k].owner_kind,
                                            p->wants[k].owner_meta ? p->wants[k].owner_meta->name
                                                                   : p->wants[k].name,
                                            p->wants[i].owner_kind,
                                            p->wants[i].owner_meta ? p->wants[i].owner_meta->name
                                                                   : p->wants[i].name);
        return 0;
}

int
reconcile_play(struct storage *s, const struct berth_ctx *ctx, char *const *paths, size_t n_paths,
               const struct reconcile_play_opts *o, json_t **ret, struct berr **err)
{
        struct play p = {.s = s, .ctx = ctx, .o = o};
        _cleanup_(json_decrefp) json_t *report = json_pack("{s:[], s:[]}", "pods", "volumes");
        int r;

        if (!report)
                return berr(err, ENOMEM, "play");
        r = manifests_read(paths, n_paths, &p.m, err);
        if (r < 0)
                return r;
        r = collect(&p, err);
        if (r == 0 && p.n_wants == 0 && p.n_cms == 0 && p.n_secrets == 0 && !has_claims(&p))
                r = berr(err, 0,
                         "the manifests hold no Pod, Deployment, ConfigMap, Secret or "
                         "PersistentVolumeClaim");
        if (r == 0)
                r = check_names(&p, err);
        /* a pod that exists: an error unless --replace, checked before anything is made */
        for (size_t i = 0; r == 0 && !o->replace && i < p.n_wants; i++) {
                _cleanup_(json_decrefp) json_t *old = NULL;

                if (runtime_pod_find(s, ctx, p.wants[i].name, &old, NULL) == 0)
                        r = berr(err, 0,
                                 "a pod named \"%s\" already exists: use --replace to replace it, "
                                 "or berth kube down first",
                                 p.wants[i].name);
        }
        /* --replace: those, and every pod of the Deployments (their replicas may have changed) */
        if (r == 0 && o->replace) {
                _cleanup_(strv_freep) char **old = NULL;

                r = existing_pods(&p, &old, err);
                if (r == 0)
                        r = remove_pods(s, ctx, old, -1, NULL, err);
        }
        if (r == 0)
                r = keep_objects(&p, err);
        if (r == 0)
                r = make_volumes(&p, report, err);
        if (r == 0)
                r = make_pods(&p, report, err);
        if (r < 0) {
                /* the pods this play made go again; what was there before stays */
                _cleanup_(strv_freep) char **made = NULL;
                const json_t *pod;
                size_t i;

                json_array_foreach (json_object_get(report, "pods"), i, pod)
                        if (strv_push(&made, strdup(json_string_value(json_object_get(pod, "id"))
                                                            ?: "")) < 0)
                                break;
                (void)remove_pods(s, ctx, made, 0, NULL, NULL);
                /* and so do the volumes it made (a claim's volume that was there stays) */
                json_array_foreach (json_object_get(report, "volumes"), i, pod)
                        (void)volume_remove(s, json_string_value(pod), true, NULL, NULL);
        } else {
                *ret = TAKE_PTR(report);
        }
        play_done(&p);
        return r;
}

int
reconcile_down(struct storage *s, const struct berth_ctx *ctx, char *const *paths, size_t n_paths,
               const struct reconcile_down_opts *o, json_t **ret, struct berr **err)
{
        struct play p = {.s = s, .ctx = ctx};
        _cleanup_(json_decrefp) json_t *report = json_pack("{s:[], s:[]}", "pods", "volumes");
        _cleanup_(strv_freep) char **ids = NULL;
        int r, status = 0;

        if (!report)
                return berr(err, ENOMEM, "down");
        r = manifests_read(paths, n_paths, &p.m, err);
        if (r == 0)
                r = collect(&p, err);
        if (r == 0)
                r = existing_pods(&p, &ids, err);
        if (r == 0 && remove_pods(s, ctx, ids, -1, json_object_get(report, "pods"), err) < 0)
                status = -EIO;
        for (size_t i = 0; r == 0 && o->volumes && i < p.m.n_objects; i++) {
                const struct kube_object *ob = p.m.objects[i];

                if (ob->kind != KUBE_PVC)
                        continue;
                if (volume_remove(s, ob->pvc->meta.name, true, NULL, NULL) == 0)
                        json_array_append_new(json_object_get(report, "volumes"),
                                              json_string(ob->pvc->meta.name));
        }
        play_done(&p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(report);
        return status;
}
