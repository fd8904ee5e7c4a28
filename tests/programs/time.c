/* Clocks: time(), gettimeofday, clock_gettime on several clocks, clock_getres,
 * nanosleep.  Prints only booleans, so the output is deterministic.  On i386
 * glibc uses the 64-bit-time syscalls (clock_gettime64) and the vDSO if the
 * auxiliary vector offers one.  Exit status 19. */
#include "common.h"
#include <sys/time.h>
#include <time.h>

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

int main(void)
{
    time_t t0 = time(NULL);
    time_t t1;
    time(&t1);
    CHECK(t0 > 1600000000);          /* after September 2020 */
    CHECK(t0 < 4102444800LL);        /* before 2100 */
    CHECK(t1 >= t0 && t1 - t0 < 5);

    struct timeval tv;
    CHECK(gettimeofday(&tv, NULL) == 0);
    CHECK(tv.tv_sec >= t0 && tv.tv_sec - t0 < 5);
    CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);

    struct timespec rt, m0, m1, m2, res, cpu0, cpu1;
    CHECK(clock_gettime(CLOCK_REALTIME, &rt) == 0);
    CHECK(rt.tv_sec >= t0 && rt.tv_sec - t0 < 5);
    CHECK(rt.tv_nsec >= 0 && rt.tv_nsec < 1000000000);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m0) == 0);
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0) == 0);

    /* Monotonic time never goes backwards. */
    int backwards = 0;
    struct timespec prev = m0;
    for (int i = 0; i < 1000; i++) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (ns(now) < ns(prev))
            backwards = 1;
        prev = now;
    }
    CHECK(!backwards);

    /* A 20 ms sleep advances the monotonic clock by at least that much. */
    struct timespec req = {0, 20 * 1000 * 1000};
    CHECK(nanosleep(&req, NULL) == 0);
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m1) == 0);
    CHECK(ns(m1) - ns(m0) >= 20 * 1000 * 1000);
    CHECK(ns(m1) - ns(m0) < 60LL * 1000 * 1000 * 1000);

    /* Burning CPU advances the process CPU clock. */
    volatile uint64_t spin = 0;
    for (int i = 0; i < 3000000; i++)
        spin += (uint64_t)i * i;
    CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1) == 0);
    CHECK(ns(cpu1) > ns(cpu0));
    CHECK(clock_gettime(CLOCK_MONOTONIC, &m2) == 0);
    CHECK(ns(m2) > ns(m1));

    CHECK(clock_getres(CLOCK_MONOTONIC, &res) == 0);
    CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
    CHECK(clock_gettime(CLOCK_BOOTTIME, &m2) == 0 && ns(m2) >= ns(m1));
    CHECK(clock_gettime((clockid_t)12345, &m2) == -1);

    /* 64-bit time_t survives the round trip through the C library. */
    struct tm tm;
    time_t y2038 = (time_t)2147483647;
    CHECK(gmtime_r(&y2038, &tm) != NULL);
    printf("gmtime(2^31-1) = %04d-%02d-%02d %02d:%02d:%02d\n", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    time_t epoch = 0;
    gmtime_r(&epoch, &tm);
    printf("gmtime(0) = %04d-%02d-%02d wday=%d\n", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_wday);
    return 19;
}
