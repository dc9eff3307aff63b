/*
 * norm.c - per-channel affine maps (inference BatchNormalization) and
 * softmax.
 *
 * needs: <math.h> and libm, -lm (softmax_f32)
 */

/* @kernel channel_affine_params */
/* One channel_affine_f32: x and y (N, C, inner). */
struct channel_affine_params {
    long n;     /* samples N */
    long c;     /* channels C: entries of mul and add */
    long inner; /* elements per channel and sample (H*W) */
};

/* @kernel channel_affine_f32 uses channel_affine_params */
/*
 * batchnorm (inference): x (N, C, inner) -> y = x * mul[c] + add[c]. The
 * emitter folds the ONNX formula (x - mean) / sqrt(var + eps) * scale + B
 * into mul = scale / sqrt(var + eps) and add = B - mean * mul at compile
 * time (in double precision). y may be x.
 */
static void channel_affine_f32(const float *x, const float *mul, const float *add, float *y,
                               const struct channel_affine_params *p)
{
    const long n = p->n, c = p->c, inner = p->inner;
    long i, j, k;
    for (i = 0; i < n; i++) {
        for (j = 0; j < c; j++) {
            const float *xs = x + (i * c + j) * inner;
            float *ys = y + (i * c + j) * inner;
            for (k = 0; k < inner; k++) {
                /* Two statements: no compiler may fuse them into one rounding (FMA). */
                float scaled = xs[k] * mul[j];
                ys[k] = scaled + add[j];
            }
        }
    }
}

/* @kernel softmax_params */
/* One softmax_f32: x and y (outer, n, inner), softmax along n. */
struct softmax_params {
    long outer; /* product of the dims before the axis */
    long n;     /* the axis's extent (opset < 13: product of the dims from the axis on) */
    long inner; /* product of the dims after the axis (opset < 13: 1) */
};

/* @kernel softmax_f32 uses softmax_params needs <math.h> -lm */
/*
 * softmax over the middle axis of x (outer, n, inner) (ONNX Softmax-13):
 * y = exp(x - max) / sum(exp(x - max)). y may be x.
 */
static void softmax_f32(const float *x, float *y, const struct softmax_params *p)
{
    const long outer = p->outer, n = p->n, inner = p->inner;
    long o, i, k;
    for (o = 0; o < outer; o++) {
        for (k = 0; k < inner; k++) {
            const float *xs = x + o * n * inner + k;
            float *ys = y + o * n * inner + k;
            float m = xs[0], sum = 0.0f;
            for (i = 1; i < n; i++)
                if (xs[i * inner] > m) m = xs[i * inner];
            for (i = 0; i < n; i++) {
                ys[i * inner] = expf(xs[i * inner] - m);
                sum += ys[i * inner];
            }
            for (i = 0; i < n; i++) ys[i * inner] /= sum;
        }
    }
}
