/*
 * test_runtime_generic.c - the kernels of runtime/generic/, included
 * directly (as generated code includes them) and checked on small cases
 * computed by hand. Also: every runtime file compiles on its own as
 * -std=c99 -pedantic, and its @kernel markers parse (codegen/kernel_lib.c).
 */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "runtime/generic/binary.c"
#include "runtime/generic/cast.c"
#include "runtime/generic/compare.c"
#include "runtime/generic/conv.c"
#include "runtime/generic/copy.c"
#include "runtime/generic/gemm.c"
#include "runtime/generic/neuron.c"
#include "runtime/generic/norm.c"
#include "runtime/generic/pool.c"
#include "runtime/generic/reduce.c"
#include "runtime/generic/unary.c"
#include "runtime/generic/where.c"

#include "codegen/kernel_lib.h"
#include "codegen/runtime_files.h"

static void expect_f32(const float *got, const float *want, int n, float tol) {
    for (int i = 0; i < n; i++) {
        if (fabsf(got[i] - want[i]) > tol || isnan(got[i]) != isnan(want[i])) {
            print_error("element %d: got %.9g, want %.9g\n", i, (double)got[i], (double)want[i]);
            fail();
        }
    }
}

static void test_binary(void **state) {
    (void)state;
    const float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
    float y[6];
    binary_same_f32(a, b, y, &(const struct binary_params){.op = TSNC_SUB, .n = 4});
    expect_f32(y, (const float[]){-9, -18, -27, -36}, 4, 0);
    binary_same_f32(a, (const float[]){0, 5, 3, -1}, y, &(const struct binary_params){.op = TSNC_MAX, .n = 4});
    expect_f32(y, (const float[]){1, 5, 3, 4}, 4, 0);
    binary_scalar_f32(a, y, &(const struct binary_params){.op = TSNC_RDIV, .n = 4, .s = 12.0f}); /* 12 / a */
    expect_f32(y, (const float[]){12, 6, 4, 3}, 4, 0);
    binary_scalar_f32(a, y, &(const struct binary_params){.op = TSNC_RSUB, .n = 4, .s = 1.0f}); /* 1 - a */
    expect_f32(y, (const float[]){0, -1, -2, -3}, 4, 0);
    /* [2,1] + [1,3] -> [2,3]: column a = {1, 2}, row b = {10, 20, 30} */
    binary_bcast_f32(a, b, y,
                     &(const struct binary_params){.op = TSNC_ADD, .rank = 2, .d = (const long[]){2, 3},
                                                   .sa = (const long[]){1, 0}, .sb = (const long[]){0, 1}});
    expect_f32(y, (const float[]){11, 21, 31, 12, 22, 32}, 6, 0);
    /* in place: y = y * 2 */
    binary_scalar_f32(y, y, &(const struct binary_params){.op = TSNC_MUL, .n = 6, .s = 2.0f});
    expect_f32(y, (const float[]){22, 42, 62, 24, 44, 64}, 6, 0);
    /* pow: [2] ^ [3] row broadcast -> 2^1, 2^2, 2^0.5 ; 3^1 ... */
    pow_bcast_f32((const float[]){2, 3}, (const float[]){1, 2, 0.5f}, y,
                  &(const struct binary_params){.rank = 2, .d = (const long[]){2, 3}, .sa = (const long[]){1, 0},
                                                .sb = (const long[]){0, 1}});
    expect_f32(y, (const float[]){2, 4, 1.41421356f, 3, 9, 1.73205081f}, 6, 1e-6f);
}

