/*
 * compose_pooling.c - the compose-pooling pass.
 *
 * Average pooling after a spike layer turns spikes into multiples of 1/k.
 * A Conv or Gemm that reads the pooled map can read the spikes instead:
 * pooling with kernel = stride = (kh, kw) and no padding is a linear map,
 * so it composes with the layer:
 *
 *   Conv(AvgPool(x), W) with strides s, pads p  ==  Conv(x, W') with
 *     kernel (KH*kh, KW*kw), strides (s_h*kh, s_w*kw), pads p*k, and
 *     W'[m, c, a*kh + i, b*kw + j] = W[m, c, a, b] / (kh*kw)
 *
 *   Gemm(Flatten(AvgPool(x)), B)  ==  Gemm(Flatten(x), B') with the weight
 *     of pooled feature (c, y, x) spread over the kh*kw inputs it averaged,
 *     divided by kh*kw; GlobalAveragePool is the case kh = H, kw = W.
 *
 * The composed layer reads spikes, so lower-spikes makes it add-only; its
 * kernel is larger, but it does the same additions as summing the pooled
 * inputs and needs no multiplication. Requires H and W divisible by the
 * pool kernel (so no input row is dropped) and undilated layers. The result
 * differs from the original only in float rounding.
 *
 * A composed convolution does as many additions as there are spikes under
 * each pooling window (kh*kw taps for each tap of W). Where its lookup table
 * would not fit (SPIKE_LUT_MAX_BYTES; the layer would then be event-driven)
 * or an event-driven kernel is forced, the pass splits the pooled values
 * instead: a pooled value is 0 or one of L magnitudes l_j (1/4, 1/2, 3/4, 1
 * for a 2x2 window of ternary spikes), so
 *
 *   Conv(P, W)  ==  Conv(split_levels(P), W'),  W'[m, j*C + c] = l_j * W[m, c]
 *
 * where split_levels(P) holds one spike plane per magnitude (L*C channels of
 * {-1, 0, 1}; tsnc.split_levels averages the windows of the spikes itself). Its events are the nonzero pooled values, at most one per
 * window and channel where the composed layer had one per spike, on the
 * original kernel; W' takes as many bytes as the composed kernel. Each term
 * l_j * W is the product the original layer computes, so only the order of
 * the sum differs.
 */
#include <math.h>
#include <string.h>

#include "passes/rewrite.h"
#include "passes/spike_cost.h"
#include "passes/value_set.h"

typedef struct Pool {
    const Value *x;    /* the pooled input, NCHW */
    int64_t kh, kw;    /* window = stride */
} Pool;

static bool attr_all(const Node *n, const char *name, int64_t v, int want_count) {
    int count;
    const int64_t *a = node_attr_ints(n, name, &count);
    if (!a) return true;
    if (want_count >= 0 && count != want_count) return false;
    for (int i = 0; i < count; i++)
        if (a[i] != v) return false;
    return true;
}

/* v = AveragePool(x) with window == stride and no padding, or GlobalAveragePool(x). */
static bool as_pool(const Value *v, Pool *p) {
    const Node *n = v->def;
    if (!n || n->in[0]->type.shape.rank != 4 || n->in[0]->type.dtype != DT_F32) return false;
    const Shape *xs = &n->in[0]->type.shape;
    p->x = n->in[0];
    if (n->op == OP_GLOBAL_AVERAGE_POOL) {
        p->kh = xs->dim[2];
        p->kw = xs->dim[3];
        return p->kh > 0 && p->kw > 0;
    }
    if (n->op != OP_AVERAGE_POOL) return false;
    int count;
    const int64_t *k = node_attr_ints(n, "kernel_shape", &count);
    if (!k || count != 2) return false;
    const int64_t *st = node_attr_ints(n, "strides", &count);
    if (!st || count != 2 || st[0] != k[0] || st[1] != k[1]) return false;
    if (!attr_all(n, "pads", 0, 4) || !attr_all(n, "dilations", 1, 2)) return false;
    if (node_attr_int(n, "ceil_mode", 0) != 0) return false;
    const char *ap = node_attr_string(n, "auto_pad", "NOTSET");
    if (strcmp(ap, "NOTSET") != 0 && strcmp(ap, "VALID") != 0) return false;
    p->kh = k[0];
    p->kw = k[1];
    return p->kh > 0 && p->kw > 0 && xs->dim[2] % p->kh == 0 && xs->dim[3] % p->kw == 0;
}

