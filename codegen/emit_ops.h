/*
 * emit_ops.h - per-op C emitters, one table indexed by OpKind, and the
 * emission context they write through.
 *
 * codegen_c (emit_c.c) walks the nodes in order. For each node it writes a
 * comment (name, op, operand types) and calls the op's `emit`, which checks
 * what it needs (dtypes, attributes, constant operands, shapes consistent
 * with the output types) and appends one or a few kernel calls. Errors are
 * collected for every node before codegen_c gives up, so that all
 * unsupported ops are listed at once.
 *
 * Emitters live in emit_elementwise.c, emit_nn.c, emit_movement.c and
 * emit_spike.c (tsnc's own ops); shared shape helpers in emit_util.c; the
 * context in emit_ctx.c. The table (emit_ops.c) is built from the emitter
 * and view columns of ir/ops.def and the in-place trait.
 */
#ifndef TSNC_EMIT_OPS_H
#define TSNC_EMIT_OPS_H

#include <stdbool.h>

#include "codegen/codegen.h"
#include "codegen/plan_memory.h"

typedef struct EmitCtx EmitCtx;

typedef struct OpEmitter {
    /*
     * Appends the statements computing n's outputs into the body of
     * NAME_run. Returns 0, or -1 with the reason in the context's Diag.
     * Not called for nodes whose outputs are all views or all constants.
     */
    int (*emit)(EmitCtx *cx, const Node *n);
    /*
     * If output `out` of n can alias one of n's inputs (no code), returns
     * that input's index and sets *offset to the byte offset into it;
     * otherwise -1. NULL: never a view. Must depend only on n and its
     * operands' types and constant data (it is asked again by codegen).
     */
    int (*view)(const Node *n, int out, int64_t *offset);
    /*
     * True if n's kernel may write output 0 into the storage of input `in`
     * (same dtype and size; each element is read before it is written and
     * only at its own index). NULL: never.
     */
    bool (*in_place)(const Node *n, int in);
} OpEmitter;

/* The emitter of op; every op has one (emit is never NULL). */
const OpEmitter *op_emitter(OpKind op);

/* ---- emitters (emit_*.c) ---- */

int emit_binary_arith(EmitCtx *cx, const Node *n); /* Add Sub Mul Div Max Min */
int emit_pow(EmitCtx *cx, const Node *n);
int emit_compare(EmitCtx *cx, const Node *n); /* Equal Greater(OrEqual) Less(OrEqual) */
int emit_logic(EmitCtx *cx, const Node *n);   /* And Or Xor */
int emit_where(EmitCtx *cx, const Node *n);
int emit_unary(EmitCtx *cx, const Node *n); /* Abs Neg ... Round, LeakyRelu, Not */
int emit_clip(EmitCtx *cx, const Node *n);
int emit_cast(EmitCtx *cx, const Node *n);
bool in_place_elementwise(const Node *n, int in);

int emit_conv(EmitCtx *cx, const Node *n);
/* The weight geometry of a Conv or tsnc.spike_conv (see conv_params). */
typedef struct ConvShape {
    int64_t c, m, kh, kw, group; /* w is (M, C/group, kh, kw); 1-D: kh = 1 */
    int64_t h, w, oh, ow;        /* input and output extents; 1-D: h = oh = 1 */
} ConvShape;
/*
 * Checks a Conv-like node (x, w, b?) with Conv attributes and returns the
 * C initializer "{.n = ..., .group = ...}" of its struct conv2d_params
 * (runtime/generic/conv.c), filling *cs; NULL with the reason in the Diag.
 */
const char *conv_params(EmitCtx *cx, const Node *n, ConvShape *cs);
int emit_gemm(EmitCtx *cx, const Node *n);
int emit_matmul(EmitCtx *cx, const Node *n);
int emit_batch_norm(EmitCtx *cx, const Node *n);
int emit_pool(EmitCtx *cx, const Node *n); /* AveragePool MaxPool */
int emit_global_pool(EmitCtx *cx, const Node *n);
int emit_reduce(EmitCtx *cx, const Node *n);
int emit_softmax(EmitCtx *cx, const Node *n);

int emit_view_only(EmitCtx *cx, const Node *n); /* Reshape ... Dropout: reports why not a view */
int view_same_data(const Node *n, int out, int64_t *offset);
int emit_concat(EmitCtx *cx, const Node *n);
int emit_split(EmitCtx *cx, const Node *n);
int view_split(const Node *n, int out, int64_t *offset);
int emit_slice(EmitCtx *cx, const Node *n);
int view_slice(const Node *n, int out, int64_t *offset);
int emit_gather(EmitCtx *cx, const Node *n);
int view_gather(const Node *n, int out, int64_t *offset);
int emit_transpose(EmitCtx *cx, const Node *n);
int emit_expand(EmitCtx *cx, const Node *n);
int emit_tile(EmitCtx *cx, const Node *n);
int emit_pad(EmitCtx *cx, const Node *n);
int emit_shape_op(EmitCtx *cx, const Node *n); /* Shape Size ConstantOfShape Range: refused */

int emit_fire(EmitCtx *cx, const Node *n);       /* tsnc.fire */
int emit_lif(EmitCtx *cx, const Node *n);        /* tsnc.lif */
int emit_spike_conv(EmitCtx *cx, const Node *n); /* tsnc.spike_conv */
int emit_spike_gemm(EmitCtx *cx, const Node *n); /* tsnc.spike_gemm, tsnc.spike_matmul */
int emit_split_levels(EmitCtx *cx, const Node *n); /* tsnc.split_levels */
int emit_relayout(EmitCtx *cx, const Node *n);     /* tsnc.relayout */
int emit_pack(EmitCtx *cx, const Node *n);       /* tsnc.pack */

