/*
 * emit_spike.c - emitters of tsnc's own ops (docs/ir.md, ir/op_spike.c):
 * the spiking neuron, tsnc.fire and tsnc.lif (runtime/generic/neuron.c),
 * and the add-only spike layers tsnc.spike_conv, tsnc.spike_gemm and
 * tsnc.spike_matmul (runtime/generic/spike.c). The spike kernels want
 * their weights arranged so that the weights one spike reaches are
 * contiguous; that rearrangement happens here, at compile time, into
 * derived static arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ops.h"
#include "passes/value_set.h"

static int need_f32(EmitCtx *cx, const Node *n, const Value *v, const char *role) {
    if (!v) return cx_error(cx, n, "the %s operand is missing", role);
    if (v->type.dtype != DT_F32)
        return cx_error(cx, n, "%s with a %s %s is not supported (only f32)", op_name(n),
                        dtype_name(v->type.dtype), role);
    return 0;
}

/* The constant f32 data of v, or NULL after reporting that it must be constant. */
static const float *const_f32(EmitCtx *cx, const Node *n, const Value *v, const char *role) {
    const Tensor *t = cx_konst(v);
    if (!t || t->type.dtype != DT_F32) {
        cx_error(cx, n, "the %s must be a constant (it is rearranged at compile time)", role);
        return NULL;
    }
    return t->data;
}

/*
 * "&(const struct lif_params){...}" for one neuron kernel call of n (tsnc.fire / tsnc.lif):
 * shape, the fields of struct lif_params before the firing rule (e.g. ".n = 784, " or
 * ".n = 1, .c = 16, ..."; runtime/generic/neuron.c), then the rule of n.
 */
static const char *lif_params(EmitCtx *cx, const Node *n, const char *shape, float decay, float vth) {
    FireRule r = fire_rule_of(n);
    return cx_str(cx,
                  "&(const struct lif_params){\n"
                  "        %s\n"
                  "        .decay = %s, .vth = %s, .up = %s, .down = %s,\n"
                  "        .ternary = %d, .up_inclusive = %d, .down_inclusive = %d}",
                  shape, cx_f32(cx, decay), cx_f32(cx, vth), cx_f32(cx, r.up), cx_f32(cx, r.down),
                  r.ternary, r.up_inclusive, r.down_inclusive);
}

int emit_fire(EmitCtx *cx, const Node *n) {
    const Value *v = n->in[0], *s = n->out[0];
    if (need_f32(cx, n, v, "input") || check_out_type(cx, n, s, &v->type)) return -1;
    cx_kernel(cx, "fire_f32");
    cx_printf(cx, "    fire_f32(%s, %s, %s);\n", cx_ref(cx, v), cx_ref(cx, s),
              lif_params(cx, n, cx_str(cx, ".n = %lld,", (long long)numel(v)), 0.0f, 1.0f));
    return 0;
}

/* The membrane output, or "0" when nothing reads it (the last timestep): the kernel skips the store. */
static const char *membrane_ref(EmitCtx *cx, const Value *m) {
    const Graph *g = cx_graph(cx);
    return graph_count_uses(g, m) == 0 && !graph_is_output(g, m) ? "0" : cx_ref(cx, m);
}

/*
 * tsnc.lif. With steps = T > 1 the input current is time-invariant: one kernel call runs the T
 * timesteps, spikes (or codes) stacked in out[0], and the membrane buffer out[1] (which the
 * memory plan gives every lif) carries the potential from one step to the next.
 */
