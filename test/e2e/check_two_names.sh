#!/bin/sh
# Two models whose --name differs only in case (mlp, MLP) in one program:
# their headers must have different include guards (docs/generated-api.md),
# so that a C file including both builds with the strict C99 flags, and each
# model must still give PyTorch's logits (two_names.c).
#
# usage: check_two_names.sh TSNC SRCDIR WORKDIR CC
set -eu
tsnc=$1 src=$2 work=$3 cc=$4
out="$work/two-names-$(basename "$cc")"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/digits_mlp_t4.onnx" -o "$out" --name mlp
"$tsnc" compile "$src/models/digits_mlp_binary_t4.onnx" -o "$out" --name MLP
grep -q '^#ifndef TSNC_mlp_H_INCLUDED$' "$out/mlp.h" || { echo "FAIL: guard of mlp.h"; exit 1; }
grep -q '^#ifndef TSNC_MLP_H_INCLUDED$' "$out/MLP.h" || { echo "FAIL: guard of MLP.h"; exit 1; }
flags="-std=c99 -Wall -Wextra -Werror -pedantic -O2"
# shellcheck disable=SC2086
"$cc" $flags -c "$out/mlp.c" -o "$out/mlp.o"
# shellcheck disable=SC2086
"$cc" $flags -c "$out/MLP.c" -o "$out/MLP.o"
# shellcheck disable=SC2086
"$cc" $flags -I"$out" "$src/test/e2e/two_names.c" "$out/mlp.o" "$out/MLP.o" -o "$out/two_names" -lm
m="$src/models"
"$out/two_names" "$m/digits_mlp_t4.input.bin" "$m/digits_mlp_t4.logits.bin" \
    "$m/digits_mlp_binary_t4.input.bin" "$m/digits_mlp_binary_t4.logits.bin"
