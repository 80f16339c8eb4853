/*
 * cmd/system-info.c: berth system info [--format text|json], what podman
 * system info shows that berth has: the host, the store, and the shared
 * layer store with what it is stored on (storage/sharedfs.h). The text
 * output is YAML, as podman's is.
 */
#include "system-info.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd.h"
#include "storage/berth-conf.h"
#include "storage/sharedfs.h"
#include "storage/storage.h"
#include "util/berr.h"
#include "util/cleanup.h"

static void
info_help(FILE *f)
{
        fputs("Usage: berth system info [--format text|json]\n"
              "\n"
              "Show the host, the store, and the shared layer store: what it is stored on,\n"
              "and this node's ID there (sharedStore.nodeId: the name of its references,\n"
              "as berth system prune --shared lists the nodes).\n"
              "\n"
              "Options:\n"
              "  -f, --format FORMAT   text (default, YAML) or json\n"
              "  -h, --help            show this help\n",
              f);
}

static const char *
go_arch(const char *machine)
{
        if (strcmp(machine, "x86_64") == 0)
                return "amd64";
        if (strcmp(machine, "aarch64") == 0)
                return "arm64";
        return machine;
}

/* "v2", "hybrid" (v1 controllers and a v2 tree without them) or "v1", from statfs */
static const char *
cgroup_version(void)
{
        struct statfs sfs;

        if (statfs("/sys/fs/cgroup", &sfs) < 0)
                return "unknown";
        if ((uint64_t)(unsigned long)sfs.f_type == SHAREDFS_CGROUP2_MAGIC)
                return "v2";
        if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 &&
            (uint64_t)(unsigned long)sfs.f_type == SHAREDFS_CGROUP2_MAGIC)
                return "hybrid";
        return "v1";
}

