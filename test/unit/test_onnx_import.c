/*
 * test_onnx_import.c - the ONNX frontend (frontend/onnx_*.c).
 *
 * Expected numbers come from outside tsnc:
 *  - shipped models: node counts per op_type from python onnx,
 *      m = onnx.load(f); Counter(n.op_type for n in m.graph.node if n.op_type != "Constant")
 *    plus the number of Constant nodes and initializers (each becomes one constant value);
 *  - the files in test/data/onnx: the values written by make_test_models.py (see its docstrings);
 *  - error files: the defect each file was built with.
 * The mutation sweeps at the end only check that bad bytes never crash (run
 * them under -DTSNC_SANITIZE=ON).
 */
#include <setjmp.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/frontend.h"
#include "passes/passes.h"

#define DATA TSNC_SOURCE_DIR "/test/data/onnx/"
#define MODELS TSNC_SOURCE_DIR "/models/"

/* ---- helpers ---------------------------------------------------------------- */

static Graph *import_pinned(const char *path, Diag *d, int n_pins, const DimPin *pins) {
    memset(d, 0, sizeof *d);
    d->file = path;
    ImportOptions o = {n_pins, pins};
    return onnx_import_file(path, &o, d);
}

static Graph *import_ok(const char *path) {
    Diag d;
    Graph *g = import_pinned(path, &d, 0, NULL);
    if (!g) {
        diag_print(&d, stderr);
        fail_msg("import of %s failed", path);
    }
    assert_int_equal(d.n_errors, 0);
    diag_free(&d);
    return g;
}

static bool diag_has(const Diag *d, const char *needle) {
    for (int i = 0; i < d->n_kept; i++)
        if (strstr(d->msgs[i], needle)) return true;
    return false;
}

/* Imports path expecting failure with a message containing every needle (NULL-terminated). */
static void expect_errors(const char *path, int n_pins, const DimPin *pins, ...) {
    Diag d;
    Graph *g = import_pinned(path, &d, n_pins, pins);
    if (g) {
        graph_free(g);
        fail_msg("%s imported, expected an error", path);
    }
    assert_true(d.n_errors > 0);
    va_list ap;
    va_start(ap, pins);
    for (const char *s; (s = va_arg(ap, const char *));) {
        if (!diag_has(&d, s)) {
            diag_print(&d, stderr);
            fail_msg("%s: no error contains \"%s\"", path, s);
        }
    }
    va_end(ap);
    diag_free(&d);
}

static int count_op(const Graph *g, const char *op) {
    int c = 0;
    for (const Node *n = g->first; n; n = n->next) c += strcmp(op_info(n->op)->name, op) == 0;
    return c;
}

static const Node *find_node(const Graph *g, const char *name) {
    for (const Node *n = g->first; n; n = n->next)
        if (strcmp(n->name, name) == 0) return n;
    fail_msg("no node named %s", name);
    return NULL;
}

static const Value *find_value(const Graph *g, const char *name) {
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i]->name && strcmp(g->values[i]->name, name) == 0) return g->values[i];
    fail_msg("no value named %s", name);
    return NULL;
}

static int count_constants(const Graph *g) {
    int c = 0;
    for (int i = 0; i < g->n_values; i++) c += g->values[i]->konst && !g->values[i]->def;
    return c;
}

/* Checks constant v has dtype dt, the given shape and (as doubles) the given values. */
static void check_const(const Value *v, DType dt, int rank, const int64_t *dims, int n,
                        const double *vals) {
    assert_non_null(v);
    assert_non_null(v->konst);
    assert_null(v->def);
    const Tensor *t = v->konst;
    assert_int_equal(t->type.dtype, dt);
    assert_int_equal(t->type.shape.rank, rank);
    for (int i = 0; i < rank; i++) assert_int_equal(t->type.shape.dim[i], dims[i]);
    assert_int_equal(tensor_numel(t), n);
    for (int i = 0; i < n; i++) assert_true(tensor_get_f64(t, i) == vals[i]);
}

static void check_i64_const(const Value *v, int n, const int64_t *vals) {
    assert_non_null(v);
    assert_non_null(v->konst);
    const Tensor *t = v->konst;
    assert_int_equal(t->type.dtype, DT_I64);
    assert_int_equal(t->type.shape.rank, 1);
    assert_int_equal(tensor_numel(t), n);
    for (int i = 0; i < n; i++) assert_int_equal(tensor_get_i64(t, i), vals[i]);
}

static void check_f32_scalar(const Value *v, float x) {
    assert_non_null(v);
    assert_non_null(v->konst);
    assert_int_equal(v->konst->type.dtype, DT_F32);
    assert_int_equal(v->konst->type.shape.rank, 0);
    assert_true(((const float *)v->konst->data)[0] == x);
}

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- shipped models ----------------------------------------------------------- */

typedef struct OpCount {
    const char *op;
    int count;
} OpCount;

typedef struct ModelExpect {
    const char *name;
    int n_nodes;        /* nodes that are not Constant */
    int n_constants;    /* Constant nodes + initializers */
    int rank;
    int64_t dims[4];    /* input "input", f32 */
    OpCount ops[24];
} ModelExpect;

