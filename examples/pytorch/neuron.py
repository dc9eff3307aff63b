"""The ternary-spike neuron of Guo et al., "Ternary Spike: Learning Ternary
Spikes for Spiking Neural Networks" (AAAI 2024, arXiv 2312.06372), and its
binary baseline, as in the paper's public code:

    u[t] = decay * u[t-1] + x[t]             decay = 0.25, u[-1] = 0
    v[t] = u[t] / Vth                        Vth = 1.0
    s[t] = +1 if v[t] >= 0.5, -1 if v[t] <= -0.5, else 0     (ternary)
    s[t] =  1 if v[t] >  0.5, else 0                         (binary)
    u[t] = u[t] * (1 - |s[t]|)               hard reset to 0 after a spike
    o[t] = alpha * s[t]                      alpha: trainable amplitude

alpha is one scalar per layer (the paper), one value per channel (a common
variant), or absent (o = s, the usual binary network).

Two tensor layouts are supported, the two that occur in real exports:

- "folded": time folded into the batch. Every tensor between layers is
  [T*B, ...] (step-major: rows t*B .. t*B+B-1 are step t), so one Conv/Linear
  call covers all T steps. The neuron reshapes to [T, B, ...], loops over t
  and reshapes back.
- "explicit": an explicit time axis, [T, B, ...], and every layer applied once
  per step (see PerStep in models.py), which is how the paper's code runs.

Two ways of writing the firing function, which export to different ONNX
graphs (tsnc must recognise both):

- "function": s = (v >= 0.5) - (v <= -0.5) as float, trained through
  SpikeFunction with a rectangular surrogate gradient. In eval mode (and so in
  the ONNX export) the plain comparison is used: GreaterOrEqual, LessOrEqual,
  Cast, Sub.
- "ste": the straight-through form (s - clip(v)).detach() + clip(v), with
  s = Where(|v| < 0.5, 0, Sign(v)); its gradient is that of clip(v). The
  export keeps it in every mode: Sign, Abs, Less, Where, Clip, Sub, Add. In
  float32 it equals s only up to rounding (e.g. (1 - 0.7) + 0.7).
"""
import torch
from torch import nn

DECAY = 0.25
VTH = 1.0
SPIKE_KINDS = ("ternary", "binary")
ALPHA_KINDS = ("layer", "channel", "none")
LAYOUTS = ("folded", "explicit")
SPIKE_FORMS = ("function", "ste")


def fire_ternary(v):
    """Ternary firing rule on the scaled potential v = u / Vth: values in {-1, 0, 1}."""
    return (v >= 0.5).float() - (v <= -0.5).float()


def fire_binary(v):
    """Binary firing rule (strict threshold): values in {0, 1}."""
    return (v > 0.5).float()


class TernarySpike(torch.autograd.Function):
    """fire_ternary with a rectangular surrogate gradient: ds/dv = 1 for
    |v| < 1, i.e. a window of width 1 around each of the two thresholds."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return fire_ternary(v)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad * (v.abs() < 1.0).float()


class BinarySpike(torch.autograd.Function):
    """fire_binary with a rectangular surrogate gradient: ds/dv = 1 for 0 < v < 1."""

    @staticmethod
    def forward(ctx, v):
        ctx.save_for_backward(v)
        return fire_binary(v)

    @staticmethod
    def backward(ctx, grad):
        (v,) = ctx.saved_tensors
        return grad * ((v - 0.5).abs() < 0.5).float()


def fire_ste(v, kind):
    """Straight-through form: forward value s (up to float rounding), gradient of clip(v)."""
    if kind == "ternary":
        s = torch.where(v.abs() < 0.5, torch.zeros((), dtype=v.dtype), torch.sign(v))
        soft = torch.clamp(v, -1.0, 1.0)
    else:
        s = (v > 0.5).float()
        soft = torch.clamp(v, 0.0, 1.0)
    return (s - soft).detach() + soft


class SpikingNeuron(nn.Module):
    """One layer of neurons over T timesteps.

    Input: the layer's synaptic current, [T*B, C, ...] ("folded") or
    [T, B, C, ...] ("explicit"). Output: alpha * s in the same layout.
    channels is C (needed for per-channel alpha); channel_dims is the rank of
    one sample (3 for [C, H, W], 1 for [C]) so that a per-channel alpha gets the
    shape [C, 1, 1] or [C] and broadcasts over the spatial axes.
    """

    def __init__(self, T, layout="folded", spike="ternary", alpha="layer",
                 channels=None, channel_dims=3, form="function"):
        super().__init__()
        assert layout in LAYOUTS and spike in SPIKE_KINDS
        assert alpha in ALPHA_KINDS and form in SPIKE_FORMS
        self.T, self.layout, self.spike, self.form = T, layout, spike, form
        self.alpha_kind = alpha
        if alpha == "layer":
            self.alpha = nn.Parameter(torch.tensor(1.0))
        elif alpha == "channel":
            assert channels is not None
            shape = (channels,) + (1,) * (channel_dims - 1)
            self.alpha = nn.Parameter(torch.ones(shape))
        else:
            self.alpha = None

    def fire(self, v):
        if self.form == "ste":
            return fire_ste(v, self.spike)
        if self.training:
            fn = TernarySpike if self.spike == "ternary" else BinarySpike
            return fn.apply(v)
        return fire_ternary(v) if self.spike == "ternary" else fire_binary(v)

    def forward(self, x):
        if self.layout == "folded":
            xs = x.view(self.T, -1, *x.shape[1:])
        else:
            xs = x
        u = 0.0
        out = []
        for t in range(self.T):
            u = u * DECAY + xs[t]
            s = self.fire(u / VTH)
            u = u * (1.0 - s.abs())  # hard reset; unused after the last step
            out.append(s * self.alpha if self.alpha is not None else s)
        o = torch.stack(out)
        return o.flatten(0, 1) if self.layout == "folded" else o
