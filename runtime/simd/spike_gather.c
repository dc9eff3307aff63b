/*
 * spike_gather.c - the output-stationary ("gather") spike convolution,
 * written once over the vector vocabulary of runtime/simd/<target>.h
 * (scalar.h lists the names). Additions and subtractions only.
 *
 * Two steps per call:
 *  1. spike_gather_lists_f32: for every input pixel of every sample, a list
 *     of the input channels that spiked +1 and one of those that spiked -1,
 *     split into tiles of ct channels (a vectorized compare and compress).
 *  2. for each block of output channels and each tile of input channels,
 *     every output pixel of every sample (the timesteps of a time-folded
 *     layer are samples) keeps the block's sums in registers while it walks,
 *     tap by tap, the lists of the input pixel each tap reads: each event
 *     adds or subtracts a contiguous vector of weights, wt laid out
 *     (tap, C, M). The weights of one (block, tile) pair are thus reused by
 *     all pixels and timesteps while they stay in cache.
 *
 * The order of additions for one output is fixed by the shapes alone and
 * does not depend on the vector width: the bias (or the previous tile's
 * sum), then tile by tile, valid tap by tap, the +1 channels ascending and
 * then the -1 channels ascending. Every target therefore gives the same bits.
 */

/* @kernel spike_gather_lists_f32 uses simd_vocab */
/* Event lists of the spikes x of n samples, c channels, hw pixels (element (b, ch, q) at
 * x[b*c*hw + ch*xc + q*xq]) -> ev: for pixel q of sample b and channel tile t, at
 * ev + ((b*hw + q)*tiles + t)*(ct + 2): the count of +1 channels, the count of -1
 * channels, then the +1 channel numbers and the -1 channel numbers, ascending
 * (tiles = ceil(c / ct), channel numbers < 65536). ev needs TSNC_VW entries of room
 * past its end (the compress step may write a full vector). */
static void spike_gather_lists_f32(const float *x, unsigned short *ev, long n, long c, long hw,
                                   long xc, long xq, long ct)
{
    long b, q, t, ch, tiles = (c + ct - 1) / ct;
    unsigned short neg[512 + 64];
    float lanes[TSNC_VW];
    for (b = 0; b < n; b++)
        for (q = 0; q < hw; q++) {
            const float *xp = x + b * c * hw + q * xq;
            for (t = 0; t < tiles; t++) {
                unsigned short *list = ev + ((b * hw + q) * tiles + t) * (ct + 2);
                long c0 = t * ct, c1 = c0 + ct < c ? c0 + ct : c, np = 0, nn = 0;
                for (ch = c0; ch < c1; ch += TSNC_VW) {
                    const float *v = xp + ch * xc;
                    unsigned pos, ng;
                    if (xc != 1 || c1 - ch < TSNC_VW) {
                        int i;
                        for (i = 0; i < TSNC_VW; i++) lanes[i] = ch + i < c1 ? xp[(ch + i) * xc] : 0.0f;
                        v = lanes;
                    }
                    pos = tsnc_vmask_pos(v);
                    ng = tsnc_vmask_neg(v);
                    if (pos) np += tsnc_compress_u16(list + 2 + np, pos, ch);
                    if (ng) nn += tsnc_compress_u16(neg + nn, ng, ch);
                }
                list[0] = (unsigned short)np;
                list[1] = (unsigned short)nn;
                for (ch = 0; ch < nn; ch++) list[2 + np + ch] = neg[ch];
            }
        }
}

/* @kernel spike_gather_rows_f32 */
/* The same event lists as spike_gather_lists_f32, from spikes whose pixels are contiguous
 * (element (b, ch, q) at x[b*c*hw + ch*xc + q]: row-major NCHW): it walks each channel's row
 * of pixels once and appends the channel to each pixel's list without a branch (the entry is
 * always written, the count only grows when the pixel spiked). The -1 channels collect from
 * the top of the pixel's list downwards, where the +1 channels cannot reach them (a pixel of
 * a tile has at most ct entries), and are moved behind the +1 channels at the end; the lists
 * come out exactly as spike_gather_lists_f32 writes them. */
