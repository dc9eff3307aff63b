/*
 * emit_elementwise.c - emitters of elementwise ops: arithmetic with
 * broadcasting, comparisons, logic, Where, unary functions, Clip, Cast.
 *
 * Arithmetic and comparisons pick the cheapest kernel the shapes allow
 * (runtime/generic/binary.c): both operands of the output's shape, one a
 * scalar (a constant scalar is written as a literal), or the general
 * strided form with the shapes collapsed by bcast_collapse.
 */
#include <math.h>
#include <string.h>

#include "codegen/emit_ops.h"

static int need_dtype(EmitCtx *cx, const Node *n, const Value *v, DType want, const char *role) {
    if (!v) return cx_error(cx, n, "the %s operand is missing", role);
    if (v->type.dtype == want) return 0;
    return cx_error(cx, n, "%s on %s %s is not supported (only %s)", op_name(n),
                    dtype_name(v->type.dtype), role, dtype_name(want));
}

/* Checks that the output has the broadcast shape of the k inputs and the given dtype. */
static int check_broadcast_out(EmitCtx *cx, const Node *n, int k, const Value *const *in,
                               DType out_dt) {
    Shape s = in[0]->type.shape;
    for (int i = 1; i < k; i++)
        if (!shape_broadcast(&s, &in[i]->type.shape, &s))
            return cx_error(cx, n, "operand shapes %s and %s do not broadcast",
                            cx_type(cx, &in[0]->type), cx_type(cx, &in[i]->type));
    Type want = {out_dt, s};
    return check_out_type(cx, n, n->out[0], &want);
}

/* The scalar in v as C: a literal if v is constant, else its first element. */
static const char *scalar_of(EmitCtx *cx, const Value *v) {
    const Tensor *t = cx_konst(v);
    if (t && t->type.dtype == DT_F32) return cx_f32(cx, ((const float *)t->data)[0]);
    return cx_str(cx, "%s[0]", cx_ref(cx, v));
}

/* The three forms of a broadcast binary kernel family (binary, compare). */
typedef struct Family {
    const char *same, *scalar, *bcast; /* kernel names */
} Family;

static const Family ARITH = {"binary_same_f32", "binary_scalar_f32", "binary_bcast_f32"};
static const Family COMPARE = {"compare_same_f32", "compare_scalar_f32", "compare_bcast_f32"};

/* The fields of struct binary_params (runtime/generic/binary.c) for a broadcast of two operands. */
static const char *bcast_fields(EmitCtx *cx, const char *code, const Bcast *bc) {
    return cx_str(cx, "        %s%s%s.rank = %d, .d = %s,\n        .sa = %s,\n        .sb = %s", code ? ".op = " : "",
                  code ? code : "", code ? ", " : "", bc->rank, cx_longs(cx, bc->rank, bc->dim),
                  cx_longs(cx, bc->rank, bc->stride[0]), cx_longs(cx, bc->rank, bc->stride[1]));
}

/*
 * y = a op b. code: the operator constant; swapped: its constant when the
 * scalar is on the left (NULL: not symmetric that way, use the strided form).
 */
static void emit_pair(EmitCtx *cx, const Family *f, const char *code, const char *swapped,
                      const Value *a, const Value *b, const Value *y) {
    int64_t n = numel(y);
    bool a_full = numel(a) == n, b_full = numel(b) == n;
    if (numel(b) == 1 && a_full) {
        cx_kernel(cx, f->scalar);
        cx_printf(cx, "    %s(%s, %s, &(const struct binary_params){.op = %s, .n = %lld, .s = %s});\n",
                  f->scalar, cx_ref(cx, a), cx_ref(cx, y), code, (long long)n, scalar_of(cx, b));
    } else if (numel(a) == 1 && b_full && swapped) {
        cx_kernel(cx, f->scalar);
        cx_printf(cx, "    %s(%s, %s, &(const struct binary_params){.op = %s, .n = %lld, .s = %s});\n",
                  f->scalar, cx_ref(cx, b), cx_ref(cx, y), swapped, (long long)n, scalar_of(cx, a));
    } else if (a_full && b_full) {
        cx_kernel(cx, f->same);
        cx_printf(cx, "    %s(%s, %s, %s, &(const struct binary_params){.op = %s, .n = %lld});\n", f->same,
                  cx_ref(cx, a), cx_ref(cx, b), cx_ref(cx, y), code, (long long)n);
    } else {
        Bcast bc;
        const Shape *in[2] = {&a->type.shape, &b->type.shape};
        if (!bcast_collapse(&y->type.shape, 2, in, &bc)) die("emit_pair: shapes were checked");
        cx_kernel(cx, f->bcast);
        cx_printf(cx, "    %s(%s, %s, %s, &(const struct binary_params){\n%s});\n", f->bcast, cx_ref(cx, a),
                  cx_ref(cx, b), cx_ref(cx, y), bcast_fields(cx, code, &bc));
    }
}

