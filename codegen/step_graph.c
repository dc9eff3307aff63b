/*
 * step_graph.c - finds timestep 0 and the membranes in an unrolled graph and
 * appends the one-timestep network (see step_graph.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/plan_memory.h"
#include "codegen/step_graph.h"

typedef enum TimeKind { TK_BAD, TK_INV, TK_STEP, TK_STACK, TK_MEAN } TimeKind;

typedef struct Tag {
    TimeKind kind;
    int step; /* TK_STEP: the timestep */
    int axis; /* TK_STACK: the axis holding the T blocks (every axis before it has size 1) */
} Tag;

typedef struct Slicer {
    Graph *g;
    int64_t T;
    Tag *tag;       /* per value id */
    Value **copy;   /* per value id: its counterpart in the step function */
    Value **membranes;
    int n_membranes, cap_membranes;
    char *why;
    size_t why_size;
} Slicer;

static int fail(Slicer *s, const Node *n, const char *fmt, const char *detail) {
    char msg[160];
    snprintf(msg, sizeof msg, fmt, detail);
    if (n)
        snprintf(s->why, s->why_size, "node '%.80s' (%s): %s", n->name, op_info(n->op)->name, msg);
    else
        snprintf(s->why, s->why_size, "%s", msg);
    return -1;
}

/* The axis holding T blocks: the first one above 1 (0 if none), if T divides it; else -1. */
static int stack_axis(const Shape *sh, int64_t T) {
    int a = 0;
    while (a < sh->rank && sh->dim[a] == 1) a++;
    if (a == sh->rank) return T == 1 ? 0 : -1;
    return sh->dim[a] % T == 0 ? a : -1;
}

/* One timestep's block of a stacked type. */
static Type block_type(const Slicer *s, const Value *v) {
    Type t = v->type;
    int a = s->tag[v->id].axis;
    if (a < t.shape.rank) t.shape.dim[a] /= s->T;
    return t;
}

static bool is_const(const Value *v) {
    return v->konst && (!v->def || plan_node_folded(v->def));
}

static bool is_elementwise(OpKind op) {
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_POW: case OP_MAX: case OP_MIN:
    case OP_EQUAL: case OP_GREATER: case OP_GREATER_OR_EQUAL: case OP_LESS: case OP_LESS_OR_EQUAL:
    case OP_AND: case OP_OR: case OP_XOR: case OP_WHERE: case OP_ABS: case OP_NEG: case OP_SIGN:
    case OP_NOT: case OP_RELU: case OP_LEAKY_RELU: case OP_SIGMOID: case OP_TANH: case OP_EXP:
    case OP_LOG: case OP_SQRT: case OP_RECIPROCAL: case OP_FLOOR: case OP_CEIL: case OP_ROUND:
    case OP_CAST: case OP_CLIP: case OP_FIRE:
        return true;
    default:
        return false;
    }
}

/* Ops whose samples (axis 0 of input 0) are independent; their other inputs are parameters. */
static bool is_per_sample(const Node *n) {
    switch (n->op) {
    case OP_CONV: case OP_SPIKE_CONV: case OP_AVERAGE_POOL: case OP_MAX_POOL:
    case OP_GLOBAL_AVERAGE_POOL: case OP_GLOBAL_MAX_POOL: case OP_BATCH_NORM: case OP_SPIKE_GEMM:
    case OP_PACK: case OP_SPLIT_LEVELS:
        return true;
    case OP_GEMM: return node_attr_int(n, "transA", 0) == 0;
    case OP_MATMUL: case OP_SPIKE_MATMUL: return n->in[0]->type.shape.rank >= 2;
    default: return false;
    }
}

/* The constant scalar (or one-element) index of a Gather, or -1. */
static int64_t gather_index(const Node *n, int64_t dim) {
    const Value *iv = n->n_in > 1 ? n->in[1] : NULL;
    if (!iv || !is_const(iv) || shape_numel(&iv->type.shape) != 1 || iv->type.shape.rank > 1) return -1;
    int64_t i = tensor_get_i64(iv->konst, 0);
    if (i < 0) i += dim;
    return i >= 0 && i < dim ? i : -1;
}

