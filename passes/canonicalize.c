/*
 * canonicalize.c - the canonicalize pass: rewrites that remove what exports
 * add around the computation, each exact in IEEE 754 arithmetic (for every
 * input, -0, inf and NaN included).
 *
 *   Identity(x), Dropout(x), Cast(x to its own dtype)     -> x
 *   x + (-0), (-0) + x, x - (+0), x * 1, 1 * x, x / 1     -> x   (same type only)
 *   Reshape-like(Reshape-like(x))                         -> Reshape(x)
 *   Reshape-like(x) to x's own shape                      -> x
 *   Pad(x, all pads 0), Concat(x), Slice/Transpose that keep everything -> x
 *   Gather(Concat(a, b, ...), i) along the concat axis    -> the piece holding i
 *   Gather(x, 0) along an axis of size 1                  -> Reshape(x)
 *   Expand(x) to x's own shape                            -> x
 *
 * Time-invariant work: direct encoding feeds the same image at every
 * timestep. Whatever form the export repeats it in (Tile, Expand, a Concat
 * of copies, slices or splits of those: time_repeat.c) becomes
 * Tile(x, [T,1,...]) of a one-sample x. Per-sample ops commute with that
 * Tile, so they are moved after it and run once instead of T times:
 *   Conv/Gemm/MatMul/BatchNormalization/pooling(Tile(x)) -> Tile(op(x))
 *   Reshape-like(Tile(x)) keeping the T copies            -> Tile(Reshape(x))
 *   Gather(Tile(x), t) along the tiled axis               -> Gather(x, 0)
 *
 * "Reshape-like" is Reshape, Flatten, Squeeze, Unsqueeze: they keep the
 * row-major order of elements. The unrolled time loop of a time-folded
 * export (Concat of per-step Unsqueeze, then per-step Gather) collapses under
 * the last three rules.
 *
 * Identities that hold for finite numbers but not in IEEE 754 are not
 * applied as such: x * 0 is NaN for x = inf or NaN (so it is not 0), and
 * x + (+0) is +0 for x = -0, not x. Exports write the first timestep's
 * membrane update as 0 * decay + x, so the last one matters: x + (+0) -> x
 * (and x - (-0) -> x) is applied only where the sign of a zero in the sum
 * cannot reach a graph output (sign_of_zero_unobserved), e.g. a membrane
 * potential that only feeds threshold comparisons and further membrane
 * updates. For integer types every zero is the identity of Add and Sub.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/time_repeat.h"

static bool same_type(const Value *a, const Value *b) {
    return type_eq(&a->type, &b->type);
}

/*
 * True if v is a constant of zeros that leaves every x unchanged when added
 * (negative_zero) or subtracted (!negative_zero): in IEEE 754, x + (-0) = x
 * and x - (+0) = x for every x, while (-0) + (+0) = +0. Integer zeros have
 * no sign and always qualify.
 */
static bool is_const_zero_identity(const Value *v, bool negative_zero) {
    if (!is_const_all(v, 0)) return false;
    if (!dtype_is_float(v->type.dtype)) return true;
    for (int64_t i = 0; i < tensor_numel(v->konst); i++)
        if ((signbit(tensor_get_f64(v->konst, i)) != 0) != negative_zero) return false;
    return true;
}

/* How the output of an op depends on the sign of a zero in one of its inputs. */
typedef enum ZeroSign {
    ZS_BLIND,     /* not at all: -0 and +0 give the same output (x == 0 is true for both) */
    ZS_PROPAGATE, /* the outputs differ at most in the signs of zeros (-0 * 2 = -0) */
    ZS_OBSERVE    /* otherwise (1 / -0 = -inf), and every op not listed */
} ZeroSign;

/*
 * d = Sub(a, w) whose only use is Add(d, w) or Add(w, d): the straight-through
 * estimator (a - w) + w of exported spiking neurons. Its result does not
 * depend on the sign of a zero w: with w = +-0 it is a for a != 0, else +0.
 */
static bool is_ste_sub(const Graph *g, const Uses *u, const Node *sub) {
    if (sub->op != OP_SUB || !sub->in[1]) return false;
    const Value *d = sub->out[0];
    if (d->id >= u->n_values || u->count[d->id] != 1 || graph_is_output(g, d)) return false;
    const Node *add = u->users[d->id][0];
    return add->op == OP_ADD &&
           ((add->in[0] == d && add->in[1] == sub->in[1]) || (add->in[1] == d && add->in[0] == sub->in[1]));
}

