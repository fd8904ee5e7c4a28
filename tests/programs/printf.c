/* printf / snprintf / sscanf of integers and strings: every length modifier,
 * flags, widths, precisions, truncation.  No floating point.  Exit status 14. */
#include "common.h"
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <stdlib.h>

static const long long vals[] = {0, 1, -1, 42, -42, 127, 128, 255, 256, 32767, -32768, 65535,
                                 INT_MAX, INT_MIN, UINT_MAX, 0x123456789LL, LLONG_MAX,
                                 LLONG_MIN};
#define NV (int)(sizeof vals / sizeof vals[0])

int main(void)
{
    for (int i = 0; i < NV; i++) {
        long long v = OPAQUE(vals[i]);
        printf("[%d] [%i] [%u] [%x] [%X] [%o] [%#x] [%#o]\n", (int)v, (int)v, (unsigned)v,
               (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
        printf("[%hhd] [%hhu] [%hhx] [%hd] [%hu] [%hx]\n", (signed char)v, (unsigned char)v,
               (unsigned char)v, (short)v, (unsigned short)v, (unsigned short)v);
        printf("[%ld] [%lu] [%lx] [%lld] [%llu] [%llx] [%llo] [%#llX]\n", (long)v,
               (unsigned long)v, (unsigned long)v, v, (unsigned long long)v,
               (unsigned long long)v, (unsigned long long)v, (unsigned long long)v);
        printf("[%jd] [%zu] [%td] [%" PRId64 "] [%" PRIu32 "] [%" PRIx16 "]\n", (intmax_t)v,
               (size_t)v, (ptrdiff_t)v, (int64_t)v, (uint32_t)v, (uint16_t)v);
        printf("[%8d] [%-8d|] [%08d] [%+d] [% d] [%+08d] [%.5d] [%8.5d] [%-+8.3d|]\n", (int)v,
               (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (int)v, (int)v);
        printf("[%*d] [%-*d|] [%.*d] [%*.*x] [%.0d] [%#.0o] [%20lld] [%-20llx|]\n", 6, (int)v,
               6, (int)v, 4, (int)v, 10, 6, (unsigned)v, (int)v, (unsigned)v, v,
               (unsigned long long)v);
    }

    printf("[%c%c%c] [%5c] [%-5c|]\n", 'a', 'B', '0', 'x', 'y');
    printf("[%s] [%10s] [%-10s|] [%.3s] [%10.2s] [%%] [%p]\n", "hello", "right", "left",
           "truncate", "ab", (void *)0);

    /* snprintf return values and truncation. */
    char buf[16];
    for (size_t n = 0; n <= 12; n += 3) {
        memset(buf, '*', sizeof buf);
        int r = snprintf(buf, n, "%s-%d", "abcdef", 12345);
        buf[sizeof buf - 1] = 0;
        printf("snprintf n=%zu r=%d buf=%s\n", n, r, n ? buf : "(untouched)");
    }
    char big[200];
    int r = snprintf(big, sizeof big, "%050d|%-40x|%.30u", -7, 0xbeefu, 99u);
    printf("big r=%d %s\n", r, big);

    /* sscanf: integers in all bases and widths, %n, literals, failure counts. */
    int a, b, c, n1 = -1;
    unsigned u;
    long long ll;
    unsigned long long ull;
    short sh;
    signed char hh;
    char word[32], rest[32];
    r = sscanf("  -123 0x1F 0777 tail", "%d %i %i %n%s", &a, &b, &c, &n1, word);
    printf("sscanf1 r=%d a=%d b=%d c=%d n=%d word=%s\n", r, a, b, c, n1, word);
    r = sscanf("ffff 4294967295 -9223372036854775808 18446744073709551615", "%x %u %lld %llu",
               &a, &u, &ll, &ull);
    printf("sscanf2 r=%d %d %u %lld %llu\n", r, a, u, ll, ull);
    r = sscanf("12345678 -129 70000", "%3d%2d%d %hhd %hd", &a, &b, &c, &hh, &sh);
    printf("sscanf3 r=%d %d %d %d %d %d\n", r, a, b, c, hh, sh);
    r = sscanf("key=value;other", "%31[^=]=%31[^;];", word, rest);
    printf("sscanf4 r=%d %s %s\n", r, word, rest);
    r = sscanf("abc", "%d", &a);
    printf("sscanf5 r=%d\n", r);
    r = sscanf("", "%d", &a);
    printf("sscanf6 r=%d\n", r);
    r = sscanf("10 20 x", "%d %d %d", &a, &b, &c);
    printf("sscanf7 r=%d %d %d\n", r, a, b);
    r = sscanf("0b101 -0x10 +017", "%s %x %o", word, &a, &b);
    printf("sscanf8 r=%d %s %d %d\n", r, word, a, b);

    /* strtol family, which sscanf is built on. */
    const char *nums[] = {"0", "-0", "+42", "  -17abc", "0x7fffffff", "0xFFFFFFFF",
                          "99999999999999999999", "-99999999999999999999", "zz", "0777", "08"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        char *end;
        long long x = strtoll(nums[i], &end, 0);
        unsigned long long y = strtoull(nums[i], NULL, 16);
        long z = strtol(nums[i], NULL, 10);
        printf("strto '%s': ll=%lld end=%td ull16=%llu l=%ld\n", nums[i], x, end - nums[i], y,
               (long)(int)z);
    }

    /* Output through putchar/puts/fputs/fwrite too. */
    puts("puts line");
    fputs("fputs line\n", stdout);
    fwrite("fwrite line\n", 1, 12, stdout);
    for (const char *p = "putchar line\n"; *p; p++)
        putchar(*p);
    return 14;
}