static const ModelExpect shipped[] = {
    {"digits_mlp_binary_t4", 53, 28 + 9, 2, {1, 64},
     {{"Abs", 3}, {"Add", 4}, {"BatchNormalization", 1}, {"Cast", 4}, {"Concat", 1},
      {"ConstantOfShape", 1}, {"Div", 4}, {"Expand", 1}, {"Flatten", 2}, {"Gather", 4},
      {"Gemm", 2}, {"Greater", 4}, {"Mul", 10}, {"ReduceMean", 1}, {"Reshape", 2}, {"Sub", 3},
      {"Tile", 1}, {"Unsqueeze", 5}}},
    {"digits_mlp_t4", 65, 32 + 9, 2, {1, 64},
     {{"Abs", 3}, {"Add", 4}, {"BatchNormalization", 1}, {"Cast", 8}, {"Concat", 1},
      {"ConstantOfShape", 1}, {"Div", 4}, {"Expand", 1}, {"Flatten", 2}, {"Gather", 4},
      {"Gemm", 2}, {"GreaterOrEqual", 4}, {"LessOrEqual", 4}, {"Mul", 10}, {"ReduceMean", 1},
      {"Reshape", 2}, {"Sub", 7}, {"Tile", 1}, {"Unsqueeze", 5}}},
    {"fmnist_cnn_binary_t4", 145, 96 + 8, 4, {1, 1, 28, 28},
     {{"Abs", 9}, {"Add", 12}, {"Cast", 12}, {"Concat", 7}, {"ConstantOfShape", 1}, {"Conv", 3},
      {"Div", 12}, {"Expand", 1}, {"Flatten", 1}, {"Gather", 12}, {"Gemm", 1}, {"Greater", 12},
      {"Mul", 18}, {"ReduceMean", 1}, {"Reshape", 8}, {"Shape", 4}, {"Slice", 8}, {"Sub", 9},
      {"Tile", 1}, {"Unsqueeze", 13}}},
    {"fmnist_cnn_t4", 193, 108 + 11, 4, {1, 1, 28, 28},
     {{"Abs", 9}, {"Add", 12}, {"Cast", 24}, {"Concat", 7}, {"ConstantOfShape", 1}, {"Conv", 3},
      {"Div", 12}, {"Expand", 1}, {"Flatten", 1}, {"Gather", 12}, {"Gemm", 1},
      {"GreaterOrEqual", 12}, {"LessOrEqual", 12}, {"Mul", 30}, {"ReduceMean", 1},
      {"Reshape", 8}, {"Shape", 4}, {"Slice", 8}, {"Sub", 21}, {"Tile", 1}, {"Unsqueeze", 13}}},
    {"fmnist_paper_t2", 145, 65 + 11, 4, {1, 1, 28, 28},
     {{"Abs", 9}, {"Add", 12}, {"AveragePool", 4}, {"Clip", 6}, {"Concat", 10}, {"Conv", 6},
      {"Div", 6}, {"Flatten", 2}, {"Gather", 18}, {"Gemm", 2}, {"Identity", 6}, {"Less", 6},
      {"Mul", 12}, {"Pad", 4}, {"ReduceMean", 1}, {"Sign", 6}, {"Sub", 9}, {"Unsqueeze", 20},
      {"Where", 6}}},
};

static void test_shipped_models(void **state) {
    (void)state;
    for (size_t m = 0; m < sizeof shipped / sizeof shipped[0]; m++) {
        const ModelExpect *e = &shipped[m];
        char path[512];
        snprintf(path, sizeof path, MODELS "%s.onnx", e->name);
        Graph *g = import_ok(path);
        assert_int_equal(g->opset, 13);
        assert_int_equal(g->n_nodes, e->n_nodes);
        int listed = 0;
        for (const OpCount *oc = e->ops; oc->op; oc++) {
            if (count_op(g, oc->op) != oc->count)
                fail_msg("%s: %d %s nodes, expected %d", e->name, count_op(g, oc->op), oc->op,
                         oc->count);
            listed += oc->count;
        }
        assert_int_equal(listed, e->n_nodes); /* no op outside the list */
        assert_int_equal(count_constants(g), e->n_constants);
        assert_int_equal(g->n_inputs, 1);
        const Value *in = g->inputs[0];
        assert_string_equal(in->name, "input");
        assert_true(in->is_input);
        assert_int_equal(in->type.dtype, DT_F32);
        assert_int_equal(in->type.shape.rank, e->rank);
        for (int i = 0; i < e->rank; i++) assert_int_equal(in->type.shape.dim[i], e->dims[i]);
        assert_int_equal(g->n_outputs, 1);
        assert_string_equal(g->outputs[0]->name, "logits");
        assert_non_null(g->outputs[0]->def);
        /* Topological order: every input is defined before its use. */
        for (const Node *n = g->first; n; n = n->next)
            for (int i = 0; i < n->n_in; i++) {
                const Value *v = n->in[i];
                if (!v || !v->def) continue;
                bool before = false;
                for (const Node *p = g->first; p != n; p = p->next) before |= p == v->def;
                assert_true(before);
            }
        graph_free(g);
    }
}

/* ---- valid feature files -------------------------------------------------------- */

