/*
 * op_index.c - ops that select, join or pad parts of tensors: Concat,
 * Split, Slice, Gather, Pad (ONNX operator spec, opset 13).
 *
 * Inputs that determine the output shape (Split's split, Slice's
 * starts/ends/axes/steps, Pad's pads) must be compile-time constants.
 * Gather's indices may be computed at run time; an index out of range is
 * then a run-time error (and a compile-time one if they are constant).
 */
#include <stdlib.h>
#include <string.h>

#include "ir/op_util.h"

/* ---- Concat(inputs...) along axis (required attribute) ---- */

static int infer_concat(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *t0 = &n->in[0]->type;
    int rank = t0->shape.rank;
    if (!node_attr(n, "axis")) {
        diag_error(d, n, "the 'axis' attribute is missing");
        return -1;
    }
    if (rank == 0) {
        diag_error(d, n, "cannot concatenate scalars (rank 0)");
        return -1;
    }
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), rank, "axis", &axis, d)) return -1;
    Shape o = t0->shape;
    for (int i = 1; i < n->n_in; i++) {
        const Type *t = &n->in[i]->type;
        char a[256], b[256];
        if (t->dtype != t0->dtype) {
            diag_error(d, n, "input %d is %s but input 0 is %s", i, dtype_name(t->dtype),
                       dtype_name(t0->dtype));
            return -1;
        }
        bool ok = t->shape.rank == rank;
        for (int k = 0; ok && k < rank; k++) ok = k == axis || t->shape.dim[k] == o.dim[k];
        if (!ok) {
            diag_error(d, n, "input %d has shape %s, which does not match %s outside axis %d",
                       i, shape_str(&t->shape, a, sizeof a), shape_str(&t0->shape, b, sizeof b),
                       axis);
            return -1;
        }
        if (__builtin_add_overflow(o.dim[axis], t->shape.dim[axis], &o.dim[axis]) ||
            o.dim[axis] > IR_MAX_ELEMENTS) {
            diag_error(d, n, "the output would have more than %lld elements",
                       (long long)IR_MAX_ELEMENTS);
            return -1;
        }
    }
    return op_set_output(n, 0, t0->dtype, &o, d);
}

/* Each input contributes a contiguous chunk of dim_axis * inner elements per outer index. */
static int eval_concat(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *os = &out[0]->type.shape;
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), os->rank, "axis", &axis, d)) return -1;
    int64_t outer = op_dims_product(os, 0, axis), inner = op_dims_product(os, axis + 1, os->rank);
    size_t es = dtype_size(out[0]->type.dtype);
    char *dst = out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < n->n_in; i++) {
            size_t chunk = (size_t)(in[i]->type.shape.dim[axis] * inner) * es;
            memcpy(dst, (const char *)in[i]->data + (size_t)o * chunk, chunk);
            dst += chunk;
        }
    return 0;
}

const OpSema op_sema_CONCAT = {infer_concat, eval_concat};

/*
 * ---- Split(input, split?) {axis, num_outputs?} along axis into n_out parts ----
 * split absent or empty: equal parts. Without num_outputs (Split-13) the dim
 * must divide evenly. With num_outputs (Split-18, which the frontend checks
 * equals n_out) every part has ceil(dim / n_out) elements and the last one
 * the rest, which must be at least 1 (7 -> 3, 3, 1; 9 into 4 is refused, as
 * onnxruntime refuses it).
 */

/* Sizes of the n_out parts into a malloc'd array (*sizes), from the split
 * values `sp` (count cnt; cnt 0: equal parts). */
