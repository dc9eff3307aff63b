/*
 * emit_nn.c - emitters of the neural-network layers: Conv, Gemm, MatMul,
 * BatchNormalization, pooling, reductions, Softmax (ONNX operator spec,
 * opset 13). Attributes are checked and turned into the parameter structs
 * of runtime/generic/{conv,gemm,pool,reduce,norm}.c; the output shape each
 * emitter computes must equal the output's inferred type, so that a kernel
 * never writes past its buffer.
 */
#include <math.h>
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

/* Reads an INTS attribute of exactly `count` values in [min, max] (default dflt when absent). */
static int ints_attr(EmitCtx *cx, const Node *n, const char *name, int count, int64_t dflt,
                     int64_t min, int64_t max, int64_t *out) {
    int got;
    const int64_t *v = node_attr_ints(n, name, &got);
    for (int i = 0; i < count; i++) out[i] = dflt;
    if (!v) return 0;
    if (got != count)
        return cx_error(cx, n, "attribute %s has %d values; %d expected", name, got, count);
    for (int i = 0; i < count; i++) {
        if (v[i] < min || v[i] > max)
            return cx_error(cx, n, "attribute %s[%d] = %lld is out of range", name, i,
                            (long long)v[i]);
        out[i] = v[i];
    }
    return 0;
}

/* Spatial window geometry shared by Conv and pooling (1 or 2 spatial dims). */
typedef struct Window {
    int s; /* spatial dims */
    int64_t in[2], k[2], stride[2], dil[2], pad_b[2], pad_e[2], out[2];
} Window;

/*
 * Largest padded input extent (input plus pads, per spatial dim) the
 * generated code indexes: the runtime's window parameters are C `long`,
 * which has 32 bits on some targets (32-bit Arm, Windows). Every window
 * index the kernels compute lies in [-pad_begin, input + pad_end].
 */
#define WINDOW_MAX_EXTENT INT64_C(2147483647)

/*
 * Reads strides, dilations, pads and auto_pad (ONNX Conv / pooling spec)
 * for a window of sizes w->k over w->in, and computes w->out (floor, or
 * ceil when ceil_mode; as PyTorch, a last window starting in the end
 * padding is dropped), as ir/op_window.c does without overflow for any
 * int64 attribute. Then sets what cannot change the result to 1: the
 * stride of a dim with one output, the dilation of a kernel of size 1. The
 * padded extent must then fit WINDOW_MAX_EXTENT.
 */
static int window_attrs(EmitCtx *cx, const Node *n, Window *w, bool ceil_mode) {
    int s = w->s;
    int64_t pads[4];
    if (ints_attr(cx, n, "strides", s, 1, 1, INT64_MAX, w->stride) ||
        ints_attr(cx, n, "dilations", s, 1, 1, INT64_MAX, w->dil) ||
        ints_attr(cx, n, "pads", 2 * s, 0, 0, INT64_MAX, pads))
        return -1;
    const char *auto_pad = node_attr_string(n, "auto_pad", "NOTSET");
    bool same = !strcmp(auto_pad, "SAME_UPPER") || !strcmp(auto_pad, "SAME_LOWER");
    if (!same && strcmp(auto_pad, "NOTSET") && strcmp(auto_pad, "VALID"))
        return cx_error(cx, n,
                        "auto_pad '%.40s' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER",
                        auto_pad);
    for (int i = 0; i < s; i++) {
        if (w->k[i] < 1 || (w->k[i] > 1 && w->dil[i] > (INT64_MAX - 1) / (w->k[i] - 1)))
            return cx_error(cx, n, "window %lld with dilation %lld does not fit a 64-bit integer",
                            (long long)w->k[i], (long long)w->dil[i]);
        int64_t span = (w->k[i] - 1) * w->dil[i] + 1; /* the dilated window */
        w->pad_b[i] = pads[i];
        w->pad_e[i] = pads[i + s];
        if (!strcmp(auto_pad, "VALID")) w->pad_b[i] = w->pad_e[i] = 0;
        if (same) {
            int64_t in = w->in[i], st = w->stride[i];
            int64_t out = in > 0 ? (in - 1) / st + 1 : 0; /* ceil(in / stride) */
            int64_t total = out > 0 ? ((out - 1) * st - in) + span : span - in;
            if (total < 0) total = 0;
            w->pad_b[i] = !strcmp(auto_pad, "SAME_UPPER") ? total / 2 : total - total / 2;
            w->pad_e[i] = total - w->pad_b[i];
        }
        if (w->pad_b[i] > WINDOW_MAX_EXTENT - w->in[i] ||
            w->pad_e[i] > WINDOW_MAX_EXTENT - w->in[i] - w->pad_b[i])
            return cx_error(cx, n,
                            "the padded input (%lld with pads %lld and %lld) is larger than "
                            "%lld, the index range of the generated code (C long)",
                            (long long)w->in[i], (long long)w->pad_b[i], (long long)w->pad_e[i],
                            (long long)WINDOW_MAX_EXTENT);
        int64_t padded = w->in[i] + w->pad_b[i] + w->pad_e[i], room = padded - span;
        if (room < 0)
            return cx_error(cx, n,
                            "window %lld (dilated %lld) is larger than the padded input %lld",
                            (long long)w->k[i], (long long)span, (long long)padded);
        w->out[i] = room / w->stride[i] + 1;
        if (ceil_mode && room % w->stride[i]) {
            w->out[i]++;
            int64_t first = w->in[i] + w->pad_b[i]; /* the end padding starts here */
            if (first > 0 && w->out[i] - 1 >= (first - 1) / w->stride[i] + 1) w->out[i]--;
        }
        if (w->out[i] == 1) w->stride[i] = 1; /* one window: the stride is never used */
        if (w->k[i] == 1) w->dil[i] = 1;
    }
    return 0;
}

