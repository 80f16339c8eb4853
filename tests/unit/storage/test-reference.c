/*
 * tests/unit/storage/test-reference.c: image references, checked against
 * what Docker's distribution/reference tests and podman make of them
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "storage/reference.h"
#include "util/berr.h"
#include "util/cleanup.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX

struct ok_case {
        const char *in;
        const char *string;   /* image_ref_string */
        const char *familiar; /* image_ref_familiar */
        const char *registry, *repository, *tag, *digest;
        bool short_name;
};

static const struct ok_case ok_cases[] = {
        {"busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox", "docker.io",
         "library/busybox", "latest", NULL, true},
        {"library/busybox:1.36", "docker.io/library/busybox:1.36", "docker.io/library/busybox",
         "docker.io", "library/busybox", "1.36", NULL, true},
        {"docker.io/busybox", "docker.io/library/busybox:latest", "docker.io/library/busybox",
         "docker.io", "library/busybox", "latest", NULL, false},
        {"docker.io/library/busybox", "docker.io/library/busybox:latest",
         "docker.io/library/busybox", "docker.io", "library/busybox", "latest", NULL, false},
        {"index.docker.io/library/busybox", "docker.io/library/busybox:latest",
         "docker.io/library/busybox", "docker.io", "library/busybox", "latest", NULL, false},
        {"index.docker.io/busybox:musl", "docker.io/library/busybox:musl",
         "docker.io/library/busybox", "docker.io", "library/busybox", "musl", NULL, false},
        {"docker.io/bitnami/redis:7", "docker.io/bitnami/redis:7", "docker.io/bitnami/redis",
         "docker.io", "bitnami/redis", "7", NULL, false},
        {"localhost/foo", "localhost/foo:latest", "localhost/foo", "localhost", "foo", "latest",
         NULL, false},
        {"localhost:5000/foo/bar:tag", "localhost:5000/foo/bar:tag", "localhost:5000/foo/bar",
         "localhost:5000", "foo/bar", "tag", NULL, false},
        {"127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b", "127.0.0.1:5000",
         "a/b", "tag", NULL, false},
        {"[::1]:5000/a/b", "[::1]:5000/a/b:latest", "[::1]:5000/a/b", "[::1]:5000", "a/b", "latest",
         NULL, false},
        {"[2001:db8::1]/a", "[2001:db8::1]/a:latest", "[2001:db8::1]/a", "[2001:db8::1]", "a",
         "latest", NULL, false},
        {"quay.io/podman/stable:v4", "quay.io/podman/stable:v4", "quay.io/podman/stable", "quay.io",
         "podman/stable", "v4", NULL, false},
        {"registry.example.com:443/ns/sub/img:1.0", "registry.example.com:443/ns/sub/img:1.0",
         "registry.example.com:443/ns/sub/img", "registry.example.com:443", "ns/sub/img", "1.0",
         NULL, false},
        /* a domain keeps its case; only the repository must be lowercase */
        {"Example.COM/foo", "Example.COM/foo:latest", "Example.COM/foo", "Example.COM", "foo",
         "latest", NULL, false},
        {"busybox@" DIGEST, "docker.io/library/busybox@" DIGEST, "docker.io/library/busybox",
         "docker.io", "library/busybox", NULL, DIGEST, true},
        {"busybox:1.36@" DIGEST, "docker.io/library/busybox:1.36@" DIGEST,
         "docker.io/library/busybox", "docker.io", "library/busybox", "1.36", DIGEST, true},
        {"x/y:t@" DIGEST, "docker.io/x/y:t@" DIGEST, "docker.io/x/y", "docker.io", "x/y", "t",
         DIGEST, true},
        {"host:5000/a/b@" DIGEST, "host:5000/a/b@" DIGEST, "host:5000/a/b", "host:5000", "a/b",
         NULL, DIGEST, false},
        /* no '/': the first component is the name, and ":5000" its tag (Docker does the same) */
        {"localhost", "docker.io/library/localhost:latest", "docker.io/library/localhost",
         "docker.io", "library/localhost", "latest", NULL, true},
        {"localhost:5000", "docker.io/library/localhost:5000", "docker.io/library/localhost",
         "docker.io", "library/localhost", "5000", NULL, true},
        {"example.com", "docker.io/library/example.com:latest", "docker.io/library/example.com",
         "docker.io", "library/example.com", "latest", NULL, true},
        {"my-org/my_image.v2__x---y:v1.0-rc_1", "docker.io/my-org/my_image.v2__x---y:v1.0-rc_1",
         "docker.io/my-org/my_image.v2__x---y", "docker.io", "my-org/my_image.v2__x---y",
         "v1.0-rc_1", NULL, true},
        {"a:_Tag.With-Caps", "docker.io/library/a:_Tag.With-Caps", "docker.io/library/a",
         "docker.io", "library/a", "_Tag.With-Caps", NULL, true},
        {"0/1", "docker.io/0/1:latest", "docker.io/0/1", "docker.io", "0/1", "latest", NULL, true},
};

