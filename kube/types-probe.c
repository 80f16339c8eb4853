/*
 * kube/types-probe.c: probes and lifecycle hooks (core/v1 Probe, Lifecycle),
 * with pkg/apis/core/validation's rules (validateProbe, validateHandler,
 * validateHTTPGetAction...) and the defaults of pkg/apis/core/v1/defaults.go.
 */
#include <inttypes.h>
#include <string.h>

#include "names.h"
#include "types.h"
#include "util/cleanup.h"

#define PORT_MAX 65535

/* ------------------------------------------------------------ actions */

/* validation.IsHTTPHeaderName(): [-A-Za-z0-9]+ */
static const char *
check_header_name(const char *s)
{
        if (!s[0] ||
            s[strspn(s, "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")])
                return "an HTTP header name: letters, digits and '-'";
        return NULL;
}

/* ValidatePortNumOrName(): a number 1-65535, or an IANA service name (a port's name) */
static void
check_port(struct kctx *c, const struct knode *n, const struct kube_int_or_string *port)
{
        struct knode p;
        const char *why;
        const char *s = port->s;

        if (!port->set)
                return;
        knode_key(&p, n, "port");
        if (!port->is_string) {
                if (port->i < 1 || port->i > PORT_MAX)
                        kerror(c, &p, "%" PRId64 " is out of range, expected 1-%d", port->i,
                               PORT_MAX);
                return;
        }
        why = kube_check_iana_svc_name(s);
        if (!why)
                return;
        /* sigs.k8s.io/yaml keeps "8080" a string, and a port name needs a letter */
        if (s[0] && !s[strspn(s, "0123456789")])
                kerror(c, &p,
                       "\"%s\" is a string, expected a port number (remove the quotes) or a "
                       "port name",
                       s);
        else
                kerror(c, &p, "\"%s\" is not valid, expected a port number or %s", s, why);
}

static const struct kfield exec_fields[] = {
        KLIST(struct kube_exec_action, "command", KF_STRINGS, command, .required = true,
              .nonempty = true),
        KEND,
};

static const struct ktype ktype_exec_action = {
        .name = "ExecAction",
        .size = sizeof(struct kube_exec_action),
        .fields = exec_fields,
};

static const struct kfield header_fields[] = {
        KFIELD(struct kube_http_header, "name", KF_STRING, name, .required = true, .nonempty = true,
               .check = check_header_name),
        KFIELD(struct kube_http_header, "value", KF_STRING, value),
        KEND,
};

static const struct ktype ktype_http_header = {
        .name = "HTTPHeader",
        .size = sizeof(struct kube_http_header),
        .fields = header_fields,
};

static void
validate_http_get(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_http_get *h = obj;

        check_port(c, n, &h->port);
        /* SetDefaults_HTTPGetAction() */
        if (!h->path || !h->path[0])
                h->path = "/";
        if (!h->scheme || !h->scheme[0])
                h->scheme = "HTTP";
}

static const char *const http_schemes[] = {"HTTP", "HTTPS", NULL};

static const struct kfield http_get_fields[] = {
        KFIELD(struct kube_http_get, "path", KF_STRING, path),
        KFIELD(struct kube_http_get, "port", KF_INT_OR_STRING, port, .required = true),
        KFIELD(struct kube_http_get, "host", KF_STRING, host),
        KFIELD(struct kube_http_get, "scheme", KF_STRING, scheme, .enums = http_schemes),
        KLIST(struct kube_http_get, "httpHeaders", KF_ARRAY, http_headers,
              .type = &ktype_http_header),
        KEND,
};

static const struct ktype ktype_http_get = {
        .name = "HTTPGetAction",
        .size = sizeof(struct kube_http_get),
        .fields = http_get_fields,
        .validate = validate_http_get,
};

static void
validate_tcp_socket(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_tcp_socket *t = obj;

        check_port(c, n, &t->port);
}

