/* libm and floating-point formatting: the same output natively and under
   x86run, built with x87 math (-m32), SSE math (-m32 -msse2 -mfpmath=sse)
   and the x86-64 default. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 0x9e3779b97f4a7c15ull;
static unsigned long long next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static double rnd(double lo, double hi) {
    return lo + (hi - lo) * (double)(next() >> 11) / 9007199254740992.0;
}

int main(void) {
    static const double special[] = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 10.0, 1e-310, -1e-300,
                                     1e300, 3.141592653589793, 0.7853981633974483, 1e22, 710.0, -745.0};
    volatile double x, y;
    for (unsigned k = 0; k < sizeof special / sizeof special[0]; k++) {
        x = special[k];
        printf("%a: sin=%a cos=%a tan=%a exp=%a log=%a sqrt=%a atan=%a cbrt=%a\n", x, sin(x), cos(x), tan(x), exp(x),
               log(x), sqrt(x), atan(x), cbrt(x));
        printf("  expm1=%a log1p=%a sinh=%a tanh=%a asin=%a lgamma=%a erf=%a\n", expm1(x), log1p(x), sinh(x),
               tanh(x), asin(x), lgamma(x), erf(x));
    }
    for (int k = 0; k < 300; k++) {
        x = rnd(-50, 50);
        y = rnd(-5, 5);
        printf("%d %.17g %.17g: pow=%.17g fmod=%.17g atan2=%.17g hypot=%.17g remainder=%.17g exp2=%a log2=%a "
               "log10=%a rint=%g floor=%g lround=%ld\n",
               k, x, y, pow(fabs(x), y), fmod(x, y), atan2(y, x), hypot(x, y), remainder(x, y), exp2(y),
               log2(fabs(x)), log10(fabs(x)), rint(x * 3.3), floor(x), lround(x * 7.1));
        float f = (float)x, g = (float)y;
        printf("  f: %a %a %a %a %.9g\n", sinf(f), expf(g), powf(fabsf(f), g), sqrtf(fabsf(f)), f / g);
    }
    /* long double. expl/logl/powl go through F2XM1 and FYL2X, which the
       reference CPU does not round correctly (up to ~0.51 ulp; x86run
       rounds correctly, see the ulp test): those print 15 digits. */
    long double lx = 1.0L;
    for (int k = 0; k < 60; k++) {
        lx = lx * 1.37L + (long double)k / 7.0L;
        printf("ld %d %.21Lg %La sinl=%La cosl=%La expl=%.15Lg logl=%.15Lg powl=%.15Lg sqrtl=%La\n", k, lx, lx,
               sinl(lx), cosl(lx), expl(lx / 100.0L), logl(lx), powl(lx, 0.31L), sqrtl(lx));
    }
    /* printf / strtod round trips */
    char buf[64];
    for (int k = 0; k < 400; k++) {
        unsigned long long bits = next();
        double d;
        memcpy(&d, &bits, 8);
        if (isnan(d))
            continue;
        snprintf(buf, sizeof buf, "%.17g", d);
        double back = strtod(buf, NULL);
        printf("rt %s %s %.25e\n", buf, back == d ? "ok" : "BAD", d);
        long double ld = strtold(buf, NULL);
        printf("   ld %.25Lg\n", ld);
    }
    /* rounding modes */
    static const int modes[] = {FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO};
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        x = 1.0;
        y = 3.0;
        volatile float f1 = 1.0f, f3 = 3.0f;
        volatile long double l1 = 1.0L, l3 = 3.0L;
        printf("mode %d: %a %a %La %a %ld\n", m, x / y, f1 / f3, l1 / l3, sqrt(2.0), lrint(2.5));
    }
    fesetround(FE_TONEAREST);
    /* exception flags */
    feclearexcept(FE_ALL_EXCEPT);
    x = 0.0;
    y = 1.0 / x;
    printf("div0 %a flags %x\n", y, fetestexcept(FE_ALL_EXCEPT));
    feclearexcept(FE_ALL_EXCEPT);
    y = sqrt(-1.0 + x);
    printf("inv %a flags %x\n", y, fetestexcept(FE_ALL_EXCEPT) & FE_INVALID);
    feclearexcept(FE_ALL_EXCEPT);
    y = 1e308;
    y = y * 10.0;
    printf("ovf %a flags %x\n", y, fetestexcept(FE_ALL_EXCEPT));
    printf("DBL_EPSILON %a LDBL_EPSILON %La\n", DBL_EPSILON, LDBL_EPSILON);
    return 0;
}
