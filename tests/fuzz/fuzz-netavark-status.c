/*
 * tests/fuzz/fuzz-netavark-status.c: what netavark prints is read back:
 * its status after a setup and its {"error": ...} after a failure. The
 * input is parsed as both, for the network and interface names berth
 * uses. What parses must be an IPv4 address with a length, a MAC of the
 * usual form and a gateway that is empty or an address; what does not
 * parse must leave the result untouched and say why.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/network.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(const struct network_result *r)
{
        struct in_addr in;

        if (inet_pton(AF_INET, r->ip, &in) != 1)
                abort();
        if (r->prefix_len < 0 || r->prefix_len > 32)
                abort();
        if (r->gateway[0] && inet_pton(AF_INET, r->gateway, &in) != 1)
                abort();
        if (strlen(r->mac) != 17 || r->mac[2] != ':' || r->mac[14] != ':')
                abort();
        if (strcmp(r->interface, "eth0") != 0 && strcmp(r->interface, "net1") != 0)
                abort();
}

static bool
same(const struct network_result *a, const struct network_result *b)
{
        return memcmp(a->ip, b->ip, sizeof(a->ip)) == 0 &&
               memcmp(a->gateway, b->gateway, sizeof(a->gateway)) == 0 &&
               memcmp(a->mac, b->mac, sizeof(a->mac)) == 0 &&
               memcmp(a->interface, b->interface, sizeof(a->interface)) == 0 &&
               a->prefix_len == b->prefix_len;
}

static void
parse(const char *buf, size_t len, const char *network, const char *interface)
{
        struct network_result r, before;
        struct berr *err = NULL;

        memset(&r, 0x5a, sizeof(r));
        before = r;
        if (netavark_parse_status(buf, len, network, interface, &r, &err) == 0) {
                if (err)
                        abort();
                check_result(&r);
        } else {
                if (!err || !err->msg || !same(&r, &before))
                        abort();
        }
        berr_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        char *msg;

        parse(buf, size, "podman", "eth0");
        parse(buf, size, "berthtest", "net1");
        msg = netavark_parse_error(buf, size);
        if (msg && !memmem(buf, size, "error", 5))
                abort();
        free(msg);
        return 0;
}
