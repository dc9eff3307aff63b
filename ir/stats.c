/*
 * stats.c - static costs of a graph and measurements on samples (stats.h).
 *
 * Spike convolutions count exactly the accumulates an event-driven kernel
 * does: input element (n, c, p1..pk) meets, in spatial dim i, the kernel
 * taps j with (p_i + pad_i - j * dil_i) a multiple of stride_i whose output
 * position lies inside the output; the count factorises over the dims, so
 * it is (M / group) x prod_i taps_i(p_i). The taps are counted from the
 * outputs' side (each output reads a run of taps that stay inside the
 * input), which is linear in the output size. Matrix products have no
 * padding: every element of A meets out_elements x K / A_elements weights.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/op_window.h"
#include "ir/stats.h"

static int64_t sat_add(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

static int64_t sat_mul(int64_t a, int64_t b) {
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}

static bool is_conv(OpKind op) {
    return op == OP_CONV || op == OP_SPIKE_CONV;
}

static bool is_const_value(const Value *v) {
    return v && v->konst && !v->def && !v->is_input;
}

/* The spikes a layer reads: its input, or the input of the tsnc.pack that made its codes. */
static const Value *spike_input(const Node *n) {
    const Value *x = n->in[0];
    return x && x->type.dtype == DT_U8 && x->def && x->def->op == OP_PACK ? x->def->in[0] : x;
}

static bool has_type(const Value *v) {
    return v && v->type.dtype != DT_UNDEF && v->type.shape.rank >= 0 && shape_numel(&v->type.shape) >= 0;
}

/* The spikes' type (..., C, H, W) f32 when n reads or writes u8 codes (..., H, W, G), else x's own type. */
static Type spikes_type(const Node *n, const Value *x) {
    SpikeCodes c;
    if (x->type.dtype != DT_U8 || !spike_codes_of(n, &c)) return x->type;
    Type t = {DT_F32, x->type.shape};
    int r = t.shape.rank;
    t.shape.dim[r - 1] = t.shape.dim[r - 2], t.shape.dim[r - 2] = t.shape.dim[r - 3];
    t.shape.dim[r - 3] = c.channels;
    return t;
}

/* t itself, or the spikes it stands for when it is the codes of n (see spike_codes_of);
 * *heap is set when the result is a new tensor. */
static const Tensor *as_spikes(const Node *n, const Tensor *t, Tensor **heap) {
    SpikeCodes c;
    *heap = NULL;
    if (t->type.dtype != DT_U8 || !spike_codes_of(n, &c)) return t;
    return *heap = spike_codes_decode(t, &c);
}

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * The kernel taps j of spatial dim i that output position o reads from
 * inside the input: o * stride + j * dil - pad in [0, in). Returns the
 * count and the first tap in *first.
 */
static int64_t taps_of_output(const Window *w, int i, int64_t o, int64_t *first) {
    int64_t base = o * w->stride[i] - w->pad_begin[i], d = w->dil[i];
    /* lo = ceil(-base / d): the first j with base + j * d >= 0; hi: the last inside. */
    int64_t lo = floor_div(-base + d - 1, d), hi = floor_div(w->in[i] - 1 - base, d);
    if (lo < 0) lo = 0;
    if (hi > w->kernel[i] - 1) hi = w->kernel[i] - 1;
    *first = lo;
    return hi >= lo ? hi - lo + 1 : 0;
}

/* Sum over the input positions of dim i of the taps each meets: (output, tap) pairs inside the input. */
static int64_t taps_total(const Window *w, int i) {
    int64_t sum = 0, first;
    for (int64_t o = 0; o < w->out[i]; o++) sum = sat_add(sum, taps_of_output(w, i, o, &first));
    return sum;
}

/*
 * taps[p] for every input position p of dim i: the number of (output, tap)
 * pairs that read it. Undilated windows cover runs of positions, added with
 * a difference array in O(in + out); dilated ones pair by pair.
 */
