/*
 * batch_timesteps.c - the batch-timesteps pass: the copies of one layer that
 * an explicit-time export makes, one per timestep, become one layer over the
 * timesteps' inputs stacked along the batch axis.
 *
 * An export that unrolls the time loop (`for t in range(T): y = conv(s[t])`)
 * writes T Conv nodes that share their weights and differ only in their
 * input; each reads all the weights, so a layer whose weights do not fit in
 * the cache reads them from memory T times per call:
 *
 *     %y0 = Conv(%s0, %w, %b)        ...        %y1 = Conv(%s1, %w, %b)
 *
 * becomes
 *
 *     %x = Concat(%s0, %s1) {axis = 0}            : [2N, C, H, W]
 *     %y = Conv(%x, %w, %b)                       : [2N, M, OH, OW]
 *     %r = Reshape(%y, [2, N, M, OH, OW])
 *     %y0 = Gather(%r, 0) {axis = 0}   %y1 = Gather(%r, 1) {axis = 0}
 *
 * which is the shape a time-folded export has, so the spike kernels then
 * share each slice of weights between the timesteps (runtime/simd/
 * spike_gather.c) as they do for folded models. Nothing is copied: codegen
 * places the Concat's pieces in its buffer (their producers write there)
 * and a Gather of one index on the leading axis is a view. The samples of a
 * Conv or Gemm are independent, and every kernel computes each sample's
 * outputs by the same sums in the same order whatever the batch, so the
 * results are equal bit for bit.
 *
 * Which nodes: Conv, and Gemm with transA = 0, whose weights (and bias, if
 * any) are the same constant values, with equal attributes and inputs of one
 * type, where none depends on another (a recurrent layer, whose step t reads
 * step t-1, keeps its copies). Nodes that read an earlier copy's result and
 * sit before the last copy move after the batched layer, in their order.
 * Any such group is batched, not only timesteps (two branches applying one
 * layer, as a siamese network does, gain the same way).
 */
#include <stdlib.h>
#include <string.h>

#include "passes/passes.h"
#include "passes/rewrite.h"

#define BATCH_MAX_COPIES 64

/* Every dim known and nonzero (the Reshape that splits the batch needs them). */
static bool static_shape(const Shape *s) {
    for (int d = 0; d < s->rank; d++)
        if (s->dim[d] < 1) return false;
    return true;
}

/* n is a layer this pass can batch: its samples lie along axis 0 of input 0 and output 0. */
static bool batchable(const Node *n) {
    if (n->op != OP_CONV && n->op != OP_GEMM) return false;
    if (n->n_in < 2 || !n->in[0] || !n->in[1] || !n->in[1]->konst || (n->n_in > 2 && n->in[2] && !n->in[2]->konst))
        return false;
    /* a Gemm's bias may have a row per sample, which a batch of copies would not broadcast */
    if (n->op == OP_GEMM && (node_attr_int(n, "transA", 0) != 0 || n->in[0]->type.shape.rank != 2 ||
                             (n->n_in > 2 && n->in[2] && n->in[2]->type.shape.rank > 1 &&
                              n->in[2]->type.shape.dim[0] != 1)))
        return false;
    const Shape *x = &n->in[0]->type.shape, *y = &n->out[0]->type.shape;
    return x->rank >= 1 && y->rank >= 1 && y->rank < IR_MAX_RANK && static_shape(x) && static_shape(y) &&
           y->dim[0] == x->dim[0] && !n->in[0]->layout.channels_last && !n->out[0]->layout.channels_last;
}

/* a and b compute the same function of their first input. */
static bool same_layer(const Node *a, const Node *b) {
    const Value *ba = a->n_in > 2 ? a->in[2] : NULL, *bb = b->n_in > 2 ? b->in[2] : NULL;
    return a->op == b->op && a->in[1] == b->in[1] && ba == bb && node_attrs_equal(a, b) &&
           type_eq(&a->in[0]->type, &b->in[0]->type);
}

/* What depends on the copies of a layer: per value id below n_ids (values made later are not). */
typedef struct Taint {
    bool *on;
    int n_ids;
} Taint;

static bool reads_tainted(const Node *n, const Taint *t) {
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->id < t->n_ids && t->on[n->in[i]->id]) return true;
    return false;
}

static void taint_outputs(const Node *n, Taint *t) {
    for (int j = 0; j < n->n_out; j++)
        if (n->out[j]->id < t->n_ids) t->on[n->out[j]->id] = true;
}

/*
 * Replaces copies[0..k) (in graph order) by one batched layer placed where the last copy was;
 * tainted marks what depends on the earlier copies, which moves after it.
 */
