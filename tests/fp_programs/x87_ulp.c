/* Random operands for the x87 transcendental instructions. Prints one line
   per evaluation: function, operand range, operands and result as raw
   80-bit values. The fp_programs ulp test compares native and x86run
   results in units in the last place. */
#include <stdio.h>
#include <string.h>

typedef struct {
    unsigned long long m;
    unsigned short se;
} f80;

static unsigned long long s = 0x243f6a8885a308d3ull;
static unsigned long long next(void) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
}

/* A random value with exponent in [lo, hi] (unbiased), sign as given. */
static long double val(int lo, int hi, int neg) {
    f80 v;
    v.m = next() | (1ull << 63);
    v.se = (unsigned short)(16383 + lo + (int)(next() % (unsigned)(hi - lo + 1)));
    if (neg < 0 ? (int)(next() & 1) : neg)
        v.se |= 0x8000;
    long double r;
    memcpy(&r, &v, 10);
    return r;
}

static void out(const char *fn, int range, long double a, long double b, long double r) {
    f80 x, y, z;
    memcpy(&x, &a, 10);
    memcpy(&y, &b, 10);
    memcpy(&z, &r, 10);
    printf("%s %d %04x%016llx %04x%016llx %04x%016llx\n", fn, range, x.se, x.m, y.se, y.m, z.se, z.m);
}

int main(void) {
    static const int ranges[][2] = {{-70, -20}, {-20, -1}, {-1, 1}, {1, 10}, {10, 30}, {30, 62}};
    const int n = 2000;
    for (int r = 0; r < 6; r++) {
        for (int k = 0; k < n; k++) {
            long double a = val(ranges[r][0], ranges[r][1], -1), res, res2;
            __asm__("fsin" : "=t"(res) : "0"(a));
            out("fsin", r, a, 0, res);
            __asm__("fcos" : "=t"(res) : "0"(a));
            out("fcos", r, a, 0, res);
            __asm__("fptan\n\tfstp %%st(0)" : "=t"(res) : "0"(a));
            out("fptan", r, a, 0, res);
            __asm__("fsincos" : "=t"(res), "=u"(res2) : "0"(a));
            out("fsincos.c", r, a, 0, res);
            out("fsincos.s", r, a, 0, res2);
        }
    }
    for (int k = 0; k < 4 * n; k++) {
        long double a = val(-64, -1, -1), res;
        __asm__("f2xm1" : "=t"(res) : "0"(a));
        out("f2xm1", 0, a, 0, res);
    }
    for (int r = 0; r < 3; r++) {
        for (int k = 0; k < 2 * n; k++) {
            long double x = r == 0 ? val(-2, 2, 0) : r == 1 ? val(-100, 100, 0) : val(-1, 0, 0) + 0.25L;
            long double y = val(-3, 3, -1), res;
            __asm__("fyl2x" : "=t"(res) : "0"(x), "u"(y) : "st(1)");
            out("fyl2x", r, x, y, res);
            long double z = val(-60, -3, -1);
            __asm__("fyl2xp1" : "=t"(res) : "0"(z), "u"(y) : "st(1)");
            out("fyl2xp1", r, z, y, res);
            long double p = val(-20, 20, -1), q = val(-20, 20, -1);
            __asm__("fpatan" : "=t"(res) : "0"(q), "u"(p) : "st(1)");
            out("fpatan", r, p, q, res);
        }
    }
    return 0;
}
