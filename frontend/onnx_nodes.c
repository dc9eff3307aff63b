/*
 * onnx_nodes.c - flattens the graph's NodeProtos into ONodes, inlining
 * calls of model-local functions (ModelProto.functions, ONNX IR spec
 * docs/IR.md "Functions").
 *
 * A node whose (domain, op_type) names a FunctionProto is replaced by the
 * function's body: formal inputs and outputs are bound to the call's
 * actual names (a missing actual input is an omitted optional input), every
 * other name inside the body gets a fresh graph-unique name
 * "<call node>/<inner name>", and an attribute with ref_attr_name takes the
 * value of the call's attribute of that name (absent if the call has none).
 * The body is read at the function's own default-domain opset. Calls nest
 * (up to MAX_CALL_DEPTH); recursion is an error.
 *
 * Two later additions to onnx.proto are not in the Debian schema this code
 * is generated from (IR version 8) but change what a call means, so they are
 * read from protobuf-c's unknown fields: FunctionProto.attribute_proto
 * (field 11, default values of the function's attributes, IR version 9) and
 * the overload names NodeProto.overload (8) / FunctionProto.overload (13)
 * that, with domain and name, identify the function (IR version 10).
 */
#include <stdlib.h>
#include <string.h>

#include "frontend/onnx_internal.h"

enum { MAX_CALL_DEPTH = 16 };

/*
 * Bytes of node and value names inlining may make. Names nest ("call/inner/
 * x"), so a small file of nested calls with long names would otherwise make
 * gigabytes of them before reaching IR_MAX_NODES.
 */
#define MAX_INLINE_NAME_BYTES ((size_t)64 << 20)

/* Field numbers of onnx.proto fields newer than the generated schema. */
enum { FUNCTION_ATTRIBUTE_PROTO = 11, FUNCTION_OVERLOAD = 13, NODE_OVERLOAD = 8 };

/* A model-local function and the default values of its attributes. */
typedef struct FuncInfo {
    const Onnx__FunctionProto *f;
    OAttrRef *defaults;
    int n_defaults;
    int64_t expanded;  /* nodes one call inlines to (see expanded_nodes); 0: not counted yet */
    bool counting;     /* being counted (a recursive call; reported when inlined) */
} FuncInfo;

/* What all the calls being inlined share. */
typedef struct Inliner {
    StrMap *prefixes;        /* call-site prefixes in use: every call gets its own */
    size_t name_bytes;       /* bytes of names made so far */
} Inliner;

/* The naming context of the nodes being emitted: the graph, or one function call. */
typedef struct Scope {
    Inliner *inl;
    StrMap *rename;          /* inner name -> graph name; NULL at top level (identity) */
    const OAttrRef *attrs;   /* the call's attributes, for ref_attr_name */
    int n_attrs;
    const char *prefix;      /* call-site name: node names and fresh names start with it */
    int index;               /* top-level node index, for messages */
    int64_t opset;
    int depth;
    const Onnx__FunctionProto *stack[MAX_CALL_DEPTH]; /* functions being expanded */
} Scope;

static const char *S(const char *s) {
    return s ? s : "";
}

/* "" for the default domain, whichever of its two spellings the file uses. */
static const char *norm_domain(const char *d) {
    d = S(d);
    return strcmp(d, "ai.onnx") == 0 ? "" : d;
}

/* "prefix/inner", or "prefix/inner~k" with the first k that is free. Candidates are
 * tried in a scratch buffer: only the name kept is allocated. */
static const char *fresh_name(OnnxCtx *c, Inliner *inl, const char *prefix, const char *inner) {
    size_t n = strlen(prefix) + strlen(inner) + 24;
    char *buf = malloc(n);
    if (!buf) die("out of memory");
    snprintf(buf, n, "%s/%s", prefix, inner);
    for (int k = 2; strmap_get(c->taken, buf); k++) snprintf(buf, n, "%s/%s~%d", prefix, inner, k);
    char *name = arena_strdup(c->tmp, buf);
    free(buf);
    strmap_put(c->taken, name, name);
    inl->name_bytes += strlen(name) + 1;
    return name;
}

/* The graph name of a value name used inside scope sc. */
static const char *map_name(OnnxCtx *c, Scope *sc, const char *inner) {
    inner = S(inner);
    if (!sc->rename || !inner[0]) return inner;
    const char *v = strmap_get(sc->rename, inner);
    if (v) return v;
    v = fresh_name(c, sc->inl, sc->prefix, inner);
    strmap_put(sc->rename, inner, (void *)v);
    return v;
}

