/*
 * probe.c - collecting and evaluating small elementwise cones on scalars.
 */
#include <math.h>
#include <string.h>

#include "passes/probe.h"
#include "passes/rewrite.h"

static bool is_compare(OpKind op) {
    return op == OP_EQUAL || op == OP_GREATER || op == OP_GREATER_OR_EQUAL || op == OP_LESS ||
           op == OP_LESS_OR_EQUAL;
}

static bool is_elementwise(OpKind op) {
    switch (op) {
    case OP_EQUAL: case OP_GREATER: case OP_GREATER_OR_EQUAL: case OP_LESS: case OP_LESS_OR_EQUAL:
    case OP_NOT: case OP_AND: case OP_OR: case OP_XOR: case OP_CAST: case OP_ADD: case OP_SUB:
    case OP_MUL: case OP_DIV: case OP_NEG: case OP_ABS: case OP_SIGN: case OP_WHERE:
    case OP_RELU: case OP_IDENTITY: case OP_CLIP:
        return true;
    default:
        return false;
    }
}

/* A constant with one value everywhere: that value. */
static bool uniform_const(const Value *v, float *out) {
    if (!v || !v->konst || v->def) return false;
    const Tensor *t = v->konst;
    if (tensor_numel(t) < 1) return false;
    double x = tensor_get_f64(t, 0);
    if (!tensor_all_equal(t, x)) return false;
    *out = (float)x;
    return true;
}

static bool in_cone(const Cone *c, const Node *n) {
    for (int i = 0; i < c->n; i++)
        if (c->nodes[i] == n) return true;
    return false;
}

static bool is_real(const Value *v) {
    return v->vs.n_levels == 0;
}

/* Post-order walk: inputs before the node, so c->nodes ends up topological. */
static bool walk(Cone *c, const Value *v, const Value **root, int depth) {
    float k;
    if (v == *root || uniform_const(v, &k)) return true;
    const Node *n = v->def;
    if (depth > PROBE_MAX_NODES) return false;
    bool through = n && is_elementwise(n->op) && n->n_out == 1 &&
                   (!is_real(v) || n->op == OP_ABS);
    if (!through) {
        /* A leaf that is neither a constant nor the root: it becomes the root, once. */
        if (*root) return false;
        *root = v;
        return true;
    }
    if (in_cone(c, n)) return true;
    for (int i = 0; i < n->n_in; i++)
        if (n->in[i] && !walk(c, n->in[i], root, depth + 1)) return false;
    if (c->n == PROBE_MAX_NODES) return false;
    c->nodes[c->n++] = n;
    return true;
}

/* Checks that the root is only compared, signed or Abs-then-compared; records breakpoints. */
static bool root_uses_are_steps(Cone *c) {
    const Value *root = c->root;
    c->n_thresholds = 0;
    for (int i = 0; i < c->n; i++) {
        const Node *n = c->nodes[i];
        bool reads_root = false, reads_abs_root = false;
        for (int j = 0; j < n->n_in; j++) {
            const Value *x = n->in[j];
            if (x == root) reads_root = true;
            if (x && x->def && x->def->op == OP_ABS && x->def->in[0] == root) reads_abs_root = true;
        }
        if (!reads_root && !reads_abs_root) continue;
        if (n->op == OP_SIGN || (n->op == OP_ABS && !reads_abs_root)) {
            if (n->op == OP_SIGN) c->thresholds[c->n_thresholds++] = 0.0f;
            continue;
        }
        if (!is_compare(n->op) || n->n_in != 2) return false;
        float k;
        const Value *other = (n->in[0] == root || (n->in[0]->def && n->in[0]->def->op == OP_ABS &&
                                                    n->in[0]->def->in[0] == root))
                                 ? n->in[1]
                                 : n->in[0];
        if (!uniform_const(other, &k)) return false;
        c->thresholds[c->n_thresholds++] = k;
    }
    /* Abs(root) may only feed comparisons. */
    for (int i = 0; i < c->n; i++) {
        const Node *a = c->nodes[i];
        if (a->op != OP_ABS || a->in[0] != root) continue;
        for (int j = 0; j < c->n; j++) {
            const Node *u = c->nodes[j];
            for (int q = 0; q < u->n_in; q++)
                if (u->in[q] == a->out[0] && !is_compare(u->op)) return false;
        }
        if (c->target == a->out[0]) return false;
    }
    return true;
}

