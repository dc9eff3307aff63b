/*
 * pool.c - AArch64 NEON variants of avgpool2d_f32 and maxpool2d_f32 of
 * runtime/generic/pool.c (same signatures, the same results bit for bit).
 * Global pooling stays generic.
 *
 * needs: <arm_neon.h> <float.h>, AArch64 (vdivq_f32)
 *
 * As runtime/avx2/pool.c with four lanes: interior outputs of a row (whole
 * window columns inside the input), column strides 1 and 2, go four at a
 * time, each lane visiting its window in the generic order (float sum, or
 * a running max as a select on x > m); the rest runs the generic code.
 */

/* @kernel strided_load4_neon needs <arm_neon.h> */
/* p[0], p[sx], p[2 sx], p[3 sx] for sx 1 or 2, reading nothing past p[3 sx]. */
static float32x4_t strided_load4_neon(const float *p, long sx)
{
    float32x4_t lo, hi;
    if (sx == 1) return vld1q_f32(p);
    lo = vld1q_f32(p);     /* p0 .. p3 */
    hi = vld1q_f32(p + 3); /* p3 .. p6 */
    return vcombine_f32(vget_low_f32(vuzp1q_f32(lo, lo)), vget_low_f32(vuzp2q_f32(hi, hi)));
}

/* @kernel avgpool2d_f32 uses pool2d_params strided_load4_neon avgpool_one_f32 needs <arm_neon.h> */
/* avgpool2d: x (N,C,H,W) -> y (N,C,OH,OW), mean over each kh x kw window. */
static void avgpool2d_f32(const float *x, float *y, const struct pool2d_params *p)
{
    long sx = p->stride_w;
    /* interior columns: ox * sx - pad_left >= 0 and ox * sx - pad_left + kw <= w */
    long last = p->w + p->pad_left - p->kw;
    long ox_lo = (p->pad_left + sx - 1) / sx, ox_hi = last < 0 ? 0 : last / sx + 1;
    long nc, oy, ox, iy, kx;
    if (ox_hi > p->ow) ox_hi = p->ow;
    if (sx > 2 || ox_hi < ox_lo) ox_lo = ox_hi = 0;
    for (nc = 0; nc < p->n * p->c; nc++) {
        const float *xc = x + nc * p->h * p->w;
        float *yc = y + nc * p->oh * p->ow;
        for (oy = 0; oy < p->oh; oy++) {
            long y0 = oy * p->stride_h - p->pad_top, y1 = y0 + p->kh, rows, ry0, ry1;
            /* the row factor of the count, as the generic kernel computes it */
            if (y1 > p->h + p->pad_bottom) y1 = p->h + p->pad_bottom;
            ry0 = y0 < 0 ? 0 : y0;
            ry1 = y1 > p->h ? p->h : y1;
            rows = p->count_include_pad ? (y1 > y0 ? y1 - y0 : 0) : (ry1 > ry0 ? ry1 - ry0 : 0);
            for (ox = 0; ox < p->ow;) {
                if (ox >= ox_lo && ox + 4 <= ox_hi) {
                    long count = rows * p->kw;
                    float32x4_t sum = vdupq_n_f32(0.0f);
                    for (iy = ry0; iy < ry1; iy++) {
                        const float *xr = xc + iy * p->w + ox * sx - p->pad_left;
                        for (kx = 0; kx < p->kw; kx++)
                            sum = vaddq_f32(sum, strided_load4_neon(xr + kx, sx));
                    }
                    vst1q_f32(yc + oy * p->ow + ox, count > 0
                                                        ? vdivq_f32(sum, vdupq_n_f32((float)count))
                                                        : vdupq_n_f32(0.0f));
                    ox += 4;
                } else { /* one output: the generic code */
                    yc[oy * p->ow + ox] = avgpool_one_f32(xc, oy, ox, p);
                    ox++;
                }
            }
        }
    }
}

/* @kernel maxpool2d_f32 uses pool2d_params strided_load4_neon maxpool_one_f32 needs <arm_neon.h> <float.h> */
/* maxpool2d: x (N,C,H,W) -> y (N,C,OH,OW); an empty window gives -FLT_MAX (onnxruntime). */
static void maxpool2d_f32(const float *x, float *y, const struct pool2d_params *p)
{
    long sx = p->stride_w;
    /* interior columns: ox * sx - pad_left >= 0 and ox * sx - pad_left + (kw - 1) * dil_w < w */
    long last = p->w - 1 + p->pad_left - (p->kw - 1) * p->dil_w;
    long ox_lo = (p->pad_left + sx - 1) / sx, ox_hi = last < 0 ? 0 : last / sx + 1;
    long nc, oy, ox, ky, kx;
    if (ox_hi > p->ow) ox_hi = p->ow;
    if (sx > 2 || ox_hi < ox_lo) ox_lo = ox_hi = 0;
    for (nc = 0; nc < p->n * p->c; nc++) {
        const float *xc = x + nc * p->h * p->w;
        float *yc = y + nc * p->oh * p->ow;
        for (oy = 0; oy < p->oh; oy++) {
            long y0 = oy * p->stride_h - p->pad_top;
            for (ox = 0; ox < p->ow;) {
                if (ox >= ox_lo && ox + 4 <= ox_hi) {
                    float32x4_t m = vdupq_n_f32(-FLT_MAX);
                    for (ky = 0; ky < p->kh; ky++) {
                        long iy = y0 + ky * p->dil_h;
                        const float *xr;
                        if (iy < 0 || iy >= p->h) continue;
                        xr = xc + iy * p->w + ox * sx - p->pad_left;
                        for (kx = 0; kx < p->kw; kx++) {
                            float32x4_t v = strided_load4_neon(xr + kx * p->dil_w, sx);
                            m = vbslq_f32(vcgtq_f32(v, m), v, m);
                        }
                    }
                    vst1q_f32(yc + oy * p->ow + ox, m);
                    ox += 4;
                } else { /* one output: the generic code */
                    yc[oy * p->ow + ox] = maxpool_one_f32(xc, oy, ox, p);
                    ox++;
                }
            }
        }
    }
}
