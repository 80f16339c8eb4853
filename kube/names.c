/*
 * kube/names.c: Kubernetes' name rules, checked by hand rather than with
 * regcomp(): the rules are small, a scan can tell which part failed, and
 * nothing here allocates or follows the locale (the Go regexps use ASCII
 * classes; isalpha() says yes to 0xe9 in a Latin-1 locale).
 */
#include "kube/names.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "kube/quantity.h"
#include "util/cleanup.h"

#define LABEL_MAX 63
#define SUBDOMAIN_MAX 253
#define QNAME_MAX 63
#define PORT_NAME_MAX 15
#define CONFIG_KEY_MAX 253
#define SYSCTL_MAX 253
/* Kubernetes checks "requests." + name as a qualified name: 253 - 9 left for the prefix. */
#define EXT_RESOURCE_PREFIX_MAX (SUBDOMAIN_MAX - 9)

#define LABEL_RULE                                                                                \
        "at most 63 characters of lowercase letters, digits and '-', starting and ending with a " \
        "letter or digit"
#define SUBDOMAIN_RULE                                                                          \
        "at most 253 characters of lowercase letters, digits, '-' and '.', each '.'-separated " \
        "part starting and ending with a letter or digit"
#define QNAME_RULE \
        "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"

enum fault {
        FAULT_NONE,
        FAULT_EDGE,  /* a part empty, or starting or ending with a separator or '-' */
        FAULT_UPPER, /* only uppercase letters keep it from matching */
        FAULT_CHAR,  /* a character the rule does not allow, or nothing at all */
};

static bool
is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool
is_lower(char c)
{
        return c >= 'a' && c <= 'z';
}

static bool
is_upper(char c)
{
        return c >= 'A' && c <= 'Z';
}

static bool
is_lower_digit(char c)
{
        return is_lower(c) || is_digit(c);
}

static bool
is_alnum(char c)
{
        return is_digit(c) || is_lower(c) || is_upper(c);
}

static enum fault
worse(enum fault a, enum fault b)
{
        return a > b ? a : b;
}

/*
 * [a-z0-9]([-a-z0-9]*[a-z0-9])? parts joined by '.' (a DNS-1123 subdomain);
 * *ret_dot says whether there was a '.' so a label check can tell "a
 * subdomain where a label belongs" apart.
 */
static enum fault
dns_scan(const char *s, size_t len, bool *ret_dot)
{
        enum fault f = FAULT_NONE;
        size_t part = 0;

        *ret_dot = false;
        if (len == 0)
                return FAULT_CHAR;
        for (size_t i = 0; i <= len; i++) {
                char c = i < len ? s[i] : '.';

                if (c == '.') {
                        if (i < len)
                                *ret_dot = true;
                        if (i == part || s[part] == '-' || s[i - 1] == '-')
                                f = worse(f, FAULT_EDGE);
                        part = i + 1;
                } else if (is_upper(c))
                        f = worse(f, FAULT_UPPER);
                else if (!is_lower_digit(c) && c != '-')
                        f = worse(f, FAULT_CHAR);
        }
        return f;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]: the name part of a qualified name */
static enum fault
qname_scan(const char *s, size_t len)
{
        if (len == 0)
                return FAULT_CHAR;
        for (size_t i = 0; i < len; i++)
                if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
                        return FAULT_CHAR;
        if (!is_alnum(s[0]) || !is_alnum(s[len - 1]))
                return FAULT_EDGE;
        return FAULT_NONE;
}

static bool
is_subdomain(const char *s, size_t len)
{
        bool dot;

        return len <= SUBDOMAIN_MAX && dns_scan(s, len, &dot) == FAULT_NONE;
}

const char *
kube_check_dns1123_label(const char *s)
{
        size_t len = strlen(s);
        bool dot;
        enum fault f = dns_scan(s, len, &dot);

        /* Kubernetes says "must not contain dots" only for what would be a valid subdomain. */
        if (dot && f == FAULT_NONE)
                return "a DNS-1123 label, without '.': " LABEL_RULE;
        if (dot || f == FAULT_CHAR)
                return "a DNS-1123 label: " LABEL_RULE;
        if (f == FAULT_UPPER)
                return "a DNS-1123 label in lowercase: " LABEL_RULE;
        if (f == FAULT_EDGE)
                return "a DNS-1123 label starting and ending with a letter or digit, not '-'";
        if (len > LABEL_MAX)
                return "at most 63 characters (a DNS-1123 label)";
        return NULL;
}

const char *
kube_check_dns1123_subdomain(const char *s)
{
        size_t len = strlen(s);
        bool dot;

        switch (dns_scan(s, len, &dot)) {
        case FAULT_CHAR:
                return "a DNS-1123 subdomain: " SUBDOMAIN_RULE;
        case FAULT_UPPER:
                return "a DNS-1123 subdomain in lowercase: " SUBDOMAIN_RULE;
        case FAULT_EDGE:
                return "a DNS-1123 subdomain whose '.'-separated parts are non-empty and start "
                       "and end with a letter or digit";
        case FAULT_NONE:
                break;
        }
        if (len > SUBDOMAIN_MAX)
                return "at most 253 characters (a DNS-1123 subdomain)";
        return NULL;
}

