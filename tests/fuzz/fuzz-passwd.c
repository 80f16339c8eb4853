/*
 * tests/fuzz/fuzz-passwd.c: /etc/passwd and /etc/group lines come from
 * images. Every line of the input is parsed both ways; what parses must
 * hold together (a name without ':' or '\n', home without ':'), and the
 * member lists are searched for the names found.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(const char *line, size_t len)
{
        char *p = strndup(line, len), *g = strndup(line, len), *names = NULL;
        struct passwd_entry pe;
        struct group_entry ge;
        uint32_t id;

        if (!p || !g)
                abort();
        if (passwd_parse_line(p, &pe)) {
                if (!*pe.name || strchr(pe.name, ':') || strchr(pe.home, ':'))
                        abort();
                if (pe.uid == UINT32_MAX || pe.gid == UINT32_MAX)
                        abort();
                names = strdup(pe.name);
        }
        if (group_parse_line(g, &ge)) {
                if (!*ge.name || strchr(ge.name, ':') || ge.gid == UINT32_MAX)
                        abort();
                if (ge.members && strchr(ge.members, ':'))
                        abort();
                /* a member list names its first member, and never "" */
                if (ge.members && group_has_member(ge.members, ""))
                        abort();
                if (names)
                        (void)group_has_member(ge.members, names);
                if (ge.members && *ge.members && ge.members[0] != ',') {
                        size_t n = strcspn(ge.members, ",");
                        char *first = strndup(ge.members, n);

                        if (!first || !group_has_member(ge.members, first))
                                abort();
                        free(first);
                }
        }
        if (passwd_parse_id(line[0] ? p : "", &id) == 0 && id == UINT32_MAX)
                abort();
        free(names);
        free(p);
        free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *s = (const char *)data, *end = s + size;

        while (s < end) {
                const char *nl = memchr(s, '\n', (size_t)(end - s));
                size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);

                /* a NUL ends a line's text, as it ends the C string read from the file */
                one_line(s, strnlen(s, len));
                s += len + 1;
        }
        return 0;
}
