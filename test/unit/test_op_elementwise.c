/*
 * test_op_elementwise.c - infer + eval of the elementwise ops (op_binary.c,
 * op_unary.c). Expected values are hand-computed or taken from the examples
 * of the ONNX operator spec (docs/Operators.md); float results that must be
 * bit-exact are written as hex floats (e.g. 1/3 in float is 0x1.555556p-2).
 */
#include "op_test_util.h"

static void test_add_broadcast(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 2, DIMS(2, 3), VALS(1, 2, 3, 4, 5, 6));
    Value *b = c_f32(g, 1, DIMS(3), VALS(10, 20, 30));
    Tensor *y = run1(mk_node(g, OP_ADD, 2, INS(a, b), 1));
    expect_shape(y, 2, DIMS(2, 3));
    expect_exact(y, 6, VALS(11, 22, 33, 14, 25, 36));
    /* [2,1] + [3] broadcasts both ways to [2,3] */
    a = c_f32(g, 2, DIMS(2, 1), VALS(1, 2));
    y = run1(mk_node(g, OP_ADD, 2, INS(a, b), 1));
    expect_shape(y, 2, DIMS(2, 3));
    expect_exact(y, 6, VALS(11, 21, 31, 12, 22, 32));
    graph_free(g);
}

static void test_sub_mul_div_f32(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 1, DIMS(3), VALS(5, 3, 1));
    Value *b = c_f32(g, 1, DIMS(3), VALS(1, 4, 3));
    expect_exact(run1(mk_node(g, OP_SUB, 2, INS(a, b), 1)), 3, VALS(4, -1, -2));
    expect_exact(run1(mk_node(g, OP_MUL, 2, INS(a, b), 1)), 3, VALS(5, 12, 3));
    /* 1/3 rounded to float, 3/4, 5/1 */
    expect_exact(run1(mk_node(g, OP_DIV, 2, INS(a, b), 1)), 3, VALS(5, 0.75, 0x1.555556p-2));
    graph_free(g);
}

static void test_int_arith_wraps(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_vec(g, 4, I64S(INT64_MAX, 7, -7, INT64_MIN));
    Value *b = c_vec(g, 4, I64S(1, 2, 2, -1));
    expect_i64(run1(mk_node(g, OP_ADD, 2, INS(a, b), 1)), 4,
               I64S(INT64_MIN, 9, -5, INT64_MAX));
    /* C truncating division; INT64_MIN / -1 wraps to INT64_MIN */
    expect_i64(run1(mk_node(g, OP_DIV, 2, INS(a, b), 1)), 4,
               I64S(INT64_MAX, 3, -3, INT64_MIN));
    expect_i64(run1(mk_node(g, OP_MUL, 2, INS(a, b), 1)), 4,
               I64S(INT64_MAX, 14, -14, INT64_MIN));
    /* i32 through the generic path */
    Value *c = c_typed(g, DT_I32, 1, DIMS(2), VALS(2147483647, -9));
    Value *e = c_typed(g, DT_I32, 1, DIMS(2), VALS(1, 4));
    Tensor *y = run1(mk_node(g, OP_ADD, 2, INS(c, e), 1));
    assert_int_equal(y->type.dtype, DT_I32);
    expect_exact(y, 2, VALS(-2147483648.0, -5));
    graph_free(g);
}

static void test_int_div_by_zero(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_vec(g, 2, I64S(1, 2));
    Value *b = c_vec(g, 2, I64S(1, 0));
    Tensor *out[1];
    char msg[512];
    assert_int_equal(run_node(mk_node(g, OP_DIV, 2, INS(a, b), 1), out, msg), -1);
    assert_non_null(strstr(msg, "division by zero"));
    tensor_free_heap(out[0]);
    graph_free(g);
}

