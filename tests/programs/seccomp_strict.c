/* seccomp strict mode: only read, write, exit and sigreturn; anything
 * else (even exit_group) kills with SIGKILL. A signal handler may return
 * with sigreturn (on i386 not rt_sigreturn, which SA_SIGINFO handlers
 * use). Exit status 54. */
#include "seccomp_common.h"
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile int ticks;

static void on_alarm(int sig)
{
    (void)sig;
    ticks++;
}

/* Enters strict mode and blocks in read until a timer signal's handler
 * returns (a repeating timer, so one arriving early does no harm). */
static void handler_child(int siginfo)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int p[2];
        if (pipe(p))
            _exit(1);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sa.sa_flags = siginfo ? SA_SIGINFO : 0;
        sigaction(SIGALRM, &sa, NULL);
        struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
        setitimer(ITIMER_REAL, &it, NULL);
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
        char c;
        long r = read(p[0], &c, 1);
        char msg[] = "handler child: read interrupted\n";
        if (r < 0 && ticks > 0)
            write(1, msg, sizeof msg - 1);
        syscall(SYS_exit, 7);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("handler child (siginfo %d): exited=%d code=%d signaled=%d sig=%d\n", siginfo,
           WIFEXITED(st), WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

static void child(int what)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        long r = what == 2 ? syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL)
                           : prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0);
        char msg[] = "child: in strict mode\n";
        if (r == 0)
            write(1, msg, sizeof msg - 1);
        char c;
        read(0, &c, 0);
        if (what == 0)
            syscall(SYS_exit, 7);
        syscall(SYS_getppid);
        syscall(SYS_exit, 8);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("strict child %d: exited=%d code=%d signaled=%d sig=%d\n", what, WIFEXITED(st),
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void)
{
    child(0);
    child(1);
    child(2);
    handler_child(0);
    handler_child(1);
    return 54;
}
