/* cmd/kube-play.c: berth kube play and berth kube down */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd.h"
#include "reconcile/reconcile.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/ctx.h"

#define EXIT_PLAY 125

/* podman's report: a Pod: block and a Container: block per pod, volumes first */
static void
print_report(const json_t *report)
{
        const json_t *v, *pod, *c;
        size_t i, k;

        if (json_array_size(json_object_get(report, "volumes")) > 0) {
                printf("Volume:\n");
                json_array_foreach (json_object_get(report, "volumes"), i, v) {
                        printf("%s\n", json_string_value(v));
                }
                printf("\n");
        }
        json_array_foreach (json_object_get(report, "pods"), i, pod) {
                printf("Pod:\n%s\n", json_string_value(json_object_get(pod, "id")));
                if (json_array_size(json_object_get(pod, "initContainers")) > 0) {
                        printf("Init Containers:\n");
                        json_array_foreach (json_object_get(pod, "initContainers"), k, c) {
                                printf("%s\n", json_string_value(c));
                        }
                }
                printf("Container:\n");
                json_array_foreach (json_object_get(pod, "containers"), k, c) {
                        printf("%s\n", json_string_value(c));
                }
                printf("\n");
        }
}

/*
 * --wait: until every container the play made has exited; SIGINT or
 * SIGTERM meanwhile takes the pods down (kube down of the same files).
 * The exit status: 0 when every container exited 0, else 1.
 */
static int
wait_for_pods(struct storage *s, struct berth_ctx *ctx, const json_t *report, char *const *paths,
              size_t n_paths)
{
        _cleanup_close_ int sfd = -EBADF;
        const json_t *pod, *c;
        sigset_t mask;
        size_t i, k;
        int status = 0;

        sigemptyset(&mask);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTERM);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
                return EXIT_PLAY;
        json_array_foreach (json_object_get(report, "pods"), i, pod) {
                json_array_foreach (json_object_get(pod, "containers"), k, c) {
                        for (;;) {
                                _cleanup_(json_decrefp) json_t *rec = NULL;
                                struct signalfd_siginfo si;
                                const char *st;

                                if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                        struct reconcile_down_opts o = {0};
                                        _cleanup_(json_decrefp) json_t *down = NULL;

                                        fprintf(stderr, "Taking the pods down...\n");
                                        (void)reconcile_down(s, ctx, paths, n_paths, &o, &down,
                                                             NULL);
                                        return 128 + (int)si.ssi_signo;
                                }
                                if (runtime_inspect(s, ctx, json_string_value(c), &rec, NULL) < 0)
                                        break;
                                st = json_string_value(json_object_get(rec, "state"));
                                if (st && strcmp(st, "exited") == 0) {
                                        if (json_integer_value(json_object_get(rec, "exitCode")))
                                                status = 1;
                                        break;
                                }
                                usleep(100000);
                        }
                }
        }
        return status;
}

static int
bool_arg(const char *cmd, const char *opt, const char *v, bool *ret)
{
        if (strcmp(v, "true") == 0)
                *ret = true;
        else if (strcmp(v, "false") == 0)
                *ret = false;
        else
                return cmd_usage_error(cmd, "--%s %s: expected true or false", opt, v);
        return 0;
}

