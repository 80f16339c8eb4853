/* cmd/pod-format.c: the parsing and printing of `berth pod` that needs no store */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pod.h"
#include "util/cleanup.h"

/* "80" or "8080-8081" (lo <= hi, 1-65535) */
static int
parse_port_range(const char *s, size_t len, uint16_t *ret_lo, uint16_t *ret_count)
{
        unsigned long lo, hi;
        char buf[16], *end;
        const char *dash;

        if (len == 0 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (!isdigit((unsigned char)buf[0]))
                return -EINVAL;
        lo = strtoul(buf, &end, 10);
        hi = lo;
        dash = end;
        if (*dash == '-') {
                if (!isdigit((unsigned char)dash[1]))
                        return -EINVAL;
                hi = strtoul(dash + 1, &end, 10);
        }
        if (*end || lo < 1 || lo > 65535 || hi < lo || hi > 65535)
                return -EINVAL;
        *ret_lo = (uint16_t)lo;
        *ret_count = (uint16_t)(hi - lo + 1);
        return 0;
}

int
pod_parse_publish(const char *spec, struct pod_publish *ret)
{
        struct pod_publish p = {.protocol = "tcp"};
        const char *slash = strchr(spec, '/'), *last, *first;
        size_t len = slash ? (size_t)(slash - spec) : strlen(spec);
        uint16_t n_host, n_ctr;

        if (slash) {
                if (strcmp(slash + 1, "tcp") != 0 && strcmp(slash + 1, "udp") != 0 &&
                    strcmp(slash + 1, "sctp") != 0)
                        return -EINVAL;
                snprintf(p.protocol, sizeof(p.protocol), "%s", slash + 1);
        }
        /* CTRPORT after the last ':', HOSTPORT before it, IP before that */
        last = memrchr(spec, ':', len);
        if (!last)
                return -EINVAL; /* a container port alone: the host port would be berth's choice */
        if (parse_port_range(last + 1, len - (size_t)(last + 1 - spec), &p.container_port, &n_ctr) <
            0)
                return -EINVAL;
        first = memrchr(spec, ':', (size_t)(last - spec));
        if (parse_port_range(first ? first + 1 : spec, (size_t)(last - (first ? first + 1 : spec)),
                             &p.host_port, &n_host) < 0)
                return -EINVAL;
        if (n_host != n_ctr)
                return -EINVAL;
        p.count = n_ctr;
        if (first) {
                size_t iplen = (size_t)(first - spec);
                struct in_addr a;

                if (iplen == 0 || iplen >= sizeof(p.host_ip))
                        return -EINVAL;
                memcpy(p.host_ip, spec, iplen);
                p.host_ip[iplen] = '\0';
                if (inet_pton(AF_INET, p.host_ip, &a) != 1)
                        return -EINVAL;
        }
        if ((uint32_t)p.host_port + p.count - 1 > 65535 ||
            (uint32_t)p.container_port + p.count - 1 > 65535)
                return -EINVAL;
        *ret = p;
        return 0;
}

int
pod_parse_share(const char *spec, bool *ret_pid)
{
        static const char *const names[] = {"ipc", "net", "uts", "pid", "cgroup"};
        unsigned seen = 0;
        const char *p = spec;

        if (*p == '+')
                p++;
        if (strcmp(spec, "none") == 0) {
                *ret_pid = false;
                return 0;
        }
        for (;;) {
                size_t len = strcspn(p, ","), i;

                for (i = 0; i < ELEMENTSOF(names); i++)
                        if (strlen(names[i]) == len && strncmp(p, names[i], len) == 0)
                                break;
                if (i == ELEMENTSOF(names) || (seen & (1U << i)))
                        return -EINVAL;
                seen |= 1U << i;
                if (p[len] == '\0')
                        break;
                p += len + 1;
        }
        *ret_pid = (seen & (1U << 3)) != 0;
        return 0;
}

const char *
pod_status(const char *const *states, size_t n)
{
        size_t running = 0, stopped = 0, paused = 0, errored = 0;

        if (n == 0)
                return "Created";
        for (size_t i = 0; i < n; i++) {
                const char *s = states[i] ? states[i] : "";

                if (strcmp(s, "exited") == 0 || strcmp(s, "stopped") == 0)
                        stopped++;
                else if (strcmp(s, "running") == 0)
                        running++;
                else if (strcmp(s, "paused") == 0)
                        paused++;
                else if (strcmp(s, "created") != 0 && strcmp(s, "creating") != 0 &&
                         strcmp(s, "configured") != 0)
                        errored++;
        }
        /* libpod's CreatePodStatusResults, case by case */
        if (running == n)
                return "Running";
        if (running > 0)
                return "Degraded";
        if (paused == n)
                return "Paused";
        if (stopped == n)
                return "Exited";
        if (stopped > 0)
                return "Stopped";
        if (errored > 0)
                return "Error";
        return "Created";
}

void
pod_human_duration(double seconds, char *buf, size_t size)
{
        long long s = (long long)seconds, m = s / 60, h = (long long)(seconds / 3600 + 0.5);

        if (s < 1)
                snprintf(buf, size, "Less than a second");
        else if (s == 1)
                snprintf(buf, size, "1 second");
        else if (s < 60)
                snprintf(buf, size, "%lld seconds", s);
        else if (m == 1)
                snprintf(buf, size, "About a minute");
        else if (m < 60)
                snprintf(buf, size, "%lld minutes", m);
        else if (h == 1)
                snprintf(buf, size, "About an hour");
        else if (h < 48)
                snprintf(buf, size, "%lld hours", h);
        else if (h < 24 * 7 * 2)
                snprintf(buf, size, "%lld days", h / 24);
        else if (h < 24 * 30 * 2)
                snprintf(buf, size, "%lld weeks", h / 24 / 7);
        else if (h < 24 * 365 * 2)
                snprintf(buf, size, "%lld months", h / 24 / 30);
        else
                snprintf(buf, size, "%lld years", (long long)(seconds / 3600) / 24 / 365);
}

char *
pod_rfc3339nano(int64_t ns, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000);
        long frac = (long)(ns % 1000000000);
        char base[32], fr[16] = "", zone[8] = "Z";
        struct tm tm;

        if (ns <= 0 || !localtime_r(&t, &tm) ||
            strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                snprintf(buf, size, "0001-01-01T00:00:00Z");
                return buf;
        }
        if (frac > 0) {
                size_t len;

                snprintf(fr, sizeof(fr), ".%09ld", frac);
                len = strlen(fr);
                while (fr[len - 1] == '0')
                        fr[--len] = '\0';
        }
        if (tm.tm_gmtoff != 0) {
                long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;

                snprintf(zone, sizeof(zone), "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+',
                         (off / 3600) % 100, (off / 60) % 60);
        }
        snprintf(buf, size, "%s%s%s", base, fr, zone);
        return buf;
}

