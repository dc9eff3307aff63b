/*
 * onnx_import.c - the ONNX frontend's entry points: reading the file,
 * parsing the ModelProto (onnx.proto via protobuf-c), checking the model
 * header, and lowering initializers and graph inputs; the nodes are handled
 * by onnx_nodes.c, onnx_order.c and onnx_lower.c (see onnx_internal.h).
 *
 * Semantics follow the ONNX IR spec (docs/IR.md): an initializer is a
 * constant. A graph input that has the name of an initializer is that
 * constant in IR version < 4 (where every initializer had to be listed
 * among the inputs); from IR version 4 on such an input is an overridable
 * default, which tsnc cannot honour since it compiles weights into the
 * generated code, so it is an error there.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/onnx_internal.h"

/* Largest model file read: protobuf messages are limited to 2 GiB. */
#define ONNX_MAX_FILE_BYTES (INT64_C(1) << 31)
/* Deepest message nesting accepted (protobuf-c's parser recurses once per level). */
#define ONNX_MAX_NESTING 64

/* ---- shared helpers -------------------------------------------------------- */

void onnx_error(OnnxCtx *c, const ONode *o, const Node *n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (o) {
        /* The ONNX op_type, not the IR op, which a rewrite may have changed. */
        char reason[1024];
        vsnprintf(reason, sizeof reason, fmt, ap);
        if (o->name[0])
            diag_error(c->d, NULL, "node '%.*s' (%.*s): %s", ONNX_MSG_NAME, o->name,
                       ONNX_MSG_NAME, o->op_type, reason);
        else
            diag_error(c->d, NULL, "node #%d (%.*s): %s", o->index, ONNX_MSG_NAME, o->op_type,
                       reason);
    } else {
        diag_verror(c->d, n, fmt, ap);
    }
    va_end(ap);
}

NameEntry *onnx_name(const OnnxCtx *c, const char *name) {
    return strmap_get(c->names, name);
}

static const char *S(const char *s) {
    return s ? s : "";
}

/* ---- protobuf nesting guard ---------------------------------------------- */

static bool read_varint(const uint8_t *p, size_t len, size_t *i, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *i < len; shift += 7) {
        uint8_t b = p[(*i)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/*
 * False if messages in p nest deeper than ONNX_MAX_NESTING. protobuf-c
 * unpacks sub-messages recursively without a limit, so a crafted file of
 * nested GraphProto/NodeProto/AttributeProto would exhaust the stack. This
 * walk follows the schema (it descends only into fields the descriptor says
 * are messages) and reads each byte once: a parent skips what a child
 * walked. Malformed wire data ends the walk with true: the parser rejects a
 * malformed message before it recurses into any of its fields.
 */
static bool nesting_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len,
                       int depth) {
    if (depth > ONNX_MAX_NESTING) return false;
    size_t i = 0;
    while (i < len) {
        uint64_t key, v;
        if (!read_varint(p, len, &i, &key)) return true;
        switch (key & 7) {
        case 0:
            if (!read_varint(p, len, &i, &v)) return true;
            break;
        case 1:
            if (len - i < 8) return true;
            i += 8;
            break;
        case 5:
            if (len - i < 4) return true;
            i += 4;
            break;
        case 2: {
            if (!read_varint(p, len, &i, &v) || v > len - i) return true;
            uint64_t field = key >> 3;
            const ProtobufCFieldDescriptor *fd =
                field <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(desc, (unsigned)field)
                                    : NULL;
            if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE &&
                !nesting_ok(fd->descriptor, p + i, (size_t)v, depth + 1))
                return false;
            i += (size_t)v;
            break;
        }
        default: return true; /* groups and invalid wire types: the parser rejects them */
        }
    }
    return true;
}

bool onnx_nesting_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len) {
    return nesting_ok(desc, p, len, 0);
}

/* ---- model header ----------------------------------------------------------- */

