/* tests/unit/kube/test-names.c: the Kubernetes name rules, valid, invalid and at the limits */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kube/names.h"

#define LABEL_MSG                                                                                 \
        "a DNS-1123 label: at most 63 characters of lowercase letters, digits and '-', starting " \
        "and ending with a letter or digit"
#define SUBDOMAIN_MSG                                                                              \
        "a DNS-1123 subdomain: at most 253 characters of lowercase letters, digits, '-' and '.', " \
        "each '.'-separated part starting and ending with a letter or digit"
#define QNAME_MSG                                                                             \
        "a qualified name: an optional DNS-1123 subdomain and '/', then at most 63 letters, " \
        "digits, '-', '_' and '.', starting and ending with a letter or digit (e.g. "         \
        "'example.com/MyName')"
#define PORT_MSG                                                                                   \
        "a port name (IANA service name): at most 15 characters of lowercase letters, digits and " \
        "'-', with at least one letter, no '--' and no '-' at either end"
#define KEY_MSG "a ConfigMap or Secret key: at most 253 letters, digits, '-', '_' and '.'"
#define SYSCTL_MSG                                                                                \
        "a sysctl name: at most 253 characters, parts of lowercase letters, digits, '-' and '_' " \
        "starting and ending with a letter or digit, joined by '.' or '/' (e.g. "                 \
        "'net.ipv4.ip_forward')"
#define CAP_MSG "a Linux capability name such as NET_ADMIN or CAP_NET_ADMIN, or ALL"
#define CAP_UPPER_MSG \
        "a Linux capability name in uppercase, such as NET_ADMIN or CAP_NET_ADMIN, or ALL"
#define RESOURCE_MSG                                                                              \
        "a resource name: cpu, memory, ephemeral-storage, hugepages-<size> or a domain-prefixed " \
        "extended resource such as example.com/gpu"
#define HUGEPAGES_MSG "hugepages-<size>, with <size> a positive whole quantity such as 2Mi or 1Gi"
#define EXT_RESOURCE_MSG                                                                          \
        "an extended resource name: a DNS-1123 subdomain, '/', then at most 63 letters, digits, " \
        "'-', '_' and '.', starting and ending with a letter or digit (e.g. 'example.com/gpu')"

/* a then b, in a new string; the caller frees it */
static char *
concat(const char *a, const char *b)
{
        char *s = NULL;

        if (asprintf(&s, "%s%s", a, b) < 0)
                abort();
        return s;
}

/* n copies of c, then tail; the caller frees it */
static char *
repeat(char c, size_t n, const char *tail)
{
        char *s = malloc(n + 1), *r;

        if (!s)
                abort();
        for (size_t i = 0; i < n; i++)
                s[i] = c;
        s[n] = '\0';
        r = concat(s, tail);
        free(s);
        return r;
}

/* n characters of "a.b.c..." style: labels of 'a' of the given size joined by '.' */
static char *
dotted(size_t label, size_t total)
{
        char *s = malloc(total + 1);

        if (!s)
                abort();
        for (size_t i = 0; i < total; i++)
                s[i] = (i % (label + 1) == label) ? '.' : 'a';
        s[total] = '\0';
        if (total && s[total - 1] == '.')
                s[total - 1] = 'b';
        return s;
}

static void
test_label_valid(void)
{
        check(kube_check_dns1123_label("a") == NULL);
        check(kube_check_dns1123_label("0") == NULL);
        check(kube_check_dns1123_label("my-name") == NULL);
        check(kube_check_dns1123_label("123-abc") == NULL);
        check(kube_check_dns1123_label("a--b") == NULL);
        check(kube_check_dns1123_label("web0") == NULL);
}

