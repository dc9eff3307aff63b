#!/bin/sh
# The per-node timing hooks of the generated code (docs/generated-api.md):
# built with -DTSNC_PROFILE and the strict C99 flags (no POSIX define from
# the user), bench/profile_model.c must print one line per node with a
# positive time, naming the ONNX node and its op, the spike layer included.
#
# usage: check_profile.sh TSNC SRCDIR WORKDIR CC
set -eu
tsnc=$1 src=$2 work=$3 cc=$4
model=digits_mlp_t4
out="$work/profile-$(basename "$cc")"
rm -rf "$out"
mkdir -p "$out"
"$tsnc" compile "$src/models/$model.onnx" -o "$out"
"$cc" -std=c99 -Wall -Wextra -Werror -pedantic -O2 -DTSNC_PROFILE -I"$out" -DMODEL=$model \
    $(ls "$out"/*.c "$out"/*.S 2>/dev/null || true) "$src/bench/profile_model.c" -o "$out/profile" -lm
"$out/profile" "$src/models/$model.input.bin" 2 20 >"$out/times"
cat "$out/times"
count=$(sed -n "s/^#define ${model}_PROFILE_COUNT \([0-9]*\).*/\1/p" "$out/$model.h")
[ "$(wc -l <"$out/times")" -eq "$count" ] || { echo "FAIL: expected $count nodes"; exit 1; }
awk -F'\t' '$1 <= 0 { print "FAIL: no time for " $2; bad = 1 } END { exit bad }' "$out/times"
grep -q "	/fc2/Gemm (tsnc.spike_gemm)$" "$out/times" || { echo "FAIL: no spike layer line"; exit 1; }
echo PASS
