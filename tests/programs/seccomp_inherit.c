/* seccomp filters are inherited by fork and by new threads, and kept
 * across execve (run with the argument "exec"); a child's or thread's own
 * later filters do not reach its parent. Exit status 53. */
#include "seccomp_common.h"
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>

static void *thread_fn(void *arg)
{
    (void)arg;
    show("thread: getpid", syscall(SYS_getpid));
    show("thread: PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    show("thread: own filter on getuid", filter_nr(SYS_getuid, SECCOMP_RET_ERRNO | 9, 0));
    show("thread: getuid", syscall(SYS_getuid));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "execed") == 0) {
        show("after exec: PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
        show("after exec: getpid", syscall(SYS_getpid));
        show("after exec: getppid > 0", syscall(SYS_getppid) > 0);
        return 53;
    }
    no_new_privs();
    show("install ERRNO(42) getpid", filter_nr(SYS_getpid, SECCOMP_RET_ERRNO | 42, 0));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child: getpid", syscall(SYS_getpid));
        show("child: own filter on getppid", filter_nr(SYS_getppid, SECCOMP_RET_ERRNO | 8, 0));
        show("child: getppid", syscall(SYS_getppid));
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    show("parent: getppid > 0", syscall(SYS_getppid) > 0);
    pthread_t t;
    pthread_create(&t, NULL, thread_fn, NULL);
    pthread_join(t, NULL);
    show("main: getuid >= 0", syscall(SYS_getuid) >= 0);
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        fflush(stdout);
        char *args[] = { argv[0], "execed", NULL };
        execv("/proc/self/exe", args);
        perror("execv");
        return 1;
    }
    return 53;
}
