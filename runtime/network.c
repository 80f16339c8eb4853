/*
 * runtime/network.c: pod networking through netavark. berth picks the
 * address (runtime/ipam.c), writes netavark's JSON config, runs `netavark
 * setup NETNS` / `netavark teardown NETNS` with it on standard input and
 * reads the JSON status (or {"error": ...}) it prints.
 *
 * netavark 1.4 (Debian 12) does the firewall with the iptables commands
 * (the iptables package: iptables-nft by default, on the kernel's
 * nf_tables), or through firewalld when that runs; its nftables driver is
 * not built in yet. It creates the bridge, a veth pair, the NAT and
 * forwarding rules, and for published ports sets route_localnet on the
 * bridge so that 127.0.0.1:PORT reaches the pod as well.
 *
 * Every run takes a host-wide lock: netavark creates the bridge and the
 * shared iptables chains by looking first and creating after, so two runs
 * at once (two berth processes, or berth and podman on podman0) can trip
 * over each other. podman holds its own lock file around its netavark runs;
 * berth takes that one too when it exists.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "network.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/fs.h"

#define NETAVARK_CONFIG_DIR "netavark"
/* netavark's output is a few hundred bytes; more than this is not netavark talking */
#define NETAVARK_OUTPUT_MAX (1U << 20)
#define NETAVARK_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOST_LOCK "/run/lock/berth-netavark.lock"
/* podman 4's lock around its own netavark runs (rootful), a c/storage lockfile: fcntl locks */
#define PODMAN_LOCK "/etc/containers/networks/netavark.lock"
/* the peer of the stand-in interface a teardown without the pod's namespace makes */
#define STANDIN_PEER "berth-standin"

static const char *const default_candidates[] = {"/usr/libexec/podman/netavark",
                                                 "/usr/lib/podman/netavark", NULL};

void
network_opts_default(struct network_opts *ret)
{
        /*
         * podman's built-in default network. When podman itself runs here
         * too, both attach to this one bridge and keep their own address
         * records: podman counts up from 10.88.0.2, berth down from
         * 10.88.255.254 (runtime/ipam.c). Whatever podman's own files say
         * about "podman", berth uses these values, which podman's built-in
         * network has.
         */
        *ret = (struct network_opts){
                .name = NETWORK_DEFAULT_NAME,
                .bridge = NETWORK_DEFAULT_BRIDGE,
                .subnet = NETWORK_DEFAULT_SUBNET,
                .gateway = NETWORK_DEFAULT_GATEWAY,
        };
}

/* letters, digits, '_', '.', '-'; 1 to max bytes */
static bool
word_valid(const char *s, size_t max)
{
        size_t n;

        if (!s || !*s)
                return false;
        n = strlen(s);
        if (n > max)
                return false;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-'))
                        return false;
        }
        return true;
}

static bool
ifname_valid(const char *s)
{
        return word_valid(s, IFNAMSIZ - 1) && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int
network_opts_check(const struct network_opts *net, char ret_gateway[46], struct berr **err)
{
        uint32_t subnet, mask, gw;
        struct in_addr in;
        int len;

        if (!net || !network_name_valid(net->name))
                return berr(err, 0,
                            "invalid network name '%s', expected letters, digits, "
                            "'_', '.' and '-', starting with a letter or digit",
                            net && net->name ? net->name : "");
        if (!ifname_valid(net->bridge))
                return berr(err, 0,
                            "network %s: invalid bridge name '%s', expected at most %d "
                            "letters, digits, '_', '.' or '-'",
                            net->name, net->bridge ? net->bridge : "", IFNAMSIZ - 1);
        if (ipam_parse_subnet(net->subnet, &subnet, &len) < 0 || len < 8 || len > 30)
                return berr(err, 0,
                            "network %s: invalid subnet '%s', expected an IPv4 CIDR "
                            "from /8 to /30",
                            net->name, net->subnet ? net->subnet : "");
        mask = ~(uint32_t)0 << (32 - len);
        if (!net->gateway) {
                gw = subnet + 1;
        } else {
                if (inet_pton(AF_INET, net->gateway, &in) != 1)
                        return berr(err, 0, "network %s: invalid gateway '%s'", net->name,
                                    net->gateway);
                gw = ntohl(in.s_addr);
        }
        if ((gw & mask) != subnet || gw == subnet || gw == (subnet | ~mask))
                return berr(err, 0, "network %s: the gateway is not a host address of %s",
                            net->name, net->subnet);
        in.s_addr = htonl(gw);
        if (!inet_ntop(AF_INET, &in, ret_gateway, 46))
                return berr(err, errno, "network %s: gateway", net->name);
        return 0;
}

static const char *
port_protocol(const struct network_port *p)
{
        return p->protocol ? p->protocol : "tcp";
}

static const char *
port_host_ip(const struct network_port *p)
{
        return p->host_ip ? p->host_ip : "";
}

static int
ports_check(const struct network_port *ports, size_t n, struct berr **err)
{
        for (size_t i = 0; i < n; i++) {
                const struct network_port *p = &ports[i];
                const char *proto = port_protocol(p);
                struct in_addr in;

                if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 &&
                    strcmp(proto, "sctp") != 0)
                        return berr(err, 0,
                                    "port %u: invalid protocol '%s', expected tcp, udp "
                                    "or sctp",
                                    p->host_port, proto);
                if (p->host_port == 0 || p->container_port == 0)
                        return berr(err, 0, "port %u:%u/%s: ports are 1-65535", p->host_port,
                                    p->container_port, proto);
                if (*port_host_ip(p) && inet_pton(AF_INET, p->host_ip, &in) != 1)
                        return berr(err, 0,
                                    "port %u/%s: invalid host IP '%s', expected an IPv4 "
                                    "address",
                                    p->host_port, proto, p->host_ip);
                for (size_t j = 0; j < i; j++) {
                        const struct network_port *q = &ports[j];
                        if (q->host_port == p->host_port && strcmp(port_protocol(q), proto) == 0 &&
                            (!*port_host_ip(p) || !*port_host_ip(q) ||
                             strcmp(port_host_ip(p), port_host_ip(q)) == 0))
                                return berr(err, 0, "host port %u/%s is published twice",
                                            p->host_port, proto);
                }
        }
        return 0;
}

