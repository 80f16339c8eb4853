/* cmd/containers.c: berth start, stop, kill, rm, wait, logs, exec and the internal helpers */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

int
cmd_open_store(struct berth_ctx *ctx, struct storage **ret)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct storage_opts so = {.root = ctx->root, .tls_verify = -1};

        if (storage_open(&so, ret, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_INVALID;
        }
        return 0;
}

struct storage_opts
cmd_storage_opts(const struct berth_ctx *ctx)
{
        return (struct storage_opts){
                .root = ctx->root,
                .tls_verify = -1,
                .shared_store = ctx->shared_store,
                .shared_layers = (enum storage_shared)ctx->shared_layers,
                .shared_dirs_only = ctx->shared_dirs_only,
        };
}

int
cmd_parse_shared_layers(const char *cmd, const char *arg)
{
        if (!arg || strcmp(arg, "true") == 0)
                return STORAGE_SHARED_ON;
        if (strcmp(arg, "false") == 0)
                return STORAGE_SHARED_OFF;
        if (strcmp(arg, "required") == 0)
                return STORAGE_SHARED_REQUIRED;
        (void)cmd_usage_error(cmd, "--shared-base-layers=%s: expected true, false or required",
                              arg);
        return -1;
}

int
cmd_open_store_seeing_shared(struct berth_ctx *ctx, struct storage **ret)
{
        if (ctx->shared_store && ctx->shared_layers == STORAGE_SHARED_OFF)
                ctx->shared_layers = STORAGE_SHARED_ON;
        return cmd_open_store_shared(ctx, ret);
}

int
cmd_open_store_shared(struct berth_ctx *ctx, struct storage **ret)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct storage_opts so = cmd_storage_opts(ctx);

        if (storage_open(&so, ret, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_INVALID;
        }
        return 0;
}

/* the options of a command that takes only --help and names */
struct simple {
        const char *cmd, *usage, *what;
        int time; /* -t/--time, for stop and rm; -2: not taken */
        bool force, all;
        bool running_only; /* --all means the running ones */
        int sig;
};

static int
parse_simple(int argc, char **argv, struct simple *o)
{
        static const struct option options[] = {
                {"time", required_argument, NULL, 't'},
                {"timeout", required_argument, NULL, 't'},
                {"force", no_argument, NULL, 'f'},
                {"all", no_argument, NULL, 'a'},
                {"signal", required_argument, NULL, 's'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "t:fas:h", options, NULL)) != -1) {
                switch (c) {
                case 't': {
                        char *end;
                        long v = strtol(optarg, &end, 10);
                        if (o->time == -2 || *end || v < -1)
                                return cmd_usage_error(o->cmd, "--time %s: expected seconds",
                                                       optarg);
                        o->time = (int)v;
                        break;
                }
                case 'f':
                        o->force = true;
                        break;
                case 'a':
                        o->all = true;
                        break;
                case 's':
                        o->sig = runtime_signal_from_name(optarg);
                        if (o->sig < 0)
                                return cmd_usage_error(o->cmd, "--signal %s: not a signal", optarg);
                        break;
                case 'h':
                        printf("Usage: berth %s %s\n\n%s\n", o->cmd, o->usage, o->what);
                        return -1;
                default:
                        fprintf(stderr, "Usage: berth %s %s\n", o->cmd, o->usage);
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc && !o->all)
                return cmd_usage_error(o->cmd, "no container given");
        return 0;
}

typedef int (*each_fn)(struct storage *s, struct berth_ctx *ctx, const char *what,
                       const struct simple *o, struct berr **err);

