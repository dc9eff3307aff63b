/*
 * test_op_nn.c - infer + eval of the layer ops: Conv, Gemm, MatMul,
 * BatchNormalization, pooling, reductions, Softmax. Expected values are
 * the precomputed examples of the ONNX operator spec (docs/Operators.md,
 * named after the ONNX backend test that holds them) or hand-computed.
 */
#include "op_test_util.h"

/* 1, 2, ..., n (start = 1) or 0, ..., n-1 (start = 0) as doubles; n <= 64. */
static const double *seq(int start, int n) {
    static double v[2][64];
    static int which;
    which ^= 1;
    for (int i = 0; i < n && i < 64; i++) v[which][i] = start + i;
    return v[which];
}

/* ---- Conv ---- */

static void test_conv_onnx_examples(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 4, DIMS(1, 1, 5, 5), seq(0, 25));
    double ones[9];
    for (int i = 0; i < 9; i++) ones[i] = 1;
    Value *w = c_f32(g, 4, DIMS(1, 1, 3, 3), ones);
    /* conv_with_padding / without padding */
    Node *n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(1, 1, 1, 1));
    node_set_attr_ints(g, n, "kernel_shape", 2, I64S(3, 3));
    Tensor *y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 5, 5));
    expect_exact(y, 25, VALS(12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144,
                             153, 162, 111, 72, 111, 117, 123, 84));
    y = run1(mk_node(g, OP_CONV, 2, INS(x, w), 1));
    expect_shape(y, 4, DIMS(1, 1, 3, 3));
    expect_exact(y, 9, VALS(54, 63, 72, 99, 108, 117, 144, 153, 162));
    /* conv_with_strides_padding, _no_padding, _and_asymmetric_padding on a 7x5 input */
    Value *x7 = c_f32(g, 4, DIMS(1, 1, 7, 5), seq(0, 35));
    n = mk_node(g, OP_CONV, 2, INS(x7, w), 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(1, 1, 1, 1));
    node_set_attr_ints(g, n, "strides", 2, I64S(2, 2));
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 4, 3));
    expect_exact(y, 12, VALS(12, 27, 24, 63, 108, 81, 123, 198, 141, 112, 177, 124));
    n = mk_node(g, OP_CONV, 2, INS(x7, w), 1);
    node_set_attr_ints(g, n, "strides", 2, I64S(2, 2));
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 3, 2));
    expect_exact(y, 6, VALS(54, 72, 144, 162, 234, 252));
    n = mk_node(g, OP_CONV, 2, INS(x7, w), 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(1, 0, 1, 0));
    node_set_attr_ints(g, n, "strides", 2, I64S(2, 2));
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 4, 2));
    expect_exact(y, 8, VALS(21, 33, 99, 117, 189, 207, 171, 183));
    /* conv_with_autopad_same: SAME_LOWER, strides 2 */
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_string(g, n, "auto_pad", "SAME_LOWER");
    node_set_attr_ints(g, n, "strides", 2, I64S(2, 2));
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 3, 3));
    expect_exact(y, 9, VALS(12, 27, 24, 63, 108, 81, 72, 117, 84));
    graph_free(g);
}

