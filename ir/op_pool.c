/*
 * op_pool.c - AveragePool, MaxPool (ONNX opset 11-19 attributes:
 * kernel_shape, strides, pads, dilations, ceil_mode, auto_pad,
 * count_include_pad), GlobalAveragePool, GlobalMaxPool. Input [N, C, D1..Dn].
 *
 * AveragePool divides by the number of taps inside the input, or with
 * count_include_pad by the taps inside the padded input (taps of a ceil_mode
 * window beyond the end padding never count, as in PyTorch and
 * onnxruntime). MaxPool ignores padding. Sums are taken in double and
 * rounded once. MaxPool's optional Indices output is not supported.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "ir/op_util.h"
#include "ir/op_window.h"

static bool pool_dtype_ok(OpKind op, DType t) {
    return dtype_is_float(t) || (op == OP_MAX_POOL && (t == DT_I8 || t == DT_U8));
}

static int pool_check(const Node *n, Window *w, Diag *d) {
    const Type *x = &n->in[0]->type;
    if (!pool_dtype_ok(n->op, x->dtype)) {
        diag_error(d, n, "the input is %s; f32 or f64 is needed", dtype_name(x->dtype));
        return -1;
    }
    int nsp = x->shape.rank - 2;
    if (nsp < 1 || nsp > WINDOW_MAX_SPATIAL) {
        diag_error(d, n, "the input has rank %d; [N, C] and 1 to %d spatial dims are supported",
                   x->shape.rank, WINDOW_MAX_SPATIAL);
        return -1;
    }
    int64_t kernel[WINDOW_MAX_SPATIAL];
    if (window_kernel_attr(n, nsp, true, kernel, NULL, d)) return -1;
    int64_t ceil_mode = node_attr_int(n, "ceil_mode", 0);
    if (ceil_mode != 0 && ceil_mode != 1) {
        diag_error(d, n, "ceil_mode must be 0 or 1, not %lld", (long long)ceil_mode);
        return -1;
    }
    return window_geometry(n, &x->shape, kernel, ceil_mode != 0, w, d);
}

static int infer_pool(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    Window w;
    if (pool_check(n, &w, d)) return -1;
    Shape o = n->in[0]->type.shape;
    for (int i = 0; i < w.nsp; i++) o.dim[i + 2] = w.out[i];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

/* Pools every [N*C] plane; spatial dims padded to three leading size-1 dims. */
static int eval_pool(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    Window w;
    if (pool_check(n, &w, d)) return -1;
    bool is_max = n->op == OP_MAX_POOL;
    bool include_pad = node_attr_int(n, "count_include_pad", 0) != 0;
    int64_t I[3], K[3], O[3], S[3], DL[3], PB[3], PE[3];
    int lead = WINDOW_MAX_SPATIAL - w.nsp;
    for (int i = 0; i < 3; i++) {
        int j = i - lead;
        I[i] = j >= 0 ? w.in[j] : 1;
        K[i] = j >= 0 ? w.kernel[j] : 1;
        O[i] = j >= 0 ? w.out[j] : 1;
        S[i] = j >= 0 ? w.stride[j] : 1;
        DL[i] = j >= 0 ? w.dil[j] : 1;
        PB[i] = j >= 0 ? w.pad_begin[j] : 0;
        PE[i] = j >= 0 ? w.pad_end[j] : 0;
    }
    const Shape *xs = &in[0]->type.shape;
    int64_t planes = xs->dim[0] * xs->dim[1];
    int64_t in_sp = I[0] * I[1] * I[2], out_sp = O[0] * O[1] * O[2];
    double *x = op_to_f64(in[0]);
    Tensor *y = out[0];
    for (int64_t p = 0; p < planes; p++) {
        const double *xp = x + p * in_sp;
        for (int64_t o0 = 0; o0 < O[0]; o0++)
            for (int64_t o1 = 0; o1 < O[1]; o1++)
                for (int64_t o2 = 0; o2 < O[2]; o2++) {
                    int64_t o[3] = {o0, o1, o2};
                    double acc = is_max ? -INFINITY : 0.0;
                    int64_t count = 0;
                    bool any = false;
                    for (int64_t k0 = 0; k0 < K[0]; k0++)
                        for (int64_t k1 = 0; k1 < K[1]; k1++)
                            for (int64_t k2 = 0; k2 < K[2]; k2++) {
                                int64_t k[3] = {k0, k1, k2}, idx[3];
                                bool inside = true, in_padded = true;
                                for (int a = 0; a < 3; a++) {
                                    idx[a] = o[a] * S[a] - PB[a] + k[a] * DL[a];
                                    inside = inside && idx[a] >= 0 && idx[a] < I[a];
                                    in_padded = in_padded && idx[a] >= -PB[a] &&
                                                idx[a] < I[a] + PE[a];
                                }
                                if (inside) {
                                    double v = xp[(idx[0] * I[1] + idx[1]) * I[2] + idx[2]];
                                    if (!is_max)
                                        acc += v;
                                    else if (!any || v > acc || v != v)
                                        acc = acc != acc ? acc : v; /* NaN wins */
                                    any = true;
                                    count++;
                                } else if (in_padded && include_pad) {
                                    count++;
                                }
                            }
                    double r;
                    if (is_max)
                        /* a window entirely in the padding: the lowest finite value of the
                         * type, as the generated code's maxpool2d_f32 (-DBL_MAX does not fit f32) */
                        r = any ? acc : y->type.dtype == DT_F32 ? -FLT_MAX : -DBL_MAX;
                    else
                        r = count ? acc / (double)count : 0.0;
                    tensor_set_f64(y, p * out_sp + (o0 * O[1] + o1) * O[2] + o2, r);
                }
    }
    free(x);
    return 0;
}

