/*
 * fuzz_harness.c - bytes -> import -> verify -> pipeline -> verify -> C in
 * memory (see fuzz_harness.h for what counts as a bug).
 *
 * Set TSNC_FUZZ_VERBOSE=1 to print each input's diagnostics to stderr (with
 * fuzz_replay or a fuzzer given a file: shows why an input is rejected).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/codegen.h"
#include "frontend/frontend.h"
#include "passes/passes.h"
#include "test/fuzz/fuzz_harness.h"

static bool verbose(void) {
    static int v = -1;
    if (v < 0) {
        const char *e = getenv("TSNC_FUZZ_VERBOSE");
        v = e && *e && strcmp(e, "0") != 0;
    }
    return v;
}

/* Aborts (a finding) with the stage and whatever the Diag holds. */
static _Noreturn void finding(const char *what, const Diag *d) {
    fprintf(stderr, "tsnc fuzz finding: %s\n", what);
    diag_print(d, stderr);
    abort();
}

/* A stage returned failure: it must have said why. */
static void check_failure_explained(const char *stage, Diag *d) {
    if (d->n_errors == 0) {
        char what[128];
        snprintf(what, sizeof what, "%s failed without an error message", stage);
        finding(what, d);
    }
    if (verbose()) diag_print(d, stderr);
}

/* After each pipeline entry that succeeded, the graph must verify. */
static int verify_after(const Pass *p, const Graph *g, void *user) {
    (void)user;
    Diag d = {.file = "fuzz"};
    if (graph_verify(g, &d) != 0) {
        char what[160];
        snprintf(what, sizeof what, "graph fails verification after pass '%s'", p->name);
        finding(what, &d);
    }
    diag_free(&d);
    return 0;
}

/*
 * The command-line options of this run, `tsnc compile [--target T]
 * [--spike-impl I] [--dense]`, taken from the input's size so that every
 * combination is fuzzed and a finding replays with the same options.
 */
static void options_for(size_t size, PassOptions *popt, Target *target) {
    static const char *const impls[] = {NULL, "lut", "events", "dense"};
    *target = (Target)(size % TARGET_COUNT);
    size /= TARGET_COUNT;
    popt->spike_impl = impls[size % 4];
    popt->dense = (size / 4) % 5 == 0; /* the ablation build, now and then */
}

/* Takes ownership of g (may be NULL when the load failed with errors in d). */
static void compile_graph(Graph *g, Diag *d, const char *loader, size_t size) {
    if (!g) {
        check_failure_explained(loader, d);
        diag_free(d);
        return;
    }
    if (graph_verify(g, d) != 0) { /* bad input the loader let through: a user error */
        check_failure_explained("graph_verify after loading", d);
        goto out;
    }
    PassOptions popt = {0};
    Target target;
    options_for(size, &popt, &target);
    PassContext cx = {.diag = d, .opt = &popt};
    PipelineHooks hooks = {.after_entry = verify_after};
    if (pipeline_run(g, &cx, &hooks) != 0) {
        check_failure_explained("pipeline_run", d);
        goto out;
    }
    if (graph_verify(g, d) != 0) finding("graph fails verification after the pipeline", d);
    Buf c = {0}, h = {0};
    CodegenOptions co = {.name = "fuzz", .target = target, .banner = "fuzz"};
    if (codegen_c(g, &co, &c, &h, d) != 0) {
        check_failure_explained("codegen_c", d);
    } else if (c.len == 0 || h.len == 0 || !c.data || !h.data) {
        finding("codegen_c succeeded with an empty output", d);
    } else if (strlen(c.data) != c.len || strlen(h.data) != h.len) {
        finding("generated C contains a NUL byte", d);
    }
    buf_free(&c);
    buf_free(&h);
out:
    diag_free(d);
    graph_free(g);
}

int fuzz_onnx_one(const uint8_t *data, size_t size) {
    Diag d = {.file = "fuzz.onnx"};
    /* A pin so that dynamic dimensions named "batch" (as PyTorch exports them) import. */
    static const DimPin pins[] = {{"batch", 2}};
    ImportOptions io = {.n_pins = 1, .pins = pins};
    compile_graph(onnx_import_buffer(data, size, &io, &d), &d, "onnx_import_buffer", size);
    return 0;
}

int fuzz_ir_one(const uint8_t *data, size_t size) {
    Diag d = {.file = "fuzz.tir"};
    compile_graph(ir_parse((const char *)data, size, &d), &d, "ir_parse", size);
    return 0;
}