static void test_binary_errors(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *f = c_f32(g, 2, DIMS(2, 3), NULL);
    Value *i = c_i64(g, 1, DIMS(3), I64S(1, 2, 3));
    infer_fails(mk_node(g, OP_ADD, 2, INS(f, i), 1), "element types must match");
    Value *f4 = c_f32(g, 1, DIMS(4), NULL);
    infer_fails(mk_node(g, OP_MUL, 2, INS(f, f4), 1), "[2,3] and [4] do not broadcast");
    Value *bo = c_typed(g, DT_BOOL, 1, DIMS(3), VALS(1, 0, 1));
    infer_fails(mk_node(g, OP_ADD, 2, INS(bo, bo), 1), "numeric");
    Type unknown = {.dtype = DT_F32, .shape = {.rank = -1}};
    Value *u = graph_add_input(g, "u", &unknown);
    infer_fails(mk_node(g, OP_ADD, 2, INS(f, u), 1), "unknown type");
    /* zero-sized operands broadcast like any other dim: [0,3] + [3] is [0,3], with [2,3] not */
    Value *z = c_f32(g, 2, DIMS(0, 3), NULL);
    Node *n = mk_node(g, OP_ADD, 2, INS(z, c_f32(g, 1, DIMS(3), VALS(1, 2, 3))), 1);
    Tensor *y = run1(n);
    expect_shape(y, 2, DIMS(0, 3));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_ADD, 2, INS(z, f), 1), "[0,3] and [2,3] do not broadcast");
    Value *huge = v_input(g, DT_F32, 3, DIMS(0, 1 << 20, 1 << 20));
    infer_fails(mk_node(g, OP_ADD, 2, INS(huge, huge), 1), "more than");
    graph_free(g);
}

static void test_pow(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Pow example: [1,2,3] ** [4,5,6] and [1,2,3] ** 2 */
    Value *x = c_f32(g, 1, DIMS(3), VALS(1, 2, 3));
    Value *y = c_f32(g, 1, DIMS(3), VALS(4, 5, 6));
    expect_exact(run1(mk_node(g, OP_POW, 2, INS(x, y), 1)), 3, VALS(1, 32, 729));
    Value *two = c_f32(g, 0, NULL, VALS(2));
    expect_exact(run1(mk_node(g, OP_POW, 2, INS(x, two), 1)), 3, VALS(1, 4, 9));
    Value *half = c_f32(g, 0, NULL, VALS(0.5));
    Value *four = c_f32(g, 1, DIMS(1), VALS(4));
    expect_exact(run1(mk_node(g, OP_POW, 2, INS(four, half), 1)), 1, VALS(2));
    /* mixed types: f32 base, i64 exponent */
    Value *e3 = c_vec(g, 1, I64S(3));
    Tensor *r = run1(mk_node(g, OP_POW, 2, INS(x, e3), 1));
    assert_int_equal(r->type.dtype, DT_F32);
    expect_exact(r, 3, VALS(1, 8, 27));
    /* integer: by squaring; negative exponent truncates 1/3 to 0 */
    Value *b = c_vec(g, 3, I64S(2, 3, -2));
    Value *e = c_vec(g, 3, I64S(10, -1, 3));
    expect_i64(run1(mk_node(g, OP_POW, 2, INS(b, e), 1)), 3, I64S(1024, 0, -8));
    graph_free(g);
}