static void test_conv_1d_bias_dilation_group(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* 1-D: [1..5] with kernel [1,-1] and bias 0.5 */
    Value *x = c_f32(g, 3, DIMS(1, 1, 5), VALS(1, 2, 3, 4, 5));
    Value *w = c_f32(g, 3, DIMS(1, 1, 2), VALS(1, -1));
    Value *b = c_f32(g, 1, DIMS(1), VALS(0.5));
    expect_exact(run1(mk_node(g, OP_CONV, 3, INS(x, w, b), 1)), 4,
                 VALS(-0.5, -0.5, -0.5, -0.5));
    Node *n = mk_node(g, OP_CONV, 3, INS(x, w, b), 1);
    node_set_attr_ints(g, n, "dilations", 1, I64S(2));
    expect_exact(run1(n), 3, VALS(-1.5, -1.5, -1.5));
    /* depthwise: 2 channels, group 2, 1x1 kernels 2 and 3 */
    Value *x2 = c_f32(g, 4, DIMS(1, 2, 2, 2), VALS(1, 2, 3, 4, 5, 6, 7, 8));
    Value *w2 = c_f32(g, 4, DIMS(2, 1, 1, 1), VALS(2, 3));
    n = mk_node(g, OP_CONV, 2, INS(x2, w2), 1);
    node_set_attr_int(g, n, "group", 2);
    expect_exact(run1(n), 8, VALS(2, 4, 6, 8, 15, 18, 21, 24));
    /* two input channels summed, two output channels, batch 2 */
    Value *xb = c_f32(g, 3, DIMS(2, 2, 2), VALS(1, 2, 3, 4, 5, 6, 7, 8));
    Value *wb = c_f32(g, 3, DIMS(2, 2, 1), VALS(1, 1, 1, -1));
    expect_exact(run1(mk_node(g, OP_CONV, 2, INS(xb, wb), 1)), 8,
                 VALS(4, 6, -2, -2, 12, 14, -2, -2));
    /* 3-D: a 2x2x2 kernel of ones over a 2x2x2 input sums 1..8; with pads 1 and
     * stride 2 each output sees the corner element it overlaps */
    Value *x3 = c_f32(g, 5, DIMS(1, 1, 2, 2, 2), VALS(1, 2, 3, 4, 5, 6, 7, 8));
    Value *w3 = c_f32(g, 5, DIMS(1, 1, 2, 2, 2), VALS(1, 1, 1, 1, 1, 1, 1, 1));
    expect_exact(run1(mk_node(g, OP_CONV, 2, INS(x3, w3), 1)), 1, VALS(36));
    n = mk_node(g, OP_CONV, 2, INS(x3, w3), 1);
    node_set_attr_ints(g, n, "pads", 6, I64S(1, 1, 1, 1, 1, 1));
    node_set_attr_ints(g, n, "strides", 3, I64S(2, 2, 2));
    Tensor *y3 = run1(n);
    expect_shape(y3, 5, DIMS(1, 1, 2, 2, 2));
    expect_exact(y3, 8, VALS(1, 2, 3, 4, 5, 6, 7, 8));
    /* f64 */
    Value *xd = c_typed(g, DT_F64, 3, DIMS(1, 1, 3), VALS(0.1, 0.2, 0.3));
    Value *wd = c_typed(g, DT_F64, 3, DIMS(1, 1, 3), VALS(1, 1, 1));
    expect_near(run1(mk_node(g, OP_CONV, 2, INS(xd, wd), 1)), 1, VALS(0.6), 1e-15);
    graph_free(g);
}

static void test_conv_errors(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 4, DIMS(1, 2, 5, 5), NULL);
    Value *w = c_f32(g, 4, DIMS(4, 2, 3, 3), NULL);
    Node *n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_int(g, n, "group", 3);
    infer_fails(n, "group 3 must be positive and divide");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_int(g, n, "group", 2);
    infer_fails(n, "W has 2 input channels per group");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_ints(g, n, "pads", 3, I64S(1, 1, 1));
    infer_fails(n, "'pads' has 3 values; 4 are needed");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_ints(g, n, "strides", 2, I64S(1, 0));
    infer_fails(n, "'strides' has the invalid value 0");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_ints(g, n, "dilations", 2, I64S(-1, 1));
    infer_fails(n, "'dilations' has the invalid value -1");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_ints(g, n, "kernel_shape", 2, I64S(3, 2));
    infer_fails(n, "kernel_shape does not match");
    n = mk_node(g, OP_CONV, 2, INS(x, w), 1);
    node_set_attr_string(g, n, "auto_pad", "SAME");
    infer_fails(n, "auto_pad 'SAME' is not one of");
    Value *big = c_f32(g, 4, DIMS(4, 2, 7, 7), NULL);
    infer_fails(mk_node(g, OP_CONV, 2, INS(x, big), 1), "larger than the padded input");
    Value *b = c_f32(g, 1, DIMS(3), NULL);
    infer_fails(mk_node(g, OP_CONV, 3, INS(x, w, b), 1), "B has shape [3]; [4] is needed");
    Value *xi = c_i64(g, 3, DIMS(1, 1, 1), I64S(1));
    infer_fails(mk_node(g, OP_CONV, 2, INS(xi, xi), 1), "f32 or f64");
    Value *x2d = c_f32(g, 2, DIMS(2, 5), NULL);
    infer_fails(mk_node(g, OP_CONV, 2, INS(x2d, x2d), 1), "spatial dims are supported");
    graph_free(g);
}

