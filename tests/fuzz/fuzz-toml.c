/*
 * tests/fuzz/fuzz-toml.c: the TOML subset reader (util/toml.c) and
 * berth.conf on top of it; both read files any user writes. What the
 * reader hands out must lie inside the input; an error must say where;
 * a berth.conf that does not parse must change nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/berth-conf.h"
#include "util/berr.h"
#include "util/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
        size_t size;
        size_t last_off; /* events come in file order */
        unsigned events;
};

static void
check_off(struct seen *s, size_t off)
{
        if (off >= s->size)
                abort();
}

static int
on_table(void *userdata, char *const *keys, size_t n, bool array, size_t off, struct berr **err)
{
        struct seen *s = userdata;

        check_off(s, off);
        if (n == 0 || (s->events && off <= s->last_off))
                abort();
        for (size_t i = 0; i < n; i++)
                if (!keys[i])
                        abort();
        s->last_off = off;
        /* a handler's failure ends the parse with its error */
        if (++s->events == 50)
                return toml_fail(err, &(struct toml_src){.buf = "", .len = 0, .name = "fuzz"}, 0,
                                 "enough");
        return 0;
}

static int
on_keyval(void *userdata, const char *key, size_t key_off, struct toml_value *v, struct berr **err)
{
        struct seen *s = userdata;

        check_off(s, key_off);
        check_off(s, v->off);
        if (!key || v->off <= key_off || (s->events && key_off <= s->last_off))
                abort();
        s->last_off = key_off;
        s->events++;
        switch (v->type) {
        case TOML_STRING:
                if (!v->str)
                        abort();
                break;
        case TOML_BOOL:
        case TOML_INT:
                break;
        case TOML_ARRAY:
                for (size_t i = 0; i < v->n_items; i++) {
                        if (!v->items[i].s || v->items[i].off <= v->off)
                                abort();
                        check_off(s, v->items[i].off);
                }
                break;
        default:
                abort();
        }
        /* a handler may keep a string: the reader must not free it again */
        if (v->type == TOML_STRING && (s->events & 1)) {
                free(v->str);
                v->str = NULL;
        }
        return 0;
}

static void
fuzz_reader(const uint8_t *data, size_t size)
{
        static const struct toml_handler handler = {.table = on_table, .keyval = on_keyval};
        struct toml_src src = {.buf = (const char *)data, .len = size, .name = "fuzz.toml"};
        struct seen s = {.size = size};
        struct berr *err = NULL;
        int r;

        r = toml_parse(&src, &handler, &s, &err);
        if (r < 0) {
                if (!err || !err->msg)
                        abort();
                if (strncmp(err->msg, "fuzz", 4) != 0 && strcmp(err->msg, "out of memory") != 0)
                        abort();
        } else if (err) {
                abort();
        }
        berr_free(err);
}

static void
fuzz_berth_conf(const uint8_t *data, size_t size)
{
        struct berth_conf c = {};
        struct berr *err = NULL;

        if (berth_conf_parse(&c, (const char *)data, size, "berth.conf", &err) < 0) {
                if (!err || strncmp(err->msg, "berth.conf", 10) != 0)
                        abort();
                if (c.shared_store || c.shared_store_from || c.shared_base_layers ||
                    c.shared_layer_format)
                        abort();
        } else {
                if (c.shared_store && c.shared_store[0] != '/')
                        abort();
                if (c.shared_store && !c.shared_store_from)
                        abort();
                if (c.shared_base_layers < 0 || c.shared_base_layers >= _BERTH_SHARED_LAYERS_MAX ||
                    c.shared_layer_format < 0 || c.shared_layer_format >= _BERTH_LAYER_FORMAT_MAX)
                        abort();
                if (!berth_shared_layers_to_string(c.shared_base_layers) ||
                    !berth_layer_format_to_string(c.shared_layer_format))
                        abort();
        }
        berth_conf_done(&c);
        berr_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        fuzz_reader(data, size);
        fuzz_berth_conf(data, size);
        return 0;
}
