/*
 * reconcile/reconcile.h: Kubernetes manifests made real on this machine:
 * `berth kube play` and `berth kube down`.
 *
 * A play reads every manifest first (any error anywhere: nothing is done),
 * keeps the ConfigMaps and Secrets for later plays, creates the volumes of
 * the PersistentVolumeClaims, then makes each pod the manifests want (a
 * Pod is one; a Deployment of N replicas is N, named NAME-pod-0... as
 * podman names them): pull what its pull policy says, the pod's sandbox,
 * its volumes, its containers (init containers first, each run to its end
 * before the next), then starts them.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct berth_ctx;
struct storage;

struct reconcile_play_opts {
        bool replace;        /* a pod that exists is removed first (else an error) */
        bool start;          /* start the pods (--start=false: only create them) */
        const char *network; /* --network: "bridge" (NULL), "host" or "none" for every pod */
        /* progress (pulls) and warnings go here; NULL: stderr */
        void (*say)(void *userdata, const char *msg);
        void *userdata;
};

/*
 * Play the manifests in paths (files, directories of YAML and JSON files,
 * "-" for standard input). *ret: {"pods": [{"id", "name", "containers":
 * [ids], "initContainers": [ids]}], "volumes": [names]}, what was made, in
 * order. On failure the pods made by this play are removed again (a pod
 * that existed before stays as it was, unless --replace removed it).
 */
int reconcile_play(struct storage *s, const struct berth_ctx *ctx, char *const *paths,
                   size_t n_paths, const struct reconcile_play_opts *o, json_t **ret,
                   struct berr **err);

struct reconcile_down_opts {
        bool volumes; /* also the volumes of the manifests' PersistentVolumeClaims */
};

/*
 * Remove exactly the pods (and with volumes, the claims' volumes) the
 * manifests in paths make, and nothing else. *ret: {"pods": [ids stopped
 * and removed], "volumes": [names]}.
 */
int reconcile_down(struct storage *s, const struct berth_ctx *ctx, char *const *paths,
                   size_t n_paths, const struct reconcile_down_opts *o, json_t **ret,
                   struct berr **err);
