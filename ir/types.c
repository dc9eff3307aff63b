/*
 * types.c - dtypes, shapes and checked size arithmetic.
 */
#include <string.h>

#include "ir.h"

static const struct {
    const char *name;
    size_t size;
} dtypes[DT_COUNT] = {
    [DT_UNDEF] = {"?", 0},  [DT_F32] = {"f32", 4}, [DT_F64] = {"f64", 8},
    [DT_I8] = {"i8", 1},    [DT_U8] = {"u8", 1},   [DT_I16] = {"i16", 2},
    [DT_I32] = {"i32", 4},  [DT_I64] = {"i64", 8}, [DT_BOOL] = {"bool", 1},
};

const char *dtype_name(DType t) {
    return (unsigned)t < DT_COUNT ? dtypes[t].name : "?";
}

DType dtype_from_name(const char *s, size_t n) {
    for (int t = 1; t < DT_COUNT; t++)
        if (strlen(dtypes[t].name) == n && memcmp(dtypes[t].name, s, n) == 0) return (DType)t;
    return DT_UNDEF;
}

size_t dtype_size(DType t) {
    return (unsigned)t < DT_COUNT ? dtypes[t].size : 0;
}

bool dtype_is_float(DType t) {
    return t == DT_F32 || t == DT_F64;
}

bool checked_mul_size(int64_t a, int64_t b, int64_t *out) {
    int64_t r;
    if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r) || r > IR_MAX_ELEMENTS) return false;
    *out = r;
    return true;
}

int64_t shape_numel(const Shape *s) {
    if (s->rank < 0) return -1;
    int64_t n = 1;
    for (int i = 0; i < s->rank; i++)
        if (!checked_mul_size(n, s->dim[i], &n)) return -1;
    return n;
}

bool shape_eq(const Shape *a, const Shape *b) {
    if (a->rank != b->rank) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dim[i] != b->dim[i]) return false;
    return true;
}

bool type_eq(const Type *a, const Type *b) {
    return a->dtype == b->dtype && shape_eq(&a->shape, &b->shape);
}

Shape shape_make(int rank, const int64_t *dims) {
    Shape s = {.rank = rank};
    for (int i = 0; i < rank; i++) s.dim[i] = dims[i];
    return s;
}

void shape_strides(const Shape *s, int64_t *out) {
    int64_t st = 1;
    for (int i = s->rank - 1; i >= 0; i--) {
        out[i] = st;
        st *= s->dim[i];
    }
}

bool shape_broadcast(const Shape *a, const Shape *b, Shape *out) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    Shape o = {.rank = r};
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
        if (da == db || db == 1)
            o.dim[i] = da;
        else if (da == 1)
            o.dim[i] = db;
        else
            return false;
    }
    *out = o;
    return true;
}

char *shape_str(const Shape *s, char *buf, size_t n) {
    size_t at = 0;
    if (s->rank < 0) {
        snprintf(buf, n, "[?]");
        return buf;
    }
    at += (size_t)snprintf(buf + at, n - at, "[");
    for (int i = 0; i < s->rank && at < n; i++) {
        if (s->dim[i] < 0) at += (size_t)snprintf(buf + at, n - at, "%s?", i ? "," : ""); /* not known */
        else at += (size_t)snprintf(buf + at, n - at, "%s%lld", i ? "," : "", (long long)s->dim[i]);
    }
    if (at < n) snprintf(buf + at, n - at, "]");
    return buf;
}

/* Codes from onnx.proto, TensorProto.DataType. */
DType dtype_from_onnx(int32_t code) {
    switch (code) {
    case 1: return DT_F32;
    case 2: return DT_U8;
    case 3: return DT_I8;
    case 5: return DT_I16;
    case 6: return DT_I32;
    case 7: return DT_I64;
    case 9: return DT_BOOL;
    case 11: return DT_F64;
    default: return DT_UNDEF;
    }
}

int32_t dtype_to_onnx(DType t) {
    static const int32_t codes[DT_COUNT] = {
        [DT_F32] = 1, [DT_U8] = 2, [DT_I8] = 3,  [DT_I16] = 5,
        [DT_I32] = 6, [DT_I64] = 7, [DT_BOOL] = 9, [DT_F64] = 11,
    };
    return (unsigned)t < DT_COUNT ? codes[t] : 0;
}