/* the width of cell col of line: -1 when col is its last cell (not tab-terminated) */
static long
cell_width(const char *line, size_t col)
{
        const char *p = line, *tab;

        for (size_t i = 0; i < col; i++) {
                p = strchr(p, '\t');
                if (!p)
                        return -1;
                p++;
        }
        tab = strchr(p, '\t');
        return tab ? (long)(tab - p) : -1;
}

void
pod_tabwrite(FILE *f, char *const *lines, size_t n, size_t minwidth, size_t padding)
{
        size_t cols = 0;
        _cleanup_free_ size_t *width = NULL;

        for (size_t i = 0; i < n; i++) {
                size_t tabs = 0;

                for (const char *p = lines[i]; *p; p++)
                        tabs += *p == '\t';
                if (tabs > cols)
                        cols = tabs;
        }
        width = calloc(cols + 1, sizeof(*width));
        if (!width)
                return;
        for (size_t c = 0; c < cols; c++) {
                width[c] = minwidth;
                for (size_t i = 0; i < n; i++) {
                        long w = cell_width(lines[i], c);

                        if (w >= 0 && (size_t)w + padding > width[c])
                                width[c] = (size_t)w + padding;
                }
        }
        for (size_t i = 0; i < n; i++) {
                const char *p = lines[i];

                for (size_t c = 0;; c++) {
                        const char *tab = strchr(p, '\t');

                        if (!tab) {
                                fprintf(f, "%s\n", p);
                                break;
                        }
                        fprintf(f, "%-*.*s", (int)width[c], (int)(tab - p), p);
                        p = tab + 1;
                }
        }
}

/* append len bytes of s to the growing string *buf (length *len); -ENOMEM */
static int
append(char **buf, size_t *len, const char *s, size_t n)
{
        char *b = realloc(*buf, *len + n + 1);

        if (!b)
                return -ENOMEM;
        memcpy(b + *len, s, n);
        *len += n;
        b[*len] = '\0';
        *buf = b;
        return 0;
}

