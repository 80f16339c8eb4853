/* cmd/cmd.h: the command table and what the command files share */
#pragma once

#include <stdio.h>

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
int cmd_images(struct berth_ctx *ctx, int argc, char **argv);
int cmd_image(struct berth_ctx *ctx, int argc, char **argv);
int cmd_rmi(struct berth_ctx *ctx, int argc, char **argv);
int cmd_system(struct berth_ctx *ctx, int argc, char **argv);
int cmd_login(struct berth_ctx *ctx, int argc, char **argv);
int cmd_logout(struct berth_ctx *ctx, int argc, char **argv);

/* "berth: kube validate: MESSAGE" on stderr; returns EXIT_USAGE for the caller to return. */
int cmd_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Run the command named argv[0] from table, or print what exists. */
int cmd_dispatch(struct berth_ctx *ctx, const char *prefix, const struct berth_cmd *table, int argc,
                 char **argv, void (*help)(FILE *f));
