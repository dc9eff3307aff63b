/*
 * spike.c - spike layers: convolution and matrix products whose input holds
 * spikes in {-1, 0, 1}. Synaptic operations are accumulates only (AC, no
 * MAC): for s in {-1,0,1}, sum_i W[j,i] * s[i] = sum_{s_i=+1} W[j,i] -
 * sum_{s_i=-1} W[j,i]. They are event-driven: each nonzero spike adds or
 * subtracts the weights it reaches, a zero spike costs one compare.
 * Every function here has "spike" in its name; no function elsewhere does,
 * so a test can count floating-point multiplications in exactly these.
 *
 * needs: nothing
 *
 * Weights are pre-arranged at compile time so that the weights one spike
 * touches are contiguous: spike_conv2d takes wt (C, kh, kw, M/group),
 * spike_gemm takes bt (K, N).
 */

/* @kernel spike_conv2d_params uses conv2d_params */
/* One spike convolution (spike_conv2d_f32, spike_conv2d_lut_f32, spike_conv2d_gather_f32):
 * the convolution, then where its input and output elements are and how the kernel works.
 * A kernel reads only the fields its comment names; the others may be left 0. */
struct spike_conv2d_params {
    struct conv2d_params conv; /* shapes and attributes, on the unpacked spikes (N, C, H, W) */
    long xc, xq;      /* events, gather: element strides of an input channel and of an input pixel
                         in x (NCHW: H*W, 1; channels-last: 1, C) */
    long yq, ym;      /* element strides of an output pixel and of an output channel in y
                         (NCHW: 1, OH*OW; channels-last: M, 1) */
    long groups;      /* lut: codes per pixel, ceil(C / pack) */
    long entries;     /* lut: rows per table, 3^pack (ternary) or 2^pack (binary) */
    long ct;          /* gather: input channels per tile (<= 512) */
    long mb;          /* gather: output channels per block of the weights' layout (>= 1) */
};

/* @kernel spike_conv2d_f32 uses spike_conv2d_params */
/* spike_conv2d (events): x spikes in {-1,0,1} of sample n, channel c, pixel q at
 * x[n*C*H*W + c*xc + q*xq] (xc = H*W, xq = 1: NCHW; xc = 1, xq = C: channels-last),
 * wt (C, kh, kw, M/group), b (M) or NULL -> y, channel m of output pixel q at
 * y[n*M*OH*OW + q*yq + m*ym]. Every nonzero spike adds (+1) or subtracts (-1) the
 * weights of each output it reaches; a zero spike costs one compare. */
static void spike_conv2d_f32(const float *x, const float *wt, const float *b, float *y,
                             const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long xc = sp->xc, xq = sp->xq, yq = sp->yq, ym = sp->ym;
    long cg = p->c / p->group, mg = p->m / p->group, ohw = p->oh * p->ow;
    long n, c, i, j, iy, ix, ky, kx;
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * p->c * p->h * p->w;
        float *yn = y + n * p->m * ohw;
        for (i = 0; i < ohw; i++)
            for (j = 0; j < p->m; j++) yn[i * yq + j * ym] = b ? b[j] : 0.0f;
        for (c = 0; c < p->c; c++) {
            float *yg = yn + (c / cg) * mg * ym;
            for (iy = 0; iy < p->h; iy++) {
                for (ix = 0; ix < p->w; ix++) {
                    float s = xn[c * xc + (iy * p->w + ix) * xq];
                    if (s == 0.0f) continue;
                    for (ky = 0; ky < p->kh; ky++) {
                        long ty = iy + p->pad_top - ky * p->dil_h, oy;
                        if (ty < 0 || ty % p->stride_h) continue;
                        oy = ty / p->stride_h;
                        if (oy >= p->oh) continue;
                        for (kx = 0; kx < p->kw; kx++) {
                            long tx = ix + p->pad_left - kx * p->dil_w, ox;
                            const float *wv;
                            float *yv;
                            if (tx < 0 || tx % p->stride_w) continue;
                            ox = tx / p->stride_w;
                            if (ox >= p->ow) continue;
                            wv = wt + ((c * p->kh + ky) * p->kw + kx) * mg;
                            yv = yg + (oy * p->ow + ox) * yq;
                            if (s > 0.0f)
                                for (j = 0; j < mg; j++) yv[j * ym] += wv[j];
                            else
                                for (j = 0; j < mg; j++) yv[j * ym] -= wv[j];
                        }
                    }
                }
            }
        }
    }
}

