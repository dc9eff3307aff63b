/*
 * spike.c - AVX2 variants of the spike layers of runtime/generic/spike.c:
 * same signatures, additions and subtractions only (no multiplication of
 * floats), and the same results as the generic kernels where the order of
 * additions is the same (lookup-table convolution, packing) or within
 * float rounding (the dense spike gemm sums 8 partial sums).
 *
 * needs: <immintrin.h>, compiled with -mavx2
 */

/* @kernel spike_pack_f32 uses spike_pack_params spike_pack_code needs <immintrin.h> */
/* pack: spikes x of n samples of c channels x p pixels, element (b, ch, q) at
 * x[b*c*p + ch*cs + q*ps] -> codes (n, p, groups), groups = ceil(c / group):
 * code = sum_i (s_i + 1) * 3^i (ternary) or sum_i s_i * 2^i (binary). 8 pixels at a time
 * when pixels are contiguous (ps == 1); integer arithmetic only. */
static void spike_pack_f32(const float *x, unsigned char *codes, const struct spike_pack_params *sp)
{
    const long n = sp->n, c = sp->c, p = sp->p, cs = sp->cs, ps = sp->ps;
    const int group = sp->group, ternary = sp->ternary;
    long b, q, g, groups = (c + group - 1) / group;
    int i, j;
    for (b = 0; b < n; b++) {
        const float *xb = x + b * c * p;
        long p8 = ps == 1 ? p - p % 8 : 0; /* pixels done 8 at a time */
        if (ps == 1 && group == 4 && groups == 4) {
            /* 16 channels: the 4 codes of 8 pixels become 32 contiguous bytes (pixel-major). */
            const __m256 zero = _mm256_setzero_ps();
            const __m256i one = _mm256_set1_epi32(ternary ? 1 : 0);
            const __m256i interleave = _mm256_setr_epi8(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                                                        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
            for (q = 0; q < p8; q += 8) {
                __m256i code[4], c01, c23, bytes;
                for (g = 0; g < 4; g++) {
                    int place = 1;
                    code[g] = _mm256_setzero_si256();
                    for (i = 0; i < 4; i++, place *= ternary ? 3 : 2) {
                        long ch = g * 4 + i;
                        __m256i digit = one;
                        if (ch < c) {
                            __m256 sv = _mm256_loadu_ps(xb + ch * cs + q);
                            __m256i gt = _mm256_castps_si256(_mm256_cmp_ps(sv, zero, _CMP_GT_OQ));
                            __m256i lt = _mm256_castps_si256(_mm256_cmp_ps(sv, zero, _CMP_LT_OQ));
                            digit = ternary ? _mm256_add_epi32(one, _mm256_sub_epi32(lt, gt))
                                            : _mm256_sub_epi32(one, gt);
                        }
                        code[g] = _mm256_add_epi32(code[g], _mm256_mullo_epi32(digit, _mm256_set1_epi32(place)));
                    }
                }
                /* Per 128-bit lane: g0 p0..3, g1 p0..3, g2 p0..3, g3 p0..3 -> p0 g0..3, p1 g0..3, ... */
                c01 = _mm256_packus_epi32(code[0], code[1]);
                c23 = _mm256_packus_epi32(code[2], code[3]);
                bytes = _mm256_shuffle_epi8(_mm256_packus_epi16(c01, c23), interleave);
                /* The low lane holds pixels q..q+3, the high lane q+4..q+7: contiguous. */
                _mm256_storeu_si256((__m256i *)(codes + (b * p + q) * 4), bytes);
            }
        } else if (ps == 1) {
            const __m256 zero = _mm256_setzero_ps();
            for (q = 0; q < p8; q += 8) {
                for (g = 0; g < groups; g++) {
                    __m256i code = _mm256_setzero_si256();
                    int place = 1;
                    int lanes[8];
                    for (i = 0; i < group; i++, place *= ternary ? 3 : 2) {
                        long ch = g * group + i;
                        __m256i digit;
                        if (ch < c) {
                            __m256 s = _mm256_loadu_ps(xb + ch * cs + q);
                            /* masks are -1 where true: digit = 1 + [s > 0] - [s < 0], or [s > 0] */
                            __m256i gt = _mm256_castps_si256(_mm256_cmp_ps(s, zero, _CMP_GT_OQ));
                            __m256i lt = _mm256_castps_si256(_mm256_cmp_ps(s, zero, _CMP_LT_OQ));
                            digit = ternary ? _mm256_add_epi32(_mm256_set1_epi32(1), _mm256_sub_epi32(lt, gt))
                                            : _mm256_sub_epi32(_mm256_setzero_si256(), gt);
                        } else {
                            digit = _mm256_set1_epi32(ternary ? 1 : 0);
                        }
                        code = _mm256_add_epi32(code, _mm256_mullo_epi32(digit, _mm256_set1_epi32(place)));
                    }
                    _mm256_storeu_si256((__m256i *)lanes, code);
                    for (j = 0; j < 8; j++) codes[(b * p + q + j) * groups + g] = (unsigned char)lanes[j];
                }
            }
        } else if (cs == 1 && group == 4 && (c % 32 == 0 || (ps == c && c % 4 == 0))) {
            /* Channels-last, 32 channels (8 codes) per step: digits times [1,3,9,27] (or
             * [1,2,4,8]), then horizontal adds, which leave the codes in the order 0,2,4,6,1,3,5,7.
             * Dense pixels (ps == c) make the sample one run of p*c floats and p*groups codes (4
             * divides c, so no code straddles two pixels): 16-channel layers go 2 pixels a step. */
            const __m256 zero = _mm256_setzero_ps();
            const __m256i place = ternary ? _mm256_setr_epi32(1, 3, 9, 27, 1, 3, 9, 27)
                                          : _mm256_setr_epi32(1, 2, 4, 8, 1, 2, 4, 8);
            const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
            const __m256i one = _mm256_set1_epi32(ternary ? 1 : 0);
            const long run = ps == c ? p * c : c, rows = ps == c ? 1 : p;
            long r;
            for (r = 0; r < rows; r++) {
                const float *xq = xb + r * ps;
                unsigned char *out = codes + (b * p + r) * groups;
                long ch;
                for (ch = 0; ch + 32 <= run; ch += 32) {
                    __m256i d[4], h01, h23, all;
                    __m128i w16;
                    for (j = 0; j < 4; j++) {
                        __m256 sv = _mm256_loadu_ps(xq + ch + 8 * j);
                        __m256i gt = _mm256_castps_si256(_mm256_cmp_ps(sv, zero, _CMP_GT_OQ));
                        __m256i lt = _mm256_castps_si256(_mm256_cmp_ps(sv, zero, _CMP_LT_OQ));
                        __m256i digit = ternary ? _mm256_add_epi32(one, _mm256_sub_epi32(lt, gt))
                                                : _mm256_sub_epi32(one, gt);
                        d[j] = _mm256_mullo_epi32(digit, place);
                    }
                    h01 = _mm256_hadd_epi32(d[0], d[1]);
                    h23 = _mm256_hadd_epi32(d[2], d[3]);
                    all = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(h01, h23), order);
                    w16 = _mm_packus_epi32(_mm256_castsi256_si128(all), _mm256_extracti128_si256(all, 1));
                    _mm_storel_epi64((__m128i *)(out + ch / 4), _mm_packus_epi16(w16, w16));
                }
                for (; ch < run; ch += 4) out[ch / 4] = spike_pack_code(xq + ch, 1, 4, 4, ternary);
            }
            p8 = p;
        }
        for (q = p8; q < p; q++) {
            unsigned char *out = codes + (b * p + q) * groups;
            for (g = 0; g < groups; g++)
                out[g] = spike_pack_code(xb + g * group * cs + q * ps, cs, c - g * group, group, ternary);
        }
    }
}

