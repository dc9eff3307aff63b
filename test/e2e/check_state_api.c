/*
 * check_state_api.c - the caller-owned state API of one generated model
 * (docs/generated-api.md), built with its NAME.c (-DMODEL=NAME).
 *
 * On the first samples of INPUT.bin (raw float32, NAME_INPUT_SIZE each):
 *   - NAME_infer on two states gives NAME_run's output bit for bit, also
 *     after the other state ran (no hidden shared memory);
 *   - NAME_infer's output is within 1e-4 of PyTorch's logits (LOGITS.bin)
 *     for at least MIN_CLOSE of the samples (a membrane potential on a
 *     threshold may flip a spike under another summation order);
 *   - with NAME_step: NAME_STEPS calls after NAME_reset, their outputs
 *     averaged in float32 in timestep order, equal NAME_infer within 1e-5;
 *   - NAME_infer's argmax is PyTorch's on every sample;
 *   - with STEPS.bin (PyTorch's per-step logits, [3T, samples, outputs]
 *     float32, the same neuron run for 3T timesteps): 3T calls of
 *     NAME_step after NAME_reset match them within TOL, every step of
 *     every sample, but for spike flips: a membrane potential within
 *     float32 rounding of a threshold fires or not depending on the
 *     summation order, and the sample follows another trajectory from that
 *     step on. At most one sample in 8 (at least one) may differ, from the
 *     first step where it does; a bug in the state (reset, decay, the
 *     membranes carried over) shows on most samples. Each such sample is
 *     reported with PyTorch's own evidence: where its two runs of the
 *     network (STEPS.bin's first T steps averaged, and LOGITS.bin in the
 *     T-step export's summation order) differ by more than TOL on it, a
 *     spike of it sits on a threshold in PyTorch too.
 * Also checks NAME_init(NULL) == 1 and that NAME_STATE_BYTES is the state's size.
 *
 * usage: check_state_api INPUT.bin LOGITS.bin SAMPLES MIN_CLOSE [STEPS.bin TOL]
 * Written in C99 like the code it tests.
 */
#include <math.h>
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

static M(_state) state_a, state_b;

