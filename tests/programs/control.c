/* Control flow and calling conventions: switch jump tables (position-
 * dependent and PIC), function pointers, varargs, structs passed and
 * returned by value, computed goto, deep recursion, variable-length arrays,
 * alloca, bit-fields, thread-local storage.  Exit status 26. */
#include "common.h"
#include <alloca.h>
#include <stdarg.h>
#include <string.h>

static __thread int tls_counter = 5;
static __thread char tls_buf[32];

__attribute__((noinline)) static int classify(int x)
{
    switch (x) {
    case 0: return 100;
    case 1: return 101;
    case 2: return 104;
    case 3: return 109;
    case 4: return 116;
    case 5: return 125;
    case 6: return 136;
    case 7: return 149;
    case 8: return 164;
    case 9: return 181;
    case 10: return 200;
    case 12: return 244;
    case 15: return 325;
    default: return -x;
    }
}

__attribute__((noinline)) static const char *name_of(unsigned x)
{
    switch (x & 15) {
    case 0: return "zero";   case 1: return "one";   case 2: return "two";
    case 3: return "three";  case 4: return "four";  case 5: return "five";
    case 6: return "six";    case 7: return "seven"; case 8: return "eight";
    case 9: return "nine";   case 10: return "ten";  case 11: return "eleven";
    case 12: return "twelve"; case 13: return "thirteen"; case 14: return "fourteen";
    default: return "fifteen";
    }
}

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int (*const ops[])(int, int) = {add, sub, mul};

static long long sum_va(int n, ...)
{
    va_list ap;
    va_start(ap, n);
    long long s = 0;
    for (int i = 0; i < n; i++) {
        if (i % 3 == 2)
            s += va_arg(ap, long long);
        else
            s += va_arg(ap, int);
    }
    va_end(ap);
    return s;
}

struct big { int a[9]; char tag; };
struct small { short x; char y; };

__attribute__((noinline)) static struct big make_big(int seed)
{
    struct big b;
    for (int i = 0; i < 9; i++)
        b.a[i] = seed * (i + 1);
    b.tag = (char)('A' + seed % 26);
    return b;
}

__attribute__((noinline)) static struct small twist(struct small s, struct big b)
{
    struct small r = {(short)(s.x + b.a[8]), (char)(s.y ^ b.tag)};
    return r;
}

static unsigned ackermann(unsigned m, unsigned n)
{
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}

__attribute__((noinline)) static int vla_sum(int n)
{
    int v[n];
    for (int i = 0; i < n; i++)
        v[i] = i * i;
    int *extra = alloca((size_t)n * sizeof(int));
    memcpy(extra, v, (size_t)n * sizeof(int));
    int s = 0;
    for (int i = 0; i < n; i++)
        s += extra[i] - v[i] / 2;
    return s;
}

struct flags {
    unsigned a : 3;
    signed b : 5;
    unsigned c : 12;
    unsigned d : 1;
    unsigned long long e : 40;
};

static int interp(const unsigned char *code)
{
    static void *labels[] = {&&op_halt, &&op_inc, &&op_dbl, &&op_neg, &&op_jnz};
    int acc = 0, pc = 0, counter = 3;
#define NEXT goto *labels[code[pc++]]
    NEXT;
op_inc: acc++; NEXT;
op_dbl: acc *= 2; NEXT;
op_neg: acc = -acc; NEXT;
op_jnz: if (--counter) pc = code[pc]; else pc++; NEXT;
op_halt:
    return acc;
#undef NEXT
}

int main(void)
{
    for (int i = -2; i < 18; i++)
        printf("classify(%d)=%d %s\n", i, classify(OPAQUE(i)), name_of((unsigned)OPAQUE(i)));

    for (int i = 0; i < 9; i++)
        printf("op%d(%d,%d)=%d\n", i % 3, i, 7 - i, ops[OPAQUE(i) % 3](i, 7 - i));

    printf("varargs: %lld\n", sum_va(7, 1, 2, 3000000000000LL, 4, 5, -6000000000000LL, 7));
    printf("varargs none: %lld\n", sum_va(0));

    struct big b = make_big(OPAQUE(3));
    struct small s = {1000, 0x55};
    struct small t = twist(s, b);
    printf("structs: a0=%d a8=%d tag=%c x=%d y=%d\n", b.a[0], b.a[8], b.tag, t.x, t.y);

    printf("ackermann(2,3)=%u ackermann(3,5)=%u\n", ackermann(2, 3), ackermann(3, OPAQUE(5u)));
    printf("vla_sum(100)=%d vla_sum(1000)=%d\n", vla_sum(OPAQUE(100)), vla_sum(OPAQUE(1000)));

    struct flags f;
    memset(&f, 0, sizeof f);
    f.a = OPAQUE(13u);
    f.b = OPAQUE(-9);
    f.c = OPAQUE(4097u);
    f.d = OPAQUE(1u);
    f.e = OPAQUE(0xabcdef12345ull);
    printf("bitfields: a=%u b=%d c=%u d=%u e=%llx size=%zu\n", f.a, f.b, f.c, f.d,
           (unsigned long long)f.e, sizeof f);

    static const unsigned char prog[] = {1, 2, 1, 4, 0, 3, 0};
    printf("computed goto: %d\n", interp(prog));

    tls_counter += 10;
    strcpy(tls_buf, "thread-local");
    printf("tls: %d %s\n", tls_counter, tls_buf);
    return 26;
}
