/*
 * codegen.h - emitting self-contained C99 from a lowered graph.
 *
 * The generated NAME.c includes only standard headers and NAME.h; weights
 * are static const arrays; intermediates live in one static arena planned by
 * plan_memory.c; kernels are copied in from runtime/ (docs/generated-api.md).
 */
#ifndef TSNC_CODEGEN_H
#define TSNC_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"

typedef enum Target { TARGET_GENERIC, TARGET_AVX2, TARGET_NEON, TARGET_COUNT } Target;

/* "generic", "avx2", "neon". */
const char *target_name(Target t);
/* Parses a target name; TARGET_COUNT if unknown. */
Target target_from_name(const char *s);
/*
 * The preprocessor lines a generated file for t starts with: an #error
 * unless the compiler targets what t's kernels need (AVX2 and FMA; AArch64
 * NEON), so that a wrong build fails with a message instead of an
 * intrinsic error. "" for generic.
 */
const char *target_guard(Target t);
/* What the kernels of t are, for the generated file's comment. */
const char *target_kernels_text(Target t);
/* The compiler flags t needs besides -std=c99 (e.g. "-mavx2 -mfma"); "" if none. */
const char *target_cflags(Target t);

/* A growable byte buffer (generated sources are built in memory, then written). */
typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_append(Buf *b, const char *s, size_t n);
void buf_free(Buf *b);

typedef struct CodegenOptions {
    const char *name;     /* C identifier prefix of the API (NAME_run, NAME_INPUT_SIZE) */
    Target target;
    const char *banner;   /* text of the leading comment (version, command line, model hash) */
    bool no_step;         /* do not emit NAME_reset / NAME_step */
    char *step_note;      /* if not NULL: why NAME_step was not emitted ("" if it was) */
    size_t step_note_size;
} CodegenOptions;

/*
 * Emits NAME.c into c_src and NAME.h into h_src. Requires a verified graph
 * with static shapes. Unless o->no_step, appends the one-timestep network to
 * g (step_graph.h) for NAME_step; where that fails, NAME_step is left out
 * and o->step_note says why. Returns 0, or -1 with every op it cannot emit
 * listed in d.
 */
int codegen_c(Graph *g, const CodegenOptions *o, Buf *c_src, Buf *h_src, Diag *d);

#endif