static void test_compare_logic_where(void **state) {
    (void)state;
    const float x[5] = {-1, -0.5f, 0, 0.5f, NAN};
    unsigned char c[6];
    compare_scalar_f32(x, c, &(const struct binary_params){.op = TSNC_GE, .n = 5, .s = 0.5f});
    assert_memory_equal(c, ((const unsigned char[]){0, 0, 0, 1, 0}), 5);
    compare_scalar_f32(x, c, &(const struct binary_params){.op = TSNC_LE, .n = 5, .s = -0.5f});
    assert_memory_equal(c, ((const unsigned char[]){1, 1, 0, 0, 0}), 5);
    compare_same_f32(x, (const float[]){-1, 0, 0, 1, NAN}, c, &(const struct binary_params){.op = TSNC_EQ, .n = 5});
    assert_memory_equal(c, ((const unsigned char[]){1, 0, 1, 0, 0}), 5); /* NaN != NaN */
    /* [2,1] > [3]: {1, 5} vs {0, 2, 6} */
    compare_bcast_f32((const float[]){1, 5}, (const float[]){0, 2, 6}, c,
                      &(const struct binary_params){.op = TSNC_GT, .rank = 2, .d = (const long[]){2, 3},
                                                    .sa = (const long[]){1, 0}, .sb = (const long[]){0, 1}});
    assert_memory_equal(c, ((const unsigned char[]){1, 0, 0, 1, 1, 0}), 6);
    const unsigned char p[4] = {0, 0, 1, 1}, q[4] = {0, 1, 0, 1};
    unsigned char r[4];
    const long four[1] = {4}, one[1] = {1};
    logic_bcast_u8(p, q, r, &(const struct binary_params){.op = TSNC_XOR, .rank = 1, .d = four, .sa = one, .sb = one});
    assert_memory_equal(r, ((const unsigned char[]){0, 1, 1, 0}), 4);
    logic_bcast_u8(p, q, r, &(const struct binary_params){.op = TSNC_AND, .rank = 1, .d = four, .sa = one, .sb = one});
    assert_memory_equal(r, ((const unsigned char[]){0, 0, 0, 1}), 4);
    logic_bcast_u8(p, q, r, &(const struct binary_params){.op = TSNC_OR, .rank = 1, .d = four, .sa = one, .sb = one});
    assert_memory_equal(r, ((const unsigned char[]){0, 1, 1, 1}), 4);
    not_u8(p, r, 4);
    assert_memory_equal(r, ((const unsigned char[]){1, 1, 0, 0}), 4);
    /* where(cond [4], scalar 0, x [4]) */
    float y[4];
    where_f32(q, (const float[]){0}, (const float[]){5, 6, 7, 8}, y,
              &(const struct where_params){.rank = 1, .d = four, .sc = one, .sx = (const long[]){0}, .sz = one});
    expect_f32(y, (const float[]){5, 0, 7, 0}, 4, 0);
}

