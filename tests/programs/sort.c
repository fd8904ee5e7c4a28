/* qsort and bsearch on ints, strings and structs, including already sorted,
 * reversed and duplicate-heavy inputs.  Exit status 15. */
#include "common.h"
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct rec {
    unsigned key;
    unsigned short tag;
    char name[11];
};

static int cmp_rec(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int sorted(const int *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (v[i - 1] > v[i])
            return 0;
    return 1;
}

int main(void)
{
    enum { N = 5000 };
    static int v[N];
    uint32_t h;

    /* Random, sorted, reversed and few-distinct-values inputs. */
    for (int kind = 0; kind < 4; kind++) {
        for (int i = 0; i < N; i++) {
            switch (kind) {
            case 0: v[i] = (int)rng32(); break;
            case 1: v[i] = i * 3; break;
            case 2: v[i] = N - i; break;
            default: v[i] = (int)(rng32() % 7) - 3; break;
            }
        }
        qsort(v, N, sizeof v[0], cmp_int);
        h = fnv1a(FNV_INIT, v, sizeof v);
        printf("kind %d sorted=%d hash=%08x first=%d last=%d\n", kind, sorted(v, N), h, v[0],
               v[N - 1]);
    }

    /* bsearch every element of a sorted array, and some absent keys. */
    int sv[1000];
    for (int i = 0; i < 1000; i++)
        sv[i] = i * 2 + 1;
    int found = 0, absent_ok = 1;
    for (int k = -5; k < 2010; k++) {
        int *p = bsearch(&k, sv, 1000, sizeof sv[0], cmp_int);
        if (k > 0 && (k & 1) && k < 2000) {
            if (p && *p == k && p - sv == (k - 1) / 2)
                found++;
        } else if (p) {
            absent_ok = 0;
        }
    }
    printf("bsearch found=%d absent_ok=%d\n", found, absent_ok);
    printf("bsearch empty: %d\n", bsearch(&found, sv, 0, sizeof sv[0], cmp_int) == NULL);

    /* Strings. */
    const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "apple", "date",
                           "elderberry", "grape", "kiwi", "lemon", "", "Zebra", "mango"};
    size_t nw = sizeof words / sizeof words[0];
    qsort(words, nw, sizeof words[0], cmp_str);
    for (size_t i = 0; i < nw; i++)
        printf("%s'%s'", i ? " " : "words: ", words[i]);
    printf("\n");
    const char *key = "grape";
    const char **w = bsearch(&key, words, nw, sizeof words[0], cmp_str);
    printf("bsearch grape at %td\n", w ? w - words : -1);

    /* Odd-sized structs exercise the generic swap path. */
    static struct rec recs[777];
    for (int i = 0; i < 777; i++) {
        recs[i].key = rng32() % 50;
        recs[i].tag = (unsigned short)i;
        snprintf(recs[i].name, sizeof recs[i].name, "n%08x", rng32());
    }
    qsort(recs, 777, sizeof recs[0], cmp_rec);
    int ok = 1;
    for (int i = 1; i < 777; i++)
        if (cmp_rec(&recs[i - 1], &recs[i]) > 0)
            ok = 0;
    h = FNV_INIT;
    for (int i = 0; i < 777; i++)
        h = fnv1a(h, recs[i].name, strlen(recs[i].name));
    printf("structs sorted=%d hash=%08x first=%u:%s last=%u:%s\n", ok, h, recs[0].key,
           recs[0].name, recs[776].key, recs[776].name);
    return 15;
}
