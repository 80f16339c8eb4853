/*
 * runtime/backoff.c: restartPolicy and CrashLoopBackOff, as pure functions
 * of exit statuses and times, for the pod monitor.
 */
#include "backoff.h"

#include <string.h>
#include <sys/wait.h>

static const char *const policy_names[_RESTART_POLICY_MAX] = {
        [RESTART_ALWAYS] = "Always",
        [RESTART_ON_FAILURE] = "OnFailure",
        [RESTART_NEVER] = "Never",
};

enum restart_policy
restart_policy_from_string(const char *s)
{
        if (!s || !*s)
                return RESTART_ALWAYS;
        for (int p = 0; p < _RESTART_POLICY_MAX; p++)
                if (strcmp(s, policy_names[p]) == 0)
                        return (enum restart_policy)p;
        return _RESTART_POLICY_INVALID;
}

const char *
restart_policy_to_string(enum restart_policy p)
{
        if (p < 0 || p >= _RESTART_POLICY_MAX)
                return NULL;
        return policy_names[p];
}

bool
restart_policy_should_restart(enum restart_policy p, int wait_status)
{
        switch (p) {
        case RESTART_ALWAYS:
                return true;
        case RESTART_ON_FAILURE:
                /* a stopped or continued status is not an end: nothing to restart */
                if (WIFEXITED(wait_status))
                        return WEXITSTATUS(wait_status) != 0;
                return WIFSIGNALED(wait_status);
        default:
                return false;
        }
}

int64_t
backoff_next(struct backoff *b, int64_t started_ns, int64_t exited_ns)
{
        int64_t ran = exited_ns > started_ns ? exited_ns - started_ns : 0, wait;

        if (ran >= BACKOFF_RESET_NS)
                backoff_reset(b);
        wait = b->next_ns;
        if (wait <= 0)
                b->next_ns = BACKOFF_INITIAL_NS;
        else
                b->next_ns = wait >= BACKOFF_MAX_NS / 2 ? BACKOFF_MAX_NS : wait * 2;
        b->exits++;
        return wait > 0 ? wait : 0;
}

void
backoff_reset(struct backoff *b)
{
        *b = (struct backoff)BACKOFF_INIT;
}
