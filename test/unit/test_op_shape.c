/*
 * test_op_shape.c - infer + eval of the shape and data-movement ops
 * (op_shape.c, op_index.c, op_generate.c). Expected values are
 * hand-computed or the examples of the ONNX operator spec.
 */
#include "op_test_util.h"

/* 0, 1, ..., n-1 as doubles (n <= 64). */
static const double *iota(int n) {
    static double v[64];
    for (int i = 0; i < n && i < 64; i++) v[i] = i;
    return v;
}

static void test_shape_size(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = v_input(g, DT_F32, 3, DIMS(2, 3, 4));
    Node *n = mk_node(g, OP_SHAPE, 1, INS(x), 1);
    infer_ok(n);
    assert_int_equal(n->out[0]->type.dtype, DT_I64);
    assert_int_equal(n->out[0]->type.shape.dim[0], 3);
    /* eval reads only the input's type: a data-less tensor is enough */
    Tensor shell = {.type = x->type, .data = NULL};
    Tensor *in[1] = {&shell}, *out[1];
    Diag d = {0};
    static const struct {
        int64_t start, end;
        bool has_start, has_end;
        int len;
        int64_t want[3];
    } cases[] = {
        {0, 0, false, false, 3, {2, 3, 4}},
        {1, 0, true, false, 2, {3, 4}},
        {0, -1, false, true, 2, {2, 3}},
        {-10, 10, true, true, 3, {2, 3, 4}}, /* clamped (opset 15) */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        n = mk_node(g, OP_SHAPE, 1, INS(x), 1);
        if (cases[k].has_start) node_set_attr_int(g, n, "start", cases[k].start);
        if (cases[k].has_end) node_set_attr_int(g, n, "end", cases[k].end);
        infer_ok(n);
        assert_int_equal(n->out[0]->type.shape.dim[0], cases[k].len);
        out[0] = tensor_new(NULL, DT_I64, &n->out[0]->type.shape);
        assert_int_equal(op_info(OP_SHAPE)->sema->eval(n, in, out, &d), 0);
        expect_i64(out[0], cases[k].len, cases[k].want);
    }
    /* start after end: an empty i64 vector */
    n = mk_node(g, OP_SHAPE, 1, INS(x), 1);
    node_set_attr_int(g, n, "start", 2);
    node_set_attr_int(g, n, "end", 1);
    infer_ok(n);
    assert_int_equal(n->out[0]->type.shape.rank, 1);
    assert_int_equal(n->out[0]->type.shape.dim[0], 0);
    n = mk_node(g, OP_SIZE, 1, INS(x), 1);
    infer_ok(n);
    assert_int_equal(n->out[0]->type.shape.rank, 0);
    out[0] = tensor_new(NULL, DT_I64, &n->out[0]->type.shape);
    assert_int_equal(op_info(OP_SIZE)->sema->eval(n, in, out, &d), 0);
    expect_i64(out[0], 1, I64S(24));
    graph_free(g);
}

/*
 * x.flatten(0, 1) as torch.onnx exports it (fmnist_cnn_t4): the target
 * shape is Concat(Slice(Shape(x), 0, 0) = [], [-1], Slice(Shape(x), 2, 5)),
 * which goes through an empty i64 vector.
 */
