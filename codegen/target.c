/*
 * target.c - names of the code generation targets.
 */
#include <string.h>

#include "codegen/codegen.h"

static const char *const names[TARGET_COUNT] = {
    [TARGET_GENERIC] = "generic",
    [TARGET_AVX2] = "avx2",
    [TARGET_NEON] = "neon",
};

const char *target_name(Target t) {
    return (unsigned)t < TARGET_COUNT ? names[t] : "?";
}

Target target_from_name(const char *s) {
    for (int t = 0; t < TARGET_COUNT; t++)
        if (s && strcmp(s, names[t]) == 0) return (Target)t;
    return TARGET_COUNT;
}
