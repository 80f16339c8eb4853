/* tests/unit/kube/test-decode-probe.c: probes and lifecycle hooks through the public reader */
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

/* ------------------------------------------------------------ valid probes and defaults */

static void
test_http_get_defaults(void)
{
        static const char y[] = POD "    livenessProbe:\n"
                                    "      httpGet:\n"
                                    "        port: 8080\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_probe *p = container(d)->liveness_probe;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(p && p->http_get && !p->exec && !p->tcp_socket && !p->grpc);
        if (!p || !p->http_get)
                return;
        check(p->http_get->port.set && !p->http_get->port.is_string);
        check(p->http_get->port.i == 8080);
        check_str(p->http_get->path, "/");
        check_str(p->http_get->scheme, "HTTP");
        check(p->http_get->host == NULL);
        check(p->initial_delay_seconds == 0);
        check(p->timeout_seconds == 1);
        check(p->period_seconds == 10);
        check(p->success_threshold == 1);
        check(p->failure_threshold == 3);
        check(!p->termination_grace_period_seconds.set);
}

static void
test_http_get_full(void)
{
        static const char y[] = POD "    ports:\n"
                                    "    - name: admin\n"
                                    "      containerPort: 9000\n"
                                    "    readinessProbe:\n"
                                    "      httpGet:\n"
                                    "        path: /healthz\n"
                                    "        port: admin\n"
                                    "        host: 127.0.0.1\n"
                                    "        scheme: HTTPS\n"
                                    "        httpHeaders:\n"
                                    "        - name: X-Probe\n"
                                    "          value: berth\n"
                                    "      initialDelaySeconds: 5\n"
                                    "      timeoutSeconds: 2\n"
                                    "      periodSeconds: 3\n"
                                    "      successThreshold: 2\n"
                                    "      failureThreshold: 4\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_probe *p = container(d)->readiness_probe;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(p && p->http_get);
        if (!p || !p->http_get)
                return;
        check(p->http_get->port.is_string);
        check_str(p->http_get->port.s, "admin");
        check_str(p->http_get->path, "/healthz");
        check_str(p->http_get->host, "127.0.0.1");
        check_str(p->http_get->scheme, "HTTPS");
        check(p->http_get->n_http_headers == 1);
        if (p->http_get->n_http_headers == 1) {
                check_str(p->http_get->http_headers[0].name, "X-Probe");
                check_str(p->http_get->http_headers[0].value, "berth");
        }
        check(p->initial_delay_seconds == 5);
        check(p->timeout_seconds == 2);
        check(p->period_seconds == 3);
        check(p->success_threshold == 2); /* a readiness probe may ask for more than one */
        check(p->failure_threshold == 4);
}

/* The fields are int32 without omitempty in Kubernetes: 0 is absent, and takes the default. */
static void
test_zero_is_default(void)
{
        static const char y[] = POD "    livenessProbe:\n"
                                    "      tcpSocket:\n"
                                    "        port: 5432\n"
                                    "      timeoutSeconds: 0\n"
                                    "      periodSeconds: 0\n"
                                    "      successThreshold: 0\n"
                                    "      failureThreshold: 0\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_probe *p = container(d)->liveness_probe;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(p && p->tcp_socket && p->tcp_socket->port.i == 5432);
        check(p && p->timeout_seconds == 1 && p->period_seconds == 10);
        check(p && p->success_threshold == 1 && p->failure_threshold == 3);
}

static void
test_exec_grpc_and_grace(void)
{
        static const char y[] = POD "    livenessProbe:\n"
                                    "      exec:\n"
                                    "        command: [pg_isready, -q]\n"
                                    "      terminationGracePeriodSeconds: 5\n"
                                    "    startupProbe:\n"
                                    "      grpc:\n"
                                    "        port: 50051\n"
                                    "        service: health\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_container *ct = container(d);
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(ct->liveness_probe && ct->liveness_probe->exec);
        if (ct->liveness_probe && ct->liveness_probe->exec) {
                check(ct->liveness_probe->exec->n_command == 2);
                check_str(ct->liveness_probe->exec->command[0], "pg_isready");
                check_str(ct->liveness_probe->exec->command[1], "-q");
                check(ct->liveness_probe->termination_grace_period_seconds.set);
                check(ct->liveness_probe->termination_grace_period_seconds.v == 5);
        }
        check(ct->startup_probe && ct->startup_probe->grpc);
        if (ct->startup_probe && ct->startup_probe->grpc) {
                check(ct->startup_probe->grpc->port == 50051);
                check_str(ct->startup_probe->grpc->service, "health");
        }
}

