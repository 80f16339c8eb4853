/* cmd/pull.c: berth pull [options] NAME... */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

struct show {
        bool tty;
        size_t lines; /* progress lines drawn last time (tty) */
        bool *said;   /* non-tty: blobs already reported */
        size_t n_said;
};

static void
pull_help(FILE *f)
{
        fputs("Usage: berth pull [options] NAME[:TAG|@DIGEST]...\n"
              "\n"
              "Pull images from a registry into the store.\n"
              "\n"
              "Options:\n"
              "      --platform OS/ARCH[/VARIANT]  the platform to pull (default: this machine's)\n"
              "      --tls-verify=false           do not check certificates; allow plain HTTP\n"
              "      --creds USER:PASSWORD        credentials for the registry\n"
              "      --authfile FILE              where credentials are kept (podman's auth.json)\n"
              "      --max-parallel N             layers fetched at once (default 3)\n"
              "      --shared                     into the shared layer store too "
              "(--shared-store),\n"
              "                                   for every node to use in place\n"
              "  -q, --quiet                      print only the image ID\n"
              "  -h, --help                       show this help\n",
              f);
}

static void
human_size(uint64_t n, char *buf, size_t size)
{
        static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = (double)n;
        size_t u = 0;

        while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
                v /= 1024;
                u++;
        }
        if (u == 0)
                snprintf(buf, size, "%lluB", (unsigned long long)n);
        else
                snprintf(buf, size, "%.1f%s", v, units[u]);
}

static const char *
short_digest(const char *d)
{
        const char *colon = strchr(d, ':');
        return colon ? colon + 1 : d;
}

static void
on_trying(void *userdata, const char *ref)
{
        fprintf(stderr, "Trying to pull %s...\n", ref);
}

static void
on_blobs(void *userdata, const struct storage_blob_progress *b, size_t n)
{
        struct show *sh = userdata;

        if (!sh->tty) {
                /* a log, not a display: one line per blob when it is done */
                if (sh->n_said < n) {
                        bool *said = realloc(sh->said, n * sizeof(*said));
                        if (!said)
                                return;
                        memset(said + sh->n_said, 0, (n - sh->n_said) * sizeof(*said));
                        sh->said = said;
                        sh->n_said = n;
                }
                for (size_t i = 0; i < n; i++) {
                        if (!b[i].finished || sh->said[i])
                                continue;
                        sh->said[i] = true;
                        fprintf(stderr, "Copying blob %.12s %s\n", short_digest(b[i].digest),
                                b[i].exists ? "skipped: already exists" : "done");
                }
                return;
        }
        if (sh->lines)
                fprintf(stderr, "\033[%zuA", sh->lines);
        for (size_t i = 0; i < n; i++) {
                char done[32], size[32];

                human_size(b[i].done, done, sizeof(done));
                human_size(b[i].size, size, sizeof(size));
                if (b[i].exists)
                        fprintf(stderr, "\033[2KCopying blob %.12s skipped: already exists\n",
                                short_digest(b[i].digest));
                else if (b[i].finished)
                        fprintf(stderr, "\033[2KCopying blob %.12s done   %s\n",
                                short_digest(b[i].digest), size);
                else
                        fprintf(stderr, "\033[2KCopying blob %.12s %s / %s\n",
                                short_digest(b[i].digest), done, size);
        }
        sh->lines = n;
        fflush(stderr);
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
cmd_pull(struct berth_ctx *ctx, int argc, char **argv)
{
        enum { OPT_PLATFORM = 0x100, OPT_TLS, OPT_CREDS, OPT_AUTHFILE, OPT_PARALLEL, OPT_SHARED };
        static const struct option options[] = {
                {"platform", required_argument, NULL, OPT_PLATFORM},
                {"tls-verify", optional_argument, NULL, OPT_TLS},
                {"creds", required_argument, NULL, OPT_CREDS},
                {"authfile", required_argument, NULL, OPT_AUTHFILE},
                {"max-parallel", required_argument, NULL, OPT_PARALLEL},
                {"shared", no_argument, NULL, OPT_SHARED},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct storage_opts so = cmd_storage_opts(ctx);
        _cleanup_(storage_closep) struct storage *s = NULL;
        struct show sh = {.tty = ctx->stderr_tty};
        bool quiet = false, shared = false;
        int c, status = 0;

        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
                case OPT_PLATFORM:
                        so.platform = optarg;
                        break;
                case OPT_TLS:
                        if (!optarg || strcmp(optarg, "true") == 0)
                                so.tls_verify = 1;
                        else if (strcmp(optarg, "false") == 0)
                                so.tls_verify = 0;
                        else
                                return cmd_usage_error("pull",
                                                       "--tls-verify: \"%s\" is not "
                                                       "valid, expected true or false",
                                                       optarg);
                        break;
                case OPT_CREDS:
                        so.creds = optarg;
                        break;
                case OPT_AUTHFILE:
                        so.auth_file = optarg;
                        break;
                case OPT_PARALLEL: {
                        char *end = NULL;
                        long v = optarg ? strtol(optarg, &end, 10) : 0;
                        if (!end || *end || v < 1 || v > 64)
                                return cmd_usage_error("pull",
                                                       "--max-parallel: \"%s\" is not "
                                                       "valid, expected 1-64",
                                                       optarg);
                        so.max_parallel = (int)v;
                        break;
                }
                case OPT_SHARED:
                        /* filling the shared store: it must be usable */
                        shared = true;
                        so.shared_layers = STORAGE_SHARED_REQUIRED;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        pull_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("pull", "see the options above");
                }
        }
        if (optind >= argc)
                return cmd_usage_error("pull", "expected an image name, such as "
                                               "docker.io/library/busybox:1.36");
        if (!quiet)
                so.events = (struct storage_events){.trying = on_trying,
                                                    .blobs = on_blobs,
                                                    .config = on_config,
                                                    .writing = on_writing,
                                                    .userdata = &sh};
        {
                _cleanup_(berr_freep) struct berr *err = NULL;
                if (storage_open(&so, &s, &err) < 0) {
                        fprintf(stderr, "berth: pull: %s\n", err->msg);
                        return EXIT_INVALID;
                }
        }
        for (int i = optind; i < argc; i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *id = NULL;

                sh.lines = 0;
                if ((shared ? storage_pull_shared(s, argv[i], &id, &err)
                            : storage_pull(s, argv[i], &id, &err)) < 0) {
                        fprintf(stderr, "berth: pull %s: %s\n", argv[i], err->msg);
                        status = EXIT_INVALID;
                        continue;
                }
                printf("%s\n", id);
                fflush(stdout);
        }
        free(sh.said);
        return status;
}
