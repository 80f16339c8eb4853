/*
 * runtime/crilog.c: container logs in the CRI format. The writer runs in
 * the pod monitor, so it stays small: no stdio streams, one line buffer per
 * stream (allocated when a line first spans writes), records batched into
 * one writev(2). The reader is `berth logs`: it reads the tail of a log
 * backwards in blocks and follows a growing, rotating log with inotify.
 */
#include "crilog.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/berr.h"
#include "util/cleanup.h"

#define NSEC_PER_SEC 1000000000L
/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four digits of year can write */
#define SECS_MIN (-62167219200LL)
#define SECS_MAX 253402300799LL
/* "2026-11-22T10:00:00.123456789+02:00", with room to spare */
#define STAMP_MAX 40
/* a record's head: stamp, " stdout F " */
#define HEADER_MAX (STAMP_MAX + 16)
/* records per writev(2): 4 iovecs each (head, buffered text, new text, newline) */
#define BATCH_RECORDS 16
/* what the reader reads at once */
#define READ_BLOCK (64U * 1024U)
#define READ_BUF (CRILOG_RECORD_MAX + READ_BLOCK)
/* a line put back together from P pieces longer than this is printed as it comes */
#define READ_LINE_MAX (1024U * 1024U)
#define OUT_BUF (16U * 1024U)
/*
 * How far back tail looks for the next earlier P piece of a line it prints.
 * A stream's pieces can be far apart (the other stream wrote a lot in
 * between); past this the line is printed from the pieces found.
 */
#define TAIL_LOOKBACK (1024U * 1024U)
#define FOLLOW_POLL_MS 250
/* NAME.<n>: room for the dot and the digits */
#define ROTATED_NAME_MAX (NAME_MAX + 1)
#define NAME_LEN_MAX (NAME_MAX - 8)

static const char *const stream_names[_CRILOG_STREAM_MAX] = {
        [CRILOG_STDOUT] = "stdout",
        [CRILOG_STDERR] = "stderr",
};