static void test_typed_initializer(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_typed_initializer.onnx");
    check_const(find_value(g, "W"), DT_F32, 2, (int64_t[]){2, 3}, 6,
                (double[]){1, 2, 3, 4, 5, 6});
    check_const(find_value(g, "shape"), DT_I64, 1, (int64_t[]){2}, 2, (double[]){3, 2});
    check_const(find_value(g, "ci32"), DT_I32, 1, (int64_t[]){2}, 2, (double[]){-1, 7});
    check_const(find_value(g, "cu8"), DT_U8, 1, (int64_t[]){2}, 2, (double[]){0, 255});
    check_const(find_value(g, "cbool"), DT_BOOL, 1, (int64_t[]){3}, 3, (double[]){1, 0, 1});
    check_const(find_value(g, "cf64"), DT_F64, 1, (int64_t[]){2}, 2, (double[]){0.5, -2.25});
    const Node *add = find_node(g, "add");
    assert_int_equal(add->op, OP_ADD);
    assert_ptr_equal(add->in[0], g->inputs[0]);
    assert_ptr_equal(add->in[1], find_value(g, "W"));
    const Node *rs = find_node(g, "reshape");
    assert_ptr_equal(rs->in[0], add->out[0]);
    assert_ptr_equal(g->outputs[0], rs->out[0]);
    assert_string_equal(rs->out[0]->name, "y");
    assert_int_equal(rs->out[0]->type.dtype, DT_UNDEF); /* no inference in the frontend */
    graph_free(g);
}

static void test_raw_initializer(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_raw_initializer.onnx");
    check_const(find_value(g, "W"), DT_F32, 2, (int64_t[]){2, 3}, 6,
                (double[]){0.5, 1.0, 1.5, 2.0, 2.5, 3.0});
    check_i64_const(find_value(g, "k"), 2, (int64_t[]){-3, INT64_C(40000000000)});
    graph_free(g);
}

static void test_constant_forms(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_constant_forms.onnx");
    assert_int_equal(g->n_nodes, 3); /* Add, Mul, Reshape: Constants are values */
    assert_int_equal(count_op(g, "Add") + count_op(g, "Mul") + count_op(g, "Reshape"), 3);
    check_const(find_value(g, "c_tensor"), DT_F32, 1, (int64_t[]){2}, 2, (double[]){1.5, -2.0});
    check_f32_scalar(find_value(g, "c_float"), 0.25f);
    check_const(find_value(g, "c_floats"), DT_F32, 1, (int64_t[]){3}, 3, (double[]){1, 2, 3});
    check_const(find_value(g, "c_int"), DT_I64, 0, NULL, 1, (double[]){7});
    check_i64_const(find_value(g, "c_ints"), 2, (int64_t[]){1, 3});
    assert_ptr_equal(find_node(g, "add")->in[1], find_value(g, "c_float"));
    assert_ptr_equal(find_node(g, "reshape")->in[1], find_value(g, "c_ints"));
    graph_free(g);
}

static void test_unsqueeze_opset11(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_unsqueeze_opset11.onnx");
    assert_int_equal(g->opset, 11);
    const Node *u = find_node(g, "unsq");
    assert_int_equal(u->n_in, 2);
    assert_int_equal(u->n_attr, 0);
    check_i64_const(u->in[1], 2, (int64_t[]){0, 3});
    const Node *s = find_node(g, "sq");
    assert_int_equal(s->n_in, 2);
    check_i64_const(s->in[1], 1, (int64_t[]){0});
    const Node *all = find_node(g, "sq_all");
    assert_int_equal(all->n_in, 1); /* no axes: squeeze every 1 */
    graph_free(g);
}

static void test_slice_opset9(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_slice_opset9.onnx");
    const Node *s = find_node(g, "slice");
    assert_int_equal(s->n_in, 4);
    assert_int_equal(s->n_attr, 0);
    check_i64_const(s->in[1], 1, (int64_t[]){1});
    check_i64_const(s->in[2], 1, (int64_t[]){3});
    check_i64_const(s->in[3], 1, (int64_t[]){1});
    graph_free(g);
}

static void test_clip_opset10(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_clip_opset10.onnx");
    const Node *c = find_node(g, "clip");
    assert_int_equal(c->n_in, 3);
    assert_int_equal(c->n_attr, 0);
    check_f32_scalar(c->in[1], -1.0f);
    check_f32_scalar(c->in[2], 1.0f);
    const Node *m = find_node(g, "clip_max");
    assert_int_equal(m->n_in, 3);
    assert_null(m->in[1]);
    check_f32_scalar(m->in[2], 0.5f);
    graph_free(g);
}

static void test_pad_opset10(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_pad_opset10.onnx");
    const Node *p = find_node(g, "pad");
    assert_int_equal(p->n_in, 3);
    check_i64_const(p->in[1], 4, (int64_t[]){0, 1, 0, 2});
    check_f32_scalar(p->in[2], 0.5f);
    assert_string_equal(node_attr_string(p, "mode", ""), "constant");
    assert_int_equal(p->n_attr, 1);
    graph_free(g);
}

static void test_split_opset11(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_split_opset11.onnx");
    const Node *s = find_node(g, "split");
    assert_int_equal(s->n_in, 2);
    assert_int_equal(s->n_out, 2);
    check_i64_const(s->in[1], 2, (int64_t[]){1, 2});
    assert_int_equal(node_attr_int(s, "axis", -99), 1);
    assert_ptr_equal(g->outputs[0], s->out[0]);
    assert_ptr_equal(g->outputs[1], s->out[1]);
    graph_free(g);
}