/* How n's outputs depend on the sign of a zero in its input `input`. */
static ZeroSign zero_sign_use(const Graph *g, const Uses *u, const Node *n, int input) {
    switch (n->op) {
    case OP_EQUAL: case OP_GREATER: case OP_GREATER_OR_EQUAL: case OP_LESS:
    case OP_LESS_OR_EQUAL: case OP_FIRE: case OP_ABS: case OP_EXP: case OP_SIGMOID:
    case OP_SIGN: /* +0 for both zeros, as onnxruntime */
    case OP_SHAPE: case OP_SIZE:
        return ZS_BLIND;
    case OP_DIV: /* the divisor decides the sign of an infinity */
        return input == 0 ? ZS_PROPAGATE : ZS_OBSERVE;
    case OP_SUB:
        return input == 1 && is_ste_sub(g, u, n) ? ZS_BLIND : ZS_PROPAGATE;
    case OP_ADD: {
        const Node *d = n->in[1 - input] ? n->in[1 - input]->def : NULL;
        return d && d->in[1] == n->in[input] && is_ste_sub(g, u, d) ? ZS_BLIND : ZS_PROPAGATE;
    }
    case OP_MUL: case OP_NEG: case OP_RELU: case OP_LEAKY_RELU:
    case OP_TANH: case OP_FLOOR: case OP_CEIL: case OP_ROUND: case OP_IDENTITY:
    case OP_DROPOUT: case OP_CAST: case OP_CLIP: case OP_MAX: case OP_MIN: case OP_WHERE:
    case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE: case OP_TRANSPOSE:
    case OP_CONCAT: case OP_SPLIT: case OP_SLICE: case OP_GATHER: case OP_EXPAND: case OP_TILE:
    case OP_PAD: case OP_AVERAGE_POOL: case OP_MAX_POOL: case OP_GLOBAL_AVERAGE_POOL:
    case OP_GLOBAL_MAX_POOL: case OP_REDUCE_SUM: case OP_REDUCE_MEAN: case OP_REDUCE_MAX:
    case OP_LIF: /* the spikes compare; only the membrane (output 1) carries the zero */
        return ZS_PROPAGATE;
    case OP_CONV: case OP_GEMM: case OP_MATMUL:
        /* sums of products: a product's zero sign matters only when the sum is zero */
        return ZS_PROPAGATE;
    default:
        return ZS_OBSERVE;
    }
}

/*
 * For each value id below g->n_values: true if replacing the value by one
 * that differs from it only in the signs of zeros leaves every graph output
 * bit for bit the same. Computed backwards over the topological order: a
 * value is observed if it is a graph output, or some use observes it, or
 * some use propagates it into an observed output. malloc'd.
 */
static bool *sign_of_zero_unobserved(const Graph *g) {
    int nv = g->n_values;
    bool *observed = calloc((size_t)(nv ? nv : 1), sizeof *observed);
    if (!observed) die("out of memory");
    Uses *u = uses_build(g);
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i]) observed[g->outputs[i]->id] = true;
    for (const Node *n = g->last; n; n = n->prev) {
        bool out_observed = false;
        for (int k = n->op == OP_LIF ? 1 : 0; k < n->n_out; k++)
            out_observed |= n->out[k] && (n->out[k]->id >= nv || observed[n->out[k]->id]);
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            if (!v || v->id >= nv) continue;
            ZeroSign z = zero_sign_use(g, u, n, i);
            if (z == ZS_OBSERVE || (z == ZS_PROPAGATE && out_observed)) observed[v->id] = true;
        }
    }
    uses_free(u);
    for (int i = 0; i < nv; i++) observed[i] = !observed[i];
    return observed;
}

/* Binary ops with an identity element on either side: the kept operand, or NULL.
 * unobserved: sign_of_zero_unobserved of the graph before this sweep. */
static Value *binary_identity(const Node *n, const bool *unobserved, int n_known) {
    Value *a = n->in[0], *b = n->in[1], *out = n->out[0];
    /* x + 0 and x - 0 with any zeros differ from x only in the sign of a zero result */
    bool zero_sign_free = out->id < n_known && unobserved[out->id];
    switch (n->op) {
    case OP_ADD:
        if (same_type(a, out) && (zero_sign_free ? is_const_all(b, 0) : is_const_zero_identity(b, true)))
            return a;
        if (same_type(b, out) && (zero_sign_free ? is_const_all(a, 0) : is_const_zero_identity(a, true)))
            return b;
        return NULL;
    case OP_SUB:
        return same_type(a, out) && (zero_sign_free ? is_const_all(b, 0) : is_const_zero_identity(b, false))
                   ? a
                   : NULL;
    case OP_MUL:
        if (is_const_all(b, 1) && same_type(a, out)) return a;
        if (is_const_all(a, 1) && same_type(b, out)) return b;
        return NULL;
    case OP_DIV:
        return is_const_all(b, 1) && same_type(a, out) ? a : NULL;
    default:
        return NULL;
    }
}

