/*
 * cmd_dump.c - `tsnc dump`: print the IR after import or around passes, as
 * text or JSON, and its costs (--stats; measured with --input).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "codegen/plan_memory.h"
#include "ir/json.h"
#include "ir/stats.h"

static const char dump_usage[] =
    "usage: tsnc dump MODEL.onnx|FILE.tir [options]\n"
    "\n"
    "Prints tsnc's IR (docs/ir.md). Without options: the IR right after import.\n"
    "PASS in --after, --print-after, --print-before and --stop-after is a stage, the first\n"
    "column of --list-passes, and \"after\" means after its last entry: --print-after=dce\n"
    "prints after the stage dce only, not after the dce clean-ups of other stages\n"
    "(--print-after-all prints after every entry).\n"
    "\n"
    "options:\n"
    "      --after PASS           run the pipeline up to PASS and print the IR after it\n"
    "                             (PASS 'import': the IR as imported, before any pass)\n"
    "      --print-after=PASS     print the IR after PASS (repeatable; 'import' too)\n"
    "      --print-before=PASS    print the IR before PASS (repeatable)\n"
    "      --print-after-all      print the IR after every pass\n"
    "      --stop-after=PASS      stop the pipeline after PASS; alone, print the IR there\n"
    "                             ('import': run no pass); not with --after\n"
    "      --list-passes          list the pipeline's entries in order (stage, entry, summary)\n"
    "                             and exit\n"
    "      --elide N              print constants with more than N elements elided (default 16)\n"
    "      --print-constants=full print every constant in full (the output parses back)\n"
    "      --no-locations         omit loc(\"onnx node name\")\n"
    "      --dim NAME=N           give dynamic dimension NAME the value N; repeatable\n"
    "      --dense                no spike lowering\n"
    "      --spike-impl I         how spike layers are implemented:\n"
    CLI_SPIKE_IMPL_HELP("                               ")
    "      --json                 print the IR as one JSON document (docs/ir.md, JSON); select\n"
    "                             the stage with --after or --stop-after\n"
    "      --stats                op histogram, per-layer weight bytes, MACs and ACs, arena\n"
    "                             size and an energy estimate, after the whole pipeline\n"
    "                             (or --after/--stop-after PASS); with --json, inside the JSON\n"
    "      --input FILE.bin       with --stats: run raw samples through the reference\n"
    "                             interpreter and add firing rates and measured ACs; once\n"
    "                             per graph input, in graph order (as tsnc run --input)\n"
    "      --count N              with --input: use only the first N samples\n"
    "      --write-rates FILE     with --input: write each spike layer's measured input firing\n"
    "                             rate to FILE, for compile --rates\n"
    "      --rates FILE           firing rates for choose-kernels (as compile --rates)\n"
    "  -h, --help                 show this help\n";

enum { MAX_SEL = 64 };

typedef struct DumpState {
    const char *after[MAX_SEL], *before[MAX_SEL];
    int n_after, n_before;
    bool after_all;
    const char *stop_after;
    bool print_at_stop;    /* --after PASS: print the IR where the pipeline stops */
    const char *last_pass; /* the last pass that ran */
    bool chose_kernels;    /* choose-kernels ran (it reads --rates) */
    PrintOptions po;
} DumpState;

static bool listed(const char *const *names, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return true;
    return false;
}

static int hook_before(const char *stage, const Graph *g, void *user) {
    DumpState *s = user;
    if (listed(s->before, s->n_before, stage)) {
        printf("// ----- IR before %s -----\n", stage);
        ir_print(stdout, g, &s->po);
    }
    return 0;
}

/* --print-after-all: after every entry, named with its stage when that differs. */
static int hook_after_entry(const Pass *p, const Graph *g, void *user) {
    DumpState *s = user;
    if (!s->after_all) return 0;
    if (strcmp(p->name, p->stage) == 0) printf("// ----- IR after %s -----\n", p->name);
    else printf("// ----- IR after %s (%s) -----\n", p->name, p->stage);
    ir_print(stdout, g, &s->po);
    return 0;
}