/* The magnitudes > 0 of the levels of v (ascending) in lv, their count returned; 0 if v is
 * not levels of amplitude 1 or has more than SPLIT_LEVELS_MAX of them. */
static int magnitudes_of(const ValueSet *v, float *lv) {
    int n = 0;
    if (v->n_levels == 0 || !amp_is_one(&v->amp)) return 0;
    for (int i = 0; i < v->n_levels; i++) {
        float a = fabsf(v->levels[i]);
        bool seen = a == 0.0f;
        for (int j = 0; j < n && !seen; j++) seen = lv[j] == a;
        if (seen) continue;
        if (n == SPLIT_LEVELS_MAX) return 0;
        lv[n++] = a;
    }
    for (int i = 1; i < n; i++) /* insertion sort: a handful of levels */
        for (int j = i; j > 0 && lv[j - 1] > lv[j]; j--) {
            float t = lv[j];
            lv[j] = lv[j - 1], lv[j - 1] = t;
        }
    return n;
}

/* The estimated costs (spike_cost.h) of the gather kernel running Conv(P, W) as split spike
 * planes (*split) and as the composed layer (*composed), at the assumed firing rate. */
static void gather_costs(const Node *conv, const Pool *p, int levels, double *split, double *composed) {
    const int64_t *xd = p->x->type.shape.dim, *wd = conv->in[1]->type.shape.dim, *yd = conv->out[0]->type.shape.dim;
    bool ternary = vs_has_negative(&p->x->vs);
    int64_t window = p->kh * p->kw;
    double r = SPIKE_COST_DEFAULT_RATE, bytes = (double)(wd[0] * wd[1] * wd[2] * wd[3]) * sizeof(float);
    SpikeConvDims d = {
        .in_pixels = (double)xd[0] * (double)(xd[2] * xd[3]) / (double)window,
        .out_pixels = (double)yd[0] * (double)(yd[2] * yd[3]),
        .taps = (double)(wd[2] * wd[3]),
        .c = levels * xd[1],
        .m = wd[0],
        .rate = spike_cost_pooled_nonzero(window, r, ternary) / levels, /* one plane per magnitude */
        .weight_bytes = levels * bytes,
    };
    *split = spike_cost_gather(&d);
    /* composed: the spikes under every window, the window's taps sharing one weight slice */
    d.in_pixels *= (double)window, d.taps *= (double)window, d.c = xd[1], d.rate = r, d.weight_bytes = bytes;
    *composed = spike_cost_gather(&d);
}

/* The layer can take the pool into its kernel: undilated, explicit pads. */
static bool composable(const Node *conv) {
    return attr_all(conv, "dilations", 1, 2) && strcmp(node_attr_string(conv, "auto_pad", "NOTSET"), "NOTSET") == 0;
}

/* Why Conv(AvgPool) should be split into levels rather than composed, or NULL to compose:
 * the composed layer's lookup table would not fit, or an event-driven kernel is forced, and
 * (for the gather kernel) the split layer costs less than the composed one. The split layer
 * does fewer additions (one per nonzero pooled value, not one per spike) and walks a quarter
 * of the taps of a 2x2 pool, but takes L times the weights: for the few pixels of a deep
 * layer, whose weights come from memory on every call, composing wins. */
