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

/* @kernel spike_gather_lists_f32 uses simd_vocab simd_masks */
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

/* @kernel spike_conv2d_gather_f32 uses spike_conv2d_params simd_vocab spike_gather_lists_f32 spike_gather_rows_f32 spike_gather_blocks */
/* spike_conv2d (gather): x spikes in {-1,0,1} of sample n, channel c, pixel q at
 * x[n*C*H*W + c*xc + q*xq], wt (distinct taps, C, M) with tap_table[ky*kw + kx] the slice of
 * each kernel tap (taps with equal weights share one), b (M) or NULL -> y, channel m of output pixel q
 * at y[n*M*OH*OW + q*yq + m*ym]. One convolution group. ev: room for the event lists,
 * N*H*W*ceil(C/ct)*(ct + 2) + 64 entries; ct: input channels per tile (<= 512); mt: output
 * channels per pass (a multiple of the block width, or all of them).
 *
 * Loop order: for each band of output pixels and each pass of mt output channels, the sums
 * start from the bias; then for each tile of ct input channels and each tap, every pixel of
 * the band adds that tap's events of that tile. One (tile, tap) slice of the weights, ct rows
 * of mt floats, is thus used by the whole band while it stays in L1, where walking all taps
 * of one pixel before the next would reach for all kh*kw*ct rows. A channels-last output is
 * its own accumulator and the band is the whole image of a sample, or of every sample where
 * they have at most TSNC_GATHER_SAMPLES_BAND pixels together (the timesteps of a small image
 * then share each slice: VGG-11's 8x8 and smaller layers, 2-15 % faster); a row-major output gets
 * TSNC_GATHER_BAND floats of channels-last sums on the stack, stored a channel's run of
 * pixels at a time (stores of one channel per pixel, a row of the image apart, would each
 * touch another cache line). Per output the order of additions is the one at the top of
 * this file, whatever the band. */
#define TSNC_GATHER_BAND 4096
#define TSNC_GATHER_SAMPLES_BAND 256
static void spike_conv2d_gather_f32(const float *x, const float *wt, const long *tap_table, const float *b, float *y,
                                    unsigned short *ev, const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long xc = sp->xc, xq = sp->xq, yq = sp->yq, ym = sp->ym, ct = sp->ct, mt = sp->mt;
    const unsigned short *list[1];
    long woff[1], hw = p->h * p->w, ohw = p->oh * p->ow, m = p->m, c = p->c;
    long tiles = (c + ct - 1) / ct, nb0, nbs, q0, mt0, t, ky, kx, q, j;
    float buf[TSNC_GATHER_BAND];
    if (xq == 1 && xc != 1)
        spike_gather_rows_f32(x, ev, p->n, c, hw, xc, ct);
    else
        spike_gather_lists_f32(x, ev, p->n, c, hw, xc, xq, ct);
    /* small channels-last images: one band holds every sample (timestep), which then share
     * each (tile, tap) slice of the weights while it is in cache */
    nbs = ym == 1 && p->n * ohw <= TSNC_GATHER_SAMPLES_BAND ? p->n : 1;
    for (nb0 = 0; nb0 < p->n; nb0 += nbs) {
        float *ys = y + nb0 * m * ohw;
        long band = ym == 1 ? ohw : TSNC_GATHER_BAND / (mt < 8 * TSNC_VW ? mt : 8 * TSNC_VW);
        for (q0 = 0; q0 < ohw; q0 += band) {
            long q1 = q0 + band < ohw ? q0 + band : ohw;
            for (mt0 = 0; mt0 < m; mt0 += mt) {
                long mt1 = mt0 + mt < m ? mt0 + mt : m, m0, width;
                for (m0 = mt0; m0 < mt1; m0 += width) {
                    /* the sums of output channels [m0, m0 + width) of pixels [q0, q1) of samples
                     * [nb0, nb0 + nbs): pixel q of sample nb0 + k at acc + k*ss + (q - q0) * as */
                    long left = mt1 - m0, as, ss = m * ohw, k;
                    float *acc;
                    width = left >= 8 * TSNC_VW ? 8 * TSNC_VW
                          : left >= 4 * TSNC_VW ? 4 * TSNC_VW
                          : left >= 2 * TSNC_VW ? 2 * TSNC_VW
                          : left >= TSNC_VW ? TSNC_VW : 1;
                    if (ym == 1)
                        acc = ys + q0 * yq + m0, as = yq;
                    else
                        acc = buf, as = width;
                    for (k = 0; k < nbs; k++)
                        for (q = q0; q < q1; q++)
                            for (j = 0; j < width; j++) acc[k * ss + (q - q0) * as + j] = b ? b[m0 + j] : 0.0f;
                    for (t = 0; t < tiles; t++)
                        for (ky = 0; ky < p->kh; ky++)
                            for (kx = 0; kx < p->kw; kx++) {
                                woff[0] = tap_table[ky * p->kw + kx] * c * m;
                                for (k = 0; k < nbs; k++)
                                    for (q = q0; q < q1; q++) {
                                        long oy = q / p->ow, ox = q - oy * p->ow;
                                        long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
                                        long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
                                        float *out = acc + k * ss + (q - q0) * as;
                                        if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w) continue;
                                        list[0] = ev + (((nb0 + k) * hw + iy * p->w + ix) * tiles + t) * (ct + 2);
                                        if (width == 8 * TSNC_VW)
                                            spike_gather_block8(list, woff, 1, wt + m0, m, out, out);
                                        else if (width == 4 * TSNC_VW)
                                            spike_gather_block4(list, woff, 1, wt + m0, m, out, out);
                                        else if (width == 2 * TSNC_VW)
                                            spike_gather_block2(list, woff, 1, wt + m0, m, out, out);
                                        else if (width == TSNC_VW)
                                            spike_gather_block1(list, woff, 1, wt + m0, m, out, out);
                                        else
                                            spike_gather_lane(list, woff, 1, wt + m0, m, out, out);
                                    }
                            }
                    if (ym != 1)
                        for (j = 0; j < width; j++)
                            for (q = q0; q < q1; q++) ys[(m0 + j) * ym + q * yq] = buf[(q - q0) * width + j];
                }
            }
        }
    }
}
