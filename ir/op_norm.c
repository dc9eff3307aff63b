/*
 * op_norm.c - BatchNormalization (inference form) and Softmax (ONNX
 * operator spec, opsets 13-15).
 *
 * Reference numerics: each output is computed in double from the stored
 * operands and rounded to the output dtype once.
 */
#include <math.h>
#include <stdlib.h>

#include "ir/op_util.h"

/*
 * ---- BatchNormalization(X, scale, B, mean, var) ----
 * Y = (X - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + B[c] for the
 * channel c = axis 1 of X [N, C, D1, ...]; epsilon defaults to 1e-5.
 * training_mode = 1 (batch statistics, extra outputs) is not supported.
 */
static int infer_batch_norm(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *x = &n->in[0]->type;
    if (node_attr_int(n, "training_mode", 0) != 0) {
        diag_error(d, n, "training_mode=1 is not supported; tsnc compiles inference graphs");
        return -1;
    }
    if (!dtype_is_float(x->dtype)) {
        diag_error(d, n, "X is %s; f32 or f64 is needed", dtype_name(x->dtype));
        return -1;
    }
    if (x->shape.rank < 2) {
        diag_error(d, n, "X has rank %d; [N, C, ...] is needed", x->shape.rank);
        return -1;
    }
    static const char *const what[5] = {"X", "scale", "B", "mean", "var"};
    int64_t c = x->shape.dim[1];
    for (int i = 1; i < 5; i++) {
        const Type *t = &n->in[i]->type;
        if (!dtype_is_float(t->dtype)) {
            diag_error(d, n, "%s is %s; f32 or f64 is needed", what[i], dtype_name(t->dtype));
            return -1;
        }
        if (t->shape.rank != 1 || t->shape.dim[0] != c) {
            char s[256];
            diag_error(d, n, "%s has shape %s; [%lld] (the channels of X) is needed", what[i],
                       shape_str(&t->shape, s, sizeof s), (long long)c);
            return -1;
        }
    }
    return op_set_output(n, 0, x->dtype, &x->shape, d);
}

static int eval_batch_norm(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    const Shape *xs = &in[0]->type.shape;
    double eps = node_attr_float(n, "epsilon", 1e-5f);
    int64_t c = xs->dim[1], inner = op_dims_product(xs, 2, xs->rank);
    int64_t cnt = tensor_numel(out[0]);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t ch = (i / inner) % c;
        double v = tensor_get_f64(in[0], i), scale = tensor_get_f64(in[1], ch),
               bias = tensor_get_f64(in[2], ch), mean = tensor_get_f64(in[3], ch),
               var = tensor_get_f64(in[4], ch);
        tensor_set_f64(out[0], i, (v - mean) / sqrt(var + eps) * scale + bias);
    }
    return 0;
}

const OpSema op_sema_BATCH_NORM = {infer_batch_norm, eval_batch_norm};

/*
 * ---- Softmax(input) along axis (opset 13: one axis, default -1) ----
 * y = exp(x - max) / sum(exp(x - max)) over the axis.
 */
static int infer_softmax(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *x = &n->in[0]->type;
    if (!dtype_is_float(x->dtype)) {
        diag_error(d, n, "the input is %s; f32 or f64 is needed", dtype_name(x->dtype));
        return -1;
    }
    if (x->shape.rank < 1) {
        diag_error(d, n, "the input must have rank >= 1");
        return -1;
    }
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", -1), x->shape.rank, "axis", &axis, d)) return -1;
    return op_set_output(n, 0, x->dtype, &x->shape, d);
}

static int eval_softmax(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *xs = &in[0]->type.shape;
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", -1), xs->rank, "axis", &axis, d)) return -1;
    int64_t outer = op_dims_product(xs, 0, axis), len = xs->dim[axis];
    int64_t inner = op_dims_product(xs, axis + 1, xs->rank);
    double *x = op_to_f64(in[0]);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t t = 0; t < inner; t++) {
            const double *xp = x + o * len * inner + t;
            double mx = -INFINITY, sum = 0.0;
            for (int64_t i = 0; i < len; i++)
                if (xp[i * inner] > mx) mx = xp[i * inner];
            for (int64_t i = 0; i < len; i++) sum += exp(xp[i * inner] - mx);
            for (int64_t i = 0; i < len; i++)
                tensor_set_f64(out[0], o * len * inner + t + i * inner,
                               exp(xp[i * inner] - mx) / sum);
        }
    free(x);
    return 0;
}

const OpSema op_sema_SOFTMAX = {infer_softmax, eval_softmax};