int emit_binary_arith(EmitCtx *cx, const Node *n) {
    const char *code, *swapped;
    switch (n->op) {
    case OP_ADD: code = swapped = "TSNC_ADD"; break;
    case OP_SUB: code = "TSNC_SUB", swapped = "TSNC_RSUB"; break;
    case OP_MUL: code = swapped = "TSNC_MUL"; break;
    case OP_DIV: code = "TSNC_DIV", swapped = "TSNC_RDIV"; break;
    case OP_MAX: code = swapped = "TSNC_MAX"; break;
    case OP_MIN: code = swapped = "TSNC_MIN"; break;
    default: die("emit_binary_arith: op %d", (int)n->op);
    }
    int rc = 0;
    for (int i = 0; i < n->n_in; i++) rc |= need_dtype(cx, n, n->in[i], DT_F32, "input");
    if (rc || check_broadcast_out(cx, n, n->n_in, (const Value *const *)n->in, DT_F32)) return -1;
    const Value *y = n->out[0];
    if (n->n_in == 1) /* Max/Min of one tensor of another shape than its output */
        return cx_error(cx, n, "a one-input %s must keep its input's shape", op_name(n));
    emit_pair(cx, &ARITH, code, swapped, n->in[0], n->in[1], y);
    /* Max/Min of more inputs: fold the rest into y, which has the full shape */
    for (int i = 2; i < n->n_in; i++) emit_pair(cx, &ARITH, code, swapped, y, n->in[i], y);
    return 0;
}

int emit_pow(EmitCtx *cx, const Node *n) {
    if (need_dtype(cx, n, n->in[0], DT_F32, "base") ||
        need_dtype(cx, n, n->in[1], DT_F32, "exponent") ||
        check_broadcast_out(cx, n, 2, (const Value *const *)n->in, DT_F32))
        return -1;
    const Value *y = n->out[0];
    Bcast bc;
    const Shape *in[2] = {&n->in[0]->type.shape, &n->in[1]->type.shape};
    bcast_collapse(&y->type.shape, 2, in, &bc);
    cx_kernel(cx, "pow_bcast_f32");
    cx_printf(cx, "    pow_bcast_f32(%s, %s, %s, &(const struct binary_params){\n%s});\n", cx_ref(cx, n->in[0]),
              cx_ref(cx, n->in[1]), cx_ref(cx, y), bcast_fields(cx, NULL, &bc));
    return 0;
}

int emit_compare(EmitCtx *cx, const Node *n) {
    const char *code, *swapped; /* swapped: the same test with the operands exchanged */
    switch (n->op) {
    case OP_EQUAL: code = swapped = "TSNC_EQ"; break;
    case OP_GREATER: code = "TSNC_GT", swapped = "TSNC_LT"; break;
    case OP_GREATER_OR_EQUAL: code = "TSNC_GE", swapped = "TSNC_LE"; break;
    case OP_LESS: code = "TSNC_LT", swapped = "TSNC_GT"; break;
    case OP_LESS_OR_EQUAL: code = "TSNC_LE", swapped = "TSNC_GE"; break;
    default: die("emit_compare: op %d", (int)n->op);
    }
    if (need_dtype(cx, n, n->in[0], DT_F32, "input") |
            need_dtype(cx, n, n->in[1], DT_F32, "input") ||
        check_broadcast_out(cx, n, 2, (const Value *const *)n->in, DT_BOOL))
        return -1;
    emit_pair(cx, &COMPARE, code, swapped, n->in[0], n->in[1], n->out[0]);
    return 0;
}

