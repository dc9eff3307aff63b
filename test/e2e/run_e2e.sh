#!/bin/sh
# End-to-end test of one shipped model: compile it with tsnc, build the
# generated C with CC and the strict C99 flags, run it on the shipped samples
# and compare with PyTorch's logits (check_model.c).
#
# usage: run_e2e.sh TSNC SRCDIR WORKDIR MODEL CC [TARGET] [EXTRA_CFLAGS]
set -eu
tsnc=$1 src=$2 work=$3 model=$4 cc=$5 target=${6:-generic} extra=${7:-}
out="$work/$model-$target-$(basename "$cc")"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/$model.onnx" -o "$out" --target "$target"
# shellcheck disable=SC2086,SC2046
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 $extra -I"$out" -DMODEL="$model" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/check_model.c" -o "$out/check" -lm
# Thresholds from the issue: logits within 1e-4 for >= 99 % of samples, the
# same argmax for >= 99.5 %, accuracy within 0.2 points of PyTorch's.
"$out/check" "$src/models/$model.input.bin" "$src/models/$model.logits.bin" \
    "$src/models/$model.labels.bin" 0.99 0.995 0.002