/* The default-domain opset, or -1 with the error reported. */
static int64_t default_opset(OnnxCtx *c, const Onnx__ModelProto *m) {
    int64_t found = -1;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *os = m->opset_import[i];
        const char *dom = S(os->domain);
        if (dom[0] && strcmp(dom, "ai.onnx") != 0) continue;
        int64_t v = os->has_version ? os->version : -1;
        if (found >= 0 && v != found) {
            onnx_error(c, NULL, NULL, "opset_import lists the default domain twice, with "
                       "versions %lld and %lld", (long long)found, (long long)v);
            return -1;
        }
        found = v;
    }
    if (found == -1 && m->n_opset_import) {
        for (size_t i = 0; i < m->n_opset_import; i++) {
            const char *dom = S(m->opset_import[i]->domain);
            if ((!dom[0] || strcmp(dom, "ai.onnx") == 0) && !m->opset_import[i]->has_version) {
                onnx_error(c, NULL, NULL, "opset_import for the default domain has no version");
                return -1;
            }
        }
    }
    if (found == -1) {
        onnx_error(c, NULL, NULL, "model has no opset_import for the default ONNX domain "
                   "(\"\" or \"ai.onnx\"): its operator versions are unknown");
        return -1;
    }
    if (found < ONNX_MIN_OPSET || found > ONNX_MAX_OPSET) {
        onnx_error(c, NULL, NULL, "opset %lld is not supported: tsnc reads opsets %d to %d%s",
                   (long long)found, ONNX_MIN_OPSET, ONNX_MAX_OPSET,
                   found < ONNX_MIN_OPSET ? " (convert the model with "
                                            "onnx.version_converter)" : "");
        return -1;
    }
    return found;
}

/* ---- graph inputs and initializers ---------------------------------------- */

static const char *type_case_name(Onnx__TypeProto__ValueCase vc) {
    switch (vc) {
    case ONNX__TYPE_PROTO__VALUE_SEQUENCE_TYPE: return "a sequence";
    case ONNX__TYPE_PROTO__VALUE_MAP_TYPE: return "a map";
    case ONNX__TYPE_PROTO__VALUE_OPTIONAL_TYPE: return "an optional";
    case ONNX__TYPE_PROTO__VALUE_SPARSE_TENSOR_TYPE: return "a sparse tensor";
    default: return "of unknown kind";
    }
}

static const DimPin *find_pin(const OnnxCtx *c, const char *name) {
    if (!c->opt) return NULL;
    for (int i = 0; i < c->opt->n_pins; i++)
        if (c->opt->pins[i].name && strcmp(c->opt->pins[i].name, name) == 0) return &c->opt->pins[i];
    return NULL;
}

/* Whether graph input vi declares a dynamic dimension named name. */
static bool has_dim_param(const Onnx__ValueInfoProto *vi, const char *name) {
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
        !tp->tensor_type->shape)
        return false;
    const Onnx__TensorShapeProto *sh = tp->tensor_type->shape;
    for (size_t i = 0; i < sh->n_dim; i++)
        if (sh->dim[i]->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
            strcmp(S(sh->dim[i]->dim_param), name) == 0)
            return true;
    return false;
}

/* A --dim that names no dynamic dimension of the inputs is a mistake (a typo would otherwise
 * be ignored): reported, with the names the model has. 0 or -1. */
static int check_pins_used(OnnxCtx *c, const Onnx__GraphProto *gp) {
    int rc = 0;
    for (int p = 0; c->opt && p < c->opt->n_pins; p++) {
        const char *name = c->opt->pins[p].name;
        bool used = false;
        for (size_t i = 0; i < gp->n_input && !used; i++) used = has_dim_param(gp->input[i], name);
        if (used) continue;
        char known[256] = "";
        size_t len = 0;
        for (size_t i = 0; i < gp->n_input; i++) {
            const Onnx__TypeProto *tp = gp->input[i]->type;
            if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type ||
                !tp->tensor_type->shape)
                continue;
            for (size_t k = 0; k < tp->tensor_type->shape->n_dim; k++) {
                const Onnx__TensorShapeProto__Dimension *d = tp->tensor_type->shape->dim[k];
                char quoted[40];
                if (d->value_case != ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM || !S(d->dim_param)[0])
                    continue;
                snprintf(quoted, sizeof quoted, "'%.32s'", d->dim_param);
                if (strstr(known, quoted)) continue; /* listed already */
                int n = snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", quoted);
                if (n < 0 || (size_t)n >= sizeof known - len) break;
                len += (size_t)n;
            }
        }
        onnx_error(c, NULL, NULL, "--dim %.*s: the model has no dynamic input dimension of that name (%s%s)",
                   ONNX_MSG_NAME, name, len ? "it has " : "it has none", known);
        rc = -1;
    }
    return rc;
}