static void test_reduce_opset18(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_reduce_opset18.onnx");
    assert_int_equal(g->opset, 18);
    const Node *m = find_node(g, "mean");
    assert_int_equal(m->op, OP_REDUCE_MEAN);
    assert_int_equal(m->n_in, 1);
    int n = 0;
    const int64_t *axes = node_attr_ints(m, "axes", &n);
    assert_int_equal(n, 1);
    assert_int_equal(axes[0], 1);
    assert_int_equal(node_attr_int(m, "keepdims", -1), 1);
    const Node *noop = find_node(g, "noop");
    assert_int_equal(noop->op, OP_IDENTITY);
    assert_int_equal(noop->n_attr, 0);
    const Node *mx = find_node(g, "max_all");
    assert_int_equal(mx->op, OP_REDUCE_MAX);
    assert_int_equal(mx->n_in, 1);
    assert_null(node_attr(mx, "axes"));
    assert_int_equal(node_attr_int(mx, "keepdims", -1), 0);
    graph_free(g);
}

static void test_softmax_opset11(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_softmax_opset11.onnx");
    /* sm3: Shape + Flatten(axis 1) + Softmax(axis 1) + Reshape; sm2: one Softmax. */
    assert_int_equal(count_op(g, "Softmax"), 2);
    assert_int_equal(count_op(g, "Flatten"), 1);
    assert_int_equal(count_op(g, "Shape"), 1);
    assert_int_equal(count_op(g, "Reshape"), 1);
    const Value *y = g->outputs[0];
    assert_string_equal(y->name, "y");
    const Node *rs = y->def;
    assert_int_equal(rs->op, OP_RESHAPE);
    const Node *sm = rs->in[0]->def;
    assert_int_equal(sm->op, OP_SOFTMAX);
    assert_int_equal(node_attr_int(sm, "axis", -99), 1);
    const Node *fl = sm->in[0]->def;
    assert_int_equal(fl->op, OP_FLATTEN);
    assert_int_equal(node_attr_int(fl, "axis", -99), 1);
    assert_ptr_equal(fl->in[0], g->inputs[0]);
    const Node *sh = rs->in[1]->def;
    assert_int_equal(sh->op, OP_SHAPE);
    assert_ptr_equal(sh->in[0], g->inputs[0]);
    const Node *sm2 = g->outputs[1]->def;
    assert_int_equal(sm2->op, OP_SOFTMAX);
    assert_ptr_equal(sm2->in[0], g->inputs[1]);
    assert_int_equal(node_attr_int(sm2, "axis", -99), 1);
    graph_free(g);
}

static void test_legacy_outputs(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_legacy_outputs.onnx");
    const Node *bn = find_node(g, "bn");
    assert_int_equal(bn->n_out, 1);
    assert_int_equal(bn->n_in, 5);
    assert_null(node_attr(bn, "spatial"));
    assert_true(node_attr_float(bn, "epsilon", 0) == 1e-5f);
    const Node *dr = find_node(g, "drop");
    assert_int_equal(dr->n_out, 1);
    assert_int_equal(dr->n_attr, 0); /* ratio dropped */
    const Node *mp = find_node(g, "pool");
    assert_int_equal(mp->n_out, 1);
    assert_ptr_equal(g->outputs[0], mp->out[0]);
    graph_free(g);
}

static void test_dynamic_batch(void **state) {
    (void)state;
    Diag d;
    DimPin pin = {"batch", 5};
    Graph *g = import_pinned(DATA "ok_dynamic_batch.onnx", &d, 1, &pin);
    assert_non_null(g);
    assert_int_equal(g->inputs[0]->type.shape.rank, 2);
    assert_int_equal(g->inputs[0]->type.shape.dim[0], 5);
    assert_int_equal(g->inputs[0]->type.shape.dim[1], 4);
    graph_free(g);
    diag_free(&d);
    expect_errors(DATA "ok_dynamic_batch.onnx", 0, NULL,
                  "input 'x' dimension 0 is dynamic ('batch'); pin it with --dim batch=VALUE",
                  NULL);
    DimPin zero = {"batch", 0};
    expect_errors(DATA "ok_dynamic_batch.onnx", 1, &zero, "--dim batch=0", NULL);
}

static void test_unsorted(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_unsorted.onnx");
    assert_int_equal(g->first->op, OP_ABS);
    assert_int_equal(g->last->op, OP_RELU);
    assert_ptr_equal(g->last->in[0], g->first->out[0]);
    graph_free(g);
}

/* IR version 3: every initializer must also be a graph input, and is a constant.
 * (From IR version 4 on the same file is an error: err_initializer_shadows_input.) */
static void test_initializer_as_input(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_initializer_as_input.onnx");
    assert_int_equal(g->n_inputs, 1);
    assert_string_equal(g->inputs[0]->name, "x");
    check_const(find_value(g, "W"), DT_F32, 1, (int64_t[]){2}, 2, (double[]){1, 2});
    graph_free(g);
}

static void test_attr_untyped(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_attr_untyped.onnx");
    assert_int_equal(node_attr_int(find_node(g, "cat"), "axis", -99), 1);
    graph_free(g);
}

