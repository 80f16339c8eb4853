/* cmd/load.c: berth load [-i FILE] [-q] */
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
load_help(FILE *f)
{
        fputs("Usage: berth load [options]\n"
              "\n"
              "Load images from an archive: a docker-archive (docker save, podman save) or an\n"
              "oci-archive, plain or compressed with gzip or zstd.\n"
              "\n"
              "Options:\n"
              "  -i, --input FILE   read from FILE (default: standard input)\n"
              "  -q, --quiet        print only the names of the images loaded\n"
              "  -h, --help         show this help\n",
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
                        fprintf(stderr, "Copying blob %.12s %s\n", short_digest(b[i].digest),
                                b[i].exists ? "skipped: already exists" : "done");
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

int
cmd_load(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"input", required_argument, NULL, 'i'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct storage_opts so = {.root = ctx->root, .tls_verify = -1};
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_close_ int in_fd = -EBADF;
        const char *input = NULL;
        char **names = NULL;
        size_t n = 0;
        bool quiet = false;
        int c;

        optind = 1;
        while ((c = getopt_long(argc, argv, "i:qh", options, NULL)) != -1) {
                switch (c) {
                case 'i':
                        input = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        load_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("load", "see the options above");
                }
        }
        if (optind < argc)
                return cmd_usage_error("load",
                                       "unexpected argument \"%s\": the archive is -i "
                                       "FILE or standard input",
                                       argv[optind]);
        if (!input && isatty(STDIN_FILENO) == 1) {
                fprintf(stderr, "berth: load: refusing to read an archive from a terminal: use "
                                "-i FILE or redirect the input\n");
                return EXIT_USAGE;
        }
        if (input) {
                in_fd = open(input, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (in_fd < 0) {
                        fprintf(stderr, "berth: load: open %s: %s\n", input, strerror(errno));
                        return EXIT_INVALID;
                }
        }
        if (!quiet)
                so.events = (struct storage_events){
                        .blobs = on_blobs, .config = on_config, .writing = on_writing};
        if (storage_open(&so, &s, &err) < 0) {
                fprintf(stderr, "berth: load: %s\n", err->msg);
                return EXIT_INVALID;
        }
        if (storage_load(s, input ? in_fd : STDIN_FILENO, &names, &n, &err) < 0) {
                fprintf(stderr, "berth: load: %s\n", err->msg);
                return EXIT_INVALID;
        }
        for (size_t i = 0; i < n; i++) {
                printf("Loaded image: %s\n", names[i]);
                free(names[i]);
        }
        free(names);
        return 0;
}