/* @kernel spike_gemm_params */
/* One spike matrix product (spike_gemm_f32, spike_gemm_dense_f32): y (M,N) = a (M,K) * B + c. */
struct spike_gemm_params {
    long m;        /* rows of a and y (samples; timesteps of a time-folded layer) */
    long k;        /* features of a (its last dim) */
    long n;        /* outputs: columns of y */
    long c_stride; /* elements between the bias rows of c: 0, one row (N) for all; N, a full (M,N) */
};

/* @kernel spike_gemm_f32 uses spike_gemm_params */
/* spike_gemm: a (M,K) in {-1,0,1}, bt (K,N), c bias rows (c_stride 0: one row (N) for all,
 * N: a full (M,N) matrix) or NULL -> y (M,N) = a * bt + c. */
static void spike_gemm_f32(const float *a, const float *bt, const float *c, float *y,
                           const struct spike_gemm_params *p)
{
    const long c_stride = p->c_stride, m = p->m, k = p->k, n = p->n;
    long i, kk, j;
    for (i = 0; i < m; i++) {
        const float *ai = a + i * k;
        float *yi = y + i * n;
        for (j = 0; j < n; j++) yi[j] = c ? c[i * c_stride + j] : 0.0f;
        for (kk = 0; kk < k; kk++) {
            const float *bk = bt + kk * n;
            if (ai[kk] > 0.0f)
                for (j = 0; j < n; j++) yi[j] += bk[j];
            else if (ai[kk] < 0.0f)
                for (j = 0; j < n; j++) yi[j] -= bk[j];
        }
    }
}

/* @kernel spike_pack_params */
/* One spike_pack_f32: spikes (N, C, H, W) -> codes (N, H*W, ceil(C / group)). */
struct spike_pack_params {
    long n, c, p; /* samples N, channels C, pixels H*W */
    long cs, ps;  /* element strides of a channel and of a pixel in x (NCHW: H*W, 1; channels-last: 1, C) */
    int group;    /* channels per code */
    int ternary;  /* 1: spikes in {-1, 0, 1}, digits s + 1 in base 3; 0: binary, base 2 */
};

/* @kernel spike_pack_code */
/* The code of `group` spikes s[0], s[cs], s[2*cs], ...: sum_i (s_i + 1) * 3^i (ternary) or
 * sum_i s_i * 2^i (binary), the spikes from the count-th on counting as 0 (the channels past
 * the last of a layer whose channel count `group` does not divide). Integer arithmetic only. */
static unsigned char spike_pack_code(const float *s, long cs, long count, int group, int ternary)
{
    int i, code = 0, place = 1;
    for (i = 0; i < group; i++, place *= ternary ? 3 : 2) {
        float v = i < count ? s[i * cs] : 0.0f;
        code += (ternary ? (v > 0.0f ? 2 : v < 0.0f ? 0 : 1) : v > 0.0f) * place;
    }
    return (unsigned char)code;
}

/* @kernel spike_pack_f32 uses spike_pack_params spike_pack_code */
/* pack: spikes x of n samples of c channels x p pixels, element (b, ch, q) at
 * x[b*c*p + ch*cs + q*ps] (cs = p, ps = 1: NCHW; cs = 1, ps = c: channels-last) ->
 * codes (n, p, groups), groups = ceil(c / group): code = sum_i (s_i + 1) * 3^i
 * (ternary) or sum_i s_i * 2^i (binary); channels past c count as s = 0. */
static void spike_pack_f32(const float *x, unsigned char *codes, const struct spike_pack_params *sp)
{
    const long n = sp->n, c = sp->c, p = sp->p, cs = sp->cs, ps = sp->ps;
    const int group = sp->group, ternary = sp->ternary;
    long b, q, g, groups = (c + group - 1) / group;
    for (b = 0; b < n; b++) {
        const float *xb = x + b * c * p;
        for (q = 0; q < p; q++) {
            unsigned char *out = codes + (b * p + q) * groups;
            for (g = 0; g < groups; g++)
                out[g] = spike_pack_code(xb + g * group * cs + q * ps, cs, c - g * group, group, ternary);
        }
    }
}

/* @kernel spike_split_levels_params */
/* One spike_split_levels_f32: spikes (N, C, H, W) -> spike planes (N, L*C, H/kh, W/kw). */
struct spike_split_levels_params {
    long n, c, h, w; /* samples N, channels C, rows H, columns W of x */
    long xc, xq;     /* element strides of a channel and of a pixel in x (NCHW: H*W, 1; channels-last: 1, C) */
    long yc, yq;     /* element strides of a plane and of an output pixel in s (NCHW: H*W/(kh*kw), 1;
                      * channels-last: 1, L*C) */
    int kh, kw;      /* the window (= stride) */
    int levels;      /* L planes */
};

