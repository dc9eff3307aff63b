/*
 * choose_kernels.c - the choose-kernels pass: how each spike layer runs, and
 * in which memory order its output lives. Both are visible in the IR dump
 * (the impl attribute, the remark, "nhwc" on values).
 *
 * Implementations of tsnc.spike_conv (docs/performance.md has measurements):
 *   "lut"    the spikes of 4 input channels of a pixel are packed into one
 *            code (tsnc.pack: 81 ternary / 16 binary combinations); for each
 *            kernel tap and channel group, a table holds the sum of the
 *            weights for every code, built from the weights with additions.
 *            A layer then does one vector addition per (tap, group) instead
 *            of one per nonzero spike, with no data-dependent branch: the
 *            T-MAC / bitnet.cpp lookup idea turned around (here the weights
 *            are constant, so the tables are known before inference).
 *   "events" the event-driven scatter: each nonzero spike adds or subtracts
 *            the weights it reaches (cost: a scan of the input plus one
 *            vector addition, with a load and a store, per spike and output).
 *   "gather" output-stationary and event-driven: each output pixel keeps a
 *            block of output channels in registers while it walks, tap by
 *            tap, the list of input channels that spiked (built by a
 *            vectorized scan); weights in blocks of output channels, tiled
 *            so that one slice serves every pixel from L1
 *            (runtime/simd/spike_gather.c).
 *   The choice: the cheapest estimate of a cost model (below) from the
 *   layer's shape and firing rate; the rate is measured when the user gives
 *   one (compile --rates, written by dump --stats --input --write-rates),
 *   else SPIKE_COST_DEFAULT_RATE. Lookup tables also need static RAM, granted within a
 *   model-wide budget.
 * Implementations of tsnc.spike_gemm / spike_matmul:
 *   "dense"  every spike selects +w, -w or nothing (branch-free, vectorizes
 *            over the reduction); wins when the firing rate is high;
 *   "events" each nonzero spike adds a row of weights; wins when sparse
 *            (below GEMM_EVENTS_BELOW_RATE).
 *
 * Packing while firing: a neuron whose spikes only go to a tsnc.pack writes
 * the codes itself (tsnc.lif pack = 4).
 *
 * Layout: a spike layer's output is stored channels-last when everything
 * that reads it (neurons, reshapes and gathers/concats along the time or
 * batch axis, up to the next spike layer) does not care about the order of
 * the (C, H, W) block; then both kernels add each output pixel's channels
 * as one contiguous vector. The region grows through every reader that
 * allows it; a reader that does not (a pooling) gets a row-major copy and an
 * operand from outside (the block input a residual Add adds back) a
 * channels-last one, both tsnc.relayout, kept when they cost less than what
 * the region saves (worth_copies).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "passes/rewrite.h"
#include "passes/spike_cost.h"
#include "passes/value_set.h"

/*
 * The rate below which the events matrix product beats the dense add-only one (bench/crossover.py,
 * docs/performance.md: with 10 outputs it never did).
 */
#define GEMM_EVENTS_BELOW_RATE 0.01
/*
 * The lookup tables cost static RAM: auto mode gives them to the layers that save most time
 * per table byte while the model's tables stay within max(its weight bytes,
 * TABLE_BUDGET_FLOOR) (small models: a few MiB of tables are what made them fast). The
 * costs themselves: passes/spike_cost.h.
 */
enum { TABLE_BUDGET_FLOOR = 6 << 20 };

static bool ternary_input(const Value *x) {
    return vs_has_negative(&x->vs);
}

/* The measured firing rate of layer n (compile --rates), or SPIKE_COST_DEFAULT_RATE; *measured says which. */
static double layer_rate(const PassOptions *o, const Node *n, bool *measured) {
    *measured = false;
    if (o && n->name)
        for (int i = 0; i < o->n_rates; i++)
            if (strcmp(o->rates[i].name, n->name) == 0) {
                *measured = true;
                return o->rates[i].rate;
            }
    return SPIKE_COST_DEFAULT_RATE;
}

/* A spike convolution's candidates: estimated costs and the lut table size. */
typedef struct ConvCost {
    Node *node;
    bool ok;          /* group 1, f32 spikes, rank-4 weights: every impl can run it */
    double rate;
    bool measured;
    double lut, gather, events, dense_macs;
    int64_t table_bytes;
    bool use_lut;
} ConvCost;

