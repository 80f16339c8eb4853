/* util/utf8.h: UTF-8 validation */
#pragma once

#include <stddef.h>

/*
 * The offset of the first byte that does not start a valid UTF-8 sequence
 * (overlong forms, surrogates and code points past U+10FFFF are invalid),
 * or len when all of s is valid.
 */
size_t utf8_invalid_at(const char *s, size_t len);