static void
test_valid(void)
{
        for (size_t i = 0; i < ELEMENTSOF(ok_cases); i++) {
                const struct ok_case *c = &ok_cases[i];
                _cleanup_(image_ref_freep) struct image_ref *r = NULL;
                _cleanup_(berr_freep) struct berr *err = NULL;
                _cleanup_free_ char *s = NULL, *f = NULL;

                if (image_ref_parse(c->in, &r, &err) < 0) {
                        fprintf(stderr, "  %s: %s\n", c->in, err ? err->msg : "?");
                        check(!"parse failed");
                        continue;
                }
                s = image_ref_string(r);
                f = image_ref_familiar(r);
                check_str(s, c->string);
                check_str(f, c->familiar);
                check_str(r->registry, c->registry);
                check_str(r->repository, c->repository);
                if (c->tag)
                        check_str(r->tag, c->tag);
                else
                        check(r->tag == NULL);
                if (c->digest)
                        check_str(r->digest, c->digest);
                else
                        check(r->digest == NULL);
                if (r->short_name != c->short_name)
                        fprintf(stderr, "  %s: short_name is %d\n", c->in, r->short_name);
                check(r->short_name == c->short_name);
        }
}

/* the canonical string parses back to itself */
static void
test_string_round_trips(void)
{
        for (size_t i = 0; i < ELEMENTSOF(ok_cases); i++) {
                _cleanup_(image_ref_freep) struct image_ref *r = NULL, *again = NULL;
                _cleanup_free_ char *again_s = NULL;

                check(image_ref_parse(ok_cases[i].string, &r, NULL) == 0);
                if (!r)
                        continue;
                check(!r->short_name);
                check(image_ref_parse(ok_cases[i].string, &again, NULL) == 0);
                again_s = again ? image_ref_string(again) : NULL;
                check_str(again_s, ok_cases[i].string);
        }
}

struct bad_case {
        const char *in;
        const char *msg;
};