static void conv_cost(const PassOptions *o, Node *n, ConvCost *k) {
    memset(k, 0, sizeof *k);
    k->node = n;
    const Value *x = n->in[0], *w = n->in[1], *y = n->out[0];
    if (x->type.dtype != DT_F32 || x->type.shape.rank != 4 || w->type.shape.rank != 4 || y->type.shape.rank != 4)
        return;
    k->ok = node_attr_int(n, "group", 1) == 1;
    k->rate = layer_rate(o, n, &k->measured);
    const Node *split = x->def && x->def->op == OP_SPLIT_LEVELS ? x->def : NULL;
    if (split && !k->measured) {
        /* spike planes of pooled spikes: each plane fires where the window's average is its level */
        int count;
        const int64_t *window = node_attr_ints(split, "kernel_shape", &count);
        const Attr *levels = node_attr(split, "levels");
        if (window && count == 2 && levels && levels->kind == ATTR_FLOATS && levels->n > 0)
            k->rate = spike_cost_pooled_nonzero(window[0] * window[1], SPIKE_COST_DEFAULT_RATE, ternary_input(x)) /
                      levels->n;
    }
    const int64_t *xd = x->type.shape.dim, *wd = w->type.shape.dim, *yd = y->type.shape.dim;
    SpikeConvDims dims = {
        .in_pixels = (double)xd[0] * (double)(xd[2] * xd[3]),
        .out_pixels = (double)yd[0] * (double)(yd[2] * yd[3]),
        .taps = (double)(wd[2] * wd[3]),
        .c = xd[1],
        .m = wd[0],
        .rate = k->rate,
        .weight_bytes = (double)spike_conv_distinct_taps(w) * (double)(wd[0] * wd[1]) * sizeof(float),
    };
    /* a layer the gather kernel cannot run is no candidate for it */
    k->gather = spike_gather_fits(wd[2] * wd[3], xd[1]) ? spike_cost_gather(&dims) : INFINITY;
    dims.weight_bytes = (double)(wd[0] * wd[1] * wd[2] * wd[3]) * sizeof(float); /* events: every tap */
    k->events = spike_cost_events(&dims);
    k->dense_macs = dims.out_pixels * dims.taps * (double)xd[1] * (double)wd[0];
    k->table_bytes = spike_lut_table_bytes_for(w, SPIKE_LUT_GROUP, ternary_input(x));
    k->lut = spike_cost_lut(&dims, k->table_bytes);
}

/* Best savings per table byte first. */
static int by_savings(const void *a, const void *b) {
    const ConvCost *p = *(ConvCost *const *)a, *q = *(ConvCost *const *)b;
    double sp = (fmin(p->gather, p->events) - p->lut) / (double)(p->table_bytes + 1);
    double sq = (fmin(q->gather, q->events) - q->lut) / (double)(q->table_bytes + 1);
    return sp < sq ? 1 : sp > sq ? -1 : 0;
}

/* Decides use_lut for every candidate: the lut saves time, its table fits SPIKE_LUT_MAX_BYTES and the
 * model's table budget. */
static void grant_tables(ConvCost *k, int n, int64_t weight_bytes) {
    ConvCost **order = malloc((size_t)(n + 1) * sizeof *order);
    if (!order) die("out of memory");
    int m = 0;
    for (int i = 0; i < n; i++)
        if (k[i].ok && k[i].lut < fmin(k[i].gather, k[i].events) && k[i].table_bytes <= SPIKE_LUT_MAX_BYTES)
            order[m++] = &k[i];
    qsort(order, (size_t)m, sizeof *order, by_savings);
    int64_t budget = weight_bytes > TABLE_BUDGET_FLOOR ? weight_bytes : TABLE_BUDGET_FLOOR;
    for (int i = 0; i < m; i++)
        if (order[i]->table_bytes <= budget) {
            order[i]->use_lut = true;
            budget -= order[i]->table_bytes;
        }
    free(order);
}

/* ---- implementation ---- */

static const char *millions(Graph *g, double v) {
    if (!isfinite(v)) return "-";
    if (v < 1e3) return arena_printf(g->arena, "%.0f", v);
    return arena_printf(g->arena, v >= 1e6 ? "%.1f M" : "%.1f k", v >= 1e6 ? v / 1e6 : v / 1e3);
}

