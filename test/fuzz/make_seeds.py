#!/usr/bin/python3
"""Writes small fuzzing seeds into test/fuzz/corpus/ (committed; CI lacks python3-onnx).

Run with Debian's python3 (it has python3-onnx):
    /usr/bin/python3 test/fuzz/make_seeds.py [build/tsnc]
With a tsnc binary it also writes test/fuzz/corpus_ir/ (IR text of each seed
after import, after infer-shapes and after the last pass). It writes the libFuzzer
dictionaries onnx.dict and ir.dict too.

The shipped models are 90 KB to 1 MB, almost all weights; a fuzzer mutating
them spends its time copying floats. This script shrinks each one: every
layer width is mapped to a small one (the DIMS table of each model), weights
are sliced to the new shape, and the integer shape constants of the export
(Reshape targets such as [4,-1,256]) are rewritten with the same map, so the
graph keeps the exact structure PyTorch exported (LIF loops, straight-through
estimators, Tile/Expand of the input over timesteps) at a few hundred bytes.
Every shrunk model must still compile with tsnc (tools/fuzz.sh checks it).

It also writes a few hand-made graphs that reach passes the shipped models
do not (Pad, MaxPool, Softmax, MatMul, Concat, Where, Clip, Range).
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper as nh
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
OUT = os.path.join(HERE, "corpus")

# Layer widths of each shipped model -> small widths. Input spatial size 28
# with stride-2 convolutions (pad 1, kernel 3) gives 14 and 7; 8 gives 4 and 2.
SHRINK = {
    "digits_mlp_t4": {64: 4, 256: 6, 10: 3},
    "digits_mlp_binary_t4": {64: 4, 256: 6, 10: 3},
    "fmnist_cnn_t4": {28: 8, 14: 4, 7: 2, 16: 2, 32: 3, 64: 4, 3136: 16, 10: 3},
    "fmnist_cnn_binary_t4": {28: 8, 14: 4, 7: 2, 16: 2, 32: 3, 64: 4, 3136: 16, 10: 3},
    "fmnist_paper_t2": {28: 8, 14: 4, 7: 2, 32: 3, 64: 4, 3136: 16, 10: 3},
}


def shrink_array(a, dims):
    """Slices every axis of a whose size is a key of dims to the mapped size."""
    idx = tuple(slice(0, dims.get(n, n)) for n in a.shape)
    return np.ascontiguousarray(a[idx])


def shrink_tensor(t, dims, is_shape_constant):
    a = nh.to_array(t)
    if is_shape_constant:
        a = np.array([dims.get(int(v), int(v)) if v > 0 else int(v) for v in a.ravel()],
                     a.dtype).reshape(a.shape)
    else:
        a = shrink_array(a, dims)
    return nh.from_array(a, t.name)


def shrink_model(name, dims):
    m = onnx.load(os.path.join(ROOT, "models", name + ".onnx"))
    g = m.graph
    for i, t in enumerate(list(g.initializer)):
        g.initializer[i].CopyFrom(shrink_tensor(t, dims, False))
    for n in g.node:
        if n.op_type != "Constant":
            continue
        for a in n.attribute:
            if a.name == "value":
                ints = a.t.data_type == TensorProto.INT64
                a.t.CopyFrom(shrink_tensor(a.t, dims, ints))
    for vi in list(g.input) + list(g.output):
        for d in vi.type.tensor_type.shape.dim:
            if d.HasField("dim_value"):
                d.dim_value = dims.get(d.dim_value, d.dim_value)
    del g.value_info[:]
    short_names(g)
    m.doc_string = ""
    m.producer_name = "tsnc-fuzz-seed"
    return m


def short_names(g):
    """Renames every value to v0, v1, ... and drops node names: the exports'
    names ("/lif1/Constant_12_output_0") are most of a small model's bytes."""
    keep = {v.name for v in list(g.input) + list(g.output)}
    names = {}

    def rn(s):
        if not s or s in keep:
            return s
        return names.setdefault(s, "v%d" % len(names))

    for t in g.initializer:
        t.name = rn(t.name)
    for n in g.node:
        n.name = ""
        for i, s in enumerate(n.input):
            n.input[i] = rn(s)
        for i, s in enumerate(n.output):
            n.output[i] = rn(s)


F = TensorProto.FLOAT


def vi(name, shape, t=F):
    return helper.make_tensor_value_info(name, t, shape)


def model(nodes, inputs, outputs, inits=(), version=13):
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    return helper.make_model(g, producer_name="tsnc-fuzz-seed",
                             opset_imports=[helper.make_opsetid("", version)])


