/* SIGCHLD: a SA_SIGINFO handler sees each child's exit (si_code, status)
 * and reaps it with waitpid; stop and continue notifications and
 * SA_NOCLDSTOP; SIG_IGN for SIGCHLD reaps children automatically; a child
 * killed by a signal; SIGPIPE from writing to a closed pipe (default: the
 * writer dies; ignored: EPIPE). Exit status 44. */
#define _GNU_SOURCE
#include "common.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int exited, killed, status_sum, reaped;

/* Reaps every finished child (SIGCHLD coalesces: one signal may stand for
 * several exits); the siginfo describes one of them. */
static volatile int code_ok = 1;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    if (si->si_signo != SIGCHLD || (si->si_code != CLD_EXITED && si->si_code != CLD_KILLED))
        code_ok = 0;
    int st;
    while (waitpid(-1, &st, WNOHANG) > 0) {
        reaped++;
        if (WIFEXITED(st)) {
            exited++;
            status_sum += WEXITSTATUS(st);
        } else if (WIFSIGNALED(st)) {
            killed++;
            status_sum += 1000 * WTERMSIG(st);
        }
    }
}

static void install(int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART | flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, NULL);
}

/* Waits (in sigsuspend) until `cond` holds. */
#define WAIT_UNTIL(cond)                                                                                     \
    do {                                                                                                     \
        sigset_t none_;                                                                                      \
        sigemptyset(&none_);                                                                                 \
        while (!(cond))                                                                                      \
            sigsuspend(&none_);                                                                              \
    } while (0)

int main(void)
{
    sigset_t chld, old;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &old);
    install(0);
    fflush(stdout);

    for (int i = 1; i <= 5; i++)
        if (fork() == 0)
            _exit(i);
    WAIT_UNTIL(exited == 5);
    printf("five exits: exited=%d status_sum=%d reaped_all=%d code_ok=%d\n", exited, status_sum, reaped == 5,
           code_ok);

    pid_t pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    kill(pid, SIGTERM);
    WAIT_UNTIL(killed == 1);
    printf("killed child: killed=%d status_sum=%d\n", killed, status_sum);

    /* Stop and continue, then the same with SA_NOCLDSTOP (no SIGCHLD for
     * the stop). SIGCHLD stays blocked: what is pending tells. */
    for (int nocldstop = 0; nocldstop < 2; nocldstop++) {
        install(nocldstop ? SA_NOCLDSTOP : 0);
        /* The child waits on a pipe after it is continued, so that the
         * parent sees the continue before the exit (no race). */
        int go[2];
        if (pipe(go) != 0)
            return 1;
        pid = fork();
        if (pid == 0) {
            char c;
            raise(SIGSTOP);
            read(go[0], &c, 1);
            _exit(7);
        }
        int st;
        waitpid(pid, &st, WUNTRACED);
        int was_stopped = WIFSTOPPED(st);
        sigset_t pend;
        sigpending(&pend);
        int chld_pending = sigismember(&pend, SIGCHLD);
        kill(pid, SIGCONT);
        waitpid(pid, &st, WCONTINUED);
        int was_continued = WIFCONTINUED(st);
        write(go[1], "x", 1);
        close(go[0]);
        close(go[1]);
        waitpid(pid, &st, 0);
        siginfo_t si;
        struct timespec zero = {0, 0};
        while (sigtimedwait(&chld, &si, &zero) > 0)
            ;
        printf("stop/continue (SA_NOCLDSTOP=%d): stopped=%d sigchld_for_stop=%d continued=%d exit=%d\n", nocldstop,
               was_stopped, chld_pending, was_continued, WEXITSTATUS(st));
    }

    /* SIGCHLD ignored: no zombies, wait fails with ECHILD. */
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGCHLD, SIG_IGN);
    pid = fork();
    if (pid == 0)
        _exit(3);
    int st;
    int r = waitpid(pid, &st, 0);
    printf("SIG_IGN: waitpid=%d echild=%d\n", r, r < 0 && errno == ECHILD);
    signal(SIGCHLD, SIG_DFL);

    /* SIGPIPE: default kills the writer; ignored gives EPIPE. */
    int p[2];
    if (pipe(p) != 0)
        return 1;
    close(p[0]);
    pid = fork();
    if (pid == 0) {
        if (write(p[1], "x", 1) < 0)
            _exit(1);
        _exit(0);
    }
    waitpid(pid, &st, 0);
    printf("SIGPIPE default: signaled=%d sig=%d\n", WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    signal(SIGPIPE, SIG_IGN);
    r = write(p[1], "x", 1);
    printf("SIGPIPE ignored: r=%d epipe=%d\n", r, r < 0 && errno == EPIPE);

    /* A child's default-action death by each of a few signals. */
    int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGALRM, SIGTERM, SIGRTMIN + 5};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
            signal(SIGPIPE, SIG_DFL);
            raise(sigs[i]);
            _exit(0);
        }
        waitpid(pid, &st, 0);
        printf("default %d: signaled=%d same=%d\n", i, WIFSIGNALED(st), WIFSIGNALED(st) && WTERMSIG(st) == sigs[i]);
    }
    return 44;
}