static int split_sizes(const Node *n, int64_t dim, const int64_t *sp, int cnt, int64_t **sizes,
                       Diag *d) {
    int parts = n->n_out;
    int64_t *s = malloc((size_t)parts * sizeof *s);
    if (!s) die("out of memory");
    if (cnt == 0 && node_attr(n, "num_outputs")) {
        int64_t chunk = dim / parts + (dim % parts != 0);
        int64_t last = dim - chunk * (parts - 1); /* chunk <= dim, parts <= IR_MAX_INPUTS */
        if (last < 1) {
            diag_error(d, n, "num_outputs = %d cannot split an axis of size %lld: parts of "
                       "ceil(%lld / %d) = %lld leave %lld for the last one",
                       parts, (long long)dim, (long long)dim, parts, (long long)chunk,
                       (long long)last);
            free(s);
            return -1;
        }
        for (int i = 0; i < parts; i++) s[i] = i < parts - 1 ? chunk : last;
    } else if (cnt == 0) {
        if (dim % parts != 0) {
            diag_error(d, n, "cannot split an axis of size %lld into %d equal parts",
                       (long long)dim, parts);
            free(s);
            return -1;
        }
        for (int i = 0; i < parts; i++) s[i] = dim / parts;
    } else {
        if (cnt != parts) {
            diag_error(d, n, "split has %d entries but the node has %d outputs", cnt, parts);
            free(s);
            return -1;
        }
        int64_t sum = 0;
        for (int i = 0; i < parts; i++) {
            if (sp[i] < 0 || sp[i] > dim) {
                diag_error(d, n, "split[%d] = %lld is not a size in 0..%lld", i,
                           (long long)sp[i], (long long)dim);
                free(s);
                return -1;
            }
            s[i] = sp[i];
            sum += sp[i]; /* each <= dim <= IR_MAX_ELEMENTS: no overflow before the check */
            if (sum > dim) break;
        }
        if (sum != dim) {
            diag_error(d, n, "the split sizes do not add up to the axis size %lld",
                       (long long)dim);
            free(s);
            return -1;
        }
    }
    *sizes = s;
    return 0;
}

/* Reads the split input (if present) into a malloc'd array; *cnt 0 if absent or empty. */
static int split_values(const Node *n, const Tensor *t, int64_t **vals, int *cnt, Diag *d) {
    *vals = NULL;
    *cnt = 0;
    if (!t) return 0;
    int64_t numel = tensor_numel(t);
    if (numel > n->n_out) {
        diag_error(d, n, "split has %lld entries but the node has %d outputs", (long long)numel,
                   n->n_out);
        return -1;
    }
    *vals = malloc((size_t)(numel > 0 ? numel : 1) * sizeof **vals);
    if (!*vals) die("out of memory");
    for (int64_t i = 0; i < numel; i++) (*vals)[i] = tensor_get_i64(t, i);
    *cnt = (int)numel;
    return 0;
}

static int infer_split(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *t = &n->in[0]->type;
    if (t->shape.rank == 0) {
        diag_error(d, n, "cannot split a scalar (rank 0)");
        return -1;
    }
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), t->shape.rank, "axis", &axis, d)) return -1;
    const Value *sv = op_in(n, 1);
    if (sv) {
        if (!sv->konst) {
            diag_error(d, n, "the split input is computed at run time; tsnc needs static shapes");
            return -1;
        }
        if (sv->type.dtype != DT_I64 || sv->type.shape.rank != 1) {
            diag_error(d, n, "the split input must be a 1-D i64 tensor");
            return -1;
        }
    }
    int64_t *vals, *sizes;
    int cnt;
    if (split_values(n, sv ? sv->konst : NULL, &vals, &cnt, d)) return -1;
    int rc = split_sizes(n, t->shape.dim[axis], vals, cnt, &sizes, d);
    free(vals);
    if (rc) return -1;
    for (int i = 0; i < n->n_out && rc == 0; i++) {
        Shape o = t->shape;
        o.dim[axis] = sizes[i];
        rc = op_set_output(n, i, t->dtype, &o, d);
    }
    free(sizes);
    return rc;
}

static int eval_split(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *s = &in[0]->type.shape;
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), s->rank, "axis", &axis, d)) return -1;
    int64_t *vals, *sizes;
    int cnt;
    if (split_values(n, n->n_in > 1 ? in[1] : NULL, &vals, &cnt, d)) return -1;
    int rc = split_sizes(n, s->dim[axis], vals, cnt, &sizes, d);
    free(vals);
    if (rc) return -1;
    int64_t outer = op_dims_product(s, 0, axis), inner = op_dims_product(s, axis + 1, s->rank);
    size_t es = dtype_size(in[0]->type.dtype);
    const char *src = in[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < n->n_out; i++) {
            size_t chunk = (size_t)(sizes[i] * inner) * es;
            memcpy((char *)out[i]->data + (size_t)o * chunk, src, chunk);
            src += chunk;
        }
    free(sizes);
    return 0;
}

const OpSema op_sema_SPLIT = {infer_split, eval_split};