static void choose_impl(Graph *g, const ConvCost *k, Value **packed, const char *forced) {
    Node *n = k->node;
    Value *x = n->in[0];
    const Value *w = n->in[1];
    if (x->type.dtype != DT_F32 || w->type.shape.rank != x->type.shape.rank) return;
    if (x->type.shape.rank == 3) {
        /* A 1-D convolution runs as 2-D with H = 1; tsnc.pack and the tables are 2-D only. */
        node_set_attr_string(g, n, "impl", "events");
        n->remark = arena_printf(g->arena, "%s; impl events: 1-D convolution", n->remark ? n->remark : "spike layer");
        node_infer_or_die(n);
        return;
    }
    if (x->type.shape.rank != 4) return;
    bool ternary = ternary_input(x);
    int64_t entries = ternary ? 81 : 16, group = node_attr_int(n, "group", 1);
    int64_t m = w->type.shape.dim[0], c = x->type.shape.dim[1];
    int64_t taps = spike_conv_distinct_taps(w);
    int64_t groups = (c + SPIKE_LUT_GROUP - 1) / SPIKE_LUT_GROUP;
    const char *why = n->remark ? n->remark : "spike layer";
    const char *impl = forced && strcmp(forced, "dense") != 0 ? forced
                       : k->use_lut                            ? "lut"
                       : k->ok && k->gather <= k->events        ? "gather"
                                                               : "events";
    int64_t ktaps = w->type.shape.dim[2] * w->type.shape.dim[3];
    bool gather_runs = isfinite(k->gather);
    if (strcmp(impl, "gather") == 0 && !gather_runs) impl = "events";
    if (group != 1 && strcmp(impl, "events") != 0) impl = "events";
    const char *est = arena_printf(g->arena, "%lldx%lldx%lldx%lld at %.0f %% (%s): est. lut %s, gather %s, events %s "
                                   "(vector-add units) vs dense %s MACs",
                                   (long long)c, (long long)w->type.shape.dim[2], (long long)w->type.shape.dim[3],
                                   (long long)m, 100 * k->rate, k->measured ? "measured" : "assumed",
                                   millions(g, k->lut), millions(g, k->gather), millions(g, k->events),
                                   millions(g, k->dense_macs));
    if (strcmp(impl, "lut") == 0) {
        /* One pack per spike tensor, shared by every layer that reads it. */
        Value *codes = packed[x->id];
        if (!codes) {
            Node *p = graph_add_node(g, n, OP_PACK, n->name, 1, &x, 1);
            node_set_attr_string(g, p, "kind", ternary ? "ternary" : "binary");
            node_set_attr_int(g, p, "group", SPIKE_LUT_GROUP);
            node_infer_or_die(p);
            codes = packed[x->id] = p->out[0];
        }
        n->in[0] = codes;
        node_set_attr_string(g, n, "impl", "lut");
        node_set_attr_string(g, n, "kind", ternary ? "ternary" : "binary");
        node_set_attr_int(g, n, "pack", SPIKE_LUT_GROUP);
        n->remark = arena_printf(g->arena, "%s; impl lut%s: %lld distinct taps x %lld groups x %lld codes, table %lld KiB; %s",
                                 why, forced ? " (forced by --spike-impl)" : "", (long long)taps, (long long)groups,
                                 (long long)entries, (long long)(k->table_bytes >> 10), est);
        node_infer_or_die(n);
        return;
    }
    node_set_attr_string(g, n, "impl", impl);
    const char *reason = forced && strcmp(forced, impl) == 0 ? "forced by --spike-impl"
                         : group != 1                         ? "grouped convolution"
                         : !gather_runs && ktaps > SPIKE_GATHER_MAX_TAPS
                             ? arena_printf(g->arena, "gather runs at most %d kernel taps, this layer has %lld",
                                            SPIKE_GATHER_MAX_TAPS, (long long)ktaps)
                         : !gather_runs ? arena_printf(g->arena, "gather runs at most %d input channels, this layer "
                                                                  "has %lld", SPIKE_GATHER_MAX_CHANNELS, (long long)c)
                         : strcmp(impl, "gather") == 0         ? "cheapest estimate"
                         : !k->ok                              ? "only events runs this shape"
                                                               : "cheapest estimate";
    if (!forced && group == 1 && k->lut < fmin(k->gather, k->events) && strcmp(impl, "lut") != 0)
        reason = k->table_bytes > SPIKE_LUT_MAX_BYTES ? "lookup table too large" : "lookup tables past the model's budget";
    n->remark = arena_printf(g->arena, "%s; impl %s: %s; %s", why, impl, reason, est);
    node_infer_or_die(n);
}

/* Bytes of the constant operands of the model's Conv/Gemm/MatMul and spike layers, each once. */
static int64_t model_weight_bytes(const Graph *g) {
    int64_t total = 0;
    for (const Node *n = g->first; n; n = n->next) {
        if (!op_has(n->op, OPT_LAYER)) continue;
        for (int i = 1; i < n->n_in; i++)
            if (n->in[i] && n->in[i]->konst) {
                /* a weight shared by the timesteps of an explicit-time export counts once */
                bool seen = false;
                for (const Node *e = g->first; e != n && !seen; e = e->next)
                    for (int j = 1; j < e->n_in && !seen; j++) seen = e->in[j] == n->in[i];
                if (!seen) total += tensor_numel(n->in[i]->konst) * (int64_t)sizeof(float);
            }
    }
    return total;
}

/* ---- layout ---- */

/* Where the channels-last set meets a node that does not take part: input `input` of `node`. */
typedef struct Bridge {
    Node *node;
    int input;
} Bridge;

typedef struct Closure {
    const Uses *u;
    Layout l;
    char *in_set;   /* per value id */
    Value **list;
    int n;
    /* exits: readers of a set value that read row-major only (they get a row-major copy);
     * entries: operands from outside the set of a node that takes part (they get a
     * channels-last copy). Each copy is a tsnc.relayout. */
    Bridge *exits, *entries;
    int n_exits, n_entries, cap_exits, cap_entries;
} Closure;

/* Number of trailing dims that hold the (C, H, W) block of a value: 3, or 1 when flattened. */
static int block_dims(const Closure *cl, const Value *v) {
    const Shape *s = &v->type.shape;
    if (s->rank >= 3 && s->dim[s->rank - 3] == cl->l.c && s->dim[s->rank - 2] == cl->l.h &&
        s->dim[s->rank - 1] == cl->l.w)
        return 3;
    if (s->rank >= 1 && s->dim[s->rank - 1] == cl->l.c * cl->l.h * cl->l.w) return 1;
    return 0;
}

