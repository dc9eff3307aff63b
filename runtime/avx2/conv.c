/*
 * conv.c - AVX2+FMA variant of runtime/generic/conv.c's conv2d_f32 (same
 * signature, the same results bit for bit).
 *
 * needs: <immintrin.h>, compiled with -mavx2 -mfma
 *
 * The kernel is written once over the vector vocabulary (runtime/simd/conv.c,
 * which says how it vectorizes and why it keeps the reference's bits); this
 * is its entry under generic's name, so that the overlay of codegen/kernel_lib.c
 * puts it in place of the reference for this target and the generic target keeps
 * conv2d_direct_f32. With runtime/simd/avx2.h it runs four double lanes; --target
 * avx512, which takes this file under its own vocabulary, runs eight.
 */

/* @kernel conv2d_f32 uses conv2d_simd_f32 */
static void conv2d_f32(const float *x, const float *w, const float *b, float *y,
                       const struct conv2d_params *p)
{
    conv2d_simd_f32(x, w, b, y, p);
}
