/* reconcile/workers.h: run the items of a plan in forked workers (private to reconcile/) */
#pragma once

#include <jansson.h>
#include <stddef.h>

struct berr;

/*
 * One item's work: fill *out (optional; what the parent gets back) and
 * return 0, or -errno with *err set. *out may be set on failure too: what
 * was made before the failure, for the caller to undo.
 */
typedef int (*workers_fn)(size_t i, void *userdata, json_t **out, struct berr **err);
/* Run once in each worker before its first item (e.g. its own handle on a lock). */
typedef int (*workers_init_fn)(void *userdata, struct berr **err);

struct workers_result {
        json_t *out;   /* what the item's fn returned, or NULL */
        int errnum;    /* 0: the item succeeded; else its failure (EIO: its worker died) */
        char *message; /* the failure's message */
};

/*
 * Run fn for items 0..n-1 in up to max_workers forked processes (one item
 * at a time each, items dealt out in turn), each result sent back as one
 * JSON line over a pipe. With one item or max_workers <= 1, fn runs here,
 * in this process. Returns 0 when every item was run (failed or not:
 * (*ret)[i] says), or -errno when the workers could not be started, and
 * gives back n results to free with workers_results_free().
 *
 * The caller must be single-threaded at the call (fork), and a worker
 * shares every open file with its parent: a lock held through an open file
 * description (flock) must be taken through a file the worker opens itself,
 * which is what init is for.
 */
int workers_run(size_t n, size_t max_workers, workers_init_fn init, workers_fn fn, void *userdata,
                struct workers_result **ret, struct berr **err);

void workers_results_free(struct workers_result *r, size_t n);

/* How many workers for n items on this machine: 2 per CPU, at most 16, at most n. */
size_t workers_default(size_t n);
