/*
 * infer_shapes.c - the infer-shapes pass.
 *
 * Walks the nodes in order and runs each op's inference. Exports compute
 * static shapes at run time (Shape -> Slice -> Concat -> Reshape); to see
 * through them, a node whose inputs are all known and whose result is a
 * small tensor is evaluated right away and its value recorded on the output
 * (Value.konst), where the next node's inference can read it. Shape and Size
 * only need their input's type. The graph's structure is not changed:
 * fold-constants turns known values into constants afterwards.
 */
#include <string.h>

#include "passes/passes.h"

/* Results up to this many elements are evaluated while inferring. */
enum { KNOWN_INT_LIMIT = 4096, KNOWN_FLOAT_LIMIT = 64 };

static bool known(const Value *v) {
    return v == NULL || v->konst != NULL;
}

/* Evaluates n on its known inputs and records the results as known values. */
static int record_known(Graph *g, Node *n, Diag *d) {
    Tensor *in[8], *out[8];
    if (n->n_in > 8 || n->n_out > 8) return 0;
    for (int i = 0; i < n->n_in; i++) in[i] = n->in[i] ? n->in[i]->konst : NULL;
    if (interp_eval_node(n, in, out, d) != 0) return -1;
    for (int i = 0; i < n->n_out; i++) {
        Tensor *t = tensor_new(g->arena, out[i]->type.dtype, &out[i]->type.shape);
        memcpy(t->data, out[i]->data, tensor_bytes(t));
        n->out[i]->konst = t;
        tensor_free_heap(out[i]);
    }
    return 0;
}

/* Shape and Size depend only on the input's type: evaluate them with a data-less input. */
static int record_shape_of(Graph *g, Node *n, Diag *d) {
    Tensor shell = {.type = n->in[0]->type, .data = NULL};
    Tensor *in[1] = {&shell}, *out[1];
    if (interp_eval_node(n, in, out, d) != 0) return -1;
    Tensor *t = tensor_new(g->arena, out[0]->type.dtype, &out[0]->type.shape);
    memcpy(t->data, out[0]->data, tensor_bytes(t));
    n->out[0]->konst = t;
    tensor_free_heap(out[0]);
    return 0;
}

/* Whether an inferred type t agrees with the declared one wherever that declares something. */
static bool declared_fits(const Type *decl, const Type *t) {
    if (decl->dtype != DT_UNDEF && decl->dtype != t->dtype) return false;
    if (decl->shape.rank < 0) return true;
    if (decl->shape.rank != t->shape.rank) return false;
    for (int i = 0; i < t->shape.rank; i++)
        if (decl->shape.dim[i] >= 0 && decl->shape.dim[i] != t->shape.dim[i]) return false;
    return true;
}

int pass_infer_shapes(Graph *g, PassContext *cx) {
    Diag *d = cx->diag;
    for (Node *n = g->first; n; n = n->next) {
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            if (v && (v->type.shape.rank < 0 || v->type.dtype == DT_UNDEF)) {
                diag_error(d, n, "input %d has no known type", i);
                return -1;
            }
        }
        const OpSema *s = op_info(n->op)->sema;
        if (!s->infer) {
            diag_error(d, n, "no shape inference for %s", op_info(n->op)->name);
            return -1;
        }
        if (s->infer(n, d) != 0) return -1;
        bool all_known = true, small = true;
        for (int i = 0; i < n->n_in; i++) all_known &= known(n->in[i]);
        for (int i = 0; i < n->n_out; i++) {
            const Type *t = &n->out[i]->type;
            int64_t numel = shape_numel(&t->shape);
            if (t->dtype == DT_UNDEF || numel < 0) {
                diag_error(d, n, "inference left output %d without a static type", i);
                return -1;
            }
            int64_t limit = dtype_is_float(t->dtype) ? KNOWN_FLOAT_LIMIT : KNOWN_INT_LIMIT;
            small &= numel <= limit;
            n->out[i]->konst = NULL;
        }
        if ((n->op == OP_SHAPE || n->op == OP_SIZE) && small) {
            if (record_shape_of(g, n, d) != 0) return -1;
        } else if (all_known && small && n->n_in > 0) {
            if (record_known(g, n, d) != 0) return -1;
        }
    }
    int rc = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        const Value *v = g->outputs[i];
        if (v->type.shape.rank < 0) {
            diag_error(d, NULL, "graph output %d has no type", i);
            return -1;
        }
        if (i < g->n_declared && !declared_fits(&g->declared_outputs[i], &v->type)) {
            char want[256], got[256];
            diag_error(d, NULL, "graph output '%.200s' is declared %s but the graph computes %s",
                       v->name ? v->name : "", type_str(&g->declared_outputs[i], want, sizeof want),
                       type_str(&v->type, got, sizeof got));
            rc = -1;
        }
    }
    return rc;
}
