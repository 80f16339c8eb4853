/*
 * tests/fuzz/fuzz-registries-conf.c: registries.conf files, which anyone
 * with a home directory writes: read, merge a second time, look things up.
 * What is read must hold the promises of registries-conf.h.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/registries-conf.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_conf(const struct registries_conf *c)
{
        for (size_t i = 0; i < c->n_search; i++)
                if (!c->search[i])
                        abort();
        for (size_t i = 0; i < c->n_registries; i++) {
                const struct registry_entry *e = &c->registries[i];

                /* sorted, each prefix once, NULL location only with a wildcard */
                if (!e->prefix || !*e->prefix)
                        abort();
                if (i > 0 && strcmp(c->registries[i - 1].prefix, e->prefix) >= 0)
                        abort();
                if (!e->location && strncmp(e->prefix, "*.", 2) != 0)
                        abort();
                for (size_t j = 0; j < e->n_mirrors; j++)
                        if (!e->mirrors[j].location || !*e->mirrors[j].location)
                                abort();
                /* every prefix finds an entry at least as long as itself */
                if (!registries_conf_find(c, e->prefix))
                        abort();
        }
        for (size_t i = 0; i < c->n_aliases; i++) {
                if (!c->aliases[i].name || !c->aliases[i].value || !*c->aliases[i].value)
                        abort();
                if (i > 0 && strcmp(c->aliases[i - 1].name, c->aliases[i].name) >= 0)
                        abort();
                if (registries_conf_alias(c, c->aliases[i].name) != c->aliases[i].value)
                        abort();
        }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct registries_conf c = {};
        struct berr *err = NULL;
        char *ref;
        size_t n_search, n_registries, n_aliases;
        int r;

        r = registries_conf_parse(&c, (const char *)data, size, "fuzz.conf", &err);
        if (r < 0) {
                /* an error says where, and leaves the configuration empty */
                if (!err || !err->msg || strncmp(err->msg, "fuzz.conf", 9) != 0)
                        abort();
                if (c.n_search || c.n_registries || c.n_aliases || c.short_name_mode)
                        abort();
                berr_free(err);
                return 0;
        }
        check_conf(&c);

        /* the same file again: same result, as every setting replaces itself */
        n_search = c.n_search;
        n_registries = c.n_registries;
        n_aliases = c.n_aliases;
        if (registries_conf_parse(&c, (const char *)data, size, "again.conf", &err) != 0)
                abort();
        if (c.n_search != n_search || c.n_registries != n_registries || c.n_aliases != n_aliases)
                abort();
        check_conf(&c);

        /* the input as a reference to match */
        ref = strndup((const char *)data, size);
        if (ref) {
                (void)registries_conf_find(&c, ref);
                (void)registries_conf_alias(&c, ref);
        }
        free(ref);
        registries_conf_clear(&c);
        berr_free(err);
        return 0;
}
