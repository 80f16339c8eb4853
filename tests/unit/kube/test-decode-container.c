/* tests/unit/kube/test-decode-container.c: containers, env, ports, mounts and resources */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/cleanup.h"

#define KUBE_TEST_FILE "pod.yaml"
#include "kube-test.h"

/* Lines 1-8; what a test adds starts on line 9, as fields of the container at column 5. */
#define POD KT_POD_ONE_CONTAINER

/* Lines 1-11, with a volume "data"; what a test adds starts on line 12, in the container. */
#define POD_VOL              \
        "apiVersion: v1\n"   \
        "kind: Pod\n"        \
        "metadata:\n"        \
        "  name: web\n"      \
        "spec:\n"            \
        "  volumes:\n"       \
        "  - name: data\n"   \
        "    emptyDir: {}\n" \
        "  containers:\n"    \
        "  - name: app\n"    \
        "    image: nginx\n"

/* Lines 1-8 are an init container "init"; x starts on line 9, as its fields at column 5. */
#define POD_INIT(x)                                \
        "apiVersion: v1\n"                         \
        "kind: Pod\n"                              \
        "metadata:\n"                              \
        "  name: web\n"                            \
        "spec:\n"                                  \
        "  initContainers:\n"                      \
        "  - name: init\n"                         \
        "    image: busybox\n" x "  containers:\n" \
        "  - name: app\n"                          \
        "    image: nginx\n"

static const struct kube_container *
init_container(const struct kube_doc *d)
{
        const struct kube_pod *pod = d->objects[0].pod;

        if (d->objects[0].kind != KUBE_POD || !pod || pod->spec.n_init_containers == 0)
                abort();
        return &pod->spec.init_containers[0];
}

static const struct kube_resource *
resource(const struct kube_resource *list, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (streq(list[i].name, name))
                        return &list[i];
        return NULL;
}

/* ------------------------------------------------------------ env */

static void
test_env_valid(void)
{
        static const char y[] = POD "    env:\n"
                                    "    - name: PLAIN\n"
                                    "      value: hello\n"
                                    "    - name: FROM_CM\n"
                                    "      valueFrom:\n"
                                    "        configMapKeyRef:\n"
                                    "          name: settings\n"
                                    "          key: log.level\n"
                                    "          optional: true\n"
                                    "    - name: FROM_SECRET\n"
                                    "      valueFrom:\n"
                                    "        secretKeyRef:\n"
                                    "          name: creds\n"
                                    "          key: password\n"
                                    "    - name: POD_NAME\n"
                                    "      valueFrom:\n"
                                    "        fieldRef:\n"
                                    "          fieldPath: metadata.name\n"
                                    "    - name: APP\n"
                                    "      valueFrom:\n"
                                    "        fieldRef:\n"
                                    "          apiVersion: v1\n"
                                    "          fieldPath: metadata.labels['app']\n"
                                    "    - name: MEM_LIMIT\n"
                                    "      valueFrom:\n"
                                    "        resourceFieldRef:\n"
                                    "          resource: limits.memory\n"
                                    "    - name: CPU_MILLI\n"
                                    "      valueFrom:\n"
                                    "        resourceFieldRef:\n"
                                    "          containerName: app\n"
                                    "          resource: requests.cpu\n"
                                    "          divisor: 1m\n"
                                    "    - name: EMPTY_AND_FROM\n"
                                    "      value: \"\"\n"
                                    "      valueFrom:\n"
                                    "        fieldRef:\n"
                                    "          fieldPath: status.podIP\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        const struct kube_env *e = ct->env;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->n_env == 8);
        if (ct->n_env != 8)
                return;
        check_str(e[0].name, "PLAIN");
        check_str(e[0].value, "hello");
        check(e[0].value_from == NULL);

        check(e[1].value == NULL);
        check(e[1].value_from && e[1].value_from->config_map_key_ref);
        if (e[1].value_from && e[1].value_from->config_map_key_ref) {
                const struct kube_key_ref *k = e[1].value_from->config_map_key_ref;
                check_str(k->name, "settings");
                check_str(k->key, "log.level");
                check(k->optional.set && k->optional.v);
                check(!e[1].value_from->secret_key_ref && !e[1].value_from->field_ref &&
                      !e[1].value_from->resource_field_ref);
        }
        check(e[2].value_from && e[2].value_from->secret_key_ref);
        if (e[2].value_from && e[2].value_from->secret_key_ref) {
                check_str(e[2].value_from->secret_key_ref->name, "creds");
                check_str(e[2].value_from->secret_key_ref->key, "password");
                check(!e[2].value_from->secret_key_ref->optional.set);
        }
        check(e[3].value_from && e[3].value_from->field_ref);
        if (e[3].value_from && e[3].value_from->field_ref) {
                check_str(e[3].value_from->field_ref->api_version, "v1"); /* defaulted */
                check_str(e[3].value_from->field_ref->field_path, "metadata.name");
        }
        check(e[4].value_from && e[4].value_from->field_ref);
        if (e[4].value_from && e[4].value_from->field_ref)
                check_str(e[4].value_from->field_ref->field_path, "metadata.labels['app']");
        check(e[5].value_from && e[5].value_from->resource_field_ref);
        if (e[5].value_from && e[5].value_from->resource_field_ref) {
                const struct kube_resource_field_ref *r = e[5].value_from->resource_field_ref;
                check(r->container_name == NULL);
                check_str(r->resource, "limits.memory");
                check_str(r->divisor.text, "1"); /* defaulted */
                check(kube_quantity_value(&r->divisor.q) == 1);
        }
        check(e[6].value_from && e[6].value_from->resource_field_ref);
        if (e[6].value_from && e[6].value_from->resource_field_ref) {
                const struct kube_resource_field_ref *r = e[6].value_from->resource_field_ref;
                check_str(r->container_name, "app");
                check_str(r->divisor.text, "1m");
                check(kube_quantity_milli(&r->divisor.q) == 1);
        }
        /* an empty value beside valueFrom is what Kubernetes writes back: not "both" */
        check_str(e[7].value, "");
        check(e[7].value_from && e[7].value_from->field_ref);
}

