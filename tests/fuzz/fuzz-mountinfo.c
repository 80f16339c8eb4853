/*
 * tests/fuzz/fuzz-mountinfo.c: /proc/self/mountinfo as storage/sharedfs.c
 * reads it (mount points and sources are whatever users and servers name
 * them), and the classification of what it finds. A line that parses must
 * read back the same after its fields are escaped again; the mount found
 * for a path must hold it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/sharedfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the kernel's mangle(): space, tab, newline and backslash as \ooo */
static void
put_escaped(FILE *f, const char *s)
{
        for (; *s; s++) {
                if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\\')
                        fprintf(f, "\\%03o", (unsigned char)*s);
                else
                        fputc(*s, f);
        }
}

static bool
same(const char *a, const char *b)
{
        return a && b && strcmp(a, b) == 0;
}

static void
check_round_trip(const struct sharedfs_mount *m)
{
        struct sharedfs_mount again = {};
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        if (!f)
                return;
        fprintf(f, "%u %u %u:%u ", m->mount_id, m->parent_id, m->dev_major, m->dev_minor);
        put_escaped(f, m->root);
        fputc(' ', f);
        put_escaped(f, m->mount_point);
        fputc(' ', f);
        put_escaped(f, m->options);
        fputs(" - ", f);
        put_escaped(f, m->fstype);
        fputc(' ', f);
        put_escaped(f, m->source);
        fputc(' ', f);
        put_escaped(f, m->super_options);
        if (fclose(f) != 0) {
                free(text);
                return;
        }
        if (sharedfs_mountinfo_parse_line(text, len, &again) != 0)
                abort();
        if (again.mount_id != m->mount_id || again.parent_id != m->parent_id ||
            again.dev_major != m->dev_major || again.dev_minor != m->dev_minor ||
            !same(again.root, m->root) || !same(again.mount_point, m->mount_point) ||
            !same(again.options, m->options) || !same(again.fstype, m->fstype) ||
            !same(again.source, m->source) || !same(again.super_options, m->super_options))
                abort();
        sharedfs_mount_done(&again);
        free(text);
}

static void
check_kind(uint64_t f_type, const char *fstype, const char *source)
{
        char *kind = NULL;
        bool network = false;

        if (sharedfs_classify(f_type, fstype, source, &kind, &network) != 0)
                return; /* out of memory */
        if (!kind || !*kind)
                abort();
        free(kind);
}

/* whether mount point mp holds path, written again the plain way */
static bool
holds(const char *mp, const char *path)
{
        size_t n = strlen(mp);

        while (n > 1 && mp[n - 1] == '/')
                n--;
        if (n == 1)
                return true;
        return strncmp(mp, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const paths[] = {"/", "/mnt/shared/layers", "/a b/c", "/proc"};
        const char *text = (const char *)data;
        uint64_t f_type = 0;
        size_t pos = 0;

        /* each line alone */
        while (pos < size) {
                const char *nl = memchr(text + pos, '\n', size - pos);
                size_t n = nl ? (size_t)(nl - (text + pos)) : size - pos;
                struct sharedfs_mount m = {};

                if (sharedfs_mountinfo_parse_line(text + pos, n, &m) == 0) {
                        if (m.mount_point[0] != '/' || !*m.fstype || !m.root || !m.options ||
                            !m.source || !m.super_options)
                                abort();
                        check_round_trip(&m);
                        check_kind(0, m.fstype, m.source);
                }
                sharedfs_mount_done(&m);
                pos += n + 1;
        }

        /* the whole text, for a few paths, by prefix and by the first line's ID */
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
                struct sharedfs_mount m = {};

                if (sharedfs_mountinfo_find(text, size, paths[i], 0, &m) == 0) {
                        if (!holds(m.mount_point, paths[i]))
                                abort();
                        sharedfs_mount_done(&m);
                }
                if (sharedfs_mountinfo_find(text, size, paths[i], 1, &m) == 0) {
                        if (m.mount_id != 1 && !holds(m.mount_point, paths[i]))
                                abort();
                        sharedfs_mount_done(&m);
                }
        }

        /* the first bytes as an f_type, alone and with the text as a type */
        if (size >= 4)
                memcpy(&f_type, data, 4);
        check_kind(f_type, NULL, NULL);
        if (size > 0 && size < 256 && !memchr(data, '\0', size)) {
                char *s = strndup(text, size);

                if (s)
                        check_kind(f_type, s, s);
                free(s);
        }
        return 0;
}