static void test_max_min_variadic(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Max/Min examples */
    Value *a = c_f32(g, 1, DIMS(3), VALS(3, 2, 1));
    Value *b = c_f32(g, 1, DIMS(3), VALS(1, 4, 4));
    Value *c = c_f32(g, 1, DIMS(3), VALS(2, 5, 3));
    expect_exact(run1(mk_node(g, OP_MAX, 3, INS(a, b, c), 1)), 3, VALS(3, 5, 4));
    expect_exact(run1(mk_node(g, OP_MIN, 3, INS(a, b, c), 1)), 3, VALS(1, 2, 1));
    expect_exact(run1(mk_node(g, OP_MAX, 1, INS(a), 1)), 3, VALS(3, 2, 1));
    /* broadcast: scalar first, then [2,2] */
    Value *s = c_f32(g, 0, NULL, VALS(2.5));
    Value *m = c_f32(g, 2, DIMS(2, 2), VALS(1, 3, 2, 4));
    Tensor *y = run1(mk_node(g, OP_MAX, 2, INS(s, m), 1));
    expect_shape(y, 2, DIMS(2, 2));
    expect_exact(y, 4, VALS(2.5, 3, 2.5, 4));
    /* NaN propagates from either side */
    Value *n1 = c_f32(g, 1, DIMS(2), VALS(NAN, 1));
    Value *n2 = c_f32(g, 1, DIMS(2), VALS(1, NAN));
    expect_exact(run1(mk_node(g, OP_MIN, 2, INS(n1, n2), 1)), 2, VALS(NAN, NAN));
    graph_free(g);
}

static void test_comparisons(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 1, DIMS(4), VALS(1, 2, 3, NAN));
    Value *b = c_f32(g, 0, NULL, VALS(2));
    static const struct {
        OpKind op;
        double want[4];
    } cases[] = {
        {OP_EQUAL, {0, 1, 0, 0}}, {OP_GREATER, {0, 0, 1, 0}}, {OP_GREATER_OR_EQUAL, {0, 1, 1, 0}},
        {OP_LESS, {1, 0, 0, 0}},  {OP_LESS_OR_EQUAL, {1, 1, 0, 0}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        Tensor *y = run1(mk_node(g, cases[k].op, 2, INS(a, b), 1));
        assert_int_equal(y->type.dtype, DT_BOOL);
        expect_exact(y, 4, cases[k].want);
    }
    /* i64 compares exactly: 2^53 and 2^53 + 1 are equal as doubles */
    Value *p = c_vec(g, 1, I64S(INT64_C(9007199254740992)));
    Value *q = c_vec(g, 1, I64S(INT64_C(9007199254740993)));
    expect_exact(run1(mk_node(g, OP_EQUAL, 2, INS(p, q), 1)), 1, VALS(0));
    expect_exact(run1(mk_node(g, OP_LESS, 2, INS(p, q), 1)), 1, VALS(1));
    /* Equal takes bool; Greater does not */
    Value *t = c_typed(g, DT_BOOL, 1, DIMS(2), VALS(1, 0));
    expect_exact(run1(mk_node(g, OP_EQUAL, 2, INS(t, t), 1)), 2, VALS(1, 1));
    infer_fails(mk_node(g, OP_GREATER, 2, INS(t, t), 1), "numeric");
    graph_free(g);
}

static void test_logic(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_typed(g, DT_BOOL, 1, DIMS(4), VALS(0, 0, 1, 1));
    Value *b = c_typed(g, DT_BOOL, 1, DIMS(4), VALS(0, 1, 0, 1));
    expect_exact(run1(mk_node(g, OP_AND, 2, INS(a, b), 1)), 4, VALS(0, 0, 0, 1));
    expect_exact(run1(mk_node(g, OP_OR, 2, INS(a, b), 1)), 4, VALS(0, 1, 1, 1));
    expect_exact(run1(mk_node(g, OP_XOR, 2, INS(a, b), 1)), 4, VALS(0, 1, 1, 0));
    expect_exact(run1(mk_node(g, OP_NOT, 1, INS(a), 1)), 4, VALS(1, 1, 0, 0));
    Value *f = c_f32(g, 1, DIMS(4), NULL);
    infer_fails(mk_node(g, OP_AND, 2, INS(a, f), 1), "logical ops take bool");
    infer_fails(mk_node(g, OP_NOT, 1, INS(f), 1), "Not takes bool");
    graph_free(g);
}

