/*
 * op_spike.c - reference semantics of tsnc's spiking ops (docs/ir.md).
 *
 * tsnc.fire and tsnc.lif are the ternary/binary neuron of Guo et al.,
 * "Ternary Spike" (AAAI 2024), as its public code and torch.onnx exports
 * compute it, step by step in float32:
 *     u = m_prev * decay + x        (inputs x, m_prev; first step: u = x)
 *     s = fire(u / vth)             (+1 / -1 / 0, see FireRule)
 *     m = s != 0 ? 0 : u            (hard reset; the export's u * (1 - |s|))
 * tsnc.spike_conv/gemm/matmul have Conv/Gemm/MatMul semantics; they only
 * promise that the activation input holds values in {-1, 0, 1}.
 */
#include <string.h>

#include "ir.h"

FireRule fire_rule_of(const Node *n) {
    FireRule r;
    r.ternary = strcmp(node_attr_string(n, "kind", "ternary"), "binary") != 0;
    r.up = node_attr_float(n, "up", 0.5f);
    r.down = node_attr_float(n, "down", -0.5f);
    r.up_inclusive = node_attr_int(n, "up_inclusive", 1) != 0;
    r.down_inclusive = node_attr_int(n, "down_inclusive", 1) != 0;
    return r;
}

void fire_rule_set(Graph *g, Node *n, const FireRule *r) {
    node_set_attr_string(g, n, "kind", r->ternary ? "ternary" : "binary");
    node_set_attr_float(g, n, "up", r->up);
    node_set_attr_int(g, n, "up_inclusive", r->up_inclusive);
    if (r->ternary) {
        node_set_attr_float(g, n, "down", r->down);
        node_set_attr_int(g, n, "down_inclusive", r->down_inclusive);
    }
}

float fire_apply(const FireRule *r, float v) {
    if (r->up_inclusive ? v >= r->up : v > r->up) return 1.0f;
    if (r->ternary && (r->down_inclusive ? v <= r->down : v < r->down)) return -1.0f;
    return 0.0f;
}

static int check_kind(const Node *n, Diag *d) {
    const char *k = node_attr_string(n, "kind", "ternary");
    if (strcmp(k, "ternary") != 0 && strcmp(k, "binary") != 0) {
        diag_error(d, n, "kind must be \"ternary\" or \"binary\", not \"%s\"", k);
        return -1;
    }
    return 0;
}

static int infer_fire(Node *n, Diag *d) {
    const Value *v = n->in[0];
    if (v->type.dtype != DT_F32) {
        diag_error(d, n, "input must be f32");
        return -1;
    }
    if (check_kind(n, d) != 0) return -1;
    n->out[0]->type = v->type;
    return 0;
}

static int eval_fire(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    FireRule r = fire_rule_of(n);
    const float *v = in[0]->data;
    float *s = out[0]->data;
    for (int64_t i = 0, k = tensor_numel(in[0]); i < k; i++) s[i] = fire_apply(&r, v[i]);
    return 0;
}

static int infer_lif(Node *n, Diag *d) {
    const Value *x = n->in[0], *m = n->n_in > 1 ? n->in[1] : NULL;
    if (!x || x->type.dtype != DT_F32) {
        diag_error(d, n, "input current must be f32");
        return -1;
    }
    if (m && !type_eq(&m->type, &x->type)) {
        diag_error(d, n, "membrane and input current must have the same type");
        return -1;
    }
    if (check_kind(n, d) != 0) return -1;
    if (node_attr_float(n, "vth", 1.0f) == 0.0f) {
        diag_error(d, n, "vth must not be 0");
        return -1;
    }
    n->out[0]->type = x->type;
    n->out[1]->type = x->type;
    return 0;
}

static int eval_lif(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)d;
    FireRule r = fire_rule_of(n);
    float decay = node_attr_float(n, "decay", 0.25f), vth = node_attr_float(n, "vth", 1.0f);
    const float *x = in[0]->data, *mp = n->n_in > 1 && in[1] ? in[1]->data : NULL;
    float *s = out[0]->data, *m = out[1]->data;
    for (int64_t i = 0, k = tensor_numel(in[0]); i < k; i++) {
        /* Two statements: the leak is rounded before the add, as in the export (no FMA). */
        float leak = mp ? mp[i] * decay : 0.0f;
        float u = mp ? leak + x[i] : x[i];
        /* vth == 1 divides exactly; keep the division so any vth matches the export. */
        float v = u / vth;
        s[i] = fire_apply(&r, v);
        m[i] = s[i] != 0.0f ? 0.0f : u;
    }
    return 0;
}

/* Spike layers share the dense layers' inference and reference evaluation. */
static int infer_spike_conv(Node *n, Diag *d) { return op_info(OP_CONV)->sema->infer(n, d); }
static int eval_spike_conv(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return op_info(OP_CONV)->sema->eval(n, in, out, d);
}
static int infer_spike_gemm(Node *n, Diag *d) { return op_info(OP_GEMM)->sema->infer(n, d); }
static int eval_spike_gemm(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return op_info(OP_GEMM)->sema->eval(n, in, out, d);
}
static int infer_spike_matmul(Node *n, Diag *d) { return op_info(OP_MATMUL)->sema->infer(n, d); }
static int eval_spike_matmul(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return op_info(OP_MATMUL)->sema->eval(n, in, out, d);
}

const OpSema op_sema_FIRE = {infer_fire, eval_fire};
const OpSema op_sema_LIF = {infer_lif, eval_lif};
const OpSema op_sema_SPIKE_CONV = {infer_spike_conv, eval_spike_conv};
const OpSema op_sema_SPIKE_GEMM = {infer_spike_gemm, eval_spike_gemm};
const OpSema op_sema_SPIKE_MATMUL = {infer_spike_matmul, eval_spike_matmul};