static const struct bad_case bad_cases[] = {
        {"", "\"\": the reference is empty"},
        {":tag", "\":tag\": the repository name is empty"},
        {"@" DIGEST, "\"@" DIGEST "\": the repository name is empty"},
        {"UPPER", "\"UPPER\": the repository name must be lowercase"},
        {"Busybox", "\"Busybox\": the repository name must be lowercase"},
        {"Busybox:Latest", "\"Busybox:Latest\": the repository name must be lowercase"},
        /* not a registry (no '.', ':', not localhost), so a path with a capital */
        {"Foo/bar", "\"Foo/bar\": the repository name must be lowercase"},
        {"localhost:5000/Foo", "\"localhost:5000/Foo\": the repository name must be lowercase"},
        {"a//b", "\"a//b\": the repository name has an empty path component"},
        {"/a", "\"/a\": the repository name has an empty path component"},
        {"a/b/", "\"a/b/\": the repository name has an empty path component"},
        {"localhost:5000/", "\"localhost:5000/\": the repository name is empty"},
        {"a/b:", "\"a/b:\": the tag is empty"},
        {"a@sha256:short", "\"a@sha256:short\": invalid digest \"sha256:short\": expected "
                           "\"sha256:\" and 64 lowercase hexadecimal digits"},
        {"a@sha256:" HEX "0", "\"a@sha256:" HEX "0\": invalid digest \"sha256:" HEX
                              "0\": expected \"sha256:\" and 64 lowercase hexadecimal digits"},
        {"a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
         "\"a@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\": invalid "
         "digest \"sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\": "
         "expected \"sha256:\" and 64 lowercase hexadecimal digits"},
        {"a@md5:0123456789abcdef0123456789abcdef",
         "\"a@md5:0123456789abcdef0123456789abcdef\": invalid digest "
         "\"md5:0123456789abcdef0123456789abcdef\": expected \"sha256:\" and 64 lowercase "
         "hexadecimal digits"},
        {"a@b@" DIGEST, "\"a@b@" DIGEST "\": invalid digest \"b@" DIGEST
                        "\": expected \"sha256:\" and 64 lowercase hexadecimal digits"},
        {"a:b:c", "\"a:b:c\": invalid path component \"a:b\": use lowercase letters and digits, "
                  "separated by '.', '_', '__' or '-'"},
        {"busy box", "\"busy box\": invalid character ' '"},
        {" busybox", "\" busybox\": invalid character ' '"},
        {"busybox ", "\"busybox \": invalid character ' '"},
        {"busy\nbox", "\"busy\\x0abox\": invalid character 0x0a"},
        {"a\"b", "\"a\\\"b\": invalid character 0x22"},
        {"caf\xc3\xa9", "\"caf\xc3\xa9\": invalid character 0xc3"},
        {"a-/b", "\"a-/b\": invalid path component \"a-\": use lowercase letters and digits, "
                 "separated by '.', '_', '__' or '-'"},
        {"-a", "\"-a\": invalid path component \"-a\": use lowercase letters and digits, "
               "separated by '.', '_', '__' or '-'"},
        {"a..b", "\"a..b\": invalid path component \"a..b\": use lowercase letters and digits, "
                 "separated by '.', '_', '__' or '-'"},
        {"a___b", "\"a___b\": invalid path component \"a___b\": use lowercase letters and digits, "
                  "separated by '.', '_', '__' or '-'"},
        {"a._b", "\"a._b\": invalid path component \"a._b\": use lowercase letters and digits, "
                 "separated by '.', '_', '__' or '-'"},
        {"a/b:-tag", "\"a/b:-tag\": invalid tag \"-tag\": use letters, digits, '_', '.' and '-', "
                     "not starting with '.' or '-'"},
        {"a:.t", "\"a:.t\": invalid tag \".t\": use letters, digits, '_', '.' and '-', not "
                 "starting with '.' or '-'"},
        {"a:t+1", "\"a:t+1\": invalid tag \"t+1\": use letters, digits, '_', '.' and '-', not "
                  "starting with '.' or '-'"},
        {"bad_host.com/a", "\"bad_host.com/a\": \"bad_host.com\" is not a valid registry host"},
        {"host:port/a", "\"host:port/a\": \"host:port\" is not a valid registry host"},
        {"host:/a", "\"host:/a\": \"host:\" is not a valid registry host"},
        {"-host.com/a", "\"-host.com/a\": \"-host.com\" is not a valid registry host"},
        {"host-.com/a", "\"host-.com/a\": \"host-.com\" is not a valid registry host"},
        {"host..com/a", "\"host..com/a\": \"host..com\" is not a valid registry host"},
        {"example.com./a", "\"example.com./a\": \"example.com.\" is not a valid registry host"},
        {"[::1/a", "\"[::1/a\": \"[::1\" is not a valid registry host"},
        {"[]:5000/a", "\"[]:5000/a\": \"[]:5000\" is not a valid registry host"},
        {"[fe80::1%eth0]/a", "\"[fe80::1%eth0]/a\": \"[fe80::1%eth0]\" is not a valid registry "
                             "host"},
        {HEX, "\"" HEX "\": a 64-digit hexadecimal string is an image ID, not a repository name"},
};

