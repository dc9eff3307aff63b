/*
 * spike_analysis.c - the spike-analysis pass: proves, for every tensor, the
 * finite set of values it can hold (ValueSet: levels times an amplitude).
 *
 * It works on what values can be, not on one exporter's node sequence
 * (docs/spike-lowering.md): a comparison or a Cast of a bool is in {0,1},
 * the difference of two {0,1} tensors is in {-1,0,1}, Sign is in {-1,0,1},
 * Where keeps the union of its branches, a Mul by a constant scales the
 * amplitude (per channel when the constant is [C,1,1]), and data movement
 * (Reshape, Concat, Gather, ...) keeps the set. A Conv/Gemm/MatMul whose
 * input is proven to be alpha * {-1,0,1} is a spike layer.
 *
 * The pass only annotates values (visible in `tsnc dump` types); the
 * pipeline runs it again after the passes that rewrite the graph, wherever
 * an entry that reads the sets follows (pass_manager.c).
 */
#include <math.h>
#include <string.h>

#include "passes/rewrite.h"
#include "passes/value_set.h"

/* Constants with more elements are not scanned for their distinct values. */
enum { CONST_SCAN_LIMIT = 1 << 20 };

static ValueSet const_set(const Tensor *t) {
    int64_t n = tensor_numel(t);
    if (n > CONST_SCAN_LIMIT || !(dtype_is_float(t->type.dtype) || t->type.dtype == DT_BOOL))
        return vs_real();
    float lv[VS_MAX_LEVELS + 1];
    int k = 0;
    for (int64_t i = 0; i < n; i++) {
        float v = (float)tensor_get_f64(t, i);
        if (isnan(v)) return vs_real();
        bool seen = false;
        for (int j = 0; j < k && !seen; j++) seen = lv[j] == v;
        if (seen) continue;
        if (k == VS_MAX_LEVELS) return vs_real();
        lv[k++] = v;
    }
    return vs_levels(lv, k);
}

static const ValueSet *vs_of(const Value *v) {
    return &v->vs;
}

/* Product of the dims before `axis` (1: the axis is outermost in memory). */
static int64_t outer_of(const Shape *s, int axis) {
    int64_t o = 1;
    for (int i = 0; i < axis; i++) o *= s->dim[i];
    return o;
}

static int64_t inner_of(const Shape *s, int axis) {
    int64_t o = 1;
    for (int i = axis + 1; i < s->rank; i++) o *= s->dim[i];
    return o;
}

/*
 * A per-element amplitude v[(i / inner) % n] survives moving whole blocks of
 * `block` elements (Gather/Concat along an outermost axis) if a block holds
 * whole periods.
 */
static bool amp_survives_blocks(const Amp *a, int64_t block) {
    return a->n <= 1 || block % (a->n * a->inner) == 0;
}

static float f_neg(float x) { return -x; }
static float f_abs(float x) { return fabsf(x); }
static float f_sign(float x) { return (float)((x > 0) - (x < 0)); }
static float f_relu(float x) { return x > 0 ? x : 0; }

static ValueSet with_amp(ValueSet s, Amp a) {
    if (!vs_is_real(&s)) s.amp = a;
    return s;
}

static ValueSet transfer_mul(Graph *g, const Node *n) {
    const Value *a = n->in[0], *b = n->in[1];
    /* Scaling by a constant moves into the amplitude; the levels stay. */
    for (int side = 0; side < 2; side++) {
        const Value *x = side ? b : a, *c = side ? a : b;
        if (!c->konst || c->def || vs_is_real(vs_of(x)) || x->konst) continue;
        if (!type_eq(&x->type, &n->out[0]->type)) continue;
        Amp ca, r;
        if (!amp_of_const(g->arena, c->konst, &n->out[0]->type.shape, &ca)) continue;
        if (!amp_mul(g->arena, &vs_of(x)->amp, &ca, &r)) continue;
        return with_amp(*vs_of(x), r);
    }
    if (type_eq(&a->type, &n->out[0]->type) && type_eq(&b->type, &n->out[0]->type))
        return vs_mul_levels(vs_of(a), vs_of(b));
    /* Broadcasting a uniform constant: levels multiply. */
    if ((a->konst && !a->def) || (b->konst && !b->def)) return vs_mul_levels(vs_of(a), vs_of(b));
    return vs_real();
}

static ValueSet transfer_div(Graph *g, const Node *n) {
    const Value *x = n->in[0], *c = n->in[1];
    if (!c->konst || c->def || vs_is_real(vs_of(x)) || !type_eq(&x->type, &n->out[0]->type)) return vs_real();
    Amp ca, inv, r;
    if (!amp_of_const(g->arena, c->konst, &n->out[0]->type.shape, &ca) || !amp_recip(g->arena, &ca, &inv) ||
        !amp_mul(g->arena, &vs_of(x)->amp, &inv, &r))
        return vs_real();
    return with_amp(*vs_of(x), r);
}