def const(name, values, dtype=np.int64):
    return nh.from_array(np.array(values, dtype), name)


def hand_made():
    seeds = {}
    w = np.linspace(-1, 1, 2 * 1 * 3 * 3, dtype=np.float32).reshape(2, 1, 3, 3)
    seeds["conv_pool_softmax"] = model(
        [helper.make_node("Pad", ["x", "pads"], ["p"], mode="constant"),
         helper.make_node("Conv", ["p", "w"], ["c"], kernel_shape=[3, 3]),
         helper.make_node("MaxPool", ["c"], ["m"], kernel_shape=[2, 2], strides=[2, 2]),
         helper.make_node("Flatten", ["m"], ["f"]),
         helper.make_node("Softmax", ["f"], ["y"], axis=1)],
        [vi("x", [1, 1, 4, 4])], [vi("y", [1, 8])],
        [nh.from_array(w, "w"), const("pads", [0, 0, 1, 1, 0, 0, 1, 1])])
    seeds["matmul_concat_where"] = model(
        [helper.make_node("MatMul", ["x", "w"], ["a"]),
         helper.make_node("Greater", ["a", "zero"], ["gt"]),
         helper.make_node("Where", ["gt", "a", "zero"], ["r"]),
         helper.make_node("Concat", ["r", "a"], ["c"], axis=1),
         helper.make_node("Clip", ["c", "lo", "hi"], ["y"])],
        [vi("x", [2, 3])], [vi("y", [2, 4])],
        [nh.from_array(np.arange(6, dtype=np.float32).reshape(3, 2), "w"),
         nh.from_array(np.array(0, np.float32), "zero"),
         nh.from_array(np.array(-1, np.float32), "lo"),
         nh.from_array(np.array(1, np.float32), "hi")])
    seeds["shape_arith"] = model(
        [helper.make_node("Shape", ["x"], ["s"]),
         helper.make_node("Gather", ["s", "one"], ["n"], axis=0),
         helper.make_node("Range", ["zero", "n", "step"], ["r"]),
         helper.make_node("Cast", ["r"], ["rf"], to=F),
         helper.make_node("Unsqueeze", ["rf", "ax0"], ["u"]),
         helper.make_node("Expand", ["u", "s"], ["e"]),
         helper.make_node("Tile", ["e", "reps"], ["t"]),
         helper.make_node("Mul", ["x", "e"], ["m"]),
         helper.make_node("ReduceSum", ["t", "ax0"], ["rs"], keepdims=1),
         helper.make_node("Add", ["m", "rs"], ["y"])],
        [vi("x", [2, 3])], [vi("y", [2, 3])],
        [const("one", 1), const("zero", 0), const("step", 1), const("ax0", [0]),
         const("reps", [1, 1])])
    seeds["split_transpose_gather"] = model(
        [helper.make_node("Split", ["x", "sp"], ["a", "b"], axis=1),
         helper.make_node("Relu", ["a"], ["ra"]),
         helper.make_node("Neg", ["b"], ["nb"]),
         helper.make_node("Concat", ["nb", "ra"], ["c"], axis=1),
         helper.make_node("Transpose", ["c"], ["t"], perm=[1, 0]),
         helper.make_node("Gather", ["t", "idx"], ["g"], axis=0),
         helper.make_node("Slice", ["g", "st", "en", "ax", "step"], ["sl"]),
         helper.make_node("Pad", ["sl", "pads"], ["y"], mode="reflect")],
        [vi("x", [4, 6])], [vi("y", [3, 6])],
        [const("sp", [2, 4]), const("idx", [3, 0, -1]), const("st", [-1]), const("en", [-100]),
         const("ax", [1]), const("step", [-1]), const("pads", [0, 1, 0, 1])])
    unary = ["Abs", "Neg", "Sign", "Relu", "Sigmoid", "Tanh", "Exp", "Floor", "Ceil", "Round",
             "Identity"]
    nodes = [helper.make_node(op, ["u%d" % i], ["u%d" % (i + 1)]) for i, op in enumerate(unary)]
    k = len(unary)
    nodes += [
        helper.make_node("LeakyRelu", ["u%d" % k], ["l"], alpha=0.1),
        helper.make_node("Abs", ["l"], ["al"]),
        helper.make_node("Add", ["al", "one"], ["p1"]),
        helper.make_node("Log", ["p1"], ["lg"]),
        helper.make_node("Sqrt", ["p1"], ["sq"]),
        helper.make_node("Reciprocal", ["p1"], ["rc"]),
        helper.make_node("Pow", ["sq", "two"], ["pw"]),
        helper.make_node("Max", ["lg", "rc", "pw"], ["mx"]),
        helper.make_node("Min", ["mx", "sq"], ["mn"]),
        helper.make_node("Div", ["mn", "two"], ["dv"]),
        helper.make_node("Sub", ["dv", "one"], ["sb"]),
        helper.make_node("Equal", ["sb", "one"], ["eq"]),
        helper.make_node("Less", ["sb", "one"], ["ls"]),
        helper.make_node("Or", ["eq", "ls"], ["or"]),
        helper.make_node("Not", ["or"], ["nt"]),
        helper.make_node("Xor", ["nt", "ls"], ["xr"]),
        helper.make_node("And", ["xr", "or"], ["an"]),
        helper.make_node("Cast", ["an"], ["cf"], to=F),
        helper.make_node("Mul", ["cf", "sb"], ["y"]),
    ]
    seeds["elementwise_zoo"] = model(nodes, [vi("u0", [2, 3])], [vi("y", [2, 3])],
                                     [nh.from_array(np.array(1, np.float32), "one"),
                                      nh.from_array(np.array(2, np.float32), "two")])
    wg = np.linspace(-1, 1, 4 * 1 * 3 * 3, dtype=np.float32).reshape(4, 1, 3, 3)
    bn = [nh.from_array(np.array(v, np.float32), n) for n, v in
          [("sc", [1, 2, 0.5, 1]), ("bi", [0, 0.1, 0, -0.1]), ("mu", [0, 0, 0.2, 0]),
           ("var", [1, 1, 2, 1])]]
    seeds["conv_group_pools"] = model(
        [helper.make_node("Conv", ["x", "wg"], ["c"], group=2, pads=[1, 1, 1, 1],
                          strides=[1, 2], dilations=[1, 1]),
         helper.make_node("BatchNormalization", ["c", "sc", "bi", "mu", "var"], ["b"]),
         helper.make_node("AveragePool", ["b"], ["ap"], kernel_shape=[2, 2], pads=[1, 1, 0, 0],
                          count_include_pad=1),
         helper.make_node("MaxPool", ["ap"], ["mp"], kernel_shape=[2, 1], dilations=[1, 1],
                          ceil_mode=1),
         helper.make_node("GlobalAveragePool", ["mp"], ["gap"]),
         helper.make_node("GlobalMaxPool", ["mp"], ["gmp"]),
         helper.make_node("Add", ["gap", "gmp"], ["s"]),
         helper.make_node("Flatten", ["s"], ["f"]),
         helper.make_node("MatMul", ["f", "mm"], ["m"]),
         helper.make_node("Gemm", ["m", "gw", "gb"], ["gm"], transA=0, transB=1, alpha=0.5,
                          beta=2.0),
         helper.make_node("ReduceMean", ["gm"], ["rm"], axes=[1], keepdims=0),
         helper.make_node("Unsqueeze", ["rm", "ax1"], ["y"])],
        [vi("x", [1, 2, 5, 6])], [vi("y", [1, 1])],
        [nh.from_array(wg, "wg"), nh.from_array(np.ones((4, 3), np.float32), "mm"),
         nh.from_array(np.ones((2, 3), np.float32), "gw"),
         nh.from_array(np.ones((2,), np.float32), "gb"), const("ax1", [1])] + bn)
    return seeds


