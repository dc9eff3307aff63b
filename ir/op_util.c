/*
 * op_util.c - operand checks, axis handling, constant inputs and strided
 * iteration shared by the op semantics (see op_util.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ir/op_util.h"

bool dtype_is_int(DType t) {
    return t == DT_I8 || t == DT_U8 || t == DT_I16 || t == DT_I32 || t == DT_I64;
}

bool dtype_is_numeric(DType t) {
    return dtype_is_float(t) || dtype_is_int(t);
}

const char *op_type_str(const Type *t, char *buf) {
    char sh[200];
    snprintf(buf, 256, "%s%s", dtype_name(t->dtype), shape_str(&t->shape, sh, sizeof sh));
    return buf;
}

bool op_shape_ok(const Shape *s) {
    if (s->rank < 0 || s->rank > IR_MAX_RANK) return false;
    int64_t p = 1;
    for (int k = 0; k < s->rank; k++) {
        if (s->dim[k] < 0) return false;
        if (s->dim[k] > 0 && !checked_mul_size(p, s->dim[k], &p)) return false;
    }
    return true;
}

/* Explains why op_shape_ok rejected s, for "<what> has ..." messages. */
static void shape_error(const Node *n, const char *what, const Shape *s, Diag *d) {
    if (s->rank < 0)
        diag_error(d, n, "%s has an unknown type", what);
    else if (s->rank > IR_MAX_RANK)
        diag_error(d, n, "%s has rank %d; at most %d is supported", what, s->rank, IR_MAX_RANK);
    else {
        for (int k = 0; k < s->rank; k++)
            if (s->dim[k] < 0) {
                diag_error(d, n, "%s has a negative dimension", what);
                return;
            }
        diag_error(d, n, "%s has more than %lld elements", what, (long long)IR_MAX_ELEMENTS);
    }
}

int op_check_node(const Node *n, Diag *d) {
    const OpInfo *oi = op_info(n->op);
    if (n->n_in < oi->min_in || (oi->max_in >= 0 && n->n_in > oi->max_in)) {
        diag_error(d, n, "has %d inputs; %s takes %d to %d", n->n_in, oi->name, oi->min_in,
                   oi->max_in);
        return -1;
    }
    if ((oi->n_out >= 0 && n->n_out != oi->n_out) || n->n_out < 1) {
        diag_error(d, n, "has %d outputs; %s has %d", n->n_out, oi->name,
                   oi->n_out >= 0 ? oi->n_out : 1);
        return -1;
    }
    for (int i = 0; i < n->n_out; i++)
        if (!n->out[i]) {
            diag_error(d, n, "output %d is missing", i);
            return -1;
        }
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (!v) {
            if (i < oi->min_in || oi->max_in < 0) { /* variadic inputs are all required */
                diag_error(d, n, "required input %d is missing", i);
                return -1;
            }
            continue;
        }
        if (!op_shape_ok(&v->type.shape)) {
            char what[32];
            snprintf(what, sizeof what, "input %d", i);
            shape_error(n, what, &v->type.shape, d);
            return -1;
        }
        if (v->type.dtype <= DT_UNDEF || v->type.dtype >= DT_COUNT) {
            diag_error(d, n, "input %d has an unknown element type", i);
            return -1;
        }
    }
    return 0;
}

int op_set_output(Node *n, int i, DType dt, const Shape *s, Diag *d) {
    if (!op_shape_ok(s)) {
        shape_error(n, "the output", s, d);
        return -1;
    }
    n->out[i]->type.dtype = dt;
    n->out[i]->type.shape = *s;
    return 0;
}

int op_norm_axis(const Node *n, int64_t axis, int rank, const char *what, int *out, Diag *d) {
    if (axis < -(int64_t)rank || axis >= rank) {
        diag_error(d, n, "%s %lld is out of range for rank %d", what, (long long)axis,
                   rank);
        return -1;
    }
    *out = (int)(axis < 0 ? axis + rank : axis);
    return 0;
}