static void
test_label_invalid(void)
{
        check_str(kube_check_dns1123_label(""), LABEL_MSG);
        check_str(kube_check_dns1123_label("a_b"), LABEL_MSG);
        check_str(kube_check_dns1123_label("a b"), LABEL_MSG);
        check_str(kube_check_dns1123_label("é"), LABEL_MSG);
        check_str(kube_check_dns1123_label("a/b"), LABEL_MSG);
        check_str(kube_check_dns1123_label("Web"),
                  "a DNS-1123 label in lowercase: at most 63 characters of lowercase letters, "
                  "digits and '-', starting and ending with a letter or digit");
        check_str(kube_check_dns1123_label("-a"),
                  "a DNS-1123 label starting and ending with a letter or digit, not '-'");
        check_str(kube_check_dns1123_label("a-"),
                  "a DNS-1123 label starting and ending with a letter or digit, not '-'");
        check_str(kube_check_dns1123_label("-"),
                  "a DNS-1123 label starting and ending with a letter or digit, not '-'");
}

static void
test_label_dots(void)
{
        /* a valid subdomain gets Kubernetes' "must not contain dots" */
        check_str(kube_check_dns1123_label("a.b"),
                  "a DNS-1123 label, without '.': at most 63 characters of lowercase letters, "
                  "digits and '-', starting and ending with a letter or digit");
        check_str(kube_check_dns1123_label("a..b"), LABEL_MSG);
        check_str(kube_check_dns1123_label("."), LABEL_MSG);
        check_str(kube_check_dns1123_label("A.b"), LABEL_MSG);
}

static void
test_label_length(void)
{
        char *s63 = repeat('a', 63, ""), *s64 = repeat('a', 64, ""), *bad64 = repeat('a', 63, "-");

        check(kube_check_dns1123_label(s63) == NULL);
        check_str(kube_check_dns1123_label(s64), "at most 63 characters (a DNS-1123 label)");
        /* the shape is reported before the length */
        check_str(kube_check_dns1123_label(bad64),
                  "a DNS-1123 label starting and ending with a letter or digit, not '-'");
        free(s63);
        free(s64);
        free(bad64);
}

static void
test_subdomain_valid(void)
{
        char *long_part = repeat('a', 100, ".com");

        check(kube_check_dns1123_subdomain("a") == NULL);
        check(kube_check_dns1123_subdomain("example.com") == NULL);
        check(kube_check_dns1123_subdomain("a-1.b-2.c") == NULL);
        check(kube_check_dns1123_subdomain("1.2.3.4") == NULL);
        /* Kubernetes does not hold the parts to 63 characters */
        check(kube_check_dns1123_subdomain(long_part) == NULL);
        free(long_part);
}

static void
test_subdomain_invalid(void)
{
        const char *edge = "a DNS-1123 subdomain whose '.'-separated parts are non-empty and start "
                           "and end with a letter or digit";

        check_str(kube_check_dns1123_subdomain(""), SUBDOMAIN_MSG);
        check_str(kube_check_dns1123_subdomain("a_b.com"), SUBDOMAIN_MSG);
        check_str(kube_check_dns1123_subdomain("a/b"), SUBDOMAIN_MSG);
        check_str(kube_check_dns1123_subdomain("Example.com"),
                  "a DNS-1123 subdomain in lowercase: at most 253 characters of lowercase "
                  "letters, digits, '-' and '.', each '.'-separated part starting and ending with "
                  "a letter or digit");
        check_str(kube_check_dns1123_subdomain(".a"), edge);
        check_str(kube_check_dns1123_subdomain("a."), edge);
        check_str(kube_check_dns1123_subdomain("a..b"), edge);
        check_str(kube_check_dns1123_subdomain("a.-b"), edge);
        check_str(kube_check_dns1123_subdomain("a-.b"), edge);
        check_str(kube_check_dns1123_subdomain("."), edge);
}

