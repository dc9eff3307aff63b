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

static bool is_const(const Value *v) {
    return v == NULL || (v->konst && !v->def);
}

static bool is_view_op(OpKind op) {
    return op == OP_IDENTITY || op == OP_DROPOUT || op == OP_RESHAPE || op == OP_FLATTEN ||
           op == OP_SQUEEZE || op == OP_UNSQUEEZE;
}

/* Turns output v of its node into a constant holding t. */
static void make_const(Value *v, Tensor *t) {
    v->def = NULL;
    v->def_index = 0;
    v->konst = t;
}

/* Returns 1 if n's outputs became constants, 0 if n is left alone, -1 on error. */
static int fold_node(Graph *g, Node *n, Diag *d) {
    if (is_view_op(n->op) && n->in[0]->konst) {
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
    for (Node *n = g->first; n; n = next) {
        next = n->next;
        bool foldable = n->n_in > 0, known_out = true;
        for (int i = 0; i < n->n_in; i++) foldable &= is_const(n->in[i]);
        for (int i = 0; i < n->n_out; i++) {
            known_out &= n->out[i]->konst != NULL;
            if (shape_numel(&n->out[i]->type.shape) > FOLD_LIMIT) foldable = false;
        }
        if (!foldable && !known_out) continue;
        int rc = fold_node(g, n, cx->diag);
        if (rc < 0) return -1;
        if (rc > 0) graph_remove_node(g, n);
    }
    return 0;
}
