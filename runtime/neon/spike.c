/*
 * spike.c - AArch64 NEON variants of the spike layers of
 * runtime/generic/spike.c: same signatures, additions, subtractions and bit
 * masks only (no multiplication of floats). The lookup-table convolution
 * and the packing give the generic kernels' results bit for bit; the dense
 * spike gemm sums four partial sums.
 *
 * needs: <arm_neon.h>
 */

/* @kernel spike_pack_f32 uses spike_pack_params needs <arm_neon.h> */
/* pack: spikes x of n samples of c channels x p pixels, element (b, ch, q) at
 * x[b*c*p + ch*cs + q*ps] -> codes (n, p, groups), groups = ceil(c / group):
 * code = sum_i (s_i + 1) * 3^i (ternary) or sum_i s_i * 2^i (binary). Four pixels at a
 * time when pixels are contiguous (ps == 1), four channels (one code) at a time when
 * channels are (cs == 1, group == 4); integer arithmetic only. */
static void spike_pack_f32(const float *x, unsigned char *codes, const struct spike_pack_params *sp)
{
    const long n = sp->n, c = sp->c, p = sp->p, cs = sp->cs, ps = sp->ps;
    const int group = sp->group, ternary = sp->ternary;
    const float32x4_t zero = vdupq_n_f32(0.0f);
    const int32x4_t one = vdupq_n_s32(ternary ? 1 : 0);
    long b, q, g, groups = (c + group - 1) / group;
    int i, j;
    for (b = 0; b < n; b++) {
        const float *xb = x + b * c * p;
        long done = 0;
        if (ps == 1) {
            done = p - p % 4;
            for (q = 0; q < done; q += 4)
                for (g = 0; g < groups; g++) {
                    int32x4_t code = vdupq_n_s32(0);
                    int place = 1, lanes[4];
                    for (i = 0; i < group; i++, place *= ternary ? 3 : 2) {
                        long ch = g * group + i;
                        int32x4_t digit = one;
                        if (ch < c) {
                            float32x4_t sv = vld1q_f32(xb + ch * cs + q);
                            /* masks are -1 where true: digit = 1 + lt - gt (ternary) or -gt (binary) */
                            int32x4_t gt = vreinterpretq_s32_u32(vcgtq_f32(sv, zero));
                            int32x4_t lt = vreinterpretq_s32_u32(vcltq_f32(sv, zero));
                            digit = vaddq_s32(one, ternary ? vsubq_s32(lt, gt) : vnegq_s32(gt));
                        }
                        code = vaddq_s32(code, vmulq_n_s32(digit, place));
                    }
                    vst1q_s32(lanes, code);
                    for (j = 0; j < 4; j++) codes[(b * p + q + j) * groups + g] = (unsigned char)lanes[j];
                }
        } else if (cs == 1 && group == 4 && c % 4 == 0) {
            static const int pow3[4] = {1, 3, 9, 27}, pow2[4] = {1, 2, 4, 8};
            const int32x4_t place = vld1q_s32(ternary ? pow3 : pow2);
            for (q = 0; q < p; q++) {
                const float *xq = xb + q * ps;
                unsigned char *out = codes + (b * p + q) * groups;
                for (g = 0; g < groups; g++) {
                    float32x4_t sv = vld1q_f32(xq + 4 * g);
                    int32x4_t gt = vreinterpretq_s32_u32(vcgtq_f32(sv, zero));
                    int32x4_t lt = vreinterpretq_s32_u32(vcltq_f32(sv, zero));
                    int32x4_t digit = vaddq_s32(one, ternary ? vsubq_s32(lt, gt) : vnegq_s32(gt));
                    out[g] = (unsigned char)vaddvq_s32(vmulq_s32(digit, place));
                }
            }
            done = p;
        }
        for (q = done; q < p; q++) {
            unsigned char *out = codes + (b * p + q) * groups;
            for (g = 0; g < groups; g++) {
                int code = 0, place = 1;
                for (i = 0; i < group; i++, place *= ternary ? 3 : 2) {
                    long ch = g * group + i;
                    float s = ch < c ? xb[ch * cs + q * ps] : 0.0f;
                    int digit = ternary ? (s > 0.0f ? 2 : s < 0.0f ? 0 : 1) : s > 0.0f;
                    code += digit * place;
                }
                out[g] = (unsigned char)code;
            }
        }
    }
}

