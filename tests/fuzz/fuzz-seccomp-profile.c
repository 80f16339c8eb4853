/*
 * tests/fuzz/fuzz-seccomp-profile.c: seccomp profile files (OCI or
 * Docker/podman form), read with and without capabilities. What reads
 * must come out as an OCI object that reads back to itself and that
 * seccomp_filter_build() compiles or refuses with a message; what does not
 * read must say why, naming the file, with no control bytes in the message.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/seccomp.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

static void
check_message(const struct berr *err)
{
        if (!err || !err->msg || strncmp(err->msg, NAME, strlen(NAME)) != 0)
                abort();
        for (const char *s = err->msg; *s; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        abort();
}

static void
check_profile(const json_t *p, const char *const *caps, size_t n_caps)
{
        struct seccomp_filter *f = NULL;
        struct berr *err = NULL;
        json_t *again = NULL;
        char *s;

        if (!json_is_object(p) || !json_is_string(json_object_get(p, "defaultAction")) ||
            !json_is_array(json_object_get(p, "syscalls")))
                abort();
        /* the OCI object is a fixed point of the reader */
        s = json_dumps(p, 0);
        if (!s)
                return;
        if (seccomp_profile_parse(NAME, s, strlen(s), caps, n_caps, &again, &err) != 0 ||
            !json_equal(p, again))
                abort();
        free(s);
        json_decref(again);
        if (seccomp_filter_build(p, &f, &err) == 0) {
                if (!f || seccomp_filter_size(f) == 0 || seccomp_filter_size(f) > 4096 || err)
                        abort();
        } else if (f || !err || !err->msg) {
                abort();
        }
        seccomp_filter_free(f);
        berr_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const caps[] = {"CAP_SYS_ADMIN", "CAP_AUDIT_WRITE", "sys_chroot"};

        for (size_t n = 0; n <= 3; n += 3) {
                struct berr *err = NULL;
                json_t *p = NULL;
                int r = seccomp_profile_parse(NAME, (const char *)data, size, caps, n, &p, &err);

                if (r == 0) {
                        if (!p || err)
                                abort();
                        check_profile(p, caps, n);
                } else {
                        if (p || (r != -EINVAL && r != -ENOMEM))
                                abort();
                        check_message(err);
                }
                json_decref(p);
                berr_free(err);
        }
        return 0;
}
