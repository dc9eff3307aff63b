/*
 * time_repeat.h - "the same tensor T times along the leading (time) axis",
 * as exporters write it, and its one canonical form Tile(x, [T, 1, ..., 1])
 * with x.dim[0] == 1, which canonicalize moves per-sample ops across
 * (computing them once instead of T times).
 */
#ifndef TSNC_TIME_REPEAT_H
#define TSNC_TIME_REPEAT_H

#include "passes/rewrite.h"

/* v = Tile(x, [T, 1, ..., 1]) with x.dim[0] == 1: returns x and sets *t = T; else NULL. */
Value *lead_tile(const Value *v, int64_t *t);
/* Inserts Tile(y, [t, 1, ..., 1]) before `before`; returns its result (y itself if t == 1). */
Value *insert_lead_tile(Graph *g, Node *before, Value *y, int64_t t, const char *name);
/*
 * A single-output node that repeats one tensor along the time axis in
 * another form (Expand, Concat of copies of one tensor, Tile of a lead Tile,
 * Slice or Gather of a lead Tile), rewritten to a lead Tile (reshaped to n's
 * shape where needed): the value that replaces n's output, or NULL.
 */
Value *time_repeat_canonical(Graph *g, Node *n);
/*
 * Split(Tile(x, [T, ...]), axis 0) with x.dim[0] == 1: every part of m rows
 * is x (m == 1) or a lead Tile of m copies. Records the replacements of all
 * of n's outputs in rw and returns true; false (nothing recorded) otherwise.
 */
bool time_repeat_split(Graph *g, Node *n, Rewriter *rw);

#endif
