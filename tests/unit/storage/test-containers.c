/*
 * tests/unit/storage/test-containers.c: container and pod records in a
 * store made in a temp dir: what a crash leaves of them (a directory made
 * before its first record, a removal renamed aside) is gone once the store
 * is opened again, and whole records are kept. Each test removes its store.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "storage/storage.h"
#include "storage/store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define HALF "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct fixture {
        char dir[64];
        struct storage *s;
};

static bool
store_open(struct fixture *f)
{
        struct berr *err = NULL;
        struct storage_opts o = {.tls_verify = -1};

        o.root = f->dir;
        if (storage_open(&o, &f->s, &err) < 0) {
                fprintf(stderr, "  storage_open: %s\n", err ? err->msg : "?");
                berr_free(err);
                f->s = NULL;
                return false;
        }
        return true;
}

static bool
fixture_open(struct fixture *f)
{
        snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-containers-XXXXXX");
        f->s = NULL;
        return mkdtemp(f->dir) && store_open(f);
}

static void
fixture_close(struct fixture *f)
{
        f->s = storage_close(f->s);
        if (f->dir[0] == '/')
                check(rm_rf_at(AT_FDCWD, f->dir) == 0);
}

static bool
exists(const struct fixture *f, const char *rel)
{
        char p[300];
        struct stat st;

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        return lstat(p, &st) == 0;
}

static void
make(const struct fixture *f, const char *rel, bool dir)
{
        static const char torn[] = "{\"name\": \"x\", \"st";
        char p[300];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", f->dir, rel);
        if (dir) {
                check(mkdir(p, 0700) == 0);
                return;
        }
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        check(fd >= 0);
        if (fd >= 0) {
                check(fs_write_all(fd, torn, strlen(torn)) == 0);
                (void)close(fd);
        }
}

/*
 * A kube play killed between the mkdir of a pod's directory and the rename
 * of its first record; a pod removal killed after its rename: the next
 * opening of the store removes both, and keeps the pod that has a record.
 */
static void
test_pod_leftovers(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        _cleanup_free_ char *id = NULL;
        json_t *rec = json_pack("{s:s}", "name", "kept"), *all = NULL;
        char kept[100];

        check(fixture_open(&f));
        if (!f.s || !rec) {
                json_decref(rec);
                fixture_close(&f);
                return;
        }
        check(storage_pod_create(f.s, rec, &id, &err) == 0);
        json_decref(rec);
        make(&f, "pods/" HALF, true);
        make(&f, "pods/" HALF "/.pod.json.tmp.4242", false);
        make(&f, "pods/.removing-" HALF, true);
        make(&f, "pods/.removing-" HALF "/etc", true);
        /* not an ID: not berth's, left alone */
        make(&f, "pods/other", true);
        f.s = storage_close(f.s);
        check(store_open(&f));
        check(!exists(&f, "pods/" HALF));
        check(!exists(&f, "pods/.removing-" HALF));
        check(exists(&f, "pods/other"));
        snprintf(kept, sizeof(kept), "pods/%s/pod.json", id ? id : "?");
        check(exists(&f, kept));
        check(f.s && storage_pods(f.s, &all, &err) == 0);
        check(json_array_size(all) == 1);
        check_str(json_string_value(json_object_get(json_array_get(all, 0), "name")), "kept");
        check_str(json_string_value(json_object_get(json_array_get(all, 0), "state")), "creating");
        json_decref(all);
        berr_free(err);
        fixture_close(&f);
}

/* The same for containers: a directory with no container.json goes, a whole one stays. */
static void
test_container_leftovers(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        _cleanup_free_ char *id = NULL;
        json_t *rec = json_pack("{s:s}", "name", "c"), *all = NULL;

        check(fixture_open(&f));
        if (!f.s || !rec) {
                json_decref(rec);
                fixture_close(&f);
                return;
        }
        check(storage_container_create(f.s, rec, &id, &err) == 0);
        json_decref(rec);
        make(&f, "containers/" HALF, true);
        make(&f, "containers/" HALF "/upper", true);
        f.s = storage_close(f.s);
        check(store_open(&f));
        check(!exists(&f, "containers/" HALF));
        check(f.s && storage_containers(f.s, &all, &err) == 0);
        check(json_array_size(all) == 1);
        check_str(json_string_value(json_object_get(json_array_get(all, 0), "id")), id);
        json_decref(all);
        berr_free(err);
        fixture_close(&f);
}

