/*
 * test_weights.c - the weight pool (codegen/weights.c): arrays shared by
 * content, their alignment and little-endian bytes, the image's header and
 * directory; and the generated code's check of an image
 * (runtime/generic/weights.c), whose CRC-32 must be zlib's.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "runtime/generic/weights.c"

#include "codegen/weights.h"

static uint64_t le(const char *p, int bytes) {
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | (unsigned char)p[i];
    return v;
}

/* The check value of CRC-32/ISO-HDLC (zlib, PNG, Ethernet): crc("123456789") = 0xCBF43926. */
static void test_crc32_check_value(void **state) {
    (void)state;
    assert_int_equal(weights_crc32((const unsigned char *)"123456789", 9), 0xcbf43926u);
    assert_int_equal(weights_crc32((const unsigned char *)"", 0), 0u);
}

static void test_sharing_by_content(void **state) {
    (void)state;
    WeightPool p;
    weights_init(&p);
    float a[20], b[20];
    for (int i = 0; i < 20; i++) a[i] = b[i] = (float)i * 0.5f - 3.0f;
    int ia = weights_add(&p, DT_F32, a, 20);
    p.a[ia].name = "w_a";
    assert_int_equal(weights_add(&p, DT_F32, b, 20), ia); /* same bytes, another buffer */
    assert_int_equal(p.a[ia].shared, 1);
    int32_t bits[20];
    memcpy(bits, a, sizeof bits);
    int ib = weights_add(&p, DT_I32, bits, 20); /* same bytes, another dtype */
    assert_int_not_equal(ib, ia);
    b[19] = -0.0f; /* differs from 6.5 */
    int ic = weights_add(&p, DT_F32, b, 20);
    assert_int_not_equal(ic, ia);
    assert_int_not_equal(ic, ib);
    b[19] = 6.5f;
    assert_int_equal(weights_add(&p, DT_F32, b, 19), weights_add(&p, DT_F32, a, 19)); /* a prefix: new */
    assert_int_equal(p.n, 4);
    assert_int_equal(p.added_bytes, 80 * 4 + 76 * 2);
    assert_int_equal(weights_payload_bytes(&p), 80 * 3 + 76);
    weights_free(&p);
}

static void test_layout_and_header(void **state) {
    (void)state;
    WeightPool p;
    weights_init(&p);
    const float f[3] = {1.0f, -2.0f, 0.5f};
    const int64_t big[9] = {1, -1, 2, -2, 3, -3, 4, -4, INT64_MIN};
    const unsigned char u[3] = {7, 8, 9};
    int i0 = weights_add(&p, DT_F32, f, 3);   /* 12 bytes: aligned to 16 */
    int i1 = weights_add(&p, DT_U8, u, 3);    /* 3 bytes: aligned to 4 */
    int i2 = weights_add(&p, DT_I64, big, 9); /* 72 bytes: aligned to 64 */
    assert_int_equal(p.a[i0].offset, 64);
    assert_int_equal(p.a[i1].offset, 76);
    assert_int_equal(p.a[i2].offset, 128);
    weights_finish(&p);
    const char *img = p.image.data;
    /* f32 little-endian: 1.0f = 0x3f800000, -2.0f = 0xc0000000, 0.5f = 0x3f000000 */
    assert_int_equal(le(img + 64, 4), 0x3f800000u);
    assert_int_equal(le(img + 68, 4), 0xc0000000u);
    assert_int_equal(le(img + 72, 4), 0x3f000000u);
    assert_memory_equal(img + 76, u, 3);
    assert_true(le(img + 128 + 64, 8) == 0x8000000000000000ull);
    assert_memory_equal(img, "TSNCWGT", 8);
    assert_int_equal(le(img + 8, 4), 1);
    assert_int_equal(le(img + 12, 4), 64);
    assert_int_equal(le(img + 16, 8), p.image.len);
    assert_int_equal(le(img + 28, 4), 3);
    uint64_t dir = le(img + 32, 8);
    assert_int_equal(dir, 200); /* right after the last array, 8-aligned */
    assert_int_equal(p.image.len, 200 + 3 * 24);
    /* directory entry 2: offset 128, 9 elements, ONNX INT64 = 7, 8 bytes each */
    assert_int_equal(le(img + dir + 48, 8), 128);
    assert_int_equal(le(img + dir + 56, 8), 9);
    assert_int_equal(le(img + dir + 64, 4), 7);
    assert_int_equal(le(img + dir + 68, 4), 8);
    /* tsnc's CRC-32 (zlib) is the one the generated code computes */
    const unsigned char *b = (const unsigned char *)img;
    assert_int_equal(le(img + 24, 4), p.crc32);
    assert_int_equal(weights_crc32(b + 64, p.image.len - 64), p.crc32);
    assert_int_equal(weights_check(b, p.image.len, &(const struct weights_check_params){p.image.len, p.crc32, 1}), 0);
    assert_int_equal(weights_check(b, p.image.len, &(const struct weights_check_params){p.image.len, p.crc32 ^ 1, 0}),
                     4);
    weights_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_check_value),
        cmocka_unit_test(test_sharing_by_content),
        cmocka_unit_test(test_layout_and_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
