#!/usr/bin/python3
"""Writes the miscompilation regression models of test/regress.

Each model is a small ONNX graph that once compiled to wrong code (found by
differential testing against onnxruntime); check_regress.sh compiles it with
every target and every --spike-impl, and runs `tsnc run`, against the stored
reference outputs. For every model this script writes

  NAME.onnx          the graph (opset 13)
  NAME.input.bin     float32 samples of the input shape, back to back
  NAME.expected.bin  onnxruntime's outputs for them (float32, back to back)

The reference is onnxruntime (ort_outputs.js, npm onnxruntime-node), checked
here against a NumPy evaluation of the same graph written out by hand: the
two must agree exactly. Weights, amplitudes and thresholds are small dyadic
fractions, so every sum is exact in float32 whatever the order of additions,
and a firing threshold is never decided by rounding.

Run with Debian's python3 (python3-onnx, python3-numpy) and Node.js with
onnxruntime-node (npm install --ignore-scripts in bench/ort, or ORT_NODE_DIR):
    /usr/bin/python3 test/regress/make_models.py
The generated files are committed: CI has neither python3-onnx nor onnxruntime.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.dirname(os.path.abspath(__file__))
F = TensorProto.FLOAT
SAMPLES = 16


def dyadic(rng, shape, step, lo, hi):
    """Random multiples of `step` in [lo, hi], none zero (float32)."""
    v = rng.integers(int(lo / step), int(hi / step) + 1, size=shape).astype(np.float32) * step
    v[v == 0] = step
    return v.astype(np.float32)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def model(name, nodes, x_shape, y_shape, inits):
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", F, x_shape)],
                          [helper.make_tensor_value_info("y", F, y_shape)], initializer=inits)
    m = helper.make_model(g, producer_name="tsnc-regress", opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(m)
    return m


# ---- NumPy reference semantics (ONNX operator specs, written out) ----------


def ternary(v, up=0.5, down=-0.5):
    """Cast(v >= up) - Cast(v <= down)."""
    return (v >= up).astype(np.float32) - (v <= down).astype(np.float32)


def conv(x, w, b=None, stride=1, pad=0, dil=1):
    """ONNX Conv over the trailing 1 or 2 spatial axes, group 1, symmetric pads."""
    if x.ndim == 3:
        return _conv1d(x, w, b, stride, pad, dil)
    n, c, h, wd = x.shape
    m, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    y = np.zeros((n, m, oh, ow), np.float64)
    for oy in range(oh):
        for ox in range(ow):
            patch = xp[:, :, oy * stride:oy * stride + dil * (kh - 1) + 1:dil,
                       ox * stride:ox * stride + dil * (kw - 1) + 1:dil]
            y[:, :, oy, ox] = np.einsum("nckl,mckl->nm", patch, w)
    if b is not None:
        y += b[None, :, None, None]
    return y.astype(np.float32)


def _conv1d(x, w, b, stride, pad, dil):
    n, c, length = x.shape
    m, _, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    ol = (length + 2 * pad - dil * (k - 1) - 1) // stride + 1
    y = np.zeros((n, m, ol), np.float64)
    for o in range(ol):
        patch = xp[:, :, o * stride:o * stride + dil * (k - 1) + 1:dil]
        y[:, :, o] = np.einsum("nck,mck->nm", patch, w)
    if b is not None:
        y += b[None, :, None]
    return y.astype(np.float32)


def maxpool2(x):
    """MaxPool kernel 2x2, stride 2."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


# ---- the models -------------------------------------------------------------


