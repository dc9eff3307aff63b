#!/usr/bin/env python3
"""Writes ONNX models too large to commit, for test/lit/errors; standard library
only (CI has no python3-onnx), so the protobuf wire format is written by hand
(onnx.proto field numbers; https://protobuf.dev/programming-guides/encoding/).

usage: gen_model.py many-nodes N   a chain of N Relu nodes (the node limit is 200000)
       gen_model.py spike-chain N  y = Gemm(Neg^N(Sign(x) * 0.5), W): N data-movement
                                   nodes between a spike amplitude and its layer
       gen_model.py same-name-calls N  N calls, all named "c", of a model-local function
                                   F(X) = Abs(Relu(X)) (each call needs fresh inner names)
       gen_model.py function-chain N  model-local functions F0 .. F(N-1), each calling the
                                   next once, F(N-1) = Relu: calls nested N deep
       gen_model.py name-bomb N    functions B0..B4, each calling the next ten times, B5 =
                                   Relu: 10^5 nodes whose nested names ("call/call/...")
                                   are about 3 KB each, from N-byte (N <= 500) names
The model is written to stdout.
"""
import struct
import sys


def varint(v):
    v &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(num, payload):
    """A field: an int is a varint (wire type 0), bytes/str are length-delimited (2)."""
    if isinstance(payload, int):
        return varint(num << 3 | 0) + varint(payload)
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(num << 3 | 2) + varint(len(payload)) + payload


FLOAT, INT64 = 1, 7


def value_info(name, dims):
    shape = b"".join(field(1, field(1, d)) for d in dims)            # TensorShapeProto.dim
    tensor_type = field(1, FLOAT) + field(2, shape)                  # elem_type, shape
    return field(1, name) + field(2, field(1, tensor_type))          # name, type.tensor_type


def tensor(name, dtype, dims, raw):
    return (b"".join(field(1, d) for d in dims) + field(2, dtype) + field(8, name) +
            field(9, raw))


def node(op, inputs, outputs, attrs=b"", name="", domain=""):
    return (b"".join(field(1, i) for i in inputs) + b"".join(field(2, o) for o in outputs) +
            (field(3, name) if name else b"") + field(4, op) + attrs +
            (field(7, domain) if domain else b""))


def opset(version, domain=""):
    return (field(1, domain) if domain else b"") + field(2, version)


def function(name, inputs, outputs, nodes, domain="mylib"):
    """FunctionProto: name 1, input 4, output 5, node 7, opset_import 9, domain 10."""
    return (field(1, name) + b"".join(field(4, i) for i in inputs) +
            b"".join(field(5, o) for o in outputs) + b"".join(field(7, n) for n in nodes) +
            field(9, opset(13)) + field(9, opset(1, domain)) + field(10, domain))


def model(nodes, inputs, outputs, inits=(), functions=()):
    graph = (b"".join(field(1, n) for n in nodes) + field(2, "g") +
             b"".join(field(5, t) for t in inits) + b"".join(field(11, i) for i in inputs) +
             b"".join(field(12, o) for o in outputs))
    ops = field(8, opset(13)) + (field(8, opset(1, "mylib")) if functions else b"")
    return (field(1, 8) + ops + field(7, graph) +                    # ir_version, opsets, graph
            b"".join(field(25, f) for f in functions))               # ModelProto.functions


def name(i):
    return "t%x" % i


def many_nodes(n):
    nodes = [node("Relu", ["x" if i == 0 else name(i)], ["y" if i == n - 1 else name(i + 1)])
             for i in range(n)]
    return model(nodes, [value_info("x", [2])], [value_info("y", [2])])


def spike_chain(n):
    nodes = [node("Sign", ["x"], ["s"]), node("Mul", ["s", "a"], [name(0)])]
    nodes += [node("Neg", [name(i)], [name(i + 1)]) for i in range(n)]
    nodes.append(node("Gemm", [name(n), "w"], ["y"]))
    inits = [tensor("a", FLOAT, [], struct.pack("<f", 0.5)),
             tensor("w", FLOAT, [4, 2], struct.pack("<8f", *[1.0] * 8))]
    return model(nodes, [value_info("x", [1, 4])], [value_info("y", [1, 2])], inits)


def same_name_calls(n):
    f = function("F", ["X"], ["Y"], [node("Relu", ["X"], ["t"]), node("Abs", ["t"], ["Y"])])
    nodes = [node("F", ["x" if i == 0 else name(i)], ["y" if i == n - 1 else name(i + 1)],
                  name="c", domain="mylib") for i in range(n)]
    return model(nodes, [value_info("x", [2])], [value_info("y", [2])], functions=[f])


def name_bomb(n):
    funcs = []
    for k in range(6):
        if k == 5:
            body = [node("Relu", ["X"], ["Y"], name="l" * n)]
        else:
            names = ["X"] + [("v%d" % j) * (n // 2) for j in range(9)] + ["Y"]
            body = [node("B%d" % (k + 1), [names[j]], [names[j + 1]], name=("c%d" % j) * (n // 2),
                         domain="mylib") for j in range(10)]
        funcs.append(function("B%d" % k, ["X"], ["Y"], body))
    nodes = [node("B0", ["x"], ["y"], name="b" * n, domain="mylib")]
    return model(nodes, [value_info("x", [2])], [value_info("y", [2])], functions=funcs)


def function_chain(n):
    funcs = [function("F%d" % k, ["X"], ["Y"],
                      [node("F%d" % (k + 1), ["X"], ["Y"], domain="mylib") if k < n - 1
                       else node("Relu", ["X"], ["Y"])]) for k in range(n)]
    nodes = [node("F0", ["x"], ["y"], name="call", domain="mylib")]
    return model(nodes, [value_info("x", [2])], [value_info("y", [2])], functions=funcs)


MODES = {"many-nodes": many_nodes, "spike-chain": spike_chain, "function-chain": function_chain,
         "same-name-calls": same_name_calls, "name-bomb": name_bomb}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        sys.stderr.write(__doc__)
        return 2
    data = MODES[sys.argv[1]](int(sys.argv[2]))
    sys.stdout.buffer.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