static void test_flatten_chain_with_empty_slice(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 5, DIMS(4, 1, 1, 2, 3), iota(24));
    Node *shape = mk_node(g, OP_SHAPE, 1, INS(x), 1);
    Tensor *sh = run1(shape);
    shape->out[0]->konst = sh; /* what infer-shapes records */
    Value *zero = c_vec(g, 1, I64S(0));
    Node *head = mk_node(g, OP_SLICE, 4, INS(shape->out[0], zero, zero, zero), 1);
    Tensor *ht = run1(head);
    expect_shape(ht, 1, DIMS(0));
    head->out[0]->konst = ht;
    Node *tail = mk_node(g, OP_SLICE, 4,
                         INS(shape->out[0], c_vec(g, 1, I64S(2)), c_vec(g, 1, I64S(5)), zero), 1);
    Tensor *tt = run1(tail);
    tail->out[0]->konst = tt;
    Node *cat = mk_node(g, OP_CONCAT, 3, INS(head->out[0], c_vec(g, 1, I64S(-1)), tail->out[0]), 1);
    node_set_attr_int(g, cat, "axis", 0);
    Tensor *target = run1(cat);
    cat->out[0]->konst = target;
    int64_t want[4] = {-1, 1, 2, 3};
    for (int i = 0; i < 4; i++) assert_true(((int64_t *)target->data)[i] == want[i]);
    Tensor *y = run1(mk_node(g, OP_RESHAPE, 2, INS(x, cat->out[0]), 1));
    expect_shape(y, 4, DIMS(4, 1, 2, 3));
    expect_exact(y, 24, iota(24));
    tensor_free_heap(sh);
    tensor_free_heap(ht);
    tensor_free_heap(tt);
    tensor_free_heap(target);
    graph_free(g);
}

static void test_reshape(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 3, DIMS(2, 3, 4), iota(24));
    /* 0 copies dim 1 (3), -1 is inferred: 24 / (4 * 3) = 2 */
    Tensor *y = run1(mk_node(g, OP_RESHAPE, 2, INS(x, c_vec(g, 3, I64S(4, 0, -1))), 1));
    expect_shape(y, 3, DIMS(4, 3, 2));
    expect_exact(y, 24, iota(24));
    /* to a scalar shape from a 1-element tensor */
    Value *one = c_f32(g, 2, DIMS(1, 1), VALS(7));
    y = run1(mk_node(g, OP_RESHAPE, 2, INS(one, c_vec(g, 0, NULL)), 1));
    expect_shape(y, 0, NULL);
    expect_exact(y, 1, VALS(7));
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, c_vec(g, 2, I64S(-1, -1))), 1),
                "more than one -1");
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, c_vec(g, 2, I64S(5, 5))), 1),
                "cannot reshape [2,3,4] to [5,5]");
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, c_vec(g, 2, I64S(5, -1))), 1),
                "not a multiple of 5");
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, c_vec(g, 2, I64S(-2, 12))), 1),
                "negative dimension -2");
    infer_fails(mk_node(g, OP_RESHAPE, 2,
                        INS(x, c_vec(g, 3, I64S(INT64_MAX, INT64_MAX, 1))), 1),
                "more than");
    Value *rt = v_input(g, DT_I64, 1, DIMS(2));
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, rt), 1),
                "the shape input is computed at run time; tsnc needs static shapes");
    Value *f = c_f32(g, 1, DIMS(2), VALS(6, 4));
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(x, f), 1), "must be i64");
    /* empty tensors: allowzero keeps a literal 0; a -1 next to a 0 is ambiguous */
    Value *z = c_f32(g, 2, DIMS(0, 5), NULL);
    Node *n = mk_node(g, OP_RESHAPE, 2, INS(z, c_vec(g, 2, I64S(5, 0))), 1);
    node_set_attr_int(g, n, "allowzero", 1);
    y = run1(n);
    expect_shape(y, 2, DIMS(5, 0));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_RESHAPE, 2, INS(z, c_vec(g, 2, I64S(0, -1))), 1),
                "cannot be inferred next to a 0");
    graph_free(g);
}

