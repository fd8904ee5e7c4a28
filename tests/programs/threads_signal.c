/* Signals and threads: tgkill/pthread_kill to a chosen thread (the handler
 * runs there), per-thread masks steering a process-directed signal to the
 * one thread that accepts it, sigwait in a dedicated thread, a handler
 * interrupting a thread blocked in a condition variable and in read (with
 * SA_RESTART the waits go on), a worker's kill() waking the initial
 * thread in sigsuspend and pause, a fault handled in the faulting thread,
 * thread cancellation (deferred, at blocking calls, with cleanup handlers;
 * and asynchronous), and exit_group from a thread while others block.
 * Exit status 46. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SIG_THREAD (SIGRTMIN + 2)
#define SIG_PROCESS (SIGRTMIN + 3)

static pid_t gettid_(void)
{
    return (pid_t)syscall(SYS_gettid);
}

static __thread int my_index = -1;
static volatile int handled_by[8];
static volatile int handler_tid_ok;
static pid_t tids[8];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (my_index >= 0)
        handled_by[my_index]++;
    /* Handlers run in several threads at once: an atomic increment. */
    if (si->si_code == SI_TKILL && si->si_pid == getpid())
        __atomic_fetch_add(&handler_tid_ok, 1, __ATOMIC_RELAXED);
}

static pthread_barrier_t bar;
static volatile int stop;

/* A thread that blocks SIG_PROCESS unless it is the chosen one. */
static int accept_usr2 = 3;
static void *waiter(void *arg)
{
    my_index = (int)(intptr_t)arg;
    tids[my_index] = gettid_();
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIG_PROCESS);
    pthread_sigmask(my_index == accept_usr2 ? SIG_UNBLOCK : SIG_BLOCK, &s, NULL);
    pthread_barrier_wait(&bar);
    while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
        usleep(1000);
    return NULL;
}

static void on_usr2(int sig)
{
    (void)sig;
    if (my_index >= 0)
        handled_by[my_index] += 100;
}

/* Condition wait and read interrupted by a handler, then resumed. */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int ready;
static int rpipe[2];
static volatile int blocked_handler_runs;
static void on_rt(int sig)
{
    (void)sig;
    blocked_handler_runs++;
}
static void *cond_blocker(void *arg)
{
    (void)arg;
    tids[6] = gettid_();
    pthread_mutex_lock(&m);
    pthread_barrier_wait(&bar);
    while (!ready)
        pthread_cond_wait(&cv, &m);
    pthread_mutex_unlock(&m);
    char c = 0;
    ssize_t r = read(rpipe[0], &c, 1); /* SA_RESTART: survives the signal */
    return (void *)(intptr_t)(r == 1 ? c : -1);
}

/* A fault handled in the faulting thread. */
static __thread sigjmp_buf fault_env;
static __thread volatile int faulted;
static void on_segv(int sig)
{
    (void)sig;
    faulted = 1;
    siglongjmp(fault_env, 1);
}
static void *faulter(void *arg)
{
    (void)arg;
    if (sigsetjmp(fault_env, 1) == 0)
        *OPAQUE((volatile int *)16) = 1;
    return (void *)(intptr_t)(faulted ? 7 : 0);
}

/* Cancellation. */
static volatile int cleanups;
static void cleanup(void *arg)
{
    __atomic_fetch_add(&cleanups, (int)(intptr_t)arg, __ATOMIC_SEQ_CST);
}
static int cpipe[2];
static void *cancel_in_read(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, (void *)1);
    char c;
    pthread_barrier_wait(&bar);
    for (;;)
        if (read(cpipe[0], &c, 1) < 0)
            break;
    pthread_cleanup_pop(0);
    return NULL;
}
static void *cancel_in_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&m);
    pthread_cleanup_push(cleanup, (void *)10);
    pthread_barrier_wait(&bar);
    for (;;)
        pthread_cond_wait(&cv, &m);
    pthread_cleanup_pop(0);
    return NULL;
}
static void *cancel_in_sleep(void *arg)
{
    (void)arg;
    pthread_cleanup_push(cleanup, (void *)100);
    pthread_barrier_wait(&bar);
    for (;;)
        sleep(10);
    pthread_cleanup_pop(0);
    return NULL;
}
static volatile unsigned long spins;
static void *cancel_async(void *arg)
{
    (void)arg;
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
    pthread_barrier_wait(&bar);
    for (;;)
        spins++;
    return NULL;
}

/* kill() from a worker while the initial thread waits in sigsuspend (or
 * pause): Linux hands a process-wide signal to the initial thread first. */
static volatile int main_woken_by, sender_done;
static void on_wake(int sig)
{
    (void)sig;
    main_woken_by = my_index;
}
static void *kill_sender(void *arg)
{
    (void)arg;
    my_index = 5;
    usleep(100 * 1000);
    kill(getpid(), SIGUSR2);
    /* Stay busy (decoding and running code) while the signal lands. */
    volatile uint64_t x = 0;
    for (int i = 0; i < 200000; i++)
        x += (uint64_t)i * 3;
    sender_done = 1;
    return NULL;
}

static void *exiter(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&bar);
    usleep(20 * 1000);
    printf("thread calls _exit(46)\n");
    fflush(stdout);
    _exit(46);
}

