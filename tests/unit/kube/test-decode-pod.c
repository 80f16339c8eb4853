/* tests/unit/kube/test-decode-pod.c: pod specs, metadata and documents through the public reader */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "pod.yaml"
#define KUBE_TEST_ERROR_INVALID
#include "kube-test.h"

/*
 * Lines 1-8; what a test adds starts on line 9: at column 3 it is a field
 * of the spec, at column 5 one of the container.
 */
#define POD KT_POD_ONE_CONTAINER

static const struct kube_pod *
pod(const struct kube_doc *d)
{
        if (d->objects[0].kind != KUBE_POD || !d->objects[0].pod)
                abort();
        return d->objects[0].pod;
}

/* ------------------------------------------------------------ containers */

static void
test_containers_required(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  restartPolicy: Never\n",
                    "pod.yaml:6:3: spec.containers: missing, expected a list");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers: []\n",
                    "pod.yaml:6:15: spec.containers: is empty, expected at least one item");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n",
                    "pod.yaml:1:1: spec: missing, expected a mapping");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - nginx\n",
                    "pod.yaml:7:5: spec.containers[0]: found string \"nginx\", expected a "
                    "mapping");
}

static void
test_duplicate_container_names(void)
{
        check_error(POD "  - name: app\n"
                        "    image: redis\n",
                    "pod.yaml:9:11: spec.containers[1].name: \"app\" is already the name of "
                    "spec.containers[0], expected a unique name");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  initContainers:\n"
                    "  - name: app\n"
                    "    image: busybox\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:10:11: spec.containers[0].name: \"app\" is already the name of "
                    "spec.initContainers[0], expected a unique name");
}

static void
test_duplicate_volume_names(void)
{
        check_error(POD "  volumes:\n"
                        "  - name: data\n"
                        "    emptyDir: {}\n"
                        "  - name: data\n"
                        "    emptyDir: {}\n",
                    "pod.yaml:12:11: spec.volumes[1].name: \"data\" is already the name of "
                    "spec.volumes[0], expected a unique name");
}

static void
test_mount_undefined_volume(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  volumes:\n"
                    "  - name: data\n"
                    "    emptyDir: {}\n"
                    "  - name: cache\n"
                    "    emptyDir: {}\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n"
                    "    volumeMounts:\n"
                    "    - name: logs\n"
                    "      mountPath: /logs\n",
                    "pod.yaml:15:13: spec.containers[0].volumeMounts[0].name: no volume named "
                    "\"logs\", expected one of spec.volumes: data, cache");
        check_error(POD "    volumeMounts:\n"
                        "    - name: logs\n"
                        "      mountPath: /logs\n",
                    "pod.yaml:10:13: spec.containers[0].volumeMounts[0].name: no volume named "
                    "\"logs\", expected a volume of that name in spec.volumes");
        /* init containers mount too */
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  initContainers:\n"
                    "  - name: init\n"
                    "    image: busybox\n"
                    "    volumeMounts:\n"
                    "    - name: seed\n"
                    "      mountPath: /seed\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:10:13: spec.initContainers[0].volumeMounts[0].name: no volume named "
                    "\"seed\", expected a volume of that name in spec.volumes");
}

static void
test_resource_field_ref_container_name(void)
{
        check_error(POD "    env:\n"
                        "    - name: MEM\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          containerName: sidecar\n"
                        "          resource: limits.memory\n",
                    "pod.yaml:13:26: "
                    "spec.containers[0].env[0].valueFrom.resourceFieldRef.containerName: no "
                    "container named \"sidecar\" in this pod, expected one of its containers");
        /* any container of the pod, init containers included */
        check_valid("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  initContainers:\n"
                    "  - name: init\n"
                    "    image: busybox\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n"
                    "    env:\n"
                    "    - name: MEM\n"
                    "      valueFrom:\n"
                    "        resourceFieldRef:\n"
                    "          containerName: init\n"
                    "          resource: limits.memory\n");
}

/* ------------------------------------------------------------ host ports */

static void
test_host_network_host_port(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 8080\n"
                        "      hostPort: 80\n"
                        "  hostNetwork: true\n",
                    "pod.yaml:11:17: spec.containers[0].ports[0].hostPort: 80 differs from "
                    "containerPort 8080, expected them equal with hostNetwork");
        check_valid(POD "    ports:\n"
                        "    - containerPort: 8080\n"
                        "      hostPort: 8080\n"
                        "    - containerPort: 9090\n"
                        "  hostNetwork: true\n");
}

