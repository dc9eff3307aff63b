/*
 * conv.c - the dense convolution of the analog first layer, written once over
 * the double vectors of runtime/simd/<target>.h (scalar.h lists the names):
 * the target variants of runtime/generic/conv.c's conv2d_f32 (runtime/avx2/conv.c,
 * runtime/neon/conv.c; --target avx512 takes avx2's with AVX-512's eight lanes)
 * call it. The generic target keeps its reference, conv2d_direct_f32.
 *
 * The reference sums the products of each output in double, in (c, ky, kx)
 * order, and rounds the sum plus bias to float once. This kernel does exactly
 * that with the outputs of a row in the lanes of a vector: a float converted
 * to double and multiplied by another is exact, so fma(x, w, acc) rounds once,
 * as the scalar acc + x * w does, and the order of the terms of each output is
 * unchanged. Every target therefore gives the reference's bits.
 *
 * The input rows that one output row reads are first converted to double into
 * a buffer (conv2d_phase_rows), for all the channels of a group, with the
 * padding as zeros and the columns split by their remainder modulo the stride:
 * the inputs of consecutive outputs for one tap are then consecutive doubles,
 * whatever the stride, and each buffer serves every output channel of the
 * group. Two output channels go together (their FMAs share the loads), and the
 * outputs of a row four vectors at a time while more than two vectors remain
 * (eight independent FMA chains, enough to keep two FMA units busy through
 * their latency), then one vector at a time, the last block possibly past the
 * end of the row (in the buffer's zeros; only the real outputs are stored).
 * A zero input adds 0 * w, a zero, which leaves a nonzero sum as it is and a
 * zero sum +0 (the sum starts at +0, and a sum of floats is -0 only if every
 * term is): the result is the reference's, which skips the taps in the
 * padding. Weights that are infinite or NaN (0 * inf is NaN), rows too long
 * for the buffer and kernels wider than 32 run the reference.
 */

/* @kernel conv2d_simd_f32 uses conv2d_params conv2d_direct_f32 conv2d_phase_rows simd_vocab */
/*
 * conv2d: x (N,C,H,W) * w (M,C/g,kh,kw) + b (M) -> y (N,M,OH,OW); b may be NULL.
 * Per output row and group: the padded input rows into buf, then for each
 * pair of output channels the row in blocks of four vectors and then of one,
 * each output's terms in (c, ky, kx) order.
 */
