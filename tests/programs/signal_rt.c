/* Real-time signals: every signal number up to SIGRTMAX is usable, queued
 * with values while blocked and delivered in the kernel's order once
 * unblocked (lowest number first, FIFO within a number) — both with a
 * handler mask that serialises them and with nested handlers; standard
 * signals coalesce; sigpending shows what waits; SA_RESETHAND and
 * SA_NODEFER; rt_sigqueueinfo with a chosen si_code; signals 32 and 33
 * (reserved by glibc, usable through the raw syscall); signalfd reading
 * queued signals with their values. Exit status 43. */
#define _GNU_SOURCE
#include "common.h"
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAXLOG 256
static volatile int logn;
static volatile int log_sig[MAXLOG], log_val[MAXLOG], log_code[MAXLOG];

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    int n = logn;
    if (n < MAXLOG) {
        log_sig[n] = sig;
        log_val[n] = si->si_value.sival_int;
        log_code[n] = si->si_code;
        logn = n + 1;
    }
}

static void install(int sig, int flags, int mask_all)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO | flags;
    if (mask_all)
        sigfillset(&sa.sa_mask);
    else
        sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void dump(const char *what)
{
    printf("%s:", what);
    for (int i = 0; i < logn; i++)
        printf(" %d/%d", log_sig[i] - SIGRTMIN, log_val[i]);
    printf("\n");
    logn = 0;
}

static void queue_mixed(void)
{
    int order[] = {2, 0, 1, 2, 0, 1, 0, 2};
    for (int i = 0; i < 8; i++) {
        union sigval v = {.sival_int = 100 + i};
        sigqueue(getpid(), SIGRTMIN + order[i], v);
    }
}

static volatile int usr1;
static void on_usr1(int sig)
{
    (void)sig;
    usr1++;
}

static volatile int nodefer_depth, nodefer_max;
static void on_nodefer(int sig)
{
    nodefer_depth++;
    if (nodefer_depth > nodefer_max)
        nodefer_max = nodefer_depth;
    if (nodefer_depth < 3)
        raise(sig);
    nodefer_depth--;
}

/* Signals 32 and 33, which glibc keeps for itself (its sigaction refuses
 * them): the kernel lets a program use them through the raw syscall. */
static volatile int raw_hits[2];
static void on_raw(int sig)
{
    raw_hits[sig - 32]++;
}
__asm__(".text\n"
        "raw_restorer:\n"
#ifdef __x86_64__
        "  mov $15, %eax\n  syscall\n"
#else
        "  pop %eax\n  mov $119, %eax\n  int $0x80\n" /* sigreturn: no SA_SIGINFO */
#endif
);
extern void raw_restorer(void);

static int raw_sigaction(int sig, void (*h)(int))
{
    struct {
        unsigned long handler, flags, restorer;
        uint32_t mask[2];
    } ka = {(unsigned long)h, 0x04000000 /* SA_RESTORER */, (unsigned long)raw_restorer, {0, 0}};
    return (int)syscall(SYS_rt_sigaction, sig, &ka, NULL, 8);
}