static const char *split_reason(const PassOptions *o, const Node *conv, const Pool *p, Arena *ar,
                                const char **composed_why) {
    *composed_why = NULL;
    if (o && o->dense) return NULL; /* no spike layers: composing keeps the dense layer as it was */
    if (node_attr_int(conv, "group", 1) != 1) return NULL;
    const char *why;
    if (o && o->spike_impl) {
        if (strcmp(o->spike_impl, "lut") == 0) return NULL;
        if (strcmp(o->spike_impl, "gather") != 0) return arena_printf(ar, "--spike-impl %s", o->spike_impl);
        why = "--spike-impl gather";
    } else {
        bool ternary = vs_has_negative(&p->x->vs);
        int64_t table = spike_lut_table_bytes_for(conv->in[1], SPIKE_LUT_GROUP, ternary);
        if (table <= SPIKE_LUT_MAX_BYTES) return NULL;
        why = arena_printf(ar, "not composed: its lookup table would take %lld KiB", (long long)(table >> 10));
    }
    float lv[SPLIT_LEVELS_MAX];
    int levels = magnitudes_of(&conv->in[0]->vs, lv);
    double split, composed;
    const int64_t *wd = conv->in[1]->type.shape.dim;
    /* a composed layer the gather kernel could not run is no candidate */
    if (levels == 0 || !composable(conv) || !spike_gather_fits(wd[2] * wd[3] * p->kh * p->kw, wd[1])) return why;
    gather_costs(conv, p, levels, &split, &composed);
    if (split <= composed)
        return arena_printf(ar, "%s; gather est. %.1f M split, %.1f M composed", why, split / 1e6, composed / 1e6);
    *composed_why = arena_printf(ar, " (not split into %d spike planes: gather est. %.1f M composed, %.1f M split, "
                                     "%d x the weights)",
                                 levels, composed / 1e6, split / 1e6, levels);
    return NULL;
}

/* Conv(P, W) with P = AvgPool(x) of L magnitudes -> Conv(split_levels(x), W'): the pool and
 * the split in one pass over the spikes x. */
static bool split_conv(Graph *g, Node *conv, const Pool *p, const char *why) {
    float lv[SPLIT_LEVELS_MAX];
    Value *pooled = conv->in[0];
    const Value *w = conv->in[1];
    int nl = magnitudes_of(&pooled->vs, lv);
    if (nl == 0 || !vs_is_unit_spikes(&p->x->vs)) return false;
    const int64_t *wd = w->type.shape.dim;
    int64_t m = wd[0], c = wd[1], taps = wd[2] * wd[3];
    Shape ns = {.rank = 4, .dim = {m, c * nl, wd[2], wd[3]}};
    if (shape_numel(&ns) < 0) return false;
    Tensor *nw = tensor_new(g->arena, DT_F32, &ns);
    const float *src = w->konst->data;
    float *dst = nw->data;
    for (int64_t o = 0; o < m; o++)
        for (int j = 0; j < nl; j++)
            for (int64_t e = 0; e < c * taps; e++)
                dst[(o * nl + j) * c * taps + e] = lv[j] * src[o * c * taps + e];

    Value *spikes = (Value *)p->x;
    const char *pool_name = pooled->def->name ? pooled->def->name : "pool";
    Node *sl = graph_add_node(g, conv, OP_SPLIT_LEVELS, arena_printf(g->arena, "%s_levels", pool_name), 1, &spikes, 1);
    int64_t window[2] = {p->kh, p->kw};
    node_set_attr_ints(g, sl, "kernel_shape", 2, window);
    node_set_attr_floats(g, sl, "levels", nl, lv);
    Value *in[3] = {sl->out[0], graph_const(g, w->name, nw), conv->n_in > 2 ? conv->in[2] : NULL};
    Node *cv = graph_add_node(g, conv, OP_CONV, conv->name, conv->n_in, in, 1);
    for (int i = 0; i < conv->n_attr; i++) node_set_attr(g, cv, &conv->attr[i]);
    Diag d = {.file = "<compose-pooling>"};
    bool ok = op_info(OP_SPLIT_LEVELS)->sema->infer(sl, &d) == 0 && op_info(OP_CONV)->sema->infer(cv, &d) == 0 &&
              type_eq(&cv->out[0]->type, &conv->out[0]->type);
    diag_free(&d);
    if (!ok) {
        graph_remove_node(g, cv);
        graph_remove_node(g, sl);
        return false;
    }
    sl->remark = arena_printf(g->arena, "%dx%d average pool of spikes, its %d magnitudes one spike plane each",
                              (int)p->kh, (int)p->kw, nl);
    cv->remark = arena_printf(g->arena, "%dx%d average pool read as %d spike planes (%s)", (int)p->kh, (int)p->kw,
                              nl, why);
    graph_replace_uses(g, conv->out[0], cv->out[0]);
    return true;
}

