/*
 * tests/unit/cmd/test-pod-format.c: what `berth pod` parses and prints
 * without a store (cmd/pod-format.c, built in here: cmd/ is not part of
 * libberth.a): podman's -p and --share syntax, its pod status, go-units'
 * durations, Go's JSON times, text/tabwriter columns, the Go-template
 * subset and pod ps' filters.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
/* NOLINTNEXTLINE(bugprone-suspicious-include): cmd/ is not in libberth.a */
#include "cmd/pod-format.c"

static void
test_publish_forms(void)
{
        struct pod_publish p;

        check(pod_parse_publish("8080:80", &p) == 0);
        check(p.host_port == 8080 && p.container_port == 80 && p.count == 1);
        check_str(p.protocol, "tcp");
        check_str(p.host_ip, "");
        check(pod_parse_publish("127.0.0.1:8443:443/udp", &p) == 0);
        check(p.host_port == 8443 && p.container_port == 443);
        check_str(p.protocol, "udp");
        check_str(p.host_ip, "127.0.0.1");
        check(pod_parse_publish("9000-9002:7000-7002/sctp", &p) == 0);
        check(p.host_port == 9000 && p.container_port == 7000 && p.count == 3);
        check_str(p.protocol, "sctp");
        check(pod_parse_publish("65535:1", &p) == 0);
        check(p.host_port == 65535 && p.container_port == 1);
}

static void
test_publish_refused(void)
{
        static const char *const bad[] = {
                "80", /* no host port: berth picks none */
                "8080:",
                "8080:80/icmp",
                "0:80",
                "70000:80",
                "8080:0",
                "8080-8081:80",
                "8081-8080:80-79",
                "a:80",
                ":8080:80",
                "1.2.3.4::80",
                "::1:80:80",
                "999.1.1.1:80:80",
                "65535-65536:1-2",
                "80:80/",
                "8080:80x",
                "1.2.3.4:5:6:7",
                "-1:80",
        };
        struct pod_publish p = {.host_port = 7};

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                int r = pod_parse_publish(bad[i], &p);

                if (r != -EINVAL)
                        fprintf(stderr, "  accepted: %s\n", bad[i]);
                check(r == -EINVAL);
        }
        /* untouched on failure */
        check(p.host_port == 7);
}

static void
test_share(void)
{
        bool pid = true;

        check(pod_parse_share("ipc,net,uts", &pid) == 0 && !pid);
        check(pod_parse_share("+pid", &pid) == 0 && pid);
        check(pod_parse_share("net,pid", &pid) == 0 && pid);
        check(pod_parse_share("none", &pid) == 0 && !pid);
        check(pod_parse_share("cgroup", &pid) == 0 && !pid);
        check(pod_parse_share("", &pid) == -EINVAL);
        check(pod_parse_share("pid,pid", &pid) == -EINVAL);
        check(pod_parse_share("net,user", &pid) == -EINVAL);
        check(pod_parse_share("net,", &pid) == -EINVAL);
}

static void
test_status(void)
{
        const char *running[] = {"running", "running"};
        const char *degraded[] = {"running", "exited", "created"};
        const char *exited[] = {"exited", "stopped"};
        const char *stopped[] = {"exited", "created"};
        const char *created[] = {"created", "creating"};
        const char *paused[] = {"paused"};
        const char *odd[] = {"created", "removing"};

        check_str(pod_status(NULL, 0), "Created");
        check_str(pod_status(running, 2), "Running");
        check_str(pod_status(degraded, 3), "Degraded");
        check_str(pod_status(exited, 2), "Exited");
        check_str(pod_status(stopped, 2), "Stopped");
        check_str(pod_status(created, 2), "Created");
        check_str(pod_status(paused, 1), "Paused");
        check_str(pod_status(odd, 2), "Error");
}

