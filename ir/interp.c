/*
 * interp.c - the reference interpreter: runs a graph node by node with each
 * op's `eval`. It is slow and simple on purpose: constant folding, the
 * --stats firing rates and the check that every pass preserves a model's
 * outputs all rely on it being obviously right.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

int interp_eval_node(const Node *n, Tensor *const *in, Tensor **out, Diag *d) {
    const OpSema *s = op_info(n->op)->sema;
    if (!s->eval) {
        diag_error(d, n, "the interpreter cannot evaluate %s", op_info(n->op)->name);
        return -1;
    }
    for (int i = 0; i < n->n_out; i++) {
        const Type *t = &n->out[i]->type;
        if (t->shape.rank < 0 || t->dtype == DT_UNDEF || shape_numel(&t->shape) < 0) {
            diag_error(d, n, "output %d has no static type", i);
            for (int j = 0; j < i; j++) tensor_free_heap(out[j]);
            return -1;
        }
        out[i] = tensor_new(NULL, t->dtype, &t->shape);
    }
    if (s->eval(n, in, out, d) != 0) {
        for (int i = 0; i < n->n_out; i++) {
            tensor_free_heap(out[i]);
            out[i] = NULL;
        }
        return -1;
    }
    return 0;
}

/* A copy of t on the heap. */
static Tensor *tensor_clone_heap(const Tensor *t) {
    Tensor *c = tensor_new(NULL, t->type.dtype, &t->type.shape);
    memcpy(c->data, t->data, tensor_bytes(t));
    return c;
}

void interp_release_inputs(const Node *n, int step, const int *last_use, Tensor **val, char *owned) {
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (v && owned[v->id] && last_use[v->id] == step) {
            tensor_free_heap(val[v->id]);
            val[v->id] = NULL;
            owned[v->id] = 0;
        }
    }
}

int interp_run(const Graph *g, Tensor *const *inputs, Tensor **outputs, Diag *d) {
    int nv = g->n_values;
    Tensor **val = calloc((size_t)nv + 1, sizeof *val);
    char *owned = calloc((size_t)nv + 1, 1);
    int *last_use = calloc((size_t)nv + 1, sizeof *last_use);
    Tensor **in = malloc(IR_MAX_INPUTS * sizeof *in);
    Tensor **out = malloc(IR_MAX_INPUTS * sizeof *out);
    if (!val || !owned || !last_use || !in || !out) die("out of memory");
    int rc = -1;

    /* Free each intermediate right after its last reader. */
    int step = 0;
    for (const Node *n = g->first; n; n = n->next, step++)
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) last_use[n->in[i]->id] = step;
    for (int i = 0; i < g->n_outputs; i++) last_use[g->outputs[i]->id] = step + 1;

    for (int i = 0; i < g->n_inputs; i++) {
        const Value *v = g->inputs[i];
        if (!type_eq(&inputs[i]->type, &v->type)) {
            char a[256], b[256];
            diag_error(d, NULL, "input %d has type %s, the graph expects %s", i,
                       type_str(&inputs[i]->type, a, sizeof a), type_str(&v->type, b, sizeof b));
            goto out;
        }
        val[v->id] = inputs[i];
    }
    for (int i = 0; i < nv; i++)
        if (g->values[i]->konst && !val[i]) val[i] = g->values[i]->konst;

    step = 0;
    for (const Node *n = g->first; n; n = n->next, step++) {
        if (n->n_in > IR_MAX_INPUTS || n->n_out > IR_MAX_INPUTS) {
            diag_error(d, n, "too many operands");
            goto out;
        }
        for (int i = 0; i < n->n_in; i++) {
            in[i] = n->in[i] ? val[n->in[i]->id] : NULL;
            if (n->in[i] && !in[i]) {
                diag_error(d, n, "input %d has no value", i);
                goto out;
            }
        }
        if (interp_eval_node(n, in, out, d) != 0) goto out;
        for (int i = 0; i < n->n_out; i++) {
            int id = n->out[i]->id;
            val[id] = out[i];
            owned[id] = 1;
            if (last_use[id] < step) last_use[id] = step; /* unused: free now */
        }
        interp_release_inputs(n, step, last_use, val, owned);
        for (int i = 0; i < n->n_out; i++) {
            int id = n->out[i]->id;
            if (owned[id] && last_use[id] == step) {
                tensor_free_heap(val[id]);
                val[id] = NULL;
                owned[id] = 0;
            }
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const Value *v = g->outputs[i];
        if (!val[v->id]) {
            diag_error(d, NULL, "graph output %d has no value", i);
            for (int j = 0; j < i; j++) tensor_free_heap(outputs[j]);
            goto out;
        }
        outputs[i] = tensor_clone_heap(val[v->id]);
    }
    rc = 0;
out:
    for (int i = 0; i < nv; i++)
        if (owned[i]) tensor_free_heap(val[i]);
    free(val);
    free(owned);
    free(last_use);
    free(in);
    free(out);
    return rc;
}
