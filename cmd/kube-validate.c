/*
 * cmd/kube-validate.c: berth kube validate [--strict] [--format text|json]
 * [--quiet] FILE|DIR|-...
 *
 * Documents are read, checked, printed and freed one at a time, so memory
 * follows the largest document, not the size of the manifest set.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "kube/kube.h"
#include "util/berr.h"
#include "util/cleanup.h"

struct validate {
        struct kube_opts opts;
        bool json, quiet;
        struct kube_names *names;
        json_t *ignored_seen; /* topics already reported */
        json_t *j_objects, *j_diags;
        size_t files, objects, valid, invalid, skipped, errors, warnings;
};

static void
validate_help(FILE *f)
{
        fputs("Usage: berth kube validate [options] FILE|DIR|-...\n"
              "\n"
              "Check Kubernetes manifests (YAML or JSON) against Kubernetes' rules without\n"
              "running them. A DIR is searched for *.yaml, *.yml and *.json files; - reads\n"
              "standard input. Every problem is reported as FILE:LINE:COL: FIELD: MESSAGE.\n"
              "\n"
              "Options:\n"
              "      --strict          unknown fields are errors, not warnings\n"
              "      --format FORMAT   text (default) or json\n"
              "  -q, --quiet           print errors only\n"
              "  -h, --help            show this help\n"
              "\n"
              "Exit status: 0 when every object is valid, 1 when any is not (or a file\n"
              "cannot be read), 2 on a usage error.\n",
              f);
}

/* ------------------------------------------------------------ inputs */

struct paths {
        char **v;
        size_t n, alloc;
};

static int
paths_add(struct paths *p, char *s)
{
        if (p->n == p->alloc) {
                size_t na = p->alloc ? p->alloc * 2 : 16;
                char **nv = reallocarray(p->v, na, sizeof(*nv));
                if (!nv) {
                        free(s);
                        return -ENOMEM;
                }
                p->v = nv;
                p->alloc = na;
        }
        p->v[p->n++] = s;
        return 0;
}

static void
paths_free(struct paths *p)
{
        for (size_t i = 0; i < p->n; i++)
                free(p->v[i]);
        free(p->v);
}