/* ---- Gemm / MatMul ---- */

static void test_gemm(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 2, DIMS(2, 2), VALS(1, 2, 3, 4));
    Value *b = c_f32(g, 2, DIMS(2, 2), VALS(5, 6, 7, 8));
    expect_exact(run1(mk_node(g, OP_GEMM, 2, INS(a, b), 1)), 4, VALS(19, 22, 43, 50));
    Node *n = mk_node(g, OP_GEMM, 2, INS(a, b), 1);
    node_set_attr_int(g, n, "transA", 1);
    expect_exact(run1(n), 4, VALS(26, 30, 38, 44));
    n = mk_node(g, OP_GEMM, 2, INS(a, b), 1);
    node_set_attr_int(g, n, "transB", 1);
    expect_exact(run1(n), 4, VALS(17, 23, 39, 53));
    /* alpha 2, beta 0.5, C a row [1,2] broadcast over rows */
    n = mk_node(g, OP_GEMM, 3, INS(a, b, c_f32(g, 1, DIMS(2), VALS(1, 2))), 1);
    node_set_attr_float(g, n, "alpha", 2);
    node_set_attr_float(g, n, "beta", 0.5f);
    expect_exact(run1(n), 4, VALS(38.5, 45, 86.5, 101));
    /* C a column [2,1]; [2,3] x [3,1] with transB of a [1,3] */
    Value *a23 = c_f32(g, 2, DIMS(2, 3), VALS(1, 2, 3, 4, 5, 6));
    Value *b13 = c_f32(g, 2, DIMS(1, 3), VALS(1, 0, -1));
    n = mk_node(g, OP_GEMM, 3, INS(a23, b13, c_f32(g, 2, DIMS(2, 1), VALS(10, 20))), 1);
    node_set_attr_int(g, n, "transB", 1);
    Tensor *y = run1(n);
    expect_shape(y, 2, DIMS(2, 1));
    expect_exact(y, 2, VALS(8, 18));
    infer_fails(mk_node(g, OP_GEMM, 2, INS(a23, a), 1), "inner dimensions differ");
    infer_fails(mk_node(g, OP_GEMM, 3, INS(a, b, c_f32(g, 1, DIMS(3), NULL)), 1),
                "C of shape [3] does not broadcast to the output [2,2]");
    infer_fails(mk_node(g, OP_GEMM, 2, INS(c_f32(g, 1, DIMS(2), NULL), b), 1), "matrices");
    graph_free(g);
}