/* The declared type of graph input vi, dynamic dims resolved by pins; 0 or -1 (all reported). */
static int input_type(OnnxCtx *c, const Onnx__ValueInfoProto *vi, Type *ty) {
    const char *nm = vi->name;
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case == ONNX__TYPE_PROTO__VALUE__NOT_SET) {
        onnx_error(c, NULL, NULL, "input '%.*s' has no type", ONNX_MSG_NAME, nm);
        return -1;
    }
    if (tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) {
        onnx_error(c, NULL, NULL, "input '%.*s' is %s, not a tensor", ONNX_MSG_NAME, nm,
                   type_case_name(tp->value_case));
        return -1;
    }
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    int rc = 0;
    ty->dtype = dtype_from_onnx(tt->has_elem_type ? tt->elem_type : 0);
    if (ty->dtype == DT_UNDEF) {
        onnx_error(c, NULL, NULL, "input '%.*s' has unsupported data type %s", ONNX_MSG_NAME, nm,
                   onnx_dtype_name(tt->has_elem_type ? tt->elem_type : 0));
        rc = -1;
    }
    if (!tt->shape) {
        onnx_error(c, NULL, NULL, "input '%.*s' has no shape; tsnc needs static input shapes",
                   ONNX_MSG_NAME, nm);
        return -1;
    }
    if (tt->shape->n_dim > IR_MAX_RANK) {
        onnx_error(c, NULL, NULL, "input '%.*s' has rank %zu; at most %d dimensions are supported",
                   ONNX_MSG_NAME, nm, tt->shape->n_dim, IR_MAX_RANK);
        return -1;
    }
    ty->shape.rank = (int)tt->shape->n_dim;
    for (int i = 0; i < ty->shape.rank; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
        int64_t v = -1;
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            v = dim->dim_value;
            if (v <= 0) {
                onnx_error(c, NULL, NULL, "input '%.*s' dimension %d is %lld; dimensions must be "
                           "positive", ONNX_MSG_NAME, nm, i, (long long)v);
                rc = -1;
            }
        } else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                   S(dim->dim_param)[0]) {
            const DimPin *pin = find_pin(c, dim->dim_param);
            if (!pin) {
                onnx_error(c, NULL, NULL, "input '%.*s' dimension %d is dynamic ('%.*s'); pin "
                           "it with --dim %.*s=VALUE", ONNX_MSG_NAME, nm, i, ONNX_MSG_NAME,
                           dim->dim_param, ONNX_MSG_NAME, dim->dim_param);
                rc = -1;
            } else if (pin->value <= 0) {
                onnx_error(c, NULL, NULL, "--dim %.*s=%lld: a dimension must be positive",
                           ONNX_MSG_NAME, pin->name, (long long)pin->value);
                rc = -1;
            } else {
                v = pin->value;
            }
        } else {
            onnx_error(c, NULL, NULL, "input '%.*s' dimension %d has neither a size nor a name; "
                       "tsnc needs static input shapes", ONNX_MSG_NAME, nm, i);
            rc = -1;
        }
        ty->shape.dim[i] = v;
    }
    if (rc == 0 && shape_numel(&ty->shape) < 0) {
        char buf[16 * (IR_MAX_RANK + 2)];
        onnx_error(c, NULL, NULL, "input '%.*s' of shape %s has more than %lld elements",
                   ONNX_MSG_NAME, nm, shape_str(&ty->shape, buf, sizeof buf),
                   (long long)IR_MAX_ELEMENTS);
        rc = -1;
    }
    return rc;
}

static bool check_name(OnnxCtx *c, const char *what, size_t index, const char *name) {
    if (!name[0]) {
        onnx_error(c, NULL, NULL, "%s #%zu has no name", what, index);
        return false;
    }
    if (strlen(name) > IR_MAX_NAME) {
        onnx_error(c, NULL, NULL, "%s '%.*s...' has a name longer than %d bytes", what,
                   ONNX_MSG_NAME, name, IR_MAX_NAME);
        return false;
    }
    return true;
}

