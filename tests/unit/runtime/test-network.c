/*
 * tests/unit/runtime/test-network.c: pod networking through the real
 * netavark. Two network namespaces (bind-mounted nsfs files, as berth
 * makes them) get an eth0 each on a test bridge, reach each other over
 * TCP, one publishes hostPort 18080 -> 80 that the host reaches on
 * 127.0.0.1 and on its own address; teardown leaves no veth, no rule with
 * the port, no bridge and a free address. Also: netavark's errors, a crash
 * between setup and the pod's record, and the JSON in and out without
 * netavark. Everything made here is removed at the end whatever failed.
 *
 * The live tests use their own network (bridge berthtest0, 10.231.77.0/24)
 * so that they never touch podman0 and what podman or berth run there.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <jansson.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "runtime/network.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define TEST_BRIDGE "berthtest0"
#define TEST_SUBNET "10.231.77.0/24"
#define HOST_PORT 18080
#define HOST_PORT_S "18080"

static const struct network_opts test_net = {
        .name = "berthtest",
        .bridge = TEST_BRIDGE,
        .subnet = TEST_SUBNET,
};

/* why the live tests cannot run; NULL: they can */
static const char *live_skip;

/* ---- helpers ---- */

static bool
temp_dir(char path[64])
{
        (void)snprintf(path, 64, "/tmp/berth-test-net-XXXXXX");
        return mkdtemp(path) != NULL;
}

/* A new network namespace, bind-mounted on path (a new file): as berth's pod sandbox makes it. */
static bool
netns_make(const char *path)
{
        int ready[2], hold[2];
        char c = 0, proc[64];
        bool ok = false;
        pid_t pid;
        int fd;

        if (pipe2(ready, O_CLOEXEC) < 0)
                return false;
        if (pipe2(hold, O_CLOEXEC) < 0) {
                (void)close(ready[0]);
                (void)close(ready[1]);
                return false;
        }
        pid = fork();
        if (pid == 0) {
                (void)close(ready[0]);
                (void)close(hold[1]);
                if (unshare(CLONE_NEWNET) < 0)
                        _exit(1);
                (void)!write(ready[1], "r", 1);
                (void)!read(hold[0], &c, 1);
                _exit(0);
        }
        (void)close(ready[1]);
        (void)close(hold[0]);
        if (pid > 0 && read(ready[0], &c, 1) == 1) {
                (void)snprintf(proc, sizeof(proc), "/proc/%d/ns/net", (int)pid);
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
                if (fd >= 0) {
                        (void)close(fd);
                        ok = mount(proc, path, NULL, MS_BIND, NULL) == 0;
                }
        }
        (void)close(ready[0]);
        (void)close(hold[1]);
        if (pid > 0)
                (void)waitpid(pid, NULL, 0);
        return ok;
}

static void
netns_drop(const char *path)
{
        (void)umount2(path, MNT_DETACH);
        (void)unlink(path);
}

/* Enter the namespace at path (NULL: stay) in a forked child; false when that fails. */
static bool
enter(const char *path)
{
        int fd;

        if (!path)
                return true;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
                return false;
        (void)close(fd);
        return true;
}

/*
 * In the namespace at path: the IPv4 address and prefix length of ifname
 * as "IP/LEN" into out; "" when it has none or does not exist.
 */
static void
if_addr_in(const char *path, const char *ifname, char out[64])
{
        int p[2];
        pid_t pid;
        ssize_t n;

        out[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid == 0) {
                struct ifreq ifr = {0};
                char buf[64] = "";
                uint32_t mask;
                int s;

                (void)close(p[0]);
                if (!enter(path))
                        _exit(1);
                s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                (void)snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
                if (s >= 0 && ioctl(s, SIOCGIFADDR, &ifr) == 0) {
                        struct sockaddr_in sin;
                        char ip[INET_ADDRSTRLEN];

                        memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
                        (void)inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
                        if (ioctl(s, SIOCGIFNETMASK, &ifr) == 0) {
                                memcpy(&sin, &ifr.ifr_netmask, sizeof(sin));
                                mask = ntohl(sin.sin_addr.s_addr);
                                (void)snprintf(buf, sizeof(buf), "%s/%d", ip,
                                               __builtin_popcount(mask));
                        }
                }
                (void)!write(p[1], buf, strlen(buf));
                _exit(0);
        }
        (void)close(p[1]);
        n = pid > 0 ? read(p[0], out, 63) : -1;
        out[n > 0 ? n : 0] = '\0';
        (void)close(p[0]);
        if (pid > 0)
                (void)waitpid(pid, NULL, 0);
}

