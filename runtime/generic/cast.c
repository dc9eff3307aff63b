/*
 * cast.c - ONNX Cast between the element types that occur at run time:
 * float32, float64, bool (one byte, 0 or 1), uint8, int8, int32 and int64. Float to integer
 * truncates toward zero and saturates at the target range, NaN giving 0
 * (ONNX leaves out-of-range values undefined; this matches tsnc's
 * interpreter, ir/tensor.c). Anything to bool is x != 0.
 *
 * needs: <stdint.h>
 */

/* @kernel cast_u8_f32 */
/* uint8 or bool -> float32 */
static void cast_u8_f32(const unsigned char *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (float)x[i];
}

/* @kernel cast_i8_f32 */
static void cast_i8_f32(const signed char *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (float)x[i];
}

/* @kernel cast_i64_f32 needs <stdint.h> */
static void cast_i64_f32(const int64_t *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (float)x[i];
}

/* @kernel cast_f32_bool */
static void cast_f32_bool(const float *x, unsigned char *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = x[i] != 0.0f;
}

/* @kernel cast_i64_bool needs <stdint.h> */
static void cast_i64_bool(const int64_t *x, unsigned char *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = x[i] != 0;
}

/* @kernel cast_u8_i64 needs <stdint.h> */
/* uint8 or bool -> int64 */
static void cast_u8_i64(const unsigned char *x, int64_t *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (int64_t)x[i];
}

/* @kernel cast_f32_i64 needs <stdint.h> */
/* Saturates at +-9.2e18, the bound tsnc's interpreter uses (exact in double). */
static void cast_f32_i64(const float *x, int64_t *y, long n)
{
    long i;
    for (i = 0; i < n; i++) {
        double v = (double)x[i];
        y[i] = v != v ? 0 : v <= -9.2e18 ? (int64_t)-9.2e18 : v >= 9.2e18 ? (int64_t)9.2e18
                                                                              : (int64_t)v;
    }
}

/* @kernel cast_f32_u8 */
static void cast_f32_u8(const float *x, unsigned char *y, long n)
{
    long i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v != v ? 0 : v <= 0.0f ? 0 : v >= 255.0f ? 255 : (unsigned char)v;
    }
}

/* @kernel cast_f32_i8 */
static void cast_f32_i8(const float *x, signed char *y, long n)
{
    long i;
    for (i = 0; i < n; i++) {
        float v = x[i];
        y[i] = v != v ? 0 : v <= -128.0f ? -128 : v >= 127.0f ? 127 : (signed char)v;
    }
}

/* @kernel cast_f32_f64 */
/* float32 -> float64 (exact) */
static void cast_f32_f64(const float *x, double *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (double)x[i];
}

/* @kernel cast_f64_f32 */
/* float64 -> float32, rounded to nearest */
static void cast_f64_f32(const double *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (float)x[i];
}

/* @kernel cast_i32_f32 needs <stdint.h> */
/* int32 -> float32, rounded to nearest */
static void cast_i32_f32(const int32_t *x, float *y, long n)
{
    long i;
    for (i = 0; i < n; i++) y[i] = (float)x[i];
}
