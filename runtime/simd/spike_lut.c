/*
 * spike_lut.c - the lookup-table spike convolution of the SIMD targets,
 * written once over the vector vocabulary of runtime/simd/<target>.h
 * (scalar.h lists the names). Additions only.
 *
 * The codes and the table are those of runtime/generic/spike.c: a code
 * holds the spikes of one group of input channels of one pixel, and the
 * table row (tap, group, code) is the sum those spikes select from the
 * tap's weights, for every output channel. An output pixel is the sum of
 * one table row per (valid tap, group).
 *
 * Along an output row, the pixels whose taps all lie inside the input (the
 * interior) go in blocks of SPIKE_LUT_PB: the block walks the (tap, group)
 * rows once, and each pixel's code selects the table row added to that
 * pixel's sums, which stay in registers for a few vectors of output
 * channels at a time. Walking the rows once for several pixels shares the
 * address arithmetic of the walk and gives the adders independent chains
 * (one pixel's chain alone waits on the latency of each addition). Border
 * pixels go one at a time.
 *
 * The order of additions for one output is the generic kernel's: the bias,
 * then the rows in (valid tap, group) order; for M <= 32, even and odd rows
 * in two sums added at the end. Every target therefore gives its bits.
 */

/* @kernel spike_lut_simd_taps uses conv2d_params */
/* The table rows of output pixel (oy, ox) of sample nb: for each kernel tap inside the input,
 * its codes (cps) and its table (taps); returns how many (taps in the padding add nothing). */
static int spike_lut_simd_taps(const unsigned char **cps, const float **taps, const unsigned char *codes,
                               const float *lut, const long *tap_table, const struct conv2d_params *p,
                               long nb, long oy, long ox, long groups, long entries)
{
    long ky, kx;
    int t = 0;
    for (ky = 0; ky < p->kh; ky++) {
        long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (iy < 0 || iy >= p->h) continue;
        for (kx = 0; kx < p->kw; kx++) {
            long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            if (ix < 0 || ix >= p->w) continue;
            cps[t] = codes + ((nb * p->h + iy) * p->w + ix) * groups;
            taps[t] = lut + tap_table[ky * p->kw + kx] * groups * entries * p->m;
            t++;
        }
    }
    return t;
}

/* @kernel spike_lut_simd_blocks uses simd_vocab */
/* NAME: NV vectors of output channels from m0, for PB pixels whose codes are cstep bytes apart
 * (pixel i's codes of tap t at cps[t] + c0 + i*cstep) and whose outputs are yq floats apart. Sums a
 * (every row, or the even rows with split) and o (the odd rows with split) per pixel and vector;
 * the loops over pixels and vectors have constant bounds, unrolled so that the sums stay in
 * registers. With split and an even number of groups, row (t, g) is even when g is: the rows
 * go in pairs without a test of the parity per row. */
#define TSNC_LUT_ROW(X, G, NV, PB)                                                                          \
    _Pragma("GCC unroll 4") for (i = 0; i < PB; i++) {                                                  \
        const float *e = tap + (G) * gs + cp[i * cstep + (G)] * m;                                      \
        _Pragma("GCC unroll 8") for (v = 0; v < NV; v++) X[i][v] = tsnc_vadd(X[i][v], tsnc_vload(e + v * TSNC_VW)); \
    }
#define TSNC_LUT_BLOCK(NAME, NV, PB)                                                                  \
    static void NAME(const unsigned char *const *cps, const float *const *taps, int ntaps, long groups, \
                     long entries, long m, long c0, long cstep, const float *b, float *yo, long yq,    \
                     long m0, int split)                                                                \
    {                                                                                                   \
        tsnc_vf a[PB][NV], o[PB][NV];                                                                   \
        int t, i, v;                                                                                    \
        long g, gs = entries * m; /* floats from one group's table to the next */                      \
        _Pragma("GCC unroll 4") for (i = 0; i < PB; i++)                                                \
        _Pragma("GCC unroll 8") for (v = 0; v < NV; v++)                                                \
        {                                                                                               \
            a[i][v] = b ? tsnc_vload(b + m0 + v * TSNC_VW) : tsnc_vzero();                              \
            o[i][v] = tsnc_vzero();                                                                     \
        }                                                                                               \
        for (t = 0; t < ntaps; t++) {                                                                   \
            const unsigned char *cp = cps[t] + c0;                                                      \
            const float *tap = taps[t] + m0;                                                            \
            if (!split) {                                                                               \
                for (g = 0; g < groups; g++) { TSNC_LUT_ROW(a, g, NV, PB) }                                     \
            } else if (groups % 2 == 0) {                                                               \
                for (g = 0; g < groups; g += 2) { TSNC_LUT_ROW(a, g, NV, PB) TSNC_LUT_ROW(o, g + 1, NV, PB) }           \
            } else {                                                                                    \
                for (g = 0; g < groups; g++) {                                                          \
                    if ((t * groups + g) % 2) { TSNC_LUT_ROW(o, g, NV, PB) }                                    \
                    else { TSNC_LUT_ROW(a, g, NV, PB) }                                                         \
                }                                                                                       \
            }                                                                                           \
        }                                                                                               \
        _Pragma("GCC unroll 4") for (i = 0; i < PB; i++)                                                \
        _Pragma("GCC unroll 8") for (v = 0; v < NV; v++)                                                \
            tsnc_vstore(yo + i * yq + m0 + v * TSNC_VW, split ? tsnc_vadd(a[i][v], o[i][v]) : a[i][v]); \
    }
