/* Faults in code that has run many times, so that an emulator's decoded
 * blocks are chained to each other: a load faulting in the middle of a
 * loop's block, at the first instruction of a loop's block, and at the
 * first instruction of a function entered by a call, and in the second of
 * two instructions an emulator may run as one (an add, then the load), and
 * in a compare of memory that an emulator may run with its jump. The
 * SIGSEGV handler
 * must see the faulting instruction's address and the loop counter as they
 * are at the fault, then resumes after the loop. Exit status 56. */
#define _GNU_SOURCE
#include "common.h"
#include <signal.h>
#include <string.h>
#include <ucontext.h>

#ifdef __x86_64__
#define IP REG_RIP
#define CX REG_RCX
#else
#define IP REG_EIP
#define CX REG_ECX
#endif

/* Each routine walks `table` (n pointers), loading through each one, and
 * returns how many loads it started; a bad pointer faults at fault_N and
 * the handler continues at resume_N, which returns the same count. */
long walk_mid(int **table, long n);
long walk_head(int **table, long n);
long walk_call(int **table, long n);
long walk_pair(int **table, long n);
long walk_cmp(int **table, long n);
extern char fault_mid[], resume_mid[], fault_head[], resume_head[], fault_call[], resume_call[];
extern char fault_pair[], resume_pair[], fault_cmp[], resume_cmp[];

#ifdef __x86_64__
__asm__(".pushsection .text\n"
        "walk_mid:\n"
        "  push %rbx\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "1:\n"
        "  mov (%rdi,%rcx,8), %rax\n"
        "  add $1, %edx\n"
        "fault_mid:\n"
        "  mov (%rax), %ebx\n"
        "  inc %rcx\n"
        "  cmp %rsi, %rcx\n"
        "  jne 1b\n"
        "resume_mid:\n"
        "  mov %edx, %eax\n"
        "  pop %rbx\n"
        "  ret\n"
        "walk_head:\n"
        "  push %rbx\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "  mov (%rdi), %rax\n"
        "fault_head:\n"
        "  mov (%rax), %ebx\n"
        "  add $1, %edx\n"
        "  inc %rcx\n"
        "  cmp %rsi, %rcx\n"
        "  je resume_head\n"
        "  mov (%rdi,%rcx,8), %rax\n"
        "  jmp fault_head\n"
        "resume_head:\n"
        "  mov %edx, %eax\n"
        "  pop %rbx\n"
        "  ret\n"
        "load_one:\n"
        "fault_call:\n"
        "  mov (%rax), %ebx\n"
        "  ret\n"
        "walk_call:\n"
        "  push %rbx\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "2:\n"
        "  mov (%rdi,%rcx,8), %rax\n"
        "  add $1, %edx\n"
        "  call load_one\n"
        "  inc %rcx\n"
        "  cmp %rsi, %rcx\n"
        "  jne 2b\n"
        "resume_call:\n"
        "  mov %edx, %eax\n"
        "  pop %rbx\n"
        "  ret\n"
        "walk_pair:\n"
        "  push %rbx\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "3:\n"
        "  mov (%rdi,%rcx,8), %rax\n"
        "  inc %rcx\n"
        "  add $1, %edx\n"
        "fault_pair:\n"
        "  mov (%rax), %ebx\n"
        "  cmp %rsi, %rcx\n"
        "  jne 3b\n"
        "resume_pair:\n"
        "  mov %edx, %eax\n"
        "  pop %rbx\n"
        "  ret\n"
        "walk_cmp:\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "5:\n"
        "  mov (%rdi,%rcx,8), %rax\n"
        "  add $1, %edx\n"
        "fault_cmp:\n"
        "  cmpl $7, (%rax)\n"
        "  je resume_cmp\n"
        "  inc %rcx\n"
        "  cmp %rsi, %rcx\n"
        "  jne 5b\n"
        "resume_cmp:\n"
        "  mov %edx, %eax\n"
        "  ret\n"
        ".popsection\n");
