/*
 * test_op_robust.c - every ONNX op's infer (and, where it succeeds on
 * small operands, eval) on degenerate and hostile nodes: wrong arity,
 * rank-0 and rank-8 operands, zero-sized and oversized dims, unknown
 * types, shape inputs holding INT64_MIN / INT64_MAX / negative values,
 * operands computed at run time, and random attribute values of the kinds
 * each op accepts. The only requirement is a clean answer: 0 with valid
 * output types, or -1 with a message. Run under the sanitizer build
 * (-DTSNC_SANITIZE=ON) this catches out-of-bounds accesses, overflow and
 * other undefined behaviour.
 */
#include "op_test_util.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static int n_ok[OP_COUNT], n_evals[OP_COUNT]; /* coverage, printed at the end */

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static int rnd_int(int n) { return (int)(rnd() % (uint64_t)n); }

static const int64_t int_pool[] = {0,  1,  -1, 2,          3,         5,        7,
                                   16, 999, -8, INT64_MAX, INT64_MIN, 1LL << 40, 1LL << 28};

#define N_POOL 34

/* Operand number k of the pool (see the list in the body). */
static Value *pool_value(Graph *g, int k) {
    switch (k) {
    case 0: return c_f32(g, 0, NULL, VALS(1.5));
    case 1: return c_f32(g, 2, DIMS(2, 3), VALS(1, -2, 3, -4, 5, NAN));
    case 2: {
        double v[16];
        for (int i = 0; i < 16; i++) v[i] = i - 8;
        return c_f32(g, 4, DIMS(1, 1, 4, 4), v);
    }
    case 3: return v_input(g, DT_F32, 4, DIMS(1, 2, 3, 3));
    case 4: return c_vec(g, 1, I64S(INT64_MAX));
    case 5: return c_vec(g, 2, I64S(-5, INT64_MIN));
    case 6: return c_vec(g, 4, I64S(0, -1, 2, 1));
    case 7: return c_vec(g, 0, NULL);
    case 8: return c_i64(g, 0, NULL, I64S(-1));
    case 9: return c_typed(g, DT_BOOL, 2, DIMS(2, 3), VALS(1, 0, 1, 1, 0, 0));
    case 10: return v_input(g, DT_F32, 1, DIMS(IR_MAX_ELEMENTS));
    case 11: return v_input(g, DT_F32, 2, DIMS(65536, 65536));
    case 12: return c_f32(g, 2, DIMS(0, 3), NULL);
    case 13: {
        Type t = {.dtype = DT_F32, .shape = {.rank = -1}};
        return graph_add_input(g, "u", &t);
    }
    case 14: return c_f32(g, 8, DIMS(1, 1, 1, 1, 1, 1, 1, 2), VALS(3, 4));
    case 15: return c_typed(g, DT_I32, 1, DIMS(3), VALS(3, -2, 7));
    case 16: return c_vec(g, 8, I64S(1, 1, 1, 1, 1, 1, 1, 1));
    case 17: return c_vec(g, 3, I64S(2, 3, 4));
    case 18: return c_typed(g, DT_F64, 1, DIMS(3), VALS(0.5, -1, 1e300));
    case 19: return c_vec(g, 2, I64S(INT64_MAX, INT64_MAX));
    case 20: return c_typed(g, DT_U8, 2, DIMS(2, 2), VALS(0, 255, 7, 1));
    case 21: return c_i64(g, 2, DIMS(2, 2), I64S(1, 2, 3, 4));
    case 22: return v_input(g, DT_F32, 3, DIMS(3, 1, 2));
    case 23: return c_vec(g, 2, I64S(1, 0));
    case 24: return c_vec(g, 6, I64S(1, 0, 2, 0, INT64_MIN, -1));
    case 25: return v_input(g, DT_I64, 1, DIMS(2));
    case 26: return c_vec(g, 2, I64S(2, 3));
    case 27: return c_vec(g, 2, I64S(1, -1));
    case 28: return c_i64(g, 0, NULL, I64S(9));
    case 29: return c_i64(g, 0, NULL, I64S(2));
    case 30: {
        double v[16];
        for (int i = 0; i < 16; i++) v[i] = (i % 3) - 1;
        return c_f32(g, 4, DIMS(2, 2, 2, 2), v);
    }
    case 31: return c_f32(g, 1, DIMS(2), VALS(0.5, 2));
    case 32: return c_f32(g, 2, DIMS(3, 2), VALS(1, 2, 3, 4, 5, 6));
    default: return c_vec(g, 2, I64S(3, -1));
    }
}

/*
 * A well-formed operand for input i of op (a pool index), or -1: mutating
 * valid nodes reaches deeper into inference than random operands alone.
 */
