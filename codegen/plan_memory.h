/*
 * plan_memory.h - where each tensor of a generated program lives.
 *
 * Intermediates share one static arena. A tensor needs its bytes from the
 * node that writes it until its last reader has run; tensors whose
 * lifetimes do not overlap may share bytes. Views (Reshape, Flatten,
 * Squeeze, Unsqueeze, Identity, Dropout, a Gather or Slice that picks a
 * contiguous block; decided by each op's OpEmitter.view) take no bytes:
 * they alias their input at an offset and extend its lifetime. An
 * elementwise op may write its output over an input whose storage dies at
 * that op (OpEmitter.in_place), never over the graph input or a constant.
 * A graph output's storage is the caller's buffer for that output when its
 * root tensor has exactly the output's size and type (each buffer serves at
 * most one output; the others are copied at the end). A Concat along an axis with nothing
 * before it has its inputs' producers write straight into its output.
 *
 * Offsets are 64-byte aligned. Tensors of different C types that could be
 * confused by type-based alias analysis (float vs int64_t ...) never share
 * bytes: each C type has its own region of the arena; one-byte types (bool,
 * uint8, int8) may alias anything and share the float region.
 */
#ifndef TSNC_PLAN_MEMORY_H
#define TSNC_PLAN_MEMORY_H

#include "ir/ir.h"

typedef enum LocKind {
    LOC_NONE = 0, /* no storage at run time (a dead value) */
    LOC_INPUT,    /* (a view of) the graph input: read-only */
    LOC_CONST,    /* (a view of) constant data: read-only static array */
    LOC_OUTPUT,   /* the caller's output buffer */
    LOC_ARENA     /* the static arena */
} LocKind;

/* Where one value's data starts. */
typedef struct ValueLoc {
    LocKind kind;
    const Value *root; /* owner of the storage: the input, the constant, the first writer */
    int64_t offset;    /* bytes: from the arena start (LOC_ARENA), else from the root's start */
    int io;            /* LOC_INPUT: index in g->inputs; LOC_OUTPUT: index in g->outputs */
} ValueLoc;

typedef struct MemPlan {
    int n_values;
    ValueLoc *loc;       /* indexed by Value.id; malloc'd */
    int64_t arena_bytes; /* arena size: a multiple of 64 */
    int64_t naive_bytes; /* the arena size without reuse (sum of the 64-aligned buffers) */
    int n_buffers;       /* arena buffers (tensors that are not views or in place) */
} MemPlan;

typedef enum PlanStrategy {
    PLAN_AUTO,           /* greedy by size, or linear scan for very large graphs */
    PLAN_GREEDY_BY_SIZE, /* largest first, each at the best-fitting gap (O(buffers^2)) */
    PLAN_LINEAR_SCAN     /* in node order, best fit from a free list */
} PlanStrategy;

/* Buffers above which PLAN_AUTO switches to the linear scan. */
#define PLAN_GREEDY_MAX_BUFFERS 4096

/*
 * Plans g's memory. Requires static types on every value that is read or
 * written (codegen_c checks this first). Returns 0, or -1 with the cause in
 * d (a value used but never defined). Free with plan_free.
 */
int plan_memory(const Graph *g, PlanStrategy s, MemPlan *p, Diag *d);
void plan_free(MemPlan *p);

/* True if output `out` of n is a view of one of its inputs (per the op table). */
bool plan_is_view(const Node *n, int out);
/* True if every output of n has compile-time data (Value.konst): n needs no code. */
bool plan_node_folded(const Node *n);

/*
 * True if every input of Concat n already sits at its block of n's output
 * (the planner put the producers there), so that the Concat needs no copy.
 */
bool plan_concat_in_place(const MemPlan *p, const Node *n);

/*
 * Checks a plan independently of how it was made: any two arena values
 * with different roots whose bytes overlap must have disjoint lifetimes
 * [writer, last reader]. Returns 0, or -1 describing the first conflict in
 * why (for tests and debugging; O(values^2)).
 */
int plan_check(const Graph *g, const MemPlan *p, char *why, size_t why_size);

#endif