/* Normalised axis of a Gather; -1 if out of range. */
static int gather_axis(const Node *n) {
    int64_t axis = node_attr_int(n, "axis", 0), r = n->in[0]->type.shape.rank;
    if (axis < 0) axis += r;
    return axis >= 0 && axis < r ? (int)axis : -1;
}

/* Gather with one constant scalar index: its normalised value, or -1. */
static int64_t gather_scalar_index(const Node *n, int axis) {
    const Value *idx = n->in[1];
    double v;
    if (idx->type.shape.rank != 0 || !const_scalar(idx, &v)) return -1;
    int64_t i = (int64_t)v, dim = n->in[0]->type.shape.dim[axis];
    if (i < 0) i += dim;
    return i >= 0 && i < dim ? i : -1;
}

/*
 * Gather(Concat(pieces), i) along the concat axis reads one piece: returns
 * that piece's value (reshaped) or a smaller Gather of it, else NULL.
 */
static Value *gather_of_concat(Graph *g, Node *n, int axis, int64_t i) {
    const Node *c = n->in[0]->def;
    if (!c || c->op != OP_CONCAT) return NULL;
    int64_t caxis = node_attr_int(c, "axis", 0);
    if (caxis < 0) caxis += c->out[0]->type.shape.rank;
    if (caxis != axis) return NULL;
    int64_t off = 0;
    for (int k = 0; k < c->n_in; k++) {
        Value *piece = c->in[k];
        int64_t len = piece->type.shape.dim[axis];
        if (i < off + len) {
            if (len == 1) return insert_reshape(g, n, piece, &n->out[0]->type.shape, n->name);
            int64_t local = i - off;
            Value *in[2] = {piece, NULL};
            Shape s0 = {.rank = 0};
            Tensor *t = tensor_new(g->arena, DT_I64, &s0);
            ((int64_t *)t->data)[0] = local;
            in[1] = graph_const(g, NULL, t);
            Node *gn = graph_add_node(g, n, OP_GATHER, n->name, 2, in, 1);
            node_set_attr_int(g, gn, "axis", axis);
            node_infer_or_die(gn);
            return gn->out[0];
        }
        off += len;
    }
    return NULL;
}

/* Slice whose result has the input's shape with unit steps selects everything. */
static bool slice_is_full(const Node *n) {
    if (!same_type(n->in[0], n->out[0])) return false;
    if (n->n_in > 4 && n->in[4]) {
        const Value *steps = n->in[4];
        if (!steps->konst) return false;
        for (int64_t i = 0; i < tensor_numel(steps->konst); i++)
            if (tensor_get_i64(steps->konst, i) != 1) return false;
    }
    return true;
}

static bool transpose_is_identity(const Node *n) {
    int count;
    const int64_t *perm = node_attr_ints(n, "perm", &count);
    if (!perm) return n->in[0]->type.shape.rank <= 1;
    for (int i = 0; i < count; i++)
        if (perm[i] != i) return false;
    return true;
}

