#!/bin/sh
# bench/run.sh - latency of the shipped models, per code generation target,
# in one run (a benchmark, not a test: it checks nothing).
#
# For each model and each column (a way of building it: --target generic,
# --target avx2, ...) the model is compiled by tsnc, built with CC -O2
# -std=c99 (plus the column's flags) together with bench/time_model.c, and
# timed on the shipped samples, pinned to one core (taskset) after a warm-up.
# Columns: generic (-O2, baseline x86-64), generic_mavx2 (the same kernels
# built with -mavx2 -mfma: what the compiler's vectorization gives) and
# avx2 (--target avx2), avx512 (--target avx512, where the CPU has
# AVX-512F/BW/VL). They run in interleaved rounds (generic, ..., avx2,
# generic, ...), so that a change of load on a shared machine hits them
# alike; each round reports the median of its calls, and the table shows the
# median of the round medians (and their spread). The ratio column is
# generic / avx2 from the same run.
#
# usage: bench/run.sh [-r ROUNDS] [-t SECONDS] [-m "MODEL ..."] [-c CPU] [--neon]
#   -r  rounds per model and column (default 5)
#   -t  seconds of calls per round (default 1)
#   -m  models (default: every $MODELS/*.onnx)
#   -c  the core to pin to (default: the last one)
#   --neon  also build --target neon for AArch64 and run it under qemu-aarch64:
#           reported separately, as emulation says nothing about latency
# Environment: TSNC (default: build/tsnc, built if missing), CC (default gcc),
# WORK (default /tmp/tsnc-bench), MODELS (default models/: where NAME.onnx,
# NAME.json and NAME.input.bin are), ONLY_COLUMNS (e.g. "avx2 dense ort ort_call":
# leave the other columns out; bench/paper.sh uses it for networks too big for
# the generic build).
#
# Columns dense (tsnc --dense), ort and ort_call (onnxruntime and its call
# overhead; NO_ORT=1 leaves them out) are the peers; a table after
# the main one gives the ratios. Then bench/layers.py gives, per spike layer,
# the firing rate, the additions performed and the achieved adds/s against
# the measured peak (NO_LAYERS=1 leaves it out). Adding a column: add its name to COLUMNS and
# write build_<name> MODEL DIR, which must leave an executable DIR/run taking
# "INPUT.bin MAX_CALLS SECONDS" and printing time_model.c's line
# ("... median_us=M ... peak_rss_kib=R").
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=5 seconds=1 models='' cpu='' neon=0
while [ $# -gt 0 ]; do
    case $1 in
    -r) rounds=$2; shift 2 ;;
    -t) seconds=$2; shift 2 ;;
    -m) models=$2; shift 2 ;;
    -c) cpu=$2; shift 2 ;;
    --neon) neon=1; shift ;;
    *) sed -n '2,/^set -eu/p' "$0" | sed 's/^# \{0,1\}//;/^set -eu/d'; exit 2 ;;
    esac
