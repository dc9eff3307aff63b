/*
 * fold_constants.c - the fold-constants pass.
 *
 * A node whose inputs are all constants (or whose results infer-shapes
 * already knows) is evaluated with the reference evaluator and its outputs
 * become constants. Reshape-like ops of a constant share its data instead
 * of copying it. Constant data is never modified in place by any pass, so
 * sharing is safe.
 */
#include <string.h>

#include "passes/passes.h"

/* Folded results larger than this stay computed at run time (64 MiB of f32). */
enum { FOLD_LIMIT = 1 << 24 };

/*
 * Work limits, in multiply-adds (or element visits) of the reference
 * evaluator: a node above FOLD_NODE_WORK, or beyond FOLD_TOTAL_WORK for the
 * whole pass, stays computed at run time. Without them a file of a few
 * hundred bytes (ConstantOfShape -> MatMul of two 4096x4096 constants) keeps
 * the compiler busy for minutes; 2^26 takes well under a second.
 */
#define FOLD_NODE_WORK 67108864.0   /* 2^26 */
/* FOLD_TOTAL_WORK (2^28) for the whole pass: passes.h */

/*
 * A fold that creates data (ConstantOfShape, Expand, Tile, Range, Pad) may
 * give a result larger than its inputs only up to FOLD_GROWTH_LIMIT (2^20,
 * passes.h) elements: the constant is printed into the generated C, so a
 * 100-byte model must not become a 100 MB source file. Larger results stay
 * computed at run time.
 */

static double numel_or_zero(const Value *v) {
    int64_t k = v ? shape_numel(&v->type.shape) : 0;
    return k > 0 ? (double)k : 0;
}

/* Estimated evaluator work of n: output elements times the reduction each one
 * needs (contractions, convolutions and pooling windows), plus reading the inputs. */
static double fold_work(const Node *n) {
    double out = 0, in = 0, per = 1;
    for (int i = 0; i < n->n_out; i++) out += numel_or_zero(n->out[i]);
    for (int i = 0; i < n->n_in; i++) in += numel_or_zero(n->in[i]);
    const Value *a = n->n_in > 0 ? n->in[0] : NULL, *w = n->n_in > 1 ? n->in[1] : NULL;
    switch (n->op) {
    case OP_MATMUL: case OP_SPIKE_MATMUL:
        if (a && a->type.shape.rank > 0) per = (double)a->type.shape.dim[a->type.shape.rank - 1];
        break;
    case OP_GEMM: case OP_SPIKE_GEMM:
        if (a && a->type.shape.rank == 2)
            per = (double)a->type.shape.dim[node_attr_int(n, "transA", 0) ? 0 : 1];
        break;
    case OP_CONV: case OP_SPIKE_CONV:
        if (w && w->type.shape.rank > 0 && w->type.shape.dim[0] > 0)
            per = numel_or_zero(w) / (double)w->type.shape.dim[0];
        break;
    case OP_AVERAGE_POOL: case OP_MAX_POOL: {
        int k = 0;
        const int64_t *ks = node_attr_ints(n, "kernel_shape", &k);
        for (int i = 0; ks && i < k; i++) per *= ks[i] > 0 ? (double)ks[i] : 1;
        break;
    }
    default: break;
    }
    return out * (per > 1 ? per : 1) + in;
}

static bool is_const(const Value *v) {
    return v == NULL || (v->konst && !v->def);
}

/* Turns output v of its node into a constant holding t. */
static void make_const(Value *v, Tensor *t) {
    v->def = NULL;
    v->def_index = 0;
    v->konst = t;
}

/* Returns 1 if n's outputs became constants, 0 if n is left alone, -1 on error. */
static int fold_node(Graph *g, Node *n, Diag *d) {
    if (op_has(n->op, OPT_VIEW) && n->in[0]->konst) {
        const Tensor *src = n->in[0]->konst;
        Tensor *t = arena_alloc(g->arena, sizeof *t);
        t->type = n->out[0]->type;
        t->data = src->data;
        make_const(n->out[0], t);
        return 1;
    }
    Tensor *in[64], *out[64];
    if (n->n_in > 64 || n->n_out > 64) return 0;
    bool have_all = true;
    for (int i = 0; i < n->n_out; i++) have_all &= n->out[i]->konst != NULL;
    if (!have_all) {
        for (int i = 0; i < n->n_in; i++) in[i] = n->in[i] ? n->in[i]->konst : NULL;
        if (interp_eval_node(n, in, out, d) != 0) return -1;
        for (int i = 0; i < n->n_out; i++) {
            Tensor *t = tensor_new(g->arena, out[i]->type.dtype, &out[i]->type.shape);
            memcpy(t->data, out[i]->data, tensor_bytes(t));
            tensor_free_heap(out[i]);
            n->out[i]->konst = t;
        }
    }
    for (int i = 0; i < n->n_out; i++) make_const(n->out[i], n->out[i]->konst);
    return 1;
}

int pass_fold_constants(Graph *g, PassContext *cx) {
    Node *next;
    double work = 0;
    for (Node *n = g->first; n; n = next) {
        next = n->next;
        bool foldable = n->n_in > 0, known_out = true;
        for (int i = 0; i < n->n_in; i++) foldable &= is_const(n->in[i]);
        for (int i = 0; i < n->n_out; i++) {
            known_out &= n->out[i]->konst != NULL;
            if (shape_numel(&n->out[i]->type.shape) > FOLD_LIMIT) foldable = false;
        }
        if (foldable && !known_out && !op_has(n->op, OPT_VIEW)) {
            double w = fold_work(n), in = 0, out = 0;
            for (int i = 0; i < n->n_in; i++) in += numel_or_zero(n->in[i]);
            for (int i = 0; i < n->n_out; i++) out += numel_or_zero(n->out[i]);
            if (w > FOLD_NODE_WORK || work + w > FOLD_TOTAL_WORK ||
                (out > in && out > FOLD_GROWTH_LIMIT))
                foldable = false;
            else
                work += w;
        }
        if (!foldable && !known_out) continue;
        int rc = fold_node(g, n, cx->diag);
        if (rc < 0) return -1;
        if (rc > 0) graph_remove_node(g, n);
    }
    return 0;
}
