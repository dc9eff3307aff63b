"""Random valid ONNX spiking networks for differential testing (NNSmith-style).

generate(seed, avoid) builds one small network from a seed, shaped like what
torch.onnx.export writes for the spiking networks of examples/pytorch
(neuron.py, models.py): direct or temporal input encoding, time folded into
the batch ([T*B, ...], Reshape + per-step Gather + Unsqueeze/Concat) or an
explicit per-step graph, Conv 1-D/2-D (strides, pads, dilations, groups),
pooling, Gemm/MatMul, BatchNormalization, shape ops (Reshape, Flatten,
Transpose, Slice, Concat), broadcasting constants, residual additions, and
the spiking neuron (leak, threshold, hard reset) written in one of the
exporter's forms: compare + Cast + Sub, Sign + Where, the straight-through
estimator around either, opset 11's Not(Less); ternary or binary spikes;
alpha absent, per layer or per channel, possibly negative.

Two numeric modes:
- exact: every weight, input, alpha, threshold scale and leak is a dyadic
  rational with few bits, and the ops before the last neuron keep it so (no
  BatchNormalization, average pools over a power-of-two window), so every
  membrane potential is computed exactly in float32 by any summation order:
  onnxruntime and tsnc must agree on every spike, even on a potential that
  lands exactly on a threshold;
- float: random float32 values; a spike can then flip on a rounding
  difference, so the potentials of every neuron are exported as probes and
  samples whose potential comes within NEAR_EPS of a threshold are counted
  apart (run.py), not compared.

Every construct that exercises a known tsnc bug has a feature tag; avoid=
{tags} makes the generator build around it (KNOWN_ISSUES lists the tags of
bugs not fixed yet; run.py --avoid known uses that list).

The generator computes every shape itself (weights of later layers depend on
them); run.py checks the model's output shape against onnxruntime's.
"""
import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# Tags of constructs where tsnc differs from onnxruntime today. run.py's
# "--avoid known" expands to this list; delete an entry when its fix merges.
# Only a deliberate, documented difference is left (docs/limits.md).
KNOWN_ISSUES = {
    "nonfinite": "inf/NaN in the inputs: the fused neuron resets an infinite membrane and the "
                 "removed straight-through estimator maps NaN to 0 (docs/limits.md)",
}

# Every tag the generator sets (and can avoid): KNOWN_ISSUES plus these.
TAGS = dict(KNOWN_ISSUES, **{
    "nhwc-matmul": "spike Conv -> neuron -> Flatten/Reshape -> MatMul (channels-last spikes)",
    "conv1d": "a 1-D Conv that reads spikes",
    "neg-alpha-max": "negative per-channel alpha before MaxPool/GlobalMaxPool",
    "fire-broadcast": "a constant inside the firing expression that broadcasts (Where(v>=th, ones[S], 0))",
    "opset19": "opsets 19-21",
    "auto-pad": "Conv with auto_pad SAME_UPPER/SAME_LOWER/VALID",
    "avgpool": "AveragePool of spikes",
    "binary": "a binary neuron (v > th)",
    "bn": "BatchNormalization after a Conv/Gemm",
    "broadcast-mul": "Add/Mul of a broadcasting constant before a neuron (Mul: tagged)",
    "ceil-mode": "a pool with ceil_mode=1",
    "concat": "Concat of spike tensors (with itself, or with an earlier layer's spikes)",
    "conv2d-spike": "a 2-D Conv that reads spikes",
    "dilation": "a Conv with dilations > 1",
    "explicit": "explicit per-step graph",
    "node-order": "the nodes in a random topological order (an unrolled loop's step-major order among them)",
    "folded": "time folded into the batch [T*B, ...]",
    "gap": "GlobalAveragePool",
    "gemm-spike": "a Gemm that reads spikes",
    "gmp": "GlobalMaxPool",
    "groups": "a grouped Conv",
    "matmul-spike": "a MatMul that reads spikes",
    "maxpool": "MaxPool of spikes",
    "neg-alpha": "a negative alpha (scalar or per channel)",
    "opset18": "opset 18",
    "pad": "an explicit Pad before an AveragePool",
    "per-channel-alpha": "alpha per channel",
    "reset-soft": "a neuron that subtracts the threshold instead of resetting to 0",
    "reset-where": "a hard reset written Where(s == 0, u, 0)",
    "residual": "an identity shortcut Add of spikes",
    "sign-where": "firing as Where(|v| < th, 0, Sign(v))",
    "slice": "Slice of spikes",
    "spike-output": "the graph output is the spikes (alpha carried to the output)",
    "ste": "the straight-through form (s - clip(v)) + clip(v)",
    "temporal-input": "the input already has the time axis",
    "threshold": "a firing threshold other than 0.5",
    "transpose": "Transpose of spikes",
    "wide": "up to 24 channels / 48 features (SIMD remainders)",
})
ALL_TAGS = sorted(TAGS)

NEAR_EPS = 3e-5  # |v - threshold| below this (float mode): the sample is not compared

F32 = TensorProto.FLOAT
I64 = TensorProto.INT64


class Avoided(Exception):
    """The random choices ran into an avoided tag with no way around it."""