int emit_lif(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *mp = n->n_in > 1 ? n->in[1] : NULL;
    int64_t pack = node_attr_int(n, "pack", 0), steps = node_attr_int(n, "steps", 1);
    if (need_f32(cx, n, x, "input current")) return -1;
    if (mp && !type_eq(&mp->type, &x->type))
        return cx_error(cx, n, "membrane %s and input current %s differ", cx_type(cx, &mp->type),
                        cx_type(cx, &x->type));
    if (steps < 1 || steps > LIF_MAX_STEPS || (steps > 1 && mp))
        return cx_error(cx, n, "steps must be 1..%d, and above 1 without a membrane operand", LIF_MAX_STEPS);
    Type stacked = x->type;
    if (steps > 1) {
        if (stacked.shape.rank >= IR_MAX_RANK) return cx_error(cx, n, "no room for the steps axis");
        memmove(stacked.shape.dim + 1, stacked.shape.dim, (size_t)stacked.shape.rank * sizeof stacked.shape.dim[0]);
        stacked.shape.dim[0] = steps;
        stacked.shape.rank++;
    }
    if ((!pack && check_out_type(cx, n, n->out[0], &stacked)) || check_out_type(cx, n, n->out[1], &x->type))
        return -1;
    float vth = node_attr_float(n, "vth", 1.0f);
    if (vth == 0.0f) return cx_error(cx, n, "vth must not be 0");
    float decay = node_attr_float(n, "decay", 0.25f);
    if (pack) {
        /* Spikes written as codes: x, m_prev and m in x's layout, codes (N, H, W, groups). */
        const int64_t *xd = x->type.shape.dim;
        int64_t hw = xd[2] * xd[3];
        bool cl = x->layout.channels_last;
        if (x->type.shape.rank != 4 || n->out[0]->type.dtype != DT_U8)
            return cx_error(cx, n, "pack needs an input (N, C, H, W) and u8 codes");
        if (mp && mp->layout.channels_last != cl) return cx_error(cx, n, "membrane and input current layouts differ");
        const char *dims = cx_str(cx, ".n = %lld, .c = %lld, .p = %lld, .xc = %lld, .xq = %lld, .group = %d,",
                                  (long long)xd[0], (long long)xd[1], (long long)hw, (long long)(cl ? 1 : hw),
                                  (long long)(cl ? xd[1] : 1), (int)pack);
        if (steps > 1) {
            const char *m = membrane_ref(cx, n->out[1]);
            cx_kernel(cx, "lif_pack_steps_f32");
            cx_printf(cx, "    lif_pack_steps_f32(%s, %s, %s, %s);\n", cx_ref(cx, x), cx_ref(cx, n->out[0]),
                      cx_ref(cx, n->out[1]),
                      lif_params(cx, n,
                                 cx_str(cx, "%s\n        .steps = %lld, .keep_m = %d,", dims, (long long)steps,
                                        strcmp(m, "0") != 0),
                                 decay, vth));
            return 0;
        }
        cx_kernel(cx, "lif_pack_f32");
        cx_printf(cx, "    lif_pack_f32(%s, %s, %s, %s, %s);\n", cx_ref(cx, x), mp ? cx_ref(cx, mp) : "0",
                  cx_ref(cx, n->out[0]), membrane_ref(cx, n->out[1]), lif_params(cx, n, dims, decay, vth));
        return 0;
    }
    if (steps > 1) {
        cx_kernel(cx, "lif_steps_f32");
        cx_printf(cx, "    lif_steps_f32(%s, %s, %s, %s);\n", cx_ref(cx, x), cx_ref(cx, n->out[0]),
                  cx_ref(cx, n->out[1]),
                  lif_params(cx, n, cx_str(cx, ".n = %lld, .steps = %lld,", (long long)numel(x), (long long)steps),
                             decay, vth));
        return 0;
    }
    cx_kernel(cx, "lif_f32");
    cx_printf(cx, "    lif_f32(%s, %s, %s, %s, %s);\n", cx_ref(cx, x), mp ? cx_ref(cx, mp) : "0",
              cx_ref(cx, n->out[0]), membrane_ref(cx, n->out[1]),
              lif_params(cx, n, cx_str(cx, ".n = %lld,", (long long)numel(x)), decay, vth));
    return 0;
}

/* tsnc.pack: spikes (N, C, H, W), row-major or channels-last -> codes (N, H, W, groups). */
int emit_pack(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *codes = n->out[0];
    if (need_f32(cx, n, x, "input")) return -1;
    if (x->type.shape.rank != 4 || codes->type.dtype != DT_U8)
        return cx_error(cx, n, "packs f32 spikes (N, C, H, W) into u8 codes");
    const int64_t *xd = x->type.shape.dim;
    int64_t hw = xd[2] * xd[3];
    bool cl = x->layout.channels_last;
    bool ternary = strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
    cx_kernel(cx, "spike_pack_f32");
    cx_printf(cx,
              "    spike_pack_f32(%s, %s, &(const struct spike_pack_params){\n"
              "        .n = %lld, .c = %lld, .p = %lld, .cs = %lld, .ps = %lld, .group = %d, .ternary = %d});\n",
              cx_ref(cx, x), cx_ref(cx, codes), (long long)xd[0], (long long)xd[1], (long long)hw,
              (long long)(cl ? 1 : hw), (long long)(cl ? xd[1] : 1), (int)node_attr_int(n, "group", 4), ternary);
    return 0;
}

/* The spikes of v are in {0, 1} (binary) or {-1, 0, 1} (ternary), as spike analysis proved. */
static bool proven_spikes(const Value *v, bool ternary);

