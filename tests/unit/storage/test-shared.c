/*
 * tests/unit/storage/test-shared.c: the shared layer store's pieces that
 * need no network file system: the probe of whether a file system holds
 * overlay whiteouts (tmpfs does; ramfs has no xattrs), what makes a layer
 * EROFS-only, and the unmounting of EROFS images no container uses (real
 * mounts, a busy one left alone). Mounts need root, and the last test
 * mkfs.erofs and loop devices; tests say SKIP without them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "check.h"
#include "storage/erofs.h"
#include "storage/storage.h"
#include "storage/store.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define CHAIN_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CHAIN_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define EROFS_F_TYPE 0xE0F5E1E2U

static int
write_file(const char *path, const char *text)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0)
                return -errno;
        return fs_write_all(fd, text, strlen(text));
}

static size_t
entries(const char *dir)
{
        size_t n = 0;
        DIR *d = opendir(dir);
        struct dirent *de;

        while (d && (de = readdir(d)))
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        if (d)
                closedir(d);
        return n;
}

static bool
have_mkfs_erofs(void)
{
        return access("/usr/bin/mkfs.erofs", X_OK) == 0 ||
               access("/usr/sbin/mkfs.erofs", X_OK) == 0 || access("/sbin/mkfs.erofs", X_OK) == 0;
}

static void
test_holds_overlay(void)
{
        char root[] = "/tmp/berth-test-shared-XXXXXX", t[64], r[64];
        _cleanup_close_ int tfd = -EBADF, rfd = -EBADF;
        struct storage on_tmpfs = {.root_fd = -EBADF}, on_ramfs = {.root_fd = -EBADF};

        if (geteuid() != 0) {
                check_skip("needs root (mounts, mknod, trusted.* xattrs)");
                return;
        }
        if (!mkdtemp(root)) {
                check(false);
                return;
        }
        snprintf(t, sizeof(t), "%s/tmpfs", root);
        snprintf(r, sizeof(r), "%s/ramfs", root);
        check(mkdir(t, 0700) == 0 && mkdir(r, 0700) == 0);
        check(mount("tmpfs", t, "tmpfs", 0, NULL) == 0);
        if (mount("ramfs", r, "ramfs", 0, NULL) < 0) {
                (void)umount2(t, MNT_DETACH);
                (void)rm_rf_at(AT_FDCWD, root);
                check_skip("no ramfs");
                return;
        }
        tfd = open(t, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rfd = open(r, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        check(tfd >= 0 && rfd >= 0);
        /* tmpfs holds 0/0 character devices and trusted.* xattrs; ramfs no xattrs at all */
        check(store_shared_holds_overlay(&on_tmpfs, tfd));
        check(on_tmpfs.holds_overlay == 1);
        check(!store_shared_holds_overlay(&on_ramfs, rfd));
        check(on_ramfs.holds_overlay == -1);
        /* the answer is kept: asked again, the same without trying */
        check(!store_shared_holds_overlay(&on_ramfs, tfd));
        /* and the tries leave nothing behind */
        check(entries(t) == 0);
        check(entries(r) == 0);
        (void)close(TAKE_FD(tfd));
        (void)close(TAKE_FD(rfd));
        check(umount2(t, 0) == 0 && umount2(r, 0) == 0);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static int
open_store(const char *root, struct storage **ret)
{
        struct storage_opts o = {.root = root};
        _cleanup_(berr_freep) struct berr *err = NULL;
        int r = storage_open(&o, ret, &err);

        if (r < 0)
                fprintf(stderr, "storage_open: %s\n", err->msg);
        return r;
}