/*
 * ---- Slice(data, starts, ends, axes?, steps?) ----
 * Per axis (ONNX Slice, opset 13): negative starts/ends count from the end;
 * then for step > 0 both are clamped to [0, dim], for step < 0 start to
 * [0, dim-1] and end to [-1, dim-1]; the length is ceil((end-start)/step)
 * or 0. INT64_MAX / INT64_MIN ends mean "to the end" through the clamping.
 */
typedef struct SlicePlan {
    int64_t start[IR_MAX_RANK]; /* first input index per data axis */
    int64_t step[IR_MAX_RANK];
    Shape out;
} SlicePlan;

/* The parameters of Slice as integer vectors; axes/steps count -1 when absent. */
typedef struct SliceArgs {
    int64_t v[4][IR_MAX_RANK]; /* starts, ends, axes, steps */
    int cnt[4];
} SliceArgs;

static const char *const slice_arg_names[4] = {"starts", "ends", "axes", "steps"};

static int slice_plan(const Node *n, const Shape *in, const SliceArgs *a, SlicePlan *p, Diag *d) {
    int cnt = a->cnt[0];
    for (int j = 1; j < 4; j++)
        if (a->cnt[j] >= 0 && a->cnt[j] != cnt) {
            diag_error(d, n, "%s has %d entries but starts has %d", slice_arg_names[j], a->cnt[j],
                       cnt);
            return -1;
        }
    int ax[IR_MAX_RANK];
    if (a->cnt[2] >= 0) {
        if (op_norm_axes(n, a->v[2], cnt, in->rank, "axes", ax, d)) return -1;
    } else {
        if (cnt > in->rank) {
            diag_error(d, n, "starts has %d entries but the data has rank %d", cnt, in->rank);
            return -1;
        }
        for (int i = 0; i < cnt; i++) ax[i] = i;
    }
    p->out = *in;
    for (int k = 0; k < in->rank; k++) {
        p->start[k] = 0;
        p->step[k] = 1;
    }
    for (int i = 0; i < cnt; i++) {
        int k = ax[i];
        int64_t dim = in->dim[k], s = a->v[0][i], e = a->v[1][i];
        int64_t step = a->cnt[3] >= 0 ? a->v[3][i] : 1;
        if (step == 0) {
            diag_error(d, n, "steps[%d] is 0", i);
            return -1;
        }
        if (s < 0) s += dim; /* dim >= 0: no overflow even for INT64_MIN */
        if (e < 0) e += dim;
        int64_t len;
        if (step > 0) {
            s = s < 0 ? 0 : s > dim ? dim : s;
            e = e < 0 ? 0 : e > dim ? dim : e;
            len = e > s ? 1 + (int64_t)((uint64_t)(e - s - 1) / (uint64_t)step) : 0;
        } else {
            s = s < 0 ? 0 : s > dim - 1 ? dim - 1 : s;
            e = e < -1 ? -1 : e > dim - 1 ? dim - 1 : e;
            len = s > e ? 1 + (int64_t)((uint64_t)(s - e - 1) / (0 - (uint64_t)step)) : 0;
        }
        p->start[k] = s;
        p->step[k] = step;
        p->out.dim[k] = len;
    }
    return 0;
}

static int infer_slice(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    SliceArgs a;
    for (int j = 0; j < 4; j++) {
        a.cnt[j] = -1;
        if (j >= 2 && !op_in(n, j + 1)) continue;
        if (op_const_ints(n, j + 1, slice_arg_names[j], true, false, a.v[j], IR_MAX_RANK,
                          &a.cnt[j], d))
            return -1;
    }
    SlicePlan p;
    if (slice_plan(n, &n->in[0]->type.shape, &a, &p, d)) return -1;
    return op_set_output(n, 0, n->in[0]->type.dtype, &p.out, d);
}

