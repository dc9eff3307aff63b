/*
 * check_model.c - end-to-end check of one generated model against PyTorch.
 *
 * Built together with a generated NAME.c (compile with -DMODEL=NAME). Reads
 * the shipped samples (raw float32), the PyTorch logits (raw float32) and
 * the labels (uint8), runs NAME_run on every sample and prints:
 *   - the fraction of samples whose logits are all within TOL of PyTorch's,
 *   - the fraction whose argmax agrees with PyTorch's,
 *   - the accuracy against the labels, next to PyTorch's on the same samples.
 * Exits 1 if a threshold given on the command line is not met.
 *
 * usage: check_model INPUT.bin LOGITS.bin LABELS.bin MIN_CLOSE MIN_ARGMAX MAX_ACC_DROP [TOL]
 * Written in C99 like the code it tests.
 */
#include <math.h>
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

static void *read_all(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    void *p;
    if (!f) {
        fprintf(stderr, "check_model: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)*len + 1);
    if (!p || fread(p, 1, (size_t)*len, f) != (size_t)*len) {
        fprintf(stderr, "check_model: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static int argmax(const float *v, int n) {
    int i, best = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    long in_len, ref_len, lab_len, n, s;
    float *x, *ref, out[OUT_SIZE];
    unsigned char *labels;
    double min_close, min_argmax, max_drop, tol = 1e-4, close_frac, argmax_frac, acc, acc_ref;
    long close = 0, same_argmax = 0, correct = 0, correct_ref = 0;
    double worst = 0;
    if (argc < 7) {
        fprintf(stderr, "usage: %s INPUT.bin LOGITS.bin LABELS.bin MIN_CLOSE MIN_ARGMAX MAX_ACC_DROP [TOL]\n", argv[0]);
        return 2;
    }
    x = read_all(argv[1], &in_len);
    ref = read_all(argv[2], &ref_len);
    labels = read_all(argv[3], &lab_len);
    min_close = atof(argv[4]);
    min_argmax = atof(argv[5]);
    max_drop = atof(argv[6]);
    if (argc > 7) tol = atof(argv[7]);
    n = in_len / (long)(sizeof(float) * IN_SIZE);
    if (n == 0 || ref_len != n * (long)(sizeof(float) * OUT_SIZE) || lab_len != n) {
        fprintf(stderr, "check_model: sample counts disagree (%ld inputs, %ld logits bytes, %ld labels)\n",
                n, ref_len, lab_len);
        return 2;
    }
    for (s = 0; s < n; s++) {
        const float *r = ref + s * OUT_SIZE;
        double d = 0;
        int i;
        if (RUN(x + s * IN_SIZE, out) != 0) {
            fprintf(stderr, "check_model: %s_run failed on sample %ld\n", STR(MODEL), s);
            return 1;
        }
        for (i = 0; i < OUT_SIZE; i++) {
            double e = fabs((double)out[i] - (double)r[i]);
            if (!(e <= d)) d = e; /* NaN counts as far */
        }
        if (d > worst) worst = d;
        close += d <= tol;
        same_argmax += argmax(out, OUT_SIZE) == argmax(r, OUT_SIZE);
        correct += argmax(out, OUT_SIZE) == labels[s];
        correct_ref += argmax(r, OUT_SIZE) == labels[s];
    }
    close_frac = (double)close / (double)n;
    argmax_frac = (double)same_argmax / (double)n;
    acc = (double)correct / (double)n;
    acc_ref = (double)correct_ref / (double)n;
    printf("%s: %ld samples\n", STR(MODEL), n);
    printf("  logits within %g of PyTorch: %.2f %% (need >= %.2f %%), worst difference %.3g\n", tol,
           100 * close_frac, 100 * min_close, worst);
    printf("  argmax agrees with PyTorch:  %.2f %% (need >= %.2f %%)\n", 100 * argmax_frac, 100 * min_argmax);
    printf("  accuracy: tsnc %.2f %%, PyTorch %.2f %% on the same samples (drop allowed %.2f points)\n",
           100 * acc, 100 * acc_ref, 100 * max_drop);
    if (close_frac < min_close || argmax_frac < min_argmax || acc_ref - acc > max_drop + 1e-12) {
        printf("FAIL\n");
        return 1;
    }
    printf("PASS\n");
    return 0;
}
