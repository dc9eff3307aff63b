/*
 * lower_spikes.c - the lower-spikes pass.
 *
 * A Conv/Gemm/MatMul whose activation input is proven to hold only
 * {-1, 0, 1} (after alpha-fold) and whose weights are constants becomes
 * tsnc.spike_conv/spike_gemm/spike_matmul: codegen turns its synaptic
 * operations into additions and subtractions of weights, and only nonzero
 * spikes cost work. Gemm's alpha and beta scale constants, so they are
 * folded into B and C first. Every layer gets a remark saying why it was
 * lowered or why it stayed dense.
 */
#include <stdio.h>

#include "passes/rewrite.h"
#include "passes/value_set.h"

static Value *scaled_const(Graph *g, const Value *v, float k) {
    Tensor *t = tensor_new(g->arena, DT_F32, &v->type.shape);
    const float *src = v->konst->data;
    float *dst = t->data;
    for (int64_t i = 0, n = tensor_numel(t); i < n; i++) dst[i] = src[i] * k;
    return graph_const(g, v->name, t);
}

static bool is_f32_const(const Value *v) {
    return v && v->konst && !v->def && v->type.dtype == DT_F32;
}

/* Why the activation input does not qualify, or NULL if it does. */
static const char *input_problem(Graph *g, const Value *x) {
    const ValueSet *s = &x->vs;
    if (vs_is_real(s)) return "dense: the input is not a spike tensor (analog values)";
    if (!vs_levels_within(s, -1, 1)) {
        char buf[256];
        int at = snprintf(buf, sizeof buf, "dense: input levels {");
        for (int i = 0; i < s->n_levels && at < 200; i++)
            at += snprintf(buf + at, sizeof buf - (size_t)at, "%s%g", i ? "," : "", s->levels[i]);
        snprintf(buf + at, sizeof buf - (size_t)at, "} are not {-1,0,1} (e.g. pooled spikes)");
        return arena_strdup(g->arena, buf);
    }
    if (!amp_is_one(&s->amp)) return "dense: the spike amplitude could not be folded into the weights";
    return NULL;
}

static const char *spike_kind(const Value *x) {
    return x->vs.levels[0] < 0 ? "ternary" : "binary";
}

static void lower_one(Graph *g, Node *n, const PassOptions *opt) {
    Value *x = n->in[0];
    const char *why = NULL;
    if (opt && opt->dense)
        why = "dense: spike lowering disabled (--dense)";
    else if (!is_f32_const(n->in[1]))
        why = "dense: the weights are not constants";
    else if (n->n_in > 2 && n->in[2] && !is_f32_const(n->in[2]))
        why = "dense: the bias is not a constant";
    else if (n->op == OP_GEMM && node_attr_int(n, "transA", 0))
        why = "dense: transA=1 is not lowered";
    else if (n->op == OP_MATMUL && n->in[1]->type.shape.rank != 2)
        why = "dense: batched MatMul weights are not lowered";
    else
        why = input_problem(g, x);
    if (why) {
        n->remark = why;
        return;
    }
    if (n->op == OP_GEMM) {
        float alpha = node_attr_float(n, "alpha", 1.0f), beta = node_attr_float(n, "beta", 1.0f);
        if (alpha != 1.0f) n->in[1] = scaled_const(g, n->in[1], alpha);
        if (beta != 1.0f && n->n_in > 2 && n->in[2]) n->in[2] = scaled_const(g, n->in[2], beta);
        node_set_attr_float(g, n, "alpha", 1.0f);
        node_set_attr_float(g, n, "beta", 1.0f);
    }
    n->op = n->op == OP_CONV ? OP_SPIKE_CONV : n->op == OP_GEMM ? OP_SPIKE_GEMM : OP_SPIKE_MATMUL;
    const char *before = n->remark;
    n->remark = arena_printf(g->arena, "spike layer: %s input, add-only synaptic operations%s%s", spike_kind(x),
                             before ? "; " : "", before ? before : "");
}

int pass_lower_spikes(Graph *g, PassContext *cx) {
    for (Node *n = g->first; n; n = n->next)
        if (n->op == OP_CONV || n->op == OP_GEMM || n->op == OP_MATMUL) lower_one(g, n, cx->opt);
    return 0;
}
