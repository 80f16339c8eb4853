/* tests/unit/kube/test-quantity.c: resource.Quantity parsing, rounding and comparison */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "kube/quantity.h"

/* Value() of s, or a sentinel when s does not parse */
static int64_t
value_of(const char *s)
{
        struct kube_quantity q;

        if (kube_quantity_parse(s, &q) < 0)
                return INT64_C(-999999);
        return kube_quantity_value(&q);
}

static int64_t
milli_of(const char *s)
{
        struct kube_quantity q;

        if (kube_quantity_parse(s, &q) < 0)
                return INT64_C(-999999);
        return kube_quantity_milli(&q);
}

static bool
parses(const char *s)
{
        struct kube_quantity q;

        return kube_quantity_parse(s, &q) == 0;
}

/* cmp of two quantities that must parse; 99 when one does not */
static int
cmp_of(const char *a, const char *b)
{
        struct kube_quantity qa, qb;
        int c;

        if (kube_quantity_parse(a, &qa) < 0 || kube_quantity_parse(b, &qb) < 0)
                return 99;
        c = kube_quantity_cmp(&qa, &qb);
        return c < 0 ? -1 : c > 0 ? 1 : 0;
}

static bool
is_integer(const char *s)
{
        struct kube_quantity q;

        return kube_quantity_parse(s, &q) == 0 && kube_quantity_is_integer(&q);
}

static void
test_plain_integers(void)
{
        check(value_of("0") == 0);
        check(value_of("1") == 1);
        check(value_of("42") == 42);
        check(value_of("007") == 7);
        check(value_of("+5") == 5);
        check(value_of("-1") == -1);
        check(milli_of("1") == 1000);
        check(milli_of("-1") == -1000);
        check(value_of("9223372036854775807") == INT64_MAX);
        check(value_of("-9223372036854775808") == INT64_MIN);
}

static void
test_decimal_suffixes(void)
{
        check(milli_of("500m") == 500);
        check(value_of("500m") == 1);
        check(value_of("1k") == 1000);
        check(value_of("1M") == 1000000);
        check(value_of("1G") == 1000000000);
        check(value_of("1T") == INT64_C(1000000000000));
        check(value_of("1P") == INT64_C(1000000000000000));
        check(value_of("1E") == INT64_C(1000000000000000000));
        check(milli_of("1u") == 1);
        check(milli_of("1000u") == 1);
        check(milli_of("1001u") == 2);
        check(milli_of("100n") == 1);
        check(value_of("100n") == 1);
        check(milli_of("1000000n") == 1);
}

static void
test_binary_suffixes(void)
{
        check(value_of("1Ki") == 1024);
        check(value_of("1Mi") == 1048576);
        check(value_of("1Gi") == 1073741824);
        check(value_of("1Ti") == INT64_C(1099511627776));
        check(value_of("1Pi") == INT64_C(1125899906842624));
        check(value_of("1Ei") == INT64_C(1152921504606846976));
        check(value_of("1.5Gi") == 1610612736);
        check(value_of("0.5Ki") == 512);
        check(value_of("128Mi") == 134217728);
        check(milli_of("1Ki") == 1024000);
        check(is_integer("1.5Gi"));
        check(!is_integer("0.5i") && !parses("0.5i"));
}

static void
test_exponents(void)
{
        check(value_of("1e3") == 1000);
        check(value_of("1E3") == 1000);
        check(value_of("1e+3") == 1000);
        check(value_of("1e0") == 1);
        check(value_of("1e-0") == 1);
        check(milli_of("12E-3") == 12);
        check(milli_of("12e-4") == 2);
        check(value_of("1.5e1") == 15);
        check(value_of("5.e3") == 5000);
        check(value_of(".5e1") == 5);
        check(value_of("1e007") == 10000000);
        check(value_of("-1e3") == -1000);
}

static void
test_fractions(void)
{
        check(milli_of("0.1") == 100);
        check(milli_of(".5") == 500);
        check(milli_of("+.5") == 500);
        check(milli_of("-.5") == -500);
        check(value_of("1.") == 1);
        check(milli_of("1.") == 1000);
        check(value_of("1.G") == 1000000000);
        check(milli_of("0.0001") == 1);
        check(milli_of("1.0001") == 1001);
        check(milli_of("2.5m") == 3);
        check(value_of("1.1") == 2);
        check(value_of("0.000000001") == 1);
        check(value_of("100.035k") == 100035);
        check(milli_of("0.001") == 1);
        check(milli_of(".001") == 1);
        check(milli_of(".0001k") == 100);
}

