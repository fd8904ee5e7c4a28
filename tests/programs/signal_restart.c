/* Signals and blocking system calls: timers (setitimer, timer_create)
 * interrupting a blocking read with and without SA_RESTART; calls the
 * kernel never restarts after a handler (select, poll, nanosleep, pause,
 * sigsuspend); waitpid restarted; a pending signal unblocked atomically by
 * pselect/ppoll; sigtimedwait; a nanosleep stopped and continued (restarted
 * through restart_syscall, or interrupted when SIGCONT has a handler).
 * Exit status 42. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int pfd[2];
static volatile int hits, timer_code_ok, timer_value;

static void on_sig(int sig)
{
    (void)sig;
    hits++;
    if (write(pfd[1], "a", 1) != 1)
        _exit(2);
}

static void on_timer(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    hits++;
    timer_code_ok = si->si_code == SI_TIMER;
    timer_value = si->si_value.sival_int;
    if (write(pfd[1], "b", 1) != 1)
        _exit(2);
}

static void handle(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

static void alarm_in_ms(int ms)
{
    struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

static void drain(void)
{
    char buf[64];
    struct pollfd p = {pfd[0], POLLIN, 0};
    while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
        if (read(pfd[0], buf, sizeof buf) <= 0)
            break;
}

static const char *err(int r)
{
    return r >= 0 ? "ok" : errno == EINTR ? "EINTR" : errno == EAGAIN ? "EAGAIN" : "other";
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
    char c = 0;
    if (pipe(pfd) != 0)
        return 1;

    /* read, no SA_RESTART: EINTR; the byte the handler wrote is next. */
    handle(SIGALRM, 0);
    alarm_in_ms(150);
    int r = read(pfd[0], &c, 1);
    printf("read without SA_RESTART: r=%d %s hits=%d\n", r, err(r), hits);
    r = read(pfd[0], &c, 1);
    printf("then: r=%d c=%c\n", r, c);

    /* read, SA_RESTART: the read goes on and returns the handler's byte. */
    handle(SIGALRM, SA_RESTART);
    alarm_in_ms(150);
    c = 0;
    r = read(pfd[0], &c, 1);
    printf("read with SA_RESTART: r=%d c=%c hits=%d\n", r, c, hits);

    /* timer_create with a real-time signal and a value. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_timer;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGRTMIN + 1;
    sev.sigev_value.sival_int = 77;
    timer_t tid;
    if (timer_create(CLOCK_MONOTONIC, &sev, &tid) != 0)
        return 2;
    struct itimerspec its = {{0, 0}, {0, 150 * 1000000}};
    timer_settime(tid, 0, &its, NULL);
    c = 0;
    r = read(pfd[0], &c, 1);
    printf("timer_create: r=%d c=%c code_ok=%d value=%d\n", r, c, timer_code_ok, timer_value);
    timer_delete(tid);

    /* select and poll are not restarted after a handler, even SA_RESTART. */
    int fds2[2];
    if (pipe(fds2) != 0)
        return 3;
    fd_set rs;
    FD_ZERO(&rs);
    FD_SET(fds2[0], &rs);
    alarm_in_ms(150);
    r = select(fds2[0] + 1, &rs, NULL, NULL, NULL);
    printf("select: r=%d %s\n", r, err(r));
    drain();
    struct pollfd pf = {fds2[0], POLLIN, 0};
    alarm_in_ms(150);
    r = poll(&pf, 1, 5000);
    printf("poll: r=%d %s\n", r, err(r));
    drain();

    /* nanosleep: EINTR with the remaining time. */
    struct timespec req = {3, 0}, rem = {0, 0};
    alarm_in_ms(150);
    r = nanosleep(&req, &rem);
    printf("nanosleep: r=%d %s rem_ok=%d\n", r, err(r), rem.tv_sec >= 1 && rem.tv_sec <= 3);
    drain();

    /* pause and sigsuspend. */
    alarm_in_ms(100);
    r = pause();
    printf("pause: r=%d %s\n", r, err(r));
    drain();
    sigset_t block, old, none;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    alarm_in_ms(100);
    sigemptyset(&none);
    int before = hits;
    r = sigsuspend(&none);
    sigset_t cur;
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("sigsuspend: r=%d %s handled=%d mask_restored=%d\n", r, err(r), hits == before + 1,
           sigismember(&cur, SIGALRM));
    drain();

    /* A pending signal unblocked by pselect's mask: taken at once. */
    alarm_in_ms(50);
    usleep(200 * 1000);
    before = hits;
    FD_ZERO(&rs);
    FD_SET(fds2[0], &rs);
    struct timespec five = {5, 0};
    r = pselect(fds2[0] + 1, &rs, NULL, NULL, &five, &none);
    printf("pselect with pending: r=%d %s handled=%d\n", r, err(r), hits == before + 1);
    drain();
    alarm_in_ms(50);
    usleep(200 * 1000);
    before = hits;
    r = ppoll(&pf, 1, &five, &none);
    sigprocmask(SIG_SETMASK, NULL, &cur);
    printf("ppoll with pending: r=%d %s handled=%d still_blocked=%d\n", r, err(r), hits == before + 1,
           sigismember(&cur, SIGALRM));
    drain();
    sigprocmask(SIG_SETMASK, &old, NULL);

    /* waitpid is restarted with SA_RESTART. */
    handle(SIGALRM, SA_RESTART);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        usleep(400 * 1000);
        _exit(9);
    }
    alarm_in_ms(100);
    int st;
    r = waitpid(pid, &st, 0);
    printf("waitpid with SA_RESTART: same_pid=%d status=%d\n", r == pid, WEXITSTATUS(st));
    drain();

    /* sigtimedwait: a queued value, then a timeout. */
    sigset_t w;
    sigemptyset(&w);
    sigaddset(&w, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &w, NULL);
    union sigval v = {.sival_int = 4242};
    sigqueue(getpid(), SIGRTMIN + 2, v);
    siginfo_t si;
    struct timespec tmo = {1, 0};
    r = sigtimedwait(&w, &si, &tmo);
    printf("sigtimedwait: sig_ok=%d code=%d value=%d\n", r == SIGRTMIN + 2, si.si_code, si.si_value.sival_int);
    tmo.tv_sec = 0;
    tmo.tv_nsec = 50 * 1000000;
    r = sigtimedwait(&w, &si, &tmo);
    printf("sigtimedwait timeout: r=%d %s\n", r, err(r));

    /* A stopped and continued nanosleep: restarted (no handler), or EINTR
     * (SIGCONT handler). */
    for (int with_handler = 0; with_handler < 2; with_handler++) {
        int sync[2];
        if (pipe(sync) != 0)
            return 4;
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            if (with_handler)
                handle(SIGCONT, SA_RESTART);
            struct timespec t = {0, 600 * 1000000}, left = {0, 0};
            double t0 = now();
            if (write(sync[1], "x", 1) != 1)
                _exit(3);
            int rr = nanosleep(&t, &left);
            double dt = now() - t0;
            _exit(rr == 0 ? (dt >= 0.55 ? 10 : 11) : errno == EINTR ? 12 : 13);
        }
        if (read(sync[0], &c, 1) != 1)
            return 5;
        usleep(100 * 1000);
        kill(pid, SIGSTOP);
        waitpid(pid, &st, WUNTRACED);
        int stopped = WIFSTOPPED(st);
        usleep(100 * 1000);
        kill(pid, SIGCONT);
        waitpid(pid, &st, 0);
        printf("stop/cont nanosleep (handler=%d): stopped=%d exit=%d\n", with_handler, stopped, WEXITSTATUS(st));
        close(sync[0]);
        close(sync[1]);
    }
    return 42;
}