/* a value as Go's text/template prints it */
static int
append_value(char **buf, size_t *len, const json_t *v, bool as_json)
{
        char num[64];

        if (as_json || json_is_object(v) || json_is_array(v)) {
                _cleanup_free_ char *t = NULL;

                if (!v)
                        return append(buf, len, "null", 4);
                t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                if (!t)
                        return -ENOMEM;
                return append(buf, len, t, strlen(t));
        }
        if (json_is_string(v))
                return append(buf, len, json_string_value(v), json_string_length(v));
        if (json_is_integer(v)) {
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                return append(buf, len, num, strlen(num));
        }
        if (json_is_real(v)) {
                snprintf(num, sizeof(num), "%g", json_real_value(v));
                return append(buf, len, num, strlen(num));
        }
        if (json_is_boolean(v))
                return json_is_true(v) ? append(buf, len, "true", 4) : append(buf, len, "false", 5);
        return append(buf, len, "<no value>", 10);
}

/* {{ .A.B }} or {{ json .A }}: the path (".A.B") and whether json was asked */
static int
parse_action(const char *s, size_t n, char *path, size_t size, bool *ret_json)
{
        while (n > 0 && isspace((unsigned char)*s))
                s++, n--;
        while (n > 0 && isspace((unsigned char)s[n - 1]))
                n--;
        *ret_json = false;
        if (n > 5 && strncmp(s, "json", 4) == 0 && isspace((unsigned char)s[4])) {
                *ret_json = true;
                s += 5;
                n -= 5;
                while (n > 0 && isspace((unsigned char)*s))
                        s++, n--;
        }
        if (n < 1 || n >= size || s[0] != '.')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_'))
                        return -EINVAL;
        memcpy(path, s, n);
        path[n] = '\0';
        return 0;
}

