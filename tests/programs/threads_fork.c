/* fork and vfork in a multi-threaded process: children forked while other
 * threads allocate and lock keep working (only the forking thread exists
 * in the child, and it can allocate and take signals); a
 * vfork parent waits until its child exits or execs. Exit status 51. */
#define _GNU_SOURCE
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static long shared_count;

static void *churn(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        char *p = malloc(1000 + (size_t)(shared_count & 4095));
        memset(p, 1, 100);
        pthread_mutex_lock(&m);
        shared_count++;
        pthread_mutex_unlock(&m);
        free(p);
    }
    return NULL;
}

static volatile int child_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    child_usr1++;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, churn, NULL);
    signal(SIGUSR1, on_usr1);
    int good = 0;
    for (int i = 0; i < 30; i++) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            /* Only this thread: allocate, take a signal. (A mutex another
             * thread held at the fork stays held: not touched here.) */
            char *p = malloc(100000);
            memset(p, 2, 100000);
            raise(SIGUSR1);
            _exit(child_usr1 == 1 && p[99999] == 2 ? 0 : 1);
        }
        int st;
        waitpid(pid, &st, 0);
        good += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("forks from a busy process: good=%d churned=%d\n", good, shared_count > 0);

    double t0 = now();
    pid_t pid = vfork();
    if (pid == 0) {
        usleep(200 * 1000);
        _exit(3);
    }
    double waited = now() - t0;
    int st;
    waitpid(pid, &st, 0);
    printf("vfork: parent waited for the child=%d status=%d\n", waited > 0.15, WEXITSTATUS(st));
    pid = vfork();
    if (pid == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(9);
    }
    waitpid(pid, &st, 0);
    printf("vfork+exec: status=%d\n", WEXITSTATUS(st));
    return 51;
}
