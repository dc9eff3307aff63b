/*
 * dce.c - the dce pass: dead-code elimination.
 *
 * One backward walk: a node is live if a graph output or a live node reads
 * one of its results. Constants need no removal: a constant nobody reads is
 * neither printed nor emitted.
 */
#include <stdlib.h>

#include "passes/passes.h"

int pass_dce(Graph *g, PassContext *cx) {
    (void)cx;
    char *live = calloc((size_t)g->n_values + 1, 1);
    if (!live) die("out of memory");
    for (int i = 0; i < g->n_outputs; i++) live[g->outputs[i]->id] = 1;
    Node *prev;
    for (Node *n = g->last; n; n = prev) {
        prev = n->prev;
        bool used = false;
        for (int i = 0; i < n->n_out; i++) used |= live[n->out[i]->id];
        if (!used) {
            graph_remove_node(g, n);
            continue;
        }
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) live[n->in[i]->id] = 1;
    }
    free(live);
    return 0;
}
