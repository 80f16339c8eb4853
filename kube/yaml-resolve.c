/*
 * kube/yaml-resolve.c: what a plain YAML scalar means, the way go-yaml v2
 * (under sigs.k8s.io/yaml, under kubectl and podman) reads it: YAML 1.1
 * booleans (yes/no/on/off), nulls, Go-style integers (0x, 0o, 0b, leading-0
 * octal, '_' separators) and floats. Integral floats become integers, as
 * they do once sigs.k8s.io/yaml has gone through JSON.
 */
#include "yaml.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

static const char *const yaml_true[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                        "True", "TRUE", "on",  "On",  "ON"};
static const char *const yaml_false[] = {"n",     "N",     "no",  "No",  "NO", "false",
                                         "False", "FALSE", "off", "Off", "OFF"};
static const char *const yaml_null[] = {"", "~", "null", "Null", "NULL"};
static const char *const yaml_nan_inf[] = {".nan",  ".NaN",  ".NAN",  ".inf",  ".Inf",  ".INF",
                                           "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"};

static bool
in_list(const char *s, size_t len, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
                        return true;
        return false;
}

static int
digit_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return 99;
}

/*
 * Go's strconv.ParseUint(s, 0, 64) on an unsigned digit string: 0 and the
 * value, -EINVAL when not a number, -ERANGE when too large.
 */
static int
parse_go_uint(const char *s, uint64_t *ret)
{
        unsigned base = 10;
        uint64_t v = 0;

        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                base = 16;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
                base = 8;
                s += 2;
        } else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
                base = 2;
                s += 2;
        } else if (s[0] == '0' && s[1] != '\0') {
                base = 8;
                s += 1;
        }
        if (*s == '\0')
                return -EINVAL;
        for (; *s; s++) {
                unsigned d = (unsigned)digit_value(*s);
                if (d >= base)
                        return -EINVAL;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        *ret = v;
        return 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *s)
{
        const char *p = s;
        size_t n;

        if (*p == '-' || *p == '+')
                p++;
        if (*p == '.') {
                p++;
                n = strspn(p, "0123456789");
                if (n == 0)
                        return false;
                p += n;
        } else {
                n = strspn(p, "0123456789");
                if (n == 0)
                        return false;
                p += n;
                if (*p == '.') {
                        p++;
                        p += strspn(p, "0123456789");
                }
        }
        if (*p == 'e' || *p == 'E') {
                p++;
                if (*p == '-' || *p == '+')
                        p++;
                n = strspn(p, "0123456789");
                if (n == 0)
                        return false;
                p += n;
        }
        return *p == '\0';
}

static json_t *
number_from_double(double d)
{
        if (!isfinite(d)) {
                errno = ERANGE;
                return NULL;
        }
        if (d == floor(d) && fabs(d) < 9.2e18)
                return json_integer((json_int_t)d);
        return json_real(d);
}

static json_t *
resolve_number(const char *in)
{
        _cleanup_free_ char *plain = NULL;
        const char *digits;
        bool neg = false;
        uint64_t u;
        char *q;
        int r;

        plain = malloc(strlen(in) + 1);
        if (!plain)
                return NULL;
        q = plain;
        for (const char *p = in; *p; p++)
                if (*p != '_')
                        *q++ = *p;
        *q = '\0';

        digits = plain;
        if (*digits == '+' || *digits == '-') {
                neg = *digits == '-';
                digits++;
        }
        r = parse_go_uint(digits, &u);
        if (r == 0) {
                if (!neg && u <= INT64_MAX)
                        return json_integer((json_int_t)u);
                if (neg && u <= (uint64_t)INT64_MAX + 1)
                        return json_integer(u == (uint64_t)INT64_MAX + 1 ? INT64_MIN
                                                                         : -(json_int_t)u);
                /* ParseUint takes what ParseInt could not hold, but no sign */
                if (plain[0] != '+' && plain[0] != '-')
                        return json_real((double)u);
        }
        if (yaml_style_float(plain))
                return number_from_double(strtod(plain, NULL));
        return json_stringn(in, strlen(in));
}

json_t *
yaml_resolve_plain(const char *s, size_t len)
{
        _cleanup_free_ char *z = NULL;
        char c = len ? s[0] : 'N';

        if (c == 'y' || c == 'Y' || c == 't' || c == 'T' || c == 'o' || c == 'O' || c == 'n' ||
            c == 'N' || c == 'f' || c == 'F' || c == '~' || len == 0) {
                if (in_list(s, len, yaml_true, ELEMENTSOF(yaml_true)))
                        return json_true();
                if (in_list(s, len, yaml_false, ELEMENTSOF(yaml_false)))
                        return json_false();
                if (in_list(s, len, yaml_null, ELEMENTSOF(yaml_null)))
                        return json_null();
                return json_stringn(s, len);
        }
        if (c != '.' && c != '+' && c != '-' && !(c >= '0' && c <= '9'))
                return json_stringn(s, len);
        if (in_list(s, len, yaml_nan_inf, ELEMENTSOF(yaml_nan_inf))) {
                errno = ERANGE; /* JSON has no NaN or infinity: Kubernetes refuses them too */
                return NULL;
        }
        if (memchr(s, '\0', len))
                return json_stringn(s, len);
        z = strndup(s, len);
        if (!z)
                return NULL;
        if (c == '.') {
                /* go-yaml tries strconv.ParseFloat on the text as it is */
                if (strchr(z, '_') == NULL && yaml_style_float(z))
                        return number_from_double(strtod(z, NULL));
                return json_stringn(s, len);
        }
        return resolve_number(z);
}
