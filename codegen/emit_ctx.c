/*
 * emit_ctx.c - the helpers op emitters write through (emit_ops.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/emit_ctx.h"

/* Identifiers: w_ for weights (static data), t_ for tensors (locals). */
#define IDENT_MAX 48

int cx_init(EmitCtx *cx, const Graph *g, const MemPlan *plan, const char *kernel_dir, Diag *d) {
    memset(cx, 0, sizeof *cx);
    cx->g = g;
    cx->plan = plan;
    cx->d = d;
    cx->kernels = kernels_load(kernel_dir, d);
    if (!cx->kernels) return -1;
    cx->arena = arena_new();
    cx->names = nameset_new();
    cx->cname = calloc((size_t)g->n_values + 1, sizeof *cx->cname);
    cx->used = calloc((size_t)g->n_values + 1, sizeof *cx->used);
    cx->used_fn = calloc((size_t)g->n_values + 1, sizeof *cx->used_fn);
    cx->in_expr = calloc((size_t)g->n_inputs + 1, sizeof *cx->in_expr);
    cx->out_expr = calloc((size_t)g->n_outputs + 1, sizeof *cx->out_expr);
    cx->weight_of = malloc(((size_t)g->n_values + 1) * sizeof *cx->weight_of);
    if (!cx->cname || !cx->used || !cx->used_fn || !cx->in_expr || !cx->out_expr || !cx->weight_of)
        die("out of memory");
    for (int v = 0; v < g->n_values; v++) cx->weight_of[v] = -1;
    weights_init(&cx->weights);
    static const char *const reserved[] = {"input", "output", "tsnc_arena", CX_STATE, "x_t", "y_t"};
    for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
        nameset_reserve(cx->names, reserved[i]);
    for (int v = 0; v < g->n_values; v++) {
        const ValueLoc *l = &plan->loc[v];
        if (l->kind == LOC_NONE) continue;
        const Value *val = g->values[v];
        char id[IDENT_MAX], base[IR_MAX_NAME];
        bool weight = l->kind == LOC_CONST && l->root == val;
        /* "/lif1/Mul_output_0" reads better as t_lif1_Mul */
        snprintf(base, sizeof base, "%s", val->name ? val->name : "");
        size_t len = strlen(base), sl = strlen("_output_0");
        if (len > sl && !strcmp(base + len - sl, "_output_0")) base[len - sl] = 0;
        c_identifier(id, sizeof id, weight ? "w_" : "t_", base, val->id);
        cx->cname[v] = nameset_unique(cx->names, id);
    }
    return 0;
}

void cx_free(EmitCtx *cx) {
    kernels_free(cx->kernels);
    arena_free(cx->arena);
    nameset_free(cx->names);
    free(cx->cname);
    free(cx->used);
    weights_free(&cx->weights);
    free(cx->weight_of);
    free(cx->used_fn);
    free(cx->in_expr);
    free(cx->out_expr);
    free(cx->luts);
    free(cx->profiled);
    buf_free(&cx->body);
    memset(cx, 0, sizeof *cx);
}

const Graph *cx_graph(const EmitCtx *cx) {
    return cx->g;
}

const MemPlan *cx_plan(const EmitCtx *cx) {
    return cx->plan;
}

int cx_vector_floats(const EmitCtx *cx) {
    return cx->vector_floats > 0 ? cx->vector_floats : 1;
}

int cx_error(EmitCtx *cx, const Node *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_verror(cx->d, n, fmt, ap);
    va_end(ap);
    return -1;
}

void cx_printf(EmitCtx *cx, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) die("bad format");
    if ((size_t)n < sizeof small) {
        buf_append(&cx->body, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) die("out of memory");
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_append(&cx->body, big, (size_t)n);
    free(big);
}

