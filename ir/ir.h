/*
 * ir.h - tsnc's graph IR: the table of contents of ir/.
 *
 * A Graph is a list of Nodes in topological order. Nodes read and write
 * Values; a Value is a tensor with a static Type (dtype + shape), defined once
 * (SSA): by a node, as a graph input, or as a constant (initializer). Every
 * operation is an OpKind from ops.def, which lists its ONNX name, arity and
 * attributes; its semantics live in ir/op_*.c (shape inference and a
 * reference evaluator, the interpreter that also folds constants).
 *
 * Memory: everything hangs off the graph's Arena and is freed at once.
 * Errors: user-facing errors go to a Diag (they name the file, the node and
 * the reason) and functions return -1; internal bugs call die(); invariants
 * are asserts. The verifier (verify.c) checks a graph between passes.
 */
#ifndef TSNC_IR_H
#define TSNC_IR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TSNC_VERSION "0.1.0"

/* Fixed limits; exceeding any is a user error, never a crash (see docs/limits.md). */
#define IR_MAX_RANK 8                     /* dimensions of a tensor */
#define IR_MAX_ELEMENTS (INT64_C(1) << 28) /* elements of one tensor (1 GiB of f32) */
#define IR_MAX_INPUTS 4096                /* inputs of one node (Concat can be wide) */
#define IR_MAX_NODES 200000               /* nodes of one graph */
#define IR_MAX_NAME 4096                  /* bytes of a name or string attribute */
#define VS_MAX_LEVELS 16                  /* levels a finite value set can hold */

/* ---- arena.c ----------------------------------------------------------- */

/* A bump allocator: compiler memory is allocated here and freed once. */
typedef struct Arena Arena;

/* Returns a new empty arena. Dies if the system is out of memory. */
Arena *arena_new(void);
/* Returns n zeroed bytes aligned to 16; dies on out-of-memory. */
void *arena_alloc(Arena *a, size_t n);
/* Copies the NUL-terminated string s (NULL stays NULL). */
char *arena_strdup(Arena *a, const char *s);
/* Copies n bytes of s and appends a NUL. */
char *arena_strndup(Arena *a, const char *s, size_t n);
/* printf into the arena. */
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Frees the arena and everything allocated from it. NULL is allowed. */
void arena_free(Arena *a);

/* ---- diag.c ------------------------------------------------------------ */

/*
 * Collects user-facing errors. Each message is formatted as
 *   FILE: node 'NAME' (OP): REASON
 * so that a user can find the cause in the model. Errors are collected, not
 * printed at once, so that a stage can report every problem it finds (for
 * example every unsupported operator) before the driver gives up.
 */
typedef struct Diag {
    const char *file;  /* the input being processed (model or IR file) */
    int n_errors;      /* errors reported so far */
    int n_kept;        /* messages kept in msgs (at most DIAG_MAX_KEPT) */
    char *msgs[64];    /* malloc'd messages; diag_free releases them */
} Diag;
#define DIAG_MAX_KEPT 64

