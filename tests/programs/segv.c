/* Writes through a NULL pointer: the process must die of SIGSEGV, with the
 * output flushed before the fault intact. */
#include <stdio.h>

int main(void)
{
    printf("about to write to NULL\n");
    fflush(stdout);
    volatile int *p = (volatile int *)0;
    *p = 42;
    printf("still alive?\n");
    return 0;
}