/* The output type of a windowed op: (N, channels, out...) as x's rank. */
static Type window_out_type(const Value *x, int64_t channels, const Window *w) {
    Type t = {DT_F32, x->type.shape};
    t.shape.dim[1] = channels;
    for (int i = 0; i < w->s; i++) t.shape.dim[2 + i] = w->out[i];
    return t;
}

const char *conv_params(EmitCtx *cx, const Node *n, ConvShape *cs) {
    const Value *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    if (need_f32(cx, n, x, "input") | need_f32(cx, n, w, "weight") ||
        (b && need_f32(cx, n, b, "bias")))
        return NULL;
    int r = x->type.shape.rank;
    if (r != 3 && r != 4) {
        cx_error(cx, n, "only 1-D and 2-D convolutions are supported (input %s)",
                 cx_type(cx, &x->type));
        return NULL;
    }
    if (w->type.shape.rank != r) {
        cx_error(cx, n, "weight %s does not match input %s", cx_type(cx, &w->type),
                 cx_type(cx, &x->type));
        return NULL;
    }
    const int64_t *xd = x->type.shape.dim, *wd = w->type.shape.dim;
    Window win = {.s = r - 2};
    for (int i = 0; i < win.s; i++) win.in[i] = xd[2 + i], win.k[i] = wd[2 + i];
    int64_t ks[2];
    if (ints_attr(cx, n, "kernel_shape", win.s, 0, 0, IR_MAX_ELEMENTS, ks)) return NULL;
    for (int i = 0; i < win.s; i++)
        if (node_attr(n, "kernel_shape") && ks[i] != win.k[i]) {
            cx_error(cx, n, "kernel_shape does not match weight %s", cx_type(cx, &w->type));
            return NULL;
        }
    int64_t group = node_attr_int(n, "group", 1), m = wd[0];
    if (group < 1 || xd[1] % group || m % group || wd[1] * group != xd[1]) {
        cx_error(cx, n, "group %lld does not fit input %s and weight %s", (long long)group,
                 cx_type(cx, &x->type), cx_type(cx, &w->type));
        return NULL;
    }
    if (b && (b->type.shape.rank != 1 || b->type.shape.dim[0] != m)) {
        cx_error(cx, n, "bias %s is not [%lld]", cx_type(cx, &b->type), (long long)m);
        return NULL;
    }
    if (window_attrs(cx, n, &win, false)) return NULL;
    Type want = window_out_type(x, m, &win);
    if (check_out_type(cx, n, y, &want)) return NULL;
    bool two = win.s == 2; /* a 1-D convolution runs as 2-D with H = 1 */
    *cs = (ConvShape){.c = xd[1],
                      .m = m,
                      .kh = two ? win.k[0] : 1,
                      .kw = win.k[win.s - 1],
                      .group = group,
                      .h = two ? win.in[0] : 1,
                      .w = win.in[win.s - 1],
                      .oh = two ? win.out[0] : 1,
                      .ow = win.out[win.s - 1]};
    return cx_str(
        cx,
        "{\n"
        "        .n = %lld, .c = %lld, .h = %lld, .w = %lld, .m = %lld, .kh = %lld, .kw = %lld,\n"
        "        .oh = %lld, .ow = %lld, .stride_h = %lld, .stride_w = %lld,\n"
        "        .pad_top = %lld, .pad_left = %lld, .dil_h = %lld, .dil_w = %lld, .group = %lld}",
        (long long)xd[0], (long long)xd[1], (long long)cs->h, (long long)cs->w, (long long)m,
        (long long)cs->kh, (long long)cs->kw, (long long)cs->oh, (long long)cs->ow,
        (long long)(two ? win.stride[0] : 1), (long long)win.stride[win.s - 1],
        (long long)(two ? win.pad_b[0] : 0), (long long)win.pad_b[win.s - 1],
        (long long)(two ? win.dil[0] : 1), (long long)win.dil[win.s - 1], (long long)group);
}

