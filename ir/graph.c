/*
 * graph.c - building and editing graphs: values, nodes, attributes, uses.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

Graph *graph_new(const char *name) {
    Arena *a = arena_new();
    Graph *g = arena_alloc(a, sizeof *g);
    g->arena = a;
    g->name = arena_strdup(a, name ? name : "model");
    return g;
}

void graph_free(Graph *g) {
    if (!g) return;
    free(g->values);
    arena_free(g->arena);
}

Value *graph_new_value(Graph *g, const char *name, DType dt) {
    if (g->n_values == g->cap_values) {
        int cap = g->cap_values ? g->cap_values * 2 : 256;
        Value **nv = realloc(g->values, (size_t)cap * sizeof *nv);
        if (!nv) die("out of memory");
        g->values = nv;
        g->cap_values = cap;
    }
    Value *v = arena_alloc(g->arena, sizeof *v);
    v->id = g->n_values;
    v->name = name ? arena_strdup(g->arena, name) : NULL;
    v->type.dtype = dt;
    v->type.shape.rank = -1;
    g->values[g->n_values++] = v;
    return v;
}

Value *graph_const(Graph *g, const char *name, Tensor *t) {
    Value *v = graph_new_value(g, name, t->type.dtype);
    v->type = t->type;
    v->konst = t;
    return v;
}

Value *graph_add_input(Graph *g, const char *name, const Type *t) {
    Value *v = graph_new_value(g, name, t->dtype);
    v->type = *t;
    v->is_input = true;
    Value **ni = arena_alloc(g->arena, (size_t)(g->n_inputs + 1) * sizeof *ni);
    if (g->n_inputs) memcpy(ni, g->inputs, (size_t)g->n_inputs * sizeof *ni);
    ni[g->n_inputs++] = v;
    g->inputs = ni;
    return v;
}

static void link_before(Graph *g, Node *n, Node *before) {
    if (!before) {
        n->prev = g->last;
        n->next = NULL;
        if (g->last)
            g->last->next = n;
        else
            g->first = n;
        g->last = n;
    } else {
        n->next = before;
        n->prev = before->prev;
        if (before->prev)
            before->prev->next = n;
        else
            g->first = n;
        before->prev = n;
    }
}

static void unlink_node(Graph *g, Node *n) {
    if (n->prev)
        n->prev->next = n->next;
    else
        g->first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    else
        g->last = n->prev;
    n->prev = n->next = NULL;
}

Node *graph_add_node(Graph *g, Node *before, OpKind op, const char *name, int n_in,
                     Value *const *in, int n_out) {
    Node *n = arena_alloc(g->arena, sizeof *n);
    n->id = g->next_node_id++;
    n->op = op;
    n->name = arena_strdup(g->arena, name ? name : "");
    n->n_in = n_in;
    n->in = arena_alloc(g->arena, (size_t)(n_in ? n_in : 1) * sizeof *n->in);
    for (int i = 0; i < n_in; i++) n->in[i] = in ? in[i] : NULL;
    n->n_out = n_out;
    n->out = arena_alloc(g->arena, (size_t)(n_out ? n_out : 1) * sizeof *n->out);
    for (int i = 0; i < n_out; i++) {
        Value *v = graph_new_value(g, NULL, DT_UNDEF);
        v->def = n;
        v->def_index = i;
        n->out[i] = v;
    }
    link_before(g, n, before);
    g->n_nodes++;
    return n;
}

void graph_remove_node(Graph *g, Node *n) {
    unlink_node(g, n);
    for (int i = 0; i < n->n_out; i++)
        if (n->out[i]->def == n) n->out[i]->def = NULL;
    g->n_nodes--;
}

void graph_move_before(Graph *g, Node *n, Node *before) {
    if (n == before) return;
    unlink_node(g, n);
    link_before(g, n, before);
}

bool graph_replace_uses(Graph *g, Value *old, Value *new_) {
    if (!type_eq(&old->type, &new_->type) || !layout_eq(&old->layout, &new_->layout)) return false;
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i] == old) n->in[i] = new_;
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == old) g->outputs[i] = new_;
    return true;
}

int graph_count_uses(const Graph *g, const Value *v) {
    int c = 0;
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_in; i++) c += n->in[i] == v;
    for (int i = 0; i < g->n_outputs; i++) c += g->outputs[i] == v;
    return c;
}

bool graph_is_output(const Graph *g, const Value *v) {
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return true;
    return false;
}

Uses *uses_build(const Graph *g) {
    Uses *u = calloc(1, sizeof *u);
    if (!u) die("out of memory");
    u->n_values = g->n_values;
    u->count = calloc((size_t)g->n_values + 1, sizeof *u->count);
    u->users = calloc((size_t)g->n_values + 1, sizeof *u->users);
    if (!u->count || !u->users) die("out of memory");
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) u->count[n->in[i]->id]++;
    for (int v = 0; v < g->n_values; v++) {
        if (!u->count[v]) continue;
        u->users[v] = malloc((size_t)u->count[v] * sizeof(Node *));
        if (!u->users[v]) die("out of memory");
        u->count[v] = 0;
    }
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) {
                int id = n->in[i]->id;
                u->users[id][u->count[id]++] = n;
            }
    return u;
}

void uses_free(Uses *u) {
    if (!u) return;
    for (int v = 0; v < u->n_values; v++) free(u->users[v]);
    free(u->users);
    free(u->count);
    free(u);
}

/* ---- attributes ---- */