static int hook_after(const char *stage, const Graph *g, void *user) {
    DumpState *s = user;
    s->last_pass = stage;
    if (strcmp(stage, "choose-kernels") == 0) s->chose_kernels = true;
    bool stop_here = s->stop_after && strcmp(s->stop_after, stage) == 0;
    if (!s->after_all && (listed(s->after, s->n_after, stage) || (stop_here && s->print_at_stop))) {
        printf("// ----- IR after %s -----\n", stage);
        ir_print(stdout, g, &s->po);
    }
    return stop_here;
}

/* What --stats/--json report on, besides the graph. */
typedef struct Report {
    bool json, stats;
    const char **inputs; /* --input samples, one file per graph input */
    int n_inputs;
    long long count;   /* --count, or -1 for all */
    const char *write_rates; /* --write-rates FILE, or NULL */
} Report;

/* Prints the stats table or the JSON document for g at `stage`. Returns the exit status. */
static int report_graph(const char *path, const Graph *g, const char *stage, const Report *r,
                        const PrintOptions *po) {
    if (!r->stats) {
        ir_write_json(stdout, g, po, stage, NULL);
        return 0;
    }
    Diag d = {.file = path};
    GraphStats st;
    if (stats_collect(g, &st, &d) != 0) {
        report(&d);
        return 1;
    }
    MemPlan plan;
    Diag pd = {.file = path};
    if (plan_memory(g, PLAN_AUTO, &plan, &pd) == 0) {
        st.arena_bytes = plan.arena_bytes;
        st.arena_naive_bytes = plan.naive_bytes;
        plan_free(&plan);
    }
    diag_free(&pd); /* an unplannable graph (not lowered yet) just has no arena size */
    int status = 0;
    if (r->n_inputs) {
        ModelBytes *x = calloc((size_t)r->n_inputs, sizeof *x);
        const void **samples = calloc((size_t)r->n_inputs, sizeof *samples);
        if (!x || !samples) die("out of memory");
        int64_t n = 0;
        if (samples_read(path, g, r->inputs, r->n_inputs, r->count, x, &n) != 0) {
            status = 1;
        } else {
            for (int i = 0; i < r->n_inputs; i++) samples[i] = x[i].data;
            if (stats_measure(g, samples, n, &st, &d) != 0) {
                report(&d);
                status = 1;
            }
            for (int i = 0; i < r->n_inputs; i++) model_bytes_free(&x[i]);
        }
        free(samples);
        free(x);
        if (status != 0) {
            stats_free(&st);
            return status;
        }
    }
    if (status == 0 && r->write_rates && rates_write(r->write_rates, &st) != 0) status = 1;
    if (status == 0) {
        if (r->json) ir_write_json(stdout, g, po, stage, &st);
        else stats_print(stdout, g, &st, stage);
    }
    stats_free(&st);
    return status;
}

/* A pass name, or "import": the stage before the first pass (as in tsnc run --after). */
static int check_stage(const char *name) {
    if (pass_stage_exists(name)) return 0;
    fprintf(stderr, "tsnc: error: unknown pass '%s' (the stage names before codegen, first column of tsnc dump --list-passes)\n", name);
    return -1;
}

