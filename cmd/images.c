/* cmd/images.c: berth images, berth image ls|inspect|rm, berth rmi, berth system df */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd/pod.h"
#include "storage/storage.h"
#include "system-info.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/strv.h"

static int
open_store(struct berth_ctx *ctx, const char *cmd, struct storage **ret)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct storage_opts so = {.root = ctx->root, .tls_verify = -1};

        if (storage_open(&so, ret, &err) < 0) {
                fprintf(stderr, "berth: %s: %s\n", cmd, err->msg);
                return EXIT_INVALID;
        }
        return 0;
}

/* podman's units for image sizes: decimal */
static void
size_text(uint64_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
        double v = (double)n;
        size_t u = 0;

        while (v >= 1000 && u + 1 < ELEMENTSOF(units)) {
                v /= 1000;
                u++;
        }
        snprintf(buf, size, u ? "%.3g %s" : "%.0f %s", v, units[u]);
}

static void
ago_text(int64_t created, char *buf, size_t size)
{
        int64_t d = (int64_t)time(NULL) - created;

        if (created <= 0)
                snprintf(buf, size, "unknown");
        else if (d < 60)
                snprintf(buf, size, "%s", d < 2 ? "About a second ago" : "Less than a minute ago");
        else if (d < 3600)
                snprintf(buf, size, "%lld minutes ago", (long long)(d / 60));
        else if (d < 86400)
                snprintf(buf, size, "%lld hours ago", (long long)(d / 3600));
        else if (d < 14 * 86400)
                snprintf(buf, size, "%lld days ago", (long long)(d / 86400));
        else if (d < 60 * 86400)
                snprintf(buf, size, "%lld weeks ago", (long long)(d / (7 * 86400)));
        else if (d < 2 * 365 * 86400)
                snprintf(buf, size, "%lld months ago", (long long)(d / (30 * 86400)));
        else
                snprintf(buf, size, "%lld years ago", (long long)(d / (365 * 86400)));
}

/* "docker.io/library/busybox:1.36" into repository and tag ("<none>" when a digest only). */
static void
split_name(const char *name, char *repo, size_t rsize, char *tag, size_t tsize)
{
        const char *at = strchr(name, '@');
        const char *slash = strrchr(name, '/');
        const char *colon = strrchr(slash ? slash : name, ':');
        size_t end = at ? (size_t)(at - name) : strlen(name);

        if (colon && (!at || colon < at)) {
                snprintf(repo, rsize, "%.*s", (int)(colon - name), name);
                snprintf(tag, tsize, "%.*s", (int)(end - (size_t)(colon + 1 - name)), colon + 1);
        } else {
                snprintf(repo, rsize, "%.*s", (int)end, name);
                snprintf(tag, tsize, "<none>");
        }
}

static char *
iso_time(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t)t;
        struct tm tm;

        if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                snprintf(buf, size, "unknown");
        return buf;
}

/* --format json: podman's fields; with a shared store, the layers used in place */
static void
print_images_json(const struct berth_ctx *ctx, struct storage *s, const struct storage_image *imgs,
                  size_t n)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < n; i++) {
                json_t *names = json_array(), *o;
                char when[64];

                for (size_t k = 0; names && k < imgs[i].n_names; k++)
                        json_array_append_new(names, json_string(imgs[i].names[k]));
                o = json_pack("{s:s, s:o, s:s?, s:I, s:s, s:I, s:i}", "Id", imgs[i].id, "Names",
                              names, "Digest", imgs[i].digest, "Created",
                              (json_int_t)imgs[i].created, "CreatedAt",
                              iso_time(imgs[i].created, when, sizeof(when)), "Size",
                              (json_int_t)imgs[i].size, "Layers", (int)imgs[i].n_layers);
                if (o && ctx->shared_store)
                        json_object_set_new(o, "SharedLayers",
                                            storage_image_shared_layers(s, &imgs[i]));
                json_array_append_new(arr, o);
        }
        json_dumpf(arr, stdout, JSON_INDENT(4));
        fputc('\n', stdout);
        json_decref(arr);
}