bool cone_collect(const Value *target, bool continuous_root, Cone *c) {
    const Value *root = c->root;
    int keep_root = root != NULL;
    c->n = 0;
    c->target = target;
    if (!walk(c, target, &root, 0) || !root || root == target) return false;
    if (keep_root && root != c->root) return false;
    c->root = root;
    if (!continuous_root) return true;
    if (root->type.dtype != DT_F32) return false;
    return root_uses_are_steps(c);
}

const Value *cone_find_root(const Value *target) {
    Cone c = {0};
    return cone_collect(target, true, &c) ? c.root : NULL;
}

static float lookup(const Cone *c, const float *vals, const Value *v, float x, bool *ok) {
    float k;
    if (v == c->root) return x;
    if (uniform_const(v, &k)) return k;
    for (int i = 0; i < c->n; i++)
        if (c->nodes[i]->out[0] == v) return vals[i];
    *ok = false;
    return 0;
}

static float cast_to(DType t, float v) {
    switch (t) {
    case DT_F32: case DT_F64: return v;
    case DT_BOOL: return v != 0;
    default: return isfinite(v) ? truncf(v) : 0;
    }
}

bool cone_eval(const Cone *c, float x, float *out) {
    float vals[PROBE_MAX_NODES];
    bool ok = true;
    for (int i = 0; i < c->n; i++) {
        const Node *n = c->nodes[i];
        float a = n->n_in > 0 && n->in[0] ? lookup(c, vals, n->in[0], x, &ok) : 0;
        float b = n->n_in > 1 && n->in[1] ? lookup(c, vals, n->in[1], x, &ok) : 0;
        float e = n->n_in > 2 && n->in[2] ? lookup(c, vals, n->in[2], x, &ok) : 0;
        float r;
        switch (n->op) {
        case OP_EQUAL: r = a == b; break;
        case OP_GREATER: r = a > b; break;
        case OP_GREATER_OR_EQUAL: r = a >= b; break;
        case OP_LESS: r = a < b; break;
        case OP_LESS_OR_EQUAL: r = a <= b; break;
        case OP_NOT: r = a == 0; break;
        case OP_AND: r = a != 0 && b != 0; break;
        case OP_OR: r = a != 0 || b != 0; break;
        case OP_XOR: r = (a != 0) != (b != 0); break;
        case OP_CAST: r = cast_to(n->out[0]->type.dtype, a); break;
        case OP_ADD: r = a + b; break;
        case OP_SUB: r = a - b; break;
        case OP_MUL: r = a * b; break;
        case OP_DIV: r = a / b; break;
        case OP_NEG: r = -a; break;
        case OP_ABS: r = fabsf(a); break;
        case OP_SIGN: r = isnan(a) ? a : (float)((a > 0) - (a < 0)); break;
        case OP_WHERE: r = a != 0 ? b : e; break;
        case OP_RELU: r = a > 0 ? a : 0; break;
        case OP_IDENTITY: r = a; break;
        case OP_CLIP:
            r = a;
            if (n->n_in > 1 && n->in[1] && r < b) r = b;
            if (n->n_in > 2 && n->in[2] && r > e) r = e;
            break;
        default: return false;
        }
        vals[i] = r;
    }
    if (!ok || c->n == 0) return false;
    *out = vals[c->n - 1];
    return c->nodes[c->n - 1]->out[0] == c->target;
}
