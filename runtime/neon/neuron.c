/*
 * neuron.c - AArch64 NEON variant of runtime/generic/neuron.c: one timestep
 * of the ternary/binary spiking neuron, 4 neurons per instruction, the same
 * results bit for bit (a rounded multiply, then a rounded add; no fused
 * multiply-add, which -std=c99 keeps GCC from forming).
 *
 * needs: <arm_neon.h>, <string.h>
 *
 * As in the AVX2 variant, a strict threshold v > t is v >= (the float after t).
 */

/* @kernel lif_f32 uses lif_params lif_neuron_f32 lif_next_float needs <arm_neon.h> */
/* lif: x (n) input current, m_prev (n) membrane after the previous step's reset or NULL on
 * the first step -> s (n) spikes in {-1,0,1}, m (n) membrane after reset (NULL: not needed). */
static void lif_f32(const float *x, const float *m_prev, float *s, float *m, const struct lif_params *p)
{
    const long n = p->n;
    const float32x4_t decay = vdupq_n_f32(p->decay), vth = vdupq_n_f32(p->vth);
    const float32x4_t up = vdupq_n_f32(p->up_inclusive ? p->up : lif_next_float(p->up, 1));
    const float32x4_t down = vdupq_n_f32(p->down_inclusive ? p->down : lif_next_float(p->down, 0));
    const float32x4_t one = vdupq_n_f32(1.0f), minus_one = vdupq_n_f32(-1.0f), zero = vdupq_n_f32(0.0f);
    const int scale = p->vth != 1.0f, ternary = p->ternary;
    long i = 0, n4 = n - n % 4;
    for (; i < n4; i += 4) {
        float32x4_t u = vld1q_f32(x + i), v;
        uint32x4_t pos, neg;
        if (m_prev) u = vaddq_f32(vmulq_f32(vld1q_f32(m_prev + i), decay), u);
        v = scale ? vdivq_f32(u, vth) : u;
        pos = vcgeq_f32(v, up);
        neg = ternary ? vbicq_u32(vcleq_f32(v, down), pos) : vdupq_n_u32(0);
        vst1q_f32(s + i, vbslq_f32(pos, one, vbslq_f32(neg, minus_one, zero)));
        if (m) vst1q_f32(m + i, vbslq_f32(vorrq_u32(pos, neg), zero, u));
    }
    for (; i < n; i++) s[i] = lif_neuron_f32(x[i], m_prev ? m_prev + i : 0, m ? m + i : 0, p);
}

/* @kernel lif_pack_f32 uses lif_params lif_pack_code_f32 lif_next_float needs <arm_neon.h> */
/* lif_pack: one timestep of lif_f32 writing codes instead of float spikes (see the generic
 * kernel). Vector path for a channels-last input (xc == 1) in groups of 4: the 4 neurons of a
 * code are one vector, their digits weighted by the place values and summed across lanes.
 * Other shapes, and a last group of fewer than 4 channels: the generic code. */
static void lif_pack_f32(const float *x, const float *m_prev, unsigned char *codes, float *m,
                         const struct lif_params *pr)
{
    const long n = pr->n, c = pr->c, p = pr->p, xc = pr->xc, xq = pr->xq;
    const int group = pr->group, ternary = pr->ternary, scale = pr->vth != 1.0f;
    const float32x4_t decay = vdupq_n_f32(pr->decay), vth = vdupq_n_f32(pr->vth), zero = vdupq_n_f32(0.0f);
    const float32x4_t up = vdupq_n_f32(pr->up_inclusive ? pr->up : lif_next_float(pr->up, 1));
    const float32x4_t down = vdupq_n_f32(pr->down_inclusive ? pr->down : lif_next_float(pr->down, 0));
    const int32x4_t place3 = {1, 3, 9, 27}, place2 = {1, 2, 4, 8};
    const int32x4_t place = ternary ? place3 : place2;
    const int vector = group == 4 && xc == 1;
    long b, q, g, groups = (c + group - 1) / group;
    for (b = 0; b < n; b++) {
        const long base = b * c * p;
        unsigned char *cb = codes + b * p * groups;
        for (q = 0; q < p; q++)
            for (g = 0; g < groups; g++) {
                const long at = base + q * xq + g * 4;
                float32x4_t u, v;
                uint32x4_t pos, neg;
                int32x4_t digit;
                if (!vector || g * 4 + 4 > c) {
                    cb[q * groups + g] = lif_pack_code_f32(x, m_prev, m, base + q * xq, c, g, xc, group, pr);
                    continue;
                }
                u = vld1q_f32(x + at);
                if (m_prev) u = vaddq_f32(vmulq_f32(vld1q_f32(m_prev + at), decay), u);
                v = scale ? vdivq_f32(u, vth) : u;
                pos = vcgeq_f32(v, up);
                neg = ternary ? vbicq_u32(vcleq_f32(v, down), pos) : vdupq_n_u32(0);
                if (m) vst1q_f32(m + at, vbslq_f32(vorrq_u32(pos, neg), zero, u));
                /* masks are -1 where true: digit = ternary - pos + neg, i.e. 2 / 1 / 0 or 1 / 0 */
                digit = vaddq_s32(vdupq_n_s32(ternary),
                                  vsubq_s32(vreinterpretq_s32_u32(neg), vreinterpretq_s32_u32(pos)));
                cb[q * groups + g] = (unsigned char)vaddvq_s32(vmulq_s32(digit, place));
            }
    }
}
