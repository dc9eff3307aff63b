/*
 * onnx_legacy.c - rewrites older opset forms into the operand order of
 * ops.def (ONNX opset 13, with the reductions' axes as an attribute).
 *
 * Every case follows the operator's changelog in the ONNX spec
 * (docs/Changelog.md):
 *   Squeeze/Unsqueeze-11  attribute axes           -> input 1 (Squeeze-13, Unsqueeze-13)
 *   Slice-1               attributes starts/ends/axes -> inputs 1..3 (Slice-10)
 *   Clip-6                attributes min/max       -> inputs 1, 2 (Clip-11)
 *   Pad-2                 attributes pads/value    -> inputs 1, 2 (Pad-11)
 *   Split-2/11            attribute split          -> input 1 (Split-13)
 *   Split-18              num_outputs: must match the node's outputs; kept
 *                         (the last part may be smaller, op_index.c)
 *   ReduceSum-13, ReduceMean/Max-18  input axes    -> attribute axes (must be constant);
 *                         no axes + noop_with_empty_axes=1 -> Identity
 *   Softmax-1/11          coerce to 2-D at axis    -> Flatten + Softmax + Reshape
 *   Dropout-7/10          ratio (inference ignores it), is_test: dropped
 *   BatchNormalization-7  spatial=1, is_test=1, consumed_inputs: dropped
 * and the newer forms of opsets 19 to 21 (ONNX_MAX_OPSET) whose semantics
 * tsnc has only in part:
 *   Cast-19               saturate (float8 targets only): dropped
 *   AveragePool-19        dilations: all 1 dropped, others refused
 *   Pad-19                mode 'wrap': refused
 * Every other op tsnc has is unchanged from opset 18 to 21 but for data
 * types tsnc does not have (float8, int4, uint4, string), which the type
 * checks refuse.
 * Constants made here are unnamed i64 vectors, or scalars of the data's type.
 */
#include <string.h>

#include "frontend/onnx_internal.h"

bool onnx_input_failed(const OnnxCtx *c, const ONode *o, int i) {
    if (i >= o->n_in || !o->in[i][0]) return false;
    const NameEntry *e = onnx_name(c, o->in[i]);
    return e && !e->value;
}

static Value *const_i64(OnnxCtx *c, int count, const int64_t *v) {
    Shape s = {.rank = 1, .dim = {count}};
    Tensor *t = tensor_new(c->g->arena, DT_I64, &s);
    if (count) memcpy(t->data, v, (size_t)count * sizeof *v);
    return graph_const(c->g, NULL, t);
}

/* The element type of v if already known (graph inputs, constants), else f32:
 * the pre-opset-11 Clip/Pad attributes were floats and float32 is what
 * exporters produce. */
static DType data_dtype(const Value *v) {
    return v && dtype_is_float(v->type.dtype) ? v->type.dtype : DT_F32;
}

static Value *const_scalar(OnnxCtx *c, DType dt, double v) {
    Shape s = {.rank = 0};
    Tensor *t = tensor_new(c->g->arena, dt, &s);
    tensor_set_f64(t, 0, v);
    return graph_const(c->g, NULL, t);
}

static void set_inputs(OnnxCtx *c, Node *n, int count, Value *const *in) {
    while (count > 0 && !in[count - 1]) count--; /* trailing omitted inputs */
    n->in = arena_alloc(c->g->arena, (size_t)(count ? count : 1) * sizeof *n->in);
    for (int i = 0; i < count; i++) n->in[i] = in[i];
    n->n_in = count;
}

static Value *in_at(const Node *n, int i) {
    return i < n->n_in ? n->in[i] : NULL;
}

/* Takes an attribute of the node being rewritten: 1 given, 0 absent, -1 bad (reported). */
#define TAKE(name, kind, out) onnx_take_attr(c, o, n, pa, n_pa, name, kind, out)

static int rewrite_axes_attr(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *axes = NULL;
    int r = TAKE("axes", ATTR_INTS, &axes);
    if (r < 0) return -1;
    if (r == 0) {
        if (n->op == OP_SQUEEZE) return 0; /* no axes: squeeze every 1-dim */
        onnx_error(c, o, n, "Unsqueeze at opset %lld needs the 'axes' attribute",
                   (long long)o->opset);
        return -1;
    }
    if (n->n_in > 1) {
        onnx_error(c, o, n, "at opset %lld, %s takes its axes as an attribute, not as an input",
                   (long long)o->opset, op_info(n->op)->name);
        return -1;
    }
    Value *in[2] = {in_at(n, 0), const_i64(c, axes->n, axes->ints)};
    set_inputs(c, n, 2, in);
    return 0;
}

