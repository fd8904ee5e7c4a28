/* Integer division faults: the process must die of SIGFPE.  argv[1] picks
 * the case: "zero" (x / 0, the default), "overflow" (INT_MIN / -1, which
 * also raises #DE on x86), "mod" (x % 0) or "wide" (64-bit division by 0). */
#include <limits.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "zero";
    volatile int a = 1000, zero = 0, minus1 = -1, min = INT_MIN;
    volatile long wa = 1000, wz = 0;
    long r = 0;
    printf("dividing: %s\n", what);
    fflush(stdout);
    if (strcmp(what, "zero") == 0)
        r = a / zero;
    else if (strcmp(what, "overflow") == 0)
        r = min / minus1;
    else if (strcmp(what, "mod") == 0)
        r = a % zero;
    else if (strcmp(what, "wide") == 0)
        r = wa / wz;
    printf("no fault, r=%ld\n", r);
    return 1;
}