int main(void)
{
    my_index = 7;
    tids[7] = gettid_();
    /* Real-time signals: queued, so every one sent is counted. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIG_THREAD, &sa, NULL);
    signal(SIG_PROCESS, on_usr2);

    /* Main blocks SIG_PROCESS too, so only thread 3 can take it. */
    sigset_t s2;
    sigemptyset(&s2);
    sigaddset(&s2, SIG_PROCESS);
    pthread_sigmask(SIG_BLOCK, &s2, NULL);

    pthread_t t[6];
    pthread_barrier_init(&bar, NULL, 6);
    for (int i = 0; i < 5; i++)
        pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i);
    pthread_barrier_wait(&bar);

    /* Thread-directed: each thread gets exactly its own. */
    for (int i = 0; i < 5; i++)
        for (int k = 0; k <= i; k++)
            pthread_kill(t[i], SIG_THREAD);
    syscall(SYS_tgkill, getpid(), tids[7], SIG_THREAD);
    /* Process-directed: only thread 3 accepts SIG_PROCESS. */
    for (int k = 0; k < 3; k++)
        kill(getpid(), SIG_PROCESS);
    for (int spin = 0; spin < 5000 && handled_by[3] < 304; spin++)
        usleep(1000);
    stop = 1;
    for (int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    printf("handled:");
    for (int i = 0; i < 8; i++)
        printf(" %d", handled_by[i]);
    printf(" tkill_info_ok=%d\n", handler_tid_ok == 16);

    /* sigwait: SIG_PROCESS is blocked everywhere now. */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIG_PROCESS);
    kill(getpid(), SIG_PROCESS);
    int got = 0;
    sigwait(&w, &got);
    printf("sigwait: got=%d\n", got == SIG_PROCESS);

    /* Handlers interrupting blocked waits (SA_RESTART). */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_rt;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    if (pipe(rpipe) != 0)
        return 1;
    pthread_barrier_destroy(&bar);
    pthread_barrier_init(&bar, NULL, 2);
    pthread_create(&t[0], NULL, cond_blocker, NULL);
    pthread_barrier_wait(&bar);
    pthread_mutex_lock(&m); /* the blocker is in pthread_cond_wait now */
    pthread_mutex_unlock(&m);
    for (int k = 0; k < 3; k++) {
        syscall(SYS_tgkill, getpid(), tids[6], SIGRTMIN + 1);
        usleep(10 * 1000);
    }
    pthread_mutex_lock(&m);
    ready = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&m);
    usleep(30 * 1000);
    for (int k = 0; k < 3; k++) {
        syscall(SYS_tgkill, getpid(), tids[6], SIGRTMIN + 1);
        usleep(10 * 1000);
    }
    if (write(rpipe[1], "z", 1) != 1)
        return 2;
    void *ret;
    pthread_join(t[0], &ret);
    printf("interrupted waits: handler runs=%d read=%c\n", blocked_handler_runs, (char)(intptr_t)ret);

    /* A fault in a thread, handled there. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    pthread_create(&t[0], NULL, faulter, NULL);
    pthread_join(t[0], &ret);
    printf("fault in thread: handled=%d\n", (int)(intptr_t)ret);

    /* Cancellation. */
    if (pipe(cpipe) != 0)
        return 3;
    pthread_barrier_destroy(&bar);
    pthread_barrier_init(&bar, NULL, 5);
    pthread_create(&t[0], NULL, cancel_in_read, NULL);
    pthread_create(&t[1], NULL, cancel_in_cond, NULL);
    pthread_create(&t[2], NULL, cancel_in_sleep, NULL);
    pthread_create(&t[3], NULL, cancel_async, NULL);
    pthread_barrier_wait(&bar);
    usleep(50 * 1000);
    int canceled = 0;
    for (int i = 0; i < 4; i++) {
        pthread_cancel(t[i]);
        pthread_join(t[i], &ret);
        canceled += ret == PTHREAD_CANCELED;
    }
    printf("cancel: canceled=%d cleanups=%d\n", canceled, cleanups);

    /* A worker's kill() wakes the initial thread in sigsuspend and pause. */
    signal(SIGUSR2, on_wake);
    sigset_t u2, prev;
    sigemptyset(&u2);
    sigaddset(&u2, SIGUSR2);
    for (int round = 0; round < 2; round++) {
        sigprocmask(SIG_BLOCK, &u2, &prev);
        main_woken_by = -1;
        pthread_create(&t[0], NULL, kill_sender, NULL);
        if (round == 0) {
            sigset_t none;
            sigemptyset(&none);
            sigsuspend(&none);
            sigprocmask(SIG_SETMASK, &prev, NULL);
        } else {
            sigprocmask(SIG_SETMASK, &prev, NULL);
            while (main_woken_by < 0)
                pause();
        }
        pthread_join(t[0], NULL);
        printf("%s woken in the initial thread: %d\n", round ? "pause" : "sigsuspend", main_woken_by == 7);
    }

    /* _exit from a thread while others block. */
    pthread_barrier_destroy(&bar);
    pthread_barrier_init(&bar, NULL, 3);
    pthread_create(&t[0], NULL, cancel_in_sleep, NULL);
    pthread_create(&t[1], NULL, exiter, NULL);
    pthread_barrier_wait(&bar);
    pthread_join(t[1], NULL);
    printf("not reached\n");
    return 1;
}