/* tsnc.split_levels: one spike plane per magnitude of the window averages (runtime
 * spike_split_levels_f32). The kernel sums the window's spikes and looks the plane and the spike
 * of each sum m up in tables made here: m spikes average to the float |m| / (kh*kw), which is
 * levels[plane]. So x must be proven spikes (the sums are then exact and within the tables). */
int emit_split_levels(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *s = n->out[0];
    const Attr *lv = node_attr(n, "levels");
    int count;
    const int64_t *k = node_attr_ints(n, "kernel_shape", &count);
    if (need_f32(cx, n, x, "input")) return -1;
    if (!lv || lv->kind != ATTR_FLOATS || !k || count != 2 || x->type.shape.rank != 4 || k[0] * k[1] > 64)
        return cx_error(cx, n, "splits f32 (N, C, H, W) windows of at most 64 spikes by its levels");
    if (!proven_spikes(x, true))
        return cx_error(cx, n, "its input is not proven to hold spikes in {-1, 0, 1}");
    const int64_t *xd = x->type.shape.dim, *sd = s->type.shape.dim;
    int64_t area = k[0] * k[1];
    bool cl = x->layout.channels_last;
    cx_kernel(cx, "spike_split_levels_f32");
    /* for each window sum m in [-area, area], at m + area: its plane and its spike */
    signed char plane[2 * 64 + 1];
    float value[2 * 64 + 1];
    for (int64_t m = -area; m <= area; m++) {
        float avg = (float)(m < 0 ? -m : m) / (float)area; /* AveragePool's average of the window */
        plane[m + area] = 0, value[m + area] = 0.0f;
        for (int j = 0; j < lv->n && m != 0; j++)
            if (lv->floats[j] == avg) plane[m + area] = (signed char)j, value[m + area] = m > 0 ? 1.0f : -1.0f;
    }
    cx_printf(cx, "    {\n        static const signed char plane[%lld] = {", (long long)(2 * area + 1));
    for (int64_t i = 0; i <= 2 * area; i++) cx_printf(cx, "%s%d", i ? ", " : "", plane[i]);
    cx_printf(cx, "};\n        static const float value[%lld] = {", (long long)(2 * area + 1));
    for (int64_t i = 0; i <= 2 * area; i++) cx_printf(cx, "%s%s", i ? ", " : "", cx_f32(cx, value[i]));
    cx_printf(cx,
              "};\n"
              "        spike_split_levels_f32(%s, %s, plane, value, &(const struct spike_split_levels_params){\n"
              "            .n = %lld, .c = %lld, .h = %lld, .w = %lld, .xc = %lld, .xq = %lld,\n"
              "            .yc = %lld, .yq = %lld, .kh = %d, .kw = %d, .levels = %d});\n"
              "    }\n",
              cx_ref(cx, x), cx_ref(cx, s), (long long)xd[0], (long long)xd[1], (long long)xd[2], (long long)xd[3],
              (long long)(cl ? 1 : xd[2] * xd[3]), (long long)(cl ? xd[1] : 1),
              (long long)(s->layout.channels_last ? 1 : sd[2] * sd[3]), (long long)(s->layout.channels_last ? sd[1] : 1),
              (int)k[0], (int)k[1], lv->n);
    return 0;
}

/* ---- what a spike layer may read ---- */

/* Nodes visited when following codes back to their producers (a DAG can fan out). */
enum { CODES_VISIT_BUDGET = 4096 };

/* The spikes of v are in {0, 1} (binary) or {-1, 0, 1} (ternary), as spike analysis proved. */
static bool proven_spikes(const Value *v, bool ternary) {
    return vs_levels_within(&v->vs, ternary ? -1 : 0, 1) && amp_is_one(&v->vs.amp);
}

/*
 * Every byte of v is a code of `want` (kind and channels per code): v comes,
 * through ops that only move elements, from tsnc.pack nodes of proven spikes
 * or tsnc.lif nodes with pack, all with that kind and group. Moving codes
 * keeps each byte a valid code; anything else (a constant, a Pad's zeros,
 * arithmetic) may not be.
 */
