/*
 * emit_c.c - codegen_c: lays out NAME.c and NAME.h (docs/generated-api.md).
 *
 * NAME.c, top to bottom: the banner, the target's guard (an #error unless
 * compiled for the target's instruction set), includes, the weight table
 * and the weights as the --weights mode has them (emit_weights.c), the
 * arena (a union of typed arrays over one static block, planned by
 * plan_memory.c), the kernels copied from runtime/ (only those called;
 * runtime/TARGET/ variants over runtime/generic/ ones, see kernel_lib.h),
 * and NAME_run: one pointer per weight array, local pointers into the
 * arena, then one commented call per node. Everything is emitted
 * in node / value-id order, so that two runs give identical bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ctx.h"

/* Longest --name accepted (identifiers derived from it stay readable). */
#define NAME_MAX_LEN 64
/* Operand types listed in a node comment before "...". */
#define COMMENT_MAX_OPERANDS 6

static int check_options(const CodegenOptions *o, Diag *d) {
    if (!o || !o->name || !c_is_identifier(o->name, NAME_MAX_LEN)) {
        diag_error(d, NULL,
                   "the program name '%.80s' is not a C identifier of at most %d characters",
                   o && o->name ? o->name : "", NAME_MAX_LEN);
        return -1;
    }
    if ((unsigned)o->target >= TARGET_COUNT) {
        diag_error(d, NULL, "unknown code generation target %d", (int)o->target);
        return -1;
    }
    return 0;
}

static bool type_known(const Type *t) {
    return t->dtype != DT_UNDEF && (unsigned)t->dtype < DT_COUNT && t->shape.rank >= 0 &&
           shape_numel(&t->shape) >= 0;
}

/* The API takes one f32 tensor and returns one; every operand has a static type. */
/* NAME_INPUT_SIZE / NAME_OUTPUT_SIZE size the caller's arrays, and an array
 * of 0 elements is not ISO C; a tensor without elements also leaves NAME_run
 * with nothing to read or write (an unused parameter under -Wextra). */
static void check_not_empty(const Value *v, const char *what, Diag *d) {
    char tb[256];
    if (type_known(&v->type) && numel(v) == 0)
        diag_error(d, NULL,
                   "the graph %s '%.200s' of type %s has no elements; the generated C API "
                   "needs at least one",
                   what, v->name ? v->name : "", type_str(&v->type, tb, sizeof tb));
}

static int check_graph(const Graph *g, Diag *d) {
    int errors = d->n_errors;
    if (g->n_inputs != 1)
        diag_error(d, NULL, "the generated C API takes exactly one input tensor; the graph has %d",
                   g->n_inputs);
    if (g->n_outputs != 1)
        diag_error(d, NULL,
                   "the generated C API returns exactly one output tensor; the graph has %d",
                   g->n_outputs);
    if (d->n_errors != errors) return -1;
    const Value *in = g->inputs[0], *out = g->outputs[0];
    if (in->type.dtype != DT_F32 || !type_known(&in->type))
        diag_error(d, NULL, "the graph input '%.200s' must be a float32 tensor of static shape",
                   in->name ? in->name : "");
    if (out->type.dtype != DT_F32 || !type_known(&out->type) ||
        (cx_konst(out) && !type_eq(&cx_konst(out)->type, &out->type)))
        diag_error(d, NULL, "the graph output '%.200s' must be a float32 tensor of static shape",
                   out->name ? out->name : "");
    check_not_empty(in, "input", d);
    check_not_empty(out, "output", d);
    for (const Node *n = g->first; n; n = n->next) {
        const OpInfo *oi = op_info(n->op);
        if (n->n_in < oi->min_in || (oi->max_in >= 0 && n->n_in > oi->max_in) ||
            (oi->n_out >= 0 && n->n_out != oi->n_out) || n->n_out < 1) {
            diag_error(d, n, "has %d inputs and %d outputs, which %s does not take", n->n_in,
                       n->n_out, oi->name);
            continue;
        }
        for (int i = 0; i < oi->min_in; i++)
            if (!n->in[i]) diag_error(d, n, "required input %d is missing", i);
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            const Tensor *t = v ? cx_konst(v) : NULL;
            if (v && !type_known(&v->type))
                diag_error(d, n, "input %d has no static type (run infer-shapes first)", i);
            else if (t && !type_eq(&t->type, &v->type))
                diag_error(d, n, "the data of constant input %d does not match its type", i);
        }
        for (int i = 0; i < n->n_out; i++)
            if (!type_known(&n->out[i]->type))
                diag_error(d, n, "output %d has no static type (run infer-shapes first)", i);
    }
    return d->n_errors == errors ? 0 : -1;
}

