/*
 * cmd/pod.c: berth pod create|ps|inspect|start|stop|restart|rm|exists, as
 * podman's `pod` verbs print them (pod logs: cmd/pod-logs.c).
 *
 * A berth pod has no infra container: its sandbox is berth-pause, which
 * holds the namespaces. Where podman counts the infra container (the pod's
 * status), the sandbox counts as one: running while berth-pause runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "cmd/pod.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

/* podman's name of the network a bridge pod is on */
#define POD_BRIDGE_NETWORK "podman"

static int
print_error(const struct berr *err)
{
        fprintf(stderr, "Error: %s\n", err && err->msg ? err->msg : "out of memory");
        return EXIT_POD_FAILED;
}

int
pod_print_find_error(const char *what, int r, const struct berr *err)
{
        if (r == -ENOENT)
                fprintf(stderr, "Error: no pod with name or ID %s found: no such pod\n", what);
        else
                (void)print_error(err);
        return EXIT_POD_FAILED;
}

/* a growing NULL-terminated array of borrowed strings (argv's) */
struct args {
        char **v;
        size_t n;
};

static int
args_push(struct args *a, char *s)
{
        char **v = realloc(a->v, (a->n + 2) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        v[a->n++] = s;
        v[a->n] = NULL;
        a->v = v;
        return 0;
}

static void
args_clear(struct args *a)
{
        free(a->v);
        a->v = NULL;
        a->n = 0;
}

/* podman's rule for names: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
static bool
valid_name(const char *n)
{
        static const char more[] =
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";

        return n[0] && strchr(more, n[0]) && n[0] != '_' && n[0] != '.' && n[0] != '-' &&
               strspn(n, more) == strlen(n) && strlen(n) <= 253;
}

/* a pod name as podman makes one up when none is given: adjective_noun */
static char *
make_name(void)
{
        static const char *const left[] = {
                "bold",  "bright", "busy",   "clever", "cosy",   "deft",   "fair",  "fleet",
                "grand", "hardy",  "lively", "mellow", "nimble", "plucky", "sunny", "swift"};
        static const char *const right[] = {"atoll",  "bay",  "cove",   "delta", "fjord", "haven",
                                            "inlet",  "isle", "marina", "reef",  "shoal", "sound",
                                            "strait", "tide", "wharf",  "wake"};
        unsigned char r[3];
        char *name = NULL;

        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
                return NULL;
        if (asprintf(&name, "%s_%s%u", left[r[0] % ELEMENTSOF(left)],
                     right[r[1] % ELEMENTSOF(right)], (unsigned)r[2] % 100) < 0)
                return NULL;
        return name;
}

/* "64m", "1g", "512k", "1000" (bytes), as podman reads --memory */
static int
parse_size(const char *s, int64_t *ret)
{
        char *end;
        double v = strtod(s, &end);
        double mul = 1;

        if (end == s || v <= 0)
                return -EINVAL;
        switch (*end) {
        case 'b':
        case 'B':
                end++;
                break;
        case 'k':
        case 'K':
                mul = 1024;
                end++;
                break;
        case 'm':
        case 'M':
                mul = 1024.0 * 1024;
                end++;
                break;
        case 'g':
        case 'G':
                mul = 1024.0 * 1024 * 1024;
                end++;
                break;
        default:
                break;
        }
        if (mul > 1 && (*end == 'b' || *end == 'B'))
                end++;
        if (*end || v * mul > 9.2e18)
                return -EINVAL;
        *ret = (int64_t)(v * mul);
        return 0;
}

static void
create_help(void)
{
        printf("Usage: berth pod create [options]\n\n"
               "Create a pod and start its sandbox (the namespaces its containers share,\n"
               "its network and published ports); print its ID.\n\n"
               "Options:\n"
               "  -n, --name NAME                 the pod's name (default: one made up)\n"
               "  -p, --publish [IP:]HOSTPORT:CTRPORT[/PROTO]\n"
               "                                  publish a port of the pod (repeat for more;\n"
               "                                  ports may be ranges, PROTO tcp, udp or sctp)\n"
               "      --hostname NAME             the pod's host name (default: its name)\n"
               "      --network MODE              bridge (default), host or none\n"
               "      --share NAMESPACES          ipc,net,uts (always shared); add pid to share\n"
               "                                  one PID namespace\n"
               "  -l, --label KEY=VALUE           a label (repeat for more)\n"
               "      --add-host HOST:IP          an entry of the pod's /etc/hosts\n"
               "  -m, --memory SIZE               memory limit of the whole pod (64m, 1g)\n"
               "      --cpus N                    CPU limit of the whole pod (0.5, 2)\n"
               "      --pod-id-file FILE          write the pod's ID to FILE\n"
               "      --replace                   remove a pod of the same name first\n"
               "  -h, --help                      show this help\n");
}

struct create_args {
        struct runtime_pod_opts o;
        struct args labels;
        struct pod_publish *pub;
        size_t n_pub;
        struct runtime_host_alias *hosts;
        char **host_names; /* two slots per alias: its name, NULL */
        size_t n_hosts;
        const char *id_file;
        bool replace;
};

static void
create_args_clear(struct create_args *a)
{
        args_clear(&a->labels);
        free(a->pub);
        free(a->hosts);
        free(a->host_names);
}

/* --add-host HOST:IP (split at the first colon, as podman: an IPv6 address has more) */
static int
add_host(struct create_args *a, char *spec)
{
        char *colon = strchr(spec, ':');
        struct runtime_host_alias *h;
        unsigned char addr[sizeof(struct in6_addr)];
        char **names;
        size_t n = a->n_hosts;

        if (!colon || colon == spec ||
            (inet_pton(AF_INET, colon + 1, addr) != 1 && inet_pton(AF_INET6, colon + 1, addr) != 1))
                return -EINVAL;
        h = realloc(a->hosts, (n + 1) * sizeof(*h));
        if (!h)
                return -ENOMEM;
        a->hosts = h;
        names = realloc(a->host_names, (n + 1) * 2 * sizeof(*names));
        if (!names)
                return -ENOMEM;
        a->host_names = names;
        /* the command line's string, cut at the colon: HOST, then IP */
        *colon = '\0';
        names[2 * n] = spec;
        names[2 * n + 1] = NULL;
        a->hosts[n].ip = colon + 1;
        a->n_hosts = n + 1;
        /* the names array may have moved: point every alias at its slots again */
        for (size_t i = 0; i <= n; i++)
                a->hosts[i].hostnames = names + 2 * i;
        return 0;
}

enum {
        OPT_HOSTNAME = 256,
        OPT_NETWORK,
        OPT_SHARE,
        OPT_ADD_HOST,
        OPT_CPUS,
        OPT_POD_ID_FILE,
        OPT_REPLACE,
        OPT_NO_TRUNC,
        OPT_CTR_NAMES,
        OPT_CTR_IDS,
        OPT_CTR_STATUS,
        OPT_NS,
        OPT_SORT,
        OPT_FORMAT,
};

static int
parse_create(int argc, char **argv, struct create_args *a)
{
        static const struct option options[] = {
                {"name", required_argument, NULL, 'n'},
                {"publish", required_argument, NULL, 'p'},
                {"hostname", required_argument, NULL, OPT_HOSTNAME},
                {"network", required_argument, NULL, OPT_NETWORK},
                {"net", required_argument, NULL, OPT_NETWORK},
                {"share", required_argument, NULL, OPT_SHARE},
                {"label", required_argument, NULL, 'l'},
                {"add-host", required_argument, NULL, OPT_ADD_HOST},
                {"memory", required_argument, NULL, 'm'},
                {"cpus", required_argument, NULL, OPT_CPUS},
                {"pod-id-file", required_argument, NULL, OPT_POD_ID_FILE},
                {"replace", no_argument, NULL, OPT_REPLACE},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "n:p:l:m:h", options, NULL)) != -1) {
                switch (c) {
                case 'n':
                        if (!valid_name(optarg))
                                return cmd_usage_error("pod create",
                                                       "--name \"%s\": names must match "
                                                       "[a-zA-Z0-9][a-zA-Z0-9_.-]*",
                                                       optarg);
                        a->o.name = optarg;
                        break;
                case 'p': {
                        struct pod_publish *v = realloc(a->pub, (a->n_pub + 1) * sizeof(*v));

                        if (!v)
                                return print_error(NULL);
                        a->pub = v;
                        if (pod_parse_publish(optarg, &a->pub[a->n_pub]) < 0)
                                return cmd_usage_error("pod create",
                                                       "--publish \"%s\": expected "
                                                       "[IP:]HOSTPORT:CTRPORT[/tcp|udp|sctp]",
                                                       optarg);
                        a->n_pub++;
                        break;
                }
                case OPT_HOSTNAME:
                        a->o.hostname = optarg;
                        break;
                case OPT_NETWORK:
                        if (strcmp(optarg, "bridge") == 0 ||
                            strcmp(optarg, POD_BRIDGE_NETWORK) == 0) {
                                a->o.network = "bridge";
                                a->o.host_network = false;
                        } else if (strcmp(optarg, "host") == 0) {
                                a->o.network = "host";
                                a->o.host_network = true;
                        } else if (strcmp(optarg, "none") == 0) {
                                a->o.network = "none";
                                a->o.host_network = false;
                        } else {
                                return cmd_usage_error("pod create",
                                                       "--network \"%s\": expected bridge, host "
                                                       "or none",
                                                       optarg);
                        }
                        break;
                case OPT_SHARE:
                        if (pod_parse_share(optarg, &a->o.share_pid) < 0)
                                return cmd_usage_error("pod create",
                                                       "--share \"%s\": expected a list of ipc, "
                                                       "net, uts, pid, cgroup, or none",
                                                       optarg);
                        break;
                case 'l':
                        if (optarg[0] == '=' || !optarg[0])
                                return cmd_usage_error(
                                        "pod create", "--label \"%s\": expected KEY=VALUE", optarg);
                        if (args_push(&a->labels, optarg) < 0)
                                return print_error(NULL);
                        break;
                case OPT_ADD_HOST: {
                        int r = add_host(a, optarg);

                        if (r == -ENOMEM)
                                return print_error(NULL);
                        if (r < 0)
                                return cmd_usage_error("pod create",
                                                       "--add-host \"%s\": expected HOST:IP",
                                                       optarg);
                        break;
                }
                case 'm':
                        if (parse_size(optarg, &a->o.memory_limit) < 0)
                                return cmd_usage_error("pod create",
                                                       "--memory \"%s\": expected a size such as "
                                                       "64m or 1g",
                                                       optarg);
                        break;
                case OPT_CPUS: {
                        char *end;
                        double v = strtod(optarg, &end);

                        if (end == optarg || *end || v <= 0 || v > 1e6)
                                return cmd_usage_error("pod create",
                                                       "--cpus \"%s\": expected a number of CPUs "
                                                       "such as 0.5",
                                                       optarg);
                        a->o.cpu_limit_millis = (int64_t)(v * 1000 + 0.5);
                        break;
                }
                case OPT_POD_ID_FILE:
                        a->id_file = optarg;
                        break;
                case OPT_REPLACE:
                        a->replace = true;
                        break;
                case 'h':
                        create_help();
                        return -1;
                default:
                        return cmd_usage_error("pod create", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("pod create", "unexpected argument \"%s\"", argv[optind]);
        if (a->n_pub > 0 && a->o.network && strcmp(a->o.network, "bridge") != 0)
                return cmd_usage_error("pod create",
                                       "--publish needs the bridge network, not --network %s",
                                       a->o.network);
        return 0;
}

static int
pod_create_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(create_args_clear) struct create_args a = {0};
        _cleanup_free_ struct runtime_port *ports = NULL;
        _cleanup_free_ char *name = NULL, *id = NULL;
        _cleanup_close_ int id_fd = -EBADF;
        size_t n_ports = 0;
        int r = parse_create(argc, argv, &a);

        if (r != 0)
                return r < 0 ? 0 : r;
        for (size_t i = 0; i < a.n_pub; i++)
                n_ports += a.pub[i].count;
        ports = calloc(n_ports + 1, sizeof(*ports));
        if (!ports)
                return print_error(NULL);
        n_ports = 0;
        for (size_t i = 0; i < a.n_pub; i++)
                for (uint16_t k = 0; k < a.pub[i].count; k++)
                        ports[n_ports++] = (struct runtime_port){
                                .host_port = (uint16_t)(a.pub[i].host_port + k),
                                .container_port = (uint16_t)(a.pub[i].container_port + k),
                                .protocol = a.pub[i].protocol,
                                .host_ip = a.pub[i].host_ip[0] ? a.pub[i].host_ip : NULL,
                        };
        a.o.ports = ports;
        a.o.n_ports = n_ports;
        a.o.labels = a.labels.v;
        a.o.host_aliases = a.hosts;
        a.o.n_host_aliases = a.n_hosts;
        if (!a.o.name) {
                name = make_name();
                if (!name)
                        return print_error(NULL);
                a.o.name = name;
        }
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        if (a.replace) {
                _cleanup_(json_decrefp) json_t *old = NULL;

                if (runtime_pod_find(s, ctx, a.o.name, &old, NULL) == 0 &&
                    strcmp(json_string_value(json_object_get(old, "name")) ?: "", a.o.name) == 0 &&
                    runtime_pod_remove(s, ctx, json_string_value(json_object_get(old, "id")), true,
                                       -1, &err) < 0)
                        return print_error(err);
        }
        /* podman's --pod-id-file: the ID alone, no newline, in a file that must not exist */
        if (a.id_file) {
                id_fd = open(a.id_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                if (id_fd < 0) {
                        fprintf(stderr, "Error: --pod-id-file %s: %s\n", a.id_file,
                                strerror(errno));
                        return EXIT_POD_FAILED;
                }
        }
        if (runtime_pod_create(s, ctx, &a.o, &id, &err) < 0) {
                if (a.id_file)
                        (void)unlink(a.id_file);
                return print_error(err);
        }
        if (id_fd >= 0 && write(id_fd, id, strlen(id)) != (ssize_t)strlen(id)) {
                fprintf(stderr, "Error: write %s: %s\n", a.id_file, strerror(errno));
                (void)unlink(a.id_file);
                (void)runtime_pod_remove(s, ctx, id, true, 0, NULL);
                return EXIT_POD_FAILED;
        }
        printf("%s\n", id);
        return 0;
}

/* ------------------------------------------------------------------- pod ps */

static const char *
str(const json_t *o, const char *key)
{
        return json_string_value(json_object_get(o, key));
}

/* The sandbox as podman's infra container would be: its state */
static const char *
sandbox_state(const json_t *rec)
{
        const char *state = str(rec, "state");

        if (state && strcmp(state, "running") == 0)
                return "running";
        if (state && strcmp(state, "creating") == 0)
                return "created";
        return "exited";
}

/* Whether a container summary is an init container's (podman leaves those out of the status) */
static bool
is_init(const json_t *c)
{
        return json_is_true(json_object_get(c, "init")) || json_is_true(json_object_get(c, "Init"));
}

/*
 * podman's status of the pod: its containers' states (containerStates,
 * from runtime_pod_list / runtime_pod_inspect; init containers left out,
 * as podman leaves them out) and the sandbox's. A pod whose sandbox runs,
 * that was never started and whose containers have not started either
 * (berth pod create, kube play --start=false) is "Created", as podman's
 * pod is while its infra container is created and not yet started.
 */
static const char *
status_of(const json_t *rec, const json_t *ctrs)
{
        size_t n = json_array_size(ctrs), i, k = 1, created = 0;
        _cleanup_free_ const char **states = calloc(n + 1, sizeof(*states));
        const json_t *c;

        if (!states)
                return "Error";
        states[0] = sandbox_state(rec);
        json_array_foreach (ctrs, i, c) {
                if (is_init(c))
                        continue;
                states[k] = str(c, "state") ?: str(c, "State") ?: "unknown";
                created += strcmp(states[k], "created") == 0;
                k++;
        }
        if (strcmp(states[0], "running") == 0 && !json_is_true(json_object_get(rec, "started")) &&
            created == k - 1)
                return "Created";
        return pod_status(states, k);
}

static json_t *
networks_of(const json_t *rec)
{
        const char *net = str(rec, "network");

        if (json_is_true(json_object_get(rec, "hostNetwork")) ||
            (net && (strcmp(net, "none") == 0 || strcmp(net, "host") == 0)))
                return json_array();
        return json_pack("[s]", POD_BRIDGE_NETWORK);
}

/* One pod as podman's `pod ps --format json` shows it (its ListPodsReport, keys in its order) */
static json_t *
ps_report(const json_t *rec)
{
        const json_t *states = json_object_get(rec, "containerStates"), *c;
        const json_t *labels = json_object_get(rec, "labels");
        json_t *ctrs = json_array(),
               *lab = json_is_object(labels) ? json_incref((json_t *)labels) : json_object();
        char created[64];
        size_t i;

        if (!ctrs || !lab) {
                json_decref(ctrs);
                json_decref(lab);
                return NULL;
        }
        json_array_foreach (states, i, c) {
                json_array_append_new(ctrs, json_pack("{s:s, s:s, s:s}", "Id", str(c, "id") ?: "",
                                                      "Names", str(c, "name") ?: "", "Status",
                                                      str(c, "state") ?: "unknown"));
        }
        return json_pack("{s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "Cgroup",
                         str(rec, "cgroupParent") ?: "", "Containers", ctrs, "Created",
                         pod_rfc3339nano(json_integer_value(json_object_get(rec, "created")),
                                         created, sizeof(created)),
                         "Id", str(rec, "id") ?: "", "InfraId", "", "Name", str(rec, "name") ?: "",
                         "Namespace", str(rec, "namespace") ?: "", "Networks", networks_of(rec),
                         "Status", status_of(rec, states), "Labels", lab);
}

/* join field of each of arr's objects with "," (first n bytes of each, 0: all) */
static char *
join(const json_t *arr, const char *field, int n)
{
        char *out = NULL;
        size_t len = 0, i;
        FILE *f = open_memstream(&out, &len);
        const json_t *c;

        if (!f)
                return NULL;
        json_array_foreach (arr, i, c) {
                fprintf(f, "%s%.*s", i ? "," : "", n > 0 ? n : 1 << 20, str(c, field) ?: "");
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

/* What a template names, as podman's ListPodReporter has it: report's fields, made readable */
static json_t *
ps_reporter(const json_t *report, bool trunc)
{
        const json_t *ctrs = json_object_get(report, "Containers");
        const char *id = str(report, "Id");
        _cleanup_free_ char *ids = join(ctrs, "Id", trunc ? 12 : 0);
        _cleanup_free_ char *names = join(ctrs, "Names", 0);
        _cleanup_free_ char *statuses = join(ctrs, "Status", 0);
        _cleanup_free_ char *networks = NULL;
        char created[64], shortid[13];
        const char *shown;
        const json_t *n;
        size_t i, len = 0;
        struct timespec now;
        double age;
        FILE *f;
        json_t *o;

        if (!ids || !names || !statuses)
                return NULL;
        f = open_memstream(&networks, &len);
        if (!f)
                return NULL;
        json_array_foreach (json_object_get(report, "Networks"), i, n) {
                fprintf(f, "%s%s", i ? "," : "", json_string_value(n));
        }
        if (fclose(f) != 0)
                return NULL;
        /* the age from the record's nanoseconds, kept beside the report (its Created is text) */
        clock_gettime(CLOCK_REALTIME, &now);
        age = (double)now.tv_sec + (double)now.tv_nsec / 1e9 -
              (double)json_integer_value(json_object_get(report, "_created")) / 1e9;
        pod_human_duration(age, created, sizeof(created));
        strncat(created, " ago", sizeof(created) - strlen(created) - 1);
        snprintf(shortid, sizeof(shortid), "%s", id ? id : "");
        shown = trunc ? shortid : id ? id : "";
        o = json_pack("{s:s, s:s, s:O, s:O, s:s, s:s, s:s, s:I, s:O, s:s, s:s, s:s, s:s, s:O, s:O}",
                      "Id", shown, "ID", shown, "Name", json_object_get(report, "Name"), "Status",
                      json_object_get(report, "Status"), "Created", created, "InfraId", "",
                      "InfraID", "", "NumberOfContainers", (json_int_t)json_array_size(ctrs),
                      "Labels", json_object_get(report, "Labels"), "Networks", networks,
                      "ContainerIds", ids, "ContainerNames", names, "ContainerStatuses", statuses,
                      "Cgroup", json_object_get(report, "Cgroup"), "Namespace",
                      json_object_get(report, "Namespace"));
        return o;
}

static int
cmp_created(const void *a, const void *b)
{
        json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a, "_created"));
        json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b, "_created"));

        return x < y ? 1 : x > y ? -1 : 0; /* newest first */
}

