/*
 * neuron.c - AVX2 variants of runtime/generic/neuron.c: one timestep of the
 * ternary/binary spiking neuron, 8 neurons per instruction. Same signatures
 * and the same results bit for bit: the leak is one rounded multiply and
 * one rounded add (no FMA), the threshold compare is exact.
 *
 * needs: <immintrin.h>, <string.h>, compiled with -mavx2
 *
 * A strict threshold v > t is the inclusive v >= t' with t' the next float
 * above t (they agree for every float v, and are both false for NaN), so one
 * compare per side serves both kinds of rule.
 */

/* @kernel lif_f32 uses lif_params lif_neuron_f32 lif_next_float needs <immintrin.h> */
/* lif: x (n) input current, m_prev (n) membrane after the previous step's reset or NULL on
 * the first step -> s (n) spikes in {-1,0,1}, m (n) membrane after reset (NULL: not needed). */
static void lif_f32(const float *x, const float *m_prev, float *s, float *m, const struct lif_params *p)
{
    const long n = p->n;
    const __m256 decay = _mm256_set1_ps(p->decay), vth = _mm256_set1_ps(p->vth);
    const __m256 up = _mm256_set1_ps(p->up_inclusive ? p->up : lif_next_float(p->up, 1));
    const __m256 down = _mm256_set1_ps(p->down_inclusive ? p->down : lif_next_float(p->down, 0));
    const __m256 one = _mm256_set1_ps(1.0f), minus_one = _mm256_set1_ps(-1.0f);
    const int scale = p->vth != 1.0f, ternary = p->ternary;
    long i = 0, n8 = n - n % 8;
    for (; i < n8; i += 8) {
        __m256 u = _mm256_loadu_ps(x + i), v, pos, neg, spike;
        if (m_prev) u = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m_prev + i), decay), u);
        v = scale ? _mm256_div_ps(u, vth) : u;
        pos = _mm256_cmp_ps(v, up, _CMP_GE_OQ);
        neg = ternary ? _mm256_andnot_ps(pos, _mm256_cmp_ps(v, down, _CMP_LE_OQ)) : _mm256_setzero_ps();
        spike = _mm256_or_ps(_mm256_and_ps(pos, one), _mm256_and_ps(neg, minus_one));
        _mm256_storeu_ps(s + i, spike);
        if (m) _mm256_storeu_ps(m + i, _mm256_andnot_ps(_mm256_or_ps(pos, neg), u));
    }
    for (; i < n; i++) s[i] = lif_neuron_f32(x[i], m_prev ? m_prev + i : 0, m ? m + i : 0, p);
}

/* @kernel lif_pack_step_avx2 needs <immintrin.h> */
/* One neuron step for 8 neurons (lif_f32's arithmetic); stores the membrane after reset when m
 * is not NULL and returns the code digits: 1 + s (ternary) or s (binary), as int32 lanes. */
static __m256i lif_pack_step_avx2(const float *x, const float *m_prev, float *m, __m256 decay,
                                  __m256 vth, __m256 up, __m256 down, int scale, int ternary)
{
    __m256 u = _mm256_loadu_ps(x), v, pos, neg;
    if (m_prev) u = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(m_prev), decay), u);
    v = scale ? _mm256_div_ps(u, vth) : u;
    pos = _mm256_cmp_ps(v, up, _CMP_GE_OQ);
    neg = ternary ? _mm256_andnot_ps(pos, _mm256_cmp_ps(v, down, _CMP_LE_OQ)) : _mm256_setzero_ps();
    if (m) _mm256_storeu_ps(m, _mm256_andnot_ps(_mm256_or_ps(pos, neg), u));
    /* masks are -1 where true: digit = (ternary) - pos + neg, i.e. 2 / 1 / 0 or 1 / 0 */
    return _mm256_add_epi32(_mm256_set1_epi32(ternary),
                            _mm256_sub_epi32(_mm256_castps_si256(neg), _mm256_castps_si256(pos)));
}

/* @kernel lif_pack_f32 uses lif_params lif_pack_code_f32 lif_next_float lif_pack_step_avx2 needs <immintrin.h> */
/* lif_pack: one timestep of lif_f32 writing codes instead of float spikes (see the generic
 * kernel): codes (n, p, groups) of channels in groups of `group`. Vector paths for groups of 4:
 * NCHW (xq == 1), 8 pixels at a time, and channels-last (xc == 1) with c a multiple of 32,
 * one pixel's 32 channels at a time; other shapes one neuron at a time. */
