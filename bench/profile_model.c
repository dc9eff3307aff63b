/*
 * profile_model.c - wall time of each node of one generated model, for
 * bench/layers.py and bench/crossover.py.
 *
 * Built together with a generated NAME.c compiled with -DTSNC_PROFILE
 * (docs/generated-api.md: NAME_profile_ns[] sums each node's wall time over
 * calls) and -DMODEL=NAME. Runs every sample once to warm up, then PASSES
 * passes over the samples; for each node it keeps the lowest of the passes'
 * mean times per call, so that a busy neighbour on a shared machine, which
 * lengthens some passes, does not inflate the figure.
 *
 * usage: profile_model INPUT.bin [PASSES [MAX_SAMPLES]]   (defaults 20, 200)
 * prints one line per node:  US<TAB>NAME (OP)   (US: microseconds per call)
 * Written in C99 like the code it times.
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
#define COUNT CAT(MODEL, _PROFILE_COUNT)
#define NS CAT(MODEL, _profile_ns)
#define NAMES CAT(MODEL, _profile_names)

int main(int argc, char **argv) {
    static float out[OUT_SIZE];
    static double best[COUNT > 0 ? COUNT : 1];
    long n, s, passes = argc > 2 ? atol(argv[2]) : 20, max = argc > 3 ? atol(argv[3]) : 200, len;
    int i, pass;
    float *x;
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : NULL;
    if (!f) {
        fprintf(stderr, "usage: profile_model INPUT.bin [PASSES [MAX_SAMPLES]]\n");
        return 2;
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    n = len / (long)(sizeof(float) * IN_SIZE);
    if (n > max) n = max;
    x = malloc((size_t)(n * IN_SIZE) * sizeof *x + 1);
    if (!x || n < 1 || fread(x, sizeof *x, (size_t)(n * IN_SIZE), f) != (size_t)(n * IN_SIZE)) {
        fprintf(stderr, "profile_model: cannot read samples from %s\n", argv[1]);
        return 2;
    }
    fclose(f);
    for (s = 0; s < n; s++) RUN(x + s * IN_SIZE, out);
    for (i = 0; i < COUNT; i++) best[i] = -1;
    for (pass = 0; pass < passes; pass++) {
        for (i = 0; i < COUNT; i++) NS[i] = 0;
        for (s = 0; s < n; s++) RUN(x + s * IN_SIZE, out);
        for (i = 0; i < COUNT; i++)
            if (best[i] < 0 || NS[i] / (double)n < best[i]) best[i] = NS[i] / (double)n;
    }
    for (i = 0; i < COUNT; i++) printf("%.3f\t%s\n", best[i] / 1e3, NAMES[i]);
    free(x);
    return 0;
}
