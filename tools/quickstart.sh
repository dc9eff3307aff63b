#!/bin/sh
# The main job on a fresh Debian 12 machine: install dependencies, build tsnc,
# compile the shipped Fashion-MNIST ternary-spike CNN to C, build the
# generated code with a small driver and print its accuracy on the shipped
# samples next to PyTorch's.
set -eu
cd "$(dirname "$0")/.."
./tools/install-deps.sh
# The build's log is shown only if it fails, so the summary below stays readable.
mkdir -p build
log=build/quickstart-build.log
echo "quickstart: building tsnc (log: $log)"
if ! { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target tsnc; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "quickstart: building tsnc failed (the log above is $log)" >&2
  exit 1
fi
echo "quickstart: compiling models/fmnist_cnn_t4.onnx to out/"
./build/tsnc compile models/fmnist_cnn_t4.onnx -o out
# out/fmnist_cnn_t4.c, plus out/fmnist_cnn_t4_weights.S for a model with 1 MiB of
# weights or more (tsnc compile --weights: docs/generated-api.md)
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -Iout -DMODEL=fmnist_cnn_t4 \
   $(ls out/fmnist_cnn_t4.c out/fmnist_cnn_t4_weights.S 2>/dev/null || true) \
   test/e2e/check_model.c -o out/fmnist_cnn_t4_check -lm
./out/fmnist_cnn_t4_check models/fmnist_cnn_t4.input.bin models/fmnist_cnn_t4.logits.bin \
   models/fmnist_cnn_t4.labels.bin 0.99 0.995 0.002