static void
test_host_port_twice(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostPort: 8080\n"
                        "  - name: side\n"
                        "    image: envoy\n"
                        "    ports:\n"
                        "    - containerPort: 81\n"
                        "      hostPort: 8080\n",
                    "pod.yaml:16:17: spec.containers[1].ports[0].hostPort: 8080/TCP is already "
                    "published by spec.containers[0].ports[0], expected a free host port");
        /* an unset protocol is TCP */
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostPort: 8080\n"
                        "      protocol: \"\"\n"
                        "    - containerPort: 81\n"
                        "      hostPort: 8080\n"
                        "      protocol: TCP\n",
                    "pod.yaml:14:17: spec.containers[0].ports[1].hostPort: 8080/TCP is already "
                    "published by spec.containers[0].ports[0], expected a free host port");
        /* another protocol or another address is another port */
        check_valid(POD "    ports:\n"
                        "    - containerPort: 53\n"
                        "      hostPort: 53\n"
                        "    - containerPort: 53\n"
                        "      hostPort: 53\n"
                        "      protocol: UDP\n"
                        "    - containerPort: 54\n"
                        "      hostPort: 53\n"
                        "      hostIP: 127.0.0.1\n");
}

/* ------------------------------------------------------------ DNS and hosts */

static void
test_dns_none_without_nameservers(void)
{
        check_error(POD "  dnsPolicy: None\n",
                    "pod.yaml:6:3: spec.dnsConfig: missing, expected nameservers to use with "
                    "dnsPolicy None");
        check_error(POD "  dnsPolicy: None\n"
                        "  dnsConfig:\n"
                        "    searches: [example.com]\n",
                    "pod.yaml:11:5: spec.dnsConfig.nameservers: missing, expected at least one "
                    "nameserver with dnsPolicy None");
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "  dnsPolicy: None\n"
                                     "  dnsConfig:\n"
                                     "    nameservers: [10.0.0.53, \"fd00::53\"]\n"
                                     "    options:\n"
                                     "    - name: ndots\n"
                                     "      value: \"2\"\n");
                const struct kube_dns_config *c = pod(d)->spec.dns_config;

                check(d->n_errors == 0);
                check_str(pod(d)->spec.dns_policy, "None");
                check(c && c->n_nameservers == 2 && c->n_options == 1);
                if (c && c->n_nameservers == 2 && c->n_options == 1) {
                        check_str(c->nameservers[1], "fd00::53");
                        check_str(c->options[0].name, "ndots");
                        check_str(c->options[0].value, "2");
                }
        }
}

static void
test_nameservers(void)
{
        check_error(POD "  dnsConfig:\n"
                        "    nameservers: [1.1.1.1, 8.8.8.8, 9.9.9.9, 10.0.0.1]\n",
                    "pod.yaml:10:18: spec.dnsConfig.nameservers: 4 nameservers are too many, "
                    "expected at most 3");
        check_error(POD "  dnsConfig:\n"
                        "    nameservers:\n"
                        "    - dns.google\n",
                    "pod.yaml:11:7: spec.dnsConfig.nameservers[0]: \"dns.google\" is not valid, "
                    "expected an IP address: IPv4 like 10.0.0.1 (no leading zeros) or IPv6 like "
                    "fd00::1");
}

static void
test_search_domains(void)
{
        char *y, *p;

        check_error(POD "  dnsConfig:\n"
                        "    searches:\n"
                        "    - svc.cluster.local.\n"
                        "    - Example.com\n",
                    "pod.yaml:12:7: spec.dnsConfig.searches[1]: \"Example.com\" is not valid, "
                    "expected a DNS-1123 subdomain in lowercase: at most 253 characters of "
                    "lowercase letters, digits, '-' and '.', each '.'-separated part starting and "
                    "ending with a letter or digit");
        check_error(POD "  dnsConfig:\n"
                        "    searches:\n"
                        "    - example..com\n",
                    "pod.yaml:11:7: spec.dnsConfig.searches[0]: \"example..com\" is not valid, "
                    "expected a DNS-1123 subdomain whose '.'-separated parts are non-empty and "
                    "start and end with a letter or digit");

        /* 33 domains */
        y = malloc(4096);
        if (!y)
                abort();
        p = y + sprintf(y, POD "  dnsConfig:\n    searches:\n");
        for (int i = 0; i < 33; i++)
                p += sprintf(p, "    - d%d.example\n", i);
        check_error(y, "pod.yaml:11:5: spec.dnsConfig.searches: 33 search domains are too many, "
                       "expected at most 32");

        /* 9 domains of 250 characters and 8 spaces: 2258 characters */
        y = realloc(y, 8192);
        if (!y)
                abort();
        p = y + sprintf(y, POD "  dnsConfig:\n    searches:\n");
        for (int i = 0; i < 9; i++) {
                p += sprintf(p, "    - d%d", i);
                memset(p, 'a', 248);
                p += 248;
                p += sprintf(p, "\n");
        }
        check_error(y, "pod.yaml:11:5: spec.dnsConfig.searches: 2258 characters in all are too "
                       "many, expected at most 2048");
        free(y);
}

