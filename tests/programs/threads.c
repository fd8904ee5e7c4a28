/* POSIX threads: create/join with return values, a mutex-protected counter,
 * atomics, a condition-variable ping-pong, thread-local storage, and a
 * thread that exits the whole process.  Output is deterministic.
 * Exit status 28. */
#include "common.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NT 4
#define ITER 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static int atomic_counter;
static __thread int tls_value = 7;

struct job {
    int id;
    uint64_t sum;
    int tls_seen;
};

static void *worker(void *arg)
{
    struct job *j = arg;
    tls_value += j->id;          /* each thread has its own copy */
    for (int i = 0; i < ITER; i++) {
        j->sum += (uint64_t)(i * (j->id + 1));
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
        __atomic_fetch_add(&atomic_counter, 2, __ATOMIC_SEQ_CST);
    }
    j->tls_seen = tls_value;
    return (void *)(uintptr_t)(j->id * 100);
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done;

static void *ponger(void *arg)
{
    (void)arg;
    for (int r = 0; r < 50; r++) {
        pthread_mutex_lock(&lock);
        while (turn != 1)
            pthread_cond_wait(&cv, &lock);
        turn = 0;
        rounds_done++;
        pthread_cond_signal(&cv);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    printf("thread calls exit(28)\n");
    fflush(stdout);
    exit(28);
}

int main(void)
{
    pthread_t th[NT];
    struct job jobs[NT];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < NT; i++) {
        jobs[i].id = i;
        if (pthread_create(&th[i], NULL, worker, &jobs[i]) != 0) {
            printf("pthread_create failed\n");
            return 1;
        }
    }
    for (int i = 0; i < NT; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        printf("thread %d: sum=%llu ret=%lu tls=%d\n", i, (unsigned long long)jobs[i].sum,
               (unsigned long)(uintptr_t)ret, jobs[i].tls_seen);
    }
    printf("counter=%ld atomic=%d main tls=%d\n", counter, atomic_counter, tls_value);
    printf("distinct ids: %d\n", !pthread_equal(th[0], th[1]) && !pthread_equal(th[0], pthread_self()));

    pthread_t pong;
    pthread_create(&pong, NULL, ponger, NULL);
    for (int r = 0; r < 50; r++) {
        pthread_mutex_lock(&lock);
        turn = 1;
        pthread_cond_signal(&cv);
        while (turn != 0)
            pthread_cond_wait(&cv, &lock);
        pthread_mutex_unlock(&lock);
    }
    pthread_join(pong, NULL);
    printf("ping-pong rounds=%d\n", rounds_done);

    pthread_t ex;
    pthread_create(&ex, NULL, exiter, NULL);
    pthread_join(ex, NULL);
    printf("not reached\n");
    return 1;
}