static int
cmp_str(const void *a, const void *b, const char *key)
{
        return strcmp(str(*(json_t *const *)a, key) ?: "", str(*(json_t *const *)b, key) ?: "");
}

static int
cmp_id(const void *a, const void *b)
{
        return cmp_str(a, b, "Id");
}

static int
cmp_name(const void *a, const void *b)
{
        return cmp_str(a, b, "Name");
}

static int
cmp_status(const void *a, const void *b)
{
        return cmp_str(a, b, "Status");
}

static int
cmp_number(const void *a, const void *b)
{
        size_t x = json_array_size(json_object_get(*(json_t *const *)a, "Containers"));
        size_t y = json_array_size(json_object_get(*(json_t *const *)b, "Containers"));

        return x < y ? -1 : x > y ? 1 : 0;
}

static void
ps_help(void)
{
        printf("Usage: berth pod ps [options]\n\n"
               "List pods: ID, name, status (Created, Running, Degraded, Stopped, Exited),\n"
               "age, sandbox and number of containers.\n\n"
               "Options:\n"
               "  -q, --quiet           print the pods' IDs only\n"
               "      --no-trunc        full IDs\n"
               "      --format FORMAT   table (default), json, or a Go template such as\n"
               "                        '{{.Name}} {{.Status}}' ('table ...' adds headers)\n"
               "      --ctr-names       the names of each pod's containers\n"
               "      --ctr-ids         the IDs of each pod's containers\n"
               "      --ctr-status      the states of each pod's containers\n"
               "      --ns              the pod's cgroup and namespace\n"
               "  -f, --filter KEY=VAL  only pods that match: id, name, status, label,\n"
               "                        network, ctr-names, ctr-ids, ctr-status, ctr-number\n"
               "      --sort KEY        created (default, newest first), id, name, number or\n"
               "                        status\n"
               "  -l, --latest          the newest pod only\n"
               "  -n, --noheading       no header line\n"
               "  -h, --help            show this help\n");
}

