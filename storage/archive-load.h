/*
 * storage/archive-load.h: libarchive, loaded on first use (private to
 * storage/). berth is not linked with libarchive; storage/archive-load.c
 * defines the functions berth calls and loads the library when one is first
 * called.
 */
#pragma once

struct berr;

/* Load libarchive now: 0, or < 0 with an error that says so. */
int archive_load(struct berr **err);
