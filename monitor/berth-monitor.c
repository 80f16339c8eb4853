/*
 * berth-monitor: the small process that stays with a container once berth
 * has returned (conmon's job). berth starts a child (sharing berth's
 * memory until its exec: util/vmchild.h), detaches it (a session of its
 * own, a child subreaper), creates the container there and execs this
 * program, which inherits the container as its child and the read
 * ends of its output:
 *
 *   1. with a terminal, it says "P<pid>" on the status fd once its attach
 *      socket is there, so that berth can return (without one, the child
 *      said it before the exec),
 *   2. writes the output to the log in the CRI format until the container
 *      exits and its pipes close, reaping whatever is re-parented to it,
 *   3. meanwhile runs the container's probes and hooks (probes.h): writes
 *      its readiness, kills it when its liveness probe says so,
 *   4. writes the exit file ({"exitCode":N,"signal":N,"finishedAt":ns},
 *      and "probeFailure" when a probe or postStart had it killed),
 *   5. becomes `berth internal restart ID` when the restart policy says to
 *      start the container again (and no stop was asked for: the stop file),
 *      else `berth internal cleanup ID` (cgroup, OOM count, record), unless
 *      --no-cleanup says the caller waits to do that itself.
 *
 * It links nothing but libc, the log writer, and the probe runners and
 * back-off rules, statically, to stay small.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "probes.h"
#include "runtime/backoff.h"
#include "runtime/crilog.h"
#include "util/berr.h"

/* output still arriving after the container's exit (its leftovers) is read this long */
#define DRAIN_MS 2000
/* how long an attached run's terminal waits for its caller to attach */
#define ATTACH_WAIT_MS 10000

/* output without a newline is written after this long without more */
#define IDLE_FLUSH_MS 1000

struct monitor {
        const char *id, *log_path, *exit_path, *berth, *root, *runroot;
        pid_t pid;
        int status_fd, out_fd, err_fd;
        uint64_t log_max_size;
        unsigned log_max_files;
        bool no_cleanup;        /* the caller waits for the container and cleans up after it */
        const char *attach_dir; /* a terminal: its attach socket goes there */
        bool wait_attach;       /* read nothing from the terminal before a client attached */
        /* restarts: the policy (_RESTART_POLICY_INVALID: none), restarts so far, the most */
        enum restart_policy restart_policy;
        unsigned restart_count, restart_max; /* restart_max 0: no limit */
        const char *stop_file;               /* there once a stop was asked for: no restart */
        const char *ready_file, *probe_file;
        int stop_signal, stop_timeout;
        struct probes probes;
};

static void
say(int fd, const char *msg, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, msg, len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                msg += n;
                len -= (size_t)n;
        }
}

static void __attribute__((format(printf, 2, 3))) status(struct monitor *m, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        int n;

        if (m->status_fd < 0)
                return;
        va_start(ap, fmt);
        n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n > 0)
                say(m->status_fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
        (void)close(m->status_fd);
        m->status_fd = -1;
}

/* milliseconds from now to end (<= 0: passed) */
static int
ms_until(const struct timespec *end, const struct timespec *now)
{
        return (int)((end->tv_sec - now->tv_sec) * 1000 + (end->tv_nsec - now->tv_nsec) / 1000000);
}

static int64_t
mono_ns(void)
{
        struct timespec t;

        (void)clock_gettime(CLOCK_MONOTONIC, &t);
        return backoff_ns_from_timespec(&t);
}

/* become `berth --root R --runroot RR internal cleanup|restart ID` */
static int
become(const struct monitor *m, const char *what)
{
        const char *argv[] = {m->berth,   "--root", m->root, "--runroot", m->runroot,
                              "internal", what,     m->id,   NULL};

        if (m->no_cleanup)
                return 0;
        execv(m->berth, (char *const *)argv);
        return 1;
}

static int
cleanup(const struct monitor *m)
{
        return become(m, "cleanup");
}

/*
 * Whether the container that ended with st starts again: its policy says
 * so, it has not used up its restarts (--restart on-failure:N), and nobody
 * asked for it to stop (berth stop, rm, kill write the stop file first).
 */