/* @kernel spike_conv2d_lut_f32 uses spike_conv2d_params spike_conv2d_lut_simd_f32 */
/* spike_conv2d_lut: runtime/simd/spike_lut.c, over this target's vector vocabulary. */
static void spike_conv2d_lut_f32(const unsigned char *codes, const float *lut, const long *tap_table, const float *b,
                                 float *y, const struct spike_conv2d_params *sp)
{
    spike_conv2d_lut_simd_f32(codes, lut, tap_table, b, y, sp);
}

/* @kernel spike_gemm_masked_avx2 needs <immintrin.h> */
/* +w where s > 0, -w where s < 0, 0 where s == 0: the sign bit of s flips w, s != 0 keeps it. */
static __m256 spike_gemm_masked_avx2(__m256 w, __m256 s)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 flipped = _mm256_xor_ps(w, _mm256_and_ps(s, sign));
    return _mm256_and_ps(flipped, _mm256_cmp_ps(s, _mm256_setzero_ps(), _CMP_NEQ_OQ));
}

/* @kernel spike_gemm_hsum_avx2 needs <immintrin.h> */
/* The sum of the eight lanes of v. */
static float spike_gemm_hsum_avx2(__m256 v)
{
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    return _mm_cvtss_f32(lo);
}

/* @kernel spike_gemm_dense_f32 uses spike_gemm_params spike_gemm_masked_avx2 spike_gemm_hsum_avx2 needs <immintrin.h> */
/* spike_gemm_dense: a (M,K) in {-1,0,1}, w (N,K), c (c_stride 0: one row (N); N: (M,N)) or NULL
 * -> y (M,N) = a * w^T + c. Each spike selects +w, -w or nothing with bit masks (no
 * multiplication, no branch). Rows go four at a time, so that each weight vector is loaded
 * once for four rows (the timesteps of a time-folded layer); eight partial sums per output. */