/*
 * The payload of a length-delimited unknown field: protobuf-c keeps the
 * field's bytes after the tag, i.e. starting with the length varint. False
 * if that length does not match.
 */
static bool unknown_payload(const ProtobufCMessageUnknownField *u, const uint8_t **p, size_t *len) {
    if (u->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED) return false;
    uint64_t v = 0;
    size_t i = 0;
    for (int shift = 0; i < u->len && shift < 64; shift += 7) {
        uint8_t b = u->data[i++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (v != u->len - i) return false;
            *p = u->data + i;
            *len = (size_t)v;
            return true;
        }
    }
    return false;
}

/* The string in unknown field `field` of m (a field newer than the schema), or "". */
static const char *unknown_string(OnnxCtx *c, const ProtobufCMessage *m, unsigned field) {
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
        const uint8_t *p;
        size_t len;
        if (u->tag == field && unknown_payload(u, &p, &len))
            return arena_strndup(c->tmp, len ? (const char *)p : "", len);
    }
    return "";
}

/* Key of a function in c->functions: length-prefixed parts, so that no two
 * (domain, name, overload) triples share a key. */
static const char *function_key(OnnxCtx *c, const char *domain, const char *name,
                                const char *overload) {
    return arena_printf(c->tmp, "%zu:%s%zu:%s%s", strlen(domain), domain, strlen(name), name,
                        overload);
}

static const FuncInfo *find_function(OnnxCtx *c, const ONode *o, const Onnx__NodeProto *np) {
    if (!c->functions) return NULL;
    return strmap_get(c->functions, function_key(c, o->domain, o->op_type,
                                                 unknown_string(c, &np->base, NODE_OVERLOAD)));
}

static int64_t expanded_nodes(OnnxCtx *c, FuncInfo *fi, int depth, bool *cut);

/* Nodes np inlines to at call depth `depth`: 1, or what the function it calls expands to. */
static int64_t node_expansion(OnnxCtx *c, const Onnx__NodeProto *np, int depth, bool *cut) {
    FuncInfo *fi = c->functions ? strmap_get(c->functions,
                                             function_key(c, norm_domain(np->domain), S(np->op_type),
                                                          unknown_string(c, &np->base, NODE_OVERLOAD)))
                                : NULL;
    return fi ? expanded_nodes(c, fi, depth, cut) : 1;
}

/*
 * Nodes one call of fi at call depth `depth` inlines to, saturated at
 * IR_MAX_NODES + 1 and memoized, so that a function bomb (F calls G ten
 * times, G calls H ten times, ...) is refused from its size before anything
 * is inlined. Like inlining, the count stops below MAX_CALL_DEPTH levels
 * (deeper calls and recursion are errors when inlined; they count 1 here and
 * set *cut, and a count that was cut is not memoized), so it recurses no
 * deeper than inlining does.
 */
static int64_t expanded_nodes(OnnxCtx *c, FuncInfo *fi, int depth, bool *cut) {
    if (fi->expanded) return fi->expanded;
    if (fi->counting || depth > MAX_CALL_DEPTH) {
        *cut = true;
        return 1;
    }
    fi->counting = true;
    bool my_cut = false;
    int64_t total = 0;
    for (size_t i = 0; i < fi->f->n_node && total <= IR_MAX_NODES; i++)
        total += node_expansion(c, fi->f->node[i], depth + 1, &my_cut);
    fi->counting = false;
    if (total > IR_MAX_NODES) total = IR_MAX_NODES + 1;
    if (total == 0) total = 1;
    if (my_cut) *cut = true;
    else fi->expanded = total;
    return total;
}

