/*
 * tests/unit/runtime/test-ipam.c: berth's address allocator on a real
 * store directory: top-down round-robin allocation, release, exhaustion of
 * a /30, eight processes allocating at once, stale owners, and the file it
 * leaves.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "runtime/network.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* a fresh store root in /tmp; removed by the caller */
static bool
temp_root(char path[64])
{
        (void)snprintf(path, 64, "/tmp/berth-test-ipam-XXXXXX");
        return mkdtemp(path) != NULL;
}

static void
test_allocate_release(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *data = json_pack("{s:s}", "netns", "/run/x");
        json_t *got = NULL;
        char root[64], ip[46] = "", ip2[46] = "", ip3[46] = "";
        struct stat st;
        char path[128];

        check(temp_root(root));
        check(ipam_allocate(root, "podman", "10.88.0.0/16", "10.88.0.1", "pod-a", data, ip, &err) ==
              0);
        check_str(ip, "10.88.255.254");
        check(ipam_allocate(root, "podman", "10.88.0.0/16", "10.88.0.1", "pod-b", NULL, ip2,
                            &err) == 0);
        check_str(ip2, "10.88.255.253");
        check(err == NULL);

        /* the record keeps what it was given */
        check(ipam_lookup(root, "podman", "pod-a", ip3, &got, &err) == 1);
        check_str(ip3, "10.88.255.254");
        check(got && json_equal(got, data));
        json_decref(got);
        check(ipam_lookup(root, "podman", "pod-zzz", ip3, NULL, &err) == 0);
        check(ipam_lookup(root, "other", "pod-a", ip3, NULL, &err) == 0);

        /* one address per owner and network */
        check(ipam_allocate(root, "podman", "10.88.0.0/16", "10.88.0.1", "pod-a", NULL, ip3,
                            &err) == -EEXIST);
        check(err && strcmp(err->msg, "network podman: pod-a already holds 10.88.255.254: "
                                      "File exists") == 0);
        err = berr_free(err);

        /* release is idempotent */
        check(ipam_release(root, "podman", "pod-a", &err) == 1);
        check(ipam_release(root, "podman", "pod-a", &err) == 0);
        check(ipam_release(root, "nonet", "pod-a", &err) == 0);
        check(ipam_lookup(root, "podman", "pod-a", ip3, NULL, &err) == 0);
        check(err == NULL);

        /* round robin: the next one goes on down, .254 is not reused at once */
        check(ipam_allocate(root, "podman", "10.88.0.0/16", "10.88.0.1", "pod-c", NULL, ip3,
                            &err) == 0);
        check_str(ip3, "10.88.255.252");

        /* the file is in place, the temp file is not, and only its owner reads it */
        (void)snprintf(path, sizeof(path), "%s/networks/podman/allocations.json", root);
        check(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
        (void)snprintf(path, sizeof(path), "%s/networks/podman/allocations.json.tmp", root);
        check(stat(path, &st) < 0 && errno == ENOENT);

        /* another subnet for the same network is refused, not mixed in */
        check(ipam_allocate(root, "podman", "10.89.0.0/16", "10.89.0.1", "pod-d", NULL, ip3,
                            &err) == -EINVAL);
        check(err && strcmp(err->msg, "network podman: its allocations are for subnet "
                                      "10.88.0.0/16, not 10.89.0.0/16") == 0);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_exhaustion(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char root[64], ip[46] = "", ip2[46] = "";

        /* a /30 has two host addresses, and one is the gateway */
        check(temp_root(root));
        check(ipam_allocate(root, "tiny", "10.9.8.0/30", "10.9.8.1", "a", NULL, ip, &err) == 0);
        check_str(ip, "10.9.8.2");
        check(ipam_allocate(root, "tiny", "10.9.8.0/30", "10.9.8.1", "b", NULL, ip2, &err) ==
              -ENOSPC);
        check(err && strcmp(err->msg, "network tiny: no free address left in 10.9.8.0/30: No "
                                      "space left on device") == 0);
        err = berr_free(err);
        check(ipam_release(root, "tiny", "a", &err) == 1);
        check(ipam_allocate(root, "tiny", "10.9.8.0/30", "10.9.8.1", "b", NULL, ip2, &err) == 0);
        check_str(ip2, "10.9.8.2");

        /* a gateway at the top of the subnet is skipped */
        check(ipam_allocate(root, "wrap", "10.9.9.0/29", "10.9.9.6", "a", NULL, ip, &err) == 0);
        check_str(ip, "10.9.9.5");
        check(err == NULL);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_bad_input(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char root[64], ip[46] = "";
        uint32_t net = 0;
        int len = 0;

        check(ipam_parse_subnet("10.88.0.0/16", &net, &len) == 0 && net == 0x0a580000 && len == 16);
        check(ipam_parse_subnet("10.88.0.1/16", &net, &len) == -EINVAL); /* host bits */
        check(ipam_parse_subnet("10.88.0.0/33", &net, &len) == -EINVAL);
        check(ipam_parse_subnet("10.88.0.0/", &net, &len) == -EINVAL);
        check(ipam_parse_subnet("10.88.0.0/-1", &net, &len) == -EINVAL);
        check(ipam_parse_subnet("10.88.0.0", &net, &len) == -EINVAL);
        check(ipam_parse_subnet("fd00::/64", &net, &len) == -EINVAL);

        check(network_name_valid("podman"));
        check(network_name_valid("my-net.1_x"));
        check(!network_name_valid("../etc"));
        check(!network_name_valid("a/b"));
        check(!network_name_valid("-a"));
        check(!network_name_valid(""));

        check(temp_root(root));
        check(ipam_allocate(root, "../x", "10.1.0.0/24", NULL, "a", NULL, ip, &err) == -EINVAL);
        check(err && strcmp(err->msg, "invalid network name '../x'") == 0);
        err = berr_free(err);
        check(ipam_allocate(root, "n", "10.1.0.0/31", NULL, "a", NULL, ip, &err) == -EINVAL);
        check(err && strcmp(err->msg, "network n: invalid subnet '10.1.0.0/31', expected an IPv4 "
                                      "CIDR from /8 to /30") == 0);
        err = berr_free(err);
        check(ipam_allocate(root, "n", "10.1.0.0/24", NULL, "", NULL, ip, &err) == -EINVAL);
        err = berr_free(err);
        /* the store root is the store's to make */
        check(ipam_allocate("/nonexistent/root", "n", "10.1.0.0/24", NULL, "a", NULL, ip, &err) ==
              -ENOENT);
        check(err && strcmp(err->msg, "open /nonexistent/root: No such file or directory") == 0);
        err = berr_free(err);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_corrupt_file(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        char root[64], path[128], ip[46] = "";
        int fd;

        check(temp_root(root));
        check(ipam_allocate(root, "n", "10.1.0.0/24", NULL, "a", NULL, ip, &err) == 0);
        (void)snprintf(path, sizeof(path), "%s/networks/n/allocations.json", root);
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        check(fd >= 0);
        if (fd >= 0) {
                check(write(fd, "{\"subnet\": 5}", 13) == 13);
                (void)close(fd);
        }
        /* a broken file is an error, never an empty network that hands .254 out again */
        check(ipam_allocate(root, "n", "10.1.0.0/24", NULL, "b", NULL, ip, &err) == -EINVAL);
        check(err &&
              strcmp(err->msg, "network n: allocations.json is not an allocation file") == 0);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

#define CHILDREN 8

static void
test_concurrent(void)
{
        _cleanup_(json_decrefp) json_t *all = NULL;
        char root[64], got[CHILDREN][46];
        int start[2] = {-EBADF, -EBADF}, results[2] = {-EBADF, -EBADF};
        pid_t pids[CHILDREN];
        int ok = 0;

        check(temp_root(root));
        check(pipe2(start, O_CLOEXEC) == 0 && pipe2(results, O_CLOEXEC) == 0);
        if (start[1] < 0 || results[1] < 0)
                return;
        for (int i = 0; i < CHILDREN; i++) {
                pids[i] = fork();
                check(pids[i] >= 0);
                if (pids[i] == 0) {
                        char c, owner[16], ip[46] = "";
                        ssize_t n;

                        (void)close(start[1]);
                        /* all wait at the gate and go at once */
                        do
                                n = read(start[0], &c, 1);
                        while (n < 0 && errno == EINTR);
                        (void)snprintf(owner, sizeof(owner), "pod-%d", i);
                        if (ipam_allocate(root, "busy", "10.50.0.0/24", "10.50.0.1", owner, NULL,
                                          ip, NULL) < 0)
                                ip[0] = '\0';
                        _exit(write(results[1], ip, sizeof(ip)) == sizeof(ip) ? 0 : 1);
                }
        }
        (void)close(start[0]);
        (void)close(results[1]);
        (void)close(start[1]); /* open the gate */
        for (int i = 0; i < CHILDREN; i++) {
                int st = 0;

                check(read(results[0], got[i], sizeof(got[i])) == sizeof(got[i]));
                got[i][45] = '\0';
                check(waitpid(pids[i], &st, 0) == pids[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        (void)close(results[0]);
        for (int i = 0; i < CHILDREN; i++) {
                check(strncmp(got[i], "10.50.0.", 8) == 0);
                for (int j = 0; j < i; j++)
                        check(strcmp(got[i], got[j]) != 0);
        }
        /* and the file has all eight */
        check(ipam_list(root, "busy", &all, NULL) == 0);
        check(all && json_object_size(all) == CHILDREN);
        for (int i = 0; i < CHILDREN; i++)
                ok += all && json_object_get(all, got[i]) != NULL;
        check(ok == CHILDREN);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static bool
alive_b(const char *id, void *userdata)
{
        int *calls = userdata;

        (*calls)++;
        return strcmp(id, "b") == 0;
}

static void
test_release_stale(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *left = NULL;
        char root[64], ip[46] = "";
        int calls = 0;

        check(temp_root(root));
        check(ipam_allocate(root, "n", "10.2.0.0/24", NULL, "a", NULL, ip, &err) == 0);
        check(ipam_allocate(root, "n", "10.2.0.0/24", NULL, "b", NULL, ip, &err) == 0);
        check(ipam_allocate(root, "n", "10.2.0.0/24", NULL, "c", NULL, ip, &err) == 0);
        check(ipam_release_stale(root, "n", alive_b, &calls, &err) == 2);
        check(calls == 3);
        check(ipam_list(root, "n", &left, &err) == 0);
        check(left && json_object_size(left) == 1);
        check(left && json_object_get(left, "10.2.0.253") &&
              strcmp(json_string_value(
                             json_object_get(json_object_get(left, "10.2.0.253"), "owner")),
                     "b") == 0);
        check(ipam_release_stale(root, "n", alive_b, &calls, &err) == 0);
        check(ipam_release_stale(root, "none", alive_b, &calls, &err) == 0);
        check(err == NULL);
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

int
main(void)
{
        RUN(test_allocate_release);
        RUN(test_exhaustion);
        RUN(test_bad_input);
        RUN(test_corrupt_file);
        RUN(test_concurrent);
        RUN(test_release_stale);
        return check_done();
}
