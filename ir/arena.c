/*
 * arena.c - bump allocator for compiler memory.
 *
 * Blocks are chained; a request larger than the default block gets a block
 * of its own, so big initializers do not waste a partially used block.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

enum { ARENA_BLOCK = 1 << 20, ARENA_ALIGN = 16 };

typedef struct Block {
    struct Block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} Block;

struct Arena {
    Block *head;
};

static Block *block_new(size_t size) {
    Block *b = malloc(sizeof(Block) + size);
    if (!b) die("out of memory allocating %zu bytes", size);
    b->next = NULL;
    b->used = 0;
    b->size = size;
    return b;
}

Arena *arena_new(void) {
    Arena *a = calloc(1, sizeof *a);
    if (!a) die("out of memory");
    return a;
}

void *arena_alloc(Arena *a, size_t n) {
    if (n == 0) n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN) die("allocation of %zu bytes overflows", n);
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    Block *b = a->head;
    if (!b || b->size - b->used < n) {
        if (n > ARENA_BLOCK / 4) {
            /* Large: a dedicated block behind the current one keeps it usable. */
            Block *big = block_new(n);
            big->used = n;
            if (b) {
                big->next = b->next;
                b->next = big;
            } else {
                a->head = big;
            }
            memset(big->data, 0, n);
            return big->data;
        }
        b = block_new(ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(Arena *a, const char *s) {
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) die("bad format");
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(Arena *a) {
    if (!a) return;
    Block *b = a->head;
    while (b) {
        Block *next = b->next;
        free(b);
        b = next;
    }
    free(a);
}
