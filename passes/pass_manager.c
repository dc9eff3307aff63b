/*
 * pass_manager.c - the pipeline, written once, in order. The CLI's
 * --print-after/--stop-after and the pass tests use these names.
 */
#include <string.h>

#include "passes/passes.h"

const Pass tsnc_pipeline[] = {
    {"infer-shapes", "set static types; evaluate shape computations", pass_infer_shapes},
    {"fold-constants", "replace nodes whose inputs are all constant by their value", pass_fold_constants},
    {"canonicalize", "algebraic clean-ups (identities, reshape chains, gather of concat)", pass_canonicalize},
    {"cse", "merge identical nodes and identical constants", pass_cse},
    {"fold-batchnorm", "fold BatchNormalization into the preceding Conv/Gemm", pass_fold_batchnorm},
    {"dce", "remove nodes whose results are unused", pass_dce},
    {"spike-analysis", "prove each tensor's value set (levels times amplitude)", pass_spike_analysis},
    {"recognize-neurons", "firing functions -> tsnc.fire; leak+fire+reset -> tsnc.lif", pass_recognize_neurons},
    {"alpha-fold", "fold spike amplitudes into the consuming layer's weights", pass_alpha_fold},
    {"compose-pooling", "average pooling before a Conv/Gemm composed into its kernel", pass_compose_pooling},
    {"lower-spikes", "Conv/Gemm/MatMul on {-1,0,1} inputs -> add-only spike layers", pass_lower_spikes},
    {"choose-kernels", "per spike layer: lookup-table or event-driven kernel; channels-last outputs", pass_choose_kernels},
    {"fuse-timesteps", "a neuron with a time-invariant input current: all timesteps in one tsnc.lif", pass_fuse_timesteps},
    {NULL, NULL, NULL},
};

const Pass *pass_find(const char *name) {
    for (const Pass *p = tsnc_pipeline; p->name; p++)
        if (strcmp(p->name, name) == 0) return p;
    return NULL;
}

int pipeline_run(Graph *g, PassContext *cx, const PipelineHooks *h) {
    for (const Pass *p = tsnc_pipeline; p->name; p++) {
        if (h && h->before && h->before(p, g, h->user)) return 1;
        if (p->run(g, cx) != 0) return -1;
        if (h && h->verify_each && graph_verify(g, cx->diag) != 0) {
            diag_error(cx->diag, NULL, "internal: graph fails verification after pass '%s'", p->name);
            return -1;
        }
        if (h && h->after && h->after(p, g, h->user)) return 1;
    }
    /* Passes after spike-analysis rewrite the graph (not all refresh the sets
     * they touch); codegen checks spike layers against these annotations, so
     * the final graph carries sets proven on it, whatever its IR text claimed. */
    spike_analysis_run(g);
    return 0;
}