/* Add/Sub: operands of the output's type, or uniform constants. */
static ValueSet transfer_add(const Node *n, bool subtract) {
    const Value *a = n->in[0], *b = n->in[1];
    bool a_ok = type_eq(&a->type, &n->out[0]->type) || (a->konst && !a->def);
    bool b_ok = type_eq(&b->type, &n->out[0]->type) || (b->konst && !b->def);
    if (!a_ok || !b_ok) return vs_real();
    /* A uniform constant has amplitude 1: only combine it with amplitude-1 sets. */
    return vs_add(vs_of(a), vs_of(b), subtract);
}

static ValueSet transfer_gather(const Node *n) {
    const Value *x = n->in[0], *idx = n->in[1];
    const ValueSet *s = vs_of(x);
    if (vs_is_real(s)) return vs_real();
    int64_t axis = node_attr_int(n, "axis", 0);
    if (axis < 0) axis += x->type.shape.rank;
    if (amp_is_one(&s->amp) || s->amp.n == 1) return *s;
    if (!idx->konst || outer_of(&x->type.shape, (int)axis) != 1) return vs_real();
    return amp_survives_blocks(&s->amp, inner_of(&x->type.shape, (int)axis)) ? *s : vs_real();
}

static ValueSet transfer_concat(const Node *n) {
    const Shape *os = &n->out[0]->type.shape;
    int64_t axis = node_attr_int(n, "axis", 0);
    if (axis < 0) axis += os->rank;
    ValueSet r = *vs_of(n->in[0]);
    for (int i = 1; i < n->n_in && !vs_is_real(&r); i++) r = vs_union(&r, vs_of(n->in[i]));
    if (vs_is_real(&r) || amp_is_one(&r.amp) || r.amp.n == 1) return r;
    /* Per-element amplitude: every piece must start on a whole period. */
    if (outer_of(os, (int)axis) != 1) return vs_real();
    for (int i = 0; i < n->n_in; i++)
        if (!amp_survives_blocks(&r.amp, shape_numel(&n->in[i]->type.shape))) return vs_real();
    return r;
}

/* Pooling within channels: levels are averages of k levels; per-channel amplitude re-based. */
static ValueSet transfer_pool(const Node *n, bool average) {
    const Value *x = n->in[0];
    const ValueSet *s = vs_of(x);
    if (vs_is_real(s) || x->type.shape.rank != 4) return vs_real();
    Amp amp = s->amp;
    const Shape *is = &x->type.shape, *os = &n->out[0]->type.shape;
    if (amp.n > 1) {
        if (amp.n != is->dim[1] || amp.inner != is->dim[2] * is->dim[3]) return vs_real();
        amp.inner = os->dim[2] * os->dim[3];
    }
    /* A window lies in one channel, of one amplitude a: its max is a times one of its levels
     * (the largest if a >= 0, the smallest if a < 0), so the set holds for any sign. Whether
     * a can move past the max is alpha-fold's question (commutes_with_amp), not this one. */
    if (!average) return with_amp(*s, amp);
    int cnt;
    const int64_t *ks = node_attr_ints(n, "kernel_shape", &cnt);
    int64_t k = n->op == OP_GLOBAL_AVERAGE_POOL ? is->dim[2] * is->dim[3] : 1;
    for (int i = 0; ks && i < cnt; i++) k *= ks[i];
    int pc;
    const int64_t *pads = node_attr_ints(n, "pads", &pc);
    for (int i = 0; pads && i < pc; i++)
        if (pads[i]) return vs_real(); /* border windows would average fewer elements */
    if (k < 1 || k > 64) return vs_real();
    /* Averages of k levels: sums of k levels over k (computed exactly for small k). */
    float sums[VS_MAX_LEVELS * 64 + 1];
    int ns = 1;
    sums[0] = 0;
    for (int64_t step = 0; step < k; step++) {
        float next[VS_MAX_LEVELS * VS_MAX_LEVELS];
        int nn = 0;
        for (int i = 0; i < ns; i++)
            for (int j = 0; j < s->n_levels; j++) {
                float v = sums[i] + s->levels[j];
                bool seen = false;
                for (int q = 0; q < nn && !seen; q++) seen = next[q] == v;
                if (seen) continue;
                if (nn == VS_MAX_LEVELS * VS_MAX_LEVELS) return vs_real();
                next[nn++] = v;
            }
        if (nn > VS_MAX_LEVELS * 4) return vs_real();
        memcpy(sums, next, (size_t)nn * sizeof *sums);
        ns = nn;
    }
    for (int i = 0; i < ns; i++) sums[i] /= (float)k;
    return with_amp(vs_levels(sums, ns), amp);
}

