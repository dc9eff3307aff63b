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

/* A static const float array computed by an emitter (cx_derived_f32). */
typedef struct Derived {
    const char *name;    /* C identifier */
    const char *comment; /* what it is, for the weight table */
    float *data;         /* malloc'd */
    int64_t count;
} Derived;

/* A lookup table of a spike layer: state bytes [offset, offset + count * 4), built by NAME_init. */
typedef struct LutTable {
    const char *key;   /* the derived weight array it is built from (one table per array) */
    const char *build; /* the build call, with %s where the table pointer goes */
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
    Derived *derived;
    int n_derived;
    const Node **profiled; /* nodes with code, in order (TSNC_PROFILE slots); malloc'd */
    int n_profiled;
};

/*
 * Prepares cx for g and plan: loads the kernels of runtime/DIR and names
 * every value that has storage. Returns -1 with the reason in d.
 */
int cx_init(EmitCtx *cx, const Graph *g, const MemPlan *plan, const char *kernel_dir, Diag *d);
void cx_free(EmitCtx *cx);

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

#endif
