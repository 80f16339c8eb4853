/*
 * tests/fuzz/replay.c: a main() for the fuzz targets, so make check can run
 * every saved input through them without libFuzzer. Arguments are files or
 * directories (searched recursively); a crash is the failure.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, size_t *count)
{
        FILE *f = fopen(path, "rbe");
        uint8_t *buf = NULL;
        size_t len = 0, alloc = 0, n;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                if (len == alloc) {
                        uint8_t *nb = realloc(buf, alloc ? alloc * 2 : 4096);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = nb;
                        alloc = alloc ? alloc * 2 : 4096;
                }
                n = fread(buf + len, 1, alloc - len, f);
                if (n == 0)
                        break;
                len += n;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        (*count)++;
        return 0;
}

static int
replay(const char *path, size_t *count)
{
        struct stat st;
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (stat(path, &st) < 0)
                return 0; /* a corpus that does not exist yet is empty */
        if (!S_ISDIR(st.st_mode))
                return replay_file(path, count);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d))) {
                char *sub;
                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&sub, "%s/%s", path, de->d_name) < 0) {
                        r = -1;
                        break;
                }
                if (replay(sub, count) < 0)
                        r = -1;
                free(sub);
        }
        closedir(d);
        return r;
}

int
main(int argc, char **argv)
{
        const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
        size_t count = 0;
        int r = 0;

        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &count) < 0)
                        r = -1;
        if (r < 0) {
                printf("FAIL %s: could not read the corpus\n", name);
                return 1;
        }
        printf("PASS %s (%zu inputs)\n", name, count);
        return 0;
}
