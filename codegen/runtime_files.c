/*
 * runtime_files.c - lookup in the embedded runtime/ sources.
 */
#include <string.h>

#include "codegen/runtime_files.h"

const char *runtime_file(const char *path) {
    for (const TsncRuntimeFile *f = tsnc_runtime_files; f->path; f++)
        if (strcmp(f->path, path) == 0) return f->text;
    return NULL;
}