static void test_flatten_squeeze_unsqueeze(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 3, DIMS(2, 3, 4), iota(24));
    static const struct {
        int64_t axis;
        int64_t dims[2];
    } fl[] = {{1, {2, 12}}, {0, {1, 24}}, {-1, {6, 4}}, {3, {24, 1}}};
    for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
        Node *n = mk_node(g, OP_FLATTEN, 1, INS(x), 1);
        node_set_attr_int(g, n, "axis", fl[k].axis);
        Tensor *y = run1(n);
        expect_shape(y, 2, fl[k].dims);
        expect_exact(y, 24, iota(24));
    }
    Node *n = mk_node(g, OP_FLATTEN, 1, INS(x), 1);
    node_set_attr_int(g, n, "axis", 4);
    infer_fails(n, "axis 4 is out of range");

    Value *s = c_f32(g, 4, DIMS(1, 3, 1, 2), iota(6));
    Tensor *y = run1(mk_node(g, OP_SQUEEZE, 2, INS(s, c_vec(g, 1, I64S(0))), 1));
    expect_shape(y, 3, DIMS(3, 1, 2));
    expect_exact(y, 6, iota(6));
    y = run1(mk_node(g, OP_SQUEEZE, 1, INS(s), 1));
    expect_shape(y, 2, DIMS(3, 2));
    tensor_free_heap(y);
    y = run1(mk_node(g, OP_SQUEEZE, 2, INS(s, c_vec(g, 1, I64S(-2))), 1));
    expect_shape(y, 3, DIMS(1, 3, 2));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_SQUEEZE, 2, INS(s, c_vec(g, 1, I64S(1))), 1),
                "cannot squeeze axis 1 of size 3");
    infer_fails(mk_node(g, OP_SQUEEZE, 2, INS(s, c_vec(g, 1, I64S(4))), 1), "out of range");

    Value *u = c_f32(g, 2, DIMS(3, 4), iota(12));
    /* axes refer to the output (rank 4): -1 is axis 3 */
    y = run1(mk_node(g, OP_UNSQUEEZE, 2, INS(u, c_vec(g, 2, I64S(0, -1))), 1));
    expect_shape(y, 4, DIMS(1, 3, 4, 1));
    expect_exact(y, 12, iota(12));
    y = run1(mk_node(g, OP_UNSQUEEZE, 2, INS(u, c_vec(g, 2, I64S(2, 1))), 1));
    expect_shape(y, 4, DIMS(3, 1, 1, 4));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_UNSQUEEZE, 2, INS(u, c_vec(g, 2, I64S(1, -3))), 1),
                "more than once");
    infer_fails(mk_node(g, OP_UNSQUEEZE, 2, INS(u, c_vec(g, 7, I64S(0, 1, 2, 3, 4, 5, 6))), 1),
                "rank 9");
    Value *rt = v_input(g, DT_I64, 1, DIMS(1));
    infer_fails(mk_node(g, OP_UNSQUEEZE, 2, INS(u, rt), 1), "axes input is computed at run time");
    graph_free(g);
}

static void test_transpose(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 2, DIMS(2, 3), VALS(1, 2, 3, 4, 5, 6));
    Tensor *y = run1(mk_node(g, OP_TRANSPOSE, 1, INS(x), 1));
    expect_shape(y, 2, DIMS(3, 2));
    expect_exact(y, 6, VALS(1, 4, 2, 5, 3, 6));
    /* [2,3,2] with perm [2,0,1]: y[k][i][j] = x[i][j][k] */
    Value *x3 = c_f32(g, 3, DIMS(2, 3, 2), iota(12));
    Node *n = mk_node(g, OP_TRANSPOSE, 1, INS(x3), 1);
    node_set_attr_ints(g, n, "perm", 3, I64S(2, 0, 1));
    y = run1(n);
    expect_shape(y, 3, DIMS(2, 2, 3));
    expect_exact(y, 12, VALS(0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11));
    n = mk_node(g, OP_TRANSPOSE, 1, INS(x3), 1);
    node_set_attr_ints(g, n, "perm", 3, I64S(0, 0, 1));
    infer_fails(n, "not a permutation");
    n = mk_node(g, OP_TRANSPOSE, 1, INS(x3), 1);
    node_set_attr_ints(g, n, "perm", 2, I64S(0, 1));
    infer_fails(n, "perm has 2 entries");
    graph_free(g);
}