int
netavark_config(const struct network_opts *net, const char *container_id,
                const char *container_name, const char *interface, const char *ip,
                const struct network_port *ports, size_t n_ports, json_t **ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        json_t *mappings;
        char gateway[46], id[DIGEST_STRING_MAX];
        int r;

        r = network_opts_check(net, gateway, err);
        if (r < 0)
                return r;
        r = ports_check(ports, n_ports, err);
        if (r < 0)
                return r;
        /* podman's built-in network has the ID sha256("podman"); berth names every network so */
        r = digest_buffer(net->name, strlen(net->name), id);
        if (r < 0)
                return berr(err, r, "network %s: ID", net->name);

        mappings = json_array();
        cfg = json_pack("{s:s, s:s, s:o?, s:{s:{s:[s], s:s, s:[]}}, "
                        "s:{s:{s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:b, s:b, s:b, s:{s:s}}}}",
                        "container_id", container_id, "container_name",
                        container_name ? container_name : container_id, "port_mappings", mappings,
                        "networks", net->name, "static_ips", ip, "interface_name", interface,
                        "aliases", "network_info", net->name, "name", net->name, "id",
                        digest_hex(id), "driver", "bridge", "network_interface", net->bridge,
                        "subnets", "subnet", net->subnet, "gateway", gateway, "ipv6_enabled", 0,
                        "internal", 0, "dns_enabled", 0, "ipam_options", "driver", "host-local");
        if (!cfg)
                return berr(err, ENOMEM, "netavark config");
        for (size_t i = 0; i < n_ports; i++) {
                json_t *m = json_pack("{s:s, s:i, s:i, s:i, s:s}", "host_ip",
                                      port_host_ip(&ports[i]), "container_port",
                                      ports[i].container_port, "host_port", ports[i].host_port,
                                      "range", 1, "protocol", port_protocol(&ports[i]));
                if (!m || json_array_append_new(mappings, m) < 0)
                        return berr(err, ENOMEM, "netavark config");
        }
        *ret = TAKE_PTR(cfg);
        return 0;
}

static int
find_fail(const char *override, const char *const *candidates, const char *path_env,
          struct berr **err)
{
        _cleanup_free_ char *tried = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&tried, &size);

        if (!f)
                return berr(err, ENOMEM, "netavark not found");
        if (override)
                fprintf(f, "$BERTH_NETAVARK (%s), ", override);
        for (size_t i = 0; candidates[i]; i++)
                fprintf(f, "%s, ", candidates[i]);
        fprintf(f, "$PATH (%s)", path_env ? path_env : "unset");
        if (fclose(f) != 0)
                return berr(err, ENOMEM, "netavark not found");
        return berr(err, ENOENT,
                    "netavark not found (tried %s): install netavark, or set "
                    "BERTH_NETAVARK to its path",
                    tried);
}

static bool
executable(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int
netavark_find(const char *override, const char *const *candidates, const char *path_env, char **ret,
              struct berr **err)
{
        const char *p, *end;
        char *found;

        if (!candidates)
                candidates = default_candidates;
        if (override && *override && executable(override))
                goto found_path;
        if (override && !*override)
                override = NULL;
        for (size_t i = 0; candidates[i]; i++) {
                if (executable(candidates[i])) {
                        override = candidates[i];
                        goto found_path;
                }
        }
        for (p = path_env; p && *p; p = *end ? end + 1 : end) {
                _cleanup_free_ char *cand = NULL;

                end = strchrnul(p, ':');
                /* an empty element means the current directory: not for a root helper */
                if (end == p || *p != '/')
                        continue;
                if (asprintf(&cand, "%.*s/netavark", (int)(end - p), p) < 0)
                        return berr(err, ENOMEM, "find netavark");
                if (executable(cand)) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
        }
        return find_fail(override, candidates, path_env, err);
found_path:
        found = strdup(override);
        if (!found)
                return berr(err, ENOMEM, "find netavark");
        *ret = found;
        return 0;
}

char *
netavark_parse_error(const char *buf, size_t len)
{
        _cleanup_(json_decrefp) json_t *j = json_loadb(buf, len, 0, NULL);
        const char *msg = json_string_value(json_object_get(j, "error"));

        return msg ? strdup(msg) : NULL;
}

static bool
mac_valid(const char *s)
{
        if (strlen(s) != 17)
                return false;
        for (int i = 0; i < 17; i++) {
                char c = s[i];
                if (i % 3 == 2 ? c != ':'
                               : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                                   (c >= 'A' && c <= 'F')))
                        return false;
        }
        return true;
}

