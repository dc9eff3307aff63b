/*
 * unary.c - elementwise float32 functions y[i] = f(x[i]), i < n (ONNX Abs,
 * Neg, Sign, Relu, LeakyRelu, Sigmoid, Tanh, Exp, Log, Sqrt, Reciprocal,
 * Floor, Ceil, Round, Clip). y may be the same buffer as x.
 *
 * needs: <math.h> and libm (-lm) for sigmoid, tanh, exp, log, sqrt, floor,
 * ceil and round; the others use plain arithmetic and need neither.
 */

/* @kernel abs_f32 */
/* |x|; 0 - x maps -0 to +0 as fabsf does. */
static void abs_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = x[i] <= 0.0f ? 0.0f - x[i] : x[i];
}

/* @kernel neg_f32 */
static void neg_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = -x[i];
}

/* @kernel sign_f32 */
/* sign: 1 for x > 0, -1 for x < 0, +0 for both zeros, NaN for NaN (as onnxruntime). */
static void sign_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++)
        y[i] = x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : x[i] == 0.0f ? 0.0f : x[i];
}

/* @kernel relu_f32 */
static void relu_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

/* @kernel leaky_relu_params */
/* One leaky_relu_f32. */
struct leaky_relu_params {
    long n;      /* elements of x and y */
    float alpha; /* slope below 0 */
};

/* @kernel leaky_relu_f32 uses leaky_relu_params */
/* x for x >= 0, alpha * x otherwise (ONNX LeakyRelu). */
static void leaky_relu_f32(const float *x, float *y, const struct leaky_relu_params *p)
{
    const long n = p->n;
    const float alpha = p->alpha;
    long i;
    for (i = 0; i < n; i++) y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
}

/* @kernel sigmoid_f32 needs <math.h> -lm */
/* 1 / (1 + exp(-x)) */
static void sigmoid_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = 1.0f / (1.0f + expf(-x[i]));
}

/* @kernel tanh_f32 needs <math.h> -lm */
static void tanh_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

/* @kernel exp_f32 needs <math.h> -lm */
static void exp_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = expf(x[i]);
}

/* @kernel log_f32 needs <math.h> -lm */
static void log_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = logf(x[i]);
}

/* @kernel sqrt_f32 needs <math.h> -lm */
static void sqrt_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = sqrtf(x[i]);
}

/* @kernel reciprocal_f32 */
static void reciprocal_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = 1.0f / x[i];
}

/* @kernel floor_f32 needs <math.h> -lm */
static void floor_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = floorf(x[i]);
}

/* @kernel ceil_f32 needs <math.h> -lm */
static void ceil_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = ceilf(x[i]);
}

/* @kernel round_f32 needs <math.h> -lm */
/* Round half to even (ONNX Round): nearbyintf in the default rounding mode. */
static void round_f32(const float *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = nearbyintf(x[i]);
}

/* @kernel clip_params */
/* One clip_f32. */
struct clip_params {
    long n;        /* elements of x and y */
    float lo, hi;  /* the bounds (-INFINITY, INFINITY when absent) */
};

/* @kernel clip_f32 uses clip_params */
/* min(max(x, lo), hi) as ONNX Clip; lo > hi gives hi. NaN stays NaN. */
static void clip_f32(const float *x, float *y, const struct clip_params *p)
{
    const long n = p->n;
    const float lo = p->lo, hi = p->hi;
    long i;
    for (i = 0; i < n; i++) {
        float v = x[i] < lo ? lo : x[i];
        y[i] = v > hi ? hi : v;
    }
}