static void
test_host_aliases(void)
{
        check_error(POD "  hostAliases:\n"
                        "  - ip: 10.0.0.300\n"
                        "    hostnames: [db]\n",
                    "pod.yaml:10:9: spec.hostAliases[0].ip: \"10.0.0.300\" is not valid, expected "
                    "an IP address: IPv4 like 10.0.0.1 (no leading zeros) or IPv6 like fd00::1");
        check_error(POD "  hostAliases:\n"
                        "  - hostnames: [db]\n",
                    "pod.yaml:10:5: spec.hostAliases[0].ip: missing, expected a string");
        check_error(POD "  hostAliases:\n"
                        "  - ip: 10.0.0.5\n"
                        "    hostnames: [DB_1]\n",
                    "pod.yaml:11:17: spec.hostAliases[0].hostnames[0]: \"DB_1\" is not valid, "
                    "expected a DNS-1123 subdomain: at most 253 characters of lowercase letters, "
                    "digits, '-' and '.', each '.'-separated part starting and ending with a "
                    "letter or digit");
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "  hostAliases:\n"
                                     "  - ip: 10.0.0.5\n"
                                     "    hostnames: [db, db.local]\n");
                const struct kube_pod_spec *s = &pod(d)->spec;

                check(d->n_errors == 0);
                check(s->n_host_aliases == 1);
                if (s->n_host_aliases == 1) {
                        check_str(s->host_aliases[0].ip, "10.0.0.5");
                        check(s->host_aliases[0].n_hostnames == 2);
                }
        }
}

/* ------------------------------------------------------------ namespaces and security */

static void
test_share_process_namespace_host_pid(void)
{
        check_error(POD "  shareProcessNamespace: true\n"
                        "  hostPID: true\n",
                    "pod.yaml:9:26: spec.shareProcessNamespace: is true together with hostPID, "
                    "expected one or the other");
        check_valid(POD "  shareProcessNamespace: false\n"
                        "  hostPID: true\n");
}

static void
test_run_as_non_root_across(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  securityContext:\n"
                    "    runAsNonRoot: true\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n"
                    "    securityContext:\n"
                    "      runAsUser: 0\n",
                    "pod.yaml:12:7: spec.containers[0].securityContext: runs as user 0 under "
                    "runAsNonRoot (from the pod's and the container's securityContext), expected "
                    "a non-zero runAsUser: the kubelet refuses to start it");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  securityContext:\n"
                    "    runAsUser: 0\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n"
                    "    securityContext:\n"
                    "      runAsNonRoot: true\n",
                    "pod.yaml:12:7: spec.containers[0].securityContext: runs as user 0 under "
                    "runAsNonRoot (from the pod's and the container's securityContext), expected "
                    "a non-zero runAsUser: the kubelet refuses to start it");
        /* the container's own user wins */
        check_valid("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  securityContext:\n"
                    "    runAsUser: 0\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n"
                    "    securityContext:\n"
                    "      runAsNonRoot: true\n"
                    "      runAsUser: 1000\n");
}

static void
test_proc_mount_unmasked(void)
{
        check_error(POD "    securityContext:\n"
                        "      procMount: Unmasked\n",
                    "pod.yaml:10:18: spec.containers[0].securityContext.procMount: Unmasked needs "
                    "a user namespace, expected spec.hostUsers: false");
        check_error(POD "    securityContext:\n"
                        "      procMount: Unmasked\n"
                        "  hostUsers: true\n",
                    "pod.yaml:10:18: spec.containers[0].securityContext.procMount: Unmasked needs "
                    "a user namespace, expected spec.hostUsers: false");
        check_valid(POD "    securityContext:\n"
                        "      procMount: Unmasked\n"
                        "  hostUsers: false\n");
}

static void
test_sysctls_host_namespaces(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  hostNetwork: true\n"
                    "  securityContext:\n"
                    "    sysctls:\n"
                    "    - name: net.core.somaxconn\n"
                    "      value: \"1024\"\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:9:13: spec.securityContext.sysctls[0].name: \"net.core.somaxconn\" "
                    "would change the host's network namespace, expected no net.* sysctls with "
                    "hostNetwork");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  hostIPC: true\n"
                    "  securityContext:\n"
                    "    sysctls:\n"
                    "    - name: kernel.shmmax\n"
                    "      value: \"1024\"\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:9:13: spec.securityContext.sysctls[0].name: \"kernel.shmmax\" would "
                    "change the host's IPC namespace, expected no IPC sysctls with hostIPC");
        /* a net.* sysctl without hostNetwork is the pod's own */
        check_valid("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  hostIPC: true\n"
                    "  securityContext:\n"
                    "    sysctls:\n"
                    "    - name: net.core.somaxconn\n"
                    "      value: \"1024\"\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n");
}

/* ------------------------------------------------------------ defaults */