/* "10.88.0.5/16" -> address text and length; false when not an IPv4 address with a length */
static bool
ipnet4_parse(const char *s, char ret_ip[46], int *ret_len)
{
        const char *slash = strchr(s, '/');
        char addr[INET_ADDRSTRLEN];
        struct in_addr in;
        char *end = NULL;
        long len;

        if (!slash || (size_t)(slash - s) >= sizeof(addr) || slash[1] < '0' || slash[1] > '9')
                return false;
        memcpy(addr, s, (size_t)(slash - s));
        addr[slash - s] = '\0';
        if (inet_pton(AF_INET, addr, &in) != 1)
                return false;
        errno = 0;
        len = strtol(slash + 1, &end, 10);
        if (errno != 0 || *end != '\0' || len < 0 || len > 32)
                return false;
        if (!inet_ntop(AF_INET, &in, ret_ip, 46))
                return false;
        *ret_len = (int)len;
        return true;
}

int
netavark_parse_status(const char *buf, size_t len, const char *network, const char *interface,
                      struct network_result *ret, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *root = NULL;
        struct network_result res = {.prefix_len = -1};
        json_t *ifo, *subnets, *s;
        json_error_t jerr;
        const char *mac;
        size_t i;

        if (strlen(interface) >= sizeof(res.interface))
                return berr(err, 0, "netavark status: interface name '%s' too long", interface);
        root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!root)
                return berr(err, 0, "netavark status: %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
        ifo = json_object_get(json_object_get(json_object_get(root, network), "interfaces"),
                              interface);
        if (!json_is_object(ifo))
                return berr(err, 0, "netavark status: no interface %s on network %s", interface,
                            network);
        mac = json_string_value(json_object_get(ifo, "mac_address"));
        if (!mac || !mac_valid(mac))
                return berr(err, 0, "netavark status: %s: invalid mac_address", interface);
        subnets = json_object_get(ifo, "subnets");
        if (!json_is_array(subnets))
                return berr(err, 0, "netavark status: %s: no subnets", interface);
        json_array_foreach (subnets, i, s) {
                const char *ipnet = json_string_value(json_object_get(s, "ipnet"));
                json_t *gw = json_object_get(s, "gateway");
                struct in_addr in;

                if (!ipnet)
                        return berr(err, 0, "netavark status: %s: subnet %zu has no ipnet",
                                    interface, i);
                if (!ipnet4_parse(ipnet, res.ip, &res.prefix_len))
                        continue; /* IPv6, which berth does not ask for */
                if (gw && !json_is_null(gw)) {
                        const char *g = json_string_value(gw);
                        if (!g || inet_pton(AF_INET, g, &in) != 1)
                                return berr(err, 0, "netavark status: %s: invalid gateway",
                                            interface);
                        if (!inet_ntop(AF_INET, &in, res.gateway, sizeof(res.gateway)))
                                return berr(err, errno, "netavark status: gateway");
                }
                break;
        }
        if (res.prefix_len < 0)
                return berr(err, 0, "netavark status: %s has no IPv4 address", interface);
        memcpy(res.mac, mac, sizeof(res.mac));
        memcpy(res.interface, interface, strlen(interface) + 1);
        *ret = res;
        return 0;
}

/* What a netavark run printed, and how it ended. */
struct netavark_run {
        char *out, *errout; /* standard output and error, NUL-terminated */
        size_t out_len;
        int status; /* exit status; 128 + signal */
};

static void
netavark_run_done(struct netavark_run *r)
{
        free(r->out);
        free(r->errout);
        *r = (struct netavark_run){0};
}

/* the whole of a memfd, up to NETAVARK_OUTPUT_MAX bytes, as a string */
static int
memfd_slurp(int fd, char **ret, size_t *ret_len)
{
        /* netavark's writes moved the offset we share with it */
        if (lseek(fd, 0, SEEK_SET) < 0)
                return -errno;
        return fs_read_all(fd, NETAVARK_OUTPUT_MAX, ret, ret_len);
}

/*
 * Run `netavark ... VERB NETNS` with config on its standard input. Its
 * output goes to memory files, not pipes: nothing to poll, no SIGPIPE when
 * it exits without reading, no deadlock when it writes much.
 */
