/*
 * weights.c - the weight pool: distinct constant arrays laid out as the
 * weight image (weights.h). Sharing is decided by content: a SHA-256
 * (nettle) of the dtype code and the little-endian bytes picks the
 * candidates, a byte comparison confirms.
 */
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>
#include <zlib.h>

#include "codegen/weights.h"

void weights_init(WeightPool *p) {
    memset(p, 0, sizeof *p);
    buf_extend(&p->image, WEIGHTS_HEADER_BYTES); /* the header, filled by weights_finish */
}

void weights_free(WeightPool *p) {
    buf_free(&p->image);
    free(p->a);
    free(p->slot);
    memset(p, 0, sizeof *p);
}

static bool host_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* n elements of es bytes from host order to little-endian, into dst. */
static void store_le(unsigned char *dst, const void *src, int64_t n, size_t es) {
    size_t bytes = (size_t)n * es;
    if (host_little_endian() || es == 1) {
        memcpy(dst, src, bytes);
        return;
    }
    const unsigned char *s = src;
    for (size_t i = 0; i < bytes; i += es)
        for (size_t k = 0; k < es; k++) dst[i + k] = s[i + es - 1 - k];
}

/* Arrays of at least WEIGHTS_ALIGN bytes: WEIGHTS_ALIGN; smaller ones: their size rounded
 * up to a power of two (whatever vector reads them fits), at least the element size. */
static int64_t array_align(int64_t bytes, size_t es) {
    int64_t a = (int64_t)es;
    while (a < bytes && a < WEIGHTS_ALIGN) a *= 2;
    return a;
}

static uint64_t digest_key(const uint8_t *d) {
    uint64_t k;
    memcpy(&k, d, sizeof k);
    return k;
}

static void table_insert(WeightPool *p, int idx) {
    unsigned mask = (unsigned)p->n_slot - 1, h = (unsigned)digest_key(p->a[idx].digest) & mask;
    while (p->slot[h] >= 0) h = (h + 1) & mask;
    p->slot[h] = idx;
}

/* Keeps the table at most half full. */
static void table_grow(WeightPool *p) {
    if (2 * (p->n + 1) <= p->n_slot) return;
    free(p->slot);
    p->n_slot = p->n_slot ? 2 * p->n_slot : 64;
    p->slot = malloc((size_t)p->n_slot * sizeof *p->slot);
    if (!p->slot) die("out of memory");
    for (int i = 0; i < p->n_slot; i++) p->slot[i] = -1;
    for (int i = 0; i < p->n; i++) table_insert(p, i);
}

int weights_add(WeightPool *p, DType dt, const void *data, int64_t count) {
    if (p->finished) die("weights_add after weights_finish");
    size_t es = dtype_size(dt);
    int64_t bytes = count * (int64_t)es, align = array_align(bytes, es);
    p->added_bytes += bytes;
    /* The new bytes go where a new array would start; dropped again if already present. */
    size_t start = p->image.len;
    int64_t offset = ((int64_t)start + align - 1) / align * align;
    unsigned char *dst = (unsigned char *)buf_extend(&p->image, (size_t)(offset - (int64_t)start + bytes));
    dst += offset - (int64_t)start;
    if (bytes) store_le(dst, data, count, es);

    uint8_t digest[32], code = (uint8_t)dtype_to_onnx(dt);
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, 1, &code);
    sha256_update(&ctx, (size_t)bytes, dst);
    sha256_digest(&ctx, sizeof digest, digest);

    if (p->n_slot) {
        unsigned mask = (unsigned)p->n_slot - 1, h = (unsigned)digest_key(digest) & mask;
        for (; p->slot[h] >= 0; h = (h + 1) & mask) {
            WeightArray *w = &p->a[p->slot[h]];
            if (w->dtype == dt && w->bytes == bytes && memcmp(w->digest, digest, sizeof digest) == 0 &&
                memcmp(p->image.data + w->offset, dst, (size_t)bytes) == 0) {
                p->image.len = start;
                p->image.data[start] = 0;
                w->shared++;
                return p->slot[h];
            }
        }
    }
    table_grow(p);
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 32;
        p->a = realloc(p->a, (size_t)p->cap * sizeof *p->a);
        if (!p->a) die("out of memory");
    }
    WeightArray *w = &p->a[p->n];
    *w = (WeightArray){.dtype = dt, .count = count, .offset = offset, .bytes = bytes, .align = align};
    memcpy(w->digest, digest, sizeof digest);
    table_insert(p, p->n);
    return p->n++;
}

int64_t weights_payload_bytes(const WeightPool *p) {
    int64_t sum = 0;
    for (int i = 0; i < p->n; i++) sum += p->a[i].bytes;
    return sum;
}

static void put_le(unsigned char *dst, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) dst[i] = (unsigned char)(v >> (8 * i));
}

void weights_finish(WeightPool *p) {
    if (p->finished) return;
    /* the directory, 8-byte aligned */
    size_t start = p->image.len, dir = (start + 7) / 8 * 8;
    unsigned char *d = (unsigned char *)buf_extend(&p->image, dir - start + (size_t)p->n * WEIGHTS_DIR_ENTRY_BYTES);
    d += dir - start;
    for (int i = 0; i < p->n; i++, d += WEIGHTS_DIR_ENTRY_BYTES) {
        put_le(d, (uint64_t)p->a[i].offset, 8);
        put_le(d + 8, (uint64_t)p->a[i].count, 8);
        put_le(d + 16, (uint64_t)dtype_to_onnx(p->a[i].dtype), 4);
        put_le(d + 20, (uint64_t)dtype_size(p->a[i].dtype), 4);
    }
    unsigned char *h = (unsigned char *)p->image.data;
    const unsigned char *body = h + WEIGHTS_HEADER_BYTES;
    size_t left = p->image.len - WEIGHTS_HEADER_BYTES;
    uLong crc = crc32(0L, Z_NULL, 0);
    while (left) { /* crc32 takes 32-bit lengths */
        uInt part = left > (1u << 30) ? (1u << 30) : (uInt)left;
        crc = crc32(crc, body, part);
        body += part;
        left -= part;
    }
    p->crc32 = (uint32_t)crc;
    memset(h, 0, WEIGHTS_HEADER_BYTES);
    memcpy(h, WEIGHTS_MAGIC, 8);
    put_le(h + 8, WEIGHTS_VERSION, 4);
    put_le(h + 12, WEIGHTS_HEADER_BYTES, 4);
    put_le(h + 16, (uint64_t)p->image.len, 8);
    put_le(h + 24, p->crc32, 4);
    put_le(h + 28, (uint64_t)p->n, 4);
    put_le(h + 32, (uint64_t)dir, 8);
    p->finished = true;
}
