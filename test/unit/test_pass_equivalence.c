/*
 * test_pass_equivalence.c - every pass preserves what every shipped model
 * computes, checked with the reference interpreter.
 *
 * For each models/NAME.onnx: import, infer-shapes, and run the first
 * SAMPLES (50) samples of NAME.input.bin through the interpreter: those outputs
 * are the reference (the same as `tsnc run --after import`). Then the
 * pipeline runs on, and after each stage the same samples go through the
 * rewritten graph again (as `tsnc run --after STAGE`). A sample
 * "differs" when some output is more than TOL away from the reference.
 * Passes that change float rounding (fold-batchnorm, alpha-fold,
 * compose-pooling) may move a membrane potential that sits on a threshold
 * and flip one spike, so at most MAX_DIFFERING samples of SAMPLES may
 * differ; the others must agree within TOL. A table of differing samples
 * and the largest difference per model and pass is printed.
 *
 * The reference itself is anchored to PyTorch: its argmax must agree with
 * NAME.logits.bin on every sample but at most MAX_DIFFERING.
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "frontend/frontend.h"
#include "passes/passes.h"

/* Under AddressSanitizer (tools/test.sh's second build, -O0) the interpreter
 * is ~30x slower: fewer samples there check memory safety, the normal build
 * checks the numbers on 50. */
#if defined(__SANITIZE_ADDRESS__)
#define TSNC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TSNC_ASAN 1
#endif
#endif
#ifdef TSNC_ASAN
enum { SAMPLES = 4 };
#else
enum { SAMPLES = 50 };
#endif
enum { MAX_DIFFERING = 1, MAX_MODELS = 64 };
static const double TOL = 1e-4;

/* Reads a whole file; NULL if it cannot. */
static void *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* Runs the first n samples through g; returns n * out_size floats (malloc'd). */
static float *run_samples(const Graph *g, const float *x, int n, int64_t *out_size) {
    assert_int_equal(g->n_inputs, 1);
    assert_int_equal(g->n_outputs, 1);
    Tensor *in = tensor_new(NULL, DT_F32, &g->inputs[0]->type.shape);
    int64_t in_size = tensor_numel(in);
    *out_size = shape_numel(&g->outputs[0]->type.shape);
    float *all = malloc((size_t)(n * *out_size) * sizeof *all);
    assert_non_null(all);
    for (int s = 0; s < n; s++) {
        memcpy(in->data, x + s * in_size, (size_t)in_size * sizeof(float));
        Tensor *out = NULL;
        Diag d = {.file = "interp"};
        int rc = interp_run(g, &in, &out, &d);
        if (rc != 0) diag_print(&d, stderr);
        diag_free(&d);
        assert_int_equal(rc, 0);
        assert_int_equal(tensor_numel(out), *out_size);
        memcpy(all + s * *out_size, out->data, (size_t)*out_size * sizeof(float));
        tensor_free_heap(out);
    }
    tensor_free_heap(in);
    return all;
}

static int argmax(const float *v, int64_t n) {
    int best = 0;
    for (int64_t i = 1; i < n; i++)
        if (v[i] > v[best]) best = (int)i;
    return best;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the shipped models (models/NAME.onnx), sorted. */
static int list_models(char **names) {
    DIR *dir = opendir(TSNC_SOURCE_DIR "/models");
    assert_non_null(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".onnx") == 0 && n < MAX_MODELS)
            names[n++] = strndup(e->d_name, len - 5);
    }
    closedir(dir);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    return n;
}

typedef struct Equivalence {
    const char *model;
    const float *x, *torch;
    size_t xlen;
    float *ref;       /* the outputs after infer-shapes (malloc'd) */
    int n;            /* samples */
    int64_t out_size;
} Equivalence;

/* After infer-shapes: the reference, anchored to PyTorch. */
static void take_reference(Equivalence *eq, const Graph *g) {
    int64_t in_size = shape_numel(&g->inputs[0]->type.shape);
    eq->n = (int)(eq->xlen / ((size_t)in_size * sizeof(float)));
    if (eq->n > SAMPLES) eq->n = SAMPLES;
    assert_true(eq->n > 0);
    eq->ref = run_samples(g, eq->x, eq->n, &eq->out_size);
    int torch_disagree = 0;
    for (int s = 0; s < eq->n; s++)
        torch_disagree += argmax(eq->ref + s * eq->out_size, eq->out_size) !=
                          argmax(eq->torch + s * eq->out_size, eq->out_size);
    printf("%-22s %-18s %2d samples, argmax differs from PyTorch on %d\n", eq->model, "import", eq->n,
           torch_disagree);
    assert_true(torch_disagree <= MAX_DIFFERING);
}

/* After each later stage: the same samples give the reference's outputs. */
static int after_stage(const char *stage, const Graph *g, void *user) {
    Equivalence *eq = user;
    if (strcmp(stage, "infer-shapes") == 0) {
        take_reference(eq, g);
        return 0;
    }
    int n = eq->n;
    int64_t out_size = eq->out_size, o2;
    const float *ref = eq->ref;
    float *got = run_samples(g, eq->x, n, &o2);
    assert_int_equal(o2, out_size);
    int differing = 0;
    double max_diff = 0, max_diff_agreeing = 0;
    for (int s = 0; s < n; s++) {
        double worst = 0;
        for (int64_t i = 0; i < out_size; i++) {
            double e = fabs((double)got[s * out_size + i] - (double)ref[s * out_size + i]);
            if (!(e <= worst)) worst = e; /* NaN counts as a difference */
        }
        if (!(worst <= TOL)) differing++;
        else if (worst > max_diff_agreeing) max_diff_agreeing = worst;
        if (!(worst <= max_diff)) max_diff = worst;
    }
    printf("%-22s %-18s %2d of %d samples differ by more than %g; max |diff| %.3g "
           "(%.3g on the others)\n",
           eq->model, stage, differing, n, TOL, max_diff, max_diff_agreeing);
    free(got);
    assert_true(differing <= MAX_DIFFERING);
    return 0;
}

static void check_model(const char *model) {
    char path[1024];
    size_t len, xlen, ylen;
    snprintf(path, sizeof path, "%s/models/%s.onnx", TSNC_SOURCE_DIR, model);
    uint8_t *bytes = read_all(path, &len);
    assert_non_null(bytes);
    snprintf(path, sizeof path, "%s/models/%s.input.bin", TSNC_SOURCE_DIR, model);
    float *x = read_all(path, &xlen);
    assert_non_null(x);
    snprintf(path, sizeof path, "%s/models/%s.logits.bin", TSNC_SOURCE_DIR, model);
    float *torch = read_all(path, &ylen);
    assert_non_null(torch);

    Diag d = {.file = model};
    ImportOptions io = {0};
    Graph *g = onnx_import_buffer(bytes, len, &io, &d);
    assert_non_null(g);
    PassContext cx = {.diag = &d, .opt = &(PassOptions){0}};
    Equivalence eq = {.model = model, .x = x, .torch = torch, .xlen = xlen};
    PipelineHooks h = {.after = after_stage, .user = &eq, .verify_each = true};
    int rc = pipeline_run(g, &cx, &h);
    if (rc != 0) diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    assert_non_null(eq.ref);
    free(eq.ref);
    graph_free(g);
    free(bytes);
    free(x);
    free(torch);
}

static void test_every_pass_keeps_outputs(void **state) {
    (void)state;
    char *names[MAX_MODELS];
    int n = list_models(names);
    assert_true(n >= 5);
    for (int i = 0; i < n; i++) {
        check_model(names[i]);
        free(names[i]);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_pass_keeps_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
