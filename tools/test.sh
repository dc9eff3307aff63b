#!/bin/sh
# The test command: installs dependencies, then builds tsnc twice and runs
# every test with ctest — once normally (gcc), once with AddressSanitizer and
# UndefinedBehaviorSanitizer (clang).
set -eu
cd "$(dirname "$0")/.."
./tools/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

# TSNC_FUZZ also builds the libFuzzer harness and fuzzes it over its corpus
# for a short while (ctest fuzz.smoke.*; the long runs are tools/fuzz.sh).
CC=clang cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTSNC_SANITIZE=ON -DTSNC_FUZZ=ON
cmake --build build-asan -j "$jobs"
# The second pass is for the compiler under the sanitizers: every test that runs tsnc
# runs again, but not the checks whose subject is only the generated code or the
# runtime kernels built by the system compilers, which the first pass already ran
# (the kernels' own sanitizer builds, the generated code's ASan/TSan/valgrind
# builds, its clang twins, its runs under qemu-aarch64, the full test sets and
# the differential tester's smoke run against onnxruntime; the nofmul.*.neon
# tests still run tsnc --target neon).
generated_only='\.(asan|tsan)-|\.clang$|\.qemu$|full_test_set|^targets\.kernels|^hardening\.generated_|^difftest\.'
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -E "$generated_only"
echo "all tests passed"