/* An ID chosen before the create (storage_new_id) is the record's; one that is not an ID is
 * refused. */
static void
test_given_id(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        _cleanup_free_ char *id = NULL, *other = NULL;
        char chosen[65] = "", dir[100];
        json_t *rec = NULL, *bad = json_pack("{s:s, s:s}", "name", "b", "id", "../x"),
               *found = NULL;

        check(fixture_open(&f));
        check(storage_new_id(chosen, &err) == 0);
        check(strlen(chosen) == 64 && strspn(chosen, "0123456789abcdef") == 64);
        rec = json_pack("{s:s, s:s}", "name", "p", "id", chosen);
        if (!f.s || !rec || !bad) {
                json_decref(rec);
                json_decref(bad);
                fixture_close(&f);
                return;
        }
        check(storage_pod_create(f.s, rec, &id, &err) == 0);
        check_str(id, chosen);
        snprintf(dir, sizeof(dir), "pods/%s/pod.json", chosen);
        check(exists(&f, dir));
        check(storage_pod_find(f.s, "p", &found, &err) == 0);
        check_str(json_string_value(json_object_get(found, "id")), chosen);
        berr_free(err);
        err = NULL;
        check(storage_pod_create(f.s, bad, &other, &err) == -EINVAL);
        check(other == NULL);
        check(err && strstr(err->msg, "not a pod ID"));
        json_decref(found);
        json_decref(rec);
        json_decref(bad);
        berr_free(err);
        fixture_close(&f);
}

/*
 * The process that plays berth: its own store handle, the store's lock
 * taken, a child made with a copy of its files that waits for the lock
 * through storage_child_copy(); killed with the lock held. The child says
 * its PID, then "L" once it has the lock.
 */
static _Noreturn void
killed_holder(const char *dir, int out)
{
        struct storage_opts o = {.tls_verify = -1, .root = dir};
        struct storage *s = NULL;
        char msg[32];
        pid_t child;
        int len;

        if (storage_open(&o, &s, NULL) < 0 || store_lock(s, NULL) < 0)
                _exit(1);
        child = fork();
        if (child < 0)
                _exit(1);
        if (child == 0) {
                struct storage *c = storage_child_copy(s, NULL);

                if (!c || store_lock(c, NULL) < 0)
                        _exit(1);
                (void)!write(out, "L", 1);
                _exit(0);
        }
        len = snprintf(msg, sizeof(msg), "%d ", (int)child);
        (void)!write(out, msg, (size_t)len);
        /* the child waits in flock by now, mostly; either way the lock is ours */
        (void)poll(NULL, 0, 50);
        (void)kill(getpid(), SIGKILL);
        _exit(1);
}

/* a child that waits for the store's lock gets it once the holder is killed */
static void
test_child_copy_after_holder_killed(void)
{
        struct fixture f = {0};
        char buf[64] = "";
        size_t got = 0;
        int p[2], status = 0;
        long child = 0;
        pid_t holder;

        check(fixture_open(&f));
        /* the child comes to us when the holder dies, to be reaped */
        if (!f.s || pipe2(p, O_CLOEXEC) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
                fixture_close(&f);
                return;
        }
        holder = fork();
        if (holder == 0) {
                (void)close(p[0]);
                killed_holder(f.dir, p[1]);
        }
        (void)close(p[1]);
        check(holder > 0 && waitpid(holder, &status, 0) == holder);
        check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* 5 s for the child's PID and its "L" */
        for (int i = 0; i < 50 && !strchr(buf, 'L'); i++) {
                struct pollfd pfd = {.fd = p[0], .events = POLLIN};
                ssize_t n;

                if (poll(&pfd, 1, 100) <= 0)
                        continue;
                n = read(p[0], buf + got, sizeof(buf) - 1 - got);
                if (n <= 0)
                        break;
                got += (size_t)n;
                buf[got] = '\0';
        }
        check(sscanf(buf, "%ld", &child) == 1 && child > 0);
        check(strchr(buf, 'L') != NULL);
        /* one still waiting would wait for ever */
        if (!strchr(buf, 'L') && child > 0)
                (void)kill((pid_t)child, SIGKILL);
        if (child > 0)
                (void)waitpid((pid_t)child, NULL, 0);
        (void)prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
        (void)close(p[0]);
        fixture_close(&f);
}

int
main(void)
{
        RUN(test_pod_leftovers);
        RUN(test_container_leftovers);
        RUN(test_given_id);
        RUN(test_child_copy_after_holder_killed);
        return check_done();
}
