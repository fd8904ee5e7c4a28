/* seccomp KILL_THREAD and KILL_PROCESS: a single-threaded child dies of
 * SIGSYS for either; then the program itself dies of SIGSYS. */
#include "seccomp_common.h"
#include <sys/wait.h>

static void child(unsigned action)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        filter_nr(SYS_getpid, action, 0);
        syscall(SYS_getpid);
        _exit(3);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("action %#x: exited=%d signaled=%d sig=%d\n", action, WIFEXITED(st), WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
}

int main(void)
{
    no_new_privs();
    child(SECCOMP_RET_KILL_THREAD);
    child(SECCOMP_RET_KILL_PROCESS);
    child(0x00010000); /* unknown actions kill the process */
    show("install KILL_PROCESS getpid", filter_nr(SYS_getpid, SECCOMP_RET_KILL_PROCESS, 0));
    show("getppid still works", syscall(SYS_getppid) > 0);
    fflush(stdout);
    syscall(SYS_getpid);
    printf("not reached\n");
    return 3;
}