static void test_where(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Where example */
    Value *c = c_typed(g, DT_BOOL, 2, DIMS(2, 2), VALS(1, 0, 1, 1));
    Value *x = c_f32(g, 2, DIMS(2, 2), VALS(1, 2, 3, 4));
    Value *y = c_f32(g, 2, DIMS(2, 2), VALS(9, 8, 7, 6));
    expect_exact(run1(mk_node(g, OP_WHERE, 3, INS(c, x, y), 1)), 4, VALS(1, 8, 3, 4));
    /* all three broadcast: cond [2,1], x scalar, y [3] -> [2,3] */
    Value *c2 = c_typed(g, DT_BOOL, 2, DIMS(2, 1), VALS(1, 0));
    Value *x2 = c_i64(g, 0, NULL, I64S(0));
    Value *y2 = c_vec(g, 3, I64S(7, 8, 9));
    Tensor *r = run1(mk_node(g, OP_WHERE, 3, INS(c2, x2, y2), 1));
    expect_shape(r, 2, DIMS(2, 3));
    expect_i64(r, 6, I64S(0, 0, 0, 7, 8, 9));
    infer_fails(mk_node(g, OP_WHERE, 3, INS(x, x, y), 1), "must be bool");
    infer_fails(mk_node(g, OP_WHERE, 3, INS(c, x, y2), 1), "element types must match");
    graph_free(g);
}

static void test_unary_exact(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 1, DIMS(5), VALS(-2, -0.0, 0, 3, NAN));
    expect_exact(run1(mk_node(g, OP_SIGN, 1, INS(x), 1)), 5, VALS(-1, 0, 0, 1, NAN));
    expect_exact(run1(mk_node(g, OP_ABS, 1, INS(x), 1)), 5, VALS(2, 0, 0, 3, NAN));
    expect_exact(run1(mk_node(g, OP_NEG, 1, INS(x), 1)), 5, VALS(2, 0, 0, -3, NAN));
    expect_exact(run1(mk_node(g, OP_RELU, 1, INS(x), 1)), 5, VALS(0, 0, 0, 3, NAN));
    Value *r = c_f32(g, 1, DIMS(4), VALS(1, 4, 9, 2));
    /* sqrt(2) correctly rounded to float */
    expect_exact(run1(mk_node(g, OP_SQRT, 1, INS(r), 1)), 4, VALS(1, 2, 3, 0x1.6a09e6p+0));
    Value *q = c_f32(g, 1, DIMS(3), VALS(-4, 2, 3));
    expect_exact(run1(mk_node(g, OP_RECIPROCAL, 1, INS(q), 1)), 3,
                 VALS(-0.25, 0.5, 0x1.555556p-2));
    Value *f = c_f32(g, 1, DIMS(4), VALS(-1.5, 1.2, 2, -0.5));
    expect_exact(run1(mk_node(g, OP_FLOOR, 1, INS(f), 1)), 4, VALS(-2, 1, 2, -1));
    expect_exact(run1(mk_node(g, OP_CEIL, 1, INS(f), 1)), 4, VALS(-1, 2, 2, -0.0));
    /* ONNX Round example: half to even */
    Value *h = c_f32(g, 1, DIMS(15),
                     VALS(0.1, 0.5, 0.9, 1.2, 1.5, 1.8, 2.3, 2.5, 2.7, -1.1, -1.5, -1.9, -2.2,
                          -2.5, -2.8));
    expect_exact(run1(mk_node(g, OP_ROUND, 1, INS(h), 1)), 15,
                 VALS(0, 0, 1, 1, 2, 2, 2, 2, 3, -1, -2, -2, -2, -2, -3));
    /* integer Abs/Neg/Sign/Relu; abs and neg of INT64_MIN wrap */
    Value *i = c_vec(g, 3, I64S(-5, INT64_MIN, 7));
    expect_i64(run1(mk_node(g, OP_ABS, 1, INS(i), 1)), 3, I64S(5, INT64_MIN, 7));
    expect_i64(run1(mk_node(g, OP_NEG, 1, INS(i), 1)), 3, I64S(5, INT64_MIN, -7));
    expect_i64(run1(mk_node(g, OP_SIGN, 1, INS(i), 1)), 3, I64S(-1, -1, 1));
    expect_i64(run1(mk_node(g, OP_RELU, 1, INS(i), 1)), 3, I64S(0, 0, 7));
    infer_fails(mk_node(g, OP_SQRT, 1, INS(i), 1), "f32 or f64");
    graph_free(g);
}

