#!/usr/bin/python3
"""Paper-scale ternary-spike networks with random weights, for tsnc's tests and
benchmarks, exported the way examples/pytorch/make_models.py exports its
trained networks.

    /usr/bin/python3 bench/paper_models/make_paper_models.py --out DIR [--only NAME ...]
        [--samples N] [--list]

No CIFAR-10 or ImageNet data is available here, so nothing is trained:

- weights: PyTorch's default initialisation of Conv2d/Linear (Kaiming
  uniform, a = sqrt(5)); spike amplitudes alpha drawn uniformly from
  [0.6, 1.2] (per layer, or per channel with --alpha channel);
- inputs: random images, not a dataset: per channel, bilinearly upsampled
  uniform noise at 1/4 of the resolution plus 0.3 of per-pixel Gaussian
  noise, then normalised to zero mean and unit variance (the statistics of a
  normalised CIFAR-10 / ImageNet batch, with some spatial correlation);
- BatchNorm calibration: one eval-mode pass in the time-folded layout on
  16 calibration images (4 at 224x224; --calibration). Each BatchNorm first takes its running mean and
  variance from its input batch (all T steps, all pixels); then, before
  each neuron layer runs, the scale (gamma) of the BatchNorm(s) that feed
  its input current is set by bisection so that the layer's firing rate
  (fraction of nonzero ternary spikes over all T steps) is a target drawn
  uniformly from [0.22, 0.38]; the layer's input is recomputed with the new
  scale and the pass goes on, so later layers see calibrated spikes. Where
  an identity shortcut alone makes a layer fire more than the target, the
  scale goes to its lower bound and the rate stays above the target.
  The rates reported in NAME.json are measured again afterwards, in
  PyTorch, on the exported samples (not the calibration images).

Networks (SpikingNet, BasicBlock and the neuron come from examples/pytorch):

  resnet19  ResNet-19 as in TET / Ternary Spike: 3x3 stem 3->128, BasicBlock
            stages 128x3, 256x3 (stride 2), 512x2 (stride 2), global average
            pool, Linear 512->10; 32x32x3 input. --width scales the channels
            (16 gives 16/32/64 and 16->... a reduced ResNet-19 for tests).
  resnet20  ResNet-20: 3x3 stem 3->16, stages 16x3, 32x3 (stride 2), 64x3
            (stride 2), global average pool, Linear 64->10; 32x32x3.
  vgg11     VGG-11 with 2x2 average pooling: 64, A, 128, A, 256, 256, A,
            512, 512, A, 512, 512, A (A: average pooling), Linear 512->10;
            32x32x3.
  resnet34  ResNet-34 for ImageNet: 7x7 stride-2 stem 3->64, 3x3 stride-2 max
            pooling (of the stem's current, before its neuron), stages 64x3, 128x4 (stride 2), 256x6 (stride 2), 512x3
            (stride 2), global average pool, Linear 512->1000; 224x224x3.

Each conv is followed by BatchNorm (folded into the Conv by the exporter) and
each block's output by a neuron layer, as in the Ternary Spike code; 1x1
stride-2 conv + BN shortcuts where the shape changes. The neuron is the
paper's (examples/pytorch/neuron.py): decay 0.25, Vth 1.0, thresholds
+-0.5, hard reset, o = alpha * s; --spike binary gives the binary baseline.

Files per network NAME, into --out:
  NAME.onnx         torch.onnx.export, opset 13: input "input" [1,3,H,W],
                    output "logits" [1,classes] (the mean over the T steps)
  NAME.input.bin    float32 [N,3,H,W]: the N random samples (--samples)
  NAME.logits.bin   float32 [N,classes]: PyTorch's eval-mode logits, one
                    sample at a time
  NAME.labels.bin   uint8 [N]: PyTorch's own argmax (there are no labels;
                    the end-to-end test's "accuracy" is then argmax agreement)
  NAME.steps.bin    float32 [3T,N,classes]: the same network (same weights,
                    the explicit layout) run for 3T timesteps one step at a
                    time, membranes carried over: the classifier's output at
                    every step, not averaged (--no-steps: not written). The
                    mean of its first T steps is NAME.logits.bin up to float
                    rounding, which can flip a spike that sits on a threshold:
                    NAME.json's steps_vs_logits says how far they are apart
  NAME.json         shapes, T, layout, spike and alpha kinds, per-layer dense
                    MACs and input firing rates, per-neuron-layer rates of +1
                    and -1 spikes, the calibration targets, and what the
                    end-to-end test reads (tsnc_args, tsnc_thresholds)

Runs on the CPU with 2 threads. The big networks take a minute or two each
(ResNet-34's calibration runs 224x224 images through 36 neuron layers).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "pytorch"))

from models import BasicBlock, SpikingNet  # noqa: E402
from neuron import SpikingNeuron  # noqa: E402

RATE_RANGE = (0.22, 0.38)
ALPHA_RANGE = (0.6, 1.2)
TOL = 1e-4


class PaperNet(SpikingNet):
    """SpikingNet plus the per-step logits: steps(x) is [T, B, classes]."""

    spike_inputs = {}

    def forward(self, x):
        return self.decode(self.body(x))

    def steps(self, x):
        y = self.body(x)
        return y.view(self.T, -1, y.shape[-1]) if self.layout == "folded" else y

    def conv_bn_sn(self, cin, cout, k, stride, pad):
        return nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout), self.neuron(cout)


class SpikingResNetCifar(PaperNet):
    """3x3 stem, stages of BasicBlocks, global average pool, Linear (ResNet-19 and ResNet-20)."""

    def __init__(self, T, layout, spike, alpha, form, stem, stages, classes=10):
        super().__init__(T, layout, spike, alpha, form)
        self.conv, self.bn, self.sn = self.conv_bn_sn(3, stem, 3, 1, 1)
        blocks, cin, prev = [], stem, "sn"
        for si, (cout, n, stride) in enumerate(stages):
            for bi in range(n):
                blocks.append(BasicBlock(self, cin, cout, stride if bi == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)
        self.spike_inputs = {}
        for i, b in enumerate(blocks):
            self.spike_inputs[f"blocks.{i}.conv1"] = prev
            if b.down is not None:
                self.spike_inputs[f"blocks.{i}.down"] = prev
            self.spike_inputs[f"blocks.{i}.conv2"] = f"blocks.{i}.sn1"
            prev = f"blocks.{i}.sn2"
        self.spike_inputs["fc"] = prev

    def body(self, x):
        x = self.sn(self.per_step(lambda v: self.bn(self.conv(v)), self.encode(x)))
        x = self.blocks(x)
        return self.per_step(lambda v: self.fc(self.pool(v).flatten(1)), x)


class SpikingResNet34(PaperNet):
    """7x7 stride-2 stem, 3x3 stride-2 max pooling, neuron, stages 64x3, 128x4, 256x6, 512x3."""

    def __init__(self, T, layout, spike, alpha, form, width=64, classes=1000):
        super().__init__(T, layout, spike, alpha, form)
        w = width
        self.conv, self.bn, self.sn = self.conv_bn_sn(3, w, 7, 2, 3)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages = [(w, 3, 1), (2 * w, 4, 2), (4 * w, 6, 2), (8 * w, 3, 2)]
        blocks, cin, prev = [], w, "sn"
        self.spike_inputs = {}
        for cout, n, stride in stages:
            for bi in range(n):
                i = len(blocks)
                b = BasicBlock(self, cin, cout, stride if bi == 0 else 1)
                blocks.append(b)
                self.spike_inputs[f"blocks.{i}.conv1"] = prev
                if b.down is not None:
                    self.spike_inputs[f"blocks.{i}.down"] = prev
                self.spike_inputs[f"blocks.{i}.conv2"] = f"blocks.{i}.sn1"
                prev = f"blocks.{i}.sn2"
                cin = cout
        self.spike_inputs["fc"] = prev
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def body(self, x):
        # max pooling of the stem's current, before its neuron: pooling the ternary spikes
        # (the max of 9) would feed the identity shortcuts of the first stage ~70 % nonzero
        x = self.sn(self.per_step(lambda v: self.maxpool(self.bn(self.conv(v))), self.encode(x)))
        x = self.blocks(x)
        return self.per_step(lambda v: self.fc(self.pool(v).flatten(1)), x)


VGG11 = [64, "A", 128, "A", 256, 256, "A", 512, 512, "A", 512, 512, "A"]


class SpikingVGG11(PaperNet):
    """VGG-11 with 2x2 average pooling (conv-BN-neuron layers), Linear."""

    def __init__(self, T, layout, spike, alpha, form, width=64, classes=10):
        super().__init__(T, layout, spike, alpha, form)
        self.layers = nn.ModuleList()
        self.plan = []  # ("conv", index) or ("pool", None)
        cin, prev, self.spike_inputs = 3, None, {}
        for c in VGG11:
            if c == "A":
                self.plan.append(("pool", None))
                continue
            c = c * width // 64
            i = len(self.layers)
            conv, bn, sn = self.conv_bn_sn(cin, c, 3, 1, 1)
            self.layers.append(nn.ModuleDict(dict(conv=conv, bn=bn, sn=sn)))
            if prev:
                self.spike_inputs[f"layers.{i}.conv"] = prev
            prev = f"layers.{i}.sn"
            self.plan.append(("conv", i))
            cin = c
        self.spike_inputs["fc"] = prev
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(cin, classes)

    def body(self, x):
        x = self.encode(x)
        for kind, i in self.plan:
            if kind == "pool":
                x = self.per_step(self.pool, x)
            else:
                layer = self.layers[i]
                x = layer["sn"](self.per_step(lambda v, l=layer: l["bn"](l["conv"](v)), x))
        return self.per_step(lambda v: self.fc(v.flatten(1)), x)


ARCHS = {
    # name: (constructor(T, layout, spike, alpha, form, width), input H=W, default width)
    "resnet19": (lambda T, lay, sp, al, fo, w: SpikingResNetCifar(
        T, lay, sp, al, fo, 2 * w, [(2 * w, 3, 1), (4 * w, 3, 2), (8 * w, 2, 2)]), 32, 64),
    "resnet20": (lambda T, lay, sp, al, fo, w: SpikingResNetCifar(
        T, lay, sp, al, fo, w, [(w, 3, 1), (2 * w, 3, 2), (4 * w, 3, 2)]), 32, 16),
    "vgg11": (lambda T, lay, sp, al, fo, w: SpikingVGG11(T, lay, sp, al, fo, w), 32, 64),
    "resnet34": (lambda T, lay, sp, al, fo, w: SpikingResNet34(T, lay, sp, al, fo, w), 224, 64),
}

# The networks this script makes by default. "test": small enough to be
# committed in test/models and run by ctest; "bench": what bench/paper.sh
# times by default (ResNet-20 is the committed file).
NETWORKS = [
    dict(name="paper_resnet20_folded_t4", arch="resnet20", T=4, layout="folded", test=True, bench=True),
    dict(name="paper_resnet19w16_explicit_t2", arch="resnet19", T=2, layout="explicit", width=8,
         alpha="channel", test=True),
    dict(name="paper_resnet19_folded_t2", arch="resnet19", T=2, layout="folded", bench=True),
    dict(name="paper_vgg11_folded_t4", arch="vgg11", T=4, layout="folded", bench=True),
    dict(name="paper_resnet34_folded_t2", arch="resnet34", T=2, layout="folded", bench=True),
    # the other layout and T of each: bench/paper.sh -m NAME
    dict(name="paper_resnet19_explicit_t4", arch="resnet19", T=4, layout="explicit"),
    dict(name="paper_resnet20_explicit_t2", arch="resnet20", T=2, layout="explicit"),
    dict(name="paper_vgg11_explicit_t2", arch="vgg11", T=2, layout="explicit"),
    dict(name="paper_resnet34_explicit_t4", arch="resnet34", T=4, layout="explicit"),
]
DEFAULTS = dict(spike="ternary", alpha="layer", form="function", opset=13, seed=1, width=None, test=False,
                bench=False)


def network(name):
    for n in NETWORKS:
        if n["name"] == name:
            return {**DEFAULTS, **n}
    raise KeyError(f"no network {name!r}; known: {', '.join(n['name'] for n in NETWORKS)}")


def build(cfg, T=None, layout=None):
    make, _, width = ARCHS[cfg["arch"]]
    return make(T or cfg["T"], layout or cfg["layout"], cfg["spike"], cfg["alpha"], cfg["form"],
                cfg["width"] or width)


def random_images(n, size, gen):
    """n random 3-channel images [n,3,size,size]: smooth noise plus pixel noise, normalised per channel."""
    low = torch.rand(n, 3, size // 4, size // 4, generator=gen)
    x = F.interpolate(low, size=(size, size), mode="bilinear", align_corners=False)
    x = x + 0.3 * torch.randn(n, 3, size, size, generator=gen)
    x = (x - x.mean(dim=(0, 2, 3), keepdim=True)) / x.std(dim=(0, 2, 3), keepdim=True)
    return x.contiguous()


def randomise_alphas(model, gen):
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, SpikingNeuron) and mod.alpha is not None:
                mod.alpha.copy_(ALPHA_RANGE[0] + (ALPHA_RANGE[1] - ALPHA_RANGE[0]) *
                                torch.rand(mod.alpha.shape, generator=gen))


def feeding_bns(model):
    """For each neuron layer: the BatchNorm modules whose outputs sum into its input
    current, and whether an identity shortcut adds to it as well."""
    feeds = {}
    for name, mod in model.named_modules():
        if isinstance(mod, BasicBlock):
            feeds[mod.sn1] = ([mod.bn1], False)
            feeds[mod.sn2] = ([mod.bn2, mod.downbn], False) if mod.down is not None else ([mod.bn2], True)
    if hasattr(model, "sn"):
        feeds[model.sn] = ([model.bn], False)
    if isinstance(model, SpikingVGG11):
        for layer in model.layers:
            feeds[layer["sn"]] = ([layer["bn"]], False)
    return feeds


def firing_rate(neuron, current):
    """Fraction of nonzero spikes; forward() directly, as this runs inside the neuron's own hook."""
    return float((neuron.forward(current) != 0).float().mean())


