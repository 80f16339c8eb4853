/* runtime/device-arg.c: --device HOST[:CONTAINER][:PERMISSIONS] */
#include "device-arg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "util/berr.h"
#include "util/cleanup.h"

static bool
is_permissions(const char *s)
{
        return s[0] && strspn(s, "rwm") == strlen(s);
}

int
device_arg_parse(const char *arg, struct spec_device *ret, char **ret_text, struct berr **err)
{
        _cleanup_free_ char *text = strdup(arg);
        char *host, *ctr = NULL, *perms = NULL, *colon;
        struct stat st;

        if (!text)
                return berr(err, ENOMEM, "--device");
        host = text;
        colon = strchr(host, ':');
        if (colon) {
                *colon = '\0';
                ctr = colon + 1;
                colon = strchr(ctr, ':');
                if (colon) {
                        *colon = '\0';
                        perms = colon + 1;
                } else if (is_permissions(ctr)) { /* HOST:PERMISSIONS, as podman reads it */
                        perms = ctr;
                        ctr = NULL;
                }
        }
        if (host[0] != '/' || (ctr && ctr[0] != '/'))
                return berr(err, 0, "--device %s: expected an absolute HOST[:CONTAINER] path", arg);
        if (perms && !is_permissions(perms))
                return berr(err, 0, "--device %s: permissions %s: expected letters of \"rwm\"", arg,
                            perms);
        if (stat(host, &st) < 0)
                return berr(err, errno, "--device %s", host);
        if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
                return berr(err, 0, "--device %s: not a character or block device", host);
        *ret = (struct spec_device){
                .path = ctr ? ctr : host,
                .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
                .major = major(st.st_rdev),
                .minor = minor(st.st_rdev),
                .file_mode = st.st_mode & 07777,
                .access = perms,
        };
        *ret_text = TAKE_PTR(text);
        return 0;
}