static void test_unary_cast(void **state) {
    (void)state;
    const float x[5] = {-2.5f, -0.0f, 0.5f, 1.5f, 2.5f};
    float y[5];
    abs_f32(x, y, 5);
    expect_f32(y, (const float[]){2.5f, 0, 0.5f, 1.5f, 2.5f}, 5, 0);
    assert_false(signbit(y[1])); /* |-0| = +0 */
    neg_f32(x, y, 5);
    expect_f32(y, (const float[]){2.5f, 0, -0.5f, -1.5f, -2.5f}, 5, 0);
    sign_f32(x, y, 5);
    expect_f32(y, (const float[]){-1, 0, 1, 1, 1}, 5, 0);
    assert_false(signbit(y[1])); /* Sign(-0) = +0 (onnxruntime) */
    {
        /* onnxruntime 1.30: Sign(NaN) = NaN, Sign(+-inf) = +-1 */
        const float nf[3] = {NAN, INFINITY, -INFINITY};
        sign_f32(nf, y, 3);
        assert_true(isnan(y[0]));
        assert_true(y[1] == 1.0f && y[2] == -1.0f);
    }
    relu_f32(x, y, 5);
    expect_f32(y, (const float[]){0, 0, 0.5f, 1.5f, 2.5f}, 5, 0);
    leaky_relu_f32(x, y, &(const struct leaky_relu_params){.n = 5, .alpha = 0.1f});
    expect_f32(y, (const float[]){-0.25f, 0, 0.5f, 1.5f, 2.5f}, 5, 1e-7f);
    round_f32(x, y, 5); /* half to even: -2.5 -> -2, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2 */
    expect_f32(y, (const float[]){-2, 0, 0, 2, 2}, 5, 0);
    floor_f32(x, y, 5);
    expect_f32(y, (const float[]){-3, 0, 0, 1, 2}, 5, 0);
    ceil_f32(x, y, 5);
    expect_f32(y, (const float[]){-2, 0, 1, 2, 3}, 5, 0);
    clip_f32(x, y, &(const struct clip_params){.n = 5, .lo = -1.0f, .hi = 1.0f});
    expect_f32(y, (const float[]){-1, 0, 0.5f, 1, 1}, 5, 0);
    clip_f32(x, y, &(const struct clip_params){.n = 5, .lo = 1.0f, .hi = 0.0f}); /* min > max gives max */
    expect_f32(y, (const float[]){0, 0, 0, 0, 0}, 5, 0);
    const float z[3] = {0, 1, 4};
    sqrt_f32(z, y, 3);
    expect_f32(y, (const float[]){0, 1, 2}, 3, 0);
    reciprocal_f32((const float[]){2, 4, -0.5f}, y, 3);
    expect_f32(y, (const float[]){0.5f, 0.25f, -2}, 3, 0);
    sigmoid_f32(z, y, 1);
    expect_f32(y, (const float[]){0.5f}, 1, 0);
    exp_f32(z, y, 2);
    expect_f32(y, (const float[]){1, 2.71828183f}, 2, 1e-6f);
    log_f32((const float[]){1, 2.71828183f}, y, 2);
    expect_f32(y, (const float[]){0, 1}, 2, 1e-6f);
    tanh_f32(z, y, 1);
    expect_f32(y, (const float[]){0}, 1, 0);

    unsigned char b[5];
    cast_f32_bool(x, b, 5);
    assert_memory_equal(b, ((const unsigned char[]){1, 0, 1, 1, 1}), 5);
    cast_u8_f32(b, y, 5);
    expect_f32(y, (const float[]){1, 0, 1, 1, 1}, 5, 0);
    cast_i8_f32((const signed char[]){-3, 7}, y, 2);
    expect_f32(y, (const float[]){-3, 7}, 2, 0);
    int64_t l[4];
    cast_f32_i64((const float[]){-2.7f, 3.9f, NAN, 1e30f}, l,
                 4); /* truncation, NaN 0, saturation */
    assert_int_equal(l[0], -2);
    assert_int_equal(l[1], 3);
    assert_int_equal(l[2], 0);
    assert_int_equal(l[3], INT64_C(9200000000000000000));
    cast_i64_f32(l, y, 2);
    expect_f32(y, (const float[]){-2, 3}, 2, 0);
    cast_i64_bool(l, b, 3);
    assert_memory_equal(b, ((const unsigned char[]){1, 1, 0}), 3);
    cast_u8_i64((const unsigned char[]){0, 1}, l, 2);
    assert_int_equal(l[0], 0);
    assert_int_equal(l[1], 1);
    unsigned char u[4];
    cast_f32_u8((const float[]){-5, 3.7f, 300, NAN}, u, 4);
    assert_memory_equal(u, ((const unsigned char[]){0, 3, 255, 0}), 4);
    signed char s[3];
    cast_f32_i8((const float[]){-500, -3.7f, 200}, s, 3);
    assert_int_equal(s[0], -128);
    assert_int_equal(s[1], -3);
    assert_int_equal(s[2], 127);
    /* float64 round trip: 0.1f widens exactly; 1 + 2^-30 rounds to 1.0f */
    double dd[2];
    float ff[2];
    cast_f32_f64((const float[]){0.1f, -2.5f}, dd, 2);
    assert_true(dd[0] == (double)0.1f && dd[1] == -2.5);
    cast_f64_f32((const double[]){1.0 + 0x1p-30, 1e300}, ff, 2);
    assert_true(ff[0] == 1.0f && isinf(ff[1]));
    cast_i32_f32((const int32_t[]){-7, 16777217}, ff, 2);
    assert_true(ff[0] == -7.0f && ff[1] == 16777216.0f);
}