static void
test_env_name(void)
{
        check_error(POD "    env:\n"
                        "    - name: A=B\n"
                        "      value: x\n",
                    "pod.yaml:10:13: spec.containers[0].env[0].name: \"A=B\" is not valid, "
                    "expected an environment variable name: printable ASCII characters other "
                    "than '='");
        /* Kubernetes' relaxed rule since 1.32: a leading digit is fine */
        check_valid(POD "    env:\n"
                        "    - name: 1GOOD\n"
                        "      value: x\n");
        check_error(POD "    env:\n"
                        "    - value: x\n",
                    "pod.yaml:10:7: spec.containers[0].env[0].name: missing, expected a string");
        /* dots and dashes are fine in the classic rule */
        check_valid(POD "    env:\n"
                        "    - name: my.var-1_X\n"
                        "      value: x\n");
}

static void
test_env_value_and_value_from(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      value: x\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name\n",
                    "pod.yaml:13:9: spec.containers[0].env[0].valueFrom: is set together with "
                    "value, expected one or the other");
}

static void
test_env_value_from_no_source(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom: {}\n",
                    "pod.yaml:11:18: spec.containers[0].env[0].valueFrom: no source, expected one "
                    "of configMapKeyRef, secretKeyRef, fieldRef or resourceFieldRef");
}

static void
test_env_value_from_two_sources(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        configMapKeyRef:\n"
                        "          name: cm\n"
                        "          key: k\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name\n",
                    "pod.yaml:12:9: spec.containers[0].env[0].valueFrom: found 2 sources "
                    "(configMapKeyRef, fieldRef), expected exactly one");
        /* three sources: the message names the first two only */
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        configMapKeyRef:\n"
                        "          name: cm\n"
                        "          key: k\n"
                        "        secretKeyRef:\n"
                        "          name: s\n"
                        "          key: k\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.name\n",
                    "pod.yaml:12:9: spec.containers[0].env[0].valueFrom: found 3 sources "
                    "(configMapKeyRef, secretKeyRef, fieldRef), expected exactly one");
}

static void
test_env_key_ref_key(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        configMapKeyRef:\n"
                        "          name: cm\n"
                        "          key: a b\n",
                    "pod.yaml:14:16: spec.containers[0].env[0].valueFrom.configMapKeyRef.key: \"a "
                    "b\" is not valid, expected a ConfigMap or Secret key: at most 253 letters, "
                    "digits, '-', '_' and '.'");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        secretKeyRef:\n"
                        "          name: s\n"
                        "          key: ..data\n",
                    "pod.yaml:14:16: spec.containers[0].env[0].valueFrom.secretKeyRef.key: "
                    "\"..data\" is not valid, expected a ConfigMap or Secret key other than '.' or "
                    "'..' and not starting with '..'");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        secretKeyRef:\n"
                        "          name: s\n",
                    "pod.yaml:13:11: spec.containers[0].env[0].valueFrom.secretKeyRef.key: "
                    "missing, expected a string");
}

static void
test_env_key_ref_name(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        secretKeyRef:\n"
                        "          key: k\n",
                    "pod.yaml:13:11: spec.containers[0].env[0].valueFrom.secretKeyRef.name: "
                    "missing, expected a string");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        configMapKeyRef:\n"
                        "          name: \"\"\n"
                        "          key: k\n",
                    "pod.yaml:13:17: spec.containers[0].env[0].valueFrom.configMapKeyRef.name: is "
                    "empty, expected a value");
}

static void
test_env_field_path(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: status.phase\n",
                    "pod.yaml:13:22: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "
                    "\"status.phase\" is not supported, expected metadata.name, "
                    "metadata.namespace, metadata.uid, metadata.labels['KEY'], "
                    "metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, "
                    "status.hostIP(s) or status.podIP(s)");
        /* the whole map is a volume's to project, not an env var's */
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.labels\n",
                    "pod.yaml:13:22: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "
                    "\"metadata.labels\" is not supported, expected metadata.name, "
                    "metadata.namespace, metadata.uid, metadata.labels['KEY'], "
                    "metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, "
                    "status.hostIP(s) or status.podIP(s)");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        fieldRef: {}\n",
                    "pod.yaml:12:19: spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: "
                    "missing, expected a string");
        check_valid(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: metadata.annotations['example.com/x']\n"
                        "    - name: B\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: spec.serviceAccountName\n"
                        "    - name: C\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          fieldPath: status.hostIPs\n");
}

static void
test_env_field_ref_api_version(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        fieldRef:\n"
                        "          apiVersion: v2\n"
                        "          fieldPath: metadata.name\n",
                    "pod.yaml:13:23: spec.containers[0].env[0].valueFrom.fieldRef.apiVersion: "
                    "\"v2\" is not valid, expected v1");
}