int
pod_template(const char *tmpl, const json_t *obj, const json_t *headers, char **ret)
{
        _cleanup_free_ char *out = NULL;
        const char *p = tmpl;
        size_t len = 0;

        if (append(&out, &len, "", 0) < 0)
                return -ENOMEM;
        while (*p) {
                const char *open = strstr(p, "{{"), *close, *q;
                char path[256];
                bool as_json;

                /* literal text, with podman's \t and \n */
                for (q = p; *q && q != open; q++) {
                        if (q[0] == '\\' && (q[1] == 't' || q[1] == 'n')) {
                                if (append(&out, &len, q[1] == 't' ? "\t" : "\n", 1) < 0)
                                        return -ENOMEM;
                                q++;
                        } else if (append(&out, &len, q, 1) < 0) {
                                return -ENOMEM;
                        }
                }
                if (!open)
                        break;
                close = strstr(open + 2, "}}");
                if (!close || parse_action(open + 2, (size_t)(close - open - 2), path, sizeof(path),
                                           &as_json) < 0)
                        return -EINVAL;
                if (headers) {
                        const char *field = path + 1;
                        const json_t *h = json_object_get(headers, field);

                        if (json_is_string(h)) {
                                if (append(&out, &len, json_string_value(h),
                                           json_string_length(h)) < 0)
                                        return -ENOMEM;
                        } else {
                                for (const char *c = field; *c; c++) {
                                        char u = (char)toupper((unsigned char)*c);
                                        if (append(&out, &len, &u, 1) < 0)
                                                return -ENOMEM;
                                }
                        }
                } else {
                        const json_t *v = obj;
                        char *save = NULL;

                        /* "." alone is the whole object */
                        for (char *k = strtok_r(path + 1, ".", &save); k;
                             k = strtok_r(NULL, ".", &save))
                                v = json_object_get(v, k);
                        if (append_value(&out, &len, v, as_json) < 0)
                                return -ENOMEM;
                }
                p = close + 2;
        }
        while (len > 0 && out[len - 1] == '\n')
                out[--len] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

/* whether s matches the POSIX extended regular expression re; -EINVAL when re is not one */
static int
regex_match(const char *re, const char *s)
{
        regex_t rx;
        int r;

        if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
                return -EINVAL;
        r = regexec(&rx, s, 0, NULL, 0) == 0;
        regfree(&rx);
        return r;
}

/* one filter key=value against the report: 1, 0, or -EINVAL */
static int
filter_one(const json_t *report, const char *key, const char *value)
{
        const json_t *ctrs = json_object_get(report, "Containers"), *c;
        const char *id = json_string_value(json_object_get(report, "Id"));
        const char *name = json_string_value(json_object_get(report, "Name"));
        const char *status = json_string_value(json_object_get(report, "Status"));
        size_t i;

        if (strcmp(key, "id") == 0)
                return id && strncmp(id, value, strlen(value)) == 0;
        if (strcmp(key, "name") == 0)
                return regex_match(value, name ? name : "");
        if (strcmp(key, "status") == 0)
                return status && strcasecmp(status, value) == 0;
        if (strcmp(key, "label") == 0) {
                const char *eq = strchr(value, '=');
                _cleanup_free_ char *k = strndup(value, eq ? (size_t)(eq - value) : strlen(value));
                const json_t *l;

                if (!k)
                        return -ENOMEM;
                l = json_object_get(json_object_get(report, "Labels"), k);
                return l &&
                       (!eq || (json_is_string(l) && strcmp(json_string_value(l), eq + 1) == 0));
        }
        if (strcmp(key, "network") == 0) {
                json_array_foreach (json_object_get(report, "Networks"), i, c) {
                        if (json_is_string(c) && strcmp(json_string_value(c), value) == 0)
                                return 1;
                }
                return 0;
        }
        if (strcmp(key, "ctr-number") == 0) {
                char *end;
                unsigned long long want = strtoull(value, &end, 10);

                if (*end || !*value)
                        return -EINVAL;
                return json_array_size(ctrs) == want;
        }
        if (strcmp(key, "ctr-names") == 0 || strcmp(key, "ctr-ids") == 0 ||
            strcmp(key, "ctr-status") == 0) {
                json_array_foreach (ctrs, i, c) {
                        const char *cid = json_string_value(json_object_get(c, "Id"));
                        const char *cname = json_string_value(json_object_get(c, "Names"));
                        const char *cst = json_string_value(json_object_get(c, "Status"));
                        int r;

                        if (key[4] == 'i')
                                r = cid && strncmp(cid, value, strlen(value)) == 0;
                        else if (key[4] == 's')
                                r = cst && strcmp(cst, value) == 0;
                        else
                                r = regex_match(value, cname ? cname : "");
                        if (r != 0)
                                return r;
                }
                return 0;
        }
        return -EINVAL;
}

int
pod_filter_match(const json_t *report, char *const *filters, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *eq = strchr(filters[i], '=');
                size_t klen;
                bool any = false;

                if (!eq || eq == filters[i])
                        return -EINVAL;
                klen = (size_t)(eq - filters[i]);
                /* the alternatives: every filter with this key */
                for (size_t j = 0; j < n; j++) {
                        _cleanup_free_ char *key = NULL;
                        int r;

                        if (strncmp(filters[j], filters[i], klen + 1) != 0)
                                continue;
                        key = strndup(filters[j], klen);
                        if (!key)
                                return -ENOMEM;
                        r = filter_one(report, key, filters[j] + klen + 1);
                        if (r < 0)
                                return r;
                        any = any || r > 0;
                }
                if (!any)
                        return 0;
        }
        return 1;
}

int
pod_print_rows(FILE *f, const char *format, bool heading, const json_t *headers, const json_t *rows)
{
        size_t n = json_array_size(rows) + 1, k = 0, i;
        _cleanup_free_ char **lines = calloc(n, sizeof(*lines));
        const char *tmpl = format;
        const json_t *row;
        int r = 0;

        if (!lines)
                return -ENOMEM;
        if (strncmp(tmpl, "table ", 6) == 0)
                tmpl += 6;
        else
                heading = false; /* a plain template: no header line, as podman */
        /* the header line, made whether printed or not: it checks the template */
        r = pod_template(tmpl, NULL, headers, &lines[k]);
        if (r < 0)
                goto out;
        if (heading) {
                k++;
        } else {
                free(lines[k]);
                lines[k] = NULL;
        }
        json_array_foreach (rows, i, row) {
                r = pod_template(tmpl, row, NULL, &lines[k]);
                if (r < 0)
                        goto out;
                k++;
        }
        pod_tabwrite(f, lines, k, 12, 2);
out:
        for (i = 0; i < n; i++)
                free(lines[i]);
        return r < 0 ? r : 0;
}
