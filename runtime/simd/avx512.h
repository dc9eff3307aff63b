/*
 * avx512.h - the vector vocabulary of the runtime/simd kernels (names: scalar.h) over
 * AVX-512F: 16 floats (or 8 doubles) per vector; masks are the compare's mask register and
 * the compress step is vpcompressd (AVX-512F), narrowed to 16 bits.
 */

/* @kernel simd_vocab needs <immintrin.h> */
#define TSNC_VW 16
#define tsnc_vf __m512
#define tsnc_vzero() _mm512_setzero_ps()
#define tsnc_vload(p) _mm512_loadu_ps(p)
#define tsnc_vstore(p, v) _mm512_storeu_ps((p), (v))
#define tsnc_vadd(a, b) _mm512_add_ps((a), (b))
#define tsnc_vsub(a, b) _mm512_sub_ps((a), (b))
#define tsnc_vmask_pos(p) ((unsigned)_mm512_cmp_ps_mask(_mm512_loadu_ps(p), _mm512_setzero_ps(), _CMP_GT_OQ))
#define tsnc_vmask_neg(p) ((unsigned)_mm512_cmp_ps_mask(_mm512_loadu_ps(p), _mm512_setzero_ps(), _CMP_LT_OQ))
#define tsnc_compress_u16(out, bits, base) tsnc_compress_u16_avx512((out), (bits), (base))
#define tsnc_prefetch_l2(p) ((void)(p)) /* slower with 512-byte rows (docs/performance.md) */
#define TSNC_VDW 8
#define tsnc_vd __m512d
#define tsnc_vd_zero() _mm512_setzero_pd()
#define tsnc_vd_load(p) _mm512_loadu_pd(p)
#define tsnc_vd_set1(x) _mm512_set1_pd(x)
#define tsnc_vd_add(a, b) _mm512_add_pd((a), (b))
#define tsnc_vd_fmadd(a, b, c) _mm512_fmadd_pd((a), (b), (c))
#define tsnc_vd_store_f32(p, v) _mm256_storeu_ps((p), _mm512_cvtpd_ps(v))

/* @kernel simd_masks uses simd_vocab */
/* The functions behind tsnc_vmask_pos/neg and tsnc_compress_u16, apart from the names so
 * that a kernel that needs none of them does not bring unused functions. */
static long tsnc_compress_u16_avx512(unsigned short *out, unsigned bits, long base)
{
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i idx = _mm512_maskz_compress_epi32((__mmask16)bits, _mm512_add_epi32(lanes, _mm512_set1_epi32((int)base)));
    _mm256_storeu_si256((__m256i *)out, _mm512_cvtepi32_epi16(idx));
    return _mm_popcnt_u32(bits);
}
