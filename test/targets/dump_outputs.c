/*
 * dump_outputs.c - runs one generated model on every shipped sample and
 * writes its outputs (raw float32, NAME_OUTPUT_SIZE per sample, in sample
 * order) to a file, so that builds of different targets, compilers and
 * machines (an AArch64 build under qemu-aarch64) can be compared on the
 * host by compare_outputs.c.
 *
 * Built together with a generated NAME.c (compile with -DMODEL=NAME, as
 * test/e2e/check_model.c). Written in C99 like the code it runs.
 *
 * usage: dump_outputs INPUT.bin OUTPUT.bin [WEIGHTS.bin]
 * WEIGHTS.bin (NAME.bin) is read and given to NAME_set_weights for a
 * --weights=load build, and required then.
 */
#include <stdio.h>
#include <stdlib.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(MODEL.h)

#define RUN CAT(MODEL, _run)
#define IN_SIZE CAT(MODEL, _INPUT_SIZE)
#define OUT_SIZE CAT(MODEL, _OUTPUT_SIZE)

#if CAT(MODEL, _WEIGHTS_LOAD)
/* Reads path into 64-byte aligned memory and gives it to NAME_set_weights; exits on failure. */
static void load_weights(const char *path) {
    FILE *f = fopen(path, "rb");
    static union {
        double align; /* malloc's alignment is enough (8); the union keeps it for the static case */
        unsigned char b[1];
    } *blob;
    long len;
    int rc;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "dump_outputs: cannot read %s\n", path);
        exit(2);
    }
    blob = malloc((size_t)len + 1);
    if (!blob || fread(blob->b, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "dump_outputs: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    rc = CAT(MODEL, _set_weights)(blob->b, (size_t)len);
    if (rc != 0) {
        fprintf(stderr, "dump_outputs: %s_set_weights(%s) returned %d\n", STR(MODEL), path, rc);
        exit(1);
    }
}
#endif

int main(int argc, char **argv) {
    FILE *in, *out;
    static float x[IN_SIZE];
    float y[OUT_SIZE];
    long n = 0;
#if CAT(MODEL, _WEIGHTS_LOAD)
    if (argc != 4) {
        fprintf(stderr, "usage: %s INPUT.bin OUTPUT.bin WEIGHTS.bin\n", argv[0]);
        return 2;
    }
    load_weights(argv[3]);
#else
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT.bin OUTPUT.bin\n", argv[0]);
        return 2;
    }
#endif
    in = fopen(argv[1], "rb");
    out = fopen(argv[2], "wb");
    if (!in || !out) {
        fprintf(stderr, "dump_outputs: cannot open %s\n", in ? argv[2] : argv[1]);
        return 2;
    }
    while (fread(x, sizeof x, 1, in) == 1) {
        if (RUN(x, y) != 0) {
            fprintf(stderr, "dump_outputs: %s_run failed on sample %ld\n", STR(MODEL), n);
            return 1;
        }
        if (fwrite(y, sizeof y, 1, out) != 1) {
            fprintf(stderr, "dump_outputs: cannot write %s\n", argv[2]);
            return 2;
        }
        n++;
    }
    if (ferror(in) || n == 0 || fclose(out) != 0) {
        fprintf(stderr, "dump_outputs: no complete sample read from %s\n", argv[1]);
        return 2;
    }
    fclose(in);
    printf("%s: %ld samples written to %s\n", STR(MODEL), n, argv[2]);
    return 0;
}
