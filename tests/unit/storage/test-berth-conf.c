/* tests/unit/storage/test-berth-conf.c: berth.conf, the environment and flags over it */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "storage/berth-conf.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

static int
parse(struct berth_conf *c, const char *text, const char *name, struct berr **err)
{
        return berth_conf_parse(c, text, strlen(text), name, err);
}

static void
test_parse(void)
{
        static const char t[] = "# berth.conf\n"
                                "[storage]\n"
                                "shared_store = \"/cluster/berth\"\n"
                                "shared_base_layers = \"required\"  # no local copies\n"
                                "shared_layer_format = 'erofs'\n";
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, t, "/etc/berth/berth.conf", &err) == 0);
        check(!err);
        check_str(c.shared_store, "/cluster/berth");
        check_str(c.shared_store_from, "/etc/berth/berth.conf:3");
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_REQUIRED);
        check_str(c.shared_base_layers_from, "/etc/berth/berth.conf:4");
        check(c.shared_layer_format == BERTH_LAYER_FORMAT_EROFS);
        check_str(c.shared_layer_format_from, "/etc/berth/berth.conf:5");
        berth_conf_done(&c);
        check(!c.shared_store && !c.shared_store_from && c.shared_base_layers == 0);
}

static void
test_booleans(void)
{
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, "[storage]\nshared_base_layers = true\n", "a", &err) == 0);
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_ON);
        check(parse(&c, "[storage]\nshared_base_layers = false\n", "b", &err) == 0);
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_OFF);
        check_str(c.shared_base_layers_from, "b:2");
        /* an empty file, or an empty table, changes nothing */
        check(parse(&c, "", "c", &err) == 0);
        check(parse(&c, "[storage]\n", "d", &err) == 0);
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_OFF && !c.shared_store);
        berth_conf_done(&c);
}

/* each key of a later file replaces the earlier one's; the rest stay */
static void
test_merge(void)
{
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c,
                    "[storage]\nshared_store = '/sys/store'\nshared_base_layers = true\n"
                    "shared_layer_format = 'dir'\n",
                    "system", &err) == 0);
        check(parse(&c, "[storage]\nshared_layer_format = 'erofs'\n", "user", &err) == 0);
        check_str(c.shared_store, "/sys/store");
        check_str(c.shared_store_from, "system:2");
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_ON);
        check(c.shared_layer_format == BERTH_LAYER_FORMAT_EROFS);
        check_str(c.shared_layer_format_from, "user:2");
        /* "" unsets the store of an earlier file, and says who did */
        check(parse(&c, "[storage]\nshared_store = ''\n", "user2", &err) == 0);
        check(!c.shared_store);
        check_str(c.shared_store_from, "user2:2");
        berth_conf_done(&c);
}

struct bad {
        const char *text;
        const char *msg;
};

static const struct bad bad[] = {
        {"shared_store = '/x'\n", "f:1:1: shared_store: expected in the [storage] table"},
        {"foo = 1\n", "f:1:1: unknown key \"foo\" in the top level"},
        {"[storage]\nshared_stor = '/x'\n", "f:2:1: unknown key \"shared_stor\" in [storage]"},
        {"[storage]\n\"a\\nb\" = '/x'\n", "f:2:1: unknown key \"a\\x0ab\" in [storage]"},
        {"[engine]\n", "f:1:1: unknown table [engine]"},
        {"[storage.options]\n", "f:1:1: unknown table [storage.options]"},
        {"[[storage]]\n", "f:1:1: storage is a table: write it [storage]"},
        {"[storage]\n[storage]\n", "f:2:1: table [storage] is defined twice"},
        {"[storage]\nshared_store = '/a'\nshared_store = '/b'\n",
         "f:3:1: duplicate key \"shared_store\""},
        {"[storage]\nshared_store = 5\n", "f:2:16: shared_store: expected a string"},
        {"[storage]\nshared_store = 'rel/dir'\n",
         "f:2:16: shared_store \"rel/dir\": expected an absolute path"},
        {"[storage]\nshared_base_layers = 'yes'\n",
         "f:2:22: shared_base_layers: expected true, false or \"required\""},
        {"[storage]\nshared_base_layers = 1\n",
         "f:2:22: shared_base_layers: expected true, false or \"required\""},
        {"[storage]\nshared_layer_format = 'squashfs'\n",
         "f:2:23: shared_layer_format \"squashfs\": expected \"dir\" or \"erofs\""},
        {"[storage]\nshared_layer_format = ['dir']\n",
         "f:2:23: shared_layer_format: expected a string"},
        /* the syntax: util/toml.c's errors */
        {"[storage]\nshared_store = /x\n", "f:2:16: expected a value"},
        {"[storage]\nshared_base_layers = 1.0\n", "f:2:22: floats are not supported"},
        {"[storage\n", "f:1:9: expected ']' to close the table header"},
};

