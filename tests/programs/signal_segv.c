/* SIGSEGV and SIGBUS handlers that inspect si_addr/si_code and repair the
 * fault, so that the faulting instruction runs again and succeeds: a write
 * to a read-only page (SEGV_ACCERR, fixed with mprotect), a read of an
 * unmapped page (SEGV_MAPERR, fixed with mmap), an access past the end of
 * a mapped file (SIGBUS, BUS_ADRERR, fixed with ftruncate).  Then stack
 * overflow caught on an alternate signal stack and left with siglongjmp,
 * SS_ONSTACK/SS_AUTODISARM as sigaltstack reports them inside a handler,
 * a SIGSEGV sent with kill (pending while blocked, discarded when
 * ignored), and a handler that overflows its alternate stack (a fatal
 * SIGSEGV).
 * Exit status 41. */
#define _GNU_SOURCE
#include "common.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *volatile page;
static long pagesz;
static volatile int segv_count, last_code, addr_off;
static volatile uintptr_t last_addr;
static int file_fd;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    segv_count++;
    last_code = si->si_code;
    last_addr = (uintptr_t)si->si_addr;
    char *a = si->si_addr;
    char *base = (char *)((uintptr_t)a & ~(uintptr_t)(pagesz - 1));
    if (si->si_code == SEGV_ACCERR)
        mprotect(base, pagesz, PROT_READ | PROT_WRITE);
    else
        mmap(base, pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static volatile int bus_count, bus_code;
static void on_bus(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    bus_count++;
    bus_code = si->si_code;
    addr_off = (int)((char *)si->si_addr - page);
    if (ftruncate(file_fd, 4 * pagesz) != 0)
        _exit(3);
}

static sigjmp_buf env;
static volatile int overflow_on_alt, overflow_flags;
static char *alt;
static size_t alt_size;

static void on_overflow(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    (void)ctx;
    char here;
    overflow_on_alt = &here > alt && &here < alt + alt_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    overflow_flags = cur.ss_flags;
    siglongjmp(env, 1);
}

#pragma GCC diagnostic ignored "-Winfinite-recursion"
__attribute__((noinline)) int recurse(volatile char *p, int depth)
{
    volatile char buf[512];
    buf[0] = (char)depth;
    buf[511] = p ? p[0] : 0;
    return recurse(buf, depth + 1) + buf[3];
}

/* A SIGSEGV sent with kill (not a fault). */
static volatile int sent_code = -99;
static void on_sent(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)ctx;
    sent_code = si->si_code;
}

/* A SIGSEGV handler that itself overflows its alternate stack into a
 * guard page: the second fault finds SIGSEGV blocked and kills. */
static void on_segv_recurse(int sig)
{
    (void)sig;
    recurse(NULL, 0);
}