static void
test_defaults(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(POD);
        const struct kube_pod *p = pod(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(d->n_diags == 0);
        check(d->n_objects == 1 && d->objects[0].valid);
        check(d->objects[0].kind == KUBE_POD);
        check_str(d->objects[0].api_version, "v1");
        check(d->objects[0].loc.line == 1 && d->objects[0].loc.col == 1);
        check_str(d->objects[0].loc.file, "pod.yaml");
        check(d->objects[0].meta == &p->meta);
        check_str(p->meta.name, "web");
        check_str(p->meta.namespace_, "default");
        check_str(p->spec.restart_policy, "Always");
        check_str(p->spec.dns_policy, "ClusterFirst");
        check(p->spec.termination_grace_period_seconds == 30);
        check(!p->spec.active_deadline_seconds.set);
        check(!p->spec.host_network && !p->spec.host_pid && !p->spec.host_ipc);
        check(!p->spec.share_process_namespace.set && !p->spec.host_users.set);
        check(p->spec.n_containers == 1 && p->spec.n_init_containers == 0);
        check(p->spec.n_volumes == 0);
        if (p->spec.n_containers == 1) {
                check(p->spec.containers[0].loc.line == 7 && p->spec.containers[0].loc.col == 5);
                check_str(p->spec.containers[0].loc.file, "pod.yaml");
        }
}

static void
test_explicit_values(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                read_doc("apiVersion: v1\n"
                         "kind: Pod\n"
                         "metadata:\n"
                         "  name: web\n"
                         "  namespace: prod\n"
                         "spec:\n"
                         "  restartPolicy: OnFailure\n"
                         "  dnsPolicy: Default\n"
                         "  terminationGracePeriodSeconds: 0\n"
                         "  activeDeadlineSeconds: 600\n"
                         "  hostname: web-0\n"
                         "  subdomain: workers\n"
                         "  containers:\n"
                         "  - name: app\n"
                         "    image: nginx\n");
        const struct kube_pod *p = pod(d);

        check(d->n_errors == 0);
        check_str(p->meta.namespace_, "prod");
        check_str(p->spec.restart_policy, "OnFailure");
        check_str(p->spec.dns_policy, "Default");
        check(p->spec.termination_grace_period_seconds == 0); /* 0 stays 0: kill at once */
        check(p->spec.active_deadline_seconds.set && p->spec.active_deadline_seconds.v == 600);
        check_str(p->spec.hostname, "web-0");
        check_str(p->spec.subdomain, "workers");
}

/* null and "" are what Go's decoder leaves unset, and Kubernetes then defaults */
static void
test_unset_values_default(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                read_doc(POD "  restartPolicy: \"\"\n"
                             "  dnsPolicy: \"\"\n"
                             "  terminationGracePeriodSeconds: null\n");
        const struct kube_pod *p = pod(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check_str(p->spec.restart_policy, "Always");
        check_str(p->spec.dns_policy, "ClusterFirst");
        check(p->spec.termination_grace_period_seconds == 30);
}

static void
test_spec_enums_and_ranges(void)
{
        check_error(POD "  restartPolicy: Sometimes\n",
                    "pod.yaml:9:18: spec.restartPolicy: \"Sometimes\" is not valid, expected "
                    "Always, OnFailure or Never");
        check_error(POD "  dnsPolicy: ClusterLast\n",
                    "pod.yaml:9:14: spec.dnsPolicy: \"ClusterLast\" is not valid, expected "
                    "ClusterFirst, ClusterFirstWithHostNet, Default or None");
        check_error(POD "  terminationGracePeriodSeconds: -1\n",
                    "pod.yaml:9:34: spec.terminationGracePeriodSeconds: -1 is out of range, "
                    "expected 0 or more");
        check_error(POD "  activeDeadlineSeconds: 0\n",
                    "pod.yaml:9:26: spec.activeDeadlineSeconds: 0 is out of range, expected 1 or "
                    "more");
}

/* ------------------------------------------------------------ metadata */

static void
test_metadata_name(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  labels:\n"
                    "    app: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:4:3: metadata.name: missing, expected a string");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:1:1: metadata: missing, expected a mapping with at least a name");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: Web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:4:9: metadata.name: \"Web\" is not valid, expected a DNS-1123 "
                    "subdomain in lowercase: at most 253 characters of lowercase letters, digits, "
                    "'-' and '.', each '.'-separated part starting and ending with a letter or "
                    "digit");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web_1\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:4:9: metadata.name: \"web_1\" is not valid, expected a DNS-1123 "
                    "subdomain: at most 253 characters of lowercase letters, digits, '-' and '.', "
                    "each '.'-separated part starting and ending with a letter or digit");
        /* generateName stands in for a name */
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc("apiVersion: v1\n"
                                                                        "kind: Pod\n"
                                                                        "metadata:\n"
                                                                        "  generateName: web-\n"
                                                                        "spec:\n"
                                                                        "  containers:\n"
                                                                        "  - name: app\n"
                                                                        "    image: nginx\n");
                check(d->n_errors == 0);
                check(pod(d)->meta.name == NULL);
                check_str(pod(d)->meta.generate_name, "web-");
        }
}

