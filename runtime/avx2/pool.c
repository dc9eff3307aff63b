/*
 * pool.c - AVX2 variants of avgpool2d_f32 and maxpool2d_f32 of
 * runtime/generic/pool.c (same signatures, the same results bit for bit).
 * Global pooling stays generic (one sequential sum per channel).
 *
 * needs: <immintrin.h> <float.h>, compiled with -mavx2
 *
 * Eight outputs of a row share a vector, each lane visiting its window in
 * the generic order (rows, then columns) with a float sum or a running max
 * (vmaxps(x, m) is x > m ? x : m, the generic test). Only interior outputs,
 * whose window columns all lie in the input, go eight at a time, and only
 * for column strides 1 and 2 (a stride-2 lane reads fifteen consecutive
 * floats, never past the last one it needs); border outputs and other
 * strides run the generic code (avgpool_one_f32, maxpool_one_f32).
 */

/* @kernel pool_load8_avx2 needs <immintrin.h> */
/* p[0], p[sx], ..., p[7 sx] for sx 1 or 2, reading nothing past p[7 sx]. */
static __m256 pool_load8_avx2(const float *p, long sx)
{
    __m256 lo, hi, even;
    if (sx == 1) return _mm256_loadu_ps(p);
    lo = _mm256_loadu_ps(p);     /* p0 .. p7 */
    hi = _mm256_loadu_ps(p + 7); /* p7 .. p14 */
    /* per 128-bit half: {p0 p2 p8 p10 | p4 p6 p12 p14}, then the middle pairs swapped */
    even = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 2, 0));
    return _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(even), _MM_SHUFFLE(3, 1, 2, 0)));
}

/* @kernel avgpool2d_f32 uses pool2d_params pool_load8_avx2 avgpool_one_f32 needs <immintrin.h> */
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
                if (ox >= ox_lo && ox + 8 <= ox_hi) {
                    long count = rows * p->kw;
                    __m256 sum = _mm256_setzero_ps();
                    for (iy = ry0; iy < ry1; iy++) {
                        const float *xr = xc + iy * p->w + ox * sx - p->pad_left;
                        for (kx = 0; kx < p->kw; kx++)
                            sum = _mm256_add_ps(sum, pool_load8_avx2(xr + kx, sx));
                    }
                    _mm256_storeu_ps(yc + oy * p->ow + ox,
                                     count > 0 ? _mm256_div_ps(sum, _mm256_set1_ps((float)count))
                                               : _mm256_setzero_ps());
                    ox += 8;
                } else { /* one output: the generic code */
                    yc[oy * p->ow + ox] = avgpool_one_f32(xc, oy, ox, p);
                    ox++;
                }
            }
        }
    }
}

/* @kernel maxpool2d_f32 uses pool2d_params pool_load8_avx2 maxpool_one_f32 needs <immintrin.h> <float.h> */
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
                if (ox >= ox_lo && ox + 8 <= ox_hi) {
                    __m256 m = _mm256_set1_ps(-FLT_MAX);
                    for (ky = 0; ky < p->kh; ky++) {
                        long iy = y0 + ky * p->dil_h;
                        const float *xr;
                        if (iy < 0 || iy >= p->h) continue;
                        xr = xc + iy * p->w + ox * sx - p->pad_left;
                        for (kx = 0; kx < p->kw; kx++)
                            m = _mm256_max_ps(pool_load8_avx2(xr + kx * p->dil_w, sx), m);
                    }
                    _mm256_storeu_ps(yc + oy * p->ow + ox, m);
                    ox += 8;
                } else { /* one output: the generic code */
                    yc[oy * p->ow + ox] = maxpool_one_f32(xc, oy, ox, p);
                    ox++;
                }
            }
        }
    }
}
