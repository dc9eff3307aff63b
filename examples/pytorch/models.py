"""Small spiking networks for 28x28 Fashion-MNIST images, in both layouts.

Every network takes a batch of images [B, 1, 28, 28] and returns logits
[B, 10]. Inside, the image is repeated at every timestep (direct encoding),
the layers run over T steps and the classifier's outputs are averaged over
the steps, as in the paper.

Layouts (see neuron.py): "folded" keeps tensors as [T*B, ...] so that one
Conv/Linear/BatchNorm call covers all steps; "explicit" keeps [T, B, ...] and
calls every layer once per step (SpikingNet.per_step), which torch.onnx.export
unrolls into T copies of each Conv/Gemm.

Architectures:
  resnet  the paper's ResNet block (conv-BN-neuron-conv-BN, plus shortcut,
          then neuron) at small scale: a strided conv-BN-neuron stem, one identity
          block, one downsampling block whose shortcut is a strided 1x1
          conv + BN, global average pooling, Linear.
  vgg     conv-BN-neuron layers with 2x2 average pooling between spike layers.
  cnn     two conv-BN-neuron layers, each followed by 2x2 max or average
          pooling, then Linear.
  mlp     Linear-BN-neuron twice, then Linear.
  paper   the network of the shipped models/fmnist_paper_t2 (trained outside
          this directory), rebuilt from its export's node names: three
          conv-neuron layers, 2x2 average pooling after the second and third,
          Linear; its BatchNormalization, if it had one, is folded into the
          convolutions' biases by the exporter, so the convolutions here have
          biases and no BatchNorm follows them.
"""
import torch
from torch import nn

from neuron import SpikingNeuron


class SpikingNet(nn.Module):
    """Shared plumbing: encoding, per-step application, decoding, neuron factory.

    spike_inputs maps each Conv/Linear that consumes spikes to the neuron layer
    whose spikes reach it (directly or through pooling); make_models.py uses it
    to report the firing rate that drives each layer's event-driven cost.
    """

    spike_inputs = {}

    def __init__(self, T, layout, spike, alpha, form):
        super().__init__()
        self.T, self.layout = T, layout
        self._neuron_args = dict(T=T, layout=layout, spike=spike, alpha=alpha, form=form)

    def neuron(self, channels, channel_dims=3):
        return SpikingNeuron(channels=channels, channel_dims=channel_dims, **self._neuron_args)

    def encode(self, x):
        """Direct encoding: [B, ...] -> [T*B, ...] (folded) or [T, B, ...] (explicit)."""
        if self.layout == "folded":
            return x.unsqueeze(0).repeat(self.T, *([1] * x.dim())).flatten(0, 1)
        return torch.stack([x] * self.T)

    def per_step(self, fn, x):
        """Apply a non-spiking layer (Conv+BN, pooling, Linear) to every step."""
        if self.layout == "folded":
            return fn(x)
        return torch.stack([fn(x[t]) for t in range(self.T)])

    def decode(self, y):
        """Classifier outputs of every step -> their mean over the T steps, [B, 10]."""
        if self.layout == "folded":
            y = y.view(self.T, -1, y.shape[-1])
        return y.mean(0)


class BasicBlock(nn.Module):
    """conv3x3-BN-neuron-conv3x3-BN, plus shortcut, then neuron (the paper's block).
    The shortcut is the identity, or a strided 1x1 conv + BN when the shape changes."""

    def __init__(self, net, cin, cout, stride):
        super().__init__()
        self.net = [net]  # a list, so that the parent is not registered as a child module
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.sn1 = net.neuron(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Conv2d(cin, cout, 1, stride, 0, bias=False)
            self.downbn = nn.BatchNorm2d(cout)
        self.sn2 = net.neuron(cout)

    def forward(self, x):
        step = self.net[0].per_step
        y = self.sn1(step(lambda v: self.bn1(self.conv1(v)), x))
        y = step(lambda v: self.bn2(self.conv2(v)), y)
        shortcut = x if self.down is None else step(lambda v: self.downbn(self.down(v)), x)
        return self.sn2(y + shortcut)


class SpikingResNet(SpikingNet):
    spike_inputs = {"block1.conv1": "sn", "block1.conv2": "block1.sn1", "block2.conv1": "block1.sn2",
                    "block2.down": "block1.sn2", "block2.conv2": "block2.sn1", "fc": "block2.sn2"}

    def __init__(self, T, layout, spike, alpha, form, c1=16, c2=32):
        super().__init__(T, layout, spike, alpha, form)
        self.conv = nn.Conv2d(1, c1, 3, 2, 1, bias=False)  # 28x28 -> 14x14
        self.bn = nn.BatchNorm2d(c1)
        self.sn = self.neuron(c1)
        self.block1 = BasicBlock(self, c1, c1, 1)  # 14x14, identity shortcut
        self.block2 = BasicBlock(self, c1, c2, 2)  # 7x7, strided 1x1 conv shortcut
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c2, 10)

    def forward(self, x):
        x = self.sn(self.per_step(lambda v: self.bn(self.conv(v)), self.encode(x)))
        x = self.block2(self.block1(x))
        x = self.per_step(lambda v: self.fc(self.pool(v).flatten(1)), x)
        return self.decode(x)


