#!/bin/sh
# The three ways of giving a generated program its weights agree bit for bit:
# MODEL compiled with --weights=inline, embed and load (tsnc compile), each
# built with CC and the strict C99 flags plus CFLAGS (all of OUTDIR/*.c and
# OUTDIR/*.S, with -I OUTDIR for .incbin), run (directly, or through RUNNER
# such as qemu-aarch64) on the model's samples; the raw float32 outputs of
# embed and load must equal inline's byte for byte (cmp). Under a RUNNER only
# the first 64 samples run (emulation is slow).
#
# Also checks the image itself against an independent reader (Python's zlib
# and struct): the header's magic, version, size and the CRC-32 of what
# follows it, the directory's arrays inside the image and 64-byte aligned
# when they are 64 bytes or more, and the image no larger than 1.01 times
# its arrays' bytes plus 4 KiB.
#
# usage: check_weights_modes.sh TSNC SRCDIR WORKDIR MODEL.onnx TARGET CC TAG [CFLAGS] [RUNNER]
# MODEL.onnx's directory holds MODEL.input.bin; a MODEL.json beside it may
# give "tsnc_args" (test/models). Exits 77 (ctest: skipped) when this machine
# cannot build or run TARGET's code.
set -eu
tsnc=$1 src=$2 work=$3 onnx=$4 target=$5 cc=$6 tag=$7 cflags=${8:-} runner=${9:-}
model=$(basename "$onnx" .onnx)
mdir=$(dirname "$onnx")

# shellcheck source=test/targets/probe.sh
. "$src/test/targets/probe.sh"
probe_target "$target" "$cc" "$runner" || exit 77

args=
if [ -f "$mdir/$model.json" ]; then
    args=$(tr -d '\n' < "$mdir/$model.json" |
           sed -n 's/.*"tsnc_args": *\[\([^]]*\)\].*/\1/p' | tr -d '"' | tr ',' ' ')
fi
w="$work/weights-$model-$target-$tag"
rm -rf "$w"
mkdir -p "$w"
in="$mdir/$model.input.bin"
if [ -n "$runner" ]; then
    size=$(($(wc -c < "$in") / $(wc -c < "$mdir/$model.labels.bin")))
    head -c $((size * 64)) "$in" > "$w/input.bin"
    in="$w/input.bin"
fi
strict="-std=c99 -Wall -Wextra -Werror -pedantic -O2"

for mode in inline embed load; do
    g="$w/$mode"
    # shellcheck disable=SC2086
    "$tsnc" compile "$onnx" -o "$g" --target "$target" --weights "$mode" $args
    srcs=$(ls "$g"/*.c "$g"/*.S 2>/dev/null || true)
    case $mode in
    inline) [ ! -e "$g/$model.bin" ] && [ ! -e "$g/${model}_weights.S" ] ;;
    embed) [ -f "$g/$model.bin" ] && [ -f "$g/${model}_weights.S" ] ;;
    load) [ -f "$g/$model.bin" ] && [ ! -e "$g/${model}_weights.S" ] ;;
    esac || { echo "FAIL: --weights $mode wrote: $(ls "$g")"; exit 1; }
    # shellcheck disable=SC2086
    "$cc" $strict $cflags -I"$g" -DMODEL="$model" $srcs "$src/test/targets/dump_outputs.c" \
        -o "$g/dump" -lm
    weights=
    [ "$mode" = load ] && weights="$g/$model.bin"
    # shellcheck disable=SC2086
    $runner "$g/dump" "$in" "$w/$mode.out" $weights
done
cmp "$w/inline.out" "$w/embed.out"
cmp "$w/inline.out" "$w/load.out"

python3 - "$w/embed/$model.bin" "$w/embed/$model.h" "$model" <<'EOF'
import re, struct, sys, zlib
path, header, name = sys.argv[1:]
b = open(path, "rb").read()
h = open(header).read()
magic, version, hdr, size, crc, n, dir_off = struct.unpack_from("<8sIIQIIQ", b, 0)
assert magic == b"TSNCWGT\0", magic
assert (version, hdr, size) == (1, 64, len(b)), (version, hdr, size, len(b))
assert crc == zlib.crc32(b[64:]), "CRC-32 of the image after its header"
want = re.search(r"#define %s_WEIGHTS_CRC32 0x([0-9a-f]+)u" % name, h).group(1)
assert int(want, 16) == crc and ("#define %s_WEIGHTS_BYTES %d " % (name, len(b))) in h
payload = 0
for i in range(n):
    off, count, dtype, es = struct.unpack_from("<QQII", b, dir_off + 24 * i)
    assert 64 <= off and off + count * es <= dir_off, (i, off, count, es)
    assert off % (64 if count * es >= 64 else es) == 0, (i, off)
    payload += count * es
assert len(b) <= 1.01 * payload + 4096, (len(b), payload)
print("%s: image of %d bytes, %d arrays, %d bytes of arrays" % (name, len(b), n, payload))
EOF
echo "PASS: $model ($target, $tag): inline, embed and load outputs identical"