/* ------------------------------------------------------------ handlers */

static void
test_two_handlers(void)
{
        check_error(POD "    readinessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      tcpSocket:\n"
                        "        port: 80\n",
                    "pod.yaml:10:7: spec.containers[0].readinessProbe: found 2 handlers (exec, "
                    "tcpSocket), expected exactly one of exec, httpGet, tcpSocket or grpc");
}

static void
test_no_handler(void)
{
        check_error(POD "    readinessProbe:\n"
                        "      periodSeconds: 5\n",
                    "pod.yaml:10:7: spec.containers[0].readinessProbe: no handler, expected one "
                    "of exec, httpGet, tcpSocket or grpc");
}

static void
test_exec_command_empty(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec:\n"
                        "        command: []\n",
                    "pod.yaml:11:18: spec.containers[0].livenessProbe.exec.command: is empty, "
                    "expected at least one item");
}

static void
test_exec_command_missing(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec: {}\n",
                    "pod.yaml:10:13: spec.containers[0].livenessProbe.exec.command: missing, "
                    "expected a list");
}

/* ------------------------------------------------------------ ports */

static void
test_port_out_of_range(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: 70000\n",
                    "pod.yaml:11:15: spec.containers[0].livenessProbe.httpGet.port: 70000 is out "
                    "of range, expected 1-65535");
}

static void
test_port_zero(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      tcpSocket:\n"
                        "        port: 0\n",
                    "pod.yaml:11:15: spec.containers[0].livenessProbe.tcpSocket.port: 0 is out "
                    "of range, expected 1-65535");
}

static void
test_port_bad_name(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: metrics-endpoint\n",
                    "pod.yaml:11:15: spec.containers[0].livenessProbe.httpGet.port: "
                    "\"metrics-endpoint\" is not valid, expected a port number or at most 15 "
                    "characters (a port name)");
}

/* Path and message only: where a quoted scalar starts (quote or text) is yaml-pos.c's to say. */
static void
test_port_quoted_number(void)
{
        static const char y[] = POD "    livenessProbe:\n"
                                    "      httpGet:\n"
                                    "        port: \"8080\"\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_diag *g = d->n_errors ? &d->diags[0] : NULL;

        check(g && g->severity == KUBE_ERROR && g->loc.line == 11);
        if (!g)
                return;
        check_str(g->path, "spec.containers[0].livenessProbe.httpGet.port");
        check_str(g->msg, "\"8080\" is a string, expected a port number (remove the quotes) or "
                          "a port name");
}

static void
test_port_missing(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      tcpSocket:\n"
                        "        host: db\n",
                    "pod.yaml:11:9: spec.containers[0].livenessProbe.tcpSocket.port: missing, "
                    "expected a number or a string");
}

static void
test_port_not_in_container(void)
{
        check_error(POD "    ports:\n"
                        "    - name: http\n"
                        "      containerPort: 80\n"
                        "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: metrics\n",
                    "pod.yaml:14:15: spec.containers[0].livenessProbe.httpGet.port: port "
                    "\"metrics\" is not a port of this container, expected one of its "
                    "ports[].name");
}

static void
test_tcp_port_not_in_container(void)
{
        check_error(POD "    startupProbe:\n"
                        "      tcpSocket:\n"
                        "        port: db\n",
                    "pod.yaml:11:15: spec.containers[0].startupProbe.tcpSocket.port: port \"db\" "
                    "is not a port of this container, expected one of its ports[].name");
}

static void
test_grpc_port(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      grpc:\n"
                        "        port: 0\n",
                    "pod.yaml:11:15: spec.containers[0].livenessProbe.grpc.port: 0 is out of "
                    "range, expected 1-65535");
        check_error(POD "    livenessProbe:\n"
                        "      grpc:\n"
                        "        service: health\n",
                    "pod.yaml:11:9: spec.containers[0].livenessProbe.grpc.port: missing, "
                    "expected a whole number");
}

/* ------------------------------------------------------------ httpGet fields */

static void
test_scheme(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: 80\n"
                        "        scheme: FTP\n",
                    "pod.yaml:12:17: spec.containers[0].livenessProbe.httpGet.scheme: \"FTP\" is "
                    "not valid, expected HTTP or HTTPS");
}

