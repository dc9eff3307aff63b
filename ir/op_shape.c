/*
 * op_shape.c - ops that reshape or rearrange one tensor: Shape, Size,
 * Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile (ONNX
 * operator spec, opset 13; Shape with the start/end of opset 15).
 *
 * Inputs that determine the output shape (Reshape's shape, Squeeze and
 * Unsqueeze axes, Expand's shape, Tile's repeats) must be compile-time
 * constants: tsnc only handles static shapes.
 */
#include <string.h>

#include "ir/op_util.h"

/* ---- Shape(data) with start/end (opset 15): dims [start, end) as i64 ---- */

/* Clamped [start, end) of the Shape op for an input of the given rank. */
static void shape_range(const Node *n, int rank, int *start, int *end) {
    int64_t s = node_attr_int(n, "start", 0), e = node_attr_int(n, "end", rank);
    if (s < 0) s += rank;
    if (e < 0) e += rank;
    s = s < 0 ? 0 : s > rank ? rank : s;
    e = e < 0 ? 0 : e > rank ? rank : e;
    *start = (int)s;
    *end = (int)(e > s ? e : s);
}

static int infer_shape(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    int s, e;
    shape_range(n, n->in[0]->type.shape.rank, &s, &e);
    int64_t len = e - s;
    Shape o = shape_make(1, &len);
    return op_set_output(n, 0, DT_I64, &o, d);
}

/* Reads only in[0]'s type: infer-shapes evaluates Shape and Size on a data-less input. */
static int eval_shape(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    int s, e;
    shape_range(n, in[0]->type.shape.rank, &s, &e);
    int64_t *py = out[0]->data;
    for (int k = s; k < e; k++) py[k - s] = in[0]->type.shape.dim[k];
    return 0;
}

const OpSema op_sema_SHAPE = {infer_shape, eval_shape};

/* ---- Size(data): the element count as an i64 scalar ---- */

static int infer_size(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    Shape o = {.rank = 0};
    return op_set_output(n, 0, DT_I64, &o, d);
}

static int eval_size(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    *(int64_t *)out[0]->data = tensor_numel(in[0]);
    return 0;
}

const OpSema op_sema_SIZE = {infer_size, eval_size};

/* Output equals the input bytes (Reshape, Flatten, Squeeze, Unsqueeze keep row-major order). */
static int eval_copy(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    memcpy(out[0]->data, in[0]->data, tensor_bytes(out[0]));
    return 0;
}

/* Checks that out has as many elements as in (a reshape), naming both shapes. */
static int check_same_numel(Node *n, const Shape *in, const Shape *o, Diag *d) {
    int64_t a = shape_numel(in), b = shape_numel(o);
    if (b < 0 || a != b) {
        char sa[256], sb[256];
        diag_error(d, n, "cannot reshape %s to %s: the element counts differ",
                   shape_str(in, sa, sizeof sa), shape_str(o, sb, sizeof sb));
        return -1;
    }
    return 0;
}

/*
 * ---- Reshape(data, shape) ----
 * shape: constant i64 vector; 0 copies the input dim at that position
 * (unless allowzero: then it is a zero-sized dim), one -1 is inferred from
 * the element count.
 */