static bool
restart_wanted(const struct monitor *m, int st, bool probe_failed)
{
        if (m->no_cleanup || m->restart_policy < 0 || m->restart_policy == RESTART_NEVER)
                return false;
        /* kubelet restarts a container its liveness probe killed whatever it exited with */
        if (!probe_failed && !restart_policy_should_restart(m->restart_policy, st))
                return false;
        if (m->restart_max > 0 && m->restart_count >= m->restart_max)
                return false;
        return !m->stop_file || access(m->stop_file, F_OK) < 0;
}

/* s as the inside of a JSON string (a probe's message: printable already) */
static void
json_escape(const char *s, char *out, size_t size)
{
        size_t n = 0;

        for (; *s && n + 7 < size; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\') {
                        out[n++] = '\\';
                        out[n++] = (char)c;
                } else if (c < 0x20) {
                        n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
                } else {
                        out[n++] = (char)c;
                }
        }
        out[n] = '\0';
}

static void
write_exit(const struct monitor *m, int st)
{
        char text[2048], why[1024], tmp[4096];
        struct timespec now;
        int code = 0, sig = 0, fd, n;

        clock_gettime(CLOCK_REALTIME, &now);
        if (WIFEXITED(st))
                code = WEXITSTATUS(st);
        else if (WIFSIGNALED(st))
                sig = WTERMSIG(st), code = 128 + sig;
        json_escape(probes_why(&m->probes), why, sizeof(why));
        n = snprintf(text, sizeof(text),
                     "{\"exitCode\": %d, \"signal\": %d, \"finishedAt\": %lld%s%s%s}\n", code, sig,
                     (long long)now.tv_sec * 1000000000LL + now.tv_nsec,
                     why[0] ? ", \"probeFailure\": \"" : "", why, why[0] ? "\"" : "");
        if (n < 0 || n >= (int)sizeof(text))
                return;
        if (snprintf(tmp, sizeof(tmp), "%s.tmp", m->exit_path) >= (int)sizeof(tmp))
                return;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return;
        say(fd, text, (size_t)n);
        if (close(fd) == 0)
                (void)rename(tmp, m->exit_path);
        else
                (void)unlink(tmp);
}

/* a number of at most max, or -1 */
static long
number(const char *s, long max)
{
        char *end;
        long v;

        errno = 0;
        v = strtol(s, &end, 10);
        return errno == 0 && end != s && *end == '\0' && v >= 0 && v <= max ? v : -1;
}

enum {
        OPT_RESTART_POLICY = _PROBES_OPT_END,
        OPT_RESTART_COUNT,
        OPT_RESTART_MAX,
        OPT_STOP_FILE,
        OPT_READY_FILE,
        OPT_PROBE_FILE,
        OPT_STOP_SIGNAL,
        OPT_STOP_TIMEOUT,
};

