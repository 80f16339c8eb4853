/*
 * kube/kube.h: Kubernetes manifests as berth reads them. YAML or JSON in,
 * typed objects out (Pod, Deployment, ConfigMap, Secret,
 * PersistentVolumeClaim), checked against Kubernetes' own rules, with every
 * problem as a diagnostic that names file:line:col and the field path.
 *
 * Strings in these structs are borrowed from the document they were read
 * from and live as long as its struct kube_doc.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

/* ---------------------------------------------------------------- scalars */

struct kube_loc {
        const char *file;
        uint32_t line, col;
};

struct kube_opt_int {
        bool set;
        int64_t v;
};

struct kube_opt_bool {
        bool set;
        bool v;
};

/* An exact decimal/binary quantity ("500m", "1Gi", "1e3"). */
struct kube_quantity {
        bool negative;
        uint64_t mant;
        int32_t exp10;
        int32_t exp2;
};

struct kube_qty {
        const char *text; /* as written; NULL when absent */
        struct kube_quantity q;
};

struct kube_int_or_string {
        bool set, is_string;
        int64_t i;
        const char *s;
};

struct kube_kv {
        const char *key;
        const char *value;
};

struct kube_bytes {
        const char *key;
        const unsigned char *data; /* decoded; NUL-terminated for convenience */
        size_t len;
};

struct kube_resource {
        const char *name; /* cpu, memory, ephemeral-storage, hugepages-2Mi, vendor.com/x */
        struct kube_qty qty;
};

/* ---------------------------------------------------------------- metadata */

struct kube_meta {
        const char *name;
        const char *generate_name;
        const char *namespace_; /* "default" when not given */
        struct kube_kv *labels;
        size_t n_labels;
        struct kube_kv *annotations;
        size_t n_annotations;
};

struct kube_label_requirement {
        const char *key;
        const char *op; /* In, NotIn, Exists, DoesNotExist */
        const char **values;
        size_t n_values;
};

struct kube_label_selector {
        struct kube_kv *match_labels;
        size_t n_match_labels;
        struct kube_label_requirement *match_expressions;
        size_t n_match_expressions;
};

/* ---------------------------------------------------------------- containers */

struct kube_key_ref {
        const char *name;
        const char *key;
        struct kube_opt_bool optional;
};

struct kube_field_ref {
        const char *api_version;
        const char *field_path;
};

struct kube_resource_field_ref {
        const char *container_name;
        const char *resource;
        struct kube_qty divisor;
};

struct kube_env_source {
        struct kube_key_ref *config_map_key_ref;
        struct kube_key_ref *secret_key_ref;
        struct kube_field_ref *field_ref;
        struct kube_resource_field_ref *resource_field_ref;
};

struct kube_env {
        const char *name;
        const char *value; /* NULL when valueFrom is used */
        struct kube_env_source *value_from;
};

struct kube_local_ref {
        const char *name;
        struct kube_opt_bool optional;
};

struct kube_env_from {
        const char *prefix;
        struct kube_local_ref *config_map_ref;
        struct kube_local_ref *secret_ref;
};

struct kube_port {
        const char *name;
        int64_t container_port;
        int64_t host_port;    /* 0: not published */
        const char *protocol; /* TCP (default), UDP, SCTP */
        const char *host_ip;
};

struct kube_volume_mount {
        const char *name;
        const char *mount_path;
        const char *sub_path;
        const char *sub_path_expr;
        bool read_only;
        const char *mount_propagation;
        const char *recursive_read_only;
};

struct kube_resources {
        struct kube_resource *limits;
        size_t n_limits;
        struct kube_resource *requests;
        size_t n_requests;
};

struct kube_exec_action {
        const char **command;
        size_t n_command;
};

struct kube_http_header {
        const char *name;
        const char *value;
};

struct kube_http_get {
        const char *path;
        struct kube_int_or_string port;
        const char *host;
        const char *scheme; /* HTTP (default) or HTTPS */
        struct kube_http_header *http_headers;
        size_t n_http_headers;
};

struct kube_tcp_socket {
        struct kube_int_or_string port;
        const char *host;
};

struct kube_grpc {
        int64_t port;
        const char *service;
};