# ---- dictionaries -----------------------------------------------------------


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def key(field, wire):
    """A protobuf field key: (field number << 3) | wire type (0 varint, 1 i64, 2 bytes, 5 i32)."""
    return varint(field << 3 | wire)


# (message, field, number, wire type) of every onnx.proto field the importer reads.
ONNX_FIELDS = [
    ("ModelProto", "ir_version", 1, 0), ("ModelProto", "opset_import", 8, 2),
    ("ModelProto", "producer_name", 2, 2), ("ModelProto", "graph", 7, 2),
    ("ModelProto", "functions", 25, 2),
    ("GraphProto", "node", 1, 2), ("GraphProto", "name", 2, 2),
    ("GraphProto", "initializer", 5, 2), ("GraphProto", "input", 11, 2),
    ("GraphProto", "output", 12, 2), ("GraphProto", "value_info", 13, 2),
    ("GraphProto", "sparse_initializer", 15, 2),
    ("NodeProto", "input", 1, 2), ("NodeProto", "output", 2, 2), ("NodeProto", "name", 3, 2),
    ("NodeProto", "op_type", 4, 2), ("NodeProto", "attribute", 5, 2),
    ("NodeProto", "domain", 7, 2), ("NodeProto", "overload", 8, 2),
    ("AttributeProto", "name", 1, 2), ("AttributeProto", "f", 2, 5), ("AttributeProto", "i", 3, 0),
    ("AttributeProto", "s", 4, 2), ("AttributeProto", "t", 5, 2), ("AttributeProto", "g", 6, 2),
    ("AttributeProto", "floats", 7, 2), ("AttributeProto", "floats_unpacked", 7, 5),
    ("AttributeProto", "ints", 8, 2), ("AttributeProto", "ints_unpacked", 8, 0),
    ("AttributeProto", "strings", 9, 2), ("AttributeProto", "tensors", 10, 2),
    ("AttributeProto", "graphs", 11, 2), ("AttributeProto", "type", 20, 0),
    ("AttributeProto", "ref_attr_name", 21, 2), ("AttributeProto", "sparse_tensor", 22, 2),
    ("AttributeProto", "tp", 14, 2),
    ("TensorProto", "dims", 1, 2), ("TensorProto", "dims_unpacked", 1, 0),
    ("TensorProto", "data_type", 2, 0), ("TensorProto", "segment", 3, 2),
    ("TensorProto", "float_data", 4, 2), ("TensorProto", "int32_data", 5, 2),
    ("TensorProto", "string_data", 6, 2), ("TensorProto", "int64_data", 7, 2),
    ("TensorProto", "name", 8, 2), ("TensorProto", "raw_data", 9, 2),
    ("TensorProto", "double_data", 10, 2), ("TensorProto", "uint64_data", 11, 2),
    ("TensorProto", "external_data", 13, 2), ("TensorProto", "data_location", 14, 0),
    ("ValueInfoProto", "name", 1, 2), ("ValueInfoProto", "type", 2, 2),
    ("TypeProto", "tensor_type", 1, 2), ("TypeProto", "sequence_type", 4, 2),
    ("TypeProto.Tensor", "elem_type", 1, 0), ("TypeProto.Tensor", "shape", 2, 2),
    ("TensorShapeProto", "dim", 1, 2), ("Dimension", "dim_value", 1, 0),
    ("Dimension", "dim_param", 2, 2),
    ("OperatorSetIdProto", "domain", 1, 2), ("OperatorSetIdProto", "version", 2, 0),
    ("FunctionProto", "name", 1, 2), ("FunctionProto", "input", 4, 2),
    ("FunctionProto", "output", 5, 2), ("FunctionProto", "attribute", 6, 2),
    ("FunctionProto", "node", 7, 2), ("FunctionProto", "opset_import", 9, 2),
    ("FunctionProto", "domain", 10, 2), ("FunctionProto", "attribute_proto", 11, 2),
    ("FunctionProto", "overload", 13, 2),
]