static void
test_negative_rounding(void)
{
        /* like int64Amount.AsScaledInt64(): a fraction rounds away from zero */
        check(value_of("-1.1") == -2);
        check(value_of("-9.01") == -10);
        check(value_of("-500m") == -1);
        check(milli_of("-100n") == -1);
        check(milli_of("-1.5m") == -2);
}

static void
test_zero(void)
{
        struct kube_quantity q;

        check(kube_quantity_parse("0", &q) == 0 && kube_quantity_is_zero(&q));
        check(kube_quantity_parse("-0", &q) == 0 && kube_quantity_is_zero(&q) && !q.negative);
        check(kube_quantity_parse("0.000", &q) == 0 && kube_quantity_is_zero(&q));
        check(kube_quantity_parse("0Gi", &q) == 0 && kube_quantity_is_zero(&q));
        check(kube_quantity_parse("0e99", &q) == 0 && kube_quantity_is_zero(&q));
        check(kube_quantity_parse("0e-9223372036854775808", &q) == 0 && kube_quantity_is_zero(&q));
        check(q.mant == 0 && q.exp10 == 0 && q.exp2 == 0);
        check(kube_quantity_parse("1n", &q) == 0 && !kube_quantity_is_zero(&q));
        check(kube_quantity_parse("0.0000000001", &q) == 0 && !kube_quantity_is_zero(&q));
        check(value_of("-0") == 0 && milli_of("0m") == 0);
        check(cmp_of("0", "-0") == 0);
        check(cmp_of("0", "0Ki") == 0);
}

static void
test_is_integer(void)
{
        check(is_integer("1"));
        check(is_integer("0"));
        check(is_integer("1000m"));
        check(is_integer("1.000"));
        check(is_integer("1.5k"));
        check(is_integer("1e3"));
        check(is_integer("-2"));
        check(is_integer("12345678901234567890123"));
        check(!is_integer("500m"));
        check(!is_integer("1.5"));
        check(!is_integer("1n"));
        check(!is_integer("1e-3"));
        check(!is_integer("-0.5"));
        check(!is_integer("0.001Ki"));
}

static void
test_compare(void)
{
        check(cmp_of("1Gi", "1G") > 0);
        check(cmp_of("1G", "1Gi") < 0);
        check(cmp_of("1000m", "1") == 0);
        check(cmp_of("1", "1000m") == 0);
        check(cmp_of("1k", "1e3") == 0);
        check(cmp_of("1Ki", "1024") == 0);
        check(cmp_of("1Mi", "1024Ki") == 0);
        check(cmp_of("0.5Ki", "512") == 0);
        check(cmp_of("1.5Gi", "1536Mi") == 0);
        check(cmp_of("100m", "0.1") == 0);
        check(cmp_of("999m", "1") < 0);
        check(cmp_of("1001m", "1") > 0);
        check(cmp_of("-1", "1") < 0);
        check(cmp_of("-1", "0") < 0);
        check(cmp_of("0", "-1") > 0);
        check(cmp_of("-2", "-1") < 0);
        check(cmp_of("-1Gi", "-1G") < 0);
        check(cmp_of("1n", "0") > 0);
        check(cmp_of("1e18", "1E") == 0);
        check(cmp_of("1e-9", "1n") == 0);
        check(cmp_of("1e40", "1e39") > 0);
        check(cmp_of("1e100", "1") > 0);
        check(cmp_of("1", "1e100") < 0);
        check(cmp_of("123456789e-3", "123456.789") == 0);
        check(cmp_of("7Ei", "8E") > 0);
}

static void
test_compare_exact(void)
{
        /* values that a double would confuse */
        check(cmp_of("9007199254740993", "9007199254740992") > 0);
        check(cmp_of("1000000000000000001m", "1000000000000000") > 0);
        check(cmp_of("1000000000000000000m", "1000000000000000") == 0);
        check(cmp_of("0.1", "0.1000000001") < 0);
        check(cmp_of("1Ei", "1152921504606846976") == 0);
        check(cmp_of("1Ei", "1152921504606846977") < 0);
        check(cmp_of("1Ei", "1152921504606846975") > 0);
        check(cmp_of("0.1Ki", "102.4") == 0);
        check(cmp_of("1.1Gi", "1181116006.4") == 0);
        check(cmp_of("1.1Gi", "1181116006.400000001") < 0);
}

