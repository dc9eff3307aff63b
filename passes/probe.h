/*
 * probe.h - evaluates a small elementwise cone of the graph on scalar probe
 * values. Used to identify what a subgraph computes (a firing function, a
 * reset mask) from its values rather than from its node sequence.
 */
#ifndef TSNC_PROBE_H
#define TSNC_PROBE_H

#include "ir/ir.h"

enum { PROBE_MAX_NODES = 48, PROBE_MAX_POINTS = 256 };

/* The nodes between a root value and a target, in topological order. */
typedef struct Cone {
    const Value *root, *target;
    int n;
    const Node *nodes[PROBE_MAX_NODES];
    int n_thresholds;                     /* constants the root is compared with */
    float thresholds[PROBE_MAX_NODES];
} Cone;

/*
 * Collects the cone of `target` down to its single non-constant real-valued
 * source (the root). Every node must be an elementwise op on uniform
 * constants and cone values; when `continuous_root` is set, the root (and
 * Abs of it) may only be read by comparisons with constants, Sign and Abs,
 * so that the cone is a step function of the root whose breakpoints are
 * the comparison constants, their negations and 0. Returns false otherwise.
 */
bool cone_collect(const Value *target, bool continuous_root, Cone *c);
/* The root a discrete target depends on, or NULL (see cone_collect). */
const Value *cone_find_root(const Value *target);
/* Evaluates the cone at root = x (in float, as the graph would); false if an op fails. */
bool cone_eval(const Cone *c, float x, float *out);

#endif
