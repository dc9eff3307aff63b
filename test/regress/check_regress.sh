#!/bin/sh
# One miscompilation regression model of test/regress on one target: compiled
# by tsnc with --target TARGET under every spike-layer implementation (the
# default choice, --spike-impl lut, events and dense, and --dense), each build
# run on the stored samples (directly, or through RUNNER such as qemu-aarch64)
# and compared with onnxruntime's outputs (NAME.expected.bin): every output
# within 1e-5 (the models are exact in float32, see make_models.py). With
# TARGET generic it also runs `tsnc run` (the reference interpreter after the
# same pipeline) under each option.
#
# usage: check_regress.sh TSNC SRCDIR WORKDIR MODEL TARGET CC TAG [CFLAGS] [RUNNER]
#   TAG names the build (gcc, clang, asan-clang, qemu): its directory under WORKDIR.
# Exits 77 (ctest: skipped) when this machine cannot build or run the code.
set -eu
tsnc=$1 src=$2 work=$3 model=$4 target=$5 cc=$6 tag=$7 cflags=${8:-} runner=${9:-}
targets="$src/test/targets"
host_cc=${HOST_CC:-gcc}

# shellcheck source=test/targets/probe.sh
. "$targets/probe.sh"
probe_target "$target" "$cc" "$runner" || exit 77

w="$work/$model-$target-$tag"
rm -rf "$w"
mkdir -p "$w"
m="$src/test/regress/$model"
strict="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
"$host_cc" -std=c99 -O2 -Wall -Wextra -Werror "$targets/compare_outputs.c" -o "$w/compare" -lm

status=0
for impl in auto lut events dense no-lowering; do
    case $impl in
    auto) opts= ;;
    no-lowering) opts=--dense ;;
    *) opts="--spike-impl $impl" ;;
    esac
    echo "== $model, --target $target ${opts:-(default)}, built with $cc $cflags${runner:+, run by $runner}"
    gen="$w/$impl"
    # shellcheck disable=SC2086
    "$tsnc" compile "$m.onnx" -o "$gen" --target "$target" --name "$model" $opts
    # shellcheck disable=SC2086
    "$cc" $strict $cflags -I"$gen" -DMODEL="$model" "$gen/$model.c" "$targets/dump_outputs.c" \
        -o "$gen/dump" -lm
    $runner "$gen/dump" "$m.input.bin" "$gen/out.bin" >/dev/null
    n=$(sed -n "s/^#define ${model}_OUTPUT_SIZE \([0-9]*\).*/\1/p" "$gen/$model.h")
    "$w/compare" "$gen/out.bin" "$m.expected.bin" "$n" 1e-5 1 1 || status=1
    if [ "$target" = generic ]; then
        echo "-- tsnc run ${opts:-(default)}"
        # shellcheck disable=SC2086
        "$tsnc" run "$m.onnx" --input "$m.input.bin" -o "$gen/run.bin" $opts
        "$w/compare" "$gen/run.bin" "$m.expected.bin" "$n" 1e-5 1 1 || status=1
    fi
done
[ $status -eq 0 ] && echo "PASS: $model on $target ($tag)" || echo "FAIL: $model on $target ($tag)"
exit $status
