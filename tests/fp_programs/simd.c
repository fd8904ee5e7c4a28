/* SSE2/SSSE3/SSE4.1/SSE4.2/AES/PCLMUL intrinsics (built with -msse4.2
   -maes -mpclmul). */
#include <immintrin.h>
#include <stdio.h>
#include <string.h>

static void show(const char *name, __m128i v) {
    unsigned char b[16];
    memcpy(b, &v, 16);
    printf("%s:", name);
    for (int k = 15; k >= 0; k--)
        printf("%02x", b[k]);
    printf("\n");
}

int main(void) {
    const char *hay = "The quick brown fox jumps over the lazy dog";
    __m128i set = _mm_loadu_si128((const __m128i *)"aeiou\0\0\0\0\0\0\0\0\0\0\0");
    for (int k = 0; k + 16 <= (int)strlen(hay); k++) {
        __m128i s = _mm_loadu_si128((const __m128i *)(hay + k));
        printf("%d istri=%d %d %d\n", k, _mm_cmpistri(set, s, _SIDD_CMP_EQUAL_ANY),
               _mm_cmpistri(set, s, _SIDD_CMP_EQUAL_ORDERED), _mm_cmpistrz(set, s, _SIDD_CMP_EQUAL_EACH));
        show("  istrm", _mm_cmpistrm(set, s, _SIDD_CMP_RANGES | _SIDD_UNIT_MASK));
    }
    unsigned crc = 0;
    for (const char *p = hay; *p; p++)
        crc = _mm_crc32_u8(crc, (unsigned char)*p);
    printf("crc32c %08x\n", crc);
    __m128 a = _mm_set_ps(1.5f, -2.25f, 3.0f, 0.1f), b = _mm_set_ps(0.5f, 4.0f, -1.0f, 10.0f);
    __m128 d = _mm_dp_ps(a, b, 0xff);
    __m128 r = _mm_round_ps(_mm_mul_ps(a, b), _MM_FROUND_TO_NEG_INF);
    float out[4];
    _mm_storeu_ps(out, d);
    printf("dpps %a\n", out[0]);
    _mm_storeu_ps(out, r);
    printf("round %a %a %a %a\n", out[0], out[1], out[2], out[3]);
    __m128i x = _mm_set_epi32(0x01020304, 0x05060708, 0x090a0b0c, 0x0d0e0f10);
    __m128i y = _mm_set_epi32(-1, 7, 0x7fffffff, -0x80000000);
    show("shufb", _mm_shuffle_epi8(x, y));
    show("minepi32", _mm_min_epi32(x, y));
    show("mullo", _mm_mullo_epi32(x, y));
    show("aesenc", _mm_aesenc_si128(x, y));
    show("aesdec", _mm_aesdeclast_si128(x, y));
    show("clmul", _mm_clmulepi64_si128(x, y, 0x11));
    show("sad", _mm_sad_epu8(x, y));
    show("madd", _mm_maddubs_epi16(x, y));
    show("cvt", _mm_cvtps_epi32(_mm_set_ps(2.5f, -2.5f, 1e10f, 0.5f)));
    __m128d p = _mm_set_pd(1.0 / 3.0, -0.0);
    __m128d q = _mm_sqrt_pd(_mm_hadd_pd(p, _mm_set_pd(2.0, 7.0)));
    double dd[2];
    _mm_storeu_pd(dd, q);
    printf("sqrt %a %a\n", dd[0], dd[1]);
    return 0;
}