static void
test_errors(void)
{
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct berth_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(parse(&c, bad[i].text, "f", &err) == -EINVAL);
                check_str(err ? err->msg : NULL, bad[i].msg);
                check(!c.shared_store && c.shared_base_layers == 0 && c.shared_layer_format == 0);
                berth_conf_done(&c);
        }
}

/* a file with an error changes nothing, not even the keys before the error */
static void
test_error_keeps(void)
{
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, "[storage]\nshared_store = '/a'\n", "a", &err) == 0);
        check(parse(&c, "[storage]\nshared_store = '/b'\nshared_base_layers = 'x'\n", "b", &err) ==
              -EINVAL);
        check_str(c.shared_store, "/a");
        check_str(c.shared_store_from, "a:2");
        check(c.shared_base_layers == BERTH_SHARED_LAYERS_UNSET);
        berth_conf_done(&c);
}

static char *
write_file(const char *dir, const char *name, const char *text)
{
        char *path = NULL;
        int fd;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return NULL;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
                if (fd >= 0)
                        close(fd);
                free(path);
                return NULL;
        }
        close(fd);
        return path;
}

static void
test_load(void)
{
        char tmpl[] = "/tmp/berth-test-conf.XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *sys = NULL, *user = NULL, *bad_file = NULL, *missing = NULL;

        check(dir);
        if (!dir)
                return;
        sys = write_file(dir, "system.conf",
                         "[storage]\nshared_store = '/sys'\nshared_base_layers = true\n");
        user = write_file(dir, "user.conf", "[storage]\nshared_store = '/user'\n");
        bad_file = write_file(dir, "bad.conf", "[storage]\nshared_store = 'x'\n");
        check(asprintf(&missing, "%s/missing.conf", dir) > 0);
        check(sys && user && bad_file);

        {
                struct berth_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_load(&c, sys, user, &err) == 0);
                check_str(c.shared_store, "/user");
                check(c.shared_base_layers == BERTH_SHARED_LAYERS_ON);
                check(c.shared_base_layers_from &&
                      strstr(c.shared_base_layers_from, "system.conf:3"));
                berth_conf_done(&c);
        }
        {
                struct berth_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;

                /* missing files and "" are skipped */
                check(berth_conf_load(&c, missing, "", &err) == 0);
                check(!c.shared_store);
                check(berth_conf_load(&c, "", user, &err) == 0);
                check_str(c.shared_store, "/user");
                berth_conf_done(&c);
        }
        {
                struct berth_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *want = NULL;

                /* an error in the user's file: the system's settings are not kept either */
                check(berth_conf_load(&c, sys, bad_file, &err) == -EINVAL);
                check(asprintf(&want, "%s:2:16: shared_store \"x\": expected an absolute path",
                               bad_file) > 0);
                check_str(err ? err->msg : NULL, want);
                check(!c.shared_store && c.shared_base_layers == 0);
        }
        {
                struct berth_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_load(&c, dir, "", &err) == -EISDIR);
                check(err && strstr(err->msg, "Is a directory"));
        }
        (void)rm_rf_at(AT_FDCWD, dir);
}

static void
test_load_default_user(void)
{
        char tmpl[] = "/tmp/berth-test-conf.XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *sub = NULL, *file = NULL, *path = NULL, *want = NULL;
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        char *old_xdg = xdg ? strdup(xdg) : NULL, *old_home = home ? strdup(home) : NULL;

        check(dir);
        if (!dir)
                return;
        check(asprintf(&sub, "%s/berth", dir) > 0);
        check(mkdir(sub, 0755) == 0);
        file = write_file(sub, "berth.conf", "[storage]\nshared_layer_format = 'dir'\n");
        check(file);

        check(setenv("XDG_CONFIG_HOME", dir, 1) == 0);
        check(berth_conf_user_path(&path) == 0);
        check_str(path, file);
        free(path);
        path = NULL;
        check(berth_conf_load(&c, "", NULL, &err) == 0);
        check(c.shared_layer_format == BERTH_LAYER_FORMAT_DIR);
        check(asprintf(&want, "%s:2", file) > 0);
        check_str(c.shared_layer_format_from, want);
        berth_conf_done(&c);

        /* a relative XDG_CONFIG_HOME is ignored: HOME's .config then */
        check(setenv("XDG_CONFIG_HOME", "relative", 1) == 0);
        check(setenv("HOME", "/home/someone", 1) == 0);
        check(berth_conf_user_path(&path) == 0);
        check_str(path, "/home/someone/.config/berth/berth.conf");
        free(path);
        path = NULL;
        check(unsetenv("XDG_CONFIG_HOME") == 0 && unsetenv("HOME") == 0);
        check(berth_conf_user_path(&path) == 0);
        check(!path);

        if (old_xdg)
                (void)setenv("XDG_CONFIG_HOME", old_xdg, 1);
        if (old_home)
                (void)setenv("HOME", old_home, 1);
        free(old_xdg);
        free(old_home);
        (void)rm_rf_at(AT_FDCWD, dir);
}