static void test_matmul(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 2, DIMS(2, 3), VALS(1, 2, 3, 4, 5, 6));
    Value *b = c_f32(g, 2, DIMS(3, 2), VALS(7, 8, 9, 10, 11, 12));
    Tensor *y = run1(mk_node(g, OP_MATMUL, 2, INS(a, b), 1));
    expect_shape(y, 2, DIMS(2, 2));
    expect_exact(y, 4, VALS(58, 64, 139, 154));
    Value *v = c_f32(g, 1, DIMS(3), VALS(1, 2, 3));
    y = run1(mk_node(g, OP_MATMUL, 2, INS(v, b), 1));
    expect_shape(y, 1, DIMS(2));
    expect_exact(y, 2, VALS(58, 64));
    Value *ones = c_f32(g, 1, DIMS(3), VALS(1, 1, 1));
    y = run1(mk_node(g, OP_MATMUL, 2, INS(a, ones), 1));
    expect_shape(y, 1, DIMS(2));
    expect_exact(y, 2, VALS(6, 15));
    Value *w = c_f32(g, 1, DIMS(3), VALS(4, 5, 6));
    y = run1(mk_node(g, OP_MATMUL, 2, INS(v, w), 1));
    expect_shape(y, 0, NULL);
    expect_exact(y, 1, VALS(32));
    /* batch broadcast: [2,1,1,2] x [3,2,1] -> [2,3,1,1] */
    Value *ab = c_f32(g, 4, DIMS(2, 1, 1, 2), VALS(1, 2, 3, 4));
    Value *bb = c_f32(g, 3, DIMS(3, 2, 1), VALS(1, 0, 0, 1, 1, 1));
    y = run1(mk_node(g, OP_MATMUL, 2, INS(ab, bb), 1));
    expect_shape(y, 4, DIMS(2, 3, 1, 1));
    expect_exact(y, 6, VALS(1, 2, 3, 3, 4, 7));
    /* integers */
    Value *ia = c_i64(g, 2, DIMS(1, 2), I64S(1, 2)), *ib = c_i64(g, 2, DIMS(2, 1), I64S(3, 4));
    expect_i64(run1(mk_node(g, OP_MATMUL, 2, INS(ia, ib), 1)), 1, I64S(11));
    infer_fails(mk_node(g, OP_MATMUL, 2, INS(a, a), 1), "inner dimensions differ: [2,3] x [2,3]");
    infer_fails(mk_node(g, OP_MATMUL, 2, INS(c_f32(g, 0, NULL, VALS(1)), a), 1), "rank >= 1");
    Value *p = c_f32(g, 3, DIMS(2, 2, 3), NULL), *q = c_f32(g, 3, DIMS(3, 3, 1), NULL);
    infer_fails(mk_node(g, OP_MATMUL, 2, INS(p, q), 1), "batch dimensions");
    graph_free(g);
}

/* ---- BatchNormalization ---- */

static void test_batch_norm(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX BatchNormalization example (batchnorm_example) */
    Value *x = c_f32(g, 4, DIMS(1, 2, 1, 3), VALS(-1, 0, 1, 2, 3, 4));
    Value *s = c_f32(g, 1, DIMS(2), VALS(1.0, 1.5));
    Value *bias = c_f32(g, 1, DIMS(2), VALS(0, 1));
    Value *mean = c_f32(g, 1, DIMS(2), VALS(0, 3));
    Value *var = c_f32(g, 1, DIMS(2), VALS(1, 1.5));
    expect_near(run1(mk_node(g, OP_BATCH_NORM, 5, INS(x, s, bias, mean, var), 1)), 6,
                VALS(-0.999995, 0., 0.999995, -0.22474074, 1., 2.2247407), 1e-6);
    /* epsilon 0 and rank 2: (x - 1) / 2 * 3 + 1 */
    Value *x2 = c_f32(g, 2, DIMS(2, 1), VALS(5, 1));
    Value *one = c_f32(g, 1, DIMS(1), VALS(1)), *three = c_f32(g, 1, DIMS(1), VALS(3));
    Value *four = c_f32(g, 1, DIMS(1), VALS(4));
    Node *n = mk_node(g, OP_BATCH_NORM, 5, INS(x2, three, one, one, four), 1);
    node_set_attr_float(g, n, "epsilon", 0);
    expect_exact(run1(n), 2, VALS(7, 1));
    n = mk_node(g, OP_BATCH_NORM, 5, INS(x, s, bias, mean, var), 1);
    node_set_attr_int(g, n, "training_mode", 1);
    infer_fails(n, "training_mode=1 is not supported");
    infer_fails(mk_node(g, OP_BATCH_NORM, 5, INS(x, s, bias, one, var), 1),
                "mean has shape [1]; [2]");
    graph_free(g);
}