def spike_matmul_nhwc(rng, reshape):
    """A spike Conv whose output choose-kernels stores channels-last, a ternary
    neuron, Flatten (or Reshape), then a bias-free Linear as MatMul: the spike
    matrix product must read the spikes in that order (tsnc.spike_matmul once
    ignored the layout and read (H, W, C) features as (C, H, W)). The Conv
    has 4 output channels, or 8 with Reshape (the AVX2 kernels' channels-last
    paths work on 8 channels at a time)."""
    m = 8 if reshape else 4
    k = m * 16
    w1 = dyadic(rng, (m, 2, 3, 3), 0.25, -1, 1)
    b1 = dyadic(rng, (m,), 0.25, -0.5, 0.5)
    w2 = dyadic(rng, (k, 5), 0.0625, -1, 1)
    nodes = [helper.make_node("Sign", ["x"], ["s0"], name="spikes_in"),
             helper.make_node("Conv", ["s0", "w1", "b1"], ["c1"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Constant", [], ["up"], name="k_up", value=helper.make_tensor("u", F, [], [0.5])),
             helper.make_node("Constant", [], ["down"], name="k_down",
                              value=helper.make_tensor("d", F, [], [-0.5])),
             helper.make_node("GreaterOrEqual", ["c1", "up"], ["ge"], name="ge"),
             helper.make_node("LessOrEqual", ["c1", "down"], ["le"], name="le"),
             helper.make_node("Cast", ["ge"], ["gef"], name="cast_ge", to=F),
             helper.make_node("Cast", ["le"], ["lef"], name="cast_le", to=F),
             helper.make_node("Sub", ["gef", "lef"], ["s1"], name="neuron")]
    inits = [init("w1", w1), init("b1", b1), init("w2", w2)]
    if reshape:
        nodes.append(helper.make_node("Reshape", ["s1", "shape"], ["flat"], name="reshape"))
        inits.append(numpy_helper.from_array(np.array([1, k], np.int64), "shape"))
    else:
        nodes.append(helper.make_node("Flatten", ["s1"], ["flat"], name="flatten", axis=1))
    nodes.append(helper.make_node("MatMul", ["flat", "w2"], ["y"], name="linear"))
    name = "spike_matmul_nhwc_reshape" if reshape else "spike_matmul_nhwc"
    graph = model(name, nodes, [1, 2, 4, 4], [1, 5], inits)

    def ref(x):
        s1 = ternary(conv(np.sign(x), w1, b1, pad=1))
        return s1.reshape(1, k) @ w2
    return name, graph, [1, 2, 4, 4], ref


def spike_conv1d(rng):
    """Two 1-D spike convolutions (Conv1d): padding, then stride 2 and dilation
    2. The spike convolution once took the channel stride of a rank-3 tensor
    from a fourth dimension that does not exist (0)."""
    w1 = dyadic(rng, (4, 3, 3), 0.25, -1, 1)
    b1 = dyadic(rng, (4,), 0.25, -0.5, 0.5)
    w2 = dyadic(rng, (5, 4, 3), 0.125, -1, 1)
    b2 = dyadic(rng, (5,), 0.125, -0.5, 0.5)
    nodes = [helper.make_node("Sign", ["x"], ["s0"], name="spikes_in"),
             helper.make_node("Conv", ["s0", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1]),
             helper.make_node("Constant", [], ["up"], name="k_up", value=helper.make_tensor("u", F, [], [0.5])),
             helper.make_node("Constant", [], ["down"], name="k_down",
                              value=helper.make_tensor("d", F, [], [-0.5])),
             helper.make_node("GreaterOrEqual", ["c1", "up"], ["ge"], name="ge"),
             helper.make_node("LessOrEqual", ["c1", "down"], ["le"], name="le"),
             helper.make_node("Cast", ["ge"], ["gef"], name="cast_ge", to=F),
             helper.make_node("Cast", ["le"], ["lef"], name="cast_le", to=F),
             helper.make_node("Sub", ["gef", "lef"], ["s1"], name="neuron"),
             helper.make_node("Conv", ["s1", "w2", "b2"], ["y"], name="conv2", pads=[2, 2], strides=[2],
                              dilations=[2])]
    m = model("spike_conv1d", nodes, [1, 3, 12], [1, 5, 6],
              [init("w1", w1), init("b1", b1), init("w2", w2), init("b2", b2)])

    def ref(x):
        s1 = ternary(conv(np.sign(x), w1, b1, pad=1))
        return conv(s1, w2, b2, stride=2, pad=2, dil=2)
    return "spike_conv1d", m, [1, 3, 12], ref


def alpha_neg_maxpool(rng):
    """Spikes times a per-channel amplitude with a negative entry, MaxPool,
    then a Conv: max(alpha * s) is alpha * min(s) where alpha < 0, so alpha
    must not move into the Conv's weights past the pooling (it once did
    whenever alpha was per channel)."""
    alpha = np.array([-0.5, 0.75], np.float32).reshape(2, 1, 1)
    w = dyadic(rng, (3, 2, 1, 1), 0.25, -1, 1)
    nodes = [helper.make_node("Sign", ["x"], ["s"], name="spikes"),
             helper.make_node("Mul", ["s", "alpha"], ["a"], name="amplitude"),
             helper.make_node("MaxPool", ["a"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p", "w"], ["y"], name="conv")]
    m = model("alpha_neg_maxpool", nodes, [1, 2, 4, 4], [1, 3, 2, 2], [init("alpha", alpha), init("w", w)])

    def ref(x):
        return conv(maxpool2(np.sign(x) * alpha), w)
    return "alpha_neg_maxpool", m, [1, 2, 4, 4], ref


def alpha_neg_global_maxpool(rng, scalar):
    """The same with GlobalMaxPool, Flatten and a Gemm; per-channel alpha
    [0.5, -1.25, 0.75], or the scalar -0.75 (always kept before the pool)."""
    alpha = np.array(-0.75 if scalar else [0.5, -1.25, 0.75], np.float32)
    if not scalar:
        alpha = alpha.reshape(3, 1, 1)
    w = dyadic(rng, (3, 4), 0.25, -1, 1)
    b = dyadic(rng, (4,), 0.25, -1, 1)
    nodes = [helper.make_node("Sign", ["x"], ["s"], name="spikes"),
             helper.make_node("Mul", ["s", "alpha"], ["a"], name="amplitude"),
             helper.make_node("GlobalMaxPool", ["a"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "w", "b"], ["y"], name="linear")]
    name = "alpha_neg_scalar_global_maxpool" if scalar else "alpha_neg_global_maxpool"
    m = model(name, nodes, [1, 3, 4, 4], [1, 4], [init("alpha", alpha), init("w", w), init("b", b)])

    def ref(x):
        p = (np.sign(x) * alpha).max(axis=(2, 3))
        return p @ w + b
    return name, m, [1, 3, 4, 4], ref


def fire_broadcast_where(rng):
    """Where(x >= 1, ones[3,8], 0): a firing function of x [1,8] whose result
    is broadcast to [3,8] (24 values; recognize-neurons once replaced it by
    tsnc.fire(x), 8 values)."""
    del rng
    nodes = [helper.make_node("Constant", [], ["one"], name="k_one", value=helper.make_tensor("o", F, [], [1.0])),
             helper.make_node("Constant", [], ["zero"], name="k_zero",
                              value=helper.make_tensor("z", F, [], [0.0])),
             helper.make_node("GreaterOrEqual", ["x", "one"], ["ge"], name="ge"),
             helper.make_node("Where", ["ge", "ones", "zero"], ["y"], name="fire")]
    m = model("fire_broadcast_where", nodes, [1, 8], [3, 8], [init("ones", np.ones((3, 8), np.float32))])

    def ref(x):
        return np.broadcast_to(np.where(x >= 1, 1.0, 0.0), (3, 8)).astype(np.float32)
    return "fire_broadcast_where", m, [1, 8], ref


def fire_broadcast_matmul(rng):
    """Cast(x > th) with th [3,1] (all 0.5) broadcasts x [1,8] to [3,8], then
    a MatMul: the spike layer reads 3 rows (recognize-neurons once dropped the
    broadcast: an internal type error, and wrong values in `tsnc run`)."""
    w = dyadic(rng, (8, 4), 0.125, -1, 1)
    nodes = [helper.make_node("Greater", ["x", "th"], ["gt"], name="gt"),
             helper.make_node("Cast", ["gt"], ["s"], name="fire", to=F),
             helper.make_node("MatMul", ["s", "w"], ["y"], name="linear")]
    m = model("fire_broadcast_matmul", nodes, [1, 8], [3, 4],
              [init("th", np.full((3, 1), 0.5, np.float32)), init("w", w)])

    def ref(x):
        return np.broadcast_to((x > 0.5).astype(np.float32), (3, 8)) @ w
    return "fire_broadcast_matmul", m, [1, 8], ref


def inputs(rng, shape):
    """Samples: normal values, with exact thresholds (0, +-0.5, +-1) mixed in."""
    x = rng.normal(0, 1, size=(SAMPLES,) + tuple(shape)).astype(np.float32)
    special = np.array([0.0, 0.5, -0.5, 1.0, -1.0], np.float32)
    mask = rng.random(x.shape) < 0.15
    x[mask] = rng.choice(special, size=int(mask.sum()))
    return x


def main():
    rng = np.random.default_rng(20261207)
    made = [spike_matmul_nhwc(rng, False), spike_matmul_nhwc(rng, True), spike_conv1d(rng),
            alpha_neg_maxpool(rng), alpha_neg_global_maxpool(rng, False), alpha_neg_global_maxpool(rng, True),
            fire_broadcast_where(rng), fire_broadcast_matmul(rng)]
    ort = os.path.join(OUT, "ort_outputs.js")
    for name, m, shape, ref in made:
        base = os.path.join(OUT, name)
        onnx.save(m, base + ".onnx")
        x = inputs(rng, shape)
        x.tofile(base + ".input.bin")
        subprocess.run(["node", ort, base + ".onnx", ",".join(map(str, shape)), base + ".input.bin",
                        base + ".expected.bin"], check=True)
        got = np.fromfile(base + ".expected.bin", np.float32)
        want = np.concatenate([ref(x[i]).ravel() for i in range(SAMPLES)]).astype(np.float32)
        if got.shape != want.shape or not np.array_equal(got, want):
            sys.exit(f"{name}: onnxruntime and the NumPy reference disagree:\n{got}\n{want}")
        print(f"wrote {name}: {SAMPLES} samples, {want.size // SAMPLES} outputs each")


if __name__ == "__main__":
    main()
