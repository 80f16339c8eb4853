/*
 * storage/reference.c: image references, as distribution/reference's
 * ParseNormalizedNamed reads them (the code behind `docker pull` and
 * podman's containers/image), written out as a scanner instead of its
 * regular expressions:
 *
 *   reference  := name [":" tag] ["@" digest]
 *   name       := [registry "/"] component ("/" component)*
 *   registry   := host [":" port]; host a DNS name, IPv4 or "[" IPv6 "]"
 *   component  := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The first component is the registry when it has a '.' or ':' or is
 * "localhost" (podman's short-name rule); otherwise the name is short and
 * Docker's default, docker.io, stands in until a search registry is chosen.
 */
#include "reference.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/berr.h"
#include "util/cleanup.h"
#include "util/digest.h"
#include "util/quote.h"

#define DOCKER_DOMAIN "docker.io"
#define DOCKER_LEGACY_DOMAIN "index.docker.io"
#define DOCKER_OFFICIAL "library/"
/* a reference longer than this is cut in error messages */
#define QUOTE_MAX 300
/* and a part of it named in a message, longer than this */
#define PART_MAX 100

/* the length to print of a part n long */
static int
part_len(size_t n)
{
        return n > PART_MAX ? PART_MAX : (int)n;
}

/* ASCII classes by hand: ctype answers by locale */
static bool
is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool
is_xdigit(char c)
{
        return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static char *
quote(const char *s)
{
        return quote_escape(s, QUOTE_MAX);
}

/* berr() with the reference, quoted, in front: "\"Busybox\": ..." */
static int ref_fail(struct berr **err, const char *ref, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int
ref_fail(struct berr **err, const char *ref, const char *fmt, ...)
{
        _cleanup_free_ char *q = quote(ref), *what = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        if (r < 0 || !q)
                return berr(err, ENOMEM, "image reference");
        return berr(err, 0, "\"%s\": %s", q, what);
}

bool
image_ref_registry_valid(const char *s, size_t n)
{
        size_t i = 0;

        if (n == 0)
                return false;
        if (s[0] == '[') {
                /* distribution/reference: \[(?:[a-fA-F0-9:]+)\], no zone */
                for (i = 1; i < n && (is_xdigit(s[i]) || s[i] == ':'); i++)
                        ;
                if (i == 1 || i >= n || s[i] != ']')
                        return false;
                i++;
        } else {
                /* labels of [A-Za-z0-9-], no '-' at either end, joined by '.' */
                for (;;) {
                        size_t start = i;

                        while (i < n && (is_alnum(s[i]) || s[i] == '-'))
                                i++;
                        if (i == start || s[start] == '-' || s[i - 1] == '-')
                                return false;
                        if (i < n && s[i] == '.') {
                                i++;
                                continue;
                        }
                        break;
                }
        }
        if (i == n)
                return true;
        if (s[i] != ':' || ++i == n)
                return false;
        for (; i < n; i++)
                if (!is_digit(s[i]))
                        return false;
        return true;
}

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or a run of '-'. */
static bool
component_valid(const char *s, size_t n)
{
        size_t i = 0;

        if (n == 0 || !is_lower_alnum(s[0]))
                return false;
        while (i < n) {
                if (is_lower_alnum(s[i])) {
                        i++;
                        continue;
                }
                if (s[i] == '.') {
                        i++;
                } else if (s[i] == '_') {
                        i++;
                        if (i < n && s[i] == '_')
                                i++;
                } else if (s[i] == '-') {
                        while (i < n && s[i] == '-')
                                i++;
                } else {
                        return false;
                }
                /* a separator stands between two alphanumerics */
                if (i >= n || !is_lower_alnum(s[i]))
                        return false;
        }
        return true;
}

/* Check the path s[0..n) of ref: "a/b/c", lowercase, no empty component. */
static int
check_path(const char *ref, const char *s, size_t n, struct berr **err)
{
        size_t start = 0;

        if (n == 0)
                return ref_fail(err, ref, "the repository name is empty");
        /* before the grammar, as Docker does: "Busybox" is a case problem, not a format one */
        for (size_t i = 0; i < n; i++)
                if (s[i] >= 'A' && s[i] <= 'Z')
                        return ref_fail(err, ref, "the repository name must be lowercase");
        for (size_t i = 0; i <= n; i++) {
                if (i < n && s[i] != '/')
                        continue;
                if (i == start)
                        return ref_fail(err, ref,
                                        "the repository name has an empty path component");
                if (!component_valid(s + start, i - start))
                        return ref_fail(err, ref,
                                        "invalid path component \"%.*s\": use lowercase letters "
                                        "and digits, separated by '.', '_', '__' or '-'",
                                        part_len(i - start), s + start);
                start = i + 1;
        }
        return 0;
}

static bool
is_image_id(const char *s)
{
        size_t n = strlen(s);

        if (n != DIGEST_SHA256_HEX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_digit(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
                        return false;
        return true;
}

/* podman's rule for a first component that is a registry, not a namespace */
static bool
names_registry(const char *s, size_t n)
{
        return memchr(s, '.', n) || memchr(s, ':', n) ||
               (n == strlen("localhost") && memcmp(s, "localhost", n) == 0);
}

static bool
registry_is_docker(const char *reg)
{
        return strcmp(reg, DOCKER_DOMAIN) == 0;
}

/*
 * Fill r->repository from the path (already valid): docker.io's
 * single-component names are its official images, "library/<name>".
 */
static int
set_repository(struct image_ref *r, const char *path, size_t n)
{
        bool library = registry_is_docker(r->registry) && !memchr(path, '/', n);

        if (asprintf(&r->repository, "%s%.*s", library ? DOCKER_OFFICIAL : "", (int)n, path) < 0) {
                r->repository = NULL;
                return -ENOMEM;
        }
        r->implied_library = library;
        return 0;
}

int
image_ref_parse(const char *s, struct image_ref **ret, struct berr **err)
{
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        const char *name_end, *at, *colon = NULL, *slash, *path, *tag = NULL;
        size_t path_len;
        int k;

        if (!s || !*s)
                return ref_fail(err, s ? s : "", "the reference is empty");
        /* no reference holds these; from here on, parts of s can be quoted as they are */
        for (const char *p = s; *p; p++) {
                unsigned char c = (unsigned char)*p;

                if (c == ' ')
                        return ref_fail(err, s, "invalid character ' '");
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
                        return ref_fail(err, s, "invalid character 0x%02x", c);
        }
        if (is_image_id(s))
                return ref_fail(err, s,
                                "a 64-digit hexadecimal string is an image ID, not a repository "
                                "name");

        r = calloc(1, sizeof(*r));
        if (!r)
                return berr(err, ENOMEM, "image reference");

        /* neither name nor tag can hold '@': the first one starts the digest */
        at = strchr(s, '@');
        name_end = at ? at : s + strlen(s);
        /* a ':' after the last '/' starts the tag; one before it is the registry's port */
        slash = memrchr(s, '/', (size_t)(name_end - s));
        colon = memrchr(slash ? slash : s, ':', (size_t)(name_end - (slash ? slash : s)));
        if (colon) {
                tag = colon + 1;
                name_end = colon;
        }

        if (name_end == s)
                return ref_fail(err, s, "the repository name is empty");

        /* the registry: a first component with '.' or ':', or "localhost" */
        slash = memchr(s, '/', (size_t)(name_end - s));
        path = s;
        if (slash) {
                size_t n = (size_t)(slash - s);

                if (names_registry(s, n)) {
                        if (!image_ref_registry_valid(s, n))
                                return ref_fail(err, s, "\"%.*s\" is not a valid registry host",
                                                part_len(n), s);
                        r->registry = strndup(s, n);
                        if (!r->registry)
                                return berr(err, ENOMEM, "image reference");
                        path = slash + 1;
                }
        }
        if (!r->registry) {
                r->short_name = true;
                r->registry = strdup(DOCKER_DOMAIN);
        } else if (strcmp(r->registry, DOCKER_LEGACY_DOMAIN) == 0) {
                free(r->registry);
                r->registry = strdup(DOCKER_DOMAIN);
        }
        if (!r->registry)
                return berr(err, ENOMEM, "image reference");

        path_len = (size_t)(name_end - path);
        k = check_path(s, path, path_len, err);
        if (k < 0)
                return k;

        if (tag) {
                size_t n = (size_t)((at ? at : s + strlen(s)) - tag);

                if (n == 0)
                        return ref_fail(err, s, "the tag is empty");
                if (n > IMAGE_REF_TAG_MAX)
                        return ref_fail(err, s, "the tag is longer than %d characters",
                                        IMAGE_REF_TAG_MAX);
                for (size_t i = 0; i < n; i++)
                        if (!is_word(tag[i]) && (i == 0 || (tag[i] != '.' && tag[i] != '-')))
                                return ref_fail(err, s,
                                                "invalid tag \"%.*s\": use letters, digits, '_', "
                                                "'.' and '-', not starting with '.' or '-'",
                                                part_len(n), tag);
                r->tag = strndup(tag, n);
                if (!r->tag)
                        return berr(err, ENOMEM, "image reference");
        }
        if (at) {
                if (!digest_valid(at + 1))
                        return ref_fail(err, s,
                                        "invalid digest \"%.*s\": expected \"sha256:\" and 64 "
                                        "lowercase hexadecimal digits",
                                        part_len(strlen(at + 1)), at + 1);
                r->digest = strdup(at + 1);
                if (!r->digest)
                        return berr(err, ENOMEM, "image reference");
        }
        if (!r->tag && !r->digest) {
                r->tag = strdup("latest");
                if (!r->tag)
                        return berr(err, ENOMEM, "image reference");
        }

        if (set_repository(r, path, path_len) < 0)
                return berr(err, ENOMEM, "image reference");
        /* Docker counts the normalized name: "docker.io/library/" included */
        if (strlen(r->registry) + 1 + strlen(r->repository) > IMAGE_REF_NAME_MAX)
                return ref_fail(err, s, "the name is longer than %d characters",
                                IMAGE_REF_NAME_MAX);

        *ret = TAKE_PTR(r);
        return 0;
}

struct image_ref *
image_ref_with_registry(const struct image_ref *short_ref, const char *registry)
{
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        const char *path = short_ref->repository;

        /* "myregistry/busybox" would read back as docker.io/myregistry/busybox */
        if (!registry || !image_ref_registry_valid(registry, strlen(registry)) ||
            !names_registry(registry, strlen(registry)))
                return NULL;
        if (short_ref->implied_library)
                path += strlen(DOCKER_OFFICIAL);

        r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        r->registry =
                strdup(strcmp(registry, DOCKER_LEGACY_DOMAIN) == 0 ? DOCKER_DOMAIN : registry);
        if (!r->registry || set_repository(r, path, strlen(path)) < 0)
                return NULL;
        if (strlen(r->registry) + 1 + strlen(r->repository) > IMAGE_REF_NAME_MAX)
                return NULL;
        if (short_ref->tag && !(r->tag = strdup(short_ref->tag)))
                return NULL;
        if (short_ref->digest && !(r->digest = strdup(short_ref->digest)))
                return NULL;
        return TAKE_PTR(r);
}

char *
image_ref_string(const struct image_ref *r)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "",
                     r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "") < 0)
                return NULL;
        return s;
}

char *
image_ref_familiar(const struct image_ref *r)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s", r->registry, r->repository) < 0)
                return NULL;
        return s;
}

struct image_ref *
image_ref_free(struct image_ref *r)
{
        if (r) {
                free(r->registry);
                free(r->repository);
                free(r->tag);
                free(r->digest);
                free(r);
        }
        return NULL;
}