const char *
kube_check_qualified_name(const char *s)
{
        const char *slash = strchr(s, '/'), *name = s;
        size_t len;

        if (slash) {
                if (strchr(slash + 1, '/'))
                        goto generic;
                if (!is_subdomain(s, (size_t)(slash - s)))
                        return "a qualified name whose prefix before '/' is a DNS-1123 "
                               "subdomain: " SUBDOMAIN_RULE;
                name = slash + 1;
        }
        len = strlen(name);
        if (len == 0 && slash)
                return "a qualified name with a name after the '/': " QNAME_RULE;
        switch (qname_scan(name, len)) {
        case FAULT_CHAR:
        case FAULT_UPPER:
                goto generic;
        case FAULT_EDGE:
                return "a qualified name whose name part starts and ends with a letter or digit";
        case FAULT_NONE:
                break;
        }
        if (len > QNAME_MAX)
                return slash ? "at most 63 characters after the '/' (a qualified name)"
                             : "at most 63 characters (a qualified name)";
        return NULL;

generic:
        return "a qualified name: an optional DNS-1123 subdomain and '/', then " QNAME_RULE
               " (e.g. 'example.com/MyName')";
}

const char *
kube_check_label_value(const char *s)
{
        size_t len = strlen(s);

        if (len == 0)
                return NULL;
        switch (qname_scan(s, len)) {
        case FAULT_CHAR:
        case FAULT_UPPER:
                return "a label value: empty, or " QNAME_RULE;
        case FAULT_EDGE:
                return "a label value starting and ending with a letter or digit";
        case FAULT_NONE:
                break;
        }
        if (len > LABEL_MAX)
                return "at most 63 characters (a label value)";
        return NULL;
}

const char *
kube_check_iana_svc_name(const char *s)
{
        size_t len = strlen(s);
        bool letter = false;

        if (len == 0)
                goto generic;
        for (size_t i = 0; i < len; i++) {
                if (is_lower(s[i]))
                        letter = true;
                else if (!is_digit(s[i]) && s[i] != '-')
                        goto generic;
        }
        if (len > PORT_NAME_MAX)
                return "at most 15 characters (a port name)";
        /* RFC 6335 5.1: a name of digits only would read as a port number. */
        if (!letter)
                return "a port name with at least one letter (a-z)";
        if (strstr(s, "--"))
                return "a port name without consecutive hyphens ('--')";
        if (s[0] == '-' || s[len - 1] == '-')
                return "a port name starting and ending with a letter or digit";
        return NULL;

generic:
        return "a port name (IANA service name): at most 15 characters of lowercase letters, "
               "digits and '-', with at least one letter, no '--' and no '-' at either end";
}

/*
 * Kubernetes' hasChDirPrefix(): env var names may end up as file names
 * (envFrom, projected keys), and "." or ".." would walk out of the directory.
 */
static bool
is_chdir_name(const char *s)
{
        return strcmp(s, ".") == 0 || strncmp(s, "..", 2) == 0;
}

static bool
is_key_char(char c)
{
        return is_alnum(c) || c == '-' || c == '.' || c == '_';
}

const char *
kube_check_env_var_name(const char *s)
{
        /*
         * Kubernetes' relaxed rule (RelaxedEnvironmentVariableValidation,
         * on by default since 1.32): any printable ASCII but '='.
         */
        if (s[0] == '\0')
                return "an environment variable name: at least one character";
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '=')
                        return "an environment variable name: printable ASCII characters other "
                               "than '='";
        return NULL;
}

const char *
kube_check_config_key(const char *s)
{
        size_t len = strlen(s);

        if (len == 0)
                goto generic;
        for (size_t i = 0; i < len; i++)
                if (!is_key_char(s[i]))
                        goto generic;
        if (len > CONFIG_KEY_MAX)
                return "at most 253 characters (a ConfigMap or Secret key)";
        /* The key becomes a file name in the volume. */
        if (is_chdir_name(s))
                return "a ConfigMap or Secret key other than '.' or '..' and not starting with "
                       "'..'";
        return NULL;

generic:
        return "a ConfigMap or Secret key: at most 253 letters, digits, '-', '_' and '.'";
}

const char *
kube_check_ip(const char *s)
{
        struct in6_addr a6;
        struct in_addr a4;

        if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
                return NULL;
        if (strchr(s, '/'))
                return "an IP address without a '/<prefix length>'";
        return "an IP address: IPv4 like 10.0.0.1 (no leading zeros) or IPv6 like fd00::1";
}

const char *
kube_check_sysctl_name(const char *s)
{
        size_t len = strlen(s), part = 0;

        /* SysctlContainSlashFmt:
         * ([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])? */
        if (len == 0)
                goto generic;
        for (size_t i = 0; i <= len; i++) {
                char c = i < len ? s[i] : '.';

                if (c == '.' || c == '/') {
                        if (i == part || !is_lower_digit(s[part]) || !is_lower_digit(s[i - 1]))
                                goto generic;
                        part = i + 1;
                } else if (!is_lower_digit(c) && c != '-' && c != '_')
                        goto generic;
        }
        if (len > SYSCTL_MAX)
                return "at most 253 characters (a sysctl name)";
        return NULL;

generic:
        return "a sysctl name: at most 253 characters, parts of lowercase letters, digits, '-' and "
               "'_' starting and ending with a letter or digit, joined by '.' or '/' (e.g. "
               "'net.ipv4.ip_forward')";
}

