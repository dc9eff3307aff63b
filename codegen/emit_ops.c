/*
 * emit_ops.c - the table of op emitters, indexed by OpKind, made from the
 * emitter, view and in-place columns of ops.def.
 */
#include "codegen/emit_ops.h"

/* Built from ops.def: an op whose emitter is missing or NULL does not compile (&emit needs a function). */
static const OpEmitter table[OP_COUNT] = {
#define OP(id, name, min_in, max_in, n_out, attrs, data, traits, emit, view) \
    [OP_##id] = {&emit, view, ((traits) & OPT_IN_PLACE) ? in_place_elementwise : NULL},
#include "ir/ops.def"
#undef OP
};

const OpEmitter *op_emitter(OpKind op) {
    if ((unsigned)op >= OP_COUNT) die("op_emitter: bad op %d", (int)op);
    return &table[op];
}
