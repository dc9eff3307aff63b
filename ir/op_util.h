/*
 * op_util.h - helpers shared by the op semantics in ir/op_*.c: checking a
 * node's operands, normalising axes, reading constant integer inputs,
 * setting checked output types, and iterating over broadcast/strided
 * tensors in the reference evaluators.
 *
 * Every check reports to the Diag with the node as location and returns -1;
 * nothing here dies on bad input.
 */
#ifndef TSNC_OP_UTIL_H
#define TSNC_OP_UTIL_H

#include "ir/ir.h"

/*
 * Checks what every op's inference needs first: the arity of ops.def
 * (n_in within [min_in, max_in], n_out as declared unless it is -1), the
 * first min_in inputs (all inputs of a variadic op) present, every present
 * input with a known, valid type (a real dtype and a shape accepted by
 * op_shape_ok). Returns 0 or -1.
 */
int op_check_node(const Node *n, Diag *d);

/*
 * True if s is a shape tsnc handles: rank 0..IR_MAX_RANK, dims >= 0, and
 * the product of the dims with zeros counted as ones at most
 * IR_MAX_ELEMENTS. Zero-sized tensors are allowed (exports build empty i64
 * vectors in Shape/Slice/Concat chains); the bound on the nonzero dims
 * keeps every partial product of dims, and so all index arithmetic, small.
 */
bool op_shape_ok(const Shape *s);

/* Input i of n, or NULL if it is omitted or beyond n_in. */
static inline const Value *op_in(const Node *n, int i) {
    return i < n->n_in ? n->in[i] : NULL;
}

/*
 * Sets the type of output i to (dt, s) after checking the result is
 * representable (op_shape_ok: rank <= IR_MAX_RANK, dims >= 0, at most
 * IR_MAX_ELEMENTS elements). Returns 0 or -1.
 */
int op_set_output(Node *n, int i, DType dt, const Shape *s, Diag *d);

/*
 * Normalises an axis of a tensor of the given rank: a negative axis counts
 * from the end (ONNX convention). Valid axes are [-rank, rank-1], or
 * [-rank-1, rank] for ops that insert a position (pass rank+1). `what`
 * names the attribute or input in the message. Returns 0 or -1.
 */
int op_norm_axis(const Node *n, int64_t axis, int rank, const char *what, int *out, Diag *d);

/*
 * Normalises a list of axes (see op_norm_axis) into out[count] and rejects
 * duplicates. count must be <= IR_MAX_RANK here; callers check that first.
 */
int op_norm_axes(const Node *n, const int64_t *axes, int count, int rank, const char *what,
                 int *out, Diag *d);

/*
 * Reads input i, which determines a shape and must therefore be a
 * compile-time constant, as a 1-D (or, if allow_scalar, 0-D) integer
 * vector. dtype must be DT_I64, or DT_I32 too if allow_i32. Up to max_count
 * values are copied to vals; *count receives the number. Errors: missing
 * input, "the <what> input is computed at run time; tsnc needs static
 * shapes", wrong dtype or rank, more than max_count elements.
 */
int op_const_ints(const Node *n, int i, const char *what, bool allow_i32, bool allow_scalar,
                  int64_t *vals, int max_count, int *count, Diag *d);

/* True for DT_I8 .. DT_I64 and DT_U8 (not bool, not float). */
bool dtype_is_int(DType t);
/* True for float and integer types (everything but bool and undef). */
bool dtype_is_numeric(DType t);

/* Type in readable form for messages: "f32[1,2,3]". buf must hold 256 bytes. */
const char *op_type_str(const Type *t, char *buf);

/* The product of dims [from, to) of s (0 if any is 0); -1 above IR_MAX_ELEMENTS,
 * which cannot happen for shapes accepted by op_shape_ok. */
int64_t op_dims_product(const Shape *s, int from, int to);

/* A malloc'd copy of t's elements as doubles (exact for every dtype but
 * large i64); dies if out of memory. Free with free(). */
double *op_to_f64(const Tensor *t);

/*
 * Copies src into dst, whose shape src broadcasts to (numpy rules), element
 * by element regardless of dtype (both must have the same dtype).
 */
void op_broadcast_copy(const Tensor *src, Tensor *dst);

/* ---- strided iteration ---- */

#define OP_ITER_MAX 4 /* operands one iterator walks */

/*
 * Walks the elements of an output shape in row-major order while keeping,
 * for each of up to OP_ITER_MAX operands, the element offset that
 * corresponds to the current output index: off[j] = base[j] + sum_k
 * idx[k] * stride[j][k]. With broadcast strides (0 on broadcast dims) this
 * is numpy broadcasting; with permuted or scaled strides it is Transpose or
 * Slice.
 */
typedef struct OpIter {
    int rank;
    int n;
    int64_t dim[IR_MAX_RANK];
    int64_t stride[OP_ITER_MAX][IR_MAX_RANK];
    int64_t idx[IR_MAX_RANK];
    int64_t off[OP_ITER_MAX];
} OpIter;

/* An iterator over `out` with no operands yet; add them with op_iter_bcast. */
void op_iter_init(OpIter *it, const Shape *out);
/*
 * Adds an operand of shape `in` that broadcasts (numpy rules, aligned on
 * the right) to the iterator's output shape; returns its operand number.
 */
int op_iter_bcast(OpIter *it, const Shape *in);
/* Adds an operand with explicit per-output-dim strides and base offset. */
int op_iter_strided(OpIter *it, const int64_t *stride, int64_t base);

/* Advances to the next output element (row-major). */
static inline void op_iter_next(OpIter *it) {
    for (int k = it->rank - 1; k >= 0; k--) {
        for (int j = 0; j < it->n; j++) it->off[j] += it->stride[j][k];
        if (++it->idx[k] < it->dim[k]) return;
        for (int j = 0; j < it->n; j++) it->off[j] -= it->stride[j][k] * it->dim[k];
        it->idx[k] = 0;
    }
}

#endif