static void
test_subdomain_length(void)
{
        char *s253 = dotted(10, 253), *s254 = dotted(10, 254);

        check(strlen(s253) == 253);
        check(kube_check_dns1123_subdomain(s253) == NULL);
        check_str(kube_check_dns1123_subdomain(s254),
                  "at most 253 characters (a DNS-1123 subdomain)");
        free(s253);
        free(s254);
}

static void
test_qualified_name_valid(void)
{
        check(kube_check_qualified_name("app") == NULL);
        check(kube_check_qualified_name("MyName") == NULL);
        check(kube_check_qualified_name("my.name") == NULL);
        check(kube_check_qualified_name("123-abc") == NULL);
        check(kube_check_qualified_name("a_b") == NULL);
        check(kube_check_qualified_name("x") == NULL);
        check(kube_check_qualified_name("example.com/MyName") == NULL);
        check(kube_check_qualified_name("app.kubernetes.io/name") == NULL);
        check(kube_check_qualified_name("k8s.io/a") == NULL);
}

static void
test_qualified_name_invalid(void)
{
        check_str(kube_check_qualified_name(""), QNAME_MSG);
        check_str(kube_check_qualified_name("a b"), QNAME_MSG);
        check_str(kube_check_qualified_name("a/b/c"), QNAME_MSG);
        check_str(kube_check_qualified_name("a:b"), QNAME_MSG);
        check_str(kube_check_qualified_name("example.com/a b"), QNAME_MSG);
        check_str(kube_check_qualified_name("-a"),
                  "a qualified name whose name part starts and ends with a letter or digit");
        check_str(kube_check_qualified_name("a."),
                  "a qualified name whose name part starts and ends with a letter or digit");
        check_str(kube_check_qualified_name("_a"),
                  "a qualified name whose name part starts and ends with a letter or digit");
        check_str(kube_check_qualified_name("example.com/"),
                  "a qualified name with a name after the '/': at most 63 letters, digits, '-', "
                  "'_' and '.', starting and ending with a letter or digit");
}

static void
test_qualified_name_prefix(void)
{
        const char *msg = "a qualified name whose prefix before '/' is a DNS-1123 subdomain: at "
                          "most 253 characters of lowercase letters, digits, '-' and '.', each "
                          "'.'-separated part starting and ending with a letter or digit";
        char *p253 = dotted(10, 253), *p254 = dotted(10, 254);
        char *ok = concat(p253, "/a"), *bad = concat(p254, "/a");

        check_str(kube_check_qualified_name("/a"), msg);
        check_str(kube_check_qualified_name("Example.com/a"), msg);
        check_str(kube_check_qualified_name("a_b/c"), msg);
        check_str(kube_check_qualified_name("-a.com/b"), msg);
        check(kube_check_qualified_name(ok) == NULL);
        check_str(kube_check_qualified_name(bad), msg);
        free(p253);
        free(p254);
        free(ok);
        free(bad);
}

static void
test_qualified_name_length(void)
{
        char *n63 = repeat('A', 63, ""), *n64 = repeat('A', 64, "");
        char *p63 = concat("example.com/", n63), *p64 = concat("example.com/", n64);

        check(kube_check_qualified_name(n63) == NULL);
        check_str(kube_check_qualified_name(n64), "at most 63 characters (a qualified name)");
        check(kube_check_qualified_name(p63) == NULL);
        check_str(kube_check_qualified_name(p64),
                  "at most 63 characters after the '/' (a qualified name)");
        free(n63);
        free(n64);
        free(p63);
        free(p64);
}

