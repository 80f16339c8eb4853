/* util/ctx.h: what one berth invocation knows, built in main and passed down */
#pragma once

#include <stdbool.h>

enum berth_log_level {
        BERTH_LOG_ERROR,
        BERTH_LOG_WARN,
        BERTH_LOG_INFO,
        BERTH_LOG_DEBUG,
        _BERTH_LOG_MAX,
        _BERTH_LOG_INVALID = -22,
};

struct berth_conf;

struct berth_ctx {
        const char *root;    /* store: /var/lib/berth, or $XDG_DATA_HOME/berth when not root */
        const char *runroot; /* /run/berth */
        enum berth_log_level log_level;
        /* the shared layer store (--shared-store, BERTH_SHARED_STORE, berth.conf), or NULL */
        const char *shared_store;
        int shared_layers;     /* enum storage_shared: --shared-base-layers or berth.conf */
        bool shared_dirs_only; /* --shared-layer-format=dir: no EROFS images of layers */
        /* berth.conf, the environment and the global flags, merged (where each came from) */
        const struct berth_conf *conf;
        bool stderr_tty, stdout_tty;
};
