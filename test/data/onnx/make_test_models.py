#!/usr/bin/python3
"""Writes the small ONNX files that test tsnc's ONNX frontend (frontend/onnx_*.c).

Run with Debian's python3 (it has python3-onnx):
    /usr/bin/python3 test/data/onnx/make_test_models.py
The generated files are committed: CI does not have python3-onnx. Each
function below documents what its file exercises; test/unit/test_onnx_import.c
holds the expected outcome of each (success, or a substring of the error).

  ok_*.onnx   valid models, one per frontend feature
  err_*.onnx  one defect each (some hand-built with the raw protobuf API,
              since onnx.helper and onnx.checker refuse to make them)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

OUT = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(OUT, "..", "..", "..", "models")

F = TensorProto.FLOAT


def opset(v, domain=""):
    return helper.make_opsetid(domain, v)


def model(nodes, inputs, outputs, inits=(), version=13, name="g", **kw):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    kw.setdefault("opset_imports", [opset(version)])
    return helper.make_model(g, producer_name="tsnc-tests", **kw)


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def save(name, m):
    path = os.path.join(OUT, name)
    if isinstance(m, bytes):
        with open(path, "wb") as f:
            f.write(m)
    else:
        onnx.save(m, path)
    print("wrote", name, os.path.getsize(path), "bytes")


# ---- valid models ---------------------------------------------------------


def ok_typed_initializer():
    """Initializers in the typed fields the spec assigns: float_data (FLOAT),
    int64_data (INT64), int32_data (INT32, UINT8, BOOL), double_data (DOUBLE).
    y = Reshape(x + W, shape); the other constants are unused."""
    inits = [
        helper.make_tensor("W", F, [2, 3], [1, 2, 3, 4, 5, 6]),
        helper.make_tensor("shape", TensorProto.INT64, [2], [3, 2]),
        helper.make_tensor("ci32", TensorProto.INT32, [2], [-1, 7]),
        helper.make_tensor("cu8", TensorProto.UINT8, [2], [0, 255]),
        helper.make_tensor("cbool", TensorProto.BOOL, [3], [True, False, True]),
        helper.make_tensor("cf64", TensorProto.DOUBLE, [2], [0.5, -2.25]),
    ]
    for t in inits:
        assert not t.HasField("raw_data")
    nodes = [helper.make_node("Add", ["x", "W"], ["s"], name="add"),
             helper.make_node("Reshape", ["s", "shape"], ["y"], name="reshape")]
    save("ok_typed_initializer.onnx", model(nodes, [vi("x", [2, 3])], [vi("y", [3, 2])], inits))


def ok_raw_initializer():
    """raw_data initializers (little-endian): W = f32[2,3] 0.5..3.0, k = i64[2] {-3, 40000000000}."""
    W = np.arange(1, 7, dtype=np.float32).reshape(2, 3) * 0.5
    inits = [helper.make_tensor("W", F, [2, 3], W.tobytes(), raw=True),
             helper.make_tensor("k", TensorProto.INT64, [2],
                                np.array([-3, 40000000000], "<i8").tobytes(), raw=True)]
    nodes = [helper.make_node("Mul", ["x", "W"], ["y"], name="mul")]
    save("ok_raw_initializer.onnx", model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])], inits))


def ok_constant_forms():
    """Constant nodes in every numeric form: value (tensor), value_float,
    value_floats, value_int, value_ints. y = Reshape((x + 0.25) * [1,2,3], [1,3])."""
    nodes = [
        helper.make_node("Constant", [], ["c_tensor"], name="k0",
                         value=helper.make_tensor("t", F, [2], [1.5, -2.0])),
        helper.make_node("Constant", [], ["c_float"], name="k1", value_float=0.25),
        helper.make_node("Constant", [], ["c_floats"], name="k2", value_floats=[1.0, 2.0, 3.0]),
        helper.make_node("Constant", [], ["c_int"], name="k3", value_int=7),
        helper.make_node("Constant", [], ["c_ints"], name="k4", value_ints=[1, 3]),
        helper.make_node("Add", ["x", "c_float"], ["a"], name="add"),
        helper.make_node("Mul", ["a", "c_floats"], ["b"], name="mul"),
        helper.make_node("Reshape", ["b", "c_ints"], ["y"], name="reshape"),
    ]
    save("ok_constant_forms.onnx", model(nodes, [vi("x", [3])], [vi("y", [1, 3])]))


def ok_unsqueeze_opset11():
    """Opset 11: Unsqueeze/Squeeze take axes as an attribute (opset 13: input 1)."""
    nodes = [helper.make_node("Unsqueeze", ["x"], ["u"], name="unsq", axes=[0, 3]),
             helper.make_node("Squeeze", ["u"], ["s"], name="sq", axes=[0]),
             helper.make_node("Squeeze", ["s"], ["y"], name="sq_all")]
    save("ok_unsqueeze_opset11.onnx",
         model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])], version=11))


def ok_slice_opset9():
    """Opset 9: Slice takes starts/ends/axes as attributes (opset 10: inputs 1..3)."""
    nodes = [helper.make_node("Slice", ["x"], ["y"], name="slice", starts=[1], ends=[3], axes=[1])]
    save("ok_slice_opset9.onnx", model(nodes, [vi("x", [2, 4])], [vi("y", [2, 2])], version=9))


def ok_clip_opset10():
    """Opset 10: Clip takes min/max as float attributes (opset 11: inputs 1, 2).
    clip_max has only max: min becomes an omitted input."""
    nodes = [helper.make_node("Clip", ["x"], ["c"], name="clip", min=-1.0, max=1.0),
             helper.make_node("Clip", ["c"], ["y"], name="clip_max", max=0.5)]
    save("ok_clip_opset10.onnx", model(nodes, [vi("x", [4])], [vi("y", [4])], version=10))


def ok_pad_opset10():
    """Opset 10: Pad takes pads/value as attributes (opset 11: inputs 1, 2)."""
    nodes = [helper.make_node("Pad", ["x"], ["y"], name="pad", mode="constant",
                              pads=[0, 1, 0, 2], value=0.5)]
    save("ok_pad_opset10.onnx", model(nodes, [vi("x", [2, 3])], [vi("y", [2, 6])], version=10))


def ok_split_opset11():
    """Opset 11: Split takes split as an attribute (opset 13: input 1)."""
    nodes = [helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, split=[1, 2])]
    save("ok_split_opset11.onnx",
         model(nodes, [vi("x", [2, 3])], [vi("a", [2, 1]), vi("b", [2, 2])], version=11))


def ok_split_uneven_opset18():
    """Split-18 with num_outputs=3 on an axis of 7: parts of ceil(7/3) = 3, the
    last gets the rest (3, 3, 1; onnxruntime 1.30 agrees). y = Concat(c, a, b)
    so that one output shows every part: x = 1..7 gives [7, 1, 2, 3, 4, 5, 6]."""
    nodes = [helper.make_node("Split", ["x"], ["a", "b", "c"], name="split", axis=0, num_outputs=3),
             helper.make_node("Concat", ["c", "a", "b"], ["y"], name="cat", axis=0)]
    save("ok_split_uneven_opset18.onnx", model(nodes, [vi("x", [7])], [vi("y", [7])], version=18))


def ok_opset21():
    """Opset 21 (ONNX 1.16) with the ops whose newer versions changed only in
    what tsnc implements as before: Cast-19/21 with saturate=1 (float8 only),
    AveragePool-19 with dilations [1, 1], Pad-21 in constant mode,
    Flatten/Reshape-21 and Relu. x = 1..16 as f32[1,1,4,4]: the 2x2 means
    are 3.5 5.5 11.5 13.5; padded by one -1 on each side then Relu:
    y = [0, 3.5, 5.5, 11.5, 13.5, 0]."""
    inits = [helper.make_tensor("pads", TensorProto.INT64, [2], [1, 1]),
             helper.make_tensor("fill", F, [], [-1.0]),
             helper.make_tensor("shape", TensorProto.INT64, [1], [4])]
    nodes = [helper.make_node("Cast", ["x"], ["c"], name="cast", to=F, saturate=1),
             helper.make_node("AveragePool", ["c"], ["p"], name="pool", kernel_shape=[2, 2],
                              strides=[2, 2], dilations=[1, 1]),
             helper.make_node("Flatten", ["p"], ["f"], name="flat", axis=0),
             helper.make_node("Reshape", ["f", "shape"], ["r"], name="reshape"),
             helper.make_node("Pad", ["r", "pads", "fill"], ["q"], name="pad", mode="constant"),
             helper.make_node("Relu", ["q"], ["y"], name="relu")]
    save("ok_opset21.onnx",
         model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", [6])], inits, version=21))


def ok_large_strides():
    """Strides and dilations beyond 2^28 where the result is well defined
    (B = 2^40), on x = 1..16 as f32[1,1,4,4]; y concatenates the flattened
    results (values from onnxruntime 1.30):
      MaxPool 2x2 stride B: one window, max(1, 2, 5, 6) = 6;
      MaxPool 3x3 strides [B, 2] ceil_mode: [1,1,1,2] = 11, 12;
      MaxPool 1x2 dilations [B, 3]: max(x[r][0], x[r][3]) = 4, 8, 12, 16;
      Conv 2x2 W = [1 2; 3 4] pads 1 stride B: one window at (-1, -1), 4 * 1 = 4.
    y = [6, 11, 12, 4, 8, 12, 16, 4]."""
    b = 1 << 40
    nodes = [helper.make_node("MaxPool", ["x"], ["p1"], name="stride", kernel_shape=[2, 2],
                              strides=[b, b]),
             helper.make_node("MaxPool", ["x"], ["p2"], name="ceil", kernel_shape=[3, 3],
                              strides=[b, 2], ceil_mode=1),
             helper.make_node("MaxPool", ["x"], ["p3"], name="dilation", kernel_shape=[1, 2],
                              dilations=[b, 3]),
             helper.make_node("Conv", ["x", "w"], ["p4"], name="conv", strides=[b, b],
                              pads=[1, 1, 1, 1])]
    nodes += [helper.make_node("Flatten", ["p%d" % i], ["f%d" % i], name="flat%d" % i, axis=0)
              for i in range(1, 5)]
    nodes += [helper.make_node("Concat", ["f1", "f2", "f3", "f4"], ["c"], name="cat", axis=1),
              helper.make_node("Reshape", ["c", "shape"], ["y"], name="reshape")]
    inits = [helper.make_tensor("w", F, [1, 1, 2, 2], [1, 2, 3, 4]),
             helper.make_tensor("shape", TensorProto.INT64, [1], [8])]
    save("ok_large_strides.onnx", model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", [8])], inits))


def ok_reduce_opset18():
    """Opset 18: ReduceMean/ReduceMax take axes as input 1 (must be constant: it
    becomes the axes attribute); ReduceSum without axes and with
    noop_with_empty_axes=1 is an Identity; ReduceMax without axes reduces all."""
    nodes = [
        helper.make_node("Constant", [], ["ax"], name="k", value_ints=[1]),
        helper.make_node("ReduceMean", ["x", "ax"], ["m"], name="mean", keepdims=1),
        helper.make_node("ReduceSum", ["m"], ["s"], name="noop", noop_with_empty_axes=1, keepdims=1),
        helper.make_node("ReduceMax", ["s"], ["y"], name="max_all", keepdims=0),
    ]
    save("ok_reduce_opset18.onnx", model(nodes, [vi("x", [2, 3])], [vi("y", [])], version=18))


def ok_softmax_opset11():
    """Opset 11 Softmax coerces its input to 2-D at `axis` (default 1). On x of
    rank 3 with axis=1 this is Reshape(Softmax(Flatten(x, 1)), Shape(x)); on
    x2 of rank 2 the default axis 1 is the last one: a plain Softmax."""
    nodes = [helper.make_node("Softmax", ["x"], ["y"], name="sm3", axis=1),
             helper.make_node("Softmax", ["x2"], ["y2"], name="sm2")]
    save("ok_softmax_opset11.onnx",
         model(nodes, [vi("x", [2, 3, 4]), vi("x2", [2, 5])], [vi("y", [2, 3, 4]), vi("y2", [2, 5])],
               version=11))


def ok_legacy_outputs():
    """Opset 8: BatchNormalization-7 with spatial=1 and its four training
    outputs, Dropout-7 with ratio and its mask, MaxPool-8 with Indices; the
    extra outputs are unused and dropped."""
    inits = [helper.make_tensor(n, F, [2], v) for n, v in
             [("scale", [1, 1]), ("bias", [0, 0]), ("mean", [0, 0]), ("var", [1, 1])]]
    nodes = [
        helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"],
                         ["bn", "rm", "rv", "sm", "sv"], name="bn", spatial=1, epsilon=1e-5),
        helper.make_node("Dropout", ["bn"], ["d", "mask"], name="drop", ratio=0.5),
        helper.make_node("MaxPool", ["d"], ["y", "idx"], name="pool", kernel_shape=[2, 2]),
    ]
    save("ok_legacy_outputs.onnx",
         model(nodes, [vi("x", [1, 2, 4, 4])], [vi("y", [1, 2, 3, 3])], inits, version=8))


def ok_dynamic_batch():
    """Input x: f32['batch', 4]; imports with --dim batch=N, fails without."""
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("ok_dynamic_batch.onnx", model(nodes, [vi("x", ["batch", 4])], [vi("y", ["batch", 4])]))


def ok_unsorted():
    """Nodes listed consumer first; the importer sorts them (Abs, then Relu)."""
    nodes = [helper.make_node("Relu", ["a"], ["y"], name="relu"),
             helper.make_node("Abs", ["x"], ["a"], name="abs")]
    save("ok_unsorted.onnx", model(nodes, [vi("x", [3])], [vi("y", [3])]))


def ok_initializer_as_input():
    """IR version 3 style: the weight W is an initializer and also listed among
    the graph inputs. It is a constant; x is the only input."""
    nodes = [helper.make_node("Add", ["x", "W"], ["y"], name="add")]
    m = model(nodes, [vi("x", [2]), vi("W", [2])], [vi("y", [2])],
              [helper.make_tensor("W", F, [2], [1, 2])], version=8)
    m.ir_version = 3
    save("ok_initializer_as_input.onnx", m)


def ok_two_io():
    """Two inputs and two outputs of different element types, as `tsnc run`
    and the generated C API take them: a f32[2], b i64[3];
    y = Relu(a) f32[2], z = Concat(b, b) i64[6]."""
    nodes = [helper.make_node("Relu", ["a"], ["y"], name="relu"),
             helper.make_node("Concat", ["b", "b"], ["z"], name="concat", axis=0)]
    save("ok_two_io.onnx", model(nodes, [vi("a", [2]), vi("b", [3], TensorProto.INT64)],
                                 [vi("y", [2]), vi("z", [6], TensorProto.INT64)]))


def ok_attr_untyped():
    """An attribute with AttributeProto.type left UNDEFINED (as files from
    before IR version 2 do): its kind is inferred from the field that is set."""
    n = helper.make_node("Concat", ["x", "x"], ["y"], name="cat")
    a = n.attribute.add()
    a.name = "axis"
    a.i = 1  # type stays 0
    save("ok_attr_untyped.onnx", model([n], [vi("x", [2, 3])], [vi("y", [2, 6])]))


def ok_function():
    """Model-local functions, inlined by the importer:
        mylib.ScaleAdd(X, B; slope) = LeakyRelu(Mul(X, X) + B, alpha=slope)
        mylib.Outer(X; slope)       = Relu(ScaleAdd(X, X; slope))
        y1 = ScaleAdd(x, b; slope=0.1); y = Outer(y1; slope=0.2)
    Expected after inlining: Mul 2, Add 2, LeakyRelu 2 (alpha 0.1 and 0.2), Relu 1."""
    alpha = helper.AttributeProto()
    alpha.name = "alpha"
    alpha.ref_attr_name = "slope"
    alpha.type = helper.AttributeProto.FLOAT
    lrelu = helper.make_node("LeakyRelu", ["s"], ["Y"], name="act")
    lrelu.attribute.append(alpha)
    scale_add = helper.make_function(
        "mylib", "ScaleAdd", ["X", "B"], ["Y"],
        [helper.make_node("Mul", ["X", "X"], ["t"], name="sq"),
         helper.make_node("Add", ["t", "B"], ["s"], name="plus"), lrelu],
        [opset(13)], attributes=["slope"])
    slope = helper.AttributeProto()
    slope.name = "slope"
    slope.ref_attr_name = "slope"
    slope.type = helper.AttributeProto.FLOAT
    inner = helper.make_node("ScaleAdd", ["X", "X"], ["t"], name="inner", domain="mylib")
    inner.attribute.append(slope)
    outer = helper.make_function(
        "mylib", "Outer", ["X"], ["Y"],
        [inner, helper.make_node("Relu", ["t"], ["Y"], name="relu")],
        [opset(13), opset(1, "mylib")], attributes=["slope"])
    nodes = [helper.make_node("ScaleAdd", ["x", "b"], ["y1"], name="call1", domain="mylib", slope=0.1),
             helper.make_node("Outer", ["y1"], ["y"], name="call2", domain="mylib", slope=0.2)]
    m = model(nodes, [vi("x", [3]), vi("b", [3])], [vi("y", [3])],
              opset_imports=[opset(13), opset(1, "mylib")], functions=[scale_add, outer])
    save("ok_function.onnx", m)


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def with_unknown_field(msg, field, payload):
    """msg plus a length-delimited field this onnx (1.12, IR version 8) does not
    know: newer ONNX fields are written as raw wire bytes, which protobuf keeps."""
    extra = varint(field << 3 | 2) + varint(len(payload)) + payload
    return type(msg).FromString(msg.SerializeToString() + extra)


def ok_function_defaults():
    """FunctionProto.attribute_proto (field 11, IR version 9; newer than
    python3-onnx 1.12, written as raw bytes): mylib.Act(X; slope = 0.3) =
    LeakyRelu(X, alpha=slope). a = Act(x) uses the default 0.3; y = Act(a;
    slope=0.5) overrides it."""
    alpha = helper.AttributeProto()
    alpha.name, alpha.ref_attr_name, alpha.type = "alpha", "slope", helper.AttributeProto.FLOAT
    body = helper.make_node("LeakyRelu", ["X"], ["Y"], name="act")
    body.attribute.append(alpha)
    f = helper.make_function("mylib", "Act", ["X"], ["Y"], [body], [opset(13)])
    f = with_unknown_field(f, 11, helper.make_attribute("slope", 0.3).SerializeToString())
    nodes = [helper.make_node("Act", ["x"], ["a"], name="dflt", domain="mylib"),
             helper.make_node("Act", ["a"], ["y"], name="given", domain="mylib", slope=0.5)]
    save("ok_function_defaults.onnx",
         model(nodes, [vi("x", [3])], [vi("y", [3])],
               opset_imports=[opset(13), opset(1, "mylib")], functions=[f]))


def ok_function_overload():
    """Overloads (NodeProto.overload = 8, FunctionProto.overload = 13, IR
    version 10, written as raw bytes): mylib.F overload "relu" = Relu, overload
    "abs" = Abs; y = F[abs](F[relu](x)): the importer must pick by overload."""
    fr = helper.make_function("mylib", "F", ["X"], ["Y"], [helper.make_node("Relu", ["X"], ["Y"])],
                              [opset(13)])
    fa = helper.make_function("mylib", "F", ["X"], ["Y"], [helper.make_node("Abs", ["X"], ["Y"])],
                              [opset(13)])
    fr = with_unknown_field(fr, 13, b"relu")
    fa = with_unknown_field(fa, 13, b"abs")
    n1 = with_unknown_field(helper.make_node("F", ["x"], ["t"], name="first", domain="mylib"), 8, b"relu")
    n2 = with_unknown_field(helper.make_node("F", ["t"], ["y"], name="second", domain="mylib"), 8, b"abs")
    save("ok_function_overload.onnx",
         model([n1, n2], [vi("x", [3])], [vi("y", [3])],
               opset_imports=[opset(13), opset(1, "mylib")], functions=[fr, fa]))


def ok_nonfinite_initializer():
    """Initializers holding inf and NaN: import warns once per initializer (the
    generated code's results may differ from other runtimes) and goes on.
    y = x * W + B; W holds inf, -inf and NaN, B holds one NaN."""
    inf, nan = float("inf"), float("nan")
    inits = [helper.make_tensor("W", F, [4], [1.0, inf, -inf, nan]),
             helper.make_tensor("B", F, [4], [0.0, 0.0, nan, 0.0])]
    nodes = [helper.make_node("Mul", ["x", "W"], ["t"], name="mul"),
             helper.make_node("Add", ["t", "B"], ["y"], name="add")]
    save("ok_nonfinite_initializer.onnx", model(nodes, [vi("x", [4])], [vi("y", [4])], inits))


# ---- error models -----------------------------------------------------------


def relu_model(**kw):
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [vi("x", [2])],
                 [vi("y", [2])], **kw)


def err_files():
    save("err_not_onnx.onnx", b"this is a text file, not an ONNX model\n")
    save("err_empty.onnx", b"")
    with open(os.path.join(MODELS, "digits_mlp_t4.onnx"), "rb") as f:
        data = f.read()
    save("err_truncated.onnx", data[: len(data) // 2])


def err_unsupported_ops():
    """Four unsupported nodes (two HardSwish, an Erf, a custom-domain op): all listed."""
    nodes = [helper.make_node("HardSwish", ["x"], ["a"], name="hs1"),
             helper.make_node("Erf", ["a"], ["b"], name="erf1"),
             helper.make_node("HardSwish", ["b"], ["c"], name="hs2"),
             helper.make_node("MyOp", ["c"], ["d"], name="custom1", domain="com.example"),
             helper.make_node("Relu", ["d"], ["y"], name="relu")]
    save("err_unsupported_ops.onnx",
         model(nodes, [vi("x", [2])], [vi("y", [2])],
               opset_imports=[opset(13), opset(1, "com.example")]))


def err_internal_op():
    """tsnc's own ops (tsnc.fire, ...) are not ONNX operators: a file cannot use them."""
    nodes = [helper.make_node("tsnc.fire", ["x"], ["y"], name="fire", up=0.5)]
    save("err_internal_op.onnx", model(nodes, [vi("x", [2])], [vi("y", [2])]))


def err_attributes():
    """Three attribute problems in three nodes, all reported: Conv foo=1
    (unknown), Gemm transA=1.0 (float, must be int), Concat axis=[1,2] (ints)."""
    inits = [helper.make_tensor("w", F, [1, 1, 1, 1], [1.0]),
             helper.make_tensor("m", F, [4, 4], [0.0] * 16)]
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", foo=1),
             helper.make_node("Flatten", ["c"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "m"], ["g"], name="gemm", transA=1.0),
             helper.make_node("Concat", ["g", "g"], ["y"], name="cat", axis=[1, 2])]
    save("err_attributes.onnx",
         model(nodes, [vi("x", [1, 1, 2, 2])], [vi("y", [1, 8])], inits))


