/* tests/unit/runtime/test-device-arg.c: --device HOST[:CONTAINER][:PERMISSIONS] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
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

/* a /dev of our own: nodes at two levels, and what is left out */
static void
test_devices_of_host(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(device_list_done) struct device_list d = {0};
        char dir[64], path[128];
        static const char *const dirs[] = {"", "/net", "/pts", "/a", "/a/b", "/a/b/c"};
        static const struct {
                const char *name;
                mode_t type;
                unsigned major, minor;
        } nodes[] = {
                {"/fuse", S_IFCHR, 10, 229},      {"/net/tun", S_IFCHR, 10, 200},
                {"/sda", S_IFBLK, 8, 0},          {"/pts/0", S_IFCHR, 136, 0},
                {"/null", S_IFCHR, 1, 3},         {"/a/b/deep", S_IFCHR, 1, 7},
                {"/a/b/c/deeper", S_IFCHR, 1, 8},
        };
        bool fuse = false, tun = false, sda = false, deep = false;

        if (geteuid() != 0) {
                check_skip("needs root (mknod)");
                return;
        }
        (void)snprintf(dir, sizeof(dir), "/tmp/berth-test-hostdev-%d", (int)getpid());
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
                (void)snprintf(path, sizeof(path), "%s%s", dir, dirs[i]);
                check(mkdir(path, 0755) == 0);
        }
        for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
                (void)snprintf(path, sizeof(path), "%s%s", dir, nodes[i].name);
                check(mknod(path, nodes[i].type | 0620, makedev(nodes[i].major, nodes[i].minor)) ==
                      0);
                check(chmod(path, 0620) == 0); /* past the umask */
        }
        (void)snprintf(path, sizeof(path), "%s/link", dir);
        check(symlink("fuse", path) == 0);

        check(devices_of_host(dir, &d, &err) == 0);
        check(d.n == 4);
        for (size_t i = 0; i < d.n; i++) {
                const struct spec_device *v = &d.v[i];

                fuse |= streq(v->path, "/dev/fuse") && v->type == 'c' && v->major == 10 &&
                        v->minor == 229 && v->file_mode == 0620;
                tun |= streq(v->path, "/dev/net/tun") && v->minor == 200;
                sda |= streq(v->path, "/dev/sda") && v->type == 'b' && v->major == 8;
                deep |= streq(v->path, "/dev/a/b/deep");
        }
        check(fuse && tun && sda && deep);

        for (size_t i = sizeof(nodes) / sizeof(nodes[0]); i-- > 0;) {
                (void)snprintf(path, sizeof(path), "%s%s", dir, nodes[i].name);
                (void)unlink(path);
        }
        (void)snprintf(path, sizeof(path), "%s/link", dir);
        (void)unlink(path);
        for (size_t i = sizeof(dirs) / sizeof(dirs[0]); i-- > 0;) {
                (void)snprintf(path, sizeof(path), "%s%s", dir, dirs[i]);
                (void)rmdir(path);
        }
}

int
main(void)
{
        RUN(test_forms);
        RUN(test_errors);
        RUN(test_symlink);
        RUN(test_devices_of_host);
        return check_done();
}
