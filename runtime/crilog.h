/*
 * runtime/crilog.h: container logs in the CRI log format, the one kubelet,
 * CRI-O (conmon) and podman's k8s-file driver write and read:
 *
 *     2026-11-22T10:00:00.123456789Z stdout F a whole line
 *     2026-11-22T10:00:00.123456789Z stderr P the first piece of a long li
 *     2026-11-22T10:00:00.123456789Z stderr F ne, and its end
 *
 * One record per line: an RFC 3339 timestamp with nanoseconds, the stream,
 * a tag (F: the text ends a line; P: it does not, the next record of the
 * same stream goes on with it; kubelet allows more tags after a ':', which
 * are ignored), a space and the text without its newline.
 *
 * The pod monitor writes (crilog_open, crilog_write), `berth logs` reads
 * (crilog_read, crilog_follow).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct berr;

enum crilog_stream {
        CRILOG_STDOUT,
        CRILOG_STDERR,
        _CRILOG_STREAM_MAX,
        _CRILOG_STREAM_INVALID = -EINVAL,
};

/* The text of one record before a line is cut into P pieces (containerd's 16 KiB). */
#define CRILOG_LINE_MAX_DEFAULT (16U * 1024U)
/* The longest record the reader takes, newline included; longer ones are skipped. */
#define CRILOG_RECORD_MAX (64U * 1024U)
/* The largest line_max a writer takes: its records stay readable. */
#define CRILOG_LINE_MAX_LIMIT (CRILOG_RECORD_MAX - 64U)
/* The most files one log keeps (NAME and NAME.1 ... NAME.<max_files - 1>). */
#define CRILOG_MAX_FILES_LIMIT 1000U

/*
 * Rotation. kubelet renames 0.log to 0.log.<YYYYMMDD-hhmmss> and gzips all
 * rotated files but the newest; conmon (podman's log_size_max) keeps no
 * history: it starts the file afresh. berth numbers them as Docker's
 * json-file driver and logrotate do: NAME is written, NAME.1 is the one
 * before, NAME.<max_files - 1> the oldest kept; max_files counts NAME itself,
 * as kubelet's containerLogMaxFiles does. Rotation happens before a record
 * that would take NAME past max_size (a record is never split between files;
 * one larger than max_size gets a file to itself). NAME is always replaced by
 * a new file, never truncated in place, so a reader that holds it open reads
 * on to its end.
 */
struct crilog_opts {
        uint64_t max_size;  /* bytes in NAME before a rotation; 0: never rotate */
        unsigned max_files; /* files kept, NAME included; 0 or 1: NAME only, started afresh */
        size_t line_max;    /* text bytes before a line is cut; 0: CRILOG_LINE_MAX_DEFAULT */
};

struct crilog;

/*
 * Open (create, mode 0640 less the umask) dirfd/name to append records to;
 * o NULL: no rotation, the default line_max. dirfd is duplicated: the caller
 * keeps its own. An existing file is appended to; if it ends inside a record
 * (its writer was killed), a newline ends that line first, so the next
 * record starts a line of its own. Returns 0 and
 * *ret, or -errno (EINVAL: options out of range, name not one path element,
 * or not a regular file).
 */
int crilog_open(int dirfd, const char *name, const struct crilog_opts *o, struct crilog **ret,
                struct berr **err);

/*
 * Log len bytes of output read from stream s at time now (CLOCK_REALTIME,
 * written in UTC). Each line ending in buf becomes an F record, together
 * with what earlier writes left of it; a line longer than line_max becomes P
 * records of line_max bytes and a last F record; text after the last newline
 * waits in a buffer of the stream (up to line_max bytes) for the rest of its
 * line. The records of one call go out in as few write(2)s as the batch
 * allows (one writev of up to 16 records). The two streams are buffered
 * apart: a partial stdout line does not hold back stderr. On failure the
 * records of this call not yet written are lost.
 */
int crilog_write(struct crilog *l, enum crilog_stream s, const char *buf, size_t len,
                 const struct timespec *now, struct berr **err);

/*
 * Write what stream s holds of an unfinished line as a P record, as conmon
 * does with output that ends without a newline: no F record follows unless
 * the stream goes on with the line. For a stream that closed, and for one
 * quiet for a while (a prompt without a newline), so readers see the text.
 */
int crilog_flush_stream(struct crilog *l, enum crilog_stream s, const struct timespec *now,
                        struct berr **err);

/* crilog_flush_stream() for both streams. */
int crilog_flush(struct crilog *l, const struct timespec *now, struct berr **err);

/* Close the log. It writes nothing: call crilog_flush() first to keep unfinished lines. */
struct crilog *crilog_free(struct crilog *l);

static inline void
crilog_freep(struct crilog **l)
{
        *l = crilog_free(*l);
}

