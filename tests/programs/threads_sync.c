/* Synchronisation under contention: a pool of worker threads taking jobs
 * from a condition-variable queue, barriers between phases, a rwlock with
 * readers and writers, spinlocks, semaphores, atomics (fetch-add, CAS
 * loops, 64-bit CAS on i386), pthread_once, thread-specific data with
 * destructors, detached threads, many short-lived threads, and a robust
 * mutex whose owner dies (EOWNERDEAD). Output is deterministic.
 * Exit status 45. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WORKERS 6
#define JOBS 3000

/* A job queue. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcv = PTHREAD_COND_INITIALIZER, donecv = PTHREAD_COND_INITIALIZER;
static int queue[64], qhead, qtail, qcount, closed, done_jobs;
static uint64_t results[JOBS];

static uint64_t work(int j)
{
    uint64_t x = (uint64_t)j * 2654435761u + 1;
    for (int i = 0; i < 200; i++)
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x;
}

static void *pool_worker(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&qlock);
        while (qcount == 0 && !closed)
            pthread_cond_wait(&qcv, &qlock);
        if (qcount == 0 && closed) {
            pthread_mutex_unlock(&qlock);
            return NULL;
        }
        int j = queue[qhead];
        qhead = (qhead + 1) % 64;
        qcount--;
        pthread_cond_broadcast(&qcv);
        pthread_mutex_unlock(&qlock);
        results[j] = work(j);
        pthread_mutex_lock(&qlock);
        done_jobs++;
        if (done_jobs == JOBS)
            pthread_cond_signal(&donecv);
        pthread_mutex_unlock(&qlock);
    }
}

static void pool(void)
{
    pthread_t t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, pool_worker, NULL);
    for (int j = 0; j < JOBS; j++) {
        pthread_mutex_lock(&qlock);
        while (qcount == 64)
            pthread_cond_wait(&qcv, &qlock);
        queue[qtail] = j;
        qtail = (qtail + 1) % 64;
        qcount++;
        pthread_cond_signal(&qcv);
        pthread_mutex_unlock(&qlock);
    }
    pthread_mutex_lock(&qlock);
    while (done_jobs < JOBS)
        pthread_cond_wait(&donecv, &qlock);
    closed = 1;
    pthread_cond_broadcast(&qcv);
    pthread_mutex_unlock(&qlock);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    uint32_t h = FNV_INIT;
    for (int j = 0; j < JOBS; j++)
        h = fnv_u64(h, results[j]);
    printf("pool: jobs=%d hash=%08x\n", done_jobs, h);
}

/* Barrier phases: every thread must see every other's phase-k write. */
static pthread_barrier_t bar;
static int phase_data[WORKERS];
static int phase_errors;
static pthread_mutex_t elock = PTHREAD_MUTEX_INITIALIZER;

static void *phaser(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int k = 1; k <= 50; k++) {
        phase_data[id] = k;
        pthread_barrier_wait(&bar);
        for (int i = 0; i < WORKERS; i++)
            if (__atomic_load_n(&phase_data[i], __ATOMIC_SEQ_CST) != k) {
                pthread_mutex_lock(&elock);
                phase_errors++;
                pthread_mutex_unlock(&elock);
            }
        pthread_barrier_wait(&bar);
    }
    return NULL;
}

/* A rwlock: writers keep two fields equal, readers check them. */
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static long fa, fb;
static int torn;

static void *rw_thread(void *arg)
{
    int id = (int)(intptr_t)arg;
    for (int i = 0; i < 2000; i++) {
        if ((i + id) % 5 == 0) {
            pthread_rwlock_wrlock(&rw);
            fa++;
            sched_yield();
            fb++;
            pthread_rwlock_unlock(&rw);
        } else {
            pthread_rwlock_rdlock(&rw);
            if (fa != fb)
                __atomic_fetch_add(&torn, 1, __ATOMIC_SEQ_CST);
            pthread_rwlock_unlock(&rw);
        }
    }
    return NULL;
}

/* Spinlock, semaphore and atomics. */
static pthread_spinlock_t spin;
static long spin_counter;
static sem_t sem;
static int in_sem, max_in_sem;
static int faa;
static uint64_t cas64;
static long cas_word;

