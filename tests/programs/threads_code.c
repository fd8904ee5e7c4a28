/* Code changed by one thread and run by another: a generated function in
 * a writable and executable page rewritten in place, one made writable and
 * executable in turn with mprotect, and one replaced by a fresh mapping at
 * the same address; after each change (published with an atomic counter)
 * the other thread must run the new code. Exit status 50. */
#define _GNU_SOURCE
#include "common.h"
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ROUNDS 60

static unsigned char *volatile page;
static int generation, acked, results[ROUNDS + 1];

typedef int (*fn_t)(void);

/* mov eax, imm32 ; ret */
static void emit(unsigned char *p, int value)
{
    p[0] = 0xb8;
    memcpy(p + 1, &value, 4);
    p[5] = 0xc3;
}

static void *runner(void *arg)
{
    (void)arg;
    int seen = 0;
    while (seen < ROUNDS) {
        int g = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
        if (g == seen) {
            sched_yield();
            continue;
        }
        seen = g;
        results[g] = ((fn_t)page)();
        __atomic_store_n(&acked, g, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void publish(int g)
{
    __atomic_store_n(&generation, g, __ATOMIC_RELEASE);
    while (__atomic_load_n(&acked, __ATOMIC_ACQUIRE) != g)
        sched_yield();
}

int main(void)
{
    long psz = sysconf(_SC_PAGESIZE);
    page = mmap(NULL, psz, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    emit(page, 0);
    pthread_t t;
    pthread_create(&t, NULL, runner, NULL);
    int g = 0;
    /* Rewritten in place. */
    for (int i = 0; i < 20; i++) {
        emit(page, 1000 + i);
        publish(++g);
    }
    /* Writable, then executable. */
    for (int i = 0; i < 20; i++) {
        mprotect(page, psz, PROT_READ | PROT_WRITE);
        emit(page, 2000 + i);
        mprotect(page, psz, PROT_READ | PROT_EXEC);
        publish(++g);
    }
    /* A new mapping at the same address. */
    for (int i = 0; i < 20; i++) {
        unsigned char *p = mmap(page, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        emit(p, 3000 + i);
        mprotect(p, psz, PROT_READ | PROT_EXEC);
        publish(++g);
    }
    pthread_join(t, NULL);
    int wrong = 0;
    for (int i = 1; i <= ROUNDS; i++) {
        int want = (i <= 20 ? 1000 + i - 1 : i <= 40 ? 2000 + i - 21 : 3000 + i - 41);
        wrong += results[i] != want;
    }
    printf("rounds=%d wrong=%d last=%d\n", ROUNDS, wrong, results[ROUNDS]);
    return 50;
}
