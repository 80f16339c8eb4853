/*
 * reconcile/manifests.c: the manifests of a play or a down, read whole
 * before anything is done: every file (directories walked, sorted), every
 * document, every object, with every error of every file reported.
 */
#include "manifests.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/berr.h"
#include "util/cleanup.h"

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

static int
read_file(struct manifests *m, const char *path, struct berr **err)
{
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        struct kube_opts ko = {0};
        int k;

        if (kube_reader_open(path, &ko, &r, err) < 0)
                return -EINVAL;
        for (;;) {
                struct kube_doc *doc = NULL;
                struct kube_doc **nd;

                k = kube_reader_next(r, &doc, err);
                if (k <= 0)
                        return k;
                nd = reallocarray(m->docs, m->n_docs + 1, sizeof(*nd));
                if (!nd) {
                        kube_doc_free(doc);
                        return berr(err, ENOMEM, "manifests");
                }
                m->docs = nd;
                m->docs[m->n_docs++] = doc;
        }
}

/* Every manifest below dir, sorted, depth first */
static int
read_dir(struct manifests *m, const char *dir, struct berr **err)
{
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        DIR *d = opendir(dir);
        int r = 0;

        if (!d)
                return berr(err, errno, "%s", dir);
        while ((de = readdir(d))) {
                char **nn;

                if (de->d_name[0] == '.')
                        continue;
                nn = reallocarray(names, n + 1, sizeof(*nn));
                if (!nn || !(nn[n] = strdup(de->d_name))) {
                        names = nn ? nn : names;
                        r = berr(err, ENOMEM, "%s", dir);
                        break;
                }
                names = nn;
                n++;
        }
        closedir(d);
        if (n > 0)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = NULL;
                struct stat st;

                if (r == 0 && asprintf(&p, "%s/%s", dir, names[i]) < 0)
                        r = berr(err, ENOMEM, "%s", dir);
                if (r == 0 && lstat(p, &st) == 0) {
                        /* symlinks to directories are not followed: no loops */
                        if (S_ISDIR(st.st_mode))
                                r = read_dir(m, p, err);
                        else if (is_manifest_name(names[i]))
                                r = read_file(m, p, err);
                }
                free(names[i]);
        }
        return r;
}

/* "file:line:col: path: message" for each error (and warning) of the documents */
static void
report(const struct manifests *m, FILE *f, size_t *ret_errors)
{
        size_t errors = 0;

        for (size_t i = 0; i < m->n_docs; i++) {
                const struct kube_doc *d = m->docs[i];

                for (size_t k = 0; k < d->n_diags; k++) {
                        const struct kube_diag *g = &d->diags[k];

                        if (g->severity != KUBE_ERROR)
                                continue;
                        errors++;
                        fprintf(f, "%s:%u:%u: %s%s%s\n", g->loc.file ? g->loc.file : "-",
                                g->loc.line, g->loc.col, g->path ? g->path : "",
                                g->path && g->path[0] ? ": " : "", g->msg);
                }
        }
        *ret_errors = errors;
}

int
manifests_read(char *const *paths, size_t n, struct manifests *ret, struct berr **err)
{
        struct manifests m = {0};
        size_t errors = 0;
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                struct stat st;

                if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
                        r = read_dir(&m, paths[i], err);
                else
                        r = read_file(&m, paths[i], err);
        }
        if (r < 0) {
                manifests_free(&m);
                return r;
        }
        report(&m, stderr, &errors);
        if (errors > 0) {
                manifests_free(&m);
                return berr(err, 0, "%zu error%s in the manifests: nothing was done", errors,
                            errors == 1 ? "" : "s");
        }
        for (size_t i = 0; i < m.n_docs; i++)
                for (size_t k = 0; k < m.docs[i]->n_objects; k++) {
                        struct kube_object *o = &m.docs[i]->objects[k];
                        struct kube_object **no =
                                reallocarray(m.objects, m.n_objects + 1, sizeof(*no));
                        if (!no) {
                                manifests_free(&m);
                                return berr(err, ENOMEM, "manifests");
                        }
                        m.objects = no;
                        m.objects[m.n_objects++] = o;
                }
        *ret = m;
        return 0;
}

void
manifests_free(struct manifests *m)
{
        for (size_t i = 0; i < m->n_docs; i++)
                kube_doc_free(m->docs[i]);
        free(m->docs);
        free(m->objects);
        *m = (struct manifests){0};
}
