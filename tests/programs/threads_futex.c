/* futex operations directly: WAIT with a relative timeout (and the time64
 * variant on i386), WAIT_BITSET with an absolute deadline, WAKE counts,
 * CMP_REQUEUE, WAKE_OP, priority-inheritance LOCK_PI/UNLOCK_PI with the
 * owner's tid, a PTHREAD_PRIO_INHERIT mutex under contention, and
 * set_tid_address/get_robust_list. Exit status 49. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *ts, uint32_t *uaddr2,
                  uint32_t val3)
{
    return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static const char *e(long r)
{
    return r >= 0                ? "ok"
           : errno == ETIMEDOUT ? "ETIMEDOUT"
           : errno == EAGAIN    ? "EAGAIN"
           : errno == EINTR     ? "EINTR"
                                : "other";
}

static uint32_t word, word2;
static volatile int woken;

static void *waiter(void *arg)
{
    uint32_t *w = arg;
    while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
        futex(w, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    __atomic_fetch_add(&woken, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static uint32_t pi_word;
static long pi_counter;
static void *pi_locker(void *arg)
{
    (void)arg;
    uint32_t tid = (uint32_t)syscall(SYS_gettid);
    for (int i = 0; i < 2000; i++) {
        uint32_t zero = 0;
        if (!__atomic_compare_exchange_n(&pi_word, &zero, tid, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            futex(&pi_word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
        pi_counter++;
        uint32_t me = tid;
        if (!__atomic_compare_exchange_n(&pi_word, &me, 0, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            futex(&pi_word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    }
    return NULL;
}

static pthread_mutex_t pim;
static long pim_counter;
static void *pim_locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&pim);
        pim_counter++;
        pthread_mutex_unlock(&pim);
    }
    return NULL;
}

int main(void)
{
    /* Relative timeout, value mismatch. */
    struct timespec rel = {0, 30 * 1000000};
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0);
    printf("wait timeout: %s\n", e(r));
    r = futex(&word, FUTEX_WAIT_PRIVATE, 1, &rel, NULL, 0);
    printf("wait mismatch: %s\n", e(r));
#if defined(__i386__) && defined(SYS_futex_time64)
    struct {
        int64_t s, ns;
    } rel64 = {0, 30 * 1000000};
    r = syscall(SYS_futex_time64, &word, FUTEX_WAIT_PRIVATE, 0, &rel64, NULL, 0);
    printf("wait time64 timeout: %s\n", e(r));
#else
    printf("wait time64 timeout: %s\n", "ETIMEDOUT");
#endif

    /* Absolute deadline with a bitset, on CLOCK_REALTIME. */
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 30 * 1000000;
    if (now.tv_nsec >= 1000000000) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000;
    }
    r = futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &now, NULL, FUTEX_BITSET_MATCH_ANY);
    printf("wait_bitset absolute: %s\n", e(r));

    /* Wake counts and requeue. */
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, waiter, &word);
    usleep(100 * 1000);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    long woke = futex(&word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0);
    usleep(50 * 1000);
    /* The rest move to word2 (still 0), then wake from there. */
    long moved = futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(uintptr_t)100, &word2, 1);
    __atomic_store_n(&word2, 1, __ATOMIC_SEQ_CST);
    long woke2 = futex(&word2, FUTEX_WAKE_PRIVATE, 100, NULL, NULL, 0);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    printf("wake: first=%ld requeued+woken=%ld total_woken=%d\n", woke, moved + woke2, woken);

    /* WAKE_OP: word2 += 5, wake on word if the old value of word2 was 1. */
    r = futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)(uintptr_t)1, &word2,
              FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 1));
    printf("wake_op: r=%ld word2=%u\n", r, word2);

    /* Priority-inheritance futexes: the word holds the owner's tid. */
    pthread_t pt[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&pt[i], NULL, pi_locker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(pt[i], NULL);
    printf("lock_pi: counter=%ld word=%u\n", pi_counter, pi_word);
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pim, &ma);
    for (int i = 0; i < 4; i++)
        pthread_create(&pt[i], NULL, pim_locker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(pt[i], NULL);
    printf("prio-inherit mutex: counter=%ld\n", pim_counter);

    /* The robust list glibc registered for this thread. */
    void *head = NULL;
    size_t len = 0;
    r = syscall(SYS_get_robust_list, 0, &head, &len);
    printf("get_robust_list: r=%ld head_set=%d len=%d\n", r, head != NULL, (int)len == (int)(3 * sizeof(long)));
    r = syscall(SYS_set_tid_address, NULL);
    printf("set_tid_address returns tid: %d\n", r == syscall(SYS_gettid));
    return 49;
}
