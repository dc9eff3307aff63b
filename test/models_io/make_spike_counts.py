#!/usr/bin/python3
"""A spiking MLP whose outputs are its logits plus the spike count of each
neuron layer, for the multi-output API test (test/e2e/check_multi_io.sh).

    /usr/bin/python3 test/models_io/make_spike_counts.py OUTDIR

examples/pytorch's SpikingMLP (models.py, neuron.py), T = 2, time folded into
the batch, ternary spikes, untrained (seeded) weights, exported with opset 13.
forward returns, in this order:
  logits        float32 [1, 10]   the mean over the timesteps (through a float64
                                  round trip, as x.double() exports: Cast to
                                  double and back)
  count_sn1     int64   []        nonzero spikes of layer 1 over all timesteps
  count_sn2     float64 []        the same for layer 2, as a double
Writes spike_counts.onnx, spike_counts.input.bin (float32 [4, 1, 28, 28]) and
spike_counts.expected.bin: per sample, the 10 logits as float32, then count_sn1
as int64, then count_sn2 as float64 (PyTorch's values, eval mode).
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "pytorch"))

import models  # noqa: E402


class WithCounts(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = models.build("mlp", 2, "folded", "ternary", "layer", "function")
        self.spikes = {}
        for name in ("sn1", "sn2"):
            getattr(self.net, name).register_forward_hook(
                lambda m, i, o, name=name: self.spikes.__setitem__(name, o))

    def forward(self, x):
        logits = self.net(x).double().float()
        c1 = (self.spikes["sn1"].abs() > 0).float().sum().long()
        c2 = (self.spikes["sn2"].abs() > 0).float().sum().double()
        return logits, c1, c2


def main():
    out = sys.argv[1]
    torch.manual_seed(3)
    m = WithCounts().eval()
    with torch.no_grad():  # weights large enough for spikes without training
        for mod in m.modules():
            if isinstance(mod, torch.nn.Linear):
                mod.weight.mul_(4.0)
    x = torch.rand(4, 1, 28, 28)
    torch.onnx.export(m, x[:1], os.path.join(out, "spike_counts.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits", "count_sn1", "count_sn2"])
    x.numpy().astype(np.float32).tofile(os.path.join(out, "spike_counts.input.bin"))
    with open(os.path.join(out, "spike_counts.expected.bin"), "wb") as f, torch.no_grad():
        for s in range(len(x)):
            logits, c1, c2 = m(x[s: s + 1])
            f.write(logits.numpy().astype(np.float32).tobytes())
            f.write(np.array([c1.item()], dtype=np.int64).tobytes())
            f.write(np.array([c2.item()], dtype=np.float64).tobytes())
            print(f"sample {s}: counts {c1.item()} {c2.item()}")


if __name__ == "__main__":
    main()
