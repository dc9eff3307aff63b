/*
 * onnx_attr.c - ONNX AttributeProto -> Attr, and the check of a node's
 * attributes against its op's AttrSpec list (ops.c).
 *
 * Conversion and checking are separate so that an opset rewrite can take
 * the attributes it turns into inputs (Unsqueeze axes, Clip min/max, ...)
 * before the rest is checked against the opset-13 attribute list.
 */
#include <limits.h>
#include <string.h>

#include "frontend/onnx_internal.h"

enum {
    T_UNDEFINED = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED,
    T_FLOAT = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT,
    T_INT = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT,
    T_STRING = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING,
    T_TENSOR = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR,
    T_GRAPH = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH,
    T_FLOATS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS,
    T_INTS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS,
    T_STRINGS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS,
    T_TENSORS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS,
    T_GRAPHS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS,
    T_SPARSE_TENSOR = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR,
    T_SPARSE_TENSORS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS,
    T_TYPE_PROTO = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO,
    T_TYPE_PROTOS = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS,
};

const char *onnx_attr_type_name(int t) {
    switch (t) {
    case T_FLOAT: return "float";
    case T_INT: return "int";
    case T_STRING: return "string";
    case T_TENSOR: return "tensor";
    case T_GRAPH: return "graph";
    case T_FLOATS: return "floats";
    case T_INTS: return "ints";
    case T_STRINGS: return "strings";
    case T_TENSORS: return "tensors";
    case T_GRAPHS: return "graphs";
    case T_SPARSE_TENSOR: return "sparse tensor";
    case T_SPARSE_TENSORS: return "sparse tensors";
    case T_TYPE_PROTO: return "type proto";
    case T_TYPE_PROTOS: return "type protos";
    default: return "no value";
    }
}

/* "an int", "floats", ... : what an AttrSpec kind expects, for messages. */
static const char *kind_wanted(AttrKind k) {
    switch (k) {
    case ATTR_INT: return "an int";
    case ATTR_FLOAT: return "a float";
    case ATTR_INTS: return "ints";
    case ATTR_FLOATS: return "floats";
    case ATTR_STRING: return "a string";
    case ATTR_TENSOR: return "a tensor";
    }
    return "?";
}

static int kind_to_onnx(AttrKind k) {
    switch (k) {
    case ATTR_INT: return T_INT;
    case ATTR_FLOAT: return T_FLOAT;
    case ATTR_INTS: return T_INTS;
    case ATTR_FLOATS: return T_FLOATS;
    case ATTR_STRING: return T_STRING;
    case ATTR_TENSOR: return T_TENSOR;
    }
    return -1;
}

/*
 * The attribute's type. Files from before IR version 2 leave `type` unset;
 * the value field that is present tells it then (onnx.proto, AttributeProto:
 * "exactly one of the value fields"). -1 if nothing is set (an empty list
 * whose kind cannot be known).
 */
static int attr_type(const Onnx__AttributeProto *p) {
    if (p->has_type && (int)p->type != T_UNDEFINED) return (int)p->type;
    if (p->has_f) return T_FLOAT;
    if (p->has_i) return T_INT;
    if (p->has_s) return T_STRING;
    if (p->t) return T_TENSOR;
    if (p->g) return T_GRAPH;
    if (p->sparse_tensor) return T_SPARSE_TENSOR;
    if (p->tp) return T_TYPE_PROTO;
    if (p->n_floats) return T_FLOATS;
    if (p->n_ints) return T_INTS;
    if (p->n_strings) return T_STRINGS;
    if (p->n_tensors) return T_TENSORS;
    if (p->n_graphs) return T_GRAPHS;
    if (p->n_sparse_tensors) return T_SPARSE_TENSORS;
    if (p->n_type_protos) return T_TYPE_PROTOS;
    return -1;
}

