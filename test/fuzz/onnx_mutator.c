/*
 * onnx_mutator.c - a structure-aware libFuzzer mutator for fuzz_pipeline.
 *
 * Byte-level mutations of a protobuf mostly break its framing, so few
 * mutants get past the parser to the passes and code generation. Half of the
 * time this mutator instead parses the ModelProto (protobuf-c), changes one
 * thing a model can get wrong, and serializes it again:
 *   - an int64 (dims, dim_value, attribute i/ints, int64_data, opset) or an
 *     int32 (data_type, elem_type, int32_data) set to an edge value or nudged,
 *   - a float (attribute f/floats, float_data, 4 bytes of raw_data) set to an
 *     edge value (0, -0, 1, -1, 0.5, nan, inf, 1e30, ...),
 *   - a repeated field (dims, ints, floats, node inputs) shortened by one,
 *   - a node's op_type replaced by another operator tsnc knows,
 *   - a node input rewired to another value name of the model,
 *   - an attribute's declared type changed,
 *   - the graph's node list with two nodes swapped, one dropped or one
 *     listed twice.
 * The other half, and whenever the input does not parse, libFuzzer's own
 * byte mutations run. Every change is made through an undo log and reverted
 * before the message is freed, so protobuf-c's memory stays its own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_internal.h"
#include "test/fuzz/fuzz_harness.h"

/* libFuzzer's byte-level mutator (libFuzzer's FuzzerInterface.h). */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);

enum { MAX_SLOTS = 4096, MAX_UNDO = 16 };

typedef struct Slots {
    int64_t *i64[MAX_SLOTS];
    int n_i64;
    int32_t *i32[MAX_SLOTS];
    int n_i32;
    float *f32[MAX_SLOTS];
    int n_f32;
    ProtobufCBinaryData *raw[MAX_SLOTS];
    int n_raw;
    size_t *count[MAX_SLOTS]; /* n_dims, n_ints, n_floats, n_input of repeated fields */
    int n_count;
    char **name[MAX_SLOTS];   /* value names: node inputs and outputs */
    int n_name;
    Onnx__NodeProto *node[MAX_SLOTS];
    int n_node;
    Onnx__AttributeProto *attr[MAX_SLOTS];
    int n_attr;
} Slots;

/* Undo log: pointer and count fields changed by a mutation, restored before freeing. */
typedef struct Undo {
    void **ptr[MAX_UNDO];
    void *old_ptr[MAX_UNDO];
    int n_ptr;
    size_t *cnt[MAX_UNDO];
    size_t old_cnt[MAX_UNDO];
    int n_cnt;
    void *owned[MAX_UNDO]; /* our allocations, freed after packing */
    int n_owned;
} Undo;

static uint64_t rng_state;

static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static size_t pick(size_t n) {
    return n ? (size_t)(rnd() % n) : 0;
}

#define ADD(arr, cnt, p)                                     \
    do {                                                     \
        if (s->cnt < MAX_SLOTS) s->arr[s->cnt++] = (p);      \
    } while (0)

static void collect_tensor(Slots *s, Onnx__TensorProto *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n_dims; i++) ADD(i64, n_i64, &t->dims[i]);
    if (t->n_dims) ADD(count, n_count, &t->n_dims);
    if (t->has_data_type) ADD(i32, n_i32, &t->data_type);
    for (size_t i = 0; i < t->n_int64_data && i < 8; i++) ADD(i64, n_i64, &t->int64_data[i]);
    for (size_t i = 0; i < t->n_int32_data && i < 8; i++) ADD(i32, n_i32, &t->int32_data[i]);
    for (size_t i = 0; i < t->n_float_data && i < 8; i++) ADD(f32, n_f32, &t->float_data[i]);
    if (t->has_raw_data && t->raw_data.len >= 4) ADD(raw, n_raw, &t->raw_data);
}