static bool is_scalar_const(const Value *v) {
    return v && v->konst && !v->def && tensor_numel(v->konst) == 1;
}

static void add(Closure *cl, Value *v) {
    if (cl->in_set[v->id]) return;
    cl->in_set[v->id] = 1;
    cl->list[cl->n++] = v;
}

static void add_bridge(Bridge **b, int *n, int *cap, Node *node, int input) {
    for (int k = 0; k < *n; k++)
        if ((*b)[k].node == node && (*b)[k].input == input) return;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *b = realloc(*b, (size_t)*cap * sizeof **b);
        if (!*b) die("out of memory");
    }
    (*b)[(*n)++] = (Bridge){node, input};
}

static bool is_exit_node(const Closure *cl, const Node *n) {
    for (int k = 0; k < cl->n_exits; k++)
        if (cl->exits[k].node == n) return true;
    return false;
}

/* Can node n read value v (input i) in channels-last order? Adds its outputs to the set. */
static bool accepts(Closure *cl, const Node *n, int i, const Value *v) {
    int bd = block_dims(cl, v);
    if (!bd) return false;
    if (op_has(n->op, OPT_NHWC_ELEMENTWISE) || n->op == OP_LIF) {
        for (int k = 0; k < n->n_out; k++)
            if (!type_eq(&n->out[k]->type, &v->type)) return false;
        for (int k = 0; k < n->n_out; k++) add(cl, n->out[k]);
        return true;
    }
    if (op_has(n->op, OPT_NHWC_BLOCKS | OPT_RESHAPE)) {
        if (i != 0 || !block_dims(cl, n->out[0])) return false;
        add(cl, n->out[0]);
        return true;
    }
    if (op_has(n->op, OPT_NHWC_BLOCKS)) {
        /* Gather, Concat: along an axis outside the block. */
        int axis = (int)node_attr_int(n, "axis", 0);
        if (axis < 0) axis += v->type.shape.rank;
        if (axis >= v->type.shape.rank - bd || !op_input_is_data(n->op, i)) return false;
        if (block_dims(cl, n->out[0]) != bd) return false;
        add(cl, n->out[0]);
        return true;
    }
    switch (n->op) {
    case OP_PACK: case OP_SPLIT_LEVELS:
        return bd == 3;
    case OP_SPIKE_CONV:
        /* impl events reads f32 spikes in either order. */
        return i == 0 && bd == 3;
    case OP_SPIKE_GEMM: case OP_SPIKE_MATMUL:
        return i == 0 && bd == 1 && !node_attr_int(n, "transA", 0);
    default:
        return false;
    }
}

/* A root of another closure (a spike layer's output, or split pooled spikes) of this one's
 * (C, H, W) block, which may join it as a root. */
static bool joinable_root(const Closure *cl, const Value *v) {
    const Shape *s = &v->type.shape;
    return v->def && (v->def->op == OP_SPIKE_CONV || v->def->op == OP_SPLIT_LEVELS) && !v->layout.channels_last && s->rank == 4 &&
           s->dim[1] == cl->l.c && s->dim[2] == cl->l.h && s->dim[3] == cl->l.w;
}

/* The node's output is stored in the set's order when its operands are: the producer of v
 * may join the set (then its operands are examined in turn: pulled in, or copied in). */
static bool pullable(const Graph *g, const Closure *cl, const Value *v) {
    const Node *d = v->def;
    if (!d || graph_is_output(g, v) || !block_dims(cl, v) || v->type.dtype != DT_F32) return false;
    if (d->op == OP_LIF) {
        if (node_attr_int(d, "pack", 0) || node_attr_int(d, "steps", 1) > 1) return false;
        for (int i = 0; i < d->n_in; i++)
            if (d->in[i] && !type_eq(&d->in[i]->type, &v->type)) return false;
        for (int k = 0; k < d->n_out; k++)
            if (!type_eq(&d->out[k]->type, &v->type)) return false;
        return true;
    }
    if (op_has(d->op, OPT_NHWC_ELEMENTWISE)) {
        for (int i = 0; i < d->n_in; i++)
            if (d->in[i] && !is_scalar_const(d->in[i]) && !type_eq(&d->in[i]->type, &v->type)) return false;
        return d->n_out == 1;
    }
    if (op_has(d->op, OPT_NHWC_BLOCKS | OPT_RESHAPE)) return d->in[0] && block_dims(cl, d->in[0]) != 0;
    if (op_has(d->op, OPT_NHWC_BLOCKS)) {
        int bd = block_dims(cl, v), axis = (int)node_attr_int(d, "axis", 0);
        if (axis < 0) axis += v->type.shape.rank;
        if (axis >= v->type.shape.rank - bd) return false;
        for (int i = 0; i < d->n_in; i++)
            if (d->in[i] && op_input_is_data(d->op, i) && block_dims(cl, d->in[i]) != bd) return false;
        return true;
    }
    return false;
}

