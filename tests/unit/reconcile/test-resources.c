/* tests/unit/reconcile/test-resources.c: limits, requests and CPU weights, per container and pod */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "kube/quantity.h"
#include "reconcile/container-spec.h"
#include "util/berr.h"
#include "util/cleanup.h"

static struct kube_resource
res(const char *name, const char *qty)
{
        struct kube_resource r = {.name = name, .qty = {.text = qty}};

        if (kube_quantity_parse(qty, &r.qty.q) < 0)
                abort();
        return r;
}

/* A container with "cpu"/"memory" limits and requests; NULL: not given. */
struct ctr {
        struct kube_resource lim[3], req[3];
        struct kube_resources r;
        struct kube_container c;
};

static void
ctr_init(struct ctr *t, const char *lcpu, const char *lmem, const char *rcpu, const char *rmem)
{
        *t = (struct ctr){0};
        if (lcpu)
                t->lim[t->r.n_limits++] = res("cpu", lcpu);
        if (lmem)
                t->lim[t->r.n_limits++] = res("memory", lmem);
        if (rcpu)
                t->req[t->r.n_requests++] = res("cpu", rcpu);
        if (rmem)
                t->req[t->r.n_requests++] = res("memory", rmem);
        t->r.limits = t->lim;
        t->r.requests = t->req;
        t->c.name = "c";
        t->c.resources = &t->r;
}

static void
test_cpu_shares(void)
{
        check(cspec_cpu_shares(0) == 2);
        check(cspec_cpu_shares(-5) == 2);
        check(cspec_cpu_shares(1) == 2);
        check(cspec_cpu_shares(2) == 2);
        check(cspec_cpu_shares(10) == 10);
        check(cspec_cpu_shares(100) == 102);
        check(cspec_cpu_shares(250) == 256);
        check(cspec_cpu_shares(1000) == 1024);
        check(cspec_cpu_shares(256000) == 262144);
        check(cspec_cpu_shares(300000) == 262144);
        check(cspec_cpu_shares(INT64_MAX) == 262144);
}

static void
test_cpu_weight(void)
{
        /* runc's table: 2 -> 1, 1024 -> 39, 262144 -> 10000 */
        check(cspec_cpu_weight(0) == 0);
        check(cspec_cpu_weight(1) == 1);
        check(cspec_cpu_weight(2) == 1);
        check(cspec_cpu_weight(102) == 4);
        check(cspec_cpu_weight(1024) == 39);
        check(cspec_cpu_weight(262144) == 10000);
        check(cspec_cpu_weight(1000000) == 10000);
}

static void
test_container(void)
{
        struct ctr t;
        struct cspec_resources r;

        ctr_init(&t, "500m", "256Mi", "250m", "128Mi");
        cspec_resources_container(&t.c, &r);
        check(r.memory_limit == 268435456);
        check(r.memory_request == 134217728);
        check(r.cpu_limit_millis == 500);
        check(r.cpu_request_millis == 250);
        check(r.cpu_shares == 256);
        check(r.cpu_weight == cspec_cpu_weight(256));

        /* fractions go up: 1.5 bytes is 2, 0.1m is 1m */
        ctr_init(&t, "0.0001", "1.5", NULL, NULL);
        cspec_resources_container(&t.c, &r);
        check(r.memory_limit == 2);
        check(r.cpu_limit_millis == 1);
        /* a missing request is its limit */
        check(r.cpu_request_millis == 1 && r.memory_request == 2);

        ctr_init(&t, "2", "1G", NULL, NULL);
        cspec_resources_container(&t.c, &r);
        check(r.memory_limit == 1000000000 && r.memory_request == 1000000000);
        check(r.cpu_limit_millis == 2000 && r.cpu_request_millis == 2000);
        check(r.cpu_shares == 2048);

        /* a zero request with a limit: the limit's shares, the request still 0 */
        ctr_init(&t, "1", NULL, "0", NULL);
        cspec_resources_container(&t.c, &r);
        check(r.cpu_request_millis == 0);
        check(r.cpu_shares == 1024 && r.cpu_weight == 39);

        /* a zero limit is no limit */
        ctr_init(&t, "0", "0", NULL, NULL);
        cspec_resources_container(&t.c, &r);
        check(r.memory_limit == 0 && r.cpu_limit_millis == 0);
        check(r.cpu_shares == 2);
}