/* @kernel spike_lut_taps_neon uses conv2d_params */
/* The table rows of output pixel (oy, ox): for each valid kernel tap, its codes and table
 * base (sample 0); returns how many taps are valid (padding taps add nothing). */
static int spike_lut_taps_neon(const unsigned char **cps, const float **taps, const unsigned char *codes,
                               const float *lut, const long *tap_table, const struct conv2d_params *p,
                               long oy, long ox, long groups, long entries)
{
    long ky, kx;
    int t = 0;
    for (ky = 0; ky < p->kh; ky++) {
        long iy = oy * p->stride_h - p->pad_top + ky * p->dil_h;
        if (iy < 0 || iy >= p->h) continue;
        for (kx = 0; kx < p->kw; kx++) {
            long ix = ox * p->stride_w - p->pad_left + kx * p->dil_w;
            if (ix < 0 || ix >= p->w) continue;
            cps[t] = codes + (iy * p->w + ix) * groups;
            taps[t] = lut + tap_table[ky * p->kw + kx] * groups * entries * p->m;
            t++;
        }
    }
    return t;
}

/* @kernel spike_lut_block_neon needs <arm_neon.h> */
/* 4*nv output channels from m0 (nv <= 16), accumulated in registers over every (tap, group)
 * table row of one output pixel; with split (M <= 32) even and odd rows go to two sums
 * added at the end, the generic kernel's order. */
static void spike_lut_block_neon(const unsigned char *const *cps, const float *const *taps, int ntaps,
                                 long groups, long entries, long m, const float *b, float *yo,
                                 long m0, int nv, int split)
{
    float32x4_t a[16], o[8];
    int t, k;
    long g, row = 0;
    for (k = 0; k < nv; k++) a[k] = b ? vld1q_f32(b + m0 + 4 * k) : vdupq_n_f32(0.0f);
    for (k = 0; k < 8; k++) o[k] = vdupq_n_f32(0.0f);
    for (t = 0; t < ntaps; t++) {
        const unsigned char *cp = cps[t];
        const float *tap = taps[t] + m0;
        for (g = 0; g < groups; g++, row++) {
            const float *e = tap + (g * entries + cp[g]) * m;
            if (split && row % 2)
                for (k = 0; k < nv; k++) o[k] = vaddq_f32(o[k], vld1q_f32(e + 4 * k));
            else
                for (k = 0; k < nv; k++) a[k] = vaddq_f32(a[k], vld1q_f32(e + 4 * k));
        }
    }
    for (k = 0; k < nv; k++) vst1q_f32(yo + m0 + 4 * k, split ? vaddq_f32(a[k], o[k]) : a[k]);
}

/* @kernel spike_conv2d_lut_f32 uses spike_conv2d_params spike_lut_taps_neon spike_lut_block_neon needs <arm_neon.h> */
#define SPIKE_LUT_ROW_BUF 1024
/* spike_conv2d_lut: codes (N, H, W, groups), lut (kh*kw, groups, entries, M), b (M) or NULL ->
 * y (output pixel q, channel m at y[n*M*OH*OW + q*yq + m*ym]). Channels-last output: up to
 * 64 output channels accumulate in registers per pass; the order of additions per output is
 * the generic kernel's. */