int emit_conv(EmitCtx *cx, const Node *n) {
    ConvShape cs;
    const char *params = conv_params(cx, n, &cs);
    if (!params) return -1;
    const Value *b = n->n_in > 2 ? n->in[2] : NULL;
    cx_kernel(cx, "conv2d_f32");
    cx_printf(cx, "    conv2d_f32(%s, %s, %s, %s, &(const struct conv2d_params)%s);\n", cx_ref(cx, n->in[0]),
              cx_ref(cx, n->in[1]), b ? cx_ref(cx, b) : "0", cx_ref(cx, n->out[0]), params);
    return 0;
}

int emit_gemm(EmitCtx *cx, const Node *n) {
    const Value *a = n->in[0], *b = n->in[1], *c = n->n_in > 2 ? n->in[2] : NULL, *y = n->out[0];
    if (need_f32(cx, n, a, "A") | need_f32(cx, n, b, "B") || (c && need_f32(cx, n, c, "C")))
        return -1;
    if (a->type.shape.rank != 2 || b->type.shape.rank != 2)
        return cx_error(cx, n, "A %s and B %s must be matrices", cx_type(cx, &a->type),
                        cx_type(cx, &b->type));
    int ta = node_attr_int(n, "transA", 0) != 0, tb = node_attr_int(n, "transB", 0) != 0;
    const int64_t *ad = a->type.shape.dim, *bd = b->type.shape.dim;
    int64_t m = ta ? ad[1] : ad[0], k = ta ? ad[0] : ad[1];
    int64_t kb = tb ? bd[1] : bd[0], nn = tb ? bd[0] : bd[1];
    if (k != kb)
        return cx_error(cx, n, "A %s and B %s do not chain (transA %d, transB %d)",
                        cx_type(cx, &a->type), cx_type(cx, &b->type), ta, tb);
    int64_t c_row = 0, c_col = 0;
    if (c) { /* unidirectional broadcast of C to (M, N) */
        const Shape *cs = &c->type.shape;
        int64_t cm = cs->rank == 2 ? cs->dim[0] : 1, cn = cs->rank >= 1 ? cs->dim[cs->rank - 1] : 1;
        if (cs->rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != nn))
            return cx_error(cx, n, "C %s does not broadcast to [%lld,%lld]", cx_type(cx, &c->type),
                            (long long)m, (long long)nn);
        c_row = cm == 1 ? 0 : cn;
        c_col = cn == 1 ? 0 : 1;
    }
    Type want = {DT_F32, {.rank = 2, .dim = {m, nn}}};
    if (check_out_type(cx, n, y, &want)) return -1;
    cx_kernel(cx, "gemm_f32");
    cx_printf(cx,
              "    gemm_f32(%s, %s, %s, %s, &(const struct gemm_params){\n"
              "        .m = %lld, .n = %lld, .k = %lld, .trans_a = %d, .trans_b = %d,\n"
              "        .alpha = %s, .beta = %s, .c_row = %lld, .c_col = %lld});\n",
              cx_ref(cx, a), cx_ref(cx, b), c ? cx_ref(cx, c) : "0", cx_ref(cx, y), (long long)m,
              (long long)nn, (long long)k, ta, tb, cx_f32(cx, node_attr_float(n, "alpha", 1.0f)),
              cx_f32(cx, node_attr_float(n, "beta", 1.0f)), (long long)c_row, (long long)c_col);
    return 0;
}