static bool proven_codes(const Value *v, const SpikeCodes *want, int *budget) {
    const Node *d = v->def;
    if (!d || --*budget < 0) return false;
    SpikeCodes c;
    if ((d->op == OP_PACK || d->op == OP_LIF) && v->def_index == 0) {
        if (!spike_codes_of(d, &c) || c.group != want->group || c.ternary != want->ternary) return false;
        return d->op == OP_LIF || proven_spikes(d->in[0], c.ternary);
    }
    if (!op_has(d->op, OPT_MOVES)) return false;
    int n_data = 0;
    for (int i = 0; i < d->n_in; i++) {
        if (!op_input_is_data(d->op, i)) continue;
        if (!proven_codes(d->in[i], want, budget)) return false;
        n_data++;
    }
    return n_data > 0;
}

/*
 * The kernels add or subtract a weight per nonzero spike, which is the
 * product only for values in {-1, 0, 1}; the interpreter multiplies. So a
 * spike layer reads what spike analysis proved to be spikes (or their
 * codes), whatever the IR text it came from claims.
 */
static int check_spike_input(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0];
    SpikeCodes want;
    int budget = CODES_VISIT_BUDGET;
    if (x->type.dtype == DT_U8 && n->op == OP_SPIKE_CONV) {
        if (spike_codes_of(n, &want) && proven_codes(x, &want, &budget)) return 0;
        return cx_error(cx, n,
                        "input 0 is not a proven spike tensor: impl \"lut\" reads the codes of a "
                        "tsnc.pack of proven spikes or of a tsnc.lif with pack, of the same kind "
                        "and pack");
    }
    if (proven_spikes(x, true)) return 0;
    return cx_error(cx, n,
                    "input 0 is not a proven spike tensor: spike analysis does not show that it "
                    "holds only {-1, 0, 1} (use %s for other values)",
                    n->op == OP_SPIKE_CONV ? "Conv" : n->op == OP_SPIKE_GEMM ? "Gemm" : "MatMul");
}

/* The initializer text s (from conv_params) one level deeper, as a member of an enclosing initializer. */
static const char *nested(EmitCtx *cx, const char *s) {
    Buf b = {0};
    for (; *s; s++) buf_append(&b, *s == '\n' ? "\n    " : s, *s == '\n' ? 5 : 1);
    const char *r = cx_str(cx, "%.*s", (int)b.len, b.data ? b.data : "");
    buf_free(&b);
    return r;
}

/*
 * The weights w (M, C, kh, kw) as wt (distinct taps, C, M), wt[(tap * C + c) * M + m] =
 * w[m][c][ky][kx], for the distinct taps only: taps with bit-equal weights (a composed pooling
 * repeats each weight over its window) share one slice. *table_of (kh*kw entries, heap) maps
 * each tap to its slice, *distinct counts the slices; returns wt (heap).
 */
static float *distinct_tap_weights(const ConvShape *cs, const float *w, int64_t **table_of, int64_t *distinct) {
    int64_t taps = cs->kh * cs->kw, slice = cs->c * cs->m;
    float *wt = malloc((size_t)(taps * slice + 1) * sizeof *wt);
    *table_of = malloc((size_t)taps * sizeof **table_of);
    *distinct = 0;
    if (!wt || !*table_of) die("out of memory");
    for (int64_t t = 0; t < taps; t++) {
        float *dst = wt + *distinct * slice;
        for (int64_t c = 0; c < cs->c; c++)
            for (int64_t m = 0; m < cs->m; m++) dst[c * cs->m + m] = w[(m * cs->c + c) * taps + t];
        (*table_of)[t] = *distinct;
        for (int64_t u = 0; u < *distinct; u++)
            if (memcmp(wt + u * slice, dst, (size_t)slice * sizeof *wt) == 0) {
                (*table_of)[t] = u;
                break;
            }
        if ((*table_of)[t] == *distinct) (*distinct)++;
    }
    return wt;
}

/*
 * impl "lut": reads the codes of a tsnc.pack. The weights are rearranged at
 * compile time into wt (taps, C, M); the lookup table (taps, groups,
 * entries, M) is built from them by NAME_init into the caller's NAME_state
 * (additions only), so the source stays the size of the weights.
 */
