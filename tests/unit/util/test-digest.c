/* tests/unit/util/test-digest.c: SHA-256 digests */
#include <string.h>

#include "check.h"
#include "util/digest.h"

static void
test_known_vectors(void)
{
        char out[DIGEST_STRING_MAX];

        check(digest_buffer("", 0, out) == 0);
        check_str(out, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        check(digest_buffer("abc", 3, out) == 0);
        check_str(out, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
test_streaming_equals_one_shot_and_reuse(void)
{
        struct digester *d = digester_new();
        char a[DIGEST_STRING_MAX], b[DIGEST_STRING_MAX];

        check(d != NULL);
        if (!d)
                return;
        check(digester_update(d, "a", 1) == 0 && digester_update(d, "bc", 2) == 0);
        check(digester_final(d, a) == 0);
        check(digest_buffer("abc", 3, b) == 0);
        check_str(a, b);
        /* final starts it over */
        check(digester_update(d, "abc", 3) == 0 && digester_final(d, a) == 0);
        check_str(a, b);
        digester_free(d);
}

static void
test_valid(void)
{
        check(digest_valid(
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        check(!digest_valid(
                "sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"));
        check(!digest_valid("sha256:e3b0"));
        check(!digest_valid(
                "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8555"));
        check(!digest_valid(
                "sha512:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        check(!digest_valid(
                "sha256:../../../../etc/passwd/e3b0c44298fc1c149afbf4c8996fb92427ae41e"));
        check(!digest_valid(NULL));
        check_str(
                digest_hex(
                        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int
main(void)
{
        RUN(test_known_vectors);
        RUN(test_streaming_equals_one_shot_and_reuse);
        RUN(test_valid);
        return check_done();
}