int main(void)
{
    printf("SIGRTMIN..SIGRTMAX count=%d\n", SIGRTMAX - SIGRTMIN + 1);
    int ra = raw_sigaction(32, on_raw), rb = raw_sigaction(33, on_raw);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 32);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 33);
    syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 33);
    printf("signals 32/33: install=%d/%d hits=%d/%d\n", ra, rb, raw_hits[0], raw_hits[1]);

    sigset_t rt, old, pend;
    sigemptyset(&rt);
    for (int s = SIGRTMIN; s <= SIGRTMIN + 2; s++)
        sigaddset(&rt, s);

    /* Serialised handlers: lowest signal first, FIFO per signal. */
    for (int s = SIGRTMIN; s <= SIGRTMIN + 2; s++)
        install(s, 0, 1);
    sigprocmask(SIG_BLOCK, &rt, &old);
    queue_mixed();
    sigpending(&pend);
    printf("pending: %d %d %d\n", sigismember(&pend, SIGRTMIN), sigismember(&pend, SIGRTMIN + 1),
           sigismember(&pend, SIGRTMIN + 2));
    sigprocmask(SIG_SETMASK, &old, NULL);
    dump("serialised");

    /* Nested handlers: each delivery stacks a frame on the last. */
    for (int s = SIGRTMIN; s <= SIGRTMIN + 2; s++)
        install(s, 0, 0);
    sigprocmask(SIG_BLOCK, &rt, &old);
    queue_mixed();
    sigprocmask(SIG_SETMASK, &old, NULL);
    dump("nested");

    /* The highest real-time signal works too. */
    install(SIGRTMAX, 0, 0);
    union sigval v = {.sival_int = 64};
    sigqueue(getpid(), SIGRTMAX, v);
    printf("sigrtmax: n=%d sig_ok=%d val=%d code_queue=%d\n", logn, log_sig[0] == SIGRTMAX, log_val[0],
           log_code[0] == SI_QUEUE);
    logn = 0;

    /* Standard signals coalesce while blocked. */
    signal(SIGUSR1, on_usr1);
    sigset_t u;
    sigemptyset(&u);
    sigaddset(&u, SIGUSR1);
    sigprocmask(SIG_BLOCK, &u, NULL);
    for (int i = 0; i < 5; i++)
        raise(SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &u, NULL);
    printf("coalesced: usr1=%d\n", usr1);

    /* SA_RESETHAND: the second one takes the default action (ignored for
     * SIGCHLD, whose default is to ignore). */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGURG, &sa, NULL);
    usr1 = 0;
    raise(SIGURG);
    raise(SIGURG);
    struct sigaction now;
    sigaction(SIGURG, NULL, &now);
    printf("resethand: calls=%d now_default=%d\n", usr1, now.sa_handler == SIG_DFL);

    /* SA_NODEFER: the handler can be re-entered. */
    sa.sa_handler = on_nodefer;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("nodefer: max depth=%d\n", nodefer_max);

    /* rt_sigqueueinfo with a chosen negative si_code. */
    install(SIGRTMIN + 3, 0, 0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = SIGRTMIN + 3;
    si.si_code = -42;
    si.si_pid = getpid();
    si.si_uid = getuid();
    si.si_value.sival_int = 31337;
    syscall(SYS_rt_sigqueueinfo, getpid(), SIGRTMIN + 3, &si);
    printf("rt_sigqueueinfo: n=%d code=%d val=%d\n", logn, log_code[0], log_val[0]);
    logn = 0;

    /* signalfd reads queued signals with their values, in order. */
    sigset_t fdset;
    sigemptyset(&fdset);
    sigaddset(&fdset, SIGRTMIN + 4);
    sigaddset(&fdset, SIGUSR1);
    sigprocmask(SIG_BLOCK, &fdset, NULL);
    int fd = signalfd(-1, &fdset, SFD_CLOEXEC);
    for (int i = 0; i < 3; i++) {
        union sigval w = {.sival_int = 500 + i};
        sigqueue(getpid(), SIGRTMIN + 4, w);
    }
    raise(SIGUSR1);
    struct signalfd_siginfo fi[8];
    ssize_t n = read(fd, fi, sizeof fi);
    int count = (int)(n / (ssize_t)sizeof fi[0]);
    printf("signalfd: %d records:", count);
    for (int i = 0; i < count; i++)
        printf(" %s/%d/%d", fi[i].ssi_signo == (unsigned)SIGUSR1 ? "USR1" : "RT4", fi[i].ssi_code,
               fi[i].ssi_signo == (unsigned)SIGUSR1 ? 0 : fi[i].ssi_int);
    printf("\n");
    sigpending(&pend);
    printf("after signalfd: pending usr1=%d rt4=%d\n", sigismember(&pend, SIGUSR1), sigismember(&pend, SIGRTMIN + 4));
    close(fd);
    return 43;
}
