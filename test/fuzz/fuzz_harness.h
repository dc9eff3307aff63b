/*
 * fuzz_harness.h - what the fuzz targets and their replay driver share: the
 * whole path from untrusted bytes to generated C, in memory.
 *
 * Each entry point mirrors `tsnc compile` (cli/cmd_compile.c): load (ONNX
 * importer or IR text parser), verify, run the pass pipeline, verify,
 * emit NAME.c / NAME.h into memory buffers. Nothing touches the file system.
 * The options (--target, --spike-impl, --dense) are derived from the input's
 * size, so every combination is fuzzed and each input replays the same way.
 * A rejected input is fine; what the harness turns into a crash (abort) is
 * what would be a bug in tsnc:
 *   - a stage fails without a message in the Diag (the user would get no
 *     reason);
 *   - the graph fails verification after a pass that reported success
 *     (passes must leave a verifiable graph: passes/passes.h);
 *   - code generation succeeds with an empty NAME.c or NAME.h.
 * Crashes, hangs, leaks and out-of-bounds accesses are caught by libFuzzer
 * and the sanitizers.
 */
#ifndef TSNC_FUZZ_HARNESS_H
#define TSNC_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Runs an ONNX ModelProto in data[0..size) through the compiler. Always returns 0. */
int fuzz_onnx_one(const uint8_t *data, size_t size);
/* Runs textual IR (docs/ir.md) in data[0..size) through the compiler. Always returns 0. */
int fuzz_ir_one(const uint8_t *data, size_t size);

/* libFuzzer's entry point (defined by fuzz_pipeline.c or fuzz_ir.c). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Structure-aware mutation of an ONNX model in data[0..size) (onnx_mutator.c):
 * writes the mutant into data (at most max_size bytes) and returns its size.
 * fuzz_pipeline installs it as libFuzzer's LLVMFuzzerCustomMutator.
 */
size_t onnx_mutate(uint8_t *data, size_t size, size_t max_size, unsigned seed);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#endif