static bool
is_manifest_name(const char *name)
{
        size_t n = strlen(name);
        return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
               (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
               (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

static int
cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every manifest below dir (symlinks to directories are not followed: no loops). */
static int
walk_dir(const char *dir, struct paths *out, struct berr **err)
{
        _cleanup_(closedirp_) DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d)
                return berr(err, errno, "%s", dir);
        for (errno = 0; (de = readdir(d)); errno = 0) {
                char *full = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue; /* ., .., and hidden files such as .git */
                if (asprintf(&full, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
                             de->d_name) < 0)
                        return berr(err, ENOMEM, "%s", dir);
                if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        int e = errno;
                        free(full);
                        return berr(err, e, "%s/%s", dir, de->d_name);
                }
                if (S_ISDIR(st.st_mode)) {
                        int r = walk_dir(full, out, err);
                        free(full);
                        if (r < 0)
                                return r;
                } else if (is_manifest_name(de->d_name) &&
                           (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
                        if (paths_add(out, full) < 0)
                                return berr(err, ENOMEM, "%s", dir);
                } else {
                        free(full);
                }
        }
        if (errno != 0)
                return berr(err, errno, "%s", dir);
        return 0;
}

/* ------------------------------------------------------------ output */

static const char *
severity_name(enum kube_severity s)
{
        return s == KUBE_ERROR ? "error" : "warning";
}

static void
emit_diag(struct validate *v, const struct kube_diag *d)
{
        if (d->kind == KUBE_DIAG_IGNORED && d->topic) {
                /* a field berth cannot honour is said once a run, not once per pod */
                if (json_object_get(v->ignored_seen, d->topic))
                        return;
                json_object_set_new(v->ignored_seen, d->topic, json_true());
        }
        if (d->severity == KUBE_ERROR)
                v->errors++;
        else
                v->warnings++;
        if (v->json) {
                json_array_append_new(v->j_diags,
                                      json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "severity",
                                                severity_name(d->severity), "file", d->loc.file,
                                                "line", (int)d->loc.line, "column", (int)d->loc.col,
                                                "path", d->path, "message", d->msg));
                return;
        }
        if (v->quiet && d->severity != KUBE_ERROR)
                return;
        fprintf(stderr, "%s:%u:%u: %s%s%s%s\n", d->loc.file, d->loc.line, d->loc.col,
                d->severity == KUBE_ERROR ? "" : "warning: ", d->path, d->path[0] ? ": " : "",
                d->msg);
}

static void
emit_error_text(struct validate *v, const char *file, const char *msg)
{
        v->errors++;
        if (v->json)
                json_array_append_new(v->j_diags,
                                      json_pack("{s:s, s:s, s:i, s:i, s:s, s:s}", "severity",
                                                "error", "file", file, "line", 0, "column", 0,
                                                "path", "", "message", msg));
        else
                fprintf(stderr, "%s\n", msg);
}

static void
record_object(struct validate *v, const struct kube_loc *loc, const char *api_version,
              const char *kind, const char *ns, const char *name, const char *status)
{
        if (!v->json)
                return;
        json_array_append_new(v->j_objects,
                              json_pack("{s:s, s:i, s:i, s:s?, s:s?, s:s?, s:s?, s:s}", "file",
                                        loc->file, "line", (int)loc->line, "column", (int)loc->col,
                                        "apiVersion", api_version, "kind", kind, "namespace", ns,
                                        "name", name, "status", status));
}

static void
check_doc(struct validate *v, struct kube_doc *doc)
{
        for (size_t i = 0; i < doc->n_diags; i++)
                emit_diag(v, &doc->diags[i]);
        for (size_t i = 0; i < doc->n_objects; i++) {
                struct kube_object *o = &doc->objects[i];
                struct kube_loc first;
                int r = kube_names_add(v->names, o, &first);

                if (r > 0) {
                        struct kube_diag d = {
                                .severity = KUBE_ERROR,
                                .loc = o->loc,
                                .path = (char *)"metadata.name",
                        };
                        char *msg = NULL;
                        if (asprintf(&msg,
                                     "%s %s/%s is already defined at %s:%u:%u, expected each "
                                     "object once",
                                     kube_kind_name(o->kind), o->meta->namespace_, o->meta->name,
                                     first.file, first.line, first.col) >= 0) {
                                d.msg = msg;
                                emit_diag(v, &d);
                                free(msg);
                        }
                        o->valid = false;
                }
                v->objects++;
                if (o->valid)
                        v->valid++;
                else
                        v->invalid++;
                record_object(v, &o->loc, o->api_version, kube_kind_name(o->kind),
                              o->meta->namespace_, o->meta->name, o->valid ? "valid" : "invalid");
        }
        for (size_t i = 0; i < doc->n_skipped; i++) {
                const struct kube_skipped *s = &doc->skipped[i];
                v->objects++;
                v->skipped++;
                record_object(v, &s->loc, s->api_version, s->kind, s->namespace_, s->name,
                              "skipped");
        }
        /* errors outside any object (a document that is not an object) still fail the run */
}

static void
check_file(struct validate *v, const char *path)
{
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        int k;

        v->files++;
        if (kube_reader_open(path, &v->opts, &r, &err) < 0) {
                emit_error_text(v, path, err->msg);
                return;
        }
        for (;;) {
                _cleanup_(kube_doc_freep) struct kube_doc *doc = NULL;

                k = kube_reader_next(r, &doc, &err);
                if (k <= 0)
                        break;
                check_doc(v, doc);
        }
        if (k < 0)
                emit_error_text(v, path, err->msg);
}

static void
print_summary(struct validate *v)
{
        if (v->json) {
                json_t *j = json_pack("{s:b, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:O, s:O}",
                                      "valid", v->errors == 0, "summary", "files", (int)v->files,
                                      "objects", (int)v->objects, "valid", (int)v->valid, "invalid",
                                      (int)v->invalid, "skipped", (int)v->skipped, "errors",
                                      (int)v->errors, "warnings", (int)v->warnings, "objects",
                                      v->j_objects, "diagnostics", v->j_diags);
                if (j) {
                        json_dumpf(j, stdout, JSON_INDENT(2));
                        fputc('\n', stdout);
                        json_decref(j);
                }
                return;
        }
        if (v->quiet)
                return;
        printf("%zu object%s in %zu file%s: %zu valid, %zu invalid, %zu skipped", v->objects,
               v->objects == 1 ? "" : "s", v->files, v->files == 1 ? "" : "s", v->valid, v->invalid,
               v->skipped);
        /* errors can stand outside any object (syntax, unreadable files): count them all */
        if (v->errors)
                printf("; %zu error%s", v->errors, v->errors == 1 ? "" : "s");
        putchar('\n');
}

int
cmd_kube_validate(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"strict", no_argument, NULL, 's'},
                {"format", required_argument, NULL, 'f'},
                {"quiet", no_argument, NULL, 'q'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        struct validate v = {0};
        int c, status;

        optind = 1;
        while ((c = getopt_long(argc, argv, "qh", options, NULL)) != -1) {
                switch (c) {
                case 's':
                        v.opts.strict = true;
                        break;
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                v.json = true;
                        else if (strcmp(optarg, "text") != 0)
                                return cmd_usage_error("kube validate",
                                                       "--format: \"%s\" is not valid, expected "
                                                       "text or json",
                                                       optarg);
                        break;
                case 'q':
                        v.quiet = true;
                        break;
                case 'h':
                        validate_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("kube validate", "see the options above");
                }
        }
        if (optind >= argc)
                return cmd_usage_error("kube validate", "expected a FILE, DIR or - to read");

        v.names = kube_names_new();
        v.ignored_seen = json_object();
        v.j_objects = json_array();
        v.j_diags = json_array();
        if (!v.names || !v.ignored_seen || !v.j_objects || !v.j_diags) {
                fprintf(stderr, "berth: kube validate: out of memory\n");
                status = EXIT_INVALID;
                goto out;
        }

        for (int i = optind; i < argc; i++) {
                struct stat st;
                const char *arg = argv[i];

                if (strcmp(arg, "-") != 0 && stat(arg, &st) == 0 && S_ISDIR(st.st_mode)) {
                        _cleanup_(berr_freep) struct berr *err = NULL;
                        struct paths found = {0};

                        if (walk_dir(arg, &found, &err) < 0)
                                emit_error_text(&v, arg, err->msg);
                        else if (found.n == 0) {
                                /* a mistyped path in CI must not pass as "nothing wrong" */
                                char *msg = NULL;
                                if (asprintf(&msg,
                                             "%s: no *.yaml, *.yml or *.json files in this "
                                             "directory",
                                             arg) >= 0)
                                        emit_error_text(&v, arg, msg);
                                free(msg);
                        }
                        if (found.n > 1)
                                qsort(found.v, found.n, sizeof(*found.v), cmp_str);
                        for (size_t j = 0; j < found.n; j++)
                                check_file(&v, found.v[j]);
                        paths_free(&found);
                } else {
                        check_file(&v, arg);
                }
        }
        print_summary(&v);
        status = v.errors ? EXIT_INVALID : 0;
out:
        kube_names_free(v.names);
        json_decref(v.ignored_seen);
        json_decref(v.j_objects);
        json_decref(v.j_diags);
        return status;
}