/* ---- pooling ---- */

static Node *pool(Graph *g, OpKind op, Value *x, int64_t k, int64_t stride) {
    Node *n = mk_node(g, op, 1, INS(x), 1);
    node_set_attr_ints(g, n, "kernel_shape", 2, I64S(k, k));
    if (stride > 1) node_set_attr_ints(g, n, "strides", 2, I64S(stride, stride));
    return n;
}

static void test_average_pool(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x5 = c_f32(g, 4, DIMS(1, 1, 5, 5), seq(1, 25));
    Value *x4 = c_f32(g, 4, DIMS(1, 1, 4, 4), seq(1, 16));
    /* averagepool_2d_precomputed_pads */
    Node *n = pool(g, OP_AVERAGE_POOL, x5, 5, 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(2, 2, 2, 2));
    Tensor *y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 5, 5));
    expect_near(y, 25, VALS(7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11, 11.5, 12, 12.5, 13, 13.5, 14,
                            14.5, 15, 15.5, 16, 16.5, 17, 17.5, 18, 18.5, 19),
                1e-6);
    /* averagepool_2d_precomputed_pads_count_include_pad */
    n = pool(g, OP_AVERAGE_POOL, x5, 5, 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(2, 2, 2, 2));
    node_set_attr_int(g, n, "count_include_pad", 1);
    expect_near(run1(n), 25, VALS(2.52, 3.6, 4.8, 4.08, 3.24, 4.56, 6.4, 8.4, 7.04, 5.52, 7.2, 10,
                                  13, 10.8, 8.4, 6.96, 9.6, 12.4, 10.24, 7.92, 6.12, 8.4, 10.8,
                                  8.88, 6.84),
                1e-5);
    /* averagepool_2d_precomputed_strides */
    expect_exact(run1(pool(g, OP_AVERAGE_POOL, x5, 2, 2)), 4, VALS(4, 6, 14, 16));
    /* averagepool_2d_ceil */
    n = pool(g, OP_AVERAGE_POOL, x4, 3, 2);
    node_set_attr_int(g, n, "ceil_mode", 1);
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 2, 2));
    expect_exact(y, 4, VALS(6, 7.5, 12, 13.5));
    /* averagepool_2d_precomputed_same_upper */
    n = pool(g, OP_AVERAGE_POOL, x5, 3, 2);
    node_set_attr_string(g, n, "auto_pad", "SAME_UPPER");
    expect_exact(run1(n), 9, VALS(4, 5.5, 7, 11.5, 13, 14.5, 19, 20.5, 22));
    infer_fails(mk_node(g, OP_AVERAGE_POOL, 1, INS(x5), 1), "'kernel_shape' attribute is missing");
    n = pool(g, OP_AVERAGE_POOL, x5, 6, 1);
    infer_fails(n, "larger than the padded input");
    n = pool(g, OP_AVERAGE_POOL, x5, 0, 1);
    infer_fails(n, "'kernel_shape' has the invalid value 0");
    /* SAME_UPPER with a stride of 2^40: ceil(5 / 2^40) = 1 window, total padding
     * max(0, 3 - 5) = 0: the mean of the top-left 3x3 of 1..25 is 7. */
    n = pool(g, OP_AVERAGE_POOL, x5, 3, 1);
    node_set_attr_ints(g, n, "strides", 2, I64S(INT64_C(1) << 40, INT64_C(1) << 40));
    node_set_attr_string(g, n, "auto_pad", "SAME_UPPER");
    y = run1(n);
    expect_shape(y, 4, DIMS(1, 1, 1, 1));
    expect_exact(y, 1, VALS(7));
    /* Strides, dilations and pads near INT64_MAX: refused where a size overflows. */
    n = pool(g, OP_AVERAGE_POOL, x5, 2, INT64_MAX);
    node_set_attr_ints(g, n, "pads", 4, I64S(0, INT64_MAX, 0, 0));
    infer_fails(n, "the padded input (5 with pads 9223372036854775807 and 0) in spatial dim 1 "
                   "does not fit a 64-bit integer");
    n = pool(g, OP_AVERAGE_POOL, x5, 2, 1);
    node_set_attr_ints(g, n, "dilations", 2, I64S(INT64_MAX, 1));
    infer_fails(n, "the dilated window (2 - 1) * 9223372036854775807 + 1 in spatial dim 0");
    graph_free(g);
}

