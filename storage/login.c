/* storage/login.c: berth login and logout: credentials checked, then kept in auth.json */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "registries-conf.h"
#include "registry.h"
#include "storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

static char *
auth_path(const struct storage_opts *opts)
{
        return opts->auth_file ? strdup(opts->auth_file) : auth_file_default_path();
}

int
storage_login(const struct storage_opts *opts, const char *registry, const char *user,
              const char *password, struct berr **err)
{
        _cleanup_(registry_freep) struct registry *r = NULL;
        _cleanup_free_ char *path = auth_path(opts);
        struct registries_conf conf = {0};
        const struct registry_entry *e;
        struct registry_opts ro = {.user = user, .password = password};
        bool docker_hub = strcmp(registry, "docker.io") == 0;
        int k;

        if (!path)
                return berr(err, ENOMEM, "login");
        k = registries_conf_load(&conf, "", err);
        if (k < 0)
                return k;
        e = registries_conf_find(&conf, registry);
        ro.tls_verify = opts->tls_verify == 1   ? true
                        : opts->tls_verify == 0 ? false
                                                : !(e && e->insecure);
        registries_conf_clear(&conf);

        k = registry_new(docker_hub ? "registry-1.docker.io" : registry, &ro, &r, err);
        if (k < 0)
                return k;
        k = registry_check_login(r, err);
        if (k < 0)
                return k;
        return auth_file_store(path, registry, user, password, err);
}

int
storage_logout(const struct storage_opts *opts, const char *registry, struct berr **err)
{
        _cleanup_free_ char *path = auth_path(opts);

        if (!path)
                return berr(err, ENOMEM, "logout");
        if (!registry) {
                if (unlink(path) < 0 && errno != ENOENT)
                        return berr(err, errno, "remove %s", path);
                return 1;
        }
        return auth_file_remove(path, registry, err);
}
