/*
 * tests/unit/storage/test-volumes.c: named volumes in a store made in a
 * temp dir: the layout on disk, podman's names and messages, the "in use"
 * callback, prune, what a crashed removal leaves, and two creates racing
 * for one name. Each test removes its store, whatever it found.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "storage/rfc3339.h"
#include "storage/storage.h"
#include "storage/volumes.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct fixture {
        char dir[64];
        struct storage *s;
};

static bool
fixture_open(struct fixture *f)
{
        struct berr *err = NULL;
        struct storage_opts o = {.tls_verify = -1};

        snprintf(f->dir, sizeof(f->dir), "/tmp/berth-test-volumes-XXXXXX");
        f->s = NULL;
        if (!mkdtemp(f->dir))
                return false;
        o.root = f->dir;
        if (storage_open(&o, &f->s, &err) < 0) {
                fprintf(stderr, "  storage_open: %s\n", err ? err->msg : "?");
                berr_free(err);
                return false;
        }
        return true;
}

static void
fixture_close(struct fixture *f)
{
        f->s = storage_close(f->s);
        if (f->dir[0] == '/')
                check(rm_rf_at(AT_FDCWD, f->dir) == 0);
}

static mode_t
mode_of(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static void
test_create_layout(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct volume v = {0};
        json_t *labels = json_pack("{s:s, s:s}", "app", "web", "empty", "");
        json_t *rec = NULL;
        char path[256], want[256];
        int64_t t = 0;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                json_decref(labels);
                return;
        }
        check(volume_create(f.s, "data", labels, 0, &v, &err) == 0);
        check(err == NULL);
        snprintf(want, sizeof(want), "%s/volumes/data/_data", f.dir);
        check_str(v.name, "data");
        check_str(v.driver, "local");
        check_str(v.mountpoint, want);
        check(rfc3339_parse(v.created_at, &t) == 0 && t > 1600000000);
        check_str(json_string_value(json_object_get(v.labels, "app")), "web");
        check(json_object_size(v.options) == 0);

        /* the layout: _data 0755, the record beside it */
        check((mode_of(want) & 07777) == 0755 && S_ISDIR(mode_of(want)));
        snprintf(path, sizeof(path), "%s/volumes/data", f.dir);
        check((mode_of(path) & 07777) == 0700);
        snprintf(path, sizeof(path), "%s/volumes/data/volume.json", f.dir);
        rec = json_load_file(path, 0, NULL);
        check(rec != NULL);
        check_str(json_string_value(json_object_get(rec, "name")), "data");
        check_str(json_string_value(json_object_get(rec, "driver")), "local");
        check_str(json_string_value(json_object_get(rec, "mountpoint")), want);
        check_str(json_string_value(json_object_get(rec, "createdAt")), v.created_at);
        check_str(json_string_value(json_object_get(json_object_get(rec, "labels"), "empty")), "");
        check(json_is_object(json_object_get(rec, "options")));
        json_decref(rec);

        /* nothing left in tmp: the volume was renamed out of it, its lock removed */
        snprintf(path, sizeof(path), "%s/tmp", f.dir);
        {
                DIR *d = opendir(path);
                struct dirent *de;
                int n = 0;

                check(d != NULL);
                while (d && (de = readdir(d)))
                        n += de->d_name[0] != '.';
                if (d)
                        closedir(d);
                check(n == 0);
        }
        volume_clear(&v);
        json_decref(labels);
        fixture_close(&f);
}

static void
test_create_exists(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct volume v = {0};
        json_t *one = json_pack("{s:s}", "k", "one"), *two = json_pack("{s:s}", "k", "two");

        check(fixture_open(&f));
        if (f.s) {
                check(volume_create(f.s, "v1", one, 0, NULL, &err) == 0);
                check(volume_create(f.s, "v1", two, 0, NULL, &err) == -EEXIST);
                check(err &&
                      streq(err->msg, "volume with name v1 already exists: volume already exists"));
                err = berr_free(err);
                /* --ignore: the volume as it was, labels included */
                check(volume_create(f.s, "v1", two, VOLUME_CREATE_IGNORE, &v, &err) == 1);
                check(err == NULL);
                check_str(json_string_value(json_object_get(v.labels, "k")), "one");
                volume_clear(&v);
        }
        json_decref(one);
        json_decref(two);
        fixture_close(&f);
}