static void test_conv(void **state) {
    (void)state;
    /*
     * x = 1..16 as 1x1x4x4, w = [[1,2],[3,4]], b = 0.5, pads 1, stride 2 -> 3x3.
     * Window (oy, ox) covers input rows 2oy-1..2oy, cols 2ox-1..2ox, e.g.
     * y(1,1) = 6*1 + 7*2 + 10*3 + 11*4 + 0.5 = 94.5, y(0,0) = 1*4 + 0.5.
     */
    float x[16], y[9];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    const float w[4] = {1, 2, 3, 4}, b[1] = {0.5f};
    conv2d_f32(x, w, b, y,
               &(const struct conv2d_params){.n = 1,
                                             .c = 1,
                                             .h = 4,
                                             .w = 4,
                                             .m = 1,
                                             .kh = 2,
                                             .kw = 2,
                                             .oh = 3,
                                             .ow = 3,
                                             .stride_h = 2,
                                             .stride_w = 2,
                                             .pad_top = 1,
                                             .pad_left = 1,
                                             .dil_h = 1,
                                             .dil_w = 1,
                                             .group = 1});
    expect_f32(y, (const float[]){4.5f, 18.5f, 12.5f, 46.5f, 94.5f, 44.5f, 26.5f, 44.5f, 16.5f}, 9,
               0);
    /* groups: 2 channels, 2 groups, 1x1 kernels {2, -1}: y = {2 x0, -x1}; dilation irrelevant */
    const float x2[4] = {1, 2, 3, 4}, w2[2] = {2, -1};
    float y2[4];
    conv2d_f32(x2, w2, NULL, y2,
               &(const struct conv2d_params){.n = 1,
                                             .c = 2,
                                             .h = 1,
                                             .w = 2,
                                             .m = 2,
                                             .kh = 1,
                                             .kw = 1,
                                             .oh = 1,
                                             .ow = 2,
                                             .stride_h = 1,
                                             .stride_w = 1,
                                             .pad_top = 0,
                                             .pad_left = 0,
                                             .dil_h = 1,
                                             .dil_w = 1,
                                             .group = 2});
    expect_f32(y2, (const float[]){2, 4, -3, -4}, 4, 0);
    /* dilation 2 on 1x5: kernel {1, 1} sums x[i] + x[i+2]: 1+3, 2+4, 3+5 */
    const float x3[5] = {1, 2, 3, 4, 5}, w3[2] = {1, 1};
    float y3[3];
    conv2d_f32(x3, w3, NULL, y3,
               &(const struct conv2d_params){.n = 1,
                                             .c = 1,
                                             .h = 1,
                                             .w = 5,
                                             .m = 1,
                                             .kh = 1,
                                             .kw = 2,
                                             .oh = 1,
                                             .ow = 3,
                                             .stride_h = 1,
                                             .stride_w = 1,
                                             .pad_top = 0,
                                             .pad_left = 0,
                                             .dil_h = 1,
                                             .dil_w = 2,
                                             .group = 1});
    expect_f32(y3, (const float[]){4, 6, 8}, 3, 0);
}

static void test_conv_phase_rows(void **state) {
    (void)state;
    /*
     * x = 1..16 as 1x1x4x4, 2x2 kernel, stride 2, pads 1, 3 columns per phase. Output row oy
     * reads input rows iy = 2 oy - 1 + ky; phase r holds columns ix = 2 q + r - 1 (zero outside
     * 0..3): row 1 (5 6 7 8) gives r0 = {pad, 6, 8}, r1 = {5, 7, pad}.
     */
    float x[16];
    double buf[12];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    const struct conv2d_params p = {.n = 1, .c = 1, .h = 4, .w = 4, .m = 1, .kh = 2, .kw = 2, .oh = 3, .ow = 3,
                                    .stride_h = 2, .stride_w = 2, .pad_top = 1, .pad_left = 1, .dil_h = 1,
                                    .dil_w = 1, .group = 1};
    conv2d_phase_rows(x, 1, 1, 3, buf, &p);
    const double want1[12] = {0, 6, 8, 5, 7, 0, 0, 10, 12, 9, 11, 0};
    for (int i = 0; i < 12; i++) assert_true(buf[i] == want1[i]);
    conv2d_phase_rows(x, 1, 0, 3, buf, &p); /* ky = 0 reads row -1: all padding */
    const double want0[12] = {0, 0, 0, 0, 0, 0, 0, 2, 4, 1, 3, 0};
    for (int i = 0; i < 12; i++) assert_true(buf[i] == want0[i]);
}

