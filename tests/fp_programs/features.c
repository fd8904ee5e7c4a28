/* What the guest's CPUID advertises, then an AVX instruction (which x86run
   must refuse with SIGILL), then a misaligned SSE access (SIGSEGV). */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    unsigned a, b, c, d;
    if (argc > 1 && strcmp(argv[1], "misaligned") == 0) {
        static char buf[64] __attribute__((aligned(16)));
        printf("movaps from buf+4\n");
        fflush(stdout);
        __asm__ volatile("movaps %0, %%xmm1" ::"m"(*(char(*)[16])(buf + 4)) : "xmm1");
        printf("misaligned executed\n");
        return 0;
    }
    __cpuid(1, a, b, c, d);
    printf("fpu=%u mmx=%u fxsr=%u sse=%u sse2=%u sse3=%u pclmul=%u ssse3=%u sse4.1=%u sse4.2=%u popcnt=%u aes=%u "
           "xsave=%u osxsave=%u avx=%u fma=%u f16c=%u\n",
           d & 1, d >> 23 & 1, d >> 24 & 1, d >> 25 & 1, d >> 26 & 1, c & 1, c >> 1 & 1, c >> 9 & 1, c >> 19 & 1,
           c >> 20 & 1, c >> 23 & 1, c >> 25 & 1, c >> 26 & 1, c >> 27 & 1, c >> 28 & 1, c >> 12 & 1, c >> 29 & 1);
    __cpuid_count(7, 0, a, b, c, d);
    printf("bmi1=%u avx2=%u bmi2=%u avx512f=%u\n", b >> 3 & 1, b >> 5 & 1, b >> 8 & 1, b >> 16 & 1);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "avx") == 0) {
        __asm__ volatile(".byte 0xc5, 0xfc, 0x57, 0xc0" ::: "xmm0"); /* vxorps ymm0, ymm0, ymm0 */
        printf("avx executed\n");
    }
    return 0;
}