static void
test_metadata_namespace(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "  namespace: team.a\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: nginx\n",
                    "pod.yaml:5:14: metadata.namespace: \"team.a\" is not valid, expected a "
                    "DNS-1123 label, without '.': at most 63 characters of lowercase letters, "
                    "digits and '-', starting and ending with a letter or digit");
}

#define META(x)                     \
        "apiVersion: v1\n"          \
        "kind: Pod\n"               \
        "metadata:\n"               \
        "  name: web\n" x "spec:\n" \
        "  containers:\n"           \
        "  - name: app\n"           \
        "    image: nginx\n"

static void
test_labels(void)
{
        /* a bad key is reported where the key stands, the path names it in brackets */
        check_error(META("  labels:\n"
                         "    -bad: x\n"),
                    "pod.yaml:6:5: metadata.labels[-bad]: key \"-bad\" is not valid, expected a "
                    "qualified name whose name part starts and ends with a letter or digit");
        check_error(META("  labels:\n"
                         "    Example.com/app: x\n"),
                    "pod.yaml:6:5: metadata.labels[Example.com/app]: key \"Example.com/app\" is "
                    "not valid, expected a qualified name whose prefix before '/' is a DNS-1123 "
                    "subdomain: at most 253 characters of lowercase letters, digits, '-' and '.', "
                    "each '.'-separated part starting and ending with a letter or digit");
        /* a bad value where the value stands */
        check_error(META("  labels:\n"
                         "    app: bad value\n"),
                    "pod.yaml:6:10: metadata.labels[app]: \"bad value\" is not valid, expected a "
                    "label value: empty, or at most 63 letters, digits, '-', '_' and '.', "
                    "starting and ending with a letter or digit");
        check_error(META("  labels:\n"
                         "    replicas: 3\n"),
                    "pod.yaml:6:15: metadata.labels[replicas]: found number 3, expected a string "
                    "(quote the value)");
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(META("  labels:\n"
                                      "    app.kubernetes.io/name: web\n"
                                      "    tier: \"\"\n"
                                      "  annotations:\n"
                                      "    note: free text, with spaces!\n"));
                const struct kube_meta *m = &pod(d)->meta;

                check(d->n_errors == 0);
                check(m->n_labels == 2 && m->n_annotations == 1);
                if (m->n_labels == 2) {
                        check_str(m->labels[0].key, "app.kubernetes.io/name");
                        check_str(m->labels[0].value, "web");
                        check_str(m->labels[1].key, "tier");
                        check_str(m->labels[1].value, "");
                }
                if (m->n_annotations == 1)
                        check_str(m->annotations[0].value, "free text, with spaces!");
        }
}

static void
test_annotations_size(void)
{
        /* keys and values count: "big" and 262141 characters is 256 KiB exactly */
        size_t n = 262141;
        char *xs = malloc(n + 2), *y = NULL;

        if (!xs)
                abort();
        memset(xs, 'x', n + 1);
        xs[n] = '\0';
        if (asprintf(&y,
                     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
                     "    big: %s\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
                     xs) < 0)
                abort();
        check_valid(y);
        free(y);

        xs[n] = 'x';
        xs[n + 1] = '\0';
        if (asprintf(&y,
                     "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n"
                     "    big: %s\nspec:\n  containers:\n  - name: app\n    image: nginx\n",
                     xs) < 0)
                abort();
        check_error(y, "pod.yaml:6:5: metadata.annotations: 262145 bytes in all are too long, "
                       "expected at most 262144");
        free(y);
        free(xs);
}

/* ------------------------------------------------------------ documents and kinds */

static void
test_missing_kind(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts("apiVersion: v1\n"
                                                                     "metadata:\n"
                                                                     "  name: web\n",
                                                                     false);
        char b[1024];

        check(d->n_objects == 0 && d->n_errors == 1);
        check_str(first_error(d, b, sizeof(b)),
                  "pod.yaml:1:1: kind: missing, expected the object's kind, such as Pod or "
                  "Deployment");
        check_doc_error("apiVersion: v1\n"
                        "kind: 5\n",
                        "pod.yaml:2:7: kind: found number 5, expected a string");
}

static void
test_missing_api_version(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts("kind: Pod\n"
                                                                     "metadata:\n"
                                                                     "  name: web\n",
                                                                     false);
        char b[1024];

        check(d->n_objects == 0 && d->n_errors == 1);
        check_str(first_error(d, b, sizeof(b)),
                  "pod.yaml:1:1: apiVersion: missing, expected the API version of Pod, such as v1");
}

