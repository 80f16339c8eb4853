/*
 * runtime/oci.h: an OCI runtime config.json, read into what the built-in
 * executor needs (private to runtime/). Everything is checked here, in the
 * parent, so that the container's first process meets no surprise it
 * could only report half-way through building the container.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct berr;

/* The annotation berth puts the overlay mount options of the rootfs in. */
#define OCI_ANNOTATION_OVERLAY "io.berth.rootfs.overlay"

enum oci_ns_type {
        OCI_NS_USER,
        OCI_NS_MOUNT,
        OCI_NS_PID,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_NET,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        _OCI_NS_MAX,
};

struct oci_ns {
        bool enabled; /* listed: a new one, or path's */
        char *path;   /* join this one; NULL: a new one */
};

struct oci_mount {
        char *destination; /* absolute, inside the container */
        char *type;        /* NULL or "bind" for binds */
        char *source;
        unsigned long flags;       /* MS_* set */
        unsigned long clear_flags; /* MS_* an option cleared (e.g. "rw", "suid") */
        unsigned long propagation; /* MS_PRIVATE, MS_SLAVE, ... or 0 */
        bool bind, recursive;
        bool tmpcopyup; /* a tmpfs starts with what the image has there (runc's extension) */
        char *data;     /* the options the kernel parses (mode=755,size=...) */
};

struct oci_rlimit {
        int resource;
        struct rlimit limit;
};

struct oci_sysctl {
        char *key, *value;
};

struct oci_device {
        char *path;
        char type; /* 'c', 'b', 'p' */
        dev_t dev;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

/* Capability sets as bit masks (bit n: capability n) */
struct oci_caps {
        uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct oci_config {
        char *root_path;
        bool root_readonly;
        char *overlay; /* OCI_ANNOTATION_OVERLAY, or NULL */
        char *hostname;

        /* process */
        bool terminal;
        char **args, **env; /* NULL-terminated */
        char *cwd;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
        mode_t umask;
        bool has_umask;
        struct oci_caps caps;
        bool no_new_privs;
        struct oci_rlimit *rlimits;
        size_t n_rlimits;
        int oom_score_adj;
        bool has_oom_score_adj;
        char *selinux_label;

        /* linux */
        struct oci_ns ns[_OCI_NS_MAX];
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_device *devices;
        size_t n_devices;
        char **masked_paths, **readonly_paths; /* NULL-terminated */
        struct oci_sysctl *sysctls;
        size_t n_sysctls;
        unsigned long rootfs_propagation; /* MS_SLAVE by default, as runc */
        char *cgroups_path;
        char *mount_label;
        json_t *resources; /* linux.resources, or NULL */
        json_t *seccomp;   /* linux.seccomp, or NULL */
        json_t *annotations;
};

/*
 * Read spec (a parsed config.json). bundle: where relative root.path and
 * mount sources are relative to. what names the file in errors.
 */
int oci_config_read(const json_t *spec, const char *bundle, const char *what,
                    struct oci_config *ret, struct berr **err);
void oci_config_clear(struct oci_config *c);

/* "CAP_SYS_ADMIN" -> 21; -1 when unknown */
int oci_cap_from_name(const char *name);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown */
int oci_rlimit_from_name(const char *name);
/* Parse mount options into m (flags, clear_flags, propagation, bind, data). */
int oci_mount_options(const json_t *options, struct oci_mount *m, struct berr **err);