const Attr *node_attr(const Node *n, const char *name) {
    for (int i = 0; i < n->n_attr; i++)
        if (strcmp(n->attr[i].name, name) == 0) return &n->attr[i];
    return NULL;
}

int64_t node_attr_int(const Node *n, const char *name, int64_t dflt) {
    const Attr *a = node_attr(n, name);
    return a && a->kind == ATTR_INT ? a->i : dflt;
}

float node_attr_float(const Node *n, const char *name, float dflt) {
    const Attr *a = node_attr(n, name);
    return a && a->kind == ATTR_FLOAT ? a->f : dflt;
}

const int64_t *node_attr_ints(const Node *n, const char *name, int *count) {
    const Attr *a = node_attr(n, name);
    if (!a || a->kind != ATTR_INTS) {
        *count = 0;
        return NULL;
    }
    *count = a->n;
    return a->ints;
}

const char *node_attr_string(const Node *n, const char *name, const char *dflt) {
    const Attr *a = node_attr(n, name);
    return a && a->kind == ATTR_STRING ? a->s : dflt;
}

bool tensor_equal(const Tensor *a, const Tensor *b) {
    return type_eq(&a->type, &b->type) && memcmp(a->data, b->data, tensor_bytes(a)) == 0;
}

bool attr_equal(const Attr *a, const Attr *b) {
    if (strcmp(a->name, b->name) != 0 || a->kind != b->kind) return false;
    switch (a->kind) {
    case ATTR_INT: return a->i == b->i;
    case ATTR_FLOAT: return memcmp(&a->f, &b->f, sizeof a->f) == 0;
    case ATTR_INTS: return a->n == b->n && memcmp(a->ints, b->ints, (size_t)a->n * sizeof *a->ints) == 0;
    case ATTR_FLOATS: return a->n == b->n && memcmp(a->floats, b->floats, (size_t)a->n * sizeof *a->floats) == 0;
    case ATTR_STRING: return strcmp(a->s, b->s) == 0;
    case ATTR_TENSOR: return tensor_equal(a->t, b->t);
    }
    return false;
}

bool node_attrs_equal(const Node *a, const Node *b) {
    if (a->n_attr != b->n_attr) return false;
    for (int i = 0; i < a->n_attr; i++)
        if (!attr_equal(&a->attr[i], &b->attr[i])) return false;
    return true;
}

void node_remove_attr(Node *n, const char *name) {
    for (int i = 0; i < n->n_attr; i++)
        if (strcmp(n->attr[i].name, name) == 0) {
            memmove(&n->attr[i], &n->attr[i + 1], (size_t)(n->n_attr - i - 1) * sizeof(Attr));
            n->n_attr--;
            return;
        }
}

void node_set_attr(Graph *g, Node *n, const Attr *a) {
    node_remove_attr(n, a->name);
    Attr *na = arena_alloc(g->arena, (size_t)(n->n_attr + 1) * sizeof *na);
    int j = 0;
    bool placed = false;
    for (int i = 0; i < n->n_attr; i++) {
        if (!placed && strcmp(a->name, n->attr[i].name) < 0) {
            na[j++] = *a;
            placed = true;
        }
        na[j++] = n->attr[i];
    }
    if (!placed) na[j++] = *a;
    for (int i = 0; i < j; i++)
        if (na[i].name == a->name) na[i].name = arena_strdup(g->arena, a->name);
    n->attr = na;
    n->n_attr = j;
}

void node_set_attr_int(Graph *g, Node *n, const char *name, int64_t v) {
    Attr a = {.name = name, .kind = ATTR_INT, .i = v};
    node_set_attr(g, n, &a);
}

void node_set_attr_float(Graph *g, Node *n, const char *name, float v) {
    Attr a = {.name = name, .kind = ATTR_FLOAT, .f = v};
    node_set_attr(g, n, &a);
}

void node_set_attr_ints(Graph *g, Node *n, const char *name, int count, const int64_t *v) {
    Attr a = {.name = name, .kind = ATTR_INTS, .n = count};
    a.ints = arena_alloc(g->arena, (size_t)(count ? count : 1) * sizeof *a.ints);
    if (count) memcpy(a.ints, v, (size_t)count * sizeof *v);
    node_set_attr(g, n, &a);
}

void node_set_attr_floats(Graph *g, Node *n, const char *name, int count, const float *v) {
    Attr a = {.name = name, .kind = ATTR_FLOATS, .n = count};
    a.floats = arena_alloc(g->arena, (size_t)(count ? count : 1) * sizeof *a.floats);
    if (count) memcpy(a.floats, v, (size_t)count * sizeof *v);
    node_set_attr(g, n, &a);
}

void node_set_attr_string(Graph *g, Node *n, const char *name, const char *s) {
    Attr a = {.name = name, .kind = ATTR_STRING, .s = arena_strdup(g->arena, s)};
    node_set_attr(g, n, &a);
}
