/*
 * op_test_util.h - building one-node graphs and running an op's infer and
 * eval for the test_op_*.c unit tests (cmocka). Every helper is static
 * inline so that each test program uses only what it needs.
 */
#ifndef TSNC_OP_TEST_UTIL_H
#define TSNC_OP_TEST_UTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ir/ir.h"

/* A tensor in g's arena of the given type whose elements are vals (converted). */
static inline Tensor *t_make(Graph *g, DType dt, int rank, const int64_t *dims,
                             const double *vals) {
    Shape s = shape_make(rank, dims);
    Tensor *t = tensor_new(g->arena, dt, &s);
    int64_t n = tensor_numel(t);
    for (int64_t i = 0; vals && i < n; i++) tensor_set_f64(t, i, vals[i]);
    return t;
}

/* An i64 tensor (exact: values are not routed through double). */
static inline Tensor *t_i64(Graph *g, int rank, const int64_t *dims, const int64_t *vals) {
    Shape s = shape_make(rank, dims);
    Tensor *t = tensor_new(g->arena, DT_I64, &s);
    int64_t n = tensor_numel(t);
    for (int64_t i = 0; i < n; i++) ((int64_t *)t->data)[i] = vals[i];
    return t;
}

/* Constant values of common kinds. */
static inline Value *c_f32(Graph *g, int rank, const int64_t *dims, const double *vals) {
    return graph_const(g, NULL, t_make(g, DT_F32, rank, dims, vals));
}
static inline Value *c_typed(Graph *g, DType dt, int rank, const int64_t *dims,
                             const double *vals) {
    return graph_const(g, NULL, t_make(g, dt, rank, dims, vals));
}
static inline Value *c_i64(Graph *g, int rank, const int64_t *dims, const int64_t *vals) {
    return graph_const(g, NULL, t_i64(g, rank, dims, vals));
}
/* A 1-D i64 constant vector of n values. */
static inline Value *c_vec(Graph *g, int n, const int64_t *vals) {
    int64_t dims[1] = {n};
    return c_i64(g, 1, dims, vals);
}
/* A graph input (no value known at compile time). */
static inline Value *v_input(Graph *g, DType dt, int rank, const int64_t *dims) {
    Type t = {.dtype = dt, .shape = shape_make(rank, dims)};
    return graph_add_input(g, "x", &t);
}

static inline Node *mk_node(Graph *g, OpKind op, int n_in, Value *const *in, int n_out) {
    return graph_add_node(g, NULL, op, "n", n_in, in, n_out);
}

/* Runs n's infer; asserts success (prints the diagnostics otherwise). */
static inline void infer_ok(Node *n) {
    Diag d = {0};
    int rc = op_info(n->op)->sema->infer(n, &d);
    if (rc != 0) diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    assert_int_equal(d.n_errors, 0);
    diag_free(&d);
}

/* Runs n's infer; asserts that it fails with a message containing `text`. */
static inline void infer_fails(Node *n, const char *text) {
    Diag d = {0};
    int rc = op_info(n->op)->sema->infer(n, &d);
    assert_int_equal(rc, -1);
    assert_true(d.n_kept >= 1);
    if (!strstr(d.msgs[0], text)) fprintf(stderr, "message: %s\nwanted: %s\n", d.msgs[0], text);
    assert_non_null(strstr(d.msgs[0], text));
    diag_free(&d);
}

/*
 * Infers n, then evaluates it on its inputs' constant values into heap
 * tensors out[] (free with tensor_free_heap). Returns eval's result; on
 * failure the first message is copied into msg (if given, 512 bytes).
 */
static inline int run_node(Node *n, Tensor **out, char *msg) {
    infer_ok(n);
    Tensor *in[16];
    assert_true(n->n_in <= 16);
    for (int i = 0; i < n->n_in; i++) {
        in[i] = n->in[i] ? n->in[i]->konst : NULL;
        if (n->in[i]) assert_non_null(in[i]);
    }
    for (int i = 0; i < n->n_out; i++)
        out[i] = tensor_new(NULL, n->out[i]->type.dtype, &n->out[i]->type.shape);
    Diag d = {0};
    int rc = op_info(n->op)->sema->eval(n, in, out, &d);
    if (msg) msg[0] = 0;
    if (rc != 0 && d.n_kept && msg) snprintf(msg, 512, "%s", d.msgs[0]);
    if (rc == 0) assert_int_equal(d.n_errors, 0);
    diag_free(&d);
    return rc;
}

/* Runs n and returns output 0, asserting eval succeeded. */
static inline Tensor *run1(Node *n) {
    Tensor *out[1];
    assert_int_equal(n->n_out, 1);
    assert_int_equal(run_node(n, out, NULL), 0);
    return out[0];
}

/* Asserts t has shape dims[rank]. */
static inline void expect_shape(const Tensor *t, int rank, const int64_t *dims) {
    assert_int_equal(t->type.shape.rank, rank);
    for (int i = 0; i < rank; i++) assert_int_equal(t->type.shape.dim[i], dims[i]);
}

/* Asserts every element equals want[i] exactly (NaN matches NaN). Frees t. */
static inline void expect_exact(Tensor *t, int64_t n, const double *want) {
    assert_int_equal(tensor_numel(t), n);
    for (int64_t i = 0; i < n; i++) {
        double v = tensor_get_f64(t, i);
        if (isnan(want[i]) && isnan(v)) continue;
        if (v != want[i]) fprintf(stderr, "element %lld: got %.9g, want %.9g\n", (long long)i, v,
                                  want[i]);
        assert_true(v == want[i]);
    }
    tensor_free_heap(t);
}

/* Asserts |t[i] - want[i]| <= tol for every element. Frees t. */
static inline void expect_near(Tensor *t, int64_t n, const double *want, double tol) {
    assert_int_equal(tensor_numel(t), n);
    for (int64_t i = 0; i < n; i++) {
        double v = tensor_get_f64(t, i);
        if (!(fabs(v - want[i]) <= tol))
            fprintf(stderr, "element %lld: got %.9g, want %.9g\n", (long long)i, v, want[i]);
        assert_true(fabs(v - want[i]) <= tol);
    }
    tensor_free_heap(t);
}

/* Asserts the i64 elements equal want exactly. Frees t. */
static inline void expect_i64(Tensor *t, int64_t n, const int64_t *want) {
    assert_int_equal(tensor_numel(t), n);
    for (int64_t i = 0; i < n; i++) assert_true(tensor_get_i64(t, i) == want[i]);
    tensor_free_heap(t);
}

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define VALS(...) ((const double[]){__VA_ARGS__})
#define I64S(...) ((const int64_t[]){__VA_ARGS__})
#define INS(...) ((Value *const[]){__VA_ARGS__})
#define NELEM(...) (sizeof((const double[]){__VA_ARGS__}) / sizeof(double))

#endif
