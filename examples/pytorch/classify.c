/*
 * classify.c - the smallest program around a network compiled by tsnc:
 * classify Fashion-MNIST images stored as raw float32 (already normalised,
 * as make_models.py writes NAME.input.bin) and print one class per image.
 *
 *   tsnc compile NAME.onnx -o out
 *   cc -std=c99 -O2 -Iout -DMODEL=NAME out/NAME.c classify.c -o classify -lm
 *   ./classify NAME.input.bin [NAME.labels.bin]
 *
 * With the labels file it also prints the accuracy. C99, no other dependency.
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

static const char *const class_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

int main(int argc, char **argv) {
    static float x[IN_SIZE];
    float logits[OUT_SIZE];
    FILE *images, *labels = NULL;
    long n = 0, correct = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s IMAGES.bin [LABELS.bin]\n", argv[0]);
        return 2;
    }
    images = fopen(argv[1], "rb");
    if (!images || (argc > 2 && !(labels = fopen(argv[2], "rb")))) {
        fprintf(stderr, "%s: cannot open the input files\n", argv[0]);
        return 2;
    }
    while (fread(x, sizeof x, 1, images) == 1) {
        int i, best = 0, label;
        if (RUN(x, logits) != 0) {
            fprintf(stderr, "%s: %s_run failed on image %ld\n", argv[0], STR(MODEL), n);
            return 1;
        }
        for (i = 1; i < OUT_SIZE; i++)
            if (logits[i] > logits[best]) best = i;
        printf("%ld %s", n, best < 10 ? class_names[best] : "?");
        if (labels && (label = fgetc(labels)) != EOF) {
            printf(" (label %s)", label < 10 ? class_names[label] : "?");
            correct += best == label;
        }
        printf("\n");
        n++;
    }
    if (labels && n > 0) printf("accuracy %.2f %% on %ld images\n", 100.0 * (double)correct / (double)n, n);
    return 0;
}
