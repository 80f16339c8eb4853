/*
 * storage/archive.h: the outer tar of a docker-archive or an oci-archive
 * (private to storage/). Reading: an index of the members (name -> where
 * its bytes are), built by walking the headers, so members are read in
 * place and never extracted. Writing: ustar headers as Go's archive/tar
 * writes them for podman (mode 0444, owner 0, time 0), streamed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct berr;

/* An archive with more members than this is refused (no image needs near as many). */
#define ARCHIVE_MEMBERS_MAX 100000u
/* manifest.json, index.json, oci-layout and OCI manifests are read up to this */
#define ARCHIVE_JSON_MAX (UINT64_C(8) << 20)

struct archive_member {
        char *name;      /* a clean relative path, "blobs/sha256/…" */
        char type;       /* the tar typeflag: '0' a file, '1' a hard link, '2' a symlink… */
        char *link;      /* the target of a link, as written; NULL for others */
        uint64_t offset; /* of its data in the file */
        uint64_t size;
};

struct archive_index {
        struct archive_member *members; /* sorted by name; a name once (the last one wins) */
        size_t n;
};

/*
 * Index the tar in fd (a file, read with pread() from offset 0): its
 * regular files and links (directories and others are left out). Refused:
 * a damaged or cut short header, a member whose data would pass the end
 * of the file, a name with a ".." element, more than ARCHIVE_MEMBERS_MAX
 * members. Pax (path, linkpath, size) and GNU long names are read.
 */
int archive_index_build(int fd, struct archive_index **ret, struct berr **err);

struct archive_index *archive_index_free(struct archive_index *idx);

static inline void
archive_index_freep(struct archive_index **idx)
{
        *idx = archive_index_free(*idx);
}

/* Whether the archive has a member named name (a link counts). */
bool archive_index_has(const struct archive_index *idx, const char *name);

/*
 * The regular file name is, following symlinks (relative to their own
 * directory) and hard links within the archive, 16 at most. -ENOENT when
 * there is no such member; links that leave the archive or loop are
 * errors.
 */
int archive_index_find(const struct archive_index *idx, const char *name,
                       const struct archive_member **ret, struct berr **err);

/* Read member name (at most max bytes, else an error) into a malloc'd, NUL-terminated buffer. */
int archive_index_read(const struct archive_index *idx, int fd, const char *name, uint64_t max,
                       char **ret_buf, size_t *ret_len, struct berr **err);

/* One image of a docker-archive's manifest.json */
struct docker_archive_item {
        char *config;     /* member name of the config */
        char **repo_tags; /* as written ("busybox:latest"); n_repo_tags may be 0 */
        size_t n_repo_tags;
        char **layers; /* member names, base first */
        size_t n_layers;
};

/*
 * Parse manifest.json: an array of {"Config", "RepoTags", "Layers"}, every
 * field checked ("manifest.json: [0].Layers[1]: expected a string").
 */
int docker_archive_manifest_parse(const char *buf, size_t len, struct docker_archive_item **ret,
                                  size_t *ret_n, struct berr **err);
void docker_archive_items_free(struct docker_archive_item *items, size_t n);

/* ------------------------------------------------------------ writing */

/* A tar being written to fd, as it goes (a pipe is fine: nothing seeks). */
struct archive_out {
        int fd;
        uint64_t written;
};

/* A member's header: a regular file of size bytes; its data follows, then archive_out_pad(). */
int archive_out_file(struct archive_out *o, const char *name, uint64_t size, struct berr **err);
/* Data of the member at hand. */
int archive_out_write(struct archive_out *o, const void *buf, size_t len, struct berr **err);
/* The padding after a member of size bytes. */
int archive_out_pad(struct archive_out *o, uint64_t size, struct berr **err);
/* A whole member from memory: header, data, padding. */
int archive_out_bytes(struct archive_out *o, const char *name, const void *buf, size_t len,
                      struct berr **err);
int archive_out_symlink(struct archive_out *o, const char *name, const char *target,
                        struct berr **err);
int archive_out_dir(struct archive_out *o, const char *name, struct berr **err);
/* The end-of-archive marker: two zero blocks. */
int archive_out_finish(struct archive_out *o, struct berr **err);
