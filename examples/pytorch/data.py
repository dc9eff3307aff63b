"""Fashion-MNIST from Debian's dataset-fashion-mnist package (IDX files, gzip).

Images are normalised as (x/255 - 0.2860) / 0.3530, the training set's mean
and standard deviation, and returned as float32 [N, 1, 28, 28]; labels as
uint8 [N].
"""
import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
MEAN, STD = 0.2860, 0.3530


def _read_idx(path):
    """An IDX file (magic 0x0000 08 nd, nd big-endian int32 dims, then uint8 data)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    nd = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=nd, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def load(split):
    """split: "train" (60,000 images) or "test" (10,000). Returns (images, labels)."""
    prefix = "train" if split == "train" else "t10k"
    images = _read_idx(os.path.join(DATA_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(DATA_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    x = ((images.astype(np.float32) / 255.0 - MEAN) / STD).astype(np.float32)
    return x.reshape(-1, 1, 28, 28), labels.astype(np.uint8)
