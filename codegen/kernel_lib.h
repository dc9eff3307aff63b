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
 * a helper); they must appear earlier in the library order (files sorted
 * by path, then position), possibly in another file. "needs" lists the
 * standard headers the snippet needs, and -lm if it calls a libm function
 * (a header's macros such as INFINITY need no libm). Generated code gets
 * exactly the snippets it calls, so that it has no unused static function
 * (-Wunused-function).
 */
#ifndef TSNC_KERNEL_LIB_H
#define TSNC_KERNEL_LIB_H

#include <stdbool.h>

#include "codegen/codegen.h"

/* One snippet, pointing into the embedded runtime text. */
typedef struct Kernel {
    const char *name; /* NAME of the marker (malloc'd) */
    const char *path; /* runtime file, e.g. "generic/conv.c" */
    const char *text; /* start of the snippet text (not NUL-terminated) */
    int len;          /* bytes of text, trailing blank lines dropped */
    int n_uses, n_needs;
    char **uses;  /* names of snippets it uses */
    char **needs; /* headers, e.g. "<math.h>", and "-lm" if it calls libm */
} Kernel;

/* The snippets of one target directory and which of them are wanted. */
typedef struct KernelSet {
    int n;
    Kernel *k;    /* in library order */
    bool *wanted; /* per snippet */
} KernelSet;

/*
 * Loads every snippet under runtime/DIR/ ("generic"). Returns NULL with a
 * message in d if a marker is malformed, a name repeats or a "uses" names a
 * snippet that is unknown or not earlier (a bug in runtime/, caught by the
 * unit tests).
 */
KernelSet *kernels_load(const char *dir, Diag *d);
void kernels_free(KernelSet *ks);
/* The snippet called name, or NULL. */
const Kernel *kernels_find(const KernelSet *ks, const char *name);
/* Marks name and, recursively, what it uses as wanted. Dies if unknown (an emitter bug). */
void kernels_want(KernelSet *ks, const char *name);
/* True if a wanted snippet needs header (e.g. "<math.h>", or "-lm": linking with libm). */
bool kernels_need_header(const KernelSet *ks, const char *header);
/*
 * Appends the wanted snippets in library order, each preceded by a comment
 * naming its runtime file.
 */
void kernels_emit(const KernelSet *ks, Buf *out);

#endif
