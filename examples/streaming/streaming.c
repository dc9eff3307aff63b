/*
 * streaming.c - a spiking classifier on a stream of frames, one timestep per
 * frame, with the running decision after every frame.
 *
 * Frames come from a file of raw float32 images (NAME_INPUT_SIZE floats each;
 * the shipped models/fmnist_cnn_t4.input.bin). Each image stays in front of
 * the "camera" for FRAMES frames; the network keeps its membrane potentials
 * from frame to frame (NAME_step) and the decision is the argmax of the
 * step outputs summed since the image appeared (NAME_reset starts each
 * image). After NAME_STEPS frames the sum over NAME_STEPS equals NAME_infer's
 * average times NAME_STEPS, so the decision then equals NAME_infer's; the
 * program checks that and exits 1 if not.
 *
 * Build (test/e2e/check_streaming.sh does this in CI):
 *   tsnc compile models/fmnist_cnn_t4.onnx -o gen --name net
 *   cc -std=c99 -O2 -Igen streaming.c gen/net.c -o streaming -lm
 *   ./streaming models/fmnist_cnn_t4.input.bin 5 6
 * usage: streaming FRAMES.bin IMAGES FRAMES_PER_IMAGE
 */
#include <stdio.h>
#include <stdlib.h>

#include "net.h"

static net_state state; /* one instance: 2 MB of membranes, lookup tables and scratch */

static int argmax(const float *v, int n) {
    int i, best = 0;
    for (i = 1; i < n; i++)
        if (v[i] > v[best]) best = i;
    return best;
}

int main(int argc, char **argv) {
    static float frame[net_INPUT_SIZE];
    float y[net_OUTPUT_SIZE], sum[net_OUTPUT_SIZE], all[net_OUTPUT_SIZE];
    FILE *f;
    int images, per_image, img, t, i, mismatches = 0;
    if (argc != 4 || !(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "usage: streaming FRAMES.bin IMAGES FRAMES_PER_IMAGE\n");
        return 2;
    }
    images = atoi(argv[2]);
    per_image = atoi(argv[3]);
    if (net_init(&state)) return 1;
    for (img = 0; img < images && fread(frame, sizeof frame, 1, f) == 1; img++) {
        net_reset(&state); /* a new image: membranes at rest */
        for (i = 0; i < net_OUTPUT_SIZE; i++) sum[i] = 0.0f;
        for (t = 0; t < per_image; t++) {
            if (net_step(&state, frame, y)) return 1;
            for (i = 0; i < net_OUTPUT_SIZE; i++) sum[i] += y[i];
            printf("image %d frame %d: decision %d\n", img, t, argmax(sum, net_OUTPUT_SIZE));
            if (t + 1 == net_STEPS) { /* what the network was trained for: compare with NAME_infer */
                static net_state check;
                if (net_init(&check) || net_infer(&check, frame, all)) return 1;
                if (argmax(all, net_OUTPUT_SIZE) != argmax(sum, net_OUTPUT_SIZE)) {
                    printf("  differs from %s_infer's decision %d\n", "net", argmax(all, net_OUTPUT_SIZE));
                    mismatches++;
                }
            }
        }
    }
    fclose(f);
    return mismatches != 0;
}