TSNC_LUT_BLOCK(spike_lut_simd_block1x1, 1, 1)
TSNC_LUT_BLOCK(spike_lut_simd_block4x1, 4, 1)
TSNC_LUT_BLOCK(spike_lut_simd_block8x1, 8, 1)
TSNC_LUT_BLOCK(spike_lut_simd_block1x4, 1, 4)
TSNC_LUT_BLOCK(spike_lut_simd_block2x4, 2, 4)
TSNC_LUT_BLOCK(spike_lut_simd_block4x4, 4, 4)

/* @kernel spike_lut_simd_pixels uses spike_lut_simd_blocks */
#define SPIKE_LUT_PB 4
/* Every output channel of pb pixels (1, or SPIKE_LUT_PB interior pixels sharing the taps of
 * the first): sums in blocks of vectors, then the channels past the last whole vector one at a
 * time in the same order. */
static void spike_lut_simd_pixels(const unsigned char *const *cps, const float *const *taps, int ntaps,
                                  long groups, long entries, long m, long cstep, const float *b, float *yo,
                                  long yq, int pb, int split)
{
    long m0 = 0, j, g, gs = entries * m;
    int t, i;
    /* 8-16 sums in registers per block. Blocks of pixels pay where one pixel's rows are
     * short (up to two vectors); with split and 8 lanes, 4-vector rows do better one pixel
     * at a time (measured: fmnist_cnn_t4 and ResNet-20's 32-channel layers). */
    if (pb == SPIKE_LUT_PB) {
        if (!split && TSNC_VW >= 16)
            for (; m0 + 4 * TSNC_VW <= m; m0 += 4 * TSNC_VW)
                spike_lut_simd_block4x4(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
        else if (!split)
            for (; m0 + 8 * TSNC_VW <= m; m0 += 8 * TSNC_VW)
                for (i = 0; i < SPIKE_LUT_PB; i++)
                    spike_lut_simd_block8x1(cps, taps, ntaps, groups, entries, m, i * cstep, cstep, b, yo + i * yq,
                                            yq, m0, split);
        else if (TSNC_VW < 16)
            for (; m0 + 4 * TSNC_VW <= m; m0 += 4 * TSNC_VW)
                for (i = 0; i < SPIKE_LUT_PB; i++)
                    spike_lut_simd_block4x1(cps, taps, ntaps, groups, entries, m, i * cstep, cstep, b, yo + i * yq,
                                            yq, m0, split);
        for (; m0 + 2 * TSNC_VW <= m; m0 += 2 * TSNC_VW)
            spike_lut_simd_block2x4(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
        for (; m0 + TSNC_VW <= m; m0 += TSNC_VW)
            spike_lut_simd_block1x4(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
    } else {
        for (; m0 + 8 * TSNC_VW <= m; m0 += 8 * TSNC_VW)
            spike_lut_simd_block8x1(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
        for (; m0 + 4 * TSNC_VW <= m; m0 += 4 * TSNC_VW)
            spike_lut_simd_block4x1(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
        for (; m0 + TSNC_VW <= m; m0 += TSNC_VW)
            spike_lut_simd_block1x1(cps, taps, ntaps, groups, entries, m, 0, cstep, b, yo, yq, m0, split);
    }
    for (i = 0; i < pb; i++)
        for (j = m0; j < m; j++) {
            float acc = b ? b[j] : 0.0f, acc_odd = 0.0f;
            long row = 0;
            for (t = 0; t < ntaps; t++)
                for (g = 0; g < groups; g++, row++) {
                    float e = taps[t][g * gs + cps[t][i * cstep + g] * m + j];
                    if (split && row % 2) acc_odd += e;
                    else acc += e;
                }
            yo[i * yq + j] = split ? acc + acc_odd : acc;
        }
}

/* @kernel spike_conv2d_lut_simd_f32 uses spike_conv2d_params spike_lut_simd_taps spike_lut_simd_pixels */
#define SPIKE_LUT_SIMD_BUF 4096
/* spike_conv2d_lut: codes (N, H, W, groups), lut (distinct taps, groups, entries, M), tap_table
 * (kh*kw: each tap's table), b (M) or NULL -> y (output pixel q, channel m at
 * y[n*M*OH*OW + q*yq + m*ym]); as runtime/generic/spike.c's spike_conv2d_lut_f32, same bits.
 * A row-major output (ym != 1) is summed channels-last into a buffer and stored a channel at a
 * time: the stores of one channel of a row of pixels are then contiguous. */
static void spike_conv2d_lut_simd_f32(const unsigned char *codes, const float *lut, const long *tap_table,
                                      const float *b, float *y, const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long groups = sp->groups, entries = sp->entries, yq = sp->yq, ym = sp->ym;
    const unsigned char *cps[64];
    const float *taps[64];
    float buf[SPIKE_LUT_SIMD_BUF];
    long nb, oy, ox, j, m = p->m, ohw = p->oh * p->ow, cstep = p->stride_w * groups;
    /* interior columns [lo, hi): every kx tap inside the input row */
    long lo = (p->pad_left + p->stride_w - 1) / p->stride_w, hi = p->ow;
    int split = m <= 32, whole_row, i;
    while (hi > lo && (hi - 1) * p->stride_w - p->pad_left + (p->kw - 1) * p->dil_w >= p->w) hi--;
    if (p->kh * p->kw > 64 || (ym != 1 && SPIKE_LUT_PB * m > SPIKE_LUT_SIMD_BUF)) {
        /* more taps than the arrays hold, or a very wide row-major output: one output at a time */
        long ky, kx, g;
        for (nb = 0; nb < p->n; nb++)
            for (oy = 0; oy < p->oh; oy++)
                for (ox = 0; ox < p->ow; ox++)
                    for (j = 0; j < m; j++) {
                        long row = 0;
                        float acc = b ? b[j] : 0.0f, acc_odd = 0.0f;
                        for (ky = 0; ky < p->kh; ky++) {
                            long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                            if (iy < 0 || iy >= p->h) continue;
                            for (kx = 0; kx < p->kw; kx++) {
                                long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                                const unsigned char *cp;
                                const float *tap;
                                if (ix < 0 || ix >= p->w) continue;
                                cp = codes + ((nb * p->h + iy) * p->w + ix) * groups;
                                tap = lut + tap_table[ky * p->kw + kx] * groups * entries * m;
                                for (g = 0; g < groups; g++, row++) {
                                    float e = tap[(g * entries + cp[g]) * m + j];
                                    if (split && row % 2) acc_odd += e;
                                    else acc += e;
                                }
                            }
                        }
                        y[nb * m * ohw + (oy * p->ow + ox) * yq + j * ym] = split ? acc + acc_odd : acc;
                    }
        return;
    }
    /* a row-major output: a whole output row of sums in buf, stored a channel's run of pixels
     * at a time (where a row fits; else each block of pixels) */
    whole_row = ym != 1 && p->ow * m <= SPIKE_LUT_SIMD_BUF;
    for (nb = 0; nb < p->n; nb++)
        for (oy = 0; oy < p->oh; oy++) {
            float *yrow = y + nb * m * ohw + oy * p->ow * yq;
            for (ox = 0; ox < p->ow;) {
                int pb = ox >= lo && ox + SPIKE_LUT_PB <= hi ? SPIKE_LUT_PB : 1;
                int ntaps = spike_lut_simd_taps(cps, taps, codes, lut, tap_table, p, nb, oy, ox, groups, entries);
                if (ym == 1) {
                    spike_lut_simd_pixels(cps, taps, ntaps, groups, entries, m, cstep, b, yrow + ox * yq, yq, pb,
                                          split);
                } else if (whole_row) {
                    spike_lut_simd_pixels(cps, taps, ntaps, groups, entries, m, cstep, b, buf + ox * m, m, pb, split);
                } else {
                    spike_lut_simd_pixels(cps, taps, ntaps, groups, entries, m, cstep, b, buf, m, pb, split);
                    for (i = 0; i < pb; i++)
                        for (j = 0; j < m; j++) yrow[(ox + i) * yq + j * ym] = buf[i * m + j];
                }
                ox += pb;
            }
            if (whole_row)
                for (j = 0; j < m; j++)
                    for (ox = 0; ox < p->ow; ox++) yrow[ox * yq + j * ym] = buf[ox * m + j];
        }
}
