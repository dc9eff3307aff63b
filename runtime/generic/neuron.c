/*
 * neuron.c - the ternary/binary spiking neuron, one timestep at a time
 * (Guo et al., "Ternary Spike", AAAI 2024; tsnc.lif and tsnc.fire in
 * docs/ir.md). Not a spike layer: it computes membrane potentials, so the
 * leak may multiply (by 0.25 in the paper, a power of two).
 *
 * needs: nothing
 *
 * Every operation is a separate float32 statement in the export's order
 * (leak rounded, then added; no fused multiply-add), so that membrane
 * potentials, and therefore spikes, are the ones PyTorch computes.
 */

/* @kernel lif_params */
/* The neuron: u = m_prev * decay + x; v = u / vth; +1 if v >= up (> if !up_inclusive),
 * -1 if ternary and v <= down (< if !down_inclusive), else 0; hard reset to 0 after a spike. */
struct lif_params {
    float decay, vth, up, down;
    int ternary, up_inclusive, down_inclusive;
};

/* @kernel fire_rule_f32 uses lif_params */
/* The spike for scaled potential v. */
static float fire_rule_f32(float v, const struct lif_params *p)
{
    if (p->up_inclusive ? v >= p->up : v > p->up) return 1.0f;
    if (p->ternary && (p->down_inclusive ? v <= p->down : v < p->down)) return -1.0f;
    return 0.0f;
}

/* @kernel lif_f32 uses fire_rule_f32 */
/* lif: x (n) input current, m_prev (n) membrane after the previous step's reset or NULL on
 * the first step -> s (n) spikes in {-1,0,1}, m (n) membrane after reset (NULL: not needed). */
static void lif_f32(const float *x, const float *m_prev, float *s, float *m, long n,
                    const struct lif_params *p)
{
    long i;
    for (i = 0; i < n; i++) {
        float u = x[i], si;
        if (m_prev) {
            float leak = m_prev[i] * p->decay;
            u = leak + x[i];
        }
        si = fire_rule_f32(p->vth == 1.0f ? u : u / p->vth, p);
        s[i] = si;
        if (m) m[i] = si != 0.0f ? 0.0f : u;
    }
}

/* @kernel fire_f32 uses fire_rule_f32 */
/* fire: v (n) -> s (n) in {-1,0,1} (tsnc.fire: a firing function without a recurrence). */
static void fire_f32(const float *v, float *s, long n, const struct lif_params *p)
{
    long i;
    for (i = 0; i < n; i++) s[i] = fire_rule_f32(v[i], p);
}