int
cmd_kube_play(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_REPLACE = 256, OPT_START, OPT_NETWORK, OPT_FORMAT, OPT_WAIT, OPT_SHARED };
        static const struct option options[] = {
                {"replace", no_argument, NULL, OPT_REPLACE},
                {"shared-base-layers", optional_argument, NULL, OPT_SHARED},
                {"wait", no_argument, NULL, OPT_WAIT},
                {"start", required_argument, NULL, OPT_START},
                {"network", required_argument, NULL, OPT_NETWORK},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *report = NULL;
        struct reconcile_play_opts o = {.start = true};
        bool json = false, quiet = false, wait = false;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
                case OPT_SHARED:
                        r = cmd_parse_shared_layers("kube play", optarg);
                        if (r < 0)
                                return EXIT_USAGE;
                        ctx->shared_layers = r;
                        break;
                case OPT_REPLACE:
                        o.replace = true;
                        break;
                case OPT_WAIT:
                        wait = true;
                        break;
                case OPT_START:
                        r = bool_arg("kube play", "start", optarg, &o.start);
                        if (r)
                                return r;
                        break;
                case OPT_NETWORK:
                        if (strcmp(optarg, "bridge") != 0 && strcmp(optarg, "host") != 0 &&
                            strcmp(optarg, "none") != 0)
                                return cmd_usage_error("kube play",
                                                       "--network %s: expected bridge, host or "
                                                       "none",
                                                       optarg);
                        o.network = optarg;
                        break;
                case OPT_FORMAT:
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                                return cmd_usage_error(
                                        "kube play", "--format %s: expected json or text", optarg);
                        json = strcmp(optarg, "json") == 0;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        printf("Usage: berth kube play [options] FILE|DIR|-...\n\n"
                               "Run the pods that Kubernetes manifests describe: Pods and\n"
                               "Deployments, with their ConfigMaps, Secrets and\n"
                               "PersistentVolumeClaims.\n\n"
                               "Options:\n"
                               "      --replace         remove pods of the same names first\n"
                               "      --wait            wait until the containers exit; "
                               "Ctrl-C takes the pods down\n"
                               "      --start BOOL      start the pods (default: true)\n"
                               "      --network MODE    bridge (default), host or none, for "
                               "every pod\n"
                               "      --format FMT      text (default) or json\n"
                               "      --shared-base-layers[=true|false|required]\n"
                               "                        image layers of the shared store used "
                               "in place\n"
                               "  -q, --quiet           print nothing but errors\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc)
                return cmd_usage_error("kube play", "expected at least one FILE, DIR or -");
        r = cmd_open_store_shared(ctx, &s);
        if (r != 0)
                return r;
        r = reconcile_play(s, ctx, argv + optind, (size_t)(argc - optind), &o, &report, &err);
        if (r < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_PLAY;
        }
        if (json) {
                json_dumpf(report, stdout, JSON_INDENT(2));
                putchar('\n');
        } else if (!quiet) {
                print_report(report);
        }
        fflush(stdout);
        if (wait && o.start)
                return wait_for_pods(s, ctx, report, argv + optind, (size_t)(argc - optind));
        return 0;
}

int
cmd_kube_down(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_FORMAT = 256 };
        static const struct option options[] = {
                {"volumes", no_argument, NULL, 'v'},
                {"force", no_argument, NULL, 'f'},
                {"format", required_argument, NULL, OPT_FORMAT},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *report = NULL;
        struct reconcile_down_opts o = {0};
        bool json = false;
        const json_t *v;
        size_t i;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "vfh", options, NULL)) != -1) {
                switch (c) {
                case 'v':
                case 'f':
                        o.volumes = true;
                        break;
                case OPT_FORMAT:
                        if (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)
                                return cmd_usage_error(
                                        "kube down", "--format %s: expected json or text", optarg);
                        json = strcmp(optarg, "json") == 0;
                        break;
                case 'h':
                        printf("Usage: berth kube down [options] FILE|DIR|-...\n\n"
                               "Stop and remove the pods that the manifests describe, and\n"
                               "nothing else.\n\n"
                               "Options:\n"
                               "  -v, --volumes   also remove the volumes of their "
                               "PersistentVolumeClaims\n"
                               "  -f, --force     the same as --volumes (podman's name)\n"
                               "      --format F  text (default) or json\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc)
                return cmd_usage_error("kube down", "expected at least one FILE, DIR or -");
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        r = reconcile_down(s, ctx, argv + optind, (size_t)(argc - optind), &o, &report, &err);
        if (r < 0 && !report) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_PLAY;
        }
        if (json) {
                json_dumpf(report, stdout, JSON_INDENT(2));
                putchar('\n');
        } else {
                if (json_array_size(json_object_get(report, "pods")) > 0) {
                        printf("Pods stopped:\n");
                        json_array_foreach (json_object_get(report, "pods"), i, v) {
                                printf("%s\n", json_string_value(v));
                        }
                        printf("Pods removed:\n");
                        json_array_foreach (json_object_get(report, "pods"), i, v) {
                                printf("%s\n", json_string_value(v));
                        }
                }
                if (json_array_size(json_object_get(report, "volumes")) > 0) {
                        printf("Volumes removed:\n");
                        json_array_foreach (json_object_get(report, "volumes"), i, v) {
                                printf("%s\n", json_string_value(v));
                        }
                }
        }
        if (r < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_PLAY;
        }
        return 0;
}