static void
test_invalid(void)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                _cleanup_(image_ref_freep) struct image_ref *r = NULL;
                _cleanup_(berr_freep) struct berr *err = NULL;

                check(image_ref_parse(bad_cases[i].in, &r, &err) == -EINVAL);
                check(r == NULL);
                check_str(err ? err->msg : NULL, bad_cases[i].msg);
        }
}

/* n copies of c, then tail */
static char *
repeat(char c, size_t n, const char *head, const char *tail)
{
        char *s = NULL;
        char *body = malloc(n + 1);

        if (!body)
                abort();
        memset(body, c, n);
        body[n] = '\0';
        if (asprintf(&s, "%s%s%s", head, body, tail) < 0)
                abort();
        free(body);
        return s;
}

static void
test_tag_length(void)
{
        _cleanup_free_ char *ok = repeat('t', 128, "a:", ""), *bad = repeat('t', 129, "a:", "");
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(image_ref_parse(ok, &r, NULL) == 0);
        check(r && strlen(r->tag) == 128);
        r = image_ref_free(r);
        check(image_ref_parse(bad, &r, &err) == -EINVAL);
        check(err && strstr(err->msg, ": the tag is longer than 128 characters"));
}

/* 255 for "registry/repository", counted after normalization, as Docker counts */
static void
test_name_length(void)
{
        /* "docker.io/library/" is 18: 237 more make 255 */
        _cleanup_free_ char *ok = repeat('a', 237, "", ":tag"), *bad = repeat('a', 238, "", "");
        _cleanup_free_ char *q_ok = repeat('b', 255 - strlen("quay.io/"), "quay.io/", "");
        _cleanup_free_ char *q_bad = repeat('b', 256 - strlen("quay.io/"), "quay.io/", "");
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(image_ref_parse(ok, &r, NULL) == 0);
        r = image_ref_free(r);
        check(image_ref_parse(q_ok, &r, NULL) == 0);
        r = image_ref_free(r);
        check(image_ref_parse(bad, &r, &err) == -EINVAL);
        check(err && strstr(err->msg, "\": the name is longer than 255 characters"));
        err = berr_free(err);
        check(image_ref_parse(q_bad, &r, &err) == -EINVAL);
        check(err && strstr(err->msg, "\": the name is longer than 255 characters"));
}

/* a long reference is cut in the message, not copied whole */
static void
test_error_quotes_a_prefix(void)
{
        _cleanup_free_ char *huge = repeat('X', 5000, "", "");
        _cleanup_(image_ref_freep) struct image_ref *r = NULL;
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(image_ref_parse(huge, &r, &err) == -EINVAL);
        check(err && strlen(err->msg) < 400);
        check(err && strstr(err->msg, "...\": the repository name must be lowercase"));
}

struct qualify_case {
        const char *in, *registry, *want;
};

static const struct qualify_case qualify_cases[] = {
        {"busybox", "quay.io", "quay.io/busybox:latest"},
        {"busybox", "docker.io", "docker.io/library/busybox:latest"},
        {"busybox", "index.docker.io", "docker.io/library/busybox:latest"},
        {"library/busybox", "quay.io", "quay.io/library/busybox:latest"},
        {"library/busybox", "docker.io", "docker.io/library/busybox:latest"},
        {"busybox:1.36@" DIGEST, "localhost:5000", "localhost:5000/busybox:1.36@" DIGEST},
        {"busybox@" DIGEST, "127.0.0.1:5000", "127.0.0.1:5000/busybox@" DIGEST},
        {"a/b:t", "[::1]:5000", "[::1]:5000/a/b:t"},
        {"a/b:t", "docker.io", "docker.io/a/b:t"},
        {"fedora", "registry.fedoraproject.org", "registry.fedoraproject.org/fedora:latest"},
};

