/*
 * test_rewrite.c - the replacement primitives every rewriting pass goes
 * through (passes/rewrite.c, graph_replace_uses) refuse to change a value's
 * type or layout: a reader typed for f32[3,4] never ends up reading an
 * f32[1,4], which is how a firing function that broadcast its membrane once
 * lost its broadcast. rw_broadcast_to builds the Expand a pass inserts
 * instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/frontend.h"
#include "passes/rewrite.h"

/* v [1,4] and its broadcast w [3,4], both read by the graph outputs. */
static const char text[] =
    "graph @g opset 13 {\n"
    "  %x = input : f32[1,4]\n"
    "  %shape = const : i64[2] = dense<[3, 4]>\n"
    "  %v = Relu(%x) : f32[1,4]\n"
    "  %w = Expand(%v, %shape) : f32[3,4]\n"
    "  %u = Neg(%w) : f32[3,4]\n"
    "  return %u, %v\n"
    "}\n";

static Graph *parse(void) {
    Diag d = {.file = "test.tir"};
    Graph *g = ir_parse(text, strlen(text), &d);
    if (!g) diag_print(&d, stderr);
    assert_non_null(g);
    assert_int_equal(graph_verify(g, &d), 0);
    diag_free(&d);
    return g;
}

static Node *find(Graph *g, OpKind op) {
    for (Node *n = g->first; n; n = n->next)
        if (n->op == op) return n;
    fail();
    return NULL;
}

static void replace_refuses_another_shape(void **state) {
    (void)state;
    Graph *g = parse();
    Node *relu = find(g, OP_RELU), *expand = find(g, OP_EXPAND), *neg = find(g, OP_NEG);
    Rewriter rw;
    rw_init(&rw, g);
    /* Dropping the broadcast (w [3,4] -> v [1,4]) is refused and recorded nowhere. */
    assert_false(rw_replace(&rw, expand->out[0], relu->out[0]));
    assert_int_equal(rw.changes, 0);
    assert_ptr_equal(rw_resolve(&rw, expand->out[0]), expand->out[0]);
    /* Another dtype is refused too; the same type is accepted. */
    Value *other = graph_new_value(g, "other", DT_I32);
    other->type.shape = expand->out[0]->type.shape;
    assert_false(rw_replace(&rw, expand->out[0], other));
    assert_true(rw_replace(&rw, relu->out[0], relu->out[0]));
    rw_finish(&rw);
    assert_ptr_equal(neg->in[0], expand->out[0]);
    Diag d = {.file = "test.tir"};
    assert_int_equal(graph_verify(g, &d), 0);
    diag_free(&d);
    assert_false(graph_replace_uses(g, expand->out[0], relu->out[0]));
    assert_ptr_equal(neg->in[0], expand->out[0]);
    graph_free(g);
}

static void replace_refuses_another_layout(void **state) {
    (void)state;
    Graph *g = parse();
    Node *neg = find(g, OP_NEG), *expand = find(g, OP_EXPAND);
    /* Same type, stored channels-last (C, H, W) = (1, 2, 2): its readers index it otherwise. */
    Value *cl = graph_new_value(g, "cl", DT_F32);
    cl->type = expand->out[0]->type;
    cl->layout = (Layout){.channels_last = true, .c = 1, .h = 2, .w = 2};
    Rewriter rw;
    rw_init(&rw, g);
    assert_false(rw_replace(&rw, neg->in[0], cl));
    rw_finish(&rw);
    assert_false(graph_replace_uses(g, neg->in[0], cl));
    assert_ptr_equal(neg->in[0], expand->out[0]);
    graph_free(g);
}

static void broadcast_to_inserts_expand(void **state) {
    (void)state;
    Graph *g = parse();
    Node *relu = find(g, OP_RELU), *neg = find(g, OP_NEG);
    Value *v = relu->out[0];
    Shape same = v->type.shape, wide = {.rank = 2, .dim = {3, 4}}, bad = {.rank = 2, .dim = {3, 5}};
    Shape narrow = {.rank = 1, .dim = {4}};
    assert_ptr_equal(rw_broadcast_to(g, neg, v, &same), v);
    assert_null(rw_broadcast_to(g, neg, v, &bad));
    /* [1,4] broadcasts to [4]'s shape as [1,4], not to [4]: refused. */
    assert_null(rw_broadcast_to(g, neg, v, &narrow));
    Value *e = rw_broadcast_to(g, neg, v, &wide);
    assert_non_null(e);
    assert_int_equal(e->def->op, OP_EXPAND);
    assert_ptr_equal(e->def->in[0], v);
    assert_true(shape_eq(&e->type.shape, &wide));
    assert_ptr_equal(e->def->next, neg);
    /* The Expand may now stand in for w. */
    Rewriter rw;
    rw_init(&rw, g);
    assert_true(rw_replace(&rw, neg->in[0], e));
    rw_finish(&rw);
    assert_ptr_equal(neg->in[0], e);
    Diag d = {.file = "test.tir"};
    assert_int_equal(graph_verify(g, &d), 0);
    diag_free(&d);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replace_refuses_another_shape),
        cmocka_unit_test(replace_refuses_another_layout),
        cmocka_unit_test(broadcast_to_inserts_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
