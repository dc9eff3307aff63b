#!/bin/sh
# The weight checks of the generated code (docs/generated-api.md, "Weights"):
#  - a --weights=load build refuses NULL, truncated, misaligned, foreign and
#    corrupted images and does not run without valid ones (check_set_weights.c);
#  - a --weights=embed build linked with another build's NAME.bin (its header's
#    CRC-32 changed, named with -DNAME_WEIGHTS_FILE) returns NAME_ERR_WEIGHTS
#    from NAME_run, and runs with its own.
#
# usage: check_set_weights.sh TSNC SRCDIR WORKDIR CC [CFLAGS]
set -eu
tsnc=$1 src=$2 work=$3 cc=$4 cflags=${5:-}
model=fmnist_cnn_t4
w="$work/set-weights-$(basename "$cc")"
rm -rf "$w"
mkdir -p "$w"
strict="-std=c99 -Wall -Wextra -Werror -pedantic -O1"
in="$src/models/$model.input.bin"

"$tsnc" compile "$src/models/$model.onnx" -o "$w/load" --weights load
# shellcheck disable=SC2086
"$cc" $strict $cflags -I"$w/load" -DMODEL=$model "$w/load/$model.c" "$src/test/e2e/check_set_weights.c" \
    -o "$w/check" -lm
"$w/check" "$w/load/$model.bin" "$in"

"$tsnc" compile "$src/models/$model.onnx" -o "$w/embed" --weights embed
# another build's image: the same bytes with the header's CRC-32 changed
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[24] ^= 1; open(sys.argv[2], "wb").write(b)' \
    "$w/embed/$model.bin" "$w/other.bin"
for image in own other; do
    file="\"$w/embed/$model.bin\""
    [ $image = other ] && file="\"$w/other.bin\""
    # shellcheck disable=SC2086
    "$cc" $strict $cflags -I"$w/embed" -DMODEL=$model -D${model}_WEIGHTS_FILE="$file" "$w/embed/$model.c" \
        "$w/embed/${model}_weights.S" "$src/test/targets/dump_outputs.c" -o "$w/dump-$image" -lm
done
"$w/dump-own" "$in" "$w/own.out"
if "$w/dump-other" "$in" "$w/other.out" 2> "$w/other.err"; then
    echo "FAIL: the embed build ran with another build's image"
    exit 1
fi
grep -q "_run failed on sample 0" "$w/other.err" || { cat "$w/other.err"; exit 1; }
echo "PASS: the embed build refuses another build's image"
