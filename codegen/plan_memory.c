/*
 * plan_memory.c - liveness over the node order and arena offsets (see
 * plan_memory.h).
 *
 * A "buffer" is the storage of one root tensor together with the views of
 * it and the outputs written over it in place; its lifetime runs from the
 * node writing the root to the last reader of any member. Buffers whose
 * lifetimes overlap get disjoint bytes. Two placements: greedy by size
 * (largest buffer first, at the smallest gap that fits among the buffers
 * already placed that overlap it in time; Pisarchyk and Lee, "Efficient
 * Memory Management for Deep Neural Net Inference", 2020, as TFLite does)
 * and, for very large graphs, a linear scan in node order with a best-fit
 * free list.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ops.h"
#include "codegen/plan_memory.h"

#define N_CLASSES 5

/* The alias class of a dtype: buffers of different classes never share bytes. */
static int alias_class(DType t) {
    switch (t) {
    case DT_I64: return 1;
    case DT_I32: return 2;
    case DT_F64: return 3;
    case DT_I16: return 4;
    default: return 0; /* float and the one-byte types, which may alias anything */
    }
}

static int64_t value_bytes(const Value *v) {
    int64_t n = shape_numel(&v->type.shape);
    return n < 0 ? 0 : n * (int64_t)dtype_size(v->type.dtype);
}

static int64_t align64(int64_t n) {
    return (n + 63) & ~(int64_t)63;
}

typedef struct Buffer {
    const Value *root;
    int start, end; /* node positions, inclusive */
    int64_t size;   /* bytes, 64-aligned */
    int cls;
    bool in_output; /* lives in the caller's buffer of graph output out_index */
    int out_index;
    int64_t offset; /* assigned within its class region, then in the arena */
} Buffer;

bool plan_node_folded(const Node *n) {
    if (n->n_out == 0) return false;
    for (int i = 0; i < n->n_out; i++)
        if (!n->out[i]->konst) return false;
    return true;
}

bool plan_is_view(const Node *n, int out) {
    const OpEmitter *e = op_emitter(n->op);
    int64_t off;
    if (!e->view) return false;
    int i = e->view(n, out, &off);
    return i >= 0 && i < n->n_in && n->in[i];
}

static int cmp_by_size(const void *a, const void *b) {
    const Buffer *x = *(Buffer *const *)a, *y = *(Buffer *const *)b;
    if (x->size != y->size) return x->size > y->size ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->root->id - y->root->id;
}

static int cmp_by_start(const void *a, const void *b) {
    const Buffer *x = *(Buffer *const *)a, *y = *(Buffer *const *)b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->root->id - y->root->id;
}

static bool overlap_in_time(const Buffer *a, const Buffer *b) {
    return a->start <= b->end && b->start <= a->end;
}

/* Greedy by size; returns the region size. */
static int64_t place_greedy(Buffer **bs, int n) {
    qsort(bs, (size_t)n, sizeof *bs, cmp_by_size);
    Buffer **placed = malloc((size_t)(n ? n : 1) * sizeof *placed); /* sorted by offset */
    if (!placed) die("out of memory");
    int n_placed = 0;
    int64_t top = 0;
    for (int i = 0; i < n; i++) {
        Buffer *b = bs[i];
        int64_t prev_end = 0, best = -1, best_gap = INT64_MAX;
        for (int j = 0; j < n_placed; j++) {
            const Buffer *p = placed[j];
            if (!overlap_in_time(p, b)) continue;
            int64_t gap = p->offset - prev_end;
            if (gap >= b->size && gap < best_gap) {
                best = prev_end;
                best_gap = gap;
            }
            if (p->offset + p->size > prev_end) prev_end = p->offset + p->size;
        }
        b->offset = best >= 0 ? best : prev_end;
        int at = n_placed;
        while (at > 0 && placed[at - 1]->offset > b->offset) at--;
        memmove(&placed[at + 1], &placed[at], (size_t)(n_placed - at) * sizeof *placed);
        placed[at] = b;
        n_placed++;
        if (b->offset + b->size > top) top = b->offset + b->size;
    }
    free(placed);
    return top;
}

