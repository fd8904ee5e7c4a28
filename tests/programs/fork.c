/* fork, waitpid, pipes between parent and child, exit statuses and signals
 * of children, execve of /bin/true-like failure paths.  Exit status 23. */
#include "common.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    pid_t self = getpid();
    int pfd[2];
    if (pipe(pfd) != 0) { perror("pipe"); return 1; }
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) { perror("fork"); return 1; }
    if (child == 0) {
        close(pfd[0]);
        char msg[128];
        int n = snprintf(msg, sizeof msg, "child: parent matches=%d pid differs=%d\n",
                         getppid() == self, getpid() != self);
        if (write(pfd[1], msg, (size_t)n) != n)
            _exit(99);
        close(pfd[1]);
        _exit(7);
    }
    close(pfd[1]);
    char buf[256] = {0};
    ssize_t got = 0, r;
    while ((r = read(pfd[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0)
        got += r;
    close(pfd[0]);
    printf("from child: %s", buf);
    int st = 0;
    pid_t w = waitpid(child, &st, 0);
    printf("waitpid matches=%d exited=%d status=%d\n", w == child, WIFEXITED(st),
           WEXITSTATUS(st));

    /* A child killed by a signal. */
    fflush(stdout);
    child = fork();
    if (child == 0) {
        raise(SIGTERM);
        _exit(1);
    }
    w = waitpid(child, &st, 0);
    printf("signalled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* A child that faults. */
    fflush(stdout);
    child = fork();
    if (child == 0) {
        *OPAQUE((volatile int *)16) = 1;
        _exit(1);
    }
    w = waitpid(child, &st, 0);
    printf("fault signalled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));

    /* Several children, reaped in any order; the sum of statuses is fixed. */
    int sum = 0;
    for (int i = 1; i <= 5; i++) {
        fflush(stdout);
        if (fork() == 0)
            _exit(i * 3);
    }
    for (int i = 0; i < 5; i++) {
        if (wait(&st) > 0 && WIFEXITED(st))
            sum += WEXITSTATUS(st);
    }
    printf("children status sum=%d\n", sum);
    errno = 0;
    printf("no more children: %d\n", wait(&st) == -1 && errno == ECHILD);

    /* Memory is copied, not shared, after fork. */
    static int shared_value = 1;
    fflush(stdout);
    child = fork();
    if (child == 0) {
        shared_value = 2;
        _exit(shared_value);
    }
    waitpid(child, &st, 0);
    printf("child saw %d, parent still %d\n", WEXITSTATUS(st), shared_value);
    return 23;
}