static void
test_with_registry(void)
{
        for (size_t i = 0; i < ELEMENTSOF(qualify_cases); i++) {
                const struct qualify_case *c = &qualify_cases[i];
                _cleanup_(image_ref_freep) struct image_ref *r = NULL, *q = NULL;
                _cleanup_free_ char *s = NULL;

                check(image_ref_parse(c->in, &r, NULL) == 0);
                if (!r)
                        continue;
                check(r->short_name);
                q = image_ref_with_registry(r, c->registry);
                check(q != NULL);
                if (!q)
                        continue;
                check(!q->short_name);
                s = image_ref_string(q);
                check_str(s, c->want);
        }
}

static void
test_with_registry_refuses(void)
{
        /* docker.io/library/ + 237 is 255: the longest short name there is */
        _cleanup_free_ char *long_name = repeat('a', 237, "", "");
        _cleanup_(image_ref_freep) struct image_ref *r = NULL, *lr = NULL, *q = NULL;

        check(image_ref_parse("busybox", &r, NULL) == 0);
        if (!r)
                return;
        check(image_ref_with_registry(r, "bad host") == NULL);
        check(image_ref_with_registry(r, "https://quay.io") == NULL);
        check(image_ref_with_registry(r, "quay.io/ns") == NULL);
        check(image_ref_with_registry(r, "myregistry") == NULL);
        check(image_ref_with_registry(r, "") == NULL);
        check(image_ref_with_registry(r, NULL) == NULL);

        check(image_ref_parse(long_name, &lr, NULL) == 0);
        if (!lr)
                return;
        check(image_ref_with_registry(lr, "a-very-long-registry-name.example.com") == NULL);
        q = image_ref_with_registry(lr, "quay.io");
        check(q != NULL);
}

static void
test_registry_valid(void)
{
        const char *good[] = {
                "docker.io",  "localhost", "localhost:5000", "127.0.0.1:5000", "[::1]",
                "[::1]:5000", "a",         "a-b.c-d",        "EXAMPLE.com:1"};
        const char *bad[] = {"",     ":5000", "a:",  "a:b", "-a",  "a-",  "a..b",   ".a",    "a.",
                             "[::1", "[]",    "[g]", "a_b", "a/b", "a b", "[::1]x", "[::1]:"};

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                check(image_ref_registry_valid(good[i], strlen(good[i])));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (image_ref_registry_valid(bad[i], strlen(bad[i])))
                        fprintf(stderr, "  accepted: %s\n", bad[i]);
                check(!image_ref_registry_valid(bad[i], strlen(bad[i])));
        }
}

static void
test_implied_library(void)
{
        _cleanup_(image_ref_freep) struct image_ref *a = NULL, *b = NULL, *c = NULL;

        check(image_ref_parse("busybox", &a, NULL) == 0);
        check(image_ref_parse("library/busybox", &b, NULL) == 0);
        check(image_ref_parse("docker.io/busybox", &c, NULL) == 0);
        check(a && a->implied_library);
        check(b && !b->implied_library);
        check(c && c->implied_library && !c->short_name);
}

int
main(void)
{
        RUN(test_valid);
        RUN(test_string_round_trips);
        RUN(test_invalid);
        RUN(test_tag_length);
        RUN(test_name_length);
        RUN(test_error_quotes_a_prefix);
        RUN(test_with_registry);
        RUN(test_with_registry_refuses);
        RUN(test_registry_valid);
        RUN(test_implied_library);
        return check_done();
}
