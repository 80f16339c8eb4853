/*
 * storage/rfc3339.c: RFC 3339 timestamps. Written out rather than with
 * strptime()/timegm(): strptime() takes the locale and skips whitespace, and
 * years before 1970 (Go's zero time, 0001-01-01, is common in image
 * configs) are where timegm() implementations differ.
 */
#include "storage/rfc3339.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* n digits at s as a number, or -1 */
static int
digits(const char *s, int n)
{
        int v = 0;

        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

static bool
leap_year(int y)
{
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (Howard Hinnant's algorithm).
 */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
        int64_t era, yoe, doy, doe;

        y -= m <= 2;
        era = (y >= 0 ? y : y - 399) / 400;
        yoe = y - era * 400;
        doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

int
rfc3339_parse(const char *s, int64_t *ret)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int year, mon, day, hour, min, sec, off = 0;
        const char *p;

        if (!s)
                return -EINVAL;
        year = digits(s, 4);
        if (year < 0 || s[4] != '-')
                return -EINVAL;
        mon = digits(s + 5, 2);
        if (mon < 1 || mon > 12 || s[7] != '-')
                return -EINVAL;
        day = digits(s + 8, 2);
        if (day < 1 || day > mdays[mon - 1] + (mon == 2 && leap_year(year)))
                return -EINVAL;
        if (s[10] != 'T' && s[10] != 't')
                return -EINVAL;
        hour = digits(s + 11, 2);
        if (hour < 0 || hour > 23 || s[13] != ':')
                return -EINVAL;
        min = digits(s + 14, 2);
        if (min < 0 || min > 59 || s[16] != ':')
                return -EINVAL;
        /* Go's parser refuses the leap second :60, and so does berth */
        sec = digits(s + 17, 2);
        if (sec < 0 || sec > 59)
                return -EINVAL;
        p = s + 19;
        if (*p == '.') {
                int n = 0;

                for (p++; *p >= '0' && *p <= '9'; p++)
                        n++;
                if (n == 0 || n > 9)
                        return -EINVAL;
        }
        if (*p == 'Z' || *p == 'z') {
                p++;
        } else if (*p == '+' || *p == '-') {
                int oh = digits(p + 1, 2), om;

                if (oh < 0 || oh > 23 || p[3] != ':')
                        return -EINVAL;
                om = digits(p + 4, 2);
                if (om < 0 || om > 59)
                        return -EINVAL;
                off = (oh * 60 + om) * 60;
                if (*p == '-')
                        off = -off;
                p += 6;
        } else {
                return -EINVAL;
        }
        if (*p)
                return -EINVAL;

        *ret = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec - off;
        return 0;
}
