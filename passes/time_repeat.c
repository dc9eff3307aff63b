/*
 * time_repeat.c - the forms in which exports repeat one tensor over the
 * timesteps (direct encoding feeds the same image at every step), each
 * rewritten to Tile(x, [T, 1, ..., 1]) with x.dim[0] == 1: the lead Tile,
 * the one form canonicalize moves per-sample ops across. Every rewrite
 * copies elements only, so it is exact.
 *
 *   x.repeat / x.unsqueeze(0).repeat        Tile(x, [T, 1, ...])  (already canonical)
 *   x.expand(T, ...) / unsqueeze + expand   Expand(x, [T, ...])            -> lead Tile
 *   repeat_interleave of one sample         Expand of an inner unit axis   -> Reshape(lead Tile)
 *   torch.stack([x] * T), torch.cat([x] * T) Concat of copies of one tensor -> lead Tile
 *   repeat of a repeat                      Tile(Tile(x, [a, ...]), [b, ...]) -> lead Tile of a*b
 *   per-step reads of the repeated tensor:
 *     seq[t:t+1], seq[idx]                  Slice / Gather(indices) of a lead Tile -> x or a lead Tile
 *     seq.split(1) / seq.unbind(0)          Split of a lead Tile along time  -> x for each part
 *   (seq[t] is a Gather with a scalar index: canonicalize reads x there.)
 *
 * "Copies of one tensor" are the same value, or reshape-like nodes (Reshape,
 * Flatten, Squeeze, Unsqueeze) of the same value with the same result type:
 * torch.stack writes one Unsqueeze per copy.
 */
#include <string.h>

#include "passes/time_repeat.h"

Value *lead_tile(const Value *v, int64_t *t) {
    const Node *n = v->def;
    if (!n || n->op != OP_TILE || !n->in[1]->konst || n->in[1]->def) return NULL;
    const Tensor *r = n->in[1]->konst;
    const Value *x = n->in[0];
    if (x->type.shape.rank < 1 || x->type.shape.dim[0] != 1 || tensor_numel(r) != x->type.shape.rank)
        return NULL;
    for (int64_t i = 1; i < tensor_numel(r); i++)
        if (tensor_get_i64(r, i) != 1) return NULL;
    *t = tensor_get_i64(r, 0);
    return *t >= 1 ? n->in[0] : NULL;
}

Value *insert_lead_tile(Graph *g, Node *before, Value *y, int64_t t, const char *name) {
    if (t == 1) return y;
    int64_t reps[IR_MAX_RANK];
    for (int i = 0; i < y->type.shape.rank; i++) reps[i] = i ? 1 : t;
    Value *in[2] = {y, const_i64(g, y->type.shape.rank, reps)};
    Node *n = graph_add_node(g, before, OP_TILE, name, 2, in, 1);
    node_infer_or_die(n);
    return n->out[0];
}

/* a and b hold the same elements in the same shape: one value, or reshape-likes of one value. */
static bool same_copy(const Value *a, const Value *b) {
    if (a == b) return true;
    const Node *p = a->def, *q = b->def;
    return p && q && op_has(p->op, OPT_RESHAPE) && op_has(q->op, OPT_RESHAPE) && p->in[0] == q->in[0] &&
           type_eq(&a->type, &b->type);
}

/*
 * out is `copies` copies of x's elements back to back, along axis k of out,
 * every axis before k of size 1: Tile(row, [copies, 1, ...]) reshaped to out,
 * where row is x reshaped to [1, out.dim[k+1..]] (or [1, d, out.dim[k+1..]]
 * when each copy spans d = out.dim[k] / copies > 1 entries of axis k).
 */
static Value *repeat_as(Graph *g, Node *n, Value *x, int64_t copies, int k) {
    const Shape *os = &n->out[0]->type.shape;
    if (copies < 1 || os->dim[k] % copies != 0) return NULL;
    int64_t d = os->dim[k] / copies;
    Shape row = {.rank = os->rank - k + (d != 1)};
    if (row.rank > IR_MAX_RANK) return NULL;
    row.dim[0] = 1;
    if (d != 1) row.dim[1] = d;
    for (int i = k + 1; i < os->rank; i++) row.dim[row.rank - (os->rank - i)] = os->dim[i];
    if (shape_numel(&row) != shape_numel(&x->type.shape)) return NULL;
    Value *r = shape_eq(&row, &x->type.shape) ? x : insert_reshape(g, n, x, &row, n->name);
    Value *tiled = insert_lead_tile(g, n, r, copies, n->name);
    return shape_eq(&tiled->type.shape, os) ? tiled : insert_reshape(g, n, tiled, os, n->name);
}

