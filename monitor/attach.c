/*
 * monitor/attach.c: the attach socket of a container with a terminal.
 * Clients send what is typed and their window size; everything the
 * terminal writes goes to all of them (and, by the monitor, to the log).
 */
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/attach-proto.h"

/* a client that takes longer than this to read what the terminal wrote is dropped */
#define SEND_TIMEOUT_S 5

int
attach_open(struct attach *a, const char *dir, int tty_fd)
{
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        *a = (struct attach){.listen_fd = -1, .dir_fd = -1, .tty_fd = tty_fd};
        a->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (a->dir_fd < 0)
                return -errno;
        a->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (a->listen_fd < 0)
                return -errno;
        /* through the directory's fd: a long run directory still fits sun_path */
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", a->dir_fd, ATTACH_SOCKET);
        (void)unlinkat(a->dir_fd, ATTACH_SOCKET, 0);
        if (bind(a->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            fchmodat(a->dir_fd, ATTACH_SOCKET, 0600, 0) < 0 || listen(a->listen_fd, 8) < 0)
                return -errno;
        return 0;
}

size_t
attach_pollfds(const struct attach *a, struct pollfd *p, size_t max)
{
        size_t n = 0;

        if (a->listen_fd >= 0 && n < max)
                p[n++] = (struct pollfd){.fd = a->listen_fd, .events = POLLIN};
        for (size_t i = 0; i < a->n_clients && n < max; i++)
                p[n++] = (struct pollfd){.fd = a->clients[i], .events = POLLIN};
        return n;
}

static void
drop(struct attach *a, size_t i)
{
        (void)close(a->clients[i]);
        a->clients[i] = a->clients[--a->n_clients];
}

static void
write_all(int fd, const char *buf, size_t len)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return;
                buf += n;
                len -= (size_t)n;
        }
}

/* One message from client i; false when it is gone */
static bool
client_message(struct attach *a, size_t i)
{
        char buf[ATTACH_MSG_MAX];
        ssize_t n = recv(a->clients[i], buf, sizeof(buf), MSG_DONTWAIT);

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        if (buf[0] == ATTACH_INPUT && a->tty_fd >= 0) {
                write_all(a->tty_fd, buf + 1, (size_t)n - 1);
        } else if (buf[0] == ATTACH_RESIZE && (size_t)n == 1 + sizeof(struct attach_winsize) &&
                   a->tty_fd >= 0) {
                struct attach_winsize w;
                struct winsize ws = {0};

                memcpy(&w, buf + 1, sizeof(w));
                ws.ws_row = w.rows;
                ws.ws_col = w.cols;
                (void)ioctl(a->tty_fd, TIOCSWINSZ, &ws);
        }
        return true;
}

void
attach_events(struct attach *a, const struct pollfd *p, size_t n)
{
        size_t k = 0;
        int fds[ATTACH_CLIENTS_MAX] = {0};
        size_t n_fds = 0;

        if (a->listen_fd >= 0 && k < n && p[k].fd == a->listen_fd) {
                bool ready = p[k].revents & POLLIN;

                k++;
                while (ready) {
                        struct timeval tv = {.tv_sec = SEND_TIMEOUT_S};
                        int c = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);

                        if (c < 0)
                                break;
                        if (a->n_clients == ATTACH_CLIENTS_MAX ||
                            setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
                                (void)close(c);
                                continue;
                        }
                        a->clients[a->n_clients++] = c;
                        a->had_client = true;
                }
        }
        /* the clients polled (accepting may have added some that were not) */
        for (; k < n; k++)
                if (p[k].revents)
                        fds[n_fds++] = p[k].fd;
        for (size_t j = 0; j < n_fds; j++)
                for (size_t i = 0; i < a->n_clients; i++)
                        if (a->clients[i] == fds[j]) {
                                if (!client_message(a, i))
                                        drop(a, i);
                                break;
                        }
}

void
attach_output(struct attach *a, const char *buf, size_t len)
{
        char msg[ATTACH_MSG_MAX];

        while (len > 0) {
                size_t chunk = len < sizeof(msg) - 1 ? len : sizeof(msg) - 1;

                msg[0] = ATTACH_OUTPUT;
                memcpy(msg + 1, buf, chunk);
                for (size_t i = 0; i < a->n_clients;) {
                        if (send(a->clients[i], msg, chunk + 1, MSG_NOSIGNAL) !=
                            (ssize_t)(chunk + 1))
                                drop(a, i);
                        else
                                i++;
                }
                buf += chunk;
                len -= chunk;
        }
}

void
attach_close(struct attach *a)
{
        while (a->n_clients > 0)
                drop(a, a->n_clients - 1);
        if (a->listen_fd >= 0)
                (void)close(a->listen_fd);
        if (a->dir_fd >= 0) {
                (void)unlinkat(a->dir_fd, ATTACH_SOCKET, 0);
                (void)close(a->dir_fd);
        }
        a->listen_fd = a->dir_fd = -1;
}
