/* 32-bit and narrower integer arithmetic: wrap-around, shifts by every count,
 * signed/unsigned division and remainder with negative operands, narrow types,
 * bit-scan and byte-swap builtins.  Exit status 11. */
#include "common.h"
#include <limits.h>

static const int32_t vals[] = {
    0, 1, -1, 2, -2, 3, 7, -7, 100, -100, 12345, -12345,
    0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x12345678, -0x12345678,
    INT_MAX, INT_MIN, INT_MAX - 1, INT_MIN + 1,
};
#define NV (int)(sizeof vals / sizeof vals[0])

int main(void)
{
    uint32_t h = FNV_INIT;

    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j++) {
            int32_t a = OPAQUE(vals[i]), b = OPAQUE(vals[j]);
            uint32_t ua = (uint32_t)a, ub = (uint32_t)b;
            uint32_t add = ua + ub, sub = ua - ub, mul = ua * ub;
            int32_t smul = (int32_t)mul;
            printf("%d %d: add=%08x sub=%08x mul=%08x and=%08x or=%08x xor=%08x",
                   a, b, add, sub, mul, ua & ub, ua | ub, ua ^ ub);
            if (b != 0) {
                if (!(a == INT_MIN && b == -1))
                    printf(" sdiv=%d smod=%d", a / b, a % b);
                printf(" udiv=%u umod=%u", ua / ub, ua % ub);
            }
            printf(" lt=%d ult=%d le=%d ule=%d eq=%d smul=%d\n", a < b, ua < ub,
                   a <= b, ua <= ub, a == b, smul);
        }
    }

    /* Shifts by every count 0..31 (the legal range in C). */
    for (int i = 0; i < NV; i++) {
        int32_t a = vals[i];
        for (int s = 0; s < 32; s++) {
            int sc = OPAQUE(s);
            uint32_t shl = (uint32_t)a << sc;
            int32_t sar = OPAQUE(a) >> sc;
            uint32_t shr = (uint32_t)OPAQUE(a) >> sc;
            uint32_t rol = sc ? ((uint32_t)a << sc) | ((uint32_t)a >> (32 - sc)) : (uint32_t)a;
            uint32_t ror = sc ? ((uint32_t)a >> sc) | ((uint32_t)a << (32 - sc)) : (uint32_t)a;
            h = fnv_u64(h, shl);
            h = fnv_u64(h, (uint32_t)sar);
            h = fnv_u64(h, shr);
            h = fnv_u64(h, rol);
            h = fnv_u64(h, ror);
            if (s == 1 || s == 4 || s == 31)
                printf("shift %d by %d: shl=%08x sar=%08x shr=%08x rol=%08x ror=%08x\n",
                       a, s, shl, (uint32_t)sar, shr, rol, ror);
        }
    }
    printf("shift hash %08x\n", h);

    /* Narrow types: char and short wrap and promote. */
    for (int i = 0; i < NV; i++) {
        int8_t c = (int8_t)OPAQUE(vals[i]);
        uint8_t uc = (uint8_t)OPAQUE(vals[i]);
        int16_t s = (int16_t)OPAQUE(vals[i]);
        uint16_t us = (uint16_t)OPAQUE(vals[i]);
        int8_t c2 = (int8_t)(c * 3 + 1);
        uint8_t uc2 = (uint8_t)(uc * 7);
        int16_t s2 = (int16_t)(s * 5 - 3);
        uint16_t us2 = (uint16_t)(us << 3);
        printf("narrow %d: c=%d uc=%u s=%d us=%u c2=%d uc2=%u s2=%d us2=%u", vals[i], c, uc, s,
               us, c2, uc2, s2, us2);
        if (c != 0)
            printf(" cdiv=%d cmod=%d", 100 / c, -100 % c);
        if (s != 0)
            printf(" sdiv=%d", -30000 / s);
        printf("\n");
    }

    /* Bit scanning and byte swapping. */
    for (int i = 0; i < NV; i++) {
        uint32_t u = (uint32_t)OPAQUE(vals[i]);
        printf("bits %08x: pop=%d par=%d bswap=%08x bswap16=%04x", u, __builtin_popcount(u),
               __builtin_parity(u), __builtin_bswap32(u), __builtin_bswap16((uint16_t)u));
        if (u)
            printf(" clz=%d ctz=%d ffs=%d", __builtin_clz(u), __builtin_ctz(u), __builtin_ffs((int)u));
        printf("\n");
    }

    /* Overflow-checking builtins (seto/setc/imul flags). */
    for (int i = 0; i < NV; i++) {
        for (int j = 0; j < NV; j += 3) {
            int32_t r1, r2, r3;
            uint32_t u1;
            int o1 = __builtin_add_overflow(OPAQUE(vals[i]), OPAQUE(vals[j]), &r1);
            int o2 = __builtin_sub_overflow(OPAQUE(vals[i]), OPAQUE(vals[j]), &r2);
            int o3 = __builtin_mul_overflow(OPAQUE(vals[i]), OPAQUE(vals[j]), &r3);
            int o4 = __builtin_add_overflow((uint32_t)OPAQUE(vals[i]), (uint32_t)OPAQUE(vals[j]), &u1);
            printf("ovf %d %d: %d:%d %d:%d %d:%d %d:%u\n", vals[i], vals[j], o1, r1, o2, r2, o3, r3,
                   o4, u1);
        }
    }

    /* Pseudo-random stress, folded into a hash. */
    h = FNV_INIT;
    for (int i = 0; i < 200000; i++) {
        uint32_t a = rng32(), b = rng32();
        int32_t sa = (int32_t)a, sb = (int32_t)(b | 1);
        h = fnv_u64(h, a * b);
        h = fnv_u64(h, a / (b | 1));
        h = fnv_u64(h, a % (b | 1));
        if (!(sa == INT_MIN && sb == -1)) {
            h = fnv_u64(h, (uint32_t)(sa / sb));
            h = fnv_u64(h, (uint32_t)(sa % sb));
        }
        h = fnv_u64(h, a << (b & 31));
        h = fnv_u64(h, (uint32_t)(sa >> (b & 31)));
        h = fnv_u64(h, (uint32_t)(a > b) + (uint32_t)(sa > sb) * 2);
    }
    printf("random hash %08x\n", h);
    return 11;
}