/* -1: not a command line of ours; -EINVAL: a probe option is wrong (*err) */
static int
parse_args(int argc, char **argv, struct monitor *m, struct berr **err)
{
        static const struct option opts[] = {
                {"id", required_argument, NULL, 'i'},
                {"pid", required_argument, NULL, 'p'},
                {"stdout-fd", required_argument, NULL, 'o'},
                {"stderr-fd", required_argument, NULL, 'E'},
                {"status-fd", required_argument, NULL, 's'},
                {"log", required_argument, NULL, 'l'},
                {"exit-file", required_argument, NULL, 'e'},
                {"log-max-size", required_argument, NULL, 'm'},
                {"log-max-files", required_argument, NULL, 'f'},
                {"berth", required_argument, NULL, 'b'},
                {"root", required_argument, NULL, 'r'},
                {"runroot", required_argument, NULL, 'R'},
                {"no-cleanup", no_argument, NULL, 'n'},
                {"attach-dir", required_argument, NULL, 'a'},
                {"wait-attach", no_argument, NULL, 'w'},
                {"restart-policy", required_argument, NULL, OPT_RESTART_POLICY},
                {"restart-count", required_argument, NULL, OPT_RESTART_COUNT},
                {"restart-max", required_argument, NULL, OPT_RESTART_MAX},
                {"stop-file", required_argument, NULL, OPT_STOP_FILE},
                {"ready-file", required_argument, NULL, OPT_READY_FILE},
                {"probe-file", required_argument, NULL, OPT_PROBE_FILE},
                {"stop-signal", required_argument, NULL, OPT_STOP_SIGNAL},
                {"stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT},
                PROBES_LONG_OPTIONS,
                {},
        };
        int c, r = 0;
        long v;

        m->status_fd = m->out_fd = m->err_fd = -1;
        m->restart_policy = _RESTART_POLICY_INVALID;
        m->stop_signal = SIGTERM;
        m->stop_timeout = 10;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 'i':
                        m->id = optarg;
                        break;
                case 'p':
                        m->pid = (pid_t)atoi(optarg);
                        break;
                case 'o':
                        m->out_fd = atoi(optarg);
                        break;
                case 'E':
                        m->err_fd = atoi(optarg);
                        break;
                case 's':
                        m->status_fd = atoi(optarg);
                        break;
                case 'l':
                        m->log_path = optarg;
                        break;
                case 'e':
                        m->exit_path = optarg;
                        break;
                case 'm':
                        m->log_max_size = strtoull(optarg, NULL, 10);
                        break;
                case 'f':
                        m->log_max_files = (unsigned)strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        m->berth = optarg;
                        break;
                case 'r':
                        m->root = optarg;
                        break;
                case 'R':
                        m->runroot = optarg;
                        break;
                case 'n':
                        m->no_cleanup = true;
                        break;
                case 'a':
                        m->attach_dir = optarg;
                        break;
                case 'w':
                        m->wait_attach = true;
                        break;
                case OPT_RESTART_POLICY:
                        /* "" and NULL would be Always to restart_policy_from_string() */
                        m->restart_policy = optarg[0] ? restart_policy_from_string(optarg)
                                                      : _RESTART_POLICY_INVALID;
                        if (m->restart_policy < 0)
                                return -1;
                        break;
                case OPT_RESTART_COUNT:
                case OPT_RESTART_MAX:
                        v = number(optarg, INT32_MAX);
                        if (v < 0)
                                return -1;
                        *(c == OPT_RESTART_COUNT ? &m->restart_count : &m->restart_max) =
                                (unsigned)v;
                        break;
                case OPT_STOP_FILE:
                        m->stop_file = optarg;
                        break;
                case OPT_READY_FILE:
                        m->ready_file = optarg;
                        break;
                case OPT_PROBE_FILE:
                        m->probe_file = optarg;
                        break;
                case OPT_STOP_SIGNAL:
                        v = number(optarg, NSIG - 1);
                        if (v <= 0)
                                return -1;
                        m->stop_signal = (int)v;
                        break;
                case OPT_STOP_TIMEOUT:
                        v = number(optarg, 86400 * 365);
                        if (v < 0)
                                return -1;
                        m->stop_timeout = (int)v;
                        break;
                default:
                        if (c < PROBES_OPT_PROBE || c >= _PROBES_OPT_END)
                                return -1;
                        /* the first error is kept; the rest of the line is still read */
                        if (r == 0)
                                r = probes_option(&m->probes, c, optarg, err);
                        break;
                }
        }
        if (!m->id || m->pid <= 0 || m->out_fd < 0 || !m->log_path || !m->exit_path || !m->berth ||
            !m->root || !m->runroot || optind != argc)
                return -1;
        return r;
}

/* The log's directory and file name, split at the last slash. */
static int
open_log(const struct monitor *m, struct crilog **ret)
{
        char dir[4096];
        const char *slash = strrchr(m->log_path, '/');
        struct crilog_opts o = {.max_size = m->log_max_size, .max_files = m->log_max_files};
        struct berr *err = NULL;
        int dfd, r;

        if (!slash || (size_t)(slash - m->log_path) >= sizeof(dir))
                return -EINVAL;
        memcpy(dir, m->log_path, (size_t)(slash - m->log_path));
        dir[slash - m->log_path] = '\0';
        dfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        r = crilog_open(dfd, slash + 1, &o, ret, &err);
        (void)close(dfd);
        berr_free(err);
        return r;
}