/*
 * Every tensor operand of a node touching the set must be in it, a scalar
 * constant, or an entry (a channels-last copy of it is made). An operand that
 * is another spike layer's output of the same block joins the set instead
 * (the timesteps of an explicit-time export meet in one neuron chain, so
 * their layers are decided together), and so does one whose producer can
 * write the set's order (pullable: the copy then moves up to where the
 * region starts, and the other readers of the values on the way read
 * channels-last too). Returns 1 if it grew the set.
 */
static int operands_consistent(const Graph *g, Closure *cl, Node *n) {
    bool touches = false;
    for (int i = 0; i < n->n_in; i++) touches |= n->in[i] && cl->in_set[n->in[i]->id];
    /* a producer pulled in (a spike layer's output is a root: its operands are its own) */
    bool pulled_kind = n->op == OP_LIF || op_has(n->op, OPT_NHWC_ELEMENTWISE) || op_has(n->op, OPT_NHWC_BLOCKS);
    for (int k = 0; k < n->n_out && pulled_kind; k++) touches |= cl->in_set[n->out[k]->id];
    if (!touches || is_exit_node(cl, n)) return 0;
    int grew = 0;
    for (int i = 0; i < n->n_in; i++) {
        Value *v = n->in[i];
        if (!v || cl->in_set[v->id] || is_scalar_const(v)) continue;
        if (op_info(n->op)->data == DATA_0 && i > 0) continue; /* shapes, indices: row-major */
        if (op_has(n->op, OPT_NHWC_BLOCKS) && !op_input_is_data(n->op, i)) continue;
        if (joinable_root(cl, v)) {
            add(cl, v);
            grew = 1;
        } else if (pullable(g, cl, v)) {
            for (int k = 0; k < v->def->n_out; k++) add(cl, v->def->out[k]);
            grew = 1;
        } else if (block_dims(cl, v) && v->type.dtype == DT_F32 && !v->layout.channels_last) {
            add_bridge(&cl->entries, &cl->n_entries, &cl->cap_entries, n, i);
        } else {
            return -1;
        }
    }
    return grew;
}

/* Does n read or write a value of the set? in_set has n_ids entries; values made after it
 * (the relayouts' results) are not in the set. */
static bool touches_set(const Node *n, const char *in_set, int n_ids) {
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && n->in[i]->id < n_ids && in_set[n->in[i]->id]) return true;
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i]->id < n_ids && in_set[n->out[i]->id]) return true;
    return false;
}

static bool is_spike_reader(const Node *n) {
    return op_has(n->op, OPT_SPIKE_LAYER) || n->op == OP_PACK || n->op == OP_SPLIT_LEVELS;
}

/* The elements of the distinct values the bridges copy (one relayout per value). */
static double bridged_elements(const Bridge *b, int n) {
    double sum = 0;
    for (int k = 0; k < n; k++) {
        const Value *v = b[k].node->in[b[k].input];
        bool first = true;
        for (int j = 0; j < k && first; j++) first = b[j].node->in[b[j].input] != v;
        if (first) sum += (double)shape_numel(&v->type.shape);
    }
    return sum;
}

/*
 * Is the set worth its copies? Each copy (tsnc.relayout) moves a tensor once;
 * what the set saves is what the spike layers would otherwise spend on
 * row-major data: a row-major output is summed channels-last and transposed
 * on the way out, a row-major input is scanned a channel row at a time
 * (docs/performance.md, "Whole networks in one layout"). Both cost about one
 * copy of the tensor, so the set pays when the spike layers' channels-last
 * reads and writes move more elements than the copies.
 */
static bool worth_copies(const Closure *cl, const Uses *u) {
    if (!cl->n_exits && !cl->n_entries) return true;
    double saved = 0, copied = 0;
    for (int k = 0; k < cl->n; k++) {
        const Value *v = cl->list[k];
        int64_t elems = shape_numel(&v->type.shape);
        if (v->def && v->def->op == OP_SPIKE_CONV) saved += (double)elems;
        for (int j = 0; v->id < u->n_values && j < u->count[v->id]; j++) {
            const Node *r = u->users[v->id][j];
            if (is_spike_reader(r) && r->in[0] == v && !is_exit_node(cl, r)) saved += (double)elems;
        }
    }
    for (int k = 0; k < cl->n_entries; k++)
        if (is_spike_reader(cl->entries[k].node) && cl->entries[k].input == 0)
            saved += (double)shape_numel(&cl->entries[k].node->in[0]->type.shape);
    copied = bridged_elements(cl->exits, cl->n_exits) + bridged_elements(cl->entries, cl->n_entries);
    return copied < saved;
}

/* The first node in graph order among the bridges' nodes that read v. */
static Node *first_reader(const Graph *g, const Bridge *b, int n, const Value *v) {
    for (Node *x = g->first; x; x = x->next)
        for (int k = 0; k < n; k++)
            if (b[k].node == x && x->in[b[k].input] == v) return x;
    return NULL;
}