int main(void)
{
    pagesz = sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = on_segv;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    /* Write to a read-only page. */
    page = mmap(NULL, 4 * pagesz, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *OPAQUE(page + 100) = 42;
    printf("accerr: count=%d code=%d (SEGV_ACCERR=%d) addr_ok=%d value=%d\n", segv_count, last_code,
           SEGV_ACCERR, last_addr == (uintptr_t)(page + 100), page[100]);

    /* Read from an unmapped page. */
    munmap(page + pagesz, pagesz);
    int v = *OPAQUE((volatile int *)(page + pagesz + 8));
    printf("maperr: count=%d code=%d (SEGV_MAPERR=%d) addr_ok=%d value=%d\n", segv_count, last_code,
           SEGV_MAPERR, last_addr == (uintptr_t)(page + pagesz + 8), v);

    /* A string instruction faulting half-way resumes where it stopped. */
    mprotect(page + 2 * pagesz, pagesz, PROT_READ);
    memset(page + 2 * pagesz - 64, 'x', 128);
    printf("memset across: count=%d last=%c first=%c\n", segv_count, page[2 * pagesz + 63], page[2 * pagesz - 64]);

    /* Past the end of a file mapping: SIGBUS. */
    char path[] = "/tmp/x86run-segv-XXXXXX";
    file_fd = mkstemp(path);
    unlink(path);
    if (ftruncate(file_fd, pagesz) != 0)
        return 1;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO;
    sa.sa_sigaction = on_bus;
    sigaction(SIGBUS, &sa, NULL);
    page = mmap(NULL, 4 * pagesz, PROT_READ | PROT_WRITE, MAP_SHARED, file_fd, 0);
    page[10] = 1;
    page[2 * pagesz + 5] = 7;
    printf("sigbus: count=%d code=%d (BUS_ADRERR=%d) off=%d value=%d\n", bus_count, bus_code, BUS_ADRERR,
           addr_off, page[2 * pagesz + 5]);

    /* Stack overflow, caught on the alternate stack. */
    alt_size = 64 * 1024;
    alt = malloc(alt_size);
    stack_t ss = {.ss_sp = alt, .ss_size = alt_size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        return 2;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sa.sa_sigaction = on_overflow;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) {
        recurse(NULL, 0);
        printf("no overflow?\n");
    }
    printf("overflow: caught on_alt=%d flags_onstack=%d\n", overflow_on_alt, overflow_flags == SS_ONSTACK);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("after: flags=%d size_ok=%d\n", cur.ss_flags, cur.ss_size == alt_size);

    /* Changing the alternate stack while on it fails with EPERM. */
    /* SS_AUTODISARM: the handler sees the stack disabled; it comes back. */
    ss.ss_flags = SS_AUTODISARM;
    sigaltstack(&ss, NULL);
    if (sigsetjmp(env, 1) == 0)
        raise(SIGSEGV);
    printf("autodisarm: on_alt=%d flags_in_handler=%d\n", overflow_on_alt, overflow_flags);
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);

    {
        stack_t bad = {.ss_sp = alt, .ss_size = 100, .ss_flags = 0};
        int r = sigaltstack(&bad, NULL);
        printf("too small: r=%d\n", r);
        bad.ss_flags = 12345;
        bad.ss_size = alt_size;
        r = sigaltstack(&bad, NULL);
        printf("bad flags: r=%d\n", r);
    }

    /* A sent SIGSEGV: pending while blocked, delivered with SI_USER once
     * unblocked; ignoring a pending one discards it. */
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sent;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigset_t sg, pend;
    sigemptyset(&sg);
    sigaddset(&sg, SIGSEGV);
    sigprocmask(SIG_BLOCK, &sg, NULL);
    kill(getpid(), SIGSEGV);
    sigpending(&pend);
    int was_pending = sigismember(&pend, SIGSEGV);
    sigprocmask(SIG_UNBLOCK, &sg, NULL);
    printf("sent SIGSEGV: pending=%d code=%d (SI_USER=%d)\n", was_pending, sent_code, SI_USER);
    sigprocmask(SIG_BLOCK, &sg, NULL);
    kill(getpid(), SIGSEGV);
    signal(SIGSEGV, SIG_IGN);
    sigpending(&pend);
    printf("ignored while pending: pending=%d\n", sigismember(&pend, SIGSEGV));
    sigprocmask(SIG_UNBLOCK, &sg, NULL);
    signal(SIGSEGV, SIG_DFL);

    /* A fault in a handler that overflowed its alternate stack: fatal. */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char *m = mmap(NULL, 3 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        mprotect(m, pagesz, PROT_NONE);
        stack_t small = {.ss_sp = m + pagesz, .ss_size = 2 * pagesz, .ss_flags = 0};
        sigaltstack(&small, NULL);
        struct sigaction s2;
        memset(&s2, 0, sizeof s2);
        s2.sa_handler = on_segv_recurse;
        s2.sa_flags = SA_ONSTACK;
        sigaction(SIGSEGV, &s2, NULL);
        raise(SIGSEGV);
        _exit(1);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("altstack overflow: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 41;
}