int cmd_dump(int argc, char **argv) {
    enum { O_AFTER = 256, O_PRINT_AFTER, O_PRINT_BEFORE, O_AFTER_ALL, O_STOP_AFTER, O_LIST,
           O_ELIDE, O_PRINT_CONSTANTS, O_NO_LOC, O_DIM, O_DENSE, O_JSON, O_STATS, O_INPUT, O_COUNT,
           O_IMPL, O_WRITE_RATES, O_RATES };
    static const struct option longopts[] = {
        {"after", required_argument, 0, O_AFTER},
        {"print-after", required_argument, 0, O_PRINT_AFTER},
        {"print-before", required_argument, 0, O_PRINT_BEFORE},
        {"print-after-all", no_argument, 0, O_AFTER_ALL},
        {"stop-after", required_argument, 0, O_STOP_AFTER},
        {"list-passes", no_argument, 0, O_LIST},
        {"elide", required_argument, 0, O_ELIDE},
        {"print-constants", required_argument, 0, O_PRINT_CONSTANTS},
        {"no-locations", no_argument, 0, O_NO_LOC},
        {"dim", required_argument, 0, O_DIM},
        {"dense", no_argument, 0, O_DENSE},
        {"spike-impl", required_argument, 0, O_IMPL},
        {"json", no_argument, 0, O_JSON},
        {"stats", no_argument, 0, O_STATS},
        {"input", required_argument, 0, O_INPUT},
        {"count", required_argument, 0, O_COUNT},
        {"write-rates", required_argument, 0, O_WRITE_RATES},
        {"rates", required_argument, 0, O_RATES},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    DumpState s = {.po = {.elide_above = 16, .show_locations = true}};
    const char *rates_path = NULL;
    DimPin *pins = NULL;
    int n_pins = 0, status = 2, c;
    PassOptions popt = {0};
    Report rep = {.count = -1};
    bool from_after = false, stop_given = false;
    optind = 1;
    opterr = 0; /* option_error reports in tsnc's format */
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (c) {
        case O_AFTER:
            if (from_after) { /* the last one used to win silently */
                fprintf(stderr, "tsnc: error: --after given twice; the pipeline stops at one stage\n");
                goto out;
            }
            if (check_stage(optarg) != 0) goto out;
            s.stop_after = optarg;
            from_after = true;
            break;
        case O_PRINT_AFTER:
            if (check_stage(optarg) != 0 || s.n_after >= MAX_SEL) goto out;
            s.after[s.n_after++] = optarg;
            break;
        case O_PRINT_BEFORE:
            if (strcmp(optarg, "import") == 0) {
                fprintf(stderr, "tsnc: error: --print-before=import: nothing runs before import; "
                                "--print-after=import prints the imported IR\n");
                goto out;
            }
            if (check_stage(optarg) != 0 || s.n_before >= MAX_SEL) goto out;
            s.before[s.n_before++] = optarg;
            break;
        case O_AFTER_ALL: s.after_all = true; break;
        case O_STOP_AFTER:
            if (check_stage(optarg) != 0) goto out;
            s.stop_after = optarg;
            stop_given = true;
            break;
        case O_LIST: {
            /* Every entry in order: the stage, then the entry (the name opt --passes takes), in
             * columns as wide as their longest names; then the summary. */
            int ws = 0, wn = 0;
            for (const Pass *p = tsnc_pipeline; p->name; p++) {
                if ((int)strlen(p->stage) > ws) ws = (int)strlen(p->stage);
                if ((int)strlen(p->name) > wn) wn = (int)strlen(p->name);
            }
            for (const Pass *p = tsnc_pipeline; p->name; p++)
                printf("%-*s  %-*s  %s\n", ws, p->stage, wn, p->name, p->summary);
            status = 0;
            goto out;
        }
        case O_ELIDE: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 0) {
                fprintf(stderr, "tsnc: error: --elide expects a non-negative integer\n");
                goto out;
            }
            s.po.elide_above = v;
            break;
        }
        case O_PRINT_CONSTANTS:
            if (strcmp(optarg, "full") != 0) {
                fprintf(stderr, "tsnc: error: --print-constants accepts only 'full'\n");
                goto out;
            }
            s.po.elide_above = -1;
            break;
        case O_NO_LOC: s.po.show_locations = false; break;
        case O_DIM:
            if (parse_dim_pin(optarg, &pins, &n_pins) != 0) goto out;
            break;
        case O_DENSE: popt.dense = true; break;
        case O_IMPL:
            if (parse_spike_impl(optarg, &popt) != 0) goto out;
            break;
        case O_JSON: rep.json = true; break;
        case O_STATS: rep.stats = true; break;
        case O_INPUT: push_path(&rep.inputs, &rep.n_inputs, optarg); break;
        case O_WRITE_RATES: rep.write_rates = optarg; break;
        case O_RATES:
            if (popt.rates) rates_free(&popt);
            if (rates_read(optarg, &popt) != 0) { /* an input file: its errors are the model's (1) */
                status = 1;
                goto out;
            }
            rates_path = optarg;
            break;
        case O_COUNT: {
            char *end;
            rep.count = strtoll(optarg, &end, 10);
            if (*end || end == optarg || rep.count < 1) { /* 0 samples would measure nothing */
                fprintf(stderr, "tsnc: error: --count expects a positive integer (samples to run)\n");
                goto out;
            }
            break;
        }
        case 'h': fputs(dump_usage, stdout); status = 0; goto out;
        default: status = option_error("dump", c, argv, longopts); goto out;
        }
    }
    if (from_after && stop_given) {
        fprintf(stderr, "tsnc: error: --after and --stop-after conflict: each says where the pipeline "
                        "stops (--after PASS is --stop-after=PASS that also prints the IR there); give one\n");
        goto out;
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tsnc: error: dump expects exactly one model file\n\n%s", dump_usage);
        goto out;
    }
    if ((rep.n_inputs || rep.count >= 0) && !rep.stats) {
        fprintf(stderr, "tsnc: error: --input and --count need --stats\n");
        goto out;
    }
    if (rep.write_rates && !rep.n_inputs) {
        fprintf(stderr, "tsnc: error: --write-rates needs --stats and --input\n");
        goto out;
    }
    if (rep.count >= 0 && !rep.n_inputs) {
        fprintf(stderr, "tsnc: error: --count needs --input\n");
        goto out;
    }
    if (rep.json && (s.n_after || s.n_before || s.after_all)) {
        fprintf(stderr, "tsnc: error: --json prints one graph; choose it with --after or --stop-after, "
                        "not --print-after/--print-before/--print-after-all\n");
        goto out;
    }
    if (check_dense_impl(&popt) != 0) goto out;
    check_dense_rates(rates_path, &popt);
    /* --after, or --stop-after without another print option, prints where the pipeline stops
     * (--stop-after alone would otherwise print nothing at all). */
    bool other_prints = s.n_after || s.n_before || s.after_all || rep.json || rep.stats;
    s.print_at_stop = (from_after && !rep.json && !rep.stats) || (s.stop_after && !other_prints);
    status = 1;
    const char *path = argv[optind];
    ModelBytes m;
    if (model_read(path, &m) != 0) goto out;
    ImportOptions io = {.n_pins = n_pins, .pins = pins};
    Graph *g = load_graph(path, &m, &io);
    model_bytes_free(&m);
    if (!g) goto out;
    /* Stopping at "import" runs no pass: the graph stays as imported. */
    bool at_import = s.stop_after && strcmp(s.stop_after, "import") == 0;
    bool run_passes = !at_import && (s.n_after || s.n_before || s.after_all || s.stop_after || rep.stats);
    bool printed = false;
    if (listed(s.after, s.n_after, "import") || (at_import && s.print_at_stop)) {
        printf("// ----- IR after import -----\n");
        ir_print(stdout, g, &s.po);
        printed = true;
    }
    status = 0;
    if (run_passes) {
        Diag d = {.file = path};
        PassContext cx = {.diag = &d, .opt = &popt};
        PipelineHooks h = {.before = hook_before, .after = hook_after, .after_entry = hook_after_entry, .user = &s,
                           .verify_each = true};
        if (pipeline_run(g, &cx, &h) < 0) {
            report(&d);
            status = 1;
        } else if (s.chose_kernels && rates_path) {
            rates_check_used(rates_path, &popt, g);
        }
    }
    if (status == 0 && (rep.json || rep.stats))
        status = report_graph(path, g, s.last_pass ? s.last_pass : "import", &rep, &s.po);
    else if (status == 0 && !run_passes && !printed && !at_import)
        ir_print(stdout, g, &s.po);
    graph_free(g);
out:
    rates_free(&popt);
    for (int i = 0; i < n_pins; i++) free((char *)pins[i].name);
    free(pins);
    free(rep.inputs);
    return status;
}
