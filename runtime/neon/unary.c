/*
 * unary.c - AArch64 NEON variants of the arithmetic functions of
 * runtime/generic/unary.c and of channel_affine_f32 (runtime/generic/
 * norm.c): same signatures, the same results bit for bit, NaN and -0
 * included. The libm-based functions stay generic.
 *
 * needs: <arm_neon.h>, AArch64 (vdivq_f32)
 *
 * Each generic conditional expression is a select on the same compare
 * (compares are false on NaN, as C's); y may be the same buffer as x.
 */

/* @kernel abs_f32 needs <arm_neon.h> */
/* |x| as the generic x <= 0 ? 0 - x : x (-0 gives +0, NaN stays as it is). */
static void abs_f32(const float *x, float *y, long n)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcleq_f32(v, zero), vsubq_f32(zero, v), v));
    }
    for (; i < n; i++) y[i] = x[i] <= 0.0f ? 0.0f - x[i] : x[i];
}

/* @kernel neg_f32 needs <arm_neon.h> */
static void neg_f32(const float *x, float *y, long n)
{
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) vst1q_f32(y + i, vnegq_f32(vld1q_f32(x + i)));
    for (; i < n; i++) y[i] = -x[i];
}

/* @kernel relu_f32 needs <arm_neon.h> */
/* x > 0 ? x : 0 (NaN gives 0, as the generic kernel). */
static void relu_f32(const float *x, float *y, long n)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcgtq_f32(v, zero), v, zero));
    }
    for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* @kernel leaky_relu_f32 uses leaky_relu_params needs <arm_neon.h> */
/* x for x >= 0, alpha * x otherwise (ONNX LeakyRelu). */
static void leaky_relu_f32(const float *x, float *y, const struct leaky_relu_params *p)
{
    const long n = p->n;
    const float alpha = p->alpha;
    const float32x4_t zero = vdupq_n_f32(0.0f), va = vdupq_n_f32(alpha);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        vst1q_f32(y + i, vbslq_f32(vcgeq_f32(v, zero), v, vmulq_f32(va, v)));
    }
    for (; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
}

/* @kernel reciprocal_f32 needs <arm_neon.h> */
/* 1 / x, a true division (not the vrecpeq_f32 estimate). */
static void reciprocal_f32(const float *x, float *y, long n)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) vst1q_f32(y + i, vdivq_f32(one, vld1q_f32(x + i)));
    for (; i < n; i++) y[i] = 1.0f / x[i];
}

/* @kernel clip_f32 uses clip_params needs <arm_neon.h> */
/* min(max(x, lo), hi) as ONNX Clip; lo > hi gives hi. NaN stays NaN. */
static void clip_f32(const float *x, float *y, const struct clip_params *p)
{
    const long n = p->n;
    const float lo = p->lo, hi = p->hi;
    const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) {
        float32x4_t v = vld1q_f32(x + i);
        v = vbslq_f32(vcltq_f32(v, vlo), vlo, v);
        vst1q_f32(y + i, vbslq_f32(vcgtq_f32(v, vhi), vhi, v));
    }
    for (; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}

/* @kernel channel_affine_f32 uses channel_affine_params needs <arm_neon.h> */
/*
 * batchnorm (inference): x (N, C, inner) -> y = x * mul[c] + add[c], rounded after the
 * multiplication as the generic kernel (no FMA; see docs/cross-compiling.md on
 * -ffp-contract). y may be x.
 */
static void channel_affine_f32(const float *x, const float *mul, const float *add, float *y,
                               const struct channel_affine_params *p)
{
    const long n = p->n, c = p->c, inner = p->inner;
    long i, j, k, n4 = inner - inner % 4;
    for (i = 0; i < n; i++) {
        for (j = 0; j < c; j++) {
            const float *xs = x + (i * c + j) * inner;
            float *ys = y + (i * c + j) * inner;
            float32x4_t vm = vdupq_n_f32(mul[j]), va = vdupq_n_f32(add[j]);
            for (k = 0; k < n4; k += 4)
                vst1q_f32(ys + k, vaddq_f32(vmulq_f32(vld1q_f32(xs + k), vm), va));
            for (; k < inner; k++) {
                float t = xs[k] * mul[j]; /* a separate statement: never contracted to FMA */
                ys[k] = t + add[j];
            }
        }
    }
}
