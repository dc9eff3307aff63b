/*
 * stats_print.c - the --stats report as aligned text tables (stats.h).
 *
 * Cells are formatted first, then each column is padded to its widest
 * cell: text left-aligned, numbers right-aligned, so the report reads as a
 * table and stays greppable (one layer or op per line).
 */
#include <stdlib.h>
#include <string.h>

#include "ir/print_names.h"
#include "ir/stats.h"

enum { MAX_COLS = 12 };

typedef struct Table {
    int n_cols;
    bool right[MAX_COLS]; /* right-align (numbers) */
    char **cells;         /* row-major, n_rows x n_cols, malloc'd strings */
    int n_rows, cap_rows;
} Table;

static void table_init(Table *t, const char *spec) {
    memset(t, 0, sizeof *t);
    /* spec: one letter per column, 'l' or 'r'. */
    for (const char *p = spec; *p && t->n_cols < MAX_COLS; p++) t->right[t->n_cols++] = *p == 'r';
}

/* Appends a row of n_cols cells (copied); NULL cells print as "-". */
static void table_row(Table *t, const char *const *cells) {
    if (t->n_rows == t->cap_rows) {
        t->cap_rows = t->cap_rows ? 2 * t->cap_rows : 16;
        t->cells = realloc(t->cells, (size_t)t->cap_rows * (size_t)t->n_cols * sizeof *t->cells);
        if (!t->cells) die("out of memory");
    }
    for (int c = 0; c < t->n_cols; c++) {
        char *s = strdup(cells[c] ? cells[c] : "-");
        if (!s) die("out of memory");
        t->cells[t->n_rows * t->n_cols + c] = s;
    }
    t->n_rows++;
}