static void spike_gemm_dense_f32(const float *a, const float *w, const float *c, float *y,
                                 const struct spike_gemm_params *p)
{
    const long c_stride = p->c_stride, m = p->m, k = p->k, n = p->n;
    long i = 0, j, kk, r, k8 = k - k % 8;
    for (; i < m; i += 4) {
        long rows = m - i < 4 ? m - i : 4;
        const float *a0 = a + i * k;
        for (j = 0; j < n; j++) {
            const float *wj = w + j * k;
            __m256 acc[4];
            float sum[4];
            acc[0] = acc[1] = acc[2] = acc[3] = _mm256_setzero_ps();
            if (rows == 4) {
                const float *a1 = a0 + k, *a2 = a1 + k, *a3 = a2 + k;
                __m256 c0 = acc[0], c1 = acc[1], c2 = acc[2], c3 = acc[3];
                for (kk = 0; kk < k8; kk += 8) {
                    __m256 wv = _mm256_loadu_ps(wj + kk);
                    c0 = _mm256_add_ps(c0, spike_gemm_masked_avx2(wv, _mm256_loadu_ps(a0 + kk)));
                    c1 = _mm256_add_ps(c1, spike_gemm_masked_avx2(wv, _mm256_loadu_ps(a1 + kk)));
                    c2 = _mm256_add_ps(c2, spike_gemm_masked_avx2(wv, _mm256_loadu_ps(a2 + kk)));
                    c3 = _mm256_add_ps(c3, spike_gemm_masked_avx2(wv, _mm256_loadu_ps(a3 + kk)));
                }
                acc[0] = c0, acc[1] = c1, acc[2] = c2, acc[3] = c3;
            } else {
                for (r = 0; r < rows; r++) {
                    __m256 cr = _mm256_setzero_ps();
                    for (kk = 0; kk < k8; kk += 8)
                        cr = _mm256_add_ps(cr, spike_gemm_masked_avx2(_mm256_loadu_ps(wj + kk),
                                                                      _mm256_loadu_ps(a0 + r * k + kk)));
                    acc[r] = cr;
                }
            }
            for (r = 0; r < rows; r++) {
                const float *ai = a0 + r * k;
                sum[r] = spike_gemm_hsum_avx2(acc[r]);
                for (kk = k8; kk < k; kk++) {
                    float s = ai[kk], wv = wj[kk];
                    sum[r] += s > 0.0f ? wv : s < 0.0f ? -wv : 0.0f;
                }
                y[(i + r) * n + j] = c ? c[(i + r) * c_stride + j] + sum[r] : sum[r];
            }
        }
    }
}

