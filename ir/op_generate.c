/*
 * op_generate.c - ops that create a tensor from scalars and a shape:
 * ConstantOfShape and Range (ONNX operator spec, opset 13). Their shape
 * operands must be compile-time constants.
 */
#include <math.h>
#include <string.h>

#include "ir/op_util.h"

/* ---- ConstantOfShape(shape) filled with the 1-element `value` tensor (default f32 0) ---- */

/* The fill value tensor, or NULL for the default f32 0; -1 if malformed. */
static int fill_value(const Node *n, const Tensor **t, Diag *d) {
    const Attr *a = node_attr(n, "value");
    *t = NULL;
    if (!a) return 0;
    if (a->kind != ATTR_TENSOR || !a->t) {
        diag_error(d, n, "the 'value' attribute must be a tensor");
        return -1;
    }
    DType dt = a->t->type.dtype;
    if (dt <= DT_UNDEF || dt >= DT_COUNT || a->t->type.shape.rank > 1 ||
        shape_numel(&a->t->type.shape) != 1) {
        diag_error(d, n, "the 'value' attribute must hold exactly one element");
        return -1;
    }
    *t = a->t;
    return 0;
}

static int infer_constant_of_shape(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    int64_t v[IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 0, "shape", false, false, v, IR_MAX_RANK, &cnt, d)) return -1;
    for (int k = 0; k < cnt; k++)
        if (v[k] < 0) {
            diag_error(d, n, "the shape has the negative dimension %lld", (long long)v[k]);
            return -1;
        }
    const Tensor *val;
    if (fill_value(n, &val, d)) return -1;
    Shape o = shape_make(cnt, v);
    return op_set_output(n, 0, val ? val->type.dtype : DT_F32, &o, d);
}

static int eval_constant_of_shape(const Node *n, Tensor *const *in, Tensor *const *out,
                                  Diag *d) {
    (void)in;
    const Tensor *val;
    if (fill_value(n, &val, d)) return -1;
    size_t es = dtype_size(out[0]->type.dtype);
    int64_t cnt = tensor_numel(out[0]);
    char *dst = out[0]->data;
    for (int64_t i = 0; i < cnt; i++) {
        if (val)
            memcpy(dst + (size_t)i * es, val->data, es);
        else
            memset(dst + (size_t)i * es, 0, es);
    }
    return 0;
}

const OpSema op_sema_CONSTANT_OF_SHAPE = {infer_constant_of_shape, eval_constant_of_shape};

/*
 * ---- Range(start, limit, delta) ----
 * n = max(ceil((limit - start) / delta), 0) elements, output[i] = start +
 * i * delta (ONNX Range). For floats, limit - start is computed in the
 * element type and the division in double as onnxruntime does; integers
 * are counted exactly in unsigned arithmetic.
 */

static bool range_dtype_ok(DType t) {
    return t == DT_F32 || t == DT_F64 || t == DT_I16 || t == DT_I32 || t == DT_I64;
}

/* Element count of Range over the three scalar tensors (0 allowed); -1 with a message if
 * invalid. */
static int64_t range_count(const Node *n, const Tensor *ts, const Tensor *tl, const Tensor *td,
                           Diag *d) {
    double q;
    if (dtype_is_float(ts->type.dtype)) {
        double s = tensor_get_f64(ts, 0), l = tensor_get_f64(tl, 0), dl = tensor_get_f64(td, 0);
        if (dl == 0) {
            diag_error(d, n, "delta is 0");
            return -1;
        }
        double diff = ts->type.dtype == DT_F32 ? (double)((float)l - (float)s) : l - s;
        q = ceil(diff / dl);
        if (!(q == q)) {
            diag_error(d, n, "the element count is not a number");
            return -1;
        }
    } else {
        int64_t s = tensor_get_i64(ts, 0), l = tensor_get_i64(tl, 0), dl = tensor_get_i64(td, 0);
        if (dl == 0) {
            diag_error(d, n, "delta is 0");
            return -1;
        }
        uint64_t cnt = 0;
        if (dl > 0 && l > s)
            cnt = 1 + ((uint64_t)l - (uint64_t)s - 1) / (uint64_t)dl;
        else if (dl < 0 && s > l)
            cnt = 1 + ((uint64_t)s - (uint64_t)l - 1) / (0 - (uint64_t)dl);
        q = cnt > (uint64_t)IR_MAX_ELEMENTS ? (double)IR_MAX_ELEMENTS + 1 : (double)cnt;
    }
    if (q < 0) q = 0;
    if (q > (double)IR_MAX_ELEMENTS) {
        diag_error(d, n, "the output would have more than %lld elements",
                   (long long)IR_MAX_ELEMENTS);
        return -1;
    }
    return (int64_t)q;
}

static int infer_range(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    static const char *const what[3] = {"start", "limit", "delta"};
    DType t = n->in[0]->type.dtype;
    for (int i = 0; i < 3; i++) {
        const Value *v = n->in[i];
        if (v->type.dtype != t || !range_dtype_ok(t)) {
            diag_error(d, n, "start, limit and delta must have one type of f32, f64, i16, i32, "
                             "i64");
            return -1;
        }
        if (v->type.shape.rank > 1 || shape_numel(&v->type.shape) != 1) {
            diag_error(d, n, "the %s input must be a scalar", what[i]);
            return -1;
        }
        if (!v->konst) {
            diag_error(d, n, "the %s input is computed at run time; tsnc needs static shapes",
                       what[i]);
            return -1;
        }
    }
    int64_t cnt = range_count(n, n->in[0]->konst, n->in[1]->konst, n->in[2]->konst, d);
    if (cnt < 0) return -1;
    Shape o = shape_make(1, &cnt);
    return op_set_output(n, 0, t, &o, d);
}

static int eval_range(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    Tensor *y = out[0];
    int64_t cnt = tensor_numel(y);
    switch (y->type.dtype) {
    case DT_F32: {
        float s = *(const float *)in[0]->data, dl = *(const float *)in[2]->data;
        for (int64_t i = 0; i < cnt; i++) ((float *)y->data)[i] = s + (float)i * dl;
        break;
    }
    case DT_F64: {
        double s = *(const double *)in[0]->data, dl = *(const double *)in[2]->data;
        for (int64_t i = 0; i < cnt; i++) ((double *)y->data)[i] = s + (double)i * dl;
        break;
    }
    default: {
        uint64_t s = (uint64_t)tensor_get_i64(in[0], 0), dl = (uint64_t)tensor_get_i64(in[2], 0);
        for (int64_t i = 0; i < cnt; i++) {
            uint64_t v = s + (uint64_t)i * dl;
            tensor_set_i64(y, i, v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1);
        }
        break;
    }
    }
    return 0;
}

const OpSema op_sema_RANGE = {infer_range, eval_range};
