/*
 * runtime/network.h: pod networking, for the pod code of runtime/. A pod's network
 * namespace gets an eth0 on a host bridge, with its own IPv4 address and
 * its hostPorts published, through netavark (podman's network tool: JSON
 * config in, JSON status out). netavark does no address management, so
 * berth keeps its own: one allocation file per network under the store
 * root (ipam_*, runtime/ipam.c).
 *
 * Defaults are podman's, so users recognise them: network "podman", bridge
 * "podman0", subnet 10.88.0.0/16, gateway 10.88.0.1, no DNS.
 *
 * Files (ROOT: the store root, which must exist):
 *   ROOT/networks/<name>/allocations.json   addresses held, one per pod
 *   ROOT/networks/<name>/allocations.lock   flock()ed while it changes
 *   ROOT/networks/netavark/                 netavark's --config directory
 *   /run/lock/berth-netavark.lock           held around every netavark run
 *
 * netavark needs the iptables commands at run time (Debian: the iptables
 * package), or a running firewalld.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

#define NETWORK_DEFAULT_NAME "podman"
#define NETWORK_DEFAULT_BRIDGE "podman0"
#define NETWORK_DEFAULT_SUBNET "10.88.0.0/16"
#define NETWORK_DEFAULT_GATEWAY "10.88.0.1"
#define NETWORK_DEFAULT_INTERFACE "eth0"

/* A bridge network. Every field is required except gateway. */
struct network_opts {
        const char *name;    /* podman's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 200 bytes */
        const char *bridge;  /* the host's bridge interface, at most 15 bytes */
        const char *subnet;  /* IPv4 CIDR, "10.88.0.0/16"; prefix 8 to 30 */
        const char *gateway; /* the bridge's address; NULL: the subnet's first address */
};

/* One published port: host_ip:host_port on the host goes to container_port in the pod. */
struct network_port {
        uint16_t host_port, container_port; /* 1-65535 */
        const char *protocol;               /* "tcp", "udp" or "sctp"; NULL: "tcp" */
        const char *host_ip;                /* an IPv4 address; NULL or "": every address */
};

/* What to attach: one pod's network namespace to one network. */
struct network_attach {
        const char *container_id;   /* the pod ID: owns the address; [A-Za-z0-9_.-], 1-128 bytes */
        const char *container_name; /* NULL: container_id */
        const char *netns_path;     /* a bind-mounted nsfs file, /run/berth/netns/<podid> */
        const struct network_port *ports;
        size_t n_ports;
        const struct network_opts *network; /* NULL: podman's default network */
        const char *interface;              /* in the pod; NULL: "eth0" */
};

/* The pod's side of the attachment. */
struct network_result {
        char ip[46];        /* "10.88.255.254" */
        char gateway[46];   /* "10.88.0.1" */
        char mac[18];       /* "aa:bb:cc:dd:ee:ff"; "" when unknown */
        int prefix_len;     /* 16 */
        char interface[16]; /* "eth0" */
};

/*
 * Attach a->netns_path to a's network: allocate an address (recorded with
 * what teardown needs before netavark runs, so a crash leaves a record the
 * next network_cleanup_stale() undoes), run `netavark setup`, fill *ret.
 * On failure whatever netavark did is torn down and the address released.
 * -EEXIST when a->container_id already holds an address on that network.
 * netavark's own error message comes back as "netavark setup: MESSAGE".
 */
int network_setup(const char *store_root, const struct network_attach *a,
                  struct network_result *ret, struct berr **err);

/*
 * Undo network_setup() for a->container_id on a's network (only the ID,
 * network and, when set, netns_path are read: ports and the rest come from
 * the allocation record), then release the address. Idempotent: 0 when the
 * pod holds no address there. Works when the namespace is already gone
 * (the port rules and an unused bridge are still removed).
 */
int network_teardown(const char *store_root, const struct network_attach *a, struct berr **err);

/*
 * Tear down and release every allocation, on every network under
 * store_root, whose owner alive(owner, userdata) says is gone: what a crash
 * between network_setup() and the pod's record left. Returns how many were
 * released; on an error the others are still tried, the first error is
 * returned. alive() must also say yes for a pod that another berth process
 * is setting up right now (its record says "creating").
 */
