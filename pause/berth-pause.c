/*
 * berth-pause: a pod's sandbox. It holds the pod's network, IPC and UTS
 * namespaces (and its PID namespace, where the pod shares one: then it is
 * PID 1 there and reaps what its containers leave), and does nothing else
 * until it is told to go. Static and libc only, as berth-monitor.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

/* A handler, so that PID 1 of a namespace is sent these at all; they are waited for */
static void
noop(int sig)
{
        (void)sig;
}

int
main(void)
{
        static const int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP};
        struct sigaction sa = {.sa_handler = noop};
        sigset_t set;

        sigemptyset(&set);
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
                sigaddset(&set, sigs[i]);
                if (sigaction(sigs[i], &sa, NULL) < 0)
                        return 1;
        }
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return 1;
        /* our standard files are /dev/null: nothing to close, nothing to say */
        for (;;) {
                int sig = sigwaitinfo(&set, NULL);

                if (sig < 0 && errno == EINTR)
                        continue;
                if (sig < 0)
                        return 1;
                if (sig != SIGCHLD)
                        return 0;
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
        }
}