/* Registers initializers and inputs in c->names and creates their values; 0 or -1. */
/*
 * ONNX leaves inf and NaN weights to each runtime: tsnc's interpreter, its
 * kernels (double accumulation, events that skip zero spikes, 0 * inf never
 * computed) and other runtimes may then give different results. That is
 * not an error (a -inf mask is legitimate), so a warning on stderr, once per
 * initializer, and the import goes on.
 */
static void warn_non_finite(const OnnxCtx *c, const char *name, const Tensor *t) {
    if (t->type.dtype != DT_F32 && t->type.dtype != DT_F64) return;
    int64_t bad = 0;
    for (int64_t i = 0, n = tensor_numel(t); i < n; i++) bad += !isfinite(tensor_get_f64(t, i));
    if (bad)
        fprintf(stderr,
                "tsnc: warning: %s: initializer '%.*s' holds %lld non-finite value%s (inf/NaN); "
                "the generated code's results may differ from other runtimes\n",
                c->d->file ? c->d->file : "<input>", ONNX_MSG_NAME, name, (long long)bad,
                bad == 1 ? "" : "s");
}

/*
 * One error for the graph inputs that share their names with initializers in
 * a model of IR version 4 or later (names: the first up to 3 of n): a
 * PyTorch export with keep_initializers_as_inputs=True lists every weight.
 */
static void report_input_defaults(OnnxCtx *c, const char *const *names, int n) {
    const Onnx__ModelProto *m = c->model;
    long long ir = m->has_ir_version ? (long long)m->ir_version : 0;
    if (n == 1) {
        onnx_error(c, NULL, NULL, "graph input '%.*s' has the same name as an "
                   "initializer; from IR version 4 on (this model has %lld) that makes "
                   "the initializer only a default, but tsnc compiles weights as "
                   "constants: remove '%.*s' from the graph inputs "
                   "(torch.onnx.export(..., keep_initializers_as_inputs=False))",
                   ONNX_MSG_NAME, names[0], ir, ONNX_MSG_NAME, names[0]);
        return;
    }
    char list[3 * (ONNX_MSG_NAME + 4) + 8];
    size_t at = 0;
    for (int i = 0; i < n && i < 3; i++)
        at += (size_t)snprintf(list + at, sizeof list - at, "%s'%.*s'", i ? ", " : "", ONNX_MSG_NAME, names[i]);
    if (n > 3) snprintf(list + at, sizeof list - at, ", ...");
    onnx_error(c, NULL, NULL, "%d graph inputs have the same names as initializers (%s); from IR "
               "version 4 on (this model has %lld) that makes the initializers only defaults, but "
               "tsnc compiles weights as constants: remove them from the graph inputs "
               "(torch.onnx.export(..., keep_initializers_as_inputs=False))", n, list, ir);
}