/* run fn on every container named (or every one, with --all); podman's output and status */
static int
for_each(struct berth_ctx *ctx, int argc, char **argv, struct simple *o, each_fn fn)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *all = NULL;
        int r = parse_simple(argc, argv, o), status = 0;

        if (r != 0)
                return r < 0 ? 0 : r;
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        if (o->all) {
                struct berr *err = NULL;
                json_t *c;
                size_t i;
                if (runtime_list(s, ctx, &all, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        berr_free(err);
                        return EXIT_INVALID;
                }
                json_array_foreach (all, i, c) {
                        const char *id = json_string_value(json_object_get(c, "id"));
                        const char *state = json_string_value(json_object_get(c, "state"));
                        /* kill --all: the running ones */
                        if (o->running_only && !(state && strcmp(state, "running") == 0))
                                continue;
                        if (fn(s, ctx, id, o, &err) < 0) {
                                fprintf(stderr, "Error: %s\n", err->msg);
                                err = berr_free(err);
                                status = EXIT_INVALID;
                        } else {
                                printf("%s\n", id);
                        }
                }
                return status;
        }
        for (int i = optind; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                if (fn(s, ctx, argv[i], o, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        /* podman: 125 for a container that is not there, 1 otherwise... */
                        status = berr_code(err) == -ENOENT ? 125 : EXIT_INVALID;
                } else {
                        printf("%s\n", argv[i]);
                }
        }
        return status;
}

static int
do_start(struct storage *s, struct berth_ctx *ctx, const char *what, const struct simple *o,
         struct berr **err)
{
        return runtime_start(s, ctx, what, err);
}

static int
do_stop(struct storage *s, struct berth_ctx *ctx, const char *what, const struct simple *o,
        struct berr **err)
{
        return runtime_stop(s, ctx, what, o->time, err);
}

static int
do_kill(struct storage *s, struct berth_ctx *ctx, const char *what, const struct simple *o,
        struct berr **err)
{
        return runtime_kill(s, ctx, what, o->sig, err);
}

static int
do_rm(struct storage *s, struct berth_ctx *ctx, const char *what, const struct simple *o,
      struct berr **err)
{
        return runtime_remove(s, ctx, what, o->force, o->time, err);
}

int
cmd_start(struct berth_ctx *ctx, int argc, char **argv)
{
        struct simple o = {.cmd = "start",
                           .usage = "[options] CONTAINER...",
                           .what = "Start containers.",
                           .time = -2};
        return for_each(ctx, argc, argv, &o, do_start);
}

int
cmd_stop(struct berth_ctx *ctx, int argc, char **argv)
{
        struct simple o = {.cmd = "stop",
                           .usage = "[options] CONTAINER...",
                           .what = "Stop running containers: the stop signal, then SIGKILL after "
                                   "the timeout.\n\n"
                                   "Options:\n"
                                   "  -t, --time N   seconds to wait before SIGKILL (default: the "
                                   "container's, 10)\n"
                                   "  -a, --all      every container",
                           .time = -1};
        return for_each(ctx, argc, argv, &o, do_stop);
}

int
cmd_kill(struct berth_ctx *ctx, int argc, char **argv)
{
        struct simple o = {.cmd = "kill",
                           .usage = "[options] CONTAINER...",
                           .what = "Send a signal to running containers.\n\n"
                                   "Options:\n"
                                   "  -s, --signal SIG   the signal (default SIGKILL)\n"
                                   "  -a, --all          every running container",
                           .time = -2,
                           .sig = 9};
        return for_each(ctx, argc, argv, &o, do_kill);
}

int
cmd_rm(struct berth_ctx *ctx, int argc, char **argv)
{
        struct simple o = {.cmd = "rm",
                           .usage = "[options] CONTAINER...",
                           .what = "Remove containers.\n\n"
                                   "Options:\n"
                                   "  -f, --force    stop running containers first\n"
                                   "  -t, --time N   seconds to wait before SIGKILL, with --force\n"
                                   "  -a, --all      every container",
                           .time = -1};
        return for_each(ctx, argc, argv, &o, do_rm);
}

int
cmd_wait(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        struct simple o = {.cmd = "wait",
                           .usage = "CONTAINER...",
                           .what = "Wait for containers to exit and print their exit codes.",
                           .time = -2};
        int r = parse_simple(argc, argv, &o), status = 0;

        if (r != 0)
                return r < 0 ? 0 : r;
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        for (int i = optind; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                int code;
                if (runtime_wait(s, ctx, argv[i], &code, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        status = 125;
                } else {
                        printf("%d\n", code);
                }
        }
        return status;
}

int
cmd_logs(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"follow", no_argument, NULL, 'f'},
                {"timestamps", no_argument, NULL, 't'},
                {"since", required_argument, NULL, 's'},
                {"until", required_argument, NULL, 'u'},
                {"tail", required_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct runtime_logs_opts lo = {.tail = -1};
        struct timespec now;
        int c, r;

        clock_gettime(CLOCK_REALTIME, &now);
        optind = 1;
        while ((c = getopt_long(argc, argv, "ftn:h", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        lo.follow = true;
                        break;
                case 't':
                        lo.timestamps = true;
                        break;
                case 's':
                case 'u':
                        if (runtime_parse_time(optarg, now, c == 's' ? &lo.since : &lo.until) < 0)
                                return cmd_usage_error("logs",
                                                       "--%s %s: expected a time (RFC 3339, Unix "
                                                       "seconds) or a duration (10m, 1h30m)",
                                                       c == 's' ? "since" : "until", optarg);
                        break;
                case 'n': {
                        char *end;
                        long long v = strtoll(optarg, &end, 10);
                        if (*end || v < -1)
                                return cmd_usage_error("logs",
                                                       "--tail %s: expected a number of "
                                                       "lines",
                                                       optarg);
                        lo.tail = v;
                        break;
                }
                case 'h':
                        printf("Usage: berth logs [options] CONTAINER\n\n"
                               "Print a container's output (stdout and stderr).\n\n"
                               "Options:\n"
                               "  -f, --follow         keep printing output as it comes\n"
                               "  -t, --timestamps     print each line's time\n"
                               "      --since TIME     only lines after TIME (RFC 3339, Unix "
                               "seconds, or 10m ago)\n"
                               "      --until TIME     only lines before TIME\n"
                               "  -n, --tail N         only the last N lines\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind != argc - 1)
                return cmd_usage_error("logs", "expected one container");
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        if (runtime_logs(s, ctx, argv[optind], &lo, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return berr_code(err) == -ENOENT ? 125 : EXIT_INVALID;
        }
        return 0;
}

int
cmd_attach(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_DETACH_KEYS = 256, OPT_NO_STDIN, OPT_SIG_PROXY };
        static const struct option options[] = {
                {"detach-keys", required_argument, NULL, OPT_DETACH_KEYS},
                {"no-stdin", no_argument, NULL, OPT_NO_STDIN},
                {"sig-proxy", required_argument, NULL, OPT_SIG_PROXY},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct runtime_attach_opts ao = {.stdin_ = true, .sig_proxy = true};
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                switch (c) {
                case OPT_DETACH_KEYS: {
                        char keys[16];
                        if (runtime_parse_detach_keys(optarg, keys, sizeof(keys)) < 0)
                                return cmd_usage_error("attach",
                                                       "--detach-keys %s: expected keys such as "
                                                       "ctrl-p,ctrl-q",
                                                       optarg);
                        ao.detach_keys = optarg;
                        break;
                }
                case OPT_NO_STDIN:
                        ao.stdin_ = false;
                        break;
                case OPT_SIG_PROXY:
                        if (strcmp(optarg, "true") != 0 && strcmp(optarg, "false") != 0)
                                return cmd_usage_error(
                                        "attach", "--sig-proxy %s: expected true or false", optarg);
                        ao.sig_proxy = strcmp(optarg, "true") == 0;
                        break;
                case 'h':
                        printf("Usage: berth attach [options] CONTAINER\n\n"
                               "Attach to the terminal of a running container made with --tty:\n"
                               "its output here, what is typed here to it. The detach keys\n"
                               "leave it running.\n\n"
                               "Options:\n"
                               "      --detach-keys KEYS  detach with these (default: "
                               "ctrl-p,ctrl-q)\n"
                               "      --no-stdin          do not pass standard input on\n"
                               "      --sig-proxy BOOL    pass signals on (default: true)\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind != argc - 1)
                return cmd_usage_error("attach", "expected one container");
        /* with our terminal raw, ^C is typed into the container's: no signal to pass on */
        if (ao.stdin_ && isatty(STDIN_FILENO))
                ao.sig_proxy = false;
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        r = runtime_attach(s, ctx, argv[optind], &ao, &err);
        if (r < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return 125;
        }
        return 0;
}

int
cmd_exec(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"interactive", no_argument, NULL, 'i'},
                {"tty", no_argument, NULL, 't'},
                {"user", required_argument, NULL, 'u'},
                {"workdir", required_argument, NULL, 'w'},
                {"env", required_argument, NULL, 'e'},
                {"privileged", no_argument, NULL, 'P'},
                {"detach", no_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char **env = NULL;
        struct runtime_exec_opts eo = {0};
        size_t n_env = 0;
        int c, r, code = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "+itu:w:e:dh", options, NULL)) != -1) {
                switch (c) {
                case 'i':
                        eo.interactive = true;
                        break;
                case 't':
                        eo.tty = true;
                        break;
                case 'u':
                        eo.user = optarg;
                        break;
                case 'w':
                        eo.workdir = optarg;
                        break;
                case 'e': {
                        char **v = realloc(env, (n_env + 2) * sizeof(*v));
                        if (!v)
                                return EXIT_INVALID;
                        env = v;
                        /* NAME alone: its value in berth's environment, as podman */
                        if (!strchr(optarg, '=')) {
                                const char *val = getenv(optarg);
                                if (!val)
                                        break;
                                if (asprintf(&env[n_env], "%s=%s", optarg, val) < 0)
                                        return EXIT_INVALID;
                                /* kept until exit: the command line's lifetime */
                                n_env++;
                        } else {
                                env[n_env++] = optarg;
                        }
                        env[n_env] = NULL;
                        break;
                }
                case 'P':
                        eo.privileged = true;
                        break;
                case 'd':
                        eo.detach = true;
                        break;
                case 'h':
                        printf("Usage: berth exec [options] CONTAINER COMMAND [ARG...]\n\n"
                               "Run a command in a running container.\n\n"
                               "Options:\n"
                               "  -i, --interactive   pass standard input on\n"
                               "  -t, --tty           (the command shares berth's terminal)\n"
                               "  -u, --user USER     run as USER[:GROUP] (name or number)\n"
                               "  -w, --workdir DIR   working directory\n"
                               "  -e, --env NAME=VAL  set an environment variable\n"
                               "      --privileged    every capability, no seccomp\n"
                               "  -d, --detach        do not wait for the command\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (argc - optind < 2)
                return cmd_usage_error("exec", "expected a container and a command");
        eo.env = env;
        eo.argv = argv + optind + 1;
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return 125;
        if (runtime_exec(s, ctx, argv[optind], &eo, &code, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                if (err->msg && strstr(err->msg, "not found in $PATH"))
                        return 127;
                return err->msg && strstr(err->msg, "Permission denied") ? 126 : 125;
        }
        return code;
}

/*
 * berth internal cleanup|restart ID: what berth-monitor becomes once the
 * container exited (restart: when its restart policy starts it again)
 */
int
cmd_internal(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        bool restart;
        int r;

        if (argc != 3 || (strcmp(argv[1], "cleanup") != 0 && strcmp(argv[1], "restart") != 0)) {
                fprintf(stderr, "berth internal: for berth-monitor only\n");
                return EXIT_USAGE;
        }
        restart = strcmp(argv[1], "restart") == 0;
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        r = restart ? runtime_internal_restart(s, ctx, argv[2], &err)
                    : runtime_internal_cleanup(s, ctx, argv[2], true, &err);
        if (r < 0) {
                fprintf(stderr, "berth internal %s: %s\n", argv[1], err->msg);
                return EXIT_INVALID;
        }
        return 0;
}
