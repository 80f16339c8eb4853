/*
 * util/vmchild.c: clone(CLONE_VM | CLONE_VFORK) on a stack of its own, the
 * way posix_spawn creates a child, for children that do more than exec.
 */
#include "vmchild.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define VMCHILD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMCHILD_ASAN 1
#endif
#endif
#ifdef VMCHILD_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

#define GUARD_SIZE 4096UL

struct start {
        int (*fn)(void *);
        void *arg;
#ifdef VMCHILD_ASAN
        /* the stack the caller was on, which it goes back to */
        const void *bottom;
        size_t size;
#endif
};

static int
child_main(void *p)
{
        struct start *s = p;

#ifdef VMCHILD_ASAN
        /* ASan's idea of this thread's stack is in the memory we share: it moves here */
        __sanitizer_finish_switch_fiber(NULL, &s->bottom, &s->size);
#endif
        return s->fn(s->arg);
}

pid_t
vmchild_run(int (*fn)(void *), void *arg, int flags, size_t stack_size)
{
        size_t size = stack_size + GUARD_SIZE;
        struct start s = {.fn = fn, .arg = arg};
        char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
        pid_t pid;
        int e;

        if (stack == MAP_FAILED)
                return -1;
        /* an overflow faults on the guard page instead of writing over our memory */
        if (mprotect(stack, GUARD_SIZE, PROT_NONE) < 0) {
                e = errno;
                (void)munmap(stack, size);
                errno = e;
                return -1;
        }
#ifdef VMCHILD_ASAN
        void *fake = NULL;

        /* an earlier child's frames, never returned from, may have left poison here */
        ASAN_UNPOISON_MEMORY_REGION(stack + GUARD_SIZE, stack_size);
        __sanitizer_start_switch_fiber(&fake, stack + GUARD_SIZE, stack_size);
        /* what the child allocates stays in our memory, by design: not a leak */
        __lsan_disable();
#endif
        pid = clone(child_main, stack + size, flags | CLONE_VM | CLONE_VFORK | SIGCHLD, &s);
        e = errno;
#ifdef VMCHILD_ASAN
        __lsan_enable();
        /* back on our own stack; a child that never ran did not finish the switch */
        if (pid < 0)
                __sanitizer_finish_switch_fiber(NULL, &s.bottom, &s.size);
        __sanitizer_start_switch_fiber(NULL, s.bottom, s.size);
        __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
        /* the child has exec'd or exited: its stack is no longer in use */
        (void)munmap(stack, size);
        errno = e;
        return pid;
}