static void *read_all(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    void *p;
    if (!f) {
        fprintf(stderr, "check_state_api: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)*len + 1);
    if (!p || fread(p, 1, (size_t)*len, f) != (size_t)*len) {
        fprintf(stderr, "check_state_api: cannot read %s\n", path);
        exit(2);
    }
    fclose(f);
    return p;
}

static int fails;

/* Index of the largest of OUT_SIZE values (the first of equal ones). */
static int argmax(const float *v) {
    int i, best = 0;
    for (i = 1; i < OUT_SIZE; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

/* Largest |a[i] - b[i]| over the OUT_SIZE outputs (infinite if any is NaN). */
static double max_diff(const float *a, const float *b) {
    double worst = 0.0;
    int i;
    for (i = 0; i < OUT_SIZE; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= worst)) worst = d == d ? d : HUGE_VAL;
    }
    return worst;
}

/* Largest difference between PyTorch's stepped run (the mean of the first
 * steps of STEPS.bin, summed in float32 in timestep order as PyTorch's mean
 * is) and its T-step logits on one sample: above the tolerance, PyTorch's
 * own two summation orders put a spike on different sides of a threshold. */
static double pytorch_self_diff(const float *steps, long samples, long s, const float *logits) {
    float mean[OUT_SIZE];
    int t, i;
    for (i = 0; i < OUT_SIZE; i++) mean[i] = 0.0f;
    for (t = 0; t < M(_STEPS); t++)
        for (i = 0; i < OUT_SIZE; i++) mean[i] += steps[((long)t * samples + s) * OUT_SIZE + i];
    for (i = 0; i < OUT_SIZE; i++) mean[i] /= (float)M(_STEPS);
    return max_diff(mean, logits);
}

/* 1 if got is within tol of want; else 0, and one line saying where (counted in fails if strict). */
static int expect_close(const char *what, long sample, const float *got, const float *want, double tol,
                        int strict) {
    int i;
    for (i = 0; i < OUT_SIZE; i++)
        if (!(fabs((double)got[i] - (double)want[i]) <= tol)) {
            fprintf(stderr, "check_state_api: sample %ld: %s: output %d is %.9g, expected %.9g (tol %g)\n",
                    sample, what, i, (double)got[i], (double)want[i], tol);
            fails += strict;
            return 0;
        }
    return 1;
}

int main(int argc, char **argv) {
    long in_len, ref_len, steps_len = 0, n, s;
    float *x, *ref, *steps = NULL, run_out[OUT_SIZE], a_out[OUT_SIZE], b_out[OUT_SIZE];
    double tol = 1e-4, min_close;
    long close_infer = 0, close_steps = 0, step_samples = 0, flips = 0;
    if (argc != 5 && argc != 7) {
        fprintf(stderr, "usage: check_state_api INPUT.bin LOGITS.bin SAMPLES MIN_CLOSE [STEPS.bin TOL]\n");
        return 2;
    }
    x = read_all(argv[1], &in_len);
    ref = read_all(argv[2], &ref_len);
    n = atol(argv[3]);
    min_close = atof(argv[4]);
    if (n > in_len / (long)(IN_SIZE * sizeof(float))) n = in_len / (long)(IN_SIZE * sizeof(float));
    if (argc == 7) {
        steps = read_all(argv[5], &steps_len);
        tol = atof(argv[6]);
    }
    if (sizeof(M(_state)) != M(_STATE_BYTES) || M(_init)(NULL) != 1) {
        fprintf(stderr, "check_state_api: NAME_STATE_BYTES or NAME_init(NULL)\n");
        return 1;
    }
    if (M(_init)(&state_a) || M(_init)(&state_b)) return 1;
    for (s = 0; s < n; s++) {
        const float *xs = x + s * IN_SIZE;
        if (M(_run)(xs, run_out) || M(_infer)(&state_a, xs, a_out) || M(_infer)(&state_b, xs, b_out)) {
            fprintf(stderr, "check_state_api: a call failed\n");
            return 1;
        }
        if (memcmp(run_out, a_out, sizeof a_out) || memcmp(run_out, b_out, sizeof b_out)) {
            fprintf(stderr, "check_state_api: sample %ld: NAME_infer differs from NAME_run\n", s);
            fails++;
        }
        close_infer += expect_close("NAME_infer against PyTorch", s, a_out, ref + s * OUT_SIZE, 1e-4, 0);
        if (argmax(a_out) != argmax(ref + s * OUT_SIZE)) {
            fprintf(stderr, "check_state_api: sample %ld: NAME_infer's argmax is %d, PyTorch's %d\n", s,
                    argmax(a_out), argmax(ref + s * OUT_SIZE));
            fails++;
        }
#if M(_HAS_STEP)
        {
            float y[OUT_SIZE], sum[OUT_SIZE];
            int t, i;
            M(_reset)(&state_b);
            for (i = 0; i < OUT_SIZE; i++) sum[i] = 0.0f;
            for (t = 0; t < M(_STEPS); t++) {
                if (M(_step)(&state_b, xs, y)) return 1;
                for (i = 0; i < OUT_SIZE; i++) sum[i] += y[i];
            }
            for (i = 0; i < OUT_SIZE; i++) sum[i] /= (float)M(_STEPS);
            expect_close("NAME_STEPS steps averaged against NAME_infer", s, sum, a_out, 1e-5, 1);
            if (steps) {
                long total = steps_len / (long)sizeof(float), samples = total / (3L * M(_STEPS) * OUT_SIZE);
                if (s < samples) {
                    int first = -1;
                    double diff = 0.0;
                    M(_reset)(&state_b);
                    for (t = 0; t < 3 * M(_STEPS); t++) {
                        double d;
                        if (M(_step)(&state_b, xs, y)) return 1;
                        d = max_diff(y, steps + ((long)t * samples + s) * OUT_SIZE);
                        if (first < 0 && !(d <= tol)) {
                            first = t;
                            diff = d;
                        }
                    }
                    if (first < 0) {
                        close_steps++;
                    } else {
                        double self = pytorch_self_diff(steps, samples, s, ref + s * OUT_SIZE);
                        fprintf(stderr,
                                "check_state_api: sample %ld: NAME_step differs from PyTorch's steps from step %d on "
                                "(by %.3g there), counted as a spike flip; PyTorch's stepped and T-step runs "
                                "differ by %.3g on it%s\n",
                                s, first, diff, self,
                                self <= tol ? "" : " (a spike on a threshold in PyTorch too)");
                        flips++;
                    }
                    step_samples++;
                }
            }
        }
#endif
    }
    free(x);
    free(ref);
    free(steps);
    printf("NAME_infer within 1e-4 of PyTorch: %ld of %ld samples\n", close_infer, n);
    if (close_infer < min_close * (double)n) fails++;
    if (step_samples) {
        long max_flips = step_samples / 8 > 1 ? step_samples / 8 : 1;
        printf("%d steps within %g of PyTorch's: %ld of %ld samples; %ld spike flip(s) (at most %ld)\n",
               3 * M(_STEPS), tol, close_steps, step_samples, flips, max_flips);
        if (flips > max_flips) fails++;
    }
    if (fails) {
        fprintf(stderr, "check_state_api: %d failures\n", fails);
        return 1;
    }
    printf("PASS: %ld samples%s\n", n, M(_HAS_STEP) ? (steps ? ", steps and PyTorch steps" : ", steps") : "");
    return 0;
}
