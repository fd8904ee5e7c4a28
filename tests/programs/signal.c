/* Signal delivery to handlers: raise, kill to self, sigaction with
 * SA_SIGINFO, blocked and pending signals, alarm, SIGSEGV handler that
 * recovers with siglongjmp, handler return via sigreturn with all registers
 * intact.  Exit status 24. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, last_code, info_pid_ok;
static sigjmp_buf recover;

static void handler(int sig)
{
    hits++;
    last_sig = sig;
}

static void info_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    hits++;
    last_sig = sig;
    last_code = si->si_code;
    info_pid_ok = si->si_pid == getpid();
}

static void segv_handler(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    last_sig = sig;
    last_code = si->si_addr == (void *)0x10;
    siglongjmp(recover, 1);
}

int main(void)
{
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    printf("raise: hits=%d sig=%d\n", hits, last_sig);

    kill(getpid(), SIGUSR1);
    printf("kill: hits=%d sig=%d\n", hits, last_sig);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = info_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    kill(getpid(), SIGUSR2);
    printf("siginfo: hits=%d sig=%d code_is_user=%d pid_ok=%d\n", hits, last_sig,
           last_code == SI_USER, info_pid_ok);

    /* Blocked signals stay pending until unblocked. */
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int before = hits;
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: delivered=%d pending=%d\n", hits != before, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("unblocked: delivered=%d\n", hits == before + 1);

    /* Values in registers survive a handler (sigreturn restores them). */
    uint64_t acc = 0;
    for (int i = 0; i < 100; i++) {
        acc = acc * 6364136223846793005ull + (uint64_t)i;
        if (i % 10 == 0)
            raise(SIGUSR1);
    }
    printf("acc=%016llx hits=%d\n", (unsigned long long)acc, hits);

    /* SIG_IGN. */
    signal(SIGUSR1, SIG_IGN);
    before = hits;
    raise(SIGUSR1);
    printf("ignored: hits unchanged=%d\n", hits == before);

    /* A fault caught by a handler, recovered with siglongjmp. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(recover, 1) == 0) {
        *OPAQUE((volatile int *)0x10) = 5;
        printf("no fault?\n");
    }
    printf("segv caught: sig=%d addr_ok=%d\n", last_sig, last_code);

    /* alarm + pause. */
    signal(SIGALRM, handler);
    alarm(1);
    pause();
    printf("alarm: sig=%d\n", last_sig);

    /* Default action of SIGTERM after all this: the process dies of it. */
    printf("exiting via SIGTERM\n");
    fflush(stdout);
    signal(SIGTERM, SIG_DFL);
    raise(SIGTERM);
    return 24;
}