static int emit_spike_conv_lut(EmitCtx *cx, const Node *n) {
    /* conv_params checks the geometry on the unpacked spikes: (N, C, H, W) with C from the weights. */
    const Shape *cs0 = &n->in[0]->type.shape;
    if (n->in[0]->type.dtype != DT_U8 || cs0->rank != 4 || n->in[1]->type.shape.rank != 4)
        return cx_error(cx, n, "impl lut reads u8 codes (N, H, W, groups)");
    Value spikes = {.type = {DT_F32, {.rank = 4, .dim = {cs0->dim[0], n->in[1]->type.shape.dim[1], cs0->dim[1], cs0->dim[2]}}}};
    Node shadow = *n;
    Value *in[3] = {&spikes, n->in[1], n->n_in > 2 ? n->in[2] : NULL};
    shadow.in = in;
    ConvShape cs;
    const char *params = conv_params(cx, &shadow, &cs);
    if (!params) return -1;
    if (cs.group != 1) return cx_error(cx, n, "impl lut needs group = 1");
    const float *w = const_f32(cx, n, n->in[1], "weight");
    if (!w) return -1;
    bool ternary = strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
    int64_t group = node_attr_int(n, "pack", 4), entries = 1;
    for (int64_t i = 0; i < group; i++) entries *= ternary ? 3 : 2;
    int64_t taps = cs.kh * cs.kw, groups = (cs.c + group - 1) / group, slice = cs.c * cs.m;
    int64_t *table_of, distinct;
    float *wt = distinct_tap_weights(&cs, w, &table_of, &distinct);
    int64_t count = distinct * slice, table = distinct * groups * entries * cs.m;
    if (table * (int64_t)sizeof(float) != spike_lut_table_bytes(n))
        return cx_error(cx, n, "internal: lookup table of %lld floats, but the IR counts %lld bytes", (long long)table,
                        (long long)spike_lut_table_bytes(n));
    const char *wname = cx_derived_f32(cx, n, "wt", wt, count);
    const char *tap_map = cx_longs(cx, (int)taps, table_of);
    free(wt);
    free(table_of);
    const Value *b = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    int64_t ohw = cs.oh * cs.ow;
    bool cl = y->layout.channels_last;
    cx_kernel(cx, "spike_lut_build_f32");
    cx_kernel(cx, "spike_conv2d_lut_f32");
    /* (taps, groups, codes, M): in the caller's NAME_state, built by NAME_init */
    const char *build = cx_str(cx,
                               "spike_lut_build_f32(%s, %%s, &(const struct spike_lut_params){"
                               ".taps = %lld, .c = %lld, .m = %lld, .group = %d, .ternary = %d});",
                               wname, (long long)distinct, (long long)cs.c, (long long)cs.m, (int)group, ternary);
    const char *lut = cx_lut_table(cx, build, table, build);
    cx_printf(cx,
              "    spike_conv2d_lut_f32(%s, %s, %s, %s, %s, &(const struct spike_conv2d_params){\n"
              "        .conv = %s,\n"
              "        .yq = %lld, .ym = %lld, .groups = %lld, .entries = %lld});\n",
              cx_ref(cx, n->in[0]), lut, tap_map, b ? cx_ref(cx, b) : "0", cx_ref(cx, y), nested(cx, params),
              (long long)(cl ? cs.m : 1), (long long)(cl ? 1 : ohw), (long long)groups, (long long)entries);
    return 0;
}

/*
 * wt (distinct taps, C, M) -> the same weights in blocks of mb output channels, each
 * (distinct taps, C, bw) with bw = mb or what is left for the last block: the layout of
 * spike_conv2d_gather_f32, where the rows one (tap, tile) slice of a block reads are
 * contiguous. Returns a heap array.
 */
static float *gather_blocks(const float *wt, int64_t taps, int64_t c, int64_t m, int64_t mb) {
    float *out = malloc((size_t)(taps * c * m) * sizeof *out + 1);
    if (!out) die("out of memory");
    for (int64_t m0 = 0; m0 < m; m0 += mb) {
        int64_t bw = m - m0 < mb ? m - m0 : mb;
        float *block = out + m0 * taps * c;
        for (int64_t r = 0; r < taps * c; r++) memcpy(block + r * bw, wt + r * m + m0, (size_t)bw * sizeof *out);
    }
    return out;
}

/*
 * impl "gather": the output-stationary convolution (runtime/simd/spike_gather.c). The
 * weights are rearranged at compile time into blocks of 8 of the target's vectors of output
 * channels, each (distinct taps, C, block), so that one event adds a contiguous vector and
 * the rows a (tap, tile) slice reads are contiguous; a composed pooling's repeated taps are
 * stored once. The tile of input channels fills L1 with the slice (spike_gather_tile). The
 * event lists (spike_gather_list_bytes_for) live in the caller's NAME_state, next to the
 * lookup tables: no function of the API keeps mutable static data, so states on different
 * threads do not share them.
 */