static void collect_node(Slots *s, Onnx__NodeProto *n) {
    ADD(node, n_node, n);
    for (size_t i = 0; i < n->n_input; i++) ADD(name, n_name, &n->input[i]);
    for (size_t i = 0; i < n->n_output; i++) ADD(name, n_name, &n->output[i]);
    if (n->n_input) ADD(count, n_count, &n->n_input);
    for (size_t a = 0; a < n->n_attribute; a++) {
        Onnx__AttributeProto *p = n->attribute[a];
        ADD(attr, n_attr, p);
        if (p->has_i) ADD(i64, n_i64, &p->i);
        if (p->has_f) ADD(f32, n_f32, &p->f);
        for (size_t i = 0; i < p->n_ints; i++) ADD(i64, n_i64, &p->ints[i]);
        for (size_t i = 0; i < p->n_floats; i++) ADD(f32, n_f32, &p->floats[i]);
        if (p->n_ints) ADD(count, n_count, &p->n_ints);
        if (p->n_floats) ADD(count, n_count, &p->n_floats);
        collect_tensor(s, p->t);
    }
}

static void collect_value_info(Slots *s, Onnx__ValueInfoProto *vi) {
    if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) return;
    Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    if (!tt) return;
    if (tt->has_elem_type) ADD(i32, n_i32, &tt->elem_type);
    if (!tt->shape) return;
    for (size_t i = 0; i < tt->shape->n_dim; i++) {
        Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
            ADD(i64, n_i64, &d->dim_value);
    }
    if (tt->shape->n_dim) ADD(count, n_count, &tt->shape->n_dim);
}

static void collect(Slots *s, Onnx__ModelProto *m) {
    for (size_t i = 0; i < m->n_opset_import; i++)
        if (m->opset_import[i]->has_version) ADD(i64, n_i64, &m->opset_import[i]->version);
    Onnx__GraphProto *g = m->graph;
    if (g) {
        for (size_t i = 0; i < g->n_node; i++) collect_node(s, g->node[i]);
        for (size_t i = 0; i < g->n_initializer; i++) collect_tensor(s, g->initializer[i]);
        for (size_t i = 0; i < g->n_input; i++) collect_value_info(s, g->input[i]);
        for (size_t i = 0; i < g->n_output; i++) collect_value_info(s, g->output[i]);
    }
    for (size_t f = 0; f < m->n_functions; f++)
        for (size_t i = 0; i < m->functions[f]->n_node; i++) collect_node(s, m->functions[f]->node[i]);
}

static int64_t interesting_i64(void) {
    static const int64_t v[] = {0,  1,  -1, 2,  3,  4,  7,  8,  16, 31, 64, 255, 256, 4096,
                                -2, 13, 18, 6,  INT64_C(1) << 20, INT64_C(1) << 28,
                                INT64_C(1) << 31, INT64_C(1) << 32, INT64_C(1) << 62, INT64_MAX,
                                INT64_MIN, -(INT64_C(1) << 31)};
    return v[pick(sizeof v / sizeof v[0])];
}

static float interesting_f32(void) {
    static const float v[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, -0.5f, 2.0f, 0.25f, 1e-7f, 1e30f,
                              -1e30f, 3.4e38f, 1e-45f};
    size_t n = sizeof v / sizeof v[0];
    size_t k = pick(n + 3);
    if (k == n) return NAN;
    if (k == n + 1) return INFINITY;
    if (k == n + 2) return -INFINITY;
    return v[k];
}

static void set_ptr(Undo *u, void **slot, void *value) {
    if (u->n_ptr == MAX_UNDO) return;
    u->ptr[u->n_ptr] = slot;
    u->old_ptr[u->n_ptr++] = *slot;
    *slot = value;
}

static void set_count(Undo *u, size_t *slot, size_t value) {
    if (u->n_cnt == MAX_UNDO) return;
    u->cnt[u->n_cnt] = slot;
    u->old_cnt[u->n_cnt++] = *slot;
    *slot = value;
}

static void *own(Undo *u, void *p) {
    if (!p) abort();
    if (u->n_owned == MAX_UNDO) abort();
    u->owned[u->n_owned++] = p;
    return p;
}

