/* seccomp TRAP: SIGSYS with si_code SYS_SECCOMP, si_syscall, si_arch and
 * si_errno, the syscall not run and the return register still holding the
 * syscall number; a handler that emulates the call by setting it. A
 * blocked SIGSYS is fatal. Exit status 51. */
#include "seccomp_common.h"
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>

#ifdef __x86_64__
#define RET_REG REG_RAX
#else
#define RET_REG REG_EAX
#endif

static volatile int traps;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    traps++;
    printf("SIGSYS sig=%d code=%d syscall=%d arch=%#x errno=%d call_addr!=0:%d ret_reg==nr:%d\n",
           sig, si->si_code, si->si_syscall, si->si_arch, si->si_errno,
           si->si_call_addr != NULL, (long)uc->uc_mcontext.gregs[RET_REG] == si->si_syscall);
    /* Emulate the call. */
    uc->uc_mcontext.gregs[RET_REG] = 4242;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    no_new_privs();
    show("install TRAP(42) getpid", filter_nr(SYS_getpid, SECCOMP_RET_TRAP | 42, 0));
    fflush(stdout);
    show("getpid (emulated)", syscall(SYS_getpid));
    show("install TRAP(7) getuid", filter_nr(SYS_getuid, SECCOMP_RET_TRAP | 7, 0));
    show("getuid (emulated)", syscall(SYS_getuid));
    show("traps", traps);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t s;
        sigemptyset(&s);
        sigaddset(&s, SIGSYS);
        sigprocmask(SIG_BLOCK, &s, NULL);
        syscall(SYS_getpid);
        _exit(3);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("blocked SIGSYS: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    pid = fork();
    if (pid == 0) {
        signal(SIGSYS, SIG_DFL);
        syscall(SYS_getpid);
        _exit(3);
    }
    waitpid(pid, &st, 0);
    printf("default SIGSYS: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    return 51;
}