def err_attr_graph():
    """An attribute of kind GRAPH where an int is expected."""
    sub = helper.make_graph([], "sub", [], [])
    nodes = [helper.make_node("Concat", ["x", "x"], ["y"], name="cat", axis=sub)]
    save("err_attr_graph.onnx", model(nodes, [vi("x", [2])], [vi("y", [4])]))


def bad_initializer_model(t, name):
    nodes = [helper.make_node("Add", ["x", t.name], ["y"], name="add")]
    save(name, model(nodes, [vi("x", [2, 3])], [vi("y", [2, 3])], [t]))


def err_initializers():
    t = TensorProto(name="W", data_type=F, dims=[2, 3], raw_data=np.zeros(1, np.float32).tobytes())
    bad_initializer_model(t, "err_raw_data_length.onnx")  # 4 bytes for f32[2,3] (24)

    t = helper.make_tensor("W", F, [2, 3], [1, 2, 3, 4, 5, 6])
    del t.float_data[5]
    bad_initializer_model(t, "err_typed_count.onnx")  # 5 floats for 6 elements

    t = helper.make_tensor("W", F, [2, 3], [1, 2, 3, 4, 5, 6])
    t.dims[0] = -2
    bad_initializer_model(t, "err_negative_dim.onnx")

    t = TensorProto(name="W", data_type=F, dims=[1 << 40, 1 << 40])
    bad_initializer_model(t, "err_huge_dims.onnx")  # 2^80 elements: overflow

    t = helper.make_tensor("W", F, [1] * 9, [1.0])
    bad_initializer_model(t, "err_rank.onnx")  # rank 9 > IR_MAX_RANK

    t = helper.make_tensor("W", TensorProto.FLOAT16, [2, 3], np.zeros(6, np.float16).tobytes(), raw=True)
    bad_initializer_model(t, "err_unknown_dtype.onnx")

    t = helper.make_tensor("W", F, [2, 3], [1, 2, 3, 4, 5, 6])
    del t.float_data[:]
    t.data_location = TensorProto.EXTERNAL
    e = t.external_data.add()
    e.key, e.value = "location", "weights.bin"
    bad_initializer_model(t, "err_external_data.onnx")

    t = helper.make_tensor("W", F, [2, 3], [1, 2, 3, 4, 5, 6])
    t.segment.begin, t.segment.end = 0, 6
    bad_initializer_model(t, "err_segment.onnx")

    t = TensorProto(name="W", data_type=TensorProto.UINT8, dims=[2], int32_data=[7, 300])
    bad_initializer_model(t, "err_int32_range.onnx")