static int emit_spike_conv_gather(EmitCtx *cx, const Node *n) {
    ConvShape cs;
    const char *params = conv_params(cx, n, &cs);
    if (!params) return -1;
    if (cs.group != 1) return cx_error(cx, n, "impl gather needs group = 1");
    if (!spike_gather_fits(cs.kh * cs.kw, cs.c))
        return cx_error(cx, n, "impl gather needs at most %d kernel taps and %d input channels",
                        SPIKE_GATHER_MAX_TAPS, SPIKE_GATHER_MAX_CHANNELS);
    const float *w = const_f32(cx, n, n->in[1], "weight");
    if (!w) return -1;
    int64_t *table_of, distinct, mb = SPIKE_GATHER_BLOCK_VECTORS * (int64_t)cx_vector_floats(cx);
    float *wt = distinct_tap_weights(&cs, w, &table_of, &distinct);
    float *blocks = gather_blocks(wt, distinct, cs.c, cs.m, mb);
    free(wt);
    const char *wname = cx_derived_f32(cx, n, "wg", blocks, distinct * cs.c * cs.m);
    const char *tap_map = cx_longs(cx, (int)(cs.kh * cs.kw), table_of);
    free(blocks);
    free(table_of);
    int64_t ct = spike_gather_tile(n, mb);
    const Value *b = n->n_in > 2 ? n->in[2] : NULL, *x = n->in[0], *y = n->out[0];
    int64_t hw = x->type.shape.dim[2] * x->type.shape.dim[3], ohw = y->type.shape.dim[2] * y->type.shape.dim[3];
    bool xcl = x->layout.channels_last, ycl = y->layout.channels_last;
    cx_kernel(cx, "spike_conv2d_gather_f32");
    /* one scratch region per weight array: NAME_step's copy of the layer shares NAME_infer's */
    int64_t list_bytes = spike_gather_list_bytes_for(n, ct);
    const char *ev = cx_lut_table(cx, cx_str(cx, "%s_ev", wname), (list_bytes + 3) / 4, NULL);
    cx_printf(cx,
              "    /* event lists: per input pixel and tile of %lld channels, %lld bytes of the state */\n"
              "    spike_conv2d_gather_f32(%s, %s, %s, %s, %s, (unsigned short *)(void *)%s,\n"
              "        &(const struct spike_conv2d_params){\n"
              "        .conv = %s,\n"
              "        .xc = %lld, .xq = %lld, .yq = %lld, .ym = %lld, .ct = %lld, .mb = %lld});\n",
              (long long)ct, (long long)list_bytes, cx_ref(cx, x), wname, tap_map, b ? cx_ref(cx, b) : "0",
              cx_ref(cx, y), ev, nested(cx, params), (long long)(xcl ? 1 : hw), (long long)(xcl ? cs.c : 1),
              (long long)(ycl ? cs.m : 1), (long long)(ycl ? 1 : ohw), (long long)ct, (long long)mb);
    return 0;
}

int emit_spike_conv(EmitCtx *cx, const Node *n) {
    if (check_spike_input(cx, n)) return -1;
    if (strcmp(node_attr_string(n, "impl", "events"), "lut") == 0) return emit_spike_conv_lut(cx, n);
    if (strcmp(node_attr_string(n, "impl", "events"), "gather") == 0) return emit_spike_conv_gather(cx, n);
    ConvShape cs;
    const char *params = conv_params(cx, n, &cs);
    if (!params) return -1;
    const float *w = const_f32(cx, n, n->in[1], "weight");
    if (!w) return -1;
    /* wt (C, kh, kw, M/group): wt[c, ky, kx, j] = w[g * M/group + j, c % (C/group), ky, kx] */
    int64_t cg = cs.c / cs.group, mg = cs.m / cs.group, count = cs.c * cs.kh * cs.kw * mg;
    float *wt = malloc((size_t)(count ? count : 1) * sizeof *wt);
    if (!wt) die("out of memory");
    for (int64_t c = 0; c < cs.c; c++)
        for (int64_t ky = 0; ky < cs.kh; ky++)
            for (int64_t kx = 0; kx < cs.kw; kx++)
                for (int64_t j = 0; j < mg; j++)
                    wt[((c * cs.kh + ky) * cs.kw + kx) * mg + j] =
                        w[((((c / cg) * mg + j) * cg + c % cg) * cs.kh + ky) * cs.kw + kx];
    const char *wname = cx_derived_f32(cx, n, "wt", wt, count);
    free(wt);
    /* Strides of a channel and of a pixel in x and y: 1-D convolutions (rank 3) run as 2-D
     * with H = 1, so the extents come from conv_params, never from dims a rank-3 shape lacks. */
    const Value *b = n->n_in > 2 ? n->in[2] : NULL, *x = n->in[0], *y = n->out[0];
    int64_t hw = cs.h * cs.w, ohw = cs.oh * cs.ow;
    bool xcl = x->layout.channels_last, ycl = y->layout.channels_last;
    cx_kernel(cx, "spike_conv2d_f32");
    cx_printf(cx,
              "    spike_conv2d_f32(%s, %s, %s, %s, &(const struct spike_conv2d_params){\n"
              "        .conv = %s,\n"
              "        .xc = %lld, .xq = %lld, .yq = %lld, .ym = %lld});\n",
              cx_ref(cx, x), wname, b ? cx_ref(cx, b) : "0", cx_ref(cx, y), nested(cx, params), (long long)(xcl ? 1 : hw),
              (long long)(xcl ? cs.c : 1), (long long)(ycl ? cs.m : 1), (long long)(ycl ? 1 : ohw));
    return 0;
}