static void test_concat(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *a = c_f32(g, 2, DIMS(2, 2), VALS(1, 2, 3, 4));
    Value *b = c_f32(g, 2, DIMS(1, 2), VALS(5, 6));
    Value *c = c_f32(g, 2, DIMS(2, 1), VALS(7, 8));
    Node *n = mk_node(g, OP_CONCAT, 2, INS(a, b), 1);
    node_set_attr_int(g, n, "axis", 0);
    Tensor *y = run1(n);
    expect_shape(y, 2, DIMS(3, 2));
    expect_exact(y, 6, VALS(1, 2, 3, 4, 5, 6));
    n = mk_node(g, OP_CONCAT, 3, INS(a, c, a), 1);
    node_set_attr_int(g, n, "axis", -1);
    y = run1(n);
    expect_shape(y, 2, DIMS(2, 5));
    expect_exact(y, 10, VALS(1, 2, 7, 1, 2, 3, 4, 8, 3, 4));
    n = mk_node(g, OP_CONCAT, 2, INS(a, b), 1);
    node_set_attr_int(g, n, "axis", 1);
    infer_fails(n, "input 1 has shape [1,2], which does not match [2,2] outside axis 1");
    n = mk_node(g, OP_CONCAT, 2, INS(a, c_vec(g, 2, I64S(1, 2))), 1);
    node_set_attr_int(g, n, "axis", 0);
    infer_fails(n, "input 1 is i64 but input 0 is f32");
    infer_fails(mk_node(g, OP_CONCAT, 2, INS(a, b), 1), "'axis' attribute is missing");
    graph_free(g);
}

static void test_split(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Value *x = c_f32(g, 1, DIMS(6), VALS(1, 2, 3, 4, 5, 6));
    Tensor *out[3];
    Node *n = mk_node(g, OP_SPLIT, 1, INS(x), 3);
    assert_int_equal(run_node(n, out, NULL), 0);
    expect_exact(out[0], 2, VALS(1, 2));
    expect_exact(out[1], 2, VALS(3, 4));
    expect_exact(out[2], 2, VALS(5, 6));
    n = mk_node(g, OP_SPLIT, 2, INS(x, c_vec(g, 2, I64S(2, 4))), 2);
    assert_int_equal(run_node(n, out, NULL), 0);
    expect_exact(out[0], 2, VALS(1, 2));
    expect_exact(out[1], 4, VALS(3, 4, 5, 6));
    /* 2-D along axis 1: [[1,2,3],[4,5,6]] -> [[1],[4]] and [[2,3],[5,6]] */
    Value *m = c_f32(g, 2, DIMS(2, 3), VALS(1, 2, 3, 4, 5, 6));
    n = mk_node(g, OP_SPLIT, 2, INS(m, c_vec(g, 2, I64S(1, 2))), 2);
    node_set_attr_int(g, n, "axis", 1);
    assert_int_equal(run_node(n, out, NULL), 0);
    expect_shape(out[0], 2, DIMS(2, 1));
    expect_exact(out[0], 2, VALS(1, 4));
    expect_shape(out[1], 2, DIMS(2, 2));
    expect_exact(out[1], 4, VALS(2, 3, 5, 6));
    infer_fails(mk_node(g, OP_SPLIT, 2, INS(x, c_vec(g, 2, I64S(2, 3))), 2), "do not add up");
    infer_fails(mk_node(g, OP_SPLIT, 1, INS(x), 4), "into 4 equal parts");
    infer_fails(mk_node(g, OP_SPLIT, 2, INS(x, c_vec(g, 3, I64S(2, 2, 2))), 2),
                "split has 3 entries but the node has 2 outputs");
    graph_free(g);
}