static int lower_inputs(OnnxCtx *c, const Onnx__GraphProto *gp) {
    int rc = 0;
    if (gp->n_sparse_initializer) {
        onnx_error(c, NULL, NULL, "sparse initializers are not supported");
        rc = -1;
    }
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        const char *nm = S(tp->name);
        if (!check_name(c, "initializer", i, nm)) {
            rc = -1;
            continue;
        }
        NameEntry *e = arena_alloc(c->tmp, sizeof *e);
        *e = (NameEntry){.name = nm, .def = DEF_INIT, .init = tp};
        if (!strmap_put(c->names, nm, e)) {
            onnx_error(c, NULL, NULL, "value '%.*s' is defined twice (two initializers)",
                       ONNX_MSG_NAME, nm);
            rc = -1;
        }
    }
    int n_real = 0, n_shadowed = 0, n_defaults = 0;
    const char *defaults[3]; /* the first inputs that only give an initializer's default */
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        const char *nm = S(vi->name);
        if (!check_name(c, "graph input", i, nm)) {
            rc = -1;
            continue;
        }
        NameEntry *old = onnx_name(c, nm);
        if (old && old->def == DEF_INIT) {
            n_shadowed++;
            /* Before IR version 4 every initializer had to be listed among the inputs: it
             * is a constant. From 4 on, the initializer is only the default of an input the
             * caller may override; compiling it as a constant would silently drop that. */
            const Onnx__ModelProto *m = c->model;
            if (!m->has_ir_version || m->ir_version >= 4) {
                if (n_defaults < 3) defaults[n_defaults] = nm;
                n_defaults++;
                rc = -1;
            }
            continue;
        }
        if (old) {
            onnx_error(c, NULL, NULL, "value '%.*s' is defined twice (two graph inputs)",
                       ONNX_MSG_NAME, nm);
            rc = -1;
            continue;
        }
        n_real++;
        NameEntry *e = arena_alloc(c->tmp, sizeof *e);
        *e = (NameEntry){.name = nm, .def = DEF_INPUT};
        strmap_put(c->names, nm, e);
        Type ty = {0};
        if (input_type(c, vi, &ty)) {
            rc = -1;
            continue;
        }
        e->value = graph_add_input(c->g, nm, &ty);
    }
    if (check_pins_used(c, gp)) rc = -1;
    if (n_defaults) report_input_defaults(c, defaults, n_defaults);
    if (n_real == 0) {
        if (n_shadowed)
            onnx_error(c, NULL, NULL, "every graph input is also an initializer, so the model "
                       "has no run-time input");
        else
            onnx_error(c, NULL, NULL, "graph has no inputs");
        rc = -1;
    }
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        const char *nm = S(tp->name);
        NameEntry *e = nm[0] ? onnx_name(c, nm) : NULL;
        if (!e || e->init != tp) continue; /* unnamed or a duplicate: reported */
        char what[ONNX_MSG_NAME + 32];
        snprintf(what, sizeof what, "initializer '%.*s'", ONNX_MSG_NAME, nm);
        Tensor *t = onnx_tensor(c, tp, what, NULL, NULL);
        if (!t) {
            rc = -1;
            continue;
        }
        warn_non_finite(c, nm, t);
        e->value = graph_const(c->g, nm, t);
    }
    return rc;
}

/*
 * The type graph output vi declares, as far as it declares one: an unset or
 * unsupported elem_type gives DT_UNDEF, no shape (or rank above IR_MAX_RANK)
 * rank -1, and a dimension without a value -1, unless it is a dim_param
 * pinned by --dim. Exports leave dims symbolic ('batch', or names made up
 * by shape inference); those declare nothing to check.
 */
static Type output_declared(OnnxCtx *c, const Onnx__ValueInfoProto *vi) {
    Type ty = {.dtype = DT_UNDEF, .shape = {.rank = -1}};
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type) return ty;
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    ty.dtype = dtype_from_onnx(tt->has_elem_type ? tt->elem_type : 0);
    if (!tt->shape || tt->shape->n_dim > IR_MAX_RANK) return ty;
    ty.shape.rank = (int)tt->shape->n_dim;
    for (int i = 0; i < ty.shape.rank; i++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[i];
        const DimPin *pin = NULL;
        ty.shape.dim[i] = -1;
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dim->dim_value >= 0)
            ty.shape.dim[i] = dim->dim_value;
        else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                 S(dim->dim_param)[0] && (pin = find_pin(c, dim->dim_param)) && pin->value > 0)
            ty.shape.dim[i] = pin->value;
    }
    return ty;
}

static int lower_outputs(OnnxCtx *c, const Onnx__GraphProto *gp) {
    Graph *g = c->g;
    g->outputs = arena_alloc(g->arena, (gp->n_output + 1) * sizeof *g->outputs);
    g->declared_outputs = arena_alloc(g->arena, (gp->n_output + 1) * sizeof *g->declared_outputs);
    for (size_t i = 0; i < gp->n_output; i++) {
        const NameEntry *e = onnx_name(c, S(gp->output[i]->name));
        if (!e || !e->value) return -1; /* reported by onnx_order_nodes or at its definition */
        g->declared_outputs[g->n_outputs] = output_declared(c, gp->output[i]);
        g->outputs[g->n_outputs++] = e->value;
    }
    g->n_declared = g->n_outputs;
    return 0;
}

/* ---- driver ---------------------------------------------------------------------- */

