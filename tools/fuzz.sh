#!/bin/sh
# Fuzzes tsnc: builds the libFuzzer harness with clang
# (-fsanitize=fuzzer,address,undefined) in build-fuzz and runs it.
#   tools/fuzz.sh [onnx|ir] [SECONDS]        e.g. tools/fuzz.sh onnx 600
# See test/fuzz/run.sh for the options and test/fuzz/README.md for the workflow.
exec sh "$(dirname "$0")/../test/fuzz/run.sh" "$@"
