/*
 * tests/fuzz/fuzz-http-status.c: what a container answers an httpGet probe.
 * The head parser and the verdict built from it must stay inside the bytes
 * read, agree with themselves on prefixes and longer inputs, and give a
 * message that is printable, valid UTF-8 and fits its buffer.
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

/* buf parsed whole (r == 0): its head alone parses to the same */
static void
check_head(const char *buf, const struct probe_http_head *h)
{
        struct probe_http_head again;

        if (h->status < 0 || h->status > 999 || h->head_len == 0 || buf[h->head_len - 1] != '\n')
                abort();
        if (h->status >= 100 && h->status <= 199 && h->status != 101)
                abort();
        if (probe_http_parse(buf, h->head_len, &again) != 0 || again.status != h->status ||
            again.head_len != h->head_len)
                abort();
}

/* buf, len bytes, is malformed: more bytes cannot mend it */
static void
check_bad(const char *buf, size_t len, const struct probe_http_head *h)
{
        static const char more[] = "\r\n\r\nHTTP/1.1 200 OK\r\n\r\n";
        struct probe_http_head again;
        char *longer;

        if (!h->what)
                abort();
        if (h->line && (h->line < buf || h->line + h->line_len > buf + len))
                abort();
        longer = malloc(len + sizeof(more));
        if (!longer)
                return;
        memcpy(longer, buf, len);
        memcpy(longer + len, more, sizeof(more));
        if (probe_http_parse(longer, len + sizeof(more) - 1, &again) != -EBADMSG ||
            strcmp(again.what, h->what) != 0)
                abort();
        free(longer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;
        size_t len = size;
        struct probe_http_head h, prefix;
        struct probe_outcome o;
        int r;

        if (len > PROBE_HTTP_READ_MAX)
                len = PROBE_HTTP_READ_MAX;

        r = probe_http_parse(buf, len, &h);
        if (r == 0) {
                check_head(buf, &h);
        } else if (r == -EBADMSG) {
                check_bad(buf, len, &h);
        } else if (r == -EAGAIN) {
                /* a valid start stays one when cut shorter */
                if (h.status < 0 || h.status > 999 || h.head_len != 0)
                        abort();
                if (len > 0 && probe_http_parse(buf, len - 1, &prefix) != -EAGAIN)
                        abort();
        } else {
                abort();
        }

        memset(&o, 0x7f, sizeof(o));
        r = probe_http_outcome("http://127.0.0.1:8080/healthz", buf, len, false, &o);
        if (r == 1)
                check_msg(&o);
        else if (r != 0 || len >= PROBE_HTTP_READ_MAX)
                abort();
        memset(&o, 0x7f, sizeof(o));
        if (probe_http_outcome("http://127.0.0.1:8080/healthz", buf, len, true, &o) != 1)
                abort();
        check_msg(&o);
        return 0;
}