static void test_max_pool(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x5 = c_f32(g, 4, DIMS(1, 1, 5, 5), seq(1, 25));
    Value *x4 = c_f32(g, 4, DIMS(1, 1, 4, 4), seq(1, 16));
    /* maxpool_2d_precomputed_pads */
    Node *n = pool(g, OP_MAX_POOL, x5, 5, 1);
    node_set_attr_ints(g, n, "pads", 4, I64S(2, 2, 2, 2));
    expect_exact(run1(n), 25, VALS(13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23,
                                   24, 25, 25, 25, 23, 24, 25, 25, 25));
    /* maxpool_2d_ceil */
    n = pool(g, OP_MAX_POOL, x4, 3, 2);
    node_set_attr_int(g, n, "ceil_mode", 1);
    expect_exact(run1(n), 4, VALS(11, 12, 15, 16));
    /* maxpool_2d_dilations */
    n = pool(g, OP_MAX_POOL, x4, 2, 1);
    node_set_attr_ints(g, n, "dilations", 2, I64S(2, 2));
    expect_exact(run1(n), 4, VALS(11, 12, 15, 16));
    /* maxpool_2d_precomputed_same_upper */
    n = pool(g, OP_MAX_POOL, x5, 3, 2);
    node_set_attr_string(g, n, "auto_pad", "SAME_UPPER");
    expect_exact(run1(n), 9, VALS(7, 9, 10, 17, 19, 20, 22, 24, 25));
    /* 1-D, negative values (padding must not contribute a 0) */
    Value *x1 = c_f32(g, 3, DIMS(1, 1, 4), VALS(-1, -3, -2, -4));
    n = mk_node(g, OP_MAX_POOL, 1, INS(x1), 1);
    node_set_attr_ints(g, n, "kernel_shape", 1, I64S(2));
    node_set_attr_ints(g, n, "pads", 2, I64S(1, 1));
    node_set_attr_ints(g, n, "strides", 1, I64S(2));
    expect_exact(run1(n), 3, VALS(-1, -2, -4));
    graph_free(g);
}

static void test_global_pool(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* globalaveragepool_precomputed / globalmaxpool_precomputed, plus a second channel */
    Value *x = c_f32(g, 4, DIMS(1, 2, 3, 3), seq(1, 18));
    Tensor *y = run1(mk_node(g, OP_GLOBAL_AVERAGE_POOL, 1, INS(x), 1));
    expect_shape(y, 4, DIMS(1, 2, 1, 1));
    expect_exact(y, 2, VALS(5, 14));
    y = run1(mk_node(g, OP_GLOBAL_MAX_POOL, 1, INS(x), 1));
    expect_exact(y, 2, VALS(9, 18));
    infer_fails(mk_node(g, OP_GLOBAL_MAX_POOL, 1, INS(c_f32(g, 2, DIMS(1, 2), NULL)), 1),
                "[N, C, D1, ...] is needed");
    graph_free(g);
}

/* ---- reductions and Softmax ---- */

