/*
 * test_op_traits.c - the data-input and trait columns of ops.def against the
 * ONNX operator spec (opset 13 operand order) and docs/ir.md: which operands
 * are shapes, axes, indices, a condition or weights, and which ops only move
 * elements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ir/ir.h"

/* Operands the spec defines as something other than the tensor that flows through. */
static void parameters_are_not_data(void **state) {
    (void)state;
    assert_false(op_input_is_data(OP_WHERE, 0));     /* condition */
    assert_true(op_input_is_data(OP_WHERE, 1));
    assert_true(op_input_is_data(OP_WHERE, 2));
    assert_false(op_input_is_data(OP_GATHER, 1));    /* indices */
    assert_false(op_input_is_data(OP_RESHAPE, 1));   /* shape */
    assert_false(op_input_is_data(OP_UNSQUEEZE, 1)); /* axes */
    assert_false(op_input_is_data(OP_SLICE, 1));     /* starts */
    assert_false(op_input_is_data(OP_SLICE, 4));     /* steps */
    assert_false(op_input_is_data(OP_TILE, 1));      /* repeats */
    assert_false(op_input_is_data(OP_CONV, 1));      /* weights */
    assert_false(op_input_is_data(OP_BATCH_NORM, 3)); /* running mean */
    assert_false(op_input_is_data(OP_SPIKE_CONV, 2)); /* bias */
    assert_false(op_input_is_data(OP_SHAPE, 0));     /* only its shape is read */
}

static void every_operand_of_concat_and_arithmetic_is_data(void **state) {
    (void)state;
    for (int i = 0; i < IR_MAX_INPUTS; i += 97) assert_true(op_input_is_data(OP_CONCAT, i));
    assert_true(op_input_is_data(OP_ADD, 1));
    assert_true(op_input_is_data(OP_MATMUL, 1)); /* both factors may be activations */
    assert_true(op_input_is_data(OP_LIF, 1));    /* the previous membrane potential */
}

static void movement_views_and_reshapes(void **state) {
    (void)state;
    const OpKind reshapes[] = {OP_RESHAPE, OP_FLATTEN, OP_SQUEEZE, OP_UNSQUEEZE};
    for (size_t i = 0; i < sizeof reshapes / sizeof *reshapes; i++)
        assert_true(op_has(reshapes[i], OPT_MOVES | OPT_VIEW | OPT_RESHAPE));
    assert_true(op_has(OP_IDENTITY, OPT_VIEW));
    assert_false(op_has(OP_IDENTITY, OPT_RESHAPE));
    /* Transpose reorders elements: it moves them but is no view of row-major storage. */
    assert_true(op_has(OP_TRANSPOSE, OPT_MOVES));
    assert_false(op_has(OP_TRANSPOSE, OPT_VIEW));
    /* Pad inserts values and Add computes them. */
    assert_false(op_has(OP_PAD, OPT_MOVES));
    assert_false(op_has(OP_ADD, OPT_MOVES));
}

static void the_traits_imply_one_another(void **state) {
    (void)state;
    for (int op = 0; op < OP_COUNT; op++) {
        if (op_has((OpKind)op, OPT_RESHAPE)) assert_true(op_has((OpKind)op, OPT_VIEW));
        if (op_has((OpKind)op, OPT_VIEW)) assert_true(op_has((OpKind)op, OPT_MOVES));
        if (op_has((OpKind)op, OPT_SPIKE_LAYER)) assert_true(op_has((OpKind)op, OPT_LAYER));
        /* Exactly one channels-last rule at most. */
        int rules = op_has((OpKind)op, OPT_NHWC_ELEMENTWISE) + op_has((OpKind)op, OPT_NHWC_BLOCKS) +
                    op_has((OpKind)op, OPT_NHWC_OWN);
        assert_true(rules <= 1);
    }
}

static void layers_and_neurons(void **state) {
    (void)state;
    assert_true(op_has(OP_CONV, OPT_LAYER));
    assert_false(op_has(OP_CONV, OPT_SPIKE_LAYER));
    assert_true(op_has(OP_SPIKE_MATMUL, OPT_LAYER | OPT_SPIKE_LAYER));
    assert_true(op_has(OP_LIF, OPT_NEURON));
    assert_false(op_has(OP_RELU, OPT_NEURON));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parameters_are_not_data),
        cmocka_unit_test(every_operand_of_concat_and_arithmetic_is_data),
        cmocka_unit_test(movement_views_and_reshapes),
        cmocka_unit_test(the_traits_imply_one_another),
        cmocka_unit_test(layers_and_neurons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
