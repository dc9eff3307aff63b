/*
 * scalar.h - the vector vocabulary of the runtime/simd kernels for portable C99:
 * a "vector" is one float (or one double). runtime/simd/avx2.h, avx512.h and
 * neon.h define the same names over their intrinsics, so that a kernel
 * written once over them (runtime/simd/spike_gather.c, conv.c) gives the same
 * results on every target: each lane sees the same additions in the same order.
 *
 * Every name is a macro; generated code holds one vocabulary, and the test that
 * includes two in one file clears these names between them
 * (test/targets/check_kernels.sh).
 *
 *   tsnc_vf            vector of TSNC_VW floats
 *   tsnc_vzero()       all lanes 0
 *   tsnc_vload(p)      TSNC_VW floats from p (no alignment needed)
 *   tsnc_vstore(p, v)  TSNC_VW floats to p
 *   tsnc_vadd(a, b), tsnc_vsub(a, b)
 *   tsnc_vmask_pos(p), tsnc_vmask_neg(p)
 *                      bit i set where p[i] > 0 (< 0), for TSNC_VW floats at p
 *   tsnc_compress_u16(out, bits, base)
 *                      writes base + i for every set bit i of bits, ascending, to
 *                      out (may write up to TSNC_VW entries: out needs that room);
 *                      returns how many were set
 *   tsnc_prefetch_l2(p)
 *                      a hint to bring the cache line of p into the L2 cache (nothing in
 *                      portable C)
 *
 * and for doubles (the dense first convolution, runtime/simd/conv.c):
 *
 *   tsnc_vd            vector of TSNC_VDW doubles
 *   tsnc_vd_zero()     all lanes +0
 *   tsnc_vd_load(p)    TSNC_VDW doubles from p (no alignment needed)
 *   tsnc_vd_set1(x)    all lanes the double x
 *   tsnc_vd_add(a, b)
 *   tsnc_vd_fmadd(a, b, c)
 *                      a * b + c; the targets round once, the scalar C may round the
 *                      product first: the same where the product is exact, as for the
 *                      products of two floats the kernel forms
 *   tsnc_vd_store_f32(p, v)
 *                      the lanes rounded to float (to nearest), TSNC_VDW floats to p
 */

/* @kernel simd_vocab */
#define TSNC_VW 1
#define tsnc_vf float
#define tsnc_vzero() 0.0f
#define tsnc_vload(p) (*(p))
#define tsnc_vstore(p, v) (*(p) = (v))
#define tsnc_vadd(a, b) ((a) + (b))
#define tsnc_vsub(a, b) ((a) - (b))
#define tsnc_vmask_pos(p) ((unsigned)(*(p) > 0.0f))
#define tsnc_vmask_neg(p) ((unsigned)(*(p) < 0.0f))
#define tsnc_compress_u16(out, bits, base) ((out)[0] = (unsigned short)(base), (long)(bits))
#define tsnc_prefetch_l2(p) ((void)(p))
#define TSNC_VDW 1
#define tsnc_vd double
#define tsnc_vd_zero() 0.0
#define tsnc_vd_load(p) (*(p))
#define tsnc_vd_set1(x) ((double)(x))
#define tsnc_vd_add(a, b) ((a) + (b))
#define tsnc_vd_fmadd(a, b, c) ((a) * (b) + (c))
#define tsnc_vd_store_f32(p, v) (*(p) = (float)(v))

/* @kernel simd_masks uses simd_vocab */
/* (the targets' functions behind the mask and compress names; here they are macros) */
