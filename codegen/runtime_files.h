/*
 * runtime_files.h - the kernel sources of runtime/, embedded into tsnc at
 * build time (cmake/embed_runtime.cmake) so that generated code can include
 * them verbatim and stay self-contained.
 */
#ifndef TSNC_RUNTIME_FILES_H
#define TSNC_RUNTIME_FILES_H

typedef struct TsncRuntimeFile {
    const char *path;  /* relative to runtime/, e.g. "generic/conv.c" */
    const char *text;  /* NUL-terminated contents */
} TsncRuntimeFile;

/* Every embedded file, terminated by {NULL, NULL}. */
extern const TsncRuntimeFile tsnc_runtime_files[];

/* The contents of runtime/PATH, or NULL if there is no such file. */
const char *runtime_file(const char *path);

#endif