static void
test_env_resource_field_ref_resource(void)
{
        check_error(
                POD "    env:\n"
                    "    - name: A\n"
                    "      valueFrom:\n"
                    "        resourceFieldRef:\n"
                    "          resource: limits.gpu\n",
                "pod.yaml:13:21: spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: "
                "\"limits.gpu\" is not valid, expected limits.cpu, limits.memory, "
                "limits.ephemeral-storage, requests.cpu, requests.memory or "
                "requests.ephemeral-storage");
        check_error(
                POD "    env:\n"
                    "    - name: A\n"
                    "      valueFrom:\n"
                    "        resourceFieldRef:\n"
                    "          divisor: 1Mi\n",
                "pod.yaml:13:11: spec.containers[0].env[0].valueFrom.resourceFieldRef.resource: "
                "missing, expected a string");
        /* hugepages of any size are resources too */
        check_valid(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: requests.hugepages-2Mi\n"
                        "          divisor: 1Mi\n");
}

static void
test_env_resource_field_ref_divisor(void)
{
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.cpu\n"
                        "          divisor: 1Mi\n",
                    "pod.yaml:14:20: spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: "
                    "1Mi is not valid for limits.cpu, expected 1m or 1");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.memory\n"
                        "          divisor: 1m\n",
                    "pod.yaml:14:20: spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: "
                    "1m is not valid for limits.memory, expected 1 or a power of 1k or 1Ki");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: requests.ephemeral-storage\n"
                        "          divisor: 2Gi\n",
                    "pod.yaml:14:20: spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: "
                    "2Gi is not valid for requests.ephemeral-storage, expected 1 or a power of 1k "
                    "or 1Ki");
        check_error(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.cpu\n"
                        "          divisor: lots\n",
                    "pod.yaml:14:20: spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: "
                    "\"lots\" is not a quantity, expected a number with an optional suffix such as "
                    "500m, 128Mi, 1G or 1e3");
        /* compared by value, as Kubernetes compares the canonical form: 1000m is 1 */
        check_valid(POD "    env:\n"
                        "    - name: A\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.cpu\n"
                        "          divisor: 1000m\n"
                        "    - name: B\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: limits.memory\n"
                        "          divisor: 1Gi\n"
                        "    - name: C\n"
                        "      valueFrom:\n"
                        "        resourceFieldRef:\n"
                        "          resource: requests.memory\n"
                        "          divisor: 1\n");
}

/* ------------------------------------------------------------ envFrom */

static void
test_env_from_valid(void)
{
        static const char y[] = POD "    envFrom:\n"
                                    "    - prefix: CFG_\n"
                                    "      configMapRef:\n"
                                    "        name: settings\n"
                                    "    - secretRef:\n"
                                    "        name: creds\n"
                                    "        optional: false\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->n_env_from == 2);
        if (ct->n_env_from != 2)
                return;
        check_str(ct->env_from[0].prefix, "CFG_");
        check(ct->env_from[0].config_map_ref && !ct->env_from[0].secret_ref);
        if (ct->env_from[0].config_map_ref)
                check_str(ct->env_from[0].config_map_ref->name, "settings");
        check(ct->env_from[1].prefix == NULL);
        check(ct->env_from[1].secret_ref && !ct->env_from[1].config_map_ref);
        if (ct->env_from[1].secret_ref) {
                check_str(ct->env_from[1].secret_ref->name, "creds");
                check(ct->env_from[1].secret_ref->optional.set);
                check(!ct->env_from[1].secret_ref->optional.v);
        }
}

static void
test_env_from_no_source(void)
{
        check_error(POD "    envFrom:\n"
                        "    - prefix: X_\n",
                    "pod.yaml:10:7: spec.containers[0].envFrom[0]: no source, expected one of "
                    "configMapRef or secretRef");
}

static void
test_env_from_two_sources(void)
{
        check_error(POD "    envFrom:\n"
                        "    - configMapRef:\n"
                        "        name: a\n"
                        "      secretRef:\n"
                        "        name: b\n",
                    "pod.yaml:10:7: spec.containers[0].envFrom[0]: found 2 sources (configMapRef, "
                    "secretRef), expected exactly one");
}

static void
test_env_from_prefix(void)
{
        check_error(POD "    envFrom:\n"
                        "    - prefix: X=\n"
                        "      configMapRef:\n"
                        "        name: a\n",
                    "pod.yaml:10:15: spec.containers[0].envFrom[0].prefix: \"X=\" is not valid, "
                    "expected an environment variable name: printable ASCII characters other "
                    "than '='");
        check_error(POD "    envFrom:\n"
                        "    - configMapRef:\n"
                        "        name: \"\"\n",
                    "pod.yaml:11:15: spec.containers[0].envFrom[0].configMapRef.name: is empty, "
                    "expected a value");
}

/* ------------------------------------------------------------ ports */

static void
test_ports_valid(void)
{
        static const char y[] = POD "    ports:\n"
                                    "    - name: http\n"
                                    "      containerPort: 8080\n"
                                    "      hostPort: 80\n"
                                    "    - containerPort: 53\n"
                                    "      protocol: UDP\n"
                                    "      hostIP: 127.0.0.1\n"
                                    "    - containerPort: 9000\n"
                                    "      protocol: \"\"\n"
                                    "    - name: sctp-1\n"
                                    "      containerPort: 65535\n"
                                    "      protocol: SCTP\n"
                                    "      hostIP: fd00::1\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->n_ports == 4);
        if (ct->n_ports != 4)
                return;
        check_str(ct->ports[0].name, "http");
        check(ct->ports[0].container_port == 8080);
        check(ct->ports[0].host_port == 80);
        check_str(ct->ports[0].protocol, "TCP"); /* defaulted */
        check(ct->ports[0].host_ip == NULL);
        check(ct->ports[1].name == NULL);
        check(ct->ports[1].host_port == 0);
        check_str(ct->ports[1].protocol, "UDP");
        check_str(ct->ports[1].host_ip, "127.0.0.1");
        check_str(ct->ports[2].protocol, "TCP"); /* "" is unset, as Kubernetes defaults it */
        check_str(ct->ports[3].name, "sctp-1");
        check(ct->ports[3].container_port == 65535);
        check_str(ct->ports[3].protocol, "SCTP");
        check_str(ct->ports[3].host_ip, "fd00::1");
}