static void table_print(FILE *f, Table *t) {
    size_t width[MAX_COLS] = {0};
    for (int r = 0; r < t->n_rows; r++)
        for (int c = 0; c < t->n_cols; c++) {
            size_t w = strlen(t->cells[r * t->n_cols + c]);
            if (w > width[c]) width[c] = w;
        }
    for (int r = 0; r < t->n_rows; r++) {
        /* Two spaces of indent come from the first column's separator. */
        for (int c = 0; c < t->n_cols; c++) {
            const char *s = t->cells[r * t->n_cols + c];
            int w = (int)width[c];
            bool last = c == t->n_cols - 1;
            if (t->right[c])
                fprintf(f, "  %*s", w, s);
            else if (last)
                fprintf(f, "  %s", s);
            else
                fprintf(f, "  %-*s", w, s);
        }
        fputc('\n', f);
    }
    for (int i = 0; i < t->n_rows * t->n_cols; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* ---- cells ---- */

typedef struct Cell {
    char s[96];
} Cell;

static const char *int_cell(Cell *c, int64_t v) {
    snprintf(c->s, sizeof c->s, "%lld", (long long)v);
    return c->s;
}

static const char *pct_cell(Cell *c, int64_t part, int64_t whole) {
    snprintf(c->s, sizeof c->s, "%.2f%%", whole > 0 ? 100.0 * (double)part / (double)whole : 0.0);
    return c->s;
}

/* "%24" as the IR text names it at this stage. */
static const char *name_cell(Cell *c, const PrintNames *pn, const Value *v) {
    const char *s = v->id < pn->n && pn->name[v->id] ? pn->name[v->id] : "?";
    snprintf(c->s, sizeof c->s, "%%%.80s", s);
    return c->s;
}

static const char *loc_cell(const Node *n) {
    return n->name && n->name[0] ? n->name : NULL;
}

/* Energy with an SI prefix: "2.08 uJ". */
static void print_energy(FILE *f, double pj) {
    static const char *unit[] = {"pJ", "nJ", "uJ", "mJ", "J"};
    int u = 0;
    while (u < 4 && pj >= 1000.0) {
        pj /= 1000.0;
        u++;
    }
    fprintf(f, "%.3g %s", pj, unit[u]);
}

/* ---- sections ---- */

static void print_histogram(FILE *f, const GraphStats *s) {
    int order[OP_COUNT], n = stats_op_order(s, order);
    fprintf(f, "\nop histogram (%d nodes):\n", s->n_nodes);
    Table t;
    table_init(&t, "lr");
    table_row(&t, (const char *[]){"op", "count"});
    for (int i = 0; i < n; i++) {
        Cell c;
        table_row(&t, (const char *[]){op_info((OpKind)order[i])->name, int_cell(&c, s->op_count[order[i]])});
    }
    table_print(f, &t);
}

static void print_layers(FILE *f, const GraphStats *s, const PrintNames *pn) {
    bool measured = s->n_samples > 0;
    fprintf(f, "\nlayers (synaptic operations per inference; MAC: multiply-accumulate, AC: accumulate):\n");
    if (s->n_layers == 0) {
        fprintf(f, "  (no Conv, Gemm, MatMul or spike layer)\n");
        return;
    }
    Table t;
    table_init(&t, measured ? "lllllrrrrrrr" : "lllllrrr");
    const char *head[] = {"node", "location", "op", "kernel", "output", "weight bytes", "MACs",
                          "ACs worst case", "input +1", "input -1", "ACs measured", "kernel adds"};
    table_row(&t, head);
    for (int i = 0; i < s->n_layers; i++) {
        const LayerStats *l = &s->layers[i];
        Cell name, type, w, mac, acw, ip, in, acm, ka;
        type_str(&l->node->out[0]->type, type.s, sizeof type.s);
        const char *row[] = {
            name_cell(&name, pn, l->node->out[0]), loc_cell(l->node), op_info(l->node->op)->name,
            node_attr_string(l->node, "impl", NULL), type.s,
            int_cell(&w, l->weight_bytes), l->spike ? NULL : int_cell(&mac, l->macs),
            l->spike ? int_cell(&acw, l->acs_worst) : NULL,
            l->spike ? pct_cell(&ip, l->in_pos, l->in_elements * s->n_samples) : NULL,
            l->spike ? pct_cell(&in, l->in_neg, l->in_elements * s->n_samples) : NULL,
            NULL, NULL};
        if (l->spike && measured) {
            snprintf(acm.s, sizeof acm.s, "%.0f", l->acs_sum / (double)s->n_samples);
            row[10] = acm.s;
            snprintf(ka.s, sizeof ka.s, "%.0f", stats_kernel_adds(s, l));
            row[11] = ka.s;
        }
        table_row(&t, row);
    }
    Cell w, mac, acw, acm, ka;
    const char *total[] = {"total", "", "", "", "", int_cell(&w, s->weight_bytes), int_cell(&mac, s->macs),
                           int_cell(&acw, s->acs_worst), "", "", NULL, NULL};
    if (measured) {
        double adds = 0;
        for (int i = 0; i < s->n_layers; i++) adds += stats_kernel_adds(s, &s->layers[i]);
        snprintf(acm.s, sizeof acm.s, "%.0f", stats_acs(s));
        snprintf(ka.s, sizeof ka.s, "%.0f", adds);
        total[10] = acm.s;
        total[11] = ka.s;
    }
    table_row(&t, total);
    table_print(f, &t);
}

static void print_neurons(FILE *f, const GraphStats *s, const PrintNames *pn) {
    if (s->n_neurons == 0) return;
    bool measured = s->n_samples > 0;
    if (measured)
        fprintf(f, "\nneurons (firing rate: fraction of spikes that are +1 / -1, over %lld samples):\n",
                (long long)s->n_samples);
    else
        fprintf(f, "\nneurons (firing rates need --input samples):\n");
    Table t;
    table_init(&t, measured ? "llllrrr" : "llllr");
    table_row(&t, (const char *[]){"node", "location", "op", "output", "spikes", "rate +1", "rate -1"});
    int64_t all = 0, pos = 0, neg = 0;
    for (int i = 0; i < s->n_neurons; i++) {
        const NeuronStats *ns = &s->neurons[i];
        Cell name, type, e, p, q;
        type_str(&ns->node->out[0]->type, type.s, sizeof type.s);
        table_row(&t, (const char *[]){name_cell(&name, pn, ns->node->out[0]), loc_cell(ns->node),
                                      op_info(ns->node->op)->name, type.s, int_cell(&e, ns->elements),
                                      pct_cell(&p, ns->pos, ns->elements * s->n_samples),
                                      pct_cell(&q, ns->neg, ns->elements * s->n_samples)});
        all += ns->elements;
        pos += ns->pos;
        neg += ns->neg;
    }
    Cell e, p, q;
    table_row(&t, (const char *[]){"total", "", "", "", int_cell(&e, all), pct_cell(&p, pos, all * s->n_samples),
                                  pct_cell(&q, neg, all * s->n_samples)});
    table_print(f, &t);
}

void stats_print(FILE *f, const Graph *g, const GraphStats *s, const char *stage) {
    PrintNames *pn = print_names_build(g);
    fprintf(f, "stats of graph @%s after %s", g->name, stage);
    if (s->n_samples)
        fprintf(f, ", measured on %lld samples with the reference interpreter\n", (long long)s->n_samples);
    else
        fprintf(f, " (static counts; add --input FILE.bin to measure firing rates)\n");
    print_histogram(f, s);
    print_layers(f, s, pn);
    print_neurons(f, s, pn);

    fprintf(f, "\nmemory:\n");
    fprintf(f, "  constants %lld bytes\n", (long long)s->const_bytes);
    if (s->arena_bytes >= 0)
        fprintf(f, "  arena     %lld bytes (intermediates of the generated code, in the caller's NAME_state; "
                   "%lld bytes without reuse)\n",
                (long long)s->arena_bytes, (long long)s->arena_naive_bytes);
    else
        fprintf(f, "  arena     unknown (the graph cannot be planned yet)\n");
    fprintf(f, "  tables    %lld bytes (lookup tables of lut spike layers, in NAME_state, built by NAME_init)\n",
            (long long)s->table_bytes);

    double acs = stats_acs(s);
    fprintf(f, "\nenergy per inference (45 nm CMOS estimates of Horowitz, ISSCC 2014, as used in the SNN "
               "literature: %.1f pJ per 32-bit MAC, %.1f pJ per AC):\n",
            STATS_PJ_PER_MAC, STATS_PJ_PER_AC);
    fprintf(f, "  MACs  %lld x %.1f pJ = ", (long long)s->macs, STATS_PJ_PER_MAC);
    print_energy(f, STATS_PJ_PER_MAC * (double)s->macs);
    fprintf(f, "\n  ACs   %.0f x %.1f pJ = ", acs, STATS_PJ_PER_AC);
    print_energy(f, STATS_PJ_PER_AC * acs);
    fputs(s->n_samples ? " (measured: mean over the samples)\n" : " (worst case: every spike nonzero)\n", f);
    fputs("  total ", f);
    print_energy(f, stats_energy_pj(s));
    fputc('\n', f);
    print_names_free(pn);
}
