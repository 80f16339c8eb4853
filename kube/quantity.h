/*
 * kube/quantity.h: Kubernetes' resource.Quantity ("500m", "1Gi", "1e3"),
 * parsed and compared exactly, without floating point.
 *
 * The grammar is the one Quantity documents, with the suffixes its parser
 * takes:
 *         [+-] ( digits [ '.' [digits] ] | '.' digits ) [ suffix ]
 *         suffix: Ki Mi Gi Ti Pi Ei | n u m k M G T P E | (e|E) [+-] digits
 * ("1." and ".5" are quantities; "1KB", "1 Gi", "1.2.3", "1Gi5" are not).
 * The exponent must fit in 64 bits, as strconv.ParseInt() has it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "kube.h" /* struct kube_quantity */

/*
 * struct kube_quantity (kube.h) as kube_quantity_parse() fills it in:
 * the value is (negative ? -1 : 1) * mant * 10^exp10 * 2^exp2, already
 * rounded the way ParseQuantity() rounds: a magnitude that is not a whole
 * number of nanos goes up to the next one ("0.1n" is 1n), and binary-suffixed
 * values are capped at INT64_MAX in magnitude ("8Ei" is 2^63-1). Zero is
 * always {false, 0, 0, 0}. exp2 is 0 or the binary suffix's 10..60.
 */

/*
 * 0 with *ret filled in, or -EINVAL when s is not a quantity (*ret is
 * then untouched). Mantissas of more than 19 significant digits keep 19,
 * rounded up in magnitude, and exponents are held to +-2^30; beyond those
 * the values saturate in kube_quantity_value() anyway.
 */
int kube_quantity_parse(const char *s, struct kube_quantity *ret);

/* <0, 0 or >0 as a is less than, equal to or greater than b; exact. */
int kube_quantity_cmp(const struct kube_quantity *a, const struct kube_quantity *b);

/*
 * Quantity.Value(): the value as an integer, a fraction rounded away from
 * zero (1.1 is 2, -1.1 is -2), saturating at INT64_MAX and INT64_MIN.
 */
int64_t kube_quantity_value(const struct kube_quantity *q);

/* Quantity.MilliValue(): value * 1000, rounded and saturating the same way. */
int64_t kube_quantity_milli(const struct kube_quantity *q);

bool kube_quantity_is_zero(const struct kube_quantity *q);

/* Whether the value has no fractional part ("1.5Gi" has none, "1.5" has one). */
bool kube_quantity_is_integer(const struct kube_quantity *q);
