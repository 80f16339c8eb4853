/* tests/unit/runtime/test-device-arg.c: --device HOST[:CONTAINER][:PERMISSIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "runtime/device-arg.h"
#include "util/berr.h"
#include "util/cleanup.h"

static void
test_forms(void)
{
        static const struct {
                const char *arg, *path, *access;
        } ok[] = {
                {"/dev/null", "/dev/null", NULL},
                {"/dev/null:/dev/n", "/dev/n", NULL},
                {"/dev/null:rw", "/dev/null", "rw"}, /* HOST:PERMISSIONS, as podman */
                {"/dev/null:/dev/n:m", "/dev/n", "m"},
        };

        for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *text = NULL;
                struct spec_device d = {0};

                check(device_arg_parse(ok[i].arg, &d, &text, &err) == 0);
                check_str(d.path, ok[i].path);
                check(ok[i].access ? d.access && streq(d.access, ok[i].access) : !d.access);
                check(d.type == 'c' && d.major == 1 && d.minor == 3);
                check((d.file_mode & 0777) != 0);
        }
}

static void
test_errors(void)
{
        static const struct {
                const char *arg, *error;
        } bad[] = {
                {"dev/null", "--device dev/null: expected an absolute HOST[:CONTAINER] path"},
                {"/dev/null:dev/n",
                 "--device /dev/null:dev/n: expected an absolute HOST[:CONTAINER] path"},
                {"/dev/null:/dev/n:rx",
                 "--device /dev/null:/dev/n:rx: permissions rx: expected letters of \"rwm\""},
                {"/dev/null:/dev/n:", "--device /dev/null:/dev/n:: permissions : expected letters "
                                      "of \"rwm\""},
                {"/etc/hostname", "--device /etc/hostname: not a character or block device"},
                {"/dev/berth-no-such-device",
                 "--device /dev/berth-no-such-device: No such file or directory"},
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *text = NULL;
                struct spec_device d = {0};

                check(device_arg_parse(bad[i].arg, &d, &text, &err) < 0);
                check(!text);
                check_str(err ? err->msg : NULL, bad[i].error);
        }
}

/* a symlink to a device is followed (/dev/disk/by-id/...), the container path is the link's */
static void
test_symlink(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_free_ char *text = NULL;
        struct spec_device d = {0};
        char link[64];

        (void)snprintf(link, sizeof(link), "/tmp/berth-test-devlink-%d", (int)getpid());
        check(symlink("/dev/zero", link) == 0);
        check(device_arg_parse(link, &d, &text, &err) == 0);
        check_str(d.path, link);
        check(d.type == 'c' && d.major == 1 && d.minor == 5);
        (void)unlink(link);
}

int
main(void)
{
        RUN(test_forms);
        RUN(test_errors);
        RUN(test_symlink);
        return check_done();
}
