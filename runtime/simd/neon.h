/*
 * neon.h - the vector vocabulary of the runtime/simd kernels (names: scalar.h) over
 * AArch64 NEON: 4 floats (or 2 doubles) per vector. Masks are built from the compare's
 * lanes; the compress step writes the set lanes one by one.
 */

/* @kernel simd_vocab needs <arm_neon.h> */
#define TSNC_VW 4
#define tsnc_vf float32x4_t
#define tsnc_vzero() vdupq_n_f32(0.0f)
#define tsnc_vload(p) vld1q_f32(p)
#define tsnc_vstore(p, v) vst1q_f32((p), (v))
#define tsnc_vadd(a, b) vaddq_f32((a), (b))
#define tsnc_vsub(a, b) vsubq_f32((a), (b))
#define tsnc_vmask_pos(p) tsnc_mask_neon(vcgtq_f32(vld1q_f32(p), vdupq_n_f32(0.0f)))
#define tsnc_vmask_neg(p) tsnc_mask_neon(vcltq_f32(vld1q_f32(p), vdupq_n_f32(0.0f)))
#define tsnc_compress_u16(out, bits, base) tsnc_compress_u16_neon((out), (bits), (base))
#define tsnc_prefetch_l2(p) ((void)(p)) /* not measured on an ARM core yet */
#define TSNC_VDW 2
#define tsnc_vd float64x2_t
#define tsnc_vd_zero() vdupq_n_f64(0.0)
#define tsnc_vd_load(p) vld1q_f64(p)
#define tsnc_vd_set1(x) vdupq_n_f64(x)
#define tsnc_vd_add(a, b) vaddq_f64((a), (b))
#define tsnc_vd_fmadd(a, b, c) vfmaq_f64((c), (a), (b))
#define tsnc_vd_store_f32(p, v) vst1_f32((p), vcvt_f32_f64(v))

/* @kernel simd_masks uses simd_vocab */
/* The functions behind tsnc_vmask_pos/neg and tsnc_compress_u16, apart from the names so
 * that a kernel that needs none of them does not bring unused functions. */
static unsigned tsnc_mask_neon(uint32x4_t m)
{
    const uint32x4_t weights = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(m, weights));
}

static long tsnc_compress_u16_neon(unsigned short *out, unsigned bits, long base)
{
    long k = 0;
    int i;
    for (i = 0; i < 4; i++)
        if (bits >> i & 1) out[k++] = (unsigned short)(base + i);
    return k;
}