static void
test_port_container_port(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 0\n",
                    "pod.yaml:10:22: spec.containers[0].ports[0].containerPort: 0 is out of range, "
                    "expected 1-65535");
        check_error(POD "    ports:\n"
                        "    - containerPort: 65536\n",
                    "pod.yaml:10:22: spec.containers[0].ports[0].containerPort: 65536 is out of "
                    "range, expected 1-65535");
        check_error(POD "    ports:\n"
                        "    - name: http\n",
                    "pod.yaml:10:7: spec.containers[0].ports[0].containerPort: missing, expected "
                    "a whole number");
        check_error(POD "    ports:\n"
                        "    - containerPort: \"80\"\n",
                    "pod.yaml:10:22: spec.containers[0].ports[0].containerPort: found string "
                    "\"80\", expected a whole number");
}

static void
test_port_host_port(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostPort: 70000\n",
                    "pod.yaml:11:17: spec.containers[0].ports[0].hostPort: 70000 is out of range, "
                    "expected 0-65535");
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostPort: -1\n",
                    "pod.yaml:11:17: spec.containers[0].ports[0].hostPort: -1 is out of range, "
                    "expected 0-65535");
}

static void
test_port_protocol(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      protocol: HTTP\n",
                    "pod.yaml:11:17: spec.containers[0].ports[0].protocol: \"HTTP\" is not valid, "
                    "expected TCP, UDP or SCTP");
        /* case matters, as in Kubernetes */
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      protocol: udp\n",
                    "pod.yaml:11:17: spec.containers[0].ports[0].protocol: \"udp\" is not valid, "
                    "expected TCP, UDP or SCTP");
}

static void
test_port_name(void)
{
        check_error(POD "    ports:\n"
                        "    - name: HTTP\n"
                        "      containerPort: 80\n",
                    "pod.yaml:10:13: spec.containers[0].ports[0].name: \"HTTP\" is not valid, "
                    "expected a port name (IANA service name): at most 15 characters of "
                    "lowercase letters, digits and '-', with at least one letter, no '--' and no "
                    "'-' at either end");
        check_error(POD "    ports:\n"
                        "    - name: \"8080\"\n"
                        "      containerPort: 80\n",
                    "pod.yaml:10:13: spec.containers[0].ports[0].name: \"8080\" is not valid, "
                    "expected a port name with at least one letter (a-z)");
        check_error(POD "    ports:\n"
                        "    - name: web--admin\n"
                        "      containerPort: 80\n",
                    "pod.yaml:10:13: spec.containers[0].ports[0].name: \"web--admin\" is not "
                    "valid, expected a port name without consecutive hyphens ('--')");
        check_error(POD "    ports:\n"
                        "    - name: metrics-endpoint\n"
                        "      containerPort: 80\n",
                    "pod.yaml:10:13: spec.containers[0].ports[0].name: \"metrics-endpoint\" is "
                    "not valid, expected at most 15 characters (a port name)");
}

static void
test_port_host_ip(void)
{
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostIP: 10.0.0.300\n",
                    "pod.yaml:11:15: spec.containers[0].ports[0].hostIP: \"10.0.0.300\" is not "
                    "valid, expected an IP address: IPv4 like 10.0.0.1 (no leading zeros) or IPv6 "
                    "like fd00::1");
        check_error(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "      hostIP: 10.0.0.0/8\n",
                    "pod.yaml:11:15: spec.containers[0].ports[0].hostIP: \"10.0.0.0/8\" is not "
                    "valid, expected an IP address without a '/<prefix length>'");
}

static void
test_port_duplicate_names(void)
{
        check_error(
                POD "    ports:\n"
                    "    - name: http\n"
                    "      containerPort: 80\n"
                    "    - name: http\n"
                    "      containerPort: 81\n",
                "pod.yaml:12:13: spec.containers[0].ports[1].name: \"http\" is already the name "
                "of ports[0], expected a unique name");
        /* unnamed ports do not clash */
        check_valid(POD "    ports:\n"
                        "    - containerPort: 80\n"
                        "    - containerPort: 81\n");
}

/* ------------------------------------------------------------ volumeMounts */

static void
test_mounts_valid(void)
{
        static const char y[] = POD_VOL "    volumeMounts:\n"
                                        "    - name: data\n"
                                        "      mountPath: /data\n"
                                        "      subPath: logs/app\n"
                                        "      readOnly: true\n"
                                        "      mountPropagation: HostToContainer\n"
                                        "      recursiveReadOnly: IfPossible\n"
                                        "    - name: data\n"
                                        "      mountPath: /cache\n"
                                        "      subPathExpr: $(POD_NAME)\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        const struct kube_volume_mount *m = ct->volume_mounts;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->n_volume_mounts == 2);
        if (ct->n_volume_mounts != 2)
                return;
        check_str(m[0].name, "data");
        check_str(m[0].mount_path, "/data");
        check_str(m[0].sub_path, "logs/app");
        check(m[0].sub_path_expr == NULL);
        check(m[0].read_only);
        check_str(m[0].mount_propagation, "HostToContainer");
        check_str(m[0].recursive_read_only, "IfPossible");
        check_str(m[1].mount_path, "/cache");
        check(m[1].sub_path == NULL);
        check_str(m[1].sub_path_expr, "$(POD_NAME)");
        check(!m[1].read_only);
        check(m[1].mount_propagation == NULL);
}

