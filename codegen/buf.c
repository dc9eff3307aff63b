/*
 * buf.c - growable byte buffer for generated sources.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"

static void buf_reserve(Buf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) die("out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
}

void buf_append(Buf *b, const char *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

char *buf_extend(Buf *b, size_t n) {
    buf_reserve(b, n);
    char *p = b->data + b->len;
    memset(p, 0, n);
    b->len += n;
    b->data[b->len] = 0;
    return p;
}

void buf_printf(Buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) die("bad format");
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_free(Buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
