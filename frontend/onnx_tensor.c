/*
 * onnx_tensor.c - ONNX TensorProto -> Tensor (initializers, Constant node
 * values, tensor attributes).
 *
 * Where the data may be (onnx.proto, TensorProto): raw_data holds the
 * elements little-endian, fixed width, row-major; otherwise the typed field
 * the spec assigns to the data type holds one entry per element:
 *   float_data  FLOAT;        int32_data  INT32, INT16, INT8, UINT8, BOOL;
 *   int64_data  INT64;        double_data DOUBLE.
 * Any other placement, or a count that does not match the dims, is an error:
 * a silent zero-fill or truncation would compile a different network.
 */
#include <string.h>

#include "frontend/onnx_internal.h"

const char *onnx_dtype_name(int32_t code) {
    static const char *const names[] = {
        "UNDEFINED", "FLOAT",     "UINT8",      "INT8",       "UINT16",        "INT16",
        "INT32",     "INT64",     "STRING",     "BOOL",       "FLOAT16",       "DOUBLE",
        "UINT32",    "UINT64",    "COMPLEX64",  "COMPLEX128", "BFLOAT16",      "FLOAT8E4M3FN",
        "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1"};
    static char buf[32];
    if (code >= 0 && (size_t)code < sizeof names / sizeof names[0]) return names[code];
    snprintf(buf, sizeof buf, "code %d", (int)code);
    return buf;
}

/* "[2,3]" for dims that may be invalid (negative, too many): clipped to 8 dims. */
static void dims_str(const int64_t *dims, size_t n, char *buf, size_t cap) {
    size_t at = (size_t)snprintf(buf, cap, "[");
    for (size_t i = 0; i < n && i < IR_MAX_RANK && at < cap; i++)
        at += (size_t)snprintf(buf + at, cap - at, "%s%lld", i ? "," : "", (long long)dims[i]);
    if (n > IR_MAX_RANK && at < cap) at += (size_t)snprintf(buf + at, cap - at, ",...");
    if (at < cap) snprintf(buf + at, cap - at, "]");
}

static bool host_is_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* Copies n elements of `size` bytes from little-endian src into native order. */
static void copy_le(void *dst, const uint8_t *src, size_t n, size_t size) {
    if (host_is_little_endian() || size == 1) {
        memcpy(dst, src, n * size);
        return;
    }
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < size; k++) d[i * size + k] = src[i * size + size - 1 - k];
}

/* The typed field the spec assigns to a supported dtype, and its name. */
static const char *typed_field_name(DType dt) {
    switch (dt) {
    case DT_F32: return "float_data";
    case DT_F64: return "double_data";
    case DT_I64: return "int64_data";
    default: return "int32_data";
    }
}

static size_t typed_field_count(const Onnx__TensorProto *tp, DType dt) {
    switch (dt) {
    case DT_F32: return tp->n_float_data;
    case DT_F64: return tp->n_double_data;
    case DT_I64: return tp->n_int64_data;
    default: return tp->n_int32_data;
    }
}

/* Name of a typed field that holds data but is not the one for dt, or NULL. */
static const char *misplaced_field(const Onnx__TensorProto *tp, DType dt) {
    if (tp->n_float_data && dt != DT_F32) return "float_data";
    if (tp->n_double_data && dt != DT_F64) return "double_data";
    if (tp->n_int64_data && dt != DT_I64) return "int64_data";
    if (tp->n_int32_data && (dt == DT_F32 || dt == DT_F64 || dt == DT_I64)) return "int32_data";
    if (tp->n_string_data) return "string_data";
    if (tp->n_uint64_data) return "uint64_data";
    return NULL;
}

/* Fills t from int32_data, checking each value fits the narrower dtype. */
static int fill_from_int32(OnnxCtx *c, const Onnx__TensorProto *tp, Tensor *t, const char *what,
                           const ONode *o, const Node *n) {
    int64_t lo, hi;
    switch (t->type.dtype) {
    case DT_I8: lo = INT8_MIN, hi = INT8_MAX; break;
    case DT_U8: lo = 0, hi = UINT8_MAX; break;
    case DT_I16: lo = INT16_MIN, hi = INT16_MAX; break;
    case DT_BOOL: lo = INT32_MIN, hi = INT32_MAX; break; /* any nonzero is true */
    default: lo = INT32_MIN, hi = INT32_MAX; break;
    }
    for (size_t i = 0; i < tp->n_int32_data; i++) {
        int32_t v = tp->int32_data[i];
        if (v < lo || v > hi) {
            onnx_error(c, o, n, "%s: int32_data value %d at index %zu does not fit %s", what,
                       (int)v, i, dtype_name(t->type.dtype));
            return -1;
        }
        switch (t->type.dtype) {
        case DT_I8: ((int8_t *)t->data)[i] = (int8_t)v; break;
        case DT_U8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
        case DT_I16: ((int16_t *)t->data)[i] = (int16_t)v; break;
        case DT_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
        default: ((int32_t *)t->data)[i] = v; break;
        }
    }
    return 0;
}