int emit_matmul(EmitCtx *cx, const Node *n) {
    const Value *a = n->in[0], *b = n->in[1], *y = n->out[0];
    if (need_f32(cx, n, a, "A") | need_f32(cx, n, b, "B")) return -1;
    const Shape *as = &a->type.shape, *bs = &b->type.shape;
    if (as->rank < 1 || bs->rank < 1) return cx_error(cx, n, "MatMul of a scalar is not defined");
    /* numpy matmul: a 1-D A is a row [1,K], a 1-D B a column [K,1], dropped from the output */
    Shape ba = {.rank = as->rank > 2 ? as->rank - 2 : 0},
          bb = {.rank = bs->rank > 2 ? bs->rank - 2 : 0};
    memcpy(ba.dim, as->dim, (size_t)ba.rank * sizeof *ba.dim);
    memcpy(bb.dim, bs->dim, (size_t)bb.rank * sizeof *bb.dim);
    int64_t m = as->rank == 1 ? 1 : as->dim[as->rank - 2], k = as->dim[as->rank - 1];
    int64_t kb = bs->rank == 1 ? bs->dim[0] : bs->dim[bs->rank - 2];
    int64_t nn = bs->rank == 1 ? 1 : bs->dim[bs->rank - 1];
    Shape batch;
    if (k != kb || !shape_broadcast(&ba, &bb, &batch))
        return cx_error(cx, n, "A %s and B %s do not multiply", cx_type(cx, &a->type),
                        cx_type(cx, &b->type));
    Type want = {DT_F32, batch};
    if (as->rank > 1) want.shape.dim[want.shape.rank++] = m;
    if (bs->rank > 1) want.shape.dim[want.shape.rank++] = nn;
    if (want.shape.rank > IR_MAX_RANK || check_out_type(cx, n, y, &want)) return -1;
    Bcast bc;
    const Shape *in[2] = {&ba, &bb};
    bcast_collapse(&batch, 2, in, &bc);
    int64_t sa[IR_MAX_RANK], sb[IR_MAX_RANK];
    for (int i = 0; i < bc.rank; i++)
        sa[i] = bc.stride[0][i] * m * k, sb[i] = bc.stride[1][i] * k * nn;
    cx_kernel(cx, "matmul_f32");
    cx_printf(cx,
              "    matmul_f32(%s, %s, %s, &(const struct matmul_params){\n"
              "        .m = %lld, .n = %lld, .k = %lld, .batch_rank = %d,\n"
              "        .batch = %s, .a_stride = %s, .b_stride = %s});\n",
              cx_ref(cx, a), cx_ref(cx, b), cx_ref(cx, y), (long long)m, (long long)nn,
              (long long)k, bc.rank, cx_init_list(cx, bc.rank, bc.dim),
              cx_init_list(cx, bc.rank, sa), cx_init_list(cx, bc.rank, sb));
    return 0;
}

