/*
 * test_spike_passes.c - the spike passes on hand-built graphs: alpha moves
 * into the weights of a layer that reads the spikes and is carried (never
 * dropped) where a weight-less op (an identity shortcut Add) reads them;
 * per-channel alpha is folded per input channel; neuron recognition keeps
 * the model's outputs; the cost model's share of nonzero pooled values. Expected numbers
 * are computed by hand (or by enumerating every window, as the comments say).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/frontend.h"
#include "passes/passes.h"
#include "passes/spike_cost.h"

/* Parses text and runs the whole pipeline, verifying after every pass. */
static Graph *compile_text(const char *text) {
    Diag d = {.file = "test.tir"};
    Graph *g = ir_parse(text, strlen(text), &d);
    if (!g) diag_print(&d, stderr);
    assert_non_null(g);
    PassOptions opt = {0};
    PassContext cx = {.diag = &d, .opt = &opt};
    PipelineHooks h = {.verify_each = true};
    int rc = pipeline_run(g, &cx, &h);
    if (rc != 0) diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    diag_free(&d);
    return g;
}

static Tensor *run(const Graph *g, const float *x, int n) {
    Tensor *in = tensor_new(NULL, DT_F32, &g->inputs[0]->type.shape);
    assert_int_equal(tensor_numel(in), n);
    memcpy(in->data, x, (size_t)n * sizeof *x);
    Tensor *out = NULL;
    Diag d = {.file = "test"};
    assert_int_equal(interp_run(g, &in, &out, &d), 0);
    tensor_free_heap(in);
    return out;
}

static const Node *find_op(const Graph *g, OpKind op) {
    for (const Node *n = g->first; n; n = n->next)
        if (n->op == op) return n;
    return NULL;
}

/*
 * o = alpha * s with s = Cast(x >= 0.5) - Cast(x <= -0.5), alpha = 0.75;
 * y = o + x (a shortcut: no weights) and z = Gemm(o, W^T).
 */
static const char carry_graph[] =
    "graph @carry opset 13 {\n"
    "  %x = input : f32[1,4]\n"
    "  %half = const : f32[] = dense<[0.5]>\n"
    "  %mhalf = const : f32[] = dense<[-0.5]>\n"
    "  %alpha = const : f32[] = dense<[0.75]>\n"
    "  %w = const : f32[3,4] = dense<[1, 2, 3, 4, 0, 1, 0, 1, -1, 0, 1, 0]>\n"
    "  %ge = GreaterOrEqual(%x, %half) : bool[1,4]\n"
    "  %le = LessOrEqual(%x, %mhalf) : bool[1,4]\n"
    "  %a = Cast(%ge) {to = 1} : f32[1,4]\n"
    "  %b = Cast(%le) {to = 1} : f32[1,4]\n"
    "  %s = Sub(%a, %b) : f32[1,4]\n"
    "  %o = Mul(%s, %alpha) : f32[1,4]\n"
    "  %y = Add(%o, %x) : f32[1,4]\n"
    "  %z = Gemm(%o, %w) {transB = 1} : f32[1,3]\n"
    "  %r = Concat(%y, %z) {axis = 1} : f32[1,7]\n"
    "  return %r\n"
    "}\n";

