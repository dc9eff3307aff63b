#!/bin/sh
# Several outputs of different element types (check_multi_io.c), built with the
# strict C99 flags and EXTRA (e.g. sanitizers).
#
# usage: check_multi_io.sh TSNC SRCDIR WORKDIR CC [EXTRA_FLAGS]
set -eu
tsnc=$1 src=$2 work=$3 cc=$4 extra=${5:-}
out="$work/multi-io-$(basename "$cc")$(printf '%s' "$extra" | tr -c 'a-z0-9' '_')"
rm -rf "$out"
mkdir -p "$out"
m="$src/test/models_io"
"$tsnc" compile "$m/spike_counts.onnx" -o "$out" 2>"$out/notes"
grep -q "no spike_counts_step" "$out/notes" || { echo "FAIL: no note about NAME_step"; exit 1; }
# shellcheck disable=SC2086
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g $extra -I"$out" \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/test/e2e/check_multi_io.c" -o "$out/check" -lm
"$out/check" "$m/spike_counts.input.bin" "$m/spike_counts.expected.bin"