/* "'name' Op: f32[..], f32[..] -> f32[..]" */
static void node_comment(EmitCtx *cx, const Node *n, const char *note) {
    Buf b = {0};
    char tb[256];
    if (n->name && n->name[0]) {
        buf_printf(&b, "'");
        c_comment_text(&b, n->name, false, 160);
        buf_printf(&b, "' ");
    } else {
        buf_printf(&b, "node #%d ", n->id);
    }
    buf_printf(&b, "%s:", op_info(n->op)->name);
    for (int i = 0; i < n->n_in; i++) {
        if (i == COMMENT_MAX_OPERANDS) {
            buf_printf(&b, " ... (%d inputs)", n->n_in);
            break;
        }
        buf_printf(&b, "%s %s", i ? "," : "",
                   n->in[i] ? type_str(&n->in[i]->type, tb, sizeof tb) : "-");
    }
    buf_printf(&b, " ->");
    for (int i = 0; i < n->n_out; i++) {
        if (i == COMMENT_MAX_OPERANDS) {
            buf_printf(&b, " ... (%d outputs)", n->n_out);
            break;
        }
        buf_printf(&b, "%s %s", i ? "," : "", type_str(&n->out[i]->type, tb, sizeof tb));
    }
    if (note) buf_printf(&b, ": %s", note);
    cx_printf(cx, "    /* %s */\n", b.data);
    buf_free(&b);
}

static bool all_outputs(const Node *n, bool (*pred)(const Node *, int)) {
    for (int i = 0; i < n->n_out; i++)
        if (!pred(n, i)) return false;
    return n->n_out > 0;
}

static bool output_empty(const Node *n, int i) {
    return numel(n->out[i]) == 0;
}

static void emit_nodes(EmitCtx *cx) {
    for (const Node *n = cx->g->first; n; n = n->next) {
        const OpEmitter *e = op_emitter(n->op);
        if (plan_node_folded(n)) {
            node_comment(cx, n, "folded to a constant, no code");
        } else if (all_outputs(n, plan_is_view)) {
            node_comment(cx, n, "a view of its input, no code");
        } else if (all_outputs(n, output_empty)) {
            node_comment(cx, n, "empty output, no code");
        } else if (!e->emit) {
            cx_error(cx, n, "op %s is not supported by the C code generator", op_info(n->op)->name);
        } else {
            node_comment(cx, n, NULL);
            /* Per-node timing, compiled in only with -DTSNC_PROFILE (docs/generated-api.md). */
            cx_printf(cx, "    TSNC_PROF_BEGIN();\n");
            e->emit(cx, n);
            cx_printf(cx, "    TSNC_PROF_END(%d);\n", cx->n_profiled);
            cx->profiled = realloc(cx->profiled, (size_t)(cx->n_profiled + 1) * sizeof *cx->profiled);
            if (!cx->profiled) die("out of memory");
            cx->profiled[cx->n_profiled++] = n;
        }
    }
}

/* s as the inside of a C string literal: \\ and \" escaped, other bytes outside
 * printable ASCII as three-digit octal escapes (no digit can extend them). */
