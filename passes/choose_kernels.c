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
 *            are constant, so the tables are known before inference). Chosen
 *            when the table fits in LUT_MAX_BYTES and the expected firing
 *            rate is above the measured crossover.
 *   "events" the event-driven scatter: each nonzero spike adds or subtracts
 *            the weights it reaches (cost: a scan of the input plus one
 *            vector addition per spike and output it reaches).
 * Implementations of tsnc.spike_gemm / spike_matmul:
 *   "dense"  every spike selects +w, -w or nothing (branch-free, vectorizes
 *            over the reduction); wins when the firing rate is high;
 *   "events" each nonzero spike adds a row of weights; wins when sparse.
 *   The choice uses the expected firing rate (EXPECTED_RATE unless a
 *   measured one is known) against the crossover rate measured on this
 *   kind of machine (docs/performance.md).
 *
 * Packing while firing: a neuron whose spikes only go to a tsnc.pack writes
 * the codes itself (tsnc.lif pack = 4).
 *
 * Layout: a spike layer's output is stored channels-last when everything
 * that reads it (neurons, reshapes and gathers/concats along the time or
 * batch axis, up to the next spike layer) does not care about the order of
 * the (C, H, W) block; then both kernels add each output pixel's channels
 * as one contiguous vector.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/rewrite.h"
#include "passes/value_set.h"

/* Largest lookup table for one layer (the L2 cache of the machines we target). */
enum { LUT_MAX_BYTES = 4 << 20, PACK_GROUP = 4 };
/* Firing rate assumed without a measurement (the shipped networks fire at 50-65 %), and the
 * rates below which event-driven layers beat the lookup-table convolution and the dense
 * add-only matrix product: measured by bench/crossover.py (docs/performance.md). The events
 * convolution wins below 1-5 % (more output channels: higher); the dense matrix product
 * with few outputs is as fast as a scan of its input, so events never won there. */
#define EXPECTED_RATE 0.5
#define CONV_EVENTS_BELOW_RATE 0.02
#define GEMM_EVENTS_BELOW_RATE 0.01

static bool ternary_input(const Value *x) {
    return x->vs.n_levels > 0 && x->vs.levels[0] < 0;
}

/* ---- implementation ---- */

static void choose_impl(Graph *g, Node *n, Value **packed, const char *forced) {
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
    int64_t groups = (c + PACK_GROUP - 1) / PACK_GROUP;
    int64_t bytes = taps * groups * entries * m * (int64_t)sizeof(float);
    const char *why = n->remark;
    bool sparse = EXPECTED_RATE < CONV_EVENTS_BELOW_RATE;
    bool want_lut = forced ? strcmp(forced, "lut") == 0 : bytes <= LUT_MAX_BYTES && !sparse;
    if (group == 1 && want_lut) {
        /* One pack per spike tensor, shared by every layer that reads it. */
        Value *codes = packed[x->id];
        if (!codes) {
            Node *p = graph_add_node(g, n, OP_PACK, n->name, 1, &x, 1);
            node_set_attr_string(g, p, "kind", ternary ? "ternary" : "binary");
            node_set_attr_int(g, p, "group", PACK_GROUP);
            node_infer_or_die(p);
            codes = packed[x->id] = p->out[0];
        }
        n->in[0] = codes;
        node_set_attr_string(g, n, "impl", "lut");
        node_set_attr_string(g, n, "kind", ternary ? "ternary" : "binary");
        node_set_attr_int(g, n, "pack", PACK_GROUP);
        n->remark = arena_printf(g->arena, "%s; impl lut: %lld distinct taps x %lld groups x %lld codes, table %lld KiB",
                                 why ? why : "spike layer", (long long)taps, (long long)groups,
                                 (long long)entries, (long long)(bytes >> 10));
    } else {
        node_set_attr_string(g, n, "impl", "events");
        n->remark = arena_printf(g->arena, "%s; impl events: %s", why ? why : "spike layer",
                                 forced ? "forced by --spike-impl"
                                 : group != 1 ? "grouped convolution"
                                 : sparse ? "expected firing rate below the measured crossover"
                                          : "lookup table too large");
    }
    node_infer_or_die(n);
}

