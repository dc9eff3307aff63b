/*
 * pool.c - 2-D pooling, NCHW (ONNX AveragePool, MaxPool; 1-D pooling runs
 * with H = 1) and global pooling (GlobalAveragePool, GlobalMaxPool).
 *
 * needs: <float.h> (maxpool2d_f32)
 *
 * Windows are clipped to the input. AveragePool divides by the window
 * clipped to the padded input when count_include_pad is set, else by the
 * number of input elements it covers (as PyTorch and onnxruntime).
 */

/* @kernel pool2d_params */
/* Shapes and attributes of one 2-D pooling. */
struct pool2d_params {
    long n, c, h, w;                  /* input x (N, C, H, W) */
    long oh, ow;                      /* output y (N, C, OH, OW) */
    long kh, kw;                      /* window */
    long stride_h, stride_w;
    long pad_top, pad_left, pad_bottom, pad_right;
    long dil_h, dil_w;                /* MaxPool only */
    int count_include_pad;            /* AveragePool only */
};

/* @kernel avgpool_one_f32 uses pool2d_params */
/* The output (oy, ox) of avgpool2d_f32 on one channel xc (H, W): the window's sum in row
 * order, divided by its count (see the file comment). The SIMD variants use it for borders. */
static float avgpool_one_f32(const float *xc, long oy, long ox, const struct pool2d_params *p)
{
    long y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left;
    long y1 = y0 + p->kh, x1 = x0 + p->kw, count, iy, ix;
    float sum = 0.0f;
    /* the window clipped to the padded input */
    if (y1 > p->h + p->pad_bottom) y1 = p->h + p->pad_bottom;
    if (x1 > p->w + p->pad_right) x1 = p->w + p->pad_right;
    count = (y1 > y0 ? y1 - y0 : 0) * (x1 > x0 ? x1 - x0 : 0);
    /* ... and to the input itself */
    if (y0 < 0) y0 = 0;
    if (x0 < 0) x0 = 0;
    if (y1 > p->h) y1 = p->h;
    if (x1 > p->w) x1 = p->w;
    if (!p->count_include_pad) count = (y1 > y0 ? y1 - y0 : 0) * (x1 > x0 ? x1 - x0 : 0);
    for (iy = y0; iy < y1; iy++)
        for (ix = x0; ix < x1; ix++) sum += xc[iy * p->w + ix];
    return count > 0 ? sum / (float)count : 0.0f;
}

/* @kernel avgpool2d_f32 uses pool2d_params avgpool_one_f32 */
/* avgpool2d: x (N,C,H,W) -> y (N,C,OH,OW), mean over each kh x kw window. */
static void avgpool2d_f32(const float *x, float *y, const struct pool2d_params *p)
{
    long nc, oy, ox;
    for (nc = 0; nc < p->n * p->c; nc++)
        for (oy = 0; oy < p->oh; oy++)
            for (ox = 0; ox < p->ow; ox++)
                y[(nc * p->oh + oy) * p->ow + ox] = avgpool_one_f32(x + nc * p->h * p->w, oy, ox, p);
}

/* @kernel maxpool_one_f32 uses pool2d_params needs <float.h> */
/* The output (oy, ox) of maxpool2d_f32 on one channel xc (H, W): the window's maximum in row
 * order (x > m replaces m), -FLT_MAX if it covers no input. The SIMD variants use it for borders. */
static float maxpool_one_f32(const float *xc, long oy, long ox, const struct pool2d_params *p)
{
    long y0 = oy * p->stride_h - p->pad_top, x0 = ox * p->stride_w - p->pad_left, ky, kx;
    float m = -FLT_MAX;
    for (ky = 0; ky < p->kh; ky++) {
        long iy = y0 + ky * p->dil_h;
        if (iy < 0 || iy >= p->h) continue;
        for (kx = 0; kx < p->kw; kx++) {
            long ix = x0 + kx * p->dil_w;
            if (ix < 0 || ix >= p->w) continue;
            if (xc[iy * p->w + ix] > m) m = xc[iy * p->w + ix];
        }
    }
    return m;
}

/* @kernel maxpool2d_f32 uses pool2d_params maxpool_one_f32 */
/* maxpool2d: x (N,C,H,W) -> y (N,C,OH,OW); an empty window gives -FLT_MAX (onnxruntime). */
static void maxpool2d_f32(const float *x, float *y, const struct pool2d_params *p)
{
    long nc, oy, ox;
    for (nc = 0; nc < p->n * p->c; nc++)
        for (oy = 0; oy < p->oh; oy++)
            for (ox = 0; ox < p->ow; ox++)
                y[(nc * p->oh + oy) * p->ow + ox] = maxpool_one_f32(x + nc * p->h * p->w, oy, ox, p);
}

/* @kernel global_pool_params */
/* One global pooling: x (NC, inner) -> y (NC). */
struct global_pool_params {
    long nc;    /* samples times channels, N*C */
    long inner; /* elements pooled per channel (H*W), >= 1 */
};

/* @kernel global_avgpool_f32 uses global_pool_params */
/* global average pool: x (NC, inner) -> y (NC), inner >= 1. */
static void global_avgpool_f32(const float *x, float *y, const struct global_pool_params *p)
{
    const long nc = p->nc, inner = p->inner;
    long i, j;
    for (i = 0; i < nc; i++) {
        float sum = 0.0f;
        for (j = 0; j < inner; j++) sum += x[i * inner + j];
        y[i] = sum / (float)inner;
    }
}

/* @kernel global_maxpool_f32 uses global_pool_params */
/* global max pool: x (NC, inner) -> y (NC), inner >= 1. */
static void global_maxpool_f32(const float *x, float *y, const struct global_pool_params *p)
{
    const long nc = p->nc, inner = p->inner;
    long i, j;
    for (i = 0; i < nc; i++) {
        float m = x[i * inner];
        for (j = 1; j < inner; j++)
            if (x[i * inner + j] > m) m = x[i * inner + j];
        y[i] = m;
    }
}