typedef struct Block {
    int64_t offset, size;
} Block;

/* Returns [offset, offset + size) to the free list, merging neighbours. */
static void release(Block *fl, int *nf, int64_t offset, int64_t size) {
    int at = 0;
    while (at < *nf && fl[at].offset < offset) at++;
    memmove(&fl[at + 1], &fl[at], (size_t)(*nf - at) * sizeof *fl);
    fl[at] = (Block){offset, size};
    (*nf)++;
    if (at + 1 < *nf && fl[at].offset + fl[at].size == fl[at + 1].offset) {
        fl[at].size += fl[at + 1].size;
        memmove(&fl[at + 1], &fl[at + 2], (size_t)(*nf - at - 2) * sizeof *fl);
        (*nf)--;
    }
    if (at > 0 && fl[at - 1].offset + fl[at - 1].size == fl[at].offset) {
        fl[at - 1].size += fl[at].size;
        memmove(&fl[at], &fl[at + 1], (size_t)(*nf - at - 1) * sizeof *fl);
        (*nf)--;
    }
}

/* Linear scan in node order with a best-fit free list; returns the region size. */
static int64_t place_linear(Buffer **bs, int n) {
    qsort(bs, (size_t)n, sizeof *bs, cmp_by_start);
    Block *fl = malloc((size_t)(n + 1) * sizeof *fl);
    Buffer **active = malloc((size_t)(n + 1) * sizeof *active);
    if (!fl || !active) die("out of memory");
    int nf = 0, na = 0;
    int64_t top = 0;
    for (int i = 0; i < n; i++) {
        Buffer *b = bs[i];
        for (int j = 0; j < na;) {
            if (active[j]->end < b->start) {
                release(fl, &nf, active[j]->offset, active[j]->size);
                active[j] = active[--na];
            } else {
                j++;
            }
        }
        int best = -1;
        for (int j = 0; j < nf; j++)
            if (fl[j].size >= b->size && (best < 0 || fl[j].size < fl[best].size)) best = j;
        if (best >= 0) {
            b->offset = fl[best].offset;
            fl[best].offset += b->size;
            fl[best].size -= b->size;
            if (!fl[best].size) {
                memmove(&fl[best], &fl[best + 1], (size_t)(nf - best - 1) * sizeof *fl);
                nf--;
            }
        } else if (nf && fl[nf - 1].offset + fl[nf - 1].size == top) {
            b->offset = fl[--nf].offset; /* grow the free block at the top */
            top = b->offset + b->size;
        } else {
            b->offset = top;
            top += b->size;
        }
        active[na++] = b;
    }
    free(fl);
    free(active);
    return top;
}

/* Marks the storage of a value read by a node (constants get theirs on first use). */
/*
 * Concat in place: a Concat whose axis has nothing before it (so each input
 * is one contiguous block of the output) can have each input's storage root
 * placed at its block of the output, so that the producers write there and
 * the Concat copies nothing (the unrolled time loop: every timestep's
 * neuron writes its spikes straight into the [T, ...] tensor the next layer
 * reads). A root qualifies if the input is that whole root (itself or a
 * zero-offset view of it), a non-view node writes it, and no other Concat
 * claims it. claim_out[root id] = the Concat's output, claim_off = its byte
 * offset there.
 */
static const Value *whole_view_root(const Value *v) {
    while (v->def && !plan_node_folded(v->def)) {
        int64_t off = 0;
        const OpEmitter *e = op_emitter(v->def->op);
        int vi = e->view ? e->view(v->def, v->def_index, &off) : -1;
        if (vi < 0) break;
        if (off != 0 || vi >= v->def->n_in || !v->def->in[vi]) return NULL;
        v = v->def->in[vi];
    }
    return v;
}