/*
 * Puts one tsnc.relayout per bridged value before its first bridged reader,
 * with the layout `to`, and points the bridged inputs at it. Returns the
 * number of relayouts made (their nodes in made[]).
 */
static int make_relayouts(Graph *g, Bridge *b, int n, Layout to, Node **made) {
    int count = 0;
    for (int k = 0; k < n; k++) {
        Value *v = b[k].node->in[b[k].input];
        if (v->def && v->def->op == OP_RELAYOUT && layout_eq(&v->layout, &to)) continue; /* made above */
        Node *at = first_reader(g, b, n, v);
        Node *r = graph_add_node(g, at, OP_RELAYOUT, at->name, 1, &v, 1);
        node_infer_or_die(r);
        r->out[0]->layout = to;
        r->remark = to.channels_last
                        ? arena_printf(g->arena, "row-major -> channels-last: %s reads it with channels-last operands",
                                       op_info(at->op)->name)
                        : arena_printf(g->arena, "channels-last -> row-major: %s reads row-major only",
                                       op_info(at->op)->name);
        made[count++] = r;
        for (int j = k; j < n; j++)
            if (b[j].node->in[b[j].input] == v) b[j].node->in[b[j].input] = r->out[0];
    }
    return count;
}

/*
 * Grows the channels-last set from root (a spike layer's output) and keeps it
 * if the layout table accepts every node it touches and it is worth its
 * copies. Returns the number of tsnc.relayout nodes it added (the caller's
 * uses are then stale), or -1 if the set was not kept.
 */
static int try_channels_last(Graph *g, const Uses *u, Value *root, char *in_set, Value **list, int n_ids) {
    char why[256];
    const Shape *s = &root->type.shape;
    Closure cl = {.u = u, .in_set = in_set, .list = list, .l = {true, s->dim[1], s->dim[2], s->dim[3]}};
    add(&cl, root);
    bool ok = true;
    int done = 0;
    for (int rounds = 0; ok && rounds < 4096; rounds++) {
        /* Grow through readers, then pull in sibling layers that meet the set. */
        for (; done < cl.n && ok; done++) {
            Value *v = cl.list[done];
            if (graph_is_output(g, v) || v->id >= u->n_values) {
                ok = false;
                break;
            }
            for (int j = 0; j < u->count[v->id] && ok; j++) {
                Node *n = u->users[v->id][j];
                for (int i = 0; i < n->n_in && ok; i++)
                    if (n->in[i] == v && !accepts(&cl, n, i, v))
                        add_bridge(&cl.exits, &cl.n_exits, &cl.cap_exits, n, i);
            }
        }
        int grew = 0;
        /* Last node first: a producer pulled in is then examined in the same sweep, so a
         * region reaching back through a chain of k producers takes one round, not k. */
        for (Node *n = g->last; n && ok; n = n->prev) {
            int r = operands_consistent(g, &cl, n);
            if (r < 0) ok = false;
            grew |= r > 0;
        }
        if (!grew) break;
    }
    /* An entry whose value joined the set later is no longer one. */
    int kept = 0;
    for (int k = 0; k < cl.n_entries; k++)
        if (!in_set[cl.entries[k].node->in[cl.entries[k].input]->id]) cl.entries[kept++] = cl.entries[k];
    cl.n_entries = kept;
    /* The spike layers that read an entry's value read its channels-last copy too. */
    for (int k = 0; ok && k < kept; k++) {
        const Value *v = cl.entries[k].node->in[cl.entries[k].input];
        for (int j = 0; v->id < u->n_values && j < u->count[v->id]; j++) {
            Node *r = u->users[v->id][j];
            bool reads_block = r->op == OP_SPIKE_CONV || r->op == OP_PACK || r->op == OP_SPLIT_LEVELS;
            if (reads_block && r->in[0] == v && v->type.shape.rank == 4 && block_dims(&cl, v) == 3)
                add_bridge(&cl.entries, &cl.n_entries, &cl.cap_entries, r, 0);
        }
    }
    ok = ok && worth_copies(&cl, u);
    /* The closure rules above decide where channels-last pays; the layout table the verifier
     * and the emitters share (layout_check_node) has the last word on every node it touches. */
    Node **made = NULL;
    Value **was = NULL;
    int n_made = 0;
    if (ok) {
        int nb = cl.n_exits + cl.n_entries;
        made = calloc((size_t)nb + 1, sizeof *made);
        was = calloc((size_t)nb + 1, sizeof *was);
        if (!made || !was) die("out of memory");
        for (int k = 0; k < cl.n_exits; k++) was[k] = cl.exits[k].node->in[cl.exits[k].input];
        for (int k = 0; k < cl.n_entries; k++)
            was[cl.n_exits + k] = cl.entries[k].node->in[cl.entries[k].input];
        for (int k = 0; k < cl.n; k++) cl.list[k]->layout = cl.l;
        n_made = make_relayouts(g, cl.exits, cl.n_exits, (Layout){0}, made);
        n_made += make_relayouts(g, cl.entries, cl.n_entries, cl.l, made + n_made);
    }
    for (const Node *n = g->first; n && ok; n = n->next)
        ok = !touches_set(n, in_set, n_ids) || !layout_check_node(n, why, sizeof why);
    if (!ok && made) {
        for (int k = 0; k < cl.n_exits; k++) cl.exits[k].node->in[cl.exits[k].input] = was[k];
        for (int k = 0; k < cl.n_entries; k++) cl.entries[k].node->in[cl.entries[k].input] = was[cl.n_exits + k];
        for (int k = 0; k < n_made; k++) graph_remove_node(g, made[k]);
        n_made = 0;
    }
    for (int k = 0; k < cl.n; k++) {
        if (!ok) cl.list[k]->layout = (Layout){0};
        in_set[cl.list[k]->id] = 0;
    }
    free(made);
    free(was);
    free(cl.exits);
    free(cl.entries);
    return ok ? n_made : -1;
}

