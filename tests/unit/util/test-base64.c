/* tests/unit/util/test-base64.c: base64 decoded as Go's base64.StdEncoding does */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "util/base64.h"

/* decode a NUL-terminated input and compare with want (want_len bytes) */
static bool
decodes_to(const char *in, const char *want, size_t want_len)
{
        unsigned char *out = NULL;
        size_t n = 12345, checked = 54321;
        bool ok;

        if (base64_decode(in, strlen(in), &out, &n) != 0)
                return false;
        ok = n == want_len && memcmp(out, want, n) == 0 && out[n] == '\0';
        ok = ok && base64_decoded_check(in, strlen(in), &checked) == 0 && checked == n;
        free(out);
        return ok;
}

static bool
rejected(const char *in, size_t len)
{
        unsigned char *out = (unsigned char *)"untouched";
        size_t n = 7, checked = 9;
        bool ok;

        ok = base64_decode(in, len, &out, &n) == -EINVAL;
        ok = ok && base64_decoded_check(in, len, &checked) == -EINVAL;
        return ok && n == 7 && checked == 9 && strcmp((char *)out, "untouched") == 0;
}

static bool
rejects(const char *in)
{
        return rejected(in, strlen(in));
}

static void
test_rfc4648_vectors(void)
{
        check(decodes_to("", "", 0));
        check(decodes_to("Zg==", "f", 1));
        check(decodes_to("Zm8=", "fo", 2));
        check(decodes_to("Zm9v", "foo", 3));
        check(decodes_to("Zm9vYg==", "foob", 4));
        check(decodes_to("Zm9vYmE=", "fooba", 5));
        check(decodes_to("Zm9vYmFy", "foobar", 6));
}

static void
test_full_alphabet(void)
{
        /* every character of the alphabet, '+' and '/' included */
        const char *in = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char want[] = {
                0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30, 0xd3, 0x8f,
                0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96, 0x9b, 0x71, 0xd7, 0x9f,
                0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7, 0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf,
                0xc3, 0x1c, 0xb3, 0xd3, 0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf,
        };

        check(decodes_to(in, (const char *)want, sizeof(want)));
}

static void
test_binary_output(void)
{
        unsigned char *out = NULL;
        size_t n = 0;

        /* NUL bytes inside the data are data: the length tells */
        check(base64_decode("AAEC/w==", 8, &out, &n) == 0);
        check(n == 4);
        if (out && n == 4) {
                check(out[0] == 0x00 && out[1] == 0x01 && out[2] == 0x02 && out[3] == 0xff);
                check(out[4] == '\0');
        }
        free(out);
}

static void
test_newlines_ignored(void)
{
        check(decodes_to("Zm9v\nYmFy", "foobar", 6));
        check(decodes_to("Zm9v\r\nYmFy\r\n", "foobar", 6));
        check(decodes_to("\nZ\nm\r9\nv\n", "foo", 3));
        check(decodes_to("Zg=\n=", "f", 1));
        check(decodes_to("Zg=\r\n\r\n=\n", "f", 1));
        check(decodes_to("Zg==\n\n\n", "f", 1));
        check(decodes_to("Zm8\n=", "fo", 2));
        check(decodes_to("\n", "", 0));
        check(decodes_to("\r\n\r\n", "", 0));
}

static void
test_trailing_bits_accepted(void)
{
        /* StdEncoding, unlike StdEncoding.Strict(), drops the unused bits unchecked */
        check(decodes_to("Zh==", "f", 1));
        check(decodes_to("Zm9=", "fo", 2));
        check(decodes_to("//==", "\xff", 1));
        check(decodes_to("///=", "\xff\xff", 2));
}

static void
test_bad_characters(void)
{
        check(rejects("Zm9v YmFy"));
        check(rejects(" Zm9v"));
        check(rejects("Zm9v\t"));
        check(rejects("Zm9-"));
        check(rejects("Zm9_"));
        check(rejects("Zm9v.mFy"));
        check(rejects("Zm9v\xc3\xa9"));
        check(rejects("Zm9vYmFy!"));
        check(rejected("Zm9v\0YmFy", 9));
        check(rejected("Zg==\0", 5));
}