static void claim_concat_pieces(const Graph *g, const Value **claim_out, int64_t *claim_off) {
    for (const Node *n = g->first; n; n = n->next) {
        if (n->op != OP_CONCAT || plan_node_folded(n)) continue;
        const Value *o = n->out[0];
        int r = o->type.shape.rank;
        int64_t axis = node_attr_int(n, "axis", 0);
        if (axis < 0) axis += r;
        bool ok = axis >= 0 && axis < r;
        for (int d = 0; d < axis && ok; d++) ok = o->type.shape.dim[d] == 1;
        const Value *roots[64];
        int64_t offs[64], at = 0;
        for (int i = 0; i < n->n_in && ok; i++) {
            const Value *x = n->in[i], *root = x ? whole_view_root(x) : NULL;
            ok = i < 64 && root && root->def && !root->is_input && !root->konst &&
                 !plan_is_view(root->def, root->def_index) && !claim_out[root->id] &&
                 root->type.dtype == o->type.dtype && value_bytes(root) == value_bytes(x) &&
                 !graph_is_output(g, root);
            for (int j = 0; j < i && ok; j++) ok = roots[j] != root;
            if (!ok) break;
            roots[i] = root;
            offs[i] = at;
            at += value_bytes(x);
        }
        if (!ok) continue;
        for (int i = 0; i < n->n_in; i++) {
            claim_out[roots[i]->id] = o;
            claim_off[roots[i]->id] = offs[i];
        }
    }
}

static int locate_operand(const Value *v, const Node *reader, MemPlan *p, Diag *d) {
    ValueLoc *l = &p->loc[v->id];
    if (l->kind != LOC_NONE) return 0;
    if (v->konst && (!v->def || plan_node_folded(v->def))) {
        *l = (ValueLoc){LOC_CONST, v, 0, 0};
        return 0;
    }
    diag_error(d, reader, "reads '%s', which no earlier node computes", v->name ? v->name : "?");
    return -1;
}