done
CC=${CC:-gcc}
WORK=${WORK:-/tmp/tsnc-bench}
TSNC=${TSNC:-$root/build/tsnc}
MODELS=${MODELS:-$root/models}
if [ ! -x "$TSNC" ]; then
    echo "building tsnc into $root/build" >&2
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$root/build" --target tsnc -j 2 >/dev/null
fi
[ -n "$models" ] || models=$(for f in "$MODELS"/*.onnx; do basename "$f" .onnx; done)
mkdir -p "$WORK"

# ---- pinning ----
pin=
if command -v taskset >/dev/null 2>&1; then
    [ -n "$cpu" ] || cpu=$(($(getconf _NPROCESSORS_ONLN) - 1))
    pin="taskset -c $cpu"
fi

# ---- columns: build_<name> MODEL DIR leaves DIR/run ----
COLUMNS="generic"
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
    # generic_mavx2: the generic kernels built with -mavx2 -mfma, to tell what the
    # compiler's own vectorization gives from what the avx2 kernels add;
    # dense: tsnc --dense --target avx2, the same compiler without spike lowering
    # (every Conv/Gemm a dense multiply-accumulate layer): what event-driven,
    # add-only execution buys
    COLUMNS="$COLUMNS generic_mavx2 avx2 dense"
else
    echo "note: this CPU lacks AVX2/FMA: no avx2 column" >&2
fi
# avx512: tsnc --target avx512 (AVX-512F/BW/VL), where the CPU has them
if grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512bw /proc/cpuinfo && grep -qw avx512vl /proc/cpuinfo; then
    COLUMNS="$COLUMNS avx512"
fi
# ort: onnxruntime on the same ONNX file (bench/ort, npm onnxruntime-node, one thread);
# ort_call: the same on an Identity model of the same input size: the Node call overhead
ORT_DIR="$root/bench/ort"
if [ -z "${NO_ORT:-}" ] && command -v node >/dev/null 2>&1; then
    if [ ! -d "$ORT_DIR/node_modules/onnxruntime-node" ] && command -v npm >/dev/null 2>&1; then
        echo "installing onnxruntime-node into bench/ort (npm install --ignore-scripts)" >&2
        (cd "$ORT_DIR" && npm install --ignore-scripts --no-audit --no-fund >/dev/null 2>&1) || true
    fi
    if [ -d "$ORT_DIR/node_modules/onnxruntime-node" ] || [ -n "${ORT_NODE_DIR:-}" ]; then
        COLUMNS="$COLUMNS ort ort_call"
    else
        echo "note: onnxruntime-node not installed: no ort column" >&2
    fi
fi

if [ -n "${ONLY_COLUMNS:-}" ]; then
    kept=
    for c in $COLUMNS; do
        case " $ONLY_COLUMNS " in *" $c "*) kept="$kept $c" ;; esac
    done
    COLUMNS=${kept# }
fi

# The generated sources in DIR: NAME.c, and NAME_weights.S when tsnc chose
# --weights=embed (a model of 1 MiB of weights or more; docs/generated-api.md).
gen_sources() { ls "$1"/*.c "$1"/*.S 2>/dev/null || true; }

# tsnc compile --target T, then CC -O2 -std=c99 FLAGS with time_model.c
build_target() { # MODEL DIR TARGET FLAGS
    "$TSNC" compile "$MODELS/$1.onnx" -o "$2" --target "$3"
    # shellcheck disable=SC2086,SC2046
    "$CC" -std=c99 -O2 $4 -I"$2" -DMODEL="$1" $(gen_sources "$2") "$root/bench/time_model.c" \
        -o "$2/run" -lm
}
build_generic() { build_target "$1" "$2" generic ""; }
build_generic_mavx2() { build_target "$1" "$2" generic "-mavx2 -mfma"; }
build_avx2() { build_target "$1" "$2" avx2 "-mavx2 -mfma"; }
build_avx512() { build_target "$1" "$2" avx512 "-mavx512f -mavx512bw -mavx512vl -mfma"; }
build_dense() {
    "$TSNC" compile "$MODELS/$1.onnx" -o "$2" --target avx2 --dense
    # shellcheck disable=SC2046
    "$CC" -std=c99 -O2 -mavx2 -mfma -I"$2" -DMODEL="$1" $(gen_sources "$2") "$root/bench/time_model.c" \
        -o "$2/run" -lm
}
# the model's input shape, from $MODELS/NAME.json ("input_shape": [1, 1, 28, 28])
input_dims() {
    tr -d ' \n' <"$MODELS/$1.json" | sed -n 's/.*"input_shape":\[\([0-9,]*\)\].*/\1/p'
}
ort_script() { # DIR ONNX DIMS
    cat >"$1/run" <<EOS
#!/bin/sh
# onnxruntime on $2 (inputs $3): INPUT.bin MAX_CALLS SECONDS
ORT_NODE_DIR=\${ORT_NODE_DIR:-$ORT_DIR/node_modules} exec node "$ORT_DIR/ort_time.js" "$2" "$3" "\$1" "\$2" "\$3"
EOS
    chmod +x "$1/run"
}
build_ort() { ort_script "$2" "$MODELS/$1.onnx" "$(input_dims "$1")"; }
build_ort_call() {
    dims=$(input_dims "$1")
    model="$WORK/identity_$(echo "$dims" | tr , x).onnx"
    [ -f "$model" ] || /usr/bin/python3 "$ORT_DIR/make_identity.py" "$dims" "$model"
    ort_script "$2" "$model" "$dims"
}

