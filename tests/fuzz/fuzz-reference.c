/*
 * tests/fuzz/fuzz-reference.c: image references from users and manifests:
 * parse, write out, read back. What parses must print a canonical string
 * that reads back to the same reference, qualified or not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/reference.h"
#include "util/berr.h"
#include "util/digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* s must parse, as a qualified name, back to s */
static void
check_round_trip(const char *s)
{
        struct image_ref *again = NULL;
        char *s2;

        if (image_ref_parse(s, &again, NULL) != 0 || again->short_name)
                abort();
        s2 = image_ref_string(again);
        if (s2 && strcmp(s, s2) != 0)
                abort();
        free(s2);
        image_ref_free(again);
}

static void
check_ref(const struct image_ref *r)
{
        char *s = image_ref_string(r), *f = image_ref_familiar(r);

        if (!r->registry || !r->repository || (!r->tag && !r->digest))
                abort();
        if (!image_ref_registry_valid(r->registry, strlen(r->registry)))
                abort();
        if (r->tag && (!*r->tag || strlen(r->tag) > IMAGE_REF_TAG_MAX))
                abort();
        if (r->digest && !digest_valid(r->digest))
                abort();
        if (strlen(r->registry) + 1 + strlen(r->repository) > IMAGE_REF_NAME_MAX)
                abort();
        if (s)
                check_round_trip(s);
        if (s && f && strncmp(s, f, strlen(f)) != 0)
                abort();
        free(s);
        free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const registries[] = {"quay.io",        "docker.io",  "index.docker.io",
                                                 "localhost:5000", "[::1]:5000", "localhost"};
        struct image_ref *r = NULL;
        struct berr *err = NULL;
        char *s = strndup((const char *)data, size);

        if (!s)
                return 0;
        if (image_ref_parse(s, &r, &err) == 0) {
                check_ref(r);
                for (size_t i = 0; r->short_name && i < sizeof(registries) / sizeof(*registries);
                     i++) {
                        struct image_ref *q = image_ref_with_registry(r, registries[i]);

                        if (q) {
                                check_ref(q);
                                if (q->short_name)
                                        abort();
                        }
                        image_ref_free(q);
                }
                /* with any registry the input's first part names, valid or not */
                image_ref_free(image_ref_with_registry(r, s));
        } else if (!err || !err->msg || r) {
                abort();
        }
        image_ref_free(r);
        berr_free(err);
        free(s);
        return 0;
}
