/*
 * onnx_lower.c - ONodes -> IR nodes and constants.
 *
 * Constant nodes become constant values (no op). Every other node becomes
 * one op of ops.def: its ONNX inputs, converted attributes, the opset
 * rewrite of onnx_legacy.c, then the attribute and arity checks against the
 * registry. Optional trailing outputs the IR op does not have (Dropout's
 * mask, BatchNormalization's training statistics, MaxPool's Indices) are
 * dropped when nothing reads them. A node whose lowering fails still defines
 * its outputs where possible so that later nodes are checked too.
 */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_internal.h"

bool onnx_op_supported(const ONode *o) {
    if (o->domain[0]) return false;
    if (strcmp(o->op_type, "Constant") == 0) return true;
    /* tsnc's own ops are not ONNX operators: a file cannot name them. */
    if (strncmp(o->op_type, "tsnc.", 5) == 0) return false;
    return op_from_name(o->op_type) != OP_COUNT;
}

/* "Foo", or "com.x:Foo" outside the default domain (onnxruntime's spelling). */
static const char *op_label(OnnxCtx *c, const ONode *o) {
    if (!o->domain[0]) return arena_printf(c->tmp, "%.*s", ONNX_MSG_NAME, o->op_type);
    return arena_printf(c->tmp, "%.*s:%.*s", ONNX_MSG_NAME, o->domain, ONNX_MSG_NAME,
                        o->op_type);
}

typedef struct OpTally {
    const char *label;
    int count;
} OpTally;

int onnx_report_unsupported(OnnxCtx *c) {
    /* Distinct operators first, in order of appearance: the summary survives
     * even when the per-node list is longer than the Diag keeps. */
    StrMap *seen = strmap_new();
    OpTally **tally = NULL;
    int n_ops = 0, total = 0;
    for (int i = 0; i < c->n_nodes; i++) {
        const ONode *o = &c->nodes[i];
        if (onnx_op_supported(o)) continue;
        total++;
        const char *lab = op_label(c, o);
        OpTally *t = strmap_get(seen, lab);
        if (t) {
            t->count++;
            continue;
        }
        t = arena_alloc(c->tmp, sizeof *t);
        *t = (OpTally){lab, 1};
        strmap_put(seen, lab, t);
        tally = realloc(tally, (size_t)(n_ops + 1) * sizeof *tally);
        if (!tally) die("out of memory");
        tally[n_ops++] = t;
    }
    if (total > 1) {
        char list[900];
        size_t at = 0;
        list[0] = 0;
        for (int k = 0; k < n_ops; k++) {
            int w = tally[k]->count > 1
                        ? snprintf(list + at, sizeof list - at, "%s%s (x%d)", k ? ", " : "",
                                   tally[k]->label, tally[k]->count)
                        : snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "",
                                   tally[k]->label);
            if (w < 0 || (size_t)w >= sizeof list - at - 8) {
                snprintf(list + at, sizeof list - at, ", ...");
                break;
            }
            at += (size_t)w;
        }
        onnx_error(c, NULL, NULL, "%d nodes use operators tsnc does not support: %s", total, list);
    }
    for (int i = 0; i < c->n_nodes; i++) {
        const ONode *o = &c->nodes[i];
        if (onnx_op_supported(o)) continue;
        if (o->name[0])
            onnx_error(c, NULL, NULL, "node '%.*s' (%s): unsupported operator", ONNX_MSG_NAME,
                       o->name, op_label(c, o));
        else
            onnx_error(c, NULL, NULL, "node #%d (%s): unsupported operator", o->index,
                       op_label(c, o));
    }
    strmap_free(seen);
    free(tally);
    return total;
}

/* ---- Constant ---------------------------------------------------------- */

/* The value attributes of Constant (ONNX Constant-13). */
static const struct {
    const char *name;
    AttrKind kind;
    const char *unsupported; /* non-NULL: why we cannot represent it */
} const_forms[] = {
    {"value", ATTR_TENSOR, NULL},
    {"value_float", ATTR_FLOAT, NULL},
    {"value_floats", ATTR_FLOATS, NULL},
    {"value_int", ATTR_INT, NULL},
    {"value_ints", ATTR_INTS, NULL},
    {"value_string", ATTR_STRING, "string constants are not supported"},
    {"value_strings", ATTR_STRING, "string constants are not supported"},
    {"sparse_value", ATTR_TENSOR, "sparse constants are not supported"},
};
enum { N_CONST_FORMS = sizeof const_forms / sizeof const_forms[0] };