static void test_function(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_function.onnx");
    assert_int_equal(g->n_nodes, 7);
    assert_int_equal(count_op(g, "Mul"), 2);
    assert_int_equal(count_op(g, "Add"), 2);
    assert_int_equal(count_op(g, "LeakyRelu"), 2);
    assert_int_equal(count_op(g, "Relu"), 1);
    float alphas[2];
    int k = 0;
    for (const Node *n = g->first; n; n = n->next)
        if (n->op == OP_LEAKY_RELU) alphas[k++] = node_attr_float(n, "alpha", -1);
    assert_true(alphas[0] == 0.1f);
    assert_true(alphas[1] == 0.2f);
    /* Bindings: call1's Mul reads x twice; its Add reads b; y1 feeds the outer call. */
    const Node *mul1 = find_node(g, "call1/sq");
    assert_ptr_equal(mul1->in[0], g->inputs[0]);
    assert_ptr_equal(mul1->in[1], g->inputs[0]);
    assert_ptr_equal(find_node(g, "call1/plus")->in[1], g->inputs[1]);
    const Value *y1 = find_value(g, "y1");
    assert_ptr_equal(find_node(g, "call1/act")->out[0], y1);
    assert_ptr_equal(find_node(g, "call2/inner/sq")->in[0], y1);
    assert_ptr_equal(g->outputs[0], find_node(g, "call2/relu")->out[0]);
    /* Inner names are renamed apart. */
    assert_string_not_equal(mul1->out[0]->name, find_node(g, "call2/inner/sq")->out[0]->name);
    graph_free(g);
}

static void test_function_defaults_and_overloads(void **state) {
    (void)state;
    Graph *g = import_ok(DATA "ok_function_defaults.onnx");
    assert_true(node_attr_float(find_node(g, "dflt/act"), "alpha", -1) == 0.3f);
    assert_true(node_attr_float(find_node(g, "given/act"), "alpha", -1) == 0.5f);
    graph_free(g);
    g = import_ok(DATA "ok_function_overload.onnx");
    assert_int_equal(g->n_nodes, 2);
    assert_int_equal(g->first->op, OP_RELU); /* F overload "relu" */
    assert_int_equal(g->last->op, OP_ABS);   /* F overload "abs" */
    graph_free(g);
}

/* ---- errors ---------------------------------------------------------------------- */

static void test_file_errors(void **state) {
    (void)state;
    expect_errors(DATA "does_not_exist.onnx", 0, NULL, "cannot open: No such file or directory",
                  NULL);
    expect_errors(DATA, 0, NULL, "is a directory", NULL);
    expect_errors(DATA "err_empty.onnx", 0, NULL, "file is empty", NULL);
    expect_errors(DATA "err_not_onnx.onnx", 0, NULL, "not an ONNX model (protobuf parse failed)",
                  NULL);
    expect_errors(DATA "err_nesting.onnx", 0, NULL, "nest deeper than", NULL);
    Diag d = {0};
    assert_null(onnx_import_buffer((const uint8_t *)"", 0, NULL, &d));
    assert_true(diag_has(&d, "not an ONNX model"));
    diag_free(&d);
}

static void test_truncated(void **state) {
    (void)state;
    Diag d;
    Graph *g = import_pinned(DATA "err_truncated.onnx", &d, 0, NULL);
    assert_null(g);
    assert_true(diag_has(&d, "not an ONNX model (protobuf parse failed)") ||
                diag_has(&d, "but never defined"));
    diag_free(&d);
}

typedef struct ErrCase {
    const char *file;
    const char *msg;
} ErrCase;

