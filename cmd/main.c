/* cmd/main.c: global options, then the command */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "storage/berth-conf.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

static const struct berth_cmd commands[] = {
        {"attach", "Attach to a running container's terminal", cmd_attach},
        {"create", "Create a container", cmd_create},
        {"exec", "Run a command in a running container", cmd_exec},
        {"image", "Manage images", cmd_image},
        {"images", "List images in the store", cmd_images},
        {"inspect", "Show a container's record and spec as JSON", cmd_inspect},
        {"internal", NULL, cmd_internal},
        {"kill", "Send a signal to running containers", cmd_kill},
        {"kube", "Play, check and export Kubernetes YAML", cmd_kube},
        {"load", "Load images from an archive", cmd_load},
        {"login", "Log in to a registry", cmd_login},
        {"logout", "Log out of a registry", cmd_logout},
        {"logs", "Print a container's output", cmd_logs},
        {"pod", "Manage pods", cmd_pod},
        {"ps", "List containers", cmd_ps},
        {"pull", "Pull images from a registry", cmd_pull},
        {"rm", "Remove containers", cmd_rm},
        {"rmi", "Remove images", cmd_rmi},
        {"run", "Create a container and start it", cmd_run},
        {"save", "Save images to an archive", cmd_save},
        {"start", "Start containers", cmd_start},
        {"stop", "Stop running containers", cmd_stop},
        {"system", "Manage the store", cmd_system},
        {"version", "Show the berth version", cmd_version},
        {"volume", "Manage volumes", cmd_volume},
        {"wait", "Wait for containers to exit", cmd_wait},
        {NULL, NULL, NULL},
};

static void
main_help(FILE *f)
{
        fputs("Usage: berth [options] COMMAND [ARGS...]\n"
              "\n"
              "Run Kubernetes YAML on this machine, without a daemon.\n"
              "\n"
              "Commands:\n",
              f);
        for (const struct berth_cmd *c = commands; c->name; c++)
                if (c->summary)
                        fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fputs("  help       Show help for a command\n"
              "\n"
              "Options:\n"
              "      --root DIR          where images and state are kept (default /var/lib/berth,\n"
              "                          or $XDG_DATA_HOME/berth when not root)\n"
              "      --runroot DIR       where runtime state is kept (default /run/berth)\n"
              "      --shared-store DIR  the shared layer store on cluster storage (NFS, "
              "Lustre...)\n"
              "      --shared-base-layers[=true|false|required]\n"
              "                          use the shared store's layers in place (required: no\n"
              "                          fallback to local copies)\n"
              "      --shared-layer-format erofs|dir\n"
              "                          shared layers as EROFS images (default) or directories\n"
              "      --log-level LEVEL   error, warn, info or debug (default warn)\n"
              "  -h, --help              show this help\n"
              "  -v, --version           show the version\n"
              "\n"
              "Run 'berth COMMAND --help' for more about a command, or 'man berth'.\n",
              f);
}

int
cmd_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "berth: %s%s", cmd ? cmd : "", cmd ? ": " : "");
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nRun 'berth %s%s--help' for usage.\n", cmd ? cmd : "", cmd ? " " : "");
        return EXIT_USAGE;
}

int
cmd_dispatch(struct berth_ctx *ctx, const char *prefix, const struct berth_cmd *table, int argc,
             char **argv, void (*help)(FILE *f))
{
        if (argc < 1) {
                help(stderr);
                return EXIT_USAGE;
        }
        if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
            strcmp(argv[0], "help") == 0) {
                if (argc > 1 && strcmp(argv[0], "help") == 0) {
                        /* "help X Y" is "X Y --help" */
                        char *args[8];
                        int n = 0;

                        for (int i = 1; i < argc && n < 6; i++)
                                args[n++] = argv[i];
                        args[n++] = (char *)"--help";
                        args[n] = NULL;
                        return cmd_dispatch(ctx, prefix, table, n, args, help);
                }
                help(stdout);
                return 0;
        }
        for (const struct berth_cmd *c = table; c->name; c++)
                if (strcmp(c->name, argv[0]) == 0)
                        return c->run(ctx, argc, argv);
        return cmd_usage_error(prefix, "unknown command \"%s\"", argv[0]);
}

enum {
        OPT_ROOT = 0x100,
        OPT_RUNROOT,
        OPT_LOG_LEVEL,
        OPT_SHARED_STORE,
        OPT_SHARED_LAYERS,
        OPT_SHARED_FORMAT,
};