static void conv2d_simd_f32(const float *x, const float *w, const float *b, float *y,
                            const struct conv2d_params *p)
{
    /* doubles: 64 KiB of stack (an ImageNet stem, 3 channels x 7 rows of 230 doubles at
     * stride 2, takes 38 KiB); the widest kernel */
    enum { BUF = 8192, KW = 32, V = TSNC_VDW };
    double buf[BUF];
    long koff[KW]; /* tap kx: its offset in a buffer row */
    long cg = p->c / p->group, mg = p->m / p->group, sx = p->stride_w, taps = p->kh * p->kw;
    long cover = 0, len, row, n, g, m, kx, oy, ox, i, j;
    int finite = 1;
    /* blocks of 4 vectors while more than 2 remain, then of 1: they cover [0, cover) */
    while (cover < p->ow) cover += p->ow - cover > 2 * V ? 4 * V : V;
    len = cover + (p->kw - 1) * p->dil_w / sx; /* doubles per phase */
    row = sx * len;                            /* doubles per input row */
    for (i = 0; i < p->m * cg * taps; i++) finite &= w[i] - w[i] == 0.0f;
    for (kx = 0; kx < p->kw && kx < KW; kx++)
        koff[kx] = (kx * p->dil_w % sx) * len + kx * p->dil_w / sx;
    if (!finite || cg * p->kh * row > BUF || p->kw > KW) {
        conv2d_direct_f32(x, w, b, y, p);
        return;
    }
    for (n = 0; n < p->n; n++) {
        for (g = 0; g < p->group; g++) {
            const float *xg = x + (n * p->c + g * cg) * p->h * p->w;
            for (oy = 0; oy < p->oh; oy++) {
                conv2d_phase_rows(xg, cg, oy, len, buf, p);
                /* two output channels at a time: their FMA chains share the loads */
                for (m = g * mg; m < (g + 1) * mg; m += 2) {
                    long m1 = m + 1 < (g + 1) * mg ? m + 1 : m; /* an odd last one: itself */
                    const float *w0 = w + m * cg * taps, *w1 = w + m1 * cg * taps;
                    float *y0 = y + ((n * p->m + m) * p->oh + oy) * p->ow;
                    float *y1 = y + ((n * p->m + m1) * p->oh + oy) * p->ow;
                    tsnc_vd b0 = tsnc_vd_set1(b ? (double)b[m] : 0.0);
                    tsnc_vd b1 = tsnc_vd_set1(b ? (double)b[m1] : 0.0);
                    float out[8 * V];
                    for (ox = 0; p->ow - ox > 2 * V; ox += 4 * V) {
                        tsnc_vd a0 = tsnc_vd_zero(), a1 = a0, a2 = a0, a3 = a0;
                        tsnc_vd c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                        for (i = 0; i < cg * p->kh; i++) { /* i = c * kh + ky */
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                const double *src = br + koff[kx];
                                tsnc_vd v0 = tsnc_vd_load(src), v1 = tsnc_vd_load(src + V);
                                tsnc_vd v2 = tsnc_vd_load(src + 2 * V), v3 = tsnc_vd_load(src + 3 * V);
                                tsnc_vd wv = tsnc_vd_set1((double)w0[i * p->kw + kx]);
                                a0 = tsnc_vd_fmadd(v0, wv, a0);
                                a1 = tsnc_vd_fmadd(v1, wv, a1);
                                a2 = tsnc_vd_fmadd(v2, wv, a2);
                                a3 = tsnc_vd_fmadd(v3, wv, a3);
                                wv = tsnc_vd_set1((double)w1[i * p->kw + kx]);
                                c0 = tsnc_vd_fmadd(v0, wv, c0);
                                c1 = tsnc_vd_fmadd(v1, wv, c1);
                                c2 = tsnc_vd_fmadd(v2, wv, c2);
                                c3 = tsnc_vd_fmadd(v3, wv, c3);
                            }
                        }
                        if (ox + 4 * V <= p->ow) {
                            tsnc_vd_store_f32(y0 + ox, tsnc_vd_add(a0, b0));
                            tsnc_vd_store_f32(y0 + ox + V, tsnc_vd_add(a1, b0));
                            tsnc_vd_store_f32(y0 + ox + 2 * V, tsnc_vd_add(a2, b0));
                            tsnc_vd_store_f32(y0 + ox + 3 * V, tsnc_vd_add(a3, b0));
                            /* y1 after y0: for an odd last channel they are the same row */
                            tsnc_vd_store_f32(y1 + ox, tsnc_vd_add(c0, b1));
                            tsnc_vd_store_f32(y1 + ox + V, tsnc_vd_add(c1, b1));
                            tsnc_vd_store_f32(y1 + ox + 2 * V, tsnc_vd_add(c2, b1));
                            tsnc_vd_store_f32(y1 + ox + 3 * V, tsnc_vd_add(c3, b1));
                            continue;
                        }
                        /* the block overhangs the row: both channels through out */
                        tsnc_vd_store_f32(out, tsnc_vd_add(a0, b0));
                        tsnc_vd_store_f32(out + V, tsnc_vd_add(a1, b0));
                        tsnc_vd_store_f32(out + 2 * V, tsnc_vd_add(a2, b0));
                        tsnc_vd_store_f32(out + 3 * V, tsnc_vd_add(a3, b0));
                        tsnc_vd_store_f32(out + 4 * V, tsnc_vd_add(c0, b1));
                        tsnc_vd_store_f32(out + 5 * V, tsnc_vd_add(c1, b1));
                        tsnc_vd_store_f32(out + 6 * V, tsnc_vd_add(c2, b1));
                        tsnc_vd_store_f32(out + 7 * V, tsnc_vd_add(c3, b1));
                        for (j = 0; j < 4 * V && ox + j < p->ow; j++) {
                            y0[ox + j] = out[j];
                            y1[ox + j] = out[4 * V + j];
                        }
                    }
                    for (; ox < p->ow; ox += V) {
                        tsnc_vd a0 = tsnc_vd_zero(), c0 = a0;
                        for (i = 0; i < cg * p->kh; i++) {
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                tsnc_vd v0 = tsnc_vd_load(br + koff[kx]);
                                a0 = tsnc_vd_fmadd(v0, tsnc_vd_set1((double)w0[i * p->kw + kx]), a0);
                                c0 = tsnc_vd_fmadd(v0, tsnc_vd_set1((double)w1[i * p->kw + kx]), c0);
                            }
                        }
                        tsnc_vd_store_f32(out, tsnc_vd_add(a0, b0));
                        tsnc_vd_store_f32(out + V, tsnc_vd_add(c0, b1));
                        for (j = 0; j < V && ox + j < p->ow; j++) {
                            y0[ox + j] = out[j];
                            y1[ox + j] = out[V + j];
                        }
                    }
                }
            }
        }
    }
}
