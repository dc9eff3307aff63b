/*
 * onnx_order.c - value-name resolution and topological sorting of ONodes.
 *
 * ONNX requires nodes in topological order (IR.md, "Graphs") but some
 * exporters do not comply, so the importer sorts: Kahn's algorithm with a
 * min-heap on the file position, which returns the file's order unchanged
 * whenever it is valid and otherwise the topological order closest to it.
 * What remains once no node is ready lies on or behind a cycle; one node on
 * the cycle itself is named in the error.
 */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_internal.h"

/* "'conv1'" or "#3 (Conv)" for messages. */
static const char *node_label(OnnxCtx *c, const ONode *o) {
    if (o->name[0]) return arena_printf(c->tmp, "'%.*s'", ONNX_MSG_NAME, o->name);
    return arena_printf(c->tmp, "#%d (%.*s)", o->index, ONNX_MSG_NAME, o->op_type);
}

static const char *def_label(OnnxCtx *c, const NameEntry *e) {
    if (e->def == DEF_INPUT) return "graph input";
    if (e->def == DEF_INIT) return "initializer";
    return arena_printf(c->tmp, "node %s", node_label(c, &c->nodes[e->def]));
}

/* Registers node outputs, resolves inputs and graph outputs; 0 or -1. */
static int resolve_names(OnnxCtx *c, const Onnx__GraphProto *gp) {
    int rc = 0;
    for (int i = 0; i < c->n_nodes; i++) {
        const ONode *o = &c->nodes[i];
        for (int j = 0; j < o->n_out; j++) {
            if (!o->out[j][0]) continue;
            NameEntry *e = arena_alloc(c->tmp, sizeof *e);
            *e = (NameEntry){.name = o->out[j], .def = i, .def_out = j};
            if (!strmap_put(c->names, e->name, e)) {
                const NameEntry *old = onnx_name(c, e->name);
                onnx_error(c, NULL, NULL, "value '%.*s' is defined twice (by %s and by node %s)",
                           ONNX_MSG_NAME, e->name, def_label(c, old), node_label(c, o));
                rc = -1;
            }
        }
    }
    for (int i = 0; i < c->n_nodes; i++) {
        const ONode *o = &c->nodes[i];
        for (int j = 0; j < o->n_in; j++) {
            if (!o->in[j][0]) continue;
            NameEntry *e = onnx_name(c, o->in[j]);
            if (e) {
                e->uses++;
                continue;
            }
            onnx_error(c, NULL, NULL, "value '%.*s' is used by node %s but never defined",
                       ONNX_MSG_NAME, o->in[j], node_label(c, o));
            rc = -1;
        }
    }
    if (gp->n_output == 0) {
        onnx_error(c, NULL, NULL, "graph has no outputs");
        rc = -1;
    }
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *nm = gp->output[i]->name ? gp->output[i]->name : "";
        NameEntry *e = nm[0] ? onnx_name(c, nm) : NULL;
        if (e) {
            e->uses++;
        } else {
            if (nm[0])
                onnx_error(c, NULL, NULL, "graph output '%.*s' is never defined", ONNX_MSG_NAME, nm);
            else
                onnx_error(c, NULL, NULL, "graph output #%zu has no name", i);
            rc = -1;
        }
    }
    return rc;
}

/* Binary min-heap of node indices. */
typedef struct Heap {
    int *a;
    int n;
} Heap;

static void heap_push(Heap *h, int v) {
    int i = h->n++;
    while (i > 0 && h->a[(i - 1) / 2] > v) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = v;
}

static int heap_pop(Heap *h) {
    int top = h->a[0], v = h->a[--h->n], i = 0;
    for (;;) {
        int l = 2 * i + 1, m = l;
        if (l >= h->n) break;
        if (l + 1 < h->n && h->a[l + 1] < h->a[l]) m = l + 1;
        if (h->a[m] >= v) break;
        h->a[i] = h->a[m];
        i = m;
    }
    if (h->n) h->a[i] = v;
    return top;
}