static void taps_per_position(const Window *w, int i, int64_t *taps) {
    int64_t n = w->in[i];
    memset(taps, 0, (size_t)(n + 1) * sizeof *taps);
    for (int64_t o = 0; o < w->out[i]; o++) {
        int64_t first, count = taps_of_output(w, i, o, &first);
        int64_t p0 = o * w->stride[i] - w->pad_begin[i] + first * w->dil[i];
        if (count == 0) continue;
        if (w->dil[i] == 1) {
            taps[p0]++;
            taps[p0 + count]--;
        } else {
            for (int64_t k = 0; k < count; k++) taps[p0 + k * w->dil[i]]++;
        }
    }
    if (w->dil[i] == 1)
        for (int64_t p = 1; p < n; p++) taps[p] += taps[p - 1];
}

/* The conv's window (geometry of op_window.c) and M / group. */
static int conv_window(const Node *n, Window *w, int64_t *m_per_group, Diag *d) {
    Type xt = spikes_type(n, spike_input(n));
    const Shape *x = &xt.shape, *ws = &n->in[1]->type.shape;
    if (x->rank < 3 || x->rank > 2 + WINDOW_MAX_SPATIAL || ws->rank != x->rank) {
        diag_error(d, n, "stats: unexpected operand ranks");
        return -1;
    }
    int64_t kernel[WINDOW_MAX_SPATIAL];
    for (int i = 0; i < x->rank - 2; i++) kernel[i] = ws->dim[i + 2];
    if (window_geometry(n, x, kernel, false, w, d) != 0) return -1;
    int64_t group = node_attr_int(n, "group", 1);
    if (group < 1 || ws->dim[0] % group != 0) {
        diag_error(d, n, "stats: bad group %lld", (long long)group);
        return -1;
    }
    *m_per_group = ws->dim[0] / group;
    return 0;
}

/* MACs (dense) and worst-case ACs (spike) of one layer. */
static int layer_costs(const Node *n, LayerStats *l, Diag *d) {
    const Value *x = spike_input(n), *w = n->in[1], *y = n->out[0];
    if (!has_type(x) || !has_type(w) || !has_type(y)) {
        diag_error(d, n, "stats need static types (run infer-shapes first)");
        return -1;
    }
    Type xt = spikes_type(n, x);
    int64_t out = shape_numel(&y->type.shape), reduction, acs;
    l->in_elements = shape_numel(&xt.shape);
    if (is_conv(n->op)) {
        Window win;
        int64_t m_per_group;
        if (conv_window(n, &win, &m_per_group, d) != 0) return -1;
        int64_t m = w->type.shape.dim[0];
        reduction = m ? shape_numel(&w->type.shape) / m : 0;
        /* Sum over every input element of (M / group) x prod_i taps_i. */
        acs = sat_mul(m_per_group, sat_mul(xt.shape.dim[0], xt.shape.dim[1]));
        for (int i = 0; i < win.nsp; i++) acs = sat_mul(acs, taps_total(&win, i));
    } else {
        const Shape *xs = &xt.shape;
        bool trans_a = n->op != OP_MATMUL && n->op != OP_SPIKE_MATMUL && node_attr_int(n, "transA", 0);
        if (xs->rank < 1) {
            diag_error(d, n, "stats: the first operand has rank 0");
            return -1;
        }
        reduction = trans_a ? xs->dim[0] : xs->dim[xs->rank - 1];
        acs = sat_mul(out, reduction);
    }
    l->spike = op_has(n->op, OPT_SPIKE_LAYER);
    l->macs = l->spike ? 0 : sat_mul(out, reduction);
    l->acs_worst = l->spike ? acs : 0;
    for (int i = 1; i < n->n_in; i++)
        if (is_const_value(n->in[i])) l->weight_bytes = sat_add(l->weight_bytes, (int64_t)tensor_bytes(n->in[i]->konst));
    return 0;
}

