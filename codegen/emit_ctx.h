/*
 * emit_ctx.h - the emission context's fields, shared by emit_c.c (which
 * lays out the generated file) and emit_ctx.c (the cx_* helpers the op
 * emitters call). Op emitters see EmitCtx as opaque (emit_ops.h).
 */
#ifndef TSNC_EMIT_CTX_H
#define TSNC_EMIT_CTX_H

#include "codegen/c_text.h"
#include "codegen/emit_ops.h"
#include "codegen/kernel_lib.h"
#include "codegen/weights.h"

/* A lookup table of a spike layer: state bytes [offset, offset + count * 4), built by NAME_init. */
typedef struct LutTable {
    const char *key;   /* the derived weight array it is built from (one table per array) */
    const char *build; /* the build call, with %s where the table pointer goes; NULL: scratch */
    int64_t offset;    /* bytes from the start of the state */
    int64_t count;     /* floats */
} LutTable;

struct EmitCtx {
    const Graph *g;
    const MemPlan *plan;
    Diag *d;
    Arena *arena; /* strings made while emitting */
    Buf body;     /* statements of NAME_run */
    KernelSet *kernels;
    int vector_floats;  /* TSNC_VW of the target's runtime/simd vocabulary (target_vector_floats) */
    NameSet *names;
    const char **cname; /* per value id: identifier of its data or local (NULL: none) */
    bool *used;         /* per value id: referenced by any function body */
    bool *used_fn;      /* per value id: referenced by the function being emitted */
    const char **in_expr;  /* per graph input: the C expression of its data (a parameter) */
    const char **out_expr; /* per graph output: the C expression of its buffer */
    LutTable *luts;        /* lookup tables in the state, in emission order; malloc'd */
    int n_luts;
    int64_t state_bytes;   /* bytes of NAME_state used so far (tables are appended) */
    bool needs_math;    /* a literal needs INFINITY or NAN */
    WeightPool weights; /* every constant array the body reads, each stored once (weight_array) */
    int *weight_of;     /* per value id: its array in weights once referenced, else -1 */
    const Node **profiled; /* nodes with code, in order (TSNC_PROFILE slots); malloc'd */
    int n_profiled;
};

/*
 * Prepares cx for g and plan: loads the kernels of runtime/DIR and names
 * every value that has storage. Returns -1 with the reason in d.
 */
int cx_init(EmitCtx *cx, const Graph *g, const MemPlan *plan, const char *kernel_dir, Diag *d);
void cx_free(EmitCtx *cx);

/*
 * The identifier of the constant array holding root's data (root: a value
 * with LOC_CONST storage of its own); adds it to the weights on first use.
 */
const char *cx_const_root(EmitCtx *cx, const Value *root);
/* The name of the NAME_state pointer inside the generated functions. */
#define CX_STATE "tsnc_s"

/* True if v's expression is a local pointer declared at the top of NAME_run. */
bool cx_needs_local(const EmitCtx *cx, const Value *v);
/* The parameter or state expression bound to graph input/output l (LOC_INPUT/LOC_OUTPUT). */
const char *cx_io_expr(const EmitCtx *cx, const ValueLoc *l, const Value *v);

/* The C element type of dt ("float", "int64_t", "unsigned char", ...). */
const char *c_elem_type(DType dt);
/* The arena union member holding dt ("f32", "i64", "u8", ...). */
const char *arena_member(DType dt);

/* ---- the weights in the generated files (emit_weights.c), for a resolved mode ---- */

/* File-scope text of NAME.c: the table of arrays, then the arrays (inline), the
 * image's symbol (embed) or NAME_set_weights (load). */
void weights_emit_c(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, Buf *c);
/* NAME_set_weights (load), after the kernels. */
void weights_emit_set(const CodegenOptions *o, WeightsMode mode, Buf *c);
/*
 * The start of a function of the API that reads weights (NAME_init,
 * NAME_infer, NAME_step): the image check (embed, load; it returns
 * NAME_ERR_WEIGHTS) and one pointer per array that `code`, the function's
 * text, names.
 */
void weights_emit_run_prologue(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const char *code,
                               Buf *run);
/* NAME_weights.S (embed). Needs weights_finish. */
void weights_emit_asm(const EmitCtx *cx, const CodegenOptions *o, Buf *s);
/* The mode's macros (and NAME_set_weights) in NAME.h; has_step: NAME.h declares NAME_step
 * (the comments name it only then). Needs weights_finish. */
void weights_emit_h(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, bool has_step, Buf *h);

#endif
