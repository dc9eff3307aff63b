/*
 * print.c - the textual form of the IR (grammar in docs/ir.md).
 *
 *   graph @fmnist_cnn_t4 opset 13 {
 *     %input = input : f32[1,1,28,28]
 *     %fc.weight = const : f32[10,3136] = dense<elided 31360>
 *     %0 = Conv(%input, %w, %b) {pads = [1, 1, 1, 1]} : f32[4,16,28,28] loc("/convs.0/Conv")
 *     return %logits
 *   }
 *
 * Value names are deterministic: inputs, outputs and named constants keep
 * their source names; other constants are %cN and node results %N, numbered
 * in order of appearance. Floats print with 9 significant digits, which
 * round-trips float32 exactly, so print(parse(print(g))) == print(g).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir.h"
#include "ir/print_names.h"

/* True if s can be printed without quotes after '%' or '@'. */
static bool is_bare_name(const char *s) {
    if (!*s) return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.') return false;
    return true;
}

void print_quoted(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void print_float(FILE *f, double v) {
    if (isnan(v)) {
        fputs("nan", f);
        return;
    }
    if (isinf(v)) {
        fputs(v < 0 ? "-inf" : "inf", f);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", v);
    fputs(buf, f);
    /* Keep floats distinguishable from integers in attribute lists. */
    if (!strpbrk(buf, ".eE")) fputs(".0", f);
}

/* ---- naming ---- */

static bool name_taken(const char **names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], s) == 0) return true;
    return false;
}

PrintNames *print_names_build(const Graph *g) {
    PrintNames *pn = calloc(1, sizeof *pn);
    if (!pn) die("out of memory");
    pn->arena = arena_new();
    pn->n = g->n_values;
    pn->name = arena_alloc(pn->arena, (size_t)(g->n_values + 1) * sizeof *pn->name);
    pn->used = arena_alloc(pn->arena, (size_t)(g->n_values + 1) * sizeof *pn->used);
    /* Which values appear: reachable through nodes or outputs. */
    for (int i = 0; i < g->n_inputs; i++) pn->used[g->inputs[i]->id] = true;
    for (const Node *n = g->first; n; n = n->next) {
        for (int i = 0; i < n->n_in; i++)
            if (n->in[i]) pn->used[n->in[i]->id] = true;
        for (int i = 0; i < n->n_out; i++) pn->used[n->out[i]->id] = true;
    }
    for (int i = 0; i < g->n_outputs; i++) pn->used[g->outputs[i]->id] = true;

    /*
     * Source names first (inputs, outputs, constants), then numbers. A
     * linear scan for collisions is fine: only named values are checked.
     */
    const char **taken = arena_alloc(pn->arena, (size_t)(g->n_values + 1) * sizeof *taken);
    int n_taken = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < g->n_values; i++) {
            const Value *v = g->values[i];
            if (!pn->used[v->id] || pn->name[v->id]) continue;
            bool keep = v->is_input || graph_is_output(g, v) || (v->konst && !v->def);
            if (!keep || !v->name || !v->name[0]) continue;
            /* Inputs and outputs claim their names before constants do. */
            if (pass == 0 && !(v->is_input || graph_is_output(g, v))) continue;
            /* Clip long names; a leading digit would read as a numbered value. */
            const char *nm = arena_printf(pn->arena, "%s%.200s",
                                          isdigit((unsigned char)v->name[0]) ? "v" : "", v->name);
            char *cand = arena_strdup(pn->arena, nm);
            for (int k = 1; name_taken(taken, n_taken, cand); k++)
                cand = arena_printf(pn->arena, "%s.%d", nm, k);
            pn->name[v->id] = cand;
            taken[n_taken++] = cand;
        }
    }
    int next_c = 0, next_v = 0;
    for (int i = 0; i < g->n_values; i++) {
        const Value *v = g->values[i];
        if (!pn->used[v->id] || pn->name[v->id] || v->def) continue;
        char *cand;
        do cand = arena_printf(pn->arena, "c%d", next_c++);
        while (name_taken(taken, n_taken, cand));
        pn->name[v->id] = cand;
    }
    for (const Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_out; i++) {
            const Value *v = n->out[i];
            if (pn->name[v->id]) continue;
            pn->name[v->id] = arena_printf(pn->arena, "%d", next_v++);
        }
    return pn;
}