int stats_collect(const Graph *g, GraphStats *s, Diag *d) {
    memset(s, 0, sizeof *s);
    s->arena_bytes = s->arena_naive_bytes = -1;
    int n_layers = 0, n_neurons = 0;
    for (const Node *n = g->first; n; n = n->next) {
        n_layers += op_has(n->op, OPT_LAYER);
        n_neurons += op_has(n->op, OPT_NEURON);
    }
    s->layers = calloc((size_t)n_layers + 1, sizeof *s->layers);
    s->neurons = calloc((size_t)n_neurons + 1, sizeof *s->neurons);
    char *seen = calloc((size_t)g->n_values + 1, 1);
    if (!s->layers || !s->neurons || !seen) die("out of memory");
    int rc = 0;
    for (const Node *n = g->first; n && rc == 0; n = n->next) {
        s->op_count[n->op]++;
        s->n_nodes++;
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            if (!is_const_value(v) || v->id >= g->n_values || (seen[v->id] & 1)) continue;
            seen[v->id] |= 1;
            s->const_bytes = sat_add(s->const_bytes, (int64_t)tensor_bytes(v->konst));
        }
        if (op_has(n->op, OPT_LAYER)) {
            LayerStats *l = &s->layers[s->n_layers++];
            l->node = n;
            rc = layer_costs(n, l, d);
            /* Layers that share weights (one per timestep) count them once in the total. */
            for (int i = 1; i < n->n_in; i++) {
                const Value *v = n->in[i];
                if (!is_const_value(v) || v->id >= g->n_values || (seen[v->id] & 2)) continue;
                seen[v->id] |= 2;
                s->weight_bytes = sat_add(s->weight_bytes, (int64_t)tensor_bytes(v->konst));
            }
            s->table_bytes = sat_add(s->table_bytes, spike_lut_table_bytes(n) + spike_gather_list_bytes(n));
            s->macs = sat_add(s->macs, l->macs);
            s->acs_worst = sat_add(s->acs_worst, l->acs_worst);
        } else if (op_has(n->op, OPT_NEURON)) {
            NeuronStats *ns = &s->neurons[s->n_neurons++];
            ns->node = n;
            if (!has_type(n->out[0])) {
                diag_error(d, n, "stats need static types (run infer-shapes first)");
                rc = -1;
            } else {
                Type t = spikes_type(n, n->out[0]);
                ns->elements = shape_numel(&t.shape);
            }
        }
    }
    free(seen);
    if (rc != 0) stats_free(s);
    return rc;
}

void stats_free(GraphStats *s) {
    free(s->layers);
    free(s->neurons);
    s->layers = NULL;
    s->neurons = NULL;
    s->n_layers = s->n_neurons = 0;
}

int stats_op_order(const GraphStats *s, int *order) {
    int n = 0;
    for (int op = 0; op < OP_COUNT; op++)
        if (s->op_count[op]) order[n++] = op;
    /* Insertion sort (OP_COUNT is small): most frequent first, then by name. */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0; j--) {
            int a = order[j - 1], b = order[j];
            int c = s->op_count[a] != s->op_count[b] ? s->op_count[b] - s->op_count[a]
                                                     : strcmp(op_info((OpKind)a)->name, op_info((OpKind)b)->name);
            if (c <= 0) break;
            order[j - 1] = b;
            order[j] = a;
        }
    return n;
}

double stats_acs(const GraphStats *s) {
    if (s->n_samples == 0) return (double)s->acs_worst;
    double sum = 0;
    for (int i = 0; i < s->n_layers; i++) sum += s->layers[i].acs_sum;
    return sum / (double)s->n_samples;
}

double stats_energy_pj(const GraphStats *s) {
    return STATS_PJ_PER_MAC * (double)s->macs + STATS_PJ_PER_AC * stats_acs(s);
}

/* ---- measuring ---- */

/* What to observe at a node: a layer's input or a neuron's spikes. */
typedef struct Probe {
    LayerStats *layer;
    NeuronStats *neuron;
    int64_t *taps[WINDOW_MAX_SPATIAL]; /* spike conv: taps per input position, per dim */
    int nsp;
    int64_t m_per_group;
} Probe;

static void count_signs(const Tensor *t, int64_t *pos, int64_t *neg) {
    int64_t n = tensor_numel(t), p = 0, q = 0;
    if (t->type.dtype == DT_F32) {
        const float *x = t->data;
        for (int64_t i = 0; i < n; i++) {
            p += x[i] > 0;
            q += x[i] < 0;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            double v = tensor_get_f64(t, i);
            p += v > 0;
            q += v < 0;
        }
    }
    *pos += p;
    *neg += q;
}