static void test_reduce(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX ReduceMean / ReduceMax example data, ReduceSum example data */
    Value *x = c_f32(g, 3, DIMS(3, 2, 2), VALS(5, 1, 20, 2, 30, 1, 40, 2, 55, 1, 60, 2));
    Value *s = c_f32(g, 3, DIMS(3, 2, 2), seq(1, 12));
    Node *n = mk_node(g, OP_REDUCE_MEAN, 1, INS(x), 1);
    node_set_attr_ints(g, n, "axes", 1, I64S(1));
    node_set_attr_int(g, n, "keepdims", 0);
    Tensor *y = run1(n);
    expect_shape(y, 2, DIMS(3, 2));
    expect_exact(y, 6, VALS(12.5, 1.5, 35, 1.5, 57.5, 1.5));
    n = mk_node(g, OP_REDUCE_MEAN, 1, INS(x), 1);
    y = run1(n);
    expect_shape(y, 3, DIMS(1, 1, 1));
    expect_exact(y, 1, VALS(18.25));
    n = mk_node(g, OP_REDUCE_SUM, 1, INS(s), 1);
    node_set_attr_ints(g, n, "axes", 1, I64S(-2));
    y = run1(n);
    expect_shape(y, 3, DIMS(3, 1, 2));
    expect_exact(y, 6, VALS(4, 6, 12, 14, 20, 22));
    n = mk_node(g, OP_REDUCE_SUM, 1, INS(s), 1);
    node_set_attr_ints(g, n, "axes", 2, I64S(0, 2));
    node_set_attr_int(g, n, "keepdims", 0);
    y = run1(n);
    expect_shape(y, 1, DIMS(2));
    expect_exact(y, 2, VALS(1 + 2 + 5 + 6 + 9 + 10, 3 + 4 + 7 + 8 + 11 + 12));
    n = mk_node(g, OP_REDUCE_MAX, 1, INS(x), 1);
    node_set_attr_ints(g, n, "axes", 1, I64S(1));
    node_set_attr_int(g, n, "keepdims", 0);
    expect_exact(run1(n), 6, VALS(20, 2, 40, 2, 60, 2));
    Value *i = c_i64(g, 2, DIMS(2, 2), I64S(-7, 3, INT64_MAX, 1));
    n = mk_node(g, OP_REDUCE_MAX, 1, INS(i), 1);
    node_set_attr_int(g, n, "keepdims", 0);
    expect_i64(run1(n), 1, I64S(INT64_MAX));
    n = mk_node(g, OP_REDUCE_SUM, 1, INS(i), 1);
    node_set_attr_ints(g, n, "axes", 1, I64S(1));
    expect_i64(run1(n), 2, I64S(-4, INT64_MIN)); /* INT64_MAX + 1 wraps */
    n = mk_node(g, OP_REDUCE_MEAN, 1, INS(x), 1);
    node_set_attr_ints(g, n, "axes", 1, I64S(3));
    infer_fails(n, "axes 3 is out of range for rank 3");
    n = mk_node(g, OP_REDUCE_SUM, 1, INS(x), 1);
    node_set_attr_ints(g, n, "axes", 2, I64S(1, -2));
    infer_fails(n, "more than once");
    graph_free(g);
}

static void test_softmax(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Softmax example */
    Value *x = c_f32(g, 2, DIMS(1, 3), VALS(-1, 0, 1));
    expect_near(run1(mk_node(g, OP_SOFTMAX, 1, INS(x), 1)), 3,
                VALS(0.09003058, 0.24472848, 0.66524094), 1e-7);
    /* axis 0 of a [2,2]; large values must not overflow */
    Value *m = c_f32(g, 2, DIMS(2, 2), VALS(1000, 0, 1000, 0));
    Node *n = mk_node(g, OP_SOFTMAX, 1, INS(m), 1);
    node_set_attr_int(g, n, "axis", 0);
    expect_exact(run1(n), 4, VALS(0.5, 0.5, 0.5, 0.5));
    n = mk_node(g, OP_SOFTMAX, 1, INS(m), 1);
    node_set_attr_int(g, n, "axis", 2);
    infer_fails(n, "axis 2 is out of range for rank 2");
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv_onnx_examples),
        cmocka_unit_test(test_conv_1d_bias_dilation_group),
        cmocka_unit_test(test_conv_errors),
        cmocka_unit_test(test_gemm),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_batch_norm),
        cmocka_unit_test(test_average_pool),
        cmocka_unit_test(test_max_pool),
        cmocka_unit_test(test_global_pool),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_softmax),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
