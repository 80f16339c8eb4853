/* util/vmchild.h: a child process that shares this process's memory until it execs */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Run fn(arg) in a new process, clone(CLONE_VM | CLONE_VFORK | SIGCHLD |
 * flags): it shares this process's memory, so nothing is copied and
 * neither side takes copy-on-write faults after it, which a fork of a large
 * process pays for on every page it then writes. It runs on a stack of its
 * own (stack_size bytes, a guard page below them) while the calling thread
 * waits; back here once it has exec'd or exited. fn must end in exec or
 * _exit (its return value is the child's exit status): what it allocates
 * stays in our memory, what it writes there we see. flags adds namespaces
 * (CLONE_NEW*). Its pid, or -1 with errno.
 */
pid_t vmchild_run(int (*fn)(void *), void *arg, int flags, size_t stack_size);
