/*
 * op_matmul.c - Gemm and MatMul (ONNX operator spec, opset 13).
 *
 * Gemm: Y[M,N] = alpha * A' B' + beta * C, A' = transA ? A^T : A (A' is
 * [M,K]), B' likewise ([K,N]), C unidirectionally broadcast to [M,N].
 * MatMul: numpy.matmul - batch dims broadcast, a 1-D A is a row [1,K] and
 * a 1-D B a column [K,1], whose added dim is then dropped from the result.
 *
 * Reference numerics: float dot products are accumulated in double and
 * rounded to the output dtype once; integer MatMul wraps modulo 2^64.
 */
#include <stdlib.h>

#include "ir/op_util.h"

/* ---- Gemm ---- */

static int infer_gemm(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *a = &n->in[0]->type, *b = &n->in[1]->type;
    const Value *c = op_in(n, 2);
    if (!dtype_is_float(a->dtype) || b->dtype != a->dtype || (c && c->type.dtype != a->dtype)) {
        diag_error(d, n, "A, B and C must all be f32 or all f64");
        return -1;
    }
    if (a->shape.rank != 2 || b->shape.rank != 2) {
        diag_error(d, n, "A and B must be matrices; they have ranks %d and %d", a->shape.rank,
                   b->shape.rank);
        return -1;
    }
    bool ta = node_attr_int(n, "transA", 0) != 0, tb = node_attr_int(n, "transB", 0) != 0;
    int64_t m = a->shape.dim[ta ? 1 : 0], k = a->shape.dim[ta ? 0 : 1];
    int64_t kb = b->shape.dim[tb ? 1 : 0], nn = b->shape.dim[tb ? 0 : 1];
    if (k != kb) {
        char sa[256], sb[256];
        diag_error(d, n, "inner dimensions differ: A%s%s is [%lld,%lld], B%s%s is [%lld,%lld]",
                   shape_str(&a->shape, sa, sizeof sa), ta ? "^T" : "", (long long)m,
                   (long long)k, shape_str(&b->shape, sb, sizeof sb), tb ? "^T" : "",
                   (long long)kb, (long long)nn);
        return -1;
    }
    int64_t dims[2] = {m, nn};
    Shape o = shape_make(2, dims), r;
    if (c && (c->type.shape.rank > 2 || !shape_broadcast(&o, &c->type.shape, &r) ||
              !shape_eq(&r, &o))) {
        char sc[256], so[256];
        diag_error(d, n, "C of shape %s does not broadcast to the output %s",
                   shape_str(&c->type.shape, sc, sizeof sc), shape_str(&o, so, sizeof so));
        return -1;
    }
    return op_set_output(n, 0, a->dtype, &o, d);
}

static int eval_gemm(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    bool ta = node_attr_int(n, "transA", 0) != 0, tb = node_attr_int(n, "transB", 0) != 0;
    double alpha = node_attr_float(n, "alpha", 1.0f), beta = node_attr_float(n, "beta", 1.0f);
    const Shape *as = &in[0]->type.shape, *bs = &in[1]->type.shape;
    int64_t m = as->dim[ta ? 1 : 0], k = as->dim[ta ? 0 : 1], nn = bs->dim[tb ? 0 : 1];
    /* strides of A'[i][p] and B'[p][j] in the stored layouts */
    int64_t a_i = ta ? 1 : k, a_p = ta ? m : 1, b_p = tb ? 1 : nn, b_j = tb ? k : 1;
    double *a = op_to_f64(in[0]), *b = op_to_f64(in[1]);
    const Tensor *c = n->n_in > 2 ? in[2] : NULL;
    OpIter it;
    op_iter_init(&it, &out[0]->type.shape);
    if (c) op_iter_bcast(&it, &c->type.shape);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++, op_iter_next(&it)) {
            double acc = 0.0;
            for (int64_t p = 0; p < k; p++) acc += a[i * a_i + p * a_p] * b[p * b_p + j * b_j];
            double y = alpha * acc;
            /* beta == 0 ignores C entirely (onnxruntime), even infinities in it */
            if (c && beta != 0) y += beta * tensor_get_f64(c, it.off[0]);
            tensor_set_f64(out[0], i * nn + j, y);
        }
    free(a);
    free(b);
    return 0;
}

const OpSema op_sema_GEMM = {infer_gemm, eval_gemm};

/* ---- MatMul ---- */