static Tensor *constant_tensor(OnnxCtx *c, const ONode *o, PendingAttr *pa) {
    int given = 0, which = -1;
    for (int i = 0; i < o->n_attr; i++) {
        if (pa[i].consumed) continue; /* duplicate or failed: reported */
        int k = 0;
        while (k < N_CONST_FORMS && strcmp(const_forms[k].name, pa[i].name) != 0) k++;
        if (k == N_CONST_FORMS) {
            onnx_error(c, o, NULL, "attribute '%.*s' is not supported by Constant",
                       ONNX_MSG_NAME, pa[i].name);
            return NULL;
        }
        if (const_forms[k].unsupported) {
            onnx_error(c, o, NULL, "attribute '%s': %s", const_forms[k].name,
                       const_forms[k].unsupported);
            return NULL;
        }
        given++;
        which = k;
    }
    if (given != 1) {
        if (given == 0 && o->n_attr > 0) return NULL; /* its attribute failed: reported */
        onnx_error(c, o, NULL, "Constant needs exactly one value attribute, got %d", given);
        return NULL;
    }
    const Attr *a = NULL;
    if (onnx_take_attr(c, o, NULL, pa, o->n_attr, const_forms[which].name, const_forms[which].kind,
                       &a) <= 0)
        return NULL;
    Arena *A = c->g->arena;
    Shape s = {.rank = 0};
    Tensor *t;
    switch (a->kind) {
    case ATTR_TENSOR: return a->t;
    case ATTR_FLOAT:
        t = tensor_new(A, DT_F32, &s);
        ((float *)t->data)[0] = a->f;
        return t;
    case ATTR_INT:
        t = tensor_new(A, DT_I64, &s);
        ((int64_t *)t->data)[0] = a->i;
        return t;
    case ATTR_FLOATS:
        s = (Shape){.rank = 1, .dim = {a->n}};
        t = tensor_new(A, DT_F32, &s);
        if (a->n) memcpy(t->data, a->floats, (size_t)a->n * sizeof(float));
        return t;
    case ATTR_INTS:
        s = (Shape){.rank = 1, .dim = {a->n}};
        t = tensor_new(A, DT_I64, &s);
        if (a->n) memcpy(t->data, a->ints, (size_t)a->n * sizeof(int64_t));
        return t;
    default: return NULL;
    }
}

static void lower_constant(OnnxCtx *c, const ONode *o) {
    if (o->n_in != 0 || o->n_out != 1) {
        onnx_error(c, o, NULL, "Constant takes no inputs and has one output; this node has %d "
                   "and %d", o->n_in, o->n_out);
        return;
    }
    PendingAttr *pa = arena_alloc(c->tmp, (size_t)(o->n_attr + 1) * sizeof *pa);
    onnx_convert_attrs(c, o, NULL, pa);
    Tensor *t = constant_tensor(c, o, pa);
    if (!t) return;
    const char *nm = o->out[0];
    Value *v = graph_const(c->g, nm[0] ? nm : NULL, t);
    if (nm[0]) onnx_name(c, nm)->value = v;
}

/* ---- ops ----------------------------------------------------------------- */

/* Trailing ONNX outputs an op may have beyond the IR's, if unused. */
static int droppable_outputs(OpKind op) {
    switch (op) {
    case OP_DROPOUT: return 1;    /* mask */
    case OP_BATCH_NORM: return 4; /* running / saved mean and variance (training) */
    case OP_MAX_POOL: return 1;   /* Indices */
    default: return 0;
    }
}