/* ---- the context (emit_ctx.c) ---- */

/* The graph, plan and diagnostics an emitter may read. */
const Graph *cx_graph(const EmitCtx *cx);
const MemPlan *cx_plan(const EmitCtx *cx);
/* Floats per vector of the target's runtime/simd kernels (TSNC_VW; target_vector_floats). */
int cx_vector_floats(const EmitCtx *cx);
/* Records an error about n (see diag_error) and returns -1. */
int cx_error(EmitCtx *cx, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends text to NAME_run's body (the caller indents with 4 spaces and ends lines). */
void cx_printf(EmitCtx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A string formatted into the context's arena (valid until codegen_c returns). */
char *cx_str(EmitCtx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The C expression for v's data: a pointer of v's element type ("input",
 * "output", "w_fc1_weight", "t_x"). Empty tensors give "0". Marks v used:
 * call it only for operands the emitted statement reads or writes, since a
 * referenced weight or local is emitted and an unused one would not compile
 * (-Wunused-variable).
 */
const char *cx_ref(EmitCtx *cx, const Value *v);
/* Copies kernel `name` of runtime/ into the generated file. */
void cx_kernel(EmitCtx *cx, const char *name);
/* A float32 literal (exact; INFINITY/NAN pull in <math.h>). */
const char *cx_f32(EmitCtx *cx, float v);
/* A compound literal (const long[]){...} of n values. */
const char *cx_longs(EmitCtx *cx, int n, const int64_t *v);
/* An initializer list {...} of n values (for arrays in parameter structs). */
const char *cx_init_list(EmitCtx *cx, int n, const int64_t *v);
/* A compound literal (const size_t[]){...} of n values. */
const char *cx_sizes(EmitCtx *cx, int n, const int64_t *v);
/*
 * A constant array computed at compile time (rearranged spike weights,
 * folded BatchNormalization factors): count elements of dt, in the host
 * layout of dt (as in a Tensor); data is copied. Returns the identifier of
 * a `const T *` the body may read: made from n's name and `what`, or the
 * name of an earlier array with the same dtype and bytes (each distinct
 * array is stored once, in every --weights mode: docs/generated-api.md).
 * The identifier is a plain C name, so a suffix makes another valid one.
 */
const char *cx_derived(EmitCtx *cx, const Node *n, const char *what, DType dt, const void *data,
                       int64_t count);
/* cx_derived for float32 data. */
const char *cx_derived_f32(EmitCtx *cx, const Node *n, const char *what, const float *data,
                           int64_t count);
/*
 * A lookup table of count floats in the caller's NAME_state, built by
 * NAME_init with `build` (a C statement with one %s for the table pointer;
 * NULL: scratch that needs no building, e.g. the gather layers' event lists).
 * Tables with the same key (the derived array they are built from) are one
 * table. Returns the C expression of the table's address.
 */
const char *cx_lut_table(EmitCtx *cx, const char *key, int64_t count, const char *build);
/* The compile-time data of v (a constant, or a folded node output), or NULL. */
const Tensor *cx_konst(const Value *v);

/* ---- shape helpers (emit_util.c) ---- */

/* Broadcast of up to 3 operands to an output shape, collapsed (see binary.c). */
typedef struct Bcast {
    int rank; /* >= 1 */
    int64_t dim[IR_MAX_RANK];
    int64_t stride[3][IR_MAX_RANK]; /* per operand, in elements; 0 where broadcast */
} Bcast;

/*
 * Describes reading k operands of shapes in[] broadcast to out (numpy
 * rules): drops dims of size 1 and merges dims that stay contiguous for all
 * operands. Returns false if an operand does not broadcast to out.
 */
bool bcast_collapse(const Shape *out, int k, const Shape *const *in, Bcast *b);

/* A strided read of one tensor: y[i...] = x[sum i_k * stride_k] over dims (rank <= 16). */
typedef struct Strided {
    int rank;
    int64_t dim[2 * IR_MAX_RANK];
    int64_t stride[2 * IR_MAX_RANK];
} Strided;

/* Drops size-1 dims and merges dims that are contiguous in x; rank stays >= 1. */
void strided_collapse(Strided *s);
/* Appends a strided_copy call reading x (expression) into y as s says. */
void emit_strided_copy(EmitCtx *cx, const Strided *s, const char *x, const char *y, DType dt);

/* "f32[1,16,28,28]" in the context's arena. */
const char *cx_type(EmitCtx *cx, const Type *t);
/* Checks that v's type is `want` (same dtype and shape); else an error naming both. */
int check_out_type(EmitCtx *cx, const Node *n, const Value *v, const Type *want);
/* Reads a constant integer tensor (i64/i32) into a malloc'd array; NULL if v is not constant. */
int64_t *const_ints(const Value *v, int64_t *count);
/* Normalizes a possibly negative axis; -1 if out of [-rank, rank). */
int norm_axis(int64_t axis, int rank);
/* Elements of v (its shape is static when codegen runs). */
int64_t numel(const Value *v);
/* Product of dims [from, to) of s. */
int64_t dims_product(const Shape *s, int from, int to);
/* The "ops.def name" of n, for messages. */
const char *op_name(const Node *n);

#endif