static void test_gemm_matmul(void **state) {
    (void)state;
    /* x [1,3] = {1,2,3}; W [2,3] = {{1,0,-1},{2,1,0}}; x W^T = {-2, 4}; + b {0.5,-1} */
    const float x[3] = {1, 2, 3}, w[6] = {1, 0, -1, 2, 1, 0}, b[2] = {0.5f, -1};
    float y[4];
    gemm_f32(x, w, b, y,
             &(const struct gemm_params){.m = 1,
                                         .n = 2,
                                         .k = 3,
                                         .trans_a = 0,
                                         .trans_b = 1,
                                         .alpha = 1,
                                         .beta = 1,
                                         .c_row = 0,
                                         .c_col = 1});
    expect_f32(y, (const float[]){-1.5f, 3}, 2, 0);
    /* alpha 2, beta 0.5: 2 * {-2, 4} + 0.5 * {0.5, -1} = {-3.75, 7.5} */
    gemm_f32(x, w, b, y,
             &(const struct gemm_params){.m = 1,
                                         .n = 2,
                                         .k = 3,
                                         .trans_a = 0,
                                         .trans_b = 1,
                                         .alpha = 2,
                                         .beta = 0.5f,
                                         .c_row = 0,
                                         .c_col = 1});
    expect_f32(y, (const float[]){-3.75f, 7.5f}, 2, 0);
    /* transA: A^T with A [3,1] = x; B [3,2] = W^T (no transB); C a column [1,1] = 10 */
    const float wt[6] = {1, 2, 0, 1, -1, 0};
    gemm_f32(x, wt, (const float[]){10}, y,
             &(const struct gemm_params){.m = 1,
                                         .n = 2,
                                         .k = 3,
                                         .trans_a = 1,
                                         .trans_b = 0,
                                         .alpha = 1,
                                         .beta = 1,
                                         .c_row = 0,
                                         .c_col = 0});
    expect_f32(y, (const float[]){8, 14}, 2, 0);
    /* matmul [2][2,2] x [2,2] broadcast over batch: I * B, 2I * B */
    const float a[8] = {1, 0, 0, 1, 2, 0, 0, 2}, bm[4] = {1, 2, 3, 4};
    float z[8];
    matmul_f32(a, bm, z,
               &(const struct matmul_params){.m = 2,
                                             .n = 2,
                                             .k = 2,
                                             .batch_rank = 1,
                                             .batch = {2},
                                             .a_stride = {4},
                                             .b_stride = {0}});
    expect_f32(z, (const float[]){1, 2, 3, 4, 2, 4, 6, 8}, 8, 0);
}

static void test_pool_norm_reduce(void **state) {
    (void)state;
    float x[16], y[9];
    for (int i = 0; i < 16; i++) x[i] = (float)(i + 1);
    struct pool2d_params p = {.n = 1,
                              .c = 1,
                              .h = 4,
                              .w = 4,
                              .oh = 2,
                              .ow = 2,
                              .kh = 2,
                              .kw = 2,
                              .stride_h = 2,
                              .stride_w = 2,
                              .dil_h = 1,
                              .dil_w = 1};
    /* (1+2+5+6)/4, (3+4+7+8)/4, (9+10+13+14)/4, (11+12+15+16)/4 */
    avgpool2d_f32(x, y, &p);
    expect_f32(y, (const float[]){3.5f, 5.5f, 11.5f, 13.5f}, 4, 0);
    maxpool2d_f32(x, y, &p);
    expect_f32(y, (const float[]){6, 8, 14, 16}, 4, 0);
    /* pads 1, 3x3 windows stride 2 -> 2x2; corner window covers x(0..1, 0..1) = 1,2,5,6 */
    struct pool2d_params q = {.n = 1,
                              .c = 1,
                              .h = 4,
                              .w = 4,
                              .oh = 2,
                              .ow = 2,
                              .kh = 3,
                              .kw = 3,
                              .stride_h = 2,
                              .stride_w = 2,
                              .pad_top = 1,
                              .pad_left = 1,
                              .pad_bottom = 1,
                              .pad_right = 1,
                              .dil_h = 1,
                              .dil_w = 1};
    avgpool2d_f32(x, y, &q); /* exclude pad: 14/4; (2+3+4+6+7+8)/6 = 5; (5+6+9+10+13+14)/6 = 9.5 */
    expect_f32(y, (const float[]){3.5f, 5, 9.5f, 11}, 4, 1e-6f);
    q.count_include_pad = 1; /* include pad: 14/9, 30/9, 57/9, (6+7+8+10+11+12+14+15+16)/9 = 11 */
    avgpool2d_f32(x, y, &q);
    expect_f32(y, (const float[]){14.0f / 9, 30.0f / 9, 57.0f / 9, 11}, 4, 1e-6f);
    global_avgpool_f32(x, y, &(const struct global_pool_params){.nc = 2, .inner = 8}); /* (1+..+8)/8 = 4.5, (9+..+16)/8 = 12.5 */
    expect_f32(y, (const float[]){4.5f, 12.5f}, 2, 0);
    global_maxpool_f32(x, y, &(const struct global_pool_params){.nc = 4, .inner = 4});
    expect_f32(y, (const float[]){4, 8, 12, 16}, 4, 0);

    /* batchnorm as x * mul[c] + add[c] over (N=1, C=2, inner=2) */
    channel_affine_f32((const float[]){1, 2, 3, 4}, (const float[]){2, -1}, (const float[]){1, 0},
                       y, &(const struct channel_affine_params){.n = 1, .c = 2, .inner = 2});
    expect_f32(y, (const float[]){3, 5, -3, -4}, 4, 0);

    /* reduce [4,3] (values 1..12) over axis 0: y strides {0, 1} */
    float r[4];
    reduce_f32(x, r,
               &(const struct reduce_params){.op = TSNC_REDUCE_MEAN, .rank = 2, .d = {4, 3}, .ys = {0, 1}, .ny = 3});
    expect_f32(r, (const float[]){5.5f, 6.5f, 7.5f}, 3, 0); /* (1+4+7+10)/4 ... */
    reduce_f32(x, r,
               &(const struct reduce_params){.op = TSNC_REDUCE_SUM, .rank = 2, .d = {4, 3}, .ys = {1, 0}, .ny = 4}); /* rows */
    expect_f32(r, (const float[]){6, 15, 24, 33}, 4, 0);
    reduce_f32(x, r,
               &(const struct reduce_params){.op = TSNC_REDUCE_MAX, .rank = 2, .d = {4, 3}, .ys = {0, 1}, .ny = 3});
    expect_f32(r, (const float[]){10, 11, 12}, 3, 0);

    /* softmax over 2 of (1, 2, 1): {0, ln 3} -> {1/4, 3/4} */
    float s[2];
    softmax_f32((const float[]){0, 1.09861229f}, s, &(const struct softmax_params){.outer = 1, .n = 2, .inner = 1});
    expect_f32(s, (const float[]){0.25f, 0.75f}, 2, 1e-6f);
    /* softmax over the middle axis of (1, 2, 2): pairs (x0, x2) and (x1, x3) */
    float t[4];
    softmax_f32((const float[]){0, 5, 0, 5}, t, &(const struct softmax_params){.outer = 1, .n = 2, .inner = 2});
    expect_f32(t, (const float[]){0.5f, 0.5f, 0.5f, 0.5f}, 4, 0);
}

