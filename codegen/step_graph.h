/*
 * step_graph.h - the one-timestep network behind NAME_step (docs/generated-api.md).
 *
 * torch.onnx.export unrolls the time loop, so the lowered graph computes all
 * T timesteps and returns their mean. step_graph_build finds, in that graph,
 * the nodes of timestep 0 and the state that crosses from one timestep to
 * the next (the membrane potential of every tsnc.lif), and appends to the
 * graph a copy of timestep 0 in which every neuron reads its membrane from
 * the state and writes it back: the step function. How (a tag per value):
 *
 *   invariant  the same at every timestep (inputs, constants, what only they
 *              feed: the directly encoded first layer);
 *   step k     one timestep's tensor: a tsnc.lif whose membrane comes from a
 *              step k-1 neuron (k = 0 without one), a Gather of index k on
 *              the time axis of a stacked tensor, and what only they and
 *              invariants feed;
 *   stacked    the T timesteps one after another in memory (time folded into
 *              the batch axis, [T*B, ...], or a leading [T, ...] axis): a
 *              Concat of steps 0..T-1 in order, a tsnc.lif with steps = T, and
 *              per-sample ops (Conv, Gemm, pooling, elementwise ...) of them;
 *   mean       ReduceMean over the time axis of a stacked tensor.
 *
 * Every graph output must be a mean; its per-step value is timestep 0's
 * block of the stacked tensor averaged. The copy keeps the ops (and so the
 * arithmetic) of timestep 0, with stacked tensors cut to one timestep's
 * block, Gather/Concat over time turned into views, and the hoisted first
 * neuron (tsnc.lif steps = T) run one step per call.
 */
#ifndef TSNC_STEP_GRAPH_H
#define TSNC_STEP_GRAPH_H

#include <stddef.h>

#include "ir/ir.h"

/* Where the step function lives in the graph after step_graph_build. */
typedef struct StepGraph {
    int steps;       /* T of the unrolled export */
    Node *first;     /* the first node of the step function; it runs to the end */
    int in0, n_in;   /* its inputs x_t: g->inputs[in0 .. in0 + n_in), one per model input */
    int out0, n_out; /* its outputs y_t: g->outputs[out0 .. out0 + n_out), one per model output */
    /* membrane k: input g->inputs[in0 + n_in + k] (before the step) and output
     * g->outputs[out0 + n_out + k] (after it), the same state in NAME_state */
    int n_membranes;
} StepGraph;

/*
 * Appends the step function to g (a lowered graph with static types) and
 * describes it in *sg. Returns 0, or -1 with the reason in why (one line,
 * naming the node where the time structure is not recognized) and g
 * unchanged.
 */
int step_graph_build(Graph *g, StepGraph *sg, char *why, size_t why_size);

/* Removes what step_graph_build appended (its nodes, inputs and outputs). */
void step_graph_remove(Graph *g, const StepGraph *sg);

#endif
