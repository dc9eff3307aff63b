/*
 * spike.c - AArch64 NEON variants of the spike layers of
 * runtime/generic/spike.c: same signatures, additions, subtractions and bit
 * masks only (no multiplication of floats). The lookup-table convolution
 * and the packing give the generic kernels' results bit for bit; the dense
 * spike gemm sums four partial sums.
 *
 * needs: <arm_neon.h>
 */

/* @kernel spike_pack_f32 uses spike_pack_params spike_pack_code needs <arm_neon.h> */
/* pack: spikes x of n samples of c channels x p pixels, element (b, ch, q) at
 * x[b*c*p + ch*cs + q*ps] -> codes (n, p, groups), groups = ceil(c / group):
 * code = sum_i (s_i + 1) * 3^i (ternary) or sum_i s_i * 2^i (binary). Four pixels at a
 * time when pixels are contiguous (ps == 1), four channels (one code) at a time when
 * channels are (cs == 1, group == 4); integer arithmetic only. */
static void spike_pack_f32(const float *x, unsigned char *codes, const struct spike_pack_params *sp)
{
    const long n = sp->n, c = sp->c, p = sp->p, cs = sp->cs, ps = sp->ps;
    const int group = sp->group, ternary = sp->ternary;
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const int32x4_t one = vdupq_n_s32(ternary ? 1 : 0);
    long b, q, g, groups = (c + group - 1) / group;
    int i, j;
    for (b = 0; b < n; b++) {
        const float *xb = x + b * c * p;
        long done = 0;
        if (ps == 1) {
            done = p - p % 4;
            for (q = 0; q < done; q += 4)
                for (g = 0; g < groups; g++) {
                    int32x4_t code = vdupq_n_s32(0);
                    int place = 1, lanes[4];
                    for (i = 0; i < group; i++, place *= ternary ? 3 : 2) {
                        long ch = g * group + i;
                        int32x4_t digit = one;
                        if (ch < c) {
                            float32x4_t sv = vld1q_f32(xb + ch * cs + q);
                            /* masks are -1 where true: digit = 1 + lt - gt (ternary) or -gt (binary) */
                            int32x4_t gt = vreinterpretq_s32_u32(vcgtq_f32(sv, zero));
                            int32x4_t lt = vreinterpretq_s32_u32(vcltq_f32(sv, zero));
                            digit = vaddq_s32(one, ternary ? vsubq_s32(lt, gt) : vnegq_s32(gt));
                        }
                        code = vaddq_s32(code, vmulq_n_s32(digit, place));
                    }
                    vst1q_s32(lanes, code);
                    for (j = 0; j < 4; j++) codes[(b * p + q + j) * groups + g] = (unsigned char)lanes[j];
                }
        } else if (cs == 1 && group == 4 && c % 4 == 0) {
            static const int pow3[4] = {1, 3, 9, 27}, pow2[4] = {1, 2, 4, 8};
            const int32x4_t place = vld1q_s32(ternary ? pow3 : pow2);
            for (q = 0; q < p; q++) {
                const float *xq = xb + q * ps;
                unsigned char *out = codes + (b * p + q) * groups;
                for (g = 0; g < groups; g++) {
                    float32x4_t sv = vld1q_f32(xq + 4 * g);
                    int32x4_t gt = vreinterpretq_s32_u32(vcgtq_f32(sv, zero));
                    int32x4_t lt = vreinterpretq_s32_u32(vcltq_f32(sv, zero));
                    int32x4_t digit = vaddq_s32(one, ternary ? vsubq_s32(lt, gt) : vnegq_s32(gt));
                    out[g] = (unsigned char)vaddvq_s32(vmulq_s32(digit, place));
                }
            }
            done = p;
        }
        for (q = done; q < p; q++) {
            unsigned char *out = codes + (b * p + q) * groups;
            for (g = 0; g < groups; g++)
                out[g] = spike_pack_code(xb + g * group * cs + q * ps, cs, c - g * group, group, ternary);
        }
    }
}

/* @kernel spike_conv2d_lut_f32 uses spike_conv2d_params spike_conv2d_lut_simd_f32 */
/* spike_conv2d_lut: runtime/simd/spike_lut.c, over this target's vector vocabulary. */
static void spike_conv2d_lut_f32(const unsigned char *codes, const float *lut, const long *tap_table, const float *b,
                                 float *y, const struct spike_conv2d_params *sp)
{
    spike_conv2d_lut_simd_f32(codes, lut, tap_table, b, y, sp);
}

/* @kernel spike_gemm_dense_f32 uses spike_gemm_params needs <arm_neon.h> */
/* spike_gemm_dense: a (M,K) in {-1,0,1}, w (N,K), c (c_stride 0: one row (N); N: (M,N)) or NULL
 * -> y (M,N) = a * w^T + c. The sign bit of s flips the weight's sign, s != 0 keeps it.
 * Four partial sums per output. */
static void spike_gemm_dense_f32(const float *a, const float *w, const float *c, float *y,
                                 const struct spike_gemm_params *p)
{
    const long c_stride = p->c_stride, m = p->m, k = p->k, n = p->n;
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    const float32x4_t zero = vdupq_n_f32(0.0f);
    long i, j, kk, k4 = k - k % 4;
    for (i = 0; i < m; i++) {
        const float *ai = a + i * k;
        for (j = 0; j < n; j++) {
            const float *wj = w + j * k;
            float32x4_t acc = zero;
            float sum;
            for (kk = 0; kk < k4; kk += 4) {
                float32x4_t s = vld1q_f32(ai + kk);
                uint32x4_t wv = veorq_u32(vreinterpretq_u32_f32(vld1q_f32(wj + kk)),
                                          vandq_u32(vreinterpretq_u32_f32(s), sign));
                uint32x4_t nz = vmvnq_u32(vceqq_f32(s, zero));
                acc = vaddq_f32(acc, vreinterpretq_f32_u32(vandq_u32(wv, nz)));
            }
            sum = vaddvq_f32(acc);
            for (; kk < k; kk++) {
                float s = ai[kk], wv = wj[kk];
                sum += s > 0.0f ? wv : s < 0.0f ? -wv : 0.0f;
            }
            y[i * n + j] = c ? c[i * c_stride + j] + sum : sum;
        }
    }
}