/* ---- time ---- */

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian (Howard Hinnant's algorithm). */
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

/* The inverse of days_from_civil(). */
static void
civil_from_days(int64_t z, int64_t *ret_y, int *ret_m, int *ret_d)
{
        int64_t era, doe, yoe, doy, mp, y;
        int m;

        z += 719468;
        era = (z >= 0 ? z : z - 146096) / 146097;
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        y = yoe + era * 400;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        m = (int)(mp < 10 ? mp + 3 : mp - 9);
        *ret_y = y + (m <= 2);
        *ret_m = m;
        *ret_d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

static void
put_digits(char *p, int64_t v, int n)
{
        for (int i = n - 1; i >= 0; i--) {
                p[i] = (char)('0' + v % 10);
                v /= 10;
        }
}

/*
 * t as written at utc_offset seconds east of UTC, the way Go writes
 * "2006-01-02T15:04:05.000000000Z07:00": nine digits of fraction, 'Z' for
 * UTC. t must lie in years 0000-9999 at that offset. Returns the length.
 */
static size_t
format_stamp(char buf[STAMP_MAX], const struct timespec *t, int utc_offset)
{
        int64_t local = (int64_t)t->tv_sec + utc_offset, days = local / 86400, secs = local % 86400;
        int64_t y;
        int m, d;
        char *p = buf;

        if (secs < 0) {
                secs += 86400;
                days--;
        }
        civil_from_days(days, &y, &m, &d);
        put_digits(p, y, 4);
        p[4] = '-';
        put_digits(p + 5, m, 2);
        p[7] = '-';
        put_digits(p + 8, d, 2);
        p[10] = 'T';
        put_digits(p + 11, secs / 3600, 2);
        p[13] = ':';
        put_digits(p + 14, secs / 60 % 60, 2);
        p[16] = ':';
        put_digits(p + 17, secs % 60, 2);
        p[19] = '.';
        put_digits(p + 20, t->tv_nsec, 9);
        p += 29;
        if (utc_offset == 0) {
                *p++ = 'Z';
        } else {
                int o = utc_offset < 0 ? -utc_offset : utc_offset;

                *p++ = utc_offset < 0 ? '-' : '+';
                put_digits(p, o / 3600, 2);
                p[2] = ':';
                put_digits(p + 3, o / 60 % 60, 2);
                p += 5;
        }
        return (size_t)(p - buf);
}

/* n digits at s as a number, or -1 */
static int
digits(const char *s, size_t n)
{
        int v = 0;

        for (size_t i = 0; i < n; i++) {
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

/* "YYYY-MM-DD" (10 bytes at s) as days since the epoch */
static bool
parse_date(const char *s, int64_t *ret_days)
{
        static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int y = digits(s, 4), m, d;

        if (y < 0 || s[4] != '-' || s[7] != '-')
                return false;
        m = digits(s + 5, 2);
        if (m < 1 || m > 12)
                return false;
        d = digits(s + 8, 2);
        if (d < 1 || d > mdays[m - 1] + (m == 2 && leap_year(y)))
                return false;
        *ret_days = days_from_civil(y, m, d);
        return true;
}

/*
 * "hh:mm:ss" and an optional fraction of 1 to 9 digits at s (len bytes).
 * Returns the bytes it took, or -1. Go refuses the leap second :60; so does berth.
 */
static ssize_t
parse_clock(const char *s, size_t len, int64_t *ret_secs, long *ret_nsec)
{
        int h, m, sec;
        long nsec = 0;
        size_t i = 8, n = 0;

        if (len < 8 || s[2] != ':' || s[5] != ':')
                return -1;
        h = digits(s, 2);
        m = digits(s + 3, 2);
        sec = digits(s + 6, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59)
                return -1;
        if (i < len && s[i] == '.') {
                for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
                        if (n < 9)
                                nsec = nsec * 10 + (s[i] - '0');
                if (n == 0 || n > 9)
                        return -1;
                for (; n < 9; n++)
                        nsec *= 10;
        }
        *ret_secs = h * 3600 + m * 60 + sec;
        *ret_nsec = nsec;
        return (ssize_t)i;
}

/* "Z", "z", "+hh:mm" or "-hh:mm", exactly len bytes */
static bool
parse_zone(const char *s, size_t len, int *ret_offset)
{
        int h, m;

        if (len == 1 && (s[0] == 'Z' || s[0] == 'z')) {
                *ret_offset = 0;
                return true;
        }
        if (len != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':')
                return false;
        h = digits(s + 1, 2);
        m = digits(s + 4, 2);
        if (h < 0 || h > 23 || m < 0 || m > 59)
                return false;
        *ret_offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
        return true;
}

/* RFC 3339 at s (len bytes); without zone_required a missing zone means UTC */
static bool
parse_stamp(const char *s, size_t len, bool zone_required, struct timespec *ret, int *ret_offset)
{
        int64_t days, secs;
        long nsec;
        ssize_t n;
        int off = 0;

        if (len < 19 || !parse_date(s, &days) || (s[10] != 'T' && s[10] != 't'))
                return false;
        n = parse_clock(s + 11, len - 11, &secs, &nsec);
        if (n < 0)
                return false;
        if ((size_t)n + 11 == len) {
                if (zone_required)
                        return false;
        } else if (!parse_zone(s + 11 + n, len - 11 - (size_t)n, &off)) {
                return false;
        }
        ret->tv_sec = (time_t)(days * 86400 + secs - off);
        ret->tv_nsec = nsec;
        *ret_offset = off;
        return true;
}

static int
ts_cmp(const struct timespec *a, const struct timespec *b)
{
        if (a->tv_sec != b->tv_sec)
                return a->tv_sec < b->tv_sec ? -1 : 1;
        if (a->tv_nsec != b->tv_nsec)
                return a->tv_nsec < b->tv_nsec ? -1 : 1;
        return 0;
}

static bool
ts_set(const struct timespec *t)
{
        return t->tv_sec != 0 || t->tv_nsec != 0;
}

/* ---- parsing records and times ---- */

int
crilog_parse_line(const char *line, size_t len, struct crilog_record *ret)
{
        struct crilog_record r = {0};
        const char *end, *sp, *p, *tag_end, *colon;

        if (!line)
                return -EINVAL;
        if (len > 0 && line[len - 1] == '\n')
                len--;
        end = line + len;
        sp = memchr(line, ' ', len);
        if (!sp || !parse_stamp(line, (size_t)(sp - line), true, &r.time, &r.utc_offset))
                return -EINVAL;
        p = sp + 1;
        if (end - p < 7 || p[6] != ' ')
                return -EINVAL;
        if (memcmp(p, "stdout", 6) == 0)
                r.stream = CRILOG_STDOUT;
        else if (memcmp(p, "stderr", 6) == 0)
                r.stream = CRILOG_STDERR;
        else
                return -EINVAL;
        p += 7;
        /* kubelet: the tags are ':'-separated, the first says P or not */
        tag_end = memchr(p, ' ', (size_t)(end - p));
        if (!tag_end)
                tag_end = end;
        colon = memchr(p, ':', (size_t)(tag_end - p));
        if ((colon ? colon : tag_end) - p != 1 || (*p != 'F' && *p != 'P'))
                return -EINVAL;
        r.partial = *p == 'P';
        r.text = tag_end < end ? tag_end + 1 : end;
        r.text_len = (size_t)(end - r.text);
        *ret = r;
        return 0;
}

/* A Go duration ("1h30m", "1.5s", "-300ms", "0") in nanoseconds, as time.ParseDuration reads it. */
static bool
parse_duration(const char *s, int64_t *ret_ns)
{
        static const struct {
                const char *name;
                uint64_t ns;
        } units[] = {
                {"ns", 1},
                {"us", 1000},
                {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
                {"\xce\xbcs", 1000}, /* U+03BC Greek mu */
                {"ms", 1000000},
                {"s", NSEC_PER_SEC},
                {"m", 60ULL * NSEC_PER_SEC},
                {"h", 3600ULL * NSEC_PER_SEC},
        };
        uint64_t total = 0;
        bool neg = false;

        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        if (strcmp(s, "0") == 0) {
                *ret_ns = 0;
                return true;
        }
        if (!*s)
                return false;
        while (*s) {
                uint64_t v = 0, f = 0, unit = 0, scale = 1;
                bool any = false;
                const char *u;

                for (; *s >= '0' && *s <= '9'; s++, any = true) {
                        if (v > (UINT64_MAX - 9) / 10)
                                return false;
                        v = v * 10 + (uint64_t)(*s - '0');
                }
                if (*s == '.') {
                        /* digits past 18 cannot change a 64-bit result */
                        for (s++; *s >= '0' && *s <= '9'; s++, any = true) {
                                if (scale < 1000000000000000000ULL) {
                                        f = f * 10 + (uint64_t)(*s - '0');
                                        scale *= 10;
                                }
                        }
                }
                if (!any)
                        return false;
                for (u = s; *s && *s != '.' && (*s < '0' || *s > '9'); s++)
                        ;
                for (size_t i = 0; i < ELEMENTSOF(units); i++)
                        if (strlen(units[i].name) == (size_t)(s - u) &&
                            memcmp(units[i].name, u, (size_t)(s - u)) == 0)
                                unit = units[i].ns;
                if (unit == 0 || v > (uint64_t)INT64_MAX / unit)
                        return false;
                v *= unit;
                if (f > 0)
                        v += (uint64_t)((long double)f * (long double)unit / (long double)scale);
                if (v > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX - v)
                        return false;
                total += v;
        }
        *ret_ns = neg ? -(int64_t)total : (int64_t)total;
        return true;
}

/* Unix seconds with an optional fraction ("1700000000.25") */
static bool
parse_unix(const char *s, struct timespec *ret)
{
        int64_t sec = 0;
        long nsec = 0;
        size_t n = 0, fn = 0;

        for (; *s >= '0' && *s <= '9'; s++, n++) {
                sec = sec * 10 + (*s - '0');
                if (sec > SECS_MAX)
                        return false;
        }
        if (*s == '.')
                for (s++; *s >= '0' && *s <= '9'; s++, fn++)
                        if (fn < 9)
                                nsec = nsec * 10 + (*s - '0');
        if (*s || n + fn == 0)
                return false;
        for (; fn < 9; fn++)
                nsec *= 10;
        ret->tv_sec = (time_t)sec;
        ret->tv_nsec = nsec;
        return true;
}

int
crilog_parse_time(const char *s, struct timespec now, struct timespec *ret, struct berr **err)
{
        struct timespec t;
        int64_t days, ns, sec;
        size_t len = s ? strlen(s) : 0;
        int off;

        if (len >= 19 && parse_stamp(s, len, false, &t, &off)) {
                *ret = t;
                return 0;
        }
        if (len >= 10 && parse_date(s, &days) &&
            (len == 10 || parse_zone(s + 10, len - 10, &off))) {
                ret->tv_sec = (time_t)(days * 86400 - (len == 10 ? 0 : off));
                ret->tv_nsec = 0;
                return 0;
        }
        if (len > 0 && parse_unix(s, &t)) {
                *ret = t;
                return 0;
        }
        if (len > 0 && parse_duration(s, &ns)) {
                sec = (int64_t)now.tv_sec - ns / NSEC_PER_SEC;
                t.tv_nsec = now.tv_nsec - ns % NSEC_PER_SEC;
                if (t.tv_nsec < 0) {
                        t.tv_nsec += NSEC_PER_SEC;
                        sec--;
                } else if (t.tv_nsec >= NSEC_PER_SEC) {
                        t.tv_nsec -= NSEC_PER_SEC;
                        sec++;
                }
                t.tv_sec = (time_t)sec;
                *ret = t;
                return 0;
        }
        return berr(err, 0,
                    "'%s' is not a time (2026-11-22T10:00:00Z, 2026-11-22, Unix seconds) or a "
                    "duration (10m, 1h30m)",
                    s ? s : "");
}

/* ---- the writer ---- */

struct part {
        char *buf; /* line_max bytes, allocated when a line first spans writes */
        size_t len;
};

struct crilog {
        int dirfd;
        int fd;
        char *name;
        struct crilog_opts o;
        uint64_t size; /* of NAME, as far as this writer knows */
        struct part part[_CRILOG_STREAM_MAX];
};

/* Records waiting for one writev(2); their text stays where it is until then. */
struct batch {
        struct iovec iov[BATCH_RECORDS * 4];
        char head[BATCH_RECORDS][HEADER_MAX];
        unsigned records, iovs;
        uint64_t bytes;
};

static bool
name_valid(const char *name)
{
        return name && *name && !strchr(name, '/') && strcmp(name, ".") != 0 &&
               strcmp(name, "..") != 0 && strlen(name) <= NAME_LEN_MAX;
}

/* NAME.<n>, or NAME for n == 0 */
static void
rotated_name(char buf[ROTATED_NAME_MAX], const char *name, unsigned n)
{
        if (n == 0)
                (void)snprintf(buf, ROTATED_NAME_MAX, "%s", name);
        else
                (void)snprintf(buf, ROTATED_NAME_MAX, "%s.%u", name, n);
}

static int
writev_all(int fd, struct iovec *iov, unsigned n, uint64_t *written)
{
        while (n > 0) {
                ssize_t w = writev(fd, iov, (int)n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                if (w == 0)
                        return -EIO;
                *written += (uint64_t)w;
                while (n > 0 && (size_t)w >= iov->iov_len) {
                        w -= (ssize_t)iov->iov_len;
                        iov++;
                        n--;
                }
                if (n > 0) {
                        iov->iov_base = (char *)iov->iov_base + w;
                        iov->iov_len -= (size_t)w;
                }
        }
        return 0;
}

static int
batch_flush(struct crilog *l, struct batch *b, struct berr **err)
{
        uint64_t written = 0;
        int r;

        if (b->iovs == 0)
                return 0;
        r = writev_all(l->fd, b->iov, b->iovs, &written);
        l->size += written;
        b->iovs = b->records = 0;
        b->bytes = 0;
        if (r < 0)
                return berr(err, -r, "write log %s", l->name);
        return 0;
}

/*
 * NAME becomes NAME.1, NAME.1 NAME.2 ... and the oldest kept is replaced;
 * with max_files <= 1 a new empty file replaces NAME. Either way NAME is a
 * new file: a follower notices the inode change, and its fd reads the old
 * file to its end.
 */
static int
rotate(struct crilog *l, struct berr **err)
{
        char from[ROTATED_NAME_MAX], to[ROTATED_NAME_MAX];
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (l->o.max_files <= 1) {
                (void)snprintf(from, sizeof(from), ".%s.new", l->name);
                fd = openat(l->dirfd, from,
                            O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW |
                                    O_NOCTTY,
                            0640);
                if (fd < 0)
                        return berr(err, errno, "create log %s", from);
                if (renameat(l->dirfd, from, l->dirfd, l->name) < 0) {
                        int e = errno;

                        (void)unlinkat(l->dirfd, from, 0);
                        return berr(err, e, "replace log %s", l->name);
                }
        } else {
                for (unsigned i = l->o.max_files - 1; i >= 1; i--) {
                        rotated_name(from, l->name, i - 1);
                        rotated_name(to, l->name, i);
                        if (renameat(l->dirfd, from, l->dirfd, to) < 0 && errno != ENOENT)
                                return berr(err, errno, "rotate log %s to %s", from, to);
                }
                fd = openat(l->dirfd, l->name,
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                            0640);
                if (fd < 0)
                        return berr(err, errno, "create log %s", l->name);
        }
        if (fstat(fd, &st) < 0)
                return berr(err, errno, "stat log %s", l->name);
        (void)close(l->fd);
        l->fd = TAKE_FD(fd);
        l->size = (uint64_t)st.st_size;
        return 0;
}

static void
batch_push(struct batch *b, const void *p, size_t n)
{
        if (n == 0)
                return;
        b->iov[b->iovs].iov_base = (void *)p;
        b->iov[b->iovs].iov_len = n;
        b->iovs++;
}

/* Queue a record whose text is a (alen bytes) then c (clen bytes); rotate first when it is time. */
static int
add_record(struct crilog *l, struct batch *b, const char *stamp, size_t stamp_len,
           enum crilog_stream s, bool partial, const char *a, size_t alen, const char *c,
           size_t clen, struct berr **err)
{
        static const char newline[] = "\n";
        size_t hlen = stamp_len + 10;
        uint64_t rec = hlen + alen + clen + 1;
        char *h;
        int r;

        if (b->records == BATCH_RECORDS) {
                r = batch_flush(l, b, err);
                if (r < 0)
                        return r;
        }
        if (l->o.max_size > 0 && l->size + b->bytes > 0 &&
            l->size + b->bytes + rec > l->o.max_size) {
                r = batch_flush(l, b, err);
                if (r < 0)
                        return r;
                r = rotate(l, err);
                if (r < 0)
                        return r;
        }
        h = b->head[b->records];
        memcpy(h, stamp, stamp_len);
        h[stamp_len] = ' ';
        memcpy(h + stamp_len + 1, stream_names[s], 6);
        h[stamp_len + 7] = ' ';
        h[stamp_len + 8] = partial ? 'P' : 'F';
        h[stamp_len + 9] = ' ';
        batch_push(b, h, hlen);
        batch_push(b, a, alen);
        batch_push(b, c, clen);
        batch_push(b, newline, 1);
        b->records++;
        b->bytes += rec;
        return 0;
}

static int
format_now(const struct crilog *l, const struct timespec *now, char stamp[STAMP_MAX],
           size_t *ret_len, struct berr **err)
{
        if (!now || now->tv_nsec < 0 || now->tv_nsec >= NSEC_PER_SEC || now->tv_sec < SECS_MIN ||
            now->tv_sec > SECS_MAX)
                return berr(err, 0, "log %s: time out of range", l->name);
        *ret_len = format_stamp(stamp, now, 0);
        return 0;
}

int
crilog_write(struct crilog *l, enum crilog_stream s, const char *buf, size_t len,
             const struct timespec *now, struct berr **err)
{
        char stamp[STAMP_MAX];
        size_t stamp_len = 0;
        struct batch b;
        struct part *p;
        int r;

        if (s < 0 || s >= _CRILOG_STREAM_MAX)
                return berr(err, 0, "log %s: no stream %d", l->name, (int)s);
        if (len == 0)
                return 0;
        r = format_now(l, now, stamp, &stamp_len, err);
        if (r < 0)
                return r;
        p = &l->part[s];
        b.records = b.iovs = 0;
        b.bytes = 0;
        while (len > 0) {
                const char *nl = memchr(buf, '\n', len);
                size_t seg = nl ? (size_t)(nl - buf) : len;

                if (p->len + seg > l->o.line_max) {
                        /* too long for one record: a P piece of exactly line_max bytes */
                        size_t k = l->o.line_max - p->len;

                        r = add_record(l, &b, stamp, stamp_len, s, true, p->buf, p->len, buf, k,
                                       err);
                        p->len = 0;
                        if (r < 0)
                                return r;
                        buf += k;
                        len -= k;
                } else if (nl) {
                        r = add_record(l, &b, stamp, stamp_len, s, false, p->buf, p->len, buf, seg,
                                       err);
                        p->len = 0;
                        if (r < 0)
                                return r;
                        buf += seg + 1;
                        len -= seg + 1;
                } else {
                        /* the queued records may point into p->buf: out with them first */
                        r = batch_flush(l, &b, err);
                        if (r < 0)
                                return r;
                        if (!p->buf) {
                                p->buf = malloc(l->o.line_max);
                                if (!p->buf)
                                        return berr(err, ENOMEM, "log %s", l->name);
                        }
                        memcpy(p->buf + p->len, buf, seg);
                        p->len += seg;
                        len = 0;
                }
        }
        return batch_flush(l, &b, err);
}

int
crilog_flush_stream(struct crilog *l, enum crilog_stream s, const struct timespec *now,
                    struct berr **err)
{
        char stamp[STAMP_MAX];
        size_t stamp_len = 0;
        struct batch b;
        struct part *p;
        int r;

        if (s < 0 || s >= _CRILOG_STREAM_MAX)
                return berr(err, 0, "log %s: no stream %d", l->name, (int)s);
        p = &l->part[s];
        if (p->len == 0)
                return 0;
        r = format_now(l, now, stamp, &stamp_len, err);
        if (r < 0)
                return r;
        b.records = b.iovs = 0;
        b.bytes = 0;
        r = add_record(l, &b, stamp, stamp_len, s, true, p->buf, p->len, NULL, 0, err);
        p->len = 0;
        if (r < 0)
                return r;
        return batch_flush(l, &b, err);
}

int
crilog_flush(struct crilog *l, const struct timespec *now, struct berr **err)
{
        int r = 0;

        for (int s = 0; s < _CRILOG_STREAM_MAX; s++) {
                int q = crilog_flush_stream(l, (enum crilog_stream)s, now, err);

                if (q < 0 && r == 0)
                        r = q;
        }
        return r;
}

/* A file that ends inside a record (its writer was killed) gets a newline: records start lines. */
static int
end_last_record(struct crilog *l, struct berr **err)
{
        char c;
        ssize_t n;

        do
                n = pread(l->fd, &c, 1, (off_t)(l->size - 1));
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return berr(err, errno, "read log %s", l->name);
        if (n == 1 && c != '\n') {
                struct iovec iov = {.iov_base = (void *)"\n", .iov_len = 1};
                uint64_t written = 0;
                int r = writev_all(l->fd, &iov, 1, &written);

                if (r < 0)
                        return berr(err, -r, "write log %s", l->name);
                l->size += written;
        }
        return 0;
}

int
crilog_open(int dirfd, const char *name, const struct crilog_opts *o, struct crilog **ret,
            struct berr **err)
{
        static const struct crilog_opts defaults = {0};
        _cleanup_(crilog_freep) struct crilog *l = NULL;
        struct stat st;
        int r;

        if (!o)
                o = &defaults;
        if (!name_valid(name))
                return berr(err, 0, "log name '%s' is not a file name", name ? name : "");
        if (o->line_max > CRILOG_LINE_MAX_LIMIT || o->max_files > CRILOG_MAX_FILES_LIMIT)
                return berr(err, 0, "log %s: line_max or max_files out of range", name);
        l = calloc(1, sizeof(*l));
        if (!l)
                return berr(err, ENOMEM, "log %s", name);
        l->dirfd = l->fd = -EBADF;
        l->o = *o;
        if (l->o.line_max == 0)
                l->o.line_max = CRILOG_LINE_MAX_DEFAULT;
        l->name = strdup(name);
        if (!l->name)
                return berr(err, ENOMEM, "log %s", name);
        l->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        if (l->dirfd < 0)
                return berr(err, errno, "log %s: duplicate the directory fd", name);
        /* O_RDWR: end_last_record() reads the last byte */
        l->fd = openat(l->dirfd, name,
                       O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
        if (l->fd < 0)
                return berr(err, errno, "open log %s", name);
        if (fstat(l->fd, &st) < 0)
                return berr(err, errno, "stat log %s", name);
        if (!S_ISREG(st.st_mode))
                return berr(err, 0, "log %s is not a regular file", name);
        l->size = (uint64_t)st.st_size;
        if (l->size > 0) {
                r = end_last_record(l, err);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

struct crilog *
crilog_free(struct crilog *l)
{
        if (!l)
                return NULL;
        if (l->fd >= 0)
                (void)close(l->fd);
        if (l->dirfd >= 0)
                (void)close(l->dirfd);
        for (int s = 0; s < _CRILOG_STREAM_MAX; s++)
                free(l->part[s].buf);
        free(l->name);
        free(l);
        return NULL;
}

/* ---- the reader ---- */

/* One file of a log, oldest first. Positions count across the files: base is where it starts. */
struct logfile {
        int fd;
        uint64_t size; /* when it was opened */
        uint64_t base; /* the sizes of the files before it */
        dev_t dev;
        ino_t ino;
};

struct fileset {
        struct logfile *f;
        size_t n;
        bool have_name; /* the last one is NAME itself */
};

static void
fileset_done(struct fileset *fs)
{
        for (size_t i = 0; i < fs->n; i++)
                if (fs->f[i].fd >= 0)
                        (void)close(fs->f[i].fd);
        free(fs->f);
        fs->f = NULL;
        fs->n = 0;
}

static int
open_logfile(int dirfd, const char *name, struct logfile *ret)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        struct stat st;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        ret->size = (uint64_t)st.st_size;
        ret->dev = st.st_dev;
        ret->ino = st.st_ino;
        ret->base = 0;
        ret->fd = TAKE_FD(fd);
        return 0;
}

/* n when entry is "NAME.<n>" (decimal, no leading zero, 1 to 1000000), else 0 */
static unsigned
rotated_number(const char *entry, const char *name, size_t name_len)
{
        unsigned long v = 0;
        const char *p;

        if (strncmp(entry, name, name_len) != 0 || entry[name_len] != '.')
                return 0;
        p = entry + name_len + 1;
        if (*p < '1' || *p > '9')
                return 0;
        for (; *p; p++) {
                if (*p < '0' || *p > '9' || v > 100000)
                        return 0;
                v = v * 10 + (unsigned long)(*p - '0');
        }
        return v <= 1000000 ? (unsigned)v : 0;
}

static int
cmp_descending(const void *a, const void *b)
{
        unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

        return x < y ? 1 : x > y ? -1 : 0;
}

/* The numbers n of the NAME.<n> in the directory, highest (oldest) first. */
static int
list_rotated(int dirfd, const char *name, unsigned **ret, size_t *ret_n, struct berr **err)
{
        _cleanup_free_ unsigned *nums = NULL;
        size_t n = 0, cap = 0, name_len = strlen(name);
        struct dirent *de;
        DIR *d;
        int fd;

        fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berr(err, errno, "open the directory of log %s", name);
        d = fdopendir(fd);
        if (!d) {
                int e = errno;

                (void)close(fd);
                return berr(err, e, "open the directory of log %s", name);
        }
        errno = 0;
        while ((de = readdir(d))) {
                unsigned v = rotated_number(de->d_name, name, name_len);

                if (v == 0)
                        continue;
                if (n == cap) {
                        unsigned *nn = reallocarray(nums, cap ? cap * 2 : 8, sizeof(*nums));

                        if (!nn) {
                                (void)closedir(d);
                                return berr(err, ENOMEM, "log %s", name);
                        }
                        nums = nn;
                        cap = cap ? cap * 2 : 8;
                }
                nums[n++] = v;
                errno = 0;
        }
        if (errno != 0) {
                int e = errno;

                (void)closedir(d);
                return berr(err, e, "list the directory of log %s", name);
        }
        (void)closedir(d);
        if (n > 1)
                qsort(nums, n, sizeof(*nums), cmp_descending);
        *ret = TAKE_PTR(nums);
        *ret_n = n;
        return 0;
}

static bool
fileset_has(const struct fileset *fs, const struct logfile *f)
{
        for (size_t i = 0; i < fs->n; i++)
                if (fs->f[i].dev == f->dev && fs->f[i].ino == f->ino)
                        return true;
        return false;
}

/*
 * Open NAME.<n>... and NAME, oldest first. NAME is opened first: a
 * rotation in between turns it into NAME.1, which is then the same file and
 * read once.
 */
static int
fileset_open(int dirfd, const char *name, struct fileset *fs, struct berr **err)
{
        _cleanup_free_ unsigned *nums = NULL;
        char rname[ROTATED_NAME_MAX];
        struct logfile cur = {.fd = -EBADF};
        size_t n = 0;
        int r;

        if (!name_valid(name))
                return berr(err, 0, "log name '%s' is not a file name", name ? name : "");
        r = open_logfile(dirfd, name, &cur);
        if (r < 0 && r != -ENOENT)
                return berr(err, -r, "open log %s", name);
        r = list_rotated(dirfd, name, &nums, &n, err);
        if (r < 0) {
                if (cur.fd >= 0)
                        (void)close(cur.fd);
                return r;
        }
        fs->f = calloc(n + 1, sizeof(*fs->f));
        if (!fs->f) {
                if (cur.fd >= 0)
                        (void)close(cur.fd);
                return berr(err, ENOMEM, "log %s", name);
        }
        if (cur.fd >= 0)
                fs->f[fs->n++] = cur; /* NAME goes last below */
        for (size_t i = 0; i < n; i++) {
                struct logfile f = {.fd = -EBADF};

                rotated_name(rname, name, nums[i]);
                r = open_logfile(dirfd, rname, &f);
                if (r == -ENOENT)
                        continue; /* rotated away since the listing */
                if (r < 0)
                        return berr(err, -r, "open log %s", rname);
                if (fileset_has(fs, &f)) {
                        (void)close(f.fd);
                        continue;
                }
                fs->f[fs->n++] = f;
        }
        if (cur.fd >= 0) {
                memmove(fs->f, fs->f + 1, (fs->n - 1) * sizeof(*fs->f));
                fs->f[fs->n - 1] = cur;
                fs->have_name = true;
        }
        if (fs->n == 0)
                return berr(err, ENOENT, "open log %s", name);
        for (size_t i = 1; i < fs->n; i++)
                fs->f[i].base = fs->f[i - 1].base + fs->f[i - 1].size;
        return 0;
}

/* Output, buffered; stdout and stderr lines may go to two fds, in the order they come. */
struct out {
        int fd[_CRILOG_STREAM_MAX];
        int cur;
        size_t len;
        char buf[OUT_BUF];
};

static int
write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0 && errno == EAGAIN) {
                        struct pollfd pfd = {.fd = fd, .events = POLLOUT};

                        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                                return -errno;
                        continue;
                }
                if (w < 0)
                        return -errno;
                if (w == 0)
                        return -EIO;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

static int
out_flush(struct out *o, struct berr **err)
{
        int r;

        if (o->len == 0)
                return 0;
        r = write_all(o->cur, o->buf, o->len);
        o->len = 0;
        return r < 0 ? berr(err, -r, "write the log out") : 0;
}

static int
out_put(struct out *o, enum crilog_stream s, const char *p, size_t n, struct berr **err)
{
        int fd = o->fd[s], r;

        if (n == 0)
                return 0;
        if (fd != o->cur || o->len + n > OUT_BUF) {
                r = out_flush(o, err);
                if (r < 0)
                        return r;
                o->cur = fd;
        }
        if (n >= OUT_BUF) {
                r = write_all(fd, p, n);
                return r < 0 ? berr(err, -r, "write the log out") : 0;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
        return 0;
}

/* A line of one stream being put back together from its P pieces. */
struct chain {
        char *buf;
        size_t len, cap;
        struct timespec time; /* of its last record so far */
        int utc_offset;
        bool active;      /* pieces seen, no F yet */
        bool drop;        /* it starts before what tail keeps */
        bool spilled;     /* it passed READ_LINE_MAX: printed as it comes */
        bool spill_print; /* ... if its record at that point was to be printed */
};

struct reader {
        const struct crilog_read_opts *o;
        unsigned streams;
        /*
         * tail: a line is printed when it starts at or after cut[its stream].
         * Every line that starts there ends at or after the tail-th line
         * from the end, the lines before do not.
         */
        uint64_t cut[_CRILOG_STREAM_MAX];
        struct chain chain[_CRILOG_STREAM_MAX];
        struct out out;
        /* the file being read forwards: buf holds the line begun at line_pos */
        char *buf;
        size_t len;
        uint64_t line_pos;
        bool skip; /* inside a line longer than CRILOG_RECORD_MAX */
};

static void
reader_done(struct reader *r)
{
        for (int s = 0; s < _CRILOG_STREAM_MAX; s++)
                free(r->chain[s].buf);
        free(r->buf);
}

static int
reader_init(struct reader *r, const struct crilog_read_opts *o, int out_fd, struct berr **err)
{
        r->o = o;
        r->streams = o->streams & ((1U << _CRILOG_STREAM_MAX) - 1);
        if (r->streams == 0)
                r->streams = (1U << _CRILOG_STREAM_MAX) - 1;
        r->out.fd[CRILOG_STDOUT] = out_fd;
        r->out.fd[CRILOG_STDERR] = o->stderr_fd >= 0 ? o->stderr_fd : out_fd;
        r->out.cur = out_fd;
        r->buf = malloc(READ_BUF);
        if (!r->buf)
                return berr(err, ENOMEM, "read log");
        return 0;
}

/* A record both passes take: parsed, of a stream asked for, no longer than CRILOG_RECORD_MAX. */
static bool
take_record(unsigned streams, const char *line, size_t len, struct crilog_record *rec)
{
        return len + 1 <= CRILOG_RECORD_MAX && crilog_parse_line(line, len, rec) == 0 &&
               (streams & (1U << rec->stream));
}

static bool
in_bounds(const struct crilog_read_opts *o, const struct timespec *t)
{
        if (ts_set(&o->since) && ts_cmp(t, &o->since) <= 0)
                return false;
        if (ts_set(&o->until) && ts_cmp(t, &o->until) >= 0)
                return false;
        return true;
}

static int
put_stamp(struct reader *r, enum crilog_stream s, const struct timespec *t, int utc_offset,
          struct berr **err)
{
        char buf[STAMP_MAX + 1];
        size_t n;

        if (!r->o->timestamps)
                return 0;
        n = format_stamp(buf, t, utc_offset);
        buf[n++] = ' ';
        return out_put(&r->out, s, buf, n, err);
}

static int
chain_append(struct chain *c, const char *p, size_t n)
{
        if (n == 0)
                return 0;
        if (c->len + n > c->cap) {
                size_t cap = c->cap ? c->cap : 4096;
                char *nb;

                while (cap < c->len + n)
                        cap *= 2;
                nb = realloc(c->buf, cap);
                if (!nb)
                        return -ENOMEM;
                c->buf = nb;
                c->cap = cap;
        }
        memcpy(c->buf + c->len, p, n);
        c->len += n;
        return 0;
}

/* Print text (and what the chain holds) as one line, or as its end when newline is set. */
static int
put_line(struct reader *r, enum crilog_stream s, const struct chain *c, const char *text,
         size_t text_len, bool stamp, bool newline, struct berr **err)
{
        int q = 0;

        if (stamp)
                q = put_stamp(r, s, &c->time, c->utc_offset, err);
        if (q >= 0 && c->len > 0)
                q = out_put(&r->out, s, c->buf, c->len, err);
        if (q >= 0)
                q = out_put(&r->out, s, text, text_len, err);
        if (q >= 0 && newline)
                q = out_put(&r->out, s, "\n", 1, err);
        return q;
}

static int
handle_record(struct reader *r, const char *line, size_t len, uint64_t pos, struct berr **err)
{
        struct crilog_record rec;
        enum crilog_stream s;
        struct chain *c;
        int q = 0;

        if (!take_record(r->streams, line, len, &rec))
                return 0;
        s = rec.stream;
        c = &r->chain[s];
        /*
         * A line tail left out never reaches cut[s] (cut is where a line
         * starts), unless TAIL_LOOKBACK stopped the search for its start:
         * then it is printed from there on.
         */
        if (!c->active || (c->drop && pos >= r->cut[s])) {
                c->active = true;
                c->len = 0;
                c->drop = pos < r->cut[s];
                c->spilled = c->spill_print = false;
        }
        c->time = rec.time;
        c->utc_offset = rec.utc_offset;
        if (c->drop) {
                /* a line tail leaves out */
        } else if (c->spilled) {
                if (c->spill_print)
                        q = put_line(r, s, c, rec.text, rec.text_len, false, !rec.partial, err);
        } else if (rec.partial && c->len + rec.text_len > READ_LINE_MAX) {
                c->spilled = true;
                c->spill_print = in_bounds(r->o, &rec.time);
                if (c->spill_print)
                        q = put_line(r, s, c, rec.text, rec.text_len, true, false, err);
                c->len = 0;
        } else if (rec.partial) {
                if (chain_append(c, rec.text, rec.text_len) < 0)
                        return berr(err, ENOMEM, "read log");
        } else if (in_bounds(r->o, &rec.time)) {
                q = put_line(r, s, c, rec.text, rec.text_len, true, true, err);
        }
        if (!rec.partial) {
                c->active = false;
                c->len = 0;
        }
        return q;
}

/* Lines of P pieces that nothing finished: printed without a newline, as podman does. */
static int
finish_chains(struct reader *r, struct berr **err)
{
        for (int i = 0; i < _CRILOG_STREAM_MAX; i++) {
                struct chain *c = &r->chain[i];
                int q;

                if (c->active && !c->drop && !c->spilled && in_bounds(r->o, &c->time)) {
                        q = put_line(r, (enum crilog_stream)i, c, NULL, 0, true, false, err);
                        if (q < 0)
                                return q;
                }
                c->active = false;
                c->len = 0;
        }
        return out_flush(&r->out, err);
}

/* Start reading a file at *off: a line begins there. */
static void
reader_seek(struct reader *r, uint64_t pos)
{
        r->len = 0;
        r->skip = false;
        r->line_pos = pos;
}

/*
 * Read the file fd (its byte 0 at position base) from *off up to to, or
 * to its end, and hand each whole line to handle_record(). What follows the
 * last newline stays in r->buf for the next call.
 */
static int
read_forward(struct reader *r, int fd, uint64_t *off, uint64_t to, struct berr **err)
{
        while (*off < to) {
                size_t want = READ_BUF - r->len;
                const char *p, *end, *nl;
                ssize_t n;

                if (to - *off < want)
                        want = (size_t)(to - *off);
                n = pread(fd, r->buf + r->len, want, (off_t)*off);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berr(err, errno, "read log");
                if (n == 0)
                        break;
                *off += (uint64_t)n;
                r->len += (size_t)n;
                p = r->buf;
                end = r->buf + r->len;
                while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
                        size_t len = (size_t)(nl - p);

                        if (r->skip) {
                                r->skip = false;
                        } else {
                                int q = handle_record(r, p, len, r->line_pos, err);

                                if (q < 0)
                                        return q;
                        }
                        r->line_pos += len + 1;
                        p = nl + 1;
                }
                r->len = (size_t)(end - p);
                if (r->skip || r->len >= CRILOG_RECORD_MAX) {
                        /* longer than any record: dropped up to its newline */
                        r->skip = true;
                        r->line_pos += r->len;
                        r->len = 0;
                } else if (p != r->buf) {
                        memmove(r->buf, p, r->len);
                }
        }
        return 0;
}

/* Going backwards from the end for tail: what has been met so far. */
struct tail {
        const struct crilog_read_opts *o;
        unsigned streams;
        int64_t want, count;
        bool reached;   /* want lines met */
        uint64_t end_n; /* where the want-th line from the end ends */
        bool seen[_CRILOG_STREAM_MAX];
        bool closed[_CRILOG_STREAM_MAX];    /* the first line kept of this stream is known */
        uint64_t first[_CRILOG_STREAM_MAX]; /* the earliest record met of its current line */
        uint64_t cut[_CRILOG_STREAM_MAX];
};

static bool
tail_done(const struct tail *t)
{
        for (int s = 0; s < _CRILOG_STREAM_MAX; s++)
                if (t->seen[s] && !t->closed[s])
                        return false;
        return true;
}

/*
 * One record met, going backwards; true when no more are needed. A line
 * ends at an F record, or at the last record of its stream (a line nothing
 * finished, which crilog_read prints too). Once want lines are counted, the
 * scan goes on until each stream met reaches the end of an earlier line: the
 * record after it is where the first line printed of that stream starts.
 */
static bool
tail_visit(struct tail *t, const char *line, size_t len, uint64_t pos)
{
        struct crilog_record rec;
        enum crilog_stream s;

        if (t->reached) {
                for (int i = 0; i < _CRILOG_STREAM_MAX; i++) {
                        if (t->seen[i] && !t->closed[i] && pos + TAIL_LOOKBACK < t->first[i]) {
                                t->closed[i] = true;
                                t->cut[i] = t->first[i];
                        }
                }
                if (tail_done(t))
                        return true;
        }
        if (!take_record(t->streams, line, len, &rec))
                return false;
        s = rec.stream;
        if (!t->reached) {
                bool is_end = !rec.partial || !t->seen[s];

                t->seen[s] = true;
                if (is_end && in_bounds(t->o, &rec.time) && ++t->count == t->want) {
                        t->reached = true;
                        t->end_n = pos;
                }
                t->first[s] = pos;
                return false;
        }
        /* a stream with no record after end_n has no line to print */
        if (!t->seen[s] || t->closed[s])
                return false;
        if (rec.partial) {
                t->first[s] = pos;
                return false;
        }
        t->closed[s] = true;
        t->cut[s] = t->first[s];
        return tail_done(t);
}

static int
pread_full(int fd, char *buf, size_t n, uint64_t off)
{
        while (n > 0) {
                ssize_t k = pread(fd, buf, n, (off_t)off);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ENODATA; /* it shrank under us */
                buf += k;
                n -= (size_t)k;
                off += (uint64_t)k;
        }
        return 0;
}

/*
 * Hand the records of f to tail_visit(), last first. buf has READ_BUF
 * bytes. Returns 1 when tail has what it needs, 0 at the file's start.
 */
static int
scan_back(const struct logfile *f, char *buf, struct tail *t, struct berr **err)
{
        uint64_t lo = f->size, hi;
        bool skipping = false;
        size_t n = 0;
        int r;

        /* what follows the last newline is a record still being written */
        for (;;) {
                size_t want = lo < READ_BLOCK ? (size_t)lo : READ_BLOCK;
                const char *p;

                if (lo == 0)
                        return 0;
                r = pread_full(f->fd, buf, want, lo - want);
                if (r < 0)
                        return berr(err, -r, "read log");
                lo -= want;
                p = memrchr(buf, '\n', want);
                if (p) {
                        n = (size_t)(p - buf) + 1;
                        break;
                }
        }
        /* buf holds the bytes [lo, lo + n); the record to hand out next ends at hi */
        hi = lo + n;
        for (;;) {
                size_t m = lo + n == hi ? n - 1 : n, want;
                const char *p = memrchr(buf, '\n', m);

                if (p || lo == 0) {
                        uint64_t a = p ? lo + (uint64_t)(p - buf) + 1 : 0;

                        if (!skipping &&
                            tail_visit(t, buf + (a - lo), (size_t)(hi - 1 - a), f->base + a))
                                return 1;
                        skipping = false;
                        if (a == 0)
                                return 0;
                        hi = a;
                        n = (size_t)(a - lo);
                        continue;
                }
                if (hi - lo > CRILOG_RECORD_MAX) {
                        /* longer than any record: skipped, its bytes dropped */
                        skipping = true;
                        n = 0;
                }
                want = lo < READ_BLOCK ? (size_t)lo : READ_BLOCK;
                memmove(buf + want, buf, n);
                r = pread_full(f->fd, buf, want, lo - want);
                if (r < 0)
                        return berr(err, -r, "read log");
                lo -= want;
                n += want;
        }
}

/* Where to start reading, and r->cut, for the tail asked for. */
static int
plan_tail(struct reader *r, const struct fileset *fs, uint64_t *ret_start, struct berr **err)
{
        uint64_t end, start = UINT64_MAX;
        struct tail t = {
                .o = r->o,
                .streams = r->streams,
                .want = r->o->tail,
        };

        if (fs->n == 0 || r->o->tail < 0) {
                *ret_start = 0;
                return 0;
        }
        end = fs->f[fs->n - 1].base + fs->f[fs->n - 1].size;
        if (r->o->tail == 0) {
                for (int s = 0; s < _CRILOG_STREAM_MAX; s++)
                        r->cut[s] = end;
                *ret_start = end;
                return 0;
        }
        for (size_t i = fs->n; i-- > 0;) {
                int q = scan_back(&fs->f[i], r->buf, &t, err);

                if (q < 0)
                        return q;
                if (q > 0)
                        break;
        }
        if (!t.reached) {
                *ret_start = 0; /* fewer lines than asked for: all of them */
                return 0;
        }
        for (int s = 0; s < _CRILOG_STREAM_MAX; s++) {
                /* not closed: the files' start, or TAIL_LOOKBACK, came first */
                if (!t.seen[s])
                        r->cut[s] = t.end_n;
                else
                        r->cut[s] = t.closed[s] ? t.cut[s] : t.first[s];
                if ((r->streams & (1U << s)) && r->cut[s] < start)
                        start = r->cut[s];
        }
        *ret_start = start;
        return 0;
}

/*
 * Read the files from position start: each to its size when opened, the
 * last one to its end when follow is set. *ret_off: where the last one
 * stopped.
 */
static int
read_files(struct reader *r, const struct fileset *fs, uint64_t start, bool follow,
           uint64_t *ret_off, struct berr **err)
{
        uint64_t off = 0;

        for (size_t i = 0; i < fs->n; i++) {
                const struct logfile *f = &fs->f[i];
                bool last = i == fs->n - 1;
                uint64_t to = follow && last ? UINT64_MAX : f->size;
                int q;

                off = start > f->base ? start - f->base : 0;
                if (off >= f->size && !(follow && last))
                        continue;
                reader_seek(r, f->base + off);
                q = read_forward(r, f->fd, &off, to, err);
                if (q < 0)
                        return q;
        }
        *ret_off = off;
        return 0;
}

int
crilog_read(int dirfd, const char *name, const struct crilog_read_opts *o, int out_fd,
            struct berr **err)
{
        _cleanup_(fileset_done) struct fileset fs = {0};
        _cleanup_(reader_done) struct reader r = {0};
        uint64_t start, off;
        int q;

        q = fileset_open(dirfd, name, &fs, err);
        if (q < 0)
                return q;
        q = reader_init(&r, o, out_fd, err);
        if (q < 0)
                return q;
        if (o->tail == 0)
                return 0;
        q = plan_tail(&r, &fs, &start, err);
        if (q < 0)
                return q;
        q = read_files(&r, &fs, start, false, &off, err);
        if (q < 0)
                return q;
        return finish_chains(&r, err);
}

/* ---- follow ---- */

/* The file follow reads: NAME as it was when last looked at. */
struct follow {
        int dirfd;
        const char *name;
        int fd; /* -EBADF: NAME was missing */
        dev_t dev;
        ino_t ino;
        uint64_t base, off;
};

static bool
same_file(const struct stat *st, dev_t dev, ino_t ino)
{
        return st->st_dev == dev && st->st_ino == ino;
}

/*
 * Rotations happened between two looks: read the rotated files newer than
 * the one followed (fw->fd, read to its end), oldest first. Where the
 * followed file is NAME.<k> now, those are NAME.<k-1> ... NAME.1. Where it
 * is gone (as many rotations as files kept, or NAME replaced), those
 * modified since it last was: a file of an older history is left alone.
 */
static int
read_missed(struct reader *r, struct follow *fw, const struct logfile *nf, struct berr **err)
{
        _cleanup_free_ unsigned *nums = NULL;
        char rname[ROTATED_NAME_MAX];
        struct stat old, st;
        unsigned found = 0;
        size_t n = 0;
        int q;

        if (fstat(fw->fd, &old) < 0)
                return berr(err, errno, "stat log %s", fw->name);
        q = list_rotated(fw->dirfd, fw->name, &nums, &n, err);
        if (q < 0)
                return q;
        for (size_t i = 0; i < n && found == 0; i++) {
                rotated_name(rname, fw->name, nums[i]);
                if (fstatat(fw->dirfd, rname, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    same_file(&st, old.st_dev, old.st_ino))
                        found = nums[i];
        }
        for (size_t i = 0; i < n; i++) {
                struct logfile f = {.fd = -EBADF};
                uint64_t off = 0;

                if (found > 0 && nums[i] >= found)
                        continue;
                rotated_name(rname, fw->name, nums[i]);
                if (open_logfile(fw->dirfd, rname, &f) < 0)
                        continue; /* rotated away meanwhile */
                if (!(f.dev == nf->dev && f.ino == nf->ino) &&
                    (found > 0 || fstat(f.fd, &st) < 0 || st.st_mtim.tv_sec > old.st_mtim.tv_sec ||
                     (st.st_mtim.tv_sec == old.st_mtim.tv_sec &&
                      st.st_mtim.tv_nsec >= old.st_mtim.tv_nsec))) {
                        reader_seek(r, fw->base);
                        q = read_forward(r, f.fd, &off, UINT64_MAX, err);
                        fw->base += off;
                }
                (void)close(f.fd);
                if (q < 0)
                        return q;
        }
        return 0;
}

/* Read what was added, and go over to a new NAME when rotation replaced it. */
static int
follow_catch_up(struct reader *r, struct follow *fw, struct berr **err)
{
        for (;;) {
                struct logfile nf = {.fd = -EBADF};
                struct stat st;
                int q;

                if (fw->fd >= 0) {
                        q = read_forward(r, fw->fd, &fw->off, UINT64_MAX, err);
                        if (q < 0)
                                return q;
                }
                if (fstatat(fw->dirfd, fw->name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                return 0; /* between the renames of a rotation */
                        return berr(err, errno, "stat log %s", fw->name);
                }
                if (fw->fd >= 0 && same_file(&st, fw->dev, fw->ino))
                        return 0;
                q = open_logfile(fw->dirfd, fw->name, &nf);
                if (q == -ENOENT)
                        return 0;
                if (q < 0)
                        return berr(err, -q, "open log %s", fw->name);
                if (fw->fd >= 0) {
                        /* the writer is done with the old file: its last records */
                        q = read_forward(r, fw->fd, &fw->off, UINT64_MAX, err);
                        fw->base += fw->off;
                        if (q >= 0)
                                q = read_missed(r, fw, &nf, err);
                        if (q < 0) {
                                (void)close(nf.fd);
                                return q;
                        }
                        (void)close(fw->fd);
                }
                fw->fd = nf.fd;
                fw->dev = nf.dev;
                fw->ino = nf.ino;
                fw->off = 0;
                reader_seek(r, fw->base);
        }
}

static bool
follow_should_stop(const struct crilog_follow_opts *o)
{
        struct timespec now;

        if (o->stop && o->stop(o->userdata))
                return true;
        return ts_set(&o->read.until) && clock_gettime(CLOCK_REALTIME, &now) == 0 &&
               ts_cmp(&now, &o->read.until) >= 0;
}

/* Wait for the directory to change, or the stop fd; true when told to stop. */
static bool
follow_wait(const struct crilog_follow_opts *o, int ifd)
{
        struct pollfd p[2];
        nfds_t n = 0;
        int stop_at = -1;

        if (o->stop_fd >= 0) {
                stop_at = (int)n;
                p[n++] = (struct pollfd){.fd = o->stop_fd, .events = POLLIN};
        }
        if (ifd >= 0)
                p[n++] = (struct pollfd){.fd = ifd, .events = POLLIN};
        if (poll(p, n, FOLLOW_POLL_MS) <= 0)
                return false; /* EINTR and time-outs alike: look at the files again */
        if (ifd >= 0) {
                char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

                while (read(ifd, ev, sizeof(ev)) > 0)
                        ;
        }
        return stop_at >= 0 && p[stop_at].revents != 0;
}

/* inotify on the directory: any change there wakes the follower, which then looks. */
static int
follow_watch(int dirfd)
{
        char path[64];
        int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

        if (ifd < 0)
                return -EBADF;
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
        if (inotify_add_watch(ifd, path,
                              IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                      IN_CLOSE_WRITE) < 0) {
                (void)close(ifd);
                return -EBADF;
        }
        return ifd;
}

int
crilog_follow(int dirfd, const char *name, const struct crilog_follow_opts *o, int out_fd,
              struct berr **err)
{
        _cleanup_(fileset_done) struct fileset fs = {0};
        _cleanup_(reader_done) struct reader r = {0};
        _cleanup_close_ int ifd = -EBADF;
        struct follow fw = {.dirfd = dirfd, .name = name, .fd = -EBADF};
        uint64_t start, off;
        int q;

        q = fileset_open(dirfd, name, &fs, err);
        if (q < 0)
                return q;
        q = reader_init(&r, &o->read, out_fd, err);
        if (q < 0)
                return q;
        /* watch first: what is written after the first read wakes the loop */
        ifd = follow_watch(dirfd);
        q = plan_tail(&r, &fs, &start, err);
        if (q < 0)
                return q;
        q = read_files(&r, &fs, start, fs.have_name, &off, err);
        if (q < 0)
                return q;
        if (fs.n > 0) {
                struct logfile *last = &fs.f[fs.n - 1];

                if (fs.have_name) {
                        fw.fd = TAKE_FD(last->fd);
                        fw.dev = last->dev;
                        fw.ino = last->ino;
                        fw.base = last->base;
                        fw.off = off;
                } else {
                        fw.base = last->base + last->size;
                        reader_seek(&r, fw.base);
                }
        }
        for (;;) {
                bool stop;

                q = out_flush(&r.out, err);
                if (q >= 0)
                        q = follow_catch_up(&r, &fw, err);
                if (q >= 0)
                        q = out_flush(&r.out, err);
                if (q < 0)
                        break;
                stop = follow_should_stop(o) || follow_wait(o, ifd);
                if (stop) {
                        /* what the writer left before it stopped */
                        q = follow_catch_up(&r, &fw, err);
                        break;
                }
        }
        if (fw.fd >= 0)
                (void)close(fw.fd);
        if (q < 0)
                return q;
        return finish_chains(&r, err);
}