static void
test_header_name(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: 80\n"
                        "        httpHeaders:\n"
                        "        - name: X Probe\n"
                        "          value: yes-please\n",
                    "pod.yaml:13:17: "
                    "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: \"X Probe\" is "
                    "not valid, expected an HTTP header name: letters, digits and '-'");
        check_error(POD "    livenessProbe:\n"
                        "      httpGet:\n"
                        "        port: 80\n"
                        "        httpHeaders:\n"
                        "        - value: x\n",
                    "pod.yaml:13:11: "
                    "spec.containers[0].livenessProbe.httpGet.httpHeaders[0].name: missing, "
                    "expected a string");
}

/* ------------------------------------------------------------ numbers */

static void
test_negative_period(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      periodSeconds: -1\n",
                    "pod.yaml:12:22: spec.containers[0].livenessProbe.periodSeconds: -1 is out of "
                    "range, expected 0 or more");
}

static void
test_negative_initial_delay(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      initialDelaySeconds: -5\n",
                    "pod.yaml:12:28: spec.containers[0].livenessProbe.initialDelaySeconds: -5 is "
                    "out of range, expected 0 or more");
}

static void
test_grace_period_zero(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      terminationGracePeriodSeconds: 0\n",
                    "pod.yaml:12:38: "
                    "spec.containers[0].livenessProbe.terminationGracePeriodSeconds: 0 is out of "
                    "range, expected 1 or more");
}

/* ------------------------------------------------------------ roles */

static void
test_liveness_success_threshold(void)
{
        check_error(POD "    livenessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      successThreshold: 2\n",
                    "pod.yaml:12:25: spec.containers[0].livenessProbe.successThreshold: 2 is not "
                    "valid, expected 1 for a liveness probe");
}

static void
test_startup_success_threshold(void)
{
        check_error(POD "    startupProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      successThreshold: 3\n",
                    "pod.yaml:12:25: spec.containers[0].startupProbe.successThreshold: 3 is not "
                    "valid, expected 1 for a startup probe");
}

static void
test_readiness_grace_period(void)
{
        check_error(POD "    readinessProbe:\n"
                        "      exec:\n"
                        "        command: [\"true\"]\n"
                        "      terminationGracePeriodSeconds: 10\n",
                    "pod.yaml:12:38: "
                    "spec.containers[0].readinessProbe.terminationGracePeriodSeconds: 10 is set "
                    "on a readiness probe, expected it only on liveness and startup probes");
}

/* ------------------------------------------------------------ lifecycle */

static void
test_lifecycle_valid(void)
{
        static const char y[] = POD "    lifecycle:\n"
                                    "      postStart:\n"
                                    "        exec:\n"
                                    "          command: [touch, /tmp/started]\n"
                                    "      preStop:\n"
                                    "        sleep:\n"
                                    "          seconds: 0\n"
                                    "      stopSignal: SIGRTMIN+3\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_lifecycle *l = container(d)->lifecycle;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(l && l->post_start && l->pre_stop);
        if (!l || !l->post_start || !l->pre_stop)
                return;
        check(l->post_start->exec && l->post_start->exec->n_command == 2);
        check(l->pre_stop->sleep && l->pre_stop->sleep->seconds == 0);
        check_str(l->stop_signal, "SIGRTMIN+3");
}

static void
test_lifecycle_http_defaults(void)
{
        static const char y[] = POD "    ports:\n"
                                    "    - name: web\n"
                                    "      containerPort: 80\n"
                                    "    lifecycle:\n"
                                    "      preStop:\n"
                                    "        httpGet:\n"
                                    "          port: web\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        const struct kube_lifecycle *l = container(d)->lifecycle;
        char b[1024];

        check_str(first_error(d, b, sizeof(b)), "(no error)");
        check(l && l->pre_stop && l->pre_stop->http_get);
        if (!l || !l->pre_stop || !l->pre_stop->http_get)
                return;
        check_str(l->pre_stop->http_get->path, "/");
        check_str(l->pre_stop->http_get->scheme, "HTTP");
}

static void
test_lifecycle_two_handlers(void)
{
        check_error(POD "    lifecycle:\n"
                        "      preStop:\n"
                        "        exec:\n"
                        "          command: [nginx, -s, quit]\n"
                        "        sleep:\n"
                        "          seconds: 5\n",
                    "pod.yaml:11:9: spec.containers[0].lifecycle.preStop: found 2 handlers (exec, "
                    "sleep), expected exactly one of exec, httpGet, tcpSocket or sleep");
}