static const struct kfield tcp_socket_fields[] = {
        KFIELD(struct kube_tcp_socket, "port", KF_INT_OR_STRING, port, .required = true),
        KFIELD(struct kube_tcp_socket, "host", KF_STRING, host),
        KEND,
};

static const struct ktype ktype_tcp_socket = {
        .name = "TCPSocketAction",
        .size = sizeof(struct kube_tcp_socket),
        .fields = tcp_socket_fields,
        .validate = validate_tcp_socket,
};

static const struct kfield grpc_fields[] = {
        KFIELD(struct kube_grpc, "port", KF_INT, port, .required = true, .min = 1, .max = PORT_MAX),
        KFIELD(struct kube_grpc, "service", KF_STRING, service),
        KEND,
};

static const struct ktype ktype_grpc = {
        .name = "GRPCAction",
        .size = sizeof(struct kube_grpc),
        .fields = grpc_fields,
};

/* Zero is allowed since the PodLifecycleSleepActionAllowZero gate went on by default. */
static const struct kfield sleep_fields[] = {
        KFIELD(struct kube_sleep, "seconds", KF_INT, seconds, .required = true, .min = 0,
               .max = INT32_MAX),
        KEND,
};

static const struct ktype ktype_sleep = {
        .name = "SleepAction",
        .size = sizeof(struct kube_sleep),
        .fields = sleep_fields,
};

/*
 * validateHandler(): exactly one action. Counted from the document rather
 * than the decoded pointers, so an action of the wrong type (already
 * reported) does not also read as no action at all.
 */
static void
check_one_handler(struct kctx *c, const struct knode *n, const char *const *names,
                  const char *expected)
{
        char found[128];
        size_t count = 0, len = 0;

        found[0] = '\0';
        for (size_t i = 0; names[i]; i++) {
                json_t *v = json_object_get(n->v, names[i]);
                int k;

                if (!v || json_is_null(v))
                        continue;
                k = snprintf(found + len, sizeof(found) - len, "%s%s", count ? ", " : "", names[i]);
                if (k > 0 && (size_t)k < sizeof(found) - len)
                        len += (size_t)k;
                count++;
        }
        if (count == 0)
                kerror(c, n, "no handler, expected one of %s", expected);
        else if (count > 1)
                kerror(c, n, "found %zu handlers (%s), expected exactly one of %s", count, found,
                       expected);
}

/* ------------------------------------------------------------ probes */

static const char *const probe_handlers[] = {"exec", "httpGet", "tcpSocket", "grpc", NULL};

static void
validate_probe(struct kctx *c, const struct knode *n, void *obj)
{
        struct kube_probe *p = obj;

        check_one_handler(c, n, probe_handlers, "exec, httpGet, tcpSocket or grpc");
        /*
         * SetDefaults_Probe(): the fields are int32 without omitempty, so 0
         * written out is the same as absent and takes the default too.
         */
        if (p->timeout_seconds == 0)
                p->timeout_seconds = 1;
        if (p->period_seconds == 0)
                p->period_seconds = 10;
        if (p->success_threshold == 0)
                p->success_threshold = 1;
        if (p->failure_threshold == 0)
                p->failure_threshold = 3;
}

static const struct kfield probe_fields[] = {
        KFIELD(struct kube_probe, "exec", KF_OBJECT, exec, .type = &ktype_exec_action),
        KFIELD(struct kube_probe, "httpGet", KF_OBJECT, http_get, .type = &ktype_http_get),
        KFIELD(struct kube_probe, "tcpSocket", KF_OBJECT, tcp_socket, .type = &ktype_tcp_socket),
        KFIELD(struct kube_probe, "grpc", KF_OBJECT, grpc, .type = &ktype_grpc),
        KFIELD(struct kube_probe, "initialDelaySeconds", KF_INT, initial_delay_seconds, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_probe, "timeoutSeconds", KF_INT, timeout_seconds, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_probe, "periodSeconds", KF_INT, period_seconds, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_probe, "successThreshold", KF_INT, success_threshold, .min = 0,
               .max = INT32_MAX),
        KFIELD(struct kube_probe, "failureThreshold", KF_INT, failure_threshold, .min = 0,
               .max = INT32_MAX),
        /* an int64 in Kubernetes; past 68 years it is a typo, not a grace period */
        KFIELD(struct kube_probe, "terminationGracePeriodSeconds", KF_OPT_INT,
               termination_grace_period_seconds, .min = 1, .max = INT32_MAX),
        KEND,
};