/* A TCP server in the namespace at path on port: answers "pong" to count connections. */
struct server {
        pid_t pid;
};

static bool
server_start(struct server *s, const char *path, uint16_t port, int count)
{
        int ready[2];
        char c;
        bool ok;

        s->pid = -1;
        if (pipe2(ready, O_CLOEXEC) < 0)
                return false;
        s->pid = fork();
        if (s->pid == 0) {
                struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
                int one = 1, l;

                (void)close(ready[0]);
                alarm(20); /* a client that never comes must not hang the test */
                if (!enter(path))
                        _exit(1);
                l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
                    bind(l, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(l, 8) < 0)
                        _exit(1);
                (void)!write(ready[1], "r", 1);
                (void)close(ready[1]);
                for (int i = 0; i < count; i++) {
                        int c2 = accept4(l, NULL, NULL, SOCK_CLOEXEC);
                        if (c2 < 0)
                                _exit(1);
                        (void)!write(c2, "pong", 4);
                        (void)close(c2);
                }
                _exit(0);
        }
        (void)close(ready[1]);
        ok = s->pid > 0 && read(ready[0], &c, 1) == 1;
        (void)close(ready[0]);
        return ok;
}

/* whether the server served all its connections */
static bool
server_wait(struct server *s)
{
        int st = 0;

        if (s->pid <= 0)
                return false;
        (void)waitpid(s->pid, &st, 0);
        s->pid = -1;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
server_kill(struct server *s)
{
        if (s->pid > 0) {
                (void)kill(s->pid, SIGKILL);
                (void)waitpid(s->pid, NULL, 0);
        }
        s->pid = -1;
}

/* From the namespace at path (NULL: the host's), connect to ip:port; whether "pong" came back. */
static bool
tcp_ping(const char *path, const char *ip, uint16_t port)
{
        int st = 0;
        pid_t pid = fork();

        if (pid == 0) {
                struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
                struct timeval tv = {.tv_sec = 5};
                char buf[8] = "";
                int s;

                if (!enter(path) || inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
                        _exit(2);
                s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (s < 0 || setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
                    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
                        _exit(2);
                if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
                        _exit(3);
                if (read(s, buf, 4) != 4 || memcmp(buf, "pong", 4) != 0)
                        _exit(4);
                _exit(0);
        }
        if (pid < 0)
                return false;
        (void)waitpid(pid, &st, 0);
        return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Run argv (a path) and return its standard output, or NULL. */
static char *
run_output(char *const argv[])
{
        char *out = NULL;
        size_t len = 0;
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return NULL;
        pid = fork();
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

                (void)dup2(p[1], 1);
                if (null >= 0)
                        (void)dup2(null, 2);
                execv(argv[0], argv);
                _exit(127);
        }
        (void)close(p[1]);
        for (;;) {
                char buf[4096], *n;
                ssize_t r = pid > 0 ? read(p[0], buf, sizeof(buf)) : 0;

                if (r <= 0)
                        break;
                n = realloc(out, len + (size_t)r + 1);
                if (!n)
                        break;
                out = n;
                memcpy(out + len, buf, (size_t)r);
                len += (size_t)r;
                out[len] = '\0';
        }
        (void)close(p[0]);
        if (pid > 0)
                (void)waitpid(pid, NULL, 0);
        return out ? out : strdup("");
}

/* iptables-save's output (both tables netavark uses) */
static char *
iptables_save(void)
{
        char *argv[] = {(char *)"/usr/sbin/iptables-save", NULL};

        return run_output(argv);
}

static bool
iptables_mentions(const char *needle)
{
        _cleanup_free_ char *out = iptables_save();

        return out && strstr(out, needle) != NULL;
}

static bool
link_exists(const char *name)
{
        char path[128];

        (void)snprintf(path, sizeof(path), "/sys/class/net/%s", name);
        return access(path, F_OK) == 0;
}

/* the bridge's ports (host-side veths) as "a b ", sorted by readdir order */
static void
bridge_ports(char out[256])
{
        _cleanup_(closedirp_) DIR *d = opendir("/sys/class/net/" TEST_BRIDGE "/brif");
        struct dirent *de;
        size_t len = 0;

        out[0] = '\0';
        while (d && (de = readdir(d))) {
                if (de->d_name[0] == '.')
                        continue;
                len += (size_t)snprintf(out + len, 256 - len, "%s ", de->d_name);
                if (len >= 256)
                        break;
        }
}

/* an IPv4 address of this host that is not loopback nor a container bridge; "" when none */
static void
host_address(char out[INET_ADDRSTRLEN])
{
        struct ifaddrs *ifa = NULL;

        out[0] = '\0';
        if (getifaddrs(&ifa) < 0)
                return;
        for (struct ifaddrs *i = ifa; i; i = i->ifa_next) {
                struct sockaddr_in sin;

                if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
                    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP) ||
                    strncmp(i->ifa_name, "podman", 6) == 0 ||
                    strncmp(i->ifa_name, "berthtest", 9) == 0)
                        continue;
                memcpy(&sin, i->ifa_addr, sizeof(sin));
                (void)inet_ntop(AF_INET, &sin.sin_addr, out, INET_ADDRSTRLEN);
                break;
        }
        freeifaddrs(ifa);
}

/* Last resort after a failed test: the test bridge, by hand. */
static void
bridge_remove(void)
{
        char *argv[] = {(char *)"/usr/sbin/ip", (char *)"link", (char *)"del", (char *)TEST_BRIDGE,
                        NULL};
        char *argv2[] = {(char *)"/sbin/ip", (char *)"link", (char *)"del", (char *)TEST_BRIDGE,
                         NULL};

        if (!link_exists(TEST_BRIDGE))
                return;
        free(run_output(access(argv[0], X_OK) == 0 ? argv : argv2));
}

/* split an iptables-save rule into words, "quoted words" as one; at most max - 1 of them */
static int
split_rule(char *line, char **words, int max)
{
        int n = 0;
        char *p = line;

        while (*p && n < max - 1) {
                char *w, *o;

                while (*p == ' ')
                        p++;
                if (!*p)
                        break;
                w = o = p;
                if (*p == '"') {
                        for (p++; *p && *p != '"'; p++) {
                                if (*p == '\\' && p[1])
                                        p++;
                                *o++ = *p;
                        }
                } else {
                        for (; *p && *p != ' '; p++)
                                *o++ = *p;
                }
                if (*p)
                        p++;
                *o = '\0';
                words[n++] = w;
        }
        words[n] = NULL;
        return n;
}

/*
 * Last resort after a failed test: delete every iptables rule that names
 * the test subnet or its ports, then the per-network chains they were in
 * (netavark's shared NETAVARK-HOSTPORT-* and NETAVARK_FORWARD stay).
 */
static void
iptables_scrub(void)
{
        _cleanup_free_ char *out = iptables_save();
        char table[16] = "filter", chains[16][64];
        int n_chains = 0;

        for (char *line = out ? strtok(out, "\n") : NULL; line; line = strtok(NULL, "\n")) {
                char *words[64], *argv[72];
                int n, k = 0;

                if (line[0] == '*') {
                        (void)snprintf(table, sizeof(table), "%s", line + 1);
                        continue;
                }
                if (strncmp(line, "-A ", 3) != 0 ||
                    (!strstr(line, "10.231.77.") && !strstr(line, "1808")))
                        continue;
                n = split_rule(line + 3, words, 64);
                if (n < 1)
                        continue;
                argv[k++] = (char *)"/usr/sbin/iptables";
                argv[k++] = (char *)"-t";
                argv[k++] = table;
                argv[k++] = (char *)"-D";
                for (int i = 0; i < n; i++)
                        argv[k++] = words[i];
                argv[k] = NULL;
                free(run_output(argv));
                if (strncmp(words[0], "NETAVARK-", 9) == 0 &&
                    strncmp(words[0], "NETAVARK-HOSTPORT-", 18) != 0 && n_chains < 16)
                        (void)snprintf(chains[n_chains++], 64, "%s %s", table, words[0]);
        }
        for (int i = 0; i < n_chains; i++) {
                char t[16], c[48];
                char *flush[] = {
                        (char *)"/usr/sbin/iptables", (char *)"-t", t, (char *)"-F", c, NULL};
                char *del[] = {
                        (char *)"/usr/sbin/iptables", (char *)"-t", t, (char *)"-X", c, NULL};

                if (sscanf(chains[i], "%15s %47s", t, c) != 2)
                        continue;
                free(run_output(flush));
                free(run_output(del));
        }
}

static bool
never_alive(const char *id, void *userdata)
{
        return false;
}

/* ---- without netavark ---- */

static void
test_config(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        _cleanup_free_ char *s = NULL;
        struct network_port ports[] = {
                {.host_port = 8080, .container_port = 80},
                {.host_port = 5353,
                 .container_port = 53,
                 .protocol = "udp",
                 .host_ip = "127.0.0.1"},
        };
        struct network_opts def;

        network_opts_default(&def);
        check_str(def.name, "podman");
        check_str(def.bridge, "podman0");
        check_str(def.subnet, "10.88.0.0/16");
        check_str(def.gateway, "10.88.0.1");
        check(netavark_config(&def, "abc123", "web", "eth0", "10.88.255.254", ports, 2, &cfg,
                              &err) == 0);
        s = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        /* podman's default network as podman 4.3 hands it to netavark, ID sha256("podman") */
        check_str(s, "{\"container_id\":\"abc123\",\"container_name\":\"web\","
                     "\"network_info\":{\"podman\":{\"dns_enabled\":false,\"driver\":\"bridge\","
                     "\"id\":\"2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9\","
                     "\"internal\":false,\"ipam_options\":{\"driver\":\"host-local\"},"
                     "\"ipv6_enabled\":false,\"name\":\"podman\",\"network_interface\":"
                     "\"podman0\",\"subnets\":[{\"gateway\":\"10.88.0.1\",\"subnet\":"
                     "\"10.88.0.0/16\"}]}},\"networks\":{\"podman\":{\"aliases\":[],"
                     "\"interface_name\":\"eth0\",\"static_ips\":[\"10.88.255.254\"]}},"
                     "\"port_mappings\":[{\"container_port\":80,\"host_ip\":\"\",\"host_port\":"
                     "8080,\"protocol\":\"tcp\",\"range\":1},{\"container_port\":53,"
                     "\"host_ip\":\"127.0.0.1\",\"host_port\":5353,\"protocol\":\"udp\","
                     "\"range\":1}]}");
        check(err == NULL);
}

static void
config_fails(const struct network_opts *net, const struct network_port *ports, size_t n,
             const char *want)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        json_t *cfg = NULL;

        check(netavark_config(net, "id", NULL, "eth0", "10.0.0.2", ports, n, &cfg, &err) ==
              -EINVAL);
        check(cfg == NULL);
        check_str(err ? err->msg : NULL, want);
}

