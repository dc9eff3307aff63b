#!/bin/sh
# Runs one model under every spike-layer implementation and prints its
# outputs, for FileCheck against hand-computed values: for each option
# (default, --spike-impl lut/events/dense, --dense) the model is compiled by
# tsnc, built with CC under the strict C99 flags together with
# test/targets/dump_outputs.c and run on INPUT.bin, then run by `tsnc run`.
# Prints one line per option and sample: "compiled OPTION: v1 v2 ..." and
# "run OPTION: v1 v2 ..." (values as %.9g), OPTION being auto, lut, events,
# dense or no-lowering.
#
# usage: run_impls.sh TSNC CC PYTHON TARGETS_DIR WORKDIR MODEL INPUT.bin
set -eu
tsnc=$1 cc=$2 python=$3 targets=$4 work=$5 model=$6 input=$7
rm -rf "$work"
mkdir -p "$work"
show() { # show LABEL FILE.bin N: one line per sample of N floats
    "$python" -c '
import struct, sys
label, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = open(path, "rb").read()
v = struct.unpack("<%df" % (len(d) // 4), d)
for s in range(0, len(v), n):
    print(label + ":", " ".join("%.9g" % x for x in v[s:s + n]))' "$@"
}
for impl in auto lut events dense no-lowering; do
    case $impl in
    auto) opts= ;;
    no-lowering) opts=--dense ;;
    *) opts="--spike-impl $impl" ;;
    esac
    # shellcheck disable=SC2086
    "$tsnc" compile "$model" -n m -o "$work/$impl" $opts
    "$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I"$work/$impl" -DMODEL=m "$work/$impl/m.c" \
        "$targets/dump_outputs.c" -o "$work/$impl/dump" -lm
    "$work/$impl/dump" "$input" "$work/$impl/out.bin" >/dev/null
    n=$(sed -n 's/^#define m_OUTPUT_SIZE \([0-9]*\).*/\1/p' "$work/$impl/m.h")
    show "compiled $impl" "$work/$impl/out.bin" "$n"
    # shellcheck disable=SC2086
    "$tsnc" run "$model" --input "$input" -o "$work/$impl/run.bin" $opts
    show "run $impl" "$work/$impl/run.bin" "$n"
done