/* Expand that broadcasts exactly one axis k (of size 1 in x), with out.dim[j] == 1 for j < k. */
static Value *expand_form(Graph *g, Node *n) {
    const Shape *xs = &n->in[0]->type.shape, *os = &n->out[0]->type.shape;
    int pad = os->rank - xs->rank, k = -1;
    if (pad < 0 || shape_numel(xs) == 0) return NULL;
    for (int i = 0; i < os->rank; i++) {
        int64_t d = i < pad ? 1 : xs->dim[i - pad];
        if (d == os->dim[i]) continue;
        if (d != 1 || k >= 0) return NULL; /* a second broadcast axis */
        k = i;
    }
    if (k < 0) return NULL;
    for (int j = 0; j < k; j++)
        if (os->dim[j] != 1) return NULL;
    return repeat_as(g, n, n->in[0], os->dim[k], k);
}

/* Concat of n_in copies of one tensor along axis k, every axis before k of size 1. */
static Value *concat_form(Graph *g, Node *n) {
    const Shape *os = &n->out[0]->type.shape;
    int64_t k = node_attr_int(n, "axis", 0);
    if (k < 0) k += os->rank;
    if (n->n_in < 2 || k < 0 || k >= os->rank) return NULL;
    for (int i = 1; i < n->n_in; i++)
        if (!same_copy(n->in[0], n->in[i])) return NULL;
    for (int j = 0; j < k; j++)
        if (os->dim[j] != 1) return NULL;
    return repeat_as(g, n, n->in[0], n->n_in, (int)k);
}

/* Tile(Tile(x, [a, 1, ...]), [b, 1, ...]) -> Tile(x, [a*b, 1, ...]). */
static Value *tile_form(Graph *g, Node *n) {
    int64_t a, b;
    Value *x = lead_tile(n->in[0], &a);
    if (!x || !n->in[1]->konst || n->in[1]->def) return NULL;
    const Tensor *r = n->in[1]->konst;
    if (tensor_numel(r) != x->type.shape.rank) return NULL;
    for (int64_t i = 1; i < tensor_numel(r); i++)
        if (tensor_get_i64(r, i) != 1) return NULL;
    b = tensor_get_i64(r, 0);
    return b >= 1 ? insert_lead_tile(g, n, x, a * b, n->name) : NULL;
}

/* The i-th entry of an optional constant i64 input, or dflt when the input is absent. */
static bool opt_const_i64(const Node *n, int input, int64_t i, int64_t dflt, int64_t *out) {
    if (input >= n->n_in || !n->in[input]) {
        *out = dflt;
        return true;
    }
    const Value *v = n->in[input];
    if (!v->konst || i >= tensor_numel(v->konst)) return false;
    *out = tensor_get_i64(v->konst, i);
    return true;
}

/*
 * Slice(Tile(x)) that selects rows along axis 0 only: m rows of copies of x.
 * Another sliced axis must keep all of its elements in order (step 1).
 */
static Value *slice_form(Graph *g, Node *n) {
    int64_t t;
    Value *x = lead_tile(n->in[0], &t);
    const Shape *is = &n->in[0]->type.shape, *os = &n->out[0]->type.shape;
    if (!x || !n->in[1]->konst || os->rank != is->rank || os->dim[0] < 1) return NULL;
    for (int i = 1; i < os->rank; i++)
        if (os->dim[i] != is->dim[i]) return NULL;
    for (int64_t i = 0; i < tensor_numel(n->in[1]->konst); i++) {
        int64_t axis, step;
        if (!opt_const_i64(n, 3, i, i, &axis) || !opt_const_i64(n, 4, i, 1, &step)) return NULL;
        if (axis < 0) axis += is->rank;
        if (axis != 0 && step != 1) return NULL;
    }
    return insert_lead_tile(g, n, x, os->dim[0], n->name);
}

/* Gather(Tile(x), indices) along axis 0 with a 1-D index tensor: one copy of x per index. */
static Value *gather_form(Graph *g, Node *n) {
    int64_t t, axis = node_attr_int(n, "axis", 0);
    Value *x = lead_tile(n->in[0], &t);
    if (!x || (axis != 0 && axis != -n->in[0]->type.shape.rank) || n->in[1]->type.shape.rank != 1) return NULL;
    int64_t m = n->in[1]->type.shape.dim[0];
    return m >= 1 ? insert_lead_tile(g, n, x, m, n->name) : NULL;
}

Value *time_repeat_canonical(Graph *g, Node *n) {
    if (n->n_out != 1) return NULL;
    switch (n->op) {
    case OP_EXPAND: return expand_form(g, n);
    case OP_CONCAT: return concat_form(g, n);
    case OP_TILE: return tile_form(g, n);
    case OP_SLICE: return slice_form(g, n);
    case OP_GATHER: return gather_form(g, n);
    default: return NULL;
    }
}

bool time_repeat_split(Graph *g, Node *n, Rewriter *rw) {
    int64_t t, axis = node_attr_int(n, "axis", 0);
    if (n->op != OP_SPLIT) return false;
    Value *x = lead_tile(n->in[0], &t);
    if (!x || (axis != 0 && axis != -n->in[0]->type.shape.rank)) return false;
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i]->type.shape.dim[0] < 1) return false;
    for (int i = 0; i < n->n_out; i++)
        rw_replace(rw, n->out[i], insert_lead_tile(g, n, x, n->out[i]->type.shape.dim[0], n->name));
    return true;
}
