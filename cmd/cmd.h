/* cmd/cmd.h: the command table and what the command files share */
#pragma once

#include <stdio.h>

#include "storage/storage.h"
#include "util/ctx.h"

/* Exit statuses, as podman's: 0 fine, 1 the work failed, 2 the command line was wrong. */
#define EXIT_INVALID 1
#define EXIT_USAGE 2

struct berth_cmd {
        const char *name;
        const char *summary;
        int (*run)(struct berth_ctx *ctx, int argc, char **argv);
};

int cmd_kube(struct berth_ctx *ctx, int argc, char **argv);
int cmd_kube_validate(struct berth_ctx *ctx, int argc, char **argv);
int cmd_version(struct berth_ctx *ctx, int argc, char **argv);
int cmd_pull(struct berth_ctx *ctx, int argc, char **argv);
int cmd_save(struct berth_ctx *ctx, int argc, char **argv);
int cmd_load(struct berth_ctx *ctx, int argc, char **argv);
int cmd_images(struct berth_ctx *ctx, int argc, char **argv);
int cmd_image(struct berth_ctx *ctx, int argc, char **argv);
int cmd_rmi(struct berth_ctx *ctx, int argc, char **argv);
int cmd_system(struct berth_ctx *ctx, int argc, char **argv);
int cmd_login(struct berth_ctx *ctx, int argc, char **argv);
int cmd_logout(struct berth_ctx *ctx, int argc, char **argv);
int cmd_run(struct berth_ctx *ctx, int argc, char **argv);
int cmd_create(struct berth_ctx *ctx, int argc, char **argv);
int cmd_start(struct berth_ctx *ctx, int argc, char **argv);
int cmd_stop(struct berth_ctx *ctx, int argc, char **argv);
int cmd_kill(struct berth_ctx *ctx, int argc, char **argv);
int cmd_rm(struct berth_ctx *ctx, int argc, char **argv);
int cmd_wait(struct berth_ctx *ctx, int argc, char **argv);
int cmd_logs(struct berth_ctx *ctx, int argc, char **argv);
int cmd_attach(struct berth_ctx *ctx, int argc, char **argv);
int cmd_volume(struct berth_ctx *ctx, int argc, char **argv);
int cmd_pod(struct berth_ctx *ctx, int argc, char **argv);
int cmd_kube_play(struct berth_ctx *ctx, int argc, char **argv);
int cmd_kube_down(struct berth_ctx *ctx, int argc, char **argv);
int cmd_exec(struct berth_ctx *ctx, int argc, char **argv);
int cmd_ps(struct berth_ctx *ctx, int argc, char **argv);
int cmd_inspect(struct berth_ctx *ctx, int argc, char **argv);
int cmd_internal(struct berth_ctx *ctx, int argc, char **argv);

struct storage;
/* Open the store at ctx->root; prints the error and returns EXIT_INVALID on failure. */
int cmd_open_store(struct berth_ctx *ctx, struct storage **ret);
/*
 * The same, for a command that brings images in or makes containers of
 * them: with the shared layer store as ctx says (a warning when it cannot
 * be used, an error when it is required).
 */
int cmd_open_store_shared(struct berth_ctx *ctx, struct storage **ret);
/*
 * For a command that looks at what the shared layer store holds (system df,
 * inspect, image inspect, rmi): the store with the shared one whenever one
 * is configured, shared base layers on or not.
 */
int cmd_open_store_seeing_shared(struct berth_ctx *ctx, struct storage **ret);
/* The store options for a command that may use the shared layer store (as ctx says). */
struct storage_opts cmd_storage_opts(const struct berth_ctx *ctx);
/*
 * A command's --shared-base-layers[=true|false|required] (arg NULL: true):
 * the enum storage_shared value, or -1 with the usage error printed.
 */
int cmd_parse_shared_layers(const char *cmd, const char *arg);

/* "berth: kube validate: MESSAGE" on stderr; returns EXIT_USAGE for the caller to return. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run the command named argv[0] from table, or print what exists. */
int cmd_dispatch(struct berth_ctx *ctx, const char *prefix, const struct berth_cmd *table, int argc,
                 char **argv, void (*help)(FILE *f));