/* linux/capability.h, CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40), without "CAP_" */
static const char *const capabilities[] = {
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
};

/* 1 for a match, 0 for a match in another case ("net_admin"), -1 for none */
static int
capability_match(const char *s)
{
        bool exact = true;

        if (strncasecmp(s, "CAP_", 4) == 0) {
                exact = strncmp(s, "CAP_", 4) == 0;
                s += 4;
        }
        for (size_t i = 0; i < ELEMENTSOF(capabilities); i++)
                if (strcasecmp(s, capabilities[i]) == 0)
                        return exact && strcmp(s, capabilities[i]) == 0 ? 1 : 0;
        return -1;
}

const char *
kube_capability_name(const char *s)
{
        if (strncasecmp(s, "CAP_", 4) == 0)
                s += 4;
        for (size_t i = 0; i < ELEMENTSOF(capabilities); i++)
                if (strcasecmp(s, capabilities[i]) == 0)
                        return capabilities[i];
        return NULL;
}

const char *
kube_check_capability(const char *s)
{
        int r;

        /* podman takes "ALL" bare only: "CAP_ALL" is not a capability. */
        if (strcmp(s, "ALL") == 0)
                return NULL;
        r = capability_match(s);
        if (r > 0)
                return NULL;
        /* podman would upper-case it; a Kubernetes cluster's runtime might not. */
        if (r == 0 || strcasecmp(s, "all") == 0)
                return "a Linux capability name in uppercase, such as NET_ADMIN or "
                       "CAP_NET_ADMIN, or ALL";
        return "a Linux capability name such as NET_ADMIN or CAP_NET_ADMIN, or ALL";
}

/* Kubernetes' validatePathNoBacksteps(): a ".." element anywhere, "a/../b" included */
static bool
has_dotdot_element(const char *s)
{
        for (const char *p = s;;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                if (!p[n])
                        return false;
                p += n + 1;
        }
}

const char *
kube_check_relative_path(const char *s)
{
        if (!s[0])
                return "a non-empty relative path";
        if (s[0] == '/')
                return "a relative path, not starting with '/'";
        if (has_dotdot_element(s))
                return "a relative path without '..' elements";
        return NULL;
}

const char *
kube_check_item_path(const char *s)
{
        const char *r = kube_check_relative_path(s);

        if (r)
                return r;
        /* The kubelet's atomic writer keeps "..data" and "..<timestamp>" for itself. */
        if (strncmp(s, "..", 2) == 0)
                return "a relative path not starting with '..'";
        return NULL;
}

const char *
kube_check_absolute_path(const char *s)
{
        if (s[0] != '/')
                return "an absolute path, starting with '/'";
        if (has_dotdot_element(s))
                return "an absolute path without '..' elements";
        return NULL;
}

#define RESOURCE_MSG                                                                              \
        "a resource name: cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed " \
        "extended resource such as example.com/gpu"
#define EXT_RESOURCE_MSG                                                         \
        "an extended resource name: a DNS-1123 subdomain, '/', then " QNAME_RULE \
        " (e.g. 'example.com/gpu')"

const char *
kube_check_extended_resource(const char *s)
{
        const char *slash;
        struct kube_quantity q;

        if (strcmp(s, "cpu") == 0 || strcmp(s, "memory") == 0 ||
            strcmp(s, "ephemeral-storage") == 0)
                return NULL;
        slash = strchr(s, '/');
        if (!slash) {
                /*
                 * The page size must parse, be positive and whole
                 * (IsHugePageResourceValueDivisible() fails otherwise).
                 */
                if (strncmp(s, "hugepages-", 10) != 0)
                        return RESOURCE_MSG;
                if (kube_check_qualified_name(s) || kube_quantity_parse(s + 10, &q) < 0 ||
                    q.negative || kube_quantity_is_zero(&q) || !kube_quantity_is_integer(&q))
                        return "hugepages-<size>, with <size> a positive whole quantity such as "
                               "2Mi or 1Gi";
                return NULL;
        }
        if (kube_check_qualified_name(s))
                return EXT_RESOURCE_MSG;
        /* "requests.<name>" is how ResourceQuota spells the extended resource <name>. */
        if (strncmp(s, "requests.", 9) == 0)
                return "an extended resource name not starting with 'requests.'";
        /*
         * IsNativeResource() matches the substring, so "notkubernetes.io/x" is
         * native too; no device plugin can register such a name.
         */
        if (strstr(s, "kubernetes.io/"))
                return "an extended resource name outside the kubernetes.io domain";
        if ((size_t)(slash - s) > EXT_RESOURCE_PREFIX_MAX)
                return "at most 244 characters before the '/' (an extended resource name)";
        return NULL;
}