class Builder:
    """Accumulates nodes/initializers and tracks every tensor's shape."""

    def __init__(self, rng, opset, exact):
        self.rng, self.opset, self.exact = rng, opset, exact
        self.nodes, self.inits = [], []
        self.shape = {}
        self.count = 0
        self.tags = set()
        self.inexact_before_fire = False
        self.probes = []  # (tensor name, thresholds) of the potentials not computed exactly

    def fresh(self, base):
        self.count += 1
        return "%s_%d" % (base, self.count)

    # -- constants ---------------------------------------------------------
    def init(self, arr, base="w"):
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        self.shape[name] = tuple(np.asarray(arr).shape)
        return name

    def const(self, arr, base="c"):
        """A small constant as a Constant node (torch's way) or an initializer."""
        arr = np.asarray(arr)
        if self.rng.random() < 0.5:
            return self.init(arr, base)
        name = self.fresh(base)
        self.nodes.append(helper.make_node("Constant", [], [name],
                                           value=numpy_helper.from_array(arr, name + "_v")))
        self.shape[name] = tuple(arr.shape)
        return name

    def f32(self, v):
        return self.const(np.array(v, dtype=np.float32))

    def i64(self, v):
        return self.const(np.array(v, dtype=np.int64))

    def op(self, op_type, inputs, shape, base=None, **attrs):
        """Appends a node; shape None: the broadcast of the inputs' shapes (elementwise ops)."""
        if shape is None:
            shape = np.broadcast_shapes(*[self.shape[i] for i in inputs if i])
        out = self.fresh(base or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out + "_n", **attrs))
        self.shape[out] = tuple(shape)
        return out

    # -- random values -----------------------------------------------------
    def weights(self, shape, fan_in, gain=1.0):
        """Exact mode: multiples of a power of two near gain/sqrt(fan_in) / 4."""
        if self.exact:
            scale = 2.0 ** round(math.log2(gain * 2.0 / math.sqrt(max(fan_in, 1))))
            w = self.rng.integers(-4, 5, size=shape) * (scale / 4)
        else:
            w = self.rng.normal(0.0, gain * 1.2 / math.sqrt(max(fan_in, 1)), size=shape)
        return w.astype(np.float32)

    def bias(self, n):
        if self.exact:
            return (self.rng.integers(-4, 5, size=(n,)) / 8).astype(np.float32)
        return self.rng.normal(0.0, 0.3, size=(n,)).astype(np.float32)

    def pick(self, items, p=None):
        return items[self.rng.choice(len(items), p=p)]

    # -- opset-dependent ops -----------------------------------------------
    def step(self, x, t, T, shape):
        """Timestep t of x along axis 0 (Gather; the index sometimes negative, t - T)."""
        idx = t - T if self.rng.random() < 0.2 else t
        axis = -len(self.shape[x]) if self.rng.random() < 0.1 else 0
        return self.op("Gather", [x, self.i64(idx)], shape, axis=axis)

    def stack(self, xs, shape):
        """Concat along axis 0 (sometimes written as the negative axis)."""
        axis = -len(shape) if self.rng.random() < 0.2 else 0
        return self.op("Concat", list(xs), shape, axis=axis)

    def unsqueeze(self, x, axis):
        s = list(self.shape[x])
        s.insert(axis, 1)
        if axis == 0 and self.rng.random() < 0.2:
            axis = -len(s)  # the same axis, counted from the end
        if self.opset < 13:
            return self.op("Unsqueeze", [x], s, axes=[axis])
        return self.op("Unsqueeze", [x, self.i64([axis])], s)

    def squeeze(self, x, axis):
        s = list(self.shape[x])
        del s[axis]
        if self.opset < 13:
            return self.op("Squeeze", [x], s, axes=[axis])
        return self.op("Squeeze", [x, self.i64([axis])], s)

    def reduce_mean0(self, x):
        s = self.shape[x][1:]
        if self.opset < 18:
            return self.op("ReduceMean", [x], s, axes=[0], keepdims=0)
        return self.op("ReduceMean", [x, self.i64([0])], s, keepdims=0)

    def reshape(self, x, shape, dynamic_ok=True):
        """Reshape to a static shape; sometimes with a -1, sometimes with the
        shape computed at run time from Shape/Gather/Concat (as torch does)."""
        shape = [int(d) for d in shape]
        r = self.rng.random()
        if r < 0.3 and dynamic_ok and len(shape) >= 2:
            # shape[0] from Shape(x)[0] when the leading dims agree, else constant
            spec = list(shape)
            spec[self.rng.integers(len(spec))] = -1
            return self.op("Reshape", [x, self.i64(spec)], shape)
        if r < 0.5 and dynamic_ok:
            sh = self.op("Shape", [x], [len(self.shape[x])])
            parts = []
            for d in shape:
                parts.append(self.i64([d]))
            if self.shape[x] and shape and self.shape[x][-1] == shape[-1]:
                last = self.op("Slice", [sh, self.i64([-1]), self.i64([2 ** 31])], [1])
                parts[-1] = last
            cat = self.op("Concat", parts, [len(shape)], axis=0)
            return self.op("Reshape", [x, cat], shape)
        return self.op("Reshape", [x, self.i64(shape)], shape)


# ---------------------------------------------------------------------------
# Streams: a tensor over T timesteps, folded ([T*B, *S]) or explicit (T
# tensors [B, *S]). S is the shape of one sample at one step.

class Stream:
    def __init__(self, layout, names, S, T, B, spike=None):
        self.layout, self.names, self.S, self.T, self.B = layout, names, tuple(S), T, B
        # spike: None (analog) or dict(kind, alpha kind, neg, per_channel, src) for tags
        self.spike = spike

    def with_(self, names, S, spike=None):
        return Stream(self.layout, names, S, self.T, self.B, spike)


def apply(g, st, fn, S_out, keep_spike=False):
    """Applies fn(name) -> name to every step (shared weights: fn builds no weights)."""
    outs = [fn(n) for n in st.names]
    return st.with_(outs, S_out, st.spike if keep_spike else None)


def lead(st):
    return st.T * st.B if st.layout == "folded" else st.B


# ---------------------------------------------------------------------------
# Layers. Each returns a function of one step's tensor (weights built once).