static Graph *import_model(const Onnx__ModelProto *m, const ImportOptions *opt, Diag *d) {
    OnnxCtx ctx = {.d = d, .opt = opt, .model = m}, *c = &ctx;
    int errors_before = d->n_errors;
    if (!m->graph && !m->n_opset_import && !m->has_ir_version) {
        onnx_error(c, NULL, NULL, "not an ONNX model (the protobuf has no graph, opset_import "
                   "or ir_version)");
        return NULL;
    }
    if (!m->graph) onnx_error(c, NULL, NULL, "model has no graph");
    c->opset = default_opset(c, m);
    if (!m->graph || c->opset < 0) return NULL;
    const Onnx__GraphProto *gp = m->graph;
    const char *gname = S(gp->name);
    if (strlen(gname) > IR_MAX_NAME) {
        onnx_error(c, NULL, NULL, "graph name is longer than %d bytes", IR_MAX_NAME);
        return NULL;
    }

    c->g = graph_new(gname[0] ? gname : NULL);
    c->g->opset = c->opset;
    c->tmp = arena_new();
    c->names = strmap_new();
    int rc = lower_inputs(c, gp);
    if (onnx_collect_nodes(c, gp) == 0) {
        if (onnx_report_unsupported(c)) rc = -1;
        if (onnx_order_nodes(c, gp) == 0) {
            if (onnx_lower_nodes(c)) rc = -1;
            if (lower_outputs(c, gp)) rc = -1;
        } else {
            rc = -1;
        }
    } else {
        rc = -1;
    }

    Graph *g = c->g;
    if (rc || d->n_errors != errors_before) {
        graph_free(g);
        g = NULL;
    }
    strmap_free(c->names);
    strmap_free(c->functions);
    strmap_free(c->taken);
    free(c->nodes);
    free(c->order);
    for (int i = 0; i < c->n_owned; i++) onnx__attribute_proto__free_unpacked(c->owned[i], NULL);
    free(c->owned);
    arena_free(c->tmp);
    return g;
}

Graph *onnx_import_buffer(const uint8_t *data, size_t len, const ImportOptions *o, Diag *d) {
    if (len == 0 || !data) {
        diag_error(d, NULL, "not an ONNX model (the input is empty)");
        return NULL;
    }
    if (!onnx_nesting_ok(&onnx__model_proto__descriptor, data, len)) {
        diag_error(d, NULL, "not an ONNX model (protobuf messages nest deeper than %d levels)",
                   ONNX_MAX_NESTING);
        return NULL;
    }
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, data);
    if (!m) {
        diag_error(d, NULL, "not an ONNX model (protobuf parse failed)");
        return NULL;
    }
    Graph *g = import_model(m, o, d);
    onnx__model_proto__free_unpacked(m, NULL);
    return g;
}

Graph *onnx_import_file(const char *path, const ImportOptions *o, Diag *d) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        diag_error(d, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        diag_error(d, NULL, "cannot stat: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        diag_error(d, NULL, "is a directory, not an ONNX file");
        close(fd);
        return NULL;
    }
    if (S_ISREG(st.st_mode) && (int64_t)st.st_size > ONNX_MAX_FILE_BYTES) {
        diag_error(d, NULL, "file is larger than 2 GiB (%lld bytes); protobuf models are limited "
                   "to 2 GiB", (long long)st.st_size);
        close(fd);
        return NULL;
    }
    /* Read to EOF (works for pipes too); the size is only a first guess. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 1 << 16;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) die("out of memory reading %zu bytes", cap);
    for (;;) {
        if (len == cap) {
            if ((int64_t)cap > ONNX_MAX_FILE_BYTES) break;
            cap *= 2;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) die("out of memory reading %zu bytes", cap);
            buf = nb;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            diag_error(d, NULL, "read error: %s", strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    close(fd);
    Graph *g = NULL;
    if (len == 0)
        diag_error(d, NULL, "file is empty");
    else if ((int64_t)len > ONNX_MAX_FILE_BYTES)
        diag_error(d, NULL, "file is larger than 2 GiB; protobuf models are limited to 2 GiB");
    else
        g = onnx_import_buffer(buf, len, o, d);
    free(buf);
    return g;
}
