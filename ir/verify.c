/*
 * verify.c - structural checks of a graph, run after import and between
 * passes in tests. A failure here after a pass is a compiler bug; after
 * import or parsing it is bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "ir.h"

static bool attr_kind_ok(const Node *n, const Attr *a, Diag *d) {
    for (const AttrSpec *s = op_info(n->op)->attrs; s->name; s++)
        if (strcmp(s->name, a->name) == 0) {
            if (s->kind == a->kind) return true;
            diag_error(d, n, "attribute '%s' has the wrong kind", a->name);
            return false;
        }
    diag_error(d, n, "attribute '%s' is not an attribute of %s", a->name, op_info(n->op)->name);
    return false;
}

/* Re-runs inference on n and compares with the recorded output types. */
static bool types_reproduce(const Node *n, Diag *d) {
    const OpSema *s = op_info(n->op)->sema;
    if (!s->infer) return true;
    Type saved[16];
    Tensor *saved_k[16];
    int k = n->n_out < 16 ? n->n_out : 16;
    for (int i = 0; i < k; i++) {
        saved[i] = n->out[i]->type;
        saved_k[i] = n->out[i]->konst;
    }
    Diag tmp = {.file = d->file};
    /* infer writes the output types; they are restored right after. */
    int rc = s->infer((Node *)n, &tmp);
    bool ok = rc == 0;
    for (int i = 0; i < k; i++) {
        if (ok && !type_eq(&saved[i], &n->out[i]->type)) {
            char a[256], b[256];
            diag_error(d, n, "output %d has type %s but inference gives %s", i,
                       type_str(&saved[i], a, sizeof a), type_str(&n->out[i]->type, b, sizeof b));
            ok = false;
        }
        n->out[i]->type = saved[i];
        n->out[i]->konst = saved_k[i];
    }
    diag_take(d, &tmp);
    return ok;
}

int graph_verify(const Graph *g, Diag *d) {
    int errors = d->n_errors;
    /* Position of each node in the list; 0 = not in the graph. */
    int max_id = g->next_node_id + 1;
    int *pos = calloc((size_t)max_id, sizeof *pos);
    char *defined = calloc((size_t)g->n_values + 1, 1);
    if (!pos || !defined) die("out of memory");
    int p = 0;
    for (const Node *n = g->first; n; n = n->next) {
        if (n->id < 0 || n->id >= max_id || pos[n->id]) {
            diag_error(d, n, "node id %d is out of range or repeated", n->id);
            goto out;
        }
        pos[n->id] = ++p;
    }
    if (p != g->n_nodes) diag_error(d, NULL, "graph has %d nodes in its list but counts %d", p, g->n_nodes);

    bool typed = true; /* all node outputs have types: then check inference too */
    for (const Node *n = g->first; n; n = n->next)
        for (int i = 0; i < n->n_out; i++)
            if (n->out[i]->type.shape.rank < 0 || n->out[i]->type.dtype == DT_UNDEF) typed = false;

    for (int i = 0; i < g->n_inputs; i++) defined[g->inputs[i]->id] = 1;
    for (const Node *n = g->first; n; n = n->next) {
        const OpInfo *oi = op_info(n->op);
        if (n->n_in < oi->min_in || (oi->max_in >= 0 && n->n_in > oi->max_in))
            diag_error(d, n, "has %d inputs, expected %d..%d", n->n_in, oi->min_in, oi->max_in);
        if (oi->n_out >= 0 && n->n_out != oi->n_out)
            diag_error(d, n, "has %d outputs, expected %d", n->n_out, oi->n_out);
        for (int i = 0; i < n->n_in; i++) {
            const Value *v = n->in[i];
            if (!v) {
                if (i < oi->min_in) diag_error(d, n, "required input %d is missing", i);
                continue;
            }
            if (v->def) {
                if (v->def->id < 0 || v->def->id >= max_id || !pos[v->def->id])
                    diag_error(d, n, "input %d is defined by a node that is not in the graph", i);
                else if (pos[v->def->id] >= pos[n->id])
                    diag_error(d, n, "input %d is used before it is defined", i);
            } else if (!v->is_input && !v->konst) {
                diag_error(d, n, "input %d has no definition", i);
            }
            if (typed && (v->type.shape.rank < 0 || v->type.dtype == DT_UNDEF))
                diag_error(d, n, "input %d has no type", i);
        }
        for (int i = 0; i < n->n_out; i++) {
            const Value *v = n->out[i];
            if (v->def != n || v->def_index != i) diag_error(d, n, "output %d does not point back to its node", i);
            if (defined[v->id]) diag_error(d, n, "output %d is defined twice", i);
            defined[v->id] = 1;
        }
        for (int i = 0; i < n->n_attr; i++) {
            attr_kind_ok(n, &n->attr[i], d);
            if (i && strcmp(n->attr[i - 1].name, n->attr[i].name) >= 0)
                diag_error(d, n, "attributes are not sorted or repeat '%s'", n->attr[i].name);
        }
        if (typed) {
            types_reproduce(n, d);
            char why[256];
            if (layout_check_node(n, why, sizeof why)) diag_error(d, n, "layout: %s", why);
            for (int i = 0; i < n->n_in; i++)
                if (n->in[i] && !n->in[i]->def && n->in[i]->layout.channels_last)
                    diag_error(d, n, "input %d is a graph input or constant stored channels-last; they are row-major", i);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const Value *v = g->outputs[i];
        if (!v || (!v->def && !v->is_input && !v->konst) || (v->def && !pos[v->def->id]))
            diag_error(d, NULL, "graph output %d is not defined", i);
        else if (v->layout.channels_last)
            diag_error(d, NULL, "graph output %d is stored channels-last; outputs are row-major", i);
    }
out:
    free(pos);
    free(defined);
    return d->n_errors > errors ? -1 : 0;
}
