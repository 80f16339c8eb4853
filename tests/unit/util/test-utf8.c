/* tests/unit/util/test-utf8.c: UTF-8 validation */
#include <string.h>

#include "check.h"
#include "util/utf8.h"

static size_t
at(const char *s)
{
        return utf8_invalid_at(s, strlen(s));
}

static void
test_valid(void)
{
        check(at("") == 0);
        check(at("plain ascii") == 11);
        check(at("caf\xc3\xa9") == 5);
        check(at("\xe2\x82\xac euro") == 8);
        check(at("\xf0\x9f\x90\xb3 whale") == 10);
        check(at("\xef\xbb\xbf"
                 "bom") == 6);
        check(at("\xf4\x8f\xbf\xbf") == 4); /* U+10FFFF */
}

static void
test_invalid(void)
{
        check(at("\x80") == 0);             /* a continuation byte alone */
        check(at("ab\xa3") == 2);           /* the byte a fuzzer found */
        check(at("\xc0\xaf") == 0);         /* overlong '/' */
        check(at("\xe0\x80\xaf") == 0);     /* overlong */
        check(at("\xed\xa0\x80") == 0);     /* a surrogate */
        check(at("\xf4\x90\x80\x80") == 0); /* past U+10FFFF */
        check(at("ok\xc3") == 2);           /* cut short */
        check(at("\xe2\x82x") == 0);        /* a bad continuation */
        check(at("\xff") == 0);
}

int
main(void)
{
        RUN(test_valid);
        RUN(test_invalid);
        return check_done();
}