/* ACs a spike conv performs on input x: sum over nonzero elements of (M/group) x prod taps. */
static double conv_acs(const Probe *pr, const Tensor *x) {
    const Shape *s = &x->type.shape;
    int64_t spatial = 1;
    for (int i = 2; i < s->rank; i++) spatial *= s->dim[i];
    int64_t n = tensor_numel(x);
    double total = 0;
    for (int64_t at = 0; at < n; at++) {
        if (tensor_get_f64(x, at) == 0) continue;
        int64_t rest = at % spatial, prod = 1;
        for (int i = pr->nsp - 1; i >= 0; i--) {
            int64_t dim = s->dim[i + 2];
            prod *= pr->taps[i][rest % dim];
            rest /= dim;
        }
        total += (double)prod;
    }
    return total * (double)pr->m_per_group;
}

/* x: the layer's spikes (see spike_input); out: the node's results. */
static void observe(const Probe *pr, const Node *n, const Tensor *x, Tensor *const *out) {
    Tensor *heap;
    if (pr->neuron) {
        count_signs(as_spikes(n, out[0], &heap), &pr->neuron->pos, &pr->neuron->neg);
        tensor_free_heap(heap);
        return;
    }
    x = as_spikes(n, x, &heap);
    LayerStats *l = pr->layer;
    int64_t pos = 0, neg = 0;
    count_signs(x, &pos, &neg);
    l->in_pos += pos;
    l->in_neg += neg;
    if (l->spike && is_conv(n->op))
        l->acs_sum += conv_acs(pr, x);
    else if (l->spike && l->in_elements > 0)
        l->acs_sum += (double)(pos + neg) * ((double)l->acs_worst / (double)l->in_elements);
    tensor_free_heap(heap);
}

static int probes_build(const Graph *g, GraphStats *s, Probe *probes, Diag *d) {
    int li = 0, ni = 0;
    for (const Node *n = g->first; n; n = n->next) {
        Probe *pr = &probes[n->id];
        if (op_has(n->op, OPT_LAYER)) {
            pr->layer = &s->layers[li++];
            if (n->op != OP_SPIKE_CONV) continue;
            Window w;
            if (conv_window(n, &w, &pr->m_per_group, d) != 0) return -1;
            pr->nsp = w.nsp;
            for (int i = 0; i < w.nsp; i++) {
                pr->taps[i] = malloc((size_t)(w.in[i] + 1) * sizeof *pr->taps[i]);
                if (!pr->taps[i]) die("out of memory");
                taps_per_position(&w, i, pr->taps[i]);
            }
        } else if (op_has(n->op, OPT_NEURON)) {
            pr->neuron = &s->neurons[ni++];
        }
    }
    return 0;
}

/* One run of the interpreter (as interp_run), observing the probed nodes. */
static int run_one(const Graph *g, Tensor *const *inputs, const Probe *probes, const int *last_use,
                   Tensor **val, char *owned, Diag *d) {
    Tensor *in[64], *out[64];
    int rc = -1, step = 0;
    memset(val, 0, (size_t)(g->n_values + 1) * sizeof *val);
    memset(owned, 0, (size_t)g->n_values + 1);
    for (int i = 0; i < g->n_inputs; i++) val[g->inputs[i]->id] = inputs[i];
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i]->konst && !val[i]) val[i] = g->values[i]->konst;
    for (const Node *n = g->first; n; n = n->next, step++) {
        Tensor **big_in = NULL, **ins = in;
        if (n->n_out > 64) {
            diag_error(d, n, "too many results");
            goto out;
        }
        if (n->n_in > 64) {
            big_in = malloc((size_t)n->n_in * sizeof *big_in);
            if (!big_in) die("out of memory");
            ins = big_in;
        }
        bool ok = true;
        for (int i = 0; i < n->n_in && ok; i++) {
            ins[i] = n->in[i] ? val[n->in[i]->id] : NULL;
            if (n->in[i] && !ins[i]) {
                diag_error(d, n, "input %d has no value", i);
                ok = false;
            }
        }
        if (ok && interp_eval_node(n, ins, out, d) != 0) ok = false;
        if (ok && probes[n->id].layer && !val[spike_input(n)->id]) {
            diag_error(d, n, "stats: the layer's spikes have no value");
            ok = false;
        }
        if (ok && (probes[n->id].layer || probes[n->id].neuron)) {
            const Value *x = probes[n->id].layer ? spike_input(n) : NULL;
            observe(&probes[n->id], n, x ? val[x->id] : NULL, out);
        }
        free(big_in);
        if (!ok) goto out;
        for (int i = 0; i < n->n_out; i++) {
            int id = n->out[i]->id;
            val[id] = out[i];
            owned[id] = 1;
        }
        interp_release_inputs(n, step, last_use, val, owned);
        if (probes[n->id].layer) {
            int id = spike_input(n)->id;
            if (owned[id] && last_use[id] == step) {
                tensor_free_heap(val[id]);
                val[id] = NULL;
                owned[id] = 0;
            }
        }
        for (int i = 0; i < n->n_out; i++) {
            int id = n->out[i]->id;
            if (owned[id] && last_use[id] <= step) {
                tensor_free_heap(val[id]);
                val[id] = NULL;
                owned[id] = 0;
            }
        }
    }
    rc = 0;