@torch.no_grad()
def calibrate(model, x, gen):
    """One eval-mode pass (folded layout) that sets every BatchNorm's statistics from its
    input and each neuron layer's firing rate to a target in RATE_RANGE (module docstring)."""
    model.eval()
    feeds = feeding_bns(model)
    last_out, hooks, report = {}, [], []

    def bn_pre(mod, inputs):
        v = inputs[0]
        mod.running_mean.copy_(v.mean(dim=(0, 2, 3)))
        mod.running_var.copy_(v.var(dim=(0, 2, 3)))
        mod.weight.fill_(1.0)
        mod.bias.zero_()

    def bn_post(mod, inputs, out):
        last_out[mod] = out  # gamma = 1, beta = 0: the normalised input z

    def sn_pre(mod, inputs):
        cur = inputs[0]
        bns, identity = feeds[mod]
        # With gamma = 1 and beta = 0 the current is z itself (a sum of BatchNorm outputs,
        # max pooled in ResNet-34's stem: pooling commutes with a positive scale), plus the
        # identity shortcut where there is one.
        z = last_out[bns[0]] if identity else cur
        rest = cur - z if identity else torch.zeros_like(cur)
        target = float(RATE_RANGE[0] + (RATE_RANGE[1] - RATE_RANGE[0]) * torch.rand((), generator=gen))
        lo, hi = 0.02, 4.0
        for _ in range(20):
            g = (lo * hi) ** 0.5
            if firing_rate(mod, rest + g * z) > target:
                hi = g
            else:
                lo = g
        g = (lo * hi) ** 0.5
        for b in bns:
            b.weight.fill_(g)
        report.append(dict(target=round(target, 4), gamma=round(g, 4)))
        return (rest + g * z,)

    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            hooks.append(mod.register_forward_pre_hook(bn_pre))
            hooks.append(mod.register_forward_hook(bn_post))
        elif isinstance(mod, SpikingNeuron):
            hooks.append(mod.register_forward_pre_hook(sn_pre))
    model.body(x)
    for h in hooks:
        h.remove()
    return report