/* podman's columns, a line per name; with a shared store, its layers used in place ("2/3") */
static void
print_images_table(const struct berth_ctx *ctx, struct storage *s, const struct storage_image *imgs,
                   size_t n, bool no_trunc, bool heading)
{
        int size_w = ctx->shared_store ? 12 : 0;

        if (heading)
                printf("%-40s %-14s %-14s %-16s %-*s%s\n", "REPOSITORY", "TAG", "IMAGE ID",
                       "CREATED", size_w, "SIZE", ctx->shared_store ? " SHARED" : "");
        for (size_t i = 0; i < n; i++) {
                char repo[512], tag[160], ago[64], size[32], shared[48] = "";
                size_t rows = imgs[i].n_names ? imgs[i].n_names : 1;

                ago_text(imgs[i].created, ago, sizeof(ago));
                size_text(imgs[i].size, size, sizeof(size));
                if (ctx->shared_store) {
                        json_t *l = storage_image_shared_layers(s, &imgs[i]);

                        (void)snprintf(shared, sizeof(shared), " %zu/%zu", json_array_size(l),
                                       imgs[i].n_layers);
                        json_decref(l);
                }
                for (size_t k = 0; k < rows; k++) {
                        if (imgs[i].n_names) {
                                split_name(imgs[i].names[k], repo, sizeof(repo), tag, sizeof(tag));
                        } else {
                                snprintf(repo, sizeof(repo), "<none>");
                                snprintf(tag, sizeof(tag), "<none>");
                        }
                        printf("%-40s %-14s %-14.*s %-16s %-*s%s\n", repo, tag, no_trunc ? 64 : 12,
                               imgs[i].id, ago, size_w, size, shared);
                }
        }
}

/*
 * --format TEMPLATE: a line per name, as the table; the fields of podman's
 * image reporter ("table TEMPLATE": with a header line).
 */
static int
print_images_template(const struct storage_image *imgs, size_t n, const char *format, bool no_trunc,
                      bool heading, const char *cmd)
{
        _cleanup_(json_decrefp) json_t *headers = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "Repository", "REPOSITORY", "Tag",
                "TAG", "ID", "IMAGE ID", "Id", "IMAGE ID", "Digest", "DIGEST", "Created", "CREATED",
                "CreatedSince", "CREATED", "CreatedAt", "CREATED AT", "Size", "SIZE");
        _cleanup_(json_decrefp) json_t *rows = json_array();
        int r = headers && rows ? 0 : -ENOMEM;

        for (size_t i = 0; r == 0 && i < n; i++) {
                char ago[64], size[32], when[64];

                ago_text(imgs[i].created, ago, sizeof(ago));
                size_text(imgs[i].size, size, sizeof(size));
                iso_time(imgs[i].created, when, sizeof(when));
                for (size_t j = 0; r == 0 && j < (imgs[i].n_names ? imgs[i].n_names : 1); j++) {
                        char repo[512] = "<none>", tag[160] = "<none>";

                        if (imgs[i].n_names)
                                split_name(imgs[i].names[j], repo, sizeof(repo), tag, sizeof(tag));
                        if (json_array_append_new(
                                    rows,
                                    json_pack("{s:s, s:s, s:s#, s:s, s:s, s:s, s:s, s:s, s:s}",
                                              "Repository", repo, "Tag", tag, "ID", imgs[i].id,
                                              no_trunc ? 64 : 12, "Id", imgs[i].id, "Digest",
                                              imgs[i].digest ? imgs[i].digest : "", "Created", ago,
                                              "CreatedSince", ago, "CreatedAt", when, "Size",
                                              size)) < 0)
                                r = -ENOMEM;
                }
        }
        if (r == 0)
                r = pod_print_rows(stdout, format, heading, headers, rows);
        if (r == -EINVAL)
                return cmd_usage_error(cmd,
                                       "--format: \"%s\" is not valid, expected table, json or a "
                                       "Go template of {{.Field}}s",
                                       format);
        if (r < 0) {
                fprintf(stderr, "berth: %s: out of memory\n", cmd);
                return EXIT_INVALID;
        }
        return 0;
}

