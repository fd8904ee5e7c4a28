/* seccomp strict mode: only read, write, exit and sigreturn; anything
 * else (even exit_group) kills with SIGKILL. Exit status 54. */
#include "seccomp_common.h"
#include <sys/wait.h>

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
    return 54;
}