/* ID= and VERSION_ID= of /etc/os-release, unquoted */
static json_t *
distribution(void)
{
        _cleanup_fclose_ FILE *f = fopen("/etc/os-release", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        json_t *d = json_object();

        if (!d)
                return NULL;
        json_object_set_new(d, "distribution", json_string("unknown"));
        json_object_set_new(d, "version", json_string("unknown"));
        while (f && getline(&line, &cap, f) > 0) {
                const char *key = strncmp(line, "ID=", 3) == 0            ? "distribution"
                                  : strncmp(line, "VERSION_ID=", 11) == 0 ? "version"
                                                                          : NULL;
                char *v, *end;

                if (!key)
                        continue;
                v = strchr(line, '=') + 1;
                end = v + strcspn(v, "\n");
                *end = '\0';
                if (*v == '"' && end > v + 1 && end[-1] == '"') {
                        end[-1] = '\0';
                        v++;
                }
                json_object_set_new(d, key, json_string(v));
        }
        return d;
}

static json_t *
host_info(void)
{
        struct utsname u;
        struct sysinfo si;
        char hostname[256] = "";
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        json_t *h = json_object();

        if (!h)
                return NULL;
        if (uname(&u) < 0)
                memset(&u, 0, sizeof(u));
        if (gethostname(hostname, sizeof(hostname) - 1) < 0)
                hostname[0] = '\0';
        json_object_set_new(h, "arch", json_string(go_arch(u.machine)));
        json_object_set_new(h, "cgroupVersion", json_string(cgroup_version()));
        json_object_set_new(h, "cpus", json_integer(cpus > 0 ? cpus : 0));
        json_object_set_new(h, "distribution", distribution());
        json_object_set_new(h, "hostname", json_string(hostname));
        json_object_set_new(h, "kernel", json_string(u.release));
        json_object_set_new(h, "memTotal",
                            json_integer(sysinfo(&si) == 0
                                                 ? (json_int_t)si.totalram * (json_int_t)si.mem_unit
                                                 : 0));
        json_object_set_new(h, "os", json_string("linux"));
        json_object_set_new(h, "rootless", json_boolean(geteuid() != 0));
        return h;
}

static json_t *
store_info(struct berth_ctx *ctx, struct storage *s, struct berr **err)
{
        _cleanup_(sharedfs_info_done) struct sharedfs_info fs = {};
        struct storage_df df;
        json_t *containers = NULL;
        json_t *st;

        if (storage_df(s, &df, err) < 0)
                return NULL;
        if (storage_containers(s, &containers, err) < 0)
                return NULL;
        st = json_object();
        if (!st) {
                json_decref(containers);
                return NULL;
        }
        json_object_set_new(st, "graphRoot", json_string(ctx->root));
        json_object_set_new(st, "runRoot", json_string(ctx->runroot));
        /* where the store is says whether a copy is cheap: shown, not needed */
        if (sharedfs_detect(ctx->root, &fs, NULL) == 0) {
                json_object_set_new(st, "graphRootFsKind", json_string(fs.kind));
                json_object_set_new(st, "graphRootFsType",
                                    fs.fstype ? json_string(fs.fstype) : json_null());
        }
        json_object_set_new(st, "graphDriverName", json_string("overlay"));
        json_object_set_new(st, "imageStore", json_pack("{s:I}", "number", (json_int_t)df.images));
        json_object_set_new(st, "layerStore", json_pack("{s:I}", "number", (json_int_t)df.layers));
        json_object_set_new(st, "containerStore",
                            json_pack("{s:I}", "number", (json_int_t)json_array_size(containers)));
        json_decref(containers);
        return st;
}

/* null when no shared store is configured */
static json_t *
shared_info(const struct berth_conf *conf, struct storage *s)
{
        _cleanup_(sharedfs_info_done) struct sharedfs_info fs = {};
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(berr_freep) struct berr *owner_err = NULL;
        json_t *sh;

        if (!conf->shared_store)
                return json_null();
        sh = json_object();
        if (!sh)
                return NULL;
        json_object_set_new(sh, "path", json_string(conf->shared_store));
        json_object_set_new(sh, "configuredIn", json_string(conf->shared_store_from));
        json_object_set_new(
                sh, "sharedBaseLayers",
                json_string(conf->shared_base_layers == BERTH_SHARED_LAYERS_UNSET
                                    ? "false"
                                    : berth_shared_layers_to_string(conf->shared_base_layers)));
        json_object_set_new(sh, "layerFormat",
                            json_string(berth_layer_format_to_string(conf->shared_layer_format)));
        /* the name of this node's references on the store (refs/<nodeId>/), as prune lists it */
        {
                _cleanup_free_ char *id = NULL;

                if (storage_shared_node_id(s, &id, NULL) == 0)
                        json_object_set_new(sh, "nodeId", json_string(id));
        }
        if (sharedfs_detect(conf->shared_store, &fs, &err) < 0) {
                json_object_set_new(sh, "error", json_string(err->msg));
                return sh;
        }
        json_object_set_new(sh, "fsKind", json_string(fs.kind));
        json_object_set_new(sh, "fsType", fs.fstype ? json_string(fs.fstype) : json_null());
        json_object_set_new(sh, "fsMagic", json_sprintf("0x%llx", (unsigned long long)fs.f_type));
        json_object_set_new(sh, "source", fs.source ? json_string(fs.source) : json_null());
        json_object_set_new(sh, "mountPoint",
                            fs.mount_point ? json_string(fs.mount_point) : json_null());
        json_object_set_new(sh, "network", json_boolean(fs.network));
        json_object_set_new(sh, "writable", json_boolean(!fs.read_only));
        if (sharedfs_check_owner(conf->shared_store, geteuid() != 0, geteuid(), &owner_err) < 0) {
                json_object_set_new(sh, "trusted", json_false());
                json_object_set_new(sh, "untrustedBecause", json_string(owner_err->msg));
        } else {
                json_object_set_new(sh, "trusted", json_true());
        }
        return sh;
}

/* a string as a YAML plain scalar when it reads back as the same string, else double-quoted */
static void
put_yaml_string(const char *s)
{
        static const char *const words[] = {"true", "false", "yes", "no", "on",
                                            "off",  "null",  "~",   "y",  "n"};
        bool plain = *s && !strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) && !strstr(s, ": ") &&
                     !strstr(s, " #") && s[strlen(s) - 1] != ' ' && s[strlen(s) - 1] != ':';
        char *end;

        for (const char *p = s; plain && *p; p++)
                plain = (unsigned char)*p >= 0x20 && *p != 0x7f;
        for (size_t i = 0; plain && i < ELEMENTSOF(words); i++)
                plain = strcasecmp(s, words[i]) != 0;
        if (plain) {
                (void)strtod(s, &end);
                plain = *end != '\0';
        }
        if (plain) {
                fputs(s, stdout);
                return;
        }
        /* JSON's string syntax is YAML's double-quoted one */
        json_t *j = json_string(s);
        char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

        fputs(q ? q : "\"\"", stdout);
        free(q);
        json_decref(j);
}