static const ErrCase err_cases[] = {
    {"err_internal_op.onnx", "node 'fire' (tsnc.fire): unsupported operator"},
    {"err_raw_data_length.onnx", "initializer 'W': raw_data has 4 bytes, expected 24 for f32[2,3]"},
    {"err_typed_count.onnx", "initializer 'W': float_data has 5 values, expected 6 for f32[2,3]"},
    {"err_negative_dim.onnx", "initializer 'W' has negative dimension -2"},
    {"err_huge_dims.onnx", "initializer 'W' has too many elements"},
    {"err_rank.onnx", "initializer 'W' has rank 9"},
    {"err_unknown_dtype.onnx", "initializer 'W' has unsupported data type FLOAT16"},
    {"err_external_data.onnx", "initializer 'W': external data is not supported"},
    {"err_segment.onnx", "initializer 'W': segmented tensors are not supported"},
    {"err_int32_range.onnx", "int32_data value 300 at index 1 does not fit u8"},
    {"err_undefined_value.onnx", "value 'ghost' is used by node 'relu' but never defined"},
    {"err_duplicate_definition.onnx", "value 'y' is defined twice"},
    {"err_cycle.onnx", "graph has a cycle through node '"},
    {"err_output_undefined.onnx", "graph output 'z' is never defined"},
    {"err_no_inputs.onnx", "every graph input is also an initializer"},
    {"err_dropout_mask_used.onnx", "node 'drop' (Dropout): output 1 ('mask') is used"},
    {"err_constant_string.onnx", "node 'str' (Constant): attribute 'value_string': string "
                                 "constants are not supported"},
    {"err_input_no_shape.onnx", "input 'x' has no shape"},
    {"err_axes_not_const.onnx", "node 'rsum' (ReduceSum): the 'axes' input of ReduceSum must be "
                                "a constant"},
    {"err_attr_graph.onnx", "node 'cat' (Concat): attribute 'axis' must be an int, got graph"},
    {"err_no_graph.onnx", "model has no graph"},
    {"err_no_opset.onnx", "no opset_import for the default ONNX domain"},
    {"err_opset_old.onnx", "opset 6 is not supported"},
    {"err_opset_new.onnx", "opset 22 is not supported: tsnc reads opsets 7 to 21"},
    {"err_avgpool_dilations_opset19.onnx", "node 'pool' (AveragePool): dilations (added in "
                                           "AveragePool-19; this model has opset 19) other than 1 "
                                           "are not supported: dilations[0] = 2"},
    {"err_split_num_outputs_opset13.onnx", "node 'split' (Split): attribute 'num_outputs' is "
                                           "Split-18's; this node is read at opset 13"},
    {"err_pad_wrap_opset19.onnx", "node 'pad' (Pad): mode 'wrap' (added in Pad-19; this model "
                                  "has opset 19) is not supported"},
    {"err_function_recursive.onnx", "model-local function 'F' calls itself"},
    /* Limits on untrusted input (test/data/onnx/make_limit_models.py; the shape
     * arithmetic ones fail in infer-shapes and are checked by test/lit/errors). */
    {"err_zero_dim.onnx", "input 'x' dimension 1 is 0; dimensions must be positive"},
    {"err_input_rank.onnx", "input 'x' has rank 9; at most 8 dimensions are supported"},
    {"err_input_elements.onnx", "input 'x' of shape [1048576,1048576] has more than 268435456 "
                                "elements"},
    {"err_long_name.onnx", "' is longer than 4096 bytes"},
    {"err_long_string.onnx", "node 'pad' (Pad): attribute 'mode' is a string of 5000 bytes"},
    {"err_initializer_shadows_input.onnx", "graph input 'W' has the same name as an initializer; "
                                           "from IR version 4 on (this model has 8)"},
    {"err_duplicate_input.onnx", "value 'x' is defined twice (two graph inputs)"},
    {"err_duplicate_initializer.onnx", "value 'W' is defined twice (two initializers)"},
    {"err_dtype_code.onnx", "initializer 'W' has unsupported data type code 99"},
    {"err_input_dtype_code.onnx", "input 'x' has unsupported data type code 99"},
    {"err_attr_wrong_type.onnx", "node 'gemm' (Gemm): attribute 'transB' must be an int, got "
                                 "string"},
    {"err_function_depth.onnx", "model-local function calls nest deeper than 16 levels"},
    {"err_function_bomb.onnx", "graph has more than 200000 nodes after inlining functions"},
};

static void test_error_files(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof err_cases / sizeof err_cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, DATA "%s", err_cases[i].file);
        expect_errors(path, 0, NULL, err_cases[i].msg, NULL);
    }
}

static void test_cycle_names_a_cycle_node(void **state) {
    (void)state;
    Diag d;
    assert_null(import_pinned(DATA "err_cycle.onnx", &d, 0, NULL));
    /* add and relu form the cycle; abs only hangs off it. */
    assert_true(diag_has(&d, "cycle through node 'add'") || diag_has(&d, "cycle through node 'relu'"));
    diag_free(&d);
}

static void test_every_unsupported_listed(void **state) {
    (void)state;
    expect_errors(DATA "err_unsupported_ops.onnx", 0, NULL,
                  "node 'hs1' (HardSwish): unsupported operator",
                  "node 'erf1' (Erf): unsupported operator",
                  "node 'hs2' (HardSwish): unsupported operator",
                  "node 'custom1' (com.example:MyOp): unsupported operator",
                  "4 nodes use operators tsnc does not support: HardSwish (x2), Erf, "
                  "com.example:MyOp",
                  NULL);
    Diag d;
    assert_null(import_pinned(DATA "err_unsupported_ops.onnx", &d, 0, NULL));
    assert_int_equal(d.n_errors, 5); /* the summary and one line per node, nothing else */
    diag_free(&d);
}

static void test_every_attribute_problem_listed(void **state) {
    (void)state;
    Diag d;
    assert_null(import_pinned(DATA "err_axes_not_const.onnx", &d, 0, NULL));
    assert_int_equal(d.n_errors, 1); /* no follow-on arity message */
    diag_free(&d);
    expect_errors(DATA "err_attributes.onnx", 0, NULL,
                  "node 'conv' (Conv): attribute 'foo' is not supported by Conv",
                  "node 'gemm' (Gemm): attribute 'transA' must be an int, got float",
                  "node 'cat' (Concat): attribute 'axis' must be an int, got ints", NULL);
}

/* ---- semantics of the rewrites ----------------------------------------------- */

/*
 * Imports path, infers shapes and runs the reference interpreter. This
 * checks the opset rewrites end to end (with infer-shapes and the op
 * evaluators); expected values are computed by hand from the ONNX spec of
 * the model's opset.
 */
