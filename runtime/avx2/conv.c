/*
 * conv.c - AVX2+FMA variant of runtime/generic/conv.c (same signature, the
 * same results bit for bit).
 *
 * needs: <immintrin.h>, compiled with -mavx2 -mfma
 *
 * The generic kernel sums the products of each output in double, in
 * (c, ky, kx) order, and rounds the sum plus bias to float once. This one
 * does exactly that with the outputs of a row in the four double lanes of
 * a vector: a float converted to double and multiplied by another is exact,
 * so fma(x, w, acc) rounds once, as the scalar acc + x * w does, and the
 * order of the terms of each output is unchanged. The first layer of the
 * shipped CNNs (1 channel in, 3x3, 28x28, stride 1) is the case it is made
 * for: its inner loop is one load and two FMAs (two output channels) per
 * four outputs and kernel tap; docs/performance.md compares it with the
 * generic kernel.
 *
 * The input rows that one output row reads are first converted to double
 * into a buffer, for all the channels of a group, with the padding as
 * zeros and the columns split by their remainder modulo the stride (phase
 * r holds columns r, r + s, r + 2s, ...): the inputs of consecutive outputs
 * for one tap are then consecutive doubles, whatever the stride, and each
 * buffer serves every output channel of the group. Two output channels go
 * together (their FMAs share the loads), and the outputs of a row sixteen
 * at a time while more than eight remain (eight independent FMA chains),
 * then four at a time, the last block possibly past the end of the row (in the
 * buffer's zeros, and only the real outputs are stored). A zero input adds
 * 0 * w, a zero, which leaves a nonzero sum as it is and a zero sum +0 (the
 * sum starts at +0, and a sum of floats is -0 only if every term is): the
 * result is the reference's, which skips the taps in the padding. Weights
 * that are infinite or NaN (0 * inf is NaN), rows too long for the buffer
 * and kernels wider than 32 run the generic kernel (conv2d_direct_f32).
 */

/* @kernel conv2d_f32 uses conv2d_params conv2d_direct_f32 conv2d_phase_rows needs <immintrin.h> */
/*
 * conv2d: x (N,C,H,W) * w (M,C/g,kh,kw) + b (M) -> y (N,M,OH,OW); b may be NULL.
 * Per output row and group: the padded input rows into buf, then for each
 * pair of output channels the row sixteen (while more than eight remain)
 * and four outputs at a time, each output's terms in (c, ky, kx) order.
 */
