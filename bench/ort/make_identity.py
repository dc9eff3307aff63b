"""Writes an ONNX model with one Identity node, so that bench/run.sh can time
onnxruntime's per-call overhead (the Node binding, input and output tensors) on
an input of a model's size. Run with Debian's python3-onnx:
    /usr/bin/python3 bench/ort/make_identity.py DIMS OUT.onnx      (DIMS: 1,1,28,28)
"""
import sys

import onnx
from onnx import TensorProto, helper

dims = [int(d) for d in sys.argv[1].split(",")]
x = helper.make_tensor_value_info("input", TensorProto.FLOAT, dims)
y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, dims)
graph = helper.make_graph([helper.make_node("Identity", ["input"], ["logits"])], "identity", [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="tsnc-bench")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, sys.argv[2])
