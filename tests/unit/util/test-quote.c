/* tests/unit/util/test-quote.c: outside text escaped for messages */
#include <stdlib.h>

#include "check.h"
#include "util/quote.h"

static void
check_quote(const char *in, size_t max, const char *want)
{
        char *q = quote_escape(in, max);

        check_str(q, want);
        free(q);
}

static void
test_escapes(void)
{
        check_quote("plain", 10, "plain");
        check_quote("a\"b\\c", 10, "a\\\"b\\\\c");
        check_quote("line\nnext\x1b[2J", 20, "line\\x0anext\\x1b[2J");
        check_quote("\x7f", 10, "\\x7f");
        check_quote("caf\xc3\xa9", 10, "caf\xc3\xa9"); /* UTF-8 passes */
}

static void
test_cut(void)
{
        check_quote("abcdef", 3, "abc...");
        check_quote("abc", 3, "abc");
        check_quote("", 3, "");
}

int
main(void)
{
        RUN(test_escapes);
        RUN(test_cut);
        return check_done();
}