struct ps_args {
        bool quiet, trunc, heading, latest, ctr_names, ctr_ids, ctr_status, ns;
        const char *format, *sort;
        struct args filters;
};

static void
ps_args_clear(struct ps_args *a)
{
        args_clear(&a->filters);
}

static int
parse_ps(int argc, char **argv, struct ps_args *a)
{
        static const struct option options[] = {
                {"quiet", no_argument, NULL, 'q'},
                {"no-trunc", no_argument, NULL, OPT_NO_TRUNC},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"ctr-names", no_argument, NULL, OPT_CTR_NAMES},
                {"ctr-ids", no_argument, NULL, OPT_CTR_IDS},
                {"ctr-status", no_argument, NULL, OPT_CTR_STATUS},
                {"ns", no_argument, NULL, OPT_NS},
                {"namespace", no_argument, NULL, OPT_NS},
                {"filter", required_argument, NULL, 'f'},
                {"sort", required_argument, NULL, OPT_SORT},
                {"latest", no_argument, NULL, 'l'},
                {"noheading", no_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "qf:lnh", options, NULL)) != -1) {
                switch (c) {
                case 'q':
                        a->quiet = true;
                        break;
                case OPT_NO_TRUNC:
                        a->trunc = false;
                        break;
                case OPT_FORMAT:
                        a->format = optarg;
                        break;
                case OPT_CTR_NAMES:
                        a->ctr_names = true;
                        break;
                case OPT_CTR_IDS:
                        a->ctr_ids = true;
                        break;
                case OPT_CTR_STATUS:
                        a->ctr_status = true;
                        break;
                case OPT_NS:
                        a->ns = true;
                        break;
                case 'f': {
                        /* checked on an empty pod: a key berth does not know fails here */
                        _cleanup_(json_decrefp) json_t *none = json_object();
                        char *one[] = {optarg};

                        if (!none)
                                return print_error(NULL);
                        if (pod_filter_match(none, one, 1) < 0)
                                return cmd_usage_error("pod ps",
                                                       "--filter \"%s\": expected id, name, "
                                                       "status, label, network, ctr-names, "
                                                       "ctr-ids, ctr-status or ctr-number=VALUE",
                                                       optarg);
                        if (args_push(&a->filters, optarg) < 0)
                                return print_error(NULL);
                        break;
                }
                case OPT_SORT:
                        if (strcmp(optarg, "created") != 0 && strcmp(optarg, "id") != 0 &&
                            strcmp(optarg, "name") != 0 && strcmp(optarg, "number") != 0 &&
                            strcmp(optarg, "status") != 0)
                                return cmd_usage_error("pod ps",
                                                       "--sort \"%s\": expected created, id, "
                                                       "name, number or status",
                                                       optarg);
                        a->sort = optarg;
                        break;
                case 'l':
                        a->latest = true;
                        break;
                case 'n':
                        a->heading = false;
                        break;
                case 'h':
                        ps_help();
                        return -1;
                default:
                        return cmd_usage_error("pod ps", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("pod ps", "unexpected argument \"%s\"", argv[optind]);
        if (a->quiet && a->format)
                return cmd_usage_error("pod ps", "quiet and format cannot be used together");
        return 0;
}

/* podman's default row: ID, name, status, created, infra ID, then what was asked for */
static void
default_row(const struct ps_args *a, char *buf, size_t size)
{
        snprintf(buf, size,
                 "{{.Id}}\\t{{.Name}}\\t{{.Status}}\\t{{.Created}}\\t{{.InfraId}}%s%s%s%s%s",
                 a->ctr_ids ? "\\t{{.ContainerIds}}" : "",
                 a->ctr_names ? "\\t{{.ContainerNames}}" : "",
                 a->ctr_status ? "\\t{{.ContainerStatuses}}" : "",
                 a->ns ? "\\t{{.Cgroup}}\\t{{.Namespace}}" : "",
                 a->ctr_ids || a->ctr_names || a->ctr_status ? "" : "\\t{{.NumberOfContainers}}");
}

static int
print_table(const struct ps_args *a, json_t *reports)
{
        _cleanup_(json_decrefp) json_t *headers = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Id",
                "POD ID", "ID", "POD ID", "Name", "NAME", "Status", "STATUS", "Labels", "LABELS",
                "NumberOfContainers", "# OF CONTAINERS", "Created", "CREATED", "InfraId",
                "INFRA ID", "InfraID", "INFRA ID", "ContainerIds", "IDS", "ContainerNames", "NAMES",
                "ContainerStatuses", "STATUS", "Cgroup", "CGROUP", "Namespace", "NAMESPACES");
        _cleanup_(json_decrefp) json_t *rows = json_array();
        const char *format = a->format;
        char row[512];
        json_t *r;
        size_t i;
        int q;

        if (!headers || !rows)
                return print_error(NULL);
        if (!format || strcmp(format, "table") == 0) {
                snprintf(row, sizeof(row), "table ");
                default_row(a, row + 6, sizeof(row) - 6);
                format = row;
        }
        json_array_foreach (reports, i, r) {
                if (json_array_append_new(rows, ps_reporter(r, a->trunc)) < 0)
                        return print_error(NULL);
        }
        q = pod_print_rows(stdout, format, a->heading, headers, rows);
        if (q == -EINVAL)
                return cmd_usage_error("pod ps",
                                       "--format \"%s\": expected json, table or a Go "
                                       "template of {{.Field}}s",
                                       a->format);
        return q < 0 ? print_error(NULL) : 0;
}

static int
pod_ps_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(ps_args_clear) struct ps_args a = {
                .trunc = true, .heading = true, .sort = "created"};
        _cleanup_(json_decrefp) json_t *all = NULL, *kept = json_array(), *reports = json_array();
        _cleanup_free_ json_t **v = NULL;
        size_t i, n;
        json_t *rec;
        int r = parse_ps(argc, argv, &a);

        if (r != 0)
                return r < 0 ? 0 : r;
        if (!kept || !reports)
                return print_error(NULL);
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        if (runtime_pod_list(s, ctx, &all, &err) < 0)
                return print_error(err);
        json_array_foreach (all, i, rec) {
                _cleanup_(json_decrefp) json_t *rep = ps_report(rec);

                /* the record's time, for sorting and the age; not printed */
                if (!rep || json_object_set(rep, "_created", json_object_get(rec, "created")) < 0)
                        return print_error(NULL);
                r = pod_filter_match(rep, a.filters.v, a.filters.n);
                if (r < 0)
                        return print_error(NULL); /* the filters were checked: out of memory */
                if (r > 0 && json_array_append(kept, rep) < 0)
                        return print_error(NULL);
        }
        n = json_array_size(kept);
        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return print_error(NULL);
        json_array_foreach (kept, i, rec) {
                v[i] = rec;
        }
        qsort(v, n, sizeof(*v),
              strcmp(a.sort, "id") == 0       ? cmp_id
              : strcmp(a.sort, "name") == 0   ? cmp_name
              : strcmp(a.sort, "number") == 0 ? cmp_number
              : strcmp(a.sort, "status") == 0 ? cmp_status
                                              : cmp_created);
        if (a.latest && n > 1) {
                /* the newest, whatever the order asked */
                qsort(v, n, sizeof(*v), cmp_created);
                n = 1;
        }
        for (i = 0; i < n; i++)
                if (json_array_append(reports, v[i]) < 0)
                        return print_error(NULL);
        if (a.format && strcmp(a.format, "json") == 0) {
                _cleanup_free_ char *text = NULL;

                json_array_foreach (reports, i, rec) {
                        json_object_del(rec, "_created");
                }
                text = json_dumps(reports, JSON_INDENT(2));
                printf("%s\n", text ? text : "[]");
                return 0;
        }
        if (a.quiet) {
                json_array_foreach (reports, i, rec) {
                        printf("%s\n", str(rec, "Id"));
                }
                return 0;
        }
        return print_table(&a, reports);
}

