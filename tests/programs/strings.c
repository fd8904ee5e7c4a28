/* String and memory functions on many alignments and lengths.  glibc picks
 * SSE2/AVX2/ERMS variants through IFUNCs from CPUID, so this also checks the
 * emulated CPUID and vector instructions.  Exit status 13. */
#include "common.h"
#include <string.h>
#include <stdlib.h>

#define BUF 512
static char src[BUF + 64], dst[BUF + 64], ref[BUF + 64];

static void fill(char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (char)('a' + (i * 7 + seed) % 26);
}

/* Byte-by-byte reference implementations. */
static void ref_move(char *d, const char *s, size_t n)
{
    char tmp[BUF + 64];
    for (size_t i = 0; i < n; i++) tmp[i] = s[i];
    for (size_t i = 0; i < n; i++) d[i] = tmp[i];
}

static const size_t lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33,
                              63, 64, 65, 100, 127, 128, 129, 255, 256, 300, 400};
#define NL (int)(sizeof lens / sizeof lens[0])

int main(void)
{
    int bad = 0;
    uint32_t h = FNV_INIT;

    /* memcpy / memmove / memset against the byte-wise reference. */
    for (int sa = 0; sa < 16; sa++) {
        for (int da = 0; da < 16; da += 3) {
            for (int li = 0; li < NL; li++) {
                size_t n = OPAQUE(lens[li]);
                fill(src, sizeof src, (unsigned)(sa + li));
                memset(dst, '#', sizeof dst);
                memcpy(dst + da, src + sa, n);
                memset(ref, '#', sizeof ref);
                ref_move(ref + da, src + sa, n);
                if (memcmp(dst, ref, sizeof dst) != 0) {
                    printf("memcpy mismatch sa=%d da=%d n=%zu\n", sa, da, n);
                    bad++;
                }
                memset(dst + da, sa, n);
                for (size_t i = 0; i < n; i++)
                    if (dst[da + i] != (char)sa) { bad++; printf("memset bad %d %zu\n", da, n); break; }
                if (dst[da + n] != ref[da + n] || (da > 0 && dst[da - 1] != '#')) {
                    bad++;
                    printf("memset overrun da=%d n=%zu\n", da, n);
                }
                h = fnv1a(h, dst, sizeof dst);
            }
        }
    }
    /* Overlapping memmove in both directions. */
    for (int off = -40; off <= 40; off += 1) {
        for (int li = 0; li < NL; li++) {
            size_t n = lens[li];
            if (n > 300) continue;
            fill(dst, sizeof dst, (unsigned)li);
            memcpy(ref, dst, sizeof dst);
            memmove(dst + 60 + off, dst + 60, n);
            ref_move(ref + 60 + off, ref + 60, n);
            if (memcmp(dst, ref, sizeof dst) != 0) {
                printf("memmove mismatch off=%d n=%zu\n", off, n);
                bad++;
            }
        }
    }
    printf("mem hash %08x bad %d\n", h, bad);

    /* strlen / strchr / strrchr / memchr at every alignment. */
    for (int a = 0; a < 16; a++) {
        for (int li = 0; li < NL; li++) {
            size_t n = lens[li];
            if (n > BUF - 20) continue;
            fill(src, sizeof src, 3);
            src[a + n] = 0;
            char *s = OPAQUE(src + a);
            size_t l = strlen(s);
            char *c1 = strchr(s, 'q'), *c2 = strrchr(s, 'q'), *c3 = strchr(s, 0);
            char *c4 = memchr(s, 'z', n), *c5 = strchr(s, '!');
            if (l != n) { bad++; printf("strlen a=%d n=%zu got %zu\n", a, n, l); }
            if (c3 != s + n) { bad++; printf("strchr nul a=%d n=%zu\n", a, n); }
            if (c5) { bad++; printf("strchr found missing char\n"); }
            if (a == 0 || a == 5 || a == 15)
                printf("a=%d n=%zu strchr=%td strrchr=%td memchr=%td strnlen=%zu\n", a, n,
                       c1 ? c1 - s : -1, c2 ? c2 - s : -1, c4 ? c4 - s : -1, strnlen(s, 50));
        }
    }

    /* strcmp / strncmp / memcmp: equal, differ at each position, and sign. */
    for (int a = 0; a < 8; a++) {
        for (int li = 0; li < NL; li++) {
            size_t n = lens[li];
            if (n > 200) continue;
            char *x = src + a, *y = dst + (7 - a);
            fill(x, n, 1); x[n] = 0;
            fill(y, n, 1); y[n] = 0;
            int eq = strcmp(x, y);
            int res[4] = {eq, 0, 0, 0};
            if (n > 0) {
                size_t p = n / 2;
                y[p] = (char)(x[p] + 1);
                res[1] = strcmp(x, y) < 0 ? -1 : strcmp(x, y) > 0 ? 1 : 0;
                res[2] = strncmp(x, y, p) == 0 && strncmp(x, y, p + 1) < 0;
                y[p] = (char)0x80; /* bytes compare as unsigned char */
                res[3] = memcmp(x, y, n) < 0 ? -1 : memcmp(x, y, n) > 0 ? 1 : 0;
            }
            printf("cmp a=%d n=%zu: %d %d %d %d\n", a, n, res[0], res[1], res[2], res[3]);
        }
    }

    /* strstr, strcpy, strcat, strncpy, strdup, strspn, strcspn, strtok. */
    static const char *hay = "the quick brown fox jumps over the lazy dog; the end";
    static const char *needles[] = {"the", "fox", "dog;", "end", "", "cat", "lazy dog", "e e",
                                    "the end", "x"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        const char *p = strstr(OPAQUE(hay), needles[i]);
        printf("strstr '%s' -> %td\n", needles[i], p ? p - hay : -1);
    }
    char buf[128];
    strcpy(buf, "alpha");
    strcat(buf, "-beta");
    strncat(buf, OPAQUE((const char *)"-gammadelta"), 6);
    printf("cat: %s (%zu)\n", buf, strlen(buf));
    memset(buf, 'X', sizeof buf);
    strncpy(buf, "abc", 8);
    printf("strncpy pad: %d %d %d %c\n", buf[3], buf[7], buf[8] == 'X', buf[2]);
    char *d = strdup(hay);
    printf("strdup equal: %d\n", strcmp(d, hay) == 0);
    printf("strspn=%zu strcspn=%zu\n", strspn(hay, "the "), strcspn(hay, ";"));
    int ntok = 0;
    for (char *t = strtok(d, " ;"); t; t = strtok(NULL, " ;")) {
        printf("%s%s", ntok ? "," : "tokens: ", t);
        ntok++;
    }
    printf(" (%d)\n", ntok);
    free(d);

    printf("bad %d\n", bad);
    return bad ? 1 : 13;
}