static ValueSet transfer(Graph *g, const Node *n, int out_index) {
    const Value *x = n->n_in ? n->in[0] : NULL;
    if (op_has(n->op, OPT_VIEW)) return *vs_of(x);
    switch (n->op) {
    case OP_EQUAL: case OP_GREATER: case OP_GREATER_OR_EQUAL: case OP_LESS:
    case OP_LESS_OR_EQUAL: case OP_AND: case OP_OR: case OP_XOR: case OP_NOT: {
        static const float b01[] = {0, 1};
        return vs_levels(b01, 2);
    }
    case OP_CAST: {
        DType to = n->out[0]->type.dtype;
        if (vs_is_real(vs_of(x)) || !amp_is_one(&vs_of(x)->amp)) return vs_real();
        if (to == DT_BOOL) {
            static const float b01[] = {0, 1};
            return vs_levels(b01, 2);
        }
        /* Integer levels in a small range survive any numeric cast. */
        return vs_levels_within(vs_of(x), -128, 127) ? *vs_of(x) : vs_real();
    }
    case OP_ADD: return transfer_add(n, false);
    case OP_SUB: return transfer_add(n, true);
    case OP_MUL: return transfer_mul(g, n);
    case OP_DIV: return transfer_div(g, n);
    case OP_NEG: return vs_map(vs_of(x), f_neg);
    case OP_ABS: {
        ValueSet r = vs_map(vs_of(x), f_abs);
        return with_amp(r, amp_abs(g->arena, &vs_of(x)->amp));
    }
    case OP_SIGN: {
        if (!vs_is_real(vs_of(x)) && amp_positive(&vs_of(x)->amp)) {
            ValueSet r = vs_map(vs_of(x), f_sign);
            return with_amp(r, (Amp){0});
        }
        static const float t[] = {-1, 0, 1};
        return vs_levels(t, 3);
    }
    case OP_RELU:
        return amp_is_one(&vs_of(x)->amp) || amp_positive(&vs_of(x)->amp) ? vs_map(vs_of(x), f_relu) : vs_real();
    case OP_WHERE: {
        const Value *a = n->in[1], *b = n->in[2];
        bool a_ok = type_eq(&a->type, &n->out[0]->type) || (a->konst && !a->def);
        bool b_ok = type_eq(&b->type, &n->out[0]->type) || (b->konst && !b->def);
        return a_ok && b_ok ? vs_union(vs_of(a), vs_of(b)) : vs_real();
    }
    case OP_CONCAT: return transfer_concat(n);
    case OP_GATHER: return transfer_gather(n);
    case OP_SLICE: case OP_TRANSPOSE: case OP_TILE: case OP_EXPAND:
        /* Elements move across the amplitude's period: keep scalar amplitudes only. */
        return vs_of(x)->amp.n <= 1 ? *vs_of(x) : vs_real();
    case OP_PAD: {
        static const float z[] = {0};
        ValueSet zero = vs_levels(z, 1);
        if (vs_of(x)->amp.n > 1) return vs_real();
        if (n->n_in > 2 && n->in[2] && !is_const_all(n->in[2], 0)) return vs_real();
        if (strcmp(node_attr_string(n, "mode", "constant"), "constant") != 0) return *vs_of(x);
        return vs_union(vs_of(x), &zero);
    }
    case OP_AVERAGE_POOL: case OP_GLOBAL_AVERAGE_POOL: return transfer_pool(n, true);
    case OP_MAX_POOL: case OP_GLOBAL_MAX_POOL: return transfer_pool(n, false);
    case OP_FIRE: {
        FireRule r = fire_rule_of(n);
        static const float t[] = {-1, 0, 1};
        return r.ternary ? vs_levels(t, 3) : vs_levels(t + 1, 2);
    }
    case OP_SPLIT_LEVELS: {
        /* each plane holds the sign of the elements of one magnitude */
        static const float t[] = {-1, 0, 1};
        const ValueSet *xs = vs_of(x);
        return xs->n_levels > 0 && xs->levels[0] >= 0 ? vs_levels(t + 1, 2) : vs_levels(t, 3);
    }
    case OP_RELAYOUT: return *vs_of(x); /* the same logical tensor, stored in another order */
    case OP_LIF: {
        if (out_index != 0 || node_attr_int(n, "pack", 0)) return vs_real();
        FireRule r = fire_rule_of(n);
        static const float t[] = {-1, 0, 1};
        return r.ternary ? vs_levels(t, 3) : vs_levels(t + 1, 2);
    }
    default:
        return vs_real();
    }
}

void spike_analysis_run(Graph *g) {
    for (int i = 0; i < g->n_values; i++) {
        Value *v = g->values[i];
        v->vs = v->konst && !v->def ? const_set(v->konst) : vs_real();
    }
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_out; i++) n->out[i]->vs = transfer(g, n, i);
}

int pass_spike_analysis(Graph *g, PassContext *cx) {
    (void)cx;
    spike_analysis_run(g);
    return 0;
}