static int eval_slice(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    SliceArgs a;
    for (int j = 0; j < 4; j++) {
        const Tensor *t = j + 1 < n->n_in ? in[j + 1] : NULL;
        a.cnt[j] = -1;
        if (!t) continue;
        int64_t cnt = tensor_numel(t);
        if (cnt > IR_MAX_RANK) {
            diag_error(d, n, "%s has too many entries", slice_arg_names[j]);
            return -1;
        }
        for (int64_t i = 0; i < cnt; i++) a.v[j][i] = tensor_get_i64(t, i);
        a.cnt[j] = (int)cnt;
    }
    SlicePlan p;
    const Shape *s = &in[0]->type.shape;
    if (slice_plan(n, s, &a, &p, d)) return -1;
    int64_t st[IR_MAX_RANK], ost[IR_MAX_RANK], base = 0;
    shape_strides(s, st);
    for (int k = 0; k < s->rank; k++) {
        /* With more than one output element |step| < dim, so the product is small;
         * a huge step only occurs with length 1, where the stride is never used. */
        ost[k] = p.out.dim[k] > 1 ? st[k] * p.step[k] : 0;
        base += p.start[k] * st[k];
    }
    OpIter it;
    op_iter_init(&it, &out[0]->type.shape);
    op_iter_strided(&it, ost, base);
    size_t es = dtype_size(out[0]->type.dtype);
    int64_t cnt = tensor_numel(out[0]);
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it))
        memcpy(dst + (size_t)i * es, src + (size_t)it.off[0] * es, es);
    return 0;
}

const OpSema op_sema_SLICE = {infer_slice, eval_slice};

/*
 * ---- Gather(data, indices) along axis ----
 * out = data[:axis] ++ indices.shape ++ data[axis+1:]; an index i in
 * [-dim, dim) selects i (negative: i + dim).
 */

static int check_gather_indices(const Node *n, const Tensor *idx, int64_t dim, Diag *d) {
    int64_t cnt = tensor_numel(idx);
    for (int64_t i = 0; i < cnt; i++) {
        int64_t v = tensor_get_i64(idx, i);
        if (v < -dim || v >= dim) {
            diag_error(d, n, "index %lld is out of range for an axis of size %lld", (long long)v,
                       (long long)dim);
            return -1;
        }
    }
    return 0;
}

static int infer_gather(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *s = &n->in[0]->type.shape, *is = &n->in[1]->type.shape;
    if (!dtype_is_int(n->in[1]->type.dtype)) {
        diag_error(d, n, "the indices are %s; an integer type is needed",
                   dtype_name(n->in[1]->type.dtype));
        return -1;
    }
    if (s->rank == 0) {
        diag_error(d, n, "cannot gather from a scalar (rank 0)");
        return -1;
    }
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), s->rank, "axis", &axis, d)) return -1;
    int rank = s->rank - 1 + is->rank;
    if (rank > IR_MAX_RANK) {
        diag_error(d, n, "the output would have rank %d; at most %d is supported", rank,
                   IR_MAX_RANK);
        return -1;
    }
    if (n->in[1]->konst && check_gather_indices(n, n->in[1]->konst, s->dim[axis], d)) return -1;
    Shape o = {.rank = rank};
    int j = 0;
    for (int k = 0; k < axis; k++) o.dim[j++] = s->dim[k];
    for (int k = 0; k < is->rank; k++) o.dim[j++] = is->dim[k];
    for (int k = axis + 1; k < s->rank; k++) o.dim[j++] = s->dim[k];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

static int eval_gather(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *s = &in[0]->type.shape;
    int axis;
    if (op_norm_axis(n, node_attr_int(n, "axis", 0), s->rank, "axis", &axis, d)) return -1;
    int64_t dim = s->dim[axis];
    if (check_gather_indices(n, in[1], dim, d)) return -1;
    int64_t outer = op_dims_product(s, 0, axis), inner = op_dims_product(s, axis + 1, s->rank);
    int64_t nidx = tensor_numel(in[1]);
    size_t es = dtype_size(in[0]->type.dtype), chunk = (size_t)inner * es;
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < nidx; j++) {
            int64_t v = tensor_get_i64(in[1], j);
            if (v < 0) v += dim;
            memcpy(dst, src + (size_t)(o * dim + v) * chunk, chunk);
            dst += chunk;
        }
    return 0;
}

const OpSema op_sema_GATHER = {infer_gather, eval_gather};

/*
 * ---- Pad(data, pads, constant_value?) with mode constant|reflect|edge ----
 * pads = [x1_begin, x2_begin, ..., x1_end, x2_end, ...]; negative pads crop.
 */
typedef enum PadMode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE } PadMode;