/* ---- packing while firing ---- */

/* reader is the one node that reads v, and v is not a graph output. */
static bool only_reader(const Graph *g, const Uses *u, const Value *v, const Node *reader) {
    return v->id < u->n_values && u->count[v->id] == 1 && u->users[v->id][0] == reader && !graph_is_output(g, v);
}

/* v is the spike output of a tsnc.lif read by nothing else than `reader`: that lif. */
static Node *sole_lif_spikes(const Graph *g, const Uses *u, const Value *v, const Node *reader) {
    if (!v->def || v->def->op != OP_LIF || v->def_index != 0 || v->type.shape.rank != 4) return NULL;
    return only_reader(g, u, v, reader) ? v->def : NULL;
}

/*
 * The neurons whose spikes a tsnc.pack reads, in timestep order: its input is
 * one lif's spikes, the time-folded stack Reshape(Concat(Unsqueeze(s_t))) of
 * several, or Concat(s_t) along the batch axis (batch-timesteps stacks the
 * steps of an explicit-time export so). 0 if the input is anything else or
 * the spikes have other readers.
 */
static int packed_lifs(const Graph *g, const Uses *u, const Node *p, Node **lifs, int max) {
    const Value *x = p->in[0];
    Node *one = sole_lif_spikes(g, u, x, p);
    if (one) {
        lifs[0] = one;
        return 1;
    }
    const Node *r = x->def;
    if (r && r->op == OP_CONCAT) {
        if (!only_reader(g, u, x, p) || node_attr_int(r, "axis", 0) != 0 || r->n_in > max) return 0;
        for (int t = 0; t < r->n_in; t++)
            if (!(lifs[t] = sole_lif_spikes(g, u, r->in[t], r))) return 0;
        return r->n_in;
    }
    if (!r || (r->op != OP_RESHAPE && r->op != OP_FLATTEN) || !only_reader(g, u, x, p)) return 0;
    const Node *c = r->in[0]->def;
    if (!c || c->op != OP_CONCAT || !only_reader(g, u, r->in[0], r) || node_attr_int(c, "axis", 0) != 0 ||
        c->n_in > max)
        return 0;
    for (int t = 0; t < c->n_in; t++) {
        const Value *piece = c->in[t];
        const Node *q = piece->def;
        if (!q || q->op != OP_UNSQUEEZE || !only_reader(g, u, piece, c)) return 0;
        const Tensor *axes = q->in[1]->konst;
        if (!axes || tensor_numel(axes) != 1 || tensor_get_i64(axes, 0) != 0) return 0;
        if (!(lifs[t] = sole_lif_spikes(g, u, q->in[0], q))) return 0;
    }
    return c->n_in;
}

/*
 * A neuron whose spikes only go to a tsnc.pack writes the codes itself (the
 * lif's pack attribute): the spikes never go to memory as floats and are
 * not read back. The stack of timesteps is rebuilt on the codes; the pack and
 * the old stack, which read the lifs' results as floats, are removed.
 */
