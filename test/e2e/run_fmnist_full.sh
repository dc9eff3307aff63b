#!/bin/sh
# Whole Fashion-MNIST test set through a compiled model; its accuracy must be
# within 0.2 points of test_accuracy_pytorch in the model's NAME.json.
# usage: run_fmnist_full.sh TSNC SRCDIR WORKDIR MODEL CC [DATADIR]
set -eu
tsnc=$1 src=$2 work=$3 model=$4 cc=$5 data=${6:-/usr/share/datasets/fashion-mnist}
out="$work/$model-fmnist-full"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/$model.onnx" -o "$out"
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I"$out" -DMODEL="$model" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/fmnist_full.c" -o "$out/full" -lm
gzip -dc "$data/t10k-images-idx3-ubyte.gz" > "$out/images.idx3"
gzip -dc "$data/t10k-labels-idx1-ubyte.gz" > "$out/labels.idx1"
expected=$(sed -n 's/.*"test_accuracy_pytorch": *\([0-9.]*\).*/\1/p' "$src/models/$model.json")
"$out/full" "$out/images.idx3" "$out/labels.idx1" "$expected" 0.002