static int
netavark_exec(const char *bin, const char *confdir, const char *verb, const char *netns,
              json_t *config, struct netavark_run *ret, struct berr **err)
{
        _cleanup_close_ int in = -EBADF, out = -EBADF, errfd = -EBADF;
        _cleanup_free_ char *noaardvark = NULL, *fw = NULL;
        struct netavark_run res = {0};
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, dfl;
        const char *fwenv = getenv("NETAVARK_FW");
        char *envp[] = {(char *)"PATH=" NETAVARK_PATH, NULL, NULL};
        pid_t pid;
        int r, st;

        /*
         * berth's networks have dns_enabled false, so netavark has no reason
         * to start aardvark-dns; pointing it at a path that is never created
         * makes sure it cannot ("dns disabled because aardvark-dns path does
         * not exist").
         */
        if (asprintf(&noaardvark, "%s/no-aardvark-dns", confdir) < 0)
                return berr(err, ENOMEM, "netavark %s", verb);
        /* the firewall driver can be forced (iptables, firewalld, none), as for podman */
        if (fwenv && *fwenv) {
                if (asprintf(&fw, "NETAVARK_FW=%s", fwenv) < 0)
                        return berr(err, ENOMEM, "netavark %s", verb);
                envp[1] = fw;
        }
        char *argv[] = {(char *)bin,     (char *)"--config",
                        (char *)confdir, (char *)"--rootless",
                        (char *)"false", (char *)"--aardvark-binary",
                        noaardvark,      (char *)verb,
                        (char *)netns,   NULL};

        in = memfd_create("berth-netavark-in", MFD_CLOEXEC);
        out = memfd_create("berth-netavark-out", MFD_CLOEXEC);
        errfd = memfd_create("berth-netavark-err", MFD_CLOEXEC);
        if (in < 0 || out < 0 || errfd < 0)
                return berr(err, errno, "netavark %s: memfd_create", verb);
        if (json_dumpfd(config, in, JSON_COMPACT) < 0 || lseek(in, 0, SEEK_SET) < 0)
                return berr(err, errno ? errno : EIO, "netavark %s: write its config", verb);

        r = posix_spawn_file_actions_init(&fa);
        if (r != 0)
                return berr(err, r, "netavark %s: spawn", verb);
        r = posix_spawnattr_init(&attr);
        if (r != 0) {
                posix_spawn_file_actions_destroy(&fa);
                return berr(err, r, "netavark %s: spawn", verb);
        }
        /* the caller may block or ignore signals (a signalfd, SIGPIPE); netavark gets defaults */
        sigemptyset(&none);
        sigemptyset(&dfl);
        for (int s = 1; s < 32; s++)
                if (s != SIGKILL && s != SIGSTOP)
                        sigaddset(&dfl, s);
        if ((r = posix_spawn_file_actions_adddup2(&fa, in, 0)) != 0 ||
            (r = posix_spawn_file_actions_adddup2(&fa, out, 1)) != 0 ||
            (r = posix_spawn_file_actions_adddup2(&fa, errfd, 2)) != 0 ||
            (r = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
            (r = posix_spawnattr_setsigdefault(&attr, &dfl)) != 0 ||
            (r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) !=
                    0)
                r = berr(err, r, "netavark %s: spawn", verb);
        else if ((r = posix_spawn(&pid, bin, &fa, &attr, argv, envp)) != 0)
                r = berr(err, r, "run %s", bin);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        if (r != 0)
                return r < 0 ? r : -r;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return berr(err, errno, "wait for netavark %s", verb);
        res.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r = memfd_slurp(out, &res.out, &res.out_len);
        if (r == 0)
                r = memfd_slurp(errfd, &res.errout, NULL);
        if (r < 0) {
                netavark_run_done(&res);
                return berr(err, r, "netavark %s: read its output", verb);
        }
        *ret = res;
        return 0;
}

/* The host-wide locks around netavark runs. */
struct netavark_locks {
        int host, podman;
};

static void
netavark_unlock(struct netavark_locks *l)
{
        if (l->podman >= 0)
                (void)close(l->podman);
        if (l->host >= 0)
                (void)close(l->host);
        l->host = l->podman = -EBADF;
}

static int
netavark_lock(const char *confdir, struct netavark_locks *ret, struct berr **err)
{
        struct netavark_locks l = {.host = -EBADF, .podman = -EBADF};
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        _cleanup_free_ char *own = NULL;

        l.host = open(HOST_LOCK, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (l.host < 0) {
                /* no /run/lock (a minimal system): the store's own, for berth processes on it */
                if (asprintf(&own, "%s/lock", confdir) < 0)
                        return berr(err, ENOMEM, "netavark lock");
                l.host = open(own, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (l.host < 0)
                        return berr(err, errno, "open %s", own);
        }
        while (flock(l.host, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int r = berr(err, errno, "lock %s", own ? own : HOST_LOCK);
                        netavark_unlock(&l);
                        return r;
                }
        }
        /*
         * podman's lock is a c/storage lockfile, locked with fcntl(F_SETLKW):
         * an open file description lock conflicts with those, and, unlike a
         * classic one, is not dropped when another fd of this process on the
         * same file closes. It is taken only when podman made the file.
         */
        l.podman = open(PODMAN_LOCK, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (l.podman >= 0) {
                while (fcntl(l.podman, F_OFD_SETLKW, &fl) < 0) {
                        if (errno != EINTR) {
                                int r = berr(err, errno, "lock %s", PODMAN_LOCK);
                                netavark_unlock(&l);
                                return r;
                        }
                }
        }
        *ret = l;
        return 0;
}

/* netlink: append attribute type to the message in buf; NULL when it does not fit */
static struct rtattr *
nla_put(char *buf, size_t cap, unsigned short type, const void *data, size_t len)
{
        struct nlmsghdr *nh = (struct nlmsghdr *)(void *)buf;
        struct rtattr *rta;

        if (NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) > cap)
                return NULL;
        rta = (struct rtattr *)(void *)(buf + NLMSG_ALIGN(nh->nlmsg_len));
        rta->rta_type = type;
        rta->rta_len = (unsigned short)RTA_LENGTH(len);
        if (len)
                memcpy(RTA_DATA(rta), data, len);
        nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + (unsigned)RTA_SPACE(len);
        return rta;
}

static void
nla_end(char *buf, struct rtattr *nest)
{
        struct nlmsghdr *nh = (struct nlmsghdr *)(void *)buf;

        nest->rta_len = (unsigned short)(buf + nh->nlmsg_len - (char *)nest);
}

/*
 * Create a veth pair, name and its peer, in the caller's network namespace
 * (RTM_NEWLINK, as `ip link add NAME type veth peer name PEER`). Runs in a
 * forked child: no allocation. Returns 0 or -errno.
 */
static int
veth_create(const char *name, const char *peer)
{
        union {
                struct nlmsghdr nh;
                char buf[512];
        } req = {0};
        union {
                struct nlmsghdr nh;
                char buf[1024];
        } ack;
        struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
        struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC};
        struct rtattr *info, *data, *peer_nest;
        struct nlmsgerr *e;
        ssize_t n;
        int fd, r = 0;

        req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifi));
        req.nh.nlmsg_type = RTM_NEWLINK;
        req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
        req.nh.nlmsg_seq = 1;
        memcpy(NLMSG_DATA(&req.nh), &ifi, sizeof(ifi));
        if (!nla_put(req.buf, sizeof(req.buf), IFLA_IFNAME, name, strlen(name) + 1))
                return -ENOBUFS;
        info = nla_put(req.buf, sizeof(req.buf), IFLA_LINKINFO, NULL, 0);
        if (!info || !nla_put(req.buf, sizeof(req.buf), IFLA_INFO_KIND, "veth", 5))
                return -ENOBUFS;
        data = nla_put(req.buf, sizeof(req.buf), IFLA_INFO_DATA, NULL, 0);
        if (!data)
                return -ENOBUFS;
        peer_nest = nla_put(req.buf, sizeof(req.buf), VETH_INFO_PEER, &ifi, sizeof(ifi));
        if (!peer_nest || !nla_put(req.buf, sizeof(req.buf), IFLA_IFNAME, peer, strlen(peer) + 1))
                return -ENOBUFS;
        nla_end(req.buf, peer_nest);
        nla_end(req.buf, data);
        nla_end(req.buf, info);

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        if (sendto(fd, req.buf, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                goto out;
        }
        do
                n = recv(fd, ack.buf, sizeof(ack.buf), 0);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
                r = -errno;
                goto out;
        }
        if ((size_t)n < NLMSG_LENGTH(sizeof(*e)) || ack.nh.nlmsg_type != NLMSG_ERROR) {
                r = -EPROTO;
                goto out;
        }
        e = NLMSG_DATA(&ack.nh);
        r = e->error; /* 0, or -errno */
out:
        (void)close(fd);
        return r;
}