@torch.no_grad()
def layer_stats(model, x):
    """Per Conv2d/Linear: dense MACs per image (all T steps), the fraction of nonzero
    inputs and, for a layer fed by spikes, the neuron layer and its firing rate;
    per neuron layer: the fractions of +1 and -1 spikes (make_models.py's layer_stats)."""
    acc, hooks = {}, []

    def layer_hook(name, mod):
        def f(_, inputs, out):
            inp = inputs[0]
            per_out = mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1] \
                if isinstance(mod, nn.Conv2d) else mod.in_features
            a = acc.setdefault(name, dict(macs=0, nonzero=0, n=0))
            a["macs"] += out.numel() * per_out
            a["nonzero"] += int((inp != 0).sum())
            a["n"] += inp.numel()
        return f

    def neuron_hook(name):
        def f(_, inputs, out):
            a = acc.setdefault(name, dict(pos=0, neg=0, n=0))
            a["pos"] += int((out > 0).sum())
            a["neg"] += int((out < 0).sum())
            a["n"] += out.numel()
        return f

    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear)):
            hooks.append(mod.register_forward_hook(layer_hook(name, mod)))
        elif isinstance(mod, SpikingNeuron):
            hooks.append(mod.register_forward_hook(neuron_hook(name)))
    model.eval()
    model(x)
    for h in hooks:
        h.remove()
    neurons = {n: dict(name=n, rate_pos=round(a["pos"] / a["n"], 4), rate_neg=round(a["neg"] / a["n"], 4))
               for n, a in acc.items() if "pos" in a}
    for v in neurons.values():
        v["rate"] = round(v["rate_pos"] + v["rate_neg"], 4)
    layers = []
    for n, a in acc.items():
        if "macs" not in a:
            continue
        row = dict(name=n, macs_per_image=a["macs"] // len(x), input_nonzero=round(a["nonzero"] / a["n"], 4))
        src = model.spike_inputs.get(n)
        if src:
            row["spike_source"] = src
            row["spike_rate"] = neurons[src]["rate"]
        layers.append(row)
    return layers, list(neurons.values())


@torch.no_grad()
def one_at_a_time(fn, x):
    return torch.cat([fn(x[i: i + 1]) for i in range(len(x))])


@torch.no_grad()
def make(cfg, args, log):
    name, T = cfg["name"], cfg["T"]
    prefix = os.path.join(args.out, name)
    _, size, _ = ARCHS[cfg["arch"]]
    t0 = time.time()
    torch.manual_seed(cfg["seed"])
    gen = torch.Generator().manual_seed(cfg["seed"])
    model = build(cfg, layout="folded")  # calibration runs folded: one BatchNorm call per layer
    randomise_alphas(model, gen)
    cal = random_images(args.calibration or (4 if size > 64 else 16), size, gen)
    calibration = calibrate(model, cal, gen)
    state = model.state_dict()
    model = build(cfg)
    model.load_state_dict(state)
    model.eval()
    samples = random_images(args.samples, size, gen)
    logits = one_at_a_time(model, samples)
    steps = drift = None
    if not args.no_steps:
        stepper = build(cfg, T=3 * T, layout="explicit")
        stepper.load_state_dict(state)
        stepper.eval()
        steps = torch.cat([stepper.steps(samples[i: i + 1]) for i in range(len(samples))], dim=1)
        # The mean of the first T steps is the T-step network's logits up to float rounding,
        # which can flip a spike where a membrane sits on a threshold (the time-folded layout
        # runs each Conv on a batch of T*B, the stepped network on batches of B).
        drift = (steps[:T].mean(0) - logits).abs().amax(1)
    layers, neurons = layer_stats(model, samples)
    log(f"== {name}: firing rates " + " ".join(f"{100 * n['rate']:.0f}" for n in neurons) + " %")

    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, size, size), prefix + ".onnx", opset_version=cfg["opset"],
                      input_names=["input"], output_names=["logits"])
    samples.numpy().astype("<f4").tofile(prefix + ".input.bin")
    logits.numpy().astype("<f4").tofile(prefix + ".logits.bin")
    logits.argmax(1).numpy().astype(np.uint8).tofile(prefix + ".labels.bin")
    if steps is not None:
        steps.numpy().astype("<f4").tofile(prefix + ".steps.bin")
    classes = logits.shape[1]
    info = dict(
        name=name, dataset="random",
        input="random images (make_paper_models.py random_images): no dataset, weights not trained",
        input_shape=[1, 3, size, size], output_shape=[1, classes],
        timesteps=T, opset=cfg["opset"], architecture=cfg["arch"], width=cfg["width"] or ARCHS[cfg["arch"]][2],
        layout=cfg["layout"], spike_kind=cfg["spike"], alpha_kind=cfg["alpha"], spike_form=cfg["form"],
        samples=len(samples),
        parameters=sum(p.numel() for p in model.parameters()),
        calibration_images=len(cal), rate_range=list(RATE_RANGE), calibration=calibration,
        torch_version=torch.__version__, seconds=round(time.time() - t0, 1),
        layers=layers, neurons=neurons,
        # what test/e2e/run_model_e2e.sh reads (as for the trained networks); labels
        # are PyTorch's own argmax, so the accuracy criterion is argmax agreement
        tsnc_args=[], tsnc_thresholds=dict(min_close=0.99, min_argmax=0.995, max_acc_drop=0.002, tol=TOL),
    )
    if steps is not None:
        info["steps_shape"] = [3 * T, len(samples), classes]
        info["steps_vs_logits"] = dict(max_abs_diff=float(drift.max()), samples_within_tol=int((drift <= TOL).sum()))
    with open(prefix + ".json", "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="directory for the files")
    ap.add_argument("--only", nargs="*", help="network names (default: every network of NETWORKS)")
    ap.add_argument("--test", action="store_true", help="only the networks committed in test/models")
    ap.add_argument("--samples", type=int, default=8, help="random samples written (default 8)")
    ap.add_argument("--calibration", type=int, help="calibration images (default 16; 4 at 224x224)")
    ap.add_argument("--spike", choices=["ternary", "binary"],
                    help="override the spike kind (binary: the paper's baseline); NAME gets _binary")
    ap.add_argument("--alpha", choices=["layer", "channel", "none"],
                    help="override the kind of spike amplitude; NAME gets _alpha_KIND")
    ap.add_argument("--no-steps", action="store_true", help="do not write NAME.steps.bin (3T more steps per sample)")
    ap.add_argument("--list", action="store_true", help="list the networks and exit")
    ap.add_argument("--list-bench", action="store_true", help="list the networks bench/paper.sh times")
    args = ap.parse_args()
    if args.list or args.list_bench:
        for n in NETWORKS:
            if args.list or n.get("bench"):
                print(n["name"])
        return
    if not args.out:
        ap.error("--out is required")
    torch.set_num_threads(2)
    os.makedirs(args.out, exist_ok=True)
    cfgs = [network(n) for n in args.only] if args.only else [{**DEFAULTS, **n} for n in NETWORKS]
    if args.test:
        cfgs = [c for c in cfgs if c["test"]]
    if args.spike and args.spike != "ternary":
        cfgs = [dict(c, spike=args.spike, name=c["name"] + "_" + args.spike) for c in cfgs]
    if args.alpha:
        cfgs = [dict(c, alpha=args.alpha, name=c["name"] + "_alpha_" + args.alpha) for c in cfgs]
    for cfg in cfgs:
        make(cfg, args, lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
