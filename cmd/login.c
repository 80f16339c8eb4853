/* cmd/login.c: berth login, berth logout (podman's auth.json) */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

/* One line from f without its newline; echo off when f is a terminal and secret. */
static char *
read_line(FILE *f, const char *prompt, bool secret)
{
        struct termios old, quiet;
        bool restore = false;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;

        if (prompt) {
                fputs(prompt, stderr);
                fflush(stderr);
        }
        if (secret && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0) {
                quiet = old;
                quiet.c_lflag &= ~(tcflag_t)ECHO;
                restore = tcsetattr(fileno(f), TCSAFLUSH, &quiet) == 0;
        }
        n = getline(&line, &cap, f);
        if (restore) {
                (void)tcsetattr(fileno(f), TCSAFLUSH, &old);
                fputc('\n', stderr);
        }
        if (n < 0) {
                free(line);
                return NULL;
        }
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                line[--n] = '\0';
        return line;
}

static int
parse_tls(const char *cmd, const char *arg, int *ret)
{
        if (!arg || strcmp(arg, "true") == 0)
                *ret = 1;
        else if (strcmp(arg, "false") == 0)
                *ret = 0;
        else
                return cmd_usage_error(cmd,
                                       "--tls-verify: \"%s\" is not valid, expected true or "
                                       "false",
                                       arg);
        return 0;
}

int
cmd_login(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_TLS = 0x100, OPT_AUTHFILE, OPT_STDIN };
        static const struct option options[] = {
                {"username", required_argument, NULL, 'u'},
                {"password", required_argument, NULL, 'p'},
                {"password-stdin", no_argument, NULL, OPT_STDIN},
                {"authfile", required_argument, NULL, OPT_AUTHFILE},
                {"tls-verify", optional_argument, NULL, OPT_TLS},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct storage_opts so = {.root = ctx->root, .tls_verify = -1};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *user = NULL, *password = NULL;
        bool from_stdin = false;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "u:p:h", options, NULL)) != -1) {
                switch (c) {
                case 'u':
                        free(user);
                        user = strdup(optarg);
                        break;
                case 'p':
                        free(password);
                        password = strdup(optarg);
                        break;
                case OPT_STDIN:
                        from_stdin = true;
                        break;
                case OPT_AUTHFILE:
                        so.auth_file = optarg;
                        break;
                case OPT_TLS:
                        if (parse_tls("login", optarg, &so.tls_verify))
                                return EXIT_USAGE;
                        break;
                case 'h':
                        printf("Usage: berth login [options] REGISTRY\n\n"
                               "Check credentials against a registry and keep them in podman's\n"
                               "auth.json, where berth pull (and podman, skopeo) find them.\n\n"
                               "Options:\n"
                               "  -u, --username USER    the user (asked for when not given)\n"
                               "  -p, --password PASS    the password (prefer --password-stdin)\n"
                               "      --password-stdin   read the password from standard input\n"
                               "      --authfile FILE    the auth file (default: podman's)\n"
                               "      --tls-verify=false do not check certificates; allow HTTP\n"
                               "  -h, --help             show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("login", "see the options above");
                }
        }
        if (optind + 1 != argc)
                return cmd_usage_error("login", "expected one registry, such as quay.io");
        if (from_stdin && password)
                return cmd_usage_error("login", "--password and --password-stdin exclude each "
                                                "other");
        if (!user && !(user = read_line(stdin, "Username: ", false)))
                return cmd_usage_error("login", "expected a username (--username)");
        if (!password)
                password = read_line(stdin, from_stdin ? NULL : "Password: ", true);
        if (!password)
                return cmd_usage_error("login", "expected a password (--password-stdin)");
        if (storage_login(&so, argv[optind], user, password, &err) < 0) {
                fprintf(stderr, "berth: login %s: %s\n", argv[optind], err->msg);
                explicit_bzero(password, strlen(password));
                return EXIT_INVALID;
        }
        explicit_bzero(password, strlen(password));
        printf("Login Succeeded!\n");
        return 0;
}

int
cmd_logout(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_AUTHFILE = 0x100 };
        static const struct option options[] = {
                {"all", no_argument, NULL, 'a'},
                {"authfile", required_argument, NULL, OPT_AUTHFILE},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct storage_opts so = {.root = ctx->root, .tls_verify = -1};
        _cleanup_(berr_freep) struct berr *err = NULL;
        bool all = false;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "ah", options, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case OPT_AUTHFILE:
                        so.auth_file = optarg;
                        break;
                case 'h':
                        printf("Usage: berth logout [options] REGISTRY\n\n"
                               "Forget the credentials kept for a registry.\n\n"
                               "Options:\n"
                               "  -a, --all              forget every registry's\n"
                               "      --authfile FILE    the auth file (default: podman's)\n"
                               "  -h, --help             show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("logout", "see the options above");
                }
        }
        if (all ? optind != argc : optind + 1 != argc)
                return cmd_usage_error("logout", all ? "--all takes no registry"
                                                     : "expected one registry, such as quay.io");
        r = storage_logout(&so, all ? NULL : argv[optind], &err);
        if (r < 0) {
                fprintf(stderr, "berth: logout: %s\n", err->msg);
                return EXIT_INVALID;
        }
        if (all)
                printf("Removed login credentials for all registries\n");
        else if (r == 0) {
                fprintf(stderr, "berth: logout: not logged into %s\n", argv[optind]);
                return EXIT_INVALID;
        } else
                printf("Removed login credentials for %s\n", argv[optind]);
        return 0;
}
