#!/bin/sh
# Builds and runs tsnc's libFuzzer targets, then reports executions, coverage
# and findings. tools/fuzz.sh calls this.
#
# usage: test/fuzz/run.sh [--binary FUZZER] [--build DIR] [--work DIR] [onnx|ir] [SECONDS]
#
#   onnx|ir      fuzz_pipeline (ONNX bytes, default) or fuzz_ir (IR text)
#   SECONDS      how long to fuzz (default 60)
#   --build DIR  cmake build directory for the fuzz build (default build-fuzz);
#                configured with CC=clang -DTSNC_FUZZ=ON and built here
#   --binary F   use an already built fuzzer instead (ctest's fuzz.smoke.*)
#   --work DIR   where the growing corpus and artifacts live (default BUILD/fuzz-TARGET);
#                runs into the same DIR continue from its corpus
#
# Every run uses -timeout=10 -rss_limit_mb=4096 -max_len=32768, the seeds in test/fuzz/corpus
# (or corpus_ir), test/data/onnx and test/fuzz/regressions (see below), and the
# matching dictionary. Extra libFuzzer flags can be given in FUZZ_FLAGS. The fuzzer runs
# under `nice`. Exit status: 0 without findings, 1 with (the crash, leak,
# timeout or oom files are listed; copy each into test/fuzz/regressions/ once
# fixed), 2 on a usage or build error.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build-fuzz
binary=
work=
target=onnx
seconds=60
while [ $# -gt 0 ]; do
  case $1 in
    --binary) binary=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    onnx|ir) target=$1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *[!0-9]*|'') echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
    *) seconds=$1; shift ;;
  esac
done

if [ "$target" = onnx ]; then
  name=fuzz_pipeline dict=$src/test/fuzz/onnx.dict
  seeds="$src/test/fuzz/corpus $src/test/data/onnx/*.onnx"
else
  name=fuzz_ir dict=$src/test/fuzz/ir.dict
  seeds="$src/test/fuzz/corpus_ir"
fi

if [ -z "$binary" ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTSNC_FUZZ=ON \
      >/dev/null || exit 2
  fi
  cmake --build "$build" --target "$name" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null || {
    echo "run.sh: building $name failed (cmake --build $build --target $name)" >&2; exit 2; }
  binary=$build/test/fuzz/$name
fi
[ -x "$binary" ] || { echo "run.sh: no fuzzer at $binary" >&2; exit 2; }
[ -n "$work" ] || work=$(dirname "$binary")/../../fuzz-$target
mkdir -p "$work/corpus" "$work/artifacts"
work=$(cd "$work" && pwd)

# Seeds: the corpus, the small files of test/data/onnx and the regression
# inputs of this target (the ONNX harness gets every non-.tir file, the IR
# harness the .tir files). Left out are the inputs made to sit right at a limit
# (*bomb*, inline_*: 10^5 inlined nodes, a second under ASan): their mutants
# keep the fuzzer near 200000-node graphs, which time out only because this
# machine is shared; ctest fuzz.replay still runs them.
rm -rf "$work/seeds"
mkdir -p "$work/seeds"
for f in $seeds "$src"/test/fuzz/regressions/*; do
  if [ -d "$f" ]; then
    cp "$f"/* "$work/seeds/" 2>/dev/null || true
    continue
  fi
  [ -f "$f" ] || continue
  case $f in
    */README*|*bomb*|*/inline_*) continue ;;
    *.tir) [ "$target" = ir ] && cp "$f" "$work/seeds/" ;;
    *) [ "$target" = onnx ] && cp "$f" "$work/seeds/" ;;
  esac
done

log=$work/fuzz-$(date +%Y%m%d-%H%M%S).log
before=$(ls "$work/artifacts" | grep -cv '^slow-unit-' || true)
echo "fuzzing $name for ${seconds}s; log $log"
# shellcheck disable=SC2086
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
nice -n 10 "$binary" "$work/corpus" "$work/seeds" \
  -dict="$dict" -timeout=10 -rss_limit_mb=4096 -max_len=32768 -max_total_time="$seconds" \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1 || true

# Summary: libFuzzer's last status line (#execs ... cov: ... ft: ...) and final stats.
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
corp=$(echo "$last" | sed -n 's/.*corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
echo "target:      $name"
echo "seconds:     $seconds"
echo "executions:  ${execs:-?} (${speed:-?}/s)"
echo "coverage:    cov: ${cov:-?} ft: ${ft:-?} corpus: ${corp:-?}"
echo "last status: $last"
# libFuzzer's slow-unit-* files (an input that took over 10 s but finished) are
# reported, not failed: on a loaded machine they are usually load, not work;
# re-run such a file alone (the fuzzer prints "Executed ... in N ms").
slow=$(grep -c 'Slowest unit' "$log" || true)
[ "$slow" -eq 0 ] || echo "slow units:  $slow (see slow-unit-* in $work/artifacts)"
after=$(ls "$work/artifacts" | grep -cv '^slow-unit-' || true)
if grep -qE '^==[0-9]+==ERROR|runtime error:|tsnc fuzz finding|ALARM: working on the last Unit|out-of-memory|written to .*/(crash|leak|timeout|oom)-' "$log" ||
   [ "$after" -gt "$before" ]; then
  echo "FINDINGS (log: $log):"
  grep -E 'SUMMARY|runtime error:|tsnc fuzz finding|ERROR: libFuzzer|Test unit written' "$log" | head -n 20
  ls -l "$work/artifacts"
  exit 1
fi
echo "findings:    none"