static void test_slice(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Slice example 1 */
    Value *x = c_f32(g, 2, DIMS(2, 4), VALS(1, 2, 3, 4, 5, 6, 7, 8));
    Tensor *y = run1(mk_node(g, OP_SLICE, 5,
                             INS(x, c_vec(g, 2, I64S(1, 0)), c_vec(g, 2, I64S(2, 3)),
                                 c_vec(g, 2, I64S(0, 1)), c_vec(g, 2, I64S(1, 2))),
                             1));
    expect_shape(y, 2, DIMS(1, 2));
    expect_exact(y, 2, VALS(5, 7));
    /* ONNX Slice example 2: ends -1 and 1000 (clamped) */
    y = run1(mk_node(g, OP_SLICE, 3, INS(x, c_vec(g, 2, I64S(0, 1)), c_vec(g, 2, I64S(-1, 1000))),
                     1));
    expect_shape(y, 2, DIMS(1, 3));
    expect_exact(y, 3, VALS(2, 3, 4));
    /* reversing with INT64_MIN end and negative steps */
    Value *v = c_f32(g, 1, DIMS(5), VALS(1, 2, 3, 4, 5));
    y = run1(mk_node(g, OP_SLICE, 5,
                     INS(v, c_vec(g, 1, I64S(-1)), c_vec(g, 1, I64S(INT64_MIN)),
                         c_vec(g, 1, I64S(0)), c_vec(g, 1, I64S(-1))),
                     1));
    expect_exact(y, 5, VALS(5, 4, 3, 2, 1));
    y = run1(mk_node(g, OP_SLICE, 5,
                     INS(v, c_vec(g, 1, I64S(INT64_MAX)), c_vec(g, 1, I64S(INT64_MIN)),
                         c_vec(g, 1, I64S(0)), c_vec(g, 1, I64S(-2))),
                     1));
    expect_exact(y, 3, VALS(5, 3, 1));
    /* 1 to INT64_MAX step INT64_MAX: just element 1 */
    y = run1(mk_node(g, OP_SLICE, 5,
                     INS(v, c_vec(g, 1, I64S(1)), c_vec(g, 1, I64S(INT64_MAX)),
                         c_vec(g, 1, I64S(-1)), c_vec(g, 1, I64S(INT64_MAX))),
                     1));
    expect_exact(y, 1, VALS(2));
    /* i32 parameters are accepted */
    Value *s32 = c_typed(g, DT_I32, 1, DIMS(1), VALS(1));
    Value *e32 = c_typed(g, DT_I32, 1, DIMS(1), VALS(3));
    expect_exact(run1(mk_node(g, OP_SLICE, 3, INS(v, s32, e32), 1)), 2, VALS(2, 3));
    infer_fails(mk_node(g, OP_SLICE, 5,
                        INS(v, c_vec(g, 1, I64S(0)), c_vec(g, 1, I64S(3)), c_vec(g, 1, I64S(0)),
                            c_vec(g, 1, I64S(0))),
                        1),
                "steps[0] is 0");
    y = run1(mk_node(g, OP_SLICE, 3, INS(v, c_vec(g, 1, I64S(3)), c_vec(g, 1, I64S(1))), 1));
    expect_shape(y, 1, DIMS(0));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_SLICE, 4,
                        INS(x, c_vec(g, 2, I64S(0, 0)), c_vec(g, 2, I64S(1, 1)),
                            c_vec(g, 2, I64S(1, -1))),
                        1),
                "more than once");
    Value *rt = v_input(g, DT_I64, 1, DIMS(1));
    infer_fails(mk_node(g, OP_SLICE, 3, INS(v, c_vec(g, 1, I64S(0)), rt), 1),
                "the ends input is computed at run time");
    graph_free(g);
}

