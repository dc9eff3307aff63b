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

/* "&(const struct lif_params){...}" for the firing rule of n (tsnc.fire / tsnc.lif). */
static const char *lif_params(EmitCtx *cx, const Node *n, float decay, float vth) {
    FireRule r = fire_rule_of(n);
    return cx_str(cx,
                  "&(const struct lif_params){\n"
                  "        .decay = %s, .vth = %s, .up = %s, .down = %s,\n"
                  "        .ternary = %d, .up_inclusive = %d, .down_inclusive = %d}",
                  cx_f32(cx, decay), cx_f32(cx, vth), cx_f32(cx, r.up), cx_f32(cx, r.down),
                  r.ternary, r.up_inclusive, r.down_inclusive);
}

int emit_fire(EmitCtx *cx, const Node *n) {
    const Value *v = n->in[0], *s = n->out[0];
    if (need_f32(cx, n, v, "input") || check_out_type(cx, n, s, &v->type)) return -1;
    cx_kernel(cx, "fire_f32");
    cx_printf(cx, "    fire_f32(%s, %s, %lld, %s);\n", cx_ref(cx, v), cx_ref(cx, s),
              (long long)numel(v), lif_params(cx, n, 0.0f, 1.0f));
    return 0;
}

int emit_lif(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *mp = n->n_in > 1 ? n->in[1] : NULL;
    if (need_f32(cx, n, x, "input current")) return -1;
    if (mp && !type_eq(&mp->type, &x->type))
        return cx_error(cx, n, "membrane %s and input current %s differ", cx_type(cx, &mp->type),
                        cx_type(cx, &x->type));
    if (check_out_type(cx, n, n->out[0], &x->type) || check_out_type(cx, n, n->out[1], &x->type))
        return -1;
    float vth = node_attr_float(n, "vth", 1.0f);
    if (vth == 0.0f) return cx_error(cx, n, "vth must not be 0");
    cx_kernel(cx, "lif_f32");
    cx_printf(cx, "    lif_f32(%s, %s, %s, %s, %lld, %s);\n", cx_ref(cx, x),
              mp ? cx_ref(cx, mp) : "0", cx_ref(cx, n->out[0]), cx_ref(cx, n->out[1]),
              (long long)numel(x), lif_params(cx, n, node_attr_float(n, "decay", 0.25f), vth));
    return 0;
}

int emit_spike_conv(EmitCtx *cx, const Node *n) {
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
    const Value *b = n->n_in > 2 ? n->in[2] : NULL;
    cx_kernel(cx, "spike_conv2d_f32");
    cx_printf(cx, "    spike_conv2d_f32(%s, %s, %s, %s, %s);\n", cx_ref(cx, n->in[0]), wname,
              b ? cx_ref(cx, b) : "0", cx_ref(cx, n->out[0]), params);
    return 0;
}

/* tsnc.spike_matmul: a (..., K) x b (K, N) constant; the rows of a are independent. */
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
    if (check_out_type(cx, n, y, &want) || !const_f32(cx, n, b, "B")) return -1;
    cx_kernel(cx, "spike_gemm_f32");
    cx_printf(cx, "    spike_gemm_f32(%s, %s, 0, 0, %s, %lld, %lld, %lld);\n", cx_ref(cx, a),
              cx_ref(cx, b), cx_ref(cx, y), (long long)m, (long long)k, (long long)nn);
    return 0;
}

int emit_spike_gemm(EmitCtx *cx, const Node *n) {
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

    /* bt (K, N) = alpha * op(B): B itself when it already is */
    const char *bt;
    if (!tb && alpha == 1.0f) {
        bt = cx_ref(cx, b);
    } else {
        float *t = malloc((size_t)(k * nn + 1) * sizeof *t);
        if (!t) die("out of memory");
        for (int64_t kk = 0; kk < k; kk++)
            for (int64_t j = 0; j < nn; j++)
                t[kk * nn + j] = alpha * (tb ? bw[j * k + kk] : bw[kk * nn + j]);
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
    cx_kernel(cx, "spike_gemm_f32");
    cx_printf(cx, "    spike_gemm_f32(%s, %s, %s, %lld, %s, %lld, %lld, %lld);\n", cx_ref(cx, a),
              bt, bias, (long long)c_stride, cx_ref(cx, y), (long long)m, (long long)k,
              (long long)nn);
    return 0;
}