/* Checks the ONNX outputs against the op; returns how many the IR node gets, or -1. */
static int check_outputs(OnnxCtx *c, const ONode *o, OpKind op) {
    const OpInfo *info = op_info(op);
    if (o->n_out < 1) {
        onnx_error(c, o, NULL, "node has no outputs");
        return -1;
    }
    if (info->n_out < 0) return o->n_out;
    if (o->n_out <= info->n_out) {
        if (o->n_out < info->n_out) {
            onnx_error(c, o, NULL, "node has %d outputs; %s has %d", o->n_out, info->name,
                       info->n_out);
            return -1;
        }
        return info->n_out;
    }
    int extra = o->n_out - info->n_out, allowed = droppable_outputs(op);
    if (extra > allowed) {
        onnx_error(c, o, NULL, "node has %d outputs; %s has at most %d", o->n_out, info->name,
                   info->n_out + allowed);
        return -1;
    }
    int rc = 0;
    for (int k = info->n_out; k < o->n_out; k++) {
        const char *nm = o->out[k];
        const NameEntry *e = nm[0] ? onnx_name(c, nm) : NULL;
        if (e && e->uses > 0) {
            onnx_error(c, o, NULL, "output %d ('%.*s') is used, but tsnc supports only "
                       "output 0 of %s (inference mode)", k, ONNX_MSG_NAME, nm, info->name);
            rc = -1;
        }
    }
    return rc ? -1 : info->n_out;
}

static int check_arity(OnnxCtx *c, const ONode *o, Node *n, bool input_failed) {
    const OpInfo *info = op_info(n->op);
    if (n->n_in < info->min_in || (info->max_in >= 0 && n->n_in > info->max_in)) {
        if (info->max_in < 0)
            onnx_error(c, o, n, "%s takes at least %d inputs, got %d", info->name, info->min_in,
                       n->n_in);
        else if (info->min_in == info->max_in)
            onnx_error(c, o, n, "%s takes %d input%s, got %d", info->name, info->min_in,
                       info->min_in > 1 ? "s" : "", n->n_in);
        else
            onnx_error(c, o, n, "%s takes %d to %d inputs, got %d", info->name, info->min_in,
                       info->max_in, n->n_in);
        return -1;
    }
    if (input_failed) return 0;
    for (int i = 0; i < info->min_in; i++)
        if (!n->in[i]) {
            onnx_error(c, o, n, "required input %d is empty", i);
            return -1;
        }
    return 0;
}

static int lower_op(OnnxCtx *c, const ONode *o) {
    OpKind op = op_from_name(o->op_type);
    int n_out = check_outputs(c, o, op);
    if (n_out < 0) return -1;
    int n_in = o->n_in;
    while (n_in > 0 && !o->in[n_in - 1][0]) n_in--; /* trailing omitted optional inputs */
    Value **in = arena_alloc(c->tmp, (size_t)(n_in + 1) * sizeof *in);
    bool input_failed = false;
    for (int i = 0; i < n_in; i++) {
        if (!o->in[i][0]) continue;
        in[i] = onnx_name(c, o->in[i])->value;
        input_failed |= !in[i];
    }
    Node *n = graph_add_node(c->g, NULL, op, o->name, n_in, in, n_out);
    PendingAttr *pa = arena_alloc(c->tmp, (size_t)(o->n_attr + 1) * sizeof *pa);
    Value **outs = arena_alloc(c->tmp, (size_t)n_out * sizeof *outs);
    for (int k = 0; k < n_out; k++) outs[k] = n->out[k];
    int rc = onnx_convert_attrs(c, o, n, pa);
    bool rewritten = onnx_rewrite_legacy(c, o, n, pa, o->n_attr, outs) == 0;
    if (!rewritten) rc = -1;
    if (onnx_attach_attrs(c, o, n, pa, o->n_attr)) rc = -1;
    /* After a failed rewrite the operands are not in opset-13 form: no arity message. */
    if (rewritten && check_arity(c, o, n, input_failed)) rc = -1;
    for (int k = 0; k < n_out; k++) {
        const char *nm = o->out[k];
        if (!nm[0]) continue;
        outs[k]->name = arena_strdup(c->g->arena, nm);
        onnx_name(c, nm)->value = outs[k];
    }
    return rc;
}

int onnx_lower_nodes(OnnxCtx *c) {
    int rc = 0;
    for (int k = 0; k < c->n_nodes; k++) {
        const ONode *o = &c->nodes[c->order[k]];
        if (!onnx_op_supported(o)) continue; /* listed by onnx_report_unsupported */
        if (strcmp(o->op_type, "Constant") == 0) {
            int before = c->d->n_errors;
            lower_constant(c, o);
            if (c->d->n_errors != before) rc = -1;
        } else if (lower_op(c, o)) {
            rc = -1;
        }
    }
    return rc;
}
