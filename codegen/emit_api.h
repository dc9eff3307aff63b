/*
 * emit_api.h - the generated API around the network's code: NAME_state, its
 * layout, the parameters each function binds, NAME_init / NAME_reset /
 * NAME_run, and NAME.h (docs/generated-api.md).
 *
 * NAME_state is one block of bytes seen through a union of typed arrays:
 *   [0, arena)                      intermediates of NAME_infer and NAME_step
 *                                   (the memory plan; they never run at once
 *                                   on one state);
 *   [membrane_offset, + bytes)      the membrane potentials NAME_step carries
 *                                   from one call to the next (64-aligned each);
 *   [table_offset, state_bytes)     the lookup tables of lut spike layers,
 *                                   built by NAME_init, and the event lists
 *                                   of gather spike layers (scratch).
 */
#ifndef TSNC_EMIT_API_H
#define TSNC_EMIT_API_H

#include "codegen/emit_ctx.h"
#include "codegen/step_graph.h"

typedef struct ApiLayout {
    const StepGraph *step;   /* NULL: no NAME_step (step_note says why) */
    const char *step_note;
    int n_in, n_out;         /* the model's inputs and outputs: g->inputs[0 .. n_in) ... */
    int64_t membrane_offset; /* bytes from the state's start */
    int64_t *membrane_at;    /* per membrane: bytes from the state's start; malloc'd */
    int64_t membrane_bytes;
    int64_t table_offset;    /* where the lookup tables start */
} ApiLayout;

/* Binds the graph inputs/outputs of NAME_infer (step false) or NAME_step to parameter names. */
void api_bind(EmitCtx *cx, const ApiLayout *a, bool step);
/* "int NAME_infer(NAME_state *tsnc_s, const float *input, float *output)" (no ';'). */
void api_signature(Buf *b, const EmitCtx *cx, const char *name, const ApiLayout *a, bool step);
/* The state size check, NAME_init, NAME_reset (with NAME_step) and NAME_run. */
void api_emit_state_functions(Buf *c, const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode,
                              const ApiLayout *a);
/* NAME.h. */
void api_emit_header(Buf *h, const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const ApiLayout *a);

#endif
