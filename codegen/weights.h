/*
 * weights.h - the constant arrays of one generated program, each stored
 * once, laid out as the weight image NAME.bin (docs/generated-api.md, "The
 * weight image").
 *
 * Every constant array the generated code reads (graph constants, and the
 * arrays emitters derive at compile time: rearranged spike weights, folded
 * BatchNormalization factors) is added to one WeightPool. Arrays with the
 * same dtype and bytes are stored once, whatever their names: the per-step
 * copies of an explicit-time export, constants that passes folded
 * separately to equal values. The pool is the image itself: a 64-byte
 * header, the arrays at aligned offsets in the order they were first
 * added, then a directory of the arrays. How NAME.c reaches the image
 * (C arrays, an assembler .incbin, a pointer given at run time) is
 * emit_weights.c's job.
 */
#ifndef TSNC_WEIGHTS_H
#define TSNC_WEIGHTS_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/codegen.h"

/* The image's header (little-endian; runtime/generic/weights.c reads it). */
#define WEIGHTS_MAGIC "TSNCWGT" /* 8 bytes with its NUL */
#define WEIGHTS_VERSION 1
#define WEIGHTS_HEADER_BYTES 64
/* A directory entry: u64 offset, u64 element count, u32 ONNX data type, u32 element size. */
#define WEIGHTS_DIR_ENTRY_BYTES 24
/* Arrays of at least this many bytes start at a multiple of it (AVX-512 loads). */
#define WEIGHTS_ALIGN 64

/* One distinct array of the image. */
typedef struct WeightArray {
    const char *name;    /* C identifier; NULL until the caller names a new array */
    const char *comment; /* what it holds, for the weight table */
    DType dtype;
    int64_t count;  /* elements */
    int64_t offset; /* bytes from the start of the image */
    int64_t bytes;  /* count * element size */
    int64_t align;  /* the offset is a multiple of it */
    int shared;     /* additions that found this array already present */
    uint8_t digest[32]; /* SHA-256 of the dtype code and the bytes */
} WeightArray;

typedef struct WeightPool {
    Buf image;      /* header (filled by weights_finish), arrays, then the directory */
    WeightArray *a; /* in the order they were added */
    int n, cap;
    int *slot;      /* hash table of array indices (-1: empty), n_slot a power of two */
    int n_slot;
    int64_t added_bytes; /* bytes of every addition, before sharing */
    uint32_t crc32;      /* of the image after the header, set by weights_finish */
    bool finished;
} WeightPool;

void weights_init(WeightPool *p);
void weights_free(WeightPool *p);

/*
 * Adds count elements of dt (data in the host's layout of that dtype, as
 * in a Tensor: dtype_size bytes each) and returns the index of the array
 * holding them: an earlier array with the same dtype and bytes, or a new
 * one whose name is NULL (the caller names it). The bytes are stored
 * little-endian. Not after weights_finish.
 */
int weights_add(WeightPool *p, DType dt, const void *data, int64_t count);

/* Bytes of the arrays themselves (the model's distinct constant bytes). */
int64_t weights_payload_bytes(const WeightPool *p);

/*
 * Appends the directory and fills the header (size, CRC-32 of everything
 * after the header). The image is complete afterwards.
 */
void weights_finish(WeightPool *p);

#endif
