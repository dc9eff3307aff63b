/*
 * emit_api.c - NAME_state, the functions around the network's code and
 * NAME.h (see emit_api.h and docs/generated-api.md).
 */
#include <stdio.h>
#include <string.h>

#include "codegen/emit_api.h"

/* The parameter of model input/output i: input, output (one of each) or input0, ...; x_t, y_t in NAME_step. */
static const char *param_name(EmitCtx *cx, const ApiLayout *a, bool step, bool in, int i) {
    int n = in ? a->n_in : a->n_out;
    if (step) {
        if (n == 1) return in ? "x_t" : "y_t";
        return cx_str(cx, "%s%d_t", in ? "x" : "y", i);
    }
    if (n == 1) return in ? "input" : "output";
    return cx_str(cx, "%s%d", in ? "input" : "output", i);
}

void api_bind(EmitCtx *cx, const ApiLayout *a, bool step) {
    const Graph *g = cx->g;
    for (int i = 0; i < g->n_inputs; i++) cx->in_expr[i] = NULL;
    for (int i = 0; i < g->n_outputs; i++) cx->out_expr[i] = NULL;
    int in0 = step ? a->step->in0 : 0, out0 = step ? a->step->out0 : 0;
    for (int i = 0; i < a->n_in; i++) cx->in_expr[in0 + i] = param_name(cx, a, step, true, i);
    for (int i = 0; i < a->n_out; i++) cx->out_expr[out0 + i] = param_name(cx, a, step, false, i);
    if (!step) return;
    for (int k = 0; k < a->step->n_membranes; k++) {
        const char *e = cx_str(cx, "(%s->u.f32 + %lld)", CX_STATE, (long long)(a->membrane_at[k] / 4));
        cx->in_expr[in0 + a->n_in + k] = e;
        cx->out_expr[out0 + a->n_out + k] = e;
    }
}

/* The C element type of a pointer parameter (bool: unsigned char 0/1, int8: signed char). */
static const char *param_type(DType dt) {
    return c_elem_type(dt);
}

void api_signature(Buf *b, const EmitCtx *cx, const char *name, const ApiLayout *a, bool step) {
    const Graph *g = cx->g;
    int in0 = step ? a->step->in0 : 0, out0 = step ? a->step->out0 : 0;
    buf_printf(b, "int %s_%s(%s_state *%s", name, step ? "step" : "infer", name, CX_STATE);
    for (int i = 0; i < a->n_in; i++)
        buf_printf(b, ", const %s *%s", param_type(g->inputs[in0 + i]->type.dtype),
                   cx->in_expr[in0 + i] ? cx->in_expr[in0 + i] : "?");
    for (int i = 0; i < a->n_out; i++)
        buf_printf(b, ", %s *%s", param_type(g->outputs[out0 + i]->type.dtype),
                   cx->out_expr[out0 + i] ? cx->out_expr[out0 + i] : "?");
    buf_printf(b, ")");
}

/* The same parameter list with user-facing names, for the header and NAME_run. */
static void params_text(Buf *b, const Graph *g, const ApiLayout *a, bool step, bool names_only) {
    int in0 = step ? a->step->in0 : 0, out0 = step ? a->step->out0 : 0;
    for (int i = 0; i < a->n_in + a->n_out; i++) {
        bool in = i < a->n_in;
        int k = in ? i : i - a->n_in;
        const Value *v = in ? g->inputs[in0 + k] : g->outputs[out0 + k];
        char nm[32];
        int n = in ? a->n_in : a->n_out;
        if (step)
            snprintf(nm, sizeof nm, n == 1 ? "%s_t" : "%s%d_t", in ? "x" : "y", k);
        else
            snprintf(nm, sizeof nm, n == 1 ? "%s" : "%s%d", in ? "input" : "output", k);
        if (names_only)
            buf_printf(b, "%s%s", i ? ", " : "", nm);
        else
            buf_printf(b, "%s%s%s *%s", i ? ", " : "", in ? "const " : "", param_type(v->type.dtype), nm);
    }
}