static void
test_label_value(void)
{
        char *v63 = repeat('v', 63, ""), *v64 = repeat('v', 64, "");

        check(kube_check_label_value("") == NULL);
        check(kube_check_label_value("v1") == NULL);
        check(kube_check_label_value("My_Value.2-b") == NULL);
        check(kube_check_label_value("x") == NULL);
        check(kube_check_label_value(v63) == NULL);
        check_str(kube_check_label_value(v64), "at most 63 characters (a label value)");
        check_str(kube_check_label_value("a/b"),
                  "a label value: empty, or at most 63 letters, digits, '-', '_' and '.', "
                  "starting and ending with a letter or digit");
        check_str(kube_check_label_value("a b"),
                  "a label value: empty, or at most 63 letters, digits, '-', '_' and '.', "
                  "starting and ending with a letter or digit");
        check_str(kube_check_label_value("-a"),
                  "a label value starting and ending with a letter or digit");
        check_str(kube_check_label_value("a_"),
                  "a label value starting and ending with a letter or digit");
        free(v63);
        free(v64);
}

static void
test_port_name_valid(void)
{
        check(kube_check_iana_svc_name("http") == NULL);
        check(kube_check_iana_svc_name("h2c") == NULL);
        check(kube_check_iana_svc_name("web-8080") == NULL);
        check(kube_check_iana_svc_name("8080a") == NULL);
        check(kube_check_iana_svc_name("a") == NULL);
        check(kube_check_iana_svc_name("abcdefghijklmno") == NULL); /* 15 */
}

static void
test_port_name_invalid(void)
{
        check_str(kube_check_iana_svc_name(""), PORT_MSG);
        check_str(kube_check_iana_svc_name("HTTP"), PORT_MSG);
        check_str(kube_check_iana_svc_name("my_port"), PORT_MSG);
        check_str(kube_check_iana_svc_name("a.b"), PORT_MSG);
        check_str(kube_check_iana_svc_name("abcdefghijklmnop"),
                  "at most 15 characters (a port name)");
        check_str(kube_check_iana_svc_name("8080"), "a port name with at least one letter (a-z)");
        check_str(kube_check_iana_svc_name("80-80"), "a port name with at least one letter (a-z)");
        check_str(kube_check_iana_svc_name("a--b"),
                  "a port name without consecutive hyphens ('--')");
        check_str(kube_check_iana_svc_name("-http"),
                  "a port name starting and ending with a letter or digit");
        check_str(kube_check_iana_svc_name("http-"),
                  "a port name starting and ending with a letter or digit");
}

static void
test_env_var_name(void)
{
        const char *printable = "an environment variable name: printable ASCII characters other "
                                "than '='";

        check(kube_check_env_var_name("PATH") == NULL);
        check(kube_check_env_var_name("my.env-name") == NULL);
        check(kube_check_env_var_name("1A") == NULL);
        check(kube_check_env_var_name("A B") == NULL);
        check(kube_check_env_var_name("A$") == NULL);
        check(kube_check_env_var_name("..") == NULL);
        check_str(kube_check_env_var_name(""),
                  "an environment variable name: at least one character");
        check_str(kube_check_env_var_name("A=B"), printable);
        check_str(kube_check_env_var_name("A\tB"), printable);
        check_str(kube_check_env_var_name("caf\xc3\xa9"), printable);
}

static void
test_config_key(void)
{
        const char *dots = "a ConfigMap or Secret key other than '.' or '..' and not starting "
                           "with '..'";
        char *k253 = repeat('k', 253, ""), *k254 = repeat('k', 254, "");

        check(kube_check_config_key("key.name") == NULL);
        check(kube_check_config_key("KEY_NAME") == NULL);
        check(kube_check_config_key("key-name") == NULL);
        check(kube_check_config_key("1") == NULL);
        check(kube_check_config_key(".env") == NULL);
        check(kube_check_config_key("a..b") == NULL);
        check(kube_check_config_key("...") != NULL);
        check(kube_check_config_key(k253) == NULL);
        check_str(kube_check_config_key(k254),
                  "at most 253 characters (a ConfigMap or Secret key)");
        check_str(kube_check_config_key(""), KEY_MSG);
        check_str(kube_check_config_key("a/b"), KEY_MSG);
        check_str(kube_check_config_key("a b"), KEY_MSG);
        check_str(kube_check_config_key("."), dots);
        check_str(kube_check_config_key(".."), dots);
        check_str(kube_check_config_key("..data"), dots);
        free(k253);
        free(k254);
}

