/*
 * two_names.c - one program that includes the headers of two models whose
 * names differ only in case (mlp and MLP, compiled from digits_mlp_t4 and
 * digits_mlp_binary_t4 by check_two_names.sh). Each header must keep its own
 * guard and prefix, and each model must give its own PyTorch logits on the
 * first shipped sample.
 *
 * usage: two_names MLP_INPUT.bin MLP_LOGITS.bin BINARY_INPUT.bin BINARY_LOGITS.bin
 * Written in C99 like the code it tests.
 */
#include <math.h>
#include <stdio.h>

#include "mlp.h"
#include "MLP.h"

/* Reads the first n floats of path into v; 0 on success. */
static int read_floats(const char *path, float *v, size_t n) {
    FILE *f = fopen(path, "rb");
    size_t got;
    if (!f) {
        fprintf(stderr, "two_names: cannot open %s\n", path);
        return 1;
    }
    got = fread(v, sizeof *v, n, f);
    fclose(f);
    if (got != n) fprintf(stderr, "two_names: %s is too short\n", path);
    return got != n;
}

/* 0 when every value of out is within 1e-4 of ref. */
static int compare(const char *what, const float *out, const float *ref, int n) {
    int i;
    for (i = 0; i < n; i++)
        if (fabs((double)out[i] - (double)ref[i]) > 1e-4) {
            fprintf(stderr, "two_names: %s logit %d is %g, PyTorch gives %g\n", what, i,
                    (double)out[i], (double)ref[i]);
            return 1;
        }
    return 0;
}

int main(int argc, char **argv) {
    float x[mlp_INPUT_SIZE], ref[mlp_OUTPUT_SIZE], out[mlp_OUTPUT_SIZE];
    float xb[MLP_INPUT_SIZE], refb[MLP_OUTPUT_SIZE], outb[MLP_OUTPUT_SIZE];
    int bad;
    if (argc != 5) {
        fprintf(stderr, "usage: two_names MLP_INPUT MLP_LOGITS BINARY_INPUT BINARY_LOGITS\n");
        return 2;
    }
    if (read_floats(argv[1], x, mlp_INPUT_SIZE) || read_floats(argv[2], ref, mlp_OUTPUT_SIZE) ||
        read_floats(argv[3], xb, MLP_INPUT_SIZE) || read_floats(argv[4], refb, MLP_OUTPUT_SIZE))
        return 2;
    if (mlp_run(x, out) || MLP_run(xb, outb)) {
        fprintf(stderr, "two_names: a run failed\n");
        return 1;
    }
    bad = compare("mlp", out, ref, mlp_OUTPUT_SIZE) | compare("MLP", outb, refb, MLP_OUTPUT_SIZE);
    if (!bad) printf("PASS\n");
    return bad;
}