static void
test_mount_path(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: data\n",
                    "pod.yaml:14:18: spec.containers[0].volumeMounts[0].mountPath: \"data\" is not "
                    "valid, expected an absolute path, starting with '/'");
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /srv/../etc\n",
                    "pod.yaml:14:18: spec.containers[0].volumeMounts[0].mountPath: \"/srv/../etc\" "
                    "is not valid, expected an absolute path without '..' elements");
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n",
                    "pod.yaml:13:7: spec.containers[0].volumeMounts[0].mountPath: missing, "
                    "expected a string");
}

static void
test_mount_duplicate_path(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "    - name: data\n"
                            "      mountPath: /data\n",
                    "pod.yaml:16:18: spec.containers[0].volumeMounts[1].mountPath: \"/data\" is "
                    "already mounted by volumeMounts[0], expected a unique path");
}

static void
test_mount_sub_path(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      subPath: a/../b\n",
                    "pod.yaml:15:16: spec.containers[0].volumeMounts[0].subPath: \"a/../b\" is not "
                    "valid, expected a relative path without '..' elements");
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      subPath: ..\n",
                    "pod.yaml:15:16: spec.containers[0].volumeMounts[0].subPath: \"..\" is not "
                    "valid, expected a relative path without '..' elements");
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      subPath: /etc\n",
                    "pod.yaml:15:16: spec.containers[0].volumeMounts[0].subPath: \"/etc\" is not "
                    "valid, expected a relative path, not starting with '/'");
        /* "..a" is a name, not a step up */
        check_valid(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      subPath: ..a/b\n");
}

static void
test_mount_sub_path_and_expr(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      subPath: a\n"
                            "      subPathExpr: $(POD_NAME)\n",
                    "pod.yaml:16:20: spec.containers[0].volumeMounts[0].subPathExpr: is set "
                    "together with subPath, expected one or the other");
}

static void
test_mount_bidirectional_read_only(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      readOnly: true\n"
                            "      mountPropagation: Bidirectional\n",
                    "pod.yaml:16:25: spec.containers[0].volumeMounts[0].mountPropagation: "
                    "Bidirectional on a readOnly mount is not valid, expected None or "
                    "HostToContainer");
}

static void
test_mount_propagation(void)
{
        check_error(POD_VOL "    volumeMounts:\n"
                            "    - name: data\n"
                            "      mountPath: /data\n"
                            "      mountPropagation: Shared\n",
                    "pod.yaml:15:25: spec.containers[0].volumeMounts[0].mountPropagation: "
                    "\"Shared\" is not valid, expected None, HostToContainer or Bidirectional");
}

/* ------------------------------------------------------------ resources */

static void
test_resources_valid(void)
{
        static const char y[] = POD "    resources:\n"
                                    "      limits:\n"
                                    "        cpu: 500m\n"
                                    "        memory: 128Mi\n"
                                    "        example.com/gpu: 2\n"
                                    "      requests:\n"
                                    "        cpu: 0.25\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_resources *r = container(d)->resources;
        const struct kube_resource *q;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(r != NULL);
        if (!r)
                return;
        check(r->n_limits == 3);
        q = resource(r->limits, r->n_limits, "cpu");
        check(q && streq(q->qty.text, "500m") && kube_quantity_milli(&q->qty.q) == 500);
        q = resource(r->limits, r->n_limits, "memory");
        check(q && kube_quantity_value(&q->qty.q) == 128 * 1024 * 1024);
        /* the request that was given, and those of the limits without one */
        check(r->n_requests == 3);
        q = resource(r->requests, r->n_requests, "cpu");
        check(q && streq(q->qty.text, "0.25") && kube_quantity_milli(&q->qty.q) == 250);
        q = resource(r->requests, r->n_requests, "memory");
        check(q && streq(q->qty.text, "128Mi") && kube_quantity_value(&q->qty.q) == 134217728);
        q = resource(r->requests, r->n_requests, "example.com/gpu");
        check(q && streq(q->qty.text, "2") && kube_quantity_value(&q->qty.q) == 2);
}

/* only limits: every request is the limit */
static void
test_resources_request_defaults_to_limit(void)
{
        static const char y[] = POD "    resources:\n"
                                    "      limits:\n"
                                    "        memory: 1Gi\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_resources *r = container(d)->resources;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(r && r->n_limits == 1 && r->n_requests == 1);
        if (!r || r->n_requests != 1)
                return;
        check_str(r->requests[0].name, "memory");
        check_str(r->requests[0].qty.text, "1Gi");
        check(kube_quantity_value(&r->requests[0].qty.q) == 1073741824);
}

static void
test_resources_bad_quantity(void)
{
        check_error(POD "    resources:\n"
                        "      limits:\n"
                        "        memory: 1GB\n",
                    "pod.yaml:11:17: spec.containers[0].resources.limits[memory]: \"1GB\" is not a "
                    "quantity, expected a number with an optional suffix such as 500m, 128Mi, 1G "
                    "or 1e3");
        check_error(POD "    resources:\n"
                        "      requests:\n"
                        "        cpu: [1]\n",
                    "pod.yaml:11:14: spec.containers[0].resources.requests[cpu]: found a list, "
                    "expected a quantity such as 500m, 128Mi or 2");
}

static void
test_resources_negative(void)
{
        check_error(POD "    resources:\n"
                        "      requests:\n"
                        "        cpu: -1\n",
                    "pod.yaml:11:14: spec.containers[0].resources.requests[cpu]: -1 is negative, "
                    "expected 0 or more");
        check_error(POD "    resources:\n"
                        "      limits:\n"
                        "        memory: -128Mi\n",
                    "pod.yaml:11:17: spec.containers[0].resources.limits[memory]: -128Mi is "
                    "negative, expected 0 or more");
}