const struct ktype ktype_probe = {
        .name = "Probe",
        .size = sizeof(struct kube_probe),
        .fields = probe_fields,
        .validate = validate_probe,
};

/* ------------------------------------------------------------ lifecycle */

static const char *const lifecycle_handlers[] = {"exec", "httpGet", "tcpSocket", "sleep", NULL};

static void
validate_handler(struct kctx *c, const struct knode *n, void *obj)
{
        check_one_handler(c, n, lifecycle_handlers, "exec, httpGet, tcpSocket or sleep");
}

static const struct kfield handler_fields[] = {
        KFIELD(struct kube_handler, "exec", KF_OBJECT, exec, .type = &ktype_exec_action),
        KFIELD(struct kube_handler, "httpGet", KF_OBJECT, http_get, .type = &ktype_http_get),
        KFIELD(struct kube_handler, "tcpSocket", KF_OBJECT, tcp_socket, .type = &ktype_tcp_socket),
        KFIELD(struct kube_handler, "sleep", KF_OBJECT, sleep, .type = &ktype_sleep),
        KEND,
};

static const struct ktype ktype_handler = {
        .name = "LifecycleHandler",
        .size = sizeof(struct kube_handler),
        .fields = handler_fields,
        .validate = validate_handler,
};

/* core.Signal: supportedStopSignalsLinux (KEP-4960), the names `kill -l` prints */
static const char *const stop_signals[] = {
        "SIGABRT",     "SIGALRM",     "SIGBUS",      "SIGCHLD",     "SIGCLD",      "SIGCONT",
        "SIGFPE",      "SIGHUP",      "SIGILL",      "SIGINT",      "SIGIO",       "SIGIOT",
        "SIGKILL",     "SIGPIPE",     "SIGPOLL",     "SIGPROF",     "SIGPWR",      "SIGQUIT",
        "SIGSEGV",     "SIGSTKFLT",   "SIGSTOP",     "SIGSYS",      "SIGTERM",     "SIGTRAP",
        "SIGTSTP",     "SIGTTIN",     "SIGTTOU",     "SIGURG",      "SIGUSR1",     "SIGUSR2",
        "SIGVTALRM",   "SIGWINCH",    "SIGXCPU",     "SIGXFSZ",     "SIGRTMIN",    "SIGRTMIN+1",
        "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",  "SIGRTMIN+6",  "SIGRTMIN+7",
        "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13",
        "SIGRTMIN+14", "SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13", "SIGRTMAX-12", "SIGRTMAX-11",
        "SIGRTMAX-10", "SIGRTMAX-9",  "SIGRTMAX-8",  "SIGRTMAX-7",  "SIGRTMAX-6",  "SIGRTMAX-5",
        "SIGRTMAX-4",  "SIGRTMAX-3",  "SIGRTMAX-2",  "SIGRTMAX-1",  "SIGRTMAX",
};

/* A check rather than .enums: the list of 65 would drown the message. */
static const char *
check_stop_signal(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(stop_signals); i++)
                if (strcmp(s, stop_signals[i]) == 0)
                        return NULL;
        return "a signal name such as SIGTERM, SIGINT, SIGQUIT, SIGUSR1, SIGRTMIN+3 or SIGKILL";
}

static const struct kfield lifecycle_fields[] = {
        KFIELD(struct kube_lifecycle, "postStart", KF_OBJECT, post_start, .type = &ktype_handler),
        KFIELD(struct kube_lifecycle, "preStop", KF_OBJECT, pre_stop, .type = &ktype_handler),
        KFIELD(struct kube_lifecycle, "stopSignal", KF_STRING, stop_signal,
               .check = check_stop_signal),
        KEND,
};

