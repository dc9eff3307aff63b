/*
 * time_model.c - latency of one generated model, for bench/run.sh.
 *
 * Built together with a generated NAME.c (compile with -DMODEL=NAME, as
 * test/e2e/check_model.c). Reads the shipped samples (raw float32), runs
 * every sample once to warm up caches and branch predictors, then times
 * NAME_run one call at a time (clock_gettime(CLOCK_MONOTONIC) around each
 * call), cycling through the samples, until MAX_CALLS calls or MAX_SECONDS
 * of calls. The machine may be shared with other work, so it reports order
 * statistics of the calls rather than a mean: a busy neighbour lengthens
 * some calls, not the median.
 *
 * usage: time_model INPUT.bin [MAX_CALLS [MAX_SECONDS [MAX_SAMPLES]]]
 *        (defaults 100000 calls, 1 second, every sample)
 * prints one line:  MODEL median_us=M p10_us=A p90_us=B min_us=C calls=N peak_rss_kib=R
 * (R: this process's peak resident set size, getrusage ru_maxrss: the program that runs the model)
 * Written in C99 (plus POSIX clock_gettime) like the code it times.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(MODEL.h)

#define RUN CAT(MODEL, _run)
#define IN_SIZE CAT(MODEL, _INPUT_SIZE)
#define OUT_SIZE CAT(MODEL, _OUTPUT_SIZE)

static float *read_samples(const char *path, long *n) {
    FILE *f = fopen(path, "rb");
    long len;
    float *p;
    if (!f) {
        fprintf(stderr, "time_model: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    *n = len / (long)(sizeof(float) * IN_SIZE);
    p = malloc((size_t)len + 1);
    if (!p || *n == 0 || fread(p, 1, (size_t)len, f) != (size_t)len) {
        fprintf(stderr, "time_model: cannot read samples from %s\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    long n, max_calls = argc > 2 ? atol(argv[2]) : 100000, max = argc > 4 ? atol(argv[4]) : 0;
    double budget_ns = (argc > 3 ? atof(argv[3]) : 1.0) * 1e9, start, *t, sink = 0;
    long s, k = 0;
    float *x, out[OUT_SIZE];
    if (argc < 2 || max_calls < 1) {
        fprintf(stderr, "usage: %s INPUT.bin [MAX_CALLS [MAX_SECONDS [MAX_SAMPLES]]]\n", argv[0]);
        return 2;
    }
    x = read_samples(argv[1], &n);
    if (max > 0 && n > max) n = max;
    t = malloc((size_t)max_calls * sizeof *t);
    if (!t) return 2;
    for (s = 0; s < n; s++) { /* warm-up */
        RUN(x + s * IN_SIZE, out);
        sink += out[0];
    }
    start = now_ns();
    for (s = 0; k < max_calls && (k == 0 || now_ns() - start < budget_ns); s = (s + 1) % n) {
        double t0 = now_ns();
        RUN(x + s * IN_SIZE, out);
        t[k++] = now_ns() - t0;
        sink += out[0];
    }
    qsort(t, (size_t)k, sizeof *t, cmp_double);
    {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%s median_us=%.3f p10_us=%.3f p90_us=%.3f min_us=%.3f calls=%ld peak_rss_kib=%ld%s\n",
               STR(MODEL), t[k / 2] / 1e3, t[k / 10] / 1e3, t[k * 9 / 10] / 1e3, t[0] / 1e3, k,
               ru.ru_maxrss, sink == sink ? "" : " (NaN output)");
    }
    free(t);
    free(x);
    return 0;
}