static void
test_container_none_and_others(void)
{
        struct kube_container bare = {.name = "bare"};
        struct kube_resource lim[] = {res("hugepages-2Mi", "64Mi"), res("example.com/gpu", "1"),
                                      res("ephemeral-storage", "1Gi")};
        struct kube_resources rr = {.limits = lim, .n_limits = 3};
        struct kube_container other = {.name = "o", .resources = &rr};
        struct cspec_resources r;

        cspec_resources_container(&bare, &r);
        check(r.memory_limit == 0 && r.memory_request == 0);
        check(r.cpu_limit_millis == 0 && r.cpu_request_millis == 0);
        /* Kubernetes' BestEffort share */
        check(r.cpu_shares == 2 && r.cpu_weight == 1);

        /* hugepages and the rest are not CPU or memory */
        cspec_resources_container(&other, &r);
        check(r.memory_limit == 0 && r.cpu_limit_millis == 0 && r.cpu_shares == 2);
}

static void
test_resource_get(void)
{
        struct ctr t;
        const struct kube_quantity *q;

        ctr_init(&t, "1", "1Gi", "500m", NULL);
        q = cspec_resource_get(&t.r, true, "cpu");
        check(q && kube_quantity_milli(q) == 1000);
        q = cspec_resource_get(&t.r, false, "cpu");
        check(q && kube_quantity_milli(q) == 500);
        /* no memory request: the limit */
        q = cspec_resource_get(&t.r, false, "memory");
        check(q && kube_quantity_value(q) == 1073741824);
        check(cspec_resource_get(&t.r, true, "ephemeral-storage") == NULL);
        check(cspec_resource_get(NULL, true, "cpu") == NULL);
}

/* The pod of na app containers and ni init containers. */
static void
pod(const struct kube_container *apps, size_t na, const struct kube_container *inits, size_t ni,
    struct cspec_resources *r)
{
        struct kube_pod_spec spec = {.containers = (struct kube_container *)apps,
                                     .n_containers = na,
                                     .init_containers = (struct kube_container *)inits,
                                     .n_init_containers = ni};

        cspec_resources_pod(&spec, r);
}

static void
test_pod_sum_and_init_max(void)
{
        struct ctr a, b, i1;
        struct cspec_resources r;

        ctr_init(&a, "200m", "200Mi", "100m", "100Mi");
        ctr_init(&b, "400m", "100Mi", "300m", "50Mi");
        ctr_init(&i1, "2", "20Mi", "1", "10Mi");

        /* app containers alone: sums */
        pod((struct kube_container[]){a.c, b.c}, 2, NULL, 0, &r);
        check(r.cpu_request_millis == 400);
        check(r.memory_request == 150 << 20);
        check(r.cpu_limit_millis == 600);
        check(r.memory_limit == 300 << 20);
        check(r.cpu_shares == 409);

        /* the init container needs more CPU, less memory: each resource on its own */
        pod((struct kube_container[]){a.c, b.c}, 2, &i1.c, 1, &r);
        check(r.cpu_request_millis == 1000);
        check(r.memory_request == 150 << 20);
        check(r.cpu_limit_millis == 2000);
        check(r.memory_limit == 300 << 20);
        check(r.cpu_shares == 1024 && r.cpu_weight == 39);
}

static void
test_pod_missing_limit(void)
{
        struct ctr a, b, b2, i1, i0;
        struct cspec_resources r;

        /* b has no memory limit: the pod has none; CPU limits are all there */
        ctr_init(&a, "200m", "200Mi", NULL, NULL);
        ctr_init(&b, "400m", NULL, NULL, "64Mi");
        pod((struct kube_container[]){a.c, b.c}, 2, NULL, 0, &r);
        check(r.memory_limit == 0);
        check(r.cpu_limit_millis == 600);
        check(r.memory_request == (200 << 20) + (64 << 20));

        /* an init container without a CPU limit lifts the pod's CPU limit too */
        ctr_init(&b2, "400m", "100Mi", NULL, NULL);
        ctr_init(&i1, NULL, "10Mi", "100m", NULL);
        pod((struct kube_container[]){a.c, b2.c}, 2, &i1.c, 1, &r);
        check(r.cpu_limit_millis == 0);
        check(r.memory_limit == 300 << 20);

        /* a zero limit counts as none */
        ctr_init(&i0, "0", "10Mi", NULL, NULL);
        pod((struct kube_container[]){a.c, b2.c}, 2, &i0.c, 1, &r);
        check(r.cpu_limit_millis == 0);
        check(r.memory_limit == 300 << 20);

        /* no containers: nothing */
        pod(NULL, 0, NULL, 0, &r);
        check(r.memory_limit == 0 && r.cpu_limit_millis == 0 && r.cpu_request_millis == 0);
        check(r.cpu_shares == 2);
}