static void alpha_folds_into_gemm_and_is_carried_to_add(void **state) {
    (void)state;
    Graph *g = compile_text(carry_graph);
    /* The Gemm reads plain spikes and has alpha in its weights. */
    const Node *gemm = find_op(g, OP_SPIKE_GEMM);
    assert_non_null(gemm);
    assert_true(gemm->in[0]->vs.n_levels == 3 && gemm->in[0]->vs.amp.n == 0);
    const float *w = gemm->in[1]->konst->data;
    const float want_w[12] = {0.75f, 1.5f, 2.25f, 3.0f, 0, 0.75f, 0, 0.75f, -0.75f, 0, 0.75f, 0};
    for (int i = 0; i < 12; i++) assert_true(w[i] == want_w[i]);
    /* The Add still reads alpha * s: the Mul by 0.75 is there. */
    const Node *add = find_op(g, OP_ADD);
    assert_non_null(add);
    const Value *o = add->in[0]->def && add->in[0]->def->op == OP_MUL ? add->in[0] : add->in[1];
    assert_non_null(o->def);
    assert_int_equal(o->def->op, OP_MUL);
    assert_int_equal(o->vs.amp.n, 1);
    assert_true(o->vs.amp.v[0] == 0.75f);

    /* x = [0.9, -0.6, 0.2, -0.1]: s = [1, -1, 0, 0], o = [0.75, -0.75, 0, 0]. */
    const float x[4] = {0.9f, -0.6f, 0.2f, -0.1f};
    Tensor *out = run(g, x, 4);
    const float *r = out->data;
    const float want[7] = {0.75f + 0.9f, -0.75f + -0.6f, 0.0f + 0.2f, 0.0f + -0.1f,
                           /* W . o by hand: 0.75*1 - 0.75*2, 0.75*0 - 0.75*1, 0.75*-1 - 0.75*0 */
                           -0.75f, -0.75f, -0.75f};
    for (int i = 0; i < 7; i++) assert_float_equal(r[i], want[i], 1e-6);
    tensor_free_heap(out);
    graph_free(g);
}

/*
 * Per-channel alpha [2,1,1] on a 1x2x1x2 spike map feeding a 1x1 Conv with
 * one output channel: the weight of input channel c becomes w[c] * alpha[c].
 */
static const char per_channel_graph[] =
    "graph @perchannel opset 13 {\n"
    "  %x = input : f32[1,2,1,2]\n"
    "  %half = const : f32[] = dense<[0.5]>\n"
    "  %alpha = const : f32[2,1,1] = dense<[2, 0.5]>\n"
    "  %w = const : f32[1,2,1,1] = dense<[3, 5]>\n"
    "  %gt = Greater(%x, %half) : bool[1,2,1,2]\n"
    "  %s = Cast(%gt) {to = 1} : f32[1,2,1,2]\n"
    "  %o = Mul(%s, %alpha) : f32[1,2,1,2]\n"
    "  %y = Conv(%o, %w) : f32[1,1,1,2]\n"
    "  return %y\n"
    "}\n";

static void per_channel_alpha_folds_per_input_channel(void **state) {
    (void)state;
    Graph *g = compile_text(per_channel_graph);
    const Node *conv = find_op(g, OP_SPIKE_CONV);
    assert_non_null(conv);
    const float *w = conv->in[1]->konst->data;
    assert_true(w[0] == 6.0f && w[1] == 2.5f);
    assert_null(find_op(g, OP_MUL));
    /* x: channel 0 = [1, 0], channel 1 = [0.7, 0.2] -> s = [[1,0],[1,0]] (binary, > 0.5). */
    const float x[4] = {1.0f, 0.0f, 0.7f, 0.2f};
    Tensor *out = run(g, x, 4);
    const float *r = out->data;
    /* y[0] = 3*2*1 + 5*0.5*1 = 8.5, y[1] = 0. */
    assert_float_equal(r[0], 8.5f, 0);
    assert_float_equal(r[1], 0.0f, 0);
    tensor_free_heap(out);
    graph_free(g);
}

/*
 * Two timesteps of the neuron as the exports write it (fmnist_cnn_t4):
 * u0 = x0; s0 = fire(u0); m0 = u0 * (1 - |s0|); u1 = m0 * 0.25 + x1; s1 = fire(u1).
 * It must become two tsnc.lif and keep its values.
 */