static void
test_bad_padding(void)
{
        check(rejects("Z"));
        check(rejects("Zg"));
        check(rejects("Zg="));
        check(rejects("Zm8"));
        check(rejects("Zm9vY"));
        check(rejects("Zm9vYg"));
        check(rejects("Zm9vYg="));
        check(rejects("Zm9vYmE"));
        check(rejects("="));
        check(rejects("=="));
        check(rejects("===="));
        check(rejects("Z==="));
        check(rejects("Z="));
        check(rejects("Zm9vZ="));
        check(rejects("Zm9vZ\n="));
        check(rejects("Z=="));
        check(rejects("Zm9v===="));
        check(rejects("Zm9v="));
        check(rejects("Zg==="));
        check(rejects("Zm8=="));
        check(rejects("Zg=\n"));
}

static void
test_data_after_padding(void)
{
        check(rejects("Zg==Zg=="));
        check(rejects("Zm8=Zm8="));
        check(rejects("Zg==\nZg=="));
        check(rejects("Zm8=A"));
        check(rejects("Zg=x="));
        check(rejects("Zg==x"));
        check(rejects("Zg== "));
}

static void
test_explicit_length(void)
{
        unsigned char *out = NULL;
        size_t n = 0;

        /* in is not read past len */
        check(base64_decode("Zm9vYmFy", 4, &out, &n) == 0);
        check(n == 3 && out && memcmp(out, "foo", 3) == 0);
        free(out);
        out = NULL;
        check(base64_decode("Zm9vYmFy", 0, &out, &n) == 0);
        check(n == 0 && out && out[0] == '\0');
        free(out);
        check(base64_decoded_check("Zm9vYmFy", 7, &n) == -EINVAL);
        check(base64_decoded_check("Zm9vYmFy", 8, NULL) == 0);
}

static void
test_large(void)
{
        /* 3 MiB of output, with a newline every 76 characters as MIME wraps it */
        size_t groups = 1024 * 1024, len = groups * 4 + groups * 4 / 76 + 1, pos = 0, n = 0;
        char *in = malloc(len + 1);
        unsigned char *out = NULL;
        bool same = true;

        check(in != NULL);
        if (!in)
                return;
        for (size_t g = 0, col = 0; g < groups; g++) {
                for (size_t k = 0; k < 4; k++) {
                        in[pos++] = "Zm9v"[k];
                        if (++col == 76) {
                                in[pos++] = '\n';
                                col = 0;
                        }
                }
        }
        in[pos] = '\0';
        check(base64_decoded_check(in, pos, &n) == 0 && n == groups * 3);
        check(base64_decode(in, pos, &out, &n) == 0 && n == groups * 3);
        for (size_t i = 0; out && i < n; i++)
                same = same && out[i] == (unsigned char)"foo"[i % 3];
        check(same);
        free(out);
        free(in);
}

static void
test_encode_round_trip(void)
{
        static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
        static const char *const enc[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                          "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
                char *e = base64_encode(plain[i], strlen(plain[i]));
                unsigned char *d = NULL;
                size_t n = 0;

                check_str(e, enc[i]);
                check(e && base64_decode(e, strlen(e), &d, &n) == 0 && n == strlen(plain[i]) &&
                      memcmp(d, plain[i], n) == 0);
                free(e);
                free(d);
        }
}

int
main(void)
{
        RUN(test_encode_round_trip);
        RUN(test_rfc4648_vectors);
        RUN(test_full_alphabet);
        RUN(test_binary_output);
        RUN(test_newlines_ignored);
        RUN(test_trailing_bits_accepted);
        RUN(test_bad_characters);
        RUN(test_bad_padding);
        RUN(test_data_after_padding);
        RUN(test_explicit_length);
        RUN(test_large);
        return check_done();
}
