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