static void fuse_packs(Graph *g) {
    Uses *u = uses_build(g);
    Rewriter rw;
    rw_init(&rw, g);
    Node **replaced = NULL; /* packs whose result now comes from the lifs */
    int n_replaced = 0;
    for (Node *p = g->first; p; p = p->next) {
        if (p->op != OP_PACK) continue;
        Node *lifs[64];
        int n = packed_lifs(g, u, p, lifs, 64);
        bool ternary = strcmp(node_attr_string(p, "kind", "ternary"), "binary") != 0;
        int64_t group = node_attr_int(p, "group", 4);
        /* Same kind of spikes as the codes; stacked steps hold one sample each. */
        for (int t = 0; t < n && n; t++)
            if (fire_rule_of(lifs[t]).ternary != ternary || (n > 1 && lifs[t]->out[0]->type.shape.dim[0] != 1))
                n = 0;
        if (!n) continue;
        Value *codes[64] = {0};
        for (int t = 0; t < n; t++) {
            node_set_attr_int(g, lifs[t], "pack", group);
            node_infer_or_die(lifs[t]);
            lifs[t]->out[0]->layout = (Layout){0};
            codes[t] = lifs[t]->out[0];
        }
        Value *packed = codes[0];
        if (n > 1) {
            /* Unsqueeze each step's codes, concatenate along time, drop the unit axis. */
            int64_t zero = 0;
            Value *pieces[64];
            for (int t = 0; t < n; t++) {
                Value *in[2] = {codes[t], const_i64(g, 1, &zero)};
                Node *q = graph_add_node(g, p, OP_UNSQUEEZE, p->name, 2, in, 1);
                node_infer_or_die(q);
                pieces[t] = q->out[0];
            }
            Node *c = graph_add_node(g, p, OP_CONCAT, p->name, n, pieces, 1);
            node_set_attr_int(g, c, "axis", 0);
            node_infer_or_die(c);
            packed = insert_reshape(g, p, c->out[0], &p->out[0]->type.shape, p->name);
        }
        if (type_eq(&packed->type, &p->out[0]->type)) {
            rw_replace(&rw, p->out[0], packed);
            replaced = realloc(replaced, (size_t)(n_replaced + 1) * sizeof *replaced);
            if (!replaced) die("out of memory");
            replaced[n_replaced++] = p;
        }
    }
    uses_free(u);
    rw_finish(&rw);
    /* Each was the only reader of its stack (packed_lifs): Reshape(Concat(Unsqueeze(s_t))),
     * Concat(s_t), or s. */
    for (int k = 0; k < n_replaced; k++) {
        Node *p = replaced[k], *r = p->in[0]->def;
        graph_remove_node(g, p);
        if (r->op == OP_LIF) continue;
        if (r->op == OP_CONCAT) {
            graph_remove_node(g, r);
            continue;
        }
        Node *c = r->in[0]->def;
        graph_remove_node(g, r);
        for (int t = 0; t < c->n_in; t++) graph_remove_node(g, c->in[t]->def);
        graph_remove_node(g, c);
    }
    free(replaced);
}

int pass_choose_kernels(Graph *g, PassContext *cx) {
    const char *forced = cx->opt ? cx->opt->spike_impl : NULL;
    Value **packed = calloc((size_t)g->n_values + 1, sizeof *packed);
    int n_conv = 0;
    for (Node *n = g->first; n; n = n->next) n_conv += n->op == OP_SPIKE_CONV && !node_attr(n, "impl");
    ConvCost *costs = calloc((size_t)n_conv + 1, sizeof *costs);
    if (!packed || !costs) die("out of memory");
    int k = 0;
    for (Node *n = g->first; n; n = n->next)
        if (n->op == OP_SPIKE_CONV && !node_attr(n, "impl")) conv_cost(cx->opt, n, &costs[k++]);
    if (!forced) grant_tables(costs, n_conv, model_weight_bytes(g));
    for (int i = 0; i < n_conv; i++) choose_impl(g, &costs[i], packed, forced);
    free(costs);
    for (Node *n = g->first; n; n = n->next) {
        if (n->op == OP_SPIKE_GEMM && !node_attr(n, "impl")) {
            bool measured;
            double rate = layer_rate(cx->opt, n, &measured);
            bool events = forced ? strcmp(forced, "events") == 0 : rate < GEMM_EVENTS_BELOW_RATE;
            node_set_attr_string(g, n, "impl", events ? "events" : "dense");
            n->remark = arena_printf(g->arena, "%s; impl %s (firing rate %.0f %% %s, events below %.0f %%)",
                                     n->remark ? n->remark : "spike layer", events ? "events" : "dense",
                                     100 * rate, measured ? "measured" : "assumed", 100 * GEMM_EVENTS_BELOW_RATE);
        }
    }
    free(packed);

    Uses *u = uses_build(g);
    char *in_set = NULL;
    Value **list = NULL;
    int room = -1;
    for (Node *n = g->first; n; n = n->next) {
        /* the roots: spike layers' outputs, and the spike planes of split pooled spikes */
        if (n->op != OP_SPIKE_CONV && n->op != OP_SPLIT_LEVELS) continue;
        Value *y = n->out[0];
        if (y->layout.channels_last || y->type.shape.rank != 4) continue;
        if (room < g->n_values) {
            /* relayouts add values */
            free(in_set), free(list);
            room = g->n_values;
            in_set = calloc((size_t)room + 1, 1);
            list = calloc((size_t)room + 1, sizeof *list);
            if (!in_set || !list) die("out of memory");
        }
        if (try_channels_last(g, u, y, in_set, list, room) > 0) {
            uses_free(u);
            u = uses_build(g);
        }
    }
    free(in_set);
    free(list);
    uses_free(u);
    for (Node *n = g->first; n; n = n->next)
        if (n->op == OP_SPIKE_CONV && n->out[0]->layout.channels_last)
            n->remark = arena_printf(g->arena, "%s; output channels-last", n->remark);
    fuse_packs(g);
    /* The pipeline's dce, cse (merging the axes constants of the rebuilt stacks), dce and
     * spike-analysis entries after this one clean up. */
    return 0;
}
