/*
 * stats.h - what a graph costs: the op histogram, per layer the weight
 * bytes, multiply-accumulates (MAC) and accumulates (AC), and, measured on
 * real samples with the reference interpreter, firing rates and the
 * synaptic operations actually performed. `tsnc dump --stats` prints it
 * (stats_print.c) or writes it as JSON (json.c); docs/ir.md, "Stats",
 * defines every number.
 *
 * Counting rules (what the generated kernels do, per inference):
 *   dense Conv:            MACs = output elements x (C/group x k1 x ... x kn)
 *   dense Gemm / MatMul:   MACs = output elements x K (the reduction length)
 *   tsnc.spike_*:          ACs: each nonzero input element is added once
 *                          per weight it meets. Worst case: every element
 *                          nonzero (for Conv, taps that fall on padding do
 *                          not count). Measured: only the nonzero ones.
 * Bias additions and the neurons' own arithmetic are not synaptic operations
 * and are not counted. Energy uses the 45 nm CMOS figures of Horowitz,
 * "Computing's energy problem", ISSCC 2014, as the SNN literature does.
 */
#ifndef TSNC_STATS_H
#define TSNC_STATS_H

#include "ir/ir.h"

#define STATS_PJ_PER_MAC 4.6 /* 32-bit float multiply-accumulate, 45 nm */
#define STATS_PJ_PER_AC 0.9  /* 32-bit float accumulate (add), 45 nm */

/* One Conv/Gemm/MatMul or tsnc.spike_* node. */
typedef struct LayerStats {
    const Node *node;
    bool spike;            /* a tsnc.spike_* layer: its synaptic operations are ACs */
    int64_t weight_bytes;  /* bytes of its constant operands (weights and bias) */
    int64_t macs;          /* dense layers: MACs per inference; 0 for spike layers */
    int64_t acs_worst;     /* spike layers: ACs with every input element nonzero */
    int64_t in_elements;   /* elements of the activation input (operand 0) */
    /* Measured over the samples (stats_measure); zero without samples. */
    int64_t in_pos, in_neg; /* input elements > 0 and < 0, summed over samples */
    double acs_sum;         /* ACs performed, summed over samples (spike layers) */
} LayerStats;


/* One tsnc.lif or tsnc.fire node: its spikes (result 0). */
typedef struct NeuronStats {
    const Node *node;
    int64_t elements;       /* spikes per inference */
    int64_t pos, neg;       /* spikes +1 and -1, summed over samples */
} NeuronStats;

typedef struct GraphStats {
    int op_count[OP_COUNT];  /* nodes per op */
    int n_nodes;
    int n_layers;
    LayerStats *layers;      /* in graph order; malloc'd */
    int n_neurons;
    NeuronStats *neurons;    /* in graph order; malloc'd */
    int64_t weight_bytes;    /* the layers' constant operands, each counted once (timesteps share them) */
    int64_t const_bytes;     /* every constant the nodes read, counted once */
    int64_t table_bytes;     /* lookup tables of lut spike layers (spike_lut_table_bytes) */
    int64_t macs, acs_worst; /* sums over layers (saturate at INT64_MAX) */
    int64_t n_samples;       /* samples measured; 0: static counts only */
    int64_t arena_bytes;     /* the generated code's arena (codegen's plan); -1: unknown */
    int64_t arena_naive_bytes; /* the same without buffer reuse; -1: unknown */
} GraphStats;

/*
 * Static counts of g: histogram, weights, MACs and worst-case ACs. Needs
 * static shapes on every layer (after infer-shapes). arena_bytes is left
 * at -1 for the caller (codegen's plan_memory) to fill. Returns 0, or -1
 * with the cause in d (a layer without a static type or with bad
 * attributes). Free with stats_free.
 */
int stats_collect(const Graph *g, GraphStats *s, Diag *d);

/*
 * Runs g on n_samples samples (samples[i]: graph input i's, each of its
 * element type and size, back to back) with the reference interpreter and adds, per layer,
 * the nonzero input elements and ACs performed, and per neuron the +1/-1
 * spikes. Returns 0, or -1 with the cause in d.
 */
int stats_measure(const Graph *g, const void *const *samples, int64_t n_samples, GraphStats *s, Diag *d);

/*
 * Additions the kernel chosen for a spike layer performs per inference
 * (`impl`): "lut" adds one table row of M per (output pixel, valid tap,
 * group of `pack` input channels), whatever the spikes: worst-case ACs x groups / C;
 * "dense" visits every spike: the worst-case ACs; "events" performs the
 * ACs themselves (measured, or worst case without samples). 0 for dense layers.
 */
double stats_kernel_adds(const GraphStats *s, const LayerStats *l);

void stats_free(GraphStats *s);

/* The ops present, most frequent first (ties by name), into order[OP_COUNT]; returns how many. */
int stats_op_order(const GraphStats *s, int *order);
/* Mean ACs per inference: measured if samples were run, else the worst case. */
double stats_acs(const GraphStats *s);
/* Energy per inference in picojoules: 4.6 pJ x MACs + 0.9 pJ x ACs (stats_acs). */
double stats_energy_pj(const GraphStats *s);

/*
 * Writes the report as aligned text tables: summary, op histogram (by
 * count), layers, neurons, energy (stats_print.c). `stage` names the point
 * of the pipeline the graph is at ("lower-spikes", "import").
 */
void stats_print(FILE *f, const Graph *g, const GraphStats *s, const char *stage);

#endif