/* MatMul's operand shapes as batch + matrix, with 1-D operands promoted. */
typedef struct MatMulDims {
    Shape abatch, bbatch, batch; /* batch dims of A, B and their broadcast */
    int64_t m, k, n;
    Shape out;
} MatMulDims;

static int matmul_dims(const Node *n, const Shape *a, const Shape *b, MatMulDims *md, Diag *d) {
    if (a->rank < 1 || b->rank < 1) {
        diag_error(d, n, "MatMul operands must have rank >= 1");
        return -1;
    }
    bool a1 = a->rank == 1, b1 = b->rank == 1;
    md->m = a1 ? 1 : a->dim[a->rank - 2];
    md->k = a->dim[a->rank - 1];
    int64_t kb = b1 ? b->dim[0] : b->dim[b->rank - 2];
    md->n = b1 ? 1 : b->dim[b->rank - 1];
    if (md->k != kb) {
        char sa[256], sb[256];
        diag_error(d, n, "inner dimensions differ: %s x %s", shape_str(a, sa, sizeof sa),
                   shape_str(b, sb, sizeof sb));
        return -1;
    }
    md->abatch = shape_make(a1 ? 0 : a->rank - 2, a->dim);
    md->bbatch = shape_make(b1 ? 0 : b->rank - 2, b->dim);
    if (!shape_broadcast(&md->abatch, &md->bbatch, &md->batch)) {
        char sa[256], sb[256];
        diag_error(d, n, "batch dimensions of %s and %s do not broadcast",
                   shape_str(a, sa, sizeof sa), shape_str(b, sb, sizeof sb));
        return -1;
    }
    md->out = md->batch;
    if (md->out.rank + 2 > IR_MAX_RANK) {
        diag_error(d, n, "the output rank exceeds %d", IR_MAX_RANK);
        return -1;
    }
    if (!a1) md->out.dim[md->out.rank++] = md->m;
    if (!b1) md->out.dim[md->out.rank++] = md->n;
    return 0;
}

static int infer_matmul(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    const Type *a = &n->in[0]->type, *b = &n->in[1]->type;
    if (!dtype_is_numeric(a->dtype) || b->dtype != a->dtype) {
        diag_error(d, n, "operands are %s and %s; one numeric element type is needed",
                   dtype_name(a->dtype), dtype_name(b->dtype));
        return -1;
    }
    MatMulDims md;
    if (matmul_dims(n, &a->shape, &b->shape, &md, d)) return -1;
    return op_set_output(n, 0, a->dtype, &md.out, d);
}

static int eval_matmul(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    MatMulDims md;
    if (matmul_dims(n, &in[0]->type.shape, &in[1]->type.shape, &md, d)) return -1;
    int64_t m = md.m, k = md.k, nn = md.n;
    int64_t batches = shape_numel(&md.batch);
    /* batch strides count whole matrices: scale the element strides of the batch shapes */
    OpIter it;
    op_iter_init(&it, &md.batch);
    op_iter_bcast(&it, &md.abatch);
    op_iter_bcast(&it, &md.bbatch);
    bool fl = dtype_is_float(in[0]->type.dtype);
    double *a = fl ? op_to_f64(in[0]) : NULL, *b = fl ? op_to_f64(in[1]) : NULL;
    Tensor *y = out[0];
    for (int64_t bi = 0; bi < batches; bi++, op_iter_next(&it)) {
        int64_t ao = it.off[0] * m * k, bo = it.off[1] * k * nn, yo = bi * m * nn;
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < nn; j++) {
                if (fl) {
                    double acc = 0.0;
                    for (int64_t p = 0; p < k; p++)
                        acc += a[ao + i * k + p] * b[bo + p * nn + j];
                    tensor_set_f64(y, yo + i * nn + j, acc);
                } else {
                    uint64_t acc = 0;
                    for (int64_t p = 0; p < k; p++)
                        acc += (uint64_t)tensor_get_i64(in[0], ao + i * k + p) *
                               (uint64_t)tensor_get_i64(in[1], bo + p * nn + j);
                    tensor_set_i64(y, yo + i * nn + j,
                                   acc <= INT64_MAX ? (int64_t)acc : -(int64_t)(~acc) - 1);
                }
            }
    }
    free(a);
    free(b);
    return 0;
}

const OpSema op_sema_MATMUL = {infer_matmul, eval_matmul};
