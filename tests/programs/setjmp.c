/* setjmp/longjmp and sigsetjmp/siglongjmp: return values, nested buffers,
 * jumping out of deep recursion, preserved volatile locals, signal masks.
 * (glibc mangles the saved SP/PC with a pointer guard from the TLS block,
 * so this also checks %fs/%gs-relative access.)  Exit status 16. */
#include "common.h"
#include <setjmp.h>
#include <signal.h>
#include <string.h>

static jmp_buf env, env2;
static sigjmp_buf senv;
static int depth_reached;

static void dive(int depth, int target)
{
    char pad[64];
    memset(pad, depth, sizeof pad);
    depth_reached = depth;
    if (depth == target)
        longjmp(env, depth + pad[5]);
    if (depth < 100000)
        dive(depth + 1, target);
    __asm__ volatile("" ::: "memory");
}

static int inner(int n)
{
    int r = setjmp(env2);
    if (r == 0) {
        if (n > 0)
            longjmp(env2, n * 10);
        return -1;
    }
    return r;
}

int main(void)
{
    volatile int counter = 0;
    int r = setjmp(env);
    printf("setjmp returned %d counter %d\n", r, counter);
    if (counter < 3) {
        counter++;
        longjmp(env, counter * 7);
    }

    /* longjmp(env, 0) makes setjmp return 1. */
    volatile int zero_seen = 0;
    if ((r = setjmp(env)) == 0) {
        longjmp(env, 0);
    } else {
        zero_seen = r;
    }
    printf("longjmp 0 -> %d\n", zero_seen);

    /* Out of deep recursion. */
    for (int target = 1; target <= 1000; target *= 10) {
        if ((r = setjmp(env)) == 0)
            dive(0, target);
        printf("dive %d: r=%d reached=%d\n", target, r, depth_reached);
    }

    for (int n = 0; n < 4; n++)
        printf("inner(%d) = %d\n", n, inner(n));

    /* sigsetjmp with mask saving: a signal blocked after sigsetjmp is
     * unblocked again by siglongjmp. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if ((r = sigsetjmp(senv, 1)) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        sigprocmask(SIG_BLOCK, NULL, &old);
        printf("blocked before siglongjmp: %d\n", sigismember(&old, SIGUSR1));
        siglongjmp(senv, 5);
    }
    sigprocmask(SIG_BLOCK, NULL, &old);
    printf("siglongjmp r=%d blocked after: %d\n", r, sigismember(&old, SIGUSR1));

    /* Without mask saving the mask stays as it is. */
    if ((r = sigsetjmp(senv, 0)) == 0) {
        sigprocmask(SIG_BLOCK, &set, NULL);
        siglongjmp(senv, 6);
    }
    sigprocmask(SIG_BLOCK, NULL, &old);
    printf("siglongjmp(nosave) r=%d blocked after: %d\n", r, sigismember(&old, SIGUSR1));
    return 16;
}