static void test_unary_transcendental(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX spec examples for x = [-1, 0, 1] */
    Value *x = c_f32(g, 1, DIMS(3), VALS(-1, 0, 1));
    expect_near(run1(mk_node(g, OP_SIGMOID, 1, INS(x), 1)), 3,
                VALS(0.26894143, 0.5, 0.7310586), 1e-7);
    expect_near(run1(mk_node(g, OP_TANH, 1, INS(x), 1)), 3,
                VALS(-0.76159418, 0., 0.76159418), 1e-7);
    expect_near(run1(mk_node(g, OP_EXP, 1, INS(x), 1)), 3,
                VALS(0.36787945, 1., 2.71828175), 1e-7);
    Value *l = c_f32(g, 1, DIMS(2), VALS(1, 10));
    expect_near(run1(mk_node(g, OP_LOG, 1, INS(l), 1)), 2, VALS(0, 2.30258512), 1e-6);
    Value *d = c_typed(g, DT_F64, 1, DIMS(1), VALS(1));
    expect_near(run1(mk_node(g, OP_EXP, 1, INS(d), 1)), 1, VALS(2.718281828459045), 1e-15);
    graph_free(g);
}

static void test_leaky_relu(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX LeakyRelu example with alpha = 0.1: [-1, 0, 1] -> [-0.1, 0, 1] in float */
    Value *x = c_f32(g, 1, DIMS(3), VALS(-1, 0, 1));
    Node *n = mk_node(g, OP_LEAKY_RELU, 1, INS(x), 1);
    node_set_attr_float(g, n, "alpha", 0.1f);
    expect_exact(run1(n), 3, VALS(-(double)0.1f, 0, 1));
    /* default alpha 0.01: -2 * 0.01f is exact in float */
    Value *m = c_f32(g, 1, DIMS(1), VALS(-2));
    expect_exact(run1(mk_node(g, OP_LEAKY_RELU, 1, INS(m), 1)), 1, VALS(-2.0 * (double)0.01f));
    graph_free(g);
}

static void test_cast(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 1, DIMS(4), VALS(1.9, -1.9, 3e10, -3e10));
    Node *n = mk_node(g, OP_CAST, 1, INS(x), 1);
    node_set_attr_int(g, n, "to", 6); /* INT32 */
    Tensor *y = run1(n);
    assert_int_equal(y->type.dtype, DT_I32);
    /* truncation toward zero; out-of-range values saturate instead of UB */
    expect_exact(y, 4, VALS(1, -1, 2147483647.0, -2147483648.0));
    Value *b = c_f32(g, 1, DIMS(4), VALS(0, -0.0, 0.5, NAN));
    n = mk_node(g, OP_CAST, 1, INS(b), 1);
    node_set_attr_int(g, n, "to", 9); /* BOOL */
    expect_exact(run1(n), 4, VALS(0, 0, 1, 1));
    /* i64 -> f32 rounds once: 2^60 + 2^36 + 1 is just above the midpoint of
     * 2^60 and 2^60 + 2^37, so it rounds up (through double it would tie to 2^60) */
    Value *i = c_vec(g, 1, I64S(INT64_C(1152921504606846976) + INT64_C(68719476736) + 1));
    n = mk_node(g, OP_CAST, 1, INS(i), 1);
    node_set_attr_int(g, n, "to", 1); /* FLOAT */
    expect_exact(run1(n), 1, VALS(1152921642045800448.0));
    /* bool -> i64 */
    n = mk_node(g, OP_CAST, 1, INS(c_typed(g, DT_BOOL, 1, DIMS(2), VALS(1, 0))), 1);
    node_set_attr_int(g, n, "to", 7);
    expect_i64(run1(n), 2, I64S(1, 0));
    n = mk_node(g, OP_CAST, 1, INS(x), 1);
    node_set_attr_int(g, n, "to", 16); /* BFLOAT16 */
    infer_fails(n, "not supported");
    infer_fails(mk_node(g, OP_CAST, 1, INS(x), 1), "'to' attribute is missing");
    graph_free(g);
}

