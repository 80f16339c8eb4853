/* cmd/volume.c: berth volume create|ls|inspect|rm|prune, as podman's `volume` verbs */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

/* podman volume rm's exit statuses: a volume not there, a volume in use, anything else */
#define EXIT_RM_NO_SUCH 1
#define EXIT_RM_IN_USE 2
#define EXIT_RM_OTHER 125

struct users_ctx {
        struct storage *s;
        struct berth_ctx *ctx;
};

/* Whether the mount source src is the volume's mount point or below it. */
static bool
source_in(const char *src, const char *mountpoint)
{
        size_t n = strlen(mountpoint);

        return src && strncmp(src, mountpoint, n) == 0 && (src[n] == '\0' || src[n] == '/');
}

/*
 * struct volume_users for the runtime's containers: those whose OCI spec
 * mounts the volume's data directory (or something in it), running or
 * not, as podman counts them. *ret_users: their IDs, ", " between.
 */
static int
containers_using(void *userdata, const struct volume *v, char **ret_users, struct berr **err)
{
        struct users_ctx *u = userdata;
        _cleanup_(json_decrefp) json_t *all = NULL;
        _cleanup_free_ char *users = NULL;
        json_t *c;
        size_t i;
        int r;

        r = runtime_list(u->s, u->ctx, &all, err);
        if (r < 0)
                return r;
        json_array_foreach (all, i, c) {
                const char *id = json_string_value(json_object_get(c, "id"));
                _cleanup_(json_decrefp) json_t *full = NULL;
                json_t *mounts, *m;
                bool uses = false;
                size_t k;

                if (!id || runtime_inspect(u->s, u->ctx, id, &full, NULL) < 0)
                        continue;
                mounts = json_object_get(json_object_get(full, "spec"), "mounts");
                json_array_foreach (mounts, k, m)
                        if (source_in(json_string_value(json_object_get(m, "source")),
                                      v->mountpoint))
                                uses = true;
                if (!uses)
                        continue;
                {
                        char *more = NULL;

                        if (asprintf(&more, "%s%s%s", users ? users : "", users ? ", " : "", id) <
                            0)
                                return berr(err, ENOMEM, "containers");
                        free(users);
                        users = more;
                }
        }
        if (!users)
                return 0;
        *ret_users = TAKE_PTR(users);
        return 1;
}

static int
print_error(struct berr *err)
{
        fprintf(stderr, "Error: %s\n", err ? err->msg : "out of memory");
        return EXIT_INVALID;
}

/* "-h"/"--help" as the only thing after the verb, for the verbs with no other options */
static bool
wants_help(int argc, char **argv)
{
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
                        return true;
        return false;
}

static int
volume_create_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"label", required_argument, NULL, 'l'},
                {"ignore", no_argument, NULL, 'i'},
                {"driver", required_argument, NULL, 'd'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *labels = json_object();
        _cleanup_(volume_clear) struct volume v = {0};
        unsigned flags = 0;
        int c, r;

        if (!labels)
                return print_error(NULL);
        optind = 1;
        while ((c = getopt_long(argc, argv, "l:d:h", options, NULL)) != -1) {
                switch (c) {
                case 'l': {
                        const char *eq = strchr(optarg, '=');
                        _cleanup_free_ char *k =
                                strndup(optarg, eq ? (size_t)(eq - optarg) : strlen(optarg));

                        if (!k || !*k)
                                return cmd_usage_error("volume create",
                                                       "--label \"%s\": expected KEY=VALUE",
                                                       optarg);
                        if (json_object_set_new(labels, k, json_string(eq ? eq + 1 : "")) < 0)
                                return print_error(NULL);
                        break;
                }
                case 'i':
                        flags |= VOLUME_CREATE_IGNORE;
                        break;
                case 'd':
                        if (strcmp(optarg, "local") != 0)
                                return cmd_usage_error("volume create",
                                                       "--driver \"%s\": not supported, expected "
                                                       "local",
                                                       optarg);
                        break;
                case 'h':
                        printf("Usage: berth volume create [options] NAME\n\n"
                               "Create a named volume: a directory in the store that containers\n"
                               "mount, kept until removed.\n\n"
                               "Options:\n"
                               "  -l, --label KEY=VALUE   a label (repeat for more)\n"
                               "      --ignore            no error when the volume exists\n"
                               "  -d, --driver local      the only driver berth has\n"
                               "  -h, --help              show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("volume create", "see the options above");
                }
        }
        if (optind != argc - 1)
                return cmd_usage_error("volume create", "expected one volume name");
        if (cmd_open_store(ctx, &s))
                return EXIT_INVALID;
        r = volume_create(s, argv[optind], labels, flags, &v, &err);
        if (r < 0)
                return print_error(err);
        printf("%s\n", v.name);
        return 0;
}

static int
volume_ls_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"quiet", no_argument, NULL, 'q'},
                {"noheading", no_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *all = NULL;
        bool json = false, quiet = false, heading = true;
        json_t *v;
        size_t i;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:qnh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "table") != 0)
                                return cmd_usage_error("volume ls",
                                                       "--format: \"%s\" is not valid, expected "
                                                       "table or json",
                                                       optarg);
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'n':
                        heading = false;
                        break;
                case 'h':
                        printf("Usage: berth volume ls [options]\n\nList the named volumes.\n\n"
                               "Options:\n"
                               "  -f, --format FORMAT   table (default) or json\n"
                               "  -q, --quiet           print volume names only\n"
                               "  -n, --noheading       no header line\n"
                               "  -h, --help            show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("volume ls", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("volume ls", "unexpected argument \"%s\"", argv[optind]);
        if (cmd_open_store(ctx, &s))
                return EXIT_INVALID;
        if (volume_list(s, &all, &err) < 0)
                return print_error(err);
        if (json) {
                json_dumpf(all, stdout, JSON_INDENT(4));
                fputc('\n', stdout);
                return 0;
        }
        if (heading && !quiet)
                printf("%-11s %s\n", "DRIVER", "VOLUME NAME");
        json_array_foreach (all, i, v) {
                const char *name = json_string_value(json_object_get(v, "Name"));

                if (quiet)
                        printf("%s\n", name);
                else
                        printf("%-11s %s\n", json_string_value(json_object_get(v, "Driver")), name);
        }
        return 0;
}