static void test_gather(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Gather example 1 (axis 0) */
    Value *data = c_f32(g, 2, DIMS(3, 2), VALS(1.0, 1.2, 2.3, 3.4, 4.5, 5.7));
    Value *idx = c_i64(g, 2, DIMS(2, 2), I64S(0, 1, 1, 2));
    Tensor *y = run1(mk_node(g, OP_GATHER, 2, INS(data, idx), 1));
    expect_shape(y, 3, DIMS(2, 2, 2));
    expect_exact(y, 8,
                 VALS((float)1.0, (float)1.2, (float)2.3, (float)3.4, (float)2.3, (float)3.4,
                      (float)4.5, (float)5.7));
    /* ONNX Gather example 2 (axis 1) */
    Value *d2 = c_f32(g, 2, DIMS(3, 3), VALS(1.0, 1.2, 1.9, 2.3, 3.4, 3.9, 4.5, 5.7, 5.9));
    Node *n = mk_node(g, OP_GATHER, 2, INS(d2, c_i64(g, 2, DIMS(1, 2), I64S(0, 2))), 1);
    node_set_attr_int(g, n, "axis", 1);
    y = run1(n);
    expect_shape(y, 3, DIMS(3, 1, 2));
    expect_exact(y, 6,
                 VALS((float)1.0, (float)1.9, (float)2.3, (float)3.9, (float)4.5, (float)5.9));
    /* scalar i32 index, negative: the last row */
    Value *neg = c_typed(g, DT_I32, 0, NULL, VALS(-1));
    y = run1(mk_node(g, OP_GATHER, 2, INS(data, neg), 1));
    expect_shape(y, 1, DIMS(2));
    expect_exact(y, 2, VALS((float)4.5, (float)5.7));
    infer_fails(mk_node(g, OP_GATHER, 2, INS(data, c_vec(g, 1, I64S(3))), 1),
                "index 3 is out of range for an axis of size 3");
    infer_fails(mk_node(g, OP_GATHER, 2, INS(data, c_vec(g, 1, I64S(-4))), 1), "out of range");
    /* indices known only at run time: eval reports the bad index */
    Value *rt = v_input(g, DT_I64, 1, DIMS(1));
    n = mk_node(g, OP_GATHER, 2, INS(data, rt), 1);
    infer_ok(n);
    Tensor *bad = t_i64(g, 1, DIMS(1), I64S(5));
    Tensor *in[2] = {data->konst, bad}, *out[1];
    out[0] = tensor_new(NULL, DT_F32, &n->out[0]->type.shape);
    Diag d = {0};
    assert_int_equal(op_info(OP_GATHER)->sema->eval(n, in, out, &d), -1);
    assert_non_null(strstr(d.msgs[0], "index 5 is out of range"));
    diag_free(&d);
    tensor_free_heap(out[0]);
    infer_fails(mk_node(g, OP_GATHER, 2, INS(data, c_f32(g, 1, DIMS(1), VALS(0))), 1),
                "integer type");
    graph_free(g);
}

static void test_expand_tile(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Expand example: [3,1] to [2,1,6] gives [2,3,6] */
    Value *x = c_f32(g, 2, DIMS(3, 1), VALS(1, 2, 3));
    Tensor *y = run1(mk_node(g, OP_EXPAND, 2, INS(x, c_vec(g, 3, I64S(2, 1, 6))), 1));
    expect_shape(y, 3, DIMS(2, 3, 6));
    double want[36];
    for (int i = 0; i < 36; i++) want[i] = (i / 6) % 3 + 1;
    expect_exact(y, 36, want);
    /* the shape may be smaller than the input (bidirectional) */
    y = run1(mk_node(g, OP_EXPAND, 2, INS(x, c_vec(g, 1, I64S(1))), 1));
    expect_shape(y, 2, DIMS(3, 1));
    tensor_free_heap(y);
    infer_fails(mk_node(g, OP_EXPAND, 2, INS(x, c_vec(g, 2, I64S(2, 2))), 1),
                "cannot expand [3,1] to [2,2]");
    infer_fails(mk_node(g, OP_EXPAND, 2, INS(x, c_vec(g, 1, I64S(-1))), 1), "invalid dimension");

    Value *t = c_f32(g, 2, DIMS(2, 2), VALS(1, 2, 3, 4));
    y = run1(mk_node(g, OP_TILE, 2, INS(t, c_vec(g, 2, I64S(1, 2))), 1));
    expect_shape(y, 2, DIMS(2, 4));
    expect_exact(y, 8, VALS(1, 2, 1, 2, 3, 4, 3, 4));
    y = run1(mk_node(g, OP_TILE, 2, INS(t, c_vec(g, 2, I64S(2, 1))), 1));
    expect_exact(y, 8, VALS(1, 2, 3, 4, 1, 2, 3, 4));
    infer_fails(mk_node(g, OP_TILE, 2, INS(t, c_vec(g, 1, I64S(2))), 1), "repeats has 1 entries");
    infer_fails(mk_node(g, OP_TILE, 2, INS(t, c_vec(g, 2, I64S(1, INT64_MAX))), 1), "more than");
    infer_fails(mk_node(g, OP_TILE, 2, INS(t, c_vec(g, 2, I64S(1, -1))), 1), "negative");
    graph_free(g);
}