void api_emit_state_functions(Buf *c, const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode,
                              const ApiLayout *a) {
    const char *name = o->name;
    buf_printf(c, "/* NAME_STATE_BYTES in %s.h is the size of the state, padding-free. */\n"
                  "typedef char tsnc_state_size_check[sizeof(%s_state) == %s_STATE_BYTES ? 1 : -1];\n\n",
               name, name, name);
    Buf body = {0};
    if (a->membrane_bytes)
        buf_printf(&body, "    memset(s->u.u8 + %lld, 0, %lld); /* membranes at rest */\n",
                   (long long)a->membrane_offset, (long long)a->membrane_bytes);
    for (int i = 0; i < cx->n_luts; i++) {
        const LutTable *t = &cx->luts[i];
        if (!t->build) continue; /* scratch (event lists): nothing to build */
        const char *at = strstr(t->build, "%s");
        if (!at) die("lookup table build call without a table slot");
        buf_printf(&body, "    %.*s(s->u.f32 + %lld)%s\n", (int)(at - t->build), t->build,
                   (long long)(t->offset / 4), at + 2);
    }
    /* the tables are built from weights: NAME_init checks them like NAME_infer does */
    buf_printf(c, "int %s_init(%s_state *s)\n{\n    if (!s) return 1;\n", name, name);
    weights_emit_run_prologue(cx, o, mode, body.data ? body.data : "", c);
    if (body.len) buf_append(c, body.data, body.len);
    buf_printf(c, "    return 0;\n}\n\n");
    buf_free(&body);
    if (a->step)
        buf_printf(c,
                   "int %s_reset(%s_state *s)\n{\n    if (!s) return 1;\n"
                   "    memset(s->u.u8 + %lld, 0, %lld); /* membranes at rest */\n    return 0;\n}\n\n",
                   name, name, (long long)a->membrane_offset, (long long)a->membrane_bytes);
    buf_printf(c, "int %s_run(", name);
    params_text(c, cx->g, a, false, false);
    buf_printf(c, ")\n{\n"
                  "    static %s_state tsnc_state; /* the one instance of %s_run: not reentrant */\n"
                  "    static int tsnc_ready;\n"
                  "    if (!tsnc_ready) {\n"
                  "        int rc = %s_init(&tsnc_state); /* %s_ERR_WEIGHTS before valid weights */\n"
                  "        if (rc) return rc;\n"
                  "        tsnc_ready = 1;\n"
                  "    }\n"
                  "    return %s_infer(&tsnc_state, ",
               name, name, name, name, name);
    params_text(c, cx->g, a, false, true);
    buf_printf(c, ");\n}\n");
}

/* A C string literal of s (printable ASCII kept, the rest as octal escapes). */
static void string_literal(Buf *b, const char *s) {
    buf_printf(b, "\"");
    c_string_text(b, s);
    buf_printf(b, "\"");
}

static void io_macros(Buf *h, const char *name, const char *kind, const char *lower, int i, const Value *v) {
    char tb[256];
    buf_printf(h, "#define %s_%s%d_SIZE %lld /* elements of %s */\n", name, kind, i,
               (long long)shape_numel(&v->type.shape), type_str(&v->type, tb, sizeof tb));
    buf_printf(h, "#define %s_%s%d_NAME ", name, kind, i);
    string_literal(h, v->name ? v->name : "");
    buf_printf(h, " /* ONNX name */\n");
    buf_printf(h, "typedef %s %s_%s%d_t; /* element type (%s) */\n", param_type(v->type.dtype), name, lower, i,
               dtype_name(v->type.dtype));
}

static bool io_needs_stdint(const Graph *g, int n_in, int n_out) {
    for (int i = 0; i < n_in + n_out; i++) {
        DType dt = i < n_in ? g->inputs[i]->type.dtype : g->outputs[i - n_in]->type.dtype;
        if (dt == DT_I64 || dt == DT_I32 || dt == DT_I16) return true;
    }
    return false;
}

/* The files to build and the command, for NAME.h's comment. */
static void build_line(Buf *h, const CodegenOptions *o, WeightsMode mode) {
    const char *flags = target_cflags(o->target);
    buf_printf(h, " *\n * Build (--weights=%s): cc -std=c99 -O2%s%s -I OUTDIR -c OUTDIR/%s.c", weights_mode_name(mode),
               *flags ? " " : "", flags, o->name);
    if (mode == WEIGHTS_EMBED) buf_printf(h, " \\\n *     OUTDIR/%s_weights.S (-I OUTDIR: .incbin finds %s.bin there)", o->name, o->name);
    buf_printf(h, "\n");
    if (mode == WEIGHTS_LOAD)
        buf_printf(h, " * and pass the bytes of OUTDIR/%s.bin to %s_set_weights before %s_init.\n", o->name,
                   o->name, o->name);
}