static const struct option global_options[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"runroot", required_argument, NULL, OPT_RUNROOT},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"shared-store", required_argument, NULL, OPT_SHARED_STORE},
        {"shared-base-layers", optional_argument, NULL, OPT_SHARED_LAYERS},
        {"shared-layer-format", required_argument, NULL, OPT_SHARED_FORMAT},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
};

static enum berth_log_level
log_level_from(const char *s)
{
        static const char *const names[] = {"error", "warn", "info", "debug"};

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(s, names[i]) == 0)
                        return (enum berth_log_level)i;
        return _BERTH_LOG_INVALID;
}

int
main(int argc, char **argv)
{
        _cleanup_free_ char *xdg_root = NULL;
        _cleanup_(berth_conf_done) struct berth_conf conf = {0};
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct berth_ctx ctx = {
                .root = "/var/lib/berth",
                .runroot = "/run/berth",
                .log_level = BERTH_LOG_WARN,
                .stderr_tty = isatty(STDERR_FILENO) == 1,
                .stdout_tty = isatty(STDOUT_FILENO) == 1,
        };
        int c;

        /* a reader that went away (a layer refused mid-stream, a closed pipe to head) is an
         * error to report, not a signal to die of */
        (void)signal(SIGPIPE, SIG_IGN);

        if (geteuid() != 0) {
                const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
                int r = -1;

                if (xdg && xdg[0])
                        r = asprintf(&xdg_root, "%s/berth", xdg);
                else if (home)
                        r = asprintf(&xdg_root, "%s/.local/share/berth", home);
                if (r >= 0)
                        ctx.root = xdg_root;
        }

        /* berth.conf (the system's, then the user's), then the environment, then flags */
        if (berth_conf_load(&conf, NULL, NULL, &err) < 0 || berth_conf_apply_env(&conf, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_INVALID;
        }

        /* "+": stop at the command, whose own options follow it */
        while ((c = getopt_long(argc, argv, "+hv", global_options, NULL)) != -1) {
                switch (c) {
                case OPT_SHARED_FORMAT:
                        if (berth_conf_set(&conf, "shared_layer_format", optarg,
                                           "--shared-layer-format", &err) < 0) {
                                fprintf(stderr, "Error: %s\n", err->msg);
                                return EXIT_USAGE;
                        }
                        break;
                case OPT_SHARED_STORE:
                case OPT_SHARED_LAYERS:
                        if (berth_conf_set(&conf,
                                           c == OPT_SHARED_STORE ? "shared_store"
                                                                 : "shared_base_layers",
                                           optarg ? optarg : "true",
                                           c == OPT_SHARED_STORE ? "--shared-store"
                                                                 : "--shared-base-layers",
                                           &err) < 0) {
                                fprintf(stderr, "Error: %s\n", err->msg);
                                return EXIT_USAGE;
                        }
                        break;
                case OPT_ROOT:
                        ctx.root = optarg;
                        break;
                case OPT_RUNROOT:
                        ctx.runroot = optarg;
                        break;
                case OPT_LOG_LEVEL:
                        ctx.log_level = log_level_from(optarg);
                        if ((int)ctx.log_level < 0)
                                return cmd_usage_error(NULL,
                                                       "--log-level: \"%s\" is not valid, expected "
                                                       "error, warn, info or debug",
                                                       optarg);
                        break;
                case 'h':
                        main_help(stdout);
                        return 0;
                case 'v':
                        printf("berth version %s\n", BERTH_VERSION);
                        return 0;
                default:
                        return cmd_usage_error(NULL, "see the options above");
                }
        }
        if (optind >= argc) {
                main_help(stderr);
                return EXIT_USAGE;
        }
        ctx.conf = &conf;
        ctx.shared_store = conf.shared_store;
        ctx.shared_layers =
                conf.shared_base_layers == BERTH_SHARED_LAYERS_REQUIRED ? STORAGE_SHARED_REQUIRED
                : conf.shared_base_layers == BERTH_SHARED_LAYERS_ON     ? STORAGE_SHARED_ON
                                                                        : STORAGE_SHARED_OFF;
        ctx.shared_dirs_only = conf.shared_layer_format == BERTH_LAYER_FORMAT_DIR;
        return cmd_dispatch(&ctx, NULL, commands, argc - optind, argv + optind, main_help);
}
