/*
 * neuron.c - the ternary/binary spiking neuron, one timestep at a time
 * (Guo et al., "Ternary Spike", AAAI 2024; tsnc.lif and tsnc.fire in
 * docs/ir.md). Not a spike layer: it computes membrane potentials, so the
 * leak may multiply (by 0.25 in the paper, a power of two).
 *
 * needs: <string.h>
 *
 * Every operation is a separate float32 statement in the export's order
 * (leak rounded, then added; no fused multiply-add), so that membrane
 * potentials, and therefore spikes, are the ones PyTorch computes.
 */

/* @kernel lif_params */
/* One call of a neuron kernel: the firing rule, then the shape of the call.
 * The neuron: u = m_prev * decay + x; v = u / vth; +1 if v >= up (> if !up_inclusive),
 * -1 if ternary and v <= down (< if !down_inclusive), else 0; hard reset to 0 after a spike.
 * A kernel reads only the shape fields its comment names; the others may be left 0. */
struct lif_params {
    float decay;        /* leak: the membrane after reset is multiplied by it each timestep */
    float vth;          /* threshold: v = u / vth (no division when 1) */
    float up, down;     /* firing thresholds on v: +1 above up, -1 (ternary) below down */
    int ternary;        /* 1: spikes in {-1, 0, 1}; 0: binary {0, 1} */
    int up_inclusive;   /* 1: fires at v >= up; 0: at v > up */
    int down_inclusive; /* 1: fires -1 at v <= down; 0: at v < down */
    long n;             /* fire_f32, lif_f32, lif_steps_f32: neurons (elements of x per timestep);
                           lif_pack_f32, lif_pack_steps_f32: samples N */
    long c, p;          /* packing kernels: channels C and pixels H*W of one sample */
    long xc, xq;        /* packing kernels: element strides of a channel and of a pixel in x,
                           m_prev and m (NCHW: H*W, 1; channels-last: 1, C) */
    int group;          /* packing kernels: channels per code (codes (N, H*W, ceil(C / group))) */
    long steps;         /* lif_steps_f32, lif_pack_steps_f32: timesteps run by one call */
    int keep_m;         /* lif_pack_steps_f32: 0 when nobody reads m after the last timestep */
};

/* @kernel fire_rule_f32 uses lif_params */
/* The spike for scaled potential v. */
static float fire_rule_f32(float v, const struct lif_params *p)
{
    if (p->up_inclusive ? v >= p->up : v > p->up) return 1.0f;
    if (p->ternary && (p->down_inclusive ? v <= p->down : v < p->down)) return -1.0f;
    return 0.0f;
}

/* @kernel lif_next_float needs <string.h> */
/* The float next to t towards +inf (up != 0) or -inf; t finite. The SIMD variants compare
 * v >= lif_next_float(t, 1) for a strict v > t: the two agree for every float v. */
static float lif_next_float(float t, int up)
{
    unsigned int bits;
    if (t == 0.0f) return up ? 1e-45f : -1e-45f;
    memcpy(&bits, &t, sizeof bits);
    bits = ((t > 0.0f) == (up != 0)) ? bits + 1u : bits - 1u;
    memcpy(&t, &bits, sizeof t);
    return t;
}

/* @kernel lif_neuron_f32 uses fire_rule_f32 */
/* One neuron, one timestep: input current x, membrane mp after the previous step's reset
 * (NULL on the first step) -> the spike; *m (if m is not NULL) = the membrane after reset.
 * The leak is rounded before it is added, as in the export. */
static float lif_neuron_f32(float x, const float *mp, float *m, const struct lif_params *p)
{
    float u = x, s;
    if (mp) {
        float leak = *mp * p->decay;
        u = leak + x;
    }
    s = fire_rule_f32(p->vth == 1.0f ? u : u / p->vth, p);
    if (m) *m = s != 0.0f ? 0.0f : u;
    return s;
}

/* @kernel lif_pack_code_f32 uses lif_neuron_f32 */
/* One code of lif_pack_f32: the neurons of channels g*group.. of the pixel whose channel ch
 * is at [at0 + ch*xc] in x, m_prev and m (see lif_pack_f32; missing channels count as 0). */
