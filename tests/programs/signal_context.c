/* Handlers that read and edit the interrupted context: SIGILL from ud2 and
 * SIGFPE from a divide by zero, skipped by advancing the instruction
 * pointer in the ucontext; a register changed by the handler shows after
 * sigreturn; SIGTRAP from int3 arrives with the pointer past it; trap
 * numbers, si_code and si_addr as the kernel reports them; the mask the
 * frame saves; register values survive a handler that clobbers them.
 * Exit status 40. */
#define _GNU_SOURCE
#include "common.h"
#include <signal.h>
#include <string.h>
#include <ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef __x86_64__
#define IP REG_RIP
#define AX REG_RAX
#define CX REG_RCX
#else
#define IP REG_EIP
#define AX REG_EAX
#define CX REG_ECX
#endif

extern char ud2_at[], div_at[], int3_after[];

static volatile int ill_code, ill_addr_ok, ill_trapno, ill_mask_ok;
static volatile int fpe_code, fpe_addr_ok, fpe_trapno;
static volatile int trap_code, trap_ip_ok, trap_trapno;

static void on_ill(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    ill_code = si->si_code;
    ill_addr_ok = si->si_addr == (void *)ud2_at && uc->uc_mcontext.gregs[IP] == (greg_t)ud2_at;
    ill_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    /* The frame saves the mask from before the signal: SIGUSR2 blocked by
     * main, SIGILL not (it is blocked only while the handler runs). */
    ill_mask_ok = sigismember(&uc->uc_sigmask, SIGUSR2) == 1 && sigismember(&uc->uc_sigmask, SIGILL) == 0;
    uc->uc_mcontext.gregs[IP] += 2; /* skip ud2 */
    uc->uc_mcontext.gregs[AX] = 1234;
}

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    fpe_code = si->si_code;
    fpe_addr_ok = si->si_addr == (void *)div_at && uc->uc_mcontext.gregs[IP] == (greg_t)div_at;
    fpe_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    uc->uc_mcontext.gregs[IP] += 2; /* skip idivl %ecx */
    uc->uc_mcontext.gregs[AX] = -7;
}

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    trap_code = si->si_code;
    trap_ip_ok = uc->uc_mcontext.gregs[IP] == (greg_t)int3_after;
    trap_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    uc->uc_mcontext.gregs[CX] = 99;
}

__attribute__((noinline)) static long run_ud2(void)
{
    long r = 0;
    __asm__ volatile(".globl ud2_at\nud2_at: ud2\n" : "+a"(r) : : "memory");
    return r;
}

__attribute__((noinline)) static int run_div(int a, int b)
{
    int q;
    __asm__ volatile("cltd\n.globl div_at\ndiv_at: idivl %%ecx\n" : "=a"(q) : "a"(a), "c"(b) : "edx", "memory");
    return q;
}

__attribute__((noinline)) static long run_int3(void)
{
    long c = 5;
    __asm__ volatile("int3\n.globl int3_after\nint3_after:\n" : "+c"(c) : : "memory");
    return c;
}

/* Single-stepping with the trap flag: each instruction after the popf
 * that sets it traps; the handler clears it in the context after five. */
