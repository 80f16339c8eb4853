/*
 * storage/tar-header.h: the fields of tar headers, read the way tar
 * readers read them (private to storage/): ustar, GNU and pax. Shared by
 * the tar-split recorder and the archive index of `load`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512

/* Bytes of padding after n bytes of data, to the next block. */
static inline uint64_t
tar_padding(uint64_t n)
{
        return (TAR_BLOCK - n % TAR_BLOCK) % TAR_BLOCK;
}

/*
 * A number field: octal (with spaces or NULs around it), or base-256 when
 * its first byte has 0x80. false when it is neither, negative, or does
 * not fit.
 */
bool tar_number(const uint8_t *field, size_t n, uint64_t *ret);

/* Whether the header's checksum is right (unsigned sum, or the signed one old writers made). */
bool tar_checksum_ok(const uint8_t h[TAR_BLOCK]);

/* Whether b is all zeros: the end-of-archive marker. */
bool tar_block_is_zero(const uint8_t h[TAR_BLOCK]);

/*
 * The header's own name: "prefix/name" for POSIX ustar ("ustar\0"; GNU's
 * "ustar  \0" keeps other things in the prefix field), else the name
 * field. malloc'd; NULL when memory ran out.
 */
char *tar_header_name(const uint8_t h[TAR_BLOCK]);

/* The link name field (malloc'd; NULL when memory ran out). */
char *tar_header_linkname(const uint8_t h[TAR_BLOCK]);

/*
 * Call fn for each record "LEN KEY=VALUE\n" of a pax extended header (NUL
 * padding after the last is allowed). Returns 0, -EBADMSG when a record is
 * malformed, or what fn returned when < 0.
 */
int tar_pax_parse(const char *buf, size_t len,
                  int (*fn)(void *userdata, const char *key, size_t key_len, const char *value,
                            size_t value_len),
                  void *userdata);

/* A pax decimal value (no sign, no spaces). */
bool tar_pax_number(const char *value, size_t len, uint64_t *ret);

/*
 * raw as a relative path: leading "/", empty and "." elements dropped.
 * "" for the root. NULL when an element is ".." or memory ran out
 * (*ret_enomem tells which, when not NULL).
 */
char *tar_clean_path(const char *raw, bool *ret_enomem);