static const char neuron_graph[] =
    "graph @neuron opset 13 {\n"
    "  %x = input : f32[2,3]\n"
    "  %i0 = const : i64[] = dense<[0]>\n"
    "  %i1 = const : i64[] = dense<[1]>\n"
    "  %half = const : f32[] = dense<[0.5]>\n"
    "  %mhalf = const : f32[] = dense<[-0.5]>\n"
    "  %one = const : f32[] = dense<[1]>\n"
    "  %decay = const : f32[] = dense<[0.25]>\n"
    "  %x0 = Gather(%x, %i0) {axis = 0} : f32[3]\n"
    "  %x1 = Gather(%x, %i1) {axis = 0} : f32[3]\n"
    "  %ge0 = GreaterOrEqual(%x0, %half) : bool[3]\n"
    "  %le0 = LessOrEqual(%x0, %mhalf) : bool[3]\n"
    "  %a0 = Cast(%ge0) {to = 1} : f32[3]\n"
    "  %b0 = Cast(%le0) {to = 1} : f32[3]\n"
    "  %s0 = Sub(%a0, %b0) : f32[3]\n"
    "  %abs0 = Abs(%s0) : f32[3]\n"
    "  %keep0 = Sub(%one, %abs0) : f32[3]\n"
    "  %m0 = Mul(%x0, %keep0) : f32[3]\n"
    "  %l0 = Mul(%m0, %decay) : f32[3]\n"
    "  %u1 = Add(%l0, %x1) : f32[3]\n"
    "  %ge1 = GreaterOrEqual(%u1, %half) : bool[3]\n"
    "  %le1 = LessOrEqual(%u1, %mhalf) : bool[3]\n"
    "  %a1 = Cast(%ge1) {to = 1} : f32[3]\n"
    "  %b1 = Cast(%le1) {to = 1} : f32[3]\n"
    "  %s1 = Sub(%a1, %b1) : f32[3]\n"
    "  %r = Concat(%s0, %s1) {axis = 0} : f32[6]\n"
    "  return %r\n"
    "}\n";

static void neuron_steps_become_lif(void **state) {
    (void)state;
    Graph *g = compile_text(neuron_graph);
    int lifs = 0;
    for (const Node *n = g->first; n; n = n->next) {
        lifs += n->op == OP_LIF;
        assert_true(n->op != OP_CAST && n->op != OP_GREATER_OR_EQUAL && n->op != OP_ABS);
    }
    assert_int_equal(lifs, 2);
    /*
     * x0 = [0.6, -0.2, 0.4], x1 = [0.3, -0.45, 0.2]:
     * s0 = [1, 0, 0]; m0 = [0, -0.2, 0.4] (reset where s0 fired);
     * u1 = m0 * 0.25 + x1 = [0.3, -0.05 - 0.45, 0.1 + 0.2] = [0.3, -0.5, 0.3] (in float32,
     * -0.05f - 0.45f rounds to -0.5f); s1 = [0, -1, 0] (-0.5 <= -0.5 fires).
     */
    const float x[6] = {0.6f, -0.2f, 0.4f, 0.3f, -0.45f, 0.2f};
    Tensor *out = run(g, x, 6);
    const float want[6] = {1, 0, 0, 0, -1, 0};
    for (int i = 0; i < 6; i++) assert_float_equal(((float *)out->data)[i], want[i], 0);
    tensor_free_heap(out);
    graph_free(g);
}

/* The share of pooling windows whose average is nonzero (compose-pooling's and
 * choose-kernels' firing rate of split spike planes). */
static void pooled_nonzero_share(void **state) {
    (void)state;
    /* binary: any of 4 spikes at 50 %: 1 - 0.5^4 */
    assert_float_equal(spike_cost_pooled_nonzero(4, 0.5, false), 0.9375, 1e-12);
    /* ternary, one spike: nonzero exactly when it fires */
    assert_float_equal(spike_cost_pooled_nonzero(1, 0.3, true), 0.3, 1e-12);
    /* ternary, two spikes at 50 % (+1 and -1 at 25 % each): the sum is 0 for (0,0), (+,-) and
     * (-,+): 0.25 + 0.0625 + 0.0625, so 0.625 is nonzero */
    assert_float_equal(spike_cost_pooled_nonzero(2, 0.5, true), 0.625, 1e-12);
    /* ternary 2x2 window at 25 %: sum 0 with no spike (0.75^4), two opposite ones
     * (6 * 0.25^2 * 0.75^2 / 2) or four that cancel (0.25^4 * 6/16): 1 - 0.42333984375;
     * a 3x3 window at 30 %: 0.7552310790233727 by enumerating the 3^9 windows */
    assert_float_equal(spike_cost_pooled_nonzero(4, 0.25, true), 0.57666015625, 1e-12);
    assert_float_equal(spike_cost_pooled_nonzero(9, 0.3, true), 0.7552310790233727, 1e-12);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alpha_folds_into_gemm_and_is_carried_to_add),
        cmocka_unit_test(per_channel_alpha_folds_per_input_channel),
        cmocka_unit_test(neuron_steps_become_lif),
        cmocka_unit_test(pooled_nonzero_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
