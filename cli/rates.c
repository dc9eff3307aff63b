/*
 * rates.c - the firing-rates file of `tsnc compile --rates` and
 * `tsnc dump --stats --input --write-rates` (docs/performance.md, "Firing
 * rates"): one line per spike layer, "NAME RATE", NAME the layer's node name
 * (the last whitespace-separated word of the line is the rate, everything
 * before it the name), RATE the fraction of its input spikes that are
 * nonzero, in [0, 1]. Blank lines and lines starting with # are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "ir/stats.h"

enum { RATES_LINE_MAX = 4096 };

static void rates_free_list(LayerRate *r, int n) {
    for (int i = 0; i < n; i++) free(r[i].name);
    free(r);
}

/* The whitespace-separated fields of a line. */
static int count_fields(const char *s) {
    int n = 0;
    for (bool in = false; *s; s++) {
        bool space = *s == ' ' || *s == '\t';
        if (!space && !in) n++;
        in = !space;
    }
    return n;
}

int rates_read(const char *path, PassOptions *o) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "tsnc: error: %s: cannot open the rates file: %s\n", path, strerror(errno));
        return -1;
    }
    LayerRate *list = NULL;
    int n = 0, line_no = 0;
    char line[RATES_LINE_MAX];
    while (fgets(line, sizeof line, f)) {
        line_no++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            fprintf(stderr, "tsnc: error: %s:%d: line longer than %d characters\n", path, line_no, RATES_LINE_MAX - 2);
            goto fail;
        }
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
            line[--len] = 0;
        char *start = line;
        while (*start == ' ' || *start == '\t') start++;
        if (!*start || *start == '#') continue;
        char *sep = strrchr(start, ' '), *tab = strrchr(start, '\t');
        if (tab > sep) sep = tab;
        if (!sep) {
            fprintf(stderr, "tsnc: error: %s:%d: expected 'LAYER-NAME RATE', got '%s'\n", path, line_no, start);
            goto fail;
        }
        char *num = sep + 1, *end;
        errno = 0;
        double rate = strtod(num, &end);
        if (*end || end == num || errno || !(rate >= 0.0 && rate <= 1.0)) {
            int fields = count_fields(start);
            if (fields > 2 && (*end || end == num))
                fprintf(stderr, "tsnc: error: %s:%d: expected 'LAYER-NAME RATE', got %d fields ('%s'); "
                                "the rate must be the last one\n", path, line_no, fields, start);
            else
                fprintf(stderr, "tsnc: error: %s:%d: rate '%s' is not a number in [0, 1]\n", path, line_no, num);
            goto fail;
        }
        while (sep > start && (sep[-1] == ' ' || sep[-1] == '\t')) sep--;
        *sep = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(list[i].name, start) == 0) {
                fprintf(stderr, "tsnc: error: %s:%d: layer '%s' already has a rate (line %d)\n", path, line_no,
                        start, list[i].line);
                goto fail;
            }
        LayerRate *nl = realloc(list, (size_t)(n + 1) * sizeof *nl);
        if (!nl) die("out of memory");
        list = nl;
        list[n].name = strdup(start);
        if (!list[n].name) die("out of memory");
        list[n].line = line_no;
        list[n++].rate = rate;
    }
    if (ferror(f)) {
        fprintf(stderr, "tsnc: error: %s: cannot read the rates file\n", path);
        goto fail;
    }
    fclose(f);
    o->rates = list;
    o->n_rates = n;
    return 0;
fail:
    fclose(f);
    rates_free_list(list, n);
    return -1;
}

static bool is_spike_layer(OpKind op) {
    return op == OP_SPIKE_CONV || op == OP_SPIKE_GEMM || op == OP_SPIKE_MATMUL;
}

void rates_check_used(const char *path, const PassOptions *o, const Graph *g) {
    if (o->dense) return; /* check_dense_rates has said that none is used */
    for (int i = 0; i < o->n_rates; i++) {
        const Node *n = g->first;
        while (n && !(is_spike_layer(n->op) && n->name && strcmp(n->name, o->rates[i].name) == 0)) n = n->next;
        if (!n)
            fprintf(stderr, "tsnc: warning: %s:%d: no spike layer is named '%s'; its rate is not used\n", path,
                    o->rates[i].line, o->rates[i].name);
    }
}

void check_dense_rates(const char *path, const PassOptions *o) {
    if (!o->dense || !path) return;
    fprintf(stderr, "tsnc: warning: --rates %s is not used with --dense: --dense lowers no spike layer, "
                    "so there is no kernel to choose\n", path);
}

void rates_free(PassOptions *o) {
    rates_free_list((LayerRate *)o->rates, o->n_rates);
    o->rates = NULL;
    o->n_rates = 0;
}

int rates_write(const char *path, const GraphStats *st) {
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "tsnc: error: %s: cannot write the rates file: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# firing rates of the spike layers' inputs over %lld samples (tsnc compile --rates)\n",
            (long long)st->n_samples);
    for (int i = 0; i < st->n_layers; i++) {
        const LayerStats *l = &st->layers[i];
        if (!l->spike || !l->in_elements || !st->n_samples) continue;
        double rate = (double)(l->in_pos + l->in_neg) / ((double)l->in_elements * (double)st->n_samples);
        fprintf(f, "%s %.4f\n", l->node->name ? l->node->name : "", rate);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "tsnc: error: %s: cannot write the rates file\n", path);
        return -1;
    }
    return 0;
}