static int template_input(OpKind op, int i) {
    static const int and_[] = {9, 9}, where[] = {9, 1, 1}, slice[] = {1, 23, 19, 23, 26},
                     range[] = {8, 28, 29}, pad[] = {1, 6, 0}, conv[] = {3, 30, 31},
                     bn[] = {3, 31, 31, 31, 31}, gemm[] = {1, 32, 31}, mm[] = {1, 32},
                     tile[] = {1, 26}, reshape[] = {1, 33}, expand[] = {1, 26},
                     unsq[] = {1, 23}, cos[] = {26}, gather[] = {1, 8}, split[] = {1, 23};
    const int *t = NULL;
    int n = 0;
#define T(arr) (t = arr, n = (int)(sizeof arr / sizeof arr[0]))
    switch (op) {
    case OP_AND:
    case OP_OR:
    case OP_XOR: T(and_); break;
    case OP_WHERE: T(where); break;
    case OP_NOT: T(and_); break;
    case OP_SLICE: T(slice); break;
    case OP_RANGE: T(range); break;
    case OP_PAD: T(pad); break;
    case OP_CONV: T(conv); break;
    case OP_BATCH_NORM: T(bn); break;
    case OP_GEMM: T(gemm); break;
    case OP_MATMUL: T(mm); break;
    case OP_TILE: T(tile); break;
    case OP_RESHAPE: T(reshape); break;
    case OP_EXPAND: T(expand); break;
    case OP_UNSQUEEZE: T(unsq); break;
    case OP_CONSTANT_OF_SHAPE: T(cos); break;
    case OP_GATHER: T(gather); break;
    case OP_SPLIT: T(split); break;
    case OP_AVERAGE_POOL:
    case OP_MAX_POOL:
    case OP_CONCAT: T(mm); break;
    default: break;
    }
#undef T
    if (op == OP_AVERAGE_POOL || op == OP_MAX_POOL) return i == 0 ? 3 : -1;
    return i < n ? t[i] : -1;
}

/* Sets a random value of the right kind for each attribute the op accepts (or not). */
static void random_attrs(Graph *g, Node *n) {
    static const char *const strs[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "constant",
                                       "reflect", "edge",       "wrap",       "",      "x"};
    static const float floats[] = {0, 1, -1, 0.5f, 1e-5f, INFINITY, NAN};
    for (const AttrSpec *a = op_info(n->op)->attrs; a->name; a++) {
        bool pool_kernel = (n->op == OP_AVERAGE_POOL || n->op == OP_MAX_POOL) &&
                           strcmp(a->name, "kernel_shape") == 0;
        if (pool_kernel && rnd_int(4)) { /* required: mostly valid */
            int64_t k = 1 + rnd_int(3);
            node_set_attr_ints(g, n, a->name, 2, I64S(k, 4 - k));
            continue;
        }
        if (rnd_int(3)) continue;
        switch (a->kind) {
        case ATTR_INT:
            node_set_attr_int(g, n, a->name,
                              rnd_int(4) ? rnd_int(4) - 1 : int_pool[rnd_int(14)]);
            break;
        case ATTR_FLOAT: node_set_attr_float(g, n, a->name, floats[rnd_int(7)]); break;
        case ATTR_STRING: node_set_attr_string(g, n, a->name, strs[rnd_int(10)]); break;
        case ATTR_INTS: {
            static const int lens[] = {2, 2, 2, 4, 4, 1, 0, 3, 6};
            int cnt = lens[rnd_int(9)];
            int64_t v[6];
            for (int i = 0; i < cnt; i++)
                v[i] = rnd_int(4) ? (int64_t)rnd_int(4) : int_pool[rnd_int(14)];
            node_set_attr_ints(g, n, a->name, cnt, v);
            break;
        }
        case ATTR_FLOATS: node_set_attr_floats(g, n, a->name, 1, floats); break;
        case ATTR_TENSOR: {
            static const DType dts[] = {DT_F32, DT_I64, DT_BOOL, DT_I8};
            int64_t cnt = rnd_int(3);
            Attr at = {.name = a->name, .kind = ATTR_TENSOR,
                       .t = t_make(g, dts[rnd_int(4)], 1, &cnt, VALS(7, 8))};
            node_set_attr(g, n, &at);
            break;
        }
        }
    }
}

/* Checks one inferred output type is sane. */
static void check_type(const Type *t) {
    assert_true(t->dtype > DT_UNDEF && t->dtype < DT_COUNT);
    assert_true(t->shape.rank >= 0 && t->shape.rank <= IR_MAX_RANK);
    /* zero-sized dims are allowed; the nonzero ones multiply to at most IR_MAX_ELEMENTS */
    double nonzero = 1;
    for (int k = 0; k < t->shape.rank; k++) {
        assert_true(t->shape.dim[k] >= 0);
        if (t->shape.dim[k] > 0) nonzero *= (double)t->shape.dim[k];
    }
    assert_true(nonzero <= (double)IR_MAX_ELEMENTS);
}

