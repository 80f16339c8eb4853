/*
 * runtime/attach.c: `berth attach` and the foreground of `berth run -t`:
 * the caller's side of a container's terminal, which its monitor owns
 * (runtime/attach-proto.h). Our terminal goes raw while standard input is
 * passed on, and is restored whatever happens; the detach keys leave the
 * container running.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "attach-proto.h"
#include "container.h"
#include "runtime.h"
#include "util/berr.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define DETACH_KEYS_DEFAULT "ctrl-p,ctrl-q"
#define DETACH_KEYS_MAX 16

int
runtime_parse_detach_keys(const char *spec, char *ret, size_t size)
{
        size_t n = 0;
        const char *p = spec;

        while (*p) {
                const char *end = strchrnul(p, ',');
                size_t len = (size_t)(end - p);
                char c;

                if (len == 1) {
                        c = p[0];
                } else if (len == 6 && strncmp(p, "ctrl-", 5) == 0) {
                        char k = p[5];

                        /* as podman: ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\, ctrl-], ctrl-^, ctrl-_
                         */
                        if (k >= 'a' && k <= 'z')
                                c = (char)(k - 'a' + 1);
                        else if (k == '@' || k == '[' || k == '\\' || k == ']' || k == '^' ||
                                 k == '_')
                                c = (char)(k == '@' ? 0 : k - '@');
                        else
                                return -EINVAL;
                } else {
                        return -EINVAL;
                }
                if (n + 1 >= size)
                        return -EINVAL;
                ret[n++] = c;
                p = *end ? end + 1 : end;
        }
        ret[n] = '\0';
        return (int)n;
}

struct session {
        int sock;
        char keys[DETACH_KEYS_MAX];
        size_t n_keys, matched; /* how many of keys were just typed (held back) */
        bool raw;
        struct termios saved;
};

static int
send_msg(int sock, char type, const void *data, size_t len)
{
        char msg[ATTACH_MSG_MAX];

        msg[0] = type;
        memcpy(msg + 1, data, len);
        return send(sock, msg, len + 1, MSG_NOSIGNAL) == (ssize_t)(len + 1) ? 0 : -errno;
}

static void
send_winsize(const struct session *se)
{
        struct winsize ws;
        struct attach_winsize w;

        if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
                return;
        w.rows = ws.ws_row;
        w.cols = ws.ws_col;
        (void)send_msg(se->sock, ATTACH_RESIZE, &w, sizeof(w));
}

/* What was typed, minus the detach keys; 1 when they were all typed */
static int
forward_input(struct session *se, const char *buf, size_t len)
{
        char out[ATTACH_MSG_MAX];
        size_t n = 0;

        for (size_t i = 0; i < len; i++) {
                if (se->n_keys > 0 && buf[i] == se->keys[se->matched]) {
                        if (++se->matched == se->n_keys)
                                return 1;
                        continue;
                }
                /* not the sequence after all: what was held back goes on first */
                for (size_t k = 0; k < se->matched; k++)
                        out[n++] = se->keys[k];
                se->matched = 0;
                if (se->n_keys > 0 && buf[i] == se->keys[0]) {
                        se->matched = 1;
                        if (se->n_keys == 1)
                                return 1;
                        continue;
                }
                out[n++] = buf[i];
                if (n + DETACH_KEYS_MAX >= sizeof(out) - 1) {
                        if (send_msg(se->sock, ATTACH_INPUT, out, n) < 0)
                                return -EPIPE;
                        n = 0;
                }
        }
        if (n > 0 && send_msg(se->sock, ATTACH_INPUT, out, n) < 0)
                return -EPIPE;
        return 0;
}

