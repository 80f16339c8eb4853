/*
 * runtime/ipam.c: berth's IPv4 address allocator for its bridge networks.
 * netavark configures the addresses it is given and keeps no record of
 * them, so berth hands them out: one JSON file per network,
 *
 *   ROOT/networks/<name>/allocations.json
 *   {"version": 1, "subnet": "10.88.0.0/16", "last": "10.88.255.254",
 *    "allocations": {"10.88.255.254": {"owner": "<pod id>", "data": {...}}}}
 *
 * changed only under an flock of allocations.lock beside it, and replaced
 * whole (temp file, fsync, rename, fsync of the directory), so concurrent
 * berth processes never hand out one address twice and a crash leaves the
 * old file or the new one, never half of one. Readers take the lock too:
 * the file is small and held for microseconds.
 *
 * Addresses go from the top of the subnet down. On podman's default
 * network (10.88.0.0/16, bridge podman0) podman itself allocates from the
 * bottom up in its own database, which berth cannot see; starting at
 * 10.88.255.254 keeps the two apart unless one of them holds tens of
 * thousands of addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "network.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define IPAM_FILE "allocations.json"
#define IPAM_TMP "allocations.json.tmp"
#define IPAM_LOCK "allocations.lock"
#define IPAM_FILE_MAX (64U << 20)

bool
network_name_valid(const char *name)
{
        size_t n;

        if (!name || !*name)
                return false;
        n = strlen(name);
        if (n > 200)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = name[i];
                bool alnum =
                        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

                if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
                        return false;
        }
        return true;
}

int
ipam_parse_subnet(const char *cidr, uint32_t *ret_net, int *ret_prefix_len)
{
        char addr[INET_ADDRSTRLEN];
        const char *slash;
        struct in_addr in;
        char *end = NULL;
        uint32_t net, mask;
        long len;

        if (!cidr)
                return -EINVAL;
        slash = strchr(cidr, '/');
        if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, cidr, (size_t)(slash - cidr));
        addr[slash - cidr] = '\0';
        if (inet_pton(AF_INET, addr, &in) != 1)
                return -EINVAL;
        if (slash[1] < '0' || slash[1] > '9')
                return -EINVAL;
        errno = 0;
        len = strtol(slash + 1, &end, 10);
        if (errno != 0 || *end != '\0' || len < 0 || len > 32)
                return -EINVAL;
        net = ntohl(in.s_addr);
        mask = len == 0 ? 0 : ~(uint32_t)0 << (32 - len);
        if ((net & ~mask) != 0)
                return -EINVAL;
        *ret_net = net;
        *ret_prefix_len = (int)len;
        return 0;
}

static void
ip_string(uint32_t ip, char out[46])
{
        struct in_addr in = {.s_addr = htonl(ip)};

        if (!inet_ntop(AF_INET, &in, out, 46))
                out[0] = '\0';
}

/* ROOT/networks/<network>, created (0700) when create is set: an O_PATH fd; ROOT is the store's */
static int
ipam_dir_open(const char *store_root, const char *network, bool create, struct berr **err)
{
        _cleanup_close_ int rootfd = -EBADF, netsfd = -EBADF;
        int fd;

        if (!network_name_valid(network))
                return berr(err, 0, "invalid network name '%s'", network ? network : "");
        rootfd = open(store_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berr(err, errno, "open %s", store_root);
        if (create && mkdirat(rootfd, "networks", 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/networks", store_root);
        netsfd = openat(rootfd, "networks", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (netsfd < 0)
                return errno == ENOENT && !create
                               ? -ENOENT
                               : berr(err, errno, "open %s/networks", store_root);
        if (create && mkdirat(netsfd, network, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s/networks/%s", store_root, network);
        fd = openat(netsfd, network, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT && !create
                               ? -ENOENT
                               : berr(err, errno, "open %s/networks/%s", store_root, network);
        return fd;
}

/* An open network directory with its lock held, and the file's contents. */
struct ipam_file {
        int dirfd;
        int lockfd; /* closing it drops the flock */
        json_t *doc;
        const char *network;
};

static void
ipam_file_done(struct ipam_file *f)
{
        if (f->doc)
                json_decref(f->doc);
        if (f->lockfd >= 0)
                (void)close(f->lockfd);
        if (f->dirfd >= 0)
                (void)close(f->dirfd);
        *f = (struct ipam_file){.dirfd = -EBADF, .lockfd = -EBADF};
}

static int
ipam_doc_check(json_t *doc, const char *network, struct berr **err)
{
        json_t *subnet = json_object_get(doc, "subnet");
        json_t *allocs = json_object_get(doc, "allocations");
        json_t *last = json_object_get(doc, "last");
        const char *ip;
        json_t *a;

        if (!json_is_object(doc) || !json_is_string(subnet) || !json_is_object(allocs) ||
            (last && !json_is_string(last)))
                return berr(err, 0, "network %s: %s is not an allocation file", network, IPAM_FILE);
        json_object_foreach (allocs, ip, a) {
                if (!json_is_object(a) || !json_is_string(json_object_get(a, "owner")))
                        return berr(err, 0, "network %s: %s: allocation %s has no owner", network,
                                    IPAM_FILE, ip);
        }
        return 0;
}

/*
 * Lock network's directory and read its file. With create, the directory
 * is made and a missing file starts empty for subnet; without, a missing
 * directory or file is -ENOENT (no message).
 */
static int
ipam_file_open(const char *store_root, const char *network, const char *subnet, bool create,
               struct ipam_file *ret, struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF, .network = network};
        _cleanup_close_ int fd = -EBADF;
        json_error_t jerr;
        struct stat st;
        int r;

        r = ipam_dir_open(store_root, network, create, err);
        if (r < 0)
                return r;
        f.dirfd = r;
        f.lockfd = openat(f.dirfd, IPAM_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (f.lockfd < 0) {
                r = berr(err, errno, "open %s/networks/%s/%s", store_root, network, IPAM_LOCK);
                goto fail;
        }
        while (flock(f.lockfd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        r = berr(err, errno, "lock %s/networks/%s/%s", store_root, network,
                                 IPAM_LOCK);
                        goto fail;
                }
        }
        fd = openat(f.dirfd, IPAM_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                if (!create) {
                        r = -ENOENT;
                        goto fail;
                }
                f.doc = json_pack("{s:i, s:s, s:{}}", "version", 1, "subnet", subnet,
                                  "allocations");
                if (!f.doc) {
                        r = berr(err, ENOMEM, "network %s: new allocation file", network);
                        goto fail;
                }
                *ret = f;
                return 0;
        }
        if (fd < 0 || fstat(fd, &st) < 0) {
                r = berr(err, errno, "open %s/networks/%s/%s", store_root, network, IPAM_FILE);
                goto fail;
        }
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IPAM_FILE_MAX) {
                r = berr(err, 0, "%s/networks/%s/%s: not a regular file of sane size", store_root,
                         network, IPAM_FILE);
                goto fail;
        }
        f.doc = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
        if (!f.doc) {
                r = berr(err, 0, "%s/networks/%s/%s:%d:%d: %s", store_root, network, IPAM_FILE,
                         jerr.line, jerr.column, jerr.text);
                goto fail;
        }
        r = ipam_doc_check(f.doc, network, err);
        if (r < 0)
                goto fail;
        *ret = f;
        return 0;
fail:
        ipam_file_done(&f);
        return r;
}

/* Replace the file with f->doc: temp file, fsync, rename, fsync of the directory. */
static int
ipam_file_write(struct ipam_file *f, struct berr **err)
{
        _cleanup_close_ int fd = -EBADF, dfd = -EBADF;

        fd = openat(f->dirfd, IPAM_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                    0600);
        if (fd < 0)
                return berr(err, errno, "network %s: create %s", f->network, IPAM_TMP);
        if (json_dumpfd(f->doc, fd, JSON_INDENT(2) | JSON_SORT_KEYS) < 0 ||
            write(fd, "\n", 1) != 1) {
                int r = berr(err, errno ? errno : EIO, "network %s: write %s", f->network,
                             IPAM_TMP);
                (void)unlinkat(f->dirfd, IPAM_TMP, 0);
                return r;
        }
        if (fsync(fd) < 0) {
                int r = berr(err, errno, "network %s: fsync %s", f->network, IPAM_TMP);
                (void)unlinkat(f->dirfd, IPAM_TMP, 0);
                return r;
        }
        if (renameat(f->dirfd, IPAM_TMP, f->dirfd, IPAM_FILE) < 0) {
                int r = berr(err, errno, "network %s: rename %s", f->network, IPAM_TMP);
                (void)unlinkat(f->dirfd, IPAM_TMP, 0);
                return r;
        }
        /* the rename is durable only once the directory is */
        dfd = openat(f->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) < 0)
                return berr(err, errno, "network %s: fsync its directory", f->network);
        return 0;
}

/* The allocations entry (and its address, borrowed from the document) owner holds; NULL: none. */
static json_t *
ipam_find_owner(json_t *doc, const char *owner, const char **ret_ip)
{
        json_t *allocs = json_object_get(doc, "allocations");
        const char *ip;
        json_t *a;

        json_object_foreach (allocs, ip, a) {
                if (strcmp(json_string_value(json_object_get(a, "owner")), owner) == 0) {
                        if (ret_ip)
                                *ret_ip = ip;
                        return a;
                }
        }
        return NULL;
}

static int
owner_check(const char *owner, struct berr **err)
{
        if (!owner || !*owner)
                return berr(err, 0, "an address needs an owner");
        return 0;
}

int
ipam_allocate(const char *store_root, const char *network, const char *subnet, const char *gateway,
              const char *owner, json_t *data, char ret_ip[46], struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        uint32_t net, gw = 0, lo, hi, start, cand = 0, size;
        const char *held = NULL, *last;
        bool found = false;
        json_t *allocs, *entry;
        struct in_addr in;
        char ip[46];
        int prefix, r;

        r = owner_check(owner, err);
        if (r < 0)
                return r;
        if (ipam_parse_subnet(subnet, &net, &prefix) < 0 || prefix < 8 || prefix > 30)
                return berr(err, 0,
                            "network %s: invalid subnet '%s', expected an IPv4 CIDR "
                            "from /8 to /30",
                            network, subnet ? subnet : "");
        lo = net + 1;
        hi = net + (uint32_t)((1ULL << (32 - prefix)) - 2);
        if (gateway) {
                if (inet_pton(AF_INET, gateway, &in) != 1)
                        return berr(err, 0, "network %s: invalid gateway '%s'", network, gateway);
                gw = ntohl(in.s_addr);
        }
        if (data && !json_is_object(data))
                return berr(err, 0, "network %s: allocation data must be an object", network);

        r = ipam_file_open(store_root, network, subnet, true, &f, err);
        if (r < 0)
                return r;
        if (strcmp(json_string_value(json_object_get(f.doc, "subnet")), subnet) != 0) {
                r = berr(err, 0, "network %s: its allocations are for subnet %s, not %s", network,
                         json_string_value(json_object_get(f.doc, "subnet")), subnet);
                goto out;
        }
        if (ipam_find_owner(f.doc, owner, &held)) {
                r = berr(err, EEXIST, "network %s: %s already holds %s", network, owner, held);
                goto out;
        }

        /* round robin, downwards: start below the last address handed out */
        start = hi;
        last = json_string_value(json_object_get(f.doc, "last"));
        if (last && inet_pton(AF_INET, last, &in) == 1) {
                uint32_t l = ntohl(in.s_addr);
                if (l > lo && l <= hi)
                        start = l - 1;
        }
        allocs = json_object_get(f.doc, "allocations");
        size = hi - lo + 1;
        for (uint32_t i = 0; i < size; i++) {
                cand = start >= lo + i ? start - i : hi - (i - (start - lo) - 1);
                if (cand == gw)
                        continue;
                ip_string(cand, ip);
                if (!json_object_get(allocs, ip)) {
                        found = true;
                        break;
                }
        }
        if (!found) {
                r = berr(err, ENOSPC, "network %s: no free address left in %s", network, subnet);
                goto out;
        }

        entry = json_pack("{s:s}", "owner", owner);
        if (!entry || (data && json_object_set(entry, "data", data) < 0) ||
            json_object_set_new(allocs, ip, entry) < 0 ||
            json_object_set_new(f.doc, "last", json_string(ip)) < 0) {
                r = berr(err, ENOMEM, "network %s: record %s", network, ip);
                goto out;
        }
        r = ipam_file_write(&f, err);
        if (r < 0)
                goto out;
        memcpy(ret_ip, ip, sizeof(ip));
out:
        ipam_file_done(&f);
        return r;
}

int
ipam_update(const char *store_root, const char *network, const char *owner, json_t *data,
            struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        json_t *entry;
        int r;

        r = owner_check(owner, err);
        if (r < 0)
                return r;
        if (!json_is_object(data))
                return berr(err, 0, "network %s: allocation data must be an object", network);
        r = ipam_file_open(store_root, network, NULL, false, &f, err);
        if (r == -ENOENT)
                return berr(err, ENOENT, "network %s: %s holds no address", network, owner);
        if (r < 0)
                return r;
        entry = ipam_find_owner(f.doc, owner, NULL);
        if (!entry)
                r = berr(err, ENOENT, "network %s: %s holds no address", network, owner);
        else if (json_object_set(entry, "data", data) < 0)
                r = berr(err, ENOMEM, "network %s: update %s", network, owner);
        else
                r = ipam_file_write(&f, err);
        ipam_file_done(&f);
        return r;
}

int
ipam_release(const char *store_root, const char *network, const char *owner, struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        _cleanup_free_ char *ip = NULL;
        const char *held = NULL;
        int r;

        r = owner_check(owner, err);
        if (r < 0)
                return r;
        r = ipam_file_open(store_root, network, NULL, false, &f, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (!ipam_find_owner(f.doc, owner, &held)) {
                ipam_file_done(&f);
                return 0;
        }
        ip = strdup(held);
        if (!ip || json_object_del(json_object_get(f.doc, "allocations"), ip) < 0)
                r = berr(err, ENOMEM, "network %s: release %s", network, owner);
        else
                r = ipam_file_write(&f, err);
        ipam_file_done(&f);
        return r < 0 ? r : 1;
}

int
ipam_lookup(const char *store_root, const char *network, const char *owner, char ret_ip[46],
            json_t **ret_data, struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        const char *held = NULL;
        json_t *entry;
        int r;

        r = owner_check(owner, err);
        if (r < 0)
                return r;
        r = ipam_file_open(store_root, network, NULL, false, &f, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        entry = ipam_find_owner(f.doc, owner, &held);
        if (entry) {
                (void)snprintf(ret_ip, 46, "%s", held);
                if (ret_data) {
                        json_t *d = json_object_get(entry, "data");
                        *ret_data = d ? json_incref(d) : json_object();
                }
        }
        ipam_file_done(&f);
        return entry ? 1 : 0;
}

int
ipam_list(const char *store_root, const char *network, json_t **ret, struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        json_t *copy;
        int r;

        r = ipam_file_open(store_root, network, NULL, false, &f, err);
        if (r == -ENOENT) {
                copy = json_object();
                if (!copy)
                        return berr(err, ENOMEM, "network %s: list", network);
                *ret = copy;
                return 0;
        }
        if (r < 0)
                return r;
        copy = json_deep_copy(json_object_get(f.doc, "allocations"));
        ipam_file_done(&f);
        if (!copy)
                return berr(err, ENOMEM, "network %s: list", network);
        *ret = copy;
        return 0;
}

int
ipam_release_stale(const char *store_root, const char *network,
                   bool (*alive)(const char *id, void *userdata), void *userdata, struct berr **err)
{
        struct ipam_file f = {.dirfd = -EBADF, .lockfd = -EBADF};
        _cleanup_(json_decrefp) json_t *gone = NULL;
        json_t *allocs, *a;
        const char *ip;
        size_t i;
        int r, n = 0;

        r = ipam_file_open(store_root, network, NULL, false, &f, err);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        gone = json_array();
        if (!gone) {
                ipam_file_done(&f);
                return berr(err, ENOMEM, "network %s: release stale addresses", network);
        }
        allocs = json_object_get(f.doc, "allocations");
        json_object_foreach (allocs, ip, a) {
                if (!alive(json_string_value(json_object_get(a, "owner")), userdata) &&
                    json_array_append_new(gone, json_string(ip)) < 0) {
                        ipam_file_done(&f);
                        return berr(err, ENOMEM, "network %s: release stale addresses", network);
                }
        }
        json_array_foreach (gone, i, a) {
                if (json_object_del(allocs, json_string_value(a)) == 0)
                        n++;
        }
        r = n > 0 ? ipam_file_write(&f, err) : 0;
        ipam_file_done(&f);
        return r < 0 ? r : n;
}