static void
test_nano_rounding(void)
{
        /* ParseQuantity() rounds magnitudes up to whole nanos */
        check(cmp_of("0.1n", "1n") == 0);
        check(cmp_of("1.5n", "2n") == 0);
        check(cmp_of("-0.1n", "-1n") == 0);
        check(cmp_of("1e-100", "1n") == 0);
        check(cmp_of("0.000000000001Ki", "2n") == 0);
        check(cmp_of("1.0000000001", "1.000000001") == 0);
        check(cmp_of("0.9999999999", "1") == 0);
        check(is_integer("0.9999999999"));
        check(milli_of("1e-100") == 1);
        check(value_of("1e-100") == 1);
        check(value_of("-1e-100") == -1);
}

static void
test_many_digits(void)
{
        struct kube_quantity q;

        /* 19 digits fit exactly */
        check(value_of("1234567890123456789") == INT64_C(1234567890123456789));
        check(kube_quantity_parse("1234567890123456789", &q) == 0);
        check(q.mant == UINT64_C(1234567890123456789) && q.exp10 == 0);
        /* past 19, digits go and the mantissa rounds up */
        check(kube_quantity_parse("12345678901234567890", &q) == 0);
        check(q.mant == UINT64_C(1234567890123456789) && q.exp10 == 1);
        check(kube_quantity_parse("12345678901234567891", &q) == 0);
        check(q.mant == UINT64_C(123456789012345679) && q.exp10 == 2);
        check(kube_quantity_parse("99999999999999999999", &q) == 0);
        check(q.mant == 1 && q.exp10 == 20);
        check(kube_quantity_parse("1.0000000000000000000000001", &q) == 0);
        check(cmp_of("1.0000000000000000000000001", "1") > 0);
        check(value_of("000000000000000000000000000000001") == 1);
        check(value_of("1.00000000000000000000000000000000") == 1);
        check(milli_of("0.00000000000000000000000000000001") == 1);
        check(value_of("123456789012345678901234567890") == INT64_MAX);
        check(value_of("-123456789012345678901234567890") == INT64_MIN);
}

static void
test_saturation(void)
{
        check(value_of("9223372036854775808") == INT64_MAX);
        check(value_of("-9223372036854775809") == INT64_MIN);
        check(milli_of("9223372036854775807") == INT64_MAX);
        check(milli_of("9223372036854775.807") == INT64_MAX);
        check(milli_of("9223372036854775.808") == INT64_MAX);
        check(milli_of("-9223372036854775.808") == INT64_MIN);
        check(milli_of("-9223372036854775.809") == INT64_MIN);
        check(milli_of("9223372036854775.806") == INT64_C(9223372036854775806));
        check(value_of("1e19") == INT64_MAX);
        check(value_of("1e18") == INT64_C(1000000000000000000));
        check(value_of("1e1000") == INT64_MAX);
        check(value_of("-1e1000") == INT64_MIN);
        check(value_of("1e9223372036854775807") == INT64_MAX);
        check(milli_of("1E") == INT64_MAX);
        check(milli_of("9P") == INT64_C(9000000000000000000));
        check(milli_of("10P") == INT64_MAX);
        /* binary values are capped at parse, like maxAllowed */
        check(value_of("7Ei") == INT64_C(8070450532247928832));
        check(value_of("8Ei") == INT64_MAX);
        check(value_of("-8Ei") == -INT64_MAX);
        check(value_of("9223372036854775807Ki") == INT64_MAX);
        check(cmp_of("8Ei", "9Ei") == 0);
        check(cmp_of("8Ei", "9223372036854775807") == 0);
        check(cmp_of("1e19", "8Ei") > 0);
}

static void
test_huge_exponents(void)
{
        /* strconv.ParseInt() range for the exponent */
        check(parses("1e9223372036854775807"));
        check(parses("1e-9223372036854775808"));
        check(!parses("1e9223372036854775808"));
        check(!parses("1e-9223372036854775809"));
        check(!parses("1e99999999999999999999"));
        check(cmp_of("1e9223372036854775807", "1e1000") > 0);
        check(cmp_of("1e-9223372036854775808", "1n") == 0);
}

