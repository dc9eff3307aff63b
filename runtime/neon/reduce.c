/*
 * reduce.c - AArch64 NEON variant of reduce_f32 (runtime/generic/reduce.c):
 * same signature, the same results bit for bit.
 *
 * needs: <arm_neon.h> <math.h> (INFINITY only), AArch64 (vdivq_f32)
 *
 * As runtime/avx2/reduce.c: rows whose kept elements are contiguous in y
 * (ys = 1 along the last dim) are added (or max-ed: a select on x > y, the
 * generic test) into y four lanes at a time, every element of y taking its
 * terms in x's row-major order; a reduction along the last dim stays scalar.
 */

/* @kernel reduce_f32 uses reduce_params needs <arm_neon.h> <math.h> */
/* reduce: x (d[0..rank)) -> y (ny elements), y[sum_k idx[k] * ys[k]] (op)= x[idx]. */
static void reduce_f32(const float *x, float *y, const struct reduce_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *ys = p->ys, ny = p->ny;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], js = ys[rank - 1], r, j, n4 = n - n % 4;
    int i;
    for (j = 0; j < ny; j++) y[j] = op == TSNC_REDUCE_MAX ? -INFINITY : 0.0f;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y;
        for (i = 0; i < rank - 1; i++) yr += idx[i] * ys[i];
        j = 0;
        if (op == TSNC_REDUCE_MAX) {
            if (js == 1)
                for (; j < n4; j += 4) {
                    float32x4_t xv = vld1q_f32(xr + j), yv = vld1q_f32(yr + j);
                    vst1q_f32(yr + j, vbslq_f32(vcgtq_f32(xv, yv), xv, yv));
                }
            for (; j < n; j++)
                if (xr[j] > yr[j * js]) yr[j * js] = xr[j];
        } else {
            if (js == 1)
                for (; j < n4; j += 4)
                    vst1q_f32(yr + j, vaddq_f32(vld1q_f32(yr + j), vld1q_f32(xr + j)));
            for (; j < n; j++) yr[j * js] += xr[j];
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
    if (op == TSNC_REDUCE_MEAN && ny > 0) {
        float count = (float)(rows * n / ny);
        float32x4_t vc = vdupq_n_f32(count);
        long ny4 = ny - ny % 4;
        for (j = 0; j < ny4; j += 4) vst1q_f32(y + j, vdivq_f32(vld1q_f32(y + j), vc));
        for (; j < ny; j++) y[j] /= count;
    }
}