# the median of numbers on stdin
median() { sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# ---- the machine ----
model_name=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
"$CC" -O2 "$root/bench/clock.c" -o "$WORK/clock"
clock=$($pin "$WORK/clock" | sed 's/.*=//')
echo "machine: ${model_name:-unknown CPU}, $(getconf _NPROCESSORS_ONLN) cores, effective clock ${clock} GHz (dependent-add chain), load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "compiler: $("$CC" --version | head -n 1); flags -std=c99 -O2 (+ -mavx2 -mfma for avx2 and generic_mavx2)"
echo "timing: ${pin:-no taskset}; $rounds interleaved rounds of ${seconds}s per model and column, median of the round medians; first up to 100000 calls per round"
echo

# ---- build everything first ----
for m in $models; do
    # results of an earlier run (a column left out now, e.g. NO_ORT=1) must not be shown
    rm -rf "${WORK:?}/$m"
    for c in $COLUMNS; do
        mkdir -p "$WORK/$m/$c"
        "build_$c" "$m" "$WORK/$m/$c" >/dev/null
    done
done

# ---- time: interleaved rounds ----
for m in $models; do
    for c in $COLUMNS; do : >"$WORK/$m/$c/medians"; done
    r=0
    while [ $r -lt "$rounds" ]; do
        for c in $COLUMNS; do
            $pin "$WORK/$m/$c/run" "$MODELS/$m.input.bin" 100000 "$seconds" >"$WORK/$m/$c/last"
            sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' "$WORK/$m/$c/last" >>"$WORK/$m/$c/medians"
        done
        r=$((r + 1))
    done
done

# ---- the table ----
printf '%-30s' "model"
for c in $COLUMNS; do printf ' %26s' "$c (us)"; done
case " $COLUMNS " in *" generic "*" avx2 "*) printf ' %16s' "generic/avx2" ;; esac
printf '\n'
for m in $models; do
    printf '%-30s' "$m"
    for c in $COLUMNS; do
        med=$(median <"$WORK/$m/$c/medians")
        lo=$(sort -g "$WORK/$m/$c/medians" | head -n 1)
        hi=$(sort -g "$WORK/$m/$c/medians" | tail -n 1)
        eval "med_$c=$med"
        printf ' %26s' "$(printf '%.1f [%.1f-%.1f]' "$med" "$lo" "$hi")"
    done
    # shellcheck disable=SC2154 # med_<column> are set by the eval above
    case " $COLUMNS " in
    *" generic "*" avx2 "*) printf ' %15.2fx' "$(echo "$med_generic $med_avx2" | awk '{print $1 / $2}')" ;;
    esac
    printf '\n'
done
echo "(us: median latency of one inference in microseconds [lowest-highest round median])"

# ---- against the peers: onnxruntime minus its call overhead, tsnc's dense build ----
case " $COLUMNS " in
*" avx2 "*)
    echo
    echo "peers, same run: ort = onnxruntime median minus ort_call (the Node call on an Identity"
    echo "model of the same input size); dense = tsnc --dense --target avx2; rss = peak resident"
    echo "set size of the process that runs the model (ort: the whole Node process)"
    printf '%-30s %10s %10s %10s %10s %12s %12s %12s %12s\n' model "avx2 us" "dense us" "ort us" "call us" \
        "ort/avx2" "dense/avx2" "avx2 rss KiB" "ort rss KiB"
    for m in $models; do
        a=$(median <"$WORK/$m/avx2/medians")
        dn=nan
        [ -f "$WORK/$m/dense/medians" ] && dn=$(median <"$WORK/$m/dense/medians")
        o=nan oc=nan ratio=nan orss=-
        if [ -f "$WORK/$m/ort/medians" ]; then
            o=$(median <"$WORK/$m/ort/medians")
            oc=$(median <"$WORK/$m/ort_call/medians")
            ratio=$(echo "$o $oc $a" | awk '{printf "%.2fx", ($1 - $2) / $3}')
            orss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' "$WORK/$m/ort/last" | tail -n 1)
        fi
        arss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' "$WORK/$m/avx2/last" | tail -n 1)
        printf '%-30s %10.1f %10.1f %10s %10s %12s %11.2fx %12s %12s\n' "$m" "$a" "$dn" "$o" "$oc" "$ratio" \
            "$(echo "$dn $a" | awk '{print $1 / $2}')" "$arss" "$orss"
    done
    ;;
esac

# ---- per spike layer: firing rate, additions performed, adds/s against the peak ----
if [ -z "${NO_LAYERS:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    echo
    TSNC="$TSNC" CC="$CC" WORK="$WORK" /usr/bin/python3 "$root/bench/layers.py" -m "$models" ${cpu:+-c "$cpu"}
fi

# ---- neon under qemu (not a latency) ----
if [ "$neon" = 1 ]; then
    echo
    if ! command -v aarch64-linux-gnu-gcc >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
        echo "neon: aarch64-linux-gnu-gcc or qemu-aarch64 missing (tools/install-deps.sh)"
        exit 0
    fi
    echo "neon, built with aarch64-linux-gnu-gcc -O2 -std=c99 -static and run under qemu-aarch64"
    echo "(emulated: the time says how fast qemu is, not how fast a Cortex-A core would be)"
    for m in $models; do
        d="$WORK/$m/neon"
        mkdir -p "$d"
        "$TSNC" compile "$MODELS/$m.onnx" -o "$d" --target neon >/dev/null
        # shellcheck disable=SC2046
        aarch64-linux-gnu-gcc -std=c99 -O2 -static -I"$d" -DMODEL="$m" $(gen_sources "$d") \
            "$root/bench/time_model.c" -o "$d/run" -lm
        printf '%-30s %s\n' "$m" "$($pin qemu-aarch64 "$d/run" "$MODELS/$m.input.bin" 100000 "$seconds" |
            sed -n 's/.*median_us=\([0-9.]*\).*/\1 us per inference, emulated/p')"
    done
fi
