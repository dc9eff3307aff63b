/*
 * onnx_internal.h - shared state of the ONNX importer (frontend/onnx_*.c).
 *
 * Import runs in stages over one OnnxCtx:
 *   onnx_import.c   reads the file, guards and parses the protobuf, checks the
 *                   model header, registers initializers and graph inputs;
 *   onnx_nodes.c    flattens the graph's nodes into ONodes, inlining
 *                   model-local functions;
 *   onnx_order.c    resolves value names (undefined / duplicate) and sorts the
 *                   ONodes topologically;
 *   onnx_lower.c    turns ONodes into IR nodes and constants;
 *   onnx_legacy.c   rewrites pre-opset-13 operand forms into the opset-13
 *                   order of ops.def;
 *   onnx_attr.c     converts and checks attributes;
 *   onnx_tensor.c   converts TensorProto to Tensor;
 *   onnx_strmap.c   a string hash table for value names.
 * Every problem is reported to the Diag and import goes on where it can, so
 * that one run lists every unsupported operator and bad attribute.
 */
#ifndef TSNC_ONNX_INTERNAL_H
#define TSNC_ONNX_INTERNAL_H

#include "frontend/frontend.h"
#include "ir/ir.h"
#include "onnx.pb-c.h"

/* Opsets accepted for the default domain ("" or "ai.onnx"); what changed in
 * 19 to 21 for tsnc's operators is handled in onnx_legacy.c. */
#define ONNX_MIN_OPSET 7
#define ONNX_MAX_OPSET 21

/* Names are clipped to this many bytes inside messages. */
#define ONNX_MSG_NAME 200

/* ---- onnx_strmap.c ------------------------------------------------------ */

/*
 * Maps NUL-terminated strings to pointers. Keys are not copied: they must
 * outlive the map. Hashing is seeded per process so that crafted names
 * cannot force quadratic probing.
 */
typedef struct StrMap StrMap;
StrMap *strmap_new(void);
void strmap_free(StrMap *m);
/* The value stored for key, or NULL. */
void *strmap_get(const StrMap *m, const char *key);
/* Stores key -> val unless key is present; returns false (and keeps the old value) if it was. */
bool strmap_put(StrMap *m, const char *key, void *val);

/* ---- the importer's state ------------------------------------------------ */

/* One attribute of an ONode: its name in the node, and the proto that carries its value
 * (for a function body attribute with ref_attr_name, the caller's attribute). */
typedef struct OAttrRef {
    const char *name;
    const Onnx__AttributeProto *p;
} OAttrRef;

/*
 * A node to lower: an ONNX NodeProto after function inlining, with value
 * names already renamed into the graph's namespace. Strings point into the
 * protobuf message or the ctx's scratch arena.
 */
typedef struct ONode {
    const char *name;    /* location for messages; "" if the model gives none */
    const char *op_type;
    const char *domain;  /* "" for the default domain */
    int64_t opset;       /* default-domain opset this node is interpreted at */
    int index;           /* index of the top-level NodeProto it comes from */
    int n_in, n_out;
    const char **in;     /* "" = omitted optional input */
    const char **out;    /* "" = omitted optional output */
    int n_attr;
    OAttrRef *attr;
} ONode;

/* Where a value name is defined. */
enum { DEF_INPUT = -1, DEF_INIT = -2 };

/* What the importer knows about one value name. */
typedef struct NameEntry {
    const char *name;
    int def;                        /* ONode index, DEF_INPUT or DEF_INIT */
    int def_out;                    /* output index of the defining ONode */
    int uses;                       /* node inputs + graph outputs that read it */
    const Onnx__TensorProto *init;  /* the initializer (DEF_INIT) */
    Value *value;                   /* once lowered; NULL if its definition failed */
} NameEntry;

typedef struct OnnxCtx {
    Graph *g;
    Diag *d;
    Arena *tmp;                 /* scratch memory freed at the end of import */
    const ImportOptions *opt;
    const Onnx__ModelProto *model;
    int64_t opset;              /* the model's default-domain opset */
    StrMap *names;              /* value name -> NameEntry */
    ONode *nodes;               /* malloc'd, n_nodes of cap_nodes */
    int n_nodes, cap_nodes;
    int *order;                 /* topological order of nodes (malloc'd) */
    StrMap *functions;          /* model-local functions by domain and name (if any) */
    StrMap *taken;              /* every name in use, for fresh names (functions only) */
    int fresh_counter;
    Onnx__AttributeProto **owned; /* protos unpacked by the importer itself (freed at the end) */
    int n_owned, cap_owned;
} OnnxCtx;

/*
 * Reports an error as "FILE: node 'NAME' (OP_TYPE): reason". With an ONode
 * the name and the ONNX op_type come from it (an unnamed node is "#index"
 * of the ONNX node list; the op_type is the file's even where a rewrite
 * changed the IR op); with only a Node, diag_error formats it; with
 * neither, the message is about the file.
 */
