/* cmd/run.c: berth run and berth create */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

/* podman's exit statuses for run: the container's own, or these when berth fails */
#define EXIT_BERTH 125
#define EXIT_CANNOT_INVOKE 126
#define EXIT_NOT_FOUND 127

struct strv {
        char **v;
        size_t n;
};

static int
strv_push(struct strv *s, const char *x)
{
        char **v = realloc(s->v, (s->n + 2) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        s->v = v;
        if (!(v[s->n] = strdup(x)))
                return -ENOMEM;
        v[++s->n] = NULL;
        return 0;
}

static void
strv_clear(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        s->v = NULL;
        s->n = 0;
}

static void
create_help(FILE *f, const char *cmd)
{
        fprintf(f,
                "Usage: berth %s [options] IMAGE [COMMAND [ARG...]]\n"
                "\n"
                "%s\n"
                "\n"
                "Options:\n"
                "%s"
                "      --name NAME              name the container\n"
                "      --rm                     remove the container when it exits\n"
                "  -e, --env NAME=VALUE         set an environment variable\n"
                "      --entrypoint CMD         replace the image's entrypoint\n"
                "  -w, --workdir DIR            working directory in the container\n"
                "  -u, --user USER[:GROUP]      run as this user (name or number)\n"
                "  -h, --hostname NAME          the container's host name (default: its short ID)\n"
                "  -t, --tty                    give the container a terminal (its monitor's)\n"
                "  -i, --interactive            pass standard input on (with -t: this terminal)\n"
                "      --detach-keys KEYS       with -t: detach with these (ctrl-p,ctrl-q)\n"
                "  -v, --volume SRC:DST[:OPTS]  bind mount SRC (ro, rw, nosuid, nodev, noexec)\n"
                "      --device HOST[:CTR][:PERMS]\n"
                "                               give a host device (permissions rwm by default)\n"
                "  -l, --label KEY=VALUE        label the container\n"
                "      --network MODE           private (default: loopback only), none or host\n"
                "      --privileged             every capability, no seccomp, no masked paths\n"
                "      --read-only              the root file system read-only\n"
                "      --cap-add CAP            add a capability (CAP_NET_ADMIN, net_admin, ALL)\n"
                "      --cap-drop CAP           drop a capability\n"
                "      --security-opt OPT       seccomp=unconfined|FILE\n"
                "  -m, --memory SIZE            memory limit (512m, 1g)\n"
                "      --cpus N                 CPU limit (1.5)\n"
                "      --cpuset-cpus LIST       CPUs allowed (0-3,8)\n"
                "      --pids-limit N           most processes at once (2048; -1: none)\n"
                "      --runtime NAME           runc, crun or a path (default: built in)\n"
                "      --stop-signal SIG        signal that stops it (default SIGTERM)\n"
                "      --stop-timeout N         seconds before SIGKILL on stop (default 10)\n"
                "      --restart POLICY         no (default), always or on-failure[:N]\n"
                "      --shared-base-layers[=true|false|required]\n"
                "                               image layers of the shared store used in place\n"
                "      --log-opt max-size=SIZE  rotate the log at SIZE\n"
                "      --pull POLICY            missing (default), always or never\n"
                "      --help                   show this help\n",
                cmd,
                strcmp(cmd, "run") == 0 ? "Create a container from IMAGE and start it."
                                        : "Create a container from IMAGE, without starting it.",
                strcmp(cmd, "run") == 0
                        ? "  -d, --detach                 run in the background, print its ID\n"
                        : "");
}

/* "512m", "1g", "100000" (bytes) */
static int
parse_size(const char *s, int64_t *ret)
{
        char *end;
        double v = strtod(s, &end);
        int64_t mul = 1;

        if (end == s || v < 0)
                return -EINVAL;
        switch (*end) {
        case 'b':
        case 'B':
                mul = 1;
                end++;
                break;
        case 'k':
        case 'K':
                mul = 1024;
                end++;
                break;
        case 'm':
        case 'M':
                mul = 1024 * 1024;
                end++;
                break;
        case 'g':
        case 'G':
                mul = 1024LL * 1024 * 1024;
                end++;
                break;
        default:
                break;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end)
                return -EINVAL;
        *ret = (int64_t)(v * (double)mul);
        return 0;
}

struct create_args {
        struct runtime_create_opts o;
        struct strv env, caps_add, caps_drop, volumes, devices, labels, entrypoint, args;
        const char *pull;
        const char *detach_keys;
        bool detach;
        int restart_max;   /* --restart on-failure:N */
        int shared_layers; /* --shared-base-layers: enum storage_shared + 1; 0: the global one */
};

static void
create_args_clear(struct create_args *a)
{
        strv_clear(&a->env);
        strv_clear(&a->caps_add);
        strv_clear(&a->caps_drop);
        strv_clear(&a->volumes);
        strv_clear(&a->devices);
        strv_clear(&a->labels);
        strv_clear(&a->entrypoint);
        strv_clear(&a->args);
}

enum {
        OPT_NAME = 256,
        OPT_RM,
        OPT_ENTRYPOINT,
        OPT_NETWORK,
        OPT_PRIVILEGED,
        OPT_READ_ONLY,
        OPT_CAP_ADD,
        OPT_DEVICE,
        OPT_CAP_DROP,
        OPT_SECURITY_OPT,
        OPT_CPUS,
        OPT_CPUSET,
        OPT_PIDS,
        OPT_RUNTIME,
        OPT_STOP_SIGNAL,
        OPT_STOP_TIMEOUT,
        OPT_LOG_OPT,
        OPT_PULL,
        OPT_DETACH_KEYS,
        OPT_RESTART,
        OPT_SHARED_LAYERS,
        OPT_HELP,
};

/*
 * podman's --restart: no, always, unless-stopped (always: a stop by the
 * user is never undone either way), on-failure[:N] (at most N restarts)
 */
static int
parse_restart(const char *cmd, const char *arg, struct create_args *a)
{
        const char *colon = strchr(arg, ':');
        size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

        a->o.restart_policy = NULL;
        a->restart_max = 0;
        if (len == 2 && strncmp(arg, "no", len) == 0)
                a->o.restart_policy = NULL;
        else if ((len == 6 && strncmp(arg, "always", len) == 0) ||
                 (len == 14 && strncmp(arg, "unless-stopped", len) == 0))
                a->o.restart_policy = "Always";
        else if (len == 10 && strncmp(arg, "on-failure", len) == 0)
                a->o.restart_policy = "OnFailure";
        else
                return cmd_usage_error(cmd,
                                       "--restart %s: expected no, always, unless-stopped or "
                                       "on-failure[:N]",
                                       arg);
        if (colon) {
                char *end;
                long v;

                if (!a->o.restart_policy || strcmp(a->o.restart_policy, "OnFailure") != 0)
                        return cmd_usage_error(cmd,
                                               "--restart %s: a number of restarts goes with "
                                               "on-failure only",
                                               arg);
                errno = 0;
                v = strtol(colon + 1, &end, 10);
                if (errno != 0 || end == colon + 1 || *end || v < 0 || v > INT32_MAX)
                        return cmd_usage_error(cmd, "--restart %s: expected on-failure:N, N >= 0",
                                               arg);
                a->restart_max = (int)v;
        }
        return 0;
}

static int
parse_create(const char *cmd, int argc, char **argv, struct create_args *a)
{
        static const struct option options[] = {
                {"detach", no_argument, NULL, 'd'},
                {"name", required_argument, NULL, OPT_NAME},
                {"rm", no_argument, NULL, OPT_RM},
                {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
                {"env", required_argument, NULL, 'e'},
                {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
                {"workdir", required_argument, NULL, 'w'},
                {"user", required_argument, NULL, 'u'},
                {"hostname", required_argument, NULL, 'h'},
                {"tty", no_argument, NULL, 't'},
                {"interactive", no_argument, NULL, 'i'},
                {"volume", required_argument, NULL, 'v'},
                {"label", required_argument, NULL, 'l'},
                {"network", required_argument, NULL, OPT_NETWORK},
                {"net", required_argument, NULL, OPT_NETWORK},
                {"privileged", no_argument, NULL, OPT_PRIVILEGED},
                {"read-only", no_argument, NULL, OPT_READ_ONLY},
                {"cap-add", required_argument, NULL, OPT_CAP_ADD},
                {"device", required_argument, NULL, OPT_DEVICE},
                {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
                {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
                {"memory", required_argument, NULL, 'm'},
                {"cpus", required_argument, NULL, OPT_CPUS},
                {"cpuset-cpus", required_argument, NULL, OPT_CPUSET},
                {"pids-limit", required_argument, NULL, OPT_PIDS},
                {"runtime", required_argument, NULL, OPT_RUNTIME},
                {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
                {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
                {"log-opt", required_argument, NULL, OPT_LOG_OPT},
                {"pull", required_argument, NULL, OPT_PULL},
                {"restart", required_argument, NULL, OPT_RESTART},
                {"shared-base-layers", optional_argument, NULL, OPT_SHARED_LAYERS},
                {"help", no_argument, NULL, OPT_HELP},
                {NULL, 0, NULL, 0},
        };
        bool run = strcmp(cmd, "run") == 0;
        int c, r = 0;

        a->o.stop_timeout = -1;
        a->pull = "missing";
        optind = 1;
        /* "+": options end at the image; what follows is the container's */
        while ((c = getopt_long(argc, argv, run ? "+de:w:u:h:tiv:l:m:" : "+e:w:u:h:tiv:l:m:",
                                options, NULL)) != -1) {
                switch (c) {
                case 'd':
                        if (!run)
                                return cmd_usage_error(cmd, "unknown option --detach");
                        a->detach = true;
                        break;
                case OPT_NAME:
                        a->o.name = optarg;
                        break;
                case OPT_RM:
                        a->o.auto_remove = true;
                        break;
                case OPT_DETACH_KEYS:
                        a->detach_keys = optarg;
                        break;
                case 'e':
                        if (!strchr(optarg, '=')) {
                                /* podman: NAME alone takes the value from berth's environment */
                                const char *v = getenv(optarg);
                                char *kv = NULL;
                                if (!v)
                                        break;
                                if (asprintf(&kv, "%s=%s", optarg, v) < 0)
                                        return EXIT_INVALID;
                                r = strv_push(&a->env, kv);
                                free(kv);
                        } else {
                                r = strv_push(&a->env, optarg);
                        }
                        break;
                case OPT_ENTRYPOINT:
                        strv_clear(&a->entrypoint);
                        r = optarg[0] ? strv_push(&a->entrypoint, optarg) : 0;
                        if (!optarg[0])
                                r = strv_push(&a->entrypoint, "");
                        break;
                case 'w':
                        a->o.workdir = optarg;
                        break;
                case 'u':
                        a->o.user = optarg;
                        break;
                case 'h':
                        a->o.hostname = optarg;
                        break;
                case 't':
                        a->o.tty = true;
                        break;
                case 'i':
                        a->o.interactive = true;
                        break;
                case 'v':
                        r = strv_push(&a->volumes, optarg);
                        break;
                case 'l':
                        r = strv_push(&a->labels, optarg);
                        break;
                case OPT_NETWORK:
                        a->o.network = optarg;
                        break;
                case OPT_PRIVILEGED:
                        a->o.privileged = true;
                        break;
                case OPT_READ_ONLY:
                        a->o.read_only = true;
                        break;
                case OPT_CAP_ADD:
                        r = strv_push(&a->caps_add, optarg);
                        break;
                case OPT_DEVICE:
                        r = strv_push(&a->devices, optarg);
                        break;
                case OPT_CAP_DROP:
                        r = strv_push(&a->caps_drop, optarg);
                        break;
                case OPT_SECURITY_OPT:
                        if (strncmp(optarg, "seccomp=", 8) == 0)
                                a->o.seccomp = optarg + 8;
                        else if (strcmp(optarg, "no-new-privileges") != 0 &&
                                 strcmp(optarg, "no-new-privileges=true") != 0)
                                return cmd_usage_error(cmd,
                                                       "--security-opt %s: expected seccomp=... "
                                                       "or no-new-privileges",
                                                       optarg);
                        break;
                case 'm':
                        if (parse_size(optarg, &a->o.memory) < 0 || a->o.memory < 6 * 1024 * 1024)
                                return cmd_usage_error(cmd,
                                                       "--memory %s: expected a size of at "
                                                       "least 6m (512m, 1g)",
                                                       optarg);
                        break;
                case OPT_CPUS: {
                        char *end;
                        double v = strtod(optarg, &end);
                        if (*end || v <= 0 || v > 1024)
                                return cmd_usage_error(cmd, "--cpus %s: expected a number of CPUs",
                                                       optarg);
                        a->o.cpu_millis = (int64_t)(v * 1000 + 0.5);
                        break;
                }
                case OPT_CPUSET:
                        a->o.cpuset_cpus = optarg;
                        break;
                case OPT_PIDS: {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < -1)
                                return cmd_usage_error(cmd, "--pids-limit %s: expected a number",
                                                       optarg);
                        a->o.pids_limit = v <= 0 ? -1 : v; /* as podman: 0 and -1, none */
                        break;
                }
                case OPT_RUNTIME:
                        a->o.runtime = optarg;
                        break;
                case OPT_STOP_SIGNAL:
                        if (runtime_signal_from_name(optarg) < 0)
                                return cmd_usage_error(cmd, "--stop-signal %s: not a signal",
                                                       optarg);
                        a->o.stop_signal = optarg;
                        break;
                case OPT_STOP_TIMEOUT: {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (*end || v < 0 || v > 86400)
                                return cmd_usage_error(cmd, "--stop-timeout %s: expected seconds",
                                                       optarg);
                        a->o.stop_timeout = (int)v;
                        break;
                }
                case OPT_LOG_OPT: {
                        int64_t size;
                        if (strncmp(optarg, "max-size=", 9) != 0 ||
                            parse_size(optarg + 9, &size) < 0)
                                return cmd_usage_error(cmd, "--log-opt %s: expected max-size=SIZE",
                                                       optarg);
                        a->o.log_max_size = (uint64_t)size;
                        break;
                }
                case OPT_PULL:
                        if (strcmp(optarg, "missing") != 0 && strcmp(optarg, "always") != 0 &&
                            strcmp(optarg, "never") != 0)
                                return cmd_usage_error(cmd,
                                                       "--pull %s: expected missing, always "
                                                       "or never",
                                                       optarg);
                        a->pull = optarg;
                        break;
                case OPT_RESTART:
                        r = parse_restart(cmd, optarg, a);
                        if (r != 0)
                                return r;
                        break;
                case OPT_SHARED_LAYERS:
                        r = cmd_parse_shared_layers(cmd, optarg);
                        if (r < 0)
                                return EXIT_USAGE;
                        a->shared_layers = r + 1;
                        break;
                case OPT_HELP:
                        create_help(stdout, cmd);
                        return -1;
                default:
                        create_help(stderr, cmd);
                        return EXIT_USAGE;
                }
                if (r < 0)
                        return EXIT_INVALID;
        }
        if (optind >= argc)
                return cmd_usage_error(cmd, "no image given (berth %s [options] IMAGE [COMMAND])",
                                       cmd);
        if (a->o.restart_policy && a->o.auto_remove)
                return cmd_usage_error(cmd, "the --rm option conflicts with --restart, when the "
                                            "restartPolicy is not \"\" and \"no\"");
        a->o.image = argv[optind++];
        for (; optind < argc; optind++)
                if (strv_push(&a->args, argv[optind]) < 0)
                        return EXIT_INVALID;
        a->o.env = a->env.v;
        a->o.cap_add = a->caps_add.v;
        a->o.cap_drop = a->caps_drop.v;
        a->o.volumes = a->volumes.v;
        a->o.devices = a->devices.v;
        a->o.labels = a->labels.v;
        a->o.entrypoint = a->entrypoint.v;
        a->o.args = a->args.v;
        return 0;
}

/* the image, pulled first when the policy says so */
static int
ensure_image(struct storage *s, const struct create_args *a, struct berr **err)
{
        struct storage_image img = {0};
        _cleanup_free_ char *id = NULL;
        int r;

        if (strcmp(a->pull, "always") != 0) {
                r = storage_image_find(s, a->o.image, &img, NULL);
                storage_image_clear(&img);
                if (r == 0)
                        return 0;
                if (strcmp(a->pull, "never") == 0)
                        return berr(err, ENOENT, "%s: image not known, and --pull=never",
                                    a->o.image);
        }
        fprintf(stderr, "Trying to pull %s...\n", a->o.image);
        return storage_pull(s, a->o.image, &id, err);
}

static int
exit_status_of(const struct berr *err)
{
        if (err && err->msg && strstr(err->msg, "not found in $PATH"))
                return EXIT_NOT_FOUND;
        if (err && err->msg && strstr(err->msg, "Permission denied"))
                return EXIT_CANNOT_INVOKE;
        return EXIT_BERTH;
}

struct attach {
        struct storage *s;
        struct berth_ctx *ctx;
        const char *id;
        int sigfd;
};

/* asked by the log follower at each wake-up: pass our signals on to the container */
static bool
forward_signals(void *userdata)
{
        struct attach *at = userdata;
        struct signalfd_siginfo si;

        while (read(at->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                (void)runtime_kill(at->s, at->ctx, at->id, (int)si.ssi_signo, NULL);
        return false;
}

static int
create_or_run(struct berth_ctx *ctx, int argc, char **argv, bool run)
{
        const char *cmd = run ? "run" : "create";
        _cleanup_(create_args_clear) struct create_args a = {0};
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *id = NULL;
        _cleanup_(json_decrefp) json_t *spec = NULL;
        struct storage_opts so = cmd_storage_opts(ctx);
        struct runtime_starting *st = NULL;
        int r, code = 0;
        bool rm;

        r = parse_create(cmd, argc, argv, &a);
        if (r != 0)
                return r < 0 ? 0 : r;
        if (a.shared_layers > 0)
                so.shared_layers = (enum storage_shared)(a.shared_layers - 1);
        /*
         * --rm with -d: the monitor removes it; in the foreground, we do once we have its status.
         * A restart policy leaves the container to its monitor: in the foreground, berth run
         * follows it until its first exit and returns that exit's status.
         */
        rm = a.o.auto_remove;
        if (run && !a.detach && !a.o.restart_policy) {
                a.o.auto_remove = false;
                a.o.attached = true;
        } else {
                a.o.interactive = false; /* nothing attaches to it later */
        }
        /* what the start needs of the bundle, without reading it back */
        if (run)
                a.o.ret_spec = &spec;
        if (storage_open(&so, &s, &err) < 0 || ensure_image(s, &a, &err) < 0 ||
            runtime_create(s, ctx, &a.o, &id, &err) < 0 ||
            (a.restart_max > 0 && runtime_set_restart_max(s, ctx, id, a.restart_max, &err) < 0)) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_BERTH;
        }
        if (!run) {
                printf("%s\n", id);
                return 0;
        }
        {
                sigset_t mask;
                struct attach at = {.s = s, .ctx = ctx, .id = id, .sigfd = -1};
                struct runtime_logs_opts lo = {
                        .follow = true, .tail = -1, .stop = forward_signals, .userdata = &at};

                r = runtime_start_begin(s, ctx, id, spec, &st, &err);
                if (r > 0)
                        r = runtime_start_finish(st, &err);
                if (r < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        code = exit_status_of(err);
                        if (rm)
                                (void)runtime_remove(s, ctx, id, true, 0, NULL);
                        return code;
                }
                if (a.detach) {
                        printf("%s\n", id);
                        return 0;
                }
                /* the foreground with a terminal: attached to it through the monitor */
                if (a.o.tty) {
                        struct runtime_attach_opts ao = {.stdin_ = a.o.interactive,
                                                         .detach_keys = a.detach_keys,
                                                         .sig_proxy = !a.o.interactive};

                        r = runtime_attach(s, ctx, id, &ao, &err);
                        if (r == 1)
                                return 0; /* detached: it runs on */
                        if (r < 0)
                                fprintf(stderr, "Error: %s\n", err->msg);
                        berr_freep(&err);
                        goto wait;
                }
                /* the foreground: the log as it comes, our signals passed on, its exit status */
                sigemptyset(&mask);
                sigaddset(&mask, SIGINT);
                sigaddset(&mask, SIGTERM);
                sigaddset(&mask, SIGHUP);
                sigaddset(&mask, SIGQUIT);
                if (sigprocmask(SIG_BLOCK, &mask, NULL) == 0)
                        at.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
                (void)runtime_logs(s, ctx, id, &lo, NULL);
                if (at.sigfd >= 0)
                        (void)close(at.sigfd);
        wait:
                if (runtime_wait(s, ctx, id, &code, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        code = EXIT_BERTH;
                }
        }
        if (rm)
                (void)runtime_remove(s, ctx, id, true, 0, NULL);
        return code;
}

int
cmd_run(struct berth_ctx *ctx, int argc, char **argv)
{
        return create_or_run(ctx, argc, argv, true);
}

int
cmd_create(struct berth_ctx *ctx, int argc, char **argv)
{
        return create_or_run(ctx, argc, argv, false);
}