/* --------------------------------------------------------- pod inspect, exists */

/* podman's PortBindings: {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]} */
static json_t *
port_bindings(const json_t *ports)
{
        json_t *out = json_object(), *p;
        size_t i;

        json_array_foreach (ports, i, p) {
                char key[32], host[8];
                json_t *list;

                snprintf(key, sizeof(key), "%lld/%s",
                         (long long)json_integer_value(json_object_get(p, "containerPort")),
                         str(p, "protocol") ?: "tcp");
                snprintf(host, sizeof(host), "%lld",
                         (long long)json_integer_value(json_object_get(p, "hostPort")));
                list = json_object_get(out, key);
                if (!list) {
                        list = json_array();
                        json_object_set_new(out, key, list);
                }
                json_array_append_new(list, json_pack("{s:s, s:s}", "HostIp",
                                                      str(p, "hostIP") ?: "", "HostPort", host));
        }
        return out;
}

/*
 * podman's pod inspect object from the runtime's (inspected) and the pod's
 * record (rec): Created as text, the status as `pod ps` has it, the
 * containers as {Id, Name, State}, the port bindings as podman keys them.
 */
static json_t *
inspect_object(const json_t *rec, json_t *inspected)
{
        json_t *o = json_deep_copy(inspected), *ctrs = json_array(), *c, *infra, *shared;
        const json_t *list = json_object_get(inspected, "Containers");
        char created[64];
        size_t i;

        if (!o || !ctrs) {
                json_decref(o);
                json_decref(ctrs);
                return NULL;
        }
        json_array_foreach (list, i, c) {
                /* the runtime's summaries {id, name, state}, or podman's keys already */
                const char *id = str(c, "Id") ?: str(c, "id");
                const char *name = str(c, "Name") ?: str(c, "name");
                const char *state = str(c, "State") ?: str(c, "state");

                json_array_append_new(ctrs, json_pack("{s:s, s:s, s:s}", "Id", id ?: "", "Name",
                                                      name ?: "", "State", state ?: "unknown"));
        }
        json_object_set_new(o, "Id", json_string(str(rec, "id") ?: ""));
        json_object_set_new(o, "Name", json_string(str(rec, "name") ?: ""));
        json_object_set_new(
                o, "Created",
                json_string(pod_rfc3339nano(json_integer_value(json_object_get(rec, "created")),
                                            created, sizeof(created))));
        json_object_set_new(o, "State", json_string(status_of(rec, list)));
        json_object_set_new(o, "Hostname", json_string(str(rec, "hostname") ?: ""));
        json_object_set_new(o, "CreateCgroup", json_true());
        json_object_set_new(o, "CgroupParent", json_string(str(rec, "cgroupParent") ?: ""));
        json_object_set_new(o, "CgroupPath", json_string(str(rec, "cgroupParent") ?: ""));
        json_object_set_new(o, "CreateInfra", json_false());
        shared = json_pack("[s, s, s]", "ipc", "net", "uts");
        if (shared && json_is_true(json_object_get(rec, "sharePid")))
                json_array_append_new(shared, json_string("pid"));
        json_object_set_new(o, "SharedNamespaces", shared ? shared : json_array());
        infra = json_object_get(o, "InfraConfig");
        if (!json_is_object(infra)) {
                infra = json_object();
                json_object_set_new(o, "InfraConfig", infra);
        }
        if (infra) {
                json_object_set_new(infra, "PortBindings",
                                    port_bindings(json_object_get(rec, "ports")));
                json_object_set_new(
                        infra, "HostNetwork",
                        json_boolean(json_is_true(json_object_get(rec, "hostNetwork"))));
                json_object_set_new(infra, "Networks", networks_of(rec));
        }
        json_object_set_new(o, "NumContainers", json_integer((json_int_t)json_array_size(ctrs)));
        json_object_set_new(o, "Containers", ctrs);
        if (!json_is_object(json_object_get(o, "Labels")))
                json_object_set_new(o, "Labels", json_object());
        return o;
}