/* @kernel spike_split_levels_f32 uses spike_split_levels_params needs <string.h> */
/* split levels: spikes x in {-1, 0, 1} of n samples, c channels, h x w pixels (element (b, ch, q)
 * at x[b*c*h*w + ch*xc + q*xq]) -> s (n, L*c, h/kh, w/kw), plane p of output pixel r at
 * s[b*L*c*(h/kh)*(w/kw) + p*yc + r*yq]: the spikes of each kh x kw
 * window sum to m (exactly, in float), and s is value[m + kh*kw] in plane plane[m + kh*kw] and 0
 * in the others (the tables have 2*kh*kw + 1 entries: the plane of the magnitude m / (kh*kw) and
 * sign(m), or plane 0 and 0 where m is 0 or no level). One store per window into planes cleared
 * beforehand, found by table lookups: no branch on the spikes, which are random to a branch
 * predictor, and no float compare (5x slower in the loop this replaced). */
static void spike_split_levels_f32(const float *x, float *s, const signed char *plane, const float *value,
                                   const struct spike_split_levels_params *sp)
{
    const long c = sp->c, w = sp->w, oh = sp->h / sp->kh, ow = sp->w / sp->kw, xc = sp->xc, xq = sp->xq;
    const long yc = sp->yc, yq = sp->yq;
    const long ohw = oh * ow, planes = (long)sp->levels * c * ohw;
    const int kh = sp->kh, kw = sp->kw, area = kh * kw;
    long b, ch, oy, ox;
    int dy, dx;
    for (b = 0; b < sp->n; b++) {
        const float *xb = x + b * c * sp->h * w;
        float *sb = s + b * planes;
        memset(sb, 0, (size_t)planes * sizeof *sb);
        for (oy = 0; oy < oh; oy++)
            for (ox = 0; ox < ow; ox++) {
                const float *win = xb + (oy * kh * w + ox * kw) * xq;
                for (ch = 0; ch < c; ch++) {
                    float sum = 0.0f;
                    int m;
                    for (dy = 0; dy < kh; dy++)
                        for (dx = 0; dx < kw; dx++) sum += win[ch * xc + (dy * w + dx) * xq];
                    m = (int)sum + area;
                    sb[(plane[m] * c + ch) * yc + (oy * ow + ox) * yq] = value[m];
                }
            }
    }
}

/* @kernel spike_lut_params */
/* One spike_lut_build_f32: the lookup tables of a spike_conv2d_lut_f32 from its weights. */
struct spike_lut_params {
    long taps;   /* weight slices (distinct kernel taps) */
    long c, m;   /* input channels C, output channels M */
    int group;   /* channels per code (the pack of the codes read) */
    int ternary; /* 1: ternary codes, 3^group entries; 0: binary, 2^group */
};

/* @kernel spike_lut_build_f32 uses spike_lut_params */
/* lut (taps, groups, entries, m) from wt (taps, c, m): entry e of group g is the sum over
 * the group's channels of digit_i(e) * wt[tap][g*group + i][0..m), digit in {-1,0,1}
 * (ternary, entries = 3^group) or {0,1} (binary, entries = 2^group). Additions only. */
static void spike_lut_build_f32(const float *wt, float *lut, const struct spike_lut_params *p)
{
    const long taps = p->taps, c = p->c, m = p->m;
    const int group = p->group, ternary = p->ternary;
    long t, g, e, j, groups = (c + group - 1) / group, entries = 1;
    int i, base = ternary ? 3 : 2;
    for (i = 0; i < group; i++) entries *= base;
    for (t = 0; t < taps; t++)
        for (g = 0; g < groups; g++)
            for (e = 0; e < entries; e++) {
                float *dst = lut + ((t * groups + g) * entries + e) * m;
                long code = e;
                for (j = 0; j < m; j++) dst[j] = 0.0f;
                for (i = 0; i < group; i++, code /= base) {
                    long ch = g * group + i;
                    long digit = code % base;
                    const float *w = wt + (t * c + ch) * m;
                    if (ch >= c) continue;
                    if (digit == base - 1)
                        for (j = 0; j < m; j++) dst[j] += w[j];
                    else if (ternary && digit == 0)
                        for (j = 0; j < m; j++) dst[j] -= w[j];
                }
            }
}

