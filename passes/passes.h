/*
 * passes.h - the pass pipeline and one entry point per pass.
 *
 * Every pass takes a verified graph and leaves a verifiable one. The
 * pipeline (pass_manager.c) lists the passes in order; the CLI's
 * --print-after / --stop-after name them.
 */
#ifndef TSNC_PASSES_H
#define TSNC_PASSES_H

#include "ir/ir.h"

/* A spike layer's measured firing rate: the fraction of its input elements that are
 * nonzero (+1 and -1 together), in [0, 1]; name is the layer's node name. */
typedef struct LayerRate {
    char *name;
    double rate;
    int line; /* its line in the rates file, for messages */
} LayerRate;

/* Options that passes read. */
typedef struct PassOptions {
    bool dense;              /* keep Conv/Gemm dense (no spike lowering): the ablation build */
    const char *spike_impl;  /* force every spike layer's impl ("lut", "events", "gather", "dense");
                              * NULL: choose */
    const LayerRate *rates;  /* measured firing rates (compile --rates), or NULL */
    int n_rates;
} PassOptions;

typedef struct PassContext {
    Diag *diag;
    const PassOptions *opt;
} PassContext;

typedef struct Pass {
    const char *name;     /* as used by --print-after=NAME */
    const char *summary;  /* one line for --list-passes */
    int (*run)(Graph *g, PassContext *cx); /* 0, or -1 with errors in cx->diag */
} Pass;

/* The default pipeline, in order, terminated by {NULL}. */
extern const Pass tsnc_pipeline[];
/* Finds a pass by name in the pipeline; NULL if unknown. */
const Pass *pass_find(const char *name);

/* Hooks the driver gives the pipeline runner. */
typedef struct PipelineHooks {
    /* Called before/after each pass; return non-zero to stop the pipeline after it. */
    int (*before)(const Pass *p, const Graph *g, void *user);
    int (*after)(const Pass *p, const Graph *g, void *user);
    void *user;
    bool verify_each;     /* run graph_verify after every pass */
} PipelineHooks;

/* Runs the pipeline on g. Returns 0, 1 if a hook stopped it, or -1 on error. */
int pipeline_run(Graph *g, PassContext *cx, const PipelineHooks *h);

/* ---- the passes (one file each, same name) ---- */

/* infer-shapes: sets every value's static type; evaluates small integer
 * shape computations (Shape/Slice/Concat/Gather over i64) so that Reshape
 * targets become known. Errors: unresolvable or inconsistent shapes. */
int pass_infer_shapes(Graph *g, PassContext *cx);
/* fold-constants: replaces nodes whose inputs are all constants by their
 * value (reference evaluator), within a size limit. */
int pass_fold_constants(Graph *g, PassContext *cx);
/*
 * Limits of fold-constants (docs/limits.md), here for the messages that
 * explain why a node stayed at run time: a result larger than its inputs and
 * than FOLD_GROWTH_LIMIT elements is never folded (the constant is printed
 * into the generated C), nor is anything once FOLD_TOTAL_WORK evaluator
 * steps have been spent.
 */
#define FOLD_GROWTH_LIMIT 1048576.0 /* 2^20 elements */
#define FOLD_TOTAL_WORK 268435456.0 /* 2^28 */
/* canonicalize: algebraic clean-ups exact in IEEE 754 (Identity, x/1, x+(-0), Dropout, ...). */
int pass_canonicalize(Graph *g, PassContext *cx);
/* cse: merges nodes with the same op, inputs and attributes, and constants
 * with the same type and bytes (common subexpression elimination). */
int pass_cse(Graph *g, PassContext *cx);
/* fold-batchnorm: BatchNormalization after Conv/Gemm folded into its weights. */
int pass_fold_batchnorm(Graph *g, PassContext *cx);
/* dce: removes nodes whose outputs are unused and unreferenced constants. */
int pass_dce(Graph *g, PassContext *cx);

/* spike-analysis: annotates every value with its proven ValueSet (levels times
 * amplitude). spike_analysis_run does the same for passes that need fresh sets. */
int pass_spike_analysis(Graph *g, PassContext *cx);
void spike_analysis_run(Graph *g);
/* recognize-neurons: finds firing functions (any form whose values are a step
 * function of one membrane tensor) -> tsnc.fire; removes straight-through
 * estimator wrappers (s - c) + c where exact; fuses leak, fire and hard reset
 * of each timestep into tsnc.lif. */
int pass_recognize_neurons(Graph *g, PassContext *cx);
/* alpha-fold: a Conv/Gemm/MatMul reading alpha * spikes takes alpha into its
 * weights (per input channel when alpha is per channel) and reads the plain
 * spikes; weight-less consumers keep alpha. */
int pass_alpha_fold(Graph *g, PassContext *cx);
/* compose-pooling: Conv(AveragePool(x)) and Gemm(Flatten(AveragePool(x))) with
 * window = stride, no padding -> one layer reading x with a larger, strided
 * kernel and 1/k folded into the weights, so that it reads spikes. */
int pass_compose_pooling(Graph *g, PassContext *cx);
/* lower-spikes: Conv/Gemm/MatMul whose input holds {-1,0,1} -> tsnc.spike_*. */
int pass_lower_spikes(Graph *g, PassContext *cx);
/* choose-kernels: picks each spike layer's implementation (impl "lut" with a
 * tsnc.pack of its input, or "events") and stores spike-layer outputs
 * channels-last where all their readers allow it. */
int pass_choose_kernels(Graph *g, PassContext *cx);
/* fuse-timesteps: T tsnc.lif steps driven by one time-invariant input current,
 * stacked by Unsqueeze + Concat, -> one tsnc.lif {steps = T}. */
int pass_fuse_timesteps(Graph *g, PassContext *cx);

#endif
