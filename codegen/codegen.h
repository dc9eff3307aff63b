/*
 * codegen.h - emitting self-contained C99 from a lowered graph.
 *
 * The generated NAME.c includes only standard headers and NAME.h; weights
 * are static const arrays or a binary image (weights.h, emit_weights.c); intermediates live in one static arena planned by
 * plan_memory.c; kernels are copied in from runtime/ (docs/generated-api.md).
 */
#ifndef TSNC_CODEGEN_H
#define TSNC_CODEGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/ir.h"

/* TARGET_AVX512: AVX-512F/BW/VL kernels where there are some, the AVX2 ones otherwise. */
typedef enum Target { TARGET_GENERIC, TARGET_AVX2, TARGET_NEON, TARGET_AVX512, TARGET_COUNT } Target;

/* "generic", "avx2", "neon", "avx512". */
const char *target_name(Target t);
/* Parses a target name; TARGET_COUNT if unknown. */
Target target_from_name(const char *s);
/*
 * The preprocessor lines a generated file for t starts with: an #error
 * unless the compiler targets what t's kernels need (AVX2 and FMA; AVX-512F,
 * BW, VL and FMA; AArch64 NEON), so that a wrong build fails with a message instead of an
 * intrinsic error. "" for generic.
 */
const char *target_guard(Target t);
/* What the kernels of t are, for the generated file's comment. */
const char *target_kernels_text(Target t);
/* Floats per vector of the vocabulary t's runtime/simd kernels are built over (TSNC_VW):
 * 1 generic, 4 NEON, 8 AVX2, 16 AVX-512. */
int target_vector_floats(Target t);
/* The compiler flags t needs besides -std=c99 (e.g. "-mavx2 -mfma"); "" if none. */
const char *target_cflags(Target t);

/* A growable byte buffer (generated sources are built in memory, then written). */
typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;
void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_append(Buf *b, const char *s, size_t n);
/* Appends n zero bytes; returns where they start (valid until the buffer grows again). */
char *buf_extend(Buf *b, size_t n);
void buf_free(Buf *b);

/*
 * How the generated program gets its constant arrays (docs/generated-api.md,
 * "Weights"): in NAME.c (inline), from the weight image NAME.bin assembled
 * by NAME_weights.S (embed), or from the image the caller passes to
 * NAME_set_weights at run time (load). auto: inline below
 * WEIGHTS_AUTO_INLINE_MAX bytes of distinct constants, embed from there on.
 */
typedef enum WeightsMode {
    WEIGHTS_AUTO,
    WEIGHTS_INLINE,
    WEIGHTS_EMBED,
    WEIGHTS_LOAD,
    WEIGHTS_MODE_COUNT
} WeightsMode;
#define WEIGHTS_AUTO_INLINE_MAX (1 << 20)
/* Longest --weights-section name. */
#define WEIGHTS_SECTION_MAX 64

/* "auto", "inline", "embed", "load". */
const char *weights_mode_name(WeightsMode m);
/* Parses a mode name; WEIGHTS_MODE_COUNT if unknown. */
WeightsMode weights_mode_from_name(const char *s);
/* The mode auto means for payload_bytes bytes of distinct constants; m itself otherwise. */
WeightsMode weights_resolve(WeightsMode m, int64_t payload_bytes);
/* True if s can name the weights' section: 1..WEIGHTS_SECTION_MAX of [A-Za-z0-9_.]. */
bool weights_section_ok(const char *s);

typedef struct CodegenOptions {
    const char *name;     /* C identifier prefix of the API (NAME_run, NAME_INPUT_SIZE) */
    Target target;
    const char *banner;   /* text of the leading comment (version, command line, model hash) */
    WeightsMode weights;  /* WEIGHTS_AUTO (0) unless set */
    const char *weights_section; /* ELF section of the weights (inline arrays, NAME_weights.S); NULL: default */
    bool no_step;         /* do not emit NAME_reset / NAME_step */
    char *step_note;      /* if not NULL: why NAME_step was not emitted ("" if it was) */
    size_t step_note_size;
} CodegenOptions;

/* What codegen writes; every Buf empty when not part of the mode. */
typedef struct CodegenOutput {
    Buf c, h;            /* NAME.c, NAME.h */
    Buf bin;             /* NAME.bin, the weight image (embed, load) */
    Buf s;               /* NAME_weights.S (embed) */
    WeightsMode weights; /* the mode used: auto resolved */
} CodegenOutput;
void codegen_output_free(CodegenOutput *out);

/*
 * Emits the files of a program from g into out (see CodegenOutput).
 * Requires a verified graph with static shapes. Unless o->no_step, appends
 * the one-timestep network to g (step_graph.h) for NAME_step; where that
 * fails, NAME_step is left out and o->step_note says why. Returns 0, or -1
 * with every op it cannot emit listed in d.
 */
int codegen(Graph *g, const CodegenOptions *o, CodegenOutput *out, Diag *d);

/*
 * codegen for one-file users: NAME.c into c_src and NAME.h into h_src,
 * the weights inline (o->weights must be auto or inline).
 */
int codegen_c(Graph *g, const CodegenOptions *o, Buf *c_src, Buf *h_src, Diag *d);

#endif
