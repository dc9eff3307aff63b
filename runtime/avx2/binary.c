/*
 * binary.c - AVX2 variants of the same-shape and scalar forms of
 * runtime/generic/binary.c (same signatures, the same results bit for bit).
 * The broadcast form and Pow stay generic.
 *
 * needs: <immintrin.h>, compiled with -mavx2
 *
 * Eight lanes per instruction, the leftovers in scalar code. IEEE add,
 * subtract, multiply and divide round the same in a lane as in scalar
 * code; vmaxps(a, b) is exactly a > b ? a : b (b when either is NaN) and
 * vminps(a, b) a < b ? a : b, the generic expressions. y may be the same
 * buffer as an operand (each element is read before it is written).
 */

/* @kernel binop_avx2 uses binop needs <immintrin.h> */
/* a op b on eight lanes, as the expressions of the generic kernels. */
static __m256 binop_avx2(int op, __m256 a, __m256 b)
{
    switch (op) {
    case TSNC_ADD: return _mm256_add_ps(a, b);
    case TSNC_SUB: return _mm256_sub_ps(a, b);
    case TSNC_MUL: return _mm256_mul_ps(a, b);
    case TSNC_DIV: return _mm256_div_ps(a, b);
    case TSNC_MAX: return _mm256_max_ps(a, b);
    case TSNC_MIN: return _mm256_min_ps(a, b);
    case TSNC_RSUB: return _mm256_sub_ps(b, a);
    default: return _mm256_div_ps(b, a); /* TSNC_RDIV */
    }
}

/* The same on one float (the leftovers). */
static float binop1_avx2(int op, float a, float b)
{
    switch (op) {
    case TSNC_ADD: return a + b;
    case TSNC_SUB: return a - b;
    case TSNC_MUL: return a * b;
    case TSNC_DIV: return a / b;
    case TSNC_MAX: return a > b ? a : b;
    case TSNC_MIN: return a < b ? a : b;
    case TSNC_RSUB: return b - a;
    default: return b / a; /* TSNC_RDIV */
    }
}

/* @kernel binary_same_f32 uses binop binary_params binop_avx2 needs <immintrin.h> */
/* y[i] = a[i] op b[i], i < n: operands of the same shape. */
static void binary_same_f32(const float *a, const float *b, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8)
        _mm256_storeu_ps(y + i, binop_avx2(op, _mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    for (; i < n; i++) y[i] = binop1_avx2(op, a[i], b[i]);
}

/* @kernel binary_scalar_f32 uses binop binary_params binop_avx2 needs <immintrin.h> */
/* y[i] = a[i] op s, i < n (RSUB: s - a[i], RDIV: s / a[i]). */
static void binary_scalar_f32(const float *a, float *y, const struct binary_params *p)
{
    const int op = p->op;
    const long n = p->n;
    const float s = p->s;
    __m256 vs = _mm256_set1_ps(s);
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) _mm256_storeu_ps(y + i, binop_avx2(op, _mm256_loadu_ps(a + i), vs));
    for (; i < n; i++) y[i] = binop1_avx2(op, a[i], s);
}