static void c_string_text(Buf *b, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p && p - (const unsigned char *)s < 200; p++) {
        if (*p == '\\' || *p == '"')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f || *p == '?')
            buf_printf(b, "\\%03o", *p);
        else
            buf_append(b, (const char *)p, 1);
    }
}

/* The profiling hooks: no code unless the user compiles with -DTSNC_PROFILE. */
static void emit_profile_support(const EmitCtx *cx, const char *name, Buf *c) {
    buf_printf(c, "#ifdef TSNC_PROFILE\n"
                  "/* Wall time of each node in nanoseconds, summed over calls (-DTSNC_PROFILE only). */\n"
                  "#include <time.h>\n"
                  "double %s_profile_ns[%d];\n"
                  "const char *const %s_profile_names[%d] = {\n",
               name, cx->n_profiled ? cx->n_profiled : 1, name, cx->n_profiled ? cx->n_profiled : 1);
    for (int i = 0; i < cx->n_profiled; i++) {
        const Node *n = cx->profiled[i];
        buf_printf(c, "    \"");
        c_string_text(c, n->name && n->name[0] ? n->name : op_info(n->op)->name);
        buf_printf(c, " (%s)\",\n", op_info(n->op)->name);
    }
    if (!cx->n_profiled) buf_printf(c, "    \"\"\n");
    buf_printf(c, "};\n"
                  "static struct timespec tsnc_prof_t0;\n"
                  "#define TSNC_PROF_BEGIN() clock_gettime(CLOCK_MONOTONIC, &tsnc_prof_t0)\n"
                  "#define TSNC_PROF_END(i) do { \\\n"
                  "        struct timespec tsnc_prof_t1; \\\n"
                  "        clock_gettime(CLOCK_MONOTONIC, &tsnc_prof_t1); \\\n"
                  "        %s_profile_ns[i] += (double)(tsnc_prof_t1.tv_sec - tsnc_prof_t0.tv_sec) * 1e9 + \\\n"
                  "                            (double)(tsnc_prof_t1.tv_nsec - tsnc_prof_t0.tv_nsec); \\\n"
                  "    } while (0)\n"
                  "#else\n"
                  "#define TSNC_PROF_BEGIN() ((void)0)\n"
                  "#define TSNC_PROF_END(i) ((void)0)\n"
                  "#endif\n\n",
               name);
}

/* The output is copied when it is not computed in place in the caller's buffer. */
static void emit_output_copy(EmitCtx *cx) {
    const Value *out = cx->g->outputs[0];
    const ValueLoc *l = &cx->plan->loc[out->id];
    if (l->kind == LOC_OUTPUT || numel(out) == 0) return;
    const char *what = l->kind == LOC_INPUT   ? "the input"
                       : l->kind == LOC_CONST ? "a constant"
                                              : "part of a larger intermediate";
    cx_printf(cx, "    /* the output is %s: copy it */\n", what);
    cx_printf(cx, "    memcpy(output, %s, %lld);\n", cx_ref(cx, out), (long long)(numel(out) * 4));
}

static void type_text(Buf *b, const Type *t) {
    char tb[256];
    buf_printf(b, "%s", type_str(t, tb, sizeof tb));
}

/* The arena: one static block seen through an array of each element type in use. */
static void emit_arena(EmitCtx *cx, Buf *c) {
    static const DType order[] = {DT_F32, DT_F64, DT_I64, DT_I32, DT_I16, DT_U8, DT_I8};
    bool member[DT_COUNT] = {0}, any = false;
    for (int v = 0; v < cx->g->n_values; v++)
        if (cx->used[v] && cx->plan->loc[v].kind == LOC_ARENA) {
            DType dt = cx->g->values[v]->type.dtype;
            member[dt == DT_BOOL ? DT_U8 : dt] = any = true;
        }
    if (!any) return;
    int64_t bytes = cx->plan->arena_bytes;
    buf_printf(c,
               "/*\n * Intermediates: %lld bytes, reused once their last reader has run (%lld "
               "without\n * reuse). Each tensor starts at a 64-byte aligned offset.\n */\n"
               "static union {\n",
               (long long)bytes, (long long)cx->plan->naive_bytes);
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (member[order[i]])
            buf_printf(c, "    %s %s[%lld];\n", c_elem_type(order[i]), arena_member(order[i]),
                       (long long)(bytes / (int64_t)dtype_size(order[i])));
    buf_printf(c, "} tsnc_arena;\n\n");
}

