/*
 * conv.c - AArch64 NEON variant of runtime/generic/conv.c (same signature,
 * the same results bit for bit).
 *
 * needs: <arm_neon.h>, AArch64 (float64x2_t)
 *
 * The scheme of runtime/avx2/conv.c with two double lanes per vector: the
 * generic kernel's double sum of exact products in (c, ky, kx) order, one
 * rounding per FMA as the scalar addition, the outputs of a row in the
 * lanes. The input rows an output row reads are converted once into a
 * zero-padded double buffer (columns split by phase of the stride) that
 * serves every output channel of the group; two output channels go
 * together, sixteen outputs at a time while more than eight remain (sixteen
 * independent FMA chains in AArch64's 32 vector registers), then four.
 * Zeros in the padding add zero products, which leave the sum as the
 * reference's (see runtime/avx2/conv.c); infinite or NaN weights, rows too
 * long for the buffer and kernels wider than 32 run the generic kernel (conv2d_direct_f32).
 */

/* @kernel conv2d_f32 uses conv2d_params conv2d_direct_f32 conv2d_phase_rows needs <arm_neon.h> */
/*
 * conv2d: x (N,C,H,W) * w (M,C/g,kh,kw) + b (M) -> y (N,M,OH,OW); b may be NULL.
 * Per output row and group: the padded input rows into buf, then for each
 * pair of output channels the row sixteen (while more than eight remain)
 * and four outputs at a time, each output's terms in (c, ky, kx) order.
 */
static void conv2d_f32(const float *x, const float *w, const float *b, float *y,
                       const struct conv2d_params *p)
{
    enum { BUF = 2048, KW = 32 }; /* doubles: 16 KiB of stack; the widest kernel */
    double buf[BUF];
    long koff[KW]; /* tap kx: its offset in a buffer row */
    long cg = p->c / p->group, mg = p->m / p->group, sx = p->stride_w, taps = p->kh * p->kw;
    long cover = 0, len, row, n, g, m, kx, oy, ox, i, j;
    int q;
    int finite = 1;
    /* blocks of 16 outputs while more than 8 remain, then of 4: they cover [0, cover) */
    while (cover < p->ow) cover += p->ow - cover > 8 ? 16 : 4;
    len = cover + (p->kw - 1) * p->dil_w / sx; /* doubles per phase */
    row = sx * len;                            /* doubles per input row */
    for (i = 0; i < p->m * cg * taps; i++) finite &= w[i] - w[i] == 0.0f;
    for (kx = 0; kx < p->kw && kx < KW; kx++)
        koff[kx] = (kx * p->dil_w % sx) * len + kx * p->dil_w / sx;
    if (!finite || cg * p->kh * row > BUF || p->kw > KW) { /* the generic kernel */
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
                    float64x2_t b0 = vdupq_n_f64(b ? (double)b[m] : 0.0);
                    float64x2_t b1 = vdupq_n_f64(b ? (double)b[m1] : 0.0);
                    float out[32];
                    for (ox = 0; p->ow - ox > 8; ox += 16) {
                        float64x2_t a[8], c8[8];
                        for (q = 0; q < 8; q++) a[q] = c8[q] = vdupq_n_f64(0.0);
                        for (i = 0; i < cg * p->kh; i++) { /* i = c * kh + ky */
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                const double *src = br + koff[kx];
                                float64x2_t wa = vdupq_n_f64((double)w0[i * p->kw + kx]);
                                float64x2_t wc = vdupq_n_f64((double)w1[i * p->kw + kx]);
                                for (q = 0; q < 8; q++) {
                                    float64x2_t v = vld1q_f64(src + 2 * q);
                                    a[q] = vfmaq_f64(a[q], v, wa);
                                    c8[q] = vfmaq_f64(c8[q], v, wc);
                                }
                            }
                        }
                        for (q = 0; q < 4; q++) {
                            vst1q_f32(out + 4 * q, vcvt_high_f32_f64(vcvt_f32_f64(vaddq_f64(a[2 * q], b0)),
                                                                     vaddq_f64(a[2 * q + 1], b0)));
                            vst1q_f32(out + 16 + 4 * q,
                                      vcvt_high_f32_f64(vcvt_f32_f64(vaddq_f64(c8[2 * q], b1)),
                                                        vaddq_f64(c8[2 * q + 1], b1)));
                        }
                        for (j = 0; j < 16 && ox + j < p->ow; j++) y0[ox + j] = out[j];
                        /* y1 after y0: for an odd last channel they are the same row */
                        for (j = 0; j < 16 && ox + j < p->ow; j++) y1[ox + j] = out[16 + j];
                    }
                    for (; ox < p->ow; ox += 4) {
                        float64x2_t a0 = vdupq_n_f64(0.0), a1 = a0, c0 = a0, c1 = a0;
                        for (i = 0; i < cg * p->kh; i++) {
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                float64x2_t v0 = vld1q_f64(br + koff[kx]), v1 = vld1q_f64(br + koff[kx] + 2);
                                float64x2_t wa = vdupq_n_f64((double)w0[i * p->kw + kx]);
                                float64x2_t wc = vdupq_n_f64((double)w1[i * p->kw + kx]);
                                a0 = vfmaq_f64(a0, v0, wa);
                                a1 = vfmaq_f64(a1, v1, wa);
                                c0 = vfmaq_f64(c0, v0, wc);
                                c1 = vfmaq_f64(c1, v1, wc);
                            }
                        }
                        vst1q_f32(out, vcvt_high_f32_f64(vcvt_f32_f64(vaddq_f64(a0, b0)), vaddq_f64(a1, b0)));
                        vst1q_f32(out + 4, vcvt_high_f32_f64(vcvt_f32_f64(vaddq_f64(c0, b1)), vaddq_f64(c1, b1)));
                        for (j = 0; j < 4 && ox + j < p->ow; j++) y0[ox + j] = out[j];
                        for (j = 0; j < 4 && ox + j < p->ow; j++) y1[ox + j] = out[4 + j];
                    }
                }
            }
        }
    }
}
