#!/usr/bin/env python3
"""bench/crossover.py - the firing rate below which event-driven spike layers
beat the dense-input kernels, measured on this machine. A benchmark (it checks
nothing); its figures are the constants of passes/choose_kernels.c and are
quoted in docs/performance.md.

For each layer shape (those of fmnist_cnn_t4: convs.1, convs.2, fc) it writes
a one-layer ONNX model  x -> Sign -> Conv/Gemm -> Sign -> Flatten -> Gemm(1)
(the first Sign makes the input a proven ternary spike tensor, so tsnc lowers
the layer; the rest lets the layer's output be channels-last, as in a
network), random ternary inputs
at each firing rate (+1 and -1 equally likely), compiles the model for AVX2
with every --spike-impl (and --dense: the multiply-accumulate layer), and
times the layer's node alone (-DTSNC_PROFILE, bench/profile_model.c).

usage: bench/crossover.py [-r "RATES"] [-p PASSES] [-c CPU]
Environment: TSNC (default build/tsnc), CC (default gcc), WORK (default /tmp/tsnc-bench).
Needs Debian's python3-onnx and python3-numpy.
"""
import argparse
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CC = os.environ.get("CC", "gcc")
WORK = os.path.join(os.environ.get("WORK", "/tmp/tsnc-bench"), "crossover")
TSNC = os.environ.get("TSNC", os.path.join(ROOT, "build", "tsnc"))

# name: (input shape, weight shape, conv strides or None for a Gemm)
LAYERS = {
    "conv16x28_to32_s2": ((4, 16, 28, 28), (32, 16, 3, 3), 2),
    "conv32x14_to64_s2": ((4, 32, 14, 14), (64, 32, 3, 3), 2),
    "gemm3136_to10": ((4, 3136), (10, 3136), None),
}
IMPLS = {"conv": ["lut", "events", "mac"], "gemm": ["dense", "events", "mac"]}
SAMPLES = 20


def run(cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout


def write_model(path, xshape, wshape, stride):
    rng = np.random.default_rng(1)
    w = rng.standard_normal(wshape).astype(np.float32) * 0.1
    x = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(xshape))
    inits = [numpy_helper.from_array(w, "w")]
    if stride:
        oh = (xshape[2] + 2 - 3) // stride + 1
        layer = helper.make_node("Conv", ["s", "w"], ["y"], name="layer", kernel_shape=[3, 3],
                                 pads=[1, 1, 1, 1], strides=[stride, stride])
        out_features = wshape[0] * oh * oh
    else:
        layer = helper.make_node("Gemm", ["s", "w"], ["y"], name="layer", transB=1)
        out_features = wshape[0]
    # The layer's output goes to a firing function (Sign) and on to a one-output spike Gemm,
    # as in a network: its memory order is then the compiler's choice (channels-last).
    inits.append(numpy_helper.from_array(np.ones((1, out_features), np.float32), "w_next"))
    nodes = [helper.make_node("Sign", ["input"], ["s"], name="sign"), layer,
             helper.make_node("Sign", ["y"], ["fired"], name="fire"),
             helper.make_node("Flatten", ["fired"], ["flat"], name="flatten"),
             helper.make_node("Gemm", ["flat", "w_next"], ["output"], name="next", transB=1)]
    y = helper.make_tensor_value_info("output", TensorProto.FLOAT, [xshape[0], 1])
    graph = helper.make_graph(nodes, "layer", [x], [y], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="tsnc-bench")
    model.ir_version = 8
    onnx.save(model, path)


def layer_time(model, name, impl, samples, cpu, passes):
    out = os.path.join(WORK, f"{name}-{impl}")
    os.makedirs(out, exist_ok=True)
    args = ["--dense"] if impl == "mac" else ["--spike-impl", impl]
    run([TSNC, "compile", model, "-o", out, "--name", "layer", "--target", "avx2", *args])
    exe = os.path.join(out, "profile")
    if not os.path.exists(exe):
        run([CC, "-std=c99", "-O2", "-mavx2", "-mfma", "-DTSNC_PROFILE", "-I" + out, "-DMODEL=layer",
             os.path.join(out, "layer.c"), os.path.join(ROOT, "bench", "profile_model.c"), "-o", exe, "-lm"])
    pin = ["taskset", "-c", str(cpu)] if shutil.which("taskset") else []
    for line in run(pin + [exe, samples, str(passes)]).splitlines():
        us, node = line.split("\t", 1)
        if node.startswith("layer (tsnc.spike_") or node in ("layer (Conv)", "layer (Gemm)"):
            return float(us)
    raise SystemExit(f"no time for the layer node in {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-r", "--rates", default="0.001 0.005 0.01 0.02 0.05 0.1 0.2 0.3 0.5 0.65")
    ap.add_argument("-p", "--passes", type=int, default=20)
    ap.add_argument("-c", "--cpu", type=int, default=os.cpu_count() - 1)
    a = ap.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    rates = [float(r) for r in a.rates.split()]
    rng = np.random.default_rng(2)
    print("one layer, batch of 4 timesteps, --target avx2, one thread; us per call of the layer's node")
    for name, (xshape, wshape, stride) in LAYERS.items():
        model = os.path.join(WORK, name + ".onnx")
        write_model(model, xshape, wshape, stride)
        impls = IMPLS["conv" if stride else "gemm"]
        print(f"\n{name}: input {list(xshape)}, weights {list(wshape)}")
        print("{:>6} ".format("rate") + " ".join(f"{i:>9}" for i in impls) + "   fastest")
        crossover = None
        for rate in rates:
            u = rng.random((SAMPLES, *xshape))
            x = np.where(u < rate / 2, 1.0, np.where(u < rate, -1.0, 0.0)).astype(np.float32)
            samples = os.path.join(WORK, f"{name}-{rate}.bin")
            x.tofile(samples)
            t = {i: layer_time(model, name, i, samples, a.cpu, a.passes) for i in impls}
            best = min(t, key=t.get)
            if best != "events" and crossover is None:
                crossover = rate
            print(f"{100 * rate:5.1f}% " + " ".join(f"{t[i]:9.2f}" for i in impls) + f"   {best}")
        if crossover is None:
            print("events fastest at every rate tried")
        elif crossover == rates[0]:
            print(f"events never fastest (down to {100 * rates[0]:g}%)")
        else:
            print(f"events fastest below {100 * crossover:g}% (of the rates tried)")


if __name__ == "__main__":
    sys.exit(main())