static void
test_lifecycle_no_handler(void)
{
        check_error(POD "    lifecycle:\n"
                        "      postStart: {}\n",
                    "pod.yaml:10:18: spec.containers[0].lifecycle.postStart: no handler, expected "
                    "one of exec, httpGet, tcpSocket or sleep");
}

/* grpc is a probe action, not a hook action */
static void
test_lifecycle_grpc(void)
{
        static const char y[] = POD "    lifecycle:\n"
                                    "      preStop:\n"
                                    "        grpc:\n"
                                    "          port: 9000\n";
        _cleanup_(kube_doc_freep) struct kube_doc *d = read_doc(y);
        char b[1024];
        bool unknown = false;

        check_str(first_error(d, b, sizeof(b)),
                  "pod.yaml:11:9: spec.containers[0].lifecycle.preStop: "
                  "no handler, expected one of exec, httpGet, "
                  "tcpSocket or sleep");
        for (size_t i = 0; i < d->n_diags; i++)
                unknown = unknown || d->diags[i].kind == KUBE_DIAG_UNKNOWN_FIELD;
        check(unknown);
}

static void
test_sleep_negative(void)
{
        check_error(POD "    lifecycle:\n"
                        "      preStop:\n"
                        "        sleep:\n"
                        "          seconds: -1\n",
                    "pod.yaml:12:20: spec.containers[0].lifecycle.preStop.sleep.seconds: -1 is out "
                    "of range, expected 0 or more");
}

static void
test_sleep_missing(void)
{
        check_error(POD "    lifecycle:\n"
                        "      preStop:\n"
                        "        sleep: {}\n",
                    "pod.yaml:11:16: spec.containers[0].lifecycle.preStop.sleep.seconds: missing, "
                    "expected a whole number");
}

static void
test_stop_signal(void)
{
        check_error(POD "    lifecycle:\n"
                        "      stopSignal: SIGFOO\n",
                    "pod.yaml:10:19: spec.containers[0].lifecycle.stopSignal: \"SIGFOO\" is not "
                    "valid, expected a signal name such as SIGTERM, SIGINT, SIGQUIT, SIGUSR1, "
                    "SIGRTMIN+3 or SIGKILL");
        /* the names as core.Signal spells them, SIG included */
        check_error(POD "    lifecycle:\n"
                        "      stopSignal: TERM\n",
                    "pod.yaml:10:19: spec.containers[0].lifecycle.stopSignal: \"TERM\" is not "
                    "valid, expected a signal name such as SIGTERM, SIGINT, SIGQUIT, SIGUSR1, "
                    "SIGRTMIN+3 or SIGKILL");
}

static void
test_lifecycle_port_not_in_container(void)
{
        check_error(POD "    lifecycle:\n"
                        "      preStop:\n"
                        "        tcpSocket:\n"
                        "          port: admin\n",
                    "pod.yaml:12:17: spec.containers[0].lifecycle.preStop.tcpSocket.port: port "
                    "\"admin\" is not a port of this container, expected one of its ports[].name");
}

int
main(void)
{
        RUN(test_http_get_defaults);
        RUN(test_http_get_full);
        RUN(test_zero_is_default);
        RUN(test_exec_grpc_and_grace);
        RUN(test_two_handlers);
        RUN(test_no_handler);
        RUN(test_exec_command_empty);
        RUN(test_exec_command_missing);
        RUN(test_port_out_of_range);
        RUN(test_port_zero);
        RUN(test_port_bad_name);
        RUN(test_port_quoted_number);
        RUN(test_port_missing);
        RUN(test_port_not_in_container);
        RUN(test_tcp_port_not_in_container);
        RUN(test_grpc_port);
        RUN(test_scheme);
        RUN(test_header_name);
        RUN(test_negative_period);
        RUN(test_negative_initial_delay);
        RUN(test_grace_period_zero);
        RUN(test_liveness_success_threshold);
        RUN(test_startup_success_threshold);
        RUN(test_readiness_grace_period);
        RUN(test_lifecycle_valid);
        RUN(test_lifecycle_http_defaults);
        RUN(test_lifecycle_two_handlers);
        RUN(test_lifecycle_no_handler);
        RUN(test_lifecycle_grpc);
        RUN(test_sleep_negative);
        RUN(test_sleep_missing);
        RUN(test_stop_signal);
        RUN(test_lifecycle_port_not_in_container);
        return check_done();
}
