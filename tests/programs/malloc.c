/* Heavy malloc use: linked lists, realloc growth and shrink, many small
 * blocks, calloc, large (mmap-backed) blocks, free in varied orders.  This
 * drives brk, mmap, munmap and mremap.  Exit status 17. */
#include "common.h"
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    uint32_t value;
    char payload[];
};

int main(void)
{
    /* Linked list of variable-sized nodes. */
    struct node *head = NULL;
    for (uint32_t i = 0; i < 20000; i++) {
        size_t extra = rng32() % 100;
        struct node *n = malloc(sizeof *n + extra);
        if (!n) { puts("malloc failed"); return 1; }
        n->value = i * 2654435761u;
        memset(n->payload, (int)(i & 0xff), extra);
        n->next = head;
        head = n;
    }
    uint32_t h = FNV_INIT;
    int count = 0;
    for (struct node *n = head; n; n = n->next) {
        h = fnv_u64(h, n->value);
        count++;
    }
    printf("list count=%d hash=%08x\n", count, h);
    /* Free every other node, then the rest. */
    struct node **pp = &head;
    int freed = 0;
    while (*pp) {
        struct node *n = *pp;
        if (n->value & 1) {
            *pp = n->next;
            free(n);
            freed++;
        } else {
            pp = &n->next;
        }
    }
    count = 0;
    while (head) {
        struct node *n = head;
        head = n->next;
        free(n);
        count++;
    }
    printf("freed odd=%d rest=%d\n", freed, count);

    /* realloc growth keeps contents. */
    size_t cap = 1;
    unsigned char *buf = malloc(cap);
    buf[0] = 0;
    int ok = 1;
    for (size_t len = 0; len < 3000000; len += 1 + len / 3) {
        if (len >= cap) {
            size_t old = cap;
            while (cap <= len)
                cap *= 2;
            buf = realloc(buf, cap);
            if (!buf) { puts("realloc failed"); return 1; }
            for (size_t i = 0; i < old; i++)
                if (buf[i] != (unsigned char)(i * 31)) { ok = 0; break; }
            for (size_t i = old; i < cap; i++)
                buf[i] = (unsigned char)(i * 31);
        }
    }
    printf("realloc grow cap=%zu ok=%d\n", cap, ok);
    buf = realloc(buf, 100);
    for (size_t i = 0; i < 100; i++)
        if (buf[i] != (unsigned char)(i * 31)) ok = 0;
    printf("realloc shrink ok=%d\n", ok);
    free(buf);

    /* Many small blocks with random frees: a simple allocator torture. */
    enum { SLOTS = 4096 };
    static unsigned char *slot[SLOTS];
    static size_t slen[SLOTS];
    int aligned = 1, intact = 1;
    for (int round = 0; round < 200000; round++) {
        int i = (int)(rng32() % SLOTS);
        if (slot[i]) {
            for (size_t k = 0; k < slen[i]; k++)
                if (slot[i][k] != (unsigned char)(i + k)) { intact = 0; break; }
            free(slot[i]);
            slot[i] = NULL;
        } else {
            slen[i] = rng32() % 300;
            slot[i] = malloc(slen[i]);
            if (((uintptr_t)slot[i] & (2 * sizeof(size_t) - 1)) != 0)
                aligned = 0;
            for (size_t k = 0; k < slen[i]; k++)
                slot[i][k] = (unsigned char)(i + k);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        free(slot[i]);
    printf("small blocks intact=%d aligned=%d\n", intact, aligned);

    /* calloc zeroes, including reused memory. */
    for (int i = 0; i < 50; i++) {
        unsigned char *p = malloc(1000);
        memset(p, 0xaa, 1000);
        free(p);
        p = calloc(250, 4);
        for (int k = 0; k < 1000; k++)
            if (p[k]) ok = 0;
        free(p);
    }
    printf("calloc zero ok=%d\n", ok);

    /* Large blocks go to mmap; touch every page. */
    for (int i = 1; i <= 8; i++) {
        size_t sz = (size_t)i * 1024 * 1024 + 123;
        unsigned char *p = malloc(sz);
        if (!p) { puts("big malloc failed"); return 1; }
        for (size_t k = 0; k < sz; k += 4096)
            p[k] = (unsigned char)(k >> 12);
        p[sz - 1] = 7;
        uint32_t s = 0;
        for (size_t k = 0; k < sz; k += 4096)
            s += p[k];
        printf("big %zu sum=%u last=%d\n", sz, s, p[sz - 1]);
        free(p);
    }

    /* aligned_alloc / posix_memalign. */
    void *al = aligned_alloc(4096, 8192);
    void *pm = NULL;
    int rc = posix_memalign(&pm, 256, 1000);
    printf("aligned_alloc ok=%d posix_memalign rc=%d ok=%d\n",
           al && ((uintptr_t)al & 4095) == 0, rc, pm && ((uintptr_t)pm & 255) == 0);
    free(al);
    free(pm);
    return 17;
}