int plan_memory(const Graph *g, PlanStrategy strategy, MemPlan *p, Diag *d) {
    int nv = g->n_values, nn = g->n_nodes;
    memset(p, 0, sizeof *p);
    p->n_values = nv;
    p->loc = calloc((size_t)nv + 1, sizeof *p->loc);
    int *last = malloc(((size_t)nv + 1) * sizeof *last);     /* last reading position */
    int *buf_of = malloc(((size_t)nv + 1) * sizeof *buf_of); /* arena buffer index or -1 */
    Buffer *bufs = calloc((size_t)nv + 1, sizeof *bufs);
    if (!p->loc || !last || !buf_of || !bufs) die("out of memory");
    int n_bufs = 0, rc = 0;
    for (int i = 0; i < nv; i++) last[i] = -1, buf_of[i] = -1;
    const Value **claim_out = calloc((size_t)nv + 1, sizeof *claim_out);
    int64_t *claim_off = calloc((size_t)nv + 1, sizeof *claim_off);
    if (!claim_out || !claim_off) die("out of memory");
    claim_concat_pieces(g, claim_out, claim_off);

    int k = 0;
    for (const Node *n = g->first; n; n = n->next, k++)
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) last[n->in[i]->id] = k;
    for (int i = 0; i < g->n_outputs; i++) last[g->outputs[i]->id] = nn;
    for (int i = 0; i < g->n_inputs; i++)
        p->loc[g->inputs[i]->id] = (ValueLoc){LOC_INPUT, g->inputs[i], 0, i};

    k = 0;
    for (const Node *n = g->first; n; n = n->next, k++) {
        const OpEmitter *e = op_emitter(n->op);
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i] && locate_operand(n->in[i], n, p, d)) rc = -1;
        if (rc) break;
        if (plan_node_folded(n)) {
            for (int j = 0; j < n->n_out; j++)
                p->loc[n->out[j]->id] = (ValueLoc){LOC_CONST, n->out[j], 0, 0};
            continue;
        }
        for (int j = 0; j < n->n_out; j++) {
            const Value *o = n->out[j];
            if (buf_of[o->id] >= 0) continue; /* a Concat whose pieces were written in place */
            if (claim_out[o->id]) {
                /* A piece of a Concat in place (itself maybe a piece of an outer one): the
                 * outermost Concat's buffer starts here if not yet. */
                const Value *c = claim_out[o->id];
                int64_t piece_off = claim_off[o->id];
                while (claim_out[c->id]) {
                    piece_off += claim_off[c->id];
                    c = claim_out[c->id];
                }
                int b = buf_of[c->id];
                if (b < 0) {
                    b = buf_of[c->id] = n_bufs++;
                    bufs[b] = (Buffer){.root = c, .start = k, .end = last[c->id] > k ? last[c->id] : k,
                                       .size = align64(value_bytes(c)), .cls = alias_class(c->type.dtype)};
                    p->loc[c->id] = (ValueLoc){LOC_ARENA, c, 0, 0};
                }
                buf_of[o->id] = b;
                p->loc[o->id] = (ValueLoc){LOC_ARENA, c, piece_off, 0};
                if (last[o->id] > bufs[b].end) bufs[b].end = last[o->id];
                continue;
            }
            int64_t off = 0;
            int vi = e->view ? e->view(n, j, &off) : -1;
            if (vi >= 0 && vi < n->n_in && n->in[vi]) { /* a view: alias the input */
                const Value *src = n->in[vi];
                p->loc[o->id] = p->loc[src->id];
                p->loc[o->id].offset += off;
                int b = buf_of[o->id] = buf_of[src->id];
                if (b >= 0 && last[o->id] > bufs[b].end) bufs[b].end = last[o->id];
                continue;
            }
            int b = -1;
            for (int i = 0; e->in_place && n->n_out == 1 && i < n->n_in && b < 0; i++) {
                const Value *src = n->in[i];
                if (!src || buf_of[src->id] < 0 || !e->in_place(n, i)) continue;
                int cand = buf_of[src->id];
                bool ok = bufs[cand].end == k && src->type.dtype == o->type.dtype &&
                          value_bytes(src) == value_bytes(o);
                for (int t = 0; t < n->n_in && ok; t++)
                    if (n->in[t] && n->in[t] != src && buf_of[n->in[t]->id] == cand) ok = false;
                if (ok) b = cand;
            }
            if (b >= 0) { /* written in place over the dying input */
                const Value *src = NULL;
                for (int i = 0; i < n->n_in && !src; i++)
                    if (n->in[i] && buf_of[n->in[i]->id] == b) src = n->in[i];
                p->loc[o->id] = p->loc[src->id];
                buf_of[o->id] = b;
                if (last[o->id] > bufs[b].end) bufs[b].end = last[o->id];
                continue;
            }
            b = n_bufs++;
            bufs[b] = (Buffer){.root = o,
                               .start = k,
                               .end = last[o->id] > k ? last[o->id] : k,
                               .size = align64(value_bytes(o)),
                               .cls = alias_class(o->type.dtype)};
            buf_of[o->id] = b;
            p->loc[o->id] = (ValueLoc){LOC_ARENA, o, 0, 0};
        }
    }

    for (int i = 0; i < g->n_outputs && !rc; i++) /* an output no node reads */
        if (locate_operand(g->outputs[i], NULL, p, d)) rc = -1;
    for (int i = 0; i < g->n_outputs && !rc; i++) { /* an output's buffer may be the caller's */
        const Value *o = g->outputs[i];
        int b = buf_of[o->id];
        if (b >= 0 && !bufs[b].in_output && o->type.dtype == bufs[b].root->type.dtype &&
            value_bytes(bufs[b].root) == value_bytes(o)) {
            bufs[b].in_output = true;
            bufs[b].out_index = i;
        }
    }

    /* place each alias class in its own region, regions one after another */
    Buffer **list = malloc((size_t)(n_bufs ? n_bufs : 1) * sizeof *list);
    if (!list) die("out of memory");
    for (int c = 0; c < N_CLASSES && !rc; c++) {
        int m = 0;
        for (int b = 0; b < n_bufs; b++)
            if (bufs[b].cls == c && !bufs[b].in_output && bufs[b].size > 0) list[m++] = &bufs[b];
        for (int i = 0; i < m; i++) p->naive_bytes += list[i]->size;
        p->n_buffers += m;
        bool greedy = strategy == PLAN_GREEDY_BY_SIZE ||
                      (strategy == PLAN_AUTO && m <= PLAN_GREEDY_MAX_BUFFERS);
        int64_t region = greedy ? place_greedy(list, m) : place_linear(list, m);
        for (int i = 0; i < m; i++) list[i]->offset += p->arena_bytes;
        p->arena_bytes += region;
    }
    free(list);

    for (int v = 0; v < nv && !rc; v++) {
        int b = buf_of[v];
        if (b < 0) continue;
        if (bufs[b].in_output) {
            p->loc[v].kind = LOC_OUTPUT;
            p->loc[v].io = bufs[b].out_index;
        }
        else
            p->loc[v].offset += bufs[b].offset;
    }
    free(last);
    free(buf_of);
    free(bufs);
    free(claim_out);
    free(claim_off);
    if (rc) plan_free(p);
    return rc;
}