int op_norm_axes(const Node *n, const int64_t *axes, int count, int rank, const char *what,
                 int *out, Diag *d) {
    bool seen[IR_MAX_RANK + 1] = {false};
    if (rank > IR_MAX_RANK + 1 || count > IR_MAX_RANK + 1) {
        diag_error(d, n, "too many %s", what);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        if (op_norm_axis(n, axes[i], rank, what, &out[i], d)) return -1;
        if (seen[out[i]]) {
            diag_error(d, n, "%s has axis %lld more than once", what, (long long)axes[i]);
            return -1;
        }
        seen[out[i]] = true;
    }
    return 0;
}

int op_const_ints(const Node *n, int i, const char *what, bool allow_i32, bool allow_scalar,
                  int64_t *vals, int max_count, int *count, Diag *d) {
    const Value *v = op_in(n, i);
    if (!v) {
        diag_error(d, n, "the %s input is missing", what);
        return -1;
    }
    if (!v->konst) {
        diag_error(d, n, "the %s input is computed at run time; tsnc needs static shapes", what);
        return -1;
    }
    const Tensor *t = v->konst;
    DType dt = t->type.dtype;
    if (!(dt == DT_I64 || (allow_i32 && dt == DT_I32))) {
        diag_error(d, n, "the %s input must be %s, not %s", what,
                   allow_i32 ? "i32 or i64" : "i64", dtype_name(dt));
        return -1;
    }
    if (!(t->type.shape.rank == 1 || (allow_scalar && t->type.shape.rank == 0))) {
        diag_error(d, n, "the %s input must be a %s, not of rank %d", what,
                   allow_scalar ? "scalar or 1-D tensor" : "1-D tensor", t->type.shape.rank);
        return -1;
    }
    int64_t numel = tensor_numel(t);
    if (numel < 0 || numel > max_count) {
        diag_error(d, n, "the %s input has %lld elements; at most %d are supported", what,
                   (long long)numel, max_count);
        return -1;
    }
    for (int64_t k = 0; k < numel; k++) vals[k] = tensor_get_i64(t, k);
    *count = (int)numel;
    return 0;
}

int64_t op_dims_product(const Shape *s, int from, int to) {
    int64_t p = 1;
    for (int k = from; k < to; k++)
        if (!checked_mul_size(p, s->dim[k], &p)) return -1;
    return p;
}

double *op_to_f64(const Tensor *t) {
    int64_t n = tensor_numel(t);
    double *r = malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    if (!r) die("out of memory converting a tensor of %lld elements", (long long)n);
    if (t->type.dtype == DT_F32) {
        const float *p = t->data;
        for (int64_t i = 0; i < n; i++) r[i] = p[i];
    } else {
        for (int64_t i = 0; i < n; i++) r[i] = tensor_get_f64(t, i);
    }
    return r;
}

void op_iter_init(OpIter *it, const Shape *out) {
    memset(it, 0, sizeof *it);
    it->rank = out->rank;
    for (int k = 0; k < out->rank; k++) it->dim[k] = out->dim[k];
}

int op_iter_strided(OpIter *it, const int64_t *stride, int64_t base) {
    if (it->n >= OP_ITER_MAX) die("op_iter: too many operands");
    int j = it->n++;
    for (int k = 0; k < it->rank; k++) it->stride[j][k] = stride[k];
    it->off[j] = base;
    return j;
}

int op_iter_bcast(OpIter *it, const Shape *in) {
    int64_t own[IR_MAX_RANK], st[IR_MAX_RANK] = {0};
    if (in->rank > it->rank) die("op_iter_bcast: operand rank above output rank");
    shape_strides(in, own);
    int lead = it->rank - in->rank;
    for (int k = 0; k < in->rank; k++)
        st[lead + k] = in->dim[k] == 1 && it->dim[lead + k] != 1 ? 0 : own[k];
    return op_iter_strided(it, st, 0);
}

void op_broadcast_copy(const Tensor *src, Tensor *dst) {
    OpIter it;
    op_iter_init(&it, &dst->type.shape);
    op_iter_bcast(&it, &src->type.shape);
    size_t es = dtype_size(dst->type.dtype);
    int64_t cnt = tensor_numel(dst);
    const char *s = src->data;
    char *o = dst->data;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it))
        memcpy(o + (size_t)i * es, s + (size_t)it.off[0] * es, es);
}
