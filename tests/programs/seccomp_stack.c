/* Stacked seccomp filters: the most restrictive action wins whatever the
 * order; among equal actions the newest filter's data. Exit status 52. */
#include "seccomp_common.h"
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

static volatile int trap_data = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    trap_data = si->si_errno;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    no_new_privs();
    /* ERRNO then TRAP for getpid; TRAP then ERRNO for getuid. */
    show("ERRNO(1) getpid", filter_nr(SYS_getpid, SECCOMP_RET_ERRNO | 1, 0));
    show("TRAP(2) getpid", filter_nr(SYS_getpid, SECCOMP_RET_TRAP | 2, 0));
    show("TRAP(3) getuid", filter_nr(SYS_getuid, SECCOMP_RET_TRAP | 3, 0));
    show("ERRNO(4) getuid", filter_nr(SYS_getuid, SECCOMP_RET_ERRNO | 4, 0));
    syscall(SYS_getpid);
    printf("getpid trapped with data %d\n", trap_data);
    trap_data = -1;
    syscall(SYS_getuid);
    printf("getuid trapped with data %d\n", trap_data);
    /* Equal actions: the newest filter's data. */
    show("ERRNO(11) getgid", filter_nr(SYS_getgid, SECCOMP_RET_ERRNO | 11, 0));
    show("ERRNO(22) getgid", filter_nr(SYS_getgid, SECCOMP_RET_ERRNO | 22, 0));
    show("LOG getgid", filter_nr(SYS_getgid, SECCOMP_RET_LOG, 0));
    show("getgid", syscall(SYS_getgid));
    /* ERRNO over TRACE over LOG over ALLOW. */
    show("TRACE getegid", filter_nr(SYS_getegid, SECCOMP_RET_TRACE, 0));
    show("ERRNO(33) getegid", filter_nr(SYS_getegid, SECCOMP_RET_ERRNO | 33, 0));
    show("getegid", syscall(SYS_getegid));
    /* KILL over TRAP. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        filter_nr(SYS_getuid, SECCOMP_RET_KILL_PROCESS, 0);
        filter_nr(SYS_getuid, SECCOMP_RET_ALLOW, 0);
        syscall(SYS_getuid);
        _exit(3);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("KILL over TRAP: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    return 52;
}
