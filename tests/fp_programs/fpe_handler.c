/* Unmasked floating-point exceptions caught by a SIGFPE handler: si_code,
   the faulting address relative to the instruction, and the status the
   handler sees in its saved FPU state; the handler masks the exception in
   the saved state so that the retried instruction completes. */
#define _GNU_SOURCE
#include <fenv.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits;

static void handler(int sig, siginfo_t *si, void *ctx) {
    ucontext_t *uc = ctx;
    hits++;
#ifdef __x86_64__
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    printf("SIGFPE %d code %d swd %04x mxcsr %08x\n", sig, si->si_code, fp->swd & 0x7fff, fp->mxcsr);
    fp->cwd |= 0x3f;
    fp->mxcsr |= 0x1f80;
    fp->swd &= ~0x80ff;
#else
    struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
    printf("SIGFPE %d code %d sw %04lx\n", sig, si->si_code, fp->sw & 0x7fff);
    fp->cw |= 0x3f;
    fp->sw &= ~0x80ffUL;
#endif
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    volatile double zero = 0.0, one = 1.0, big = 1e308;
    static const int excepts[] = {FE_DIVBYZERO, FE_INVALID, FE_OVERFLOW};
    for (int k = 0; k < 3; k++) {
        feclearexcept(FE_ALL_EXCEPT);
        feenableexcept(excepts[k]);
        volatile double r = k == 0 ? one / zero : k == 1 ? zero / zero : big * big;
        fedisableexcept(FE_ALL_EXCEPT);
        printf("%d: r=%g hits=%d\n", k, r, hits);
    }
    return 0;
}