const struct ktype ktype_lifecycle = {
        .name = "Lifecycle",
        .size = sizeof(struct kube_lifecycle),
        .fields = lifecycle_fields,
};

/* ------------------------------------------------------------ rules that need the container */

/*
 * The kubelet resolves a named port against the container's ports[] when
 * it probes (findPortByName()); a name it cannot find fails every probe,
 * so say so before the pod starts.
 */
static void
check_named_port(struct kctx *c, const struct knode *action, const struct kube_int_or_string *port,
                 const struct kube_container *ct)
{
        struct knode p;

        /* an invalid name was reported when the action was decoded */
        if (!port->set || !port->is_string || kube_check_iana_svc_name(port->s))
                return;
        for (size_t i = 0; i < ct->n_ports; i++)
                if (ct->ports[i].name && strcmp(ct->ports[i].name, port->s) == 0)
                        return;
        kerror(c, knode_key(&p, action, "port"),
               "port \"%s\" is not a port of this container, expected one of its ports[].name",
               port->s);
}

static void
check_action_ports(struct kctx *c, const struct knode *n, const struct kube_http_get *http_get,
                   const struct kube_tcp_socket *tcp_socket, const struct kube_container *ct)
{
        struct knode a;

        if (http_get)
                check_named_port(c, knode_key(&a, n, "httpGet"), &http_get->port, ct);
        if (tcp_socket)
                check_named_port(c, knode_key(&a, n, "tcpSocket"), &tcp_socket->port, ct);
}

void
kcheck_probe_roles(struct kctx *c, const struct knode *container_node,
                   const struct kube_container *ct)
{
        static const struct {
                const char *key;
                size_t off;
                const char *role;
        } probes[] = {
                {"livenessProbe", offsetof(struct kube_container, liveness_probe), "liveness"},
                {"readinessProbe", offsetof(struct kube_container, readiness_probe), "readiness"},
                {"startupProbe", offsetof(struct kube_container, startup_probe), "startup"},
        };
        struct knode pn, f;

        for (size_t i = 0; i < ELEMENTSOF(probes); i++) {
                const struct kube_probe *p =
                        *(struct kube_probe *const *)((const char *)ct + probes[i].off);
                bool readiness = strcmp(probes[i].role, "readiness") == 0;

                if (!p)
                        continue;
                knode_key(&pn, container_node, probes[i].key);
                /* validateLivenessProbe(), validateStartupProbe() */
                if (!readiness && p->success_threshold != 1)
                        kerror(c, knode_key(&f, &pn, "successThreshold"),
                               "%" PRId64 " is not valid, expected 1 for a %s probe",
                               p->success_threshold, probes[i].role);
                /* validateReadinessProbe(): a failing readiness probe never kills the container */
                if (readiness && p->termination_grace_period_seconds.set)
                        kerror(c, knode_key(&f, &pn, "terminationGracePeriodSeconds"),
                               "%" PRId64 " is set on a readiness probe, expected it only on "
                               "liveness and startup probes",
                               p->termination_grace_period_seconds.v);
                check_action_ports(c, &pn, p->http_get, p->tcp_socket, ct);
        }
        if (ct->lifecycle) {
                struct knode ln;

                knode_key(&ln, container_node, "lifecycle");
                if (ct->lifecycle->post_start)
                        check_action_ports(c, knode_key(&pn, &ln, "postStart"),
                                           ct->lifecycle->post_start->http_get,
                                           ct->lifecycle->post_start->tcp_socket, ct);
                if (ct->lifecycle->pre_stop)
                        check_action_ports(c, knode_key(&pn, &ln, "preStop"),
                                           ct->lifecycle->pre_stop->http_get,
                                           ct->lifecycle->pre_stop->tcp_socket, ct);
        }
}