/* One structural mutation; false if the model offers nothing for the chosen kind. */
static bool mutate_once(Onnx__ModelProto *m, Slots *s, Undo *u) {
    switch (pick(12)) {
    case 0:
        if (!s->n_i64) return false;
        *s->i64[pick((size_t)s->n_i64)] = interesting_i64();
        return true;
    case 1:
        if (!s->n_i64) return false;
        {
            int64_t *p = s->i64[pick((size_t)s->n_i64)];
            int64_t delta = (int64_t)pick(5) - 2;
            if ((delta > 0 && *p <= INT64_MAX - delta) || (delta < 0 && *p >= INT64_MIN - delta))
                *p += delta;
        }
        return true;
    case 2:
        if (!s->n_i32) return false;
        *s->i32[pick((size_t)s->n_i32)] =
            pick(3) ? (int32_t)pick(18) : (int32_t)(uint32_t)(uint64_t)interesting_i64();
        return true;
    case 3:
        if (!s->n_f32) return false;
        *s->f32[pick((size_t)s->n_f32)] = interesting_f32();
        return true;
    case 4: {
        if (!s->n_raw) return false;
        ProtobufCBinaryData *r = s->raw[pick((size_t)s->n_raw)];
        float f = interesting_f32();
        memcpy(r->data + 4 * pick(r->len / 4), &f, 4);
        return true;
    }
    case 5:
        if (!s->n_count) return false;
        {
            size_t *c = s->count[pick((size_t)s->n_count)];
            if (*c == 0) return false;
            set_count(u, c, *c - 1);
        }
        return true;
    case 6: {
        if (!s->n_node) return false;
        Onnx__NodeProto *n = s->node[pick((size_t)s->n_node)];
        OpKind k = (OpKind)pick(OP_COUNT + 1);
        const char *nm = k == OP_COUNT ? "Constant" : op_info(k)->name;
        set_ptr(u, (void **)&n->op_type, own(u, strdup(nm)));
        return true;
    }
    case 7: {
        if (s->n_name < 2) return false;
        char **to = s->name[pick((size_t)s->n_name)];
        char *from = *s->name[pick((size_t)s->n_name)];
        set_ptr(u, (void **)to, own(u, strdup(from ? from : "")));
        return true;
    }
    case 8: {
        if (!s->n_attr) return false;
        Onnx__AttributeProto *a = s->attr[pick((size_t)s->n_attr)];
        a->has_type = 1;
        a->type = (Onnx__AttributeProto__AttributeType)(1 + pick(14));
        return true;
    }
    default: { /* 9..11: node list: swap, drop, duplicate */
        Onnx__GraphProto *g = m->graph;
        if (!g || g->n_node < 2) return false;
        size_t n = g->n_node, a = pick(n), b = pick(n);
        Onnx__NodeProto **nodes = own(u, malloc((n + 1) * sizeof *nodes));
        memcpy(nodes, g->node, n * sizeof *nodes);
        size_t kind = pick(3);
        if (kind == 0) {
            Onnx__NodeProto *t = nodes[a];
            nodes[a] = nodes[b];
            nodes[b] = t;
        } else if (kind == 1) {
            memmove(nodes + a, nodes + a + 1, (n - a - 1) * sizeof *nodes);
            n--;
        } else {
            nodes[n++] = nodes[a];
        }
        set_ptr(u, (void **)&g->node, nodes);
        set_count(u, &g->n_node, n);
        return true;
    }
    }
}

size_t onnx_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed) {
    rng_state = (uint64_t)seed * 0x9E3779B97F4A7C15u + 1;
    if (pick(2) == 0 || size == 0 || !onnx_nesting_ok(&onnx__model_proto__descriptor, data, size))
        return LLVMFuzzerMutate(data, size, max_size);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, data);
    if (!m) return LLVMFuzzerMutate(data, size, max_size);
    Slots *s = calloc(1, sizeof *s);
    Undo u = {0};
    if (!s) abort();
    collect(s, m);
    bool changed = false;
    int rounds = 1 + (int)pick(3);
    for (int i = 0; i < rounds * 4 && rounds > 0; i++)
        if (mutate_once(m, s, &u)) {
            changed = true;
            rounds--;
        }
    size_t out = 0;
    if (changed) {
        size_t len = onnx__model_proto__get_packed_size(m);
        if (len <= max_size) out = onnx__model_proto__pack(m, data);
    }
    for (int i = u.n_cnt - 1; i >= 0; i--) *u.cnt[i] = u.old_cnt[i];
    for (int i = u.n_ptr - 1; i >= 0; i--) *u.ptr[i] = u.old_ptr[i];
    for (int i = 0; i < u.n_owned; i++) free(u.owned[i]);
    onnx__model_proto__free_unpacked(m, NULL);
    free(s);
    return out ? out : LLVMFuzzerMutate(data, size, max_size);
}
