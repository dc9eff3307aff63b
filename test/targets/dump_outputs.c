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
 * usage: dump_outputs INPUT.bin OUTPUT.bin
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

int main(int argc, char **argv) {
    FILE *in, *out;
    static float x[IN_SIZE];
    float y[OUT_SIZE];
    long n = 0;
    if (argc != 3) {
        fprintf(stderr, "usage: %s INPUT.bin OUTPUT.bin\n", argv[0]);
        return 2;
    }
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