void onnx_error(OnnxCtx *c, const ONode *o, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * False if protobuf messages in p[0..len), a message of type desc, nest
 * deeper than the importer accepts (protobuf-c's parser recurses per level).
 */
bool onnx_nesting_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *p, size_t len);

/* The NameEntry of name, or NULL. */
NameEntry *onnx_name(const OnnxCtx *c, const char *name);

/* ---- onnx_tensor.c ------------------------------------------------------- */

/* ONNX TensorProto.DataType name ("FLOAT16", "STRING", ...) or "code N" (static buffer). */
const char *onnx_dtype_name(int32_t code);
/*
 * Converts a TensorProto into a tensor in c->g's arena. `what` names it in
 * messages ("initializer 'w'", "attribute 'value'"); o/n locate it. Checks
 * data type, dims (negative, rank, element count), data location and the
 * byte/element count of raw_data or of the typed field the ONNX spec
 * assigns to the type (onnx.proto, TensorProto comments). NULL on error.
 */
Tensor *onnx_tensor(OnnxCtx *c, const Onnx__TensorProto *tp, const char *what,
                    const ONode *o, const Node *n);

/* ---- onnx_attr.c --------------------------------------------------------- */

/* An attribute of the node being lowered, converted but not yet attached. */
typedef struct PendingAttr {
    const char *name;
    int onnx_type;   /* AttributeProto.AttributeType, inferred when the file leaves it 0; -1 none */
    bool ok;         /* a holds the converted value */
    bool consumed;   /* taken by an opset rewrite; not attached as is */
    Attr a;
} PendingAttr;

/* "int", "floats", "graph", ... for an AttributeProto type. */
const char *onnx_attr_type_name(int onnx_type);
/*
 * Converts the attributes of o into out[o->n_attr] (values in c->g's arena).
 * Reports duplicates, kinds we cannot represent only when they are checked,
 * strings with NUL bytes or too long, bad tensors. Returns 0 or -1.
 */
int onnx_convert_attrs(OnnxCtx *c, const ONode *o, const Node *n, PendingAttr *out);
/*
 * Takes attribute `name` for a rewrite: marks it consumed and checks its
 * kind. Returns 1 with *a set, 0 if absent, -1 if present but unusable
 * (error reported).
 */
int onnx_take_attr(OnnxCtx *c, const ONode *o, const Node *n, PendingAttr *pa, int n_pa,
                   const char *name, AttrKind kind, const Attr **a);
/*
 * Attaches every attribute not consumed to n after checking it against the
 * op's AttrSpec list (ops.c): unknown names and wrong kinds are errors.
 */
int onnx_attach_attrs(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa);

/* ---- onnx_nodes.c -------------------------------------------------------- */

/* Fills c->nodes from the graph, inlining calls of model-local functions. 0 or -1. */
int onnx_collect_nodes(OnnxCtx *c, const Onnx__GraphProto *gp);

/* ---- onnx_order.c -------------------------------------------------------- */

/*
 * Registers node outputs in c->names, checks every use is defined and every
 * value is defined once, counts uses (graph outputs included), and sorts
 * the nodes into c->order (Kahn, keeping the file's order where it is
 * valid). Returns 0 or -1.
 */
int onnx_order_nodes(OnnxCtx *c, const Onnx__GraphProto *gp);

/* ---- onnx_lower.c -------------------------------------------------------- */

/* True if tsnc has the node's operator: an op of ops.def in the default domain, or Constant. */
bool onnx_op_supported(const ONode *o);
/* Lists every node whose operator tsnc does not support; returns their count. */
int onnx_report_unsupported(OnnxCtx *c);
/* Lowers every node in c->order into c->g. Returns 0 or -1 (all errors reported). */
int onnx_lower_nodes(OnnxCtx *c);

/* ---- onnx_legacy.c ------------------------------------------------------- */

/*
 * Rewrites node n, created from o with its ONNX inputs, into the operand
 * order ops.def documents (opset 13 with the reductions' axes as an
 * attribute): attributes that older opsets used where opset 13 has inputs
 * become constant inputs, obsolete attributes that do not change inference
 * are dropped, opset-11 Softmax is expanded; newer forms (opsets 18 to
 * 21) that tsnc implements are mapped onto the IR and the others refused,
 * naming the op version that introduced them. May replace n->in, change
 * n->op, and set outs[i] when the ONNX output i is now another value.
 * Returns 0 or -1.
 */
int onnx_rewrite_legacy(OnnxCtx *c, const ONode *o, Node *n, PendingAttr *pa, int n_pa,
                        Value **outs);

/* True if o->in[i] names a value whose definition failed to lower (errors already given). */
bool onnx_input_failed(const OnnxCtx *c, const ONode *o, int i);

#endif