static void conv2d_f32(const float *x, const float *w, const float *b, float *y,
                       const struct conv2d_params *p)
{
    /* doubles: 64 KiB of stack (an ImageNet stem, 3 channels x 7 rows of 230 doubles at
     * stride 2, takes 38 KiB); the widest kernel */
    enum { BUF = 8192, KW = 32 };
    double buf[BUF];
    long koff[KW]; /* tap kx: its offset in a buffer row */
    long cg = p->c / p->group, mg = p->m / p->group, sx = p->stride_w, taps = p->kh * p->kw;
    long cover = 0, len, row, n, g, m, kx, oy, ox, i, j;
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
                    __m256d b0 = _mm256_set1_pd(b ? (double)b[m] : 0.0);
                    __m256d b1 = _mm256_set1_pd(b ? (double)b[m1] : 0.0);
                    float out[32];
                    for (ox = 0; p->ow - ox > 8; ox += 16) {
                        __m256d a0 = _mm256_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
                        __m256d c0 = a0, c1 = a0, c2 = a0, c3 = a0;
                        for (i = 0; i < cg * p->kh; i++) { /* i = c * kh + ky */
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                const double *src = br + koff[kx];
                                __m256d v0 = _mm256_loadu_pd(src), v1 = _mm256_loadu_pd(src + 4);
                                __m256d v2 = _mm256_loadu_pd(src + 8), v3 = _mm256_loadu_pd(src + 12);
                                __m256d wv = _mm256_set1_pd((double)w0[i * p->kw + kx]);
                                a0 = _mm256_fmadd_pd(v0, wv, a0);
                                a1 = _mm256_fmadd_pd(v1, wv, a1);
                                a2 = _mm256_fmadd_pd(v2, wv, a2);
                                a3 = _mm256_fmadd_pd(v3, wv, a3);
                                wv = _mm256_set1_pd((double)w1[i * p->kw + kx]);
                                c0 = _mm256_fmadd_pd(v0, wv, c0);
                                c1 = _mm256_fmadd_pd(v1, wv, c1);
                                c2 = _mm256_fmadd_pd(v2, wv, c2);
                                c3 = _mm256_fmadd_pd(v3, wv, c3);
                            }
                        }
                        if (ox + 16 <= p->ow) {
                            _mm_storeu_ps(y0 + ox, _mm256_cvtpd_ps(_mm256_add_pd(a0, b0)));
                            _mm_storeu_ps(y0 + ox + 4, _mm256_cvtpd_ps(_mm256_add_pd(a1, b0)));
                            _mm_storeu_ps(y0 + ox + 8, _mm256_cvtpd_ps(_mm256_add_pd(a2, b0)));
                            _mm_storeu_ps(y0 + ox + 12, _mm256_cvtpd_ps(_mm256_add_pd(a3, b0)));
                            /* y1 after y0: for an odd last channel they are the same row */
                            _mm_storeu_ps(y1 + ox, _mm256_cvtpd_ps(_mm256_add_pd(c0, b1)));
                            _mm_storeu_ps(y1 + ox + 4, _mm256_cvtpd_ps(_mm256_add_pd(c1, b1)));
                            _mm_storeu_ps(y1 + ox + 8, _mm256_cvtpd_ps(_mm256_add_pd(c2, b1)));
                            _mm_storeu_ps(y1 + ox + 12, _mm256_cvtpd_ps(_mm256_add_pd(c3, b1)));
                            continue;
                        }
                        _mm_storeu_ps(out, _mm256_cvtpd_ps(_mm256_add_pd(a0, b0)));
                        _mm_storeu_ps(out + 4, _mm256_cvtpd_ps(_mm256_add_pd(a1, b0)));
                        _mm_storeu_ps(out + 8, _mm256_cvtpd_ps(_mm256_add_pd(a2, b0)));
                        _mm_storeu_ps(out + 12, _mm256_cvtpd_ps(_mm256_add_pd(a3, b0)));
                        _mm_storeu_ps(out + 16, _mm256_cvtpd_ps(_mm256_add_pd(c0, b1)));
                        _mm_storeu_ps(out + 20, _mm256_cvtpd_ps(_mm256_add_pd(c1, b1)));
                        _mm_storeu_ps(out + 24, _mm256_cvtpd_ps(_mm256_add_pd(c2, b1)));
                        _mm_storeu_ps(out + 28, _mm256_cvtpd_ps(_mm256_add_pd(c3, b1)));
                        for (j = 0; j < 16 && ox + j < p->ow; j++) {
                            y0[ox + j] = out[j];
                            y1[ox + j] = out[16 + j];
                        }
                    }
                    for (; ox < p->ow; ox += 4) {
                        __m256d a0 = _mm256_setzero_pd(), c0 = a0;
                        for (i = 0; i < cg * p->kh; i++) {
                            const double *br = buf + i * row + ox;
                            for (kx = 0; kx < p->kw; kx++) {
                                __m256d v0 = _mm256_loadu_pd(br + koff[kx]);
                                a0 = _mm256_fmadd_pd(v0, _mm256_set1_pd((double)w0[i * p->kw + kx]), a0);
                                c0 = _mm256_fmadd_pd(v0, _mm256_set1_pd((double)w1[i * p->kw + kx]), c0);
                            }
                        }
                        _mm_storeu_ps(out, _mm256_cvtpd_ps(_mm256_add_pd(a0, b0)));
                        _mm_storeu_ps(out + 4, _mm256_cvtpd_ps(_mm256_add_pd(c0, b1)));
                        for (j = 0; j < 4 && ox + j < p->ow; j++) {
                            y0[ox + j] = out[j];
                            y1[ox + j] = out[4 + j];
                        }
                    }
                }
            }
        }
    }
}