/* Parses the attribute defaults of f (FunctionProto.attribute_proto) into fi; 0 or -1. */
static int function_defaults(OnnxCtx *c, const Onnx__FunctionProto *f, FuncInfo *fi) {
    const ProtobufCMessage *m = &f->base;
    fi->defaults = arena_alloc(c->tmp, (m->n_unknown_fields + 1) * sizeof *fi->defaults);
    for (unsigned i = 0; i < m->n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
        if (u->tag != FUNCTION_ATTRIBUTE_PROTO) continue;
        Onnx__AttributeProto *ap = NULL;
        const uint8_t *p;
        size_t len;
        if (unknown_payload(u, &p, &len) &&
            onnx_nesting_ok(&onnx__attribute_proto__descriptor, p, len))
            ap = onnx__attribute_proto__unpack(NULL, len, p);
        if (!ap || !ap->name || !ap->name[0]) {
            if (ap) onnx__attribute_proto__free_unpacked(ap, NULL);
            onnx_error(c, NULL, NULL, "model-local function '%.*s' has a malformed attribute "
                       "default", ONNX_MSG_NAME, S(f->name));
            return -1;
        }
        if (c->n_owned == c->cap_owned) {
            c->cap_owned = c->cap_owned ? 2 * c->cap_owned : 16;
            c->owned = realloc(c->owned, (size_t)c->cap_owned * sizeof *c->owned);
            if (!c->owned) die("out of memory");
        }
        c->owned[c->n_owned++] = ap;
        fi->defaults[fi->n_defaults++] = (OAttrRef){ap->name, ap};
    }
    return 0;
}

static bool name_too_long(OnnxCtx *c, const ONode *o, const char *what, const char *s) {
    if (strlen(s) <= IR_MAX_NAME) return false;
    onnx_error(c, o, NULL, "%s '%.*s...' is longer than %d bytes", what, ONNX_MSG_NAME, s,
               IR_MAX_NAME);
    return true;
}

/* Checks the limits of one node; 0 or -1. */
static int check_node_limits(OnnxCtx *c, const ONode *o) {
    ONode loc = *o;
    if (strlen(o->name) > IR_MAX_NAME) loc.name = ""; /* do not print it whole */
    if (name_too_long(c, &loc, "node name", o->name)) return -1;
    if (name_too_long(c, &loc, "operator name", o->op_type)) return -1;
    if (name_too_long(c, &loc, "domain", o->domain)) return -1;
    if (o->n_in > IR_MAX_INPUTS || o->n_out > IR_MAX_INPUTS) {
        onnx_error(c, &loc, NULL, "node has %d inputs and %d outputs; at most %d of each are "
                   "supported", o->n_in, o->n_out, IR_MAX_INPUTS);
        return -1;
    }
    for (int i = 0; i < o->n_in; i++)
        if (name_too_long(c, &loc, "input name", o->in[i])) return -1;
    for (int i = 0; i < o->n_out; i++)
        if (name_too_long(c, &loc, "output name", o->out[i])) return -1;
    for (int i = 0; i < o->n_attr; i++)
        if (name_too_long(c, &loc, "attribute name", o->attr[i].name)) return -1;
    return 0;
}

static int append_node(OnnxCtx *c, const ONode *o) {
    if (check_node_limits(c, o)) return -1;
    if (c->n_nodes >= IR_MAX_NODES) {
        onnx_error(c, NULL, NULL, "graph has more than %d nodes%s, tsnc's limit",
                   IR_MAX_NODES, c->model->n_functions ? " after inlining functions" : "");
        return -1;
    }
    if (c->n_nodes == c->cap_nodes) {
        int cap = c->cap_nodes ? c->cap_nodes * 2 : 256;
        ONode *nn = realloc(c->nodes, (size_t)cap * sizeof *nn);
        if (!nn) die("out of memory");
        c->nodes = nn;
        c->cap_nodes = cap;
    }
    c->nodes[c->n_nodes++] = *o;
    return 0;
}

static int emit(OnnxCtx *c, Scope *sc, const Onnx__NodeProto *np);

