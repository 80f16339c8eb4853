/* cmd/kube.c: berth kube SUBCOMMAND */
#include <stdio.h>

#include "cmd.h"

static const struct berth_cmd kube_commands[] = {
        {"play", "Run the pods that Kubernetes YAML describes", cmd_kube_play},
        {"down", "Stop and remove the pods that Kubernetes YAML describes", cmd_kube_down},
        {"validate", "Check Kubernetes YAML against Kubernetes' rules", cmd_kube_validate},
        {NULL, NULL, NULL},
};

static void
kube_help(FILE *f)
{
        fputs("Usage: berth kube COMMAND [ARGS...]\n"
              "\n"
              "Work with Kubernetes YAML: Pod, Deployment, ConfigMap, Secret and\n"
              "PersistentVolumeClaim manifests.\n"
              "\n"
              "Commands:\n",
              f);
        for (const struct berth_cmd *c = kube_commands; c->name; c++)
                fprintf(f, "  %-10s %s\n", c->name, c->summary);
        fputs("\nRun 'berth kube COMMAND --help' for more about a command.\n", f);
}

int
cmd_kube(struct berth_ctx *ctx, int argc, char **argv)
{
        return cmd_dispatch(ctx, "kube", kube_commands, argc - 1, argv + 1, kube_help);
}