/* Producer node of input j of node i, or -1 for inputs, initializers and omitted inputs. */
static int producer(const OnnxCtx *c, int i, int j) {
    const char *nm = c->nodes[i].in[j];
    if (!nm[0]) return -1;
    const NameEntry *e = onnx_name(c, nm);
    return e->def;
}

/* Some node that lies on a cycle among the nodes not yet placed (done[i] false). */
static int node_on_cycle(const OnnxCtx *c, const bool *done) {
    int n = c->n_nodes, u = 0;
    while (u < n && done[u]) u++;
    int *seen = calloc((size_t)n, sizeof *seen);
    if (!seen) die("out of memory");
    /* Every unplaced node has an unplaced producer: walking producers must revisit. */
    for (int step = 1; !seen[u]; step++) {
        seen[u] = step;
        int next = -1;
        for (int j = 0; j < c->nodes[u].n_in && next < 0; j++) {
            int p = producer(c, u, j);
            if (p >= 0 && !done[p]) next = p;
        }
        if (next < 0) break; /* cannot happen; stop rather than loop */
        u = next;
    }
    free(seen);
    return u;
}

static int sort_nodes(OnnxCtx *c) {
    int n = c->n_nodes;
    c->order = malloc((size_t)(n ? n : 1) * sizeof *c->order);
    if (!c->order) die("out of memory");
    bool sorted = true;
    for (int i = 0; i < n && sorted; i++)
        for (int j = 0; j < c->nodes[i].n_in; j++)
            if (producer(c, i, j) >= i) {
                sorted = false;
                break;
            }
    if (sorted) {
        for (int i = 0; i < n; i++) c->order[i] = i;
        return 0;
    }
    /* Consumer lists in CSR form: edges[start[p] .. start[p+1]) read an output of p. */
    int *indeg = calloc((size_t)n, sizeof *indeg);
    int *start = calloc((size_t)n + 1, sizeof *start);
    bool *done = calloc((size_t)n, sizeof *done);
    Heap h = {malloc((size_t)n * sizeof(int)), 0};
    if (!indeg || !start || !done || !h.a) die("out of memory");
    size_t n_edges = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c->nodes[i].n_in; j++) {
            int p = producer(c, i, j);
            if (p < 0) continue;
            start[p + 1]++;
            indeg[i]++;
            n_edges++;
        }
    for (int i = 0; i < n; i++) start[i + 1] += start[i];
    int *edges = malloc((n_edges ? n_edges : 1) * sizeof *edges);
    int *fill = malloc((size_t)(n ? n : 1) * sizeof *fill);
    if (!edges || !fill) die("out of memory");
    memcpy(fill, start, (size_t)n * sizeof *fill);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < c->nodes[i].n_in; j++) {
            int p = producer(c, i, j);
            if (p >= 0) edges[fill[p]++] = i;
        }
    for (int i = 0; i < n; i++)
        if (!indeg[i]) heap_push(&h, i);
    int placed = 0;
    while (h.n) {
        int u = heap_pop(&h);
        done[u] = true;
        c->order[placed++] = u;
        for (int k = start[u]; k < start[u + 1]; k++)
            if (--indeg[edges[k]] == 0) heap_push(&h, edges[k]);
    }
    int rc = 0;
    if (placed < n) {
        const ONode *o = &c->nodes[node_on_cycle(c, done)];
        onnx_error(c, NULL, NULL, "graph has a cycle through node %s", node_label(c, o));
        rc = -1;
    }
    free(indeg);
    free(start);
    free(done);
    free(h.a);
    free(edges);
    free(fill);
    return rc;
}

int onnx_order_nodes(OnnxCtx *c, const Onnx__GraphProto *gp) {
    if (resolve_names(c, gp)) return -1;
    return sort_nodes(c);
}
