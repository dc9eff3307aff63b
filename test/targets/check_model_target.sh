#!/bin/sh
# End-to-end test of one shipped model on one target: compiled by tsnc with
# --target TARGET, built with CC and the strict C99 flags plus CFLAGS, run
# (directly, or through RUNNER such as qemu-aarch64) on the shipped samples.
#  1. against PyTorch's logits, with the thresholds of test/e2e/run_e2e.sh
#     (which does this step itself for native builds; under a RUNNER the
#     outputs are written once and compared on the host, as emulation is slow);
#  2. against the generic target built natively with gcc: every sample's
#     outputs within 1e-4 and the same argmax (compare_outputs.c).
#
# usage: check_model_target.sh TSNC SRCDIR WORKDIR MODEL TARGET CC TAG [CFLAGS] [RUNNER]
#   TAG names the build (gcc, clang, asan-clang, qemu): its directory under WORKDIR.
# Exits 77 (ctest: skipped) when this machine cannot build or run the code.
set -eu
tsnc=$1 src=$2 work=$3 model=$4 target=$5 cc=$6 tag=$7 cflags=${8:-} runner=${9:-}
dir=$(cd "$(dirname "$0")" && pwd)
host_cc=${HOST_CC:-gcc}

# shellcheck source=test/targets/probe.sh
. "$dir/probe.sh"
probe_target "$target" "$cc" "$runner" || exit 77

w="$work/$model-$target-$tag"
rm -rf "$w"
mkdir -p "$w"
in="$src/models/$model.input.bin"
strict="-std=c99 -Wall -Wextra -Werror -pedantic -O2"

echo "== $model, --target $target, built with $cc $cflags${runner:+, run by $runner}"
"$host_cc" -std=c99 -O2 -Wall -Wextra -Werror "$dir/compare_outputs.c" -o "$w/compare" -lm
if [ -z "$runner" ]; then
    echo "-- against PyTorch"
    sh "$src/test/e2e/run_e2e.sh" "$tsnc" "$src" "$w/e2e" "$model" "$cc" "$target" "$cflags"
    gen="$w/e2e/$model-$target-$(basename "$cc")"
else
    gen="$w/gen"
    "$tsnc" compile "$src/models/$model.onnx" -o "$gen" --target "$target"
fi
# shellcheck disable=SC2086,SC2046
"$cc" $strict $cflags -I"$gen" -DMODEL="$model" $(ls "$gen"/*.c "$gen"/*.S 2>/dev/null || true) "$dir/dump_outputs.c" \
    -o "$w/dump_target" -lm
$runner "$w/dump_target" "$in" "$w/target.bin"
out_size=$(sed -n "s/^#define ${model}_OUTPUT_SIZE \([0-9]*\).*/\1/p" "$gen/$model.h")
if [ -n "$runner" ]; then
    echo "-- against PyTorch (the thresholds of test/e2e/run_e2e.sh)"
    "$w/compare" "$w/target.bin" "$src/models/$model.logits.bin" "$out_size" 1e-4 0.99 0.995 \
        "$src/models/$model.labels.bin" 0.002
fi

echo "-- against --target generic (every sample within 1e-4, the same argmax)"
"$tsnc" compile "$src/models/$model.onnx" -o "$w/generic" --target generic
# shellcheck disable=SC2086,SC2046
"$host_cc" $strict -I"$w/generic" -DMODEL="$model" $(ls "$w/generic"/*.c "$w/generic"/*.S 2>/dev/null || true) \
    "$dir/dump_outputs.c" -o "$w/dump_generic" -lm
"$w/dump_generic" "$in" "$w/generic.bin" >/dev/null
"$w/compare" "$w/target.bin" "$w/generic.bin" "$out_size" 1e-4 1 1