struct kube_sleep {
        int64_t seconds;
};

struct kube_probe {
        struct kube_exec_action *exec;
        struct kube_http_get *http_get;
        struct kube_tcp_socket *tcp_socket;
        struct kube_grpc *grpc;
        int64_t initial_delay_seconds; /* 0 */
        int64_t timeout_seconds;       /* 1 */
        int64_t period_seconds;        /* 10 */
        int64_t success_threshold;     /* 1 */
        int64_t failure_threshold;     /* 3 */
        struct kube_opt_int termination_grace_period_seconds;
};

struct kube_handler {
        struct kube_exec_action *exec;
        struct kube_http_get *http_get;
        struct kube_tcp_socket *tcp_socket;
        struct kube_sleep *sleep;
};

struct kube_lifecycle {
        struct kube_handler *post_start;
        struct kube_handler *pre_stop;
        const char *stop_signal;
};

struct kube_capabilities {
        const char **add;
        size_t n_add;
        const char **drop;
        size_t n_drop;
};

struct kube_seccomp_profile {
        const char *type; /* RuntimeDefault, Unconfined, Localhost */
        const char *localhost_profile;
};

struct kube_selinux_options {
        const char *user, *role, *type, *level;
};

struct kube_security_context {
        struct kube_opt_int run_as_user;
        struct kube_opt_int run_as_group;
        struct kube_opt_bool run_as_non_root;
        struct kube_opt_bool privileged;
        struct kube_capabilities *capabilities;
        struct kube_opt_bool read_only_root_filesystem;
        struct kube_opt_bool allow_privilege_escalation;
        struct kube_seccomp_profile *seccomp_profile;
        struct kube_selinux_options *se_linux_options;
        const char *proc_mount; /* Default, Unmasked */
};

struct kube_sysctl {
        const char *name;
        const char *value;
};

struct kube_pod_security_context {
        struct kube_opt_int run_as_user;
        struct kube_opt_int run_as_group;
        struct kube_opt_bool run_as_non_root;
        struct kube_opt_int fs_group;
        const char *fs_group_change_policy;
        int64_t *supplemental_groups;
        size_t n_supplemental_groups;
        struct kube_sysctl *sysctls;
        size_t n_sysctls;
        struct kube_seccomp_profile *seccomp_profile;
        struct kube_selinux_options *se_linux_options;
};

struct kube_container {
        struct kube_loc loc;
        const char *name;
        const char *image;
        const char **command;
        size_t n_command;
        const char **args;
        size_t n_args;
        const char *working_dir;
        struct kube_env *env;
        size_t n_env;
        struct kube_env_from *env_from;
        size_t n_env_from;
        struct kube_port *ports;
        size_t n_ports;
        struct kube_volume_mount *volume_mounts;
        size_t n_volume_mounts;
        struct kube_resources *resources;
        struct kube_probe *liveness_probe;
        struct kube_probe *readiness_probe;
        struct kube_probe *startup_probe;
        struct kube_lifecycle *lifecycle;
        const char *termination_message_path;
        const char *termination_message_policy;
        const char
                *image_pull_policy; /* defaulted: Always for :latest or no tag, else IfNotPresent */
        struct kube_security_context *security_context;
        bool tty, stdin_, stdin_once;
        const char *restart_policy; /* init containers only: Always makes a sidecar */
};

/* ---------------------------------------------------------------- volumes */

struct kube_key_to_path {
        const char *key;
        const char *path;
        struct kube_opt_int mode;
};

struct kube_empty_dir {
        const char *medium; /* "" or Memory */
        struct kube_qty size_limit;
};

struct kube_host_path {
        const char *path;
        const char *type; /* "" (no check), DirectoryOrCreate, Directory, FileOrCreate, File,
                             Socket, CharDevice, BlockDevice */
};

struct kube_config_map_volume {
        const char *name;
        struct kube_key_to_path *items;
        size_t n_items;
        struct kube_opt_int default_mode;
        struct kube_opt_bool optional;
};

struct kube_secret_volume {
        const char *secret_name;
        struct kube_key_to_path *items;
        size_t n_items;
        struct kube_opt_int default_mode;
        struct kube_opt_bool optional;
};