char *cx_str(EmitCtx *cx, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) die("bad format");
    char *s = arena_alloc(cx->arena, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

const Tensor *cx_konst(const Value *v) {
    return v->konst && (!v->def || plan_node_folded(v->def)) ? v->konst : NULL;
}

bool cx_needs_local(const EmitCtx *cx, const Value *v) {
    const ValueLoc *l = &cx->plan->loc[v->id];
    switch (l->kind) {
    case LOC_ARENA: return true;
    case LOC_INPUT:
    case LOC_CONST:
    case LOC_OUTPUT: return l->offset != 0;
    default: return false;
    }
}

/* The parameter (or state expression) bound to the graph input or output l refers to. */
const char *cx_io_expr(const EmitCtx *cx, const ValueLoc *l, const Value *v) {
    const char *e = l->kind == LOC_INPUT ? cx->in_expr[l->io] : cx->out_expr[l->io];
    if (!e) die("cx_ref: value %d is bound to no parameter of this function", v->id);
    return e;
}

const char *cx_lut_table(EmitCtx *cx, const char *key, int64_t count, const char *build) {
    int i = 0;
    while (i < cx->n_luts && strcmp(cx->luts[i].key, key)) i++;
    if (i == cx->n_luts) {
        LutTable *nl = realloc(cx->luts, (size_t)(cx->n_luts + 1) * sizeof *nl);
        if (!nl) die("out of memory");
        cx->luts = nl;
        cx->luts[i] = (LutTable){.key = key, .build = build ? cx_str(cx, "%s", build) : NULL,
                                 .offset = cx->state_bytes, .count = count};
        cx->state_bytes += (count * 4 + 63) & ~(int64_t)63;
        cx->n_luts++;
    }
    return cx_str(cx, "(%s->u.f32 + %lld)", CX_STATE, (long long)(cx->luts[i].offset / 4));
}

const char *cx_ref(EmitCtx *cx, const Value *v) {
    const ValueLoc *l = &cx->plan->loc[v->id];
    if (numel(v) == 0) return "0";
    if (l->kind == LOC_NONE) die("cx_ref: value %d has no storage", v->id);
    cx->used[v->id] = cx->used_fn[v->id] = true;
    /* a view of the input or of a constant reads its root's name */
    if (l->kind == LOC_INPUT || l->kind == LOC_CONST) cx->used[l->root->id] = cx->used_fn[l->root->id] = true;
    if (l->kind == LOC_CONST) cx_const_root(cx, l->root);
    if (cx_needs_local(cx, v)) return cx->cname[v->id];
    switch (l->kind) {
    case LOC_INPUT: return cx_io_expr(cx, l, v);
    case LOC_OUTPUT: return cx_io_expr(cx, l, v);
    case LOC_CONST: return cx_const_root(cx, l->root);
    default: return cx->cname[l->root->id];
    }
}

/*
 * Every constant array of the generated program comes through here (graph
 * constants from cx_const_root, compile-time arrays from cx_derived), so
 * that each is stored once and every --weights mode covers it. Returns the
 * array holding the data; a new one has no name yet.
 */
static WeightArray *weight_array(EmitCtx *cx, DType dt, const void *data, int64_t count) {
    int i = weights_add(&cx->weights, dt, data, count); /* may move weights.a */
    return &cx->weights.a[i];
}

const char *cx_const_root(EmitCtx *cx, const Value *root) {
    int *w = &cx->weight_of[root->id];
    if (*w < 0) {
        const Tensor *t = cx_konst(root);
        if (!t) die("cx_const_root: value %d has no constant data", root->id);
        WeightArray *a = weight_array(cx, t->type.dtype, t->data, numel(root));
        if (!a->name) {
            Buf b = {0};
            buf_printf(&b, "'");
            c_comment_text(&b, root->name ? root->name : "", false, 160);
            char tb[256];
            buf_printf(&b, "' %s", type_str(&root->type, tb, sizeof tb));
            a->name = cx->cname[root->id];
            a->comment = cx_str(cx, "%s", b.data);
            buf_free(&b);
        }
        *w = (int)(a - cx->weights.a);
    }
    return cx->weights.a[*w].name;
}

void cx_kernel(EmitCtx *cx, const char *name) {
    kernels_want(cx->kernels, name);
}

const char *cx_f32(EmitCtx *cx, float v) {
    char buf[C_LITERAL_MAX];
    return cx_str(cx, "%s", c_f32_literal(buf, v, &cx->needs_math));
}

static const char *int_list(EmitCtx *cx, const char *type, int n, const int64_t *v) {
    Buf b = {0};
    if (type) buf_printf(&b, "(const %s[])", type);
    buf_printf(&b, "{");
    for (int i = 0; i < n; i++) buf_printf(&b, "%s%lld", i ? ", " : "", (long long)v[i]);
    buf_printf(&b, "}");
    char *s = cx_str(cx, "%s", b.data);
    buf_free(&b);
    return s;
}

const char *cx_longs(EmitCtx *cx, int n, const int64_t *v) {
    return int_list(cx, "long", n, v);
}

const char *cx_init_list(EmitCtx *cx, int n, const int64_t *v) {
    return int_list(cx, NULL, n, v);
}

const char *cx_sizes(EmitCtx *cx, int n, const int64_t *v) {
    return int_list(cx, "size_t", n, v);
}

const char *cx_derived(EmitCtx *cx, const Node *n, const char *what, DType dt, const void *data,
                       int64_t count) {
    WeightArray *w = weight_array(cx, dt, data, count);
    if (!w->name) { /* a new array: named after its node and role */
        char base[IDENT_MAX], id[IDENT_MAX + 32];
        c_identifier(base, sizeof base - 16, "w_", n->name, n->id);
        snprintf(id, sizeof id, "%s_%s", base, what);
        w->name = nameset_unique(cx->names, id);
        w->comment = cx_str(cx, "%s of node '%.200s' (%s)", what, n->name ? n->name : "", op_info(n->op)->name);
    }
    return w->name;
}

const char *cx_derived_f32(EmitCtx *cx, const Node *n, const char *what, const float *data,
                           int64_t count) {
    return cx_derived(cx, n, what, DT_F32, data, count);
}

const char *c_elem_type(DType dt) {
    switch (dt) {
    case DT_F32: return "float";
    case DT_F64: return "double";
    case DT_I8: return "signed char";
    case DT_U8:
    case DT_BOOL: return "unsigned char";
    case DT_I16: return "int16_t";
    case DT_I32: return "int32_t";
    case DT_I64: return "int64_t";
    default: die("c_elem_type: dtype %d", (int)dt);
    }
}

const char *arena_member(DType dt) {
    switch (dt) {
    case DT_F32: return "f32";
    case DT_F64: return "f64";
    case DT_I8: return "i8";
    case DT_U8:
    case DT_BOOL: return "u8";
    case DT_I16: return "i16";
    case DT_I32: return "i32";
    case DT_I64: return "i64";
    default: die("arena_member: dtype %d", (int)dt);
    }
}
