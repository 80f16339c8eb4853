/*
 * tests/unit/storage/test-registries-conf.c: registries.conf as podman reads
 * it: real-world files, v1, drop-in merging, every error with its place,
 * and prefix matching
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "storage/registries-conf.h"
#include "util/berr.h"
#include "util/cleanup.h"

static int
parse(struct registries_conf *c, const char *text, const char *name, struct berr **err)
{
        return registries_conf_parse(c, text, strlen(text), name, err);
}

/* Fedora's /etc/containers/registries.conf, trimmed, with the man page's examples */
static const char fedora[] =
        "# For more information on this configuration file, see containers-registries.conf(5).\n"
        "#\n"
        "unqualified-search-registries = [\"registry.fedoraproject.org\", "
        "\"registry.access.redhat.com\", \"docker.io\"]\n"
        "\n"
        "# [[registry]]\n"
        "# # The \"prefix\" field is used to choose the relevant [[registry]] TOML table;\n"
        "short-name-mode = \"enforcing\"\n"
        "credential-helpers = [ \"containers-auth.json\", ]\n"
        "\n"
        "[[registry]]\n"
        "prefix = \"example.com/foo\"\n"
        "insecure = false\n"
        "blocked = false\n"
        "location = \"internal-registry-for-example.com/bar\"\n"
        "\n"
        "[[registry.mirror]]\n"
        "location = \"example-mirror-0.local/mirror-for-foo\"\n"
        "\n"
        "[[registry.mirror]]\n"
        "location = \"example-mirror-1.local/mirrors/foo\"\n"
        "insecure = true\n"
        "pull-from-mirror = \"digest-only\"\n"
        "\n"
        "[[registry]]\n"
        "location = \"localhost:5000\"   # a local registry\n"
        "insecure = true\n"
        "\n"
        "[[registry]]\n"
        "prefix = \"*.internal.example.com\"\n"
        "blocked = true\n"
        "\n"
        "[aliases]\n"
        "  # almalinux\n"
        "  \"almalinux\" = \"docker.io/library/almalinux\"\n"
        "  \"busybox\" = \"docker.io/library/busybox\"\n"
        "  \"ubi8/ubi\" = \"registry.access.redhat.com/ubi8/ubi\"\n"
        "  alpine = 'docker.io/alpine'\n"
        "  \"\\u0066edora\" = \"registry.fedoraproject.org/fedora\"\n";