void api_emit_header(Buf *h, const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const ApiLayout *a) {
    const Graph *g = cx->g;
    const char *nm = o->name;
    char guard[128], tb[256];
    /* The name keeps its case: models named mlp and MLP get different guards. */
    snprintf(guard, sizeof guard, "TSNC_%s_H_INCLUDED", nm);
    bool libm = kernels_need_header(cx->kernels, "-lm");
    c_block_comment(h, o->banner);
    buf_printf(h, "/*\n * %s.h - C API of the network compiled by tsnc %s (target %s).\n *\n", nm, TSNC_VERSION,
               target_name(o->target));
    for (int i = 0; i < a->n_in + a->n_out; i++) {
        bool in = i < a->n_in;
        const Value *v = in ? g->inputs[i] : g->outputs[i - a->n_in];
        buf_printf(h, " * %s %d: %s (%lld elements, row-major ONNX element order)", in ? "input " : "output",
                   in ? i : i - a->n_in, type_str(&v->type, tb, sizeof tb), (long long)shape_numel(&v->type.shape));
        if (v->name) {
            buf_printf(h, ", '");
            c_comment_text(h, v->name, false, 120);
            buf_printf(h, "'");
        }
        buf_printf(h, "\n");
    }
    buf_printf(h, " *\n * One %s_state holds every mutable byte of one instance of the network\n"
                  " * (%s_STATE_BYTES bytes: intermediates%s%s); the caller\n"
                  " * allocates it (static, stack or own memory) and calls %s_init on it first.\n"
                  " * Functions on different states may run at once (threads); on one state,\n"
                  " * one call at a time. %s_run uses a static state of its own.%s\n",
               nm, nm, a->membrane_bytes ? ", membrane potentials" : "", cx->n_luts ? ", lookup tables" : "", nm, nm,
               libm ? " Link with -lm." : "");
    if (a->step)
        buf_printf(h, " * %s_step runs one timestep and keeps the membranes in the state.\n", nm);
    else
        buf_printf(h, " * No %s_step: %s.\n", nm, a->step_note ? a->step_note : "not requested");
    if (*target_cflags(o->target))
        buf_printf(h, " * Compile %s.c with %s.\n", nm, target_cflags(o->target));
    else if (o->target == TARGET_NEON)
        buf_printf(h, " * Compile %s.c for AArch64 (NEON is part of it).\n", nm);
    build_line(h, o, mode);
    buf_printf(h, " */\n#ifndef %s\n#define %s\n\n", guard, guard);
    bool member[DT_COUNT] = {0};
    member[DT_F32] = member[DT_U8] = true;
    for (int v = 0; v < g->n_values; v++)
        if (cx->used[v] && cx->plan->loc[v].kind == LOC_ARENA) {
            DType dt = g->values[v]->type.dtype;
            member[dt == DT_BOOL ? DT_U8 : dt] = true;
        }
    if (member[DT_I64] || member[DT_I32] || member[DT_I16] || io_needs_stdint(g, a->n_in, a->n_out))
        buf_printf(h, "#include <stdint.h>\n\n");
    buf_printf(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    buf_printf(h, "#define %s_INPUT_COUNT %d\n#define %s_OUTPUT_COUNT %d\n", nm, a->n_in, nm, a->n_out);
    for (int i = 0; i < a->n_in; i++) io_macros(h, nm, "INPUT", "input", i, g->inputs[i]);
    for (int i = 0; i < a->n_out; i++) io_macros(h, nm, "OUTPUT", "output", i, g->outputs[i]);
    buf_printf(h, "#define %s_INPUT_SIZE %lld /* elements of input 0 */\n", nm,
               (long long)shape_numel(&g->inputs[0]->type.shape));
    buf_printf(h, "#define %s_OUTPUT_SIZE %lld /* elements of output 0 */\n", nm,
               (long long)shape_numel(&g->outputs[0]->type.shape));
    int64_t table_bytes = 0;
    for (int i = 0; i < cx->n_luts; i++) table_bytes += cx->luts[i].count * 4;
    int64_t state = cx->state_bytes ? cx->state_bytes : 64; /* ISO C has no empty arrays */
    buf_printf(h, "#define %s_ARENA_BYTES %lld /* intermediates, in the state */\n", nm,
               (long long)cx->plan->arena_bytes);
    buf_printf(h, "#define %s_TABLE_BYTES %lld /* lookup tables (built by %s_init) and event lists, in the state */\n",
               nm, (long long)table_bytes, nm);
    if (a->step)
        buf_printf(h, "#define %s_MEMBRANE_BYTES %lld /* membrane potentials of %s_step, in the state */\n",
                   nm, (long long)a->membrane_bytes, nm);
    else
        buf_printf(h, "#define %s_MEMBRANE_BYTES %lld /* membrane potentials kept in the state between calls */\n", nm,
                   (long long)a->membrane_bytes);
    buf_printf(h, "#define %s_STATE_BYTES %lld /* sizeof(%s_state) */\n", nm, (long long)state, nm);
    if (a->step)
        buf_printf(h, "#define %s_STEPS %d /* timesteps %s_infer runs (the export's T) */\n", nm, a->step->steps, nm);
    buf_printf(h, "#define %s_HAS_STEP %d\n\n", nm, a->step != NULL);
    if (mode == WEIGHTS_LOAD) buf_printf(h, "#include <stddef.h>\n\n");
    weights_emit_h(cx, o, mode, a->step != NULL, h);
    buf_printf(h, "/* Every mutable byte of one instance; the union only aligns it for each element type. */\n"
                  "typedef struct %s_state {\n    union {\n", nm);
    static const DType order[] = {DT_F32, DT_F64, DT_I64, DT_I32, DT_I16, DT_U8, DT_I8};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (member[order[i]])
            buf_printf(h, "        %s %s[%lld];\n", c_elem_type(order[i]), arena_member(order[i]),
                       (long long)(state / (int64_t)dtype_size(order[i])));
    buf_printf(h, "    } u;\n} %s_state;\n\n", nm);
    buf_printf(h, "/* Makes *s ready (builds its lookup tables) and sets its membranes to rest.\n"
                  " * Returns 0, 1 if s is NULL, or %s_ERR_WEIGHTS without valid weights. */\n"
                  "int %s_init(%s_state *s);\n\n", nm, nm, nm);
    if (a->step)
        buf_printf(h, "/*\n * Runs the network on the inputs (all %s_STEPS timesteps) and writes the\n"
                      " * outputs; the buffers must not overlap. Uses s for its intermediates only\n"
                      " * (the membranes of %s_step are kept).\n", nm, nm);
    else
        buf_printf(h, "/*\n * Runs the network on the inputs (every timestep, when the model has a\n"
                      " * time loop) and writes the outputs; the buffers must not overlap.\n");
    buf_printf(h, " * Returns 0, 1 on a run-time error (an index computed at run time out of\n"
                  " * range), or %s_ERR_WEIGHTS without valid weights.\n */\n", nm);
    buf_printf(h, "int %s_infer(%s_state *s, ", nm, nm);
    params_text(h, g, a, false, false);
    buf_printf(h, ");\n\n");
    if (a->step) {
        buf_printf(h, "/* Sets the membranes of s to rest (the state before the first timestep). Returns 0. */\n"
                      "int %s_reset(%s_state *s);\n\n", nm, nm);
        buf_printf(h, "/*\n * One timestep: x_t is that step's input (for a directly encoded image,\n"
                      " * the image), y_t that step's output before the average over time (a\n"
                      " * classifier's logits of this step). The membranes carry over to the\n"
                      " * next call; %s_STEPS calls averaged give %s_infer's output. Returns as\n"
                      " * %s_infer does.\n */\n", nm, nm, nm);
        buf_printf(h, "int %s_step(%s_state *s, ", nm, nm);
        params_text(h, g, a, true, false);
        buf_printf(h, ");\n\n");
    }
    buf_printf(h, "/* %s_infer on a static state of its own (%s_init runs on the first call):\n"
                  " * one call at a time per program. */\n", nm, nm);
    buf_printf(h, "int %s_run(", nm);
    params_text(h, g, a, false, false);
    buf_printf(h, ");\n\n");
    buf_printf(h,
               "#ifdef TSNC_PROFILE\n"
               "/* Built with -DTSNC_PROFILE (and a POSIX clock_gettime): the wall time of each\n"
               " * node with code, in nanoseconds summed over calls, and its ONNX name and op. */\n"
               "#define %s_PROFILE_COUNT %d\n"
               "extern double %s_profile_ns[];\n"
               "extern const char *const %s_profile_names[];\n"
               "#endif\n\n",
               nm, cx->n_profiled, nm, nm);
    buf_printf(h, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}
