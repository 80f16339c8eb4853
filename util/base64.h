/*
 * util/base64.h: standard base64 (RFC 4648, '+' and '/', '=' padding
 * required) decoded the way Go's base64.StdEncoding decodes it, which is how
 * Kubernetes reads Secret data: '\r' and '\n' are skipped anywhere, even
 * between the two '='; anything else outside the alphabet, missing or
 * misplaced padding, or data after the padding is an error. Like StdEncoding
 * (not its Strict() form), the unused low bits of the last character need
 * not be zero ("Zh==" is "f").
 */
#pragma once

#include <stddef.h>

/*
 * Decode in[0..len) into a new buffer, *ret, of *ret_len bytes, followed by
 * a NUL that *ret_len does not count; the caller frees it. Returns 0,
 * -EINVAL when in is not base64, -ENOMEM. On failure *ret and *ret_len are
 * untouched. in need not be NUL-terminated; a NUL in it is an error.
 */
int base64_decode(const char *in, size_t len, unsigned char **ret, size_t *ret_len);

/*
 * Validate in[0..len) as base64_decode() would, and set *ret_len (when not
 * NULL) to the decoded length, without allocating. Returns 0 or -EINVAL.
 */
int base64_decoded_check(const char *in, size_t len, size_t *ret_len);

/* Standard base64 with '=' padding, NUL-terminated; NULL when out of memory. */
char *base64_encode(const void *in, size_t len);
