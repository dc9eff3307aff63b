/*
 * emit_c.c - codegen_c: lays out NAME.c and NAME.h (docs/generated-api.md).
 *
 * NAME.c, top to bottom: the banner, the target's guard (an #error unless
 * compiled for the target's instruction set), includes, the weight table
 * and the weights as the --weights mode has them (emit_weights.c), the
 * kernels copied from runtime/ (only those called; runtime/TARGET/ variants
 * over runtime/generic/ ones, see kernel_lib.h), the state functions
 * (emit_api.c), and NAME_infer / NAME_step: one pointer per weight array
 * they read, local pointers into the state, then one commented call per
 * node. Everything is emitted
 * in node / value-id order, so that two runs give identical bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_api.h"
#include "codegen/emit_ctx.h"

/* Longest --name accepted (identifiers derived from it stay readable). */
#define NAME_MAX_LEN 64
/* Operand types listed in a node comment before "...". */
#define COMMENT_MAX_OPERANDS 6
/* Most graph nodes for which NAME_infer and NAME_step get __attribute__((flatten)).
 * Flattening pays on small networks, whose calls do little work each; on paper-scale
 * ones (hundreds of nodes) the layers' loops dominate, while gcc's time and memory
 * for one function holding every inlined kernel grow faster than its size
 * (docs/performance.md has both measurements). */
#define FLATTEN_MAX_NODES 150
#define REMARK_MAX_CHARS 400 /* a remark longer than this is clipped ("...") */

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

/* NAME_INPUTi_SIZE / NAME_OUTPUTi_SIZE size the caller's arrays, and an array
 * of 0 elements is not ISO C; a tensor without elements also leaves NAME_infer
 * with nothing to read or write (an unused parameter under -Wextra). */
static void check_not_empty(const Value *v, const char *what, Diag *d) {
    char tb[256];
    if (type_known(&v->type) && numel(v) == 0)
        diag_error(d, NULL,
                   "the graph %s '%.200s' of type %s has no elements; the generated C API "
                   "needs at least one",
                   what, v->name ? v->name : "", type_str(&v->type, tb, sizeof tb));
}

/* Element types a parameter of the API may have (docs/generated-api.md). */
static bool api_dtype(DType t) {
    switch (t) {
    case DT_F32: case DT_F64: case DT_I64: case DT_I32: case DT_I16: case DT_I8: case DT_U8: case DT_BOOL:
        return true;
    default:
        return false;
    }
}

static void check_io(const Value *v, const char *what, Diag *d) {
    if (!api_dtype(v->type.dtype) || !type_known(&v->type) ||
        (cx_konst(v) && !type_eq(&cx_konst(v)->type, &v->type)))
        diag_error(d, NULL,
                   "the graph %s '%.200s' must be a tensor of static shape of type float32, float64, "
                   "int64, int32, int16, int8, uint8 or bool",
                   what, v->name ? v->name : "");
    check_not_empty(v, what, d);
}