static void
test_ip(void)
{
        const char *msg = "an IP address: IPv4 like 10.0.0.1 (no leading zeros) or IPv6 like "
                          "fd00::1";

        check(kube_check_ip("10.0.0.1") == NULL);
        check(kube_check_ip("0.0.0.0") == NULL);
        check(kube_check_ip("255.255.255.255") == NULL);
        check(kube_check_ip("::") == NULL);
        check(kube_check_ip("::1") == NULL);
        check(kube_check_ip("fd00::1") == NULL);
        check(kube_check_ip("2001:db8:0:0:0:0:0:1") == NULL);
        check(kube_check_ip("::ffff:192.0.2.1") == NULL);
        check_str(kube_check_ip(""), msg);
        check_str(kube_check_ip("256.0.0.1"), msg);
        check_str(kube_check_ip("1.2.3"), msg);
        check_str(kube_check_ip("1.2.3.4.5"), msg);
        check_str(kube_check_ip("010.0.0.1"), msg);
        check_str(kube_check_ip(" 1.2.3.4"), msg);
        check_str(kube_check_ip("fe80::1%eth0"), msg);
        check_str(kube_check_ip("1:2:3:4:5:6:7:8:9"), msg);
        check_str(kube_check_ip("example.com"), msg);
        check_str(kube_check_ip("10.0.0.0/8"), "an IP address without a '/<prefix length>'");
}

static void
test_sysctl_name(void)
{
        char *s253 = dotted(10, 253), *s254 = dotted(10, 254);

        check(kube_check_sysctl_name("kernel.shm_rmid_forced") == NULL);
        check(kube_check_sysctl_name("net.ipv4.ip_forward") == NULL);
        check(kube_check_sysctl_name("net.ipv4.conf.eth0/1.forwarding") == NULL);
        check(kube_check_sysctl_name("net/ipv4/ip_local_port_range") == NULL);
        check(kube_check_sysctl_name("a") == NULL);
        check(kube_check_sysctl_name("fs.mqueue.msg-max") == NULL);
        check(kube_check_sysctl_name(s253) == NULL);
        check_str(kube_check_sysctl_name(s254), "at most 253 characters (a sysctl name)");
        check_str(kube_check_sysctl_name(""), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("Net.ipv4"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net..ipv4"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name(".net"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net."), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net._a"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net.a_"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net/"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net ipv4"), SYSCTL_MSG);
        check_str(kube_check_sysctl_name("net.*"), SYSCTL_MSG);
        free(s253);
        free(s254);
}

static void
test_capability(void)
{
        check(kube_check_capability("NET_ADMIN") == NULL);
        check(kube_check_capability("CAP_NET_ADMIN") == NULL);
        check(kube_check_capability("CHOWN") == NULL);
        check(kube_check_capability("SYS_TTY_CONFIG") == NULL);
        check(kube_check_capability("CAP_BPF") == NULL);
        check(kube_check_capability("PERFMON") == NULL);
        check(kube_check_capability("CHECKPOINT_RESTORE") == NULL);
        check(kube_check_capability("CAP_CHECKPOINT_RESTORE") == NULL);
        check(kube_check_capability("ALL") == NULL);
        check_str(kube_check_capability(""), CAP_MSG);
        check_str(kube_check_capability("CAP_"), CAP_MSG);
        check_str(kube_check_capability("CAP_ALL"), CAP_MSG);
        check_str(kube_check_capability("NET_ADMINS"), CAP_MSG);
        check_str(kube_check_capability("CAP_CAP_CHOWN"), CAP_MSG);
        check_str(kube_check_capability("SYS_MAGIC"), CAP_MSG);
        check_str(kube_check_capability(" NET_ADMIN"), CAP_MSG);
        check_str(kube_check_capability("net_admin"), CAP_UPPER_MSG);
        check_str(kube_check_capability("cap_net_admin"), CAP_UPPER_MSG);
        check_str(kube_check_capability("CAP_net_admin"), CAP_UPPER_MSG);
        check_str(kube_check_capability("cap_NET_ADMIN"), CAP_UPPER_MSG);
        check_str(kube_check_capability("all"), CAP_UPPER_MSG);
}

