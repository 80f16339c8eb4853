/*
 * monitor/attach.h: the monitor's side of a container's terminal: the
 * attach socket, its clients, and what passes between them and the
 * terminal's master (see runtime/attach-proto.h).
 */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#define ATTACH_CLIENTS_MAX 16

struct attach {
        int listen_fd;
        int dir_fd;
        int tty_fd; /* the terminal's master: input and window size go there */
        int clients[ATTACH_CLIENTS_MAX];
        size_t n_clients;
        bool had_client; /* someone attached at least once */
};

/* Listen on DIR/attach for the terminal tty_fd. 0 or -errno. */
int attach_open(struct attach *a, const char *dir, int tty_fd);

/* The fds to poll (the listening socket, then the clients) into p; how many. */
size_t attach_pollfds(const struct attach *a, struct pollfd *p, size_t max);

/* After poll: new clients accepted, their messages applied, gone ones dropped. */
void attach_events(struct attach *a, const struct pollfd *p, size_t n);

/* What the terminal wrote, to every client (one that cannot take it is dropped). */
void attach_output(struct attach *a, const char *buf, size_t len);

/* Every client and the socket closed, the socket file removed. */
void attach_close(struct attach *a);