static int rewrite_slice(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *starts = NULL, *ends = NULL, *axes = NULL;
    int rs = TAKE("starts", ATTR_INTS, &starts);
    int re = TAKE("ends", ATTR_INTS, &ends);
    int ra = TAKE("axes", ATTR_INTS, &axes);
    if (rs < 0 || re < 0 || ra < 0) return -1;
    if (!rs || !re) {
        onnx_error(c, o, n, "Slice at opset %lld needs the 'starts' and 'ends' attributes",
                   (long long)o->opset);
        return -1;
    }
    if (n->n_in > 1) {
        onnx_error(c, o, n, "at opset %lld, Slice takes starts/ends as attributes, not inputs",
                   (long long)o->opset);
        return -1;
    }
    Value *in[4] = {in_at(n, 0), const_i64(c, starts->n, starts->ints),
                    const_i64(c, ends->n, ends->ints),
                    axes ? const_i64(c, axes->n, axes->ints) : NULL};
    set_inputs(c, n, 4, in);
    return 0;
}

static int rewrite_clip(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *mn = NULL, *mx = NULL;
    int r1 = TAKE("min", ATTR_FLOAT, &mn), r2 = TAKE("max", ATTR_FLOAT, &mx);
    if (r1 < 0 || r2 < 0) return -1;
    if (n->n_in > 1) {
        onnx_error(c, o, n, "at opset %lld, Clip takes min/max as attributes, not inputs",
                   (long long)o->opset);
        return -1;
    }
    DType dt = data_dtype(in_at(n, 0));
    Value *in[3] = {in_at(n, 0), mn ? const_scalar(c, dt, mn->f) : NULL,
                    mx ? const_scalar(c, dt, mx->f) : NULL};
    set_inputs(c, n, 3, in);
    return 0;
}

static int rewrite_pad(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *pads = NULL, *value = NULL;
    int r1 = TAKE("pads", ATTR_INTS, &pads), r2 = TAKE("value", ATTR_FLOAT, &value);
    if (r1 < 0 || r2 < 0) return -1;
    if (!pads) {
        onnx_error(c, o, n, "Pad at opset %lld needs the 'pads' attribute", (long long)o->opset);
        return -1;
    }
    if (n->n_in > 1) {
        onnx_error(c, o, n, "at opset %lld, Pad takes pads as an attribute, not an input",
                   (long long)o->opset);
        return -1;
    }
    /* A zero fill value is the default of input 2; leaving it out avoids guessing its type. */
    Value *in[3] = {in_at(n, 0), const_i64(c, pads->n, pads->ints),
                    value && value->f != 0.0f ? const_scalar(c, data_dtype(in_at(n, 0)), value->f)
                                              : NULL};
    set_inputs(c, n, 3, in);
    return 0;
}

static int rewrite_split(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    if (o->opset < 13) {
        const Attr *split = NULL;
        int r = TAKE("split", ATTR_INTS, &split);
        if (r < 0) return r;
        if (r > 0 && n->n_in > 1) {
            onnx_error(c, o, n, "at opset %lld, Split takes split as an attribute, not an input",
                       (long long)o->opset);
            return -1;
        }
        if (r > 0) {
            Value *in[2] = {in_at(n, 0), const_i64(c, split->n, split->ints)};
            set_inputs(c, n, 2, in);
        }
    }
    const Attr *num = NULL;
    int r = TAKE("num_outputs", ATTR_INT, &num);
    if (r <= 0) return r;
    if (o->opset < 18) {
        onnx_error(c, o, n, "attribute 'num_outputs' is Split-18's; this node is read at opset %lld",
                   (long long)o->opset);
        return -1;
    }
    if (in_at(n, 1) || num->i != n->n_out) {
        onnx_error(c, o, n, "num_outputs=%lld %s", (long long)num->i,
                   in_at(n, 1) ? "cannot be combined with the 'split' input"
                               : "does not match the node's number of outputs");
        return -1;
    }
    /* Kept: the IR's Split gives an uneven last part only with it (op_index.c). */
    node_set_attr_int(c->g, n, "num_outputs", num->i);
    return 0;
}