/* Evaluates n if its operands are small: constants, or zero tensors for run-time inputs. */
static void try_eval(Node *n) {
    Tensor *in[8] = {0}, *tmp[8] = {0}, *out[4] = {0};
    if (n->n_in > 8 || n->n_out > 4) return;
    for (int i = 0; i < n->n_in; i++) {
        if (!n->in[i]) continue;
        if (shape_numel(&n->in[i]->type.shape) > 4096) return;
    }
    for (int i = 0; i < n->n_out; i++)
        if (shape_numel(&n->out[i]->type.shape) > (1 << 16)) return;
    for (int i = 0; i < n->n_in; i++) {
        const Value *v = n->in[i];
        if (!v) continue;
        in[i] = v->konst;
        if (!in[i]) in[i] = tmp[i] = tensor_new(NULL, v->type.dtype, &v->type.shape);
    }
    for (int i = 0; i < n->n_out; i++)
        out[i] = tensor_new(NULL, n->out[i]->type.dtype, &n->out[i]->type.shape);
    Diag d = {0};
    int rc = op_info(n->op)->sema->eval(n, in, out, &d);
    assert_true(rc == 0 || (rc == -1 && d.n_errors > 0));
    n_evals[n->op]++;
    diag_free(&d);
    for (int i = 0; i < n->n_out; i++) tensor_free_heap(out[i]);
    for (int i = 0; i < n->n_in; i++) tensor_free_heap(tmp[i]);
}

/* One random node of kind op: infer must answer cleanly, twice the same. */
static void fuzz_one(Graph *g, Value **pool, OpKind op) {
    const OpInfo *oi = op_info(op);
    int max_in = oi->max_in >= 0 ? oi->max_in : oi->min_in + 3;
    int n_in = oi->min_in + rnd_int(max_in - oi->min_in + 1);
    if (rnd_int(20) == 0) n_in = rnd_int(2) ? oi->min_in - 1 : max_in + 1; /* wrong arity */
    if (n_in < 0) n_in = 0;
    int n_out = oi->n_out >= 0 ? oi->n_out : 1 + rnd_int(3);
    Value *in[16];
    for (int i = 0; i < n_in; i++) {
        /* favour well-formed operands so that inference gets deep */
        int k = template_input(op, i);
        if (k < 0 || rnd_int(5) == 0)
            k = rnd_int(3) ? (int[]){1, 2, 3, 6, 17, 0, 14, 22, 16, 23}[rnd_int(10)]
                           : rnd_int(N_POOL);
        in[i] = pool[k];
        if (i >= oi->min_in && rnd_int(4) == 0) in[i] = NULL;
    }
    Node *n = mk_node(g, op, n_in, in, n_out);
    random_attrs(g, n);
    Diag d = {0};
    int rc = oi->sema->infer(n, &d);
    if (rc != 0) {
        assert_int_equal(rc, -1);
        assert_true(d.n_errors > 0);
        diag_free(&d);
        return;
    }
    assert_int_equal(d.n_errors, 0);
    n_ok[op]++;
    Type first[4];
    for (int i = 0; i < n->n_out && i < 4; i++) {
        check_type(&n->out[i]->type);
        first[i] = n->out[i]->type;
    }
    assert_int_equal(oi->sema->infer(n, &d), 0);
    for (int i = 0; i < n->n_out && i < 4; i++) assert_true(type_eq(&first[i], &n->out[i]->type));
    try_eval(n);
}

static void test_fuzz_every_op(void **state) {
    (void)state;
    for (int op = 0; op < OP_COUNT; op++) {
        const OpInfo *oi = op_info((OpKind)op);
        if (strncmp(oi->name, "tsnc.", 5) == 0) continue; /* tsnc's own ops: op_spike.c */
        assert_non_null(oi->sema->infer);
        assert_non_null(oi->sema->eval);
        for (int round = 0; round < 8; round++) {
            Graph *g = graph_new("fuzz");
            Value *pool[N_POOL];
            for (int k = 0; k < N_POOL; k++) pool[k] = pool_value(g, k);
            for (int it = 0; it < 250; it++) fuzz_one(g, pool, (OpKind)op);
            graph_free(g);
        }
        if (getenv("TSNC_FUZZ_STATS")) /* how deep the random nodes get */
            fprintf(stderr, "%s: %d of 2000 inferred, %d evaluated\n", oi->name, n_ok[op],
                    n_evals[op]);
    }
}

/* Every input slot filled with each pool operand in turn, no attributes. */
static void test_each_operand_alone(void **state) {
    (void)state;
    for (int op = 0; op < OP_COUNT; op++) {
        const OpInfo *oi = op_info((OpKind)op);
        if (strncmp(oi->name, "tsnc.", 5) == 0) continue;
        Graph *g = graph_new("each");
        for (int k = 0; k < N_POOL; k++) {
            Value *v = pool_value(g, k);
            int n_in = oi->min_in > 0 ? oi->min_in : 1;
            for (int slot = 0; slot < n_in; slot++) {
                Value *in[8];
                for (int i = 0; i < n_in; i++) in[i] = i == slot ? v : pool_value(g, 1);
                Node *n = mk_node(g, (OpKind)op, n_in, in, oi->n_out >= 0 ? oi->n_out : 2);
                Diag d = {0};
                int rc = oi->sema->infer(n, &d);
                assert_true(rc == 0 || (rc == -1 && d.n_errors > 0));
                diag_free(&d);
                if (rc == 0) {
                    for (int i = 0; i < n->n_out; i++) check_type(&n->out[i]->type);
                    try_eval(n);
                }
            }
        }
        graph_free(g);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_operand_alone),
        cmocka_unit_test(test_fuzz_every_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