static void
put_yaml(const json_t *obj, int indent)
{
        const char *key;
        json_t *v;

        json_object_foreach ((json_t *)obj, key, v) {
                printf("%*s%s:", indent, "", key);
                switch (json_typeof(v)) {
                case JSON_OBJECT:
                        if (json_object_size(v) == 0) {
                                fputs(" {}\n", stdout);
                                break;
                        }
                        fputc('\n', stdout);
                        put_yaml(v, indent + 2);
                        break;
                case JSON_STRING:
                        fputc(' ', stdout);
                        put_yaml_string(json_string_value(v));
                        fputc('\n', stdout);
                        break;
                case JSON_INTEGER:
                        printf(" %" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
                        break;
                case JSON_TRUE:
                case JSON_FALSE:
                        printf(" %s\n", json_is_true(v) ? "true" : "false");
                        break;
                default:
                        fputs(" none\n", stdout);
                        break;
                }
        }
}

int
cmd_system_info(struct berth_ctx *ctx, int argc, char **argv)
{
        static const struct option options[] = {
                {"format", required_argument, NULL, 'f'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0},
        };
        _cleanup_(storage_closep) struct storage *s = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;
        _cleanup_(berth_conf_done) struct berth_conf conf = {};
        _cleanup_(json_decrefp) json_t *info = NULL;
        const char *format = "text";
        json_t *store, *shared;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        info_help(stdout);
                        return 0;
                default:
                        return cmd_usage_error("system info", "see berth system info --help");
                }
        }
        if (optind < argc)
                return cmd_usage_error("system info", "unexpected argument \"%s\"", argv[optind]);
        if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
                return cmd_usage_error("system info",
                                       "--format: \"%s\" is not valid, expected text or json",
                                       format);

        /* as main merged them: berth.conf, the environment, the global flags */
        if (!ctx->conf && (berth_conf_load(&conf, NULL, NULL, &err) < 0 ||
                           berth_conf_apply_env(&conf, &err) < 0)) {
                fprintf(stderr, "berth: system info: %s\n", err->msg);
                return EXIT_INVALID;
        }
        r = cmd_open_store(ctx, &s);
        if (r != 0)
                return r;
        store = store_info(ctx, s, &err);
        if (!store) {
                fprintf(stderr, "berth: system info: %s\n", err ? err->msg : "out of memory");
                return EXIT_INVALID;
        }
        shared = shared_info(ctx->conf ? ctx->conf : &conf, s);
        info = json_object();
        if (!info || !shared) {
                json_decref(store);
                json_decref(shared);
                fprintf(stderr, "berth: system info: out of memory\n");
                return EXIT_INVALID;
        }
        json_object_set_new(info, "host", host_info());
        json_object_set_new(info, "store", store);
        json_object_set_new(info, "sharedStore", shared);
        json_object_set_new(info, "version", json_pack("{s:s}", "Version", BERTH_VERSION));

        if (strcmp(format, "json") == 0) {
                json_dumpf(info, stdout, JSON_INDENT(2));
                fputc('\n', stdout);
        } else {
                put_yaml(info, 0);
        }
        return fflush(stdout) == 0 ? 0 : EXIT_INVALID;
}
