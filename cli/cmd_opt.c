/*
 * cmd_opt.c - `tsnc opt`: textual IR in, named passes, textual IR out.
 * The way pass tests start from IR text (test/lit), as with mlir-opt.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char opt_usage[] =
    "usage: tsnc opt FILE.tir|MODEL.onnx --passes=PASS[,PASS...] [options]\n"
    "\n"
    "Parses textual IR (docs/ir.md) or imports an ONNX model, runs the named passes\n"
    "in the given order, verifies the graph after each, and prints the result.\n"
    "\n"
    "options:\n"
    "      --passes=LIST          comma-separated pass names (see tsnc dump --list-passes);\n"
    "                             empty: parse and print only\n"
    "      --split-input-file     treat '// -----' lines as separators between independent\n"
    "                             graphs; each is processed and printed on its own\n"
    "      --elide N              elide constants with more than N elements (default: never)\n"
    "      --no-locations         omit loc(\"...\")\n"
    "      --dense                no spike lowering\n"
    "  -h, --help                 show this help\n";

enum { MAX_PASSES = 64 };

/* Runs the listed passes on one chunk of text; prints the graph or the errors. */
static int opt_chunk(const char *path, const char *text, size_t len, const Pass **passes, int n_passes,
                     const PrintOptions *po, const PassOptions *popt) {
    Diag d = {.file = path};
    Graph *g = ir_parse(text, len, &d);
    if (!g || graph_verify(g, &d) != 0) {
        report(&d);
        graph_free(g);
        return 1;
    }
    PassContext cx = {.diag = &d, .opt = popt};
    for (int i = 0; i < n_passes; i++) {
        if (passes[i]->run(g, &cx) != 0 || graph_verify(g, &d) != 0) {
            report(&d);
            graph_free(g);
            return 1;
        }
    }
    ir_print(stdout, g, po);
    graph_free(g);
    return 0;
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
            fprintf(stderr, "tsnc: error: unknown pass '%s' (see tsnc dump --list-passes)\n", name);
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

int cmd_opt(int argc, char **argv) {
    enum { O_PASSES = 256, O_SPLIT, O_ELIDE, O_NO_LOC, O_DENSE };
    static const struct option longopts[] = {
        {"passes", required_argument, 0, O_PASSES}, {"split-input-file", no_argument, 0, O_SPLIT},
        {"elide", required_argument, 0, O_ELIDE},   {"no-locations", no_argument, 0, O_NO_LOC},
        {"dense", no_argument, 0, O_DENSE},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const Pass *passes[MAX_PASSES];
    int n_passes = 0, c;
    bool split = false;
    PrintOptions po = {.elide_above = -1, .show_locations = true};
    PassOptions popt = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_PASSES:
            if (parse_pass_list(optarg, passes, &n_passes) != 0) return 2;
            break;
        case O_SPLIT: split = true; break;
        case O_ELIDE: {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (*end || end == optarg || v < 0) {
                fprintf(stderr, "tsnc: error: --elide expects a non-negative integer\n");
                return 2;
            }
            po.elide_above = v;
            break;
        }
        case O_NO_LOC: po.show_locations = false; break;
        case O_DENSE: popt.dense = true; break;
        case 'h': fputs(opt_usage, stdout); return 0;
        default: fputs(opt_usage, stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tsnc: error: opt expects exactly one input file\n\n%s", opt_usage);
        return 2;
    }
    const char *path = argv[optind];
    ModelBytes m;
    if (model_read(path, &m) != 0) return 1;
    const char *text = (const char *)m.data, *end = text + m.len;
    int status = 0;
    if (!split) {
        status = opt_chunk(path, text, m.len, passes, n_passes, &po, &popt);
    } else {
        /* Chunks end at a line that starts with "// -----". */
        const char *start = text;
        bool first = true;
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
            status |= opt_chunk(path, chunk, lines + len, passes, n_passes, &po, &popt);
            free(chunk);
            if (cut == end) break;
            const char *eol = memchr(cut, '\n', (size_t)(end - cut));
            start = eol ? eol + 1 : end;
        }
    }
    fflush(stdout);
    model_bytes_free(&m);
    return status;
}
