/*
 * check_multi_io.c - a model with several outputs of different element
 * types (test/models_io/make_spike_counts.py: logits f32[1,10], the spike
 * count of layer 1 as int64, of layer 2 as float64): the header's count,
 * size, name and type macros, and NAME_infer / NAME_run on every sample
 * against PyTorch (logits within 1e-4, counts exact).
 *
 * usage: check_multi_io INPUT.bin EXPECTED.bin
 * Written in C99 like the code it tests.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "spike_counts.h"

typedef char check_counts[spike_counts_INPUT_COUNT == 1 && spike_counts_OUTPUT_COUNT == 3 ? 1 : -1];
typedef char check_sizes[spike_counts_OUTPUT0_SIZE == 10 && spike_counts_OUTPUT1_SIZE == 1 &&
                                 spike_counts_OUTPUT2_SIZE == 1 ? 1 : -1];
typedef char check_types[sizeof(spike_counts_output1_t) == 8 && sizeof(spike_counts_output2_t) == 8 &&
                                 (spike_counts_output1_t)-1 < 0 ? 1 : -1];

static spike_counts_state state;

int main(int argc, char **argv) {
    FILE *fx, *fe;
    float x[spike_counts_INPUT0_SIZE], logits[10], want_logits[10];
    spike_counts_output1_t c1, want_c1;
    spike_counts_output2_t c2, want_c2;
    int s, i, bad = 0;
    if (argc != 3 || !(fx = fopen(argv[1], "rb")) || !(fe = fopen(argv[2], "rb"))) {
        fprintf(stderr, "usage: check_multi_io INPUT.bin EXPECTED.bin\n");
        return 2;
    }
    if ((spike_counts_output2_t)0.5 != 0.5 || strcmp(spike_counts_OUTPUT1_NAME, "count_sn1") || strcmp(spike_counts_OUTPUT2_NAME, "count_sn2") ||
        spike_counts_init(&state)) {
        fprintf(stderr, "check_multi_io: names or init\n");
        return 1;
    }
    for (s = 0; fread(x, sizeof x, 1, fx) == 1; s++) {
        if (fread(want_logits, sizeof want_logits, 1, fe) != 1 || fread(&want_c1, 8, 1, fe) != 1 ||
            fread(&want_c2, 8, 1, fe) != 1)
            return 2;
        for (i = 0; i < 2; i++) {
            int k, rc = i ? spike_counts_run(x, logits, &c1, &c2) : spike_counts_infer(&state, x, logits, &c1, &c2);
            if (rc) return 1;
            for (k = 0; k < 10; k++)
                if (fabs((double)logits[k] - (double)want_logits[k]) > 1e-4) bad = 1;
            if (c1 != want_c1 || c2 != want_c2) bad = 1;
            if (bad) {
                fprintf(stderr, "check_multi_io: sample %d (%s): counts %lld %g, PyTorch %lld %g\n", s,
                        i ? "run" : "infer", (long long)c1, c2, (long long)want_c1, want_c2);
                return 1;
            }
        }
    }
    fclose(fx);
    fclose(fe);
    printf("PASS: %d samples, 3 outputs\n", s);
    return s ? 0 : 1;
}
