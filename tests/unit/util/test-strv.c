/* tests/unit/util/test-strv.c: NULL-terminated string arrays */
#include <stdlib.h>

#include "check.h"
#include "util/strv.h"

static void
test_length_copy_free(void)
{
        char *const v[] = {"a", "bc", "", NULL};
        char **c;

        check(strv_length(NULL) == 0);
        check(strv_length(v) == 3);
        c = strv_copy(v);
        check(c && strv_length(c) == 3 && c[3] == NULL);
        check(c && c[1] != v[1]);
        check_str(c ? c[1] : NULL, "bc");
        check(strv_free(c) == NULL);
        c = strv_copy(NULL);
        check(c && c[0] == NULL);
        strv_freep(&c);
        check(c == NULL);
        check(strv_free(NULL) == NULL);
}

int
main(void)
{
        RUN(test_length_copy_free);
        return check_done();
}
