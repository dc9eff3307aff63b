/*
 * alpha_fold.c - the alpha-fold pass: re-parameterization of the spike
 * amplitude (Guo et al., "Ternary Spike", AAAI 2024, section on
 * re-parameterization): W * (alpha * s) = (W * alpha) * s.
 *
 * For a Conv/Gemm/MatMul whose activation input X is proven to be
 * alpha * s with s in {-1,0,1} (spike analysis), the weights take alpha —
 * per input channel when alpha is per channel — and the layer reads s,
 * rebuilt from X's definition without the scaling ("stripping"): the Mul by
 * alpha is dropped and the data movement between it and the layer (Reshape,
 * Concat, Gather, pooling, ...) is cloned onto the plain spikes, where it
 * commutes with that exact alpha (sign and per-channel values included:
 * commutes_with_amp); else the layer keeps reading alpha * s. Readers
 * of X that have no weights (a shortcut Add, a pooling that feeds no
 * layer, a graph output) keep reading X, so alpha is never dropped.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/rewrite.h"
#include "passes/value_set.h"

/* Deepest chain of Mul/Div/data movement strip() follows back from a layer: it
 * recurses once per node, so an untrusted model's long chain must not exhaust the
 * stack. Beyond it the layer simply keeps reading alpha * s (still correct). */
enum { STRIP_MAX_DEPTH = 256 };

typedef struct Stripper {
    Graph *g;
    Value **memo; /* memo[value id]: the stripped value */
    int n;
    int depth;    /* strip() calls in progress */
} Stripper;

/* Data movement and linear ops, and the two whose commuting depends on the sign of the
 * amplitude (commutes_with_amp): a max and Abs. */
static bool clonable(OpKind op) {
    return op_has(op, OPT_MOVES) || op_has(op, OPT_LINEAR) || op == OP_MAX_POOL || op == OP_GLOBAL_MAX_POOL ||
           op == OP_ABS;
}

static Value *strip(Stripper *st, Value *v);

/* Every amplitude of the pattern is >= 0 (the pattern 1 included). */
static bool amp_nonnegative(const Amp *a) {
    for (int64_t i = 0; i < a->n; i++)
        if (!(a->v[i] >= 0)) return false;
    return true;
}

/*
 * Whether n(a * s) = a' * n(s), with a the amplitude of n's data input and a'
 * the one spike analysis gives n's result, so that n may be rebuilt on the
 * plain spikes s. Data movement and linear ops (averaging, Neg, Pad with
 * zeros, Where between scaled operands) commute with any a, of either sign,
 * scalar or per channel; Abs does with a' = |a|. A max picks the largest of
 * a * s over its window, which is a times the largest spike only where
 * a >= 0 (where a < 0 it is a times the smallest): max pooling commutes
 * only when every entry of a is >= 0, else alpha stays before the pooling.
 */
static bool commutes_with_amp(const Node *n) {
    switch (n->op) {
    case OP_MAX_POOL: case OP_GLOBAL_MAX_POOL:
        return amp_nonnegative(&n->in[0]->vs.amp);
    default:
        return clonable(n->op);
    }
}

/* A copy of n, right after it, reading the stripped versions of its data inputs. */
static Value *clone_on_stripped(Stripper *st, Node *n) {
    Value *in[64];
    if (n->n_in > 64 || n->n_out != 1) return NULL;
    bool changed = false;
    for (int i = 0; i < n->n_in; i++) {
        in[i] = n->in[i];
        /* Condition, shape and index operands are not data. */
        if (!n->in[i] || !op_input_is_data(n->op, i)) continue;
        in[i] = strip(st, n->in[i]);
        if (!in[i]) return NULL;
        changed |= in[i] != n->in[i];
    }
    if (!changed) return n->out[0];
    Node *c = graph_add_node(st->g, n->next, n->op, n->name, n->n_in, in, 1);
    for (int i = 0; i < n->n_attr; i++) node_set_attr(st->g, c, &n->attr[i]);
    node_infer_or_die(c);
    return c->out[0];
}

/* v without its amplitude (levels unchanged, amplitude 1), or NULL if not derivable. */
static Value *strip(Stripper *st, Value *v) {
    if (amp_is_one(&v->vs.amp) || vs_is_zero(&v->vs)) return v;
    if (v->id < st->n && st->memo[v->id]) return st->memo[v->id];
    if (st->depth >= STRIP_MAX_DEPTH) return NULL;
    st->depth++;
    Node *n = v->def;
    Value *r = NULL;
    if (n && (n->op == OP_MUL || n->op == OP_DIV)) {
        /* x * c or x / c with c constant: the amplitude came from c (and x's own). */
        for (int side = 0; side < 2 && !r; side++) {
            if (n->op == OP_DIV && side == 1) break;
            Value *x = n->in[side], *c = n->in[1 - side];
            if (c->konst && !c->def && !vs_is_real(&x->vs) && type_eq(&x->type, &v->type)) r = strip(st, x);
        }
    } else if (n && clonable(n->op) && commutes_with_amp(n)) {
        r = clone_on_stripped(st, n);
    }
    st->depth--;
    if (r && v->id < st->n) st->memo[v->id] = r;
    return r;
}

