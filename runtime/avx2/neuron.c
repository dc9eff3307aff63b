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

/* @kernel lif_next_float needs <string.h> */
/* The float next to t towards +inf (up != 0) or -inf; t finite. */
static float lif_next_float(float t, int up)
{
    unsigned int bits;
    if (t == 0.0f) return up ? 1e-45f : -1e-45f;
    memcpy(&bits, &t, sizeof bits);
    bits = ((t > 0.0f) == (up != 0)) ? bits + 1u : bits - 1u;
    memcpy(&t, &bits, sizeof t);
    return t;
}

/* @kernel lif_f32 uses lif_params fire_rule_f32 lif_next_float needs <immintrin.h> */
/* lif: x (n) input current, m_prev (n) membrane after the previous step's reset or NULL on
 * the first step -> s (n) spikes in {-1,0,1}, m (n) membrane after reset (NULL: not needed). */
static void lif_f32(const float *x, const float *m_prev, float *s, float *m, long n,
                    const struct lif_params *p)
{
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
    for (; i < n; i++) {
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
