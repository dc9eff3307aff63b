/*
 * onnx_strmap.c - open-addressing hash table from strings to pointers, for
 * the importer's value names (a graph can have 100k+ of them).
 *
 * The hash is FNV-1a with a per-process random basis followed by the
 * MurmurHash3 64-bit finalizer: names come from untrusted files, and a fixed
 * unseeded hash would let a crafted model make every lookup probe the whole
 * table. Iteration order is never observable, so the seed does not affect
 * output.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/onnx_internal.h"

typedef struct Slot {
    const char *key; /* NULL: empty */
    uint64_t hash;
    void *val;
} Slot;

struct StrMap {
    Slot *slots;
    size_t cap; /* power of two */
    size_t n;
};

static uint64_t hash_seed(void) {
    static uint64_t seed;
    if (!seed) {
        /* Address-space layout randomisation and the clock: enough to make
         * collisions unpredictable to a file author, no syscall needed. */
        uint64_t s = (uint64_t)(uintptr_t)&seed ^ ((uint64_t)time(NULL) << 32) ^
                     (uint64_t)clock();
        s ^= s >> 33;
        s *= UINT64_C(0xff51afd7ed558ccd);
        s ^= s >> 33;
        seed = s | 1;
    }
    return seed;
}

static uint64_t hash_str(const char *s) {
    uint64_t h = UINT64_C(14695981039346656037) ^ hash_seed();
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

StrMap *strmap_new(void) {
    StrMap *m = calloc(1, sizeof *m);
    if (!m) die("out of memory");
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) die("out of memory");
    return m;
}

void strmap_free(StrMap *m) {
    if (!m) return;
    free(m->slots);
    free(m);
}

/* The slot holding key, or the empty slot where it would go. */
static Slot *find_slot(Slot *slots, size_t cap, const char *key, uint64_t h) {
    size_t i = (size_t)h & (cap - 1);
    for (;;) {
        Slot *s = &slots[i];
        if (!s->key || (s->hash == h && strcmp(s->key, key) == 0)) return s;
        i = (i + 1) & (cap - 1);
    }
}

static void grow(StrMap *m) {
    size_t cap = m->cap * 2;
    Slot *slots = calloc(cap, sizeof *slots);
    if (!slots) die("out of memory");
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key) *find_slot(slots, cap, m->slots[i].key, m->slots[i].hash) = m->slots[i];
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
}

void *strmap_get(const StrMap *m, const char *key) {
    Slot *s = find_slot(m->slots, m->cap, key, hash_str(key));
    return s->key ? s->val : NULL;
}

bool strmap_put(StrMap *m, const char *key, void *val) {
    if ((m->n + 1) * 2 > m->cap) grow(m); /* load factor <= 1/2 */
    uint64_t h = hash_str(key);
    Slot *s = find_slot(m->slots, m->cap, key, h);
    if (s->key) return false;
    s->key = key;
    s->hash = h;
    s->val = val;
    m->n++;
    return true;
}