static int infer_reshape(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    int64_t v[IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 1, "shape", false, false, v, IR_MAX_RANK, &cnt, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    bool allowzero = node_attr_int(n, "allowzero", 0) != 0;
    Shape o = {.rank = cnt};
    int infer_at = -1;
    int64_t known = 1;
    for (int k = 0; k < cnt; k++) {
        int64_t x = v[k];
        if (x == -1) {
            if (infer_at >= 0) {
                diag_error(d, n, "the shape has more than one -1");
                return -1;
            }
            infer_at = k;
            continue;
        }
        if (x < -1) {
            diag_error(d, n, "the shape has the negative dimension %lld", (long long)x);
            return -1;
        }
        if (x == 0 && !allowzero) {
            if (k >= in->rank) {
                diag_error(d, n, "shape[%d] is 0 (copy the input dim) but the input has rank %d",
                           k, in->rank);
                return -1;
            }
            x = in->dim[k];
        }
        if (!checked_mul_size(known, x, &known)) {
            diag_error(d, n, "the shape has more than %lld elements", (long long)IR_MAX_ELEMENTS);
            return -1;
        }
        o.dim[k] = x;
    }
    if (infer_at >= 0) {
        int64_t total = shape_numel(in);
        if (known == 0) {
            diag_error(d, n, "the -1 in the shape cannot be inferred next to a 0 dimension");
            return -1;
        }
        if (total % known != 0) {
            char sa[256];
            diag_error(d, n, "cannot reshape %s (%lld elements) with a -1: %lld is not a "
                             "multiple of %lld",
                       shape_str(in, sa, sizeof sa), (long long)total, (long long)total,
                       (long long)known);
            return -1;
        }
        o.dim[infer_at] = total / known;
    }
    if (check_same_numel(n, in, &o, d)) return -1;
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

const OpSema op_sema_RESHAPE = {infer_reshape, eval_copy};

/* ---- Flatten(data) with axis in [-r, r]: [prod(d[:axis]), prod(d[axis:])] ---- */

static int infer_flatten(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    int64_t axis = node_attr_int(n, "axis", 1);
    if (axis < -(int64_t)in->rank || axis > in->rank) {
        diag_error(d, n, "axis %lld is out of range for rank %d", (long long)axis, in->rank);
        return -1;
    }
    if (axis < 0) axis += in->rank;
    int64_t dims[2] = {op_dims_product(in, 0, (int)axis), op_dims_product(in, (int)axis, in->rank)};
    Shape o = shape_make(2, dims);
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

const OpSema op_sema_FLATTEN = {infer_flatten, eval_copy};

/* ---- Squeeze(data, axes?): removes the listed 1-dims, or every 1-dim ---- */

static int infer_squeeze(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    bool drop[IR_MAX_RANK] = {false};
    int64_t v[IR_MAX_RANK];
    int cnt = 0;
    if (op_in(n, 1) &&
        op_const_ints(n, 1, "axes", false, false, v, IR_MAX_RANK, &cnt, d))
        return -1;
    if (cnt == 0) {
        for (int k = 0; k < in->rank; k++) drop[k] = in->dim[k] == 1;
    } else {
        int ax[IR_MAX_RANK];
        if (op_norm_axes(n, v, cnt, in->rank, "axes", ax, d)) return -1;
        for (int i = 0; i < cnt; i++) {
            if (in->dim[ax[i]] != 1) {
                diag_error(d, n, "cannot squeeze axis %d of size %lld", ax[i],
                           (long long)in->dim[ax[i]]);
                return -1;
            }
            drop[ax[i]] = true;
        }
    }
    Shape o = {.rank = 0};
    for (int k = 0; k < in->rank; k++)
        if (!drop[k]) o.dim[o.rank++] = in->dim[k];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

const OpSema op_sema_SQUEEZE = {infer_squeeze, eval_copy};

/* ---- Unsqueeze(data, axes): inserts 1-dims at axes of the output ---- */

static int infer_unsqueeze(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    int64_t v[IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 1, "axes", false, false, v, IR_MAX_RANK, &cnt, d)) return -1;
    int rank = in->rank + cnt;
    if (rank > IR_MAX_RANK) {
        diag_error(d, n, "the output would have rank %d; at most %d is supported", rank,
                   IR_MAX_RANK);
        return -1;
    }
    int ax[IR_MAX_RANK];
    if (op_norm_axes(n, v, cnt, rank, "axes", ax, d)) return -1;
    bool ins[IR_MAX_RANK] = {false};
    for (int i = 0; i < cnt; i++) ins[ax[i]] = true;
    Shape o = {.rank = rank};
    for (int k = 0, j = 0; k < rank; k++) o.dim[k] = ins[k] ? 1 : in->dim[j++];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

const OpSema op_sema_UNSQUEEZE = {infer_unsqueeze, eval_copy};

/* ---- Transpose(data) with perm (default: reversed dims) ---- */

/* perm of n for an input of the given rank into p; -1 if not a permutation. */
static int transpose_perm(const Node *n, int rank, int *p, Diag *d) {
    int cnt;
    const int64_t *perm = node_attr_ints(n, "perm", &cnt);
    if (!perm) {
        for (int k = 0; k < rank; k++) p[k] = rank - 1 - k;
        return 0;
    }
    if (cnt != rank) {
        diag_error(d, n, "perm has %d entries but the input has rank %d", cnt, rank);
        return -1;
    }
    bool seen[IR_MAX_RANK] = {false};
    for (int k = 0; k < rank; k++) {
        if (perm[k] < 0 || perm[k] >= rank || seen[perm[k]]) {
            diag_error(d, n, "perm is not a permutation of 0..%d", rank - 1);
            return -1;
        }
        seen[perm[k]] = true;
        p[k] = (int)perm[k];
    }
    return 0;
}

static int infer_transpose(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    int p[IR_MAX_RANK];
    if (transpose_perm(n, in->rank, p, d)) return -1;
    Shape o = {.rank = in->rank};
    for (int k = 0; k < in->rank; k++) o.dim[k] = in->dim[p[k]];
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

/* Output dim k walks input dim perm[k]: a strided copy. */
static int eval_transpose(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Shape *s = &in[0]->type.shape;
    int p[IR_MAX_RANK];
    if (transpose_perm(n, s->rank, p, d)) return -1;
    int64_t st[IR_MAX_RANK], ost[IR_MAX_RANK];
    shape_strides(s, st);
    for (int k = 0; k < s->rank; k++) ost[k] = st[p[k]];
    OpIter it;
    op_iter_init(&it, &out[0]->type.shape);
    op_iter_strided(&it, ost, 0);
    size_t es = dtype_size(out[0]->type.dtype);
    int64_t cnt = tensor_numel(out[0]);
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it))
        memcpy(dst + (size_t)i * es, src + (size_t)it.off[0] * es, es);
    return 0;
}

const OpSema op_sema_TRANSPOSE = {infer_transpose, eval_transpose};

/* ---- Expand(data, shape): bidirectional broadcast of data and shape ---- */

static int infer_expand(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    int64_t v[IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 1, "shape", false, false, v, IR_MAX_RANK, &cnt, d)) return -1;
    for (int k = 0; k < cnt; k++)
        if (v[k] < 0 || v[k] > IR_MAX_ELEMENTS) {
            diag_error(d, n, "the shape has the invalid dimension %lld", (long long)v[k]);
            return -1;
        }
    Shape target = shape_make(cnt, v), o;
    const Shape *in = &n->in[0]->type.shape;
    if (!shape_broadcast(in, &target, &o)) {
        char sa[256], sb[256];
        diag_error(d, n, "cannot expand %s to %s", shape_str(in, sa, sizeof sa),
                   shape_str(&target, sb, sizeof sb));
        return -1;
    }
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

static int eval_expand(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    op_broadcast_copy(in[0], out[0]);
    return 0;
}

const OpSema op_sema_EXPAND = {infer_expand, eval_expand};

/* ---- Tile(data, repeats): out dim k = dim k * repeats[k] ---- */

static int infer_tile(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Shape *in = &n->in[0]->type.shape;
    int64_t v[IR_MAX_RANK];
    int cnt;
    if (op_const_ints(n, 1, "repeats", false, false, v, IR_MAX_RANK, &cnt, d)) return -1;
    if (cnt != in->rank) {
        diag_error(d, n, "repeats has %d entries but the input has rank %d", cnt, in->rank);
        return -1;
    }
    Shape o = {.rank = in->rank};
    for (int k = 0; k < in->rank; k++) {
        if (v[k] < 0) {
            diag_error(d, n, "repeats has the negative value %lld", (long long)v[k]);
            return -1;
        }
        if (!checked_mul_size(in->dim[k], v[k], &o.dim[k])) {
            diag_error(d, n, "the output would have more than %lld elements",
                       (long long)IR_MAX_ELEMENTS);
            return -1;
        }
    }
    return op_set_output(n, 0, n->in[0]->type.dtype, &o, d);
}

/* Output index i reads input index i mod dim, per axis. */
static int eval_tile(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    const Shape *s = &in[0]->type.shape, *os = &out[0]->type.shape;
    int64_t st[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    shape_strides(s, st);
    size_t es = dtype_size(out[0]->type.dtype);
    int64_t cnt = tensor_numel(out[0]);
    const char *src = in[0]->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < cnt; i++) {
        int64_t off = 0;
        for (int k = 0; k < s->rank; k++) off += (idx[k] % s->dim[k]) * st[k];
        memcpy(dst + (size_t)i * es, src + (size_t)off * es, es);
        for (int k = os->rank - 1; k >= 0; k--) {
            if (++idx[k] < os->dim[k]) break;
            idx[k] = 0;
        }
    }
    return 0;
}

const OpSema op_sema_TILE = {infer_tile, eval_tile};
