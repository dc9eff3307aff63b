/*
 * gemm.c - AVX2+FMA variants of the column kernels of runtime/generic/gemm.c,
 * gemm_acc_kn_f64 and gemm_acc_nk_f64, which gemm_f32 and matmul_f32 call
 * (same signatures, the same results bit for bit).
 *
 * needs: <immintrin.h>, compiled with -mavx2 -mfma
 *
 * The generic kernels sum each dot product in double, term after term, and
 * round once. Here four outputs of a row (four columns j) share a vector of
 * double lanes, each lane still summing its terms in order: a product of two
 * floats is exact in double, so one FMA rounds exactly where the scalar
 * add does. B stored (K, N) gives the four columns' terms in one load; B
 * stored (N, K) (transB, PyTorch's Linear weight: the digits MLP's first
 * layer) is read four rows at a time and transposed 4x4 in registers.
 * Sixteen columns go at a time so that four independent FMA chains hide
 * the FMA latency; leftover columns and terms use scalar code.
 */

/* @kernel gemm_acc_kn_f64 needs <immintrin.h> */
/*
 * acc[j] = sum over t < k, in order, of a[t * as] * b[t * bs + j], in double, j < len:
 * b's rows (index t) hold the columns j contiguously.
 */
static void gemm_acc_kn_f64(const float *a, long as, const float *b, long bs, long k, long len,
                             double *acc)
{
    long j = 0, t, j16 = len - len % 16, j4 = len - len % 4;
    for (; j < j16; j += 16) {
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        for (t = 0; t < k; t++) {
            const float *bt = b + t * bs + j;
            __m256d av = _mm256_set1_pd((double)a[t * as]);
            s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(bt)), av, s0);
            s1 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(bt + 4)), av, s1);
            s2 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(bt + 8)), av, s2);
            s3 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(bt + 12)), av, s3);
        }
        _mm256_storeu_pd(acc + j, s0);
        _mm256_storeu_pd(acc + j + 4, s1);
        _mm256_storeu_pd(acc + j + 8, s2);
        _mm256_storeu_pd(acc + j + 12, s3);
    }
    for (; j < j4; j += 4) {
        __m256d s0 = _mm256_setzero_pd();
        for (t = 0; t < k; t++)
            s0 = _mm256_fmadd_pd(_mm256_cvtps_pd(_mm_loadu_ps(b + t * bs + j)),
                                 _mm256_set1_pd((double)a[t * as]), s0);
        _mm256_storeu_pd(acc + j, s0);
    }
    for (; j < len; j++) {
        double s = 0.0;
        for (t = 0; t < k; t++) s += (double)a[t * as] * (double)b[t * bs + j];
        acc[j] = s;
    }
}

/* @kernel gemm_nk4_avx2 needs <immintrin.h> */
/*
 * s (lanes: rows r, r + k, r + 2k, r + 3k of b) += terms t .. t+3 in order:
 * a_s * row[t + s] for s = 0..3, the four rows read from r + t and transposed.
 */
static __m256d gemm_nk4_avx2(const float *r, long k, long t, __m256d a0, __m256d a1,
                             __m256d a2, __m256d a3, __m256d s)
{
    __m128 r0 = _mm_loadu_ps(r + t), r1 = _mm_loadu_ps(r + k + t);
    __m128 r2 = _mm_loadu_ps(r + 2 * k + t), r3 = _mm_loadu_ps(r + 3 * k + t);
    _MM_TRANSPOSE4_PS(r0, r1, r2, r3); /* r0 = term t of the four rows, r1 = t + 1, ... */
    s = _mm256_fmadd_pd(_mm256_cvtps_pd(r0), a0, s);
    s = _mm256_fmadd_pd(_mm256_cvtps_pd(r1), a1, s);
    s = _mm256_fmadd_pd(_mm256_cvtps_pd(r2), a2, s);
    return _mm256_fmadd_pd(_mm256_cvtps_pd(r3), a3, s);
}

/* @kernel gemm_acc_nk_f64 uses gemm_nk4_avx2 needs <immintrin.h> */
/* The term t of the four rows r, r + k, r + 2k, r + 3k, in double lanes. */
static __m256d gemm_col4_avx2(const float *r, long k, long t)
{
    return _mm256_set_pd((double)r[3 * k + t], (double)r[2 * k + t], (double)r[k + t],
                         (double)r[t]);
}

/*
 * acc[j] = sum over t < k, in order, of a[t * as] * b[j * k + t], in double, j < len:
 * b holds len rows of k (B transposed, (N, K)).
 */
static void gemm_acc_nk_f64(const float *a, long as, const float *b, long k, long len,
                             double *acc)
{
    long j = 0, t, k4 = k - k % 4, j16 = len - len % 16, j4 = len - len % 4;
    for (; j < j16; j += 16) {
        const float *r = b + j * k;
        __m256d s0 = _mm256_setzero_pd(), s1 = s0, s2 = s0, s3 = s0;
        for (t = 0; t < k4; t += 4) {
            __m256d a0 = _mm256_set1_pd((double)a[t * as]);
            __m256d a1 = _mm256_set1_pd((double)a[(t + 1) * as]);
            __m256d a2 = _mm256_set1_pd((double)a[(t + 2) * as]);
            __m256d a3 = _mm256_set1_pd((double)a[(t + 3) * as]);
            s0 = gemm_nk4_avx2(r, k, t, a0, a1, a2, a3, s0);
            s1 = gemm_nk4_avx2(r + 4 * k, k, t, a0, a1, a2, a3, s1);
            s2 = gemm_nk4_avx2(r + 8 * k, k, t, a0, a1, a2, a3, s2);
            s3 = gemm_nk4_avx2(r + 12 * k, k, t, a0, a1, a2, a3, s3);
        }
        for (t = k4; t < k; t++) {
            __m256d av = _mm256_set1_pd((double)a[t * as]);
            s0 = _mm256_fmadd_pd(gemm_col4_avx2(r, k, t), av, s0);
            s1 = _mm256_fmadd_pd(gemm_col4_avx2(r + 4 * k, k, t), av, s1);
            s2 = _mm256_fmadd_pd(gemm_col4_avx2(r + 8 * k, k, t), av, s2);
            s3 = _mm256_fmadd_pd(gemm_col4_avx2(r + 12 * k, k, t), av, s3);
        }
        _mm256_storeu_pd(acc + j, s0);
        _mm256_storeu_pd(acc + j + 4, s1);
        _mm256_storeu_pd(acc + j + 8, s2);
        _mm256_storeu_pd(acc + j + 12, s3);
    }
    for (; j < j4; j += 4) {
        const float *r = b + j * k;
        __m256d s0 = _mm256_setzero_pd();
        for (t = 0; t < k4; t += 4)
            s0 = gemm_nk4_avx2(r, k, t, _mm256_set1_pd((double)a[t * as]),
                               _mm256_set1_pd((double)a[(t + 1) * as]),
                               _mm256_set1_pd((double)a[(t + 2) * as]),
                               _mm256_set1_pd((double)a[(t + 3) * as]), s0);
        for (t = k4; t < k; t++)
            s0 = _mm256_fmadd_pd(gemm_col4_avx2(r, k, t), _mm256_set1_pd((double)a[t * as]), s0);
        _mm256_storeu_pd(acc + j, s0);
    }
    for (; j < len; j++) {
        double s = 0.0;
        for (t = 0; t < k; t++) s += (double)a[t * as] * (double)b[j * k + t];
        acc[j] = s;
    }
}
