/*
 * tensor.c - dense row-major tensors: allocation and typed element access.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"

Tensor *tensor_new(Arena *a, DType dt, const Shape *s) {
    int64_t n = shape_numel(s);
    if (n < 0) die("tensor_new: unknown or oversized shape");
    size_t bytes = (size_t)n * dtype_size(dt);
    Tensor *t;
    if (a) {
        t = arena_alloc(a, sizeof *t);
        t->data = arena_alloc(a, bytes ? bytes : 1);
    } else {
        t = calloc(1, sizeof *t);
        if (t) t->data = calloc(bytes ? bytes : 1, 1);
        if (!t || !t->data) die("out of memory allocating a tensor of %zu bytes", bytes);
    }
    t->type.dtype = dt;
    t->type.shape = *s;
    return t;
}

void tensor_free_heap(Tensor *t) {
    if (!t) return;
    free(t->data);
    free(t);
}

int64_t tensor_numel(const Tensor *t) {
    return shape_numel(&t->type.shape);
}

size_t tensor_bytes(const Tensor *t) {
    return (size_t)tensor_numel(t) * dtype_size(t->type.dtype);
}

double tensor_get_f64(const Tensor *t, int64_t i) {
    switch (t->type.dtype) {
    case DT_F32: return ((const float *)t->data)[i];
    case DT_F64: return ((const double *)t->data)[i];
    case DT_I8: return ((const int8_t *)t->data)[i];
    case DT_U8: return ((const uint8_t *)t->data)[i];
    case DT_I16: return ((const int16_t *)t->data)[i];
    case DT_I32: return ((const int32_t *)t->data)[i];
    case DT_I64: return (double)((const int64_t *)t->data)[i];
    case DT_BOOL: return ((const uint8_t *)t->data)[i] != 0;
    default: die("tensor_get_f64: bad dtype %d", t->type.dtype);
    }
}

int64_t tensor_get_i64(const Tensor *t, int64_t i) {
    switch (t->type.dtype) {
    case DT_I64: return ((const int64_t *)t->data)[i];
    case DT_F32:
    case DT_F64: {
        double v = tensor_get_f64(t, i);
        /* Saturate instead of the undefined float-to-int conversion. */
        if (!(v == v)) return 0;
        if (v >= 9.2e18) return INT64_MAX;
        if (v <= -9.2e18) return INT64_MIN;
        return (int64_t)v;
    }
    default: return (int64_t)tensor_get_f64(t, i);
    }
}

/* Float to integer as ONNX Cast does it (truncation), saturating where C would be undefined. */
static int64_t f64_to_i64(double v, double lo, double hi) {
    if (!(v == v)) return 0;
    if (v <= lo) return (int64_t)lo;
    if (v >= hi) return (int64_t)hi;
    return (int64_t)v;
}

void tensor_set_f64(Tensor *t, int64_t i, double v) {
    switch (t->type.dtype) {
    case DT_F32: ((float *)t->data)[i] = (float)v; break;
    case DT_F64: ((double *)t->data)[i] = v; break;
    case DT_I8: ((int8_t *)t->data)[i] = (int8_t)f64_to_i64(v, -128, 127); break;
    case DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)f64_to_i64(v, 0, 255); break;
    case DT_I16: ((int16_t *)t->data)[i] = (int16_t)f64_to_i64(v, -32768, 32767); break;
    case DT_I32: ((int32_t *)t->data)[i] = (int32_t)f64_to_i64(v, -2147483648.0, 2147483647.0); break;
    case DT_I64: ((int64_t *)t->data)[i] = f64_to_i64(v, -9.2e18, 9.2e18); break;
    case DT_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
    default: die("tensor_set_f64: bad dtype %d", t->type.dtype);
    }
}

void tensor_set_i64(Tensor *t, int64_t i, int64_t v) {
    switch (t->type.dtype) {
    case DT_I64: ((int64_t *)t->data)[i] = v; break;
    case DT_I32: ((int32_t *)t->data)[i] = (int32_t)v; break;
    case DT_I16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    case DT_I8: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    case DT_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
    default: tensor_set_f64(t, i, (double)v); break;
    }
}

Tensor *tensor_scalar_f32(Arena *a, float v) {
    Shape s = {.rank = 0};
    Tensor *t = tensor_new(a, DT_F32, &s);
    ((float *)t->data)[0] = v;
    return t;
}

bool tensor_all_equal(const Tensor *t, double v) {
    int64_t n = tensor_numel(t);
    for (int64_t i = 0; i < n; i++)
        if (tensor_get_f64(t, i) != v) return false;
    return true;
}
