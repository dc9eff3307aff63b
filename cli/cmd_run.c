/*
 * cmd_run.c - `tsnc run`: the reference interpreter on raw samples.
 *
 * Used to check passes: the same samples through the IR after import and
 * after any pass must give the same outputs. The interpreter (ir/op_*.c)
 * sums in double; the generated C's spike layers add in float32 in another
 * order: they agree to float rounding, not bit for bit (docs/ir.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char run_usage[] =
    "usage: tsnc run MODEL.onnx|FILE.tir --input X.bin [--input X1.bin ...] [options]\n"
    "\n"
    "Runs the model with tsnc's reference interpreter and writes the outputs.\n"
    "Give --input once per graph input, in graph order: a file of raw samples\n"
    "of that input's element type and size (float32 for f32, int64 for i64,\n"
    "one byte per bool, ...; native byte order), back to back. Every file must\n"
    "hold the same number of samples.\n"
    "\n"
    "This is a reference, not the generated code: its sums accumulate in\n"
    "double; the generated C's dense layers do too, but its spike layers add\n"
    "in float32 in another order, so outputs agree to float rounding, not\n"
    "bit for bit, and a membrane potential within rounding of a threshold\n"
    "may fire in one and not the other (docs/ir.md, \"Operations\";\n"
    "docs/generated-api.md, \"Arithmetic\").\n"
    "\n"
    "options:\n"
    "  -i, --input FILE     raw samples of the next graph input (required; repeatable)\n"
    "  -o, --output FILE    write the raw outputs of the next graph output here;\n"
    "                       give it once per graph output, in graph order\n"
    "                       (default: text on stdout, per sample one line per\n"
    "                       output, in graph order)\n"
    "  -c, --count N        run only the first N samples\n"
    "      --after PASS     run the pipeline up to PASS first ('import' for none;\n"
    "                       default: the whole pipeline)\n"
    "      --dim NAME=N     give dynamic dimension NAME the value N; repeatable\n"
    "      --dense          no spike lowering\n"
    "      --spike-impl I   how spike layers are implemented:\n"
    CLI_SPIKE_IMPL_HELP("                         ")
    "  -h, --help           show this help\n";

typedef struct StopAt {
    const char *pass;
} StopAt;

static int stop_hook(const char *stage, const Graph *g, void *user) {
    (void)g;
    const StopAt *s = user;
    return s->pass && strcmp(s->pass, stage) == 0;
}

/* Prints one output tensor as one line of text: floats to round-trip precision, integers exactly. */
static void print_output(const Tensor *t) {
    int64_t on = tensor_numel(t);
    for (int64_t i = 0; i < on; i++) {
        if (i) putchar(' ');
        if (t->type.dtype == DT_F32) printf("%.9g", (double)((const float *)t->data)[i]);
        else if (dtype_is_float(t->type.dtype)) printf("%.17g", tensor_get_f64(t, i));
        else printf("%" PRId64, tensor_get_i64(t, i));
    }
    putchar('\n');
}

/*
 * Runs g on n samples: sample s of input i starts at byte s * (its sample
 * size) of x[i]. Writes each output to out[i] (raw, its element type) or,
 * with out NULL, as text on stdout. Returns 0, or 1 with the error reported.
 */
static int run_samples(const Graph *g, const ModelBytes *x, int64_t n, OutFile *out, Diag *d) {
    Tensor **inputs = calloc((size_t)g->n_inputs + 1, sizeof *inputs);
    Tensor **outputs = calloc((size_t)g->n_outputs + 1, sizeof *outputs);
    if (!inputs || !outputs) die("out of memory");
    for (int i = 0; i < g->n_inputs; i++)
        inputs[i] = tensor_new(NULL, g->inputs[i]->type.dtype, &g->inputs[i]->type.shape);
    int status = 0;
    for (int64_t s = 0; s < n && status == 0; s++) {
        for (int i = 0; i < g->n_inputs; i++) {
            size_t bytes = tensor_bytes(inputs[i]);
            memcpy(inputs[i]->data, x[i].data + (size_t)s * bytes, bytes);
        }
        if (interp_run(g, inputs, outputs, d) != 0) {
            report(d);
            status = 1;
            break;
        }
        for (int o = 0; o < g->n_outputs; o++) {
            if (out) outfile_write(&out[o], outputs[o]->data, tensor_bytes(outputs[o]));
            else print_output(outputs[o]);
            tensor_free_heap(outputs[o]);
            outputs[o] = NULL;
        }
    }
    for (int i = 0; i < g->n_inputs; i++) tensor_free_heap(inputs[i]);
    free(inputs);
    free(outputs);
    return status;
}

