/*
 * ops.c - the op registry: ops.def plus each op's accepted attributes and
 * its semantics (op_sema_<ID>, defined in ir/op_*.c; a missing one is a link
 * error, so every op has shape inference and a reference evaluator).
 */
#include <string.h>

#include "ir.h"

static const AttrSpec no_attrs[] = {{NULL, 0}};
static const AttrSpec axis_attrs[] = {{"axis", ATTR_INT}, {NULL, 0}};
/* num_outputs: Split-18's uneven equal split (op_index.c). */
static const AttrSpec split_attrs[] = {{"axis", ATTR_INT}, {"num_outputs", ATTR_INT}, {NULL, 0}};
static const AttrSpec cast_attrs[] = {{"to", ATTR_INT}, {NULL, 0}};
static const AttrSpec dropout_attrs[] = {{"seed", ATTR_INT}, {NULL, 0}};
static const AttrSpec leaky_relu_attrs[] = {{"alpha", ATTR_FLOAT}, {NULL, 0}};
static const AttrSpec shape_attrs[] = {{"end", ATTR_INT}, {"start", ATTR_INT}, {NULL, 0}};
static const AttrSpec reshape_attrs[] = {{"allowzero", ATTR_INT}, {NULL, 0}};
static const AttrSpec flatten_attrs[] = {{"axis", ATTR_INT}, {NULL, 0}};
static const AttrSpec transpose_attrs[] = {{"perm", ATTR_INTS}, {NULL, 0}};
static const AttrSpec constant_of_shape_attrs[] = {{"value", ATTR_TENSOR}, {NULL, 0}};
static const AttrSpec pad_attrs[] = {{"mode", ATTR_STRING}, {NULL, 0}};
static const AttrSpec conv_attrs[] = {
    {"auto_pad", ATTR_STRING}, {"dilations", ATTR_INTS}, {"group", ATTR_INT},
    {"kernel_shape", ATTR_INTS}, {"pads", ATTR_INTS},    {"strides", ATTR_INTS},
    {NULL, 0}};
static const AttrSpec spike_conv_attrs[] = {
    {"auto_pad", ATTR_STRING}, {"dilations", ATTR_INTS}, {"group", ATTR_INT},
    {"impl", ATTR_STRING},     {"kernel_shape", ATTR_INTS}, {"kind", ATTR_STRING},
    {"pack", ATTR_INT},        {"pads", ATTR_INTS},         {"strides", ATTR_INTS},
    {NULL, 0}};
static const AttrSpec spike_gemm_attrs[] = {{"alpha", ATTR_FLOAT}, {"beta", ATTR_FLOAT},
                                            {"impl", ATTR_STRING}, {"transA", ATTR_INT},
                                            {"transB", ATTR_INT},  {NULL, 0}};
static const AttrSpec pack_attrs[] = {{"group", ATTR_INT}, {"kind", ATTR_STRING}, {NULL, 0}};
static const AttrSpec split_levels_attrs[] = {{"kernel_shape", ATTR_INTS}, {"levels", ATTR_FLOATS}, {NULL, 0}};
static const AttrSpec gemm_attrs[] = {{"alpha", ATTR_FLOAT}, {"beta", ATTR_FLOAT},
                                      {"transA", ATTR_INT},  {"transB", ATTR_INT},
                                      {NULL, 0}};
static const AttrSpec batch_norm_attrs[] = {{"epsilon", ATTR_FLOAT},
                                            {"momentum", ATTR_FLOAT},
                                            {"training_mode", ATTR_INT},
                                            {NULL, 0}};
static const AttrSpec pool_attrs[] = {
    {"auto_pad", ATTR_STRING}, {"ceil_mode", ATTR_INT},    {"count_include_pad", ATTR_INT},
    {"dilations", ATTR_INTS},  {"kernel_shape", ATTR_INTS}, {"pads", ATTR_INTS},
    {"storage_order", ATTR_INT}, {"strides", ATTR_INTS},  {NULL, 0}};
static const AttrSpec fire_attrs[] = {{"down", ATTR_FLOAT},   {"down_inclusive", ATTR_INT},
                                      {"kind", ATTR_STRING},  {"up", ATTR_FLOAT},
                                      {"up_inclusive", ATTR_INT}, {NULL, 0}};
static const AttrSpec lif_attrs[] = {{"decay", ATTR_FLOAT}, {"down", ATTR_FLOAT},
                                     {"down_inclusive", ATTR_INT}, {"kind", ATTR_STRING},
                                     {"pack", ATTR_INT}, {"steps", ATTR_INT}, {"up", ATTR_FLOAT},
                                     {"up_inclusive", ATTR_INT}, {"vth", ATTR_FLOAT},
                                     {NULL, 0}};
static const AttrSpec reduce_attrs[] = {{"axes", ATTR_INTS}, {"keepdims", ATTR_INT}, {NULL, 0}};

#define OP(id, name, min_in, max_in, n_out, attrs, data, traits, emit, view) extern const OpSema op_sema_##id;
#include "ops.def"
#undef OP

/* The traits imply one another as OpTrait documents. */
#define OP(id, name, min_in, max_in, n_out, attrs, data, traits, emit, view)                             \
    _Static_assert(!((traits) & OPT_VIEW) || ((traits) & OPT_MOVES), #id ": a view moves elements");       \
    _Static_assert(!((traits) & OPT_RESHAPE) || ((traits) & OPT_VIEW), #id ": a reshape is a view");       \
    _Static_assert(!((traits) & OPT_SPIKE_LAYER) || ((traits) & OPT_LAYER), #id ": a spike layer is a layer");
#include "ops.def"
#undef OP

static const OpInfo ops[OP_COUNT] = {
#define OP(id, name, min_in, max_in, n_out, attrs, data, traits, emit, view) \
    [OP_##id] = {name, min_in, max_in, n_out, attrs, &op_sema_##id, data, traits},
#include "ops.def"
#undef OP
};

const OpInfo *op_info(OpKind op) {
    if ((unsigned)op >= OP_COUNT) die("op_info: bad op %d", (int)op);
    return &ops[op];
}

bool op_has(OpKind op, unsigned traits) {
    return (op_info(op)->traits & traits) == traits;
}

bool op_input_is_data(OpKind op, int i) {
    int data = op_info(op)->data;
    return data == DATA_ALL || (i >= 0 && i < 31 && (data >> i & 1));
}

OpKind op_from_name(const char *name) {
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(ops[i].name, name) == 0) return (OpKind)i;
    return OP_COUNT;
}