static void
test_invalid(void)
{
        static const char *const bad[] = {
                "",      "+",     "-",      ".",      "+.",    "-.",      "Gi",    "Ki",    "m",
                "k",     "e3",    "E",      "1 Gi",   " 1",    "1 ",      "1KB",   "1K",    "1ki",
                "1KI",   "1KiB",  "1Zi",    "1Z",     "1i",    ".5i",     "0.1mi", "0.1am", "1.2.3",
                "1..5",  "1.1.M", "1+1.0M", "1Gi5",   "1M1",   "1Mii",    "1kk",   "1Ki.",  "1KiKi",
                "1x",    "0x10",  "1e",     "1e+",    "1e-",   "-3.01e-", "1e1.5", "1e.5",  "1e3k",
                "1E3Ki", "1e+-3", "1-",     "++1",    "--1",   "+-1",     "1,5",   "1_000", "1/2",
                "Inf",   "NaN",   "aoeu",   "-3.01i", "1e10e", "1.1Ki5",  "1\t",   "\n1",   "1ee3",
                "1EE",   "1µ",    "１",     "1mm",    "1nn",   "1Ee3",
        };
        struct kube_quantity q = {.mant = 77};

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                int r = kube_quantity_parse(bad[i], &q);

                if (r != -EINVAL)
                        fprintf(stderr, "  parsed unexpectedly: \"%s\"\n", bad[i]);
                check(r == -EINVAL);
        }
        /* *ret is left alone on failure */
        check(q.mant == 77);
}

static void
test_valid_spellings(void)
{
        static const char *const good[] = {
                "0",    "1",    "+1",    "-1",  "1.",  ".1",  "+.1",   "-1.",  "1.5",   "1n",
                "1u",   "1m",   "1k",    "1M",  "1G",  "1T",  "1P",    "1E",   "1Ki",   "1Mi",
                "1Gi",  "1Ti",  "1Pi",   "1Ei", "1e3", "1E3", "1e+3",  "1e-3", "1E-3",  "1.e3",
                ".5e1", "1.Gi", "0.5Gi", "00",  "0.0", "1.G", "12E-3", "1e0",  "-0.5m", "100.035Ki",
        };

        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                if (!parses(good[i]))
                        fprintf(stderr, "  did not parse: \"%s\"\n", good[i]);
                check(parses(good[i]));
        }
}

static void
test_representation(void)
{
        struct kube_quantity q;

        check(kube_quantity_parse("1.5Gi", &q) == 0);
        check(!q.negative && q.mant == 15 && q.exp10 == -1 && q.exp2 == 30);
        check(kube_quantity_parse("-500m", &q) == 0);
        check(q.negative && q.mant == 5 && q.exp10 == -1 && q.exp2 == 0);
        check(kube_quantity_parse("1000", &q) == 0);
        check(q.mant == 1 && q.exp10 == 3);
        check(kube_quantity_parse("0.1n", &q) == 0);
        check(q.mant == 1 && q.exp10 == -9 && q.exp2 == 0);
        check(kube_quantity_parse("8Ei", &q) == 0);
        check(q.mant == (uint64_t)INT64_MAX && q.exp10 == 0 && q.exp2 == 0);
}

static void
test_hand_built(void)
{
        /* structs not made by the parser still compare and convert sanely */
        struct kube_quantity a = {.mant = 5}, b = {.mant = 50, .exp10 = -1};
        struct kube_quantity neg_zero = {.negative = true}, tiny = {.mant = 1, .exp10 = INT32_MIN};
        struct kube_quantity big = {.mant = UINT64_MAX, .exp10 = INT32_MAX, .exp2 = 60};

        check(kube_quantity_cmp(&a, &b) == 0);
        check(kube_quantity_cmp(&neg_zero, &(struct kube_quantity){0}) == 0);
        check(kube_quantity_value(&neg_zero) == 0);
        check(kube_quantity_value(&tiny) == 1);
        check(kube_quantity_milli(&tiny) == 1);
        check(!kube_quantity_is_integer(&tiny));
        check(kube_quantity_value(&big) == INT64_MAX);
        check(kube_quantity_cmp(&big, &tiny) > 0);
        check(kube_quantity_cmp(&tiny, &big) < 0);
}

int
main(void)
{
        RUN(test_plain_integers);
        RUN(test_decimal_suffixes);
        RUN(test_binary_suffixes);
        RUN(test_exponents);
        RUN(test_fractions);
        RUN(test_negative_rounding);
        RUN(test_zero);
        RUN(test_is_integer);
        RUN(test_compare);
        RUN(test_compare_exact);
        RUN(test_nano_rounding);
        RUN(test_many_digits);
        RUN(test_saturation);
        RUN(test_huge_exponents);
        RUN(test_invalid);
        RUN(test_valid_spellings);
        RUN(test_representation);
        RUN(test_hand_built);
        return check_done();
}