out:
    for (int i = 0; i < g->n_values; i++)
        if (owned[i]) tensor_free_heap(val[i]);
    return rc;
}

int stats_measure(const Graph *g, const void *const *samples, int64_t n_samples, GraphStats *s, Diag *d) {
    for (int i = 0; i < g->n_inputs; i++)
        if (!has_type(g->inputs[i])) {
            diag_error(d, NULL, "measuring needs graph inputs of static shape");
            return -1;
        }
    int nv = g->n_values;
    Probe *probes = calloc((size_t)g->next_node_id + 1, sizeof *probes);
    int *last_use = calloc((size_t)nv + 1, sizeof *last_use);
    Tensor **val = calloc((size_t)nv + 1, sizeof *val);
    char *owned = calloc((size_t)nv + 1, 1);
    if (!probes || !last_use || !val || !owned) die("out of memory");
    int rc = probes_build(g, s, probes, d);
    /* Each intermediate is freed right after its last reader; outputs live to the end. */
    int step = 0;
    for (const Node *n = g->first; n; n = n->next, step++) {
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) last_use[n->in[i]->id] = step;
        /* A layer that reads packed codes is measured on the spikes before packing. */
        if (op_has(n->op, OPT_LAYER)) last_use[spike_input(n)->id] = step;
    }
    for (int i = 0; i < g->n_outputs; i++) last_use[g->outputs[i]->id] = step + 1;
    Tensor **inputs = calloc((size_t)g->n_inputs + 1, sizeof *inputs);
    if (!inputs) die("out of memory");
    for (int i = 0; i < g->n_inputs; i++)
        inputs[i] = tensor_new(NULL, g->inputs[i]->type.dtype, &g->inputs[i]->type.shape);
    for (int64_t k = 0; k < n_samples && rc == 0; k++) {
        for (int i = 0; i < g->n_inputs; i++) {
            size_t bytes = tensor_bytes(inputs[i]);
            memcpy(inputs[i]->data, (const char *)samples[i] + (size_t)k * bytes, bytes);
        }
        rc = run_one(g, inputs, probes, last_use, val, owned, d);
        if (rc == 0) s->n_samples++;
    }
    for (int i = 0; i < g->n_inputs; i++) tensor_free_heap(inputs[i]);
    free(inputs);
    for (int i = 0; i < g->next_node_id; i++)
        for (int k = 0; k < probes[i].nsp; k++) free(probes[i].taps[k]);
    free(probes);
    free(last_use);
    free(val);
    free(owned);
    return rc;
}

double stats_kernel_adds(const GraphStats *s, const LayerStats *l) {
    if (!l->spike) return 0;
    const char *impl = node_attr_string(l->node, "impl", "events");
    if (strcmp(impl, "lut") == 0) {
        /* One table lookup per group of `pack` input channels; weights are (M, C, kh, kw). */
        int64_t c = l->node->in[1]->type.shape.dim[1], g = node_attr_int(l->node, "pack", 4);
        int64_t groups = g > 0 ? (c + g - 1) / g : c;
        return c ? (double)(l->acs_worst / c) * (double)groups : 0;
    }
    if (strcmp(impl, "dense") == 0) return (double)l->acs_worst;
    return s->n_samples ? l->acs_sum / (double)s->n_samples : (double)l->acs_worst;
}