static void
test_fedora_style_file(void)
{
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;
        const struct registry_entry *e;

        check(parse(&c, fedora, "registries.conf", &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(c.n_search == 3);
        if (c.n_search == 3) {
                check_str(c.search[0], "registry.fedoraproject.org");
                check_str(c.search[1], "registry.access.redhat.com");
                check_str(c.search[2], "docker.io");
        }
        check_str(c.short_name_mode, "enforcing");
        check(c.n_registries == 3);
        if (c.n_registries == 3) {
                /* sorted by prefix */
                e = &c.registries[0];
                check_str(e->prefix, "*.internal.example.com");
                check(e->location == NULL && e->blocked && !e->insecure);
                e = &c.registries[1];
                check_str(e->prefix, "example.com/foo");
                check_str(e->location, "internal-registry-for-example.com/bar");
                check(!e->insecure && !e->blocked && !e->mirror_by_digest_only);
                check(e->n_mirrors == 2);
                if (e->n_mirrors == 2) {
                        check_str(e->mirrors[0].location, "example-mirror-0.local/mirror-for-foo");
                        check(!e->mirrors[0].insecure && !e->mirrors[0].pull_from_mirror);
                        check_str(e->mirrors[1].location, "example-mirror-1.local/mirrors/foo");
                        check(e->mirrors[1].insecure);
                        check_str(e->mirrors[1].pull_from_mirror, "digest-only");
                }
                e = &c.registries[2];
                check_str(e->prefix, "localhost:5000");
                check_str(e->location, "localhost:5000");
                check(e->insecure && e->n_mirrors == 0);
        }
        check(c.n_aliases == 5);
        if (c.n_aliases == 5) {
                /* sorted by name; values normalized */
                check_str(c.aliases[0].name, "almalinux");
                check_str(c.aliases[1].name, "alpine");
                check_str(c.aliases[1].value, "docker.io/library/alpine");
                check_str(c.aliases[2].name, "busybox");
                check_str(c.aliases[3].name, "fedora");
                check_str(c.aliases[3].value, "registry.fedoraproject.org/fedora");
                check_str(c.aliases[4].name, "ubi8/ubi");
        }
        check_str(registries_conf_alias(&c, "busybox"), "docker.io/library/busybox");
        check(registries_conf_alias(&c, "nginx") == NULL);
        registries_conf_clear(&c);
        check(c.n_search == 0 && c.search == NULL && c.n_registries == 0 && c.n_aliases == 0);
}

/* Debian's file is all comments; a CRLF file with a BOM reads the same as LF */
static void
test_debian_comments_crlf_bom(void)
{
        static const char debian[] = "# For more information on this configuration file, see "
                                     "containers-registries.conf(5).\n"
                                     "#\n"
                                     "# NOTE: RISK OF USING UNQUALIFIED IMAGE NAMES\n"
                                     "# unqualified-search-registries = [\"example.com\"]\n"
                                     "#\n"
                                     "# [[registry]]\n"
                                     "# location = \"internal-registry-for-example.com/bar\"\n";
        static const char crlf[] = "\xef\xbb\xbf# windows editor\r\n"
                                   "unqualified-search-registries = [\r\n"
                                   "  'quay.io',  # first\r\n"
                                   "  \"docker.io\", # second\r\n"
                                   "]\r\n"
                                   "[aliases]\r\n"
                                   "\"b\" = \"quay.io/b\"\r\n";
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, debian, "registries.conf", &err) == 0);
        check(c.n_search == 0 && c.n_registries == 0 && c.n_aliases == 0 && !c.short_name_mode);
        check(parse(&c, crlf, "crlf.conf", &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(c.n_search == 2 && c.n_aliases == 1);
        if (c.n_search == 2) {
                check_str(c.search[0], "quay.io");
                check_str(c.search[1], "docker.io");
        }
        /* an empty file and an empty buffer are empty configurations */
        check(registries_conf_parse(&c, "", 0, "empty.conf", &err) == 0);
        check(registries_conf_parse(&c, NULL, 0, "empty.conf", &err) == 0);
        check(c.n_search == 2);
        registries_conf_clear(&c);
}

static void
test_v1_format(void)
{
        static const char v1[] = "# This is a system-wide configuration file\n"
                                 "[registries.search]\n"
                                 "registries = ['docker.io', 'quay.io/']\n"
                                 "\n"
                                 "[registries.insecure]\n"
                                 "registries = ['localhost:5000']\n"
                                 "\n"
                                 "[registries.block]\n"
                                 "registries = ['evil.example.com', 'localhost:5000']\n";
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, v1, "registries.conf", &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        check(c.n_search == 2);
        if (c.n_search == 2) {
                check_str(c.search[0], "docker.io");
                check_str(c.search[1], "quay.io");
        }
        check(c.n_registries == 2);
        if (c.n_registries == 2) {
                check_str(c.registries[0].prefix, "evil.example.com");
                check_str(c.registries[0].location, "evil.example.com");
                check(c.registries[0].blocked && !c.registries[0].insecure);
                check_str(c.registries[1].prefix, "localhost:5000");
                check(c.registries[1].blocked && c.registries[1].insecure);
        }
        registries_conf_clear(&c);

        /* an empty v1 table set is still v1, and sets the list to empty */
        check(parse(&c, "[registries]\n[registries.search]\nregistries = []\n", "x", &err) == 0);
        check(c.n_search == 0);
        registries_conf_clear(&c);
}

/* later files: search list replaced (even by []), registries by prefix, aliases by name */
static void
test_merge_order(void)
{
        static const char a[] = "unqualified-search-registries = ['a.io', 'b.io']\n"
                                "short-name-mode = 'permissive'\n"
                                "[[registry]]\n"
                                "location = 'x.io'\n"
                                "insecure = true\n"
                                "[[registry]]\n"
                                "location = 'y.io'\n"
                                "[aliases]\n"
                                "busybox = 'docker.io/library/busybox'\n"
                                "keep = 'quay.io/keep'\n";
        static const char b[] = "[[registry]]\n"
                                "location = 'x.io'\n"
                                "[[registry.mirror]]\n"
                                "location = 'mirror.x.io'\n"
                                "[[registry]]\n"
                                "location = 'z.io'\n"
                                "[aliases]\n"
                                "busybox = ''\n"
                                "new = 'quay.io/new'\n"
                                "never = ''\n";
        static const char c3[] = "unqualified-search-registries = []\n"
                                 "short-name-mode = 'disabled'\n";
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, a, "a.conf", &err) == 0);
        check(parse(&c, b, "b.conf", &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        /* b says nothing of the search list or the mode: a's stay */
        check(c.n_search == 2);
        check_str(c.short_name_mode, "permissive");
        check(c.n_registries == 3);
        if (c.n_registries == 3) {
                check_str(c.registries[0].prefix, "x.io");
                check(!c.registries[0].insecure && c.registries[0].n_mirrors == 1);
                check_str(c.registries[1].prefix, "y.io");
                check_str(c.registries[2].prefix, "z.io");
        }
        check(c.n_aliases == 2);
        check(registries_conf_alias(&c, "busybox") == NULL);
        check_str(registries_conf_alias(&c, "keep"), "quay.io/keep");
        check_str(registries_conf_alias(&c, "new"), "quay.io/new");
        check(registries_conf_alias(&c, "never") == NULL);

        check(parse(&c, c3, "c.conf", &err) == 0);
        check(c.n_search == 0);
        check_str(c.short_name_mode, "disabled");
        check(c.n_registries == 3 && c.n_aliases == 2);
        registries_conf_clear(&c);
}

/* within one file the first [[registry]] of a prefix wins, as in containers/image */
static void
test_first_prefix_wins_in_a_file(void)
{
        static const char t[] = "[[registry]]\n"
                                "prefix = 'p.io/a'\n"
                                "location = 'one.io'\n"
                                "[[registry]]\n"
                                "prefix = 'p.io/a'\n"
                                "location = 'two.io'\n";
        struct registries_conf c = {};

        check(parse(&c, t, "t", NULL) == 0);
        check(c.n_registries == 1);
        if (c.n_registries == 1)
                check_str(c.registries[0].location, "one.io");
        registries_conf_clear(&c);
}

/* a failed file changes nothing */
static void
test_error_leaves_conf_unchanged(void)
{
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, "unqualified-search-registries = ['a.io']\n", "a", NULL) == 0);
        check(parse(&c,
                    "unqualified-search-registries = ['b.io']\n[[registry]]\nlocation='x.io'\n"
                    "[aliases]\nx = 'quay.io/x'\nbad = 1.5\n",
                    "b", &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "b:6:7: floats are not supported");
        check(c.n_search == 1 && c.n_registries == 0 && c.n_aliases == 0);
        if (c.n_search == 1)
                check_str(c.search[0], "a.io");
        registries_conf_clear(&c);
}

struct bad_case {
        const char *text;
        const char *msg;
};

static const struct bad_case bad_cases[] = {
        /* values outside the subset */
        {"x = 1.5\n", "f:1:5: floats are not supported"},
        {"x = 1e5\n", "f:1:5: floats are not supported"},
        {"x = -inf\n", "f:1:5: floats are not supported"},
        {"x = nan\n", "f:1:5: floats are not supported"},
        {"x = 1979-05-27\n", "f:1:5: dates and times are not supported"},
        {"x = 1979-05-27T07:32:00Z\n", "f:1:5: dates and times are not supported"},
        {"x = 07:32:00\n", "f:1:5: dates and times are not supported"},
        {"x = {a = 1}\n", "f:1:5: inline tables are not supported"},
        {"x = [[1]]\n", "f:1:6: arrays of arrays are not supported"},
        {"x = \"\"\"a\"\"\"\n", "f:1:5: multi-line strings are not supported"},
        {"x = '''a'''\n", "f:1:5: multi-line strings are not supported"},
        {"a.b = 'x'\n", "f:1:2: dotted keys are not supported"},
        {"x = yes\n", "f:1:5: expected a value"},
        {"x = truex\n", "f:1:5: expected a value"},
        {"x =\n", "f:1:4: expected a value after '='"},
        {"x = # nothing\n", "f:1:5: expected a value after '='"},
        {"x 'y'\n", "f:1:3: expected '=' after the key"},
        {"= 'y'\n", "f:1:1: expected a key"},
        {"x = 'a' 'b'\n", "f:1:9: expected the end of the line"},
        {"x = 01\n", "f:1:5: leading zeros are not allowed in an integer"},
        {"x = 1__0\n", "f:1:5: invalid number"},
        {"x = 1_\n", "f:1:5: invalid number"},
        {"x = 0xg\n", "f:1:5: invalid number"},
        {"x = 9223372036854775808\n", "f:1:5: integer out of range"},
        /* a valid integer, true and false are values: the key is what is wrong */
        {"x = -9223372036854775808\n", "f:1:1: unknown key \"x\" in the top level"},
        {"x = 0x7fff_FFFF\n", "f:1:1: unknown key \"x\" in the top level"},
        {"x = 1_000\n", "f:1:1: unknown key \"x\" in the top level"},
        {"x = false\n", "f:1:1: unknown key \"x\" in the top level"},
        /* strings */
        {"x = \"abc\n", "f:1:5: unterminated string"},
        {"x = 'abc", "f:1:5: unterminated string"},
        {"x = \"a\\qb\"\n", "f:1:7: invalid escape sequence in a string"},
        {"x = \"a\\", "f:1:7: invalid escape sequence in a string"},
        {"x = \"\\ud800\"\n", "f:1:6: \\u escape of U+D800: not a Unicode scalar value"},
        {"x = \"\\U00110000\"\n", "f:1:6: \\U escape of U+110000: not a Unicode scalar value"},
        {"x = \"\\u12\"\n", "f:1:6: \\u needs 4 hexadecimal digits"},
        {"x = \"\\u0000\"\n", "f:1:6: a NUL character is not allowed"},
        {"x = \"a\tb\x01\"\n", "f:1:9: control character 0x01 in a string"},
        {"# a\x7f comment\n", "f:1:4: control character 0x7f in a comment"},
        {"x = 'a'\ry = 'b'\n", "f:1:8: a carriage return must be followed by a newline"},
        {"# caf\xc3\xa9\n\xff\n", "f:2:1: not valid UTF-8"},
        /* columns count characters, not bytes */
        {"# \xc3\xa9\nfoo = \"\xc3\xa9\" x\n", "f:2:11: expected the end of the line"},
        /* arrays */
        {"unqualified-search-registries = ['a.io'\n", "f:1:33: unterminated array"},
        {"unqualified-search-registries = ['a.io' 'b.io']\n",
         "f:1:41: expected ',' or ']' in an array"},
        {"unqualified-search-registries = ['a.io', 1]\n",
         "f:1:42: only arrays of strings are supported"},
        {"unqualified-search-registries = [,]\n", "f:1:34: expected a value"},
        /* keys and tables */
        {"foo = 'x'\n", "f:1:1: unknown key \"foo\" in the top level"},
        {"\"f\\no\" = 'x'\n", "f:1:1: unknown key \"f\\x0ao\" in the top level"},
        {"short-name-mode = 'enforcing'\nshort-name-mode = 'permissive'\n",
         "f:2:1: duplicate key \"short-name-mode\""},
        {"[aliases]\n\"a\" = \"docker.io/a\"\na = \"docker.io/b\"\n", "f:3:1: duplicate key \"a\""},
        {"[aliases]\nx = 'quay.io/x'\n[aliases]\n", "f:3:1: table [aliases] is defined twice"},
        {"[registries.search]\nregistries = []\n[registries.search]\n",
         "f:3:1: table [registries.search] is defined twice"},
        {"[registry]\nlocation = 'a.io'\n",
         "f:1:1: registry is an array of tables: write it [[registry]]"},
        {"[[registry]]\nlocation = 'a.io'\n[registry.mirror]\n",
         "f:3:1: registry.mirror is an array of tables: write it [[registry.mirror]]"},
        {"[[aliases]]\n", "f:1:1: aliases is a table: write it [aliases]"},
        {"[unknown]\n", "f:1:1: unknown table [unknown]"},
        {"[ registries . other ]\n", "f:1:1: unknown table [registries.other]"},
        {"[[registry.mirror.x]]\n", "f:1:1: unknown table [[registry.mirror.x]]"},
        {"[a.b.c.d.e]\n", "f:1:1: unknown table"},
        {"[aliases\n", "f:1:9: expected ']' to close the table header"},
        {"[[registry]\n", "f:1:11: expected ']]' to close the table header"},
        {"[aliases] x\n", "f:1:11: expected the end of the line"},
        {"[registries]\nsearch = ['a.io']\n", "f:2:1: unknown key \"search\" in [registries]"},
        {"[registries.search]\nregistry = ['a.io']\n",
         "f:2:1: unknown key \"registry\" in [registries.search]"},
        /* [[registry]] */
        {"[[registry]]\nlocation = 'a.io'\nunqualified-search-registries = []\n",
         "f:3:1: unknown key \"unqualified-search-registries\" in [[registry]] (top-level keys "
         "must come before the first table)"},
        {"[[registry]]\nlocatoin = 'a.io'\n", "f:2:1: unknown key \"locatoin\" in [[registry]]"},
        {"[[registry]]\nlocation = 'a.io'\nlocation = 'b.io'\n",
         "f:3:1: duplicate key \"location\""},
        {"[[registry]]\ninsecure = \"true\"\n", "f:2:12: insecure: expected true or false"},
        {"[[registry]]\nblocked = 1\n", "f:2:11: blocked: expected true or false"},
        {"[[registry]]\nlocation = ['a.io']\n", "f:2:12: location: expected a string"},
        {"[[registry]]\nprefix = 'example.com'\n",
         "f:1:1: [[registry]] without a location needs a wildcard prefix (*.example.com)"},
        {"[[registry]]\ninsecure = true\n[aliases]\n",
         "f:1:1: [[registry]] needs a location or a prefix"},
        {"[[registry]]\nlocation = ''\nprefix = ''\n",
         "f:1:1: [[registry]] needs a location or a prefix"},
        {"[[registry]]\nlocation = 'https://a.io'\n",
         "f:2:12: location \"https://a.io\": URL schemes are not supported"},
        {"[[registry]]\nlocation = 'a b.io'\n",
         "f:2:12: location \"a b.io\": not a registry host[:port][/path]"},
        {"[[registry]]\nprefix = 'http://a.io'\nlocation = 'a.io'\n",
         "f:2:10: prefix \"http://a.io\": URL schemes are not supported"},
        {"[[registry]]\nprefix = '*.example.com:5000'\n",
         "f:2:10: prefix \"*.example.com:5000\": a wildcard prefix must look like *.example.com"},
        {"[[registry]]\nprefix = '*.example.com/foo'\n",
         "f:2:10: prefix \"*.example.com/foo\": a wildcard prefix must look like *.example.com"},
        {"[[registry]]\nprefix = '*.'\n",
         "f:2:10: prefix \"*.\": a wildcard prefix must look like *.example.com"},
        {"[[registry]]\nlocation = 'a.io'\npull-from-mirror = 'all'\n",
         "f:3:20: pull-from-mirror: only a [[registry.mirror]] can have it"},
        {"[[registry]]\nlocation = 'a.io'\ninsecure = true\n"
         "[[registry]]\nprefix = 'a.io/x'\nlocation = 'a.io'\n",
         "f:4:1: registry \"a.io\" is defined again with a different \"insecure\" setting"},
        {"[[registry]]\nlocation = 'a.io'\n"
         "[[registry]]\nprefix = 'a.io/x'\nlocation = 'a.io'\nblocked = true\n",
         "f:3:1: registry \"a.io\" is defined again with a different \"blocked\" setting"},
        /* [[registry.mirror]] */
        {"[[registry.mirror]]\nlocation = 'a.io'\n",
         "f:1:1: [[registry.mirror]] must follow a [[registry]]"},
        {"[[registry]]\nlocation = 'a.io'\n[aliases]\n[[registry.mirror]]\nlocation = 'm.io'\n",
         "f:4:1: [[registry.mirror]] must follow a [[registry]]"},
        {"[[registry]]\nlocation = 'a.io'\n[[registry.mirror]]\ninsecure = true\n",
         "f:3:1: [[registry.mirror]] needs a location"},
        {"[[registry]]\nlocation = 'a.io'\n[[registry.mirror]]\nlocation = 'm.io'\n"
         "pull-from-mirror = 'sometimes'\n",
         "f:5:20: pull-from-mirror \"sometimes\": expected \"all\", \"digest-only\" or "
         "\"tag-only\""},
        {"[[registry]]\nlocation = 'a.io'\nmirror-by-digest-only = true\n"
         "[[registry.mirror]]\nlocation = 'm.io'\npull-from-mirror = 'tag-only'\n",
         "f:6:20: pull-from-mirror cannot be combined with the registry's "
         "mirror-by-digest-only"},
        {"[[registry]]\nlocation = 'a.io'\n[[registry.mirror]]\nprefix = 'm.io'\n",
         "f:4:1: unknown key \"prefix\" in [[registry.mirror]]"},
        /* top-level values */
        {"short-name-mode = 'sometimes'\n",
         "f:1:19: short-name-mode \"sometimes\": expected \"enforcing\", \"permissive\" or "
         "\"disabled\""},
        {"unqualified-search-registries = 'docker.io'\n",
         "f:1:33: unqualified-search-registries: expected an array of strings"},
        {"unqualified-search-registries = ['docker.io', 'quay.io/ns']\n",
         "f:1:47: unqualified-search-registries: \"quay.io/ns\" is not a registry host[:port]"},
        {"credential-helpers = 'pass'\n", "f:1:22: credential-helpers: expected an array of "
                                          "strings"},
        /* v1 and v2 together */
        {"[registries.search]\nregistries = ['a.io']\n[[registry]]\nlocation = 'b.io'\n",
         "f:3:1: the v1 format ([registries.*]) and v2 settings cannot be mixed in one file"},
        {"short-name-mode = 'enforcing'\n[registries.block]\nregistries = []\n",
         "f:3:1: the v1 format ([registries.*]) and v2 settings cannot be mixed in one file"},
        {"[registries.insecure]\nregistries = ['https://a.io']\n",
         "f:2:15: registries \"https://a.io\": URL schemes are not supported"},
        {"[registries.search]\nregistries = ['a b']\n",
         "f:2:15: unqualified-search-registries: \"a b\" is not a registry host[:port]"},
        /* aliases */
        {"[aliases]\n\"Busybox\" = \"docker.io/library/busybox\"\n",
         "f:2:1: alias \"Busybox\": the repository name must be lowercase"},
        {"[aliases]\n\"quay.io/x\" = \"quay.io/x\"\n",
         "f:2:1: alias \"quay.io/x\": must be a short name, without a registry"},
        {"[aliases]\n\"x:1\" = \"quay.io/x\"\n",
         "f:2:1: alias \"x:1\": must not have a tag or digest"},
        {"[aliases]\n\"x\" = \"x/y\"\n", "f:2:7: alias \"x\": the value must name a registry"},
        {"[aliases]\n\"x\" = \"quay.io/x:1\"\n",
         "f:2:7: alias \"x\": the value must not have a tag or digest"},
        {"[aliases]\n\"x\" = \"quay.io/x@sha256:"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
         "f:2:7: alias \"x\": the value must not have a tag or digest"},
        {"[aliases]\n\"x\" = \"quay.io/X\"\n",
         "f:2:7: alias \"x\": \"quay.io/X\": the repository name must be lowercase"},
        {"[aliases]\n\"x\" = true\n", "f:2:7: x: expected a string"},
};

static void
test_errors(void)
{
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                struct registries_conf c = {};
                _cleanup_(berr_freep) struct berr *err = NULL;
                int r = parse(&c, bad_cases[i].text, "f", &err);

                check(r == -EINVAL);
                check_str(err ? err->msg : NULL, bad_cases[i].msg);
                check(c.n_search == 0 && c.n_registries == 0 && c.n_aliases == 0);
                registries_conf_clear(&c);
        }
}