static void
test_capability_full_list(void)
{
        static const char *const all[] = {
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
        check(sizeof(all) / sizeof(all[0]) == 41);
        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                char *prefixed = concat("CAP_", all[i]);

                check(kube_check_capability(all[i]) == NULL);
                check(kube_check_capability(prefixed) == NULL);
                free(prefixed);
        }
}

static void
test_relative_path(void)
{
        check(kube_check_relative_path("a") == NULL);
        check(kube_check_relative_path("a/b/c") == NULL);
        check(kube_check_relative_path("a/") == NULL);
        check(kube_check_relative_path(".") == NULL);
        check(kube_check_relative_path("./a") == NULL);
        check(kube_check_relative_path("..a") == NULL);
        check(kube_check_relative_path("a..") == NULL);
        check(kube_check_relative_path("a/...") == NULL);
        check(kube_check_relative_path("a//b") == NULL);
        check_str(kube_check_relative_path(""), "a non-empty relative path");
        check_str(kube_check_relative_path("/a"), "a relative path, not starting with '/'");
        check_str(kube_check_relative_path("/"), "a relative path, not starting with '/'");
        check_str(kube_check_relative_path(".."), "a relative path without '..' elements");
        check_str(kube_check_relative_path("../a"), "a relative path without '..' elements");
        check_str(kube_check_relative_path("a/../b"), "a relative path without '..' elements");
        check_str(kube_check_relative_path("a/.."), "a relative path without '..' elements");
        check_str(kube_check_relative_path("a/../"), "a relative path without '..' elements");
}

static void
test_item_path(void)
{
        check(kube_check_item_path("config.yaml") == NULL);
        check(kube_check_item_path("dir/..data") == NULL);
        check(kube_check_item_path(".hidden") == NULL);
        check_str(kube_check_item_path(""), "a non-empty relative path");
        check_str(kube_check_item_path("/etc/x"), "a relative path, not starting with '/'");
        check_str(kube_check_item_path("../x"), "a relative path without '..' elements");
        check_str(kube_check_item_path("..data"), "a relative path not starting with '..'");
        check_str(kube_check_item_path("..."), "a relative path not starting with '..'");
}

static void
test_absolute_path(void)
{
        check(kube_check_absolute_path("/") == NULL);
        check(kube_check_absolute_path("/data") == NULL);
        check(kube_check_absolute_path("/var/lib/x/") == NULL);
        check(kube_check_absolute_path("/a/..b/c..") == NULL);
        check(kube_check_absolute_path("//a") == NULL);
        check_str(kube_check_absolute_path(""), "an absolute path, starting with '/'");
        check_str(kube_check_absolute_path("data"), "an absolute path, starting with '/'");
        check_str(kube_check_absolute_path("./data"), "an absolute path, starting with '/'");
        check_str(kube_check_absolute_path("/.."), "an absolute path without '..' elements");
        check_str(kube_check_absolute_path("/a/../b"), "an absolute path without '..' elements");
        check_str(kube_check_absolute_path("/a/.."), "an absolute path without '..' elements");
}

static void
test_resource_standard(void)
{
        check(kube_check_extended_resource("cpu") == NULL);
        check(kube_check_extended_resource("memory") == NULL);
        check(kube_check_extended_resource("ephemeral-storage") == NULL);
        check_str(kube_check_extended_resource(""), RESOURCE_MSG);
        check_str(kube_check_extended_resource("CPU"), RESOURCE_MSG);
        check_str(kube_check_extended_resource("gpu"), RESOURCE_MSG);
        check_str(kube_check_extended_resource("storage"), RESOURCE_MSG);
        check_str(kube_check_extended_resource("pods"), RESOURCE_MSG);
        check_str(kube_check_extended_resource("requests.cpu"), RESOURCE_MSG);
}