static void
test_resources_request_over_limit(void)
{
        check_error(POD "    resources:\n"
                        "      limits:\n"
                        "        cpu: 1\n"
                        "      requests:\n"
                        "        cpu: 1500m\n",
                    "pod.yaml:13:14: spec.containers[0].resources.requests[cpu]: 1500m is more "
                    "than limits[cpu] 1, expected at most the limit");
        /* equal is fine, written differently too */
        check_valid(POD "    resources:\n"
                        "      limits:\n"
                        "        memory: 1Gi\n"
                        "      requests:\n"
                        "        memory: 1073741824\n");
}

static void
test_resources_extended(void)
{
        check_error(POD "    resources:\n"
                        "      requests:\n"
                        "        example.com/gpu: 1\n",
                    "pod.yaml:11:26: spec.containers[0].resources.requests[example.com/gpu]: has "
                    "no limit, expected limits[example.com/gpu] equal to the request");
        check_error(POD "    resources:\n"
                        "      limits:\n"
                        "        example.com/gpu: 2\n"
                        "      requests:\n"
                        "        example.com/gpu: 1\n",
                    "pod.yaml:13:26: spec.containers[0].resources.requests[example.com/gpu]: 1 "
                    "differs from limits[example.com/gpu] 2, expected them equal");
        check_error(POD "    resources:\n"
                        "      limits:\n"
                        "        example.com/gpu: 500m\n"
                        "      requests:\n"
                        "        example.com/gpu: 500m\n",
                    "pod.yaml:13:26: spec.containers[0].resources.requests[example.com/gpu]: 500m "
                    "is not a whole number, expected whole units of example.com/gpu");
        check_valid(POD "    resources:\n"
                        "      limits:\n"
                        "        example.com/gpu: 1\n"
                        "      requests:\n"
                        "        example.com/gpu: \"1\"\n");
}

static void
test_resources_name(void)
{
        static const char y[] = POD "    resources:\n"
                                    "      limits:\n"
                                    "        gpu: 1\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        /* a bad key is reported where the key stands */
        check_str(first_error(d, b, sizeof(b)),
                  "pod.yaml:11:9: spec.containers[0].resources.limits[gpu]: key \"gpu\" is not "
                  "valid, expected a resource name: cpu, memory, ephemeral-storage, "
                  "hugepages-<size> or a domain-prefixed extended resource such as "
                  "example.com/gpu");
}

static void
test_resources_claims_ignored(void)
{
        static const char y[] = POD "    resources:\n"
                                    "      claims:\n"
                                    "      - name: gpu\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_diag *g = find_diag(d, KUBE_DIAG_IGNORED);
        char b[1024];

        check(d->n_errors == 0);
        check(g && g->severity == KUBE_WARNING);
        if (!g)
                return;
        check_str(g->topic, "claims");
        check_str(diag_str(g, b, sizeof(b)),
                  "pod.yaml:10:7: spec.containers[0].resources.claims: ignored: dynamic resource "
                  "claims need a cluster's resource drivers");
}

/* ------------------------------------------------------------ image and pull policy */

static void
test_image_missing(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n",
                    "pod.yaml:7:5: spec.containers[0].image: missing, expected a string");
}

static void
test_image_empty(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: \"\"\n",
                    "pod.yaml:8:12: spec.containers[0].image: is empty, expected an image "
                    "reference such as docker.io/library/busybox:1.36");
}

static void
test_image_whitespace(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: \"nginx \"\n",
                    "pod.yaml:8:12: spec.containers[0].image: \"nginx \" has leading or trailing "
                    "whitespace, expected an image reference");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: \" nginx\"\n",
                    "pod.yaml:8:12: spec.containers[0].image: \" nginx\" has leading or trailing "
                    "whitespace, expected an image reference");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: \"ngi\\tnx\"\n",
                    "pod.yaml:8:12: spec.containers[0].image: \"ngi\tnx\" has leading or trailing "
                    "whitespace, expected an image reference");
}

static void
test_image_not_a_string(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: app\n"
                    "    image: 5\n",
                    "pod.yaml:8:12: spec.containers[0].image: found number 5, expected a string "
                    "(quote the value)");
}

static void
test_pull_policy_default(void)
{
        static const struct {
                const char *image, *policy;
        } cases[] = {
                {"nginx", "Always"},
                {"nginx:latest", "Always"},
                {"nginx:1.25", "IfNotPresent"},
                {"docker.io/library/nginx:1.25-alpine", "IfNotPresent"},
                {"localhost:5000/app", "Always"}, /* the registry's port is no tag */
                {"localhost:5000/app:latest", "Always"},
                {"localhost:5000/app:v1", "IfNotPresent"},
                {"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "IfNotPresent"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char y[512];
                struct kube_doc *d;

                snprintf(y, sizeof(y),
                         "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n"
                         "  containers:\n  - name: app\n    image: %s\n",
                         cases[i].image);
                d = read_doc(y);
                check(d->n_errors == 0);
                check_str(container(d)->image, cases[i].image);
                check_str(container(d)->image_pull_policy, cases[i].policy);
                kube_doc_free(d);
        }
}

static void
test_pull_policy_explicit(void)
{
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "    imagePullPolicy: Never\n");
                check(d->n_errors == 0);
                check_str(container(d)->image_pull_policy, "Never");
        }
        {
                /* "" is unset, as Kubernetes defaults it */
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "    imagePullPolicy: \"\"\n");
                check(d->n_errors == 0);
                check_str(container(d)->image_pull_policy, "Always");
        }
        check_error(POD "    imagePullPolicy: Sometimes\n",
                    "pod.yaml:9:22: spec.containers[0].imagePullPolicy: \"Sometimes\" is not "
                    "valid, expected Always, IfNotPresent or Never");
}

