/* util/quote.h: outside text made safe to print in a message */
#pragma once

#include <stddef.h>

/*
 * s with '"' and '\\' escaped and control bytes as \xNN, cut after max bytes
 * ("..." added): text from files, registries and users cannot move the
 * cursor or forge lines. malloc'd; NULL when out of memory.
 */
char *quote_escape(const char *s, size_t max);
