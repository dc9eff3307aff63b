/*
 * gemm.c - AArch64 NEON variants of the column kernels of
 * runtime/generic/gemm.c, gemm_acc_kn_f64 and gemm_acc_nk_f64, which gemm_f32
 * and matmul_f32 call (same signatures, the same results bit for bit).
 *
 * needs: <arm_neon.h>, AArch64 (float64x2_t)
 *
 * The AVX2 variants' scheme (runtime/avx2/gemm.c) with two double lanes
 * per vector: columns j of a row share vectors, each lane summing its dot
 * product term after term with one rounding per FMA (the product of two
 * floats is exact in double), as the generic kernels do. B stored (N, K)
 * (transB) is read four rows at a time and transposed 4x4 in registers.
 */

/* @kernel gemm_acc_kn_f64 needs <arm_neon.h> */
/*
 * acc[j] = sum over t < k, in order, of a[t * as] * b[t * bs + j], in double, j < len:
 * b's rows (index t) hold the columns j contiguously.
 */
static void gemm_acc_kn_f64(const float *a, long as, const float *b, long bs, long k, long len,
                             double *acc)
{
    long j = 0, t, j16 = len - len % 16, j4 = len - len % 4;
    int q;
    for (; j < j16; j += 16) {
        float64x2_t s[8];
        for (q = 0; q < 8; q++) s[q] = vdupq_n_f64(0.0);
        for (t = 0; t < k; t++) {
            const float *bt = b + t * bs + j;
            float64x2_t av = vdupq_n_f64((double)a[t * as]);
            for (q = 0; q < 4; q++) {
                float32x4_t v = vld1q_f32(bt + 4 * q);
                s[2 * q] = vfmaq_f64(s[2 * q], vcvt_f64_f32(vget_low_f32(v)), av);
                s[2 * q + 1] = vfmaq_f64(s[2 * q + 1], vcvt_high_f64_f32(v), av);
            }
        }
        for (q = 0; q < 8; q++) vst1q_f64(acc + j + 2 * q, s[q]);
    }
    for (; j < j4; j += 4) {
        float64x2_t s0 = vdupq_n_f64(0.0), s1 = s0;
        for (t = 0; t < k; t++) {
            float32x4_t v = vld1q_f32(b + t * bs + j);
            float64x2_t av = vdupq_n_f64((double)a[t * as]);
            s0 = vfmaq_f64(s0, vcvt_f64_f32(vget_low_f32(v)), av);
            s1 = vfmaq_f64(s1, vcvt_high_f64_f32(v), av);
        }
        vst1q_f64(acc + j, s0);
        vst1q_f64(acc + j + 2, s1);
    }
    for (; j < len; j++) {
        double s0 = 0.0;
        for (t = 0; t < k; t++) s0 += (double)a[t * as] * (double)b[t * bs + j];
        acc[j] = s0;
    }
}

/* @kernel gemm_acc_nk_f64 needs <arm_neon.h> */
/*
 * s[0] (lanes: rows r, r + k), s[1] (rows r + 2k, r + 3k) += terms t .. t+3 in order,
 * a[(t + i) * as] * row[t + i], the four rows read from r + t and transposed.
 */
static void gemm_nk4_neon(const float *r, long k, long t, const float *a, long as,
                          float64x2_t *s)
{
    float32x4_t r0 = vld1q_f32(r + t), r1 = vld1q_f32(r + k + t);
    float32x4_t r2 = vld1q_f32(r + 2 * k + t), r3 = vld1q_f32(r + 3 * k + t);
    float32x4_t t0 = vtrn1q_f32(r0, r1), t1 = vtrn2q_f32(r0, r1); /* {r0[0] r1[0] r0[2] r1[2]} */
    float32x4_t t2 = vtrn1q_f32(r2, r3), t3 = vtrn2q_f32(r2, r3);
    float32x4_t col[4];
    int i;
    col[0] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    col[1] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    col[2] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
    col[3] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
    for (i = 0; i < 4; i++) { /* col[i]: term t + i of the four rows */
        float64x2_t av = vdupq_n_f64((double)a[(t + i) * as]);
        s[0] = vfmaq_f64(s[0], vcvt_f64_f32(vget_low_f32(col[i])), av);
        s[1] = vfmaq_f64(s[1], vcvt_high_f64_f32(col[i]), av);
    }
}

/*
 * acc[j] = sum over t < k, in order, of a[t * as] * b[j * k + t], in double, j < len:
 * b holds len rows of k (B transposed, (N, K)).
 */
static void gemm_acc_nk_f64(const float *a, long as, const float *b, long k, long len,
                             double *acc)
{
    long j = 0, t, k4 = k - k % 4, j16 = len - len % 16, j4 = len - len % 4;
    int g;
    for (; j < j16; j += 16) {
        const float *r = b + j * k;
        float64x2_t s[8];
        for (g = 0; g < 8; g++) s[g] = vdupq_n_f64(0.0);
        for (t = 0; t < k4; t += 4)
            for (g = 0; g < 4; g++) gemm_nk4_neon(r + 4 * g * k, k, t, a, as, s + 2 * g);
        for (t = k4; t < k; t++) {
            float64x2_t av = vdupq_n_f64((double)a[t * as]);
            for (g = 0; g < 8; g++) {
                float64x2_t col = vcombine_f64(vdup_n_f64((double)r[2 * g * k + t]),
                                               vdup_n_f64((double)r[(2 * g + 1) * k + t]));
                s[g] = vfmaq_f64(s[g], col, av);
            }
        }
        for (g = 0; g < 8; g++) vst1q_f64(acc + j + 2 * g, s[g]);
    }
    for (; j < j4; j += 4) {
        const float *r = b + j * k;
        float64x2_t s[2];
        s[0] = s[1] = vdupq_n_f64(0.0);
        for (t = 0; t < k4; t += 4) gemm_nk4_neon(r, k, t, a, as, s);
        for (t = k4; t < k; t++) {
            float64x2_t av = vdupq_n_f64((double)a[t * as]);
            for (g = 0; g < 2; g++) {
                float64x2_t col = vcombine_f64(vdup_n_f64((double)r[2 * g * k + t]),
                                               vdup_n_f64((double)r[(2 * g + 1) * k + t]));
                s[g] = vfmaq_f64(s[g], col, av);
            }
        }
        vst1q_f64(acc + j, s[0]);
        vst1q_f64(acc + j + 2, s[1]);
    }
    for (; j < len; j++) {
        double s0 = 0.0;
        for (t = 0; t < k; t++) s0 += (double)a[t * as] * (double)b[j * k + t];
        acc[j] = s0;
    }
}
