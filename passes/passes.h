/*
 * passes.h - the pass pipeline and one entry point per pass.
 *
 * Every pass takes a verified graph and leaves a verifiable one, and runs
 * no other pass: the pipeline (pass_manager.c) lists every step in order,
 * clean-ups and analysis refreshes included, with what each requires and
 * breaks; the CLI's --print-after / --stop-after name its stages.
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

/* The largest lookup table of one lut spike layer, and the channels per code of its
 * input (choose-kernels; compose-pooling keeps a pooling composed only where its layer's
 * table fits). */
enum { SPIKE_LUT_MAX_BYTES = 4 << 20, SPIKE_LUT_GROUP = 4 };

typedef struct PassContext {
    Diag *diag;
    const PassOptions *opt;
    bool changed; /* set by a repeated entry (Pass.repeat) when it rewrote something */
} PassContext;

/*
 * Facts about a graph that pipeline entries require, establish or break.
 * The pass manager tracks them along a run and refuses an entry whose
 * requirement does not hold; nothing is run behind the table's back.
 */
typedef enum PassProp {
    PP_VALUE_SETS = 1u << 0,    /* every value's ValueSet is proven on this graph (spike-analysis) */
    PP_NO_DEAD = 1u << 1,       /* no node whose results are all unused (dce) */
    PP_NO_DUPLICATES = 1u << 2, /* no two equal nodes or constants (cse) */
    PP_ALL = (1u << 3) - 1
} PassProp;

/*
 * One entry of the pipeline: a pass, a clean-up (dce, cse) or an analysis
 * refresh (spike-analysis), or a step the driver runs (import, memory
 * planning, emission: run NULL). Entries are grouped into stages: the names
 * --after, --print-after and --stop-after take; a stage is a pass with the
 * clean-ups and refreshes it needs around it. opt --passes names entries.
 */
typedef struct Pass {
    const char *name;     /* the entry, as opt --passes names it */
    const char *stage;    /* the stage it belongs to (consecutive entries share it) */
    const char *summary;  /* one line for --list-passes */
    int (*run)(Graph *g, PassContext *cx); /* 0, or -1 with errors in cx->diag; NULL: the driver's */
    unsigned requires;    /* PassProp bits that must hold before it runs */
    unsigned provides;    /* PassProp bits that hold after it */
    unsigned invalidates; /* PassProp bits it may break (applied before provides) */
    int repeat;           /* > 0: it and the `repeat` entries after it run again while it sets
                           * cx->changed, at most PASS_MAX_ROUNDS times */
} Pass;

/* Rounds of a repeated group (canonicalize: each sweep can expose more). */
enum { PASS_MAX_ROUNDS = 16 };

/* The default pipeline, in order, terminated by {NULL}. */
extern const Pass tsnc_pipeline[];
/* Finds the first runnable entry called name; NULL if none. */
const Pass *pass_find(const char *name);
/* True if name is a stage of the pipeline ("import" included). */
bool pass_stage_exists(const char *name);

/* Hooks the driver gives the pipeline runner. */
typedef struct PipelineHooks {
    /* Called before the first / after the last entry of each stage; return non-zero to stop
     * the pipeline (after: after that stage). */
    int (*before)(const char *stage, const Graph *g, void *user);
    int (*after)(const char *stage, const Graph *g, void *user);
    /* Called after every entry (each round of a repeated group too); non-zero stops the pipeline. */
    int (*after_entry)(const Pass *p, const Graph *g, void *user);
    void *user;
    bool verify_each;     /* run graph_verify after every entry */
} PipelineHooks;

/* Runs the pipeline on g. Returns 0, 1 if a hook stopped it, or -1 on error. */
int pipeline_run(Graph *g, PassContext *cx, const PipelineHooks *h);
/*
 * Runs exactly the n given entries in order (opt --passes), with their
 * repeat groups taken within the list. valid: the PassProp bits that hold
 * for g at the start. An entry whose requirement does not hold is an error
 * naming the entry that establishes it. Returns 0 or -1 (errors in cx->diag).
 */
int passes_run(Graph *g, PassContext *cx, const Pass *const *list, int n, unsigned valid, const PipelineHooks *h);

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
/* canonicalize: one sweep of algebraic clean-ups exact in IEEE 754 (Identity, x/1, x+(-0),
 * Dropout, ...); sets cx->changed when it rewrote something (the pipeline repeats it with dce). */
int pass_canonicalize(Graph *g, PassContext *cx);
/* cse: merges nodes with the same op, inputs and attributes, and constants
 * with the same type and bytes (common subexpression elimination); the
 * merged-away nodes are left dead for dce. */
int pass_cse(Graph *g, PassContext *cx);
/* fold-batchnorm: BatchNormalization after Conv/Gemm folded into its weights
 * (the BatchNormalization is left dead for dce). */
int pass_fold_batchnorm(Graph *g, PassContext *cx);
/* dce: removes nodes whose outputs are unused and unreferenced constants. */
int pass_dce(Graph *g, PassContext *cx);

/* spike-analysis: annotates every value with its proven ValueSet (levels times
 * amplitude); spike_analysis_run is the analysis itself, for tests. */
int pass_spike_analysis(Graph *g, PassContext *cx);
void spike_analysis_run(Graph *g);
/* recognize-neurons: finds firing functions (any form whose values are a step
 * function of one membrane tensor) -> tsnc.fire. Reads value sets. */
int pass_recognize_neurons(Graph *g, PassContext *cx);
/* remove-ste: removes straight-through estimator wrappers (s - c) + c where
 * exact. Reads value sets. */
int pass_remove_ste(Graph *g, PassContext *cx);
/* fuse-lif: fuses leak, fire and hard reset of each timestep into tsnc.lif.
 * Reads value sets. */
int pass_fuse_lif(Graph *g, PassContext *cx);
/* alpha-fold: a Conv/Gemm/MatMul reading alpha * spikes takes alpha into its
 * weights (per input channel when alpha is per channel) and reads the plain
 * spikes; weight-less consumers keep alpha. */
int pass_alpha_fold(Graph *g, PassContext *cx);
/* compose-pooling: Conv(AveragePool(x)) and Gemm(Flatten(AveragePool(x))) with
 * window = stride, no padding -> one layer reading x with a larger, strided
 * kernel and 1/k folded into the weights, so that it reads spikes. */
int pass_compose_pooling(Graph *g, PassContext *cx);
/* batch-timesteps: Conv/Gemm copies sharing their weights (an explicit-time
 * export's per-timestep layers), none reading another, -> one layer over their
 * inputs stacked along the batch axis (Concat, then Reshape + Gather per copy). */
int pass_batch_timesteps(Graph *g, PassContext *cx);
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
