/*
 * reduce.c - ONNX ReduceSum, ReduceMean, ReduceMax over any set of axes.
 *
 * needs: <math.h> (INFINITY only, no libm function)
 *
 * The emitter collapses x's shape to dims d[rank] (rank <= 8) and gives y's
 * element strides over those dims: 0 along a reduced dim. Sums accumulate
 * in float32 in x's row-major order; the mean divides the sum by the count.
 */

/* @kernel reduceop */
/* Operator codes of reduce_f32. */
enum { TSNC_REDUCE_SUM, TSNC_REDUCE_MEAN, TSNC_REDUCE_MAX };

/* @kernel reduce_params uses reduceop */
/* One reduce_f32: x with collapsed dims d, y's strides over them. */
struct reduce_params {
    int op;     /* TSNC_REDUCE_SUM, _MEAN or _MAX */
    int rank;   /* collapsed dims of x, 1..8 */
    long d[8];  /* x's collapsed dims, row-major */
    long ys[8]; /* y's element stride along each dim of d: 0 along a reduced dim */
    long ny;    /* elements of y */
};

/* @kernel reduce_f32 uses reduce_params needs <math.h> */
/* reduce: x (d[0..rank)) -> y (ny elements), y[sum_k idx[k] * ys[k]] (op)= x[idx]. */
static void reduce_f32(const float *x, float *y, const struct reduce_params *p)
{
    const int op = p->op, rank = p->rank;
    const long *d = p->d, *ys = p->ys, ny = p->ny;
    long idx[8] = {0};
    long rows = 1, n = d[rank - 1], js = ys[rank - 1], r, j;
    int i;
    for (j = 0; j < ny; j++) y[j] = op == TSNC_REDUCE_MAX ? -INFINITY : 0.0f;
    for (i = 0; i < rank - 1; i++) rows *= d[i];
    for (r = 0; r < rows; r++) {
        const float *xr = x + r * n;
        float *yr = y;
        for (i = 0; i < rank - 1; i++) yr += idx[i] * ys[i];
        if (op == TSNC_REDUCE_MAX) {
            for (j = 0; j < n; j++)
                if (xr[j] > yr[j * js]) yr[j * js] = xr[j];
        } else {
            for (j = 0; j < n; j++) yr[j * js] += xr[j];
        }
        for (i = rank - 2; i >= 0 && ++idx[i] == d[i]; i--) idx[i] = 0;
    }
    if (op == TSNC_REDUCE_MEAN && ny > 0) {
        float count = (float)(rows * n / ny);
        for (j = 0; j < ny; j++) y[j] /= count;
    }
}