static void
test_erofs_only(void)
{
        char root[] = "/tmp/berth-test-shared-XXXXXX", store[64], layer[160], rec[192], diff[192];
        _cleanup_(storage_closep) struct storage *s = NULL;

        if (!mkdtemp(root)) {
                check(false);
                return;
        }
        snprintf(store, sizeof(store), "%s/store", root);
        snprintf(layer, sizeof(layer), "%s/layers/%s", store, CHAIN_A);
        snprintf(rec, sizeof(rec), "%s/layer.json", layer);
        snprintf(diff, sizeof(diff), "%s/diff", layer);
        check(open_store(store, &s) == 0);
        if (!s)
                return;
        /* no layer at all: not EROFS-only */
        check(!store_shared_layer_erofs_only(s, CHAIN_A));
        check(mkdir(layer, 0700) == 0);
        check(write_file(rec, "{\"size\": 1, \"erofsOnly\": true}\n") == 0);
        /* a record and no diff/: its EROFS image is all the store has */
        check(store_shared_layer_erofs_only(s, CHAIN_A));
        check(mkdir(diff, 0755) == 0);
        check(!store_shared_layer_erofs_only(s, CHAIN_A));
        check(!store_shared_layer_erofs_only(s, CHAIN_B));
        s = storage_close(s);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static bool
is_erofs(const char *path)
{
        struct statfs sf;

        return statfs(path, &sf) == 0 && (uint32_t)sf.f_type == EROFS_F_TYPE;
}

static void
test_unmount_unused(void)
{
        char root[] = "/tmp/berth-test-shared-XXXXXX", store[64], src[64], file[64], img[64],
             mnts[96], ma[192], mb[192], busy_path[200];
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(strv_freep) char **done = NULL;
        _cleanup_close_ int busy = -EBADF;

        if (geteuid() != 0 || !have_mkfs_erofs()) {
                check_skip("needs root and mkfs.erofs (erofs-utils)");
                return;
        }
        if (!mkdtemp(root)) {
                check(false);
                return;
        }
        snprintf(store, sizeof(store), "%s/store", root);
        snprintf(src, sizeof(src), "%s/src", root);
        snprintf(file, sizeof(file), "%s/src/f", root);
        snprintf(img, sizeof(img), "%s/layer.erofs", root);
        snprintf(mnts, sizeof(mnts), "%s/shared-mounts", store);
        snprintf(ma, sizeof(ma), "%s/%s", mnts, CHAIN_A);
        snprintf(mb, sizeof(mb), "%s/%s", mnts, CHAIN_B);
        snprintf(busy_path, sizeof(busy_path), "%s/f", mb);
        check(open_store(store, &s) == 0);
        if (!s)
                return;
        /* no shared-mounts/ yet: nothing to do */
        check(storage_shared_unmount_unused(s, false, &done, &err) == 0);
        check(done == NULL);
        check(mkdir(src, 0755) == 0 && write_file(file, "layer\n") == 0);
        check(erofs_build(src, img, 0, &err) == 0);
        check(mkdir(mnts, 0700) == 0 && mkdir(ma, 0755) == 0 && mkdir(mb, 0755) == 0);
        if (erofs_mount(img, ma, &err) < 0 || erofs_mount(img, mb, &err) < 0) {
                (void)umount2(ma, MNT_DETACH);
                check_skip("EROFS cannot be mounted here");
                s = storage_close(s);
                (void)rm_rf_at(AT_FDCWD, root);
                return;
        }
        busy = open(busy_path, O_RDONLY | O_CLOEXEC);
        check(busy >= 0);
        /* no container uses either: A goes, B is busy and stays, silently */
        check(storage_shared_unmount_unused(s, false, &done, &err) == 0);
        check(done && done[0] && strcmp(done[0], CHAIN_A) == 0 && !done[1]);
        check(access(ma, F_OK) < 0 && errno == ENOENT);
        check(is_erofs(mb));
        done = strv_free(done);
        (void)close(TAKE_FD(busy));
        check(storage_shared_unmount_unused(s, true, &done, &err) == 0);
        check(done && done[0] && strcmp(done[0], CHAIN_B) == 0 && !done[1]);
        check(!is_erofs(mb));
        s = storage_close(s);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

int
main(void)
{
        RUN(test_holds_overlay);
        RUN(test_erofs_only);
        RUN(test_unmount_unused);
        return check_done();
}
