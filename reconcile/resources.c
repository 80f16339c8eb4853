/*
 * reconcile/resources.c: limits and requests as the kubelet turns them into
 * cgroup settings: per container (generateLinuxContainerResources) and per
 * pod (ResourceConfigForPod over PodRequests and PodLimits, sidecars
 * included).
 */
#include "container-spec.h"

#include <string.h>

#include "kube/quantity.h"

/* Kubernetes' MinShares, MaxShares, SharesPerCPU, MilliCPUToCPU */
#define SHARES_MIN 2
#define SHARES_MAX 262144
#define SHARES_PER_CPU 1024
#define MILLI_PER_CPU 1000

static const struct kube_quantity *
find(const struct kube_resource *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (list[i].qty.text && list[i].name && strcmp(list[i].name, name) == 0)
                        return &list[i].qty.q;
        return NULL;
}

const struct kube_quantity *
cspec_resource_get(const struct kube_resources *r, bool limit, const char *name)
{
        const struct kube_quantity *q;

        if (!r)
                return NULL;
        if (limit)
                return find(r->limits, r->n_limits, name);
        q = find(r->requests, r->n_requests, name);
        return q ? q : find(r->limits, r->n_limits, name);
}

uint64_t
cspec_cpu_shares(int64_t millis)
{
        int64_t shares;

        if (millis <= 0)
                return SHARES_MIN;
        /* millis * 1024 would pass INT64_MAX only far above SHARES_MAX anyway */
        if (millis > INT64_MAX / SHARES_PER_CPU)
                return SHARES_MAX;
        shares = millis * SHARES_PER_CPU / MILLI_PER_CPU;
        if (shares < SHARES_MIN)
                return SHARES_MIN;
        if (shares > SHARES_MAX)
                return SHARES_MAX;
        return (uint64_t)shares;
}

uint64_t
cspec_cpu_weight(uint64_t shares)
{
        if (shares == 0)
                return 0; /* unset stays unset, as in runc */
        if (shares < SHARES_MIN)
                shares = SHARES_MIN;
        if (shares > SHARES_MAX)
                shares = SHARES_MAX;
        return 1 + ((shares - SHARES_MIN) * 9999) / (SHARES_MAX - SHARES_MIN);
}

/* Quantity.Value() or MilliValue(), 0 when q is absent; never negative. */
static int64_t
amount(const struct kube_quantity *q, bool milli)
{
        int64_t v;

        if (!q)
                return 0;
        v = milli ? kube_quantity_milli(q) : kube_quantity_value(q);
        return v > 0 ? v : 0;
}

static int64_t
add_sat(int64_t a, int64_t b)
{
        return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t
max64(int64_t a, int64_t b)
{
        return a > b ? a : b;
}

static void
set_shares(struct cspec_resources *r, int64_t millis)
{
        r->cpu_shares = cspec_cpu_shares(millis);
        r->cpu_weight = cspec_cpu_weight(r->cpu_shares);
}

void
cspec_resources_container(const struct kube_container *c, struct cspec_resources *ret)
{
        const struct kube_resources *r = c->resources;

        *ret = (struct cspec_resources){
                .memory_limit = amount(cspec_resource_get(r, true, "memory"), false),
                .memory_request = amount(cspec_resource_get(r, false, "memory"), false),
                .cpu_limit_millis = amount(cspec_resource_get(r, true, "cpu"), true),
                .cpu_request_millis = amount(cspec_resource_get(r, false, "cpu"), true),
        };
        /* generateLinuxContainerResources: a zero request with a limit takes the limit's shares */
        set_shares(ret, ret->cpu_request_millis ? ret->cpu_request_millis : ret->cpu_limit_millis);
}

/* The four amounts of one container, summed or maxed as a unit. */
struct amounts {
        int64_t mem_lim, mem_req, cpu_lim, cpu_req;
};

static void
amounts_add(struct amounts *a, const struct amounts *b)
{
        a->mem_lim = add_sat(a->mem_lim, b->mem_lim);
        a->mem_req = add_sat(a->mem_req, b->mem_req);
        a->cpu_lim = add_sat(a->cpu_lim, b->cpu_lim);
        a->cpu_req = add_sat(a->cpu_req, b->cpu_req);
}

/* maxResourceList(): each resource on its own */
static void
amounts_max(struct amounts *a, const struct amounts *b)
{
        a->mem_lim = max64(a->mem_lim, b->mem_lim);
        a->mem_req = max64(a->mem_req, b->mem_req);
        a->cpu_lim = max64(a->cpu_lim, b->cpu_lim);
        a->cpu_req = max64(a->cpu_req, b->cpu_req);
}

static void
amounts_of(const struct kube_container *c, struct amounts *ret, bool *mem_limited,
           bool *cpu_limited)
{
        struct cspec_resources r;

        cspec_resources_container(c, &r);
        *ret = (struct amounts){r.memory_limit, r.memory_request, r.cpu_limit_millis,
                                r.cpu_request_millis};
        /* ResourceConfigForPod: a container without a limit (or a zero one) lifts the pod's */
        if (r.memory_limit == 0)
                *mem_limited = false;
        if (r.cpu_limit_millis == 0)
                *cpu_limited = false;
}

void
cspec_resources_pod(const struct kube_pod_spec *spec, struct cspec_resources *ret)
{
        struct amounts total = {0}, sidecars = {0}, init = {0}, a;
        bool mem_limited = true, cpu_limited = true;

        for (size_t i = 0; i < spec->n_containers; i++) {
                amounts_of(&spec->containers[i], &a, &mem_limited, &cpu_limited);
                amounts_add(&total, &a);
        }
        /*
         * While init container i runs, the sidecars started before it run
         * too: its need is its own plus theirs. A sidecar keeps running
         * beside the app containers, so it adds to the total as well.
         */
        for (size_t i = 0; i < spec->n_init_containers; i++) {
                const struct kube_container *c = &spec->init_containers[i];
                bool sidecar = c->restart_policy && strcmp(c->restart_policy, "Always") == 0;

                amounts_of(c, &a, &mem_limited, &cpu_limited);
                if (sidecar) {
                        amounts_add(&total, &a);
                        amounts_add(&sidecars, &a);
                        a = sidecars;
                } else {
                        amounts_add(&a, &sidecars);
                }
                amounts_max(&init, &a);
        }
        amounts_max(&total, &init);

        *ret = (struct cspec_resources){
                .memory_limit = mem_limited ? total.mem_lim : 0,
                .memory_request = total.mem_req,
                .cpu_limit_millis = cpu_limited ? total.cpu_lim : 0,
                .cpu_request_millis = total.cpu_req,
        };
        /* a pod with no containers at all has nothing to limit */
        if (spec->n_containers + spec->n_init_containers == 0)
                ret->memory_limit = ret->cpu_limit_millis = 0;
        set_shares(ret, ret->cpu_request_millis);
}