/* The probes' command line checked and their runners made ready; 0, or -1 after status "E...". */
static int
prepare_probes(struct monitor *m)
{
        struct probes_config c = {
                .berth = m->berth,
                .root = m->root,
                .runroot = m->runroot,
                .id = m->id,
                .ready_file = m->ready_file,
                .probe_file = m->probe_file,
                .stop_signal = m->stop_signal,
                .grace_s = m->stop_timeout,
        };
        struct berr *err = NULL;
        int r = probes_prepare(&m->probes, &c, &err);

        if (r < 0)
                status(m, "Emonitor: %s", err && err->msg ? err->msg : "probes");
        berr_free(err);
        return r < 0 ? -1 : 0;
}

/* A poll() timeout in ms up to deadline (CLOCK_MONOTONIC ns), no longer than timeout (-1: none). */
static int
shorter(int timeout, int64_t deadline, int64_t now)
{
        int ms = probe_poll_timeout_ms(deadline, now);

        if (ms < 0)
                return timeout;
        return timeout < 0 || ms < timeout ? ms : timeout;
}

int
main(int argc, char **argv)
{
        struct monitor m = {0};
        struct crilog *log = NULL;
        struct timespec drain_end = {0}, attach_end, now = {0};
        struct attach at = {.listen_fd = -1, .dir_fd = -1, .tty_fd = -1};
        struct berr *err = NULL;
        bool exited = false, probe_failed;
        int64_t flush_at = INT64_MAX;
        sigset_t mask;
        int sfd, st = 0, fds[2], r;

        probes_init(&m.probes);
        r = parse_args(argc, argv, &m, &err);
        if (r == -1) {
                fprintf(stderr,
                        "usage: berth-monitor --id ID --pid PID --stdout-fd N "
                        "[--stderr-fd N] [--status-fd N] --log FILE --exit-file FILE "
                        "--berth PATH --root DIR --runroot DIR [--log-max-size N] "
                        "[--log-max-files N] [--no-cleanup] [--attach-dir DIR [--wait-attach]] "
                        "[--restart-policy Always|OnFailure|Never [--restart-count N] "
                        "[--restart-max N] [--stop-file FILE]] [--ready-file FILE] "
                        "[--probe-file FILE] [--stop-signal N] [--stop-timeout S] "
                        "[PROBE OPTIONS (see monitor/probes.h)]\n");
                berr_free(err);
                return 2;
        }
        if (r < 0 || prepare_probes(&m) < 0) {
                if (r < 0)
                        status(&m, "Emonitor: %s", err && err->msg ? err->msg : "probes");
                berr_free(err);
                (void)kill(m.pid, SIGKILL);
                probes_done(&m.probes);
                return cleanup(&m);
        }
        (void)signal(SIGPIPE, SIG_IGN);
        (void)signal(SIGHUP, SIG_IGN);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
            (sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
                status(&m, "Emonitor: set up signals: %s", strerror(errno));
                (void)kill(m.pid, SIGKILL);
                return cleanup(&m);
        }
        if (open_log(&m, &log) < 0) {
                status(&m, "Emonitor: open the log %s: %s", m.log_path, strerror(errno));
                (void)kill(m.pid, SIGKILL);
                return cleanup(&m);
        }
        if (m.attach_dir && attach_open(&at, m.attach_dir, m.out_fd) < 0) {
                status(&m, "Emonitor: the attach socket in %s: %s", m.attach_dir, strerror(errno));
                (void)kill(m.pid, SIGKILL);
                return cleanup(&m);
        }
        clock_gettime(CLOCK_MONOTONIC, &attach_end);
        attach_end.tv_sec += ATTACH_WAIT_MS / 1000;
        fds[0] = m.out_fd;
        fds[1] = m.err_fd;
        status(&m, "P%d", (int)m.pid);
        /* postStart, then the probes; the ready file says "true" at once when there are none */
        probes_begin(&m.probes, m.pid, mono_ns());

        for (bool reaped_once = false;;) {
                struct pollfd p[3 + 1 + ATTACH_CLIENTS_MAX + _PROBES_HANDLER_MAX];
                size_t np = 0, first_attach, n_attach;
                int idx[2] = {-1, -1}, sig_idx, timeout = -1, n_ready;
                int64_t mono = mono_ns();
                bool hold = false;

                /* an attached run's terminal waits for its caller (the container blocks on it) */
                if (m.wait_attach && !at.had_client) {
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        hold = ms_until(&attach_end, &now) > 0;
                }
                for (int i = 0; i < 2; i++)
                        if (fds[i] >= 0 && !(i == 0 && hold)) {
                                idx[i] = (int)np;
                                p[np++] = (struct pollfd){.fd = fds[i], .events = POLLIN};
                        }
                sig_idx = (int)np;
                p[np++] = (struct pollfd){.fd = sfd, .events = POLLIN};
                first_attach = np;
                n_attach = attach_pollfds(&at, p + np, 1 + ATTACH_CLIENTS_MAX);
                np += n_attach;
                /* the probes' results are taken at every wake-up: their fds only wake us */
                np += probes_pollfds(&m.probes, p + np, sizeof(p) / sizeof(p[0]) - np);

                if (!exited && fds[0] < 0 && fds[1] < 0)
                        timeout = 100; /* output closed: the exit is near, look for it */
                if (exited) {
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        timeout = ms_until(&drain_end, &now);
                        if ((fds[0] < 0 && fds[1] < 0) || timeout <= 0)
                                break;
                }
                if (!exited) {
                        /*
                         * The first round does not sleep: a SIGCHLD sent before
                         * we blocked it is lost, so look for an exit at once;
                         * from then on signalfd has every one, and an idle
                         * container's monitor sleeps until something happens.
                         */
                        if (!reaped_once)
                                timeout = 0;
                        timeout = shorter(timeout, flush_at, mono);
                        timeout = shorter(timeout, probes_deadline(&m.probes, mono), mono);
                }
                if (hold) {
                        int left = ms_until(&attach_end, &now);
                        timeout = left < timeout ? left : timeout;
                }
                n_ready = poll(p, np, timeout);
                if (n_ready < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                mono = mono_ns();
                if (!exited && mono >= flush_at) {
                        /* quiet for a while: what waits for its newline (a prompt) goes out */
                        clock_gettime(CLOCK_REALTIME, &now);
                        (void)crilog_flush(log, &now, NULL);
                        flush_at = INT64_MAX;
                }
                attach_events(&at, p + first_attach, n_attach);
                for (int i = 0; i < 2; i++) {
                        enum crilog_stream stream = i == 0 ? CRILOG_STDOUT : CRILOG_STDERR;
                        char buf[8192];
                        ssize_t n;

                        if (idx[i] < 0 || !(p[idx[i]].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        n = read(fds[i], buf, sizeof(buf));
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        clock_gettime(CLOCK_REALTIME, &now);
                        if (n <= 0) {
                                /* closed (a terminal says EIO once its last replica is gone) */
                                (void)crilog_flush_stream(log, stream, &now, NULL);
                                (void)close(fds[i]);
                                fds[i] = -1;
                                if (i == 0)
                                        at.tty_fd = -1;
                                continue;
                        }
                        (void)crilog_write(log, stream, buf, (size_t)n, &now, NULL);
                        flush_at = mono + (int64_t)IDLE_FLUSH_MS * 1000000;
                        if (i == 0)
                                attach_output(&at, buf, (size_t)n);
                }
                /*
                 * Reap at each wake-up, not only on SIGCHLD: the container may
                 * have exited before SIGCHLD was blocked, and that signal is gone.
                 * Probe workers are reaped here too (probe.h allows it).
                 */
                {
                        struct signalfd_siginfo si;
                        pid_t pid;
                        int s;

                        while ((p[sig_idx].revents & POLLIN) &&
                               read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                                ;
                        while ((pid = waitpid(-1, &s, WNOHANG)) > 0)
                                if (pid == m.pid && !exited) {
                                        st = s;
                                        exited = true;
                                        clock_gettime(CLOCK_MONOTONIC, &drain_end);
                                        drain_end.tv_sec += DRAIN_MS / 1000;
                                        probes_end(&m.probes);
                                }
                }
                reaped_once = true;
                if (!exited)
                        probes_work(&m.probes, mono);
        }
        attach_close(&at);
        clock_gettime(CLOCK_REALTIME, &now);
        (void)crilog_flush(log, &now, NULL);
        log = crilog_free(log);
        probes_end(&m.probes);
        write_exit(&m, st);
        probe_failed = probes_failed(&m.probes);
        probes_done(&m.probes);
        if (restart_wanted(&m, st, probe_failed))
                return become(&m, "restart");
        return cleanup(&m);
}
