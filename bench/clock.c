/*
 * clock.c - the effective clock of the core it runs on, for bench/README.md.
 *
 * perf cannot count cycles on this (virtual) machine, so the clock is
 * measured: a chain of dependent integer additions takes one cycle per
 * addition on every x86-64 and AArch64 core of the last decade, so
 * additions per second is cycles per second. Each trial runs 2 million
 * additions (under a millisecond, shorter than a scheduler time slice); the
 * fastest of many trials is reported (a trial that shared the core with
 * other work only looks slower).
 *
 * usage: clock [TRIALS]   prints:  effective_clock_ghz=G
 * GNU C (inline assembly) for x86-64 and AArch64; elsewhere it says so.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define R10(x) x x x x x x x x x x
#define R100(x) R10(R10(x))

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* 100 * iters dependent additions; returns the last value so nothing is dropped. */
static unsigned long chain(long iters) {
    unsigned long x = 0;
    long i;
    for (i = 0; i < iters; i++) {
#if defined(__x86_64__)
        __asm__ volatile(R100("add $1, %0\n\t") : "+r"(x));
#elif defined(__aarch64__)
        __asm__ volatile(R100("add %0, %0, #1\n\t") : "+r"(x));
#endif
    }
    return x;
}

int main(int argc, char **argv) {
    int trials = argc > 1 ? atoi(argv[1]) : 500, t;
    long iters = 20000; /* 2 million additions per trial: shorter than a scheduler time slice */
    double best = 1e30;
#if !defined(__x86_64__) && !defined(__aarch64__)
    (void)trials, (void)iters, (void)best, (void)t;
    printf("effective_clock_ghz=unknown (no dependent-add chain for this architecture)\n");
    return 0;
#else
    chain(500 * iters); /* let the core reach its clock */
    for (t = 0; t < trials; t++) {
        double t0 = now_s(), dt;
        if (chain(iters) != 100ul * (unsigned long)iters) return 1;
        dt = now_s() - t0;
        if (dt < best) best = dt;
    }
    printf("effective_clock_ghz=%.2f\n", 100.0 * (double)iters / best / 1e9);
    return 0;
#endif
}