static int
inspect_one(struct storage *s, struct berth_ctx *ctx, const char *what, json_t **ret,
            struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL, *inspected = NULL;
        const char *id;
        int r = runtime_pod_find(s, ctx, what, &rec, err);

        if (r < 0)
                return r;
        id = str(rec, "id");
        r = runtime_pod_inspect(s, ctx, id ? id : what, &inspected, err);
        if (r < 0)
                return r;
        *ret = inspect_object(rec, inspected);
        return *ret ? 0 : berr(err, ENOMEM, "pod");
}

int
pod_latest(struct storage *s, struct berth_ctx *ctx, char **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        const json_t *best = NULL, *p;
        size_t i;
        int r = runtime_pod_list(s, ctx, &all, err);

        if (r < 0)
                return r;
        best = json_array_get(all, 0);
        json_array_foreach (all, i, p) {
                if (json_integer_value(json_object_get(p, "created")) >
                    json_integer_value(json_object_get(best, "created")))
                        best = p;
        }
        if (!best) {
                /* podman's words, with no name to give */
                (void)berr(err, 0, "no such pod");
                return -ENOENT;
        }
        *ret = strdup(str(best, "id") ?: "");
        return *ret ? 0 : berr(err, ENOMEM, "pod");
}

static int
pod_inspect_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"latest", no_argument, NULL, 'l'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *list = json_array();
        _cleanup_free_ char *latest_id = NULL;
        const char *format = NULL;
        bool latest = false;
        int c, status = 0;
        size_t i;
        json_t *o = NULL;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:lh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'l':
                        latest = true;
                        break;
                case 'h':
                        printf("Usage: berth pod inspect [options] POD...\n\n"
                               "Show pods as JSON, in podman's shape: one object for one pod, an\n"
                               "array for several.\n\n"
                               "Options:\n"
                               "  -f, --format FORMAT   json (default), or a Go template such as\n"
                               "                        '{{.State}} {{.NumContainers}}'\n"
                               "  -l, --latest          the newest pod\n"
                               "  -h, --help            show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("pod inspect", "see the options above");
                }
        }
        if (optind >= argc && !latest)
                return cmd_usage_error("pod inspect", "expected a pod name or ID, or --latest");
        if (optind < argc && latest)
                return cmd_usage_error("pod inspect", "--latest and pods cannot be used together");
        if (!list)
                return print_error(NULL);
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        if (latest) {
                _cleanup_(berr_freep) struct berr *err = NULL;

                if (pod_latest(s, ctx, &latest_id, &err) < 0)
                        return print_error(err);
        }
        for (int k = optind; k < argc || latest; k++) {
                _cleanup_(berr_freep) struct berr *err = NULL;

                const char *what = latest ? latest_id : argv[k];
                int r = inspect_one(s, ctx, what, &o, &err);

                if (r < 0)
                        status = pod_print_find_error(what, r, err);
                else
                        json_array_append_new(list, o);
                if (latest)
                        break;
        }
        if (format && strcmp(format, "json") != 0) {
                json_array_foreach (list, i, o) {
                        _cleanup_free_ char *text = NULL;

                        if (pod_template(format, o, NULL, &text) < 0)
                                return cmd_usage_error("pod inspect",
                                                       "--format \"%s\": expected json or a Go "
                                                       "template of {{.Field}}s",
                                                       format);
                        printf("%s\n", text);
                }
        } else if (json_array_size(list) > 0) {
                /* podman 4: the object of one pod alone */
                _cleanup_free_ char *text =
                        json_dumps(json_array_size(list) == 1 ? json_array_get(list, 0) : list,
                                   JSON_INDENT(4));
                printf("%s\n", text ? text : "null");
        }
        return status;
}