/* Local pointers for arena tensors and views at an offset, in value order. */
static void emit_locals(EmitCtx *cx, Buf *c) {
    bool any = false;
    for (int v = 0; v < cx->g->n_values; v++) {
        const Value *val = cx->g->values[v];
        if (!cx->used[v] || !cx_needs_local(cx, val)) continue;
        const ValueLoc *l = &cx->plan->loc[v];
        const char *ty = c_elem_type(val->type.dtype);
        int64_t elem = (int64_t)dtype_size(val->type.dtype);
        bool ro = l->kind == LOC_INPUT || l->kind == LOC_CONST;
        buf_printf(c, "    %s%s *const %s = ", ro ? "const " : "", ty, cx->cname[v]);
        switch (l->kind) {
        case LOC_ARENA:
            buf_printf(c, "tsnc_arena.%s + %lld;", arena_member(val->type.dtype),
                       (long long)(l->offset / elem));
            break;
        case LOC_INPUT: buf_printf(c, "input + %lld;", (long long)(l->offset / elem)); break;
        case LOC_OUTPUT: buf_printf(c, "output + %lld;", (long long)(l->offset / elem)); break;
        default: /* a view into a constant: its root is in the weights (cx_ref) */
            buf_printf(c, "%s + %lld;", cx->weights.a[cx->weight_of[l->root->id]].name,
                       (long long)(l->offset / elem));
            break;
        }
        buf_printf(c, " /* ");
        type_text(c, &val->type);
        if (val->name) {
            buf_printf(c, " '");
            c_comment_text(c, val->name, false, 80);
            buf_printf(c, "'");
        }
        buf_printf(c, " */\n");
        any = true;
    }
    if (any) buf_printf(c, "\n");
}