/* One record, as crilog_parse_line() finds it. */
struct crilog_record {
        struct timespec time;      /* UTC */
        int utc_offset;            /* seconds east of UTC the timestamp was written in */
        enum crilog_stream stream; /* stdout or stderr */
        bool partial;              /* tag P: the line goes on in the stream's next record */
        const char *text;          /* points into the line, not NUL-terminated */
        size_t text_len;
};

/*
 * Parse one line of a log file (len bytes, with or without its newline):
 * timestamp (RFC 3339: date, 'T', time, 1 to 9 digits of fraction, 'Z' or
 * +hh:mm), one space, "stdout" or "stderr", one space, a tag whose first
 * ':'-separated part is "F" or "P", then one space and the text (a line that
 * ends after the tag has empty text). Returns 0, or -EINVAL with *ret
 * untouched.
 */
int crilog_parse_line(const char *line, size_t len, struct crilog_record *ret);

/*
 * Read as `podman logs` does:
 * - Lines are put back together from their P pieces; a line takes the time
 *   of its last record (podman: the F record). A stream's unfinished last
 *   line (P records, nothing after) is printed without a newline, as podman
 *   does, and counts as a line for tail. A line longer than 1 MiB is printed
 *   in pieces as it is read, whether it matches since/until decided by the
 *   record that passes 1 MiB.
 * - timestamps: each line starts with its time as podman --timestamps
 *   prints it (Go layout "2006-01-02T15:04:05.000000000Z07:00": always nine
 *   digits, the offset the file has, 'Z' for UTC) and a space.
 * - since, until: only lines strictly after since and strictly before
 *   until (podman's LogLine.Since/Until); {0, 0}: no bound.
 * - tail: the last N of the lines since/until and streams select, the
 *   files read backwards in blocks; -1 all, 0 none. Going back for the
 *   earlier P pieces of a line, tail gives up after 1 MiB without one (the
 *   other stream wrote that much in between) and prints what it found.
 * - streams: bit mask of 1 << CRILOG_STDOUT, 1 << CRILOG_STDERR; 0: both.
 * - stderr_fd: where stderr lines go (podman writes them to its stderr);
 *   negative: to out_fd with the stdout lines.
 * Malformed lines, and records longer than CRILOG_RECORD_MAX, are skipped.
 * Start from CRILOG_READ_OPTS_INIT.
 */
struct crilog_read_opts {
        bool timestamps;
        struct timespec since, until;
        int64_t tail;
        unsigned streams;
        int stderr_fd;
};

#define CRILOG_READ_OPTS_INIT                   \
        {                                       \
                .tail = -1, .stderr_fd = -EBADF \
        }

/*
 * Print the log dirfd/name, its rotated files first (NAME.<n>, highest n
 * first, then NAME), to out_fd. What the files hold when they are opened is
 * read; a file that rotation renames meanwhile is read once. Returns 0,
 * -ENOENT when there is neither NAME nor a rotated file, or -errno.
 */
int crilog_read(int dirfd, const char *name, const struct crilog_read_opts *o, int out_fd,
                struct berr **err);

/*
 * Follow: print as crilog_read() does, then keep printing lines as they
 * are written, until told to stop: stop_fd polls readable or hung up (a
 * pidfd of the pod monitor, an eventfd, the read end of a pipe whose writer
 * exits), or stop(userdata) returns true (asked at each wake-up, at least
 * every 250 ms), or until (when set) has passed. Before returning it reads
 * what the files hold then and prints unfinished lines as crilog_read()
 * does, so stopping at the writer's exit loses nothing.
 * Wakes on inotify events of the directory (polls every 250 ms where
 * inotify is not to be had). When NAME is replaced (rotation) the old file
 * is read to its end, then the rotated files newer than it (more rotations
 * came between two looks: those numbered below it, or where it is gone,
 * those modified since it was), then the new NAME from its start. Lines
 * are lost only when a file is rotated away before it could be read. Start from
 * CRILOG_FOLLOW_OPTS_INIT.
 */
struct crilog_follow_opts {
        struct crilog_read_opts read;
        int stop_fd; /* negative: none */
        bool (*stop)(void *userdata);
        void *userdata;
};

#define CRILOG_FOLLOW_OPTS_INIT                                  \
        {                                                        \
                .read = CRILOG_READ_OPTS_INIT, .stop_fd = -EBADF \
        }

int crilog_follow(int dirfd, const char *name, const struct crilog_follow_opts *o, int out_fd,
                  struct berr **err);

/*
 * Parse a --since/--until value as podman does (ParseInputTime): RFC 3339
 * with or without fraction ("2026-11-22T10:00:00Z", "...00.5+02:00"), the
 * same without a zone (UTC), "2026-11-22" (midnight UTC),
 * "2026-11-22+02:00", Unix seconds ("1700000000", "1700000000.25"), or a Go
 * duration ("10m", "1h30m", "1.5h", "300ms", "-5s") counted back from now.
 * (podman's --until counts a duration forward from now; "-10m" does that.)
 * Returns 0, or -EINVAL with *ret untouched.
 */
int crilog_parse_time(const char *s, struct timespec now, struct timespec *ret, struct berr **err);