const OpSema op_sema_AVERAGE_POOL = {infer_pool, eval_pool};
const OpSema op_sema_MAX_POOL = {infer_pool, eval_pool};

/* ---- GlobalAveragePool / GlobalMaxPool: [N, C, D...] -> [N, C, 1...] ---- */

static int infer_global_pool(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *x = &n->in[0]->type;
    if (!dtype_is_float(x->dtype)) {
        diag_error(d, n, "the input is %s; f32 or f64 is needed", dtype_name(x->dtype));
        return -1;
    }
    if (x->shape.rank < 3) {
        diag_error(d, n, "the input has rank %d; [N, C, D1, ...] is needed", x->shape.rank);
        return -1;
    }
    if (op_dims_product(&x->shape, 2, x->shape.rank) == 0) {
        diag_error(d, n, "the input has empty spatial dims: nothing to pool");
        return -1;
    }
    Shape o = x->shape;
    for (int k = 2; k < o.rank; k++) o.dim[k] = 1;
    return op_set_output(n, 0, x->dtype, &o, d);
}

static int eval_global_pool(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    const Shape *xs = &in[0]->type.shape;
    int64_t planes = xs->dim[0] * xs->dim[1], sp = op_dims_product(xs, 2, xs->rank);
    bool is_max = n->op == OP_GLOBAL_MAX_POOL;
    double *x = op_to_f64(in[0]);
    for (int64_t p = 0; p < planes; p++) {
        const double *xp = x + p * sp;
        double acc = is_max ? xp[0] : 0.0;
        for (int64_t i = 0; i < sp; i++) {
            if (!is_max)
                acc += xp[i];
            else if (xp[i] > acc || xp[i] != xp[i])
                acc = acc != acc ? acc : xp[i];
        }
        tensor_set_f64(out[0], p, is_max ? acc : acc / (double)sp);
    }
    free(x);
    return 0;
}

const OpSema op_sema_GLOBAL_AVERAGE_POOL = {infer_global_pool, eval_global_pool};
const OpSema op_sema_GLOBAL_MAX_POOL = {infer_global_pool, eval_global_pool};