static void emit_c_file(EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, Buf *c) {
    const Graph *g = cx->g;
    char tin[256], tout[256];
    type_str(&g->inputs[0]->type, tin, sizeof tin);
    type_str(&g->outputs[0]->type, tout, sizeof tout);
    c_block_comment(c, o->banner);

    /* weights and the body are built first: they decide what to include */
    Buf weights = {0}, arena = {0}, kernels = {0}, run = {0};
    if (mode != WEIGHTS_INLINE) kernels_want(cx->kernels, "weights_check");
    weights_emit_c(cx, o, mode, &weights);
    emit_arena(cx, &arena);
    kernels_emit(cx->kernels, &kernels);
    buf_printf(&run, "TSNC_FLATTEN int %s_run(const float *input, float *output)\n{\n", o->name);
    weights_emit_run_prologue(cx, o, mode, &run);
    emit_locals(cx, &run);
    if (!cx->used[g->inputs[0]->id])
        buf_printf(&run, "    (void)input; /* the output does not depend on it */\n\n");
    if (cx->body.len) buf_append(&run, cx->body.data, cx->body.len);
    buf_printf(&run, "    return 0;\n}\n");

    const char *dir = target_name(o->target);
    bool own = kernels_use_dir(cx->kernels, dir) && o->target != TARGET_GENERIC;
    buf_printf(c, "/*\n * %s.c - %s_run(), generated by tsnc %s (target %s: %s).\n", o->name,
               o->name, TSNC_VERSION, dir, target_kernels_text(o->target));
    buf_printf(c, " * Input %s, output %s; %d nodes; arena %lld bytes.\n", tin, tout, g->n_nodes,
               (long long)cx->plan->arena_bytes);
    if (mode == WEIGHTS_EMBED)
        buf_printf(c, " * Self-contained: compile it with %s.h and %s_weights.S (%s.bin); it allocates\n"
                      " * nothing and does no I/O.\n", o->name, o->name, o->name);
    else if (mode == WEIGHTS_LOAD)
        buf_printf(c, " * Self-contained: compile it with %s.h; the weights come from %s_set_weights;\n"
                      " * it allocates nothing and does no I/O.\n", o->name, o->name);
    else
        buf_printf(c, " * Self-contained: compile it with %s.h; it allocates nothing and does no I/O.\n",
                   o->name);
    if (*target_cflags(o->target))
        buf_printf(c, " * Compile it with %s.\n", target_cflags(o->target));
    buf_printf(c, " */\n%s", target_guard(o->target));
    /* Before any header: the profiling hooks use POSIX clock_gettime, hidden by -std=c99. */
    buf_printf(c, "#if defined(TSNC_PROFILE) && !defined(_POSIX_C_SOURCE)\n"
                  "#define _POSIX_C_SOURCE 199309L\n"
                  "#endif\n");
    buf_printf(c, "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n");
    if (cx->needs_math || kernels_need_header(cx->kernels, "<math.h>"))
        buf_printf(c, "#include <math.h>\n");
    if (kernels_need_header(cx->kernels, "<float.h>")) buf_printf(c, "#include <float.h>\n");
    /* other headers the kernels need (a target's intrinsics), in library order */
    const char *needs[32];
    int n_needs = kernels_needs(cx->kernels, needs, 32);
    if (n_needs > 32) die("kernels need more than 32 headers");
    for (int i = 0; i < n_needs; i++)
        if (needs[i][0] == '<' && strcmp(needs[i], "<stddef.h>") && strcmp(needs[i], "<stdint.h>") &&
            strcmp(needs[i], "<string.h>") && strcmp(needs[i], "<math.h>") &&
            strcmp(needs[i], "<float.h>"))
            buf_printf(c, "#include %s\n", needs[i]);
    buf_printf(c, "\n#include \"%s.h\"\n\n", o->name);
    if (weights.len) buf_append(c, weights.data, weights.len);
    if (arena.len) buf_append(c, arena.data, arena.len);
    if (kernels.len) {
        /* avx512 runs avx2's kernels where it has none of its own; runtime/simd holds the
         * kernels written once over the target's vector vocabulary */
        bool from_avx2 = o->target == TARGET_AVX512 && kernels_use_dir(cx->kernels, "avx2");
        bool from_simd = kernels_use_dir(cx->kernels, "simd");
        buf_printf(c, "/* ---- kernels, copied from %s%s%s%s%sruntime/generic ---- */\n\n", own ? "runtime/" : "",
                   own ? dir : "", own ? " and " : "", from_avx2 ? "runtime/avx2 and " : "",
                   from_simd ? "runtime/simd and " : "");
        buf_append(c, kernels.data, kernels.len);
    }
    weights_emit_set(o, mode, c);
    emit_profile_support(cx, o->name, c);
    buf_printf(c, "/* ---- the network: one call per node, in order ---- */\n\n");
    /* Inlining every kernel call lets the compiler specialize each kernel for its node's
     * constant shapes (loop bounds, strides, table row sizes); docs/generated-api.md gives
     * the gain. Same arithmetic, so the same results. */
    buf_printf(c, "/* Each kernel call is inlined and specialized for its node's shapes (faster, larger\n"
                  " * code); -DTSNC_NO_FLATTEN keeps the calls. */\n"
                  "#if defined(__GNUC__) && !defined(__NO_INLINE__) && !defined(TSNC_NO_FLATTEN)\n"
                  "#define TSNC_FLATTEN __attribute__((flatten))\n"
                  "#else\n"
                  "#define TSNC_FLATTEN\n"
                  "#endif\n\n");
    buf_append(c, run.data, run.len);
    buf_free(&weights);
    buf_free(&arena);
    buf_free(&kernels);
    buf_free(&run);
}

