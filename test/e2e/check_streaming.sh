#!/bin/sh
# examples/streaming: build it with the strict C99 flags against fmnist_cnn_t4
# compiled as "net", run 20 images of 6 frames each: one decision line per
# frame, and after NAME_STEPS frames the decision of NAME_infer (the program
# exits 1 otherwise).
#
# usage: check_streaming.sh TSNC SRCDIR WORKDIR CC
set -eu
tsnc=$1 src=$2 work=$3 cc=$4
out="$work/streaming-$(basename "$cc")"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/fmnist_cnn_t4.onnx" -o "$out" --name net
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I"$out" "$src/examples/streaming/streaming.c" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) -o "$out/streaming" -lm
"$out/streaming" "$src/models/fmnist_cnn_t4.input.bin" 20 6 >"$out/log"
tail -3 "$out/log"
[ "$(grep -c '^image [0-9]* frame [0-5]: decision [0-9]$' "$out/log")" -eq 120 ] || { echo "FAIL: expected 120 decisions"; exit 1; }
echo PASS