static void test_clip(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Clip example */
    Value *x = c_f32(g, 1, DIMS(3), VALS(-2, 0, 2));
    Value *lo = c_f32(g, 0, NULL, VALS(-1));
    Value *hi = c_f32(g, 0, NULL, VALS(1));
    expect_exact(run1(mk_node(g, OP_CLIP, 3, INS(x, lo, hi), 1)), 3, VALS(-1, 0, 1));
    expect_exact(run1(mk_node(g, OP_CLIP, 3, INS(x, NULL, hi), 1)), 3, VALS(-2, 0, 1));
    expect_exact(run1(mk_node(g, OP_CLIP, 2, INS(x, lo), 1)), 3, VALS(-1, 0, 2));
    expect_exact(run1(mk_node(g, OP_CLIP, 1, INS(x), 1)), 3, VALS(-2, 0, 2));
    Value *i = c_vec(g, 3, I64S(-5, 3, 9));
    Value *il = c_i64(g, 0, NULL, I64S(0)), *ih = c_i64(g, 0, NULL, I64S(4));
    expect_i64(run1(mk_node(g, OP_CLIP, 3, INS(i, il, ih), 1)), 3, I64S(0, 3, 4));
    Value *two = c_f32(g, 1, DIMS(2), VALS(0, 1));
    infer_fails(mk_node(g, OP_CLIP, 2, INS(x, two), 1), "must be a scalar");
    infer_fails(mk_node(g, OP_CLIP, 2, INS(x, il), 1), "min input is i64");
    graph_free(g);
}

static void test_identity_dropout(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_vec(g, 3, I64S(4, -5, 6));
    expect_i64(run1(mk_node(g, OP_IDENTITY, 1, INS(x), 1)), 3, I64S(4, -5, 6));
    Value *f = c_f32(g, 1, DIMS(2), VALS(1.5, -2));
    Value *ratio = c_f32(g, 0, NULL, VALS(0.5));
    Value *off = c_typed(g, DT_BOOL, 0, NULL, VALS(0));
    expect_exact(run1(mk_node(g, OP_DROPOUT, 3, INS(f, ratio, off), 1)), 2, VALS(1.5, -2));
    Value *on = c_typed(g, DT_BOOL, 0, NULL, VALS(1));
    infer_fails(mk_node(g, OP_DROPOUT, 3, INS(f, ratio, on), 1), "training_mode is true");
    Value *rt = v_input(g, DT_BOOL, 0, NULL);
    infer_fails(mk_node(g, OP_DROPOUT, 3, INS(f, NULL, rt), 1), "computed at run time");
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_broadcast),
        cmocka_unit_test(test_sub_mul_div_f32),
        cmocka_unit_test(test_int_arith_wraps),
        cmocka_unit_test(test_int_div_by_zero),
        cmocka_unit_test(test_binary_errors),
        cmocka_unit_test(test_pow),
        cmocka_unit_test(test_max_min_variadic),
        cmocka_unit_test(test_comparisons),
        cmocka_unit_test(test_logic),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_unary_exact),
        cmocka_unit_test(test_unary_transcendental),
        cmocka_unit_test(test_leaky_relu),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_clip),
        cmocka_unit_test(test_identity_dropout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