static void test_constant_of_shape_range(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    Node *n = mk_node(g, OP_CONSTANT_OF_SHAPE, 1, INS(c_vec(g, 2, I64S(2, 3))), 1);
    Tensor *y = run1(n);
    assert_int_equal(y->type.dtype, DT_F32);
    expect_exact(y, 6, VALS(0, 0, 0, 0, 0, 0));
    n = mk_node(g, OP_CONSTANT_OF_SHAPE, 1, INS(c_vec(g, 1, I64S(3))), 1);
    Attr a = {.name = "value", .kind = ATTR_TENSOR,
              .t = t_make(g, DT_I32, 1, DIMS(1), VALS(5))};
    node_set_attr(g, n, &a);
    y = run1(n);
    assert_int_equal(y->type.dtype, DT_I32);
    expect_exact(y, 3, VALS(5, 5, 5));
    infer_fails(mk_node(g, OP_CONSTANT_OF_SHAPE, 1, INS(c_vec(g, 2, I64S(2, -3))), 1),
                "negative dimension");
    n = mk_node(g, OP_CONSTANT_OF_SHAPE, 1, INS(c_vec(g, 1, I64S(3))), 1);
    Attr two = {.name = "value", .kind = ATTR_TENSOR,
                .t = t_make(g, DT_F32, 1, DIMS(2), VALS(1, 2))};
    node_set_attr(g, n, &two);
    infer_fails(n, "exactly one element");

    /* ONNX Range examples: (3, 9, 3) and (10, 4, -3) */
    Value *s = c_i64(g, 0, NULL, I64S(3)), *l = c_i64(g, 0, NULL, I64S(9));
    Value *dl = c_i64(g, 0, NULL, I64S(3));
    expect_i64(run1(mk_node(g, OP_RANGE, 3, INS(s, l, dl), 1)), 2, I64S(3, 6));
    s = c_i64(g, 0, NULL, I64S(10));
    l = c_i64(g, 0, NULL, I64S(4));
    dl = c_i64(g, 0, NULL, I64S(-3));
    expect_i64(run1(mk_node(g, OP_RANGE, 3, INS(s, l, dl), 1)), 2, I64S(10, 7));
    Value *fs = c_f32(g, 0, NULL, VALS(1)), *fl = c_f32(g, 0, NULL, VALS(2.1));
    Value *fd = c_f32(g, 0, NULL, VALS(0.25));
    expect_exact(run1(mk_node(g, OP_RANGE, 3, INS(fs, fl, fd), 1)), 5,
                 VALS(1, 1.25, 1.5, 1.75, 2));
    Value *zero = c_i64(g, 0, NULL, I64S(0));
    infer_fails(mk_node(g, OP_RANGE, 3, INS(s, l, zero), 1), "delta is 0");
    /* counting up from 10 to 4: empty */
    y = run1(mk_node(g, OP_RANGE, 3, INS(s, l, c_i64(g, 0, NULL, I64S(1))), 1));
    expect_shape(y, 1, DIMS(0));
    tensor_free_heap(y);
    Value *big = c_i64(g, 0, NULL, I64S(INT64_MAX)), *low = c_i64(g, 0, NULL, I64S(INT64_MIN));
    Value *one = c_i64(g, 0, NULL, I64S(1));
    infer_fails(mk_node(g, OP_RANGE, 3, INS(low, big, one), 1), "more than");
    infer_fails(mk_node(g, OP_RANGE, 3, INS(s, l, v_input(g, DT_I64, 0, NULL)), 1),
                "the delta input is computed at run time");
    graph_free(g);
}

