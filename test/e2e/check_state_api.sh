#!/bin/sh
# The caller-owned state API of one model (docs/generated-api.md): compile it
# with tsnc, build check_state_api.c with CC and the strict C99 flags (plus
# EXTRA flags, e.g. sanitizers), and run it on the first 30 samples: NAME_infer
# on two states equals NAME_run, NAME_STEPS calls of NAME_step averaged equal
# NAME_infer within 1e-5, and, where MODEL.steps.bin exists (PyTorch's logits
# of every step over 3T steps, examples/pytorch/step_reference.py), 3T calls
# of NAME_step match them within 1e-4 (every step of every sample but the
# samples on which a spike on a threshold flips, at most one in 8; see
# check_state_api.c). NAME_infer: within 1e-4 of PyTorch's logits on at
# least 90 % of the samples, the same argmax on all.
#
# usage: check_state_api.sh TSNC SRCDIR WORKDIR MODELDIR MODEL CC [EXTRA_FLAGS [TSNC_ARGS...]]
set -eu
tsnc=$1 src=$2 work=$3 dir=$4 model=$5 cc=$6 extra=${7:-}
shift 6
[ $# -gt 0 ] && shift
out="$work/state-$model-$(basename "$cc")$(printf '%s' "$extra $*" | tr -c 'a-z0-9' '_')"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$dir/$model.onnx" -o "$out" "$@"
grep -q "^#define ${model}_HAS_STEP 1$" "$out/$model.h" || { echo "FAIL: no ${model}_step"; exit 1; }
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g $extra -I"$out" -DMODEL="$model" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/check_state_api.c" -o "$out/check" -lm
if [ -f "$dir/$model.steps.bin" ]; then
    "$out/check" "$dir/$model.input.bin" "$dir/$model.logits.bin" 30 0.9 "$dir/$model.steps.bin" 1e-4
else
    "$out/check" "$dir/$model.input.bin" "$dir/$model.logits.bin" 30 0.9
fi
