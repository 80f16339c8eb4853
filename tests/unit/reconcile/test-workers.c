/* tests/unit/reconcile/test-workers.c: a plan's items run in forked workers */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "reconcile/workers.h"
#include "util/berr.h"

struct job {
        int fail_every; /* item i fails when i % fail_every == fail_at */
        int fail_at;
        int die_at; /* the worker exits at this item without a word; -1 never */
};

/* out: [i * i, pid]; fails with "item I failed" where the job says */
static int
item(size_t i, void *userdata, json_t **out, struct berr **err)
{
        const struct job *j = userdata;

        if ((int)i == j->die_at)
                _exit(3);
        *out = json_pack("[I, i]", (json_int_t)i * (json_int_t)i, (int)getpid());
        if (j->fail_every > 0 && (int)(i % (size_t)j->fail_every) == j->fail_at)
                return berr(err, EEXIST, "item %zu failed", i);
        return 0;
}

static int
init_fails(void *userdata, struct berr **err)
{
        (void)userdata;
        return berr(err, EACCES, "no lock for this worker");
}

static void
test_results_in_order(void)
{
        struct job j = {7, 3, -1};
        struct workers_result *res = NULL;
        pid_t first = 0;
        bool other_pid = false, all_ok = true;

        check(workers_run(20, 4, NULL, item, &j, &res, NULL) == 0);
        if (!res)
                return;
        for (size_t i = 0; i < 20; i++) {
                json_int_t sq = json_integer_value(json_array_get(res[i].out, 0));
                pid_t pid = (pid_t)json_integer_value(json_array_get(res[i].out, 1));
                bool should_fail = i % 7 == 3;

                all_ok =
                        all_ok && sq == (json_int_t)i * (json_int_t)i && pid > 0 && pid != getpid();
                if (should_fail) {
                        char want[64];
                        snprintf(want, sizeof(want), "item %zu failed: %s", i, strerror(EEXIST));
                        all_ok = all_ok && res[i].errnum == EEXIST && res[i].message &&
                                 strcmp(res[i].message, want) == 0;
                } else {
                        all_ok = all_ok && res[i].errnum == 0 && !res[i].message;
                }
                if (i == 0)
                        first = pid;
                else if (pid != first)
                        other_pid = true;
        }
        check(all_ok);
        check(other_pid); /* not all in one worker */
        workers_results_free(res, 20);
}

static void
test_one_item_runs_here(void)
{
        struct job j = {0, 0, -1};
        struct workers_result *res = NULL;

        check(workers_run(1, 8, NULL, item, &j, &res, NULL) == 0);
        if (!res)
                return;
        check(json_integer_value(json_array_get(res[0].out, 1)) == getpid());
        check(res[0].errnum == 0);
        workers_results_free(res, 1);
}

/* a worker that dies: its item and its later items fail, the others do not */
static void
test_worker_dies(void)
{
        struct job j = {0, 0, 4};
        struct workers_result *res = NULL;

        check(workers_run(9, 3, NULL, item, &j, &res, NULL) == 0);
        if (!res)
                return;
        /* worker 1 has items 1, 4, 7: 1 done, 4 and 7 never told */
        check(res[1].errnum == 0);
        check(res[4].errnum == EIO && res[4].message && strstr(res[4].message, "exited before"));
        check(res[7].errnum == EIO);
        for (size_t i = 0; i < 9; i++)
                if (i % 3 != 1)
                        check(res[i].errnum == 0);
        workers_results_free(res, 9);
}

static void
test_init_fails(void)
{
        struct job j = {0, 0, -1};
        struct workers_result *res = NULL;
        bool all = true;

        check(workers_run(5, 2, init_fails, item, &j, &res, NULL) == 0);
        if (!res)
                return;
        for (size_t i = 0; i < 5; i++)
                all = all && res[i].errnum == EACCES && !res[i].out && res[i].message &&
                      strstr(res[i].message, "no lock for this worker");
        check(all);
        workers_results_free(res, 5);
}

static void
test_default(void)
{
        check(workers_default(0) == 0);
        check(workers_default(1) == 1);
        check(workers_default(1000) >= 2 && workers_default(1000) <= 16);
}

int
main(void)
{
        RUN(test_results_in_order);
        RUN(test_one_item_runs_here);
        RUN(test_worker_dies);
        RUN(test_init_fails);
        RUN(test_default);
        return check_done();
}
