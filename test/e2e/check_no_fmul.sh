#!/bin/sh
# Multiplication-free spike layers, proven on the generated code: compile a
# model with tsnc, compile the C with `clang -O2 -fno-inline -S -emit-llvm`,
# and count floating-point multiplications (fmul, llvm.fmuladd, llvm.fma) in
# every function whose name contains "spike". The count must be 0, the model
# must have spike layers (every model tested is a spiking network: none means
# nothing was lowered) and the generated code spike functions (else the check
# is empty).
#
# usage: check_no_fmul.sh TSNC MODEL.onnx WORKDIR CLANG [TARGET] [EXTRA_CFLAGS] [TSNC_ARG...]
#   TSNC_ARG: extra arguments of tsnc compile and dump (e.g. --dim batch=1)
set -eu
tsnc=$1 model=$2 work=$3 clang=$4 target=${5:-generic} extra=${6:-}
shift $(($# < 6 ? $# : 6))
name=$(basename "$model" .onnx)
out="$work/$name-nofmul-$target"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$model" -o "$out" --target "$target" "$@"
layers=$("$tsnc" dump "$model" --after lower-spikes "$@" | grep -c '= tsnc\.spike_' || true)
# shellcheck disable=SC2086
"$clang" -std=c99 -O2 -fno-inline $extra -S -emit-llvm "$out/$name.c" -o "$out/$name.ll"
awk -v layers="$layers" -v model="$name" '
    /^define / {
        fn = $0; sub(/\(.*/, "", fn); sub(/.*@/, "", fn)
        spike = fn ~ /spike/
        if (spike) { nspike++; names = names " " fn }
        next
    }
    /^}/ { spike = 0; next }  # declarations after a body belong to the module
    spike && (/ fmul / || /@llvm\.fmuladd/ || /@llvm\.fma\./) { bad++; print "fmul in " fn ": " $0 }
    END {
        printf "%s: %d spike layers, spike functions:%s; floating-point multiplications in them: %d\n",
               model, layers, names, bad + 0
        if (bad > 0) exit 1
        if (layers == 0) { print "no spike layer: nothing was lowered"; exit 1 }
        if (nspike == 0) { print "no spike function found"; exit 1 }
    }' "$out/$name.ll"