static bool compose_conv(Graph *g, Node *conv, const PassOptions *opt) {
    Pool p;
    const Value *w = conv->in[1];
    if (!as_pool(conv->in[0], &p) || !w->konst || w->def || w->type.dtype != DT_F32 ||
        w->type.shape.rank != 4)
        return false;
    const char *composed_why;
    const char *why = split_reason(opt, conv, &p, g->arena, &composed_why);
    if (why && split_conv(g, conv, &p, why)) return true;
    if (!composable(conv)) return false;
    int count;
    const int64_t *st = node_attr_ints(conv, "strides", &count);
    int64_t sh = st && count == 2 ? st[0] : 1, sw = st && count == 2 ? st[1] : 1;
    const int64_t *pd = node_attr_ints(conv, "pads", &count);
    int64_t pads[4] = {0, 0, 0, 0};
    if (pd && count == 4) memcpy(pads, pd, sizeof pads);
    /* Strides and pads may be any int64 (ir/op_window.c): keep the products below in range. */
    if (sh > IR_MAX_ELEMENTS || sw > IR_MAX_ELEMENTS) return false;
    for (int i = 0; i < 4; i++)
        if (pads[i] > IR_MAX_ELEMENTS) return false;
    const int64_t *wd = w->type.shape.dim;
    int64_t m = wd[0], cg = wd[1], kh = wd[2], kw = wd[3];
    Shape ns = {.rank = 4, .dim = {m, cg, kh * p.kh, kw * p.kw}};
    if (shape_numel(&ns) < 0) return false;
    Tensor *nw = tensor_new(g->arena, DT_F32, &ns);
    const float *src = w->konst->data;
    float *dst = nw->data;
    float scale = 1.0f / (float)(p.kh * p.kw);
    for (int64_t o = 0; o < m * cg; o++)
        for (int64_t y = 0; y < ns.dim[2]; y++)
            for (int64_t x = 0; x < ns.dim[3]; x++)
                dst[(o * ns.dim[2] + y) * ns.dim[3] + x] = src[(o * kh + y / p.kh) * kw + x / p.kw] * scale;

    Value *in[3] = {(Value *)p.x, graph_const(g, w->name, nw), conv->n_in > 2 ? conv->in[2] : NULL};
    Node *c = graph_add_node(g, conv, OP_CONV, conv->name, conv->n_in, in, 1);
    for (int i = 0; i < conv->n_attr; i++) node_set_attr(g, c, &conv->attr[i]);
    int64_t k2[2] = {ns.dim[2], ns.dim[3]}, s2[2] = {sh * p.kh, sw * p.kw};
    int64_t p4[4] = {pads[0] * p.kh, pads[1] * p.kw, pads[2] * p.kh, pads[3] * p.kw};
    node_set_attr_ints(g, c, "kernel_shape", 2, k2);
    node_set_attr_ints(g, c, "strides", 2, s2);
    node_set_attr_ints(g, c, "pads", 4, p4);
    Diag d = {.file = "<compose-pooling>"};
    bool ok = op_info(OP_CONV)->sema->infer(c, &d) == 0 && type_eq(&c->out[0]->type, &conv->out[0]->type);
    diag_free(&d);
    if (!ok) {
        graph_remove_node(g, c);
        return false;
    }
    c->remark = arena_printf(g->arena, "%dx%d average pool composed into this layer%s", (int)p.kh, (int)p.kw,
                             composed_why ? composed_why : "");
    graph_replace_uses(g, conv->out[0], c->out[0]);
    return true;
}

