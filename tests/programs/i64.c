/* 64-bit integer arithmetic.  On i386 this exercises the libgcc helpers
 * (__divdi3, __udivdi3, __moddi3, __umoddi3, __udivmoddi4), shld/shrd and
 * multi-word add/sub/mul sequences.  Exit status 12. */
#include "common.h"
#include <inttypes.h>
#include <limits.h>

static const int64_t vals[] = {
    0, 1, -1, 2, -2, 3, -3, 10, -10, 1000000007, -1000000007,
    0x7fffffffLL, 0x80000000LL, 0xffffffffLL, 0x100000000LL, -0x100000000LL,
    0x123456789abcdefLL, -0x123456789abcdefLL, 0x7fffffffffffffffLL - 1,
    LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
};
#define NV (int)(sizeof vals / sizeof vals[0])

int main(void)
{
    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j++) {
            int64_t a = OPAQUE(vals[i]), b = OPAQUE(vals[j]);
            uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
            printf("%" PRId64 " %" PRId64 ": add=%016" PRIx64 " sub=%016" PRIx64
                   " mul=%016" PRIx64,
                   a, b, ua + ub, ua - ub, ua * ub);
            if (b != 0) {
                if (!(a == LLONG_MIN && b == -1))
                    printf(" sdiv=%lld smod=%lld", (long long)(a / b), (long long)(a % b));
                printf(" udiv=%llu umod=%llu", (unsigned long long)(ua / ub),
                       (unsigned long long)(ua % ub));
            }
            printf(" lt=%d ult=%d eq=%d\n", a < b, ua < ub, a == b);
        }
    }

    uint32_t h = FNV_INIT;
    for (int i = 0; i < NV; i++) {
        for (int s = 0; s < 64; s++) {
            int sc = OPAQUE(s);
            uint64_t u = (uint64_t)OPAQUE(vals[i]);
            uint64_t shl = u << sc, shr = u >> sc;
            int64_t sar = (int64_t)u >> sc;
            uint64_t rol = sc ? (u << sc) | (u >> (64 - sc)) : u;
            h = fnv_u64(h, shl);
            h = fnv_u64(h, shr);
            h = fnv_u64(h, (uint64_t)sar);
            h = fnv_u64(h, rol);
            if (s == 1 || s == 31 || s == 32 || s == 33 || s == 63)
                printf("shift %016" PRIx64 " by %d: shl=%016" PRIx64 " shr=%016" PRIx64
                       " sar=%016" PRIx64 " rol=%016" PRIx64 "\n",
                       u, s, shl, shr, (uint64_t)sar, rol);
        }
    }
    printf("shift hash %08x\n", h);

    for (int i = 0; i < NV; i++) {
        uint64_t u = (uint64_t)OPAQUE(vals[i]);
        printf("bits %016" PRIx64 ": pop=%d bswap=%016" PRIx64, u, __builtin_popcountll(u),
               __builtin_bswap64(u));
        if (u)
            printf(" clz=%d ctz=%d", __builtin_clzll(u), __builtin_ctzll(u));
        printf(" lo=%08x hi=%08x\n", (uint32_t)u, (uint32_t)(u >> 32));
    }

    /* Widening 32x32->64 multiplies and narrowing conversions. */
    for (int i = 0; i < 16; i++) {
        uint32_t a = OPAQUE((uint32_t)(0xfffffff0u + (uint32_t)i * 0x11111111u));
        int32_t b = OPAQUE((int32_t)(0x80000000u + (uint32_t)i * 0x0f0f0f0fu));
        uint64_t um = (uint64_t)a * a;
        int64_t sm = (int64_t)b * b;
        int64_t mix = (int64_t)b * (int64_t)a;
        printf("wide %08x %d: um=%016" PRIx64 " sm=%" PRId64 " mix=%" PRId64 " sext=%" PRId64
               " zext=%" PRIu64 "\n",
               a, b, um, sm, mix, (int64_t)b, (uint64_t)a);
    }

    /* Random division stress: the libgcc helpers take different paths for
     * small and large divisors and for divisors with high bits set. */
    h = FNV_INIT;
    for (int i = 0; i < 100000; i++) {
        uint64_t a = rng64(), b = rng64();
        int shift = (int)(rng32() & 63);
        uint64_t d = (b >> shift) | 1;
        int64_t sa = (int64_t)a, sd = (int64_t)d;
        h = fnv_u64(h, a / d);
        h = fnv_u64(h, a % d);
        if (!(sa == LLONG_MIN && sd == -1)) {
            h = fnv_u64(h, (uint64_t)(sa / sd));
            h = fnv_u64(h, (uint64_t)(sa % sd));
        }
        h = fnv_u64(h, a * b);
        h = fnv_u64(h, a << (b & 63));
        h = fnv_u64(h, (uint64_t)(sa >> (b & 63)));
        h = fnv_u64(h, (uint64_t)((a < b) | ((sa < (int64_t)b) << 1)));
    }
    printf("random hash %08x\n", h);
    return 12;
}