/* The namespace a teardown hands netavark. */
struct teardown_ns {
        pid_t pid; /* the child that holds a stand-in namespace; -1: none */
        int hold;  /* the child exits when this closes */
        char path[64];
        const char *use; /* the pod's namespace path, or path */
};

static void
teardown_ns_done(struct teardown_ns *t)
{
        if (t->hold >= 0)
                (void)close(t->hold);
        t->hold = -EBADF;
        if (t->pid > 0) {
                while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        }
        t->pid = -1;
}

static void
report(int fd, char what, int errnum)
{
        char msg[1 + sizeof(int)];

        msg[0] = what;
        memcpy(msg + 1, &errnum, sizeof(int));
        (void)!write(fd, msg, sizeof(msg));
}

/*
 * netavark's teardown deletes the pod's interface first, and when that
 * fails (the namespace is gone: a crash, a reboot; or the interface is,
 * after a teardown cut short) it still removes the port rules but keeps
 * the bridge and the network's rules, even when no pod is left on them. So
 * when the pod's namespace does not have the interface any more, berth
 * hands netavark a stand-in: a new namespace, held by a child, with a veth
 * of that name. netavark then deletes it and goes on as for a live pod.
 */
static int
teardown_ns_open(const char *netns_path, const char *interface, struct teardown_ns *ret,
                 struct berr **err)
{
        int rep[2], hold[2];
        char msg[1 + sizeof(int)];
        ssize_t n;
        pid_t pid;
        int e = 0;

        if (pipe2(rep, O_CLOEXEC) < 0)
                return berr(err, errno, "pipe");
        if (pipe2(hold, O_CLOEXEC) < 0) {
                e = errno;
                (void)close(rep[0]);
                (void)close(rep[1]);
                return berr(err, e, "pipe");
        }
        pid = fork();
        if (pid < 0) {
                e = errno;
                (void)close(rep[0]);
                (void)close(rep[1]);
                (void)close(hold[0]);
                (void)close(hold[1]);
                return berr(err, e, "fork");
        }
        if (pid == 0) {
                char c;
                int fd;

                (void)close(rep[0]);
                (void)close(hold[1]);
                fd = netns_path ? open(netns_path, O_RDONLY | O_CLOEXEC) : -1;
                if (fd >= 0 && setns(fd, CLONE_NEWNET) == 0 && if_nametoindex(interface) > 0) {
                        report(rep[1], 'g', 0);
                        _exit(0);
                }
                if (unshare(CLONE_NEWNET) < 0) {
                        report(rep[1], 'e', errno);
                        _exit(1);
                }
                e = veth_create(interface, STANDIN_PEER);
                if (e < 0) {
                        report(rep[1], 'v', -e);
                        _exit(1);
                }
                report(rep[1], 's', 0);
                while (read(hold[0], &c, 1) < 0 && errno == EINTR)
                        ;
                _exit(0);
        }
        (void)close(rep[1]);
        (void)close(hold[0]);
        do
                n = read(rep[0], msg, sizeof(msg));
        while (n < 0 && errno == EINTR);
        e = errno;
        (void)close(rep[0]);
        *ret = (struct teardown_ns){.pid = pid, .hold = hold[1]};
        if (n != (ssize_t)sizeof(msg)) {
                teardown_ns_done(ret);
                return berr(err, n < 0 ? e : EIO, "prepare the network namespace for teardown");
        }
        memcpy(&e, msg + 1, sizeof(int));
        switch (msg[0]) {
        case 'g':
                ret->use = netns_path;
                teardown_ns_done(ret);
                return 0;
        case 's':
                (void)snprintf(ret->path, sizeof(ret->path), "/proc/%d/ns/net", (int)pid);
                ret->use = ret->path;
                return 0;
        case 'v':
                teardown_ns_done(ret);
                return berr(err, e, "create a stand-in %s for teardown", interface);
        default:
                teardown_ns_done(ret);
                return berr(err, e, "create a network namespace for teardown");
        }
}