class SpikingVGG(SpikingNet):
    """conv(1->c1)-BN-neuron, avgpool, conv(c1->c2)-BN-neuron, conv(c2->c2)-BN-neuron, avgpool, Linear."""

    spike_inputs = {"conv2": "sn1", "conv3": "sn2", "fc": "sn3"}

    def __init__(self, T, layout, spike, alpha, form, c1=16, c2=32):
        super().__init__(T, layout, spike, alpha, form)
        self.conv1, self.bn1, self.sn1 = nn.Conv2d(1, c1, 3, 1, 1, bias=False), nn.BatchNorm2d(c1), self.neuron(c1)
        self.conv2, self.bn2, self.sn2 = nn.Conv2d(c1, c2, 3, 1, 1, bias=False), nn.BatchNorm2d(c2), self.neuron(c2)
        self.conv3, self.bn3, self.sn3 = nn.Conv2d(c2, c2, 3, 1, 1, bias=False), nn.BatchNorm2d(c2), self.neuron(c2)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(c2 * 7 * 7, 10)

    def forward(self, x):
        s = self.per_step
        x = self.sn1(s(lambda v: self.bn1(self.conv1(v)), self.encode(x)))              # 28x28
        x = self.sn2(s(lambda v: self.bn2(self.conv2(self.pool(v))), x))                # 14x14
        x = self.sn3(s(lambda v: self.bn3(self.conv3(v)), x))
        x = s(lambda v: self.fc(self.pool(v).flatten(1)), x)                            # 7x7
        return self.decode(x)


class SpikingCNN(SpikingNet):
    """conv(1->c1)-BN-neuron-pool, conv(c1->c2)-BN-neuron-pool, Linear; pool is 2x2 max or average."""

    spike_inputs = {"conv2": "sn1", "fc": "sn2"}

    def __init__(self, T, layout, spike, alpha, form, pool="max", c1=16, c2=32):
        super().__init__(T, layout, spike, alpha, form)
        self.conv1, self.bn1, self.sn1 = nn.Conv2d(1, c1, 3, 1, 1, bias=False), nn.BatchNorm2d(c1), self.neuron(c1)
        self.conv2, self.bn2, self.sn2 = nn.Conv2d(c1, c2, 3, 1, 1, bias=False), nn.BatchNorm2d(c2), self.neuron(c2)
        self.pool = nn.MaxPool2d(2) if pool == "max" else nn.AvgPool2d(2)
        self.fc = nn.Linear(c2 * 7 * 7, 10)

    def forward(self, x):
        s = self.per_step
        x = self.sn1(s(lambda v: self.bn1(self.conv1(v)), self.encode(x)))
        x = self.sn2(s(lambda v: self.bn2(self.conv2(self.pool(v))), x))
        x = s(lambda v: self.fc(self.pool(v).flatten(1)), x)
        return self.decode(x)


class SpikingMLP(SpikingNet):
    """Linear(784->h1)-BN-neuron, Linear(h1->h2)-BN-neuron, Linear(h2->10)."""

    spike_inputs = {"fc2": "sn1", "fc3": "sn2"}

    def __init__(self, T, layout, spike, alpha, form, h1=128, h2=64):
        super().__init__(T, layout, spike, alpha, form)
        self.fc1, self.bn1, self.sn1 = nn.Linear(784, h1), nn.BatchNorm1d(h1), self.neuron(h1, 1)
        self.fc2, self.bn2, self.sn2 = nn.Linear(h1, h2), nn.BatchNorm1d(h2), self.neuron(h2, 1)
        self.fc3 = nn.Linear(h2, 10)

    def forward(self, x):
        s = self.per_step
        x = self.sn1(s(lambda v: self.bn1(self.fc1(v.flatten(1))), self.encode(x)))
        x = self.sn2(s(lambda v: self.bn2(self.fc2(v)), x))
        return self.decode(s(self.fc3, x))


class SpikingPaperCNN(SpikingNet):
    """conv(1->32)-neuron, conv(32->32)-neuron, avgpool, conv(32->64)-neuron, avgpool,
    Linear(64*7*7 -> 10); module names c1, l1, ... as in models/fmnist_paper_t2.onnx."""

    spike_inputs = {"c2": "l1", "c3": "l2", "fc": "l3"}

    def __init__(self, T, layout, spike, alpha, form, c1=32, c2=64):
        super().__init__(T, layout, spike, alpha, form)
        self.c1, self.l1 = nn.Conv2d(1, c1, 3, 1, 1), self.neuron(c1)
        self.c2, self.l2 = nn.Conv2d(c1, c1, 3, 1, 1), self.neuron(c1)
        self.p2 = nn.AvgPool2d(2)
        self.c3, self.l3 = nn.Conv2d(c1, c2, 3, 1, 1), self.neuron(c2)
        self.p3 = nn.AvgPool2d(2)
        self.fc = nn.Linear(c2 * 7 * 7, 10)

    def forward(self, x):
        s = self.per_step
        x = self.l1(s(self.c1, self.encode(x)))                          # 28x28
        x = self.l2(s(self.c2, x))
        x = self.l3(s(lambda v: self.c3(self.p2(v)), x))                 # 14x14
        x = s(lambda v: self.fc(self.p3(v).flatten(1)), x)               # 7x7
        return self.decode(x)


ARCHITECTURES = {
    "resnet": SpikingResNet,
    "vgg": SpikingVGG,
    "cnn_max": lambda *a, **k: SpikingCNN(*a, pool="max", **k),
    "cnn_avg": lambda *a, **k: SpikingCNN(*a, pool="avg", **k),
    "mlp": SpikingMLP,
    "paper": SpikingPaperCNN,
}


def build(arch, T, layout, spike, alpha, form):
    """The network named arch (a key of ARCHITECTURES) with the given neuron settings."""
    return ARCHITECTURES[arch](T, layout, spike, alpha, form)
