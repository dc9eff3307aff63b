#!/bin/sh
# Two threads on two states of one model under ThreadSanitizer (check_threads.c).
#
# usage: check_threads.sh TSNC SRCDIR WORKDIR MODEL CLANG
set -eu
tsnc=$1 src=$2 work=$3 model=$4 cc=$5
out="$work/threads-$model"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/$model.onnx" -o "$out"
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -fsanitize=thread -I"$out" -DMODEL="$model" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/check_threads.c" -o "$out/check" -pthread -lm
TSAN_OPTIONS=halt_on_error=1 "$out/check" "$src/models/$model.input.bin" 8