/* a NUL byte inside the buffer is a control character, not the end */
static void
test_nul_byte(void)
{
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;
        static const char t[] = "x = 'a\0b'\n";

        check(registries_conf_parse(&c, t, sizeof(t) - 1, "n", &err) == -EINVAL);
        check_str(err ? err->msg : NULL, "n:1:7: control character 0x00 in a string");
}

static void
test_find(void)
{
        static const char t[] = "[[registry]]\nlocation = 'example.com'\n"
                                "[[registry]]\nprefix = 'example.com/foo'\n"
                                "location = 'mirror.example.net/foo'\n"
                                "[[registry]]\nprefix = '*.example.com'\nblocked = true\n"
                                "[[registry]]\nprefix = '*.sub.example.com'\nlocation = 's.io'\n"
                                "[[registry]]\nlocation = 'localhost:5000'\ninsecure = true\n"
                                "[[registry]]\nlocation = 'quay.io/a/b'\n"
                                "[[registry]]\nlocation = '[::1]'\n";
        static const struct {
                const char *ref, *prefix;
        } cases[] = {
                {"example.com/x:tag", "example.com"},
                {"example.com", "example.com"},
                {"example.com/foo/bar:1", "example.com/foo"},
                {"example.com/foo:1", "example.com/foo"},
                {"example.com/foo", "example.com/foo"},
                {"example.com/foo@sha256:"
                 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 "example.com/foo"},
                /* a path boundary, not a string prefix */
                {"example.com/foobar:1", "example.com"},
                {"example.community/x", NULL},
                /* a port is another registry */
                {"example.com:5000/x", NULL},
                {"a.example.com/x", "*.example.com"},
                {"b.a.example.com:5000/x", "*.example.com"},
                {"a.example.com", "*.example.com"},
                {"x.sub.example.com/y:1", "*.sub.example.com"},
                {"example.com.evil.org/x", NULL},
                {"evil.org/a.example.com/x", NULL},
                {"aexample.com/x", NULL},
                {"localhost:5000/a:1", "localhost:5000"},
                {"localhost:50000/a", NULL},
                {"localhost/a", NULL},
                {"quay.io/a/b:1", "quay.io/a/b"},
                {"quay.io/a/b/c:1", "quay.io/a/b"},
                {"quay.io/a/bc:1", NULL},
                {"quay.io/a", NULL},
                {"[::1]/a:1", "[::1]"},
                {"[::1]:5000/a:1", NULL},
                {"docker.io/library/busybox:latest", NULL},
        };
        struct registries_conf c = {};
        _cleanup_(berr_freep) struct berr *err = NULL;

        check(parse(&c, t, "find.conf", &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct registry_entry *e = registries_conf_find(&c, cases[i].ref);

                if (!cases[i].prefix) {
                        if (e)
                                fprintf(stderr, "  %s: matched %s\n", cases[i].ref, e->prefix);
                        check(e == NULL);
                        continue;
                }
                check(e != NULL);
                if (e && strcmp(e->prefix, cases[i].prefix) != 0)
                        fprintf(stderr, "  %s: matched %s\n", cases[i].ref, e->prefix);
                check(e && streq(e->prefix, cases[i].prefix));
        }
        registries_conf_clear(&c);
        check(registries_conf_find(&c, "example.com/x") == NULL);
}

/* ---- registries_conf_load, on files ---- */

static void
write_file(const char *dir, const char *name, const char *text)
{
        _cleanup_free_ char *path = NULL;
        FILE *f;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        f = fopen(path, "we");
        if (!f)
                abort();
        fputs(text, f);
        fclose(f);
}

static char *
join(const char *a, const char *b)
{
        char *s = NULL;

        if (asprintf(&s, "%s%s", a, b) < 0)
                abort();
        return s;
}

static void
mkdirs(const char *base, const char *rel)
{
        _cleanup_free_ char *p = join(base, rel);

        for (char *s = p + strlen(base) + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                (void)mkdir(p, 0755);
                *s = '/';
        }
        (void)mkdir(p, 0755);
}

/* rm -rf of what these tests make: plain files and directories */
static void
remove_tree(const char *path)
{
        struct stat st;

        if (lstat(path, &st) < 0)
                return;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_(closedirp_) DIR *d = opendir(path);
                struct dirent *de;

                while (d && (de = readdir(d))) {
                        _cleanup_free_ char *sub = NULL;

                        if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                                continue;
                        if (asprintf(&sub, "%s/%s", path, de->d_name) < 0)
                                abort();
                        remove_tree(sub);
                }
                (void)rmdir(path);
        } else {
                (void)unlink(path);
        }
}

