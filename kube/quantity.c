/*
 * kube/quantity.c: resource.Quantity in 64-bit mantissas and 128-bit
 * intermediates. A magnitude is mant << exp2 (below 2^124) times 10^exp10,
 * and 10^38 is the largest power of ten under 2^128: every step below
 * either fits or is decided without multiplying.
 */
#include "kube/quantity.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Far past every saturation point, and far enough from INT32_MAX to add small scales to. */
#define EXP10_LIMIT (INT64_C(1) << 30)
/* A suffix exponent beyond this cannot come back into range by the digits' count. */
#define SUFFIX_EXP_LIMIT (INT64_C(1) << 40)
/* 10^18: a mantissa below it has room for one more digit within 19 */
#define MANT_ROOM UINT64_C(1000000000000000000)
#define POW10_U128_MAX 38
/* ParseQuantity() rounds to this scale (inf.Dec at scale 9, RoundUp) */
#define NANO_EXP10 (-9)

static unsigned __int128
pow10_u128(unsigned k)
{
        unsigned __int128 r = 1;

        while (k--)
                r *= 10;
        return r;
}

static unsigned __int128
magnitude(const struct kube_quantity *q)
{
        return (unsigned __int128)q->mant << q->exp2;
}

/* Compare a * 10^ea with b * 10^eb, for a and b below 2^125. */
static int
cmp_scaled(unsigned __int128 a, int64_t ea, unsigned __int128 b, int64_t eb)
{
        unsigned __int128 p, q, r;
        int64_t d;

        if (a == 0 || b == 0)
                return (a != 0) - (b != 0);
        if (ea < eb)
                return -cmp_scaled(b, eb, a, ea);
        /* a >= 1 and 10^39 > 2^128 > b */
        d = ea - eb;
        if (d > POW10_U128_MAX)
                return 1;
        /* a * 10^d against b, without the product: compare a with b / 10^d */
        p = pow10_u128((unsigned)d);
        q = b / p;
        r = b % p;
        if (a != q)
                return a > q ? 1 : -1;
        return r ? -1 : 0;
}

/* ceil(m / 10^k) for m > 0 */
static unsigned __int128
div_pow10_up(unsigned __int128 m, int64_t k)
{
        unsigned __int128 p;

        if (k > POW10_U128_MAX)
                return 1;
        p = pow10_u128((unsigned)k);
        return m / p + (m % p != 0);
}

static int
parse_exponent(const char *p, int64_t *ret)
{
        bool negative = false;
        uint64_t v = 0, max;

        if (*p == '+' || *p == '-')
                negative = *p++ == '-';
        /* strconv.ParseInt(s, 10, 64): the exponent must fit in an int64 */
        max = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                if (v > (max - (unsigned)(*p - '0')) / 10)
                        return -EINVAL;
                v = v * 10 + (unsigned)(*p - '0');
        }
        if (v > (uint64_t)SUFFIX_EXP_LIMIT)
                v = (uint64_t)SUFFIX_EXP_LIMIT;
        *ret = negative ? -(int64_t)v : (int64_t)v;
        return 0;
}

/* The suffix at p, which ends the string, into powers of ten and two. */
static int
parse_suffix(const char *p, int64_t *exp10, int32_t *ret_exp2)
{
        static const char binary[] = "KMGTPE";
        const char *b;
        int64_t e;
        int r;

        if (!*p)
                return 0;
        if (p[1] == 'i' && !p[2] && (b = strchr(binary, *p))) {
                *ret_exp2 = (int32_t)(10 * (b - binary + 1));
                return 0;
        }
        if (!p[1]) {
                /* "E" alone is exa; an exponent needs digits */
                switch (*p) {
                case 'n':
                        *exp10 -= 9;
                        return 0;
                case 'u':
                        *exp10 -= 6;
                        return 0;
                case 'm':
                        *exp10 -= 3;
                        return 0;
                case 'k':
                        *exp10 += 3;
                        return 0;
                case 'M':
                        *exp10 += 6;
                        return 0;
                case 'G':
                        *exp10 += 9;
                        return 0;
                case 'T':
                        *exp10 += 12;
                        return 0;
                case 'P':
                        *exp10 += 15;
                        return 0;
                case 'E':
                        *exp10 += 18;
                        return 0;
                default:
                        return -EINVAL;
                }
        }
        if (*p != 'e' && *p != 'E')
                return -EINVAL;
        r = parse_exponent(p + 1, &e);
        if (r < 0)
                return r;
        *exp10 += e;
        return 0;
}