static void
test_env(void)
{
        struct berth_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, "[storage]\nshared_store = '/file'\n", "f", &err) == 0);
        check(unsetenv("BERTH_SHARED_STORE") == 0);
        check(berth_conf_apply_env(&c, &err) == 0);
        check_str(c.shared_store, "/file");
        check(setenv("BERTH_SHARED_STORE", "", 1) == 0);
        check(berth_conf_apply_env(&c, &err) == 0);
        check_str(c.shared_store, "/file");
        check(setenv("BERTH_SHARED_STORE", "/env", 1) == 0);
        check(berth_conf_apply_env(&c, &err) == 0);
        check_str(c.shared_store, "/env");
        check_str(c.shared_store_from, "BERTH_SHARED_STORE");
        check(setenv("BERTH_SHARED_STORE", "env", 1) == 0);
        check(berth_conf_apply_env(&c, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "BERTH_SHARED_STORE: \"env\": expected an absolute path");
        check_str(c.shared_store, "/env");
        check(unsetenv("BERTH_SHARED_STORE") == 0);
        berth_conf_done(&c);
}

/* what a command line's flags do, on top of everything */
static void
test_set(void)
{
        struct berth_conf c = {};

        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_set(&c, "shared_store", "/flag", "--shared-store", &err) == 0);
                check_str(c.shared_store, "/flag");
                check_str(c.shared_store_from, "--shared-store");
                check(berth_conf_set(&c, "shared_store", "", "--shared-store", &err) == 0);
                check(!c.shared_store);
                check(berth_conf_set(&c, "shared_base_layers", "", "--shared-base-layers", &err) ==
                      0);
                check(c.shared_base_layers == BERTH_SHARED_LAYERS_ON);
                check(berth_conf_set(&c, "shared_base_layers", "required", "--shared-base-layers",
                                     &err) == 0);
                check(c.shared_base_layers == BERTH_SHARED_LAYERS_REQUIRED);
                check(berth_conf_set(&c, "shared_layer_format", "erofs", "--shared-layer-format",
                                     &err) == 0);
                check(c.shared_layer_format == BERTH_LAYER_FORMAT_EROFS);
                check(!err);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_set(&c, "shared_base_layers", "maybe", "--shared-base-layers",
                                     &err) == -EINVAL);
                check_str(err ? err->msg : NULL,
                          "--shared-base-layers: \"maybe\": expected true, false or required");
                check(c.shared_base_layers == BERTH_SHARED_LAYERS_REQUIRED);
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_set(&c, "shared_layer_format", "tar", "--shared-layer-format",
                                     &err) == -EINVAL);
                check_str(err ? err->msg : NULL,
                          "--shared-layer-format: \"tar\": expected dir or erofs");
        }
        {
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(berth_conf_set(&c, "nope", "x", "--nope", &err) == -EINVAL);
        }
        berth_conf_done(&c);
}

static void
test_names(void)
{
        check(berth_shared_layers_from_string("true") == BERTH_SHARED_LAYERS_ON);
        check(berth_shared_layers_from_string("false") == BERTH_SHARED_LAYERS_OFF);
        check(berth_shared_layers_from_string("required") == BERTH_SHARED_LAYERS_REQUIRED);
        check(berth_shared_layers_from_string("unset") == _BERTH_SHARED_LAYERS_INVALID);
        check(berth_shared_layers_from_string(NULL) == _BERTH_SHARED_LAYERS_INVALID);
        check_str(berth_shared_layers_to_string(BERTH_SHARED_LAYERS_REQUIRED), "required");
        check(!berth_shared_layers_to_string(_BERTH_SHARED_LAYERS_MAX));
        check(berth_layer_format_from_string("dir") == BERTH_LAYER_FORMAT_DIR);
        check(berth_layer_format_from_string("unset") == _BERTH_LAYER_FORMAT_INVALID);
        check(berth_layer_format_from_string(NULL) == _BERTH_LAYER_FORMAT_INVALID);
        check_str(berth_layer_format_to_string(BERTH_LAYER_FORMAT_UNSET), "unset");
        check(!berth_layer_format_to_string(_BERTH_LAYER_FORMAT_INVALID));
}

int
main(void)
{
        RUN(test_parse);
        RUN(test_booleans);
        RUN(test_merge);
        RUN(test_errors);
        RUN(test_error_keeps);
        RUN(test_load);
        RUN(test_load_default_user);
        RUN(test_env);
        RUN(test_set);
        RUN(test_names);
        return check_done();
}