static int
volume_inspect_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *out = json_array();
        int status = 0;

        if (wants_help(argc, argv)) {
                printf("Usage: berth volume inspect NAME...\n\n"
                       "Show volumes as a JSON array: name, driver, mount point, creation time,\n"
                       "labels, scope and options.\n");
                return 0;
        }
        if (argc < 2)
                return cmd_usage_error("volume inspect", "expected a volume name");
        if (!out)
                return print_error(NULL);
        if (cmd_open_store(ctx, &s))
                return EXIT_INVALID;
        for (int i = 1; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *v = NULL;

                if (volume_inspect(s, argv[i], &v, &err) < 0) {
                        status = print_error(err);
                        continue;
                }
                json_array_append_new(out, v);
        }
        json_dumpf(out, stdout, JSON_INDENT(4));
        fputc('\n', stdout);
        return status;
}

/* rm --force: the containers using v go first, as with podman. */
static int
remove_users(struct users_ctx *u, const struct volume *v, struct berr **err)
{
        _cleanup_free_ char *users = NULL;
        char *save = NULL;
        int r;

        r = containers_using(u, v, &users, err);
        if (r <= 0)
                return r;
        for (char *id = strtok_r(users, ", ", &save); id; id = strtok_r(NULL, ", ", &save)) {
                r = runtime_remove(u->s, u->ctx, id, true, -1, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int
volume_rm_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"force", no_argument, NULL, 'f'},
                {"all", no_argument, NULL, 'a'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *all = NULL;
        _cleanup_(strv_freep) char **names = NULL;
        struct users_ctx u = {.ctx = ctx};
        struct volume_users users = {.in_use = containers_using, .userdata = &u};
        bool force = false, every = false;
        int c, status = 0;
        size_t n = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "fah", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'a':
                        every = true;
                        break;
                case 'h':
                        printf("Usage: berth volume rm [options] NAME...\n\n"
                               "Remove named volumes and their data. A volume that a container\n"
                               "mounts is refused, unless --force, which removes those\n"
                               "containers first.\n\n"
                               "Options:\n"
                               "  -f, --force   remove the containers using it, then the volume\n"
                               "  -a, --all     every volume\n"
                               "  -h, --help    show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("volume rm", "see the options above");
                }
        }
        if (optind >= argc && !every)
                return cmd_usage_error("volume rm", "expected a volume name, or --all");
        if (optind < argc && every)
                return cmd_usage_error("volume rm", "--all takes no volume names");
        if (cmd_open_store(ctx, &s))
                return EXIT_INVALID;
        u.s = s;
        if (every) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *v;
                size_t i;

                if (volume_list(s, &all, &err) < 0)
                        return print_error(err);
                names = calloc(json_array_size(all) + 1, sizeof(*names));
                if (!names)
                        return print_error(NULL);
                json_array_foreach (all, i, v) {
                        names[n] = strdup(json_string_value(json_object_get(v, "Name")));
                        if (!names[n++])
                                return print_error(NULL);
                }
        } else {
                names = strv_copy(argv + optind);
                if (!names)
                        return print_error(NULL);
                n = strv_length(names);
        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_(volume_clear) struct volume v = {0};
                int r = 0;

                if (force) {
                        r = volume_find(s, names[i], &v, &err);
                        if (r >= 0)
                                r = remove_users(&u, &v, &err);
                }
                if (r >= 0)
                        r = volume_remove(s, names[i], force, &users, &err);
                if (r < 0) {
                        int st = r == -ENOENT  ? EXIT_RM_NO_SUCH
                                 : r == -EBUSY ? EXIT_RM_IN_USE
                                               : EXIT_RM_OTHER;

                        (void)print_error(err);
                        /* the worst of them, as podman reports it */
                        if (st == EXIT_RM_OTHER ||
                            (st == EXIT_RM_IN_USE && status != EXIT_RM_OTHER) || status == 0)
                                status = st;
                        continue;
                }
                printf("%s\n", names[i]);
        }
        return status;
}