static void batch_copies(Graph *g, Node **copies, int k, const Taint *tainted) {
    Node *first = copies[0], *last = copies[k - 1];
    Value *xs[BATCH_MAX_COPIES];
    for (int t = 0; t < k; t++) xs[t] = copies[t]->in[0];
    Node *cat = graph_add_node(g, last, OP_CONCAT, first->name, k, xs, 1);
    node_set_attr_int(g, cat, "axis", 0);
    node_infer_or_die(cat);
    cat->remark = arena_printf(g->arena, "the inputs of %d copies of one layer (its weights shared) stacked: one layer of batch %lld",
                               k, (long long)cat->out[0]->type.shape.dim[0]);

    Value *in[3] = {cat->out[0], first->in[1], first->n_in > 2 ? first->in[2] : NULL};
    Node *layer = graph_add_node(g, last, first->op, first->name, first->n_in, in, 1);
    for (int i = 0; i < first->n_attr; i++) node_set_attr(g, layer, &first->attr[i]);
    node_infer_or_die(layer);

    const Shape *ys = &first->out[0]->type.shape;
    Shape split = {.rank = ys->rank + 1, .dim = {k}};
    memcpy(split.dim + 1, ys->dim, (size_t)ys->rank * sizeof ys->dim[0]);
    Value *r = insert_reshape(g, last, layer->out[0], &split, first->name);

    Value *picks[BATCH_MAX_COPIES];
    for (int t = 0; t < k; t++) {
        Tensor *index = tensor_new(g->arena, DT_I64, &(Shape){.rank = 0});
        ((int64_t *)index->data)[0] = t;
        Value *gin[2] = {r, graph_const(g, NULL, index)};
        Node *pick = graph_add_node(g, last, OP_GATHER, copies[t]->name, 2, gin, 1);
        node_set_attr_int(g, pick, "axis", 0);
        node_infer_or_die(pick);
        picks[t] = pick->out[0];
    }
    /* What reads the earlier copies (and what reads that, ...) moves after the new nodes, in
     * its order; nothing else between the copies depends on them. Collected first: a node
     * moved before `last` lands ahead of the walk. */
    Node **moving = malloc(((size_t)g->n_nodes + 1) * sizeof *moving);
    int n_moving = 0;
    if (!moving) die("out of memory");
    for (Node *n = first->next; n && n != last; n = n->next)
        if (reads_tainted(n, tainted)) moving[n_moving++] = n;
    for (int i = 0; i < n_moving; i++) graph_move_before(g, moving[i], last);
    free(moving);
    for (int t = 0; t < k; t++)
        if (!graph_replace_uses(g, copies[t]->out[0], picks[t])) die("batch-timesteps: a copy changed type");
}

int pass_batch_timesteps(Graph *g, PassContext *cx) {
    (void)cx;
    int n_cand = 0, cap = 0;
    Node **cand = NULL;
    for (Node *n = g->first; n; n = n->next) {
        if (!batchable(n)) continue;
        if (n_cand == cap) {
            cap = cap ? 2 * cap : 16;
            cand = realloc(cand, (size_t)cap * sizeof *cand);
            if (!cand) die("out of memory");
        }
        cand[n_cand++] = n;
    }
    bool *done = calloc((size_t)n_cand + 1, sizeof *done);
    int n_ids = g->next_node_id; /* the nodes batching adds are not candidates */
    int *cand_of = malloc(((size_t)n_ids + 1) * sizeof *cand_of); /* node id -> index in cand */
    if (!done || !cand_of) die("out of memory");
    for (int i = 0; i < n_ids; i++) cand_of[i] = -1;
    for (int i = 0; i < n_cand; i++) cand_of[cand[i]->id] = i;
    for (int i = 0; i < n_cand; i++) {
        if (done[i]) continue;
        done[i] = true;
        /* the last candidate that may join: the sweep stops there */
        const Node *end = NULL;
        for (int j = i + 1; j < n_cand; j++)
            if (!done[j] && same_layer(cand[i], cand[j])) end = cand[j];
        if (!end) continue;
        /* sweep forward from the first copy: a copy that reads nothing derived from the copies
         * taken so far joins them (candidates before i are all done) */
        Taint taint = {calloc((size_t)g->n_values + 1, sizeof(bool)), g->n_values}, *tainted = &taint;
        Node *copies[BATCH_MAX_COPIES];
        int k = 1;
        if (!taint.on) die("out of memory");
        copies[0] = cand[i];
        taint_outputs(cand[i], tainted);
        for (Node *n = cand[i]->next; n; n = n->next) {
            int j = n->id < n_ids ? cand_of[n->id] : -1;
            if (reads_tainted(n, tainted))
                taint_outputs(n, tainted);
            else if (j >= 0 && !done[j] && k < BATCH_MAX_COPIES && same_layer(cand[i], n)) {
                copies[k++] = n;
                done[j] = true;
                taint_outputs(n, tainted);
            }
            if (n == end) break;
        }
        if (k > 1) batch_copies(g, copies, k, tainted);
        free(taint.on);
    }
    free(cand_of);
    free(done);
    free(cand);
    return 0;
}