/* ------------------------------------------------------------ restartPolicy, init containers */

static void
test_restart_policy_on_container(void)
{
        check_error(POD "    restartPolicy: Always\n",
                    "pod.yaml:9:20: spec.containers[0].restartPolicy: is set on a container, "
                    "expected it only on initContainers (Always makes a sidecar)");
}

static void
test_restart_policy_on_init_container(void)
{
        check_error(POD_INIT("    restartPolicy: OnFailure\n"),
                    "pod.yaml:9:20: spec.initContainers[0].restartPolicy: \"OnFailure\" is not "
                    "valid, expected Always");
}

static void
test_sidecar(void)
{
        static const char y[] = POD_INIT("    restartPolicy: Always\n"
                                         "    livenessProbe:\n"
                                         "      exec:\n"
                                         "        command: [pg_isready]\n"
                                         "    startupProbe:\n"
                                         "      exec:\n"
                                         "        command: [pg_isready]\n"
                                         "    lifecycle:\n"
                                         "      preStop:\n"
                                         "        sleep:\n"
                                         "          seconds: 1\n");
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = init_container(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check_str(ct->restart_policy, "Always");
        check(ct->liveness_probe && ct->startup_probe && ct->lifecycle);
        check(container(d)->restart_policy == NULL);
}

static void
test_init_container_probes(void)
{
        check_error(POD_INIT("    livenessProbe:\n"
                             "      exec:\n"
                             "        command: [pg_isready]\n"),
                    "pod.yaml:10:7: spec.initContainers[0].livenessProbe: is set on an init "
                    "container, expected it only on containers or on sidecars (restartPolicy: "
                    "Always)");
        check_error(POD_INIT("    readinessProbe:\n"
                             "      exec:\n"
                             "        command: [pg_isready]\n"),
                    "pod.yaml:10:7: spec.initContainers[0].readinessProbe: is set on an init "
                    "container, expected it only on containers or on sidecars (restartPolicy: "
                    "Always)");
        check_error(POD_INIT("    startupProbe:\n"
                             "      exec:\n"
                             "        command: [pg_isready]\n"),
                    "pod.yaml:10:7: spec.initContainers[0].startupProbe: is set on an init "
                    "container, expected it only on containers or on sidecars (restartPolicy: "
                    "Always)");
        check_error(POD_INIT("    lifecycle:\n"
                             "      preStop:\n"
                             "        sleep:\n"
                             "          seconds: 1\n"),
                    "pod.yaml:10:7: spec.initContainers[0].lifecycle: is set on an init "
                    "container, expected it only on containers or on sidecars (restartPolicy: "
                    "Always)");
}

/*
 * Pinned as the code has it; Kubernetes validates and honours a readiness
 * probe on a restartable init container (validateInitContainers()).
 */
static void
test_sidecar_readiness_probe(void)
{
        /* a sidecar's readiness counts toward the pod's, as Kubernetes has it */
        check_valid(POD_INIT("    restartPolicy: Always\n"
                             "    readinessProbe:\n"
                             "      exec:\n"
                             "        command: [pg_isready]\n"));
}

/* ------------------------------------------------------------ termination message */

static void
test_termination_message(void)
{
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(POD);
                check_str(container(d)->termination_message_path, "/dev/termination-log");
                check_str(container(d)->termination_message_policy, "File");
        }
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "    terminationMessagePath: /tmp/done\n"
                                     "    terminationMessagePolicy: FallbackToLogsOnError\n");
                check(d->n_errors == 0);
                check_str(container(d)->termination_message_path, "/tmp/done");
                check_str(container(d)->termination_message_policy, "FallbackToLogsOnError");
        }
        {
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "    terminationMessagePath: \"\"\n"
                                     "    terminationMessagePolicy: \"\"\n");
                check(d->n_errors == 0);
                check_str(container(d)->termination_message_path, "/dev/termination-log");
                check_str(container(d)->termination_message_policy, "File");
        }
        check_error(POD "    terminationMessagePolicy: Logs\n",
                    "pod.yaml:9:31: spec.containers[0].terminationMessagePolicy: \"Logs\" is not "
                    "valid, expected File or FallbackToLogsOnError");
}

/* ------------------------------------------------------------ types */

static void
test_command_not_a_list(void)
{
        check_error(POD "    command: echo hi\n",
                    "pod.yaml:9:14: spec.containers[0].command: found string \"echo hi\", "
                    "expected a list");
        check_error(POD "    args: [--port, 80]\n",
                    "pod.yaml:9:20: spec.containers[0].args[1]: found number 80, expected a "
                    "string (quote the value)");
}

static void
test_command_and_args(void)
{
        static const char y[] = POD "    command: [/bin/sh, -c]\n"
                                    "    args:\n"
                                    "    - echo \"$HOME\"\n"
                                    "    - \"80\"\n"
                                    "    workingDir: /srv\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->n_command == 2 && ct->n_args == 2);
        if (ct->n_command != 2 || ct->n_args != 2)
                return;
        check_str(ct->command[0], "/bin/sh");
        check_str(ct->command[1], "-c");
        check_str(ct->args[0], "echo \"$HOME\"");
        check_str(ct->args[1], "80");
        check_str(ct->working_dir, "/srv");
}