static int
pod_exists_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *rec = NULL;
        int r;

        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("Usage: berth pod exists POD\n\n"
                       "Exit with status 0 when the pod exists, 1 when it does not.\n");
                return 0;
        }
        if (argc != 2)
                return cmd_usage_error("pod exists", "expected one pod name or ID");
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        r = runtime_pod_find(s, ctx, argv[1], &rec, &err);
        if (r == -ENOENT)
                return 1;
        return r < 0 ? print_error(err) : 0;
}

/* ---------------------------------------------- pod start, stop, restart, rm */

enum pod_verb_kind {
        POD_START,
        POD_STOP,
        POD_RESTART,
        POD_RM,
};

struct verb {
        enum pod_verb_kind kind;
        const char *cmd, *help;
        bool all, latest, ignore, force;
        int timeout; /* -1: each container's own */
        bool timeout_set;
};

static int
parse_verb(int argc, char **argv, struct verb *v)
{
        static const struct option options[] = {
                {"all", no_argument, NULL, 'a'},        {"latest", no_argument, NULL, 'l'},
                {"ignore", no_argument, NULL, 'i'},     {"force", no_argument, NULL, 'f'},
                {"time", required_argument, NULL, 't'}, {"timeout", required_argument, NULL, 't'},
                {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
        };
        bool takes_time = v->kind == POD_STOP || v->kind == POD_RM;
        bool takes_ignore = v->kind == POD_STOP || v->kind == POD_RM;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "alift:h", options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        v->all = true;
                        break;
                case 'l':
                        v->latest = true;
                        break;
                case 'i':
                        if (!takes_ignore)
                                return cmd_usage_error(v->cmd, "unknown option --ignore");
                        v->ignore = true;
                        break;
                case 'f':
                        if (v->kind != POD_RM)
                                return cmd_usage_error(v->cmd, "unknown option --force");
                        v->force = true;
                        break;
                case 't': {
                        char *end;
                        long t = strtol(optarg, &end, 10);

                        if (!takes_time)
                                return cmd_usage_error(v->cmd, "unknown option --time");
                        if (end == optarg || *end || t < 0 || t > 1000000)
                                return cmd_usage_error(v->cmd, "--time \"%s\": expected seconds",
                                                       optarg);
                        v->timeout = (int)t;
                        v->timeout_set = true;
                        break;
                }
                case 'h':
                        fputs(v->help, stdout);
                        return -1;
                default:
                        return cmd_usage_error(v->cmd, "see the options above");
                }
        }
        if (v->kind == POD_RM && v->timeout_set && !v->force)
                return cmd_usage_error(v->cmd,
                                       "--force option must be specified to use the --time option");
        if (optind >= argc && !v->all && !v->latest)
                return cmd_usage_error(v->cmd, "expected a pod name or ID, --all or --latest");
        if (optind < argc && (v->all || v->latest))
                return cmd_usage_error(v->cmd, "--all and --latest take no pod names");
        if (v->all && v->latest)
                return cmd_usage_error(v->cmd, "--all and --latest cannot be used together");
        /* podman: rm --force ignores pods that are not there */
        if (v->force)
                v->ignore = true;
        return 0;
}