/* Tags n's outputs from its inputs' tags (all outputs get the same tag but for tsnc.lif). */
static Tag tag_node(Slicer *s, const Node *n) {
    const Tag bad = {TK_BAD, 0, 0};
    bool any_step = false, any_stack = false, any_bad = false;
    int step = -1;
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (!v || (n->op == OP_LIF && i == 1)) continue; /* a membrane: the step before */
        Tag t = s->tag[v->id];
        if (t.kind == TK_BAD || t.kind == TK_MEAN) any_bad = true;
        if (t.kind == TK_STACK) any_stack = true;
        if (t.kind == TK_STEP) {
            if (any_step && t.step != step) any_bad = true;
            any_step = true;
            step = t.step;
        }
    }
    if (any_bad || (any_step && any_stack)) return bad;
    const Value *x = n->n_in ? n->in[0] : NULL;
    if (n->op == OP_LIF) {
        if (node_attr_int(n, "steps", 1) > 1) {
            if (any_step || any_stack || node_attr_int(n, "steps", 1) != s->T) return bad;
            return (Tag){TK_STACK, 0, 0};
        }
        const Value *m = n->n_in > 1 ? n->in[1] : NULL;
        int k = 0;
        if (m) {
            if (!m->def || m->def->op != OP_LIF || m->def_index != 1 || s->tag[m->id].kind != TK_STEP)
                return bad;
            k = s->tag[m->id].step + 1;
        }
        if (any_stack || (any_step && s->tag[x->id].kind == TK_STEP && s->tag[x->id].step != k) ||
            k >= s->T)
            return bad;
        return (Tag){TK_STEP, k, 0};
    }
    if (!any_step && !any_stack) return (Tag){TK_INV, 0, 0};
    if (any_step) return (Tag){TK_STEP, step, 0};
    /* stacked inputs */
    const Value *y = n->out[0];
    Tag xt = x ? s->tag[x->id] : bad;
    if (n->op == OP_GATHER && xt.kind == TK_STACK && s->tag[n->in[1]->id].kind == TK_INV) {
        int64_t axis = node_attr_int(n, "axis", 0);
        if (axis < 0) axis += x->type.shape.rank;
        int64_t i = gather_index(n, s->T);
        if (axis != xt.axis || x->type.shape.dim[axis] != s->T || i < 0) return bad;
        return (Tag){TK_STEP, (int)i, 0};
    }
    if (n->op == OP_REDUCE_MEAN && xt.kind == TK_STACK) {
        int cnt = 0;
        const int64_t *axes = node_attr_ints(n, "axes", &cnt);
        int64_t a = cnt == 1 ? axes[0] : -1;
        if (a < 0 && cnt == 1) a += x->type.shape.rank;
        if (a != xt.axis || x->type.shape.dim[a] != s->T) return bad;
        return (Tag){TK_MEAN, 0, 0};
    }
    int ya = stack_axis(&y->type.shape, s->T);
    if (ya < 0 || n->n_out != 1) return bad;
    if (op_has(n->op, OPT_VIEW) && xt.kind == TK_STACK) return (Tag){TK_STACK, 0, ya};
    if (n->op == OP_RELAYOUT && xt.kind == TK_STACK && xt.axis == ya) {
        /* the timesteps' blocks stay whole when the stacking axis lies before the (C, H, W) block */
        const Value *cl = x->layout.channels_last ? x : y;
        int bd = cl->layout.channels_last ? layout_block_dims(cl) : 0;
        return ya < y->type.shape.rank - bd ? (Tag){TK_STACK, 0, ya} : bad;
    }
    if (is_per_sample(n) && xt.kind == TK_STACK && xt.axis == 0 && ya == 0) {
        for (int i = 1; i < n->n_in; i++)
            if (n->in[i] && s->tag[n->in[i]->id].kind != TK_INV) return bad;
        return (Tag){TK_STACK, 0, 0};
    }
    if (is_elementwise(n->op)) {
        /* stacked operands of the output's shape; invariant ones constant along time */
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            if (!v) continue;
            const Shape *sh = &v->type.shape;
            if (s->tag[v->id].kind == TK_STACK) {
                if (!shape_eq(sh, &y->type.shape) || s->tag[v->id].axis != ya) return bad;
                continue;
            }
            for (int d = 0; d <= ya; d++) {
                int vd = d - (y->type.shape.rank - sh->rank);
                if (vd >= 0 && sh->dim[vd] != 1) return bad;
            }
        }
        return (Tag){TK_STACK, 0, ya};
    }
    return bad;
}

