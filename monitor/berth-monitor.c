/*
 * berth-monitor: the small process that stays with a container once berth
 * has returned (conmon's job). berth forks, detaches the child (a session
 * of its own, a child subreaper), creates the container there and execs
 * this program, which inherits the container as its child and the read
 * ends of its output:
 *
 *   1. it says "P<pid>" on the status fd, so that berth can return,
 *   2. writes the output to the log in the CRI format until the container
 *      exits and its pipes close, reaping whatever is re-parented to it,
 *   3. writes the exit file ({"exitCode":N,"signal":N,"finishedAt":ns}),
 *   4. becomes `berth internal cleanup ID` (cgroup, OOM count, record),
 *      unless --no-cleanup says the caller waits to do that itself.
 *
 * It links nothing but libc and the log writer, statically, to stay small.
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

/* become `berth --root R --runroot RR internal cleanup ID` */
/* milliseconds from now to end (<= 0: passed) */
static int
ms_until(const struct timespec *end, const struct timespec *now)
{
        return (int)((end->tv_sec - now->tv_sec) * 1000 + (end->tv_nsec - now->tv_nsec) / 1000000);
}

static int
cleanup(const struct monitor *m)
{
        if (m->no_cleanup)
                return 0;
        const char *argv[] = {m->berth,   "--root",  m->root, "--runroot", m->runroot,
                              "internal", "cleanup", m->id,   NULL};

        execv(m->berth, (char *const *)argv);
        return 1;
}

static void
write_exit(const struct monitor *m, int st)
{
        char text[128], tmp[4096];
        struct timespec now;
        int code = 0, sig = 0, fd, n;

        clock_gettime(CLOCK_REALTIME, &now);
        if (WIFEXITED(st))
                code = WEXITSTATUS(st);
        else if (WIFSIGNALED(st))
                sig = WTERMSIG(st), code = 128 + sig;
        n = snprintf(text, sizeof(text),
                     "{\"exitCode\": %d, \"signal\": %d, \"finishedAt\": %lld}\n", code, sig,
                     (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
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

static int
parse_args(int argc, char **argv, struct monitor *m)
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
                {},
        };
        int c;

        m->status_fd = m->out_fd = m->err_fd = -1;
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
                default:
                        return -1;
                }
        }
        if (!m->id || m->pid <= 0 || m->out_fd < 0 || !m->log_path || !m->exit_path || !m->berth ||
            !m->root || !m->runroot)
                return -1;
        return 0;
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

int
main(int argc, char **argv)
{
        struct monitor m = {0};
        struct crilog *log = NULL;
        struct timespec drain_end = {0}, attach_end, now = {0};
        struct attach at = {.listen_fd = -1, .dir_fd = -1, .tty_fd = -1};
        bool exited = false;
        sigset_t mask;
        int sfd, st = 0, fds[2];

        if (parse_args(argc, argv, &m) < 0) {
                fprintf(stderr,
                        "usage: berth-monitor --id ID --pid PID --stdout-fd N "
                        "[--stderr-fd N] [--status-fd N] --log FILE --exit-file FILE "
                        "--berth PATH --root DIR --runroot DIR [--log-max-size N] "
                        "[--log-max-files N] [--no-cleanup] [--attach-dir DIR [--wait-attach]]\n");
                return 2;
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

        for (;;) {
                struct pollfd p[3 + 1 + ATTACH_CLIENTS_MAX];
                size_t np = 0, first_attach;
                int idx[2] = {-1, -1}, sig_idx, timeout = -1, n_ready;
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
                np += attach_pollfds(&at, p + np, sizeof(p) / sizeof(p[0]) - np);

                if (!exited && fds[0] < 0 && fds[1] < 0)
                        timeout = 100; /* output closed: the exit is near, look for it */
                if (exited) {
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        timeout = ms_until(&drain_end, &now);
                        if ((fds[0] < 0 && fds[1] < 0) || timeout <= 0)
                                break;
                }
                if (!exited && timeout < 0)
                        timeout = IDLE_FLUSH_MS;
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
                if (n_ready == 0 && !exited) {
                        /* quiet for a while: what waits for its newline (a prompt) goes out */
                        clock_gettime(CLOCK_REALTIME, &now);
                        (void)crilog_flush(log, &now, NULL);
                }
                attach_events(&at, p + first_attach, np - first_attach);
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
                        if (i == 0)
                                attach_output(&at, buf, (size_t)n);
                }
                /*
                 * Reap at each wake-up, not only on SIGCHLD: the container may
                 * have exited before SIGCHLD was blocked, and that signal is gone.
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
                                }
                }
        }
        attach_close(&at);
        clock_gettime(CLOCK_REALTIME, &now);
        (void)crilog_flush(log, &now, NULL);
        log = crilog_free(log);
        write_exit(&m, st);
        return cleanup(&m);
}
