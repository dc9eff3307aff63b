/*
 * cmd_opt.c - `tsnc opt`: textual IR (or an ONNX model) in, named passes, textual IR out.
 * The way pass tests start from IR text (test/lit), as with mlir-opt.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char opt_usage[] =
    "usage: tsnc opt FILE.tir|MODEL.onnx --passes=PASS[,PASS...] [options]\n"
    "\n"
    "Parses textual IR (docs/ir.md; a file ending in .tir) or imports an ONNX model\n"
    "(any other file), runs the named passes in the given order, verifies the graph\n"
    "after each, and prints the result. Only the named passes run: an imported model\n"
    "has no static types until infer-shapes, which most passes need first.\n"
    "\n"
    "options:\n"
    "      --passes=LIST          comma-separated pass names (see tsnc dump --list-passes);\n"
    "                             empty: parse and print only\n"
    "      --split-input-file     treat '// -----' lines as separators between independent\n"
    "                             graphs; each is processed and printed on its own (.tir only)\n"
    "      --elide N              elide constants with more than N elements (default: never)\n"
    "      --no-locations         omit loc(\"...\")\n"
    "      --dim NAME=N           give dynamic dimension NAME the value N (ONNX); repeatable\n"
    "      --dense                no spike lowering\n"
    "      --spike-impl I         how spike layers are implemented, as tsnc compile --help says\n"
    "                             (auto, lut, events, gather, dense): compose-pooling and\n"
    "                             choose-kernels follow it\n"
    "  -h, --help                 show this help\n";

enum { MAX_PASSES = 64 };

/* Whether a node's result has no static type yet (an imported model before infer-shapes). */
static bool has_untyped_value(const Graph *g) {
    for (const Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_out; i++) {
            const Type *t = &n->out[i]->type;
            if (t->shape.rank < 0 || t->dtype == DT_UNDEF || shape_numel(&t->shape) < 0) return true;
        }
    return false;
}

/* Runs the listed passes on a loaded graph (freed here); prints the graph or the errors. */
static int opt_graph(Graph *g, Diag *d, const Pass **passes, int n_passes, const PrintOptions *po,
                     const PassOptions *popt) {
    PassContext cx = {.diag = d, .opt = popt};
    /* The pipeline starts with infer-shapes; a list that does not may fail for want of types. */
    bool hint = n_passes > 0 && strcmp(passes[0]->name, "infer-shapes") != 0 && has_untyped_value(g);
    /* Exactly the listed entries; nothing is known of the graph read (its value sets are claims). */
    PipelineHooks h = {.verify_each = true};
    if (passes_run(g, &cx, passes, n_passes, 0, &h) != 0) {
        report(d);
        if (hint) {
            fprintf(stderr, "tsnc: note: the input graph has values without a static type: run "
                            "infer-shapes first (--passes=infer-shapes");
            for (int k = 0; k < n_passes; k++) fprintf(stderr, ",%s", passes[k]->name);
            fprintf(stderr, ")\n");
        }
        graph_free(g);
        return 1;
    }
    ir_print(stdout, g, po);
    graph_free(g);
    return 0;
}

/* Parses one chunk of IR text and runs the passes on it. */
static int opt_chunk(const char *path, const char *text, size_t len, const Pass **passes, int n_passes,
                     const PrintOptions *po, const PassOptions *popt) {
    Diag d = {.file = path};
    Graph *g = ir_parse(text, len, &d);
    if (!g || graph_verify(g, &d) != 0) {
        report(&d);
        graph_free(g);
        return 1;
    }
    return opt_graph(g, &d, passes, n_passes, po, popt);
}

static int parse_pass_list(const char *list, const Pass **out, int *n) {
    *n = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[64];
        if (len == 0 || len >= sizeof name) {
            fprintf(stderr, "tsnc: error: bad pass list '%s'\n", list);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = 0;
        const Pass *pass = pass_find(name);
        if (!pass) {
            fprintf(stderr, "tsnc: error: unknown pass '%s' (the entry names, second column of tsnc dump --list-passes)\n", name);
            return -1;
        }
        if (*n == MAX_PASSES) {
            fprintf(stderr, "tsnc: error: more than %d passes\n", MAX_PASSES);
            return -1;
        }
        out[(*n)++] = pass;
        p += len;
        if (*p == ',') p++;
    }
    return 0;
}

