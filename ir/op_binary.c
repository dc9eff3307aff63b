/*
 * op_binary.c - elementwise ops over multidirectionally broadcast operands
 * (ONNX docs/Broadcasting.md): Add Sub Mul Div Pow, variadic Max Min, the
 * comparisons Equal Greater GreaterOrEqual Less LessOrEqual, the logical
 * And Or Xor, and Where.
 *
 * Numerics: f32 operands are computed in float and f64 in double, one IEEE
 * operation per element, so results are bit-exact with onnxruntime and
 * PyTorch for + - * / and comparisons. Integer arithmetic wraps modulo 2^64
 * (computed in uint64_t, then truncated to the element type) instead of
 * invoking C undefined behaviour; integer division truncates toward zero
 * (C and onnxruntime) and division by zero is a run-time error.
 */
#include <math.h>
#include <string.h>

#include "ir/op_util.h"

/* ---- inference ---- */

/* Operand type rules of the ops in this file. */
typedef enum BinRule {
    RULE_ARITH,   /* same numeric dtype, result of that dtype */
    RULE_POW,     /* numeric base and exponent of any numeric dtypes; base dtype */
    RULE_CMP_EQ,  /* same dtype (bool too), bool result */
    RULE_CMP_ORD, /* same numeric dtype, bool result */
    RULE_LOGIC,   /* bool operands, bool result */
} BinRule;

/* Broadcast shape of inputs [first, n_in) into *out; -1 with both shapes named if not. */
static int broadcast_inputs(const Node *n, int first, Shape *out, Diag *d) {
    Shape s = n->in[first]->type.shape;
    for (int i = first + 1; i < n->n_in; i++) {
        Shape r;
        if (!shape_broadcast(&s, &n->in[i]->type.shape, &r)) {
            char a[256], b[256];
            diag_error(d, n, "input shapes %s and %s do not broadcast",
                       shape_str(&s, a, sizeof a),
                       shape_str(&n->in[i]->type.shape, b, sizeof b));
            return -1;
        }
        s = r;
    }
    *out = s;
    return 0;
}

static int infer_rule(Node *n, Diag *d, BinRule rule) {
    if (op_check_node(n, d)) return -1;
    DType t0 = n->in[0]->type.dtype;
    for (int i = 0; i < n->n_in; i++) {
        DType t = n->in[i]->type.dtype;
        bool ok;
        switch (rule) {
        case RULE_ARITH:
        case RULE_CMP_ORD: ok = dtype_is_numeric(t) && t == t0; break;
        case RULE_POW: ok = dtype_is_numeric(t); break;
        case RULE_CMP_EQ: ok = t == t0; break;
        default: ok = t == DT_BOOL; break;
        }
        if (!ok) {
            if (rule == RULE_LOGIC)
                diag_error(d, n, "input %d is %s; logical ops take bool", i, dtype_name(t));
            else if (t != t0 && rule != RULE_POW)
                diag_error(d, n, "input %d is %s but input 0 is %s; the element types must match",
                           i, dtype_name(t), dtype_name(t0));
            else
                diag_error(d, n, "input %d is %s; a numeric element type is needed", i,
                           dtype_name(t));
            return -1;
        }
    }
    Shape s;
    if (broadcast_inputs(n, 0, &s, d)) return -1;
    bool to_bool = rule == RULE_CMP_EQ || rule == RULE_CMP_ORD || rule == RULE_LOGIC;
    return op_set_output(n, 0, to_bool ? DT_BOOL : t0, &s, d);
}

static int infer_arith(Node *n, Diag *d) { return infer_rule(n, d, RULE_ARITH); }
static int infer_pow(Node *n, Diag *d) { return infer_rule(n, d, RULE_POW); }
static int infer_cmp_eq(Node *n, Diag *d) { return infer_rule(n, d, RULE_CMP_EQ); }
static int infer_cmp_ord(Node *n, Diag *d) { return infer_rule(n, d, RULE_CMP_ORD); }
static int infer_logic(Node *n, Diag *d) { return infer_rule(n, d, RULE_LOGIC); }

static int infer_where(Node *n, Diag *d) {
    if (op_check_node(n, d)) return -1;
    if (n->in[0]->type.dtype != DT_BOOL) {
        diag_error(d, n, "the condition is %s; it must be bool", dtype_name(n->in[0]->type.dtype));
        return -1;
    }
    DType tx = n->in[1]->type.dtype, ty = n->in[2]->type.dtype;
    if (tx != ty) {
        diag_error(d, n, "the two branches are %s and %s; the element types must match",
                   dtype_name(tx), dtype_name(ty));
        return -1;
    }
    Shape s;
    if (broadcast_inputs(n, 0, &s, d)) return -1;
    return op_set_output(n, 0, tx, &s, d);
}