struct kube_pvc_volume {
        const char *claim_name;
        bool read_only;
};

struct kube_downward_item {
        const char *path;
        struct kube_field_ref *field_ref;
        struct kube_resource_field_ref *resource_field_ref;
        struct kube_opt_int mode;
};

struct kube_downward_api {
        struct kube_downward_item *items;
        size_t n_items;
        struct kube_opt_int default_mode;
};

struct kube_projection {
        struct kube_config_map_volume *config_map;
        struct kube_secret_volume *secret; /* projected secrets use "name", stored in secret_name */
        struct kube_downward_api *downward_api;
};

struct kube_projected {
        struct kube_projection *sources;
        size_t n_sources;
        struct kube_opt_int default_mode;
};

struct kube_volume {
        struct kube_loc loc;
        const char *name;
        struct kube_empty_dir *empty_dir;
        struct kube_host_path *host_path;
        struct kube_config_map_volume *config_map;
        struct kube_secret_volume *secret;
        struct kube_pvc_volume *persistent_volume_claim;
        struct kube_downward_api *downward_api;
        struct kube_projected *projected;
};

/* ---------------------------------------------------------------- pods */

struct kube_host_alias {
        const char *ip;
        const char **hostnames;
        size_t n_hostnames;
};

struct kube_dns_option {
        const char *name;
        const char *value;
};

struct kube_dns_config {
        const char **nameservers;
        size_t n_nameservers;
        const char **searches;
        size_t n_searches;
        struct kube_dns_option *options;
        size_t n_options;
};

struct kube_pod_spec {
        struct kube_container *containers;
        size_t n_containers;
        struct kube_container *init_containers;
        size_t n_init_containers;
        struct kube_volume *volumes;
        size_t n_volumes;
        const char *restart_policy;               /* Always (default), OnFailure, Never */
        int64_t termination_grace_period_seconds; /* 30 */
        struct kube_opt_int active_deadline_seconds;
        const char *dns_policy; /* ClusterFirst (default), ClusterFirstWithHostNet, Default, None */
        struct kube_dns_config *dns_config;
        bool host_network, host_pid, host_ipc;
        struct kube_opt_bool share_process_namespace;
        const char *hostname;
        const char *subdomain;
        bool set_hostname_as_fqdn;
        struct kube_host_alias *host_aliases;
        size_t n_host_aliases;
        struct kube_pod_security_context *security_context;
        struct kube_opt_bool host_users;
};

struct kube_pod {
        struct kube_meta meta;
        struct kube_pod_spec spec;
};

struct kube_pod_template {
        struct kube_meta meta;
        struct kube_pod_spec spec;
};

struct kube_rolling_update {
        struct kube_int_or_string max_surge;       /* 25% */
        struct kube_int_or_string max_unavailable; /* 25% */
};

struct kube_deployment_strategy {
        const char *type; /* RollingUpdate (default), Recreate */
        struct kube_rolling_update *rolling_update;
};

struct kube_deployment_spec {
        int64_t replicas; /* 1 */
        struct kube_label_selector *selector;
        struct kube_pod_template template_;
        struct kube_deployment_strategy strategy;
        int64_t min_ready_seconds;
        int64_t revision_history_limit;    /* 10 */
        int64_t progress_deadline_seconds; /* 600 */
        bool paused;
};

struct kube_deployment {
        struct kube_meta meta;
        struct kube_deployment_spec spec;
};

struct kube_configmap {
        struct kube_meta meta;
        struct kube_kv *data;
        size_t n_data;
        struct kube_bytes *binary_data;
        size_t n_binary_data;
        bool immutable;
};

struct kube_secret {
        struct kube_meta meta;
        const char *type;        /* Opaque (default) */
        struct kube_bytes *data; /* data and stringData merged, stringData winning */
        size_t n_data;
        bool immutable;
};

struct kube_pvc_spec {
        const char **access_modes;
        size_t n_access_modes;
        struct kube_resources resources;
        const char *storage_class_name;
        const char *volume_mode; /* Filesystem (default), Block */
        const char *volume_name;
        struct kube_label_selector *selector;
};

