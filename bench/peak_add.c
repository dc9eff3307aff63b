/*
 * peak_add.c - the core's peak rate of float additions with AVX2, for the
 * "achieved additions per second against the peak" of bench/layers.py.
 *
 * The peak is 8 lanes x (256-bit add instructions retired per cycle) x clock.
 * Rather than trusting a data sheet for the middle factor (and a virtual
 * machine's clock), both are measured together: 12 independent chains of
 * vaddps in registers (at least add ports x add latency on current x86
 * cores, so no chain waits on its previous addition) run for a few million
 * instructions; the fastest of many trials, in float additions
 * per second, is the peak. Divided by clock.c's cycles per second it gives
 * the adds per cycle, i.e. the number of add ports x 8.
 *
 * usage: peak_add [TRIALS]   prints:  peak_gadds=G   (10^9 float additions per second)
 * C99 with AVX2 intrinsics; build with -O2 -mavx2.
 */
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define STEPS 100000L
/* twelve accumulators in named variables, so that they stay in registers */
#define ADD12(s)                                                                                   \
    a0 = _mm256_add_ps(a0, s), a1 = _mm256_add_ps(a1, s), a2 = _mm256_add_ps(a2, s),             \
    a3 = _mm256_add_ps(a3, s), a4 = _mm256_add_ps(a4, s), a5 = _mm256_add_ps(a5, s),             \
    a6 = _mm256_add_ps(a6, s), a7 = _mm256_add_ps(a7, s), a8 = _mm256_add_ps(a8, s),             \
    a9 = _mm256_add_ps(a9, s), a10 = _mm256_add_ps(a10, s), a11 = _mm256_add_ps(a11, s)

int main(int argc, char **argv) {
    int trials = argc > 1 ? atoi(argv[1]) : 200, t;
    double best = 0, sink = 0;
    /* a tiny increment keeps the sums finite and the additions real */
    volatile float step_value = 1e-30f;
    __m256 step = _mm256_set1_ps(step_value);
    for (t = 0; t < trials; t++) {
        /* distinct starting values: equal chains would be merged by the compiler */
        __m256 a0 = _mm256_set1_ps(0.0f), a1 = _mm256_set1_ps(1.0f), a2 = _mm256_set1_ps(2.0f);
        __m256 a3 = _mm256_set1_ps(3.0f), a4 = _mm256_set1_ps(4.0f), a5 = _mm256_set1_ps(5.0f);
        __m256 a6 = _mm256_set1_ps(6.0f), a7 = _mm256_set1_ps(7.0f), a8 = _mm256_set1_ps(8.0f);
        __m256 a9 = _mm256_set1_ps(9.0f), a10 = _mm256_set1_ps(10.0f), a11 = _mm256_set1_ps(11.0f);
        float out[8];
        long i;
        double t0, dt;
        t0 = now_s();
        for (i = 0; i < STEPS; i++) ADD12(step);
        dt = now_s() - t0;
        a0 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
        a0 = _mm256_add_ps(a0, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
        _mm256_storeu_ps(out, a0);
        sink += out[0];
        if (dt > 0 && 8.0 * 12 * STEPS / dt > best) best = 8.0 * 12 * STEPS / dt;
    }
    printf("peak_gadds=%.1f\n", best / 1e9);
    return sink < 0; /* keeps the sums live */
}
