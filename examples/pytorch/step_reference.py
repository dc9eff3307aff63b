#!/usr/bin/python3
"""PyTorch's per-step outputs over 3T timesteps, the reference for NAME_step.

    /usr/bin/python3 examples/pytorch/step_reference.py test/models/NAME.onnx [--samples 30]

Builds the network of variants.py NAME (or of SHIPPED below, for the shipped
models/fmnist_paper_t2) with models.py and neuron.py for 3T timesteps (T from
the variant; for the other shipped models of models/, the Chain below), loads
the exported ONNX file's initializers
into it, runs it in eval mode one sample at a time on the first samples of
NAME.input.bin, and writes NAME.steps.bin: float32 [3T, samples, outputs],
the classifier's output of every timestep before the average over time.

Loading: parameters whose ONNX initializer has the same name and shape are
copied (alphas, BatchNormalization kept by the exporter, Linear layers); an
alpha the exporter renamed (onnx::Mul_N) is the initializer of its shape that
a Mul node in the neuron's scope (/l1/...) multiplies by; the
exporter renames the Conv/Gemm weights into which it folded a
BatchNormalization, so those layers are matched by order (the order in which
forward calls them is the order of their first node in the export) and the
folded BatchNormalization becomes the identity (the explicit layout's export
repeats a folded layer's arrays per step: equal copies count once). As a check, the first T steps
averaged must reproduce NAME.logits.bin (PyTorch's T-step outputs) within 1e-4.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import models  # noqa: E402
from neuron import SpikingNeuron  # noqa: E402
from variants import variant  # noqa: E402


# Shipped models (models/) whose network models.py defines, with its settings (as in variants.py).
SHIPPED = {
    "fmnist_paper_t2": dict(arch="paper", T=2, layout="explicit", spike="ternary", alpha="channel", form="ste"),
}


def layer_order(model, x):
    """Conv2d/Linear modules in the order forward first calls them."""
    order, hooks = [], []
    for mod in model.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            hooks.append(mod.register_forward_hook(lambda m, i, o: order.append(m) if m not in order else None))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return order


def onnx_layers(graph, init):
    """(weight name, bias name or None) of each Conv/Gemm/MatMul, first occurrence of each
    weight; the explicit layout's per-step copies of one layer (equal arrays) count once."""
    out, seen = [], []
    for node in graph.node:
        if node.op_type not in ("Conv", "Gemm", "MatMul") or len(node.input) < 2 or node.input[1] not in init:
            continue
        w = init[node.input[1]]
        if any(w.shape == v.shape and torch.equal(w, v) for v in seen):
            continue
        seen.append(w)
        out.append((node.input[1], node.input[2] if len(node.input) > 2 and node.input[2] else None))
    return out


def load(model, graph, x):
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    names = {id(p): n for n, p in list(model.named_parameters()) + list(model.named_buffers())}
    sd = model.state_dict()
    for k, v in sd.items():
        if k in init and tuple(init[k].shape) == tuple(v.shape):
            v.copy_(init[k].to(v.dtype))
    for pname, p in model.named_parameters():  # an alpha the exporter renamed: by its scope
        if pname.endswith(".alpha") and pname not in init:
            scope = "/" + pname[: -len(".alpha")].replace(".", "/") + "/"
            for node in graph.node:
                if node.op_type == "Mul" and node.name.startswith(scope):
                    for i in node.input:
                        if i in init and tuple(init[i].shape) == tuple(p.shape):
                            p.data.copy_(init[i])
    layers, found = layer_order(model, x), onnx_layers(graph, init)
    if len(layers) != len(found):
        raise SystemExit(f"{len(layers)} Conv/Linear modules but {len(found)} in the export")
    for mod, (wname, bname) in zip(layers, found):
        if names[id(mod.weight)] in init:
            continue
        w = init[wname]
        if w.shape != mod.weight.shape and w.t().shape == mod.weight.shape:
            w = w.t()
        mod.weight.data.copy_(w)
        if bname is not None:
            mod.bias = nn.Parameter(init[bname].clone())
    for parent in model.modules():  # BatchNormalization folded by the exporter: identity
        for cname, child in list(parent.named_children()):
            if isinstance(child, (nn.BatchNorm1d, nn.BatchNorm2d)) and names[id(child.weight)] not in init:
                setattr(parent, cname, nn.Identity())