/* @kernel spike_events_taps_avx2 uses conv2d_params */
/* The outputs input pixel (iy, ix) reaches: for each valid kernel tap, the weight offset
 * (tap * M) in wo and the output offset in yo; returns their count. */
static int spike_events_taps_avx2(const struct conv2d_params *p, long iy, long ix, long yq, long *wo, long *yo)
{
    long ky, kx;
    int nt = 0;
    for (ky = 0; ky < p->kh; ky++) {
        long ty = iy + p->pad_top - ky * p->dil_h, oy;
        if (ty < 0 || ty % p->stride_h || (oy = ty / p->stride_h) >= p->oh) continue;
        for (kx = 0; kx < p->kw; kx++) {
            long tx = ix + p->pad_left - kx * p->dil_w, ox;
            if (tx < 0 || tx % p->stride_w || (ox = tx / p->stride_w) >= p->ow) continue;
            wo[nt] = (ky * p->kw + kx) * p->m;
            yo[nt++] = (oy * p->ow + ox) * yq;
        }
    }
    return nt;
}

/* @kernel spike_events_add_avx2 needs <immintrin.h> */
/* One event: y rows yn + yo[t] (m floats each) += or -= weight rows wc + wo[t], for nt taps. */
static void spike_events_add_avx2(float *yn, const float *wc, const long *wo, const long *yo, int nt, long m,
                                  int subtract)
{
    int t;
    long j;
    for (t = 0; t < nt; t++) {
        const float *wv = wc + wo[t];
        float *yv = yn + yo[t];
        if (subtract)
            for (j = 0; j < m; j += 8)
                _mm256_storeu_ps(yv + j, _mm256_sub_ps(_mm256_loadu_ps(yv + j), _mm256_loadu_ps(wv + j)));
        else
            for (j = 0; j < m; j += 8)
                _mm256_storeu_ps(yv + j, _mm256_add_ps(_mm256_loadu_ps(yv + j), _mm256_loadu_ps(wv + j)));
    }
}

/* @kernel spike_conv2d_f32 uses spike_conv2d_params spike_events_taps_avx2 spike_events_add_avx2 needs <immintrin.h> */
/* spike_conv2d (events): x spikes of sample n, channel c, pixel q at x[n*C*H*W + c*xc + q*xq],
 * wt (C, kh, kw, M/group), b (M) or NULL -> y (channel m of output pixel q at
 * y[n*M*OH*OW + q*yq + m*ym]). Channels-last output with M a multiple of 8 and one group:
 * row-major spikes are scanned channel by channel (8 pixels per compare: the generic
 * kernel's order), channels-last spikes pixel by pixel (8 channels per compare); a pixel's
 * taps are worked out only when it spiked, and each spike adds or subtracts 8 output
 * channels per instruction at every output it reaches, so the cost is a scan of the input
 * plus the events. Other shapes: one channel at a time, as the generic kernel. */