static int
list_images(struct berth_ctx *ctx, int argc, char **argv, const char *cmd)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'}, {"quiet", no_argument, NULL, 'q'},
                {"no-trunc", no_argument, NULL, 'n'},     {"noheading", no_argument, NULL, 'H'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct storage_image *imgs = NULL;
        size_t n = 0;
        bool json = false, quiet = false, no_trunc = false, heading = true;
        const char *tmpl = NULL;
        int c, status = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:qh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        json = strcmp(optarg, "json") == 0;
                        tmpl = json || strcmp(optarg, "table") == 0 ? NULL : optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'n':
                        no_trunc = true;
                        break;
                case 'H':
                        heading = false;
                        break;
                case 'h':
                        printf("Usage: berth %s [options]\n\nList the images in the store.\n\n"
                               "Options:\n"
                               "  -f, --format FORMAT   table (default), json, or a Go template "
                               "such\n"
                               "                        as '{{.Repository}}:{{.Tag}}' (\"table \"\n"
                               "                        before it: a header line)\n"
                               "  -q, --quiet           print image IDs only\n"
                               "      --no-trunc        full image IDs\n"
                               "      --noheading       no header line\n"
                               "  -h, --help            show this help\n",
                               cmd);
                        return 0;
                default:
                        return cmd_usage_error(cmd, "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error(cmd, "unexpected argument \"%s\"", argv[optind]);
        /* with a shared store, which layers of each image are used in place from it */
        if (ctx->shared_store ? cmd_open_store_seeing_shared(ctx, &s) : open_store(ctx, cmd, &s))
                return EXIT_INVALID;
        if (storage_images(s, &imgs, &n, &err) < 0) {
                fprintf(stderr, "berth: %s: %s\n", cmd, err->msg);
                return EXIT_INVALID;
        }
        if (json)
                print_images_json(ctx, s, imgs, n);
        else if (quiet)
                for (size_t i = 0; i < n; i++)
                        printf("%.*s\n", no_trunc ? 64 : 12, imgs[i].id);
        else if (tmpl)
                status = print_images_template(imgs, n, tmpl, no_trunc, heading, cmd);
        else
                print_images_table(ctx, s, imgs, n, no_trunc, heading);
        storage_images_free(imgs, n);
        return status;
}

int
cmd_images(struct berth_ctx *ctx, int argc, char **argv)
{
        return list_images(ctx, argc, argv, "images");
}

static int
remove_images(struct berth_ctx *ctx, int argc, char **argv, const char *cmd)
{
        static const struct option options[] = {
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        bool force = false;
        int c, status = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        printf("Usage: berth %s [options] IMAGE...\n\n"
                               "Remove images (by name, ID or ID prefix) from the store, and the\n"
                               "layers no image uses any more. An image with several names loses\n"
                               "only the name given, unless --force. The shared store's EROFS\n"
                               "images mounted for layers no image or container names any more\n"
                               "are unmounted.\n\n"
                               "Options:\n"
                               "  -f, --force   remove the image whatever names it has\n"
                               "  -h, --help    show this help\n",
                               cmd);
                        return 0;
                default:
                        return cmd_usage_error(cmd, "see the options above");
                }
        }
        if (optind >= argc)
                return cmd_usage_error(cmd, "expected an image name or ID");
        if (cmd_open_store_seeing_shared(ctx, &s))
                return EXIT_INVALID;
        for (int i = optind; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                char **ids = NULL;
                size_t n = 0;

                if (storage_image_remove(s, argv[i], force, &ids, &n, &err) < 0) {
                        fprintf(stderr, "berth: %s: %s\n", cmd, err->msg);
                        status = EXIT_INVALID;
                        continue;
                }
                if (n == 0)
                        printf("Untagged: %s\n", argv[i]);
                for (size_t k = 0; k < n; k++) {
                        printf("Deleted: %s\n", ids[k]);
                        free(ids[k]);
                }
                free(ids);
        }
        /* the shared layers no image and no container names any more: mounted for nothing */
        {
                _cleanup_(strv_freep) char **unmounted = NULL;

                (void)storage_shared_unmount_unused(s, true, &unmounted, NULL);
        }
        return status;
}

int
cmd_rmi(struct berth_ctx *ctx, int argc, char **argv)
{
        return remove_images(ctx, argc, argv, "rmi");
}

static int
inspect_images(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        int status = 0;

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("Usage: berth image inspect IMAGE...\n\n"
                       "Print what the store knows of images, as a JSON array: names, digest,\n"
                       "manifest, config and layers (with a shared store: SharedLayers, the\n"
                       "layers used in place from it, and SharedStore).\n");
                return 0;
        }
        if (argc < 2)
                return cmd_usage_error("image inspect", "expected an image name or ID");
        if (cmd_open_store_seeing_shared(ctx, &s))
                return EXIT_INVALID;
        printf("[\n");
        for (int i = 1; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *text = NULL;

                if (storage_image_inspect(s, argv[i], &text, &err) < 0) {
                        fprintf(stderr, "berth: image inspect: %s\n", err->msg);
                        status = EXIT_INVALID;
                        continue;
                }
                printf("%s%s\n", text, i + 1 < argc ? "," : "");
        }
        printf("]\n");
        return status;
}

