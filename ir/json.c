/*
 * json.c - JSON writer and the IR/stats document (json.h; schema in
 * docs/ir.md, "JSON").
 */
#include <math.h>
#include <string.h>

#include "ir/json.h"
#include "ir/print_names.h"

/* ---- writer ---- */

void json_init(JsonWriter *w, FILE *f) {
    memset(w, 0, sizeof *w);
    w->f = f;
}

static void indent(JsonWriter *w) {
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++) fputs("  ", w->f);
}

/* Separator and indentation before a value or a key. */
static void before_item(JsonWriter *w, bool is_key) {
    if (w->after_key) {
        if (is_key) die("json: a key after a key");
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (w->is_object[w->depth - 1] && !is_key) die("json: a value without a key in an object");
        if (w->has_items[w->depth - 1]) fputc(',', w->f);
        if (w->one_line[w->depth - 1]) {
            if (w->has_items[w->depth - 1]) fputc(' ', w->f);
        } else {
            indent(w);
        }
        w->has_items[w->depth - 1] = true;
    }
}

static void open_container(JsonWriter *w, char c, bool object, bool one_line) {
    before_item(w, false);
    if (w->depth == JSON_MAX_DEPTH) die("json: nesting deeper than %d", JSON_MAX_DEPTH);
    fputc(c, w->f);
    /* Inside a one-line container everything stays on the line. */
    bool inherited = w->depth > 0 && w->one_line[w->depth - 1];
    w->has_items[w->depth] = false;
    w->one_line[w->depth] = one_line || inherited;
    w->is_object[w->depth] = object;
    w->depth++;
}

static void close_container(JsonWriter *w, char c, bool object) {
    if (w->depth == 0 || w->is_object[w->depth - 1] != object || w->after_key) die("json: unbalanced %c", c);
    w->depth--;
    if (w->has_items[w->depth] && !w->one_line[w->depth]) indent(w);
    fputc(c, w->f);
}

void json_object_begin(JsonWriter *w, bool one_line) {
    open_container(w, '{', true, one_line);
}

void json_object_end(JsonWriter *w) {
    close_container(w, '}', true);
}

void json_array_begin(JsonWriter *w, bool one_line) {
    open_container(w, '[', false, one_line);
}

void json_array_end(JsonWriter *w) {
    close_container(w, ']', false);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one (RFC 3629). */
static int utf8_len(const unsigned char *p) {
    unsigned c = p[0];
    int n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, min = 0x10000;
    else return 0;
    unsigned cp = c & (0x3fu >> (n - 1));
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

static void write_string(FILE *f, const char *s) {
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned c = *p;
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
            p++;
        } else if (c == '\n') {
            fputs("\\n", f);
            p++;
        } else if (c == '\t') {
            fputs("\\t", f);
            p++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            p++;
        } else {
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
            } else {
                fwrite(p, 1, (size_t)n, f);
                p += n;
            }
        }
    }
    fputc('"', f);
}

void json_key(JsonWriter *w, const char *key) {
    if (w->depth == 0 || !w->is_object[w->depth - 1]) die("json: a key outside an object");
    before_item(w, true);
    write_string(w->f, key);
    fputs(": ", w->f);
    w->after_key = true;
}

void json_string(JsonWriter *w, const char *s) {
    before_item(w, false);
    write_string(w->f, s);
}

void json_int(JsonWriter *w, int64_t v) {
    before_item(w, false);
    fprintf(w->f, "%lld", (long long)v);
}

