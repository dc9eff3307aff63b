/*
 * pass_manager.c - the pipeline, every step of it, written once, in order.
 *
 * Each entry says what it requires and what it breaks (PassProp); the
 * clean-ups and analysis refreshes a pass needs are entries of its stage,
 * next to it, so `tsnc dump --list-passes` and --print-after-all show all
 * that runs. The runner tracks the properties and refuses an entry whose
 * requirement does not hold, so a missing refresh is found, not hidden.
 */
#include <string.h>

#include "passes/passes.h"

#define REWRITES (PP_VALUE_SETS | PP_NO_DEAD | PP_NO_DUPLICATES)
#define DCE_SUMMARY "remove nodes whose results are unused"
#define CSE_SUMMARY "merge identical nodes and identical constants"
#define SA_SUMMARY "prove each tensor's value set (levels times amplitude)"

/* The clean-ups and the refresh, as entries of `stage`. */
#define DCE(stage_) {.name = "dce", .stage = stage_, .summary = DCE_SUMMARY, .run = pass_dce, .provides = PP_NO_DEAD}
#define CSE(stage_)                                                                                                  \
    {.name = "cse", .stage = stage_, .summary = CSE_SUMMARY, .run = pass_cse, .provides = PP_NO_DUPLICATES,        \
     .invalidates = PP_NO_DEAD}
#define REFRESH(stage_)                                                                                              \
    {.name = "spike-analysis", .stage = stage_, .summary = SA_SUMMARY, .run = pass_spike_analysis,                 \
     .provides = PP_VALUE_SETS}