/* An allocation's record, read back: what teardown needs. Strings borrowed from data. */
struct net_record {
        json_t *data;
        struct network_opts net;
        const char *container_name, *netns, *interface, *mac;
        struct network_port *ports;
        size_t n_ports;
};

static void
net_record_done(struct net_record *rec)
{
        free(rec->ports);
        if (rec->data)
                json_decref(rec->data);
        *rec = (struct net_record){0};
}

static json_t *
record_new(const struct network_attach *a, const struct network_opts *net, const char *gateway,
           const char *interface)
{
        _cleanup_(json_decrefp) json_t *d = NULL;
        json_t *ports = json_array();

        d = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:o?}", "container_name",
                      a->container_name ? a->container_name : a->container_id, "netns",
                      a->netns_path, "interface", interface, "network", "name", net->name, "bridge",
                      net->bridge, "subnet", net->subnet, "gateway", gateway, "ports", ports);
        if (!d || !ports)
                return NULL;
        for (size_t i = 0; i < a->n_ports; i++) {
                const struct network_port *p = &a->ports[i];
                json_t *o = json_pack("{s:i, s:i, s:s, s:s}", "host_port", p->host_port,
                                      "container_port", p->container_port, "protocol",
                                      port_protocol(p), "host_ip", port_host_ip(p));
                if (!o || json_array_append_new(ports, o) < 0)
                        return NULL;
        }
        return TAKE_PTR(d);
}

/* Read an allocation's data (stolen) back into *ret. */
static int
record_read(json_t *data, const char *owner, struct net_record *ret, struct berr **err)
{
        struct net_record rec = {.data = data};
        json_t *net = json_object_get(data, "network"), *ports = json_object_get(data, "ports");
        json_t *p;
        size_t i;

        rec.net.name = json_string_value(json_object_get(net, "name"));
        rec.net.bridge = json_string_value(json_object_get(net, "bridge"));
        rec.net.subnet = json_string_value(json_object_get(net, "subnet"));
        rec.net.gateway = json_string_value(json_object_get(net, "gateway"));
        rec.container_name = json_string_value(json_object_get(data, "container_name"));
        rec.netns = json_string_value(json_object_get(data, "netns"));
        rec.interface = json_string_value(json_object_get(data, "interface"));
        rec.mac = json_string_value(json_object_get(data, "mac"));
        if (!rec.net.name || !rec.net.bridge || !rec.net.subnet || !rec.net.gateway ||
            !rec.interface || !json_is_array(ports)) {
                net_record_done(&rec);
                return berr(err, 0, "the network record of %s is incomplete", owner);
        }
        rec.ports = calloc(json_array_size(ports) + 1, sizeof(*rec.ports));
        if (!rec.ports) {
                net_record_done(&rec);
                return berr(err, ENOMEM, "the network record of %s", owner);
        }
        json_array_foreach (ports, i, p) {
                json_int_t hp = json_integer_value(json_object_get(p, "host_port"));
                json_int_t cp = json_integer_value(json_object_get(p, "container_port"));

                rec.ports[i].protocol = json_string_value(json_object_get(p, "protocol"));
                rec.ports[i].host_ip = json_string_value(json_object_get(p, "host_ip"));
                if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535 || !rec.ports[i].protocol) {
                        net_record_done(&rec);
                        return berr(err, 0, "the network record of %s has an invalid port", owner);
                }
                rec.ports[i].host_port = (uint16_t)hp;
                rec.ports[i].container_port = (uint16_t)cp;
        }
        rec.n_ports = json_array_size(ports);
        *ret = rec;
        return 0;
}

