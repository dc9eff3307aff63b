/*
 * avx2.h - the vector vocabulary of the runtime/simd kernels (names: scalar.h) over
 * AVX2: 8 floats per vector. The compress step looks the set bits of an
 * 8-bit mask up in a table of lane indices, built on the first call.
 */

/* @kernel simd_vocab needs <immintrin.h> */
#undef TSNC_VW
#undef tsnc_vf
#undef tsnc_vzero
#undef tsnc_vload
#undef tsnc_vstore
#undef tsnc_vadd
#undef tsnc_vsub
#undef tsnc_vmask_pos
#undef tsnc_vmask_neg
#undef tsnc_compress_u16
#define TSNC_VW 8
#define tsnc_vf __m256
#define tsnc_vzero() _mm256_setzero_ps()
#define tsnc_vload(p) _mm256_loadu_ps(p)
#define tsnc_vstore(p, v) _mm256_storeu_ps((p), (v))
#define tsnc_vadd(a, b) _mm256_add_ps((a), (b))
#define tsnc_vsub(a, b) _mm256_sub_ps((a), (b))
#define tsnc_vmask_pos(p) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), _mm256_setzero_ps(), _CMP_GT_OQ)))
#define tsnc_vmask_neg(p) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), _mm256_setzero_ps(), _CMP_LT_OQ)))
#define tsnc_compress_u16(out, bits, base) tsnc_compress_u16_avx2((out), (bits), (base))

/* The lane indices of the set bits of each 8-bit mask, ascending; filled on the first call. */
static unsigned short tsnc_compress_table_avx2[256][8];
static int tsnc_compress_ready_avx2;

static long tsnc_compress_u16_avx2(unsigned short *out, unsigned bits, long base)
{
    __m128i lanes;
    if (!tsnc_compress_ready_avx2) {
        int m, i, k;
        for (m = 0; m < 256; m++)
            for (i = 0, k = 0; i < 8; i++)
                if (m >> i & 1) tsnc_compress_table_avx2[m][k++] = (unsigned short)i;
        tsnc_compress_ready_avx2 = 1;
    }
    lanes = _mm_loadu_si128((const __m128i *)tsnc_compress_table_avx2[bits]);
    _mm_storeu_si128((__m128i *)out, _mm_add_epi16(lanes, _mm_set1_epi16((short)base)));
    return _mm_popcnt_u32(bits);
}