static volatile int steps, step_code, step_trapno;
static void on_step(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    steps++;
    step_code = si->si_code;
    step_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    if (steps == 5)
        uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

__attribute__((noinline)) static long run_traced(void)
{
    long x = 0;
#ifdef __x86_64__
    __asm__ volatile("pushfq\n orq $0x100, (%%rsp)\n popfq\n"
#else
    __asm__ volatile("pushfl\n orl $0x100, (%%esp)\n popfl\n"
#endif
                     "inc %0\n inc %0\n inc %0\n inc %0\n inc %0\n inc %0\n inc %0\n inc %0\n"
                     : "+r"(x)
                     :
                     : "memory", "cc");
    return x;
}

/* SSE and x87 state: a handler that clobbers xmm5, MXCSR and the x87
 * control word leaves them intact after sigreturn (the frame's fpstate);
 * one that edits xmm5 in the saved fpstate changes it. */
static volatile int fp_mode;
__attribute__((target("sse2"))) static void on_fp(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)si;
    unsigned int csr = 0x7f80; /* round toward zero, all masked */
    unsigned short cw = 0x0c7f;
    __asm__ volatile("pxor %%xmm5, %%xmm5\n ldmxcsr %0\n fldcw %1\n" : : "m"(csr), "m"(cw) : "xmm5");
    if (fp_mode == 1) {
#ifdef __x86_64__
        unsigned char *fx = (unsigned char *)uc->uc_mcontext.fpregs;
#else
        unsigned char *fx = (unsigned char *)uc->uc_mcontext.fpregs + 112; /* past the FSAVE header */
#endif
        for (int k = 0; k < 16; k++)
            fx[160 + 16 * 5 + k] = (unsigned char)(0xa0 + k);
    }
}

__attribute__((target("sse2"), noinline)) static void fp_state_round(int mode, unsigned char out[16], unsigned int *csr,
                                                                    unsigned short *cw)
{
    unsigned char in[16];
    for (int k = 0; k < 16; k++)
        in[k] = (unsigned char)(k * 7 + 1);
    fp_mode = mode;
    __asm__ volatile("movdqu %0, %%xmm5" : : "m"(in) : "xmm5");
    raise(SIGUSR2);
    __asm__ volatile("movdqu %%xmm5, %0\n stmxcsr %1\n fnstcw %2\n" : "=m"(*(unsigned char(*)[16])out), "=m"(*csr), "=m"(*cw));
}

/* A handler that clobbers every register it can. */
static volatile int clobber_hits;
static void clobber(int sig)
{
    (void)sig;
    clobber_hits++;
    __asm__ volatile("xor %%eax, %%eax\n xor %%ecx, %%ecx\n xor %%edx, %%edx\n" ::: "eax", "ecx", "edx", "memory");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sa.sa_sigaction = on_ill;
    sigaction(SIGILL, &sa, NULL);
    sa.sa_sigaction = on_fpe;
    sigaction(SIGFPE, &sa, NULL);
    sa.sa_sigaction = on_trap;
    sigaction(SIGTRAP, &sa, NULL);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);

    long r = run_ud2();
    printf("ud2: resumed, ax=%ld code=%d (ILL_ILLOPN=%d) addr_ok=%d trapno=%d mask_ok=%d\n", r, ill_code,
           ILL_ILLOPN, ill_addr_ok, ill_trapno, ill_mask_ok);

    int q = run_div(OPAQUE(10), OPAQUE(0));
    printf("div: resumed, q=%d code=%d (FPE_INTDIV=%d) addr_ok=%d trapno=%d\n", q, fpe_code, FPE_INTDIV,
           fpe_addr_ok, fpe_trapno);
    q = run_div(OPAQUE(-2147483647 - 1), OPAQUE(-1));
    printf("div overflow: resumed, q=%d code=%d\n", q, fpe_code);

    long c = run_int3();
    printf("int3: resumed, cx=%ld code=%d ip_ok=%d trapno=%d\n", c, trap_code, trap_ip_ok, trap_trapno);

    /* A second round: the handlers stay installed and the masks came back. */
    sigset_t now;
    sigprocmask(SIG_SETMASK, NULL, &now);
    printf("mask after handlers: usr2=%d ill=%d fpe=%d trap=%d\n", sigismember(&now, SIGUSR2),
           sigismember(&now, SIGILL), sigismember(&now, SIGFPE), sigismember(&now, SIGTRAP));
    r = run_ud2();
    q = run_div(OPAQUE(1), OPAQUE(0));
    printf("again: ax=%ld q=%d\n", r, q);

    /* FP/SSE state across handlers. */
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    sa.sa_sigaction = on_fp;
    sigaction(SIGUSR2, &sa, NULL);
    for (int mode = 0; mode < 2; mode++) {
        unsigned char out[16];
        unsigned int csr;
        unsigned short cw;
        fp_state_round(mode, out, &csr, &cw);
        printf("fp state (%s): xmm5=", mode ? "edited" : "kept");
        for (int k = 0; k < 16; k++)
            printf("%02x", out[k]);
        printf(" mxcsr=%04x cw=%04x\n", csr, cw);
    }

    /* The trap flag. */
    sa.sa_sigaction = on_step;
    sigaction(SIGTRAP, &sa, NULL);
    long traced = run_traced();
    printf("single-step: traps=%d code=%d (TRAP_TRACE=%d) trapno=%d result=%ld\n", steps, step_code, TRAP_TRACE,
           step_trapno, traced);

    /* Registers live across an asynchronous handler. */
    signal(SIGUSR1, clobber);
    uint32_t h = FNV_INIT;
    for (int i = 0; i < 50; i++) {
        uint64_t a = rng64(), b = rng64(), x = a * 3 + b;
        if (i % 7 == 0)
            raise(SIGUSR1);
        h = fnv_u64(h, x ^ (a >> 3) ^ (b << 5));
    }
    printf("clobber hits=%d hash=%08x\n", clobber_hits, h);

    /* With the signal blocked, a synchronous SIGFPE kills (as force_sig). */
    fflush(stdout);
    sigemptyset(&set);
    sigaddset(&set, SIGFPE);
    sigprocmask(SIG_BLOCK, &set, NULL);
    if (fork() == 0) {
        run_div(OPAQUE(1), OPAQUE(0));
        _exit(1);
    }
    int st;
    wait(&st);
    printf("blocked SIGFPE: child signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    return 40;
}