struct kube_pvc {
        struct kube_meta meta;
        struct kube_pvc_spec spec;
};

/* ---------------------------------------------------------------- objects */

enum kube_kind {
        KUBE_POD,
        KUBE_DEPLOYMENT,
        KUBE_CONFIGMAP,
        KUBE_SECRET,
        KUBE_PVC,
        _KUBE_KIND_MAX,
        _KUBE_KIND_INVALID = -22, /* -EINVAL */
};

const char *kube_kind_name(enum kube_kind k);

struct kube_object {
        enum kube_kind kind;
        const char *api_version;
        struct kube_loc loc;
        bool valid; /* false when any error names this object */
        struct kube_meta *meta;
        union {
                struct kube_pod *pod;
                struct kube_deployment *deployment;
                struct kube_configmap *configmap;
                struct kube_secret *secret;
                struct kube_pvc *pvc;
        };
};

/* ---------------------------------------------------------------- diagnostics */

enum kube_severity {
        KUBE_ERROR,
        KUBE_WARNING,
};

enum kube_diag_kind {
        KUBE_DIAG_RULE,          /* a rule broken */
        KUBE_DIAG_UNKNOWN_FIELD, /* a field Kubernetes does not define */
        KUBE_DIAG_IGNORED,       /* a field berth accepts but cannot honour on one machine */
        KUBE_DIAG_SKIPPED,       /* an object of a kind berth does not run */
};

struct kube_diag {
        enum kube_severity severity;
        enum kube_diag_kind kind;
        struct kube_loc loc;
        char *path; /* "" when the whole document is meant */
        char *msg;
        const char *topic; /* KUBE_DIAG_IGNORED: the field's name, for reporting it once */
};

/* A skipped object (an unsupported kind), so listings can show it. */
struct kube_skipped {
        const char *api_version, *kind, *name, *namespace_;
        struct kube_loc loc;
};

/* ---------------------------------------------------------------- reading */

struct kube_opts {
        bool strict; /* unknown fields are errors, not warnings */
};

/* One YAML/JSON document: the objects in it (several for a List) and what was found wrong. */
struct kube_doc {
        struct kube_object *objects;
        size_t n_objects;
        struct kube_skipped *skipped;
        size_t n_skipped;
        struct kube_diag *diags;
        size_t n_diags;
        size_t n_errors;
        struct kube_doc_private *priv;
};

struct kube_reader;

/* path "-" reads standard input. */
int kube_reader_open(const char *path, const struct kube_opts *opts, struct kube_reader **ret,
                     struct berr **err);
int kube_reader_open_buffer(const char *buf, size_t len, const char *name,
                            const struct kube_opts *opts, struct kube_reader **ret,
                            struct berr **err);
/*
 * The next non-empty document: 1 and *ret_doc, 0 at the end. < 0 when the
 * stream cannot be read further (a YAML syntax error, whose message names
 * file:line:col), after which it returns 0.
 */
int kube_reader_next(struct kube_reader *r, struct kube_doc **ret_doc, struct berr **err);
struct kube_reader *kube_reader_free(struct kube_reader *r);
struct kube_doc *kube_doc_free(struct kube_doc *d);

static inline void
kube_reader_freep(struct kube_reader **r)
{
        *r = kube_reader_free(*r);
}

static inline void
kube_doc_freep(struct kube_doc **d)
{
        *d = kube_doc_free(*d);
}

/*
 * Objects across documents and files: the same kind, namespace and name
 * twice is an error, since one machine cannot hold both. Returns the
 * location of the first when obj is a repeat, else NULL (and remembers obj).
 * The set copies what it keeps.
 */
struct kube_names;
struct kube_names *kube_names_new(void);
int kube_names_add(struct kube_names *set, const struct kube_object *obj,
                   struct kube_loc *ret_first);
struct kube_names *kube_names_free(struct kube_names *set);

/* Pure helpers, used by later stages and tested on their own. */
int kube_quantity_parse(const char *s, struct kube_quantity *ret);
int kube_quantity_cmp(const struct kube_quantity *a, const struct kube_quantity *b);
int64_t kube_quantity_value(const struct kube_quantity *q);
int64_t kube_quantity_milli(const struct kube_quantity *q);