static void
test_config_invalid(void)
{
        struct network_opts def, n;
        struct network_port bad_proto = {.host_port = 1, .container_port = 1, .protocol = "TCP"};
        struct network_port zero = {.host_port = 0, .container_port = 80};
        struct network_port bad_ip = {.host_port = 1, .container_port = 1, .host_ip = "::1"};
        struct network_port dup[] = {{.host_port = 80, .container_port = 80},
                                     {.host_port = 80, .container_port = 81, .host_ip = "1.2.3.4"}};
        struct network_port not_dup[] = {
                {.host_port = 80, .container_port = 80},
                {.host_port = 80, .container_port = 80, .protocol = "udp"}};
        _cleanup_(json_decrefp) json_t *cfg = NULL;
        char gw[46] = "";

        network_opts_default(&def);
        config_fails(&def, &bad_proto, 1,
                     "port 1: invalid protocol 'TCP', expected tcp, udp or sctp");
        config_fails(&def, &zero, 1, "port 0:80/tcp: ports are 1-65535");
        config_fails(&def, &bad_ip, 1,
                     "port 1/tcp: invalid host IP '::1', expected an IPv4 address");
        config_fails(&def, dup, 2, "host port 80/tcp is published twice");
        check(netavark_config(&def, "id", NULL, "eth0", "10.0.0.2", not_dup, 2, &cfg, NULL) == 0);

        n = def;
        n.bridge = "a-bridge-name-too-long";
        config_fails(&n, NULL, 0,
                     "network podman: invalid bridge name 'a-bridge-name-too-long', expected at "
                     "most 15 letters, digits, '_', '.' or '-'");
        n = def;
        n.name = "a/b";
        config_fails(&n, NULL, 0,
                     "invalid network name 'a/b', expected letters, digits, '_', '.' and '-', "
                     "starting with a letter or digit");
        n = def;
        n.subnet = "10.88.0.1/16";
        config_fails(&n, NULL, 0,
                     "network podman: invalid subnet '10.88.0.1/16', expected an IPv4 CIDR from "
                     "/8 to /30");
        n = def;
        n.gateway = "10.89.0.1";
        config_fails(&n, NULL, 0,
                     "network podman: the gateway is not a host address of "
                     "10.88.0.0/16");
        n.gateway = "10.88.255.255";
        config_fails(&n, NULL, 0,
                     "network podman: the gateway is not a host address of "
                     "10.88.0.0/16");
        n.gateway = NULL;
        check(network_opts_check(&n, gw, NULL) == 0);
        check_str(gw, "10.88.0.1");
}