/* Converts one attribute; returns 0, or -1 with the error reported (pa->bad set). */
static int convert_one(OnnxCtx *c, const ONode *o, const Node *n, const OAttrRef *r,
                       PendingAttr *pa) {
    const Onnx__AttributeProto *p = r->p;
    const char *nm = r->name;
    Arena *A = c->g->arena;
    pa->name = nm;
    pa->onnx_type = attr_type(p);
    pa->a.name = nm;
    switch (pa->onnx_type) {
    case -1:
        onnx_error(c, o, n, "attribute '%.*s' has no type and no value", ONNX_MSG_NAME, nm);
        return -1;
    case T_FLOAT:
        if (!p->has_f) break;
        pa->a.kind = ATTR_FLOAT;
        pa->a.f = p->f;
        pa->ok = true;
        return 0;
    case T_INT:
        if (!p->has_i) break;
        pa->a.kind = ATTR_INT;
        pa->a.i = p->i;
        pa->ok = true;
        return 0;
    case T_STRING:
        if (!p->has_s) break;
        if (p->s.len > IR_MAX_NAME) {
            onnx_error(c, o, n, "attribute '%.*s' is a string of %zu bytes; at most %d are supported",
                       ONNX_MSG_NAME, nm, p->s.len, IR_MAX_NAME);
            return -1;
        }
        if (p->s.len && memchr(p->s.data, 0, p->s.len)) {
            onnx_error(c, o, n, "attribute '%.*s' is a string containing a NUL byte",
                       ONNX_MSG_NAME, nm);
            return -1;
        }
        pa->a.kind = ATTR_STRING;
        pa->a.s = arena_strndup(A, p->s.len ? (const char *)p->s.data : "", p->s.len);
        pa->ok = true;
        return 0;
    case T_TENSOR: {
        if (!p->t) break;
        char what[ONNX_MSG_NAME + 32];
        snprintf(what, sizeof what, "attribute '%.*s'", ONNX_MSG_NAME, nm);
        Tensor *t = onnx_tensor(c, p->t, what, o, n);
        if (!t) return -1;
        pa->a.kind = ATTR_TENSOR;
        pa->a.t = t;
        pa->ok = true;
        return 0;
    }
    case T_FLOATS:
    case T_INTS: {
        size_t cnt = pa->onnx_type == T_INTS ? p->n_ints : p->n_floats;
        if (cnt > (size_t)IR_MAX_ELEMENTS || cnt > INT_MAX) {
            onnx_error(c, o, n, "attribute '%.*s' has %zu values; at most %lld are supported",
                       ONNX_MSG_NAME, nm, cnt, (long long)IR_MAX_ELEMENTS);
            return -1;
        }
        pa->a.n = (int)cnt;
        if (pa->onnx_type == T_INTS) {
            pa->a.kind = ATTR_INTS;
            pa->a.ints = arena_alloc(A, (cnt ? cnt : 1) * sizeof(int64_t));
            if (cnt) memcpy(pa->a.ints, p->ints, cnt * sizeof(int64_t));
        } else {
            pa->a.kind = ATTR_FLOATS;
            pa->a.floats = arena_alloc(A, (cnt ? cnt : 1) * sizeof(float));
            if (cnt) memcpy(pa->a.floats, p->floats, cnt * sizeof(float));
        }
        pa->ok = true;
        return 0;
    }
    default:
        if (pa->onnx_type < 0 || pa->onnx_type > T_TYPE_PROTOS) {
            onnx_error(c, o, n, "attribute '%.*s' has unknown type %d", ONNX_MSG_NAME, nm,
                       pa->onnx_type);
            return -1;
        }
        /* graphs, strings, ...: no IR form; an error only if the op reads it
         * (then "must be X, got graph"), or "not supported by OP". */
        return 0;
    }
    onnx_error(c, o, n, "attribute '%.*s' of type %s has no value", ONNX_MSG_NAME, nm,
               onnx_attr_type_name(pa->onnx_type));
    return -1;
}

int onnx_convert_attrs(OnnxCtx *c, const ONode *o, const Node *n, PendingAttr *out) {
    int rc = 0;
    StrMap *seen = o->n_attr > 8 ? strmap_new() : NULL;
    for (int i = 0; i < o->n_attr; i++) {
        PendingAttr *pa = &out[i];
        memset(pa, 0, sizeof *pa);
        const char *nm = o->attr[i].name;
        bool dup = false;
        if (seen)
            dup = !strmap_put(seen, nm, pa);
        else
            for (int j = 0; j < i && !dup; j++) dup = strcmp(out[j].name, nm) == 0;
        if (dup) {
            pa->name = nm;
            pa->onnx_type = -1;
            pa->consumed = true; /* the first one counts */
            onnx_error(c, o, n, "attribute '%.*s' is given twice", ONNX_MSG_NAME, nm);
            rc = -1;
            continue;
        }
        if (convert_one(c, o, n, &o->attr[i], pa)) {
            pa->consumed = true; /* reported: nothing more to say about it */
            rc = -1;
        }
    }
    strmap_free(seen);
    return rc;
}

int onnx_take_attr(OnnxCtx *c, const ONode *o, const Node *n, PendingAttr *pa, int n_pa,
                   const char *name, AttrKind kind, const Attr **a) {
    for (int i = 0; i < n_pa; i++) {
        if (strcmp(pa[i].name, name) != 0) continue;
        if (pa[i].consumed) return pa[i].ok ? 0 : -1; /* duplicate or failed: reported */
        pa[i].consumed = true;
        if (!pa[i].ok || pa[i].a.kind != kind) {
            onnx_error(c, o, n, "attribute '%s' must be %s, got %s", name, kind_wanted(kind),
                       onnx_attr_type_name(pa[i].onnx_type));
            return -1;
        }
        *a = &pa[i].a;
        return 1;
    }
    return 0;
}

int onnx_attach_attrs(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa) {
    const OpInfo *info = op_info(n->op);
    int rc = 0;
    for (int i = 0; i < n_pa; i++) {
        if (pa[i].consumed) continue;
        const AttrSpec *spec = info->attrs;
        while (spec->name && strcmp(spec->name, pa[i].name) != 0) spec++;
        if (!spec->name) {
            onnx_error(c, o, n, "attribute '%.*s' is not supported by %s", ONNX_MSG_NAME,
                       pa[i].name, info->name);
            rc = -1;
            continue;
        }
        if (!pa[i].ok || pa[i].onnx_type != kind_to_onnx(spec->kind)) {
            onnx_error(c, o, n, "attribute '%s' must be %s, got %s", spec->name,
                       kind_wanted(spec->kind), onnx_attr_type_name(pa[i].onnx_type));
            rc = -1;
            continue;
        }
        node_set_attr(c->g, n, &pa[i].a);
    }
    return rc;
}