int emit_batch_norm(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (need_f32(cx, n, x, "input")) return -1;
    if (node_attr_int(n, "training_mode", 0))
        return cx_error(cx, n, "training_mode BatchNormalization is not supported");
    if (x->type.shape.rank < 2)
        return cx_error(cx, n, "input %s has no channel dimension", cx_type(cx, &x->type));
    int64_t c = x->type.shape.dim[1];
    const Tensor *p[4];
    static const char *const role[4] = {"scale", "B", "mean", "var"};
    for (int i = 0; i < 4; i++) {
        const Value *v = n->in[i + 1];
        p[i] = v ? cx_konst(v) : NULL;
        if (!p[i] || p[i]->type.dtype != DT_F32 || tensor_numel(p[i]) != c)
            return cx_error(cx, n,
                            "%s must be a constant f32[%lld] (parameters computed at run "
                            "time are not supported)",
                            role[i], (long long)c);
    }
    if (check_out_type(cx, n, y, &x->type)) return -1;
    /* y = (x - mean) / sqrt(var + eps) * scale + B = x * mul + add, folded in double */
    double eps = node_attr_float(n, "epsilon", 1e-5f);
    float *mul = malloc((size_t)c * 2 * sizeof *mul + 1);
    if (!mul) die("out of memory");
    float *add = mul + c;
    for (int64_t i = 0; i < c; i++) {
        double s = tensor_get_f64(p[0], i) / sqrt(tensor_get_f64(p[3], i) + eps);
        mul[i] = (float)s;
        add[i] = (float)(tensor_get_f64(p[1], i) - tensor_get_f64(p[2], i) * s);
    }
    const char *wm = cx_derived_f32(cx, n, "mul", mul, c),
               *wa = cx_derived_f32(cx, n, "add", add, c);
    free(mul);
    cx_kernel(cx, "channel_affine_f32");
    cx_printf(cx,
              "    channel_affine_f32(%s, %s, %s, %s, &(const struct channel_affine_params){\n"
              "        .n = %lld, .c = %lld, .inner = %lld});\n",
              cx_ref(cx, x), wm, wa, cx_ref(cx, y), (long long)x->type.shape.dim[0], (long long)c,
              (long long)dims_product(&x->type.shape, 2, x->type.shape.rank));
    return 0;
}

int emit_pool(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    bool avg = n->op == OP_AVERAGE_POOL;
    if (need_f32(cx, n, x, "input")) return -1;
    int r = x->type.shape.rank;
    if (r != 3 && r != 4)
        return cx_error(cx, n, "only 1-D and 2-D pooling is supported (input %s)",
                        cx_type(cx, &x->type));
    Window w = {.s = r - 2};
    int nk;
    node_attr_ints(n, "kernel_shape", &nk);
    if (nk != w.s) return cx_error(cx, n, "kernel_shape must have %d values", w.s);
    if (ints_attr(cx, n, "kernel_shape", w.s, 1, 1, IR_MAX_ELEMENTS, w.k)) return -1;
    for (int i = 0; i < w.s; i++) w.in[i] = x->type.shape.dim[2 + i];
    if (window_attrs(cx, n, &w, node_attr_int(n, "ceil_mode", 0) != 0)) return -1;
    if (avg && (w.dil[0] != 1 || w.dil[w.s - 1] != 1))
        return cx_error(cx, n, "AveragePool with dilations is not supported");
    Type want = window_out_type(x, x->type.shape.dim[1], &w);
    if (check_out_type(cx, n, y, &want)) return -1;
    bool two = w.s == 2;
    const char *kernel = avg ? "avgpool2d_f32" : "maxpool2d_f32";
    cx_kernel(cx, kernel);
    cx_printf(cx,
              "    %s(%s, %s, &(const struct pool2d_params){\n"
              "        .n = %lld, .c = %lld, .h = %lld, .w = %lld, .oh = %lld, .ow = %lld,\n"
              "        .kh = %lld, .kw = %lld, .stride_h = %lld, .stride_w = %lld,\n"
              "        .pad_top = %lld, .pad_left = %lld, .pad_bottom = %lld, .pad_right = %lld,\n"
              "        .dil_h = %lld, .dil_w = %lld, .count_include_pad = %d});\n",
              kernel, cx_ref(cx, x), cx_ref(cx, y), (long long)x->type.shape.dim[0],
              (long long)x->type.shape.dim[1], (long long)(two ? w.in[0] : 1),
              (long long)w.in[w.s - 1], (long long)(two ? w.out[0] : 1), (long long)w.out[w.s - 1],
              (long long)(two ? w.k[0] : 1), (long long)w.k[w.s - 1],
              (long long)(two ? w.stride[0] : 1), (long long)w.stride[w.s - 1],
              (long long)(two ? w.pad_b[0] : 0), (long long)w.pad_b[w.s - 1],
              (long long)(two ? w.pad_e[0] : 0), (long long)w.pad_e[w.s - 1],
              (long long)(two ? w.dil[0] : 1), (long long)w.dil[w.s - 1],
              avg && node_attr_int(n, "count_include_pad", 0) != 0);
    return 0;
}

