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
            fprintf(stderr, "tsnc: error: %s:%d: rate '%s' is not a number in [0, 1]\n", path, line_no, num);
            goto fail;
        }
        while (sep > start && (sep[-1] == ' ' || sep[-1] == '\t')) sep--;
        *sep = 0;
        LayerRate *nl = realloc(list, (size_t)(n + 1) * sizeof *nl);
        if (!nl) die("out of memory");
        list = nl;
        list[n].name = strdup(start);
        if (!list[n].name) die("out of memory");
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
