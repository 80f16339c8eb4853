/*
 * storage/curl-load.h: libcurl, loaded on first use (private to storage/).
 * berth is not linked with libcurl; storage/curl-load.c defines libcurl's
 * functions and loads the library when one is first called.
 */
#pragma once

struct berr;

/*
 * Load libcurl now: 0, or < 0 with an error that says so. Call it where a
 * registry is first used, so that a missing library is an error message
 * rather than an abort in the middle of a pull.
 */
int curl_load(struct berr **err);