int emit_global_pool(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (need_f32(cx, n, x, "input")) return -1;
    const Shape *s = &x->type.shape;
    if (s->rank < 3)
        return cx_error(cx, n, "input %s has no spatial dimension", cx_type(cx, &x->type));
    int64_t inner = dims_product(s, 2, s->rank);
    if (inner == 0) return cx_error(cx, n, "pooling over an empty input %s", cx_type(cx, &x->type));
    Type want = x->type;
    for (int i = 2; i < s->rank; i++) want.shape.dim[i] = 1;
    if (check_out_type(cx, n, y, &want)) return -1;
    const char *kernel =
        n->op == OP_GLOBAL_AVERAGE_POOL ? "global_avgpool_f32" : "global_maxpool_f32";
    cx_kernel(cx, kernel);
    cx_printf(cx, "    %s(%s, %s, &(const struct global_pool_params){.nc = %lld, .inner = %lld});\n", kernel,
              cx_ref(cx, x), cx_ref(cx, y), (long long)(s->dim[0] * s->dim[1]), (long long)inner);
    return 0;
}

int emit_reduce(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (need_f32(cx, n, x, "input")) return -1;
    const Shape *s = &x->type.shape;
    int na;
    const int64_t *axes = node_attr_ints(n, "axes", &na);
    bool reduced[IR_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int a = norm_axis(axes[i], s->rank);
        if (a < 0 || reduced[a])
            return cx_error(cx, n, "axis %lld is out of range or repeated for input %s",
                            (long long)axes[i], cx_type(cx, &x->type));
        reduced[a] = true;
    }
    if (!na) /* no axes: reduce over all of them */
        for (int i = 0; i < s->rank; i++) reduced[i] = true;
    bool keep = node_attr_int(n, "keepdims", 1) != 0;
    Type want = {DT_F32, {.rank = 0}};
    for (int i = 0; i < s->rank; i++)
        if (!reduced[i] || keep) want.shape.dim[want.shape.rank++] = reduced[i] ? 1 : s->dim[i];
    if (check_out_type(cx, n, y, &want)) return -1;
    /* x's dims with y's strides over them: 0 along a reduced dim */
    Strided st = {.rank = s->rank > 0 ? s->rank : 1, .dim = {1}, .stride = {0}};
    int64_t acc = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        st.dim[i] = s->dim[i];
        st.stride[i] = reduced[i] ? 0 : acc;
        if (!reduced[i]) acc *= s->dim[i];
    }
    strided_collapse(&st);
    const char *code = n->op == OP_REDUCE_MEAN  ? "TSNC_REDUCE_MEAN"
                       : n->op == OP_REDUCE_SUM ? "TSNC_REDUCE_SUM"
                                                : "TSNC_REDUCE_MAX";
    cx_kernel(cx, "reduce_f32");
    cx_printf(cx,
              "    reduce_f32(%s, %s, &(const struct reduce_params){\n"
              "        .op = %s, .rank = %d, .d = %s, .ys = %s, .ny = %lld});\n",
              cx_ref(cx, x), cx_ref(cx, y), code, st.rank, cx_init_list(cx, st.rank, st.dim),
              cx_init_list(cx, st.rank, st.stride), (long long)numel(y));
    return 0;
}

int emit_softmax(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (need_f32(cx, n, x, "input")) return -1;
    const Shape *s = &x->type.shape;
    bool v13 = cx_graph(cx)->opset == 0 || cx_graph(cx)->opset >= 13;
    int axis = norm_axis(node_attr_int(n, "axis", v13 ? -1 : 1), s->rank);
    if (axis < 0)
        return cx_error(cx, n, "axis is out of range for input %s", cx_type(cx, &x->type));
    if (check_out_type(cx, n, y, &x->type)) return -1;
    /* opset 13: over one axis; before, over all dims from the axis on (a 2-D coercion) */
    int64_t len = v13 ? s->dim[axis] : dims_product(s, axis, s->rank);
    int64_t inner = v13 ? dims_product(s, axis + 1, s->rank) : 1;
    cx_kernel(cx, "softmax_f32");
    cx_printf(cx, "    softmax_f32(%s, %s, &(const struct softmax_params){.outer = %lld, .n = %lld, .inner = %lld});\n",
              cx_ref(cx, x), cx_ref(cx, y), (long long)dims_product(s, 0, axis), (long long)len, (long long)inner);
    return 0;
}