static void spike_gather_rows_f32(const float *x, unsigned short *ev, long n, long c, long hw, long xc,
                                  long ct)
{
    long b, q0, q, t, ch, k, tiles = (c + ct - 1) / ct, step = tiles * (ct + 2);
    unsigned short np[64], nn[64], neg[512];
    for (b = 0; b < n; b++)
        for (t = 0; t < tiles; t++) {
            long c0 = t * ct, c1 = c0 + ct < c ? c0 + ct : c;
            for (q0 = 0; q0 < hw; q0 += 64) {
                long nq = hw - q0 < 64 ? hw - q0 : 64;
                unsigned short *first = ev + ((b * hw + q0) * tiles + t) * (ct + 2);
                for (q = 0; q < nq; q++) np[q] = nn[q] = 0;
                for (ch = c0; ch < c1; ch++) {
                    const float *row = x + b * c * hw + ch * xc + q0;
                    for (q = 0; q < nq; q++) {
                        unsigned short *list = first + q * step;
                        list[2 + np[q]] = (unsigned short)ch;
                        list[1 + ct - nn[q]] = (unsigned short)ch;
                        np[q] = (unsigned short)(np[q] + (row[q] > 0.0f));
                        nn[q] = (unsigned short)(nn[q] + (row[q] < 0.0f));
                    }
                }
                for (q = 0; q < nq; q++) {
                    unsigned short *list = first + q * step;
                    for (k = 0; k < nn[q]; k++) neg[k] = list[1 + ct - k];
                    for (k = 0; k < nn[q]; k++) list[2 + np[q] + k] = neg[k];
                    list[0] = np[q], list[1] = nn[q];
                }
            }
        }
}

/* @kernel spike_gather_blocks uses simd_vocab */
/* One block of K vectors of output channels of one output pixel: start from init (K*TSNC_VW
 * floats), then for each of the nt valid taps add the weights of the +1 channels of list
 * lists[t] and subtract those of its -1 channels (weights of channel e at wt + woff[t] + e*m),
 * and store to out. init and out may be the same. */
#define TSNC_GATHER_R1(X) X(0)
#define TSNC_GATHER_R2(X) X(0) X(1)
#define TSNC_GATHER_R4(X) X(0) X(1) X(2) X(3)
#define TSNC_GATHER_R8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define TSNC_GATHER_DECL(k) tsnc_vf a##k = tsnc_vload(init + (k) * TSNC_VW);
#define TSNC_GATHER_ADD(k) a##k = tsnc_vadd(a##k, tsnc_vload(w + (k) * TSNC_VW));
#define TSNC_GATHER_SUB(k) a##k = tsnc_vsub(a##k, tsnc_vload(w + (k) * TSNC_VW));
#define TSNC_GATHER_STORE(k) tsnc_vstore(out + (k) * TSNC_VW, a##k);
#define TSNC_GATHER_BLOCK(NAME, REP)                                                                  \
    static void NAME(const unsigned short *const *lists, const long *woff, int nt, const float *wt,     \
                     long m, const float *init, float *out)                                             \
    {                                                                                                   \
        int t;                                                                                          \
        long i;                                                                                         \
        REP(TSNC_GATHER_DECL)                                                                           \
        for (t = 0; t < nt; t++) {                                                                      \
            const unsigned short *e = lists[t] + 2;                                                     \
            const float *wb = wt + woff[t];                                                             \
            long np = lists[t][0], nn = lists[t][1];                                                    \
            for (i = 0; i < np; i++) {                                                                  \
                const float *w = wb + e[i] * m;                                                         \
                REP(TSNC_GATHER_ADD)                                                                    \
            }                                                                                           \
            for (e += np, i = 0; i < nn; i++) {                                                         \
                const float *w = wb + e[i] * m;                                                         \
                REP(TSNC_GATHER_SUB)                                                                    \
            }                                                                                           \
        }                                                                                               \
        REP(TSNC_GATHER_STORE)                                                                          \
    }
TSNC_GATHER_BLOCK(spike_gather_block8, TSNC_GATHER_R8)
TSNC_GATHER_BLOCK(spike_gather_block4, TSNC_GATHER_R4)
TSNC_GATHER_BLOCK(spike_gather_block2, TSNC_GATHER_R2)
TSNC_GATHER_BLOCK(spike_gather_block1, TSNC_GATHER_R1)

/* The same for one output channel in plain floats (the lanes past the last full vector). */
static void spike_gather_lane(const unsigned short *const *lists, const long *woff, int nt, const float *wt,
                              long m, const float *init, float *out)
{
    int t;
    long i;
    float a = *init;
    for (t = 0; t < nt; t++) {
        const unsigned short *e = lists[t] + 2;
        const float *wb = wt + woff[t];
        long np = lists[t][0], nn = lists[t][1];
        for (i = 0; i < np; i++) a += wb[e[i] * m];
        for (e += np, i = 0; i < nn; i++) a -= wb[e[i] * m];
    }
    *out = a;
}

/* @kernel spike_conv2d_gather_f32 uses conv2d_params simd_vocab spike_gather_lists_f32 spike_gather_rows_f32 spike_gather_blocks */
/* spike_conv2d (gather): x spikes in {-1,0,1} of sample n, channel c, pixel q at
 * x[n*C*H*W + c*xc + q*xq], wt (kh*kw, C, M), b (M) or NULL -> y, channel m of output pixel q
 * at y[n*M*OH*OW + q*yq + m*ym]. One convolution group. ev: room for the event lists,
 * N*H*W*ceil(C/ct)*(ct + 2) + 64 entries; ct (input channels per tile, <= 512) and mt
 * (output channels per pass) set the weight tile (kh*kw, ct, mt) that all output pixels of
 * all samples use before the next one. The order of additions: see the top of this file.
 * A row-major output (ym != 1) is computed for up to TSNC_GATHER_PIXELS pixels of a row at a
 * time into a small channels-last buffer and stored a channel's run of pixels at a time:
 * stores of one output channel per pixel, a row of the image apart, would each touch another
 * cache line. */