static int pad_mode(const Node *n, PadMode *m, Diag *d) {
    const char *s = node_attr_string(n, "mode", "constant");
    if (strcmp(s, "constant") == 0)
        *m = PAD_CONSTANT;
    else if (strcmp(s, "reflect") == 0)
        *m = PAD_REFLECT;
    else if (strcmp(s, "edge") == 0)
        *m = PAD_EDGE;
    else {
        diag_error(d, n, "mode '%.64s' is not supported (constant, reflect or edge)", s);
        return -1;
    }
    return 0;
}

/*
 * Index of the reflected element (numpy.pad mode 'reflect', which the ONNX
 * examples follow): the edge is not repeated, and pads longer than dim-1
 * keep reflecting back and forth with period 2*(dim-1).
 */
static int64_t reflect_index(int64_t j, int64_t dim) {
    if (dim == 1) return 0;
    int64_t period = 2 * (dim - 1);
    j %= period;
    if (j < 0) j += period;
    return j < dim ? j : period - j;
}

static int infer_pad(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *s = &n->in[0]->type.shape;
    PadMode mode;
    if (pad_mode(n, &mode, d)) return -1;
    int64_t p[2 * IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 1, "pads", false, false, p, 2 * IR_MAX_RANK, &cnt, d)) return -1;
    if (cnt != 2 * s->rank) {
        diag_error(d, n, "pads has %d entries; the data has rank %d, so %d are needed", cnt,
                   s->rank, 2 * s->rank);
        return -1;
    }
    const Value *cv = op_in(n, 2);
    if (cv && (cv->type.dtype != n->in[0]->type.dtype || shape_numel(&cv->type.shape) != 1 ||
               cv->type.shape.rank > 1)) {
        diag_error(d, n, "the constant_value input must be a scalar of the data's type");
        return -1;
    }
    Shape o = {.rank = s->rank};
    for (int k = 0; k < s->rank; k++) {
        int64_t b = p[k], e = p[k + s->rank], dim = s->dim[k];
        if (b < -IR_MAX_ELEMENTS || b > IR_MAX_ELEMENTS || e < -IR_MAX_ELEMENTS ||
            e > IR_MAX_ELEMENTS) {
            diag_error(d, n, "pads for axis %d are out of range", k);
            return -1;
        }
        o.dim[k] = dim + b + e;
        if (o.dim[k] < 0) {
            diag_error(d, n, "the pads for axis %d remove more than its %lld elements", k,
                       (long long)dim);
            return -1;
        }
        if (dim == 0 && o.dim[k] > 0 && mode != PAD_CONSTANT) {
            diag_error(d, n, "%s padding of the empty axis %d has no values to repeat",
                       mode == PAD_EDGE ? "edge" : "reflect", k);
            return -1;
        }
    }
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

static int eval_pad(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *s = &in[0]->type.shape, *os = &out[0]->type.shape;
    PadMode mode;
    if (pad_mode(n, &mode, d)) return -1;
    int rank = s->rank;
    int64_t begin[IR_MAX_RANK], st[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    for (int k = 0; k < rank; k++) begin[k] = tensor_get_i64(in[1], k);
    shape_strides(s, st);
    size_t es = dtype_size(out[0]->type.dtype);
    const char *fill = n->n_in > 2 && in[2] ? in[2]->data : NULL;
    int64_t cnt = tensor_numel(out[0]);
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < cnt; i++) {
        int64_t off = 0;
        bool inside = true;
        for (int k = 0; k < rank; k++) {
            int64_t j = idx[k] - begin[k], dim = s->dim[k];
            if (j < 0 || j >= dim) {
                if (mode == PAD_CONSTANT) {
                    inside = false;
                    break;
                }
                if (mode == PAD_EDGE)
                    j = j < 0 ? 0 : dim - 1;
                else
                    j = reflect_index(j, dim);
            }
            off += j * st[k];
        }
        if (inside)
            memcpy(dst + (size_t)i * es, src + (size_t)off * es, es);
        else if (fill)
            memcpy(dst + (size_t)i * es, fill, es);
        else
            memset(dst + (size_t)i * es, 0, es); /* the default: 0 / false */
        for (int k = rank - 1; k >= 0; k--) {
            if (++idx[k] < os->dim[k]) break;
            idx[k] = 0;
        }
    }
    return 0;
}

const OpSema op_sema_PAD = {infer_pad, eval_pad};