def err_graph_structure():
    nodes = [helper.make_node("Relu", ["ghost"], ["y"], name="relu")]
    save("err_undefined_value.onnx", model(nodes, [vi("x", [2])], [vi("y", [2])]))

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="r1"),
             helper.make_node("Abs", ["x"], ["y"], name="r2")]
    save("err_duplicate_definition.onnx", model(nodes, [vi("x", [2])], [vi("y", [2])]))

    # a = Add(x, b); b = Relu(a); y = Abs(a): a cycle through add and relu.
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="add"),
             helper.make_node("Relu", ["a"], ["b"], name="relu"),
             helper.make_node("Abs", ["a"], ["y"], name="abs")]
    save("err_cycle.onnx", model(nodes, [vi("x", [2])], [vi("y", [2])]))

    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("err_output_undefined.onnx", model(nodes, [vi("x", [2])], [vi("y", [2]), vi("z", [2])]))

    nodes = [helper.make_node("Relu", ["W"], ["y"], name="relu")]
    save("err_no_inputs.onnx", model(nodes, [vi("W", [2])], [vi("y", [2])],
                                      [helper.make_tensor("W", F, [2], [1, 2])]))

    nodes = [helper.make_node("Dropout", ["x"], ["y", "mask"], name="drop")]
    save("err_dropout_mask_used.onnx",
         model(nodes, [vi("x", [2])], [vi("y", [2]), vi("mask", [2], TensorProto.BOOL)]))

    nodes = [helper.make_node("Constant", [], ["s"], name="str", value_string="hello"),
             helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("err_constant_string.onnx", model(nodes, [vi("x", [2])], [vi("y", [2])]))

    x = helper.make_value_info("x", helper.make_tensor_type_proto(F, None))
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("err_input_no_shape.onnx", model(nodes, [x], [vi("y", [2])]))

    nodes = [helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="rsum")]
    save("err_axes_not_const.onnx",
         model(nodes, [vi("x", [2, 3]), vi("axes", [1], TensorProto.INT64)], [vi("y", [2, 1])]))


