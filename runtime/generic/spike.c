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

/* @kernel spike_conv2d_f32 uses conv2d_params */
/* spike_conv2d: x (N,C,H,W) in {-1,0,1}, wt (C,kh,kw,M/group), b (M) or NULL -> y (N,M,OH,OW). */
static void spike_conv2d_f32(const float *x, const float *wt, const float *b, float *y,
                             const struct conv2d_params *p)
{
    long cg = p->c / p->group, mg = p->m / p->group, ohw = p->oh * p->ow;
    long n, c, i, j, iy, ix, ky, kx;
    for (n = 0; n < p->n; n++) {
        float *yn = y + n * p->m * ohw;
        for (j = 0; j < p->m; j++) {
            float bj = b ? b[j] : 0.0f;
            for (i = 0; i < ohw; i++) yn[j * ohw + i] = bj;
        }
        for (c = 0; c < p->c; c++) {
            const float *xc = x + (n * p->c + c) * p->h * p->w;
            float *yg = yn + (c / cg) * mg * ohw;
            for (iy = 0; iy < p->h; iy++) {
                for (ix = 0; ix < p->w; ix++) {
                    float s = xc[iy * p->w + ix];
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
                            yv = yg + oy * p->ow + ox;
                            if (s > 0.0f)
                                for (j = 0; j < mg; j++) yv[j * ohw] += wv[j];
                            else
                                for (j = 0; j < mg; j++) yv[j * ohw] -= wv[j];
                        }
                    }
                }
            }
        }
    }
}

/* @kernel spike_gemm_f32 */
/* spike_gemm: a (M,K) in {-1,0,1}, bt (K,N), c bias rows (c_stride 0: one row (N) for all,
 * N: a full (M,N) matrix) or NULL -> y (M,N) = a * bt + c. */
static void spike_gemm_f32(const float *a, const float *bt, const float *c, long c_stride,
                           float *y, long m, long k, long n)
{
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
