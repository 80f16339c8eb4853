/*
 * tests/fuzz/fuzz-grpc-response.c: what a container's server answers a
 * grpc probe, HTTP/2 frames read as they come. The parser must stay inside
 * the bytes read; what it decides (an end, an error) must not change when
 * more bytes follow, nor appear in a shorter prefix that it said wanted
 * more; the frames it asks the client to answer must lie in the buffer;
 * and the verdict's message must be printable, valid UTF-8 and fit.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/probe.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_msg(const struct probe_outcome *o)
{
        size_t n = strnlen(o->msg, sizeof(o->msg));

        if (n >= sizeof(o->msg) || utf8_invalid_at(o->msg, n) != n)
                abort();
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)o->msg[i] < 0x20 || o->msg[i] == 0x7f)
                        abort();
        if (o->result != PROBE_SUCCESS && o->result != PROBE_FAILURE)
                abort();
        if ((o->result == PROBE_SUCCESS) != (n == 0))
                abort();
}

static void
check_owed(const uint8_t *buf, size_t len, const struct probe_grpc_response *r)
{
        for (uint32_t i = 0; i < r->pings && i < PROBE_GRPC_PINGS_MAX; i++)
                if (r->ping_at[i] < 9 || r->ping_at[i] > len || len - r->ping_at[i] < 8 ||
                    buf[r->ping_at[i] - 6] != 0x6)
                        abort();
}

static bool
same(int r, const struct probe_grpc_response *a, const struct probe_grpc_response *b)
{
        if (r == -EBADMSG)
                return a->what && b->what && strcmp(a->what, b->what) == 0;
        if (a->end != b->end)
                return false;
        if (a->end == PROBE_GRPC_RESPONSE)
                return a->status == b->status;
        if (a->end == PROBE_GRPC_RESET || a->end == PROBE_GRPC_GOAWAY)
                return a->error_code == b->error_code;
        return a->end == PROBE_GRPC_NO_RESPONSE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* a PING frame, and the start of another frame */
        static const uint8_t more[21] = "\0\0\x08\x06\0\0\0\0\0pingpong\0\0\0";
        struct probe_grpc_response r, again;
        struct probe_outcome o;
        size_t len = size;
        uint8_t *longer;
        int rc;

        if (len > PROBE_GRPC_READ_MAX)
                len = PROBE_GRPC_READ_MAX;

        rc = probe_grpc_parse(data, len, &r);
        if (rc != 0 && rc != -EAGAIN && rc != -EBADMSG)
                abort();
        if (rc == 0 && (r.end < 0 || r.end >= _PROBE_GRPC_END_MAX))
                abort();
        if (rc == -EBADMSG && !r.what)
                abort();
        check_owed(data, len, &r);

        /* a prefix of a valid start is one too, and owes no more */
        if (rc == -EAGAIN && len > 0) {
                if (probe_grpc_parse(data, len - 1, &again) != -EAGAIN)
                        abort();
                if (again.settings > r.settings || again.pings > r.pings)
                        abort();
        }
        /* what is decided stays decided whatever follows */
        if (rc != -EAGAIN) {
                longer = malloc(len + sizeof(more));
                if (!longer)
                        return 0;
                memcpy(longer, data, len);
                memcpy(longer + len, more, sizeof(more));
                if (probe_grpc_parse(longer, len + sizeof(more), &again) != rc ||
                    !same(rc, &r, &again))
                        abort();
                free(longer);
        }

        memset(&o, 0x7f, sizeof(o));
        rc = probe_grpc_outcome(data, len, false, &again, &o);
        if (rc == 1)
                check_msg(&o);
        else if (rc != 0 || len >= PROBE_GRPC_READ_MAX)
                abort();
        memset(&o, 0x7f, sizeof(o));
        if (probe_grpc_outcome(data, len, true, &again, &o) != 1)
                abort();
        check_msg(&o);
        return 0;
}