/* Reads the constant axes input of a reduction into *out / *count. 0, or -1 reported. */
static int constant_axes(OnnxCtx *c, const ONode *o, Node *n, const Value *v, int64_t **out,
                         int *count) {
    const Tensor *t = v->konst;
    if (!t) {
        onnx_error(c, o, n, "the 'axes' input of %s must be a constant; axes computed at run "
                   "time are not supported", op_info(n->op)->name);
        return -1;
    }
    if ((t->type.dtype != DT_I64 && t->type.dtype != DT_I32) || t->type.shape.rank > 1 ||
        tensor_numel(t) > IR_MAX_RANK) {
        char buf[160];
        onnx_error(c, o, n, "the 'axes' input of %s must be an i64 vector of at most %d "
                   "elements, got %s", op_info(n->op)->name, IR_MAX_RANK,
                   type_str(&t->type, buf, sizeof buf));
        return -1;
    }
    *count = (int)tensor_numel(t);
    *out = arena_alloc(c->g->arena, (size_t)(*count ? *count : 1) * sizeof **out);
    for (int i = 0; i < *count; i++) (*out)[i] = tensor_get_i64(t, i);
    return 0;
}

static int rewrite_reduce(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    int since = n->op == OP_REDUCE_SUM ? 13 : 18; /* where axes became an input */
    if (o->opset < since) return 0;
    const Attr *noop = NULL, *axes_attr = NULL;
    if (TAKE("noop_with_empty_axes", ATTR_INT, &noop) < 0) return -1;
    int ra = TAKE("axes", ATTR_INTS, &axes_attr);
    if (ra != 0) {
        if (ra > 0)
            onnx_error(c, o, n, "at opset %lld, %s takes axes as an input, not an attribute",
                       (long long)o->opset, op_info(n->op)->name);
        return -1;
    }
    if (n->n_in > 2) return 0; /* the arity check reports it */
    int64_t *axes = NULL;
    int n_axes = 0;
    Value *av = in_at(n, 1);
    if (av) {
        if (constant_axes(c, o, n, av, &axes, &n_axes)) return -1;
    } else if (onnx_input_failed(c, o, 1)) {
        return -1; /* its producer is already reported */
    }
    Value *x = in_at(n, 0);
    set_inputs(c, n, 1, &x);
    if (n_axes) {
        node_set_attr_ints(c->g, n, "axes", n_axes, axes);
        return 0;
    }
    if (noop && noop->i) {
        /* No axes with noop_with_empty_axes=1: the input passes through. */
        const Attr *keepdims = NULL;
        if (TAKE("keepdims", ATTR_INT, &keepdims) < 0) return -1;
        n->op = OP_IDENTITY;
    }
    return 0;
}

static int rewrite_softmax(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa,
                           Value **outs) {
    if (o->opset >= 13) return 0;
    const Attr *ax = NULL;
    int r = TAKE("axis", ATTR_INT, &ax);
    if (r < 0) return -1;
    int64_t axis = ax ? ax->i : 1; /* Softmax-1/11 default */
    Value *x = in_at(n, 0);
    int rank = x && x->type.dtype != DT_UNDEF ? x->type.shape.rank : -1;
    if (axis == -1 || !x || (rank > 0 && axis == rank - 1)) {
        /* Softmax over the last axis: the 2-D coercion changes nothing. */
        node_set_attr_int(c->g, n, "axis", axis);
        return 0;
    }
    /* Softmax-11(x, axis) = Reshape(Softmax-13(Flatten(x, axis), axis=1), Shape(x)). */
    Node *shape = graph_add_node(c->g, n, OP_SHAPE, o->name, 1, &x, 1);
    Node *flat = graph_add_node(c->g, n, OP_FLATTEN, o->name, 1, &x, 1);
    node_set_attr_int(c->g, flat, "axis", axis);
    n->in[0] = flat->out[0];
    node_set_attr_int(c->g, n, "axis", 1);
    Value *rin[2] = {n->out[0], shape->out[0]};
    Node *reshape = graph_add_node(c->g, NULL, OP_RESHAPE, o->name, 2, rin, 1);
    outs[0] = reshape->out[0];
    return 0;
}

