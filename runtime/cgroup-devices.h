/*
 * runtime/cgroup-devices.h: the device allow-list of a container's cgroup
 * (private to runtime/). The rules come from the OCI spec's
 * linux.resources.devices, in order, the last matching rule deciding:
 * berth's specs start with "deny everything" and allow the few devices
 * every container has. cgroup v1 gets them as lines written to
 * devices.deny / devices.allow; cgroup v2 has no devices controller: an
 * eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup
 * says yes or no to every open and mknod of a device node.
 */
#pragma once

#include <jansson.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

/* access bits of a rule, as BPF_DEVCG_ACC_* */
#define CGROUP_DEV_MKNOD 1U
#define CGROUP_DEV_READ 2U
#define CGROUP_DEV_WRITE 4U
#define CGROUP_DEV_ALL (CGROUP_DEV_MKNOD | CGROUP_DEV_READ | CGROUP_DEV_WRITE)

struct cgroup_device_rule {
        bool allow;
        char type;            /* 'a' (every device), 'c' or 'b' */
        int64_t major, minor; /* -1: any */
        unsigned access;      /* CGROUP_DEV_* bits, never 0 */
};

/*
 * Entry i of linux.resources.devices into *ret: allow (required), type
 * ("a" when absent), major and minor (any when absent or -1), access
 * ("rwm" when absent). An error names the field:
 * "linux.resources.devices[2].access: expected letters of \"rwm\"".
 */
int cgroup_device_rule_parse(const json_t *entry, size_t i, struct cgroup_device_rule *ret,
                             struct berr **err);

/*
 * Check every entry of a linux.resources.devices array (NULL: none). 1
 * when the rules restrict something, 0 when they allow every device (no
 * rules, or only allow-all rules after the last deny: a privileged
 * container), so no allow-list is needed.
 */
int cgroup_devices_check(const json_t *devices, struct berr **err);

/*
 * The v1 line of a rule, "c 1:3 rwm" or "a *:* rwm", for devices.allow
 * (rule->allow) or devices.deny, into buf.
 */
void cgroup_device_rule_v1(const struct cgroup_device_rule *rule, char buf[64]);

/*
 * The eBPF program that decides as the rules do (last match wins; with no
 * rule matching, the device is refused): *ret (malloc'd) of *ret_n
 * instructions. Checked entries only (cgroup_devices_check()).
 */
int cgroup_devices_bpf_build(const json_t *devices, struct bpf_insn **ret, size_t *ret_n,
                             struct berr **err);

/*
 * Load the program of the rules and attach it to the cgroup v2 directory
 * dir (BPF_F_ALLOW_MULTI: programs of the cgroups above keep their say);
 * programs an earlier attach left on dir (a container started again) are
 * detached after the new one is on, so the cgroup is never without one.
 */
int cgroup_devices_bpf_attach(const char *dir, const json_t *devices, struct berr **err);