def conv_layer(g, st, spatial_rank, analog, same=False):
    """same: cout = C, stride 1, odd kernel padded to keep the size (a residual block's conv)."""
    C = st.S[0]
    sizes = st.S[1:]
    rng = g.rng
    if same:
        k = [int(g.pick([1, 3, 3])) for _ in sizes]
        dil = [1] * len(sizes)
        pads = [(kk - 1) // 2 for kk in k] * 2
        stride = [1] * len(sizes)
        W = g.init(g.weights([C, C] + k, C * int(np.prod(k)) * 0.4, gain=1.6), "conv_w")
        attrs = dict(kernel_shape=k, strides=stride, pads=pads)
        S_out = st.S

        def fn_same(x):
            return g.op("Conv", [x, W], (g.shape[x][0],) + S_out, base="conv", **attrs)
        return fn_same, S_out
    for _ in range(20):
        groups = 1
        if rng.random() < 0.25 and "groups" not in g.avoid:
            divs = [d for d in range(2, C + 1) if C % d == 0]
            if divs:
                groups = int(g.pick(divs))
        # wide graphs: more channels than one vector of the SIMD kernels, with remainders
        cout = int(rng.integers(1, 25 if g.wide else 9))
        if groups > 1:
            cout = groups * int(rng.integers(1, 3))
        k = [int(rng.integers(1, 4)) for _ in sizes]
        stride = [int(g.pick([1, 1, 2, 3])) for _ in sizes]
        dil = [1] * len(sizes)
        if rng.random() < 0.2 and "dilation" not in g.avoid:
            dil = [int(rng.integers(1, 3)) for _ in sizes]
        pads = [int(rng.integers(0, 3)) for _ in range(2 * len(sizes))]
        auto_pad = None
        # (onnxruntime has no SAME padding with dilations)
        if rng.random() < 0.05 and "auto-pad" not in g.avoid and dil == [1] * len(sizes):
            auto_pad = g.pick(["SAME_UPPER", "SAME_LOWER", "VALID"])
        out = []
        ok = True
        for i, L in enumerate(sizes):
            ek = dil[i] * (k[i] - 1) + 1
            if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
                o = -(-L // stride[i])
            elif auto_pad == "VALID":
                o = (L - ek) // stride[i] + 1
            else:
                o = (L + pads[i] + pads[i + len(sizes)] - ek) // stride[i] + 1
            # every output must see at least one real input (pads < kernel)
            if o < 1 or pads[i] >= ek or pads[i + len(sizes)] >= ek:
                ok = False
            out.append(o)
        if ok:
            break
    else:
        raise Avoided("no valid conv")
    if groups > 1:
        g.tags.add("groups")
    if dil != [1] * len(sizes):
        g.tags.add("dilation")
    if auto_pad:
        g.tags.add("auto-pad")
    fan_in = (C // groups) * int(np.prod(k))
    rate = 1.0 if analog else 0.4
    W = g.init(g.weights([cout, C // groups] + k, fan_in * rate, gain=1.6), "conv_w")
    ins = [W]
    if rng.random() < 0.7:
        ins.append(g.init(g.bias(cout), "conv_b"))
    attrs = dict(kernel_shape=k, strides=stride)
    if auto_pad:
        attrs["auto_pad"] = auto_pad
    else:
        attrs["pads"] = pads
    if rng.random() < 0.7 or dil != [1] * len(sizes):
        attrs["dilations"] = dil
    if groups > 1 or rng.random() < 0.5:
        attrs["group"] = groups
    S_out = (cout,) + tuple(out)

    ident = st.layout == "explicit" and rng.random() < 0.3

    def fn(x):
        return g.op("Conv", [x] + weight_refs(g, ins, ident), (g.shape[x][0],) + S_out,
                    base="conv", **attrs)
    return fn, S_out


def weight_refs(g, ins, ident):
    """The weights as they are, or each step's own Identity of them (torch's explicit-time
    exports give every per-step copy of a layer an Identity of the shared initializer)."""
    if not ident:
        return ins
    return [g.op("Identity", [w], g.shape[w], base="wid") for w in ins]


def pool_layer(g, st, kind):
    rng = g.rng
    sizes = st.S[1:]
    for _ in range(20):
        k = [int(rng.integers(1, 4)) for _ in sizes]
        stride = [int(g.pick([1, 2, 2, 3])) for _ in sizes]
        pads = [int(rng.integers(0, k[i % len(sizes)])) for i in range(2 * len(sizes))]
        if rng.random() < 0.5:
            pads = [0] * len(pads)
        ceil = int(rng.random() < 0.2 and "ceil-mode" not in g.avoid)
        out = []
        ok = True
        for i, L in enumerate(sizes):
            span = L + pads[i] + pads[i + len(sizes)] - k[i]
            if span < 0:
                ok = False
                break
            o = (-(-span // stride[i]) if ceil else span // stride[i]) + 1
            if ceil and (o - 1) * stride[i] >= L + pads[i]:
                # a last window that starts in the end padding: runtimes disagree on
                # whether it exists (PyTorch drops it); stay clear of the question
                ok = False
            out.append(o)
        if ok:
            break
    else:
        raise Avoided("no valid pool")
    attrs = dict(kernel_shape=k, strides=stride, pads=pads)
    if ceil:
        attrs["ceil_mode"] = 1
        g.tags.add("ceil-mode")
    if kind == "AveragePool":
        cip = int(rng.random() < 0.5)
        if cip or rng.random() < 0.5:
            attrs["count_include_pad"] = cip
        area = int(np.prod(k))
        if area & (area - 1) or (any(pads) and not cip) or ceil:
            g.inexact_before_fire = True
    S_out = (st.S[0],) + tuple(out)
    # torch's AvgPool2d(padding=p) on opset 11+ may come as an explicit Pad of zeros and a
    # pool without pads (count_include_pad semantics); a Pad of zeros with all pads 0 too
    explicit_pad = (kind == "AveragePool" and attrs.get("count_include_pad", 0) == 1 and not ceil
                    and rng.random() < 0.4)
    if explicit_pad:
        n = len(sizes)
        padv = [0, 0] + pads[:n] + [0, 0] + pads[n:]
        attrs["pads"] = [0] * (2 * n)
        g.tags.add("pad")

    def fn(x):
        if explicit_pad:
            shp = g.shape[x][:2] + tuple(L + pads[i] + pads[i + len(sizes)] for i, L in enumerate(sizes))
            x = g.op("Pad", [x, g.i64(padv)], shp, mode="constant")
        return g.op(kind, [x], (g.shape[x][0],) + S_out, base=kind.lower(), **attrs)
    return fn, S_out


def gemm_layer(g, st, nout, analog):
    """[N, F] -> [N, nout] as Gemm (transB 0/1, bias or not, alpha/beta) or MatMul (+ Add)."""
    F = st.S[0]
    rng = g.rng
    rate = 1.0 if analog else 0.4
    use_matmul = rng.random() < 0.4
    if (use_matmul and st.spike and st.spike.get("flattened_spatial")
            and "nhwc-matmul" in g.avoid):
        use_matmul = False
    if use_matmul:
        W = g.init(g.weights([F, nout], F * rate), "mm_w")
        b = g.init(g.bias(nout), "mm_b") if rng.random() < 0.6 else None

        # torch's Linear on a [T, B, F] tensor exports a rank-3 MatMul
        rank3 = st.layout == "folded" and st.T > 1 and rng.random() < 0.3

        def fn(x):
            n = g.shape[x][0]
            if rank3:
                x = g.reshape(x, (st.T, n // st.T, F))
            y = g.op("MatMul", [x, W], g.shape[x][:-1] + (nout,), base="matmul")
            if b is not None:
                y = g.op("Add", [y, b], g.shape[y], base="bias")
            if rank3:
                y = g.reshape(y, (n, nout))
            return y
        return fn, (nout,), "MatMul"
    transB = int(rng.random() < 0.7)
    alpha = float(g.pick([1.0, 1.0, 0.5, 2.0]))
    beta = float(g.pick([1.0, 1.0, 0.5]))
    Wv = g.weights([F, nout], F * rate, gain=1.0 / alpha)
    W = g.init(Wv.T.copy() if transB else Wv, "gemm_w")
    ins = [W]
    if rng.random() < 0.7:
        bshape = g.pick([(nout,), (1, nout)])
        ins.append(g.init(g.bias(nout).reshape(bshape), "gemm_b"))
    attrs = {}
    if transB or rng.random() < 0.3:
        attrs["transB"] = transB
    if alpha != 1.0 or rng.random() < 0.3:
        attrs["alpha"] = alpha
    if beta != 1.0 or rng.random() < 0.3:
        attrs["beta"] = beta

    ident = st.layout == "explicit" and rng.random() < 0.3

    def fn(x):
        return g.op("Gemm", [x] + weight_refs(g, ins, ident), (g.shape[x][0], nout), base="gemm",
                    **attrs)
    return fn, (nout,), "Gemm"


def bn_layer(g, st):
    C = st.S[0]
    rng = g.rng
    scale = rng.uniform(0.5, 1.5, C).astype(np.float32)
    bias = rng.normal(0, 0.2, C).astype(np.float32)
    mean = rng.normal(0, 0.2, C).astype(np.float32)
    var = rng.uniform(0.5, 2.0, C).astype(np.float32)
    ins = [g.init(a, n) for a, n in ((scale, "bn_s"), (bias, "bn_b"), (mean, "bn_m"), (var, "bn_v"))]
    g.inexact_before_fire = True
    g.tags.add("bn")

    def fn(x):
        return g.op("BatchNormalization", [x] + ins, g.shape[x], base="bn", epsilon=1e-5)
    return fn


# ---------------------------------------------------------------------------
# The neuron

def alpha_value(g, C, rank_S):
    """None, a scalar or a per-channel array broadcasting against [N, *S]."""
    rng = g.rng
    kind = g.pick(["none", "layer", "layer", "channel", "channel"])
    if kind == "none":
        return None, kind, False
    neg_ok = "neg-alpha" not in g.avoid
    choices = [0.5, 0.75, 1.0, 1.25, 1.5, 2.0] if g.exact else None

    def one(n):
        if g.exact:
            v = np.array([g.pick(choices) for _ in range(n)], dtype=np.float32)
        else:
            v = rng.uniform(0.4, 2.0, n).astype(np.float32)
        if neg_ok and rng.random() < 0.3:
            v = v * np.where(rng.random(n) < 0.5, -1, 1).astype(np.float32)
        return v
    if kind == "layer":
        v = one(1)
        shape = g.pick([(), (1,)])
        return v.reshape(shape), kind, bool((v < 0).any())
    v = one(C)
    shape = (C,) + (1,) * (rank_S - 1)
    if rng.random() < 0.2:
        shape = (1,) + shape
    return v.reshape(shape), kind, bool((v < 0).any())


def fire(g, v, spike, form, th, ones_shape):
    """Spike tensor s (float) from the scaled potential v. ones_shape: the shape of the
    constant 1 of the Where forms (None: a scalar); it may broadcast v to a larger shape."""
    sh = None  # elementwise: the broadcast of the operands
    if spike == "binary":
        if form in ("cmp", "ste") or form == "sign-where":
            c = g.op("Greater", [v, g.f32(th)], sh, base="gt")
            s = g.op("Cast", [c], sh, base="cast", to=F32)
        elif form == "not-less":
            # v > th  ==  Not(v <= th): opset-11 style double negation
            c = g.op("LessOrEqual" if g.opset >= 12 else "Greater", [v, g.f32(th)], sh)
            if g.opset >= 12:
                c = g.op("Not", [c], sh)
            s = g.op("Cast", [c], sh, base="cast", to=F32)
        else:  # where
            c = g.op("Greater", [v, g.f32(th)], sh, base="gt")
            s = g.op("Where", [c, where_one(g, ones_shape), g.f32(0.0)], sh, base="where")
        if form == "ste":
            clip = g.op("Clip", [v, g.f32(0.0), g.f32(1.0)], sh, base="clip")
            d = g.op("Sub", [s, clip], sh)
            s = g.op("Add", [d, clip], sh, base="ste")
        return s
    # ternary
    if form in ("sign-where", "ste"):
        a = g.op("Abs", [v], sh)
        less = g.op("Less", [a, g.f32(th)], sh)
        sg = g.op("Sign", [v], sh)
        s = g.op("Where", [less, g.f32(0.0), sg], sh, base="where")
        if form == "ste":
            clip = g.op("Clip", [v, g.f32(-1.0), g.f32(1.0)], sh, base="clip")
            d = g.op("Sub", [s, clip], sh)
            s = g.op("Add", [d, clip], sh, base="ste")
        return s
    if form == "not-less" or g.opset < 12:  # GreaterOrEqual/LessOrEqual: opset 12
        ge = g.op("Not", [g.op("Less", [v, g.f32(th)], sh)], sh)
        le = g.op("Not", [g.op("Greater", [v, g.f32(-th)], sh)], sh)
    else:
        ge = g.op("GreaterOrEqual", [v, g.f32(th)], sh)
        le = g.op("LessOrEqual", [v, g.f32(-th)], sh)
    if form == "where":
        p = g.op("Where", [ge, where_one(g, ones_shape), g.f32(0.0)], sh, base="where")
        n = g.op("Where", [le, g.f32(1.0), g.f32(0.0)], sh, base="where")
    else:
        p = g.op("Cast", [ge], sh, to=F32)
        n = g.op("Cast", [le], sh, to=F32)
    return g.op("Sub", [p, n], sh, base="spike")


def where_one(g, ones_shape):
    """The constant 1 of a Where-form firing function: a scalar, or a tensor of ones
    (tag fire-broadcast) that broadcasts against the potential."""
    if ones_shape is None:
        return g.f32(1.0)
    g.tags.add("fire-broadcast")
    return g.const(np.ones(ones_shape, dtype=np.float32), "ones")


def neuron(g, st):
    """The spiking neuron over the stream's T steps; returns the spike stream alpha*s."""
    rng = g.rng
    spike = "ternary" if (rng.random() < 0.75 or "binary" in g.avoid) else "binary"
    forms = ["cmp", "cmp", "sign-where", "ste", "not-less", "where"]
    if spike == "binary":
        forms = ["cmp", "cmp", "ste", "not-less", "where"]
    forms = [f for f in forms if not (f in ("ste", "sign-where") and f in g.avoid)]
    form = g.pick(forms)
    if form == "ste":
        g.tags.add("ste")
    if form == "sign-where":
        g.tags.add("sign-where")
    if spike == "binary":
        g.tags.add("binary")
    if g.exact:
        vth = float(g.pick([1.0, 1.0, 0.5, 2.0]))
        decay = float(g.pick([0.25, 0.25, 0.5, 0.125]))
    else:
        vth = float(g.pick([1.0, 1.0, 0.8]))
        decay = float(g.pick([0.25, 0.25, 0.5, 0.3]))
    th = float(g.pick([0.5, 0.5, 0.5, 0.5, 1.0, 0.25]))
    if th != 0.5:
        g.tags.add("threshold")
    leak_form = int(rng.integers(3))
    reset = g.pick(["hard", "hard", "hard", "hard", "hard", "hard", "soft", "where"])
    if reset != "hard":
        g.tags.add("reset-" + reset)
    div = vth != 1.0 or rng.random() < 0.7
    C = st.S[0]
    alpha, akind, neg = alpha_value(g, C, len(st.S))
    if akind == "channel":
        g.tags.add("per-channel-alpha")
    if neg:
        g.tags.add("neg-alpha")
    alpha_name = g.init(alpha, "alpha") if alpha is not None else None
    if g.inexact_before_fire:
        g.exact_fire = False

    # per-step inputs
    T, B = st.T, st.B
    if st.layout == "folded":
        full = (T, B) + st.S
        xr = g.reshape(st.names[0], full)
        how = rng.random()
        if how < 0.7:
            xs = [g.step(xr, t, T, (B,) + st.S) for t in range(T)]
        elif how < 0.85 and T > 1:
            if g.opset < 13:
                parts = [g.fresh("split") for _ in range(T)]
                g.nodes.append(helper.make_node("Split", [xr], parts, axis=0, split=[1] * T))
            elif g.opset < 18 or rng.random() < 0.5:
                parts = [g.fresh("split") for _ in range(T)]
                g.nodes.append(helper.make_node("Split", [xr, g.i64([1] * T)], parts, axis=0))
            else:
                parts = [g.fresh("split") for _ in range(T)]
                g.nodes.append(helper.make_node("Split", [xr], parts, axis=0, num_outputs=T))
            for p in parts:
                g.shape[p] = (1, B) + st.S
            xs = [g.squeeze(p, 0) for p in parts]
        else:
            xs = [g.op("Slice", [xr, g.i64([t]), g.i64([t + 1]), g.i64([0])], (1, B) + st.S)
                  for t in range(T)]
            xs = [g.reshape(x, (B,) + st.S, dynamic_ok=False) for x in xs]
    else:
        xs = list(st.names)

    outs = []
    u = None
    # the Where forms' constant 1: a scalar, a tensor of the potential's shape, or one
    # that enlarges its size-1 axes (the spikes are then larger than the potential)
    ones_shape = None
    if form == "where" and "fire-broadcast" not in g.avoid and rng.random() < 0.4:
        ones_shape = st.S
        if 1 in st.S and rng.random() < 0.6:
            ones_shape = tuple(2 if d == 1 else d for d in st.S)
    for t in range(T):
        if u is None:
            u = g.op("Add", [xs[t], g.f32(0.0)], None, base="u") if rng.random() < 0.7 else xs[t]
        else:
            d = g.f32(decay)
            m = g.op("Mul", [u, d] if leak_form != 2 else [d, u], None, base="leak")
            u = g.op("Add", [m, xs[t]] if leak_form != 1 else [xs[t], m], None, base="u")
        v = g.op("Div", [u, g.f32(vth)], None, base="v") if div else u
        # a potential computed exactly (dyadic values, no inexact op before it) must give
        # the same spikes everywhere, even on a threshold: no probe needed
        if not (g.exact and not g.inexact_before_fire):
            g.probes.append((v, [th] if spike == "binary" else [th, -th]))
        s = fire(g, v, spike, form, th, ones_shape)
        if t + 1 < T and reset == "hard":
            a = g.op("Abs", [s], None)
            keep = g.op("Sub", [g.f32(1.0), a], None)
            u = g.op("Mul", [u, keep], None, base="reset")
        elif t + 1 < T and reset == "soft":
            # subtract the threshold instead of resetting to 0 (not the paper's neuron:
            # must not be mistaken for it)
            u = g.op("Sub", [u, g.op("Mul", [s, g.f32(vth)], None)], None, base="reset")
        elif t + 1 < T:
            fired = g.op("Equal", [s, g.f32(0.0)], None)
            u = g.op("Where", [fired, u, g.f32(0.0)], None, base="reset")
        if alpha_name is not None:
            ins = [s, alpha_name] if rng.random() < 0.8 else [alpha_name, s]
            s = g.op("Mul", ins, None, base="o")
        outs.append(s)
    info = dict(kind=spike, alpha=akind, neg=neg, spatial=len(st.S) > 1)
    sh = g.shape[outs[-1]]
    S_out = sh[1:]
    if st.layout == "folded":
        ys = [g.unsqueeze(o, 0) for o in outs]
        cat = g.stack(ys, (T,) + sh) if T > 1 else ys[0]
        y = g.reshape(cat, (T * B,) + S_out)
        return st.with_([y], S_out, info)
    if rng.random() < 0.5 and T > 1:
        # torch's PerStep: stack the steps, the next layer gathers each one
        ys = [g.unsqueeze(o, 0) for o in outs]
        cat = g.stack(ys, (T,) + sh)
        outs = [g.step(cat, t, T, sh) for t in range(T)]
    return st.with_(outs, S_out, info)


# ---------------------------------------------------------------------------

def encode_input(g, layout, T, B, S0, temporal):
    """The graph input and the stream the first layer reads."""
    if temporal:
        g.tags.add("temporal-input")
        if layout == "folded":
            shape = (T * B,) + S0
            g.shape["input"] = shape
            return shape, Stream(layout, ["input"], S0, T, B)
        shape = (T, B) + S0
        g.shape["input"] = shape
        names = [g.step("input", t, T, (B,) + S0) for t in range(T)]
        return shape, Stream(layout, names, S0, T, B)
    shape = (B,) + S0
    g.shape["input"] = shape
    if layout == "folded":
        x = g.unsqueeze("input", 0)
        r = g.rng.random()
        if r < 0.4:
            rep = g.op("Tile", [x, g.i64([T] + [1] * (len(S0) + 1))], (T,) + shape)
        elif r < 0.7:
            rep = g.op("Expand", [x, g.i64([T] + [1] * (len(S0) + 1))], (T,) + shape)
        else:
            rep = g.stack([x] * T, (T,) + shape) if T > 1 else x
        y = g.reshape(rep, (T * B,) + S0)
        return shape, Stream(layout, [y], S0, T, B)
    if g.rng.random() < 0.5:
        return shape, Stream(layout, ["input"] * T, S0, T, B)
    xs = [g.unsqueeze("input", 0) for _ in range(T)]
    cat = g.stack(xs, (T,) + shape) if T > 1 else xs[0]
    names = [g.step(cat, t, T, shape) for t in range(T)]
    return shape, Stream(layout, names, S0, T, B)


def shape_op(g, st):
    """Transpose, Slice, Concat or Reshape of a spike stream; keeps it spiking."""
    rng = g.rng
    S = st.S
    r = rng.random()
    if r < 0.3 and len(S) >= 2 and "transpose" not in g.avoid:
        # permute the non-batch axes; usually channels stay first
        if rng.random() < 0.7:
            rest = list(range(1, len(S)))
            rng.shuffle(rest)
            permS = [0] + rest
        else:
            permS = [int(a) for a in rng.permutation(len(S))]
        perm = [0] + [a + 1 for a in permS]
        S2 = tuple(S[a] for a in permS)
        g.tags.add("transpose")
        out = apply(g, st, lambda x: g.op("Transpose", [x], (g.shape[x][0],) + S2, perm=perm),
                    S2, keep_spike=True)
        return out if permS[0] == 0 else _drop(out)
    if r < 0.55 and "slice" not in g.avoid:
        ax = int(rng.integers(0, len(S)))
        L = S[ax]
        if L < 2:
            return st
        start = int(rng.integers(0, L - 1))
        end = int(rng.integers(start + 1, L + 1))
        step = 1
        if rng.random() < 0.3:
            step = int(rng.integers(1, 3))
        n = len(range(start, end, step))
        S2 = S[:ax] + (n,) + S[ax + 1:]
        ins = [g.i64([start]), g.i64([end if rng.random() < 0.8 or end < L else 2 ** 40]),
               g.i64([ax + 1 if rng.random() < 0.7 else ax + 1 - (len(S) + 1)])]
        if step != 1 or rng.random() < 0.3:
            ins.append(g.i64([step]))
        g.tags.add("slice")
        keep = ax != 0
        out = apply(g, st, lambda x: g.op("Slice", [x] + ins, (g.shape[x][0],) + S2), S2, True)
        return out if keep else _drop(out)
    if r < 0.75 and "concat" not in g.avoid:
        # with itself along one axis (channels: the same spikes twice)
        ax = int(rng.integers(0, len(S)))
        S2 = S[:ax] + (2 * S[ax],) + S[ax + 1:]
        g.tags.add("concat")
        out = apply(g, st, lambda x: g.op("Concat", [x, x], (g.shape[x][0],) + S2, axis=ax + 1), S2, True)
        return out if ax != 0 else _drop(out)
    if len(S) == 3:
        # [C, H, W] -> [C, H*W]: a 1-D signal
        S2 = (S[0], S[1] * S[2])
        return apply(g, st, lambda x: g.reshape(x, (g.shape[x][0],) + S2), S2, True)
    return st


def _drop(st):
    """A shape op that moved the channel axis: per-channel alpha no longer lines up with axis 1
    for tagging purposes."""
    if st.spike:
        st.spike = dict(st.spike, moved=True)
    return st


def to_features(g, st):
    """[C, ...] -> [F] by Flatten, Reshape, GlobalAveragePool or GlobalMaxPool."""
    rng = g.rng
    r = rng.random()
    if r < 0.35:
        kind = "GlobalAveragePool" if rng.random() < 0.6 else "GlobalMaxPool"
        if kind == "GlobalMaxPool" and st.spike and st.spike["neg"] and st.spike["alpha"] == "channel":
            if "neg-alpha-max" in g.avoid:
                kind = "GlobalAveragePool"
            else:
                g.tags.add("neg-alpha-max")
        g.tags.add("gap" if kind == "GlobalAveragePool" else "gmp")
        if kind == "GlobalAveragePool":
            area = int(np.prod(st.S[1:]))
            if area & (area - 1):
                g.inexact_before_fire = True
        S1 = (st.S[0],) + (1,) * (len(st.S) - 1)
        st2 = apply(g, st, lambda x: g.op(kind, [x], (g.shape[x][0],) + S1), S1, keep_spike=False)
        S2 = (st.S[0],)
        if rng.random() < 0.5:
            return apply(g, st2, lambda x: g.op("Flatten", [x], (g.shape[x][0],) + S2, axis=1), S2), "pool"
        return apply(g, st2, lambda x: g.reshape(x, (g.shape[x][0],) + S2), S2), "pool"
    F = int(np.prod(st.S))
    if rng.random() < 0.6:
        out = apply(g, st, lambda x: g.op("Flatten", [x], (g.shape[x][0], F), axis=1), (F,), True)
    else:
        out = apply(g, st, lambda x: g.reshape(x, (g.shape[x][0], F)), (F,), True)
    if out.spike and len(st.S) >= 2:
        out.spike = dict(out.spike, flattened_spatial=True)
    return out, "flatten"


def spike_pool(g, st):
    """An average or max pool of a spike stream (tags neg-alpha-max when it applies)."""
    kind = g.pick(["AveragePool", "MaxPool"])
    if kind == "MaxPool" and st.spike and st.spike["neg"] and st.spike["alpha"] == "channel":
        if "neg-alpha-max" in g.avoid:
            kind = "AveragePool"
        else:
            g.tags.add("neg-alpha-max")
    if kind == "MaxPool" and "maxpool" in g.avoid:
        kind = "AveragePool"
    if kind == "AveragePool" and "avgpool" in g.avoid:
        return st
    g.tags.add("maxpool" if kind == "MaxPool" else "avgpool")
    fn, S2 = pool_layer(g, st, kind)
    return apply(g, st, fn, S2, keep_spike=kind == "MaxPool")


def build(seed, avoid=()):
    rng = np.random.default_rng(seed)
    avoid = set(avoid)
    opsets = [11, 13, 13, 17, 17]
    if "opset18" not in avoid:
        opsets.append(18)
    if "opset19" not in avoid and rng.random() < 0.3:
        opsets += [19, 20, 21]
    opset = int(opsets[rng.integers(len(opsets))])
    exact = rng.random() < 0.7
    g = Builder(rng, opset, exact)
    g.wide = rng.random() < 0.3
    if g.wide:
        g.tags.add("wide")
    g.avoid = avoid
    g.exact_fire = True
    if opset == 18:
        g.tags.add("opset18")
    if opset >= 19:
        g.tags.add("opset19")
    layouts = [l for l in ("folded", "explicit") if l not in avoid] or ["folded"]
    layout = g.pick(layouts)
    g.tags.add(layout)
    T = int(g.pick([1, 2, 2, 3, 4]))
    B = int(g.pick([1, 1, 1, 2]))
    dims = g.pick([0, 1, 2, 2, 2])  # spatial rank of the input
    if dims == 1 and "conv1d" in avoid and rng.random() < 0.5:
        dims = 2
    if dims == 0:
        S0 = (int(rng.integers(2, 33)),)
    elif dims == 1:
        S0 = (int(rng.integers(1, 5)), int(rng.integers(3, 17)))
    else:
        S0 = (int(rng.integers(1, 13 if g.wide else 5)), int(rng.integers(3, 11)), int(rng.integers(3, 11)))
    temporal = rng.random() < 0.2 and "temporal-input" not in avoid
    in_shape, st = encode_input(g, layout, T, B, S0, temporal)

    n_layers = int(rng.integers(1, 4))
    analog = True
    prev_spikes = None
    history = []
    for i in range(n_layers):
        if i > 0 and len(st.S) >= 2 and rng.random() < 0.4:
            st = spike_pool(g, st)
        if i > 0 and rng.random() < 0.4:
            st = shape_op(g, st)
        if i > 0 and st.spike and "concat" not in avoid and rng.random() < 0.3:
            # channel concat with an earlier spike stream of the same spatial shape
            # (a DenseNet-style skip: the two halves carry different alphas)
            olds = [o for o in history if o.S[1:] == st.S[1:] and o.names != st.names]
            if olds:
                o = olds[rng.integers(len(olds))]
                S2 = (st.S[0] + o.S[0],) + st.S[1:]
                first = rng.random() < 0.5
                g.tags.add("concat")
                st = st.with_([g.op("Concat", [a, b] if first else [b, a], (g.shape[a][0],) + S2, axis=1)
                               for a, b in zip(st.names, o.names)], S2,
                              dict(st.spike, neg=st.spike["neg"] or bool(o.spike and o.spike["neg"]),
                                   alpha="channel"))
        if i > 0 and len(st.S) >= 2 and rng.random() < 0.2:
            st, how = to_features(g, st)
        same = (prev_spikes is not None and prev_spikes.S == st.S and len(st.S) >= 2
                and "residual" not in avoid and rng.random() < 0.3)
        cur = layer(g, st, analog, same)
        if cur is None:
            break
        st_cur, kind = cur
        if len(st_cur.S) > 1 and rng.random() < 0.2:
            st_cur = apply(g, st_cur, bn_layer(g, st_cur), st_cur.S)
        if rng.random() < 0.25:
            # broadcasting constant: per-channel scale or bias
            C = st_cur.S[0]
            shape = g.pick([(C,) + (1,) * (len(st_cur.S) - 1), (1,) * len(st_cur.S), st_cur.S])
            cst = g.init(g.bias(int(np.prod(shape))).reshape(shape) + (0 if rng.random() < 0.6 else 1),
                         "bc")
            opn = g.pick(["Add", "Mul"])
            if opn == "Mul":
                g.tags.add("broadcast-mul")
            st_cur = apply(g, st_cur, lambda x: g.op(opn, [x, cst], g.shape[x], base="bcast"), st_cur.S)
        if (prev_spikes is not None and prev_spikes.S == st_cur.S and "residual" not in avoid
                and rng.random() < 0.6):
            g.tags.add("residual")
            pairs = list(zip(st_cur.names, prev_spikes.names))
            st_cur = st_cur.with_([g.op("Add", [a, b], g.shape[a], base="res") for a, b in pairs], st_cur.S)
        st = neuron(g, st_cur)
        prev_spikes = st
        history.append(st)
        analog = False

    # output: a classifier averaged over time, or the spikes themselves
    if rng.random() < 0.15 and "spike-output" not in avoid:
        g.tags.add("spike-output")
        out_st = st
        if st.layout == "folded":
            out = st.names[0]
        else:
            ys = [g.unsqueeze(o, 0) for o in st.names]
            out = g.stack(ys, (st.T,) + g.shape[st.names[0]]) if st.T > 1 else ys[0]
    else:
        if len(st.S) >= 2:
            st, _ = to_features(g, st)
        K = int(rng.integers(2, 11))
        fn, S2, kind = gemm_layer(g, st, K, analog=False)
        tag_spike_layer(g, st, kind)
        out_st = apply(g, st, fn, S2)
        if out_st.layout == "folded":
            r = g.reshape(out_st.names[0], (T, B, K))
            out = g.reduce_mean0(r)
        elif rng.random() < 0.5:
            ys = [g.unsqueeze(o, 0) for o in out_st.names]
            cat = g.stack(ys, (T, B, K)) if T > 1 else ys[0]
            out = g.reduce_mean0(cat)
        else:
            acc = out_st.names[0]
            for n in out_st.names[1:]:
                acc = g.op("Add", [acc, n], (B, K), base="sum")
            out = g.op("Div", [acc, g.f32(float(T))], (B, K), base="mean") if T > 1 else acc
    return g, in_shape, out


def tag_spike_layer(g, st, kind):
    """Tags for a Conv/Gemm/MatMul reading st (spikes or not)."""
    if not st.spike:
        return
    if kind == "MatMul":
        g.tags.add("matmul-spike")
        if st.spike.get("flattened_spatial"):
            g.tags.add("nhwc-matmul")
    elif kind == "Gemm":
        g.tags.add("gemm-spike")


def layer(g, st, analog, same=False):
    """The synaptic layer (Conv or Gemm/MatMul) of one block; None to stop."""
    rng = g.rng
    if len(st.S) >= 2:
        rank = len(st.S) - 1
        if rank == 1 and not analog and "conv1d" in g.avoid:
            # a spike 1-D conv is a known bug: go to features instead
            st, _ = to_features(g, st)
            return layer(g, st, analog)
        fn, S2 = conv_layer(g, st, rank, analog, same=same)
        if not analog:
            g.tags.add("conv1d" if rank == 1 else "conv2d-spike")
        return apply(g, st, fn, S2), "Conv"
    nout = int(rng.integers(2, 49 if g.wide else 33))
    fn, S2, kind = gemm_layer(g, st, nout, analog)
    if not analog:
        tag_spike_layer(g, st, kind)
    return apply(g, st, fn, S2), kind


def shuffled_topological(nodes, available, rng):
    """nodes in a random order in which every node comes after the producers of its inputs."""
    have, left, order = set(available), list(nodes), []
    while left:
        ready = [n for n in left if all(not i or i in have for i in n.input)]
        pick = ready[rng.integers(len(ready))]
        order.append(pick)
        left.remove(pick)
        have.update(pick.output)
    return order


def generate(seed, avoid=()):
    """One case: dict(model, probe_model, input_shape, samples, tags, exact, probes, seed).

    Retries internally (seed-derived) when the random choices meet an avoided
    construct. Raises Avoided if no valid graph came out after several tries."""
    avoid = set(avoid)
    for attempt in range(20):
        sub = seed if attempt == 0 else (seed, attempt)
        try:
            g, in_shape, out = build(np.random.SeedSequence(sub) if attempt else seed, avoid)
        except Avoided:
            continue
        if g.tags & avoid:
            continue
        break
    else:
        raise Avoided("seed %d: every attempt met an avoided construct" % seed)
    rng = g.rng
    nsamp = 6
    if g.exact:
        x = rng.integers(-12, 13, size=(nsamp,) + tuple(in_shape)) / 8
    else:
        x = rng.normal(0.0, 1.0, size=(nsamp,) + tuple(in_shape))
    x = x.astype(np.float32)
    if "nonfinite" not in avoid and rng.random() < 0.03:
        g.tags.add("nonfinite")
        flat = x.reshape(-1)
        idx = rng.integers(0, flat.size, size=2)
        flat[idx] = rng.choice([np.inf, -np.inf, np.nan], size=2)
    out_shape = g.shape[out]
    # Half the graphs list their nodes in another valid order, from an RNG of their own so that
    # the graph of every seed stays what it was: exporters write layer-major or step-major
    # orders of an unrolled time loop, and passes that move nodes must handle any.
    order_rng = np.random.default_rng([seed if isinstance(seed, int) else 0, 7])
    nodes = g.nodes
    if "node-order" not in avoid and order_rng.random() < 0.5:
        nodes = shuffled_topological(nodes, {"input"} | {t.name for t in g.inits}, order_rng)
        g.tags.add("node-order")
    graph = helper.make_graph(
        nodes, "difftest_%d" % seed,
        [helper.make_tensor_value_info("input", F32, list(in_shape))],
        [helper.make_tensor_value_info(out, F32, list(out_shape))],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", g.opset)],
                              producer_name="tsnc-difftest")
    # the IR version that each opset came with (onnxruntime checks it)
    model.ir_version = {19: 9, 20: 9, 21: 10}.get(g.opset, 8)
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    seen = {out}
    for name, _ in g.probes:
        if name not in seen and name != "input":
            seen.add(name)
            probe.graph.output.append(helper.make_tensor_value_info(name, F32, list(g.shape[name])))
    return dict(model=model, probe_model=probe, input_shape=tuple(in_shape), output_shape=out_shape,
                samples=x, tags=sorted(g.tags), exact=g.exact and g.exact_fire,
                probes=g.probes, seed=seed, opset=g.opset, output=out)
