/*
 * rewrite.h - small tools shared by the rewriting passes: deferred
 * replacement of values (linear time for any number of rewrites) and
 * builders for the nodes and constants rewrites create.
 */
#ifndef TSNC_REWRITE_H
#define TSNC_REWRITE_H

#include "passes/passes.h"

/*
 * Replacements recorded during a sweep and applied at its end, so that a
 * pass does not rescan the graph for every rewrite. A node visited later in
 * the same sweep sees its inputs through rw_resolve_inputs.
 */
typedef struct Rewriter {
    Graph *g;
    Value **fwd;  /* fwd[id]: the value that replaces value id, or NULL */
    int cap;
    int changes;  /* replacements recorded since rw_init */
} Rewriter;

void rw_init(Rewriter *rw, Graph *g);
/*
 * Records that every use of old becomes a use of new_, if new_ has old's type
 * (dtype and shape) and layout; returns false and records nothing otherwise.
 * Readers of old were typed (and emitted) for old's shape: a rewrite that
 * would change it, such as a value computed without a broadcast its
 * expression had, must instead replace old by a value of old's type (insert
 * the broadcast, rw_broadcast_to) or keep old.
 */
bool rw_replace(Rewriter *rw, Value *old, Value *new_);
/*
 * v broadcast to shape s (ONNX Expand, inserted before `before`), or v itself
 * if it has that shape; NULL if v's shape does not broadcast to exactly s.
 */
Value *rw_broadcast_to(Graph *g, Node *before, Value *v, const Shape *s);
/* The value v stands for after the recorded replacements. */
Value *rw_resolve(Rewriter *rw, Value *v);
/* Rewrites n's inputs through the recorded replacements. */
void rw_resolve_inputs(Rewriter *rw, Node *n);
/* Applies the replacements to every node input and graph output, then frees. */
void rw_finish(Rewriter *rw);

/* Runs op inference on a node a pass created; dies if it fails (a pass bug). */
void node_infer_or_die(Node *n);
/* A constant i64 vector. */
Value *const_i64(Graph *g, int n, const int64_t *v);
/* A constant f32 tensor of the given shape copied from data. */
Value *const_f32(Graph *g, const Shape *s, const float *data);
/* Inserts Reshape(x, shape) before `before` with inferred type; returns its result. */
Value *insert_reshape(Graph *g, Node *before, Value *x, const Shape *shape, const char *name);
/* True if v is a constant whose every element equals x. */
bool is_const_all(const Value *v, double x);
/* True if v is a constant scalar (any rank, one element); its value in *out. */
bool const_scalar(const Value *v, double *out);

#endif