static void lif_pack_f32(const float *x, const float *m_prev, unsigned char *codes, float *m,
                         const struct lif_params *pr)
{
    const long n = pr->n, c = pr->c, p = pr->p, xc = pr->xc, xq = pr->xq;
    const int group = pr->group;
    const __m256 decay = _mm256_set1_ps(pr->decay), vth = _mm256_set1_ps(pr->vth);
    const __m256 up = _mm256_set1_ps(pr->up_inclusive ? pr->up : lif_next_float(pr->up, 1));
    const __m256 down = _mm256_set1_ps(pr->down_inclusive ? pr->down : lif_next_float(pr->down, 0));
    const int scale = pr->vth != 1.0f, ternary = pr->ternary;
    const __m256i place = ternary ? _mm256_setr_epi32(1, 3, 9, 27, 1, 3, 9, 27)
                                  : _mm256_setr_epi32(1, 2, 4, 8, 1, 2, 4, 8);
    long b, q, g, groups = (c + group - 1) / group;
    int i, j;
    for (b = 0; b < n; b++) {
        long base = b * c * p, done = 0;
        unsigned char *cb = codes + b * p * groups;
        if (group == 4 && xq == 1) {
            done = p - p % 8;
            for (q = 0; q < done; q += 8)
                for (g = 0; g < groups; g++) {
                    __m256i code = _mm256_setzero_si256();
                    int lanes[8], mult = 1;
                    for (i = 0; i < 4; i++, mult *= ternary ? 3 : 2) {
                        long ch = g * 4 + i, at = base + ch * xc + q;
                        __m256i digit = _mm256_set1_epi32(ternary);
                        if (ch < c)
                            digit = lif_pack_step_avx2(x + at, m_prev ? m_prev + at : 0, m ? m + at : 0,
                                                       decay, vth, up, down, scale, ternary);
                        code = _mm256_add_epi32(code, _mm256_mullo_epi32(digit, _mm256_set1_epi32(mult)));
                    }
                    _mm256_storeu_si256((__m256i *)lanes, code);
                    for (j = 0; j < 8; j++) cb[(q + j) * groups + g] = (unsigned char)lanes[j];
                }
        } else if (group == 4 && xc == 1 && c % 16 == 0) {
            /* 32 channels -> 8 codes (16 -> 4 at the end: the upper half of the vectors is
             * zero and only 4 bytes are stored); the horizontal adds leave them in order
             * 0,2,4,6,1,3,5,7 */
            const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
            for (q = 0; q < p; q++) {
                long ch;
                for (ch = 0; ch < c; ch += 32) {
                    int nv = c - ch >= 32 ? 4 : 2;
                    __m256i d[4], h01, h23, all;
                    __m128i w16, w8;
                    for (i = 0; i < 4; i++) {
                        long at = base + q * xq + ch + 8 * i;
                        d[i] = i >= nv ? _mm256_setzero_si256()
                                       : _mm256_mullo_epi32(lif_pack_step_avx2(x + at, m_prev ? m_prev + at : 0,
                                                                               m ? m + at : 0, decay, vth, up,
                                                                               down, scale, ternary),
                                                            place);
                    }
                    h01 = _mm256_hadd_epi32(d[0], d[1]);
                    h23 = _mm256_hadd_epi32(d[2], d[3]);
                    all = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(h01, h23), order);
                    w16 = _mm_packus_epi32(_mm256_castsi256_si128(all), _mm256_extracti128_si256(all, 1));
                    w8 = _mm_packus_epi16(w16, w16);
                    if (nv == 4) {
                        _mm_storel_epi64((__m128i *)(cb + q * groups + ch / 4), w8);
                    } else {
                        int four = _mm_cvtsi128_si32(w8);
                        memcpy(cb + q * groups + ch / 4, &four, 4);
                    }
                }
            }
            done = p;
        }
        for (q = done; q < p; q++)
            for (g = 0; g < groups; g++)
                cb[q * groups + g] = lif_pack_code_f32(x, m_prev, m, base + q * xq, c, g, xc, group, pr);
    }
}

/* @kernel lif_steps_fire_avx2 needs <immintrin.h> */
/* One timestep of 8 neurons of a time-invariant input x for lif_pack_steps_f32: fires u
 * (lif_f32's compares, up > down), then leaks the reset membrane into the next step's u.
 * Returns the spikes s as int32 lanes (-1/0/1; binary 0/1, down unused). */
