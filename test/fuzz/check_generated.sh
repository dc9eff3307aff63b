#!/bin/sh
# Generated code is checked too: every shipped model is compiled by
# tsnc and its C is run on shipped samples under a memory checker.
#
# usage: check_generated.sh asan     TSNC SRCDIR WORKDIR CLANG
#        check_generated.sh valgrind TSNC SRCDIR WORKDIR CC VALGRIND
#
#   asan      clang -O1 -fsanitize=address,undefined -fno-sanitize-recover=all;
#             every sample of the digits models, the first ASAN_SAMPLES (100)
#             of each Fashion-MNIST model. Any sanitizer report fails the run.
#   valgrind  CC -O2; the first VALGRIND_SAMPLES (5) samples of every model under
#             valgrind --error-exitcode=1 --leak-check=full.
#
# Both run the generic target and, when this CPU has AVX2 and FMA, the avx2
# target (its hand-written intrinsics kernels) too.
#
# The driver is test/e2e/check_model.c; the buffers it reads its sample files
# into and never frees are suppressed (check_model.*.supp): the generated code
# itself uses no heap. Its accuracy thresholds are loose here
# (argmax agreement >= 95 % on the subset): this test is about memory safety;
# test/e2e checks the numbers on every sample.
set -eu
mode=$1 tsnc=$2 src=$3 work=$4 cc=$5 valgrind=${6:-valgrind}
case $mode in
  asan|valgrind) ;;
  *) echo "usage: $0 asan|valgrind TSNC SRCDIR WORKDIR CC [VALGRIND]" >&2; exit 2 ;;
esac
work="$work/generated-$mode"
rm -rf "$work"
mkdir -p "$work"
targets=generic
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then
  targets="generic avx2"
fi
# check TARGET MODEL: compile, build, run; sets status=1 on a failure.
check() {
  target=$1 model=$2
  flags=
  [ "$target" = avx2 ] && flags="-mavx2 -mfma"
  out="$work/$target/$model"
  mkdir -p "$out"
  "$tsnc" compile "$src/models/$model.onnx" -o "$out" --target "$target"
  # Sample subsets: inputs are raw float32, logits 10 float32, labels 1 byte each.
  in_bytes=$(($(wc -c <"$src/models/$model.input.bin") / $(wc -c <"$src/models/$model.labels.bin")))
  case $mode in
    asan) n=${ASAN_SAMPLES:-100}; case $model in digits_*) n=100000 ;; esac ;;
    valgrind) n=${VALGRIND_SAMPLES:-5} ;;
  esac
  head -c $((n * in_bytes)) "$src/models/$model.input.bin" >"$out/input.bin"
  head -c $((n * 40)) "$src/models/$model.logits.bin" >"$out/logits.bin"
  head -c "$n" "$src/models/$model.labels.bin" >"$out/labels.bin"
  if [ "$mode" = asan ]; then
    # shellcheck disable=SC2086
    "$cc" -std=c99 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer $flags -I"$out" -DMODEL="$model" \
      "$out/$model.c" "$src/test/e2e/check_model.c" -o "$out/check" -lm
    run="$out/check"
  else
    # shellcheck disable=SC2086
    "$cc" -std=c99 -O2 -g $flags -I"$out" -DMODEL="$model" \
      "$out/$model.c" "$src/test/e2e/check_model.c" -o "$out/check" -lm
    run="$valgrind -q --error-exitcode=99 --leak-check=full \
      --suppressions=$src/test/fuzz/check_model.valgrind.supp $out/check"
  fi
  echo "== $model ($target, $mode, $(($(wc -c <"$out/labels.bin"))) samples)"
  # shellcheck disable=SC2086
  if ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
     LSAN_OPTIONS=suppressions=$src/test/fuzz/check_model.lsan.supp:print_suppressions=0 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
     $run "$out/input.bin" "$out/logits.bin" "$out/labels.bin" 0 0.95 1 >"$out/log" 2>&1; then
    tail -n 4 "$out/log"
  else
    cat "$out/log"
    echo "FAIL: $model ($target) under $mode"
    status=1
  fi
}

status=0
for target in $targets; do
  for onnx in "$src"/models/*.onnx; do
    check "$target" "$(basename "$onnx" .onnx)"
  done
done
exit $status