/* The names of the volumes nothing uses, for prune's question. */
static int
unused_volumes(struct storage *s, struct users_ctx *u, char ***ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        _cleanup_(strv_freep) char **names = NULL;
        size_t i, n = 0;
        json_t *j;
        int r;

        r = volume_list(s, &all, err);
        if (r < 0)
                return r;
        names = calloc(json_array_size(all) + 1, sizeof(*names));
        if (!names)
                return berr(err, ENOMEM, "volumes");
        json_array_foreach (all, i, j) {
                _cleanup_free_ char *who = NULL;
                struct volume v = {
                        .name = (char *)json_string_value(json_object_get(j, "Name")),
                        .mountpoint = (char *)json_string_value(json_object_get(j, "Mountpoint")),
                };

                if (!v.name || !v.mountpoint)
                        continue;
                r = containers_using(u, &v, &who, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                names[n] = strdup(v.name);
                if (!names[n++])
                        return berr(err, ENOMEM, "volumes");
        }
        *ret = TAKE_PTR(names);
        return 0;
}

static int
volume_prune_cmd(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **removed = NULL;
        struct users_ctx u = {.ctx = ctx};
        struct volume_users users = {.in_use = containers_using, .userdata = &u};
        bool force = false;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("Usage: berth volume prune [options]\n\n"
                               "Remove every volume no container uses.\n\n"
                               "Options:\n"
                               "  -f, --force   do not ask first\n"
                               "  -h, --help    show this help\n");
                        return 0;
                default:
                        return cmd_usage_error("volume prune", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("volume prune", "unexpected argument \"%s\"", argv[optind]);
        if (cmd_open_store(ctx, &s))
                return EXIT_INVALID;
        u.s = s;
        if (!force) {
                _cleanup_(strv_freep) char **unused = NULL;
                char answer[16] = "";

                if (unused_volumes(s, &u, &unused, &err) < 0)
                        return print_error(err);
                if (!unused || !unused[0])
                        return 0;
                printf("WARNING! This will remove all volumes not used by at least one container. "
                       "The following volumes will be removed:\n");
                for (char **v = unused; *v; v++)
                        printf("%s\n", *v);
                printf("Are you sure you want to continue? [y/N] ");
                fflush(stdout);
                if (!fgets(answer, sizeof(answer), stdin) ||
                    (strcmp(answer, "y\n") != 0 && strcmp(answer, "Y\n") != 0 &&
                     strcmp(answer, "yes\n") != 0))
                        return 0;
        }
        if (volume_prune(s, &users, &removed, NULL, &err) < 0)
                return print_error(err);
        for (char **v = removed; v && *v; v++)
                printf("%s\n", *v);
        return 0;
}

static void
volume_help(FILE *f)
{
        fputs("Usage: berth volume COMMAND [ARGS...]\n\nManage named volumes.\n\nCommands:\n"
              "  create     Create a volume\n"
              "  inspect    Show volumes (JSON)\n"
              "  ls         List volumes\n"
              "  prune      Remove every volume no container uses\n"
              "  rm         Remove volumes\n",
              f);
}

int
cmd_volume(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct berth_cmd volume_commands[] = {
                {"create", "Create a volume", volume_create_cmd},
                {"inspect", "Show volumes", volume_inspect_cmd},
                {"ls", "List volumes", volume_ls_cmd},
                {"list", "List volumes", volume_ls_cmd},
                {"prune", "Remove unused volumes", volume_prune_cmd},
                {"rm", "Remove volumes", volume_rm_cmd},
                {"remove", "Remove volumes", volume_rm_cmd},
                {NULL, NULL, NULL},
        };
        return cmd_dispatch(ctx, "volume", volume_commands, argc - 1, argv + 1, volume_help);
}