static void io_line(Buf *h, const char *what, const Value *v) {
    char tb[256];
    buf_printf(h, " * %s %s (%lld floats, row-major ONNX element order)", what,
               type_str(&v->type, tb, sizeof tb), (long long)numel(v));
    if (v->name) {
        buf_printf(h, ", '");
        c_comment_text(h, v->name, false, 120);
        buf_printf(h, "'");
    }
    buf_printf(h, "\n");
}

/* The files to build and the command, for NAME.h's comment. */
static void build_line(Buf *h, const CodegenOptions *o, WeightsMode mode) {
    const char *flags = target_cflags(o->target);
    buf_printf(h, " *\n * Build (--weights=%s): cc -std=c99 -O2%s%s -I OUTDIR -c OUTDIR/%s.c", weights_mode_name(mode),
               *flags ? " " : "", flags, o->name);
    if (mode == WEIGHTS_EMBED) buf_printf(h, " \\\n *     OUTDIR/%s_weights.S (-I OUTDIR: .incbin finds %s.bin there)", o->name, o->name);
    buf_printf(h, "\n");
    if (mode == WEIGHTS_LOAD)
        buf_printf(h, " * and pass the bytes of OUTDIR/%s.bin to %s_set_weights before %s_run.\n", o->name,
                   o->name, o->name);
}

static void emit_h_file(const EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, Buf *h) {
    const Graph *g = cx->g;
    /* The name keeps its case: models named mlp and MLP get different guards
     * (upper-casing it made one program unable to include both headers). */
    char guard[NAME_MAX_LEN + 32];
    snprintf(guard, sizeof guard, "TSNC_%s_H_INCLUDED", o->name);
    bool libm = kernels_need_header(cx->kernels, "-lm");
    c_block_comment(h, o->banner);
    buf_printf(h, "/*\n * %s.h - C API of the network compiled by tsnc %s (target %s).\n *\n",
               o->name, TSNC_VERSION, target_name(o->target));
    io_line(h, "input: ", g->inputs[0]);
    io_line(h, "output:", g->outputs[0]);
    buf_printf(h,
               " *\n * Intermediates live in a static arena (%s_ARENA_BYTES bytes): %s_run is\n"
               " * not reentrant, one call at a time.%s\n",
               o->name, o->name, libm ? " Link with -lm." : "");
    int64_t table_bytes = 0; /* NAME_TABLE_BYTES: the lut layers' static tables and the gather layers' event lists */
    for (const Node *n = g->first; n; n = n->next) table_bytes += spike_lut_table_bytes(n) + spike_gather_list_bytes(n);
    if (table_bytes)
        buf_printf(h,
                   " * Lookup tables and event lists of the spike layers take %s_TABLE_BYTES bytes of\n"
                   " * static RAM more (tables built on the first call; --spike-impl events needs none).\n",
                   o->name);
    if (*target_cflags(o->target))
        buf_printf(h, " * Compile %s.c with %s.\n", o->name, target_cflags(o->target));
    else if (o->target == TARGET_NEON)
        buf_printf(h, " * Compile %s.c for AArch64 (NEON is part of it).\n", o->name);
    build_line(h, o, mode);
    buf_printf(h, " */\n");
    buf_printf(h, "#ifndef %s\n#define %s\n\n", guard, guard);
    buf_printf(h, "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    buf_printf(h, "#define %s_INPUT_SIZE %lld /* floats */\n", o->name,
               (long long)numel(g->inputs[0]));
    buf_printf(h, "#define %s_OUTPUT_SIZE %lld /* floats */\n", o->name,
               (long long)numel(g->outputs[0]));
    buf_printf(h, "#define %s_ARENA_BYTES %lld\n", o->name, (long long)cx->plan->arena_bytes);
    buf_printf(h, "#define %s_TABLE_BYTES %lld /* static lookup tables besides the arena */\n\n", o->name,
               (long long)table_bytes);
    if (mode == WEIGHTS_LOAD) buf_printf(h, "#include <stddef.h>\n\n");
    weights_emit_h(cx, o, mode, h);
    buf_printf(h,
               "/*\n * Runs the network on input[%s_INPUT_SIZE] and writes output[%s_OUTPUT_SIZE]\n"
               " * (the two must not overlap). Returns 0, 1 on a run-time error (an index\n"
               " * computed at run time out of range), or %s_ERR_WEIGHTS without valid weights.\n */\n",
               o->name, o->name, o->name);
    buf_printf(h, "int %s_run(const float *input, float *output);\n\n", o->name);
    buf_printf(h,
               "#ifdef TSNC_PROFILE\n"
               "/* Built with -DTSNC_PROFILE (and a POSIX clock_gettime): the wall time of each\n"
               " * node with code, in nanoseconds summed over calls, and its ONNX name and op. */\n"
               "#define %s_PROFILE_COUNT %d\n"
               "extern double %s_profile_ns[];\n"
               "extern const char *const %s_profile_names[];\n"
               "#endif\n\n",
               o->name, cx->n_profiled, o->name, o->name);
    buf_printf(h, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard);
}

