/*
 * fmnist_full.c - accuracy of a generated Fashion-MNIST model on the whole
 * test set (10,000 images, IDX format from Debian's dataset-fashion-mnist,
 * decompressed), normalised as in training: (x / 255 - 0.2860) / 0.3530.
 *
 * usage: fmnist_full IMAGES.idx3 LABELS.idx1 EXPECTED_ACCURACY MAX_DIFF
 * Exits 1 if |accuracy - EXPECTED| > MAX_DIFF. Compile with -DMODEL=NAME.
 */
#include <math.h>
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

static unsigned char *read_all(const char *path, long *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *p;
    if (!f) {
        fprintf(stderr, "fmnist_full: cannot open %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)*len + 1);
    if (!p || fread(p, 1, (size_t)*len, f) != (size_t)*len) exit(2);
    fclose(f);
    return p;
}

static long be32(const unsigned char *p) {
    return ((long)p[0] << 24) | ((long)p[1] << 16) | ((long)p[2] << 8) | (long)p[3];
}

int main(int argc, char **argv) {
    long img_len, lab_len, n, i, s, correct = 0;
    unsigned char *img, *lab;
    float x[IN_SIZE], out[OUT_SIZE];
    double expected, max_diff, acc;
    if (argc != 5) {
        fprintf(stderr, "usage: %s IMAGES LABELS EXPECTED_ACCURACY MAX_DIFF\n", argv[0]);
        return 2;
    }
    img = read_all(argv[1], &img_len);
    lab = read_all(argv[2], &lab_len);
    expected = atof(argv[3]);
    max_diff = atof(argv[4]);
    /* IDX: magic 0x00000803 (images) / 0x00000801 (labels), big-endian dims. */
    if (img_len < 16 || be32(img) != 0x803 || lab_len < 8 || be32(lab) != 0x801) {
        fprintf(stderr, "fmnist_full: not IDX image/label files\n");
        return 2;
    }
    n = be32(img + 4);
    if (be32(img + 8) * be32(img + 12) != IN_SIZE || be32(lab + 4) != n ||
        img_len != 16 + n * IN_SIZE || lab_len != 8 + n) {
        fprintf(stderr, "fmnist_full: unexpected sizes\n");
        return 2;
    }
    for (s = 0; s < n; s++) {
        int best = 0;
        for (i = 0; i < IN_SIZE; i++)
            x[i] = ((float)img[16 + s * IN_SIZE + i] / 255.0f - 0.2860f) / 0.3530f;
        if (RUN(x, out) != 0) return 1;
        for (i = 1; i < OUT_SIZE; i++)
            if (out[i] > out[best]) best = (int)i;
        correct += best == lab[8 + s];
    }
    acc = (double)correct / (double)n;
    printf("%s on %ld Fashion-MNIST test images: accuracy %.2f %% (PyTorch %.2f %%, allowed difference %.2f points)\n",
           STR(MODEL), n, 100 * acc, 100 * expected, 100 * max_diff);
    if (fabs(acc - expected) > max_diff + 1e-12) {
        printf("FAIL\n");
        return 1;
    }
    printf("PASS\n");
    return 0;
}
