/*
 * cmd/pod.h: what the files of `berth pod` share. cmd/pod.c has the verbs,
 * cmd/pod-logs.c `pod logs`, cmd/pod-format.c the parsing and printing
 * that needs no store (podman's -p syntax, its pod status, its table and
 * its Go-template subset), which tests/unit/cmd/test-pod-format.c checks.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct berr;
struct berth_ctx;
struct storage;

/* podman's status for a failure of the work itself (a pod not there, one that will not stop) */
#define EXIT_POD_FAILED 125

/* berth pod COMMAND [ARGS...] */
int cmd_pod(struct berth_ctx *ctx, int argc, char **argv);
/*
 * Print a failure to find the pod what: podman's "no pod with name or ID
 * WHAT found: no such pod" for r == -ENOENT, else err's message. Returns
 * EXIT_POD_FAILED.
 */
int pod_print_find_error(const char *what, int r, const struct berr *err);

/* The newest pod's ID (malloc'd), for --latest; -ENOENT ("no such pod", as podman) when none. */
int pod_latest(struct storage *s, struct berth_ctx *ctx, char **ret, struct berr **err);

/* berth pod logs [options] POD (cmd/pod-logs.c) */
int cmd_pod_logs(struct berth_ctx *ctx, int argc, char **argv);

/* One --publish value: count ports from host_port on the host to as many from container_port. */
struct pod_publish {
        uint16_t host_port, container_port;
        uint16_t count;   /* 1, or the length of a range ("8080-8081:80-81") */
        char protocol[5]; /* "tcp", "udp" or "sctp" */
        char host_ip[16]; /* an IPv4 address; "": every address */
};

/*
 * Parse podman's [[IP:]HOSTPORT:]CTRPORT[/PROTO] as berth takes it:
 * HOSTPORT is required (berth picks no free port), each port may be a
 * range "A-B" (both sides as long), IP is IPv4, PROTO tcp (default), udp
 * or sctp. Returns 0, or -EINVAL with *ret untouched.
 */
int pod_parse_publish(const char *spec, struct pod_publish *ret);

/*
 * Parse --share: a comma-separated list of ipc, net, uts, pid, cgroup
 * (each once; a leading "+" adds to the default ipc,net,uts, as podman
 * reads it), or "none". *ret_pid: whether pid is in it. -EINVAL when a
 * name is none of those.
 */
int pod_parse_share(const char *spec, bool *ret_pid);

/*
 * podman's pod status from its containers' states (berth's lower-case
 * names: "created", "running", "exited"...): "Created" with none or all
 * created, "Running" when all run, "Degraded" when some do, "Exited" when
 * all have exited, "Stopped" when some have, "Error" for anything else.
 */
const char *pod_status(const char *const *states, size_t n);

/*
 * go-units' HumanDuration of seconds: "Less than a second", "5 minutes",
 * "About an hour"... (the ages and uptimes of `pod ps` and `ps` alike).
 */
void pod_human_duration(double seconds, char *buf, size_t size);

/*
 * Go's time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros cut)
 * in the local zone, for ns nanoseconds since the epoch:
 * "2026-11-23T01:02:03.5+01:00", "…Z" in UTC. buf: at least 40 bytes.
 */
char *pod_rfc3339nano(int64_t ns, char *buf, size_t size);

/*
 * Print lines as Go's text/tabwriter (minwidth, padding, ' ') does: every
 * tab ends a cell, a column as wide as its widest cell plus padding (at
 * least minwidth); the text after a line's last tab is not padded.
 */
void pod_tabwrite(FILE *f, char *const *lines, size_t n, size_t minwidth, size_t padding);

/*
 * The Go-template subset berth reads: literal text, {{.Field.Path}} and
 * {{json .Field}} looked up in obj (strings as they are, numbers and
 * booleans as Go prints them, objects and arrays as JSON, "<no value>"
 * for what is not there), "\t" and "\n" as podman's NormalizeFormat reads
 * them. With headers, each field is replaced by headers[Field], or the
 * field's name in upper case. *ret: the text (malloc'd), without a final
 * newline. -EINVAL for a {{ without }} or an action that is not a field.
 */
int pod_template(const char *tmpl, const json_t *obj, const json_t *headers, char **ret);

/*
 * Each of rows (objects of the fields a template names) printed to f
 * through format, a template; "table TEMPLATE": a header line first (from
 * headers, as pod_template() makes it) unless !heading. Columns lined up
 * (pod_tabwrite(), 12 wide at least, 2 apart). -EINVAL for a template
 * pod_template() cannot read (nothing printed), -ENOMEM.
 */
int pod_print_rows(FILE *f, const char *format, bool heading, const json_t *headers,
                   const json_t *rows);

/*
 * Whether report (podman's pod ps JSON object: Id, Name, Status, Labels,
 * Networks, Containers) passes filters, "KEY=VALUE" each: the values of
 * one key are alternatives, different keys must all match. Keys: id (a
 * prefix), name (a POSIX extended regular expression), status, label
 * (KEY or KEY=VALUE), network, ctr-names, ctr-ids, ctr-status,
 * ctr-number. -EINVAL when a filter is not one of those (or a bad regular
 * expression), else 1 (passes) or 0.
 */
int pod_filter_match(const json_t *report, char *const *filters, size_t n);