/* ---- layout ---- */

typedef struct Closure {
    const Uses *u;
    Layout l;
    char *in_set;   /* per value id */
    Value **list;
    int n;
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

/* Can node n read value v (input i) in channels-last order? Adds its outputs to the set. */
static bool accepts(Closure *cl, const Node *n, int i, const Value *v) {
    int bd = block_dims(cl, v);
    if (!bd) return false;
    int axis;
    switch (n->op) {
    case OP_LIF: case OP_FIRE: case OP_IDENTITY: case OP_ABS: case OP_NEG: case OP_RELU: case OP_SIGN:
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
        for (int k = 0; k < n->n_out; k++)
            if (!type_eq(&n->out[k]->type, &v->type)) return false;
        for (int k = 0; k < n->n_out; k++) add(cl, n->out[k]);
        return true;
    case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
        if (i != 0 || !block_dims(cl, n->out[0])) return false;
        add(cl, n->out[0]);
        return true;
    case OP_GATHER: case OP_CONCAT:
        axis = (int)node_attr_int(n, "axis", 0);
        if (axis < 0) axis += v->type.shape.rank;
        if (axis >= v->type.shape.rank - bd || (n->op == OP_GATHER && i != 0)) return false;
        if (block_dims(cl, n->out[0]) != bd) return false;
        add(cl, n->out[0]);
        return true;
    case OP_PACK:
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

/* A spike layer's output of the closure's (C, H, W) block, which may join it as a root. */
static bool joinable_root(const Closure *cl, const Value *v) {
    const Shape *s = &v->type.shape;
    return v->def && v->def->op == OP_SPIKE_CONV && !v->layout.channels_last && s->rank == 4 &&
           s->dim[1] == cl->l.c && s->dim[2] == cl->l.h && s->dim[3] == cl->l.w;
}

/*
 * Every tensor operand of a node touching the set must be in it (or a scalar
 * constant). An operand that is another spike layer's output of the same block
 * joins the set (the timesteps of an explicit-time export meet in one neuron
 * chain, so their layers are decided together); returns 1 if it grew the set.
 */
static int operands_consistent(Closure *cl, const Node *n) {
    bool touches = false;
    for (int i = 0; i < n->n_in; i++) touches |= n->in[i] && cl->in_set[n->in[i]->id];
    if (!touches) return 0;
    switch (n->op) {
    case OP_PACK: case OP_SPIKE_CONV: case OP_SPIKE_GEMM: case OP_SPIKE_MATMUL: case OP_GATHER: case OP_RESHAPE:
    case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
        /* Only input 0 is data. */
        return cl->in_set[n->in[0]->id] ? 0 : -1;
    default: {
        int grew = 0;
        for (int i = 0; i < n->n_in; i++) {
            Value *v = n->in[i];
            if (!v || cl->in_set[v->id] || is_scalar_const(v)) continue;
            if (!joinable_root(cl, v)) return -1;
            add(cl, v);
            grew = 1;
        }
        return grew;
    }
    }
}

/* Does n read or write a value of the set? */
static bool touches_set(const Node *n, const char *in_set) {
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && in_set[n->in[i]->id]) return true;
    for (int i = 0; i < n->n_out; i++)
        if (in_set[n->out[i]->id]) return true;
    return false;
}

static bool try_channels_last(Graph *g, const Uses *u, Value *root, char *in_set, Value **list) {
    char why[256];
    const Shape *s = &root->type.shape;
    Closure cl = {.u = u, .in_set = in_set, .list = list, .l = {true, s->dim[1], s->dim[2], s->dim[3]}};
    add(&cl, root);
    bool ok = true;
    int done = 0;
    for (int rounds = 0; ok && rounds < 64; rounds++) {
        /* Grow through readers, then pull in sibling layers that meet the set. */
        for (; done < cl.n && ok; done++) {
            Value *v = cl.list[done];
            if (graph_is_output(g, v) || v->id >= u->n_values) {
                ok = false;
                break;
            }
            for (int j = 0; j < u->count[v->id] && ok; j++) {
                const Node *n = u->users[v->id][j];
                for (int i = 0; i < n->n_in && ok; i++)
                    if (n->in[i] == v) ok = accepts(&cl, n, i, v);
            }
        }
        int grew = 0;
        for (const Node *n = g->first; n && ok; n = n->next) {
            int r = operands_consistent(&cl, n);
            if (r < 0) ok = false;
            grew |= r > 0;
        }
        if (!grew) break;
    }
    /* The closure rules above decide where channels-last pays; the layout table the verifier
     * and the emitters share (layout_check_node) has the last word on every node it touches. */
    for (int k = 0; ok && k < cl.n; k++) cl.list[k]->layout = cl.l;
    for (const Node *n = g->first; n && ok; n = n->next)
        ok = !touches_set(n, in_set) || !layout_check_node(n, why, sizeof why);
    for (int k = 0; k < cl.n; k++) {
        if (!ok) cl.list[k]->layout = (Layout){0};
        in_set[cl.list[k]->id] = 0;
    }
    return ok;
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
 * one lif's spikes, or the time-folded stack Reshape(Concat(Unsqueeze(s_t)))
 * of several. 0 if the input is anything else or the spikes have other readers.
 */
static int packed_lifs(const Graph *g, const Uses *u, const Node *p, Node **lifs, int max) {
    const Value *x = p->in[0];
    Node *one = sole_lif_spikes(g, u, x, p);
    if (one) {
        lifs[0] = one;
        return 1;
    }
    const Node *r = x->def;
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
 * not read back. The stack of timesteps is rebuilt on the codes.
 */
static void fuse_packs(Graph *g) {
    Uses *u = uses_build(g);
    Rewriter rw;
    rw_init(&rw, g);
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
        if (type_eq(&packed->type, &p->out[0]->type)) rw_replace(&rw, p->out[0], packed);
    }
    uses_free(u);
    rw_finish(&rw);
}

int pass_choose_kernels(Graph *g, PassContext *cx) {
    const char *forced = cx->opt ? cx->opt->spike_impl : NULL;
    spike_analysis_run(g);
    Value **packed = calloc((size_t)g->n_values + 1, sizeof *packed);
    if (!packed) die("out of memory");
    for (Node *n = g->first; n; n = n->next) {
        if (n->op == OP_SPIKE_CONV && !node_attr(n, "impl")) choose_impl(g, n, packed, forced);
        if (n->op == OP_SPIKE_GEMM && !node_attr(n, "impl")) {
            bool events = forced ? strcmp(forced, "events") == 0 : EXPECTED_RATE < GEMM_EVENTS_BELOW_RATE;
            node_set_attr_string(g, n, "impl", events ? "events" : "dense");
            n->remark = arena_printf(g->arena, "%s; impl %s (expected firing rate %.0f %%, events below %.0f %%)",
                                     n->remark ? n->remark : "spike layer", events ? "events" : "dense",
                                     100 * EXPECTED_RATE, 100 * GEMM_EVENTS_BELOW_RATE);
        }
    }
    free(packed);

    Uses *u = uses_build(g);
    char *in_set = calloc((size_t)g->n_values + 1, 1);
    Value **list = calloc((size_t)g->n_values + 1, sizeof *list);
    if (!in_set || !list) die("out of memory");
    for (Node *n = g->first; n; n = n->next) {
        if (n->op != OP_SPIKE_CONV) continue;
        Value *y = n->out[0];
        if (y->layout.channels_last || y->type.shape.rank != 4) continue;
        try_channels_last(g, u, y, in_set, list);
    }
    free(in_set);
    free(list);
    uses_free(u);
    for (Node *n = g->first; n; n = n->next)
        if (n->op == OP_SPIKE_CONV && n->out[0]->layout.channels_last)
            n->remark = arena_printf(g->arena, "%s; output channels-last", n->remark);
    fuse_packs(g);
    /* The old float stacks are dead but still read the lifs; drop them before CSE
     * can merge a new Unsqueeze of the codes into an old one of the same value. */
    pass_dce(g, cx);
    pass_cse(g, cx); /* merges the axes constants of the rebuilt stacks */
    spike_analysis_run(g);
    return 0;
}