#define TSNC_GATHER_PIXELS 16
static void spike_gather_taps(const struct conv2d_params *p, const unsigned short *ev, long nb, long oy,
                              long ox, long t, long tiles, long ct, const unsigned short **lists, long *woff,
                              int *nt)
{
    long ky, kx, hw = p->h * p->w;
    *nt = 0;
    for (ky = 0; ky < p->kh; ky++) {
        long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (iy < 0 || iy >= p->h) continue;
        for (kx = 0; kx < p->kw; kx++) {
            long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            if (ix < 0 || ix >= p->w) continue;
            lists[*nt] = ev + ((nb * hw + iy * p->w + ix) * tiles + t) * (ct + 2);
            woff[(*nt)++] = (ky * p->kw + kx) * p->c * p->m;
        }
    }
}

static void spike_conv2d_gather_f32(const float *x, const float *wt, const float *b, float *y,
                                    const struct conv2d_params *p, long xc, long xq, long yq, long ym,
                                    unsigned short *ev, long ct, long mt)
{
    const unsigned short *lists[64];
    long woff[64], hw = p->h * p->w, ohw = p->oh * p->ow, m = p->m, c = p->c;
    long tiles = (c + ct - 1) / ct, mt0, t, nb, oy, ox, ox0, j;
    float zeros[8 * TSNC_VW], tmp[TSNC_GATHER_PIXELS * 8 * TSNC_VW];
    int nt;
    for (j = 0; j < 8 * TSNC_VW; j++) zeros[j] = 0.0f;
    if (xq == 1 && xc != 1)
        spike_gather_rows_f32(x, ev, p->n, c, hw, xc, ct);
    else
        spike_gather_lists_f32(x, ev, p->n, c, hw, xc, xq, ct);
    for (mt0 = 0; mt0 < m; mt0 += mt) {
        long mt1 = mt0 + mt < m ? mt0 + mt : m;
        for (t = 0; t < tiles; t++)
            for (nb = 0; nb < p->n; nb++)
                for (oy = 0; oy < p->oh; oy++)
                    for (ox0 = 0; ox0 < p->ow; ox0 += ym != 1 ? TSNC_GATHER_PIXELS : 1) {
                        long npx = ym == 1 ? 1 : p->ow - ox0 < TSNC_GATHER_PIXELS ? p->ow - ox0 : TSNC_GATHER_PIXELS;
                        long m0 = mt0;
                        float *yrow = y + nb * m * ohw + oy * p->ow * yq;
                        while (m0 < mt1) {
                            long left = mt1 - m0, width = left >= 8 * TSNC_VW ? 8 * TSNC_VW
                                                        : left >= 4 * TSNC_VW ? 4 * TSNC_VW
                                                        : left >= 2 * TSNC_VW ? 2 * TSNC_VW
                                                        : left >= TSNC_VW ? TSNC_VW : 1;
                            if (ym != 1) /* row-major output: the block's sums so far, channels last */
                                for (j = 0; j < width; j++)
                                    for (ox = 0; ox < npx; ox++)
                                        tmp[ox * width + j] = t > 0 ? yrow[(m0 + j) * ym + ox0 + ox] : b ? b[m0 + j] : 0.0f;
                            for (ox = ox0; ox < ox0 + npx; ox++) {
                                float *out = ym == 1 ? yrow + ox * yq + m0 : tmp + (ox - ox0) * width;
                                const float *init = ym != 1 || t > 0 ? out : b ? b + m0 : zeros;
                                spike_gather_taps(p, ev, nb, oy, ox, t, tiles, ct, lists, woff, &nt);
                                if (width == 8 * TSNC_VW)
                                    spike_gather_block8(lists, woff, nt, wt + m0, m, init, out);
                                else if (width == 4 * TSNC_VW)
                                    spike_gather_block4(lists, woff, nt, wt + m0, m, init, out);
                                else if (width == 2 * TSNC_VW)
                                    spike_gather_block2(lists, woff, nt, wt + m0, m, init, out);
                                else if (width == TSNC_VW)
                                    spike_gather_block1(lists, woff, nt, wt + m0, m, init, out);
                                else
                                    spike_gather_lane(lists, woff, nt, wt + m0, m, init, out);
                            }
                            if (ym != 1)
                                for (j = 0; j < width; j++)
                                    for (ox = 0; ox < npx; ox++) yrow[(m0 + j) * ym + ox0 + ox] = tmp[ox * width + j];
                            m0 += width;
                        }
                    }
    }
}
