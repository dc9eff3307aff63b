/*
 * emit_ops.c - the table of op emitters, indexed by OpKind.
 */
#include "codegen/emit_ops.h"

static const OpEmitter table[OP_COUNT] = {
    [OP_ADD] = {emit_binary_arith, NULL, in_place_elementwise},
    [OP_SUB] = {emit_binary_arith, NULL, in_place_elementwise},
    [OP_MUL] = {emit_binary_arith, NULL, in_place_elementwise},
    [OP_DIV] = {emit_binary_arith, NULL, in_place_elementwise},
    [OP_POW] = {emit_pow, NULL, NULL},
    [OP_MAX] = {emit_binary_arith, view_same_data, in_place_elementwise},
    [OP_MIN] = {emit_binary_arith, view_same_data, in_place_elementwise},
    [OP_EQUAL] = {emit_compare, NULL, NULL},
    [OP_GREATER] = {emit_compare, NULL, NULL},
    [OP_GREATER_OR_EQUAL] = {emit_compare, NULL, NULL},
    [OP_LESS] = {emit_compare, NULL, NULL},
    [OP_LESS_OR_EQUAL] = {emit_compare, NULL, NULL},
    [OP_AND] = {emit_logic, NULL, in_place_elementwise},
    [OP_OR] = {emit_logic, NULL, in_place_elementwise},
    [OP_XOR] = {emit_logic, NULL, in_place_elementwise},
    [OP_WHERE] = {emit_where, NULL, in_place_elementwise},

    [OP_ABS] = {emit_unary, NULL, in_place_elementwise},
    [OP_NEG] = {emit_unary, NULL, in_place_elementwise},
    [OP_SIGN] = {emit_unary, NULL, in_place_elementwise},
    [OP_NOT] = {emit_unary, NULL, in_place_elementwise},
    [OP_RELU] = {emit_unary, NULL, in_place_elementwise},
    [OP_LEAKY_RELU] = {emit_unary, NULL, in_place_elementwise},
    [OP_SIGMOID] = {emit_unary, NULL, in_place_elementwise},
    [OP_TANH] = {emit_unary, NULL, in_place_elementwise},
    [OP_EXP] = {emit_unary, NULL, in_place_elementwise},
    [OP_LOG] = {emit_unary, NULL, in_place_elementwise},
    [OP_SQRT] = {emit_unary, NULL, in_place_elementwise},
    [OP_RECIPROCAL] = {emit_unary, NULL, in_place_elementwise},
    [OP_FLOOR] = {emit_unary, NULL, in_place_elementwise},
    [OP_CEIL] = {emit_unary, NULL, in_place_elementwise},
    [OP_ROUND] = {emit_unary, NULL, in_place_elementwise},
    [OP_IDENTITY] = {emit_view_only, view_same_data, NULL},
    [OP_DROPOUT] = {emit_view_only, view_same_data, NULL},
    [OP_CAST] = {emit_cast, view_same_data, NULL},
    [OP_CLIP] = {emit_clip, NULL, in_place_elementwise},

    [OP_SHAPE] = {emit_shape_op, NULL, NULL},
    [OP_SIZE] = {emit_shape_op, NULL, NULL},
    [OP_RESHAPE] = {emit_view_only, view_same_data, NULL},
    [OP_FLATTEN] = {emit_view_only, view_same_data, NULL},
    [OP_SQUEEZE] = {emit_view_only, view_same_data, NULL},
    [OP_UNSQUEEZE] = {emit_view_only, view_same_data, NULL},
    [OP_TRANSPOSE] = {emit_transpose, NULL, NULL},
    [OP_CONCAT] = {emit_concat, view_same_data, NULL},
    [OP_SPLIT] = {emit_split, view_split, NULL},
    [OP_SLICE] = {emit_slice, view_slice, NULL},
    [OP_GATHER] = {emit_gather, view_gather, NULL},
    [OP_EXPAND] = {emit_expand, view_same_data, NULL},
    [OP_TILE] = {emit_tile, view_same_data, NULL},
    [OP_CONSTANT_OF_SHAPE] = {emit_shape_op, NULL, NULL},
    [OP_RANGE] = {emit_shape_op, NULL, NULL},
    [OP_PAD] = {emit_pad, NULL, NULL},

    [OP_CONV] = {emit_conv, NULL, NULL},
    [OP_GEMM] = {emit_gemm, NULL, NULL},
    [OP_MATMUL] = {emit_matmul, NULL, NULL},
    [OP_BATCH_NORM] = {emit_batch_norm, NULL, in_place_elementwise},
    [OP_AVERAGE_POOL] = {emit_pool, NULL, NULL},
    [OP_MAX_POOL] = {emit_pool, NULL, NULL},
    [OP_GLOBAL_AVERAGE_POOL] = {emit_global_pool, NULL, NULL},
    [OP_GLOBAL_MAX_POOL] = {emit_global_pool, NULL, NULL},
    [OP_REDUCE_MEAN] = {emit_reduce, NULL, NULL},
    [OP_REDUCE_SUM] = {emit_reduce, NULL, NULL},
    [OP_REDUCE_MAX] = {emit_reduce, NULL, NULL},
    [OP_SOFTMAX] = {emit_softmax, NULL, in_place_elementwise},

    [OP_FIRE] = {emit_fire, NULL, in_place_elementwise},
    [OP_LIF] = {emit_lif, NULL, NULL},
    [OP_SPIKE_CONV] = {emit_spike_conv, NULL, NULL},
    [OP_SPIKE_GEMM] = {emit_spike_gemm, NULL, NULL},
    [OP_SPIKE_MATMUL] = {emit_spike_gemm, NULL, NULL},
};

const OpEmitter *op_emitter(OpKind op) {
    static const OpEmitter none = {NULL, NULL, NULL};
    return (unsigned)op < OP_COUNT ? &table[op] : &none;
}
