/*
 * compare_outputs.c - compares the outputs of a model (written by
 * dump_outputs.c: raw float32, N per sample) with reference outputs: the
 * generic target's, or PyTorch's logits (models/NAME.logits.bin). Counts
 * the samples whose outputs are all within TOL of the reference's and those
 * with the same argmax; with labels, also the accuracy of both. Runs on the
 * host, whatever machine wrote the outputs (an AArch64 build under
 * qemu-aarch64: both are little-endian IEEE float32).
 *
 * usage: compare_outputs GOT.bin REFERENCE.bin N TOL MIN_CLOSE MIN_ARGMAX [LABELS.bin MAX_ACC_DROP]
 *   against the generic target: TOL 1e-4, MIN_CLOSE 1, MIN_ARGMAX 1 (every sample);
 *   against PyTorch: the thresholds of test/e2e/run_e2e.sh (1e-4 0.99 0.995 LABELS 0.002).
 * Exits 0 if the thresholds are met, 1 otherwise, 2 on bad input.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static float *read_all(const char *path, long *count) {
    FILE *f = fopen(path, "rb");
    long len;
    float *p;
    if (!f) {
        fprintf(stderr, "compare_outputs: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)len + sizeof(float));
    if (!p || len % (long)sizeof(float) || fread(p, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "compare_outputs: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    *count = len / (long)sizeof(float);
    return p;
}

static long argmax(const float *v, long n) {
    long i, best = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    long n_got, n_ref, n_lab = 0, n, samples, s, i, close = 0, same_argmax = 0, identical = 0;
    long correct = 0, correct_ref = 0, worst_at = -1;
    double tol, min_close, min_argmax, max_drop = 0, worst = 0, close_frac, argmax_frac, acc, acc_ref;
    float *got, *ref;
    unsigned char *labels = NULL;
    if ((argc != 7 && argc != 9) || (n = atol(argv[3])) < 1) {
        fprintf(stderr,
                "usage: %s GOT.bin REFERENCE.bin N TOL MIN_CLOSE MIN_ARGMAX [LABELS.bin MAX_ACC_DROP]\n",
                argv[0]);
        return 2;
    }
    tol = atof(argv[4]);
    min_close = atof(argv[5]);
    min_argmax = atof(argv[6]);
    got = read_all(argv[1], &n_got);
    ref = read_all(argv[2], &n_ref);
    if (argc == 9) {
        FILE *f = fopen(argv[7], "rb");
        labels = malloc(1u << 20);
        if (!f || !labels) {
            fprintf(stderr, "compare_outputs: cannot read %s\n", argv[7]);
            return 2;
        }
        n_lab = (long)fread(labels, 1, 1u << 20, f);
        fclose(f);
        max_drop = atof(argv[8]);
    }
    if (n_got != n_ref || n_ref % n || n_ref == 0) {
        fprintf(stderr, "compare_outputs: %ld and %ld floats, not the same number of samples of %ld\n",
                n_got, n_ref, n);
        return 2;
    }
    samples = n_ref / n;
    if (labels && n_lab != samples) {
        fprintf(stderr, "compare_outputs: %ld labels for %ld samples\n", n_lab, samples);
        return 2;
    }
    for (s = 0; s < samples; s++) {
        const float *g = got + s * n, *r = ref + s * n;
        double d = 0;
        for (i = 0; i < n; i++) {
            double e = fabs((double)g[i] - (double)r[i]);
            if (!(e <= d)) d = e; /* NaN counts as far */
        }
        if (!(d <= worst)) worst = d, worst_at = s;
        close += d <= tol;
        same_argmax += argmax(g, n) == argmax(r, n);
        identical += memcmp(g, r, (size_t)n * sizeof *g) == 0;
        if (labels) {
            correct += argmax(g, n) == labels[s];
            correct_ref += argmax(r, n) == labels[s];
        }
    }
    close_frac = (double)close / (double)samples;
    argmax_frac = (double)same_argmax / (double)samples;
    printf("  %ld samples, %ld bit-identical to the reference; worst difference %.3g (sample %ld)\n",
           samples, identical, worst, worst_at);
    printf("  all outputs within %g: %.2f %% (need >= %.2f %%)\n", tol, 100 * close_frac,
           100 * min_close);
    printf("  the same argmax:        %.2f %% (need >= %.2f %%)\n", 100 * argmax_frac,
           100 * min_argmax);
    acc = (double)correct / (double)samples;
    acc_ref = (double)correct_ref / (double)samples;
    if (labels)
        printf("  accuracy %.2f %%, reference %.2f %% (drop allowed %.2f points)\n", 100 * acc,
               100 * acc_ref, 100 * max_drop);
    /* exact counts for "every sample", so that 1.0 is not lost to rounding */
    if ((min_close >= 1 ? close < samples : close_frac < min_close) ||
        (min_argmax >= 1 ? same_argmax < samples : argmax_frac < min_argmax) ||
        (labels && acc_ref - acc > max_drop + 1e-12)) {
        printf("FAIL\n");
        return 1;
    }
    printf("PASS\n");
    return 0;
}