static void test_pad(void **state) {
    (void)state;
    Graph *g = graph_new("t");
    /* ONNX Pad examples: constant, reflect, edge with pads [0,2,0,0] */
    Value *x = c_f32(g, 2, DIMS(3, 2), VALS(1.0, 1.2, 2.3, 3.4, 4.5, 5.7));
    Value *pads = c_vec(g, 4, I64S(0, 2, 0, 0));
    const float a = 1.0f, b = 1.2f, c = 2.3f, d = 3.4f, e = 4.5f, f = 5.7f;
    Tensor *y = run1(mk_node(g, OP_PAD, 3, INS(x, pads, c_f32(g, 0, NULL, VALS(0))), 1));
    expect_shape(y, 2, DIMS(3, 4));
    expect_exact(y, 12, VALS(0, 0, a, b, 0, 0, c, d, 0, 0, e, f));
    Node *n = mk_node(g, OP_PAD, 2, INS(x, pads), 1);
    node_set_attr_string(g, n, "mode", "reflect");
    expect_exact(run1(n), 12, VALS(a, b, a, b, c, d, c, d, e, f, e, f));
    n = mk_node(g, OP_PAD, 2, INS(x, pads), 1);
    node_set_attr_string(g, n, "mode", "edge");
    expect_exact(run1(n), 12, VALS(a, a, a, b, c, c, c, d, e, e, e, f));
    /* constant 9, pads on both ends of axis 0, crop one column at the end */
    y = run1(mk_node(g, OP_PAD, 3,
                     INS(x, c_vec(g, 4, I64S(1, 0, 0, -1)), c_f32(g, 0, NULL, VALS(9))), 1));
    expect_shape(y, 2, DIMS(4, 1));
    expect_exact(y, 4, VALS(9, a, c, e));
    /* reflect beyond dim-1 keeps reflecting (numpy.pad): [1,2,3] with 4 in front */
    n = mk_node(g, OP_PAD, 2, INS(c_f32(g, 1, DIMS(3), VALS(1, 2, 3)), c_vec(g, 2, I64S(4, 1))), 1);
    node_set_attr_string(g, n, "mode", "reflect");
    expect_exact(run1(n), 8, VALS(1, 2, 3, 2, 1, 2, 3, 2));
    /* a single element reflects to itself */
    n = mk_node(g, OP_PAD, 2, INS(c_f32(g, 1, DIMS(1), VALS(5)), c_vec(g, 2, I64S(2, 1))), 1);
    node_set_attr_string(g, n, "mode", "reflect");
    expect_exact(run1(n), 4, VALS(5, 5, 5, 5));
    infer_fails(mk_node(g, OP_PAD, 2, INS(x, c_vec(g, 2, I64S(1, 1))), 1), "pads has 2 entries");
    infer_fails(mk_node(g, OP_PAD, 2, INS(x, c_vec(g, 4, I64S(0, -3, 0, 0))), 1), "remove more");
    n = mk_node(g, OP_PAD, 2, INS(c_f32(g, 2, DIMS(0, 2), NULL), c_vec(g, 4, I64S(1, 0, 0, 0))),
                1);
    node_set_attr_string(g, n, "mode", "edge");
    infer_fails(n, "edge padding of the empty axis 0");
    n = mk_node(g, OP_PAD, 2, INS(x, pads), 1);
    node_set_attr_string(g, n, "mode", "wrap");
    infer_fails(n, "mode 'wrap' is not supported");
    infer_fails(mk_node(g, OP_PAD, 2, INS(x, v_input(g, DT_I64, 1, DIMS(4))), 1),
                "the pads input is computed at run time");
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_size),
        cmocka_unit_test(test_reshape),
        cmocka_unit_test(test_flatten_chain_with_empty_slice),
        cmocka_unit_test(test_flatten_squeeze_unsqueeze),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_concat),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_gather),
        cmocka_unit_test(test_expand_tile),
        cmocka_unit_test(test_constant_of_shape_range),
        cmocka_unit_test(test_pad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
