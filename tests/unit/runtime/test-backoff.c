/* tests/unit/runtime/test-backoff.c: restartPolicy and CrashLoopBackOff, on made-up times */
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

#include "check.h"
#include "runtime/backoff.h"

#define S(x) ((int64_t)(x)*BACKOFF_NSEC_PER_SEC)

/* wait statuses as waitpid() reports them */
static int
exited(int code)
{
        return (code & 0xff) << 8;
}

static int
killed(int sig)
{
        return sig & 0x7f;
}

static void
test_policy_names(void)
{
        check(restart_policy_from_string("Always") == RESTART_ALWAYS);
        check(restart_policy_from_string("OnFailure") == RESTART_ON_FAILURE);
        check(restart_policy_from_string("Never") == RESTART_NEVER);
        /* the API's default */
        check(restart_policy_from_string(NULL) == RESTART_ALWAYS);
        check(restart_policy_from_string("") == RESTART_ALWAYS);
        /* Kubernetes spells them one way only */
        check(restart_policy_from_string("always") == _RESTART_POLICY_INVALID);
        check(restart_policy_from_string("Sometimes") == _RESTART_POLICY_INVALID);
        check_str(restart_policy_to_string(RESTART_ON_FAILURE), "OnFailure");
        check(restart_policy_to_string(_RESTART_POLICY_MAX) == NULL);
        check(restart_policy_to_string(_RESTART_POLICY_INVALID) == NULL);
}

static void
test_wait_status_helpers(void)
{
        /* the helpers above make what the kernel makes */
        check(WIFEXITED(exited(3)) && WEXITSTATUS(exited(3)) == 3);
        check(WIFSIGNALED(killed(SIGKILL)) && WTERMSIG(killed(SIGKILL)) == SIGKILL);
}

static void
test_should_restart(void)
{
        check(restart_policy_should_restart(RESTART_ALWAYS, exited(0)));
        check(restart_policy_should_restart(RESTART_ALWAYS, exited(1)));
        check(restart_policy_should_restart(RESTART_ALWAYS, killed(SIGKILL)));

        check(!restart_policy_should_restart(RESTART_ON_FAILURE, exited(0)));
        check(restart_policy_should_restart(RESTART_ON_FAILURE, exited(1)));
        check(restart_policy_should_restart(RESTART_ON_FAILURE, exited(255)));
        /* a liveness kill is a failure */
        check(restart_policy_should_restart(RESTART_ON_FAILURE, killed(SIGKILL)));
        check(restart_policy_should_restart(RESTART_ON_FAILURE, killed(SIGTERM)));

        check(!restart_policy_should_restart(RESTART_NEVER, exited(0)));
        check(!restart_policy_should_restart(RESTART_NEVER, exited(1)));
        check(!restart_policy_should_restart(RESTART_NEVER, killed(SIGKILL)));

        check(!restart_policy_should_restart(_RESTART_POLICY_INVALID, exited(1)));
}

/* a container that crashes a second after each start, restarted when told */
static void
test_sequence(void)
{
        static const int64_t want[] = {0, 10, 20, 40, 80, 160, 300, 300, 300};
        struct backoff b = BACKOFF_INIT;
        int64_t t = S(1000);

        for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
                int64_t d = backoff_next(&b, t, t + S(1));

                check(d == S(want[i]));
                check(b.exits == i + 1);
                t += S(1) + d;
        }
}

static void
test_reset_after_ten_minutes(void)
{
        struct backoff b = BACKOFF_INIT;

        check(backoff_next(&b, S(0), S(1)) == 0);
        check(backoff_next(&b, S(1), S(2)) == S(10));
        check(backoff_next(&b, S(12), S(13)) == S(20));
        /* just short of ten minutes: the back-off goes on */
        check(backoff_next(&b, S(33), S(33) + BACKOFF_RESET_NS - 1) == S(40));
        /* ten minutes: a first crash again, restarted at once, then 10 s */
        check(backoff_next(&b, S(2000), S(2000) + BACKOFF_RESET_NS) == 0);
        check(b.exits == 1);
        check(backoff_next(&b, S(3000), S(3001)) == S(10));
}

static void
test_reset_and_odd_clocks(void)
{
        struct backoff b = BACKOFF_INIT;

        check(backoff_next(&b, 0, 1) == 0);
        check(backoff_next(&b, 0, 1) == S(10));
        backoff_reset(&b);
        check(b.exits == 0);
        check(backoff_next(&b, 0, 1) == 0);
        /* an exit before the start (a clock gone back) is a run of no length: no reset */
        check(backoff_next(&b, S(5000), S(1)) == S(10));
        check(backoff_next(&b, S(5000), S(1)) == S(20));
}

static void
test_timespec(void)
{
        struct timespec t = {.tv_sec = 3, .tv_nsec = 5};

        check(backoff_ns_from_timespec(&t) == S(3) + 5);
}

int
main(void)
{
        RUN(test_policy_names);
        RUN(test_wait_status_helpers);
        RUN(test_should_restart);
        RUN(test_sequence);
        RUN(test_reset_after_ten_minutes);
        RUN(test_reset_and_odd_clocks);
        RUN(test_timespec);
        return check_done();
}