static void
test_human_duration(void)
{
        static const struct {
                double s;
                const char *want;
        } cases[] = {
                {0.4, "Less than a second"}, {1, "1 second"},
                {59, "59 seconds"},          {60, "About a minute"},
                {119, "About a minute"},     {120, "2 minutes"},
                {3599, "59 minutes"},        {3600, "About an hour"},
                {5400, "2 hours"}, /* go-units rounds hours */
                {47 * 3600, "47 hours"},     {48 * 3600, "2 days"},
                {14 * 86400, "2 weeks"},     {60 * 86400, "2 months"},
                {730 * 86400, "2 years"},
        };
        char buf[64];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                pod_human_duration(cases[i].s, buf, sizeof(buf));
                check_str(buf, cases[i].want);
        }
}

static void
test_rfc3339nano(void)
{
        char buf[64];

        setenv("TZ", "UTC", 1);
        tzset();
        check_str(pod_rfc3339nano(1700000000123456789LL, buf, sizeof(buf)),
                  "2023-11-14T22:13:20.123456789Z");
        check_str(pod_rfc3339nano(1700000000500000000LL, buf, sizeof(buf)),
                  "2023-11-14T22:13:20.5Z");
        check_str(pod_rfc3339nano(1700000000000000000LL, buf, sizeof(buf)), "2023-11-14T22:13:20Z");
        check_str(pod_rfc3339nano(0, buf, sizeof(buf)), "0001-01-01T00:00:00Z");
        /* the local zone, as Go writes it */
        setenv("TZ", "XST-5:30", 1);
        tzset();
        check_str(pod_rfc3339nano(1700000000000000010LL, buf, sizeof(buf)),
                  "2023-11-15T03:43:20.00000001+05:30");
        setenv("TZ", "YST3", 1);
        tzset();
        check_str(pod_rfc3339nano(1700000000000000000LL, buf, sizeof(buf)),
                  "2023-11-14T19:13:20-03:00");
        setenv("TZ", "UTC", 1);
        tzset();
}

static void
test_tabwrite(void)
{
        char *lines[] = {
                (char *)"POD ID\tNAME\tSTATUS\t# OF CONTAINERS",
                (char *)"a3ff346807f4\tweb\tRunning\t2",
                (char *)"0123456789abcdef\tx\tExited\t0",
        };
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        check(f != NULL);
        if (!f)
                return;
        pod_tabwrite(f, lines, ELEMENTSOF(lines), 12, 2);
        fclose(f);
        check_str(out, "POD ID            NAME        STATUS      # OF CONTAINERS\n"
                       "a3ff346807f4      web         Running     2\n"
                       "0123456789abcdef  x           Exited      0\n");
        free(out);
}

static void
test_template(void)
{
        _cleanup_(json_decrefp) json_t *o =
                json_pack("{s:s, s:s, s:i, s:b, s:{s:s}, s:{s:{s:s}}, s:[s]}", "Id", "abc", "Name",
                          "web", "NumContainers", 3, "HostNetwork", 1, "Labels", "app", "web",
                          "InfraConfig", "Net", "Mode", "bridge", "Networks", "podman");
        _cleanup_(json_decrefp) json_t *headers = json_pack("{s:s}", "Id", "POD ID");
        char *t = NULL;

        check(o && headers);
        check(pod_template("{{.Id}}\\t{{ .Name }} {{.NumContainers}} {{.HostNetwork}}", o, NULL,
                           &t) == 0);
        check_str(t, "abc\tweb 3 true");
        free(t);
        check(pod_template("{{json .Labels}}|{{.Labels}}|{{.InfraConfig.Net.Mode}}|{{.Nope}}\\n", o,
                           NULL, &t) == 0);
        check_str(t, "{\"app\":\"web\"}|{\"app\":\"web\"}|bridge|<no value>");
        free(t);
        check(pod_template("{{json .Name}} {{.Networks}}", o, NULL, &t) == 0);
        check_str(t, "\"web\" [\"podman\"]");
        free(t);
        check(pod_template("{{.Id}}\\t{{.NumberOfContainers}}", NULL, headers, &t) == 0);
        check_str(t, "POD ID\tNUMBEROFCONTAINERS");
        free(t);
        t = NULL;
        check(pod_template("{{.Id", o, NULL, &t) == -EINVAL);
        check(pod_template("{{ range . }}", o, NULL, &t) == -EINVAL);
        check(pod_template("{{.Id | upper}}", o, NULL, &t) == -EINVAL);
        check(t == NULL);
}

