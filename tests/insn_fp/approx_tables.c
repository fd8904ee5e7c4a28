/* Dumps the reference CPU's RCPSS/RSQRTSS approximations as the table
   crates/cpu/src/fp/approx_tables.bin (3 x 4096 little-endian u16).
   Both depend only on the top 12 fraction bits (and, for RSQRTSS, the
   exponent's parity), which this program checks first.
       gcc -O2 -msse tests/insn_fp/approx_tables.c -o /tmp/t && /tmp/t > crates/cpu/src/fp/approx_tables.bin
   Entry: bit 12 = result exponent is the larger of the two possible ones
   (127 for inputs in [1, 4)), bits 0-11 = the result's top 12 fraction bits. */
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

static unsigned rcp(unsigned b) {
    float f, r;
    memcpy(&f, &b, 4);
    r = _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(f)));
    memcpy(&b, &r, 4);
    return b;
}

static unsigned rsq(unsigned b) {
    float f, r;
    memcpy(&f, &b, 4);
    r = _mm_cvtss_f32(_mm_rsqrt_ss(_mm_set_ss(f)));
    memcpy(&b, &r, 4);
    return b;
}

static int put(unsigned out, unsigned hi_exp) {
    unsigned e = out >> 23 & 0xff;
    if ((out & 0x7ff) != 0 || (e != hi_exp && e != hi_exp - 1)) {
        fprintf(stderr, "unexpected result %08x\n", out);
        return 1;
    }
    unsigned v = (e == hi_exp) << 12 | (out >> 11 & 0xfff);
    putchar(v & 0xff);
    putchar(v >> 8);
    return 0;
}

int main(void) {
    for (unsigned m = 0; m < (1u << 23); m += 7)
        if (rcp(0x3f800000 | m) != rcp(0x3f800000 | (m & ~0x7ffu)) ||
            rsq(0x3f800000 | m) != rsq(0x3f800000 | (m & ~0x7ffu))) {
            fprintf(stderr, "results depend on more than 12 fraction bits\n");
            return 1;
        }
    int bad = 0;
    for (unsigned j = 0; j < 4096; j++)
        bad |= put(rcp(0x3f800000 | j << 11), 127);
    for (unsigned j = 0; j < 4096; j++)
        bad |= put(rsq(0x3f800000 | j << 11), 127);
    for (unsigned j = 0; j < 4096; j++)
        bad |= put(rsq(0x40000000 | j << 11), 127);
    return bad;
}
