/*
 * cse.c - the cse pass: common subexpression elimination.
 *
 * Constants with the same dtype, shape and bytes are merged first; then a
 * node with the same op, inputs and attributes as an earlier node is
 * replaced by it. The explicit-time exports copy each layer once per
 * timestep (Conv on the same input with Identity copies of the same
 * weights): after canonicalize and this pass, the time-invariant first layer
 * is computed once.
 */
#include <stdlib.h>
#include <string.h>

#include "passes/rewrite.h"

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static const uint64_t FNV_BASIS = 0xcbf29ce484222325ull;

static uint64_t hash_const(const Tensor *t) {
    uint64_t h = fnv(FNV_BASIS, &t->type.dtype, sizeof t->type.dtype);
    h = fnv(h, &t->type.shape.rank, sizeof t->type.shape.rank);
    h = fnv(h, t->type.shape.dim, sizeof(int64_t) * (size_t)t->type.shape.rank);
    return fnv(h, t->data, tensor_bytes(t));
}

static uint64_t hash_node(const Node *n) {
    uint64_t h = fnv(FNV_BASIS, &n->op, sizeof n->op);
    for (int i = 0; i < n->n_in; i++) {
        int id = n->in[i] ? n->in[i]->id : -1;
        h = fnv(h, &id, sizeof id);
    }
    for (int i = 0; i < n->n_attr; i++) h = fnv(h, n->attr[i].name, strlen(n->attr[i].name));
    return h;
}

static bool node_equal(const Node *a, const Node *b) {
    if (a->op != b->op || a->n_in != b->n_in || a->n_out != b->n_out) return false;
    for (int i = 0; i < a->n_in; i++)
        if (a->in[i] != b->in[i]) return false;
    return node_attrs_equal(a, b);
}

/* Open-addressing table of (hash, item) with linear probing. */
typedef struct Table {
    uint64_t *hash;
    const void **item;
    size_t cap;
} Table;

static void table_init(Table *t, size_t n) {
    t->cap = 16;
    while (t->cap < 2 * n + 16) t->cap *= 2;
    t->hash = calloc(t->cap, sizeof *t->hash);
    t->item = calloc(t->cap, sizeof *t->item);
    if (!t->hash || !t->item) die("out of memory");
}

static void table_free(Table *t) {
    free(t->hash);
    free(t->item);
}

/* Returns an equal item already present, or inserts `item` and returns NULL. */
static const void *table_find_or_add(Table *t, uint64_t h, const void *item,
                                     bool (*eq)(const void *, const void *)) {
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        if (!t->item[i]) {
            t->hash[i] = h;
            t->item[i] = item;
            return NULL;
        }
        if (t->hash[i] == h && eq(t->item[i], item)) return t->item[i];
    }
}

static bool eq_const_value(const void *a, const void *b) {
    return tensor_equal(((const Value *)a)->konst, ((const Value *)b)->konst);
}

static bool eq_node(const void *a, const void *b) {
    return node_equal(a, b);
}

int pass_cse(Graph *g, PassContext *cx) {
    (void)cx;
    Rewriter rw;
    rw_init(&rw, g);
    Table consts;
    table_init(&consts, (size_t)g->n_values);
    /* Only constants that are read; graph inputs are never merged. */
    for (Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_in; i++) {
            Value *v = n->in[i];
            if (!v || v->def || !v->konst || v->is_input || rw_resolve(&rw, v) != v) continue;
            const Value *same = table_find_or_add(&consts, hash_const(v->konst), v, eq_const_value);
            if (same && same != v) rw_replace(&rw, v, (Value *)same);
        }
    table_free(&consts);

    Table nodes;
    table_init(&nodes, (size_t)g->n_nodes);
    for (Node *n = g->first; n; n = n->next) {
        rw_resolve_inputs(&rw, n);
        const Node *same = table_find_or_add(&nodes, hash_node(n), n, eq_node);
        if (same)
            for (int i = 0; i < n->n_out; i++) rw_replace(&rw, n->out[i], same->out[i]);
    }
    table_free(&nodes);
    rw_finish(&rw);
    return 0;
}
