#!/bin/sh
# End-to-end test of one network of test/models (trained and exported by
# examples/pytorch/make_models.py): compile it with tsnc, build the generated
# C with CC and the strict C99 flags, run it on the stored samples and
# compare with PyTorch's logits (check_model.c). (check_no_fmul.sh checks
# the same models for multiplications in their spike layers.)
#
# usage: run_model_e2e.sh TSNC SRCDIR WORKDIR MODEL CC [TARGET] [full|samples] [EXTRA_CFLAGS]
#   EXTRA_CFLAGS: added to the strict flags (e.g. "-mavx2 -mfma" for --target avx2);
#   a target this machine cannot run is skipped (exit 77, test/targets/probe.sh).
#
# From test/models/MODEL.json it reads:
#   "tsnc_args"        extra arguments for tsnc compile (e.g. ["--dim", "batch=1"]
#                      for a model exported with a dynamic batch axis);
#   "tsnc_thresholds"  min_close, min_argmax, max_acc_drop, tol: the issue's
#                      criteria (logits within tol=1e-4 for >= 99 % of samples,
#                      or onnxruntime's own fraction minus one point where that
#                      is lower; argmax agreement >= 99.5 %; accuracy within 0.2
#                      points); a missing field takes that default.
# With "full" it instead runs the whole Fashion-MNIST test set (fmnist_full.c)
# and compares the accuracy with "test_accuracy_pytorch" (within 0.2 points).
set -eu
tsnc=$1 src=$2 work=$3 model=$4 cc=$5 target=${6:-generic} mode=${7:-samples} extra=${8:-}
dir="$src/test/models"
# shellcheck source=test/targets/probe.sh
. "$src/test/targets/probe.sh"
probe_target "$target" "$cc" "" || exit 77
json=$(tr -d '\n' < "$dir/$model.json")

# number FIELD DEFAULT: the numeric value of "FIELD" in MODEL.json.
number() {
    v=$(printf '%s' "$json" | sed -n "s/.*\"$1\": *\([0-9.eE+-]*\).*/\1/p")
    printf '%s' "${v:-$2}"
}
# The "tsnc_args" list as words (arguments must not contain spaces or commas).
args=$(printf '%s' "$json" | sed -n 's/.*"tsnc_args": *\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')

out="$work/models-$model-$target-$(basename "$cc")-$mode"
rm -rf "$out"
mkdir -p "$out"
# shellcheck disable=SC2086,SC2046
"$tsnc" compile "$dir/$model.onnx" -o "$out" --target "$target" $args
flags="-std=c99 -Wall -Wextra -Werror -pedantic -O2 $extra -I$out -DMODEL=$model"

if [ "$mode" = full ]; then
    data=/usr/share/datasets/fashion-mnist
    # shellcheck disable=SC2086,SC2046
    "$cc" $flags $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/fmnist_full.c" -o "$out/full" -lm
    gzip -dc "$data/t10k-images-idx3-ubyte.gz" > "$out/images.idx3"
    gzip -dc "$data/t10k-labels-idx1-ubyte.gz" > "$out/labels.idx1"
    exec "$out/full" "$out/images.idx3" "$out/labels.idx1" "$(number test_accuracy_pytorch 0)" 0.002
fi

# shellcheck disable=SC2086,SC2046
"$cc" $flags $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/check_model.c" -o "$out/check" -lm
status=0
"$out/check" "$dir/$model.input.bin" "$dir/$model.logits.bin" "$dir/$model.labels.bin" \
    "$(number min_close 0.99)" "$(number min_argmax 0.995)" "$(number max_acc_drop 0.002)" \
    "$(number tol 1e-4)" || status=1

[ $status -eq 0 ] && echo "PASS: $model" || echo "FAIL: $model"
exit $status