static __m256i lif_steps_fire_avx2(__m256 *u, __m256 x, __m256 decay, __m256 up, __m256 down, int ternary)
{
    __m256 pos = _mm256_cmp_ps(*u, up, _CMP_GE_OQ);
    __m256 neg = ternary ? _mm256_cmp_ps(*u, down, _CMP_LE_OQ) : _mm256_setzero_ps();
    /* the leak is rounded before the add (no FMA), as in lif_f32 */
    *u = _mm256_add_ps(_mm256_mul_ps(_mm256_andnot_ps(_mm256_or_ps(pos, neg), *u), decay), x);
    return _mm256_sub_epi32(_mm256_castps_si256(neg), _mm256_castps_si256(pos)); /* masks are -1 */
}

/* @kernel lif_pack_steps_f32 uses lif_params lif_next_float lif_pack_f32 lif_steps_fire_avx2 needs <immintrin.h> */
/* lif_pack_steps: see the generic kernel. Vector path for an NCHW input of one sample with 16
 * channels (4 groups of 4), pixels a multiple of 8, vth 1, up > down, at most 16 steps and the
 * last membrane unused (the first layer of the shipped CNNs): the 4 channels x 8 pixels of
 * a group stay in registers for all the steps, so x is read once and the membrane never goes
 * to memory; the 4 codes of a pixel (groups == 4) leave as one 32-bit word. A ternary code
 * sum (s_i + 1) 3^i is computed as 40 + sum s_i 3^i. Other shapes: lif_pack_f32 per step. */
static void lif_pack_steps_f32(const float *x, unsigned char *codes, float *m, const struct lif_params *pr)
{
    const long steps = pr->steps, n = pr->n, c = pr->c, p = pr->p, xc = pr->xc, xq = pr->xq;
    const int group = pr->group, keep_m = pr->keep_m;
    const float up1 = pr->up_inclusive ? pr->up : lif_next_float(pr->up, 1);
    const float down1 = pr->down_inclusive ? pr->down : lif_next_float(pr->down, 0);
    const int ternary = pr->ternary;
    long t, q, g, step = n * p * ((c + group - 1) / group);
    if (n == 1 && c == 16 && group == 4 && p % 8 == 0 && xq == 1 && xc == p && !keep_m && pr->vth == 1.0f &&
        up1 > down1 && steps <= 16) {
        const __m256 decay = _mm256_set1_ps(pr->decay), up = _mm256_set1_ps(up1), down = _mm256_set1_ps(down1);
        const __m256i base = _mm256_set1_epi32(ternary ? 40 : 0);
        const int b1 = ternary ? 3 : 2, b2 = b1 * b1, b3 = b2 * b1;
        for (q = 0; q < p; q += 8) {
            __m256i word[16];
            for (g = 0; g < 4; g++) {
                const float *xg = x + g * 4 * p + q;
                __m256 x0 = _mm256_loadu_ps(xg), x1 = _mm256_loadu_ps(xg + p);
                __m256 x2 = _mm256_loadu_ps(xg + 2 * p), x3 = _mm256_loadu_ps(xg + 3 * p);
                __m256 u0 = x0, u1 = x1, u2 = x2, u3 = x3;
                for (t = 0; t < steps; t++) {
                    __m256i s0 = lif_steps_fire_avx2(&u0, x0, decay, up, down, ternary);
                    __m256i s1 = lif_steps_fire_avx2(&u1, x1, decay, up, down, ternary);
                    __m256i s2 = lif_steps_fire_avx2(&u2, x2, decay, up, down, ternary);
                    __m256i s3 = lif_steps_fire_avx2(&u3, x3, decay, up, down, ternary);
                    __m256i code = _mm256_add_epi32(_mm256_add_epi32(base, s0),
                                                    _mm256_mullo_epi32(s1, _mm256_set1_epi32(b1)));
                    code = _mm256_add_epi32(code, _mm256_mullo_epi32(s2, _mm256_set1_epi32(b2)));
                    code = _mm256_add_epi32(code, _mm256_mullo_epi32(s3, _mm256_set1_epi32(b3)));
                    /* group g's code is byte g of each pixel's word (x86 stores little-endian) */
                    code = _mm256_sll_epi32(code, _mm_cvtsi32_si128((int)(8 * g)));
                    word[t] = g ? _mm256_or_si256(word[t], code) : code;
                }
            }
            for (t = 0; t < steps; t++) _mm256_storeu_si256((__m256i *)(codes + t * step + q * 4), word[t]);
        }
        return;
    }
    for (t = 0; t < steps; t++)
        lif_pack_f32(x, t ? m : 0, codes + t * step, m, pr);
}
