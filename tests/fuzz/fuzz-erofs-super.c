/*
 * tests/fuzz/fuzz-erofs-super.c: the superblock of an EROFS image, which
 * may come from a shared store any node writes to. The input is the
 * image's start; it is read as a whole file, as the start of a larger
 * one, and as a file shorter than the bytes given (refused). What is
 * accepted must hold together: a block size of 512 bytes to 64 KiB, at
 * least one block, and no more blocks than the file holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "storage/erofs.h"
#include "util/berr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const uint8_t *data, size_t size, uint64_t file_size)
{
        struct erofs_super_info info;
        struct berr *err = NULL;
        int r;

        memset(&info, 0xa5, sizeof(info));
        r = erofs_super_parse(data, size, file_size, &info, &err);
        if (r == 0) {
                if (err || size > file_size)
                        abort();
                if (info.block_size < 512 || info.block_size > 65536 ||
                    (info.block_size & (info.block_size - 1)))
                        abort();
                if (info.blocks == 0 || info.blocks > file_size / info.block_size)
                        abort();
                if (info.file_size != file_size)
                        abort();
        } else if (r >= 0 || !err || !err->msg || !*err->msg) {
                abort();
        }
        berr_free(err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        one(data, size, size);
        one(data, size, (uint64_t)size + 65536);
        one(data, size, UINT64_MAX);
        if (size > 0)
                one(data, size, size - 1);
        return 0;
}