/* A Concat of steps 0..T-1 in order, along an axis with only size-1 axes before it. */
static Tag tag_concat(Slicer *s, const Node *n) {
    const Tag bad = {TK_BAD, 0, 0};
    const Value *y = n->out[0];
    int64_t axis = node_attr_int(n, "axis", 0);
    if (axis < 0) axis += y->type.shape.rank;
    if (n->n_in != s->T || axis < 0 || axis >= y->type.shape.rank) return bad;
    for (int d = 0; d < axis; d++)
        if (y->type.shape.dim[d] != 1) return bad;
    for (int i = 0; i < n->n_in; i++) {
        Tag t = s->tag[n->in[i]->id];
        if (t.kind != TK_STEP || t.step != i || !shape_eq(&n->in[i]->type.shape, &n->in[0]->type.shape))
            return bad;
    }
    int ya = stack_axis(&y->type.shape, s->T);
    return ya < 0 ? bad : (Tag){TK_STACK, 0, ya};
}

/* T: the extent of the averaged axis of the first output (every output must agree). */
static int find_steps(Slicer *s) {
    Graph *g = s->g;
    for (int i = 0; i < g->n_outputs; i++) {
        const Value *o = g->outputs[i];
        const Node *n = o->def;
        int cnt = 0;
        const int64_t *axes = n && n->op == OP_REDUCE_MEAN ? node_attr_ints(n, "axes", &cnt) : NULL;
        if (!axes || cnt != 1)
            return fail(s, n, "output '%.60s' is not a ReduceMean over one axis (the mean over timesteps)",
                        o->name ? o->name : "");
        int64_t a = axes[0] < 0 ? axes[0] + n->in[0]->type.shape.rank : axes[0];
        int64_t T = a >= 0 && a < n->in[0]->type.shape.rank ? n->in[0]->type.shape.dim[a] : -1;
        if (T < 1 || (s->T && T != s->T))
            return fail(s, n, "%s", "the outputs average different numbers of timesteps");
        s->T = T;
    }
    return s->T ? 0 : fail(s, NULL, "%s", "the graph has no output");
}

static int tag_all(Slicer *s) {
    Graph *g = s->g;
    for (int v = 0; v < g->n_values; v++) {
        const Value *val = g->values[v];
        s->tag[v] = (Tag){val->is_input || is_const(val) ? TK_INV : TK_BAD, 0, 0};
    }
    for (const Node *n = g->first; n; n = n->next) {
        if (plan_node_folded(n)) continue;
        Tag t = n->op == OP_CONCAT ? tag_concat(s, n) : tag_node(s, n);
        if (n->op == OP_CONCAT && t.kind == TK_BAD) t = tag_node(s, n);
        for (int j = 0; j < n->n_out; j++) s->tag[n->out[j]->id] = t;
    }
    return 0;
}

/* ---- building the copy of timestep 0 ---- */

static Value *new_reshape(Slicer *s, Value *x, const Value *like, const Type *t) {
    Graph *g = s->g;
    Shape ss = {.rank = 1, .dim = {t->shape.rank}};
    Tensor *k = tensor_new(g->arena, DT_I64, &ss);
    for (int i = 0; i < t->shape.rank; i++) ((int64_t *)k->data)[i] = t->shape.dim[i];
    Value *kv = graph_const(g, NULL, k);
    Value *in[2] = {x, kv};
    Node *r = graph_add_node(g, NULL, OP_RESHAPE, like->def ? like->def->name : "", 2, in, 1);
    r->out[0]->type = *t;
    r->out[0]->vs = like->vs;
    r->out[0]->layout = like->layout;
    r->out[0]->name = like->name;
    return r->out[0];
}

static Value *copy_of(Slicer *s, Value *v);

/* The membrane operand of a neuron of the step function: a graph input after the x_t (the
 * state before the step); the neuron's membrane output becomes the matching graph output. */
static Value *new_membrane(Slicer *s, const Value *x, const Value *m_out) {
    if (s->n_membranes == s->cap_membranes) {
        s->cap_membranes = s->cap_membranes ? 2 * s->cap_membranes : 16;
        s->membranes = realloc(s->membranes, (size_t)s->cap_membranes * sizeof *s->membranes);
        if (!s->membranes) die("out of memory");
    }
    char name[64];
    snprintf(name, sizeof name, "membrane_%d", s->n_membranes);
    Value *m = graph_add_input(s->g, arena_strdup(s->g->arena, name), &x->type);
    m->layout = m_out->layout;
    s->membranes[s->n_membranes++] = m;
    return m;
}