static void
test_bools(void)
{
        check_error(POD "    tty: \"yes\"\n",
                    "pod.yaml:9:10: spec.containers[0].tty: found string \"yes\", expected true or "
                    "false");
        check_error(POD "    stdin: 1\n",
                    "pod.yaml:9:12: spec.containers[0].stdin: found number 1, expected true or "
                    "false");
        {
                /* YAML 1.1, as Kubernetes reads it: unquoted yes and on are booleans */
                _cleanup_(kube_doc_freep) struct kube_doc *d =
                        read_doc(POD "    tty: yes\n"
                                     "    stdin: on\n"
                                     "    stdinOnce: false\n");
                check(d->n_errors == 0);
                check(container(d)->tty && container(d)->stdin_ && !container(d)->stdin_once);
        }
}

static void
test_container_name(void)
{
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - name: App\n"
                    "    image: nginx\n",
                    "pod.yaml:7:11: spec.containers[0].name: \"App\" is not valid, expected a "
                    "DNS-1123 label in lowercase: at most 63 characters of lowercase letters, "
                    "digits and '-', starting and ending with a letter or digit");
        check_error("apiVersion: v1\n"
                    "kind: Pod\n"
                    "metadata:\n"
                    "  name: web\n"
                    "spec:\n"
                    "  containers:\n"
                    "  - image: nginx\n",
                    "pod.yaml:7:5: spec.containers[0].name: missing, expected a string");
}

/* ------------------------------------------------------------ unknown and ignored fields */

static void
test_unknown_field(void)
{
        static const char y[] = POD "    imagePullPolcy: Always\n"
                                    "    colour: blue\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];

        check(d->n_errors == 0);
        check(d->objects[0].valid);
        check(d->n_diags == 2);
        if (d->n_diags != 2)
                return;
        check(d->diags[0].severity == KUBE_WARNING);
        check(d->diags[0].kind == KUBE_DIAG_UNKNOWN_FIELD);
        check(d->diags[0].topic == NULL);
        /* at the key: the value may be anything, or nothing */
        check_str(diag_str(&d->diags[0], b, sizeof(b)),
                  "pod.yaml:9:5: spec.containers[0].imagePullPolcy: unknown field "
                  "\"imagePullPolcy\" in Container, did you mean \"imagePullPolicy\"?");
        check(d->diags[1].kind == KUBE_DIAG_UNKNOWN_FIELD);
        check_str(diag_str(&d->diags[1], b, sizeof(b)),
                  "pod.yaml:10:5: spec.containers[0].colour: unknown field \"colour\" in "
                  "Container");
}

static void
test_unknown_field_case(void)
{
        static const char y[] = POD "    Env: []\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_diag *g = find_diag(d, KUBE_DIAG_UNKNOWN_FIELD);
        char b[1024];

        check(g != NULL);
        if (g)
                check_str(diag_str(g, b, sizeof(b)),
                          "pod.yaml:9:5: spec.containers[0].Env: unknown field \"Env\" in "
                          "Container, did you mean \"env\"?");
}

static void
test_ignored_volume_devices(void)
{
        static const char y[] = POD "    volumeDevices:\n"
                                    "    - name: raw\n"
                                    "      devicePath: /dev/xvda\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_diag *g = find_diag(d, KUBE_DIAG_IGNORED);
        char b[1024];

        check(d->n_errors == 0);
        check(d->objects[0].valid);
        check(d->n_diags == 1);
        check(g && g->severity == KUBE_WARNING);
        if (!g)
                return;
        check_str(g->topic, "volumeDevices");
        check_str(diag_str(g, b, sizeof(b)),
                  "pod.yaml:9:5: spec.containers[0].volumeDevices: ignored: raw block devices "
                  "from a cluster's volumes are not attached on one machine");
}

int
main(void)
{
        RUN(test_env_valid);
        RUN(test_env_name);
        RUN(test_env_value_and_value_from);
        RUN(test_env_value_from_no_source);
        RUN(test_env_value_from_two_sources);
        RUN(test_env_key_ref_key);
        RUN(test_env_key_ref_name);
        RUN(test_env_field_path);
        RUN(test_env_field_ref_api_version);
        RUN(test_env_resource_field_ref_resource);
        RUN(test_env_resource_field_ref_divisor);
        RUN(test_env_from_valid);
        RUN(test_env_from_no_source);
        RUN(test_env_from_two_sources);
        RUN(test_env_from_prefix);
        RUN(test_ports_valid);
        RUN(test_port_container_port);
        RUN(test_port_host_port);
        RUN(test_port_protocol);
        RUN(test_port_name);
        RUN(test_port_host_ip);
        RUN(test_port_duplicate_names);
        RUN(test_mounts_valid);
        RUN(test_mount_path);
        RUN(test_mount_duplicate_path);
        RUN(test_mount_sub_path);
        RUN(test_mount_sub_path_and_expr);
        RUN(test_mount_bidirectional_read_only);
        RUN(test_mount_propagation);
        RUN(test_resources_valid);
        RUN(test_resources_request_defaults_to_limit);
        RUN(test_resources_bad_quantity);
        RUN(test_resources_negative);
        RUN(test_resources_request_over_limit);
        RUN(test_resources_extended);
        RUN(test_resources_name);
        RUN(test_resources_claims_ignored);
        RUN(test_image_missing);
        RUN(test_image_empty);
        RUN(test_image_whitespace);
        RUN(test_image_not_a_string);
        RUN(test_pull_policy_default);
        RUN(test_pull_policy_explicit);
        RUN(test_restart_policy_on_container);
        RUN(test_restart_policy_on_init_container);
        RUN(test_sidecar);
        RUN(test_init_container_probes);
        RUN(test_sidecar_readiness_probe);
        RUN(test_termination_message);
        RUN(test_command_not_a_list);
        RUN(test_command_and_args);
        RUN(test_bools);
        RUN(test_container_name);
        RUN(test_unknown_field);
        RUN(test_unknown_field_case);
        RUN(test_ignored_volume_devices);
        return check_done();
}
