/*
 * tests/fuzz/fuzz-kube.c: manifests from outside: YAML/JSON text through
 * the reader, the tree and the typed decoders, with and without --strict.
 */
#include <stdint.h>
#include <stdlib.h>

#include "kube/kube.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
read_all(const uint8_t *data, size_t size, const char *name, bool strict)
{
        struct kube_opts opts = {.strict = strict};
        struct kube_reader *r = NULL;
        struct berr *err = NULL;
        struct kube_names *names = kube_names_new();
        int k;

        if (kube_reader_open_buffer((const char *)data, size, name, &opts, &r, &err) < 0) {
                berr_free(err);
                kube_names_free(names);
                return;
        }
        for (;;) {
                struct kube_doc *doc = NULL;
                struct kube_loc first;

                k = kube_reader_next(r, &doc, &err);
                if (k <= 0)
                        break;
                for (size_t i = 0; i < doc->n_objects && names; i++)
                        (void)kube_names_add(names, &doc->objects[i], &first);
                kube_doc_free(doc);
        }
        berr_free(err);
        kube_names_free(names);
        kube_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        read_all(data, size, "fuzz.yaml", size % 2 == 0);
        read_all(data, size, "fuzz.json", false);
        return 0;
}