static Node *copy_node(Slicer *s, const Node *n, int n_in, Value **in, bool drop_steps) {
    Node *c = graph_add_node(s->g, NULL, n->op, n->name, n_in, in, n->n_out);
    for (int i = 0; i < n->n_attr; i++)
        if (!drop_steps || strcmp(n->attr[i].name, "steps")) node_set_attr(s->g, c, &n->attr[i]);
    c->remark = n->remark;
    for (int j = 0; j < n->n_out; j++) {
        c->out[j]->type = n->out[j]->type;
        c->out[j]->vs = n->out[j]->vs;
        c->out[j]->layout = n->out[j]->layout;
        c->out[j]->name = n->out[j]->name;
    }
    return c;
}

static Value *copy_of(Slicer *s, Value *v) {
    if (s->copy[v->id]) return s->copy[v->id];
    if (is_const(v)) return v;
    Node *n = v->def;
    Tag t = s->tag[v->id];
    if (!n || (t.kind != TK_INV && t.kind != TK_STACK && !(t.kind == TK_STEP && t.step == 0)))
        die("step_graph: value %d is not part of timestep 0", v->id);
    Value *in[64];
    if (n->n_in > 64) die("step_graph: node with more than 64 inputs");
    Value *r = NULL;
    Tag xt = n->n_in && n->in[0] ? s->tag[n->in[0]->id] : (Tag){TK_BAD, 0, 0};
    if (n->op == OP_GATHER && xt.kind == TK_STACK && t.kind == TK_STEP) {
        r = new_reshape(s, copy_of(s, n->in[0]), v, &v->type);
    } else if (n->op == OP_CONCAT && t.kind == TK_STACK && s->tag[n->in[0]->id].kind == TK_STEP) {
        Type bt = block_type(s, v);
        r = new_reshape(s, copy_of(s, n->in[0]), v, &bt);
    } else if (op_has(n->op, OPT_VIEW) && t.kind == TK_STACK) {
        Type bt = block_type(s, v);
        r = new_reshape(s, copy_of(s, n->in[0]), v, &bt);
    } else if (n->op == OP_LIF) {
        bool steps = node_attr_int(n, "steps", 1) > 1;
        in[0] = copy_of(s, n->in[0]);
        in[1] = new_membrane(s, in[0], n->out[1]);
        Node *c = copy_node(s, n, 2, in, steps);
        if (steps) { /* one timestep of the hoisted neuron, then the block's shape */
            Type one = n->out[0]->type;
            memmove(one.shape.dim, one.shape.dim + 1, (size_t)(one.shape.rank - 1) * sizeof one.shape.dim[0]);
            one.shape.rank--;
            c->out[0]->type = one;
            s->copy[n->out[1]->id] = c->out[1];
            Type bt = block_type(s, n->out[0]);
            s->copy[n->out[0]->id] = new_reshape(s, c->out[0], n->out[0], &bt);
            return s->copy[v->id];
        }
        for (int j = 0; j < n->n_out; j++) s->copy[n->out[j]->id] = c->out[j];
        return s->copy[v->id];
    } else {
        for (int i = 0; i < n->n_in; i++) in[i] = n->in[i] ? copy_of(s, n->in[i]) : NULL;
        Node *c = copy_node(s, n, n->n_in, in, false);
        for (int j = 0; j < n->n_out; j++) {
            if (t.kind == TK_STACK) c->out[j]->type = block_type(s, n->out[j]);
            s->copy[n->out[j]->id] = c->out[j];
        }
        return s->copy[v->id];
    }
    s->copy[v->id] = r;
    return r;
}

/* Where tagging first failed on the way to v: the producer of the earliest value, among v and
 * what it is computed from, whose timesteps cannot be told apart while its inputs' can. */
static const Node *first_untagged(const Slicer *s, const Value *v, char *seen) {
    if (seen[v->id] || is_const(v) || v->is_input || !v->def || s->tag[v->id].kind != TK_BAD) return NULL;
    seen[v->id] = 1;
    const Node *n = v->def;
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i] || (n->op == OP_LIF && i == 1)) continue; /* a membrane: the step before */
        const Node *r = first_untagged(s, n->in[i], seen);
        if (r) return r;
    }
    return n;
}

/* The values timestep 0's outputs need: every one must be tagged. */
static int check_needed(Slicer *s, const Value *v, char *seen) {
    if (seen[v->id] || is_const(v) || v->is_input) return 0;
    seen[v->id] = 1;
    Tag t = s->tag[v->id];
    const Node *n = v->def;
    if (!n) return fail(s, NULL, "value '%.60s' has no producer", v->name ? v->name : "");
    if (t.kind == TK_BAD)
        return fail(s, n, "%s", "its timesteps cannot be told apart (not a per-step op, Gather/Concat over time, or neuron)");
    if (t.kind == TK_STEP && t.step != 0) return 0; /* only reached through a membrane or a Concat */
    for (int i = 0; i < n->n_in; i++) {
        const Value *x = n->in[i];
        if (!x) continue;
        if (n->op == OP_LIF && i == 1) continue; /* the membrane comes from the state */
        if (n->op == OP_CONCAT && t.kind == TK_STACK && i > 0) continue;
        if (check_needed(s, x, seen)) return -1;
    }
    return 0;
}