/* ---- arithmetic ---- */

/* One op at each precision; the integer form returns an error message or NULL. */
typedef struct Arith {
    float (*f32)(float, float);
    double (*f64)(double, double);
    const char *(*i64)(int64_t, int64_t, int64_t *);
} Arith;

/* Two's-complement wrap-around without signed overflow. */
static int64_t wrap(uint64_t u) {
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static float add_f32(float a, float b) { return a + b; }
static double add_f64(double a, double b) { return a + b; }
static const char *add_i64(int64_t a, int64_t b, int64_t *r) {
    *r = wrap((uint64_t)a + (uint64_t)b);
    return NULL;
}
static float sub_f32(float a, float b) { return a - b; }
static double sub_f64(double a, double b) { return a - b; }
static const char *sub_i64(int64_t a, int64_t b, int64_t *r) {
    *r = wrap((uint64_t)a - (uint64_t)b);
    return NULL;
}
static float mul_f32(float a, float b) { return a * b; }
static double mul_f64(double a, double b) { return a * b; }
static const char *mul_i64(int64_t a, int64_t b, int64_t *r) {
    *r = wrap((uint64_t)a * (uint64_t)b);
    return NULL;
}
static float div_f32(float a, float b) { return a / b; }
static double div_f64(double a, double b) { return a / b; }
static const char *div_i64(int64_t a, int64_t b, int64_t *r) {
    if (b == 0) return "integer division by zero";
    *r = a == INT64_MIN && b == -1 ? INT64_MIN : a / b;
    return NULL;
}
/* Max/Min propagate NaN (numpy.maximum, torch.max, onnxruntime). */
static float max_f32(float a, float b) { return a > b || a != a ? a : b; }
static double max_f64(double a, double b) { return a > b || a != a ? a : b; }
static const char *max_i64(int64_t a, int64_t b, int64_t *r) {
    *r = a > b ? a : b;
    return NULL;
}
static float min_f32(float a, float b) { return a < b || a != a ? a : b; }
static double min_f64(double a, double b) { return a < b || a != a ? a : b; }
static const char *min_i64(int64_t a, int64_t b, int64_t *r) {
    *r = a < b ? a : b;
    return NULL;
}

static const Arith arith_add = {add_f32, add_f64, add_i64};
static const Arith arith_sub = {sub_f32, sub_f64, sub_i64};
static const Arith arith_mul = {mul_f32, mul_f64, mul_i64};
static const Arith arith_div = {div_f32, div_f64, div_i64};
static const Arith arith_max = {max_f32, max_f64, max_i64};
static const Arith arith_min = {min_f32, min_f64, min_i64};

/* y = op(a, b) with a and b broadcast to y's shape. y may alias a if a has y's shape. */
static int arith_apply(const Node *n, const Arith *op, const Tensor *a, const Tensor *b,
                       Tensor *y, Diag *d) {
    OpIter it;
    op_iter_init(&it, &y->type.shape);
    op_iter_bcast(&it, &a->type.shape);
    op_iter_bcast(&it, &b->type.shape);
    int64_t cnt = tensor_numel(y);
    switch (y->type.dtype) {
    case DT_F32: {
        const float *pa = a->data, *pb = b->data;
        float *py = y->data;
        for (int64_t i = 0; i < cnt; i++, op_iter_next(&it))
            py[i] = op->f32(pa[it.off[0]], pb[it.off[1]]);
        break;
    }
    case DT_F64: {
        const double *pa = a->data, *pb = b->data;
        double *py = y->data;
        for (int64_t i = 0; i < cnt; i++, op_iter_next(&it))
            py[i] = op->f64(pa[it.off[0]], pb[it.off[1]]);
        break;
    }
    default:
        for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
            int64_t r = 0;
            const char *err =
                op->i64(tensor_get_i64(a, it.off[0]), tensor_get_i64(b, it.off[1]), &r);
            if (err) {
                diag_error(d, n, "%s", err);
                return -1;
            }
            tensor_set_i64(y, i, r);
        }
        break;
    }
    return 0;
}