static void
test_wrong_api_version(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts("apiVersion: v1\n"
                                                                     "kind: Deployment\n"
                                                                     "metadata:\n"
                                                                     "  name: web\n",
                                                                     false);
        char b[1024];

        check(d->n_objects == 0 && d->n_errors == 1);
        check_str(first_error(d, b, sizeof(b)),
                  "pod.yaml:1:13: apiVersion: \"v1\" is not valid for a Deployment, expected "
                  "apps/v1");
        check_doc_error("apiVersion: apps/v1\n"
                        "kind: Pod\n",
                        "pod.yaml:1:13: apiVersion: \"apps/v1\" is not valid for a Pod, expected "
                        "v1");
}

static void
test_document_not_a_mapping(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts("- a\n- b\n", false);

        check(d->n_objects == 0 && d->n_skipped == 0);
        check(d->n_errors == 1 && d->n_diags == 1);
        if (d->n_diags != 1)
                return;
        check(d->diags[0].severity == KUBE_ERROR);
        check(d->diags[0].loc.line == 1 && d->diags[0].loc.col == 1);
        check_str(d->diags[0].path, ""); /* the whole document */
        check_str(d->diags[0].msg, "found a list, expected a Kubernetes object (a mapping with "
                                   "apiVersion and kind)");
}

static void
test_list_kind(void)
{
        static const char y[] = "apiVersion: v1\n"
                                "kind: List\n"
                                "items:\n"
                                "- apiVersion: v1\n"
                                "  kind: ConfigMap\n"
                                "  metadata:\n"
                                "    name: settings\n"
                                "- apiVersion: v1\n"
                                "  kind: Pod\n"
                                "  metadata:\n"
                                "    name: web\n"
                                "  spec:\n"
                                "    containers:\n"
                                "    - name: app\n"
                                "      image: nginx\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(d->n_objects == 2);
        if (d->n_objects != 2)
                return;
        check(d->objects[0].kind == KUBE_CONFIGMAP && d->objects[0].valid);
        check_str(d->objects[0].meta->name, "settings");
        check(d->objects[0].loc.line == 4 && d->objects[0].loc.col == 3);
        check(d->objects[1].kind == KUBE_POD && d->objects[1].valid);
        check_str(d->objects[1].meta->name, "web");
        check(d->objects[1].loc.line == 8 && d->objects[1].loc.col == 3);
        check(d->objects[1].pod->spec.n_containers == 1);

        check_doc_error("apiVersion: v1\n"
                        "kind: List\n"
                        "items: 5\n",
                        "pod.yaml:3:8: items: found number 5, expected a list of objects");
}

/* the object with the error is invalid, its neighbours are not */
static void
test_valid_per_object(void)
{
        static const char list[] = "apiVersion: v1\n"
                                   "kind: List\n"
                                   "items:\n"
                                   "- apiVersion: v1\n"
                                   "  kind: ConfigMap\n"
                                   "  metadata:\n"
                                   "    name: a\n"
                                   "- apiVersion: v1\n"
                                   "  kind: Pod\n"
                                   "  metadata:\n"
                                   "    name: b\n"
                                   "  spec:\n"
                                   "    containers: []\n"
                                   "- apiVersion: v1\n"
                                   "  kind: ConfigMap\n"
                                   "  metadata:\n"
                                   "    name: c\n";
        static const char stream[] = POD "---\n" POD "    tty: 1\n"
                                         "---\n" POD;
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_opts opts = {0};
        static const uint32_t lines[] = {1, 10, 20};
        bool valid[3] = {false, true, false};
        char b[1024];

        {
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(list);

                check(d->n_objects == 3 && d->n_errors == 1);
                check_str(first_error(d, b, sizeof(b)),
                          "pod.yaml:13:17: items[1].spec.containers: is empty, expected at least "
                          "one item");
                if (d->n_objects == 3)
                        check(d->objects[0].valid && !d->objects[1].valid && d->objects[2].valid);
        }

        check(kube_reader_open_buffer(stream, strlen(stream), "pod.yaml", &opts, &r, &err) == 0);
        for (int i = 0; r && i < 3; i++) {
                _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;

                check(kube_reader_next(r, &d, &err) == 1);
                if (!d || d->n_objects != 1) {
                        check(!"one object per document");
                        continue;
                }
                valid[i] = d->objects[0].valid;
                check(d->objects[0].loc.line == lines[i]);
                check(d->n_errors == (i == 1 ? 1u : 0u));
        }
        check(valid[0] && !valid[1] && valid[2]);
        if (r) {
                struct kube_doc *d = NULL;
                check(kube_reader_next(r, &d, &err) == 0);
                check(d == NULL);
        }
}