static int
act(struct storage *s, struct berth_ctx *ctx, const struct verb *v, const char *id,
    struct berr **err)
{
        int r;

        switch (v->kind) {
        case POD_START:
                return runtime_pod_start(s, ctx, id, err);
        case POD_STOP:
                return runtime_pod_stop(s, ctx, id, v->timeout, err);
        case POD_RESTART:
                r = runtime_pod_stop(s, ctx, id, -1, err);
                return r < 0 ? r : runtime_pod_start(s, ctx, id, err);
        case POD_RM:
                return runtime_pod_remove(s, ctx, id, v->force, v->timeout, err);
        }
        return -EINVAL;
}

/*
 * The pods named, all of them, or the newest, as podman takes them: every
 * name is looked up before anything is done, and one that is not there
 * stops it all (unless --ignore). Then each is acted on, its ID printed,
 * and a failure does not stop the others.
 */
static int
run_verb(struct berth_ctx *ctx, int argc, char **argv, struct verb *v)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *ids = json_array();
        int r = parse_verb(argc, argv, v), status = 0;
        size_t i;
        json_t *id;

        if (r != 0)
                return r < 0 ? 0 : r;
        if (!ids)
                return print_error(NULL);
        if (cmd_open_store(ctx, &s))
                return EXIT_POD_FAILED;
        if (v->all) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_(json_decrefp) json_t *all = NULL;
                json_t *p;

                if (runtime_pod_list(s, ctx, &all, &err) < 0)
                        return print_error(err);
                json_array_foreach (all, i, p) {
                        json_array_append(ids, json_object_get(p, "id"));
                }
        } else if (v->latest) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *newest = NULL;

                r = pod_latest(s, ctx, &newest, &err);
                if (r < 0) {
                        (void)print_error(err);
                        /* podman pod rm: 1 for a pod that is not there */
                        return r == -ENOENT && v->kind == POD_RM ? 1 : EXIT_POD_FAILED;
                }
                json_array_append_new(ids, json_string(newest));
        }
        for (int k = optind; k < argc; k++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_(json_decrefp) json_t *rec = NULL;

                r = runtime_pod_find(s, ctx, argv[k], &rec, &err);
                if (r == -ENOENT && v->ignore)
                        continue;
                if (r < 0) {
                        (void)pod_print_find_error(argv[k], r, err);
                        /* podman pod rm: 1 for a pod that is not there */
                        return r == -ENOENT && v->kind == POD_RM ? 1 : EXIT_POD_FAILED;
                }
                json_array_append(ids, json_object_get(rec, "id"));
        }
        json_array_foreach (ids, i, id) {
                _cleanup_(berr_freep) struct berr *err = NULL;

                r = act(s, ctx, v, json_string_value(id), &err);
                if (r < 0) {
                        status = print_error(err);
                        continue;
                }
                printf("%s\n", json_string_value(id));
        }
        return status;
}