int emit_logic(EmitCtx *cx, const Node *n) {
    const char *code = n->op == OP_AND ? "TSNC_AND" : n->op == OP_OR ? "TSNC_OR" : "TSNC_XOR";
    if (need_dtype(cx, n, n->in[0], DT_BOOL, "input") |
            need_dtype(cx, n, n->in[1], DT_BOOL, "input") ||
        check_broadcast_out(cx, n, 2, (const Value *const *)n->in, DT_BOOL))
        return -1;
    const Value *y = n->out[0];
    Bcast bc;
    const Shape *in[2] = {&n->in[0]->type.shape, &n->in[1]->type.shape};
    bcast_collapse(&y->type.shape, 2, in, &bc);
    cx_kernel(cx, "logic_bcast_u8");
    cx_printf(cx, "    logic_bcast_u8(%s, %s, %s, &(const struct binary_params){\n%s});\n", cx_ref(cx, n->in[0]),
              cx_ref(cx, n->in[1]), cx_ref(cx, y), bcast_fields(cx, code, &bc));
    return 0;
}

int emit_where(EmitCtx *cx, const Node *n) {
    if (need_dtype(cx, n, n->in[0], DT_BOOL, "condition") |
            need_dtype(cx, n, n->in[1], DT_F32, "X") | need_dtype(cx, n, n->in[2], DT_F32, "Y") ||
        check_broadcast_out(cx, n, 3, (const Value *const *)n->in, DT_F32))
        return -1;
    const Value *y = n->out[0];
    Bcast bc;
    const Shape *in[3] = {&n->in[0]->type.shape, &n->in[1]->type.shape, &n->in[2]->type.shape};
    bcast_collapse(&y->type.shape, 3, in, &bc);
    cx_kernel(cx, "where_f32");
    cx_printf(cx,
              "    where_f32(%s, %s, %s, %s, &(const struct where_params){\n"
              "        .rank = %d, .d = %s,\n        .sc = %s,\n        .sx = %s,\n        .sz = %s});\n",
              cx_ref(cx, n->in[0]), cx_ref(cx, n->in[1]), cx_ref(cx, n->in[2]), cx_ref(cx, y), bc.rank,
              cx_longs(cx, bc.rank, bc.dim), cx_longs(cx, bc.rank, bc.stride[0]),
              cx_longs(cx, bc.rank, bc.stride[1]), cx_longs(cx, bc.rank, bc.stride[2]));
    return 0;
}

int emit_unary(EmitCtx *cx, const Node *n) {
    static const struct {
        OpKind op;
        const char *kernel;
    } map[] = {
        {OP_ABS, "abs_f32"},
        {OP_NEG, "neg_f32"},
        {OP_SIGN, "sign_f32"},
        {OP_RELU, "relu_f32"},
        {OP_LEAKY_RELU, "leaky_relu_f32"},
        {OP_SIGMOID, "sigmoid_f32"},
        {OP_TANH, "tanh_f32"},
        {OP_EXP, "exp_f32"},
        {OP_LOG, "log_f32"},
        {OP_SQRT, "sqrt_f32"},
        {OP_RECIPROCAL, "reciprocal_f32"},
        {OP_FLOOR, "floor_f32"},
        {OP_CEIL, "ceil_f32"},
        {OP_ROUND, "round_f32"},
        {OP_NOT, "not_u8"},
    };
    const char *kernel = NULL;
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].op == n->op) kernel = map[i].kernel;
    if (!kernel) die("emit_unary: op %d", (int)n->op);
    DType dt = n->op == OP_NOT ? DT_BOOL : DT_F32;
    const Value *x = n->in[0], *y = n->out[0];
    if (need_dtype(cx, n, x, dt, "input")) return -1;
    Type want = {dt, x->type.shape};
    if (check_out_type(cx, n, y, &want)) return -1;
    cx_kernel(cx, kernel);
    if (n->op == OP_LEAKY_RELU)
        cx_printf(cx, "    %s(%s, %s, &(const struct leaky_relu_params){.n = %lld, .alpha = %s});\n", kernel,
                  cx_ref(cx, x), cx_ref(cx, y), (long long)numel(y),
                  cx_f32(cx, node_attr_float(n, "alpha", 0.01f)));
    else
        cx_printf(cx, "    %s(%s, %s, %lld);\n", kernel, cx_ref(cx, x), cx_ref(cx, y),
                  (long long)numel(y));
    return 0;
}

