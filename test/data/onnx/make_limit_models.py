#!/usr/bin/python3
"""Writes the small ONNX files that test tsnc's fixed limits on untrusted input
one defect each, checked at the CLI by test/lit/errors/*.test
(exact error line, exit status 1, no output file) and, for the importer's
own messages, by test/unit/test_onnx_import.c.

Run with Debian's python3 (it has python3-onnx):
    /usr/bin/python3 test/data/onnx/make_limit_models.py
The generated files are committed: CI does not have python3-onnx. Files too
large to commit (more nodes than the limit, very long chains) are made at
test time by test/lit/errors/Inputs/gen_model.py, which needs only the
Python standard library.
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper as nh
from onnx import TensorProto, helper

OUT = os.path.dirname(os.path.abspath(__file__))
F = TensorProto.FLOAT


def opset(v, domain=""):
    return helper.make_opsetid(domain, v)


def model(nodes, inputs, outputs, inits=(), version=13, **kw):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    kw.setdefault("opset_imports", [opset(version)])
    return helper.make_model(g, producer_name="tsnc-tests", **kw)


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def i64(name, values):
    return nh.from_array(np.array(values, np.int64), name)


def save(name, m):
    path = os.path.join(OUT, name)
    onnx.save(m, path)
    print("wrote", name, os.path.getsize(path), "bytes")


def relu(x="x", y="y"):
    return helper.make_node("Relu", [x], [y], name="relu")


def main():
    # Graph input with a zero dimension: every input dimension must be positive.
    save("err_zero_dim.onnx", model([relu()], [vi("x", [2, 0])], [vi("y", [2, 0])]))

    # Graph input of rank 9 (IR_MAX_RANK is 8).
    save("err_input_rank.onnx", model([relu()], [vi("x", [1] * 9)], [vi("y", [1] * 9)]))

    # Graph input with 2^20 * 2^20 elements (IR_MAX_ELEMENTS is 2^28).
    save("err_input_elements.onnx",
         model([relu()], [vi("x", [1 << 20, 1 << 20])], [vi("y", [1 << 20, 1 << 20])]))

    # A node name of 5000 bytes (IR_MAX_NAME is 4096).
    n = helper.make_node("Relu", ["x"], ["y"], name="n" * 5000)
    save("err_long_name.onnx", model([n], [vi("x", [2])], [vi("y", [2])]))

    # A string attribute of 5000 bytes.
    n = helper.make_node("Pad", ["x", "pads"], ["y"], name="pad", mode="c" * 5000)
    save("err_long_string.onnx",
         model([n], [vi("x", [2])], [vi("y", [4])], [i64("pads", [1, 1])]))

    # Shape arithmetic that overflows: Reshape to [2^40, 2^40], Tile by
    # [2^20, 2^20] (each dim fits, the product does not), Expand to [2^62, 2^62].
    save("err_reshape_overflow.onnx",
         model([helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
               [vi("x", [2, 3])], [vi("y", [2, 3])], [i64("shape", [1 << 40, 1 << 40])]))
    save("err_tile_overflow.onnx",
         model([helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")],
               [vi("x", [2, 3])], [vi("y", [2, 3])], [i64("repeats", [1 << 20, 1 << 20])]))
    save("err_expand_overflow.onnx",
         model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
               [vi("x", [1, 1])], [vi("y", [1, 1])], [i64("shape", [1 << 62, 1 << 62])]))
    save("err_expand_elements.onnx",
         model([helper.make_node("Expand", ["x", "shape"], ["y"], name="expand")],
               [vi("x", [1, 1])], [vi("y", [1, 1])], [i64("shape", [1 << 20, 1 << 20])]))

    # A model whose only output has no elements: Tile of [1,2,5,5] by [1,0,1,1]
    # (valid ONNX, but NAME_OUTPUT_SIZE would be 0, and C has no empty arrays).
    save("err_output_empty.onnx",
         model([helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")],
               [vi("x", [1, 2, 5, 5])], [vi("y", [1, 0, 5, 5])], [i64("repeats", [1, 0, 1, 1])]))

    # A ConstantOfShape of [16384, 16384] (2^28 elements, above what
    # fold-constants makes into a constant) added to the input.
    save("err_constant_too_large.onnx",
         model([helper.make_node("ConstantOfShape", ["shape"], ["c"], name="cos"),
                helper.make_node("Add", ["x", "c"], ["y"], name="add")],
               [vi("x", [1])], [vi("y", [16384, 16384])], [i64("shape", [16384, 16384])]))

    # An initializer that shadows a graph input in IR version 8: the initializer
    # would only be the input's default value.
    m = model([helper.make_node("Add", ["x", "W"], ["y"], name="add")],
              [vi("x", [2]), vi("W", [2])], [vi("y", [2])],
              [helper.make_tensor("W", F, [2], [1, 2])])
    m.ir_version = 8
    save("err_initializer_shadows_input.onnx", m)

    # What torch.onnx.export(..., keep_initializers_as_inputs=True) makes: every
    # weight (here 5) also a graph input, which one error reports together.
    names = ["w%d" % i for i in range(5)]
    nodes, prev = [], "x"
    for i, w in enumerate(names):
        out = "y" if i == len(names) - 1 else "a%d" % i
        nodes.append(helper.make_node("Add", [prev, w], [out], name="add%d" % i))
        prev = out
    m = model(nodes, [vi("x", [2])] + [vi(w, [2]) for w in names], [vi("y", [2])],
              [helper.make_tensor(w, F, [2], [1, 2]) for w in names])
    m.ir_version = 8
    save("err_initializers_as_inputs.onnx", m)

    # Two graph inputs and two initializers of the same name.
    save("err_duplicate_input.onnx",
         model([helper.make_node("Add", ["x", "x"], ["y"], name="add")],
               [vi("x", [2]), vi("x", [2])], [vi("y", [2])]))
    save("err_duplicate_initializer.onnx",
         model([helper.make_node("Add", ["x", "W"], ["y"], name="add")],
               [vi("x", [2])], [vi("y", [2])],
               [helper.make_tensor("W", F, [2], [1, 2]), helper.make_tensor("W", F, [2], [3, 4])]))

    # Data type codes that are not in onnx.proto at all (99), for an
    # initializer and for a graph input.
    t = helper.make_tensor("W", F, [2], [1, 2])
    t.data_type = 99
    save("err_dtype_code.onnx",
         model([helper.make_node("Add", ["x", "W"], ["y"], name="add")],
               [vi("x", [2])], [vi("y", [2])], [t]))
    x = vi("x", [2])
    x.type.tensor_type.elem_type = 99
    save("err_input_dtype_code.onnx", model([relu()], [x], [vi("y", [2])]))

    # An attribute of the wrong type: Gemm transB given as a string.
    save("err_attr_wrong_type.onnx",
         model([helper.make_node("Gemm", ["x", "w"], ["y"], name="gemm", transB="yes")],
               [vi("x", [1, 2])], [vi("y", [1, 2])],
               [helper.make_tensor("w", F, [2, 2], [1, 0, 0, 1])]))

    # Model-local functions nested 17 deep (F0 calls F1 ... F16 = Relu); the
    # importer inlines at most 16 levels.
    funcs = []
    depth = 17
    for i in range(depth):
        if i == depth - 1:
            body = [helper.make_node("Relu", ["X"], ["Y"], name="leaf")]
        else:
            body = [helper.make_node("F%d" % (i + 1), ["X"], ["Y"], name="call%d" % (i + 1),
                                     domain="mylib")]
        funcs.append(helper.make_function("mylib", "F%d" % i, ["X"], ["Y"], body,
                                          [opset(13), opset(1, "mylib")]))
    save("err_function_depth.onnx",
         model([helper.make_node("F0", ["x"], ["y"], name="call0", domain="mylib")],
               [vi("x", [2])], [vi("y", [2])],
               opset_imports=[opset(13), opset(1, "mylib")], functions=funcs))

    # A function bomb: B_k calls B_(k+1) ten times in a chain, six levels deep:
    # 10^6 nodes after inlining from a file of under 2 KB.
    funcs = []
    for k in range(7):
        if k == 6:
            body = [helper.make_node("Relu", ["X"], ["Y"], name="leaf")]
        else:
            names = ["X"] + ["t%d" % j for j in range(9)] + ["Y"]
            body = [helper.make_node("B%d" % (k + 1), [names[j]], [names[j + 1]],
                                     name="c%d" % j, domain="mylib") for j in range(10)]
        funcs.append(helper.make_function("mylib", "B%d" % k, ["X"], ["Y"], body,
                                          [opset(13), opset(1, "mylib")]))
    save("err_function_bomb.onnx",
         model([helper.make_node("B0", ["x"], ["y"], name="bomb", domain="mylib")],
               [vi("x", [2])], [vi("y", [2])],
               opset_imports=[opset(13), opset(1, "mylib")], functions=funcs))

    # Window geometry beyond 64 bits: pads of 2^62 on both sides of a MaxPool
    # (the padded input overflows), a 3-wide kernel dilated by 2^62.
    x4 = [vi("x", [1, 1, 4, 4])]
    save("err_pool_pads_overflow.onnx",
         model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                                 pads=[1 << 62, 0, 1 << 62, 0])], x4, [vi("y", None)]))
    save("err_pool_dilation_overflow.onnx",
         model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 1],
                                 dilations=[1 << 62, 1])], x4, [vi("y", None)]))
    # Valid, but beyond the generated code's index range: pads of 2^40 with a
    # stride of 2^41 (two windows, both in the padding); `tsnc run` computes it.
    save("err_pool_extent.onnx",
         model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                                 pads=[1 << 40, 0, 1 << 40, 0], strides=[1 << 41, 1])],
               x4, [vi("y", None)]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
