/* An unmasked floating-point exception ends the program with SIGFPE
   (x87 with -m32, SSE with -m64). */
#define _GNU_SOURCE
#include <fenv.h>
#include <stdio.h>

int main(void) {
    volatile double zero = 0.0, one = 1.0;
    printf("before\n");
    fflush(stdout);
    feenableexcept(FE_DIVBYZERO);
    volatile double r = one / zero;
    printf("not reached %g\n", r);
    return 0;
}
