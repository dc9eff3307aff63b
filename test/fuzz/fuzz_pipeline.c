/*
 * fuzz_pipeline.c - libFuzzer target: an ONNX file through the whole
 * compiler (import, verify, every pass, codegen into memory), with a
 * structure-aware mutator (onnx_mutator.c) next to libFuzzer's byte
 * mutations. Built by -DTSNC_FUZZ=ON; run with tools/fuzz.sh.
 */
#include "test/fuzz/fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_onnx_one(data, size);
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed) {
    return onnx_mutate(data, size, max_size, seed);
}