int
kube_quantity_parse(const char *s, struct kube_quantity *ret)
{
        struct kube_quantity q = {0};
        const char *p = s;
        uint64_t mant = 0;
        int64_t exp10 = 0;
        int32_t exp2 = 0;
        bool digits = false, frac = false, dropped = false;
        int r;

        if (*p == '+' || *p == '-')
                q.negative = *p++ == '-';
        for (;; p++) {
                unsigned d;

                if (*p == '.' && !frac) {
                        frac = true;
                        continue;
                }
                if (*p < '0' || *p > '9')
                        break;
                digits = true;
                d = (unsigned)(*p - '0');
                if (mant < MANT_ROOM) {
                        mant = mant * 10 + d;
                        if (frac)
                                exp10--;
                } else {
                        /* past 19 digits: keep the place, remember to round up */
                        if (d)
                                dropped = true;
                        if (!frac)
                                exp10++;
                }
        }
        /* The grammar's <number> has a digit; Go's scanner would take "Gi" or "." as 0. */
        if (!digits)
                return -EINVAL;
        r = parse_suffix(p, &exp10, &exp2);
        if (r < 0)
                return r;

        if (mant == 0) {
                *ret = (struct kube_quantity){0};
                return 0;
        }
        if (dropped)
                mant++; /* at most 10^19, still in range */
        while (mant % 10 == 0) {
                mant /= 10;
                exp10++;
        }

        /* ParseQuantity() caps binary-suffixed values at maxAllowed (INT64_MAX). */
        if (exp2 && cmp_scaled((unsigned __int128)mant << exp2, exp10, INT64_MAX, 0) > 0) {
                q.mant = INT64_MAX;
                *ret = q;
                return 0;
        }

        /* ...and rounds every magnitude up to whole nanos ("0.1n" is 1n). */
        if (exp10 < NANO_EXP10) {
                unsigned __int128 m = (unsigned __int128)mant << exp2;

                m = div_pow10_up(m, NANO_EXP10 - exp10);
                exp10 = NANO_EXP10;
                exp2 = 0;
                /* a binary value times 10^9 can pass 2^64: keep 19 or 20 digits, rounded up */
                while (m > UINT64_MAX) {
                        m = m / 10 + (m % 10 != 0);
                        exp10++;
                }
                mant = (uint64_t)m;
                while (mant % 10 == 0) {
                        mant /= 10;
                        exp10++;
                }
        }
        if (exp10 > EXP10_LIMIT)
                exp10 = EXP10_LIMIT;

        q.mant = mant;
        q.exp10 = (int32_t)exp10;
        q.exp2 = exp2;
        *ret = q;
        return 0;
}

static int
sign_of(const struct kube_quantity *q)
{
        if (q->mant == 0)
                return 0;
        return q->negative ? -1 : 1;
}

int
kube_quantity_cmp(const struct kube_quantity *a, const struct kube_quantity *b)
{
        int sa = sign_of(a), sb = sign_of(b), c;

        if (sa != sb)
                return sa < sb ? -1 : 1;
        if (sa == 0)
                return 0;
        c = cmp_scaled(magnitude(a), a->exp10, magnitude(b), b->exp10);
        return sa < 0 ? -c : c;
}

/* ceil(|q| * 10^scale), away from zero for negatives, saturating: ScaledValue() */
static int64_t
scaled_value(const struct kube_quantity *q, int scale)
{
        unsigned __int128 m = magnitude(q), limit, mag;
        int64_t e = (int64_t)q->exp10 + scale;

        if (m == 0)
                return 0;
        limit = q->negative ? (unsigned __int128)INT64_MAX + 1 : INT64_MAX;
        if (e < 0) {
                mag = div_pow10_up(m, -e);
        } else if (e > POW10_U128_MAX) {
                mag = limit;
        } else {
                unsigned __int128 p = pow10_u128((unsigned)e);

                mag = m > limit / p ? limit : m * p;
        }
        if (mag > limit)
                mag = limit;
        if (!q->negative)
                return (int64_t)mag;
        /* -(2^63) without overflowing on the way */
        return -(int64_t)(mag - 1) - 1;
}

int64_t
kube_quantity_value(const struct kube_quantity *q)
{
        return scaled_value(q, 0);
}

int64_t
kube_quantity_milli(const struct kube_quantity *q)
{
        return scaled_value(q, 3);
}

bool
kube_quantity_is_zero(const struct kube_quantity *q)
{
        return q->mant == 0;
}

bool
kube_quantity_is_integer(const struct kube_quantity *q)
{
        unsigned __int128 m = magnitude(q);

        if (m == 0 || q->exp10 >= 0)
                return true;
        if (-(int64_t)q->exp10 > POW10_U128_MAX)
                return false;
        return m % pow10_u128((unsigned)-q->exp10) == 0;
}