/* a = Flatten/Reshape(pool) to [N, C*OH*OW] feeding Gemm(a, B) with constant B. */
static bool compose_gemm(Graph *g, Node *gemm) {
    const Value *a = gemm->in[0], *b = gemm->in[1];
    const Node *flat = a->def;
    Pool p;
    if (!flat || (flat->op != OP_FLATTEN && flat->op != OP_RESHAPE) || !as_pool(flat->in[0], &p)) return false;
    if (node_attr_int(gemm, "transA", 0) || !b->konst || b->def || b->type.dtype != DT_F32) return false;
    const Shape *xs = &p.x->type.shape, *ps = &flat->in[0]->type.shape;
    int64_t n = xs->dim[0], c = xs->dim[1], h = xs->dim[2], w = xs->dim[3];
    int64_t oh = ps->dim[2], ow = ps->dim[3], k_in = c * oh * ow, k_out = c * h * w;
    if (a->type.shape.rank != 2 || a->type.shape.dim[0] != n || a->type.shape.dim[1] != k_in) return false;
    bool tb = node_attr_int(gemm, "transB", 0) != 0;
    int64_t nout = tb ? b->type.shape.dim[0] : b->type.shape.dim[1];
    Shape bs = {.rank = 2, .dim = {tb ? nout : k_out, tb ? k_out : nout}};
    if (shape_numel(&bs) < 0) return false;
    Tensor *nb = tensor_new(g->arena, DT_F32, &bs);
    const float *src = b->konst->data;
    float *dst = nb->data;
    float scale = 1.0f / (float)(p.kh * p.kw);
    for (int64_t ch = 0; ch < c; ch++)
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++) {
                int64_t kk = (ch * oh + y / p.kh) * ow + x / p.kw, kn = (ch * h + y) * w + x;
                for (int64_t o = 0; o < nout; o++) {
                    float v = src[tb ? o * k_in + kk : kk * nout + o] * scale;
                    dst[tb ? o * k_out + kn : kn * nout + o] = v;
                }
            }
    Shape fs = {.rank = 2, .dim = {n, k_out}};
    Value *fx = insert_reshape(g, gemm, (Value *)p.x, &fs, flat->name);
    gemm->in[0] = fx;
    gemm->in[1] = graph_const(g, b->name, nb);
    gemm->remark = arena_printf(g->arena, "%dx%d average pool composed into this layer", (int)p.kh, (int)p.kw);
    return true;
}

/* True if v holds spikes, or is an average pool (possibly flattened) of spikes: a 3x3 window
 * of ternary spikes averages to 19 levels, more than a value set lists (VS_MAX_LEVELS), but
 * composing needs only that the pool reads spikes. */
static bool pooled_spikes(const Value *v) {
    Pool p;
    if (v->vs.n_levels > 0) return true;
    if (v->def && (v->def->op == OP_FLATTEN || v->def->op == OP_RESHAPE)) v = v->def->in[0];
    return as_pool(v, &p) && vs_is_unit_spikes(&p.x->vs);
}

int pass_compose_pooling(Graph *g, PassContext *cx) {
    for (Node *n = g->first; n; n = n->next) {
        /* Only worth it when the pooled values are spikes. */
        if (n->n_in < 1 || !pooled_spikes(n->in[0])) continue;
        if (n->op == OP_CONV)
            compose_conv(g, n, cx->opt);
        else if (n->op == OP_GEMM)
            compose_gemm(g, n);
    }
    return 0;
}
