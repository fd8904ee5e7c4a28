/* seccomp across threads: SECCOMP_FILTER_FLAG_TSYNC gives a filter to
 * every thread, fails with the tid of a thread whose own filter is not an
 * ancestor (ESRCH with TSYNC_ESRCH), and KILL_THREAD in a multithreaded
 * process ends only the calling thread. Exit status 55. */
#include "seccomp_common.h"
#include <pthread.h>

static int go[2], back[2];

static void wait_go(void)
{
    char c;
    if (read(go[0], &c, 1) != 1)
        printf("read failed\n");
}

static void *thread_a(void *arg)
{
    (void)arg;
    wait_go();
    show("A: getpid after TSYNC", syscall(SYS_getpid));
    show("A: PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("A: own filter on getuid", filter_nr(SYS_getuid, SECCOMP_RET_ERRNO | 9, 0));
    fflush(stdout);
    int tid = syscall(SYS_gettid);
    if (write(back[1], &tid, sizeof tid) != sizeof tid)
        printf("write failed\n");
    wait_go();
    return NULL;
}

static void *thread_b(void *arg)
{
    (void)arg;
    filter_nr(SYS_getppid, SECCOMP_RET_KILL_THREAD, 0);
    syscall(SYS_getppid);
    printf("B: not reached\n");
    return NULL;
}

int main(void)
{
    if (pipe(go) || pipe(back))
        return 1;
    no_new_privs();
    pthread_t a, b;
    pthread_create(&a, NULL, thread_a, NULL);
    show("main: TSYNC ERRNO(42) getpid", filter_nr(SYS_getpid, SECCOMP_RET_ERRNO | 42, SECCOMP_FILTER_FLAG_TSYNC));
    fflush(stdout);
    if (write(go[1], "x", 1) != 1)
        return 1;
    int tid;
    if (read(back[0], &tid, sizeof tid) != sizeof tid)
        return 1;
    long r = filter_nr(SYS_getgid, SECCOMP_RET_ERRNO | 5, SECCOMP_FILTER_FLAG_TSYNC);
    printf("main: TSYNC with A diverged returns A's tid: %d\n", r == tid);
    show("main: same with TSYNC_ESRCH",
         filter_nr(SYS_getgid, SECCOMP_RET_ERRNO | 5,
                   SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH));
    show("main: getgid (not installed)", syscall(SYS_getgid) >= 0);
    show("main: getuid (A's filter only)", syscall(SYS_getuid) >= 0);
    if (write(go[1], "x", 1) != 1)
        return 1;
    pthread_join(a, NULL);
    show("main: TSYNC after A ended", filter_nr(SYS_getgid, SECCOMP_RET_ERRNO | 5, SECCOMP_FILTER_FLAG_TSYNC));
    show("main: getgid", syscall(SYS_getgid));
    fflush(stdout);
    pthread_create(&b, NULL, thread_b, NULL);
    pthread_join(b, NULL);
    show("main: B killed alone; getppid > 0", syscall(SYS_getppid) > 0);
    return 55;
}