/* what netavark 1.4 printed for a setup on this machine */
static const char status_ok[] =
        "{\"podman\":{\"dns_search_domains\":[],\"dns_server_ips\":[],\"interfaces\":{\"eth0\":"
        "{\"mac_address\":\"ea:9c:d8:2c:e1:f1\",\"subnets\":[{\"gateway\":\"10.88.0.1\","
        "\"ipnet\":\"10.88.255.254/16\"}]}}}}";

static void
status_fails(const char *in, const char *want)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct network_result r = {.prefix_len = 77};

        check(netavark_parse_status(in, strlen(in), "podman", "eth0", &r, &err) == -EINVAL);
        check(r.prefix_len == 77); /* untouched */
        check_str(err ? err->msg : NULL, want);
}

static void
test_parse_status(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct network_result r = {0};
        char *msg;
        const char v6_first[] =
                "{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":\"EA:9C:D8:2C:E1:F1\","
                "\"subnets\":[{\"ipnet\":\"fd00::5/64\"},{\"gateway\":null,\"ipnet\":"
                "\"10.1.2.3/24\"}]}}}}";

        check(netavark_parse_status(status_ok, strlen(status_ok), "podman", "eth0", &r, &err) == 0);
        check_str(r.ip, "10.88.255.254");
        check_str(r.gateway, "10.88.0.1");
        check_str(r.mac, "ea:9c:d8:2c:e1:f1");
        check_str(r.interface, "eth0");
        check(r.prefix_len == 16);
        check(err == NULL);

        check(netavark_parse_status(v6_first, strlen(v6_first), "podman", "eth0", &r, &err) == 0);
        check_str(r.ip, "10.1.2.3");
        check_str(r.gateway, "");
        check(r.prefix_len == 24);

        status_fails("", "netavark status: 1:0: '[' or '{' expected near end of file");
        status_fails("{}", "netavark status: no interface eth0 on network podman");
        status_fails("{\"podman\":{\"interfaces\":{\"eth1\":{}}}}",
                     "netavark status: no interface eth0 on network podman");
        status_fails("{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":\"zz\"}}}}",
                     "netavark status: eth0: invalid mac_address");
        status_fails("{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":"
                     "\"ea:9c:d8:2c:e1:f1\"}}}}",
                     "netavark status: eth0: no subnets");
        status_fails("{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":"
                     "\"ea:9c:d8:2c:e1:f1\",\"subnets\":[{\"ipnet\":\"fd00::5/64\"}]}}}}",
                     "netavark status: eth0 has no IPv4 address");
        status_fails("{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":"
                     "\"ea:9c:d8:2c:e1:f1\",\"subnets\":[{\"ipnet\":\"10.1.2.3/24\","
                     "\"gateway\":\"x\"}]}}}}",
                     "netavark status: eth0: invalid gateway");
        status_fails("{\"podman\":{\"interfaces\":{\"eth0\":{\"mac_address\":"
                     "\"ea:9c:d8:2c:e1:f1\",\"subnets\":[{\"ipnet\":\"10.1.2.3/33\"}]}}}}",
                     "netavark status: eth0 has no IPv4 address");

        msg = netavark_parse_error("{\"error\":\"boom\"}", 16);
        check_str(msg, "boom");
        free(msg);
        check(netavark_parse_error("{\"error\":5}", 11) == NULL);
        check(netavark_parse_error("[]", 2) == NULL);
        check(netavark_parse_error("", 0) == NULL);
}