static void
test_resource_hugepages(void)
{
        check(kube_check_extended_resource("hugepages-2Mi") == NULL);
        check(kube_check_extended_resource("hugepages-1Gi") == NULL);
        check(kube_check_extended_resource("hugepages-64Ki") == NULL);
        check(kube_check_extended_resource("hugepages-2097152") == NULL);
        check_str(kube_check_extended_resource("hugepages-"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-0"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-0Mi"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-1.5"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-500m"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages--2Mi"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-2MB"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-big"), HUGEPAGES_MSG);
        check_str(kube_check_extended_resource("hugepages-+2Mi"), HUGEPAGES_MSG);
}

static void
test_resource_extended(void)
{
        char *p244 = dotted(10, 244), *p245 = dotted(10, 245);
        char *ok = concat(p244, "/gpu"), *bad = concat(p245, "/gpu");

        check(kube_check_extended_resource("nvidia.com/gpu") == NULL);
        check(kube_check_extended_resource("example.com/foo_Bar.1") == NULL);
        check(kube_check_extended_resource("amd.com/gpu") == NULL);
        check(kube_check_extended_resource("devices.kubevirt.io/kvm") == NULL);
        check_str(kube_check_extended_resource("nvidia.com/"), EXT_RESOURCE_MSG);
        check_str(kube_check_extended_resource("/gpu"), EXT_RESOURCE_MSG);
        check_str(kube_check_extended_resource("Nvidia.com/gpu"), EXT_RESOURCE_MSG);
        check_str(kube_check_extended_resource("nvidia.com/g pu"), EXT_RESOURCE_MSG);
        check_str(kube_check_extended_resource("a/b/c"), EXT_RESOURCE_MSG);
        check_str(kube_check_extended_resource("requests.example.com/gpu"),
                  "an extended resource name not starting with 'requests.'");
        check_str(kube_check_extended_resource("kubernetes.io/gpu"),
                  "an extended resource name outside the kubernetes.io domain");
        check_str(kube_check_extended_resource("example.kubernetes.io/gpu"),
                  "an extended resource name outside the kubernetes.io domain");
        check_str(kube_check_extended_resource("notkubernetes.io/gpu"),
                  "an extended resource name outside the kubernetes.io domain");
        check(kube_check_extended_resource("kubernetes.io.example.com/gpu") == NULL);
        check(kube_check_extended_resource(ok) == NULL);
        check_str(kube_check_extended_resource(bad),
                  "at most 244 characters before the '/' (an extended resource name)");
        free(p244);
        free(p245);
        free(ok);
        free(bad);
}

int
main(void)
{
        RUN(test_label_valid);
        RUN(test_label_invalid);
        RUN(test_label_dots);
        RUN(test_label_length);
        RUN(test_subdomain_valid);
        RUN(test_subdomain_invalid);
        RUN(test_subdomain_length);
        RUN(test_qualified_name_valid);
        RUN(test_qualified_name_invalid);
        RUN(test_qualified_name_prefix);
        RUN(test_qualified_name_length);
        RUN(test_label_value);
        RUN(test_port_name_valid);
        RUN(test_port_name_invalid);
        RUN(test_env_var_name);
        RUN(test_config_key);
        RUN(test_ip);
        RUN(test_sysctl_name);
        RUN(test_capability);
        RUN(test_capability_full_list);
        RUN(test_relative_path);
        RUN(test_item_path);
        RUN(test_absolute_path);
        RUN(test_resource_standard);
        RUN(test_resource_hugepages);
        RUN(test_resource_extended);
        return check_done();
}
