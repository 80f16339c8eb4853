/*
 * kube/names.h: the name rules of Kubernetes' apimachinery validation
 * (k8s.io/apimachinery/pkg/util/validation) and of the core API validation
 * (pkg/apis/core/validation), for the fields berth reads.
 *
 * Every check takes a NUL-terminated string and returns NULL when it is
 * valid, else a static string saying what was expected, written to follow
 * "expected": the caller prints
 *         <path>: "<value>" is invalid, expected <that string>
 * The string names the rule first and, where it is cheap to tell, the part
 * of the rule that failed (a too-long value gets "at most 63 characters
 * (a DNS-1123 label)"). None of them allocate; s must not be NULL.
 */
#pragma once

/* [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters (object names, container names) */
const char *kube_check_dns1123_label(const char *s);

/*
 * DNS-1123 labels joined by '.', at most 253 characters in all. As in
 * Kubernetes, the parts themselves are not held to 63 characters.
 */
const char *kube_check_dns1123_subdomain(const char *s);

/*
 * Label and annotation keys: an optional DNS-1123 subdomain prefix and '/',
 * then a name of at most 63 characters matching
 * ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9].
 */
const char *kube_check_qualified_name(const char *s);

/* Empty, or at most 63 characters matching the name part of a qualified name. */
const char *kube_check_label_value(const char *s);

/*
 * Port names (IANA service names, RFC 6335 in lowercase): at most 15
 * characters of [-a-z0-9], at least one letter, no "--", no '-' at either end.
 */
const char *kube_check_iana_svc_name(const char *s);

/*
 * Environment variable names, the classic rule (without the
 * RelaxedEnvironmentVariableValidation gate): [-._a-zA-Z][-._a-zA-Z0-9]*,
 * and, as Kubernetes adds, not "." or ".." and not starting with "..".
 */
const char *kube_check_env_var_name(const char *s);

/*
 * ConfigMap and Secret keys: [-._a-zA-Z0-9]+, at most 253 characters, not
 * "." or ".." and not starting with ".." (the key becomes a file name).
 */
const char *kube_check_config_key(const char *s);

/* An IPv4 dotted quad or an IPv6 address, as inet_pton() reads them (no zone, no prefix). */
const char *kube_check_ip(const char *s);

/*
 * Sysctl names: segments of [a-z0-9]([-_a-z0-9]*[a-z0-9])? joined by '.' or
 * '/', at most 253 characters.
 */
const char *kube_check_sysctl_name(const char *s);

/*
 * A capability as securityContext.capabilities lists it and podman takes it:
 * "NET_ADMIN" or "CAP_NET_ADMIN" for any capability of linux/capability.h up
 * to CAP_CHECKPOINT_RESTORE, or "ALL". Uppercase only.
 */
const char *kube_check_capability(const char *s);

/*
 * The capability s names, in any case, with or without "CAP_", as
 * linux/capability.h spells it without "CAP_" ("NET_ADMIN"); NULL when
 * there is none of that name.
 */
const char *kube_capability_name(const char *s);

/*
 * subPath and the like: non-empty, not starting with '/', no ".." element
 * (Kubernetes' validateLocalDescendingPath, plus non-empty).
 */
const char *kube_check_relative_path(const char *s);

/*
 * The path of a ConfigMap, Secret, downward API or projected volume item:
 * a relative path as above that also does not start with "..", which the
 * kubelet keeps for its own "..data" links (validateLocalNonReservedPath).
 */
const char *kube_check_item_path(const char *s);

/* mountPath, hostPath path: non-empty, starting with '/', no ".." element. */
const char *kube_check_absolute_path(const char *s);

/*
 * A key of resources.requests or resources.limits: "cpu", "memory",
 * "ephemeral-storage", "hugepages-<size>" with <size> a positive whole
 * quantity ("hugepages-2Mi"), or an extended resource: a qualified name
 * with a domain prefix ("nvidia.com/gpu") outside the kubernetes.io domain
 * and not starting with "requests.".
 */
const char *kube_check_extended_resource(const char *s);
