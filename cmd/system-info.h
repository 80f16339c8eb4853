/* cmd/system-info.h: berth system info, called from cmd_system's table (cmd/images.c) */
#pragma once

struct berth_ctx;

/* berth system info [--format text|json]: the host, the store and the shared store. */
int cmd_system_info(struct berth_ctx *ctx, int argc, char **argv);
