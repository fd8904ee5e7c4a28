/* Shared helpers for the x86run guest test programs.
 *
 * Every program in this directory is built for i386 and x86-64 (static and
 * static-pie), run natively and under x86run, and the two runs must agree on
 * stdout, exit status and terminating signal.  Keep output deterministic:
 * never print addresses, pids, times or random bytes.  No floating point. */
#ifndef X86RUN_TEST_COMMON_H
#define X86RUN_TEST_COMMON_H

#include <stdint.h>
#include <stdio.h>

/* A value the compiler cannot see through, so arithmetic is done at run time. */
#define OPAQUE(x) ({ __auto_type o_ = (x); __asm__ volatile("" : "+r"(o_)); o_; })

/* FNV-1a, used to fold large results into one printed number. */
static inline uint32_t fnv1a(uint32_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}
#define FNV_INIT 2166136261u

static inline uint32_t fnv_u64(uint32_t h, uint64_t v)
{
    return fnv1a(h, &v, sizeof v);
}

/* Deterministic pseudo-random numbers (xorshift64*). */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static inline uint64_t rng64(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 2685821657736338717ull;
}
static inline uint32_t rng32(void) { return (uint32_t)(rng64() >> 32); }

#define CHECK(cond) printf("%-50s %s\n", #cond, (cond) ? "yes" : "no")

#endif