static int
connect_to(const char *run_dir, struct berr **err)
{
        _cleanup_close_ int dfd = open(run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        if (dfd < 0 || fd < 0)
                return berr(err, errno, "attach: %s", run_dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, ATTACH_SOCKET);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return berr(err, errno, "attach: connect to %s/%s", run_dir, ATTACH_SOCKET);
        return TAKE_FD(fd);
}

static int
session_loop(struct storage *s, const struct berth_ctx *ctx, const char *id,
             const struct runtime_attach_opts *o, struct session *se, int sigfd, struct berr **err)
{
        bool in_open = o->stdin_;

        for (;;) {
                struct pollfd p[3] = {
                        {.fd = se->sock, .events = POLLIN},
                        {.fd = sigfd, .events = POLLIN},
                        {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN},
                };
                char buf[ATTACH_MSG_MAX];
                ssize_t n;

                if (poll(p, 3, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return berr(err, errno, "attach: poll");
                }
                if (p[1].revents & POLLIN) {
                        struct signalfd_siginfo si;

                        while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                if (si.ssi_signo == SIGWINCH)
                                        send_winsize(se);
                                else if (o->sig_proxy)
                                        (void)runtime_kill(s, ctx, id, (int)si.ssi_signo, NULL);
                        }
                }
                if (p[2].revents) {
                        int r;

                        n = read(STDIN_FILENO, buf, sizeof(buf) - 1);
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n <= 0) {
                                in_open = false; /* a terminal has no end of input to pass on */
                        } else {
                                r = forward_input(se, buf, (size_t)n);
                                if (r == 1)
                                        return 1;
                        }
                }
                if (p[0].revents) {
                        n = recv(se->sock, buf, sizeof(buf), 0);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n <= 0)
                                return 0; /* the terminal closed: the container exited */
                        if (buf[0] == ATTACH_OUTPUT) {
                                int w = fs_write_all(STDOUT_FILENO, buf + 1, (size_t)n - 1);

                                /* whoever read our output is gone: so are we (the container runs
                                 * on) */
                                if (w == -EPIPE)
                                        return 1;
                                if (w < 0)
                                        return berr(err, -w, "attach: write");
                        }
                }
        }
}

int
runtime_attach(struct storage *s, const struct berth_ctx *ctx, const char *what,
               const struct runtime_attach_opts *o, struct berr **err)
{
        _cleanup_(json_decrefp) json_t *rec = NULL;
        _cleanup_(container_paths_clear) struct container_paths p = {0};
        _cleanup_close_ int sigfd = -EBADF;
        struct session se = {.sock = -EBADF};
        const char *id, *state;
        sigset_t mask, old;
        int r;

        r = container_find(s, ctx, what, &rec, err);
        if (r < 0)
                return r;
        id = json_string_value(json_object_get(rec, "id"));
        state = json_string_value(json_object_get(rec, "state"));
        if (!state || strcmp(state, "running") != 0)
                return berr(err, 0, "you can only attach to running containers: %s is %s", what,
                            state ? state : "unknown");
        if (!json_is_true(json_object_get(rec, "tty")))
                return berr(err, EOPNOTSUPP,
                            "container %s has no terminal: use berth logs -f to follow its output",
                            what);
        r = runtime_parse_detach_keys(o->detach_keys ? o->detach_keys : DETACH_KEYS_DEFAULT,
                                      se.keys, sizeof(se.keys));
        if (r < 0)
                return berr(err, EINVAL, "invalid detach keys \"%s\"", o->detach_keys);
        se.n_keys = (size_t)r;
        r = container_paths(s, ctx, id, &p, err);
        if (r < 0)
                return r;
        se.sock = connect_to(p.run, err);
        if (se.sock < 0)
                return se.sock;

        sigemptyset(&mask);
        sigaddset(&mask, SIGWINCH);
        if (o->sig_proxy) {
                sigaddset(&mask, SIGINT);
                sigaddset(&mask, SIGTERM);
                sigaddset(&mask, SIGHUP);
                sigaddset(&mask, SIGQUIT);
        }
        if (sigprocmask(SIG_BLOCK, &mask, &old) < 0 ||
            (sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
                r = berr(err, errno, "attach: signals");
                goto out;
        }
        if (o->stdin_ && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &se.saved) == 0) {
                struct termios raw = se.saved;

                cfmakeraw(&raw);
                se.raw = tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0;
        }
        send_winsize(&se);
        r = session_loop(s, ctx, id, o, &se, sigfd, err);
out:
        if (se.raw)
                (void)tcsetattr(STDIN_FILENO, TCSADRAIN, &se.saved);
        (void)sigprocmask(SIG_SETMASK, &old, NULL);
        (void)close(se.sock);
        return r;
}
