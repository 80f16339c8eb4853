/*
 * runtime/attach-proto.h: what goes over a container's attach socket
 * (RUNROOT/containers/<id>/attach), between berth-monitor, which owns the
 * container's terminal, and `berth run -t` or `berth attach`. A
 * SOCK_SEQPACKET socket: each message is one type byte and its data.
 * Private to runtime/ and monitor/.
 */
#pragma once

#include <stdint.h>

#define ATTACH_SOCKET "attach"
/* the most bytes of one message, type byte included */
#define ATTACH_MSG_MAX 8192

enum {
        ATTACH_INPUT = 'i',  /* client to monitor: bytes typed into the terminal */
        ATTACH_RESIZE = 'w', /* client to monitor: struct attach_winsize */
        ATTACH_OUTPUT = 'o', /* monitor to client: bytes the terminal wrote */
};

struct attach_winsize {
        uint16_t rows, cols;
};