def err_output_declared():
    """Graph outputs declared with another shape or element type than the graph
    computes (Relu of f32[1,4] is f32[1,4]): y declared f32[1,7], and i64[1,4].
    ok_output_symbolic declares y as f32['n', 4]: a symbolic dim (as exports
    leave them) declares nothing to check."""
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="relu")]
    save("err_output_shape.onnx", model(nodes, [vi("x", [1, 4])], [vi("y", [1, 7])]))
    save("err_output_dtype.onnx",
         model(nodes, [vi("x", [1, 4])], [vi("y", [1, 4], TensorProto.INT64)]))
    save("ok_output_symbolic.onnx", model(nodes, [vi("x", [1, 4])], [vi("y", ["n", 4])]))


def err_model_header():
    m = onnx.ModelProto(ir_version=8)
    m.opset_import.append(opset(13))
    save("err_no_graph.onnx", m)

    m = relu_model()
    del m.opset_import[:]
    save("err_no_opset.onnx", m)

    save("err_opset_old.onnx", relu_model(version=6))
    save("err_opset_new.onnx", relu_model(version=22))


def err_newer_opsets():
    """Semantics added in opset 19 that tsnc does not implement: AveragePool-19
    dilations other than 1, Pad-19 mode 'wrap'; Split-18's num_outputs at
    opset 13; and a Split-18 num_outputs
    whose last part would be empty (9 into 4: 3, 3, 3, 0; onnxruntime refuses
    it too)."""
    nodes = [helper.make_node("AveragePool", ["x"], ["y"], name="pool", kernel_shape=[2, 2],
                              dilations=[2, 1])]
    save("err_avgpool_dilations_opset19.onnx",
         model(nodes, [vi("x", [1, 1, 4, 4])], [vi("y", [1, 1, 2, 3])], version=19))
    nodes = [helper.make_node("Pad", ["x", "pads"], ["y"], name="pad", mode="wrap")]
    save("err_pad_wrap_opset19.onnx",
         model(nodes, [vi("x", [3])], [vi("y", [5])],
               [helper.make_tensor("pads", TensorProto.INT64, [2], [1, 1])], version=19))
    nodes = [helper.make_node("Split", ["x"], ["a", "b"], name="split", num_outputs=2)]
    save("err_split_num_outputs_opset13.onnx",
         model(nodes, [vi("x", [4])], [vi("a", [2]), vi("b", [2])], version=13))
    outs = ["y0", "y1", "y2", "y3"]
    nodes = [helper.make_node("Split", ["x"], outs, name="split", num_outputs=4)]
    save("err_split_last_empty.onnx",
         model(nodes, [vi("x", [9])], [vi(o, None) for o in outs], version=18))