#else
__asm__(".pushsection .text\n"
        "walk_mid:\n"
        "  push %ebx\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov 16(%esp), %edi\n"
        "  mov 20(%esp), %esi\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "1:\n"
        "  mov (%edi,%ecx,4), %eax\n"
        "  add $1, %edx\n"
        "fault_mid:\n"
        "  mov (%eax), %ebx\n"
        "  inc %ecx\n"
        "  cmp %esi, %ecx\n"
        "  jne 1b\n"
        "resume_mid:\n"
        "  mov %edx, %eax\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  pop %ebx\n"
        "  ret\n"
        "walk_head:\n"
        "  push %ebx\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov 16(%esp), %edi\n"
        "  mov 20(%esp), %esi\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "  mov (%edi), %eax\n"
        "fault_head:\n"
        "  mov (%eax), %ebx\n"
        "  add $1, %edx\n"
        "  inc %ecx\n"
        "  cmp %esi, %ecx\n"
        "  je resume_head\n"
        "  mov (%edi,%ecx,4), %eax\n"
        "  jmp fault_head\n"
        "resume_head:\n"
        "  mov %edx, %eax\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  pop %ebx\n"
        "  ret\n"
        "load_one:\n"
        "fault_call:\n"
        "  mov (%eax), %ebx\n"
        "  ret\n"
        "walk_call:\n"
        "  push %ebx\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov 16(%esp), %edi\n"
        "  mov 20(%esp), %esi\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "2:\n"
        "  mov (%edi,%ecx,4), %eax\n"
        "  add $1, %edx\n"
        "  call load_one\n"
        "  inc %ecx\n"
        "  cmp %esi, %ecx\n"
        "  jne 2b\n"
        "resume_call:\n"
        "  mov %edx, %eax\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  pop %ebx\n"
        "  ret\n"
        "walk_pair:\n"
        "  push %ebx\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov 16(%esp), %edi\n"
        "  mov 20(%esp), %esi\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "3:\n"
        "  mov (%edi,%ecx,4), %eax\n"
        "  inc %ecx\n"
        "  add $1, %edx\n"
        "fault_pair:\n"
        "  mov (%eax), %ebx\n"
        "  cmp %esi, %ecx\n"
        "  jne 3b\n"
        "resume_pair:\n"
        "  mov %edx, %eax\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  pop %ebx\n"
        "  ret\n"
        "walk_cmp:\n"
        "  push %esi\n"
        "  push %edi\n"
        "  mov 12(%esp), %edi\n"
        "  mov 16(%esp), %esi\n"
        "  xor %ecx, %ecx\n"
        "  xor %edx, %edx\n"
        "5:\n"
        "  mov (%edi,%ecx,4), %eax\n"
        "  add $1, %edx\n"
        "fault_cmp:\n"
        "  cmpl $7, (%eax)\n"
        "  je resume_cmp\n"
        "  inc %ecx\n"
        "  cmp %esi, %ecx\n"
        "  jne 5b\n"
        "resume_cmp:\n"
        "  mov %edx, %eax\n"
        "  pop %edi\n"
        "  pop %esi\n"
        "  ret\n"
        ".popsection\n");
#endif

static char *volatile expect_ip, *volatile resume_ip;
static volatile long seen_ip_ok, seen_cx;
static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    (void)sig;
    (void)si;
    faults++;
    seen_ip_ok = uc->uc_mcontext.gregs[IP] == (greg_t)expect_ip;
    seen_cx = (long)uc->uc_mcontext.gregs[CX];
#ifdef __x86_64__
    if (expect_ip == fault_call) {
        /* Leave load_one as its ret would: pop the return address. */
        uc->uc_mcontext.gregs[REG_RSP] += 8;
    }
#else
    if (expect_ip == fault_call)
        uc->uc_mcontext.gregs[REG_ESP] += 4;
#endif
    uc->uc_mcontext.gregs[IP] = (greg_t)resume_ip;
}

enum { N = 3000 };
static int cells[N];
static int *table[N];

static void run(const char *name, long (*walk)(int **, long), char *fault_at, char *resume_at, long bad)
{
    for (long i = 0; i < N; i++)
        table[i] = &cells[i];
    if (bad >= 0)
        table[bad] = (int *)8; /* unmapped */
    expect_ip = fault_at;
    resume_ip = resume_at;
    seen_ip_ok = -1;
    seen_cx = -1;
    int before = faults;
    long r = walk(table, N);
    printf("%s bad=%ld: returned %ld, faults %d, ip_ok %ld, counter %ld\n", name, bad, r,
           faults - before, seen_ip_ok, seen_cx);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    /* Each walk without a bad pointer, with one at the end and with one
     * in the middle. */
    static const struct {
        const char *name;
        long (*walk)(int **, long);
        char *fault_at, *resume_at;
        long mid;
    } walks[] = {
        {"mid", walk_mid, fault_mid, resume_mid, 1234},
        {"head", walk_head, fault_head, resume_head, 777},
        {"call", walk_call, fault_call, resume_call, 2020},
        {"pair", walk_pair, fault_pair, resume_pair, 555},
        {"cmp", walk_cmp, fault_cmp, resume_cmp, 99},
    };
    for (int round = 0; round < 2; round++) {
        for (unsigned w = 0; w < sizeof walks / sizeof walks[0]; w++) {
            long bad[3] = {-1, N - 1, walks[w].mid};
            for (int b = 0; b < 3; b++)
                run(walks[w].name, walks[w].walk, walks[w].fault_at, walks[w].resume_at, bad[b]);
        }
    }
    return 56;
}