static void run_model(const char *path, int n_in, const float *const *in, const Shape *shapes,
                      Tensor **out) {
    Graph *g = import_ok(path);
    Diag d = {0};
    PassOptions po = {0};
    PassContext cx = {.diag = &d, .opt = &po};
    if (pass_infer_shapes(g, &cx) != 0) {
        diag_print(&d, stderr);
        fail_msg("infer-shapes failed on %s", path);
    }
    assert_int_equal(g->n_inputs, n_in);
    Tensor *inputs[4];
    for (int i = 0; i < n_in; i++) {
        inputs[i] = tensor_new(NULL, DT_F32, &shapes[i]);
        memcpy(inputs[i]->data, in[i], tensor_bytes(inputs[i]));
    }
    if (interp_run(g, inputs, out, &d) != 0) {
        diag_print(&d, stderr);
        fail_msg("interpreter failed on %s", path);
    }
    for (int i = 0; i < n_in; i++) tensor_free_heap(inputs[i]);
    diag_free(&d);
    graph_free(g);
}

static void expect_f32(Tensor *t, int rank, const int64_t *dims, const float *want, float tol) {
    assert_int_equal(t->type.dtype, DT_F32);
    assert_int_equal(t->type.shape.rank, rank);
    for (int i = 0; i < rank; i++) assert_int_equal(t->type.shape.dim[i], dims[i]);
    for (int64_t i = 0; i < tensor_numel(t); i++) {
        float got = ((const float *)t->data)[i];
        if (!(got >= want[i] - tol && got <= want[i] + tol))
            fail_msg("element %lld: got %.9g, want %.9g", (long long)i, got, want[i]);
    }
    tensor_free_heap(t);
}

static void test_legacy_semantics(void **state) {
    (void)state;
    Tensor *out[2];
    /* Softmax-11, axis 1 of [2,3,4]: softmax over the 12 trailing elements of each
     * row. Row 0 is ln 2 then zeros: 2/13 and 1/13; row 1 all zeros: 1/12. (Softmax-13
     * over axis 1 alone would give 1/3.) x2 [2,5] of zeros: 1/5. */
    float x[24] = {0}, x2[10] = {0};
    x[0] = logf(2.0f);
    float want[24];
    for (int i = 0; i < 12; i++) want[i] = i ? 1.0f / 13 : 2.0f / 13;
    for (int i = 12; i < 24; i++) want[i] = 1.0f / 12;
    float want2[10];
    for (int i = 0; i < 10; i++) want2[i] = 0.2f;
    run_model(DATA "ok_softmax_opset11.onnx", 2, (const float *[]){x, x2},
              (Shape[]){{3, {2, 3, 4}}, {2, {2, 5}}}, out);
    expect_f32(out[0], 3, (int64_t[]){2, 3, 4}, want, 1e-6f);
    expect_f32(out[1], 2, (int64_t[]){2, 5}, want2, 1e-6f);

    /* Clip-6 min=-1 max=1, then max=0.5 only. */
    run_model(DATA "ok_clip_opset10.onnx", 1, (const float *[]){(float[]){-3, -0.25f, 0.75f, 3}},
              (Shape[]){{1, {4}}}, out);
    expect_f32(out[0], 1, (int64_t[]){4}, (float[]){-1, -0.25f, 0.5f, 0.5f}, 0);

    /* Pad-2 pads [0,1,0,2] (begin of each axis, then end), value 0.5. */
    run_model(DATA "ok_pad_opset10.onnx", 1, (const float *[]){(float[]){1, 2, 3, 4, 5, 6}},
              (Shape[]){{2, {2, 3}}}, out);
    expect_f32(out[0], 2, (int64_t[]){2, 6},
               (float[]){0.5f, 1, 2, 3, 0.5f, 0.5f, 0.5f, 4, 5, 6, 0.5f, 0.5f}, 0);

    /* Slice-1 starts [1] ends [3] axes [1]: columns 1 and 2. */
    run_model(DATA "ok_slice_opset9.onnx", 1, (const float *[]){(float[]){0, 1, 2, 3, 4, 5, 6, 7}},
              (Shape[]){{2, {2, 4}}}, out);
    expect_f32(out[0], 2, (int64_t[]){2, 2}, (float[]){1, 2, 5, 6}, 0);

    /* Split-11 axis 1, split [1,2]. */
    run_model(DATA "ok_split_opset11.onnx", 1, (const float *[]){(float[]){1, 2, 3, 4, 5, 6}},
              (Shape[]){{2, {2, 3}}}, out);
    expect_f32(out[0], 2, (int64_t[]){2, 1}, (float[]){1, 4}, 0);
    expect_f32(out[1], 2, (int64_t[]){2, 2}, (float[]){2, 3, 5, 6}, 0);

    /* Split-18 num_outputs=3 of 7: parts 3, 3, 1 (onnxruntime 1.30 gives the same);
     * y = Concat(c, a, b). */
    run_model(DATA "ok_split_uneven_opset18.onnx", 1,
              (const float *[]){(float[]){1, 2, 3, 4, 5, 6, 7}}, (Shape[]){{1, {7}}}, out);
    expect_f32(out[0], 1, (int64_t[]){7}, (float[]){7, 1, 2, 3, 4, 5, 6}, 0);

    /* Opset 21: Cast(saturate=1), AveragePool 2x2 (dilations 1) of 1..16, Flatten, Reshape,
     * Pad with -1, Relu (hand-computed; onnxruntime 1.30 gives the same). */
    float ramp[16];
    for (int i = 0; i < 16; i++) ramp[i] = (float)(i + 1);
    run_model(DATA "ok_opset21.onnx", 1, (const float *[]){ramp}, (Shape[]){{4, {1, 1, 4, 4}}},
              out);
    expect_f32(out[0], 1, (int64_t[]){6}, (float[]){0, 3.5f, 5.5f, 11.5f, 13.5f, 0}, 0);

    /* Unsqueeze axes [0,3] then Squeeze [0] then Squeeze (all 1s): back to [2,3]. */
    run_model(DATA "ok_unsqueeze_opset11.onnx", 1, (const float *[]){(float[]){1, 2, 3, 4, 5, 6}},
              (Shape[]){{2, {2, 3}}}, out);
    expect_f32(out[0], 2, (int64_t[]){2, 3}, (float[]){1, 2, 3, 4, 5, 6}, 0);

    /* ReduceMean-18 axes [1] keepdims: [[2],[5]]; no-op ReduceSum; ReduceMax of all: 5. */
    run_model(DATA "ok_reduce_opset18.onnx", 1, (const float *[]){(float[]){1, 2, 3, 4, 5, 6}},
              (Shape[]){{2, {2, 3}}}, out);
    expect_f32(out[0], 0, NULL, (float[]){5}, 0);

    /* Functions: y1 = LeakyRelu_0.1(x*x + b) = [1.5, -0.6, 10];
     * y = Relu(LeakyRelu_0.2(y1*y1 + y1)) = Relu([3.75, -0.048, 110]) = [3.75, 0, 110]. */
    run_model(DATA "ok_function.onnx", 2,
              (const float *[]){(float[]){1, 2, -3}, (float[]){0.5f, -10, 1}},
              (Shape[]){{1, {3}}, {1, {3}}}, out);
    expect_f32(out[0], 1, (int64_t[]){3}, (float[]){3.75f, 0, 110}, 1e-5f);

    /* BatchNormalization-7 (scale 1, bias 0, mean 0, var 1, eps 1e-5), Dropout
     * (identity at inference), MaxPool 2x2 stride 1: out[c][i][j] = x[c][i+1][j+1] / sqrt(1+1e-5). */
    float xb[32], wb[18];
    for (int i = 0; i < 32; i++) xb[i] = (float)i;
    for (int ch = 0; ch < 2; ch++)
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                wb[ch * 9 + i * 3 + j] = (float)(16 * ch + 4 * (i + 1) + (j + 1)) / sqrtf(1.00001f);
    run_model(DATA "ok_legacy_outputs.onnx", 1, (const float *[]){xb},
              (Shape[]){{4, {1, 2, 4, 4}}}, out);
    expect_f32(out[0], 4, (int64_t[]){1, 2, 3, 3}, wb, 1e-4f);
}