static int eval_add(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return arith_apply(n, &arith_add, in[0], in[1], out[0], d);
}
static int eval_sub(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return arith_apply(n, &arith_sub, in[0], in[1], out[0], d);
}
static int eval_mul(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return arith_apply(n, &arith_mul, in[0], in[1], out[0], d);
}
static int eval_div(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return arith_apply(n, &arith_div, in[0], in[1], out[0], d);
}

/* Variadic Max/Min: y = in[0] broadcast, then folded with each further input. */
static int eval_fold(const Node *n, const Arith *op, Tensor *const *in, Tensor *const *out,
                     Diag *d) {
    op_broadcast_copy(in[0], out[0]);
    for (int i = 1; i < n->n_in; i++)
        if (arith_apply(n, op, out[0], in[i], out[0], d)) return -1;
    return 0;
}
static int eval_max(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return eval_fold(n, &arith_max, in, out, d);
}
static int eval_min(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    return eval_fold(n, &arith_min, in, out, d);
}

/* ---- Pow ---- */

/*
 * Integer power by squaring, wrapping modulo 2^64. A negative exponent
 * gives the truncated value of 1/base^|e| (0 unless |base| == 1), as the
 * double pow of onnxruntime's integer kernel followed by the cast does.
 */
static const char *pow_i64(int64_t base, int64_t e, int64_t *r) {
    if (e < 0) {
        if (base == 0) return "integer Pow of 0 to a negative power";
        *r = base == 1 ? 1 : base == -1 ? ((e & 1) ? -1 : 1) : 0;
        return NULL;
    }
    uint64_t acc = 1, b = (uint64_t)base;
    for (uint64_t k = (uint64_t)e; k; k >>= 1) {
        if (k & 1) acc *= b;
        b *= b;
    }
    *r = wrap(acc);
    return NULL;
}

/*
 * float base: onnxruntime computes x*x and x*x*x for the exponents 2 and 3
 * and std::pow otherwise (powf for a float exponent, pow in double for an
 * exponent of another type). We do the same to stay bit-exact with it.
 */
static float pow_f32(float x, double y, bool y_is_f32) {
    if (y == 2) return x * x;
    if (y == 3) return x * x * x;
    return y_is_f32 ? powf(x, (float)y) : (float)pow(x, y);
}

static int eval_pow(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    const Tensor *a = in[0], *b = in[1];
    Tensor *y = out[0];
    OpIter it;
    op_iter_init(&it, &y->type.shape);
    op_iter_bcast(&it, &a->type.shape);
    op_iter_bcast(&it, &b->type.shape);
    int64_t cnt = tensor_numel(y);
    DType tb = b->type.dtype;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
        switch (y->type.dtype) {
        case DT_F32:
            ((float *)y->data)[i] = pow_f32(((const float *)a->data)[it.off[0]],
                                            tensor_get_f64(b, it.off[1]), tb == DT_F32);
            break;
        case DT_F64: {
            double x = ((const double *)a->data)[it.off[0]], e = tensor_get_f64(b, it.off[1]);
            ((double *)y->data)[i] = e == 2 ? x * x : e == 3 ? x * x * x : pow(x, e);
            break;
        }
        default:
            if (dtype_is_float(tb)) {
                tensor_set_f64(y, i, pow((double)tensor_get_i64(a, it.off[0]),
                                         tensor_get_f64(b, it.off[1])));
            } else {
                int64_t r = 0;
                const char *err =
                    pow_i64(tensor_get_i64(a, it.off[0]), tensor_get_i64(b, it.off[1]), &r);
                if (err) {
                    diag_error(d, n, "%s", err);
                    return -1;
                }
                tensor_set_i64(y, i, r);
            }
            break;
        }
    }
    return 0;
}

/* ---- comparisons and logic ---- */

typedef enum CmpKind { CMP_EQ, CMP_GT, CMP_GE, CMP_LT, CMP_LE } CmpKind;

/* Compares a and b element by element into bool y. Doubles hold every f32
 * and f64 exactly; integers are compared as int64 (exact). */