static void test_neuron(void **state) {
    (void)state;
    /* The paper's neuron: decay 0.25, vth 1, fires +1 at u >= 0.5 and -1 at u <= -0.5. Hand-computed:
     * step 1 u = x = {0.6, -0.6, 0.2, 0.5} -> s = {1, -1, 0, 1}, m = {0, 0, 0.2, 0};
     * step 2 u = m * 0.25 + x = {0.6, -0.6, 0.25, 0.5} -> the same spikes, m = {0, 0, 0.25, 0}. */
    struct lif_params pr = {.decay = 0.25f, .vth = 1.0f, .up = 0.5f, .down = -0.5f,
                            .ternary = 1, .up_inclusive = 1, .down_inclusive = 1, .n = 4, .steps = 2};
    struct lif_params pk = pr, p3 = pr; /* packed: 1 sample of 4 channels x 1 pixel; 3 neurons */
    const float x[4] = {0.6f, -0.6f, 0.2f, 0.5f};
    float s[8], m1[4], m2[4], v[3];
    unsigned char codes[2];
    pk.n = 1, pk.c = 4, pk.p = 1, pk.xc = 1, pk.xq = 1, pk.group = 4, pk.keep_m = 1;
    p3.n = 3;
    lif_f32(x, NULL, s, m1, &pr);
    expect_f32(s, (const float[]){1, -1, 0, 1}, 4, 0);
    expect_f32(m1, (const float[]){0, 0, 0.2f, 0}, 4, 0);
    lif_f32(x, m1, s, m2, &pr);
    expect_f32(s, (const float[]){1, -1, 0, 1}, 4, 0);
    expect_f32(m2, (const float[]){0, 0, 0.25f, 0}, 4, 0);
    /* both steps at once: spikes stacked, the last membrane */
    lif_steps_f32(x, s, m1, &pr);
    expect_f32(s, (const float[]){1, -1, 0, 1, 1, -1, 0, 1}, 8, 0);
    expect_f32(m1, (const float[]){0, 0, 0.25f, 0}, 4, 0);
    /* packed: 4 channels of one pixel, digits s + 1 = {2, 0, 1, 2}: 2 + 0*3 + 1*9 + 2*27 = 65 */
    lif_pack_f32(x, NULL, codes, m1, &pk);
    assert_int_equal(codes[0], 65);
    lif_pack_steps_f32(x, codes, m1, &pk);
    assert_int_equal(codes[0], 65);
    assert_int_equal(codes[1], 65);
    /* a firing function alone, on the thresholds themselves */
    fire_f32((const float[]){0.5f, -0.5f, 0.49f}, v, &p3);
    expect_f32(v, (const float[]){1, -1, 0}, 3, 0);
    /* Non-finite input (docs/limits.md, deliberate differences from the exported graph):
     * an infinite membrane fires and is reset to 0 (the export's u * (1 - |s|) is NaN);
     * NaN fires no spike and stays the membrane (the export's estimator gives NaN). */
    lif_f32((const float[]){INFINITY, -INFINITY, NAN, 0.25f}, NULL, s, m1, &pr);
    expect_f32(s, (const float[]){1, -1, 0, 0}, 4, 0);
    expect_f32(m1, (const float[]){0, 0}, 2, 0);
    assert_true(isnan(m1[2]) && m1[3] == 0.25f);
    fire_f32((const float[]){NAN, INFINITY, -INFINITY}, v, &p3);
    expect_f32(v, (const float[]){0, 1, -1}, 3, 0);
}