/* ---- robustness ------------------------------------------------------------------- */

/* Every prefix and many single-byte corruptions of small models: no crash, no leak. */
static void test_mutations_do_not_crash(void **state) {
    (void)state;
    static const char *files[] = {"ok_function.onnx", "ok_function_defaults.onnx", "ok_constant_forms.onnx",
                                  "ok_legacy_outputs.onnx", "ok_typed_initializer.onnx"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        char path[512];
        snprintf(path, sizeof path, DATA "%s", files[f]);
        size_t len;
        uint8_t *buf = read_all(path, &len);
        uint8_t *copy = malloc(len);
        assert_non_null(copy);
        for (size_t cut = 0; cut < len; cut++) {
            Diag d = {0};
            Graph *g = onnx_import_buffer(buf, cut, NULL, &d);
            if (g) assert_int_equal(d.n_errors, 0);
            graph_free(g);
            diag_free(&d);
        }
        static const uint8_t patterns[] = {0x00, 0xff, 0x80, 0x7f, 0x01};
        for (size_t i = 0; i < len; i++)
            for (size_t p = 0; p < sizeof patterns; p++) {
                memcpy(copy, buf, len);
                copy[i] = copy[i] == patterns[p] ? (uint8_t)~patterns[p] : patterns[p];
                Diag d = {0};
                Graph *g = onnx_import_buffer(copy, len, NULL, &d);
                if (g) assert_int_equal(d.n_errors, 0);
                graph_free(g);
                diag_free(&d);
            }
        free(copy);
        free(buf);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_models),
        cmocka_unit_test(test_typed_initializer),
        cmocka_unit_test(test_raw_initializer),
        cmocka_unit_test(test_constant_forms),
        cmocka_unit_test(test_unsqueeze_opset11),
        cmocka_unit_test(test_slice_opset9),
        cmocka_unit_test(test_clip_opset10),
        cmocka_unit_test(test_pad_opset10),
        cmocka_unit_test(test_split_opset11),
        cmocka_unit_test(test_reduce_opset18),
        cmocka_unit_test(test_softmax_opset11),
        cmocka_unit_test(test_legacy_outputs),
        cmocka_unit_test(test_dynamic_batch),
        cmocka_unit_test(test_unsorted),
        cmocka_unit_test(test_initializer_as_input),
        cmocka_unit_test(test_attr_untyped),
        cmocka_unit_test(test_function),
        cmocka_unit_test(test_function_defaults_and_overloads),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_error_files),
        cmocka_unit_test(test_cycle_names_a_cycle_node),
        cmocka_unit_test(test_every_unsupported_listed),
        cmocka_unit_test(test_every_attribute_problem_listed),
        cmocka_unit_test(test_legacy_semantics),
        cmocka_unit_test(test_mutations_do_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