void plan_free(MemPlan *p) {
    free(p->loc);
    memset(p, 0, sizeof *p);
}

int plan_check(const Graph *g, const MemPlan *p, char *why, size_t why_size) {
    int nv = g->n_values;
    int *first = malloc(((size_t)nv + 1) * sizeof *first);
    int *last = malloc(((size_t)nv + 1) * sizeof *last);
    if (!first || !last) die("out of memory");
    for (int i = 0; i < nv; i++) first[i] = last[i] = -1;
    int k = 0;
    for (const Node *n = g->first; n; n = n->next, k++) {
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) last[n->in[i]->id] = k;
        for (int j = 0; j < n->n_out; j++) first[n->out[j]->id] = k;
    }
    for (int i = 0; i < g->n_outputs; i++) last[g->outputs[i]->id] = k;
    int rc = 0;
    for (int a = 0; a < nv && !rc; a++) {
        const ValueLoc *la = &p->loc[a];
        if (la->kind != LOC_ARENA || first[a] < 0) continue;
        int64_t ea = la->offset + value_bytes(g->values[a]);
        int enda = last[a] > first[a] ? last[a] : first[a];
        if (la->offset % 64 && la->root == g->values[a]) {
            snprintf(why, why_size, "value %d: offset %lld not 64-aligned", a,
                     (long long)la->offset);
            rc = -1;
        }
        if (ea > p->arena_bytes) {
            snprintf(why, why_size, "value %d ends at %lld beyond the arena (%lld)", a,
                     (long long)ea, (long long)p->arena_bytes);
            rc = -1;
        }
        for (int b = a + 1; b < nv && !rc; b++) {
            const ValueLoc *lb = &p->loc[b];
            if (lb->kind != LOC_ARENA || first[b] < 0 || lb->root == la->root) continue;
            int64_t eb = lb->offset + value_bytes(g->values[b]);
            int endb = last[b] > first[b] ? last[b] : first[b];
            bool space = la->offset < eb && lb->offset < ea;
            bool time = first[a] <= endb && first[b] <= enda;
            if (space && time) {
                snprintf(
                    why, why_size,
                    "values %d [%lld,%lld) nodes %d..%d and %d [%lld,%lld) nodes %d..%d overlap", a,
                    (long long)la->offset, (long long)ea, first[a], enda, b, (long long)lb->offset,
                    (long long)eb, first[b], endb);
                rc = -1;
            }
        }
    }
    free(first);
    free(last);
    return rc;
}

bool plan_concat_in_place(const MemPlan *p, const Node *n) {
    const ValueLoc *o = &p->loc[n->out[0]->id];
    int64_t at = o->offset;
    for (int i = 0; i < n->n_in; i++) {
        const ValueLoc *l = &p->loc[n->in[i]->id];
        if (l->kind != o->kind || l->root != o->root || l->offset != at) return false;
        int64_t bytes = value_bytes(n->in[i]);
        at += bytes;
    }
    return o->kind == LOC_ARENA || o->kind == LOC_OUTPUT;
}
