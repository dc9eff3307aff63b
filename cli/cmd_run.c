/*
 * cmd_run.c - `tsnc run`: the reference interpreter on float32 samples.
 *
 * Used to check passes: the same samples through the IR after import and
 * after any pass must give the same outputs.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char run_usage[] =
    "usage: tsnc run MODEL.onnx|FILE.tir --input X.bin [options]\n"
    "\n"
    "Runs the model with tsnc's reference interpreter on raw float32 samples\n"
    "(each the size of the model's input, back to back) and writes the outputs.\n"
    "\n"
    "options:\n"
    "  -i, --input FILE     raw float32 samples (required)\n"
    "  -o, --output FILE    write raw float32 outputs here (default: text on stdout)\n"
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

int cmd_run(int argc, char **argv) {
    enum { O_AFTER = 256, O_DIM, O_DENSE, O_IMPL };
    static const struct option longopts[] = {
        {"input", required_argument, 0, 'i'}, {"output", required_argument, 0, 'o'},
        {"count", required_argument, 0, 'c'}, {"after", required_argument, 0, O_AFTER},
        {"dim", required_argument, 0, O_DIM}, {"dense", no_argument, 0, O_DENSE},
        {"spike-impl", required_argument, 0, O_IMPL},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    const char *in_path = NULL, *out_path = NULL, *after = NULL;
    long long count = -1;
    DimPin *pins = NULL;
    int n_pins = 0, status = 2, c;
    PassOptions popt = {0};
    optind = 1;
    opterr = 0; /* option_error reports in tsnc's format */
    while ((c = getopt_long(argc, argv, ":i:o:c:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'i': in_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'c': {
            char *end;
            count = strtoll(optarg, &end, 10);
            if (*end || end == optarg || count < 0) {
                fprintf(stderr, "tsnc: error: --count expects a non-negative integer\n");
                goto out;
            }
            break;
        }
        case O_AFTER:
            if (!pass_stage_exists(optarg)) {
                fprintf(stderr, "tsnc: error: unknown pass '%s' (see tsnc dump --list-passes)\n", optarg);
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
    if (optind != argc - 1 || !in_path) {
        fprintf(stderr, "tsnc: error: run expects one model file and --input\n\n%s", run_usage);
        goto out;
    }
    if (check_dense_impl(&popt) != 0) goto out;
    status = 1;
    const char *path = argv[optind];
    ModelBytes m, x;
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
            graph_free(g);
            goto out;
        }
    } else if (pass_infer_shapes(g, &cx) != 0) {
        report(&d);
        graph_free(g);
        goto out;
    }
    if (g->n_inputs != 1 || g->n_outputs != 1 || g->inputs[0]->type.dtype != DT_F32 ||
        g->outputs[0]->type.dtype != DT_F32) {
        fprintf(stderr, "tsnc: error: %s: run needs one f32 input and one f32 output\n", path);
        graph_free(g);
        goto out;
    }
    int64_t n_samples = 0;
    if (samples_read(in_path, g, count, &x, &n_samples) != 0) {
        graph_free(g);
        goto out;
    }
    size_t sample_bytes = (size_t)shape_numel(&g->inputs[0]->type.shape) * sizeof(float);
    OutFile out = {0};
    if (out_path && outfile_open(&out, out_path) != 0) {
        model_bytes_free(&x);
        graph_free(g);
        goto out;
    }
    Tensor *input = tensor_new(NULL, DT_F32, &g->inputs[0]->type.shape);
    status = 0;
    for (int64_t s = 0; s < n_samples && status == 0; s++) {
        memcpy(input->data, x.data + (size_t)s * sample_bytes, sample_bytes);
        Tensor *output = NULL;
        if (interp_run(g, &input, &output, &d) != 0) {
            report(&d);
            status = 1;
            break;
        }
        int64_t on = tensor_numel(output);
        const float *o = output->data;
        if (out_path) {
            outfile_write(&out, o, (size_t)on * sizeof(float));
        } else {
            for (int64_t i = 0; i < on; i++) printf("%s%.9g", i ? " " : "", o[i]);
            putchar('\n');
        }
        tensor_free_heap(output);
    }
    tensor_free_heap(input);
    /* The output file appears only complete, and only if every sample ran. */
    if (out_path && status == 0 && outfile_commit(&out) != 0) status = 1;
    if (out_path && status != 0) outfile_discard(&out);
    model_bytes_free(&x);
    graph_free(g);
out:
    for (int i = 0; i < n_pins; i++) free((char *)pins[i].name);
    free(pins);
    return status;
}
