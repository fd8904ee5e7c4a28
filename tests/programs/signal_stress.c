/* Stress: thousands of queued signals into worker threads that sit in
 * blocking system calls (read restarted by SA_RESTART, condition-variable
 * futex waits with timeouts, nanosleep, poll), plus process-directed
 * signals from a second sender thread and standard signals with an
 * acknowledgement protocol. Every signal sent must be handled exactly once
 * (none lost, none doubled), no blocking call may fail other than with
 * EINTR where the kernel allows it, and nothing may hang (a watchdog alarm
 * would kill the run). Exit status 47. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NW 4
/* Counts scale with an optional argument (the test suite uses 1). */
static int TOTAL = 4000, PROCESS_TOTAL = 1000, ACKED = 200;
#define WINDOW 32

static pthread_t workers[NW];
static int pipes[NW][2];
static volatile int stop;
static __thread int my_id = -1;
static long received[NW + 2];
static long long value_sum;
static long process_received;
static long acked_received;
static long errors;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

static void on_thread_sig(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    int id = my_id < 0 ? NW : my_id;
    __atomic_fetch_add(&received[id], 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&value_sum, si->si_value.sival_int, __ATOMIC_SEQ_CST);
}

static void on_process_sig(int sig)
{
    (void)sig;
    __atomic_fetch_add(&process_received, 1, __ATOMIC_SEQ_CST);
}

static void on_acked(int sig)
{
    (void)sig;
    __atomic_fetch_add(&acked_received, 1, __ATOMIC_SEQ_CST);
}

static pthread_barrier_t started;

static void *worker(void *arg)
{
    my_id = (int)(intptr_t)arg;
    pthread_barrier_wait(&started);
    char buf[16];
    for (unsigned round = 0; !__atomic_load_n(&stop, __ATOMIC_SEQ_CST); round++) {
        switch (round % 4) {
        case 0: {
            struct pollfd p = {pipes[my_id][0], POLLIN, 0};
            int r = poll(&p, 1, 5);
            if (r < 0 && errno != EINTR)
                __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
            if (r == 1 && read(pipes[my_id][0], buf, sizeof buf) < 0)
                __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
            break;
        }
        case 1: {
            struct timespec t;
            clock_gettime(CLOCK_REALTIME, &t);
            t.tv_nsec += 3 * 1000000;
            if (t.tv_nsec >= 1000000000) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000;
            }
            pthread_mutex_lock(&m);
            int r = pthread_cond_timedwait(&cv, &m, &t);
            pthread_mutex_unlock(&m);
            if (r != 0 && r != ETIMEDOUT)
                __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
            break;
        }
        case 2: {
            struct timespec t = {0, 2 * 1000000};
            while (nanosleep(&t, &t) < 0)
                if (errno != EINTR) {
                    __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
                    break;
                }
            break;
        }
        case 3: {
            /* A blocking read that only a stop or a poke ends; SA_RESTART
             * keeps it going through every signal. */
            if (round % 64 == 3) {
                ssize_t r = read(pipes[my_id][0], buf, 1);
                if (r < 0)
                    __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
            }
            break;
        }
        }
    }
    return NULL;
}

static long total_thread_received(void)
{
    long s = 0;
    for (int i = 0; i < NW + 2; i++)
        s += __atomic_load_n(&received[i], __ATOMIC_SEQ_CST);
    return s;
}

static void *process_sender(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* the workers take them */
    for (int i = 0; i < PROCESS_TOTAL; i++) {
        while (i - __atomic_load_n(&process_received, __ATOMIC_SEQ_CST) > WINDOW)
            usleep(200);
        union sigval v = {.sival_int = 0};
        sigqueue(getpid(), SIGRTMIN + 1, v);
    }
    return NULL;
}

static void *poker(void *arg)
{
    (void)arg;
    /* Keeps the long reads finishing now and then. */
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) {
        for (int i = 0; i < NW; i++)
            if (write(pipes[i][1], "p", 1) != 1)
                __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
        usleep(20 * 1000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    TOTAL *= scale;
    PROCESS_TOTAL *= scale;
    ACKED *= scale;
    alarm(120 * scale); /* watchdog: a hang dies of SIGALRM */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_thread_sig;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGRTMIN, &sa, NULL);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_process_sig;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sa.sa_handler = on_acked;
    sigaction(SIGUSR1, &sa, NULL);

    pthread_barrier_init(&started, NULL, NW + 1);
    for (int i = 0; i < NW; i++) {
        if (pipe(pipes[i]) != 0)
            return 1;
        pthread_create(&workers[i], NULL, worker, (void *)(intptr_t)i);
    }
    pthread_barrier_wait(&started);
    pthread_t ps, pk;
    pthread_create(&ps, NULL, process_sender, NULL);
    pthread_create(&pk, NULL, poker, NULL);

    /* Thread-directed, queued, with values. The main thread blocks them for
     * itself only by never being targeted. */
    sigset_t mine;
    sigemptyset(&mine);
    sigaddset(&mine, SIGRTMIN + 1);
    pthread_sigmask(SIG_BLOCK, &mine, NULL);
    long long expect_sum = 0;
    for (int i = 0; i < TOTAL; i++) {
        while (i - total_thread_received() > WINDOW)
            usleep(100);
        union sigval v = {.sival_int = i};
        expect_sum += i;
        if (pthread_sigqueue(workers[i % NW], SIGRTMIN, v) != 0)
            __atomic_fetch_add(&errors, 1, __ATOMIC_SEQ_CST);
    }
    for (int spin = 0; spin < 20000 && total_thread_received() < TOTAL; spin++)
        usleep(1000);

    /* Standard signals, each acknowledged before the next is sent. */
    for (int i = 0; i < ACKED; i++) {
        long before = __atomic_load_n(&acked_received, __ATOMIC_SEQ_CST);
        pthread_kill(workers[i % NW], SIGUSR1);
        for (int spin = 0; spin < 20000 && __atomic_load_n(&acked_received, __ATOMIC_SEQ_CST) == before; spin++)
            usleep(50);
    }

    pthread_join(ps, NULL);
    for (int spin = 0; spin < 20000 && __atomic_load_n(&process_received, __ATOMIC_SEQ_CST) < PROCESS_TOTAL;
         spin++)
        usleep(1000);

    __atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(pk, NULL);
    for (int i = 0; i < NW; i++) {
        if (write(pipes[i][1], "s", 1) != 1)
            return 2;
        pthread_join(workers[i], NULL);
    }
    long got = total_thread_received();
    int spread_ok = 1;
    for (int i = 0; i < NW; i++)
        spread_ok &= received[i] == TOTAL / NW;
    printf("thread-directed: sent=%d received=%ld lost=%ld per_thread_ok=%d values_ok=%d\n", TOTAL, got,
           TOTAL - got, spread_ok, value_sum == expect_sum);
    printf("process-directed: sent=%d received=%ld lost=%ld\n", PROCESS_TOTAL, process_received,
           PROCESS_TOTAL - process_received);
    printf("acknowledged: sent=%d received=%ld\n", ACKED, acked_received);
    printf("blocking-call errors=%ld\n", errors);
    return 47;
}
