/*
 * gemm.c - matrix products: ONNX Gemm (2-D, optional transposes, alpha,
 * beta, bias C broadcast to the output) and MatMul (numpy matmul with
 * broadcast batch dimensions). Dot products are summed in double (products
 * of floats are exact there) and rounded to float once, with the bias: the
 * float nearest the exact result whatever the loop order (see conv.c).
 *
 * needs: nothing
 */

/* @kernel gemm_params */
/* One Gemm: y (M,N) = alpha * op(a) op(b) + beta * c. */
struct gemm_params {
    long m, n, k;
    int trans_a, trans_b;   /* a is (K,M) / b is (N,K) when set */
    float alpha, beta;
    long c_row, c_col;      /* element strides of c over (M, N): 0 where broadcast */
};

/* @kernel gemm_acc_kn_f64 */
/*
 * acc[j] = sum over t < k, in order, of a[t * as] * b[t * bs + j], in double, j < len:
 * b's rows (index t) hold the columns j contiguously. The target variants do the columns
 * in vector lanes, each lane summing its terms in the same order.
 */
static void gemm_acc_kn_f64(const float *a, long as, const float *b, long bs, long k, long len,
                            double *acc)
{
    long j, t;
    for (j = 0; j < len; j++) {
        double s = 0.0;
        for (t = 0; t < k; t++) s += (double)a[t * as] * (double)b[t * bs + j];
        acc[j] = s;
    }
}

/* @kernel gemm_acc_nk_f64 */
/* acc[j] = sum over t < k, in order, of a[t * as] * b[j * k + t], in double, j < len: b's
 * rows are the columns (transB, PyTorch's Linear weight). */
static void gemm_acc_nk_f64(const float *a, long as, const float *b, long k, long len, double *acc)
{
    long j, t;
    for (j = 0; j < len; j++) {
        double s = 0.0;
        for (t = 0; t < k; t++) s += (double)a[t * as] * (double)b[j * k + t];
        acc[j] = s;
    }
}

/* @kernel gemm_f32 uses gemm_params gemm_acc_kn_f64 gemm_acc_nk_f64 */
/*
 * gemm: a (M,K) x b (K,N) [+ c] -> y (M,N), a/b transposed as p says; c may be NULL.
 * Columns in blocks of 64: their dot products in double (gemm_acc_*_f64, which the
 * targets vectorize), then acc * alpha + beta * c in double and one rounding to float.
 */
static void gemm_f32(const float *a, const float *b, const float *c, float *y,
                     const struct gemm_params *p)
{
    long a_rs = p->trans_a ? 1 : p->k, a_ks = p->trans_a ? p->m : 1;
    double acc[64];
    long i, j0, j, len;
    for (i = 0; i < p->m; i++) {
        for (j0 = 0; j0 < p->n; j0 += len) {
            len = p->n - j0 < 64 ? p->n - j0 : 64;
            if (p->trans_b)
                gemm_acc_nk_f64(a + i * a_rs, a_ks, b + j0 * p->k, p->k, len, acc);
            else
                gemm_acc_kn_f64(a + i * a_rs, a_ks, b + j0, p->n, p->k, len, acc);
            for (j = 0; j < len; j++) {
                double v = acc[j] * (double)p->alpha;
                if (c) v += (double)p->beta * (double)c[i * p->c_row + (j0 + j) * p->c_col];
                y[i * p->n + j0 + j] = (float)v;
            }
        }
    }
}

/* @kernel matmul_params */
/* One MatMul: batch dims (collapsed, rank <= 8) and a/b batch strides (0: broadcast). */
struct matmul_params {
    long m, n, k;
    int batch_rank;
    long batch[8], a_stride[8], b_stride[8];
};

/* @kernel matmul_f32 uses matmul_params gemm_acc_kn_f64 */
/* matmul: a (..., M, K) x b (..., K, N) -> y (..., M, N), y's batch dims contiguous. */
static void matmul_f32(const float *a, const float *b, float *y, const struct matmul_params *p)
{
    long idx[8] = {0};
    long batches = 1, s, i, j0, j, len;
    double acc[64];
    int d;
    for (d = 0; d < p->batch_rank; d++) batches *= p->batch[d];
    for (s = 0; s < batches; s++) {
        const float *as = a, *bs = b;
        float *ys = y + s * p->m * p->n;
        for (d = 0; d < p->batch_rank; d++) {
            as += idx[d] * p->a_stride[d];
            bs += idx[d] * p->b_stride[d];
        }
        for (i = 0; i < p->m; i++) {
            for (j0 = 0; j0 < p->n; j0 += len) {
                len = p->n - j0 < 64 ? p->n - j0 : 64;
                gemm_acc_kn_f64(as + i * p->k, 1, bs + j0, p->n, p->k, len, acc);
                for (j = 0; j < len; j++) ys[i * p->n + j0 + j] = (float)acc[j];
            }
        }
        for (d = p->batch_rank - 1; d >= 0 && ++idx[d] == p->batch[d]; d--) idx[d] = 0;
    }
}
