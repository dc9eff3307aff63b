/*
 * reduce.c - AVX2 variant of reduce_f32 (runtime/generic/reduce.c): same
 * signature, the same results bit for bit.
 *
 * needs: <immintrin.h> <math.h> (INFINITY only), compiled with -mavx2
 *
 * When the kept elements of a row of x are contiguous in y (ys = 1 along
 * the last dim: a reduction over leading axes, such as the mean over
 * timesteps that ends the shipped models), each row is added (or max-ed)
 * into y eight lanes at a time; every element of y still takes its terms
 * in x's row-major order. A reduction along the last dim (ys = 0) is one
 * sequential sum and stays scalar.
 */

/* @kernel reduce_f32 uses reduce_params needs <immintrin.h> <math.h> */
/* reduce: x (d[0..rank)) -> y (ny elements), y[sum_k idx[k] * ys[k]] (op)= x[idx]. */
static void reduce_f32(const float *x, float *y, const struct reduce_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *ys = p->ys, ny = p->ny;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], js = ys[rank - 1], r, j, n8 = n - n % 8;
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
                for (; j < n8; j += 8)
                    _mm256_storeu_ps(yr + j, _mm256_max_ps(_mm256_loadu_ps(xr + j),
                                                           _mm256_loadu_ps(yr + j)));
            for (; j < n; j++)
                if (xr[j] > yr[j * js]) yr[j * js] = xr[j];
        } else {
            if (js == 1)
                for (; j < n8; j += 8)
                    _mm256_storeu_ps(yr + j, _mm256_add_ps(_mm256_loadu_ps(yr + j),
                                                           _mm256_loadu_ps(xr + j)));
            for (; j < n; j++) yr[j * js] += xr[j];
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
    if (op == TSNC_REDUCE_MEAN && ny > 0) {
        float count = (float)(rows * n / ny);
        __m256 vc = _mm256_set1_ps(count);
        long ny8 = ny - ny % 8;
        for (j = 0; j < ny8; j += 8) _mm256_storeu_ps(y + j, _mm256_div_ps(_mm256_loadu_ps(y + j), vc));
        for (; j < ny; j++) y[j] /= count;
    }
}