static void
test_pod_sidecars(void)
{
        struct ctr app, side, init, plain;
        struct cspec_resources r;

        ctr_init(&app, "1", "100Mi", "200m", "100Mi");
        ctr_init(&side, "1", "50Mi", "100m", "50Mi");
        ctr_init(&init, "1", "400Mi", "500m", "400Mi");
        side.c.restart_policy = "Always";

        /* sidecar first: it runs beside the init container and beside the app */
        pod(&app.c, 1, (struct kube_container[]){side.c, init.c}, 2, &r);
        check(r.cpu_request_millis == 600);     /* max(200+100, 500+100) */
        check(r.memory_request == (450 << 20)); /* max(150Mi, 400Mi+50Mi) */
        check(r.cpu_limit_millis == 2000);      /* max(1+1, 1+1) */
        check(r.memory_limit == (450 << 20));   /* max(150Mi, 450Mi) */

        /* sidecar after the init container: only the app sum gets it */
        pod(&app.c, 1, (struct kube_container[]){init.c, side.c}, 2, &r);
        check(r.cpu_request_millis == 500);     /* max(300, 500, 100) */
        check(r.memory_request == (400 << 20)); /* max(150Mi, 400Mi, 50Mi) */

        /* an init container's restartPolicy other than Always is a plain one */
        plain = side;
        plain.c.resources = &plain.r;
        plain.r.limits = plain.lim;
        plain.r.requests = plain.req;
        plain.c.restart_policy = "OnFailure";
        pod(&app.c, 1, (struct kube_container[]){init.c, plain.c}, 2, &r);
        check(r.cpu_request_millis == 500); /* max(200, 500, 100) */
        check(r.cpu_limit_millis == 1000);
}

static void
test_pod_saturates(void)
{
        struct ctr a, b;
        struct cspec_resources r;

        ctr_init(&a, "1", "8Ei", NULL, NULL);
        ctr_init(&b, "1", "8Ei", NULL, NULL);
        pod((struct kube_container[]){a.c, b.c}, 2, NULL, 0, &r);
        check(r.memory_limit == INT64_MAX);
        check(r.memory_request == INT64_MAX);
}

/* The same through the reader: requests defaulted from limits by the decoder. */
static void
test_pod_from_manifest(void)
{
        static const char y[] = "apiVersion: v1\n"
                                "kind: Pod\n"
                                "metadata: {name: web}\n"
                                "spec:\n"
                                "  initContainers:\n"
                                "  - name: log\n"
                                "    image: busybox:1.36\n"
                                "    restartPolicy: Always\n"
                                "    resources: {limits: {cpu: 100m, memory: 32Mi}}\n"
                                "  containers:\n"
                                "  - name: app\n"
                                "    image: busybox:1.36\n"
                                "    resources:\n"
                                "      limits: {cpu: '1', memory: 256Mi}\n"
                                "      requests: {cpu: 250m}\n";
        _cleanup_(kube_reader_freep) struct kube_reader *rd = NULL;
        _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_opts opts = {0};
        struct cspec_resources r;

        check(kube_reader_open_buffer(y, strlen(y), "pod.yaml", &opts, &rd, &err) == 0);
        check(kube_reader_next(rd, &d, &err) == 1);
        if (!d || d->n_objects != 1 || d->n_errors) {
                check(!"the pod reads cleanly");
                return;
        }
        cspec_resources_container(&d->objects[0].pod->spec.containers[0], &r);
        check(r.cpu_request_millis == 250 && r.memory_request == 256 << 20);
        cspec_resources_pod(&d->objects[0].pod->spec, &r);
        check(r.cpu_request_millis == 350);
        check(r.memory_request == (256 + 32) << 20);
        check(r.cpu_limit_millis == 1100);
        check(r.memory_limit == (256 + 32) << 20);
        check(r.cpu_shares == 358);
}

int
main(void)
{
        RUN(test_cpu_shares);
        RUN(test_cpu_weight);
        RUN(test_container);
        RUN(test_container_none_and_others);
        RUN(test_resource_get);
        RUN(test_pod_sum_and_init_max);
        RUN(test_pod_missing_limit);
        RUN(test_pod_sidecars);
        RUN(test_pod_saturates);
        RUN(test_pod_from_manifest);
        return check_done();
}