void print_names_free(PrintNames *pn) {
    if (!pn) return;
    arena_free(pn->arena);
    free(pn);
}

void print_value_name(FILE *f, const PrintNames *pn, const Value *v) {
    if (!v) {
        fputs("none", f);
        return;
    }
    const char *s = v->id < pn->n ? pn->name[v->id] : NULL;
    fputc('%', f);
    if (!s)
        fprintf(f, "\"?%d\"", v->id);
    else if (is_bare_name(s))
        fputs(s, f);
    else
        print_quoted(f, s);
}

/* ---- types and value sets ---- */

char *type_str(const Type *t, char *buf, size_t n) {
    char sh[16 * (IR_MAX_RANK + 1)];
    snprintf(buf, n, "%s%s", dtype_name(t->dtype), shape_str(&t->shape, sh, sizeof sh));
    return buf;
}

static void print_amp(FILE *f, const Amp *a, int64_t elide_above) {
    if (a->n == 0) return;
    fputs("alpha=", f);
    if (a->n == 1) {
        print_float(f, a->v[0]);
        return;
    }
    fputc('[', f);
    if (elide_above >= 0 && a->n > elide_above) {
        fprintf(f, "elided %lld", (long long)a->n);
    } else {
        for (int64_t i = 0; i < a->n; i++) {
            if (i) fputs(", ", f);
            print_float(f, a->v[i]);
        }
    }
    fprintf(f, "], inner=%lld", (long long)a->inner);
}

void print_value_set(FILE *f, const ValueSet *vs, int64_t elide_above) {
    if (vs->n_levels == 0) return;
    static const float ternary[] = {-1, 0, 1}, binary[] = {0, 1};
    bool is_t = vs->n_levels == 3 && memcmp(vs->levels, ternary, sizeof ternary) == 0;
    bool is_b = vs->n_levels == 2 && memcmp(vs->levels, binary, sizeof binary) == 0;
    if (is_t)
        fputs(" ternary(", f);
    else if (is_b)
        fputs(" binary(", f);
    else {
        fputs(" levels(", f);
        for (int i = 0; i < vs->n_levels; i++) {
            if (i) fputs(", ", f);
            print_float(f, vs->levels[i]);
        }
        if (vs->amp.n) fputs("; ", f);
    }
    print_amp(f, &vs->amp, elide_above);
    fputc(')', f);
}

void print_type(FILE *f, const Value *v, int64_t elide_above) {
    char buf[256];
    fputs(type_str(&v->type, buf, sizeof buf), f);
    const Layout *l = &v->layout;
    if (l->channels_last) {
        const Shape *s = &v->type.shape;
        bool trailing = s->rank >= 3 && s->dim[s->rank - 3] == l->c && s->dim[s->rank - 2] == l->h &&
                        s->dim[s->rank - 1] == l->w;
        if (trailing)
            fputs(" nhwc", f);
        else
            fprintf(f, " nhwc(%lld,%lld,%lld)", (long long)l->c, (long long)l->h, (long long)l->w);
    }
    /* A constant's values are printed in full or elided; its set adds nothing. */
    if (v->def || v->is_input) print_value_set(f, &v->vs, elide_above);
}

/* ---- constants and attributes ---- */

static void print_tensor_data(FILE *f, const Tensor *t, int64_t elide_above) {
    int64_t n = tensor_numel(t);
    if (elide_above >= 0 && n > elide_above) {
        fprintf(f, "dense<elided %lld>", (long long)n);
        return;
    }
    fputs("dense<[", f);
    for (int64_t i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        if (dtype_is_float(t->type.dtype))
            print_float(f, tensor_get_f64(t, i));
        else
            fprintf(f, "%lld", (long long)tensor_get_i64(t, i));
    }
    fputs("]>", f);
}

