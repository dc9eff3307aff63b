/*
 * target.c - the code generation targets: names, and what a generated
 * file for each demands of the C compiler. The kernels of target T are
 * runtime/T/ overlaid on runtime/generic/ (codegen/kernel_lib.h).
 */
#include <string.h>

#include "codegen/codegen.h"

static const char *const names[TARGET_COUNT] = {
    [TARGET_GENERIC] = "generic",
    [TARGET_AVX2] = "avx2",
    [TARGET_NEON] = "neon",
    [TARGET_AVX512] = "avx512",
};

const char *target_name(Target t) {
    return (unsigned)t < TARGET_COUNT ? names[t] : "?";
}

Target target_from_name(const char *s) {
    for (int t = 0; t < TARGET_COUNT; t++)
        if (s && strcmp(s, names[t]) == 0) return (Target)t;
    return TARGET_COUNT;
}

/*
 * AVX2 kernels use FMA too (every AVX2 CPU has it: Haswell, Zen), and the
 * NEON ones AArch64's double-precision vectors (float64x2_t, which 32-bit
 * ARMv7 NEON lacks): both are tested by the guard. The AVX-512 target runs
 * the AVX2 kernels where it has no variant of its own, so it needs AVX2 too
 * (every AVX-512F CPU has it).
 */
static const char *const guards[TARGET_COUNT] = {
    [TARGET_GENERIC] = "",
    [TARGET_AVX2] = "#if !defined(__AVX2__) || !defined(__FMA__)\n"
                    "#error \"compile with -mavx2 -mfma (tsnc --target avx2), or use --target "
                    "generic\"\n#endif\n",
    [TARGET_AVX512] = "#if !defined(__AVX512F__) || !defined(__AVX512BW__) || !defined(__AVX512VL__) || "
                      "!defined(__AVX2__) || !defined(__FMA__)\n"
                      "#error \"compile with -mavx512f -mavx512bw -mavx512vl -mfma (tsnc --target avx512), or use "
                      "--target avx2\"\n#endif\n",
    [TARGET_NEON] = "#if !defined(__ARM_NEON) || !defined(__aarch64__)\n"
                    "#error \"compile for AArch64 with NEON (tsnc --target neon); for 32-bit Arm "
                    "or Cortex-M use --target generic\"\n#endif\n",
};

static const char *const kernels_text[TARGET_COUNT] = {
    [TARGET_GENERIC] = "portable C99 kernels",
    [TARGET_AVX2] = "AVX2+FMA kernels where they pay, portable C99 otherwise",
    [TARGET_NEON] = "AArch64 NEON kernels where they pay, portable C99 otherwise",
    [TARGET_AVX512] = "AVX-512 kernels where they pay, else AVX2+FMA, else portable C99",
};

static const char *const cflags[TARGET_COUNT] = {
    [TARGET_GENERIC] = "",
    [TARGET_AVX2] = "-mavx2 -mfma",
    [TARGET_NEON] = "",
    [TARGET_AVX512] = "-mavx512f -mavx512bw -mavx512vl -mfma",
};

const char *target_guard(Target t) {
    return (unsigned)t < TARGET_COUNT ? guards[t] : "";
}

const char *target_kernels_text(Target t) {
    return (unsigned)t < TARGET_COUNT ? kernels_text[t] : "?";
}

int target_vector_floats(Target t) {
    static const int floats[TARGET_COUNT] = {
        [TARGET_GENERIC] = 1, [TARGET_AVX2] = 8, [TARGET_NEON] = 4, [TARGET_AVX512] = 16};
    return (unsigned)t < TARGET_COUNT ? floats[t] : 1;
}

const char *target_cflags(Target t) {
    return (unsigned)t < TARGET_COUNT ? cflags[t] : "";
}
