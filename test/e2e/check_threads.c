/*
 * check_threads.c - two threads, two states of one generated model
 * (-DMODEL=NAME): each thread runs NAME_infer and then NAME_STEPS + 3 calls of
 * NAME_step on its own state over the first samples; the results must equal,
 * bit for bit, the same calls made one thread after the other. Built with
 * clang -fsanitize=thread by check_threads.sh, so that any memory the two
 * states would share (a static table, a lazily built one) is a reported race.
 *
 * usage: check_threads INPUT.bin SAMPLES
 * C99 plus POSIX threads.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define STR2(a) #a
#define STR(a) STR2(a)
#include STR(MODEL.h)

#define M(x) CAT(MODEL, x)
#define IN_SIZE M(_INPUT_SIZE)
#define OUT_SIZE M(_OUTPUT_SIZE)
#define CALLS (1 + (M(_HAS_STEP) ? M(_STEPS) + 3 : 0)) /* outputs per sample */

typedef struct Job {
    M(_state) * state;
    const float *x; /* samples */
    long n;
    float *out; /* n * CALLS * OUT_SIZE */
    int rc;
} Job;

static void *work(void *arg) {
    Job *j = arg;
    long s;
    j->rc = M(_init)(j->state);
    for (s = 0; s < j->n && !j->rc; s++) {
        const float *xs = j->x + s * IN_SIZE;
        float *o = j->out + s * CALLS * OUT_SIZE;
        j->rc |= M(_infer)(j->state, xs, o);
#if M(_HAS_STEP)
        {
            int t;
            j->rc |= M(_reset)(j->state);
            for (t = 0; t < M(_STEPS) + 3; t++) j->rc |= M(_step)(j->state, xs, o + (1 + t) * OUT_SIZE);
        }
#endif
    }
    return NULL;
}

int main(int argc, char **argv) {
    FILE *f;
    long n, half, bytes;
    float *x, *out[4];
    Job jobs[4];
    pthread_t th[2];
    int i;
    if (argc != 3 || !(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: check_threads INPUT.bin SAMPLES\n");
        return 2;
    }
    n = atol(argv[2]);
    x = malloc((size_t)n * IN_SIZE * sizeof *x);
    if (!x || fread(x, sizeof *x * IN_SIZE, (size_t)n, f) != (size_t)n) return 2;
    fclose(f);
    half = n / 2;
    bytes = half * CALLS * OUT_SIZE * (long)sizeof(float);
    for (i = 0; i < 4; i++) {
        jobs[i].state = malloc(sizeof(M(_state)));
        out[i] = malloc((size_t)bytes);
        if (!jobs[i].state || !out[i]) return 2;
        jobs[i].x = x + (i % 2) * half * IN_SIZE;
        jobs[i].n = half;
        jobs[i].out = out[i];
    }
    for (i = 0; i < 2; i++) /* one after the other */
        work(&jobs[i]);
    for (i = 0; i < 2; i++) /* at once */
        if (pthread_create(&th[i], NULL, work, &jobs[2 + i])) return 2;
    for (i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (i = 0; i < 2; i++)
        if (jobs[i].rc || jobs[2 + i].rc || memcmp(out[i], out[2 + i], (size_t)bytes)) {
            fprintf(stderr, "check_threads: thread %d differs from the same calls made alone\n", i);
            return 1;
        }
    for (i = 0; i < 4; i++) {
        free(jobs[i].state);
        free(out[i]);
    }
    free(x);
    printf("PASS: two threads, %ld samples each\n", half);
    return 0;
}
