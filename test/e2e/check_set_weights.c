/*
 * check_set_weights.c - the error paths of a --weights=load build: NAME_run
 * refuses to run before NAME_set_weights succeeds and after it fails, and
 * NAME_set_weights refuses a NULL, truncated, misaligned, foreign or
 * corrupted image (docs/generated-api.md, "Weights").
 *
 * Built together with a generated NAME.c (compile with -DMODEL=NAME).
 * usage: check_set_weights NAME.bin INPUT.bin
 * Written in C99 like the code it tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(MODEL.h)

#define RUN CAT(MODEL, _run)
#define SET CAT(MODEL, _set_weights)
#define M(x) CAT(MODEL, x)

static int failures;

static void expect(const char *what, int got, int want) {
    printf("%-52s %d (want %d)%s\n", what, got, want, got == want ? "" : "  FAIL");
    if (got != want) failures++;
}

static unsigned char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "check_set_weights: cannot read %s\n", path);
        exit(2);
    }
    p = malloc((size_t)n + 16);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "check_set_weights: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

int main(int argc, char **argv) {
    static float x[M(_INPUT_SIZE)], y[M(_OUTPUT_SIZE)];
    unsigned char *good, *bad, *shifted;
    size_t len, xlen;
    unsigned char *in;
    if (argc != 3) {
        fprintf(stderr, "usage: %s NAME.bin INPUT.bin\n", argv[0]);
        return 2;
    }
    good = read_all(argv[1], &len);
    in = read_all(argv[2], &xlen);
    if (xlen < sizeof x || len != M(_WEIGHTS_BYTES)) {
        fprintf(stderr, "check_set_weights: %s is not this build's image, or no sample\n", argv[1]);
        return 2;
    }
    memcpy(x, in, sizeof x);
    bad = malloc(len + 16);
    shifted = malloc(len + 16);
    if (!bad || !shifted) return 2;

    expect("run before set_weights", RUN(x, y), M(_ERR_WEIGHTS));
    expect("set_weights(NULL)", SET(NULL, len), M(_WEIGHTS_ERR_SIZE));
    expect("run after it", RUN(x, y), M(_ERR_WEIGHTS));
    expect("set_weights, truncated by one byte", SET(good, len - 1), M(_WEIGHTS_ERR_SIZE));
    expect("set_weights, header only", SET(good, 64), M(_WEIGHTS_ERR_SIZE));
    expect("set_weights, one byte too many", SET(good, len + 1), M(_WEIGHTS_ERR_SIZE));
    memcpy(shifted + 4, good, len);
    expect("set_weights, 4-byte aligned copy", SET(shifted + 4, len), M(_WEIGHTS_ERR_ALIGN));

    expect("set_weights, the image", SET(good, len), 0);
    expect("run", RUN(x, y), 0);

    memcpy(bad, good, len);
    bad[0] ^= 0x20; /* magic */
    expect("set_weights, bad magic", SET(bad, len), M(_WEIGHTS_ERR_HEADER));
    expect("run after a refused image (the good one was set)", RUN(x, y), M(_ERR_WEIGHTS));
    memcpy(bad, good, len);
    bad[8] = 2; /* version */
    expect("set_weights, version 2", SET(bad, len), M(_WEIGHTS_ERR_HEADER));
    memcpy(bad, good, len);
    bad[16] ^= 1; /* image size field */
    expect("set_weights, wrong size field", SET(bad, len), M(_WEIGHTS_ERR_HEADER));
    memcpy(bad, good, len);
    bad[24] ^= 1; /* the header's CRC-32: another build's image */
    expect("set_weights, another build's CRC-32", SET(bad, len), M(_WEIGHTS_ERR_CHECKSUM));
    memcpy(bad, good, len);
    bad[64 + (len - 64) / 2] ^= 0x01; /* one bit in the middle of the arrays */
    expect("set_weights, one bit flipped in the arrays", SET(bad, len), M(_WEIGHTS_ERR_CHECKSUM));
    memcpy(bad, good, len);
    bad[len - 1] ^= 0x80; /* the last byte (the directory) */
    expect("set_weights, last byte flipped", SET(bad, len), M(_WEIGHTS_ERR_CHECKSUM));
    expect("run", RUN(x, y), M(_ERR_WEIGHTS));

    expect("set_weights, the image again", SET(good, len), 0);
    expect("run", RUN(x, y), 0);
    free(good);
    free(bad);
    free(shifted);
    free(in);
    printf("%s\n", failures ? "FAIL" : "PASS");
    return failures != 0;
}