static int
pod_start_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        struct verb v = {.kind = POD_START,
                         .cmd = "pod start",
                         .timeout = -1,
                         .help = "Usage: berth pod start [options] POD...\n\n"
                                 "Start pods: their sandboxes, then their containers (init\n"
                                 "containers first, each to its end). Print their IDs.\n\n"
                                 "Options:\n"
                                 "  -a, --all      every pod\n"
                                 "  -l, --latest   the newest pod\n"
                                 "  -h, --help     show this help\n"};
        return run_verb(ctx, argc, argv, &v);
}

static int
pod_stop_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        struct verb v = {.kind = POD_STOP,
                         .cmd = "pod stop",
                         .timeout = -1,
                         .help = "Usage: berth pod stop [options] POD...\n\n"
                                 "Stop pods: their containers (the stop signal, then SIGKILL "
                                 "after\nthe timeout), then their sandboxes and networks. Print "
                                 "their IDs.\n\n"
                                 "Options:\n"
                                 "  -t, --time N   seconds to wait before SIGKILL (default: each\n"
                                 "                 container's own, 10)\n"
                                 "  -a, --all      every pod\n"
                                 "  -l, --latest   the newest pod\n"
                                 "  -i, --ignore   no error for a pod that is not there\n"
                                 "  -h, --help     show this help\n"};
        return run_verb(ctx, argc, argv, &v);
}

static int
pod_restart_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        struct verb v = {.kind = POD_RESTART,
                         .cmd = "pod restart",
                         .timeout = -1,
                         .help = "Usage: berth pod restart [options] POD...\n\n"
                                 "Stop pods and start them again. Print their IDs.\n\n"
                                 "Options:\n"
                                 "  -a, --all      every pod\n"
                                 "  -l, --latest   the newest pod\n"
                                 "  -h, --help     show this help\n"};
        return run_verb(ctx, argc, argv, &v);
}

static int
pod_rm_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        struct verb v = {.kind = POD_RM,
                         .cmd = "pod rm",
                         .timeout = -1,
                         .help = "Usage: berth pod rm [options] POD...\n\n"
                                 "Remove pods: their containers, sandboxes, networks, cgroups\n"
                                 "and records. A pod with running containers only with --force.\n"
                                 "Print their IDs.\n\n"
                                 "Options:\n"
                                 "  -f, --force    stop running containers first (and ignore "
                                 "pods\n"
                                 "                 that are not there)\n"
                                 "  -t, --time N   seconds to wait before SIGKILL, with --force\n"
                                 "  -a, --all      every pod\n"
                                 "  -l, --latest   the newest pod\n"
                                 "  -i, --ignore   no error for a pod that is not there\n"
                                 "  -h, --help     show this help\n"};
        return run_verb(ctx, argc, argv, &v);
}

static const struct berth_cmd pod_commands[] = {
        {"create", "Create a pod", pod_create_cmd},
        {"exists", "Tell whether a pod exists", pod_exists_cmd},
        {"inspect", "Show pods as JSON", pod_inspect_cmd},
        {"logs", "Print the output of a pod's containers", cmd_pod_logs},
        {"ps", "List pods", pod_ps_cmd},
        {"ls", NULL, pod_ps_cmd},
        {"list", NULL, pod_ps_cmd},
        {"restart", "Restart pods", pod_restart_cmd},
        {"rm", "Remove pods", pod_rm_cmd},
        {"start", "Start pods", pod_start_cmd},
        {"stop", "Stop pods", pod_stop_cmd},
        {NULL, NULL, NULL},
};

static void
pod_help(FILE *f)
{
        fputs("Usage: berth pod COMMAND [ARGS...]\n\n"
              "Manage pods: groups of containers that share a sandbox (network, IPC and\n"
              "UTS namespaces, published ports), as podman's pods.\n\n"
              "Commands:\n",
              f);
        for (const struct berth_cmd *c = pod_commands; c->name; c++)
                if (c->summary)
                        fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fputs("\nRun 'berth pod COMMAND --help' for more about a command.\n", f);
}

int
cmd_pod(struct berth_ctx *ctx, int argc, char **argv)
{
        return cmd_dispatch(ctx, "pod", pod_commands, argc - 1, argv + 1, pod_help);
}
