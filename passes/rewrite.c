/*
 * rewrite.c - deferred value replacement and node builders for passes.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/rewrite.h"

void rw_init(Rewriter *rw, Graph *g) {
    rw->g = g;
    rw->cap = g->n_values + 64;
    rw->fwd = calloc((size_t)rw->cap, sizeof *rw->fwd);
    if (!rw->fwd) die("out of memory");
    rw->changes = 0;
}

bool rw_replace(Rewriter *rw, Value *old, Value *new_) {
    if (old == new_) return true;
    if (!new_ || !type_eq(&old->type, &new_->type) || !layout_eq(&old->layout, &new_->layout)) return false;
    if (old->id >= rw->cap) {
        int cap = rw->cap;
        while (cap <= old->id) cap *= 2;
        Value **f = realloc(rw->fwd, (size_t)cap * sizeof *f);
        if (!f) die("out of memory");
        memset(f + rw->cap, 0, (size_t)(cap - rw->cap) * sizeof *f);
        rw->fwd = f;
        rw->cap = cap;
    }
    rw->fwd[old->id] = new_;
    rw->changes++;
    return true;
}

Value *rw_broadcast_to(Graph *g, Node *before, Value *v, const Shape *s) {
    Shape b;
    if (shape_eq(&v->type.shape, s)) return v;
    if (!shape_broadcast(&v->type.shape, s, &b) || !shape_eq(&b, s)) return NULL;
    Value *in[2] = {v, const_i64(g, s->rank, s->dim)};
    Node *e = graph_add_node(g, before, OP_EXPAND, before ? before->name : NULL, 2, in, 1);
    node_infer_or_die(e);
    return e->out[0];
}

Value *rw_resolve(Rewriter *rw, Value *v) {
    while (v && v->id < rw->cap && rw->fwd[v->id]) v = rw->fwd[v->id];
    return v;
}

void rw_resolve_inputs(Rewriter *rw, Node *n) {
    for (int i = 0; i < n->n_in; i++) n->in[i] = rw_resolve(rw, n->in[i]);
}

void rw_finish(Rewriter *rw) {
    for (Node *n = rw->g->first; n; n = n->next) rw_resolve_inputs(rw, n);
    for (int i = 0; i < rw->g->n_outputs; i++) {
        Value *old = rw->g->outputs[i], *new_ = rw_resolve(rw, old);
        /* A computed value that takes over a graph output takes its name too (users know it). */
        if (new_ != old && new_->def && !new_->is_input && old->name) new_->name = old->name;
        rw->g->outputs[i] = new_;
    }
    free(rw->fwd);
    rw->fwd = NULL;
}

void node_infer_or_die(Node *n) {
    Diag d = {.file = "<pass>"};
    if (op_info(n->op)->sema->infer(n, &d) != 0) {
        fprintf(stderr, "%s\n", d.n_kept ? d.msgs[0] : "");
        die("inference failed on a node created by a pass (%s)", op_info(n->op)->name);
    }
    diag_free(&d);
}

Value *const_i64(Graph *g, int n, const int64_t *v) {
    Shape s = {.rank = 1, .dim = {n}};
    Tensor *t = tensor_new(g->arena, DT_I64, &s);
    memcpy(t->data, v, (size_t)n * sizeof *v);
    return graph_const(g, NULL, t);
}

Value *const_f32(Graph *g, const Shape *s, const float *data) {
    Tensor *t = tensor_new(g->arena, DT_F32, s);
    memcpy(t->data, data, tensor_bytes(t));
    return graph_const(g, NULL, t);
}

Value *insert_reshape(Graph *g, Node *before, Value *x, const Shape *shape, const char *name) {
    Value *in[2] = {x, const_i64(g, shape->rank, shape->dim)};
    Node *r = graph_add_node(g, before, OP_RESHAPE, name, 2, in, 1);
    /* A 0 in Reshape's shape copies the input's dim unless allowzero is set
     * (ONNX Reshape-14); here every dim is literal, empty tensors included. */
    for (int k = 0; k < shape->rank; k++)
        if (shape->dim[k] == 0) {
            node_set_attr_int(g, r, "allowzero", 1);
            break;
        }
    node_infer_or_die(r);
    return r->out[0];
}

bool is_const_all(const Value *v, double x) {
    return v && v->konst && !v->def && tensor_all_equal(v->konst, x);
}

bool const_scalar(const Value *v, double *out) {
    if (!v || !v->konst || v->def || tensor_numel(v->konst) != 1) return false;
    *out = tensor_get_f64(v->konst, 0);
    return true;
}