def err_function_recursive():
    """mylib.F(X) = F(X): recursion cannot be inlined."""
    f = helper.make_function("mylib", "F", ["X"], ["Y"],
                             [helper.make_node("F", ["X"], ["Y"], name="self", domain="mylib")],
                             [opset(13), opset(1, "mylib")])
    nodes = [helper.make_node("F", ["x"], ["y"], name="call", domain="mylib")]
    save("err_function_recursive.onnx",
         model(nodes, [vi("x", [2])], [vi("y", [2])],
               opset_imports=[opset(13), opset(1, "mylib")], functions=[f]))


def err_nesting():
    """Subgraph attributes nested 40 deep (120 message levels): rejected before
    parsing, since the protobuf parser recurses once per level."""
    g = helper.make_graph([], "leaf", [], [])
    for i in range(40):
        n = helper.make_node("If", ["c"], ["o"], name="if%d" % i, then_branch=g)
        g = helper.make_graph([n], "level%d" % i, [], [])
    m = relu_model()
    m.graph.node[0].attribute.append(helper.make_attribute("deep", g))
    save("err_nesting.onnx", m)


def main():
    ok_typed_initializer()
    ok_raw_initializer()
    ok_constant_forms()
    ok_unsqueeze_opset11()
    ok_slice_opset9()
    ok_clip_opset10()
    ok_pad_opset10()
    ok_split_opset11()
    ok_split_uneven_opset18()
    ok_opset21()
    ok_large_strides()
    ok_reduce_opset18()
    ok_softmax_opset11()
    ok_legacy_outputs()
    ok_dynamic_batch()
    ok_unsorted()
    ok_initializer_as_input()
    ok_two_io()
    ok_attr_untyped()
    ok_function()
    ok_function_defaults()
    ok_function_overload()
    ok_nonfinite_initializer()
    err_files()
    err_unsupported_ops()
    err_internal_op()
    err_attributes()
    err_attr_graph()
    err_initializers()
    err_graph_structure()
    err_output_declared()
    err_model_header()
    err_newer_opsets()
    err_function_recursive()
    err_nesting()
    return 0


if __name__ == "__main__":
    sys.exit(main())