static int rewrite_dropout(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *a = NULL;
    if (o->opset < 12 && TAKE("ratio", ATTR_FLOAT, &a) < 0) return -1;
    if (TAKE("is_test", ATTR_INT, &a) < 0) return -1;
    return 0;
}

static int rewrite_batch_norm(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *a = NULL;
    int r;
    if (o->opset < 9) {
        if ((r = TAKE("spatial", ATTR_INT, &a)) < 0) return -1;
        if (r > 0 && a->i != 1) {
            onnx_error(c, o, n, "spatial=%lld (statistics per activation) is not supported",
                       (long long)a->i);
            return -1;
        }
    }
    if ((r = TAKE("is_test", ATTR_INT, &a)) < 0) return -1;
    if (r > 0 && a->i == 0) {
        onnx_error(c, o, n, "is_test=0 (training mode) is not supported");
        return -1;
    }
    if (TAKE("consumed_inputs", ATTR_INTS, &a) < 0) return -1;
    return 0;
}

/* Cast-19's saturate only changes conversions to float8 types, which tsnc does not have:
 * dropped. */
static int rewrite_cast(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const Attr *a = NULL;
    return o->opset >= 19 && TAKE("saturate", ATTR_INT, &a) < 0 ? -1 : 0;
}

/* AveragePool-19 added dilations; tsnc averages undilated windows only. */
static int rewrite_average_pool(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    if (o->opset < 19) return 0;
    const Attr *a = NULL;
    int r = TAKE("dilations", ATTR_INTS, &a);
    if (r <= 0) return r;
    for (int i = 0; i < a->n; i++)
        if (a->ints[i] != 1) {
            onnx_error(c, o, n, "dilations (added in AveragePool-19; this model has opset %lld) "
                       "other than 1 are not supported: dilations[%d] = %lld",
                       (long long)o->opset, i, (long long)a->ints[i]);
            return -1;
        }
    return 0;
}

/* The string attribute `name` if given as one, without taking it; else NULL. */
static const char *peek_string(const PendingAttr *pa, int n_pa, const char *name) {
    for (int i = 0; i < n_pa; i++)
        if (strcmp(pa[i].name, name) == 0 && pa[i].ok && pa[i].a.kind == ATTR_STRING)
            return pa[i].a.s;
    return NULL;
}

static int rewrite_pad_modes(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    if (o->opset < 11 && rewrite_pad(c, o, n, pa, n_pa)) return -1;
    const char *mode = peek_string(pa, n_pa, "mode");
    if (o->opset >= 19 && mode && strcmp(mode, "wrap") == 0) {
        onnx_error(c, o, n, "mode 'wrap' (added in Pad-19; this model has opset %lld) is not "
                   "supported: tsnc pads in modes constant, reflect and edge", (long long)o->opset);
        return -1;
    }
    return 0;
}

int onnx_rewrite_legacy(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa,
                        Value **outs) {
    switch (n->op) {
    case OP_SQUEEZE:
    case OP_UNSQUEEZE: return o->opset < 13 ? rewrite_axes_attr(c, o, n, pa, n_pa) : 0;
    case OP_SLICE: return o->opset < 10 ? rewrite_slice(c, o, n, pa, n_pa) : 0;
    case OP_CLIP: return o->opset < 11 ? rewrite_clip(c, o, n, pa, n_pa) : 0;
    case OP_PAD: return rewrite_pad_modes(c, o, n, pa, n_pa);
    case OP_CAST: return rewrite_cast(c, o, n, pa, n_pa);
    case OP_AVERAGE_POOL: return rewrite_average_pool(c, o, n, pa, n_pa);
    case OP_SPLIT: return rewrite_split(c, o, n, pa, n_pa);
    case OP_REDUCE_MEAN:
    case OP_REDUCE_MAX:
    case OP_REDUCE_SUM: return rewrite_reduce(c, o, n, pa, n_pa);
    case OP_SOFTMAX: return rewrite_softmax(c, o, n, pa, n_pa, outs);
    case OP_DROPOUT: return rewrite_dropout(c, o, n, pa, n_pa);
    case OP_BATCH_NORM: return rewrite_batch_norm(c, o, n, pa, n_pa);
    default: return 0;
    }
}