static void
image_help(FILE *f)
{
        fputs("Usage: berth image COMMAND [ARGS...]\n\nManage images.\n\nCommands:\n"
              "  inspect    Show what the store knows of images (JSON)\n"
              "  ls         List images (as berth images)\n"
              "  pull       Pull images (as berth pull)\n"
              "  rm         Remove images (as berth rmi)\n",
              f);
}

static int
image_ls(struct berth_ctx *ctx, int argc, char **argv)
{
        return list_images(ctx, argc, argv, "image ls");
}

static int
image_rm(struct berth_ctx *ctx, int argc, char **argv)
{
        return remove_images(ctx, argc, argv, "image rm");
}

int
cmd_image(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct berth_cmd image_commands[] = {
                {"inspect", "Show images", inspect_images}, {"ls", "List images", image_ls},
                {"list", "List images", image_ls},          {"pull", "Pull images", cmd_pull},
                {"rm", "Remove images", image_rm},          {NULL, NULL, NULL},
        };
        return cmd_dispatch(ctx, "image", image_commands, argc - 1, argv + 1, image_help);
}

static int
system_df(struct berth_ctx *ctx, int argc, char **argv)
{
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct storage_df df;
        char a[32], b[32];

        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                printf("Usage: berth system df\n\nShow the disk space the store uses.\n");
                return 0;
        }
        if (cmd_open_store_seeing_shared(ctx, &s))
                return EXIT_INVALID;
        if (storage_df(s, &df, &err) < 0) {
                fprintf(stderr, "berth: system df: %s\n", err->msg);
                return EXIT_INVALID;
        }
        size_text(df.images_bytes, a, sizeof(a));
        size_text(df.layers_bytes, b, sizeof(b));
        printf("%-12s %-8s %s\n", "TYPE", "TOTAL", "SIZE");
        printf("%-12s %-8zu %s\n", "Images", df.images, a);
        printf("%-12s %-8zu %s\n", "Layers", df.layers, b);
        if (df.shared_layers > 0) {
                size_text(df.shared_bytes, b, sizeof(b));
                printf("%-12s %-8zu %s (used in place from %s, not on this disk)\n", "Shared",
                       df.shared_layers, b, ctx->shared_store);
        }
        return 0;
}

/* "Deleted Layers:" and the IDs, as podman lists what a prune deleted */
static void
print_pruned(const char *what, char **ids)
{
        if (!ids || !ids[0])
                return;
        printf("%s\n", what);
        for (char **id = ids; *id; id++)
                printf("%s\n", *id);
}

/* "3 hours" since t */
static void
age_text(int64_t t, char *buf, size_t size)
{
        int64_t d = (int64_t)time(NULL) - t;

        if (d < 0)
                d = 0;
        if (d < 120)
                snprintf(buf, size, "%lld second%s", (long long)d, d == 1 ? "" : "s");
        else if (d < 2 * 3600)
                snprintf(buf, size, "%lld minutes", (long long)(d / 60));
        else if (d < 2 * 86400)
                snprintf(buf, size, "%lld hours", (long long)(d / 3600));
        else
                snprintf(buf, size, "%lld days", (long long)(d / 86400));
}

/* The nodes whose references the shared prune honours, and how old their newest one is */
static int
print_nodes(struct storage *s, struct berr **err)
{
        struct storage_shared_node *nodes = NULL;
        size_t n = 0;
        int r = storage_shared_nodes(s, &nodes, &n, err);

        if (r < 0 || n == 0)
                return r;
        printf("Nodes Whose References Are Kept\n");
        printf("%-32s  %-8s  %-16s  %s\n", "NODE", "IMAGES", "WRITTEN", "HOST:STORE");
        for (size_t i = 0; i < n; i++) {
                char age[32], ago[48];

                age_text(nodes[i].written, age, sizeof(age));
                snprintf(ago, sizeof(ago), "%s ago", age);
                printf("%-32s  %-8zu  %-16s  %s:%s%s\n", nodes[i].id, nodes[i].images, ago,
                       nodes[i].host ? nodes[i].host : "?", nodes[i].root ? nodes[i].root : "?",
                       nodes[i].self ? " (this node)" : "");
        }
        storage_shared_nodes_free(nodes, n);
        return 0;
}

