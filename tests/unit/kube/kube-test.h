/*
 * tests/unit/kube/kube-test.h: what the decoder tests share. Each reads one
 * document from a YAML string through the public reader (kube/kube.h) and
 * checks its diagnostics as "file:line:col: path: msg".
 *
 * Before including this, a test file defines KUBE_TEST_FILE, the name its
 * documents are read as (each expected position starts with it), and may
 * define KUBE_TEST_ERROR_INVALID to have check_error() also check that the
 * object is invalid.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/kube.h"
#include "util/berr.h"
#include "util/cleanup.h"

#ifndef KUBE_TEST_FILE
#define KUBE_TEST_FILE "test.yaml" /* each test file sets its own */
#endif

/* The first document of yaml, read as KUBE_TEST_FILE; NULL (and why, on stderr) without one. */
static inline struct kube_doc *
load_opts(const char *yaml, bool strict)
{
        _cleanup_(kube_reader_freep) struct kube_reader *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct kube_opts opts = {.strict = strict};
        struct kube_doc *doc = NULL;

        if (kube_reader_open_buffer(yaml, strlen(yaml), KUBE_TEST_FILE, &opts, &r, &err) < 0 ||
            kube_reader_next(r, &doc, &err) != 1) {
                fprintf(stderr, "  cannot read the test document: %s\n", err ? err->msg : "empty");
                return NULL;
        }
        return doc;
}

/* load_opts(), not strict: for tests that check(d != NULL) themselves. */
static inline struct kube_doc *
load(const char *yaml)
{
        return load_opts(yaml, false);
}

/* load_opts(), aborting without a document (which may hold no object). */
static inline struct kube_doc *
read_doc_opts(const char *yaml, bool strict)
{
        struct kube_doc *doc = load_opts(yaml, strict);

        if (!doc)
                abort();
        return doc;
}

/* read_doc_opts(), not strict, aborting unless the document holds an object. */
static inline struct kube_doc *
read_doc(const char *yaml)
{
        struct kube_doc *doc = read_doc_opts(yaml, false);

        if (doc->n_objects == 0) {
                fprintf(stderr, "  the test document holds no object\n");
                abort();
        }
        return doc;
}

/* g as "file:line:col: path: msg", or "file:line:col: msg" for the whole document */
static inline const char *
diag_str(const struct kube_diag *g, char *buf, size_t size)
{
        if (g->path[0])
                snprintf(buf, size, "%s:%u:%u: %s: %s", g->loc.file, g->loc.line, g->loc.col,
                         g->path, g->msg);
        else
                snprintf(buf, size, "%s:%u:%u: %s", g->loc.file, g->loc.line, g->loc.col, g->msg);
        return buf;
}

/* buf, holding the first error of d as diag_str() gives it, "(no error)" or "(no document)" */
static inline const char *
first_error(const struct kube_doc *d, char *buf, size_t size)
{
        for (size_t i = 0; d && i < d->n_diags; i++)
                if (d->diags[i].severity == KUBE_ERROR)
                        return diag_str(&d->diags[i], buf, size);
        snprintf(buf, size, "%s", d ? "(no error)" : "(no document)");
        return buf;
}

/* the first diagnostic of that kind, or NULL */
static inline const struct kube_diag *
find_diag(const struct kube_doc *d, enum kube_diag_kind kind)
{
        for (size_t i = 0; i < d->n_diags; i++)
                if (d->diags[i].kind == kind)
                        return &d->diags[i];
        return NULL;
}

/* first_error() of reading yaml, checked to be its only error (all are shown when not) */
static inline const char *
only_error(const char *yaml, char *buf, size_t size)
{
        _cleanup_(kube_doc_freep) struct kube_doc *d = load(yaml);

        check(d != NULL);
        first_error(d, buf, size);
        if (d && d->n_errors != 1) {
                fprintf(stderr, "  %zu errors, expected 1:\n", d->n_errors);
                for (size_t i = 0; i < d->n_diags; i++)
                        fprintf(stderr, "    %u:%u: %s: %s\n", d->diags[i].loc.line,
                                d->diags[i].loc.col, d->diags[i].path, d->diags[i].msg);
                check(d->n_errors == 1);
        }
        return buf;
}

/* A valid document of yaml, checked to hold no error and one valid object of kind k; else NULL. */
static inline struct kube_doc *
load_valid(const char *yaml, enum kube_kind k)
{
        struct kube_doc *d = load(yaml);
        char buf[1024];

        check(d != NULL);
        if (!d)
                return NULL;
        check_str(first_error(d, buf, sizeof(buf)), "(no error)");
        check(d->n_objects == 1);
        if (d->n_objects != 1 || d->objects[0].kind != k)
                return kube_doc_free(d);
        check(d->objects[0].valid);
        return d;
}

/* the first container of the Pod d holds; aborts when there is none */
static inline const struct kube_container *
container(const struct kube_doc *d)
{
        const struct kube_pod *p = d->objects[0].pod;

        if (d->objects[0].kind != KUBE_POD || !p || p->spec.n_containers == 0)
                abort();
        return &p->spec.containers[0];
}

/* check_doc_error(yaml, want): the first error of yaml is want; its document may hold no object */
/*
 * A pod of one container "app" (nginx), lines 1-8: what a test adds starts
 * on line 9, as fields of the container at column 5.
 */
#define KT_POD_ONE_CONTAINER \
        "apiVersion: v1\n"   \
        "kind: Pod\n"        \
        "metadata:\n"        \
        "  name: web\n"      \
        "spec:\n"            \
        "  containers:\n"    \
        "  - name: app\n"    \
        "    image: nginx\n"

#define check_doc_error(yaml, want)                                                           \
        do {                                                                                  \
                _cleanup_(kube_doc_freep) struct kube_doc *d_ = read_doc_opts((yaml), false); \
                char b_[2048];                                                                \
                check_str(first_error(d_, b_, sizeof(b_)), (want));                           \
        } while (0)

#ifdef KUBE_TEST_ERROR_INVALID
#define KUBE_TEST_CHECK_INVALID_(d) check(!(d)->objects[0].valid)
#else
#define KUBE_TEST_CHECK_INVALID_(d) ((void)0)
#endif

/*
 * check_error(yaml, want): the first error of yaml, whose document holds an
 * object, is want; with KUBE_TEST_ERROR_INVALID, that object is invalid too.
 */
#define check_error(yaml, want)                                                   \
        do {                                                                      \
                _cleanup_(kube_doc_freep) struct kube_doc *d_ = read_doc((yaml)); \
                char b_[2048];                                                    \
                check_str(first_error(d_, b_, sizeof(b_)), (want));               \
                KUBE_TEST_CHECK_INVALID_(d_);                                     \
        } while (0)

/* check_valid(yaml): yaml holds an object, with no error, and it is valid */
#define check_valid(yaml)                                                         \
        do {                                                                      \
                _cleanup_(kube_doc_freep) struct kube_doc *d_ = read_doc((yaml)); \
                char b_[2048];                                                    \
                check_str(first_error(d_, b_, sizeof(b_)), "(no error)");         \
                check(d_->objects[0].valid);                                      \
        } while (0)
