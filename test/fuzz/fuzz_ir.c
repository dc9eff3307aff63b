/*
 * fuzz_ir.c - libFuzzer target: textual IR (docs/ir.md) through the parser,
 * every pass and codegen into memory. Built by -DTSNC_FUZZ=ON; run with
 * tools/fuzz.sh ir.
 */
#include "test/fuzz/fuzz_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_ir_one(data, size);
}