static void
test_filters(void)
{
        _cleanup_(json_decrefp) json_t *r = json_pack(
                "{s:s, s:s, s:s, s:{s:s}, s:[s], s:[{s:s, s:s, s:s}]}", "Id", "abcdef0123", "Name",
                "web-1", "Status", "Running", "Labels", "app", "web", "Networks", "podman",
                "Containers", "Id", "c0ffee", "Names", "web-1-nginx", "Status", "running");
        static const struct {
                const char *f[2];
                int want;
        } cases[] = {
                {{"id=abc"}, 1},
                {{"id=bcd"}, 0},
                {{"name=^web"}, 1},
                {{"name=^db"}, 0},
                {{"name=^db", "name=web"}, 1}, /* one key: alternatives */
                {{"status=running"}, 1},
                {{"status=exited"}, 0},
                {{"label=app"}, 1},
                {{"label=app=web"}, 1},
                {{"label=app=db"}, 0},
                {{"label=tier"}, 0},
                {{"network=podman"}, 1},
                {{"network=host"}, 0},
                {{"ctr-names=nginx"}, 1},
                {{"ctr-ids=c0f"}, 1},
                {{"ctr-status=exited"}, 0},
                {{"ctr-number=1"}, 1},
                {{"ctr-number=2"}, 0},
                {{"id=abc", "status=exited"}, 0}, /* two keys: both */
                {{"bogus=1"}, -EINVAL},
                {{"noequals"}, -EINVAL},
                {{"name=("}, -EINVAL},
                {{"ctr-number=x"}, -EINVAL},
        };

        check(r != NULL);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *f[2] = {(char *)cases[i].f[0], (char *)cases[i].f[1]};
                int got = pod_filter_match(r, f, f[1] ? 2 : 1);

                if (got != cases[i].want)
                        fprintf(stderr, "  %s %s: got %d, want %d\n", f[0], f[1] ? f[1] : "", got,
                                cases[i].want);
                check(got == cases[i].want);
        }
}

/* the text pod_print_rows() prints for format, or NULL; *ret_r: what it returned */
static char *
rows_text(const char *format, bool heading, int *ret_r)
{
        json_t *headers = json_pack("{s:s}", "Name", "NAME");
        json_t *rows = json_pack("[{s:s, s:i}, {s:s, s:i}]", "Name", "web", "N", 2, "Name",
                                 "a-longer-name", "N", 10);
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        *ret_r = f && headers && rows ? pod_print_rows(f, format, heading, headers, rows) : -ENOMEM;
        if (f)
                (void)fclose(f);
        json_decref(headers);
        json_decref(rows);
        return out;
}

static void
test_print_rows(void)
{
        char *out;
        int r;

        /* "table": a header line (NAME from headers, N made upper case), columns lined up */
        out = rows_text("table {{.Name}}\\t{{.N}}", true, &r);
        check(r == 0);
        check_str(out, "NAME           N\nweb            2\na-longer-name  10\n");
        free(out);
        out = rows_text("table {{.Name}}", false, &r);
        check(r == 0);
        check_str(out, "web\na-longer-name\n");
        free(out);
        /* a plain template: no header line */
        out = rows_text("{{.Name}}={{.N}}", true, &r);
        check(r == 0);
        check_str(out, "web=2\na-longer-name=10\n");
        free(out);
        /* one berth cannot read: nothing printed */
        out = rows_text("table {{.Name", true, &r);
        check(r == -EINVAL);
        check_str(out, "");
        free(out);
}

int
main(void)
{
        RUN(test_publish_forms);
        RUN(test_publish_refused);
        RUN(test_share);
        RUN(test_status);
        RUN(test_human_duration);
        RUN(test_rfc3339nano);
        RUN(test_tabwrite);
        RUN(test_template);
        RUN(test_print_rows);
        RUN(test_filters);
        return check_done();
}