/* Splits the text at lines that start with "// -----" and runs opt_chunk on each. */
static int opt_split(const char *path, const char *text, size_t size, const Pass **passes, int n_passes,
                     const PrintOptions *po, const PassOptions *popt) {
    const char *start = text, *end = text + size;
    bool first = true;
    int status = 0;
    while (start <= end) {
        const char *p = start, *cut = end;
        while (p < end) {
            const char *eol = memchr(p, '\n', (size_t)(end - p));
            if (!eol) eol = end;
            if ((size_t)(eol - p) >= 8 && memcmp(p, "// -----", 8) == 0) {
                cut = p;
                break;
            }
            p = eol + 1;
        }
        if (!first) printf("// -----\n");
        first = false;
        /* Error lines count from the top of the file: the chunk is parsed after as
         * many newlines as precede it. */
        size_t lines = 0, len = (size_t)(cut - start);
        for (const char *q = text; q < start; q++) lines += *q == '\n';
        char *chunk = malloc(lines + len + 1);
        if (!chunk) die("out of memory");
        memset(chunk, '\n', lines);
        memcpy(chunk + lines, start, len);
        status |= opt_chunk(path, chunk, lines + len, passes, n_passes, po, popt);
        free(chunk);
        if (cut == end) break;
        const char *eol = memchr(cut, '\n', (size_t)(end - cut));
        start = eol ? eol + 1 : end;
    }
    return status;
}

int cmd_opt(int argc, char **argv) {
    enum { O_PASSES = 256, O_SPLIT, O_ELIDE, O_NO_LOC, O_DENSE, O_DIM, O_IMPL };
    static const struct option longopts[] = {
        {"passes", required_argument, 0, O_PASSES}, {"split-input-file", no_argument, 0, O_SPLIT},
        {"elide", required_argument, 0, O_ELIDE},   {"no-locations", no_argument, 0, O_NO_LOC},
        {"dense", no_argument, 0, O_DENSE},         {"dim", required_argument, 0, O_DIM},
        {"spike-impl", required_argument, 0, O_IMPL}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const Pass *passes[MAX_PASSES];
    int n_passes = 0, n_pins = 0, status = 2, c;
    bool split = false, have_passes = false;
    DimPin *pins = NULL;
    PrintOptions po = {.elide_above = -1, .show_locations = true};
    PassOptions popt = {0};
    optind = 1;
    opterr = 0; /* option_error reports in tsnc's format */
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_PASSES:
            /* A second list would replace the first without a word. */
            if (have_passes) {
                fprintf(stderr, "tsnc: error: --passes given twice; list every pass in one "
                                "--passes=a,b,c\n");
                goto out;
            }
            have_passes = true;
            if (parse_pass_list(optarg, passes, &n_passes) != 0) goto out;
            break;
        case O_SPLIT: split = true; break;
        case O_ELIDE: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 0) {
                fprintf(stderr, "tsnc: error: --elide expects a non-negative integer\n");
                goto out;
            }
            po.elide_above = v;
            break;
        }
        case O_NO_LOC: po.show_locations = false; break;
        case O_DENSE: popt.dense = true; break;
        case O_IMPL:
            if (parse_spike_impl(optarg, &popt) != 0) goto out;
            break;
        case O_DIM:
            if (parse_dim_pin(optarg, &pins, &n_pins) != 0) goto out;
            break;
        case 'h': fputs(opt_usage, stdout); status = 0; goto out;
        default: status = option_error("opt", c, argv, longopts); goto out;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tsnc: error: opt expects exactly one input file\n\n%s", opt_usage);
        goto out;
    }
    if (check_dense_impl(&popt) != 0) goto out;
    const char *path = argv[optind];
    bool tir = path_is_tir(path);
    if (split && !tir) {
        fprintf(stderr, "tsnc: error: --split-input-file needs textual IR (a .tir file), not '%s'\n", path);
        goto out;
    }
    status = 1;
    ModelBytes m;
    if (model_read(path, &m) != 0) goto out;
    if (split) {
        status = opt_split(path, (const char *)m.data, m.len, passes, n_passes, &po, &popt);
    } else if (tir) {
        status = opt_chunk(path, (const char *)m.data, m.len, passes, n_passes, &po, &popt);
    } else {
        /* The same import as compile, dump and run: they too decide by the .tir extension. */
        ImportOptions io = {.n_pins = n_pins, .pins = pins};
        Graph *g = load_graph(path, &m, &io);
        Diag d = {.file = path};
        status = g ? opt_graph(g, &d, passes, n_passes, &po, &popt) : 1;
    }
    model_bytes_free(&m);
out:
    for (int i = 0; i < n_pins; i++) free((char *)pins[i].name);
    free(pins);
    return status;
}