int emit_clip(EmitCtx *cx, const Node *n) {
    const Value *x = n->in[0], *y = n->out[0];
    if (need_dtype(cx, n, x, DT_F32, "input")) return -1;
    const char *bound[2];
    for (int i = 0; i < 2; i++) {
        const Value *b = n->n_in > i + 1 ? n->in[i + 1] : NULL;
        if (!b) {
            bound[i] = cx_f32(cx, i ? (float)INFINITY : -(float)INFINITY);
            continue;
        }
        if (need_dtype(cx, n, b, DT_F32, i ? "max" : "min")) return -1;
        if (numel(b) != 1)
            return cx_error(cx, n, "the %s bound must be a scalar", i ? "max" : "min");
        bound[i] = scalar_of(cx, b);
    }
    Type want = {DT_F32, x->type.shape};
    if (check_out_type(cx, n, y, &want)) return -1;
    cx_kernel(cx, "clip_f32");
    cx_printf(cx, "    clip_f32(%s, %s, &(const struct clip_params){.n = %lld, .lo = %s, .hi = %s});\n",
              cx_ref(cx, x), cx_ref(cx, y), (long long)numel(y), bound[0], bound[1]);
    return 0;
}

int emit_cast(EmitCtx *cx, const Node *n) {
    static const struct {
        DType from, to;
        const char *kernel;
    } map[] = {
        {DT_BOOL, DT_F32, "cast_u8_f32"},   {DT_U8, DT_F32, "cast_u8_f32"},
        {DT_I8, DT_F32, "cast_i8_f32"},     {DT_I64, DT_F32, "cast_i64_f32"},
        {DT_F32, DT_BOOL, "cast_f32_bool"}, {DT_I64, DT_BOOL, "cast_i64_bool"},
        {DT_BOOL, DT_I64, "cast_u8_i64"},   {DT_U8, DT_I64, "cast_u8_i64"},
        {DT_F32, DT_I64, "cast_f32_i64"},   {DT_F32, DT_U8, "cast_f32_u8"},
        {DT_F32, DT_I8, "cast_f32_i8"},     {DT_F32, DT_F64, "cast_f32_f64"},
        {DT_F64, DT_F32, "cast_f64_f32"},   {DT_I32, DT_F32, "cast_i32_f32"},
    };
    const Value *x = n->in[0], *y = n->out[0];
    if (numel(x) != numel(y))
        return cx_error(cx, n, "output %s has another element count than input %s",
                        cx_type(cx, &y->type), cx_type(cx, &x->type));
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].from == x->type.dtype && map[i].to == y->type.dtype) {
            cx_kernel(cx, map[i].kernel);
            cx_printf(cx, "    %s(%s, %s, %lld);\n", map[i].kernel, cx_ref(cx, x), cx_ref(cx, y),
                      (long long)numel(y));
            return 0;
        }
    return cx_error(cx, n, "Cast from %s to %s is not supported", dtype_name(x->type.dtype),
                    dtype_name(y->type.dtype));
}

bool in_place_elementwise(const Node *n, int in) {
    const Value *x = n->in[in], *y = n->out[0];
    if (!x || x->type.dtype != y->type.dtype || numel(x) != numel(y)) return false;
    switch (n->op) {
    case OP_ADD:
    case OP_SUB:
    case OP_MUL:
    case OP_DIV:
    case OP_AND:
    case OP_OR:
    case OP_XOR: return true;
    /* later inputs are folded into y one by one: y must not hold one of them */
    case OP_MAX:
    case OP_MIN: return in <= 1;
    case OP_WHERE: return in >= 1;
    default: return in == 0; /* unary, Clip, BatchNormalization, Softmax */
    }
}