static void
test_names(void)
{
        static const char *const good[] = {"a", "Z9", "my_vol.1-x", "0"};
        static const char *const bad[] = {"", "-a", "_a", ".a", "..", "a/b", "a b", "é"};
        struct fixture f = {0};
        char long_name[300];

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                check(volume_name_valid(good[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                check(!volume_name_valid(bad[i]));
        memset(long_name, 'a', 255);
        long_name[255] = '\0';
        check(volume_name_valid(long_name));
        long_name[255] = 'a';
        long_name[256] = '\0';
        check(!volume_name_valid(long_name));

        check(fixture_open(&f));
        if (f.s) {
                struct berr *err = NULL;

                check(volume_create(f.s, "a/b", NULL, 0, NULL, &err) == -EINVAL);
                check(err && streq(err->msg, "invalid volume name \"a/b\": names must match "
                                             "[a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument"));
                err = berr_free(err);
                check(volume_find(f.s, "..", &(struct volume){0}, &err) == -EINVAL);
                err = berr_free(err);
                check(volume_remove(f.s, "../x", true, NULL, &err) == -EINVAL);
                err = berr_free(err);
        }
        fixture_close(&f);
}

static void
test_find_list_inspect(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        json_t *all = NULL, *one = NULL, *labels = json_pack("{s:s}", "a", "b");

        check(fixture_open(&f));
        if (!f.s) {
                json_decref(labels);
                fixture_close(&f);
                return;
        }
        check(volume_find(f.s, "nope", &(struct volume){0}, &err) == -ENOENT);
        check(err && streq(err->msg, "no volume with name \"nope\" found: no such volume"));
        err = berr_free(err);

        check(volume_list(f.s, &all, &err) == 0);
        check(json_is_array(all) && json_array_size(all) == 0);
        json_decref(all);

        check(volume_create(f.s, "zeta", NULL, 0, NULL, &err) == 0);
        check(volume_create(f.s, "alpha", labels, 0, NULL, &err) == 0);
        check(volume_create(f.s, "Mid", NULL, 0, NULL, &err) == 0);
        check(volume_list(f.s, &all, &err) == 0);
        check(json_array_size(all) == 3);
        /* sorted by name, bytewise */
        check_str(json_string_value(json_object_get(json_array_get(all, 0), "Name")), "Mid");
        check_str(json_string_value(json_object_get(json_array_get(all, 1), "Name")), "alpha");
        check_str(json_string_value(json_object_get(json_array_get(all, 2), "Name")), "zeta");
        {
                /* podman's keys, and only those */
                static const char *const keys[] = {"Name",   "Driver", "Mountpoint", "CreatedAt",
                                                   "Labels", "Scope",  "Options"};
                json_t *a = json_array_get(all, 1);

                check(json_object_size(a) == ELEMENTSOF(keys));
                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        check(json_object_get(a, keys[i]) != NULL);
                check_str(json_string_value(json_object_get(a, "Scope")), "local");
                check_str(json_string_value(json_object_get(a, "Driver")), "local");
                check_str(json_string_value(json_object_get(json_object_get(a, "Labels"), "a")),
                          "b");
        }
        check(volume_inspect(f.s, "alpha", &one, &err) == 0);
        check(json_equal(one, json_array_get(all, 1)));
        json_decref(one);
        json_decref(all);

        /* a broken record hides only itself */
        {
                char path[256];
                int fd;

                snprintf(path, sizeof(path), "%s/volumes/zeta/volume.json", f.dir);
                fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
                check(fd >= 0 && write(fd, "{", 1) == 1);
                if (fd >= 0)
                        close(fd);
                check(volume_list(f.s, &all, &err) == 0);
                check(json_array_size(all) == 2);
                json_decref(all);
        }
        json_decref(labels);
        fixture_close(&f);
}

struct users {
        const char *busy; /* the one volume in use */
        int calls;
        int fail; /* return this instead */
};

static int
users_in_use(void *userdata, const struct volume *v, char **ret_users, struct berr **err)
{
        struct users *u = userdata;

        u->calls++;
        if (u->fail)
                return berr(err, -u->fail, "listing containers");
        if (u->busy && strcmp(v->name, u->busy) == 0) {
                *ret_users = strdup("c0ffee, deadbeef");
                return 1;
        }
        return 0;
}

static void
test_remove(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct users u = {.busy = "busy"};
        struct volume_users users = {.in_use = users_in_use, .userdata = &u};
        char path[256];

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        check(volume_create(f.s, "busy", NULL, 0, NULL, &err) == 0);
        check(volume_create(f.s, "free", NULL, 0, NULL, &err) == 0);
        /* data inside goes with it */
        snprintf(path, sizeof(path), "%s/volumes/free/_data/sub", f.dir);
        check(mkdir(path, 0700) == 0);

        check(volume_remove(f.s, "busy", false, &users, &err) == -EBUSY);
        check(err && streq(err->msg, "volume busy is being used by the following container(s): "
                                     "c0ffee, deadbeef: volume is being used"));
        err = berr_free(err);
        snprintf(path, sizeof(path), "%s/volumes/busy/_data", f.dir);
        check(S_ISDIR(mode_of(path)));

        check(volume_remove(f.s, "free", false, &users, &err) == 0);
        check(err == NULL);
        snprintf(path, sizeof(path), "%s/volumes/free", f.dir);
        check(mode_of(path) == 0);
        check(volume_remove(f.s, "free", false, &users, &err) == -ENOENT);
        check(err && streq(err->msg, "no volume with name \"free\" found: no such volume"));
        err = berr_free(err);

        /* the callback's own failure is the error */
        {
                struct users failing = {.fail = EIO};
                struct volume_users fusers = {.in_use = users_in_use, .userdata = &failing};

                check(volume_remove(f.s, "busy", false, &fusers, &err) == -EIO);
                check(err && strstr(err->msg, "listing containers") == err->msg);
                err = berr_free(err);
        }

        /* force: not asked at all */
        u.calls = 0;
        check(volume_remove(f.s, "busy", true, &users, &err) == 0);
        check(u.calls == 0);
        snprintf(path, sizeof(path), "%s/volumes/busy", f.dir);
        check(mode_of(path) == 0);
        fixture_close(&f);
}

static void
test_prune(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        struct users u = {.busy = "b"};
        struct volume_users users = {.in_use = users_in_use, .userdata = &u};
        char **names = NULL;
        size_t n = 99;
        json_t *all = NULL;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        check(volume_prune(f.s, &users, &names, &n, &err) == 0);
        check(n == 0 && names && !names[0]);
        free(names);
        names = NULL;
        check(volume_create(f.s, "c", NULL, 0, NULL, &err) == 0);
        check(volume_create(f.s, "a", NULL, 0, NULL, &err) == 0);
        check(volume_create(f.s, "b", NULL, 0, NULL, &err) == 0);
        check(volume_prune(f.s, &users, &names, &n, &err) == 0);
        check(err == NULL);
        check(n == 2);
        check(names && names[0] && streq(names[0], "a") && names[1] && streq(names[1], "c") &&
              !names[2]);
        for (size_t i = 0; names && names[i]; i++)
                free(names[i]);
        free(names);
        check(volume_list(f.s, &all, &err) == 0);
        check(json_array_size(all) == 1);
        check_str(json_string_value(json_object_get(json_array_get(all, 0), "Name")), "b");
        json_decref(all);

        /* a callback that fails stops the prune, with its message */
        u.fail = EIO;
        check(volume_prune(f.s, &users, NULL, NULL, &err) == -EIO);
        check(err && streq(err->msg, "listing containers: Input/output error"));
        err = berr_free(err);
        fixture_close(&f);
}

/* A removal whose process died half-way is finished by the next; a live one is left alone. */
static void
test_removal_leftovers(void)
{
        struct fixture f = {0};
        struct berr *err = NULL;
        char dead[256], live[256];

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        check(volume_create(f.s, "x", NULL, 0, NULL, &err) == 0);
        check(volume_create(f.s, "y", NULL, 0, NULL, &err) == 0);
        /* pid_max is at most 2^22: this pid is nobody */
        snprintf(dead, sizeof(dead), "%s/volumes/.removing-old-%d", f.dir, 0x7ffffff0);
        snprintf(live, sizeof(live), "%s/volumes/.removing-other-%d", f.dir, (int)getppid());
        check(mkdir(dead, 0700) == 0 && mkdir(live, 0700) == 0);
        {
                char sub[300];

                snprintf(sub, sizeof(sub), "%s/_data", dead);
                check(mkdir(sub, 0700) == 0);
        }
        check(volume_remove(f.s, "x", false, NULL, &err) == 0);
        check(mode_of(dead) == 0);
        check(S_ISDIR(mode_of(live)));
        /* and neither is listed as a volume */
        {
                json_t *all = NULL;

                check(volume_list(f.s, &all, &err) == 0);
                check(json_array_size(all) == 1);
                json_decref(all);
        }
        check(rmdir(live) == 0);
        fixture_close(&f);
}

/* Two processes create one name at once: one makes it, the other is told it exists. */
static void
test_create_race(void)
{
        struct fixture f = {0};
        int made = 0, exists = 0;

        check(fixture_open(&f));
        if (!f.s) {
                fixture_close(&f);
                return;
        }
        for (int round = 0; round < 10; round++) {
                char name[32];
                pid_t pids[4];

                snprintf(name, sizeof(name), "race%d", round);
                for (int i = 0; i < 4; i++) {
                        pids[i] = fork();
                        if (pids[i] == 0) {
                                /* its own store, so its own lock file description */
                                struct storage_opts o = {.root = f.dir, .tls_verify = -1};
                                struct storage *s = NULL;
                                struct berr *err = NULL;
                                int r = storage_open(&o, &s, &err);

                                if (r == 0)
                                        r = volume_create(s, name, NULL, 0, NULL, &err);
                                _exit(r == 0 ? 0 : r == -EEXIST ? 1 : 2);
                        }
                }
                for (int i = 0; i < 4; i++) {
                        int st = 0;

                        check(pids[i] > 0 && waitpid(pids[i], &st, 0) == pids[i]);
                        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                                made++;
                        else if (WIFEXITED(st) && WEXITSTATUS(st) == 1)
                                exists++;
                }
        }
        check(made == 10);
        check(exists == 30);
        fixture_close(&f);
}

int
main(void)
{
        RUN(test_create_layout);
        RUN(test_create_exists);
        RUN(test_names);
        RUN(test_find_list_inspect);
        RUN(test_remove);
        RUN(test_prune);
        RUN(test_removal_leftovers);
        RUN(test_create_race);
        return check_done();
}