/* The amplitude of input channel c of an NCHW activation, or of feature k of a 2-D one. */
static bool per_input_amp(const Amp *a, const Shape *x, bool conv, float *out, int64_t count) {
    if (a->n <= 1) {
        for (int64_t i = 0; i < count; i++) out[i] = a->n ? a->v[0] : 1.0f;
        return true;
    }
    if (conv) {
        if (x->dim[0] < 1 || x->dim[1] < 1) return false; /* an empty activation: nothing to scale */
        int64_t hw = shape_numel(x) / (x->dim[0] * x->dim[1]);
        if (a->n != x->dim[1] || a->inner != hw) return false;
        memcpy(out, a->v, (size_t)count * sizeof *out);
        return true;
    }
    /* [M, K]: element (m, k) has flat index m*K + k; the amplitude must not depend on m. */
    if (count < 1 || a->n * a->inner < 1) return false;
    int64_t rows = x->rank >= 2 ? shape_numel(x) / count : 1;
    if (rows > 1 && count % (a->n * a->inner) != 0) return false;
    for (int64_t k = 0; k < count; k++) out[k] = amp_at(a, k);
    return true;
}

/* Weights scaled per input channel/feature: W'[..] = W[..] * amp[input index]. */
static Value *scaled_weights(Graph *g, const Node *n, const float *amp) {
    const Value *w = n->in[1];
    Tensor *t = tensor_new(g->arena, DT_F32, &w->type.shape);
    const float *src = w->konst->data;
    float *dst = t->data;
    const Shape *ws = &w->type.shape;
    int64_t total = tensor_numel(t);
    if (n->op == OP_CONV) {
        /* W [M, C/group, k...]: output channel m belongs to group m / (M/group). */
        int64_t m_all = ws->dim[0], cg = ws->dim[1], ksz = total / (m_all * cg);
        int64_t group = node_attr_int(n, "group", 1), m_per = m_all / group;
        for (int64_t m = 0; m < m_all; m++)
            for (int64_t c = 0; c < cg; c++) {
                float a = amp[(m / m_per) * cg + c];
                for (int64_t k = 0; k < ksz; k++) {
                    int64_t at = (m * cg + c) * ksz + k;
                    dst[at] = src[at] * a;
                }
            }
    } else {
        bool trans_b = n->op == OP_GEMM && node_attr_int(n, "transB", 0);
        int64_t rows = ws->dim[0], cols = ws->dim[1];
        for (int64_t r = 0; r < rows; r++)
            for (int64_t c = 0; c < cols; c++) dst[r * cols + c] = src[r * cols + c] * amp[trans_b ? c : r];
    }
    return graph_const(g, w->name, t);
}

static void fold_one(Stripper *st, Node *n) {
    Graph *g = st->g;
    Value *x = n->in[0], *w = n->in[1];
    /* Any finite level set qualifies: pooled spikes (k/4) fold the same way. */
    if (vs_is_real(&x->vs) || amp_is_one(&x->vs.amp)) return;
    if (!w->konst || w->def || w->type.dtype != DT_F32) return;
    bool conv = n->op == OP_CONV;
    if (!conv && (w->type.shape.rank != 2 || x->type.shape.rank < 1)) return;
    if (n->op == OP_GEMM && node_attr_int(n, "transA", 0)) return;
    if (conv && x->type.shape.rank < 3) return;
    int64_t count = conv ? x->type.shape.dim[1] : x->type.shape.dim[x->type.shape.rank - 1];
    if (count < 1) return; /* no input channels: no weights to scale */
    float *amp = malloc((size_t)count * sizeof *amp);
    if (!amp) die("out of memory");
    if (per_input_amp(&x->vs.amp, &x->type.shape, conv, amp, count)) {
        Value *s = strip(st, x);
        if (s && type_eq(&s->type, &x->type)) {
            n->in[0] = s;
            n->in[1] = scaled_weights(g, n, amp);
        }
    }
    free(amp);
}

int pass_alpha_fold(Graph *g, PassContext *cx) {
    (void)cx;
    Stripper st = {.g = g, .n = g->n_values};
    st.memo = calloc((size_t)st.n + 1, sizeof *st.memo);
    if (!st.memo) die("out of memory");
    for (Node *n = g->first; n; n = n->next)
        if (n->op == OP_CONV || n->op == OP_GEMM || n->op == OP_MATMUL) fold_one(&st, n);
    free(st.memo);
    return 0;
}