/*
 * The model's feature index of physical feature k of A (..., K): A's last dim
 * is either row-major or a flattened channels-last (C, H, W) block, whose
 * feature k = (y*W + x)*C + c is the model's feature (c*H + y)*W + x.
 */
static int64_t logical_feature(const Layout *l, int64_t k) {
    return l->channels_last ? (k % l->c) * l->h * l->w + k / l->c : k;
}

/* An error unless A's layout is row-major or a channels-last block of exactly K features. */
static int check_a_layout(EmitCtx *cx, const Node *n, int64_t k) {
    const Layout *l = &n->in[0]->layout;
    if (l->channels_last && l->c * l->h * l->w != k)
        return cx_error(cx, n, "A's channels-last block does not match K = %lld", (long long)k);
    return 0;
}

/* tsnc.spike_matmul: a (..., K) x b (K, N) constant; the rows of a are independent. When a's
 * features are channels-last, b's rows are permuted to that order at compile time. */
static int emit_spike_matmul(EmitCtx *cx, const Node *n) {
    const Value *a = n->in[0], *b = n->in[1], *y = n->out[0];
    if (need_f32(cx, n, a, "A") | need_f32(cx, n, b, "B")) return -1;
    const Shape *as = &a->type.shape, *bs = &b->type.shape;
    if (as->rank < 1 || bs->rank != 2 || as->dim[as->rank - 1] != bs->dim[0])
        return cx_error(cx, n, "A %s and B %s do not multiply (B must be a matrix)",
                        cx_type(cx, &a->type), cx_type(cx, &b->type));
    int64_t k = bs->dim[0], nn = bs->dim[1], m = k ? numel(a) / k : 0;
    Type want = a->type;
    if (as->rank == 1)
        want.shape.rank = 0;
    else
        want.shape.rank--;
    want.shape.dim[want.shape.rank++] = nn;
    const float *bw = const_f32(cx, n, b, "B");
    if (check_out_type(cx, n, y, &want) || !bw || check_a_layout(cx, n, k)) return -1;
    const char *bt;
    if (!a->layout.channels_last) {
        bt = cx_ref(cx, b);
    } else {
        float *t = malloc((size_t)(k * nn + 1) * sizeof *t);
        if (!t) die("out of memory");
        for (int64_t kk = 0; kk < k; kk++)
            memcpy(t + kk * nn, bw + logical_feature(&a->layout, kk) * nn, (size_t)nn * sizeof *t);
        bt = cx_derived_f32(cx, n, "bt", t, k * nn);
        free(t);
    }
    cx_kernel(cx, "spike_gemm_f32");
    cx_printf(cx,
              "    spike_gemm_f32(%s, %s, 0, %s, &(const struct spike_gemm_params){\n"
              "        .m = %lld, .k = %lld, .n = %lld, .c_stride = 0});\n",
              cx_ref(cx, a), bt, cx_ref(cx, y), (long long)m, (long long)k, (long long)nn);
    return 0;
}