int cmd_run(int argc, char **argv) {
    enum { O_AFTER = 256, O_DIM, O_DENSE, O_IMPL };
    static const struct option longopts[] = {
        {"input", required_argument, 0, 'i'}, {"output", required_argument, 0, 'o'},
        {"count", required_argument, 0, 'c'}, {"after", required_argument, 0, O_AFTER},
        {"dim", required_argument, 0, O_DIM}, {"dense", no_argument, 0, O_DENSE},
        {"spike-impl", required_argument, 0, O_IMPL},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char **in_paths = NULL, **out_paths = NULL, *after = NULL;
    int n_in = 0, n_out = 0;
    long long count = -1;
    DimPin *pins = NULL;
    int n_pins = 0, status = 2, c;
    PassOptions popt = {0};
    optind = 1;
    opterr = 0; /* option_error reports in tsnc's format */
    while ((c = getopt_long(argc, argv, ":i:o:c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': push_path(&in_paths, &n_in, optarg); break;
        case 'o': push_path(&out_paths, &n_out, optarg); break;
        case 'c': {
            char *end;
            count = strtoll(optarg, &end, 10);
            if (*end || end == optarg || count < 1) { /* 0 samples would run nothing and print nothing */
                fprintf(stderr, "tsnc: error: --count expects a positive integer (samples to run)\n");
                goto out;
            }
            break;
        }
        case O_AFTER:
            if (!pass_stage_exists(optarg)) {
                fprintf(stderr, "tsnc: error: unknown pass '%s' (the stage names before codegen, first column of tsnc dump --list-passes)\n", optarg);
                goto out;
            }
            after = optarg;
            break;
        case O_DIM:
            if (parse_dim_pin(optarg, &pins, &n_pins) != 0) goto out;
            break;
        case O_DENSE: popt.dense = true; break;
        case O_IMPL:
            if (parse_spike_impl(optarg, &popt) != 0) goto out;
            break;
        case 'h': fputs(run_usage, stdout); status = 0; goto out;
        default: status = option_error("run", c, argv, longopts); goto out;
        }
    }
    if (optind != argc - 1 || n_in == 0) {
        fprintf(stderr, "tsnc: error: run expects one model file and --input\n\n%s", run_usage);
        goto out;
    }
    if (check_dense_impl(&popt) != 0) goto out;
    /* Two outputs into one file would leave only the last of them, without a word. */
    for (int i = 0; i < n_out; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(out_paths[i], out_paths[j]) == 0) {
                fprintf(stderr, "tsnc: error: -o %s is given for output %d and output %d; each output needs its own file\n",
                        out_paths[i], j, i);
                goto out;
            }
    status = 1;
    const char *path = argv[optind];
    ModelBytes m;
    if (model_read(path, &m) != 0) goto out;
    ImportOptions io = {.n_pins = n_pins, .pins = pins};
    Graph *g = load_graph(path, &m, &io);
    model_bytes_free(&m);
    if (!g) goto out;
    Diag d = {.file = path};
    PassContext cx = {.diag = &d, .opt = &popt};
    if (!after || strcmp(after, "import") != 0) {
        StopAt s = {after};
        PipelineHooks h = {.after = stop_hook, .user = &s};
        if (pipeline_run(g, &cx, &h) < 0) {
            report(&d);
            goto out_graph;
        }
    } else if (pass_infer_shapes(g, &cx) != 0) {
        report(&d);
        goto out_graph;
    }
    if (n_out && check_io_count(path, "output", "-o", g->outputs, g->n_outputs, n_out) != 0)
        goto out_graph;
    ModelBytes *x = calloc((size_t)n_in, sizeof *x);
    OutFile *out = n_out ? calloc((size_t)n_out, sizeof *out) : NULL;
    if (!x || (n_out && !out)) die("out of memory");
    int64_t n_samples = 0;
    int opened = 0;
    if (samples_read(path, g, in_paths, n_in, count, x, &n_samples) == 0) {
        for (; opened < n_out; opened++)
            if (outfile_open(&out[opened], out_paths[opened]) != 0) break;
        if (opened == n_out) status = run_samples(g, x, n_samples, out, &d);
        /* The output files appear only complete, and only if every sample ran. */
        if (status == 0 && n_out) status = outfiles_commit(n_out, out) != 0;
        else
            for (int i = 0; i < opened; i++) outfile_discard(&out[i]);
        for (int i = 0; i < n_in; i++) model_bytes_free(&x[i]);
    }
    free(out);
    free(x);
out_graph:
    graph_free(g);
out:
    for (int i = 0; i < n_pins; i++) free((char *)pins[i].name);
    free(pins);
    free(in_paths);
    free(out_paths);
    return status;
}