/* @kernel spike_conv2d_lut_f32 uses spike_conv2d_params */
#define SPIKE_LUT_ROW_BUF 1024
/* spike_conv2d_lut: codes (N, H, W, groups) of the input spikes, lut (tables, groups, entries, M)
 * from spike_lut_build_f32 with tap_table[ky*kw + kx] the table of each kernel tap, b (M) or
 * NULL -> y: channel m of output pixel q of sample n at y[n*M*OH*OW + q*yq + m*ym] (yq = M,
 * ym = 1: channels-last). One table row added per (tap, group), taps in order, groups in
 * order; padding taps add nothing. Convolution groups must be 1.
 * The order of additions is part of the contract (the SIMD variants give the same bits):
 * with M <= 32 the even-numbered rows of an output go to one sum (started at the bias) and
 * the odd-numbered to another (started at 0), added at the end, which keeps two chains of
 * additions in flight; with M > 32 there is one sum. */
static void spike_conv2d_lut_f32(const unsigned char *codes, const float *lut, const long *tap_table,
                                 const float *b, float *y, const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long groups = sp->groups, entries = sp->entries, yq = sp->yq, ym = sp->ym;
    long n, oy, ox, ky, kx, g, j, m = p->m, ohw = p->oh * p->ow;
    int split = m <= 32;
    float even[32], odd[32], buf[SPIKE_LUT_ROW_BUF];
    for (n = 0; n < p->n; n++) {
        for (oy = 0; oy < p->oh; oy++) {
            for (ox = 0; ox < p->ow; ox++) {
                float *yo = y + n * m * ohw + (oy * p->ow + ox) * yq;
                long row = 0, ym_sum = ym;
                /* a row-major output is summed into buf and stored once, a channel at a time */
                if (ym != 1 && m <= SPIKE_LUT_ROW_BUF) yo = buf, ym_sum = 1;
                if (split)
                    for (j = 0; j < m; j++) even[j] = b ? b[j] : 0.0f, odd[j] = 0.0f;
                else
                    for (j = 0; j < m; j++) yo[j * ym_sum] = b ? b[j] : 0.0f;
                for (ky = 0; ky < p->kh; ky++) {
                    long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                    if (iy < 0 || iy >= p->h) continue;
                    for (kx = 0; kx < p->kw; kx++) {
                        long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                        const unsigned char *cp;
                        const float *tap;
                        if (ix < 0 || ix >= p->w) continue;
                        cp = codes + ((n * p->h + iy) * p->w + ix) * groups;
                        tap = lut + tap_table[ky * p->kw + kx] * groups * entries * m;
                        for (g = 0; g < groups; g++, row++) {
                            const float *restrict e = tap + (g * entries + cp[g]) * m;
                            if (split) {
                                float *restrict acc = row % 2 ? odd : even;
                                for (j = 0; j < m; j++) acc[j] += e[j];
                            } else if (ym_sum == 1) {
                                /* restrict lets -O2 vectorize the contiguous row */
                                float *restrict yr = yo;
                                for (j = 0; j < m; j++) yr[j] += e[j];
                            } else {
                                for (j = 0; j < m; j++) yo[j * ym] += e[j];
                            }
                        }
                    }
                }
                if (split)
                    for (j = 0; j < m; j++) yo[j * ym_sum] = even[j] + odd[j];
                if (yo == buf)
                    for (j = 0; j < m; j++) y[n * m * ohw + (oy * p->ow + ox) * yq + j * ym] = buf[j];
            }
        }
    }
}

/* @kernel spike_gemm_dense_f32 uses spike_gemm_params */
/* spike_gemm_dense: a (M,K) in {-1,0,1}, w (N,K) (one row per output), c bias rows (c_stride 0:
 * one row (N) for all, N: a full (M,N) matrix) or NULL -> y (M,N) = a * w^T + c. Every spike is
 * visited (no event list), but each still only selects +w, -w or nothing: no multiplication,
 * and no data-dependent branch, which wins over events when many spikes are nonzero. */
static void spike_gemm_dense_f32(const float *a, const float *w, const float *c, float *y,
                                 const struct spike_gemm_params *p)
{
    const long c_stride = p->c_stride, m = p->m, k = p->k, n = p->n;
    long i, j, kk;
    for (i = 0; i < m; i++) {
        const float *ai = a + i * k;
        for (j = 0; j < n; j++) {
            const float *wj = w + j * k;
            float acc = 0.0f;
            for (kk = 0; kk < k; kk++) {
                float s = ai[kk], wv = wj[kk];
                acc += s > 0.0f ? wv : s < 0.0f ? -wv : 0.0f;
            }
            y[i * n + j] = c ? c[i * c_stride + j] + acc : acc;
        }
    }
}