static void add_output(Graph *g, Value *v) {
    Value **no = arena_alloc(g->arena, (size_t)(g->n_outputs + 1) * sizeof *no);
    if (g->n_outputs) memcpy(no, g->outputs, (size_t)g->n_outputs * sizeof *no);
    no[g->n_outputs++] = v;
    g->outputs = no;
}

int step_graph_build(Graph *g, StepGraph *sg, char *why, size_t why_size) {
    memset(sg, 0, sizeof *sg);
    Slicer s = {.g = g, .why = why, .why_size = why_size};
    bool neuron = false;
    for (const Node *n = g->first; n && !neuron; n = n->next) neuron = n->op == OP_LIF;
    if (!neuron) return fail(&s, NULL, "%s", "the graph has no spiking neuron (tsnc.lif) to carry from step to step");
    int nv = g->n_values;
    s.tag = calloc((size_t)nv + 1, sizeof *s.tag);
    char *seen = calloc((size_t)nv + 1, 1);
    if (!s.tag || !seen) die("out of memory");
    int rc = find_steps(&s);
    if (!rc) rc = tag_all(&s);
    for (int i = 0; i < g->n_outputs && !rc; i++) {
        const Value *o = g->outputs[i];
        const Node *cause = s.tag[o->id].kind != TK_MEAN && o->def && o->def->n_in && o->def->in[0]
                                ? first_untagged(&s, o->def->in[0], seen)
                                : NULL;
        if (cause)
            rc = fail(&s, cause, "%s",
                      "its timesteps cannot be told apart (not a per-step op, Gather/Concat over time, or neuron)");
        else if (s.tag[o->id].kind != TK_MEAN)
            rc = fail(&s, o->def, "%s", "the mean over timesteps of a stacked tensor was not found");
        else
            rc = check_needed(&s, o->def->in[0], seen);
    }
    free(seen);
    if (rc) {
        free(s.tag);
        return -1;
    }
    /* build: inputs x_t, nodes of timestep 0, outputs y_t, then the membranes */
    int n_model_in = g->n_inputs, n_model_out = g->n_outputs;
    s.copy = calloc((size_t)nv + 1, sizeof *s.copy);
    if (!s.copy) die("out of memory");
    sg->steps = (int)s.T;
    sg->in0 = n_model_in;
    sg->n_in = n_model_in;
    sg->out0 = n_model_out;
    sg->n_out = n_model_out;
    Node *last = g->last;
    for (int i = 0; i < n_model_in; i++) {
        Value *x = g->inputs[i];
        char name[IR_MAX_NAME];
        snprintf(name, sizeof name, "%.200s (one timestep)", x->name ? x->name : "input");
        Value *xt = graph_add_input(g, name, &x->type);
        xt->layout = x->layout;
        xt->vs = x->vs;
        s.copy[x->id] = xt;
    }
    Value *ys[64];
    if (n_model_out > 64) die("step_graph: more than 64 outputs");
    for (int i = 0; i < n_model_out; i++) {
        Value *o = g->outputs[i];
        ys[i] = new_reshape(&s, copy_of(&s, o->def->in[0]), o, &o->type);
    }
    sg->first = last ? last->next : g->first;
    for (int i = 0; i < n_model_out; i++) add_output(g, ys[i]);
    for (int k = 0; k < s.n_membranes; k++) {
        Value *mi = g->inputs[sg->in0 + sg->n_in + k];
        for (Node *n = sg->first; n; n = n->next)
            if (n->op == OP_LIF && n->in[1] == mi) {
                add_output(g, n->out[1]);
                break;
            }
    }
    sg->n_membranes = s.n_membranes;
    free(s.membranes);
    free(s.copy);
    free(s.tag);
    return 0;
}

void step_graph_remove(Graph *g, const StepGraph *sg) {
    Node *n = sg->first;
    while (n) {
        Node *next = n->next;
        graph_remove_node(g, n);
        n = next;
    }
    for (int i = sg->in0; i < g->n_inputs; i++) g->inputs[i]->is_input = false;
    g->n_inputs = sg->in0;
    g->n_outputs = sg->out0;
}