static void
test_find(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        const char *const none[] = {"/nonexistent/a/netavark", "/nonexistent/b/netavark", NULL};
        char dir[64], path[128];
        char *found = NULL;
        int fd;

        check(netavark_find("/nonexistent/c", none, "/nonexistent/d:relative:", &found, &err) ==
              -ENOENT);
        check(found == NULL);
        check_str(err ? err->msg : NULL,
                  "netavark not found (tried $BERTH_NETAVARK (/nonexistent/c), "
                  "/nonexistent/a/netavark, /nonexistent/b/netavark, $PATH "
                  "(/nonexistent/d:relative:)): install netavark, or set BERTH_NETAVARK to its "
                  "path: No such file or directory");
        err = berr_free(err);

        /* the override wins; then the candidates; then $PATH */
        check(netavark_find("/bin/true", none, NULL, &found, &err) == 0);
        check_str(found, "/bin/true");
        free(found);
        found = NULL;
        check(temp_dir(dir));
        (void)snprintf(path, sizeof(path), "%s/netavark", dir);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        check(fd >= 0);
        if (fd >= 0)
                (void)close(fd);
        (void)snprintf(path, sizeof(path), "/nonexistent:%s", dir);
        check(netavark_find(NULL, none, path, &found, &err) == 0);
        (void)snprintf(path, sizeof(path), "%s/netavark", dir);
        check_str(found, path);
        free(found);
        check(rm_rf_at(AT_FDCWD, dir) == 0);
        check(err == NULL);
}