int emit_spike_gemm(EmitCtx *cx, const Node *n) {
    if (check_spike_input(cx, n)) return -1;
    if (n->op == OP_SPIKE_MATMUL) return emit_spike_matmul(cx, n);
    const Value *a = n->in[0], *b = n->in[1], *c = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    if (need_f32(cx, n, a, "A") | need_f32(cx, n, b, "B") || (c && need_f32(cx, n, c, "C")))
        return -1;
    if (node_attr_int(n, "transA", 0))
        return cx_error(cx, n, "transA=1 is not supported in a spike layer");
    if (a->type.shape.rank != 2 || b->type.shape.rank != 2)
        return cx_error(cx, n, "A %s and B %s must be matrices", cx_type(cx, &a->type),
                        cx_type(cx, &b->type));
    bool tb = node_attr_int(n, "transB", 0) != 0;
    float alpha = node_attr_float(n, "alpha", 1.0f), beta = node_attr_float(n, "beta", 1.0f);
    const int64_t *bd = b->type.shape.dim;
    int64_t m = a->type.shape.dim[0], k = a->type.shape.dim[1];
    int64_t kb = tb ? bd[1] : bd[0], nn = tb ? bd[0] : bd[1];
    if (k != kb)
        return cx_error(cx, n, "A %s and B %s do not chain (transB %d)", cx_type(cx, &a->type),
                        cx_type(cx, &b->type), tb);
    Type want = {DT_F32, {.rank = 2, .dim = {m, nn}}};
    if (check_out_type(cx, n, y, &want)) return -1;
    const float *bw = const_f32(cx, n, b, "B");
    if (!bw) return -1;

    /*
     * bt (K, N) = alpha * op(B): B itself when it already is. When A is a
     * channels-last (C, H, W) block flattened, its feature k' = (y*W + x)*C + c
     * is the model's feature k = (c*H + y)*W + x: row k' of bt is row k of B.
     */
    const Layout *al = &a->layout;
    if (check_a_layout(cx, n, k)) return -1;
    bool dense = strcmp(node_attr_string(n, "impl", "events"), "dense") == 0;
    const char *bt;
    if (dense) {
        /* w (N, K): row j holds output j's weights, in A's physical feature order. */
        float *t = malloc((size_t)(k * nn + 1) * sizeof *t);
        if (!t) die("out of memory");
        for (int64_t kk = 0; kk < k; kk++) {
            int64_t src = logical_feature(al, kk);
            for (int64_t j = 0; j < nn; j++) t[j * k + kk] = alpha * (tb ? bw[j * k + src] : bw[src * nn + j]);
        }
        bt = cx_derived_f32(cx, n, "w", t, k * nn);
        free(t);
    } else if (!tb && alpha == 1.0f && !al->channels_last) {
        bt = cx_ref(cx, b);
    } else {
        float *t = malloc((size_t)(k * nn + 1) * sizeof *t);
        if (!t) die("out of memory");
        for (int64_t kk = 0; kk < k; kk++) {
            int64_t src = logical_feature(al, kk);
            for (int64_t j = 0; j < nn; j++)
                t[kk * nn + j] = alpha * (tb ? bw[j * k + src] : bw[src * nn + j]);
        }
        bt = cx_derived_f32(cx, n, "bt", t, k * nn);
        free(t);
    }

    /* the bias: one row (stride 0) or a full (M, N) matrix (stride N) */
    const char *bias = "0";
    int64_t c_stride = 0;
    if (c) {
        const Shape *cs = &c->type.shape;
        int64_t cm = cs->rank == 2 ? cs->dim[0] : 1, cn = cs->rank >= 1 ? cs->dim[cs->rank - 1] : 1;
        if (cs->rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != nn))
            return cx_error(cx, n, "C %s does not broadcast to [%lld,%lld]", cx_type(cx, &c->type),
                            (long long)m, (long long)nn);
        if (beta == 1.0f && cn == nn) {
            bias = cx_ref(cx, c);
            c_stride = cm == 1 ? 0 : nn;
        } else { /* scaled or broadcast along N: expand a constant C at compile time */
            const float *cw = const_f32(cx, n, c, "C (scaled by beta or broadcast)");
            if (!cw) return -1;
            float *t = malloc((size_t)(m * nn + 1) * sizeof *t);
            if (!t) die("out of memory");
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < nn; j++)
                    t[i * nn + j] = beta * cw[(cm == 1 ? 0 : i * cn) + (cn == 1 ? 0 : j)];
            bias = cx_derived_f32(cx, n, "c", t, m * nn);
            c_stride = nn;
            free(t);
        }
    }
    const char *kernel = dense ? "spike_gemm_dense_f32" : "spike_gemm_f32";
    cx_kernel(cx, kernel);
    cx_printf(cx,
              "    %s(%s, %s, %s, %s, &(const struct spike_gemm_params){\n"
              "        .m = %lld, .k = %lld, .n = %lld, .c_stride = %lld});\n",
              kernel, cx_ref(cx, a), bt, bias, cx_ref(cx, y), (long long)m, (long long)k, (long long)nn,
              (long long)c_stride);
    return 0;
}
