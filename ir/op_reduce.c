/*
 * op_reduce.c - ReduceMean, ReduceSum, ReduceMax over the `axes` attribute
 * (tsnc's canonical form: the frontend turns opset-13/18 axes inputs into
 * it; empty or absent = every axis) with keepdims (default 1).
 *
 * Reference numerics: float sums are accumulated in double and rounded
 * once; Mean divides the double sum by the count. Integer sums wrap modulo
 * 2^64 and integer Mean truncates (onnxruntime). Max propagates NaN.
 * Over an empty axis: Sum 0, Mean NaN (0/0; 0 for integers), Max -inf or
 * the type's lowest value (ONNX opset 18).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/op_util.h"

/* Which input axes are reduced, and the output shape. */
static int reduce_plan(const Node *n, const Shape *in, bool *reduced, Shape *out, Diag *d) {
    int cnt;
    const int64_t *axes = node_attr_ints(n, "axes", &cnt);
    for (int k = 0; k < IR_MAX_RANK; k++) reduced[k] = cnt == 0;
    if (cnt > 0) {
        int ax[IR_MAX_RANK + 1];
        if (cnt > in->rank) {
            diag_error(d, n, "axes has %d entries but the input has rank %d", cnt, in->rank);
            return -1;
        }
        if (op_norm_axes(n, axes, cnt, in->rank, "axes", ax, d)) return -1;
        for (int i = 0; i < cnt; i++) reduced[ax[i]] = true;
    }
    bool keep = node_attr_int(n, "keepdims", 1) != 0;
    out->rank = 0;
    for (int k = 0; k < in->rank; k++) {
        if (!reduced[k])
            out->dim[out->rank++] = in->dim[k];
        else if (keep)
            out->dim[out->rank++] = 1;
    }
    return 0;
}

static int infer_reduce(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *x = &n->in[0]->type;
    if (!dtype_is_numeric(x->dtype)) {
        diag_error(d, n, "the input is %s; a numeric element type is needed",
                   dtype_name(x->dtype));
        return -1;
    }
    bool reduced[IR_MAX_RANK];
    Shape o;
    if (reduce_plan(n, &x->shape, reduced, &o, d)) return -1;
    return op_set_output(n, 0, x->dtype, &o, d);
}

/* The smallest value of an integer dtype: ReduceMax of an empty set (ONNX opset 18). */
static int64_t int_lowest(DType t) {
    switch (t) {
    case DT_I8: return INT8_MIN;
    case DT_U8: return 0;
    case DT_I16: return INT16_MIN;
    case DT_I32: return INT32_MIN;
    default: return INT64_MIN;
    }
}

/*
 * Walks the input in row-major order; each element's output offset comes
 * from an operand whose strides are the output's strides on kept axes and
 * 0 on reduced ones.
 */
static int eval_reduce(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *xs = &in[0]->type.shape;
    bool reduced[IR_MAX_RANK];
    Shape o;
    if (reduce_plan(n, xs, reduced, &o, d)) return -1;
    Shape kept = *xs; /* output shape with keepdims: same rank as the input */
    for (int k = 0; k < xs->rank; k++)
        if (reduced[k]) kept.dim[k] = 1;
    int64_t st[IR_MAX_RANK];
    shape_strides(&kept, st);
    for (int k = 0; k < xs->rank; k++)
        if (reduced[k]) st[k] = 0;
    OpIter it;
    op_iter_init(&it, xs);
    op_iter_strided(&it, st, 0);
    int64_t cnt = tensor_numel(in[0]), ocnt = tensor_numel(out[0]);
    if (ocnt == 0) return 0;
    int64_t per = cnt / ocnt; /* elements folded into each output; 0 over an empty axis */
    bool is_max = n->op == OP_REDUCE_MAX, is_mean = n->op == OP_REDUCE_MEAN;
    Tensor *y = out[0];
    if (dtype_is_float(in[0]->type.dtype)) {
        double *acc = malloc((size_t)ocnt * sizeof *acc);
        if (!acc) die("out of memory");
        for (int64_t i = 0; i < ocnt; i++) acc[i] = is_max ? -INFINITY : 0.0;
        for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
            double v = tensor_get_f64(in[0], i), *a = &acc[it.off[0]];
            if (!is_max)
                *a += v;
            else if ((v > *a || v != v) && *a == *a)
                *a = v;
        }
        for (int64_t i = 0; i < ocnt; i++)
            tensor_set_f64(y, i, is_mean ? acc[i] / (double)per : acc[i]);
        free(acc);
    } else {
        int64_t *acc = malloc((size_t)ocnt * sizeof *acc);
        if (!acc) die("out of memory");
        for (int64_t i = 0; i < ocnt; i++) acc[i] = is_max ? int_lowest(y->type.dtype) : 0;
        for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
            int64_t v = tensor_get_i64(in[0], i), *a = &acc[it.off[0]];
            if (!is_max) {
                uint64_t s = (uint64_t)*a + (uint64_t)v;
                *a = s <= INT64_MAX ? (int64_t)s : -(int64_t)(~s) - 1;
            } else if (v > *a) {
                *a = v;
            }
        }
        for (int64_t i = 0; i < ocnt; i++)
            tensor_set_i64(y, i, is_mean ? (per ? acc[i] / per : 0) : acc[i]);
        free(acc);
    }
    return 0;
}

const OpSema op_sema_REDUCE_MEAN = {infer_reduce, eval_reduce};
const OpSema op_sema_REDUCE_SUM = {infer_reduce, eval_reduce};
const OpSema op_sema_REDUCE_MAX = {infer_reduce, eval_reduce};
