/* How a multi-threaded process ends: the initial thread leaves with
 * pthread_exit and the others go on; threads leave with the raw exit
 * syscall and the last one's status is the process's; a fault in one
 * thread kills all; a default-action signal kills all. Each case runs in a
 * re-executed child. Exit status 48. */
#define _GNU_SOURCE
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void *late(void *a)
{
    (void)a;
    usleep(100000);
    printf("worker still running after main exited\n");
    fflush(stdout);
    return NULL;
}

static void *raw_exit9(void *a)
{
    (void)a;
    usleep(100000);
    syscall(SYS_exit, 9);
    return NULL;
}

static void *segv(void *a)
{
    (void)a;
    usleep(50000);
    *OPAQUE((volatile int *)8) = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    int mode = argc > 1 ? atoi(argv[1]) : 0;
    pthread_t t;
    if (mode == 1) {
        pthread_create(&t, NULL, late, NULL);
        pthread_exit(NULL);
    }
    if (mode == 2) {
        pthread_create(&t, NULL, raw_exit9, NULL);
        syscall(SYS_exit, 7);
    }
    if (mode == 3) {
        pthread_create(&t, NULL, segv, NULL);
        pause();
    }
    if (mode == 4) {
        pthread_create(&t, NULL, late, NULL);
        usleep(10000);
        kill(getpid(), SIGTERM);
        pause();
    }
    for (int m = 1; m <= 4; m++) {
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            char b[4];
            snprintf(b, sizeof b, "%d", m);
            execl("/proc/self/exe", argv[0], b, (char *)NULL);
            _exit(99);
        }
        int st;
        waitpid(p, &st, 0);
        printf("mode %d: exited=%d code=%d signaled=%d sig=%d\n", m, WIFEXITED(st),
               WIFEXITED(st) ? WEXITSTATUS(st) : 0, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    return 48;
}
