/* Signal calls that reach the kernel: sigtimedwait with its siginfo,
 * sigqueueinfo (guest siginfo in), the old 32-bit-mask calls, signalfd's
 * mask, pidfd_send_signal and waitid's siginfo. */
#include "sc.h"
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    union sigval sv = {.sival_int = 0x12345678};
    VAL("sigqueue", sigqueue(getpid(), SIGUSR1, sv));
    sigset_t pend;
    VAL("sigpending", sigpending(&pend));
    printf("pending usr1=%d\n", sigismember(&pend, SIGUSR1));
    siginfo_t si;
    memset(&si, 0, sizeof si);
    struct timespec to = {1, 0};
    VAL("sigtimedwait", sigtimedwait(&set, &si, &to));
    printf("si: signo=%d code=%d value=%x pid_ok=%d uid=%d errno=%d\n", si.si_signo, si.si_code, si.si_value.sival_int,
           si.si_pid == getpid(), si.si_uid, si.si_errno);
    to.tv_sec = 0; to.tv_nsec = 5000000;
    VAL("sigtimedwait EAGAIN", sigtimedwait(&set, &si, &to));
    VAL("kill", kill(getpid(), SIGUSR1));
    VAL("sigwaitinfo", sigwaitinfo(&set, &si));
    printf("kill si: code=%d pid_ok=%d\n", si.si_code, si.si_pid == getpid());
    siginfo_t q;
    memset(&q, 0, sizeof q);
    q.si_signo = SIGRTMIN + 2;
    q.si_code = SI_QUEUE;
    q.si_pid = getpid();
    q.si_uid = getuid();
    q.si_value.sival_int = -77;
    VAL("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 2, &q));
    memset(&si, 0, sizeof si);
    VAL("sigwaitinfo rt", sigwaitinfo(&set, &si));
    printf("rt si: code=%d value=%d\n", si.si_code, si.si_value.sival_int);
    VAL("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGRTMIN + 2, &q));
    memset(&si, 0, sizeof si);
    VAL("sigwaitinfo rt2", sigwaitinfo(&set, &si));
    printf("rt2 si: value=%d\n", si.si_value.sival_int);
    q.si_code = SI_USER;
    VAL("rt_sigqueueinfo EPERM", syscall(SYS_rt_sigqueueinfo, getppid(), 0, &q));
    int pfd = syscall(SYS_pidfd_open, getpid(), 0);
    OK("pidfd_open", pfd);
    VAL("pidfd_send_signal", syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0));
    VAL("sigwaitinfo pidfd", sigwaitinfo(&set, &si));
    printf("pidfd si code=%d\n", si.si_code);
#ifdef __i386__
    {
        int32_t t32[2] = {0, 1000000};
        unsigned char raw[128];
        kill(getpid(), SIGUSR1);
        memset(raw, 0xdd, sizeof raw);
        long r = syscall(SYS_rt_sigtimedwait, &set, raw, t32, 8);
        printf("raw rt_sigtimedwait = %ld signo=%d code=%d pid_ok=%d uid=%u byte20=%02x\n", r, *(int *)raw,
               *(int *)(raw + 8), *(int *)(raw + 12) == getpid(), *(uint32_t *)(raw + 16), raw[20]);
        sigqueue(getpid(), SIGUSR1, sv);
        long long t64[2] = {0, 1000000};
        memset(raw, 0xdd, sizeof raw);
        r = syscall(421, &set, raw, t64, 8);
        printf("raw rt_sigtimedwait_time64 = %ld code=%d value=%x\n", r, *(int *)(raw + 8), *(uint32_t *)(raw + 20));
        RAW("raw sgetmask", SYS_sgetmask);
        RAW("raw ssetmask", SYS_ssetmask, 1 << (SIGUSR1 - 1));
        RAW("raw sgetmask after", SYS_sgetmask);
        uint32_t old = 0;
        RAW("raw sigpending", SYS_sigpending, &old);
        int32_t info[32];
        fflush(stdout);
        pid_t c = fork();
        if (c == 0) { kill(getpid(), SIGTERM); _exit(0); }
        memset(info, 0x55, sizeof info);
        r = syscall(SYS_waitid, P_PID, c, info, WEXITED, NULL);
        printf("raw waitid = %ld signo=%d code=%d status=%d\n", r, info[0], info[2], info[5]);
    }
#endif
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { pause(); _exit(0); }
    kill(c, SIGKILL);
    siginfo_t wi;
    VAL("waitid", waitid(P_PID, c, &wi, WEXITED));
    printf("waitid: signo=%d code=%d status=%d\n", wi.si_signo, wi.si_code, wi.si_status);
    return 0;
}
