/* Waiting for descriptors: select (new and old i386 forms) with its
 * fd_sets and remaining-time write-back, pselect6, poll, ppoll, epoll
 * with the packed i386 event, eventfd and signalfd. */
#include "sc.h"
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>

int main(void) {
    int p[2];
    pipe(p);
    /* Raise the descriptor numbers above 64 so fd_sets need several words. */
    int hi = dup2(p[0], 70), hw = dup2(p[1], 71);
    fd_set r, w;
    FD_ZERO(&r); FD_ZERO(&w);
    FD_SET(hi, &r); FD_SET(hw, &w); FD_SET(0, &r);
    struct timeval tv = {1, 500000};
    int n = select(hw + 1, &r, &w, NULL, &tv);
    printf("select: %d r70=%d w71=%d tv_sec<=1 %d\n", n, FD_ISSET(hi, &r), FD_ISSET(hw, &w), tv.tv_sec <= 1);
    write(hw, "x", 1);
    FD_ZERO(&r);
    FD_SET(hi, &r);
    tv.tv_sec = 0; tv.tv_usec = 0;
    n = select(hi + 1, &r, NULL, NULL, &tv);
    printf("select readable: %d %d\n", n, FD_ISSET(hi, &r));
    FD_ZERO(&r);
    tv.tv_sec = 0; tv.tv_usec = 30000;
    n = select(1, &r, NULL, NULL, &tv);
    printf("select timeout: %d tv=%ld.%06ld\n", n, (long)tv.tv_sec, (long)tv.tv_usec);
    tv.tv_sec = 0; tv.tv_usec = 2000000;
    FD_ZERO(&r);
    FD_SET(hi, &r);
    n = select(hi + 1, &r, NULL, NULL, &tv);
    printf("select usec>1s: %d\n", n);
    tv.tv_sec = -1;
    VAL("select EINVAL", select(1, NULL, NULL, NULL, &tv));
    VAL("select EBADF", ({ FD_ZERO(&r); FD_SET(90, &r); struct timeval z = {0, 0}; select(91, &r, NULL, NULL, &z); }));
    struct timespec ts = {0, 10000000};
    sigset_t mask;
    sigemptyset(&mask);
    FD_ZERO(&r);
    FD_SET(hi, &r);
    VAL("pselect", pselect(hi + 1, &r, NULL, NULL, &ts, &mask));
#ifdef __i386__
    {
        struct { unsigned n; void *in, *out, *ex; struct timeval *tv; } sel;
        fd_set rr;
        FD_ZERO(&rr);
        FD_SET(hi, &rr);
        struct timeval t0 = {0, 0};
        sel.n = hi + 1; sel.in = &rr; sel.out = NULL; sel.ex = NULL; sel.tv = &t0;
        RAW("raw old select", SYS_select, &sel);
        printf("old select r70=%d\n", FD_ISSET(hi, &rr));
        int32_t t32[2] = {0, 1000};
        struct { void *ss; unsigned size; } sg = {&mask, 8};
        FD_ZERO(&rr);
        FD_SET(hi, &rr);
        RAW("raw pselect6", SYS_pselect6, hi + 1, &rr, NULL, NULL, t32, &sg);
        long long t64[2] = {0, 1000};
        RAW("raw pselect6_time64", 413, hi + 1, &rr, NULL, NULL, t64, &sg);
        int32_t pt[2] = {0, 5000};
        struct pollfd pf = {hi, POLLIN, 0};
        RAW("raw ppoll", SYS_ppoll, &pf, 1, pt, NULL, 8);
        printf("ppoll revents=%x\n", pf.revents);
        RAW("raw poll", SYS_poll, &pf, 1, 0);
        RAW("raw ppoll_time64", 414, &pf, 1, t64, NULL, 8);
    }
#endif
    struct pollfd pfd[3] = {{hi, POLLIN, 0}, {hw, POLLOUT, 0}, {99, POLLIN, 0}};
    n = poll(pfd, 3, 100);
    printf("poll: %d revents %x %x %x\n", n, pfd[0].revents, pfd[1].revents, pfd[2].revents);
    n = ppoll(pfd, 3, &ts, &mask);
    printf("ppoll: %d\n", n);
    char c;
    read(hi, &c, 1);
    n = poll(pfd, 1, 20);
    printf("poll empty: %d\n", n);
    int ep = epoll_create(10);
    OK("epoll_create", ep);
    VAL("epoll_create EINVAL", epoll_create(0));
    int ep1 = epoll_create1(EPOLL_CLOEXEC);
    OK("epoll_create1", ep1);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    VAL("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, hi, &ev));
    ev.data.u64 = 0xabcdef0123456789ULL;
    ev.events = EPOLLOUT;
    VAL("epoll_ctl ADD w", epoll_ctl(ep, EPOLL_CTL_ADD, hw, &ev));
    VAL("epoll_ctl EEXIST", epoll_ctl(ep, EPOLL_CTL_ADD, hw, &ev));
    write(hw, "yz", 2);
    struct epoll_event out[4];
    memset(out, 0, sizeof out);
    n = epoll_wait(ep, out, 4, 100);
    printf("epoll_wait: %d\n", n);
    for (int i = 0; i < n; i++) printf("  ev %x data %llx\n", out[i].events, (unsigned long long)out[i].data.u64);
    n = epoll_pwait(ep, out, 1, 0, &mask);
    printf("epoll_pwait: %d first data %llx\n", n, (unsigned long long)out[0].data.u64);
    VAL("epoll_wait EINVAL", epoll_wait(ep, out, 0, 0));
    VAL("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, hw, NULL));
    struct timespec t0 = {0, 1000000};
    VAL("epoll_pwait2", epoll_pwait2(ep, out, 4, &t0, NULL));
#ifdef __i386__
    {
        unsigned char raw[36];
        memset(raw, 0xee, sizeof raw);
        long r = syscall(SYS_epoll_wait, ep, raw, 3, 0);
        printf("raw epoll_wait = %ld events=%x data=%llx next=%02x\n", r, *(uint32_t *)raw,
               *(unsigned long long *)(raw + 4), raw[12]);
    }
#endif
    int efd = eventfd(5, EFD_NONBLOCK);
    OK("eventfd", efd);
    uint64_t v = 0;
    VAL("eventfd read", read(efd, &v, 8));
    printf("eventfd value %llu\n", (unsigned long long)v);
    VAL("eventfd read EAGAIN", read(efd, &v, 8));
#ifdef __i386__
    OK("raw eventfd", syscall(SYS_eventfd, 3));
#endif
    sigset_t us;
    sigemptyset(&us);
    sigaddset(&us, SIGUSR2);
    sigprocmask(SIG_BLOCK, &us, NULL);
    int sfd = signalfd(-1, &us, SFD_NONBLOCK);
    OK("signalfd", sfd);
    kill(getpid(), SIGUSR2);
    struct signalfd_siginfo ssi;
    VAL("signalfd read", read(sfd, &ssi, sizeof ssi));
    printf("ssi signo=%u code=%d pid_ok=%d\n", ssi.ssi_signo, ssi.ssi_code, ssi.ssi_pid == (uint32_t)getpid());
#ifdef __i386__
    OK("raw signalfd", syscall(SYS_signalfd, -1, &us, 8));
#endif
    return 0;
}
