/* cmd/version.c: berth version [--format json] */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cmd.h"

static void
version_help(FILE *f)
{
        fputs("Usage: berth version [--format text|json]\n"
              "\n"
              "Show the berth version and the machine it runs on.\n"
              "\n"
              "Options:\n"
              "  -f, --format FORMAT   text (default) or json\n"
              "  -h, --help            show this help\n",
              f);
}

static const char *
go_arch(const char *machine)
{
        /* the names OCI image indexes use */
        if (strcmp(machine, "x86_64") == 0)
                return "amd64";
        if (strcmp(machine, "aarch64") == 0)
                return "arm64";
        return machine;
}

int
cmd_version(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        const char *format = "text";
        struct utsname u;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        version_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("version", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("version", "unexpected argument \"%s\"", argv[optind]);
        if (uname(&u) < 0)
                strcpy(u.machine, "unknown");
        if (strcmp(format, "json") == 0) {
                json_t *j = json_pack("{s:s, s:s}", "Version", BERTH_VERSION, "OsArch", "");
                char osarch[128];
                snprintf(osarch, sizeof(osarch), "linux/%s", go_arch(u.machine));
                if (!j || json_object_set_new(j, "OsArch", json_string(osarch)) < 0)
                        return EXIT_INVALID;
                json_dumpf(j, stdout, JSON_INDENT(2));
                fputc('\n', stdout);
                json_decref(j);
                return 0;
        }
        if (strcmp(format, "text") != 0)
                return cmd_usage_error(
                        "version", "--format: \"%s\" is not valid, expected text or json", format);
        printf("Version:      %s\nOS/Arch:      linux/%s\n", BERTH_VERSION, go_arch(u.machine));
        return 0;
}
