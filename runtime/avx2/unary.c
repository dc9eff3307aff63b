/*
 * unary.c - AVX2 variants of the arithmetic functions of
 * runtime/generic/unary.c and of channel_affine_f32 (runtime/generic/
 * norm.c): same signatures, the same results bit for bit, NaN and -0
 * included. The libm-based functions (sigmoid, tanh, exp, ...) stay
 * generic: a vector exp would not round as libm does.
 *
 * needs: <immintrin.h>, compiled with -mavx2
 *
 * vmaxps(a, b) is a > b ? a : b and vminps(a, b) a < b ? a : b (the second
 * operand when either is NaN), which is how the generic expressions are
 * mapped; selects use ordered compares (false on NaN) as C's < and >=.
 * y may be the same buffer as x.
 */

/* @kernel abs_f32 needs <immintrin.h> */
/* |x| as the generic x <= 0 ? 0 - x : x (-0 gives +0, NaN stays as it is). */
static void abs_f32(const float *x, float *y, long n)
{
    const __m256 zero = _mm256_setzero_ps();
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(v, _mm256_sub_ps(zero, v),
                                                 _mm256_cmp_ps(v, zero, _CMP_LE_OQ)));
    }
    for (; i < n; i++) y[i] = x[i] <= 0.0f ? 0.0f - x[i] : x[i];
}

/* @kernel neg_f32 needs <immintrin.h> */
/* -x: the sign bit flipped, as C's unary minus. */
static void neg_f32(const float *x, float *y, long n)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) _mm256_storeu_ps(y + i, _mm256_xor_ps(_mm256_loadu_ps(x + i), sign));
    for (; i < n; i++) y[i] = -x[i];
}

/* @kernel relu_f32 needs <immintrin.h> */
/* x > 0 ? x : 0 (NaN gives 0, as the generic kernel). */
static void relu_f32(const float *x, float *y, long n)
{
    const __m256 zero = _mm256_setzero_ps();
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) _mm256_storeu_ps(y + i, _mm256_max_ps(_mm256_loadu_ps(x + i), zero));
    for (; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* @kernel leaky_relu_f32 uses leaky_relu_params needs <immintrin.h> */
/* x for x >= 0, alpha * x otherwise (ONNX LeakyRelu). */
static void leaky_relu_f32(const float *x, float *y, const struct leaky_relu_params *p)
{
    const long n = p->n;
    const float alpha = p->alpha;
    const __m256 zero = _mm256_setzero_ps(), va = _mm256_set1_ps(alpha);
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        _mm256_storeu_ps(y + i, _mm256_blendv_ps(_mm256_mul_ps(va, v), v,
                                                 _mm256_cmp_ps(v, zero, _CMP_GE_OQ)));
    }
    for (; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
}

/* @kernel reciprocal_f32 needs <immintrin.h> */
/* 1 / x, a true division (not the approximate vrcpps). */
static void reciprocal_f32(const float *x, float *y, long n)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) _mm256_storeu_ps(y + i, _mm256_div_ps(one, _mm256_loadu_ps(x + i)));
    for (; i < n; i++) y[i] = 1.0f / x[i];
}

/* @kernel clip_f32 uses clip_params needs <immintrin.h> */
/* min(max(x, lo), hi) as ONNX Clip; lo > hi gives hi. NaN stays NaN. */
static void clip_f32(const float *x, float *y, const struct clip_params *p)
{
    const long n = p->n;
    const float lo = p->lo, hi = p->hi;
    const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
    long i = 0, n8 = n - n % 8;
    /* x < lo ? lo : x is vmaxps(lo, x); v > hi ? hi : v is vminps(hi, v) */
    for (; i < n8; i += 8)
        _mm256_storeu_ps(y + i, _mm256_min_ps(vhi, _mm256_max_ps(vlo, _mm256_loadu_ps(x + i))));
    for (; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}

/* @kernel channel_affine_f32 uses channel_affine_params needs <immintrin.h> */
/*
 * batchnorm (inference): x (N, C, inner) -> y = x * mul[c] + add[c], rounded after the
 * multiplication as the generic kernel (no FMA). y may be x.
 */
static void channel_affine_f32(const float *x, const float *mul, const float *add, float *y,
                               const struct channel_affine_params *p)
{
    const long n = p->n, c = p->c, inner = p->inner;
    long i, j, k, n8 = inner - inner % 8;
    for (i = 0; i < n; i++) {
        for (j = 0; j < c; j++) {
            const float *xs = x + (i * c + j) * inner;
            float *ys = y + (i * c + j) * inner;
            __m256 vm = _mm256_set1_ps(mul[j]), va = _mm256_set1_ps(add[j]);
            for (k = 0; k < n8; k += 8)
                _mm256_storeu_ps(ys + k, _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(xs + k), vm), va));
            for (; k < inner; k++) {
                float t = xs[k] * mul[j]; /* a separate statement: never contracted to FMA */
                ys[k] = t + add[j];
            }
        }
    }
}
