#!/bin/sh
# bench/paper.sh - latency of paper-scale ternary-spike networks (ResNet-19,
# ResNet-20, VGG-11 on 32x32x3, ResNet-34 on 224x224x3; random weights and
# BatchNorm calibrated to 20-40 % firing, bench/paper_models/make_paper_models.py),
# with the columns of bench/run.sh that make sense at this size: tsnc --target
# avx2, tsnc --dense (--target avx2, no spike lowering), onnxruntime (one
# thread) and its call overhead. A benchmark, not a test.
#
# The networks are generated into $WORK/models (PyTorch, a minute or two each;
# kept, and remade only when missing) with --samples 2 --calibration 4
# --no-steps (each timed call cycles over the samples, and every round first
# runs each sample once); one that test/models holds is copied from there. The weights go into
# a binary image (--weights auto), so gcc takes seconds.
#
# usage: bench/paper.sh [-r ROUNDS] [-t SECONDS] [-m "NAME ..."] [-c CPU]
#   -m  networks (default: make_paper_models.py --list-bench: ResNet-19 T=2,
#       ResNet-20 T=4, VGG-11 T=4, ResNet-34 T=2; --list shows the others)
#   other options: as bench/run.sh (defaults -r 5 -t 2)
# Environment: as bench/run.sh; WORK defaults to /tmp/tsnc-bench-paper;
# ONLY_COLUMNS defaults to "avx512 avx2 dense ort ort_call" (avx512 where the CPU has it).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=5 seconds=2 models='' cpu=''
while [ $# -gt 0 ]; do
    case $1 in
    -r) rounds=$2; shift 2 ;;
    -t) seconds=$2; shift 2 ;;
    -m) models=$2; shift 2 ;;
    -c) cpu=$2; shift 2 ;;
    *) sed -n '2,/^set -eu/p' "$0" | sed 's/^# \{0,1\}//;/^set -eu/d'; exit 2 ;;
    esac
done
WORK=${WORK:-/tmp/tsnc-bench-paper}
export WORK
gen="$root/bench/paper_models/make_paper_models.py"
[ -n "$models" ] || models=$(/usr/bin/python3 "$gen" --list-bench)
mkdir -p "$WORK/models"
for m in $models; do
    if [ ! -f "$WORK/models/$m.json" ] && [ -f "$root/test/models/$m.json" ]; then
        for ext in onnx json input.bin logits.bin labels.bin steps.bin; do
            cp "$root/test/models/$m.$ext" "$WORK/models/"
        done
    elif [ ! -f "$WORK/models/$m.json" ]; then
        echo "generating $m into $WORK/models" >&2
        /usr/bin/python3 "$gen" --out "$WORK/models" --only "$m" --samples 2 --calibration 4 --no-steps >&2
    fi
done
# shellcheck disable=SC2086 # one word per network name
MODELS="$WORK/models" ONLY_COLUMNS=${ONLY_COLUMNS:-"avx512 avx2 dense ort ort_call"} NO_LAYERS=1 \
    exec sh "$root/bench/run.sh" -r "$rounds" -t "$seconds" -m "$(printf '%s ' $models)" ${cpu:+-c "$cpu"}