Tensor *onnx_tensor(OnnxCtx *c, const Onnx__TensorProto *tp, const char *what, const ONode *o,
                    const Node *n) {
    if ((tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
        tp->n_external_data) {
        onnx_error(c, o, n, "%s: external data is not supported (store the weights inside the "
                   "model, e.g. onnx.save(..., save_as_external_data=False))", what);
        return NULL;
    }
    if (tp->has_data_location && tp->data_location != ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT) {
        onnx_error(c, o, n, "%s: unknown data_location %d", what, (int)tp->data_location);
        return NULL;
    }
    if (tp->segment) {
        onnx_error(c, o, n, "%s: segmented tensors are not supported", what);
        return NULL;
    }
    if (!tp->has_data_type || tp->data_type == 0) {
        onnx_error(c, o, n, "%s has no data type", what);
        return NULL;
    }
    DType dt = dtype_from_onnx(tp->data_type);
    if (dt == DT_UNDEF) {
        onnx_error(c, o, n, "%s has unsupported data type %s", what, onnx_dtype_name(tp->data_type));
        return NULL;
    }
    char dbuf[16 * (IR_MAX_RANK + 2)];
    if (tp->n_dims > IR_MAX_RANK) {
        dims_str(tp->dims, tp->n_dims, dbuf, sizeof dbuf);
        onnx_error(c, o, n, "%s has rank %zu %s; at most %d dimensions are supported", what,
                   tp->n_dims, dbuf, IR_MAX_RANK);
        return NULL;
    }
    Shape s = {.rank = (int)tp->n_dims};
    int64_t numel = 1;
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (tp->dims[i] < 0) {
            dims_str(tp->dims, tp->n_dims, dbuf, sizeof dbuf);
            onnx_error(c, o, n, "%s has negative dimension %lld in dims %s", what,
                       (long long)tp->dims[i], dbuf);
            return NULL;
        }
        s.dim[i] = tp->dims[i];
    }
    for (size_t i = 0; i < tp->n_dims; i++) {
        if (!checked_mul_size(numel, tp->dims[i], &numel)) {
            dims_str(tp->dims, tp->n_dims, dbuf, sizeof dbuf);
            onnx_error(c, o, n, "%s has too many elements: dims %s exceed the limit of %lld "
                       "elements per tensor", what, dbuf, (long long)IR_MAX_ELEMENTS);
            return NULL;
        }
    }
    char tbuf[16 * (IR_MAX_RANK + 2)];
    Type ty = {dt, s};
    type_str(&ty, tbuf, sizeof tbuf);

    size_t esize = dtype_size(dt);
    const char *field = typed_field_name(dt);
    const char *wrong = misplaced_field(tp, dt);
    if (wrong) {
        onnx_error(c, o, n, "%s stores %s data in %s; the ONNX spec puts it in %s or raw_data",
                   what, onnx_dtype_name(tp->data_type), wrong, field);
        return NULL;
    }
    size_t typed = typed_field_count(tp, dt);
    if (tp->has_raw_data && typed) {
        onnx_error(c, o, n, "%s has both raw_data and %s", what, field);
        return NULL;
    }
    if (tp->has_raw_data) {
        size_t want = (size_t)numel * esize;
        if (tp->raw_data.len != want) {
            onnx_error(c, o, n, "%s: raw_data has %zu bytes, expected %zu for %s", what,
                       tp->raw_data.len, want, tbuf);
            return NULL;
        }
    } else if (typed != (size_t)numel) {
        onnx_error(c, o, n, "%s: %s has %zu values, expected %lld for %s", what, field, typed,
                   (long long)numel, tbuf);
        return NULL;
    }

    Tensor *t = tensor_new(c->g->arena, dt, &s);
    if (numel == 0) return t; /* the data pointers may be NULL */
    if (tp->has_raw_data) {
        copy_le(t->data, tp->raw_data.data, (size_t)numel, esize);
        if (dt == DT_BOOL)
            for (int64_t i = 0; i < numel; i++) ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
        return t;
    }
    switch (dt) {
    case DT_F32: memcpy(t->data, tp->float_data, (size_t)numel * sizeof(float)); break;
    case DT_F64: memcpy(t->data, tp->double_data, (size_t)numel * sizeof(double)); break;
    case DT_I64: memcpy(t->data, tp->int64_data, (size_t)numel * sizeof(int64_t)); break;
    default:
        if (fill_from_int32(c, tp, t, what, o, n)) return NULL;
        break;
    }
    return t;
}