/* ---- with netavark ---- */

static void
test_setup_errors(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct network_attach a = {
                .container_id = "berthtesterr",
                .netns_path = "/nonexistent/netns",
                .network = &test_net,
        };
        struct network_result r = {0};
        char root[64], ip[46];

        if (live_skip) {
                check_skip(live_skip);
                return;
        }
        check(temp_dir(root));
        /* netavark's own message, prefixed */
        check(network_setup(root, &a, &r, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "netavark setup: invalid namespace path: IO error: No "
                                         "such file or directory (os error 2)");
        err = berr_free(err);
        /* and nothing is held after it */
        check(ipam_lookup(root, "berthtest", "berthtesterr", ip, NULL, &err) == 0);
        check(network_teardown(root, &a, &err) == 0);
        check(!link_exists(TEST_BRIDGE));

        a.container_id = "bad id";
        check(network_setup(root, &a, &r, &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "invalid pod ID 'bad id' for networking");
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_live(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        struct network_port port = {.host_port = HOST_PORT, .container_port = 80};
        char root[64], nsa[128], nsb[128], addr[64], ports_a[256], ports_b[256], ports[256];
        char hostip[INET_ADDRSTRLEN], ip[46], veth_a[64] = "", veth_b[64] = "";
        struct network_attach a = {
                .container_id = "berthtestpoda",
                .container_name = "poda",
                .ports = &port,
                .n_ports = 1,
                .network = &test_net,
        };
        struct network_attach b = {
                .container_id = "berthtestpodb",
                .network = &test_net,
        };
        struct network_result ra = {0}, rb = {0}, look = {0};
        struct server srv = {.pid = -1};
        bool made_a, made_b;

        if (live_skip) {
                check_skip(live_skip);
                return;
        }
        check(!link_exists(TEST_BRIDGE));
        check(temp_dir(root));
        (void)snprintf(nsa, sizeof(nsa), "%s/netns-a", root);
        (void)snprintf(nsb, sizeof(nsb), "%s/netns-b", root);
        made_a = netns_make(nsa);
        made_b = netns_make(nsb);
        check(made_a && made_b);
        if (!made_a || !made_b)
                goto cleanup;
        a.netns_path = nsa;
        b.netns_path = nsb;

        check(network_setup(root, &a, &ra, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        bridge_ports(ports_a);
        check(network_setup(root, &b, &rb, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        bridge_ports(ports_b);
        if (err)
                goto cleanup;

        /* each has its address, from the top of the subnet down */
        check_str(ra.ip, "10.231.77.254");
        check_str(rb.ip, "10.231.77.253");
        check_str(ra.gateway, "10.231.77.1");
        check(ra.prefix_len == 24 && rb.prefix_len == 24);
        check_str(ra.interface, "eth0");
        check(strlen(ra.mac) == 17 && strcmp(ra.mac, rb.mac) != 0);
        if_addr_in(nsa, "eth0", addr);
        check_str(addr, "10.231.77.254/24");
        if_addr_in(nsb, "eth0", addr);
        check_str(addr, "10.231.77.253/24");
        check(network_lookup(root, "berthtestpoda", "berthtest", &look, &err) == 1);
        check_str(look.ip, "10.231.77.254");
        check_str(look.mac, ra.mac);
        check(look.prefix_len == 24);

        /* one veth each on the bridge: a's, then a's and b's */
        check(sscanf(ports_a, "%63s", veth_a) == 1);
        for (char *t = strtok(ports_b, " "); t; t = strtok(NULL, " "))
                if (strcmp(t, veth_a) != 0)
                        (void)snprintf(veth_b, sizeof(veth_b), "%s", t);
        check(veth_a[0] && veth_b[0] && link_exists(veth_a) && link_exists(veth_b));

        /* the two pods reach each other */
        check(server_start(&srv, nsb, 80, 1));
        check(tcp_ping(nsa, rb.ip, 80));
        check(server_wait(&srv));

        /* hostPort 18080 -> 80 in a, from the host: loopback, its own address */
        check(iptables_mentions(HOST_PORT_S));
        host_address(hostip);
        check(server_start(&srv, nsa, 80, hostip[0] ? 2 : 1));
        check(tcp_ping(NULL, "127.0.0.1", HOST_PORT));
        if (hostip[0])
                check(tcp_ping(NULL, hostip, HOST_PORT));
        else
                fprintf(stderr, "  (no non-loopback IPv4 address on this host: not tried)\n");
        check(server_wait(&srv));

        /* a second setup for the same pod is refused, and changes nothing */
        check(network_setup(root, &a, &look, &err) == -EEXIST);
        err = berr_free(err);

        /* a's teardown: its veth, its port rules and its address go; b stays */
        check(network_teardown(root, &a, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(!iptables_mentions(HOST_PORT_S));
        check(!link_exists(veth_a) && link_exists(veth_b));
        if_addr_in(nsa, "eth0", addr);
        check_str(addr, "");
        check(ipam_lookup(root, "berthtest", "berthtestpoda", ip, NULL, &err) == 0);
        check(network_lookup(root, "berthtestpoda", "berthtest", &look, &err) == 0);
        check(network_teardown(root, &a, &err) == 0); /* again: nothing to do */

        /* b's: the last one, so the bridge and the network's rules go too */
        check(network_teardown(root, &b, &err) == 0);
        check(!link_exists(veth_b) && !link_exists(TEST_BRIDGE));
        check(!iptables_mentions(TEST_SUBNET));
        bridge_ports(ports);
        check_str(ports, "");

        /* the freed addresses are handed out again (round robin: below the last) */
        check(network_setup(root, &a, &ra, &err) == 0);
        check_str(ra.ip, "10.231.77.252");
        check(network_teardown(root, &a, &err) == 0);
        check(err == NULL);
cleanup:
        server_kill(&srv);
        (void)network_teardown(root, &a, NULL);
        (void)network_teardown(root, &b, NULL);
        netns_drop(nsa);
        netns_drop(nsb);
        bridge_remove();
        if (iptables_mentions("10.231.77.") || iptables_mentions("1808"))
                iptables_scrub();
        check(!iptables_mentions(HOST_PORT_S));
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

static void
test_crash_recovery(void)
{
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *data = NULL;
        struct network_port port = {.host_port = 18081, .container_port = 80};
        struct network_attach a = {
                .container_id = "berthtestcrash",
                .ports = &port,
                .n_ports = 1,
                .network = &test_net,
        };
        struct network_result ra = {0};
        char root[64], ns[128], ip[46];
        bool made;

        if (live_skip) {
                check_skip(live_skip);
                return;
        }
        check(temp_dir(root));
        (void)snprintf(ns, sizeof(ns), "%s/netns", root);
        made = netns_make(ns);
        check(made);
        if (!made)
                goto cleanup;
        a.netns_path = ns;
        check(network_setup(root, &a, &ra, &err) == 0);
        check(iptables_mentions("18081") && link_exists(TEST_BRIDGE));

        /* berth dies, the pod's namespace goes with it: its rules and address stay behind */
        netns_drop(ns);
        check(iptables_mentions("18081"));
        check(ipam_lookup(root, "berthtest", "berthtestcrash", ip, NULL, &err) == 1);

        /* a crash after the address was recorded and before netavark ran */
        data = json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s}, s:[]}", "container_name", "x",
                         "netns", "/nonexistent/netns", "interface", "eth0", "network", "name",
                         "berthtest", "bridge", TEST_BRIDGE, "subnet", TEST_SUBNET, "gateway",
                         "10.231.77.1", "ports");
        check(ipam_allocate(root, "berthtest", TEST_SUBNET, "10.231.77.1", "berthtestearly", data,
                            ip, &err) == 0);

        /* the next run cleans both up: rules, bridge, addresses */
        check(network_cleanup_stale(root, never_alive, NULL, &err) == 2);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(!iptables_mentions("18081"));
        check(!iptables_mentions(TEST_SUBNET));
        check(!link_exists(TEST_BRIDGE));
        check(ipam_lookup(root, "berthtest", "berthtestcrash", ip, NULL, &err) == 0);
        check(ipam_lookup(root, "berthtest", "berthtestearly", ip, NULL, &err) == 0);
        check(network_cleanup_stale(root, never_alive, NULL, &err) == 0);
        check(network_teardown(root, &a, &err) == 0);
cleanup:
        (void)network_teardown(root, &a, NULL);
        netns_drop(ns);
        bridge_remove();
        if (iptables_mentions("10.231.77.") || iptables_mentions("1808"))
                iptables_scrub();
        check(rm_rf_at(AT_FDCWD, root) == 0);
}

int
main(void)
{
        char *bin = NULL;

        if (netavark_find(getenv("BERTH_NETAVARK"), NULL, getenv("PATH"), &bin, NULL) < 0)
                live_skip = "netavark is not installed";
        free(bin);

        RUN(test_config);
        RUN(test_config_invalid);
        RUN(test_parse_status);
        RUN(test_find);
        RUN(test_setup_errors);
        RUN(test_live);
        RUN(test_crash_recovery);
        return check_done();
}
