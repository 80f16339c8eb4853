/* cmd/ps.c: berth ps and berth inspect, in podman's shapes */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cmd/pod.h"
#include "runtime/runtime.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

static int64_t
seconds(const json_t *rec, const char *field)
{
        return (int64_t)(json_integer_value(json_object_get(rec, field)) / 1000000000);
}

static void
status_text(const json_t *rec, char *buf, size_t size)
{
        const char *state = json_string_value(json_object_get(rec, "state"));
        int64_t now = (int64_t)time(NULL);
        char d[64];

        if (state && strcmp(state, "running") == 0) {
                pod_human_duration((double)(now - seconds(rec, "startedAt")), d, sizeof(d));
                snprintf(buf, size, "Up %s", d);
        } else if (state && strcmp(state, "exited") == 0) {
                pod_human_duration((double)(now - seconds(rec, "finishedAt")), d, sizeof(d));
                snprintf(buf, size, "Exited (%lld) %s ago",
                         (long long)json_integer_value(json_object_get(rec, "exitCode")), d);
        } else if (state && strcmp(state, "created") == 0) {
                snprintf(buf, size, "Created");
        } else if (state && strcmp(state, "restarting") == 0) {
                /* as podman: the last exit, while the restart policy waits to start it again */
                pod_human_duration((double)(now - seconds(rec, "finishedAt")), d, sizeof(d));
                snprintf(buf, size, "Restarting (%lld) %s ago",
                         (long long)json_integer_value(json_object_get(rec, "exitCode")), d);
        } else {
                snprintf(buf, size, "%s", state ? state : "unknown");
        }
}

static void
command_text(const json_t *rec, char *buf, size_t size, bool trunc)
{
        const json_t *cmd = json_object_get(rec, "command"), *e;
        size_t i, len = 0;

        buf[0] = '\0';
        json_array_foreach (cmd, i, e) {
                int n = snprintf(buf + len, size - len, "%s%s", i ? " " : "",
                                 json_string_value(e) ? json_string_value(e) : "");
                if (n < 0 || (size_t)n >= size - len)
                        break;
                len += (size_t)n;
        }
        /* podman cuts the command at 17 characters, with an ellipsis */
        if (trunc && strlen(buf) > 20)
                snprintf(buf + 17, size - 17, "...");
}

