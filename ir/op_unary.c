/*
 * op_unary.c - elementwise ops of one tensor: Abs Neg Sign Not Relu
 * LeakyRelu Sigmoid Tanh Exp Log Sqrt Reciprocal Floor Ceil Round, and the
 * value-preserving Identity, Dropout (inference: identity), Cast and Clip.
 *
 * Numerics: f32 is computed in float with the C library's float functions
 * (one operation per element; exactly rounded for Abs Neg Sign Relu Sqrt
 * Reciprocal Floor Ceil Round LeakyRelu, libm accuracy for Exp Log Tanh
 * Sigmoid, whose onnxruntime kernels use their own approximations anyway),
 * f64 in double. Integer Abs/Neg wrap (abs(INT64_MIN) == INT64_MIN) instead
 * of invoking undefined behaviour.
 */
#include <math.h>
#include <string.h>

#include "ir/op_util.h"

/* Two's-complement wrap-around without signed overflow. */
static int64_t wrap(uint64_t u) {
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

/* One unary function at each precision; i64 NULL: float types only. */
typedef struct Unary {
    float (*f32)(float);
    double (*f64)(double);
    int64_t (*i64)(int64_t);
} Unary;

static int infer_unary(Node *n, Diag *d, const Unary *u) {
    if (op_check_node(n, d)) return -1;
    DType t = n->in[0]->type.dtype;
    if (!(dtype_is_float(t) || (u->i64 && dtype_is_int(t)))) {
        diag_error(d, n, "the input is %s; %s is needed", dtype_name(t),
                   u->i64 ? "a numeric element type" : "f32 or f64");
        return -1;
    }
    return op_set_output(n, 0, t, &n->in[0]->type.shape, d);
}

static int eval_unary(const Tensor *x, Tensor *y, const Unary *u) {
    int64_t cnt = tensor_numel(y);
    switch (x->type.dtype) {
    case DT_F32: {
        const float *px = x->data;
        float *py = y->data;
        for (int64_t i = 0; i < cnt; i++) py[i] = u->f32(px[i]);
        break;
    }
    case DT_F64: {
        const double *px = x->data;
        double *py = y->data;
        for (int64_t i = 0; i < cnt; i++) py[i] = u->f64(px[i]);
        break;
    }
    default:
        for (int64_t i = 0; i < cnt; i++) tensor_set_i64(y, i, u->i64(tensor_get_i64(x, i)));
        break;
    }
    return 0;
}

static float abs_f32(float x) { return fabsf(x); }
static double abs_f64(double x) { return fabs(x); }
static int64_t abs_i64(int64_t x) { return x < 0 ? wrap(0 - (uint64_t)x) : x; }
static float neg_f32(float x) { return -x; }
static double neg_f64(double x) { return -x; }
static int64_t neg_i64(int64_t x) { return wrap(0 - (uint64_t)x); }
/* Sign: -1, 0, 1; NaN stays NaN (onnxruntime's float kernel). */
static float sign_f32(float x) { return x > 0 ? 1.0f : x < 0 ? -1.0f : x == 0 ? 0.0f : x; }
static double sign_f64(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x; }
static int64_t sign_i64(int64_t x) { return (x > 0) - (x < 0); }
/* Relu: max(x, 0) with NaN propagated (torch.relu). */
static float relu_f32(float x) { return x < 0 ? 0.0f : x; }
static double relu_f64(double x) { return x < 0 ? 0.0 : x; }
static int64_t relu_i64(int64_t x) { return x < 0 ? 0 : x; }
static float sigmoid_f32(float x) { return 1.0f / (1.0f + expf(-x)); }
static double sigmoid_f64(double x) { return 1.0 / (1.0 + exp(-x)); }
static float tanh_f32(float x) { return tanhf(x); }
static double tanh_f64(double x) { return tanh(x); }
static float exp_f32(float x) { return expf(x); }
static double exp_f64(double x) { return exp(x); }
static float log_f32(float x) { return logf(x); }
static double log_f64(double x) { return log(x); }
static float sqrt_f32(float x) { return sqrtf(x); }
static double sqrt_f64(double x) { return sqrt(x); }
static float recip_f32(float x) { return 1.0f / x; }
static double recip_f64(double x) { return 1.0 / x; }
static float floor_f32(float x) { return floorf(x); }
static double floor_f64(double x) { return floor(x); }
static float ceil_f32(float x) { return ceilf(x); }
static double ceil_f64(double x) { return ceil(x); }
/* Round half to even (ONNX Round): nearbyint in the default rounding mode. */
static float round_f32(float x) { return nearbyintf(x); }
static double round_f64(double x) { return nearbyint(x); }

#define UNARY_OP(ID, name, i64fn)                                                          \
    static const Unary unary_##name = {name##_f32, name##_f64, i64fn};                    \
    static int infer_##name(Node *n, Diag *d) { return infer_unary(n, d, &unary_##name); } \
    static int eval_##name(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) { \
        (void)n, (void)d;                                                                  \
        return eval_unary(in[0], out[0], &unary_##name);                                   \
    }                                                                                      \
    const OpSema op_sema_##ID = {infer_##name, eval_##name};

UNARY_OP(ABS, abs, abs_i64)
UNARY_OP(NEG, neg, neg_i64)
UNARY_OP(SIGN, sign, sign_i64)
UNARY_OP(RELU, relu, relu_i64)
UNARY_OP(SIGMOID, sigmoid, NULL)
UNARY_OP(TANH, tanh, NULL)
UNARY_OP(EXP, exp, NULL)
UNARY_OP(LOG, log, NULL)
UNARY_OP(SQRT, sqrt, NULL)
UNARY_OP(RECIPROCAL, recip, NULL)
UNARY_OP(FLOOR, floor, NULL)
UNARY_OP(CEIL, ceil, NULL)
UNARY_OP(ROUND, round, NULL)

/* ---- LeakyRelu: x >= 0 ? x : alpha * x, alpha default 0.01 (ONNX spec) ---- */

static int infer_leaky_relu(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    DType t = n->in[0]->type.dtype;
    if (!dtype_is_float(t)) {
        diag_error(d, n, "the input is %s; f32 or f64 is needed", dtype_name(t));
        return -1;
    }
    return op_set_output(n, 0, t, &n->in[0]->type.shape, d);
}

static int eval_leaky_relu(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    float alpha = node_attr_float(n, "alpha", 0.01f);
    int64_t cnt = tensor_numel(out[0]);
    if (in[0]->type.dtype == DT_F32) {
        const float *px = in[0]->data;
        float *py = out[0]->data;
        for (int64_t i = 0; i < cnt; i++) py[i] = px[i] >= 0 ? px[i] : alpha * px[i];
    } else {
        const double *px = in[0]->data;
        double *py = out[0]->data;
        for (int64_t i = 0; i < cnt; i++) py[i] = px[i] >= 0 ? px[i] : (double)alpha * px[i];
    }
    return 0;
}

const OpSema op_sema_LEAKY_RELU = {infer_leaky_relu, eval_leaky_relu};

/* ---- Not ---- */

static int infer_not(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    if (n->in[0]->type.dtype != DT_BOOL) {
        diag_error(d, n, "the input is %s; Not takes bool", dtype_name(n->in[0]->type.dtype));
        return -1;
    }
    return op_set_output(n, 0, DT_BOOL, &n->in[0]->type.shape, d);
}

static int eval_not(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    const uint8_t *px = in[0]->data;
    uint8_t *py = out[0]->data;
    int64_t cnt = tensor_numel(out[0]);
    for (int64_t i = 0; i < cnt; i++) py[i] = px[i] == 0;
    return 0;
}

const OpSema op_sema_NOT = {infer_not, eval_not};

/* ---- Identity and Dropout (inference mode: the output is the input) ---- */

static int infer_identity(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    return op_set_output(n, 0, n->in[0]->type.dtype, &n->in[0]->type.shape, d);
}

static int eval_copy(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    memcpy(out[0]->data, in[0]->data, tensor_bytes(out[0]));
    return 0;
}

const OpSema op_sema_IDENTITY = {infer_identity, eval_copy};

/* tsnc.relayout is the identity of the IR's logical semantics: only codegen sees its layouts. */
const OpSema op_sema_RELAYOUT = {infer_identity, eval_copy};

/*
 * Dropout(data, ratio?, training_mode?) (ONNX opset 13): in inference
 * (training_mode absent or false) the output equals the input and ratio is
 * ignored. A true or run-time training_mode would make it random: rejected.
 */
static int infer_dropout(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    if (!dtype_is_numeric(n->in[0]->type.dtype)) {
        diag_error(d, n, "the input is %s; a numeric element type is needed",
                   dtype_name(n->in[0]->type.dtype));
        return -1;
    }
    const Value *ratio = op_in(n, 1), *mode = op_in(n, 2);
    if (ratio && (!dtype_is_float(ratio->type.dtype) || shape_numel(&ratio->type.shape) != 1)) {
        diag_error(d, n, "the ratio input must be a float scalar");
        return -1;
    }
    if (mode) {
        if (mode->type.dtype != DT_BOOL || shape_numel(&mode->type.shape) != 1) {
            diag_error(d, n, "the training_mode input must be a bool scalar");
            return -1;
        }
        if (!mode->konst) {
            diag_error(d, n, "the training_mode input is computed at run time; tsnc only "
                             "supports inference (training_mode false)");
            return -1;
        }
        if (tensor_get_i64(mode->konst, 0)) {
            diag_error(d, n, "training_mode is true; tsnc only supports inference");
            return -1;
        }
    }
    return op_set_output(n, 0, n->in[0]->type.dtype, &n->in[0]->type.shape, d);
}

const OpSema op_sema_DROPOUT = {infer_dropout, eval_copy};

/* ---- Cast (ONNX Cast: float to int truncates toward zero) ---- */

static int infer_cast(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Attr *to = node_attr(n, "to");
    if (!to || to->kind != ATTR_INT) {
        diag_error(d, n, "the 'to' attribute is missing");
        return -1;
    }
    DType t = to->i >= INT32_MIN && to->i <= INT32_MAX ? dtype_from_onnx((int32_t)to->i)
                                                        : DT_UNDEF;
    if (t == DT_UNDEF) {
        diag_error(d, n, "cast to ONNX element type %lld is not supported", (long long)to->i);
        return -1;
    }
    return op_set_output(n, 0, t, &n->in[0]->type.shape, d);
}

/*
 * Each conversion rounds once: integers go to float/double directly (not
 * through double, which would round twice for large i64), floats to
 * integers truncate and saturate where C would be undefined
 * (tensor_set_f64), anything to bool is x != 0 (NaN is true).
 */
static int eval_cast(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    const Tensor *x = in[0];
    Tensor *y = out[0];
    int64_t cnt = tensor_numel(y);
    DType ts = x->type.dtype, td = y->type.dtype;
    if (ts == td) {
        memcpy(y->data, x->data, tensor_bytes(y));
        return 0;
    }
    for (int64_t i = 0; i < cnt; i++) {
        if (dtype_is_float(ts)) {
            double v = tensor_get_f64(x, i);
            if (td == DT_F32)
                ((float *)y->data)[i] = (float)v;
            else
                tensor_set_f64(y, i, v);
        } else {
            int64_t v = tensor_get_i64(x, i);
            if (td == DT_F32)
                ((float *)y->data)[i] = (float)v;
            else if (td == DT_F64)
                ((double *)y->data)[i] = (double)v;
            else
                tensor_set_i64(y, i, v);
        }
    }
    return 0;
}

const OpSema op_sema_CAST = {infer_cast, eval_cast};

/* ---- Clip(x, min?, max?) (ONNX opset 13: min/max are optional scalar inputs) ---- */

static int infer_clip(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    DType t = n->in[0]->type.dtype;
    if (!dtype_is_numeric(t)) {
        diag_error(d, n, "the input is %s; a numeric element type is needed", dtype_name(t));
        return -1;
    }
    for (int i = 1; i < n->n_in; i++) {
        const Value *b = n->in[i];
        if (!b) continue;
        const char *what = i == 1 ? "min" : "max";
        if (b->type.dtype != t) {
            diag_error(d, n, "the %s input is %s but the data is %s", what,
                       dtype_name(b->type.dtype), dtype_name(t));
            return -1;
        }
        if (shape_numel(&b->type.shape) != 1 || b->type.shape.rank > 1) {
            diag_error(d, n, "the %s input must be a scalar", what);
            return -1;
        }
    }
    return op_set_output(n, 0, t, &n->in[0]->type.shape, d);
}

/* y = min(max(x, lo), hi) as std::min/std::max do it in onnxruntime (NaN stays NaN). */
static int eval_clip(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    const Tensor *x = in[0], *lo = n->n_in > 1 ? in[1] : NULL, *hi = n->n_in > 2 ? in[2] : NULL;
    Tensor *y = out[0];
    int64_t cnt = tensor_numel(y);
    if (dtype_is_float(x->type.dtype)) {
        double l = lo ? tensor_get_f64(lo, 0) : 0, h = hi ? tensor_get_f64(hi, 0) : 0;
        for (int64_t i = 0; i < cnt; i++) {
            double v = tensor_get_f64(x, i); /* exact for f32 and f64 */
            if (lo && v < l) v = l;
            if (hi && h < v) v = h;
            tensor_set_f64(y, i, v); /* exact: v is one of the f32/f64 operands */
        }
    } else {
        int64_t l = lo ? tensor_get_i64(lo, 0) : 0, h = hi ? tensor_get_i64(hi, 0) : 0;
        for (int64_t i = 0; i < cnt; i++) {
            int64_t v = tensor_get_i64(x, i);
            if (lo && v < l) v = l;
            if (hi && h < v) v = h;
            tensor_set_i64(y, i, v);
        }
    }
    return 0;
}

const OpSema op_sema_CLIP = {infer_clip, eval_clip};