def ops_and_attrs():
    """ONNX op names of ir/ops.def and attribute names of ir/ops.c."""
    import re
    ops = re.findall(r'^OP\(\w+, "([^"]+)"', open(os.path.join(ROOT, "ir", "ops.def")).read(), re.M)
    attrs = sorted(set(re.findall(r'\{"(\w+)", ATTR_', open(os.path.join(ROOT, "ir", "ops.c")).read())))
    return ops, attrs


def dict_line(name, b):
    return '%s="%s"' % (name, "".join("\\x%02x" % c for c in b))


def write_onnx_dict(path):
    ops, attrs = ops_and_attrs()
    lines = ["# libFuzzer dictionary for fuzz_pipeline: onnx.proto field keys, operator and",
             "# attribute names with their field key and length, dtype codes, edge varints.",
             "# Generated by test/fuzz/make_seeds.py."]
    for msg, field, num, wire in ONNX_FIELDS:
        lines.append(dict_line("%s_%s" % (msg.replace(".", "_"), field), key(num, wire)))
    legacy = ["Constant", "HardSwish", "If", "Loop", "Softplus"]
    for op in ops + legacy:
        if op.startswith("tsnc."):
            continue
        b = op.encode()
        lines.append(dict_line("op_%s" % op, key(4, 2) + varint(len(b)) + b))
    for a in attrs + ["value", "value_float", "value_floats", "value_int", "value_ints",
                      "value_string", "split", "starts", "ends", "min", "max", "ratio", "spatial",
                      "noop_with_empty_axes", "select_last_index", "value_float"]:
        b = a.encode()
        lines.append(dict_line("attr_%s" % a, key(1, 2) + varint(len(b)) + b))
    for code in range(0, 17):
        lines.append(dict_line("dtype_%d" % code, key(2, 0) + varint(code)))
        lines.append(dict_line("attr_type_%d" % code, key(20, 0) + varint(code)))
    for v in [0, 1, 2, 3, 4, 7, 8, 9, 13, 17, 18, 19, 127, 128, 255, 256, 4096, 65535, 1 << 28,
              (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 62, (1 << 63) - 1]:
        lines.append(dict_line("varint_%d" % v, varint(v)))
    for v in [-1, -2, -(1 << 31), -(1 << 63)]:
        lines.append(dict_line("varint_minus_%d" % -v, varint(v & ((1 << 64) - 1))))
    for name, b in [("f32_one", b"\x00\x00\x80\x3f"), ("f32_half", b"\x00\x00\x00\x3f"),
                    ("f32_nan", b"\x00\x00\xc0\x7f"), ("f32_inf", b"\x00\x00\x80\x7f"),
                    ("f32_minus_half", b"\x00\x00\x00\xbf"), ("f32_zero", b"\x00\x00\x00\x00")]:
        lines.append(dict_line(name, b))
    for s in ["ai.onnx", "batch", "mylib", "constant", "reflect", "edge", "SAME_UPPER", "VALID",
              "NOTSET"]:
        lines.append('str_%s="%s"' % (s.replace(".", "_"), s))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path, len(lines) - 3, "entries")


