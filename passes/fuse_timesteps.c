/*
 * fuse_timesteps.c - the fuse-timesteps pass: a neuron driven by the same
 * input current at every timestep runs all its timesteps in one tsnc.lif.
 *
 * The first layer of a spiking network sees the same analog image at every
 * timestep; canonicalize hoists the Tile of the time axis, so that its
 * Conv/Gemm runs once, but the neuron after it is still T tsnc.lif nodes
 * chained by their membranes, whose spikes an Unsqueeze + Concat stacks
 * along time:
 *
 *     %s0, %m0 = tsnc.lif(%x)          %s1, %m1 = tsnc.lif(%x, %m0)   ...
 *     %stack = Concat(Unsqueeze(%s0), Unsqueeze(%s1), ...) {axis = 0}
 *
 * becomes %stack, %m = tsnc.lif(%x) {steps = T} (docs/ir.md). Each step
 * computes what the chain did, in the same order, so results are equal bit
 * for bit; the kernel no longer reads the current and writes the membrane T
 * times (a vector kernel keeps the membrane in registers).
 *
 * Fires only when nothing else reads the pieces: each step's spikes feed
 * only their Unsqueeze, each Unsqueeze only the Concat, each membrane but
 * the last only the next step. The last membrane becomes the new node's.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"
#include "passes/rewrite.h"

/* v's only reader is `reader` (and v is not a graph output). */
static bool only_reader(const Graph *g, const Uses *u, const Value *v, const Node *reader) {
    return v->id < u->n_values && u->count[v->id] == 1 && u->users[v->id][0] == reader && !graph_is_output(g, v);
}

/* u's output is its input with a leading axis of 1: the same elements in the same order. */
static bool leading_unit_axis(const Node *u) {
    const Shape *in = &u->in[0]->type.shape, *out = &u->out[0]->type.shape;
    return out->rank == in->rank + 1 && out->dim[0] == 1 &&
           memcmp(out->dim + 1, in->dim, (size_t)in->rank * sizeof in->dim[0]) == 0;
}

/*
 * The chain of lifs whose stacked spikes c (a Concat) is, in lifs[0..T), or 0. Checks every
 * condition of the header comment; step t's membrane input is step t-1's membrane output.
 */
static int stacked_chain(const Graph *g, const Uses *u, const Node *c, Node **lifs) {
    int64_t axis = node_attr_int(c, "axis", 0);
    if (c->n_in < 2 || c->n_in > LIF_MAX_STEPS || (axis != 0 && axis != -c->out[0]->type.shape.rank)) return 0;
    for (int t = 0; t < c->n_in; t++) {
        const Node *q = c->in[t]->def;
        if (!q || q->op != OP_UNSQUEEZE || !only_reader(g, u, c->in[t], c) || !leading_unit_axis(q)) return 0;
        Node *l = q->in[0]->def;
        if (!l || l->op != OP_LIF || q->in[0]->def_index != 0 || !only_reader(g, u, q->in[0], q)) return 0;
        if (node_attr_int(l, "steps", 1) != 1) return 0;
        if (t == 0 ? l->n_in != 1 : l->n_in != 2 || l->in[0] != lifs[0]->in[0] || !node_attrs_equal(l, lifs[0]) ||
                                        l->in[1] != lifs[t - 1]->out[1] || !only_reader(g, u, l->in[1], l))
            return 0;
        lifs[t] = l;
    }
    return c->n_in;
}

int pass_fuse_timesteps(Graph *g, PassContext *cx) {
    (void)cx;
    Uses *u = uses_build(g);
    Rewriter rw;
    rw_init(&rw, g);
    Node **lifs = NULL;
    int cap = 0;
    for (Node *c = g->first; c; c = c->next) {
        if (c->op != OP_CONCAT) continue;
        if (c->n_in > cap) {
            cap = c->n_in;
            lifs = realloc(lifs, (size_t)cap * sizeof *lifs);
            if (!lifs) die("out of memory");
        }
        int steps = stacked_chain(g, u, c, lifs);
        if (!steps) continue;
        Node *first = lifs[0], *last = lifs[steps - 1];
        /* before the first step: the stack's and the last membrane's readers all come later */
        Node *f = graph_add_node(g, first, OP_LIF, first->name, 1, first->in, 2);
        for (int i = 0; i < first->n_attr; i++) node_set_attr(g, f, &first->attr[i]);
        node_set_attr_int(g, f, "steps", steps);
        node_infer_or_die(f);
        if (!type_eq(&f->out[0]->type, &c->out[0]->type)) { /* not a stack of whole steps */
            graph_remove_node(g, f);
            continue;
        }
        f->out[0]->layout = c->out[0]->layout;
        f->out[1]->layout = last->out[1]->layout;
        f->remark = arena_printf(g->arena, "%d timesteps of a time-invariant input current in one neuron", steps);
        rw_replace(&rw, c->out[0], f->out[0]);
        rw_replace(&rw, last->out[1], f->out[1]);
    }
    free(lifs);
    uses_free(u);
    rw_finish(&rw);
    return 0;
}
