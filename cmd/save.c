/* cmd/save.c: berth save [options] IMAGE... */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

static void
save_help(FILE *f)
{
        fputs("Usage: berth save [options] IMAGE [IMAGE...]\n"
              "\n"
              "Save images to an archive: docker-archive (the default, what docker save and\n"
              "podman save write) or oci-archive. Layers are the exact tars the images came\n"
              "with, so a load elsewhere gives the same image IDs.\n"
              "\n"
              "Options:\n"
              "      --format FORMAT             docker-archive or oci-archive (default\n"
              "                                  docker-archive; oci-archive holds one image)\n"
              "  -m, --multi-image-archive       several images in one docker-archive (the\n"
              "                                  default when several are given)\n"
              "  -o, --output FILE               write to FILE (default: standard output, which\n"
              "                                  must not be a terminal)\n"
              "  -q, --quiet                     print nothing but errors\n"
              "  -h, --help                      show this help\n",
              f);
}

static const char *
short_digest(const char *d)
{
        const char *colon = strchr(d, ':');
        return colon ? colon + 1 : d;
}

static void
on_blobs(void *userdata, const struct storage_blob_progress *b, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (b[i].finished)
                        fprintf(stderr, "Copying blob %.12s done\n", short_digest(b[i].digest));
}

static void
on_config(void *userdata, const char *digest)
{
        fprintf(stderr, "Copying config %.12s done\n", short_digest(digest));
}

static void
on_writing(void *userdata)
{
        fprintf(stderr, "Writing manifest to image destination\n");
}

static void
on_warning(void *userdata, const char *message)
{
        fprintf(stderr, "berth: save: warning: %s\n", message);
}

int
cmd_save(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_FORMAT = 0x100, OPT_COMPRESS, OPT_UNCOMPRESSED };
        static const struct option options[] = {
                {"format", required_argument, NULL, OPT_FORMAT},
                {"multi-image-archive", no_argument, NULL, 'm'},
                {"output", required_argument, NULL, 'o'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        /* an image's layers may be in the shared store, used in place there */
        struct storage_opts so = cmd_storage_opts(ctx);
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int out_fd = -EBADF;
        enum storage_archive_format format = STORAGE_ARCHIVE_DOCKER;
        const char *output = NULL;
        bool quiet = false;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "mo:qh", options, NULL)) != -1) {
                switch (c) {
                case OPT_FORMAT:
                        format = storage_archive_format_from_string(optarg);
                        if (format < 0)
                                return cmd_usage_error("save",
                                                       "--format: \"%s\" is not valid, expected "
                                                       "docker-archive or oci-archive",
                                                       optarg);
                        break;
                case 'm':
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        save_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("save", "see the options above");
                }
        }
        if (optind >= argc)
                return cmd_usage_error("save", "expected an image, such as "
                                               "docker.io/library/busybox:1.36");
        if (format == STORAGE_ARCHIVE_OCI && argc - optind > 1)
                return cmd_usage_error("save", "an oci-archive holds one image: use "
                                               "--format docker-archive for several");
        if (!output && ctx->stdout_tty) {
                fprintf(stderr, "berth: save: refusing to write an archive to a terminal: use "
                                "-o FILE or redirect the output\n");
                return EXIT_USAGE;
        }
        if (!quiet)
                so.events = (struct storage_events){.blobs = on_blobs,
                                                    .config = on_config,
                                                    .writing = on_writing,
                                                    .userdata = NULL};
        /* the warning that the image ID changes is said even with -q */
        so.events.warning = on_warning;
        if (so.shared_store && so.shared_layers == STORAGE_SHARED_OFF)
                so.shared_layers = STORAGE_SHARED_ON;
        if (storage_open(&so, &s, &err) < 0) {
                fprintf(stderr, "berth: save: %s\n", err->msg);
                return EXIT_INVALID;
        }
        if (output) {
                out_fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
                if (out_fd < 0) {
                        fprintf(stderr, "berth: save: create %s: %s\n", output, strerror(errno));
                        return EXIT_INVALID;
                }
        }
        r = storage_save(s, argv + optind, (size_t)(argc - optind), format,
                         output ? out_fd : STDOUT_FILENO, &err);
        if (r >= 0 && output && fsync(out_fd) < 0 && errno != EINVAL)
                r = berr(&err, errno, "fsync %s", output);
        if (r < 0) {
                /* half an archive is no archive */
                if (output)
                        (void)unlink(output);
                fprintf(stderr, "berth: save: %s\n", err->msg);
                return EXIT_INVALID;
        }
        return 0;
}