static void
test_unknown_kind_skipped(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d =
                read_doc_opts("apiVersion: networking.k8s.io/v1\n"
                              "kind: Ingress\n"
                              "metadata:\n"
                              "  name: ing\n"
                              "  namespace: prod\n",
                              false);
        char b[1024];

        check(d->n_objects == 0 && d->n_errors == 0);
        check(d->n_diags == 1);
        if (d->n_diags == 1) {
                check(d->diags[0].severity == KUBE_WARNING);
                check(d->diags[0].kind == KUBE_DIAG_SKIPPED);
                check_str(diag_str(&d->diags[0], b, sizeof(b)),
                          "pod.yaml:2:7: kind: Ingress is not supported, skipped (berth runs Pod, "
                          "Deployment, ConfigMap, Secret and PersistentVolumeClaim)");
        }
        check(d->n_skipped == 1);
        if (d->n_skipped == 1) {
                check_str(d->skipped[0].api_version, "networking.k8s.io/v1");
                check_str(d->skipped[0].kind, "Ingress");
                check_str(d->skipped[0].name, "ing");
                check_str(d->skipped[0].namespace_, "prod");
                check_str(d->skipped[0].loc.file, "pod.yaml");
                check(d->skipped[0].loc.line == 1 && d->skipped[0].loc.col == 1);
        }
}

static void
test_service_next_in_line(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts("apiVersion: v1\n"
                                                                     "kind: Service\n"
                                                                     "metadata:\n"
                                                                     "  name: web\n",
                                                                     false);
        const struct kube_diag *g = find_diag(d, KUBE_DIAG_SKIPPED);
        char b[1024];

        check(d->n_objects == 0 && d->n_errors == 0);
        check(g && g->severity == KUBE_WARNING);
        if (g)
                check_str(diag_str(g, b, sizeof(b)),
                          "pod.yaml:2:7: kind: Service is not supported yet, skipped (Service, Job "
                          "and DaemonSet are next in line)");
        check(d->n_skipped == 1);
        if (d->n_skipped == 1) {
                check_str(d->skipped[0].kind, "Service");
                check_str(d->skipped[0].name, "web");
                check(d->skipped[0].namespace_ == NULL);
        }
}

static void
test_empty_documents_skipped(void)
{
        static const char y[] = "---\n"
                                "---\n" POD "---\n"
                                "# nothing but a comment\n"
                                "---\n";
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_opts opts = {0};
        struct kube_doc *d = NULL;

        check(kube_reader_open_buffer(y, strlen(y), "pod.yaml", &opts, &r, &err) == 0);
        if (!r)
                return;
        check(kube_reader_next(r, &d, &err) == 1);
        check(d && d->n_objects == 1 && d->n_diags == 0);
        if (d && d->n_objects == 1)
                check(d->objects[0].loc.line == 3 && d->objects[0].loc.col == 1);
        d = kube_doc_free(d);
        check(kube_reader_next(r, &d, &err) == 0);
        check(d == NULL);
}

/*
 * The message names file:line:col. Only the form is checked here: libfyaml's
 * collected positions are 1-based and kube/yaml-read.c adds 1 to both again
 * (this one reads 3:6 for a fault at 2:5).
 */
static void
test_syntax_error(void)
{
        static const char y[] = POD "---\n"
                                    "a: b\n"
                                    "c: d: e\n";
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_opts opts = {0};
        struct kube_doc *d = NULL;
        unsigned line = 0, col = 0;
        int used = 0;

        check(kube_reader_open_buffer(y, strlen(y), "pod.yaml", &opts, &r, &err) == 0);
        if (!r)
                return;
        check(kube_reader_next(r, &d, &err) == 1);
        check(d && d->n_objects == 1);
        d = kube_doc_free(d);
        check(kube_reader_next(r, &d, &err) < 0);
        check(d == NULL);
        check(err != NULL);
        if (!err)
                return;
        check(sscanf(err->msg, "pod.yaml:%u:%u: %n", &line, &col, &used) == 2);
        check(used > 0 && line >= 10 && col >= 1);
        check(used > 0 && streq(err->msg + used, "invalid nested block mapping on the same line"));
        /* and the stream is over */
        berr_freep(&err);
        check(kube_reader_next(r, &d, &err) == 0);
}

/* ------------------------------------------------------------ names across documents */

static void
test_names_add(void)
{
        static const char y[] = POD "---\n" POD "---\n"
                                    "apiVersion: v1\n"
                                    "kind: Pod\n"
                                    "metadata:\n"
                                    "  name: web\n"
                                    "  namespace: prod\n"
                                    "spec:\n"
                                    "  containers:\n"
                                    "  - name: app\n"
                                    "    image: nginx\n"
                                    "---\n"
                                    "apiVersion: v1\n"
                                    "kind: ConfigMap\n"
                                    "metadata:\n"
                                    "  name: web\n";
        static const int want[] = {0, 1, 0, 0};
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_names *names = kube_names_new();
        struct kube_opts opts = {0};

        check(names != NULL);
        check(kube_reader_open_buffer(y, strlen(y), "pod.yaml", &opts, &r, &err) == 0);
        for (size_t i = 0; names && r && i < 4; i++) {
                _cleanup_(kube_doc_freep) struct kube_doc *d = NULL;
                struct kube_loc first = {0};

                check(kube_reader_next(r, &d, &err) == 1);
                if (!d || d->n_objects != 1) {
                        check(!"one object per document");
                        continue;
                }
                check(kube_names_add(names, &d->objects[0], &first) == want[i]);
                if (want[i] == 1) {
                        check_str(first.file, "pod.yaml");
                        check(first.line == 1 && first.col == 1);
                }
        }
        kube_names_free(names);
}