struct Node;
/* Records an error about node n (NULL: about the file as a whole). */
void diag_error(Diag *d, const struct Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_verror(Diag *d, const struct Node *n, const char *fmt, va_list ap);
/* Writes every kept message to f, one per line, prefixed with "tsnc: error: ". */
void diag_print(const Diag *d, FILE *f);
/* Moves src's messages (already formatted) to dst. */
void diag_take(Diag *dst, Diag *src);
/* Releases the kept messages; the Diag can be reused. */
void diag_free(Diag *d);

/* Internal compiler error: prints file:line and the message, then aborts. */
_Noreturn void die_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define die(...) die_at(__FILE__, __LINE__, __VA_ARGS__)

/* ---- types.c ----------------------------------------------------------- */

/* Element types. The numbering is ours; frontend maps ONNX's codes. */
typedef enum DType {
    DT_UNDEF = 0,
    DT_F32,
    DT_F64,
    DT_I8,
    DT_U8,
    DT_I16,
    DT_I32,
    DT_I64,
    DT_BOOL,
    DT_COUNT
} DType;

/* Static shape. rank -1: not inferred yet. A dim is >= 0 once inferred. */
typedef struct Shape {
    int rank;
    int64_t dim[IR_MAX_RANK];
} Shape;

/* A tensor type: dtype and static shape. */
typedef struct Type {
    DType dtype;
    Shape shape;
} Type;

/* Name as printed in IR text ("f32", "i64", "bool", ...). */
const char *dtype_name(DType t);
/* Inverse of dtype_name; DT_UNDEF if unknown. */
DType dtype_from_name(const char *s, size_t n);
/* Bytes per element (bool is stored as one byte). */
size_t dtype_size(DType t);
bool dtype_is_float(DType t);
/* ONNX TensorProto.DataType code <-> DType (onnx.proto); DT_UNDEF / 0 if unsupported. */
DType dtype_from_onnx(int32_t code);
int32_t dtype_to_onnx(DType t);

/* Product of the dims; -1 if the shape is unknown or overflows IR_MAX_ELEMENTS. */
int64_t shape_numel(const Shape *s);
bool shape_eq(const Shape *a, const Shape *b);
bool type_eq(const Type *a, const Type *b);
/* Makes a shape from n dims. */
Shape shape_make(int rank, const int64_t *dims);
/* Row-major strides (in elements) of s into out[rank]. */
void shape_strides(const Shape *s, int64_t *out);
/*
 * Multidirectional (numpy) broadcast of a and b (ONNX "Broadcasting in
 * ONNX", docs/Broadcasting.md). Returns false if the shapes do not broadcast.
 */
bool shape_broadcast(const Shape *a, const Shape *b, Shape *out);
/* Formats "[1,16,28,28]" into buf (at least 16 * (IR_MAX_RANK + 1) bytes). */
char *shape_str(const Shape *s, char *buf, size_t n);
/* Checked a * b for non-negative sizes: false on overflow or > IR_MAX_ELEMENTS. */
bool checked_mul_size(int64_t a, int64_t b, int64_t *out);

/* ---- tensor.c ---------------------------------------------------------- */

/* A dense row-major tensor with data (constants, interpreter values). */
typedef struct Tensor {
    Type type;
    void *data; /* numel * dtype_size bytes */
} Tensor;

/* Allocates a zeroed tensor in the arena (a == NULL: malloc; free with tensor_free_heap). */
Tensor *tensor_new(Arena *a, DType dt, const Shape *s);
void tensor_free_heap(Tensor *t);
int64_t tensor_numel(const Tensor *t);
size_t tensor_bytes(const Tensor *t);
/* Element i converted to double / int64 (any dtype). */
double tensor_get_f64(const Tensor *t, int64_t i);
int64_t tensor_get_i64(const Tensor *t, int64_t i);
/* Stores v converted to the tensor's dtype (ONNX Cast semantics for floats to ints: truncation). */
void tensor_set_f64(Tensor *t, int64_t i, double v);
void tensor_set_i64(Tensor *t, int64_t i, int64_t v);
/* A scalar f32 tensor holding v. */
Tensor *tensor_scalar_f32(Arena *a, float v);
/* True if every element equals v. */
bool tensor_all_equal(const Tensor *t, double v);

/* ---- value sets (spike analysis; see passes/spike_analysis.c) ---------- */

/*
 * Amplitude pattern: element with flat row-major index i has amplitude
 * amp(i) = v[(i / inner) % n]. n == 0 means amplitude 1. This form is
 * invariant under Reshape/Flatten/Squeeze/Unsqueeze, which keep flat
 * indices, so a per-channel alpha survives the exports' reshapes.
 */
typedef struct Amp {
    int64_t n;        /* number of distinct amplitudes; 0: the constant 1 */
    int64_t inner;    /* elements that share one amplitude (H*W for NCHW channels) */
    const float *v;   /* n amplitudes (arena) */
} Amp;

/*
 * What spike analysis proved about a tensor's values: every element x[i] is
 * amp(i) * l for some level l in levels[0..n_levels). n_levels == 0 means
 * nothing is known ("real"). A ternary spike tensor has levels {-1,0,1}, a
 * binary one {0,1}; alpha is the amplitude.
 */
typedef struct ValueSet {
    int n_levels;
    float levels[VS_MAX_LEVELS]; /* ascending, distinct */
    Amp amp;
} ValueSet;

/*
 * Physical order of a tensor in generated code. The IR's semantics are
 * logical (row-major), so the interpreter ignores this; codegen follows it.
 * Channels-last: the trailing logical block (C, H, W) is stored as
 * (H, W, C), so one spike layer output pixel's channels are contiguous; a
 * rank-2 value [N, C*H*W] flattened from such a block keeps that order.
 * Decided by the choose-kernels pass and printed as "nhwc" in IR text.
 */
typedef struct Layout {
    bool channels_last;
    int64_t c, h, w;  /* the (C, H, W) block when channels_last */
} Layout;

/* ---- graph.c ----------------------------------------------------------- */

typedef enum OpKind {
#define OP(id, name, min_in, max_in, n_out, attrs, data, traits, emit, view) OP_##id,
#include "ops.def"
#undef OP
    OP_COUNT
} OpKind;

typedef enum AttrKind {
    ATTR_INT,
    ATTR_FLOAT,
    ATTR_INTS,
    ATTR_FLOATS,
    ATTR_STRING,
    ATTR_TENSOR
} AttrKind;

/* A node attribute (ONNX AttributeProto, restricted to the kinds we use). */
typedef struct Attr {
    const char *name;
    AttrKind kind;
    int64_t i;        /* ATTR_INT */
    float f;          /* ATTR_FLOAT */
    int n;            /* element count for ATTR_INTS / ATTR_FLOATS */
    int64_t *ints;    /* ATTR_INTS */
    float *floats;    /* ATTR_FLOATS */
    const char *s;    /* ATTR_STRING (NUL-terminated) */
    Tensor *t;        /* ATTR_TENSOR */
} Attr;

typedef struct Value Value;
typedef struct Node Node;
typedef struct Graph Graph;

/* A tensor in the graph: defined once, by a node, as an input, or as a constant. */
struct Value {
    int id;            /* unique in the graph, in creation order */
    const char *name;  /* source name (ONNX tensor name); may be NULL */
    Type type;
    Node *def;         /* producing node; NULL for inputs and constants */
    int def_index;     /* which output of def */
    Tensor *konst;     /* constant data (type equals konst->type). Set with def == NULL
                          for constants; set on a node output when infer-shapes has
                          computed its value at compile time (fold-constants then
                          turns it into a constant). */
    bool is_input;     /* a graph input */
    ValueSet vs;       /* proven value set (spike analysis) */
    Layout layout;     /* physical order in generated code (default: row-major) */
};

/* An operation. Inputs may be NULL where an optional input is omitted. */
struct Node {
    int id;            /* unique in the graph */
    OpKind op;
    const char *name;  /* ONNX node name, kept as the location; may be "" */
    int n_in;
    Value **in;
    int n_out;
    Value **out;
    int n_attr;
    Attr *attr;        /* sorted by name */
    Node *prev, *next; /* position in the graph's topological order */
    const char *remark; /* why a pass decided what it did (printed as a comment); may be NULL */
};

/* A model: nodes in topological order, graph inputs/outputs, all values. */
struct Graph {
    Arena *arena;
    const char *name;
    Node *first, *last;
    int n_nodes;
    Value **values;   /* every value ever created (some may be dead) */
    int n_values, cap_values;
    Value **inputs;
    int n_inputs;
    Value **outputs;
    int n_outputs;
    /* For the first n_declared outputs, the type the model declares for each (ONNX
     * graph.output): a DT_UNDEF dtype, a rank of -1 or a dim of -1 (symbolic) declares
     * nothing there. infer-shapes refuses an output whose inferred type disagrees. */
    Type *declared_outputs;
    int n_declared;
    int next_node_id;
    int64_t opset;    /* default-domain opset the model was imported at */
};

/* An empty graph with its own arena. */
Graph *graph_new(const char *name);
/* Frees the graph and its arena. NULL is allowed. */
void graph_free(Graph *g);
/* A new value with no definition yet (the caller sets def or konst). */
Value *graph_new_value(Graph *g, const char *name, DType dt);
/* A constant value holding t (t must live in g's arena). */
Value *graph_const(Graph *g, const char *name, Tensor *t);
/* A new graph input with the given type. */
Value *graph_add_input(Graph *g, const char *name, const Type *t);
/*
 * Creates a node of kind op with the given inputs and n_out fresh output
 * values (dtype DT_UNDEF until inference), and inserts it before `before`
 * (NULL: append). Attributes are added with node_set_attr_*.
 */
Node *graph_add_node(Graph *g, Node *before, OpKind op, const char *name,
                     int n_in, Value *const *in, int n_out);
/* Unlinks n from the graph (its outputs become undefined). */
void graph_remove_node(Graph *g, Node *n);
/* Moves n to just before `before`. */
void graph_move_before(Graph *g, Node *n, Node *before);
/* Replaces every use of old (node inputs and graph outputs) by new_, if new_ has old's
 * type and layout (its readers were typed for them); false, changing nothing, otherwise. */
bool graph_replace_uses(Graph *g, Value *old, Value *new_);
/* Number of node inputs plus graph outputs that read v. */
int graph_count_uses(const Graph *g, const Value *v);
/* True if v is one of the graph outputs. */
bool graph_is_output(const Graph *g, const Value *v);

/* Use table: for each value id, the nodes that read it (built on demand). */
typedef struct Uses {
    int n_values;
    int *count;      /* per value id */
    Node ***users;   /* per value id: count[id] nodes (a node appears once per read) */
} Uses;
Uses *uses_build(const Graph *g);
void uses_free(Uses *u);

/* Attribute accessors: return the attribute or NULL. */
const Attr *node_attr(const Node *n, const char *name);
int64_t node_attr_int(const Node *n, const char *name, int64_t dflt);
float node_attr_float(const Node *n, const char *name, float dflt);
/* Returns the ints of an ATTR_INTS attribute and its count in *n (NULL if absent). */
const int64_t *node_attr_ints(const Node *n, const char *name, int *count);
const char *node_attr_string(const Node *n, const char *name, const char *dflt);
/* Setters replace an attribute of the same name and keep the list sorted. */
void node_set_attr(Graph *g, Node *n, const Attr *a);
void node_set_attr_int(Graph *g, Node *n, const char *name, int64_t v);
void node_set_attr_float(Graph *g, Node *n, const char *name, float v);
void node_set_attr_ints(Graph *g, Node *n, const char *name, int count, const int64_t *v);
void node_set_attr_floats(Graph *g, Node *n, const char *name, int count, const float *v);
void node_set_attr_string(Graph *g, Node *n, const char *name, const char *s);
void node_remove_attr(Node *n, const char *name);
/* Same type and the same bytes. */
bool tensor_equal(const Tensor *a, const Tensor *b);
/* Same name, kind and value (floats compared bit for bit, so -0 != 0 and a NaN equals itself). */
bool attr_equal(const Attr *a, const Attr *b);
/* a and b carry equal attributes (both lists are kept sorted by name). */
bool node_attrs_equal(const Node *a, const Node *b);

/* ---- ops.c ------------------------------------------------------------- */

/* One attribute an op accepts. */
typedef struct AttrSpec {
    const char *name;
    AttrKind kind;
} AttrSpec;

/*
 * The reference semantics of an op (ir/op_*.c). `infer` sets the types of
 * n's outputs from its inputs' types (and constant inputs' values) and
 * reports bad inputs to d (returns -1). `eval` computes outputs from inputs
 * (outputs are allocated by the caller with the inferred types); it returns
 * -1 with a message in d on a run-time error such as an index out of range.
 */
typedef struct OpSema {
    int (*infer)(Node *n, Diag *d);
    int (*eval)(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d);
} OpSema;

typedef struct OpInfo {
    const char *name;        /* ONNX op_type, or "tsnc.xxx" for our own ops */
    int min_in, max_in;      /* arity (max_in -1: variadic) */
    int n_out;               /* outputs (all mandatory) */
    const AttrSpec *attrs;   /* attributes it accepts, terminated by {NULL} */
    const OpSema *sema;      /* shape inference and reference evaluation */
    int data;                /* DataInputs: which inputs are data */
    unsigned traits;         /* OpTrait bits */
} OpInfo;

/* The registry entry of op. */
const OpInfo *op_info(OpKind op);

/*
 * Which inputs of an op are data (column data_inputs of ops.def): the
 * activations whose elements flow into the result. The others are
 * parameters: shapes, axes, indices, pads, a condition, weights and bias of
 * a layer, normalization statistics. A bit per input index, or DATA_ALL.
 */
typedef enum DataInputs {
    DATA_NONE = 0,      /* the result depends on the inputs' shapes only */
    DATA_0 = 1,         /* input 0 */
    DATA_1_2 = 6,       /* inputs 1 and 2 (Where: input 0 is the condition) */
    DATA_ALL = -1       /* every input */
} DataInputs;

/*
 * What an op is (column traits of ops.def, bits or'ed together). Passes and
 * the layout checker ask these instead of keeping lists of ops.
 */
typedef enum OpTrait {
    /* Moves elements only: each result element is a copy of an element of a
     * data input (rearranged, repeated or dropped), never computed or inserted;
     * so it keeps any property of single elements (a spike, a spike code). */
    OPT_MOVES = 1u << 0,
    /* A view: result 0 is data input 0's storage, same elements in the same
     * row-major order (implies OPT_MOVES); codegen never emits code for it. */
    OPT_VIEW = 1u << 1,
    /* A view that only changes the shape (Reshape and its special cases;
     * implies OPT_VIEW). */
    OPT_RESHAPE = 1u << 2,
    /* Linear in its data inputs without being pure movement: scaling them by
     * a constant per element position scales the result the same way
     * (averaging, negation, zero padding, selection). */
    OPT_LINEAR = 1u << 3,
    /* Layout-agnostic elementwise: operands and results of one shape, element
     * i of the result from element i of each operand, so it runs in either
     * layout (channels-last included) when all share it. */
    OPT_NHWC_ELEMENTWISE = 1u << 4,
    /* Reads and writes channels-last values when it moves whole (C, H, W)
     * blocks: reshapes that keep the block, Gather/Concat on an outer axis. */
    OPT_NHWC_BLOCKS = 1u << 5,
    /* A spike op with channels-last rules of its own (layout.c). */
    OPT_NHWC_OWN = 1u << 6,
    /* In place: the kernel may write result 0 over an operand of the same
     * dtype and size (each element is read before it is written, at its own
     * index). */
    OPT_IN_PLACE = 1u << 7,
    /* A synaptic layer: a convolution or matrix product of an activation
     * (input 0) with weights. */
    OPT_LAYER = 1u << 8,
    /* A spike layer: a layer whose input 0 holds spikes in {-1, 0, 1}, computed
     * with add-only synaptic operations (implies OPT_LAYER). */
    OPT_SPIKE_LAYER = 1u << 9,
    /* A spiking neuron: tsnc.fire, tsnc.lif. */
    OPT_NEURON = 1u << 10
} OpTrait;

/* True if op has every trait in `traits` (OpTrait bits). */
bool op_has(OpKind op, unsigned traits);
/* True if input i of op is data (see DataInputs); i >= 0. */
bool op_input_is_data(OpKind op, int i);
/* Looks up an op by name; OP_COUNT if unknown. */
OpKind op_from_name(const char *name);

/* ---- op_spike.c ------------------------------------------------------- */

/*
 * The firing rule of tsnc.fire / tsnc.lif (attributes kind, up, down,
 * up_inclusive, down_inclusive). Ternary spikes (Guo et al., "Ternary Spike",
 * AAAI 2024): s = +1 if v >= up, -1 if v <= down, else 0, with up = 0.5 and
 * down = -0.5 in the paper. Binary: s = 1 if v > up.
 */
typedef struct FireRule {
    bool ternary;
    float up, down;
    bool up_inclusive, down_inclusive;
} FireRule;

/* Reads the rule from a tsnc.fire or tsnc.lif node. */
FireRule fire_rule_of(const Node *n);
/* Stores the rule as attributes of n. */
void fire_rule_set(Graph *g, Node *n, const FireRule *r);
/* The spike the rule emits for v (in float, exactly as generated code does). */
float fire_apply(const FireRule *r, float v);

/*
 * Spike codes: spikes s (N, C, H, W) stored as u8 (N, H, W, ceil(C / group)),
 * channels g*group .. g*group+group-1 of a pixel in one byte as the digits
 * sum_i (s_i + 1) * 3^i (ternary) or sum_i s_i * 2^i (binary); see tsnc.pack
 * in docs/ir.md.
 */
/* Most timesteps one tsnc.lif {steps = T} may run (a time-invariant input current, docs/ir.md). */
#define LIF_MAX_STEPS 4096

typedef struct SpikeCodes {
    int64_t channels; /* C of the spikes the codes stand for */
    int64_t group;    /* channels per code: 1..5 ternary, 1..8 binary */
    bool ternary;
} SpikeCodes;

/* Most magnitudes a tsnc.split_levels splits a tensor into (one spike plane each). */
#define SPLIT_LEVELS_MAX 16

/* Whether n writes codes (tsnc.pack, a tsnc.lif with pack) or reads them (a
 * tsnc.spike_conv with u8 input), and their layout. n must have static types. */
bool spike_codes_of(const Node *n, SpikeCodes *c);
/* Kernel taps (kh*kw of weights w (M, C, kh, kw), a constant) whose weights differ (bit for
 * bit) from every earlier tap's: a composed pooling repeats each weight over its window, and such taps share
 * one lookup table. Without constant data: kh*kw. */
int64_t spike_conv_distinct_taps(const Value *w);
/* Bytes of the lookup table of a tsnc.spike_conv {impl = "lut"}: distinct taps x groups x
 * codes (3^pack ternary, 2^pack binary) x M floats, built by the generated code on its first
 * call (static storage besides the arena); 0 for any other node. */
int64_t spike_lut_table_bytes(const Node *n);
/* The same for weights w (M, C, kh, kw) read as codes of `group` channels of ternary or binary
 * spikes, before any node has impl "lut" (choose-kernels, compose-pooling). */
int64_t spike_lut_table_bytes_for(const Value *w, int64_t group, bool ternary);
/*
 * impl "gather" (the output-stationary spike convolution, runtime/simd/spike_gather.c): the
 * kernel walks tile by tile and tap by tap over a band of output pixels, so a (tap, tile)
 * slice of one block of the weights, ct rows of `block` floats, stays in L1 while the band
 * uses it. spike_gather_tile gives the input channels per tile for a block of that many
 * floats: as many rows as fill SPIKE_GATHER_SLICE_FLOATS (32 KiB, the L1 of current cores
 * with room for the lists and sums), at most SPIKE_GATHER_CT_MAX and at most C
 * (docs/performance.md measures the slice sizes). The event lists take
 * spike_gather_list_bytes_for(n, ct) of the state's RAM: per input pixel of each sample and
 * tile, two counts and ct channel numbers (uint16), plus SPIKE_GATHER_LIST_SLACK entries for
 * the widest vector store; spike_gather_list_bytes(n) is the most any target's tile needs
 * (--stats). 0 for other nodes.
 */
#define SPIKE_GATHER_SLICE_FLOATS 8192
#define SPIKE_GATHER_CT_MAX 512
#define SPIKE_GATHER_LIST_SLACK 64
#define SPIKE_GATHER_MAX_TAPS 64         /* kernel taps (kh*kw) the kernel's tap table holds */
#define SPIKE_GATHER_MAX_CHANNELS 65535  /* input channels its uint16 lists can name */
#define SPIKE_GATHER_BLOCK_VECTORS 8     /* vectors of output channels per block of the weights */
/* Can the gather kernel run a layer of taps kernel taps and c input channels? */
bool spike_gather_fits(int64_t taps, int64_t c);
int64_t spike_gather_tile(const Node *n, int64_t block);
/* The same for a layer of c input channels. */
int64_t spike_gather_tile_for(int64_t c, int64_t block);
int64_t spike_gather_list_bytes_for(const Node *n, int64_t ct);
int64_t spike_gather_list_bytes(const Node *n);
/* The spikes (..., C, H, W) f32 of codes (..., H, W, G) u8, rank >= 4 (the leading axes are
 * samples, and timesteps for a tsnc.lif with steps); a heap tensor (tensor_free_heap). */
Tensor *spike_codes_decode(const Tensor *codes, const SpikeCodes *c);

/* ---- layout.c ---------------------------------------------------------- */

/*
 * Trailing dims of v's shape that hold its channels-last (C, H, W) block: 3
 * (the last three dims are C, H, W), 1 (the last dim is C*H*W), or 0 (v is
 * row-major, or its block does not sit at the end of its shape).
 */
int layout_block_dims(const Value *v);
/* Same physical order: both row-major, or both channels-last with the same block. */
bool layout_eq(const Layout *a, const Layout *b);
/*
 * Checks the layouts of n's operands and results against what n can read
 * and write (the table at the top of layout.c, which the emitters follow).
 * Returns NULL if they fit, else the reason, formatted into why[size].
 */
const char *layout_check_node(const Node *n, char *why, size_t size);

/* ---- verify.c ---------------------------------------------------------- */

/*
 * Checks structural invariants: SSA (one definition per value, defined
 * before use, no cycles), arity and attribute kinds, known static types,
 * outputs defined, that re-running inference reproduces each node's
 * output types, and that every node can read and write its operands' and
 * results' layouts (layout_check_node; graph inputs, outputs and constants
 * are row-major). Returns 0 or -1 with every violation in d.
 */
int graph_verify(const Graph *g, Diag *d);

/* ---- print.c ----------------------------------------------------------- */

typedef struct PrintOptions {
    int64_t elide_above;  /* constants with more elements are printed elided; <0: never */
    bool show_locations;  /* print loc("onnx node name") */
} PrintOptions;

/* Writes g as textual IR (docs/ir.md) to f. */
void ir_print(FILE *f, const Graph *g, const PrintOptions *o);
/* Formats a type as in IR text ("f32[4,16,28,28]") into buf. */
char *type_str(const Type *t, char *buf, size_t n);

/* ---- interp.c ---------------------------------------------------------- */

/*
 * Runs g on the given input tensors (one per graph input, in order) with
 * each op's reference `eval`. outputs[i] receives a heap tensor (free with
 * tensor_free_heap). Returns 0, or -1 with the cause in d.
 */
int interp_run(const Graph *g, Tensor *const *inputs, Tensor **outputs, Diag *d);
/* Evaluates one node on the given inputs into freshly allocated heap outputs. */
int interp_eval_node(const Node *n, Tensor *const *in, Tensor **out, Diag *d);
/* After node n (the step-th in order) ran: frees each input tensor it owned (owned[id]) whose
 * last reader was n (last_use[id] == step), so a run holds only live tensors. */
void interp_release_inputs(const Node *n, int step, const int *last_use, Tensor **val, char *owned);

#endif /* TSNC_IR_H */
