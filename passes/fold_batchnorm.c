/*
 * fold_batchnorm.c - the fold-batchnorm pass.
 *
 * Inference-mode BatchNormalization (ONNX operator spec, BatchNormalization):
 *     y = (x - mean) / sqrt(var + epsilon) * scale + B     per channel m (axis 1)
 * after a Conv or Gemm whose weights are constants is an affine map of each
 * output channel, so it folds into that layer (s = scale / sqrt(var + eps)):
 *     W'[m, ...] = W[m, ...] * s[m]        b'[m] = (b[m] - mean[m]) * s[m] + B[m]
 * For Gemm (Y = alpha * A * B + beta * C), column n of the weight matrix
 * takes alpha * s[n] and the bias becomes (beta * C[n] - mean[n]) * s[n] + B[n].
 * Arithmetic is done in double and rounded once. The layer's result must
 * have no other reader, since its values change.
 */
#include <math.h>

#include "passes/rewrite.h"

typedef struct BnParams {
    int64_t m;      /* channels */
    double *s;      /* scale / sqrt(var + eps), per channel */
    double *shift;  /* B - mean * s, per channel */
    const Tensor *mean;
} BnParams;

static bool const_vector(const Value *v, int64_t m) {
    return v && v->konst && !v->def && v->type.dtype == DT_F32 && v->type.shape.rank == 1 &&
           v->type.shape.dim[0] == m;
}

static bool bn_params(Graph *g, const Node *bn, int64_t m, BnParams *p) {
    for (int i = 1; i < 5; i++)
        if (!const_vector(bn->in[i], m)) return false;
    double eps = node_attr_float(bn, "epsilon", 1e-5f);
    p->m = m;
    p->s = arena_alloc(g->arena, (size_t)m * sizeof(double));
    p->shift = arena_alloc(g->arena, (size_t)m * sizeof(double));
    p->mean = bn->in[3]->konst;
    for (int64_t c = 0; c < m; c++) {
        double scale = tensor_get_f64(bn->in[1]->konst, c), beta = tensor_get_f64(bn->in[2]->konst, c);
        double var = tensor_get_f64(bn->in[4]->konst, c);
        if (!(var + eps > 0)) return false;
        p->s[c] = scale / sqrt(var + eps);
        p->shift[c] = beta;
    }
    return true;
}

/* Bias b'[m] = (bias[m] - mean[m]) * s[m] + B[m], bias given per channel (NULL = 0). */
static Value *folded_bias(Graph *g, const BnParams *p, const double *bias) {
    Shape s = {.rank = 1, .dim = {p->m}};
    Tensor *t = tensor_new(g->arena, DT_F32, &s);
    for (int64_t c = 0; c < p->m; c++) {
        double b = bias ? bias[c] : 0.0;
        ((float *)t->data)[c] = (float)((b - tensor_get_f64(p->mean, c)) * p->s[c] + p->shift[c]);
    }
    return graph_const(g, NULL, t);
}

static bool fold_into_conv(Graph *g, Node *conv, const Node *bn) {
    const Value *w = conv->in[1];
    if (!w->konst || w->def || w->type.dtype != DT_F32) return false;
    int64_t m = w->type.shape.dim[0];
    const Value *b = conv->n_in > 2 ? conv->in[2] : NULL;
    if (b && !const_vector(b, m)) return false;
    BnParams p;
    if (!bn_params(g, bn, m, &p)) return false;
    Tensor *nw = tensor_new(g->arena, DT_F32, &w->type.shape);
    int64_t per = tensor_numel(nw) / m;
    for (int64_t c = 0; c < m; c++)
        for (int64_t k = 0; k < per; k++)
            ((float *)nw->data)[c * per + k] =
                (float)(tensor_get_f64(w->konst, c * per + k) * p.s[c]);
    double *bias = NULL;
    if (b) {
        bias = arena_alloc(g->arena, (size_t)m * sizeof *bias);
        for (int64_t c = 0; c < m; c++) bias[c] = tensor_get_f64(b->konst, c);
    }
    Value *nb = folded_bias(g, &p, bias);
    Value **in = arena_alloc(g->arena, 3 * sizeof *in);
    in[0] = conv->in[0];
    in[1] = graph_const(g, w->name, nw);
    in[2] = nb;
    conv->in = in;
    conv->n_in = 3;
    return true;
}

static bool fold_into_gemm(Graph *g, Node *gemm, const Node *bn) {
    const Value *wb = gemm->in[1];
    if (!wb->konst || wb->def || wb->type.dtype != DT_F32 || wb->type.shape.rank != 2) return false;
    bool trans_b = node_attr_int(gemm, "transB", 0) != 0;
    int64_t k_dim = wb->type.shape.dim[trans_b ? 1 : 0], m = wb->type.shape.dim[trans_b ? 0 : 1];
    double alpha = node_attr_float(gemm, "alpha", 1.0f), beta = node_attr_float(gemm, "beta", 1.0f);
    const Value *c = gemm->n_in > 2 ? gemm->in[2] : NULL;
    /* C must be per output column: [N], [1,N] or a scalar. */
    if (c && (!c->konst || c->def || c->type.dtype != DT_F32)) return false;
    int64_t cn = c ? tensor_numel(c->konst) : 0;
    if (c && !(cn == 1 || (cn == m && c->type.shape.dim[c->type.shape.rank - 1] == m))) return false;
    BnParams p;
    if (!bn_params(g, bn, m, &p)) return false;
    Tensor *nw = tensor_new(g->arena, DT_F32, &wb->type.shape);
    for (int64_t n = 0; n < m; n++)
        for (int64_t k = 0; k < k_dim; k++) {
            int64_t at = trans_b ? n * k_dim + k : k * m + n;
            ((float *)nw->data)[at] = (float)(tensor_get_f64(wb->konst, at) * alpha * p.s[n]);
        }
    double *bias = arena_alloc(g->arena, (size_t)m * sizeof *bias);
    for (int64_t n = 0; n < m; n++) bias[n] = c ? beta * tensor_get_f64(c->konst, cn == 1 ? 0 : n) : 0.0;
    Value *nb = folded_bias(g, &p, bias);
    Value **in = arena_alloc(g->arena, 3 * sizeof *in);
    in[0] = gemm->in[0];
    in[1] = graph_const(g, wb->name, nw);
    in[2] = nb;
    gemm->in = in;
    gemm->n_in = 3;
    node_set_attr_float(g, gemm, "alpha", 1.0f);
    node_set_attr_float(g, gemm, "beta", 1.0f);
    return true;
}

int pass_fold_batchnorm(Graph *g, PassContext *cx) {
    (void)cx;
    Uses *u = uses_build(g);
    Rewriter rw;
    rw_init(&rw, g);
    for (Node *bn = g->first; bn; bn = bn->next) {
        if (bn->op != OP_BATCH_NORM) continue;
        Node *layer = bn->in[0]->def;
        if (!layer || (layer->op != OP_CONV && layer->op != OP_GEMM)) continue;
        const Value *y = layer->out[0];
        if (u->count[y->id] != 1 || graph_is_output(g, y)) continue;
        if (y->type.shape.rank < 2 || !type_eq(&y->type, &bn->out[0]->type)) continue;
        bool done = layer->op == OP_CONV ? fold_into_conv(g, layer, bn) : fold_into_gemm(g, layer, bn);
        if (done) rw_replace(&rw, bn->out[0], layer->out[0]);
    }
    uses_free(u);
    rw_finish(&rw);
    return 0;
}