static int
system_prune(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"shared", no_argument, NULL, 's'},
                {"forget-node", required_argument, NULL, 'N'},
                {"force", no_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **local = NULL, **shared_ids = NULL, **forget = NULL,
                                   **unmounted = NULL;
        uint64_t local_bytes = 0, shared_bytes = 0;
        bool shared = false;
        char size[32];
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "fh", options, NULL)) != -1) {
                switch (c) {
                case 's':
                        shared = true;
                        break;
                case 'N':
                        if (strv_push(&forget, strdup(optarg)) < 0) {
                                fprintf(stderr, "berth: system prune: out of memory\n");
                                return EXIT_INVALID;
                        }
                        shared = true;
                        break;
                case 'f':
                        break; /* berth asks nothing: -f is taken for podman's scripts */
                case 'h':
                        printf("Usage: berth system prune [--shared [--forget-node NODE]...] "
                               "[-f]\n\n"
                               "Remove the layers no image uses, and unmount the shared store's\n"
                               "EROFS images that no container of this node uses. With --shared,\n"
                               "also remove the layers of the shared layer store (--shared-store)\n"
                               "that no node's image and none of the store's own images use, an\n"
                               "hour old and not being pulled; the nodes whose references keep\n"
                               "layers are listed, with the age of their newest reference.\n\n"
                               "Options:\n"
                               "      --shared             prune the shared layer store too\n"
                               "      --forget-node NODE   forget a node that is gone (its ID, or "
                               "a\n"
                               "                           unique prefix, as listed): its "
                               "references\n"
                               "                           keep no layer any more (implies "
                               "--shared;\n"
                               "                           repeatable; never this node)\n"
                               "  -f, --force              do not ask (berth never asks)\n");
                        return 0;
                default:
                        return cmd_usage_error("system prune", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("system prune", "unexpected argument \"%s\"", argv[optind]);
        /* the shared store is opened only when asked to prune it: never touched otherwise */
        if (shared)
                ctx->shared_layers = STORAGE_SHARED_REQUIRED;
        else
                ctx->shared_layers = STORAGE_SHARED_OFF;
        if (cmd_open_store_shared(ctx, &s))
                return EXIT_INVALID;
        for (char **f = forget; f && *f; f++) {
                _cleanup_free_ char *id = NULL;

                if (storage_shared_forget_node(s, *f, &id, &err) < 0) {
                        fprintf(stderr, "berth: system prune: %s\n", err->msg);
                        return EXIT_INVALID;
                }
                printf("Forgotten node: %s\n", id);
        }
        if (storage_prune(s, &local, &local_bytes, &err) < 0 ||
            storage_shared_unmount_unused(s, false, &unmounted, &err) < 0 ||
            (shared && print_nodes(s, &err) < 0) ||
            (shared && storage_shared_prune(s, &shared_ids, &shared_bytes, &err) < 0)) {
                fprintf(stderr, "berth: system prune: %s\n", err->msg);
                return EXIT_INVALID;
        }
        print_pruned("Deleted Layers", local);
        print_pruned("Unmounted Shared Layers", unmounted);
        print_pruned("Deleted Shared Layers", shared_ids);
        size_text(local_bytes + shared_bytes, size, sizeof(size));
        printf("Total reclaimed space: %s\n", size);
        return 0;
}

static void
system_help(FILE *f)
{
        fputs("Usage: berth system COMMAND\n\nCommands:\n"
              "  df         Show the disk space the store uses\n"
              "  info       Show the host, the store and the shared store\n"
              "  prune      Remove unused layers, unmount unused shared ones (--shared: of the\n"
              "             shared store too; --forget-node NODE: a node that is gone)\n",
              f);
}

int
cmd_system(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct berth_cmd system_commands[] = {
                {"df", "Show disk usage", system_df},
                {"info", "Show the host, the store and the shared store", cmd_system_info},
                {"prune", "Remove unused layers", system_prune},
                {NULL, NULL, NULL},
        };
        return cmd_dispatch(ctx, "system", system_commands, argc - 1, argv + 1, system_help);
}