class Chain(nn.Module):
    """The shipped models (models/, trained outside examples/pytorch): a chain of Conv or
    Gemm layers, each but the last followed by an optional BatchNormalization and a neuron
    (neuron.py) whose amplitude is the K-th initializer named *.alpha if there is one; time folded
    into the batch, the image repeated at every step. Rebuilt from the export's node order and
    attributes; the check against NAME.logits.bin tells whether a model is such a chain."""

    def __init__(self, graph, T, spike):
        super().__init__()
        init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
        self.layers, seen, k = [], [], 0
        nodes = list(graph.node)
        for j, node in enumerate(nodes):
            if node.op_type not in ("Conv", "Gemm") or node.input[1] not in init:
                continue
            w = init[node.input[1]]
            if any(w.shape == v.shape and torch.equal(w, v) for v in seen):
                continue
            seen.append(w)
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            bn = None
            for later in nodes[j + 1: j + 4]:
                if later.op_type == "BatchNormalization" and later.input[0] == node.output[0]:
                    bn = [init[n] for n in later.input[1:5]] + [attrs_of(later).get("epsilon", 1e-5)]
            b = init[node.input[2]] if len(node.input) > 2 and node.input[2] in init else None
            self.layers.append((node.op_type, w, b, attrs, bn))
        alphas = []  # the amplitudes (initializers named *.alpha), in the order the nodes use them
        for node in nodes:
            for i in node.input:
                if i.endswith("alpha") and i in init and i not in alphas:
                    alphas.append(i)
        self.neurons = nn.ModuleList()
        for k in range(len(self.layers) - 1):
            n = SpikingNeuron(T, "folded", spike, "layer" if k < len(alphas) else "none")
            if n.alpha is not None:
                n.alpha.data.copy_(init[alphas[k]])
            self.neurons.append(n)
        self.T = T

    def forward(self, x):
        y = x.unsqueeze(0).repeat(self.T, *([1] * x.dim())).flatten(0, 1)
        for k, (op, w, b, attrs, bn) in enumerate(self.layers):
            if op == "Conv":
                p = attrs.get("pads", [0, 0, 0, 0])
                y = torch.nn.functional.conv2d(y, w, b, attrs.get("strides", [1, 1]), (p[0], p[1]))
            else:
                y = y.flatten(1)
                y = torch.nn.functional.linear(y, w if attrs.get("transB", 0) else w.t(), b)
            if bn is not None:
                y = torch.nn.functional.batch_norm(y, bn[2], bn[3], bn[0], bn[1], False, 0.0, bn[4])
            if k < len(self.neurons):
                y = self.neurons[k](y)
        return y.view(self.T, -1, y.shape[-1])


def attrs_of(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("onnx")
    ap.add_argument("--samples", type=int, default=30)
    a = ap.parse_args()
    base = a.onnx[: -len(".onnx")]
    name = os.path.basename(base)
    torch.manual_seed(0)
    graph = onnx.load(a.onnx).graph
    shape = [d.dim_value or 1 for d in graph.input[0].type.tensor_type.shape.dim][1:]
    x = torch.from_numpy(np.fromfile(base + ".input.bin", dtype=np.float32).reshape(-1, *shape))
    ref = np.fromfile(base + ".logits.bin", dtype=np.float32).reshape(len(x), -1)
    try:
        cfg = SHIPPED[name] if name in SHIPPED else variant(name)
    except KeyError:
        cfg = None
    if cfg:
        T = cfg["T"]
        model = models.build(cfg["arch"], 3 * T, cfg["layout"], cfg["spike"], cfg["alpha"], cfg["form"])
        model.eval()
        load(model, graph, x[:1])
        model.decode = lambda y: y  # every step's output, not their mean
    else:
        import json
        with open(base + ".json") as f:
            T = json.load(f)["timesteps"]
        model = Chain(graph, 3 * T, "binary" if "binary" in name else "ternary").eval()
    n = min(a.samples, len(x))
    steps = np.zeros((3 * T, n, ref.shape[1]), dtype=np.float32)
    with torch.no_grad():
        for s in range(n):
            y = model(x[s: s + 1]).reshape(3 * T, -1).numpy()
            steps[:, s, :] = y
    mean = steps[:T].sum(0, dtype=np.float32) / np.float32(T)
    worst = np.abs(mean - ref[:n]).max()
    close = (np.abs(mean - ref[:n]).max(1) <= 1e-4).mean()
    print(f"{name}: first {T} steps averaged against {name}.logits.bin: {close * 100:.1f} % within 1e-4, "
          f"worst {worst:.2g}")
    if close < 0.95:
        raise SystemExit(f"{name}: the loaded network does not reproduce the export")
    steps.tofile(base + ".steps.bin")


if __name__ == "__main__":
    main()