static void print_attr(FILE *f, const Attr *a, int64_t elide_above) {
    fprintf(f, "%s = ", a->name);
    switch (a->kind) {
    case ATTR_INT: fprintf(f, "%lld", (long long)a->i); break;
    case ATTR_FLOAT: print_float(f, a->f); break;
    case ATTR_INTS:
        fputc('[', f);
        for (int i = 0; i < a->n; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)a->ints[i]);
        fputc(']', f);
        break;
    case ATTR_FLOATS:
        fputc('[', f);
        for (int i = 0; i < a->n; i++) {
            if (i) fputs(", ", f);
            print_float(f, a->floats[i]);
        }
        fputc(']', f);
        break;
    case ATTR_STRING: print_quoted(f, a->s); break;
    case ATTR_TENSOR: {
        char buf[256];
        fprintf(f, "tensor<%s ", type_str(&a->t->type, buf, sizeof buf));
        print_tensor_data(f, a->t, elide_above);
        fputc('>', f);
        break;
    }
    }
}

/* ---- graph ---- */

void ir_print(FILE *f, const Graph *g, const PrintOptions *o) {
    PrintOptions dflt = {.elide_above = 16, .show_locations = true};
    if (!o) o = &dflt;
    PrintNames *pn = print_names_build(g);
    fputs("graph @", f);
    if (is_bare_name(g->name))
        fputs(g->name, f);
    else
        print_quoted(f, g->name);
    fprintf(f, " opset %lld {\n", (long long)g->opset);

    for (int i = 0; i < g->n_inputs; i++) {
        fputs("  ", f);
        print_value_name(f, pn, g->inputs[i]);
        fputs(" = input : ", f);
        print_type(f, g->inputs[i], o->elide_above);
        fputc('\n', f);
    }
    for (int i = 0; i < g->n_values; i++) {
        const Value *v = g->values[i];
        if (!pn->used[v->id] || v->def || v->is_input || !v->konst) continue;
        fputs("  ", f);
        print_value_name(f, pn, v);
        fputs(" = const : ", f);
        print_type(f, v, o->elide_above);
        fputs(" = ", f);
        print_tensor_data(f, v->konst, o->elide_above);
        fputc('\n', f);
    }
    for (const Node *n = g->first; n; n = n->next) {
        fputs("  ", f);
        for (int i = 0; i < n->n_out; i++) {
            if (i) fputs(", ", f);
            print_value_name(f, pn, n->out[i]);
        }
        fprintf(f, " = %s(", op_info(n->op)->name);
        for (int i = 0; i < n->n_in; i++) {
            if (i) fputs(", ", f);
            print_value_name(f, pn, n->in[i]);
        }
        fputc(')', f);
        if (n->n_attr) {
            fputs(" {", f);
            for (int i = 0; i < n->n_attr; i++) {
                if (i) fputs(", ", f);
                print_attr(f, &n->attr[i], o->elide_above);
            }
            fputc('}', f);
        }
        fputs(" : ", f);
        for (int i = 0; i < n->n_out; i++) {
            if (i) fputs(", ", f);
            print_type(f, n->out[i], o->elide_above);
            /* A value infer-shapes computed at compile time (a shape computation). */
            if (n->out[i]->konst) {
                fputs(" = ", f);
                print_tensor_data(f, n->out[i]->konst, o->elide_above);
            }
        }
        if (o->show_locations && n->name && n->name[0]) {
            fputs(" loc(", f);
            print_quoted(f, n->name);
            fputc(')', f);
        }
        if (n->remark) fprintf(f, "  // %s", n->remark);
        fputc('\n', f);
    }
    fputs("  return ", f);
    for (int i = 0; i < g->n_outputs; i++) {
        if (i) fputs(", ", f);
        print_value_name(f, pn, g->outputs[i]);
    }
    fputs("\n}\n", f);
    print_names_free(pn);
}
