/* Time and resources: clocks (32- and 64-bit time), sleeps, interval and
 * POSIX timers, timerfd, adjtimex, times, rusage via getrusage/wait4/
 * waitid, sysinfo, rlimits in all three i386 forms, alarm, nice. */
#include "sc.h"
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/times.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>

static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

int main(void) {
    struct timespec a, b;
    VAL("clock_gettime REALTIME", clock_gettime(CLOCK_REALTIME, &a));
    printf("realtime sane: %d\n", a.tv_sec > 1600000000 && a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
    VAL("clock_gettime MONOTONIC", clock_gettime(CLOCK_MONOTONIC, &b));
    VAL("clock_gettime bad clock", clock_gettime(12345, &b));
    VAL("clock_getres", clock_getres(CLOCK_MONOTONIC, &b));
    printf("res: %ld.%09ld\n", (long)b.tv_sec, b.tv_nsec);
    VAL("clock_getres NULL", clock_getres(CLOCK_REALTIME, NULL));
    time_t t1 = time(NULL), t2;
    VAL("time matches", time(&t2) - t1 <= 1 && t2 >= t1);
    struct timeval tv;
    struct timezone tz;
    VAL("gettimeofday", gettimeofday(&tv, &tz));
    printf("tv sane: %d\n", tv.tv_sec > 1600000000 && tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    struct timeval badtv = {0, -1};
    VAL("settimeofday EINVAL", settimeofday(&badtv, NULL));
    struct timespec req = {0, 20000000}, rem = {9, 9};
    VAL("nanosleep", nanosleep(&req, &rem));
    struct timespec badreq = {0, 2000000000};
    VAL("nanosleep EINVAL", nanosleep(&badreq, NULL));
    VAL("clock_nanosleep", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    clock_gettime(CLOCK_MONOTONIC, &a);
    a.tv_nsec += 10000000;
    if (a.tv_nsec >= 1000000000) { a.tv_sec++; a.tv_nsec -= 1000000000; }
    VAL("clock_nanosleep ABSTIME", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
#ifdef __i386__
    {
        int32_t t32[2] = {0, 0};
        long r = syscall(SYS_time, t32);
        printf("raw time stores: %d\n", r == t32[0]);
        RAW("raw clock_gettime", SYS_clock_gettime, CLOCK_MONOTONIC, t32);
        long long t64[2] = {0, -1};
        RAW("raw clock_gettime64", 403, CLOCK_MONOTONIC, t64);
        printf("time64 nsec sane: %d\n", t64[1] >= 0 && t64[1] < 1000000000);
        RAW("raw clock_getres_time64", 406, CLOCK_REALTIME, t64);
        printf("res64: %lld.%09lld\n", t64[0], t64[1]);
        long long ns64[2] = {0, 1000000};
        RAW("raw clock_nanosleep_time64", 407, CLOCK_MONOTONIC, 0, ns64, NULL);
        int32_t ns32[2] = {0, 1000000};
        RAW("raw nanosleep", SYS_nanosleep, ns32, NULL);
        RAW("raw sched_rr_get_interval", SYS_sched_rr_get_interval, 0, t32);
        RAW("raw stime EPERM-or-EFAULT", SYS_stime, (void *)4);
        RAW("raw gettimeofday", SYS_gettimeofday, t32, NULL);
    }
#endif
    struct tms tm;
    clock_t c = times(&tm);
    printf("times ok: %d utime>=0 %d\n", c != (clock_t)-1, tm.tms_utime >= 0);
    struct rusage ru;
    VAL("getrusage", getrusage(RUSAGE_SELF, &ru));
    printf("rusage maxrss>0 %d\n", ru.ru_maxrss > 0);
    VAL("getrusage EINVAL", getrusage(42, &ru));
    struct itimerval it = {{0, 0}, {5, 0}}, old;
    VAL("setitimer", setitimer(ITIMER_VIRTUAL, &it, NULL));
    VAL("getitimer", getitimer(ITIMER_VIRTUAL, &old));
    printf("itimer value: %d interval: %ld\n", old.it_value.tv_sec >= 4 && old.it_value.tv_sec <= 5, (long)old.it_interval.tv_sec);
    struct itimerval zero = {{0, 0}, {0, 0}};
    VAL("setitimer old", setitimer(ITIMER_VIRTUAL, &zero, &old));
    printf("old value: %d\n", old.it_value.tv_sec >= 4);
    signal(SIGALRM, on_alarm);
    VAL("alarm", alarm(10));
    VAL("alarm again", alarm(0));
    struct itimerval shot = {{0, 0}, {0, 10000}};
    setitimer(ITIMER_REAL, &shot, NULL);
    while (!alarms) pause();
    printf("alarms: %d\n", alarms);
    timer_t tid;
    struct sigevent sev = {0};
    sev.sigev_notify = SIGEV_NONE;
    VAL("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tid));
    struct itimerspec its = {{1, 500}, {3, 0}}, oits;
    VAL("timer_settime", timer_settime(tid, 0, &its, NULL));
    VAL("timer_gettime", timer_gettime(tid, &oits));
    printf("timer: interval=%ld.%09ld value_ok=%d\n", (long)oits.it_interval.tv_sec, oits.it_interval.tv_nsec,
           oits.it_value.tv_sec == 2 || oits.it_value.tv_sec == 3);
    VAL("timer_settime old", timer_settime(tid, 0, &its, &oits));
    VAL("timer_getoverrun", timer_getoverrun(tid));
    VAL("timer_delete", timer_delete(tid));
    VAL("timer_delete again", timer_delete(tid));
    sev.sigev_notify = SIGEV_SIGNAL;
    sev.sigev_signo = SIGUSR1;
    sev.sigev_value.sival_int = 42;
    VAL("timer_create signal", timer_create(CLOCK_REALTIME, &sev, &tid));
    timer_delete(tid);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    OK("timerfd_create", tfd);
    struct itimerspec tfs = {{0, 0}, {0, 5000000}};
    VAL("timerfd_settime", timerfd_settime(tfd, 0, &tfs, NULL));
    VAL("timerfd_gettime", timerfd_gettime(tfd, &oits));
    printf("timerfd armed: %d\n", oits.it_value.tv_nsec > 0 || oits.it_value.tv_sec > 0);
    uint64_t ticks = 0;
    VAL("timerfd read", read(tfd, &ticks, 8));
    printf("ticks: %llu\n", (unsigned long long)ticks);
    VAL("timerfd_settime old", timerfd_settime(tfd, 0, &tfs, &oits));
    struct timex tx = {0};
    int st = adjtimex(&tx);
    printf("adjtimex: state_ok=%d tick=%ld precision>0 %d\n", st >= 0, (long)tx.tick, tx.precision > 0);
    struct timex tx2 = {0};
    st = clock_adjtime(CLOCK_REALTIME, &tx2);
    printf("clock_adjtime: same state %d tick=%ld\n", st >= 0, (long)tx2.tick);
    struct sysinfo si;
    VAL("sysinfo", sysinfo(&si));
    printf("sysinfo: mem_unit=%u totalram=%lu totalswap=%lu procs>0 %d uptime>0 %d\n", si.mem_unit, si.totalram,
           si.totalswap, si.procs > 0, si.uptime > 0);
    struct rlimit rl;
    const int res[] = {RLIMIT_NOFILE, RLIMIT_STACK, RLIMIT_AS, RLIMIT_CORE, RLIMIT_NPROC, RLIMIT_FSIZE};
    for (unsigned k = 0; k < sizeof res / sizeof *res; k++) {
        VAL("getrlimit", getrlimit(res[k], &rl));
        printf("rlimit %d: cur=%llu max=%llu\n", res[k], (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    }
#ifdef __i386__
    for (unsigned k = 0; k < sizeof res / sizeof *res; k++) {
        uint32_t r32[2] = {1, 1};
        RAW("raw old getrlimit", SYS_getrlimit, res[k], r32);
        printf("old rlimit %d: %u %u\n", res[k], r32[0], r32[1]);
        RAW("raw ugetrlimit", SYS_ugetrlimit, res[k], r32);
        printf("ugetrlimit %d: %u %u\n", res[k], r32[0], r32[1]);
    }
    uint32_t inf[2] = {0xffffffff, 0xffffffff};
    RAW("raw setrlimit infinity", SYS_setrlimit, RLIMIT_CORE, inf);
    uint64_t r64[2];
    RAW("raw prlimit64", SYS_prlimit64, 0, RLIMIT_CORE, NULL, r64);
    printf("core after infinity: %d\n", r64[0] == (uint64_t)-1);
    RAW("raw nice 0", SYS_nice, 0);
    RAW("raw nice 1", SYS_nice, 1);
#endif
    rl.rlim_cur = 1024;
    rl.rlim_max = 4096;
    VAL("setrlimit", setrlimit(RLIMIT_NOFILE, &rl));
    getrlimit(RLIMIT_NOFILE, &rl);
    printf("nofile now %llu %llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
    struct rlimit64 n64 = {100, 200}, o64;
    VAL("prlimit64", prlimit64(0, RLIMIT_NOFILE, &n64, &o64));
    printf("prlimit old %llu %llu\n", (unsigned long long)o64.rlim_cur, (unsigned long long)o64.rlim_max);
    VAL("getpriority", getpriority(PRIO_PROCESS, 0));
    VAL("nice", nice(2));
    fflush(stdout);
    pid_t ch = fork();
    if (ch == 0) {
        for (volatile int i = 0; i < 1000000; i++);
        _exit(7);
    }
    int status;
    struct rusage cru;
    VAL("wait4 pid", wait4(ch, &status, 0, &cru) == ch);
    printf("wait4: exited=%d code=%d maxrss>0 %d\n", WIFEXITED(status), WEXITSTATUS(status), cru.ru_maxrss > 0);
    fflush(stdout);
    ch = fork();
    if (ch == 0) _exit(3);
    siginfo_t si2;
    memset(&si2, 0x55, sizeof si2);
    VAL("waitid", waitid(P_PID, ch, &si2, WEXITED));
    printf("waitid: signo=%d code=%d status=%d pid_ok=%d errno=%d\n", si2.si_signo, si2.si_code, si2.si_status,
           si2.si_pid == ch, si2.si_errno);
    memset(&si2, 0x55, sizeof si2);
    VAL("waitid ECHILD", waitid(P_ALL, 0, &si2, WEXITED | WNOHANG));
    fflush(stdout);
    ch = fork();
    if (ch == 0) { kill(getpid(), SIGKILL); _exit(1); }
    VAL("waitpid", waitpid(ch, &status, 0) == ch);
    printf("waitpid: signaled=%d sig=%d\n", WIFSIGNALED(status), WTERMSIG(status));
#ifdef __i386__
    fflush(stdout);
    ch = fork();
    if (ch == 0) _exit(5);
    uint32_t ru32[18];
    memset(ru32, 0xff, sizeof ru32);
    long r = syscall(SYS_wait4, ch, &status, 0, ru32);
    printf("raw wait4 = %d code=%d utime_usec_ok=%d\n", r == ch, WEXITSTATUS(status), ru32[1] < 1000000);
    fflush(stdout);
    ch = fork();
    if (ch == 0) _exit(6);
    uint32_t info[32];
    memset(info, 0x55, sizeof info);
    r = syscall(SYS_waitid, P_PID, ch, info, WEXITED, ru32);
    printf("raw waitid = %ld signo=%u code=%u pid_ok=%d uid=%u status=%u word6=%08x\n", r, info[0], info[2],
           info[3] == (uint32_t)ch, info[4], info[5], info[6]);
#endif
    return 0;
}