/* The API takes one pointer per graph input and output; every operand has a static type. */
static int check_graph(const Graph *g, Diag *d) {
    int errors = d->n_errors;
    if (g->n_inputs < 1) diag_error(d, NULL, "the generated C API needs at least one input tensor; the graph has none");
    if (g->n_outputs < 1) diag_error(d, NULL, "the generated C API needs at least one output tensor; the graph has none");
    if (d->n_errors != errors) return -1;
    for (int i = 0; i < g->n_inputs; i++) check_io(g->inputs[i], "input", d);
    for (int i = 0; i < g->n_outputs; i++) check_io(g->outputs[i], "output", d);
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

/* Why the passes chose this node's implementation (Node.remark: lower-spikes,
 * choose-kernels, ...), as the comment line above its call. */
static void remark_comment(EmitCtx *cx, const Node *n) {
    if (!n->remark || !n->remark[0]) return;
    Buf b = {0};
    c_comment_text(&b, n->remark, false, REMARK_MAX_CHARS);
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

/* The nodes from `first` up to (not including) `stop`: one function's body. Only
 * NAME_infer's nodes are timed (profile): the TSNC_PROFILE slots are its nodes. */
static void emit_nodes(EmitCtx *cx, const Node *first, const Node *stop, bool profile) {
    for (const Node *n = first; n && n != stop; n = n->next) {
        const OpEmitter *e = op_emitter(n->op);
        if (plan_node_folded(n)) {
            node_comment(cx, n, "folded to a constant, no code");
        } else if (all_outputs(n, plan_is_view)) {
            node_comment(cx, n, "a view of its input, no code");
        } else if (all_outputs(n, output_empty)) {
            node_comment(cx, n, "empty output, no code");
        } else {
            node_comment(cx, n, NULL);
            remark_comment(cx, n);
            if (!profile) {
                e->emit(cx, n);
                continue;
            }
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

/* Outputs [from, to) are copied when not computed in place in their caller's buffer. */
static void emit_output_copies(EmitCtx *cx, int from, int to) {
    for (int i = from; i < to; i++) {
        const Value *out = cx->g->outputs[i];
        const ValueLoc *l = &cx->plan->loc[out->id];
        if ((l->kind == LOC_OUTPUT && l->io == i && l->offset == 0) || numel(out) == 0) continue;
        const char *what = l->kind == LOC_INPUT    ? "an input"
                           : l->kind == LOC_CONST  ? "a constant"
                           : l->kind == LOC_OUTPUT ? "in another output's buffer"
                                                   : "part of a larger intermediate";
        cx_printf(cx, "    /* the output is %s: copy it */\n", what);
        const char *src = cx_ref(cx, out);
        cx_printf(cx, "    memcpy(%s, %s, %lld);\n", cx->out_expr[i], src,
                  (long long)(numel(out) * (int64_t)dtype_size(out->type.dtype)));
    }
}

static void type_text(Buf *b, const Type *t) {
    char tb[256];
    buf_printf(b, "%s", type_str(t, tb, sizeof tb));
}

/* Local pointers for arena tensors and views at an offset, in value order. */
static void emit_locals(EmitCtx *cx, Buf *c) {
    bool any = false;
    for (int v = 0; v < cx->g->n_values; v++) {
        const Value *val = cx->g->values[v];
        if (!cx->used_fn[v] || !cx_needs_local(cx, val)) continue;
        const ValueLoc *l = &cx->plan->loc[v];
        const char *ty = c_elem_type(val->type.dtype);
        int64_t elem = (int64_t)dtype_size(val->type.dtype);
        bool ro = l->kind == LOC_INPUT || l->kind == LOC_CONST;
        buf_printf(c, "    %s%s *const %s = ", ro ? "const " : "", ty, cx->cname[v]);
        switch (l->kind) {
        case LOC_ARENA:
            buf_printf(c, "%s->u.%s + %lld;", CX_STATE, arena_member(val->type.dtype),
                       (long long)(l->offset / elem));
            break;
        case LOC_INPUT:
        case LOC_OUTPUT:
            buf_printf(c, "%s + %lld;", cx_io_expr(cx, l, val), (long long)(l->offset / elem));
            break;
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

/* Whether NAME_infer and NAME_step are flattened (FLATTEN_MAX_NODES). */
static bool flattened(const Graph *g) {
    return g->n_nodes <= FLATTEN_MAX_NODES;
}

/*
 * One function of the API (NAME_infer, or NAME_step when step): its
 * signature, local pointers, the body emitted into cx->body, the output
 * copies, appended to fn. Resets cx->body and cx->used_fn for the next one.
 */
static void emit_function(EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const ApiLayout *a, bool step,
                          Buf *fn) {
    Buf locals = {0}, code = {0};
    emit_locals(cx, &locals);
    if (flattened(cx->g)) buf_printf(fn, "TSNC_FLATTEN ");
    api_signature(fn, cx, o->name, a, step);
    buf_printf(fn, "\n{\n");
    /* the weight pointers this function reads (its locals may point into them) */
    if (locals.len) buf_append(&code, locals.data, locals.len);
    if (cx->body.len) buf_append(&code, cx->body.data, cx->body.len);
    weights_emit_run_prologue(cx, o, mode, code.data ? code.data : "", fn);
    buf_free(&code);
    if (locals.len) buf_append(fn, locals.data, locals.len);
    bool uses_state = (locals.data && strstr(locals.data, CX_STATE "->")) ||
                      (cx->body.data && strstr(cx->body.data, CX_STATE "->"));
    if (!uses_state) buf_printf(fn, "    (void)%s; /* no intermediates */\n", CX_STATE);
    int in0 = step ? a->step->in0 : 0;
    for (int i = 0; i < a->n_in; i++) {
        const Value *x = cx->g->inputs[in0 + i];
        if (!cx->used_fn[x->id])
            buf_printf(fn, "    (void)%s; /* the outputs do not depend on it */\n", cx->in_expr[in0 + i]);
    }
    if (cx->body.len) buf_append(fn, cx->body.data, cx->body.len);
    buf_printf(fn, "    return 0;\n}\n\n");
    buf_free(&locals);
    buf_free(&cx->body);
    memset(cx->used_fn, 0, (size_t)cx->g->n_values * sizeof *cx->used_fn);
}

static void emit_c_file(EmitCtx *cx, const CodegenOptions *o, WeightsMode mode, const ApiLayout *a, const Buf *fns,
                        Buf *c) {
    const Graph *g = cx->g;
    char tin[256], tout[256];
    type_str(&g->inputs[0]->type, tin, sizeof tin);
    type_str(&g->outputs[0]->type, tout, sizeof tout);
    c_block_comment(c, o->banner);

    /* weights and the bodies are built first: they decide what to include */
    Buf weights = {0}, kernels = {0};
    if (mode != WEIGHTS_INLINE) kernels_want(cx->kernels, "weights_check");
    weights_emit_c(cx, o, mode, &weights);
    kernels_emit(cx->kernels, &kernels);

    const char *dir = target_name(o->target);
    bool own = kernels_use_dir(cx->kernels, dir) && o->target != TARGET_GENERIC;
    buf_printf(c, "/*\n * %s.c - %s_infer()%s%s%s, generated by tsnc %s (target %s: %s).\n", o->name,
               o->name, a->step ? " and " : "", a->step ? o->name : "", a->step ? "_step()" : "", TSNC_VERSION,
               dir, target_kernels_text(o->target));
    buf_printf(c, " * Input %s, output %s; %d nodes; state %lld bytes.\n", tin, tout, g->n_nodes,
               (long long)cx->state_bytes);
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
    /* The vector kernels pick a block of 8, 4, 2 or 1 vectors of output channels by the
     * channels left; on a layer narrower than a block, gcc's -Warray-bounds (under
     * -fsanitize in particular) follows the wider branches into the small constant arrays it
     * sees after inlining, although they never run there. Their bounds are what the ASan and
     * UBSan builds of the tests check. */
    if (o->target != TARGET_GENERIC)
        buf_printf(c, "#if defined(__GNUC__) && !defined(__clang__)\n"
                      "#pragma GCC diagnostic ignored \"-Warray-bounds\"\n"
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
    buf_printf(c, "/* ---- the state: intermediates (%lld bytes, reused once their last reader has run;\n"
                  " * %lld without reuse), membranes, lookup tables ---- */\n\n",
               (long long)cx->plan->arena_bytes, (long long)cx->plan->naive_bytes);
    api_emit_state_functions(c, cx, o, mode, a);
    buf_printf(c, "\n/* ---- the network: one call per node, in order ---- */\n\n");
    /* Inlining every kernel call lets the compiler specialize each kernel for its node's
     * constant shapes (loop bounds, strides, table row sizes); docs/generated-api.md gives
     * the gain. Same arithmetic, so the same results. */
    if (flattened(g))
        buf_printf(c, "/* Each kernel call is inlined and specialized for its node's shapes (faster, larger\n"
                      " * code); -DTSNC_NO_FLATTEN keeps the calls. */\n"
                      "#if defined(__GNUC__) && !defined(__NO_INLINE__) && !defined(TSNC_NO_FLATTEN)\n"
                      "#define TSNC_FLATTEN __attribute__((flatten))\n"
                      "#else\n"
                      "#define TSNC_FLATTEN\n"
                      "#endif\n\n");
    else
        buf_printf(c, "/* The kernel calls stay calls: with %d nodes (more than %d), inlining them all\n"
                      " * would cost the compiler far more time and memory than it saves at run time. */\n\n",
                   g->n_nodes, FLATTEN_MAX_NODES);
    buf_append(c, fns->data, fns->len);
    buf_free(&weights);
    buf_free(&kernels);
}

/* Membranes after the arena, tables after the membranes, each 64-byte aligned. */
static void layout_state(EmitCtx *cx, ApiLayout *a) {
    const Graph *g = cx->g;
    int64_t at = cx->plan->arena_bytes;
    a->membrane_offset = at;
    int n = a->step ? a->step->n_membranes : 0;
    a->membrane_at = calloc((size_t)n + 1, sizeof *a->membrane_at);
    if (!a->membrane_at) die("out of memory");
    for (int k = 0; k < n; k++) {
        const Value *m = g->inputs[a->step->in0 + a->step->n_in + k];
        a->membrane_at[k] = at;
        at += (numel(m) * 4 + 63) & ~(int64_t)63;
    }
    a->membrane_bytes = at - a->membrane_offset;
    a->table_offset = at;
    cx->state_bytes = at;
}

/* Plans memory and emits both files; with sg, NAME_step too. */
static int generate(Graph *g, const CodegenOptions *o, const StepGraph *sg, const char *note,
                    CodegenOutput *out, Diag *d) {
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
    cx.vector_floats = target_vector_floats(o->target);
    ApiLayout a = {.step = sg, .step_note = note, .n_in = sg ? sg->in0 : g->n_inputs,
                   .n_out = sg ? sg->out0 : g->n_outputs};
    layout_state(&cx, &a);
    int errors = d->n_errors;
    Buf fns = {0};
    api_bind(&cx, &a, false);
    emit_nodes(&cx, g->first, sg ? sg->first : NULL, true);
    emit_output_copies(&cx, 0, a.n_out);
    /* the functions are emitted once every weight array is known: the mode depends on their size */
    Buf infer_body = {0}, step_body = {0};
    bool *infer_used = calloc((size_t)g->n_values + 1, sizeof *infer_used);
    if (!infer_used) die("out of memory");
    infer_body = cx.body;
    cx.body = (Buf){0};
    memcpy(infer_used, cx.used_fn, (size_t)g->n_values * sizeof *infer_used);
    memset(cx.used_fn, 0, (size_t)g->n_values * sizeof *cx.used_fn);
    if (sg) {
        api_bind(&cx, &a, true);
        emit_nodes(&cx, sg->first, NULL, false);
        emit_output_copies(&cx, sg->out0, g->n_outputs);
        step_body = cx.body;
        cx.body = (Buf){0};
    }
    int rc = d->n_errors == errors ? 0 : -1;
    if (!rc) {
        WeightsMode mode = weights_resolve(o->weights, weights_payload_bytes(&cx.weights));
        weights_finish(&cx.weights);
        bool *step_used = cx.used_fn; /* cx_free frees it */
        cx.used_fn = infer_used;
        api_bind(&cx, &a, false);
        cx.body = infer_body;
        infer_body = (Buf){0};
        emit_function(&cx, o, mode, &a, false, &fns);
        cx.used_fn = step_used;
        free(infer_used);
        if (sg) {
            api_bind(&cx, &a, true);
            cx.body = step_body;
            step_body = (Buf){0};
            emit_function(&cx, o, mode, &a, true, &fns);
        }
        emit_c_file(&cx, o, mode, &a, &fns, &out->c);
        api_emit_header(&out->h, &cx, o, mode, &a);
        if (mode == WEIGHTS_EMBED) weights_emit_asm(&cx, o, &out->s);
        if (mode != WEIGHTS_INLINE) { /* the image moves to out: no copy */
            out->bin = cx.weights.image;
            cx.weights.image = (Buf){0};
        }
        out->weights = mode;
    } else {
        free(infer_used);
    }
    buf_free(&infer_body);
    buf_free(&step_body);
    buf_free(&fns);
    free(a.membrane_at);
    cx_free(&cx);
    plan_free(&plan);
    return rc;
}

void codegen_output_free(CodegenOutput *out) {
    buf_free(&out->c);
    buf_free(&out->h);
    buf_free(&out->bin);
    buf_free(&out->s);
}

int codegen(Graph *g, const CodegenOptions *o, CodegenOutput *out, Diag *d) {
    memset(out, 0, sizeof *out);
    if (check_options(o, d) || check_graph(g, d)) return -1;
    StepGraph sg;
    char why[300] = "";
    bool step = !o->no_step && step_graph_build(g, &sg, why, sizeof why) == 0;
    if (o->no_step) snprintf(why, sizeof why, "not requested (--no-step)");
    if (o->step_note) snprintf(o->step_note, o->step_note_size, "%s", step ? "" : why);
    if (!step) return generate(g, o, NULL, why, out, d);
    Diag sd = {.file = d->file};
    int rc = generate(g, o, &sg, NULL, out, &sd);
    if (rc) {
        /* the step function failed where the model did not: drop it, with the reason */
        step_graph_remove(g, &sg);
        snprintf(why, sizeof why, "its code could not be generated (%.250s)", sd.n_kept ? sd.msgs[0] : "?");
        if (o->step_note) snprintf(o->step_note, o->step_note_size, "%s", why);
        codegen_output_free(out);
        memset(out, 0, sizeof *out);
        diag_free(&sd);
        return generate(g, o, NULL, why, out, d);
    }
    diag_free(&sd);
    return 0;
}

int codegen_c(Graph *g, const CodegenOptions *o, Buf *c_src, Buf *h_src, Diag *d) {
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
