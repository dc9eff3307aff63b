"""The networks trained and exported for tsnc's tests (test/models/).

Each entry fixes the architecture (models.py), the neuron settings
(neuron.py), the export settings and a small training budget. Together they
cover: both layouts, ternary and binary spikes, per-layer / per-channel / no
alpha, both ways of writing the firing function, identity and 1x1-conv
shortcuts, average / max / global average pooling, opsets 11, 13 and 17, a
dynamic batch axis, and BatchNormalization left unfused with the shape
computations left unfolded.

Fields:
  arch, T, layout, spike, alpha, form   see models.build and neuron.SpikingNeuron
  opset                                 torch.onnx.export opset_version
  dynamic_batch                         export with a symbolic batch axis "batch"
  keep_bn                               export in TrainingMode.PRESERVE with constant
                                        folding off: BatchNormalization stays after
                                        Conv, Shape/Gather/Concat chains stay in the graph
  train_samples, epochs                 training budget (a fixed random subset of
                                        the 60,000 training images)
  batch, lr                             Adam with a cosine schedule; small batches
                                        (more steps for the same samples) train the
                                        ResNet much better in a short budget
  seed                                  torch and numpy seed
"""

COMMON = dict(epochs=1, lr=2e-3, batch=100, seed=1, dynamic_batch=False, keep_bn=False)

VARIANTS = [
    dict(name="resnet_ternary_channel_explicit_t2", arch="resnet", T=2, layout="explicit",
         spike="ternary", alpha="channel", form="ste", opset=13, train_samples=25000,
         batch=25, lr=3e-3),
    dict(name="resnet_ternary_layer_folded_t2", arch="resnet", T=2, layout="folded",
         spike="ternary", alpha="layer", form="function", opset=17, train_samples=30000,
         batch=25, lr=3e-3),
    dict(name="vgg_ternary_layer_folded_t4", arch="vgg", T=4, layout="folded",
         spike="ternary", alpha="layer", form="function", opset=11, train_samples=10000,
         batch=25, lr=3e-3),
    dict(name="vgg_binary_explicit_t2", arch="vgg", T=2, layout="explicit",
         spike="binary", alpha="none", form="ste", opset=13, train_samples=25000),
    dict(name="mlp_ternary_dynbatch_t4", arch="mlp", T=4, layout="folded",
         spike="ternary", alpha="layer", form="function", opset=13, train_samples=25000,
         dynamic_batch=True),
    dict(name="cnn_maxpool_ternary_channel_folded_t4", arch="cnn_max", T=4, layout="folded",
         spike="ternary", alpha="channel", form="function", opset=17, train_samples=15000),
    dict(name="cnn_avgpool_ternary_channel_explicit_t4", arch="cnn_avg", T=4, layout="explicit",
         spike="ternary", alpha="channel", form="function", opset=17, train_samples=12000,
         batch=25, lr=3e-3),
    dict(name="cnn_avgpool_ternary_layer_bnkept_t2", arch="cnn_avg", T=2, layout="folded",
         spike="ternary", alpha="layer", form="function", opset=13, train_samples=25000,
         keep_bn=True),
]


def variant(name):
    """The variant called name, with the COMMON defaults filled in."""
    for v in VARIANTS:
        if v["name"] == name:
            return {**COMMON, **v}
    raise KeyError(f"no variant {name!r}; known: {', '.join(v['name'] for v in VARIANTS)}")


def all_variants():
    return [{**COMMON, **v} for v in VARIANTS]