void codegen_output_free(CodegenOutput *out) {
    buf_free(&out->c);
    buf_free(&out->h);
    buf_free(&out->bin);
    buf_free(&out->s);
}

int codegen(const Graph *g, const CodegenOptions *o, CodegenOutput *out, Diag *d) {
    memset(out, 0, sizeof *out);
    if (check_options(o, d) || check_graph(g, d)) return -1;
    MemPlan plan;
    if (plan_memory(g, PLAN_AUTO, &plan, d)) return -1;
#ifndef NDEBUG
    char why[256]; /* debug builds re-check the plan (quadratic: small graphs only) */
    if (g->n_values <= 4096 && plan_check(g, &plan, why, sizeof why))
        die("bad memory plan: %s", why);
#endif
    EmitCtx cx;
    if (cx_init(&cx, g, &plan, target_name(o->target), d)) {
        plan_free(&plan);
        return -1;
    }
    int errors = d->n_errors;
    emit_nodes(&cx);
    emit_output_copy(&cx);
    int rc = d->n_errors == errors ? 0 : -1;
    if (!rc) {
        WeightsMode mode = weights_resolve(o->weights, weights_payload_bytes(&cx.weights));
        weights_finish(&cx.weights);
        emit_c_file(&cx, o, mode, &out->c);
        emit_h_file(&cx, o, mode, &out->h);
        if (mode == WEIGHTS_EMBED) weights_emit_asm(&cx, o, &out->s);
        if (mode != WEIGHTS_INLINE) { /* the image moves to out: no copy */
            out->bin = cx.weights.image;
            cx.weights.image = (Buf){0};
        }
        out->weights = mode;
    }
    cx_free(&cx);
    plan_free(&plan);
    return rc;
}

int codegen_c(const Graph *g, const CodegenOptions *o, Buf *c_src, Buf *h_src, Diag *d) {
    if (o && o->weights != WEIGHTS_AUTO && o->weights != WEIGHTS_INLINE) {
        diag_error(d, NULL, "codegen_c writes inline weights only; use codegen for --weights=%s",
                   weights_mode_name(o->weights));
        return -1;
    }
    CodegenOptions io = o ? *o : (CodegenOptions){0};
    io.weights = WEIGHTS_INLINE;
    CodegenOutput out;
    int rc = codegen(g, o ? &io : NULL, &out, d);
    if (!rc) {
        *c_src = out.c;
        *h_src = out.h;
        out.c = out.h = (Buf){0};
    }
    codegen_output_free(&out);
    return rc;
}