const Pass tsnc_pipeline[] = {
    {.name = "import", .stage = "import", .summary = "read the model (ONNX or IR text) into a graph: the driver"},
    {.name = "infer-shapes", .stage = "infer-shapes", .summary = "set static types; evaluate shape computations",
     .run = pass_infer_shapes, .invalidates = REWRITES},
    {.name = "fold-constants", .stage = "fold-constants",
     .summary = "replace nodes whose inputs are all constant by their value", .run = pass_fold_constants,
     .invalidates = REWRITES},
    /* Each sweep can expose more (a Gather of a Concat becomes a Reshape of a Reshape). */
    {.name = "canonicalize", .stage = "canonicalize",
     .summary = "algebraic clean-ups (identities, reshape chains, gather of concat); again with dce while it changes",
     .run = pass_canonicalize, .invalidates = REWRITES, .repeat = 1},
    DCE("canonicalize"),
    CSE("cse"),
    DCE("cse"),
    {.name = "fold-batchnorm", .stage = "fold-batchnorm",
     .summary = "fold BatchNormalization into the preceding Conv/Gemm", .run = pass_fold_batchnorm,
     .invalidates = REWRITES},
    DCE("fold-batchnorm"),
    DCE("dce"),
    REFRESH("spike-analysis"),
    {.name = "recognize-neurons", .stage = "recognize-neurons", .summary = "firing functions -> tsnc.fire",
     .run = pass_recognize_neurons, .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    DCE("recognize-neurons"),
    REFRESH("recognize-neurons"),
    {.name = "remove-ste", .stage = "recognize-neurons",
     .summary = "straight-through estimators (s - c) + c -> s where exact", .run = pass_remove_ste,
     .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    DCE("recognize-neurons"),
    REFRESH("recognize-neurons"),
    {.name = "fuse-lif", .stage = "recognize-neurons", .summary = "leak+fire+reset of a timestep -> tsnc.lif",
     .run = pass_fuse_lif, .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    DCE("recognize-neurons"),
    REFRESH("recognize-neurons"),
    {.name = "alpha-fold", .stage = "alpha-fold", .summary = "fold spike amplitudes into the consuming layer's weights",
     .run = pass_alpha_fold, .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    /* Timesteps of an explicit-time export each got the same scaled weights: merge them. */
    CSE("alpha-fold"),
    DCE("alpha-fold"),
    REFRESH("alpha-fold"),
    {.name = "compose-pooling", .stage = "compose-pooling",
     .summary = "average pooling before a Conv/Gemm composed into its kernel", .run = pass_compose_pooling,
     .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    CSE("compose-pooling"),
    DCE("compose-pooling"),
    REFRESH("compose-pooling"),
    {.name = "batch-timesteps", .stage = "batch-timesteps",
     .summary = "copies of a layer with shared weights (one per timestep) -> one layer over the stacked inputs",
     .run = pass_batch_timesteps, .invalidates = REWRITES},
    DCE("batch-timesteps"),
    REFRESH("batch-timesteps"),
    {.name = "lower-spikes", .stage = "lower-spikes",
     .summary = "Conv/Gemm/MatMul on {-1,0,1} inputs -> add-only spike layers", .run = pass_lower_spikes,
     .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    REFRESH("choose-kernels"),
    {.name = "choose-kernels", .stage = "choose-kernels",
     .summary = "per spike layer: lookup-table or event-driven kernel; channels-last outputs",
     .run = pass_choose_kernels, .requires = PP_VALUE_SETS, .invalidates = REWRITES},
    DCE("choose-kernels"),
    /* The old float stacks are dead but still read the lifs; they must be gone before CSE
     * could merge a new Unsqueeze of the codes into an old one of the same value. */
    {.name = "cse", .stage = "choose-kernels", .summary = CSE_SUMMARY, .run = pass_cse,
     .requires = PP_NO_DEAD, .provides = PP_NO_DUPLICATES, .invalidates = PP_NO_DEAD},
    DCE("choose-kernels"),
    REFRESH("choose-kernels"),
    {.name = "fuse-timesteps", .stage = "fuse-timesteps",
     .summary = "a neuron with a time-invariant input current: all timesteps in one tsnc.lif",
     .run = pass_fuse_timesteps, .invalidates = REWRITES},
    DCE("fuse-timesteps"),
    /* Codegen checks spike layers against the value sets: proven on the final graph,
     * whatever its IR text claimed. */
    REFRESH("fuse-timesteps"),
    {.name = "plan-memory", .stage = "codegen", .summary = "place every tensor in the arena: the driver (codegen)"},
    {.name = "emit-c", .stage = "codegen", .summary = "write NAME.c and NAME.h: the driver (codegen)",
     .requires = PP_VALUE_SETS},
    {NULL, NULL, NULL, NULL, 0, 0, 0, 0},
};

const Pass *pass_find(const char *name) {
    for (const Pass *p = tsnc_pipeline; p->name; p++)
        if (p->run && strcmp(p->name, name) == 0) return p;
    return NULL;
}

bool pass_stage_exists(const char *name) {
    for (const Pass *p = tsnc_pipeline; p->name; p++)
        if ((p->run || p == tsnc_pipeline) && strcmp(p->stage, name) == 0) return true;
    return false;
}

static const char *prop_name(unsigned bit) {
    return bit == PP_VALUE_SETS ? "value sets proven on this graph"
           : bit == PP_NO_DEAD  ? "no dead nodes"
                                : "no duplicate nodes";
}

static const char *prop_provider(unsigned bit) {
    return bit == PP_VALUE_SETS ? "spike-analysis" : bit == PP_NO_DEAD ? "dce" : "cse";
}

/* 0, or -1 with the first requirement of p that does not hold in *valid. */
static int check_requires(const Pass *p, unsigned valid, Diag *d) {
    unsigned missing = p->requires & ~valid;
    for (unsigned bit = 1; missing && bit <= PP_ALL; bit <<= 1)
        if (missing & bit) {
            diag_error(d, NULL, "pass '%s' requires %s: run '%s' before it", p->name, prop_name(bit),
                       prop_provider(bit));
            return -1;
        }
    return 0;
}

/* Runs entry p; 0, or -1 on error. */
static int run_entry(const Pass *p, Graph *g, PassContext *cx, unsigned *valid, const PipelineHooks *h) {
    if (check_requires(p, *valid, cx->diag) != 0) return -1;
    if (p->run(g, cx) != 0) return -1;
    *valid = (*valid & ~p->invalidates) | p->provides;
    if (h && h->verify_each && graph_verify(g, cx->diag) != 0) {
        diag_error(cx->diag, NULL, "internal: graph fails verification after pass '%s'", p->name);
        return -1;
    }
    return 0;
}

/*
 * The runner: the entries list[0..n), with their stages' hooks when `staged`.
 * Returns 0, 1 if a hook stopped it, or -1.
 */
static int run_list(Graph *g, PassContext *cx, const Pass *const *list, int n, unsigned valid, bool staged,
                    const PipelineHooks *h) {
    int round = 0, group_start = -1, group_end = -1;
    bool group_changed = false;
    for (int i = 0; i < n; i++) {
        const Pass *p = list[i];
        bool stage_starts = staged && (i == 0 || strcmp(list[i - 1]->stage, p->stage) != 0);
        bool stage_ends = staged && (i == n - 1 || strcmp(list[i + 1]->stage, p->stage) != 0);
        if (!p->run) {
            /* The driver's step: its requirement must hold when the pipeline hands over. */
            if (p->requires & ~valid) die("pipeline: no entry before '%s' establishes what it requires", p->name);
            continue;
        }
        if (stage_starts && round == 0 && h && h->before && h->before(p->stage, g, h->user)) return 1;
        if (p->repeat > 0 && group_start != i) {
            group_start = i;
            group_end = i + p->repeat < n ? i + p->repeat : n - 1;
            round = 0;
        }
        cx->changed = false;
        if (run_entry(p, g, cx, &valid, h) != 0) return -1;
        if (i == group_start) group_changed = cx->changed;
        if (h && h->after_entry && h->after_entry(p, g, h->user)) return 1;
        if (i == group_end) {
            if (group_changed && ++round < PASS_MAX_ROUNDS) {
                i = group_start - 1;
                continue;
            }
            group_start = group_end = -1;
            round = 0;
        }
        if (stage_ends && h && h->after && h->after(p->stage, g, h->user)) return 1;
    }
    return 0;
}

int pipeline_run(Graph *g, PassContext *cx, const PipelineHooks *h) {
    const Pass *list[sizeof tsnc_pipeline / sizeof *tsnc_pipeline];
    int n = 0;
    for (const Pass *p = tsnc_pipeline; p->name; p++)
        if (p != tsnc_pipeline) list[n++] = p; /* import has run */
    return run_list(g, cx, list, n, 0, true, h);
}

int passes_run(Graph *g, PassContext *cx, const Pass *const *list, int n, unsigned valid, const PipelineHooks *h) {
    return run_list(g, cx, list, n, valid, false, h) < 0 ? -1 : 0;
}
