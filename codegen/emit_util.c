/*
 * emit_util.c - shape helpers shared by the op emitters: broadcast and
 * strided-read descriptions collapsed to few dimensions, type checks,
 * constant operands.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ops.h"

bool bcast_collapse(const Shape *out, int k, const Shape *const *in, Bcast *b) {
    int r = out->rank;
    int64_t st[3][IR_MAX_RANK];
    for (int o = 0; o < k; o++) {
        const Shape *s = in[o];
        if (s->rank > r) return false;
        int64_t acc = 1;
        for (int d = r - 1; d >= 0; d--) {
            int sd = d - (r - s->rank);
            int64_t dim = sd >= 0 ? s->dim[sd] : 1;
            if (dim != out->dim[d] && dim != 1) return false;
            st[o][d] = dim == 1 ? 0 : acc;
            acc *= dim;
        }
    }
    memset(b, 0, sizeof *b);
    for (int d = 0; d < r; d++) {
        if (out->dim[d] == 1) continue;
        int p = b->rank - 1;
        bool merge = p >= 0;
        for (int o = 0; o < k && merge; o++) merge = b->stride[o][p] == st[o][d] * out->dim[d];
        if (merge) {
            b->dim[p] *= out->dim[d];
            for (int o = 0; o < k; o++) b->stride[o][p] = st[o][d];
        } else {
            b->dim[b->rank] = out->dim[d];
            for (int o = 0; o < k; o++) b->stride[o][b->rank] = st[o][d];
            b->rank++;
        }
    }
    if (b->rank == 0) b->rank = 1, b->dim[0] = 1;
    return true;
}

void strided_collapse(Strided *s) {
    Strided c = {0};
    for (int d = 0; d < s->rank; d++) {
        if (s->dim[d] == 1) continue;
        int p = c.rank - 1;
        if (p >= 0 && c.stride[p] == s->stride[d] * s->dim[d]) {
            c.dim[p] *= s->dim[d];
            c.stride[p] = s->stride[d];
        } else {
            c.dim[c.rank] = s->dim[d];
            c.stride[c.rank++] = s->stride[d];
        }
    }
    if (c.rank == 0) c.rank = 1, c.dim[0] = 1, c.stride[0] = 1;
    *s = c;
}

void emit_strided_copy(EmitCtx *cx, const Strided *s, const char *x, const char *y, DType dt) {
    cx_kernel(cx, "strided_copy");
    cx_printf(cx,
              "    strided_copy(%s, %s, &(const struct strided_copy_params){\n"
              "        .rank = %d, .d = %s, .xs = %s, .elem = %zu});\n",
              x, y, s->rank, cx_longs(cx, s->rank, s->dim), cx_longs(cx, s->rank, s->stride), dtype_size(dt));
}

const char *cx_type(EmitCtx *cx, const Type *t) {
    char buf[256];
    return cx_str(cx, "%s", type_str(t, buf, sizeof buf));
}

int check_out_type(EmitCtx *cx, const Node *n, const Value *v, const Type *want) {
    if (type_eq(&v->type, want)) return 0;
    return cx_error(cx, n, "output type %s does not match the %s computed from the operands",
                    cx_type(cx, &v->type), cx_type(cx, want));
}

int64_t *const_ints(const Value *v, int64_t *count) {
    const Tensor *t = v ? cx_konst(v) : NULL;
    if (!t || (t->type.dtype != DT_I64 && t->type.dtype != DT_I32)) return NULL;
    int64_t n = tensor_numel(t);
    int64_t *out = malloc((size_t)(n ? n : 1) * sizeof *out);
    if (!out) die("out of memory");
    for (int64_t i = 0; i < n; i++) out[i] = tensor_get_i64(t, i);
    *count = n;
    return out;
}

int norm_axis(int64_t axis, int rank) {
    if (axis < -rank || axis >= rank) return -1;
    return (int)(axis < 0 ? axis + rank : axis);
}

int64_t numel(const Value *v) {
    return shape_numel(&v->type.shape);
}

int64_t dims_product(const Shape *s, int from, int to) {
    int64_t p = 1;
    for (int i = from; i < to; i++) p *= s->dim[i];
    return p;
}

const char *op_name(const Node *n) {
    return op_info(n->op)->name;
}