static void *mixer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5000; i++) {
        pthread_spin_lock(&spin);
        spin_counter++;
        pthread_spin_unlock(&spin);
        __atomic_fetch_add(&faa, 3, __ATOMIC_SEQ_CST);
        uint64_t o = __atomic_load_n(&cas64, __ATOMIC_SEQ_CST);
        while (!__atomic_compare_exchange_n(&cas64, &o, o + 0x100000001ull, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        long w = __atomic_load_n(&cas_word, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&cas_word, &w, w ^ (1L << (i % 20)) ^ 1, 1, __ATOMIC_SEQ_CST,
                                            __ATOMIC_RELAXED))
            ;
        if (i % 50 == 0) {
            sem_wait(&sem);
            int n = __atomic_add_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
            int m = __atomic_load_n(&max_in_sem, __ATOMIC_SEQ_CST);
            while (n > m && !__atomic_compare_exchange_n(&max_in_sem, &m, n, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
                ;
            sched_yield();
            __atomic_sub_fetch(&in_sem, 1, __ATOMIC_SEQ_CST);
            sem_post(&sem);
        }
    }
    return NULL;
}

/* pthread_once and thread-specific data with destructors. */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_calls;
static pthread_key_t key;
static int destructed;
static void init_once(void)
{
    once_calls++;
}
static void destroy(void *p)
{
    __atomic_fetch_add(&destructed, (int)(intptr_t)p, __ATOMIC_SEQ_CST);
}
static void *keyed(void *arg)
{
    pthread_once(&once, init_once);
    pthread_setspecific(key, arg);
    return pthread_getspecific(key);
}

/* Detached threads count down; many short threads are created and joined. */
static int detached_left = 8;
static pthread_mutex_t dlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dcv = PTHREAD_COND_INITIALIZER;
static void *detached(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&dlock);
    if (--detached_left == 0)
        pthread_cond_signal(&dcv);
    pthread_mutex_unlock(&dlock);
    return NULL;
}
static void *short_lived(void *arg)
{
    pthread_exit((void *)((intptr_t)arg * 2));
}

/* A robust mutex whose owner exits while holding it. */
static pthread_mutex_t robust;
static void *die_holding(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&robust);
    return NULL; /* exits with the mutex held */
}

static void *run_all(void *(*fn)(void *), int n)
{
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, fn, (void *)(intptr_t)i);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    return NULL;
}

int main(void)
{
    pool();

    pthread_barrier_init(&bar, NULL, WORKERS);
    run_all(phaser, WORKERS);
    printf("barrier: phase errors=%d\n", phase_errors);

    run_all(rw_thread, 8);
    printf("rwlock: writes=%ld equal=%d torn=%d\n", fa, fa == fb, torn);

    pthread_spin_init(&spin, 0);
    sem_init(&sem, 0, 2);
    run_all(mixer, 6);
    printf("spin=%ld faa=%d cas64=%016llx cas_word=%lx max_in_sem=%d\n", spin_counter, faa,
           (unsigned long long)cas64, (unsigned long)cas_word, max_in_sem <= 2);

    pthread_key_create(&key, destroy);
    run_all(keyed, 10);
    printf("once calls=%d destructor sum=%d\n", once_calls, destructed);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (int i = 0; i < 8; i++) {
        pthread_t t;
        pthread_create(&t, &attr, detached, NULL);
    }
    pthread_mutex_lock(&dlock);
    while (detached_left > 0)
        pthread_cond_wait(&dcv, &dlock);
    pthread_mutex_unlock(&dlock);
    printf("detached: all ran\n");

    long sum = 0;
    for (int i = 0; i < 200; i++) {
        pthread_t t;
        void *r;
        if (pthread_create(&t, NULL, short_lived, (void *)(intptr_t)i) != 0) {
            printf("create failed at %d\n", i);
            return 1;
        }
        pthread_join(t, &r);
        sum += (long)(intptr_t)r;
    }
    printf("short-lived: sum=%ld\n", sum);

    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setrobust(&ma, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&robust, &ma);
    pthread_t t;
    pthread_create(&t, NULL, die_holding, NULL);
    pthread_join(t, NULL);
    int r = pthread_mutex_lock(&robust);
    printf("robust: lock=%s\n", r == EOWNERDEAD ? "EOWNERDEAD" : r == 0 ? "0" : "other");
    if (r == EOWNERDEAD) {
        pthread_mutex_consistent(&robust);
        pthread_mutex_unlock(&robust);
        r = pthread_mutex_lock(&robust);
        printf("robust after consistent: lock=%d\n", r);
    }
    return 45;
}
