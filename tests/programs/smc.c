/* Self-modifying code: machine code written into an RWX mapping, run,
 * patched in place and run again; data stores next to the code on the same
 * page. The emulator must notice every change (native: the CPU does). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn)(void);

int main(void)
{
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return 1;
    int total = 0;
    for (int k = 0; k < 5; k++) {
        unsigned char code[] = {0xb8, (unsigned char)k, 0, 0, 0, 0xc3}; /* mov eax,k; ret */
        memcpy(p, code, sizeof code);
        int v = ((fn)p)();
        printf("call %d -> %d\n", k, v);
        total += v;
        p[1] = (unsigned char)(k + 100); /* patch the immediate in place */
        printf("patched -> %d\n", ((fn)p)());
    }
    volatile int *data = (int *)(p + 2048);
    for (int i = 0; i < 1000; i++) {
        *data += i;
        total += ((fn)p)();
    }
    /* The same page made read-only and executable, then writable again. */
    mprotect(p, 4096, PROT_READ | PROT_EXEC);
    printf("after mprotect -> %d\n", ((fn)p)());
    mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
    p[1] = 77;
    printf("rewritten -> %d\n", ((fn)p)());
    printf("total %d data %d\n", total, *data);
    return 29;
}