static char *
rfc3339(int64_t ns, char *buf, size_t size)
{
        time_t t = (time_t)(ns / 1000000000);
        struct tm tm;
        char base[32];

        if (ns <= 0 || !gmtime_r(&t, &tm) ||
            strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                snprintf(buf, size, "0001-01-01T00:00:00Z");
        else
                snprintf(buf, size, "%s.%09lldZ", base, (long long)(ns % 1000000000));
        return buf;
}

/* one container as podman ps --format json shows it */
static json_t *
ps_json(const json_t *rec)
{
        const char *state = json_string_value(json_object_get(rec, "state"));
        char status[128], created[64];
        json_t *o;

        status_text(rec, status, sizeof(status));
        o = json_pack(
                "{s:O?, s:[O?], s:O?, s:O?, s:O?, s:I, s:s, s:s?, s:s, s:O?, s:b, s:O?, "
                "s:I, s:I, s:O?, s:b}",
                "Id", json_object_get(rec, "id"), "Names", json_object_get(rec, "name"), "Image",
                json_object_get(rec, "imageName"), "ImageID", json_object_get(rec, "imageId"),
                "Command", json_object_get(rec, "command"), "Created",
                (json_int_t)seconds(rec, "created"), "CreatedAt",
                rfc3339(json_integer_value(json_object_get(rec, "created")), created,
                        sizeof(created)),
                "State", state, "Status", status, "ExitCode", json_object_get(rec, "exitCode"),
                "Exited", state && strcmp(state, "exited") == 0, "Pid", json_object_get(rec, "pid"),
                "StartedAt", (json_int_t)seconds(rec, "startedAt"), "ExitedAt",
                (json_int_t)seconds(rec, "finishedAt"), "Labels", json_object_get(rec, "labels"),
                "AutoRemove", json_is_true(json_object_get(rec, "autoRemove")));
        return o;
}

/*
 * What a --format template names, as podman's ps reporter has it: the
 * row's fields, made readable (CreatedHuman, RunningFor: "5 minutes ago").
 */
static json_t *
ps_reporter(const json_t *rec, bool trunc)
{
        const char *id = json_string_value(json_object_get(rec, "id"));
        const char *pod = json_string_value(json_object_get(rec, "pod"));
        const json_t *labels = json_object_get(rec, "labels");
        char status[128], cmd[4096], ago[64], created[64];
        int n = trunc ? 12 : 64;
        json_t *o, *empty = json_object();

        pod_human_duration((double)((int64_t)time(NULL) - seconds(rec, "created")), ago,
                           sizeof(ago));
        strncat(ago, " ago", sizeof(ago) - strlen(ago) - 1);
        status_text(rec, status, sizeof(status));
        command_text(rec, cmd, sizeof(cmd), trunc);
        o = json_pack("{s:s#, s:s#, s:O?, s:O?, s:s, s:s, s:s, s:s, s:O?, s:s, s:O?, s:s, s:O?, "
                      "s:O?, s:s#, s:O, s:I}",
                      "ID", id ? id : "", id ? (int)strnlen(id, (size_t)n) : 0, "Id", id ? id : "",
                      id ? (int)strnlen(id, (size_t)n) : 0, "Image",
                      json_object_get(rec, "imageName"), "ImageID", json_object_get(rec, "imageId"),
                      "Command", cmd, "CreatedHuman", ago, "RunningFor", ago, "CreatedAt",
                      rfc3339(json_integer_value(json_object_get(rec, "created")), created,
                              sizeof(created)),
                      "State", json_object_get(rec, "state"), "Status", status, "Names",
                      json_object_get(rec, "name"), "Ports", "", "ExitCode",
                      json_object_get(rec, "exitCode"), "Pid", json_object_get(rec, "pid"), "Pod",
                      pod ? pod : "", pod ? (int)strnlen(pod, (size_t)n) : 0, "Labels",
                      labels ? labels : empty, "Restarts",
                      json_integer_value(json_object_get(rec, "restartCount")));
        json_decref(empty);
        return o;
}

static int
print_oom(void)
{
        fprintf(stderr, "Error: out of memory\n");
        return EXIT_INVALID;
}

/* --format TEMPLATE ("table TEMPLATE": with a header line), columns lined up as podman's */
static int
print_templated(const json_t *recs, const char *format, bool trunc, bool heading)
{
        _cleanup_(json_decrefp) json_t *headers = json_pack(
                "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID",
                "CONTAINER ID", "Id", "CONTAINER ID", "Image", "IMAGE", "ImageID", "IMAGE ID",
                "Command", "COMMAND", "CreatedHuman", "CREATED", "RunningFor", "CREATED",
                "CreatedAt", "CREATED AT", "Status", "STATUS", "Names", "NAMES", "ExitCode",
                "EXIT CODE", "Pod", "POD ID", "Ports", "PORTS", "Restarts", "RESTARTS");
        _cleanup_(json_decrefp) json_t *rows = json_array();
        const json_t *c;
        size_t i;
        int r;

        if (!headers || !rows)
                return print_oom();
        json_array_foreach (recs, i, c) {
                if (json_array_append_new(rows, ps_reporter(c, trunc)) < 0)
                        return print_oom();
        }
        r = pod_print_rows(stdout, format, heading, headers, rows);
        if (r == -EINVAL)
                return cmd_usage_error(
                        "ps",
                        "--format \"%s\": expected table, json or a Go template of {{.Field}}s",
                        format);
        return r < 0 ? print_oom() : 0;
}

int
cmd_ps(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"all", no_argument, NULL, 'a'},          {"quiet", no_argument, NULL, 'q'},
                {"format", required_argument, NULL, 'f'}, {"no-trunc", no_argument, NULL, 'n'},
                {"noheading", no_argument, NULL, 'H'},    {"latest", no_argument, NULL, 'l'},
                {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(json_decrefp) json_t *all = NULL, *out = NULL;
        bool show_all = false, quiet = false, json = false, trunc = true, heading = true,
             latest = false;
        const char *tmpl = NULL;
        json_t *c;
        size_t i;
        int opt, r;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "aqf:lh", options, NULL)) != -1) {
                switch (opt) {
                case 'a':
                        show_all = true;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'f':
                        json = strcmp(optarg, "json") == 0;
                        tmpl = json || strcmp(optarg, "table") == 0 ? NULL : optarg;
                        break;
                case 'n':
                        trunc = false;
                        break;
                case 'H':
                        heading = false;
                        break;
                case 'l':
                        latest = true;
                        break;
                case 'h':
                        printf("Usage: berth ps [options]\n\nList containers (running ones "
                               "unless --all).\n\n"
                               "Options:\n"
                               "  -a, --all            every container\n"
                               "  -l, --latest         the newest container only\n"
                               "  -q, --quiet          IDs only\n"
                               "  -f, --format FORMAT  table (default), json, or a Go template\n"
                               "                       such as '{{.Names}} {{.Status}}' (with\n"
                               "                       \"table \" before it: a header line)\n"
                               "      --no-trunc       full IDs and commands\n"
                               "      --noheading      no header line\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        if (runtime_list(s, ctx, &all, &err) < 0) {
                fprintf(stderr, "Error: %s\n", err->msg);
                return EXIT_INVALID;
        }
        out = json_array();
        json_array_foreach (all, i, c) {
                const char *state = json_string_value(json_object_get(c, "state"));
                if (!show_all && !latest &&
                    !(state && (strcmp(state, "running") == 0 || strcmp(state, "restarting") == 0)))
                        continue;
                json_array_append(out, c);
                if (latest)
                        break;
        }
        if (json) {
                _cleanup_(json_decrefp) json_t *list = json_array();
                _cleanup_free_ char *text = NULL;
                json_array_foreach (out, i, c) {
                        json_array_append_new(list, ps_json(c));
                }
                text = json_dumps(list, JSON_INDENT(4));
                printf("%s\n", text ? text : "[]");
                return 0;
        }
        if (tmpl && !quiet)
                return print_templated(out, tmpl, trunc, heading);
        if (quiet) {
                json_array_foreach (out, i, c) {
                        printf("%.*s\n", trunc ? 12 : 64,
                               json_string_value(json_object_get(c, "id")));
                }
                return 0;
        }
        if (heading)
                printf("%-13s %-32s %-20s %-15s %-24s %-10s %s\n", "CONTAINER ID", "IMAGE",
                       "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES");
        json_array_foreach (out, i, c) {
                char status[128], cmd[4096], created[64];
                pod_human_duration((double)((int64_t)time(NULL) - seconds(c, "created")), created,
                                   sizeof(created));
                strncat(created, " ago", sizeof(created) - strlen(created) - 1);
                status_text(c, status, sizeof(status));
                command_text(c, cmd, sizeof(cmd), trunc);
                printf("%-13.*s %-32s %-20s %-15s %-24s %-10s %s\n", trunc ? 12 : 64,
                       json_string_value(json_object_get(c, "id")),
                       json_string_value(json_object_get(c, "imageName")), cmd, created, status, "",
                       json_string_value(json_object_get(c, "name")));
        }
        return 0;
}

/* a container as podman inspect shows it: the fields scripts read, in podman's names */
static json_t *
inspect_json(const json_t *rec)
{
        const char *state = json_string_value(json_object_get(rec, "state"));
        const json_t *spec = json_object_get(rec, "spec");
        const json_t *process = json_object_get(spec, "process");
        const json_t *args = json_object_get(process, "args");
        char created[64], started[64], finished[64];
        json_t *rest = json_array(), *o;
        size_t i;
        json_t *e;

        json_array_foreach (args, i, e)
                if (i > 0)
                        json_array_append(rest, e);
        o = json_pack(
                "{s:O?, s:s, s:O?, s:o, s:{s:s?, s:b, s:b, s:b, s:b, s:b, s:O?, s:O?, s:s, s:s, "
                "s:s}, s:O?, s:O?, s:O?, s:I, s:O?, s:O?, s:{s:O?, s:O?, s:O?, s:O?, s:b, s:O?, "
                "s:O?}, s:{s:O?, s:b}, s:O?}",
                "Id", json_object_get(rec, "id"), "Created",
                rfc3339(json_integer_value(json_object_get(rec, "created")), created,
                        sizeof(created)),
                "Path", json_array_get(args, 0), "Args", rest, "State", "Status", state, "Running",
                state && strcmp(state, "running") == 0, "Paused", 0, "Restarting",
                state && strcmp(state, "restarting") == 0, "OOMKilled",
                json_is_true(json_object_get(rec, "oomKilled")), "Dead", 0, "Pid",
                json_object_get(rec, "pid"), "ExitCode", json_object_get(rec, "exitCode"), "Error",
                "", "StartedAt",
                rfc3339(json_integer_value(json_object_get(rec, "startedAt")), started,
                        sizeof(started)),
                "FinishedAt",
                rfc3339(json_integer_value(json_object_get(rec, "finishedAt")), finished,
                        sizeof(finished)),
                "Image", json_object_get(rec, "imageId"), "ImageName",
                json_object_get(rec, "imageName"), "Name", json_object_get(rec, "name"),
                "RestartCount", json_integer_value(json_object_get(rec, "restartCount")), "LogPath",
                json_object_get(rec, "logPath"), "OCIConfigPath",
                json_object_get(rec, "configPath"), "Config", "Hostname",
                json_object_get(spec, "hostname"), "Env", json_object_get(process, "env"), "Cmd",
                json_object_get(rec, "command"), "WorkingDir", json_object_get(process, "cwd"),
                "Tty", json_is_true(json_object_get(rec, "tty")), "Labels",
                json_object_get(rec, "labels"), "StopSignal", json_object_get(rec, "stopSignal"),
                "HostConfig", "NetworkMode", json_object_get(rec, "network"), "AutoRemove",
                json_is_true(json_object_get(rec, "autoRemove")), "Spec", spec);
        /* readiness, where a readiness probe (or the container's start) decides it */
        if (o && json_is_boolean(json_object_get(rec, "ready")))
                json_object_set(json_object_get(o, "State"), "Ready",
                                json_object_get(rec, "ready"));
        return o;
}

/* --format '{{.State.Pid}}': the Go template fields scripts use, nothing more */
static int
print_template(const json_t *obj, const char *tmpl)
{
        const char *p = tmpl;

        while (*p) {
                const char *open = strstr(p, "{{"), *close;
                char path[256], *save = NULL, *part;
                const json_t *v = obj;
                bool as_json = false;

                if (!open) {
                        fputs(p, stdout);
                        break;
                }
                fwrite(p, 1, (size_t)(open - p), stdout);
                close = strstr(open, "}}");
                if (!close || (size_t)(close - open - 2) >= sizeof(path))
                        return -1;
                snprintf(path, sizeof(path), "%.*s", (int)(close - open - 2), open + 2);
                part = path + strspn(path, " ");
                if (strncmp(part, "json ", 5) == 0) {
                        as_json = true;
                        part += 5;
                        part += strspn(part, " ");
                }
                part[strcspn(part, " ")] = '\0';
                if (part[0] != '.')
                        return -1;
                for (char *k = strtok_r(part + 1, ".", &save); k; k = strtok_r(NULL, ".", &save))
                        v = json_object_get(v, k);
                if (as_json || json_is_object(v) || json_is_array(v)) {
                        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
                        fputs(t ? t : "null", stdout);
                        free(t);
                } else if (json_is_string(v)) {
                        fputs(json_string_value(v), stdout);
                } else if (json_is_integer(v)) {
                        printf("%lld", (long long)json_integer_value(v));
                } else if (json_is_boolean(v)) {
                        fputs(json_is_true(v) ? "true" : "false", stdout);
                } else {
                        fputs("<no value>", stdout);
                }
                p = close + 2;
        }
        putchar('\n');
        return 0;
}

int
cmd_inspect(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(json_decrefp) json_t *list = json_array();
        const char *format = NULL;
        int opt, r, status = 0;
        size_t i;
        json_t *c;

        optind = 1;
        while ((opt = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
                switch (opt) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        printf("Usage: berth inspect [options] CONTAINER...\n\n"
                               "Show containers as JSON (podman's field names, and the OCI spec "
                               "under Spec).\n\n"
                               "Options:\n"
                               "  -f, --format FORMAT   json (default), or a template such as "
                               "'{{.State.Pid}}'\n");
                        return 0;
                default:
                        return EXIT_USAGE;
                }
        }
        if (optind >= argc)
                return cmd_usage_error("inspect", "no container given");
        r = cmd_open_store_seeing_shared(ctx, &s);
        if (r != 0)
                return r;
        for (int k = optind; k < argc; k++) {
                _cleanup_(berr_freep) struct berr *err = NULL;
                json_t *rec = NULL;
                if (runtime_inspect(s, ctx, argv[k], &rec, &err) < 0) {
                        fprintf(stderr, "Error: %s\n", err->msg);
                        status = 125;
                        continue;
                }
                {
                        json_t *o = inspect_json(rec);
                        uint64_t local = 0, shared = 0;

                        /* what its image's layers cost this node, and what it uses in place */
                        if (o && storage_image_layer_bytes(
                                         s, json_string_value(json_object_get(rec, "imageId")),
                                         &local, &shared) == 0)
                                json_object_set_new(o, "LayersSize",
                                                    json_pack("{s:I, s:I}", "Local",
                                                              (json_int_t)local, "SharedInPlace",
                                                              (json_int_t)shared));
                        json_array_append_new(list, o);
                }
                json_decref(rec);
        }
        if (format && strcmp(format, "json") != 0) {
                json_array_foreach (list, i, c) {
                        if (print_template(c, format) < 0)
                                return cmd_usage_error("inspect",
                                                       "--format %s: expected json or "
                                                       "{{.Field.Path}}",
                                                       format);
                }
        } else {
                char *text = json_dumps(list, JSON_INDENT(4));
                printf("%s\n", text ? text : "[]");
                free(text);
        }
        return status;
}