static void spike_conv2d_lut_f32(const unsigned char *codes, const float *lut, const long *tap_table, const float *b,
                                 float *y, const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long groups = sp->groups, entries = sp->entries, yq = sp->yq, ym = sp->ym;
    const unsigned char *cps[64];
    const float *taps[64];
    long nb, oy, ox, m = p->m, ohw = p->oh * p->ow, sample = p->h * p->w * groups;
    int split = m <= 32; /* the generic kernel's order of additions */
    /* A row-major output (ym != 1) is summed into buf and stored a channel at a time:
     * the same additions in the same order as the channels-last path. */
    float buf[SPIKE_LUT_ROW_BUF];
    for (oy = 0; oy < p->oh; oy++)
        for (ox = 0; ox < p->ow; ox++) {
            int t, ntaps = p->kh * p->kw <= 64 ? spike_lut_taps_neon(cps, taps, codes, lut, tap_table, p, oy, ox, groups, entries) : -1;
            for (nb = 0; nb < p->n; nb++) {
                float *yo = y + nb * m * ohw + (oy * p->ow + ox) * yq, *ys = ym == 1 ? yo : buf;
                long m0 = 0, j, g, ky, kx;
                if (nb > 0)
                    for (t = 0; t < ntaps; t++) cps[t] += sample;
                if (ntaps >= 0 && (ym == 1 || m <= SPIKE_LUT_ROW_BUF)) {
                    while (m - m0 >= 4) {
                        int nv = (m - m0) / 4 > 16 ? 16 : (int)((m - m0) / 4);
                        spike_lut_block_neon(cps, taps, ntaps, groups, entries, m, b, ys, m0, nv, split);
                        m0 += 4 * nv;
                    }
                    for (j = m0; j < m; j++) {
                        float acc = b ? b[j] : 0.0f, acc_odd = 0.0f;
                        long row = 0;
                        for (t = 0; t < ntaps; t++)
                            for (g = 0; g < groups; g++, row++) {
                                float e = taps[t][(g * entries + cps[t][g]) * m + j];
                                if (split && row % 2) acc_odd += e;
                                else acc += e;
                            }
                        ys[j] = split ? acc + acc_odd : acc;
                    }
                    if (ym != 1)
                        for (j = 0; j < m; j++) yo[j * ym] = buf[j];
                    continue;
                }
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
                    yo[j * ym] = split ? acc + acc_odd : acc;
                }
            }
        }
}

/* @kernel spike_gemm_dense_f32 uses spike_gemm_params needs <arm_neon.h> */
/* spike_gemm_dense: a (M,K) in {-1,0,1}, w (N,K), c (c_stride 0: one row (N); N: (M,N)) or NULL
 * -> y (M,N) = a * w^T + c. The sign bit of s flips the weight's sign, s != 0 keeps it.
 * Four partial sums per output. */
static void spike_gemm_dense_f32(const float *a, const float *w, const float *c, float *y,
                                 const struct spike_gemm_params *p)
{
    const long c_stride = p->c_stride, m = p->m, k = p->k, n = p->n;
    const uint32x4_t sign = vdupq_n_u32(0x80000000u);
    const float32x4_t zero = vdupq_n_f32(0.0f);
    long i, j, kk, k4 = k - k % 4;
    for (i = 0; i < m; i++) {
        const float *ai = a + i * k;
        for (j = 0; j < n; j++) {
            const float *wj = w + j * k;
            float32x4_t acc = zero;
            float sum;
            for (kk = 0; kk < k4; kk += 4) {
                float32x4_t s = vld1q_f32(ai + kk);
                uint32x4_t wv = veorq_u32(vreinterpretq_u32_f32(vld1q_f32(wj + kk)),
                                          vandq_u32(vreinterpretq_u32_f32(s), sign));
                uint32x4_t nz = vmvnq_u32(vceqq_f32(s, zero));
                acc = vaddq_f32(acc, vreinterpretq_f32_u32(vandq_u32(wv, nz)));
            }
            sum = vaddvq_f32(acc);
            for (; kk < k; kk++) {
                float s = ai[kk], wv = wj[kk];
                sum += s > 0.0f ? wv : s < 0.0f ? -wv : 0.0f;
            }
            y[i * n + j] = c ? c[i * c_stride + j] + sum : sum;
        }
    }
}
