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

/* @kernel gemm_f32 uses gemm_params */
/* gemm: a (M,K) x b (K,N) [+ c] -> y (M,N), a/b transposed as p says; c may be NULL. */
static void gemm_f32(const float *a, const float *b, const float *c, float *y,
                     const struct gemm_params *p)
{
    long a_rs = p->trans_a ? 1 : p->k, a_ks = p->trans_a ? p->m : 1;
    long b_ks = p->trans_b ? 1 : p->n, b_cs = p->trans_b ? p->k : 1;
    long i, j, t;
    for (i = 0; i < p->m; i++) {
        for (j = 0; j < p->n; j++) {
            const float *ai = a + i * a_rs, *bj = b + j * b_cs;
            double acc = 0.0;
            for (t = 0; t < p->k; t++) acc += (double)ai[t * a_ks] * (double)bj[t * b_ks];
            acc *= (double)p->alpha;
            if (c) acc += (double)p->beta * (double)c[i * p->c_row + j * p->c_col];
            y[i * p->n + j] = (float)acc;
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

/* @kernel matmul_f32 uses matmul_params */
/* matmul: a (..., M, K) x b (..., K, N) -> y (..., M, N), y's batch dims contiguous. */
static void matmul_f32(const float *a, const float *b, float *y, const struct matmul_params *p)
{
    long idx[8] = {0};
    long batches = 1, s, i, j, t;
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
            for (j = 0; j < p->n; j++) {
                double acc = 0.0;
                for (t = 0; t < p->k; t++)
                    acc += (double)as[i * p->k + t] * (double)bs[t * p->n + j];
                ys[i * p->n + j] = (float)acc;
            }
        }
        for (d = p->batch_rank - 1; d >= 0 && ++idx[d] == p->batch[d]; d--) idx[d] = 0;
    }
}
