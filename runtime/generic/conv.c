/*
 * conv.c - 2-D convolution, NCHW (ONNX Conv; a 1-D Conv is run with H = 1).
 *
 * needs: nothing
 *
 * Direct convolution. Products of two floats are exact in double, so the
 * terms are summed in double and the sum plus bias is rounded to float
 * once: the result is (nearly always) the float nearest the exact value,
 * whatever the loop order. A float32 sum in another order than PyTorch's
 * flips the spikes of potentials that sit on a threshold noticeably more
 * often than the double sum does (docs/performance.md has the figures).
 */

/* @kernel conv2d_params */
/* Shapes and attributes of one convolution (group divides both c and m). */
struct conv2d_params {
    long n, c, h, w;        /* input x (N, C, H, W) */
    long m, kh, kw;         /* weights w (M, C/group, kh, kw) */
    long oh, ow;            /* output y (N, M, OH, OW) */
    long stride_h, stride_w;
    long pad_top, pad_left; /* padding before; padding after only shows in oh, ow */
    long dil_h, dil_w;
    long group;
};

/* @kernel conv2d_direct_f32 uses conv2d_params */
/*
 * conv2d_direct: x (N,C,H,W) * w (M,C/g,kh,kw) + b (M) -> y (N,M,OH,OW); b may be NULL.
 * Each output row is done in runs of up to 64 outputs with (c, ky, kx)
 * outside, so the innermost loop runs along the row; the range of ox whose
 * input column lies inside x (not in the padding) is computed per kx.
 */
static void conv2d_direct_f32(const float *x, const float *w, const float *b, float *y,
                              const struct conv2d_params *p)
{
    double acc[64];
    long cg = p->c / p->group, mg = p->m / p->group;
    long n, m, c, ky, kx, oy, ox0, ox, len;
    for (n = 0; n < p->n; n++) {
        for (m = 0; m < p->m; m++) {
            const float *xg = x + (n * p->c + (m / mg) * cg) * p->h * p->w;
            const float *wm = w + m * cg * p->kh * p->kw;
            float *ym = y + (n * p->m + m) * p->oh * p->ow;
            double bias = b ? (double)b[m] : 0.0;
            for (oy = 0; oy < p->oh; oy++) {
                for (ox0 = 0; ox0 < p->ow; ox0 += len) {
                    len = p->ow - ox0 < 64 ? p->ow - ox0 : 64;
                    for (ox = 0; ox < len; ox++) acc[ox] = 0.0;
                    for (c = 0; c < cg; c++) {
                        for (ky = 0; ky < p->kh; ky++) {
                            long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                            const float *xr;
                            if (iy < 0 || iy >= p->h) continue;
                            xr = xg + (c * p->h + iy) * p->w; /* input row iy */
                            for (kx = 0; kx < p->kw; kx++) {
                                double wv = (double)wm[(c * p->kh + ky) * p->kw + kx];
                                long sx = p->stride_w, off = kx * p->dil_w - p->pad_left;
                                /* ix = ox * sx + off lies in [0, W) for ox in [lo, hi) */
                                long lo = off >= 0 ? 0 : (-off + sx - 1) / sx;
                                long hi = p->w - 1 - off < 0 ? 0 : (p->w - 1 - off) / sx + 1;
                                if (lo < ox0) lo = ox0;
                                if (hi > ox0 + len) hi = ox0 + len;
                                for (ox = lo; ox < hi; ox++)
                                    acc[ox - ox0] += (double)xr[ox * sx + off] * wv;
                            }
                        }
                    }
                    for (ox = 0; ox < len; ox++)
                        ym[oy * p->ow + ox0 + ox] = (float)(acc[ox] + bias);
                }
            }
        }
    }
}

/* @kernel conv2d_phase_rows uses conv2d_params */
/*
 * For the vectorized conv2d_f32 (runtime/simd/conv.c): the input rows that output row oy reads, from the
 * channels xg[0..cg) of one group, as doubles with the padding as zeros and the columns split
 * by their remainder modulo the stride (phase ph holds columns ph, ph + sx, ph + 2 sx, ...), so
 * that the inputs of consecutive outputs for one tap are consecutive doubles:
 * buf[(c * kh + ky) * sx * len + ph * len + q] = x (c, iy, q * sx + ph - pad_left).
 */
static void conv2d_phase_rows(const float *xg, long cg, long oy, long len, double *buf,
                              const struct conv2d_params *p)
{
    long c, ky, r, j, sx = p->stride_w, row = sx * len;
    for (c = 0; c < cg; c++) {
        for (ky = 0; ky < p->kh; ky++) {
            long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
            const float *xr = xg + (c * p->h + iy) * p->w;
            double *br = buf + (c * p->kh + ky) * row;
            for (r = 0; r < sx; r++) {
                /* phase r, column j: ix = j * sx + r - pad_left, inside [lo, hi) */
                long lo = 0, hi = 0;
                double *bp = br + r * len;
                if (iy >= 0 && iy < p->h) {
                    lo = p->pad_left - r <= 0 ? 0 : (p->pad_left - r + sx - 1) / sx;
                    hi = p->w - 1 + p->pad_left - r < 0 ? 0 : (p->w - 1 + p->pad_left - r) / sx + 1;
                    if (hi > len) hi = len;
                    if (lo > hi) lo = hi;
                }
                for (j = 0; j < lo; j++) bp[j] = 0.0;
                for (; j < hi; j++) bp[j] = (double)xr[j * sx + r - p->pad_left];
                for (; j < len; j++) bp[j] = 0.0;
            }
        }
    }
}

/* @kernel conv2d_f32 uses conv2d_params conv2d_direct_f32 */
/* conv2d: the direct kernel above. The target variants (runtime/avx2, runtime/neon: the kernel
 * of runtime/simd/conv.c over the target's double vectors) vectorize the common shapes and fall
 * back to conv2d_direct_f32 for the others (same results). */
static void conv2d_f32(const float *x, const float *w, const float *b, float *y,
                       const struct conv2d_params *p)
{
    conv2d_direct_f32(x, w, b, y, p);
}