/* The bit pattern of a float (for the next-float checks: hand-computed IEEE encodings). */
static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void test_lif_next_float(void **state) {
    (void)state;
    /* 0.5f = 0x3F000000; the next float up is 0x3F000001, down 0x3EFFFFFF */
    assert_int_equal(f32_bits(lif_next_float(0.5f, 1)), 0x3F000001u);
    assert_int_equal(f32_bits(lif_next_float(0.5f, 0)), 0x3EFFFFFFu);
    /* -0.5f = 0xBF000000: towards -inf is a larger magnitude, 0xBF000001 */
    assert_int_equal(f32_bits(lif_next_float(-0.5f, 0)), 0xBF000001u);
    assert_int_equal(f32_bits(lif_next_float(-0.5f, 1)), 0xBEFFFFFFu);
    /* around zero: the smallest denormals, 0x00000001 and 0x80000001 */
    assert_int_equal(f32_bits(lif_next_float(0.0f, 1)), 0x00000001u);
    assert_int_equal(f32_bits(lif_next_float(0.0f, 0)), 0x80000001u);
}

static void test_copy(void **state) {
    (void)state;
    float x[6] = {0, 1, 2, 3, 4, 5}, y[12];
    /* transpose [2,3] -> [3,2]: dims {3,2}, strides {1,3} */
    strided_copy(x, y, &(const struct strided_copy_params){2, (const long[]){3, 2}, (const long[]){1, 3}, sizeof(float)});
    expect_f32(y, (const float[]){0, 3, 1, 4, 2, 5}, 6, 0);
    /* reversed slice x[5:0:-2] = {5, 3, 1} */
    strided_copy(x + 5, y, &(const struct strided_copy_params){1, (const long[]){3}, (const long[]){-2}, sizeof(float)});
    expect_f32(y, (const float[]){5, 3, 1}, 3, 0);
    /* tile [1,2] {1,2} by (2,3): dims (2, 3, 2) strides (0, 0, 1) */
    strided_copy((const float[]){1, 2}, y,
                 &(const struct strided_copy_params){3, (const long[]){2, 3, 2}, (const long[]){0, 0, 1}, sizeof(float)});
    expect_f32(y, (const float[]){1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}, 12, 0);
    /* 1- and 8-byte elements */
    unsigned char bytes[3];
    strided_copy("abcdef", bytes, &(const struct strided_copy_params){1, (const long[]){3}, (const long[]){2}, 1});
    assert_memory_equal(bytes, "ace", 3);
    int64_t l[2];
    strided_copy((const int64_t[]){7, 8, 9}, l, &(const struct strided_copy_params){1, (const long[]){2}, (const long[]){2}, 8});
    assert_int_equal(l[0], 7);
    assert_int_equal(l[1], 9);

    /* concat along axis 1 of [2,1] and [2,2]: outer 2, blocks 1 and 2 floats */
    concat((const void *const[]){(const float[]){1, 2}, (const float[]){10, 11, 20, 21}}, y,
           &(const struct concat_params){2, (const size_t[]){sizeof(float), 2 * sizeof(float)}, 2});
    expect_f32(y, (const float[]){1, 10, 11, 2, 20, 21}, 6, 0);

    /* gather axis 1 of [2,3] with {2, 0} */
    gather_rows(x, y, &(const struct gather_params){2, 3, sizeof(float), (const long[]){2, 0}, 2});
    expect_f32(y, (const float[]){2, 0, 5, 3}, 4, 0);
    const struct gather_params g6 = {1, 6, sizeof(float), NULL, 2};
    assert_int_equal(gather_rows_i64(x, (const int64_t[]){-1, 0}, y, &g6), 0);
    expect_f32(y, (const float[]){5, 0}, 2, 0);
    y[0] = 42;
    assert_int_equal(gather_rows_i64(x, (const int64_t[]){0, 6}, y, &g6), 1);
    assert_true(y[0] == 42); /* nothing written */

    /* pad [[1,2],[3,4]] by rows (1,0), cols (1,1) (numpy.pad) */
    const float p[4] = {1, 2, 3, 4};
    float z[12];
    const long od[2] = {3, 4}, id[2] = {2, 2}, begin[2] = {1, 1};
    pad_f32(p, z, &(const struct pad_params){2, od, id, begin, TSNC_PAD_CONSTANT, 9});
    expect_f32(z, (const float[]){9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9}, 12, 0);
    pad_f32(p, z, &(const struct pad_params){2, od, id, begin, TSNC_PAD_REFLECT, 0});
    expect_f32(z, (const float[]){4, 3, 4, 3, 2, 1, 2, 1, 4, 3, 4, 3}, 12, 0);
    pad_f32(p, z, &(const struct pad_params){2, od, id, begin, TSNC_PAD_EDGE, 0});
    expect_f32(z, (const float[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4}, 12, 0);
    /* a negative pad crops: [1,4] {1,2,3,4} with begin -1, end -2 -> {2} */
    pad_f32(p, z, &(const struct pad_params){1, (const long[]){1}, (const long[]){4}, (const long[]){-1}, TSNC_PAD_CONSTANT, 0});
    expect_f32(z, (const float[]){2}, 1, 0);
}

/*
 * Every runtime file: markers parse, and the file compiles as strict C99
 * with only the standard headers and the snippets of other files it uses
 * ("uses" across files, e.g. a spike kernel using conv2d_params).
 */
static void test_files_standalone(void **state) {
    (void)state;
    Diag d = {0};
    KernelSet *ks = kernels_load("generic", &d);
    diag_print(&d, stderr);
    assert_non_null(ks);
    assert_true(ks->n >= 40);
    assert_non_null(kernels_find(ks, "conv2d_f32"));
    assert_null(kernels_find(ks, "no_such_kernel"));

    char dir[] = TSNC_BINARY_DIR "/runtime_check_XXXXXX";
    assert_non_null(mkdtemp(dir));
    int n_files = 0;
    for (const TsncRuntimeFile *f = tsnc_runtime_files; f->path; f++) {
        if (strncmp(f->path, "generic/", 8) != 0) continue;
        n_files++;
        memset(ks->wanted, 0, (size_t)ks->n * sizeof *ks->wanted);
        for (int i = 0; i < ks->n; i++)
            if (!strcmp(ks->k[i].path, f->path)) kernels_want(ks, ks->k[i].name);
        char path[512], cmd[1536];
        snprintf(path, sizeof path, "%s/check.c", dir);
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fprintf(fp, "#include <float.h>\n#include <math.h>\n#include <stddef.h>\n"
                    "#include <stdint.h>\n#include <string.h>\n");
        for (int i = 0; i < ks->n; i++)
            if (ks->wanted[i] && strcmp(ks->k[i].path, f->path))
                fprintf(fp, "%.*s\n", ks->k[i].len, ks->k[i].text);
        fprintf(fp, "%s", f->text);
        fclose(fp);
        snprintf(cmd, sizeof cmd,
                 "cc -std=c99 -pedantic -Wall -Wextra -Werror -Wshadow -Wno-unused-function "
                 "-fsyntax-only %s",
                 path);
        if (system(cmd) != 0) {
            print_error("runtime/%s does not compile alone as C99\n", f->path);
            fail();
        }
    }
    kernels_free(ks);
    assert_true(n_files >= 10);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary),      cmocka_unit_test(test_compare_logic_where),
        cmocka_unit_test(test_unary_cast),  cmocka_unit_test(test_conv),
        cmocka_unit_test(test_conv_phase_rows),  cmocka_unit_test(test_lif_next_float), cmocka_unit_test(test_neuron),
        cmocka_unit_test(test_gemm_matmul), cmocka_unit_test(test_pool_norm_reduce),
        cmocka_unit_test(test_copy),        cmocka_unit_test(test_files_standalone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
