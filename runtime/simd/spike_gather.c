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
 *     layer are samples) keeps the block's sums in registers while it walks
 *     the list of the input pixel one tap reads, tap by tap: each event
 *     adds or subtracts a contiguous vector of weights, wt laid out in
 *     blocks of output channels, each (tap, C, block). The weights of one
 *     (block, tile, tap) slice are contiguous and reused by all pixels (and
 *     the timesteps of small images) while they stay in L1.
 *
 * The order of additions for one output is fixed by the shapes and the tile
 * ct alone and does not depend on the vector width or the blocks: the bias (or
 * the previous tile's sum), then tile by tile, valid tap by tap, the +1
 * channels ascending and then the -1 channels ascending. Every target
 * therefore gives the same bits for the same ct.
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
/* A run of npix output pixels for one block of K vectors of output channels: pixel i's sums,
 * K*TSNC_VW floats at out + i*os, are loaded, then for each event of its list at list + i*ls
 * the weights of the event's channel e (at wb + e*rs) are added (+1 channels) or subtracted
 * (-1 channels), and the sums are stored back. A run is the pixels of one output row that
 * read one tap inside the image: their lists are evenly spaced, and no pixel needs a test. */
#define TSNC_GATHER_R1(X) X(0)
#define TSNC_GATHER_R2(X) X(0) X(1)
#define TSNC_GATHER_R4(X) X(0) X(1) X(2) X(3)
#define TSNC_GATHER_R8(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#define TSNC_GATHER_DECL(k) tsnc_vf a##k = tsnc_vload(out + (k) * TSNC_VW);
#define TSNC_GATHER_ADD(k) a##k = tsnc_vadd(a##k, tsnc_vload(w + (k) * TSNC_VW));
#define TSNC_GATHER_SUB(k) a##k = tsnc_vsub(a##k, tsnc_vload(w + (k) * TSNC_VW));
#define TSNC_GATHER_STORE(k) tsnc_vstore(out + (k) * TSNC_VW, a##k);
#define TSNC_GATHER_RUN(NAME, REP)                                                                    \
    static void NAME(const unsigned short *list, long ls, long npix, const float *wb, long rs,          \
                     float *out, long os)                                                               \
    {                                                                                                   \
        long p, i;                                                                                      \
        for (p = 0; p < npix; p++, list += ls, out += os) {                                             \
            const unsigned short *e = list + 2;                                                         \
            long np = list[0], nn = list[1];                                                            \
            REP(TSNC_GATHER_DECL)                                                                       \
            for (i = 0; i < np; i++) {                                                                  \
                const float *w = wb + e[i] * rs;                                                        \
                REP(TSNC_GATHER_ADD)                                                                    \
            }                                                                                           \
            for (e += np, i = 0; i < nn; i++) {                                                         \
                const float *w = wb + e[i] * rs;                                                        \
                REP(TSNC_GATHER_SUB)                                                                    \
            }                                                                                           \
            REP(TSNC_GATHER_STORE)                                                                      \
        }                                                                                               \
    }
TSNC_GATHER_RUN(spike_gather_run8, TSNC_GATHER_R8)
TSNC_GATHER_RUN(spike_gather_run4, TSNC_GATHER_R4)
TSNC_GATHER_RUN(spike_gather_run2, TSNC_GATHER_R2)
TSNC_GATHER_RUN(spike_gather_run1, TSNC_GATHER_R1)

/* The same for one output channel in plain floats (the lanes past the last full vector). */
static void spike_gather_run_lane(const unsigned short *list, long ls, long npix, const float *wb, long rs,
                                  float *out, long os)
{
    long p, i;
    for (p = 0; p < npix; p++, list += ls, out += os) {
        const unsigned short *e = list + 2;
        long np = list[0], nn = list[1];
        float a = *out;
        for (i = 0; i < np; i++) a += wb[e[i] * rs];
        for (e += np, i = 0; i < nn; i++) a -= wb[e[i] * rs];
        *out = a;
    }
}

/* Hints the cache to fetch `floats` contiguous floats from rows into L2, a 64-byte line (16
 * floats) at a time. */
static void spike_gather_prefetch(const float *rows, long floats)
{
    long o;
    for (o = 0; o < floats; o += 16) tsnc_prefetch_l2(rows + o);
}

/* The first output coordinate o (>= 0) whose input coordinate o*stride - pad + off is >= 0. */
static long spike_gather_first_inside(long pad, long off, long stride)
{
    long v = pad - off;
    return v <= 0 ? 0 : (v + stride - 1) / stride;
}

/* @kernel spike_conv2d_gather_f32 uses spike_conv2d_params simd_vocab spike_gather_lists_f32 spike_gather_rows_f32 spike_gather_blocks */
/* spike_conv2d (gather): x spikes in {-1,0,1} of sample n, channel c, pixel q at
 * x[n*C*H*W + c*xc + q*xq], b (M) or NULL -> y, channel m of output pixel q at
 * y[n*M*OH*OW + q*yq + m*ym]. One convolution group. The weights wt are laid out in blocks of
 * mb output channels (the last block may be narrower): the block of channels [m0, m0 + bw)
 * is (distinct taps, C, bw) at wt + m0*taps*C, where taps = 1 + the largest entry of tap_table
 * and tap_table[ky*kw + kx] is the slice of each kernel tap (taps with equal weights share one).
 * ev: room for the event lists, N*H*W*ceil(C/ct)*(ct + 2) + 64 entries; ct: input channels per
 * tile (<= 512).
 *
 * Loop order: for each block of output channels (a vector block of it at a time) and each band
 * of output pixels, the sums start from the bias; then for each tile of ct input channels and
 * each tap, every pixel of the band adds that tap's events of that tile, in runs along output
 * rows. One (tile, tap) slice of a block, ct contiguous rows of bw floats, is thus used by the
 * whole band while it stays in L1 (codegen picks ct so that it fits), where walking all taps of
 * one pixel before the next would reach for all kh*kw*ct rows. While a slice is walked, the next
 * one is asked into L2 a chunk per run (tsnc_prefetch_l2): a layer whose weights do not stay in
 * cache reads each slice from memory, in the random row order of the events, which the
 * hardware prefetchers do not follow. A channels-last output is its
 * own accumulator and the band is the whole image of a sample, or of several samples together
 * while they have at most TSNC_GATHER_SAMPLES_BAND pixels (the timesteps of a small image then
 * share each slice while it is in cache); a row-major output gets TSNC_GATHER_BAND floats of
 * channels-last sums on the stack, stored a channel's run of pixels at a time (stores of one
 * channel per pixel, a row of the image apart, would each touch another cache line). Per
 * output the order of additions is the one at the top of this file, whatever the band. */
#define TSNC_GATHER_BAND 4096
#define TSNC_GATHER_SAMPLES_BAND 512
static void spike_conv2d_gather_f32(const float *x, const float *wt, const long *tap_table, const float *b, float *y,
                                    unsigned short *ev, const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long xc = sp->xc, xq = sp->xq, yq = sp->yq, ym = sp->ym, ct = sp->ct, mb = sp->mb;
    long hw = p->h * p->w, ohw = p->oh * p->ow, m = p->m, c = p->c, ss = m * ohw;
    long tiles = (c + ct - 1) / ct, ls = ct + 2, taps = 0, nb0, nbs, q0, m0, j0, t, ky, kx, q, j, k, oy;
    float buf[TSNC_GATHER_BAND];
    for (t = 0; t < p->kh * p->kw; t++)
        if (tap_table[t] + 1 > taps) taps = tap_table[t] + 1;
    if (xq == 1 && xc != 1)
        spike_gather_rows_f32(x, ev, p->n, c, hw, xc, ct);
    else
        spike_gather_lists_f32(x, ev, p->n, c, hw, xc, xq, ct);
    nbs = ym == 1 && ohw <= TSNC_GATHER_SAMPLES_BAND ? TSNC_GATHER_SAMPLES_BAND / ohw : 1;
    for (nb0 = 0; nb0 < p->n; nb0 += nbs) {
        long nbk = p->n - nb0 < nbs ? p->n - nb0 : nbs;
        float *ys = y + nb0 * ss;
        for (m0 = 0; m0 < m; m0 += mb) {
            long bw = m - m0 < mb ? m - m0 : mb, width;
            const float *wblock = wt + m0 * taps * c;
            for (j0 = 0; j0 < bw; j0 += width) {
                long left = bw - j0, band, mc = m0 + j0;
                width = left >= 8 * TSNC_VW ? 8 * TSNC_VW
                      : left >= 4 * TSNC_VW ? 4 * TSNC_VW
                      : left >= 2 * TSNC_VW ? 2 * TSNC_VW
                      : left >= TSNC_VW ? TSNC_VW : 1;
                band = ym == 1 ? ohw : TSNC_GATHER_BAND / width;
                for (q0 = 0; q0 < ohw; q0 += band) {
                    /* the sums of output channels [mc, mc + width) of pixels [q0, q1) of samples
                     * [nb0, nb0 + nbk): pixel q of sample nb0 + k at acc + k*ss + (q - q0)*as */
                    long q1 = q0 + band < ohw ? q0 + band : ohw, as = ym == 1 ? yq : width;
                    float *acc = ym == 1 ? ys + q0 * yq + mc : buf;
                    for (k = 0; k < nbk; k++)
                        for (q = q0; q < q1; q++)
                            for (j = 0; j < width; j++) acc[k * ss + (q - q0) * as + j] = b ? b[mc + j] : 0.0f;
                    for (t = 0; t < tiles; t++)
                        for (ky = 0; ky < p->kh; ky++) {
                            long offy = ky * p->dil_h, oy0 = spike_gather_first_inside(p->pad_top, offy, p->stride_h);
                            long oy1 = p->oh;
                            while (oy1 > oy0 && (oy1 - 1) * p->stride_h - p->pad_top + offy >= p->h) oy1--;
                            if (oy0 < q0 / p->ow) oy0 = q0 / p->ow;
                            if (oy1 > (q1 - 1) / p->ow + 1) oy1 = (q1 - 1) / p->ow + 1;
                            for (kx = 0; kx < p->kw; kx++) {
                                long offx = kx * p->dil_w, ox0 = spike_gather_first_inside(p->pad_left, offx, p->stride_w);
                                long ox1 = p->ow, lstep = p->stride_w * tiles * ls;
                                const float *wb = wblock + tap_table[ky * p->kw + kx] * c * bw + j0;
                                long tap1 = ky * p->kw + kx + 1, t1 = tap1 < p->kh * p->kw ? t : t + 1;
                                const float *next = NULL;
                                long unfetched = 0, chunk = 0;
                                if (t1 < tiles) {
                                    /* the next slice, a chunk per run while this one is walked */
                                    long r0 = t1 * ct, r1 = r0 + ct < c ? r0 + ct : c, runs = nbk * (oy1 - oy0);
                                    tap1 = t1 == t ? tap1 : 0;
                                    next = wblock + (tap_table[tap1] * c + r0) * bw;
                                    unfetched = (r1 - r0) * bw;
                                    chunk = runs > 0 ? ((unfetched + runs - 1) / runs + 15) / 16 * 16 : unfetched;
                                }
                                while (ox1 > ox0 && (ox1 - 1) * p->stride_w - p->pad_left + offx >= p->w) ox1--;
                                for (k = 0; k < nbk; k++)
                                    for (oy = oy0; oy < oy1; oy++) {
                                        if (unfetched > 0) {
                                            long part = chunk < unfetched ? chunk : unfetched;
                                            spike_gather_prefetch(next, part);
                                            next += part;
                                            unfetched -= part;
                                        }
                                        /* the run of row oy inside the image and the band */
                                        long xa = ox0 > q0 - oy * p->ow ? ox0 : q0 - oy * p->ow;
                                        long xb = ox1 < q1 - oy * p->ow ? ox1 : q1 - oy * p->ow;
                                        long iy = oy * p->stride_h - p->pad_top + offy;
                                        long ix = xa * p->stride_w - p->pad_left + offx;
                                        const unsigned short *list;
                                        float *out = acc + k * ss + (oy * p->ow + xa - q0) * as;
                                        if (xb <= xa) continue;
                                        list = ev + (((nb0 + k) * hw + iy * p->w + ix) * tiles + t) * ls;
                                        if (width == 8 * TSNC_VW)
                                            spike_gather_run8(list, lstep, xb - xa, wb, bw, out, as);
                                        else if (width == 4 * TSNC_VW)
                                            spike_gather_run4(list, lstep, xb - xa, wb, bw, out, as);
                                        else if (width == 2 * TSNC_VW)
                                            spike_gather_run2(list, lstep, xb - xa, wb, bw, out, as);
                                        else if (width == TSNC_VW)
                                            spike_gather_run1(list, lstep, xb - xa, wb, bw, out, as);
                                        else
                                            spike_gather_run_lane(list, lstep, xb - xa, wb, bw, out, as);
                                    }
                            }
                        }
                    if (ym != 1)
                        for (j = 0; j < width; j++)
                            for (q = q0; q < q1; q++) ys[(mc + j) * ym + q * yq] = buf[(q - q0) * width + j];
                }
            }
        }
    }
}