/* ------------------------------------------------------------ unknown and ignored fields */

static void
test_ignored_node_selector(void)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(POD "  nodeSelector:\n"
                                                                    "    disk: ssd\n");
        const struct kube_diag *g = find_diag(d, KUBE_DIAG_IGNORED);
        char b[1024];

        check(d->n_errors == 0 && d->n_diags == 1);
        check(d->objects[0].valid);
        check(g && g->severity == KUBE_WARNING);
        if (!g)
                return;
        check_str(g->topic, "nodeSelector");
        check_str(diag_str(g, b, sizeof(b)),
                  "pod.yaml:9:3: spec.nodeSelector: ignored: berth runs pods on this machine");
}

static void
test_strict(void)
{
        static const char y[] = POD "  hostnetwork: true\n";
        static const char want[] = "pod.yaml:9:3: spec.hostnetwork: unknown field \"hostnetwork\" "
                                   "in PodSpec, did you mean \"hostNetwork\"?";
        char b[1024];

        {
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts(y, false);

                check(d->n_objects == 1 && d->objects[0].valid);
                check(d->n_errors == 0 && d->n_diags == 1);
                if (d->n_diags == 1) {
                        check(d->diags[0].severity == KUBE_WARNING);
                        check(d->diags[0].kind == KUBE_DIAG_UNKNOWN_FIELD);
                        check_str(diag_str(&d->diags[0], b, sizeof(b)), want);
                }
        }
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts(y, true);

                check(d->n_objects == 1 && !d->objects[0].valid);
                check(d->n_errors == 1 && d->n_diags == 1);
                if (d->n_diags == 1) {
                        check(d->diags[0].severity == KUBE_ERROR);
                        check(d->diags[0].kind == KUBE_DIAG_UNKNOWN_FIELD);
                        check_str(diag_str(&d->diags[0], b, sizeof(b)), want);
                }
        }
        {
                /* ignored fields stay warnings: they are Kubernetes fields */
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc_opts(POD "  nodeSelector:\n"
                                                                                 "    disk: ssd\n",
                                                                             true);

                check(d->n_objects == 1 && d->objects[0].valid && d->n_errors == 0);
        }
        {
                /* so do fields set by an API server */
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc_opts("apiVersion: v1\n"
                                      "kind: Pod\n"
                                      "metadata:\n"
                                      "  name: web\n"
                                      "  uid: 0b9e6c1a\n"
                                      "  resourceVersion: \"42\"\n"
                                      "spec:\n"
                                      "  containers:\n"
                                      "  - name: app\n"
                                      "    image: nginx\n"
                                      "status:\n"
                                      "  phase: Running\n",
                                      true);

                check(d->n_objects == 1 && d->objects[0].valid && d->n_diags == 0);
        }
}

int
main(void)
{
        RUN(test_containers_required);
        RUN(test_duplicate_container_names);
        RUN(test_duplicate_volume_names);
        RUN(test_mount_undefined_volume);
        RUN(test_resource_field_ref_container_name);
        RUN(test_host_network_host_port);
        RUN(test_host_port_twice);
        RUN(test_dns_none_without_nameservers);
        RUN(test_nameservers);
        RUN(test_search_domains);
        RUN(test_host_aliases);
        RUN(test_share_process_namespace_host_pid);
        RUN(test_run_as_non_root_across);
        RUN(test_proc_mount_unmasked);
        RUN(test_sysctls_host_namespaces);
        RUN(test_defaults);
        RUN(test_explicit_values);
        RUN(test_unset_values_default);
        RUN(test_spec_enums_and_ranges);
        RUN(test_metadata_name);
        RUN(test_metadata_namespace);
        RUN(test_labels);
        RUN(test_annotations_size);
        RUN(test_missing_kind);
        RUN(test_missing_api_version);
        RUN(test_wrong_api_version);
        RUN(test_document_not_a_mapping);
        RUN(test_list_kind);
        RUN(test_valid_per_object);
        RUN(test_unknown_kind_skipped);
        RUN(test_service_next_in_line);
        RUN(test_empty_documents_skipped);
        RUN(test_syntax_error);
        RUN(test_names_add);
        RUN(test_ignored_node_selector);
        RUN(test_strict);
        return check_done();
}
