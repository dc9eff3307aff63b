/*
 * test_ir_roundtrip.c - print(parse(print(g))) == print(g) for every IR the
 * compiler produces from the shipped models: right after import and after
 * every stage of the pipeline, with constants printed in full (the
 * same as `tsnc dump M --after P --print-constants=full | tsnc opt`). The
 * parsed graph must also verify, and with locations left out the text
 * must still parse back to the same text.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stddef.h>
#include <cmocka.h>

#include "frontend/frontend.h"
#include "passes/passes.h"

enum { MAX_MODELS = 64 };

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

/* The IR text of g (malloc'd). */
static char *print_to_string(const Graph *g, const PrintOptions *o, size_t *len) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    ir_print(f, g, o);
    fclose(f);
    return text;
}

/* Parses text, checks that it verifies and prints back identically. */
static void check_round_trip(const Graph *g, const char *model, const char *stage, const PrintOptions *o) {
    size_t len, len2;
    char *text = print_to_string(g, o, &len);
    Diag d = {.file = stage};
    Graph *back = ir_parse(text, len, &d);
    if (!back || graph_verify(back, &d) != 0) {
        fprintf(stderr, "%s after %s does not parse back:\n", model, stage);
        diag_print(&d, stderr);
        fail();
    }
    char *again = print_to_string(back, o, &len2);
    if (len != len2 || memcmp(text, again, len) != 0) {
        size_t i = 0;
        while (i < len && i < len2 && text[i] == again[i]) i++;
        size_t from = i > 200 ? i - 200 : 0;
        fprintf(stderr, "%s after %s: the text changes at byte %zu:\n--- printed:\n%.300s\n--- reprinted:\n%.300s\n",
                model, stage, i, text + from, again + from);
        fail();
    }
    graph_free(back);
    free(text);
    free(again);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

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

typedef struct RoundTrip {
    const char *model;
    int stages;
} RoundTrip;

/* After each stage of the pipeline: the text round trips, with and without locations. */
static int after_stage(const char *stage, const Graph *g, void *user) {
    RoundTrip *rt = user;
    PrintOptions full = {.elide_above = -1, .show_locations = true};
    PrintOptions no_loc = {.elide_above = -1, .show_locations = false};
    check_round_trip(g, rt->model, stage, &full);
    check_round_trip(g, rt->model, stage, &no_loc);
    rt->stages++;
    return 0;
}

static void check_model(const char *model, bool dense) {
    char path[1024];
    size_t len;
    snprintf(path, sizeof path, "%s/models/%s.onnx", TSNC_SOURCE_DIR, model);
    uint8_t *bytes = read_all(path, &len);
    assert_non_null(bytes);
    Diag d = {.file = model};
    ImportOptions io = {0};
    Graph *g = onnx_import_buffer(bytes, len, &io, &d);
    assert_non_null(g);
    PrintOptions full = {.elide_above = -1, .show_locations = true};
    check_round_trip(g, model, "import", &full);
    PassOptions popt = {.dense = dense};
    PassContext cx = {.diag = &d, .opt = &popt};
    RoundTrip rt = {.model = model};
    PipelineHooks h = {.after = after_stage, .user = &rt, .verify_each = true};
    int rc = pipeline_run(g, &cx, &h);
    if (rc != 0) diag_print(&d, stderr);
    assert_int_equal(rc, 0);
    printf("%-22s%s round trip after import and %d stages: identical\n", model, dense ? " (--dense)" : "",
           rt.stages);
    graph_free(g);
    free(bytes);
}

static void test_round_trip_every_model_every_pass(void **state) {
    (void)state;
    char *names[MAX_MODELS];
    int n = list_models(names);
    assert_true(n >= 5);
    for (int i = 0; i < n; i++) {
        check_model(names[i], false);
        check_model(names[i], true);
        free(names[i]);
    }
}

/* Hand-written text with every syntactic form prints back as written. */
static void test_round_trip_hand_written(void **state) {
    (void)state;
    static const char text[] =
        "graph @\"my graph\" opset 13 {\n"
        "  %x = input : f32[2,4] ternary(alpha=0.730000019)\n"
        "  %\"onnx::W\" = const : f32[3,4] = dense<[1.0, -2.5, 0.125, 3.0, inf, -inf, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]>\n"
        "  %c0 = const : i64[2] = dense<[-3, 40000000000]>\n"
        "  %c1 = const : bool[4] = dense<[1, 0, 0, 1]>\n"
        "  %0 = Gemm(%x, %\"onnx::W\", none) {alpha = 0.5, transB = 1} : f32[2,3] loc(\"/fc/Gemm\")  // a remark\n"
        "  %y = Mul(%x, %x) : f32[2,4] levels(0.0, 0.5; alpha=[1.0, 2.0], inner=4) loc(\"q\\\"uote\\x01\")\n"
        "  %1 = Shape(%0) : i64[2] = dense<[2, 3]>\n"
        "  %2 = Add(%c0, %1) : i64[2]\n"
        "  %3 = Where(%c1, %y, %x) : f32[2,4]\n"
        "  %s, %4 = tsnc.lif(%0) {decay = 0.25, down = -0.5, down_inclusive = 1, kind = \"ternary\", "
        "up = 0.5, up_inclusive = 1, vth = 1.0} : f32[2,3] ternary(), f32[2,3]\n"
        "  return %s, %y\n"
        "}\n";
    Diag d = {.file = "hand"};
    Graph *g = ir_parse(text, sizeof text - 1, &d);
    if (!g) diag_print(&d, stderr);
    assert_non_null(g);
    PrintOptions full = {.elide_above = -1, .show_locations = true};
    size_t len;
    char *printed = print_to_string(g, &full, &len);
    assert_string_equal(printed, text);
    free(printed);
    graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_hand_written),
        cmocka_unit_test(test_round_trip_every_model_every_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
