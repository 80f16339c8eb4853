/*
 * tests/check.h: the unit-test runner. Each test binary prints one line per
 * test ("PASS name", "FAIL name: where", "SKIP name: why"); tests/run adds
 * them up. A failed check() marks the test failed and goes on, so one run
 * shows every broken assertion.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct check_state {
        int failed_checks;
        int passed, failed, skipped;
        const char *skip_reason;
};

static struct check_state check_state_;

#define streq(a, b) (strcmp((a), (b)) == 0)

#define check(expr)                                                                                \
        do {                                                                                       \
                if (!(expr)) {                                                                     \
                        fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
                        check_state_.failed_checks++;                                              \
                }                                                                                  \
        } while (0)

/* check a string equality and show both sides when it fails */
#define check_str(got, want)                                                                   \
        do {                                                                                   \
                const char *g_ = (got), *w_ = (want);                                          \
                if (!g_ || !w_ || strcmp(g_, w_) != 0) {                                       \
                        fprintf(stderr, "  %s:%d: %s\n    got:  %s\n    want: %s\n", __FILE__, \
                                __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");       \
                        check_state_.failed_checks++;                                          \
                }                                                                              \
        } while (0)

#define check_skip(why) (check_state_.skip_reason = (why))

static inline void
check_run(const char *name, void (*fn)(void))
{
        check_state_.failed_checks = 0;
        check_state_.skip_reason = NULL;
        fn();
        if (check_state_.failed_checks) {
                printf("FAIL %s: %d check(s) failed\n", name, check_state_.failed_checks);
                check_state_.failed++;
        } else if (check_state_.skip_reason) {
                printf("SKIP %s: %s\n", name, check_state_.skip_reason);
                check_state_.skipped++;
        } else {
                printf("PASS %s\n", name);
                check_state_.passed++;
        }
        fflush(stdout);
}

#define RUN(fn) check_run(#fn, fn)

static inline int
check_done(void)
{
        return check_state_.failed ? 1 : 0;
}