def write_ir_dict(path):
    ops, attrs = ops_and_attrs()
    lines = ["# libFuzzer dictionary for fuzz_ir: tokens of the textual IR (docs/ir.md).",
             "# Generated by test/fuzz/make_seeds.py."]
    words = ["graph", "@", "opset", "{", "}", "return", "input", "const", "=", ":", "none",
             "dense<[", "]>", "dense<elided 4>", "loc(\\\"a\\\")", "//", "ternary()", "binary()",
             "levels(", "alpha=", "inner=", "tensor<", "f32[", "f64[", "i8[", "u8[", "i16[",
             "i32[", "i64[", "bool[", "?[?]", "[1,1,28,28]", "inf", "-inf", "nan", "1e-05",
             "9223372036854775807", "-9223372036854775808", "2147483648", "268435456", "%0",
             "%input", "%c0", "\\x00", "\\\\"]
    words += ops + attrs
    for i, w in enumerate(words):
        lines.append('w%d="%s"' % (i, w))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote", path, len(words), "entries")


def write_ir_corpus(tsnc, onnx_paths):
    """IR text of each seed after import, infer-shapes and the last pass (needs tsnc)."""
    import subprocess
    out = os.path.join(HERE, "corpus_ir")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.remove(os.path.join(out, f))
    listing = subprocess.run([tsnc, "dump", "--list-passes"], check=True,
                             capture_output=True, text=True).stdout
    last = [line.split()[0] for line in listing.splitlines() if line.strip()][-1]
    for p in onnx_paths:
        stem = os.path.splitext(os.path.basename(p))[0]
        for stage in [None, "infer-shapes", last]:
            cmd = [tsnc, "dump", "--print-constants=full", "--no-locations", p]
            if stage:
                cmd[2:2] = ["--after", stage]
            text = subprocess.run(cmd, check=True, capture_output=True).stdout
            name = {None: "import", "infer-shapes": "infer-shapes"}.get(stage, "final")
            path = os.path.join(out, "%s.%s.tir" % (stem, name))
            with open(path, "wb") as f:
                f.write(text)
            print("wrote", path, len(text), "bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    write_onnx_dict(os.path.join(HERE, "onnx.dict"))
    write_ir_dict(os.path.join(HERE, "ir.dict"))
    for name, dims in SHRINK.items():
        m = shrink_model(name, dims)
        path = os.path.join(OUT, "shrunk_%s.onnx" % name)
        onnx.save(m, path)
        print("wrote", path, os.path.getsize(path), "bytes")
    for name, m in hand_made().items():
        path = os.path.join(OUT, "%s.onnx" % name)
        onnx.save(m, path)
        print("wrote", path, os.path.getsize(path), "bytes")
    if len(sys.argv) > 1:
        seeds = sorted(os.path.join(OUT, f) for f in os.listdir(OUT) if f.endswith(".onnx"))
        write_ir_corpus(sys.argv[1], seeds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
