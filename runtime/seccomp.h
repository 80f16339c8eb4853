/*
 * runtime/seccomp.h: seccomp for containers. Profiles (podman's default, or
 * a user's file) become the OCI runtime spec's linux.seccomp object, which
 * goes into config.json; the built-in executor compiles that object into a
 * BPF filter before it forks, and loads it in the child just before execve.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct berr;
struct seccomp_filter; /* a compiled filter, ready to load */

/* The most bytes a profile file may have */
#define SECCOMP_PROFILE_MAX (1024 * 1024)

/*
 * podman's default profile (containers/common, as podman 4.3 ships it) as
 * an OCI linux.seccomp object, with its capability and architecture rules
 * resolved for this machine and for caps, the container's capabilities
 * (n_caps names such as "CAP_SYS_ADMIN"; "SYS_ADMIN" and lower case match
 * too; caps may be NULL when n_caps is 0). podman resolves them against
 * the bounding set. *ret is a new reference, left untouched on failure.
 */
int seccomp_profile_default(const char *const *caps, size_t n_caps, json_t **ret,
                            struct berr **err);

/*
 * The profile in the file at path (--security-opt seccomp=FILE), at most
 * SECCOMP_PROFILE_MAX bytes, in the OCI form or in Docker's and podman's
 * (archMap, name, includes/excludes by caps, arches and minKernel), as an
 * OCI linux.seccomp object with the Docker parts resolved for this machine
 * and caps (as above). Errors name the file, the field's JSON path and
 * what was expected there. *ret is a new reference, untouched on failure.
 */
int seccomp_profile_read(const char *path, const char *const *caps, size_t n_caps, json_t **ret,
                         struct berr **err);

/* seccomp_profile_read() for a profile already in memory; name is the file it came from */
int seccomp_profile_parse(const char *name, const char *buf, size_t len, const char *const *caps,
                          size_t n_caps, json_t **ret, struct berr **err);

/*
 * Compile an OCI linux.seccomp object with libseccomp. Architectures and
 * syscall names this libseccomp does not know are skipped (as runc does:
 * a profile lists syscalls of many kernels and machines); SCMP_ACT_NOTIFY
 * is refused, berth has no seccomp listener. The BPF program is exported
 * here, so that seccomp_filter_load() has nothing left to allocate.
 */
int seccomp_filter_build(const json_t *oci_seccomp, struct seccomp_filter **ret, struct berr **err);

/*
 * seccomp_filter_build(), through a cache of compiled filters in
 * cache_dir (created 0700 when missing; used only when it is ours and
 * writable by no one else): the same profile compiles once per machine
 * and libseccomp version. cache_dir NULL: no cache.
 */
int seccomp_filter_build_cached(const json_t *oci_seccomp, const char *cache_dir,
                                struct seccomp_filter **ret, struct berr **err);

/*
 * Load f into the calling thread (with the profile's flags); call it in the
 * container's child after PR_SET_NO_NEW_PRIVS, just before execve (without
 * no_new_privs the kernel wants CAP_SYS_ADMIN). It allocates nothing when it
 * succeeds, nor when it fails with err NULL: safe between fork and exec.
 */
int seccomp_filter_load(struct seccomp_filter *f, struct berr **err);

/* Number of BPF instructions in f (the kernel takes at most 4096) */
size_t seccomp_filter_size(const struct seccomp_filter *f);

struct seccomp_filter *seccomp_filter_free(struct seccomp_filter *f);

static inline void
seccomp_filter_freep(struct seccomp_filter **f)
{
        *f = seccomp_filter_free(*f);
}

/*
 * For runtime/seccomp*.c. This machine's architecture as profiles name it:
 * the OCI name ("SCMP_ARCH_X86_64") and the name includes/excludes use
 * ("amd64", as podman's libseccomp binding spells it); NULL both when
 * libseccomp does not know the machine.
 */
void seccomp_native_arch(const char **ret_oci, const char **ret_short);

/* Whether cap is among caps ("CAP_" prefix optional, case ignored) */
bool seccomp_caps_have(const char *const *caps, size_t n_caps, const char *cap);
