/* storage/rfc3339.h: RFC 3339 timestamps, as registries and image configs write them */
#pragma once

#include <stdint.h>

/*
 * Parse "2024-05-01T12:30:00Z", "2024-05-01T12:30:00.123456789+02:00" (the
 * form Go's time.Time reads from JSON: date, 'T', time, optional fraction,
 * 'Z' or a numeric offset) into seconds since the epoch, UTC; the fraction
 * is checked and dropped. Returns 0 or -EINVAL; *ret is untouched on failure.
 */
int rfc3339_parse(const char *s, int64_t *ret);