static void spike_conv2d_f32(const float *x, const float *wt, const float *b, float *y,
                             const struct spike_conv2d_params *sp)
{
    const struct conv2d_params *p = &sp->conv;
    const long xc = sp->xc, xq = sp->xq, yq = sp->yq, ym = sp->ym;
    long n, i, j, c, iy, ix, ky, kx, m = p->m, ohw = p->oh * p->ow, hw = p->h * p->w;
    const __m256 zero = _mm256_setzero_ps();
    if (ym != 1 || m % 8 != 0 || p->group != 1 || p->kh * p->kw > 64) {
        long cg = p->c / p->group, mg = m / p->group;
        for (n = 0; n < p->n; n++) {
            const float *xn = x + n * p->c * hw;
            float *yn = y + n * m * ohw;
            for (i = 0; i < ohw; i++)
                for (j = 0; j < m; j++) yn[i * yq + j * ym] = b ? b[j] : 0.0f;
            for (c = 0; c < p->c; c++)
                for (iy = 0; iy < p->h; iy++)
                    for (ix = 0; ix < p->w; ix++) {
                        float s = xn[c * xc + (iy * p->w + ix) * xq];
                        if (s == 0.0f) continue;
                        for (ky = 0; ky < p->kh; ky++) {
                            long ty = iy + p->pad_top - ky * p->dil_h, oy;
                            if (ty < 0 || ty % p->stride_h || (oy = ty / p->stride_h) >= p->oh) continue;
                            for (kx = 0; kx < p->kw; kx++) {
                                long tx = ix + p->pad_left - kx * p->dil_w, ox;
                                const float *wv;
                                float *yv;
                                if (tx < 0 || tx % p->stride_w || (ox = tx / p->stride_w) >= p->ow) continue;
                                wv = wt + ((c * p->kh + ky) * p->kw + kx) * mg;
                                yv = yn + (c / cg) * mg * ym + (oy * p->ow + ox) * yq;
                                for (j = 0; j < mg; j++) yv[j * ym] += s > 0.0f ? wv[j] : -wv[j];
                            }
                        }
                    }
        }
        return;
    }
    for (n = 0; n < p->n; n++) {
        const float *xn = x + n * p->c * hw;
        float *yn = y + n * m * ohw;
        long wo[64], yo[64];
        for (i = 0; i < ohw; i++)
            for (j = 0; j < m; j += 8)
                _mm256_storeu_ps(yn + i * yq + j, b ? _mm256_loadu_ps(b + j) : zero);
        if (xq == 1) {
            /* Row-major spikes: channel by channel (the generic kernel's order), 8 pixels per
             * compare; a pixel's taps are worked out only when it spiked. */
            for (c = 0; c < p->c; c++) {
                const float *wc = wt + c * p->kh * p->kw * m;
                for (i = 0; i < hw; i += 8) {
                    unsigned pos = 0, neg = 0, bits;
                    if (hw - i >= 8) {
                        __m256 v = _mm256_loadu_ps(xn + c * xc + i);
                        pos = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ));
                        neg = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ));
                    } else {
                        int k;
                        for (k = 0; k < hw - i; k++) {
                            float s = xn[c * xc + i + k];
                            pos |= (unsigned)(s > 0.0f) << k;
                            neg |= (unsigned)(s < 0.0f) << k;
                        }
                    }
                    for (bits = pos | neg; bits; bits &= bits - 1) {
                        int lane = __builtin_ctz(bits);
                        long q = i + lane;
                        int nt = spike_events_taps_avx2(p, q / p->w, q % p->w, yq, wo, yo);
                        spike_events_add_avx2(yn, wc, wo, yo, nt, m, !((pos >> lane) & 1u));
                    }
                }
            }
            continue;
        }
        /* Channels-last spikes: pixel by pixel, 8 channels per compare. */
        for (iy = 0; iy < p->h; iy++)
            for (ix = 0; ix < p->w; ix++) {
                int nt = -1;
                for (c = 0; c < p->c; c += 8) {
                    const float *xp = xn + c * xc + (iy * p->w + ix) * xq;
                    unsigned pos = 0, neg = 0;
                    int lanes = p->c - c < 8 ? (int)(p->c - c) : 8, k;
                    if (xc == 1 && lanes == 8) {
                        __m256 v = _mm256_loadu_ps(xp);
                        pos = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_GT_OQ));
                        neg = (unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, zero, _CMP_LT_OQ));
                    } else {
                        for (k = 0; k < lanes; k++) {
                            float s = xp[k * xc];
                            pos |= (unsigned)(s > 0.0f) << k;
                            neg |= (unsigned)(s < 0.0f) << k;
                        }
                    }
                    if (!(pos | neg)) continue;
                    if (nt < 0) nt = spike_events_taps_avx2(p, iy, ix, yq, wo, yo);
                    while (pos | neg) {
                        unsigned bits = pos ? pos : neg;
                        int lane = __builtin_ctz(bits), subtract = !pos;
                        if (pos) pos &= pos - 1; else neg &= neg - 1;
                        spike_events_add_avx2(yn, wt + (c + lane) * p->kh * p->kw * m, wo, yo, nt, m, subtract);
                    }
                }
            }
    }
}