/* n reads T copies of one sample: computes n once and tiles its result, or NULL. */
static Value *hoist_tile(Graph *g, Node *n) {
    int64_t t;
    Value *x = n->n_in ? lead_tile(n->in[0], &t) : NULL;
    if (!x) return NULL;
    const Shape *os = &n->out[0]->type.shape;
    switch (n->op) {
    case OP_RESHAPE:
    case OP_FLATTEN: {
        if (os->rank < 1 || os->dim[0] != t || shape_numel(os) != t * shape_numel(&x->type.shape)) return NULL;
        Shape one = *os;
        one.dim[0] = 1;
        return insert_lead_tile(g, n, insert_reshape(g, n, x, &one, n->name), t, n->name);
    }
    case OP_GATHER: {
        int axis = gather_axis(n);
        if (axis != 0 || n->in[1]->type.shape.rank != 0 || gather_scalar_index(n, 0) < 0) return NULL;
        Shape s0 = {.rank = 0};
        Tensor *zero = tensor_new(g->arena, DT_I64, &s0);
        Value *in[2] = {x, graph_const(g, NULL, zero)};
        Node *gn = graph_add_node(g, n, OP_GATHER, n->name, 2, in, 1);
        node_set_attr_int(g, gn, "axis", 0);
        node_infer_or_die(gn);
        return gn->out[0];
    }
    case OP_CONV:
    case OP_GEMM:
    case OP_MATMUL:
    case OP_BATCH_NORM:
    case OP_AVERAGE_POOL:
    case OP_MAX_POOL:
    case OP_GLOBAL_AVERAGE_POOL:
    case OP_GLOBAL_MAX_POOL: {
        if (n->op == OP_GEMM && node_attr_int(n, "transA", 0)) return NULL;
        /* Gemm's C must be the same for every row (a vector or a scalar). */
        if (n->op == OP_GEMM && n->n_in > 2 && n->in[2] && n->in[2]->type.shape.rank == 2 &&
            n->in[2]->type.shape.dim[0] != 1)
            return NULL;
        if (n->op == OP_MATMUL && (x->type.shape.rank != 2 || n->in[1]->type.shape.rank != 2)) return NULL;
        Value *in[5];
        for (int i = 0; i < n->n_in; i++) in[i] = i == 0 ? x : n->in[i];
        Node *c = graph_add_node(g, n, n->op, n->name, n->n_in, in, 1);
        for (int i = 0; i < n->n_attr; i++) node_set_attr(g, c, &n->attr[i]);
        node_infer_or_die(c);
        return insert_lead_tile(g, n, c->out[0], t, n->name);
    }
    default:
        return NULL;
    }
}

/* The value that replaces n's single output, or NULL if no rule applies.
 * unobserved[0..n_known): sign_of_zero_unobserved at the start of the sweep. */
static Value *simplify(Graph *g, Node *n, const bool *unobserved, int n_known) {
    Value *x = n->n_in > 0 ? n->in[0] : NULL;
    Value *hoisted = hoist_tile(g, n);
    if (hoisted) return hoisted;
    Value *tiled = time_repeat_canonical(g, n);
    if (tiled) return tiled;
    switch (n->op) {
    case OP_EXPAND:
        return same_type(x, n->out[0]) ? x : NULL;
    case OP_IDENTITY:
    case OP_DROPOUT:
        return x;
    case OP_CAST:
        return same_type(x, n->out[0]) ? x : NULL;
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
        return binary_identity(n, unobserved, n_known);
    case OP_RESHAPE:
    case OP_FLATTEN:
    case OP_SQUEEZE:
    case OP_UNSQUEEZE:
        if (same_type(x, n->out[0])) return x;
        if (x->def && op_has(x->def->op, OPT_RESHAPE)) {
            if (same_type(x->def->in[0], n->out[0])) return x->def->in[0];
            return insert_reshape(g, n, x->def->in[0], &n->out[0]->type.shape, n->name);
        }
        return NULL;
    case OP_PAD:
        return n->in[1] && is_const_all(n->in[1], 0) && same_type(x, n->out[0]) ? x : NULL;
    case OP_CONCAT:
        return n->n_in == 1 ? x : NULL;
    case OP_SPLIT: /* one part: the whole input */
        return same_type(x, n->out[0]) ? x : NULL;
    case OP_SLICE:
        return slice_is_full(n) ? x : NULL;
    case OP_TRANSPOSE:
        return transpose_is_identity(n) ? x : NULL;
    case OP_GATHER: {
        int axis = gather_axis(n);
        if (axis < 0) return NULL;
        int64_t i = gather_scalar_index(n, axis);
        if (i < 0) return NULL;
        Value *r = gather_of_concat(g, n, axis, i);
        if (r) return r;
        if (x->type.shape.dim[axis] == 1) return insert_reshape(g, n, x, &n->out[0]->type.shape, n->name);
        return NULL;
    }
    default:
        return NULL;
    }
}

int pass_canonicalize(Graph *g, PassContext *cx) {
    /* The other rules keep every value bit for bit, so what is unobserved at the start
     * of the sweep stays so while it runs. */
    int n_known = g->n_values;
    bool *unobserved = sign_of_zero_unobserved(g);
    Rewriter rw;
    rw_init(&rw, g);
    for (Node *n = g->first; n; n = n->next) {
        rw_resolve_inputs(&rw, n);
        if (time_repeat_split(g, n, &rw)) continue;
        if (n->n_out != 1) continue;
        Value *r = simplify(g, n, unobserved, n_known);
        if (r && r != n->out[0]) rw_replace(&rw, n->out[0], r);
    }
    cx->changed = rw.changes > 0;
    rw_finish(&rw);
    free(unobserved);
    return 0;
}