struct env_save {
        char *home, *xdg, *crc;
};

static void
env_save(struct env_save *s)
{
        const char *h = getenv("HOME"), *x = getenv("XDG_CONFIG_HOME"),
                   *c = getenv("CONTAINERS_REGISTRIES_CONF");

        s->home = h ? strdup(h) : NULL;
        s->xdg = x ? strdup(x) : NULL;
        s->crc = c ? strdup(c) : NULL;
}

static void
env_put(const char *name, const char *value)
{
        if (value)
                setenv(name, value, 1);
        else
                unsetenv(name);
}

static void
env_restore(struct env_save *s)
{
        env_put("HOME", s->home);
        env_put("XDG_CONFIG_HOME", s->xdg);
        env_put("CONTAINERS_REGISTRIES_CONF", s->crc);
        free(s->home);
        free(s->xdg);
        free(s->crc);
}

static void
test_load(void)
{
        char tmpl[] = "/tmp/berth-test-regconf-XXXXXX";
        char *root = mkdtemp(tmpl);
        _cleanup_free_ char *etc = NULL, *etc_d = NULL, *home = NULL, *user = NULL, *user_d = NULL,
                            *env_file = NULL;
        struct registries_conf c = {};
        struct env_save saved;
        struct berr *err = NULL;

        check(root != NULL);
        if (!root)
                return;
        env_save(&saved);
        etc = join(root, "/etc/containers");
        etc_d = join(root, "/etc/containers/registries.conf.d");
        home = join(root, "/home");
        user = join(root, "/home/.config/containers");
        user_d = join(root, "/home/.config/containers/registries.conf.d");
        env_file = join(root, "/env.conf");
        mkdirs(root, "/etc/containers/registries.conf.d/dir.conf");
        mkdirs(root, "/home/.config/containers/registries.conf.d");

        write_file(etc, "registries.conf",
                   "unqualified-search-registries = ['sys.io']\n"
                   "[[registry]]\nlocation = 'a.io'\n"
                   "[aliases]\nbusybox = 'sys.io/busybox'\n");
        /* byte order: 10 before 2, and both after the main file */
        write_file(etc_d, "2-b.conf", "unqualified-search-registries = ['two.io']\n");
        write_file(etc_d, "10-a.conf",
                   "unqualified-search-registries = ['ten.io']\n"
                   "[[registry]]\nlocation = 'a.io'\ninsecure = true\n");
        write_file(etc_d, "README", "this is not TOML\n");
        write_file(etc_d, "x.conf.bak", "neither is this\n");
        write_file(user_d, "50-user.conf", "[aliases]\nbusybox = 'user.io/busybox'\n");

        unsetenv("CONTAINERS_REGISTRIES_CONF");
        unsetenv("XDG_CONFIG_HOME");
        setenv("HOME", home, 1);

        /* no user file: the system's, its drop-ins, then the user's drop-ins */
        check(registries_conf_load(&c, root, &err) == 0);
        if (err)
                fprintf(stderr, "  %s\n", err->msg);
        err = berr_free(err);
        check(c.n_search == 1 && streq(c.search[0], "two.io"));
        check(c.n_registries == 1 && c.registries[0].insecure);
        check_str(registries_conf_alias(&c, "busybox"), "user.io/busybox");
        registries_conf_clear(&c);

        /* a user file replaces the system's file and drop-ins */
        write_file(user, "registries.conf", "unqualified-search-registries = ['mine.io']\n");
        check(registries_conf_load(&c, root, &err) == 0);
        err = berr_free(err);
        check(c.n_search == 1 && streq(c.search[0], "mine.io"));
        check(c.n_registries == 0);
        check_str(registries_conf_alias(&c, "busybox"), "user.io/busybox");
        registries_conf_clear(&c);

        /* $XDG_CONFIG_HOME is where the user's files are when set */
        setenv("XDG_CONFIG_HOME", root, 1);
        check(registries_conf_load(&c, root, &err) == 0);
        err = berr_free(err);
        check(c.n_search == 1 && streq(c.search[0], "two.io"));
        check(registries_conf_alias(&c, "busybox") && streq(c.aliases[0].value, "sys.io/busybox"));
        registries_conf_clear(&c);
        unsetenv("XDG_CONFIG_HOME");

        /* $CONTAINERS_REGISTRIES_CONF: that file alone */
        write_file(root, "env.conf", "unqualified-search-registries = ['env.io']\n");
        setenv("CONTAINERS_REGISTRIES_CONF", env_file, 1);
        check(registries_conf_load(&c, root, &err) == 0);
        err = berr_free(err);
        check(c.n_search == 1 && streq(c.search[0], "env.io"));
        check(c.n_registries == 0 && c.n_aliases == 0);
        registries_conf_clear(&c);

        /* ... and it must exist */
        (void)unlink(env_file);
        check(registries_conf_load(&c, root, &err) == -ENOENT);
        check(err && strstr(err->msg, "env.conf: No such file or directory"));
        err = berr_free(err);
        unsetenv("CONTAINERS_REGISTRIES_CONF");

        /* an error in a drop-in names the file, line and column */
        write_file(user_d, "60-bad.conf", "\n[[registry]]\nlocation = 'a.io'\nblocked = 'no'\n");
        check(registries_conf_load(&c, root, &err) == -EINVAL);
        {
                _cleanup_free_ char *want = join(user_d, "/60-bad.conf:4:11: blocked: expected "
                                                         "true or false");
                check_str(err ? err->msg : NULL, want);
        }
        err = berr_free(err);
        registries_conf_clear(&c);

        /* drop-ins must be v2; the main file may be v1 */
        remove_tree(user);
        write_file(etc_d, "30-v1.conf", "[registries.search]\nregistries = ['v1.io']\n");
        check(registries_conf_load(&c, root, &err) == -EINVAL);
        {
                _cleanup_free_ char *want = join(etc_d, "/30-v1.conf:2:1: a drop-in file must use "
                                                        "the v2 format, not [registries.*]");
                check_str(err ? err->msg : NULL, want);
        }
        err = berr_free(err);
        registries_conf_clear(&c);
        remove_tree(etc_d);
        write_file(etc, "registries.conf", "[registries.search]\nregistries = ['v1.io']\n");
        check(registries_conf_load(&c, root, &err) == 0);
        check(c.n_search == 1 && streq(c.search[0], "v1.io"));
        err = berr_free(err);
        registries_conf_clear(&c);

        /* nothing there at all: an empty configuration */
        remove_tree(root);
        check(registries_conf_load(&c, root, &err) == 0);
        check(c.n_search == 0 && c.n_registries == 0 && c.n_aliases == 0);
        berr_free(err);
        env_restore(&saved);
}

int
main(void)
{
        RUN(test_fedora_style_file);
        RUN(test_debian_comments_crlf_bom);
        RUN(test_v1_format);
        RUN(test_merge_order);
        RUN(test_first_prefix_wins_in_a_file);
        RUN(test_error_leaves_conf_unchanged);
        RUN(test_errors);
        RUN(test_nul_byte);
        RUN(test_find);
        RUN(test_load);
        return check_done();
}