/* Expands a call of f (call's names already in graph namespace). */
static int call_function(OnnxCtx *c, Scope *sc, const ONode *call, const FuncInfo *fi) {
    const Onnx__FunctionProto *f = fi->f;
    const char *fname = S(f->name);
    for (int i = 0; i < sc->depth; i++)
        if (sc->stack[i] == f) {
            onnx_error(c, call, NULL, "model-local function '%.*s' calls itself; recursion "
                       "cannot be inlined", ONNX_MSG_NAME, fname);
            return -1;
        }
    if (sc->depth >= MAX_CALL_DEPTH) {
        onnx_error(c, call, NULL, "model-local function calls nest deeper than %d levels",
                   MAX_CALL_DEPTH);
        return -1;
    }
    if ((size_t)call->n_in > f->n_input || (size_t)call->n_out > f->n_output) {
        onnx_error(c, call, NULL, "call of model-local function '%.*s' has %d inputs and %d "
                   "outputs; the function declares %zu and %zu", ONNX_MSG_NAME, fname,
                   call->n_in, call->n_out, f->n_input, f->n_output);
        return -1;
    }
    /* The call's attributes, then the function's defaults for those it omits. */
    OAttrRef *attrs = arena_alloc(c->tmp, (size_t)(call->n_attr + fi->n_defaults + 1) * sizeof *attrs);
    int n_attrs = call->n_attr;
    if (n_attrs) memcpy(attrs, call->attr, (size_t)n_attrs * sizeof *attrs);
    for (int i = 0; i < fi->n_defaults; i++) {
        bool given = false;
        for (int k = 0; k < call->n_attr && !given; k++)
            given = strcmp(call->attr[k].name, fi->defaults[i].name) == 0;
        if (!given) attrs[n_attrs++] = fi->defaults[i];
    }
    Scope in = {.inl = sc->inl, .attrs = attrs, .n_attrs = n_attrs, .index = sc->index,
                .opset = sc->opset, .depth = sc->depth + 1};
    memcpy(in.stack, sc->stack, sizeof in.stack);
    in.stack[sc->depth] = f;
    /* Each call its own prefix: calls that share a node name would otherwise compete
     * for the same fresh names (quadratic in the number of such calls). */
    const char *base = call->name[0] ? call->name : fname;
    in.prefix = call->name[0] ? call->name : arena_printf(c->tmp, "%s#%d", base, c->fresh_counter++);
    while (!strmap_put(sc->inl->prefixes, in.prefix, (void *)in.prefix))
        in.prefix = arena_printf(c->tmp, "%s#%d", base, c->fresh_counter++);
    sc->inl->name_bytes += strlen(in.prefix) + 1;
    for (size_t i = 0; i < f->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *os = f->opset_import[i];
        if (norm_domain(os->domain)[0]) continue;
        in.opset = os->has_version ? os->version : 0;
        if (in.opset < ONNX_MIN_OPSET || in.opset > ONNX_MAX_OPSET) {
            onnx_error(c, call, NULL, "model-local function '%.*s' imports opset %lld; tsnc "
                       "supports opsets %d to %d", ONNX_MSG_NAME, fname, (long long)in.opset,
                       ONNX_MIN_OPSET, ONNX_MAX_OPSET);
            return -1;
        }
    }
    in.rename = strmap_new();
    int rc = 0;
    for (size_t i = 0; i < f->n_input + f->n_output && rc == 0; i++) {
        bool is_in = i < f->n_input;
        size_t k = is_in ? i : i - f->n_input;
        const char *formal = S(is_in ? f->input[k] : f->output[k]);
        const char *actual;
        if (is_in)
            actual = (int)k < call->n_in ? call->in[k] : "";
        else
            actual = (int)k < call->n_out && call->out[k][0] ? call->out[k]
                                                             : fresh_name(c, in.inl, in.prefix, formal);
        if (!formal[0] || !strmap_put(in.rename, formal, (void *)actual)) {
            onnx_error(c, call, NULL, "model-local function '%.*s' has an empty or repeated "
                       "formal name '%.*s'", ONNX_MSG_NAME, fname, ONNX_MSG_NAME, formal);
            rc = -1;
        }
    }
    for (size_t i = 0; i < f->n_node && rc == 0; i++) rc = emit(c, &in, f->node[i]);
    strmap_free(in.rename);
    return rc;
}