void json_float(JsonWriter *w, double v) {
    if (isnan(v) || isinf(v)) {
        json_string(w, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        return;
    }
    before_item(w, false);
    char buf[64];
    snprintf(buf, sizeof buf, "%.9g", v);
    /* As in the text form, a float always shows it is one: 1.0, not 1. */
    fprintf(w->f, "%s%s", buf, strpbrk(buf, ".eE") ? "" : ".0");
}

void json_bool(JsonWriter *w, bool v) {
    before_item(w, false);
    fputs(v ? "true" : "false", w->f);
}

void json_null(JsonWriter *w) {
    before_item(w, false);
    fputs("null", w->f);
}

void json_finish(JsonWriter *w) {
    if (w->depth != 0) die("json: %d containers left open", w->depth);
    fputc('\n', w->f);
}

/* ---- the IR ---- */

static void key_string(JsonWriter *w, const char *k, const char *v) {
    json_key(w, k);
    json_string(w, v);
}

static void key_int(JsonWriter *w, const char *k, int64_t v) {
    json_key(w, k);
    json_int(w, v);
}

static void key_float(JsonWriter *w, const char *k, double v) {
    json_key(w, k);
    json_float(w, v);
}

static void value_ref(JsonWriter *w, const PrintNames *pn, const Value *v) {
    if (!v) {
        json_null(w);
        return;
    }
    const char *s = v->id < pn->n ? pn->name[v->id] : NULL;
    json_string(w, s ? s : "?");
}

static void write_type(JsonWriter *w, const Type *t) {
    json_key(w, "dtype");
    if (t->dtype == DT_UNDEF) json_null(w);
    else json_string(w, dtype_name(t->dtype));
    json_key(w, "shape");
    if (t->shape.rank < 0) {
        json_null(w);
        return;
    }
    json_array_begin(w, true);
    for (int i = 0; i < t->shape.rank; i++) json_int(w, t->shape.dim[i]);
    json_array_end(w);
}

/* "data": [...] or "elided": count. */
static void write_data(JsonWriter *w, const Tensor *t, int64_t elide_above) {
    int64_t n = tensor_numel(t);
    if (elide_above >= 0 && n > elide_above) {
        key_int(w, "elided", n);
        return;
    }
    json_key(w, "data");
    json_array_begin(w, true);
    for (int64_t i = 0; i < n; i++) {
        if (dtype_is_float(t->type.dtype)) json_float(w, tensor_get_f64(t, i));
        else json_int(w, tensor_get_i64(t, i));
    }
    json_array_end(w);
}

static void write_value_set(JsonWriter *w, const ValueSet *vs, int64_t elide_above) {
    static const float ternary[] = {-1, 0, 1}, binary[] = {0, 1};
    bool is_t = vs->n_levels == 3 && memcmp(vs->levels, ternary, sizeof ternary) == 0;
    bool is_b = vs->n_levels == 2 && memcmp(vs->levels, binary, sizeof binary) == 0;
    json_key(w, "value_set");
    json_object_begin(w, true);
    key_string(w, "kind", is_t ? "ternary" : is_b ? "binary" : "levels");
    json_key(w, "levels");
    json_array_begin(w, true);
    for (int i = 0; i < vs->n_levels; i++) json_float(w, vs->levels[i]);
    json_array_end(w);
    if (vs->amp.n == 1) {
        key_float(w, "alpha", vs->amp.v[0]);
    } else if (vs->amp.n > 1) {
        if (elide_above >= 0 && vs->amp.n > elide_above) {
            key_int(w, "alpha_elided", vs->amp.n);
        } else {
            json_key(w, "alpha");
            json_array_begin(w, true);
            for (int64_t i = 0; i < vs->amp.n; i++) json_float(w, vs->amp.v[i]);
            json_array_end(w);
        }
        key_int(w, "inner", vs->amp.inner);
    }
    json_object_end(w);
}

static void write_value(JsonWriter *w, const PrintNames *pn, const Value *v, const char *def,
                        int64_t elide_above) {
    json_object_begin(w, false);
    json_key(w, "name");
    value_ref(w, pn, v);
    key_string(w, "def", def);
    write_type(w, &v->type);
    if (v->layout.channels_last) {
        json_key(w, "layout");
        json_object_begin(w, true);
        key_string(w, "order", "nhwc");
        key_int(w, "c", v->layout.c);
        key_int(w, "h", v->layout.h);
        key_int(w, "w", v->layout.w);
        json_object_end(w);
    }
    if (v->vs.n_levels && (v->def || v->is_input)) write_value_set(w, &v->vs, elide_above);
    if (v->konst) write_data(w, v->konst, elide_above);
    json_object_end(w);
}

static void write_attr(JsonWriter *w, const Attr *a, int64_t elide_above) {
    json_key(w, a->name);
    switch (a->kind) {
    case ATTR_INT: json_int(w, a->i); break;
    case ATTR_FLOAT: json_float(w, a->f); break;
    case ATTR_INTS:
        json_array_begin(w, true);
        for (int i = 0; i < a->n; i++) json_int(w, a->ints[i]);
        json_array_end(w);
        break;
    case ATTR_FLOATS:
        json_array_begin(w, true);
        for (int i = 0; i < a->n; i++) json_float(w, a->floats[i]);
        json_array_end(w);
        break;
    case ATTR_STRING: json_string(w, a->s); break;
    case ATTR_TENSOR:
        json_object_begin(w, true);
        write_type(w, &a->t->type);
        write_data(w, a->t, elide_above);
        json_object_end(w);
        break;
    }
}

static void write_node(JsonWriter *w, const PrintNames *pn, const Node *n, const PrintOptions *o) {
    json_object_begin(w, false);
    key_string(w, "op", op_info(n->op)->name);
    json_key(w, "operands");
    json_array_begin(w, true);
    for (int i = 0; i < n->n_in; i++) value_ref(w, pn, n->in[i]);
    json_array_end(w);
    json_key(w, "results");
    json_array_begin(w, true);
    for (int i = 0; i < n->n_out; i++) value_ref(w, pn, n->out[i]);
    json_array_end(w);
    json_key(w, "attributes");
    json_object_begin(w, true);
    for (int i = 0; i < n->n_attr; i++) write_attr(w, &n->attr[i], o->elide_above);
    json_object_end(w);
    if (o->show_locations && n->name && n->name[0]) key_string(w, "loc", n->name);
    if (n->remark) key_string(w, "remark", n->remark);
    json_object_end(w);
}

static void write_graph(JsonWriter *w, const Graph *g, const PrintOptions *o) {
    PrintNames *pn = print_names_build(g);
    json_object_begin(w, false);
    key_string(w, "name", g->name);
    key_int(w, "opset", g->opset);
    json_key(w, "inputs");
    json_array_begin(w, true);
    for (int i = 0; i < g->n_inputs; i++) value_ref(w, pn, g->inputs[i]);
    json_array_end(w);
    json_key(w, "outputs");
    json_array_begin(w, true);
    for (int i = 0; i < g->n_outputs; i++) value_ref(w, pn, g->outputs[i]);
    json_array_end(w);
    /* Values in the order the text form defines them: inputs, constants, results. */
    json_key(w, "values");
    json_array_begin(w, false);
    for (int i = 0; i < g->n_inputs; i++) write_value(w, pn, g->inputs[i], "input", o->elide_above);
    for (int i = 0; i < g->n_values; i++) {
        const Value *v = g->values[i];
        if (pn->used[v->id] && !v->def && !v->is_input && v->konst) write_value(w, pn, v, "const", o->elide_above);
    }
    for (const Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_out; i++) write_value(w, pn, n->out[i], "node", o->elide_above);
    json_array_end(w);
    json_key(w, "nodes");
    json_array_begin(w, false);
    for (const Node *n = g->first; n; n = n->next) write_node(w, pn, n, o);
    json_array_end(w);
    json_object_end(w);
    print_names_free(pn);
}

/* ---- stats ---- */

static double rate(int64_t part, int64_t elements, int64_t samples) {
    double whole = (double)elements * (double)samples;
    return whole > 0 ? (double)part / whole : 0.0;
}

static void write_stats(JsonWriter *w, const Graph *g, const GraphStats *s) {
    PrintNames *pn = print_names_build(g);
    bool measured = s->n_samples > 0;
    json_object_begin(w, false);
    key_int(w, "samples", s->n_samples);
    key_int(w, "nodes", s->n_nodes);
    json_key(w, "op_histogram");
    json_array_begin(w, false);
    int order[OP_COUNT], n_ops = stats_op_order(s, order);
    for (int i = 0; i < n_ops; i++) {
        json_object_begin(w, true);
        key_string(w, "op", op_info((OpKind)order[i])->name);
        key_int(w, "count", s->op_count[order[i]]);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "layers");
    json_array_begin(w, false);
    for (int i = 0; i < s->n_layers; i++) {
        const LayerStats *l = &s->layers[i];
        json_object_begin(w, false);
        json_key(w, "node");
        value_ref(w, pn, l->node->out[0]);
        if (l->node->name && l->node->name[0]) key_string(w, "loc", l->node->name);
        key_string(w, "op", op_info(l->node->op)->name);
        if (node_attr(l->node, "impl")) key_string(w, "impl", node_attr_string(l->node, "impl", ""));
        json_key(w, "spike");
        json_bool(w, l->spike);
        key_int(w, "weight_bytes", l->weight_bytes);
        key_int(w, "macs", l->macs);
        key_int(w, "acs_worst", l->acs_worst);
        key_int(w, "input_elements", l->in_elements);
        if (measured) {
            key_float(w, "input_pos_rate", rate(l->in_pos, l->in_elements, s->n_samples));
            key_float(w, "input_neg_rate", rate(l->in_neg, l->in_elements, s->n_samples));
            key_float(w, "acs", l->acs_sum / (double)s->n_samples);
        }
        if (l->spike) key_float(w, "kernel_adds", stats_kernel_adds(s, l));
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "neurons");
    json_array_begin(w, false);
    for (int i = 0; i < s->n_neurons; i++) {
        const NeuronStats *ns = &s->neurons[i];
        json_object_begin(w, false);
        json_key(w, "node");
        value_ref(w, pn, ns->node->out[0]);
        if (ns->node->name && ns->node->name[0]) key_string(w, "loc", ns->node->name);
        key_string(w, "op", op_info(ns->node->op)->name);
        key_int(w, "spikes", ns->elements);
        if (measured) {
            key_float(w, "rate_pos", rate(ns->pos, ns->elements, s->n_samples));
            key_float(w, "rate_neg", rate(ns->neg, ns->elements, s->n_samples));
        }
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "totals");
    json_object_begin(w, false);
    key_int(w, "weight_bytes", s->weight_bytes);
    key_int(w, "const_bytes", s->const_bytes);
    key_int(w, "table_bytes", s->table_bytes);
    key_int(w, "macs", s->macs);
    key_int(w, "acs_worst", s->acs_worst);
    key_float(w, "acs", stats_acs(s));
    json_key(w, "arena_bytes");
    if (s->arena_bytes >= 0) json_int(w, s->arena_bytes);
    else json_null(w);
    json_key(w, "arena_naive_bytes");
    if (s->arena_naive_bytes >= 0) json_int(w, s->arena_naive_bytes);
    else json_null(w);
    key_float(w, "energy_pj", stats_energy_pj(s));
    json_object_end(w);
    json_key(w, "energy_model");
    json_object_begin(w, false);
    key_float(w, "pj_per_mac", STATS_PJ_PER_MAC);
    key_float(w, "pj_per_ac", STATS_PJ_PER_AC);
    key_string(w, "acs_basis", measured ? "measured" : "worst case");
    key_string(w, "source", "Horowitz, Computing's energy problem, ISSCC 2014 (45 nm CMOS)");
    json_object_end(w);
    json_object_end(w);
    print_names_free(pn);
}

void ir_write_json(FILE *f, const Graph *g, const PrintOptions *o, const char *stage, const GraphStats *s) {
    PrintOptions dflt = {.elide_above = 16, .show_locations = true};
    if (!o) o = &dflt;
    JsonWriter w;
    json_init(&w, f);
    json_object_begin(&w, false);
    key_string(&w, "format", "tsnc-ir");
    key_int(&w, "version", 1);
    key_string(&w, "stage", stage);
    json_key(&w, "graph");
    write_graph(&w, g, o);
    if (s) {
        json_key(&w, "stats");
        write_stats(&w, g, s);
    }
    json_object_end(&w);
    json_finish(&w);
}
