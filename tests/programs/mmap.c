/* Address-space system calls: anonymous and file-backed mmap, MAP_FIXED,
 * mprotect, munmap, mremap, brk/sbrk, madvise, msync, and how much address
 * space a process can map (an i386 guest must get its full 4 GiB range, and
 * never an address it cannot hold).  Faults are observed in forked children
 * so the parent can report them.  Exit status 27. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

/* Run fn in a child; report how the child ended. */
static void in_child(const char *what, void (*fn)(void *), void *arg)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
        printf("%s: child killed by signal %d\n", what, WTERMSIG(st));
    else
        printf("%s: child exited %d\n", what, WEXITSTATUS(st));
}

static void write_byte(void *p) { *(volatile char *)p = 1; }
static void read_byte(void *p) { (void)*(volatile char *)p; }

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    /* Anonymous private mapping: zero-filled, writable. */
    size_t len = 16 * PAGE;
    unsigned char *a = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(a != MAP_FAILED);
    CHECK(((uintptr_t)a & (PAGE - 1)) == 0);
    int zero = 1;
    for (size_t i = 0; i < len; i++)
        if (a[i]) zero = 0;
    CHECK(zero);
    memset(a, 0x5a, len);
    CHECK(a[len - 1] == 0x5a);

    /* mprotect to read-only: reads work, writes fault. */
    CHECK(mprotect(a + 4 * PAGE, PAGE, PROT_READ) == 0);
    CHECK(a[4 * PAGE] == 0x5a);
    in_child("write to PROT_READ page", write_byte, a + 4 * PAGE + 10);
    CHECK(mprotect(a + 5 * PAGE, PAGE, PROT_NONE) == 0);
    in_child("read from PROT_NONE page", read_byte, a + 5 * PAGE);
    CHECK(mprotect(a + 5 * PAGE, PAGE, PROT_READ | PROT_WRITE) == 0);
    a[5 * PAGE] = 3;
    CHECK(a[5 * PAGE] == 3);

    /* munmap a hole; the hole faults, the rest stays. */
    CHECK(munmap(a + 8 * PAGE, 2 * PAGE) == 0);
    in_child("read from unmapped hole", read_byte, a + 8 * PAGE);
    CHECK(a[7 * PAGE] == 0x5a && a[10 * PAGE] == 0x5a);

    /* MAP_FIXED into the hole. */
    unsigned char *f = mmap(a + 8 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    CHECK(f == a + 8 * PAGE);
    CHECK(f[0] == 0);
    /* MAP_FIXED_NOREPLACE over an existing mapping fails with EEXIST. */
    void *nr = mmap(a, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    CHECK(nr == MAP_FAILED && errno == EEXIST);

    /* mremap: grow (possibly moving) keeps contents. */
    unsigned char *g = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(g, 0x77, 2 * PAGE);
    unsigned char *g2 = mremap(g, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    CHECK(g2 != MAP_FAILED);
    CHECK(g2[0] == 0x77 && g2[2 * PAGE - 1] == 0x77 && g2[64 * PAGE - 1] == 0);
    unsigned char *g3 = mremap(g2, 64 * PAGE, PAGE, 0);
    CHECK(g3 == g2 && g3[0] == 0x77);
    CHECK(munmap(g3, PAGE) == 0);

    /* File-backed mappings: shared writes reach the file, private ones do
     * not. */
    char path[] = "/tmp/x86run-mmap-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    unlink(path);
    CHECK(ftruncate(fd, 3 * PAGE) == 0);
    CHECK(pwrite(fd, "file data", 9, PAGE) == 9);
    char *s = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(s != MAP_FAILED);
    CHECK(memcmp(s + PAGE, "file data", 9) == 0);
    memcpy(s + 2 * PAGE, "shared write", 12);
    CHECK(msync(s, 3 * PAGE, MS_SYNC) == 0);
    char buf[32] = {0};
    CHECK(pread(fd, buf, 12, 2 * PAGE) == 12 && memcmp(buf, "shared write", 12) == 0);
    char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PAGE);
    CHECK(p != MAP_FAILED && memcmp(p, "file data", 9) == 0);
    memcpy(p, "PRIVATE", 7);
    CHECK(pread(fd, buf, 9, PAGE) == 9 && memcmp(buf, "file data", 9) == 0);
    CHECK(memcmp(s + PAGE, "file data", 9) == 0);
    /* Past the end of the file, inside the mapping: SIGBUS. */
    char *past = mmap(NULL, 8 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(past != MAP_FAILED);
    in_child("read past end of file", read_byte, past + 5 * PAGE);
    CHECK(madvise(s, 3 * PAGE, MADV_DONTNEED) == 0);
    CHECK(memcmp(s + 2 * PAGE, "shared write", 12) == 0);
    munmap(s, 3 * PAGE);
    munmap(p, 2 * PAGE);
    munmap(past, 8 * PAGE);
    close(fd);

    /* Shared anonymous memory is shared with a forked child. */
    volatile int *shm = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *shm = 1;
    fflush(stdout);
    if (fork() == 0) {
        *shm = 42;
        _exit(0);
    }
    wait(NULL);
    CHECK(*shm == 42);

    /* brk / sbrk. */
    char *b0 = sbrk(0);
    CHECK(b0 != (char *)-1);
    CHECK(sbrk(100 * PAGE) == b0);
    memset(b0, 1, 100 * PAGE);
    CHECK(sbrk(0) == b0 + 100 * PAGE);
    CHECK(sbrk(-50 * PAGE) == b0 + 100 * PAGE);
    CHECK(sbrk(0) == b0 + 50 * PAGE);

    /* Errors. */
    errno = 0;
    CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EINVAL);
    CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 12345, 0) == MAP_FAILED && errno == EBADF);
    CHECK(munmap((void *)((uintptr_t)a + 1), PAGE) == -1 && errno == EINVAL);

    /* How much can be mapped: 64 MiB reservations until mmap fails (at most
     * 3.5 GiB, so a 64-bit run stops there too).  An i386 process on a
     * 64-bit kernel gets nearly 4 GiB. */
    int chunks = 0;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    for (; chunks < 56; chunks++) {
        void *m = mmap(NULL, 64 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
            break;
        uintptr_t u = (uintptr_t)m;
        if (u < lo) lo = u;
        if (u + (64 << 20) > hi) hi = u + (64 << 20);
    }
    CHECK(chunks >= 48);  /* at least 3 GiB */
    CHECK(hi - lo >= (uintptr_t)chunks * (64u << 20)); /* no overlaps */
    return 27;
}