static int emit(OnnxCtx *c, Scope *sc, const Onnx__NodeProto *np) {
    ONode o = {.op_type = S(np->op_type), .domain = norm_domain(np->domain),
               .opset = sc->opset, .index = sc->index};
    const char *nm = S(np->name);
    if (sc->rename) {
        o.name = arena_printf(c->tmp, "%s/%s", sc->prefix, nm[0] ? nm : o.op_type);
        sc->inl->name_bytes += strlen(o.name) + 1;
    } else {
        o.name = nm;
    }
    if (np->n_input > IR_MAX_INPUTS || np->n_output > IR_MAX_INPUTS) {
        onnx_error(c, &o, NULL, "node has %zu inputs and %zu outputs; at most %d of each are "
                   "supported", np->n_input, np->n_output, IR_MAX_INPUTS);
        return -1;
    }
    o.n_in = (int)np->n_input;
    o.n_out = (int)np->n_output;
    o.in = arena_alloc(c->tmp, (np->n_input + 1) * sizeof *o.in);
    o.out = arena_alloc(c->tmp, (np->n_output + 1) * sizeof *o.out);
    for (int i = 0; i < o.n_in; i++) o.in[i] = map_name(c, sc, np->input[i]);
    for (int i = 0; i < o.n_out; i++) o.out[i] = map_name(c, sc, np->output[i]);
    if (sc->inl->name_bytes > MAX_INLINE_NAME_BYTES) {
        onnx_error(c, NULL, NULL, "model-local functions inline into more than %zu MiB of node "
                   "and value names, tsnc's limit", MAX_INLINE_NAME_BYTES >> 20);
        return -1;
    }
    o.attr = arena_alloc(c->tmp, (np->n_attribute + 1) * sizeof *o.attr);
    for (size_t i = 0; i < np->n_attribute; i++) {
        const Onnx__AttributeProto *ap = np->attribute[i];
        const char *an = S(ap->name);
        if (!an[0]) {
            onnx_error(c, &o, NULL, "attribute #%zu has no name", i);
            return -1;
        }
        const char *ref = S(ap->ref_attr_name);
        if (!ref[0]) {
            o.attr[o.n_attr++] = (OAttrRef){an, ap};
            continue;
        }
        if (!sc->rename) {
            onnx_error(c, &o, NULL, "attribute '%.*s' refers to '%.*s' (ref_attr_name) "
                       "outside a function", ONNX_MSG_NAME, an, ONNX_MSG_NAME, ref);
            return -1;
        }
        for (int k = 0; k < sc->n_attrs; k++)
            if (strcmp(sc->attrs[k].name, ref) == 0) {
                o.attr[o.n_attr++] = (OAttrRef){an, sc->attrs[k].p};
                break;
            }
    }
    const FuncInfo *fi = find_function(c, &o, np);
    if (fi) {
        if (check_node_limits(c, &o)) return -1;
        return call_function(c, sc, &o, fi);
    }
    return append_node(c, &o);
}

/* Puts every name of the top-level graph into c->taken, so fresh names avoid them. */
static void collect_taken(OnnxCtx *c, const Onnx__GraphProto *gp) {
    c->taken = strmap_new();
    for (size_t i = 0; i < gp->n_initializer; i++) strmap_put(c->taken, S(gp->initializer[i]->name), c);
    for (size_t i = 0; i < gp->n_input; i++) strmap_put(c->taken, S(gp->input[i]->name), c);
    for (size_t i = 0; i < gp->n_output; i++) strmap_put(c->taken, S(gp->output[i]->name), c);
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        for (size_t k = 0; k < np->n_input; k++) strmap_put(c->taken, S(np->input[k]), c);
        for (size_t k = 0; k < np->n_output; k++) strmap_put(c->taken, S(np->output[k]), c);
    }
}

int onnx_collect_nodes(OnnxCtx *c, const Onnx__GraphProto *gp) {
    if (gp->n_node > IR_MAX_NODES) {
        onnx_error(c, NULL, NULL, "graph has %zu nodes; tsnc's limit is %d", gp->n_node,
                   IR_MAX_NODES);
        return -1;
    }
    const Onnx__ModelProto *m = c->model;
    if (m->n_functions) c->functions = strmap_new();
    for (size_t i = 0; i < m->n_functions; i++) {
        const Onnx__FunctionProto *f = m->functions[i];
        FuncInfo *fi = arena_alloc(c->tmp, sizeof *fi);
        fi->f = f;
        if (function_defaults(c, f, fi)) return -1;
        const char *key = function_key(c, norm_domain(f->domain), S(f->name),
                                       unknown_string(c, &f->base, FUNCTION_OVERLOAD));
        if (!strmap_put(c->functions, key, fi)) {
            onnx_error(c, NULL, NULL, "model-local function '%.*s' is defined twice",
                       ONNX_MSG_NAME, S(f->name));
            return -1;
        }
    }
    if (m->n_functions) {
        int64_t total = 0;
        bool cut = false;
        for (size_t i = 0; i < gp->n_node && total <= IR_MAX_NODES; i++)
            total += node_expansion(c, gp->node[i], 0, &cut);
        if (total > IR_MAX_NODES) {
            onnx_error(c, NULL, NULL, "graph has more than %d nodes after inlining functions, "
                       "tsnc's limit", IR_MAX_NODES);
            return -1;
        }
        collect_taken(c, gp);
    }
    Inliner inl = {.prefixes = strmap_new()};
    Scope top = {.inl = &inl, .opset = c->opset};
    int rc = 0;
    for (size_t i = 0; i < gp->n_node && rc == 0; i++) {
        top.index = (int)i;
        rc = emit(c, &top, gp->node[i]);
    }
    strmap_free(inl.prefixes);
    return rc;
}