int network_cleanup_stale(const char *store_root, bool (*alive)(const char *id, void *userdata),
                          void *userdata, struct berr **err);

/*
 * The attachment container_id holds on network (NULL: "podman"), from its
 * record: 1 and *ret filled, 0 when there is none.
 */
int network_lookup(const char *store_root, const char *container_id, const char *network,
                   struct network_result *ret, struct berr **err);

/*
 * Where netavark is, as a new string in *ret: override ($BERTH_NETAVARK)
 * when set, then each of candidates (NULL: /usr/libexec/podman/netavark,
 * /usr/lib/podman/netavark), then each directory of path_env ($PATH). The
 * error names every path tried.
 */
int netavark_find(const char *override, const char *const *candidates, const char *path_env,
                  char **ret, struct berr **err);

/*
 * netavark's setup/teardown input for one pod on one network: ip is the
 * allocated address, ports as published (validated). A new reference.
 */
int netavark_config(const struct network_opts *net, const char *container_id,
                    const char *container_name, const char *interface, const char *ip,
                    const struct network_port *ports, size_t n_ports, json_t **ret,
                    struct berr **err);

/*
 * Read netavark setup's status, {"NETWORK": {"interfaces": {"IF":
 * {"mac_address": ..., "subnets": [{"ipnet": "IP/LEN", "gateway": ...}]}}}},
 * for the given network and interface (its first IPv4 subnet) into *ret.
 * buf is outside input: anything but that shape is an error.
 */
int netavark_parse_status(const char *buf, size_t len, const char *network, const char *interface,
                          struct network_result *ret, struct berr **err);

/*
 * The message of netavark's error output, {"error": "MESSAGE"}, as a new
 * string; NULL when buf is not that.
 */
char *netavark_parse_error(const char *buf, size_t len);

/* Fill *ret with podman's default network. */
void network_opts_default(struct network_opts *ret);

/*
 * Check a network's fields (see struct network_opts); with gateway NULL,
 * *ret_gateway gets the subnet's first address ("10.88.0.1").
 */
int network_opts_check(const struct network_opts *net, char ret_gateway[46], struct berr **err);

/* berth's address allocator (runtime/ipam.c). IPv4 only. */

/* Parse "a.b.c.d/len" with no host bits set: network address (host order) and length. */
int ipam_parse_subnet(const char *cidr, uint32_t *ret_net, int *ret_prefix_len);

/*
 * Take a free address of subnet (gateway excluded) for owner on network,
 * remembering data (a JSON object, not stolen) with it, into ret_ip.
 * Addresses are handed out from the top of the subnet down and round
 * robin (the next search starts below the last address given), as
 * host-local does it upwards, so a released address is not reused at once.
 * -EEXIST when owner already holds one, -ENOSPC when none is free. Safe
 * against other processes doing the same: the file is changed under an
 * flock and replaced whole (temp file, fsync, rename).
 */
int ipam_allocate(const char *store_root, const char *network, const char *subnet,
                  const char *gateway, const char *owner, json_t *data, char ret_ip[46],
                  struct berr **err);

/* Replace the data owner's allocation keeps; -ENOENT when it holds none. */
int ipam_update(const char *store_root, const char *network, const char *owner, json_t *data,
                struct berr **err);

/* Release owner's address: 1 when it held one, 0 when not. */
int ipam_release(const char *store_root, const char *network, const char *owner, struct berr **err);

/*
 * The address owner holds: 1 with ret_ip (and, when ret_data is not NULL,
 * a new reference to its data) filled, 0 when none.
 */
int ipam_lookup(const char *store_root, const char *network, const char *owner, char ret_ip[46],
                json_t **ret_data, struct berr **err);

/*
 * Every allocation of network: a new object {"IP": {"owner": ID, "data":
 * {...}}}; empty when the network has none (or no file yet).
 */
int ipam_list(const char *store_root, const char *network, json_t **ret, struct berr **err);

/* Release every allocation whose owner alive() says is gone; how many were released. */
int ipam_release_stale(const char *store_root, const char *network,
                       bool (*alive)(const char *id, void *userdata), void *userdata,
                       struct berr **err);

/* Whether name is a valid network name (podman's rule; it is also a directory name). */
bool network_name_valid(const char *name);