static unsigned char lif_pack_code_f32(const float *x, const float *m_prev, float *m, long at0, long c, long g,
                                       long xc, int group, const struct lif_params *pr)
{
    int code = 0, place = 1, i;
    for (i = 0; i < group; i++, place *= pr->ternary ? 3 : 2) {
        long ch = g * group + i, at = at0 + ch * xc;
        int digit = pr->ternary ? 1 : 0;
        if (ch < c) {
            float si = lif_neuron_f32(x[at], m_prev ? m_prev + at : 0, m ? m + at : 0, pr);
            digit = pr->ternary ? (si > 0.0f ? 2 : si < 0.0f ? 0 : 1) : si > 0.0f;
        }
        code += digit * place;
    }
    return (unsigned char)code;
}

/* @kernel lif_f32 uses lif_neuron_f32 */
/* lif: x (n) input current, m_prev (n) membrane after the previous step's reset or NULL on
 * the first step -> s (n) spikes in {-1,0,1}, m (n) membrane after reset (NULL: not needed). */
static void lif_f32(const float *x, const float *m_prev, float *s, float *m, const struct lif_params *p)
{
    const long n = p->n;
    long i;
    for (i = 0; i < n; i++) s[i] = lif_neuron_f32(x[i], m_prev ? m_prev + i : 0, m ? m + i : 0, p);
}

/* @kernel fire_f32 uses fire_rule_f32 */
/* fire: v (n) -> s (n) in {-1,0,1} (tsnc.fire: a firing function without a recurrence). */
static void fire_f32(const float *v, float *s, const struct lif_params *p)
{
    const long n = p->n;
    long i;
    for (i = 0; i < n; i++) s[i] = fire_rule_f32(v[i], p);
}

/* @kernel lif_pack_f32 uses lif_pack_code_f32 */
/* lif_pack: one timestep of lif_f32 for n samples whose spikes only feed a lookup-table spike
 * layer: instead of float spikes it writes their codes (tsnc.pack): codes (n, p, groups),
 * code = sum_i (s_i + 1) * 3^i (ternary) or sum_i s_i * 2^i (binary) over the group's
 * channels (missing ones count as 0). x, m_prev, m: n samples of c channels x p pixels,
 * element (b, ch, q) at [b*c*p + ch*xc + q*xq]; m_prev NULL on the first step, m NULL if
 * not needed. The membrane arithmetic is lif_f32's, statement for statement. */
static void lif_pack_f32(const float *x, const float *m_prev, unsigned char *codes, float *m,
                         const struct lif_params *pr)
{
    const long n = pr->n, c = pr->c, p = pr->p, xc = pr->xc, xq = pr->xq;
    const int group = pr->group;
    long b, q, g, groups = (c + group - 1) / group;
    for (b = 0; b < n; b++)
        for (q = 0; q < p; q++)
            for (g = 0; g < groups; g++)
                codes[(b * p + q) * groups + g] =
                    lif_pack_code_f32(x, m_prev, m, b * c * p + q * xq, c, g, xc, group, pr);
}

/* @kernel lif_steps_f32 uses lif_f32 */
/* lif_steps: steps timesteps of lif_f32 on a time-invariant input current x (n): spikes s
 * (steps, n), step t at s + t*n; m (n) holds the membrane between steps and after the last
 * one (tsnc.lif with steps = T, docs/ir.md). */
static void lif_steps_f32(const float *x, float *s, float *m, const struct lif_params *p)
{
    const long steps = p->steps, n = p->n;
    long t;
    for (t = 0; t < steps; t++) lif_f32(x, t ? m : 0, s + t * n, m, p);
}

/* @kernel lif_pack_steps_f32 uses lif_pack_f32 */
/* lif_pack_steps: steps timesteps of lif_pack_f32 on a time-invariant input current x: codes
 * (steps, n, p, groups); m (n*c*p, x's layout) holds the membrane between steps and after the
 * last one; keep_m = 0 says nobody reads it after the last step (a SIMD variant may then keep
 * it in registers). Same arguments as lif_pack_f32 otherwise. */
static void lif_pack_steps_f32(const float *x, unsigned char *codes, float *m, const struct lif_params *pr)
{
    const long steps = pr->steps, n = pr->n, c = pr->c, p = pr->p;
    const int group = pr->group;
    long t, step = n * p * ((c + group - 1) / group);
    for (t = 0; t < steps; t++) lif_pack_f32(x, t ? m : 0, codes + t * step, m, pr);
}