static int cmp_apply(CmpKind k, const Tensor *a, const Tensor *b, Tensor *y) {
    OpIter it;
    op_iter_init(&it, &y->type.shape);
    op_iter_bcast(&it, &a->type.shape);
    op_iter_bcast(&it, &b->type.shape);
    int64_t cnt = tensor_numel(y);
    uint8_t *py = y->data;
    bool fl = dtype_is_float(a->type.dtype);
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
        int c; /* -1, 0, 1, or 2 for unordered (NaN) */
        if (fl) {
            double x = tensor_get_f64(a, it.off[0]), z = tensor_get_f64(b, it.off[1]);
            c = x < z ? -1 : x > z ? 1 : x == z ? 0 : 2;
        } else {
            int64_t x = tensor_get_i64(a, it.off[0]), z = tensor_get_i64(b, it.off[1]);
            c = x < z ? -1 : x > z ? 1 : 0;
        }
        bool r;
        switch (k) {
        case CMP_EQ: r = c == 0; break;
        case CMP_GT: r = c == 1; break;
        case CMP_GE: r = c == 1 || c == 0; break;
        case CMP_LT: r = c == -1; break;
        default: r = c == -1 || c == 0; break;
        }
        py[i] = r;
    }
    return 0;
}

static int eval_equal(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return cmp_apply(CMP_EQ, in[0], in[1], out[0]);
}
static int eval_greater(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return cmp_apply(CMP_GT, in[0], in[1], out[0]);
}
static int eval_greater_eq(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return cmp_apply(CMP_GE, in[0], in[1], out[0]);
}
static int eval_less(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return cmp_apply(CMP_LT, in[0], in[1], out[0]);
}
static int eval_less_eq(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return cmp_apply(CMP_LE, in[0], in[1], out[0]);
}

typedef enum LogicKind { LOGIC_AND, LOGIC_OR, LOGIC_XOR } LogicKind;

static int logic_apply(LogicKind k, const Tensor *a, const Tensor *b, Tensor *y) {
    OpIter it;
    op_iter_init(&it, &y->type.shape);
    op_iter_bcast(&it, &a->type.shape);
    op_iter_bcast(&it, &b->type.shape);
    int64_t cnt = tensor_numel(y);
    const uint8_t *pa = a->data, *pb = b->data;
    uint8_t *py = y->data;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
        bool x = pa[it.off[0]] != 0, z = pb[it.off[1]] != 0;
        py[i] = k == LOGIC_AND ? x && z : k == LOGIC_OR ? x || z : x != z;
    }
    return 0;
}

static int eval_and(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return logic_apply(LOGIC_AND, in[0], in[1], out[0]);
}
static int eval_or(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return logic_apply(LOGIC_OR, in[0], in[1], out[0]);
}
static int eval_xor(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    return logic_apply(LOGIC_XOR, in[0], in[1], out[0]);
}

/* Where(cond, x, y): x where cond is true, else y; copies elements bytewise. */
static int eval_where(const Node *n, Tensor *const *in, Tensor *const *out, Diag *d) {
    (void)n, (void)d;
    Tensor *y = out[0];
    OpIter it;
    op_iter_init(&it, &y->type.shape);
    for (int i = 0; i < 3; i++) op_iter_bcast(&it, &in[i]->type.shape);
    size_t es = dtype_size(y->type.dtype);
    int64_t cnt = tensor_numel(y);
    const uint8_t *c = in[0]->data;
    const char *px = in[1]->data, *pz = in[2]->data;
    char *py = y->data;
    for (int64_t i = 0; i < cnt; i++, op_iter_next(&it)) {
        const char *src = c[it.off[0]] ? px + (size_t)it.off[1] * es : pz + (size_t)it.off[2] * es;
        memcpy(py + (size_t)i * es, src, es);
    }
    return 0;
}

const OpSema op_sema_ADD = {infer_arith, eval_add};
const OpSema op_sema_SUB = {infer_arith, eval_sub};
const OpSema op_sema_MUL = {infer_arith, eval_mul};
const OpSema op_sema_DIV = {infer_arith, eval_div};
const OpSema op_sema_POW = {infer_pow, eval_pow};
const OpSema op_sema_MAX = {infer_arith, eval_max};
const OpSema op_sema_MIN = {infer_arith, eval_min};
const OpSema op_sema_EQUAL = {infer_cmp_eq, eval_equal};
const OpSema op_sema_GREATER = {infer_cmp_ord, eval_greater};
const OpSema op_sema_GREATER_OR_EQUAL = {infer_cmp_ord, eval_greater_eq};
const OpSema op_sema_LESS = {infer_cmp_ord, eval_less};
const OpSema op_sema_LESS_OR_EQUAL = {infer_cmp_ord, eval_less_eq};
const OpSema op_sema_AND = {infer_logic, eval_and};
const OpSema op_sema_OR = {infer_logic, eval_or};
const OpSema op_sema_XOR = {infer_logic, eval_xor};
const OpSema op_sema_WHERE = {infer_where, eval_where};
