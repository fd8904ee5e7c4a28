/* Code that a system call writes: read() into an executable buffer that
 * already ran, then run it again. */
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

typedef int (*fn)(void);

int main(void)
{
    unsigned char *p = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd[2];
    if (p == MAP_FAILED || pipe(fd) != 0)
        return 1;
    unsigned char c1[] = {0xb8, 1, 0, 0, 0, 0xc3}, c2[] = {0xb8, 2, 0, 0, 0, 0xc3};
    write(fd[1], c1, 6);
    read(fd[0], p, 6);
    printf("first -> %d\n", ((fn)p)());
    write(fd[1], c2, 6);
    int n = read(fd[0], p, 6);
    printf("read %d -> %d\n", n, ((fn)p)());
    return 30;
}