static int
confdir_make(const char *store_root, char **ret, struct berr **err)
{
        _cleanup_free_ char *nets = NULL, *dir = NULL;

        if (asprintf(&nets, "%s/networks", store_root) < 0 ||
            asprintf(&dir, "%s/" NETAVARK_CONFIG_DIR, nets) < 0)
                return berr(err, ENOMEM, "netavark config directory");
        if (mkdir(nets, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", nets);
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return berr(err, errno, "create %s", dir);
        *ret = TAKE_PTR(dir);
        return 0;
}

/* netavark's message for a failed run: its {"error": ...}, else its exit status and stderr */
static int
netavark_fail(const char *verb, const struct netavark_run *run, struct berr **err)
{
        _cleanup_free_ char *msg = netavark_parse_error(run->out, run->out_len);
        size_t n;

        if (msg)
                return berr(err, 0, "netavark %s: %s", verb, msg);
        n = strlen(run->errout);
        while (n > 0 && (run->errout[n - 1] == '\n' || run->errout[n - 1] == ' '))
                n--;
        return berr(err, 0, "netavark %s: exit status %d%s%.*s", verb, run->status, n ? ": " : "",
                    (int)(n > 500 ? 500 : n), run->errout);
}

/*
 * Run netavark teardown for a record: in the pod's namespace (netns, or
 * the record's) when it still has the interface, else in a stand-in.
 */
static int
teardown_record(const char *bin, const char *confdir, const char *owner,
                const struct net_record *rec, const char *ip, const char *netns, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        struct netavark_locks locks = {.host = -EBADF, .podman = -EBADF};
        struct teardown_ns ns = {.pid = -1, .hold = -EBADF};
        struct netavark_run run = {0};
        int r;

        r = netavark_config(&rec->net, owner, rec->container_name, rec->interface, ip, rec->ports,
                            rec->n_ports, &cfg, err);
        if (r < 0)
                return r;
        r = teardown_ns_open(netns ? netns : rec->netns, rec->interface, &ns, err);
        if (r < 0)
                return r;
        r = netavark_lock(confdir, &locks, err);
        if (r == 0) {
                r = netavark_exec(bin, confdir, "teardown", ns.use, cfg, &run, err);
                netavark_unlock(&locks);
        }
        teardown_ns_done(&ns);
        if (r < 0)
                return r;
        /*
         * With no bridge left, nothing of the network is: after a reboot,
         * or a teardown that got that far. netavark still removed the
         * pod's port rules before it gave up.
         */
        if (run.status != 0 && !(if_nametoindex(rec->net.bridge) == 0 && errno == ENODEV))
                r = netavark_fail("teardown", &run, err);
        netavark_run_done(&run);
        return r;
}

static int
attach_check(const struct network_attach *a, struct berr **err)
{
        if (!a || !word_valid(a->container_id, 128))
                return berr(err, 0, "invalid pod ID '%s' for networking",
                            a && a->container_id ? a->container_id : "");
        if (a->interface && !ifname_valid(a->interface))
                return berr(err, 0, "invalid interface name '%s'", a->interface);
        return 0;
}

int
network_setup(const char *store_root, const struct network_attach *a, struct network_result *ret,
              struct berr **err)
{
        _cleanup_free_ char *bin = NULL, *confdir = NULL;
        _cleanup_(json_decrefp) json_t *data = NULL, *cfg = NULL;
        struct netavark_locks locks = {.host = -EBADF, .podman = -EBADF};
        struct network_opts def, net;
        struct network_result res = {0};
        struct netavark_run run = {0};
        struct net_record rec = {0};
        const char *ifname;
        char gateway[46], ip[46];
        int r;

        r = attach_check(a, err);
        if (r < 0)
                return r;
        if (!a->netns_path || !*a->netns_path)
                return berr(err, 0, "pod %s: no network namespace to attach", a->container_id);
        if (geteuid() != 0)
                return berr(err, EPERM, "bridge networking needs root");
        ifname = a->interface ? a->interface : NETWORK_DEFAULT_INTERFACE;
        network_opts_default(&def);
        net = a->network ? *a->network : def;
        r = network_opts_check(&net, gateway, err);
        if (r < 0)
                return r;
        net.gateway = gateway;
        r = ports_check(a->ports, a->n_ports, err);
        if (r < 0)
                return r;
        r = netavark_find(getenv("BERTH_NETAVARK"), NULL, getenv("PATH"), &bin, err);
        if (r < 0)
                return r;
        r = confdir_make(store_root, &confdir, err);
        if (r < 0)
                return r;
        data = record_new(a, &net, gateway, ifname);
        if (!data)
                return berr(err, ENOMEM, "network record");

        /* recorded before netavark runs: a crash from here on leaves a record to clean up */
        r = ipam_allocate(store_root, net.name, net.subnet, gateway, a->container_id, data, ip,
                          err);
        if (r < 0)
                return r;
        r = netavark_config(&net, a->container_id, a->container_name, ifname, ip, a->ports,
                            a->n_ports, &cfg, err);
        if (r == 0)
                r = netavark_lock(confdir, &locks, err);
        if (r == 0) {
                r = netavark_exec(bin, confdir, "setup", a->netns_path, cfg, &run, err);
                netavark_unlock(&locks);
        }
        if (r == 0 && run.status != 0)
                r = netavark_fail("setup", &run, err);
        if (r == 0)
                r = netavark_parse_status(run.out, run.out_len, net.name, ifname, &res, err);
        if (r == 0 && strcmp(res.ip, ip) != 0)
                r = berr(err, 0, "netavark setup: gave %s the address %s, not %s", ifname, res.ip,
                         ip);
        netavark_run_done(&run);
        if (r < 0) {
                /* undo what netavark did before it failed; keep the record if that fails too */
                if (record_read(json_incref(data), a->container_id, &rec, NULL) == 0 &&
                    teardown_record(bin, confdir, a->container_id, &rec, ip, a->netns_path, NULL) ==
                            0)
                        (void)ipam_release(store_root, net.name, a->container_id, NULL);
                net_record_done(&rec);
                return r;
        }
        if (!res.gateway[0])
                memcpy(res.gateway, gateway, sizeof(res.gateway));
        /* the MAC, for network_lookup(); the pod is attached whether or not this is written */
        if (json_object_set_new(data, "mac", json_string(res.mac)) == 0)
                (void)ipam_update(store_root, net.name, a->container_id, data, NULL);
        *ret = res;
        return 0;
}

int
network_teardown(const char *store_root, const struct network_attach *a, struct berr **err)
{
        _cleanup_free_ char *bin = NULL, *confdir = NULL;
        struct net_record rec = {0};
        json_t *data = NULL;
        const char *name;
        char ip[46];
        int r;

        r = attach_check(a, err);
        if (r < 0)
                return r;
        name = a->network ? a->network->name : NETWORK_DEFAULT_NAME;
        if (!network_name_valid(name))
                return berr(err, 0, "invalid network name '%s'", name ? name : "");
        r = ipam_lookup(store_root, name, a->container_id, ip, &data, err);
        if (r <= 0)
                return r; /* 0: holds no address there, nothing to undo */
        r = record_read(data, a->container_id, &rec, err);
        if (r < 0)
                return r;
        r = netavark_find(getenv("BERTH_NETAVARK"), NULL, getenv("PATH"), &bin, err);
        if (r == 0)
                r = confdir_make(store_root, &confdir, err);
        if (r == 0)
                r = teardown_record(bin, confdir, a->container_id, &rec, ip, a->netns_path, err);
        net_record_done(&rec);
        if (r < 0)
                return r;
        r = ipam_release(store_root, name, a->container_id, err);
        return r < 0 ? r : 0;
}

/* The stale allocations of one network: torn down and released; how many. */
static int
cleanup_network(const char *store_root, const char *name, char **bin, char **confdir,
                bool (*alive)(const char *id, void *userdata), void *userdata, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *allocs = NULL;
        const char *ip;
        json_t *a;
        int r, n = 0, first = 0;

        r = ipam_list(store_root, name, &allocs, err);
        if (r < 0)
                return r;
        json_object_foreach (allocs, ip, a) {
                const char *owner = json_string_value(json_object_get(a, "owner"));
                json_t *data = json_object_get(a, "data");
                struct net_record rec = {0};

                if (alive(owner, userdata))
                        continue;
                r = 0;
                if (!*bin)
                        r = netavark_find(getenv("BERTH_NETAVARK"), NULL, getenv("PATH"), bin, err);
                if (r == 0 && !*confdir)
                        r = confdir_make(store_root, confdir, err);
                /* an allocation without a network record was never handed to netavark */
                if (r == 0 && data && json_object_get(data, "network")) {
                        r = record_read(json_incref(data), owner, &rec, err);
                        if (r == 0)
                                r = teardown_record(*bin, *confdir, owner, &rec, ip, NULL, err);
                        net_record_done(&rec);
                }
                if (r == 0)
                        r = ipam_release(store_root, name, owner, err);
                if (r > 0)
                        n++;
                else if (r < 0 && first == 0)
                        first = r;
        }
        return first < 0 ? first : n;
}

int
network_cleanup_stale(const char *store_root, bool (*alive)(const char *id, void *userdata),
                      void *userdata, struct berr **err)
{
        _cleanup_free_ char *nets = NULL, *bin = NULL, *confdir = NULL;
        _cleanup_(closedirp_) DIR *d = NULL;
        struct dirent *de;
        int n = 0, first = 0;

        if (asprintf(&nets, "%s/networks", store_root) < 0)
                return berr(err, ENOMEM, "clean up networks");
        d = opendir(nets);
        if (!d)
                return errno == ENOENT ? 0 : berr(err, errno, "open %s", nets);
        for (;;) {
                int r;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno != 0 && first == 0)
                                first = berr(err, errno, "read %s", nets);
                        break;
                }
                if (!network_name_valid(de->d_name) ||
                    faccessat(dirfd(d), de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                r = cleanup_network(store_root, de->d_name, &bin, &confdir, alive, userdata, err);
                if (r > 0)
                        n += r;
                else if (r < 0 && first == 0)
                        first = r;
        }
        return first < 0 ? first : n;
}

int
network_lookup(const char *store_root, const char *container_id, const char *network,
               struct network_result *ret, struct berr **err)
{
        struct network_result res = {0};
        struct net_record rec = {0};
        json_t *data = NULL;
        uint32_t subnet;
        char ip[46];
        int r;

        if (!network)
                network = NETWORK_DEFAULT_NAME;
        r = ipam_lookup(store_root, network, container_id, ip, &data, err);
        if (r <= 0)
                return r;
        r = record_read(data, container_id, &rec, err);
        if (r < 0)
                return r;
        if (!rec.interface || !rec.net.gateway ||
            ipam_parse_subnet(rec.net.subnet, &subnet, &res.prefix_len) < 0 ||
            strlen(rec.interface) >= sizeof(res.interface) ||
            strlen(rec.net.gateway) >= sizeof(res.gateway)) {
                net_record_done(&rec);
                return berr(err, 0, "the network record of %s is invalid", container_id);
        }
        memcpy(res.ip, ip, sizeof(res.ip));
        memcpy(res.gateway, rec.net.gateway, strlen(rec.net.gateway) + 1);
        memcpy(res.interface, rec.interface, strlen(rec.interface) + 1);
        if (rec.mac && mac_valid(rec.mac))
                memcpy(res.mac, rec.mac, sizeof(res.mac));
        net_record_done(&rec);
        *ret = res;
        return 1;
}
