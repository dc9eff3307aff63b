/*
 * kernel_lib.h - the kernel snippets of runtime/<target>/ and the set of
 * them one generated file needs.
 *
 * A runtime file (e.g. runtime/generic/conv.c) is valid C99 on its own and
 * is cut into snippets by marker lines
 *
 *     / * @kernel NAME [uses OTHER ...] [needs <header.h> ... -lm] * /
 *
 * (without the spaces inside the comment delimiters). A snippet runs from
 * the line after its marker to the next marker or the end of the file; the
 * text before the first marker (the file's own comment) is not copied.
 * "uses" names snippets that must come first (an enum, a parameter struct,
 * a helper); they must appear earlier in the library order of their own
 * directory (files sorted by path, then position), possibly in another
 * file, or, for a target snippet, anywhere in runtime/generic/. "needs"
 * lists the headers the snippet needs (standard ones, or a target's
 * intrinsics header such as <immintrin.h>), and -lm if it calls a libm
 * function (a header's macros such as INFINITY need no libm). Generated
 * code gets exactly the snippets it calls, so that it has no unused static
 * function (-Wunused-function).
 *
 * Calling convention: a kernel the generated code calls takes its data as
 * pointer arguments (inputs, then outputs, then scratch) and everything
 * else (shapes, strides, layout, attributes, the neuron's firing rule) in
 * one const parameter struct, declared as a snippet next to the kernel
 * with a comment on each field; the emitters pass it as a compound literal
 * with designated initializers, e.g.
 *
 *     lif_f32(x, m_prev, s, m, &(const struct lif_params){.n = 784, .decay = 0.25f, ...});
 *
 * so each number in the generated C is named. Only kernels of the form
 * f(x, y, n) (unary maps, casts, not_u8) stay positional.
 *
 * Targets (in the spirit of XNNPACK's micro-kernels: one scalar reference
 * for every kernel, SIMD variants where they pay): the kernels of target T
 * are runtime/T/ overlaid on runtime/generic/. A snippet NAME in
 * runtime/avx2/ replaces generic's NAME (same signature: emitters call one
 * name whatever the target); every snippet without a target variant is the
 * generic one. A target may add snippets of its own (helpers). Snippets are
 * emitted with every snippet they use before them, so a target variant of
 * a helper that generic snippets use still comes first.
 */
#ifndef TSNC_KERNEL_LIB_H
#define TSNC_KERNEL_LIB_H

#include <stdbool.h>

#include "codegen/codegen.h"
#include "codegen/runtime_files.h"

/* One snippet, pointing into the embedded runtime text. */
typedef struct Kernel {
    const char *name; /* NAME of the marker (malloc'd) */
    const char *path; /* runtime file, e.g. "generic/conv.c", "avx2/conv.c" */
    const char *text; /* start of the snippet text (not NUL-terminated) */
    int len;          /* bytes of text, trailing blank lines dropped */
    int n_uses, n_needs;
    char **uses;  /* names of snippets it uses */
    char **needs; /* headers, e.g. "<math.h>", and "-lm" if it calls libm */
    const char *replaces; /* target variant: the generic file whose NAME it replaces, else NULL */
} Kernel;

/* The snippets of one target (generic, overlaid by the target's) and which are wanted. */
typedef struct KernelSet {
    int n;
    Kernel *k;    /* library order: generic's (variants in their place), then target-only ones */
    bool *wanted; /* per snippet */
} KernelSet;

/*
 * Loads the kernels of target directory DIR ("generic", "avx2", "neon"):
 * every snippet of runtime/generic/, each replaced by the snippet of the
 * same name in runtime/DIR/ if there is one, plus DIR's own helpers. A DIR
 * without files gives the generic kernels. Returns NULL with a message in d
 * if a marker is malformed, a name repeats within a directory, a "uses"
 * names a snippet that is unknown or not earlier, or the overlay makes a
 * snippet use itself (bugs in runtime/, caught by the unit tests).
 */
KernelSet *kernels_load(const char *dir, Diag *d);
/* The same over another table of files ({NULL, NULL}-terminated, as tsnc_runtime_files). */
KernelSet *kernels_load_files(const TsncRuntimeFile *files, const char *dir, Diag *d);
void kernels_free(KernelSet *ks);
/* The snippet called name, or NULL. */
const Kernel *kernels_find(const KernelSet *ks, const char *name);
/* Marks name and, recursively, what it uses as wanted. Dies if unknown (an emitter bug). */
void kernels_want(KernelSet *ks, const char *name);
/* True if a wanted snippet needs header (e.g. "<math.h>", or "-lm": linking with libm). */
bool kernels_need_header(const KernelSet *ks, const char *header);
/*
 * The distinct headers (and "-lm") that wanted snippets need, in library
 * order of their first appearance: up to max entries into out (pointers
 * into ks); returns how many there are.
 */
int kernels_needs(const KernelSet *ks, const char **out, int max);
/* True if a wanted snippet comes from runtime/DIR/ (e.g. "avx2"). */
bool kernels_use_dir(const KernelSet *ks, const char *dir);
/*
 * Appends the wanted snippets in library order, each after the snippets it
 * uses, each preceded by a comment naming its runtime file.
 */
void kernels_emit(const KernelSet *ks, Buf *out);

#endif
